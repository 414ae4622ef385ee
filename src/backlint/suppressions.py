"""Inline suppressions: `# backlint: ignore[BL101]`, `# backlint: ignore` and `# noqa: BL101`.

A comment suppresses a finding when it is on the finding's first line or on the first line of
the statement that holds it, or on a line of a place the rule names as where the flagged value
was built (the lines of a multi-line SQL string, where ruff wants its `# noqa: S608`). Ids may be prefixes (`ignore[BL1]` covers BL101-BL199). A bare
`# noqa` does not suppress backlint findings: it is too often there for another linter.
JavaScript and TypeScript files take `// backlint: ignore[...]` and `/* backlint: ignore */`.

A rule also honours the suppressions other tools' users already wrote for the same check (its
`PEER_CODES`): `# noqa: S110` (ruff, flake8), `# nosec B110` (bandit), `# pylint:
disable=broad-except`, also `# noqa E722` without its colon (which flake8 and ruff read as a blanket
`noqa`; the code shows what the author meant). Only by code: a bare `# nosec` or `# noqa` still does not suppress. As
in pylint, a `# pylint: disable=...` comment on a line of its own covers the rest of the block it
is in (at the top level of a module, the rest of the module).
"""

from __future__ import annotations

import io
import re
import tokenize
from typing import Iterable

_DIRECTIVE = re.compile(
    r"backlint\s*:\s*ignore(?:\s*\[(?P<ids>[^\]]*)\])?"
    r"|\bnoqa\s*:?\s*(?P<codes>[A-Za-z]+[0-9]+(?:\s*,?\s*[A-Za-z]+[0-9]+)*)",
    re.IGNORECASE,
)
_JS_COMMENT = re.compile(r"(?://|/\*)\s*(?P<body>backlint\s*:\s*ignore[^*\n]*)")


_PEER_DIRECTIVE = re.compile(
    r"\bnosec\b\s*:?\s*(?P<nosec>[A-Za-z]\d+(?:\s*,\s*[A-Za-z]\d+)*)"
    r"|\bpylint\s*:\s*disable\s*=\s*(?P<pylint>[\w-]+(?:\s*,\s*[\w-]+)*)",
    re.IGNORECASE,
)


def _peer_codes_in(comment: str) -> set[str]:
    """The other tools' check codes a comment suppresses, upper-cased."""
    found: set[str] = set()
    for m in _DIRECTIVE.finditer(comment):
        if m.group("codes") is not None:
            found.update(c.upper() for c in re.split(r"[\s,]+", m.group("codes").strip()) if c)
    for m in _PEER_DIRECTIVE.finditer(comment):
        found.update(c.upper() for c in re.split(r"[\s,]+", (m.group("nosec") or m.group("pylint")).strip()) if c)
    return found


def matches(rule_id: str, comment: str, peer_codes: Iterable[str] = ()) -> bool:
    """Whether the comment text (with or without its `#`) suppresses `rule_id`, directly or
    through one of `peer_codes` (other tools' codes for the same check)."""
    peers = {c.upper() for c in peer_codes}
    if peers and peers & _peer_codes_in(comment):
        return True
    for m in _DIRECTIVE.finditer(comment):
        if m.group("codes") is not None:
            codes = re.split(r"[\s,]+", m.group("codes").strip())
            if any(rule_id.upper().startswith(c.upper()) for c in codes if c.upper().startswith("BL")):
                return True
            continue
        ids = m.group("ids")
        if ids is None:
            return True
        for part in re.split(r"[\s,]+", ids.strip()):
            if part and rule_id.upper().startswith(part.upper()):
                return True
    return False


def python_comments(lines: list[str], first: int, last: int) -> dict[int, str]:
    """Comments on lines `first`..`last` (1-based) of Python source, by line.

    Tokenizes only that range, which starts at a statement; an unfinished bracket at the end of
    the range just ends the scan.
    """
    span = lines[first - 1 : last]
    if not any("#" in line for line in span):
        return {}  # no comment can be there; the tokenizer (and its first-use regex) is spared
    chunk = "\n".join(span) + "\n"
    found: dict[int, str] = {}
    try:
        for tok in tokenize.generate_tokens(io.StringIO(chunk).readline):
            if tok.type == tokenize.COMMENT:
                found[first + tok.start[0] - 1] = tok.string
    except (tokenize.TokenError, IndentationError, SyntaxError):
        pass
    if not found:
        # A range that starts inside a string the tokenizer cannot see: fall back to text.
        for no in range(first, min(last, len(lines)) + 1):
            text = lines[no - 1]
            if "#" in text and (_DIRECTIVE.search(text) or _PEER_DIRECTIVE.search(text)):
                found[no] = text[text.index("#") :]
    return found


_OWN_LINE_PYLINT = re.compile(r"\s*#\s*pylint\s*:\s*disable\s*=")


def own_line_disables(lines: list[str]) -> list[tuple[int, int, str]]:
    """`# pylint: disable=missing-timeout` alone on a line: (first line, last line, comment)
    covered, as pylint scopes it: from that line to the end of the block it sits in (at column 0,
    the rest of the module)."""
    found: list[tuple[int, int, str]] = []
    for no, line in enumerate(lines, 1):
        if not _OWN_LINE_PYLINT.match(line):
            continue
        indent = len(line) - len(line.lstrip())
        end = len(lines)
        if indent:
            for later in range(no, len(lines)):
                text = lines[later]
                stripped = text.lstrip()
                if stripped and not stripped.startswith("#") and len(text) - len(stripped) < indent:
                    end = later  # the 1-based number of the line before it
                    break
        found.append((no, end, line.strip()))
    return found


def js_comment(line: str) -> str | None:
    m = _JS_COMMENT.search(line)
    return m.group("body") if m else None


def suppressing_comment(rule_id: str, comments: Iterable[str], peer_codes: Iterable[str] = ()) -> str | None:
    peers = tuple(peer_codes)
    for comment in comments:
        if matches(rule_id, comment, peers):
            return comment.strip()
    return None
