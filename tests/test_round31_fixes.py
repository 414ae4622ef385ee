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
