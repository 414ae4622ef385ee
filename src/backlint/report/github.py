"""GitHub Actions workflow commands: one `::error file=...,line=...::message` line per finding.

GitHub shows at most 10 error and 10 warning annotations per step, so findings are written most
severe first; notices follow.
"""

from __future__ import annotations

from backlint.catalog import Catalog
from backlint.findings import Level, ScanResult

_COMMAND = {Level.ERROR: "error", Level.WARNING: "warning", Level.NOTE: "notice"}


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _prop(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def render(result: ScanResult, catalog: Catalog, *, include_suppressed: bool = False) -> str:
    findings = [f for f in result.findings if f.suppressed is None]
    findings.sort(key=lambda f: (-f.level.rank, f.sort_key))
    lines = []
    for f in findings:
        r = f.region
        info = catalog.get(f.rule_id)
        title = f"{f.rule_id} {info.name}" if info else f.rule_id
        props = [f"file={_prop(f.path)}", f"line={r.start_line}", f"col={r.start_column}"]
        if r.end_line != r.start_line or r.end_column > r.start_column:
            props += [f"endLine={r.end_line}", f"endColumn={r.end_column}"]
        props.append(f"title={_prop(title)}")
        lines.append(f"::{_COMMAND[f.level]} {','.join(props)}::{_data(f.message)}")
    for n in result.notifications:
        props = [f"file={_prop(n.path)}"] if n.path else []
        if n.path and n.line:
            props.append(f"line={n.line}")
        props.append(f"title={_prop('backlint ' + n.kind.value)}")
        lines.append(f"::notice {','.join(props)}::{_data(n.message)}")
    return "\n".join(lines) + ("\n" if lines else "")
