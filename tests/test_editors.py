"""SARIF for editors and code scanning: quick fixes that apply as the VS Code SARIF Viewer applies
them, the base URI, the category, baselineState, and the shared checker on all of it."""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from conftest import SHARED, run_cli

SOURCE = '''import os

import httpx
import requests
from flask import Flask

app = Flask(__name__)


def fetch(url):
    note = "\U0001F600"; return requests.get(url, headers={"\u00e9": "1"})


def multi(url):
    return requests.get(
        url,
        params={"q": 1},
    )


def off(url):
    return httpx.post(url, json={}, timeout=None)


if __name__ == "__main__":
    app.run(host="0.0.0.0", debug=True)
'''


def utf16_index(line: str, column: int) -> int:
    """The str index of 0-based UTF-16 `column` in `line`."""
    units = 0
    for index, ch in enumerate(line):
        if units >= column:
            return index
        units += 2 if ord(ch) > 0xFFFF else 1
    return len(line)


def apply_fixes(text: str, results: list[dict]) -> str:
    """Apply every result's first fix the way the SARIF Viewer does (index.activateFixes.ts,
    regionToSelection.ts): 1-based lines, UTF-16 columns, the start column moved no further left
    than the line's first non-blank character, all edits of one fix at once."""
    lines = text.splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))
    edits = []
    for result in results:
        for change in result["fixes"][0]["artifactChanges"]:
            for rep in change["replacements"]:
                region = rep["deletedRegion"]
                first = lines[region["startLine"] - 1]
                blank = len(first) - len(first.lstrip())
                start_col = max(blank, region["startColumn"] - 1)  # leading blanks are one unit each
                start = starts[region["startLine"] - 1] + utf16_index(first, start_col)
                last = lines[region.get("endLine", region["startLine"]) - 1]
                end = starts[region.get("endLine", region["startLine"]) - 1] + utf16_index(last, region["endColumn"] - 1)
                edits.append((start, end, rep["insertedContent"]["text"]))
    for start, end, inserted in sorted(edits, reverse=True):
        text = text[:start] + inserted + text[end:]
    return text


def test_quick_fixes_apply_and_resolve_their_findings(tmp_path: Path, sarif_schema: dict) -> None:
    (tmp_path / "app.py").write_text(SOURCE, encoding="utf-8")
    data = json.loads(run_cli("scan", ".", "--format", "sarif", "--select", "BL2,BL5", cwd=tmp_path).stdout)
    jsonschema.validate(data, sarif_schema)
    results = data["runs"][0]["results"]
    fixable = [r for r in results if r.get("fixes")]
    titles = sorted(r["fixes"][0]["description"]["text"] for r in fixable)
    assert titles == ["Add timeout=10", "Add timeout=10", "Read debug from the environment", "Use a 10 second timeout"]
    for r in fixable:
        (change,) = r["fixes"][0]["artifactChanges"]
        assert change["artifactLocation"] == r["locations"][0]["physicalLocation"]["artifactLocation"]
    fixed = apply_fixes(SOURCE, fixable)
    ast.parse(fixed)
    assert 'requests.get(url, headers={"\u00e9": "1"}, timeout=10)' in fixed
    assert 'params={"q": 1}, timeout=10,' in fixed
    assert "json={}, timeout=10)" in fixed
    assert 'app.run(host="0.0.0.0", debug=os.environ.get("APP_DEBUG") == "1")' in fixed
    (tmp_path / "app.py").write_text(fixed, encoding="utf-8")
    again = json.loads(run_cli("scan", ".", "--format", "json", "--select", "BL2,BL5", cwd=tmp_path).stdout)
    assert again["findings"] == []


def test_base_uri_and_category_options(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(SOURCE, encoding="utf-8")
    run = json.loads(run_cli("scan", ".", "--format", "sarif", cwd=tmp_path).stdout)["runs"][0]
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == tmp_path.resolve().as_uri() + "/"
    assert "automationDetails" not in run and "properties" not in run
    moved = json.loads(run_cli("scan", ".", "--format", "sarif", "--no-absolute-base", "--category", "api/", cwd=tmp_path).stdout)
    run = moved["runs"][0]
    assert set(run["originalUriBaseIds"]["%SRCROOT%"]) == {"description"}
    assert run["automationDetails"] == {"id": "api/"}
    for args, fragment in ((["--category", "x"], "--category: only with --format sarif"),
                           (["--no-absolute-base"], "--no-absolute-base: only with --format sarif"),
                           (["--format", "sarif", "--category", "/"], "--category: expected a name")):
        proc = run_cli("scan", ".", *args, cwd=tmp_path)
        assert proc.returncode == 2 and fragment in proc.stderr, proc.stderr


MULTITOOL = Path.home() / ".cache" / "sarif-multitool" / "node_modules" / "@microsoft" / "sarif-multitool-linux" / "Sarif.Multitool"


@pytest.mark.skipif(not (SHARED / "sarif" / "check_sarif.sh").exists(), reason="../shared/sarif is not beside this checkout")
@pytest.mark.parametrize("absolute_base", [True, False])
def test_check_sarif_accepts_fixes_baseline_state_and_category(tmp_path: Path, absolute_base: bool) -> None:
    """The shared checker: schema, GitHub's limits, and (when it is installed) the SARIF Multitool
    with GitHub's ingestion rules, on a log with fixes, new and unchanged results and a category."""
    if shutil.which("bash") is None:
        pytest.skip("no bash")
    project = tmp_path / "project"
    project.mkdir()
    (project / "app.py").write_text(SOURCE, encoding="utf-8")
    assert run_cli("baseline", "-o", str(tmp_path / "baseline.json"), "--select", "BL2", cwd=project).returncode == 0
    out = tmp_path / "review.sarif"
    args = ["scan", ".", "--format", "sarif", "-o", str(out), "--baseline", str(tmp_path / "baseline.json"),
            "--include-unchanged", "--category", "backend"] + ([] if absolute_base else ["--no-absolute-base"])
    assert run_cli(*args, cwd=project).returncode == 1
    run = json.loads(out.read_text())["runs"][0]
    assert {r["baselineState"] for r in run["results"]} == {"new", "unchanged"}
    assert any(r.get("fixes") for r in run["results"])
    env = {"SARIF_PYTHON": sys.executable, "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path)}
    if MULTITOOL.exists():
        env["SARIF_MULTITOOL"] = str(MULTITOOL)
    else:
        env["SARIF_SKIP_MULTITOOL"] = "1"
    proc = subprocess.run(["bash", str(SHARED / "sarif" / "check_sarif.sh"), str(out)], capture_output=True, text=True,
                          timeout=600, env=env)
    last = proc.stdout.strip().splitlines()[-1]
    assert last == ("errors=0 warnings=0" if MULTITOOL.exists() else "errors=0 warnings=1"), proc.stdout
