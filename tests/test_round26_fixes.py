"""Precision fixes from held-out round 26 (and the changes made before it), each with the case that stays flagged beside it."""

from __future__ import annotations

import textwrap

from backlint.frameworks.project import facts_from_text
from backlint.frameworks.secrets import looks_real
from backlint.rules.api.unvalidated_request_input import UnvalidatedRequestInput
from backlint.rules.configuration.hardcoded_service_address import HardcodedServiceAddress
from backlint.rules.database.query_in_loop import QueryInLoop
from backlint.rules.database.sql_string_building import SqlStringBuilding
from backlint.rules.database.unclosed_connection import UnclosedConnection
from backlint.rules.database.writes_without_transaction import WritesWithoutTransaction
from backlint.rules.errors.debug_enabled import DebugEnabled
from backlint.rules.errors.exception_leak import ExceptionLeak
from backlint.rules.errors.swallowed_exception import SwallowedException
from backlint.rules.reliability.blocking_call_in_async import BlockingCallInAsync
from backlint.rules.reliability.request_without_timeout import RequestWithoutTimeout
from conftest import finding_lines


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
    assert finding_lines(QueryInLoop, code, "patchwork/views/bundle.py", facts) == []
    # The same loop without the write: one query per id that a single `filter(id__in=ids)` would do.
    reads_only = """
    def titles(ids):
        out = []
        for patch_id in ids:
            patch = Patch.objects.get(id=patch_id)
            out.append(patch.name)
        return out
    """
    assert finding_lines(QueryInLoop, reads_only, "patchwork/views/bundle.py", facts) == [5]
    # A batch written once it is full is no write per item.
    batch = facts.merged(facts_from_text("def bulk_create_todos(todos):\n    Todo.objects.bulk_create(todos)\n", "app/utils.py"))
    batched = """
    def todos(aliases):
        pending = []
        for alias in aliases:
            if Advisory.objects.filter(advisory_id=alias.alias).exists():
                pending.append(Todo(alias=alias))
            if len(pending) > 100:
                bulk_create_todos(pending)
                pending.clear()
    """
    assert finding_lines(QueryInLoop, batched, "app/pipelines/todo.py", batch) == [5]


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
    assert finding_lines(SqlStringBuilding, code) == [11]
    assert finding_lines(SqlStringBuilding, code, options={"strict": True}) == [7, 11]


def test_operator_tools_are_left_alone_unless_strict() -> None:
    code = """
    def purge(conn, domain):
        conn.execute(f"DELETE FROM aliases WHERE domain = '{domain}'")
    """
    assert finding_lines(SqlStringBuilding, code, "commands/purge_aliases.py") == []
    assert finding_lines(SqlStringBuilding, code, "app/management/commands/purge.py") == []
    assert finding_lines(SqlStringBuilding, code, "commands/purge_aliases.py", options={"strict": True}) == [3]
    assert finding_lines(SqlStringBuilding, code, "app/aliases.py") == [3]


def test_a_name_requests_bound_to_the_projects_session_is_not_the_library() -> None:
    code = """
    from app.utils.http import Session as RequestSession
    requests = RequestSession(max_retries=3)

    def notify(url, payload):
        requests.post(url, json=payload)

    def scrape(url, requests):
        return requests.get(url)
    """
    assert finding_lines(RequestWithoutTimeout, code) == []
    library = """
    import requests

    def notify(url, payload):
        requests.post(url, json=payload)
    """
    assert finding_lines(RequestWithoutTimeout, library) == [5]


def test_a_session_class_of_the_projects_own_is_no_database_session() -> None:
    api_session = facts_from_text("class Session(metaclass=Singleton):\n    def register(self):\n        pass\n", "app/libs/session.py")
    code = """
    from app.libs.session import Session

    def limits():
        s = Session()
        return s.register()
    """
    assert finding_lines(UnclosedConnection, code, facts=api_session) == []
    factory = facts_from_text("Session = sessionmaker(class_=ContextSession)\nclass ContextSession(orm.Session):\n    pass\n",
                              "app/manager.py")
    assert finding_lines(UnclosedConnection, code, facts=factory) == [5]


def test_debug_set_under_an_environment_switch_that_is_off_by_default() -> None:
    code = """
    import os

    if os.environ.get("APP_DEBUG", "False").lower() == "true":
        DEBUG = True
    else:
        DEBUG = False
    """
    assert finding_lines(DebugEnabled, code, "app/settings.py") == []
    on_by_default = code.replace('"False"', '"True"')
    assert finding_lines(DebugEnabled, on_by_default, "app/settings.py") == [5]


def test_a_projects_admin_permission_keeps_errors_among_operators() -> None:
    code = """
    from rest_framework.decorators import api_view, permission_classes
    from rest_framework.response import Response
    from apps.accounts.permissions import {permission}

    @api_view(["POST"])
    @permission_classes([{permission}])
    def restore(request):
        try:
            run_restore(request.data["file"])
        except Exception as e:
            return Response({{"error": str(e)}}, status=500)
        return Response({{"ok": True}})
    """
    assert finding_lines(ExceptionLeak, code.format(permission="IsAdmin")) == []
    assert finding_lines(ExceptionLeak, code.format(permission="IsOrgAdmin")) == [12]
    assert finding_lines(ExceptionLeak, code.format(permission="require_user_admin")) == [12]


def test_a_call_of_a_function_that_logs_its_own_failures_loses_nothing() -> None:
    helper = """
    def send_websocket_update(group, event, data):
        try:
            async_to_sync(layer.group_send)(group, {"type": event, "data": data})
        except Exception as e:
            logger.warning(f"Failed to send WebSocket update: {e}")
    """
    facts = facts_from_text(textwrap.dedent(helper), "core/utils.py")
    assert "send_websocket_update" in facts.self_logging_functions
    code = """
    from core.utils import send_websocket_update, send_email_update

    def refresh(channel):
        channel.save()
        try:
            send_websocket_update("updates", "update", {"id": channel.id})
        except Exception:
            pass
        try:
            send_email_update(channel.owner)
        except Exception:
            pass
    """
    assert finding_lines(SwallowedException, code, "apps/channels/tasks.py", facts) == [12]


def test_adding_to_a_set_the_function_built_changes_nothing() -> None:
    code = """
    def keys(rows, registry):
        seen = set()
        for row in rows:
            try:
                seen.add((str(row["id"]), row["start"]))
            except Exception:
                continue
        for row in rows:
            try:
                registry.add(row["id"])
            except Exception:
                continue
        return seen
    """
    assert finding_lines(SwallowedException, code, "apps/channels/tasks.py") == [12]


def test_a_lookup_whose_row_is_linked_through_a_relationship_on_every_pass() -> None:
    models = facts_from_text("class Movie(Base):\n    genres = relationship('Genre', secondary=genre_table)\n", "app/db.py")
    code = """
    def save_movie(session, movie, parser):
        for name in parser.genres:
            genre = session.query(Genre).filter(Genre.name == name).first()
            if not genre:
                genre = Genre(name)
            movie.genres.append(genre)
    """
    assert finding_lines(QueryInLoop, code, "app/lookup.py", models) == []
    reads_only = """
    def genre_ids(session, parser):
        ids = []
        for name in parser.genres:
            genre = session.query(Genre).filter(Genre.name == name).first()
            ids.append(genre.id)
        return ids
    """
    assert finding_lines(QueryInLoop, reads_only, "app/lookup.py", models) == [5]


def test_a_decorator_given_a_schema_validates_the_body() -> None:
    code = """
    from flask import jsonify, request

    @bp.route("/lists", methods=["POST"])
    @api.{decorator}
    def create_list():
        data = request.json
        session.add(EntryList(name=data.get("name")))
        session.commit()
        return jsonify({{}}), 201
    """
    assert finding_lines(UnvalidatedRequestInput, code.format(decorator="validate(list_schema)")) == []
    assert finding_lines(UnvalidatedRequestInput, code.format(decorator="response(201, model=list_schema)")) == [8]


def test_a_key_files_path_is_not_a_key() -> None:
    assert not looks_real("~/.ssh/id_rsa", "private_key")
    assert looks_real("Vso7i8BApwA6km4L50PFRvqcTtGZHLrC1pnKLCXq", "private_key")


def test_dockers_bridge_gateway_is_the_local_host() -> None:
    code = """
    from decouple import config

    BROKER_URL = config("BROKER_URL", default="redis://{host}:6379/0")
    """
    assert finding_lines(HardcodedServiceAddress, code.format(host="172.17.0.1"), "app/config.py") == []
    assert finding_lines(HardcodedServiceAddress, code.format(host="10.20.0.7"), "app/config.py") == [4]


def test_a_file_of_the_package_itself_is_a_static_asset() -> None:
    code = """
    import os
    from pathlib import Path

    STATIC_DIR = Path(__file__).parent / "static"

    async def css(filename):
        file_path = Path(__file__).parent / "static" / "css" / filename
        with open(file_path, "rb") as f:
            return f.read()

    async def favicon():
        with open(os.path.join(STATIC_DIR, "favicon.ico"), "rb") as f:
            return f.read()

    async def upload(path):
        with open(path, "rb") as f:
            return f.read()

    IMAGE_PATH = os.environ.get("IMAGE_PATH", os.path.join(os.path.dirname(__file__), "default.png"))

    async def image():
        with open(IMAGE_PATH, "rb") as f:
            return f.read()
    """
    assert finding_lines(BlockingCallInAsync, code, "app/routes/static.py") == [17, 23]


def test_a_cache_key_is_state_that_expires_not_data() -> None:
    code = """
    from core.utils import RedisClient

    def heartbeat(pk):
        try:
            r = RedisClient.get_client()
            r.set(f"dvr:viewer:{pk}", "1", ex=20)
        except Exception:
            pass

    def release(pk):
        try:
            redis_client.delete(f"lock:{pk}")
        except Exception:
            pass

    def remember(pk, recording):
        try:
            cache.set(f"dvr:last:{pk}", recording.id)
        except Exception:
            pass
    """
    assert finding_lines(SwallowedException, code, "apps/channels/views.py") == [20]


def test_a_key_of_a_helpers_answer_holds_only_what_the_helper_put_under_it() -> None:
    code = """
    from rest_framework.response import Response
    from rest_framework.views import APIView

    def install(upload):
        try:
            key = unpack(upload)
        except Exception as e:
            return {"success": False, "error": f"Failed: {e}"}
        return {"success": True, "plugin_key": key}

    class Import(APIView):
        def post(self, request):
            result = install(request.FILES["file"])
            if not result["success"]:
                return Response({"error": result["error"]}, status=500)
            key = result["plugin_key"]
            return Response({"success": True, "plugin": {"key": key}})
    """
    assert finding_lines(ExceptionLeak, code, "apps/plugins/api_views.py") == [16]


def test_get_or_create_calls_only_complete_when_run_again() -> None:
    code = """
    from rest_framework.decorators import api_view

    @api_view(["POST"])
    def add_account(request):
        account = Account.objects.get(pk=request.data["id"])
        category, _ = Category.objects.get_or_create(name="Uncategorized")
        Relation.objects.get_or_create(category=category, account=account)
        Relation.objects.create(category=category, account=account, note="manual")

    @api_view(["POST"])
    def move_account(request):
        account = Account.objects.get(pk=request.data["id"])
        account.category = Category.objects.create(name=request.data["name"])
        account.save()
        Relation.objects.create(category=account.category, account=account, note="manual")
    """
    # A write paired with a get_or_create is completed by the next run (round 38: judged right 8
    # times in 27 on held-out code); two plain writes stay flagged.
    assert finding_lines(WritesWithoutTransaction, code, "apps/accounts/api_views.py") == [16]


def test_a_container_built_in_the_same_try_is_the_functions_own() -> None:
    code = """
    def notify(recording_id, status, extra=None):
        try:
            payload = {"type": "comskip_status", "status": status, "recording_id": recording_id}
            if extra:
                payload.update(extra)
            send_websocket_update("updates", payload)
        except Exception:
            pass

    def merge(extra, registry):
        try:
            registry.update(extra)
        except Exception:
            pass
    """
    helper = "def send_websocket_update(group, data):\n    try:\n        push(group, data)\n    except Exception as e:\n        logger.warning(e)\n"
    assert finding_lines(SwallowedException, code, "apps/channels/tasks.py", facts_from_text(helper, "core/utils.py")) == [14]
