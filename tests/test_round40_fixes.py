"""Precision fixes from the residue of held-out rounds 15 to 39 and from round 40, each with the
case that stays flagged beside it."""

from __future__ import annotations

import textwrap

from backlint.frameworks.project import ProjectFacts, facts_from_text
from backlint.rules.reliability.request_without_timeout import RequestWithoutTimeout
from conftest import finding_lines


def _facts(*files: tuple[str, str]) -> ProjectFacts:
    return ProjectFacts.combined(facts_from_text(textwrap.dedent(text), path) for path, text in files)


# A command-line client's HTTP wrapper (fides' `core/api.py`): module functions named like the
# HTTP verbs and like the ORM's class methods.
CLI_API = """
import requests

def get(url, resource_id):
    return requests.get(f"{url}/{resource_id}")

def create(url, body):
    return requests.post(url, json=body)
"""

CLI_COMMAND = """
import click
from app.core import api as _api

@click.command()
@click.argument("url")
def push(url):
    _api.create(url, {"name": "x"})
    print(_api.get(url, "x").json())
"""


def test_a_librarys_function_of_the_same_name_is_not_a_caller_of_the_projects() -> None:
    service = """
    import requests
    from requests import get as fetch

    def check(url):
        return requests.get(url, timeout=5).ok and fetch(url, timeout=5).ok
    """
    facts = _facts(("app/core/api.py", CLI_API), ("app/cli.py", CLI_COMMAND), ("app/service/health.py", service))
    assert facts.operator_only("get") and facts.operator_only("create")
    assert finding_lines(RequestWithoutTimeout, CLI_API, path="app/core/api.py", facts=facts) == []


def test_a_class_method_of_the_same_name_is_not_a_call_of_the_module_function() -> None:
    service = """
    from app.models import PrivacyRequest
    from app.tasks import celery_app

    class RequestService:
        def create_request(self, db, data):
            celery_app.conf.get("task_default_queue")
            return PrivacyRequest.create(db, data=data)

        def record(self, db, key):
            '''Stores it: create(db, data) then get(db, id).'''
            return PrivacyRequest.get(db, key)
    """
    facts = _facts(("app/core/api.py", CLI_API), ("app/cli.py", CLI_COMMAND), ("app/service/requests.py", service))
    assert facts.operator_only("get") and facts.operator_only("create")
    assert not facts.operator_only(".create")
    assert finding_lines(RequestWithoutTimeout, CLI_API, path="app/core/api.py", facts=facts) == []


def test_the_module_function_a_view_calls_through_its_module_stays_flagged() -> None:
    view = """
    from flask import Flask
    from app.core import api

    app = Flask(__name__)

    @app.get("/mirror/<key>")
    def mirror(key):
        return api.get(app.config["UPSTREAM"], key).json()
    """
    facts = _facts(("app/core/api.py", CLI_API), ("app/cli.py", CLI_COMMAND), ("app/views.py", view))
    assert not facts.operator_only("get") and facts.operator_only("create")
    assert finding_lines(RequestWithoutTimeout, CLI_API, path="app/core/api.py", facts=facts) == [5]


def test_a_function_a_service_module_calls_by_its_bare_name_stays_flagged() -> None:
    service = """
    from app.core.api import create

    def register(url):
        return create(url, {"name": "y"})
    """
    facts = _facts(("app/core/api.py", CLI_API), ("app/cli.py", CLI_COMMAND), ("app/service/register.py", service))
    assert facts.operator_only("get") and not facts.operator_only("create")
    assert finding_lines(RequestWithoutTimeout, CLI_API, path="app/core/api.py", facts=facts) == [8]


# A scraper a management command builds (EveryElection's boundary bot): constructing a class runs
# its `__init__`, and what `__init__` calls.
MATCHER = """
import requests

class CodeMatcher:
    def __init__(self, url):
        self.data = self.get_data(url)

    def get_data(self, url):
        return requests.get(url).json()
"""

SCRAPER = """
from bots.matcher import CodeMatcher

class Scraper:
    def __init__(self, url):
        self.matcher = CodeMatcher(url)
"""


SCRAPE_COMMAND = """
from django.core.management.base import BaseCommand
from bots.scraper import Scraper

class Command(BaseCommand):
    def handle(self, *args, **options):
        Scraper(options["url"])
"""


def test_what_only_an_operators_constructor_calls_is_the_operators() -> None:
    facts = _facts(("bots/matcher.py", MATCHER), ("bots/scraper.py", SCRAPER), ("bots/management/commands/scrape.py", SCRAPE_COMMAND))
    assert facts.operator_only("Scraper") and facts.operator_only("CodeMatcher") and facts.operator_only(".get_data")
    assert finding_lines(RequestWithoutTimeout, MATCHER, path="bots/matcher.py", facts=facts) == []


def test_a_class_a_view_also_builds_stays_flagged() -> None:
    view = """
    from bots.matcher import CodeMatcher

    def review(request):
        return JsonResponse(CodeMatcher(request.GET["url"]).data)
    """
    facts = _facts(("bots/matcher.py", MATCHER), ("bots/scraper.py", SCRAPER), ("bots/management/commands/scrape.py", SCRAPE_COMMAND),
                   ("bots/views.py", view))
    assert facts.operator_only("Scraper") and not facts.operator_only("CodeMatcher")
    assert finding_lines(RequestWithoutTimeout, MATCHER, path="bots/matcher.py", facts=facts) == [9]


def test_a_module_constant_naming_this_machine_is_a_local_probe() -> None:
    code = """
    import urllib.request

    METRICS_URL = "http://127.0.0.1:9101/metrics"
    UPSTREAM_URL = "http://metrics.internal:9101/metrics"

    def scrape():
        with urllib.request.urlopen(METRICS_URL) as source:
            return source.read()

    def scrape_upstream():
        with urllib.request.urlopen(UPSTREAM_URL) as source:
            return source.read()
    """
    assert finding_lines(RequestWithoutTimeout, code, path="app/proxy.py") == [12]


def test_a_workflow_tasks_revert_step_is_a_failure_hook() -> None:
    from backlint.rules.errors.swallowed_exception import SwallowedException

    code = """
    from taskflow import task

    class DeleteAmphoraInDB(task.Task):
        def execute(self, amphora_id):
            self.repo.delete(id=amphora_id)

        def revert(self, result, *args, **kwargs):
            try:
                self.health_repo.delete(amphora_id=result)
            except Exception:
                pass

    class Releases:
        def revert(self, release_id):
            try:
                self.repo.update(id=release_id, status="live")
            except Exception:
                pass
    """
    assert finding_lines(SwallowedException, code, path="app/tasks.py") == [18]


def test_a_traceback_shown_only_when_the_deployment_is_named_dev_is_left_alone() -> None:
    from backlint.rules.errors.exception_leak import ExceptionLeak

    code = """
    import sys
    import traceback
    from fastapi.responses import ORJSONResponse
    from app.settings import ENV

    async def http_error_handler(request, exc):
        if exc.status_code >= 500 and (ENV == "test" or ENV == "dev"):
            message = traceback.format_exception(*sys.exc_info())
            return ORJSONResponse(status_code=exc.status_code, content={"message": message})
        return ORJSONResponse(status_code=exc.status_code, content={"message": exc.detail})

    async def other_error_handler(request, exc):
        if ENV == "production":
            message = traceback.format_exception(*sys.exc_info())
            return ORJSONResponse(status_code=exc.status_code, content={"message": message})
        return ORJSONResponse(status_code=exc.status_code, content={"message": exc.detail})
    """
    assert finding_lines(ExceptionLeak, code, path="app/errors.py") == [16]


def test_exception_text_in_a_tests_stand_in_server_is_left_alone() -> None:
    from backlint.rules.errors.exception_leak import ExceptionLeak

    code = """
    from flask import Flask, jsonify

    app = Flask(__name__)

    @app.post("/token")
    def token():
        try:
            return jsonify(issue_token())
        except Exception as exc:
            return jsonify({"error": str(exc)}), 500
    """
    assert finding_lines(ExceptionLeak, code, path="scripts/e2e/mock_oidc_idp.py") == []
    assert finding_lines(ExceptionLeak, code, path="app/oidc.py") == [11]


def test_a_functions_own_variable_of_the_same_name_is_not_a_reference_to_the_function() -> None:
    service = """
    class ErasureQuery:
        def get_masking_request(self, actions):
            update = actions.get("update")
            delete = actions.get("delete")
            return update or delete

        def build(self, get, locators):
            return ManualAction(locators=locators, get=get)
    """
    facts = _facts(("app/core/api.py", CLI_API), ("app/cli.py", CLI_COMMAND), ("app/service/erasure.py", service))
    assert facts.operator_only("get") and facts.operator_only("create")
    handler = """
    def on_message(body):
        return body

    class Consumer:
        def start(self, queue):
            return queue.consume(callback=on_message)
    """
    facts = _facts(("app/core/api.py", CLI_API), ("app/cli.py", CLI_COMMAND), ("app/consumer.py", handler),
                   ("app/management/commands/listen.py", "from app.consumer import on_message\\non_message({})\\n"))
    assert not facts.operator_only("on_message")


def test_a_5xx_raised_in_a_wsme_controller_is_logged_by_wsme() -> None:
    from backlint.rules.errors.unlogged_error_response import UnloggedErrorResponse

    code = """
    from oslo_db import exception as odb_exceptions
    from pecan import rest
    from wsmeext import pecan as wsme_pecan

    from app import exceptions

    class PoolsController(rest.RestController):
        def _create(self, session, pool):
            try:
                return self.repositories.pool.create(session, **pool)
            except odb_exceptions.DBError as e:
                raise exceptions.APIException() from e

        @wsme_pecan.wsexpose(PoolResponse, body=PoolPOST, status_code=201)
        def post(self, pool_):
            return self._create(self.session, pool_.to_dict())

    class Exporter:
        def export(self, session, pool):
            try:
                return self.repositories.pool.create(session, **pool)
            except odb_exceptions.DBError as e:
                raise exceptions.APIException() from e
    """
    assert finding_lines(UnloggedErrorResponse, code, path="app/api/pools.py") == [24]


def test_a_try_that_reads_the_request_and_asserts_its_shape_is_parsing() -> None:
    from backlint.rules.errors.unlogged_error_response import UnloggedErrorResponse

    code = """
    import flask
    from werkzeug import exceptions

    class Server:
        def plug_network(self):
            try:
                port_info = flask.request.get_json()
                assert type(port_info) is dict
                assert "mac_address" in port_info
            except Exception as e:
                raise exceptions.BadRequest(description="Invalid port information") from e
            return self._plug.plug_network(port_info["mac_address"])

        def plug_vip(self):
            try:
                net_info = flask.request.get_json()
                assert type(net_info) is dict
                self._plug.check_subnet(net_info)
            except Exception as e:
                raise exceptions.BadRequest(description="Invalid subnet information") from e
            return self._plug.plug_vip(net_info)
    """
    assert finding_lines(UnloggedErrorResponse, code, path="app/api_server/server.py") == [21]


def test_a_name_the_querysets_annotate_gives_is_a_value_of_the_row() -> None:
    from backlint.rules.database.query_in_loop import QueryInLoop

    models = """
    from django.db import models

    class Election(models.Model):
        group = models.ForeignKey("self", null=True, on_delete=models.CASCADE)

    class DivisionSet(models.Model):
        organisation = models.ForeignKey("Organisation", on_delete=models.CASCADE)

    class Division(models.Model):
        name = models.CharField(max_length=100)
        divisionset = models.ForeignKey(DivisionSet, related_name="divisions", on_delete=models.CASCADE)
    """
    code = """
    from django.db.models import F
    from app.models import DivisionSet

    def grouped_rows(organisation, field):
        div_set = DivisionSet.objects.filter(organisation=organisation).first()
        divisions_qs = div_set.divisions.select_related("divisionset").annotate(group=F(field)).order_by("group")
        return [{"name": div.name, "group": div.group} for div in divisions_qs]

    def election_rows(organisation):
        div_set = DivisionSet.objects.filter(organisation=organisation).first()
        divisions_qs = div_set.divisions.select_related("divisionset").order_by("name")
        return [{"name": div.name, "group": div.group} for div in divisions_qs]
    """
    facts = _facts(("app/models.py", models))
    assert finding_lines(QueryInLoop, code, path="app/forms.py", facts=facts) == [13]


def test_a_gino_row_update_applied_each_pass_is_a_write_per_item() -> None:
    from backlint.rules.database.query_in_loop import QueryInLoop

    code = """
    from app.models.orm import Asset, Version

    async def set_downloadable(dataset, value):
        versions = await Version.query.where(Version.dataset == dataset).gino.all()
        for version in versions:
            await version.update(is_downloadable=value).apply()
            assets = await Asset.query.where(Asset.version == version.version).gino.all()

    async def count_assets(dataset):
        versions = await Version.query.where(Version.dataset == dataset).gino.all()
        total = 0
        for version in versions:
            assets = await Asset.query.where(Asset.version == version.version).gino.all()
            total += len(assets)
        return total
    """
    assert finding_lines(QueryInLoop, code, path="app/crud/datasets.py") == [14]


def test_a_loop_over_a_models_columns_is_bounded() -> None:
    from backlint.rules.database.query_in_loop import QueryInLoop

    code = """
    from sqlalchemy import func

    def summary(db, model):
        out = {}
        for column in model.__table__.columns:
            out[column.name] = db.query(func.min(column), func.max(column)).first()
        return out

    def per_row(db, model, rows):
        out = {}
        for row in rows:
            out[row.id] = db.query(func.count()).filter(model.parent_id == row.id).first()
        return out
    """
    assert finding_lines(QueryInLoop, code, path="app/aggregations.py") == [13]


def test_a_views_post_method_is_never_the_operators_though_a_script_posts() -> None:
    views = """
    import requests
    from flask.views import MethodView

    def verify_recaptcha(token):
        return requests.post("https://www.google.com/recaptcha/api/siteverify", data={"response": token}).json()

    class RegisterResource(MethodView):
        def post(self):
            verify_recaptcha(request.json["recaptcha"])
            return {"ok": True}
    """
    script = """
    import requests

    session = requests.Session()
    session.post("http://localhost:8080/api/auth/register", json={"login": "admin"})
    """
    facts = _facts(("app/resources/auth.py", views), ("dev/init.py", script))
    assert not facts.operator_only(".post") and not facts.operator_only("verify_recaptcha")
    assert finding_lines(RequestWithoutTimeout, views, path="app/resources/auth.py", facts=facts) == [6]


def test_a_function_passed_on_a_line_that_starts_by_closing_a_bracket_is_referenced() -> None:
    utils = """
    import requests

    def save_file(url):
        return requests.get(url).content

    def save_files(urls):
        funcs: list[
            tuple
        ] = [(save_file, (url,)) for url in urls]
        return run_in_parallel(funcs)
    """
    command = """
    from app.file_store.utils import save_file

    def main():
        save_file("https://example.org/logo.png")
    """
    view = """
    from app.file_store.utils import save_files

    def generate(request):
        return save_files(request.json["urls"])
    """
    facts = _facts(("app/file_store/utils.py", utils), ("scripts/seed.py", command), ("app/views.py", view))
    assert not facts.operator_only("save_file")
    assert finding_lines(RequestWithoutTimeout, utils, path="app/file_store/utils.py", facts=facts) == [5]


def test_a_module_of_top_level_code_that_prints_is_a_program() -> None:
    script = """
    import os
    import requests

    s = requests.Session()
    r = s.get("https://api.github.com/search/issues?q=label:port-to-stable")
    for pr in r.json()["items"]:
        os.system(f"git cherry-pick {pr['sha']}")
    print("done")
    """
    settings = """
    import requests

    OIDC_WELLKNOWN_URL = "https://id.example.org/.well-known/openid-configuration"
    config = requests.get(OIDC_WELLKNOWN_URL).json()
    print("OIDC configured")
    """
    assert finding_lines(RequestWithoutTimeout, script, path="common/porttostable.py") == []
    assert finding_lines(RequestWithoutTimeout, settings, path="app/settings.py") == [5]


def test_a_broad_except_answered_501_stays_flagged() -> None:
    # (A named exception answered 501 is left alone: UnloggedErrorResponse's VALID example.)
    from backlint.rules.errors.unlogged_error_response import UnloggedErrorResponse

    code = """
    from fastapi import APIRouter, HTTPException

    router = APIRouter()

    @router.get("/dataset/{dataset}/{version}/tiles")
    async def tiles(dataset: str, version: str):
        try:
            return await get_tiles(dataset, version)
        except Exception:
            raise HTTPException(status_code=501, detail=f"Endpoint not implemented for {dataset}.{version}")
    """
    assert finding_lines(UnloggedErrorResponse, code, path="app/routes/features.py") == [11]
