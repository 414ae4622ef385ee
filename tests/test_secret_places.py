"""BL301 by where the code lives: example and demo code, and the local or CI stack of a development directory,
hold sample values, except real key shapes."""

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
                                  "noxfiles/ci_nox.py", "noxfile.py", "dev/containers/s3-proxy/proxy.py", "userdb/fixtures/orcid.py",
                                  "devel/ci/integration/resultsdb/settings.py"])
def test_sample_values_in_example_code_are_left_alone(path: str) -> None:
    assert _found(path, CODE) == 0
    assert _found(path, TOKEN) == 1  # a provider token's shape is usable as it stands


def test_the_same_value_in_the_service_is_reported() -> None:
    assert _found("apps/accounts/client.py", CODE) == 1


@pytest.mark.parametrize("filler", ["1234", "0123456789012345678901234567890123456789"])
def test_counting_digits_are_a_filler(filler: str) -> None:
    assert _found("app/settings.py", f'SECRET_KEY = "{filler}"\n') == 0
    assert _found("app/settings.py", 'SECRET_KEY = "8301927465"\n') == 1


def test_namespaced_keys_and_control_markers_are_not_secrets() -> None:
    assert _found("app/settings.py", 'WIKI_REBUILD_TOKEN = "sumo:wiki:full-rebuild"\n') == 0
    assert _found("app/parser.py", 'def mark():\n    token = "\\x91/sf\\x91"\n    return token\n') == 0
    assert _found("app/settings.py", 'WIKI_REBUILD_TOKEN = "sumo:Wk9x2Lq7Rt"\n') == 1  # random-looking after the prefix


def test_a_compose_service_password_spelled_from_its_own_url_is_a_local_default() -> None:
    assert _found("app/settings.py", 'CACHES = {"default": {"LOCATION": "redis://:redispassword@cache:6379"}}\n') == 0
    assert _found("app/settings.py", 'CACHES = {"default": {"LOCATION": "redis://:Hq7vT2pLx9@cache:6379"}}\n') == 1
    assert _found("app/settings.py", 'DB = "postgres://app:redispassword@db.prod.example.net/app"\n') == 1


def test_values_of_a_manual_run_are_samples() -> None:
    code = (
        'def main():\n    run(password="Sup3r-Secr3t-Pw")\n\n\n'
        'def serve():\n    connect(password="Sup3r-Secr3t-Pw")\n\n\n'
        'if __name__ == "__main__":\n    main()\n    resolver = {"Password": "Pa55w0rd-xyz"}\n'
    )
    assert _found("app/resolver.py", code) == 1  # only `serve`, which the service may call
    assert _found("app/resolver.py", code + "main()\n") == 2  # main runs on import too


def test_a_loopback_database_url_is_a_local_identity() -> None:
    assert _found("app/tools.py", 'URL = "postgresql://otpd:linotp2d@localhost/otpdb"\n') == 0
    assert _found("app/tools.py", 'URL = "postgresql://otpd:linotp2d@db.internal.example.net/otpdb"\n') == 1
    assert _found("app/tools.py", 'URL = "postgresql://otpd:kQ7vT2pLx9mWz4RtY8bN3@localhost/otpdb"\n') == 1  # generated: a real one


def test_a_repositorys_top_level_fixtures_are_apps_not_sample_records() -> None:
    assert _found("fixtures/flask_app/shop/config.py", CODE) == 1  # whole example applications, reviewed as code
    assert _found("src/eduid/userdb/fixtures/orcid.py", CODE) == 0
