"""Rows of an unruled table (no ruling lines), from text boxes: the geometry the PDF and OCR
readers share. Measured on real producers by ``eval/bench_pdf_producers.py``; here the two
cases that decide a row's end are drawn by hand, in points, a 10-point font."""

from __future__ import annotations

from jixiao.ingest.readers.geometry import Box, Line, join_lines, pieces_text, unruled_rows

H = 10.0  # text height
COLS = (0.0, 200.0, 260.0)  # name, value, unit: the name column is 200 points wide


def line(top: float, *cells: tuple[int, str]) -> Line:
    """A text line: each cell at its column's left edge, 10 points a character."""
    return Line([Box(COLS[c], top, COLS[c] + H * len(t), top + H, t) for c, t in cells])


def texts(rows: list) -> list[list[str]]:
    return [[pieces_text(p) for p in row] for row in rows]


def test_tight_rows_of_short_cells_stay_rows() -> None:
    """Chromium prints an unruled html table with 2 points between rows: the next row's
    name sits under a short name, so it is a new row, not a wrapped line of the row above."""
    lines = [
        line(0, (0, "现场督查次数"), (1, "200"), (2, "次")),
        line(12, (0, "建议提案办理率"), (1, "100"), (2, "%")),
        line(24, (0, "网站正常运行率"), (1, "95"), (2, "%")),
    ]
    assert texts(unruled_rows(lines)) == [
        ["现场督查次数", "200", "次"],
        ["建议提案办理率", "100", "%"],
        ["网站正常运行率", "95", "%"],
    ]


def test_a_name_wrapped_to_the_column_edge_continues() -> None:
    """A name that ran to its column's edge wraps onto the next line, alone or beside
    another wrapped cell: one row."""
    full = "督查督办重点工作任务及领导批示件办结"  # 18 characters: to the value column
    lines = [
        line(0, (0, full), (1, "200"), (2, "次")),
        line(12, (0, "率")),
        line(30, (0, "建议提案办理率"), (1, "100"), (2, "%")),
    ]
    rows = texts(unruled_rows(lines))
    assert rows[0][0].replace(" ", "") == full + "率"
    assert rows[1] == ["建议提案办理率", "100", "%"]


# --------------------------------------------------------------------------- sheets, centring

W = {"cjk": H, "digit": 0.55 * H}  # a CJK character is a square, a digit about half of one


def chars(x: float, top: float, text: str) -> list[Box]:
    """One box per character from ``x``, as a PDF's text layer gives them."""
    out = []
    for ch in text:
        w = W["digit"] if ch.isascii() else W["cjk"]
        out.append(Box(x, top, x + w, top + H, ch))
        x += w
    return out


def flush_right(edge: float, top: float, text: str) -> list[Box]:
    """``text`` set flush right, ending at ``edge`` (a sheet's number in its cell)."""
    width = sum(W["digit"] if ch.isascii() else W["cjk"] for ch in text)
    return chars(edge - width, top, text)


def row_of(*parts: list[Box]) -> Line:
    return Line(sorted((b for p in parts for b in p), key=lambda b: b.x0))


def by_column(rows: list) -> list[dict[int, str]]:
    return [{p.col: pieces_text(p) for p in row} for row in rows]


def test_right_aligned_numbers_belong_to_the_column_they_end_in() -> None:
    """A workbook printed without borders: its headers and text sit at each column's left,
    its numbers flush right, a point short of the next column, where the unit starts after a
    gap of only the two cells' padding (LibreOffice: ``200次``, ``100%``). The value is the
    指标值 column's, the unit the 计量单位 column's, the weight (flush with the page's right) the
    指标权重 column's."""
    name, value, unit, weight, right = 0.0, 200.0, 300.0, 360.0, 440.0
    lines = [
        row_of(
            chars(name, 0, "三级指标"),
            chars(value, 0, "指标值"),
            chars(unit, 0, "计量单位"),
            chars(weight, 0, "指标权重"),
        ),
        row_of(
            chars(name, 18, "现场督查次数"),
            flush_right(unit - 1.3, 18, "200"),
            chars(unit, 18, "次"),
            flush_right(right, 18, "10"),
        ),
        row_of(
            chars(name, 36, "建议提案办理率"),
            flush_right(unit - 1.3, 36, "100"),
            chars(unit, 36, "%"),
            flush_right(right, 36, "5"),
        ),
        row_of(
            chars(name, 54, "印发宣传资料数量"),
            flush_right(unit - 1.3, 54, "100000"),
            chars(unit, 54, "份"),
            flush_right(right, 54, "30"),
        ),
    ]
    rows = by_column(unruled_rows(lines))
    header = rows[0]
    cols = {text: col for col, text in header.items()}
    assert [
        (r[cols["三级指标"]], r[cols["指标值"]], r[cols["计量单位"]], r[cols["指标权重"]])
        for r in rows[1:]
    ] == [
        ("现场督查次数", "200", "次", "10"),
        ("建议提案办理率", "100", "%", "5"),
        ("印发宣传资料数量", "100000", "份", "30"),
    ]
    assert all(len(r) == 4 for r in rows)


def test_cjk_beside_latin_spacing_inside_a_paragraph_is_no_cell_edge() -> None:
    """LibreOffice spaces CJK from Latin by a fifth of a character (``授课 25人次``); where the
    ``2`` happens to land on another line's column start the paragraph still stays whole."""
    para = chars(100.0, 0, "邀请校外名师、领导授课")
    after = para[-1].x1 + 2.0
    lines = [
        row_of(para, chars(after, 0, "25人次")),
        row_of(chars(0.0, 30, "指标"), chars(after, 30, "名称")),
    ]
    rows = by_column(unruled_rows(lines))
    assert list(rows[0].values())[0].replace(" ", "") == "邀请校外名师、领导授课25人次"
    assert len(rows[0]) == 1


def test_a_label_centred_between_the_two_lines_of_its_value() -> None:
    """Cells centred vertically: a one-line label beside a two-line value sits between the
    value's lines, overlapping each by less than half a line (xlsx: 主管部门 between
    ``重庆市沙坪坝区人民政府`` and ``办公室``). One row, the value whole."""
    value = "重庆市沙坪坝区人民政府"  # 11 characters: to the next column
    lines = [
        row_of(chars(0, 0, "项目名称"), chars(100, 0, "政务督查工作")),
        row_of(chars(100, 20, value)),
        row_of(chars(0, 25.5, "主管部门"), chars(215, 25.5, "实施单位")),
        row_of(chars(100, 31, "办公室")),
        row_of(chars(0, 51, "资金总额"), chars(100, 51, "100")),
    ]
    rows = by_column(unruled_rows(lines))
    assert rows == [
        {0: "项目名称", 1: "政务督查工作"},
        {0: "主管部门", 1: value + "办公室", 2: "实施单位"},
        {0: "资金总额", 1: "100"},
    ]


def test_a_label_on_the_middle_line_of_a_three_line_value() -> None:
    """A three-line value with its label centred on the middle line: the first line alone,
    then the label beside the second; one row."""
    full = "指导政务督查工作负责区政府办公室综合性事项"  # 21 characters: to the page's right
    lines = [
        row_of(chars(0, 0, "立项依据"), chars(100, 0, "《条例》")),
        row_of(chars(100, 18, full)),
        row_of(chars(0, 29, "项目概况"), chars(100, 29, full)),
        row_of(chars(100, 40, "和人大建议的督办。")),
        row_of(chars(0, 58, "当年绩效目标"), chars(100, 58, "两会结束后及时督办")),
    ]
    rows = by_column(unruled_rows(lines, right=310.0))
    assert rows == [
        {0: "立项依据", 1: "《条例》"},
        {0: "项目概况", 1: full + full + "和人大建议的督办。"},
        {0: "当年绩效目标", 1: "两会结束后及时督办"},
    ]


def test_a_level_centred_over_two_rows_is_no_part_of_either() -> None:
    """A level name spanning two rows (an html rowspan) is printed between them, overlapping
    both: the rows stay two, the level a line of its own (the grammar carries it down)."""
    lines = [
        row_of(chars(100, 0, "服务部门"), chars(200, 0, "81"), chars(260, 0, "个")),
        row_of(chars(0, 7, "数量指标")),
        row_of(chars(100, 14, "服务街镇"), chars(200, 14, "21"), chars(260, 14, "个")),
    ]
    rows = by_column(unruled_rows(lines))
    assert rows == [
        {1: "服务部门", 2: "81", 3: "个"},
        {0: "数量指标"},
        {1: "服务街镇", 2: "21", 3: "个"},
    ]


def test_a_line_broken_early_beside_cjk_is_joined_without_a_blank() -> None:
    """LibreOffice keeps ``〔2021〕`` whole and ``》、`` off a line's start, so a line ends a
    few characters short of its cell: no blank was consumed there (a break at a blank between
    Latin words still gives it back)."""
    first = "沙委党建〔2021〕2号、沙委组〔2020〕63号、文明办发"
    second = "〔2021〕5号、沙委组〔2022〕46号"
    para = chars(100, 0, first)
    edge = para[-1].x1 + 2.5 * H  # the next 〔2021〕 (2.7 characters) did not fit
    lines = [row_of(para), row_of(chars(100, 12, second))]
    assert join_lines(lines, edge) == first + second
    words = [row_of(chars(100, 0, "Data")), row_of(chars(100, 12, "Center"))]
    assert join_lines(words, 100 + 4 * W["digit"] + 2.5 * H) == "Data Center"


def test_a_two_paragraph_label_beside_a_wrapped_cell_is_one_row() -> None:
    """A row whose label holds two paragraphs (``资金总额`` / ``（万元）``) beside a cell
    wrapped at its column's edge (``其中：财政`` / ``资金``): the second line sits at the page's
    in-paragraph spacing, so it is the same row though the label above it ended short (and
    ``（万元）`` would not have fitted after ``资金总额``: one label); the next row, further
    down, is a row."""
    lines = [
        row_of(
            chars(0, 0, "资金总额"),
            chars(60, 0, "20"),
            chars(100, 0, "其中：财政"),
            chars(160, 0, "20"),
        ),  # fmt: skip
        row_of(chars(0, 13, "（万元）"), chars(100, 13, "资金")),
        row_of(chars(0, 35, "当年绩效目标"), chars(100, 35, "维修审判大楼玻璃幕墙")),
    ]
    assert by_column(unruled_rows(lines)) == [
        {0: "资金总额（万元）", 1: "20", 2: "其中：财政资金", 3: "20"},
        {0: "当年绩效目标", 2: "维修审判大楼玻璃幕墙"},
    ]


def test_the_in_paragraph_spacing_is_read_past_a_label_between_the_lines() -> None:
    """A paragraph's lines with a centred label between them still give the page's
    in-paragraph spacing (3 points here), so rows 5 points apart stay rows."""
    long = "坚持以习近平新时代中国特色社会主义思想为指导"  # 22 characters: to the page's right
    lines = [
        row_of(chars(100, 0, long)),
        row_of(chars(0, 6.5, "年度目标")),
        row_of(chars(100, 13, "牢记为民解难。")),
        row_of(chars(0, 28, "一级指标"), chars(100, 28, "三级指标"), chars(200, 28, "指标值")),
        row_of(chars(0, 43, "产出指标"), chars(100, 43, "信访件办结"), chars(200, 43, "20")),
    ]
    rows = by_column(unruled_rows(lines, right=320.0))
    assert rows[-2:] == [
        {0: "一级指标", 1: "三级指标", 2: "指标值"},
        {0: "产出指标", 1: "信访件办结", 2: "20"},
    ]
    assert rows[0] == {0: "年度目标", 1: long + "牢记为民解难。"}


LEVELS = {"l1": 0.0, "l2": 60.0, "name": 140.0, "value": 260.0, "unit": 320.0}


def table_line(top: float, **cells: str) -> Line:
    return row_of(*(chars(LEVELS[k], top, t) for k, t in cells.items()))


HEADING = table_line(
    0, l1="一级指标", l2="二级指标", name="三级指标", value="指标值", unit="计量单位"
)


def test_levels_merged_over_rows_and_centred_move_to_their_first_row() -> None:
    """A sheet (or a page) centres a merged level cell in its span: 产出指标 over rows 1-3
    stands on row 2's line, 数量指标 over rows 1-2 alone between them. Each span starts where
    the one above ended and ends as far below its text's middle as it began above, so the
    level goes to its span's first row, where the grammar carries it down from."""
    lines = [
        HEADING,
        table_line(20, name="改造学校数", value="12", unit="所"),
        row_of(chars(LEVELS["l2"], 25.5, "数量指标")),
        table_line(34, l1="产出指标", name="新增监控点位", value="300", unit="个"),
        table_line(48, l2="质量指标", name="设备验收合格率", value="100", unit="%"),
        table_line(
            62, l1="效益指标", l2="社会效益指标", name="校园安全状况", value="改善", unit="—"
        ),
    ]
    rows = [sorted(r.items()) for r in by_column(unruled_rows(lines))]
    assert rows[1:] == [
        [(0, "产出指标"), (1, "数量指标"), (2, "改造学校数"), (3, "12"), (4, "所")],
        [(2, "新增监控点位"), (3, "300"), (4, "个")],
        [(1, "质量指标"), (2, "设备验收合格率"), (3, "100"), (4, "%")],
        [(0, "效益指标"), (1, "社会效益指标"), (2, "校园安全状况"), (3, "改善"), (4, "—")],
    ]


def test_levels_printed_at_the_top_of_their_rows_stay() -> None:
    """A Word table puts a merged cell's text at its top: the first body row has its levels,
    and nothing moves."""
    lines = [
        HEADING,
        table_line(20, l1="产出指标", l2="数量指标", name="改造学校数", value="12", unit="所"),
        table_line(34, name="新增监控点位", value="300", unit="个"),
        table_line(48, l2="质量指标", name="设备验收合格率", value="100", unit="%"),
    ]
    rows = [sorted(r.items()) for r in by_column(unruled_rows(lines))]
    assert rows[1:] == [
        [(0, "产出指标"), (1, "数量指标"), (2, "改造学校数"), (3, "12"), (4, "所")],
        [(2, "新增监控点位"), (3, "300"), (4, "个")],
        [(1, "质量指标"), (2, "设备验收合格率"), (3, "100"), (4, "%")],
    ]
