"""Reporters: each turns a ScanResult into text (people), JSON (scripts), SARIF (code scanning
and editors) or GitHub workflow annotations. All read the same findings and catalogue."""

from __future__ import annotations

from typing import Callable

from backlint.catalog import Catalog
from backlint.findings import ScanResult

FORMATS = ("text", "json", "sarif", "github")


def render(fmt: str, result: ScanResult, catalog: Catalog, *, color: bool = False, include_suppressed: bool = False,
           quiet: bool = False) -> str:
    if fmt == "text":
        from backlint.report import text

        return text.render(result, catalog, color=color, include_suppressed=include_suppressed, quiet=quiet)
    if fmt == "json":
        from backlint.report import json as json_report

        return json_report.render(result, catalog, include_suppressed=include_suppressed)
    if fmt == "sarif":
        from backlint.report import sarif

        return sarif.render(result, catalog, include_suppressed=include_suppressed)
    if fmt == "github":
        from backlint.report import github

        return github.render(result, catalog, include_suppressed=include_suppressed)
    raise ValueError(f"unknown format {fmt!r}")


Renderer = Callable[..., str]
