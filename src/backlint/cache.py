"""Per-file results kept between scans, so that a re-scan only analyses what changed.

A result depends on the file's bytes and on everything else the analysis read: the backlint
version, the rules and their options, the rules switched off for that file, and the project
facts gathered across files (relationships, routed views, settings). The first is the entry's
key, the rest the key of the index that holds it: `<cache-dir>/v1/<context>.json`, one JSON
document per scan context. Editing a models module changes the facts and so starts a new index;
editing a view only misses that view's entry.

Entries are plain JSON read back through the same constructors as any report, never pickles: a
cache directory someone else could write to must not be able to run code. An index that does
not parse, has another format version, or holds anything unexpected is ignored whole, and the
scan analyses from scratch. Writes go to a temporary file renamed into place, so an interrupted
scan never leaves half an index.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Generic, Iterable, Mapping, TypeVar

from backlint import __version__
from backlint.findings import Finding, Notification

FORMAT = 1
T = TypeVar("T")
_KEEP_FACTOR = 2
"""An index keeps at most this many times the entries the last scan used (older ones go)."""


@dataclass(frozen=True)
class Entry:
    findings: tuple[Finding, ...]
    notifications: tuple[Notification, ...]
    lines: int

    def to_json(self) -> dict[str, Any]:
        return {
            "findings": [f.to_dict() for f in self.findings],
            "notifications": [n.to_dict() for n in self.notifications],
            "lines": self.lines,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Entry:
        return cls(
            tuple(Finding.from_dict(f) for f in data["findings"]),
            tuple(Notification.from_dict(n) for n in data["notifications"]),
            int(data["lines"]),
        )


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def context_key(*parts: Any) -> str:
    """A key for everything besides the file's bytes that a result depends on."""
    text = json.dumps([__version__, FORMAT, sys.version_info[:2], code_identity(), *parts], sort_keys=True, default=repr)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


@functools.lru_cache(maxsize=1)
def code_identity() -> str:
    """A digest of backlint's own sources: a development checkout that changes a rule without
    changing the version must not be served the old rule's results (about a millisecond)."""
    package = Path(__file__).resolve().parent
    h = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        try:
            data = path.read_bytes()
        except OSError:
            continue
        h.update(path.relative_to(package).as_posix().encode() + b"\0" + hashlib.sha256(data).digest())
    return h.hexdigest()[:16]


@dataclass
class Cache(Generic[T]):
    """The index of one scan context: read once at the start, written once at the end.
    `decode` rebuilds an entry from its JSON (and raises on anything unexpected); entries
    have a `to_json()`."""

    path: Path
    decode: Callable[[Any], T]
    entries: dict[str, T] = field(default_factory=dict)
    used: dict[str, T] = field(default_factory=dict)
    changed: bool = False
    """Whether this scan stored anything: a scan that only read the index leaves it as it is."""

    @classmethod
    def open(cls, directory: Path, context: str, decode: Callable[[Any], T]) -> Cache[T]:
        cache = cls(directory / f"v{FORMAT}" / f"{context}.json", decode)
        try:
            raw = json.loads(cache.path.read_text(encoding="utf-8"))
            if raw.get("format") != FORMAT or raw.get("version") != __version__ or raw.get("context") != context:
                return cache
            cache.entries = {str(k): decode(v) for k, v in raw["entries"].items()}
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            cache.entries = {}  # missing, corrupt or foreign: analyse from scratch
        return cache

    def get(self, key: str) -> T | None:
        entry = self.entries.get(key)
        if entry is not None:
            self.used[key] = entry
        return entry

    def put(self, key: str, entry: T) -> None:
        self.used[key] = entry
        self.changed = True

    def save(self) -> None:
        """Write the entries this scan used, plus older ones up to a bound; never raise."""
        if not self.changed and len(self.entries) <= max(_KEEP_FACTOR * len(self.used), 1):
            return  # every entry came from the index, and it holds nothing to drop
        keep = dict(self.used)
        for key, entry in self.entries.items():
            if len(keep) >= max(_KEEP_FACTOR * len(self.used), 1):
                break
            keep.setdefault(key, entry)
        document = {
            "format": FORMAT,
            "version": __version__,
            "context": self.path.stem,
            "entries": {k: keep[k].to_json() for k in sorted(keep)},  # type: ignore[attr-defined]
        }
        try:
            prepare_directory(self.path.parent.parent)
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".index-", suffix=".tmp")
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as out:
                    json.dump(document, out, separators=(",", ":"))
                os.replace(tmp, self.path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except OSError:
            pass  # a read-only tree or a full disk costs the next scan its speed, nothing else


def entry_key(path: str, content: str, disabled: Iterable[str]) -> str:
    """The key of one file's entry: its path (findings name it), its bytes' digest and the rules
    switched off for it."""
    return json.dumps([path, content, sorted(disabled)], separators=(",", ":"))


def prepare_directory(directory: Path) -> None:
    """Create the cache directory with a `.gitignore` that keeps it out of version control."""
    directory.mkdir(parents=True, exist_ok=True)
    marker = directory / ".gitignore"
    if not marker.exists():
        marker.write_text("# Created by backlint: the scan cache.\n*\n", encoding="utf-8")


def default_directory(root: Path) -> Path:
    """`.backlint_cache/` in the project root when it can be written, else the user cache."""
    local = root / ".backlint_cache"
    if local.is_dir() or os.access(root, os.W_OK):
        return local
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "backlint" / hashlib.sha256(str(root).encode()).hexdigest()[:16]
