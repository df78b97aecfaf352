"""The LLM stage's ceiling and cost, measured with a perfect model (the oracle fake server).

Usage:
    PYTHONPATH=src python eval/bench_llm.py                    # golden/
    PYTHONPATH=src python eval/bench_llm.py golden /other/set  # several golden sets
    PYTHONPATH=src python eval/bench_llm.py --mode tools       # instructor TOOLS mode
    PYTHONPATH=src python eval/bench_llm.py --source synth-hostile  # forms read badly
    PYTHONPATH=src python eval/bench_llm.py --source real-hostile   # real pages, same damage

For each golden set it scores, with the same producer as ``jixiao eval``:

- ``rules``: the cascade without the LLM;
- ``llm+oracle``: the cascade with the LLM stage against ``tests/oracle.py``, an
  OpenAI-compatible server on 127.0.0.1 that answers from the set's own labels as verbatim
  spans of the text it is sent (the form-level fallback of the regions the grammar left
  unexplained, then the open cells);
- ``llm-everything``: one call per whole form (each form's full span read by the same
  fallback, whole-form schema), also against the oracle: the cost a model-only reader pays.

and prints forms found/expected, form recall, end-to-end accuracy (every indicator field of
every expected row, a missed row wrong — ``fields.indicator``), header accuracy, calls and
tokens (estimated by the oracle from each request and answer), overall and per layout.
No network and no key: the server is local and the key is a dummy.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from oracle import OracleServer  # noqa: E402

from jixiao.evaluate import run_eval  # noqa: E402
from jixiao.evaluate.command import make_producer  # noqa: E402
from jixiao.evaluate.score import LLMUsage  # noqa: E402
from jixiao.llm.config import resolve_llm_config  # noqa: E402
from jixiao.repair.regions import Region, read_regions  # noqa: E402


class EverythingProducer:
    """Every form read by the model from its whole span (one call per form), then the rules."""

    def __init__(self) -> None:
        self.usage = LLMUsage()

    def __call__(self, path: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        from jixiao.pipeline import normalize_path
        from jixiao.repair.cascade import repair_forms
        from jixiao.review import review_records

        result = normalize_path(path)
        lines = (result.text or "").split("\n")
        first = result.first_line
        work = []
        for k, form in enumerate(result.forms):
            start = form.source.line_start or first
            end = max(form.source.line_end or start, start)
            span = lines[start - first : end - first + 1]
            work.append((result, Region(result.file, start, end, span, ["all"], k)))
        if not result.forms and result.text:
            work.append(
                (result, Region(result.file, first, first + len(lines) - 1, lines, ["all"]))
            )
        if work:
            out = read_regions(work, resolve_llm_config())
            self.usage.add(calls=out.stats.calls, tokens=out.stats.tokens)
        repair_forms(result.forms, "rules")
        forms = result.forms
        return [f.contract() for f in forms], [dict(r) for r in review_records(forms)]


@contextlib.contextmanager
def _subset(golden: Path, source: str | None) -> Iterator[Path]:
    """``golden`` itself, or a temporary golden directory of only the cases of ``source``."""
    if not source:
        yield golden
        return
    cases = json.loads((golden / "cases.json").read_text(encoding="utf-8"))
    negate = source.startswith("not:")
    want = source.removeprefix("not:")
    keep = {k: v for k, v in cases.items() if (v.get("source") == want) != negate}
    if not keep:
        raise SystemExit(f"{golden}: no case has source {source!r}")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for sub in ("inputs", "expected"):
            (root / sub).mkdir()
            for path in (golden / sub).iterdir():
                if path.name.split(".")[0] in keep:
                    shutil.copy(path, root / sub / path.name)
        (root / "cases.json").write_text(json.dumps(keep, ensure_ascii=False), encoding="utf-8")
        yield root


#: Column headings no template of ours prints (an unseen publisher's table): the grammar finds
#: the form by its header but reads no row, so the form-level fallback must read the table.
UNSEEN_HEADINGS = {
    "一级指标": "第一层级",
    "二级指标": "第二层级",
    "三级指标": "具体考核内容",
    "指标值": "目标水平",
    "度量单位": "计数方式",
    "计量单位": "计数方式",
    "指标性质": "比较关系",
    "权重": "分值占比",
    "指标权重": "分值占比",
    "绩效指标": "考核要点",
    "指标": "考核内容",
}
#: Header labels no template of ours prints: the grammar leaves the header fields empty and
#: the labels unread, so the fallback must read the header.
UNSEEN_LABELS = {
    "项目名称": "事项称谓",
    "专项资金名称": "资金事项称谓",
    "主管部门": "归口管理方",
    "业务主管部门": "归口管理方",
    "主管部门及代码": "归口管理方及编号",
    "实施单位": "执行主体",
    "项目属性": "事项类别",
    "项目概况": "情况简介",
    "立项依据": "设立缘由",
    "编制单位：": "填报方：",
}
DAMAGES = {"headings": UNSEEN_HEADINGS, "labels": UNSEEN_LABELS}


def damage(text: str, words: dict[str, str]) -> str:
    """``text`` with every whole cell (a line, or a tab/| delimited piece) that is one of
    ``words`` renamed; the values (the truth) are untouched."""
    out = []
    for line in text.split("\n"):
        parts = re.split(r"([\t|])", line)
        out.append(
            "".join(
                p.replace(p.strip(), words[p.strip()]) if p.strip() in words else p for p in parts
            )
        )
    return "\n".join(out)


@contextlib.contextmanager
def synth_hostile(forms: int, seed: int) -> Iterator[Path]:
    """A golden set with exact truth that the grammar reads badly: ``jixiao synth`` forms
    (every layout), each file once with unseen column headings and once with unseen header
    labels (``DAMAGES``); the expected records are synth's own (renaming a label changes no
    field)."""
    from jixiao.synth import generate

    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "synth"
        generate(forms, seed, src, forms_per_file=max(1, forms // 3))
        with hostile(src, "synth-hostile") as root:
            yield root


@contextlib.contextmanager
def real_hostile(golden: Path) -> Iterator[Path]:
    """The real web pages of ``golden`` (source ``real-sample``), each once with unseen
    column headings and once with unseen header labels: the hidden pages' proxy (their
    publishers print headings and labels no vocabulary of ours knows)."""
    with _subset(golden, "real-sample") as src, hostile(src, "real-hostile") as root:
        yield root


@contextlib.contextmanager
def hostile(src: Path, source: str) -> Iterator[Path]:
    """The golden set ``src`` with each case twice, damaged by each of ``DAMAGES``."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "hostile"
        cases = json.loads((src / "cases.json").read_text(encoding="utf-8"))
        keep: dict[str, Any] = {}
        for sub in ("inputs", "expected"):
            (root / sub).mkdir(parents=True)
        for name, case in cases.items():
            for kind, words in DAMAGES.items():
                new = f"{name}_{kind}"
                for path in (src / "inputs").glob(f"{name}.*"):
                    text = path.read_text(encoding="utf-8")
                    (root / "inputs" / f"{new}{path.suffix}").write_text(
                        damage(text, words), encoding="utf-8"
                    )
                shutil.copy(src / "expected" / f"{name}.jsonl", root / "expected" / f"{new}.jsonl")
                keep[new] = {**case, "layout": f"{case['layout']}+{kind}", "source": source}
        (root / "cases.json").write_text(json.dumps(keep, ensure_ascii=False), encoding="utf-8")
        yield root


def _pct(x: float | None) -> str:
    return "–" if x is None else f"{x:.3f}"


def measure(golden: Path, mode: str) -> list[tuple[str, Any, LLMUsage | None]]:
    rows: list[tuple[str, Any, LLMUsage | None]] = []
    res = run_eval(golden, make_producer("rules", "none"), stage="rules")
    rows.append(("rules", res, None))
    with OracleServer(golden) as server, tempfile.TemporaryDirectory() as home:
        env = {
            "JIXIAO_LLM_BASE_URL": server.base_url,
            "JIXIAO_LLM_API_KEY": "sk-oracle-dummy",
            "JIXIAO_LLM_MODEL": "oracle",
            "JIXIAO_LLM_MODE": mode,
            "JIXIAO_HOME": home,
        }
        saved = {k: os.environ.get(k) for k in env}
        os.environ.update(env)
        try:
            producer = make_producer("llm", "openai")
            res = run_eval(golden, producer, stage="llm", llm="openai")
            rows.append(("llm+oracle", res, getattr(producer, "usage", None)))
            os.environ["JIXIAO_HOME"] = str(Path(home) / "everything")  # a cold cache
            every = EverythingProducer()
            res = run_eval(golden, every, stage="llm", llm="openai")
            rows.append(("llm-everything", res, every.usage))
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
    return rows


def report(
    golden: Path, rows: list[tuple[str, Any, LLMUsage | None]], per_case: bool = False
) -> None:
    print(f"\n## {golden}\n")
    print(
        "| stage | forms found/expected | form recall | end-to-end | header acc | calls | tokens |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    for stage, res, usage in rows:
        o = res.overall
        m = o.metrics("x")
        print(
            f"| {stage} | {o.forms_found}/{o.forms_expected} | {_pct(m.get('x.match.forms.recall'))} "
            f"| {_pct(m.get('x.fields.indicator'))} | {_pct(m.get('x.fields.form'))} "
            f"| {usage.calls if usage else 0} | {usage.tokens if usage else 0} |"
        )
    layouts = sorted({name for _, res, _ in rows for name in res.layouts})
    print("\nend-to-end (header acc) per layout:\n")
    print("| layout | " + " | ".join(stage for stage, _, _ in rows) + " |")
    print("|---|" + "---:|" * len(rows))
    for name in layouts:
        cells = []
        for _, res, _ in rows:
            s = res.layouts.get(name)
            m = s.metrics("x") if s else {}
            cells.append(f"{_pct(m.get('x.fields.indicator'))} ({_pct(m.get('x.fields.form'))})")
        print(f"| {name} | " + " | ".join(cells) + " |")
    if per_case:
        print("\nper case: end-to-end / tokens\n")
        print("| case | " + " | ".join(stage for stage, _, _ in rows) + " |")
        print("|---|" + "---:|" * len(rows))
        for name in sorted(rows[0][1].cases):
            cells = []
            for _, res, _ in rows:
                c = res.cases.get(name)
                m = c.score.metrics("x") if c else {}
                tok = c.usage.tokens if c and c.usage else 0
                cells.append(f"{_pct(m.get('x.fields.indicator'))} / {tok}")
            print(f"| {name} | " + " | ".join(cells) + " |")
    for stage, res, _ in rows:
        for case, err in sorted(res.errors.items()):
            print(f"\n{stage}: case {case} crashed: {err}")
    usage = {stage: u for stage, _, u in rows if u is not None}
    if usage.get("llm-everything") and usage["llm-everything"].tokens:
        share = usage["llm+oracle"].tokens / usage["llm-everything"].tokens
        print(f"\ntokens: cascade {usage['llm+oracle'].tokens} = {share:.1%} of llm-everything "
              f"{usage['llm-everything'].tokens}")  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("golden", nargs="*", type=Path, default=[ROOT / "golden"])
    ap.add_argument("--mode", choices=("json", "md_json", "tools"), default="json")
    ap.add_argument(
        "--source",
        help="only the cases of this source in cases.json (e.g. real-sample; 'not:seed' for all "
        "but the seeds); synth-hostile: a synthetic set the grammar reads badly (synth forms "
        "with unseen column headings, and with unseen header labels; exact truth); real-hostile: "
        "the real-sample pages damaged the same way (the hidden real pages' proxy)",
    )
    ap.add_argument(
        "--forms", type=int, default=30, help="synth-hostile: forms to synthesise (default 30)"
    )
    ap.add_argument("--seed", type=int, default=1, help="synth-hostile: synth's seed (default 1)")
    ap.add_argument("--per-case", action="store_true", help="also print each case's figures")
    ap.add_argument(
        "--accept-model-completions",
        action="store_true",
        help="put the model's completions of cut names printed nowhere into name",
    )
    args = ap.parse_args(argv)
    os.environ["JIXIAO_LLM_COMPLETIONS"] = "accept" if args.accept_model_completions else "suggest"
    if args.source == "real-hostile":
        for golden in args.golden:
            with real_hostile(golden) as chosen:
                report(Path(f"{golden} real-hostile"), measure(chosen, args.mode), args.per_case)
        return 0
    if args.source == "synth-hostile":
        with synth_hostile(args.forms, args.seed) as chosen:
            label = Path(f"synth-hostile (jixiao synth -n {args.forms} --seed {args.seed})")
            report(label, measure(chosen, args.mode), args.per_case)
        return 0
    for golden in args.golden:
        with _subset(golden, args.source) as chosen:
            report(golden, measure(chosen, args.mode), args.per_case)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
