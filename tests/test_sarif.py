"""SARIF: schema-valid, complete rule metadata, stable fingerprints, exact UTF-16 regions."""

from __future__ import annotations

import array
import json
import random
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from backlint import catalog
from backlint import fingerprints
from backlint.fingerprints import line_hashes
from conftest import ROOT, SHARED, run_cli


@pytest.fixture(scope="module")
def fixtures_sarif() -> dict:
    proc = run_cli("scan", "fixtures", "--format", "sarif")
    assert proc.returncode == 1, proc.stderr
    return json.loads(proc.stdout)


def test_schema_valid(fixtures_sarif: dict, sarif_schema: dict) -> None:
    jsonschema.validate(fixtures_sarif, sarif_schema)


def test_run_shape(fixtures_sarif: dict) -> None:
    assert fixtures_sarif["$schema"] == "https://json.schemastore.org/sarif-2.1.0.json"
    assert fixtures_sarif["version"] == "2.1.0"
    (run,) = fixtures_sarif["runs"]
    assert run["columnKind"] == "utf16CodeUnits"
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == ROOT.as_uri() + "/"
    assert run["invocations"][0]["executionSuccessful"] is True
    assert "automationDetails" not in run


def test_every_enabled_rule_is_described_once(fixtures_sarif: dict) -> None:
    rules = fixtures_sarif["runs"][0]["tool"]["driver"]["rules"]
    ids = [r["id"] for r in rules]
    assert ids == list(catalog.load().ids)
    for r in rules:
        assert r["name"] != r["id"]
        assert r["shortDescription"]["text"] and r["fullDescription"]["text"]
        assert r["help"]["text"] and r["help"]["markdown"] and r["helpUri"]
        assert r["defaultConfiguration"]["level"] in ("error", "warning", "note")
        props = r["properties"]
        assert props["precision"] in ("very-high", "high", "medium", "low")
        assert len(props["tags"]) <= 10 and len(set(props["tags"])) == len(props["tags"])
        if "security" in props["tags"]:
            assert 0 < float(props["security-severity"]) <= 10
            assert any(t.startswith("external/cwe/cwe-") for t in props["tags"])
        else:
            assert props["problem.severity"] in ("error", "warning", "recommendation")


def test_results(fixtures_sarif: dict) -> None:
    run = fixtures_sarif["runs"][0]
    rule_ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert run["results"]
    with_secrets = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"] if r["ruleId"] == "BL301"}
    for res in run["results"]:
        assert rule_ids[res["ruleIndex"]] == res["ruleId"]
        assert res["level"] in ("error", "warning", "note") and res["message"]["text"]
        loc = res["locations"][0]["physicalLocation"]
        assert loc["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
        assert not loc["artifactLocation"]["uri"].startswith(("/", "./", "file:"))
        assert loc["region"]["startLine"] >= 1 and loc["region"]["startColumn"] >= 1
        fp = res["partialFingerprints"]
        assert fp["primaryLocationLineHash"] and len(fp["backlint/v1"]) == 32
        if loc["artifactLocation"]["uri"] in with_secrets:
            continue  # hashed with the secrets masked: test_secrets_output checks those
        text = (ROOT / loc["artifactLocation"]["uri"]).read_text(encoding="utf-8")
        assert fp["primaryLocationLineHash"] == line_hashes(text)[loc["region"]["startLine"] - 1]


VECTORS = ROOT / "tests" / "data" / "fingerprint-vectors.json"
"""GitHub's own test vectors for primaryLocationLineHash (codeql-action src/fingerprints.test.ts,
MIT), as copied into ../shared/sarif/."""


def test_fingerprint_vectors() -> None:
    vectors = json.loads(VECTORS.read_text())["vectors"]
    assert len(vectors) >= 8
    for vector in vectors:
        assert line_hashes(vector["text"]) == vector["line_hashes"]


def _units_one_at_a_time(text: str) -> tuple[list[int], list[int]]:
    """codeql-action's reading of a text (fingerprints.ts), unit by unit, as the reference."""
    units: list[int] = []
    starts: list[int] = []
    line_start, prev_cr = True, False
    for unit in array.array("H", text.encode(f"utf-16-{sys.byteorder[0]}e", "surrogatepass")).tolist():
        if unit in (32, 9) or (prev_cr and unit == 10):
            prev_cr = False
            continue
        prev_cr = unit == 13
        unit = 10 if unit == 13 else unit
        if line_start:
            line_start = False
            starts.append(len(units))
        line_start = unit == 10
        units.append(unit)
    if line_start:
        starts.append(len(units))
    return units + [65535], starts


def test_line_hash_units_match_the_unit_by_unit_reading() -> None:
    pieces = ["a", "b", " ", "\t", "\r", "\n", "\r\n", "\r \n", "😀", "é", "\ud800"]
    rng = random.Random(7)
    texts = ["", "\n", "\r", "x", "  \t\n"] + ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 14))) for _ in range(5000)]
    for text in texts:
        assert fingerprints._units(text) == _units_one_at_a_time(text), repr(text)


@pytest.mark.skipif(not (SHARED / "sarif" / "fingerprint-vectors.json").exists(), reason="../shared/sarif is not beside this checkout")
def test_fingerprint_vectors_match_shared_copy() -> None:
    assert VECTORS.read_bytes() == (SHARED / "sarif" / "fingerprint-vectors.json").read_bytes()


def test_unicode_paths_and_utf16_columns(tmp_path: Path, sarif_schema: dict) -> None:
    folder = tmp_path / "réseau et données"
    folder.mkdir()
    # Two astral characters (two UTF-16 units each) and an accented letter before the finding.
    (folder / "mod.py").write_text('def f(cur, x):\n    note = "😀😀é"; cur.execute(f"SELECT * FROM t WHERE a = \'{x}\'")\n', encoding="utf-8")
    data = json.loads(run_cli("scan", ".", "--format", "sarif", cwd=tmp_path).stdout)
    jsonschema.validate(data, sarif_schema)
    (res,) = data["runs"][0]["results"]
    loc = res["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"]["uri"] == "r%C3%A9seau%20et%20donn%C3%A9es/mod.py"
    line = '    note = "😀😀é"; cur.execute(f"SELECT * FROM t WHERE a = \'{x}\'")'
    start_chars = line.index('f"SELECT')
    assert loc["region"]["startColumn"] == start_chars + 2 + 1  # two surrogate pairs add two units
    text_report = json.loads(run_cli("scan", ".", "--format", "json", cwd=tmp_path).stdout)
    assert text_report["findings"][0]["column"] == start_chars + 1


def test_suppressed_results_are_marked_when_included(tmp_path: Path) -> None:
    (tmp_path / "m.py").write_text('PASSWORD = "Tr0ub4dor&3"  # backlint: ignore[BL301] rotated, test only\n')
    plain = json.loads(run_cli("scan", ".", "--format", "sarif", cwd=tmp_path).stdout)
    assert plain["runs"][0]["results"] == []
    kept = json.loads(run_cli("scan", ".", "--format", "sarif", "--include-suppressed", cwd=tmp_path).stdout)
    (res,) = kept["runs"][0]["results"]
    assert res["suppressions"] == [{"kind": "inSource", "justification": "# backlint: ignore[BL301] rotated, test only"}]


def test_deterministic_across_jobs() -> None:
    one = run_cli("scan", "fixtures", "--format", "sarif", "--jobs", "1", "--no-cache").stdout
    two = run_cli("scan", "fixtures", "--format", "sarif", "--jobs", "2", "--no-cache").stdout
    assert one == two


@pytest.mark.skipif(not (SHARED / "sarif" / "check_sarif.sh").exists(), reason="../shared/sarif is not beside this checkout")
def test_check_sarif_script(tmp_path: Path) -> None:
    """The shared checker, schema part only (its multitool part needs a 100 MB download)."""
    out = tmp_path / "fixtures.sarif"
    run_cli("scan", "fixtures", "--format", "sarif", "-o", str(out))
    if shutil.which("bash") is None:
        pytest.skip("no bash")
    proc = subprocess.run(
        ["bash", str(SHARED / "sarif" / "check_sarif.sh"), str(out)],
        capture_output=True, text=True, timeout=300,
        env={"SARIF_SKIP_MULTITOOL": "1", "SARIF_PYTHON": sys.executable, "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
    )
    assert "errors=0" in proc.stdout.strip().splitlines()[-1], proc.stdout
