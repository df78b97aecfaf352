"""Writers for a normalize run: forms.jsonl, provenance.jsonl, rejects.jsonl, review_queue.jsonl
for machines; indicators.csv and indicators.xlsx (one row per indicator) for people.

Files are streamed (one record at a time) and each is written to a temporary name and renamed
into place when the run closes, so a killed run never leaves a half-written output behind.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path
from types import TracebackType
from typing import IO, Any

import orjson

from jixiao.labels import LANGS, OTHER_REJECT, Lang, flag_labels, reject_reason
from jixiao.output import xlsx as xlsxout
from jixiao.output.safetext import escape_json_line, sheet_cell
from jixiao.schema import PartOutcome, Reject

#: One JSON object per line; orjson (several times faster than ``json``): a bulk run spent a
#: quarter of its time encoding records.
_JSON_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_APPEND_NEWLINE

#: The indicator table (indicators.csv and indicators.xlsx): (key, 中文表头, English header,
#: xlsx width). Positions are 1-based as a person counts (表序号, 指标序号); each parsed field
#: is followed by the source cell it was read from, as printed (``…（原文）``).
INDICATOR_COLUMNS: tuple[tuple[str, str, str, float], ...] = (
    ("file", "文件", "file", 36),
    ("line", "行号", "line", 7),
    ("form_no", "表序号", "form_no", 7),
    ("form_kind", "表类型", "form_kind", 9),
    ("project_name", "项目名称", "project_name", 28),
    ("department", "主管部门", "department", 22),
    ("year", "年度", "year", 7),
    ("budget_total", "资金总额（万元）", "budget_total", 12),
    ("indicator_no", "指标序号", "indicator_no", 7),
    ("level1", "一级指标", "level1", 12),
    ("level1_raw", "一级指标（原文）", "level1_raw", 14),
    ("level2", "二级指标", "level2", 14),
    ("level2_raw", "二级指标（原文）", "level2_raw", 16),
    ("name", "三级指标", "name", 30),
    ("name_raw", "三级指标（原文）", "name_raw", 30),
    ("operator", "运算符", "operator", 7),
    ("operator_raw", "运算符（原文）", "operator_raw", 10),
    ("value", "指标值", "value", 12),
    ("value_raw", "指标值（原文）", "value_raw", 14),
    ("value_kind", "指标性质", "value_kind", 9),
    ("unit", "计量单位", "unit", 9),
    ("unit_raw", "计量单位（原文）", "unit_raw", 12),
    ("weight", "权重", "weight", 7),
    ("weight_raw", "权重（原文）", "weight_raw", 10),
    ("flags", "源数据标记", "flags", 28),
    ("flag_codes", "标记代码", "flag_codes", 20),
)
CSV_COLUMNS = [key for key, *_ in INDICATOR_COLUMNS]
_KIND = {"project": ("项目", "project"), "department": ("部门整体", "department")}
_VALUE_KIND = {"quantitative": ("定量", "quantitative"), "qualitative": ("定性", "qualitative")}


def indicator_headers(lang: Lang) -> list[str]:
    """The indicator table's header row in ``lang``."""
    return [zh if lang == "zh" else en for _key, zh, en, _w in INDICATOR_COLUMNS]


def indicator_rows(
    record: dict[str, Any], provenance: dict[str, Any], lang: Lang = "zh"
) -> list[list[object]]:
    """One row per indicator of a form, in ``INDICATOR_COLUMNS`` order (plain values)."""
    pick = LANGS.index(lang)
    source = provenance.get("source", {})
    kind = _KIND.get(record["form_kind"], (record["form_kind"],) * 2)[pick]
    provs = provenance.get("indicators") or []
    out: list[list[object]] = []
    for k, ind in enumerate(record["indicators"]):
        prov = provs[k] if k < len(provs) else {}
        cells = prov.get("cells") or {}

        def raw(role: str, cells: dict[str, Any] = cells) -> str:
            cell = cells.get(role)
            return "" if not cell else str(cell.get("text", "")).strip()

        value_kind = ind["value_kind"]
        out.append(
            [
                source.get("file", ""),
                prov.get("line") or "",
                int(source.get("form_index", 0)) + 1,
                kind,
                record["project_name"] or "",
                record["department"] or "",
                "" if record["year"] is None else record["year"],
                "" if record["budget_total"] is None else record["budget_total"],
                k + 1,
                ind["level1"] or "",
                raw("level1"),
                ind["level2"] or "",
                raw("level2"),
                ind["name"] or "",
                ind["name_raw"],
                ind["operator"] or "",
                raw("operator"),
                "" if ind["value"] is None else ind["value"],
                raw("value"),
                _VALUE_KIND[value_kind][pick] if value_kind in _VALUE_KIND else "",
                ind["unit"] or "",
                raw("unit"),
                "" if ind["weight"] is None else ind["weight"],
                raw("weight"),
                flag_labels(ind["flags"], lang),
                ";".join(ind["flags"]),
            ]
        )
    return out


class RunWriter:
    """Streams a run's outputs into ``outdir``; use as a context manager."""

    def __init__(self, outdir: Path, lang: Lang = "zh") -> None:
        self.outdir = outdir
        self.lang = lang
        outdir.mkdir(parents=True, exist_ok=True)
        self._files: dict[str, IO[str]] = {}
        self._csv = csv.writer(self._open("indicators.csv", encoding="utf-8-sig", newline=""))
        headers = indicator_headers(lang)
        self._csv.writerow(headers)
        self._book = xlsxout.Workbook()
        sheet = "指标" if lang == "zh" else "indicators"
        self._sheet = self._book.sheet(sheet, headers, [w for *_, w in INDICATOR_COLUMNS])

    def _open(self, name: str, encoding: str = "utf-8", newline: str | None = None) -> IO[str]:
        handle = open(self.outdir / f".{name}.part", "w", encoding=encoding, newline=newline)  # noqa: SIM115
        self._files[name] = handle
        return handle

    def _jsonl(self, name: str, record: dict[str, Any]) -> None:
        handle = self._files.get(name) or self._open(name)
        handle.write(escape_json_line(orjson.dumps(record, option=_JSON_OPTIONS).decode()))

    def add_part(self, part: PartOutcome) -> None:
        """Write one stored part of a file: its forms, rejects and review-queue entries."""
        for record, provenance in zip(part.forms, part.provenance, strict=True):
            self.add_form(record, provenance)
        for reject in part.rejects:
            self._reject(reject)
        for entry in part.queue:
            self._jsonl("review_queue.jsonl", entry)

    def add_form(self, record: dict[str, Any], provenance: dict[str, Any]) -> None:
        """One form: its contract record, its provenance, and one CSV row per indicator."""
        source = provenance.get("source", {})
        # the contract's fields, then where the form came from (an addition, see docs/schema.md)
        self._jsonl(
            "forms.jsonl",
            {
                **record,
                "source_file": source.get("file", ""),
                "source_lines": [source.get("line_start"), source.get("line_end")],
            },
        )
        self._jsonl("provenance.jsonl", provenance)
        for row in indicator_rows(record, provenance, self.lang):
            self._csv.writerow(sheet_cell(v) for v in row)  # OWASP: no cell is a formula
            self._sheet.append(row)

    def add_reject(self, reject: Reject) -> None:
        """One reject line: file, position and reason."""
        self._reject(reject.model_dump(mode="json", exclude_none=True))

    def _reject(self, reject: dict[str, Any]) -> None:
        """A reject line with its stable ``code`` and its reason in the run's language."""
        reason = str(reject.get("reason", ""))
        code = str(reject.get("code") or OTHER_REJECT)  # a store of an older run has none
        line = {**reject, "code": code, "reason": reject_reason(code, reason, self.lang)}
        self._jsonl("rejects.jsonl", line)

    def discard(self) -> None:
        """Drop what was written: a run that failed leaves its previous outputs as they were."""
        for name, handle in self._files.items():
            handle.close()
            (self.outdir / f".{name}.part").unlink(missing_ok=True)
        self._files.clear()
        self._book.close()

    def close(self) -> None:
        """Flush, then move every output into place (empty rejects file included)."""
        for name in ("forms.jsonl", "provenance.jsonl", "rejects.jsonl", "review_queue.jsonl"):
            if name not in self._files:
                self._open(name)
        for name, handle in self._files.items():
            handle.close()
            os.replace(self.outdir / f".{name}.part", self.outdir / name)
        part = self.outdir / ".indicators.xlsx.part"
        self._book.save(part)
        os.replace(part, self.outdir / "indicators.xlsx")

    def __enter__(self) -> RunWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.close()
        else:
            self.discard()
