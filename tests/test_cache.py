"""The per-file result cache: warm scans reuse unchanged files' results, and a cache that is
corrupt, foreign or out of date is never trusted."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from backlint import cache, catalog, config, engine, pool

FLASK_APP = Path(__file__).parent.parent / "fixtures" / "flask_app"


def _scan(root: Path, cache_dir: Path | None):
    cat = catalog.load()
    conf = config.load([root], config_file=None, rule_options=cat.options(), rule_ids=cat.ids, select=None,
                       ignore=[], fail_on="never", jobs=1)
    return engine.scan([root], conf, cat, cache_dir=cache_dir)


def _identity(result) -> list[tuple]:
    return [(f.rule_id, f.path, f.region, f.message, f.fingerprint, f.line_hash, f.suppressed) for f in result.findings]


@pytest.fixture()
def app(tmp_path: Path) -> Path:
    root = tmp_path / "app"
    shutil.copytree(FLASK_APP, root)
    return root


@pytest.fixture()
def analysed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The relative paths the worker pool is asked to analyse, scan after scan."""
    seen: list[str] = []
    real_run = pool.run

    def run(tasks, *args, **kwargs):
        seen.extend(t.rel for t in tasks)
        return real_run(tasks, *args, **kwargs)

    monkeypatch.setattr(pool, "run", run)
    return seen


def test_a_warm_scan_analyses_nothing_and_reports_the_same(app: Path, tmp_path: Path, analysed: list[str]) -> None:
    cold = _scan(app, tmp_path / "cache")
    files = len(analysed)
    assert files > 0 and cold.findings
    warm = _scan(app, tmp_path / "cache")
    assert len(analysed) == files  # nothing analysed again
    assert _identity(warm) == _identity(cold)
    assert (warm.files_scanned, warm.lines_scanned) == (cold.files_scanned, cold.lines_scanned)
    assert (tmp_path / "cache" / ".gitignore").read_text().strip().endswith("*")


def test_editing_one_file_reanalyses_only_that_file(app: Path, tmp_path: Path, analysed: list[str]) -> None:
    _scan(app, tmp_path / "cache")
    analysed.clear()
    target = next(p for p in sorted(app.rglob("*.py")) if "models" not in p.name and p.stat().st_size > 200)
    target.write_text(target.read_text() + "\n\ndef added():\n    return 1\n")
    rescan = _scan(app, tmp_path / "cache")
    assert analysed == [target.relative_to(app.parent).as_posix()] or analysed == [target.relative_to(app).as_posix()]
    assert _identity(rescan) == _identity(_scan(app, None))


def test_changed_project_facts_start_a_new_context(app: Path, tmp_path: Path, analysed: list[str]) -> None:
    _scan(app, tmp_path / "cache")
    (app / "extra_models.py").write_text("class Extra(Base):\n    owner = relationship('User')\n")
    analysed.clear()
    _scan(app, tmp_path / "cache")
    assert len(analysed) == len(list(app.rglob("*.py")))  # relations changed: every file again


@pytest.mark.parametrize(
    "damage",
    [
        lambda text: "{not json",
        lambda text: json.dumps({**json.loads(text), "version": "0.0.0-other"}),
        lambda text: json.dumps({**json.loads(text), "format": 999}),
        lambda text: json.dumps({**json.loads(text), "entries": {"k": {"findings": [{"rule_id": 1}]}}}),
        lambda text: json.dumps({**json.loads(text), "entries": [1, 2]}),
    ],
    ids=["corrupt", "other-version", "other-format", "bad-entry", "wrong-shape"],
)
def test_a_damaged_or_foreign_index_is_ignored(app: Path, tmp_path: Path, analysed: list[str], damage) -> None:
    cold = _scan(app, tmp_path / "cache")
    files = len(analysed)
    for index in (tmp_path / "cache" / f"v{cache.FORMAT}").glob("*.json"):
        index.write_text(damage(index.read_text()))
    analysed.clear()
    again = _scan(app, tmp_path / "cache")
    assert len(analysed) == files  # analysed from scratch
    assert _identity(again) == _identity(cold)


def test_the_index_is_json_not_pickle(app: Path, tmp_path: Path) -> None:
    _scan(app, tmp_path / "cache")
    indexes = list((tmp_path / "cache" / f"v{cache.FORMAT}").glob("*.json"))
    assert indexes
    for index in indexes:
        data = json.loads(index.read_text())
        assert data["format"] == cache.FORMAT and isinstance(data["entries"], dict)


def test_an_unwritable_cache_directory_costs_only_speed(app: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "cache"
    blocker.write_text("a file where the directory should be")
    assert _identity(_scan(app, blocker)) == _identity(_scan(app, None))


def test_per_file_ignores_are_part_of_an_entrys_key() -> None:
    assert cache.entry_key("a.py", "d1", ()) != cache.entry_key("a.py", "d1", ("BL101",))
    assert cache.entry_key("a.py", "d1", ()) != cache.entry_key("b.py", "d1", ())


# -- the command line -----------------------------------------------------------------------------


def _cli_scan(app: Path, *args: str) -> dict:
    from click.testing import CliRunner

    from backlint.cli import cli

    result = CliRunner().invoke(cli, ["scan", str(app), "--format", "json", "--fail-on", "never", "-j", "1", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_the_cli_caches_in_the_project_by_default(app: Path, analysed: list[str]) -> None:
    (app / ".git").mkdir()  # the project root
    cold = _cli_scan(app)
    assert (app / ".backlint_cache" / ".gitignore").is_file()
    analysed.clear()
    assert _cli_scan(app) == cold and analysed == []


def test_the_cli_cache_directory_can_be_chosen_or_switched_off(app: Path, tmp_path: Path, analysed: list[str]) -> None:
    (app / ".git").mkdir()
    elsewhere = tmp_path / "elsewhere"
    first = _cli_scan(app, "--cache-dir", str(elsewhere))
    assert (elsewhere / ".gitignore").is_file() and not (app / ".backlint_cache").exists()
    analysed.clear()
    assert _cli_scan(app, "--no-cache") == first
    assert analysed and not (app / ".backlint_cache").exists()


def test_cache_dir_and_no_cache_together_are_a_usage_error(app: Path, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from backlint.cli import cli

    result = CliRunner().invoke(cli, ["scan", str(app), "--no-cache", "--cache-dir", str(tmp_path / "c")])
    assert result.exit_code == 2 and "--cache-dir" in result.output


def test_results_of_another_backlint_build_are_not_used(app: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                         analysed: list[str]) -> None:
    _scan(app, tmp_path / "cache")
    analysed.clear()
    monkeypatch.setattr(cache, "code_identity", lambda: "a rule changed since")
    _scan(app, tmp_path / "cache")
    assert sorted(analysed) == sorted(p.relative_to(app).as_posix() for p in app.rglob("*.py"))


def _metadata(info: catalog.RuleInfo) -> dict:
    return {k: v for k, v in info.__dict__.items() if k != "rule_class"}


def test_the_catalogue_snapshot_describes_every_rule_as_loading_does(tmp_path: Path) -> None:
    loaded = catalog.load()
    first = catalog.load_cached(tmp_path)  # writes the snapshot
    (snapshot,) = tmp_path.glob("catalog-*.json")
    second = catalog.load_cached(tmp_path)  # reads it
    assert second is not loaded and all(r.rule_class is None for r in second.rules)
    assert [_metadata(r) for r in second.rules] == [_metadata(r) for r in loaded.rules] == [_metadata(r) for r in first.rules]
    for info in second.rules:
        assert info.implementation() is loaded.by_id[info.id].rule_class
    snapshot.write_text('{"format": 1, "rules": [{"id": "BL101"}]}')
    assert catalog.load_cached(tmp_path) is loaded  # damaged: loaded afresh, never trusted


def test_a_warm_scan_never_imports_the_analyzer(app: Path, tmp_path: Path) -> None:
    from conftest import run_cli

    cache_dir = tmp_path / "cache"
    args = ("scan", str(app), "--format", "json", "--fail-on", "never", "--cache-dir", str(cache_dir))
    env = {"PYTHONPROFILEIMPORTTIME": "1"}
    cold = run_cli(*args, env=env)
    warm = run_cli(*args, env=env)
    assert cold.returncode == warm.returncode == 0, warm.stderr
    assert cold.stdout == warm.stdout and json.loads(warm.stdout)["findings"]
    imported = lambda proc: {line.rsplit("|", 1)[-1].strip() for line in proc.stderr.splitlines() if line.startswith("import time:")}  # noqa: E731
    assert "libcst" in imported(cold) and "backlint.pool" in imported(cold)
    assert not {m for m in imported(warm) if m.split(".")[0] in ("libcst", "yaml") or m in ("backlint.pool", "backlint.rule")}


def test_the_catalogue_snapshot_makes_the_cache_directory_as_the_results_do(tmp_path: Path) -> None:
    catalog.load_cached(tmp_path / "cache")
    assert (tmp_path / "cache" / ".gitignore").read_text(encoding="utf-8").splitlines()[-1] == "*"


def test_a_snapshot_naming_code_outside_backlints_rules_is_never_imported(tmp_path: Path) -> None:
    import sys

    catalog.load_cached(tmp_path)
    (snapshot,) = tmp_path.glob("catalog-*.json")
    data = json.loads(snapshot.read_text(encoding="utf-8"))
    data["rules"][0]["rule_ref"] = "antigravity:Rule"  # importing it would open a web browser
    snapshot.write_text(json.dumps(data), encoding="utf-8")
    loaded = catalog.load_cached(tmp_path)
    assert loaded is catalog.load() and "antigravity" not in sys.modules
    swallowed = catalog.load().by_id["BL202"].rule_ref
    forged = catalog.RuleInfo(**{**loaded.by_id["BL101"].__dict__, "rule_class": None, "rule_ref": swallowed})
    # A real rule class, but not the one this id names, or no such module: the catalogue loaded
    # afresh decides.
    assert forged.implementation() is catalog.load().by_id["BL101"].rule_class
    missing = catalog.RuleInfo(**{**forged.__dict__, "rule_ref": "backlint.rules.nothing_here:Rule"})
    assert missing.implementation() is catalog.load().by_id["BL101"].rule_class


@pytest.mark.parametrize("text", ["[" * 100_000, "\x00\xff", '{"format": 1, "rules": [{"id": 3}]}', "null"])
def test_any_damage_to_the_snapshot_means_loading_afresh(tmp_path: Path, text: str) -> None:
    catalog.load_cached(tmp_path)
    (snapshot,) = tmp_path.glob("catalog-*.json")
    snapshot.write_text(text, encoding="utf-8", errors="surrogateescape")
    assert catalog.load_cached(tmp_path) is catalog.load()
