"""The command line: thin click commands that parse options and call the engine.

Exit codes: 0 no finding at or above --fail-on; 1 findings; 2 usage or configuration error
(one line on stderr naming the bad option or key); 130 interrupted.
"""

from __future__ import annotations

import functools
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Callable, NoReturn, Sequence

import click

from backlint import __version__

if TYPE_CHECKING:
    from backlint.catalog import Catalog
    from backlint.config import Config
    from backlint.findings import ScanResult

EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


def _split(values: Sequence[str]) -> list[str]:
    out: list[str] = []
    for v in values:
        out.extend(p.strip() for p in v.split(",") if p.strip())
    return out


def write_atomically(path: Path, text: str) -> None:
    """Write `text` to `path` so that readers see the old file or the whole new one, never half.

    A target that exists and is not a regular file (/dev/null, /dev/stdout, a named pipe) is
    written in place: renaming a temporary file over it would replace the device itself.
    """
    if path.exists() and not path.is_file():
        with open(path, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
        return
    path = path.resolve()
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=str(path.parent))
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _one_line(message: str) -> str:
    """`message` with control and formatting characters escaped: a key, value or path quoted from a
    repository (a line break in a TOML key, an escape sequence in a directory name) can neither
    split the message nor reach the terminal raw."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in message)


def _fail(message: str) -> NoReturn:
    click.echo(f"backlint: error: {_one_line(message)}", err=True)
    sys.exit(EXIT_USAGE)


def _interruptible(command: Callable[..., None]) -> Callable[..., None]:
    """Ctrl-C anywhere in `command` (reading the configuration, rendering or writing the report) is
    exit code 130, as during the analysis; click's own handling would print `Aborted!` and exit 1.
    An output file is written atomically, so the previous one stays whole."""

    @functools.wraps(command)
    def interruptible(*args: object, **kwargs: object) -> None:
        try:
            command(*args, **kwargs)
        except KeyboardInterrupt:
            click.echo("backlint: interrupted", err=True)
            sys.exit(EXIT_INTERRUPTED)

    return interruptible


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="backlint", message="%(prog)s %(version)s")
def cli() -> None:
    """Static code review for backend web code (Python, JavaScript, TypeScript)."""


def _engine_options(command: Callable[..., None]) -> Callable[..., None]:
    """The options that decide what a scan finds, shared by `scan` and `baseline`."""
    for option in reversed((
        click.argument("paths", nargs=-1, type=click.Path(path_type=Path)),
        click.option("--select", multiple=True, metavar="IDS",
                     help="Rule ids or prefixes to run (comma-separated; replaces the configured set)."),
        click.option("--ignore", multiple=True, metavar="IDS",
                     help="Rule ids or prefixes to skip (comma-separated; adds to the configured set)."),
        # Not checked by click (whose errors take four lines): config.load says what is wrong in one.
        click.option("--config", "config_file", type=click.Path(readable=False, path_type=Path), metavar="FILE",
                     help="Read configuration from FILE."),
        click.option("-j", "--jobs", type=click.IntRange(min=1), default=None, help="Worker processes [default: all cores]."),
        click.option("--cache-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
                     help="Keep per-file results here [default: .backlint_cache/ in the project, or the user cache]."),
        click.option("--no-cache", is_flag=True, help="Analyse every file afresh; read and write no cache."),
    )):
        command = option(command)
    return command


def _load_config(targets: list[Path], config_file: Path | None, select: tuple[str, ...], ignore: tuple[str, ...],
                 fail_on: str | None, jobs: int | None, catalog_dir: Path | None = None) -> tuple[Config, Catalog]:
    """The configuration and the catalogue (from its snapshot in `catalog_dir`, when given)."""
    from backlint import catalog as catalog_module
    from backlint import config as config_module

    for p in targets:
        if not p.exists() and not p.is_symlink():
            _fail(f"PATHS: {p} does not exist")
    catalog = catalog_module.load_cached(catalog_dir, semgrep_metadata=False)  # a scan reads its YAML rules itself
    try:
        config = config_module.load(
            targets,
            config_file=config_file,
            rule_options=catalog.options(),
            rule_ids=catalog.ids,
            select=_split(select) if select else None,
            ignore=_split(ignore),
            fail_on=fail_on,
            jobs=jobs,
        )
    except config_module.ConfigError as exc:
        _fail(str(exc))
    return config, catalog


def _catalog_directory(targets: list[Path], config_file: Path | None, cache_dir: Path | None, no_cache: bool) -> Path | None:
    """Where the catalogue's snapshot is kept: the cache directory of the scan (found before the
    configuration is read, since reading it needs the catalogue); with `--no-cache`, beside
    backlint's code (the snapshot describes backlint's own rules, not the project)."""
    from backlint import cache
    from backlint import catalog as catalog_module
    from backlint import config as config_module

    if no_cache:
        return catalog_module.BESIDE_CODE
    if cache_dir is not None:
        return cache_dir
    try:
        return cache.default_directory(config_module.project_root(targets, config_file))
    except (OSError, config_module.ConfigError):
        return None  # reading the configuration will say what is wrong


def _cache_directory(config: Config, cache_dir: Path | None, no_cache: bool) -> Path | None:
    from backlint import cache

    if no_cache:
        if cache_dir is not None:
            _fail("--cache-dir: not with --no-cache")
        return None
    return cache_dir if cache_dir is not None else cache.default_directory(config.root)


def _run_engine(targets: list[Path], config: Config, catalog: Catalog, cache_dir: Path | None) -> ScanResult:
    from backlint import engine

    try:
        return engine.scan(targets, config, catalog, cache_dir=cache_dir)
    except KeyboardInterrupt:
        click.echo("backlint: interrupted", err=True)
        sys.exit(EXIT_INTERRUPTED)


def _emit(text: str, output: Path | None, color: bool = False) -> None:
    if output is None:
        click.echo(text, nl=False, color=color)
        return
    try:
        write_atomically(output, text)
    except OSError as exc:
        _fail(f"--output: cannot write {output} ({exc.strerror or exc})")


def _check_combinations(fmt: str, baseline_file: Path | None, diff: str | None, include_unchanged: bool,
                        category: str | None, absolute_base: bool) -> str | None:
    """Options that mean nothing in this combination are errors, not silently ignored; returns the
    category without trailing slashes."""
    if include_unchanged and baseline_file is None and diff is None:
        _fail("--include-unchanged: only with --baseline or --diff")
    if fmt != "sarif" and (category is not None or not absolute_base):
        _fail(f"{'--category' if category is not None else '--no-absolute-base'}: only with --format sarif")
    if category is not None:
        category = category.strip().rstrip("/")
        if not category:
            _fail("--category: expected a name, like backend")
    return category


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json", "sarif", "github"]), default="text", show_default=True,
              help="Output format.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write the report to FILE (atomically).")
@_engine_options
@click.option("--fail-on", type=click.Choice(["error", "warning", "note", "never"]), default=None,
              help="Lowest level that makes the exit code 1 [default: note].")
@click.option("--baseline", "baseline_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Report only findings not in this baseline (written by `backlint baseline`).")
@click.option("--diff", metavar="REF",
              help="Report only findings on lines changed since the merge-base of REF and HEAD (working tree included).")
@click.option("--include-unchanged", is_flag=True,
              help="With --baseline/--diff, keep the other findings in the report, marked (they never fail the scan).")
@click.option("--include-suppressed", is_flag=True, help="Keep findings suppressed in source (SARIF marks them).")
@click.option("--category", metavar="NAME", help="SARIF: the code scanning category (automationDetails.id NAME/).")
@click.option("--no-absolute-base", "absolute_base", is_flag=True, flag_value=False, default=True,
              help="SARIF: leave the machine's absolute path of the repository out of originalUriBaseIds.")
@click.option("-q", "--quiet", is_flag=True, help="Print findings only: no code frames, notifications or summary.")
@_interruptible
def scan(
    fmt: str,
    output: Path | None,
    paths: tuple[Path, ...],
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    config_file: Path | None,
    jobs: int | None,
    cache_dir: Path | None,
    no_cache: bool,
    fail_on: str | None,
    baseline_file: Path | None,
    diff: str | None,
    include_unchanged: bool,
    include_suppressed: bool,
    category: str | None,
    absolute_base: bool,
    quiet: bool,
) -> None:
    """Scan PATHS (default: the current directory) and report findings."""
    from backlint import report

    category = _check_combinations(fmt, baseline_file, diff, include_unchanged, category, absolute_base)
    targets = list(paths) or [Path(".")]
    config, catalog = _load_config(targets, config_file, select, ignore, fail_on, jobs, _catalog_directory(targets, config_file, cache_dir, no_cache))
    # The baseline and git are read before the scan: a typo fails in a second, not after minutes.
    entries = changes = None
    if baseline_file is not None:
        from backlint import baseline

        try:
            entries = baseline.load(baseline_file)
        except baseline.BaselineError as exc:
            _fail(f"--baseline: {exc}")
    if diff is not None:
        from backlint import gitdiff

        try:
            changes = gitdiff.changes_since(diff, config.root)
        except gitdiff.GitError as exc:
            _fail(f"--diff: {exc}")
    result = _run_engine(targets, config, catalog, _cache_directory(config, cache_dir, no_cache))
    rev = None
    if entries is not None or changes is not None:
        from backlint import review
        from backlint.discovery import relative

        if entries is not None:
            scanned = [relative(Path(os.path.abspath(t)), config.root) for t in targets]
            entries = review.in_scope(entries, result.rule_ids, scanned)
        rev = review.review(result.findings, entries, changes)
        review.narrow(result, rev, changes, include_unchanged)
    color = output is None and fmt == "text" and sys.stdout.isatty() and "NO_COLOR" not in os.environ
    text = report.render(fmt, result, catalog, color=color, include_suppressed=include_suppressed, quiet=quiet, review=rev,
                         absolute_base=absolute_base, category=category)
    _emit(text, output, color)
    level = config.fail_level
    failing = level is not None and any(f.level.rank >= level.rank for f in report.counted(result.findings, rev))
    sys.exit(EXIT_FINDINGS if failing else 0)


@cli.command("baseline")
@_engine_options
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the baseline to FILE (atomically) instead of standard output.")
@_interruptible
def baseline_command(
    paths: tuple[Path, ...],
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    config_file: Path | None,
    jobs: int | None,
    cache_dir: Path | None,
    no_cache: bool,
    output: Path | None,
) -> None:
    """Write the findings of PATHS as a baseline: `scan --baseline FILE` then reports only new ones.

    The file is JSON, one finding per line, sorted, with no line numbers and no secrets: commit it,
    and review its changes like code.
    """
    from backlint import baseline

    targets = list(paths) or [Path(".")]
    config, catalog = _load_config(targets, config_file, select, ignore, None, jobs, _catalog_directory(targets, config_file, cache_dir, no_cache))
    result = _run_engine(targets, config, catalog, _cache_directory(config, cache_dir, no_cache))
    _emit(baseline.dumps(result.findings), output)
    if output is not None:
        count = len(result.reported)
        click.echo(f"backlint: wrote {count} finding{'s' if count != 1 else ''} to {output}", err=True)


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text", show_default=True)
def rules(fmt: str) -> None:
    """List every rule of the catalogue."""
    from backlint import catalog as catalog_module
    from backlint import docs

    catalog = catalog_module.load()
    if fmt == "markdown":
        click.echo(docs.render_catalog(catalog), nl=False)
        return
    if fmt == "json":
        data = [
            {
                "id": r.id, "name": r.name, "family": r.family, "level": r.level.value, "confidence": r.confidence.value,
                "languages": list(r.languages), "cwe": list(r.cwe), "summary": r.summary, "help_uri": r.help_uri,
                "options": {k: {"default": o.default, "help": o.help} for k, o in sorted(r.options.items())},
            }
            for r in catalog.rules
        ]
        click.echo(json.dumps(data, indent=2))
        return
    width = max((len(r.name) for r in catalog.rules), default=10)
    for r in catalog.rules:
        click.echo(f"{r.id}  {r.name:<{width}}  {r.level.value:<7}  {','.join(r.languages):<22}  {r.summary}")


@cli.command()
@click.argument("rule_id")
def explain(rule_id: str) -> None:
    """Show the documentation of RULE_ID (e.g. BL101)."""
    from backlint import catalog as catalog_module
    from backlint import docs

    info = catalog_module.load().get(rule_id)
    if info is None:
        _fail(f"RULE_ID: unknown rule {rule_id!r} (see `backlint rules`)")
        return
    click.echo(docs.render_markdown(info), nl=False)


def main() -> None:
    """The console entry point: click's own errors (an unknown option, a bad choice) come out as
    one line, like ours, and with the same exit code."""
    try:
        code = cli.main(prog_name="backlint", standalone_mode=False)
    except click.ClickException as exc:
        command = f" {exc.ctx.command_path}" if isinstance(exc, click.UsageError) and exc.ctx is not None else ""
        message = " ".join(exc.format_message().split())
        click.echo(f"backlint: error: {message}" + (f" (see `{command.strip()} --help`)" if command else ""), err=True)
        sys.exit(EXIT_USAGE if isinstance(exc, click.UsageError) else exc.exit_code)
    except click.Abort:
        click.echo("backlint: interrupted", err=True)
        sys.exit(EXIT_INTERRUPTED)
    sys.exit(code if isinstance(code, int) else 0)
