"""Engine isolation: one file's trouble stays that file's."""

from __future__ import annotations

import ctypes
import dataclasses
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import libcst as cst
import pytest

from backlint import catalog as catalog_module
from backlint import config as config_module
from backlint import engine, pool, semgrep
from backlint.analysis import analyze_text
from backlint.rule import Rule
from conftest import FIXTURES, ROOT

HEALTHY = 'def f(cur, x):\n    cur.execute(f"SELECT * FROM t WHERE a = \'{x}\'")\n'


class Explodes(Rule):
    """A rule with a bug: raises on every call."""

    ID = "BL999"

    def visit_Call(self, node: cst.Call) -> None:
        raise ValueError("boom")


class Reports(Rule):
    """Reports every call."""

    ID = "BL998"
    MESSAGE = "call"

    def visit_Call(self, node: cst.Call) -> None:
        self.report(node)


class KillsWorker(Rule):
    """Crashes the process on files that mention `segfault`, hangs on files that mention `hang`."""

    ID = "BL997"
    MESSAGE = "call"

    def visit_Module(self, node: cst.Module) -> None:
        if "segfault" in self.ctx.text:
            ctypes.string_at(0)  # reads address 0: SIGSEGV
        if "hang" in self.ctx.text:
            time.sleep(600)
        if "exit" in self.ctx.text:
            os._exit(3)

    def visit_Call(self, node: cst.Call) -> None:
        self.report(node)


def test_a_failing_rule_is_one_notification_and_others_still_report() -> None:
    result = analyze_text("m.py", "f()\ng()\n", [(Explodes, {}), (Reports, {})])
    assert [f.rule_id for f in result.findings] == ["BL998", "BL998"]
    (note,) = result.notifications
    assert note.kind.value == "rule-error" and "BL999" in note.message and "boom" in note.message


class ReportsStatements(Rule):
    """Reports every statement (the span of a compound one ends with its body's newline token)."""

    ID = "BL996"
    MESSAGE = "statement"

    def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> None:
        self.report(node)

    def visit_Try(self, node: cst.Try) -> None:
        self.report(node)

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        self.report(node)


@pytest.mark.parametrize("text", ["x = 1\npass", "try:\n    f()\nexcept:\n    pass", "pass  # no newline"])
def test_a_finding_on_the_last_line_of_a_file_without_final_newline(text: str) -> None:
    # libcst's code generation adds the missing final newline: the last span must still fit the text.
    result = analyze_text("m.py", text, [(ReportsStatements, {})])
    assert not result.notifications
    final_line = text.splitlines()[-1]
    ends = {(f.region.end_line, f.region.end_column) for f in result.findings}
    assert max(ends) == (text.count("\n") + 1, len(final_line.split("  #")[0]) + 1)


def _tasks(tmp_path: Path, contents: dict[str, str]) -> list[pool.Task]:
    tasks = []
    for name, text in contents.items():
        path = tmp_path / name
        path.write_text(text)
        tasks.append(pool.Task(str(path), name))
    return tasks


def test_crashed_and_hung_workers_are_replaced(tmp_path: Path) -> None:
    tasks = _tasks(
        tmp_path,
        {
            "a.py": "f()\n",
            "crash.py": "# segfault\nf()\n",
            "b.py": "g()\nh()\n",
            "hang.py": "# hang\nf()\n",
            "exit.py": "# exit\nf()\n",
            "c.py": "k()\n",
        },
    )
    started = time.monotonic()
    results = {r.path: r for r in pool.run(tasks, [(KillsWorker, {})], jobs=2, timeout=3)}
    assert time.monotonic() - started < 60
    assert {p: len(r.findings) for p, r in results.items() if r.findings} == {"a.py": 1, "b.py": 2, "c.py": 1}
    notes = {p: [n.kind.value for n in r.notifications] for p, r in results.items() if r.notifications}
    assert notes == {"crash.py": ["crash"], "hang.py": ["timeout"], "exit.py": ["crash"]}
    assert "SIGSEGV" in results["crash.py"].notifications[0].message


@pytest.mark.skipif(os.name != "posix", reason="core files are a POSIX matter")
def test_a_crash_leaves_no_core_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Even where core dumps are on (they land in the working directory, often the scanned repository)."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_CORE)
    if hard == 0:
        pytest.skip("core dumps are off for this process")
    monkeypatch.chdir(tmp_path)
    tasks = _tasks(tmp_path, {"crash.py": "# segfault\nf()\n"})
    resource.setrlimit(resource.RLIMIT_CORE, (hard, hard))
    try:
        (result,) = pool.run(tasks, [(KillsWorker, {})], jobs=1, timeout=30)
    finally:
        resource.setrlimit(resource.RLIMIT_CORE, (soft, hard))
    assert [n.kind.value for n in result.notifications] == ["crash"]
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith("core")]


def test_unreadable_file_is_a_notification(tmp_path: Path) -> None:
    # Deleted between discovery and analysis (root can read any file, so chmod would not do).
    (task,) = _tasks(tmp_path, {"gone.py": "f()\n"})
    os.unlink(task.path)
    (result,) = pool.run([task], [(Reports, {})], jobs=1, timeout=10)
    assert [n.kind.value for n in result.notifications] == ["unreadable"]


class Misbehaves(Rule):
    """Runs out of memory, overflows the stack or aborts on files that ask for it."""

    ID = "BL996"
    MESSAGE = "call"

    def visit_Module(self, node: cst.Module) -> None:
        text = self.ctx.text
        if "oom" in text:
            bytes(8 * 1024**3)  # one allocation past the worker's address-space limit
        if "python-recursion" in text:
            self._recurse(0)
        if "c-stack" in text:  # a C-level recursion past the thread's stack: SIGSEGV
            sys.setrecursionlimit(10**7)
            left: list = []
            right: list = []
            for _ in range(100_000):
                left, right = [left], [right]
            assert left == right
        if "abort" in text:
            os.abort()

    def _recurse(self, n: int) -> int:
        return self._recurse(n + 1) + 1

    def visit_Call(self, node: cst.Call) -> None:
        self.report(node)


def test_memory_exhaustion_stack_overflow_and_abort_stay_with_their_file(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # The limit is inherited by the forked workers: this process's size plus 1 GiB.
    monkeypatch.setattr(pool, "MEMORY_LIMIT", _address_space() + 1024**3)
    tasks = _tasks(
        tmp_path,
        {
            "a.py": "f()\n",
            "oom.py": "# oom\nf()\n",
            "b.py": "g()\nh()\n",
            "recursion.py": "# python-recursion\nf()\n",
            "stack.py": "# c-stack\nf()\n",
            "abort.py": "# abort\nf()\n",
            "c.py": "k()\n",
        },
    )
    results = {r.path: r for r in pool.run(tasks, [(Misbehaves, {})], jobs=2, timeout=30)}
    assert set(results) == {t.rel for t in tasks}
    assert {p: len(r.findings) for p, r in results.items() if r.findings} == {"a.py": 1, "b.py": 2, "c.py": 1}
    notes = {p: [(n.kind.value, n.message) for n in r.notifications] for p, r in results.items() if r.notifications}
    assert set(notes) == {"oom.py", "recursion.py", "stack.py", "abort.py"}
    assert all(len(v) == 1 for v in notes.values()), notes
    assert "MemoryError" in notes["oom.py"][0][1] or "memory" in notes["oom.py"][0][1]
    assert "RecursionError" in notes["recursion.py"][0][1]
    assert notes["stack.py"][0] == ("crash", "the analyzer process crashed on this file (SIGSEGV)")
    assert notes["abort.py"][0] == ("crash", "the analyzer process crashed on this file (SIGABRT)")


def _address_space() -> int:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 4 * 1024**3


def test_a_worker_that_died_while_idle_is_replaced(tmp_path: Path) -> None:
    """Killed between two files (by the OOM killer, say): the next file goes to a new worker."""
    tasks = _tasks(tmp_path, {"a.py": "f()\n" * 3, "b.py": "f()\n" * 2, "c.py": "f()\n"})
    run = pool.run(tasks, [(Reports, {})], jobs=1, timeout=30)
    first = next(run)
    (worker,) = run.gi_frame.f_locals["workers"]  # type: ignore[union-attr]
    assert worker.task is None
    os.kill(worker.process.pid, signal.SIGKILL)
    worker.process.join(10)
    results = [first, *run]
    assert [(r.path, len(r.findings), r.notifications) for r in results] == [("a.py", 3, []), ("b.py", 2, []), ("c.py", 1, [])]


# -- a worker killed from outside, in a real scan ----------------------------------------------------


def test_killing_a_worker_mid_scan_still_gives_a_complete_report(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The whole engine with every rule, over a fixture app and one file whose worker is killed
    (SIGKILL from another thread) while it analyses it: every other file's findings are there,
    and the victim has exactly one notification."""
    app = tmp_path / "app"
    shutil.copytree(FIXTURES / "flask_app", app)
    (app / "pyproject.toml").write_text("[tool.backlint]\n")
    catalog = catalog_module.load()
    config = config_module.load([app], config_file=None, rule_options=catalog.options(), rule_ids=catalog.ids, jobs=2)
    expected = engine.scan([app], config, catalog)

    (app / "shop" / "victim.py").write_text(HEALTHY)
    pid_file = tmp_path / "victim.pid"
    real = pool.analyze_bytes

    def analyze_bytes(path, data, specs, facts):  # type: ignore[no-untyped-def]
        if path.endswith("victim.py"):
            pid_file.write_text(str(os.getpid()))
            time.sleep(60)
        return real(path, data, specs, facts)

    def killer() -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                pid = int(pid_file.read_text())
            except (OSError, ValueError):
                time.sleep(0.05)
                continue
            os.kill(pid, signal.SIGKILL)
            return

    monkeypatch.setattr(pool, "analyze_bytes", analyze_bytes)  # the forked workers inherit it
    thread = threading.Thread(target=killer, daemon=True)
    thread.start()
    started = time.monotonic()
    result = engine.scan([app], config, catalog)
    thread.join(10)
    assert time.monotonic() - started < 50  # nowhere near the victim's 60 s sleep
    assert [(f.rule_id, f.path, f.region, f.fingerprint) for f in result.findings] == [
        (f.rule_id, f.path, f.region, f.fingerprint) for f in expected.findings
    ]
    (note,) = result.notifications
    assert (note.kind.value, note.path) == ("crash", "shop/victim.py")
    assert "SIGKILL" in note.message
    assert result.files_scanned == expected.files_scanned + 1


# -- Ctrl-C -----------------------------------------------------------------------------------------


def _children(pid: int) -> set[int]:
    """Every descendant of `pid` (Linux /proc)."""
    found: set[int] = set()
    frontier = [pid]
    while frontier:
        parent = frontier.pop()
        for task in Path(f"/proc/{parent}/task").glob("*/children"):
            try:
                kids = {int(k) for k in task.read_text().split()}
            except (OSError, ValueError):
                continue
            frontier.extend(kids - found)
            found |= kids
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="finds the scan's processes through Linux /proc")
def test_ctrl_c_stops_promptly_and_leaves_no_output(tmp_path: Path) -> None:
    for i in range(6):
        shutil.copytree(FIXTURES / "flask_app", tmp_path / f"copy{i}")
    for test_file in sorted((ROOT / "rules").rglob("*.js"))[:20]:
        (tmp_path / "web").mkdir(exist_ok=True)
        shutil.copyfile(test_file, tmp_path / "web" / test_file.name)
    (tmp_path / "slow.py").write_text("# token refresh\nx = " + " + ".join(["a"] * 30_000) + "\n")
    (tmp_path / "pyproject.toml").write_text("[tool.backlint]\nper-file-timeout = 120\n")
    out = tmp_path / "report.sarif"
    proc = subprocess.Popen(
        [sys.executable, "-m", "backlint", "scan", ".", "--format", "sarif", "-o", str(out), "--jobs", "2"],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
        env={**os.environ, "NO_COLOR": "1"},
    )
    try:
        # Wait until the scan is under way: two workers (and semgrep, when it is installed).
        deadline = time.monotonic() + 60
        wants_semgrep = semgrep.find_executable() is not None and semgrep.load_rules(ROOT / "rules")
        while time.monotonic() < deadline and proc.poll() is None:
            children = _children(proc.pid)
            workers = [c for c in children if "backlint" in _cmdline(c) and "semgrep" not in _cmdline(c)]
            if len(workers) >= 2 and (not wants_semgrep or any("semgrep" in _cmdline(c) for c in children)):
                break
            time.sleep(0.1)
        assert proc.poll() is None, "the scan ended before it could be interrupted"
        children = _children(proc.pid)
        time.sleep(0.5)
        os.killpg(proc.pid, signal.SIGINT)  # what a terminal's Ctrl-C does: the whole foreground group
        interrupted = time.monotonic()
        stdout, stderr = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert time.monotonic() - interrupted < 10
    assert proc.returncode == 130, stderr
    assert "interrupted" in stderr and "Traceback" not in stderr
    assert stdout == ""
    assert not out.exists()
    assert not list(tmp_path.glob(".report.sarif.*"))
    # The cache (on by default) holds whole indexes or none: no temporary file, nothing half-written.
    cache_dir = tmp_path / ".backlint_cache"
    assert not [p for p in cache_dir.rglob("*") if p.name.endswith(".tmp")]
    for index in cache_dir.rglob("*.json"):
        data = json.loads(index.read_text(encoding="utf-8"))
        assert (data["rules"] if index.name.startswith("catalog-") else data["entries"]) is not None
    deadline = time.monotonic() + 10
    while any(_alive(c) for c in children) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [c for c in children if _alive(c)], "a worker or semgrep outlived the interrupted scan"


def _interrupt(*args: object, **kwargs: object) -> None:
    raise KeyboardInterrupt


@pytest.mark.parametrize("command,where", [("scan", "render"), ("scan", "write"), ("baseline", "write"), ("scan", "config")])
def test_ctrl_c_before_or_after_the_analysis_exits_130_and_keeps_the_old_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], command: str, where: str
) -> None:
    """Through the console script's entry point: Ctrl-C while the configuration is read, the report
    rendered or its temporary file written is exit 130 too (not click's `Aborted!` and 1), and the
    previous report is still there, whole."""
    from backlint import cli as cli_module
    from backlint import report

    (tmp_path / "pyproject.toml").write_text("[tool.backlint]\n")
    (tmp_path / "app.py").write_text(HEALTHY)
    out = tmp_path / "report.out"
    out.write_text("the previous report\n")
    if where == "render":
        monkeypatch.setattr(report, "render", _interrupt)
    elif where == "write":
        monkeypatch.setattr(cli_module.os, "fsync", _interrupt)  # the temporary file is written, not yet renamed
    else:
        monkeypatch.setattr(config_module, "load", _interrupt)
    args = ["backlint", command, str(tmp_path), "--no-cache", "--jobs", "1", "-o", str(out)]
    monkeypatch.setattr(sys, "argv", args + (["--format", "sarif"] if command == "scan" else []))
    with pytest.raises(SystemExit) as exit_info:
        cli_module.main()
    assert exit_info.value.code == 130
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "interrupted" in captured.err and "Aborted" not in captured.err
    assert out.read_text() == "the previous report\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["app.py", "pyproject.toml", "report.out"]


@pytest.mark.skipif("fork" not in __import__("multiprocessing").get_all_start_methods(), reason="workers are prestarted only where they are forked")
def test_a_prestarted_worker_is_the_pool_first_worker(tmp_path: Path) -> None:
    """`pool.prestart()` forks a worker that waits for its rules; `run()` takes it, sends it the
    rules as catalogue entries (their classes imported in the worker) and gets the same results."""
    info = catalog_module.load().get("BL101")
    assert info is not None and info.rule_class is not None
    entry = dataclasses.replace(info, rule_class=None)  # as read from a snapshot: a reference only
    tasks = _tasks(tmp_path, {"a.py": HEALTHY, "b.py": "x = 1\n"})
    pool.prestart()
    early = pool._early
    assert early is not None and early.process.is_alive()
    results = {r.path: r for r in pool.run(tasks, [(entry, {})], jobs=1, timeout=60)}
    assert pool._early is None and not early.process.is_alive()  # taken, then stopped with the pool
    assert [f.rule_id for f in results["a.py"].findings] == ["BL101"] and not results["b.py"].findings


@pytest.mark.skipif("fork" not in __import__("multiprocessing").get_all_start_methods(), reason="workers are prestarted only where they are forked")
def test_a_prestarted_worker_that_cannot_take_the_rules_is_replaced(tmp_path: Path) -> None:
    class Local(Rule):  # defined in a function: it cannot be sent to another process
        ID = "BL995"
        MESSAGE = "call"

        def visit_Call(self, node: cst.Call) -> None:
            self.report(node)

    tasks = _tasks(tmp_path, {"a.py": "f()\n"})
    pool.prestart()
    early = pool._early
    assert early is not None
    (result,) = pool.run(tasks, [(Local, {})], jobs=1, timeout=60)
    assert [f.rule_id for f in result.findings] == ["BL995"]  # analysed by a worker forked with the class
    early.process.join(timeout=10)
    assert not early.process.is_alive()


def test_a_scan_without_cache_keeps_the_analyzer_out_of_its_own_process(tmp_path: Path) -> None:
    """With `--no-cache` the first worker starts with the program and imports libcst; the scan's
    own process reads the catalogue's snapshot and never imports libcst or the rules."""
    (tmp_path / "app.py").write_text(HEALTHY)
    probe = (
        "import atexit, os, sys\n"
        "me = os.getpid()\n"
        "atexit.register(lambda: os.getpid() == me and print('PARENT', sorted(m for m in sys.modules"
        " if m.split('.')[0] == 'libcst' or m.startswith(('backlint.rules.', 'backlint.analysis')))[:3], file=sys.stderr))\n"
        "sys.argv = ['backlint', *sys.argv[1:]]\n"
        "from backlint.launch import main\n"
        "main()\n"
    )
    args = ["scan", ".", "--no-cache", "--format", "json", "--fail-on", "never"]
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}  # the snapshot is written like bytecode
    runs = [subprocess.run([sys.executable, "-c", probe, *args], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
            for _ in range(2)]  # the first may write the snapshot; the second must read it
    for proc in runs:
        assert proc.returncode == 0, proc.stderr
        assert [f["rule"] for f in json.loads(proc.stdout)["findings"]] == ["BL101"]
    if not os.access(catalog_module.BESIDE_CODE.parent, os.W_OK):
        pytest.skip("backlint's package directory is read-only here: no snapshot beside the code")
    assert "PARENT []" in runs[1].stderr, runs[1].stderr


def test_the_snapshot_beside_the_code_is_written_like_bytecode(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    beside = tmp_path / "__pycache__"
    monkeypatch.setattr(catalog_module, "BESIDE_CODE", beside)
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    assert catalog_module.load_cached(beside).ids == catalog_module.load().ids
    assert not beside.exists()  # PYTHONDONTWRITEBYTECODE: nothing written
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    catalog_module.load_cached(beside)
    assert [p.name.startswith("catalog-") for p in beside.iterdir()] == [True]  # no .gitignore beside the code
