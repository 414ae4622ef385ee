"""The README stays true: two commands first, every rule listed."""

from __future__ import annotations

import re

from backlint import catalog
from conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_opens_with_exactly_two_commands() -> None:
    first_block = re.search(r"```sh\n(.*?)\n```", README, re.S)
    assert first_block is not None and README.index("```sh") < README.index("\n## ")
    commands = [line for line in first_block.group(1).splitlines() if line.strip()]
    assert commands == ["pip install . && backlint scan fixtures/", "pip install '.[test]' && python -m pytest"]


def test_readme_lists_every_rule() -> None:
    for info in catalog.load().rules:
        assert f"| {info.id} | {info.name} |" in README, info.id


def test_ci_runs_the_readme_test_command() -> None:
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "README.md" in script and "sed -n 2p" in script
