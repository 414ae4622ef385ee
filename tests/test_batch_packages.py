"""BL103 in a package whose manifest names no server, worker or scheduler: one-shot jobs."""

from __future__ import annotations

import textwrap

from backlint.analysis import analyze_text
from backlint.frameworks.project import package_facts
from backlint.rules.database.unclosed_connection import UnclosedConnection

CODE = textwrap.dedent(
    """
    import psycopg2

    def refresh(dsn):
        with psycopg2.connect(dsn) as conn:
            with conn.cursor() as cur:
                cur.execute("REFRESH MATERIALIZED VIEW stats")

    def load(dsn, rows):
        for row in rows:
            conn = psycopg2.connect(dsn)
            conn.cursor().execute("INSERT INTO t VALUES (%s)", (row,))
    """
)


def _lines(manifest: bytes) -> list[int]:
    facts = package_facts([("jobs", manifest)])
    return sorted(f.region.start_line for f in analyze_text("jobs/mapping/refresh.py", CODE, [(UnclosedConnection, {})], facts).findings)


def test_a_batch_package_reports_only_connections_opened_in_a_loop() -> None:
    assert _lines(b"click==8.1\npsycopg2-binary==2.9\n") == [11]


def test_a_package_that_serves_or_works_keeps_every_finding() -> None:
    for manifest in (b"flask\npsycopg2\n", b"celery[redis]\npsycopg2\n", b"[project]\ndependencies = ['django']\n"):
        assert _lines(manifest) == [5, 11]


def test_a_test_server_in_the_dev_group_does_not_make_it_serve() -> None:
    manifest = b"[project]\ndependencies = ['psycopg2']\n[dependency-groups]\ndev = ['flask']\n"
    assert _lines(manifest) == [11]
