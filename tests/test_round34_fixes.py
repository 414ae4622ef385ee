"""Precision fixes from held-out round 34 and the residue of earlier rounds, each with the case
that stays flagged beside it."""

from __future__ import annotations

from backlint.rules.database.unclosed_connection import UnclosedConnection
from conftest import finding_lines


def test_engine_left_after_its_first_connection_failed_is_left_alone() -> None:
    code = """
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import OperationalError

    def check_database(url):
        engine = create_engine(url)
        try:
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except OperationalError as exc:
            return {"success": False, "message": "Database connection failed"}
        engine.dispose()
        return {"success": True}

    def count_rows(url):
        engine = create_engine(url)
        with engine.connect() as conn:
            total = conn.execute(text("SELECT count(*) FROM events")).scalar()
        if total == 0:
            return None
        engine.dispose()
        return total
    """
    assert finding_lines(UnclosedConnection, code) == [16]


def test_engine_left_after_a_query_error_past_its_connection_stays_flagged() -> None:
    code = """
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import ProgrammingError

    def check_table(url):
        engine = create_engine(url)
        try:
            with engine.connect() as conn:
                conn.execute(text("SELECT 1 FROM events"))
        except ProgrammingError:
            return False
        engine.dispose()
        return True
    """
    assert finding_lines(UnclosedConnection, code) == [6]


def test_a_session_name_opened_twice_is_reported_once_at_its_last_opening() -> None:
    code = """
    from sqlalchemy.orm import scoped_session, sessionmaker

    def plan(ids):
        Session = scoped_session(sessionmaker())
        if Session.registry.has():
            session = Session()
        else:
            session = Session(bind=ENGINE)
        session = Session()
        for i in ids:
            if session.get(Plan, i) is None:
                return None
        session.close()
    """
    assert finding_lines(UnclosedConnection, code) == [10]


CLIENT = """
import requests

def fetch(url):
    return requests.get(url).json()

def sync_all(urls):
    return [fetch(u) for u in urls]
"""


def _facts(*files: tuple[str, str]):  # type: ignore[no-untyped-def]
    import textwrap

    from backlint.frameworks.project import ProjectFacts, facts_from_text

    return ProjectFacts.combined(facts_from_text(textwrap.dedent(text), path) for path, text in files)


def test_a_helper_reached_only_through_an_operators_command_is_left_alone() -> None:
    from backlint.rules.reliability.request_without_timeout import RequestWithoutTimeout

    command = """
    from django.core.management.base import BaseCommand
    from app.client import sync_all

    class Command(BaseCommand):
        def handle(self, *args, **options):
            sync_all(options["urls"])
    """
    facts = _facts(("app/client.py", CLIENT), ("app/management/commands/sync.py", command))
    assert facts.operator_only("sync_all") and facts.operator_only("fetch")
    assert finding_lines(RequestWithoutTimeout, CLIENT, path="app/client.py", facts=facts) == []


def test_a_helper_a_view_also_reaches_stays_flagged() -> None:
    from backlint.rules.reliability.request_without_timeout import RequestWithoutTimeout

    command = """
    from app.client import sync_all

    class Command(BaseCommand):
        def handle(self, *args, **options):
            sync_all(options["urls"])
    """
    view = """
    from flask import Flask
    from app.client import fetch

    app = Flask(__name__)

    @app.get("/preview")
    def preview():
        return fetch(request.args["url"])
    """
    facts = _facts(("app/client.py", CLIENT), ("app/management/commands/sync.py", command), ("app/views.py", view))
    assert facts.operator_only("sync_all") and not facts.operator_only("fetch")
    assert finding_lines(RequestWithoutTimeout, CLIENT, path="app/client.py", facts=facts) == [5]
