"""Eval harness: score produced records against any golden directory of the contract's layout.

``run_eval(golden_dir, producer)`` is the library entry; ``command.eval_command`` is the CLI
(``jixiao eval``). Modules: ``align`` (pair records), ``score`` (count), ``report`` (render),
``history`` (SQLite store and baseline gate). ``command`` is not imported here, so using the
library does not pull in typer.
"""

from jixiao.evaluate.align import align_forms, align_indicators
from jixiao.evaluate.history import (
    compare_baseline,
    load_baseline,
    missing_metrics,
    write_baseline,
)
from jixiao.evaluate.score import (
    EvalResult,
    LLMUsage,
    Producer,
    Score,
    load_golden,
    run_eval,
    score_case,
)

__all__ = [
    "EvalResult",
    "LLMUsage",
    "Producer",
    "Score",
    "align_forms",
    "align_indicators",
    "compare_baseline",
    "load_baseline",
    "load_golden",
    "missing_metrics",
    "run_eval",
    "score_case",
    "write_baseline",
]
