"""What the catalogue knows about a rule besides its code: its examples and its options.

Kept apart from `backlint.rule` (which needs libcst) so that a scan whose files are all cached
can describe its rules without importing the analyzer.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Example:
    code: str
    note: str = ""
    """One sentence: why this code is flagged, or why it is deliberately left alone."""
    path: str = "app/module.py"
    """The file name the example is analysed as (some rules care, e.g. settings modules)."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "code", textwrap.dedent(self.code).strip("\n") + "\n")


@dataclass(frozen=True)
class Valid(Example):
    """Code the rule must not flag."""


@dataclass(frozen=True)
class Invalid(Example):
    """Code the rule must flag exactly once, on `line` (1-based, within the dedented code)."""

    line: int = 1


@dataclass(frozen=True)
class Option:
    """A per-rule setting, configured as `[tool.backlint.rules.BL401] max-statements = 40`."""

    default: Any
    help: str
    kind: type = int
    minimum: int | None = None

    def validate(self, value: Any) -> Any:
        """Return the value if it fits, else raise ValueError naming what was expected."""
        if self.kind is bool:
            if not isinstance(value, bool):
                raise ValueError("expected true or false")
            return value
        if self.kind is int:
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValueError("expected an integer")
            if self.minimum is not None and value < self.minimum:
                raise ValueError(f"expected an integer >= {self.minimum}")
            return value
        if self.kind is str:
            if not isinstance(value, str):
                raise ValueError("expected a string")
            return value
        if self.kind is list:
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ValueError("expected a list of strings")
            return tuple(value)
        raise ValueError(f"unsupported option type {self.kind.__name__}")
