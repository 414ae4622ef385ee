"""Precision fixes from held-out round 34 and the residue of earlier rounds, each with the case
that stays flagged beside it."""

from __future__ import annotations

from backlint.rules.database.query_in_loop import QueryInLoop
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


def test_a_session_name_opened_twice_is_reported_once_at_its_first_used_opening() -> None:
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
    code = """
    from sqlalchemy import create_engine

    def create_database():
        try:
            engine = create_engine(URL)
            Base.metadata.create_all(engine)
        except OperationalError:
            engine = create_engine(SERVER_URL)
            with engine.connect() as conn:
                conn.execute(CREATE)
            engine = create_engine(URL)
            Base.metadata.create_all(engine)
    """
    assert finding_lines(UnclosedConnection, code) == [6]


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


def test_a_helper_passed_as_a_callback_by_the_service_stays_the_services() -> None:
    client = """
    import requests

    def sort_by_distance(hosts):
        def distance(host):
            return requests.get(GEO_URL, params={"host": host}).json()["km"]
        return sorted(hosts, key=distance)
    """
    script = """
    def distance(a, b):
        return abs(a - b)

    print(distance(1, 5))
    """
    facts = _facts(("app/sorter.py", client), ("scripts/check.py", script))
    assert "distance" in facts.operator_calls and not facts.operator_only("distance")


MEMBERS = """
from django.db import models

class Member(models.Model):
    username = models.CharField(max_length=50)
    fullname = models.TextField()
    role = models.CharField(max_length=20)
"""


def test_free_text_given_through_get_or_create_defaults_goes_to_its_text_field() -> None:
    import textwrap

    from backlint.frameworks.project import facts_from_text
    from backlint.rules.api.unvalidated_request_input import UnvalidatedRequestInput

    facts = facts_from_text(textwrap.dedent(MEMBERS), "app/models.py")
    code = """
    from django.views.decorators.http import require_POST
    from app.models import Member

    @require_POST
    def join(request):
        Member.objects.get_or_create(username=request.user.username, defaults={"fullname": request.POST.get("name")})

    @require_POST
    def promote(request):
        Member.objects.get_or_create(username=request.user.username, defaults={"role": request.POST.get("role")})
    """
    assert finding_lines(UnvalidatedRequestInput, code, path="app/views.py", facts=facts) == [11]


def test_guards_that_flash_and_redirect_are_request_checks_not_branches() -> None:
    import libcst as cst

    from backlint.rules.api.logic_in_route_handler import _size

    guarded = cst.parse_module(
        "def f():\n"
        "    if not a:\n        flash('missing a', 'error')\n        return redirect(url)\n"
        "    if not b:\n        messages.error(request, 'missing b')\n        return redirect(url)\n"
        "    return render(a, b)\n"
    ).body[0]
    work = cst.parse_module(
        "def f():\n"
        "    if not a:\n        send_mail(a)\n        return redirect(url)\n"
        "    return render(a)\n"
    ).body[0]
    assert _size(guarded.body)[1] == 0
    assert _size(work.body)[1] == 1


ALLOCATIONS = """
from django.db import models

class Allocation(models.Model):
    project = models.ForeignKey("Project", on_delete=models.CASCADE)

class AllocationUser(models.Model):
    allocation = models.ForeignKey(Allocation, on_delete=models.CASCADE)
    user = models.ForeignKey("auth.User", on_delete=models.CASCADE)
"""


def test_the_foreign_key_back_to_the_related_managers_owner_is_no_query() -> None:
    import textwrap

    from backlint.frameworks.project import facts_from_text

    facts = facts_from_text(textwrap.dedent(ALLOCATIONS), "app/models.py")
    code = """
    def expiring(user, allocation_obj):
        for au in user.allocationuser_set.filter(status="Active"):
            print(au.user.email, au.allocation.name)
        for au in allocation_obj.allocationuser_set.exclude(status="Removed"):
            print(au.allocation.name, au.user.email)
    """
    assert finding_lines(QueryInLoop, code, path="app/tasks.py", facts=facts) == [4, 6]


def test_a_reverse_managers_relation_is_advised_the_django_way() -> None:
    import textwrap

    from backlint.analysis import analyze_text
    from backlint.frameworks.project import facts_from_text

    facts = facts_from_text(textwrap.dedent(ALLOCATIONS), "app/models.py")
    code = textwrap.dedent("""
    def expiring(user):
        for au in user.allocationuser_set.filter(status="Active"):
            print(au.allocation.name)
    """)
    result = analyze_text("app/tasks.py", code, [(QueryInLoop, {})], facts)
    assert [f.message for f in result.findings] and all("select_related" in f.message for f in result.findings)


def test_an_object_name_looked_up_in_the_system_catalog_is_an_identifier() -> None:
    from backlint.rules.database.sql_string_building import SqlStringBuilding

    code = """
    from sqlalchemy import text

    class Connector:
        def get_indexes(self, table_name):
            sql = f"SELECT indexname, indexdef FROM pg_indexes WHERE tablename = '{table_name}'"
            return self.session.execute(text(sql)).fetchall()

        def get_comments(self, schema, table_name):
            cursor = self.session.execute(text(
                f"SELECT column_name, comments FROM all_col_comments WHERE owner = '{schema}' AND table_name = '{table_name}'"))
            return cursor.fetchall()

        def get_user(self, name):
            return self.session.execute(text(f"SELECT * FROM users WHERE name = '{name}'")).fetchall()
    """
    assert finding_lines(SqlStringBuilding, code, path="app/connectors.py") == [15]


def test_a_session_given_to_a_context_manager_is_managed_but_not_by_a_transaction_scope() -> None:
    code = """
    def tick(self):
        session = Session()
        with session_cleanup(session):
            return session.query(Task).count()

    def run(self):
        session = Session()
        with atomic(session):
            session.add(Task())
    """
    assert finding_lines(UnclosedConnection, code) == [8]


def test_underscored_cli_packages_ember_apps_are_recognised() -> None:
    from backlint.clients import package_kind
    from backlint.frameworks.project import is_cli_path

    assert is_cli_path("dbgpt_serve/knowledge/_cli/knowledge_client.py")
    assert not is_cli_path("app/client.py")
    assert package_kind({"devDependencies": {"ember-source": "~3.28", "ember-cli": "~3.28"}}) == "client"
    assert package_kind({"dependencies": {"express": "4", "ember-source": "3"}}) is None


def test_a_select_in_textual_or_concatenated_sql_reads() -> None:
    from backlint.rules.errors.swallowed_exception import SwallowedException

    code = """
    from sqlalchemy import text

    def describe(session, table_name):
        info = ""
        try:
            cursor = session.execute(
                text("SELECT TABLE_COMMENT FROM information_schema.tables "
                     f"WHERE TABLE_NAME = '{table_name}'")
            )
            row = cursor.fetchone()
            if row and row[0]:
                info += f" COMMENT='{row[0]}'"
        except Exception:
            pass
        try:
            session.execute(text("DELETE FROM cache " f"WHERE name = '{table_name}'"))
        except Exception:
            pass
        return info
    """
    assert finding_lines(SwallowedException, code, path="app/db.py") == [18]


def test_a_password_attribute_equal_to_the_user_name_set_beside_it_is_a_local_default() -> None:
    from backlint.rules.configuration.hardcoded_secret import HardcodedSecret

    code = """
    import os

    class GraphStore:
        def __init__(self, config):
            self._username = config.username or os.getenv("NEO4J_USER", "neo4j")
            self._password = config.password or os.getenv("NEO4J_PASSWORD", "neo4j")

    class SearchStore:
        def __init__(self, config):
            self._username = config.user or os.getenv("ES_USER", "elastic")
            self._password = config.password or os.getenv("ES_PASSWORD", "Xk29vQ7pLm")
    """
    assert finding_lines(HardcodedSecret, code, path="app/stores.py") == [12]


def test_text_gathered_with_plus_equals_in_a_handler_is_not_computation() -> None:
    import libcst as cst

    from backlint.rules.api.logic_in_route_handler import _text_or_collection

    fn = cst.parse_module(
        "def post(request):\n"
        "    errors = ''\n"
        "    total = 0\n"
        "    for form in formset:\n"
        "        errors += form.errors.get('__all__')\n"
        "        total += form.cleaned_data.amount\n"
    ).body[0]
    assert _text_or_collection(fn, cst.Name("errors"))
    assert not _text_or_collection(fn, cst.Name("total"))


def test_the_members_of_an_enumeration_iterated_in_a_loop_are_constants() -> None:
    from backlint.rules.database.sql_string_building import SqlStringBuilding

    code = """
    from app.models import ProofState

    async def migrate(db, rows):
        async with db.connect() as conn:
            for state in ProofState:
                await conn.execute(f"UPDATE proofs SET state = '{state.value}' WHERE state = '{state.name}'")
            for row in rows:
                await conn.execute(f"UPDATE proofs SET state = '{row.name}'")
    """
    assert finding_lines(SqlStringBuilding, code, path="app/migrate.py") == [9]


def test_a_development_password_constant_and_an_anchored_pattern_are_not_secrets() -> None:
    from backlint.rules.configuration.hardcoded_secret import HardcodedSecret

    code = """
    DEV_PASSWORD = "openslides"
    T_PASSWORD = b"(^.{5,32}$)"
    ADMIN_PASSWORD = "openslides"
    """
    assert finding_lines(HardcodedSecret, code, path="app/env.py") == [4]


def test_the_projects_own_exception_named_like_a_drivers_is_its_own() -> None:
    from backlint.rules.errors.exception_leak import ExceptionLeak

    code = """
    from fastapi import FastAPI, HTTPException
    from boefjes.storage.interfaces import IntegrityError
    from sqlalchemy.exc import OperationalError

    app = FastAPI()

    @app.post("/settings")
    def save(body: dict):
        try:
            store(body)
        except IntegrityError as e:
            raise HTTPException(status_code=400, detail=e.message)

    @app.post("/other")
    def other(body: dict):
        try:
            store(body)
        except OperationalError as e:
            raise HTTPException(status_code=400, detail=str(e))
    """
    assert finding_lines(ExceptionLeak, code, path="boefjes/katalogus/root.py") == [20]


def test_a_raise_from_the_handler_of_last_resort_reaches_no_client() -> None:
    from backlint.rules.errors.exception_leak import ExceptionLeak

    raised = """
    from fastapi import FastAPI, HTTPException, Request

    app = FastAPI()

    @app.exception_handler(Exception)
    def uncaught(_: Request, exc: Exception) -> None:
        logger.error(exc)
        raise HTTPException(500, detail=f"{exc.__class__.__name__}: {exc}")
    """
    returned = """
    from fastapi import FastAPI, Request
    from fastapi.responses import JSONResponse

    app = FastAPI()

    @app.exception_handler(Exception)
    def uncaught(_: Request, exc: Exception):
        logger.error(exc)
        return JSONResponse(status_code=500, content={"detail": f"{exc.__class__.__name__}: {exc}"})
    """
    assert finding_lines(ExceptionLeak, raised, path="app/api.py") == []
    assert finding_lines(ExceptionLeak, returned, path="app/api.py") == [10]


def test_a_try_that_only_receives_the_request_body_is_left_alone() -> None:
    from backlint.rules.errors.unlogged_error_response import UnloggedErrorResponse

    code = """
    from fastapi import APIRouter, HTTPException, Request

    router = APIRouter()

    @router.post("/import")
    async def import_add(request: Request):
        try:
            data = await request.body()
        except Exception as e:
            raise HTTPException(status_code=500, detail="Error receiving objects") from e
        return await importer(data)

    @router.post("/import/new")
    async def import_new(request: Request):
        try:
            data = await request.body()
            result = await importer(data)
        except Exception as e:
            raise HTTPException(status_code=500, detail="Error importing objects") from e
        return result
    """
    assert finding_lines(UnloggedErrorResponse, code, path="app/router.py") == [20]


def test_a_flask_handler_for_every_exception_that_logs_them_logs_http_errors() -> None:
    from backlint.frameworks.project import facts_from_text

    logs = """
    def create_app():
        app = Flask(__name__)
        app.register_error_handler(Exception, error_handler)
        return app

    def error_handler(e):
        status_code = e.code if isinstance(e, HTTPException) else 500
        if status_code >= 500:
            logger.error("Fatal error: %s", e)
        return jsonify(error=str(e)), status_code
    """
    silent = """
    @app.errorhandler(Exception)
    def error_handler(e):
        return jsonify(error="Internal error"), 500
    """
    import textwrap

    assert facts_from_text(textwrap.dedent(logs), "app/web.py").logs_http_exceptions()
    assert not facts_from_text(textwrap.dedent(silent), "app/web.py").logs_http_exceptions()


def test_updating_the_functions_own_kwargs_after_a_read_is_a_fallback() -> None:
    from backlint.rules.errors.swallowed_exception import SwallowedException

    fallback = """
    async def with_db(cls, url, **kwargs):
        kwargs["name"] = kwargs.get("name", "auth")
        try:
            mint = await get_mint_by_url(url)
            if mint:
                kwargs.update({"username": mint.username})
        except Exception:
            pass
        return cls(**kwargs)
    """
    lost = """
    async def with_db(cls, url, settings):
        settings["name"] = settings.get("name", "auth")
        try:
            mint = await get_mint_by_url(url)
            if mint:
                settings.update({"username": mint.username})
        except Exception:
            pass
        return cls(**settings)
    """
    assert finding_lines(SwallowedException, fallback, path="app/wallet.py") == []
    assert finding_lines(SwallowedException, lost, path="app/wallet.py") == [8]


def test_a_dict_update_on_a_json_field_is_no_write() -> None:
    import textwrap

    import libcst as cst

    from backlint.analysis import FileContext, _Walker
    from backlint.frameworks import database
    from backlint.frameworks.project import facts_from_text
    from backlint.frameworks.values import Env
    from backlint.rule import Rule

    models = """
    from django.db import models

    class Audit(models.Model):
        audit = models.JSONField()

    class Access(models.Model):
        audit = models.ForeignKey(Audit, on_delete=models.CASCADE)
    """
    code = textwrap.dedent("""
    from django.db import transaction

    def save_info(audit, info):
        audit.audit.update({"audit_information": info})
        audit.audit.update(role="editor")
    """)
    module = cst.parse_module(code)
    ctx = FileContext("audit/views.py", code, module, facts_from_text(textwrap.dedent(models), "audit/models.py"))
    kinds = []

    class Probe(Rule):
        ID = "BL990"

        def visit_Call(self, node: cst.Call) -> None:
            op = database.data_op(ctx, node, Env.here(ctx))
            kinds.append(op.kind.name if op is not None else None)

    walker = _Walker(ctx, [Probe(ctx, {})])
    walker.walk(module)
    assert kinds == [None, "WRITE"]


def test_a_lookup_in_a_class_table_of_constants_is_an_allowlist() -> None:
    from backlint.rules.database.sql_string_building import SqlStringBuilding

    code = """
    class Party:
        role_types = {"Director": "DIR", "Officer": "OFF"}
        labels = load_labels()

        @classmethod
        def find(cls, cursor, corp_num, role_type):
            query = "select * from corp_party where corp_num=:identifier"
            cursor.execute(query + f" and party_typ_cd='{Party.role_types[role_type]}'", identifier=corp_num)
            cursor.execute(query + f" and label='{Party.labels[role_type]}'", identifier=corp_num)
    """
    assert finding_lines(SqlStringBuilding, code, path="app/party.py") == [10]


def test_a_page_rendered_by_a_template_decorator_is_an_html_page() -> None:
    from backlint.rules.api.unpaginated_list_endpoint import UnpaginatedListEndpoint

    code = """
    from flask import Blueprint, jsonify

    mod_sample = Blueprint("sample", __name__)

    @mod_sample.route("/")
    @template_renderer()
    def index():
        return {"samples": Sample.query.all()}

    @mod_sample.route("/api/samples")
    def api_index():
        return jsonify([s.to_dict() for s in Sample.query.all()])
    """
    assert finding_lines(UnpaginatedListEndpoint, code, path="app/controllers.py") == [13]


def test_a_main_job_that_builds_an_app_only_for_its_context_is_a_script() -> None:
    from backlint.rules.reliability.request_without_timeout import RequestWithoutTimeout

    job = """
    import requests
    from flask import Flask

    def send_email(url, email):
        return requests.post(url, json=email)

    def create_app():
        app = Flask(__name__)
        app.app_context().push()
        return app

    if __name__ == "__main__":
        app = create_app()
        send_email(NOTIFY_URL, {"to": "ops"})
    """
    served = job.replace('send_email(NOTIFY_URL, {"to": "ops"})', "app.run()")
    assert finding_lines(RequestWithoutTimeout, job, path="jobs/report/report.py") == []
    assert finding_lines(RequestWithoutTimeout, served, path="jobs/report/report.py") == [6]


def test_a_main_module_that_listens_is_a_service_and_one_using_aiohttp_as_a_client_is_a_script() -> None:
    from backlint.rules.reliability.request_without_timeout import RequestWithoutTimeout

    daemon = """
    import requests
    import tornado.web

    def notify(url):
        return requests.post(url, json={})

    if __name__ == "__main__":
        app = tornado.web.Application([])
        app.listen(8000)
    """
    simulator = """
    import aiohttp
    import requests

    def notify(url):
        return requests.post(url, json={})

    if __name__ == "__main__":
        notify("http://localhost:8080")
    """
    assert finding_lines(RequestWithoutTimeout, daemon, path="services/queue/queue.py") == [6]
    assert finding_lines(RequestWithoutTimeout, simulator, path="app/core/demo.py") == []


def test_a_library_module_with_a_shebang_that_defines_handlers_is_not_a_script() -> None:
    from backlint.rules.database.query_in_loop import QueryInLoop

    import textwrap

    code = "#!/usr/bin/env python3\n" + textwrap.dedent("""\
    import tornado.web

    class TaskHandler(tornado.web.RequestHandler):
        def get(self):
            for task in self.contest.tasks:
                self.tests[task.id] = self.sql_session.query(UserTest).filter(UserTest.task == task).all()
    """)
    assert finding_lines(QueryInLoop, code, path="cms/server/handlers/task.py") == [7]
