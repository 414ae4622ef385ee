"""Precision fixes from held-out round 21, each with the case that stays flagged beside it."""

from __future__ import annotations

import textwrap

from backlint.analysis import analyze_text
from backlint.frameworks.project import EMPTY, facts_from_text, has_hints
from backlint.rules.errors.swallowed_exception import SwallowedException
from backlint.rules.reliability.request_without_timeout import RequestWithoutTimeout


def _lines(rule: type, code: str, path: str = "app/services.py", facts=EMPTY) -> list[int]:  # type: ignore[no-untyped-def]
    result = analyze_text(path, textwrap.dedent(code), [(rule, {})], facts)
    assert not result.notifications, result.notifications
    return [f.region.start_line for f in result.findings]


def test_an_http_post_is_the_transport_of_a_function_named_for_reading() -> None:
    code = """
    class Client:
        def _get_auth(self):
            try:
                self.response = self.session.post(self.url, data=self.login)
            except Exception:
                return None
            return self.response.json()["result"]

        def push_torrent(self, body):
            try:
                self.session.post(self.url, data=body)
            except Exception:
                return None
            return True
    """
    assert _lines(SwallowedException, code) == [13]


def test_a_word_that_is_also_a_noun_is_a_verb_only_first() -> None:
    code = """
    def load_all(load_credential_set, cache, make_post_data, fetch):
        sets = []
        while True:
            try:
                sets.append(load_credential_set("_1"))
            except Exception:
                break
        try:
            fetch(make_post_data())
        except Exception:
            pass
        try:
            cache.set("sets", sets)
        except Exception:
            pass
        return sets
    """
    assert _lines(SwallowedException, code) == [15]


def test_urlopen_uses_the_process_wide_socket_timeout_but_requests_does_not() -> None:
    code = """
    import requests
    from urllib.request import urlopen

    def notify(url, data):
        urlopen(url, data)
        requests.post(url, data=data)
    """
    assert _lines(RequestWithoutTimeout, code) == [6, 7]
    text = "import socket\nsocket.setdefaulttimeout(settings.SOCKET_TIMEOUT)\n"
    assert has_hints(text.encode())  # the scan reads the facts of files with hints only
    startup = facts_from_text(text, "app/start.py")
    assert _lines(RequestWithoutTimeout, code, facts=startup) == [7]
    switched_off = facts_from_text("import socket\nsocket.setdefaulttimeout(None)\n", "app/start.py")
    assert _lines(RequestWithoutTimeout, code, facts=switched_off) == [6, 7]
    in_a_test = facts_from_text("import socket\nsocket.setdefaulttimeout(5)\n", "tests/test_notify.py")
    assert _lines(RequestWithoutTimeout, code, facts=in_a_test) == [6, 7]


def test_build_hooks_and_management_commands_are_an_operators_process() -> None:
    code = """
    import requests

    def fetch_ui(url):
        return requests.get(url).content
    """
    assert _lines(RequestWithoutTimeout, code) == [5]
    assert _lines(RequestWithoutTimeout, code, path="server/hatch_build.py") == []
    assert _lines(RequestWithoutTimeout, code, path="shop/management/commands/sync_rates.py") == []
    assert _lines(RequestWithoutTimeout, code, path="shop/migrations/0042_backfill.py") == []
