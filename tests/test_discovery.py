"""File discovery: excludes, .gitignore, explicit files, symlinks, size limit."""

from __future__ import annotations

import os
from pathlib import Path

from backlint.config import Config
from backlint.discovery import discover


def _rels(root: Path, *paths: Path, **config) -> list[str]:
    targets, _ = discover(list(paths) or [root], Config(root=root, **config))
    return [t.rel for t in targets]


def test_default_excludes_and_gitignore(tmp_path: Path) -> None:
    for rel in ("app/main.py", "app/web.ts", ".venv/lib/x.py", "node_modules/m/index.js", "build/gen.py",
                "app/__pycache__/x.py", "generated/out.py", "app/keep.py", "static/vendor.min.js", "types.d.ts",
                "static/admin/js/vendor/jquery/jquery.js", "pkg/_vendor/six.py", "static/app.bundle.js",
                "web/3rd-party/libflac.js", "src/third_party/lib.py", "ui/third-party/x.ts",
                "src/sdk/consumer/.vite/deps/chunk-DEZHIYJM.js", "web/.next/server/app.js"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("x = 1\n")
    (tmp_path / ".gitignore").write_text("generated/\n")
    (tmp_path / "app" / ".gitignore").write_text("*.py\n!keep.py\n!main.py\n")
    assert _rels(tmp_path) == ["app/keep.py", "app/main.py", "app/web.ts"]
    assert "generated/out.py" in _rels(tmp_path, respect_gitignore=False)
    assert _rels(tmp_path, extend_exclude=("app/keep.py",)) == ["app/main.py", "app/web.ts"]


def test_named_files_are_always_scanned(tmp_path: Path) -> None:
    (tmp_path / "build").mkdir()
    (tmp_path / "build" / "x.py").write_text("x = 1\n")
    assert _rels(tmp_path, tmp_path / "build" / "x.py") == ["build/x.py"]


def test_symlinks(tmp_path: Path) -> None:
    root = tmp_path / "root"
    (root / "pkg").mkdir(parents=True)
    (root / "pkg" / "a.py").write_text("x = 1\n")
    os.symlink(root / "pkg", root / "alias")  # inside: walked once, reported at its real path
    os.symlink(root, root / "pkg" / "loop")
    (tmp_path / "out.py").write_text("x = 1\n")
    os.symlink(tmp_path / "out.py", root / "out.py")
    assert _rels(root) == ["pkg/a.py"]


def test_size_limit(tmp_path: Path) -> None:
    (tmp_path / "big.py").write_text("x = 1\n" * 100)
    (tmp_path / "small.py").write_text("x = 1\n")
    targets, notes = discover([tmp_path], Config(root=tmp_path, max_file_size=100))
    assert [t.rel for t in targets] == ["small.py"]
    assert [(n.kind.value, n.path) for n in notes] == [("too-large", "big.py")]


def test_the_combined_exclude_matcher_agrees_with_pathspec() -> None:
    import pathspec

    from backlint.config import DEFAULT_EXCLUDES
    from backlint.discovery import _matcher

    patterns = [*DEFAULT_EXCLUDES, "legacy/", "*.gen.py", "/top_only.py", "docs/**/*.py", "a?c.js"]
    spec = pathspec.GitIgnoreSpec.from_lines(patterns)
    match = _matcher(spec)
    assert match is not spec.match_file  # the fast path is taken
    paths = ["app/views.py", "node_modules/", "web/node_modules/x.js", ".git/", "x/.venv/", "legacy/", "src/legacy/",
             "legacy.py", "m.gen.py", "top_only.py", "sub/top_only.py", "docs/a/b.py", "docs/b.py", "abc.js",
             "abbc.js", "build/", "build.py", "dist/app.js", "pkg/__pycache__/", "app.min.js", "vendor/", "a/_vendor/"]
    assert [match(p) for p in paths] == [spec.match_file(p) for p in paths]
    negated = pathspec.GitIgnoreSpec.from_lines(["*.py", "!keep.py"])
    assert _matcher(negated) == negated.match_file


def test_a_module_shadowed_by_a_package_beside_it_is_skipped_with_a_note(tmp_path: Path) -> None:
    for rel in ("attendance/__init__.py", "attendance/views.py", "attendance/views/__init__.py",
                "attendance/views/views.py", "attendance/forms.py", "attendance/forms/helpers.py",
                "app.py", "app/__init__.py"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("x = 1\n")
    targets, notes = discover([tmp_path], Config(root=tmp_path))
    rels = [t.rel for t in targets]
    assert "attendance/views.py" not in rels  # the package `views/` is what `import attendance.views` loads
    assert "attendance/views/views.py" in rels
    assert "attendance/forms.py" in rels  # `forms/` has no __init__.py: not a package
    assert "app.py" in rels  # outside a package, a module may be run as a script
    assert [n.path for n in notes if "never imports" in n.message] == ["attendance/views.py"]
