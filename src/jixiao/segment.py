"""Cutting a long text dump into parts, each starting at a form's title line, so that memory
follows the part and not the file (a whole archive dumped into one file is common).

Forms within a part are cut by the parser (``parse.split_forms``), which reads the rows.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from jixiao import vocab
from jixiao.grammar import clean

_WS = re.compile(r"\s+")

#: Text dumps longer than this (characters) are parsed in parts, each cut just before a form
#: title, so memory follows the part, not the file (a whole archive dumped into one file).
PART_CHARS = 150_000


def part_starts(text: str, part_chars: int) -> Iterator[tuple[int, int]]:
    """(offset, line number) where each part begins: the text's start, then the first form
    title (a title line after a blank line, not after another title) past each
    ``part_chars`` characters. Without such a title the part simply runs on."""
    yield 0, 1
    start, line = 0, 1
    pos = text.find("绩效目标", part_chars)
    while pos != -1:
        begin = text.rfind("\n", 0, pos) + 1
        stop = text.find("\n", pos)
        stop = len(text) if stop == -1 else stop
        if begin > start and _is_title_line(text[begin:stop]) and _opens_form(text, begin):
            line += text.count("\n", start, begin)
            start = begin
            yield start, line
            pos = text.find("绩效目标", start + part_chars)
        else:
            pos = text.find("绩效目标", stop)


def _is_title_line(line: str) -> bool:
    cells = [c for c in re.split(r"[\t|]", line) if clean(c)]
    return len(cells) == 1 and bool(vocab.TITLE.match(_WS.sub("", clean(cells[0]))))


def _opens_form(text: str, begin: int) -> bool:
    """The title line at ``begin`` follows a blank line, and the line before that blank run
    is not a title too (a page heading and its form title stay together)."""
    before = text[max(0, begin - 2000) : begin].split("\n")[:-1]
    if not before or clean(before[-1]):
        return False
    previous = next((ln for ln in reversed(before) if clean(ln)), "")
    return not _is_title_line(previous)
