"""The async LLM client: instructor on top, one guarded HTTP seam below.

Every request instructor makes (the first ask and each re-ask) goes through ``LLMClient._fetch``,
which is the only place that talks to the endpoint. In order it

1. looks the request up in the response cache (``replay`` stops here on a miss: ``CacheMiss``);
2. takes a slot of the concurrency semaphore and one call of the run budget
   (``BudgetExceeded`` when spent; the token budget can overshoot by the calls in flight);
3. sends it, retried by tenacity on 429 (honouring
   ``Retry-After``), 408/409, 5xx, timeouts, connection errors and malformed bodies, with
   exponential backoff and jitter, a bounded number of times;
4. records usage per call and stores the response in the cache.

Validation failures are instructor's business (bounded re-asks); when they run out the caller
gets ``AnswerRejected`` with the last answer's text so it can salvage per-item results.

The API key lives only in the openai client's headers; every error message that leaves this
module is passed through ``redact`` first, and errors are raised ``from None`` so no chained
exception carries the request (and its ``Authorization`` header) along.
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import logging
import random
import re
import time
from datetime import UTC, datetime
from typing import Any, TypeVar, cast

import httpx
import instructor
import openai
from instructor.core import (
    AsyncValidationError,
    IncompleteOutputException,
    InstructorRetryException,
    ResponseParsingError,
)
from openai.types.chat import ChatCompletion
from pydantic import BaseModel, ValidationError
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    retry_if_exception_type,
    stop_after_attempt,
    stop_any,
)

from jixiao.errors import BudgetExceeded, InternalError, LLMError
from jixiao.llm.cache import CacheMiss, ResponseCache, cache_key
from jixiao.llm.config import LLMConfig
from jixiao.llm.ledger import RunLedger
from jixiao.llm.prompts import Prompt
from jixiao.llm.stats import CallRecord, LLMStats

#: What instructor (1.17, pinned) raises inside an attempt when an answer does not parse or
#: validate: re-asked up to the configured number of times.
_REASK_ERRORS: tuple[type[BaseException], ...] = (
    InstructorRetryException,
    ValidationError,
    json.JSONDecodeError,
    ResponseParsingError,
    AsyncValidationError,
)

logger = logging.getLogger(__name__)


class _StrayArgsFilter(logging.Filter):
    """Drop the stray args instructor 1.3 passes with already formatted f-string messages.

    Without this, any run with DEBUG logging prints "--- Logging error ---" on each re-ask
    (and pytest's log capture fails the test).
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            try:
                record.getMessage()
            except (TypeError, ValueError):
                record.args = ()
        # an unreachable endpoint is reported once, by the stage; not twice more per form
        return "endpoint unreachable" not in str(record.msg)


logging.getLogger("instructor").addFilter(_StrayArgsFilter())

T = TypeVar("T", bound=BaseModel)

_MODES: dict[str, instructor.Mode] = {
    "json": instructor.Mode.JSON,
    "md_json": instructor.Mode.MD_JSON,
    "tools": instructor.Mode.TOOLS,
}
_RETRY_STATUS = frozenset({408, 409, 429})


class AnswerRejected(LLMError):
    """The model's answers kept failing validation after the allowed re-asks."""

    def __init__(
        self, message: str, attempts: int = 0, tokens: int = 0, last_answer: str | None = None
    ) -> None:
        super().__init__(message, attempts=attempts, tokens=tokens)
        self.last_answer = last_answer


class EndpointDown(LLMError):
    """The endpoint refused connections: the stage stops for the run instead of retrying."""


class _MalformedResponse(Exception):
    """A 2xx response whose body is not a chat completion (retried like a transport fault)."""


_BEARER = re.compile(r"(?i)(bearer\s+|api[_-]?key[\"']?\s*[:=]\s*[\"']?)[A-Za-z0-9._\-]{8,}")


def redact(text: str, secret: str | None) -> str:
    """``text`` with ``secret`` (and any bearer token) replaced: an echoed key never leaves us."""
    if secret and len(secret) >= 4:
        text = text.replace(secret, "***")
    return _BEARER.sub(r"\1***", text)


def _redact_tree(value: Any, secret: str | None) -> Any:
    """Every string inside a JSON-like value, redacted (a response can echo our headers)."""
    if isinstance(value, str):
        return redact(value, secret)
    if isinstance(value, list):
        return [_redact_tree(v, secret) for v in value]
    if isinstance(value, dict):
        return {k: _redact_tree(v, secret) for k, v in value.items()}
    return value


def answer_text(completion: Any) -> str | None:
    """The raw answer in a completion: tool-call arguments, or the message content."""
    try:
        message = completion.choices[0].message
    except (AttributeError, IndexError, TypeError):
        return None
    calls = getattr(message, "tool_calls", None) or []
    if calls:
        return cast(str, calls[0].function.arguments)
    return cast("str | None", message.content)


def _retry_after(exc: BaseException | None) -> float | None:
    """Seconds a 429/503 response asks us to wait (``retry-after-ms`` or ``Retry-After``)."""
    if not isinstance(exc, openai.APIStatusError):
        return None
    headers = exc.response.headers
    ms = headers.get("retry-after-ms")
    if ms:
        try:
            return max(0.0, float(ms) / 1000)
        except ValueError:
            pass
    raw = headers.get("retry-after")
    if not raw:
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _transient(exc: BaseException) -> bool:
    if isinstance(exc, openai.APIConnectionError | _MalformedResponse):  # incl. APITimeoutError
        return True
    if isinstance(exc, openai.APIStatusError):
        return exc.status_code in _RETRY_STATUS or exc.status_code >= 500
    return False


class LLMClient:
    """One per run: holds the openai client, the cache, the semaphore, the budget and stats.

    ``transport`` replaces httpx's network transport (tests pass ``httpx.MockTransport``);
    ``cache`` replaces the SQLite file at ``config.cache_path``.
    """

    def __init__(
        self,
        config: LLMConfig,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        cache: ResponseCache | None = None,
    ) -> None:
        if config.backend == "none":
            raise LLMError("LLM backend is none: no client to build")
        self.config = config
        self.stats = LLMStats()
        self._owns_cache = cache is None
        self.cache = cache or ResponseCache(config.cache_path, readonly=config.backend == "replay")
        self._semaphore = asyncio.Semaphore(config.concurrency)
        self.ledger = (
            RunLedger(config.ledger_path)
            if config.ledger_path is not None and config.backend == "openai"
            else None
        )
        self._down: str | None = None
        # Until the endpoint has answered once, requests go one at a time: concurrent first
        # requests to a closed port would each fail (and log) before any could mark it down.
        self._probe = asyncio.Lock()
        self._reached = False
        self._openai: openai.AsyncOpenAI | None = None
        if config.backend == "openai":
            self._openai = openai.AsyncOpenAI(
                api_key=config.api_key or "unused",  # local servers (vLLM, Ollama) take any key
                base_url=config.base_url,
                max_retries=0,  # tenacity retries, not the SDK
                timeout=config.timeout,
                http_client=httpx.AsyncClient(
                    transport=transport, timeout=httpx.Timeout(config.timeout)
                ),
            )

    async def __aenter__(self) -> LLMClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the HTTP client and, if we opened it, the cache."""
        if self._openai is not None:
            await self._openai.close()
            self._openai = None
        if self._owns_cache:
            self.cache.close()
        if self.ledger is not None:
            self.ledger.close()
            self.ledger = None

    def _redact(self, text: str) -> str:
        return redact(text, self.config.api_key)

    async def structured(
        self,
        prompt: Prompt,
        messages: list[dict[str, str]],
        response_model: type[T],
        *,
        context: dict[str, Any] | None = None,
    ) -> T:
        """Ask for ``response_model``; validation failures are re-asked ``config.reasks`` times.

        Raises ``AnswerRejected`` when the answers never validate, ``CacheMiss`` in replay,
        ``BudgetExceeded`` when the run budget is spent and ``LLMError`` for transport failures.
        """

        async def create(*args: Any, **kwargs: Any) -> ChatCompletion:
            return await self._fetch(prompt, kwargs)

        patched: Any = instructor.patch(create=create, mode=_MODES[self.config.mode])
        reasks = AsyncRetrying(
            stop=stop_after_attempt(1 + self.config.reasks),
            retry=retry_if_exception_type(_REASK_ERRORS),
            reraise=True,
        )
        try:
            result = await patched(
                response_model=response_model,
                context=context or {},
                max_retries=reasks,
                strict=False,
                model=self.config.model,
                messages=[dict(m) for m in messages],
                temperature=self.config.temperature,
            )
        except InstructorRetryException as exc:
            cause = exc.__cause__
            if isinstance(cause, LLMError):  # 1.17 wraps what our _fetch raised; unwrap it
                raise cause from None
            if cause is not None and not isinstance(cause, _REASK_ERRORS):
                raise  # not a validation failure: a bug, let it surface
            errors = self._redact(str(cause or exc))
            n = int(getattr(exc, "n_attempts", 0) or 0)
            usage = getattr(exc, "total_usage", None)
            raise AnswerRejected(
                f"{prompt.ref}: answer failed validation after {n} attempt(s): {errors[:2000]}",
                attempts=n,
                tokens=int(getattr(usage, "total_tokens", 0) or 0),
                last_answer=answer_text(getattr(exc, "last_completion", None)),
            ) from None
        except IncompleteOutputException as exc:
            raise AnswerRejected(
                f"{prompt.ref}: answer cut off at the token limit",
                attempts=1,
                last_answer=answer_text(getattr(exc, "last_completion", None)),
            ) from None
        except AssertionError:  # instructor's check for exactly one tool call (tools mode)
            raise AnswerRejected(
                f"{prompt.ref}: answer was not a single call of the answer tool", attempts=1
            ) from None
        return cast(T, result)

    async def _fetch(self, prompt: Prompt, request: dict[str, Any]) -> ChatCompletion:
        """One request: cache, budget, retried send, usage, cache store."""
        request = compact_schema(request)
        payload = {
            "model": self.config.model,
            "mode": self.config.mode,
            "prompt": prompt.name,
            "prompt_version": prompt.version,
            "prompt_sha256": prompt.sha256,
            "request": request,
        }
        key = cache_key(payload)
        hit = self.cache.get(key)
        if hit is not None:
            self.stats.cache_hits += 1
            self._record(prompt, hit.prompt_tokens, hit.completion_tokens, True, 0, 0.0)
            return ChatCompletion.model_validate(hit.response)
        self.stats.misses += 1
        if self.config.backend == "replay":
            raise CacheMiss(f"replay: no cached answer for {prompt.ref} ({key})")
        started = time.monotonic()
        async with self._semaphore:  # held across retries: backoff under 429 should not refill
            if self._reached:
                self._check_endpoint()
                self._reserve()  # inside the slot, so the token budget is checked fresh
                completion, attempts = await self._send(request)
            else:
                async with self._probe:
                    self._check_endpoint()
                    self._reserve()
                    completion, attempts = await self._send(request)
                self._reached = True
        # a response may echo what we sent (headers included): nothing of the key is kept
        completion = ChatCompletion.model_validate(
            _redact_tree(completion.model_dump(mode="json"), self.config.api_key)
        )
        usage = completion.usage
        p_tok = (usage.prompt_tokens or 0) if usage else 0
        c_tok = (usage.completion_tokens or 0) if usage else 0
        total = (usage.total_tokens or p_tok + c_tok) if usage else 0
        self.stats.tokens += total
        if self.ledger is not None:
            self.ledger.add_tokens(total)
        self.stats.prompt_tokens += p_tok
        self.stats.completion_tokens += c_tok
        self._record(prompt, p_tok, c_tok, False, attempts, time.monotonic() - started)
        self.cache.put(
            key,
            model=self.config.model,
            prompt=prompt.name,
            prompt_version=prompt.version,
            request=payload,
            response=completion.model_dump(mode="json"),
            prompt_tokens=p_tok,
            completion_tokens=c_tok,
        )
        return completion

    def _remaining(self) -> float | None:
        """Seconds left before the stage deadline (None: no deadline)."""
        if self.config.deadline_at is None:
            return None
        return self.config.deadline_at - time.time()

    def unavailable(self) -> str | None:
        """Why no call can be made now (endpoint down, deadline passed), or None."""
        try:
            self._check_endpoint()
        except LLMError as exc:
            return str(exc)
        return None

    def _check_endpoint(self) -> None:
        """Stop before sending when the endpoint is known down or the deadline has passed."""
        down = self._down or (self.ledger.down() if self.ledger is not None else None)
        if down:
            self._down = down
            raise EndpointDown(f"endpoint unreachable: {down}")
        left = self._remaining()
        if left is not None and left <= 0:
            raise BudgetExceeded("LLM stage deadline passed", self.stats.calls, self.stats.tokens)

    def _reserve(self) -> None:
        """Take one call from the budget before sending, so concurrent tasks cannot overshoot."""
        cfg, st = self.config, self.stats
        if self.ledger is not None:  # the run's budget, shared with every worker
            spent = self.ledger.take_call(cfg.max_calls, cfg.max_tokens)
            if spent:
                raise BudgetExceeded(spent, st.calls, st.tokens)
            st.calls += 1
            return
        if cfg.max_calls is not None and st.calls >= cfg.max_calls:
            raise BudgetExceeded(
                f"LLM budget spent: {st.calls} of {cfg.max_calls} calls", st.calls, st.tokens
            )
        if cfg.max_tokens is not None and st.tokens >= cfg.max_tokens:
            raise BudgetExceeded(
                f"LLM budget spent: {st.tokens} of {cfg.max_tokens} tokens", st.calls, st.tokens
            )
        st.calls += 1

    def _record(
        self, prompt: Prompt, p_tok: int, c_tok: int, cached: bool, attempts: int, secs: float
    ) -> None:
        rec = CallRecord(
            prompt=prompt.ref,
            model=self.config.model,
            prompt_tokens=p_tok,
            completion_tokens=c_tok,
            cached=cached,
            attempts=attempts,
            seconds=round(secs, 3),
            at=datetime.now(UTC).isoformat(timespec="seconds"),
        )
        self.stats.records.append(rec)
        logger.debug(
            "llm call %s model=%s tokens=%d+%d cached=%s attempts=%d",
            rec.prompt,
            rec.model,
            p_tok,
            c_tok,
            cached,
            attempts,
        )

    def _wait(self, state: RetryCallState) -> float:
        """Retry-After when the server gives one (capped), else exponential backoff; plus jitter."""
        b = self.config.backoff
        exc = state.outcome.exception() if state.outcome else None
        after = _retry_after(exc)
        if after is not None:
            base = min(after, b.max_retry_after)
        else:
            base = min(b.maximum, b.initial * 2 ** (state.attempt_number - 1))
        left = self._remaining()
        if left is not None:
            base = max(0.0, min(base, left))
        return base + random.uniform(0, b.jitter)

    def _before_sleep(self, state: RetryCallState) -> None:
        self.stats.retries += 1
        exc = state.outcome.exception() if state.outcome else None
        logger.warning(
            "LLM request failed (%s), retry %d in %.2fs",
            self._redact(_describe(exc)),
            state.attempt_number,
            state.upcoming_sleep,
        )

    async def _send(self, request: dict[str, Any]) -> tuple[ChatCompletion, int]:
        """POST the request with tenacity retries; return the completion and attempts used."""
        assert self._openai is not None
        client = self._openai
        attempts = 0
        connect_attempts = max(1, self.config.connect_attempts)

        def refused_enough(state: RetryCallState) -> bool:
            exc = state.outcome.exception() if state.outcome else None
            return _refused(exc) and state.attempt_number >= connect_attempts

        def past_deadline(state: RetryCallState) -> bool:
            left = self._remaining()
            return left is not None and left <= 0

        retrying = AsyncRetrying(
            stop=stop_any(
                stop_after_attempt(self.config.backoff.attempts),
                cast(Any, refused_enough),
                cast(Any, past_deadline),
            ),
            wait=self._wait,
            retry=retry_if_exception(_transient),
            before_sleep=self._before_sleep,
            reraise=True,
        )
        try:
            async for attempt in retrying:
                with attempt:
                    attempts = attempt.retry_state.attempt_number
                    left = self._remaining()
                    if left is not None and left <= 0:
                        raise BudgetExceeded("LLM stage deadline passed", 0, self.stats.tokens)
                    timeout = (
                        self.config.timeout if left is None else min(self.config.timeout, left)
                    )
                    try:
                        completion = await client.chat.completions.create(
                            **request, timeout=timeout
                        )
                    except json.JSONDecodeError as exc:
                        raise _MalformedResponse(f"response body is not JSON: {exc}") from None
                    if not isinstance(completion, ChatCompletion) or not getattr(
                        completion, "choices", None
                    ):
                        raise _MalformedResponse("response has no choices")
                    return completion, attempts
        except (openai.OpenAIError, _MalformedResponse) as exc:
            if _refused(exc):
                reason = self._redact(f"{self.config.base_url}: {_describe(exc)}")
                self._down = reason
                if self.ledger is not None:
                    self.ledger.mark_down(reason)
                raise EndpointDown(f"endpoint unreachable: {reason}") from None
            raise LLMError(
                self._redact(f"LLM request failed after {attempts} attempt(s): {_describe(exc)}"),
                attempts=attempts,
                tokens=self.stats.tokens,
            ) from None
        raise InternalError("retry loop ended without a result")  # pragma: no cover


#: The JSON schema instructor's JSON modes append to the system message, indented by two.
_SCHEMA_BLOCK = re.compile(
    r"(json_schema:\s*)(\{.*\})(\s*Make sure to return an instance)", re.DOTALL
)


def compact_schema(request: dict[str, Any]) -> dict[str, Any]:
    """The request with the answer schema in the system message printed without indentation
    (the same schema in a fraction of the tokens: JSON and MD_JSON modes print it indented)."""
    messages = request.get("messages")
    if not messages or messages[0].get("role") != "system":
        return request
    content = messages[0].get("content")
    if not isinstance(content, str):
        return request
    m = _SCHEMA_BLOCK.search(content)
    if m is None:
        return request
    try:
        schema = json.loads(m.group(2))
    except ValueError:
        return request
    dense = json.dumps(schema, ensure_ascii=False, separators=(",", ":"))
    at = content.rfind("As a genius expert", 0, m.start())
    at = at if at >= 0 else m.start()
    preface = "\n".join(line.lstrip() for line in content[at : m.start()].split("\n"))
    text = (
        f"{content[:at].rstrip()}\n\n{preface}{m.group(1).strip()} {dense}\n{m.group(3).strip()}"
        f"{content[m.end() :]}"
    )
    first = {**messages[0], "content": text}
    return {**request, "messages": [first, *messages[1:]]}


def _refused(exc: BaseException | None) -> bool:
    """A connection that could not be made at all (not a timeout of one that was)."""
    return isinstance(exc, openai.APIConnectionError) and not isinstance(
        exc, openai.APITimeoutError
    )


def _describe(exc: BaseException | None) -> str:
    if exc is None:
        return "unknown error"
    if isinstance(exc, openai.APIStatusError):
        return f"HTTP {exc.status_code}: {str(exc)[:500]}"
    return f"{type(exc).__name__}: {str(exc)[:500]}"
