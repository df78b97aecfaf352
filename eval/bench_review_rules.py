"""Review precision/recall per rule on a golden set, by case source and by rule basis.

Usage:
    python eval/bench_review_rules.py                 # golden/, from the parser's output
    python eval/bench_review_rules.py --records       # from the hand-labelled records instead
    python eval/bench_review_rules.py --diff real_gz  # also list misses and false alarms per case

Every case with review labels (``golden/expected/<case>.review.jsonl``) is normalised as
``jixiao eval`` does (rules stage; ``--records`` reviews the expected records instead, so parsing is not to
blame), reviewed with the default profile, and matched on (form, indicator, code) through the
same alignment as ``jixiao eval``. Cases are grouped by their ``source`` in ``cases.json``
(``real-sample``, ``seed``). For each group the table gives every rule's support, findings,
precision and recall, and two totals:

- **program**: the rules a program can check (``Rule.basis == "program"``, the catalogue's
  [code] conditions). Target (issue 18): precision and recall >= 0.9 on the real samples.
- **all**: every labelled finding, judgement rules included. Target: >= 0.75.
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from pathlib import Path
from typing import Any

from jixiao.evaluate.score import PRF, load_golden, score_case
from jixiao.pipeline import run_file
from jixiao.review import RULES, load_profile, review_forms
from jixiao.review.rules import program_codes
from jixiao.schema import Form
from jixiao.settings import RunSettings

ROOT = Path(__file__).resolve().parent.parent


def sources(golden: Path) -> dict[str, str]:
    path = golden / "cases.json"
    data = json.loads(path.read_text("utf-8")) if path.exists() else {}
    return {
        k: (v.get("source") if isinstance(v, dict) else None) or "other" for k, v in data.items()
    }


def pct(x: float | None) -> str:
    return "–" if x is None else f"{100 * x:.1f}"


def table(title: str, prf: dict[str, PRF]) -> list[str]:
    prog = program_codes()
    rows = [
        f"### {title}",
        "",
        "| rule | basis | support | found | P | R |",
        "|---|---|--:|--:|--:|--:|",
    ]
    for code in sorted(prf, key=lambda c: (c not in prog, c)):
        p = prf[code]
        basis = RULES[code].basis if code in RULES else "?"
        rows.append(
            f"| {code} | {basis} | {p.tp + p.fn} | {p.tp + p.fp} | {pct(p.precision)} | {pct(p.recall)} |"
        )
    for name, keep in (("**program**", prog), ("**all labelled**", set(prf))):
        tot = PRF()
        for code, p in prf.items():
            if code in keep:
                tot.merge(p)
        rows.append(
            f"| {name} | | {tot.tp + tot.fn} | {tot.tp + tot.fp} | **{pct(tot.precision)}** | "
            f"**{pct(tot.recall)}** |"
        )
    return rows + [""]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("golden", nargs="?", type=Path, default=ROOT / "golden")
    ap.add_argument("--records", action="store_true", help="review the expected records")
    ap.add_argument(
        "--diff", nargs="*", default=None, help="list misses/false alarms (case substrings)"
    )
    args = ap.parse_args()
    cases, _ = load_golden(args.golden)
    src = sources(args.golden)
    profile = load_profile("default")
    settings = RunSettings("rules", "none")
    groups: dict[str, dict[str, PRF]] = defaultdict(dict)
    diffs: list[str] = []
    for case in cases:
        labels = case.review()
        if labels is None:
            continue
        expected = case.expected()
        if args.records:
            forms = [Form.model_validate(r) for r in expected]
        else:
            # as ``jixiao eval`` (--stages rules): the records normalize writes, with provenance
            forms = [f for part in run_file(case.input, settings) for f in part.records()]
        findings = review_forms(forms, profile)
        actual = [{"form": f.form, "indicator": f.indicator, "code": f.code} for f in findings]
        cs = score_case(expected, [f.contract() for f in forms], labels, actual)
        g = groups[src.get(case.name, "other")]
        for code, p in cs.score.review.items():
            g.setdefault(code, PRF()).merge(p)
        if args.diff is not None and (not args.diff or any(d in case.name for d in args.diff)):
            diffs += case_diff(case.name, expected, labels, forms, findings)
    out: list[str] = [
        f"review on {args.golden} ({'records' if args.records else 'parser output'})",
        "",
    ]
    for name in sorted(groups, key=lambda n: (n != "real-sample", n)):
        out += table(f"{name} cases", groups[name])
    print("\n".join(out + diffs))


def case_diff(
    name: str,
    expected: list[dict[str, Any]],
    labels: list[dict[str, Any]],
    forms: list[Form],
    findings: list[Any],
) -> list[str]:
    """Misses (−) and false alarms (+) by expected index, with the row's name (records-aligned)."""
    exp = {(d["form"], d["indicator"], d["code"]) for d in labels}
    got = {(f.form, f.indicator, f.code) for f in findings}
    msg = {(f.form, f.indicator, f.code): f.message for f in findings}

    def row(k: tuple[int, int | None, str]) -> str:
        fi, ii, _ = k
        try:
            return "" if ii is None else str(expected[fi]["indicators"][ii]["name_raw"])
        except (IndexError, KeyError):
            return "?"

    lines = [f"## {name}"]
    lines += [f"  − {k} {row(k)}" for k in sorted(exp - got, key=str)]
    lines += [f"  + {k} {msg.get(k, '')}" for k in sorted(got - exp, key=str)]
    return lines


if __name__ == "__main__":
    main()
