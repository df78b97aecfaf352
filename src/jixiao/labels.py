"""What a person reads for each machine code: flag codes and reject codes, Chinese first.

Codes stay in JSON Lines (``flags`` of forms.jsonl, ``code`` of rejects.jsonl) so scripts can
rely on them; CSV, xlsx, the HTML report and the CLI summaries show these labels, in Chinese by
default or English with ``--lang en`` (``JIXIAO_LANG``).

Reject reasons are written by the readers and the parser as free text with the particulars
(the exception, the limit, the rows read), each with a stable code set where it is made;
``reject_reason`` puts the code's label in front of the particulars.
"""

from __future__ import annotations

import re
from typing import Literal

Lang = Literal["zh", "en"]
LANGS: tuple[Lang, ...] = ("zh", "en")
LANG_ENV = "JIXIAO_LANG"

#: flag code → (中文, English); the contract's vocabulary plus ``ocr_low_confidence``.
FLAG_LABELS: dict[str, tuple[str, str]] = {
    "name_truncated": ("指标名称被截断", "name cut off"),
    "name_completed_by_model": (
        "指标名称由模型补全（未经原文印证）",
        "name completed by the model",
    ),
    "value_in_name": ("指标值写在名称里", "target inside the name"),
    "unit_invalid": ("计量单位无效", "not a unit in the unit cell"),
    "unit_missing": ("缺少计量单位", "no unit for a quantitative target"),
    "value_missing": ("缺少指标值", "no target value"),
    "value_suspect": ("指标值可疑", "value cell holds something else"),
    "column_shift": ("单元格错列", "cells in the wrong columns"),
    "category_in_operator": ("运算符栏填了类别", "category where the operator belongs"),
    "ocr_low_confidence": ("OCR 识别置信度低", "OCR read with low confidence"),
}

#: reject code → (中文, English); the code is set where the reject is made (the readers'
#: ``InputError``, the parser's rejects in ``pipeline``, the run store's), never read from text.
REJECT_LABELS: dict[str, tuple[str, str]] = {
    "internal_error": ("内部错误（jixiao 的缺陷）", "internal error in jixiao"),
    "limit_exceeded": ("超出限制", "limit exceeded"),
    "image_bomb": ("图像像素过多，疑似解压炸弹", "image claims too many pixels"),
    "skipped": (
        "跳过的文件（后缀未知、隐藏、符号链接等）",
        "entry skipped (unknown suffix, hidden, symlink …)",
    ),
    "unreadable": ("无法读取文件", "cannot read the file"),
    "empty_file": ("空文件", "empty file"),
    "binary": ("二进制内容，不是文本", "binary content"),
    "encrypted": ("文件已加密，需要密码才能打开", "encrypted: a password is needed"),
    "legacy_office": (
        "旧版 Office/WPS 二进制格式（.doc/.wps/.xls/.et）：需安装 LibreOffice 转换，或另存为 .docx/.xlsx",
        "legacy Office/WPS binary format (.doc/.wps/.xls/.et): needs LibreOffice",
    ),
    "unknown_format": ("无法识别的文件格式", "unknown file format"),
    "corrupt": ("文件已损坏或不完整", "corrupt or truncated file"),
    "no_text": ("文档中没有可读的文字", "no text in the document"),
    "no_form": ("未找到绩效目标表", "no 绩效目标表 found"),
    "form_without_body": (
        "有表名，但其后没有表头字段或指标行",
        "form title without header fields or indicator rows",
    ),
    "not_a_form": (
        "有表头标签或表名，但下一张表之前没有指标表：不是一张表",
        "labels or a title but no indicator table: not a form",
    ),
    "no_indicator_table": (
        "表中没有指标表表头（一级指标/三级指标/指标值 …）",
        "no indicator table heading in the form",
    ),
    "cell_unplaced": (
        "无法归位的单元格（没有标签或列认领）",
        "cell that no label or column claims",
    ),
    "cell_extra": (
        "指标行中多出的单元格（表中没有对应的列）",
        "cell in an indicator row that no column claims",
    ),
    "row_before_form": ("第一张表之前的行（上方没有表名或表头标签）", "row before the first form"),
    "row_discarded": ("被判定为非表部分中的行（未读入）", "row of a part rejected as not a form"),
    "site_text": (
        "网页自身的文字（导航、发布信息、页脚等，不属于表，未读入）",
        "web page text around the form (navigation, byline, footer): not read",
    ),
    "label_repeated": (
        "表头标签重复出现（保留第一次的值）",
        "header label repeated (the first value is kept)",
    ),
    "file_truncated": ("文件在表格行中途结束，文本疑似被截断", "file ends inside a table row"),
    "other": ("无法读取的内容", "not readable"),
}
OTHER_REJECT = "other"
_CJK = re.compile(r"[\u3400-\u9fff]")


def flag_label(code: str, lang: Lang = "zh") -> str:
    """The label of one flag code (an unknown code is shown as it is)."""
    pair = FLAG_LABELS.get(code)
    return code if pair is None else pair[LANGS.index(lang)]


def flag_labels(codes: list[str], lang: Lang = "zh") -> str:
    """Several flags as one cell: ``名称被截断；缺少计量单位`` (``;`` between English labels)."""
    return ("；" if lang == "zh" else "; ").join(flag_label(c, lang) for c in codes)


def reject_label(code: str, lang: Lang = "zh") -> str:
    """The label of one reject code (an unknown code: the ``other`` label)."""
    pair = REJECT_LABELS.get(code) or REJECT_LABELS[OTHER_REJECT]
    return pair[LANGS.index(lang)]


def reject_reason(code: str, reason: str, lang: Lang = "zh") -> str:
    """A reject reason as a person reads it: in Chinese, the label, `` / `` and the particulars
    (as the limit and internal-error reasons are written already: those are kept as they are);
    in English, as written."""
    if lang == "en" or _CJK.match(reason.strip()[:1] or "a"):
        return reason
    return f"{reject_label(code, lang)} / {reason}"


def check_lang(lang: str) -> Lang:
    """``zh`` or ``en``; anything else is a usage error (``ValueError``)."""
    if lang not in LANGS:
        raise ValueError(f"--lang must be zh or en, not {lang!r}")
    return lang


#: What the HTML report pages print around the data: key → (中文, English).
REPORT_TEXT: dict[str, tuple[str, str]] = {
    "title": ("预算绩效目标表审核报告", "Review of budget performance-target forms"),
    "basis": (
        "规则依据 review-rules.md（财预〔2015〕88号、财预〔2020〕10号、财预〔2021〕101号）",
        "rules: review-rules.md (财预〔2015〕88号, 财预〔2020〕10号, 财预〔2021〕101号)",
    ),
    "profile": ("审核配置", "profile"),
    "files": ("文件", "files"),
    "forms": ("表", "forms"),
    "indicators": ("指标", "indicators"),
    "findings": ("问题", "findings"),
    "rewrites": ("改写建议", "rewrites"),
    "rejects": ("未能读取", "refused inputs"),
    "summary": ("汇总", "summary"),
    "by_rule": ("按规则", "by rule"),
    "by_severity": ("按级别", "by severity"),
    "by_department": ("按部门", "by department"),
    "none": ("无", "none"),
    "pages": ("分页（按部门）", "pages (by department)"),
    "page": ("页", "page"),
    "department": ("主管部门", "department"),
    "part": ("第{n}部分", "part {n}"),
    "all_forms": ("全部表", "all forms"),
    "search": ("搜索", "search"),
    "search_hint": (
        "搜索：项目、部门、指标、原文、规则代码…",
        "search: project, department, indicator, source text, rule code…",
    ),
    "shown": ("显示", "shown"),
    "back": ("返回总览", "back to the overview"),
    "prev": ("上一页", "previous"),
    "next": ("下一页", "next"),
    "legend_error": ("须改正", "must be fixed"),
    "legend_warning": ("应改正", "should be fixed"),
    "legend_info": ("供参考", "for reference"),
    "legend_flag": ("有问题的单元格", "cell with a problem"),
    "legend_repaired": ("已修复的单元格", "repaired cell"),
    "legend_src": (
        "每条问题下列出原表单元格原文及其文件、行号",
        "each finding shows its source cell, file and line",
    ),
    "goal": ("绩效目标", "performance goal"),
    "empty": ("（空）", "(empty)"),
    "no_findings": ("未发现问题。", "no findings."),
    "whole_form": ("整表", "whole form"),
    "item": ("第{n}项", "row {n}"),
    "source": ("原文", "source"),
    "source_none": ("（未记录原始单元格）", "(no source cell recorded)"),
    "source_absent": ("（表中无此栏）", "(the row has no such cell)"),
    "line": ("第{n}行", "line {n}"),
    "lines": ("第{a}–{b}行", "lines {a}–{b}"),
    "col": ("第{n}列", "column {n}"),
    "page_no": ("第{n}页", "page {n}"),
    "suggestion": ("建议", "suggestion"),
    "evidence": ("依据", "evidence"),
    "rewrite_head": ("改写建议（已通过规则复核）", "suggested rewrites (re-checked by the rules)"),
    "rw_before": ("原指标", "indicator"),
    "rw_levels": ("层级", "levels"),
    "rw_name": ("建议指标", "suggested indicator"),
    "rw_target": ("目标值", "target"),
    "rw_graded": ("分级标准", "graded standard"),
    "rw_note": ("说明", "rationale"),
    "rw_from": ("来源", "from"),
    "rw_badge": ("改写", "rewrite"),
    "src_flag": ("源", "src"),
    "problems_col": ("问题", "findings"),
    "inferred": ("按名称推断", "inferred from the name"),
    "col_level1": ("一级指标", "level 1"),
    "col_level2": ("二级指标", "level 2"),
    "col_name": ("三级指标", "indicator"),
    "col_operator": ("运算符", "operator"),
    "col_value": ("指标值", "target"),
    "col_unit": ("单位", "unit"),
    "col_weight": ("权重", "weight"),
    "meta_title": ("表名", "title"),
    "meta_code": ("项目编码", "project code"),
    "meta_year": ("年度", "year"),
    "meta_budget": ("预算（万元）", "budget (万元)"),
    "meta_file": ("来源", "source"),
    "field_annual_goal": ("绩效目标", "goal"),
    "rejects_head": ("未能读取的输入", "inputs that were refused"),
    "rejects_none": ("本次审核没有被拒收的输入。", "no input was refused in this run."),
    "rejects_intro": (
        "以下输入未能读取为绩效目标表，未纳入审核；请按原因修正后重新运行。",
        "these inputs could not be read as forms and were not reviewed; fix them and rerun.",
    ),
    "rej_file": ("文件", "file"),
    "rej_kind": ("类别", "kind"),
    "rej_code": ("原因", "reason"),
    "rej_detail": ("具体情况", "particulars"),
    "rej_where": ("位置", "where"),
    "rej_text": ("原文", "text"),
    "kind_file": ("文件", "file"),
    "kind_form": ("表", "form"),
    "kind_row": ("行", "row"),
    "kind_skipped": ("跳过", "skipped"),
    "form_no": ("第{n}张表", "form {n}"),
    "no_department": ("（未注明单位）", "(no department)"),
    "unnamed": ("未命名", "unnamed"),
    "dept_form": ("部门整体", "department as a whole"),
    "worst": ("最高级别", "worst"),
    "ok": ("无问题", "clean"),
}
SEVERITY_TEXT: dict[str, tuple[str, str]] = {
    "error": ("错误", "error"),
    "warning": ("警告", "warning"),
    "info": ("提示", "info"),
}


def report_text(key: str, lang: Lang = "zh", **values: object) -> str:
    """One piece of report text, with ``{n}``-style particulars filled in."""
    zh, en = REPORT_TEXT[key]
    text = zh if lang == "zh" else en
    return text.format(**values) if values else text


def severity_label(severity: str, lang: Lang = "zh") -> str:
    """错误 / 警告 / 提示 (error / warning / info)."""
    pair = SEVERITY_TEXT.get(severity)
    return severity if pair is None else pair[LANGS.index(lang)]
