"""The Rule base class: one rule is one class in one file, holding its metadata, its examples
(which are its first tests and its documentation) and its visitor methods.

    class SqlStringBuilding(Rule):
        '''SQL text built from non-constant parts reaches a database call.

        Why it matters, in Markdown...'''
        ID = "BL101"
        LEVEL = Level.ERROR
        MESSAGE = "SQL built with {how} reaches {sink}"
        VALID = [Valid('cur.execute("SELECT 1")')]
        INVALID = [Invalid('cur.execute(f"SELECT {x}")', line=1)]

        def visit_Call(self, node: cst.Call) -> None:
            ...
            self.report(node, how="an f-string", sink="cursor.execute()")

UPPER_CASE attributes are declared by the author; NAME, FAMILY, SUMMARY and RATIONALE are derived
(from the module's file stem, its package and the docstring). Visitor methods are named after
libcst node classes (`visit_Call`, `leave_FunctionDef`) and all rules share one traversal.
"""

from __future__ import annotations

import inspect
import re
import string
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, ClassVar, Mapping, Sequence

import libcst as cst

from backlint.findings import Confidence, Level
from backlint.rulemeta import Example, Invalid, Option, Valid

__all__ = ["Edit", "Example", "FixSpec", "Invalid", "Option", "Rule", "Valid"]

if TYPE_CHECKING:
    from backlint.analysis import FileContext


_VISIT = re.compile(r"^(visit|leave)_([A-Z]\w*)$")


class Rule:
    """Base class of every libcst rule."""

    # -- declared by each rule --------------------------------------------------------------
    ID: ClassVar[str] = ""
    LEVEL: ClassVar[Level] = Level.WARNING
    CONFIDENCE: ClassVar[Confidence] = Confidence.MEDIUM
    CWE: ClassVar[tuple[int, ...]] = ()
    SECURITY_SEVERITY: ClassVar[float | None] = None
    """CVSS-like score (0.1-10) for security rules; None for quality rules."""
    TAGS: ClassVar[tuple[str, ...]] = ()
    MESSAGE: ClassVar[str] = ""
    """A `str.format` template filled from the keyword arguments of `report()`."""
    FIX: ClassVar[str] = ""
    """What to do instead (Markdown), shown by `explain` and in SARIF help."""
    VALID: ClassVar[Sequence[Valid | str]] = ()
    INVALID: ClassVar[Sequence[Invalid]] = ()
    OPTIONS: ClassVar[Mapping[str, Option]] = {}
    REFERENCES: ClassVar[tuple[str, ...]] = ()
    PREFILTER: ClassVar[tuple[str, ...]] = ()
    """Substrings (case-sensitive): a file whose text holds none of them is never shown to the
    rule. Plain substring tests keep the check far cheaper than the parse it saves."""
    PEER_CODES: ClassVar[tuple[str, ...]] = ()
    """Other tools' codes for this same check (`S110`, `B110`, `broad-except`): their
    suppression comments suppress this rule too (see backlint.suppressions)."""
    MIGRATIONS: ClassVar[bool] = True
    """Whether the rule looks at schema and data migrations (run once, by an operator, with SQL and
    connections built from the code's own names)."""
    TESTS: ClassVar[bool] = True
    """Whether the rule looks at test code. Rules that say no get an `include-tests` option."""

    # -- derived ----------------------------------------------------------------------------
    NAME: ClassVar[str] = ""
    FAMILY: ClassVar[str] = ""
    SUMMARY: ClassVar[str] = ""
    RATIONALE: ClassVar[str] = ""
    HANDLERS: ClassVar[tuple[tuple[str, str], ...]] = ()
    """(`visit`|`leave`, node class name) for each visitor method."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        parts = cls.__module__.split(".")
        cls.NAME = parts[-1].replace("_", "-")
        cls.FAMILY = parts[-2].replace("_", "-") if len(parts) > 1 else ""
        doc = inspect.cleandoc(cls.__doc__ or "")
        summary, _, rationale = doc.partition("\n\n")
        cls.SUMMARY = " ".join(summary.split())
        cls.RATIONALE = rationale.strip()
        handlers = []
        for attr in dir(cls):
            m = _VISIT.match(attr)
            if m and callable(getattr(cls, attr)):
                if not hasattr(cst, m.group(2)):
                    raise TypeError(f"{cls.__name__}.{attr}: libcst has no node class {m.group(2)}")
                handlers.append((m.group(1), m.group(2)))
        cls.HANDLERS = tuple(sorted(handlers))

        if not cls.TESTS and "include-tests" not in cls.OPTIONS:
            cls.OPTIONS = {
                **cls.OPTIONS,
                "include-tests": Option(False, "Also look at test code (tests/, test_*.py, *_test.py, conftest.py, mocks, semgrep rule test cases).", kind=bool),
            }

    def __init__(self, ctx: FileContext, options: Mapping[str, Any]) -> None:
        self.ctx = ctx
        self.options = options

    @classmethod
    def wants(cls, path: str, options: Mapping[str, Any]) -> bool:
        """Whether the rule looks at the file at `path` at all (checked before reading it)."""
        from backlint.frameworks.project import is_migration_path, is_test_path

        if not cls.MIGRATIONS and is_migration_path(path):
            return False
        return cls.TESTS or bool(options.get("include-tests")) or not is_test_path(path)

    @classmethod
    def wants_text(cls, text: str) -> bool:
        """Whether the file's text could hold anything the rule flags (checked before parsing)."""
        return not cls.PREFILTER or any(word in text for word in cls.PREFILTER)

    def report(
        self,
        node: cst.CSTNode,
        message: str | None = None,
        *,
        level: Level | None = None,
        related: Sequence[tuple[cst.CSTNode, str]] = (),
        redact: Sequence[cst.CSTNode] = (),
        fix: FixSpec | None = None,
        suppressible_at: Sequence[cst.CSTNode] = (),
        **fields: Any,
    ) -> None:
        """Report `node`. The message is `message`, or MESSAGE filled with `fields`.

        `related` are other places worth showing (where a value was built, for instance);
        `redact` are nodes whose text must never appear in any output (secrets);
        `suppressible_at` are other nodes on whose lines a suppression comment counts (where a
        peer tool reports the same problem), besides the finding's and the related nodes' lines.
        """
        text, fixed = (message, ()) if message is not None else filled(self.MESSAGE, fields)
        self.ctx.add_finding(self, node, text, level or self.LEVEL, related, redact, fix, fixed, suppressible_at)


def filled(template: str, fields: Mapping[str, Any]) -> tuple[str, tuple[tuple[int, int], ...]]:
    """`template.format(**fields)`, and the spans of the result that are the template's own text:
    a secret masked in messages is masked only where code put it, not in the words around it
    (a password `read` must not turn "read it from the environment" into "**** it from ...")."""
    formatter = string.Formatter()
    parts: list[str] = []
    fixed: list[tuple[int, int]] = []
    at = 0
    for literal, name, spec, conversion in formatter.parse(template):
        if literal:
            fixed.append((at, at + len(literal)))
            parts.append(literal)
            at += len(literal)
        if name is not None:
            value = formatter.convert_field(formatter.get_field(name, (), fields)[0], conversion)
            text = formatter.format_field(value, spec or "")
            parts.append(text)
            at += len(text)
    return "".join(parts), tuple(fixed)


@dataclass(frozen=True)
class Edit:
    """One change of a fix: replace the source of `node` with `text`, or insert `text` before
    or after it."""

    node: cst.CSTNode
    text: str
    mode: str = "replace"
    """"replace", "before" or "after"."""


@dataclass(frozen=True)
class FixSpec:
    """A safe, mechanical fix as a rule states it."""

    description: str
    edits: tuple[Edit, ...] = field(default_factory=tuple)


RuleType = type[Rule]
Handler = Callable[[cst.CSTNode], None]
