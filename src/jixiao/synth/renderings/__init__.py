"""Renderings nobody has shown the parser (issue 13), each with exact truth.

One module per rendering, as ``jixiao.layouts`` has one per seed layout. Every module prints
the same base forms (the seed pool and header generator of ``jixiao.synth``) its own way and
edits the truth to what a careful reader can recover from that print:

================== ===================================================================rendering          what the text looks like
================== ===================================================================glued_text         no separators: ``项目名称…实施单位…`` on one line, rows
                   ``产出指标数量指标培训覆盖人次≥500人次``, sometimes the whole form one line
ocr_noise          tab rows from an OCR text layer: ``≥`` as ``>``/``2``, ``=`` as ``二``,
                   stray ``.``/Latin letters in names, ``%`` glued to a name, ``百分比``
wrapped_labels     tab rows whose cells wrap onto continuation lines: ``绩\\n效\\n指\\n标``,
                   ``年度\\n目标``, ``经济效益\\n指标``, a title over two lines
merged_cells       level1/level2 printed on a block's first row only; satisfaction rows
                   inside the 效益指标 merge (old MOF template)
two_value_sets     中期/年度 (长期/年度, 年度/实施周期) value columns side by side
non_indicator_rows pipe rows with empty level-2 placeholder rows, 小计/合计 rows, captions
multi_project      one export table, one row per indicator, project on its block's first row
                   (or on every row), amounts in 元, codes ``310-``/``[012003]``, tab or web
                   pipe rows; one form per project
bracketed          ``【产出指标-数量指标】`` blocks of ``指标1:名称(≥20台)``, or prose
                   ``数量指标:名称>=5000株;…``
pdf_text_layer     a column of labels printed apart from its values (or two label/value
                   column pairs interleaved), a number broken over two lines
                   (``1256.3`` / ``8``), a wrapped goal; rows as blank-separated words,
                   one cell per line, or with a long name wrapped mid-row
placeholders       ``(≥**%)``/``≥**人`` template text, ``★``/``*`` markers, ``指标1:``
header_variants    预算部门/预算单位/项目执行单位, codes before/after/in brackets, budgets in
                   元 or ``年度资金总额：120；其中：财政拨款120``, ``202101-202112``, ``项目期 3年``,
                   ``(2023年度`` missing its bracket
folding            Kangxi radicals (``⽬``, ``⼀``) and traditional characters
unit_columns       a value column per township (headed by its name), the same target in
                   each: pipe cells, or glued (``≥500人次500人次``, ``≥11``) with the 指标解释
                   glued to the name
heading_synonyms   other provinces' column headings (指标名称/绩效指标/指标内容, 全年指标值/
                   本年目标值, 运算符号/比较方式, 度量单位, 分值/权重（%）) and columns to step
                   over (序号, 上年实际值, 指标解释, 评（扣）分标准, 数据来源, 佐证材料, 备注)
outline_levels     level names numbered as an outline (``一、产出指标``, ``（一）数量指标``,
                   ``1.社会效益指标``), short forms (``产出``, ``数量``), merged cells blank below
application_form   项目支出绩效目标申报表: two label/value pairs per header row (项目负责人,
                   联系电话, 项目属性, 项目期限 …), a 资金情况 block or a grid of budget labels
                   over their amounts (项目总额 | 年度资金总额 | 其中：财政拨款 | 其他资金)
department_whole   部门（单位）整体支出绩效目标表: the 年度主要任务 table with its 金额合计 row
                   under a 总额 | 财政拨款 | 其他资金 sub-heading, or a 年度预算申请 block
stacked_headings   a heading over two rows (``绩效指标`` over 一级/二级/三级, 指标值 and 权重
                   merged down), or both levels in one 指标类别 cell (``产出指标-数量指标``)
result_columns     tab or pipe rows with what was achieved beside the target (实际完成值/完成值/
                   1-6月执行情况, before or after it) and how it scored (得分, 偏差原因)
central_midterm    中央部门项目支出绩效目标申报表: 中期 and 年度 blocks side by side in full (amounts,
                   goals, ``二级 | 三级 | 指标值`` twice); the annual block is the record; tab rows
                   or web pipes that drop merged cells in both blocks
markdown_tables    Markdown: ``## 标题``, bold labels and headings, a ``|---|`` rule, ``<br>`` in a
                   name, or the header as ``**项目名称**：…`` lines above the table
csv_rows           a sheet saved as CSV: rows padded with commas, quoted cells (all or those with
                   a comma), a byte-order mark
worded_targets     operators in words or other symbols: 不低于/不少于/大于等于/至少, ``95%以上``,
                   ``控制在…以内``, ≧/≦, ＞＝, 超过/低于, full-width digits and ％, in the value or
                   in a 指标性质 column
level_vocab        the 2021 成本指标 block (经济成本指标 …), bare 产出/效益/数量/社会效益, or an older
                   template's 二级 label heading a block of its own in the 一级 column
                   (``社会效益指标 | | 名称 | 目标``)
wrapped_text_layer a PDF/OCR text layer of a table whose cells wrap, vertically centred: a
                   long name's first lines come before the row's values, its end after
                   them; lines by height (pdfplumber), column-aligned (``pdftotext
                   -layout``), cell by cell (content stream) or with OCR's uneven gaps
ocr_lines_boxes    OCR text of a scanned table, a line per visual line (``ocr_wrapped_lines``):
ocr_lines_spaced   a wrapped name's first (top-aligned) or middle (centred) line beside the
ocr_lines_glued    row's values, its other lines alone (``指标1：`` / ``…运维的`` / ``数量``);
                   merged levels, an empty 指标性质 column; a file a box per line, spaced or glued
column_major       a text layer giving the table column by column (pdfminer): headings, then
                   every level-1, level-2 and indicator name, every operator, value, unit and
                   weight, a box each; or the names as a run then the rest row by row; the
                   goal's label above the table and its text after the names
================== ==================================================================="""

from __future__ import annotations

import random
import re
from types import ModuleType
from typing import Any

from jixiao.synth.builder import Builder
from jixiao.synth.forms import LEVEL1_ORDER, truth
from jixiao.synth.layouts import pdf_tab7
from jixiao.synth.pool import Pool
from jixiao.synth.renderings import (
    application_form,
    bracketed,
    central_midterm,
    column_major,
    csv_rows,
    department_whole,
    folding,
    glued_text,
    header_variants,
    heading_synonyms,
    level_vocab,
    markdown_tables,
    merged_cells,
    multi_project,
    non_indicator_rows,
    ocr_lines_boxes,
    ocr_lines_glued,
    ocr_lines_spaced,
    ocr_noise,
    outline_levels,
    pdf_text_layer,
    placeholders,
    result_columns,
    stacked_headings,
    two_value_sets,
    unit_columns,
    worded_targets,
    wrapped_labels,
    wrapped_text_layer,
)
from jixiao.synth.renderings.base import Record, order_fields

MODULES: tuple[ModuleType, ...] = (
    glued_text,
    ocr_noise,
    wrapped_labels,
    merged_cells,
    two_value_sets,
    non_indicator_rows,
    multi_project,
    bracketed,
    pdf_text_layer,
    placeholders,
    header_variants,
    folding,
    unit_columns,
    heading_synonyms,
    outline_levels,
    application_form,
    department_whole,
    stacked_headings,
    result_columns,
    central_midterm,
    markdown_tables,
    csv_rows,
    worded_targets,
    level_vocab,
    wrapped_text_layer,
    ocr_lines_boxes,
    ocr_lines_spaced,
    ocr_lines_glued,
    column_major,
)
RENDERINGS: dict[str, ModuleType] = {m.NAME: m for m in MODULES}


def base_forms(pool: Pool, rng: random.Random, count: int, module: ModuleType) -> list[Record]:
    """``count`` clean contract records from the pool, rows the module can print exactly."""
    builder = Builder(pool, rng, pdf_tab7.LAYOUT, 0.0)  # its header generator
    items = [i for i in pool.items if module.item_ok(i)]
    names = sorted({i.name for i in items})
    forms: list[Record] = []
    for _ in range(count):
        header, _style = builder.header("project")
        rec: dict[str, Any] = dict(header)
        rec["overview"] = rec["basis"] = None
        rec["annual_goal"] = re.sub(r"\s+", "", str(rec.get("annual_goal") or "")) or None
        n = min(rng.randint(4, 10), len(names))
        seen: set[str] = set()
        chosen: list[Any] = []
        while len(chosen) < n:
            item = rng.choice(items)
            if item.name not in seen:
                seen.add(item.name)
                chosen.append(item)
        order = {l2: k for k, l2 in enumerate(dict.fromkeys(i.level2 for i in chosen))}
        chosen.sort(key=lambda i: (LEVEL1_ORDER.get(i.level1, 9), order[i.level2]))
        inds = []
        for item in chosen:
            t = truth(item)
            t["weight"] = builder.weight(item)
            if not item.quantitative:
                t["operator"] = None  # no rendering here prints an operator for text targets
            inds.append(t)
        rec["indicators"] = inds
        forms.append(rec)
    return forms


def build(
    name: str, pool: Pool, rng: random.Random, count: int
) -> tuple[str, list[dict[str, Any]]]:
    """Render ``count`` forms in rendering ``name``: the text and its truth records."""
    module = RENDERINGS[name]
    forms = base_forms(pool, rng, count, module)
    text: str = module.render(forms, rng)
    return text, [order_fields(f) for f in forms]
