"""Text that needs folding: Kangxi radicals from browser-printed PDFs, traditional characters.

Tab rows like ``merged_cells`` but fully printed. Characters with a Kangxi-radical twin
(``目`` → ``⽬``, NFKC folds it back) are swapped at random, and half the forms are printed in
traditional characters (OpenCC ``s2t``) where ``t2s`` gives the text back exactly; the truth
is the simplified text, ``name_raw`` included: folding is part of decoding (``ingest``), as
U+3000 and converter debris are, so the "source cell" every field is read from is the folded
one (the golden convention for ``name_raw``; Kangxi radicals have always been folded there).
"""

from __future__ import annotations

import random
import unicodedata
from functools import cache
from typing import Any

from jixiao.synth.renderings.base import SHORT_HEADER, Record, fmt, keep_header, target

NAME = "folding"


def item_ok(item: Any) -> bool:
    return "\t" not in str(item.name)


@cache
def _kangxi() -> dict[str, str]:
    """CJK character → its Kangxi radical twin (U+2F00–U+2FD5)."""
    out: dict[str, str] = {}
    for cp in range(0x2F00, 0x2FD6):
        folded = unicodedata.normalize("NFKC", chr(cp))
        if len(folded) == 1 and folded != chr(cp):
            out.setdefault(folded, chr(cp))
    return out


@cache
def _converters() -> tuple[Any, Any]:
    import opencc

    return opencc.OpenCC("s2t"), opencc.OpenCC("t2s")


def _fold_back_safe(text: str, trad: bool, rng: random.Random) -> str:
    if trad:
        s2t, t2s = _converters()
        t = s2t.convert(text)
        if t2s.convert(t) == text:
            text = t
    table = _kangxi()
    return "".join(table[c] if c in table and rng.random() < 0.5 else c for c in text)


def render(forms: list[Record], rng: random.Random) -> str:
    out: list[str] = []
    for rec in forms:
        trad = rng.random() < 0.5

        def f(text: Any, trad: bool = trad) -> str:
            return _fold_back_safe(str(text), trad, rng)

        out += ["", f(rec["title"]), "", f("单位：万元")]
        out.append(f"{f('项目名称')}\t{f(rec['project_name'])}\t\t\t\t")
        out.append(f"{f('主管部门')}\t{f(rec['department'])}\t\t\t\t")
        out.append(f"{f('资金总额')}\t{fmt(rec['budget_total'])}\t\t\t\t")
        out.append(f"{f('年度绩效目标')}\t{f(rec['annual_goal'])}\t\t\t\t")
        out.append("\t".join(f(h) for h in ("一级指标", "二级指标", "三级指标", "指标值", "权重")))
        for ind in rec["indicators"]:
            cells = [f(c) for c in (ind["level1"], ind["level2"] or "", ind["name"])]
            out.append("\t".join([*cells, f(target(ind)), str(ind["weight"])]))
        keep_header(rec, SHORT_HEADER)
    return "\n".join(out) + "\n"
