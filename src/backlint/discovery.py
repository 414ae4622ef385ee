"""Which files a scan reads.

* Directories are walked; files named on the command line are always scanned (if their suffix
  is one backlint reads).
* Excluded: the default excludes (.git, virtualenvs, node_modules, build, dist, caches...) or the
  configured `exclude`, plus `extend-exclude`, plus `.gitignore` files (every one from the
  project root down, and `.git/info/exclude`), all in gitignore syntax relative to their
  directory.
* Symbolic links are followed only when they point inside the scanned directory; a directory
  reached twice (a symlink loop, or two links to one place) is walked once.
* Files over `max-file-size` are skipped with a notification.
* So are files and directories whose names are not UTF-8 (POSIX allows any bytes): no report
  could name them (JSON, SARIF and GitHub annotations are UTF-8 text).
"""

from __future__ import annotations

import os
import re
import stat
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

import pathspec

from backlint.config import Config
from backlint.findings import Level, Notification, NotificationKind

PYTHON_SUFFIXES = frozenset({".py"})
JS_SUFFIXES = {".js": "javascript", ".jsx": "javascript", ".mjs": "javascript", ".cjs": "javascript",
               ".ts": "typescript", ".tsx": "typescript", ".mts": "typescript", ".cts": "typescript"}


@dataclass(frozen=True)
class Target:
    path: Path
    """Absolute path as it will be opened (symlinks inside the tree are kept as written)."""
    rel: str
    """POSIX path relative to the project root (or as given, when outside it)."""
    language: str
    size: int


def language_of(path: Path) -> str | None:
    suffix = path.suffix.lower()
    if suffix in PYTHON_SUFFIXES:
        return "python"
    if path.name.endswith((".d.ts", ".min.js")):
        return None
    return JS_SUFFIXES.get(suffix)


def relative(path: Path, root: Path) -> str:
    text, prefix = str(path), os.path.join(str(root), "")
    if text.startswith(prefix) and len(text) > len(prefix):  # the common case, without pathlib's cost
        rest = text[len(prefix):]
        return rest.replace(os.sep, "/") if os.sep != "/" else rest
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        try:
            return Path(os.path.relpath(path, root)).as_posix()
        except ValueError:  # pragma: no cover - another drive on Windows
            return path.as_posix()


def printable(rel: str) -> str:
    """`rel` as a report can print it: bytes of the name that are not UTF-8 (which Python keeps as
    lone surrogates) written as `\\xNN`."""
    try:
        rel.encode("utf-8")
    except UnicodeEncodeError:
        return rel.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return rel


def _not_utf8(rel: str) -> Notification | None:
    """A notification when the name `rel` cannot appear in a report, else None."""
    shown = printable(rel)
    if shown == rel:
        return None
    return Notification(NotificationKind.SKIPPED_PATH, "skipped: the name is not valid UTF-8, so no report could name it",
                        shown, Level.WARNING)


_STARS = re.compile(r"(?<!\\)\*{2,}")


def _collapse_stars(line: str) -> str:
    """`line` with each run of `*` inside a name written as one `*` (the same pattern: only a `**`
    that is a whole path segment means more). pathspec turns every `*` into `[^/]*`, and a run of
    those makes the regular expression backtrack for ages on a long name."""

    def one(m: re.Match[str]) -> str:
        segment = (m.start() == 0 or line[m.start() - 1] == "/") and (m.end() == len(line) or line[m.end()] == "/")
        return "**" if segment and len(m.group()) == 2 else "*"

    return _STARS.sub(one, line) if "**" in line else line


def gitignore_spec(lines: Iterable[str]) -> pathspec.GitIgnoreSpec:
    """The patterns of a .gitignore file a repository brought. As git does, a pattern that cannot
    be read (`!`, a lone `\\`, `[z-a]`) is left out instead of ending the scan."""
    lines = [_collapse_stars(line) for line in lines]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pathspec's regular expressions may warn about odd sets
        try:
            return pathspec.GitIgnoreSpec.from_lines(lines)
        except (ValueError, re.error):
            readable = []
            for line in lines:
                try:
                    pathspec.GitIgnoreSpec.from_lines([line])
                except (ValueError, re.error):
                    continue
                readable.append(line)
            return pathspec.GitIgnoreSpec.from_lines(readable)


class _Ignores:
    """gitignore-style patterns from several directories; the deepest definite answer wins."""

    def __init__(self, root: Path, config: Config) -> None:
        self.root = root
        patterns = list(config.exclude) + list(config.extend_exclude)
        self.config_spec = pathspec.GitIgnoreSpec.from_lines(patterns)
        self.respect_gitignore = config.respect_gitignore
        self.specs: dict[Path, pathspec.GitIgnoreSpec | None] = {}
        self.chains: dict[str, list[tuple[Path, pathspec.GitIgnoreSpec]]] = {}
        self.root_prefix = os.path.join(str(root), "")

    def _spec(self, directory: Path) -> pathspec.GitIgnoreSpec | None:
        if directory in self.specs:
            return self.specs[directory]
        lines: list[str] = []
        for name in (".gitignore", ".git/info/exclude"):
            candidate = directory / name
            try:
                if candidate.is_file():
                    lines.extend(candidate.read_text(encoding="utf-8", errors="replace").splitlines())
            except OSError:
                continue
        spec = gitignore_spec(lines) if lines else None
        self.specs[directory] = spec
        return spec

    def ignored(self, path: Path, is_dir: bool) -> bool:
        suffix = "/" if is_dir else ""
        rel = relative(path, self.root)
        if not rel.startswith("../"):
            if self.config_spec.match_file(rel + suffix):
                return True
        else:
            # Outside the project root: the default excludes still apply by name.
            if self.config_spec.match_file(path.name + suffix):
                return True
        if not self.respect_gitignore:
            return False
        for base, spec in self._specs_above(path.parent):  # deepest first
            result = spec.check_file(relative(path, base) + suffix)
            if result.include is not None:
                return bool(result.include)
        return False

    def _specs_above(self, directory: Path) -> list[tuple[Path, pathspec.GitIgnoreSpec]]:
        """The ignore files that apply in `directory`: its own and its parents' up to the root,
        deepest first (worked out once per directory)."""
        key = str(directory)
        chain = self.chains.get(key)
        if chain is None:
            chain = []
            current = directory
            while True:
                spec = self._spec(current)
                if spec is not None:
                    chain.append((current, spec))
                text = str(current)
                if current == self.root or current.parent == current or not text.startswith(self.root_prefix):
                    break
                current = current.parent
            self.chains[key] = chain
        return chain


def discover(paths: Iterable[Path], config: Config) -> tuple[list[Target], list[Notification]]:
    """Files to scan under `paths`, sorted by relative path, and notifications about the rest."""
    targets: dict[str, Target] = {}
    notes: list[Notification] = []
    ignores = _Ignores(config.root, config)
    for given in paths:
        absolute = Path(os.path.abspath(given))
        try:
            st = absolute.stat()
        except OSError as exc:
            notes.append(Notification(NotificationKind.UNREADABLE, f"cannot read: {exc.strerror or exc}",
                                      printable(relative(absolute, config.root)), Level.ERROR))
            continue
        if stat.S_ISDIR(st.st_mode):
            for target, note in _walk(absolute, config, ignores):
                if note is not None:
                    notes.append(note)
                elif target is not None:
                    targets.setdefault(target.rel, target)
        else:
            rel = relative(absolute, config.root)
            language = language_of(absolute) or ("python" if absolute.suffix == "" else None)
            if language is None:
                notes.append(Notification(NotificationKind.SKIPPED_PATH, "not a Python, JavaScript or TypeScript file", rel, Level.NOTE))
                continue
            note = _not_utf8(rel)
            if note is not None:
                notes.append(note)
                continue
            if st.st_size > config.max_file_size:
                notes.append(_too_large(rel, st.st_size, config))
                continue
            targets.setdefault(rel, Target(absolute, rel, language, st.st_size))
    return [targets[k] for k in sorted(targets)], notes


def _too_large(rel: str, size: int, config: Config) -> Notification:
    return Notification(
        NotificationKind.TOO_LARGE,
        f"skipped: {size:,} bytes is over the {config.max_file_size:,}-byte limit (max-file-size)",
        rel,
        Level.NOTE,
    )


def _walk(top: Path, config: Config, ignores: _Ignores) -> Iterator[tuple[Target | None, Notification | None]]:
    top_real = Path(os.path.realpath(top))
    seen_dirs: set[tuple[int, int]] = set()
    stack = [top]
    while stack:
        directory = stack.pop()
        try:
            st = directory.stat()
        except OSError:
            continue
        key = (st.st_dev, st.st_ino)
        if key in seen_dirs:
            continue
        seen_dirs.add(key)
        try:
            with os.scandir(directory) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            yield None, Notification(NotificationKind.UNREADABLE, f"cannot list directory: {exc.strerror or exc}",
                                     printable(relative(directory, config.root)), Level.WARNING)
            continue
        subdirs = []
        for entry in entries:
            path = Path(entry.path)
            try:
                is_link = entry.is_symlink()
                is_dir = entry.is_dir(follow_symlinks=True)
                is_file = entry.is_file(follow_symlinks=True)
            except OSError:
                continue
            if is_link:
                real = Path(os.path.realpath(path))
                if real != top_real and top_real not in real.parents:
                    continue  # a link out of the scanned tree is never followed
                if not (is_dir or is_file):
                    continue  # dangling
            if is_dir:
                if not ignores.ignored(path, True):
                    note = _not_utf8(relative(path, config.root))
                    if note is not None:
                        yield None, note
                    else:
                        subdirs.append(path)
                continue
            if not is_file:
                continue
            language = language_of(path)
            if language is None or ignores.ignored(path, False):
                continue
            path = Path(os.path.realpath(path))  # report a file where it really is
            rel = relative(path, config.root)
            note = _not_utf8(rel)
            if note is not None:
                yield None, note
                continue
            try:
                size = entry.stat(follow_symlinks=True).st_size
            except OSError as exc:
                yield None, Notification(NotificationKind.UNREADABLE, f"cannot read: {exc.strerror or exc}", rel, Level.WARNING)
                continue
            if size > config.max_file_size:
                yield None, _too_large(rel, size, config)
                continue
            yield Target(path, rel, language, size), None
        stack.extend(reversed(subdirs))
