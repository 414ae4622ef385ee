"""The semgrep engine: YAML pattern rules, run once per scan beside the libcst pass.

Each YAML rule's `id` starts with the catalogue id it belongs to (`BL101`, `BL101-js-template-literal`);
its `metadata` carries the catalogue fields (`name`, `summary`, `rationale`, `cwe_ids`, `level`,
`confidence`, `references`...).

`start()` launches one semgrep process for the whole scan before the Python workers start, so
semgrep's start-up (several seconds) overlaps the libcst pass; `Handle.collect()` waits for it and
turns its JSON into the same Findings and Notifications the libcst rules produce:

* Only rules whose catalogue id is enabled run (they are written into one temporary config), and
  only files in a language one of them is for; nothing starts when no such file is present.
* semgrep is called with an argument list and flags that keep it offline and deterministic (see
  `_command`); its settings, log and version cache go to a temporary directory, never to ~/.semgrep.
* Targets are the files discovery chose, named explicitly (explicit paths bypass semgrep's own
  .gitignore/.semgrepignore filters). A very long list is split into several runs, one after another,
  so the command line never overflows. `.mts`/`.cts` files, whose suffixes semgrep does not know, are
  scanned through `.ts` copies.
* semgrep's `col` and `offset` count UTF-8 bytes (a byte-order mark included). Regions are recomputed
  from the file's text in characters and UTF-16 code units, like every other finding.
* Level: the catalogue level of the id, lowered to the YAML rule's `severity` when that is lower
  (`INFO` -> note, `WARNING` -> warning): a less certain pattern may report below its rule's level,
  never above it, so SARIF's default level stays the highest a rule reports.
* Suppressions: `// backlint: ignore[BL101]` or `/* backlint: ignore */` on the finding's first line
  or on a comment-only line just above it. semgrep's own `nosemgrep` comments do not suppress
  backlint findings, as a bare `# noqa` does not.
* Secrets: for rules in `SECRET_RULES` the string literals of the match are masked in the code line
  and in the message (semgrep interpolates metavariables into messages).
* semgrep missing, crashing, or running past its time limit is a notification; its per-file errors
  (syntax errors, timeouts) are notifications on those files. The libcst results are never affected.
"""

from __future__ import annotations

import codecs
import functools
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Iterator, Mapping, Sequence


from backlint import lines, suppressions
from backlint.catalog import RuleInfo
from backlint.config import Config, default_jobs
from backlint.discovery import Target
from backlint.findings import Finding, Level, Notification, NotificationKind
from backlint.fingerprints import finding_fingerprint, line_hashes

_CATALOGUE_ID = re.compile(r"^(BL\d{3})\b")

SECRET_RULES = frozenset({"BL301"})
"""Catalogue ids whose matches contain secrets: their string literals never reach any output."""

TIME_LIMIT_BASE = 120.0
TIME_LIMIT_PER_FILE = 0.5
"""The whole semgrep run may take this long (seconds, plus so much per file) before it is stopped.
semgrep needs about 4 s to start and a few milliseconds per ordinary file; the limit only catches
a hung process (each file's own limit is `per-file-timeout`, passed to semgrep)."""

_LANGUAGES = {
    "javascript": "javascript", "js": "javascript", "typescript": "typescript", "ts": "typescript",
    "python": "python", "py": "python", "python3": "python",
}
"""semgrep's language names -> discovery's `Target.language`."""
_LABELS = {"javascript": "JavaScript", "typescript": "TypeScript", "python": "Python"}
_SEVERITY = {
    "ERROR": Level.ERROR, "CRITICAL": Level.ERROR, "HIGH": Level.ERROR,
    "WARNING": Level.WARNING, "MEDIUM": Level.WARNING,
    "INFO": Level.NOTE, "LOW": Level.NOTE,
}
_ALIASED_SUFFIXES = frozenset({".mts", ".cts"})
"""TypeScript suffixes semgrep does not recognise: such files are scanned as `.ts` copies."""
_STRING = re.compile(r"""(["'`])((?:\\.|(?!\1)[^\\\n])*)(\1|$)""", re.M)
_SYNTAX_LINE = re.compile(r"at line .*?:(\d+)")


def _yaml_load(text: str) -> Any:
    """Parse YAML (the module is imported when a scan first needs the YAML rules)."""
    import yaml

    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def catalogue_id(semgrep_id: str) -> str | None:
    """`BL101` for `BL101-js-template-literal` (semgrep may prefix ids with a path: take the tail)."""
    m = _CATALOGUE_ID.match(semgrep_id.rsplit(".", 1)[-1])
    return m.group(1) if m else None


def rule_files(rules_dir: Path) -> list[Path]:
    """The YAML rule files under `rules_dir` (semgrep test files beside them are not rules)."""
    return sorted(p for p in rules_dir.rglob("*.y*ml") if p.suffix in (".yaml", ".yml"))


@dataclass(frozen=True)
class YamlRule:
    path: Path
    catalogue_id: str
    data: Mapping[str, Any]
    """The rule as written (`id`, `languages`, `patterns`, `metadata`...)."""

    @property
    def languages(self) -> frozenset[str]:
        """The discovery languages the rule reads (languages backlint does not scan are left out)."""
        return frozenset(_LANGUAGES[lang] for lang in self.data.get("languages", ()) if lang in _LANGUAGES)


@functools.lru_cache(maxsize=8)
def load_rules(rules_dir: Path) -> tuple[YamlRule, ...]:
    """Every YAML rule under `rules_dir` whose id starts with a catalogue id, in file order.

    Read once per process: the catalogue and the scan both need them."""
    out: list[YamlRule] = []
    for path in rule_files(rules_dir):
        data = _yaml_load(path.read_text(encoding="utf-8")) or {}
        for rule in data.get("rules", ()):
            rid = catalogue_id(str(rule.get("id", "")))
            if rid is not None:
                out.append(YamlRule(path, rid, rule))
    return tuple(out)


def load_rule_metadata(rules_dir: Path) -> dict[str, list[tuple[Path, str, Mapping[str, Any]]]]:
    """Catalogue id -> [(file, semgrep rule id, metadata with `languages`)] for every YAML rule."""
    out: dict[str, list[tuple[Path, str, Mapping[str, Any]]]] = {}
    for rule in load_rules(rules_dir):
        meta = dict(rule.data.get("metadata") or {})
        meta["languages"] = tuple(rule.data.get("languages", ()))
        out.setdefault(rule.catalogue_id, []).append((rule.path, str(rule.data["id"]), meta))
    return out


# -- finding the executable ----------------------------------------------------------------------


def _install_dirs() -> list[str]:
    """Where pip put semgrep when it installed backlint: beside this Python, or its scripts dir."""
    dirs = [os.path.dirname(sys.executable), sysconfig.get_path("scripts")]
    return [d for i, d in enumerate(dirs) if d and d not in dirs[:i]]


def find_executable() -> str | None:
    """The semgrep of backlint's own environment first (the version it was tested with), else PATH's."""
    for directory in _install_dirs():
        found = shutil.which("semgrep", path=directory)
        if found:
            return found
    return shutil.which("semgrep")


# -- running it ----------------------------------------------------------------------------------


@dataclass
class Outcome:
    """What the semgrep engine contributes to a scan."""

    findings: list[Finding] = field(default_factory=list)
    notifications: list[Notification] = field(default_factory=list)
    files_scanned: int = 0
    lines_scanned: int = 0
    """Files semgrep read that the Python pass does not count, and their lines."""


def start(
    targets: Sequence[Target],
    rules_dir: Path | None,
    rules: Sequence[RuleInfo],
    config: Config,
    disabled: Mapping[str, frozenset[str]] | None = None,
) -> Handle | None:
    """Start semgrep on the `targets` some enabled YAML rule reads, or return None when there are none.

    `rules` are the enabled rules of the catalogue; `disabled` maps a target's relative path to the
    ids per-file-ignores switch off there.
    """
    if not targets:
        return None  # (and the YAML rules are not even read)
    disabled = disabled or {}
    infos = {info.id: info for info in rules}
    yaml_rules = [r for r in load_rules(rules_dir) if r.catalogue_id in infos] if rules_dir is not None else []
    ids_by_language: dict[str, set[str]] = {}
    for rule in yaml_rules:
        for language in rule.languages:
            ids_by_language.setdefault(language, set()).add(rule.catalogue_id)
    # A target deleted since discovery would make semgrep reject the whole command line.
    chosen = [
        t for t in targets
        if ids_by_language.get(t.language, set()) - disabled.get(t.rel, frozenset()) and os.path.exists(t.path)
    ]
    if not chosen:
        return None
    return Handle(find_executable(), yaml_rules, chosen, infos, config, disabled)


class Handle:
    """A semgrep scan under way: one process at a time, one per batch of targets."""

    def __init__(
        self,
        executable: str | None,
        rules: Sequence[YamlRule],
        targets: Sequence[Target],
        infos: Mapping[str, RuleInfo],
        config: Config,
        disabled: Mapping[str, frozenset[str]],
    ) -> None:
        self.targets = tuple(targets)
        """The files this run analyses."""
        self._infos = infos
        self._config = config
        self._disabled = disabled
        self._labels = _labels(targets)
        self._notes: list[Notification] = []
        self._process: _Process | None = None
        self._pending: deque[list[str]] = deque()
        self._by_argument: dict[str, Target] = {}
        self._deadline = time.monotonic() + TIME_LIMIT_BASE + TIME_LIMIT_PER_FILE * len(targets)
        self._workdir: tempfile.TemporaryDirectory[str] | None = None
        self._base: list[str] = []
        self._env: dict[str, str] = {}
        if executable is None:
            self._notes.append(Notification(
                NotificationKind.SEMGREP,
                f"semgrep was not found, so {_not_analysed(len(targets), self._labels)}; reinstall backlint "
                "(semgrep is one of its dependencies) or put semgrep on PATH",
            ))
            return
        try:
            self._prepare(executable, rules, targets)
        except OSError as exc:  # no room for temporary files, say
            self._fail(f"semgrep could not be prepared ({exc.strerror or exc})", len(targets))
            return
        self._launch()

    def _prepare(self, executable: str, rules: Sequence[YamlRule], targets: Sequence[Target]) -> None:
        """Write the enabled rules into one config file and split the targets into batches."""
        import yaml

        self._workdir = tempfile.TemporaryDirectory(prefix="backlint-semgrep-")
        work = Path(self._workdir.name)
        config_file = work / "rules.yaml"
        config_file.write_text(
            yaml.safe_dump({"rules": [dict(r.data) for r in rules]}, allow_unicode=True, sort_keys=False), encoding="utf-8"
        )
        arguments = [self._argument(t, work, i) for i, t in enumerate(targets)]
        self._pending.extend(_batches(arguments, _argv_budget()))
        self._base = _command(executable, config_file, self._config)
        self._env = _environment(work)

    def _argument(self, target: Target, work: Path, index: int) -> str:
        """How `target` is named on semgrep's command line (relative to the project root, its cwd)."""
        if target.path.suffix.lower() in _ALIASED_SUFFIXES:
            copy = work / "aliases" / str(index) / (target.path.stem + ".ts")
            copy.parent.mkdir(parents=True)
            shutil.copyfile(target.path, copy)
            argument = str(copy)
        else:
            argument = target.rel
        self._by_argument[os.path.normpath(argument)] = target
        return argument

    def _launch(self) -> None:
        batch = self._pending.popleft()
        try:
            self._process = _Process(self._base + ["--", *batch], self._env, self._config.root, len(batch))
        except OSError as exc:
            self._fail(f"semgrep could not be started ({exc.strerror or exc})", len(batch))

    def _fail(self, reason: str, files: int) -> None:
        files += sum(len(b) for b in self._pending)
        self._pending.clear()
        self._notes.append(Notification(NotificationKind.SEMGREP, f"{reason}; {_not_analysed(files, self._labels)}"))

    def collect(self) -> Outcome:
        """Wait for semgrep (within the time limit) and return its findings and notifications."""
        documents: list[Mapping[str, Any]] = []
        try:
            while self._process is not None:
                process, self._process = self._process, None
                document = self._finish(process)
                if document is not None:
                    documents.append(document)
                    if self._pending:
                        self._launch()
        finally:
            self.close()
        outcome = Outcome(notifications=list(self._notes))
        self._read(documents, outcome)
        return outcome

    def _finish(self, process: _Process) -> Mapping[str, Any] | None:
        """semgrep's JSON document for one batch (None when there is none); a failure is a notification."""
        try:
            if not process.wait(self._deadline - time.monotonic()):
                limit = TIME_LIMIT_BASE + TIME_LIMIT_PER_FILE * len(self._by_argument)
                self._fail(f"semgrep took longer than {limit:g} s and was stopped", process.files)
                return None
            document = process.document()
            if process.returncode in (0, 1) and document is not None:
                return document
            # A fatal error (an invalid rule, say): the next batches would fail alike. When semgrep
            # explains it in its `errors`, those become notifications too.
            detail = _exit_status(process.returncode)
            if document is None or not document.get("errors"):
                detail += f": {process.stderr_head() or 'no message'}"
            self._fail(f"semgrep failed ({detail})", process.files)
            return document
        finally:
            process.close()

    def close(self) -> None:
        """Stop semgrep if it still runs and remove the temporary files (safe to call again)."""
        if self._process is not None:
            self._process.close()
            self._process = None
        self._pending.clear()
        if self._workdir is not None:
            self._workdir.cleanup()
            self._workdir = None

    # -- semgrep's JSON -> findings ---------------------------------------------------------------

    def _target(self, reported: str) -> Target | None:
        return self._by_argument.get(os.path.normpath(reported))

    def _read(self, documents: Sequence[Mapping[str, Any]], outcome: Outcome) -> None:
        by_target: dict[str, tuple[Target, list[Mapping[str, Any]]]] = {}
        scanned: dict[str, Target] = {}
        for document in documents:
            for item in document.get("results", ()):
                target = self._target(str(item.get("path", "")))
                if target is not None:
                    by_target.setdefault(target.rel, (target, []))[1].append(item)
            for error in document.get("errors", ()):
                outcome.notifications.append(self._error(error))
            for reported in (document.get("paths") or {}).get("scanned", ()):
                target = self._target(str(reported))
                if target is not None and target.language != "python":  # the Python pass counts those
                    scanned[target.rel] = target
        for rel in sorted(by_target):
            target, items = by_target[rel]
            try:
                source = _Source(target.path.read_bytes())
            except OSError as exc:
                outcome.notifications.append(Notification(NotificationKind.UNREADABLE, f"cannot read: {exc.strerror or exc}", rel))
                continue
            outcome.findings.extend(self._file_findings(target, source, items))
        for target in scanned.values():
            try:
                data = target.path.read_bytes()
            except OSError:
                continue
            outcome.files_scanned += 1
            outcome.lines_scanned += data.count(b"\n") + (0 if data.endswith(b"\n") or not data else 1)

    def _file_findings(self, target: Target, source: _Source, items: Sequence[Mapping[str, Any]]) -> list[Finding]:
        disabled = self._disabled.get(target.rel, frozenset())
        hashes = line_hashes(source.text)
        seen: set[tuple[str, int, int]] = set()
        ordinals: dict[tuple[str, str], int] = {}
        findings: list[Finding] = []
        # Sorted so that of identical matches (several YAML rules of one id) the most severe comes
        # first; the others are dropped.
        for rule_id, start, end, severity, message in sorted(self._matches(source, items)):
            if rule_id in disabled or (rule_id, start, end) in seen:
                continue
            seen.add((rule_id, start, end))
            region = source.index.region(start, end)
            code = source.text[start:end]
            line_text = source.lines[region.start_line - 1]
            if rule_id in SECRET_RULES:
                end_column = region.end_column if region.end_line == region.start_line else len(line_text) + 1
                line_text, message = _redact(line_text, region.start_column - 1, end_column - 1, code, message)
            key = (rule_id, "".join(code.split()))
            ordinal = ordinals.get(key, 0)
            ordinals[key] = ordinal + 1
            findings.append(Finding(
                rule_id=rule_id,
                path=target.rel,
                region=region,
                message=message,
                level=_BY_RANK[-severity],
                source_line=line_text,
                line_hash=hashes[region.start_line - 1] if region.start_line <= len(hashes) else "",
                fingerprint=finding_fingerprint(rule_id, target.rel, "", code, ordinal),
                suppressed=_suppression(rule_id, target.language, source.lines, region.start_line),
            ))
        return findings

    def _matches(self, source: _Source, items: Sequence[Mapping[str, Any]]) -> Iterator[tuple[str, int, int, int, str]]:
        """(catalogue id, start, end, negated level rank, message) of each result; offsets in characters."""
        for item in items:
            info = self._infos.get(catalogue_id(str(item.get("check_id", ""))) or "")
            if info is None:
                continue
            extra = item.get("extra") or {}
            level = info.level
            declared = _SEVERITY.get(str(extra.get("severity", "")).upper())
            if declared is not None and declared.rank < level.rank:
                level = declared
            yield (
                info.id,
                source.char_offset(int(item["start"]["offset"])),
                source.char_offset(int(item["end"]["offset"])),
                -level.rank,
                " ".join(str(extra.get("message", "")).split()) or info.summary,
            )

    def _error(self, error: Mapping[str, Any]) -> Notification:
        """One of semgrep's `errors` as a notification, on its file when it names one."""
        kind = error.get("type")
        kind = str(kind[0] if isinstance(kind, list) and kind else kind or "error")
        message = str(error.get("message", "")).strip()
        target = self._target(str(error["path"])) if error.get("path") else None
        path = target.rel if target is not None else None
        if kind in ("Syntax error", "Lexical error", "PartialParsing"):
            # semgrep's message quotes the offending code, which may hold a secret: leave it out.
            m = _SYNTAX_LINE.search(message)
            what = "parts of this file" if kind == "PartialParsing" else "this file"
            return Notification(NotificationKind.SYNTAX_ERROR, f"syntax error: semgrep could not parse {what}", path,
                                Level.WARNING, int(m.group(1)) if m else None)
        if kind == "Timeout":
            return Notification(NotificationKind.TIMEOUT, f"semgrep: {_first_line(message)}", path)
        level = Level.ERROR if error.get("level") == "error" else Level.WARNING
        return Notification(NotificationKind.SEMGREP, f"semgrep: {kind}: {_first_line(message)}", path, level)


_BY_RANK = {level.rank: level for level in Level}


class _Process:
    """One semgrep process; its output goes to temporary files (a pipe could fill up and stall it)."""

    def __init__(self, command: list[str], env: Mapping[str, str], cwd: Path, files: int) -> None:
        self.files = files
        self.returncode: int | None = None
        self._stdout: IO[bytes] = tempfile.TemporaryFile()
        self._stderr: IO[bytes] = tempfile.TemporaryFile()
        # A process group of its own, so that a kill reaches whatever semgrep started.
        group: dict[str, Any] = (
            {"start_new_session": True} if os.name == "posix"
            else {"creationflags": getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0)}
        )
        try:
            self._popen = subprocess.Popen(
                command, cwd=str(cwd), env=dict(env), stdin=subprocess.DEVNULL, stdout=self._stdout,
                stderr=self._stderr, **group,
            )
        except OSError:
            self._close_files()
            raise

    def wait(self, timeout: float) -> bool:
        """Whether semgrep ended within `timeout` seconds; if not, it is killed."""
        try:
            self.returncode = self._popen.wait(timeout=max(0.0, timeout))
        except subprocess.TimeoutExpired:
            self._kill()
            return False
        return True

    def close(self) -> None:
        """Kill semgrep if it still runs and drop its output."""
        self._kill()
        self._close_files()

    def _kill(self) -> None:
        """Kill semgrep and whatever it started (its own process group)."""
        if self._popen.poll() is None:
            try:
                if os.name == "posix":
                    os.killpg(self._popen.pid, signal.SIGKILL)
                else:
                    self._popen.kill()
            except OSError:
                pass
            self._popen.wait()

    def document(self) -> Mapping[str, Any] | None:
        """semgrep's JSON output, or None when there is none to read."""
        self._stdout.seek(0)
        try:
            data = json.loads(self._stdout.read().decode("utf-8", "replace"))
        except ValueError:
            return None
        return data if isinstance(data, dict) else None

    def stderr_head(self) -> str:
        """The start of semgrep's stderr, on one line, for a notification."""
        self._stderr.seek(0)
        lines = self._stderr.read(8192).decode("utf-8", "replace").splitlines()
        return " ".join(line.strip() for line in lines if line.strip())[:300]

    def _close_files(self) -> None:
        self._stdout.close()
        self._stderr.close()


def _command(executable: str, config_file: Path, config: Config) -> list[str]:
    """semgrep's arguments, without the targets.

    Offline and reproducible: no metrics, no version check, no Pro engine even when logged in, no
    calls to git (discovery already applied .gitignore), no size filter of its own (discovery
    applied max-file-size), rule ids as written, `nosemgrep` comments ignored (they belong to the
    project's own semgrep rules), JSON only.
    """
    return [
        executable, "scan",
        "--config", str(config_file),
        "--json", "--quiet",
        "--metrics=off", "--disable-version-check", "--oss-only",
        "--no-rewrite-rule-ids", "--no-git-ignore", "--disable-nosem",
        "--max-target-bytes", "0",
        "--timeout", f"{config.per_file_timeout:g}",
        "--jobs", str(config.jobs or default_jobs()),
    ]


def _environment(work: Path) -> dict[str, str]:
    """Our environment for semgrep, minus any login, with its state files in our temporary directory."""
    env = {k: v for k, v in os.environ.items() if k != "SEMGREP_APP_TOKEN"}
    env.update(
        SEMGREP_SEND_METRICS="off",
        SEMGREP_ENABLE_VERSION_CHECK="0",
        SEMGREP_SETTINGS_FILE=str(work / "settings.yml"),
        SEMGREP_LOG_FILE=str(work / "semgrep.log"),
        SEMGREP_VERSION_CACHE_PATH=str(work / "version-cache"),
        TMPDIR=str(work),  # its own scratch directories go with ours
    )
    return env


def _argv_budget() -> int:
    """Bytes of target paths one semgrep command line may carry (Windows allows 32,767 characters in all)."""
    if os.name == "nt":
        return 24_000
    try:
        arg_max = os.sysconf("SC_ARG_MAX")
    except (ValueError, OSError, AttributeError):
        arg_max = 256 * 1024
    return max(16 * 1024, min(512 * 1024, arg_max // 4))


def _batches(arguments: Sequence[str], budget: int) -> list[list[str]]:
    """`arguments` in consecutive batches of at most `budget` bytes (each at least one argument)."""
    batches: list[list[str]] = [[]]
    size = 0
    for argument in arguments:
        cost = len(os.fsencode(argument)) + 1 + 8  # the string, its NUL and its pointer
        if batches[-1] and size + cost > budget:
            batches.append([])
            size = 0
        batches[-1].append(argument)
        size += cost
    return batches


def _labels(targets: Sequence[Target]) -> str:
    """`JavaScript/TypeScript`: the languages of `targets`."""
    return "/".join(_LABELS.get(lang, lang) for lang in sorted({t.language for t in targets}))


def _not_analysed(files: int, labels: str) -> str:
    return f"1 {labels} file was not analysed" if files == 1 else f"{files} {labels} files were not analysed"


def _exit_status(code: int | None) -> str:
    if code is not None and code < 0:
        try:
            return signal.Signals(-code).name
        except ValueError:
            return f"signal {-code}"
    return f"exit code {code}"


def _first_line(text: str) -> str:
    line = text.strip().splitlines()[0] if text.strip() else "no message"
    return line[:300]


class _Source:
    """A target's text, with semgrep's UTF-8 byte offsets mapped to character offsets."""

    def __init__(self, data: bytes) -> None:
        self._skip = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
        self._data = data[self._skip :]
        self._ascii = self._data.isascii()
        self.text = self._data.decode("utf-8", "replace")
        self.index = lines.LineIndex(self.text)
        self.lines = lines.split_lines(self.text)

    def char_offset(self, byte_offset: int) -> int:
        offset = min(max(0, byte_offset - self._skip), len(self._data))
        return offset if self._ascii else len(self._data[:offset].decode("utf-8", "replace"))


def _redact(line_text: str, start: int, end: int, code: str, message: str) -> tuple[str, str]:
    """Mask the string literals of a secret's match (`code`, which begins at `line_text[start]` and
    ends on this line at `end`, or later) in the code line and the message.

    The quotes stay, so the line still reads as code. A match with no string literal in it (a token
    in a comment, say) is masked whole.
    """
    segment = line_text[start:end]
    bodies = [m.group(2) for m in _STRING.finditer(code) if m.group(2)]
    if bodies:
        masked = _STRING.sub(lambda m: m.group(1) + "*" * len(m.group(2)) + m.group(3), segment)
    else:
        masked = "*" * len(segment)
        bodies = [code]
    for body in sorted(bodies, key=len, reverse=True):
        if len(body) >= 3:
            message = message.replace(body, "*" * len(body))
    return line_text[:start] + masked + line_text[end:], message


def _suppression(rule_id: str, language: str, lines: Sequence[str], line_no: int) -> str | None:
    """The comment that suppresses `rule_id` at `line_no`: on that line, or (JavaScript and
    TypeScript) on a comment-only line just above it."""
    if language == "python":
        return suppressions.suppressing_comment(rule_id, suppressions.python_comments(list(lines), line_no, line_no).values())
    candidates = [lines[line_no - 1]]
    if line_no >= 2 and lines[line_no - 2].lstrip().startswith(("//", "/*", "*")):
        candidates.append(lines[line_no - 2])
    comments = [c for c in map(suppressions.js_comment, candidates) if c is not None]
    return suppressions.suppressing_comment(rule_id, comments)
