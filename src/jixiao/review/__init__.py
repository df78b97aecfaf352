"""Review canonical forms against the rule catalogue (``shared/design/review-rules.md``).

The public surface is small: ``review_forms`` gives findings, ``suggest_rewrite`` a template
rewrite that passes the catalogue, ``check_rewrite`` the re-check the LLM path reuses,
``render_pages`` the offline report (index and pages), ``load_profile`` the thresholds, and ``review_command`` the
CLI entry the lead registers as ``jixiao review``.
"""

from __future__ import annotations

from typing import Any

from jixiao.review.command import review_command, run_review
from jixiao.review.profile import Profile, available_profiles, load_profile
from jixiao.review.report_html import ReviewedFile, render_pages, write_report
from jixiao.review.rewrite import (
    Rewrite,
    check_rewrite,
    suggest_rewrite,
    suggest_rewrites,
    vague_indicators,
)
from jixiao.review.rules import RULES, Rule, labelled_codes, review_form, review_forms
from jixiao.schema import Form

__all__ = [
    "RULES",
    "Profile",
    "ReviewedFile",
    "Rewrite",
    "Rule",
    "available_profiles",
    "check_rewrite",
    "labelled_codes",
    "load_profile",
    "render_pages",
    "review_command",
    "review_form",
    "review_forms",
    "review_records",
    "run_review",
    "write_report",
    "suggest_rewrite",
    "suggest_rewrites",
    "vague_indicators",
]


def review_records(
    forms: list[Form], profile: str = "default", labelled_only: bool = True
) -> list[dict[str, Any]]:
    """Findings as golden-format records ``{form, indicator, code}`` for ``jixiao eval``.

    ``labelled_only`` keeps the deterministic codes the golden labels cover, so heuristic
    candidates (``code+llm`` rules) do not count as false positives against them.
    """
    keep = labelled_codes()
    return [
        {"form": f.form, "indicator": f.indicator, "code": f.code}
        for f in review_forms(forms, load_profile(profile))
        if not labelled_only or f.code in keep
    ]
