"""Identities of findings that survive unrelated edits.

Two fingerprints go with every finding:

* `line_hashes()` computes GitHub's `primaryLocationLineHash` exactly as codeql-action's
  upload-sarif does (src/fingerprints.ts): a rolling hash over the next 100 non-blank UTF-16
  code units from the start of each line, numbered by how often that hash occurred before.
* `finding_fingerprint()` is backlint's own: rule, path, enclosing function and the flagged code
  with all whitespace removed, plus an ordinal for identical code in the same function. It holds
  no line numbers and no source text, so moving code or reformatting other code keeps it, and
  nothing secret can be read back from it. Its first half names the group of identical findings
  (everything but the ordinal): when a copy of flagged code is inserted above an older one the
  ordinals shift, and a baseline can still tell how many of the group are new.
"""

from __future__ import annotations

import hashlib
import sys
from array import array

_MASK = (1 << 64) - 1
_BLOCK = 100
_FIRST_MOD = pow(37, _BLOCK, 1 << 64)
_EOF = 65535
_UTF16 = "utf-16-le" if sys.byteorder == "little" else "utf-16-be"


def _units(text: str) -> tuple[list[int], list[int]]:
    """Kept UTF-16 code units of `text`, and the index of the first unit of each line.

    GitHub's reading, one unit at a time: spaces and tabs are dropped, a CR becomes an LF, and an
    LF right after a CR is dropped (a space between them keeps both). The same, a string at a
    time: CRLF to CR first (so a space between them still parts them), then the blanks, then CR
    to LF. Every line holds at least its newline, so each starts just after the previous one.
    """
    kept = text.replace("\r\n", "\r").replace(" ", "").replace("\t", "").replace("\r", "\n")
    code = array("H")
    code.frombytes(kept.encode(_UTF16, "surrogatepass"))
    units = code.tolist()
    starts = [0]
    at = kept.find("\n")
    if len(units) == len(kept):  # no astral characters: string and unit indexes agree
        while at >= 0:
            starts.append(at + 1)
            at = kept.find("\n", at + 1)
    else:
        starts.extend(i + 1 for i, c in enumerate(units) if c == 10)
    units.append(_EOF)
    return units, starts


def line_hashes(text: str) -> list[str]:
    """`primaryLocationLineHash` of every line of `text`, in order (index 0 is line 1).

    A text ending in a newline has one more entry, for the empty last line, as in GitHub's.
    """
    units, starts = _units(text)
    n = len(units)
    padded = units + [0] * _BLOCK
    h = 0
    for k in range(_BLOCK):
        h = (h * 37 + padded[k]) & _MASK
    window_hash = [0] * (n + 1)
    window_hash[0] = h
    for s in range(n):
        h = (h * 37 + padded[s + _BLOCK] - _FIRST_MOD * padded[s]) & _MASK
        window_hash[s + 1] = h
    counts: dict[str, int] = {}
    out = []
    for s in starts:
        value = format(window_hash[s], "x")
        counts[value] = counts.get(value, 0) + 1
        out.append(f"{value}:{counts[value]}")
    return out


def normalise_code(code: str) -> str:
    """The flagged code without any whitespace: re-indenting, re-wrapping or moving it keeps it."""
    return "".join(code.split())


GROUP_LENGTH = 16
"""Hex characters of a fingerprint that name its group (rule, path, function, code)."""


def _digest(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode("utf-8", "surrogatepass")).hexdigest()


def finding_fingerprint(rule_id: str, path: str, scope: str, code: str, ordinal: int) -> str:
    """backlint's own fingerprint (hex, 32 characters): the group's 16, then 16 with the ordinal."""
    group = (rule_id, path, scope, normalise_code(code))
    return _digest(*group)[:GROUP_LENGTH] + _digest(*group, str(ordinal))[: 32 - GROUP_LENGTH]


def fingerprint_group(fingerprint: str) -> str:
    """The part of a fingerprint shared by identical findings of one function."""
    return fingerprint[:GROUP_LENGTH]
