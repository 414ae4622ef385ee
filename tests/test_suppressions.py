"""Inline suppressions: backlint's own comments, and other tools' comments for the same check."""

from __future__ import annotations

import pytest

from backlint import catalog, docs, suppressions
from backlint.analysis import analyze_text

SWALLOW = "def f(x):\n    try:\n        x.send()\n    except Exception:{comment}\n        pass\n"


def _bl202(comment: str) -> list[str | None]:
    info = catalog.load().get("BL202")
    assert info is not None and info.rule_class is not None
    result = analyze_text("app/jobs.py", SWALLOW.format(comment=comment), [(info.rule_class, {})])
    return [f.suppressed for f in result.findings]


@pytest.mark.parametrize(
    "comment",
    ["  # noqa: S110", "  # noqa: E501, BLE001", "  # nosec B110", "  # nosec: B112,B110", "  # pylint: disable=broad-except",
     "  # backlint: ignore[BL202]", "  # noqa: BL202", "  # noqa E722"],
)
def test_a_suppression_of_the_same_check_by_any_tool_is_honoured(comment: str) -> None:
    assert _bl202(comment) == [comment.strip()]


@pytest.mark.parametrize("comment", ["", "  # noqa", "  # nosec", "  # noqa: S105", "  # noqa S105", "  # nosec B608",
                                     "  # pylint: disable=too-many-lines", "  # noqa because it is fine"])
def test_bare_or_unrelated_suppressions_are_not(comment: str) -> None:
    assert _bl202(comment) == [None]


def test_peer_codes_are_per_rule() -> None:
    assert suppressions.matches("BL301", "# nosec B105", ("B105",))
    assert not suppressions.matches("BL301", "# nosec B110", ("B105",))
    assert not suppressions.matches("BL301", "# noqa: S105", ())


def test_every_rule_with_peers_documents_them() -> None:
    for info in catalog.load().rules:
        if info.peer_codes:
            text = docs.render_markdown(info)
            assert all(f"`{code}`" in text for code in info.peer_codes), info.id


def test_a_suppression_where_the_flagged_value_was_built_is_honoured() -> None:
    info = catalog.load().get("BL101")
    assert info is not None and info.rule_class is not None
    code = (
        "def load(cur, table):\n"
        '    query = "SELECT * FROM {} WHERE id = 1".format(table)  # noqa: S608\n'
        "    cur.execute(query)\n"
    )
    plain = analyze_text("app/db.py", code.replace("  # noqa: S608", ""), [(info.rule_class, {"strict": True})])
    noted = analyze_text("app/db.py", code, [(info.rule_class, {"strict": True})])
    assert [f.suppressed for f in plain.findings] == [None]
    assert [f.suppressed for f in noted.findings] == ["# noqa: S608"]


_MULTILINE_SQL = [
    # ruff reports S608 on a multi-line string at its last line: the comment goes after the quotes.
    """
def load(cur, ids):
    query = f\"\"\"
    SELECT * FROM t
    WHERE id IN ({", ".join(f"'{x}'" for x in ids)})
    \"\"\"  # noqa: S608
    cur.execute(query)
""",
    # The comment on the first line of a parenthesised concatenation, the values built earlier.
    """
def save(cur, rows):
    values = []
    for row in rows:
        values.append(f"({row.id}, '{row.name}')")
    sql = (
        f"INSERT INTO t (id, name)"  # noqa: S608
        f" VALUES {', '.join(values)}"
    )
    cur.execute(sql)
""",
    # A multi-line string passed straight to execute().
    """
def load(cur, table):
    cur.execute(f\"\"\"
        SELECT * FROM {table}
    \"\"\")  # noqa: S608
""",
]


@pytest.mark.parametrize("code", _MULTILINE_SQL)
def test_a_suppression_anywhere_on_the_statement_building_the_sql_is_honoured(code: str) -> None:
    info = catalog.load().get("BL101")
    assert info is not None and info.rule_class is not None
    plain = analyze_text("app/db.py", code.replace("  # noqa: S608", ""), [(info.rule_class, {"strict": True})])
    noted = analyze_text("app/db.py", code, [(info.rule_class, {"strict": True})])
    assert [f.suppressed for f in plain.findings] == [None]
    assert [f.suppressed for f in noted.findings] == ["# noqa: S608"]


def _bl502(code: str) -> list[str | None]:
    info = catalog.load().get("BL502")
    assert info is not None and info.rule_class is not None
    result = analyze_text("app/fetch.py", code, [(info.rule_class, {})])
    return [f.suppressed for f in result.findings]


def test_a_module_level_pylint_disable_covers_the_rest_of_the_module() -> None:
    body = "import requests\n\ndef fetch(url):\n    return requests.get(url)\n"
    assert _bl502("# pylint: disable = logging-not-lazy, missing-timeout\n" + body) == [
        "# pylint: disable = logging-not-lazy, missing-timeout"
    ]
    # After the call it covers nothing above it; naming another check, it covers nothing.
    assert _bl502(body + "# pylint: disable=missing-timeout\n") == [None]
    assert _bl502("# pylint: disable=too-many-lines\n" + body) == [None]


def test_an_indented_pylint_disable_covers_the_rest_of_its_block() -> None:
    body = (
        "import requests\n\n"
        "def fetch(url):\n"
        "    if url:\n"
        "        # pylint: disable=missing-timeout\n"
        "        requests.get(url)\n"
        "    return requests.get(url)\n"
    )
    # The call in the `if` block is covered; the one after the block is not.
    assert _bl502(body) == ["# pylint: disable=missing-timeout", None]
