"""One scan: discover files, start semgrep on the files its YAML rules read, analyse Python files in
worker processes meanwhile (every rule in one traversal per file), merge the semgrep engine's
results, and return everything in a deterministic order."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator, Mapping, Sequence

import pathspec

from backlint import cache, clients, semgrep
from backlint.catalog import Catalog, RuleInfo, semgrep_rules_dir
from backlint.config import DEFAULT_EXCLUDES, Config, default_jobs
from backlint.discovery import Target, discover
from backlint.findings import Finding, Level, Notification, NotificationKind, ScanResult
from backlint.frameworks import project

if TYPE_CHECKING:
    from backlint.analysis import FileResult, RuleSpec

# The analyzer (libcst, the rules, the worker pool) is imported only when a file needs analysing:
# a scan whose results all come from the cache never loads it.


def python_rules(catalog: Catalog, config: Config, enabled: Sequence[str]) -> list[tuple[RuleInfo, dict[str, Any]]]:
    """The enabled libcst rules with their effective options."""
    return [
        (info, config.options_for(rule_id, info.options))
        for rule_id in enabled
        if (info := catalog.by_id[rule_id]).rule_class is not None or info.rule_ref is not None
    ]


def python_rule_specs(catalog: Catalog, config: Config, enabled: Sequence[str]) -> list[RuleSpec]:
    """The enabled libcst rules as the analyzer takes them (their classes imported)."""
    return _specs(python_rules(catalog, config, enabled))


def _specs(rules: Sequence[tuple[RuleInfo, dict[str, Any]]]) -> list[RuleSpec]:
    specs: list[RuleSpec] = []
    for info, options in rules:
        cls = info.implementation()
        if cls is not None:
            specs.append((cls, options))
    return specs


def _per_file_ignores(config: Config) -> list[tuple[pathspec.GitIgnoreSpec, frozenset[str]]]:
    return [(pathspec.GitIgnoreSpec.from_lines([pattern]), frozenset(ids)) for pattern, ids in config.per_file_ignores]


def _disabled(target: Target, ignores: list[tuple[pathspec.GitIgnoreSpec, frozenset[str]]], enabled: Sequence[str]) -> frozenset[str]:
    disabled: set[str] = set()
    for spec, prefixes in ignores:
        if spec.match_file(target.rel):
            disabled.update(rid for rid in enabled if any(rid.startswith(p) for p in prefixes))
    return frozenset(disabled)


def project_facts(
    targets: Sequence[Target], digests: dict[str, str] | None = None, store: cache.Cache[project.ProjectFacts] | None = None
) -> project.ProjectFacts:
    """Facts that span files (ORM relationships, routed views, REST framework settings), read from
    every Python file's text with a few regular expressions before the analysis. When `digests`
    is given, each file's content digest is recorded in it on the way; with `store`, the facts of
    unchanged files come from the cache."""
    found_facts: list[project.ProjectFacts] = []
    for target in targets:
        try:
            data = target.path.read_bytes()
        except OSError:
            continue
        if digests is not None:
            digests[target.rel] = cache.digest(data)
        hinted = project.has_hints(data)
        if not hinted and b"(" not in data and b"import" not in data and b"." not in data and b"=" not in data:
            continue  # (nothing called, imported, assigned or named by a dotted string: an empty `__init__.py`)
        key = cache.entry_key(target.rel, digests[target.rel], ()) if store is not None and digests is not None else None
        found = store.get(key) if store is not None and key is not None else None
        if found is None:
            text = data.decode("utf-8", "replace")
            # (every file's calls count: which functions only an operator's code calls)
            found = project.facts_from_text(text, target.rel) if hinted else project.light_facts(text, target.rel)
            if store is not None and key is not None:
                store.put(key, found)
        found_facts.append(found)
    facts = project.ProjectFacts.combined(found_facts)
    if store is not None:
        store.save()
    manifests = list(_manifests(targets))
    facts = facts.merged(project.package_facts((rel, data) for rel, data, _ in manifests))
    return facts.merged(_aiohttp_servers(manifests, facts, {t.rel for t in targets}))


def _aiohttp_servers(manifests: Sequence[tuple[str, bytes, Path]], facts: project.ProjectFacts, scanned: set[str]) -> project.ProjectFacts:
    """A module serving with aiohttp in each package whose manifest names aiohttp and whose scanned
    files showed none, looked for among the package's files the scan left out: a scan of a few
    changed files must not take the package for an HTTP client."""
    found: set[str] = set()
    for rel, data, directory in manifests:
        if b"aiohttp" not in data or facts.aiohttp_server_in(rel) or any(not rel or m.startswith(rel + "/") for m in found):
            continue
        read = 0
        for path in directory.rglob("*.py"):
            inner = path.relative_to(directory)
            name = f"{rel}/{inner.as_posix()}" if rel else inner.as_posix()
            if name in scanned or _SKIPPED_DIRS & set(inner.parts[:-1]):
                continue  # its facts were read already
            read += 1
            if read > 5000:
                break
            try:
                text = path.read_bytes()
            except OSError:
                continue
            if b"aiohttp" in text and project.serves_with_aiohttp(text.decode("utf-8", "replace")):
                found.add(name)
                break
    return project.ProjectFacts(loop_servers=frozenset(found)) if found else project.EMPTY


_SKIPPED_DIRS = frozenset(e.rstrip("/") for e in DEFAULT_EXCLUDES if e.endswith("/") and "*" not in e) | {"tests", "test"}
"""Directories the search for an aiohttp server leaves out: the default excludes, and tests."""


def _manifests(targets: Sequence[Target]) -> Iterator[tuple[str, bytes, Path]]:
    """(project-relative directory, bytes, directory) of each package manifest in a directory that
    holds, or is above, a scanned file, up to the project root."""
    seen: set[str] = set()
    for target in targets:
        if target.rel.startswith("../"):
            continue
        directory, rel = target.path.parent, target.rel.rsplit("/", 1)[0] if "/" in target.rel else ""
        while rel not in seen:
            seen.add(rel)
            for name in project.MANIFESTS:
                try:
                    yield rel, (directory / name).read_bytes(), directory
                except OSError:
                    pass
            if not rel:
                break
            directory, rel = directory.parent, rel.rsplit("/", 1)[0] if "/" in rel else ""


def _server_side(targets: Sequence[Target], root: Path, result: ScanResult) -> list[Target]:
    """The JavaScript/TypeScript files that may run on a server and were written by hand: a web
    client's or desktop app's files, and minified or bundled files, are left out (see `clients`),
    with one note per client package, and per directory of generated files, saying so."""

    def read(rel: str, size: int = -1) -> bytes | None:
        try:
            with open(root / rel, "rb") as handle:
                return handle.read(size)
        except OSError:
            return None

    def exists(rel: str) -> bool:
        return (root / rel).is_file()

    heads = {t.rel: read(t.rel, 65536) or b"" for t in targets}
    bundles = [t.rel for t in targets if clients.generated(t.rel, heads[t.rel]) or clients.shipped_build(t.rel, heads[t.rel], exists)]
    for directory, count in sorted(Counter(rel.rsplit("/", 1)[0] if "/" in rel else "." for rel in bundles).items()):
        result.notifications.append(Notification(
            NotificationKind.SKIPPED_PATH,
            f"{count} minified, bundled or library-build JavaScript {'file was' if count == 1 else 'files were'} not analysed "
            "(generated or vendored code: its sources are reviewed instead)",
            directory,
            Level.NOTE,
        ))
    skipped = set(bundles)
    targets = [t for t in targets if t.rel not in skipped]
    client = clients.client_files((t.rel for t in targets), read)
    for marker, count in sorted(Counter(client.values()).items()):
        whose = clients.whose(marker, read)
        result.notifications.append(Notification(
            NotificationKind.SKIPPED_PATH,
            f"{count} JavaScript/TypeScript files of {whose} were not analysed (backlint reviews code that runs on a server)",
            marker,
            Level.NOTE,
        ))
    return [t for t in targets if t.rel not in client]


_TRANSIENT = frozenset({NotificationKind.TIMEOUT, NotificationKind.CRASH, NotificationKind.UNREADABLE})
"""What may go differently next time (load, memory, permissions): such a file's result is not cached."""


def scan(
    paths: Sequence[Path],
    config: Config,
    catalog: Catalog,
    semgrep_rules: Path | None = None,
    cache_dir: Path | None = None,
) -> ScanResult:
    """Scan `paths`. `semgrep_rules` is the directory of YAML rules (default: the catalogue's);
    with `cache_dir`, results of unchanged files are taken from the cache there."""
    enabled = config.enabled(catalog.ids)
    result = ScanResult(root=str(config.root), rule_ids=tuple(enabled))
    targets, notes = discover(paths, config)
    result.notifications.extend(notes)
    rules = python_rules(catalog, config, enabled)
    ignores = _per_file_ignores(config)
    disabled = {t.rel: _disabled(t, ignores, enabled) for t in targets}
    rules_dir = semgrep_rules if semgrep_rules is not None else semgrep_rules_dir()
    python_targets = [t for t in targets if t.language == "python"]
    other_targets = _server_side([t for t in targets if t.language != "python"], config.root, result)
    infos = [catalog.by_id[rid] for rid in enabled]

    digests: dict[str, str] | None = {} if cache_dir is not None else None
    js_cache = _open_semgrep_cache(cache_dir, rules_dir, infos, other_targets, digests) if cache_dir is not None else None
    if js_cache is not None:
        other_targets = _from_cache(js_cache, other_targets, digests, disabled, result)
    if rules_dir is None and other_targets:
        result.notifications.append(Notification(
            NotificationKind.SEMGREP,
            f"the semgrep rules were not found beside the package, so {len(other_targets)} JavaScript/TypeScript "
            "files were not analysed; reinstall backlint",
        ))
    handle = semgrep.start(other_targets, rules_dir, infos, config, disabled)
    try:
        if rules:
            facts_cache = cache.Cache.open(cache_dir, cache.context_key("facts"), project.ProjectFacts.from_json) if cache_dir else None
            facts = project_facts(python_targets, digests, facts_cache)
            py_cache = None
            if cache_dir is not None and digests is not None:
                context = cache.context_key("python", _describe(rules), facts.to_json())
                py_cache = cache.Cache.open(cache_dir, context, cache.Entry.from_json)
                python_targets = _from_cache(py_cache, python_targets, digests, disabled, result)
            for file_result in _analysed(python_targets, rules, config, facts, disabled):
                result.files_scanned += 1
                result.lines_scanned += file_result.lines
                result.findings.extend(file_result.findings)
                result.notifications.extend(file_result.notifications)
                transient = any(n.kind in _TRANSIENT for n in file_result.notifications)
                if py_cache is not None and digests is not None and file_result.path in digests and not transient:
                    key = cache.entry_key(file_result.path, digests[file_result.path], disabled.get(file_result.path, ()))
                    py_cache.put(key, cache.Entry(tuple(file_result.findings), tuple(file_result.notifications), file_result.lines))
            if py_cache is not None:
                py_cache.save()
        if handle is not None:
            outcome = handle.collect()
            outcome.notifications = _one_per_file(outcome.notifications)
            result.findings.extend(outcome.findings)
            result.notifications.extend(outcome.notifications)
            result.files_scanned += outcome.files_scanned
            result.lines_scanned += outcome.lines_scanned
            if js_cache is not None and digests is not None:
                _store_semgrep(js_cache, handle.targets, outcome, digests, disabled)
    finally:
        if handle is not None:
            handle.close()  # an interrupted scan leaves no semgrep behind
    return result.finish()


def _analysed(
    targets: Sequence[Target], rules: Sequence[tuple[RuleInfo, dict[str, Any]]], config: Config,
    facts: project.ProjectFacts, disabled: dict[str, frozenset[str]],
) -> Iterator[FileResult]:
    """The results of analysing `targets` in worker processes, as they finish."""
    if not targets:
        return
    from backlint import pool

    tasks = [pool.Task(str(t.path), t.rel, disabled[t.rel]) for t in targets]
    # A rule whose class this process has not imported goes as its catalogue entry: the worker
    # imports the class, and this process never loads libcst.
    specs = [(info.rule_class or info, options) for info, options in rules]
    yield from pool.run(tasks, specs, config.jobs or default_jobs(), config.per_file_timeout, facts)


def _from_cache(
    store: cache.Cache[cache.Entry],
    targets: Sequence[Target],
    digests: dict[str, str] | None,
    disabled: dict[str, frozenset[str]],
    result: ScanResult,
) -> list[Target]:
    """Take the results of files whose entry is in `store`; return the files still to analyse."""
    missing: list[Target] = []
    for target in targets:
        content = digests.get(target.rel) if digests is not None else None
        entry = store.get(cache.entry_key(target.rel, content, disabled.get(target.rel, ()))) if content is not None else None
        if entry is None:
            missing.append(target)
            continue
        result.files_scanned += 1
        result.lines_scanned += entry.lines
        result.findings.extend(entry.findings)
        result.notifications.extend(entry.notifications)
    return missing


def _open_semgrep_cache(
    cache_dir: Path, rules_dir: Path | None, infos: Sequence[RuleInfo], targets: Sequence[Target], digests: dict[str, str] | None
) -> cache.Cache[cache.Entry] | None:
    """The cache of semgrep results, keyed by the YAML rules' text and the enabled rules; the
    digests of the files it may cover are recorded on the way."""
    if not targets or digests is None:
        return None
    rules_text = [p.read_bytes() for p in semgrep.rule_files(rules_dir)] if rules_dir is not None else []
    for target in targets:
        try:
            digests[target.rel] = cache.digest(target.path.read_bytes())
        except OSError:
            pass
    key = cache.context_key("semgrep", [cache.digest(t) for t in rules_text], sorted(info.id for info in infos))
    return cache.Cache.open(cache_dir, key, cache.Entry.from_json)


def _store_semgrep(
    store: cache.Cache[cache.Entry], scanned: Sequence[Target], outcome: semgrep.Outcome, digests: dict[str, str], disabled: dict[str, frozenset[str]]
) -> None:
    """Keep semgrep's results per file, unless the run itself failed (then nothing is trusted)."""
    if any(n.kind is NotificationKind.SEMGREP or n.path is None for n in outcome.notifications):
        return
    by_path: dict[str, tuple[list[Finding], list[Notification]]] = {t.rel: ([], []) for t in scanned}
    for finding in outcome.findings:
        if finding.path in by_path:
            by_path[finding.path][0].append(finding)
    for note in outcome.notifications:
        if note.path in by_path:
            by_path[note.path][1].append(note)
    for target in scanned:
        content = digests.get(target.rel)
        if content is None:
            continue
        found, notes = by_path[target.rel]
        if any(n.kind in _TRANSIENT for n in notes):
            continue  # a time limit depends on the load: the next scan tries again
        lines = _line_count(target)
        store.put(cache.entry_key(target.rel, content, disabled.get(target.rel, ())), cache.Entry(tuple(found), tuple(notes), lines))
    store.save()


_TIMEOUT_RULE = re.compile(r"^semgrep: Timeout when running (\S+) on ")


def _one_per_file(notes: Sequence[Notification]) -> list[Notification]:
    """semgrep reports a problem per rule and file (a file too slow for three rules is three
    timeouts): as in the Python pass, a file gets one notification, the most severe, naming the
    others' rules or counting them."""
    by_path: dict[str, list[Notification]] = {}
    out: list[Notification] = []
    for note in notes:
        if note.path is None:
            out.append(note)
        else:
            by_path.setdefault(note.path, []).append(note)
    for group in by_path.values():
        group.sort(key=lambda n: (-n.level.rank, n.sort_key))
        first = group[0]
        if len(group) > 1:
            rules = [m.group(1) for m in (_TIMEOUT_RULE.match(n.message) for n in group) if m]
            if len(rules) == len(group):
                message = f"semgrep: Timeout when running {', '.join(sorted(set(rules)))} on this file"
            else:
                message = f"{first.message} (and {len(group) - 1} more problem{'s' if len(group) > 2 else ''} semgrep reported here)"
            first = Notification(first.kind, message, first.path, first.level, first.line, first.column)
        out.append(first)
    return out


def _line_count(target: Target) -> int:
    try:
        data = target.path.read_bytes()
    except OSError:
        return 0
    return data.count(b"\n") + (0 if data.endswith(b"\n") or not data else 1)


def _describe(rules: Sequence[tuple[RuleInfo, Mapping[str, Any]]]) -> list[Any]:
    """The enabled libcst rules and their options, as plain data for the cache key."""
    return [[info.id, sorted((k, repr(v)) for k, v in options.items())] for info, options in rules]
