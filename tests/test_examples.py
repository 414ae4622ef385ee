"""Every rule's VALID and INVALID examples, through the real analysis path, as tests.

An INVALID example must produce exactly one finding of its rule, on its line; a VALID example
none. Each INVALID example is also checked with a suppression comment on the flagged line.
"""

from __future__ import annotations

import pytest

from backlint import catalog
from backlint.analysis import analyze_text

CATALOG = catalog.load()
CASES = []
for info in CATALOG.rules:
    if info.rule_class is None:
        continue
    options = {name: opt.default for name, opt in info.options.items()}
    for i, ex in enumerate(info.invalid):
        CASES.append(pytest.param(info, options, ex, True, id=f"{info.id}-invalid-{i}"))
    for i, ex in enumerate(info.valid):
        CASES.append(pytest.param(info, options, ex, False, id=f"{info.id}-valid-{i}"))


def _lines(info, options, code, path):
    result = analyze_text(path, code, [(info.rule_class, options)])
    assert not [n for n in result.notifications], result.notifications
    return [f for f in result.findings if f.rule_id == info.id]


@pytest.mark.parametrize("info,options,example,flagged", CASES)
def test_example(info, options, example, flagged):
    findings = _lines(info, options, example.code, example.path)
    if flagged:
        assert [f.region.start_line for f in findings] == [example.line], [f.message for f in findings]
        assert all(f.suppressed is None for f in findings)
    else:
        assert findings == [], [f"{f.region.start_line}: {f.message}" for f in findings]


@pytest.mark.parametrize("info,options,example,flagged", [c for c in CASES if c.values[3]])
def test_invalid_example_can_be_suppressed(info, options, example, flagged):
    lines = example.code.splitlines()
    target = example.line - 1
    lines[target] = lines[target] + f"  # backlint: ignore[{info.id}]"
    findings = _lines(info, options, "\n".join(lines) + "\n", example.path)
    assert len(findings) == 1 and findings[0].suppressed is not None
