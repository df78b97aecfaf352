"""LLM rewrite suggestions for vague indicators: one call per form, every proposal re-checked.

The model sees the form's context (title, project, overview, goal, every indicator) and its vague
rows with the catalogue's findings, and proposes for each row level1, level2, a measurable name,
operator, value and unit, or, for what must stay qualitative, ``=好`` with a graded standard
(好/较好/一般/差, each with a checkable criterion). It goes through the same ``LLMClient`` as the
repair stage (response cache, run budget, transport retries, ``replay``) with the versioned
prompt ``prompts/rewrite_indicator.md``.

Each proposal is vetted twice over:

1. shape: the row was asked for, level1/level2 come from the framework, the operator is one of
   ≥ ≤ = > <, the value is a bare number (or a grade with all four grades stated), the unit is
   one the normaliser accepts, the name carries no vague adverb;
2. the rule catalogue: ``check_rewrite`` runs the indicator rules on the rewritten row and the
   form rules on the rewritten form; any warning or error it raises refuses the proposal.

Both run inside the answer model's validator, so a failing answer is re-asked by instructor with
the catalogue's own message (``LLMConfig.reasks``). When the re-asks run out, each proposal of
the last answer is vetted on its own: passing ones are kept, failing ones are *dropped and
reported* (``DroppedRewrite``: the proposal, the reason and the rule codes), never kept. A row
whose proposal was dropped — or that the model skipped, or that a spent budget, a replay miss or
a transport failure left unanswered — keeps the template rewrite of ``suggest_rewrite`` when one
passes. Backend ``none`` makes no call and gives the templates only.

Accepted rewrites record their source as ``llm:<model>@rewrite_indicator:<version>``.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple, cast

from pydantic import BaseModel, Field, ValidationError, ValidationInfo, model_validator

from jixiao import vocab
from jixiao.errors import BudgetExceeded, LLMError
from jixiao.grammar import canon_unit, fmt_number, to_number
from jixiao.llm.cache import CacheMiss
from jixiao.llm.config import LLMConfig
from jixiao.llm.prompts import Prompt, load_prompt
from jixiao.llm.stats import LLMStats
from jixiao.review import lexicon as lx
from jixiao.review.profile import Profile, load_profile
from jixiao.review.rewrite import Rewrite, check_rewrite, suggest_rewrite
from jixiao.review.rules import MISFILED_CLASSES, effective_levels
from jixiao.schema import Finding, Form, Operator

if TYPE_CHECKING:  # openai + instructor are imported only when a client is really built
    import httpx

    from jixiao.llm.client import LLMClient

PROMPT_NAME = "rewrite_indicator"
MAX_CONTEXT_CHARS = 1_500

#: The grades of a qualitative standard, best first (10号 scores them 达成/部分达成/未达成).
GRADES: tuple[str, ...] = ("好", "较好", "一般", "差")
#: Grades a qualitative target may aim at.
TARGET_GRADES: tuple[str, ...] = ("好", "较好")
#: Words that make a name a wish rather than a measure (not 基本, 持续 or 较大: 基本养老保险,
#: 可持续, 较大事故 are proper terms).
NAME_VAGUE_WORDS: tuple[str, ...] = ("明显", "显著", "有所", "进一步", "大幅")
MIN_CRITERION_CHARS = 4

_GRADE_SPLIT = re.compile(r"(较好|一般|好|差)\s*[：:]")
_CJK = re.compile(r"[\u3400-\u9fff]")


# --------------------------------------------------------------------------- answer models


@dataclass(frozen=True)
class RewriteScope:
    """What proposals are vetted against (passed as instructor's validation context)."""

    form: Form
    profile: Profile
    asked: frozenset[int]


class Verdict(NamedTuple):
    """A vetted proposal: the rewrite it stands for, what is wrong with it (accepted only when
    nothing is), and the catalogue codes it still raises."""

    rewrite: Rewrite | None
    problems: list[str]
    codes: list[str]


class RewriteProposal(BaseModel):
    """The model's rewrite of one vague indicator."""

    indicator: int = Field(description="待改写指标的序号，照抄")
    level1: str = Field(description="一级指标")
    level2: str | None = Field(default=None, description="二级指标")
    name: str = Field(description="可考核的指标名称：写结果，不写动作、模糊词和目标值")
    operator: str | None = Field(default=None, description="≥ ≤ = > < 之一")
    value: float | int | str | None = Field(
        default=None, description="目标值：数字；定性指标写“好”"
    )
    unit: str | None = Field(default=None, description="计量单位；定性指标为 null")
    graded_standard: dict[str, str] | str | None = Field(
        default=None, description="定性指标的分级标准：好/较好/一般/差 → 判定标准；量化指标为 null"
    )
    rationale: str = Field(default="", description="数据来源与考核方式")

    @model_validator(mode="after")
    def _vetted(self, info: ValidationInfo) -> RewriteProposal:
        scope = (info.context or {}).get("rewrite")
        if isinstance(scope, RewriteScope):
            verdict = vet(self, scope)
            if verdict.problems:
                raise ValueError(f"indicator {self.indicator}: " + "；".join(verdict.problems))
        return self


class RewriteAnswer(BaseModel):
    """The model's answer for all vague indicators of one form."""

    rewrites: list[RewriteProposal] = Field(default_factory=list)

    @model_validator(mode="after")
    def _one_per_indicator(self) -> RewriteAnswer:
        seen: set[int] = set()
        for p in self.rewrites:
            if p.indicator in seen:
                raise ValueError(f"indicator {p.indicator} answered twice")
            seen.add(p.indicator)
        return self


class DroppedRewrite(BaseModel):
    """A row the LLM gave no acceptable rewrite for: what it proposed, and why that was refused."""

    file: str = ""
    form: int
    indicator: int
    name: str = Field(description="the indicator as filed")
    by: str = Field(description="llm:<model>@rewrite_indicator:<version>")
    reason: str
    codes: list[str] = Field(default_factory=list, description="catalogue codes still raised")
    proposal: dict[str, Any] | None = Field(default=None, description="None: nothing proposed")
    fallback: str | None = Field(default=None, description="'template' when a template is kept")


class RewriteOutcome(NamedTuple):
    """Final rewrites of one form (row → rewrite) and the rows whose LLM proposal was refused."""

    rewrites: dict[int, Rewrite]
    dropped: list[DroppedRewrite]


# --------------------------------------------------------------------------- vetting


def graded_text(standard: Mapping[str, str]) -> str:
    """``好：…；较好：…；一般：…；差：…。`` in grade order."""
    parts = [f"{g}：{standard[g].strip().rstrip('；;。.')}" for g in GRADES]
    return "；".join(parts) + "。"


def parse_graded(raw: Mapping[str, str] | str | None) -> dict[str, str] | None:
    """A graded standard as a grade → criterion map (from a mapping or ``好：…；较好：…`` text)."""
    if raw is None:
        return None
    if isinstance(raw, Mapping):
        return {lx.compact(str(k)).rstrip("：:"): str(v) for k, v in raw.items()}
    parts = _GRADE_SPLIT.split(raw)
    # parts = [preamble, grade, text, grade, text, …]
    return {g: t.strip().strip("；;。.，, ") for g, t in zip(parts[1::2], parts[2::2], strict=True)}


def _standard_problems(standard: dict[str, str] | None) -> list[str]:
    if not standard:
        return ["定性指标必须给出分级标准 graded_standard（好/较好/一般/差四档，各写判定标准）"]
    problems = []
    missing = [g for g in GRADES if not standard.get(g, "").strip()]
    extra = sorted(set(standard) - set(GRADES))
    if missing:
        problems.append(f"分级标准缺少“{'、'.join(missing)}”档")
    if extra:
        problems.append(f"分级标准只能有好/较好/一般/差四档，多了“{'、'.join(extra)}”")
    if missing or extra:
        return problems
    for g in GRADES:
        text = standard[g].strip()
        if len(_CJK.findall(text)) < MIN_CRITERION_CHARS or lx.is_vague_value(text):
            problems.append(f"“{g}”档的判定标准「{text}」不可核验，写明完成比例、文件或记录")
    if len({lx.compact(standard[g]) for g in GRADES}) < len(GRADES):
        problems.append("各档判定标准不能相同")
    return problems


def _number(value: float | int | str | None) -> float | int | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        n = float(value)
    else:
        parsed = to_number(value)
        if parsed is None:
            return None
        n = float(parsed)
    return int(n) if n.is_integer() else n


def vet(p: RewriteProposal, scope: RewriteScope) -> Verdict:
    """The rewrite ``p`` stands for, and every reason it cannot be offered (shape, then rules)."""
    problems: list[str] = []
    if p.indicator not in scope.asked:
        return Verdict(None, [f"第{p.indicator}项不在待改写指标中"], [])
    level1 = lx.compact(p.level1)
    level2 = lx.compact(p.level2) or None
    if level1 not in lx.LEVEL2_PARENTS:
        problems.append(f"一级指标「{p.level1}」不在规范体系中（{'、'.join(lx.LEVEL1)}）")
    elif level2 not in lx.LEVEL2_PARENTS[level1]:
        allowed = "、".join(lx.LEVEL2_PARENTS[level1])
        problems.append(f"二级指标「{p.level2 or '（空）'}」不属于「{level1}」（可选：{allowed}）")
    name = lx.compact(p.name)
    if len(_CJK.findall(name)) < 2:
        problems.append("指标名称为空或过短")
    vague = [w for w in NAME_VAGUE_WORDS if w in name]
    if vague:
        problems.append(f"指标名称「{name}」含模糊词“{vague[0]}”")
    op = vocab.OPERATOR_WORDS.get(lx.compact(p.operator)) if p.operator else None
    if op is None:
        problems.append(f"运算符「{p.operator}」不是 ≥ ≤ = > < 之一")
    number = _number(p.value)
    value: float | int | str
    unit: str | None = None
    graded: str | None = None
    if number is not None:
        value = number
        if p.unit is not None and lx.compact(p.unit):
            unit = canon_unit(p.unit)
            if unit is None:
                problems.append(f"计量单位「{p.unit}」不在单位表中")
    else:
        value = lx.compact(str(p.value)) if p.value is not None else ""
        if value not in TARGET_GRADES:
            problems.append(
                f"指标值「{fmt_number(p.value)}」既不是数字（不带单位和运算符），"
                "也不是定性目标“好”（定性时须写分级标准）"
            )
        if op is not None and op != "=":
            problems.append("定性指标的运算符用“=”")
        if p.unit is not None and lx.compact(p.unit):
            problems.append("定性指标不填计量单位")
        standard = parse_graded(p.graded_standard)
        bad_standard = _standard_problems(standard)
        problems += bad_standard
        if standard is not None and not bad_standard:
            graded = graded_text(standard)
    if p.unit is not None and lx.compact(p.unit) and unit is None and number is None:
        unit = lx.compact(p.unit)  # kept as given, so the catalogue judges it too
    rewrite = Rewrite(
        level1=level1,
        level2=level2,
        name=name,
        operator=cast("Operator | None", op),
        value=value,
        unit=unit,
        graded_standard=graded,
        rationale=p.rationale.strip(),
    )
    # The catalogue runs even on a misshapen proposal, so the report names the rules it breaks.
    found = check_rewrite(scope.form, p.indicator, rewrite, scope.profile)
    problems += [f"[{f.code}] {f.message} 建议：{f.suggestion}" for f in found]
    return Verdict(rewrite, problems, sorted({f.code for f in found}))


def assess(item: object, scope: RewriteScope) -> Verdict:
    """Vet one raw proposal (a JSON object from an answer), types first."""
    try:
        p = RewriteProposal.model_validate(item)
    except ValidationError as exc:
        errors = exc.errors()
        msg = str(errors[0].get("msg", exc)) if errors else str(exc)
        return Verdict(None, [f"proposal is malformed: {msg}"], [])
    return vet(p, scope)


# --------------------------------------------------------------------------- prompt


def _clip(text: object, limit: int) -> str:
    s = "" if text is None else str(text).strip()
    return s if len(s) <= limit else s[:limit] + "……"


def _row_line(form: Form, i: int) -> str:
    ind = form.indicators[i]
    l1, l2 = effective_levels(ind)
    levels = "/".join(x for x in (l1 or "（未填）", l2 or "（未填）"))
    target = f"{ind.operator or ''}{fmt_number(ind.value)}{ind.unit or ''}" or "（空）"
    weight = f" · 权重{fmt_number(ind.weight)}" if ind.weight is not None else ""
    return f"{i}: {levels} · {ind.name or ind.name_raw or '（空）'} {target}{weight}"


def render_messages(
    prompt: Prompt,
    form: Form,
    indices: Sequence[int],
    findings: Sequence[Finding],
    profile: Profile,
) -> list[dict[str, str]]:
    """The chat messages for one form: its context, every indicator, and the rows to rewrite."""
    rows = []
    for i in indices:
        ind = form.indicators[i]
        l1, l2 = effective_levels(ind)
        row = {
            "indicator": i,
            "level1": l1,
            "level2": l2,
            "name": ind.name or ind.name_raw,
            "operator": ind.operator,
            "value": ind.value,
            "unit": ind.unit,
            "weight": ind.weight,
            "problems": [f"{f.code}: {f.message}" for f in findings if f.indicator == i],
        }
        rows.append(json.dumps(row, ensure_ascii=False))
    levels = "\n".join(f"   - {l1}：{'、'.join(l2s)}" for l1, l2s in lx.LEVEL2_PARENTS.items())
    classes = "\n".join(
        f"   - {l2}（{lx.LEVEL2_TO_LEVEL1.get(l2, lx.OUTPUT)}）：{'、'.join(words)}"
        for l2, words in lx.KEYWORD_CLASSES
        if l2 in MISFILED_CLASSES
    )
    budget = fmt_number(form.budget_total) if form.budget_total is not None else "（未填）"
    return prompt.render(
        title=_clip(form.title, 200) or "（无）",
        project_name=_clip(form.project_name, 200) or "（无）",
        department=_clip(form.department or form.implementing_unit or form.compiling_unit, 200)
        or "（无）",
        budget=budget,
        overview=_clip(form.overview, MAX_CONTEXT_CHARS) or "（无）",
        goal=_clip(form.annual_goal, MAX_CONTEXT_CHARS) or "（无）",
        siblings="\n".join(_row_line(form, i) for i in range(len(form.indicators))) or "（无）",
        rows="\n".join(rows),
        levels=levels,
        classes=classes,
        units=" ".join(sorted(vocab.UNITS)),
        satisfaction_min=fmt_number(max(profile.satisfaction.minimum, 85)),
    )


def _answer_items(last_answer: str | None) -> list[object]:
    """The proposals of a rejected answer's text, as raw JSON objects."""
    text = last_answer or ""
    try:
        data = json.loads(text[text.find("{") : text.rfind("}") + 1])
    except ValueError:
        return []
    items = data.get("rewrites", []) if isinstance(data, dict) else []
    return list(items) if isinstance(items, list) else []


# --------------------------------------------------------------------------- one form


@dataclass
class RewriteJob:
    """The vague rows of one form, with what the prompt and the re-check need."""

    form: Form
    indicators: list[int]
    findings: list[Finding] = field(default_factory=list)
    profile: Profile | None = None
    form_index: int = 0
    file: str = ""
    #: Template rewrites already computed (row → rewrite); computed on demand when None.
    templates: dict[int, Rewrite] | None = None

    def template(self, i: int) -> Rewrite | None:
        """The template rewrite for row ``i`` that passes the catalogue, if any."""
        if self.templates is not None:
            return self.templates.get(i)
        return suggest_rewrite(self.form, i, self.profile)


def templates_only(job: RewriteJob) -> RewriteOutcome:
    """Rules-only mode: the template rewrites, nothing dropped."""
    out = {i: rw for i in job.indicators if (rw := job.template(i)) is not None}
    return RewriteOutcome(out, [])


async def rewrite_form_llm(
    job: RewriteJob, client: LLMClient, *, prompt: Prompt | None = None
) -> RewriteOutcome:
    """Ask once for every vague row of ``job.form``; keep what passes, report what does not."""
    from jixiao.llm.client import AnswerRejected

    if not job.indicators:
        return RewriteOutcome({}, [])
    prompt = prompt or load_prompt(PROMPT_NAME)
    profile = job.profile or load_profile()
    by = f"llm:{client.config.model}@{prompt.ref}"
    form = job.form
    scope = RewriteScope(form=form, profile=profile, asked=frozenset(job.indicators))
    rewrites: dict[int, Rewrite] = {}
    dropped: list[DroppedRewrite] = []

    def drop(
        i: int, reason: str, codes: Sequence[str] = (), proposal: dict[str, Any] | None = None
    ) -> None:
        template = job.template(i)
        if template is not None:
            rewrites[i] = template
        ind = form.indicators[i]
        dropped.append(
            DroppedRewrite(
                file=job.file,
                form=job.form_index,
                indicator=i,
                name=ind.name or ind.name_raw or "",
                by=by,
                reason=reason,
                codes=list(codes),
                proposal=proposal,
                fallback="template" if template is not None else None,
            )
        )

    messages = render_messages(prompt, form, job.indicators, job.findings, profile)
    items: list[object]
    unanswered = "the model gave no rewrite for this indicator"
    prefix = ""
    try:
        answer = await client.structured(
            prompt, messages, RewriteAnswer, context={"rewrite": scope}
        )
        items = [p.model_dump() for p in answer.rewrites]
    except AnswerRejected as exc:
        items = _answer_items(exc.last_answer)
        prefix = f"answer refused after {exc.attempts} attempt(s): "
        unanswered = prefix + str(exc)[-300:]
    except BudgetExceeded as exc:
        items, unanswered = [], f"LLM budget spent: {exc}"
    except CacheMiss:
        items, unanswered = [], "replay: no cached answer for this form"
    except LLMError as exc:
        items, unanswered = [], str(exc)

    seen: set[int] = set()
    for item in items:
        where = item.get("indicator") if isinstance(item, dict) else None
        if not isinstance(where, int) or where not in scope.asked or where in seen:
            continue  # not asked, or answered twice: nothing to attach it to
        seen.add(where)
        verdict = assess(item, scope)
        raw = cast(dict[str, Any], item)
        if verdict.rewrite is not None and not verdict.problems:
            rewrites[where] = verdict.rewrite.model_copy(update={"source": by})
        else:
            drop(where, prefix + "；".join(verdict.problems), verdict.codes, raw)
    for i in job.indicators:
        if i not in seen:
            drop(i, unanswered)
    dropped.sort(key=lambda d: d.indicator)
    return RewriteOutcome(dict(sorted(rewrites.items())), dropped)


# --------------------------------------------------------------------------- many forms


class RewriteStageResult(NamedTuple):
    """Outcomes aligned with the jobs, and the run's LLM totals."""

    outcomes: list[RewriteOutcome]
    stats: LLMStats


async def arun_rewrite_stage(
    jobs: Sequence[RewriteJob],
    config: LLMConfig,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    prompt: Prompt | None = None,
) -> RewriteStageResult:
    """Async ``run_rewrite_stage``, for callers already inside an event loop."""
    if config.backend == "none":
        return RewriteStageResult([templates_only(j) for j in jobs], LLMStats())
    from jixiao.llm.client import LLMClient

    prompt = prompt or load_prompt(PROMPT_NAME)
    results: list[RewriteOutcome] = [RewriteOutcome({}, [])] * len(jobs)
    todo = iter([(k, j) for k, j in enumerate(jobs) if j.indicators])

    async def worker(client: LLMClient) -> None:
        for k, job in todo:  # one shared iterator: each form once
            results[k] = await rewrite_form_llm(job, client, prompt=prompt)

    async with LLMClient(config, transport=transport) as client:
        await asyncio.gather(*(worker(client) for _ in range(max(1, config.concurrency))))
    return RewriteStageResult(results, client.stats)


def run_rewrite_stage(
    jobs: Sequence[RewriteJob],
    config: LLMConfig,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    prompt: Prompt | None = None,
) -> RewriteStageResult:
    """Rewrites for the vague rows of many forms: one LLM call per form, concurrently (bounded
    by ``config.concurrency``); backend ``none`` makes no call and gives the templates."""
    return asyncio.run(arun_rewrite_stage(jobs, config, transport=transport, prompt=prompt))
