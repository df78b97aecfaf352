"""Rules stage of the repair cascade: fix what the document itself proves, record the proof.

Each rule takes a flagged indicator and the evidence available without a model — the text of
the same file (overviews, goals, sibling rows, other forms) and the batch's lexicon of complete
names — and either repairs the cell (recording rule id, quoted evidence and a confidence) or
leaves it open for the LLM stage. A completion always extends the cut text; nothing is invented.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from jixiao.defects import continuations
from jixiao.grammar import clean_name, words
from jixiao.schema import Form, Indicator, Repair

_CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")
_CLOSERS = {"《": "》", "（": "）", "(": ")", "“": "”", "【": "】"}
_CLOSING = re.compile(r"^([\u4e00-\u9fff]{1,2})(?=[、，,。；;)）等及和与]|$)")
#: Below this a completion is only a hint for the LLM stage, not a repair.
ACCEPT = 0.6


class Lexicon:
    """The batch's complete names with their counts, searched by prefix (sorted, bisected:
    a batch of a million names answers each cut name in log time)."""

    def __init__(self, names: Iterable[str] = ()) -> None:
        self.counts: Counter[str] = Counter(names)
        self._sorted = sorted(self.counts)

    def extending(self, cut: str) -> list[str]:
        """Names that start with ``cut`` and go on, most frequent first (then shortest)."""
        found: list[str] = []
        for name in self._sorted[bisect_left(self._sorted, cut) :]:
            if not name.startswith(cut):
                break
            if len(name) > len(cut):
                found.append(name)
        return sorted(found, key=lambda n: (-self.counts[n], len(n)))


@dataclass
class Evidence:
    """What the rules may cite: the text around a form in its file, the batch's complete names."""

    document: str
    lexicon: Lexicon = field(default_factory=Lexicon)


@dataclass(frozen=True)
class Completion:
    """A proposed completion of a cut name with its support."""

    name: str
    alternatives: tuple[str, ...]
    quote: str
    confidence: float
    rule: str


def form_text(form: Form) -> str:
    """The text a form prints (header texts and every raw cell), the evidence base for repairs."""
    parts = [
        form.title,
        form.project_name or "",
        form.overview or "",
        form.basis or "",
        form.annual_goal or "",
    ]
    for ind in form.indicators:
        parts.extend(c.text for c in ind.source.cells.values())
    return "\n".join(p for p in parts if p)


def _word_at_boundary(cut: str, continuation: str) -> str:
    """The characters that finish the word ``cut`` stops inside, read from ``continuation``."""
    text = cut + continuation
    pos = 0
    for token in words(text):
        end = pos + len(token)
        if pos < len(cut) < end:
            return text[len(cut) : end]
        if end >= len(cut):
            return ""
        pos = end
    return ""


def complete_name(cut: str, evidence: Evidence) -> Completion | None:
    """Complete a truncated name from the document, or return None when nothing supports it."""
    if not cut:
        return None
    opener = next((o for o in reversed(cut) if o in _CLOSERS), None)
    if opener and cut.count(opener) > cut.count(_CLOSERS[opener]):
        return Completion(cut + _CLOSERS[opener], (), cut, 0.9, "rule:close_bracket")
    # 1. A complete name in the batch that extends the cut text.
    ranked = evidence.lexicon.extending(cut)
    if ranked:
        return Completion(ranked[0], tuple(ranked[1:4]), ranked[0], 0.85, "rule:batch_lexicon")
    # 2. The cut's tail continued elsewhere in the document: finish the word it stops inside.
    for k in (4, 3, 2):
        if len(cut) < k + 1:
            continue
        tail = cut[-k:]
        found: Counter[str] = Counter()
        quotes: dict[str, str] = {}
        for following, pos in continuations(evidence.document, tail, 6):
            rest = _word_at_boundary(cut, following)
            if not rest and (closing := _CLOSING.match(evidence.document[pos : pos + 3])):
                rest = closing.group(1)  # 常务 → 常务会 in a list (常务会、党组会): the item closes
            if rest:
                found[cut + rest] += 1
                start = max(0, pos - len(tail) - 4)  # a little context before the tail
                quotes.setdefault(cut + rest, evidence.document[start : pos + len(following)])
        if found:
            ranked = [n for n, _ in found.most_common()]
            confidence = 0.8 if len(ranked) == 1 else 0.65
            return Completion(
                ranked[0],
                tuple(ranked[1:4]),
                quotes[ranked[0]],
                confidence,
                f"rule:document_tail{k}",
            )
    # 3. A word of the document that starts with the cut's last character.
    found_words: Counter[str] = Counter()
    last = cut[-1]
    for run in _CJK_RUN.findall(evidence.document):
        if last not in run:
            continue
        for token in words(run):
            if len(token) >= 2 and token[0] == last:
                found_words[token] += 1
    if found_words:
        ranked = [cut + w[1:] for w, _ in found_words.most_common()]
        # One word only: the document's single continuation. Several: a guess for the LLM.
        confidence = 0.6 if len(ranked) == 1 else 0.5
        quote = found_words.most_common(1)[0][0]
        return Completion(ranked[0], tuple(ranked[1:4]), quote, confidence, "rule:document_word")
    return None


#: Names ending in these take % without doubt (a rate, a satisfaction, a share).
_PERCENT_NAME = re.compile(r"(率|满意度|占比|比例|比重)$")
_UNIT_FROM_NAME: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"人数$"), "人"),
    (re.compile(r"人次$"), "人次"),
    (re.compile(r"天数$"), "天"),
    (re.compile(r"次数$"), "次"),
    (re.compile(r"(个数|项目数)$"), "个"),
]


def infer_unit(ind: Indicator) -> str | None:
    """The unit a name makes unambiguous (``满意度`` → %, ``培训人数`` → 人), else None.

    Never over a stated unit: callers ask only for rows whose unit is missing or invalid.
    """
    name = ind.name or ""
    if _PERCENT_NAME.search(name) and isinstance(ind.value, int | float) and 0 <= ind.value <= 100:
        return "%"
    for pattern, unit in _UNIT_FROM_NAME:
        if pattern.search(name):
            return unit
    return None


def apply_rules(form: Form, evidence: Evidence) -> dict[int, str]:
    """Run every rule on one form's flagged cells (mutating it).

    Returns, per indicator left open, what the rules tried — the hint the LLM stage and the
    review queue show.
    """
    tried: dict[int, str] = {}
    for k, ind in enumerate(form.indicators):
        if "name_truncated" in ind.flags:
            cut = re.sub(r"^指标\s*\d+\s*[:：]\s*", "", clean_name(ind.name_raw))
            completion = complete_name(cut, evidence)
            if completion and completion.confidence >= ACCEPT:
                ind.source.repairs.append(
                    Repair(
                        field="name",
                        before=cut,
                        after=completion.name,
                        by=completion.rule,
                        evidence=completion.quote,
                        confidence=completion.confidence,
                    )
                )
                ind.name = completion.name
                ind.name_alternatives = list(completion.alternatives)
            elif completion:
                tried[k] = (
                    f"weak completion {completion.name} ({completion.rule}, {completion.confidence:.2f})"
                )
            else:
                tried[k] = "no continuation of the cut text in the document or the batch"
        if (
            ind.unit is None
            and ind.value_kind == "quantitative"
            and ("unit_missing" in ind.flags or "unit_invalid" in ind.flags)
        ):
            # The contract keeps a unit the source does not state null, so an inferred unit
            # is offered, not applied: it reaches the review queue as a proposal.
            unit = infer_unit(ind)
            note = f"unit {unit!r} follows from the name {ind.name!r} (proposed, not applied)"
            tried[k] = note if unit else "no unit follows from the name"
    return tried
