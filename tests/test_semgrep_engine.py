"""The semgrep engine: started only when it has work, merged into every report, and never able to
take the Python results down with it (missing, crashing or hanging semgrep is one notification).

Most tests run the small rules of tests/data/semgrep_rules/ instead of the shipped rules/, so that
they test the engine and not how those rules evolve.
"""

from __future__ import annotations

import json
import os
import stat
import sys
import time
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from backlint import catalog as catalog_module
from backlint import config as config_module
from backlint import engine, report, semgrep
from backlint.cli import cli
from backlint.findings import Finding, ScanResult
from conftest import ROOT

CATALOG = catalog_module.load()
TEST_RULES = ROOT / "tests" / "data" / "semgrep_rules"
needs_semgrep = pytest.mark.skipif(
    semgrep.find_executable() is None, reason="semgrep is not installed (a dependency of backlint: pip install semgrep)"
)

PYTHON_SQL = 'def f(cur, x):\n    cur.execute(f"SELECT * FROM t WHERE a = \'{x}\'")\n'
SECRET = "s3cr3t-signing-key-42"
ROUTES_JS = f"""\
const s = "é😀"; db.query("SELECT * FROM t WHERE id = " + req.query.id);
// backlint: ignore[BL101] reviewed: the table name is a constant
db.query("SELECT * FROM " + table);
db.query("SELECT * FROM " + table); // backlint: ignore[BL1]
/* backlint: ignore */
db.query(`SELECT * FROM t WHERE id = ${{id}}`);
// backlint: ignore[BL301]
db.query(`SELECT * FROM t WHERE id = ${{id}}`);
const x = 1; // backlint: ignore[BL101]
db.query("SELECT 1 " + x);
try {{ work(); }} catch (e) {{}}
const token = jwt.sign(payload, "{SECRET}");
"""


def _write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def _scan(root: Path, rules: Path | None = TEST_RULES, **options: object) -> ScanResult:
    config = config_module.load(
        [root], config_file=None, rule_options=CATALOG.options(), rule_ids=CATALOG.ids, jobs=2, **options  # type: ignore[arg-type]
    )
    return engine.scan([root], config, CATALOG, semgrep_rules=rules)


def _python_findings(result: ScanResult) -> list[Finding]:
    return [f for f in result.findings if f.path.endswith(".py")]


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _write(tmp_path_factory.mktemp("mixed"), {
        "pyproject.toml": '[tool.backlint]\nper-file-ignores = { "web/legacy/*" = ["BL101"] }\n',
        "app/db.py": PYTHON_SQL,
        "app/clean.py": "def ok():\n    return 1\n",
        "web/routes.js": ROUTES_JS,
        "web/legacy/old.js": 'db.query("SELECT * FROM t WHERE id = " + id);\ntry { work(); } catch (e) {}\n',
        "web/esm.mts": 'db.query("SELECT * FROM t WHERE id = " + id);\n',
        "web/broken.js": 'function ( {\nconst key = "super-secret-in-a-broken-file";\n',
    })


@pytest.fixture(scope="module")
def mixed_result(mixed: Path) -> ScanResult:
    if semgrep.find_executable() is None:
        pytest.skip("semgrep is not installed (a dependency of backlint: pip install semgrep)")
    return _scan(mixed)


def _by_place(result: ScanResult) -> dict[tuple[str, str, int], Finding]:
    return {(f.rule_id, f.path, f.region.start_line): f for f in result.findings}


# -- when semgrep runs at all -----------------------------------------------------------------------


@pytest.mark.parametrize("rules", [TEST_RULES, None], ids=["test-rules", "shipped-rules"])
def test_python_only_tree_does_not_start_semgrep(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, rules: Path | None) -> None:
    def popen(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"semgrep was started: {args}")

    monkeypatch.setattr(semgrep.subprocess, "Popen", popen)
    _write(tmp_path, {"pyproject.toml": "[tool.backlint]\n", "app.py": PYTHON_SQL, "README.md": "db.query('x' + y)\n"})
    result = _scan(tmp_path, rules)
    assert [f.rule_id for f in result.findings] == ["BL101"]
    assert result.notifications == []


def test_nothing_starts_when_the_rules_for_the_files_are_switched_off(mixed: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(semgrep.subprocess, "Popen", lambda *a, **k: pytest.fail("semgrep was started"))
    result = _scan(mixed, select=["BL1"], ignore=["BL101"])
    assert result.findings == [] and result.notifications == []


# -- findings ------------------------------------------------------------------------------------


@needs_semgrep
def test_javascript_findings_beside_python_ones(mixed_result: ScanResult) -> None:
    places = {(rid, path, line): f.suppressed is not None for (rid, path, line), f in _by_place(mixed_result).items()}
    assert places == {
        ("BL101", "app/db.py", 2): False,
        ("BL101", "web/routes.js", 1): False,
        ("BL101", "web/routes.js", 3): True,   # comment-only line above
        ("BL101", "web/routes.js", 4): True,   # same line, by prefix
        ("BL101", "web/routes.js", 6): True,   # /* backlint: ignore */
        ("BL101", "web/routes.js", 8): False,  # the comment above names another rule
        ("BL101", "web/routes.js", 10): False,  # the comment above ends a line of code
        ("BL202", "web/routes.js", 11): False,
        ("BL301", "web/routes.js", 12): False,
        ("BL202", "web/legacy/old.js", 2): False,  # per-file-ignores drop BL101 only
        ("BL101", "web/esm.mts", 1): False,  # a suffix semgrep does not know
    }
    assert len({f.fingerprint for f in mixed_result.findings}) == len(mixed_result.findings)
    # files: 2 Python + 4 JavaScript/TypeScript
    assert mixed_result.files_scanned == 6
    assert mixed_result.lines_scanned == 2 + 2 + 12 + 2 + 1 + 2


@needs_semgrep
def test_one_finding_per_match_at_the_most_severe_level(mixed_result: ScanResult) -> None:
    places = _by_place(mixed_result)
    first = places["BL101", "web/routes.js", 1]  # two BL101 rules match this call
    assert [f for f in mixed_result.findings if f.path == "web/routes.js" and f.region.start_line == 1] == [first]
    assert first.level.value == "error" and first.message == "SQL built by concatenation reaches db.query()"
    assert places["BL202", "web/routes.js", 11].level.value == "note"  # severity INFO lowers the catalogue level
    assert places["BL301", "web/routes.js", 12].level.value == "error"


@needs_semgrep
def test_regions_count_characters_and_utf16_units(mixed_result: ScanResult) -> None:
    finding = _by_place(mixed_result)["BL101", "web/routes.js", 1]
    line = ROUTES_JS.splitlines()[0]
    start = line.index("db.query")
    end = line.index(";", start)
    r = finding.region
    assert (r.start_line, r.start_column, r.end_line, r.end_column) == (1, start + 1, 1, end + 1)
    assert (r.start_column_utf16, r.end_column_utf16) == (start + 2, end + 2)  # 😀 is two UTF-16 units
    assert finding.source_line == line
    assert finding.line_hash and len(finding.fingerprint) == 32


@needs_semgrep
def test_secrets_are_masked_in_every_format(mixed_result: ScanResult) -> None:
    finding = _by_place(mixed_result)["BL301", "web/routes.js", 12]
    assert finding.source_line == f'const token = jwt.sign(payload, "{"*" * len(SECRET)}");'
    assert SECRET not in finding.message and "*" * len(SECRET) in finding.message
    for fmt in report.FORMATS:
        out = report.render(fmt, mixed_result, CATALOG, include_suppressed=True)
        assert "BL301" in out
        assert SECRET[:8] not in out and "super-secret" not in out, fmt


@needs_semgrep
def test_semgrep_errors_are_notifications_on_their_files(mixed_result: ScanResult) -> None:
    (note,) = mixed_result.notifications
    assert (note.kind.value, note.path, note.line) == ("syntax-error", "web/broken.js", 1)
    assert "semgrep" in note.message


@needs_semgrep
def test_mixed_sarif_is_one_run_with_every_rule_once(mixed_result: ScanResult, sarif_schema: dict, tmp_path: Path) -> None:
    text = report.render("sarif", mixed_result, CATALOG)
    data = json.loads(text)
    jsonschema.validate(data, sarif_schema)
    (run,) = data["runs"]
    ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert ids == list(CATALOG.ids) and len(ids) == len(set(ids))
    uris = set()
    for res in run["results"]:
        assert ids[res["ruleIndex"]] == res["ruleId"]
        uris.add(res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"])
    assert {"app/db.py", "web/routes.js", "web/esm.mts"} <= uris
    assert run["invocations"][0]["toolExecutionNotifications"][0]["locations"][0]["physicalLocation"][
        "artifactLocation"]["uri"] == "web/broken.js"


@needs_semgrep
def test_shipped_rules_run_beside_the_python_pass(tmp_path: Path) -> None:
    if not semgrep.load_rules(ROOT / "rules"):
        pytest.skip("rules/ holds no YAML rules yet")
    _write(tmp_path, {
        "pyproject.toml": "[tool.backlint]\n",
        "app/db.py": PYTHON_SQL,
        "web/users.js": "app.get('/u', async (req, res) => {\n"
                        "  const rows = await pool.query(`SELECT * FROM users WHERE id = ${req.params.id}`);\n"
                        "  res.json(rows);\n});\n",
    })
    result = _scan(tmp_path, rules=None)
    assert {f.path for f in result.findings} == {"app/db.py", "web/users.js"}
    assert all(n.kind.value != "semgrep" for n in result.notifications), result.notifications


@needs_semgrep
def test_browser_code_and_end_to_end_tests_are_left_alone(tmp_path: Path) -> None:
    # The same call without a timeout: reported in server code, not in a file that reads the page's
    # globals (`window.appConfig`), which can only run in a browser.
    call = "export const load = (path) => fetch(`https://api.example.com/${path}`, {method: 'GET'});\n"
    _write(tmp_path, {
        "pyproject.toml": "[tool.backlint]\n",
        "server/upstream.js": call,
        "ui/api.js": "const config = window.appConfig || {};\n" + call,
        "e2e/teardown.ts": call,  # end-to-end tests (Playwright, Cypress) are tests
    })
    result = _scan(tmp_path, rules=None, select=["BL502"])
    assert [(f.rule_id, f.path) for f in result.findings] == [("BL502", "server/upstream.js")]


@needs_semgrep
def test_long_target_lists_are_split_into_several_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _write(tmp_path, {"pyproject.toml": "[tool.backlint]\n", **{
        f"web/m{i}.js": f'db.query("SELECT * FROM t{i} WHERE id = " + id);\n' for i in range(3)
    }})
    started: list[list[str]] = []
    real_popen = semgrep.subprocess.Popen

    def popen(command: list[str], **kwargs: object) -> object:
        started.append(command[command.index("--") + 1 :])
        return real_popen(command, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(semgrep.subprocess, "Popen", popen)
    monkeypatch.setattr(semgrep, "_argv_budget", lambda: 40)
    result = _scan(tmp_path)
    assert started == [["web/m0.js", "web/m1.js"], ["web/m2.js"]]
    assert [f.path for f in result.findings] == ["web/m0.js", "web/m1.js", "web/m2.js"]
    assert result.notifications == [] and result.files_scanned == 3


# -- semgrep missing, crashing, hanging -----------------------------------------------------------


def _invoke(monkeypatch: pytest.MonkeyPatch, *args: str) -> tuple[int, dict]:
    """Run the CLI in this process (so the monkeypatches hold) with the test rules."""
    monkeypatch.setattr(engine, "semgrep_rules_dir", lambda: TEST_RULES)
    outcome = CliRunner().invoke(cli, ["scan", *args, "--format", "json", "--jobs", "2"], catch_exceptions=False)
    return outcome.exit_code, json.loads(outcome.stdout)


def test_without_semgrep_python_findings_stay_and_one_notification_says_so(
    mixed: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(semgrep, "_install_dirs", lambda: [])
    monkeypatch.setenv("PATH", str(tmp_path))
    assert semgrep.find_executable() is None
    python_code, python_only = _invoke(monkeypatch, str(mixed / "app"))
    code, data = _invoke(monkeypatch, str(mixed))
    assert code == python_code == 1
    assert data["findings"] == python_only["findings"] and data["findings"]
    (note,) = data["notifications"]
    assert note["kind"] == "semgrep" and note["level"] == "warning"
    assert "semgrep was not found" in note["message"] and "4 JavaScript/TypeScript files were not analysed" in note["message"]
    clean_code, clean = _invoke(monkeypatch, str(mixed / "web" / "legacy"))  # JavaScript only: nothing else to report
    assert clean_code == 0 and clean["findings"] == [] and len(clean["notifications"]) == 1


def _fake_semgrep(tmp_path: Path, body: str) -> str:
    script = tmp_path / "fake-semgrep"
    script.write_text(f"#!{sys.executable}\nimport os, subprocess, sys, time\n{body}\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return str(script)


@pytest.mark.skipif(os.name != "posix", reason="the fake semgrep is a script with a #! line")
def test_a_crashing_semgrep_is_one_notification(mixed: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = _fake_semgrep(tmp_path, 'print("{not json"); sys.stderr.write("\\nFatal: the engine exploded\\nTraceback...\\n"); sys.exit(2)')
    monkeypatch.setattr(semgrep, "find_executable", lambda: fake)
    result = _scan(mixed)
    expected = _scan(mixed / "app")
    assert [(f.rule_id, f.path, f.region) for f in result.findings] == [(f.rule_id, f.path, f.region) for f in expected.findings]
    (note,) = result.notifications
    assert note.kind.value == "semgrep"
    assert note.message.startswith("semgrep failed (exit code 2: Fatal: the engine exploded")
    assert note.message.endswith("4 JavaScript/TypeScript files were not analysed")


@pytest.mark.skipif(os.name != "posix", reason="the fake semgrep is a script with a #! line")
def test_a_hanging_semgrep_is_stopped_with_what_it_started(mixed: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pid_file = tmp_path / "child.pid"
    fake = _fake_semgrep(
        tmp_path,
        f"child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)'])\n"
        f"open({str(pid_file)!r}, 'w').write(str(child.pid))\n"
        "time.sleep(600)",
    )
    monkeypatch.setattr(semgrep, "find_executable", lambda: fake)
    monkeypatch.setattr(semgrep, "TIME_LIMIT_BASE", 3.0)
    monkeypatch.setattr(semgrep, "TIME_LIMIT_PER_FILE", 0.0)
    started = time.monotonic()
    result = _scan(mixed)
    assert time.monotonic() - started < 60
    assert [f.path for f in result.findings] == ["app/db.py"]
    (note,) = result.notifications
    assert note.kind.value == "semgrep" and "took longer than 3 s and was stopped" in note.message
    child = int(pid_file.read_text())
    deadline = time.monotonic() + 10
    while _alive(child) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(child), "semgrep's own child process survived"


def _alive(pid: int) -> bool:
    """Whether `pid` runs (a zombie waiting for its new parent to reap it does not)."""
    try:
        status = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        try:
            os.kill(pid, 0)
        except OSError:
            return False
        return True
    return status.rsplit(")", 1)[1].split()[0] != "Z"


# -- the pieces ----------------------------------------------------------------------------------


def test_catalogue_id_of_semgrep_ids() -> None:
    assert semgrep.catalogue_id("BL101") == "BL101"
    assert semgrep.catalogue_id("BL101-js-template-literal") == "BL101"
    assert semgrep.catalogue_id("rules.database.BL101-js") == "BL101"
    assert semgrep.catalogue_id("no-catalogue-id") is None


def test_batches_keep_order_and_budget() -> None:
    args = ["a.js", "bb.js", "c.js", "d" * 100 + ".js"]
    batches = semgrep._batches(args, 30)
    assert [a for b in batches for a in b] == args
    assert batches == [["a.js", "bb.js"], ["c.js"], ["d" * 100 + ".js"]]  # an argument over budget runs alone


def test_byte_offsets_become_character_offsets() -> None:
    data = "\ufeffconst s = 'é😀'; q(x)\n".encode("utf-8")
    source = semgrep._Source(data)
    byte_offset = data.index(b"q(x)")
    assert source.text[source.char_offset(byte_offset):].startswith("q(x)")
    assert source.char_offset(byte_offset) == source.text.index("q(x)")  # the byte-order mark is no character


def test_redaction_keeps_quotes_and_masks_the_message() -> None:
    line = 'const t = jwt.sign(p, "abc-secret-xyz"); // sign'
    start = line.index("jwt")
    end = line.index(";")
    masked, message = semgrep._redact(line, start, end, line[start:end], 'secret "abc-secret-xyz" in jwt.sign')
    assert masked == 'const t = jwt.sign(p, "**************"); // sign'
    assert message == 'secret "**************" in jwt.sign'
    masked, _ = semgrep._redact("token ghp_abcdefgh here", 6, 18, "ghp_abcdefgh", "token")
    assert masked == "token ************ here"  # no literal: the whole match
