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


def test_a_try_parsing_the_body_through_djangos_text_conversion_is_left_alone() -> None:
    from backlint.rules.errors.unlogged_error_response import UnloggedErrorResponse

    code = """
    import json
    from django.http import JsonResponse
    from django.utils.encoding import force_str
    from django.views import View

    class LanguageView(View):
        def post(self, request, *args, **kwargs):
            try:
                language = json.loads(force_str(request.body)).get("language")
            except Exception:
                return JsonResponse({"status": "failure", "description": "Invalid request."}, status=400)
            return JsonResponse({"language": language})

    class ImportView(View):
        def post(self, request, *args, **kwargs):
            try:
                flow = import_flow(json.loads(force_str(request.body)))
            except Exception:
                return JsonResponse({"status": "failure"}, status=500)
            return JsonResponse({"id": flow.id})
    """
    assert finding_lines(UnloggedErrorResponse, code, path="app/views.py") == [20]


def test_a_debug_flag_of_an_imported_module_is_not_an_applications() -> None:
    from backlint.rules.errors.debug_enabled import DebugEnabled

    code = """
    import testsuite.web
    from testsuite.web import Browser
    from server.app import app

    testsuite.web.debug = True
    app.debug = True
    """
    assert finding_lines(DebugEnabled, code, path="testsuite/stress.py") == [7]


def test_a_lookup_by_the_paths_key_checked_by_an_assertion_answered_404_is_left_alone() -> None:
    from backlint.rules.errors.unlogged_error_response import UnloggedErrorResponse

    code = """
    from flask import Blueprint, abort

    bp = Blueprint("lf", __name__)

    @bp.route("/<path:prepath>/Source")
    def source(prepath):
        try:
            L = build_from_url(*prepath.split("/"))
            assert L
        except Exception:
            return abort(404)
        return render(L)

    @bp.route("/<path:prepath>/Plot")
    def plot(prepath):
        try:
            L = build_from_url(*prepath.split("/"))
            data = L.plot_data()
        except Exception:
            return abort(404)
        return render(data)

    @bp.route("/statshealth")
    def statshealth():
        for url in STATS_PAGES:
            try:
                if client.get(url).status_code != 200:
                    abort(503)
            except Exception:
                abort(503)
        return "healthy"
    """
    assert finding_lines(UnloggedErrorResponse, code, path="app/views.py") == [21]
