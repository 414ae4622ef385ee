"""One scan: discover files, start semgrep on the files its YAML rules read, analyse Python files in
worker processes meanwhile (every rule in one traversal per file), merge the semgrep engine's
results, and return everything in a deterministic order."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator, Sequence

import pathspec

from backlint import pool, semgrep
from backlint.analysis import RuleSpec
from backlint.catalog import Catalog, semgrep_rules_dir
from backlint.config import Config, default_jobs
from backlint.discovery import Target, discover
from backlint.findings import ScanResult
from backlint.frameworks import project


def python_rule_specs(catalog: Catalog, config: Config, enabled: Sequence[str]) -> list[RuleSpec]:
    specs: list[RuleSpec] = []
    for rule_id in enabled:
        info = catalog.by_id[rule_id]
        if info.rule_class is not None:
            specs.append((info.rule_class, config.options_for(rule_id, info.options)))
    return specs


def _per_file_ignores(config: Config) -> list[tuple[pathspec.GitIgnoreSpec, frozenset[str]]]:
    return [(pathspec.GitIgnoreSpec.from_lines([pattern]), frozenset(ids)) for pattern, ids in config.per_file_ignores]


def _disabled(target: Target, ignores: list[tuple[pathspec.GitIgnoreSpec, frozenset[str]]], enabled: Sequence[str]) -> frozenset[str]:
    disabled: set[str] = set()
    for spec, prefixes in ignores:
        if spec.match_file(target.rel):
            disabled.update(rid for rid in enabled if any(rid.startswith(p) for p in prefixes))
    return frozenset(disabled)


def project_facts(targets: Sequence[Target]) -> project.ProjectFacts:
    """Facts that span files (ORM relationships, routed views, REST framework settings), read from
    every Python file's text with a few regular expressions before the analysis."""

    def texts() -> Iterator[tuple[str, str]]:
        for target in targets:
            try:
                data = target.path.read_bytes()
            except OSError:
                continue
            if project.HINTS_BYTES.search(data):
                yield target.rel, data.decode("utf-8", "replace")

    return project.collect(texts()).merged(project.package_facts(_manifests(targets)))


def _manifests(targets: Sequence[Target]) -> Iterator[tuple[str, bytes]]:
    """(project-relative directory, bytes) of each package manifest in a directory that holds,
    or is above, a scanned file, up to the project root."""
    seen: set[str] = set()
    for target in targets:
        if target.rel.startswith("../"):
            continue
        directory, rel = target.path.parent, target.rel.rsplit("/", 1)[0] if "/" in target.rel else ""
        while rel not in seen:
            seen.add(rel)
            for name in project.MANIFESTS:
                try:
                    yield rel, (directory / name).read_bytes()
                except OSError:
                    pass
            if not rel:
                break
            directory, rel = directory.parent, rel.rsplit("/", 1)[0] if "/" in rel else ""


def scan(paths: Sequence[Path], config: Config, catalog: Catalog, semgrep_rules: Path | None = None) -> ScanResult:
    """Scan `paths`. `semgrep_rules` is the directory of YAML rules (default: the catalogue's)."""
    enabled = config.enabled(catalog.ids)
    result = ScanResult(root=str(config.root), rule_ids=tuple(enabled))
    targets, notes = discover(paths, config)
    result.notifications.extend(notes)
    specs = python_rule_specs(catalog, config, enabled)
    ignores = _per_file_ignores(config)
    disabled = {t.rel: _disabled(t, ignores, enabled) for t in targets}
    rules_dir = semgrep_rules if semgrep_rules is not None else semgrep_rules_dir()
    handle = semgrep.start(targets, rules_dir, [catalog.by_id[rid] for rid in enabled], config, disabled)
    try:
        python_targets = [t for t in targets if t.language == "python"]
        tasks = [pool.Task(str(t.path), t.rel, disabled[t.rel]) for t in python_targets]
        jobs = config.jobs or default_jobs()
        if specs:
            facts = project_facts(python_targets)
            for file_result in pool.run(tasks, specs, jobs, config.per_file_timeout, facts):
                result.files_scanned += 1
                result.lines_scanned += file_result.lines
                result.findings.extend(file_result.findings)
                result.notifications.extend(file_result.notifications)
        if handle is not None:
            outcome = handle.collect()
            result.findings.extend(outcome.findings)
            result.notifications.extend(outcome.notifications)
            result.files_scanned += outcome.files_scanned
            result.lines_scanned += outcome.lines_scanned
    finally:
        if handle is not None:
            handle.close()  # an interrupted scan leaves no semgrep behind
    return result.finish()
