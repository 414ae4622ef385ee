"""What a scan of a repository nobody vetted may and may not do.

* Scanned code is never imported or executed: a tree full of files that would leave a marker file
  when imported (module-level code in `setup.py`, `conftest.py`, packages named like backlint's
  own dependencies, `sitecustomize.py`...) is scanned, semgrep included, and no marker appears.
* A full scan needs no network: with IP sockets disabled by the kernel for the whole process tree
  (a seccomp filter inherited by the workers, semgrep and semgrep-core), the report is byte for
  byte the one of an unrestricted scan, and no Python process of the scan even tried to resolve a
  name or connect anywhere (audit hooks).
* semgrep is always invoked offline: metrics off, no version check, no login, its state files in
  a temporary directory.
* Output is deterministic: the same tree gives byte-identical JSON and SARIF from one scan to the
  next, whatever `--jobs`, the hash seed, or whether results came from the cache.

Every scan here runs the installed console script, as users, the GitHub action and the pre-commit
hooks do (see docs/security.md about `python -m backlint`).
"""

from __future__ import annotations

import ast
import ctypes
import json
import os
import platform
import re
import shutil
import stat
import struct
import subprocess
import sys
from pathlib import Path
from typing import Callable

import pytest

from backlint import catalog as catalog_module
from backlint import config as config_module
from backlint import engine, semgrep
from conftest import FIXTURES, ROOT

HEALTHY = 'def f(cur, x):\n    cur.execute(f"SELECT * FROM t WHERE a = \'{x}\'")\n'

# -- running the real thing -----------------------------------------------------------------------


def _command() -> list[str] | None:
    """The installed console script, else `python -P -m backlint` (Python 3.11+: no current
    directory on sys.path), else None."""
    script = shutil.which("backlint", path=os.path.dirname(sys.executable))
    if script is not None:
        return [script]
    if sys.version_info >= (3, 11):
        return [sys.executable, "-P", "-m", "backlint"]
    return None


def backlint(*args: str, cwd: Path, env: dict[str, str] | None = None, preexec: Callable[[], None] | None = None
             ) -> subprocess.CompletedProcess[str]:
    command = _command()
    if command is None:
        pytest.skip("no backlint console script, and no `python -P` before Python 3.11")
    return subprocess.run(
        [*command, *args], cwd=cwd, env={**os.environ, "NO_COLOR": "1", **(env or {})}, capture_output=True,
        text=True, timeout=300, preexec_fn=preexec,
    )


def _snapshot(root: Path) -> dict[str, tuple[bytes, int]]:
    """Every file under `root`, with its bytes and modification time."""
    out = {}
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            out[path.relative_to(root).as_posix()] = (path.read_bytes(), path.stat().st_mtime_ns)
    return out


def _javascript_rules() -> str | None:
    if semgrep.find_executable() is None:
        return "semgrep is not installed"
    if not any("javascript" in r.languages for r in semgrep.load_rules(ROOT / "rules")):
        return "rules/ has no JavaScript rule"
    return None


# -- the tree -------------------------------------------------------------------------------------

TRAPS = (
    # what Python runs on its own when the directory is on sys.path, or a site directory
    "sitecustomize.py", "usercustomize.py",
    # what build tools, test runners and frameworks import
    "setup.py", "conftest.py", "manage.py", "__init__.py", "__main__.py", "api/__init__.py", "api/settings.py",
    # modules named like backlint's own imports and its dependencies', and like the standard library's
    "click.py", "yaml.py", "pathspec/__init__.py", "libcst/__init__.py", "typing_extensions.py", "tomli.py",
    "backlint/__init__.py", "backlint/cli.py", "semgrep/__init__.py", "requests.py", "urllib3.py", "json.py",
    "subprocess.py", "multiprocessing/__init__.py",
)
"""Python files that create a marker file when imported."""
TRAP = "import pathlib\npathlib.Path({marker!r}).write_text('imported')\n\n\n" + HEALTHY.replace("{", "{{").replace("}", "}}")
EVIL_PTH = "import pathlib; pathlib.Path({marker!r}).write_text('.pth')\n"
EVIL_SCRIPT = "#!/bin/sh\necho ran > {marker!r}\n"


@pytest.fixture(scope="module")
def markers(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("markers")


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory, markers: Path) -> Path:
    """A fixture app and some JavaScript and TypeScript, awkward names and line endings, a secret, two files
    that cannot be parsed, and the traps."""
    reason = _javascript_rules()
    if reason is not None:
        pytest.skip(reason)
    root = tmp_path_factory.mktemp("security") / "repo"
    shutil.copytree(FIXTURES / "flask_app", root)
    (root / "web").mkdir()
    for source in ("express_app/app.js", "express_app/config.js", "express_app/routes/reports.js",
                   "ts_api/src/users/users.controller.ts"):  # a few: semgrep's start-up is the cost, not the files
        shutil.copyfile(FIXTURES / source, root / "web" / Path(source).name)
    (root / "pyproject.toml").write_text("[tool.backlint]\n")
    (root / "réseau et données").mkdir()
    (root / "réseau et données" / "mod ü.py").write_text('note = "😀é"\n' + HEALTHY, encoding="utf-8")
    (root / "crlf.py").write_bytes(HEALTHY.replace("\n", "\r\n").encode())
    (root / "secrets_here.py").write_text('DB_PASSWORD = "k9Xq2LmZ7vB4nR8tW1yE"\n')
    (root / "broken.py").write_text("def broken(:\n")
    (root / "web" / "broken.js").write_text("function (( {\n")
    for rel in TRAPS:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(TRAP.format(marker=str(markers / rel.replace("/", "."))))
    (root / "evil.pth").write_text(EVIL_PTH.format(marker=str(markers / "evil.pth")))
    for rel in ("git", "python", "python3", "node", "pysemgrep", "semgrep-core", "node_modules/.bin/semgrep", "bin/semgrep"):
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(EVIL_SCRIPT.format(marker=str(markers / rel.replace("/", "."))))
        path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return root


@pytest.fixture(scope="module")
def reference(project: Path) -> str:
    """The JSON report of an ordinary scan, from inside the tree."""
    proc = backlint("scan", ".", "--format", "json", "--no-cache", "--jobs", "2", cwd=project, env={"PYTHONHASHSEED": "1"})
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr == ""
    data = json.loads(proc.stdout)
    # Not a vacuous report: both engines found things, and the two broken files are notifications.
    languages = {f["path"].rsplit(".", 1)[-1] for f in data["findings"]}
    assert {"py", "js", "ts"} <= languages, languages
    assert sorted((n["path"], n["kind"]) for n in data["notifications"]) == [
        ("broken.py", "syntax-error"), ("web/broken.js", "syntax-error")
    ]
    return proc.stdout


# -- no execution ---------------------------------------------------------------------------------


def test_scanned_code_is_never_imported_or_executed(project: Path, reference: str, markers: Path) -> None:
    data = json.loads(reference)
    flagged = {f["path"] for f in data["findings"] if f["rule"] == "BL101"}
    # The traps were read and analysed (BL101 in their code), not skipped; in test code and
    # scripts a rule may keep quiet.
    assert set(TRAPS) - flagged <= {"conftest.py", "setup.py", "manage.py", "__main__.py"}, sorted(set(TRAPS) - flagged)
    assert sorted(p.name for p in markers.iterdir()) == []


def test_the_traps_fire_when_the_tree_is_on_sys_path(tmp_path: Path) -> None:
    """The control: a trap does create its marker when imported. `python -m backlint` run from
    inside a repository puts that directory first on sys.path (Python's rule for -m), so a `click.py`
    there runs before backlint does; `python -P` (3.11+) and the console script do not."""
    marker = tmp_path / "marker"
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "click.py").write_text(TRAP.format(marker=str(marker)))
    subprocess.run([sys.executable, "-m", "backlint", "--version"], cwd=tree, capture_output=True, timeout=60)
    assert marker.read_text() == "imported"
    if sys.version_info >= (3, 11):
        marker.unlink()
        proc = subprocess.run([sys.executable, "-P", "-m", "backlint", "--version"], cwd=tree, capture_output=True, text=True, timeout=60)
        assert proc.returncode == 0 and proc.stdout.startswith("backlint ")
        assert not marker.exists()


def test_a_scan_from_outside_the_tree_imports_nothing_either(project: Path, markers: Path, tmp_path: Path) -> None:
    """The same with the traps named on the command line, from another directory, by `baseline`."""
    out = tmp_path / "baseline.json"
    proc = backlint("baseline", *(str(project / rel) for rel in TRAPS), "--no-cache", "-o", str(out), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(out.read_text())["findings"]
    assert sorted(p.name for p in markers.iterdir()) == []


# -- no network -----------------------------------------------------------------------------------

_SYSCALLS = {"x86_64": (0xC000003E, 41), "aarch64": (0xC00000B7, 198)}
"""(AUDIT_ARCH_*, __NR_socket) by machine."""


def _deny_ip_sockets() -> None:
    """In the child, before exec: a seccomp filter that makes socket(AF_INET/AF_INET6, ...) fail
    with EACCES, for this process and everything it starts (Unix sockets, which the worker pool's
    pipes use, stay allowed)."""
    arch, socket_nr = _SYSCALLS[platform.machine()]
    ld, jeq, ret = 0x20, 0x15, 0x06  # BPF_LD|BPF_W|BPF_ABS, BPF_JMP|BPF_JEQ|BPF_K, BPF_RET|BPF_K
    allow, deny = 0x7FFF0000, 0x00050000 | 13  # SECCOMP_RET_ALLOW, SECCOMP_RET_ERRNO | EACCES
    program = [
        (ld, 0, 0, 4),  # seccomp_data.arch
        (jeq, 0, 5, arch),
        (ld, 0, 0, 0),  # seccomp_data.nr
        (jeq, 0, 3, socket_nr),
        (ld, 0, 0, 16),  # seccomp_data.args[0] (low half): the address family
        (jeq, 2, 0, 2),  # AF_INET
        (jeq, 1, 0, 10),  # AF_INET6
        (ret, 0, 0, allow),
        (ret, 0, 0, deny),
    ]
    code = ctypes.create_string_buffer(b"".join(struct.pack("HBBI", *insn) for insn in program))

    class SockFprog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    fprog = SockFprog(len(program), ctypes.addressof(code))
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(38, 1, 0, 0, 0) != 0:  # PR_SET_NO_NEW_PRIVS
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS)")
    if libc.prctl(22, 2, ctypes.byref(fprog), 0, 0) != 0:  # PR_SET_SECCOMP, SECCOMP_MODE_FILTER
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_SECCOMP)")


def _sandbox_works() -> str | None:
    """None when the filter can be installed here and really stops a connection, else why not."""
    if sys.platform != "linux" or platform.machine() not in _SYSCALLS:
        return "the socket filter is written for Linux on x86-64 and ARM64"
    probe = ("import socket\ntry:\n    socket.create_connection(('192.0.2.1', 9), timeout=5)\n"
             "except PermissionError:\n    print('denied')\nexcept OSError as e:\n    print('other', e)\n")
    try:
        proc = subprocess.run([sys.executable, "-c", probe], preexec_fn=_deny_ip_sockets, capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.SubprocessError) as exc:
        return f"cannot install a seccomp filter here ({exc})"
    return None if proc.stdout.strip() == "denied" else f"the socket filter does not take here ({proc.stdout}{proc.stderr})"


AUDIT_HOOK = '''\
import os, sys

_LOG = os.environ["BACKLINT_TEST_NETLOG"]
_NETWORK = {"socket.connect", "socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyaddr",
            "socket.sendto", "socket.sendmsg", "socket.bind", "socket.__new__"}


def _write(line):
    with open(_LOG, "a", encoding="utf-8") as fh:
        fh.write(line + "\\n")


def _hook(event, args):
    if event not in _NETWORK:
        return
    if event == "socket.__new__" and args[1] == 1:  # AF_UNIX: the worker pool's pipes
        return
    _write(repr((os.getpid(), " ".join(sys.argv[:2]), event, repr(args[1:]))))


_write(repr((os.getpid(), " ".join(sys.argv[:2]), "start", "")))
sys.addaudithook(_hook)
'''
"""A sitecustomize that every Python process of the scan loads (through PYTHONPATH): it logs its
start and every attempt to create an IP socket, resolve a name, bind, connect or send."""


def test_a_full_scan_needs_no_network(project: Path, reference: str, tmp_path: Path) -> None:
    reason = _sandbox_works()
    if reason is not None:
        pytest.skip(reason)
    hook_dir, home, tmpdir = tmp_path / "hook", tmp_path / "home", tmp_path / "tmp"
    for d in (hook_dir, home, tmpdir):
        d.mkdir()
    (hook_dir / "sitecustomize.py").write_text(AUDIT_HOOK)
    log = tmp_path / "net.log"
    before = _snapshot(project)
    env = {
        "PYTHONPATH": str(hook_dir), "BACKLINT_TEST_NETLOG": str(log), "PYTHONHASHSEED": "2",
        "HOME": str(home), "TMPDIR": str(tmpdir), "XDG_CACHE_HOME": str(home / ".cache"),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "HTTP_PROXY": "http://192.0.2.1:9", "HTTPS_PROXY": "http://192.0.2.1:9",  # somewhere unreachable
    }
    proc = backlint("scan", ".", "--format", "json", "--no-cache", "--jobs", "2", cwd=project, env=env,
                    preexec=_deny_ip_sockets)
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr == ""
    assert proc.stdout == reference  # semgrep's findings included: nothing degraded, nothing missing
    events = [ast.literal_eval(line) for line in log.read_text(encoding="utf-8").splitlines()]
    started = {who for _, who, event, _ in events if event == "start"}
    assert any("backlint" in who for who in started) and any("semgrep" in who for who in started), started
    attempts = [e for e in events if e[2] in ("socket.connect", "socket.getaddrinfo", "socket.gethostbyname",
                                               "socket.gethostbyaddr", "socket.sendto", "socket.sendmsg")]
    assert attempts == []
    # backlint's own processes never even create an IP socket. (semgrep's HTTP library, when it is
    # imported, makes one to ask whether IPv6 is available, and binds it to ::1: never network.)
    ours = [e for e in events if e[2] != "start" and "semgrep" not in e[1]]
    assert ours == []
    assert _snapshot(project) == before  # the tree is read, never written (no cache here)
    assert sorted(home.rglob("*")) == []  # no settings, logs or version caches in $HOME
    # semgrep's temporary directory is gone. (Importing semgrep 1.1xx creates an empty `semgrep-mcp`
    # directory in the temporary directory, whatever the command: not ours to remove.)
    assert [p.relative_to(tmpdir).as_posix() for p in sorted(tmpdir.rglob("*"))] in ([], ["semgrep-mcp"])


def test_semgrep_is_invoked_offline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Whatever the environment says: metrics off, no version check, no Pro engine or login, its
    settings and logs in a temporary directory that is removed afterwards."""
    record = tmp_path / "invocation.json"
    fake = tmp_path / "semgrep"
    fake.write_text(
        f"#!{sys.executable}\nimport json, os, sys\n"
        f"json.dump({{'argv': sys.argv, 'env': dict(os.environ), 'cwd': os.getcwd()}}, open({str(record)!r}, 'w'))\n"
        "print(json.dumps({'results': [], 'errors': [], 'paths': {'scanned': []}}))\n"
    )
    fake.chmod(0o755)
    monkeypatch.setattr(semgrep, "find_executable", lambda: str(fake))
    monkeypatch.setenv("SEMGREP_APP_TOKEN", "a-login-token-that-must-not-travel")
    monkeypatch.setenv("SEMGREP_SEND_METRICS", "on")
    monkeypatch.setenv("SEMGREP_ENABLE_VERSION_CHECK", "1")
    root = tmp_path / "repo"
    root.mkdir()
    (root / "pyproject.toml").write_text("[tool.backlint]\n")
    (root / "app.js").write_text('db.query("SELECT * FROM t WHERE id = " + id);\n')
    catalog = catalog_module.load()
    config = config_module.load([root], config_file=None, rule_options=catalog.options(), rule_ids=catalog.ids, jobs=1)
    result = engine.scan([root], config, catalog)
    assert result.notifications == []
    seen = json.loads(record.read_text())
    argv, env = seen["argv"], seen["env"]
    assert argv[1] == "scan"
    for flag in ("--metrics=off", "--disable-version-check", "--oss-only", "--no-git-ignore"):
        assert flag in argv, flag
    assert "--metrics" not in argv and not any(a.startswith("--metrics=") and a != "--metrics=off" for a in argv)
    config_file = Path(argv[argv.index("--config") + 1])
    assert not config_file.exists()  # our rules, written to a temporary directory removed afterwards
    assert argv[argv.index("--") + 1:] == ["app.js"]
    assert "SEMGREP_APP_TOKEN" not in env
    assert env["SEMGREP_SEND_METRICS"] == "off" and env["SEMGREP_ENABLE_VERSION_CHECK"] == "0"
    for name in ("SEMGREP_SETTINGS_FILE", "SEMGREP_LOG_FILE", "SEMGREP_VERSION_CACHE_PATH"):
        assert Path(env[name]).parent == config_file.parent, name
    assert Path(seen["cwd"]) == root


# -- deterministic output -------------------------------------------------------------------------

_TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d")


def _no_timestamps(text: str) -> None:
    assert not _TIMESTAMP.search(text)

    def keys(value: object) -> list[str]:
        if isinstance(value, dict):
            return [*value, *(k for v in value.values() for k in keys(v))]
        if isinstance(value, list):
            return [k for v in value for k in keys(v)]
        return []

    assert not [k for k in keys(json.loads(text)) if "time" in k.lower() or "date" in k.lower()]


def test_output_is_byte_identical_across_scans_jobs_and_cache(project: Path, reference: str, tmp_path: Path) -> None:
    """JSON and SARIF, scanned again and again: other --jobs, other hash seeds (set iteration
    order), results computed afresh or read back from the cache. (The reference was computed with
    2 jobs, the cache is filled with 1: the JSON from the cache is a second computation.)"""
    cache = str(tmp_path / "cache")

    def scan(fmt: str, jobs: int, seed: int) -> str:
        proc = backlint("scan", ".", "--format", fmt, "--jobs", str(jobs), "--cache-dir", cache, cwd=project,
                        env={"PYTHONHASHSEED": str(seed)})
        assert proc.returncode == 1, proc.stderr
        return proc.stdout

    sarif_runs = {"1 job, filling the cache": scan("sarif", 1, 5), "2 jobs, from the cache": scan("sarif", 2, 6)}
    json_runs = {"2 jobs, computed": reference, "3 jobs, from the cache": scan("json", 3, 7)}
    for runs in (json_runs, sarif_runs):
        (first, text), *others = runs.items()
        _no_timestamps(text)
        for name, other in others:
            assert other == text, f"{name} differs from {first}"
    assert list(Path(cache).rglob("*.json"))  # there was a cache for the second runs to read


# -- the documentation ----------------------------------------------------------------------------


def test_docs_security_names_only_tests_that_exist() -> None:
    """docs/security.md points at the test behind each guarantee: `tests/x.py::name`, then
    `::other` for more in the same file. Every one must exist, and every test here be named."""
    text = (ROOT / "docs" / "security.md").read_text(encoding="utf-8")
    named: dict[str, set[str]] = {}
    current = None
    for m in re.finditer(r"`(tests/[\w/]+\.py)?::(test_\w+)`", text):
        current = m.group(1) or current
        assert current is not None, m.group(0)
        named.setdefault(current, set()).add(m.group(2))
    assert len(named) >= 8
    for file, names in named.items():
        source = (ROOT / file).read_text(encoding="utf-8")
        defined = set(re.findall(r"^def (test_\w+)", source, re.M))
        assert names <= defined, f"{file}: {sorted(names - defined)}"
        if file in ("tests/test_security.py", "tests/test_security_config.py"):
            assert defined <= names, f"docs/security.md does not name {sorted(defined - names)} of {file}"
