"""SARIF 2.1.0 for GitHub code scanning and SARIF viewers, built with sarif-om.

What GitHub and the VS Code SARIF Viewer need (../shared/sarif/REQUIREMENTS.md) and how it is met:

* one run, `tool.driver.rules` holding every enabled rule in catalogue order (so `ruleIndex` is
  stable and every rule has its help), each with name, short and full description, Markdown help
  (the same text as `backlint explain`), helpUri, default level, tags with CWE, `precision`, and
  `security-severity` for security rules or `problem.severity` for the others;
* results with repo-relative, percent-encoded URIs under `%SRCROOT%`, defined in
  `originalUriBaseIds`, regions with 1-based lines and UTF-16 columns (`columnKind`), GitHub's
  `primaryLocationLineHash` plus backlint's own fingerprint, related locations, fixes;
* `%SRCROOT%` is the git work tree around the project root (GitHub resolves every relative URI
  against the repository root and ignores `originalUriBaseIds`), given as an absolute `file:` URI
  so that the VS Code SARIF Viewer opens results wherever the log is read; `--no-absolute-base`
  leaves the URI out (for logs shared between machines) and keeps the description;
* suppressed findings only with `--include-suppressed`, then with `suppressions`;
* with --baseline or --diff, `baselineState` "new" or "unchanged" on every result (unchanged ones
  only with --include-unchanged) and the counts in the run's `backlint/review` property. Baseline
  entries that are gone are counted there, not written as `absent` results: a baseline keeps no
  line numbers to give them a location, and GitHub ignores `baselineState`, so an absent result
  would open an alert for code that no longer exists;
* `--category X` writes `automationDetails.id` "X/" (category X, no run id), so that several
  analyses of one repository (say backend/ and frontend/) upload side by side;
* `invocations` with `executionSuccessful` and every notification;
* no timestamps: the same tree gives the same bytes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

import attr
import sarif_om as om

from backlint import __version__
from backlint.catalog import Catalog, RuleInfo
from backlint.docs import full_description, render_markdown
from backlint.findings import Finding, Level, Region, ScanResult
from backlint.report import Locate, counted, repository_root
from backlint.review import Review

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/backlint/backlint"
SRCROOT = "%SRCROOT%"
_PRECISION = {"very-high": "very-high", "high": "high", "medium": "medium", "low": "low"}
_PROBLEM_SEVERITY = {Level.ERROR: "error", Level.WARNING: "warning", Level.NOTE: "recommendation"}


def uri(path: str) -> str:
    """A repo-relative path as a percent-encoded URI reference (RFC 3986)."""
    return quote(path, safe="/")


def _bag(**values: Any) -> om.PropertyBag:
    bag = om.PropertyBag(tags=values.pop("tags", None))
    for key, value in values.items():
        if value is not None:
            setattr(bag, key, value)
    return bag


def _descriptor(info: RuleInfo) -> om.ReportingDescriptor:
    help_md = render_markdown(info)
    tags = ["security"] if info.is_security else []
    tags += [f"external/cwe/cwe-{c}" for c in info.cwe]
    for tag in (info.family, *info.tags):
        if tag and tag not in tags:
            tags.append(tag)
    extra: dict[str, Any] = {"precision": _PRECISION[info.confidence.value]}
    if info.is_security:
        extra["security-severity"] = f"{info.security_severity:.1f}"
    else:
        extra["problem.severity"] = _PROBLEM_SEVERITY[info.level]
    return om.ReportingDescriptor(
        id=info.id,
        name=info.name,
        short_description=om.MultiformatMessageString(text=info.summary),
        full_description=om.MultiformatMessageString(text=full_description(info)),
        help=om.MultiformatMessageString(text=help_md, markdown=help_md),
        help_uri=info.help_uri,
        default_configuration=om.ReportingConfiguration(level=info.level.value),
        properties=_bag(tags=tags[:10], **extra),
    )


def _region(r: Region) -> om.Region:
    return om.Region(
        start_line=r.start_line,
        start_column=r.start_column_utf16,
        end_line=r.end_line,
        end_column=r.end_column_utf16,
    )


def _artifact(path: str, locate: Locate) -> om.ArtifactLocation:
    return om.ArtifactLocation(uri=uri(locate(path)), uri_base_id=SRCROOT)


def _location(path: str, r: Region, locate: Locate, message: str | None = None, ident: int | None = None) -> om.Location:
    return om.Location(
        id=ident,
        physical_location=om.PhysicalLocation(artifact_location=_artifact(path, locate), region=_region(r)),
        message=om.Message(text=message) if message else None,
    )


def _fixes(f: Finding, locate: Locate) -> list[om.Fix] | None:
    """The finding's fix as the VS Code SARIF Viewer applies it: one artifact change whose
    replacements delete a region (empty for an insertion) and insert text in its place."""
    if f.fix is None:
        return None
    replacements = [
        om.Replacement(deleted_region=_region(rep.region), inserted_content=om.ArtifactContent(text=rep.text))
        for rep in f.fix.replacements
    ]
    return [
        om.Fix(
            description=om.Message(text=f.fix.description),
            artifact_changes=[om.ArtifactChange(artifact_location=_artifact(f.path, locate), replacements=replacements)],
        )
    ]


def _result(f: Finding, index: dict[str, int], locate: Locate, review: Review | None) -> om.Result:
    related = [_location(f.path, rel.region, locate, rel.message, i + 1) for i, rel in enumerate(f.related)] or None
    fingerprints = {"backlint/v1": f.fingerprint}
    if f.line_hash:
        fingerprints["primaryLocationLineHash"] = f.line_hash
    return om.Result(
        rule_id=f.rule_id,
        rule_index=index[f.rule_id],
        level=f.level.value,
        message=om.Message(text=f.message),
        locations=[_location(f.path, f.region, locate)],
        related_locations=related,
        partial_fingerprints=fingerprints,
        fixes=_fixes(f, locate),
        suppressions=[om.Suppression(kind="inSource", justification=f.suppressed)] if f.suppressed is not None else None,
        baseline_state=review.state(f) if review is not None else None,
    )


def _notification(n: Any, locate: Locate) -> om.Notification:
    locations = None
    if n.path:
        region = om.Region(start_line=n.line, start_column=n.column) if n.line else None
        locations = [om.Location(physical_location=om.PhysicalLocation(artifact_location=_artifact(n.path, locate), region=region))]
    return om.Notification(
        message=om.Message(text=n.message),
        level=n.level.value,
        locations=locations,
        descriptor=om.ReportingDescriptorReference(id=n.kind.value),
    )


def _review_counts(result: ScanResult, review: Review | None) -> om.PropertyBag | None:
    if review is None:
        return None
    bag = om.PropertyBag()
    setattr(bag, "backlint/review", {"new": len(counted(result.findings, review)), "unchanged": review.unchanged_count,
                                     "absent": review.absent})
    return bag


def build(result: ScanResult, catalog: Catalog, *, include_suppressed: bool = False, absolute_base: bool = True,
          category: str | None = None, review: Review | None = None) -> om.SarifLog:
    infos = [catalog.by_id[rid] for rid in result.rule_ids if rid in catalog.by_id]
    extra_ids = sorted({f.rule_id for f in result.findings} - {i.id for i in infos})
    infos += [catalog.by_id[rid] for rid in extra_ids if rid in catalog.by_id]
    index = {info.id: i for i, info in enumerate(infos)}
    findings = [f for f in result.findings if (include_suppressed or f.suppressed is None) and f.rule_id in index]
    top, locate = repository_root(Path(result.root))
    base = om.ArtifactLocation(
        uri=top.as_uri().rstrip("/") + "/" if absolute_base else None,
        description=om.Message(text="The repository root (else the project root): every result's path is relative to it."),
    )
    run = om.Run(
        tool=om.Tool(
            driver=om.ToolComponent(
                name="backlint",
                full_name=f"backlint {__version__}",
                version=__version__,
                semantic_version=__version__,
                information_uri=INFORMATION_URI,
                rules=[_descriptor(info) for info in infos],
            )
        ),
        results=[_result(f, index, locate, review) for f in findings],
        column_kind="utf16CodeUnits",
        original_uri_base_ids={SRCROOT: base},
        invocations=[
            om.Invocation(
                execution_successful=True,
                tool_execution_notifications=[_notification(n, locate) for n in result.notifications] or None,
            )
        ],
        automation_details=om.RunAutomationDetails(id=f"{category}/") if category else None,
        properties=_review_counts(result, review),
    )
    return om.SarifLog(version="2.1.0", schema_uri=SCHEMA_URI, runs=[run])


# -- serialisation ------------------------------------------------------------------------------


_ALWAYS = frozenset({"level", "version"})
"""Written even at their default: GitHub wants every result's level spelled out."""


def to_data(obj: Any) -> Any:
    """sarif-om objects -> JSON data, leaving out fields at their default value."""
    if attr.has(type(obj)):
        out: dict[str, Any] = {}
        for a in attr.fields(type(obj)):
            value = getattr(obj, a.name)
            default = a.default.factory() if isinstance(a.default, attr.Factory) else a.default  # type: ignore[arg-type]
            if value is None or (a.name not in _ALWAYS and a.default is not attr.NOTHING and value == default):
                continue
            out[a.metadata.get("schema_property_name", a.name)] = to_data(value)
        for key, value in sorted(vars(obj).items()):
            if key not in out and not any(a.name == key for a in attr.fields(type(obj))) and value is not None:
                out[key] = to_data(value)
        return out
    if isinstance(obj, dict):
        return {k: to_data(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_data(v) for v in obj]
    return obj


def render(result: ScanResult, catalog: Catalog, *, include_suppressed: bool = False, absolute_base: bool = True,
           category: str | None = None, review: Review | None = None) -> str:
    log = build(result, catalog, include_suppressed=include_suppressed, absolute_base=absolute_base, category=category,
                review=review)
    data = to_data(log)
    # `version` and `$schema` first, as readers expect; `version` has a default so keep it explicitly.
    ordered = {"$schema": SCHEMA_URI, "version": "2.1.0", **{k: v for k, v in data.items() if k not in ("$schema", "version")}}
    run = ordered["runs"][0]
    run.setdefault("results", [])
    return json.dumps(ordered, indent=2, ensure_ascii=False) + "\n"
