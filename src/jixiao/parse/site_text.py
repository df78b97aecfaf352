"""A web page's own text around a form (site chrome): found before the walk, never read as form.

Forms published as web pages come with the site's text: the breadcrumb (``当前位置：首页 >
政务公开 > …``), the byline (``发布时间：2023-02-01 来源：… 浏览次数：``, ``字号 大 中 小``), the
index block (``索 引 号``, ``发文机关``), 打印本页/关闭窗口, 上一篇/下一篇, share links, the footer
(``主办单位：… 备案号 … 技术支持``), image placeholders. Left in, a footer line after the table
reads as one more indicator row and a byline as a header value.

A row is site text only when all of it is: every word of it is one of the closed items below
and at least one item is one that no form prints (``strong``); the ``weak`` items (``来源：``,
``联系电话：``, ``分类：`` …) are site text only beside a strong one. Anything else in the row
(an article's title, a notice, a cell of the form) keeps the whole row, so a doubtful line stays
where it is, to be claimed by the form or reported unclaimed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from jixiao.grammar import Row

#: An item starts a word: after the line's start, a blank or a bracket (``资金来源`` is no 来源).
_AT = r"(?<![\u3400-\u9fffA-Za-z0-9])"
_DATE = r"\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?"
_CLOCK = r"\d{1,2}:\d{2}(?::\d{2})?"
_VALUE = r"[^\s【】\[\]]*"  # the rest of one word
_TRAIL = r"(?:>>|>|»|＞|›|/)"

_STRONG = [
    # breadcrumb: the label, with or without its trail
    rf"(?:当前位置|您现在的位置|您当前所在位置|您的位置|所在位置)\s*(?:是)?\s*[:：](?:.*{_TRAIL}.*)?$",
    rf"首页\s*(?:{_TRAIL}|[|｜]).*$",  # a trail, or the site's menu (首页 | 机构概况 | …)
    # byline
    rf"(?:发布时间|发布日期|发文日期|成文日期|更新时间|发表时间)\s*[:：]\s*(?:{_DATE}(?:\s*{_CLOCK})?)?",
    rf"(?:时间|日期)\s*[:：]\s*{_DATE}\s*{_CLOCK}",
    r"(?:浏览次数|阅读次数|点击次数|点击数|点击量|点击率|访问量|访问次数|浏览量|浏览人次|阅读量)"
    r"\s*[:：]\s*\d*",
    r"信息来源\s*[:：]+" + _VALUE,
    r"(?:字号|字体)\s*[:：]?\s*(?:[\[【]\s*(?:大\s*中\s*小)?\s*[\]】]|大\s*中\s*小|T\s*\|\s*T)",
    r"(?:字号|字体)\s*[:：]",
    r"(?:打印本页|打印此页|打印页面|关闭窗口|关闭本页|返回顶部|收藏本页|我要纠错|纠错)",
    r"[【\[](?:打印|关闭|返回|收藏)[】\]]",
    # neighbours, sharing, links
    r"(?:上一篇|下一篇|上一条|下一条)\s*[:：].*$",
    r"分享到\s*[:：]?.*$",
    r"^\s*分享\s*[:：]\s*(?:(?:微信|微博|QQ空间|QQ|朋友圈|抖音)\s*)*$",
    r"^\s*(?:相关链接|相关文章|相关阅读|相关新闻|相关信息|附件下载|文件下载|政策咨询|政策解读)\s*[:：]?\s*$",
    r"扫一扫在?手机(?:上)?打开(?:当前页|本页)?",
    r"(?:网站地图|无障碍|长者模式|搜索热词\s*[:：]?|请输入关键字|设为首页|加入收藏|收藏本站|返回首页)",
    r"[【\[](?:收藏|返回首页|我要打印|打印本页|关闭窗口)[】\]]",
    r"(?:微信)?扫一扫(?:分享)?",
    r"您是(?:本站)?第\s*\d+\s*位访(?:客|问者)",
    # footer
    r"(?:主办单位|承办单位|协办单位|维护单位|网站维护|技术支持|网站标识码)\s*[:：]\s*" + _VALUE,
    r"(?:Copyright|版权所有\s*(?:[:：]|©|\(c\))).*$",
    r"版权所有(?=\s)\s*" + _VALUE,
    r"©\s*" + _VALUE,
    r"All\s+Rights\s+Reserved\.?",
    r"[^\s【】]*ICP备" + _VALUE,
    r"[^\s【】]*公网安备\s*\d*号?",
    r"建议使用" + _VALUE + "分辨率" + _VALUE,
    r"(?:责任编辑|编辑)\s*[:：]\s*" + _VALUE,
    # the index block above an article
    r"索\s*引\s*号\s*[:：]\s*" + _VALUE,
    r"发文机关\s*[:：]\s*" + _VALUE,
    r"信息索取号\s*[:：]\s*" + _VALUE,
    r"(?:发布者|发布机构|发布单位)\s*[:：]\s*" + _VALUE,
    # placeholders of images and page metadata
    r"<image>.*?</image>",
    r"<img\b[^>]*>",
    r"!\[[^\]]*\]\([^)]*\)",
    r"\[图片\]",
    r"[〈<]meta\b[^〉>]*[〉>]",
]
_WEAK = [
    r"来源\s*[:：]+" + _VALUE,
    r"(?:时间|日期)\s*[:：]\s*" + _DATE,
    r"(?:审核|校对|作者)\s*[:：]\s*" + _VALUE,
    r"(?:分\s*类|文\s*号|主题词)\s*[:：]\s*" + _VALUE,
    r"(?:联系电话|电话|传真)\s*[:：]\s*[\d\-—()（）\s]{7,}",
    r"(?:邮箱|电子邮箱|E-?mail)\s*[:：]\s*\S+@\S+",
    r"(?:地址|邮编|邮政编码)\s*[:：]\s*" + _VALUE,
    r"(?:政务服务热线|服务热线|咨询电话)\s*[:：]\s*[\d\-—\s]{5,}",
    r"(?:主办|承办|分享|登录|注册|搜索|联系我们|使用帮助|相关链接|相关文章|相关阅读|微信|微博|QQ空间)",
    r"(?:打印|关闭)",
    r"位置\s*[:：]",
    r"标签\s*[:：]",
]
_STRONG_RE = re.compile("|".join(f"{_AT}(?:{p})" for p in _STRONG))
_WEAK_RE = re.compile("|".join(f"{_AT}(?:{p})" for p in _WEAK))
#: What may stand between items: blanks, brackets, separators, a list dash.
_FILLER = re.compile(r"^[\s【】\[\]|｜/·•\-—_:：,，;；→▶►■●◆◇□]*$")


def is_site_text(line: str) -> bool:
    """Whether a line is all site chrome (every word a chrome item, one of them strong)."""
    rest, strong = _STRONG_RE.subn(" ", line)
    return bool(strong) and _only_weak(rest)


def _only_weak(line: str) -> bool:
    """Whether nothing but weak items (and blanks, brackets) is left of a line."""
    return bool(_FILLER.match(_WEAK_RE.sub(" ", line)))


def row_text(row: Row, lines: Sequence[str] | None, first_line: int) -> str:
    """The row as printed: its source line when it is one line of a text dump, else its cells."""
    if lines is not None and row.cells:
        at = {c.line for c in row.cells}
        if len(at) == 1 and None not in at:
            k = row.cells[0].line - first_line  # type: ignore[operator]
            if 0 <= k < len(lines):
                return lines[k]
    return " ".join(t for t in row.texts if t)


def site_marks(texts: Sequence[str]) -> list[bool]:
    """Per line (or row) of text, whether it is site text.

    A line of weak items only (``来源：某某局``, ``分 类：预算公开``) is site text beside a line
    of site text (a byline or an index block printed one item per line); a breadcrumb's label
    on a line of its own takes the trail on the line under it (``当前位置:`` / ``市交通运输局 >
    其他 > 通知公告``). Blank lines are no one's neighbours.
    """
    at = [k for k, t in enumerate(texts) if t.strip()]
    filled = [texts[k] for k in at]
    site = [is_site_text(t) for t in filled]
    # A weak item must be there: a lone ``|`` or ``-`` (an empty cell) is nobody's byline.
    weak = [
        not s and bool(_WEAK_RE.search(t)) and _only_weak(t)
        for s, t in zip(site, filled, strict=True)
    ]
    for k in range(1, len(filled)):
        if site[k - 1] and not site[k] and _CRUMB_LABEL.match(filled[k - 1].strip()):
            site[k] = _trail_line(filled[k])
    changed = True
    while changed:
        changed = False
        for k, w in enumerate(weak):
            if w and not site[k] and ((k and site[k - 1]) or (k + 1 < len(site) and site[k + 1])):
                site[k] = changed = True
    marks = [False] * len(texts)
    for k, s in zip(at, site, strict=True):
        marks[k] = s
    return marks


def split_site_text(
    rows: list[Row], lines: Sequence[str] | None = None, first_line: int = 1
) -> tuple[list[Row], list[Row]]:
    """(the rows a form may hold, the rows of site text), each in order (see ``site_marks``)."""
    marks = site_marks([row_text(row, lines, first_line) for row in rows])
    kept = [row for row, s in zip(rows, marks, strict=True) if not s]
    return kept, [row for row, s in zip(rows, marks, strict=True) if s]


_CRUMB_LABEL = re.compile(r"^(?:当前位置|您现在的位置|您当前所在位置|您的位置|所在位置)\s*[:：]$")
_TRAIL_LINE = re.compile(rf"^[^\t|]{{1,30}}(?:\s*{_TRAIL}\s*[^\t|>»＞›/]{{1,30}}){{1,6}}$")


def _trail_line(text: str) -> bool:
    return bool(_TRAIL_LINE.match(text.strip()))
