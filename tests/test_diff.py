"""`scan --diff REF`: only findings on lines a change added or edited, read from git safely."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from backlint.findings import Region
from backlint.gitdiff import Changes, FileChanges, GitError, changes_since, parse_diff
from conftest import run_cli

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

GIT_ENV = {
    "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.com", "GIT_CONFIG_NOSYSTEM": "1",
}


def git(repo: Path, *args: str) -> str:
    """Run git in `repo` with an empty global configuration of its own."""
    config = repo.parent / "gitconfig"
    config.touch()
    env = {**os.environ, **GIT_ENV, "GIT_CONFIG_GLOBAL": str(config)}
    proc = subprocess.run(["git", *args], cwd=repo, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def init(repo: Path, files: dict[str, str]) -> Path:
    repo.mkdir(parents=True, exist_ok=True)
    git(repo, "init", "-q", "-b", "main")
    for name, text in files.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(text)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "first")
    return repo


def region(start: int, end: int | None = None) -> Region:
    return Region(start, 1, end or start, 2, 1, 2)


# -- the patch parser ---------------------------------------------------------------------------


PATCH = b"""diff --git a/app.py b/app.py
index 1111111..2222222 100644
--- a/app.py
+++ b/app.py
@@ -0,0 +1,2 @@
+# new first line
++++ a line of content that looks like a header
@@ -5 +7 @@ def f():
-    old
+    new
@@ -9,2 +10,0 @@ def g():
-    deleted one
-    deleted two
diff --git a/old name.py b/new name.py
similarity index 90%
rename from old name.py
rename to new name.py
--- a/old name.py\t
+++ b/new name.py\t
@@ -3 +3 @@
-x = 1
+x = 2
diff --git "a/caf\\303\\251.py" "b/caf\\303\\251.py"
--- "a/caf\\303\\251.py"
+++ "b/caf\\303\\251.py"
@@ -1 +1 @@
-a
+b
\\ No newline at end of file
diff --git a/gone.py b/gone.py
deleted file mode 100644
--- a/gone.py
+++ /dev/null
@@ -1 +0,0 @@
-x
diff --git a/logo.png b/logo.png
Binary files a/logo.png and b/logo.png differ
"""


def test_parse_diff_reads_added_lines_deletions_renames_and_quoted_names() -> None:
    files = dict(parse_diff(PATCH))
    assert set(files) == {"app.py", "new name.py", "caf\u00e9.py"}
    app = files["app.py"]
    assert app.added == {1, 2, 7}
    assert 10 in app.deleted_after  # two lines went between new lines 10 and 11
    assert files["new name.py"].added == {3}
    assert files["caf\u00e9.py"].added == {1}


def test_a_region_is_touched_by_added_lines_and_by_deletions_inside_it() -> None:
    changes = FileChanges(added=frozenset({7}), deleted_after=frozenset({9}))
    assert changes.touches(region(7)) and changes.touches(region(5, 8))
    assert not changes.touches(region(8)) and not changes.touches(region(10, 12))
    assert changes.touches(region(9, 10))  # the deletion was inside the call
    assert not changes.touches(region(9)) and not changes.touches(region(10))
    assert FileChanges(whole=True).touches(region(100))
    assert not Changes({"app.py": changes}).touches("other.py", region(7))


# -- against real repositories ------------------------------------------------------------------

ONE = '''import requests


def fetch(url):
    return requests.get(url)
'''

TWO = '''import requests

# Three lines inserted above the old finding
# move it down without changing it.


def fetch(url):
    return requests.get(url)


def fetch_more(url):
    return requests.post(url, data={})
'''


def test_done_when_diff_and_baseline_report_only_the_new_finding(tmp_path: Path) -> None:
    repo = init(tmp_path / "repo", {"app.py": ONE})
    written = run_cli("baseline", "-o", str(tmp_path / "baseline.json"), cwd=repo)
    assert written.returncode == 0, written.stderr
    (repo / "app.py").write_text(TWO)
    for args in (["--diff", "HEAD"], ["--baseline", str(tmp_path / "baseline.json")]):
        proc = run_cli("scan", "--format", "json", *args, cwd=repo)
        assert proc.returncode == 1, proc.stderr
        found = json.loads(proc.stdout)["findings"]
        assert [(f["rule"], f["line"], f["baseline"]) for f in found] == [("BL502", 12, "new")], args
    # Committed, the change is still new against the branch it started from.
    git(repo, "checkout", "-qb", "feature")
    git(repo, "commit", "-qam", "second")
    found = json.loads(run_cli("scan", "--format", "json", "--diff", "main", cwd=repo).stdout)["findings"]
    assert [f["line"] for f in found] == [12]
    assert run_cli("scan", "--diff", "HEAD", cwd=repo).returncode == 0


def test_untracked_staged_and_deleted_lines_count_as_changed(tmp_path: Path) -> None:
    call = "import requests\n\n\ndef f(url):\n    return requests.get(\n        url,\n        timeout=5,\n    )\n"
    repo = init(tmp_path / "repo", {"app.py": call, "ok.py": "x = 1\n"})
    (repo / "app.py").write_text(call.replace("        timeout=5,\n", ""))  # only a deletion
    (repo / "untracked.py").write_text(ONE)
    (repo / "staged.py").write_text(ONE)
    git(repo, "add", "staged.py")
    (repo / "ignored.py").write_text(ONE)
    (repo / ".gitignore").write_text("ignored.py\n")
    changes = changes_since("HEAD", repo)
    assert changes.files["untracked.py"].whole and "ignored.py" not in changes.files
    assert changes.files["staged.py"].added == {1, 2, 3, 4, 5}
    found = json.loads(run_cli("scan", "--format", "json", "--diff", "HEAD", cwd=repo).stdout)["findings"]
    assert sorted((f["path"], f["line"]) for f in found) == [("app.py", 5), ("staged.py", 5), ("untracked.py", 5)]


def test_renamed_file_brings_only_its_edited_lines(tmp_path: Path) -> None:
    body = ONE + "".join(f"\n\ndef f{i}(url):\n    return url * {i}\n" for i in range(8))
    repo = init(tmp_path / "repo", {"old.py": body})
    git(repo, "mv", "old.py", "new.py")
    (repo / "new.py").write_text(body + "\n\ndef g(url):\n    return requests.get(url, verify=True)\n")
    changes = changes_since("HEAD", repo)
    assert set(changes.files) == {"new.py"} and min(changes.files["new.py"].added) > 30
    found = json.loads(run_cli("scan", "--format", "json", "--diff", "HEAD", cwd=repo).stdout)["findings"]
    assert [f["line"] for f in found] == [len(body.splitlines()) + 4]


def test_paths_follow_a_project_root_below_the_repository_root(tmp_path: Path) -> None:
    repo = init(tmp_path / "repo", {"backend/pyproject.toml": "[tool.backlint]\nselect = ['BL5']\n",
                                    "backend/app/api.py": ONE, "README.md": "x\n"})
    (repo / "backend" / "app" / "api.py").write_text(TWO)
    changes = changes_since("HEAD", repo / "backend")
    assert set(changes.files) == {"app/api.py"}
    backend = repo / "backend"
    data = json.loads(run_cli("scan", "--format", "json", "--diff", "HEAD", cwd=backend).stdout)
    assert [(f["path"], f["line"]) for f in data["findings"]] == [("app/api.py", 12)]
    # GitHub reads paths from the repository root, whatever the project root is.
    sarif = json.loads(run_cli("scan", "--format", "sarif", "--diff", "HEAD", cwd=backend).stdout)["runs"][0]
    assert sarif["originalUriBaseIds"]["%SRCROOT%"]["uri"] == repo.resolve().as_uri() + "/"
    (res,) = sarif["results"]
    assert res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "backend/app/api.py"
    assert res["fixes"][0]["artifactChanges"][0]["artifactLocation"]["uri"] == "backend/app/api.py"
    github = run_cli("scan", "--format", "github", "--diff", "HEAD", cwd=backend).stdout
    assert github.startswith("::warning file=backend/app/api.py,line=12,")


def test_everything_is_new_before_the_first_commit(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    (repo / "app.py").write_text(ONE)
    assert changes_since("HEAD", repo).files["app.py"].whole
    with pytest.raises(GitError, match="no commit yet"):
        changes_since("main", repo)


@pytest.mark.parametrize(
    "ref,fragment",
    [("no-such-branch", "--diff: unknown git ref 'no-such-branch'"), ("--output=x", "--diff: unknown git ref '--output=x'")],
)
def test_unknown_ref_is_a_usage_error(tmp_path: Path, ref: str, fragment: str) -> None:
    repo = init(tmp_path / "repo", {"app.py": ONE})
    proc = run_cli("scan", f"--diff={ref}", cwd=repo)
    assert proc.returncode == 2 and proc.stdout == ""
    (line,) = proc.stderr.strip().splitlines()
    assert fragment in line
    assert not (repo / "x").exists()


def test_outside_a_repository_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(ONE)
    proc = run_cli("scan", ".", "--diff", "HEAD", cwd=tmp_path, env={"GIT_CEILING_DIRECTORIES": str(tmp_path.parent)})
    assert proc.returncode == 2
    (line,) = proc.stderr.strip().splitlines()
    assert "--diff: " in line and "not in a git work tree" in line


def test_repository_configuration_never_runs_programs(tmp_path: Path) -> None:
    """External diff drivers, textconv filters, fsmonitor hooks and pagers set in the repository's
    own configuration stay unused."""
    repo = init(tmp_path / "repo", {"app.py": ONE})
    marker = tmp_path / "ran"
    script = tmp_path / "evil.sh"
    script.write_text(f"#!/bin/sh\necho ran >> {marker}\n")
    script.chmod(0o755)
    for key in ("diff.external", "core.fsmonitor", "core.pager", "diff.evil.textconv", "diff.evil.command"):
        git(repo, "config", key, str(script))
    (repo / ".gitattributes").write_text("*.py diff=evil\n")
    (repo / "app.py").write_text(TWO)
    found = json.loads(run_cli("scan", "--format", "json", "--diff", "HEAD", cwd=repo).stdout)["findings"]
    assert [f["line"] for f in found] == [12]
    assert not marker.exists()
