"""Forms converted to Markdown (a web page or document saved as ``.md``, a chat or wiki paste).

The title is a Markdown heading (``## 项目支出绩效目标表``) or bold (``**…**``); the form is a
pipe table whose first row is followed by a rule row (``|---|---|``, ``|:---|:---:|``); labels
and column headings may be bold (``| **项目名称** | … |``); a long name breaks with ``<br>``
inside its cell; a scraped page writes ``&ge;``/``&le;`` and ``&nbsp;`` for an empty cell (read
by decoding as the characters they name); the budget's parts listed in one cell or line
(``其中：财政拨款100万元，其他资金20万元``). Or the header is printed as bold label lines above the
table (``**项目名称**：社区养老服务补助``) and only the indicators are a table. Markdown is syntax, not
content: the truth is the form as printed without it (a name broken by ``<br>`` is one name;
its ``name_raw`` keeps the break as a line break, as a wrapped cell keeps its wrap).
"""

from __future__ import annotations

import random
from typing import Any

from jixiao.synth.renderings.base import SHORT_HEADER, Record, fmt, keep_header, target

NAME = "markdown_tables"
_RULES = ("---", ":---", ":---:", "----", ":--")


def item_ok(item: Any) -> bool:
    name = str(item.name)
    return "|" not in name and "*" not in name and "<" not in name and "#" not in name


def _rule(width: int, rng: random.Random) -> str:
    kind = rng.choice(_RULES)
    return "|" + "|".join([kind] * width) + "|"


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _bold(text: str, on: bool) -> str:
    return f"**{text}**" if on and text else text


def _broken(name: str, rng: random.Random) -> str:
    """A long name broken with ``<br>`` between two CJK characters (never next to a digit)."""
    if len(name) < 8 or rng.random() < 0.6:
        return name
    cuts = [
        k for k in range(3, len(name) - 2)
        if "\u4e00" <= name[k - 1] <= "\u9fff" and "\u4e00" <= name[k] <= "\u9fff"
    ]  # fmt: skip
    if not cuts:
        return name
    k = rng.choice(cuts)
    return f"{name[:k]}<br>{name[k:]}"


def _entities(line: str) -> str:
    """A scraped page's Markdown: operators and empty cells as character references."""
    line = line.replace("≥", "&ge;").replace("≤", "&le;")
    return line.replace("|  |", "| &nbsp; |")


def _parts(budget: Any, rng: random.Random) -> tuple[Any, Any]:
    """财政拨款 and 其他资金 that add up to the budget exactly (in hundredths)."""
    cents = int(round(budget * 100))
    other = 0 if rng.random() < 0.4 else rng.randrange(0, cents // 3 + 1)

    def back(c: int) -> Any:
        return c // 100 if c % 100 == 0 else c / 100

    return back(cents - other), back(other)


def render(forms: list[Record], rng: random.Random) -> str:
    out: list[str] = []
    entities = rng.random() < 0.3  # one file, one converter
    for rec in forms:
        year = rec["year"]
        bold_labels = rng.random() < 0.5
        bold_heads = rng.random() < 0.5
        title = rng.choice((f"# {rec['title']}", f"## {rec['title']}", f"### {rec['title']}",
                            f"**{rec['title']}**", rec["title"]))  # fmt: skip
        out += ["", title, "", f"（{year}年度）", ""]
        heads = ["一级指标", "二级指标", "三级指标", "指标值", "权重"]
        width = len(heads)
        pad = [""] * (width - 2)
        header = [
            ("项目名称", rec["project_name"]),
            ("主管部门", rec["department"]),
            ("资金总额（万元）", fmt(rec["budget_total"])),
            ("年度绩效目标", rec["annual_goal"]),
        ]
        printed = SHORT_HEADER
        parts = ""
        if rng.random() < 0.4:  # the budget's parts listed in one cell or line
            fin, other = _parts(rec["budget_total"], rng)
            rec["budget_breakdown"] = {"财政拨款": fin, "其他资金": other}
            printed = (*SHORT_HEADER, "budget_breakdown")
            unit = rng.choice(("万元", ""))
            sep = rng.choice(("，", "；", "、"))
            parts = f"其中：财政拨款{fmt(fin)}{unit}{sep}其他资金{fmt(other)}{unit}"
        table: list[str] = []
        if rng.random() < 0.4:  # the header as bold label lines, then the indicator table
            for label, value in header:
                out += [f"{_bold(label, True)}：{value}", ""]
                if parts and label.startswith("资金总额"):
                    out += [parts, ""]
            table.append(_row([_bold(h, bold_heads) for h in heads]))
            table.append(_rule(width, rng))
        else:  # one table for the whole form: its first row heads it
            for k, (label, value) in enumerate(header):
                cells = [_bold(label, bold_labels), value, *pad]
                if parts and label.startswith("资金总额"):
                    cells[2] = parts
                table.append(_row(cells))
                if k == 0:
                    table.append(_rule(width, rng))
            table.append(_row([_bold(h, bold_heads) for h in heads]))
        for ind in rec["indicators"]:
            name = _broken(ind["name"], rng)
            # name_raw keeps a cell's inner wrap (golden/NOTES.md): the break, read as a line break
            ind["name_raw"] = name.replace("<br>", "\n")
            cells = [ind["level1"], ind["level2"] or "", name, target(ind), str(ind["weight"])]
            table.append(_row(cells))
        out += [_entities(t) for t in table] if entities else table
        keep_header(rec, printed)
    return "\n".join(out) + "\n"
