"""GitHub: workflow annotations within GitHub's limits, the composite action, the example workflow,
and the pre-commit hooks."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from backlint import catalog
from backlint.findings import Finding, Level, Notification, NotificationKind, Region, ScanResult
from backlint.report import github
from conftest import ROOT, run_cli

CATALOG = catalog.load()


def finding(rule: str, level: Level, line: int, message: str = "m", path: str = "app.py") -> Finding:
    return Finding(rule, path, Region(line, 5, line, 9, 5, 9), message, level, fingerprint=f"{rule}{line:030d}")


def test_most_severe_first_ten_per_level_then_plain_lines_and_a_summary(tmp_path: Path) -> None:
    findings = [finding("BL502", Level.WARNING, n) for n in range(1, 13)]
    findings += [finding("BL101", Level.ERROR, 100 + n) for n in range(3)]
    findings += [finding("BL204", Level.NOTE, 200 + n) for n in range(9)]
    notes = [Notification(NotificationKind.SYNTAX_ERROR, f"bad {n}", f"x{n}.py", line=1) for n in range(2)]
    result = ScanResult(str(tmp_path), findings, notes)
    lines = github.render(result, CATALOG).splitlines()
    commands = [line for line in lines if line.startswith("::")]
    kinds = [line[2:].split(" ", 1)[0] for line in commands]
    assert kinds == ["error"] * 3 + ["warning"] * 10 + ["notice"] * 10
    assert commands[0].startswith("::error file=app.py,line=100,col=5,endLine=100,endColumn=9,title=BL101 sql-string-building::")
    assert commands[-1].startswith("::notice file=x0.py,line=1,title=backlint syntax-error::bad 0")
    plain = lines[len(commands):-1]
    assert plain == ["app.py:11:5: BL502 m", "app.py:12:5: BL502 m", "x1.py: syntax-error: bad 1"]
    assert lines[-1] == ("backlint: 24 findings (3 errors, 12 warnings, 9 notes); GitHub shows 10 annotations of each "
                         "level per step, so 3 are listed above as plain lines.")


def test_messages_and_properties_are_escaped(tmp_path: Path) -> None:
    f = finding("BL101", Level.ERROR, 3, "100% wrong:\nsecond line\r", path="a,b:c.py")
    (command, summary) = github.render(ScanResult(str(tmp_path), [f]), CATALOG).splitlines()
    assert command == ("::error file=a%2Cb%3Ac.py,line=3,col=5,endLine=3,endColumn=9,title=BL101 sql-string-building"
                       "::100%25 wrong:%0Asecond line%0D")
    assert summary == "backlint: 1 finding (1 error)."
    assert github.render(ScanResult(str(tmp_path)), CATALOG) == "backlint: 0 findings.\n"


def test_paths_are_relative_to_the_repository_root(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    backend = tmp_path / "backend"
    backend.mkdir()
    result = ScanResult(str(backend), [finding("BL502", Level.WARNING, 2, path="app/api.py"),
                                       finding("BL502", Level.WARNING, 3, path="../scripts/x.py")])
    files = [line.split(",", 1)[0] for line in github.render(result, CATALOG).splitlines()[:2]]
    assert files == ["::warning file=scripts/x.py", "::warning file=backend/app/api.py"]


# -- the action ---------------------------------------------------------------------------------

ACTION = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))


def test_action_is_a_documented_composite_action() -> None:
    assert ACTION["name"] and ACTION["description"]
    assert ACTION["runs"]["using"] == "composite"
    assert {"paths", "fail-on", "diff", "category", "args", "python-version"} <= set(ACTION["inputs"])
    for name, spec in ACTION["inputs"].items():
        assert spec["description"].strip() and "default" in spec, name
    assert ACTION["outputs"]["sarif-file"]["description"]
    steps = ACTION["runs"]["steps"]
    uses = [s["uses"] for s in steps if "uses" in s]
    assert "github/codeql-action/upload-sarif@v3" in uses and any(u.startswith("actions/setup-python@") for u in uses)
    install = next(s for s in steps if "pip install" in s.get("run", ""))
    assert install["env"]["BACKLINT_SOURCE"] == "${{ github.action_path }}"
    for step in steps:  # inputs reach scripts through the environment: no shell injection
        assert "${{" not in step.get("run", ""), step.get("name")
        if "run" in step:
            assert step["shell"] == "bash"


def _scan_script() -> str:
    return next(s["run"] for s in ACTION["runs"]["steps"] if s.get("id") == "scan")


def _run_scan_step(tmp_path: Path, cwd: Path, **inputs: str) -> tuple[int, dict[str, str]]:
    """Run the action's scan step as the runner would, with `backlint` on PATH."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    shim = bin_dir / "backlint"
    shim.write_text(f"#!/bin/sh\nexec {sys.executable} -m backlint \"$@\"\n")
    shim.chmod(0o755)
    output = tmp_path / "github_output"
    output.write_text("")
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "RUNNER_TEMP": str(tmp_path),
           "GITHUB_OUTPUT": str(output), "NO_COLOR": "1"}
    defaults = {name: str(spec.get("default", "")) for name, spec in ACTION["inputs"].items()}
    for name, value in {**defaults, **inputs}.items():
        env[f"BACKLINT_{name.upper().replace('-', '_')}"] = value
    proc = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", _scan_script()], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=600)
    outputs = dict(line.split("=", 1) for line in output.read_text().splitlines())
    return proc.returncode, outputs


def test_action_scan_step_writes_sarif_and_reports_the_exit_code(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / "app.py").write_text("import requests\n\n\ndef f(u):\n    return requests.get(u)\n")
    (project / "other.py").write_text("import requests\nrequests.post('x')\n")
    code, outputs = _run_scan_step(tmp_path, project, paths="app.py\n", category="backend", args="--select BL5")
    assert code == 0 and outputs["exit-code"] == "1"
    sarif = yaml.safe_load(Path(outputs["sarif-file"]).read_text())
    run = sarif["runs"][0]
    assert run["automationDetails"] == {"id": "backend/"}
    assert [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]] == ["app.py"]
    code, outputs = _run_scan_step(tmp_path, project, args="--select NOPE")
    assert code == 2 and outputs == {"exit-code": "2"}


# -- the documented workflow --------------------------------------------------------------------

GITHUB_DOC = (ROOT / "docs" / "github.md").read_text(encoding="utf-8")


def test_docs_workflow_is_complete() -> None:
    workflow = yaml.safe_load(re.search(r"```yaml\n(.*?)```", GITHUB_DOC, re.S).group(1))
    assert set(workflow[True]) == {"push", "pull_request"}  # YAML 1.1 reads the key `on` as True
    assert workflow["permissions"] == {"contents": "read", "security-events": "write", "actions": "read"}
    (job,) = workflow["jobs"].values()
    checkout, action = job["steps"]
    assert checkout["uses"].startswith("actions/checkout@") and checkout["with"]["fetch-depth"] == 0
    assert action["uses"].startswith("backlint/backlint@")
    assert set(action["with"]) <= set(ACTION["inputs"]) and "diff" in action["with"]


def test_docs_name_every_action_input() -> None:
    for name in ACTION["inputs"]:
        assert f"| `{name}` |" in GITHUB_DOC, name


# -- pre-commit ---------------------------------------------------------------------------------


def test_pre_commit_hooks() -> None:
    hooks = {h["id"]: h for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))}
    assert set(hooks) == {"backlint", "backlint-diff"}
    for hook in hooks.values():
        assert hook["language"] == "python" and hook["entry"].startswith("backlint scan")
        assert {"python", "javascript", "ts"} <= set(hook["types_or"]) and hook["require_serial"] is True
        assert hook.get("pass_filenames", True)
    assert hooks["backlint-diff"]["entry"] == "backlint scan --diff HEAD"


def test_named_files_are_the_only_ones_scanned(tmp_path: Path) -> None:
    """pre-commit passes the staged files, relative to the repository root; nothing else is read."""
    (tmp_path / ".git").mkdir()
    (tmp_path / "pkg").mkdir()
    bad = "import requests\nrequests.get('http://x')\n"
    for name in ("pkg/a.py", "pkg/b.py", "c.py"):
        (tmp_path / name).write_text(bad)
    proc = run_cli("scan", "pkg/a.py", "c.py", "--format", "json", "--select", "BL5", cwd=tmp_path)
    data = yaml.safe_load(proc.stdout)
    assert data["summary"]["files"] == 2
    assert sorted(f["path"] for f in data["findings"]) == ["c.py", "pkg/a.py"]


@pytest.mark.parametrize("where", ["sibling", "nested"])
def test_files_outside_any_project_are_scanned_where_they_are(tmp_path: Path, where: str) -> None:
    elsewhere = tmp_path / "elsewhere" / "deep"
    elsewhere.mkdir(parents=True)
    (elsewhere / "x.py").write_text("import requests\nrequests.get('http://x')\n")
    cwd = tmp_path / "cwd" if where == "sibling" else tmp_path
    cwd.mkdir(exist_ok=True)
    proc = run_cli("scan", str(elsewhere / "x.py"), "-q", "--select", "BL5", cwd=cwd)
    assert proc.returncode == 1
    (line,) = proc.stdout.splitlines()
    expected = "x.py" if where == "sibling" else "elsewhere/deep/x.py"
    assert line.startswith(f"{expected}:2:1: BL502 ")


def test_output_to_a_pipe_or_device_is_written_in_place(tmp_path: Path) -> None:
    """`-o /dev/null` or a named pipe must stay what it is (an atomic rename would replace it)."""
    import stat
    import threading

    from backlint.cli import write_atomically

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[str] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_text()))
    reader.start()
    write_atomically(fifo, "report\n")
    reader.join(timeout=10)
    assert received == ["report\n"] and stat.S_ISFIFO(fifo.stat().st_mode)
    assert [p.name for p in tmp_path.iterdir()] == ["pipe"]
