"""The data model every reporter reads: findings, their locations, fixes and notifications.

Everything here is plain, immutable and picklable: findings travel from worker processes to the
parent, into the cache and into every output format.
"""

from __future__ import annotations

import enum
from dataclasses import asdict, dataclass, field
from typing import Any


class Level(str, enum.Enum):
    """How bad a finding is; the same three levels as SARIF results."""

    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"

    @property
    def rank(self) -> int:
        return _LEVEL_RANK[self]


_LEVEL_RANK = {Level.ERROR: 3, Level.WARNING: 2, Level.NOTE: 1}


class Confidence(str, enum.Enum):
    """How sure a rule is that what it flags is a real problem (SARIF `precision`)."""

    VERY_HIGH = "very-high"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


@dataclass(frozen=True)
class Region:
    """A span of source text. Lines and columns are 1-based; end columns are exclusive.

    Columns are counted twice: in characters (what people and editors with code-point columns
    read) and in UTF-16 code units (what SARIF viewers and GitHub expect).
    """

    start_line: int
    start_column: int
    end_line: int
    end_column: int
    start_column_utf16: int
    end_column_utf16: int

    @classmethod
    def point(cls, line: int, column: int = 1) -> Region:
        return cls(line, column, line, column, column, column)


@dataclass(frozen=True)
class RelatedLocation:
    region: Region
    message: str


@dataclass(frozen=True)
class Replacement:
    region: Region
    text: str


@dataclass(frozen=True)
class Fix:
    """A safe, mechanical edit that resolves a finding (shown by editors as a quick fix)."""

    description: str
    replacements: tuple[Replacement, ...]


@dataclass(frozen=True)
class Finding:
    rule_id: str
    path: str
    """POSIX path relative to the project root."""
    region: Region
    message: str
    level: Level
    source_line: str = ""
    """The first line of the region as it reads in the file, with any secret masked."""
    line_hash: str = ""
    """GitHub's `primaryLocationLineHash` of the region's first line."""
    fingerprint: str = ""
    """backlint's own identity: rule, path, enclosing function and flagged code; no line numbers."""
    related: tuple[RelatedLocation, ...] = ()
    fix: Fix | None = None
    suppressed: str | None = None
    """The suppression comment's text when the finding is suppressed in source, else None."""

    @property
    def sort_key(self) -> tuple[Any, ...]:
        r = self.region
        return (self.path, r.start_line, r.start_column, self.rule_id, r.end_line, r.end_column, self.message)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Finding:
        data = dict(data)
        data["region"] = Region(**data["region"])
        data["level"] = Level(data["level"])
        data["related"] = tuple(
            RelatedLocation(Region(**r["region"]), r["message"]) for r in data.get("related", ())
        )
        fix = data.get("fix")
        if fix is not None:
            data["fix"] = Fix(
                fix["description"],
                tuple(Replacement(Region(**r["region"]), r["text"]) for r in fix["replacements"]),
            )
        return cls(**data)


class NotificationKind(str, enum.Enum):
    SYNTAX_ERROR = "syntax-error"
    DECODE_ERROR = "decode-error"
    BINARY_FILE = "binary-file"
    TOO_LARGE = "too-large"
    UNREADABLE = "unreadable"
    TIMEOUT = "timeout"
    CRASH = "crash"
    RULE_ERROR = "rule-error"
    SEMGREP = "semgrep"
    SKIPPED_PATH = "skipped-path"


@dataclass(frozen=True)
class Notification:
    """Something the scan could not do: a file it could not read, a rule that failed, an engine
    that was missing. The scan carries on; reports list these beside the findings."""

    kind: NotificationKind
    message: str
    path: str | None = None
    level: Level = Level.WARNING
    line: int | None = None
    column: int | None = None

    @property
    def sort_key(self) -> tuple[Any, ...]:
        return (self.path or "", self.line or 0, self.column or 0, self.kind.value, self.message)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "message": self.message,
            "path": self.path,
            "level": self.level.value,
            "line": self.line,
            "column": self.column,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Notification:
        return cls(
            NotificationKind(data["kind"]),
            data["message"],
            data.get("path"),
            Level(data.get("level", "warning")),
            data.get("line"),
            data.get("column"),
        )


@dataclass
class FileResult:
    """What the analysis of one file produced (sent from a worker process to the scan)."""

    path: str
    findings: list[Finding] = field(default_factory=list)
    notifications: list[Notification] = field(default_factory=list)
    lines: int = 0
    parsed: bool = False


@dataclass
class ScanResult:
    """Everything one scan produced, in deterministic order once `finish()` ran."""

    root: str
    """Absolute path of the project root that relative paths start from."""
    findings: list[Finding] = field(default_factory=list)
    notifications: list[Notification] = field(default_factory=list)
    files_scanned: int = 0
    lines_scanned: int = 0
    rule_ids: tuple[str, ...] = ()
    """Ids of every rule that was enabled, in catalogue order."""

    def finish(self) -> ScanResult:
        self.findings.sort(key=lambda f: f.sort_key)
        self.notifications.sort(key=lambda n: n.sort_key)
        return self

    @property
    def reported(self) -> list[Finding]:
        """Findings that are not suppressed in source."""
        return [f for f in self.findings if f.suppressed is None]
