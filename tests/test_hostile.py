"""A tree of hostile files is scanned to the end, in bounded time, without a traceback: each bad
file gives exactly one notification, every healthy file's findings survive with exact regions, and
nothing outside the tree or in vendored folders is read. The same for JavaScript and TypeScript
files, which semgrep analyses, at the end."""

from __future__ import annotations

import codecs
import ctypes
import json
import os
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

import jsonschema
import pytest

from backlint.findings import ScanResult
from conftest import FIXTURES, ROOT, run_cli

HEALTHY = 'def f(cur, x):\n    cur.execute(f"SELECT * FROM t WHERE a = \'{x}\'")\n'
"""BL101 at 2:17."""
SECRET = 'DB_PASSWORD = "k9Xq2LmZ7vB4nR8tW1yE"\n'
"""BL301 at 1:15."""
SPACED = "dir with space/naïve café.py"


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp_path = tmp_path_factory.mktemp("hostile")
    root = tmp_path / "repo"
    root.mkdir()
    (root / "pyproject.toml").write_text("[tool.backlint]\nper-file-timeout = 4\n")
    # healthy files, some in awkward encodings, line endings and names
    (root / "good_a.py").write_text(HEALTHY)
    (root / "pkg").mkdir()
    (root / "pkg" / "good_b.py").write_text(SECRET)
    (root / "declared_latin1.py").write_bytes("# -*- coding: latin-1 -*-\nname = 'café'\n".encode("latin-1"))
    (root / "bom.py").write_bytes(codecs.BOM_UTF8 + SECRET.encode())
    (root / "crlf.py").write_bytes(HEALTHY.replace("\n", "\r\n").encode())
    (root / "bom_crlf_cookie.py").write_bytes(codecs.BOM_UTF8 + ("# coding: utf-8\n" + HEALTHY).replace("\n", "\r\n").encode())
    (root / "empty.py").write_bytes(b"")
    (root / SPACED).parent.mkdir()
    (root / SPACED).write_text(HEALTHY)
    # bad files: one notification each
    (root / "syntax_error.py").write_text("def broken(:\n    pass\n")
    (root / "indentation.py").write_text("def f():\n    with a as b:\nx = (1)\n        y\n")  # CPython: column 0
    (root / "python2.py").write_text('print "hello"\nexcept Exception, e:\n    pass\n')
    (root / "latin1.py").write_bytes("name = 'café'\n".encode("latin-1"))
    (root / "declared_utf8_but_not.py").write_bytes(b"# -*- coding: utf-8 -*-\nname = 'caf\xe9'\n")
    (root / "unknown_codec.py").write_bytes(b"# coding: klingon\nx = 1\n")
    (root / "binary.py").write_bytes(bytes(range(256)) * 8)
    (root / "nul.py").write_bytes(b"x = 1\x00\ny = 2\n")
    (root / "big.py").write_text("x = 1\n" * 400_000)  # 2.4 MB: over the default 1 MiB limit
    # The comment makes every rule want the file, so the parser really runs (for minutes).
    (root / "slow.py").write_text("# token refresh\nx = " + " + ".join(["a"] * 30_000) + "\n")
    # Deep enough to overflow the parser's stack (the worker dies) or CPython's limits.
    (root / "deep_parens.py").write_text("x = " + "(" * 100_000 + ")" * 100_000 + "\n")
    (root / "deep_unary.py").write_text("# token\nx = " + "-" * 50_000 + "1\n")
    (root / "deep_blocks.py").write_text("".join(" " * i + "if x:\n" for i in range(150)) + " " * 150 + "pass\n")
    os.mkfifo(root / "fifo.py")  # not a regular file: never opened (opening it would block)
    (root / os.fsdecode(b"caf\xe9.py")).write_text(HEALTHY)  # a name that is not UTF-8
    # links
    (root / "loop").mkdir()
    os.symlink(root / "loop", root / "loop" / "again")
    outside = tmp_path / "outside.py"
    outside.write_text(HEALTHY)
    os.symlink(outside, root / "escape.py")
    os.symlink(tmp_path, root / "escape_dir")
    os.symlink(root / "missing.py", root / "dangling.py")
    # vendored code: never read
    for vendored in ("node_modules/lib/index.py", ".venv/lib/python3.11/site-packages/pkg/m.py",
                     "site-packages/m.py", "venv/m.py", "build/lib/m.py", "__pycache__/m.py"):
        (root / vendored).parent.mkdir(parents=True, exist_ok=True)
        (root / vendored).write_text(HEALTHY + "def broken(:\n")
    (root / "node_modules" / "lib" / "index.js").write_text('db.query("SELECT * FROM t WHERE id = " + id);\n')
    return root


EXPECTED_FINDINGS = {
    ("BL101", "good_a.py", 2, 17),
    ("BL301", "pkg/good_b.py", 1, 15),
    ("BL301", "bom.py", 1, 15),  # the byte-order mark is no column
    ("BL101", "crlf.py", 2, 17),
    ("BL101", "bom_crlf_cookie.py", 3, 17),
    ("BL101", SPACED, 2, 17),
}
EXPECTED_NOTIFICATIONS = {
    "syntax_error.py": "syntax-error",
    "indentation.py": "syntax-error",
    "python2.py": "syntax-error",
    "latin1.py": "decode-error",
    "declared_utf8_but_not.py": "decode-error",
    "unknown_codec.py": "decode-error",
    "binary.py": "binary-file",
    "nul.py": "binary-file",
    "big.py": "too-large",
    "slow.py": "timeout",
    "deep_parens.py": ("crash", "syntax-error"),
    "deep_unary.py": ("crash", "syntax-error"),
    "deep_blocks.py": "syntax-error",
    "caf\\xe9.py": "skipped-path",
}


@pytest.fixture(scope="module")
def hostile_json(hostile: Path) -> tuple[dict, float, str]:
    started = time.monotonic()
    proc = run_cli("scan", ".", "--format", "json", "--jobs", "2", cwd=hostile, timeout=300)
    elapsed = time.monotonic() - started
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout
    return json.loads(proc.stdout), elapsed, proc.stderr


def test_healthy_findings_survive_with_exact_regions(hostile_json: tuple[dict, float, str]) -> None:
    data, elapsed, _ = hostile_json
    found = {(f["rule"], f["path"], f["line"], f["column"]) for f in data["findings"]}
    assert found == EXPECTED_FINDINGS
    assert elapsed < 120


def test_each_bad_file_is_one_notification(hostile_json: tuple[dict, float, str]) -> None:
    data, _, stderr = hostile_json
    by_path: dict[str, list[str]] = {}
    for n in data["notifications"]:
        by_path.setdefault(n["path"], []).append(n["kind"])
    assert set(by_path) == set(EXPECTED_NOTIFICATIONS)
    for path, kinds in by_path.items():
        expected = EXPECTED_NOTIFICATIONS[path]
        assert len(kinds) == 1 and kinds[0] in (expected if isinstance(expected, tuple) else (expected,)), (path, kinds)
    for n in data["notifications"]:
        assert n["line"] is None or n["line"] >= 1
        assert n["column"] is None or n["column"] >= 1
    assert stderr.strip() == ""


def test_sarif_of_hostile_tree(hostile: Path, sarif_schema: dict) -> None:
    proc = run_cli("scan", ".", "--format", "sarif", "--jobs", "2", "-o", "out.sarif", cwd=hostile, timeout=300)
    assert proc.returncode == 1, proc.stderr
    data = json.loads((hostile / "out.sarif").read_text(encoding="utf-8"))
    (hostile / "out.sarif").unlink()
    jsonschema.validate(data, sarif_schema)
    run = data["runs"][0]
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]}
    assert "dir%20with%20space/na%C3%AFve%20caf%C3%A9.py" in uris  # percent-encoded, RFC 3986
    assert all(u.isascii() and " " not in u for u in uris)
    notes = run["invocations"][0]["toolExecutionNotifications"]
    assert len(notes) == len(EXPECTED_NOTIFICATIONS)


def test_text_output_of_hostile_tree_has_no_traceback(hostile: Path) -> None:
    proc = run_cli("scan", ".", cwd=hostile, timeout=300)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stdout + proc.stderr
    assert "slow.py: error[timeout] analysis took longer than 4 s" in proc.stdout
    assert "latin1.py: warning[decode-error] cannot decode as utf-8" in proc.stdout
    proc.stdout.encode("utf-8")  # a name that is not UTF-8 is printed escaped, never as raw bytes


def test_named_file_outside_root_is_scanned(hostile: Path) -> None:
    data = json.loads(run_cli("scan", str(hostile.parent / "outside.py"), "--format", "json", cwd=hostile).stdout)
    assert [f["rule"] for f in data["findings"]] == ["BL101"]


def test_hostile_gitignore_patterns(tmp_path: Path) -> None:
    """Patterns git would skip do not end the scan, and a run of stars cannot stall it."""
    (tmp_path / ".gitignore").write_text("!\n\\\n[z-a]\n" + "*" * 5000 + "b\nignored.py\n")
    (tmp_path / "ignored.py").write_text(HEALTHY)
    (tmp_path / ("a" * 200 + ".py")).write_text(HEALTHY)
    (tmp_path / "pyproject.toml").write_text("[tool.backlint]\n")
    started = time.monotonic()
    proc = run_cli("scan", ".", "--format", "json", cwd=tmp_path, timeout=120)
    assert time.monotonic() - started < 60
    assert proc.returncode == 1, proc.stderr
    assert [f["path"] for f in json.loads(proc.stdout)["findings"]] == ["a" * 200 + ".py"]


@pytest.mark.slow
def test_two_megabyte_file_is_analysed_or_stopped_in_bounded_time(tmp_path: Path) -> None:
    """A 2 MB generated module (the Django models repeated) under a raised size limit."""
    models = (FIXTURES / "django_app" / "library" / "models.py").read_text(encoding="utf-8")
    (tmp_path / "models.py").write_text(models * (2_000_000 // len(models)), encoding="utf-8")
    (tmp_path / "small.py").write_text(HEALTHY)
    (tmp_path / "pyproject.toml").write_text('[tool.backlint]\nmax-file-size = "4 MiB"\nper-file-timeout = 4\n')
    started = time.monotonic()
    proc = run_cli("scan", ".", "--format", "json", "--jobs", "2", cwd=tmp_path, timeout=300)
    elapsed = time.monotonic() - started
    assert proc.returncode == 1, proc.stderr
    data = json.loads(proc.stdout)
    assert ("BL101", "small.py") in {(f["rule"], f["path"]) for f in data["findings"]}
    assert [n["kind"] for n in data["notifications"]] in ([], ["timeout"])
    assert elapsed < 90


# -- unreadable files ------------------------------------------------------------------------------


def _drop_file_capabilities() -> None:
    """In the child, before exec: as root, give up overriding file permissions (CAP_DAC_OVERRIDE,
    CAP_DAC_READ_SEARCH) so that chmod 000 means what it means for everybody else."""
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (1, 2):
        if libc.prctl(24, capability, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def _unprivileged_can_be_denied(tmp_path: Path) -> str | None:
    """None when a chmod 000 file is unreadable to a child process, else why not."""
    if os.name != "posix":
        return "file modes are POSIX"
    probe = tmp_path / "probe"
    probe.write_text("x")
    probe.chmod(0)
    preexec = _drop_file_capabilities if os.geteuid() == 0 else None
    try:
        proc = subprocess.run([sys.executable, "-c", f"open({str(probe)!r}).read()"], preexec_fn=preexec, capture_output=True)
    except (OSError, subprocess.SubprocessError) as exc:
        return f"cannot give up root's file capabilities here ({exc})"
    finally:
        probe.unlink()
    return None if proc.returncode != 0 else "this process can read a chmod 000 file even without CAP_DAC_OVERRIDE"


def test_unreadable_files_and_directories(tmp_path: Path) -> None:
    reason = _unprivileged_can_be_denied(tmp_path)
    if reason is not None:
        pytest.skip(reason)
    (tmp_path / "pyproject.toml").write_text("[tool.backlint]\n")
    (tmp_path / "ok.py").write_text(HEALTHY)
    (tmp_path / "locked.py").write_text(SECRET)
    (tmp_path / "locked_dir").mkdir()
    (tmp_path / "locked_dir" / "inner.py").write_text(HEALTHY)
    (tmp_path / ".gitignore").write_text("nothing/\n")
    for path in (tmp_path / "locked.py", tmp_path / "locked_dir", tmp_path / ".gitignore"):
        path.chmod(0)
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "backlint", "scan", ".", "--format", "json"],
            cwd=tmp_path, capture_output=True, text=True, timeout=300,
            preexec_fn=_drop_file_capabilities if os.geteuid() == 0 else None,
        )
    finally:
        for path in (tmp_path / "locked.py", tmp_path / "locked_dir", tmp_path / ".gitignore"):
            path.chmod(0o755)
    assert proc.returncode == 1, proc.stderr
    data = json.loads(proc.stdout)
    assert [(f["rule"], f["path"]) for f in data["findings"]] == [("BL101", "ok.py")]
    notes = sorted((n["path"], n["kind"]) for n in data["notifications"])
    assert notes == [("locked.py", "unreadable"), ("locked_dir", "unreadable")]
    assert "Traceback" not in proc.stderr


# -- JavaScript and TypeScript: the same promises, through semgrep --------------------------------

JS_SQL = 'const q = "SELECT * FROM t WHERE id = " + req.query.id;\ndb.query(q);\n'
"""BL101 at 2:1 (`db.query(q)`)."""


def _javascript_rules() -> str | None:
    """None when semgrep and a JavaScript BL101 rule are there, else why not."""
    from backlint import semgrep

    if semgrep.find_executable() is None:
        return "semgrep is not installed"
    if not any(r.catalogue_id == "BL101" and "javascript" in r.languages for r in semgrep.load_rules(ROOT / "rules")):
        return "rules/ has no BL101 rule for JavaScript"
    return None


@pytest.fixture(scope="module")
def hostile_web(tmp_path_factory: pytest.TempPathFactory) -> Path:
    reason = _javascript_rules()
    if reason is not None:
        pytest.skip(reason)
    root = tmp_path_factory.mktemp("hostile_web")
    (root / "pyproject.toml").write_text("[tool.backlint]\nper-file-timeout = 2\n")
    web = root / "web"
    web.mkdir()
    (web / "good.js").write_text(JS_SQL)
    (web / "bom_crlf.ts").write_bytes(codecs.BOM_UTF8 + JS_SQL.replace("\n", "\r\n").encode())
    (web / "latin1.js").write_bytes("const s = 'café';\n".encode("latin-1") + JS_SQL.encode())  # semgrep reads bytes
    (web / "dir with space").mkdir()
    (web / "dir with space" / "ça.js").write_text(JS_SQL)
    (web / "empty.js").write_bytes(b"")
    (web / "syntax.js").write_text("function (( {\n")
    (web / "binary.js").write_bytes((bytes(range(256)) + b"\n" * 8) * 8)  # short lines: not taken for minified
    (web / "nul.js").write_bytes(b"const a = 1;\x00\nconst b = 2;\n")
    (web / "big.js").write_text("let x = 1;\n" * 250_000)  # 2.75 MB: over the default 1 MiB limit
    # Deep enough that every rule runs past semgrep's per-rule time limit: one notification, not one per rule.
    # (One parenthesis per line: a single 100 KB line would be skipped as minified, unread.)
    (web / "deep.js").write_text("x = " + "(\n" * 50_000 + ")\n" * 50_000 + ";\n")
    os.symlink(web / "good.js", web / "link_inside.js")  # a link inside the root is the same file, read once
    os.symlink(root / "missing.js", web / "dangling.js")
    return root


JS_EXPECTED_FINDINGS = {
    ("BL101", "web/good.js", 2, 1),
    ("BL101", "web/bom_crlf.ts", 2, 1),
    ("BL101", "web/latin1.js", 3, 1),
    ("BL101", "web/dir with space/ça.js", 2, 1),
}
JS_EXPECTED_NOTIFICATIONS = {
    "web/syntax.js": "syntax-error",
    "web/binary.js": "syntax-error",
    "web/nul.js": "syntax-error",
    "web/big.js": "too-large",
    "web/deep.js": "timeout",
}


def test_hostile_javascript_files(hostile_web: Path, sarif_schema: dict) -> None:
    """Healthy JavaScript and TypeScript findings survive with exact regions (byte-order mark, CRLF,
    Latin-1, spaces and non-ASCII in names); each bad file is exactly one notification, even when
    semgrep reports a problem per rule; the SARIF is valid; the scan ends in bounded time."""
    started = time.monotonic()
    proc = run_cli("scan", ".", "--format", "sarif", "--jobs", "2", "--no-cache", cwd=hostile_web, timeout=300)
    elapsed = time.monotonic() - started
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    data = json.loads(proc.stdout)
    jsonschema.validate(data, sarif_schema)
    run = data["runs"][0]

    def where(location: dict) -> tuple[str, dict]:
        physical = location["physicalLocation"]
        return urllib.parse.unquote(physical["artifactLocation"]["uri"]), physical.get("region") or {}

    found = set()
    for r in run["results"]:
        path, region = where(r["locations"][0])
        found.add((r["ruleId"], path, region["startLine"], region["startColumn"]))
    assert found == JS_EXPECTED_FINDINGS
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]}
    assert "web/dir%20with%20space/%C3%A7a.js" in uris
    kinds: dict[str, list[str]] = {}
    for n in run["invocations"][0]["toolExecutionNotifications"]:
        kinds.setdefault(where(n["locations"][0])[0], []).append(n["descriptor"]["id"])
    assert kinds == {path: [kind] for path, kind in JS_EXPECTED_NOTIFICATIONS.items()}
    assert elapsed < 120


def test_a_semgrep_timeout_is_not_cached(tmp_path: Path) -> None:
    """A time limit depends on the machine's load: the next scan tries such a file again (as the
    Python pass does), while a file semgrep analysed, or could not parse, is taken from the cache."""
    from backlint import cache, engine, semgrep
    from backlint.discovery import Target
    from backlint.findings import Notification, NotificationKind

    targets = []
    for name in ("ok.js", "slow.js", "broken.js"):
        (tmp_path / name).write_text(JS_SQL)
        targets.append(Target(tmp_path / name, name, "javascript", len(JS_SQL)))
    digests = {t.rel: cache.digest(t.path.read_bytes()) for t in targets}
    outcome = semgrep.Outcome(notifications=[
        Notification(NotificationKind.TIMEOUT, "semgrep: Timeout when running BL101 on slow.js:", "slow.js"),
        Notification(NotificationKind.SYNTAX_ERROR, "syntax error: semgrep could not parse this file", "broken.js"),
    ])
    store = cache.Cache.open(tmp_path / "cache", "ctx", cache.Entry.from_json)
    engine._store_semgrep(store, targets, outcome, digests, {})
    reopened = cache.Cache.open(tmp_path / "cache", "ctx", cache.Entry.from_json)
    result = ScanResult(root=str(tmp_path))
    assert [t.rel for t in engine._from_cache(reopened, targets, digests, {}, result)] == ["slow.js"]
    assert [(n.kind.value, n.path) for n in result.notifications] == [("syntax-error", "broken.js")]
