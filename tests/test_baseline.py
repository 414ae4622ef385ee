"""Baselines and fingerprints: a finding keeps its identity through unrelated edits, a baseline
file holds no secret and no line number, and a scan against it reports only new findings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from backlint import catalog
from backlint.analysis import analyze_text
from backlint.baseline import BaselineError, Entry, compare, dumps, entry, load
from backlint.findings import Finding
from conftest import run_cli

CATALOG = catalog.load()

ORIGINAL = '''import requests


def fetch(url):
    return requests.get(url)


def other():
    return 1
'''

EDITED = '''import requests

# Lines inserted above the finding move it down.
TIMEOUT = 10


def other():
    value = 1
    return value


def fetch(url):
    if url:
        return requests.get(
            url
        )
'''


def findings(text: str, rule: str = "BL502", path: str = "app.py") -> list[Finding]:
    return analyze_text(path, text, [(CATALOG.by_id[rule].rule_class, {})]).findings


def test_fingerprint_survives_moves_reindentation_and_rewrapping() -> None:
    (before,) = findings(ORIGINAL)
    (after,) = findings(EDITED)
    assert before.region.start_line == 5 and after.region.start_line == 14
    assert before.fingerprint == after.fingerprint
    assert before.line_hash != after.line_hash  # GitHub's hash reads the line's text and what follows


def test_fingerprint_tells_rule_file_function_and_code_apart() -> None:
    (base,) = findings(ORIGINAL)
    (renamed,) = findings(ORIGINAL.replace("def fetch", "def load"))
    (moved,) = findings(ORIGINAL, path="other.py")
    (changed,) = findings(ORIGINAL.replace("requests.get(url)", "requests.get(url + '/x')"))
    assert len({base.fingerprint, renamed.fingerprint, moved.fingerprint, changed.fingerprint}) == 4


DUPLICATES = '''import requests


def sync(url):
    first = requests.get(url)
    second = requests.get(url)
    return first, second
'''


def test_a_copy_inserted_above_identical_findings_is_the_new_one() -> None:
    old = findings(DUPLICATES)
    assert len({f.fingerprint for f in old}) == 2
    new_text = DUPLICATES.replace("    first =", "    zeroth = requests.get(url)\n    first =")
    result = compare([entry(f) for f in old], findings(new_text))
    assert [f.source_line.strip() for f in result.new] == ["zeroth = requests.get(url)"]
    assert len(result.unchanged) == 2 and result.absent == ()


def test_identical_lines_are_counted() -> None:
    text = "import requests\n\n\ndef f(u):\n    requests.get(u)\n"
    old = findings(text)
    twice = findings(text + "    requests.get(u)\n")
    result = compare([entry(f) for f in old], twice)
    assert len(result.new) == 1 and len(result.unchanged) == 1
    gone = compare([entry(f) for f in twice], old)
    assert gone.new == () and len(gone.absent) == 1


SECRET = "Tr0ub4dor&3-very-secret"
SETTINGS = f'import requests\nDB_PASSWORD = "{SECRET}"\nAPI_KEY = "{SECRET}"  # backlint: ignore[BL301]\n'


def test_baseline_file_is_sorted_line_per_finding_and_secret_free() -> None:
    found = findings(SETTINGS, "BL301", "settings.py") + findings(DUPLICATES) + findings(ORIGINAL, path="a.py")
    text = dumps(reversed(found))
    assert text == dumps(found)
    data = json.loads(text)
    assert data["schema"] == "backlint-baseline/1"
    entries = data["findings"]
    assert [(e["path"], e["rule"]) for e in entries] == [("a.py", "BL502"), ("app.py", "BL502"), ("app.py", "BL502"),
                                                        ("settings.py", "BL301")]
    assert all(set(e) == {"rule", "path", "fingerprint", "source", "message"} for e in entries)  # no line numbers
    lines = text.splitlines()
    assert lines[3].lstrip().startswith('{"rule": "BL502", "path": "a.py"') and len(lines) == 2 + len(entries) + 3
    assert SECRET not in text and SECRET[:8] not in text


def test_load_round_trip_and_errors(tmp_path: Path) -> None:
    good = tmp_path / "baseline.json"
    good.write_text(dumps(findings(ORIGINAL)))
    (only,) = load(good)
    assert isinstance(only, Entry) and only.rule == "BL502" and only.path == "app.py"
    cases = {
        "missing.json": None,
        "garbage.json": "{not json",
        "other.json": '{"schema": "backlint-report/1", "findings": []}',
        "nolist.json": '{"schema": "backlint-baseline/1"}',
        "badentry.json": '{"schema": "backlint-baseline/1", "findings": [{"rule": "BL101"}]}',
    }
    for name, content in cases.items():
        path = tmp_path / name
        if content is not None:
            path.write_text(content)
        with pytest.raises(BaselineError) as info:
            load(path)
        assert str(path) in str(info.value) and "\n" not in str(info.value)


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'demo'\n")
    (tmp_path / "app.py").write_text(ORIGINAL)
    (tmp_path / "settings.py").write_text(SETTINGS)
    return tmp_path


def test_cli_baseline_then_scan_reports_only_new_findings(project: Path) -> None:
    written = run_cli("baseline", ".", "-o", "baseline.json", cwd=project)
    assert written.returncode == 0, written.stderr
    assert "wrote 2 findings to baseline.json" in written.stderr
    assert SECRET not in (project / "baseline.json").read_text()
    assert run_cli("baseline", ".", cwd=project).stdout == (project / "baseline.json").read_text()

    clean = run_cli("scan", ".", "--baseline", "baseline.json", cwd=project)
    assert clean.returncode == 0, clean.stdout
    assert "No new findings. 2 files scanned; 2 unchanged; 1 suppressed." in clean.stdout

    (project / "app.py").write_text(EDITED + "\n\ndef more(url):\n    return requests.post(url)\n")
    proc = run_cli("scan", ".", "--baseline", "baseline.json", "--format", "json", cwd=project)
    assert proc.returncode == 1
    data = json.loads(proc.stdout)
    assert [(f["rule"], f["line"], f["baseline"]) for f in data["findings"]] == [("BL502", 20, "new")]
    assert data["summary"]["review"] == {"baseline": True, "diff": False, "new": 1, "unchanged": 2, "absent": 0}


def test_absent_entries_are_counted_only_where_the_scan_looked(project: Path) -> None:
    run_cli("baseline", ".", "-o", "baseline.json", cwd=project)
    (project / "app.py").write_text("def fetch(url):\n    return url\n")
    whole = run_cli("scan", ".", "--baseline", "baseline.json", cwd=project)
    assert whole.returncode == 0
    assert "1 baseline finding no longer found" in whole.stdout
    one_file = json.loads(run_cli("scan", "settings.py", "--baseline", "baseline.json", "--format", "json", cwd=project).stdout)
    assert one_file["summary"]["review"]["absent"] == 0
    other_rules = json.loads(run_cli("scan", ".", "--select", "BL1", "--baseline", "baseline.json", "--format", "json",
                                     cwd=project).stdout)
    assert other_rules["summary"]["review"]["absent"] == 0


def test_include_unchanged_keeps_and_marks_but_never_fails(project: Path) -> None:
    run_cli("baseline", ".", "-o", "baseline.json", cwd=project)
    proc = run_cli("scan", ".", "--baseline", "baseline.json", "--include-unchanged", "--format", "sarif", cwd=project)
    assert proc.returncode == 0
    run = json.loads(proc.stdout)["runs"][0]
    assert sorted(r["baselineState"] for r in run["results"]) == ["unchanged", "unchanged"]
    assert run["properties"]["backlint/review"] == {"new": 0, "unchanged": 2, "absent": 0}
    text = run_cli("scan", ".", "--baseline", "baseline.json", "--include-unchanged", cwd=project).stdout
    assert text.count("(unchanged)") == 2


@pytest.mark.parametrize("content", [None, "", "[]", '{"schema": "backlint-baseline/9", "findings": []}'])
def test_missing_or_corrupt_baseline_is_a_usage_error(project: Path, content: str | None) -> None:
    if content is not None:
        (project / "baseline.json").write_text(content)
    proc = run_cli("scan", ".", "--baseline", "baseline.json", cwd=project)
    assert proc.returncode == 2
    (line,) = proc.stderr.strip().splitlines()
    assert line.startswith("backlint: error: --baseline: ") and "baseline.json" in line
    assert proc.stdout == ""


def test_include_unchanged_needs_baseline_or_diff(project: Path) -> None:
    proc = run_cli("scan", ".", "--include-unchanged", cwd=project)
    assert proc.returncode == 2 and "--include-unchanged: only with --baseline or --diff" in proc.stderr
