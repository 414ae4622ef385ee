"""Precision fixes from held-out round 31, each with the case that stays flagged beside it."""

from __future__ import annotations

import textwrap

from backlint.frameworks.project import facts_from_text
from backlint.rules.errors.exception_leak import ExceptionLeak
from conftest import finding_lines

CONTROLLER = """
from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from app.services.auth import require_auth

router = APIRouter()

@router.get("/general-info")
def general_info(authorization=Depends(require_auth)) -> JSONResponse:
    try:
        data = collect_info()
    except Exception as e:
        return JSONResponse({"error": str(e)}, status_code=500)
    return JSONResponse(data, status_code=200)
"""

SINGLE_PASSWORD = """
from hashlib import sha256
from app.config import ENV_VALUES

def password_to_token(password):
    if password != ENV_VALUES["PASSWORD"]:
        return unauthorized_response()
    return {"auth_token": sha256(password.encode()).hexdigest()}
"""

USER_MODEL = """
from sqlalchemy.orm import DeclarativeBase

class Base(DeclarativeBase):
    pass

class User(Base):
    __tablename__ = "users"
"""


def test_an_app_with_one_operator_password_and_no_accounts_answers_only_its_operator() -> None:
    single = facts_from_text(textwrap.dedent(SINGLE_PASSWORD), "app/services/auth.py")
    assert single.single_password_login and not single.user_accounts
    assert finding_lines(ExceptionLeak, CONTROLLER, "app/controllers/system_controller.py", facts=single) == []
    accounts = single.merged(facts_from_text(textwrap.dedent(USER_MODEL), "app/models.py"))
    assert finding_lines(ExceptionLeak, CONTROLLER, "app/controllers/system_controller.py", facts=accounts) == [14]


def test_a_project_patching_requests_to_fill_in_a_timeout_bounds_every_call() -> None:
    from backlint.rules.reliability.request_without_timeout import RequestWithoutTimeout

    setup = """
    from django.conf import settings

    def monkeypatch_requests():
        from requests import Session
        Session._original_request = Session.request

        def new_request(self, *args, **kwargs):
            kwargs.setdefault("timeout", settings.REQUESTS_DEFAULT_TIMEOUT)
            return self._original_request(*args, **kwargs)

        Session.request = new_request
    """
    loader = """
    import requests

    def fetch(url):
        return requests.get(url).json()
    """
    patched = facts_from_text(textwrap.dedent(setup), "openzaak/setup.py")
    assert patched.requests_default_timeout
    assert finding_lines(RequestWithoutTimeout, loader, "openzaak/loaders.py", facts=patched) == []
    unpatched = facts_from_text(textwrap.dedent(setup).replace('kwargs.setdefault("timeout", settings.REQUESTS_DEFAULT_TIMEOUT)', "pass"),
                                "openzaak/setup.py")
    assert finding_lines(RequestWithoutTimeout, loader, "openzaak/loaders.py", facts=unpatched) == [5]


def test_a_view_class_named_for_a_probe_answers_monitoring() -> None:
    from backlint.rules.errors.unlogged_error_response import UnloggedErrorResponse

    code = """
    from django.db import OperationalError, connection
    from rest_framework import status
    from rest_framework.response import Response
    from rest_framework.views import APIView

    class {name}(APIView):
        def get(self, request):
            try:
                connection.ensure_connection()
                return Response({{"status": "OK"}})
            except OperationalError:
                return Response({{"status": "error"}}, status=status.HTTP_500_INTERNAL_SERVER_ERROR)
    """
    assert finding_lines(UnloggedErrorResponse, code.format(name="HealthView"), "core/views.py") == []
    assert finding_lines(UnloggedErrorResponse, code.format(name="celery_check"), "core/views.py") == []
    assert finding_lines(UnloggedErrorResponse, code.format(name="ReportView"), "core/views.py") == [13]


def test_a_project_function_named_for_a_level_that_logs_records_the_error() -> None:
    from backlint.rules.errors.unlogged_error_response import UnloggedErrorResponse

    helpers = """
    def error(msg, force_print=False):
        if is_live():
            logger.error(msg)
        else:
            _print_error(msg)
    """
    controller = """
    import jesse.helpers as jh
    from fastapi import APIRouter
    from fastapi.responses import JSONResponse

    router = APIRouter()

    @router.get("/info")
    def info():
        try:
            data = collect_info()
        except Exception as e:
            jh.error(str(e))
            return JSONResponse({"error": "failed"}, status_code=500)
        return JSONResponse(data)
    """
    facts = facts_from_text(textwrap.dedent(helpers), "jesse/helpers.py")
    assert facts.logging_functions == {"jesse.helpers.error"}
    assert finding_lines(UnloggedErrorResponse, controller, "jesse/controllers/system_controller.py", facts=facts) == []
    silent = facts_from_text(textwrap.dedent(helpers).replace("logger.error(msg)", "pass").replace("_print_error(msg)", "pass"),
                             "jesse/helpers.py")
    assert finding_lines(UnloggedErrorResponse, controller, "jesse/controllers/system_controller.py", facts=silent) == [14]


def test_a_query_built_but_not_run_in_the_try_cannot_fail_there() -> None:
    from backlint.rules.errors.unlogged_error_response import UnloggedErrorResponse

    code = """
    from fastapi import APIRouter
    from fastapi.responses import JSONResponse

    router = APIRouter()

    @router.get("/models")
    def models():
        try:
            rows = AiModel.select().where(AiModel.active == True)
        except Exception as e:
            return JSONResponse({"message": "failed"}, status_code=500)
        return JSONResponse({"data": [r.name for r in rows]})

    @router.get("/runs")
    def runs():
        try:
            rows = list(Run.select())
        except Exception as e:
            return JSONResponse({"message": "failed"}, status_code=500)
        return JSONResponse({"data": [r.name for r in rows]})
    """
    assert finding_lines(UnloggedErrorResponse, code, "app/controllers/models.py") == [20]


def test_removing_files_the_program_made_for_itself_is_best_effort() -> None:
    from backlint.rules.errors.swallowed_exception import SwallowedException

    code = """
    import hashlib
    import os
    import shutil

    def _delete_chart_images(session_id):
        for name in CHARTS:
            path = os.path.join("storage/charts", f"{session_id}_{name}.png")
            try:
                if os.path.exists(path):
                    os.remove(path)
            except Exception:
                pass

    def fetch(url, path):
        download(url, path)
        try:
            remove_file(tmp_path)
        except Exception:
            pass

    def reset_workspace(root):
        try:
            shutil.rmtree(root, ignore_errors=True)
        except Exception:
            pass

    def digest(parts, db):
        md5sum = hashlib.md5()
        try:
            for p in parts:
                md5sum.update(p.data)
        except Exception:
            pass

    def delete_upload(path):
        try:
            os.remove(path)
        except Exception:
            pass
    """
    assert finding_lines(SwallowedException, code, "app/files.py") == [39]


def test_punctuation_and_a_secret_spelled_as_its_identifier_are_no_secrets() -> None:
    from backlint.rules.configuration.hardcoded_secret import HardcodedSecret

    code = """
    TEMPLATE_SETTINGS = {"directiveStartToken": "<!--#", "directiveEndToken": "#-->"}

    def generate_credentials():
        JWTSecret.objects.get_or_create(identifier="superuser", secret="superuser")
        JWTSecret.objects.get_or_create(identifier="robot", secret="Xq9vL2mZ7tR4")
    """
    assert finding_lines(HardcodedSecret, code, "app/credentials.py") == [6]


def test_the_advice_for_a_django_manager_is_django_s_wherever_the_models_come_from() -> None:
    from backlint.analysis import analyze_text
    from backlint.rules.database.query_in_loop import QueryInLoop

    models = """
    from django.db import models

    class Credential(models.Model):
        pass

    class InputSource(models.Model):
        source_credential = models.ForeignKey(Credential, on_delete=models.CASCADE)
    """
    code = textwrap.dedent("""
    from app.core import models

    def get_external_secrets(credential_id):
        return [obj.source_credential.inputs for obj in models.InputSource.objects.filter(target=credential_id)]
    """)
    facts = facts_from_text(textwrap.dedent(models), "app/core/models.py")
    result = analyze_text("app/core/utils/external.py", code, [(QueryInLoop, {})], facts)
    assert [("select_related" in f.message, "selectinload" in f.message) for f in result.findings] == [(True, False)]


def test_a_helper_only_an_operators_command_calls_runs_in_the_operators_process(tmp_path) -> None:
    from backlint import catalog
    from backlint.config import Config
    from backlint.engine import scan

    (tmp_path / "app" / "services").mkdir(parents=True)
    (tmp_path / "app" / "management" / "commands").mkdir(parents=True)
    (tmp_path / "app" / "services" / "installer.py").write_text(
        "import requests\n\n\ndef install(url):\n    return requests.get(url).content\n\n\n"
        "def refresh(url):\n    return requests.get(url).content\n"
    )
    (tmp_path / "app" / "management" / "commands" / "install_live.py").write_text(
        "from django.core.management.base import BaseCommand\nfrom app.services.installer import install, refresh\n\n\n"
        "class Command(BaseCommand):\n    def handle(self, *args, **options):\n        install(options['url'])\n        refresh(options['url'])\n"
    )
    (tmp_path / "app" / "views.py").write_text(
        "from app.services.installer import refresh\n\n\ndef update(request):\n    return refresh(request.GET['url'])\n"
    )
    result = scan([tmp_path], Config(root=tmp_path, select=("BL502",)), catalog.load(), cache_dir=None)
    assert [(f.path, f.region.start_line) for f in result.findings] == [("app/services/installer.py", 9)]


def test_a_removal_a_request_asked_for_and_a_directory_whose_failure_ends_the_step_stay_reported() -> None:
    from backlint.rules.errors.swallowed_exception import SwallowedException

    code = """
    import os
    from flask import Blueprint

    bp = Blueprint("backup", __name__)

    @bp.route("/unknown-plugins", methods=["DELETE"])
    def delete_unknown_plugins():
        path = "data/unknown_plugins.tmp"
        try:
            if os.path.exists(path):
                os.remove(path)
        except Exception:
            pass
        return "", 204

    def add_site(sitelist_dir, site):
        try:
            os.makedirs(sitelist_dir)
        except Exception:
            return
        write_sitelist(sitelist_dir, site)
    """
    assert finding_lines(SwallowedException, code, "app/backup.py") == [13, 20]


def test_a_route_handler_is_never_operator_only_nor_a_packages_setup_module_an_operators(tmp_path) -> None:
    from backlint import catalog
    from backlint.config import Config
    from backlint.engine import scan

    (tmp_path / "app" / "api").mkdir(parents=True)
    (tmp_path / "scripts").mkdir()
    (tmp_path / "app" / "api" / "general.py").write_text(
        "import requests\nfrom fastapi import APIRouter\n\nrouter = APIRouter()\n\n\n"
        "@router.post('/release/')\ndef release():\n    return requests.get('https://api.github.com/repos/x/releases').json()\n"
    )
    (tmp_path / "scripts" / "publish.py").write_text("from app.api.general import release\n\nrelease()\n")
    (tmp_path / "app" / "index.py").write_text(
        "import requests\n\n\ndef register_indices(url):\n    return requests.post(url, json={})\n"
    )
    (tmp_path / "app" / "setup.py").write_text("from app.index import register_indices\n\n\ndef setup():\n    register_indices(URL)\n")
    result = scan([tmp_path], Config(root=tmp_path, select=("BL502",)), catalog.load(), cache_dir=None)
    assert sorted((f.path, f.region.start_line) for f in result.findings) == [("app/api/general.py", 9), ("app/index.py", 5)]


def test_any_model_named_for_users_keeps_accounts() -> None:
    limits = """
    class UserLimitsModel(Base):
        __tablename__ = "user_limits"
    """
    assert facts_from_text(textwrap.dedent(limits), "core/database/user_limits_db.py").user_accounts
