"""Raw forms → typed ``Form``/``Indicator``: numbers, operators, units, categories, clean names.

Reading a cell can itself reveal a defect of the source (a number in the unit cell, a category
where the operator belongs, a target inside the name, a cell out of its column); those flags
are raised here, with the cell as evidence. Cross-row checks live in ``defects.py``.
"""

from __future__ import annotations

import re
from typing import Literal

from jixiao import vocab
from jixiao.grammar import (
    NO_VALUE,
    ParsedValue,
    canon_unit,
    clean,
    clean_goal,
    clean_long,
    clean_name,
    parse_operator,
    parse_value,
    strip_placeholder,
    to_amount,
    to_number,
)
from jixiao.parse import RawForm, RawIndicator
from jixiao.schema import Cell, Form, FormSource, Indicator, IndicatorSource, Repair, WrappedCell

_WS = re.compile(r"\s+")

_NUMBERING = re.compile(r"^(指标\s*\d+|\d+)\s*[:：、.．]\s*")
_WRAPPER = re.compile(
    r"^(?P<l1>产出|效益|满意度|成本)(指标)?(?:[-－—](?P<l2>[^（(]+?))?[（(](?P<name>.+)[）)]$"
)
_NAME_TARGET = re.compile(
    rf"^(?P<name>.*?[^\d.≥≤=<>＞＜])\s*(?P<op>{vocab.OPERATOR_PATTERN})?\s*(?P<num>\d+(?:\.\d+)?)"
    rf"\s*(?P<unit>{vocab.UNIT_PATTERN})$"
)
_ZERO_TARGET = re.compile(r"^零(?P<name>[\u4e00-\u9fff].+)$")
_NAME_UNIT = re.compile(r"^(?P<name>.+?)[（(](?P<unit>[^（）()]{1,5})[）)]$")
_CODE_NAME = re.compile(r"^(?P<code>[0-9A-Z]{3,30})\s*[-－—_]\s*(?P<name>.+)$")
_BRACKET_CODE = re.compile(r"^[\[【〔(（]\s*(?P<code>[0-9A-Z]{2,30})\s*[\]】〕)）]\s*(?P<name>.+)$")
_CHECKED = "■☑√✓✔▇█"
_TITLE_PREFIX = re.compile(r"^(附件\s*[\d-]*[:：.]?|\d+[.、．])")
_DEPARTMENT_TITLE = re.compile(r"部门整体|整体支出|整体绩效")
_YEAR = re.compile(r"(19|20)\d{2}")
_DIGIT = re.compile(r"\d")
_TICK_OPTIONS = re.compile(rf"([^{_CHECKED}口□☐]+?)([{_CHECKED}口□☐])")


def _attribute(text: str) -> Literal["新增", "延续"] | None:
    """``新增项目`` → 新增; ``延续性项目`` / ``持续性项目■ 新增性项目口`` → 延续 (the ticked box)."""
    t = _WS.sub("", text)
    options = _TICK_OPTIONS.findall(t)
    if options:
        ticked = [o for o, box in options if box in _CHECKED]
        t = ticked[0] if len(ticked) == 1 else ""
    if t.startswith("新增"):
        return "新增"
    if t.startswith(("延续", "持续", "续建")):
        return "延续"
    return None


def _header_text(raw: RawForm, key: str) -> str | None:
    cell = raw.header.get(key)
    if cell is None:
        return None
    return clean(cell.text) or None


_TOTAL_END = re.compile(r"[;；,，]|其中")
_BREAKDOWN_ITEM = re.compile(
    r"(?:其中[:：]?)?(?P<label>[^\d:：;；,，、]{2,16}?)[:：]?(?P<amount>\d[\d,，]*(?:\.\d+)?(?:万元|元|万)?)"
)


def _budget(
    raw: RawForm, text: str | None
) -> tuple[float | int | None, dict[str, float | int | None]]:
    """The budget total and its breakdown, in 万元. A total cell may carry its breakdown
    (``120；其中：财政拨款120``), and a label may say its amounts are in 元."""
    in_yuan = raw.budget_in_yuan

    def amount(cell_text: str) -> float | int | None:
        value = to_amount(cell_text)
        if in_yuan and value is not None and not re.search(r"元|万", cell_text):
            scaled = round(float(value) / 10000, 6)
            return int(scaled) if scaled.is_integer() else scaled
        return value

    breakdown = {
        key: (amount(cell.text) if cell is not None else None) for key, cell in raw.breakdown
    }
    if not text:
        return None, breakdown
    total = amount(text)
    if total is None:
        cut = _TOTAL_END.search(text)
        head, rest = (text[: cut.start()], text[cut.start() :]) if cut else (text, "")
        total = amount(head.rstrip("（( :："))
        if total is not None:
            for m in _BREAKDOWN_ITEM.finditer(rest):
                key = vocab.breakdown_key(m.group("label")) or m.group("label")
                breakdown.setdefault(key, amount(m.group("amount")))
    return total, breakdown


def _code_split(text: str | None, unit: bool = False) -> tuple[str | None, str | None]:
    """``103-重庆市…办公室``, ``[103]重庆市…办公室``, ``重庆市…办公室(103)`` → (``103``, name);
    for a unit (``unit``), also ``103 重庆市…办公室`` (a unit's name never opens with digits)."""
    if not text:
        return None, None
    name = clean_name(text)
    m = _CODE_NAME.match(name) or _BRACKET_CODE.match(name) or _TRAILING_CODE.match(name)
    if m is None and unit:
        m = _LEADING_CODE.match(name)
    if m and any(ch.isdigit() for ch in m.group("code")) and not _YEAR.fullmatch(m.group("code")):
        return m.group("code"), m.group("name")
    return None, name


#: A code printed after the name in brackets: ``某单位(103001)`` (a bracketed year is no code).
_TRAILING_CODE = re.compile(
    r"^(?P<name>.*[\u3400-\u9fff].*?)\s*[\[【(（]\s*(?P<code>[0-9A-Z]{3,30})\s*[\]】)）]$"
)
#: A unit code printed before the name with a blank or nothing between: ``505006 州特教学校``.
_LEADING_CODE = re.compile(r"^(?P<code>\d{3,30})\s*(?P<name>(?![年月日号])[\u4e00-\u9fff].*)$")
_DATE_PART = r"(?:19|20)\d{2}年?(?:[./]?\d{1,2}月?(?:[./]?\d{1,2}日?)?)?"
#: ``202101-202112``, ``2022.03-2022.12``, ``2023年4月-2024年2月``, ``2023年1月1日至2023年12月31日``.
_RANGE_SEP = r"\s*(?:至|到|~|～|-|－|—|–)\s*"
_PERIOD_RANGE = re.compile(
    rf"^(?P<start>{_DATE_PART}){_RANGE_SEP}(?P<end>{_DATE_PART})$"
    # ``2024年1月至12月``: the end in the start's year, as printed
    rf"|^(?P<start2>(?:19|20)\d{{2}}年\d{{1,2}}月(?:\d{{1,2}}日)?){_RANGE_SEP}"
    rf"(?P<end2>\d{{1,2}}月(?:\d{{1,2}}日)?)$"
)


def _period(raw: RawForm) -> tuple[str | None, str | None, str | None]:
    """``period_start``, ``period_end`` and ``duration`` as printed; a range printed under a
    duration label (项目期, 起止时间, 建设周期) gives the start and the end."""
    start = _clean_name_of(raw, "period_start")
    end = _clean_name_of(raw, "period_end")
    duration = _clean_name_of(raw, "duration")
    m = _PERIOD_RANGE.match(duration) if duration and not (start or end) else None
    if m:
        return m.group("start") or m.group("start2"), m.group("end") or m.group("end2"), None
    return start, end, duration


def build_form(raw: RawForm, file: str, index: int, encoding: str | None, layout: str) -> Form:
    """Typed form from a raw one; cell-local flags are raised with their evidence.

    Fields are worked out first and the record is built once (see ``build_indicator``).
    """
    title = _WS.sub("", clean(raw.title.text)) if raw.title else ""
    title = _TITLE_PREFIX.sub("", title)
    form_kind: Literal["project", "department"] = (
        "department" if _DEPARTMENT_TITLE.search(title) else "project"
    )
    project_code, project_name = _code_split(_header_text(raw, "project_name"))
    department_code, department = _code_split(_header_text(raw, "department"), unit=True)
    unit_code, unit = _code_split(_header_text(raw, "implementing_unit"), unit=True)
    compiling = _header_text(raw, "compiling_unit")
    budget = _header_text(raw, "budget_total")
    overview = _header_text(raw, "overview")
    basis = _header_text(raw, "basis")
    goal = _header_text(raw, "annual_goal") or _header_text(raw, "other_goal")
    total, breakdown = _budget(raw, budget)
    period_start, period_end, duration = _period(raw)
    form = Form(
        form_kind=form_kind,
        title=title,
        year=_year(raw, title),
        project_code=(project_code or _header_text(raw, "project_code"))
        if form_kind == "project"
        else None,
        project_name=project_name if form_kind == "project" else None,
        department=department,
        department_code=department_code or _header_text(raw, "department_code"),
        implementing_unit=unit,
        implementing_unit_code=unit_code,
        compiling_unit=clean_name(compiling) if compiling else None,
        budget_total=total,
        budget_breakdown=breakdown,
        project_attribute=_attribute(_header_text(raw, "project_attribute") or ""),
        period_start=period_start,
        period_end=period_end,
        duration=duration,
        overview=clean_long(overview) if overview else None,
        basis=clean_long(basis) if basis else None,
        annual_goal=clean_goal(goal) if goal else None,
        source=FormSource(
            file=file,
            encoding=encoding,
            layout=layout,
            form_index=index,
            line_start=raw.line_start,
            line_end=raw.line_end,
            header_cells=dict(raw.header),
            notes=list(raw.notes),
        ),
    )
    # Level columns are merged cells: an empty one inherits from the row above.
    inherit = any(role in raw.columns.values() for role in ("level1", "level2"))
    level1: str | None = None
    level2: str | None = None
    for row in raw.indicators:
        indicator = build_indicator(row, level1, level2)
        if inherit:
            level1, level2 = indicator.level1, indicator.level2
        form.indicators.append(indicator)
    if inherit:
        _backfill_level1(form.indicators)
    return form


def _clean_name_of(raw: RawForm, key: str) -> str | None:
    value = _header_text(raw, key)
    return clean_name(value) if value else None


def _backfill_level1(indicators: list[Indicator]) -> None:
    """A merged 一级 cell may print its label mid-block: the rows above it belong to it too."""
    first = next((k for k, ind in enumerate(indicators) if ind.level1), None)
    if first is None:
        return
    for ind in indicators[:first]:
        ind.level1 = indicators[first].level1


def _year(raw: RawForm, title: str) -> int | None:
    candidates = [
        raw.header.get("year").text if raw.header.get("year") else None,  # type: ignore[union-attr]
        raw.year_cell.text if raw.year_cell else None,
        title,
    ]
    for text in candidates:
        if text and (m := _YEAR.search(text)):
            return int(m.group(0))
    # A department form prints no year label, but its goal may name the budget year.
    goal = raw.header.get("annual_goal")
    if goal and (m := re.search(r"((?:19|20)\d{2})年(?:度)?(?:部门)?预算", goal.text)):
        return int(m.group(1))
    return None


# ----------------------------------------------------------------------------- indicators


def _with_unit(parsed: ParsedValue, unit: str | None) -> ParsedValue:
    if unit is None:
        return parsed
    return parsed._replace(unit=unit, kind=parsed.kind or "quantitative")


def _slid_target(
    cells: dict[str, Cell],
) -> tuple[dict[str, Cell], str, tuple[Cell, ...]] | None:
    """A target printed one column off, read where it belongs: ``≥12场`` in the 指标性质
    column beside an empty 指标值, or 指标值 and 计量单位 holding each other (``场`` | ``12``).
    Only a cell that is unmistakably a quantity moves (a number, with its operator and unit);
    returns the cells by role as they should have been, the reason, and the cells moved."""
    value = cells.get("value")
    value_text = clean(value.text) if value is not None else ""
    op, unit = cells.get("operator"), cells.get("unit")
    if not value_text and op is not None and parse_operator(_WS.sub("", clean(op.text))) is None:
        parsed = parse_value(op.text)
        if isinstance(parsed.value, int | float) and parsed.operator is not None:
            moved = {k: c for k, c in cells.items() if k != "operator"}
            moved["value"] = op
            return moved, "the target stands in the 指标性质 column", (op,)
    if value is not None and value_text and unit is not None and canon_unit(value_text):
        parsed = parse_value(unit.text)
        if isinstance(parsed.value, int | float) and canon_unit(clean(unit.text)) is None:
            moved = {**cells, "value": unit, "unit": value}
            return moved, "指标值 and 计量单位 hold each other's cells", (value, unit)
    return None


def build_indicator(row: RawIndicator, level1: str | None, level2: str | None) -> Indicator:
    """One typed indicator; ``level1``/``level2`` are inherited from the row above (merged cells).

    Fields are worked out first and the record is built once (a model's attribute writes are
    slow enough to matter at a hundred thousand forms); flags follow in the order found.
    """
    cells = row.cells
    name_cell = cells["name"]
    flags: list[tuple[str, str, tuple[Cell, ...]]] = []
    slid = _slid_target(cells)
    if slid:
        cells = slid[0]
        flags.append(("column_shift", slid[1], slid[2]))

    # ---- levels: own columns (inherited down merged cells), else the name's wrapper
    stated1 = clean(cells["level1"].text) if "level1" in cells else ""
    own1 = vocab.canon_level1(stated1) if stated1 else None
    own2 = vocab.canon_level2(cells["level2"].text) if "level2" in cells else None
    if not own1 and own2 and not stated1:
        # one category cell for both levels (``产出指标-数量指标`` under 指标类别)
        pair = vocab.split_category(cells["level2"].text)
        own1 = pair[0] if pair else None
    elif own1 and not own2 and "level2" not in cells:
        pair = vocab.split_category(stated1)
        own2 = pair[1] if pair else None
    if own1:
        # A 一级 label printed mid-block (merged cell) keeps the 二级 running above it.
        level2 = own2 or (level2 if level1 in (None, own1) else None)
        level1 = own1
    elif stated1 and (as2 := vocab.canon_level2(stated1)):
        # A 一级 label that is none of the four: a new block, nothing inherited from the block
        # above. A standard 二级 label there (older templates: 社会效益指标 as a block of its
        # own) names its parent; one with none (过程管理指标) leaves level1 null.
        level1, level2 = vocab.LEVEL2_PARENT.get(as2), own2
        if level1 and not own2 and not clean(cells["level2"].text if "level2" in cells else ""):
            level2 = as2
    else:
        level2 = own2 or level2

    name = clean_name(name_cell.text)
    name = _NUMBERING.sub("", name)
    ocr_before = name
    if _OCR_STRAY.search(name):
        name = _OCR_STRAY.sub("", name)
    wrapped = _WRAPPER.match(name)
    if wrapped:
        level1 = vocab.canon_level1(wrapped.group("l1"))
        l2 = wrapped.group("l2")
        level2 = vocab.canon_level2(l2) if l2 else None
        name = wrapped.group("name")

    # ---- template placeholders (``服务合格率（≥**%）``) and ``★``/``*`` markers
    name, hint_op, hint_unit = strip_placeholder(name)

    # ---- operator column: an operator, or a category / 定性 that does not belong there
    kind_hint: str | None = None
    op_cell = cells.get("operator")
    if "operator2" in cells and (op_cell is None or parse_operator(clean(op_cell.text)) is None):
        # 指标性质 said 正向/反向; the operator is in 指标方向
        op_cell = cells["operator2"] if parse_operator(clean(cells["operator2"].text)) else op_cell
    operator: str | None = None
    if op_cell is not None and clean(op_cell.text):
        op_text = _WS.sub("", clean(op_cell.text))
        operator = parse_operator(op_text)
        if operator is None:
            if op_text in vocab.CATEGORY_WORDS:
                level1 = level1 or vocab.CATEGORY_WORDS[op_text]
                reason = f"指标性质 holds the category {op_text!r}"
                flags.append(("category_in_operator", reason, (op_cell,)))
            elif op_text in vocab.QUALITATIVE_MARKERS or op_text in vocab.QUANTITATIVE_MARKERS:
                kind_hint = (
                    "qualitative" if op_text in vocab.QUALITATIVE_MARKERS else "quantitative"
                )
                reason = f"指标性质 holds {op_text!r}, not an operator"
                flags.append(("category_in_operator", reason, (op_cell,)))
    type_cell = cells.get("value_type")
    if type_cell is not None:
        t = _WS.sub("", clean(type_cell.text))
        if t in vocab.QUALITATIVE_MARKERS:
            kind_hint = "qualitative"
        elif t in vocab.QUANTITATIVE_MARKERS:
            kind_hint = "quantitative"

    # ---- value
    value_cell = cells.get("value")
    parsed = parse_value(value_cell.text) if value_cell is not None else NO_VALUE
    value = parsed.value
    value_kind = parsed.kind
    operator = operator or parsed.operator
    if isinstance(value, int | float) and not isinstance(value, bool):
        # The template printed what the blank value means: ``（≥**%）`` then ``98``.
        operator = operator or hint_op
        unit_hint = parsed.unit or (canon_unit(hint_unit) if hint_unit else None)
        parsed = parsed if parsed.unit else _with_unit(parsed, unit_hint)

    # ---- unit column: a unit, a qualitative marker, or something that is not a unit
    unit: str | None = parsed.unit
    unit_cell = cells.get("unit")
    if unit_cell is not None and clean(unit_cell.text):
        u_text = _WS.sub("", clean(unit_cell.text))
        if u_text in vocab.QUALITATIVE_MARKERS:
            kind_hint = "qualitative"
        elif (canon := canon_unit(u_text)) is not None:
            unit = canon
        else:
            flags.append(("unit_invalid", f"unit cell {u_text!r} is not a unit", (unit_cell,)))
    if kind_hint == "qualitative" and isinstance(value, int | float) and parsed.unit:
        # Marked 定性 but the target is a number with its unit (``95%以上``): the mark is
        # wrong, the printed target is what is measured (golden xx23 0/1).
        kind_hint = "quantitative"
    if kind_hint == "qualitative":
        value_kind = "qualitative"
        unit = None
        if isinstance(value, int | float):
            value = str(clean(value_cell.text)) if value_cell is not None else None
    elif value_kind is None and (unit is not None or kind_hint == "quantitative"):
        value_kind = "quantitative"
    if value_kind == "qualitative":
        unit = None

    # ---- weight
    weight_cell = cells.get("weight")
    weight = None
    if weight_cell is not None and clean(weight_cell.text):
        weight = to_number(clean(weight_cell.text).rstrip("%％分"))

    # ---- ``%`` glued to the name's end by OCR (``合格率%``): the unit the row lacks
    glued = _GLUED_PERCENT.search(name)
    if glued and unit in (None, "%"):
        name = name[: glued.start()]
        if value_kind != "qualitative":
            unit = "%"
            value_kind = value_kind or ("quantitative" if value is not None else None)

    # ---- a unit printed in the name: ``开展小型水利工程建设(个)``
    alternatives: list[str] = []
    bracket = _NAME_UNIT.match(name)
    if (
        bracket
        and (bracket_unit := canon_unit(bracket.group("unit")))
        and unit in (None, bracket_unit)
    ):
        alternatives = [name]
        name = bracket.group("name")
        if value_kind != "qualitative":
            unit = bracket_unit

    ind = Indicator(
        level1=level1,
        level2=level2,
        name=name or None,
        name_alternatives=alternatives,
        name_raw=clean(name_cell.text),
        operator=operator,  # type: ignore[arg-type]  # OPERATOR_WORDS maps onto the Literal
        value=value,
        value_kind=value_kind,
        unit=unit,
        weight=weight,
        source=IndicatorSource(line=row.line, cells=dict(cells)),
    )
    for role, cell in cells.items():
        if isinstance(cell, WrappedCell):  # joined from the lines it was printed on: keep each
            for n, piece in enumerate(cell.pieces, 1):
                ind.source.cells[f"{role}_line{n}"] = Cell(piece.text, piece.line, piece.col)
    for flag, reason, evidence in flags:
        ind.add_flag(flag, reason, *evidence)
    if ind.name != ocr_before and ind.name:
        ind.source.repairs.append(
            Repair(
                field="name",
                before=ocr_before,
                after=ind.name,
                by="parse:ocr_noise",
                evidence="stray OCR marks (a dot, l/I/i) between two ideographs, or a glued %",
            )
        )

    # ---- a target inside the name
    _move_target_out_of_name(ind)

    # ---- cells out of their columns
    if row.shifted:
        moved = ", ".join(row.shifted)
        ind.add_flag(
            "column_shift",
            f"cells out of their columns: {moved}",
            *[cells[r] for r in row.shifted if r in cells],
        )
    if ind.value is not None and _impossible_share(ind):
        # OCR reads ``≥95%`` as ``295%``: the digit cannot be told from the symbol, so the
        # value is unreadable: flagged and left empty (the printed cell stays in the
        # source), never guessed, as for a value cell holding a copy of the weight.
        ind.add_flag(
            "value_suspect",
            f"{ind.value}% is impossible for a share (OCR may have read ≥ as 2): unreadable",
            *(c for c in [value_cell] if c),
        )
        ind.value = None
    if ind.value is None:
        ind.add_flag("value_missing", "no target value in the row", *(c for c in [value_cell] if c))
    return ind


#: Names whose percentage may exceed 100 (a growth, an increase, a multiple).
_MAY_EXCEED = re.compile(r"增长|增加|提高|提升|上升|变化|增幅|增速|同比|环比|倍|超")
#: A stray OCR mark between two ideographs of a name: ``职工.人数``, ``应急i综合演练``.
_OCR_STRAY = re.compile(r"(?<=[\u4e00-\u9fff])[.·lIi|](?=[\u4e00-\u9fff])")
#: ``%`` glued to a name (not to a number in it): ``合格率%``.
_GLUED_PERCENT = re.compile(r"(?<=[\u4e00-\u9fff])\s*[%％]$")


def _impossible_share(ind: Indicator) -> bool:
    """A percentage above 100 % where the name says nothing of growth (which may exceed it)."""
    return (
        ind.unit == "%"
        and isinstance(ind.value, int | float)
        and not isinstance(ind.value, bool)
        and ind.value > 100
        and not _MAY_EXCEED.search(ind.name or "")
    )


def _move_target_out_of_name(ind: Indicator) -> None:
    """``满意度90%`` → name ``满意度``, target 90 %; ``零进京上访`` → target 0."""
    if not ind.name:
        return
    # Both patterns need a digit or a leading 零: most names have neither (skips the backtracking).
    m = _NAME_TARGET.match(ind.name) if _DIGIT.search(ind.name) else None
    zero = _ZERO_TARGET.match(ind.name) if ind.name.startswith("零") else None
    if m and not re.search(r"(19|20)\d{2}$", m.group("name") + m.group("num")):
        unit = canon_unit(m.group("unit"))
        number = to_number(m.group("num"))
        if unit is None or number is None or (unit in {"年", "月"} and len(m.group("num")) == 4):
            return
        ind.source.cells["name_target"] = Cell(text=ind.name)
        ind.add_flag("value_in_name", f"name carries the target {m.group('num')}{m.group('unit')}")
        ind.name = m.group("name").rstrip("：:，, ")
        ind.source.repairs.append(
            Repair(
                field="name",
                before=ind.name_raw,
                after=ind.name,
                by="parse:name_target",
                evidence="target moved out of the name",
            )
        )
        if ind.value is None or ind.value_kind != "quantitative":
            ind.value = number
            ind.value_kind = "quantitative"
            ind.unit = ind.unit or unit
            op = m.group("op")
            if op and not ind.operator:
                ind.operator = vocab.OPERATOR_WORDS.get(op)  # type: ignore[assignment]
        ind.source.cells["name_value"] = Cell(text=m.group("num"))
    elif zero:
        ind.add_flag("value_in_name", "name carries the zero target 零")
        ind.name_alternatives = [ind.name]
        ind.name = zero.group("name")
        if ind.value is None:
            ind.value = 0
            ind.value_kind = "quantitative"
        ind.source.cells["name_value"] = Cell(text="0")
