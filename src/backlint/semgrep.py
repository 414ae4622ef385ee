"""The semgrep engine: YAML pattern rules for JavaScript and TypeScript under catalogue ids.

Each YAML rule's `id` starts with the catalogue id it belongs to (`BL101-js-template-literal`);
its `metadata` carries the catalogue fields (`name`, `summary`, `rationale`, `cwe_ids`, `level`,
`confidence`, `references`...).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Mapping

import yaml

_CATALOGUE_ID = re.compile(r"^(BL\d{3})\b")


def catalogue_id(semgrep_id: str) -> str | None:
    """`BL101` for `BL101-js-template-literal` (semgrep may prefix ids with a path: take the tail)."""
    m = _CATALOGUE_ID.match(semgrep_id.rsplit(".", 1)[-1])
    return m.group(1) if m else None


def rule_files(rules_dir: Path) -> list[Path]:
    """The YAML rule files under `rules_dir` (semgrep test files beside them are not rules)."""
    return sorted(p for p in rules_dir.rglob("*.y*ml") if p.suffix in (".yaml", ".yml"))


def load_rule_metadata(rules_dir: Path) -> dict[str, list[tuple[Path, str, Mapping[str, Any]]]]:
    """Catalogue id -> [(file, semgrep rule id, metadata with `languages`)] for every YAML rule."""
    out: dict[str, list[tuple[Path, str, Mapping[str, Any]]]] = {}
    for path in rule_files(rules_dir):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for rule in data.get("rules", ()):
            rid = catalogue_id(str(rule.get("id", "")))
            if rid is None:
                continue
            meta = dict(rule.get("metadata") or {})
            meta["languages"] = tuple(rule.get("languages", ()))
            out.setdefault(rid, []).append((path, str(rule["id"]), meta))
    return out
