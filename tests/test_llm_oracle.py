"""The LLM stage's ceiling with a perfect model (issue 14): ``tests/oracle.py`` on ``golden/``.

The oracle answers from the golden labels, but only as verbatim spans of the text it is sent,
through the real openai/instructor stack on 127.0.0.1. With it, every layout (the glued ones
included) reaches end-to-end indicator accuracy >= 0.98, and the cascade spends at most 40 %
of the tokens of reading every whole form with the model.
"""

from __future__ import annotations

import importlib.util

from conftest import GOLDEN, ROOT


def _bench():
    spec = importlib.util.spec_from_file_location("bench_llm", ROOT / "eval" / "bench_llm.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_oracle_ceiling_on_golden_every_layout_and_a_fraction_of_the_tokens():
    rows = {stage: (res, usage) for stage, res, usage in _bench().measure(GOLDEN, "json")}
    rules, _ = rows["rules"]
    llm, cascade = rows["llm+oracle"]
    _, everything = rows["llm-everything"]
    assert not llm.errors and not rows["llm-everything"][0].errors
    for name, score in llm.layouts.items():
        e2e = score.metrics("x")["x.fields.indicator"]
        assert e2e >= 0.98, (name, e2e)
    # the grammar alone reads the glued page now (xy25's township columns), and the fallback
    # takes nothing from it
    glued = rules.layouts["glued_text"].metrics("x")["x.fields.indicator"]
    assert glued >= 0.95 and llm.layouts["glued_text"].metrics("x")["x.fields.indicator"] >= glued
    assert llm.overall.forms_matched == llm.overall.forms_expected
    assert cascade.calls > 0 and everything.calls == llm.overall.forms_found
    assert cascade.tokens <= 0.40 * everything.tokens, (cascade.tokens, everything.tokens)
