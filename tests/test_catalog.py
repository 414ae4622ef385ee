"""The catalogue: complete, consistent, documented."""

from __future__ import annotations

import re

import yaml

from backlint import catalog, docs, semgrep
from conftest import ROOT

CATALOG = catalog.load()


def test_ids_are_unique_and_well_formed() -> None:
    ids = [r.id for r in CATALOG.rules]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"BL[1-5]\d\d", i) for i in ids)
    assert ids == sorted(ids)


def test_every_rule_is_described() -> None:
    for r in CATALOG.rules:
        assert r.summary and "\n" not in r.summary and r.summary.endswith("."), r.id
        assert re.fullmatch(r"[a-z]+(-[a-z]+)*", r.name), r.id
        assert r.rationale and r.fix, r.id
        assert len(docs.full_description(r)) <= 1024


def test_security_rules_carry_cwe_and_severity() -> None:
    for r in CATALOG.rules:
        if "security" in r.tags:
            assert r.cwe, r.id
            assert r.security_severity is not None and 0 < r.security_severity <= 10, r.id


def test_libcst_rule_file_stem_is_its_name() -> None:
    for r in CATALOG.rules:
        if r.rule_class is not None:
            module = r.rule_class.__module__
            assert module.rsplit(".", 1)[-1] == r.name.replace("-", "_")
            assert module.startswith("backlint.rules.")


def test_every_semgrep_rule_has_a_catalogue_id_and_its_name() -> None:
    rules_dir = catalog.semgrep_rules_dir()
    assert rules_dir is not None
    for path in semgrep.rule_files(rules_dir):
        for rule in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("rules", ()):
            where = f"{path.relative_to(rules_dir)}: {rule.get('id')}"
            info = CATALOG.get(semgrep.catalogue_id(str(rule.get("id", ""))) or "")
            assert info is not None, f"{where}: the id must start with a catalogue id (BL101...)"
            assert (rule.get("metadata") or {}).get("name") == info.name, f"{where}: metadata name is not {info.name!r}"


def test_a_scan_catalogue_differs_only_in_what_the_yaml_adds() -> None:
    """A scan loads the catalogue without parsing the YAML rules' metadata (semgrep reads its
    rules itself): same rules, same levels and messages; only languages and YAML files differ."""
    scan = catalog.load(semgrep_metadata=False)
    assert scan.ids == CATALOG.ids
    for full in CATALOG.rules:
        lean = scan.by_id[full.id]
        assert lean.rule_class is full.rule_class
        assert (lean.level, lean.summary, lean.name, lean.cwe, lean.options) == (full.level, full.summary, full.name, full.cwe, full.options)
        assert not lean.semgrep_files
    assert any(r.semgrep_files for r in CATALOG.rules)


def test_examples_are_plentiful() -> None:
    for r in CATALOG.rules:
        if r.rule_class is None:
            continue
        minimum = 8 if r.id in ("BL101", "BL301") else 5
        assert len(r.invalid) >= minimum, f"{r.id}: {len(r.invalid)} flagged examples"
        assert len(r.valid) >= minimum, f"{r.id}: {len(r.valid)} not-flagged examples"
        assert all(ex.note for ex in (*r.invalid, *r.valid)), f"{r.id}: every example says why"


def test_docs_rules_md_is_current() -> None:
    path = ROOT / "docs" / "rules.md"
    assert path.read_text(encoding="utf-8") == docs.render_catalog(CATALOG), (
        "docs/rules.md is stale: run `backlint rules --format markdown > docs/rules.md`"
    )
