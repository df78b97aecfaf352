"""The rule catalogue of ``shared/design/review-rules.md`` §4, one small function per code.

Each rule registers itself with ``@rule(code, severity, …)`` exactly as an extension would, and
yields ``Hit``s; ``review_form`` turns hits into ``Finding``s, applying the profile (disabled
rules, severity overrides). Rules read a form *as filed*: where the parser moved a target out of
the name or found the value cell to be a copy of the weight (``value_suspect``), the filed value
is what the 指标值 column said, because that is what the reviewer is judging.

``basis`` says what decides a finding, and so how it is measured (``eval/bench_review_rules.py``
prints the two groups apart):

- ``program``: a rule a program can check. The catalogue marks its condition [code]: the form's
  cells, numbers and structure decide it, and two careful readers cannot disagree.
- ``judgement``: a rule a careful reviewer applies by reading ([LLM] or [code+LLM] in the
  catalogue, and the judgement rules of issue 18). The check here fires only where a lexicon and
  the form's structure decide, and every finding quotes its evidence from the form; ``--llm``
  is where a model may confirm the rest, grounded in quoted text and re-checked.

Both kinds run in rules-only mode and both are labelled in ``golden/expected/*.review.jsonl``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from typing import Literal

from jixiao.grammar import fmt_number, to_number
from jixiao.review import lexicon as lx
from jixiao.review.profile import Profile, load_profile
from jixiao.schema import Finding, Form, Indicator, Severity

Basis = Literal["program", "judgement"]
Scope = Literal["form", "indicator"]
Number = float | int

SEVERITY_ORDER: dict[str, int] = {"error": 0, "warning": 1, "info": 2}

# --------------------------------------------------------------------------- registry


@dataclass(frozen=True)
class Hit:
    """What a check found; ``severity=None`` means the rule's (or the profile's) severity."""

    message: str
    suggestion: str = ""
    evidence: str = ""
    indicator: int | None = None
    severity: Severity | None = None


@dataclass
class FormContext:
    """A form under review plus what rules share: profile, batch, effective levels."""

    form: Form
    index: int
    profile: Profile
    batch: Sequence[Form] = ()
    graded: frozenset[int] = frozenset()
    levels: list[tuple[str | None, str | None]] = field(default_factory=list)
    #: Level2 (or level1) blocks of the template that hold only blank padding rows.
    empty_blocks: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.levels:
            self.levels = [effective_levels(i) for i in self.form.indicators]

    def level1(self, i: int) -> str | None:
        """Stated level1, else inferred from the name (§5.2)."""
        return self.levels[i][0]

    def level2(self, i: int) -> str | None:
        """Stated level2, else inferred from the name and unit (§5.2)."""
        return self.levels[i][1]


Check = Callable[[FormContext], Iterable[Hit]]


@dataclass(frozen=True)
class Rule:
    """A catalogue entry: code, default severity, scope, the cell it marks, and its check.

    ``basis`` is ``program`` (the catalogue's [code]: cells and numbers decide) or ``judgement``
    (a reading of the text: [LLM]/[code+LLM]); ``optional`` rules run only when a profile
    enables them.
    """

    code: str
    severity: Severity
    title: str
    check: Check
    scope: Scope = "indicator"
    basis: Basis = "program"
    field: str | None = None
    optional: bool = False


RULES: dict[str, Rule] = {}


def rule(
    code: str,
    severity: Severity,
    title: str,
    *,
    scope: Scope = "indicator",
    basis: Basis = "program",
    field: str | None = None,
    optional: bool = False,
) -> Callable[[Check], Check]:
    """Register a check under ``code``; a second registration of a code is a bug."""

    def deco(fn: Check) -> Check:
        if code in RULES:
            raise ValueError(f"review rule {code!r} registered twice")
        RULES[code] = Rule(code, severity, title, fn, scope, basis, field, optional)
        return fn

    return deco


def labelled_codes() -> frozenset[str]:
    """Codes whose findings the golden review labels cover: every rule on by default."""
    return frozenset(c for c, r in RULES.items() if not r.optional)


def program_codes() -> frozenset[str]:
    """Codes of the rules a program can check (``basis == "program"``)."""
    return frozenset(c for c, r in RULES.items() if r.basis == "program")


def judgement_codes() -> frozenset[str]:
    """Codes of the judgement rules (``basis == "judgement"``)."""
    return frozenset(c for c, r in RULES.items() if r.basis == "judgement")


# --------------------------------------------------------------------------- shared helpers

_NUM = re.compile(r"-?\d+(?:\.\d+)?")
_YEAR = re.compile(r"(\d{4})\s*年")
_PUNCT = re.compile(r"[\s，。、；;,.：:！!？?“”\"'‘’（）()【】\[\]《》<>—\-_]+")


@lru_cache(maxsize=1 << 16)
def norm(text: str | None) -> str:
    """Text for equality tests: whitespace and punctuation removed."""
    return _PUNCT.sub("", text or "")


def filed_value(ind: Indicator) -> Number | str | None:
    """What the 指标值 column said: the weight when the parser found the cell to be its copy."""
    if "value_suspect" in ind.flags:
        cell = ind.source.cells.get("value")
        if cell is not None:
            m = _NUM.search(cell.text)
            return float(m.group()) if m else (cell.text.strip() or None)
        if ind.weight is not None:
            return ind.weight
    return ind.value


def filed_number(ind: Indicator) -> float | None:
    """The filed value when it is a number."""
    return to_number(filed_value(ind))


def raw_cell(ind: Indicator, role: str) -> str | None:
    """The raw text of a source cell by role (unit, operator, value …), when the parser kept it."""
    cell = ind.source.cells.get(role)
    return None if cell is None else lx.compact(cell.text)


def effective_levels(ind: Indicator) -> tuple[str | None, str | None]:
    """Stated levels; missing ones inferred from the name (§5.2), consistent with a stated level1."""
    l1, l2 = ind.level1, ind.level2
    if l2 is None:
        guess = lx.infer_level2(ind.name or ind.name_raw, ind.unit)
        if l1 is None or (guess is not None and guess in lx.LEVEL2_PARENTS.get(l1, ())):
            l2 = guess
    if l1 is None:
        l1 = lx.LEVEL2_TO_LEVEL1.get(l2 or "", lx.OUTPUT)
    return l1, l2


def name_of(ind: Indicator) -> str:
    """The name to show and to match on, without template markers (★, ``指标N:``, ``(≥**%)``)."""
    shown = ind.name or ind.name_raw
    return lx.strip_template(shown) or shown


def is_padding_row(ind: Indicator) -> bool:
    """A blank row of the template: no name and no value once placeholders are removed."""
    if lx.strip_template(ind.name or ind.name_raw):
        return False
    v = ind.value
    return v is None or (isinstance(v, str) and not lx.strip_template(v))


def label(ind: Indicator, i: int) -> str:
    """``#3「群众满意度」`` for messages."""
    return f"第{i + 1}项「{name_of(ind)}」"


def _has_weights(form: Form) -> bool:
    return any(i.weight is not None for i in form.indicators)


def _expected_total(form: Form, profile: Profile) -> float:
    if any(any(w in lx.compact(name_of(i)) for w in lx.BUDGET_EXEC_WORDS) for i in form.indicators):
        return 100.0
    return float(profile.weights.expected_total)


# --------------------------------------------------------------------------- goal numbers

_DOC_REF = re.compile(r"[〔\[【(（]\s*\d{4}\s*[〕\]】)）]\s*\d+\s*号")
_NUMBERING = re.compile(
    r"(?:目标|指标)\s*\d+\s*[:：]|(?:^|(?<=[\s；;。，,：:]))\d{1,2}\s*[.、．](?!\d)"
)
_PAREN_NUMBERING = re.compile(r"[（(]\s*\d{1,2}\s*[)）]")
_QUOTED_NUMBER = re.compile(r"[“\"「]\s*\d+\s*[”\"」]")
_YEAR_SPAN = re.compile(r"\d{4}\s*年(?:度)?")
#: Dates and bare years: ``2023—2025``, ``2024.12``, ``12月底``, ``6月30日`` are never targets.
_DATE = re.compile(
    r"(?<!\d)(?:19|20)\d{2}(?:\s*[.．/-]\s*\d{1,2}){0,2}(?![\d.%％万亿元个次人件项])"
    r"|\d{1,2}\s*月(?:\s*\d{1,2}\s*[日号])?(?:底|初|末|中旬|上旬|下旬)?|\d{1,2}\s*[日号](?=前|之前|以前)"
)
_GOAL_NUMBER = re.compile(
    r"(\d+(?:\.\d+)?)\s*(%|％|万元|亿元|元|万亩|亩|万平方米|平方米|㎡|万人次|万人|人次|件次|公里|千米|"
    r"[个次人件座项天场期条篇户栋幢处名家台套所村吨])?"
)
_ZERO_TARGET = re.compile(r"零[\u4e00-\u9fff]+?(?=[^\u4e00-\u9fff]|两个|$)")


@dataclass(frozen=True)
class GoalTarget:
    """A number (or a 零-target) stated in a goal, with its unit when one follows."""

    text: str
    value: float
    unit: str | None
    #: Stated as a floor (``不低于中央投资30%``): an indicator at or above it measures it.
    floor: bool = False


_FLOOR_BEFORE = re.compile(r"(不低于|不少于|至少|超过|高于|达到)\S{0,8}$")
_FLOOR_AFTER = re.compile(r"^\s*(以上|及以上)")


@lru_cache(maxsize=4096)
def _goal_text(goal: str) -> str:
    """A goal with document numbers, numbering, quoted numbers, years and dates blanked."""
    text = _DOC_REF.sub(" ", goal)
    text = _NUMBERING.sub(" ", text)
    text = _PAREN_NUMBERING.sub(" ", text)
    text = _QUOTED_NUMBER.sub(" ", text)
    text = _YEAR_SPAN.sub(" ", text)
    return _DATE.sub(" ", text)


def goal_targets(form: Form) -> list[GoalTarget]:
    """Quantities a goal states, skipping years, the budget, numbering and document numbers."""
    text = _goal_text(form.annual_goal or "")
    out: list[GoalTarget] = []
    for m in _GOAL_NUMBER.finditer(text):
        value, unit = float(m.group(1)), m.group(2)
        budget = form.budget_total
        if budget is not None and abs(value - float(budget)) < 1e-6 and unit in (None, "万元"):
            continue
        floor = bool(
            _FLOOR_BEFORE.search(text[max(0, m.start() - 12) : m.start()])
            or _FLOOR_AFTER.match(text[m.end() :])
        )
        out.append(GoalTarget(m.group(0).strip(), value, unit, floor))
    for m in _ZERO_TARGET.finditer(text):
        out.append(GoalTarget(m.group(0), 0.0, None))
    return out


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-6 * max(1.0, abs(a), abs(b))


def _target_matched(t: GoalTarget, values: Sequence[tuple[float, str | None]]) -> bool:
    """Same number, or the same quantity once 万/亿 and 元/万元 are converted (1.2万亩 = 12000亩)."""
    base, base_unit = lx.base_quantity(t.value, t.unit)
    for v, unit in values:
        if _close(v, t.value):
            return True
        if t.floor and t.unit and unit == t.unit.replace("％", "%") and v >= t.value:
            return True  # 不低于30% measured by ≥32.68%
        vb, vu = lx.base_quantity(v, unit)
        if _close(vb, base) and (not t.unit or not unit or vu == base_unit or t.unit == "元"):
            return True
        if t.unit and t.unit.startswith(("万", "亿")) and not unit and _close(v, base):
            return True
    return False


# =========================================================================== form rules: goal


@rule("goal_missing", "error", "绩效目标缺失", scope="form")
def goal_missing(ctx: FormContext) -> Iterator[Hit]:
    """An empty goal fails 88号 审核·完整性 outright."""
    if not (ctx.form.annual_goal or "").strip():
        yield Hit(
            "未填写当年（年度）绩效目标。",
            "按财预〔2015〕88号完整性要求，写明本年度预期产出和效果，并尽量量化。",
        )


@rule("vague_target", "warning", "绩效目标表述模糊", scope="form")
def vague_target(ctx: FormContext) -> Iterator[Hit]:
    """A goal with vague words and no quantity cannot be checked against results."""
    goal = ctx.form.annual_goal or ""
    if not goal.strip() or goal_targets(ctx.form):
        return
    words = lx.vague_words_in(goal)
    duties = duty_words(goal)
    if not words and not duties:
        return
    why = (
        f"使用「{'、'.join(words[:4])}」等模糊表述"
        if words
        else f"只罗列职责或任务（「{'、'.join(duties[:4])}」），没有写预期产出和效果"
    )
    yield Hit(
        f"绩效目标{why}，除年份和预算金额外没有任何量化目标。",
        "按“细化量化”要求，写明可衡量的产出和效果，如完成数量、达到的比率、时限"
        "（例：“全年完成X项…，覆盖率达到Y%，12月底前完成”）。",
        evidence=goal[:200],
    )


_DO_WELL_WORK = re.compile(r"做好.{1,40}?工作")


def duty_words(goal: str) -> list[str]:
    """The duty phrases of a goal that only restates the unit's duties or tasks.

    ``负责…；承办…``, ``…职能职责`` or ``做好…工作``: two duty words, the word 职能职责, or a
    goal that is one ``做好…工作`` sentence (the catalogue's [LLM] reading of ``vague_target``,
    decided here from the words; a goal with any quantity never gets here).
    """
    g = lx.compact(goal)
    found = [w for w in lx.DUTY_WORDS if w in g]
    count = sum(g.count(w) for w in lx.DUTY_WORDS)
    if "职能职责" in g or count >= 2:
        return found
    m = _DO_WELL_WORK.search(g)
    if m and len(g) <= len(m.group(0)) + 8:
        return [m.group(0)]
    return []


_BOILERPLATE_QUOTES = re.compile(r"[“”\"'‘’「」]")
#: The last batch's project forms by (unit, normalised goal): one pass per batch, not per form
#: (comparing every form with every other made a 5,400-form file's review quadratic).
_GOAL_INDEX: list[tuple[Sequence[Form], int, dict[tuple[str | None, str], list[int]]]] = []


def _unit_of(form: Form) -> str | None:
    return form.department or form.implementing_unit or form.compiling_unit


def _goal_index(batch: Sequence[Form]) -> dict[tuple[str | None, str], list[int]]:
    """Indices of the batch's project forms by (unit, normalised goal), built once a batch."""
    if _GOAL_INDEX and _GOAL_INDEX[0][0] is batch and _GOAL_INDEX[0][1] == len(batch):
        return _GOAL_INDEX[0][2]
    index: dict[tuple[str | None, str], list[int]] = {}
    for j, other in enumerate(batch):
        if other.form_kind == "project":
            index.setdefault((_unit_of(other), norm(other.annual_goal)), []).append(j)
    if len(batch) > 8:  # a file's forms; not the one-form batches of rewrite checks
        _GOAL_INDEX[:] = [(batch, len(batch), index)]
    return index


@rule("goal_boilerplate", "warning", "绩效目标套话或照抄", scope="form")
def goal_boilerplate(ctx: FormContext) -> Iterator[Hit]:
    """Goals copied from the overview, shared across projects, or pure compliance boilerplate."""
    form = ctx.form
    goal = norm(form.annual_goal)
    if not goal:
        return
    reasons: list[str] = []
    if form.overview and norm(form.overview) == goal:
        reasons.append("与项目概况一字不差")
    if form.form_kind == "project":
        unit = _unit_of(form)
        twins = [
            j
            for j in _goal_index(ctx.batch).get((unit, goal), ())
            if j != ctx.index
            and ctx.batch[j].form_kind == "project"
            and _unit_of(ctx.batch[j]) == unit
            and norm(ctx.batch[j].annual_goal) == goal
        ]
        if twins:
            reasons.append(f"与同单位其他项目（第{'、'.join(str(j + 1) for j in twins)}张表）相同")
    plain = _BOILERPLATE_QUOTES.sub("", form.annual_goal or "")
    phrases = [p for p in lx.BOILERPLATE_PHRASES if p in lx.compact(plain)]
    if phrases and not goal_targets(form):
        reasons.append(f"只有「{'、'.join(phrases)}」等合规套话，未写产出")
    if reasons:
        yield Hit(
            f"绩效目标{'；'.join(reasons)}。",
            "绩效目标应针对本项目写明预期产出和效果（指向明确），不要照抄概况或通用要求。",
            evidence=(form.annual_goal or "")[:200],
        )


@rule("goal_indicator_gap", "warning", "目标中的量化值无对应指标", scope="form")
def goal_indicator_gap(ctx: FormContext) -> Iterator[Hit]:
    """Each figure a goal promises should be measured by some indicator (审核·相关性)."""
    targets = goal_targets(ctx.form)
    if not targets:
        return
    values = [(v, i.unit) for i in ctx.form.indicators if (v := filed_number(i)) is not None]
    missing = [t for t in targets if not _target_matched(t, values)]
    if missing:
        shown = "、".join(t.text for t in missing[:6])
        yield Hit(
            f"绩效目标中的「{shown}」在指标值中找不到对应。",
            "为目标中每个量化承诺设置对应指标（指标值与目标一致），或删去无法考核的数字。",
            evidence="；".join(t.text for t in missing),
        )


# =========================================================================== form rules: structure


@rule("missing_level1", "error", "缺少一级指标", scope="form", field="level1")
def missing_level1(ctx: FormContext) -> Iterator[Hit]:
    """产出/效益/满意度 are the 88号 composition; 10号 weights presuppose all three."""
    have = {ctx.level1(i) for i in range(len(ctx.form.indicators))}
    if lx.COST in have:
        have.add(lx.OUTPUT)
    missing = [c for c in (lx.OUTPUT, lx.EFFECT, lx.SATISFACTION) if c not in have]
    if not missing:
        return
    severity: Severity = "error" if {lx.OUTPUT, lx.EFFECT} & set(missing) else "warning"
    yield Hit(
        f"缺少{'、'.join(missing)}（按指标名称推断后仍无）。",
        "按财预〔2015〕88号，绩效指标应包括产出、效益和满意度指标；"
        + ("补充反映项目效果的效益指标（如社会效益、可持续影响）。" if lx.EFFECT in missing else "")
        + ("补充服务对象满意度指标（≥85%–95%）。" if lx.SATISFACTION in missing else ""),
        evidence="、".join(sorted(c for c in have if c)),
        severity=severity,
    )


@rule("missing_required_level2", "error", "缺少必填二级指标", scope="form", field="level2")
def missing_required_level2(ctx: FormContext) -> Iterator[Hit]:
    """Regional templates mark some level2 categories 必填 (Ningxia); the profile lists them."""
    have = {ctx.level2(i) for i in range(len(ctx.form.indicators))}
    req = [c for c in ctx.profile.level2.required if c not in have]
    rec = [c for c in ctx.profile.level2.recommended if c not in have]
    if not req and not rec:
        return
    parts = []
    if req:
        parts.append(f"必填二级指标缺少{'、'.join(req)}")
    if rec:
        parts.append(f"建议设置的{'、'.join(rec)}未设置")
    yield Hit(
        "；".join(parts) + f"（配置：{ctx.profile.name}）。",
        "按本地区申报表要求补齐必填二级指标，每类至少一项可量化指标。",
        evidence="已有：" + "、".join(sorted(c for c in have if c)),
        severity="error" if req else "info",
    )


@rule("missing_cost_indicator", "info", "未设成本指标", scope="form", field="level2")
def missing_cost_indicator(ctx: FormContext) -> Iterator[Hit]:
    """88号 puts 成本 under 产出 and 101号 makes it a level1; a table without it says nothing of cost."""
    for i in range(len(ctx.form.indicators)):
        if ctx.level1(i) == lx.COST or ctx.level2(i) in lx.COST_LEVEL2:
            return
    empty = [b for b in ctx.empty_blocks if b in lx.COST_LEVEL2 or b == lx.COST]
    yield Hit(
        (f"成本指标栏目（{'、'.join(empty)}）只有空行，未填写任何指标。" if empty else "")
        + "没有成本指标（一级“成本指标”或二级“成本指标/经济成本指标”）。",
        "增设成本指标，优先用单位成本（如“人均培训成本≤X元/人”“运维服务费≤X万元/年”），"
        "金额合计不超过预算。",
    )


# =========================================================================== indicator rules: levels


@rule("level_mismatch", "warning", "一二级指标不匹配", field="level2")
def level_mismatch(ctx: FormContext) -> Iterator[Hit]:
    """A level2 outside its level1's canonical children, or one no framework defines."""
    for i, ind in enumerate(ctx.form.indicators):
        l1, l2 = ind.level1, ind.level2
        if not l2:
            continue
        if l2 in lx.NONSTANDARD_LEVEL2:
            why = f"二级指标「{l2}」不是规范名称"
        elif l2 not in lx.LEVEL2_TO_LEVEL1:
            why = f"二级指标「{l2}」不在规范指标体系中"
        elif l1 and l1 in lx.LEVEL2_PARENTS and l2 not in lx.LEVEL2_PARENTS[l1]:
            why = f"「{l2}」不属于一级指标「{l1}」"
        else:
            continue
        allowed = "、".join(lx.LEVEL2_PARENTS.get(l1 or "", ())) or "见规范体系"
        yield Hit(
            f"{label(ind, i)}：{why}。",
            f"改用规范二级指标（{l1 or '该一级指标'}下：{allowed}）。",
            evidence=f"{l1 or '—'} / {l2}",
            indicator=i,
        )


#: Classes the catalogue's misfiling examples are about: rates, times and money stated as
#: counts or effects. Effect-vs-effect guesses (经济 vs 社会) are too weak to raise.
MISFILED_CLASSES = frozenset({"时效指标", "质量指标", "成本指标"})


_DEADLINE_WORDS = ("及时", "按时", "按期", "时限", "响应", "完成时间", "时效")
_DURATION_UNITS = ("天", "日", "小时", "学时", "课时", "周")


def _shortened(name: str) -> bool:
    """``办理时限压缩``, ``办理时间缩短``: a time saved, which §5.1 files as an effect."""
    return any(w in name for w in ("压缩", "缩短", "减少"))


def _duration_quantity(name: str, unit: str | None) -> bool:
    """``培训时间 7天``: a length of time delivered, named with 时间 but no deadline word."""
    n = lx.compact(name)
    return (
        "时间" in n
        and not any(w in n for w in _DEADLINE_WORDS)
        and lx.compact(unit) in _DURATION_UNITS
    )


@rule("misclassified_indicator", "warning", "指标归类可能错误", basis="judgement", field="level2")
def misclassified_indicator(ctx: FormContext) -> Iterator[Hit]:
    """Keyword class (§5.2) differs from the stated level2: a candidate for the LLM to confirm."""
    for i, ind in enumerate(ctx.form.indicators):
        stated = ind.level2
        if not stated or stated not in lx.LEVEL2_TO_LEVEL1:
            continue
        n = name_of(ind)
        guess = lx.infer_level2(n, ind.unit)
        if (
            guess == "数量指标"
            and stated in ("质量指标", "时效指标")
            and lx.keyword_class(n) is None
        ):
            pass  # 实验室仪器维修维护 ≥4次 under 质量: a count, not a quality
        elif guess is None or guess == stated or guess not in MISFILED_CLASSES:
            continue
        if {guess, stated} <= lx.COST_LEVEL2:
            continue
        if guess == "时效指标" and stated == "数量指标" and _duration_quantity(n, ind.unit):
            continue  # 培训时间 7天 is how much training, not a deadline
        if guess == "时效指标" and stated in lx.LEVEL2_PARENTS[lx.EFFECT] and _shortened(n):
            continue  # 办理时限压缩天数: the gain, a 社会效益 in §5.1
        yield Hit(
            f"{label(ind, i)}按名称应属「{guess}」，表中填为「{stated}」。",
            f"核实指标性质；如确属{guess}，调整到对应二级指标下。",
            evidence=f"{ind.level1 or '—'} / {stated}",
            indicator=i,
        )


@rule("input_as_output", "warning", "以投入作为产出", basis="judgement", field="name")
def input_as_output(ctx: FormContext) -> Iterator[Hit]:
    """Headcount, premises or money are inputs; targets must be outputs and effects."""
    for i, ind in enumerate(ctx.form.indicators):
        n = lx.compact(name_of(ind))
        l1, l2 = ctx.level1(i), ctx.level2(i)
        if l1 not in (lx.OUTPUT, None) or n.endswith(("率", "性", "度", "时效", "时间", "时限")):
            continue
        cost_row = l2 in lx.COST_LEVEL2 and ind.operator in ("≤", "<", "=", None)
        money_ge = lx.is_money_unit(ind.unit) and ind.operator in ("≥", ">")
        words = [w for w in lx.INPUT_WORDS if w in n]
        if n.startswith(lx.PURCHASE_VERBS):
            words += [w for w in lx.INPUT_PURCHASES if w in n]
        if cost_row and not money_ge:
            continue
        if not words and not money_ge:
            continue
        yield Hit(
            f"{label(ind, i)}反映的是投入的人员、场地、物资或资金（{words[0] if words else '金额'}），"
            "不是产出。",
            "改为该投入所形成的产出或效果，如服务人次、办结件数、保障的会议场次、设备完好率。",
            evidence=f"{name_of(ind)} {ind.operator or ''}{fmt_number(ind.value)}{ind.unit or ''}",
            indicator=i,
        )


@rule("process_indicator", "warning", "以过程指标作为绩效指标", field="name")
def process_indicator(ctx: FormContext) -> Iterator[Hit]:
    """预算执行率 is scored on its own (10 points); execution/arrival rates are not results."""
    for i, ind in enumerate(ctx.form.indicators):
        n = lx.compact(name_of(ind))
        hits = [w for w in lx.PROCESS_WORDS if w in n]
        if not hits and "到位率" in n and any(w in n for w in lx.MONEY_CONTEXT):
            hits = ["到位率"]
        if hits:
            yield Hit(
                f"{label(ind, i)}是资金执行过程指标（{hits[0]}）。",
                "预算执行率在自评时单独计分（10分），不作为绩效指标；改为资金形成的产出或效果。",
                evidence=name_of(ind),
                indicator=i,
            )


# =========================================================================== weights


@rule("weight_invalid", "error", "权重无效", field="weight")
def weight_invalid(ctx: FormContext) -> Iterator[Hit]:
    """In a weighted template every row needs a positive weight no larger than the total."""
    form = ctx.form
    if not _has_weights(form):
        return
    total = _expected_total(form, ctx.profile)
    for i, ind in enumerate(form.indicators):
        w = ind.weight
        raw = raw_cell(ind, "weight")
        if w is None:
            why = f"权重为空或不是数字（{raw}）" if raw else "权重为空"
        elif w <= 0:
            why = f"权重为{fmt_number(w)}"
        elif w > total:
            why = f"权重{fmt_number(w)}超过合计{fmt_number(total)}"
        else:
            continue
        yield Hit(
            f"{label(ind, i)}{why}。",
            "为每项指标填写大于0的分值，各项合计等于应有总分。",
            evidence=raw or fmt_number(w),
            indicator=i,
        )


@rule("weights_sum", "error", "权重合计不符", scope="form", field="weight")
def weights_sum(ctx: FormContext) -> Iterator[Hit]:
    """Rows total 90 (预算执行率 adds 10 at self-evaluation), or 100 with such a row."""
    form = ctx.form
    if not _has_weights(form):
        return
    total = sum(float(i.weight) for i in form.indicators if i.weight is not None)
    expected = _expected_total(form, ctx.profile)
    if abs(total - expected) > ctx.profile.weights.tolerance:
        yield Hit(
            f"指标权重合计为{fmt_number(total)}，应为{fmt_number(expected)}。",
            f"调整各项分值使合计为{fmt_number(expected)}"
            f"（财预〔2020〕10号：产出、效益、满意度合计90分，预算执行率另计"
            f"{fmt_number(ctx.profile.weights.budget_exec_points)}分）。",
            evidence=" + ".join(
                fmt_number(i.weight) for i in form.indicators if i.weight is not None
            ),
        )


@rule("level1_weight_split", "info", "一级指标权重分配偏离", scope="form", field="weight")
def level1_weight_split(ctx: FormContext) -> Iterator[Hit]:
    """Compare level1 weight shares with 10号's 50/30/10, in percentage points of the total."""
    form = ctx.form
    if not _has_weights(form):
        return
    sums: dict[str, float] = {}
    for i, ind in enumerate(form.indicators):
        if ind.weight is None:
            continue
        l1 = ctx.level1(i) or lx.OUTPUT
        key = lx.OUTPUT if l1 == lx.COST else l1
        sums[key] = sums.get(key, 0.0) + float(ind.weight)
    total = sum(sums.values())
    split = ctx.profile.weights.split
    split_total = sum(split.values())
    if total <= 0 or split_total <= 0:
        return
    share = {k: 100 * sums.get(k, 0.0) / total for k in split}
    target = {k: 100 * v / split_total for k, v in split.items()}
    off = {k: share[k] - target[k] for k in split}
    tol = ctx.profile.weights.split_tolerance
    if all(abs(d) <= tol for d in off.values()):
        return
    sat, eff = share.get(lx.SATISFACTION, 0.0), share.get(lx.EFFECT, 0.0)
    w = ctx.profile.weights
    severity: Severity = (
        "warning" if sat > w.satisfaction_share_max or eff < w.effect_share_min else "info"
    )
    shown = "/".join(fmt_number(round(sums.get(k, 0.0), 2)) for k in split)
    default = "/".join(fmt_number(v) for v in split.values())
    yield Hit(
        f"一级指标权重（{'/'.join(k[:-2] for k in split)}）为{shown}，"
        f"偏离财预〔2020〕10号默认的{default}。",
        "产出、效益为主，满意度一般不超过20%，效益不低于10%；如确需偏离，说明理由。",
        evidence="；".join(f"{k[:-2]} {share[k]:.1f}%（默认{target[k]:.1f}%）" for k in split),
        severity=severity,
    )


# =========================================================================== operators and values

_CATEGORY_WORDS = ("产出", "效益", "满意度")


@rule("operator_invalid", "error", "运算符无效", field="operator")
def operator_invalid(ctx: FormContext) -> Iterator[Hit]:
    """指标性质 must hold ≥ ≤ = > <; a category there leaves the target without a direction."""
    form = ctx.form
    embedded = not _has_weights(form) and not any(
        "operator" in i.source.cells for i in form.indicators
    )
    for i, ind in enumerate(form.indicators):
        cell = raw_cell(ind, "operator")
        if "category_in_operator" in ind.flags and ind.value_kind != "qualitative":
            if cell is not None and cell not in _CATEGORY_WORDS:
                continue
            yield Hit(
                f"{label(ind, i)}的“指标性质”栏填的是类别（{cell or ind.level1 or '产出/效益/满意度'}），"
                "不是运算符。",
                "在指标性质栏填写≥、≤、=、>或<，类别放在一级指标栏。",
                evidence=cell or "",
                indicator=i,
            )
        elif ind.value_kind == "quantitative" and ind.operator is None and ind.value is not None:
            if embedded:
                if ctx.profile.operator.report_missing_embedded:
                    yield Hit(
                        f"{label(ind, i)}未写运算符，按“=”理解。",
                        "在指标值前写明≥、≤或=。",
                        evidence=fmt_number(ind.value),
                        indicator=i,
                        severity="info",
                    )
            else:
                yield Hit(
                    f"{label(ind, i)}缺少运算符。",
                    "在指标性质栏填写≥、≤、=、>或<。",
                    evidence=fmt_number(ind.value),
                    indicator=i,
                )


def _rate_with_wrong_unit(name: str, unit: str | None) -> bool:
    """A name ending in 率/满意度 whose unit is not a percentage (检测及时率 in 工作日)."""
    n = lx.compact(name)
    return (
        bool(unit)
        and n.endswith(("率", "满意度"))
        and not lx.is_percent_unit(unit)
        and lx.compact(unit) != "‰"
    )


@rule("operator_direction", "warning", "运算符方向与指标性质相反", field="operator")
def operator_direction(ctx: FormContext) -> Iterator[Hit]:
    """A lower-is-better measure with ≥ (or the reverse) rewards the wrong result."""
    allowed = ctx.profile.operator.money_ge_allowed
    for i, ind in enumerate(ctx.form.indicators):
        op = ind.operator
        if op is None:
            continue
        n = name_of(ind)
        if _rate_with_wrong_unit(n, ind.unit):
            continue  # 检测及时率 ≤7工作日: unit_mismatch says it; the direction fits the unit
        pol = lx.polarity(n, ind.unit)
        if pol == "down" and op in ("≥", ">"):
            if any(a in n for a in allowed):
                continue
            money = lx.is_money_unit(ind.unit)
            yield Hit(
                f"{label(ind, i)}越低越好，却用“{op}”。"
                + ("金额类成本应设上限。" if money else ""),
                "成本、费用用“≤”（不超过预算或标准）；事故、故障、投诉等用“=0”或“≤”。",
                evidence=f"{n} {op}{fmt_number(ind.value)}{ind.unit or ''}",
                indicator=i,
            )
        elif pol == "up" and op in ("≤", "<"):
            yield Hit(
                f"{label(ind, i)}越高越好，却用“{op}”。",
                "满意度、完成率、合格率、覆盖率等用“≥”。",
                evidence=f"{n} {op}{fmt_number(ind.value)}{ind.unit or ''}",
                indicator=i,
            )


@rule("percent_out_of_range", "error", "百分比超出范围或边界无意义", field="value")
def percent_out_of_range(ctx: FormContext) -> Iterator[Hit]:
    """A % outside 0–100 is impossible; ≥100 or ≤0 can only be met exactly at the edge."""
    for i, ind in enumerate(ctx.form.indicators):
        v = filed_number(ind)
        if v is None or not lx.is_percent_unit(ind.unit):
            continue
        op = ind.operator
        shown = f"{op or ''}{fmt_number(v)}%"
        if v > 100 or v < 0 or (op == ">" and v >= 100) or (op == "<" and v <= 0):
            yield Hit(
                f"{label(ind, i)}的百分比目标{shown}不可能达到。",
                "百分比应在0–100%之间。",
                evidence=shown,
                indicator=i,
            )
        elif (op == "≥" and v == 100) or (op in ("≤", "≥") and v == 0):
            yield Hit(
                f"{label(ind, i)}写作“{shown}”，只能在边界上达成。",
                "写成“=100%”或“=0”，或按历史水平设定可实现的目标（如≥95%）。",
                evidence=shown,
                indicator=i,
                severity="warning",
            )


@rule("value_missing", "error", "指标值缺失", field="value")
def value_missing(ctx: FormContext) -> Iterator[Hit]:
    """A row with no target cannot be scored (88号 细化量化)."""
    for i, ind in enumerate(ctx.form.indicators):
        v = filed_value(ind)
        if v is None or (isinstance(v, str) and not v.strip()):
            if lx.has_placeholder(raw_cell(ind, "value")):
                continue  # ``≤****000元``: masked by the publisher, not left empty
            kind = "定性指标" if ind.value_kind == "qualitative" else "指标"
            yield Hit(
                f"{label(ind, i)}（{kind}）未填写指标值。",
                "填写可考核的目标值；定性指标写明分级标准（好/较好/一般/差）。",
                indicator=i,
            )


@rule("value_equals_weight", "warning", "指标值照抄权重", scope="form", field="value")
def value_equals_weight(ctx: FormContext) -> Iterator[Hit]:
    """Values equal to weights row after row are a copy error, not targets."""
    rows = [i for i in ctx.form.indicators if i.weight is not None]
    same = [
        i
        for i in rows
        if (v := filed_number(i)) is not None and abs(v - float(i.weight or 0)) < 1e-9
    ]
    if len(same) >= 3 and len(same) >= 0.75 * len(rows):
        yield Hit(
            f"{len(same)}/{len(rows)}项指标的指标值与权重相同，指标值栏疑似照抄了权重。",
            "逐项填写真实目标值（如人次、件数、满意度≥90%），权重只放在权重栏。",
            evidence="；".join(
                f"{name_of(i)} 值{fmt_number(filed_value(i))}=权重{fmt_number(i.weight)}"
                for i in same[:5]
            ),
        )


_NAME_YEAR = re.compile(r"\d{4}\s*年(?:度)?")
_NAME_NUMBERING = re.compile(r"^\s*指标\s*\d+\s*[:：]\s*")
_NAME_OPERATOR = re.compile(r"[≥≤＞＜]|大于等于|小于等于|不少于|不低于|不超过")
_NAME_NUMBER = re.compile(
    r"(\d+(?:\.\d+)?)\s*(%|％|‰|万元|元|万人|人次|件次|个工作日|小时|分钟|"
    r"[次人个件天场期条篇项户栋幢处名家台套所起])"
)
_NAME_ZERO = re.compile(r"(?:^|[、，,：:（(])零(?=[\u4e00-\u9fff])")


def embedded_value(text: str) -> tuple[str, float | None] | None:
    """The target a name carries (``满意度90%`` → ("90%", 90), ``零进京上访`` → ("零", 0))."""
    t = _NAME_NUMBERING.sub("", text)
    t = _NAME_YEAR.sub(" ", t)
    m = _NAME_NUMBER.search(t)
    if m:
        return m.group(0), float(m.group(1))
    if _NAME_ZERO.search(lx.compact(t)):
        return "零", 0.0
    m2 = _NAME_OPERATOR.search(t)
    if m2:
        num = _NUM.search(t[m2.end() :])
        return m2.group(0) + (num.group() if num else ""), float(num.group()) if num else None
    return None


@rule("value_in_name", "warning", "指标值写在名称中", field="name")
def value_in_name(ctx: FormContext) -> Iterator[Hit]:
    """A target inside the name is unscorable, and often contradicts the value column."""
    for i, ind in enumerate(ctx.form.indicators):
        raw = ind.name_raw or ind.name or ""
        found = embedded_value(lx.strip_template(raw))
        if found is None:
            continue
        text, number = found
        filed = filed_number(ind)
        conflict = filed is not None and number is not None and abs(filed - number) > 1e-9
        yield Hit(
            f"{label(ind, i)}的名称含目标值「{text}」"
            + (f"，与指标值栏的{fmt_number(filed)}矛盾。" if conflict else "。"),
            "名称只写考核什么，目标值移到指标值栏（运算符、数值、单位分开填写）。",
            evidence=raw,
            indicator=i,
            severity="error" if conflict else None,
        )


# =========================================================================== units

_QUAL_MARKERS = ("定性",)
_COUNT_NAME_ENDINGS = ("次数", "人数", "个数", "天数", "数量", "件数", "场次", "人次")
_COUNT_UNITS_FOR_RATE = ("次", "件次", "人次")
_MONEY_NAME_ENDINGS = ("费", "费用", "成本", "经费", "补助金", "资金")
_TIME_NAME_ENDINGS = ("时间", "时限", "日期")


def _money_or_share(unit: str | None) -> bool:
    """元, 万元/年, 元/人·天, or a % (成本控制率-like shares)."""
    u = lx.compact(unit)
    return lx.is_money_unit(u) or lx.is_percent_unit(u) or "元" in u


@rule("unit_missing", "warning", "缺少计量单位", field="unit")
def unit_missing(ctx: FormContext) -> Iterator[Hit]:
    """A bare number cannot be checked (381 what?) unless the name is a rate."""
    for i, ind in enumerate(ctx.form.indicators):
        if ind.unit or "unit_invalid" in ind.flags:
            continue
        if ind.value_kind != "quantitative" or filed_number(ind) is None:
            continue
        if lx.compact(name_of(ind)).endswith(("率", "度")):
            continue
        if date_serial(ind) is not None:
            continue  # a date typed into Excel (44561 = 2021-12-31): value_plausibility says it
        yield Hit(
            f"{label(ind, i)}的指标值{fmt_number(filed_value(ind))}没有计量单位。",
            "填写计量单位（个、条、次、Mbps、年等）。",
            evidence=f"{name_of(ind)} {ind.operator or ''}{fmt_number(filed_value(ind))}",
            indicator=i,
        )


@rule("unit_mismatch", "warning", "计量单位与指标不符", field="unit")
def unit_mismatch(ctx: FormContext) -> Iterator[Hit]:
    """A rate needs %, a count no %, and the unit cell must hold a unit, not a marker or number."""
    for i, ind in enumerate(ctx.form.indicators):
        n = lx.compact(name_of(ind))
        cell = raw_cell(ind, "unit")
        unit = ind.unit
        why: str | None = None
        if "unit_invalid" in ind.flags or (cell and to_number(cell) is not None):
            why = f"计量单位栏填的是「{cell or '非单位内容'}」"
        elif cell == "定":
            why = "计量单位栏填的是「定」"
        elif cell in _QUAL_MARKERS and ind.value_kind == "quantitative":
            why = "计量单位栏标为定性，指标值却是数值"
        elif cell and ind.value_kind == "qualitative" and cell not in _QUAL_MARKERS:
            why = f"定性指标却填了计量单位「{cell}」"
        elif unit and n.endswith(("率", "满意度")) and not lx.is_percent_unit(unit) and unit != "‰":
            why = f"比率类指标的单位是「{unit}」"
        elif unit and n.endswith(_COUNT_NAME_ENDINGS) and lx.is_percent_unit(unit):
            why = "计数类指标的单位是%"
        elif unit and n.endswith(_MONEY_NAME_ENDINGS) and not _money_or_share(unit):
            why = f"费用类指标的单位是「{unit}」，不是金额单位"
        elif unit and n.endswith(_TIME_NAME_ENDINGS) and lx.is_percent_unit(unit):
            why = "时间类指标的单位是%，应为日期或时长"
        if why:
            yield Hit(
                f"{label(ind, i)}：{why}。",
                "比率、满意度用%；次数、人数用次、人；定性指标不填单位，写明分级标准。",
                evidence=cell if cell is not None else (unit or ""),
                indicator=i,
            )


# =========================================================================== qualitative values


@rule("qualitative_vague", "warning", "定性指标值模糊", field="value")
def qualitative_vague(ctx: FormContext) -> Iterator[Hit]:
    """优/明显/有所提升 without a graded standard cannot be scored in 10号's three bands."""
    for i, ind in enumerate(ctx.form.indicators):
        if i in ctx.graded:
            continue
        v = filed_value(ind)
        if isinstance(v, str) and lx.is_vague_value(v):
            yield Hit(
                f"{label(ind, i)}的目标值「{v}」是模糊表述，且未给出分级标准。",
                "优先换成可量化的替代指标（比率、次数、时限）；必须定性的，写明好/较好/一般/差"
                "各档的判定标准。",
                evidence=f"{name_of(ind)} {ind.operator or ''}{v}",
                indicator=i,
            )


@rule("pseudo_quantification", "warning", "伪量化", basis="judgement", field="value")
def pseudo_quantification(ctx: FormContext) -> Iterator[Hit]:
    """形象提升 ≥2% has a number but no baseline or data source: a vague effect in disguise."""
    for i, ind in enumerate(ctx.form.indicators):
        n = lx.compact(name_of(ind))
        v = filed_number(ind)
        if v is None or not any(w in n for w in lx.PSEUDO_WORDS):
            continue
        if v <= 5 and (lx.is_percent_unit(ind.unit) or ind.unit == "项"):
            yield Hit(
                f"{label(ind, i)}以「{ind.operator or ''}{fmt_number(v)}{ind.unit}」量化一个模糊效果，"
                "没有基数和数据来源。",
                "改用有统计来源的指标（如投诉量、办理时限、网站访问量），或定性并写明分级标准。",
                evidence=f"{name_of(ind)} {ind.operator or ''}{fmt_number(v)}{ind.unit}",
                indicator=i,
            )


@rule("satisfaction_threshold", "warning", "满意度目标不合理", field="value")
def satisfaction_threshold(ctx: FormContext) -> Iterator[Hit]:
    """满意度 is a survey result: ≥100 is unverifiable, below the floor is too low, it needs ≥ %."""
    floor = ctx.profile.satisfaction.minimum
    for i, ind in enumerate(ctx.form.indicators):
        if ctx.level1(i) != lx.SATISFACTION and "满意度" not in lx.compact(name_of(ind)):
            continue
        v = filed_value(ind)
        num = to_number(v)
        problems: list[str] = []
        if v is None:
            continue  # value_missing reports it
        if num is None:
            problems.append(f"目标「{v}」不是数值")
        else:
            if num >= 100:
                problems.append(f"目标{fmt_number(num)}%无法通过调查验证")
            elif num < floor:
                problems.append(f"目标{fmt_number(num)}低于{fmt_number(floor)}%")
            if ind.unit and not lx.is_percent_unit(ind.unit):
                problems.append(f"单位为「{ind.unit}」")
            if ind.operator not in ("≥", ">"):
                problems.append(f"运算符为「{ind.operator or '空'}」")
        if problems:
            yield Hit(
                f"{label(ind, i)}：{'；'.join(problems)}。",
                f"满意度写作“≥{fmt_number(max(floor, 85))}%”到“≥95%”，以抽样调查结果考核。",
                evidence=f"{name_of(ind)} {ind.operator or ''}{fmt_number(v)}{ind.unit or ''}",
                indicator=i,
            )


# =========================================================================== money


_MONTHS = re.compile(r"(\d{1,2})\s*个\s*月")
_MONTHLY_NAME = ("每月", "月均", "按月", "月度", "/月")


def period_months(form: Form) -> int:
    """Months the budget covers: the form's period, else ``N个月`` in its text, else 12."""
    start, end = form.period_start, form.period_end
    if start and end:
        a, b = (re.findall(r"\d+", str(x)) for x in (start, end))
        if len(a) >= 2 and len(b) >= 2:
            months = (int(b[0]) - int(a[0])) * 12 + int(b[1]) - int(a[1]) + 1
            if 1 <= months <= 12:
                return months
    for text in (form.annual_goal, form.overview):
        m = _MONTHS.search(text or "")
        if m and 1 <= int(m.group(1)) <= 12:
            return int(m.group(1))
    return 12


def _is_monthly(name: str, unit: str | None) -> bool:
    u = lx.compact(unit)
    return u.endswith("/月") or any(w in name for w in _MONTHLY_NAME)


def _to_wan(value: float, unit: str | None) -> float | None:
    u = lx.compact(unit)
    if u.endswith("/月"):
        u = u[:-2]  # the caller scales a monthly amount to the period
    if "/" in u and not u.endswith("/年"):
        return None  # 元/人, 元/㎡: a unit cost, not a total
    if u.startswith("亿元"):
        return value * 10000
    if u.startswith("万元"):
        return value
    if u.startswith("元"):
        return value / 10000
    return None


@rule("cost_exceeds_budget", "error", "成本指标超预算", scope="form", field="value")
def cost_exceeds_budget(ctx: FormContext) -> Iterator[Hit]:
    """Costs must stay within the approved budget (88号 相应匹配)."""
    form = ctx.form
    budget = form.budget_total
    if budget is None or budget <= 0:
        return
    costs: list[tuple[int, float]] = []
    scaled: list[str] = []
    months = period_months(form)
    for i, ind in enumerate(form.indicators):
        if not (ctx.level1(i) == lx.COST or ctx.level2(i) in lx.COST_LEVEL2):
            continue
        if ind.operator not in ("≤", "<", "=", None):
            continue
        v = filed_number(ind)
        wan = None if v is None else _to_wan(v, ind.unit)
        if wan is not None and _is_monthly(lx.compact(name_of(ind)), ind.unit):
            scaled.append(f"{name_of(ind)} {fmt_number(v)}{ind.unit or ''}×{months}个月")
            wan *= months
        if wan is not None:
            costs.append((i, wan))
    if not costs:
        return
    # A 合计/总成本 row that equals the sum of the item rows is not a further cost.
    items = sum(w for _, w in costs)
    costs = [(i, w) for i, w in costs if len(costs) < 3 or not _close(2 * w, items)]
    total = sum(w for _, w in costs)
    top_i, top = max(costs, key=lambda c: c[1])
    worst = max(total, top)
    if worst <= budget + 1e-9:
        return
    over = (worst - budget) / budget
    severity: Severity = "error" if over > ctx.profile.cost.budget_tolerance else "warning"
    what = "成本指标合计" if total >= top else f"第{top_i + 1}项成本指标"
    yield Hit(
        f"{what}{fmt_number(round(worst, 4))}万元超过预算{fmt_number(budget)}万元（超{over:.2%}）。",
        "成本指标之和不应超过批复预算；核对金额或单位（元/万元）。",
        evidence=" + ".join(f"{fmt_number(round(w, 4))}" for _, w in costs)
        + f" vs {fmt_number(budget)}"
        + (f"（{'；'.join(scaled)}）" if scaled else ""),
        severity=severity,
    )


# =========================================================================== duplicates, years


@rule("duplicate_indicator", "warning", "指标重复", scope="form", field="name")
def duplicate_indicator(ctx: FormContext) -> Iterator[Hit]:
    """Identical names in one form double-count; repeated numbering hints at copy-paste rows."""
    form = ctx.form
    seen: dict[str, int] = {}
    dups: list[str] = []
    for i, ind in enumerate(form.indicators):
        key = norm(name_of(ind))
        if not key:
            continue
        if key in seen:
            dups.append(f"第{seen[key] + 1}项与第{i + 1}项「{name_of(ind)}」")
        else:
            seen[key] = i
    # ``指标N:`` numbering is the template's, not content: repeated numbers give no finding.
    if dups:
        yield Hit(
            f"同一表内指标名称重复：{'；'.join(dups)}。",
            "合并重复指标，或改名以区分考核内容。",
            evidence="；".join(dups),
        )


@rule("year_mismatch", "warning", "年份与预算年度不符", field="name")
def year_mismatch(ctx: FormContext) -> Iterator[Hit]:
    """A 2021年 target in a 2022 table was copied from last year's form."""
    year = ctx.form.year
    if year is None:
        return
    for i, ind in enumerate(ctx.form.indicators):
        texts = [name_of(ind)]
        if ctx.level2(i) == "时效指标" and isinstance(ind.value, str):
            texts.append(ind.value)
        years = {int(y) for t in texts for y in _YEAR.findall(t)}
        bad = sorted(y for y in years if y != year)
        if not bad:
            continue
        n = lx.compact(name_of(ind))
        if all(y < year for y in bad) and any(w in n for w in lx.PAST_REFERENCE_WORDS):
            continue  # a yearbook legitimately records the previous year
        yield Hit(
            f"{label(ind, i)}写的是{'、'.join(str(y) for y in bad)}年，本表为{year}年度。",
            f"改为{year}年度的目标，核对是否沿用了往年的表。",
            evidence=name_of(ind),
            indicator=i,
        )


# =========================================================================== judgement rules
# Deterministic where the lexicon and the form's structure decide; kind ``code+llm`` because a
# reviewer (or the model, with ``--llm``) confirms them. Each quotes the text it judged.


def _target_text(ind: Indicator) -> str:
    return f"{ind.operator or ''}{fmt_number(filed_value(ind))}{ind.unit or ''}"


def activity_name(name: str, unit: str | None = None) -> bool:
    """``开展食品安全专项整治 2``, ``完成…工作 100%``: an action, not a counted or rated result.

    ``开展宣传 ≥12场`` counts what was delivered (the unit says so) and passes; ``开展…建设(个)``
    and ``…工作`` name works started, whatever the unit.
    """
    n = lx.strip_template(name)
    if not n or any(w in n for w in lx.ACTIVITY_MEASURES):
        return False
    if n.endswith(("工作", "任务")) and len(n) > 4:
        return True
    if not n.startswith(lx.ACTIVITY_PREFIXES):
        return False
    counted = lx.compact(unit) in lx.COUNT_UNITS or lx.compact(unit) in ("场", "期", "批次", "组")
    return not counted or n.endswith(lx.ACTIVITY_SUFFIXES)


def work_or_object_name(name: str, unit: str | None) -> bool:
    """``信访基础业务培训 件次``, ``网络机房管理 =1个``, ``OA自动办公系统 =1个/套``.

    No measure word, and the name ends in an activity noun whose unit does not count the
    activity's events or people, or in an object (系统, 平台) counted as one.
    """
    n = lx.strip_template(name)
    if not n or any(w in n for w in lx.MEASURE_WORDS) or any(w in n for w in ("比例", "情况")):
        return False
    u = lx.compact(unit)
    if n.endswith(lx.ACTIVITY_NOUNS) and u not in lx.EVENT_UNITS:
        return True
    return n.endswith(lx.OBJECT_NOUNS) and u in ("", "个", "套", "个/套")


@rule("name_is_activity", "warning", "指标名称是工作而非结果", basis="judgement", field="name")
def name_is_activity(ctx: FormContext) -> Iterator[Hit]:
    """An output must be a result (次数, 人次, 合格率), not the action the unit performs.

    An effect rated in % with a work name (``解决群众困难及公示发布 ≥100%``) is one too.
    """
    for i, ind in enumerate(ctx.form.indicators):
        n = name_of(ind)
        l1 = ctx.level1(i)
        if l1 == lx.EFFECT:
            found = lx.is_percent_unit(ind.unit) and work_or_object_name(n, ind.unit)
        else:
            found = (
                l1 in (lx.OUTPUT, None)
                and ctx.level2(i) not in lx.COST_LEVEL2
                and (activity_name(n, ind.unit) or work_or_object_name(n, ind.unit))
            )
        if not found:
            continue
        what = "对象" if lx.strip_template(n).endswith(lx.OBJECT_NOUNS) else "要开展的工作"
        yield Hit(
            f"{label(ind, i)}写的是{what}，不是可考核的结果。",
            "改写成这项工作形成的结果：数量（开展X次/覆盖X户）、质量（整改完成率）或时效"
            "（X月底前完成），指标值写明目标。",
            evidence=f"{n} {_target_text(ind)}".strip(),
            indicator=i,
        )


@rule("relevance_attribution", "warning", "效益与项目缺乏关联", basis="judgement", field="name")
def relevance_attribution(ctx: FormContext) -> Iterator[Hit]:
    """A project cannot claim regional GDP or whole-economy growth (88号 审核·相关性)."""
    for i, ind in enumerate(ctx.form.indicators):
        if ctx.level1(i) != lx.EFFECT:
            continue
        n = name_of(ind)
        words = [w for w in lx.MACRO_OUTCOMES if w in lx.compact(n)]
        if not words:
            continue
        yield Hit(
            f"{label(ind, i)}衡量的是「{words[0]}」，本项目无法对其产生可归因的影响。",
            "删去或改为本项目直接带来的效益（如受益人数、服务覆盖率、办理时限缩短），"
            "不要用全区经济总量指标。",
            evidence=f"{n} {_target_text(ind)}".strip(),
            indicator=i,
        )


def filler_phrase(name: str) -> tuple[str, str] | None:
    """``促进食品安全事业发展`` → (促进, 发展): a verb-only effect on an abstract object."""
    n = lx.compact(name)
    verb = next((v for v in lx.FILLER_VERBS if v in n), None)
    if verb is None:
        return None
    rest = n[n.index(verb) + len(verb) :]
    obj = next((o for o in lx.FILLER_OBJECTS if o in rest), None)
    if obj is None or any(w in n for w in ("率", "人数", "次数", "数量", "户数", "时限", "天数")):
        return None
    return verb, obj


@rule("filler_effect", "warning", "效益指标空泛", basis="judgement", field="name")
def filler_effect(ctx: FormContext) -> Iterator[Hit]:
    """``促进X发展 ≥95%``: a vague effect with a high percentage nobody can measure."""
    for i, ind in enumerate(ctx.form.indicators):
        if ctx.level1(i) != lx.EFFECT:
            continue
        n = name_of(ind)
        found = filler_phrase(n)
        if found is None:
            continue
        v = filed_number(ind)
        if v is None or v < 80 or not lx.is_percent_unit(ind.unit):
            continue
        yield Hit(
            f"{label(ind, i)}是空泛效果（“{found[0]}…{found[1]}”），{_target_text(ind)}"
            "没有可计算的分子分母。",
            "改为能统计的效果指标（受益人数、覆盖率、投诉下降、办理时限），并写明数据来源；"
            "无法归因于本项目的效果应删去。",
            evidence=f"{n} {_target_text(ind)}",
            indicator=i,
        )


@rule("cost_indicator_weak", "info", "成本指标薄弱", scope="form", field="value")
def cost_indicator_weak(ctx: FormContext) -> Iterator[Hit]:
    """“Spending ≤ the whole budget” (or a cost with no amount) says nothing about unit cost."""
    form = ctx.form
    cost = [
        i
        for i in range(len(form.indicators))
        if ctx.level1(i) == lx.COST or ctx.level2(i) in lx.COST_LEVEL2
    ]
    if not cost:
        return
    reasons: list[str] = []
    for i in cost:
        ind = form.indicators[i]
        n = lx.compact(name_of(ind))
        v = filed_number(ind)
        wan = None if v is None else _to_wan(v, ind.unit)
        raw = ind.name_raw + " " + (raw_cell(ind, "value") or fmt_number(ind.value))
        total_like = any(w in n for w in lx.WEAK_COST_NAMES) or (
            n.startswith("项目") and n.endswith("成本")
        )
        if lx.has_placeholder(raw) and total_like:
            reasons.append(f"「{name_of(ind)}」只写总成本，金额是占位符")
        elif (
            total_like
            and form.budget_total is not None
            and wan is not None
            and _close(wan, form.budget_total)
        ):
            reasons.append(f"「{name_of(ind)}」{_target_text(ind)}只是预算总额")
        elif any(w in n for w in lx.WEAK_COST_NAMES) and (v is None or wan is None):
            reasons.append(f"「{name_of(ind)}」{_target_text(ind) or '无金额'}没有可考核的成本")
        else:
            return  # at least one real unit or item cost
    if reasons:
        yield Hit(
            f"成本指标只是{'；'.join(reasons)}。",
            "改用单位成本或分项成本（如人均培训成本≤X元/人、车辆单次维修费≤X元、"
            "政府采购节支率≥X%），标准按定额或上年实际核定。",
            evidence="；".join(reasons),
        )


# =========================================================================== optional (off by default)


@rule("qualitative_share", "info", "定性指标占比过高", scope="form", optional=True)
def qualitative_share(ctx: FormContext) -> Iterator[Hit]:
    """88号 asks for quantitative indicators wherever possible."""
    inds = ctx.form.indicators
    if not inds:
        return
    qual = [i for i, ind in enumerate(inds) if ind.value_kind == "qualitative"]
    effects = [i for i in range(len(inds)) if ctx.level1(i) == lx.EFFECT]
    all_effects_qual = bool(effects) and all(i in qual for i in effects)
    if len(qual) * 3 > len(inds) or all_effects_qual:
        yield Hit(
            f"定性指标{len(qual)}/{len(inds)}项"
            + ("，效益指标全部为定性" if all_effects_qual else "")
            + "。",
            "能量化的尽量量化；定性指标写明分级标准。",
        )


@rule("indicator_count", "info", "指标过少", scope="form", optional=True)
def indicator_count(ctx: FormContext) -> Iterator[Hit]:
    """Fewer than three indicators cannot cover output, effect and satisfaction."""
    if len(ctx.form.indicators) < 3:
        yield Hit(f"只有{len(ctx.form.indicators)}项指标。", "至少设置产出、效益、满意度各一项。")


_SERIAL_MIN, _SERIAL_MAX = 36526, 54789  # Excel serials of 2000-01-01 and 2049-12-31
_TIME_WORDS = ("时间", "日期", "时限", "完成时", "到位时")
_RATE_ENDINGS = ("及时率", "完成率", "准确率", "合格率", "到位率", "率")


#: A cost row where 0 is the target itself (超支金额 =0, 超标准支出 =0).
_ZERO_IS_A_TARGET = ("超", "结余", "偏差", "差额", "违规", "损失", "浪费")


def date_serial(ind: Indicator) -> str | None:
    """``44561`` in a time row: a date typed into Excel and exported as its serial number."""
    v = filed_number(ind)
    if v is None or not float(v).is_integer() or not _SERIAL_MIN <= v <= _SERIAL_MAX or ind.unit:
        return None
    if not any(w in lx.compact(name_of(ind)) for w in _TIME_WORDS):
        return None
    d = date(1899, 12, 30) + timedelta(days=int(v))
    return f"{d.year}年{d.month}月{d.day}日"


def _rate_granularity(ctx: FormContext, i: int, ind: Indicator) -> str | None:
    """``发放次数 ≥12次`` beside ``发放及时率 ≥98%``: with 12 events only k/12 is reachable."""
    p = filed_number(ind)
    n = lx.compact(name_of(ind))
    if p is None or not lx.is_percent_unit(ind.unit) or not 0 < p < 100 or not n.endswith("率"):
        return None
    stem = next((n[: -len(e)] for e in _RATE_ENDINGS if n.endswith(e)), "")
    if len(stem) < 2:
        return None
    for j, other in enumerate(ctx.form.indicators):
        m = lx.compact(name_of(other))
        k = filed_number(other)
        if j == i or k is None or not float(k).is_integer() or not 2 <= k <= 52:
            continue
        if (
            stem in m
            and m.endswith("次数")
            and lx.compact(other.unit) == "次"
            and 100 * (k - 1) / k < p
        ):
            return (
                f"「{name_of(other)} {_target_text(other)}」只有{fmt_number(k)}次，"
                f"及时率只能是{fmt_number(round(100 * (k - 1) / k, 1))}%或100%，"
                f"{_target_text(ind)}实际等于100%"
            )
    return None


@rule("value_plausibility", "info", "指标值不合常理", basis="judgement", field="value")
def value_plausibility(ctx: FormContext) -> Iterator[Hit]:
    """Values the calendar or the form itself rules out.

    365 days in a leap year; a date exported from Excel as its serial (44561); a cost of 0;
    a rate finer than the events it counts allow (12 payments, ``及时率 ≥98%``).
    """
    year = ctx.form.year
    for i, ind in enumerate(ctx.form.indicators):
        v = filed_number(ind)
        if v is None:
            continue
        why: str | None = None
        serial = date_serial(ind)
        if serial is not None:
            why = f"指标值{fmt_number(v)}是Excel日期序列号（即{serial}），不是时间目标"
        elif ind.unit == "天" and year is not None:
            days = 366 if (year % 4 == 0 and year % 100 != 0) or year % 400 == 0 else 365
            if v > days or ("值班" in name_of(ind) and v in (365.0, 366.0) and v != days):
                why = f"为{fmt_number(v)}天，{year}年有{days}天"
        elif (
            v == 0
            and lx.is_money_unit(ind.unit)
            and (ctx.level1(i) == lx.COST or ctx.level2(i) in lx.COST_LEVEL2)
            and not any(w in lx.compact(name_of(ind)) for w in _ZERO_IS_A_TARGET)
        ):
            why = f"成本目标为{_target_text(ind)}，列入预算的支出不会为0"
        else:
            why = _rate_granularity(ctx, i, ind)
        if why:
            yield Hit(
                f"{label(ind, i)}{why}。",
                "按当年日历和实际事项核定指标值；日期写成“X年X月X日前”，成本写实际标准。",
                evidence=f"{name_of(ind)} {_target_text(ind)}",
                indicator=i,
            )


@rule("satisfaction_internal", "info", "满意度对象为本单位职工", basis="judgement", field="name")
def satisfaction_internal(ctx: FormContext) -> Iterator[Hit]:
    """满意度 is of service recipients (88号), not of the unit's own staff."""
    for i, ind in enumerate(ctx.form.indicators):
        n = lx.compact(name_of(ind))
        words = [w for w in lx.INTERNAL_SATISFACTION_WORDS if w in n]
        if words:
            yield Hit(
                f"{label(ind, i)}调查的是本单位人员（{words[0][:-3]}），不是服务对象。",
                "改为服务对象或受益群众的满意度。",
                evidence=f"{name_of(ind)} {_target_text(ind)}",
                indicator=i,
            )


# =========================================================================== engine

_GRADED = re.compile(r"(好|优)\s*[：:].+(差)\s*[：:]", re.S)


def graded_indicators(form: Form) -> frozenset[int]:
    """Rows whose name or value already states a graded standard (好：…差：…)."""
    out = set()
    for i, ind in enumerate(form.indicators):
        text = f"{ind.name_raw} {ind.value if isinstance(ind.value, str) else ''}"
        if _GRADED.search(text):
            out.add(i)
    return frozenset(out)


def run_rules(ctx: FormContext, rules: Iterable[Rule] | None = None) -> list[Finding]:
    """Apply the enabled rules to one form, in catalogue order."""
    profile = ctx.profile
    out: list[Finding] = []
    for r in RULES.values() if rules is None else rules:
        if not profile.is_enabled(r.code, r.optional):
            continue
        for hit in r.check(ctx):
            severity = hit.severity or profile.severity.get(r.code) or r.severity
            out.append(
                Finding(
                    form=ctx.index,
                    indicator=hit.indicator,
                    code=r.code,
                    severity=severity,
                    message=hit.message,
                    suggestion=hit.suggestion,
                    evidence=hit.evidence,
                )
            )
    return out


def review_form(
    form: Form,
    index: int = 0,
    profile: Profile | None = None,
    batch: Sequence[Form] = (),
) -> list[Finding]:
    """All findings for one form; ``batch`` is the file's forms (for cross-project checks).

    Blank padding rows of the template are not content: the rules see the form without them,
    and an indicator index in a finding is mapped back to the row's place in the form as filed.
    """
    kept = [i for i, ind in enumerate(form.indicators) if not is_padding_row(ind)]
    judged = form
    empty: tuple[str, ...] = ()
    if len(kept) < len(form.indicators):
        judged = form.model_copy(update={"indicators": [form.indicators[i] for i in kept]})
        filled = {ind.level2 or ind.level1 for ind in judged.indicators}
        blanks = [
            ind.level2 or ind.level1
            for i, ind in enumerate(form.indicators)
            if i not in set(kept) and (ind.level2 or ind.level1)
        ]
        empty = tuple(dict.fromkeys(b for b in blanks if b and b not in filled))
    ctx = FormContext(
        form=judged,
        index=index,
        profile=profile or load_profile(),
        batch=batch or (form,),
        graded=graded_indicators(judged),
        empty_blocks=empty,
    )
    found = run_rules(ctx)
    if judged is form:
        return found
    return [
        f if f.indicator is None else f.model_copy(update={"indicator": kept[f.indicator]})
        for f in found
    ]


def review_forms(
    forms: Sequence[Form],
    profile: Profile | Callable[[Form], Profile] | None = None,
) -> list[Finding]:
    """Findings for every form of one file, in form order; ``profile`` may choose per form."""
    out: list[Finding] = []
    for i, form in enumerate(forms):
        p = profile(form) if callable(profile) else profile
        out.extend(review_form(form, i, p, forms))
    return out
