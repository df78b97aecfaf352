"""PDF text layers: the header's labels printed as one column, their values as the next.

The pages are written by hand in the shape text comes out of a PDF (a viewer's copy, a
text export): the label column whole, then the value column, a budget broken at its last
digit, a goal wrapped over two lines. Every expected field is read off these strings.
"""

from __future__ import annotations

from jixiao.layouts import space_rows
from jixiao.parse import label_columns
from jixiao.pipeline import normalize_text

PAGE = "\n".join(
    [
        "2024年某县项目支出绩效目标表",
        "单位：万元",
        "项目名称",
        "主管部门",
        "资金总额",
        "年度绩效目标",
        "乡村道路养护",
        "某县交通运输局",
        "1256.3",
        "8",
        "完成全县农村公路日常养护，",
        "保障道路安全畅通。",
        "一级指标 二级指标 三级指标 指标值 计量单位 权重",
        "产出指标 数量指标 养护里程 ≥320 公里 20",
        "产出指标 质量指标 路面完好率 ≥90 % 20",
        "效益指标 社会效益指标 群众出行条件 有所改善 20",
        "满意度指标 服务对象满意度指标 群众满意度 ≥95 % 10",
    ]
)


def _only_form(text: str):
    result = normalize_text(text, "layer.txt")
    assert len(result.forms) == 1, result.rejects
    return result.forms[0]


def test_label_column_pairs_with_value_column_and_broken_number_is_joined() -> None:
    form = _only_form(PAGE)
    assert form.title == "2024年某县项目支出绩效目标表"
    assert form.year == 2024
    assert form.project_name == "乡村道路养护"
    assert form.department == "某县交通运输局"
    assert form.budget_total == 1256.38
    assert form.annual_goal == "完成全县农村公路日常养护，保障道路安全畅通。"
    got = [
        (i.level1, i.level2, i.name, i.operator, i.value, i.unit, i.weight) for i in form.indicators
    ]
    assert got == [
        ("产出指标", "数量指标", "养护里程", "≥", 320, "公里", 20),
        ("产出指标", "质量指标", "路面完好率", "≥", 90, "%", 20),
        ("效益指标", "社会效益指标", "群众出行条件", None, "有所改善", None, 20),
        ("满意度指标", "服务对象满意度指标", "群众满意度", "≥", 95, "%", 10),
    ]


def _pair(lines: list[str]) -> list[list[str]]:
    return [r.texts for r in label_columns.pair(space_rows.rows(lines))]


def test_as_many_values_as_labels_are_paired_in_order_and_no_number_is_joined() -> None:
    # 80 and 20 are numbers of their own (one per label): nothing is broken here.
    lines = ["年度资金总额", "其中：财政拨款", "其他资金", "100", "80", "20"]
    assert _pair(lines) == [["年度资金总额", "100"], ["其中：财政拨款", "80"], ["其他资金", "20"]]


def test_fewer_values_than_labels_are_not_guessed() -> None:
    # An empty cell vanished from the text layer: which label lost its value is unknown.
    lines = ["项目名称", "主管部门", "资金总额", "乡村道路养护", "35"]
    assert _pair(lines) == [[t] for t in lines]


def test_a_surplus_no_rule_explains_leaves_the_rows_alone() -> None:
    # Three values for two short labels, no broken number and no long text to wrap.
    lines = ["项目名称", "主管部门", "乡村道路养护", "某县交通运输局", "某县财政局"]
    assert _pair(lines) == [[t] for t in lines]


def test_label_value_pairs_on_their_own_lines_are_untouched() -> None:
    lines = ["项目名称", "乡村道路养护", "主管部门", "某县交通运输局"]
    assert _pair(lines) == [[t] for t in lines]


def test_two_label_columns_interleaved_with_their_value_columns() -> None:
    # A 2x2 header grid read column by column: left labels, left values, right labels, right
    # values; the right-hand goal wraps over two lines.
    page = "\n".join(
        [
            "2023年项目支出绩效目标表",
            "项目名称",
            "资金总额",
            "校园安防改造",
            "88.5",
            "主管部门",
            "年度绩效目标",
            "某区教育委员会",
            "完成全区中小学校园视频",
            "监控改造。",
            "一级指标 二级指标 三级指标 指标值 计量单位 权重",
            "产出指标 数量指标 改造学校数 ≥12 所 30",
        ]
    )
    form = _only_form(page)
    assert form.project_name == "校园安防改造"
    assert form.budget_total == 88.5
    assert form.department == "某区教育委员会"
    assert form.annual_goal == "完成全区中小学校园视频监控改造。"
    assert [(i.name, i.operator, i.value, i.unit) for i in form.indicators] == [
        ("改造学校数", "≥", 12, "所")
    ]


def test_each_label_before_its_value_the_values_still_broken_over_lines() -> None:
    # Content-stream order: label, value, label, value; the budget and the goal still wrap.
    page = "\n".join(
        [
            "2022年项目支出绩效目标表",
            "项目名称",
            "河道保洁",
            "资金总额",
            "42.0",
            "5",
            "年度绩效目标",
            "保持辖区河道水面整洁，",
            "汛期无垃圾堵塞。",
            "一级指标 二级指标 三级指标 指标值 计量单位 权重",
            "产出指标 质量指标 水面保洁合格率 ≥95 % 40",
        ]
    )
    form = _only_form(page)
    assert form.project_name == "河道保洁"
    assert form.budget_total == 42.05
    assert form.annual_goal == "保持辖区河道水面整洁，汛期无垃圾堵塞。"
    assert [(i.name, i.value, i.unit) for i in form.indicators] == [("水面保洁合格率", 95, "%")]


def test_a_short_label_does_not_take_lines_its_value_cannot_explain() -> None:
    # 项目名称 has one value; the next line is loose text, not a continuation of a number.
    lines = ["项目名称", "河道保洁", "某县水利局"]
    assert _pair(lines) == [[t] for t in lines]


def test_a_latin_word_wrapped_at_its_blank_gets_the_blank_back() -> None:
    lines = ["项目名称", "年度绩效目标", "数据中心运维", "完成 Data", "Center 巡检。"]
    assert _pair(lines) == [
        ["项目名称", "数据中心运维"],
        ["年度绩效目标", "完成", "Data Center", "巡检。"],
    ]


def test_a_label_broken_inside_its_bracket_is_joined() -> None:
    # pdftotext gives the label cell's second line after the value beside it.
    assert _pair(["资金总额（万 177.69", "元）"]) == [["资金总额（万元）", "177.69"]]
    # a text layer that gives the value after both lines of the label
    assert _pair(["资金总额(万", "元)", "177.69"]) == [["资金总额(万元)"], ["177.69"]]
    # a bracket inside a value is not a label: left alone
    assert _pair(["完成改造(一", "期)"]) == [["完成改造(一"], ["期)"]]


def test_pdftotext_header_with_an_empty_cell_and_a_broken_label() -> None:
    page = "\n".join(
        [
            "2021年项目支出绩效目标表",
            "项目名称 政务新媒体检测服务",
            "主管部门 某区人民政府办公室 实施单位",
            "资金总额（万",
            "元）",
            "177.69",
            "当年绩效目标 保证区政府正常运转。",
            "一级指标 二级指标 三级指标 指标性质 指标值 计量单位 指标权重",
            "产出指标 数量指标 召开政府全体会议次数 1 次/年 20",
        ]
    )
    form = _only_form(page)
    assert form.department == "某区人民政府办公室"
    assert form.implementing_unit is None
    assert form.budget_total == 177.69
    assert form.annual_goal == "保证区政府正常运转。"


def test_rows_a_wrapped_cell_broke_over_lines_are_joined() -> None:
    # pdftotext -raw: a long goal runs on after its label; a name wraps inside its row and
    # the rest of the row follows on a line of its own; a level-2 name wraps.
    page = "\n".join(
        [
            "2021年项目支出绩效目标表",
            "项目名称 遗属生活补助",
            "当年绩效目标 区政府办公室现有遗属人员3人，共计月发金额2261元。年总计27",
            "132元。保障遗属基本生活。",
            "一级指标 二级指标 三级指标 指标性质 指标值 计量单位 权重",
            "产出指标 数量指标 各类文件、信息的起草、审核工作的次",
            "数",
            "≥ 1 次/天 10",
            "质量指标 发放准确率 ≥ 100 % 20",
            "满意度指标 服务对象满意度",
            "指标",
            "遗属满意度 ≥ 90 % 10",
        ]
    )
    form = _only_form(page)
    assert form.annual_goal == (
        "区政府办公室现有遗属人员3人，共计月发金额2261元。年总计27132元。保障遗属基本生活。"
    )
    got = [
        (i.level1, i.level2, i.name, i.operator, i.value, i.unit, i.weight) for i in form.indicators
    ]
    assert got == [
        ("产出指标", "数量指标", "各类文件、信息的起草、审核工作的次数", "≥", 1, "次/天", 10),
        ("产出指标", "质量指标", "发放准确率", "≥", 100, "%", 20),
        ("满意度指标", "服务对象满意度指标", "遗属满意度", "≥", 90, "%", 10),
    ]


def test_a_caption_or_note_after_a_goal_is_not_part_of_it() -> None:
    rows = label_columns.join_wrapped_rows(
        space_rows.rows(
            [
                "年度绩效目标 保障机关正常运转。",
                "（以下为项目绩效指标）",
                "说明：定性指标按优良评定。",
            ]
        )
    )
    assert [r.texts for r in rows] == [
        ["年度绩效目标", "保障机关正常运转。"],
        ["（以下为项目绩效指标）"],
        ["说明：定性指标按优良评定。"],
    ]


def test_a_stream_of_one_cell_per_line_is_not_joined() -> None:
    # One cell per line (a cell stream): a name, then its operator and value on lines of
    # their own: the rows are left for the parser's stream reader.
    lines = [
        "一级指标",
        "二级指标",
        "三级指标",
        "指标值",
        "产出指标",
        "数量指标",
        "培训人次",
        "≥",
        "500",
    ]
    rows = space_rows.rows(lines)
    assert [r.texts for r in label_columns.join_wrapped_rows(rows)] == [[t] for t in lines]


STREAM_PAGE = [
    "2023年项目支出绩效目标表",
    "项目名称",
    "校园安防改造",
    "一级指标",
    "二级指标",
    "三级指标",
    "指标性质",
    "指标值",
    "计量单位",
    "指标权重",
    "产出指标",
    "数量指标",
    "改造学校数",
    "≥",
    "12",
    "所",
    "30",
    "质量指标",
    "设备验收合格率",
    "=",
    "100",
    "%",
    "20",
    "效益指标",
    "社会效益指标",
    "校园安全状况",
    "有所改善",
    "20",
]


def _rows_of(form):
    return [
        (i.level1, i.level2, i.name, i.operator, i.value, i.unit, i.weight) for i in form.indicators
    ]


def test_a_table_given_one_cell_per_line_is_cut_into_rows() -> None:
    # pdftotext's default order for a ruled table: every cell on its own line, row by row.
    form = _only_form("\n".join(STREAM_PAGE))
    assert form.project_name == "校园安防改造"
    assert _rows_of(form) == [
        ("产出指标", "数量指标", "改造学校数", "≥", 12, "所", 30),
        ("产出指标", "质量指标", "设备验收合格率", "=", 100, "%", 20),
        ("效益指标", "社会效益指标", "校园安全状况", None, "有所改善", None, 20),
    ]


def test_a_heading_whose_later_columns_follow_the_first_cells() -> None:
    # The tall heading cells come out after the first row's level labels and name.
    page = [
        "2023年项目支出绩效目标表",
        "项目名称",
        "校园安防改造",
        "一级指标",
        "二级指标",
        "三级指标",
        "产出指标",
        "数量指标",
        "改造学校数",
        "指标值",
        "计量单位",
        "指标权重",
        "12",
        "所",
        "30",
        "设备验收合格率",
        "100",
        "%",
        "20",
    ]
    form = _only_form("\n".join(page))
    assert _rows_of(form) == [
        ("产出指标", "数量指标", "改造学校数", None, 12, "所", 30),
        ("产出指标", "数量指标", "设备验收合格率", None, 100, "%", 20),
    ]


def test_a_heading_whose_number_columns_close_the_stream() -> None:
    # pdftotext on a sheet printed without borders: the short heading cells first, the body
    # one cell per line (a number and its unit on one line), the heading cells over the
    # numbers after the last row, then the next form's title.
    page = [
        "部门专项绩效目标申报表",
        "项目名称",
        "政务督查工作",
        "三级指标",
        "指标性质",
        "现场督查次数",
        "≥",
        "200 次",
        "10",
        "建议提案办理率",
        "≥",
        "100 %",
        "20",
        "指标值",
        "计量单位",
        "指标权重",
        "部门专项绩效目标申报表",
        "项目名称",
        "烟花爆竹安全管理",
    ]
    result = normalize_text("\n".join(page), "layer.txt")
    assert [f.project_name for f in result.forms] == ["政务督查工作", "烟花爆竹安全管理"]
    assert _rows_of(result.forms[0]) == [
        (None, None, "现场督查次数", "≥", 200, "次", 10),
        (None, None, "建议提案办理率", "≥", 100, "%", 20),
    ]


def test_a_name_piece_printed_beneath_its_complete_row_is_joined() -> None:
    # pdftotext -layout: a wrapped cell's last characters stand on the next line, beneath.
    page = "\n".join(
        [
            "2023年项目支出绩效目标表",
            "项目名称    基层治理项目",
            "一级指标    二级指标     三级指标          指标性质   指标值   计量单位   指标权重",
            "效益指标    社会效益指标   增强平安建设能力，推进基层治理法治      优         10",
            "                 建设",
            "满意度指标   服务对象满意度 群众满意度          ≥      90        %      25",
            "        指标",
            "",
            "        社会公众满意度指标 公众满意度               ≥      85         %      25",
        ]
    )
    form = _only_form(page)
    assert _rows_of(form) == [
        (
            "效益指标",
            "社会效益指标",
            "增强平安建设能力，推进基层治理法治建设",
            None,
            "优",
            None,
            10,
        ),
        ("满意度指标", "服务对象满意度指标", "群众满意度", "≥", 90, "%", 25),
        ("满意度指标", "社会公众满意度指标", "公众满意度", "≥", 85, "%", 25),
    ]


def test_a_last_line_after_a_row_is_not_taken_as_its_name_piece() -> None:
    # At the end of the text a short line is a row cut off, not a piece of the name above.
    rows = space_rows.rows(
        ["一级指标 二级指标 三级指标 指标值", "时效指标 检测及时率 ≤7工作日", "开展质"]
    )
    assert [r.texts for r in label_columns.join_wrapped_rows(rows)] == [
        ["一级指标", "二级指标", "三级指标", "指标值"],
        ["时效指标", "检测及时率", "≤7工作日"],
        ["开展质"],
    ]


def test_name_pieces_that_read_like_targets_are_still_name() -> None:
    # 提高… and …完成率 start like targets, 2023年… like a date: where they stand says name.
    page = "\n".join(
        [
            "2022年项目支出绩效目标表",
            "项目名称 信息调研",
            "一级指标 二级指标 三级指标 指标值 计量单位 权重",
            "效益指标 社会效益指标 提高政府网站",
            "公众形象",
            "≥2 % 20",
            "效益指标 社会效益指标 办公用品政府采购",
            "完成率",
            "≥100 % 15",
        ]
    )
    assert _rows_of(_only_form(page)) == [
        ("效益指标", "社会效益指标", "提高政府网站公众形象", "≥", 2, "%", 20),
        ("效益指标", "社会效益指标", "办公用品政府采购完成率", "≥", 100, "%", 15),
    ]
    stream = [
        "2023年项目支出绩效目标表",
        "项目名称",
        "年鉴编纂",
        *["一级指标", "二级指标", "三级指标", "指标值", "计量单位", "权重"],
        *["产出指标", "数量指标", "2023年年鉴编纂的次数", "1", "次/年", "5"],
        *["产出指标", "数量指标", "活动参与人数", "≥9", "万人", "15"],
    ]
    assert _rows_of(_only_form("\n".join(stream))) == [
        ("产出指标", "数量指标", "2023年年鉴编纂的次数", None, 1, "次/年", 5),
        ("产出指标", "数量指标", "活动参与人数", "≥", 9, "万人", 15),
    ]
