"""Glued text: a table flattened with no separators at all (OCR text layers, document-sharing
previews, text copied out of a spreadsheet), a row per line or a whole page on one line.

With nothing to split on, cells are cut where the form's own vocabulary stands: header labels
(``项目名称``, ``主管部门``, ``资金总额`` …), column headings (``一级指标`` … ``备注``), level-1 and level-2
names, form titles; and inside an indicator row at its target value (``≥90%``, ``168``,
``2023年12月31日``, ``有所提升``) and at the words that open an explanation (``反映…``). A row
starts at a label or at a level name, so a page glued onto one line falls apart into the same
rows as a page with a row per line. Cells are matched to the columns by order and content
downstream (``POSITIONAL = False``): nothing here knows which column a cell belongs to.
"""

from __future__ import annotations

import re
from functools import lru_cache

from jixiao import vocab
from jixiao.grammar import BLANKS, Row
from jixiao.schema import Cell

NAME = "glued"
POSITIONAL = False

_HEADER_WORDS = [
    "专项资金名称",
    "项目(专项)名称",
    "项目（专项）名称",
    "单位(专项)名称",
    "项目名称",
    "主管部门(单位)名称",
    "主管部门（单位）名称",
    "主管部门及代码",
    "主管部门名称",
    "部门(单位)名称",
    "部门（单位）名称",
    "部门名称",
    "业务主管部门",
    "项目主管部门",
    "主管部门",
    "主管单位",
    "预算部门",
    "预算单位",
    "项目实施单位",
    "项目执行单位",
    "实施单位",
    "编制单位",
    "资金情况(万元)",
    "资金情况（万元）",
    "年度资金总额",
    "项目资金总额",
    "资金总额",
    "部门支出预算总量",
    "项目属性",
    "项目期",
    "实施期限",
    "项目起止时间",
    "起止时间",
    "项目概况",
    "立项依据",
    "年度总体目标",
    "年度绩效目标",
    "当年绩效目标",
    "总体目标",
    "年度目标",
    "中期目标",
    "项目负责人",
    "联系电话",
    "金额单位",
    "部门",
]
_BREAKDOWN_WORDS = ["财政拨款", "其他资金", "其它资金", "自筹资金", "上级补助", "本级财政资金"]
_HEADINGS = [
    "绩效指标",
    "一级指标",
    "二级指标",
    "三级指标",
    "指标值内容",
    "指标值类型",
    "指标解释",
    "指标方向",
    "指标性质",
    "绩效指标描述",
    "计量单位",
    "度量单位",
    "评(扣分标准)",
    "评(扣)分标准",
    "评（扣）分标准",
    "指标权重",
    "权重",
    "分值",
    "备注",
    "目标值",
    "指标值",
]
_LEVEL1 = ["预期产出指标", "产出指标", "效益指标", "满意度指标", "成本指标", "效果指标"]
_LEVEL2 = [
    "数量指标",
    "质量指标",
    "时效指标",
    "经济成本指标",
    "社会成本指标",
    "生态环境成本指标",
    "经济效益指标",
    "社会效益指标",
    "生态效益指标",
    "环境效益指标",
    "可持续影响指标",
    "服务对象满意度指标",
    "社会公众满意度指标",
    "可持续发展指标",  # non-standard 二级 names forms state (kept as stated downstream)
    "效果指标",
]


def _alternation(words: list[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))


_TITLE = re.compile(
    r"(?P<title>[^:：。;；,，]{0,60}?(?P<key>绩效目标)(?:申报|批复|审批|审核)?表(?:公开)?"
    r"(?:[(（]\d{4}年度?[)）])?)"
)
_ANCHOR = re.compile(
    rf"(?P<breakdown>(?:其中[:：]?)?(?:{_alternation(_BREAKDOWN_WORDS)}))"
    rf"|(?P<label>(?:{_alternation(_HEADER_WORDS)})"
    # its note in brackets, or the bracket's head a narrow cell broke off (资金总额（万 / 元）)
    rf"(?:[（(][^（）()]{{1,6}}[）)]|[（(][^（）()\d]{{1,3}}(?=\d))?[:：]?)"
    rf"|(?P<heading>{_alternation(_HEADINGS)})"
    rf"|(?P<level2>{_alternation(_LEVEL2)})"
    rf"|(?P<level1>{_alternation(_LEVEL1)})"
)
_OP = vocab.OPERATOR_PATTERN
_NUM = r"\d+(?:\.\d+)?"
_DATE = r"\d{4}年(?:\d{1,2}月(?:\d{1,2}日)?(?:底|末)?(?:前|之前|以前)?)?"
_QUAL = (
    r"有所(?:提升|提高|改善|减轻|增加|增强|下降|降低)|明显(?:提升|提高|改善)?|显著(?:提升|提高)?|"
    r"稳步(?:提升|提高)|逐步(?:提升|提高|完善)|持续(?:提升|提高|改善)|进一步(?:提升|提高)|"
    r"按时完成|按期完成|全覆盖|是/否|优良|良好|较好|健全|完善|达标|合格"
)
#: A target value inside a glued row: operator, number and unit; a date; a qualitative word.
#: A unit per unit of time or count (``人/天``, ``次/年``), as a compound unit prints.
_PER = rf"(?:/(?:{vocab.UNIT_PATTERN}|[天日周月季年]))"
_VALUE = re.compile(
    rf"(?P<date>{_DATE})"
    rf"|(?P<num>(?:{_OP})?\s*{_NUM}\s*(?:(?:{vocab.UNIT_PATTERN}){_PER}?)?(?:以上|以下|以内)?)"
    rf"|(?P<qual>{_QUAL})"
)
#: Where an explanation column starts inside glued text.
#: Punctuation between anchors that belongs to no cell: 【产出指标-数量指标】, 数量指标:, ;
_FILLER = BLANKS + "【】[]〔〕-—－:：;；,，。、"
_BRACKETED_VALUE = re.compile(r"^(?P<name>.{2,}?)[（(](?P<value>[^（）()]+)[）)]$")
#: Labels that are also common words inside names: no label in a table row without a colon.
_WEAK_LABELS = frozenset({"部门", "项目期"})
#: A list ordinal before an anchor (``一、产出指标``, ``(二)``, ``3.``): punctuation, not a cell.
_ORDINAL = re.compile(
    r"^\s*(?:[一二三四五六七八九十]+|\d{1,2})\s*[、.．]\s*$|^[（(][一二三四五六七八九十\d]{1,3}[)）]$"
)
#: ``指标1:`` numbering that opens an indicator line (kept in the name cell, never a value).
_NUMBERING = re.compile(r"^(?:指标\s*\d+\s*[:：]|\d{1,2}\s*[、.．](?!\d))\s*")
#: A level-2 name the closed list does not hold, stated before a colon (``可持续发展指标:``).
_STATED_LEVEL = re.compile(r"^(?P<level>[\u4e00-\u9fff]{2,10}指标)[:：](?P<rest>.+)$", re.S)
#: Items of a prose list: ``数量指标:名称>=5000株;名称≥90%;`` (a target ends each item).
_ITEM_SEP = re.compile(r"[;；]")
#: A comma that may end an item (after its target): ``补植苗木≥5000株，养护人员≥8人``.
_COMMA = re.compile(r"(，|,(?!\d))")
#: An ordinal closing the text before an anchor: ``补植苗木≥5000株；2.``〔质量指标…〕.
_TRAILING_ORDINAL = re.compile(
    r"(?<=[;；,，。\s])\s*[（(]?(?:[一二三四五六七八九十]+|\d{1,2})[)）、.．]?\s*$"
)
#: A target that cannot be part of a name: an operator and a number, or a number and its unit.
_STATED_TARGET = re.compile(
    rf"\s*(?:(?:{_OP})\s*{_NUM}\s*(?:{vocab.UNIT_PATTERN})?|{_NUM}\s*(?:{vocab.UNIT_PATTERN}))"
    r"(?:以上|以下|以内)?"
)
_BARE_ORDINAL = re.compile(r"^[（(]?(?:[一二三四五六七八九十]+|\d{1,2})[)）、.．]?$")
#: Qualitative targets that close a prose item or fill a bracket: ``辖区干净整洁优;``, ``(优)``.
_CLOSED_QUAL = re.compile(
    r"(?:优秀|良好|优|良|明显|显著|健全|有所(?:提升|提高|改善)|稳步(?:提升|提高)|明显改善)$"
)
_RATE = re.compile(r"[率度性]")
#: Latin capitals glued after a Chinese name's last character, right before its target.
_MISREAD_SIGN = re.compile(r"(?<=[\u4e00-\u9fff])[A-Z]{1,3}$")
_OP_START = re.compile(rf"^(?:{_OP})")
_CJK = re.compile(r"[\u4e00-\u9fff]")
#: A target that may end the row glued before a title (an operator, or a number and its unit).
_LEAD_TARGET = re.compile(
    rf"(?:{_OP})\s*{_NUM}\s*(?:{vocab.UNIT_PATTERN})?|{_NUM}\s*(?:{vocab.UNIT_PATTERN})"
)
#: A year in a title's lead (``2024年``, ``2023项目…``: 项 is then no unit): never a target.
_YEAR_WORD = re.compile(r"(?:19|20)\d{2}(?:\s*年|\s*\D?)")
_ATTACHMENT = re.compile(r"附件\s*[\d-]*\s*[:：.、]?")
_NOTE_START = re.compile(r"反映|用于|考核|指标解释")
#: What stands before a score in a grading rule (``完成得10分``, ``扣1分``): no target.
_SCORING = frozenset("得扣")
_TYPE_END = re.compile(r"-?(定量|定性)$")
_LABELISH = re.compile(r"[:：]\s*$")
#: A grade (优/良) closing a row with no other target; not after a word it ends (评优, 优良).
_GRADE_END = re.compile(rf"(?:{_OP})?(?<![评择创争优良])[优良]$")


#: Lines that hold indicators as text, not as a table: a bracketed category heading, a
#: numbered indicator, a level name opening a prose list (``数量指标:名称>=5000株;``).
_TEXT_ROW = re.compile(
    rf"^(?:【(?:{_alternation(_LEVEL1)})[^】]{{0,20}}】$|指标\d+[:：]\S"
    rf"|(?:[一二三四五六七八九十]+、)?(?:{_alternation(_LEVEL1 + _LEVEL2)})[:：]\S.*[;；。]?$)"
)


#: A table row glued whole: a name's last character, then its target and what follows it
#: (``现场督查次数200次10``, ``会务保障率≥98%5``) to the end of the line.
_GLUED_ROW = re.compile(rf"[\u4e00-\u9fff）)](?:{_OP})?{_NUM}(?:{vocab.UNIT_PATTERN})?(?:{_NUM})?$")
#: A line that is one bare cell: a number, an operator or a unit (a cell per line).
_BARE_CELL = re.compile(
    rf"^(?:(?:{_OP})?{_NUM}(?:{vocab.UNIT_PATTERN})?|{_OP}|{vocab.UNIT_PATTERN})$"
)
#: A line's weight is its length, at least this: a page of short one-cell lines is evidence too.
_MIN_WEIGHT = 8


#: A sheet saved as CSV pads its rows with empty cells (``项目名称,会务服务,,,``, ``"",""``):
#: cells that stand apart, whatever the prose around the sheet (a web page's notice) says.
_PADDED = re.compile(r'(?:,|"")\s*,\s*(?:,|""|$)')


def detect(lines: list[str]) -> float:
    """Share of the text in lines whose cells are glued, against lines whose cells stand apart.

    Glued: no separator, and two anchors glued to their text, an indicator written as text,
    a label glued to its value (``项目名称政务督查工作``) or a row glued whole (``…次数200次10``).
    Apart: tabs, bars or runs of blanks, a CSV row's padding; single blanks between cells one of which is bare (an
    anchor, a number, a unit: ``项目名称 政务督查工作``, ``次数 200 次 10``); a line that is one
    anchor or one bare number (an OCR box per line). Other lines (prose) weigh as neither."""
    glued = apart = 0
    for line in lines:
        text = line.strip(BLANKS)
        if not text:
            continue
        weight = max(len(text), _MIN_WEIGHT)
        separated = "\t" in text or "|" in text or "  " in text or bool(_PADDED.search(text))
        if separated or _spaced_cells(text) or _bare_line(text):
            apart += weight
        elif _TEXT_ROW.match(text) and not any(b in text for b in BLANKS):
            glued += weight  # an indicator written as text: 【产出指标-数量指标】, 指标1:…
        elif _glued_anchors(text) or _glued_label(text) or _GLUED_ROW.search(text):
            glued += weight
    if not glued:
        return 0.0
    return 0.9 * glued / (glued + apart)


def _glued_anchors(text: str) -> bool:
    anchors = list(_ANCHOR.finditer(text))
    return len(anchors) >= 2 and any(
        m.end() < len(text) and text[m.end()] not in BLANKS for m in anchors
    )


def _glued_label(text: str) -> bool:
    """A strong header label opens the line, its value glued on (``项目名称政务督查工作``)."""
    m = _ANCHOR.match(text)
    if not m or m.lastgroup != "label" or _weak(m.group()):
        return False
    rest = text[m.end() :].lstrip(_FILLER)
    return bool(rest) and text[m.end()] not in BLANKS and not _ANCHOR.match(rest)


def _bare_line(text: str) -> bool:
    """One cell alone on its line: an anchor, a number, an operator or a unit."""
    m = _ANCHOR.fullmatch(text)
    return bool(m or _BARE_CELL.match(text))


def _spaced_cells(text: str) -> bool:
    """Cells a single blank apart, one of them bare (``项目名称 政务督查工作``, ``次数 200 次``)."""
    parts = [p for p in re.split(f"[{BLANKS}]+", text) if p]
    return len(parts) >= 2 and any(_bare_line(p) for p in parts)


def rows(lines: list[str], first: int = 1) -> list[Row]:
    """Each line is cut into cells at its anchors; a row starts at a label or a level name."""
    out: list[Row] = []
    table = False
    for number, line in enumerate(lines, first):
        current: list[Cell] = []
        for kind, text in cut(line.strip(BLANKS), table):
            if kind == "break":  # the next item of a prose list: a row of its own
                if current:
                    out.append(Row(current))
                current = []
                continue
            if kind in {"heading", "level1", "level2"}:
                table = True
            starts_row = kind in {"title", "label", "breakdown", "level1"} or (
                kind == "level2" and not (current and _is_level1(current[-1].text))
            )
            if kind == "level1" and len(current) == 1 and _is_level1(current[0].text):
                # 【产出指标-成本指标】: a level1 label, then one that is also a level2
                starts_row = vocab.canon_level2(text) is None
            if kind == "heading" and current and not _is_heading(current[-1].text):
                starts_row = True
            if starts_row and current:
                out.append(Row(current))
                current = []
            current.append(Cell(text, number, len(current)))
        if current:
            out.append(Row(current))
    return out


def _is_level1(text: str) -> bool:
    return vocab.canon_level1(text) is not None


def _is_heading(text: str) -> bool:
    return vocab.column_role(text) is not None or text in _HEADINGS


def cut(text: str, table: bool = True) -> list[tuple[str, str]]:
    """A glued line as ``(kind, text)`` cells: anchors as they stand, the text between them
    cut at a target value when it stands in an indicator row."""
    return list(_cut(text, table))


@lru_cache(maxsize=4096)
def _cut(text: str, table: bool) -> tuple[tuple[str, str], ...]:
    out: list[tuple[str, str]] = []
    pos = 0
    after_label = long_text = False
    for kind, start, end in _anchors(text):
        raw_gap = text[pos:start]
        gap = _strip_gap(raw_gap, after_label, long_text)
        row = table and not after_label
        if kind in {"level1", "level2"} and row and not gap and _category_name(text, end, out):
            pos = start  # 产出指标-数量指标（名称）: the name printed with its levels, one cell
            break
        if kind == "label" and row and _weak(text[start:end]):
            continue  # 部门 inside an indicator's name (各部门、单位高效完成工作)
        if (
            kind in {"label", "breakdown"}
            and row
            and _inside_name(gap)
            and vocab.header_field(text[start:end]) != "project_name"  # that opens a form
        ):
            continue  # ``服务部门≥81个``: a label word inside an indicator's name, no label
        if gap and not _ORDINAL.match(raw_gap):
            out.extend(_items(gap, row=row))
        out.append((kind, text[start:end].strip(BLANKS)))
        after_label = kind in {"label", "breakdown", "title"}
        long_text = kind == "label" and vocab.header_field(text[start:end]) in vocab.LONG_FIELDS
        if kind in {"heading", "level1", "level2"}:
            table = True
        pos = end
    rest = _strip_gap(text[pos:], after_label, long_text)
    if rest and not out and table and _piece_line(text):
        # a wrapped name's line alone (``重大活动开展、``): its text as printed, the comma
        # it broke after included
        return (("name", text.strip(BLANKS).lstrip(_FILLER)),)
    if rest:
        out.extend(_items(rest, row=table and not after_label))
    return tuple(out)


def _piece_line(text: str) -> bool:
    """A line of words that ends on the comma a name's line broke after, with no target."""
    body = text.strip(BLANKS)
    return body[-1:] in ("、", "，", ",") and not _ITEM_SEP.search(body) and not _holds_target(body)


#: What follows a level word that opens a name printed with its category: a dash and more
#: category (``-数量指标``, ``-社会效益``), then the bracket around the name.
_CATEGORY_TAIL = re.compile(
    r"(?P<dash>[-－—][\u4e00-\u9fff]{0,9})?[（(](?P<inner>[^（）()]*)(?P<close>[）)])?"
)


def _category_name(text: str, end: int, out: list[tuple[str, str]]) -> bool:
    """The level word ending at ``end`` opens the name cell, the name in brackets after it:
    a dash between the category's words (``产出指标-数量指标（办公设备…``), or, after the row's
    own level cells, the bracket closing right before the target
    (``满意度指标满意度指标（群众满意度）95%``); a level's note (``数量指标（必填）名称…``) is
    followed by more name."""
    m = _CATEGORY_TAIL.match(text, end)
    if m is None:
        return False
    if m.group("dash"):
        return True
    if not out or out[-1][0] not in ("level1", "level2"):
        return False
    return m.group("close") is not None and bool(_VALUE.match(text, m.end()))


def _strip_gap(gap: str, after_label: bool, long_text: bool = False) -> str:
    """Filler off both ends; a label's value keeps its closing ``。``, and a long text (a goal,
    an overview) all of its closing punctuation (``开展2个…修复,``), as printed."""
    gap = gap.lstrip(_FILLER)
    if long_text:
        return gap.rstrip(BLANKS)
    return gap.rstrip(_FILLER.replace("。", "")) if after_label else gap.rstrip(_FILLER)


def _inside_name(gap: str) -> bool:
    """Text glued before an anchor in a table row that no target ends: the anchor is part of
    the same indicator name (a label between rows follows a target, or starts the line)."""
    return bool(gap) and not _holds_target(gap)


def _holds_target(text: str) -> bool:
    return any(kind == "value" for kind, _ in _free(text, row=True))


def _weak(label: str) -> bool:
    """A label word with no colon that is also a common word inside names."""
    return label[-1] not in ":：" and re.sub(r"[（(].*$", "", label) in _WEAK_LABELS


def _items(text: str, row: bool) -> list[tuple[str, str]]:
    """Text between anchors; in a table, a prose list of indicators ``名称>=5000株;名称≥90%``
    is cut at its separators, each item its own row (a ``break`` between them), when every
    item ends in a target."""
    if not row:
        return _free(text, row)  # a label's value, its punctuation as ``_strip_gap`` left it
    listed = bool(_ITEM_SEP.search(text))
    text = text.strip(_FILLER)
    # list ordinals (一、 1. （二）) before or between level names are punctuation, not cells
    text = _TRAILING_ORDINAL.sub("", text).rstrip(_FILLER)
    if _BARE_ORDINAL.match(text):
        return []
    stated = _STATED_LEVEL.match(text)
    if stated and vocab.canon_level2(stated.group("level")):
        rest = stated.group("rest")
        return [("level2", stated.group("level")), *(_items(rest, row) if rest else [])]
    parts = [p.strip(_FILLER) for p in _ITEM_SEP.split(text)]
    parts = [p for p in parts if p]
    # a comma after a stated target ends an item too (名称≥5000株，名称≥8人)
    parts = [q for p in parts for q in _comma_items(p)]
    if not (listed or len(parts) > 1) or not all(_item_target(p) for p in parts):
        return _free(text, row, item=_ends_in_target(text))
    out: list[tuple[str, str]] = []
    for part in parts:
        if out:
            out.append(("break", ""))
        out.extend(_free(part, row, item=True))
    return out


def _comma_items(text: str) -> list[str]:
    """One prose item, or several when commas follow targets (``名称≥5000株，名称≥8人``); a
    comma inside a name (``改善办公环境，满足发展需要优``) stays in it."""
    pieces = _COMMA.split(text)  # text, comma, text, comma, …
    if len(pieces) < 3:
        return [text]
    items: list[str] = []
    acc = ""
    for k in range(0, len(pieces), 2):
        acc = f"{acc}{pieces[k - 1]}{pieces[k]}" if acc else pieces[k]
        if _ends_in_target(acc.strip(_FILLER), stated=True):
            items.append(acc.strip(_FILLER))
            acc = ""
    return items if not acc.strip(_FILLER) and len(items) > 1 else [text]


def _ends_in_target(text: str, stated: bool = False) -> bool:
    """The text ends in its target; ``stated``: a number with an operator or a unit, or a
    closed qualitative word (a date or a bare number may be part of the name: 截至2026年12月底,)."""
    body = _NUMBERING.sub("", text)
    value = _first_value(body)
    if (
        value is not None
        and value[1] == len(body)
        and (not stated or _STATED_TARGET.fullmatch(body[value[0] :]))
    ):
        return True
    bracketed = _BRACKETED_VALUE.match(body)
    if bracketed and _VALUE.fullmatch(bracketed.group("value")):
        return True
    return bool(_CLOSED_QUAL.search(body, 2))


def _item_target(text: str) -> bool:
    """A prose item ends in a target: a stated value, or a closed qualitative word."""
    body = _NUMBERING.sub("", text)
    return _first_value(body) is not None or bool(_CLOSED_QUAL.search(body[2:]))


def _title_ok(text: str) -> bool:
    return bool(vocab.TITLE.match(text.strip(BLANKS)))


def _anchors(text: str) -> list[tuple[str, int, int]]:
    """Every anchor of a line as ``(kind, start, end)``, in order.

    A title's lead (``某县2024年项目支出``) is free text, so the title pattern would swallow
    whatever stands before it on a line glued whole: the lead starts after the last other
    anchor, after the last target value inside it (``…养护里程≥12公里某县2024年…``) and after
    an attachment number (``附件2``).
    """
    titles: list[tuple[str, int, int]] = []
    for m in _TITLE.finditer(text):
        start, key = m.start(), m.start("key")
        inner = [
            a
            for a in _ANCHOR.finditer(text, start, key)
            if a.start() > start and a.group() != "部门"  # 部门整体支出…表 names its kind
        ]
        if inner:
            start = inner[-1].end()
        targets = [
            t
            for t in _LEAD_TARGET.finditer(text, start, key)
            if not _YEAR_WORD.fullmatch(t.group())
        ]
        if targets:
            start = targets[-1].end()
        attachment = [a.end() for a in _ATTACHMENT.finditer(text, start, key)]
        if attachment:
            start = attachment[-1]  # ``…工程附件2秀屿区2025年…表``: 附件N ends what stands before
        if _title_ok(text[start : m.end()]):
            titles.append(("title", start, m.end()))
    out = list(titles)
    for a in _ANCHOR.finditer(text):
        if not any(s <= a.start() < e or s < a.end() <= e for _, s, e in titles):
            out.append((a.lastgroup or "text", a.start(), _level_end(text, a)))
    return sorted(out, key=lambda t: t[1])


#: A numbering's number after its ``指标`` (``指标1：``): the 指标 before it is the numbering's.
_NUMBER_AFTER = re.compile(r"\s*\d{1,2}\s*[:：]")


def _level_end(text: str, anchor: re.Match[str]) -> int:
    """Where a level anchor ends: before its ``指标`` when that opens a numbering
    (``服务对象满意度指标1：…`` is 服务对象满意度 then 指标1：…, its 指标 on the line below)."""
    end = anchor.end()
    word = anchor.group()
    if (
        anchor.lastgroup in ("level1", "level2")
        and word.endswith("指标")
        and _NUMBER_AFTER.match(text, end)
        and (vocab.canon_level1(word[:-2]) or vocab.canon_level2(word[:-2]))
    ):
        return end - 2
    return end


def _free(text: str, row: bool, item: bool = False) -> list[tuple[str, str]]:
    """Text between anchors: one cell after a label; name, value and notes in a table row.

    ``item``: the text is one item of a prose list, so a closed qualitative word at its end is
    its target (``辖区干净整洁优``)."""
    if not row:
        return [("text", text)]
    numbering = _NUMBERING.match(text)
    if numbering:
        # ``指标1:名称(≥20台)``: the number belongs to the name cell, never to its target
        head = numbering.group()
        rest = text[numbering.end() :].strip(BLANKS)
        if rest and _VALUE.fullmatch(rest):
            return [("name", head.strip(BLANKS)), ("value", rest)]  # 指标1：296条: its name wrapped
        return (
            [
                (k, head + t if k == "name" and n == 0 else t)
                for n, (k, t) in enumerate(_free(text[numbering.end() :], row, item))
            ]
            if text[numbering.end() :]
            else [("name", text)]
        )
    out: list[tuple[str, str]] = []
    kind_end = _TYPE_END.search(text)
    tail: list[tuple[str, str]] = []
    if kind_end:
        tail = [("value_type", kind_end.group(1))]
        text = text[: kind_end.start()].rstrip(BLANKS + "-")
    if not text:
        return tail
    bracketed = _BRACKETED_VALUE.match(text)
    if bracketed and (
        _VALUE.fullmatch(bracketed.group("value"))
        or _CLOSED_QUAL.fullmatch(bracketed.group("value"))
    ):
        # ``新增绿化面积(≥20000平方米)``: the target printed in brackets after the name
        return [("name", bracketed.group("name")), ("value", bracketed.group("value")), *tail]
    value = _first_value(text)
    closing = _CLOSED_QUAL.search(text, 2) if item else None
    if closing and (value is None or value[1] < len(text)):
        # an item's target closes it: 保存沙坡头区2022年发展真实情况明显
        return [("name", text[: closing.start()]), ("value", closing.group()), *tail]
    if value is None:
        note = _NOTE_START.search(text, 2)
        if note:
            return [("name", text[: note.start()]), ("note", text[note.start() :]), *tail]
        grade = _GRADE_END.search(text, 2)
        if grade:
            # ``辖区干净整洁优``: a one-character grade closing the row is its target
            return [("name", text[: grade.start()]), *_grade(grade.group()), *tail]
        return [("name", text), *tail]
    start, end = value
    if start > 2 and text[start - 1] == "二" and text[start].isdigit():
        start -= 1  # OCR read ``=`` as ``二``: no Chinese numeral stands before a number
    name, val, rest = text[:start].strip(BLANKS), text[start:end].strip(BLANKS), text[end:]
    grade = _GRADE_END.search(name, 2)
    if grade and re.fullmatch(_NUM, val):
        # ``辖区外观美好整洁=优10``: the grade is the target, the bare number after it the weight
        name, val, rest = name[: grade.start()], grade.group(), val + rest
    sign = _MISREAD_SIGN.search(name)
    sign_cell = []
    if sign:
        # ``区长办公会IV12次``: Latin capitals between a Chinese name and its target are no
        # part of the name but a sign OCR misread (≥ as IV, N), a cell of its own
        name, sign_cell = name[: sign.start()], [("sign", sign.group())]
    if name:
        note = _NOTE_START.search(name, 2)
        if note:
            out += [("name", name[: note.start()]), ("note", name[note.start() :])]
        else:
            out.append(("name", name))
    out += sign_cell
    out += _grade(val) if _GRADE_END.fullmatch(val) else [("value", val)]
    rest = rest.strip(BLANKS)
    if rest:
        out.append(("note", rest))
    return out + tail


def _grade(text: str) -> list[tuple[str, str]]:
    """A grade target, its sign a cell of its own as a 指标性质 column prints it (``=`` ``优``)."""
    sign = text[:-1].strip(BLANKS)
    return [*([("sign", sign)] if sign else []), ("value", text[-1])]


def _first_value(text: str) -> tuple[int, int] | None:
    """Where the target value stands: the first value after at least two characters of name
    that is not part of the name (a year, a number inside brackets, a number glued to more
    name text)."""
    matches = list(_VALUE.finditer(text))
    for k, m in enumerate(matches):
        if m.start() < 2:
            continue
        if _in_brackets(text, m.start()):
            continue
        if m.lastgroup in {"date", "qual"} and any(
            _OP_START.match(n.group()) for n in matches[k + 1 :]
        ):
            continue  # a date or word inside the name (截至2026年12月底,…率 ≥100%; 合格率=100%)
        if m.lastgroup == "qual" and _RATE.match(text, m.end()):
            continue  # a word that a suffix makes part of the name: 年鉴编纂质量达标率100%
        if (
            m.lastgroup in {"date", "qual"}
            and _CJK.match(text[m.end() : m.end() + 1])
            and not _NOTE_START.match(text, m.end())
            and matches[-1] is not m
            and matches[-1].end() == len(text)
            and text[matches[-1].start() - 1 : matches[-1].start()] not in _SCORING
        ):
            # ``保存2022年发展真实情况明显``, ``质量达标率100%``: more name after the year or
            # the word, and a target that closes the row (not a note, 反映…; not a scoring
            # rule, …较大得10分: the word or date is then the target)
            continue
        if m.lastgroup == "num":
            token = m.group()
            after = text[m.end() : m.end() + 1]
            if re.fullmatch(r"\d{4}", token) and after in {"年", "-", "—"}:
                continue  # a year inside the name: 截至2026年12月底
            if after in {"年", "月", "日", "号", "个", "项", "批", "名"} and not re.search(
                r"\D$", token
            ):
                continue
        return m.start(), m.end()
    return None


def _in_brackets(text: str, at: int) -> bool:
    """``at`` stands inside a bracket: one opened before it and closed after it (a bracket a
    wrapped name leaves open at the line's end closes on the next line, after the target)."""
    opened = max(text.rfind("(", 0, at), text.rfind("（", 0, at))
    closed = max(text.rfind(")", 0, at), text.rfind("）", 0, at))
    return opened > closed and (")" in text[at:] or "）" in text[at:])
