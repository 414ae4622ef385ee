"""Facts about a file from its path: test code, settings modules, migrations."""

from __future__ import annotations

import re

_TEST_PATH = re.compile(
    r"(^|/)(tests?|testing|__tests__)/|(^|/)conftest\.py$|(^|/|_)tests?(_[^/]*)?\.py$|(^|/)test_[^/]*\.py$|_testing\.py$"
)
_SETTINGS_PATH = re.compile(r"(^|/)(settings|config|conf|configs)(/|\.py$)|(^|/)[^/]*settings[^/]*\.py$")


def is_test_path(path: str) -> bool:
    """tests/, test_*.py, *_test.py, conftest.py (POSIX, project-relative)."""
    return bool(_TEST_PATH.search(path))


def is_settings_path(path: str) -> bool:
    """A settings or configuration module by its name: settings.py, settings/prod.py, config.py..."""
    return bool(_SETTINGS_PATH.search(path))
