"""Precision fixes from the residue of held-out rounds 15 to 37 and from round 38, each with the
case that stays flagged beside it."""

from __future__ import annotations

import textwrap

from backlint.frameworks.project import ProjectFacts, facts_from_text
from backlint.rules.reliability.request_without_timeout import RequestWithoutTimeout
from conftest import finding_lines


def _facts(*files: tuple[str, str]) -> ProjectFacts:
    return ProjectFacts.combined(facts_from_text(textwrap.dedent(text), path) for path, text in files)


PAGING_CLIENT = """
import requests

class Client:
    def download_all(self, form):
        return self.download_page(form, 0)

    def download_page(self, form, cursor):
        rows = requests.get(f"{self.url}/{form}", params={"cursor": cursor}).json()
        if rows["next"]:
            rows["items"] += self.download_page(form, rows["next"])["items"]
        return rows
"""

COMMAND = """
from django.core.management.base import BaseCommand
from app.client import Client

class Command(BaseCommand):
    def handle(self, *args, **options):
        Client().download_all(options["form"])
"""


def test_a_helper_that_calls_itself_stays_the_operators_when_only_a_command_reaches_it() -> None:
    facts = _facts(("app/client.py", PAGING_CLIENT), ("app/management/commands/pull.py", COMMAND))
    assert facts.operator_only(".download_all") and facts.operator_only(".download_page")
    assert finding_lines(RequestWithoutTimeout, PAGING_CLIENT, path="app/client.py", facts=facts) == []


def test_a_recursive_helper_a_view_also_calls_stays_flagged() -> None:
    view = """
    from flask import Flask
    from app.client import Client

    app = Flask(__name__)

    @app.get("/preview")
    def preview():
        return Client().download_page(request.args["form"], 0)
    """
    facts = _facts(("app/client.py", PAGING_CLIENT), ("app/management/commands/pull.py", COMMAND), ("app/views.py", view))
    assert facts.operator_only(".download_all") and not facts.operator_only(".download_page")
    assert finding_lines(RequestWithoutTimeout, PAGING_CLIENT, path="app/client.py", facts=facts) == [9]


def test_debug_set_by_the_function_that_starts_the_local_development_server_is_left_alone() -> None:
    from backlint.rules.errors.debug_enabled import DebugEnabled

    code = """
    from app import create_app

    def local_main():
        app = create_app()
        app.config["DEBUG"] = True
        app.debug = True
        app.run(port=7777)

    def public_main():
        app = create_app()
        app.debug = True
        app.run(host="0.0.0.0", port=7777)
    """
    assert finding_lines(DebugEnabled, code, path="server.py") == [12]


def test_a_guard_clause_counts_as_one_statement() -> None:
    from backlint.rules.api.logic_in_route_handler import LogicInRouteHandler

    guards = "".join(f"""
    if not data.get("f{i}"):
        flash("f{i} is required")
        return redirect(url_for("form"))""" for i in range(15))
    steps = "".join(f"""
    item{i} = service.step{i}(data)
    log.info("step {i}", extra={{"item": item{i}}})""" for i in range(21))
    head = """
from flask import Flask, flash, redirect, request, url_for
from app import service

app = Flask(__name__)
"""
    checked = '\n@app.post("/checked")\ndef checked():\n    data = request.form' + guards + "\n    return service.submit(data)\n"
    long = '\n@app.post("/long")\ndef long():\n    data = request.form' + steps + "\n    return service.submit(data)\n"
    code = head + checked + long
    assert finding_lines(LogicInRouteHandler, code) == [code.splitlines().index("def long():") + 1]


def test_writes_under_ifs_on_different_http_methods_never_share_a_path() -> None:
    from backlint.rules.database.writes_without_transaction import WritesWithoutTransaction

    code = """
    from django.http import HttpResponse
    from app.models import Account, Entry, Member

    def delete_members(request, pk=None):
        if request.method == "POST":
            Member.objects.get(id=pk).delete()
        if request.method == "DELETE":
            Member.objects.filter(id__in=request.GET.getlist("ids")).delete()
        return HttpResponse("")

    def transfer(request, pk, kind):
        account = Account.objects.get(id=pk)
        if kind == "debit":
            account.balance -= 10
            account.save()
            kind = "credit"
        if kind == "credit":
            Entry.objects.create(account=account, amount=10)
        return HttpResponse("")
    """
    assert finding_lines(WritesWithoutTransaction, code, path="app/views.py") == [19]


def test_handler_operations_under_ifs_on_different_http_methods_are_alternatives() -> None:
    from backlint.rules.api.logic_in_route_handler import LogicInRouteHandler

    code = """
    from django.http import HttpResponse
    from app.models import Member

    def members(request, pk=None):
        if request.method == "POST":
            member = Member.objects.get(id=pk)
            member.active = False
            member.save()
            Member.objects.filter(team=member.team).update(size=1)
        if request.method == "DELETE":
            Member.objects.filter(id__in=request.GET.getlist("ids")).delete()
            Member.objects.filter(team=None).delete()
        return HttpResponse("")
    """
    urls = 'from django.urls import path\\nfrom app import views\\nurlpatterns = [path("m/", views.members)]\\n'
    from backlint.frameworks.project import ProjectFacts, facts_from_text
    facts = ProjectFacts.combined([facts_from_text(urls, "app/urls.py")])
    assert finding_lines(LogicInRouteHandler, code, path="app/views.py", facts=facts) == []
    sequential = code.replace('if request.method == "DELETE":', 'if request.GET.get("purge"):')
    assert finding_lines(LogicInRouteHandler, sequential, path="app/views.py", facts=facts) == [5]


def test_basic_auth_against_one_configured_password_is_a_single_operator_login() -> None:
    route = """
    import aiohttp

    def check_auth(request, server_config):
        if not server_config.getboolean("auth", False):
            return None
        user = server_config.get("user", "").strip()
        password = server_config.get("password", "").strip()
        if request.headers["AUTHORIZATION"] == aiohttp.helpers.BasicAuth(user, password, "utf-8").encode():
            return None
        return unauthorized()
    """
    client = """
    import aiohttp

    def session(user, password):
        return aiohttp.ClientSession(auth=aiohttp.BasicAuth(user, password))
    """
    facts = facts_from_text(textwrap.dedent(route), "server/web/route.py")
    assert facts.single_password_login and facts.single_operator()
    assert not facts_from_text(textwrap.dedent(client), "server/client.py").single_password_login
    accounts = facts.merged(facts_from_text("from django.contrib.auth.models import AbstractUser\n\nclass User(AbstractUser):\n    pass\n",
                                            "server/models.py"))
    assert not accounts.single_operator()


def test_a_function_replaced_by_a_later_one_of_the_same_name_never_runs() -> None:
    code = """
    import requests

    def download(url):
        return requests.get(url).content

    def download(url):
        return requests.get(url, timeout=30).content

    def fetch(url):
        return requests.get(url).content

    HANDLERS = {"fetch": fetch}

    def fetch(url):
        return requests.get(url, timeout=30).content

    class Client:
        def get(self, url):
            return requests.get(url).content

        @property
        def name(self):
            return requests.get(self.url).text

        @name.setter
        def name(self, value):
            self.value = value
    """
    assert finding_lines(RequestWithoutTimeout, code, path="app/client.py") == [11, 20, 24]


def test_writes_under_different_submit_buttons_or_values_of_one_posted_field_are_alternatives() -> None:
    from backlint.rules.database.writes_without_transaction import WritesWithoutTransaction

    code = """
    from django.shortcuts import redirect
    from app.models import Account, Entry, Pin

    def pinned(request):
        if "pin" in request.POST:
            Pin.objects.create(article_id=request.POST["pin"])
        if request.POST.get("unpin"):
            Pin.objects.get(pk=request.POST["unpin"]).delete()
        return redirect("pinned")

    def transfer(request, pk):
        account = Account.objects.get(id=pk)
        kind = request.POST.get("kind")
        if kind == "debit":
            account.balance -= 10
            account.save()
        if kind == "credit":
            Entry.objects.create(account=account, amount=10)
        return redirect("account")
    """
    # (a value assigned again between the ifs keeps both: test_writes_under_ifs_on_different_http_methods_never_share_a_path)
    assert finding_lines(WritesWithoutTransaction, code, path="app/views.py") == []


def test_the_arms_of_a_form_button_dispatch_count_separately() -> None:
    from backlint.rules.api.logic_in_route_handler import LogicInRouteHandler

    def arm(button: str, n: int) -> str:
        steps = "".join(f"\n        value{i} = helpers.step{i}(request.POST['{button}'])" for i in range(n))
        return f'\n    if "{button}" in request.POST:{steps}\n        messages.info(request, "{button} done")'

    head = "from django.contrib import messages\nfrom django.shortcuts import redirect\nfrom app import helpers\n\n"
    dispatch = "def manage(request):" + "".join(arm(b, 12) for b in ("pin", "unpin", "order")) + '\n    return redirect("manage")\n'
    together = dispatch.replace("def manage(", "def manage_all(").replace('"unpin" in request.POST', 'request.user.is_staff') \
        .replace('"order" in request.POST', 'request.GET.get("order")')
    code = head + dispatch + "\n\n" + together
    lines = code.splitlines()
    assert finding_lines(LogicInRouteHandler, code, path="app/views.py", facts=_urls("manage", "manage_all")) \
        == [lines.index("def manage_all(request):") + 1]


def _urls(*views: str) -> ProjectFacts:
    entries = ", ".join(f'path("{v}/", views.{v})' for v in views)
    return _facts(("app/urls.py", f"from django.urls import path\nfrom app import views\nurlpatterns = [{entries}]\n"))


def test_a_module_reading_its_command_line_at_import_is_a_script() -> None:
    script = """
    import sys
    import requests

    entry = sys.argv[1] if len(sys.argv) > 1 else "https://api.travis-ci.org"
    state = requests.get(entry + "/builds").json()
    if state["failed"]:
        exit(1)
    """
    library = """
    import sys
    import requests

    def fetch(args=None):
        args = args or sys.argv[1:]
        return requests.get(args[0]).json()
    """
    assert finding_lines(RequestWithoutTimeout, script, path="deploy/travis_after_all.py") == []
    assert finding_lines(RequestWithoutTimeout, library, path="app/fetch.py") == [7]


def test_a_module_importing_a_test_runners_hooks_is_test_code() -> None:
    hooks = """
    import dredd_hooks as hooks
    import requests

    @hooks.before_all
    def seed(transactions):
        requests.post("https://api.example.org/api/v2/reset/")
    """
    assert finding_lines(RequestWithoutTimeout, hooks, path="api_contracts/hooks/hooks.py") == []
    assert finding_lines(RequestWithoutTimeout, hooks.replace("dredd_hooks", "app.hooks"), path="api_contracts/hooks/hooks.py") == [7]


def test_a_project_field_derived_from_a_rich_text_field_is_unbounded_text() -> None:
    utils = """
    from django_bleach.models import BleachField

    class JanewayBleachField(BleachField):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)

    class SafeNoteField(JanewayBleachField):
        pass
    """
    models = """
    from django.db import models
    from core.model_utils import JanewayBleachField, SafeNoteField

    class Issue(models.Model):
        description = JanewayBleachField(blank=True)
        summary = SafeNoteField()
        code = CodeField()
    """
    facts = _facts(("core/model_utils.py", utils), ("journal/models.py", models))
    assert facts.unbounded_text("description") and facts.unbounded_text("summary")
    assert not facts.unbounded_text("code")


def test_mongodb_filters_only_select_the_documents_written() -> None:
    from backlint.rules.api.unvalidated_request_input import UnvalidatedRequestInput

    code = """
    import flask
    from app.db import db

    app = flask.Flask(__name__)

    @app.route("/sso/callback", methods=["POST"])
    def callback():
        state = flask.request.json["state"]
        db.states.find_one_and_delete({"_id": state})
        db.states.update_one({"_id": state}, {"$set": {"used": True}})
        db.states.update_one({"_id": 1}, {"$set": {"name": flask.request.json["name"]}})
        return flask.jsonify({})
    """
    assert finding_lines(UnvalidatedRequestInput, code, path="app/views.py") == [12]


def test_a_header_added_to_a_request_being_built_is_no_change() -> None:
    from backlint.rules.errors.swallowed_exception import SwallowedException

    code = """
    import urllib.request

    def public_ip6():
        try:
            request = urllib.request.Request("https://ip6.example.org/json")
            request.add_header("User-Agent", "vpn")
            return urllib.request.urlopen(request, timeout=5).read()
        except Exception:
            pass

    def push(payload):
        try:
            request = urllib.request.Request("https://hooks.example.org/", data=payload)
            request.add_header("User-Agent", "vpn")
            urllib.request.urlopen(request, timeout=5).read()
            save_delivery(payload)
        except Exception:
            pass
    """
    assert finding_lines(SwallowedException, code, path="app/utils.py") == [18]


def test_the_local_configuration_class_holds_a_developers_defaults() -> None:
    from backlint.rules.configuration.hardcoded_secret import HardcodedSecret

    code = """
    from app.config.default import DefaultConfig

    class LocalConfig(DefaultConfig):
        DB_USER = "usaspending"
        DB_PASSWORD = "usaspender-7Qx"

    class LocalStorage:
        ADMIN_PASSWORD = "usaspender-7Qx"
    """
    assert finding_lines(HardcodedSecret, code, path="app/config/envs/local_config.py") == [9]


def test_a_password_in_a_block_whose_host_is_this_machine_is_a_local_services() -> None:
    from backlint.rules.configuration.hardcoded_secret import HardcodedSecret

    code = """
    DEFAULT_CONFIG = {
        "ari": {
            "host": "localhost",
            "port": 5039,
            "username": "xivo",
            "password": "Nasheow8Eag",
        },
        "remote": {
            "host": "pbx.example.net",
            "username": "xivo",
            "password": "Nasheow8Eag",
        },
    }
    """
    assert finding_lines(HardcodedSecret, code, path="app/config.py") == [12]


def test_a_row_loaded_to_call_its_own_write_method_is_a_write_per_item() -> None:
    from backlint.rules.database.query_in_loop import QueryInLoop

    code = """
    from app import models

    def refresh(identifiers):
        for identifier in identifiers:
            status = models.CrossrefStatus.objects.get(identifier=identifier)
            status.update()

    def describe(identifiers):
        out = []
        for identifier in identifiers:
            status = models.CrossrefStatus.objects.get(identifier=identifier)
            out.append(status.describe())
        return out
    """
    assert finding_lines(QueryInLoop, code, path="app/logic.py") == [12]


def test_a_column_of_a_model_without_relations_is_no_relation_read() -> None:
    from backlint.rules.database.query_in_loop import QueryInLoop

    references = """
    from django.db import models

    class ObjectClass(models.Model):
        object_class = models.TextField(db_index=True)
        direct_reimbursable = models.TextField(null=True)
    """
    activities = """
    from django.db import models

    class FinancialAccount(models.Model):
        object_class = models.ForeignKey("references.ObjectClass", models.DO_NOTHING, null=True)
        program = models.ForeignKey("references.Program", models.DO_NOTHING, null=True)
    """
    code = """
    from references.models import ObjectClass
    from activities.models import FinancialAccount

    def classes():
        return {(oc.object_class, oc.direct_reimbursable): oc for oc in ObjectClass.objects.all()}

    def programs():
        return [fa.program for fa in FinancialAccount.objects.all()]
    """
    facts = _facts(("references/models.py", references), ("activities/models.py", activities))
    assert finding_lines(QueryInLoop, code, path="etl/helpers.py", facts=facts) == [9]


def test_a_loop_over_a_name_bound_to_a_setting_is_bounded() -> None:
    from backlint.rules.database.query_in_loop import QueryInLoop

    code = """
    from app import settings
    from app.models import DhParam, Queue

    def fill_pool():
        pool = settings.app.dh_param_bits_pool
        for bits in pool:
            DhParam.objects.filter(bits=bits).count()

    def fill_users(users):
        pool = users.all()
        for user in pool:
            Queue.objects.filter(user=user).count()
    """
    assert finding_lines(QueryInLoop, code, path="app/poolers.py") == [13]


def test_a_relation_read_only_for_its_key_is_advised_the_key_column() -> None:
    from backlint.analysis import analyze_text
    from backlint.rules.database.query_in_loop import QueryInLoop

    models = """
    from django.db import models

    class Pin(models.Model):
        preprint = models.ForeignKey("Preprint", on_delete=models.CASCADE)
    """
    code = """
    from app.models import Pin

    def pinned_ids():
        return [pin.preprint.pk for pin in Pin.objects.all()]
    """
    result = analyze_text("app/views.py", textwrap.dedent(code), [(QueryInLoop, {})], _facts(("app/models.py", models)))
    assert [f.message for f in result.findings] == [
        "`pin.preprint` loads related rows for every `pin` of `Pin.objects.all()` (N+1 queries); read the key the row holds, "
        "`pin.preprint_id`, which needs no query"]


def test_a_django_write_paired_with_a_get_or_create_is_completed_by_the_next_run() -> None:
    from backlint.rules.database.writes_without_transaction import WritesWithoutTransaction

    code = """
    from django.shortcuts import redirect
    from review.models import ReviewRound

    def move_to_review(request, article):
        article.stage = "review"
        article.save()
        ReviewRound.objects.get_or_create(article=article, round_number=1)
        return redirect("review")

    def new_round(request, article):
        article.stage = "review"
        article.save()
        ReviewRound.objects.create(article=article, round_number=2)
        return redirect("review")
    """
    assert finding_lines(WritesWithoutTransaction, code, path="review/views.py") == [14]


def test_a_write_in_a_loop_block_that_then_returns_runs_once() -> None:
    from backlint.rules.api.logic_in_route_handler import LogicInRouteHandler

    code = """
    from django.contrib.auth import login
    from django.shortcuts import redirect
    from core.models import Account, Token

    def login_orcid(request):
        for candidate in Account.objects.filter(orcid=request.GET["orcid"]):
            candidate.orcid_verified = True
            candidate.save()
            login(request, candidate)
            return redirect("home")
        Token.objects.filter(owner=request.user).delete()
        return redirect("home")

    def verify_all(request):
        for candidate in Account.objects.filter(orcid=request.GET["orcid"]):
            candidate.orcid_verified = True
            candidate.save()
        Token.objects.filter(owner=request.user).delete()
        return redirect("home")
    """
    assert finding_lines(LogicInRouteHandler, code, path="core/views.py", facts=_urls("login_orcid", "verify_all")) == [15]


def test_a_constructor_an_operators_code_also_chains_to_stays_the_services() -> None:
    routers = """
    import requests

    class BaseRouter:
        def __init__(self, app):
            self.app = app
            self._setup_routes()

    class UsersRouter(BaseRouter):
        def __init__(self, app):
            super().__init__(app)

        def _setup_routes(self):
            @self.app.get("/oauth/callback")
            def callback(code: str):
                return requests.post("https://oauth2.example.org/token", data={"code": code}).json()
    """
    command = """
    from app.routers import BaseRouter

    class ExportRouter(BaseRouter):
        def __init__(self, app):
            super().__init__(app)
    """
    facts = _facts(("app/routers.py", routers), ("app/cli/export.py", command))
    assert not facts.operator_only(".__init__") and not facts.operator_only("._setup_routes")
    assert finding_lines(RequestWithoutTimeout, routers, path="app/routers.py", facts=facts) == [16]


def test_text_cast_to_regclass_names_a_table() -> None:
    from backlint.rules.database.sql_string_building import SqlStringBuilding

    code = """
    def is_partitioned(table, cursor):
        schema, table = table.split(".")
        cursor.execute(f"SELECT 1 FROM pg_inherits WHERE inhrelid = '{schema}.{table}'::regclass")
        return cursor.fetchone() is not None

    def by_name(name, cursor):
        cursor.execute(f"SELECT 1 FROM pg_inherits WHERE comment = '{name}'")
        return cursor.fetchone()
    """
    assert finding_lines(SqlStringBuilding, code, path="app/sql_helpers.py") == [8]


def test_dropping_an_index_that_may_be_gone_already_is_left_alone() -> None:
    from backlint.rules.errors.swallowed_exception import SwallowedException

    code = """
    def upgrade(db):
        try:
            db.users.drop_index("email_1")
        except Exception:
            pass
        db.users.create_index("email", unique=True)

    def purge(db):
        try:
            db.users.delete_many({"stale": True})
        except Exception:
            pass
    """
    assert finding_lines(SwallowedException, code, path="app/setup/mongo.py") == [12]


def test_a_coroutine_only_a_command_runs_has_its_own_loop() -> None:
    from backlint.rules.reliability.blocking_call_in_async import BlockingCallInAsync

    service = """
    import time
    import requests

    async def import_zones(url):
        for zone in requests.get(url, timeout=10).json():
            time.sleep(0.1)

    async def refresh(url):
        return requests.get(url, timeout=10).json()
    """
    command = """
    import asyncio
    from django.core.management.base import BaseCommand
    from app.zones import import_zones

    class Command(BaseCommand):
        def handle(self, *args, **options):
            asyncio.run(import_zones(options["url"]))
    """
    view = """
    from fastapi import FastAPI
    from app.zones import refresh

    app = FastAPI()

    @app.post("/refresh")
    async def refresh_view(url: str):
        return await refresh(url)
    """
    facts = _facts(("app/zones.py", service), ("app/management/commands/zones.py", command), ("app/api.py", view))
    assert finding_lines(BlockingCallInAsync, service, path="app/zones.py", facts=facts) == [10]


def test_a_method_call_on_an_object_does_not_reach_a_module_function_of_that_name() -> None:
    logic = """
    import requests

    def get_page(url):
        return requests.get(url).text

    def add_searchable_page(url):
        return get_page(url)
    """
    command = """
    from django.core.management.base import BaseCommand
    from cms.logic import add_searchable_page

    class Command(BaseCommand):
        def handle(self, *args, **options):
            add_searchable_page(options["url"])
    """
    view = """
    from django.core.paginator import Paginator

    def archive(request):
        paginator = Paginator(items(), 25)
        return render(request, "archive.html", {"page": paginator.get_page(request.GET.get("page"))})
    """
    through_module = """
    from cms import logic

    def preview(request):
        return HttpResponse(logic.get_page(request.GET["url"]))
    """
    facts = _facts(("cms/logic.py", logic), ("cms/management/commands/index.py", command), ("journal/views.py", view))
    assert facts.operator_only("get_page")
    assert finding_lines(RequestWithoutTimeout, logic, path="cms/logic.py", facts=facts) == []
    facts = facts.merged(_facts(("press/views.py", through_module)))
    assert not facts.operator_only("get_page")
    assert finding_lines(RequestWithoutTimeout, logic, path="cms/logic.py", facts=facts) == [5]


def test_a_5xx_raised_in_a_resource_of_the_projects_restful_base_is_logged_by_the_api() -> None:
    from backlint.rules.errors.unlogged_error_response import UnloggedErrorResponse

    base = """
    from flask_restx import Resource

    class API(Resource):
        pass
    """
    code = """
    import flask
    from udata.api import API, api

    class TopicAPI(API):
        def delete(self, topic):
            try:
                topic.delete()
            except Exception:
                flask.abort(500)

    class Plain:
        def delete(self, topic):
            try:
                topic.delete()
            except Exception:
                flask.abort(500)
    """
    facts = _facts(("udata/api/__init__.py", base))
    assert finding_lines(UnloggedErrorResponse, code, path="udata/core/topic/apiv2.py", facts=facts) == [17]


def test_a_tornado_write_error_that_records_the_traceback_logs_raised_http_errors() -> None:
    from backlint.rules.errors.unlogged_error_response import UnloggedErrorResponse

    base = """
    from traceback import format_exception
    from tornado.web import RequestHandler

    class OauthBaseHandler(RequestHandler):
        def write_error(self, status_code, **kwargs):
            exc_info = kwargs["exc_info"]
            if status_code not in {403, 404, 405}:
                trace = "".join(format_exception(*exc_info))
                LogEntry.create("Runtime", "ERROR:\\n%s" % trace)
            self.finish({"message": str(exc_info[1])})
    """
    code = """
    from tornado.web import HTTPError
    from qiita_db.handlers.oauth2 import OauthBaseHandler

    class ArtifactHandler(OauthBaseHandler):
        def get(self, artifact_id):
            try:
                artifact = Artifact(artifact_id)
            except Exception as e:
                raise HTTPError(500, reason=str(e))
            self.write(artifact.to_dict())
    """
    assert finding_lines(UnloggedErrorResponse, code, path="qiita_db/handlers/artifact.py") == [10]
    facts = _facts(("qiita_db/handlers/oauth2.py", base))
    assert facts.tornado_errors_logged
    assert finding_lines(UnloggedErrorResponse, code, path="qiita_db/handlers/artifact.py", facts=facts) == []
    flask_api = """
    from flask import abort

    def save_profile(profile):
        try:
            manager.save(profile)
        except Exception as e:
            abort(500, description="Could not save profile: %s" % str(e))
    """
    assert finding_lines(UnloggedErrorResponse, flask_api, path="server/api/profiles.py", facts=facts) == [8]


ECHOING_HANDLER = """
from fastapi.responses import JSONResponse

async def common_exception_handler(request, exc):
    return JSONResponse({"error": str(exc)}, status_code=500)

def add_exception_handlers(app):
    app.add_exception_handler(Exception, common_exception_handler)
"""


def test_a_function_registered_for_every_exception_is_an_error_handler_whose_answers_are_checked() -> None:
    from backlint.rules.errors.exception_leak import ExceptionLeak

    route = """
    import psycopg2
    from fastapi import APIRouter, HTTPException

    router = APIRouter()

    @router.get("/items")
    def items():
        try:
            return load()
        except psycopg2.Error as e:
            raise HTTPException(status_code=500, detail=str(e))
    """
    facts = _facts(("app/core/schemas.py", ECHOING_HANDLER))
    assert facts.catch_all_handlers == {"common_exception_handler"}
    assert finding_lines(ExceptionLeak, ECHOING_HANDLER, path="app/core/schemas.py", facts=facts) == [5]
    # (each handler repeating the text is still reported: reviewers judged those right 24 times in 43)
    assert finding_lines(ExceptionLeak, route, path="app/api.py", facts=facts) == [12]


def test_clickhouse_cluster_names_and_system_tables_are_identifiers() -> None:
    from backlint.rules.database.sql_string_building import SqlStringBuilding

    code = """
    def delete_rows(connection, cluster_name, table, condition):
        connection.execute(f"DELETE FROM {table} ON CLUSTER '{cluster_name}' WHERE {condition}")

    def load(connection, cluster_name):
        return connection.execute(f"SELECT count() FROM clusterAllReplicas('{cluster_name}', system.query_log)")

    def describe(connection, table):
        return connection.execute(f"SELECT create_table_query FROM system.tables WHERE name = '{table}'")

    def by_owner(connection, owner):
        return connection.execute(f"SELECT * FROM reports WHERE owner = '{owner}'")
    """
    assert finding_lines(SqlStringBuilding, code, path="snuba/web/delete_query.py") == [12]


def test_select_for_update_outside_an_atomic_block_asserts_the_callers_transaction() -> None:
    from backlint.rules.database.writes_without_transaction import WritesWithoutTransaction

    code = """
    from django.db import transaction
    from registrations.models import Registration, SignUp

    def create_signups(registration_id, people):
        registration = Registration.objects.select_for_update().get(pk=registration_id)
        registration.reserved += len(people)
        registration.save()
        SignUp.objects.bulk_create(SignUp(registration=registration, name=p) for p in people)

    def reserve(registration_id, people):
        with transaction.atomic():
            Registration.objects.select_for_update().get(pk=registration_id)
        registration = Registration.objects.get(pk=registration_id)
        registration.reserved += len(people)
        registration.save()
        SignUp.objects.bulk_create(SignUp(registration=registration, name=p) for p in people)
    """
    assert finding_lines(WritesWithoutTransaction, code, path="registrations/api.py") == [17]


def test_text_cut_to_a_fixed_length_is_bounded() -> None:
    from backlint.rules.api.unvalidated_request_input import UnvalidatedRequestInput

    code = """
    from django.http import JsonResponse
    from users.models import Passkey

    def rename_passkey(request, pk):
        name = request.POST.get("name", "").strip()[:128]
        Passkey.objects.filter(pk=pk, user=request.user).update(name=name)
        return JsonResponse({"ok": True})

    def label_passkey(request, pk):
        label = request.POST.get("label", "").strip()
        Passkey.objects.filter(pk=pk, user=request.user).update(label=label)
        return JsonResponse({"ok": True})
    """
    facts = _urls("rename_passkey", "label_passkey")
    assert finding_lines(UnvalidatedRequestInput, code, path="users/views.py", facts=facts) == [12]


def test_a_key_prefix_ending_in_a_colon_is_no_secret() -> None:
    from backlint.rules.configuration.hardcoded_secret import HardcodedSecret

    code = """
    KEY_CANARYDROP = "canarydrop:"
    KEY_CLONEDSITE_TOKEN = "cloned_site:"
    KEY_AUTH_TOKEN = "tk4:9f2a8c"
    """
    assert finding_lines(HardcodedSecret, code, path="canarytokens/redismanager.py") == [4]


def test_settings_that_exec_a_local_settings_file_at_module_level_are_a_base() -> None:
    from backlint.rules.configuration.hardcoded_secret import HardcodedSecret

    code = """
    import os

    CITYSDK_API_SETTINGS = {"USERNAME": "admin", "PASSWORD": "defaultCity4SDKPassword"}

    f = os.path.join(os.path.dirname(__file__), "local_settings.py")
    if os.path.exists(f):
        exec(open(f, "rb").read())

    LOGGING = {"version": 1}
    """
    assert finding_lines(HardcodedSecret, code, path="linkedevents/settings.py") == []
    assert finding_lines(HardcodedSecret, code.replace('exec(open(f, "rb").read())', "print(f)"), path="linkedevents/settings.py") == [4]
