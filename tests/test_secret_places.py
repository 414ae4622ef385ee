"""BL301 by where the code lives: example and demo code holds sample values, except real key shapes."""

from __future__ import annotations

import pytest

from backlint.analysis import analyze_text
from backlint.frameworks.project import EMPTY
from backlint.rules.configuration.hardcoded_secret import HardcodedSecret

CODE = 'import os\n\nKEY_SECRET = os.getenv("API_KEY_SECRET", "6fuSO7P1m4cj8SSlgaYdblOjNAmnxDVD7tr8")\n'
TOKEN = 'GITHUB_TOKEN = "ghp_' + "aB3dE6gH9jK2mN5pQ8sT1vW4yZ7bC0eF3hJ6" + '"\n'


def _found(path: str, code: str) -> int:
    return len(analyze_text(path, code, [(HardcodedSecret, {})], EMPTY).findings)


@pytest.mark.parametrize("path", ["apps/accounts/demos/python/demo.py", "examples/client.py", "docs/manual/settings_local.py",
                                  "noxfiles/ci_nox.py", "noxfile.py"])
def test_sample_values_in_example_code_are_left_alone(path: str) -> None:
    assert _found(path, CODE) == 0
    assert _found(path, TOKEN) == 1  # a provider token's shape is usable as it stands


def test_the_same_value_in_the_service_is_reported() -> None:
    assert _found("apps/accounts/client.py", CODE) == 1


@pytest.mark.parametrize("filler", ["1234", "0123456789012345678901234567890123456789"])
def test_counting_digits_are_a_filler(filler: str) -> None:
    assert _found("app/settings.py", f'SECRET_KEY = "{filler}"\n') == 0
    assert _found("app/settings.py", 'SECRET_KEY = "8301927465"\n') == 1
