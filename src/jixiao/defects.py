"""Cross-row defect checks: weight copied into the value column, truncated names, missing units.

These need more than one cell to see: a weight copy shows only as a pattern over the form, a
truncated name only against the rest of the document. Each flag records its evidence.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from jixiao.grammar import inexact, jieba_tokenizer, to_number, words
from jixiao.schema import Form, Indicator, Repair

#: Single characters that end a Chinese indicator name naturally (率, 数, 量, 度 …).
_FINAL_CHARS = set(
    "率数量度费额次个件项天年月日期场份篇条台套处栋幢户名元值比性况制能力果效益"
    "会训查标化网站校院所点级金资款物品段线路面积长米里分秒钟周季"
)
_DANGLING = re.compile(r"(有所|更|进一步|逐步|不断|的|及|和|与|、|,|，)$")


#: Characters of text on each side of a form that count as its evidence. A file of a few dozen
#: forms is read whole; a whole archive dumped into one file stays linear, not quadratic.
EVIDENCE_MARGIN = 50_000


def evidence_window(text: str, start: int, end: int, margin: int = EVIDENCE_MARGIN) -> str:
    """What a form printed at ``text[start:end]`` may cite: itself and ``margin`` around it."""
    if len(text) <= end - start + 2 * margin:
        return text
    return text[max(0, start - margin) : end + margin]


def text_wraps(document: str) -> bool:
    """Whether the text shows PDF line wraps inside cells (so cells may be cut at a width)."""
    return bool(_WRAPPED.search(document))


def check_form(
    form: Form, document: str, wraps: bool | None = None, seen: dict[str, str | None] | None = None
) -> None:
    """Run every cross-row check on one form; ``document`` is the text it may cite as evidence
    (the file, or a window of it around the form: see ``evidence_window``).

    ``seen``: truncation verdicts by name against this same ``document``, shared by the forms
    that cite it (a file prints the same names in form after form).
    """
    _weight_copies(form)
    if wraps is None:
        wraps = text_wraps(document)
    if seen is None:
        seen = {}
    for ind in form.indicators:
        _unit_missing(ind)
        _truncated(ind, document, wraps, seen)


#: A PDF line wrap left inside a cell: CJK, a blank, CJK (``服务对象满 意度``).
_WRAPPED = re.compile(r"[\u4e00-\u9fff] [\u4e00-\u9fff]")


def _weight_copies(form: Form) -> None:
    """A value column that repeats the weight column (≥3 rows and ≥75%) holds no targets."""
    rows = [i for i in form.indicators if i.weight is not None]
    copies = [i for i in rows if _value_cell_is_weight(i)]
    if len(copies) < 3 or len(copies) < 0.75 * len(rows):
        return
    for ind in copies:
        value_cell = ind.source.cells.get("value")
        ind.add_flag(
            "value_suspect",
            f"value equals the weight in {len(copies)} of {len(rows)} rows: a copy of the weight",
            *(c for c in [value_cell, ind.source.cells.get("weight")] if c),
        )
        target = ind.source.cells.get("name_value")
        before = ind.value
        if target is not None:
            ind.value = to_number(target.text)
        else:
            ind.value = None
            ind.value_kind = (
                "quantitative"
                if ind.unit
                else ("qualitative" if ind.value_kind == "qualitative" else None)
            )
            ind.add_flag("value_missing", "the only value cell is a weight copy")
        if ind.value != before:
            ind.source.repairs.append(
                Repair(
                    field="value",
                    before=before,
                    after=ind.value,
                    by="parse:weight_copy",
                    evidence="value column repeats the weight column",
                )
            )


def _value_cell_is_weight(ind: Indicator) -> bool:
    """The value cell holds the row's weight: read from the cell itself, so a 定性 row (whose
    value is kept as text) or a row whose target sits in the name is judged the same way."""
    value_cell = ind.source.cells.get("value")
    if value_cell is None or ind.weight is None:
        return False
    number = to_number(value_cell.text.strip().rstrip("%％"))
    return number is not None and abs(float(number) - float(ind.weight)) < 1e-9


def _unit_missing(ind: Indicator) -> None:
    if (
        ind.value_kind == "quantitative"
        and isinstance(ind.value, int | float)
        and ind.unit is None
        and "unit_invalid" not in ind.flags
    ):
        ind.add_flag(
            "unit_missing",
            "a quantitative target with no unit",
            *(c for c in [ind.source.cells.get("unit"), ind.source.cells.get("value")] if c),
        )


# ----------------------------------------------------------------------------- truncation


def _truncated(ind: Indicator, document: str, wraps: bool, seen: dict[str, str | None]) -> None:
    """Flag a name that stops mid-word: an unclosed bracket, a dangling word, a cut word."""
    name = ind.name
    if not name or "value_in_name" in ind.flags:
        return
    if name not in seen:
        seen[name] = truncation_reason(name, document, wraps)
    reason = seen[name]
    if reason:
        ind.add_flag("name_truncated", reason, *(c for c in [ind.source.cells.get("name")] if c))


def truncation_reason(name: str, document: str, wraps: bool = False) -> str | None:
    """Why ``name`` looks cut off, or None when it reads as complete.

    ``wraps``: the text shows PDF line wraps, so cells may be cut at a fixed width.
    """
    if (
        name.count("《") > name.count("》")
        or name.count("（") > name.count("）")
        or name.count("(") > name.count(")")
    ):
        return "unclosed bracket"
    if _DANGLING.search(name) and len(name) >= 4:
        return f"ends on a dangling word ({_DANGLING.search(name).group(0)})"  # type: ignore[union-attr]
    last = name[-1]
    if not ("\u4e00" <= last <= "\u9fff") or name.endswith(_FINAL_WORDS):
        return None
    if wraps and len(name) in _CELL_WIDTHS:
        # A name that fills a wrapped cell exactly while the document prints it longer.
        for rest, _ in continuations(document, name, 4):
            if not _FORM_WORD.match(rest):
                return f"fills the cell and the document prints it longer ({name + rest!r})"
    if last in _FINAL_CHARS and not (wraps and len(name) in _CELL_WIDTHS):
        return None  # ends the way names end; only a cut cell could say otherwise
    jieba = jieba_tokenizer()
    tokens = words(name)
    if tokens and len(tokens[-1]) == 1 and last not in _FINAL_CHARS and len(name) >= 4:
        if last in _CUT_STARTS:
            return f"ends on a cut word ({last!r})"
        # A lone final character that begins a dictionary word the document itself uses.
        freq = jieba.dt.FREQ  # type: ignore[attr-defined]
        for rest, _ in continuations(document, name[-2:], 1):
            if freq.get(last + rest):
                return f"ends on a cut word ({last!r}; the document has {name[-2:] + rest!r})"
    if wraps and tokens and len(tokens[-1]) >= 2 and len(name) in _CELL_WIDTHS:
        # A name that fills the cell exactly, whose last word the document continues into a
        # longer word (区政府常务 … 常务会): the cell cut it.
        freq = jieba.dt.FREQ  # type: ignore[attr-defined]
        word = tokens[-1]
        # The continuation must close a word (``常务会、``), not start a new one (``会议室内``).
        for rest, _ in continuations(document, word, 1, closing=True):
            if word + rest in freq and not _FORM_WORD.match(rest):
                return f"fills the cell and the document continues {word!r} as {word + rest!r}"
    return None


def _cjk(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff"


def continuations(
    document: str, prefix: str, most: int, closing: bool = False
) -> Iterator[tuple[str, int]]:
    """The CJK runs (up to ``most`` characters) that follow ``prefix``, with where each starts.

    With ``closing``, only runs of exactly ``most`` characters that end at a list delimiter
    (``常务会、``). Plain string search: these prefixes change per name, and compiling a
    regex per name was the parser's hottest spot.
    """
    start = document.find(prefix)
    while start != -1:
        at = start + len(prefix)
        end = at
        while end < len(document) and end - at < most and _cjk(document[end]):
            end += 1
        if end > at and (
            not closing
            or end == len(document)
            or document[end] in _DELIMITERS
            or document[end].isspace()
        ):
            yield document[at:end], at
        start = document.find(prefix, start + 1)


_DELIMITERS = set("、，,。；;)）等及和与")
#: Widths (in characters) at which PDF dumps cut a wrapped cell: one or two lines of 5.
_CELL_WIDTHS = {5, 10}
#: Continuations that are table vocabulary, not the rest of a name (满意度 → 满意度指标).
_FORM_WORD = re.compile(r"[指率]")


#: Two-character words that end a name although their last character usually starts a word
#: (用时 is complete; 信息传播时 is cut from 时效).
_FINAL_WORDS = ("用时", "工时", "学时", "课时", "小时", "历时")

#: Characters that in these forms begin a two-character word and rarely end a name.
_CUT_STARTS = set("平任运成管改形提整信材工推办传常视全党综人时")


_DIGITS = re.compile(r"[-+]?\d[\d,，]*(?:\.\d+)?")


def inexact_numbers(form: Form) -> None:
    """Numbers every reader holds exactly: an indicator value that cannot be is kept as the
    source cell's digits (text) and flagged ``value_suspect``; a weight that cannot be is
    dropped and flagged. Nothing is rounded silently (the parsed number may already be a
    rounded double: the cell is the truth). Run last, after repairs."""
    for ind in form.indicators:
        suspect = []
        if inexact(ind.value):
            cell = ind.source.cells.get("value")
            digits = _DIGITS.search(cell.text) if cell else None
            ind.value = re.sub("[,，]", "", digits.group()) if digits else str(ind.value)
            suspect.append("value")
        if inexact(ind.weight):
            ind.weight = None
            suspect.append("weight")
        if suspect:
            cells = [c for role in suspect if (c := ind.source.cells.get(role))]
            reason = f"{'/'.join(suspect)} cannot be held exactly as a number: kept as printed"
            ind.add_flag("value_suspect", reason, *cells)


def cut_at_file_end(ind: Indicator) -> None:
    """The file ends inside this row's name cell (no value cell after it): a cut name."""
    if ind.value is None and "value" not in ind.source.cells:
        ind.add_flag("name_truncated", "the file ends inside this name cell")
