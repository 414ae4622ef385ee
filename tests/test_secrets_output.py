"""No output ever contains a secret that BL301 found, in full or in part: not text, JSON, SARIF or
GitHub annotations, suppressed or not, not stdout, stderr, an `-o` file, a baseline, or any other
file a run leaves behind (in the project, in $HOME or in the temporary directory), and not even in
the code line of another rule's finding on the same line.

Each way of running backlint is one `Run` in RUNS; one that needs a command or option that does not
exist yet (a cache, say) is skipped until it does, so covering it is one line.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import pytest

from backlint import catalog as catalog_module
from backlint import config as config_module
from backlint import engine, report, semgrep
from backlint.cli import cli
from backlint.findings import ScanResult
from conftest import ROOT, run_cli

PY_SECRETS = {
    "app_password": "Qm8-Vw2!Lp5-zzy",
    "github": "ghp_Z9y8X7w6V5u4T3s2R1q0P9o8N7m6L5k4J3i2",
    "dsn_password": "Wy71pQ0dHn",
    "suppressed": "s3cr3t-but-suppressed-99",
    "bearer": "ghp_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8",
    "engine_dsn": "Zr83kLq0Pw",
}
PY_SOURCE = f'''import requests
from sqlalchemy import create_engine

DB_PASSWORD = "{PY_SECRETS["app_password"]}"
GITHUB = {{"token": "{PY_SECRETS["github"]}"}}
ENGINE_URL = "postgresql://app:{PY_SECRETS["dsn_password"]}@db.internal/shop"
API_SECRET = "{PY_SECRETS["suppressed"]}"  # backlint: ignore[BL301]
engine = create_engine("postgresql://app:{PY_SECRETS["engine_dsn"]}@db.internal/shop")


def fetch(url):
    # BL502 flags this line too: its code line must be masked as well
    return requests.get(url, headers={{"Authorization": "Bearer {PY_SECRETS["bearer"]}"}})
'''
PY_BL301 = 6
"""BL301 findings in PY_SOURCE, the suppressed one included."""

JS_SECRETS = {
    "cookie": "Rc5-cookie-signer-6m",
    "jwt": "Jq7 signing phrase qz31",
    "pg": "Tq4-pool-pass-wz8",
    "sequelize": "Hn2-sequelize-pw-9y",
    "js_suppressed": "a0b9c8d7e6f5a4b3c2d1",
}
JS_SOURCE = f"""const jwt = require('jsonwebtoken');
const {{ Pool }} = require('pg');
const {{ Sequelize }} = require('sequelize');

app.use(cookieParser('{JS_SECRETS["cookie"]}'));
const token = jwt.sign({{ sub: 1 }}, '{JS_SECRETS["jwt"]}', {{ expiresIn: '1h' }});
const pool = new Pool({{ host: 'db.internal', user: 'app', password: '{JS_SECRETS["pg"]}' }});
const sequelize = new Sequelize('shop', 'app', '{JS_SECRETS["sequelize"]}', {{ host: 'db.internal' }});
// backlint: ignore[BL301]
const SIGNING_KEY = '{JS_SECRETS["js_suppressed"]}';
"""
JS_BL301 = 5


def _javascript_secrets_found() -> str | None:
    """None when semgrep and a JavaScript BL301 rule are there, else why not."""
    if semgrep.find_executable() is None:
        return "semgrep is not installed"
    if not any(r.catalogue_id == "BL301" and "javascript" in r.languages for r in semgrep.load_rules(ROOT / "rules")):
        return "rules/ has no BL301 rule for JavaScript yet"
    return None


JS_SKIP = _javascript_secrets_found()
SECRETS = {**PY_SECRETS, **({} if JS_SKIP else JS_SECRETS)}


def assert_no_secret(text: str, where: str) -> None:
    for name, value in SECRETS.items():
        assert value not in text, f"{name} appears in {where}"
        assert value[:8] not in text, f"the start of {name} appears in {where}"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("secrets")
    (root / "pyproject.toml").write_text("[tool.backlint]\n")
    (root / "settings.py").write_text(PY_SOURCE)
    (root / "web").mkdir()
    (root / "web" / "server.js").write_text(JS_SOURCE)
    return root


# -- every format, in this process ----------------------------------------------------------------


@pytest.fixture(scope="module")
def result(project: Path) -> ScanResult:
    catalog = catalog_module.load()
    config = config_module.load([project], config_file=None, rule_options=catalog.options(), rule_ids=catalog.ids, jobs=2)
    return engine.scan([project], config, catalog)


def test_every_secret_is_found(result: ScanResult) -> None:
    found = [f for f in result.findings if f.rule_id == "BL301"]
    assert sum(1 for f in found if f.path == "settings.py") == PY_BL301
    assert any(f.rule_id == "BL502" and f.path == "settings.py" for f in result.findings)
    if JS_SKIP:
        pytest.skip(JS_SKIP)
    assert sum(1 for f in found if f.path == "web/server.js") == JS_BL301


@pytest.mark.parametrize("fmt", report.FORMATS)
@pytest.mark.parametrize("include_suppressed", [False, True], ids=["plain", "include-suppressed"])
def test_secrets_never_rendered(result: ScanResult, fmt: str, include_suppressed: bool) -> None:
    out = report.render(fmt, result, catalog_module.load(), include_suppressed=include_suppressed)
    assert "BL301" in out
    assert_no_secret(out, f"{fmt} output")


def _baseline(result: ScanResult) -> str:
    from backlint import baseline

    return baseline.dumps(result.findings)


def _cache_entry(result: ScanResult) -> str:
    from backlint import cache

    return json.dumps(cache.Entry(tuple(result.findings), tuple(result.notifications), result.lines_scanned).to_json())


WRITERS = {"baseline": _baseline, "cache entry": _cache_entry}
"""Other things written from a scan's findings (a cache, ...): name -> result -> text."""


@pytest.mark.parametrize("name", sorted(WRITERS))
def test_secrets_never_written(result: ScanResult, name: str) -> None:
    try:
        text = WRITERS[name](result)
    except (ImportError, AttributeError) as exc:
        pytest.skip(f"no {name} yet ({exc})")
    assert_no_secret(text, name)


def test_the_secrets_are_not_in_the_documentation() -> None:
    """Otherwise the rule help in SARIF would hold them, and the tests above would prove nothing."""
    from backlint import docs

    text = "".join(docs.render_markdown(info) for info in catalog_module.load().rules)
    assert_no_secret(text, "the rule documentation")


def test_secrets_are_not_in_any_finding_field(result: ScanResult) -> None:
    """Code lines, messages, related locations, fixes: all of it reaches some format."""
    for f in result.findings:
        assert_no_secret(repr(f), f"{f.rule_id} at {f.path}:{f.region.start_line}")
    for n in result.notifications:
        assert_no_secret(repr(n), "a notification")


# -- every way of running it, as a user does -------------------------------------------------------


@dataclass(frozen=True)
class Run:
    """One command line. `{out}` is a file in a fresh directory; `{baseline}` a baseline written
    first by `backlint baseline`. `needs` are commands or `command --option`s it takes."""

    name: str
    args: tuple[str, ...]
    needs: tuple[str, ...] = ()

    def missing(self) -> str | None:
        for need in self.needs:
            command, _, option = need.partition(" ")
            if command not in cli.commands:  # type: ignore[attr-defined]
                return f"backlint has no `{command}` command yet"
            if option and not any(option in p.opts for p in cli.commands[command].params):  # type: ignore[attr-defined]
                return f"`backlint {command}` has no {option} option yet"
        return None


RUNS = [
    Run("text", ("scan", ".", "--include-suppressed")),
    Run("sarif -o", ("scan", ".", "--format", "sarif", "--include-suppressed", "-o", "{out}")),
    # The Python file only (semgrep takes seconds to start; the formats of its findings are covered above):
    Run("text, quiet", ("scan", "settings.py", "-q")),
    Run("json -o", ("scan", "settings.py", "--format", "json", "--include-suppressed", "-o", "{out}")),
    Run("github", ("scan", "settings.py", "--format", "github")),
    Run("baseline -o", ("baseline", "settings.py", "-o", "{out}"), needs=("baseline",)),
    Run("json, cache in --cache-dir", ("scan", "settings.py", "--format", "json", "--cache-dir", "{cache}"), needs=("scan --cache-dir",)),
    Run("baseline, cache in --cache-dir", ("baseline", "settings.py", "--cache-dir", "{cache}"), needs=("baseline --cache-dir",)),
    Run("sarif with baseline", ("scan", "settings.py", "--format", "sarif", "--baseline", "{baseline}", "--include-unchanged"),
        needs=("baseline", "scan --baseline", "scan --include-unchanged")),
]


def _files(root: Path) -> dict[Path, bytes]:
    out = {}
    for path in root.rglob("*"):
        if path.is_file() and not path.is_symlink():
            try:
                out[path] = path.read_bytes()
            except OSError:
                pass
    return out


@pytest.mark.parametrize("run", RUNS, ids=[r.name for r in RUNS])
def test_secrets_never_leave(project: Path, tmp_path: Path, run: Run) -> None:
    reason = run.missing()
    if reason is not None:
        pytest.skip(reason)
    home, tmpdir, outdir = tmp_path / "home", tmp_path / "tmp", tmp_path / "out"
    for d in (home, tmpdir, outdir):
        d.mkdir()
    env = {"HOME": str(home), "TMPDIR": str(tmpdir), "XDG_CACHE_HOME": str(home / ".cache")}
    before = _files(project)
    printed = ""
    if "{baseline}" in " ".join(run.args):
        proc = run_cli("baseline", *run.args[1:2], "-o", str(outdir / "baseline.json"), cwd=project, env=env)
        assert proc.returncode in (0, 1), proc.stderr
        printed += proc.stdout + proc.stderr
    args = [a.format(out=outdir / "report", baseline=outdir / "baseline.json", cache=outdir / "cache") for a in run.args]
    proc = run_cli(*args, cwd=project, env=env)
    assert proc.returncode in (0, 1), proc.stderr
    printed += proc.stdout + proc.stderr
    assert_no_secret(printed, "stdout or stderr")
    written = {p: data for p, data in _files(project).items() if before.get(p) != data}
    for root in (home, tmpdir, outdir):
        written.update(_files(root))
    for path, data in written.items():
        assert_no_secret(data.decode("utf-8", "replace"), str(path))
    assert "BL301" in printed or any(b"BL301" in data for data in written.values()) or run.name.startswith("baseline")
    assert not _files(tmpdir), f"left behind in the temporary directory: {sorted(_files(tmpdir))}"
    if os.name == "posix":
        assert not list(project.glob("**/.*.tmp"))


def test_secrets_never_cached(project: Path, tmp_path: Path) -> None:
    """The result cache (on by default from the command line), in the project's `.backlint_cache/`
    and in a `--cache-dir`: it holds the BL301 findings, suppressed ones included, only masked; and a
    report read back from it is the same masked report."""
    cache_dir = tmp_path / "cache"
    reports = []
    for args in ([], ["--cache-dir", str(cache_dir)], ["--cache-dir", str(cache_dir)]):  # default; cold; warm
        proc = run_cli("scan", ".", "--format", "json", "--include-suppressed", *args, cwd=project)
        assert proc.returncode == 1, proc.stderr
        assert_no_secret(proc.stdout + proc.stderr, "a report")
        reports.append(proc.stdout)
    assert reports[0] == reports[1] == reports[2]
    for directory in (project / ".backlint_cache", cache_dir):
        stored = "".join(p.read_text(encoding="utf-8") for p in sorted(directory.rglob("*")) if p.is_file())
        assert stored.count('"rule_id":"BL301"') >= PY_BL301 + (0 if JS_SKIP else JS_BL301), f"{directory} holds no secret findings"
        assert_no_secret(stored, f"the cache in {directory}")
