"""One catalogue of every rule, whatever engine runs it.

libcst rules are found by importing every module under `backlint.rules` (no registration
list); semgrep rules are the YAML files under the top-level `rules/` directory (shipped inside the
wheel as `backlint/_semgrep_rules`). Both kinds share ids: BL101 is a libcst rule for Python and
a set of semgrep patterns for JavaScript and TypeScript, and appears once in the catalogue with
the libcst class's metadata (the YAML must agree on the name).

Everything that describes rules reads this: `backlint rules`, `backlint explain`, the SARIF
`tool.driver.rules`, the generated docs/rules.md.
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from backlint import rules as rules_package
from backlint.findings import Confidence, Level
from backlint.rule import Example, Invalid, Option, Rule, Valid

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
    semgrep_files: tuple[Path, ...] = ()
    semgrep_ids: tuple[str, ...] = ()

    @property
    def help_uri(self) -> str:
        return f"{DOCS_URL}#{self.id.lower()}-{self.name}"

    @property
    def is_security(self) -> bool:
        return self.security_severity is not None


def _import_rule_modules() -> list[type[Rule]]:
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


@functools.lru_cache(maxsize=1)
def load() -> Catalog:
    classes = _import_rule_modules()
    infos: dict[str, RuleInfo] = {}
    for cls in classes:
        if not cls.ID:
            raise TypeError(f"{cls.__module__}.{cls.__name__} declares no ID")
        if cls.ID in infos:
            raise TypeError(f"rule id {cls.ID} is declared twice ({cls.__module__} and {infos[cls.ID].rule_class})")
        infos[cls.ID] = _from_class(cls)
    rules_dir = semgrep_rules_dir()
    if rules_dir is not None:
        from backlint import semgrep

        for rule_id, entries in sorted(semgrep.load_rule_metadata(rules_dir).items()):
            infos[rule_id] = _merge_semgrep(infos.get(rule_id), rule_id, entries)
    return Catalog(tuple(sorted(infos.values(), key=lambda r: r.id)))


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
