"""An oracle LLM: an OpenAI-compatible fake server that answers as a perfect model would.

It reads a golden directory (``inputs/`` + ``expected/``, the layout of ``schema.md``) and,
for each request of jixiao's LLM stage, answers from the hand labels — but only in the form a
grounded model may answer: **verbatim spans of the text it was sent**. So it measures the
ceiling of the LLM stage (what the prompt, the grounding and jixiao's own normaliser let
through), not the labels themselves.

- ``read_region`` requests (the form-level fallback): it finds the golden case whose source
  holds the region, the expected forms whose rows and title are printed there, and for each
  label the source span that jixiao's builder turns into that label (it tries candidate spans
  through ``normalize.build_indicator``, as a model that knows the answer would pick its
  words). A label no span gives is left out (null), as a grounded model must.
- ``repair_form`` requests (open cells): a truncated name is completed when the expected name
  is printed in the document (quoted from there); every other cell is abstained on.

Usage (tests and ``eval/bench_llm.py``)::

    with OracleServer(Path("golden")) as server:
        ... point JIXIAO_LLM_BASE_URL at server.base_url ...

Token usage is estimated from the request and the answer (one token per CJK character, one per
four other characters), the same for every configuration compared.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fakellm import FakeLLMServer, Reply, answer

from jixiao import vocab
from jixiao.evaluate.score import field_equal
from jixiao.ingest.decode import decode
from jixiao.normalize import (
    _attribute,
    _code_split,
    build_indicator,
    canon_unit,
    parse_operator,
    parse_value,
    to_amount,
    to_number,
)
from jixiao.parse import RawIndicator
from jixiao.repair.regions import Locator, fold
from jixiao.schema import Cell

_FENCE = re.compile(r"<<<原文开始\n(.*?)\n原文结束>>>", re.S)
_NUMBERED = re.compile(r"^(\d+)\|(.*)$")
_CJK = re.compile(r"[\u3400-\u9fff\u3000-\u303f\uff00-\uffef]")
_AMOUNT_TOKEN = re.compile(r"[\d][\d,，]*(?:\.\d+)?\s*(?:万元|元|万)?")
_ROW_FIELDS = ("level1", "level2", "name", "name_raw", "operator", "value", "value_kind", "unit")


def estimate_tokens(text: str) -> int:
    """One token per CJK character, one per four others (a stable, model-free estimate)."""
    cjk = len(_CJK.findall(text))
    return cjk + (len(text) - cjk + 3) // 4


def request_tokens(request: dict[str, Any]) -> int:
    parts = [str(m.get("content") or "") for m in request.get("messages", [])]
    for key in ("tools", "response_format", "functions"):
        if request.get(key):
            parts.append(json.dumps(request[key], ensure_ascii=False))
    return estimate_tokens("\n".join(parts))


@dataclass
class Case:
    name: str
    text: str
    folded: str
    expected: list[dict[str, Any]]


def load_cases(golden: Path) -> list[Case]:
    cases = []
    for path in sorted((golden / "expected").glob("*.jsonl")):
        if path.name.endswith(".review.jsonl"):
            continue
        name = path.name[: -len(".jsonl")]
        inputs = list((golden / "inputs").glob(f"{name}.*"))
        if not inputs:
            continue
        text = decode(inputs[0].read_bytes(), inputs[0].name).text
        rows = [json.loads(ln) for ln in path.read_text(encoding="utf-8").splitlines() if ln]
        cases.append(Case(name, text, fold(text), rows))
    return cases


class Oracle:
    """The answering logic (the server is ``OracleServer``)."""

    def __init__(self, golden: Path) -> None:
        self.cases = load_cases(golden)
        self.regions = 0
        self.cells = 0

    # -- dispatch --------------------------------------------------------------------------
    def __call__(self, request: dict[str, Any]) -> Reply:
        messages = request.get("messages", [])
        system = "\n".join(str(m.get("content") or "") for m in messages if m["role"] == "system")
        user = "\n".join(str(m.get("content") or "") for m in messages if m["role"] == "user")
        fence = _FENCE.search(user)
        document = fence.group(1) if fence else ""
        if "列标题" in system:  # map_columns: a table's unseen column headings
            self.regions += 1
            obj: dict[str, Any] = self.map_columns(document)
        elif "抄录字段" in system:  # read_header: the lines above a form's table
            self.regions += 1
            asked = re.search(r"Fields: (.*)", system)
            fields = [f.split(" ")[0] for f in asked.group(1).split("; ")] if asked else None
            obj = self.read_header(document, fields)
        elif "补全被截断" in system:  # complete_names: the model's own knowledge
            self.cells += 1
            obj = self.complete_names(user)
        elif "抄录" in system:
            self.regions += 1
            obj = self.read_region(document)
        else:
            self.cells += 1
            obj = self.repair_cells(user, document)
        out = json.dumps(obj, ensure_ascii=False)
        return answer(obj, tokens=(request_tokens(request), estimate_tokens(out)))

    # -- the form-level fallback -----------------------------------------------------------
    def read_region(self, numbered: str) -> dict[str, Any]:
        text, first = _unnumber(numbered)
        key = fold(text)
        case = next((c for c in self.cases if key and key in c.folded), None)
        if case is None:
            return {"forms": []}
        loc = Locator(text, first or 1)
        forms = [spans_for_form(e, loc) for e in case.expected if _printed_in(e, loc)]
        return {"forms": [f for f in forms if f]}

    def read_header(self, numbered: str, fields: list[str] | None = None) -> dict[str, Any]:
        """The header spans of the expected form whose header is printed in this region (the
        region's lines need not be a run: a header region sends only its unexplained lines)."""
        text, first = _unnumber(numbered)
        numbers = [int(m.group(1)) for m in map(_NUMBERED.match, numbered.split("\n")) if m]
        found = self._locate(text, numbers)
        if found is None:
            return {}
        case, end = found
        loc = Locator(text, first or 1, numbers)
        # the form whose header this is: the expected form whose rows come first after the
        # region, in order (a later form may repeat a row name of this one)
        later = case.folded[end:]
        best: tuple[int, int] | None = None
        chosen: dict[str, Any] | None = None
        for e in case.expected:
            names = [
                fold(r.get("name_raw") or r.get("name") or "") for r in e.get("indicators") or []
            ]
            names = [n for n in names if n]
            hits = [later.find(n) for n in names]
            if not names or 2 * sum(1 for h in hits if h >= 0) <= len(names):
                continue
            # where its first row is printed (a row name may also occur in a goal's text)
            score = (hits[0] if hits[0] >= 0 else len(later), -sum(1 for h in hits if h >= 0))
            if best is None or score < best:
                best, chosen = score, e
        if chosen is None:
            return {}
        spans = spans_for_form({**chosen, "indicators": []}, loc)
        spans.pop("rows", None)
        return {k: v for k, v in spans.items() if fields is None or k in fields}

    def map_columns(self, numbered: str) -> dict[str, Any]:
        """A perfect model's names for a table's column headings: each heading cell gets the
        field whose labelled spans stand in its column in the rows below it (over every place
        the file prints these heading lines), a column of other text under it is a note."""
        heads = [ln for ln in _unnumber(numbered)[0].split("\n") if _filled(ln)]
        mode = _split_mode(heads)
        votes: dict[str, Counter[str]] = {}
        for case in self.cases:
            lines = case.text.split("\n")
            for end in _block_ends(lines, heads)[:20]:
                after = "\n".join(lines[end:])
                loc = Locator(after)
                chosen = _first_form(case.expected, fold(after))
                if chosen is None:
                    continue
                where: list[dict[str, int]] = []
                _rows(chosen.get("indicators") or [], loc, where)
                _vote(heads, after, where, mode, votes)
        columns = []
        taken: set[str] = set()
        ranked = sorted(
            ((c.most_common(1)[0][1], h, c.most_common(1)[0][0]) for h, c in votes.items() if c),
            reverse=True,
        )
        for _n, heading, role in ranked:
            if role in taken and role != "note":
                continue
            taken.add(role)
            columns.append({"heading": heading, "field": role})
        order = _head_cells(heads, mode)
        voted = [k for k, h in enumerate(order) if votes.get(h)]
        for h in order[: voted[0] if voted else 0]:
            if h and not votes.get(h):  # a heading before the levels with no cell under it
                columns.append({"heading": h, "field": "group"})
        return {"columns": columns}

    def _locate(self, text: str, numbers: list[int]) -> tuple[Case, int] | None:
        """The case printing these lines (at these line numbers, else as a run), and the
        folded offset where the region ends in it."""
        sent = text.split("\n")
        for case in self.cases:
            lines = case.text.split("\n")
            if (
                numbers
                and len(numbers) == len(sent)
                and all(
                    0 < n <= len(lines) and fold(lines[n - 1]) == fold(t)
                    for n, t in zip(numbers, sent, strict=True)
                )
            ):
                return case, len(fold("\n".join(lines[: numbers[-1]])))
        key = fold(text)
        for case in self.cases:
            if key and key in case.folded:
                return case, case.folded.find(key) + len(key)
        return None

    def complete_names(self, user: str) -> dict[str, Any]:
        """A perfect model's completion of each cut name: the labelled name when the labels
        complete it (a hand label may finish a name the document never prints), else null."""
        out = []
        for m in re.finditer(r"^(\d+): (.*)$", user, re.M):
            raw = fold(m.group(2))
            name = next(
                (
                    row["name"]
                    for case in self.cases
                    for form in case.expected
                    for row in form.get("indicators") or []
                    if row.get("name")
                    and fold(row.get("name_raw") or "") == raw
                    and fold(row["name"]).startswith(raw)
                    and fold(row["name"]) != raw
                ),
                None,
            )
            out.append({"indicator": int(m.group(1)), "value": name, "confidence": 0.9})
        return {"completions": out}

    # -- open cells ------------------------------------------------------------------------
    def repair_cells(self, user: str, document: str) -> dict[str, Any]:
        proposals = []
        for ln in user.split("\n"):
            if not ln.startswith("{"):
                continue
            try:
                cell = json.loads(ln)
            except ValueError:
                continue
            if not isinstance(cell, dict) or "indicator" not in cell:
                continue
            proposals.append(self._cell(cell, document, user))
        return {"proposals": proposals}

    def _cell(self, cell: dict[str, Any], document: str, user: str = "") -> dict[str, Any]:
        abstain = {
            "indicator": cell["indicator"],
            "field": cell["field"],
            "value": None,
            "quote": "",
            "confidence": 0.0,
            "abstain": True,
            "reason": "原文 does not settle it",
        }
        if cell["field"] != "name":
            got = self._grounded_cell(cell, document, user)
            return {**abstain, **got, "abstain": False, "reason": ""} if got else abstain
        raw = fold(cell.get("raw") or "")
        for case in self.cases:
            for form in case.expected:
                for row in form.get("indicators") or []:
                    name = row.get("name")
                    if not name or fold(row.get("name_raw") or "") != raw or name == raw:
                        continue
                    quote = next(
                        (ln for ln in document.split("\n") if fold(name) in fold(ln)), None
                    )
                    if quote is not None and fold(name).startswith(raw):
                        return {**abstain, "value": name, "quote": quote.strip(),
                                "confidence": 0.95, "abstain": False, "reason": ""}  # fmt: skip
        return abstain

    def _label_row(self, index: int, names: dict[str, str]) -> dict[str, Any] | None:
        """The labelled row of indicator ``index`` of the form whose rows are ``names``
        (index → name, as the prompt lists them): the expected form sharing most names."""

        def keys(row: dict[str, Any]) -> set[str]:
            return {fold(row.get("name_raw") or ""), fold(row.get("name") or "")} - {""}

        mine = {fold(n) for n in names.values()}
        key = fold(names.get(str(index), ""))
        best, score = None, 0
        for case in self.cases:
            for form in case.expected:
                rows = form.get("indicators") or []
                shared = sum(1 for r in rows if keys(r) & mine)
                if shared > score:
                    best, score = rows, shared
        if best is None or not key:
            return None
        same = [r for r in best if key in keys(r)]
        return dict(same[0]) if len(same) == 1 else None

    def _grounded_cell(self, cell: dict[str, Any], document: str, user: str) -> dict[str, Any]:
        """A perfect model's grounded answer to a level, unit, value or operator cell: the
        labelled value, quoted from a clause of the document that names the indicator (a
        level from any line printing it); {} when the document does not print it."""
        names = dict(re.findall(r"^(\d+): (.*)$", user.split("待修复单元格")[0], re.M))
        name = names.get(str(cell["indicator"]), "")
        row = self._label_row(cell["indicator"], names) if name and name != "（空）" else None
        field = cell["field"]
        if row is None or row.get(field) is None:
            return {}
        want = row[field]
        lines = [ln for ln in document.split("\n") if ln.strip() and ln != "…"]
        if field in ("level1", "level2"):
            canon = vocab.canon_level1 if field == "level1" else vocab.canon_level2
            words = vocab.LEVEL1_CANON if field == "level1" else vocab.LEVEL2_CANON
            for word in sorted(words, key=len, reverse=True):
                if canon(word) == want and any(word in fold(ln) for ln in lines):
                    return {"value": word, "quote": word, "confidence": 0.95}
            return {}
        squashed = fold(name)
        clauses = [
            c.strip()
            for ln in lines
            for c in re.split(r"[。；;！？!?，,\t|]", ln)
            if squashed and squashed in fold(c)
        ]
        for clause in clauses:
            rest = clause.replace(name, " ") if name in clause else clause
            if field == "unit":
                for n in (4, 3, 2, 1):
                    for i in range(len(rest) - n + 1):
                        span = rest[i : i + n]
                        if span.strip() == span and canon_unit(span) == want:
                            return {"value": span, "quote": clause, "confidence": 0.95}
            elif field == "operator":
                for word in sorted(vocab.OPERATOR_WORDS, key=len, reverse=True):
                    if word in rest and vocab.OPERATOR_WORDS[word] == want:
                        return {"value": word, "quote": clause, "confidence": 0.95}
            elif field == "value" and isinstance(want, str):
                if fold(want) in fold(rest):
                    return {"value": want, "quote": clause, "confidence": 0.95}
            elif field == "value":
                numbers = re.findall(r"\d+(?:\.\d+)?", rest.replace(",", ""))
                if any(float(n) == float(want) for n in numbers):
                    return {"value": want, "quote": clause, "confidence": 0.95}
        return {}


def _split_mode(heads: list[str]) -> str:
    """How the heading lines print their cells: tab, pipe, one per line, or space-separated."""
    if len(heads) > 1 and all(
        len([c for c in re.split(r"[\t|]", h) if c.strip()]) == 1 for h in heads
    ):
        return "lines"
    if any("\t" in h.strip() for h in heads):
        return "tab"
    if any("|" in h.strip("| ") for h in heads):
        return "pipe"
    return "space"


def _filled(line: str) -> bool:
    """A line with a cell (not blank, not only delimiters)."""
    return bool(line.strip(" \t|"))


def _cells(line: str, mode: str) -> list[tuple[int, int, str]]:
    """A line's cells as (start, end, text); tab mode keeps empty cells (their position is
    their column)."""
    sep = {"tab": r"\t", "pipe": r"\|", "space": r"\s+"}.get(mode, r"$^")
    out, at = [], 0
    for piece in re.split(f"({sep})", line):
        if re.fullmatch(sep, piece or "\0"):
            at += len(piece)
            continue
        if piece.strip() or mode == "tab":
            lead = len(piece) - len(piece.lstrip())
            out.append((at + lead, at + len(piece.rstrip()), piece.strip()))
        at += len(piece)
    return out


def _block_ends(lines: list[str], heads: list[str]) -> list[int]:
    """The line index after each place ``lines`` print ``heads`` in order (blank lines aside)."""
    ends = []
    for i, line in enumerate(lines):
        if line != heads[0]:
            continue
        k, j = 1, i + 1
        while k < len(heads) and j < len(lines):
            if lines[j] == heads[k]:
                k += 1
            elif _filled(lines[j]):
                break
            j += 1
        if k == len(heads):
            ends.append(j)
    return ends


def _first_form(expected: list[dict[str, Any]], later: str) -> dict[str, Any] | None:
    """The expected form whose rows are printed first in ``later`` (folded text)."""
    best: tuple[int, int] | None = None
    chosen = None
    for e in expected:
        names = [fold(r.get("name_raw") or r.get("name") or "") for r in e.get("indicators") or []]
        hits = [later.find(n) for n in names if n]
        if not hits or 2 * sum(1 for h in hits if h >= 0) <= len(hits):
            continue
        score = (hits[0] if hits[0] >= 0 else len(later), -sum(1 for h in hits if h >= 0))
        if best is None or score < best:
            best, chosen = score, e
    return chosen


def _head_cells(heads: list[str], mode: str) -> list[str]:
    """The heading cells in column order (the last heading line with a cell in a column
    names it)."""
    if mode != "tab":  # the cells in reading order (a heading row wrapped over lines)
        return [t for h in heads for _a, _b, t in _cells(h, "pipe" if mode == "lines" else mode)]
    cells: list[str] = []
    for h in heads:
        for k, (_a, _b, t) in enumerate(_cells(h, mode)):
            if k >= len(cells):
                cells.extend([""] * (k + 1 - len(cells)))
            if t:
                cells[k] = t
    return cells


def _vote(
    heads: list[str],
    after: str,
    where: list[dict[str, int]],
    mode: str,
    votes: dict[str, Counter[str]],
) -> None:
    """Add, per heading cell, the fields of the labelled spans printed in its column."""
    starts = [0]
    for line in after.split("\n"):
        starts.append(starts[-1] + len(line) + 1)
    lines = after.split("\n")
    head_cells = _head_cells(heads, mode)
    seen: list[tuple[str, int, int]] = []  # role, cell index, row width
    for row in where:
        for role, offset in row.items():
            n = max(i for i, s in enumerate(starts) if s <= offset)
            if mode == "lines":  # a row: the lines between separator lines
                a = n
                while a > 0 and _filled(lines[a - 1]):
                    a -= 1
                b = n
                while b + 1 < len(lines) and _filled(lines[b + 1]):
                    b += 1
                width, k = b - a + 1, n - a
            else:
                cells = _cells(lines[n], mode)
                col = offset - starts[n]
                k = next((i for i, (x, y, _t) in enumerate(cells) if x <= col < max(y, x + 1)), -1)
                if k < 0:
                    continue
                width = len(cells)
            seen.append((role, k, width))
    # the widest rows show every column (merged cells vanish from the others, and a table
    # printed twice side by side loses them in both halves): only they are aligned
    widest = max((w for _r, _k, w in seen), default=0)
    for role, k, width in seen:
        if mode != "tab" and width < widest:
            continue
        if mode != "tab" and width != len(head_cells):
            k += len(head_cells) - width  # a lead heading over no cell: align right
        if 0 <= k < len(head_cells) and head_cells[k]:
            votes.setdefault(head_cells[k], Counter())[role] += 1


def _unnumber(numbered: str) -> tuple[str, int | None]:
    """A region's text without its ``<line>|`` prefixes, and its first line number."""
    lines, first = [], None
    for ln in numbered.split("\n"):
        m = _NUMBERED.match(ln)
        if m:
            first = first if first is not None else int(m.group(1))
            lines.append(m.group(2))
        else:
            lines.append(ln)
    return "\n".join(lines), first


def _printed_in(expected: dict[str, Any], loc: Locator) -> bool:
    """The expected form is the one this region prints: most of its rows' names are there."""
    rows = expected.get("indicators") or []
    names = [fold(r.get("name_raw") or r.get("name") or "") for r in rows]
    found = sum(1 for n in names if n and n in loc.folded)
    if rows:
        return 2 * found > len(rows)
    title = fold(expected.get("title") or "")
    return bool(title) and title in loc.folded


# ----------------------------------------------------------------------------- header spans


def _literal(value: Any, loc: Locator) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    return value if loc.find(value) is not None else None


def _with_code(code: str | None, name: str | None, loc: Locator) -> str | None:
    """A span whose ``_code_split`` gives (code, name); the name alone if the code is apart."""
    if not name:
        return None
    if code:
        for m in re.finditer(re.escape(code), loc.text):
            for end in range(m.end() + len(name), min(len(loc.text), m.end() + len(name) + 4) + 1):
                span = loc.text[m.start() : end]
                if _code_split(span) == (code, name):
                    return span
    return _literal(name, loc)


def _amount(value: Any, loc: Locator, after: int = 0, within: int | None = None) -> str | None:
    if value is None:
        return None
    text = loc.text[after : after + within] if within else loc.text[after:]
    for m in _AMOUNT_TOKEN.finditer(text):
        span = m.group().strip()
        if to_amount(span) is not None and float(to_amount(span) or 0) == float(value):
            return span
    return None


def _attribute_span(value: Any, loc: Locator) -> str | None:
    if value is None:
        return None
    for m in re.finditer(r"新增|延续|持续|续建", loc.text):
        for start in range(max(0, m.start() - 6), m.start() + 1):
            for end in range(m.end(), min(len(loc.text), m.end() + 12) + 1):
                span = loc.text[start:end]
                if "\n" not in span and _attribute(span) == value:
                    return span
    return None


def spans_for_form(e: dict[str, Any], loc: Locator) -> dict[str, Any]:
    out: dict[str, Any] = {
        "title": _literal(e.get("title"), loc),
        "project_name": _with_code(e.get("project_code"), e.get("project_name"), loc),
        "department": _with_code(e.get("department_code"), e.get("department"), loc),
        "implementing_unit": _with_code(
            e.get("implementing_unit_code"), e.get("implementing_unit"), loc
        ),
        "compiling_unit": _literal(e.get("compiling_unit"), loc),
        "budget_total": _amount(e.get("budget_total"), loc),
        "project_attribute": _attribute_span(e.get("project_attribute"), loc),
        "period_start": _literal(e.get("period_start"), loc),
        "period_end": _literal(e.get("period_end"), loc),
        "duration": _literal(e.get("duration"), loc),
        "overview": _literal(e.get("overview"), loc),
        "basis": _literal(e.get("basis"), loc),
        "annual_goal": _literal(e.get("annual_goal"), loc),
    }
    year = e.get("year")
    if year and str(year) not in (e.get("title") or ""):
        out["year"] = _literal(f"{year}年", loc) or _literal(str(year), loc)
    breakdown = []
    for label, value in (e.get("budget_breakdown") or {}).items():
        hit = loc.find(label)
        if hit is None:
            continue
        breakdown.append(
            {"label": loc.text[hit[0] : hit[1]], "amount": _amount(value, loc, hit[1], 40)}
        )
    out["budget_breakdown"] = breakdown
    out["rows"] = _rows(e.get("indicators") or [], loc)
    return {k: v for k, v in out.items() if v not in (None, [])} | {"rows": out["rows"]}


# ----------------------------------------------------------------------------- row spans


def _candidates(text: str, test: Callable[[str], bool], longest: int = 24) -> list[str]:
    """Substrings of ``text`` (within a line) that pass ``test``, earliest first, longer first."""
    out: list[str] = []
    seen: set[str] = set()
    for i in range(len(text)):
        if text[i].isspace():
            continue
        for j in range(min(len(text), i + longest), i, -1):
            span = text[i:j]
            if "\n" in span or span in seen or span != span.strip():
                continue
            seen.add(span)
            if test(span):
                out.append(span)
    return out


_LEVEL_END = re.compile(r"指标|产出|效益|满意度|成本")


def _level_candidates(text: str, e: dict[str, Any], role: str) -> list[str]:
    """Spans of ``text`` (nearest first) that the builder may read as this row's level."""
    want = e.get(role)
    canon = vocab.canon_level1 if role == "level1" else vocab.canon_level2
    out: list[str] = []
    for m in reversed(list(_LEVEL_END.finditer(text))):
        for start in range(max(0, m.end() - 24), m.end() - 1):
            span = text[start : m.end()]
            if any(ch in span for ch in "\n\t|") or span != span.strip() or span in out:
                continue
            got = canon(span)
            if (want and got == want) or (
                not want and role == "level1" and got is None and vocab.canon_level2(span)
            ):
                out.append(span)
        if len(out) >= 6:
            break
    return out


def _same(a: dict[str, Any], e: dict[str, Any], fields: tuple[str, ...]) -> int:
    return sum(1 for f in fields if field_equal(f, e, a))


def _rows(
    expected: list[dict[str, Any]], loc: Locator, where: list[dict[str, int]] | None = None
) -> list[dict[str, Any]]:
    """Each expected row's spans in ``loc``'s text; with ``where``, also each span's offset
    there (one dict per row kept, role → offset)."""
    text = loc.text
    positions: list[tuple[int, int] | None] = []
    cursor = 0
    for e in expected:
        hit = None
        for cand in (e.get("name_raw"), e.get("name")):
            if cand and (hit := _find_from(loc, cand, cursor)) is not None:
                break
        positions.append(hit)
        if hit is not None:
            cursor = hit[1]
    rows: list[dict[str, Any]] = []
    level1: str | None = None
    level2: str | None = None
    scored = (*_ROW_FIELDS, "weight")
    for k, e in enumerate(expected):
        hit = positions[k]
        if hit is None:
            continue
        name = text[hit[0] : hit[1]]
        nxt = next((p[0] for p in positions[k + 1 :] if p is not None), len(text))
        window = text[hit[1] : min(nxt, hit[1] + 160)]
        spans: dict[str, str] = {"name": name}

        def build(
            s: dict[str, str], above: tuple[str | None, str | None] = (level1, level2)
        ) -> dict[str, Any]:
            cells = {role: Cell(text=t) for role, t in s.items()}
            ind = build_indicator(RawIndicator(cells=cells, line=None), *above)
            return ind.model_dump(mode="json")

        best = _same(build(spans), e, scored)
        tests: dict[str, Callable[[str], bool]] = {
            "value": lambda s, e=e: (
                parse_value(s).value is not None
                and field_equal("value", e, {"value": parse_value(s).value})
            ),
            "unit": lambda s, e=e: e.get("unit") is not None and canon_unit(s) == e.get("unit"),
            "operator": lambda s, e=e: (
                e.get("operator") is not None and parse_operator(s) == e.get("operator")
            ),
            "weight": lambda s, e=e: (
                e.get("weight") is not None and to_number(s.rstrip("%％分")) == e.get("weight")
            ),
        }
        before = text[max(0, hit[0] - 600) : hit[0]]
        for role in ("level1", "level2", "value", "unit", "operator", "weight"):
            if role == "value" and e.get("value") is None:
                continue
            if role in ("level1", "level2"):
                cands = _level_candidates(before + name, e, role)
            else:
                cands = _candidates(window, tests[role])[:12]
            for cand in cands:
                trial = build({**spans, role: cand})
                score = _same(trial, e, scored)
                if score > best:
                    best, spans = score, {**spans, role: cand}
        built = build(spans)
        level1, level2 = built["level1"], built["level2"]
        rows.append(spans)
        if where is not None:
            at = {"name": hit[0]}
            for role, span in spans.items():
                if role in ("level1", "level2"):
                    found = (before + name).rfind(span)
                    at[role] = hit[0] - len(before) + found if found >= 0 else -1
                elif role != "name":
                    found = window.find(span)
                    at[role] = hit[1] + found if found >= 0 else -1
            where.append({r: a for r, a in at.items() if a >= 0})
    return rows


def _find_from(loc: Locator, span: str, cursor: int) -> tuple[int, int] | None:
    """The first match of ``span`` at or after source offset ``cursor``."""
    start = next((i for i, w in enumerate(loc.where) if w >= cursor), len(loc.folded))
    return loc.find(span, start)


class OracleServer(FakeLLMServer):
    """``FakeLLMServer`` answering every request through an ``Oracle`` over ``golden``."""

    def __init__(self, golden: Path) -> None:
        self.oracle = Oracle(golden)
        super().__init__(responder=self.oracle)
