"""Writers for a normalize run: forms.jsonl, provenance.jsonl, indicators.csv, rejects.jsonl.

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

from jixiao.labels import Lang, reject_code, reject_reason
from jixiao.safetext import escape_json_line, sheet_cell
from jixiao.schema import FileResult, Reject

#: One JSON object per line; orjson (several times faster than ``json``): a bulk run spent a
#: quarter of its time encoding records.
_JSON_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_APPEND_NEWLINE

CSV_COLUMNS = [
    "file",
    "form_index",
    "form_kind",
    "project_name",
    "department",
    "year",
    "budget_total",
    "indicator_index",
    "line",
    "level1",
    "level2",
    "name",
    "name_raw",
    "operator",
    "value",
    "value_kind",
    "unit",
    "weight",
    "flags",
]


class RunWriter:
    """Streams a run's outputs into ``outdir``; use as a context manager."""

    def __init__(self, outdir: Path, lang: Lang = "zh") -> None:
        self.outdir = outdir
        self.lang = lang
        outdir.mkdir(parents=True, exist_ok=True)
        self._files: dict[str, IO[str]] = {}
        self._csv = csv.writer(self._open("indicators.csv", encoding="utf-8-sig", newline=""))
        self._csv.writerow(CSV_COLUMNS)

    def _open(self, name: str, encoding: str = "utf-8", newline: str | None = None) -> IO[str]:
        handle = open(self.outdir / f".{name}.part", "w", encoding=encoding, newline=newline)  # noqa: SIM115
        self._files[name] = handle
        return handle

    def _jsonl(self, name: str, record: dict[str, Any]) -> None:
        handle = self._files.get(name) or self._open(name)
        handle.write(escape_json_line(orjson.dumps(record, option=_JSON_OPTIONS).decode()))

    def add(self, result: FileResult) -> None:
        """Write every form and reject of one file."""
        for form in result.forms:
            self.add_form(form.contract(), form.provenance())
        for reject in result.rejects:
            self.add_reject(reject)

    def add_payload(self, payload: dict[str, Any]) -> None:
        """Write one file's stored result (see ``runstore.process``)."""
        for record, provenance in zip(payload["forms"], payload["provenance"], strict=True):
            self.add_form(record, provenance)
        for reject in payload["rejects"]:
            self._reject(reject)
        for entry in payload.get("queue", []):
            self._jsonl("review_queue.jsonl", entry)

    def add_form(self, record: dict[str, Any], provenance: dict[str, Any]) -> None:
        """One form: its contract record, its provenance, and one CSV row per indicator."""
        self._jsonl("forms.jsonl", record)
        self._jsonl("provenance.jsonl", provenance)
        source = provenance.get("source", {})
        for k, (ind, prov) in enumerate(
            zip(record["indicators"], provenance.get("indicators", []), strict=False)
        ):
            self._csv.writerow(
                sheet_cell(v)
                for v in [
                    source.get("file", ""),
                    source.get("form_index", ""),
                    record["form_kind"],
                    record["project_name"] or "",
                    record["department"] or "",
                    "" if record["year"] is None else record["year"],
                    "" if record["budget_total"] is None else record["budget_total"],
                    k,
                    prov.get("line") or "",
                    ind["level1"] or "",
                    ind["level2"] or "",
                    ind["name"] or "",
                    ind["name_raw"],
                    ind["operator"] or "",
                    "" if ind["value"] is None else ind["value"],
                    ind["value_kind"] or "",
                    ind["unit"] or "",
                    "" if ind["weight"] is None else ind["weight"],
                    ";".join(ind["flags"]),
                ]
            )

    def add_reject(self, reject: Reject) -> None:
        """One reject line: file, position and reason."""
        self._reject(reject.model_dump(mode="json", exclude_none=True))

    def _reject(self, reject: dict[str, Any]) -> None:
        """A reject line with its stable ``code`` and its reason in the run's language."""
        reason = str(reject.get("reason", ""))
        line = {**reject, "code": reject_code(reason), "reason": reject_reason(reason, self.lang)}
        self._jsonl("rejects.jsonl", line)

    def discard(self) -> None:
        """Drop what was written: a run that failed leaves its previous outputs as they were."""
        for name, handle in self._files.items():
            handle.close()
            (self.outdir / f".{name}.part").unlink(missing_ok=True)
        self._files.clear()

    def close(self) -> None:
        """Flush, then move every output into place (empty rejects file included)."""
        for name in ("forms.jsonl", "provenance.jsonl", "rejects.jsonl", "review_queue.jsonl"):
            if name not in self._files:
                self._open(name)
        for name, handle in self._files.items():
            handle.close()
            os.replace(self.outdir / f".{name}.part", self.outdir / name)

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
