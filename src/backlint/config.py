"""Configuration: `[tool.backlint]` in pyproject.toml plus command-line overrides -> one frozen Config.

Every key is checked: an unknown key, a value of the wrong type or an unknown rule id is a
`ConfigError` (exit code 2) whose one-line message names the file and the key. Nothing is
silently ignored.

    [tool.backlint]
    select = ["BL"]                     # ids or prefixes
    ignore = ["BL302"]
    exclude = [...]                     # replaces the default excludes (gitignore syntax)
    extend-exclude = ["legacy/"]        # adds to them
    per-file-ignores = { "scripts/*" = ["BL301"] }
    fail-on = "warning"                 # error | warning | note | never
    max-file-size = "1 MiB"             # bytes, or a size with a unit
    per-file-timeout = 20               # seconds
    respect-gitignore = true

    [tool.backlint.rules.BL401]
    max-statements = 40
"""

from __future__ import annotations

import math
import os
import re
import sys
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import pathspec

from backlint.findings import Level

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

DEFAULT_EXCLUDES: tuple[str, ...] = (
    ".git/", ".hg/", ".svn/", ".venv/", "venv/", "env/", ".env/", "node_modules/", "build/", "dist/",
    "__pycache__/", "site-packages/", ".tox/", ".nox/", ".mypy_cache/", ".pytest_cache/", ".ruff_cache/",
    ".backlint_cache/", ".eggs/", "*.egg-info/", "bower_components/", "vendor/", "_vendor/", "third_party/", "third-party/",
    "3rd-party/", "3rdparty/", "*.min.js", "*.bundle.js", ".vite/", ".next/", ".nuxt/", ".svelte-kit/", ".angular/",
    ".parcel-cache/", ".turbo/",
)
"""Virtual environments, build output, caches (also JavaScript tools' build caches: Vite's pre-bundled
dependencies in `.vite/`, Next's `.next/`) and vendored third-party code (as semgrep's and ruff's
defaults leave out): nobody reviews those in a pull request."""
DEFAULT_MAX_FILE_SIZE = 1024 * 1024
DEFAULT_TIMEOUT = 20.0
FAIL_ON = ("error", "warning", "note", "never")


class ConfigError(Exception):
    """A usage or configuration error; the message is one line naming the bad option or key."""


@dataclass(frozen=True)
class Config:
    root: Path
    """The project root: every reported path is relative to it."""
    config_file: Path | None = None
    select: tuple[str, ...] = ("BL",)
    ignore: tuple[str, ...] = ()
    exclude: tuple[str, ...] = DEFAULT_EXCLUDES
    extend_exclude: tuple[str, ...] = ()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    fail_on: str = "note"
    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    per_file_timeout: float = DEFAULT_TIMEOUT
    respect_gitignore: bool = True
    rule_options: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    jobs: int | None = None

    @property
    def fail_level(self) -> Level | None:
        return None if self.fail_on == "never" else Level(self.fail_on)

    def enabled(self, rule_ids: Iterable[str]) -> list[str]:
        """The ids among `rule_ids` that select/ignore leave enabled (the most specific entry wins)."""
        return [rid for rid in rule_ids if _selected(rid, self.select, self.ignore)]

    def options_for(self, rule_id: str, declared: Mapping[str, Any]) -> dict[str, Any]:
        """The rule's effective options: its declared defaults overridden by configuration."""
        values = {name: opt.default for name, opt in declared.items()}
        values.update(self.rule_options.get(rule_id, {}))
        return values


def _selected(rule_id: str, select: Sequence[str], ignore: Sequence[str]) -> bool:
    best_select = max((len(p) for p in select if rule_id.startswith(p)), default=-1)
    best_ignore = max((len(p) for p in ignore if rule_id.startswith(p)), default=-1)
    return best_select >= 0 and best_select > best_ignore


# ---------------------------------------------------------------------------------------------
# Loading


def find_config(start: Path) -> Path | None:
    """The nearest pyproject.toml with a [tool.backlint] table at or above `start`."""
    current = start if _is_dir(start) else start.parent
    for directory in (current, *current.parents):
        candidate = directory / "pyproject.toml"
        if _is_file(candidate):
            tool = _read_toml(candidate).get("tool")
            if isinstance(tool, dict) and "backlint" in tool:
                return candidate
    return None


def _is_file(path: Path) -> bool:
    """Whether `path` is a regular file (a directory we may not search is just not one)."""
    try:
        return path.is_file()
    except OSError:
        return False


def _is_dir(path: Path) -> bool:
    try:
        return path.is_dir()
    except OSError:
        return False


def project_root(paths: Sequence[Path], config_file: Path | None) -> Path:
    """The root a scan of `paths` reports relative to (as `load` finds it, without reading the
    configuration): the directory of the configuration file, else `find_root`."""
    if config_file is not None:
        return config_file.resolve().parent
    first = (paths[0] if paths else Path(".")).resolve()
    found = find_config(first)
    return found.parent if found is not None else find_root(first)


def find_root(start: Path) -> Path:
    """Where paths are relative to when no configuration says: the enclosing git work tree, or
    the current directory when `start` is inside it, or `start` itself."""
    current = start if start.is_dir() else start.parent
    for directory in (current, *current.parents):
        if (directory / ".git").exists():
            return directory
    cwd = Path.cwd().resolve()
    if current == cwd or cwd in current.parents:
        return cwd
    return current


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read configuration ({exc.strerror or exc})") from None
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: configuration is not UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: malformed TOML ({exc})") from None
    except RecursionError:
        raise ConfigError(f"{path}: malformed TOML (nested too deeply)") from None


_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(b|kb|kib|mb|mib|gb|gib)?\s*$", re.I)
_UNITS = {"b": 1, "kb": 1000, "kib": 1024, "mb": 1000**2, "mib": 1024**2, "gb": 1000**3, "gib": 1024**3}


def _size(value: Any, where: str) -> int:
    if isinstance(value, bool):
        raise ConfigError(f"{where}: expected a size in bytes or like \"2 MiB\"")
    if isinstance(value, int) and value > 0:
        return value
    if isinstance(value, str):
        m = _SIZE.match(value)
        size = int(float(m.group(1)) * _UNITS[(m.group(2) or "b").lower()]) if m else 0
        if size > 0:
            return size
    raise ConfigError(f"{where}: expected a size in bytes or like \"2 MiB\", got {value!r}")


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where}: expected a list of strings, got {value!r}")
    return tuple(value)


def _patterns(value: Any, where: str) -> tuple[str, ...]:
    """A list of gitignore-style patterns, each checked now (not when the scan meets it)."""
    patterns = _strings(value, where)
    for pattern in patterns:
        _check_pattern(pattern, where)
    return patterns


def _check_pattern(pattern: str, where: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            pathspec.GitIgnoreSpec.from_lines([pattern])
        except (ValueError, re.error):
            raise ConfigError(f"{where}: not a valid gitignore-style pattern: {pattern!r}") from None


def check_rule_ids(values: Sequence[str], known: Sequence[str], where: str) -> tuple[str, ...]:
    out = []
    for v in values:
        code = v.strip().upper()
        if not code:
            continue
        if not any(rid.startswith(code) for rid in known):
            raise ConfigError(f"{where}: unknown rule id or prefix {v!r} (see `backlint rules`)")
        out.append(code)
    return tuple(out)


_KEYS = {
    "select", "ignore", "exclude", "extend-exclude", "per-file-ignores", "fail-on", "max-file-size",
    "per-file-timeout", "respect-gitignore", "rules", "jobs",
}


def load(
    paths: Sequence[Path],
    *,
    config_file: Path | None,
    rule_options: Mapping[str, Mapping[str, Any]],
    rule_ids: Sequence[str],
    select: Sequence[str] | None = None,
    ignore: Sequence[str] = (),
    fail_on: str | None = None,
    jobs: int | None = None,
) -> Config:
    """Build the Config for a scan of `paths`.

    `rule_options` maps each rule id to its declared options (name -> Option); `rule_ids` are
    all known ids. CLI values, when given, override the file's.
    """
    first = (paths[0] if paths else Path(".")).resolve()
    if config_file is not None:
        config_file = config_file.resolve()
        if not _is_file(config_file):
            raise ConfigError(f"--config: {'not a file' if os.path.exists(config_file) else 'no such file'}: {config_file}")
        data = _read_toml(config_file)
        tool = data.get("tool", {})
        if not isinstance(tool, dict):
            raise ConfigError(f"{config_file}: [tool]: expected a table")
        table = tool.get("backlint", data if config_file.name != "pyproject.toml" else {})
        root = config_file.parent
    else:
        config_file = find_config(first)
        table = _read_toml(config_file)["tool"]["backlint"] if config_file is not None else {}
        root = project_root(paths, None)
    where = f"{config_file}: [tool.backlint]" if config_file is not None else "configuration"
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: expected a table")
    unknown = sorted(set(table) - _KEYS)
    if unknown:
        raise ConfigError(f"{where}: unknown key {unknown[0]!r}")

    kwargs: dict[str, Any] = {"root": root, "config_file": config_file}
    if "select" in table:
        kwargs["select"] = check_rule_ids(_strings(table["select"], f"{where} select"), rule_ids, f"{where} select")
    if "ignore" in table:
        kwargs["ignore"] = check_rule_ids(_strings(table["ignore"], f"{where} ignore"), rule_ids, f"{where} ignore")
    if "exclude" in table:
        kwargs["exclude"] = _patterns(table["exclude"], f"{where} exclude")
    if "extend-exclude" in table:
        kwargs["extend_exclude"] = _patterns(table["extend-exclude"], f"{where} extend-exclude")
    if "per-file-ignores" in table:
        pfi = table["per-file-ignores"]
        if not isinstance(pfi, dict):
            raise ConfigError(f"{where} per-file-ignores: expected a table of pattern = [ids]")
        for pattern in pfi:
            _check_pattern(pattern, f"{where} per-file-ignores")
        kwargs["per_file_ignores"] = tuple(
            (pattern, check_rule_ids(_strings(ids, f"{where} per-file-ignores.{pattern}"), rule_ids, f"{where} per-file-ignores.{pattern}"))
            for pattern, ids in sorted(pfi.items())
        )
    if "fail-on" in table:
        value = table["fail-on"]
        if value not in FAIL_ON:
            raise ConfigError(f"{where} fail-on: expected one of {', '.join(FAIL_ON)}, got {value!r}")
        kwargs["fail_on"] = value
    if "max-file-size" in table:
        kwargs["max_file_size"] = _size(table["max-file-size"], f"{where} max-file-size")
    if "per-file-timeout" in table:
        value = table["per-file-timeout"]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < math.inf:
            raise ConfigError(f"{where} per-file-timeout: expected a positive number of seconds, got {value!r}")
        kwargs["per_file_timeout"] = float(value)
    if "respect-gitignore" in table:
        value = table["respect-gitignore"]
        if not isinstance(value, bool):
            raise ConfigError(f"{where} respect-gitignore: expected true or false, got {value!r}")
        kwargs["respect_gitignore"] = value
    if "jobs" in table:
        kwargs["jobs"] = _jobs(table["jobs"], f"{where} jobs")
    kwargs["rule_options"] = _rule_options(table.get("rules", {}), rule_options, rule_ids, where)

    if select is not None:
        kwargs["select"] = check_rule_ids(select, rule_ids, "--select")
    if ignore:
        kwargs["ignore"] = tuple(kwargs.get("ignore", ())) + check_rule_ids(ignore, rule_ids, "--ignore")
    if fail_on is not None:
        kwargs["fail_on"] = fail_on
    if jobs is not None:
        kwargs["jobs"] = _jobs(jobs, "--jobs")
    return Config(**kwargs)


def _jobs(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(f"{where}: expected a positive integer, got {value!r}")
    return value


def _rule_options(
    table: Any, declared: Mapping[str, Mapping[str, Any]], rule_ids: Sequence[str], where: str
) -> dict[str, dict[str, Any]]:
    if not isinstance(table, dict):
        raise ConfigError(f"{where} rules: expected a table of rule ids")
    out: dict[str, dict[str, Any]] = {}
    for rule_id, options in table.items():
        if rule_id not in rule_ids:
            raise ConfigError(f"{where} rules.{rule_id}: unknown rule id")
        if not isinstance(options, dict):
            raise ConfigError(f"{where} rules.{rule_id}: expected a table of options")
        known = declared.get(rule_id, {})
        values: dict[str, Any] = {}
        for key, value in options.items():
            if key not in known:
                choices = ", ".join(sorted(known)) or "none"
                raise ConfigError(f"{where} rules.{rule_id}: unknown option {key!r} (options: {choices})")
            try:
                values[key] = known[key].validate(value)
            except ValueError as exc:
                raise ConfigError(f"{where} rules.{rule_id}.{key}: {exc}, got {value!r}") from None
        out[rule_id] = values
    return out


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)
