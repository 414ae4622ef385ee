"""Precision changes made before held-out round 26, each with the case that stays flagged beside it."""

from __future__ import annotations

import textwrap

from backlint.analysis import analyze_text
from backlint.frameworks.project import EMPTY, facts_from_text
from backlint.rules.database.query_in_loop import QueryInLoop
from backlint.rules.database.sql_string_building import SqlStringBuilding


def _lines(rule: type, code: str, path: str = "app/services.py", facts=EMPTY, options=None) -> list[int]:  # type: ignore[no-untyped-def]
    result = analyze_text(path, textwrap.dedent(code), [(rule, options or {})], facts)
    assert not result.notifications, result.notifications
    return [f.region.start_line for f in result.findings]


_BUNDLE_MODEL = """
class Bundle(models.Model):
    patches = models.ManyToManyField(Patch, through="BundlePatch")

    def append_patch(self, patch):
        max_order = self.bundlepatch_set.count()
        return BundlePatch.objects.create(bundle=self, patch=patch, order=max_order + 1)

    def clean(self):
        AuditLog.objects.create(bundle=self)
"""


def test_functions_whose_body_writes_are_project_facts() -> None:
    facts = facts_from_text(_BUNDLE_MODEL, "patchwork/models.py")
    assert "append_patch" in facts.writing_functions
    assert "clean" not in facts.writing_functions  # one word: as likely a framework's method
    assert not facts_from_text(_BUNDLE_MODEL, "patchwork/tests/test_models.py").writing_functions


def test_lookup_beside_a_call_of_a_project_function_that_writes_is_left_alone() -> None:
    facts = facts_from_text(_BUNDLE_MODEL, "patchwork/models.py")
    code = """
    def add_to_bundle(request, bundle, ids):
        for patch_id in ids:
            patch = Patch.objects.get(id=patch_id)
            bundle.append_patch(patch)
    """
    assert _lines(QueryInLoop, code, "patchwork/views/bundle.py", facts) == []
    # The same loop without the write: one query per id that a single `filter(id__in=ids)` would do.
    reads_only = """
    def titles(ids):
        out = []
        for patch_id in ids:
            patch = Patch.objects.get(id=patch_id)
            out.append(patch.name)
        return out
    """
    assert _lines(QueryInLoop, reads_only, "patchwork/views/bundle.py", facts) == [5]


def test_a_bare_value_is_reported_only_from_the_request() -> None:
    code = """
    from flask import Flask, request

    app = Flask(__name__)

    def by_ids(cur, ids):
        cur.execute("SELECT * FROM sessions WHERE id IN (%s)" % ",".join(ids))

    @app.get("/sessions")
    def sessions():
        cur.execute("SELECT * FROM sessions WHERE id IN (%s)" % request.args["ids"])
    """
    assert _lines(SqlStringBuilding, code) == [11]
    assert _lines(SqlStringBuilding, code, options={"strict": True}) == [7, 11]


def test_operator_tools_are_left_alone_unless_strict() -> None:
    code = """
    def purge(conn, domain):
        conn.execute(f"DELETE FROM aliases WHERE domain = '{domain}'")
    """
    assert _lines(SqlStringBuilding, code, "commands/purge_aliases.py") == []
    assert _lines(SqlStringBuilding, code, "app/management/commands/purge.py") == []
    assert _lines(SqlStringBuilding, code, "commands/purge_aliases.py", options={"strict": True}) == [3]
    assert _lines(SqlStringBuilding, code, "app/aliases.py") == [3]
