"""Engine isolation: one file's trouble stays that file's."""

from __future__ import annotations

import ctypes
import os
import time
from pathlib import Path

import libcst as cst

from backlint import pool
from backlint.analysis import analyze_text
from backlint.rule import Rule


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


def test_unreadable_file_is_a_notification(tmp_path: Path) -> None:
    # Deleted between discovery and analysis (root can read any file, so chmod would not do).
    (task,) = _tasks(tmp_path, {"gone.py": "f()\n"})
    os.unlink(task.path)
    (result,) = pool.run([task], [(Reports, {})], jobs=1, timeout=10)
    assert [n.kind.value for n in result.notifications] == ["unreadable"]
