"""A value checked to equal a literal is that literal: BL201 and BL101 leave it alone."""

from __future__ import annotations

import textwrap

from backlint.analysis import analyze_text
from backlint.frameworks.project import EMPTY
from backlint.rules.database.sql_string_building import SqlStringBuilding
from backlint.rules.errors.exception_leak import ExceptionLeak

VIEW = """
    import logging
    from pymongo.errors import OperationFailure
    from rest_framework import serializers
    from rest_framework.views import APIView


    class DataView(APIView):
        def get(self, request):
            try:
                rows = self.query(request.GET["q"])
            except OperationFailure as err:
                message = str(err)
                if {test}:
                    raise serializers.ValidationError(message)
                logging.warning(message, exc_info=True)
                raise serializers.ValidationError("Unsupported query")
            return rows
"""


def _leaks(test: str) -> int:
    code = textwrap.dedent(VIEW).replace("{test}", test)
    return len(analyze_text("app/views.py", code, [(ExceptionLeak, {})], EMPTY).findings)


def test_a_message_checked_to_equal_a_literal_is_the_literal() -> None:
    assert _leaks('message == "$all needs an array"') == 0
    assert _leaks('message in ("$all needs an array", "bad regex")') == 0


def test_other_checks_do_not_narrow_the_text() -> None:
    assert _leaks('message.startswith("$all")') == 1
    assert _leaks("message != \"$all needs an array\"") == 1
    assert _leaks('message == other or True') == 1


def test_sql_value_checked_against_literals() -> None:
    code = textwrap.dedent(
        """
        def by_state(cur, state):
            if state in ("open", "closed"):
                cur.execute(f"SELECT * FROM issues WHERE state = '{state}'")
            cur.execute(f"SELECT * FROM issues WHERE label = '{state}'")
        """
    )
    found = analyze_text("app/store.py", code, [(SqlStringBuilding, {})], EMPTY).findings
    assert [f.region.start_line for f in found] == [5]


def test_a_value_grown_by_many_augmented_assignments_is_followed_whole() -> None:
    lines = ["from flask import Flask, jsonify", "app = Flask(__name__)", "", "@app.route('/x')", "def x():",
             "    try:", "        run()", "    except Exception as e:", "        msg = 'failed'"]
    for i in range(40):
        lines += [f"        if FLAGS & {1 << (i % 30)}:", f"            msg += ' step {i}'"]
    lines += ["        msg += str(e)", "        return jsonify(error=msg), 500"]
    found = analyze_text("app/views.py", "\n".join(lines) + "\n", [(ExceptionLeak, {})], EMPTY).findings
    assert len(found) == 1  # each `+=` followed once per question: not abandoned for want of steps
