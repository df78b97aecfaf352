"""The reviewer's vocabulary (``review-rules.md`` §4 canonical levels, §5 lexicon).

Rules never match words inline: every keyword list lives here so that a reviewer can read the
whole vocabulary in one place and a regional variant changes data, not code. Matching is plain
substring search on a name with whitespace removed; the order of ``KEYWORD_CLASSES`` is the
§5.2 matching order (满意度 first, then rate and time words, then counts, then effects).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Literal

Polarity = Literal["up", "down"]

# --------------------------------------------------------------------------- canonical levels

OUTPUT = "产出指标"
EFFECT = "效益指标"
SATISFACTION = "满意度指标"
COST = "成本指标"

LEVEL1: tuple[str, ...] = (OUTPUT, EFFECT, SATISFACTION, COST)

#: Allowed level2 per level1 (§4). 成本指标 sits under 产出 in 88号 templates and is its own
#: level1 with 经济/社会/生态环境成本 in the 101号 framework.
LEVEL2_PARENTS: dict[str, tuple[str, ...]] = {
    OUTPUT: ("数量指标", "质量指标", "时效指标", "成本指标"),
    COST: ("经济成本指标", "社会成本指标", "生态环境成本指标"),
    EFFECT: ("经济效益指标", "社会效益指标", "生态效益指标", "可持续影响指标"),
    SATISFACTION: ("服务对象满意度指标",),
}

#: Level2 names a form may state that no framework defines.
NONSTANDARD_LEVEL2: tuple[str, ...] = ("效果指标", "可持续发展指标")

#: Which level1 a canonical level2 belongs to (for inference).
LEVEL2_TO_LEVEL1: dict[str, str] = {
    l2: l1 for l1, children in LEVEL2_PARENTS.items() for l2 in children
}

COST_LEVEL2: frozenset[str] = frozenset({"成本指标", "经济成本指标"})

# --------------------------------------------------------------------------- §5.2 keyword classes

#: Keyword → level2, checked in this order. The first class with a hit wins.
KEYWORD_CLASSES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("服务对象满意度指标", ("满意度", "满意率")),
    (
        "时效指标",
        ("及时率", "及时完成", "时效", "按时", "按期", "时限", "响应时间", "完成时间", "时间"),
    ),
    (
        "质量指标",
        (
            "合格率",
            "达标率",
            "完好率",
            "正常运行",
            "可用率",
            "准确率",
            "合规",
            "办结率",
            "办理率",
            "整改率",
            "完成率",
            "成活率",
            "故障率",
            "出错率",
            "差错率",
        ),
    ),
    ("成本指标", ("成本", "费用", "经费", "资金", "金额", "单价", "费")),
    (
        "数量指标",
        ("次数", "场次", "人数", "人次", "天数", "数量", "个数", "面积", "长度", "期数", "份数"),
    ),
    (
        "社会效益指标",
        (
            "知晓率",
            "覆盖率",
            "受益",
            "化解率",
            "稳控率",
            "事故",
            "发生率",
            "投诉",
            "访问量",
            "群众",
            "社会",
        ),
    ),
    (
        "经济效益指标",
        ("增收", "收入", "节约", "税收", "产值", "GDP", "招商", "经济"),
    ),
    (
        "生态效益指标",
        ("绿化", "森林", "空气", "水质", "排放", "能耗", "污水", "垃圾", "生态", "环境"),
    ),
    ("可持续影响指标", ("长效", "机制", "持续", "年限", "制度", "可持续")),
)

#: Phrases that carry an effect keyword but are not that effect (办公环境 is not ecology).
KEYWORD_EXCLUSIONS: dict[str, tuple[str, ...]] = {
    "生态效益指标": ("办公环境", "会议环境", "营商环境", "办公条件"),
}

#: A name ending in one of these counts something (used when no keyword matched).
COUNT_SUFFIXES: tuple[str, ...] = ("数", "量", "次", "篇", "件", "场", "期", "份")

MONEY_UNITS: tuple[str, ...] = ("万元", "元", "亿元")
COUNT_UNITS: frozenset[str] = frozenset(
    {"次", "件次", "人次", "件", "人", "个", "场", "场次", "期", "篇", "份", "条", "项", "起"}
)
PERCENT_UNITS: frozenset[str] = frozenset({"%", "％", "百分比"})

# --------------------------------------------------------------------------- §4/§5.1 polarity

#: Lower is better (use ≤, or =0).
DOWN_WORDS: tuple[str, ...] = (
    "故障率",
    "事故",
    "发生率",
    "出错率",
    "差错率",
    "投诉",
    "死亡",
    "成本",
    "费用",
    "响应时间",
    "处理时间",
    "时限",
    "排名",
    "能耗",
)
#: Higher is better (use ≥).
UP_WORDS: tuple[str, ...] = (
    "满意度",
    "合格率",
    "完成率",
    "覆盖率",
    "知晓率",
    "及时率",
    "达标率",
    "正常运行率",
    "成活率",
)
#: Words that turn a lower-is-better quantity into a saving (节约办公成本 ≥, 能耗下降率 ≥).
SAVING_WORDS: tuple[str, ...] = ("节约", "节省", "节支", "降低", "减少", "下降", "压缩")
#: Money that is an income or a lever, where ≥ is right (新增税收, 招商引资到位资金).
INCOME_WORDS: tuple[str, ...] = ("增收", "收入", "税收", "产值", "引资", "撬动", "带动")

# --------------------------------------------------------------------------- §5.3 vague words

DEGREE_ADVERBS: tuple[str, ...] = (
    "明显",
    "显著",
    "大幅",
    "较大",
    "有所提升",
    "有所提高",
    "有所改善",
    "进一步",
    "逐步",
    "不断",
    "持续",
    "稳步",
    "基本",
    "充分",
    "全面",
    "切实",
)
EVALUATIVE_ADJECTIVES: tuple[str, ...] = (
    "优",
    "良好",
    "较好",
    "健全",
    "完善",
    "有效",
    "高效",
    "规范",
    "稳定",
    "合理",
    "及时",
    "干净整洁",
    "美好",
)
VERB_ONLY_EFFECTS: tuple[str, ...] = (
    "提升",
    "改善",
    "增强",
    "加强",
    "促进",
    "保障",
    "保证",
    "确保",
)
VAGUE_WORDS: tuple[str, ...] = DEGREE_ADVERBS + EVALUATIVE_ADJECTIVES + VERB_ONLY_EFFECTS

#: Vague words searched inside free text (goals). A lone 优 is left out: in running text it is
#: almost always part of a word (优化, 优质), not a grade.
GOAL_VAGUE_WORDS: tuple[str, ...] = tuple(w for w in VAGUE_WORDS if w != "优")

#: Whole qualitative values that are vague (§5.3 and the seeds: 优, 明显, 健全, 有所提升 …).
VAGUE_VALUES: frozenset[str] = frozenset(
    {
        "优",
        "良",
        "好",
        "良好",
        "较好",
        "明显",
        "显著",
        "健全",
        "完善",
        "有效",
        "高效",
        "规范",
        "稳定",
        "合理",
        "及时",
        "提升",
        "提高",
        "改善",
        "增强",
        "有所提升",
        "有所提高",
        "较高",
        "程度较高",
        "及时支出",
        "高中低",
        "持续影响",
        "有所减轻",
        "持续改善",
        "有所改善",
        "有所增强",
        "逐步提高",
        "逐步提升",
        "逐步完善",
        "进一步提高",
        "进一步提升",
        "进一步完善",
        "不断提高",
        "稳步提升",
        "干净整洁",
        "美好",
        "达标",
        "达到",
        "是",
    }
)

#: A vague effect dressed in a small number (pseudo_quantification trigger).
PSEUDO_WORDS: tuple[str, ...] = ("提高", "提升", "改善", "形象", "幸福感", "有所")

# --------------------------------------------------------------------------- rule word lists

#: process_indicator: budget execution is scored separately (10 points), not as a row.
PROCESS_WORDS: tuple[str, ...] = (
    "预算执行率",
    "执行率",
    "资金到位",
    "经费到位",
    "资金使用率",
    "经费使用率",
    "支出进度",
    "完成支出",
    "拨付率",
    "支付率",
    "投资完成率",
)
#: ``到位率`` is about money only with one of these (``"两个责任"落实到位率`` is not).
MONEY_CONTEXT: tuple[str, ...] = ("资金", "经费", "投资", "款", "预算")
#: The row that makes a table total 100 instead of 90.
BUDGET_EXEC_WORDS: tuple[str, ...] = ("预算执行率",)

#: input_as_output: resources, not results.
INPUT_WORDS: tuple[str, ...] = (
    # the unit's own people
    "在编",
    "在职人员",
    "职工人数",
    "退休",
    "劳务派遣人",
    "劳务派遣驾驶员",
    "临聘",
    "聘用",
    "公益性岗位",
    "清洁工人数",
    "保洁人数",
    "出差人",
    # their pay
    "绩效奖",
    "文明奖",
    "应休未休",
    "工资福利",
    # premises and money
    "办公楼",
    "经费",
    "金额",
    "资金",
)
#: Consumables bought are inputs (``购买标准试剂 ≥100个``); equipment bought may be the output.
INPUT_PURCHASES: tuple[str, ...] = ("试剂", "耗材", "办公用品", "燃油", "油料", "原材料")
PURCHASE_VERBS: tuple[str, ...] = ("购买", "采购", "购置")

#: goal_boilerplate: compliance phrases that name no output.
BOILERPLATE_PHRASES: tuple[str, ...] = ("八项规定", "过紧日子", "只减不增", "合理合规使用")

#: year_mismatch: words that make an earlier year legitimate (a yearbook records last year).
PAST_REFERENCE_WORDS: tuple[str, ...] = ("年鉴", "保存", "记录", "回顾", "历史", "总结")

#: Names that measure the unit's own staff rather than service recipients.
INTERNAL_SATISFACTION_WORDS: tuple[str, ...] = (
    "职工满意度",
    "干部满意度",
    "员工满意度",
    "干警满意度",
    "教职工满意度",
    "本单位人员满意度",
)

#: vague_target's [LLM] part made deterministic: a goal that only lists duties (负责…、承办…).
DUTY_WORDS: tuple[str, ...] = ("负责", "承担", "承办", "组织协调", "协助", "履行", "职能职责")

#: Measure words: a name without any of these probably names an activity (LLM pre-filter).
MEASURE_WORDS: tuple[str, ...] = (
    "数",
    "率",
    "次",
    "量",
    "度",
    "时间",
    "面积",
    "人数",
    "时限",
    "时效",
    "金额",
    "成本",
    "费",
)

# --------------------------------------------------------------------------- helpers

_WS = re.compile(r"\s+")

#: The text helpers below are pure functions of one string, called for the same cell by many
#: rules (a name is stripped about 17 times per indicator): each result is kept for the run.
_CACHE = 1 << 16


@lru_cache(maxsize=_CACHE)
def compact(text: str | None) -> str:
    """Text with all whitespace removed (Chinese names never contain spaces)."""
    return _WS.sub("", text or "")


@lru_cache(maxsize=_CACHE)
def keyword_class(name: str | None) -> str | None:
    """The level2 that §5.2 keywords give a name, or None when no keyword matches."""
    n = compact(name)
    if not n:
        return None
    effects = LEVEL2_PARENTS[EFFECT]
    for level2, words in KEYWORD_CLASSES:
        if level2 in effects and n.endswith(("数", "数量", "次数", "人数")):
            return "数量指标"  # 服务群众项目数 counts projects; 群众 does not make it an effect
        if any(w in n for w in words):
            if any(x in n for x in KEYWORD_EXCLUSIONS.get(level2, ())):
                continue
            if level2 == "成本指标" and n.endswith(("率", "性")):
                continue  # 经费使用率, 经费支出合规性: a rate about money is not a cost
            if level2 == "成本指标" and "成本" not in n and not n.endswith(COST_TAILS):
                continue  # 物业费收缴户数: the money word is the object of a count, not a cost
            if level2 == "成本指标" and any(w in n for w in SAVING_WORDS):
                return "经济效益指标"  # 节约办公成本 is a saving, an economic effect
            return level2
    return None


@lru_cache(maxsize=_CACHE)
def is_money_unit(unit: str | None) -> bool:
    """万元, 元, 万元/年 … (a per-person rate such as 元/人 is money too)."""
    u = compact(unit)
    return any(u.startswith(m) for m in MONEY_UNITS)


@lru_cache(maxsize=_CACHE)
def is_percent_unit(unit: str | None) -> bool:
    """%, ％ or 百分比."""
    return compact(unit) in PERCENT_UNITS


@lru_cache(maxsize=_CACHE)
def infer_level2(name: str | None, unit: str | None) -> str | None:
    """Level2 from the name's keywords, then from its unit (money → 成本, count → 数量)."""
    cls = keyword_class(name)
    if cls is not None:
        return cls
    n = compact(name)
    if is_money_unit(unit):
        return "成本指标"
    if compact(unit) in COUNT_UNITS or n.endswith(COUNT_SUFFIXES):
        return "数量指标"
    return None


def infer_level1(level2: str | None) -> str:
    """The level1 of an inferred level2; a row nothing classifies is read as an output."""
    if level2 is None:
        return OUTPUT
    return LEVEL2_TO_LEVEL1.get(level2, OUTPUT)


@lru_cache(maxsize=_CACHE)
def polarity(name: str | None, unit: str | None = None) -> Polarity | None:
    """↑/↓ of a name (§5.1); savings and incomes are ↑ even when they mention 成本/费用."""
    n = compact(name)
    if not n:
        return None
    if any(w in n for w in SAVING_WORDS):
        return "up"
    if any(w in n for w in UP_WORDS):
        return "up"
    if any(w in n for w in DOWN_WORDS):
        return "down"
    if is_money_unit(unit):
        return "up" if any(w in n for w in INCOME_WORDS) else "down"
    return None


def is_vague_value(value: object) -> bool:
    """A qualitative target that says nothing measurable (优, 明显, 有所提升 …)."""
    if not isinstance(value, str):
        return False
    v = compact(value).strip("。.；;")
    if not v:
        return False
    if v in VAGUE_VALUES:
        return True
    return len(v) <= 6 and any(v.startswith(w) or v.endswith(w) for w in DEGREE_ADVERBS)


def vague_words_in(text: str | None) -> list[str]:
    """The vague words of a free text (goal), longest first, without overlaps reported twice."""
    t = compact(text)
    found: list[str] = []
    for w in sorted(GOAL_VAGUE_WORDS, key=len, reverse=True):
        if w in t and not any(w in f for f in found):
            found.append(w)
    return found


# --------------------------------------------------------------------------- template, not content

#: Template placeholders left in a cell: ``(≥**%)``, ``≥**人``, ``****000元``, ``××``.
_PLACEHOLDER = re.compile(
    r"[（(]\s*[≥≤＞＜><=]?\s*[*＊×xX]{2,}\s*[%％‰]?[\u4e00-\u9fff]{0,2}\s*[)）]"
    r"|[≥≤＞＜><=]\s*[*＊×]{2,}\s*[%％‰]?[\u4e00-\u9fff]{0,2}"
    r"|[*＊]{2,}"
)
#: Markers and numbering a template prints before a name: ``★``, a leading ``*``, ``指标3:``.
_MARKERS = re.compile(r"[★☆※]|^\s*[*＊]+|^\s*指标\s*\d+\s*[:：]\s*")


@lru_cache(maxsize=_CACHE)
def strip_template(text: str | None) -> str:
    """A cell with template placeholders, ★/* markers and ``指标N:`` prefixes removed."""
    t = _PLACEHOLDER.sub("", text or "")
    return compact(_MARKERS.sub("", t))


def has_placeholder(text: str | None) -> bool:
    """True when a cell still carries a template placeholder (``**``, ``≥**%``)."""
    return bool(_PLACEHOLDER.search(text or ""))


# --------------------------------------------------------------------------- money words

#: Money nouns a cost indicator's name ends with. Inside a name (物业费收缴户数, 补助资金发放人数)
#: they are the object of a count or rate, not a cost.
COST_TAILS: tuple[str, ...] = (
    "费",
    "费用",
    "经费",
    "资金",
    "金额",
    "单价",
    "标准",
    "支出",
    "总额",
    "投入",
    "开支",
    "控制数",
)

# --------------------------------------------------------------------------- units with 万

#: Scale prefixes of a unit: 万亩 = 10000 亩, 亿元 = 10000 万元.
UNIT_SCALE: tuple[tuple[str, float], ...] = (("亿", 1e8), ("万", 1e4), ("千", 1e3))


def base_quantity(value: float, unit: str | None) -> tuple[float, str]:
    """``(1.2, 万亩)`` → ``(12000, 亩)``; money goes to 万元 (``27132元`` → ``2.7132 万元``)."""
    u = compact(unit)
    if u in ("元", "亿元", "万元"):
        return {"元": value / 1e4, "亿元": value * 1e4, "万元": value}[u], "万元"
    for prefix, scale in UNIT_SCALE:
        if len(u) > 1 and u.startswith(prefix):
            return value * scale, u[len(prefix) :]
    return value, u


# --------------------------------------------------------------------------- judgement rules

#: name_is_activity: an output named by what the unit does, not what results.
ACTIVITY_PREFIXES: tuple[str, ...] = (
    "开展",
    "召开",
    "举办",
    "组织",
    "推进",
    "加强",
    "做好",
    "落实",
    "深入",
    "积极",
    "认真",
    "全力",
    "负责",
    "承办",
    "协调",
    "推动",
)
#: An activity name ending in one of these is an action even with a count unit: 开展…建设(个)
#: says works were started, not delivered (完成…数量).
ACTIVITY_SUFFIXES: tuple[str, ...] = ("工作", "任务", "建设", "工程")
#: With one of these the name already measures something (开展培训次数, 组织培训人次).
ACTIVITY_MEASURES: tuple[str, ...] = (
    "次数",
    "场次",
    "人次",
    "人数",
    "数量",
    "个数",
    "天数",
    "面积",
    "率",
    "时限",
    "时间",
    "成本",
    "满意度",
    "期数",
    "项数",
    "户数",
)

#: An activity noun ending a name (``信访基础业务培训``, ``网络机房管理``): with a unit that does
#: not count the activity's events (件次, 个, %), the row names the work, not its result.
ACTIVITY_NOUNS: tuple[str, ...] = (
    "安保",
    "培训",
    "管理",
    "监管",
    "发布",
    "改造",
    "督查",
    "整治",
    "运维",
    "维护",
    "宣传",
)
#: Units that count an activity's events or people served: ``应急综合演练 ≥2次`` is a result.
EVENT_UNITS: frozenset[str] = frozenset(
    {"次", "场", "场次", "期", "批次", "班", "人", "人次", "户", "家", "天", "小时", "学时", "件"}
    | {"条", "篇", "份"}
)
#: Objects named with no measure: ``OA自动办公系统 =1个/套`` says what exists, not what was done.
OBJECT_NOUNS: tuple[str, ...] = ("系统", "平台")

#: relevance_attribution: outcomes of a whole economy or region no single project moves.
MACRO_OUTCOMES: tuple[str, ...] = (
    "GDP",
    "地区生产总值",
    "生产总值",
    "经济增长",
    "经济发展速度",
    "财政收入增长",
    "全区经济",
    "全县经济",
    "全市经济",
    "区域经济",
    "社会经济发展",
    "经济社会发展",
    "国民经济",
)

#: filler_effect: a verb-only effect on an abstract object (促进X发展, 提升…水平).
FILLER_VERBS: tuple[str, ...] = (
    "促进",
    "推动",
    "推进",
    "提升",
    "提高",
    "增强",
    "改善",
    "助力",
    "带动",
    "保障",
    "维护",
    "加快",
    "优化",
)
FILLER_OBJECTS: tuple[str, ...] = (
    "发展",
    "水平",
    "能力",
    "形象",
    "质量",
    "效率",
    "效能",
    "建设",
    "环境",
    "稳定",
    "作用",
    "意识",
    "氛围",
    "科学化",
    "规范化",
    "公信力",
    "满意度",
    "幸福感",
    "获得感",
    "安全感",
)

#: cost_indicator_weak: a cost row that only restates the budget.
WEAK_COST_NAMES: tuple[str, ...] = (
    "项目总成本",
    "总成本",
    "预算内",
    "预算范围",
    "不超预算",
    "资金总额",
    "项目成本",
    "成本控制",
    "总投入",
    "项目资金",
    "公用经费",
    "建设成本",
)
