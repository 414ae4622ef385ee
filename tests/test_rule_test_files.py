"""Test cases of another analyzer's rules (semgrep's `# ruleid:` notation) are test code."""

from __future__ import annotations

from backlint.analysis import analyze_text
from backlint.rules.reliability.request_without_timeout import RequestWithoutTimeout

CASE = "import requests\n\n# ruleid: {rule}\nrequests.get('https://api.example.com/items')\n"


def _found(rule: str, options: dict | None = None) -> int:
    return len(analyze_text("lint/requests/no-requests-lib.py", CASE.format(rule=rule), [(RequestWithoutTimeout, options or {})]).findings)


def test_a_semgrep_rule_test_case_is_left_alone() -> None:
    assert _found("no-requests-lib") == 0
    assert _found("no-requests-lib", {"include-tests": True}) == 1


def test_a_file_annotated_for_backlint_itself_is_scanned() -> None:
    assert _found("BL502") == 1
