from __future__ import annotations

import re
from dataclasses import replace

import libcst as cst

from backlint.findings import Confidence, Level
from backlint.frameworks import errors, responses, routes
from backlint.frameworks.errors import ExcKind
from backlint.frameworks.hosts import internal_host
from backlint.frameworks.imports import dotted
from backlint.frameworks.values import Env, Kind, Origin, Origins, assigned_values, is_statement, qualified_name
from backlint.rule import Invalid, Rule, Valid
from backlint.syntax import call_name, ends_with, iter_descendants, literal_start, name_parts, string_value

_KIND_WORDS = {
    ExcKind.BROAD: "any exception",
    ExcKind.INFRASTRUCTURE: "a database, network or system error",
    ExcKind.CLIENT: "a validation error",
    ExcKind.NOT_FOUND: "a lookup error",
    ExcKind.DOMAIN: "an application error",
}


_HTTP_ERROR_ATTRIBUTES = frozenset({"status_code", "detail", "http_code", "http_status"})
"""What only a web framework's HTTP exception, or the application's own exceptions made to be
answered, carry (`hasattr(e, "status_code")`, `getattr(type(exc), "http_code", False)` narrow to one)."""


def _names_caught(expr: cst.BaseExpression, name: str) -> bool:
    """`exc`, or its class `type(exc)`."""
    if isinstance(expr, cst.Call) and dotted(expr.func) == "type" and len(expr.args) == 1:
        expr = expr.args[0].value
    return isinstance(expr, cst.Name) and expr.value == name
_DEV_FLAGS = frozenset({"DEBUG", "DEV", "DEVELOPMENT", "debug", "TESTING"})


def _system_call(qualified: str) -> bool:
    """`os.open`, `shutil.copy`, `socket.create_connection`: calls whose `OSError` comes from the
    system (not `os.path.join`, `os.environ.get` or `os.getenv`, which only compute or look up)."""
    return qualified.startswith(("os.", "shutil.", "socket.", "subprocess.")) and not qualified.startswith(
        ("os.path.", "os.environ", "os.getenv", "os.fspath", "os.sep", "os.linesep"))


_JSON_LABELS = frozenset({"`jsonify()`", "`web.json_response()`", "DRF `Response()`", "`JSONResponse()`", "`ORJSONResponse()`",
                          "`UJSONResponse()`", "`JsonResponse()`"})
"""Answers that encode their body as JSON."""


def _raises_http_exception(site: responses.ResponseSite) -> bool:
    """`raise HTTPException(status_code=..., detail=...)`: the class an HTTPException handler gets."""
    return isinstance(site.node, cst.Call) and call_name(site.node) == "HTTPException"


def _answered_status(handler: cst.ExceptHandler) -> int | None:
    """The status the `return`s of an except clause answer with (`return {"error": str(e)}, 400`),
    when they agree on client error or on server error; else None."""
    statuses = [site.status if site is not None else None for site in (
        responses.response_of_return(n) for n in iter_descendants(handler.body, into_scopes=False) if isinstance(n, cst.Return))]
    if not statuses or None in statuses:
        return None
    known = [st for st in statuses if st is not None]
    if all(400 <= st < 500 for st in known) or all(st >= 500 for st in known):
        return max(known)
    return None


_SWITCH_VERBS = frozenset({"hide", "show", "expose", "display", "include", "propagate"})
_SWITCH_OBJECTS = frozenset({"error", "errors", "exception", "exceptions", "traceback", "tracebacks"})


def _names_error_switch(test: cst.BaseExpression) -> bool:
    """A test of the operator's switch for showing errors (`config.hide_internal_errors`,
    `settings.SHOW_ERROR_DETAILS`): either branch is what the deployment chose to answer."""
    for n in [test, *iter_descendants(test)]:
        name = (dotted(n) or "").rsplit(".", 1)[-1] if isinstance(n, (cst.Name, cst.Attribute)) else ""
        words = {w.lower() for w in name_parts(name)}
        if words & _SWITCH_VERBS and words & _SWITCH_OBJECTS:
            return True
    return False


def _names_dev_flag(test: cst.BaseExpression) -> bool:
    """A test of a development switch: `settings.DEBUG`, `app.debug`, a name with the word debug
    (`settings.FLASK_DEBUG`, `DEBUG_MODE`), or the deployment's name compared with a development one
    (`ENV == "dev"`, `settings.ENVIRONMENT in ("local", "test")`)."""
    return any(
        (isinstance(n, (cst.Name, cst.Attribute)) and _is_dev_flag((dotted(n) or "").rsplit(".", 1)[-1]))
        or (isinstance(n, cst.Comparison) and _names_dev_environment(n))
        for n in [test, *iter_descendants(test)]
    )


def _is_dev_flag(name: str) -> bool:
    """`DEBUG`, `FLASK_DEBUG`, `DEBUG_MODE`, `is_debug`, `debug_enabled` (not `debug_info`, which may
    hold the very text)."""
    words = name_parts(name)
    return name in _DEV_FLAGS or "debug" in words and (name.isupper() or set(words) <= {"debug", "is", "mode", "enabled", "on"})


def _production_arm(expr: cst.BaseExpression) -> cst.BaseExpression:
    """What a value is outside development: the `else` of `str(e) if settings.DEBUG else "Failed"`."""
    while isinstance(expr, cst.IfExp) and _names_dev_flag(expr.test):
        expr = expr.orelse
    return expr


def _names_dev_environment(test: cst.Comparison) -> bool:
    if len(test.comparisons) != 1 or not isinstance(test.comparisons[0].operator, (cst.Equal, cst.In)):
        return False
    name = (dotted(test.left) or "").rsplit(".", 1)[-1].lower() if isinstance(test.left, (cst.Name, cst.Attribute)) else ""
    if name not in _ENVIRONMENT_NAMES:
        return False
    right = test.comparisons[0].comparator
    values = [string_value(e.value) for e in right.elements] if isinstance(right, (cst.Tuple, cst.List, cst.Set)) else [string_value(right)]
    return bool(values) and all(v is not None and v.lower() in _DEV_ENVIRONMENTS for v in values)


_ENVIRONMENT_NAMES = frozenset({"env", "environment", "app_env", "stage", "deployment", "environment_name", "env_name"})
_DEV_ENVIRONMENTS = frozenset({"dev", "development", "local", "test", "testing"})


_HTTP_CLIENTS = frozenset({"httpx", "requests", "aiohttp", "urllib", "urllib3"})
_REQUEST_METHODS = frozenset({"get", "post", "put", "patch", "delete", "head", "request", "stream", "urlopen"})
_HTTPS_NAME = re.compile(r"https://([a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,})(?:[/:?#]|$)")
"""An https URL whose host is a name under a top-level domain (not an address)."""


def _public_url(expr: cst.BaseExpression) -> bool:
    """A URL of a public site written in the code: `"https://api.github.com/..."`, an f-string
    starting so; not an internal host (`https://localhost`, `https://10.0.0.5`, one label, `api.svc`)."""
    text = string_value(expr) if not isinstance(expr, cst.FormattedString) else literal_start(expr)
    found = _HTTPS_NAME.match(text) if text else None
    return found is not None and not internal_host(found.group(1))


class ExceptionLeak(Rule):
    """Exception text, a traceback or a raw database error is sent to the client.

    The message of an unexpected exception describes the inside of the system: SQL statements
    and constraint names, hostnames, file paths, library versions, sometimes data of other users.
    The rule follows the text of caught exceptions (`str(e)`, `f"{e}"`, `repr(e)`, `e.args`,
    `e.orig`, `e.pgerror`...), `traceback.format_exc()` and `sys.exc_info()` into response bodies
    (`jsonify`, `JSONResponse`, Django and DRF responses, `web.json_response`, handler return
    values), `HTTPException(detail=...)`, `abort(description=...)` and DRF exceptions, when the
    exception comes from a driver, the network or the system, or is broad (`Exception`, bare
    `except:`) and answered with a server error (5xx), a success, or an unknown status.

    Left alone: HTTP exceptions raised in a worker's task or workflow step (`@shared_task`,
    `@hatchet.step()`: the worker records them, no client reads them) or by the error handler of
    last resort (`@app.exception_handler(Exception)`: nothing handles that raise again, and the
    server answers its own generic 500); the project's own exception classes, whatever they are
    named (`from app.storage import IntegrityError`); a broad `except` answered with a 4xx status, where the author classified the
    failure as the client's and wrote the answer for the client; messages of validation and
    lookup errors (`ValidationError`, `ValueError`, `TypeError`, `KeyError`, `DoesNotExist`,
    Django's `ProtectedError`), of HTTP exceptions raised as answers (`web.HTTPNotFound`) and of
    the application's own exceptions, which are written for people to read; a broad `except`
    around a `try` that only parses values (`int(...)`, `json.loads`, item lookups); exception
    codes and structured attributes (`e.code`, `e.status_code`, `e.protected_objects`, botocore's `e.response["Error"]["Code"]`),
    the body an upstream answered an HTTP client's status error with (`e.response.text` of `httpx.HTTPStatusError`,
    `requests.HTTPError`: the upstream's own account; `str(e)` names the URL the server called); text that
    only goes to logs; branches and conditional expressions that narrowed the exception with
    `isinstance` to a kind meant for clients, or with `hasattr(e, "status_code")` to the web
    framework's HTTP exception (or `getattr(type(exc), "http_code", False)`, the class attribute
    the application's own exceptions carry to be answered); a branch narrowed with `isinstance` to one failure (even a
    driver's, `DuplicateTableError`) and answered with a 4xx, which the author classified as the
    client's; text made by a function of the same module that returns a fixed
    message for each caught kind that would leak (`if isinstance(e, IntegrityError): return
    "duplicate"`); an HTTP client's error around a connection test of the URL the request names
    (`requests.get(f"{data['api_url']}/api/v1/system/status")`: it describes the client's input);
    development-only code (`if settings.DEBUG:`, `if settings.FLASK_DEBUG:`, `if ENV == "dev":`, the arm of a conditional expression
    so tested, `str(e) if settings.DEBUG else "Failed"`, a name given the text only in such a block,
    `if config.ui.debug: err = format_tb(trace)` / `else: err = "Internal Server Error"`, or a
    function that starts with `if not settings.DEV: raise Http404()`); either branch of the
    operator's switch for showing errors (`if config.hide_internal_errors: ... else: return
    jsonify(msg=tb)`, `if settings.SHOW_ERROR_DETAILS:`), which the deployment sets; endpoints named for
    diagnosing the service's own parts (`get_redis_diagnostics`, `GET /diagnostics/postgres`, `GET /database_status`), whose
    answer is their state, errors included (a health probe answers monitoring with a status: its
    error text is reported); views only staff reach
    (`IsAdminUser`, `@staff_member_required`, or `@permission_required(...)` in an `admin/` area, or the routes of a
    FastAPI router built with `dependencies=[Depends(is_admin_user)]`, and the module-private helpers,
    `_send_template_message`, of a module whose every route is such; also code after a
    guard that turns everyone else away: `if not request.user.is_superuser: return redirect(...)` (or a user's
    `is_admin`: `if not current_user.is_admin: raise HTTPException(403)`),
    or a call of a project check whose role list names administrators only,
    `validate_user_has_curator_role(request)` over `roles=[UserRole.ROLE_SUPER_USER, UserRole.SYSTEM_ADMIN]`,
    or of one named for administrators, `_, error = require_admin(...)`;
    `@login_required` where Flask-Login's `user_loader` returns admin accounts only, `AdminAccount`),
    and every handler of a self-hosted tool whose one
    login is a single configured password and that keeps no accounts (`if password !=
    ENV_VALUES["PASSWORD"]`, a password read from the environment under an auth name,
    `get_dotenv_value(KEY_AUTH_PASSWORD)`, or the Authorization header compared with `BasicAuth(user, password)`
    read from its configuration; no user model): whoever reads the error runs the server; and
    responses built by a helper whose callers in the file all drop its result."""

    ID = "BL201"
    LEVEL = Level.ERROR
    CONFIDENCE = Confidence.HIGH
    CWE = (209, 497)
    SECURITY_SEVERITY = 5.4
    TAGS = ("security", "errors", "information-exposure")
    MESSAGE = "{source} ({caught}) reaches {sink}: clients see internals; log it and return a generic message"
    FIX = """Log the exception on the server and answer with a message written for the client:

```python
except Exception:
    log.exception("could not create order")
    raise HTTPException(status_code=500, detail="could not create the order")
```"""
    REFERENCES = (
        "https://cwe.mitre.org/data/definitions/209.html",
        "https://owasp.org/www-community/Improper_Error_Handling",
        "https://codeql.github.com/codeql-query-help/python/py-stack-trace-exposure/",
    )
    PREFILTER = ("except", "errorhandler", "exception_handler", "exc_info", "format_exc")
    TESTS = False  # (a test's stand-in server, `scripts/e2e/mock_oidc_idp.py`, answers no real client)

    INVALID = [
        Invalid(
            """
            import os

            from flask import Flask, abort, request

            app = Flask(__name__)

            def check_space(path):
                if not os.access(path, os.W_OK):
                    raise OSError(f"{path} is not writable")

            @app.post("/upload")
            def upload():
                try:
                    fd = os.open("/srv/uploads/chunk", os.O_RDWR | os.O_CREAT, 0o600)
                    os.write(fd, request.get_data())
                except OSError as e:
                    abort(400, f"Unable to write data: {e}")
                return "", 204
            """,
            line=17,
            note="The project raises `OSError` with its own text elsewhere, but this `try` calls the system, whose "
                 "`OSError` names server paths: a 4xx does not make it the client's message.",
        ),
        Invalid(
            """
            from flask import Flask, request
            from sqlalchemy.exc import IntegrityError, OperationalError

            app = Flask(__name__)

            def db_error_message(exc):
                if isinstance(exc, IntegrityError):
                    return "A record with the same values already exists."
                return str(exc)

            @app.post("/projects")
            def create_project():
                try:
                    project = Project.create(**request.json)
                except (IntegrityError, OperationalError) as exc:
                    return {"message": db_error_message(exc)}, 500
                return project.serialize(), 201
            """,
            line=16,
            note="The helper names the integrity error but returns the text of every other one: an `OperationalError` (the server's address, the SQL) reaches the client.",
        ),
        Invalid(
            """
            from fastapi import FastAPI, HTTPException
            app = FastAPI()

            @app.post("/orders")
            def create(order: dict):
                try:
                    return save(order)
                except Exception as e:
                    raise HTTPException(status_code=500, detail=str(e))
            """,
            line=9,
            note="The FastAPI idiom CodeQL does not flag.",
        ),
        Invalid(
            """
            import traceback
            from flask import Flask, jsonify
            app = Flask(__name__)

            @app.route("/report")
            def report():
                try:
                    return jsonify(build())
                except Exception:
                    return jsonify({"error": traceback.format_exc()}), 500
            """,
            line=10,
            note="A full traceback in the body.",
        ),
        Invalid(
            """
            from rest_framework.response import Response
            from django.db import IntegrityError

            class SignupView(APIView):
                def post(self, request):
                    try:
                        user = create_user(request.data)
                    except IntegrityError as exc:
                        return Response({"detail": f"could not save: {exc}"}, status=400)
                    return Response({"id": user.id}, status=201)
            """,
            line=9,
            note="A database error's text (it names tables and constraints) in a DRF response.",
        ),
        Invalid(
            """
            from flask import Flask
            app = Flask(__name__)

            @app.errorhandler(Exception)
            def on_error(e):
                return {"error": repr(e)}, 500
            """,
            line=6,
            note="An error handler for every exception.",
        ),
        Invalid(
            """
            from sqlalchemy.exc import SQLAlchemyError
            from starlette.responses import JSONResponse

            async def totals(request):
                try:
                    data = await compute(request)
                except SQLAlchemyError as err:
                    message = str(err.orig)
                    return JSONResponse({"error": message}, status_code=503)
                return JSONResponse(data)
            """,
            line=9,
            note="The driver's message through a variable (`e.orig`).",
        ),
        Invalid(
            """
            from flask import abort

            def load(user_id):
                try:
                    return fetch_profile(user_id)
                except Exception as e:
                    abort(502, description=e.args[0])
            """,
            line=7,
            note="`abort(description=...)` is shown on the error page.",
        ),
    ]
    VALID = [
        Valid(
            """
            from rest_framework import status
            from rest_framework.response import Response
            from rest_framework.views import APIView

            class SSOLoginView(APIView):
                def post(self, request):
                    status_code = status.HTTP_400_BAD_REQUEST
                    try:
                        user = sso_login(request.data["token"])
                    except Exception as e:
                        return Response({"error": str(e)}, status=status_code)
                    return Response({"user": user.id})
            """,
            note="The status is a local variable holding 400: the answer says the client's request failed.",
        ),
        Valid(
            """
            from fastapi import APIRouter, HTTPException

            router = APIRouter()

            def transfer_ownership(persona, user, new_owner):
                if persona.owner_id != user.id:
                    raise PermissionError("Only the owner can transfer ownership")
                persona.owner_id = new_owner

            @router.post("/personas/{persona_id}/owner")
            def change_owner(persona_id: int, new_owner: int, user=Depends(current_user), db=Depends(get_db)):
                try:
                    transfer_ownership(db.get(Persona, persona_id), user, new_owner)
                except PermissionError as e:
                    raise HTTPException(status_code=403, detail=str(e))
            """,
            note="The project raises `PermissionError` itself, with text written for the refused user, and answers it with a 403.",
        ),
        Valid(
            """
            import logging
            from http.client import BAD_REQUEST as HTTP_BAD_REQUEST

            from flask import Flask, abort, request

            app = Flask(__name__)
            logger = logging.getLogger(__name__)


            @app.post("/hosts/bulk")
            def bulk_create():
                try:
                    count = import_hosts_csv(request.files["file"].read().decode())
                    return {"created": count}
                except Exception as e:
                    logger.error("Error parsing hosts CSV (%s)", e)
                    abort(HTTP_BAD_REQUEST, f"Error parsing hosts CSV ({e})")
            """,
            note="A 400 written with `http.client`'s constant (imported under another name): the parse error of the client's own file goes back to that client.",
        ),
        Valid(
            """
            from fastapi import APIRouter, HTTPException
            router = APIRouter()

            @router.post("/extensions")
            async def install(ext: Extension):
                try:
                    await install_extension(ext)
                except Exception as exc:
                    logger.warning(exc)
                    detail = str(exc) if isinstance(exc, AssertionError) else "Failed to install the extension."
                    raise HTTPException(status_code=500, detail=detail) from exc
            """,
            note="The text is sent only for the application's own assertion messages, through a name.",
        ),
        Valid(
            """
            from flask import Flask, jsonify, request
            app = Flask(__name__)

            @app.post("/import")
            def import_rows():
                try:
                    rows = read_spreadsheet(request.files["file"])
                except Exception as exc:
                    return jsonify({"error": f"could not read the file: {exc}"}), 400
                return jsonify({"imported": len(rows)})
            """,
            note="A 4xx: the author answers the client about the client's own upload.",
        ),
        Valid(
            """
            from fastapi import HTTPException

            def create(order):
                try:
                    return save(order)
                except Exception:
                    log.exception("save failed")
                    raise HTTPException(status_code=500, detail="could not save the order")
            """,
            note="Logged, with a generic message.",
        ),
        Valid(
            """
            @app.post("/orders")
            def create():
                try:
                    return place(request.json)
                except OutOfStock as exc:
                    return {"error": str(exc)}, 409
            """,
            note="The application's own exception, in a 4xx: its message is meant for the client.",
        ),
        Valid(
            """
            def create():
                try:
                    return place(request.json)
                except Exception as exc:
                    log.error("place failed: %s", exc)
                    return {"error": "internal error"}, 500
            """,
            note="The text goes to the log only.",
        ),
        Valid(
            """
            from fastapi import HTTPException
            from pydantic import ValidationError

            def parse(raw):
                try:
                    return Order.model_validate_json(raw)
                except ValidationError as exc:
                    raise HTTPException(status_code=422, detail=str(exc))
            """,
            note="A validation error's message in a 4xx response is written for the client.",
        ),
        Valid(
            """
            from requests import HTTPError

            def proxy():
                try:
                    return upstream()
                except HTTPError as exc:
                    return {"error": "upstream failed", "status": exc.response.status_code}, 502
            """,
            note="A status code, not text.",
        ),
        Valid(
            """
            def create():
                try:
                    return place(request.json)
                except Exception as exc:
                    if isinstance(exc, ValueError):
                        return {"error": "invalid order"}, 400
                    raise
            """,
            note="Re-raised: the framework's error handling answers.",
        ),
        Valid(
            """
            from flask import Flask, request
            from sqlalchemy.exc import IntegrityError, StatementError

            app = Flask(__name__)

            def db_error_message(exc):
                if isinstance(exc, IntegrityError):
                    return "A record with the same values already exists."
                if isinstance(exc, StatementError):
                    return "One of the values has an invalid format."
                return str(exc)

            @app.post("/projects")
            def create_project():
                try:
                    project = Project.create(**request.json)
                except (TypeError, IntegrityError, StatementError) as exc:
                    app.logger.error("cannot create project", exc_info=exc)
                    return {"message": db_error_message(exc)}, 400
                return project.serialize(), 201
            """,
            note="A function of the module turns each database error into a fixed message; only a `TypeError` (a bad field) reaches its `str(exc)`.",
        ),
        Valid(
            """
            from fastapi import APIRouter, HTTPException

            router = APIRouter()

            @router.get("/tools/{name}")
            def get_tool(name: str):
                try:
                    return tools.get_by_name(name)
                except Exception as e:
                    if hasattr(e, "status_code"):
                        raise HTTPException(status_code=e.status_code, detail=e.detail)
                    raise HTTPException(status_code=500, detail="Internal Server Error")
            """,
            note="Only the framework's HTTP exceptions carry `status_code` and `detail`: the answer the service raised on purpose is passed on.",
        ),
        Valid(
            """
            def describe(exc):
                return f"{type(exc).__name__}: {exc}"

            def log_failure(exc):
                log.warning(describe(exc))
            """,
            note="Not a response.",
        ),
        Valid(
            """
            from aiohttp import web

            @web.middleware
            async def errors(request, handler):
                try:
                    return await handler(request)
                except web.HTTPException as ex:
                    return web.json_response({"error": ex.text}, status=ex.status)
            """,
            note="aiohttp's `web.HTTPException` is an answer raised on purpose; its text was written for the client.",
        ),
        Valid(
            """
            from django.db.models import ProtectedError
            from rest_framework import viewsets
            from rest_framework.response import Response

            class UnitViewSet(viewsets.ModelViewSet):
                def destroy(self, request, *args, **kwargs):
                    try:
                        return super().destroy(request, *args, **kwargs)
                    except ProtectedError as e:
                        return Response({"error": True, "msg": e.args[0]}, status=403)
            """,
            note="Django's `ProtectedError` names the models that still use the row: a message for the user.",
        ),
        Valid(
            """
            import json

            from django.conf import settings
            from django.http import Http404, JsonResponse

            def dev_tools(request, action):
                if not settings.DEV:
                    raise Http404()
                try:
                    reload_translations(json.loads(request.body)["archive"])
                    return JsonResponse({"message": "reloaded"})
                except Exception as e:
                    return JsonResponse({"error": str(e)})
            """,
            path="app/views/dev.py",
            note="A view that leaves unless in development (`if not settings.DEV: raise Http404()`) shows errors to the developer.",
        ),
        Valid(
            """
            from asyncpg import DuplicateTableError
            from fastapi import HTTPException
            from sqlalchemy.exc import ProgrammingError

            @router.post("/tables")
            async def create_table(params: TableCreate, service: TablesService = Depends(tables)):
                try:
                    await service.create_table(params)
                except ProgrammingError as e:
                    while (cause := e.__cause__) is not None:
                        e = cause
                    if isinstance(e, DuplicateTableError):
                        raise HTTPException(409, detail=str(e).replace("relation", "table"))
                    raise HTTPException(500, detail="Could not create the table")
            """,
            note="One driver failure, picked out with `isinstance` and answered as the client's conflict: its text names the table the client asked for.",
        ),
        Valid(
            """
            import logging

            from fastapi import APIRouter, HTTPException

            from app.services import oauth_service

            log = logging.getLogger(__name__)
            router = APIRouter()

            @router.get("/oauth/callback")
            async def callback(code: str, state: str):
                try:
                    tokens = await oauth_service.exchange(code)
                except Exception as exc:
                    log.exception("token exchange failed")
                    raise HTTPException(status_code=500, detail="Failed to exchange the code") from exc
                try:
                    credential = await oauth_service.promote(state, tokens)
                except oauth_service.EncryptionNotConfiguredError as exc:
                    raise HTTPException(status_code=503, detail=str(exc)) from exc
                return {"id": credential.id}
            """,
            note="The second `exc` is the application's own exception: the first handler's `exc` ended with its block.",
        ),
        Valid(
            """
            import logging
            from fastapi import FastAPI, HTTPException, Request
            from fastapi.responses import JSONResponse

            app = FastAPI()
            _error_logger = logging.getLogger("app.errors")
            GENERIC_MESSAGE = "Internal server error"

            def http_exception_handler(request: Request, exc: HTTPException) -> JSONResponse:
                detail = str(exc.detail)
                if exc.status_code >= 500:
                    _error_logger.error("%s - HTTPException %d: %s", request.url.path, exc.status_code, detail)
                if exc.status_code == 500:
                    detail = GENERIC_MESSAGE
                return JSONResponse({"detail": detail}, status_code=exc.status_code)

            app.add_exception_handler(HTTPException, http_exception_handler)

            @app.post("/reports")
            def create_report(db=Depends(get_db)):
                try:
                    return reports.create(db)
                except Exception as e:
                    raise HTTPException(status_code=500, detail=f"Failed to create the report: {e!s}") from e
            """,
            note="The project's HTTPException handler logs the detail and answers every 500 with a fixed text.",
        ),
        Valid(
            """
            from rest_framework.permissions import IsAdminUser
            from rest_framework.response import Response
            from rest_framework.views import APIView

            class HostnameView(APIView):
                permission_classes = (IsAdminUser,)

                def get(self, request):
                    try:
                        with open("/etc/hostname") as f:
                            return Response({"hostname": f.read().strip()})
                    except OSError as e:
                        return Response({"error": str(e)}, status=500)
            """,
            note="Only staff reach the view (`IsAdminUser`; also admin and superuser permissions such as a project's `IsAdmin`, `@staff_member_required`): "
                 "the site's operators, for whom the error is a diagnostic.",
        ),
        Valid(
            """
            from botocore.exceptions import ClientError
            from rest_framework.decorators import api_view
            from rest_framework.response import Response

            @api_view(["GET"])
            def bucket_usage(request):
                try:
                    usage = s3_usage(request.user)
                except ClientError as ex:
                    return Response({"error": ex}, status=500)
                return Response(usage)
            """,
            note="The exception object itself, not its text, in a JSON answer: it cannot be encoded (the answer fails "
                 "to render), so nothing of it reaches the client. (Still a bug, of another kind.)",
        ),
    ]

    def visit_Call(self, node: cst.Call) -> None:
        site = responses.response_of_call(self.ctx, node)
        if site is not None and site.bodies:
            if site.status is None:
                # `return jsonify(...), 400`: the status is beside the call, in the returned tuple.
                stack = self.ctx.stack
                if len(stack) > 3 and isinstance(stack[-2], cst.Element) and isinstance(stack[-3], cst.Tuple) and isinstance(stack[-4], cst.Return):
                    returned = responses.response_of_return(stack[-4])
                    if returned is not None and returned.bodies and returned.bodies[0] is node:
                        site = replace(site, status=returned.status)
                # `make_response(jsonify(...), 401)`: the status is the wrapper's
                if len(stack) > 2 and isinstance(stack[-2], cst.Arg) and isinstance(stack[-3], cst.Call) and stack[-3].args \
                        and stack[-3].args[0] is stack[-2] and call_name(stack[-3]) == "make_response":
                    outer = responses.response_of_call(self.ctx, stack[-3])
                    if outer is not None:
                        site = replace(site, status=outer.status)
            if site.status is None:
                site = replace(site, status=self._status_variable(node))
            self._check(site)

    def _status_variable(self, call: cst.Call) -> int | None:
        """`Response(..., status=status_code)`: the error status a local variable holds, when every
        status assigned to it in the function is the same class of error (or a success, the other
        branch: `_status, msg = HTTP_200_OK, "ok"` / `HTTP_400_BAD_REQUEST, error`)."""
        fn = self.ctx.function()
        arg = next((a.value for a in call.args if a.keyword is not None and a.keyword.value in ("status", "status_code")), None)
        if fn is None or not isinstance(arg, cst.Name):
            return None
        statuses: list[int | None] = []
        for node in iter_descendants(fn.body, into_scopes=False):
            if isinstance(node, cst.Assign):
                for target in node.targets:
                    statuses.extend(self._helper_statuses(target.target, node.value, arg.value)
                                    or _assigned(target.target, node.value, arg.value))
            elif isinstance(node, cst.AnnAssign) and node.value is not None:
                statuses.extend(_assigned(node.target, node.value, arg.value))
        failing = [st for st in statuses if st is None or st >= 400]
        if not failing or None in failing:
            return None  # only successes, or a status that is not a constant
        if all(st < 500 for st in failing) or all(st >= 500 for st in failing):
            return max(failing)  # type: ignore[type-var]
        return None

    def _helper_statuses(self, target: cst.BaseExpression, value: cst.BaseExpression, name: str) -> list[int | None]:
        """`body, status_code = object_delete(Model, pk)`: the statuses a function of this module
        returns in that place of its tuples (`return {"error": str(e)}, 400`), when every return
        is such a tuple; else nothing (the caller falls back to an unknown status)."""
        if not (isinstance(target, cst.Tuple) and isinstance(value, cst.Call) and isinstance(value.func, cst.Name)):
            return []
        index = next((k for k, e in enumerate(target.elements) if isinstance(e.value, cst.Name) and e.value.value == name), None)
        helper = self.ctx.module_scope().functions.get(value.func.value)
        if index is None or helper is None:
            return []
        statuses: list[int | None] = []
        for ret in iter_descendants(helper.body, into_scopes=False):
            if isinstance(ret, cst.Return):
                if not (isinstance(ret.value, cst.Tuple) and len(ret.value.elements) == len(target.elements)):
                    return []
                statuses.append(responses.status_value(ret.value.elements[index].value))
        return statuses

    def visit_Return(self, node: cst.Return) -> None:
        fn = self.ctx.function()
        if fn is None:
            return
        if routes.route_of(self.ctx, fn) is None and routes.error_handler_parameter(fn, self.ctx.project.catch_all_handlers) is None:
            return
        site = responses.response_of_return(node)
        if site is not None and not (isinstance(node.value, cst.Call) and responses.response_of_call(self.ctx, node.value)):
            self._check(site)

    def _check(self, site: responses.ResponseSite) -> None:
        if self._development_only() or any(self._narrowed_body(body) for body in site.bodies) or self._sanitized(site):
            return
        if site.raised and _raises_http_exception(site) and self.ctx.project.scrubs_http_exception(site.status):
            return  # the project's HTTPException handler answers this status with a fixed text
        fn = self.ctx.function()
        if site.raised and routes.background_task(fn):
            return  # raised in a worker's task or workflow step: the worker records it, no client reads it
        if site.raised and fn is not None and routes.catch_all_handler(fn):
            return  # raised by the handler of last resort (`@app.exception_handler(Exception)`): nothing handles it again; the server answers its own 500
        if not site.raised and fn is not None and routes.route_of(self.ctx, fn) is None \
                and routes.error_handler_parameter(fn, self.ctx.project.catch_all_handlers) is None:
            if self._result_discarded(fn.name.value):
                return  # a helper whose callers in this file all drop what it returns: no client sees it
        env = Env.here(self.ctx)
        origins = Origins(self.ctx)
        leaks: list[Origin] = []
        for body in self._serialised(site):
            for value, value_env in self._production_values(body, env):
                leaks.extend(o for o in origins.of(value, value_env) if o.kind is Kind.EXCEPTION)
        if not leaks:
            return
        kinds = [(self._kind(o), o) for o in leaks if not self._inside_try_of(o) and not self._unbound(o)]
        if not kinds:
            return
        kind, origin = max(kinds, key=lambda ko: ko[0])
        if kind < ExcKind.INFRASTRUCTURE:
            return  # validation, lookup and application messages are written for people to read
        if site.status is None and isinstance(origin.source, cst.ExceptHandler) \
                and not any(a is origin.source for a in self.ctx.ancestors()):
            # `return await self._handle_callback(request)`: the helper's handler answered with its own status
            site = replace(site, status=_answered_status(origin.source))
        if kind is ExcKind.BROAD and site.status is not None and 400 <= site.status < 500:
            return  # any exception answered as the client's mistake: the author wrote it for the client
        if kind is not ExcKind.BROAD and isinstance(origin.source, cst.ExceptHandler) and self._public_upstream(origin.source):
            return  # `except httpx.HTTPStatusError as e` around a GET of `https://caselaw.example.gov.uk/...`: the public site's status
        if site.status is not None and 400 <= site.status < 500 and isinstance(origin.source, cst.ExceptHandler) \
                and origin.source.name is not None and isinstance(origin.source.name.name, cst.Name) \
                and self._narrowed(origin.source.name.name.value) is not None:
            return  # `if isinstance(e, DuplicateTableError): raise HTTPException(409, ...)`: one failure, classified as the client's
        if site.status is not None and 400 <= site.status < 500 and isinstance(origin.source, cst.ExceptHandler) \
                and self._raised_by_the_project(origin.source):
            return  # `except PermissionError as e: raise HTTPException(403, str(e))`, the project raising it with its own text
        if fn is not None and (routes.operators_only(self.ctx.enclosing_class(), fn, self.ctx.path, self.ctx.project.operator_checks,
                                                     routes.operator_routers(self.ctx))
                               or routes.after_operator_guard(self.ctx.stack, self.ctx.project.operator_checks)
                               or self._helper_of_operator_routes(fn)):
            return  # superusers and staff only: the site's operators, for whom the error is a diagnostic
        if self.ctx.project.single_operator():
            return  # one configured password and no accounts: whoever is answered runs the server
        if fn is not None and routes.diagnostics(fn, routes.route_of(self.ctx, fn)):
            return  # `GET /diagnostics/redis`: reporting the infrastructure's state and errors is its job
        source = "The traceback" if origin.source is None and origin.what == "the traceback" else f"The text of {origin.what}"
        self.report(site.node, source=source, caught=_KIND_WORDS[kind], sink=site.label)

    def _serialised(self, site: responses.ResponseSite) -> list[cst.BaseExpression]:
        """The parts of the bodies whose text can reach the client. A JSON answer cannot encode an
        exception object: `Response({"error": ex})` fails to render (or FastAPI's encoder makes it
        `{}`), so an entry holding the caught exception itself, not its text, carries nothing."""
        if site.label not in _JSON_LABELS:
            return [_production_arm(b) for b in site.bodies]
        handlers = [h for h in self.ctx.ancestors() if isinstance(h, cst.ExceptHandler) and h.name is not None
                    and isinstance(h.name.name, cst.Name)]
        rebound = {t.target.value for h in handlers for n in iter_descendants(h.body)  # `e = str(e)`: text after all
                   if isinstance(n, cst.Assign) for t in n.targets if isinstance(t.target, cst.Name)}
        caught = {h.name.name.value for h in handlers} - rebound
        out: list[cst.BaseExpression] = []
        for body in map(_production_arm, site.bodies):
            if isinstance(body, cst.Dict):
                out.extend(_production_arm(e.value) for e in body.elements
                           if not (isinstance(e, cst.DictElement) and isinstance(e.value, cst.Name) and e.value.value in caught))
            else:
                out.append(body)
        return out

    def _development_only(self) -> bool:
        """Inside `if settings.DEBUG:` (or `DEV`, `app.debug`), or in a function that starts by
        leaving unless in development (`if not settings.DEV: raise Http404()`): development-only code."""
        for node in self.ctx.ancestors():
            if isinstance(node, cst.If) and (_names_dev_flag(node.test) or _names_error_switch(node.test) or (
                    isinstance(node.test, cst.Name)  # `hide = config.hide_internal_errors`, then `if hide:`
                    and any(_names_error_switch(v) for v, _ in assigned_values(Env.here(self.ctx), node.test)))):
                return True
        fn = self.ctx.function()
        if fn is None or not isinstance(fn.body, cst.IndentedBlock):
            return False
        for stmt in fn.body.body[:3]:
            if (
                isinstance(stmt, cst.If) and stmt.orelse is None
                and isinstance(stmt.test, cst.UnaryOperation) and isinstance(stmt.test.operator, cst.Not)
                and _names_dev_flag(stmt.test.expression)
                and any(isinstance(n, (cst.Raise, cst.Return)) for n in iter_descendants(stmt.body))
            ):
                return True
        return False

    def _production_values(self, body: cst.BaseExpression, env: Env) -> list[tuple[cst.BaseExpression, Env]]:
        """What `body` holds outside development: a name (or a dict's entry holding one, also one
        spread into it: `{"detail": ..., **stacktrace}`) set under `if settings.DEBUG:` (`if
        config.ui.debug: err = format_tb(trace)` / `else: err = "Internal Server Error"`) stands for
        the values assigned to it elsewhere only, and one assigned a conditional expression on such
        a switch for its other arm (`stacktrace = {"traceback": format_exc()} if debug else {}`)."""
        if isinstance(body, cst.Dict):
            return [pair for e in body.elements for pair in self._production_values(e.value, env)]
        if not isinstance(body, (cst.Name, cst.Attribute)):
            return [(body, env)]
        values = assigned_values(env, body)
        development = self._development_statements()
        kept = [(v, e) for v, e in values if not any(e.stmt is d for d in development)]
        armed = [(_production_arm(v), e) for v, e in kept]  # `stacktrace = {"traceback": format_exc()} if debug else {}`
        changed = len(kept) < len(values) or any(a is not v for (a, _), (v, _) in zip(armed, kept))
        return armed if changed else [(body, env)]

    def _development_statements(self) -> list[cst.CSTNode]:
        """The statements of the visited function that run only in development (inside `if
        settings.DEBUG:`, `if ENV == "dev":`), memoised per function."""
        fn = self.ctx.function()
        if fn is None:
            return []

        def collect() -> list[cst.CSTNode]:
            blocks = [n.body for n in iter_descendants(fn.body, into_scopes=False) if isinstance(n, cst.If) and _names_dev_flag(n.test)]
            return [n for b in blocks for n in iter_descendants(b, into_scopes=False) if is_statement(n)]

        return self.ctx.memo(("development-statements", id(fn)), collect)  # type: ignore[no-any-return]

    def _sanitized(self, site: responses.ResponseSite) -> bool:
        """`{"message": db_error_message(exc)}`: the caught exception reaches the body only as the
        argument of a function of this module that returns its text for none of the caught kinds
        that would leak (`if isinstance(e, IntegrityError): return "duplicate"` ... `return str(e)`,
        reached only by a `TypeError`)."""
        handler = next((n for n in reversed(self.ctx.stack) if isinstance(n, cst.ExceptHandler)), None)
        if handler is None or handler.name is None or not isinstance(handler.name.name, cst.Name):
            return False
        name = handler.name.name.value
        functions = self.ctx.module_scope().functions
        seen = False
        for body in site.bodies:
            calls = [n for n in [body, *iter_descendants(body)] if isinstance(n, cst.Call)]
            argument_ids = set()
            for call in calls:
                helper = functions.get(call.func.value) if isinstance(call.func, cst.Name) else None
                for index, arg in enumerate(call.args):
                    if isinstance(arg.value, cst.Name) and arg.value.value == name:
                        if helper is None or arg.keyword is not None or not _sanitizes(self.ctx, helper, index, errors.caught_types(handler)):
                            return False
                        argument_ids.add(id(arg.value))
            for n in [body, *iter_descendants(body)]:
                if isinstance(n, cst.Name) and n.value == name:
                    if id(n) not in argument_ids:
                        return False  # the exception is used some other way too
                    seen = True
        return seen

    def _narrowed_body(self, body: cst.BaseExpression) -> bool:
        """`_narrowed_text` of the body, or of every value a name in it was given (`detail = ...`)."""
        if self._narrowed_text(body):
            return True
        if not isinstance(body, cst.Name):
            return False
        values = [v for v, _ in assigned_values(Env.here(self.ctx), body) if v is not body]
        return bool(values) and all(self._narrowed_text(v) for v in values)

    def _narrowed_text(self, body: cst.BaseExpression) -> bool:
        """`str(exc) if isinstance(exc, AssertionError) else "unexpected error"`: the text is sent
        only for an exception kind meant for clients, and every other use of it is absent."""
        for node in [body, *iter_descendants(body)]:
            if not (isinstance(node, cst.IfExp) and isinstance(node.test, cst.Call) and dotted(node.test.func) == "isinstance"):
                continue
            args = node.test.args
            if len(args) != 2 or not isinstance(args[0].value, cst.Name):
                continue
            name = args[0].value.value
            inside = {id(n) for n in [node.body, *iter_descendants(node.body)]}
            elsewhere = [n for n in [body, *iter_descendants(body)] if isinstance(n, cst.Name) and n.value == name and id(n) not in inside
                         and n is not args[0].value]
            if not elsewhere and errors.type_kind(self.ctx, args[1].value) < ExcKind.INFRASTRUCTURE:
                return True
        return False

    def _result_discarded(self, name: str) -> bool:
        def scan() -> bool:
            dropped: set[int] = set()
            calls = []
            for node in iter_descendants(self.ctx.module):
                if isinstance(node, cst.Expr) and isinstance(node.value, cst.Call):
                    dropped.add(id(node.value))
                elif isinstance(node, cst.Call) and (dotted(node.func) or "") in (name, f"self.{name}", f"cls.{name}"):
                    calls.append(node)
            return bool(calls) and all(id(c) in dropped for c in calls)

        return bool(self.ctx.memo(("BL201-discarded", name), scan))

    def _unbound(self, origin: Origin) -> bool:
        """An exception caught by another `except ... as exc` than the one around the response,
        when that one binds the same name: Python unbinds `exc` when a handler ends, so here
        `exc` is only this handler's exception."""
        source = origin.source
        if not isinstance(source, cst.ExceptHandler) or source.name is None or not isinstance(source.name.name, cst.Name):
            return False
        name = source.name.name.value
        enclosing = [n for n in self.ctx.stack if isinstance(n, cst.ExceptHandler)]
        return source not in enclosing and any(
            h.name is not None and isinstance(h.name.name, cst.Name) and h.name.name.value == name for h in enclosing
        )

    def _inside_try_of(self, origin: Origin) -> bool:
        """Whether the response is in the `try` body whose handler caught the exception: it is
        reached only through a loop's next round, and the handler's own response is the one to
        report."""
        stack = self.ctx.stack
        for i, node in enumerate(stack[:-1]):
            if isinstance(node, (cst.Try, cst.TryStar)) and stack[i + 1] is node.body and origin.source in node.handlers:
                return True
        return False

    def _kind(self, origin: Origin) -> ExcKind:
        source = origin.source
        if source is None:
            return ExcKind.BROAD
        if isinstance(source, cst.FunctionDef):  # an error handler's parameter
            param = routes.error_handler_parameter(source, self.ctx.project.catch_all_handlers)
            narrowed = self._narrowed(param.name.value) if param is not None else None
            return narrowed if narrowed is not None else errors.type_kind(self.ctx, routes.error_handler_type(source))
        if isinstance(source, cst.ExceptHandler):
            name = source.name.name.value if source.name is not None and isinstance(source.name.name, cst.Name) else None
            narrowed = self._narrowed(name) if name is not None else None
            if narrowed is not None:
                return narrowed
            kind = errors.handler_kind(self.ctx, source)
            if kind is ExcKind.BROAD and self._parses_only(source):
                return ExcKind.CLIENT
            return kind
        return ExcKind.BROAD

    def _public_upstream(self, handler: cst.ExceptHandler) -> bool:
        """Whether the handler catches only an HTTP client's errors (httpx, requests, aiohttp,
        urllib) and every request its `try` makes goes to a public site written in the code
        (`client.get(f"https://caselaw.nationalarchives.gov.uk/{case_id}")`) or to the URL the
        request names (a connection test of `data["api_url"]`): the error names that site's answer
        or the way to it, which the client can see anyway; nothing of the server's own."""
        names = [self.ctx.qualify(t) or dotted(t) or "" for t in errors.caught_types(handler)]
        if not names or not all(n.split(".", 1)[0] in _HTTP_CLIENTS for n in names):
            return False
        tried = next((n for n in reversed(self.ctx.stack) if isinstance(n, cst.Try) and any(h is handler for h in n.handlers)), None)
        if tried is None:
            return False
        calls = [n for n in iter_descendants(tried.body) if isinstance(n, cst.Call) and call_name(n) in _REQUEST_METHODS
                 and n.args and n.args[0].keyword is None and n.args[0].star == ""
                 and (string_value(n.args[0].value) or "http").startswith(("http", "/"))]  # (not `headers.get("content-type")`)
        origins = Origins(self.ctx)

        def clients(url: cst.BaseExpression, env: Env, depth: int = 0) -> bool:
            """The URL, host included, is the one the request names (`api_url = data.get("api_url")`,
            then `requests.get(f"{api_url}/api/v1/system/status")`): testing a connection the client
            asked about, whose failure describes the client's input (not `f"https://{HOST}/items/{item}"`,
            the server's own dependency with the client's path)."""
            if isinstance(url, cst.FormattedString):
                parts = list(url.parts)
                if len(parts) > 1 and isinstance(parts[0], cst.FormattedStringText) and parts[0].value in ("http://", "https://"):
                    parts = parts[1:]  # (`f"http://{api_url}"`: the scheme put in front of what the client sent)
                first = parts[0] if parts else None
                return isinstance(first, cst.FormattedStringExpression) and clients(first.expression, env, depth)
            if isinstance(url, cst.Name) and depth < 3:
                values = [(v, e) for v, e in assigned_values(env, url) if v is not url]
                if values:
                    return all(isinstance(v, cst.BaseExpression) and clients(v, e, depth + 1) for v, e in values)
            found = origins.of(url, env)
            return bool(found) and all(o.kind is Kind.REQUEST for o in found)

        return bool(calls) and all(
            any(_public_url(v) for v in [url, *(value for value, _ in assigned_values(Env.within(self.ctx, call, around=tried), url))])
            or clients(url, Env.within(self.ctx, call))
            for call in calls for url in [call.args[0].value])

    def _helper_of_operator_routes(self, fn: cst.FunctionDef) -> bool:
        """A module-private helper (`_send_template_message`) of a module whose every route only the
        site's operators reach (`router = APIRouter(dependencies=[Depends(is_admin_user)])`)."""
        if not fn.name.value.startswith("_") or routes.route_of(self.ctx, fn) is not None:
            return False
        found = routes.routes(self.ctx).values()
        return bool(found) and all(
            routes.operators_only(route.view_class, route.function, self.ctx.path, self.ctx.project.operator_checks,
                                  routes.operator_routers(self.ctx))
            for route in found
        )

    def _raised_by_the_project(self, handler: cst.ExceptHandler) -> bool:
        """Whether every class the handler names is one the project raises itself with a
        message (`raise PermissionError("Only the owner can share")`): its text is the
        project's, written for whoever is refused."""
        names = [dotted(t) for t in errors.caught_types(handler)]
        if not (names and all(n is not None and n.rsplit(".", 1)[-1] in self.ctx.project.raised_with_arguments for n in names)):
            return False
        try_node = self._try_of(handler)
        return try_node is None or not any(  # `os.open(...)`, `open(...)` in the `try`: the system raises it too, with its paths
            (call_name(c) or "") == "open" or _system_call(qualified_name(self.ctx, c)) for c in errors.calls(try_node.body))

    def _try_of(self, handler: cst.ExceptHandler) -> cst.Try | cst.TryStar | None:
        """The `try` statement, among the nodes being visited, that `handler` belongs to."""
        return next((n for n in self.ctx.stack if isinstance(n, (cst.Try, cst.TryStar)) and handler in n.handlers), None)

    def _parses_only(self, handler: cst.ExceptHandler) -> bool:
        """Whether the `try` of a broad handler only parses values: what it raises describes
        the input."""
        try_node = self._try_of(handler)
        return try_node is not None and errors.parses_only(try_node.body)

    def _narrowed(self, name: str) -> ExcKind | None:
        """Inside `if isinstance(name, X):`, the kind of X. Inside `if hasattr(name, "status_code"):`
        (or `"detail"`), an HTTP exception of the web framework (FastAPI's, Starlette's, DRF's):
        only those carry a status and a detail for the client; driver, network and system errors
        have neither (an HTTP client's error keeps its status on `e.response`)."""
        stack = self.ctx.stack
        for i, node in enumerate(stack):
            if not isinstance(node, cst.If) or i + 1 >= len(stack) or stack[i + 1] is not node.body:
                continue
            tests = [node.test]
            while isinstance(tests[-1], cst.BooleanOperation) and isinstance(tests[-1].operator, cst.And):
                tests[-1:] = [tests[-1].left, tests[-1].right]  # type: ignore[attr-defined]
            for test in tests:
                if isinstance(test, cst.NamedExpr):
                    test = test.value  # `if http_code := getattr(type(exc), "http_code", False):`
                if not (isinstance(test, cst.Call) and len(test.args) in (2, 3) and _names_caught(test.args[0].value, name)):
                    continue
                if dotted(test.func) == "isinstance" and len(test.args) == 2:
                    return errors.type_kind(self.ctx, test.args[1].value)
                if dotted(test.func) in ("hasattr", "getattr") and string_value(test.args[1].value) in _HTTP_ERROR_ATTRIBUTES:
                    return ExcKind.DOMAIN
        return None


def _sanitizes(ctx: object, fn: cst.FunctionDef, index: int, caught: list[cst.BaseExpression]) -> bool:
    """Whether `fn`, given a caught exception as its positional argument `index`, returns its text
    only for kinds meant for clients: each top-level `if isinstance(param, X): ... return ...`
    takes X out of what reaches the statements after it, and a `return` that reads the parameter
    is judged by the caught kinds that can reach it."""
    params = [p.name.value for p in (*fn.params.posonly_params, *fn.params.params)]
    if index >= len(params) or not isinstance(fn.body, cst.IndentedBlock):
        return False
    param = params[index]
    remaining = {(dotted(t) or "").rsplit(".", 1)[-1]: t for t in caught}
    if not remaining or any(not k for k in remaining):
        return False  # a bare `except:` (or an unnamed type): anything can reach

    def reads(node: cst.CSTNode) -> bool:
        return any(
            isinstance(r, cst.Return) and r.value is not None
            and any(isinstance(n, cst.Name) and n.value == param for n in [r.value, *iter_descendants(r.value)])
            for r in [node, *iter_descendants(node)]
        )

    def leaks(kinds: list[cst.BaseExpression]) -> bool:
        return any(errors.type_kind(ctx, t) >= ExcKind.INFRASTRUCTURE for t in kinds)  # type: ignore[arg-type]

    for stmt in fn.body.body:
        narrowed = errors.isinstance_of(stmt.test, param) if isinstance(stmt, cst.If) else None
        if narrowed is not None:
            names = {(dotted(e.value) or "").rsplit(".", 1)[-1] for e in narrowed.elements} if isinstance(narrowed, cst.Tuple) \
                else {(dotted(narrowed) or "").rsplit(".", 1)[-1]}
            inside = [t for k, t in remaining.items() if k in names]
            if reads(stmt.body) and leaks(inside):
                return False
            if stmt.orelse is not None and reads(stmt.orelse):
                return False
            if ends_with(stmt.body):
                remaining = {k: t for k, t in remaining.items() if k not in names}
            continue
        if reads(stmt) and leaks(list(remaining.values())):
            return False
    return True


def _assigned(target: cst.BaseExpression, value: cst.BaseExpression, name: str) -> list[int | None]:
    """The status values `target = value` gives the variable `name` (also unpacking a tuple)."""
    if isinstance(target, cst.Name):
        return [responses.status_value(value)] if target.value == name else []
    if isinstance(target, (cst.Tuple, cst.List)) and isinstance(value, (cst.Tuple, cst.List)) and len(target.elements) == len(value.elements):
        out: list[int | None] = []
        for t, v in zip(target.elements, value.elements):
            out.extend(_assigned(t.value, v.value, name))
        return out
    if isinstance(target, (cst.Tuple, cst.List)) and any(isinstance(e.value, cst.Name) and e.value.value == name for e in target.elements):
        return [None]
    return []
