"""Tables a PDF text extractor gave column by column, paired back into rows by counts alone.

The texts below are written by hand in the shapes ``pdfminer`` and ``pdftotext`` give (a blank
line after each text box; or no blank at all); the expected rows are read off each text.
"""

from __future__ import annotations

from jixiao.grammar import Row
from jixiao.layouts import space_rows
from jixiao.parse import column_runs
from jixiao.pipeline import normalize_text


def _boxes(*boxes: str) -> str:
    """pdfminer's ``extract_text``: each text box, then a blank line."""
    return "\n\n".join(boxes) + "\n"


def _rows(indicators: object) -> list[tuple[object, ...]]:
    return [
        (i.level1, i.level2, i.name, i.operator, i.value, i.unit, i.weight)
        for i in indicators  # type: ignore[attr-defined]
    ]


HEADER = ("某区2024年项目支出绩效目标表", "项目名称 政务督查工作", "资金总额 100")


def test_columns_as_runs_of_boxes() -> None:
    text = _boxes(
        *HEADER,
        "三级指标",
        "指标性质",
        "指标值",
        "计量单位",
        "指标权重",
        "现场督查次数",
        "年度督查任务按时\n完成率",  # one box over two lines: one name
        "群众满意度",
        "≥",
        "≥",
        "≥",
        "200",
        "100",
        "95",
        "次",
        "%",
        "%",
        "30",
        "40",
        "30",
    )
    (form,) = normalize_text(text, "pdfminer.txt").forms
    assert form.project_name == "政务督查工作"
    assert _rows(form.indicators) == [
        (None, None, "现场督查次数", "≥", 200, "次", 30),
        (None, None, "年度督查任务按时完成率", "≥", 100, "%", 40),
        (None, None, "群众满意度", "≥", 95, "%", 30),
    ]


def test_names_as_a_run_then_rows_wrapped_at_the_column_width() -> None:
    # pdftotext with no blank lines: a name's line as wide as the column (8 characters)
    # goes on on the next line; the cells after the names come row by row.
    lines = [
        *HEADER,
        "三级指标",
        "指标性质",
        "指标值",
        "计量单位",
        "指标权重",
        "现场督查次数",
        "区委、区政府主要",
        "领导交办事项督查",
        "督办率",
        "建议提案办理率",
        "≥",
        "200",
        "次",
        "10",
        "≥",
        "100",
        "%",
        "20",
        "=",
        "100",
        "%",
        "70",
    ]
    (form,) = normalize_text("\n".join(lines) + "\n", "pdftotext.txt").forms
    assert _rows(form.indicators) == [
        (None, None, "现场督查次数", "≥", 200, "次", 10),
        (None, None, "区委、区政府主要领导交办事项督查督办率", "≥", 100, "%", 20),
        (None, None, "建议提案办理率", "=", 100, "%", 70),
    ]


def test_levels_paired_only_when_the_counts_say_how() -> None:
    text = _boxes(
        *HEADER,
        "一级指标",
        "二级指标",
        "三级指标",
        "指标值",
        "指标权重",
        "产出指标",  # one level-1 cell for the whole table: every row's
        "数量指标",  # two level-2 cells for three rows: which rows each spans is unknown
        "质量指标",
        "培训人数",
        "培训天数",
        "合格率",
        "≥100人",
        "≥4天",
        "≥95%",
        "40",
        "30",
        "30",
    )
    result = normalize_text(text, "pdfminer.txt")
    (form,) = result.forms
    assert _rows(form.indicators) == [
        ("产出指标", None, "培训人数", "≥", 100, "人", 40),
        ("产出指标", None, "培训天数", "≥", 4, "天", 30),
        ("产出指标", None, "合格率", "≥", 95, "%", 30),
    ]
    rejected = {r.text for r in result.rejects}
    assert {"数量指标", "质量指标"} <= rejected


def test_goal_beside_the_names_paired_with_its_label_above() -> None:
    text = _boxes(
        *HEADER,
        "年度绩效目标",  # the label column's last label, just above the table
        "三级指标",
        "指标值",
        "指标权重",
        "现场督查次数",
        "群众满意度",
        "完成全年督查任务。",  # the goal, in the column beside the names
        "≥200次",
        "≥95%",
        "60",
        "40",
    )
    (form,) = normalize_text(text, "pdfminer.txt").forms
    assert form.annual_goal == "完成全年督查任务。"
    assert _rows(form.indicators) == [
        (None, None, "现场督查次数", "≥", 200, "次", 60),
        (None, None, "群众满意度", "≥", 95, "%", 40),
    ]


def _split(text: str) -> list[Row]:
    return space_rows.rows(text.split("\n"))


def test_counts_that_prove_nothing_read_no_rows_and_report_the_cells() -> None:
    # Three names, two operators (an empty cell vanished): no count pairs them, and two
    # operators in a row say the text is not row by row either. Nothing is read across
    # columns: the cells are reported, for the fallback to see.
    text = _boxes(
        *HEADER,
        "三级指标",
        "指标性质",
        "指标值",
        "指标权重",
        "现场督查次数",
        "满意度",
        "办结率",
        "≥",
        "≥",
        "200",
        "95",
        "100",
        "30",
        "40",
        "30",
    )
    result = normalize_text(text, "pdfminer.txt")
    (form,) = result.forms
    assert form.indicators == []
    rejected = [r.text for r in result.rejects]
    assert {"现场督查次数", "满意度", "办结率", "≥", "200", "40"} <= set(rejected)


def test_blocks_of_a_few_rows_each_proved_by_their_counts() -> None:
    # pdftotext gives two rows column by column, then the next row: each block pairs by its
    # own counts; the level cell before a block stands on its first row (and, a merged
    # cell, over the rows below it until the next level cell).
    text = _boxes(
        *HEADER,
        "一级指标",
        "二级指标",
        "三级指标",
        "指标性质",
        "指标值",
        "计量单位",
        "指标权重",
        "数量指标",
        "培训人数",
        "培训天数",
        "≥",
        "≥",
        "100",
        "4",
        "人",
        "天",
        "40",
        "30",
        "质量指标",
        "合格率",
        "≥",
        "95",
        "%",
        "30",
    )
    (form,) = normalize_text(text, "pdftotext.txt").forms
    got = [(i.level2, i.name, i.operator, i.value, i.unit, i.weight) for i in form.indicators]
    assert got == [
        ("数量指标", "培训人数", "≥", 100, "人", 40),
        ("数量指标", "培训天数", "≥", 4, "天", 30),  # under the merged cell, until the next
        ("质量指标", "合格率", "≥", 95, "%", 30),
    ]


def test_a_table_cut_off_by_a_header_label_is_read_only_block_by_block() -> None:
    # A header label inside the table (a text layer that gives header cells among the
    # table's) cuts it: the whole table's count is not taken, a block that proves itself is.
    rows = _split(
        _boxes(
            "三级指标", "指标值", "指标权重", "现场督查次数", "≥200次", "60", "实施单位", "某单位"
        )
    )
    out = column_runs.regroup(rows)
    assert [r.texts for r in out] == [
        ["三级指标", "指标值", "指标权重"],
        ["现场督查次数", "≥200次", "60"],
        ["实施单位"],
        ["某单位"],
    ]


def test_cells_between_blocks_that_no_count_pairs_are_reported_and_reading_goes_on() -> None:
    # The first block lost a unit cell (two rows, one unit): nothing in it is paired, its
    # cells are reported; the next block proves itself and is read.
    text = _boxes(
        *HEADER,
        "三级指标",
        "指标性质",
        "指标值",
        "计量单位",
        "指标权重",
        "培训人数",
        "培训天数",
        "≥",
        "≥",
        "100",
        "4",
        "人",
        "40",
        "30",
        "合格率",
        "群众满意度",
        "≥",
        "≥",
        "95",
        "90",
        "%",
        "%",
        "20",
        "10",
    )
    result = normalize_text(text, "pdftotext.txt")
    (form,) = result.forms
    assert _rows(form.indicators) == [
        (None, None, "合格率", "≥", 95, "%", 20),
        (None, None, "群众满意度", "≥", 90, "%", 10),
    ]
    assert {"培训人数", "培训天数", "人", "100", "40"} <= {r.text for r in result.rejects}


def test_forms_whose_tables_went_unread_stay_apart() -> None:
    # Two forms, each table unpaired (three names, two operators); the second title is split
    # at a blank (``2022 年…``) and its header follows the first table: still two forms.
    def form(title: str, project: str) -> list[str]:
        return [
            title,
            "项目名称",
            project,
            "三级指标",
            "指标性质",
            "指标值",
            "指标权重",
            "现场督查次数",
            "群众满意度",
            "办结率",
            "≥",
            "≥",
            "200",
            "95",
            "100",
            "30",
            "40",
            "30",
        ]

    text = _boxes(
        *form("2022 年财政资金项目支出绩效目标表", "政务督查工作"),
        *form("2022 年财政资金项目支出绩效目标表", "烟花爆竹安全管理"),
    )
    result = normalize_text(text, "pdfminer.txt")
    assert [f.project_name for f in result.forms] == ["政务督查工作", "烟花爆竹安全管理"]
    assert all(f.indicators == [] for f in result.forms)
