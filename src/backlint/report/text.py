"""Text for people, like ruff's: `path:line:col: ID message`, the code line with carets, a summary.

Colour only when writing to a terminal (the caller decides). Secrets never appear: the code
line of a finding is the masked one from the analysis. With --baseline or --diff the summary
counts new findings, and says how many were unchanged or are gone from the baseline.
"""

from __future__ import annotations

import click

from backlint.catalog import Catalog
from backlint.findings import Finding, Level, ScanResult
from backlint.report import counted
from backlint.review import Review

_LEVEL_COLOR = {Level.ERROR: "red", Level.WARNING: "yellow", Level.NOTE: "blue"}


def _frame(f: Finding, color: bool) -> list[str]:
    if not f.source_line.strip():
        return []
    r = f.region
    number = str(r.start_line)
    pad = " " * len(number)
    line = f.source_line.expandtabs(4)
    prefix = f.source_line[: r.start_column - 1].expandtabs(4)
    end_col = r.end_column if r.end_line == r.start_line else len(f.source_line) + 1
    marked = f.source_line[r.start_column - 1 : end_col - 1].expandtabs(4)
    carets = "^" * max(1, len(marked.rstrip()) or 1)
    caret_line = " " * len(prefix) + carets
    if color:
        caret_line = " " * len(prefix) + click.style(carets, fg=_LEVEL_COLOR[f.level], bold=True)
    bar = click.style("|", fg="blue", bold=True) if color else "|"
    return [f"{pad} {bar}", f"{number} {bar} {line}", f"{pad} {bar} {caret_line}", f"{pad} {bar}"]


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' if n != 1 else ''}"


def render(result: ScanResult, catalog: Catalog, *, color: bool = False, include_suppressed: bool = False,
           quiet: bool = False, review: Review | None = None) -> str:
    out: list[str] = []
    shown = [f for f in result.findings if include_suppressed or f.suppressed is None]
    for f in shown:
        r = f.region
        where = f"{f.path}:{r.start_line}:{r.start_column}:"
        rule = f.rule_id
        if color:
            where = click.style(where, bold=True)
            rule = click.style(rule, fg=_LEVEL_COLOR[f.level], bold=True)
        tag = " (suppressed)" if f.suppressed is not None else ""
        if review is not None and not review.is_new(f):
            tag += " (unchanged)"
        out.append(f"{where} {rule} {f.message}{tag}")
        if not quiet:
            out.extend(_frame(f, color))
            out.append("")
    if quiet:
        return "\n".join(out) + ("\n" if out else "")
    for n in result.notifications:
        location = n.path or "backlint"
        if n.line:
            location += f":{n.line}"
            if n.column:
                location += f":{n.column}"
        label = f"{n.level.value}[{n.kind.value}]"
        if color:
            label = click.style(label, fg=_LEVEL_COLOR[n.level])
        out.append(f"{location}: {label} {n.message}")
    if result.notifications:
        out.append("")
    out.append(_summary(result, review))
    return "\n".join(out) + "\n"


def _summary(result: ScanResult, review: Review | None) -> str:
    found = counted(result.findings, review)
    counts = {lvl: sum(1 for f in found if f.level is lvl) for lvl in Level}
    kind = "new finding" if review is not None else "finding"
    if found:
        parts = ", ".join(_plural(n, lvl.value) for lvl, n in counts.items() if n)
        summary = f"Found {_plural(len(found), kind)} in {_plural(len({f.path for f in found}), 'file')} ({parts})."
    else:
        summary = f"No {kind}s."
    suppressed = sum(1 for f in result.findings if f.suppressed is not None)
    extra = [f"{_plural(result.files_scanned, 'file')} scanned"]
    if review is not None:
        extra.append(f"{review.unchanged_count} unchanged")
    if suppressed:
        extra.append(f"{suppressed} suppressed")
    if review is not None and review.absent:
        extra.append(f"{_plural(review.absent, 'baseline finding')} no longer found")
    if result.notifications:
        extra.append(_plural(len(result.notifications), "notification"))
    return f"{summary} {'; '.join(extra).capitalize()}."
