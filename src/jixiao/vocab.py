"""Vocabularies: units, operators, indicator categories, header labels and column headings.

Everything the parser recognises by *what the form says* lives here as data, so a new
province's wording is one entry, not a code change.
"""

from __future__ import annotations

import re
from functools import lru_cache

_WS = re.compile(r"\s+")

# ---------------------------------------------------------------- operators
OPERATOR_WORDS: dict[str, str] = {
    "≥": "≥",
    ">=": "≥",
    "＞＝": "≥",
    "＞=": "≥",
    ">＝": "≥",
    "大于等于": "≥",
    "大于或等于": "≥",
    "不低于": "≥",
    "不少于": "≥",
    "不小于": "≥",
    "至少": "≥",
    "≧": "≥",  # the JIS symbols (Japanese fonts, some PDF exports)
    "≦": "≤",
    "≤": "≤",
    "<=": "≤",
    "＜＝": "≤",
    "＜=": "≤",
    "<＝": "≤",
    "小于等于": "≤",
    "小于或等于": "≤",
    "不高于": "≤",
    "不超过": "≤",
    "不多于": "≤",
    "不大于": "≤",
    "控制在": "≤",
    "±": "≤",
    "=": "=",
    "＝": "=",
    "等于": "=",
    ">": ">",
    "＞": ">",
    "大于": ">",
    "高于": ">",
    "超过": ">",
    "<": "<",
    "＜": "<",
    "小于": "<",
    "低于": "<",
}
#: Longest first, so ``>=`` wins over ``>``.
OPERATOR_PATTERN = "|".join(re.escape(w) for w in sorted(OPERATOR_WORDS, key=len, reverse=True))
#: Suffix words that turn a bare number into a bound (``90%以上`` → ≥ 90).
OPERATOR_SUFFIXES: dict[str, str] = {
    "以上": "≥",
    "及以上": "≥",
    "以下": "≤",
    "及以下": "≤",
    "以内": "≤",
    "内": "≤",  # ``5日内``, ``3个工作日内``: within, after a unit of time (see the pattern)
}
#: The suffixes as a value cell prints them: ``（含）以上`` counts the bound in; ``内`` only
#: after a unit of time (``30个工作日内``), so a number's unit never ends in it.
OPERATOR_SUFFIX_PATTERN = (
    r"[（(]含[)）](?:以上|以下|以内)|及以上|以上|及以下|以下|以内|"
    r"(?<=[天日月年周时钟])内"
)

# ---------------------------------------------------------------- units
UNIT_ALIASES: dict[str, str] = {
    "%": "%",
    "％": "%",
    "百分比": "%",
    "百分率": "%",
    "平方米": "㎡",
    "m2": "㎡",
    "m²": "㎡",
    "平米": "㎡",
    "人数": "人",
    "个数": "个",
    "次数": "次",
    "天数": "天",
    "‰": "‰",
}
#: Canonical units (after aliasing). Compound units (``次/年``) are built from these.
UNITS: frozenset[str] = frozenset(
    {
        "%",
        "‰",
        "㎡",
        "亩",
        "公顷",
        "平方公里",
        "公里",
        "千米",
        "米",
        "km",
        "立方米",
        "m³",
        "吨",
        "万吨",
        "千克",
        "公斤",
        "kg",
        "元",
        "万元",
        "亿元",
        "千元",
        "次",
        "人次",
        "件次",
        "户次",
        "场次",
        "车次",
        "架次",
        "次数",
        "人",
        "万人",
        "名",
        "户",
        "家",
        "个",
        "件",
        "项",
        "天",
        "日",
        "个工作日",
        "工作日",
        "小时",
        "分钟",
        "秒",
        "年",
        "月",
        "周",
        "季度",
        "期",
        "场",
        "条",
        "份",
        "篇",
        "本",
        "册",
        "套",
        "台",
        "辆",
        "部",
        "处",
        "栋",
        "幢",
        "间",
        "座",
        "所",
        "支",
        "批",
        "类",
        "门",
        "节",
        "课时",
        "学时",
        "张",
        "根",
        "块",
        "株",
        "棵",
        "只",
        "头",
        "匹",
        "盏",
        "宗",
        "起",
        "例",
        "个/套",
        "万元/年",
        "元/人",
        "元/人·月",
        "元/人.每天",
        "元/㎡",
        "分",
        "星",
        "级",
        "倍",
        "个百分点",
        "百分点",
        "Mbps",
        "M",
        "G",
        "兆",
        "GB",
        "TB",
        "路",
        "点",
        "站",
        "村",
        "镇",
        "乡",
        "街道",
        "社区",
        "单位",
        "部门",
        "所学校",
        "人/次",
        "次/年",
        "次/月",
        "次/天",
        "次/周",
        "次/季度",
        "万人次",
        "台套",
        "台/套",
        "km²",
        "万平方米",
        "延米",
        "孔",
        "眼",
        "口",
        "标段",
    }
)
#: Units that may follow a number inside a name or value cell (longest first for regexes).
UNIT_PATTERN = "|".join(
    re.escape(u) for u in sorted(set(UNITS) | set(UNIT_ALIASES), key=len, reverse=True)
)

# ---------------------------------------------------------------- categories
LEVEL1_CANON: dict[str, str] = {
    "产出": "产出指标",
    "产出指标": "产出指标",
    "预期产出指标": "产出指标",
    "效益": "效益指标",
    "效益指标": "效益指标",
    "效果指标": "效益指标",
    "预期效果指标": "效益指标",
    "满意度": "满意度指标",
    "满意度指标": "满意度指标",
    "成本": "成本指标",
    "成本指标": "成本指标",
}
LEVEL2_CANON: dict[str, str] = {
    "数量": "数量指标",
    "质量": "质量指标",
    "时效": "时效指标",
    "成本": "成本指标",
    "经济效益": "经济效益指标",
    "社会效益": "社会效益指标",
    "生态效益": "生态效益指标",
    "环境效益": "生态效益指标",
    "可持续影响": "可持续影响指标",
    "服务对象满意度": "服务对象满意度指标",
    "满意度": "服务对象满意度指标",
    "经济成本": "经济成本指标",
    "社会成本": "社会成本指标",
    "生态环境成本": "生态环境成本指标",
}
#: The level1 each standard level2 belongs to, for a 二级 label printed in the 一级 column of
#: an older template (``社会效益指标`` as a block of its own, its 二级 cell empty). 成本指标 is
#: both a level1 and an old level2 of 产出指标, so it has no parent here.
LEVEL2_PARENT: dict[str, str] = {
    "数量指标": "产出指标",
    "质量指标": "产出指标",
    "时效指标": "产出指标",
    "经济效益指标": "效益指标",
    "社会效益指标": "效益指标",
    "生态效益指标": "效益指标",
    "可持续影响指标": "效益指标",
    "服务对象满意度指标": "满意度指标",
    "经济成本指标": "成本指标",
    "社会成本指标": "成本指标",
    "生态环境成本指标": "成本指标",
}
#: Words in the 指标性质/operator column that are categories, not operators.
CATEGORY_WORDS: dict[str, str] = {
    "产出": "产出指标",
    "效益": "效益指标",
    "满意度": "满意度指标",
    "成本": "成本指标",
}
QUALITATIVE_MARKERS: frozenset[str] = frozenset({"定性", "定", "定性指标"})
QUANTITATIVE_MARKERS: frozenset[str] = frozenset({"定量", "定量指标"})

#: A bracketed annotation on a category label: (必填硬性指标), （或建筑规模指标）, (0-20)分, (工期指标).
_ANNOTATION = re.compile(
    r"[（(][^（）()%％]*(必填|选填|硬性|或|\d+\s*[-－~]\s*\d+|\d+分|指标)[^（）()%％]*[）)]\s*分?"
)


#: Outline numbering before a category label: ``一、产出指标``, ``（一）数量指标``, ``1.社会效益指标``.
_OUTLINE = re.compile(
    r"^(?:第?[一二三四五六七八九十]{1,3}[、.．]|[（(][一二三四五六七八九十\d]{1,3}[)）][、.．]?|\d{1,2}[、.．](?!\d))"
)


@lru_cache(maxsize=16384)
def strip_annotation(text: str) -> str:
    """Drop trailing annotations like ``(必填硬性指标)``, ``（或建筑规模指标）``, ``(0-20)分``,
    and outline numbering before the label (``一、``, ``（一）``, ``1.``)."""
    prev = None
    out = _OUTLINE.sub("", _WS.sub("", text))
    while prev != out:
        prev = out
        out = _ANNOTATION.sub("", out).strip()
    return out


_CATEGORY_PAIR = re.compile(
    r"^[【\[]?(?P<l1>[^-－—–·/_、【】\[\]]{2,8})[-－—–·/_、](?P<l2>[^【】\[\]]{2,12})[】\]]?$"
)


@lru_cache(maxsize=16384)
def split_category(text: str) -> tuple[str, str] | None:
    """A category cell holding both levels (``产出指标-数量指标``, ``效益/社会效益``, ``【产出-质量】``)
    → (canonical level1, canonical level2); None for anything else."""
    m = _CATEGORY_PAIR.match(strip_annotation(text))
    if not m:
        return None
    l1 = LEVEL1_CANON.get(m.group("l1"))
    l2_key = m.group("l2")
    if l1 is None or l2_key in _LEVEL1_ONLY:
        return None
    base = l2_key[:-2] if l2_key.endswith("指标") else l2_key
    l2 = LEVEL2_CANON.get(base)
    if l2 is None and l2_key.endswith("指标") and 3 <= len(l2_key) <= 12:
        l2 = l2_key  # a non-standard 二级 the source states (效果指标) is kept as stated
    return (l1, l2) if l2 else None


@lru_cache(maxsize=16384)
def canon_level1(text: str) -> str | None:
    """``产出`` / ``预期产出指标`` / ``成本指标(0-20)分`` → canonical level1, else None."""
    key = strip_annotation(text)
    found = LEVEL1_CANON.get(key)
    if found is None and len(key) >= 5:
        pair = split_category(key)
        return pair[0] if pair else None
    return found


#: Level1 labels that are never a level2 (成本指标 and 效果指标 can be either).
_LEVEL1_ONLY = frozenset({"产出", "产出指标", "预期产出指标", "效益", "效益指标", "预期效果指标"})


@lru_cache(maxsize=16384)
def canon_level2(text: str) -> str | None:
    """``数量指标 (必填硬性指标)`` → ``数量指标``; a stated non-standard ``…指标`` is kept."""
    key = strip_annotation(text)
    if not key or key in _LEVEL1_ONLY:
        return None
    if len(key) >= 5:
        pair = split_category(key)
        if pair:
            return pair[1]
    base = key[:-2] if key.endswith("指标") else key
    if base in LEVEL2_CANON:
        return LEVEL2_CANON[base]
    if (
        key.endswith("指标")
        and 3 <= len(key) <= 12
        and _STATED_WORDS.match(key)
        and column_role(key) is None
    ):  # a stated level is words (效果指标), never a sign or number before 指标 (%指标)
        return key
    return None


_STATED_WORDS = re.compile(r"^[\u3400-\u9fff（）()、]+$")

#: Bare level2 words that are also common indicator names, so a cell holding only them is a name.
_AMBIGUOUS_LEVEL2 = {"满意度", "服务对象满意度"}


@lru_cache(maxsize=16384)
def looks_like_level2(text: str) -> bool:
    """True for a cell that can only be a level2 label (not a level1 label, not a name)."""
    key = strip_annotation(text)
    if key in LEVEL1_CANON or key in _AMBIGUOUS_LEVEL2:
        return False
    return canon_level2(text) is not None


# ---------------------------------------------------------------- column headings
#: Column heading → role. Matched on the heading with whitespace removed.
COLUMN_HEADINGS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^(绩效指标|绩效目标|指标名称及内容)(（.*）|\(.*\))?$"), "lead"),
    # 指标类别 holds the 一级 or both levels in one cell (``产出指标-数量指标``)
    (re.compile(r"^(一级(指标)?(名称)?|指标类别|绩效指标类别|指标分类|指标层级)$"), "level1"),
    (re.compile(r"^二级(指标)?(名称)?$"), "level2"),
    (
        re.compile(
            r"^(三级(指标)?|指标|指标名称|绩效指标名称|级指标|具体指标|三级指标名称|三级指标内容|"
            r"考核指标|评价指标|指标项|指标项目)$"
        ),
        "name",
    ),
    (
        re.compile(
            r"^(指标值|目标值|计划指标值|指标目标值|年度指标值|预期目标值|计划水平|指标值（或计划水平）|"
            r"指标值\(或计划水平\)|计划指标值（或计划水平）|计划指标值\(或计划水平\)|预期2\d{3}年实现值|"
            r"年度目标值|绩效目标值|标准值|全年指标值|全年目标值|本年目标值|本年指标值|本年度目标值|"
            r"本年度指标值|当年目标值|当年指标值|年度计划值|年度预期目标值|年度预期指标值|预期指标值|"
            r"预期值|目标指标值|(20\d{2}年度?)?(目标|指标|计划)值)$"
        ),
        "value",
    ),
    (
        re.compile(
            r"^(指标权重|权重|权重[（(]?%?[）)]?|分值|指标分值|权重分值|权重值|标准分值|分数|赋分|"
            r"满分值|指标分数)$"
        ),
        "weight",
    ),
    (re.compile(r"^(计量单位|度量单位|单位|指标单位|指标值单位|计量单位名称)$"), "unit"),
    (
        re.compile(
            r"^(指标性质|计算符号|符号|指标方向|运算符|比较符|运算符号|比较方式|比较符号|"
            r"运算方式|关系符号|指标值方向)$"
        ),
        "operator",
    ),
    (re.compile(r"^(指标值类型|指标类型|定量/定性|性质|定性/定量|指标属性)$"), "value_type"),
    (
        # Columns that explain a row, never part of it (and a prior-year value beside the target).
        re.compile(
            r"^(指标解释|指标说明|绩效指标描述|指标内容|指标值内容|备注|评\(扣\)分标准|评（扣）分标准|"
            r"指标标准或依据|评分标准|评分规则|评分方法|计分方法|扣分标准|考核标准|评价标准|"
            r"考核方式|考核方法|评价方法|数据来源|数据来源及方式|指标来源|佐证材料|佐证资料|"
            r"证明材料|指标值设定依据|指标值设定依据及数据来源|指标值确定依据|设定依据|"
            r"上年实际值|上年完成值|上年指标值|上年实际完成值|上年度实际完成值|上年度完成值|"
            r"基期值|现状值|历史值|历史标准值|上年度指标值|指标值说明|计分规则|评分细则|计分标准)$"
        ),
        "note",
    ),
    (
        # What was achieved and how it scored (执行监控, 自评): beside the target, never it.
        re.compile(
            r"^((全年|年度|本年|当年|上半年|\d{1,2}[-－~至]\d{1,2}月|(20\d{2}年度?)?)"
            r"(实际)?(完成|实现|执行)(值|情况|指标值|进度)|实际(完成)?(值|指标值|完成情况)|"
            r"(自评|实际|评价)?得分|自评分|评分|偏差(原因|原因分析|分析)(及改进措施)?|"
            r"未(达到|完成|达成)(指标值|目标值|目标)?(的)?原因(分析)?|改进措施)$"
        ),
        "note",
    ),
    (re.compile(r"^(序号|编号|行次)$"), "seq"),
]
#: Headings that name the indicators only when the row has no 三级/指标名称 heading of its own
#: (``一级指标 | 二级指标 | 绩效指标 | 指标值``, ``… | 指标内容 | 年度目标值``).
NAME_FALLBACK_HEADINGS = re.compile(r"^(绩效指标|指标内容|三级指标内容|绩效指标内容)$")
#: A unit or note in brackets after a heading: ``指标值（%）``, ``权重(%)``, ``分值（分）``.
_HEADING_NOTE = re.compile(r"[（(][^（）()]{1,8}[）)]$")


@lru_cache(maxsize=16384)
def column_role(heading: str) -> str | None:
    """The role of a table column from its heading, or None when not a known heading."""
    key = _WS.sub("", heading)
    for variant in (key, _HEADING_NOTE.sub("", key)):
        for pattern, role in COLUMN_HEADINGS:
            if pattern.match(variant):
                return role
    return None


# ---------------------------------------------------------------- header labels
#: Header label → form field. Matched on the label with whitespace removed, whole cell.
HEADER_LABELS: list[tuple[re.Pattern[str], str]] = [
    (
        re.compile(
            r"^(专项资金名称|项目名称|项目\(专项\)名称|项目（专项）名称|专项名称|资金名称)[:：]?$"
        ),
        "project_name",
    ),
    (
        re.compile(
            r"^(业务主管部门|部门|主管部门|主管部门及代码|项目主管部门|主管单位|部门名称|预算部门|单位名称|主管部门名称|主管单位名称|部门（单位）名称|部门\(单位\)名称)[:：]?$"
        ),
        "department",
    ),
    (
        re.compile(
            r"^(实施单位|项目实施单位|实施单位及代码|具体实施单位|实施单位名称|项目执行单位|执行单位)[:：]?$"
        ),
        "implementing_unit",
    ),
    (
        re.compile(
            r"^(项目负责人|联系电话|联系人|项目经办人|经办人|项目经办人电话|填报日期|填报人|"
            r"项目责任人|项目责任人\(签字\)|单位\(盖章\)|预算执行率权重|"
            r"序号)[:：]?$"
        ),
        "ignored",
    ),
    (re.compile(r"^编制单位[:：]?$"), "compiling_unit"),
    (
        re.compile(r"^(部门预算编码|预算编码|部门编码|单位编码|预算单位编码|部门代码)[:：]?$"),
        "department_code",
    ),
    (re.compile(r"^(\d{4})年(预算|预算数|预算金额)[:：]?$"), "budget_year_total"),
    (
        re.compile(
            r"^(资金总额|年度资金总额|项目资金总额|部门支出预算总量|预算总额|项目总金额|项目预算|"
            r"预算金额|年度预算|当年预算|资金总额（万）|资金总额\(万\)|资金总额（万元）|资金总额\(万元\)|"
            r"年度资金总额（万元）|部门支出预算总量（万元）|部门支出预算总量\(万元\)|项目资金|"
            r"项目金额|预算数|年度预算数|资金情况|年度资金|部门预算总额|年度预算总额|总额)"
            r"([（(]万元?[）)])?[:：]?$"
        ),
        "budget_total",
    ),
    (
        re.compile(r"^(中期资金总额|中期资金|中期预算|中期预算总额|中期市财政预算)$"),
        "budget_midterm",
    ),
    # The project's whole-life amount: the budget only when no annual amount is printed.
    (
        re.compile(
            r"^(项目总额|项目总预算|项目总投资|总投资|项目总资金|项目资金总额（全周期）)"
            r"([（(]万元?[）)])?[:：]?$"
        ),
        "budget_lifetime",
    ),
    (re.compile(r"^(项目属性|项目类型)[:：]?$"), "project_attribute"),
    (
        re.compile(r"^(项目起始时间|项目开始时间|起始时间|开始时间|项目起始年度)[:：]?$"),
        "period_start",
    ),
    (
        re.compile(r"^(项目终止时间|项目结束时间|终止时间|结束时间|项目终止年度)[:：]?$"),
        "period_end",
    ),
    (
        # A range printed under one of these (``202101-202112``) is split into start and end.
        re.compile(
            r"^(项目期|项目周期|实施期限|项目期限|执行期限|项目起止时间|起止时间|项目起止日期|"
            r"起止日期|建设周期|建设期限|实施周期|项目实施周期|项目实施期限|执行周期|起止年限|"
            r"项目起止年限|实施年限|项目实施期)[:：]?$"
        ),
        "duration",
    ),
    (
        re.compile(
            r"^(项目概况|项目简介|项目基本情况|项目内容|项目主要内容|项目概况及立项依据|"
            r"项目总体概况|项目总体情况|项目概述)[:：]?$"
        ),
        "overview",
    ),
    (re.compile(r"^(立项依据|项目立项依据|设立依据|政策依据|项目审批|审批依据)[:：]?$"), "basis"),
    (
        re.compile(
            r"^(当年绩效目标|当年整体绩效目标|项目当年绩效目标?|年度总体目标|年度绩效目标|"
            r"整体目标|当年目标|年度目标|绩效目标|部门整体绩效目标|项目绩效目标|"
            r"年度整体绩效目标|年度总体绩效目标|项目年度绩效目标|项目年度目标|"
            r"部门年度绩效目标|年度主要目标和成果|年度主要目标|年度主要绩效目标)[:：]?$"
        ),
        "annual_goal",
    ),
]
#: Labels of budget sub-amounts (budget_breakdown keys); ``其中:`` is dropped.
BREAKDOWN_LABEL = re.compile(
    r"^(财政拨款数?|其他资金|其它资金|区级支出|补助街镇|本级财政资金|上级补助|上级资金|自筹资金|"
    r"中央资金|省级资金|市级资金|县级资金|区级资金|本级资金|财政资金|专项资金|一般公共预算|"
    r"政府性基金|单位自有资金|中央财政资金|省级财政资金|市级财政资金|县级财政资金|当年财政拨款|"
    r"上年结转|基本支出|项目支出)$"
)
#: Labels that name a goal other than the annual one (used only when no annual goal is printed).
OTHER_GOALS = re.compile(r"^(中期目标|项目总体目标|总体目标|长期目标|项目中期目标|中期滚动目标)$")
#: Budget labels worded freely: ``本年度申请市财政预算资金`` (the year's amount, not 中期).
BUDGET_PHRASE = re.compile(
    r"^(本年度|年度|当年|本年|本次下达|下达)\S{0,12}(预算|资金|金额|投资)(总额|资金|数)?$"
)
_LABEL_NOISE = re.compile(r"[（(][^（）()]{0,20}[）)]|^\d+[.、．]|^[一二三四五六七八九十]+[、.．]")


def label_key(label: str) -> str:
    """A label with blanks, trailing colon and bracketed notes removed: ``总 体 目 标`` → ``总体目标``."""
    key = _WS.sub("", label).rstrip(":：")
    return key


def _label_variants(label: str) -> list[str]:
    key = label_key(label)
    bare = _LABEL_NOISE.sub("", key).rstrip(":：")
    return [key, bare] if bare != key else [key]


@lru_cache(maxsize=16384)
def header_field(label: str) -> str | None:
    """The form field a header label names, or None."""
    for key in _label_variants(label):
        for pattern, name in HEADER_LABELS:
            if pattern.match(key):
                return name
        if OTHER_GOALS.match(key):
            return "other_goal"
        if BUDGET_PHRASE.match(key):
            return "budget_total"
    return None


@lru_cache(maxsize=16384)
def breakdown_key(label: str) -> str | None:
    """``其中: 财政拨款`` → ``财政拨款``; any ``其中：X`` is a sub-amount; None otherwise."""
    key = label_key(label)
    m = re.match(r"^其中[:：]?(.+)$", key)
    if m:
        inner = _LABEL_NOISE.sub("", m.group(1))
        return inner if 2 <= len(inner) <= 16 and not re.search(r"\d{2}", inner) else None
    for variant in _label_variants(label):
        if BREAKDOWN_LABEL.match(variant):
            return variant
    return None


#: A form's title: a line that names a 绩效目标表 (申报表, 批复表, 审批表 …).
#: Header fields whose value is a sentence (a goal, an overview): joined when it runs on.
LONG_FIELDS: frozenset[str] = frozenset({"annual_goal", "other_goal", "overview", "basis"})
#: A year line under a title: ``(2023年度)``, ``（2023年``, ``2023年度）``.
YEAR_LINE = re.compile(r"^(?:[（(]\s*(\d{4})\s*年度?\s*[)）]?|(\d{4})\s*年度?\s*[)）])$")
#: A cell that is one amount (``65``, ``1,256.38``, ``120万元``): what a budget label takes.
AMOUNT_CELL = re.compile(r"^[-+]?\d[\d,，]*(\.\d+)?(万元|万|元)?$")
#: A budget cell that carries its breakdown after the total (``120；其中：财政拨款120``,
#: ``120万元(其中:中央资金100万元…)``): the total is the budget, the rest its breakdown.
AMOUNT_WITH_BREAKDOWN = re.compile(
    r"^[-+]?\d[\d,，]*(\.\d+)?(万元|万|元)?[（(]?(?:[;；,，]?其中|[;；,，](?=\D))"
)


#: A subtotal or total row's first cell (``小计``, ``合计:``, ``产出指标小计``, ``部门合计``): a sum
#: over the rows above, not an indicator.
TOTAL_ROW = re.compile(
    r"^(?:[\u4e00-\u9fff]{2,8}指标|部门|单位|项目|本页|权重)?(?:小计|合计|总计|共计)[:：]?$"
)


def budget_cell(text: str) -> bool:
    """A cell that can answer a budget label: an amount, or an amount and its breakdown."""
    return bool(AMOUNT_CELL.match(text) or AMOUNT_WITH_BREAKDOWN.match(text))


TITLE = re.compile(r"^[^\t|]{0,60}?(绩效目标(申报|批复|审批|审核)?表|绩效目标表公开)[^\t|]{0,20}$")
