"""Bytes → text: detect the encoding (never guess silently), reject what is not text.

The detected encoding is reported with every result. Text is normalised only where the
bytes carry no meaning: line endings, NULs from UTF-16 mishaps, converter debris
(``[bookmark: _GoBack]``) that Word-to-text tools leave, character references a web page's
text keeps (``&ge;``, ``&nbsp;``), and the script a character is written
in (look-alike radicals and compatibility ideographs, traditional characters: the vocabulary
and the contract are simplified). Every field, ``name_raw`` included, is read from the folded
text.
"""

from __future__ import annotations

import html
import os
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from charset_normalizer import from_bytes

from jixiao.errors import InputError

_BOMS: list[tuple[bytes, str]] = [
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
]
_DEBRIS = re.compile(r"\[bookmark: [^\]]*\]")
#: A character reference a web page's text keeps (``&ge;``, ``&nbsp;``, ``&#8805;``): markup, not
#: content, so it is read as the character it names (an unknown name stays as printed).
_ENTITY = re.compile(r"&(?:#\d{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z]{2,8}\d{0,2});")


@dataclass(frozen=True)
class SourceText:
    """A decoded source file: its name, the encoding found, and the normalised text."""

    name: str
    encoding: str
    text: str


def decode(data: bytes, name: str) -> SourceText:
    """Decode ``data``; raise ``InputError`` naming the file when it is empty or not text."""
    if not data.strip():
        raise InputError(name, "empty file", code="empty_file")
    encoding = _detect(data, name)
    errors = "replace" if encoding == "utf-8-damaged" else "strict"
    codec = "utf-8" if errors == "replace" else encoding
    try:
        text = data.decode(codec, errors=errors)
    except (UnicodeDecodeError, LookupError) as exc:
        raise InputError(name, f"cannot decode as {encoding}: {exc}", code="binary") from exc
    if _control_share(text) > 0.05:
        raise InputError(
            name, f"binary content (decoded as {encoding}, mostly control bytes)", code="binary"
        )
    label = _canon(encoding)
    if errors == "replace":
        label = f"utf-8 ({text.count(chr(0xFFFD))} damaged bytes replaced by U+FFFD)"
    return SourceText(name=name, encoding=label, text=normalise(text))


def normalise(text: str) -> str:
    """Unify line endings, fold look-alike radicals and traditional characters and drop
    converter debris; cell content is otherwise kept."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    text = text.lstrip("\ufeff")
    if "&" in text:
        text = _ENTITY.sub(_character, text)
    return fold_radicals(_DEBRIS.sub("", text))


def _character(m: re.Match[str]) -> str:
    """The character an entity names; the entity as printed when it names none (or a control)."""
    char = html.unescape(m.group())
    if char == m.group() or len(char) != 1 or char == "\ufffd" or (ord(char) < 32 and char != "\t"):
        return m.group()
    return char


def _radical_table() -> dict[int, str]:
    table: dict[int, str] = {}
    for cp in [*range(0x2E80, 0x2EF4), *range(0x2F00, 0x2FD6), *_COMPAT_IDEOGRAPHS]:
        folded = unicodedata.normalize("NFKC", chr(cp))
        if folded != chr(cp):
            table[cp] = folded
    table[0x2E9F] = "母"  # ⺟ has no compatibility mapping but prints 母
    table[0x2EC5] = "见"  # ⻅
    table[0x2ED8] = "青"  # ⻘
    # The C-simplified radicals that are whole characters too (``主管部⻔`` in the text layer
    # of a page Chromium printed with Noto Sans CJK): none has a compatibility mapping.
    table.update({ord(r): c for r, c in zip(_SIMPLIFIED_RADICALS, _SIMPLIFIED_CHARS, strict=True)})
    return table


_SIMPLIFIED_RADICALS = "⻉⻋⻓⻔⻙⻚⻛⻜⻢⻥⻦⻧⻨⻩⻪⻬⻮⻰⻳"
_SIMPLIFIED_CHARS = "贝车长门韦页风飞马鱼鸟卤麦黄黾齐齿龙龟"


#: CJK compatibility ideographs (``﨑``-like twins PDF fonts map glyphs to); NFKC gives the
#: unified ideograph each one duplicates. (The astral supplement is left out: one astral
#: character in a class makes ``re`` scan it a hundred times slower.)
_COMPAT_IDEOGRAPHS = range(0xF900, 0xFB00)
_RADICALS = _radical_table()
_RADICAL_CLASS = "\u2e80-\u2fd5\uf900-\ufaff"
_HAS_RADICAL = re.compile(f"[{_RADICAL_CLASS}]")


@lru_cache(maxsize=1)
def _needs_fold() -> re.Pattern[str]:
    """Any character folding changes: one scan decides for the (common) text that needs none."""
    return re.compile(f"[{_RADICAL_CLASS}{_traditional_only().pattern[1:-1]}]")


def fold_radicals(text: str) -> str:
    """Fold what prints like a simplified ideograph but is another code point or script.

    Kangxi and supplementary radicals (``⽬``, ``⼀``, as PDFs printed from browsers carry
    them) and CJK compatibility ideographs → the ideographs they stand for (NFKC for those
    code points only, so full-width punctuation and the rest of the text stay as printed);
    then every line holding a traditional-only character (one OpenCC's t2s table changes and
    GB2312 cannot encode, so simplified text never qualifies) → simplified with OpenCC.
    """
    if text.isascii() or not _needs_fold().search(text):
        return text
    if _HAS_RADICAL.search(text):
        text = text.translate(_RADICALS)
    return fold_traditional(text)


@lru_cache(maxsize=1)
def _traditional_only() -> re.Pattern[str]:
    """A character class of the traditional forms that no simplified text uses."""
    import opencc

    path = Path(opencc.__file__).parent / "dictionary" / "TSCharacters.txt"
    chars: set[str] = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        trad, _, simple = line.partition("\t")
        if len(trad) != 1 or not simple or simple.split()[0] == trad or ord(trad) > 0xFFFF:
            continue  # BMP only: one astral character makes ``re`` scan a class 100x slower
        try:
            trad.encode("gb2312")
        except UnicodeEncodeError:
            chars.add(trad)
    return re.compile("[" + "".join(sorted(chars)) + "]")


@lru_cache(maxsize=1)
def _t2s() -> Callable[[str], str]:
    import opencc

    convert: Callable[[str], str] = opencc.OpenCC("t2s").convert
    return convert


def fold_traditional(text: str) -> str:
    """Lines (or a cell) written in traditional characters → simplified, the rest untouched.

    The decision is made per line so that a page mixing simplified and traditional forms is
    folded only where it needs it (and the converter, slow on long dumps, runs only there).
    """
    if text.isascii():
        return text
    trad = _traditional_only()
    if not trad.search(text):
        return text
    t2s = _t2s()
    return "\n".join(t2s(ln) if trad.search(ln) else ln for ln in text.split("\n"))


def _detect(data: bytes, name: str) -> str:
    for bom, enc in _BOMS:
        if data.startswith(bom):
            return enc
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        # A few damaged bytes in a UTF-8 file: keep the file, mark the damage (U+FFFD).
        damaged = data.decode("utf-8", errors="replace").count("\ufffd")
        if damaged <= max(2, len(data) // 2000):
            return "utf-8-damaged"
    if _looks_utf16(data):
        return "utf-16-le" if data[1::2].count(0) > data[0::2].count(0) else "utf-16-be"
    try:
        data.decode("gb18030")
        # GB18030 decodes almost any byte string; only trust it when the result is mostly CJK text.
        if _cjk_share(data.decode("gb18030")) > 0.2:
            return "gb18030"
    except UnicodeDecodeError:
        pass
    best = from_bytes(data).best()
    if best is None:
        raise InputError(name, "binary content (no text encoding fits)", code="binary")
    return str(best.encoding)


def _looks_utf16(data: bytes) -> bool:
    sample = data[:4000]
    if len(sample) < 4:
        return False
    zeros_odd = sample[1::2].count(0)
    zeros_even = sample[0::2].count(0)
    # ASCII-heavy UTF-16 has a zero in every other byte; CJK-heavy UTF-16 decodes cleanly.
    if max(zeros_odd, zeros_even) > len(sample) // 8:
        return True
    try:
        text = data.decode("utf-16-le")
    except UnicodeDecodeError:
        return False
    return _cjk_share(text) > 0.5


def _cjk_share(text: str) -> float:
    sample = text[:4000]
    if not sample:
        return 0.0
    cjk = sum(1 for ch in sample if "\u4e00" <= ch <= "\u9fff")
    visible = sum(1 for ch in sample if not ch.isspace())
    return cjk / max(visible, 1)


_CONTROL = re.compile("[\x00-\x08\x0b\x0e-\x1f\ufffd]")


def _control_share(text: str) -> float:
    sample = text[:20000]
    if not sample:
        return 0.0
    return len(_CONTROL.findall(sample)) / len(sample)


def _canon(encoding: str) -> str:
    enc = encoding.lower().replace("_", "-")
    return {"utf-8-sig": "utf-8-bom", "gb2312": "gb18030", "gbk": "gb18030"}.get(enc, enc)


def display_name(path: str) -> str:
    """A file name every output can hold: a name that is not valid UTF-8 on disk (GBK bytes,
    as unzipping a Windows-made Chinese archive gives) is read as GB18030, else its stray
    bytes are written as ``\\xNN``; a valid name is unchanged."""
    try:
        path.encode("utf-8")
        return path
    except UnicodeEncodeError:
        pass
    raw = os.fsencode(path)
    try:
        return raw.decode("gb18030")
    except UnicodeDecodeError:
        return raw.decode("utf-8", errors="backslashreplace")
