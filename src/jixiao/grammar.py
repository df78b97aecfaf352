"""The ground floor: what every stage means by a cell, a row, a number, a unit, a value.

Rows of cells (the shape every layout and reader produces), text cleaning (blanks, wrap spaces,
markup), one number reader and one number writer, amounts, units, operators, a value cell's
parts (``ParsedValue``), the kind of content a cell holds, and dictionary word cuts. Nothing
here imports a stage: parse, normalize, defects, repair and review all build on it.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal, NamedTuple

from jixiao import vocab
from jixiao.schema import Cell

#: Every kind of blank a rendering pads cells with (ASCII, U+3000, NBSP, zero-width, BOM).
BLANKS = " \t\u3000\u00a0\u200b\ufeff"


@dataclass(slots=True)
class Row:
    """One table row (or one label/value group) with its cells in order (not to be mutated).

    ``texts`` holds each cell's text stripped of blanks, computed once: the parser asks for it
    many times per row.
    """

    cells: list[Cell] = field(default_factory=list)
    texts: list[str] = field(init=False, repr=False, compare=False)
    #: Cells a pass could not read with proof (a table given column by column whose counts
    #: pair nothing): the parser reports them as unplaced and reads nothing from them.
    unread: bool = False

    def __post_init__(self) -> None:
        self.texts = [c.text.strip(BLANKS) for c in self.cells]

    @property
    def line(self) -> int | None:
        """The source line the row starts on."""
        return self.cells[0].line if self.cells else None

    def nonempty(self) -> list[Cell]:
        """The cells that hold something."""
        return [c for c, t in zip(self.cells, self.texts, strict=True) if t]


def clean(text: str) -> str:
    """Trim every kind of blank (ASCII, U+3000, NBSP) from both ends."""
    return text.strip(BLANKS)


# ----------------------------------------------------------------------------- text, numbers, units, values

_WS = re.compile(r"\s+")
_CJK = r"\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef"
_WRAP_SPACE = re.compile(rf"(?<=[{_CJK}])\s+|\s+(?=[{_CJK}])|(?<=[,;:])\s+(?=[{_CJK}])")
_NUM = r"[-+]?\d+(?:[.,]\d+)*"
_VALUE = re.compile(
    rf"^(?P<op>{vocab.OPERATOR_PATTERN})?\s*(?P<num>{_NUM})\s*(?P<unit>[^\d\s].*?)?\s*"
    rf"(?P<suffix>{vocab.OPERATOR_SUFFIX_PATTERN})?$"
)
#: A date or deadline as a target: ``2023.12``, ``2024年6月底前``, ``12月31日前``, ``2023-12-31``.
_DATE_VALUE = re.compile(
    r"^(?:[≤<]|不晚于|不迟于)?(?:(?:19|20)\d{2}\s*[.年/\-]\s*\d{1,2}(?:\s*[.月/\-]\s*\d{1,2}日?|月)?"
    r"|\d{1,2}月(?:\d{1,2}日|份)?|\d{1,2}月\d{1,2}号)"
    r"(?:底|末|中旬|上旬|下旬)?(?:前|之前|以前|内|完成)?$"
)
#: Real markup only: ``<p>``, ``</p>``, ``<input type="checkbox"/>``; ``<政协…办法>`` is a title mark.
_MASKED = re.compile(
    rf"^(?P<op>{vocab.OPERATOR_PATTERN})?[\d.]*\*+[\d.*]*(?P<unit>[\u4e00-\u9fff%/]{{1,4}})?$"
)
_HTML_TAG = re.compile(r"</?[a-zA-Z][a-zA-Z0-9]*(\s[^<>]{0,200})?/?>")
_PLAIN_NUMBER = re.compile(r"[-+]?\d+(\.\d+)?")
_AMOUNT = re.compile(r"([-+]?[\d,，]+(?:\.\d+)?)(万元|万|元)?")
_BLANK_RUN = re.compile(r"[ \t\u3000\u00a0]+")
_PARAGRAPH_BREAK = re.compile(r"</p>\s*<p>|<br\s*/?>")
_GOAL_ITEM = re.compile(r"\s+(?=目标\s*\d+\s*[:：])")
_SPACE = re.compile(r"\s")
# ----------------------------------------------------------------------------- text


class _DigitFolds(dict[int, str]):
    """``str.translate`` table: each character's replacement, worked out on first sight."""

    def __missing__(self, codepoint: int) -> str:
        ch = chr(codepoint)
        folded = unicodedata.normalize("NFKC", ch) if ch.isdigit() or ch in "％．，＋－" else ch
        self[codepoint] = folded
        return folded


_DIGIT_FOLDS = _DigitFolds()


def text_nfkc(text: str) -> str:
    """Full-width and other digits, ``％．，＋－`` → ASCII; CJK untouched (OCR noise)."""
    return text if text.isascii() else text.translate(_DIGIT_FOLDS)


def clean_name(text: str) -> str:
    """Drop wrap spaces inside Chinese text and trim; keep ASCII spacing between words."""
    text = clean(text)
    return _WRAP_SPACE.sub("", text).strip() if _SPACE.search(text) else text


def clean_long(text: str) -> str:
    """Long texts: drop HTML tags and checkbox markup, collapse blanks, trim."""
    text = _HTML_TAG.sub(" ", text)
    text = _BLANK_RUN.sub(" ", text)
    return text.strip()


def clean_goal(text: str) -> str:
    """Goals: as ``clean_long``, with each ``<p>`` / ``目标N:`` item on its own line."""
    text = _PARAGRAPH_BREAK.sub("\n", text)
    text = _GOAL_ITEM.sub("\n", text)
    lines = [clean_long(part) for part in text.split("\n")]
    return "\n".join(ln for ln in lines if ln)


def to_number(value: object) -> float | int | None:
    """A number from a cell's text (``1,200`` / ``160.00`` / ``２０`` / ``95%``) or from a
    number; int when integral; None for anything else (booleans included)."""
    if isinstance(value, str):
        return _text_number(value)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return int(value) if isinstance(value, float) and value.is_integer() else value


@lru_cache(maxsize=65536)
def _text_number(text: str) -> float | int | None:
    t = text_nfkc(clean(text)).replace(",", "").replace("，", "")
    if t.endswith("%"):
        t = t[:-1]
    if not _PLAIN_NUMBER.fullmatch(t):
        return None
    value = float(t)
    return int(value) if value.is_integer() else value


#: Integers beyond this are not held exactly by readers that parse JSON numbers as doubles
#: (JavaScript, Excel, pandas); orjson cannot write those past 64 bits at all.
EXACT_INT = 2**53


def inexact(value: object) -> bool:
    """A number no reader holds exactly: an integer past ``EXACT_INT``, an infinite or NaN float."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return abs(value) > EXACT_INT
    return isinstance(value, float) and not math.isfinite(value)


def fmt_number(value: object) -> str:
    """A value as a person types it: ``100`` not ``100.0``, ``8.5``, ``126.73``, never
    ``2e-05``; None is empty; text stays as it is."""
    if value is None:
        return ""
    if isinstance(value, float) and not isinstance(value, bool):
        if value.is_integer():
            return str(int(value))
        text = repr(value)
        return f"{value:.12f}".rstrip("0").rstrip(".") if "e" in text else text
    return str(value)


def to_amount(text: str) -> float | int | None:
    """A money cell in 万元: ``164万元`` → 164, ``1,200,000元`` → 120, ``20.00`` → 20."""
    t = _WS.sub("", text_nfkc(clean(text)))
    m = _AMOUNT.fullmatch(t)
    if not m:
        return None
    number = to_number(m.group(1))
    if number is None:
        return None
    if m.group(2) == "元":
        scaled = round(float(number) / 10000, 6)
        return int(scaled) if scaled.is_integer() else scaled
    return number


@lru_cache(maxsize=16384)
def canon_unit(text: str) -> str | None:
    """A unit as printed → canonical unit, or None when the text is not a unit."""
    t = _WS.sub("", text_nfkc(text))
    if not t:
        return None
    if t in vocab.UNIT_ALIASES:
        return vocab.UNIT_ALIASES[t]
    if t in vocab.UNITS:
        return t
    if "/" in t:
        parts = t.split("/")
        if all(
            p in vocab.UNITS or p in vocab.UNIT_ALIASES or p in {"每天", "人·月"} for p in parts
        ):
            return "/".join(vocab.UNIT_ALIASES.get(p, p) for p in parts)
        if parts[0] in vocab.UNITS and all(
            re.fullmatch(r"[\u4e00-\u9fff.·]{1,4}", p) for p in parts[1:]
        ):
            return t
    return None


def parse_operator(text: str) -> str | None:
    """An operator cell → canonical operator, or None."""
    t = _WS.sub("", text)
    return vocab.OPERATOR_WORDS.get(t)


class ParsedValue(NamedTuple):
    """What a value cell says: operator, value, unit (if embedded) and kind."""

    operator: str | None
    value: float | int | str | None
    unit: str | None
    kind: Literal["quantitative", "qualitative"] | None


NO_VALUE = ParsedValue(None, None, None, None)
_OCR_EQUALS = re.compile(r"^二\s*\d")


def is_date_value(text: str) -> bool:
    """A date or deadline as a target (``2023年12月底前``, ``2024.6``)."""
    return bool(_DATE_VALUE.match(_WS.sub("", text_nfkc(clean(text)))))


@lru_cache(maxsize=65536)
def parse_value(text: str) -> ParsedValue:
    """A value cell → operator, value, unit (if embedded) and kind; text values stay text.

    Memoised (the result is immutable): archives repeat the same targets (≥95%, 100%).
    """
    t = text_nfkc(clean(text))
    t = re.sub(r"(?<=\d)\s+(?=\d)", "", t)
    if not t:
        return NO_VALUE
    if t.startswith("二") and _OCR_EQUALS.match(t):
        t = "=" + t[1:]  # OCR reads ``=`` as ``二``: no Chinese numeral stands before a number
    masked = _MASKED.match(_WS.sub("", t))
    if masked:  # ``≤****000元``: digits masked by the publisher; the target is unknown
        unit = canon_unit(masked.group("unit") or "") or (masked.group("unit") or None)
        op = vocab.OPERATOR_WORDS.get(masked.group("op") or "")
        return ParsedValue(op, None, unit, "quantitative")
    if _DATE_VALUE.match(_WS.sub("", t)):
        return ParsedValue(None, t, None, "qualitative")  # a deadline, not a quantity
    m = _VALUE.match(_WS.sub("", t))
    if m:
        num = to_number(m.group("num"))
        unit_raw = m.group("unit") or ""
        unit = canon_unit(unit_raw) if unit_raw else None
        if unit is None and re.fullmatch(r"[\u4e00-\u9fff]{1,3}(/[\u4e00-\u9fff]{1,3})?", unit_raw):
            unit = unit_raw  # a short word after a number in a value cell is its unit
        if num is not None and (not unit_raw or unit is not None):
            op = vocab.OPERATOR_WORDS.get(m.group("op") or "") or (
                vocab.OPERATOR_SUFFIXES.get(_WS.sub("", m.group("suffix") or "").strip("（()）含"))
            )
            return ParsedValue(op, num, unit, "quantitative")
    return ParsedValue(None, t, None, "qualitative")


# ----------------------------------------------------------------------------- header

#: A template placeholder left in a name: ``（≥**%）``, ``≥**人``, ``( ≥**% )``.
_PLACEHOLDER = re.compile(
    r"\s*[（(]?\s*(?P<op>≥|≤|>=|<=|＞|＜|>|<|=|＝)?\s*[*＊]{1,}\s*(?P<unit>[^\s*＊()（）\d]{1,4})?\s*[)）]?\s*$"
)
_MARKER = re.compile(r"^[★☆*＊※]+|[★☆*＊※]+$")


def strip_placeholder(name: str) -> tuple[str, str | None, str | None]:
    """A name with its template placeholder and markers removed, and what the placeholder
    said: the operator and unit the blank value was meant to carry."""
    m = _PLACEHOLDER.search(name)
    op = unit = None
    if m and m.start() > 0 and ("*" in m.group() or "＊" in m.group()):
        op = parse_operator(m.group("op")) if m.group("op") else None
        unit = m.group("unit")
        name = name[: m.start()]
    return _MARKER.sub("", name).strip(), op, unit


# ----------------------------------------------------------------------------- cell kinds

_NUMBERED = re.compile(r"^指标\s*\d+\s*[:：]")

#: ``(2023年度)``; one bracket may be lost (``(2023年度``), never both (a bare ``2023年`` is a value).
_QUAL_VALUE = re.compile(
    r"^(优|良|中|差|优秀|良好|较好|好|明显|显著|有所提升|有所提高|有所改善|提升|提高|改善|健全|完善|"
    r"是|否|达标|合格|正常|有效|稳定|逐步提升|持续提升|进一步提升|高|中等|低|增强|逐步完善|较大提升|"
    r"不断提升|基本完善|已完成|完成|按时完成|及时(?![性率])|全覆盖|零|无|满意|基本满意|符合要求|规范)"
)


@lru_cache(maxsize=16384)
def classify(text: str) -> str:
    """What a cell holds by its content: empty, level1, level2, numbered, value, or text."""
    t = clean(text)
    if not t:
        return "empty"
    if vocab.canon_level1(t):
        return "level1"
    if vocab.looks_like_level2(t):
        return "level2"
    if _NUMBERED.match(t):
        return "numbered"
    if is_value_like(t):
        return "value"
    return "text"


@lru_cache(maxsize=16384)
def is_value_like(text: str) -> bool:
    """A target value: a number with optional operator/unit, or a short qualitative word."""
    t = _WS.sub("", text)
    if re.match(rf"^({vocab.OPERATOR_PATTERN})?[-+]?[\d０-９][\d０-９.,，]*", t):
        return True
    return bool(_QUAL_VALUE.match(t)) and len(t) <= 8


# ----------------------------------------------------------------------------- words


@lru_cache(maxsize=1)
def jieba_tokenizer() -> object:
    """jieba, loaded once (its dictionary takes ~0.7 s), quiet.

    The dictionary lives as long as the process, so it is moved out of the garbage
    collector's reach (``gc.freeze``): otherwise every full collection of a long run walks
    its hundreds of thousands of entries again (about a tenth of a bulk run's time).
    """
    import gc
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    gc.freeze()
    return jieba


@lru_cache(maxsize=65536)
def words(text: str) -> tuple[str, ...]:
    """``text`` cut into dictionary words (jieba, no HMM). Memoised: an archive prints the
    same indicator names (群众满意度, 资金到位率) in form after form."""
    return tuple(jieba_tokenizer().cut(text, HMM=False))  # type: ignore[attr-defined]
