"""Bugs found reviewing the second batch of precision fixes, each shown by a case that failed."""

from __future__ import annotations

import textwrap

from backlint.analysis import analyze_text
from backlint.frameworks.project import EMPTY, package_facts
from backlint.rules.configuration.hardcoded_secret import HardcodedSecret
from backlint.rules.database.sql_string_building import SqlStringBuilding
from backlint.rules.database.unclosed_connection import UnclosedConnection
from backlint.rules.errors.exception_leak import ExceptionLeak
from backlint.rules.errors.swallowed_exception import SwallowedException
from backlint.rules.reliability.blocking_call_in_async import BlockingCallInAsync


def _lines(rule: type, code: str, path: str = "app/views.py", facts=EMPTY) -> list[int]:  # type: ignore[no-untyped-def]
    result = analyze_text(path, textwrap.dedent(code), [(rule, {})], facts)
    assert not result.notifications, result.notifications
    return [f.region.start_line for f in result.findings]


def test_a_helper_growing_its_parameter_is_followed_for_each_call() -> None:
    code = """
    from flask import jsonify

    def line(t):
        out = "- "
        out += t
        return out

    def view():
        try:
            run()
        except Exception as e:
            return jsonify(error=line("failed") + line(str(e))), 500
    """
    assert _lines(ExceptionLeak, code) == [13]


def test_a_name_bound_again_after_its_check_is_not_checked() -> None:
    code = """
    KINDS = ("a", "b")

    def by_state(cur, state, others):
        if state == "open":
            for state in others:
                cur.execute(f"SELECT * FROM t WHERE s = '{state}'")

    def by_kind(cur, kind, others):
        if kind not in KINDS:
            raise ValueError(kind)
        for kind in others:
            cur.execute(f"SELECT * FROM t WHERE k = '{kind}'")

    def by_sort(cur, sort):
        allowed = ("new", "old")
        allowed = allowed
        if sort not in allowed:
            raise ValueError(sort)
        cur.execute(f"SELECT * FROM t WHERE k = '{sort}'")
    """
    assert _lines(SqlStringBuilding, code, "app/store.py") == [7, 13, 20]


def test_only_a_database_runs_queries_and_only_models_have_metadata() -> None:
    code = """
    def from_graphql(client, cur):
        result = client.execute(gql("{ user { name } }"))
        cur.execute(f"SELECT * FROM t WHERE n = '{result['user']['name']}'")

    def from_body(cur, body):
        for name in body.metadata.tables:
            cur.execute(f"SELECT * FROM t WHERE n = '{name}'")
    """
    assert _lines(SqlStringBuilding, code, "app/store.py") == [4, 8]


def test_the_programs_own_main_and_the_import_branch_keep_their_secrets() -> None:
    bot = 'def main():\n    start(token="k3Jx9-Pq2Lm7-Zt8Vb4")\n\n\nif __name__ == "__main__":\n    main()\n'
    assert _lines(HardcodedSecret, bot, "bot.py") == [2]
    imported = 'if __name__ == "__main__":\n    run()\nelse:\n    app.config["SECRET_KEY"] = "9f8e7d6c5b4a39281706f5e4"\n'
    assert _lines(HardcodedSecret, imported, "app/factory.py") == [4]
    method = (
        'class PaymentClient:\n    def start(self):\n        connect(password="Sup3r-Secr3t-Pw")\n\n\n'
        'def start():\n    pass\n\n\nif __name__ == "__main__":\n    start()\n'
    )
    assert _lines(HardcodedSecret, method, "app/payments.py") == [3]


def test_real_passwords_on_loopback_and_user_password_pairs_are_secrets() -> None:
    assert _lines(HardcodedSecret, 'DATABASE_URL = "postgresql://app:Xk9mQ2vL7pRw@localhost:5432/production"\n', "app/settings.py") == [1]
    assert _lines(HardcodedSecret, 'API_CREDENTIALS = "svc:marblebanana"\n', "app/settings.py") == [1]


def test_a_manifest_that_lists_no_dependencies_says_nothing_about_serving() -> None:
    code = "import psycopg2\n\ndef view(dsn):\n    conn = psycopg2.connect(dsn)\n    return conn.cursor().execute('SELECT 1')\n"
    for manifest in (b"[tool.black]\nline-length = 100\n", b"-r requirements/base.txt\n"):
        facts = package_facts([("", manifest)])
        assert _lines(UnclosedConnection, code, "app/views.py", facts) == [4]


def test_file_io_through_readers_and_awaited_uploads_is_unbounded() -> None:
    code = """
    import csv
    import pickle
    from aiohttp import web

    async def rows(path):
        with open(path) as fh:
            for row in csv.reader(fh):
                print(row)

    async def save(path, upload):
        with open(path, "wb") as out:
            out.write(await upload.read())

    async def load(path):
        with open(path, "rb") as fh:
            return pickle.load(fh)
    """
    assert _lines(BlockingCallInAsync, code) == [7, 12, 16]


def test_run_together_verbs_are_looked_at() -> None:
    code = """
    def mail(server, msg):
        try:
            server.sendmail("a@b.c", ["d@e.f"], msg)
        except Exception:
            pass

    def price(svc, sku):
        try:
            return svc.quote(sku)
        except:
            return None

    def connect(dsn):
        try:
            return postgres_connect(dsn)
        except Exception:
            return None

    def stop(children):
        for child in children:
            try:
                child.send_signal(15)
            except Exception:
                pass
    """
    assert _lines(SwallowedException, code, "app/jobs.py") == [5]  # a read, `postgres`, a signal: not changes
