"""``--json``: one JSON object on stdout summing up a command's run, for scripts.

The human summary goes to stderr whatever the flag; with ``--json`` stdout holds exactly one
line, this object. Keys are stable (new keys may be added, none renamed or removed); every
object has ``command``, ``exit`` (the exit code the command then returns) and, where the
command writes files, ``out``. The keys of each command are listed in its ``-h`` and in the
README ("Scripting: --json").
"""

from __future__ import annotations

import json
from typing import Any

import typer

#: normalize's counts, in the order they are printed (``counts`` of ``jixiao.cli._normalize``).
NORMALIZE_COUNTS = ("files", "reused", "forms", "indicators", "rejects", "internal", "queued")

NORMALIZE_JSON_HELP = (
    "Print one JSON summary line to stdout: command, exit, out, files, reused, forms, "
    "indicators, rejects, internal, queued, reject_codes {code: n}, flags {code: n}, "
    "llm {calls, tokens, down} or null."
)
REVIEW_JSON_HELP = (
    "Print one JSON summary line to stdout: command, exit, out, files, forms, findings, "
    "severity {error, warning, info}, codes {code: n}, rewrites, skipped [{file, reason}]."
)
INSPECT_JSON_HELP = (
    "Print one JSON summary line to stdout instead of the view: command, exit, file, "
    "encoding, layout, forms [{title, form_kind, line_start, line_end, indicators, flags}], "
    "rejects [{line, code, reason}]."
)
SYNTH_JSON_HELP = (
    "Print one JSON summary line to stdout: command, exit, out, forms, indicators, files, "
    "layouts {name: n}, perturbations {kind: n}, flags {code: n}."
)


def print_json(summary: dict[str, Any]) -> None:
    """The summary as one line of JSON on stdout (UTF-8, Chinese kept readable)."""
    typer.echo(json.dumps(summary, ensure_ascii=False, sort_keys=False))
