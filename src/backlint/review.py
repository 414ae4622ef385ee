"""Only what a change brings: which findings of a scan are new against a baseline file and/or a
git ref (`scan --baseline FILE`, `scan --diff REF`).

A finding is new when the baseline does not hold it and (with --diff) it lies on lines the change
added or edited; every other finding is *unchanged*. Unchanged findings leave the reports and the
exit code, like suppressed ones, unless `--include-unchanged` keeps them (marked; SARIF
`baselineState: "unchanged"`), which is how a CI job uploads the whole picture to code scanning
while failing only on new findings.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from backlint.baseline import Entry, compare
from backlint.findings import Finding, ScanResult
from backlint.gitdiff import Changes


@dataclass(frozen=True)
class Review:
    unchanged: frozenset[Finding]
    """Every finding that is not new (suppressed ones included)."""
    absent: int = 0
    """Baseline entries that no finding matched any more."""
    baseline: bool = False
    diff: bool = False

    def is_new(self, finding: Finding) -> bool:
        return finding not in self.unchanged

    def state(self, finding: Finding) -> str:
        """The SARIF `baselineState`: "new" or "unchanged"."""
        return "new" if self.is_new(finding) else "unchanged"

    @property
    def unchanged_count(self) -> int:
        """Unchanged findings that are not suppressed (suppressed ones are counted as such)."""
        return sum(1 for f in self.unchanged if f.suppressed is None)


def in_scope(entries: Sequence[Entry], rule_ids: Sequence[str], scanned: Sequence[str]) -> list[Entry]:
    """The baseline entries this scan could have found again: of a rule that ran, in a file under
    one of the `scanned` paths (project-relative). The others are not absent, just not looked at
    (a pre-commit run over two files, a scan with --select)."""
    rules = set(rule_ids)
    dirs = tuple(s.rstrip("/") + "/" for s in scanned if s not in (".", ""))
    everything = any(s in (".", "") for s in scanned)
    return [e for e in entries if e.rule in rules and (everything or e.path in scanned or e.path.startswith(dirs))]


def review(findings: Sequence[Finding], baseline: Sequence[Entry] | None, changes: Changes | None) -> Review:
    old: set[Finding] = set()
    absent = 0
    if baseline is not None:
        comparison = compare(baseline, findings)
        old.update(comparison.unchanged)
        absent = len(comparison.absent)
    if changes is not None:
        old.update(f for f in findings if not changes.touches(f.path, f.region))
    return Review(frozenset(old), absent, baseline is not None, changes is not None)


def narrow(result: ScanResult, rev: Review, changes: Changes | None, include_unchanged: bool) -> None:
    """Leave in `result` only what the reports show: new findings (and unchanged ones when asked);
    with --diff, only the notifications about changed files and about the scan as a whole."""
    if not include_unchanged:
        result.findings = [f for f in result.findings if rev.is_new(f)]
        if changes is not None:
            result.notifications = [n for n in result.notifications if n.path is None or n.path in changes.files]
