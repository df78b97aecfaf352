"""项目支出绩效目标申报表 as other provinces print it: two label/value pairs per header row.

Tab rows (a spreadsheet export). The header rows pair two labels with their values each
(``项目名称 | … | 项目负责人 | 张三``), in an order drawn per form, under labels of other
templates (主管部门/主管部门及代码/项目主管部门, 实施单位/项目实施单位, 项目属性/项目类型,
项目期限/项目起止时间/实施周期), with rows a reader steps over (项目负责人, 联系电话). The budget
is a 资金情况 block: the total and its parts on rows of their own (``项目资金（万元） | 年度资金总额
| 120`` then ``| 其中：财政拨款 | 100`` and ``| 其他资金 | 20``), or printed as a grid, the
labels on one row (``资金情况（万元） | 项目总额 | 年度资金总额 | 其中：财政拨款 | 其他资金``) and
their amounts under them. The indicator table has a ``年度绩效指标`` column heading its rows.
"""

from __future__ import annotations

import random
from typing import Any

from jixiao.synth.renderings.base import Record, coded, fmt, keep_header, target

NAME = "application_form"
_DEPT = ("主管部门", "项目主管部门", "主管部门及代码")
_IMPL = ("实施单位", "项目实施单位")
_ATTR = ("项目属性", "项目类型")
_ATTR_TEXT = {"新增": ("新增项目", "新增"), "延续": ("延续项目", "延续性项目", "延续")}
_PEOPLE = ("张伟", "李娜", "王芳", "刘洋")


def item_ok(item: Any) -> bool:
    return "\t" not in str(item.name)


def _split(budget: Any, rng: random.Random) -> tuple[Any, Any]:
    """财政拨款 and 其他资金 that add up to the budget exactly (in hundredths)."""
    cents = round(budget * 100)
    other = 0 if rng.random() < 0.4 else rng.randrange(0, cents // 3 + 1)
    fin = cents - other

    def back(c: int) -> Any:
        return c // 100 if c % 100 == 0 else c / 100

    return back(fin), back(other)


def render(forms: list[Record], rng: random.Random) -> str:
    out: list[str] = []
    for rec in forms:
        year = rec["year"]
        rec["title"] = rng.choice(("项目支出绩效目标申报表", f"{year}年度项目支出绩效目标申报表"))
        out += ["", rec["title"], f"（{year}年度）"]
        printed = ["form_kind", "title", "year", "project_name", "department", "implementing_unit",
                   "budget_total", "budget_breakdown", "annual_goal", "project_attribute"]  # fmt: skip
        d_label = rng.choice(_DEPT)
        dept = rec["department"]
        if d_label == "主管部门及代码" and rec["department_code"]:
            dept = coded(rec["department_code"], dept, rng.choice(("before", "bracket")))
            printed.append("department_code")
        attr = rec["project_attribute"] or "新增"
        rec["project_attribute"] = attr
        period = rng.random()
        if period < 0.5:
            rec["duration"] = "1年"
            p_label, p_text = rng.choice(("项目期限", "实施周期")), "1年"
            printed.append("duration")
        else:
            rec["period_start"], rec["period_end"] = f"{year}年1月", f"{year}年12月"
            p_label = rng.choice(("项目起止时间", "项目期限"))
            p_text = f"{year}年1月-{year}年12月"
            printed += ["period_start", "period_end"]
        pairs = [
            (d_label, dept),
            (rng.choice(_IMPL), rec["implementing_unit"]),
            (rng.choice(_ATTR), rng.choice(_ATTR_TEXT[attr])),
            (p_label, p_text),
            ("项目负责人", rng.choice(_PEOPLE)),
            ("联系电话", f"0{rng.randrange(10, 99)}-{rng.randrange(10**7, 10**8)}"),
        ]
        rng.shuffle(pairs)
        out.append(f"项目名称\t{rec['project_name']}\t\t")
        for k in range(0, len(pairs), 2):
            (a, av), (b, bv) = pairs[k], pairs[k + 1]
            out.append(f"{a}\t{av}\t{b}\t{bv}")
        budget = rec["budget_total"]
        fin, other = _split(budget, rng)
        rec["budget_breakdown"] = {"财政拨款": fin, "其他资金": other}
        if rng.random() < 0.5:
            out.append(f"项目资金（万元）\t年度资金总额\t{fmt(budget)}\t")
            out.append(f"\t其中：财政拨款\t{fmt(fin)}\t")
            out.append(f"\t{rng.choice(('其他资金', '其中：其他资金'))}\t{fmt(other)}\t")
        else:
            whole = fmt(round(budget * rng.choice((1, 2, 3)), 2))
            out.append("资金情况（万元）\t项目总额\t年度资金总额\t其中：财政拨款\t其他资金")
            out.append(f"\t{whole}\t{fmt(budget)}\t{fmt(fin)}\t{fmt(other)}")
        out.append(f"年度绩效目标\t{rec['annual_goal']}\t\t")
        out.append("年度绩效指标\t一级指标\t二级指标\t三级指标\t指标值\t权重")
        for ind in rec["indicators"]:
            cells = ["", ind["level1"], ind["level2"] or "", ind["name"], target(ind)]
            out.append("\t".join([*cells, str(ind["weight"])]))
        rec["implementing_unit_code"] = None
        if "department_code" not in printed:
            rec["department_code"] = None
        keep_header(rec, printed)
    return "\n".join(out) + "\n"
