"""Configuration errors: whatever a repository's pyproject.toml holds (malformed TOML, unknown keys
and rule ids, values of the wrong type, bytes that are not UTF-8, a file nobody may read), a scan
stops with exit code 2 and one line on stderr that names the file and the key, never a traceback
and never a silently ignored setting. tests/test_cli.py has one example of each kind; here the
unreadable files, and generated configurations by the hundred."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backlint import catalog as catalog_module
from backlint.cli import cli
from conftest import run_cli
from test_hostile import _drop_file_capabilities, _unprivileged_can_be_denied

CATALOG = catalog_module.load()
CI = settings(derandomize=True, database=None, deadline=None, max_examples=150,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


def _scan(root: Path, *args: str) -> tuple[int, str]:
    """Exit code and stderr of `backlint scan ROOT ARGS` in this process."""
    outcome = CliRunner().invoke(cli, ["scan", str(root), "--no-cache", *args])
    assert outcome.exception is None or isinstance(outcome.exception, SystemExit), repr(outcome.exception)
    return outcome.exit_code, outcome.stderr


def assert_one_line_error(stderr: str, config_file: Path, key: str | None = None) -> None:
    assert stderr.startswith("backlint: error: ") and stderr.endswith("\n"), stderr
    assert len(stderr.splitlines()) == 1, stderr
    assert str(config_file) in stderr, stderr
    if key is not None:
        assert key in stderr, stderr
    assert "Traceback" not in stderr


# -- unreadable ------------------------------------------------------------------------------------


@pytest.mark.parametrize("how", ["found", "--config", "baseline"])
def test_an_unreadable_configuration_is_exit_2_naming_the_file(tmp_path: Path, how: str) -> None:
    reason = _unprivileged_can_be_denied(tmp_path)
    if reason is not None:
        pytest.skip(reason)
    (tmp_path / "app.py").write_text("x = 1\n")
    config = tmp_path / ("pyproject.toml" if how != "--config" else "backlint.toml")
    config.write_text("[tool.backlint]\nselect = ['BL1']\n")
    config.chmod(0)
    args = {"found": ["scan", "."], "--config": ["scan", ".", "--config", config.name], "baseline": ["baseline", "."]}[how]
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "backlint", *args, "--no-cache"], cwd=tmp_path, capture_output=True, text=True,
            timeout=120, preexec_fn=_drop_file_capabilities if os.geteuid() == 0 else None,
        )
    finally:
        config.chmod(0o644)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert_one_line_error(proc.stderr, config)
    assert "cannot read configuration" in proc.stderr
    assert proc.stdout == ""


@pytest.mark.parametrize(
    "raw,fragment",
    [
        (b"[tool.backlint]\nselect = ['BL1']  # caf\xe9\n", "configuration is not UTF-8"),
        (b"[tool.backlint]\nselect = " + b"[" * 100_000, "malformed TOML"),  # deeper than the parser can go
        (b"[tool.backlint]\nselect = ['BL1']\nselect = ['BL2']\n", "malformed TOML"),  # a key twice
        (b"[tool.backlint]\nfail-on = \"error\x00\"\n", "malformed TOML"),
        (b"\xef\xbb\xbf[tool.backlint]\nselect = ['BL1']\n", "malformed TOML"),  # TOML has no byte-order mark
        (b"[tool.backlint]\nextend-exclude = ['[z-a]']\n", "extend-exclude: not a valid gitignore-style pattern"),
    ],
    ids=["latin-1", "deep", "duplicate-key", "nul", "bom", "bad-pattern"],
)
def test_malformed_configuration_is_exit_2(tmp_path: Path, raw: bytes, fragment: str) -> None:
    (tmp_path / "pyproject.toml").write_bytes(raw)
    code, stderr = _scan(tmp_path)
    assert code == 2, stderr
    assert_one_line_error(stderr, tmp_path / "pyproject.toml")
    assert fragment in stderr


@pytest.mark.parametrize(
    "toml,key",
    [
        ('[tool.backlint.rules."BL101\\nBL102"]\nstrict = true\n', "rules."),
        ('[tool.backlint]\nper-file-ignores = { "a\\nb/*" = ["NOPE"] }\n', "per-file-ignores."),
        ('[tool.backlint]\n"sel\\rect" = ["BL1"]\n', "unknown key"),
        ('[tool.backlint]\nselect = ["BL1\\n\\u001b[2J"]\n', "select"),
        ('[tool.backlint.rules.BL101]\n"str\\nict" = true\n', "rules.BL101"),
    ],
    ids=["rule-id", "pattern", "key", "value", "option"],
)
def test_line_breaks_in_keys_and_values_stay_on_one_line(tmp_path: Path, toml: str, key: str) -> None:
    """A message quotes what the file says: a key or value with a line break or an escape sequence
    in it must not split the message or reach the terminal raw."""
    (tmp_path / "pyproject.toml").write_text(toml)
    code, stderr = _scan(tmp_path)
    assert code == 2, stderr
    assert_one_line_error(stderr, tmp_path / "pyproject.toml", key)
    assert "\x1b" not in stderr and "\r" not in stderr


def test_a_configuration_path_with_a_line_break_stays_on_one_line(tmp_path: Path) -> None:
    root = tmp_path / "odd\nname"
    root.mkdir()
    (root / "pyproject.toml").write_text("[tool.backlint]\nselekt = ['BL1']\n")
    code, stderr = _scan(root)
    assert code == 2
    assert len(stderr.splitlines()) == 1, stderr
    assert "selekt" in stderr and "pyproject.toml" in stderr


# -- generated configurations ----------------------------------------------------------------------


def _toml_string(value: str) -> str:
    return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf") if math.isinf(value) else repr(value)
    if isinstance(value, str):
        return _toml_string(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return "{" + ", ".join(f"{_toml_string(k)} = {_toml(v)}" for k, v in value.items()) + "}"


RULE_IDS = [info.id for info in CATALOG.rules]
OPTIONS = sorted({name for info in CATALOG.rules for name in info.options})
KEYS = ["select", "ignore", "exclude", "extend-exclude", "per-file-ignores", "fail-on", "max-file-size",
        "per-file-timeout", "respect-gitignore", "jobs"]

text = st.text(max_size=12)
ids = st.one_of(st.sampled_from(RULE_IDS + ["BL", "BL1", "bl3", "BL999", "XYZ", ""]), text)
scalars = st.one_of(
    st.booleans(), st.integers(-(2**63), 2**63 - 1), st.floats(), text, ids,
    st.sampled_from(["error", "warning", "note", "never", "1 MiB", "2 gb", "0", "-1 kb", "1.5 KiB", "*.py", "!", "[z-a]", "**/"]),
)
values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(text, inner, max_size=3)),
                      max_leaves=8)
rule_tables = st.dictionaries(ids, st.dictionaries(st.one_of(st.sampled_from(OPTIONS), text), values, max_size=3), max_size=3)
tables = st.dictionaries(st.one_of(st.sampled_from(KEYS), text), values, max_size=4)


@CI
@given(table=tables, rules=rule_tables)
def test_generated_configurations_are_accepted_or_one_line_errors(tmp_path: Path, table: dict, rules: dict) -> None:
    """Any table of keys and values a pyproject.toml can hold: exit 0 (an empty tree), or exit 2
    with one line naming the file; never a traceback."""
    lines = ["[tool.backlint]"] + [f"{_toml_string(k)} = {_toml(v)}" for k, v in table.items()]
    for rule_id, options in rules.items():
        lines.append(f"[tool.backlint.rules.{_toml_string(rule_id)}]")
        lines += [f"{_toml_string(k)} = {_toml(v)}" for k, v in options.items()]
    config = tmp_path / "pyproject.toml"
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, stderr = _scan(tmp_path)
    assert code in (0, 2), stderr
    if code == 2:
        assert_one_line_error(stderr, config)
    else:
        assert stderr == ""


@CI
@given(tail=st.text(alphabet=st.sampled_from(list("[]{}=\"'.,#\n\\ abBL1-_:\t0") + ["\x00", "é", "\r"]), max_size=60))
def test_generated_malformed_toml_is_a_one_line_error(tmp_path: Path, tail: str) -> None:
    config = tmp_path / "pyproject.toml"
    config.write_text("[tool.backlint]\n" + tail, encoding="utf-8")
    code, stderr = _scan(tmp_path)
    assert code in (0, 2), stderr
    if code == 2:
        assert_one_line_error(stderr, config)


def test_the_same_errors_from_a_subprocess_and_the_baseline_command(tmp_path: Path) -> None:
    """What a user sees: the real entry point, for both commands that read configuration."""
    (tmp_path / "pyproject.toml").write_text("[tool.backlint.rules.BL101]\nstrict = 'yes'\n")
    for command in ("scan", "baseline"):
        proc = run_cli(command, ".", cwd=tmp_path)
        assert proc.returncode == 2, proc.stderr
        assert_one_line_error(proc.stderr, tmp_path / "pyproject.toml", "rules.BL101.strict")
        assert proc.stdout == ""
