"""Rewrite suggestions for vague indicators, and the re-check every suggestion must pass.

Rules-only mode offers one rewrite family per defect (``review-rules.md`` §5.3): satisfaction,
running/quality, compliance, timeliness, activity → result, cleanliness, safety, awareness and
mechanisms; a row that fits none stays qualitative with a graded standard written for its level2.
A target the form does not give is the placeholder ``__`` with where to get it (the rationale
says 按上年实际值核定 …), never a number presented as fact. An effect the project cannot
influence, or a filler effect with nothing to count, is not polished: the suggestion is
``action="drop"`` (删除或替换) with the reason. The LLM path produces the same ``Rewrite`` and
calls the same ``check_rewrite``: a suggestion is kept only when the rule catalogue finds nothing
wrong with it, so a template that still fails is dropped rather than shown.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict

from jixiao.grammar import fmt_number, to_number
from jixiao.review import lexicon as lx
from jixiao.review.profile import Profile, load_profile
from jixiao.review.rules import (
    RULES,
    FormContext,
    activity_name,
    filler_phrase,
    graded_indicators,
    review_form,
    run_rules,
)
from jixiao.schema import Finding, Form, Indicator, Operator

#: Findings that make an indicator "vague" and worth a rewrite.
REWRITE_TRIGGERS: frozenset[str] = frozenset(
    {
        "qualitative_vague",
        "pseudo_quantification",
        "value_missing",
        "satisfaction_threshold",
    }
)
#: Findings after which the row is not rewritten but proposed for removal.
DROP_TRIGGERS: frozenset[str] = frozenset({"relevance_attribution"})

#: The target a rewrite leaves for the unit to fill in (with the source in the rationale).
PLACEHOLDER = "__"


class Rewrite(BaseModel):
    """A replacement indicator: what to measure, the target, and how to grade it if qualitative."""

    model_config = ConfigDict(frozen=True)

    level1: str
    level2: str | None
    name: str
    operator: Operator | None
    value: float | int | str
    unit: str | None
    graded_standard: str | None = None
    #: ``template``, or ``llm:<model>@rewrite_indicator:<version>`` for a model's proposal.
    source: str = "template"
    rationale: str = ""
    #: ``drop``: the row should be removed or replaced, not reworded (the rationale says why).
    action: Literal["replace", "drop"] = "replace"

    def to_indicator(self, weight: float | int | None = None) -> Indicator:
        """The indicator this rewrite stands for, keeping the original row's weight."""
        quantitative = to_number(self.value) is not None and not isinstance(self.value, str)
        return Indicator(
            level1=self.level1,
            level2=self.level2,
            name=self.name,
            name_raw=self.name,
            operator=self.operator,
            value=self.value,
            value_kind="quantitative" if quantitative else "qualitative",
            unit=self.unit,
            weight=weight,
        )

    def display(self) -> str:
        """One line for reports: ``效益指标/社会效益指标 · 名称 ≥95%``."""
        if self.action == "drop":
            return f"建议删除或替换「{self.name}」：{self.rationale}"
        target = f"{self.operator or ''}{fmt_number(self.value)}{self.unit or ''}"
        levels = "/".join(x for x in (self.level1, self.level2) if x)
        return f"{levels} · {self.name} {target}"


# --------------------------------------------------------------------------- re-check


def check_rewrite(
    form: Form, index: int, rewrite: Rewrite, profile: Profile | None = None
) -> list[Finding]:
    """Warnings and errors the catalogue still raises once ``rewrite`` replaces row ``index``.

    Indicator rules are run on the new row; form rules count only when the rewrite introduces a
    code the form did not already have (a rewrite must not, say, remove the form's last 效益).
    """
    profile = profile or load_profile()
    if rewrite.action == "drop":
        return []  # nothing new is proposed, so there is nothing to re-check
    old = form.indicators[index]
    new_ind = _probe(rewrite).to_indicator(old.weight)
    inds = list(form.indicators)  # the rules only read the rows: no copy needed
    inds[index] = new_ind
    new_form = form.model_copy(update={"indicators": inds})
    graded = graded_indicators(new_form)
    if rewrite.graded_standard:
        graded |= {index}
    ctx = FormContext(form=new_form, index=0, profile=profile, batch=(new_form,), graded=graded)
    row_rules = [r for r in RULES.values() if r.scope == "indicator"]
    problems = [
        f for f in run_rules(ctx, row_rules) if f.indicator == index and f.severity != "info"
    ]
    form_rules = [r for r in RULES.values() if r.scope == "form"]
    before_ctx = FormContext(form=form, index=0, profile=profile, batch=(form,))
    before = {f.code for f in run_rules(before_ctx, form_rules)}
    problems += [
        f
        for f in run_rules(FormContext(new_form, 0, profile, (new_form,), graded), form_rules)
        if f.code not in before and f.severity != "info"
    ]
    return problems


def _probe(rewrite: Rewrite) -> Rewrite:
    """The rewrite with a typical number in place of ``__``, so the rules can check the rest."""
    if rewrite.value != PLACEHOLDER:
        return rewrite
    if rewrite.operator in ("≤", "<"):
        value: float = 1.0 if not lx.is_percent_unit(rewrite.unit) else 5.0
    elif lx.is_percent_unit(rewrite.unit):
        value = 90.0
    else:
        value = 1.0
    return rewrite.model_copy(update={"value": value})


# --------------------------------------------------------------------------- which rows


def vague_indicators(
    form: Form, profile: Profile | None = None, findings: Sequence[Finding] | None = None
) -> list[int]:
    """Rows a rewrite should be offered for: vague values, pseudo-quantified effects,
    qualitative rows without a value, and satisfaction targets without a number."""
    found = review_form(form, 0, profile) if findings is None else findings
    out: set[int] = set()
    for f in found:
        if f.indicator is None or f.code not in REWRITE_TRIGGERS:
            continue
        ind = form.indicators[f.indicator]
        if f.code == "value_missing" and ind.value_kind != "qualitative":
            continue
        if f.code == "satisfaction_threshold" and to_number(ind.value) is not None:
            continue
        out.add(f.indicator)
    return sorted(out)


# --------------------------------------------------------------------------- templates

_LEAD_VAGUE = ("有效", "切实", "进一步", "全面", "不断", "持续", "稳步", "逐步", "有所")
_VERBS = ("增强", "提升", "提高", "改善", "促进", "保障", "加强", "优化", "确保", "保证", "维持")
_ENDINGS = ("情况", "程度", "水平", "成效", "效果", "状况", "状态")
_CLAUSE = re.compile(r"[，,；;。]")

NORMALISED_LEVEL2 = {"可持续发展指标": "可持续影响指标"}


def graded_name(name: str) -> str:
    """``提升X效率`` → ``X效率提升情况``: what is judged, not the wish to improve it."""
    n = _CLAUSE.split(lx.compact(name))[0] or lx.compact(name)
    changed = True
    verb = ""
    while changed:
        changed = False
        for w in _LEAD_VAGUE:
            if n.startswith(w) and len(n) > len(w) + 1:
                n, changed = n[len(w) :], True
        for w in _VERBS:
            if n.startswith(w) and len(n) > len(w) + 1:
                n, verb, changed = n[len(w) :], w, True
    n = n.replace("有所", "")
    if n.endswith(_ENDINGS):
        return n
    if n.endswith(_VERBS):
        return f"{n}情况"
    return f"{n}{verb}情况"


#: Graded criteria per level2: what 好 means differs for a quality, an effect, a mechanism.
_GRADE_EVIDENCE: dict[str, tuple[str, str]] = {
    "质量指标": ("全部符合验收标准或规范要求", "验收报告、检查记录"),
    "时效指标": ("全部在计划时间节点内完成", "进度台账、办结记录"),
    "数量指标": ("全部完成计划数量", "台账、名册"),
    "社会效益指标": ("目标人群全部受益、相关问题明显减少并有统计数据", "统计报表、抽样调查"),
    "经济效益指标": ("预期的节约或增收全部实现并可计算金额", "财务数据、统计报表"),
    "生态效益指标": ("环境监测指标全部达到目标", "监测数据"),
    "可持续影响指标": ("形成的设施、机制或成果在项目期后持续运行", "制度文件、运行记录"),
}


def graded_standard(name: str, level2: str | None = None) -> str:
    """Four grades for ``name``; 10号 scores 达成/部分达成/未达成 as 100–80/80–60/60–0%."""
    what, proof = _GRADE_EVIDENCE.get(level2 or "", ("年度目标全部实现", "台账、记录或报告"))
    return (
        f"好：{name}{what}，有{proof}佐证；"
        f"较好：{name}主要目标实现（完成80%及以上），{proof}基本齐全；"
        f"一般：{name}部分实现（完成60%–80%）；"
        f"差：完成不足60%，或无{proof}。"
    )


@dataclass(frozen=True)
class _Theme:
    words: tuple[str, ...]
    build: Callable[[Form, Indicator, str, str | None, Profile], Rewrite | None]
    avoid: tuple[str, ...] = ()


def _effect_level2(l1: str, l2: str | None, default: str) -> str:
    if l1 == lx.EFFECT and l2 in lx.LEVEL2_PARENTS[lx.EFFECT]:
        return l2
    return default


def _base(ind: Indicator) -> str:
    return lx.strip_template(ind.name or ind.name_raw)


def _satisfaction(f: Form, ind: Indicator, l1: str, l2: str | None, p: Profile) -> Rewrite | None:
    name = _base(ind)
    return Rewrite(
        level1=lx.SATISFACTION,
        level2="服务对象满意度指标",
        name=name if "满意度" in name else "服务对象满意度",
        operator="≥",
        value=PLACEHOLDER,
        unit="%",
        rationale=f"满意度以服务对象抽样调查考核；目标值按上年调查结果核定"
        f"（一般不低于{p.satisfaction.minimum:g}%，不写100%）。",
    )


def _running(f: Form, ind: Indicator, l1: str, l2: str | None, p: Profile) -> Rewrite | None:
    if l1 not in (lx.OUTPUT, lx.COST):
        return None
    base = re.sub(r"(情况|程度)$", "", _base(ind))
    base = re.sub(r"(正常运行|正常运转|畅通)$", "", base)
    return Rewrite(
        level1=lx.OUTPUT,
        level2="质量指标",
        name=f"{base}正常运行率",
        operator="≥",
        value=PLACEHOLDER,
        unit="%",
        rationale="运行类目标以正常运行率（可用率）考核，数据取自运维记录；目标值按上年实际值核定。",
    )


_COMPLIANCE_TAIL = re.compile(r"(合规性|规范性|合规|规范|情况|程度)+$")


def _compliance(f: Form, ind: Indicator, l1: str, l2: str | None, p: Profile) -> Rewrite | None:
    if l1 != lx.OUTPUT:
        return None
    base = _COMPLIANCE_TAIL.sub("", _base(ind)) or "资金使用"
    return Rewrite(
        level1=lx.OUTPUT,
        level2="质量指标",
        name=f"{base}合规率",
        operator="=",
        value=100,
        unit="%",
        rationale="合规是底线要求（§5.1：合规率=100%），以审计、检查发现的违规支出笔数考核。",
    )


_TIME_TAIL = re.compile(r"(及时性|及时率|时效性|及时|时效|进度|情况|程度)+$")


def _deadline(form: Form) -> str:
    if form.period_end:
        return str(form.period_end).replace("-", "年", 1).replace("-", "月", 1) + (
            "日" if str(form.period_end).count("-") == 2 else ""
        )
    if form.year:
        return f"{form.year}年12月31日"
    return PLACEHOLDER


def _timeliness(f: Form, ind: Indicator, l1: str, l2: str | None, p: Profile) -> Rewrite | None:
    if l1 != lx.OUTPUT:
        return None
    base = re.sub(r"完成$", "", _TIME_TAIL.sub("", _base(ind))) or "项目"
    deadline = _deadline(f)
    return Rewrite(
        level1=lx.OUTPUT,
        level2="时效指标",
        name=f"{base}完成时间",
        operator="≤",
        value=deadline,
        unit=None,
        rationale="“及时”改为时间节点；"
        + ("节点取自表中的项目期限。" if deadline != PLACEHOLDER else "节点按项目实施计划填写。"),
    )


_ACTIVITY_HEAD = re.compile(r"^(" + "|".join(lx.ACTIVITY_PREFIXES) + r")+")
_ACTIVITY_TAIL = re.compile(r"(工作|任务)$")


def _activity(f: Form, ind: Indicator, l1: str, l2: str | None, p: Profile) -> Rewrite | None:
    if l1 != lx.OUTPUT or not activity_name(_base(ind)):
        return None
    core = _ACTIVITY_TAIL.sub("", _ACTIVITY_HEAD.sub("", _base(ind))) or _base(ind)
    v = to_number(ind.value)
    value: float | int | str = PLACEHOLDER if v is None else v
    return Rewrite(
        level1=lx.OUTPUT,
        level2="数量指标",
        name=f"{core}次数",
        operator="≥",
        value=value,
        unit="次",
        rationale="把“开展/组织…”的工作写成可核验的结果（次数，以通知、记录为证）"
        + ("；次数沿用表中指标值。" if v is not None else "；次数按年度工作计划填写。"),
    )


def _cleanliness(f: Form, ind: Indicator, l1: str, l2: str | None, p: Profile) -> Rewrite | None:
    return Rewrite(
        level1=lx.EFFECT,
        level2=_effect_level2(l1, l2, "社会效益指标"),
        name="辖区环境卫生问题投诉量下降率",
        operator="≥",
        value=PLACEHOLDER,
        unit="%",
        rationale="以投诉量（12345等平台有记录）代替“干净整洁=优”；以上年投诉量为基数核定降幅。",
    )


_ACCIDENT_CONTEXT = ("事故", "安全生产", "安全隐患", "应急", "消防", "危房", "隐患", "维修")


def _safety(f: Form, ind: Indicator, l1: str, l2: str | None, p: Profile) -> Rewrite | None:
    """Zero accidents, where accidents are what the project is about (not an epidemic's 生命安全)."""
    text = lx.compact(f"{_base(ind)} {f.project_name or ''} {f.annual_goal or ''}")
    if not any(w in text for w in _ACCIDENT_CONTEXT):
        return None
    return Rewrite(
        level1=lx.EFFECT,
        level2=_effect_level2(l1, l2, "社会效益指标"),
        name="重大安全责任事故发生起数",
        operator="=",
        value=0,
        unit="起",
        rationale="“保障安全”改为零事故目标（零容忍，不需估计），按事故统计考核。",
    )


def _awareness(f: Form, ind: Indicator, l1: str, l2: str | None, p: Profile) -> Rewrite | None:
    return Rewrite(
        level1=lx.EFFECT,
        level2=_effect_level2(l1, l2, "社会效益指标"),
        name="政策知晓率",
        operator="≥",
        value=PLACEHOLDER,
        unit="%",
        rationale="宣传效果以抽样调查的知晓率考核；目标值按上年调查结果核定。",
    )


def _mechanism(f: Form, ind: Indicator, l1: str, l2: str | None, p: Profile) -> Rewrite | None:
    name = graded_name(ind.name or ind.name_raw)
    return Rewrite(
        level1=lx.EFFECT,
        level2=_effect_level2(l1, l2, "可持续影响指标"),
        name=name,
        operator="=",
        value="好",
        unit=None,
        graded_standard=(
            "好：制度文件已印发，全年按制度运行并有运行记录；"
            "较好：制度已印发，主要环节按制度运行；"
            "一般：制度在起草或试行中；"
            "差：未建立制度。"
        ),
        rationale="机制类目标保留定性，按“已建立并运行/已建立/未建立”分档判定。",
    )


_LOWER_IS_BETTER = ("负担", "发生率", "投诉", "故障", "差错", "出错", "事故")


def _rate(f: Form, ind: Indicator, l1: str, l2: str | None, p: Profile) -> Rewrite | None:
    """``残疾学生家庭负担率 有所减轻`` → ``残疾学生家庭负担率 ≤__%``: a rate stays a rate."""
    name = _base(ind)
    if not name.endswith("率") or "满意" in name:
        return None
    down = any(w in name for w in _LOWER_IS_BETTER) or lx.polarity(name, "%") == "down"
    return Rewrite(
        level1=l1,
        level2=l2,
        name=name,
        operator="≤" if down else "≥",
        value=PLACEHOLDER,
        unit="%",
        rationale="比率类指标保留比率，写明数值目标；目标值按上年实际值核定"
        + ("（应低于上年）。" if down else "（不低于上年）。"),
    )


def _efficiency(f: Form, ind: Indicator, l1: str, l2: str | None, p: Profile) -> Rewrite | None:
    """``提升工作效率 明显`` → ``平均办理时限压缩天数 ≥__天`` (§5.3 example, §5.1 社会效益)."""
    if l1 != lx.EFFECT:
        return None
    return Rewrite(
        level1=lx.EFFECT,
        level2=_effect_level2(l1, l2, "社会效益指标"),
        name="平均办理时限压缩天数",
        operator="≥",
        value=PLACEHOLDER,
        unit="天",
        rationale="“效率提升”改为可统计的办理时限压缩（§5.1 社会效益：办理时限压缩），"
        "以办件系统记录的上年平均办理时限为基数核定。",
    )


_THEMES: tuple[_Theme, ...] = (
    _Theme(("满意",), _satisfaction),
    _Theme(("率",), _rate, avoid=("满意", "效率")),
    _Theme(("效率",), _efficiency, avoid=("满意",)),
    _Theme(("正常运行", "正常运转", "畅通"), _running),
    _Theme(("合规", "规范性"), _compliance),
    _Theme(("及时", "时效", "进度"), _timeliness, avoid=("满意",)),
    _Theme(lx.ACTIVITY_PREFIXES + ("工作",), _activity),
    _Theme(("整洁", "干净", "卫生", "外观", "美好", "市容"), _cleanliness, avoid=("办公", "健康")),
    _Theme(("生命安全", "安全生产", "事故", "安全隐患"), _safety),
    _Theme(("知晓", "宣传"), _awareness, avoid=("次数", "场次", "开展", "组织")),
    _Theme(("机制", "制度"), _mechanism),
)


def _graded(ind: Indicator, l1: str, l2: str | None) -> Rewrite:
    name = graded_name(ind.name or ind.name_raw)
    return Rewrite(
        level1=l1,
        level2=l2,
        name=name,
        operator="=",
        value="好",
        unit=None,
        graded_standard=graded_standard(name, l2),
        rationale=(
            "无合适的量化替代时保留定性，并写明分级标准；自评按达成（好、较好）、"
            "部分达成（一般）、未达成（差）三档计分。"
        ),
    )


#: Perceptions no table measures: a rewrite would invent a survey (公众形象, 幸福感 …).
_PERCEPTIONS = ("形象", "幸福感", "获得感", "安全感", "公信力")


def drop_rewrite(ind: Indicator, l1: str, l2: str | None, why: str) -> Rewrite:
    """删除或替换: the row is not worth rewording (the project cannot move it, nothing to count)."""
    return Rewrite(
        level1=l1,
        level2=l2,
        name=_base(ind),
        operator=None,
        value="—",
        unit=None,
        action="drop",
        rationale=why,
    )


def _drop_reason(form: Form, index: int, profile: Profile) -> str | None:
    """Why row ``index`` should be dropped rather than rewritten, or None."""
    ind = form.indicators[index]
    n = _base(ind)
    macro = [w for w in lx.MACRO_OUTCOMES if w in n]
    if macro:
        return (
            f"「{macro[0]}」不是本项目能影响的结果（88号 相关性）；删除，"
            "或换成本项目直接带来的效益（受益人数、服务覆盖率、办理时限等）。"
        )
    feeling = [w for w in _PERCEPTIONS if w in n]
    if feeling:
        return (
            f"「{feeling[0]}」是主观感受，表中没有基数和调查来源，本项目也无法单独归因；删除，"
            "或换成本项目能统计的效果（受益人数、按时足额发放率、投诉下降等）。"
        )
    found = filler_phrase(n)
    if found and not any(any(w in n for w in t.words) for t in _THEMES):
        return (
            f"“{found[0]}…{found[1]}”是空泛效果，没有可统计的分子分母；删除，"
            "或换成本项目能统计的效果（受益人数、覆盖率、投诉下降等），数据来源写明。"
        )
    return None


def candidate_rewrites(form: Form, index: int, profile: Profile | None = None) -> list[Rewrite]:
    """Template rewrites for one row, most preferred first (quantified before graded)."""
    profile = profile or load_profile()
    ind = form.indicators[index]
    ctx = FormContext(form=form, index=0, profile=profile, batch=(form,))
    l1 = ctx.level1(index) or lx.OUTPUT
    l2 = ctx.level2(index)
    l2 = NORMALISED_LEVEL2.get(l2 or "", l2)
    if l2 is not None and l2 not in lx.LEVEL2_PARENTS.get(l1, ()):
        l2 = None
    why = _drop_reason(form, index, profile) if l1 == lx.EFFECT else None
    if why:
        return [drop_rewrite(ind, l1, l2, why)]
    name = _base(ind)
    out: list[Rewrite] = []
    for theme in _THEMES:
        if any(w in name for w in theme.words) and not any(a in name for a in theme.avoid):
            rw = theme.build(form, ind, l1, l2, profile)
            if rw is not None:
                out.append(rw)
    if l1 != lx.SATISFACTION and "name_truncated" not in ind.flags:
        # A cut name (``政府网站的公众形``) is not reworded into a graded one: it would keep the cut.
        fallback = _graded(ind, l1, l2)
        # The row may sit under the wrong level2 (招商引资成效 under 社会效益): offer the
        # keyword class first, so the suggestion also repairs the classification.
        guess = lx.keyword_class(fallback.name)
        if guess and guess != l2 and guess in lx.LEVEL2_PARENTS.get(l1, ()):
            out.append(
                fallback.model_copy(
                    update={
                        "level2": guess,
                        "graded_standard": graded_standard(fallback.name, guess),
                    }
                )
            )
        out.append(fallback)
    return out


def suggest_rewrite(
    form: Form, indicator_index: int, profile: Profile | None = None
) -> Rewrite | None:
    """The first template rewrite for row ``indicator_index`` that passes the catalogue.

    None when no template passes (the row is then left without a suggestion, never given a
    suggestion that the reviewer itself would flag).
    """
    for rw in candidate_rewrites(form, indicator_index, profile):
        if not check_rewrite(form, indicator_index, rw, profile):
            return rw
    return None


def suggest_rewrites(
    form: Form, profile: Profile | None = None, findings: Sequence[Finding] | None = None
) -> dict[int, Rewrite]:
    """Rewrites for every vague row of a form, keyed by indicator index."""
    out: dict[int, Rewrite] = {}
    for i in vague_indicators(form, profile, findings):
        rw = suggest_rewrite(form, i, profile)
        if rw is not None:
            out[i] = rw
    return out
