"""Exemptions kept to their purpose: each case here was silenced by a too-wide first version."""

from __future__ import annotations

import textwrap

import pytest

from backlint.analysis import analyze_text
from backlint.frameworks.project import EMPTY
from backlint.rules.configuration.hardcoded_secret import HardcodedSecret
from backlint.rules.database.query_in_loop import QueryInLoop
from backlint.rules.errors.exception_leak import ExceptionLeak
from backlint.rules.errors.swallowed_exception import SwallowedException
from backlint.rules.errors.unlogged_error_response import UnloggedErrorResponse


def _lines(rule: type, code: str, path: str = "app/views.py", **options: object) -> list[int]:
    result = analyze_text(path, textwrap.dedent(code), [(rule, dict(options))], EMPTY)
    assert not result.notifications, result.notifications
    return [f.region.start_line for f in result.findings]


def test_unicode_digits_are_not_counting_and_do_not_crash() -> None:
    code = 'SECRET_KEY = "\u00b9\u00b2\u00b3\u2074\u2075\u2076\u2077\u2078\u2079"\n'
    assert _lines(HardcodedSecret, code, "app/settings.py") == [1]


def test_a_fabfile_is_deployment_code() -> None:
    assert _lines(HardcodedSecret, 'PASSWORD = "Pr0dSshPassw0rd2019"\n', "fabfile.py") == [1]


def test_a_cache_write_is_not_in_memory_work() -> None:
    code = """
    from flask import Flask
    app = Flask(__name__)

    @app.post("/warm")
    def warm():
        try:
            cache.set("k", 1)
        except Exception:
            pass
        return "", 204
    """
    assert _lines(SwallowedException, code) == [9]


@pytest.mark.parametrize("permission", ["IsStaffOrReadOnly", "IsOwnerOrStaff"])
def test_permissions_that_let_others_in_are_not_operators_only(permission: str) -> None:
    code = f"""
    from rest_framework.response import Response
    from rest_framework.views import APIView

    class HostView(APIView):
        permission_classes = ({permission},)

        def get(self, request):
            try:
                return Response({{"host": open("/etc/hostname").read()}})
            except OSError as e:
                return Response({{"error": str(e)}}, status=500)
    """
    assert _lines(ExceptionLeak, code) == [12]


def test_an_exception_rebound_to_its_text_reaches_the_json_answer() -> None:
    code = """
    import traceback
    from flask import Flask, jsonify
    app = Flask(__name__)

    @app.get("/report")
    def report():
        try:
            return jsonify(build_report())
        except Exception as e:
            e = traceback.format_exc()
            return jsonify({"error": e}), 500
    """
    assert _lines(ExceptionLeak, code) == [12]


def test_an_upstream_answer_that_does_not_decode_is_still_logged() -> None:
    code = """
    import requests
    from flask import Flask, jsonify
    app = Flask(__name__)

    @app.get("/rates")
    def rates():
        try:
            return jsonify(requests.get("https://rates.example.com/today", timeout=5).json())
        except requests.exceptions.JSONDecodeError:
            return jsonify({"error": "rates unavailable"}), 502
    """
    assert _lines(UnloggedErrorResponse, code) == [11]


def test_djangos_own_manager_methods_are_queries() -> None:
    code = """
    from django.contrib.auth.models import User

    def users(names):
        return [User.objects.get_by_natural_key(n) for n in names]
    """
    assert _lines(QueryInLoop, code) == [5]


@pytest.mark.parametrize("reset", ["False", "-1", "0.0"])
def test_any_constant_reset_tested_right_after_the_try_is_answered(reset: str) -> None:
    code = f"""
    from flask import Flask, abort, request
    app = Flask(__name__)

    @app.get("/me")
    def me():
        try:
            user = user_from_token(request.headers["Authorization"])
        except Exception:
            user = {reset}
        if not user:
            abort(401)
        return user.to_dict()
    """
    assert _lines(SwallowedException, code, everywhere=True) == []
    unanswered = code.replace("        if not user:\n            abort(401)\n", "")
    assert _lines(SwallowedException, unanswered, everywhere=True) == [9]
    assert _lines(SwallowedException, unanswered) == []  # a read: looked at only `everywhere`


def test_semgrep_tests_listing_several_rule_ids_are_test_code() -> None:
    from backlint.frameworks.project import is_rule_test_text

    assert is_rule_test_text("# ruleid: no-requests-lib, missing-timeout\nrequests.get(url)\n")
    assert not is_rule_test_text("# ruleid: BL502, BL101\nrequests.get(url)\n")


@pytest.mark.parametrize("line", ["from aiohttp.web_app import Application", "from aiohttp import (\n    ClientSession,\n    web,\n)"])
def test_aiohttp_servers_imported_in_other_forms_are_seen(line: str) -> None:
    from backlint.frameworks.project import facts_from_text

    assert facts_from_text(line + "\n", "bot/server.py").loop_servers == frozenset({"bot/server.py"})


def test_a_partial_scan_of_an_aiohttp_server_package_still_sees_its_server(tmp_path) -> None:
    from pathlib import Path

    from backlint import catalog
    from backlint.config import Config
    from backlint.engine import scan

    root = Path(tmp_path)
    (root / "bot").mkdir()
    (root / "bot" / "pyproject.toml").write_text('[project]\ndependencies = ["aiohttp"]\n')
    (root / "bot" / "server.py").write_text("from aiohttp import web\n\napp = web.Application()\n")
    (root / "bot" / "services.py").write_text("import time\n\n\nasync def pause():\n    time.sleep(1)\n")
    result = scan([root / "bot" / "services.py"], Config(root=root, select=("BL501",)), catalog.load(), cache_dir=None)
    assert [(f.path, f.region.start_line) for f in result.findings] == [("bot/services.py", 5)]
