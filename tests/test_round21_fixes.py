"""Precision fixes from held-out round 21, each with the case that stays flagged beside it."""

from __future__ import annotations

import textwrap

from backlint.analysis import analyze_text
from backlint.frameworks.project import EMPTY
from backlint.rules.errors.swallowed_exception import SwallowedException


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
