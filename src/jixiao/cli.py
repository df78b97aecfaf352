"""The ``jixiao`` command line: normalize, inspect, eval, review, synth.

Exit codes (``jixiao.errors``): 0 all inputs understood; 1 some inputs (files, forms or cells)
rejected, or an eval regression; 2 usage errors; 3 a file hit an internal error (its reject
says 内部错误; the batch went on); 4 another run holds the output directory; 5 an operational
error (output not writable, disk full, bad JIXIAO_HOME).
"""

from __future__ import annotations

# isort: off
from jixiao import interrupt  # first: a Ctrl-C while the imports below load is one line too

# isort: on
import importlib
import os
from collections import Counter
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from typer.core import TyperCommand, TyperGroup

try:  # typer >= 0.22 carries its own click: TyperGroup's commands and contexts are its own
    from typer import _click as click
    from typer._click import exceptions as click_errors
except ImportError:  # pragma: no cover - older typer on the installed click
    import click  # type: ignore[no-redef]
    from click import exceptions as click_errors  # type: ignore[no-redef]

from jixiao import limits
from jixiao.engines import ENGINES
from jixiao.errors import (
    EXIT_HELP,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_LLM_DOWN,
    EXIT_LOCKED,
    EXIT_OPERATIONAL,
    EXIT_REJECTS,
    EXIT_USAGE,
    ConfigError,
    JixiaoError,
    error_line,
    out_dir_problem,
)
from jixiao.ingest.stdin import is_stdin, stdin_paths
from jixiao.labels import (
    LANG_ENV,
    OTHER_REJECT,
    Lang,
    check_lang,
    flag_label,
    reject_label,
    reject_reason,
)
from jixiao.output import logs
from jixiao.output.jsonout import (
    INSPECT_JSON_HELP,
    NORMALIZE_COUNTS,
    NORMALIZE_JSON_HELP,
    print_json,
)
from jixiao.output.runtime import tune_for_batch
from jixiao.output.safetext import terminal
from jixiao.settings import DEFAULT_MODEL, Backend, Stage

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress

    from jixiao.llm.ledger import RunLedger
    from jixiao.schema import FileResult, PartOutcome

#: One line on Ctrl-C (every command; the run store makes a rerun resume).
INTERRUPTED = interrupt.MESSAGE

#: Commands imported only when run or asked for their help: ``jixiao --help`` stays fast.
LAZY_COMMANDS: dict[str, tuple[str, str, str]] = {
    "eval": (
        "jixiao.evaluate.command",
        "eval_command",
        "Score the pipeline against a golden directory; exit 1 on a regression.",
    ),
    "review": (
        "jixiao.review.command",
        "review_command",
        "Check forms against the rule catalogue; write findings.jsonl, report.html, review.xlsx.",
    ),
    "synth": (
        "jixiao.synth.command",
        "synth_command",
        "Write a synthetic golden set: seed-recombined forms, known defects, exact truth.",
    ),
}


class LazyGroup(TyperGroup):
    """The ``jixiao`` group: heavy commands load on use; Ctrl-C is one line and exit 130."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [*super().list_commands(ctx), *(n for n in LAZY_COMMANDS if n not in self.commands)]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.commands or cmd_name not in LAZY_COMMANDS:
            return super().get_command(ctx, cmd_name)
        short = LAZY_COMMANDS[cmd_name][2]
        return TyperCommand(name=cmd_name, help=short, short_help=short)  # listed, not loaded

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        if args and args[0] in LAZY_COMMANDS and args[0] not in self.commands:
            self.add_command(_load(args[0]), args[0])
        name, cmd, rest = super().resolve_command(ctx, args)
        ctx.meta["jixiao.command"] = f"{ctx.command_path} {name}"  # for a usage error's line
        return name, cmd, rest

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        try:
            return super().make_context(info_name, args, parent, **extra)
        except click_errors.UsageError as exc:  # the group's own options: ``jixiao --bogus``
            raise OneLineUsageError.of(exc) from None

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            interrupt.tell()  # already told, when it came as a signal
            raise typer.Exit(EXIT_INTERRUPTED) from None
        except click_errors.UsageError as exc:  # a command's arguments, or an unknown command
            sub = ctx.meta.get("jixiao.command")
            raise OneLineUsageError.of(exc, sub) from None


class OneLineUsageError(click_errors.UsageError):
    """Click's usage errors (missing argument, unknown option or command, bad value) as the
    one line every command prints for a user's mistake: Chinese first, the option named,
    click's English after it, and where to look; exit 2 (``EXIT_USAGE``)."""

    exit_code = EXIT_USAGE

    def __init__(self, line: str, ctx: click.Context | None = None) -> None:
        super().__init__(line, ctx)
        self.line = line

    @classmethod
    def of(cls, exc: click_errors.UsageError, where: str | None = None) -> click_errors.UsageError:
        """The one-line error for ``exc``; ``where`` names the command when click did not."""
        if isinstance(exc, (cls, click_errors.NoArgsIsHelpError)):
            return exc  # already one line; ``jixiao`` alone prints the help
        english = " ".join(exc.format_message().split())
        where = exc.ctx.command_path if exc.ctx is not None else where or "jixiao"
        where = " ".join(["jixiao", *where.split()[1:]])  # ``python -m jixiao.cli`` too
        return cls(error_line(f"{_usage_zh(exc)} / {english} （{where} -h）"), exc.ctx)

    def show(self, file: Any = None) -> None:
        typer.echo(self.line, err=True)


def _usage_zh(exc: click_errors.UsageError) -> str:
    """What went wrong, in Chinese, naming the option or argument."""
    hint = _param_hint(exc)
    if isinstance(exc, click_errors.MissingParameter):
        param = getattr(exc, "param", None)
        kind = "参数" if getattr(param, "param_type_name", None) == "argument" else "选项"
        return f"缺少{kind} {hint}".rstrip()
    if isinstance(exc, click_errors.NoSuchOption):
        maybe = sorted(exc.possibilities or ())
        return f"没有选项 {exc.option_name}" + (
            f"（是否想用 {'、'.join(maybe)}？）" if maybe else ""
        )
    if isinstance(exc, click_errors.BadOptionUsage):
        if "requires an argument" in exc.message:
            return f"选项 {exc.option_name} 后面缺少值"
        return f"选项 {exc.option_name} 用法不对"
    if isinstance(exc, click_errors.BadParameter):
        return f"{hint} 的值无效" if hint else "值无效"
    if exc.message.startswith("Got unexpected extra argument"):
        return "多余的参数（路径里有空格？请加引号）"
    if exc.message.startswith("No such command"):
        listed = getattr(exc.ctx.command, "list_commands", None) if exc.ctx else None
        names = "、".join(sorted(listed(exc.ctx))) if listed else ""
        return "没有这个命令" + (f"（可用：{names}）" if names else "")
    return "用法不对"


def _param_hint(exc: click_errors.UsageError) -> str:
    """``'-n' / '--forms'`` or ``'PATH'``: the option or argument an error is about."""
    hint = getattr(exc, "param_hint", None)
    param = getattr(exc, "param", None)
    if hint is None and param is not None:
        try:
            hint = param.get_error_hint()
        except TypeError:  # click's own get_error_hint takes the context
            hint = param.get_error_hint(exc.ctx)
    if isinstance(hint, (list, tuple)):
        hint = " / ".join(hint)
    return str(hint or "")


def _load(name: str) -> click.Command:
    """The click command of a lazily imported ``jixiao`` command."""
    module, attr, _short = LAZY_COMMANDS[name]
    sub = typer.Typer(add_completion=False, rich_markup_mode=None)
    sub.command(name, epilog=EXIT_HELP)(getattr(importlib.import_module(module), attr))
    return typer.main.get_command(sub)


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            number = version("jixiao")
        except PackageNotFoundError:  # pragma: no cover - run from a source tree
            number = "unknown"
        typer.echo(f"jixiao {number}")
        raise typer.Exit()


app = typer.Typer(
    help="jixiao (绩效): parse, repair and review 绩效目标表 (budget performance-target forms).",
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
    add_completion=False,
    cls=LazyGroup,
    epilog=EXIT_HELP,
    rich_markup_mode=None,
)


class _Stderr:
    """The rich console on stderr, made on first use (rich is not imported for ``--help``)."""

    _console: Console | None = None

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real(), name)

    @staticmethod
    def real() -> Console:
        """The console itself (rich's ``Live`` enters it with ``with``: no proxy will do)."""
        if _Stderr._console is None:
            from rich.console import Console

            _Stderr._console = Console(stderr=True)
        return _Stderr._console


console: Any = _Stderr()

LANG_OPTION = typer.Option(
    "--lang",
    envvar=LANG_ENV,
    help="Language of what a person reads (summaries, reasons, labels, headers): zh | en. "
    "Codes in JSON Lines do not change.",
)


@app.callback()
def _main(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """Every command is a batch run: tune the process for it."""
    tune_for_batch()


@app.command(epilog=EXIT_HELP)
def normalize(
    paths: Annotated[
        list[Path],
        typer.Argument(
            help="Source files or directories (recursive); - reads standard input.",
            metavar="PATH",
        ),
    ],
    out: Annotated[Path, typer.Option("-o", "--out", help="Output directory.")] = Path("out"),
    stage: Annotated[
        Stage | None,
        typer.Option(
            "--stage",
            help="Run the cascade up to: parse | rules | llm (default: llm when --llm is set, "
            "else rules).",
            envvar="JIXIAO_STAGE",
        ),
    ] = None,
    llm: Annotated[
        Backend,
        typer.Option(
            "--llm",
            help="LLM backend: none | openai | replay. The endpoint is JIXIAO_LLM_BASE_URL, the "
            f"model JIXIAO_LLM_MODEL (default {DEFAULT_MODEL}); see README for DeepSeek, Qwen, "
            "Ollama, vLLM.",
            envvar="JIXIAO_LLM_BACKEND",
        ),
    ] = "none",
    accept_model_completions: Annotated[
        bool,
        typer.Option(
            "--accept-model-completions",
            help="Put the model's completion of a cut name printed nowhere into name (flagged "
            "name_completed_by_model); without it the completion is only a suggestion in the "
            "review queue.",
        ),
    ] = False,
    jobs: Annotated[
        int,
        typer.Option(
            "-j",
            "--jobs",
            help="Worker processes (default: one for a small input, all cores for a large one).",
            envvar="JIXIAO_JOBS",
        ),
    ] = 0,
    quiet: Annotated[bool, typer.Option("-q", "--quiet", help=logs.QUIET_HELP)] = False,
    verbose: Annotated[
        int, typer.Option("-v", "--verbose", count=True, help=logs.VERBOSE_HELP)
    ] = 0,
    json_output: Annotated[bool, typer.Option("--json", help=NORMALIZE_JSON_HELP)] = False,
    lang: Annotated[str, LANG_OPTION] = "zh",
    engine: Annotated[
        str,
        typer.Option(
            "--engine",
            help="Run on: local (a process pool) | ray (Ray Data; pip install 'jixiao[ray]').",
            envvar="JIXIAO_ENGINE",
        ),
    ] = "local",
    ray_address: Annotated[
        str | None,
        typer.Option(
            "--ray-address",
            help="Ray cluster for --engine ray: auto | ray://HOST:10001 (default: a local Ray "
            "with --jobs CPUs).",
            envvar="RAY_ADDRESS",
        ),
    ] = None,
    budget_calls: Annotated[
        int | None,
        typer.Option("--budget-calls", min=1, help="LLM calls allowed in this whole run."),
    ] = None,
    budget_tokens: Annotated[
        int | None,
        typer.Option("--budget-tokens", min=1, help="LLM tokens allowed in this whole run."),
    ] = None,
    llm_deadline: Annotated[
        float | None,
        typer.Option("--llm-deadline", help="Seconds after which the LLM stage starts no call."),
    ] = None,
    llm_timeout: Annotated[
        float | None,
        typer.Option("--llm-timeout", help="Seconds per LLM request (default 60)."),
    ] = None,
    max_file_bytes: Annotated[
        int, typer.Option(min=1, help="Limit: bytes per input file.")
    ] = limits.Limits.file_bytes,
    max_member_bytes: Annotated[
        int,
        typer.Option(
            min=1,
            help="Limit: bytes a zip member (of an archive or a .docx/.xlsx/.ofd) inflates to.",
        ),
    ] = limits.Limits.member_bytes,
    max_pages: Annotated[
        int, typer.Option(min=1, help="Limit: pages (PDF) or frames (images) per document.")
    ] = limits.Limits.pages,
    max_sheet_cells: Annotated[
        int, typer.Option(min=1, help="Limit: rows × columns per sheet or table.")
    ] = limits.Limits.sheet_cells,
    max_span: Annotated[
        int, typer.Option(min=1, help="Limit: rowspan/colspan/gridSpan of one merged cell.")
    ] = limits.Limits.span,
    max_cell_chars: Annotated[
        int, typer.Option(min=1, help="Limit: characters per cell (or text-dump cell).")
    ] = limits.Limits.cell_chars,
    max_zip_members: Annotated[
        int, typer.Option(min=1, help="Limit: entries per .zip archive.")
    ] = limits.Limits.zip_members,
    max_zip_depth: Annotated[
        int, typer.Option(min=1, help="Limit: archives nested in archives (a .zip is 1).")
    ] = limits.Limits.zip_depth,
    max_seconds: Annotated[
        int, typer.Option(min=1, help="Limit: wall-clock seconds to process one file.")
    ] = limits.Limits.seconds,
    max_memory_mb: Annotated[
        int,
        typer.Option(min=64, help="Limit: resident memory (MB) of the process reading a file."),
    ] = limits.Limits.memory_mb,
) -> None:
    """Turn legacy dumps into canonical records: forms.jsonl, indicators.csv, rejects.jsonl.

    A .zip archive is walked like a directory (members named archive.zip!member); every
    entry skipped (unknown suffix, hidden, symlink out of the tree) is a reject saying why.

    A file past a limit (--max-*) is rejected with the limit named; a file that hits a bug is
    rejected as 内部错误 and the batch goes on (exit code 3). One run at a time per OUT.

    Results are kept per file in OUT/.jixiao-run.sqlite (keyed by content hash): a rerun, or
    a run resumed after it was killed, parses only what is new.

    Examples:

        jixiao normalize golden/inputs -o out

        cat form.docx | jixiao normalize - -o out --json

        jixiao normalize archive/ -o out --jobs 8 --stage parse

        jixiao normalize /mnt/archive -o out --engine ray --ray-address auto

        JIXIAO_LLM_BASE_URL=http://127.0.0.1:8000/v1 jixiao normalize a.txt -o out --stage llm --llm openai
    """
    logs.setup(logs.level(verbose, quiet))
    if llm not in ("none", "openai", "replay"):
        raise typer.BadParameter(f"--llm must be none, openai or replay, not {llm!r}")
    language = _lang(lang)
    if engine not in ENGINES:
        raise typer.BadParameter(f"--engine must be local or ray, not {engine!r}")
    from jixiao.engines import ray as ray_engine
    from jixiao.ingest import uris
    from jixiao.llm.ledger import endpoint_note, llm_run_env
    from jixiao.output.runstore import LockHeld, OutputLock

    if engine == "ray" and not ray_engine.available():
        raise typer.BadParameter("--engine ray needs Ray: pip install 'jixiao[ray]'")
    stage = stage or ("llm" if llm != "none" else "rules")
    if llm != "none" and stage != "llm":
        raise typer.BadParameter(
            f"--llm {llm} only acts in the llm stage: use --stage llm (or drop --stage), "
            f"not --stage {stage}"
        )
    try:
        if accept_model_completions:
            if stage != "llm" or llm == "none":
                _usage_error("--accept-model-completions needs the LLM stage (--llm openai)")
            os.environ["JIXIAO_LLM_COMPLETIONS"] = "accept"  # workers inherit it
        ledger = llm_run_env(
            out, stage, llm, budget_calls, budget_tokens, llm_deadline, llm_timeout
        )
    except ConfigError as exc:
        _usage_error(f"配置错误 / configuration: {exc}")
    note = endpoint_note(llm)
    if note:
        console.print(note, soft_wrap=True)
    missing = [
        p
        for p in paths
        if not p.exists() and not is_stdin(p) and not uris.is_uri(uris.unfold(str(p)))
    ]
    if missing:
        _usage_error(
            f"找不到文件或目录 / no such file or directory: {', '.join(map(str, missing))}"
        )
    problem = out_dir_problem(out)
    if problem:
        _usage_error(problem)
    lims = limits.Limits(
        file_bytes=max_file_bytes,
        member_bytes=max_member_bytes,
        pages=max_pages,
        sheet_cells=max_sheet_cells,
        span=max_span,
        cell_chars=max_cell_chars,
        zip_members=max_zip_members,
        zip_depth=max_zip_depth,
        seconds=max_seconds,
        memory_mb=max_memory_mb,
    )
    import sqlite3

    try:
        with OutputLock(out), stdin_paths(paths) as (inputs, names):
            _normalize(
                inputs,
                out,
                stage,
                llm,
                jobs,
                quiet,
                lims,
                engine,
                ray_address,
                ledger,
                language,
                names=names,
                json_output=json_output,
            )
    except ConfigError as exc:
        _usage_error(str(exc))
    except LockHeld as exc:
        console.print(str(exc), markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(EXIT_LOCKED) from None
    except (OSError, sqlite3.Error, JixiaoError) as exc:
        console.print(_one_line(exc), markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(EXIT_OPERATIONAL) from None


def _usage_error(message: str) -> NoReturn:
    """A user's mistake: one line on stderr, exit 2."""
    typer.echo(error_line(message), err=True)
    raise typer.Exit(EXIT_USAGE)


def _one_line(exc: BaseException) -> str:
    """An operational error as one line a person can act on (no traceback)."""
    if isinstance(exc, OSError) and exc.strerror:
        where = f": {exc.filename}" if exc.filename else ""
        return f"运行失败 / run failed: {exc.strerror}{where}"
    return f"运行失败 / run failed: {type(exc).__name__}: {' '.join(str(exc).split())}"


def _normalize(
    paths: list[Path],
    out: Path,
    stage: str,
    llm: str,
    jobs: int,
    quiet: bool,
    lims: limits.Limits,
    engine: str,
    ray_address: str | None,
    ledger: RunLedger | None,
    lang: Lang = "zh",
    *,
    names: dict[str, str] | None = None,
    json_output: bool = False,
) -> None:
    """The run behind ``normalize`` (holding the output directory's lock); ``names`` maps a
    path to the name shown for it (``<stdin>``)."""
    from jixiao.engines import local as local_engine
    from jixiao.engines import ray as ray_engine
    from jixiao.ingest import uris
    from jixiao.ingest.archive import Member, Skipped
    from jixiao.output.runstore import (
        STORE_NAME,
        Job,
        RunStore,
        file_digest,
        skip_outcome,
        stored_outcomes,
    )
    from jixiao.output.writers import RunWriter
    from jixiao.pipeline import Source, run_file, run_named, walk
    from jixiao.repair.cascade import llm_settings
    from jixiao.settings import RunSettings

    # the LLM settings that change a result (model, endpoint host, prompts) key the store too
    llm_key = llm_settings(llm) if stage == "llm" and llm != "none" else ""
    settings = RunSettings(stage, llm, lims, llm_key)
    names = names or {}
    work = partial(run_named, names=names) if names else run_file
    all_jobs: list[Job] = []
    skipped: list[PartOutcome] = []  # entries not read, one reject each
    digests: dict[Path, str] = {}
    for given in paths:
        uri = uris.unfold(str(given))
        if uris.is_uri(uri):  # listed and read through pyarrow's filesystems, named by URI
            for name, reason in uris.list_uri(uri):
                if reason:
                    skipped.append(skip_outcome(name, reason))
                    continue
                try:
                    sha = uris.digest(name)
                except OSError:
                    sha = "unreadable"
                members = uris.zip_entries(name)
                found: list[Member | Skipped | None] = list(members) if members else [None]
                for entry in found:  # a zip: one job per member
                    if isinstance(entry, Skipped):
                        skipped.append(skip_outcome(entry.name, entry.reason, "skipped"))
                    else:
                        all_jobs.append(Job(name, sha, settings, entry, name))
            continue
        for unit in walk([given]):
            if isinstance(unit, Source):
                if unit.path not in digests:
                    try:
                        digests[unit.path] = file_digest(unit.path)
                    except OSError:
                        digests[unit.path] = "unreadable"  # reading it again makes its reject
                label = names.get(str(unit.path))
                job = Job(str(unit.path), digests[unit.path], settings, unit.member, label)
                all_jobs.append(job)
            else:
                skipped.append(skip_outcome(unit.name, unit.reason, "skipped"))
    store = RunStore(out / STORE_NAME)
    key = settings.key()
    todo = [job for job in all_jobs if not store.has(job.name, job.sha, key)]
    requested = jobs if jobs > 0 else auto_workers(todo)
    workers = min(requested, max(len(todo), 1))
    counts: Counter[str] = Counter({"files": len(all_jobs), "skipped": len(skipped)})
    flags: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    pending = set(todo)
    written = 0
    notes: list[str] = []  # the engine's (Ray: the LLM budget's shares and use)
    try:
        with _progress(quiet) as progress, RunWriter(out, lang) as writer:
            task = progress.add_task(
                "normalize",
                total=len(all_jobs),
                completed=len(all_jobs) - len(todo),
                forms=0,
                rejects=0,
            )

            def write_ready() -> None:
                """Write, in input order, every file whose turn has come and whose parts are in
                (outputs grow while workers parse; they are renamed into place at the end)."""
                nonlocal written
                while written < len(all_jobs) and all_jobs[written] not in pending:
                    for part in stored_outcomes(store, [all_jobs[written]]):
                        writer.add_part(part)
                        _tally(part, counts, flags, reasons)
                    written += 1

            def done(job: Job, totals: dict[str, int]) -> None:
                # a file whose LLM calls failed (endpoint down, budget spent) is not done:
                # the next run asks again
                failed = totals.get("failed") or totals.get("llm_failed")
                if not failed and (ledger is None or ledger.down() is None):
                    store.done(job.name, job.sha, key, totals)
                pending.discard(job)
                progress.update(
                    task,
                    advance=1,
                    forms=progress.tasks[0].fields["forms"] + totals["forms"],
                    rejects=progress.tasks[0].fields["rejects"] + totals["rejects"],
                )
                write_ready()

            for part in skipped:  # first, in walk order: every entry not read is named
                writer.add_part(part)
                _tally(part, counts, flags, reasons)
            write_ready()
            if workers <= 1 and engine != "ray":
                from jixiao.grammar import jieba_tokenizer

                # loaded before the first file's clock starts (--max-seconds): jieba's loader
                # swallows exceptions, so a limit hit inside it would leave it half made
                jieba_tokenizer()
            if engine == "ray":
                notes = ray_engine.run_jobs(
                    todo,
                    out / STORE_NAME,
                    done,
                    work,
                    address=ray_address,
                    num_cpus=jobs or None,
                )
            else:
                # processes the files leave idle read the pages of a long scan
                page_jobs = max(1, requested // workers)
                local_engine.run_jobs(todo, workers, out / STORE_NAME, done, work, page_jobs)
            write_ready()
    finally:
        store.close()
    counts["reused"] = len(all_jobs) - len(todo)
    _summary(counts, flags, reasons, out, lang)
    code = EXIT_INTERNAL if counts["internal"] else EXIT_REJECTS if counts["rejects"] else 0
    llm_json: dict[str, Any] | None = None
    if ledger is not None:
        down = ledger.down()
        calls, tokens = ledger.totals()
        ledger.close()
        llm_json = {"calls": calls, "tokens": tokens, "down": down or None}
        console.print(
            f"LLM：本次调用 {calls} 次，{tokens} 个 token"
            if lang == "zh"
            else f"LLM: {calls} calls, {tokens} tokens this run"
        )
        for line in notes:
            console.print(line, markup=False, highlight=False, soft_wrap=True)
        if down:
            console.print(
                f"模型服务不可达：{down}；各表停在规则阶段，重新运行即可重试"
                if lang == "zh"
                else f"endpoint unreachable: {down}; forms kept at the rules stage; rerun to retry",
                style="red",
                markup=False,
                soft_wrap=True,
            )
            code = code if code == EXIT_INTERNAL else EXIT_LLM_DOWN
    if json_output:
        print_json(
            {
                "command": "normalize",
                "exit": code,
                "out": str(out),
                **{k: counts[k] for k in NORMALIZE_COUNTS},
                "reject_codes": dict(reasons.most_common()),
                "flags": dict(flags.most_common()),
                "llm": llm_json,
            }
        )
    if code:
        raise typer.Exit(code)


#: A worker process costs about a second and a half to start (imports, the jieba dictionary).
#: Measured with eval/bench_jobs.py and /usr/bin/time on 2 shared cores (load 3-8): the bundled
#: sample (19 files) took 4.1-4.5 s with one process (-j 1 and the default alike) and 9.1-9.6 s
#: with two (1.7 s CPU against 4.1 s); a 1,500-form synthetic set (``jixiao synth -n 1500
#: --seed 3``, 30 files, 2.3 MB) 18-30 s with one process against 24-31 s with two (7.3-10.3 s
#: CPU against 10.3-10.7 s). More processes pay off only for inputs that take one process
#: longer than this many seconds, estimated from text bytes (about 0.4 MB/s per core, the rules
#: stage included) and the count of other documents.
AUTO_SERIAL_SECONDS = 20.0
_TEXT_BYTES_PER_SECOND = 400_000
_SECONDS_PER_DOCUMENT = {
    ".pdf": 2.0,
    ".png": 3.0,
    ".jpg": 3.0,
    ".jpeg": 3.0,
    ".tif": 3.0,
    ".tiff": 3.0,
    ".docx": 0.3,
    ".xlsx": 0.3,
    ".doc": 2.5,  # LibreOffice starts per file (about 2 s) when the file is a binary one
    ".wps": 2.5,
    ".xls": 2.5,
    ".et": 2.5,
}


def auto_workers(todo: list[Any]) -> int:
    """``--jobs`` by default: one process unless the estimated work would take it longer than
    ``AUTO_SERIAL_SECONDS``, then every core."""
    seconds = 0.0
    for job in todo:
        path = Path(job.path)
        try:
            size = path.stat().st_size
        except OSError:
            continue
        seconds += _SECONDS_PER_DOCUMENT.get(path.suffix.lower(), size / _TEXT_BYTES_PER_SECOND)
        if seconds > AUTO_SERIAL_SECONDS:
            return os.cpu_count() or 1
    return 1


def _tally(
    part: PartOutcome, counts: Counter[str], flags: Counter[str], reasons: Counter[str]
) -> None:
    """Add one stored part to the run's totals."""
    counts["forms"] += len(part.forms)
    reasons.update(str(r.get("code") or OTHER_REJECT) for r in part.rejects)
    counts["rejects"] += len(part.rejects)
    counts["internal"] += sum(r.get("code") == "internal_error" for r in part.rejects)
    counts["queued"] += len(part.queue)
    for record in part.forms:
        counts["indicators"] += len(record["indicators"])
        for ind in record["indicators"]:
            flags.update(ind["flags"])


def _progress(quiet: bool) -> Progress:
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("files · {task.fields[forms]} forms · {task.fields[rejects]} rejects"),
        TimeRemainingColumn(),
        console=_Stderr.real(),
        disable=quiet or not _Stderr.real().is_terminal,  # no bar, nor its blank line, in a log
        transient=True,
    )


def _summary(
    counts: Counter[str], flags: Counter[str], reasons: Counter[str], out: Path, lang: Lang
) -> None:
    """The run's totals, the rejects by kind and the flagged cells by flag (to stderr)."""
    if lang == "zh":
        console.print(
            f"文件 {counts['files']}（{counts['reused']} 个未变，未重新解析）"
            + (f" · 跳过 {counts['skipped']}" if counts["skipped"] else "")
            + f" · 表 {counts['forms']}"
            f" · 指标 {counts['indicators']} · 拒收 {counts['rejects']}"
            f" · 待复核 {counts['queued']} → {out}",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
    else:
        console.print(
            f"files {counts['files']} ({counts['reused']} unchanged, not parsed again)"
            + (f" · skipped {counts['skipped']}" if counts["skipped"] else "")
            + f" · forms {counts['forms']} · indicators {counts['indicators']} · rejects {counts['rejects']}"
            f" · review queue {counts['queued']} → {out}",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
    if counts["internal"]:
        console.print(
            f"内部错误 {counts['internal']} 个文件（见 rejects.jsonl）"
            if lang == "zh"
            else f"internal errors in {counts['internal']} files (see rejects.jsonl, 内部错误)"
        )
    sep = "、" if lang == "zh" else ", "
    if reasons:
        head = "拒收原因：" if lang == "zh" else "rejects: "
        console.print(
            head + sep.join(f"{reject_label(k, lang)} {v}" for k, v in reasons.most_common()),
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
    if flags:
        head = "源数据标记：" if lang == "zh" else "flagged cells: "
        console.print(
            head + sep.join(f"{flag_label(k, lang)} {v}" for k, v in flags.most_common()),
            markup=False,
            highlight=False,
            soft_wrap=True,
        )


def _lang(lang: str) -> Lang:
    try:
        return check_lang(lang)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None


@app.command(epilog=EXIT_HELP)
def inspect(
    file: Annotated[
        Path,
        typer.Argument(
            help="One source file; - reads standard input.", show_default=False, metavar="FILE"
        ),
    ],
    cells: Annotated[
        bool,
        typer.Option(
            "--cells",
            help="逐行列出切出的单元格：类型（按内容判断）与解析结果赋予的角色 / "
            "the typed cell stream and the role the reading gave each cell.",
        ),
    ] = False,
    json_output: Annotated[bool, typer.Option("--json", help=INSPECT_JSON_HELP)] = False,
    quiet: Annotated[bool, typer.Option("-q", "--quiet", help=logs.QUIET_HELP)] = False,
    verbose: Annotated[
        int, typer.Option("-v", "--verbose", count=True, help=logs.VERBOSE_HELP)
    ] = 0,
) -> None:
    """Show how a file is read: encoding, layout, forms, each indicator's raw cells and flags.

    Exits 1 when the file (or a part of it) is rejected, as normalize does.

    Examples:

        jixiao inspect golden/inputs/003_31a80ca4d7398804.txt

        jixiao inspect new_template.txt | less -R

        jixiao inspect --cells new_template.txt   # why each row was read the way it was

        cat form.xlsx | jixiao inspect - --json
    """
    logs.setup(logs.level(verbose, quiet))
    if not is_stdin(file) and not file.is_file():
        why = "是目录，不是文件 / is a directory, not a file" if file.is_dir() else "找不到文件"
        _usage_error(f"{file}: {why}" + ("" if file.is_dir() else " / no such file"))
    from jixiao.pipeline import normalize_path, run_file
    from jixiao.settings import RunSettings

    with stdin_paths([file]) as (paths, names):
        path = paths[0]
        name = names.get(str(path), str(file))
        if cells and not json_output:  # the grammar's own reading, before any repair
            result = normalize_path(path, name)
            _print_cells(_stdout(), path, result, name)
            code = EXIT_REJECTS if result.rejects else 0
        else:
            parts = list(run_file(path, RunSettings(), name=name))  # the forms normalize writes
            code = EXIT_REJECTS if any(part.rejects for part in parts) else 0
            if json_output:
                print_json(_inspect_json(name, parts, code))
            else:
                _print_view(_stdout(), name, parts)
    if code:
        raise typer.Exit(code)


def _stdout() -> Console:
    from rich.console import Console

    return Console(highlight=False)


def _inspect_json(name: str, parts: list[PartOutcome], code: int) -> dict[str, Any]:
    """The ``--json`` summary of ``inspect`` (keys: ``jsonout.INSPECT_JSON_HELP``)."""
    first = parts[0] if parts else None
    return {
        "command": "inspect",
        "exit": code,
        "file": name,
        "encoding": first.encoding if first else None,
        "layout": first.layout if first else None,
        "forms": [
            {
                "title": form.title,
                "form_kind": form.form_kind,
                "line_start": form.source.line_start,
                "line_end": form.source.line_end,
                "indicators": len(form.indicators),
                "flags": dict(Counter(f for ind in form.indicators for f in ind.flags)),
            }
            for part in parts
            for form in part.records()
        ],
        "rejects": [
            {
                "file": r.get("file"),
                "line": r.get("line"),
                "code": r.get("code") or OTHER_REJECT,
                "reason": r["reason"],
            }
            for part in parts
            for r in part.rejects
        ],
    }


def _print_view(out: Console, name: str, parts: list[PartOutcome]) -> None:
    """The default ``inspect`` view: header, rejects, each form with its indicators."""
    first = parts[0] if parts else None
    encoding, layout = (first.encoding, first.layout) if first else (None, None)
    out.print(f"[bold]{_shown(name)}[/bold]  encoding={encoding}  layout={layout}")
    for reject in (r for part in parts for r in part.rejects):
        member = reject.get("file")
        where = f" {_shown(member)}" if member and member != name else ""  # ``a.zip!b.txt``
        where += f" line {reject['line']}" if reject.get("line") else ""
        text = _shown(reject.get("text") or "")
        why = _shown(reject_reason(reject.get("code") or OTHER_REJECT, reject["reason"]))
        out.print(f"[red]拒收 reject[/red]{where}: {why} {text}")
    for k, form in enumerate(f for part in parts for f in part.records()):
        member = form.source.file if form.source.file != name else ""
        out.rule(
            f"form {k}: {_shown(form.title)} ({form.form_kind}) "
            + (f"{_shown(member)} " if member else "")
            + f"lines {form.source.line_start}–{form.source.line_end}"
        )
        header = form.contract()
        header.pop("indicators")
        for key, value in header.items():
            if value not in (None, {}, ""):
                text = str(value)
                cut = "…" if len(text) > 120 else ""
                out.print(f"  [cyan]{key}[/cyan]: {_shown(text[:120])}{cut}")
        for i, ind in enumerate(form.indicators):
            value = "∅" if ind.value is None else f"{ind.operator or ''}{ind.value}{ind.unit or ''}"
            weight = "" if ind.weight is None else f" w={ind.weight}"
            flags = f"  [red]{', '.join(ind.flags)}[/red]" if ind.flags else ""
            levels = f"{ind.level1 or '-'}/{ind.level2 or '-'}"
            out.print(
                f"  [bold]#{i}[/bold] line {ind.source.line}  {_shown(levels)}"
                f"  {_shown(ind.name or '∅')}  {_shown(value)} ({ind.value_kind or '-'}){weight}{flags}"
            )
            raw = " | ".join(f"{role}={c.text.strip()}" for role, c in ind.source.cells.items())
            out.print(f"      [dim]raw: {_shown(raw)}[/dim]", markup=True)


def _print_cells(out: Console, file: Path, result: FileResult, name: str) -> None:
    """One line per row of cells: ``行 N  文本[类型]→角色 | …`` (— where nothing claimed it)."""
    from jixiao.cellview import TYPE_LABELS, readings

    cut, rows = readings(file, result)
    out.print(f"[bold]{_shown(name)}[/bold]  切分/cut={cut}  表/forms={len(result.forms)}")
    for row in rows:
        parts = []
        for c in row:
            role = f"[green]→{_shown(c.role)}[/green]" if c.role else "[dim]→—[/dim]"
            parts.append(f"{_shown(c.text)}[dim][{TYPE_LABELS[c.type]}][/dim]{role}")
        out.print(f"[bold]行{row[0].line}[/bold]  " + " [dim]|[/dim] ".join(parts))


def _shown(text: object) -> str:
    """Document text as printed: terminal escape codes shown, not obeyed; rich markup inert."""
    from rich.markup import escape

    return escape(terminal(str(text)))


interrupt.loaded()

if __name__ == "__main__":  # pragma: no cover
    app()
