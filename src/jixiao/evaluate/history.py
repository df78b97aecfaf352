"""Where eval results outlive a run: the SQLite history store and the baseline file.

The store grows by numbered migrations recorded in a ``migrations`` table (as llm's
``migrations.py`` does): each function runs once per database, in order, so an old store
picks up new columns and a new one is built the same way. Append-only: a run is one row.

The baseline is a flat JSON ``{metric: value}`` (sorted keys, so diffs review well). The gate
compares only metrics present in the baseline: delete a line to stop guarding it.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from jixiao.errors import ConfigError

#: Env var that relocates the history store (tests point it at ``tmp_path``).
HISTORY_ENV = "JIXIAO_EVAL_HISTORY"
DEFAULT_HISTORY = Path("eval/history.sqlite")
DEFAULT_TOLERANCE = 0.005

Migration = Callable[[sqlite3.Connection], None]


def m001_runs(db: sqlite3.Connection) -> None:
    """One row per eval run: when, which code, which golden set and stage, and its metrics."""
    db.execute(
        """
        CREATE TABLE runs (
            id INTEGER PRIMARY KEY,
            time TEXT NOT NULL,
            git_commit TEXT,
            golden_dir TEXT NOT NULL,
            stage TEXT NOT NULL,
            llm TEXT NOT NULL,
            metrics TEXT NOT NULL,
            counts TEXT NOT NULL,
            usage TEXT
        )
        """
    )
    db.execute("CREATE INDEX runs_golden_stage_time ON runs (golden_dir, stage, time)")


#: Applied in order, each once; append new ones, never edit or reorder old ones.
MIGRATIONS: tuple[Migration, ...] = (m001_runs,)


def migrate(db: sqlite3.Connection) -> list[str]:
    """Apply the migrations this database has not seen; returns the names applied now."""
    db.execute(
        "CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)"
    )
    done = {row[0] for row in db.execute("SELECT name FROM migrations")}
    applied: list[str] = []
    for fn in MIGRATIONS:
        if fn.__name__ in done:
            continue
        with db:
            fn(db)
            db.execute(
                "INSERT INTO migrations (name, applied_at) VALUES (?, datetime('now'))",
                (fn.__name__,),
            )
        applied.append(fn.__name__)
    return applied


def history_path(option: Path | None = None) -> Path:
    """The store to use: the ``--history`` option, else ``$JIXIAO_EVAL_HISTORY``, else the default."""
    if option is not None:
        return option
    env = os.environ.get(HISTORY_ENV)
    return Path(env) if env else DEFAULT_HISTORY


def git_commit(where: Path | None = None) -> str | None:
    """The commit the evaluated code is at (``-dirty`` when modified), or None outside git."""
    where = where or Path(__file__).resolve().parent
    try:
        out = subprocess.run(
            ["git", "describe", "--always", "--dirty", "--abbrev=12"],
            cwd=where,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


@dataclass(frozen=True)
class Run:
    """One stored run."""

    id: int
    time: str
    git_commit: str | None
    golden_dir: str
    stage: str
    llm: str
    metrics: dict[str, float]
    counts: dict[str, int]
    usage: dict[str, int] | None


class History:
    """The SQLite history store; open with ``History.open(path)`` as a context manager."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    @classmethod
    @contextmanager
    def open(cls, path: Path) -> Iterator[History]:
        path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(path, timeout=30)
        try:
            migrate(db)
            yield cls(db)
        finally:
            db.close()

    def append(
        self,
        *,
        time: str,
        git_commit: str | None,
        golden_dir: str,
        stage: str,
        llm: str,
        metrics: Mapping[str, float],
        counts: Mapping[str, int],
        usage: Mapping[str, int] | None = None,
    ) -> int:
        """Record a run; returns its id."""
        with self.db:
            cur = self.db.execute(
                "INSERT INTO runs (time, git_commit, golden_dir, stage, llm, metrics, counts, usage)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    time,
                    git_commit,
                    golden_dir,
                    stage,
                    llm,
                    json.dumps(dict(metrics), sort_keys=True),
                    json.dumps(dict(counts), sort_keys=True),
                    json.dumps(dict(usage), sort_keys=True) if usage is not None else None,
                ),
            )
        return int(cur.lastrowid or 0)

    def recent(self, golden_dir: str, stage: str, limit: int = 5) -> list[Run]:
        """The last ``limit`` runs on the same golden set and stage, oldest first."""
        rows = self.db.execute(
            "SELECT id, time, git_commit, golden_dir, stage, llm, metrics, counts, usage"
            " FROM runs WHERE golden_dir = ? AND stage = ? ORDER BY time DESC, id DESC LIMIT ?",
            (golden_dir, stage, limit),
        ).fetchall()
        return [
            Run(
                id=r[0],
                time=r[1],
                git_commit=r[2],
                golden_dir=r[3],
                stage=r[4],
                llm=r[5],
                metrics=json.loads(r[6]),
                counts=json.loads(r[7]),
                usage=json.loads(r[8]) if r[8] else None,
            )
            for r in reversed(rows)
        ]


# --------------------------------------------------------------------------- baseline


@dataclass(frozen=True)
class Regression:
    """A metric below its baseline by more than the tolerance."""

    metric: str
    baseline: float
    current: float

    def line(self) -> str:
        return (
            f"regression: {self.metric} {self.current:.4f} < baseline {self.baseline:.4f}"
            f" ({self.current - self.baseline:+.4f})"
        )


def load_baseline(path: Path) -> dict[str, float]:
    """Read a flat ``{metric: value}`` baseline; a malformed one is a configuration error."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"{path}: baseline not found (create it with --update-baseline)") from exc
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{path}: baseline is not JSON ({exc.msg})") from exc
    if not isinstance(data, dict) or not all(
        isinstance(v, int | float) and not isinstance(v, bool) for v in data.values()
    ):
        raise ConfigError(f"{path}: baseline must be a flat object of metric -> number")
    return {str(k): float(v) for k, v in data.items()}


def write_baseline(path: Path, metrics: Mapping[str, float]) -> None:
    """Write the metrics as the new baseline (sorted keys, one per line, values unrounded).

    Unrounded so that a run compared with its own baseline never regresses, even at tolerance 0.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    data = dict(sorted(metrics.items()))
    path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def compare_baseline(
    current: Mapping[str, float],
    baseline: Mapping[str, float],
    tolerance: float = DEFAULT_TOLERANCE,
) -> list[Regression]:
    """Every baseline metric that this run puts lower by more than ``tolerance``."""
    return [
        Regression(name, base, current[name])
        for name, base in sorted(baseline.items())
        if name in current and current[name] < base - tolerance
    ]


def missing_metrics(current: Mapping[str, float], baseline: Mapping[str, float]) -> list[str]:
    """Baseline metrics this run does not produce: reported, but not a failure.

    A ratio disappears when it becomes undefined, e.g. a flag's precision once the parser stops
    raising that flag falsely on a case. That is an improvement; a real loss shows up in a
    defined metric (the recall, the match rate) instead. A case removed from the golden set
    also lands here.
    """
    return sorted(set(baseline) - set(current))
