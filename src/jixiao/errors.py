"""Errors raised by jixiao, under one root.

    JixiaoError
    ├── InputError          a source file cannot be read (empty, binary, undecodable) — names the file
    ├── ConfigError         bad configuration (env var, profile, CLI option)
    ├── LLMError            the LLM stage failed after retries — carries attempts and token usage
    │   └── BudgetExceeded  the run's call/token budget is spent
    └── InternalError       our bug: an invariant broke

Batch code turns InputError into reject lines and goes on; only
ConfigError and InternalError stop a run.
"""

from __future__ import annotations


class JixiaoError(Exception):
    """Root of every error jixiao raises on purpose."""


class InputError(JixiaoError):
    """A source file cannot be read as text; ``code`` is its reject's stable code
    (``labels.REJECT_LABELS``), set where the error is raised."""

    def __init__(self, file: str, reason: str, code: str) -> None:
        super().__init__(f"{file}: {reason}")
        self.file = file
        self.reason = reason
        self.code = code


class ConfigError(JixiaoError):
    """Configuration is invalid."""


class LLMError(JixiaoError):
    """The LLM stage failed; carries the attempts made and the tokens spent."""

    def __init__(self, message: str, attempts: int = 0, tokens: int = 0) -> None:
        super().__init__(message)
        self.attempts = attempts
        self.tokens = tokens


class BudgetExceeded(LLMError):
    """The run's LLM budget (calls or tokens) is spent."""


class InternalError(JixiaoError):
    """An invariant broke: this is a bug in jixiao."""


#: Reject reasons for our own failures begin with this (Chinese first; see ``runstore``).
INTERNAL_PREFIX = "内部错误"


def internal_reason(what: str) -> str:
    """A reject reason for our own failure, Chinese first, with the exception named."""
    return f"{INTERNAL_PREFIX}: {what} / internal error in jixiao; the rest of the batch went on"


# Exit codes of ``jixiao normalize`` (documented in the CLI help and README).
#: every input understood
EXIT_OK = 0
#: some inputs (files, forms or cells) rejected, or an eval regression
EXIT_REJECTS = 1
#: usage error (bad option or argument)
EXIT_USAGE = 2
#: at least one file hit an internal error (a bug, or a worker that died): its reject says 内部错误
EXIT_INTERNAL = 3
#: another run holds the output directory's lock
EXIT_LOCKED = 4
#: an operational error stopped the run (output not writable, bad JIXIAO_HOME, disk full)
EXIT_OPERATIONAL = 5
#: the LLM endpoint was unreachable: forms kept at the rules stage, a rerun asks again
EXIT_LLM_DOWN = 6
#: the run was interrupted (Ctrl-C); what was finished is kept, a rerun resumes
EXIT_INTERRUPTED = 130

#: The exit codes as every command's ``-h`` lists them (one contract for all commands).
EXIT_HELP = (
    "退出码 / Exit codes: "
    "0 正常 ok; "
    "1 有拒收、问题或回归 some inputs rejected (see rejects.jsonl), review findings at or above "
    "--fail-on, or an eval regression; "
    "2 用法或输入错误 usage error, or an input path missing or not forms/sources; "
    "3 内部错误 internal error in a file (its reject says 内部错误); "
    "4 输出目录被占用 another run holds the output directory; "
    "5 运行失败 operational error (output not writable, disk full); "
    "6 模型服务不可用 LLM endpoint unreachable or unusable; "
    "130 已中断，重跑即续 interrupted (Ctrl-C): rerun the same command to resume."
)


def error_line(message: object) -> str:
    """A user's mistake as the one line every command prints before exiting 2."""
    return f"错误 / error: {' '.join(str(message).split())}"


def out_dir_problem(path: object, option: str = "-o") -> str | None:
    """Why ``path`` cannot be an output directory (it is a file), or None; one line to print."""
    from pathlib import Path

    p = Path(str(path))
    if p.exists() and not p.is_dir():
        return (
            f"{p} 是文件，不是目录：{option} 需要输出目录 / {p} is a file: {option} needs an "
            "output directory"
        )
    return None  # a directory that cannot be made is an operational error (exit 5), said once
