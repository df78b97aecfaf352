"""Text that every reader of our outputs reads as written: JSON lines, spreadsheet cells, terminals.

- JSON Lines: a string holding U+2028/U+2029/U+0085 (or another C1 control, or DEL) is valid
  JSON, but ``str.splitlines`` and several JSON-Lines readers cut a record there; those
  characters are written as ``\\uXXXX`` escapes, so a record is one ``\\n``-terminated line.
- Spreadsheets: a CSV cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
  return is a formula to Excel and WPS (``=HYPERLINK(…)`` in a name became a live link); as
  OWASP's "CSV Injection" advice says, such text gets a leading apostrophe (a number such as
  ``-5`` stays as written). In an .xlsx a text cell is stored as text (``sheet_text``), never as
  a formula, so it keeps its exact text; characters an .xlsx cannot hold are replaced.
- Terminals: escape sequences in a document (``\\x1b[2J``) are shown as escapes, not obeyed.
"""

from __future__ import annotations

import re

_JSON_BREAKS = re.compile("[\x7f-\x9f\u2028\u2029]")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_XLSX_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
_TERMINAL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def escape_json_line(line: str) -> str:
    """A JSON text with line-breaking code points written as ``\\uXXXX`` (same value)."""
    if not _JSON_BREAKS.search(line):
        return line
    return _JSON_BREAKS.sub(lambda m: f"\\u{ord(m.group()):04x}", line)


def jsonl_lines(text: str) -> list[str]:
    """A JSON Lines file's records: split on ``\\n`` only (never ``str.splitlines``)."""
    return [line.rstrip("\r") for line in text.split("\n")]


def sheet_cell(value: object) -> object:
    """A value safe as a spreadsheet cell: text never a formula, no characters Excel refuses."""
    if not isinstance(value, str):
        return value
    value = _XLSX_ILLEGAL.sub("\ufffd", value)
    if value.startswith(_FORMULA_START) and not _is_number(value):
        return "'" + value
    return value


def sheet_text(value: str) -> str:
    """Text for an .xlsx cell stored as text (type ``s``): only characters Excel refuses go."""
    return _XLSX_ILLEGAL.sub("\ufffd", value)


def _is_number(text: str) -> bool:
    """``-5`` or ``+3.5`` is a number, not a formula, and stays as written (``\t5`` is not)."""
    if text != text.strip():
        return False
    try:
        float(text)
    except ValueError:
        return False
    return True


def terminal(text: str) -> str:
    """Text safe to print: control characters (ESC included) shown as ``\\xNN``."""
    return _TERMINAL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
