"""Baselines: the findings a project has accepted for now, so that scans report only new ones.

`backlint baseline` writes one; `backlint scan --baseline FILE` reads it back:

    {
      "schema": "backlint-baseline/1",
      "findings": [
        {"rule": "BL101", "path": "app/db.py", "fingerprint": "3f2a...", "source": "9c1e...", "message": "..."},
        ...
      ]
    }

One finding per line, sorted by path, rule and fingerprint, with no line numbers, versions or
timestamps: rescanning unchanged code writes the same bytes, and the review of a baseline change
shows one line per finding accepted or fixed. Nothing secret is kept: `fingerprint` is backlint's
fingerprint (a hash of the flagged code, see fingerprints.py), `source` a hash of the first flagged
line as reports print it (secrets masked), and `message` the finding's message, which never holds
a secret either.

Matching is by fingerprint, counted per group of identical findings (same rule, file, function and
code; the first half of a fingerprint): a scan has as many new findings in a group as it has more
than the baseline. Which of identical findings are the new ones is decided by the line they are on
(`source`) before the ordinal, because inserting a copy above an older one shifts the ordinals.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from backlint.findings import Finding
from backlint.fingerprints import fingerprint_group, normalise_code

SCHEMA = "backlint-baseline/1"


class BaselineError(Exception):
    """A baseline file that cannot be used; the message is one line naming the file."""


@dataclass(frozen=True)
class Entry:
    """One accepted finding, as a baseline file keeps it."""

    rule: str
    path: str
    fingerprint: str
    source: str = ""
    message: str = ""

    def to_dict(self) -> dict[str, str]:
        return {"rule": self.rule, "path": self.path, "fingerprint": self.fingerprint, "source": self.source,
                "message": self.message}


def source_digest(finding: Finding) -> str:
    """A hash of the finding's first line as printed (masked), without whitespace."""
    return hashlib.sha256(normalise_code(finding.source_line).encode("utf-8", "surrogatepass")).hexdigest()[:16]


def entry(finding: Finding) -> Entry:
    return Entry(finding.rule_id, finding.path, finding.fingerprint, source_digest(finding), finding.message)


def dumps(findings: Iterable[Finding]) -> str:
    """The baseline file for `findings` (suppressed findings are left out: they need no baseline)."""
    entries = sorted((entry(f) for f in findings if f.suppressed is None), key=lambda e: (e.path, e.rule, e.fingerprint))
    lines = [json.dumps(e.to_dict(), ensure_ascii=False) for e in entries]
    body = ",\n".join(f"    {line}" for line in lines)
    return f'{{\n  "schema": "{SCHEMA}",\n  "findings": [\n{body}{chr(10) if lines else ""}  ]\n}}\n'


def load(path: Path) -> list[Entry]:
    """The entries of the baseline file at `path`; BaselineError when it is missing or malformed."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise BaselineError(f"cannot read {path} ({exc.strerror or exc})") from None
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BaselineError(f"{path} is not a backlint baseline (not JSON: {exc})") from None
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        found = data.get("schema") if isinstance(data, dict) else None
        raise BaselineError(f"{path} is not a backlint baseline (schema {found!r}, expected {SCHEMA!r})")
    items = data.get("findings")
    if not isinstance(items, list):
        raise BaselineError(f"{path} is not a backlint baseline (no \"findings\" list)")
    return [_entry(item, path, i) for i, item in enumerate(items)]


def _entry(item: Any, path: Path, index: int) -> Entry:
    if not isinstance(item, dict):
        raise BaselineError(f"{path}: findings[{index}] is not an object")
    for key in ("rule", "path", "fingerprint"):
        if not isinstance(item.get(key), str) or not item[key]:
            raise BaselineError(f"{path}: findings[{index}].{key} is missing or not a string")
    for key in ("source", "message"):
        if not isinstance(item.get(key, ""), str):
            raise BaselineError(f"{path}: findings[{index}].{key} is not a string")
    return Entry(item["rule"], item["path"], item["fingerprint"], item.get("source", ""), item.get("message", ""))


@dataclass(frozen=True)
class Comparison:
    new: tuple[Finding, ...]
    unchanged: tuple[Finding, ...]
    absent: tuple[Entry, ...]
    """Baseline entries no scanned finding matched: fixed, or moved to another file or function."""


def compare(entries: Sequence[Entry], findings: Sequence[Finding]) -> Comparison:
    """Split `findings` into new and unchanged ones against the baseline `entries`."""
    groups: dict[tuple[str, str, str], tuple[list[Entry], list[Finding]]] = {}
    for e in entries:
        groups.setdefault((e.rule, e.path, fingerprint_group(e.fingerprint)), ([], []))[0].append(e)
    for f in findings:
        groups.setdefault((f.rule_id, f.path, fingerprint_group(f.fingerprint)), ([], []))[1].append(f)
    new: list[Finding] = []
    unchanged: list[Finding] = []
    absent: list[Entry] = []
    for group_entries, group_findings in groups.values():
        matched, left = _pair(group_entries, group_findings)
        unchanged.extend(f for f in group_findings if id(f) in matched)
        new.extend(f for f in group_findings if id(f) not in matched)
        absent.extend(left)
    return Comparison(tuple(new), tuple(unchanged), tuple(absent))


_PASSES: tuple[tuple[Callable[[Entry], Any], Callable[[Finding], Any]], ...] = (
    (lambda e: (e.fingerprint, e.source), lambda f: (f.fingerprint, source_digest(f))),
    (lambda e: e.source, source_digest),
    (lambda e: e.fingerprint, lambda f: f.fingerprint),
    (lambda e: None, lambda f: None),
)
"""How a finding and an entry of one group are paired, most telling first: the same code at the same
ordinal on the same line; on the same line; at the same ordinal; then any (the group had that many)."""


def _pair(entries: list[Entry], findings: list[Finding]) -> tuple[set[int], list[Entry]]:
    """ids of the findings paired with an entry, and the entries left over."""
    matched: set[int] = set()
    left = list(entries)
    for entry_key, finding_key in _PASSES:
        if not left:
            break
        pool: dict[Any, list[Entry]] = {}
        for e in left:
            pool.setdefault(entry_key(e), []).append(e)
        for f in findings:
            candidates = pool.get(finding_key(f))
            if id(f) not in matched and candidates:
                matched.add(id(f))
                left.remove(candidates.pop(0))
    return matched, left
