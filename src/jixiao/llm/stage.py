"""One runner for every LLM stage (repair, the form-level fallback, review rewrites).

Each stage is a function ``ask(item, client) -> result`` over a list of items (forms, regions,
rewrite jobs). ``fan_out`` opens one ``LLMClient`` for the run and asks with at most
``config.concurrency`` items in flight (workers share one iterator, so the tasks stay bounded
however many items there are); results come back aligned with the items, with the run's
``LLMStats`` (the one usage type: calls, tokens, cache hits, retries, refusals, usage per call).
``failure_reason`` is the one wording of a call that could not give an answer, so the review
queue, the dropped-rewrite report and the summary say the same thing for the same failure.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from jixiao.errors import BudgetExceeded, LLMError
from jixiao.llm.cache import CacheMiss
from jixiao.llm.config import LLMConfig
from jixiao.llm.stats import LLMStats

if TYPE_CHECKING:
    import httpx

    from jixiao.llm.client import LLMClient

Item = TypeVar("Item")
Result = TypeVar("Result")
T = TypeVar("T")

#: What a call can fail with besides a refused answer (each has one wording below).
CALL_FAILURES: tuple[type[Exception], ...] = (BudgetExceeded, CacheMiss, LLMError)


def failure_reason(exc: BaseException, what: str = "item") -> str:
    """Why a call gave no answer, worded once for every stage (``what``: form, region …)."""
    attempts = getattr(exc, "attempts", None)
    if type(exc).__name__ == "AnswerRejected":
        return f"answer refused after {attempts} attempt(s)"
    if isinstance(exc, BudgetExceeded):
        text = str(exc)
        return text if text.startswith("LLM budget spent") else f"LLM budget spent: {text}"
    if isinstance(exc, CacheMiss):
        return f"replay: no cached answer for this {what}"
    return str(exc)


def call_failed(reason: str) -> bool:
    """A reason (``failure_reason`` or ``LLMClient.unavailable``) that a rerun may fix: the
    endpoint was down, the budget or deadline spent, a transport failure, a replay miss."""
    return reason.startswith(
        ("endpoint unreachable", "LLM budget spent", "LLM stage deadline", "LLM request failed")
    )


async def fan_out(
    items: Sequence[Item],
    config: LLMConfig,
    ask: Callable[[Item, LLMClient], Awaitable[Result]],
    *,
    transport: httpx.AsyncBaseTransport | None = None,
) -> tuple[list[Result | None], LLMStats]:
    """``ask`` every item through one client, at most ``config.concurrency`` at a time."""
    from jixiao.llm.client import LLMClient

    results: list[Result | None] = [None] * len(items)
    if not items:
        return results, LLMStats()
    todo = iter(enumerate(items))

    async def worker(client: LLMClient) -> None:
        for i, item in todo:  # one shared iterator: each item once
            results[i] = await ask(item, client)

    async with LLMClient(config, transport=transport) as client:
        await asyncio.gather(*(worker(client) for _ in range(max(1, config.concurrency))))
    return results, client.stats


def run(coro: Coroutine[Any, Any, T]) -> T:
    """A stage's coroutine from synchronous code."""
    return asyncio.run(coro)
