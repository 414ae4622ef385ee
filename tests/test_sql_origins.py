"""BL101: values read back from the database, ORM metadata and allowlist guards."""

from __future__ import annotations

import textwrap

from backlint.analysis import analyze_text
from backlint.frameworks.project import EMPTY
from backlint.rules.database.sql_string_building import SqlStringBuilding


def _found(code: str, **options: object) -> int:
    return len(analyze_text("app/store.py", textwrap.dedent(code), [(SqlStringBuilding, dict(options))], EMPTY).findings)


STORED = """
    def purge(conn):
        rows = conn.execute("SELECT name FROM users WHERE banned").fetchall()
        names = "','".join(r[0] for r in rows)
        conn.execute(f"DELETE FROM posts WHERE author IN ('{names}')")
"""


def test_stored_values_are_second_order_and_reported_only_when_strict() -> None:
    assert _found(STORED) == 0
    assert _found(STORED, strict=True) == 1


def test_a_fetch_after_a_separate_execute_is_stored_too() -> None:
    code = """
        def purge(cur):
            cur.execute("SELECT name FROM users WHERE banned")
            for (name,) in cur.fetchall():
                cur.execute(f"DELETE FROM posts WHERE author = '{name}'")
    """
    assert _found(code) == 0


def test_a_guard_that_does_not_leave_is_not_an_allowlist() -> None:
    code = """
        import logging
        SORTS = {"new": "created_at"}

        def listing(cur, sort):
            if sort not in SORTS:
                logging.warning("odd sort %s", sort)
            cur.execute(f"SELECT * FROM posts WHERE kind = '{sort}'")
    """
    assert _found(code) == 1


def test_a_lookup_in_a_table_the_caller_can_change_is_not_an_allowlist() -> None:
    code = """
        def listing(cur, sort, choices):
            column = choices.get(sort)
            if column is None:
                return []
            cur.execute(f"SELECT * FROM posts WHERE kind = '{sort}'")
    """
    assert _found(code) == 1


def test_allowlists_by_membership_and_by_lookup() -> None:
    code = """
        KINDS = ("post", "page")
        SORTS = {"new": "created_at"}

        def listing(cur, kind, sort):
            if kind not in KINDS:
                raise ValueError(kind)
            column = SORTS.get(sort)
            if not column:
                return []
            cur.execute(f"SELECT * FROM posts WHERE kind = '{kind}' AND sort = '{sort}'")
    """
    assert _found(code) == 0



def test_helpers_calling_helpers_twice_are_abandoned_not_expanded() -> None:
    lines = ["def h0(x):", "    return x", ""]
    for i in range(1, 16):
        lines += [f"def h{i}(x):", "    if x:", f"        return h{i - 1}(x) + h{i - 1}(x)", f"    return h{i - 1}(x) + 'a'", ""]
    lines += ["def f0(cur, a):", "    cur.execute('SELECT ' + h15(a))", "",
              "def view(cur, q):", "    cur.execute(f\"SELECT * FROM t WHERE x = '{q}'\")"]
    result = analyze_text("app/store.py", "\n".join(lines) + "\n", [(SqlStringBuilding, {})], EMPTY)
    # 3^15 ways to build f0's statement: the question is dropped (it took 23 s before), the next one answered
    assert [f.region.start_line for f in result.findings] == [len(lines)]
    assert not result.notifications
