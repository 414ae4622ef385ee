"""The command line: thin click commands that parse options and call the engine.

Exit codes: 0 no finding at or above --fail-on; 1 findings; 2 usage or configuration error
(one line on stderr naming the bad option or key); 130 interrupted.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Sequence

import click

from backlint import __version__

EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


def _split(values: Sequence[str]) -> list[str]:
    out: list[str] = []
    for v in values:
        out.extend(p.strip() for p in v.split(",") if p.strip())
    return out


def write_atomically(path: Path, text: str) -> None:
    """Write `text` to `path` so that readers see the old file or the whole new one, never half."""
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


def _fail(message: str) -> None:
    click.echo(f"backlint: error: {message}", err=True)
    sys.exit(EXIT_USAGE)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="backlint", message="%(prog)s %(version)s")
def cli() -> None:
    """Static code review for backend web code (Python, JavaScript, TypeScript)."""


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json", "sarif", "github"]), default="text", show_default=True,
              help="Output format.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write the report to FILE (atomically).")
@click.option("--select", multiple=True, metavar="IDS", help="Rule ids or prefixes to run (comma-separated; replaces the configured set).")
@click.option("--ignore", multiple=True, metavar="IDS", help="Rule ids or prefixes to skip (comma-separated; adds to the configured set).")
@click.option("--fail-on", type=click.Choice(["error", "warning", "note", "never"]), default=None,
              help="Lowest level that makes the exit code 1 [default: note].")
@click.option("--config", "config_file", type=click.Path(dir_okay=False, path_type=Path), help="Read configuration from FILE.")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=None, help="Worker processes [default: all cores].")
@click.option("--include-suppressed", is_flag=True, help="Keep findings suppressed in source (SARIF marks them).")
@click.option("-q", "--quiet", is_flag=True, help="Print findings only: no code frames, notifications or summary.")
def scan(
    paths: tuple[Path, ...],
    fmt: str,
    output: Path | None,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    fail_on: str | None,
    config_file: Path | None,
    jobs: int | None,
    include_suppressed: bool,
    quiet: bool,
) -> None:
    """Scan PATHS (default: the current directory) and report findings."""
    from backlint import catalog as catalog_module
    from backlint import config as config_module
    from backlint import engine, report

    targets = list(paths) or [Path(".")]
    for p in targets:
        if not p.exists() and not p.is_symlink():
            _fail(f"PATHS: {p} does not exist")
    catalog = catalog_module.load()
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
        return
    try:
        result = engine.scan(targets, config, catalog)
    except KeyboardInterrupt:
        click.echo("backlint: interrupted", err=True)
        sys.exit(EXIT_INTERRUPTED)
    color = output is None and fmt == "text" and sys.stdout.isatty() and "NO_COLOR" not in os.environ
    text = report.render(fmt, result, catalog, color=color, include_suppressed=include_suppressed, quiet=quiet)
    if output is not None:
        try:
            write_atomically(output, text)
        except OSError as exc:
            _fail(f"--output: cannot write {output} ({exc.strerror or exc})")
    else:
        click.echo(text, nl=False, color=color)
    level = config.fail_level
    failing = level is not None and any(f.level.rank >= level.rank for f in result.reported)
    sys.exit(EXIT_FINDINGS if failing else 0)


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
    cli(prog_name="backlint")
