"""The lines a change added or edited, from git, for `backlint scan --diff REF`.

What counts as the change: everything between the merge-base of REF and HEAD and the working
tree, so committed, staged and unstaged edits alike (`git diff <merge-base>`, as a pull request
shows it plus what is not committed yet), and every line of untracked files that are not ignored
(a new file is new code whether or not it was `git add`ed). Renames are followed, so a moved file
brings only its edited lines. With `--diff HEAD` in a repository without commits, everything is new.

A finding belongs to the change when its region holds an added line, or spans the place of a
deleted one (deleting `timeout=5,` from a call spread over several lines makes the call new).

git runs with an argument list, never a shell, with no pager, no terminal prompts, no external
diff drivers, no textconv filters and no fsmonitor hook: nothing runs that a plain `git diff`
would not run.
"""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator, Mapping

from backlint.discovery import relative
from backlint.findings import Region

_GIT_CONFIG = ("-c", "core.fsmonitor=false", "-c", "core.quotePath=true", "--no-pager")
_DIFF_OPTIONS = (
    "-U0", "--no-color", "--no-ext-diff", "--no-textconv", "--find-renames", "--no-relative",
    "--ignore-submodules", "--src-prefix=a/", "--dst-prefix=b/",
)
_HUNK = re.compile(rb"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")
_TIMEOUT = 300


class GitError(Exception):
    """git is missing, this is not a repository, or the ref is unknown; one line for the user."""


@dataclass(frozen=True)
class FileChanges:
    """The changed lines of one file, numbered as in the working tree."""

    added: frozenset[int] = frozenset()
    deleted_after: frozenset[int] = frozenset()
    """Line numbers after which lines were deleted (0: at the top of the file)."""
    whole: bool = False
    """An untracked file: every line is new."""

    def touches(self, region: Region) -> bool:
        if self.whole:
            return True
        start, end = region.start_line, max(region.end_line, region.start_line)
        if any(start <= line <= end for line in self.added):
            return True
        return any(start <= line < end for line in self.deleted_after)


@dataclass(frozen=True)
class Changes:
    files: Mapping[str, FileChanges] = field(default_factory=dict)
    """By path relative to the project root, as findings name files."""

    def touches(self, path: str, region: Region) -> bool:
        changes = self.files.get(path)
        return changes is not None and changes.touches(region)


def changes_since(ref: str, root: Path) -> Changes:
    """The change from the merge-base of `ref` and HEAD to the working tree of the repository at `root`."""
    top = Path(os.fsdecode(_git(root, "rev-parse", "--show-toplevel", what=f"{root} is not in a git work tree").rstrip(b"\n")))
    base = _base(top, ref)
    diff = _git(top, "diff", *_DIFF_OPTIONS, base, "--", what="git diff failed")
    untracked = _git(top, "ls-files", "--others", "--exclude-standard", "-z", what="git ls-files failed")
    files: dict[str, FileChanges] = {}
    for git_path, changes in parse_diff(diff):
        files[_project_path(top, git_path, root)] = changes
    for git_path in filter(None, untracked.split(b"\0")):
        files[_project_path(top, os.fsdecode(git_path), root)] = FileChanges(whole=True)
    return Changes(files)


def _base(top: Path, ref: str) -> str:
    """The commit to compare the working tree with: the merge-base of `ref` and HEAD, so that a
    branch is judged by its own changes, not by what its base branch did since."""
    if ref.startswith("-") or not ref.strip():  # never let a ref pass as an option to git
        raise GitError(f"unknown git ref {ref!r}")
    head = _try_git(top, "rev-parse", "--verify", "--quiet", "HEAD^{commit}")
    if head is None:
        if ref == "HEAD":  # no commit yet: compare with the empty tree
            return _git(top, "hash-object", "-t", "tree", "--stdin", what="git hash-object failed").decode().strip()
        raise GitError(f"HEAD has no commit yet in {top}; only --diff HEAD works before the first commit")
    commit = _try_git(top, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    if commit is None:
        raise GitError(f"unknown git ref {ref!r} in {top} (in a shallow clone, fetch it or the full history)")
    merge_base = _try_git(top, "merge-base", commit.decode().strip(), head.decode().strip())
    if merge_base is None:
        raise GitError(f"{ref!r} and HEAD have no common ancestor (in a shallow clone, fetch the full history)")
    return merge_base.decode().strip()


def _project_path(top: Path, git_path: str, root: Path) -> str:
    return relative(Path(os.path.normpath(top / git_path)), root)


def parse_diff(diff: bytes) -> Iterator[tuple[str, FileChanges]]:
    """(path in the new tree, changes) of each file of a `git diff -U0` patch with a/ and b/ prefixes."""
    path: str | None = None
    added: set[int] = set()
    deleted: set[int] = set()
    old_left = new_left = 0
    line = 0
    for raw in diff.split(b"\n"):
        if old_left > 0 or new_left > 0:
            marker = raw[:1]
            if marker == b"+":
                added.add(line)
                line += 1
                new_left -= 1
            elif marker == b"-":
                deleted.add(line - 1)
                old_left -= 1
            elif marker == b" ":
                line += 1
                old_left -= 1
                new_left -= 1
            continue  # "\ No newline at end of file" and the like
        if raw.startswith(b"diff --git "):
            if path is not None:
                yield path, FileChanges(frozenset(added), frozenset(deleted))
            path, added, deleted = None, set(), set()
        elif raw.startswith(b"+++ "):
            name = raw[4:].removesuffix(b"\t")  # git adds a tab after names with spaces
            path = None if name == b"/dev/null" else _unquote(name)[2:]
        elif (m := _HUNK.match(raw)) is not None:
            old_left = int(m.group(2) or b"1")
            new_left = int(m.group(4) or b"1")
            line = int(m.group(3)) if new_left else int(m.group(3)) + 1
    if path is not None:
        yield path, FileChanges(frozenset(added), frozenset(deleted))


_ESCAPES = {b"a": 7, b"b": 8, b"t": 9, b"n": 10, b"v": 11, b"f": 12, b"r": 13, b'"': 34, b"\\": 92}


def _unquote(name: bytes) -> str:
    """A path as git prints it in headers: bare, or C-quoted with octal escapes when unusual."""
    if not (name.startswith(b'"') and name.endswith(b'"') and len(name) >= 2):
        return os.fsdecode(name)
    out = bytearray()
    body = name[1:-1]
    i = 0
    while i < len(body):
        c = body[i : i + 1]
        if c != b"\\":
            out += c
            i += 1
        elif body[i + 1 : i + 2].isdigit():
            out.append(int(body[i + 1 : i + 4], 8))
            i += 4
        else:
            out.append(_ESCAPES.get(body[i + 1 : i + 2], body[i + 1]))
            i += 2
    return os.fsdecode(bytes(out))


# -- running git ---------------------------------------------------------------------------------


def _environment() -> dict[str, str]:
    """The caller's environment (GIT_DIR and the like still apply), but git never asks for input
    and takes no optional locks (a scan must not write to the repository it reads)."""
    return {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_OPTIONAL_LOCKS": "0", "GIT_PAGER": "cat"}


def _run(cwd: Path, args: Iterable[str], stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(
            ["git", *_GIT_CONFIG, *args], cwd=str(cwd), env=_environment(), input=stdin,
            capture_output=True, timeout=_TIMEOUT, check=False,
        )
    except FileNotFoundError:
        raise GitError("git is not installed (or not on PATH)") from None
    except subprocess.TimeoutExpired:
        raise GitError(f"git {' '.join(args)} took more than {_TIMEOUT} seconds") from None
    except OSError as exc:
        raise GitError(f"cannot run git ({exc.strerror or exc})") from None


def _git(cwd: Path, *args: str, what: str) -> bytes:
    """git's output; GitError with `what` and git's own first line of complaint on failure."""
    proc = _run(cwd, args)
    if proc.returncode != 0:
        lines = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        detail = lines[0].removeprefix("fatal: ").strip() if lines else ""
        raise GitError(f"{what} ({detail})" if detail else what)
    return proc.stdout


def _try_git(cwd: Path, *args: str) -> bytes | None:
    proc = _run(cwd, args)
    return proc.stdout if proc.returncode == 0 else None
