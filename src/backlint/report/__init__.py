"""Reporters: each turns a ScanResult into text (people), JSON (scripts), SARIF (code scanning
and editors) or GitHub workflow annotations. All read the same findings and catalogue."""

from __future__ import annotations

import posixpath
from pathlib import Path
from typing import Callable

from backlint.catalog import Catalog
from backlint.findings import Finding, ScanResult
from backlint.review import Review

FORMATS = ("text", "json", "sarif", "github")

Locate = Callable[[str], str]
"""A project-relative path -> the path relative to the repository root (see repository_root)."""


def render(fmt: str, result: ScanResult, catalog: Catalog, *, color: bool = False, include_suppressed: bool = False,
           quiet: bool = False, review: Review | None = None, absolute_base: bool = True, category: str | None = None) -> str:
    """`result` in format `fmt`. With `review` (--baseline, --diff), findings it calls unchanged
    are marked and never counted; the caller has already left out those it should not show."""
    if fmt == "text":
        from backlint.report import text

        return text.render(result, catalog, color=color, include_suppressed=include_suppressed, quiet=quiet, review=review)
    if fmt == "json":
        from backlint.report import json as json_report

        return json_report.render(result, catalog, include_suppressed=include_suppressed, review=review)
    if fmt == "sarif":
        from backlint.report import sarif

        return sarif.render(result, catalog, include_suppressed=include_suppressed, absolute_base=absolute_base,
                            category=category, review=review)
    if fmt == "github":
        from backlint.report import github

        return github.render(result, catalog, review=review)
    raise ValueError(f"unknown format {fmt!r}")


def counted(findings: list[Finding], review: Review | None) -> list[Finding]:
    """The findings that count (for summaries and exit codes): not suppressed, and new."""
    return [f for f in findings if f.suppressed is None and (review is None or review.is_new(f))]


def repository_root(root: Path) -> tuple[Path, Locate]:
    """The git work tree around the project root (else the root itself), and how a project-relative
    path reads from there.

    GitHub reads every path in SARIF and annotations relative to the repository root, whatever
    `originalUriBaseIds` says, while backlint's paths are relative to the project root, which is
    a subdirectory when the configuration is in, say, backend/pyproject.toml.
    """
    top = next((d for d in (root, *root.parents) if (d / ".git").exists()), root)
    prefix = root.relative_to(top).as_posix() if top != root else ""
    if not prefix:
        return top, lambda path: path
    return top, lambda path: posixpath.normpath(f"{prefix}/{path}")
