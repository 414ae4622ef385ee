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
from typing import Callable, Iterable, Iterator

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
    return _language_of_name(path.name)


def _language_of_name(name: str) -> str | None:
    suffix = os.path.splitext(name)[1].lower()
    if suffix in PYTHON_SUFFIXES:
        return "python"
    if name.endswith((".d.ts", ".min.js")):
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


def _matcher(spec: pathspec.GitIgnoreSpec) -> Callable[[str], bool]:
    """`spec.match_file`, as one regular expression when no pattern negates (then any match
    excludes): the excludes are asked about every entry of the tree."""
    patterns = [p for p in spec.patterns if p.include is not None]
    regexes = [getattr(p, "regex", None) for p in patterns]
    if not patterns or not all(p.include for p in patterns) or not all(isinstance(r, re.Pattern) for r in regexes):
        return spec.match_file
    combined = re.compile("|".join(f"(?:{r.pattern.replace('(?P<ps_d>', '(?:')})" for r in regexes))  # type: ignore[union-attr]
    return lambda path: combined.match(path) is not None


class _Ignores:
    """gitignore-style patterns from several directories; the deepest definite answer wins.

    Works on path strings: a walk asks about every entry of the tree, and pathlib's objects
    cost more than the answers."""

    def __init__(self, root: Path, config: Config) -> None:
        self.root = root
        self.root_text = str(root)
        self.root_prefix = os.path.join(self.root_text, "")
        patterns = list(config.exclude) + list(config.extend_exclude)
        self.config_match = _matcher(pathspec.GitIgnoreSpec.from_lines(patterns))
        self.respect_gitignore = config.respect_gitignore
        self.specs: dict[str, pathspec.GitIgnoreSpec | None] = {}
        self.chains: dict[str, list[tuple[str, pathspec.GitIgnoreSpec]]] = {}

    def relative(self, path: str) -> str:
        """`path` relative to the project root, POSIX-style (as `relative()`)."""
        if path.startswith(self.root_prefix) and len(path) > len(self.root_prefix):
            rest = path[len(self.root_prefix):]
            return rest.replace(os.sep, "/") if os.sep != "/" else rest
        return relative(Path(path), self.root)

    def _spec(self, directory: str) -> pathspec.GitIgnoreSpec | None:
        if directory in self.specs:
            return self.specs[directory]
        lines: list[str] = []
        for name in (".gitignore", os.path.join(".git", "info", "exclude")):
            candidate = os.path.join(directory, name)
            try:
                if os.path.isfile(candidate):
                    with open(candidate, encoding="utf-8", errors="replace") as fh:
                        lines.extend(fh.read().splitlines())
            except OSError:
                continue
        spec = gitignore_spec(lines) if lines else None
        self.specs[directory] = spec
        return spec

    def ignored(self, path: str, is_dir: bool) -> bool:
        suffix = "/" if is_dir else ""
        rel = self.relative(path)
        if not rel.startswith("../"):
            if self.config_match(rel + suffix):
                return True
        else:
            # Outside the project root: the default excludes still apply by name.
            if self.config_match(os.path.basename(path) + suffix):
                return True
        if not self.respect_gitignore:
            return False
        for base, spec in self._chain(os.path.dirname(path)):  # deepest first
            inside = path[len(base) + 1:] if path.startswith(base + os.sep) else relative(Path(path), Path(base))
            result = spec.check_file(inside.replace(os.sep, "/") + suffix)
            if result.include is not None:
                return bool(result.include)
        return False

    def _chain(self, directory: str) -> list[tuple[str, pathspec.GitIgnoreSpec]]:
        """The ignore files that apply in `directory`: its own and its parents' up to the root,
        deepest first (worked out once per directory, from its parent's)."""
        chain = self.chains.get(directory)
        if chain is None:
            spec = self._spec(directory)
            chain = [(directory, spec)] if spec is not None else []
            parent = os.path.dirname(directory)
            if directory != self.root_text and parent != directory and directory.startswith(self.root_prefix):
                chain = chain + self._chain(parent)
            self.chains[directory] = chain
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


def _shadowing_packages(directory: str, entries: list[os.DirEntry[str]]) -> frozenset[str]:
    """In a package, the subpackages whose name a module beside them also has (`views/` with an
    `__init__.py` next to `views.py`): the import system finds the package first, so the module
    is dead code. Outside a package a module may be run as a script, and is kept."""
    names = {e.name for e in entries}
    if "__init__.py" not in names:
        return frozenset()
    return frozenset(
        e.name for e in entries
        if f"{e.name}.py" in names and os.path.isfile(os.path.join(directory, e.name, "__init__.py"))
    )


def _walk(top: Path, config: Config, ignores: _Ignores) -> Iterator[tuple[Target | None, Notification | None]]:
    top_text = str(top)
    top_real = os.path.realpath(top_text)
    inside_top = os.path.join(top_real, "")
    seen_dirs: set[tuple[int, int]] = set()
    # (directory, whether its path is already its real path: reached through no symbolic link)
    stack = [(top_text, top_real == top_text)]
    while stack:
        directory, real = stack.pop()
        try:
            st = os.stat(directory)
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
                                     printable(ignores.relative(directory)), Level.WARNING)
            continue
        subdirs = []
        shadowing = _shadowing_packages(directory, entries)
        for entry in entries:
            path = entry.path
            try:
                is_link = entry.is_symlink()
                is_dir = entry.is_dir(follow_symlinks=True)
                is_file = entry.is_file(follow_symlinks=True)
            except OSError:
                continue
            if is_link:
                target = os.path.realpath(path)
                if target != top_real and not target.startswith(inside_top):
                    continue  # a link out of the scanned tree is never followed
                if not (is_dir or is_file):
                    continue  # dangling
            if is_dir:
                if not ignores.ignored(path, True):
                    note = _not_utf8(ignores.relative(path))
                    if note is not None:
                        yield None, note
                    else:
                        subdirs.append((path, real and not is_link))
                continue
            if not is_file:
                continue
            language = _language_of_name(entry.name)
            if language is None or ignores.ignored(path, False):
                continue
            if not real or is_link:
                path = os.path.realpath(path)  # report a file where it really is
            rel = ignores.relative(path)
            note = _not_utf8(rel)
            if note is not None:
                yield None, note
                continue
            if entry.name.endswith(".py") and entry.name[:-3] in shadowing:
                yield None, Notification(
                    NotificationKind.SKIPPED_PATH,
                    f"skipped: the package `{entry.name[:-3]}/` beside it has its import name, so Python never imports this module",
                    rel, Level.NOTE)
                continue
            try:
                size = entry.stat(follow_symlinks=True).st_size
            except OSError as exc:
                yield None, Notification(NotificationKind.UNREADABLE, f"cannot read: {exc.strerror or exc}", rel, Level.WARNING)
                continue
            if size > config.max_file_size:
                yield None, _too_large(rel, size, config)
                continue
            yield Target(Path(path), rel, language, size), None
        stack.extend(reversed(subdirs))
