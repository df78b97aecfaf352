"""A form as scraped from a government web page: the site's chrome around it (``--web-noise``).

Public forms are mostly published as the text of a page: a breadcrumb (``当前位置：首页 >
政务公开 > …``), the article's title and byline (``发布时间：… 来源：… 浏览次数：``, ``字号 大 中
小``), an index block (``索 引 号``, ``发文机关``), a notice before the form, sometimes an
allocation table (``序号 | 乡镇 | 项目 | 金额``) or an attachment link, image placeholders, and
after it 打印本页/关闭窗口, 上一篇/下一篇, share links and the site footer (``主办单位：…
备案号 … 技术支持``). None of it is part of the form, so the truth does not change: chrome adds
no form, no header field and no indicator. ``wrap`` puts one form's text in such a page (one
page per file, as pages are scraped).

The chrome is drawn from what real pages print (``/work/shared/real-samples``), with neutral
names, so a line of it is never the form's own text: the article title names the disclosure,
not a 绩效目标表 (except the copy of the form's own title that some pages print above it).
"""

from __future__ import annotations

import random
import re

_SITES = ("某某县人民政府", "某某区财政局", "某某市农业农村局", "某某县水利局", "某某市人民法院")
_SECTIONS = ("政务公开", "信息公开", "政府信息公开", "部门预决算", "财政资金", "通知公告")
_SUBSECTIONS = ("预算公开", "部门预算", "绩效管理", "法定主动公开内容", "其他", "专项资金")


def _date(rng: random.Random) -> str:
    return f"20{rng.randint(19, 25)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"


def _time(rng: random.Random) -> str:
    return f"{rng.randint(8, 18):02d}:{rng.randint(0, 59):02d}"


def _breadcrumb(rng: random.Random, site: str) -> list[str]:
    trail = ["首页", rng.choice(_SECTIONS), rng.choice(_SUBSECTIONS)]
    sep = rng.choice((" > ", ">", " >> ", " » ", " / ", "＞"))
    head = rng.choice(
        ("当前位置：", "当前位置:", "您现在的位置：", "您当前所在位置：", "位置：", "→ 您的位置: ")
    )
    if rng.random() < 0.2:  # the label on its own line, the trail under it (dg19)
        return [head, site + sep + sep.join(trail[1:])]
    return [head + sep.join(trail)]


def _article_title(rng: random.Random, site: str) -> str:
    year = rng.randint(2019, 2025)
    return rng.choice(
        (
            f"{site}{year}年项目支出绩效目标公开",
            f"关于公开{year}年度预算绩效目标的公告",
            f"{year}年度部门预算绩效目标信息公开",
            f"{site}关于{year}年部门预算及绩效目标的公示",
            f"{year}年省级专项资金绩效目标公开",
        )
    )


def _byline(rng: random.Random, site: str) -> list[str]:
    when = f"{_date(rng)} {_time(rng)}" if rng.random() < 0.6 else _date(rng)
    if rng.random() < 0.2:  # 2022年09月12日
        y, m, d = _date(rng).split("-")
        when = f"{y}年{m}月{d}日"
    parts = [
        rng.choice(("发布时间：", "发布日期：", "时间:", "日期:", "发布时间:")) + when,
        rng.choice(("来源：", "信息来源：", "来源:", "来源::")) + rng.choice((site, "")),
    ]
    if rng.random() < 0.3:
        parts.insert(1, rng.choice(("作者:", "作者: 办公室", "编辑：办公室")))
    if rng.random() < 0.7:
        parts.append(
            rng.choice(("浏览次数：", "阅读次数：", "点击数：", "访问量：", "点击次数:"))
            + rng.choice(("", str(rng.randint(10, 9999))))
        )
    if rng.random() < 0.5:
        parts.append(
            rng.choice(
                (
                    "字号：大 中 小",
                    "【字体：大 中 小】",
                    "字体：[ 大 中 小 ]",
                    "字号：T|T",
                    "字体:[    ]我要纠错",
                )
            )
        )
    if rng.random() < 0.3:
        parts.append(rng.choice(("我要纠错", "【打印】", "分享：")))
    if rng.random() < 0.3:  # one item per line, as some converters print a byline
        return parts
    return [rng.choice(("  ", " ", "　")).join(parts)]


def _index_block(rng: random.Random, site: str) -> list[str]:
    code = f"{rng.randint(10**8, 10**9 - 1)}/{rng.randint(2019, 2025)}-{rng.randint(10000, 99999)}"
    lines = [f"索 引 号：{code}", f"分 类：{rng.choice(_SUBSECTIONS)}"]
    lines += [f"发文机关：{site}", f"发文日期：{_date(rng)}"]
    if rng.random() < 0.5:
        lines.append(
            f"文  号：{site[:-3] if len(site) > 3 else site}〔{rng.randint(2019, 2025)}〕{rng.randint(1, 99)}号"
        )
    if rng.random() < 0.5:  # two items per line
        return [f"{a}  {b}" for a, b in zip(lines[::2], lines[1::2], strict=False)] + (
            [lines[-1]] if len(lines) % 2 else []
        )
    return lines


def _notice(rng: random.Random, site: str) -> list[str]:
    year = rng.randint(2019, 2025)
    lines = [
        rng.choice(
            (
                f"根据《中华人民共和国预算法》和预算绩效管理有关规定，现将{site}{year}年度预算绩效目标予以公开。",
                f"按照预算公开工作要求，现将我单位{year}年项目支出绩效目标公开如下，接受社会监督。",
                "各乡镇人民政府、街道办事处：现将有关资金及绩效目标下达给你们，请抓紧组织实施，"
                "加快资金支出进度，做好绩效监控。",
            )
        )
    ]
    if rng.random() < 0.4:
        lines.append(f"{site}")
        lines.append(f"{year}年{rng.randint(1, 12)}月{rng.randint(1, 28)}日")
    if rng.random() < 0.4:
        lines.append(rng.choice(("(此件公开发布)", "（此件主动公开）")))
    return lines


def _cells(text: str) -> str:
    """How the form's own rows join cells (an allocation table prints the same way):
    ``"cell"`` for a Word dump of one tab-indented cell per line, rows between blank lines."""
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if sum(ln.startswith("\t") and "\t" not in ln[1:] for ln in lines) > len(lines) // 2:
        return "cell"
    if sum(ln.count("\t") for ln in lines) > len(lines) // 2:
        return "\t"
    if sum(" | " in ln or ln.endswith(" |") for ln in lines) > len(lines) // 4:
        return " | "
    if sum(ln.count(",") >= 2 for ln in lines) > len(lines) // 2:
        return ","
    return "\n"


def _allocation(rng: random.Random, sep: str) -> list[str]:
    """A funds allocation table printed before the form (ax22): not a 绩效目标表."""
    towns = rng.sample(("西坪镇", "桃舟乡", "芦田镇", "蓬莱镇", "魁斗镇", "龙涓乡", "尚卿乡"), 3)
    works = ("排洪排水工程建设", "水圳修复", "河道治理", "堤岸修复", "水利设施修复")
    rows = [["序号", "乡镇名称", "建设内容", "金额（万元）"]]
    amounts = [rng.randint(5, 30) for _ in towns]
    rows += [
        [str(k + 1), t, t[:2] + rng.choice(works), str(a)]
        for k, (t, a) in enumerate(zip(towns, amounts, strict=True))
    ]
    rows.append(["合计", "", "", str(sum(amounts))])
    title = f"{rng.randint(2019, 2025)}年第{rng.choice('一二三四五六七')}批专项资金安排表"
    head = [rng.choice(("附件1", "附件1：")), title]
    if sep == "\n":
        return head + [c for r in rows for c in r if c]
    if sep == "cell":  # a paragraph per cell, the row's cells together: the form's own print
        return head + [ln for r in rows for ln in ("\n".join(f"\t{c}" for c in r), "")][:-1]
    if sep == ",":
        return head + [",".join(r) for r in rows]
    return head + [sep.join(r) for r in rows]


def _attachment(rng: random.Random, title: str | None) -> list[str]:
    name = title or f"{rng.randint(2019, 2025)}年项目支出绩效目标"
    suffix = rng.choice((".xls", ".xlsx", ".pdf", ".doc"))
    return [rng.choice(("附件：", "附件下载：", "相关附件：", "附件2:")) + name + suffix]


def _image(rng: random.Random) -> str:
    return rng.choice(
        (
            '<image>data:image/s3,"s3://crabby-images/24f2d/24f2d2cb04bdf3a22cdd3b3c6bb38ea64fec2fc5" alt=""</image>',
            "![]()",
            "[图片]",
            "![](/images/banner.jpg)",
        )
    )


def _end(rng: random.Random, site: str) -> list[str]:
    lines: list[str] = []
    if rng.random() < 0.4:
        lines.append(rng.choice(("责任编辑：张伟", "【责任编辑：李娜】", "编辑：王芳 审核：刘洋")))
    if rng.random() < 0.7:
        lines.append(
            rng.choice(
                (
                    "【打印本页】 【关闭窗口】",
                    "打印本页 关闭窗口",
                    "[打印] [关闭]",
                    "【打印此页】【关闭】",
                )
            )
        )
    if rng.random() < 0.6:
        lines += [
            f"上一篇：关于{site}政府信息公开工作年度报告",
            "下一篇：关于开展安全生产检查的通知",
        ]
    if rng.random() < 0.5:
        lines.append(rng.choice(("分享到：微信 微博 QQ空间", "扫一扫在手机打开当前页", "分享：")))
    if rng.random() < 0.4:
        lines += rng.choice(
            (
                ["相关链接"],
                ["相关文章"],
                ["网站地图 | 联系我们 | 使用帮助"],
                ["文件下载", "政策咨询"],
            )
        )
    if rng.random() < 0.8:
        lines.append(f"主办单位：{site}办公室  承办单位：{site}大数据中心")
        if rng.random() < 0.7:
            lines.append(
                f"网站标识码：{rng.randint(10**9, 10**10 - 1)}  某ICP备{rng.randint(10**7, 10**8 - 1)}号-1"
                f"  某公网安备 {rng.randint(10**13, 10**14 - 1)}号"
            )
        if rng.random() < 0.5:
            lines.append(
                f"联系电话：0{rng.randint(10, 99)}-{rng.randint(10**7, 10**8 - 1)}  技术支持：某某网络科技有限公司"
            )
        elif rng.random() < 0.5:
            lines.append("技术支持：某某网络科技有限公司")
        if rng.random() < 0.3:
            lines.append(f"版权所有 © {site}  建议使用1920×1080分辨率浏览")
    return lines


def _title_line(text: str, title: str | None) -> bool:
    """Whether the form prints its title on a line of its own (so a page may echo it above)."""
    if not title:
        return False
    want = re.sub(r"\s+", "", title)
    return any(re.sub(r"[\s,\"]+", "", ln) == want for ln in text.splitlines()[:8])


def wrap(text: str, rng: random.Random, title: str | None = None) -> str:
    """One form's ``text`` as the text of a web page: chrome before and after, none inside.

    ``title`` is the form's printed title (the truth's ``title``): a page may print it again
    above the form, as the article's title, when the form prints it as a line of its own.
    """
    site = rng.choice(_SITES)
    top: list[str] = []
    if rng.random() < 0.3:
        top.append(_image(rng))
    if rng.random() < 0.2:
        top.append(rng.choice(("搜索热词:", "请输入关键字  搜索", "无障碍 | 长者模式 | 登录")))
    if rng.random() < 0.8:
        top += _breadcrumb(rng, site)
    if rng.random() < 0.3:
        top += _index_block(rng, site)
    if rng.random() < 0.3:
        top.append("")
    if _title_line(text, title) and rng.random() < 0.3:
        top.append(str(title))  # the article is titled with the form's own title (fj23)
    else:
        top.append(_article_title(rng, site))
    top += _byline(rng, site)
    if rng.random() < 0.3:  # most converters print the page's lines with no blank between
        top.append("")
    if rng.random() < 0.5:
        top += _notice(rng, site)
    style = _cells(text)
    if rng.random() < 0.25:
        top += _allocation(rng, style)
    if rng.random() < 0.3:
        top += _attachment(rng, title)
    if rng.random() < 0.2:
        top.append(_image(rng))
    bottom = [""] if rng.random() < 0.3 else []
    bottom += _end(rng, site)
    if style == "cell":  # blank lines part rows here: each of the page's lines stands apart
        top = [ln for t in top if t for ln in (t, "")]
        bottom = [ln for t in bottom if t for ln in ("", t)]
    bom = "\ufeff" if text.startswith("\ufeff") else ""  # it stays at the file's start
    body = text.lstrip("\ufeff").strip("\n")
    return bom + "\n".join([*top, body, *bottom]) + "\n"
