"""Precision fixes from held-out round 32 and the residue of earlier rounds, each with the case
that stays flagged beside it."""

from __future__ import annotations

import textwrap

from backlint.frameworks.project import facts_from_text, is_test_path
from backlint.rules.database.query_in_loop import QueryInLoop
from backlint.rules.errors.unlogged_error_response import UnloggedErrorResponse
from conftest import finding_lines

MODELS = """
from django.db import models

class Contact(models.Model):
    company = models.ForeignKey("Company", on_delete=models.CASCADE)
    user = models.CharField(max_length=50)
"""


def test_get_or_create_saving_a_new_model_instance_is_left_alone() -> None:
    facts = facts_from_text(textwrap.dedent(MODELS), "app/models.py")
    code = """
    from app.models import Contact

    def update(items):
        for c in items:
            try:
                Contact.objects.get(company=c["company"], user=c["user"])
            except Contact.DoesNotExist:
                Contact(company=c["company"], user=c["user"]).save()

    def report(items):
        for c in items:
            try:
                print(Contact.objects.get(company=c["company"], user=c["user"]))
            except Contact.DoesNotExist:
                print("missing")
    """
    assert finding_lines(QueryInLoop, code, facts=facts) == [14]


def test_single_row_get_whose_broad_except_creates_it_is_left_alone() -> None:
    code = """
    from app.models import Column

    def ensure_columns(paths, analysis):
        for p in paths:
            try:
                Column.objects.get(column_name=p, organization=analysis.organization)
            except Exception:
                if analysis.can_create():
                    Column.objects.create(column_name=p, organization=analysis.organization)

    def report(paths):
        for p in paths:
            try:
                print(Column.objects.get(column_name=p))
            except Exception:
                print("missing", p)
    """
    assert finding_lines(QueryInLoop, code) == [15]


SERVICE = """
import logging

logger = logging.getLogger(__name__)

class TopologiesService:
    @staticmethod
    def create_service(service, session):
        try:
            row = TopologyService(**service.dict())
            session.add(row)
            session.commit()
            return row
        except Exception as e:
            session.rollback()
            logger.error(f"Error while creating the service: {e}")
            raise e

    @staticmethod
    def delete_service(service_id, session):
        try:
            session.delete(session.get(TopologyService, service_id))
            session.commit()
        except Exception as e:
            session.rollback()
            raise HTTPException(status_code=500, detail="Failed")
"""


def test_error_response_around_a_service_call_that_logs_and_reraises_is_left_alone() -> None:
    facts = facts_from_text(textwrap.dedent(SERVICE), "app/topologies/service.py")
    assert facts.logging_reraisers == {"create_service"}
    code = """
    from fastapi import APIRouter, HTTPException
    from app.topologies.service import TopologiesService

    router = APIRouter()

    @router.post("/services")
    def create_service(service: ServiceIn, session=Depends(get_session)):
        try:
            return TopologiesService.create_service(service=service, session=session)
        except Exception as e:
            raise HTTPException(status_code=500, detail=f"Failed to create service: {e}")

    @router.delete("/services/{service_id}")
    def delete_service(service_id: int, session=Depends(get_session)):
        try:
            return TopologiesService.delete_service(service_id, session=session)
        except Exception as e:
            raise HTTPException(status_code=500, detail=f"Failed to delete service: {e}")
    """
    assert finding_lines(UnloggedErrorResponse, code, "app/routes/topology.py", facts=facts) == [19]


def test_a_session_get_of_one_url_is_an_http_download_not_a_query() -> None:
    code = """
    from app import httpclient
    from app.db import Session

    async def attach(elements):
        for ele in elements:
            session = httpclient.get_session()
            async with session.get(ele.url) as response:
                data = await response.read()

    def owners(ids):
        session = Session()
        for i in ids:
            print(session.get(User, i))
    """
    assert finding_lines(QueryInLoop, code) == [14]


def test_directories_named_for_testing_hold_test_code() -> None:
    assert is_test_path("langbot-testing/probes/chat.mjs") and is_test_path("api_testing/client.py")
    assert is_test_path("test_project/test_project/settings.py") and is_test_path("tests_support/fixtures.py")
    assert not is_test_path("contest/views.py") and not is_test_path("latest/settings.py")
    assert not is_test_path("attestation/views.py") and not is_test_path("testimonials/models.py")
    assert is_test_path("modoboa/core/factories.py") and is_test_path("app/factories/users.py")
    assert not is_test_path("app/factory.py")


def test_credential_patterns_and_factory_passwords_are_not_secrets() -> None:
    from backlint.rules.configuration.hardcoded_secret import HardcodedSecret

    code = """
    import os
    import re
    import paramiko

    PATTERN = re.compile(r"https://([^:]+):([^@]+)@(.*)")
    IOS_SSH_PASSWORD = os.getenv("MOBSF_IOS_SSH_PASSWORD", "alpine")

    def connect(client, ip):
        client.connect(ip, username="root", password="alpine")
        client.connect(ip, username="root", password="Xq7-pLm2-9vTr")

    MIRROR = "https://deploy:Xq7pLm29vTr@git.example.org/repo.git"
    """
    assert finding_lines(HardcodedSecret, code, "app/ssh.py") == [11, 13]


def test_a_base_config_class_whose_production_subclass_turns_debug_off_is_left_alone() -> None:
    from backlint.rules.errors.debug_enabled import DebugEnabled

    code = """
    class Config(object):
        SECRET_KEY_FILE = "/etc/app/key"
        DEBUG = True

    class ProductionConfig(Config):
        DEBUG = False

    class DevelopmentConfig(Config):
        DEBUG = True

    class StagingConfig(object):
        DEBUG = True

    class QAConfig(StagingConfig):
        TESTING = True
    """
    assert finding_lines(DebugEnabled, code, "app/config.py") == [13]


def test_numbered_migration_modules_of_any_prefix_are_migrations() -> None:
    from backlint.frameworks.project import is_migration_path

    assert is_migration_path("pkg/persistence/migrations/dbm019_monitoring_message_role.py")
    assert is_migration_path("app/migrations/0007_auto.py") and is_migration_path("db/migrations/v003_users.py")
    assert not is_migration_path("pkg/persistence/migrations/migrator.py")


def test_a_swallowed_sqlalchemy_select_changes_nothing() -> None:
    from backlint.rules.errors.swallowed_exception import SwallowedException

    code = """
    import sqlalchemy

    async def label(self, uuid):
        name = ''
        try:
            result = await self.ap.persistence_mgr.execute_async(
                sqlalchemy.select(Pipeline.name).where(Pipeline.uuid == uuid)
            )
            row = result.first()
            if row:
                name = row[0]
        except Exception:
            pass
        return name

    async def rename(self, uuid, name):
        try:
            await self.ap.persistence_mgr.execute_async(
                sqlalchemy.update(Pipeline).where(Pipeline.uuid == uuid).values(name=name)
            )
        except Exception:
            pass
    """
    assert finding_lines(SwallowedException, code) == [22]


def test_a_connection_opened_in_a_helper_only_a_script_calls_is_left_alone(tmp_path) -> None:
    from backlint import catalog
    from backlint.config import Config
    from backlint.engine import scan

    (tmp_path / "worker").mkdir()
    (tmp_path / "files" / "scripts").mkdir(parents=True)
    (tmp_path / "worker" / "database.py").write_text(
        "import psycopg2\n\n\ndef delete_old_data(dsn):\n    conn = psycopg2.connect(dsn)\n    conn.cursor().execute('DELETE FROM t')\n"
        "    conn.commit()\n\n\ndef count_rows(dsn):\n    conn = psycopg2.connect(dsn)\n    return conn.cursor().execute('SELECT 1')\n"
    )
    (tmp_path / "files" / "scripts" / "db-cleanup.py").write_text(
        "import sys\nfrom worker.database import delete_old_data\n\nif __name__ == '__main__':\n    delete_old_data(sys.argv[1])\n"
    )
    (tmp_path / "worker" / "tasks.py").write_text(
        "from worker.database import count_rows\n\n\ndef report(dsn):\n    # delete_old_data(dsn)\n    return count_rows(dsn)\n"
    )
    result = scan([tmp_path], Config(root=tmp_path, select=("BL103",)), catalog.load(), cache_dir=None)
    assert [(f.path, f.region.start_line) for f in result.findings] == [("worker/database.py", 11)]


def test_an_exists_check_deciding_a_call_of_a_project_function_that_writes_is_left_alone() -> None:
    models = """
    from django.db import models

    class Alias(models.Model):
        address = models.CharField(max_length=254)

        def remove_recipient_or_delete(self, recipient):
            if recipient == self.address:
                self.delete()

        def describe_recipients(self):
            return self.address
    """
    facts = facts_from_text(textwrap.dedent(models), "app/models/alias.py")
    code = """
    from app.models import Alias

    def drop(addresses, username):
        for address in addresses:
            alias = Alias.objects.filter(address=address)
            if alias.exists():
                alias.first().remove_recipient_or_delete(username)

    def show(addresses):
        for address in addresses:
            alias = Alias.objects.filter(address=address)
            if alias.exists():
                print(alias.first().describe_recipients())
    """
    assert finding_lines(QueryInLoop, code, facts=facts) == [13, 14]


def test_a_keepalive_loop_that_stops_when_its_ping_cannot_be_sent_is_left_alone() -> None:
    from backlint.rules.errors.swallowed_exception import SwallowedException

    code = """
    import asyncio, json

    async def listen_loop(self):
        while self.running and self.ws:
            await asyncio.sleep(30)
            try:
                ping_msg = {"s": 2, "sn": self.current_sn}
                await self.ws.send(json.dumps(ping_msg))
            except Exception:
                break

    async def sync_loop(self):
        while self.running:
            try:
                await self.api.save_events(self.queue.get())
            except Exception:
                break
    """
    assert finding_lines(SwallowedException, code, "app/gateway.py") == [17]


def test_a_swallowed_error_around_reading_files_for_the_response_is_left_alone() -> None:
    from backlint.rules.errors.swallowed_exception import SwallowedException

    code = """
    from django.views.decorators.http import require_POST

    @require_POST
    def list_scripts(request):
        scripts = []
        try:
            for name in SCRIPTS:
                scripts.append(open(name).read())
            return send_response({"files": scripts})
        except Exception:
            pass
        return send_response({"files": []})

    @require_POST
    def save_script(request):
        try:
            write_script(request.POST["name"], request.POST["code"])
        except Exception:
            pass
        return send_response({"ok": True})
    """
    assert finding_lines(SwallowedException, code, "app/views.py") == [19]


def test_a_handler_returning_its_helpers_4xx_answer_keeps_the_status() -> None:
    from backlint.rules.errors.exception_leak import ExceptionLeak

    code = """
    from quart import Quart, request

    app = Quart(__name__)

    class Webhook:
        async def _handle(self, req):
            try:
                payload = await req.get_json()
                return await self.dispatch(payload), 200
            except Exception as e:
                return {"error": str(e)}, 400

        async def _export(self, req):
            try:
                return await self.export(req.args), 200
            except Exception as e:
                return {"error": str(e)}, 500

        @app.route("/callback", methods=["POST"])
        async def callback(self):
            return await self._handle(request)

        @app.route("/export")
        async def export_all(self):
            return await self._export(request)
    """
    assert finding_lines(ExceptionLeak, code, "app/webhook.py") == [26]


def test_attributes_of_the_items_of_a_module_constant_are_written_by_the_code() -> None:
    from backlint.rules.database.sql_string_building import SqlStringBuilding

    code = """
    async def placeholders(conn, source, request):
        from .placeholder_resolver import PLACEHOLDERS
        cond = " OR ".join([f"path LIKE '%{p.name}%'" for p in PLACEHOLDERS])
        rows = await conn.fetch(f"SELECT path FROM t WHERE source = $1 AND ({cond})", source)
        wanted = " OR ".join([f"path LIKE '%{p.name}%'" for p in request.json["items"]])
        return rows, await conn.fetch(f"SELECT path FROM t WHERE {wanted}")
    """
    assert finding_lines(SqlStringBuilding, code) == [7]


def test_requests_in_a_command_line_package_run_in_the_operators_terminal() -> None:
    from backlint.rules.reliability.request_without_timeout import RequestWithoutTimeout

    code = """
    import requests

    class NemesisClient:
        def get_health(self):
            return requests.get(f"{self.base_url}/healthz").json()
    """
    assert finding_lines(RequestWithoutTimeout, code, "projects/cli/cli/nemesis_client.py") == []
    assert finding_lines(RequestWithoutTimeout, code, "projects/web_api/web_api/client.py") == [6]


def test_an_http_exception_raised_in_http_middleware_is_logged_by_the_server() -> None:
    code = """
    import asyncio
    from fastapi import FastAPI, HTTPException, Request

    app = FastAPI()

    @app.middleware("http")
    async def timeout_middleware(request: Request, call_next):
        try:
            return await asyncio.wait_for(call_next(request), timeout=60)
        except TimeoutError:
            raise HTTPException(status_code=504, detail="Request timeout") from None

    @app.get("/report")
    async def report():
        try:
            return await asyncio.wait_for(build_report(), timeout=60)
        except TimeoutError:
            raise HTTPException(status_code=504, detail="Request timeout") from None
    """
    assert finding_lines(UnloggedErrorResponse, code, "app/main.py") == [19]


def test_an_asyncpg_cursor_over_a_query_is_not_a_named_server_side_cursor() -> None:
    from backlint.rules.database.unclosed_connection import UnclosedConnection

    code = '''
    async def purge(pool, prefix):
        async with pool.acquire() as conn:
            async with conn.transaction():
                cursor = await conn.cursor("""
                    SELECT wf_id FROM workflows WHERE wf_id LIKE $1
                """, prefix)
                rows = await cursor.fetch(100)
        return rows

    def export(conn):
        cur = conn.cursor("export_rows")
        cur.execute("SELECT * FROM t")
        return cur.fetchall()
    '''
    assert finding_lines(UnclosedConnection, code) == [12]


def test_an_http_exception_handler_logging_through_a_project_logging_class_logs() -> None:
    main = """
    from fastapi import FastAPI
    from starlette.exceptions import HTTPException as StarletteHTTPException
    from common.core.response_middleware import exception_handler

    app = FastAPI()
    app.add_exception_handler(StarletteHTTPException, exception_handler.http_exception_handler)
    """
    handlers = """
    from common.utils.utils import SQLBotLogUtil

    class exception_handler:
        @staticmethod
        async def http_exception_handler(request, exc):
            SQLBotLogUtil.error(f"HTTP Exception: {exc.detail}", exc_info=True)
            return JSONResponse({"detail": exc.detail}, status_code=exc.status_code)
    """
    facts = facts_from_text(textwrap.dedent(main), "backend/main.py").merged(
        facts_from_text(textwrap.dedent(handlers), "backend/common/core/response_middleware.py"))
    assert facts.logs_http_exceptions()


def test_a_connection_in_a_main_module_importing_no_web_framework_is_a_scripts() -> None:
    from backlint.rules.database.unclosed_connection import UnclosedConnection

    script = """
    import psycopg2
    from sqlalchemy import create_engine

    def wait_for_migrations(url):
        engine = create_engine(url)
        with engine.connect() as conn:
            return conn.execute("SELECT 1")

    def seed(dsn):
        with psycopg2.connect(dsn) as conn:
            conn.cursor().execute("INSERT INTO t VALUES (1)")

    if __name__ == "__main__":
        seed("dbname=app")
    """
    assert finding_lines(UnclosedConnection, script, "app/wait_for_migrations.py") == []
    served = "from flask import Flask\n" + textwrap.dedent(script) + "\n@app.route('/health')\ndef health():\n    return 'ok'\n"
    assert finding_lines(UnclosedConnection, served, "app/wait_for_migrations.py") == [7, 12]
    unserved = "from flask import Flask\n" + textwrap.dedent(script)  # (an application built only for its context)
    assert finding_lines(UnclosedConnection, unserved, "app/wait_for_migrations.py") == []


def test_words_of_a_language_are_labels_not_secrets() -> None:
    from backlint.rules.configuration.hardcoded_secret import HardcodedSecret

    code = """
    _COMMENTS = {
        'sys_user.password': '用户密码',
        'sys_assistant.app_secret': '应用密钥',
    }
    password = '用户密码x9Qz'
    api_secret = 'Zq81-kD93-Lx02'
    """
    assert finding_lines(HardcodedSecret, code, "app/labels.py") == [7]


def test_a_list_filtered_from_a_sliced_prefetched_query_keeps_its_prefetches() -> None:
    models = """
    from django.db import models

    class Role(models.Model):
        name = models.CharField(max_length=50)

    class Access(models.Model):
        role = models.ForeignKey(Role, related_name="access", on_delete=models.CASCADE)
        permission = models.ForeignKey("Permission", on_delete=models.CASCADE)

    class CrossAccountRequest(models.Model):
        user_id = models.CharField(max_length=50)
        roles = models.ManyToManyField(Role)
    """
    code = """
    from app.models import CrossAccountRequest

    def investigate(org_id, name, status, limit):
        queryset = CrossAccountRequest.objects.filter(target_org=org_id).prefetch_related("roles", "roles__access__permission")
        if status:
            queryset = queryset.filter(status=status)
        queryset = queryset.order_by("-created")[:limit]
        requests_list = list(queryset)
        filtered = requests_list
        if name:
            filtered = []
            for car in requests_list:
                if name in car.user_id:
                    filtered.append(car)
        for car in filtered:
            for role in car.roles.all():
                for access in role.access.all():
                    print(access.permission)

    def plain(org_id, limit):
        queryset = CrossAccountRequest.objects.filter(target_org=org_id).order_by("-created")[:limit]
        for car in list(queryset):
            for role in car.roles.all():
                print(role.name)
    """
    facts = facts_from_text(textwrap.dedent(models), "app/models.py")
    assert finding_lines(QueryInLoop, code, "app/views.py", facts=facts) == [24]


def test_a_helper_given_the_logger_logs_and_a_password_spelled_from_the_user_is_a_default() -> None:
    from backlint.rules.configuration.hardcoded_secret import HardcodedSecret

    code = """
    import logging
    from flask import abort
    from requests.exceptions import ConnectionError

    logger = logging.getLogger(__name__)

    def rbac(request):
        try:
            return fetch_permissions(request)
        except ConnectionError as e:
            rbac_failure(logger, e)
            abort(503, "RBAC server error, request cannot be fulfilled")

    def groups(request):
        try:
            return fetch_groups(request)
        except ConnectionError as e:
            report_failure(e)
            abort(503, "RBAC server error, request cannot be fulfilled")
    """
    assert finding_lines(UnloggedErrorResponse, code, "app/middleware.py") == [20]
    secrets = """
    def connect(host, user="change", passwd="changepw"):
        return pb.connect(host, user, passwd)

    def login(host, user="change", passwd="Kx81-q0Lm"):
        return pb.connect(host, user, passwd)
    """
    assert finding_lines(HardcodedSecret, secrets, "app/pb.py") == [5]


def test_a_permission_checked_view_of_the_admin_area_answers_staff() -> None:
    from backlint.rules.errors.exception_leak import ExceptionLeak

    code = """
    from flask import Blueprint, jsonify

    blueprint = Blueprint("page_admin", __name__)

    @blueprint.get("/versions/<uuid:version_id>/preview")
    @permission_required("page.view_history")
    def view_version_preview(version_id):
        try:
            return jsonify(render_preview(version_id))
        except Exception as e:
            return jsonify({"error_message": str(e)}), 500
    """
    assert finding_lines(ExceptionLeak, code, "byceps/services/page/blueprints/admin/views.py") == []
    assert finding_lines(ExceptionLeak, code, "byceps/services/page/blueprints/site/views.py") == [12]


def test_a_scoped_session_removed_in_finally_is_closed() -> None:
    from backlint.rules.database.unclosed_connection import UnclosedConnection

    code = """
    from sqlalchemy.orm import scoped_session, sessionmaker

    Session = scoped_session(sessionmaker())

    def add_tiles(rows):
        session = Session()
        try:
            session.add_all(rows)
            session.commit()
            return len(rows)
        finally:
            Session.remove()

    def add_fields(rows):
        session = Session()
        session.add_all(rows)
        session.commit()
    """
    assert finding_lines(UnclosedConnection, code) == [16]


def test_a_swallowed_error_around_annotating_a_tracing_span_is_left_alone() -> None:
    from backlint.rules.errors.swallowed_exception import SwallowedException

    code = """
    def _request_hook(span, environ):
        try:
            identity = from_auth_header(environ.get("HTTP_X_RH_IDENTITY", ""))
            if identity:
                span.set_attribute("rh.org_id", identity.org_id or "")
        except Exception:
            pass

    def _register_hook(registry, environ):
        try:
            identity = from_auth_header(environ.get("HTTP_X_RH_IDENTITY", ""))
            if identity:
                registry.set_attribute("org_id", identity.org_id or "")
        except Exception:
            pass
    """
    assert finding_lines(SwallowedException, code, "app/telemetry.py") == [15]
