"""Forms inside the text of a scraped web page: the site's own text is no part of the form.

The pages are written here by hand, as portals print them (breadcrumb, byline, footer); the
expected values are read off each page: the form's cells, nothing from the chrome, and every
chrome line named by a ``site_text`` reject.
"""

from __future__ import annotations

import random

import pytest

from jixiao.parse.site_text import is_site_text, site_marks
from jixiao.pipeline import normalize_text
from jixiao.schema import FileResult
from jixiao.synth import iter_cases, load_pool
from jixiao.synth.renderings import build

PIPE_PAGE = """\
当前位置：首页 > 政务公开 > 财政资金 > 预算公开
关于公开2023年度项目支出绩效目标的公告
发布时间：2023-02-01 10:22  来源：某某县财政局  浏览次数：318  【字体：大 中 小】
项目支出绩效目标表 | | | | |
(2023年度) | | | | |
项目名称 | 乡村道路养护 | | | |
主管部门 | 某某县交通运输局 | | | |
资金总额（万元） | 120 | | | |
年度绩效目标 | 完成全县乡村道路日常养护。 | | | |
一级指标 | 二级指标 | 三级指标 | 指标值 | 权重 |
产出指标 | 数量指标 | 养护道路里程 | ≥300公里 | 30 |
产出指标 | 质量指标 | 路面完好率 | ≥95% | 30 |
效益指标 | 社会效益指标 | 群众出行条件 | 明显改善 | 20 |
满意度指标 | 服务对象满意度指标 | 群众满意度 | ≥90% | 20 |
【打印本页】 【关闭窗口】
上一篇：关于某某县2022年部门决算公开的说明
下一篇：某某县交通运输局2023年部门预算
主办单位：某某县人民政府办公室  承办单位：某某县大数据发展中心
网站标识码：5001550001  渝ICP备12345678号-1  联系电话：023-12345678
技术支持：某某网络科技有限公司"""


def _site_lines(result: FileResult) -> list[int | None]:
    return sorted(r.line for r in result.rejects if r.code == "site_text")  # type: ignore[type-var]


def _rows(result: FileResult) -> list[tuple[str | None, str | None, object, str | None, object]]:
    return [
        (i.name, i.operator, i.value, i.unit, i.weight)
        for form in result.forms
        for i in form.indicators
    ]


def test_a_pipe_page_reads_the_form_and_reports_its_chrome() -> None:
    result = normalize_text(PIPE_PAGE, "page.txt")
    assert len(result.forms) == 1
    form = result.forms[0]
    assert (form.title, form.year) == ("项目支出绩效目标表", 2023)
    assert (form.project_name, form.department) == ("乡村道路养护", "某某县交通运输局")
    assert form.budget_total == 120
    assert form.annual_goal == "完成全县乡村道路日常养护。"
    assert _rows(result) == [
        ("养护道路里程", "≥", 300, "公里", 30),
        ("路面完好率", "≥", 95, "%", 30),
        ("群众出行条件", None, "明显改善", None, 20),
        ("群众满意度", "≥", 90, "%", 20),
    ]
    assert form.indicators[-1].flags == []
    # breadcrumb, byline and the six footer lines; the article's title is no chrome item
    assert _site_lines(result) == [1, 3, 15, 16, 17, 18, 19, 20]


CSV_PAGE = """\
您现在的位置：首页 » 信息公开 » 部门预算
某某区民政局2024年项目支出绩效目标公开
发布日期：2024-03-05
来源：某某区民政局
阅读次数：57
项目支出绩效目标表,,,,
（2024年度）,,,,
项目名称,社区养老服务补助,,,
主管部门,某某区民政局,,,
资金总额,86.5,,,
年度绩效目标,"为辖区老年人提供助餐、助浴服务,提升养老服务水平",,,
一级指标,二级指标,三级指标,指标值,权重
产出指标,数量指标,助餐服务人次,≥12000人次,40
产出指标,时效指标,补助发放及时率,100%,30
满意度指标,服务对象满意度指标,老年人满意度,≥90%,30
分享到：微信 微博 QQ空间
网站地图 | 联系我们 | 使用帮助
版权所有 © 某某区民政局  建议使用1920×1080分辨率浏览"""


def test_a_csv_sheet_on_a_page_is_still_read_as_csv() -> None:
    result = normalize_text(CSV_PAGE, "page.csv")
    assert result.layout == "csv_rows"
    form = result.forms[0]
    assert (form.title, form.year, form.project_name) == (
        "项目支出绩效目标表",
        2024,
        "社区养老服务补助",
    )
    assert form.budget_total == 86.5
    assert form.annual_goal == "为辖区老年人提供助餐、助浴服务,提升养老服务水平"
    assert _rows(result) == [
        ("助餐服务人次", "≥", 12000, "人次", 40),
        ("补助发放及时率", None, 100, "%", 30),
        ("老年人满意度", "≥", 90, "%", 30),
    ]
    # the byline printed one item per line: 来源 is site text beside the other two
    assert _site_lines(result) == [1, 3, 4, 5, 16, 17, 18]


TAB_PAGE = """\
![]()
位置：首页 > 部门预决算
某某镇人民政府
2023年4月10日
部门整体支出绩效目标表
（2023年度）
单位名称\t某某镇人民政府\t\t\t
资金总额\t350\t\t\t
年度总体目标\t保障机关正常运转。\t\t\t
一级指标\t二级指标\t三级指标\t指标值\t权重
产出指标\t数量指标\t宣传页印发份数\t≥2000份\t50
效益指标\t社会效益指标\t网站信息更新及时率\t100%\t50
责任编辑：张伟
打印本页 关闭窗口"""


def test_a_footer_right_under_the_last_row_is_no_row_and_a_date_no_title() -> None:
    result = normalize_text(TAB_PAGE, "page.txt")
    assert len(result.forms) == 1
    form = result.forms[0]
    # the notice's date above the title is not the title's first half
    assert form.title == "部门整体支出绩效目标表"
    assert (form.department, form.budget_total) == ("某某镇人民政府", 350)
    assert _rows(result) == [
        ("宣传页印发份数", "≥", 2000, "份", 50),
        ("网站信息更新及时率", None, 100, "%", 50),
    ]
    assert _site_lines(result) == [1, 2, 13, 14]


@pytest.mark.parametrize(
    "line",
    [
        "当前位置：首页 > 政务公开 > 通知公告",
        "→ 您的位置: 首页 >> 通知公告",
        "发布时间:2023-07-11 15:16 信息来源:舒城县发改委 阅读次数: 字体:[    ]我要纠错",
        "时间:2019-12-31 15:38:36 来源::",
        "发布时间:2022年09月12日 作者: 来源: 浏览次数:",
        "- 索 引 号:007329896/2019-11414 分 类:",
        "【打印本页】【关闭窗口】",
        "上一篇：关于2023年项目支出绩效目标表的公告",
        "主办单位：某某县人民政府  技术支持：某某科技  联系电话：023-12345678",
        "渝ICP备12345678号-1  渝公网安备 50015502000123号",
        '<image>data:image/s3,"s3://crabby-images/0d6a9/0d6a9a5b5ae46ce6bd7a3ee4cc40a5bcc19a8c77" alt=""</image>',
        "![]()",
        "〈meta name=“PubDate” content=“2019-12-31 15:38:36”〉",
    ],
)
def test_site_text_lines(line: str) -> None:
    assert is_site_text(line)


@pytest.mark.parametrize(
    "line",
    [
        "资金来源：财政拨款",  # 来源 inside a label is no byline
        "网站信息更新及时率",  # an indicator that names the site
        "项目负责人：张三 联系电话：13800000000",  # a form's own header line
        "关于公开2023年度项目支出绩效目标的公告",  # an article's title: left for the form
        "2023年4月10日",
        "产出指标 | 数量指标 | 宣传页打印份数 | ≥1000份 |",
        "日期：2023-01-05",  # a date alone may be the form's own (填报日期)
        "|",
    ],
)
def test_lines_that_stay(line: str) -> None:
    assert not is_site_text(line)


def test_a_weak_item_is_site_text_only_beside_site_text() -> None:
    lines = ["发布日期：2023-03-01", "来源：某某局", "", "项目名称\t来源：某某局", "来源：某某局"]
    assert site_marks(lines) == [True, True, False, False, False]
    # a lone bar (an empty cell of a pipe dump) under the breadcrumb stays
    assert site_marks(["当前位置：首页 > 公开", "|"]) == [True, False]


def test_web_noise_wraps_the_form_and_keeps_its_truth() -> None:
    pool = load_pool()
    cases = list(iter_cases(3, 5, ("csv_rows",), web_noise=True, pool=pool))
    assert [len(c.records()) for c in cases] == [1, 1, 1]  # one page per file
    for index, case in enumerate(cases):
        rng = random.Random(f"jixiao-synth:5:{index}")
        text, records = build("csv_rows", pool, rng, 1)
        assert case.records() == records
        page = case.text()
        assert text.lstrip("\ufeff").strip("\n") in page
        assert len(page) > len(text)


TAB_FOOTER_UNKNOWN = """\
项目支出绩效目标表
项目名称\t图书馆免费开放\t\t\t
主管部门\t某某县文化旅游委\t\t\t
一级指标\t二级指标\t三级指标\t指标值\t权重
产出指标\t数量指标\t接待读者人次\t≥5万人次\t60
满意度指标\t服务对象满意度指标\t读者满意度\t≥95%\t40
本栏目由某某县文化旅游委负责更新
欢迎对本站内容提出意见建议"""


def test_a_page_line_no_vocabulary_knows_is_left_unclaimed_not_read_as_a_row() -> None:
    """Under a tab table, a line of text alone in the 一级 column is no indicator (a name
    slid out of its column comes with its target): it stays, reported as unclaimed. The two
    lines are chrome the site-text vocabulary does not know."""
    result = normalize_text(TAB_FOOTER_UNKNOWN, "page.txt")
    assert _rows(result) == [
        ("接待读者人次", "≥", 5, "万人次", 60),
        ("读者满意度", "≥", 95, "%", 40),
    ]
    unclaimed = {r.line for r in result.rejects if r.code == "cell_unplaced"}
    assert unclaimed == {7, 8}


PIPE_FOOTER_UNKNOWN = """\
项目支出绩效目标表 | | | |
项目名称 | 社区养老服务 | | |
一级指标 | 二级指标 | 三级指标 | 指标值 | 权重 |
产出指标 | 数量指标 | 助餐服务人次 | ≥12000人次 | 60 |
满意度指标 | 服务对象满意度指标 | 老年人满意度 | ≥90% | 40 |
本栏目由某某区民政局负责更新
欢迎对本站内容提出意见建议"""


def test_lines_wider_than_the_name_under_the_last_row_are_not_its_wrapped_end() -> None:
    """A wrapped cell's later lines are no wider than its first: two long page lines under
    ``老年人满意度`` are not the rest of that name (the vocabulary knows neither line)."""
    result = normalize_text(PIPE_FOOTER_UNKNOWN, "page.txt")
    assert _rows(result) == [
        ("助餐服务人次", "≥", 12000, "人次", 60),
        ("老年人满意度", "≥", 90, "%", 40),
    ]
    assert {r.line for r in result.rejects if r.code == "cell_unplaced"} == {6, 7}
