"""Each fixture app yields exactly its annotated findings, with every rule enabled."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import FIXTURES, annotations, scan_json

APPS = sorted(p for p in FIXTURES.iterdir() if p.is_dir())
SUFFIXES = {".py", ".js", ".ts"}


@pytest.fixture(scope="module")
def report() -> dict:
    return scan_json("fixtures", "--jobs", "2")


def _expected(app: Path) -> tuple[set[tuple[str, str, int]], set[tuple[str, str, int]]]:
    expected: set[tuple[str, str, int]] = set()
    clean: set[tuple[str, str, int]] = set()
    for path in sorted(app.rglob("*")):
        if path.suffix not in SUFFIXES or not path.is_file():
            continue
        rel = path.relative_to(FIXTURES.parent).as_posix()
        want, ok = annotations(path)
        expected |= {(rid, rel, line) for rid, lines in want.items() for line in lines}
        clean |= {(rid, rel, line) for rid, lines in ok.items() for line in lines}
    return expected, clean


@pytest.mark.parametrize("app", APPS, ids=[a.name for a in APPS])
def test_fixture_app_yields_exactly_its_annotations(app: Path, report: dict) -> None:
    expected, clean = _expected(app)
    assert expected, f"{app.name} has no ruleid annotations"
    prefix = app.relative_to(FIXTURES.parent).as_posix() + "/"
    found = {(f["rule"], f["path"], f["line"]) for f in report["findings"] if f["path"].startswith(prefix)}
    assert sorted(found - expected) == [], "findings without a ruleid annotation (false positives)"
    assert sorted(expected - found) == [], "annotated findings not reported (false negatives)"
    assert not (found & clean)


def test_fixtures_scan_without_notifications(report: dict) -> None:
    assert report["notifications"] == []
