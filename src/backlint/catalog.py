"""One catalogue of every rule, whatever engine runs it.

libcst rules are found by importing every module under `backlint.rules` (no registration
list); semgrep rules are the YAML files under the top-level `rules/` directory (shipped inside the
wheel as `backlint/_semgrep_rules`). Both kinds share ids: BL101 is a libcst rule for Python and
a set of semgrep patterns for JavaScript and TypeScript, and appears once in the catalogue with
the libcst class's metadata (the YAML must agree on the name).

A scan may take the catalogue from a snapshot (`load_cached`): the same metadata as JSON, keyed
by a digest of backlint's sources and YAML rules, so that a scan whose results all come from
the cache never imports libcst or the rules, and the scan's own process never does (its workers
import a rule's class when a file needs it). The snapshot lives in the scan's cache directory, or,
for a scan without one, beside backlint's code (`BESIDE_CODE`).

Everything that describes rules reads this: `backlint rules`, `backlint explain`, the SARIF
`tool.driver.rules`, the generated docs/rules.md.
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import json
import os
import pkgutil
import re
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping

from backlint.findings import Confidence, Level
from backlint.rulemeta import Example, Invalid, Option, Valid

if TYPE_CHECKING:
    from backlint.rule import Rule

DOCS_URL = "https://github.com/backlint/backlint/blob/main/docs/rules.md"


@dataclass(frozen=True)
class RuleInfo:
    id: str
    name: str
    family: str
    summary: str
    rationale: str
    fix: str
    level: Level
    confidence: Confidence
    cwe: tuple[int, ...]
    security_severity: float | None
    tags: tuple[str, ...]
    references: tuple[str, ...]
    languages: tuple[str, ...]
    peer_codes: tuple[str, ...] = ()
    options: Mapping[str, Option] = field(default_factory=dict)
    valid: tuple[Example, ...] = ()
    invalid: tuple[Invalid, ...] = ()
    rule_class: type[Rule] | None = None
    rule_ref: str | None = None
    """`module:Class` of the libcst rule (for a catalogue read from a snapshot, whose classes are
    imported only when needed)."""
    semgrep_files: tuple[Path, ...] = ()
    semgrep_ids: tuple[str, ...] = ()

    def implementation(self) -> type[Rule] | None:
        """The libcst rule class, imported if need be; None for a semgrep-only rule. Only a module of
        backlint's own rule package is ever imported, and only a class declaring this id is taken
        (a snapshot is data from a directory the scanned repository could have written): anything
        else falls back to the catalogue loaded afresh."""
        if self.rule_class is not None or self.rule_ref is None:
            return self.rule_class
        from backlint.rule import Rule

        if _RULE_REF.fullmatch(self.rule_ref):
            module, _, name = self.rule_ref.partition(":")
            try:
                cls = getattr(importlib.import_module(module), name, None)
            except ImportError:
                cls = None
            if isinstance(cls, type) and issubclass(cls, Rule) and cls.ID == self.id:
                return cls
        trusted = load().get(self.id)
        return trusted.rule_class if trusted is not None else None

    @property
    def help_uri(self) -> str:
        return f"{DOCS_URL}#{self.id.lower()}-{self.name}"

    @property
    def is_security(self) -> bool:
        return self.security_severity is not None


_RULE_REF = re.compile(r"backlint\.rules(?:\.[a-z_][a-z0-9_]*)+:[A-Z][A-Za-z0-9_]*")


def import_rule_modules() -> list[type[Rule]]:
    """Every libcst rule class of backlint's rule package (importing its modules)."""
    from backlint import rules as rules_package
    from backlint.rule import Rule

    found: list[type[Rule]] = []
    prefix = rules_package.__name__ + "."
    for info in pkgutil.walk_packages(rules_package.__path__, prefix):
        module = importlib.import_module(info.name)
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, Rule) and value is not Rule and value.__module__ == module.__name__:
                found.append(value)
    return found


def _from_class(cls: type[Rule]) -> RuleInfo:
    return RuleInfo(
        id=cls.ID,
        name=cls.NAME,
        family=cls.FAMILY,
        summary=cls.SUMMARY,
        rationale=cls.RATIONALE,
        fix=cls.FIX.strip(),
        level=cls.LEVEL,
        confidence=cls.CONFIDENCE,
        cwe=tuple(cls.CWE),
        security_severity=cls.SECURITY_SEVERITY,
        tags=tuple(cls.TAGS),
        references=tuple(cls.REFERENCES),
        languages=("python",),
        peer_codes=tuple(cls.PEER_CODES),
        options=dict(cls.OPTIONS),
        valid=tuple(v if isinstance(v, Example) else Valid(v) for v in cls.VALID),
        invalid=tuple(cls.INVALID),
        rule_class=cls,
        rule_ref=f"{cls.__module__}:{cls.__qualname__}",
    )


def semgrep_rules_dir() -> Path | None:
    """The directory of semgrep YAML rules: inside the installed package, or the source tree's."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "_semgrep_rules", here.parent.parent / "rules"):
        if candidate.is_dir():
            return candidate
    return None


@dataclass(frozen=True)
class Catalog:
    rules: tuple[RuleInfo, ...]

    @functools.cached_property
    def by_id(self) -> dict[str, RuleInfo]:
        return {r.id: r for r in self.rules}

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(r.id for r in self.rules)

    def get(self, rule_id: str) -> RuleInfo | None:
        return self.by_id.get(rule_id.upper())

    def options(self) -> dict[str, Mapping[str, Option]]:
        return {r.id: r.options for r in self.rules}


@functools.lru_cache(maxsize=2)
def load(semgrep_metadata: bool = True) -> Catalog:
    """Every rule. `semgrep_metadata=False` leaves out what the YAML rules add to rules that
    Python code declares (their languages and files): a scan does not use it (semgrep reads its
    YAML itself when there are files for it), and parsing the YAML costs a single-file scan
    about a tenth of its time. The ids are the same either way."""
    classes = import_rule_modules()
    infos: dict[str, RuleInfo] = {}
    for cls in classes:
        if not cls.ID:
            raise TypeError(f"{cls.__module__}.{cls.__name__} declares no ID")
        if cls.ID in infos:
            raise TypeError(f"rule id {cls.ID} is declared twice ({cls.__module__} and {infos[cls.ID].rule_class})")
        infos[cls.ID] = _from_class(cls)
    rules_dir = semgrep_rules_dir()
    if rules_dir is not None and (semgrep_metadata or not _declared_by_python(rules_dir, infos)):
        from backlint import semgrep

        for rule_id, entries in sorted(semgrep.load_rule_metadata(rules_dir).items()):
            infos[rule_id] = _merge_semgrep(infos.get(rule_id), rule_id, entries)
    return Catalog(tuple(sorted(infos.values(), key=lambda r: r.id)))


def _declared_by_python(rules_dir: Path, infos: Mapping[str, RuleInfo]) -> bool:
    """Whether every catalogue id the YAML rules name (read from their text, not parsed) is a
    Python rule's too: then leaving their metadata out loses no rule."""
    from backlint import semgrep

    for path in sorted(rules_dir.rglob("*.y*ml")):
        try:
            text = path.read_text(encoding="utf-8")
        except OSError:
            return False
        for match in _YAML_ID.finditer(text):
            rule_id = semgrep.catalogue_id(match.group(1))
            if rule_id is not None and rule_id not in infos:
                return False
    return True


_YAML_ID = re.compile(r"^\s*-?\s*id:\s*['\"]?([\w.-]+)", re.M)


def _merge_semgrep(existing: RuleInfo | None, rule_id: str, entries: list[tuple[Path, str, Mapping[str, Any]]]) -> RuleInfo:
    languages: list[str] = list(existing.languages) if existing else []
    files: list[Path] = list(existing.semgrep_files) if existing else []
    ids: list[str] = list(existing.semgrep_ids) if existing else []
    meta: Mapping[str, Any] = {}
    for path, semgrep_id, metadata in entries:
        if path not in files:
            files.append(path)
        ids.append(semgrep_id)
        for lang in metadata.get("languages", ()):
            if lang not in languages:
                languages.append(lang)
        meta = metadata
    if existing is not None:
        return RuleInfo(**{**existing.__dict__, "languages": tuple(languages), "semgrep_files": tuple(files), "semgrep_ids": tuple(ids)})
    return RuleInfo(
        id=rule_id,
        name=str(meta.get("name", rule_id.lower())),
        family=str(meta.get("family", "")),
        summary=str(meta.get("summary", "")),
        rationale=str(meta.get("rationale", "")),
        fix=str(meta.get("fix", "")),
        level=Level(meta.get("level", "warning")),
        confidence=Confidence(meta.get("confidence", "medium")),
        cwe=tuple(int(c) for c in meta.get("cwe_ids", ())),
        security_severity=float(meta["security-severity"]) if meta.get("security-severity") is not None else None,
        tags=tuple(meta.get("tags", ())),
        references=tuple(meta.get("references", ())),
        languages=tuple(languages),
        semgrep_files=tuple(files),
        semgrep_ids=tuple(ids),
    )


# -- the snapshot -----------------------------------------------------------------------------

SNAPSHOT_FORMAT = 1


BESIDE_CODE = Path(__file__).resolve().parent / "__pycache__"
"""Where a scan without a cache keeps the snapshot: beside backlint's code, like Python's bytecode
(written once per build and shared by every project; not under PYTHONDONTWRITEBYTECODE, and not
where the package cannot be written, where the rules are simply loaded)."""


def load_cached(directory: Path | None, *, semgrep_metadata: bool = True) -> Catalog:
    """The catalogue, from the snapshot in `directory` when there is a valid one for this very
    code, else loaded (and the snapshot written for next time). None: just `load()`."""
    if directory is None:
        return load(semgrep_metadata)
    path = directory / f"catalog-{_snapshot_key()}.json"
    try:
        return _from_snapshot(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
        pass  # absent, unreadable, from another version, or damaged: never trusted
    catalog = load()
    if directory == BESIDE_CODE and sys.dont_write_bytecode:
        return catalog
    try:
        from backlint.cache import prepare_directory

        if directory == BESIDE_CODE:
            directory.mkdir(exist_ok=True)
        else:
            prepare_directory(directory)  # with its `.gitignore`, as the result cache makes it
        fd, tmp = tempfile.mkstemp(prefix=".catalog.", suffix=".tmp", dir=str(directory))
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(_to_snapshot(catalog), fh, sort_keys=True)
        os.replace(tmp, path)
    except OSError:
        pass  # a read-only cache: the next scan loads the catalogue again
    return catalog


def _snapshot_key() -> str:
    from backlint import __version__, cache

    h = hashlib.sha256(f"{SNAPSHOT_FORMAT}\0{__version__}\0{cache.code_identity()}".encode())
    rules_dir = semgrep_rules_dir()
    if rules_dir is not None:
        h.update(str(rules_dir).encode())
        for yaml_file in sorted(rules_dir.rglob("*.y*ml")):
            try:
                h.update(yaml_file.name.encode() + b"\0" + yaml_file.read_bytes())
            except OSError:
                continue
    return h.hexdigest()[:24]


def _example_json(ex: Example) -> dict[str, Any]:
    data: dict[str, Any] = {"kind": "invalid" if isinstance(ex, Invalid) else "valid", "code": ex.code, "note": ex.note, "path": ex.path}
    if isinstance(ex, Invalid):
        data["line"] = ex.line
    return data


def _example(data: Mapping[str, Any]) -> Example:
    if data["kind"] == "invalid":
        return Invalid(data["code"], data["note"], data["path"], int(data["line"]))
    return Valid(data["code"], data["note"], data["path"])


_OPTION_KINDS: dict[str, type] = {"int": int, "bool": bool, "str": str, "list": list}


def _to_snapshot(catalog: Catalog) -> dict[str, Any]:
    rules = []
    for r in catalog.rules:
        rules.append({
            "id": r.id, "name": r.name, "family": r.family, "summary": r.summary, "rationale": r.rationale, "fix": r.fix,
            "level": r.level.value, "confidence": r.confidence.value, "cwe": list(r.cwe),
            "security_severity": r.security_severity, "tags": list(r.tags), "references": list(r.references),
            "languages": list(r.languages), "peer_codes": list(r.peer_codes),
            "options": {
                name: {"default": list(o.default) if isinstance(o.default, tuple) else o.default, "help": o.help,
                       "kind": o.kind.__name__, "minimum": o.minimum}
                for name, o in r.options.items()
            },
            "valid": [_example_json(e) for e in r.valid], "invalid": [_example_json(e) for e in r.invalid],
            "rule_ref": r.rule_ref, "semgrep_files": [str(p) for p in r.semgrep_files], "semgrep_ids": list(r.semgrep_ids),
        })
    return {"format": SNAPSHOT_FORMAT, "rules": rules}


def _from_snapshot(data: Mapping[str, Any]) -> Catalog:
    if data["format"] != SNAPSHOT_FORMAT:
        raise ValueError("another snapshot format")
    infos = []
    for r in data["rules"]:
        if r["rule_ref"] is not None and not _RULE_REF.fullmatch(r["rule_ref"]):
            raise ValueError("a rule reference outside backlint's rules")
        options = {
            name: Option(tuple(o["default"]) if o["kind"] == "list" else o["default"], o["help"], _OPTION_KINDS[o["kind"]], o["minimum"])
            for name, o in r["options"].items()
        }
        infos.append(RuleInfo(
            id=r["id"], name=r["name"], family=r["family"], summary=r["summary"], rationale=r["rationale"], fix=r["fix"],
            level=Level(r["level"]), confidence=Confidence(r["confidence"]), cwe=tuple(r["cwe"]),
            security_severity=r["security_severity"], tags=tuple(r["tags"]), references=tuple(r["references"]),
            languages=tuple(r["languages"]), peer_codes=tuple(r["peer_codes"]), options=options,
            valid=tuple(_example(e) for e in r["valid"]), invalid=tuple(_example(e) for e in r["invalid"]),  # type: ignore[misc]
            rule_ref=r["rule_ref"], semgrep_files=tuple(Path(p) for p in r["semgrep_files"]), semgrep_ids=tuple(r["semgrep_ids"]),
        ))
    return Catalog(tuple(infos))
