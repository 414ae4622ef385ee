"""A tree of hostile files is scanned to the end, in bounded time, without a traceback: each bad
file gives one notification and every healthy file's findings survive."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from conftest import run_cli

HEALTHY = 'def f(cur, x):\n    cur.execute(f"SELECT * FROM t WHERE a = \'{x}\'")\n'


@pytest.fixture()
def hostile(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    (root / "pyproject.toml").write_text("[tool.backlint]\nper-file-timeout = 4\n")
    (root / "good_a.py").write_text(HEALTHY)
    (root / "pkg").mkdir()
    (root / "pkg" / "good_b.py").write_text('API_KEY = "k9Xq2LmZ7vB4nR8tW1yE"\n')
    (root / "syntax_error.py").write_text("def broken(:\n    pass\n")
    (root / "python2.py").write_text('print "hello"\nexcept Exception, e:\n    pass\n')
    (root / "latin1.py").write_bytes("name = 'café'\n".encode("latin-1"))
    (root / "declared_latin1.py").write_bytes("# -*- coding: latin-1 -*-\nname = 'café'\n".encode("latin-1"))
    (root / "binary.py").write_bytes(bytes(range(256)) * 8)
    (root / "nul.py").write_bytes(b"x = 1\x00\ny = 2\n")
    (root / "empty.py").write_bytes(b"")
    (root / "big.py").write_text("x = 1\n" * 400_000)  # 2.4 MB
    # The comment makes every rule want the file, so the parser really runs (for minutes).
    (root / "slow.py").write_text("# token refresh\nx = " + " + ".join(["a"] * 30_000) + "\n")
    (root / "loop").mkdir()
    os.symlink(root / "loop", root / "loop" / "again")
    outside = tmp_path / "outside.py"
    outside.write_text(HEALTHY)
    os.symlink(outside, root / "escape.py")
    os.symlink(tmp_path, root / "escape_dir")
    os.symlink(root / "missing.py", root / "dangling.py")
    return root


def test_hostile_tree(hostile: Path) -> None:
    started = time.monotonic()
    proc = run_cli("scan", ".", "--format", "json", "--jobs", "2", cwd=hostile, timeout=300)
    elapsed = time.monotonic() - started
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout
    data = json.loads(proc.stdout)
    found = {(f["rule"], f["path"]) for f in data["findings"]}
    assert found == {("BL101", "good_a.py"), ("BL301", "pkg/good_b.py")}
    by_path: dict[str, list[str]] = {}
    for n in data["notifications"]:
        by_path.setdefault(n["path"], []).append(n["kind"])
    assert by_path == {
        "syntax_error.py": ["syntax-error"],
        "python2.py": ["syntax-error"],
        "latin1.py": ["decode-error"],
        "binary.py": ["binary-file"],
        "nul.py": ["binary-file"],
        "big.py": ["too-large"],
        "slow.py": ["timeout"],
    }
    assert elapsed < 120


def test_text_output_of_hostile_tree_has_no_traceback(hostile: Path) -> None:
    proc = run_cli("scan", ".", cwd=hostile, timeout=300)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stdout + proc.stderr
    assert "slow.py: error[timeout] analysis took longer than 4 s" in proc.stdout
    assert "latin1.py: warning[decode-error] cannot decode as utf-8" in proc.stdout


def test_named_file_outside_root_is_scanned(hostile: Path, tmp_path: Path) -> None:
    data = json.loads(run_cli("scan", str(tmp_path / "outside.py"), "--format", "json", cwd=hostile).stdout)
    assert [f["rule"] for f in data["findings"]] == ["BL101"]
