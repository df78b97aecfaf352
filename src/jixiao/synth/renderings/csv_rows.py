"""Forms saved from a spreadsheet as CSV (``另存为 CSV``), as some portals publish them.

Every row is padded with commas to the sheet's width (``项目支出绩效目标表,,,,,``); a cell
holding a comma or a quote is quoted (``"电子政务外网延伸到基层,实现覆盖"``, a doubled ``""``
inside); some exports quote every cell (``"项目名称","社区养老服务补助","",""``) or begin with a
byte-order mark. The indicator table has the usual columns, the operator inside the value or in
a 指标性质 column, a unit column or not. The truth is the form as printed.
"""

from __future__ import annotations

import csv
import io
import random
from typing import Any

from jixiao.synth.renderings.base import SHORT_HEADER, Record, fmt, keep_header, target

NAME = "csv_rows"


def item_ok(item: Any) -> bool:
    return "\n" not in str(item.name) and '"' not in str(item.name)


def render(forms: list[Record], rng: random.Random) -> str:
    buf = io.StringIO()
    quote_all = rng.random() < 0.3
    writer = csv.writer(
        buf, quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL, lineterminator="\n"
    )
    for rec in forms:
        year = rec["year"]
        op_col = rng.random() < 0.4
        unit_col = rng.random() < 0.5
        heads = ["一级指标", "二级指标", "三级指标"]
        heads += ["指标性质"] if op_col else []
        heads += ["指标值"]
        heads += ["计量单位"] if unit_col else []
        heads += ["权重"]
        width = len(heads)

        def row(cells: list[str], width: int = width) -> None:
            writer.writerow(cells + [""] * (width - len(cells)))

        if buf.tell():
            row([])
        row([rec["title"]])
        row([f"（{year}年度）"])
        row(["单位：万元"])
        row(["项目名称", rec["project_name"]])
        row(["主管部门", rec["department"]])
        row(["资金总额", fmt(rec["budget_total"])])
        row(["年度绩效目标", rec["annual_goal"]])
        row(heads)
        for ind in rec["indicators"]:
            cells = [ind["level1"], ind["level2"] or "", ind["name"]]
            shown = dict(ind)
            if op_col:
                cells.append(ind["operator"] or "")
                shown["operator"] = None
            cells.append(target(shown, unit=not unit_col))
            if unit_col:
                cells.append(ind["unit"] or "")
            cells.append(str(ind["weight"]))
            row(cells)
        keep_header(rec, SHORT_HEADER)
    text = buf.getvalue()
    return ("\ufeff" + text) if rng.random() < 0.3 else text
