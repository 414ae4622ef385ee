"""Text for people, like ruff's: `path:line:col: ID message`, the code line with carets, a summary.

Colour only when writing to a terminal (the caller decides). Secrets never appear: the code
line of a finding is the masked one from the analysis.
"""

from __future__ import annotations

import click

from backlint.catalog import Catalog
from backlint.findings import Finding, Level, ScanResult

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


def render(result: ScanResult, catalog: Catalog, *, color: bool = False, include_suppressed: bool = False,
           quiet: bool = False) -> str:
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
    counts = {lvl: sum(1 for f in shown if f.level is lvl and f.suppressed is None) for lvl in Level}
    total = sum(counts.values())
    files = len({f.path for f in shown if f.suppressed is None})
    if total:
        parts = ", ".join(f"{n} {lvl.value}{'s' if n != 1 else ''}" for lvl, n in counts.items() if n)
        summary = f"Found {total} finding{'s' if total != 1 else ''} in {files} file{'s' if files != 1 else ''} ({parts})."
    else:
        summary = "No findings."
    suppressed = sum(1 for f in result.findings if f.suppressed is not None)
    extra = [f"{result.files_scanned} file{'s' if result.files_scanned != 1 else ''} scanned"]
    if suppressed:
        extra.append(f"{suppressed} suppressed")
    if result.notifications:
        extra.append(f"{len(result.notifications)} notification{'s' if len(result.notifications) != 1 else ''}")
    out.append(f"{summary} {'; '.join(extra).capitalize()}.")
    return "\n".join(out) + "\n"
