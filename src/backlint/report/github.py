"""GitHub Actions workflow commands: `::error file=...,line=...::message` annotations.

GitHub shows at most 10 error, 10 warning and 10 notice annotations per step (and 50 per job),
and drops the rest silently. So findings are written most severe first, at most 10 commands of
each level; the findings past that are written as plain `path:line:col: ID message` lines, which
stay readable in the job log, and a last line says how many there are in all. Paths are relative
to the repository root, as GitHub reads them. Suppressed and unchanged findings (--baseline,
--diff) are never annotated: annotations are for what the change under review brings.
"""

from __future__ import annotations

from pathlib import Path

from backlint.catalog import Catalog
from backlint.findings import Finding, Level, Notification, ScanResult
from backlint.report import Locate, counted, repository_root
from backlint.review import Review

PER_LEVEL = 10
"""Annotations of one level GitHub shows per step."""

_COMMAND = {Level.ERROR: "error", Level.WARNING: "warning", Level.NOTE: "notice"}


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _prop(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def _annotation(f: Finding, catalog: Catalog, locate: Locate) -> str:
    r = f.region
    info = catalog.get(f.rule_id)
    title = f"{f.rule_id} {info.name}" if info else f.rule_id
    props = [f"file={_prop(locate(f.path))}", f"line={r.start_line}", f"col={r.start_column}"]
    if r.end_line != r.start_line or r.end_column > r.start_column:
        props += [f"endLine={r.end_line}", f"endColumn={r.end_column}"]
    props.append(f"title={_prop(title)}")
    return f"::{_COMMAND[f.level]} {','.join(props)}::{_data(f.message)}"


def _oneline(text: str) -> str:
    return " ".join(text.splitlines())


def _plain(f: Finding, locate: Locate) -> str:
    r = f.region
    return f"{locate(f.path)}:{r.start_line}:{r.start_column}: {f.rule_id} {_oneline(f.message)}"


def _notice(n: Notification, locate: Locate) -> str:
    props = [f"file={_prop(locate(n.path))}"] if n.path else []
    if n.path and n.line:
        props.append(f"line={n.line}")
    props.append(f"title={_prop('backlint ' + n.kind.value)}")
    return f"::notice {','.join(props)}::{_data(n.message)}"


def _summary(findings: list[Finding], plain: int, review: Review | None) -> str:
    counts = [(sum(1 for f in findings if f.level is lvl), lvl.value) for lvl in Level]
    parts = ", ".join(f"{n} {name}{'s' if n != 1 else ''}" for n, name in counts if n)
    kind = "new finding" if review is not None else "finding"
    line = f"backlint: {len(findings)} {kind}{'s' if len(findings) != 1 else ''}" + (f" ({parts})" if parts else "")
    if plain:
        line += (f"; GitHub shows {PER_LEVEL} annotations of each level per step, so {plain} "
                 f"{'are' if plain != 1 else 'is'} listed above as plain lines")
    return line + "."


def render(result: ScanResult, catalog: Catalog, *, review: Review | None = None) -> str:
    _, locate = repository_root(Path(result.root))
    findings = sorted(counted(result.findings, review), key=lambda f: (-f.level.rank, f.sort_key))
    used = {lvl: 0 for lvl in Level}
    annotations: list[str] = []
    plain: list[str] = []
    for f in findings:
        used[f.level] += 1
        if used[f.level] <= PER_LEVEL:
            annotations.append(_annotation(f, catalog, locate))
        else:
            plain.append(_plain(f, locate))
    for n in result.notifications:  # notices share the budget of note-level findings
        used[Level.NOTE] += 1
        if used[Level.NOTE] <= PER_LEVEL:
            annotations.append(_notice(n, locate))
        else:
            plain.append(f"{locate(n.path) if n.path else 'backlint'}: {n.kind.value}: {_oneline(n.message)}")
    lines = annotations + plain + [_summary(findings, len(plain), review)]
    return "\n".join(lines) + "\n"
