"""The command line: exit codes, options, configuration errors, output files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from backlint import __version__
from conftest import run_cli

BAD_SQL = 'def f(cur, x):\n    cur.execute(f"SELECT * FROM t WHERE a = \'{x}\'")\n'
SECRET = 'DB_PASSWORD = "Tr0ub4dor&3"\n'


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'demo'\n")
    (tmp_path / "app.py").write_text(BAD_SQL)
    (tmp_path / "settings.py").write_text(SECRET)
    (tmp_path / "clean.py").write_text("def ok():\n    return 1\n")
    return tmp_path


def test_version() -> None:
    proc = run_cli("--version")
    assert proc.returncode == 0
    assert proc.stdout.strip() == f"backlint {__version__}"


def test_findings_exit_1_and_text_format(project: Path) -> None:
    proc = run_cli("scan", ".", cwd=project)
    assert proc.returncode == 1, proc.stderr
    assert "app.py:2:17: BL101 " in proc.stdout
    assert "settings.py:1:15: BL301 " in proc.stdout
    assert "^^^" in proc.stdout
    assert proc.stdout.rstrip().splitlines()[-1].startswith("Found 2 findings in 2 files (2 errors).")


def test_no_findings_exit_0(project: Path) -> None:
    proc = run_cli("scan", "clean.py", cwd=project)
    assert proc.returncode == 0, proc.stdout
    assert "No findings." in proc.stdout


def test_fail_on_never_and_levels(project: Path) -> None:
    assert run_cli("scan", ".", "--fail-on", "never", cwd=project).returncode == 0
    assert run_cli("scan", ".", "--fail-on", "error", cwd=project).returncode == 1


def test_select_and_ignore(project: Path) -> None:
    only_sql = json.loads(run_cli("scan", ".", "--format", "json", "--select", "BL1", cwd=project).stdout)
    assert {f["rule"] for f in only_sql["findings"]} == {"BL101"}
    assert only_sql["rules"] == ["BL101", "BL102", "BL103", "BL104"]
    no_sql = json.loads(run_cli("scan", ".", "--format", "json", "--ignore", "BL101", cwd=project).stdout)
    assert {f["rule"] for f in no_sql["findings"]} == {"BL301"}
    # The most specific entry wins: select a whole family but ignore one rule.
    both = json.loads(run_cli("scan", ".", "--format", "json", "--select", "BL", "--ignore", "BL3", cwd=project).stdout)
    assert {f["rule"] for f in both["findings"]} == {"BL101"}


@pytest.mark.parametrize(
    "args,fragment",
    [
        (["--select", "BL999"], "--select: unknown rule id or prefix 'BL999'"),
        (["--ignore", "XYZ"], "--ignore: unknown rule id or prefix 'XYZ'"),
        (["--format", "xml"], "Invalid value for '--format'"),
        (["--jobs", "0"], "Invalid value for '-j' / '--jobs'"),
        (["--fail-on", "sometimes"], "Invalid value for '--fail-on'"),
        (["--config", "missing.toml"], "--config: no such file"),
        (["nowhere/"], "PATHS: nowhere does not exist"),
    ],
)
def test_usage_errors_exit_2_with_one_line(project: Path, args: list[str], fragment: str) -> None:
    proc = run_cli("scan", *args, cwd=project)
    assert proc.returncode == 2
    assert fragment in proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize(
    "toml,fragment",
    [
        ("[tool.backlint]\nselekt = ['BL1']\n", "unknown key 'selekt'"),
        ("[tool.backlint]\nselect = 'BL1'\nignore = [1]\n", "ignore: expected a list of strings"),
        ("[tool.backlint]\nselect = ['BL777']\n", "select: unknown rule id or prefix 'BL777'"),
        ("[tool.backlint]\nfail-on = 'always'\n", "fail-on: expected one of error, warning, note, never"),
        ("[tool.backlint]\nmax-file-size = 'big'\n", "max-file-size: expected a size"),
        ("[tool.backlint]\nper-file-timeout = -1\n", "per-file-timeout: expected a positive number"),
        ("[tool.backlint.rules.BL101]\nstrict = 'yes'\n", "rules.BL101.strict: expected true or false"),
        ("[tool.backlint.rules.BL101]\nfoo = 1\n", "rules.BL101: unknown option 'foo'"),
        ("[tool.backlint.rules.BL900]\nfoo = 1\n", "rules.BL900: unknown rule id"),
        ("[tool.backlint\nselect = ['BL1']\n", "malformed TOML"),
        ("[tool.backlint]\nper-file-ignores = { 'x/*' = ['NOPE'] }\n", "per-file-ignores.x/*: unknown rule id"),
    ],
)
def test_config_errors_exit_2_naming_file_and_key(project: Path, toml: str, fragment: str) -> None:
    (project / "pyproject.toml").write_text(toml)
    proc = run_cli("scan", ".", cwd=project)
    assert proc.returncode == 2, proc.stdout
    assert fragment in proc.stderr
    assert "pyproject.toml" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    assert "Traceback" not in proc.stderr


def test_config_file_is_applied(project: Path) -> None:
    (project / "pyproject.toml").write_text(
        "[tool.backlint]\nignore = ['BL301']\nper-file-ignores = { 'app.py' = ['BL1'] }\nfail-on = 'never'\n"
    )
    proc = run_cli("scan", ".", "--format", "json", cwd=project)
    assert proc.returncode == 0
    assert json.loads(proc.stdout)["findings"] == []


def test_explicit_config_option(project: Path, tmp_path: Path) -> None:
    other = tmp_path / "other.toml"
    other.write_text("[tool.backlint]\nselect = ['BL3']\n")
    data = json.loads(run_cli("scan", ".", "--format", "json", "--config", str(other), cwd=project).stdout)
    assert {f["rule"] for f in data["findings"]} == {"BL301"}


def test_output_file_is_written_whole(project: Path) -> None:
    out = project / "report.sarif"
    proc = run_cli("scan", ".", "--format", "sarif", "-o", str(out), cwd=project)
    assert proc.returncode == 1
    assert proc.stdout == ""
    data = json.loads(out.read_text())
    assert data["version"] == "2.1.0"
    assert not list(project.glob(".report.sarif.*.tmp"))


def test_unwritable_output_is_a_usage_error(project: Path) -> None:
    proc = run_cli("scan", ".", "-o", str(project / "no" / "such" / "dir" / "out.txt"), cwd=project)
    assert proc.returncode == 2
    assert "--output: cannot write" in proc.stderr


def test_suppressed_findings_leave_output_unless_asked(project: Path) -> None:
    (project / "app.py").write_text(BAD_SQL.rstrip("\n") + "  # noqa: BL101\n")
    data = json.loads(run_cli("scan", "app.py", "--format", "json", cwd=project).stdout)
    assert data["findings"] == [] and data["summary"]["suppressed"] == 1
    kept = json.loads(run_cli("scan", "app.py", "--format", "json", "--include-suppressed", cwd=project).stdout)
    assert kept["findings"][0]["suppressed"] == "# noqa: BL101"
    assert run_cli("scan", "app.py", cwd=project).returncode == 0


def test_quiet_prints_findings_only(project: Path) -> None:
    proc = run_cli("scan", ".", "-q", cwd=project)
    lines = proc.stdout.strip().splitlines()
    assert len(lines) == 2 and all(": BL" in line for line in lines)


def test_github_format(project: Path) -> None:
    proc = run_cli("scan", ".", "--format", "github", cwd=project)
    lines = proc.stdout.strip().splitlines()
    assert lines[0].startswith("::error file=app.py,line=2,col=17,")
    assert "title=BL101 sql-string-building::" in lines[0]


def test_rules_and_explain() -> None:
    listing = run_cli("rules")
    assert listing.returncode == 0 and "BL101  sql-string-building" in listing.stdout
    data = json.loads(run_cli("rules", "--format", "json").stdout)
    assert {"BL101", "BL301"} <= {r["id"] for r in data}
    explained = run_cli("explain", "bl101")
    assert explained.returncode == 0 and explained.stdout.startswith("# BL101 sql-string-building")
    unknown = run_cli("explain", "BL000")
    assert unknown.returncode == 2 and "unknown rule 'BL000'" in unknown.stderr


def test_explain_matches_sarif_help(project: Path) -> None:
    sarif = json.loads(run_cli("scan", ".", "--format", "sarif", cwd=project).stdout)
    rules = {r["id"]: r for r in sarif["runs"][0]["tool"]["driver"]["rules"]}
    for rule_id in ("BL101", "BL301"):
        explained = run_cli("explain", rule_id).stdout
        assert rules[rule_id]["help"]["markdown"] == explained
        assert rules[rule_id]["help"]["text"] == explained


def test_python_dash_m_and_console_script_agree(project: Path) -> None:
    import shutil
    import subprocess

    exe = shutil.which("backlint")
    if exe is None:
        pytest.skip("the console script is not on PATH in this environment")
    direct = subprocess.run([exe, "scan", ".", "--format", "json"], cwd=project, capture_output=True, text=True)
    assert direct.stdout == run_cli("scan", ".", "--format", "json", cwd=project).stdout


@pytest.mark.parametrize(
    "args,fragment",
    [
        (["scan", "--format", "xml"], "'--format': 'xml' is not one of"),
        (["scan", "--jobs", "0"], "'--jobs': 0 is not in the range"),
        (["scan", "--no-such-option"], "No such option '--no-such-option'"),
        (["no-such-command"], "No such command 'no-such-command'"),
    ],
)
def test_option_errors_are_one_line_and_exit_2(tmp_path: Path, args: list[str], fragment: str) -> None:
    proc = run_cli(*args, cwd=tmp_path)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.count("\n") == 1 and proc.stderr.startswith("backlint: error: ") and fragment in proc.stderr
