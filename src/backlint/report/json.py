"""JSON for scripts. The schema (`"schema": "backlint-report/1"`) is stable: fields are only ever
added. Output is deterministic: no timestamps, sorted findings, sorted keys.

    {
      "schema": "backlint-report/1",
      "tool": {"name": "backlint", "version": "0.1.0"},
      "rules": ["BL101", ...],                      # every rule that ran
      "summary": {"files": 12, "lines": 3400, "findings": 3, "suppressed": 1,
                  "by_level": {"error": 2, "warning": 1, "note": 0}, "notifications": 1,
                  "review": null},
      "findings": [
        {"rule": "BL101", "name": "sql-string-building", "level": "error", "message": "...",
         "path": "app/db.py", "line": 12, "column": 17, "end_line": 12, "end_column": 58,
         "fingerprint": "3f2a...", "line_hash": "9c1e...:1", "suppressed": null, "baseline": null,
         "related": [{"line": 10, "column": 11, "end_line": 10, "end_column": 40, "message": "..."}],
         "fix": null}
      ],
      "notifications": [{"kind": "syntax-error", "level": "warning", "path": "x.py", "line": 3,
                         "column": 5, "message": "..."}]
    }

Columns are 1-based characters; `end_column` is exclusive. `suppressed` holds the suppressing
comment when the finding is suppressed (only listed with --include-suppressed).

With --baseline or --diff, `summary.findings` and `by_level` count new findings only,
`summary.review` is `{"baseline": true, "diff": false, "new": 3, "unchanged": 40, "absent": 2}`
(`absent`: baseline entries no finding matched), and each finding's `baseline` is "new" or
"unchanged" (unchanged ones are only listed with --include-unchanged). Without them both are null.
"""

from __future__ import annotations

import json
from typing import Any

from backlint import __version__
from backlint.catalog import Catalog
from backlint.findings import Finding, Level, Region, ScanResult
from backlint.report import counted
from backlint.review import Review

SCHEMA = "backlint-report/1"


def _span(r: Region) -> dict[str, int]:
    return {"line": r.start_line, "column": r.start_column, "end_line": r.end_line, "end_column": r.end_column}


def finding_dict(f: Finding, catalog: Catalog, review: Review | None = None) -> dict[str, Any]:
    info = catalog.get(f.rule_id)
    return {
        "rule": f.rule_id,
        "name": info.name if info else "",
        "level": f.level.value,
        "message": f.message,
        "path": f.path,
        **_span(f.region),
        "fingerprint": f.fingerprint,
        "line_hash": f.line_hash,
        "suppressed": f.suppressed,
        "baseline": review.state(f) if review is not None else None,
        "related": [{**_span(r.region), "message": r.message} for r in f.related],
        "fix": None
        if f.fix is None
        else {
            "description": f.fix.description,
            "replacements": [{**_span(rep.region), "text": rep.text} for rep in f.fix.replacements],
        },
    }


def _review(result: ScanResult, review: Review | None) -> dict[str, Any] | None:
    if review is None:
        return None
    return {"baseline": review.baseline, "diff": review.diff, "new": len(counted(result.findings, review)),
            "unchanged": review.unchanged_count, "absent": review.absent}


def render(result: ScanResult, catalog: Catalog, *, include_suppressed: bool = False, review: Review | None = None) -> str:
    shown = [f for f in result.findings if include_suppressed or f.suppressed is None]
    reported = counted(shown, review)
    doc = {
        "schema": SCHEMA,
        "tool": {"name": "backlint", "version": __version__},
        "rules": list(result.rule_ids),
        "summary": {
            "files": result.files_scanned,
            "lines": result.lines_scanned,
            "findings": len(reported),
            "suppressed": sum(1 for f in result.findings if f.suppressed is not None),
            "by_level": {lvl.value: sum(1 for f in reported if f.level is lvl) for lvl in Level},
            "notifications": len(result.notifications),
            "review": _review(result, review),
        },
        "findings": [finding_dict(f, catalog, review) for f in shown],
        "notifications": [n.to_dict() for n in result.notifications],
    }
    return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
