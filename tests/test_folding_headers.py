"""Folding (Kangxi radicals, compatibility ideographs, traditional characters), OCR noise,
glued text and header variants, each from a small hand-written case (issue 13 items 1, 2, 11, 12).
"""

from __future__ import annotations

from jixiao.ingest import decode, fold_radicals
from jixiao.pipeline import normalize_text
from jixiao.schema import Form


def _forms(text: str) -> list[Form]:
    """The forms of ``text`` read as a file would be: decoded (folded), then parsed."""
    source = decode(text.encode("utf-8"), "case.txt")
    return normalize_text(source.text, "case.txt").forms


# ----------------------------------------------------------------------------- folding


def test_kangxi_radicals_and_compatibility_ideographs_fold_to_ideographs() -> None:
    # ⽬ U+2F6C, ⼀ U+2F00 (Kangxi radicals); U+F90A is the compatibility twin of 金
    assert fold_radicals("项⽬⼀级指标") == "项目一级指标"
    assert fold_radicals("资\uf90a总额") == "资金总额"
    # full-width punctuation stays as printed (only look-alike ideographs are folded)
    assert fold_radicals("（本级）：１００％") == "（本级）：１００％"


def test_traditional_lines_become_simplified_and_simplified_text_is_untouched() -> None:
    assert fold_radicals("產出指標\t數量指標\t培訓覆蓋人次") == "产出指标\t数量指标\t培训覆盖人次"
    # 著 / 乾 / 於 are also simplified characters: a simplified line holding them is not converted
    assert fold_radicals("效果显著\t著作权登记\t干净整洁") == "效果显著\t著作权登记\t干净整洁"
    # a page mixing a traditional form and a simplified one: each line on its own evidence
    page = "項目名稱\t道路養護\n项目名称\t显著提升"
    assert fold_radicals(page) == "项目名称\t道路养护\n项目名称\t显著提升"


def test_a_traditional_form_with_radicals_reads_as_its_simplified_twin() -> None:
    text = "\n".join(
        [
            "2023年財政資金項⽬支出績效⽬標表",
            "項⽬名稱\t道路養護",
            "主管部門\t某縣交通運輸局",
            "資金總額\t88",
            "⼀級指標\t⼆級指標\t三級指標\t指標值\t權重",
            "產出指標\t數量指標\t養護⾥程\t≥12公⾥\t20",
            "滿意度指標\t服務對象滿意度指標\t群眾滿意度\t≥95%\t10",
        ]
    )
    (form,) = _forms(text)
    assert (form.title, form.year, form.project_name, form.department, form.budget_total) == (
        "2023年财政资金项目支出绩效目标表",
        2023,
        "道路养护",
        "某县交通运输局",
        88,
    )
    got = [
        (i.level1, i.level2, i.name, i.operator, i.value, i.unit, i.weight) for i in form.indicators
    ]
    assert got == [
        ("产出指标", "数量指标", "养护里程", "≥", 12, "公里", 20),
        ("满意度指标", "服务对象满意度指标", "群众满意度", "≥", 95, "%", 10),
    ]
