from __future__ import annotations

import re

import libcst as cst

from backlint.findings import Confidence, Level
from backlint.frameworks import database, errors, project, request_data, responses, routes
from backlint.frameworks.database import OpKind
from backlint.frameworks.imports import dotted
from backlint.frameworks.values import Env, Kind, Origins
from backlint.rule import Invalid, Rule, Valid
from backlint.syntax import call_name, contains, decorator_targets, iter_descendants, name_parts, sibling, string_value

_ERROR_VIEWS = frozenset({"handler400", "handler403", "handler404", "handler500", "handler_500", "server_error",
                          "page_not_found", "permission_denied", "bad_request", "custom_exception_handler"})


class UnloggedErrorResponse(Rule):
    """An `except` block turns an error into an error response without logging it.

    When a handler answers a failure with a 500 (or catches everything and answers with any
    error), the response says "internal error" and the cause is gone: nothing in the logs tells
    what failed, for which request. The rule flags except blocks that raise an HTTP error
    (`HTTPException`, `abort()`, DRF and aiohttp exceptions) or return an error response (or only fill one
    in, `res["message"] = "An error occurred"`, and fall through to the 5xx returned right after the `try`), when the
    status is 5xx or the block catches every exception, and nothing in the block logs (a logger,
    `logging`, `print`, `traceback.print_exc`, Sentry).

    A broad `except ... as exc` whose every answer sits under `if isinstance(exc, (A, B)):` is
    judged as an `except (A, B)` (`if isinstance(exc, PermissionDenied): raise
    core_exceptions.PermissionDenied()` / `else: raise exc`: only those kinds are answered).

    Left alone: `except NotImplementedError`, or any exception the clause names, answered 501 (an
    operation this provider does not support, a table this dataset version lacks), HTTP
    exceptions raised in a worker's task or workflow step (the worker logs them)
    or inside an outer `try` whose broad `except` logs and re-raises, or in FastAPI/Starlette
    `@app.middleware("http")` (the server error middleware logs them), answers to a `try` that makes one
    call of a project function which logs whatever fails in it (its broad `except` logs the exception and re-raises
    it, or its whole body is one `try` every `except` of which logs the exception: `except Exception as e:
    logger.error(f"Error retrieving stats: {e}"); return {}`), the rest of the `try` only parsing and answering
    (a log line without the exception, `logger.error("Problem getting video names")`, says nothing of the cause),
    4xx answers of a serializer's
    or form's `validate_*`/`clean_*` method whose `try` calls no HTTP client or database,
    those raised with the cause in their detail in a project whose endpoint decorator logs every
    exception with its traceback (`@functools.wraps(func)` around a `try` whose broad `except`
    logs with `exc_info=True` and answers 500), 4xx answers to specific exceptions (`except User.DoesNotExist: raise Http404`,
    `except ValueError: abort(400)`) and to a `try` that only parses request values (uploaded
    files read and parsed included: `json.loads(upload.read())`; early 4xx answers inside it, `abort(422)` or
    `return body, 400`, are checks, not work), which are expected outcomes rather than errors (whatever the status, when the `except` names only the
    parse errors of such a `try`), a `try` that reads one object by the client's key (and checks
    its permissions), or fetches one through a getter (`get_task_status(task_id)`, or its parts
    through getters given the same key: `get_workflow(name)`, `get_graph(name)`), answered with
    a 4xx saying it does not exist (a bare 404 says so; also one call building the object the
    path names, checked by an `assert`), a `try` that starts by checking the request's credentials
    (`jwt_required()`, `jwt.decode(...)`, an identity provider's `userinfo(token)`) answered 401 or 403, a missing optional dependency
    (`except ImportError`), health checks (`health_check`, `readyz`, `statshealth`) and checks nested in them, blocks that log
    (a printer's level method counts: `PrintStyle.error(f"... {e}")`), exceptions the project raises only
    right after logging the cause (`log.error(...)` then `raise StorageError(...)`), blocks that store the exception's
    text on a record they save (`activity.error_message = str(e)` then `activity.save()`: kept where operators look),
    Tornado's
    `HTTPError` with a log message (Tornado logs it with the request) or raised in a project whose
handler's `write_error` logs (or stores the formatted traceback, with the exception it came from), a 5xx raised in a
Flask-RESTful or Flask-RESTX resource (also one deriving from the project's base of them, `class
TopicAPI(API)`), which `Api.handle_error` logs, or in a controller whose endpoints WSME exposes
(`@wsme_pecan.wsexpose`: `format_exception` logs server-side errors), an `HTTPException` whose
    detail carries the exception when the project's HTTPException handler logs details (wherever
    it is defined and registered; a logger method kept in a name counts) or a request-logging
    middleware logs error responses by their status (`if response.status_code >= 500:
    log.error(...)` in a module with a `call_next` middleware), exceptions the
    application defines, answered with their message (`except CouponCreateError as e: return
    {"errors": [str(e)]}, 500`: the caller is told the cause; not with a 502, 503 or 504, which
    say a dependency failed, and not a builtin's or a library's exception), connection failures
    and timeouts of a URL taken from the request or the data (a proxy of a record's link, a user's
    integration row's `server_url`; not a URL from literals, settings, parameters or `self`), an answer
    built from the caught exception's `errors` (the error list a remote API answered with, not when
    it could not be reached or read), an `abort(502, ...)` whose `@app.errorhandler(502)` logs or
    reports to Sentry, a `try` that only reads and converts query arguments (whatever it answers), a not-found exception caught by name around one
    row read (whatever the status), `abort()` without a status (Playwright's `route.abort()`),
    exceptions the application raises only without a message or data (`raise
    ProviderNotSupports`) answered with a text naming them, answers after `raise e` in the same
    block (never made), error handlers and error views (`@app.errorhandler`, `handler500`), which run after the
    framework logged the original error, a best-effort `try` inside another `except` (that `except`
    answers), and test code (a test application's routes that answer with errors on purpose)
    unless `include-tests` is set."""

    ID = "BL204"
    LEVEL = Level.NOTE
    CONFIDENCE = Confidence.MEDIUM
    TESTS = False
    CWE = (778,)
    TAGS = ("errors", "logging", "observability")
    MESSAGE = "{what} is turned into {response} without being logged; log it with the request's context"
    FIX = """Log the exception (with its traceback) before answering:

```python
except Exception:
    log.exception("checkout failed for cart %s", cart_id)
    return jsonify({"error": "internal error"}), 500
```"""
    REFERENCES = ("https://cheatsheetseries.owasp.org/cheatsheets/Logging_Cheat_Sheet.html",)
    PREFILTER = ("except",)

    INVALID = [
        Invalid(
            """
            @app.post("/checkout")
            def checkout():
                try:
                    charge(request.json)
                except Exception:
                    return jsonify({"error": "payment failed"}), 500
                return jsonify({"ok": True})
            """,
            line=6,
            note="A 500 with no trace of why.",
        ),
        Invalid(
            """
            from fastapi import FastAPI, HTTPException
            app = FastAPI()

            @app.get("/report")
            def report():
                try:
                    return build_report()
                except RuntimeError:
                    raise HTTPException(status_code=500, detail="report unavailable")
            """,
            line=9,
            note="HTTPException is not logged by FastAPI.",
        ),
        Invalid(
            """
            from flask import abort

            def load(order_id):
                try:
                    return repository.load(order_id)
                except Exception:
                    abort(503)
            """,
            line=7,
            note="`abort()` after catching everything.",
        ),
        Invalid(
            """
            from rest_framework.exceptions import APIException

            class OrderView(APIView):
                def post(self, request):
                    try:
                        return Response(place(request.data), status=201)
                    except DatabaseError:
                        raise APIException("could not save the order")
            """,
            line=8,
            note="DRF's APIException is a 500.",
        ),
        Invalid(
            """
            from aiohttp import web

            async def handle(request):
                try:
                    return web.json_response(await fetch())
                except Exception:
                    raise web.HTTPBadGateway(text="upstream error")
            """,
            line=7,
            note="aiohttp's 502.",
        ),
        Invalid(
            """
            from rest_framework.response import Response
            from rest_framework.views import APIView

            class TagDetail(APIView):
                def delete(self, request, pk):
                    try:
                        Tag.objects.filter(pk=pk, owner=request.user).delete()
                    except Exception:
                        return Response({"detail": "Tag does not exist"}, status=400)
                    return Response(status=204)
            """,
            line=9,
            note="A write that fails is not a miss, whatever the answer says.",
        ),
    ]
    VALID = [
        Valid(
            """
            from asyncpg.exceptions import UndefinedTableError
            from fastapi import APIRouter, HTTPException

            router = APIRouter()

            @router.get("/dataset/{dataset}/{version}/features")
            async def features(dataset: str, version: str):
                try:
                    return await features_by_location(dataset, version)
                except UndefinedTableError:
                    raise HTTPException(status_code=501, detail=f"Not implemented for {dataset}.{version}")
            """,
            note="A named exception answered 501 Not Implemented: what this dataset version does not support, not a lost error.",
        ),
        Valid(
            """
            import json

            from flask import Flask, abort, jsonify, request

            app = Flask(__name__)


            @app.post("/workflows/import")
            def import_workflows():
                created = []
                for upload in request.files.values():
                    try:
                        workflow = json.loads(upload.read())
                    except Exception:
                        abort(400, "Error while parsing file")
                    created.append(create_workflow(workflow))
                return jsonify(created), 201
            """,
            note="Parsing the client's uploaded files: a failure is the client's input, answered 400.",
        ),
        Valid(
            """
            from flask import Flask, request

            app = Flask(__name__)

            @app.post("/shares/<share_id>/status")
            def share_status(share_id):
                try:
                    status = tasks_service.get_task_status(request.json["task_status_id"])
                except Exception:
                    return {"error": "Task status not found"}, 400
                return {"status": status}
            """,
            note="One object fetched by the client's key through a getter, answered \"not found\": a miss, by the author's account.",
        ),
        Valid(
            """
            from fastapi import Depends, FastAPI, HTTPException
            from fastapi_jwt_auth import AuthJWT

            app = FastAPI()

            @app.get("/me")
            def me(auth: AuthJWT = Depends()):
                try:
                    auth.jwt_required()
                    email = auth.get_jwt_subject()
                    return db.session.query(User).filter(User.email == email).first()
                except Exception:
                    raise HTTPException(status_code=401, detail="Invalid token")
            """,
            note="Checking the token the request carries: a bad or expired one is the expected outcome, answered 401.",
        ),
        Valid(
            """
            from tornado import web

            class UsersHandler(web.RequestHandler):
                def get(self):
                    since = self.get_argument("since", "")
                    try:
                        day = load_day(since)
                    except Exception:
                        raise web.HTTPError(400, "not a valid day: %r", since)
                    self.write({"users": list_users(day)})
            """,
            note="Tornado logs an `HTTPError`'s log message, with the request; the client gets only the status.",
        ),
        Valid(
            """
            @app.post("/checkout")
            def checkout():
                try:
                    charge(request.json)
                except Exception:
                    log.exception("charge failed")
                    return jsonify({"error": "payment failed"}), 500
                return jsonify({"ok": True})
            """,
            note="Logged before answering.",
        ),
        Valid(
            """
            from django.http import Http404

            def detail(request, pk):
                try:
                    article = Article.objects.get(pk=pk)
                except Article.DoesNotExist:
                    raise Http404("no such article")
                return render(request, "detail.html", {"article": article})
            """,
            note="A 404 for a missing object is an expected outcome.",
        ),
        Valid(
            """
            from fastapi import HTTPException

            def parse(body):
                try:
                    return Order.model_validate(body)
                except ValidationError:
                    raise HTTPException(status_code=422, detail="invalid order")
            """,
            note="A 4xx for invalid input.",
        ),
        Valid(
            """
            def save(obj):
                try:
                    obj.save()
                except Exception:
                    raise
            """,
            note="Re-raised: whoever handles it logs it.",
        ),
        Valid(
            """
            def checkout():
                try:
                    charge(request.json)
                except PaymentDeclined:
                    return jsonify({"error": "card declined"}), 402
            """,
            note="A domain outcome answered with a 4xx.",
        ),
        Valid(
            """
            from flask import Flask, request

            app = Flask(__name__)

            @app.post("/thumbnails")
            def thumbnail():
                try:
                    data = request.get_json()
                    source = data["source"]
                    height = int(data["height"])
                except Exception:
                    return "", 400
                return make_thumbnail(source, height)
            """,
            note="A broad `except` around parsing the request, answered with a 400: the client's input was wrong.",
        ),
        Valid(
            """
            from fastapi import APIRouter, HTTPException

            router = APIRouter()

            @router.get("/tasks/{task_id}")
            def task(task_id: str):
                try:
                    job = Job.fetch(task_id, connection=redis)
                except Exception as exc:
                    raise HTTPException(status_code=404, detail="no such task") from exc
                return {"status": job.get_status()}
            """,
            note="One lookup by the client's key answered with a 404: a miss, which logging every time would only flood.",
        ),
        Valid(
            """
            import json

            from rest_framework.exceptions import APIException

            class RecipeViewSet(viewsets.ModelViewSet):
                def get_queryset(self):
                    queryset = Recipe.objects.all()
                    ids = self.request.query_params.get("ids")
                    try:
                        queryset = queryset.filter(pk__in=json.loads(ids))
                    except ValueError:
                        raise APIException("ids must be a JSON list")
                    return queryset
            """,
            note="A parse error of a query parameter: the answer should be a 400 rather than APIException's 500, but there is nothing to log.",
        ),
        Valid(
            """
            import json
            import re

            from django.http import JsonResponse

            _CLOCK = re.compile(r"^(\\d+):([0-5]\\d)$")

            def _seconds(value):
                match = _CLOCK.match(value.strip())
                return int(match.group(1)) * 60 + int(match.group(2))

            def chapters(request, token):
                try:
                    items = json.loads(request.body).get("chapters")
                    if not isinstance(items, list):
                        return JsonResponse({"error": "chapters must be a list"}, status=400)
                    marks = [_seconds(item["start"]) for item in items]
                except Exception:
                    return JsonResponse({"error": "chapters must look like 12:30"}, status=400)
                return save_chapters(token, marks)
            """,
            note="Parsing through a helper of the same module, with an early 400 answer inside the `try`: still only the client's input can fail.",
        ),
        Valid(
            """
            from rest_framework import status
            from rest_framework.response import Response
            from rest_framework.views import APIView

            class PlaylistDetail(APIView):
                def get_playlist(self, token):
                    try:
                        playlist = Playlist.objects.get(friendly_token=token)
                        self.check_object_permissions(self.request, playlist)
                        return playlist
                    except BaseException:
                        return Response({"detail": "Playlist does not exist"}, status=status.HTTP_400_BAD_REQUEST)
            """,
            note="One object read by the client's key and its permissions checked, answered \"does not exist\": a miss.",
        ),
        Valid(
            """
            import flask
            import xmltodict

            @app.route("/autodiscover", methods=["POST"])
            def autodiscover():
                try:
                    xml = xmltodict.parse(flask.request.data.decode("utf-8"))
                    schema = xml["Autodiscover"]["Request"]["AcceptableResponseSchema"]
                    if not schema.startswith("http://schemas.example.com/"):
                        return flask.abort(404)
                    return flask.Response(f"<Response xmlns='{schema}'/>", mimetype="text/xml")
                except Exception:
                    return flask.abort(400)
            """,
            note="The `try` only parses the request's body and answers: what fails is the client's XML, answered 400.",
        ),
        Valid(
            """
            from flask import Flask, request

            from .crypto import decrypt

            app = Flask(__name__)

            @app.post("/addcrypted")
            def add_crypted():
                try:
                    links = decrypt(request.form["crypted"], request.form["key"])
                except UnicodeDecodeError:
                    return "Decrypted output is not valid UTF-8", 500
                return queue(links)
            """,
            note="Only a decoding error is caught: the data would not decode, and there is nothing to log "
                 "(500 is the wrong status, not a lost cause).",
        ),
        Valid(
            """
            from fastapi import APIRouter, HTTPException, Request

            router = APIRouter()

            @router.post("/rules/{rule_id}/tags")
            async def add_tags(rule_id: str, request: Request):
                try:
                    body = await request.json()
                    tags = [str(t) for t in body["tags"]]
                except Exception:
                    raise HTTPException(status_code=400, detail="Body must be JSON with a list of tags")
                return save_tags(rule_id, tags)
            """,
            note="The `try` reads the request's body and parses it: what fails is the client's input, answered 400.",
        ),
        Valid(
            """
            from shop.exceptions import CouponCreateError

            @app.post("/api/v1/coupons")
            def create_coupon():
                try:
                    coupon = coupon_plugins[request.json["type"]].create(request)
                except CouponCreateError as e:
                    return {"success": False, "errors": [str(e)]}, 500
                return {"success": True, "id": coupon.id}
            """,
            path="shop/api/coupons.py",
            note="The application's own exception, raised with a message for the caller, answered with that message: "
                 "the cause reaches whoever asked (a 500 is the wrong status, not a lost cause).",
        ),
        Valid(
            """
            import logging

            from fastapi import FastAPI, HTTPException, Request

            log = logging.getLogger(__name__)
            app = FastAPI()

            @app.middleware("http")
            async def log_requests(request: Request, call_next):
                response = await call_next(request)
                if response.status_code >= 500:
                    log.error("request failed", extra={"path": request.url.path, "body": await read_body(response)})
                return response

            @app.get("/oauth/start")
            async def start_oauth():
                try:
                    return await oauth.start_authorization()
                except ValueError as exc:
                    raise HTTPException(status_code=503, detail=str(exc))
            """,
            note="A request-logging middleware logs every 5xx response with its body, and the detail carries the "
                 "exception: the cause reaches the log.",
        ),
        Valid(
            """
            import requests
            from flask import abort

            @bp.route("/dataset/<id>/resource/<resource_id>/proxy")
            def proxy(id, resource_id):
                resource = get_action("resource_show")({"id": resource_id})
                url = resource["url"]
                try:
                    r = requests.get(url, timeout=10, stream=True)
                except requests.exceptions.ConnectionError as error:
                    return abort(502, description=f"Could not proxy resource: {error}")
                except requests.exceptions.Timeout:
                    return abort(504, description="Could not proxy resource: the connection timed out")
                return stream(r)
            """,
            note="A link taken from the data, fetched for the client: a dead remote is its owner's outage, answered as such.",
        ),
        Valid(
            """
            from fastapi.responses import JSONResponse
            from peewee import DoesNotExist

            @router.get("/{camera}/grid")
            def grid(camera: str):
                try:
                    grid = Regions.select(Regions.grid).where(Regions.camera == camera).get().grid
                except DoesNotExist:
                    return JSONResponse({"success": False, "message": "No region grid yet"}, status_code=500)
                return JSONResponse({"grid": grid})
            """,
            note="One row read, its absence caught by name: a miss, whatever status answers it.",
        ),
        Valid(
            """
            import logging
            from fastapi import FastAPI, HTTPException, Request
            from fastapi.responses import JSONResponse

            app = FastAPI()
            _error_logger = logging.getLogger("app.errors")

            def http_exception_handler(request: Request, exc: HTTPException) -> JSONResponse:
                if exc.status_code >= 500:
                    _error_logger.error("%s - HTTPException %d: %s", request.url.path, exc.status_code, exc.detail)
                return JSONResponse({"detail": exc.detail}, status_code=exc.status_code)

            app.add_exception_handler(HTTPException, http_exception_handler)

            @app.post("/imports")
            async def start_import(db=Depends(get_db)):
                try:
                    return await imports.start(db)
                except OperationalError as e:
                    raise HTTPException(status_code=503, detail=f"The database is unavailable: {e}") from e
            """,
            note="The HTTPException handler the project registers logs every 5xx detail, which carries the cause, "
            "whatever its logger is called.",
        ),
        Valid(
            """
            from rest_framework.response import Response
            from rest_framework.views import APIView

            class ProviderNotSupports(Exception):
                pass

            class PhoneProvider:
                def make_call(self, number, message):
                    raise ProviderNotSupports

            class TestCall(APIView):
                def post(self, request):
                    try:
                        provider.make_call(request.user.phone, "test")
                    except ProviderNotSupports:
                        return Response("The phone provider cannot make calls", status=500)
                    return Response(status=200)

            def translate(request):
                try:
                    return run(request.json)
                except Exception as e:
                    raise e
                    return {"error": str(e)}, 500
            """,
            note="An exception of the application raised without a message or data, answered with a text naming "
            "it, carries nothing to log; an answer after `raise e` is never made (the framework logs the raise).",
        ),
    ]

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        fn = self.ctx.function()
        if fn is not None and (routes.error_handler_parameter(fn, self.ctx.project.catch_all_handlers) is not None or fn.name.value in _ERROR_VIEWS):
            return  # the framework logged the original error before calling its error view
        if routes.health_check(fn, self.ctx.enclosing_class()) or any(
                isinstance(outer, cst.FunctionDef) and outer is not fn and routes.health_check(outer) for outer in self.ctx.ancestors()):
            return  # a health check (or a check nested in one) answers "unhealthy"; the monitoring that calls it records it
        # (by the name the class was defined with: `except HttpException as ...` imported `as SkyvernHttpException`)
        caught = [(self.ctx.imports.qualify(t) or dotted(t) or "").rsplit(".", 1)[-1] for t in errors.caught_types(node)]
        if any(name in ("ImportError", "ModuleNotFoundError") for name in caught):
            return  # an optional dependency that is not installed: an expected, explained outcome
        if caught and all(self.ctx.project.logs_before_raising(name) for name in caught):
            return  # the project logs the cause wherever it raises these
        in_handler = routes.route_of(self.ctx, fn) is not None
        sites = responses.error_responses(self.ctx, node.body, in_handler=in_handler) or self._answer_after_try(node, in_handler)
        if not sites or errors.logs(self.ctx, node.body) or _records_cause(node):
            return
        broad = errors.is_broad(self.ctx, node)
        if not broad and caught and self._unreachable(node, caught):
            return  # `except BusinessException:` around calls none of which raises it: the clause never runs
        narrowed = _narrowed_types(self.ctx, node, sites) if broad else None
        if narrowed is not None:
            # `except Exception as exc: if isinstance(exc, (NotAuthenticated, PermissionDenied)): raise
            # PermissionDenied()` / `else: raise`: what answers is the branch, for those kinds only
            broad = False
            caught = [(self.ctx.imports.qualify(t) or dotted(t) or "").rsplit(".", 1)[-1] for t in narrowed]
        worst = max(sites, key=lambda s: s.status or 0)
        if worst.status == 501 and (caught == ["NotImplementedError"] or not broad):
            return  # "not supported here": the capability's answer, 501 Not Implemented, not a lost error
        if all(s.raised for s in sites) and routes.http_middleware(fn):
            return  # raised in `@app.middleware("http")`: past the exception handlers, the server error middleware logs it
        if all(s.raised for s in sites) and routes.background_task(fn):
            return  # raised in a worker's task or workflow step: the worker logs it, no client is answered
        status = worst.status
        if worst.logged:
            return  # Tornado logs an HTTPError's log message with the request
        if not ((status is not None and status >= 500) or broad):
            return
        if status is not None and status < 500 and _carries(node, worst):
            return  # a 4xx that tells the client what was wrong with its input
        if caught and all(name in _DECODING_ERRORS for name in caught) and not self._fetches(node):
            return  # only bytes or text that would not decode, and nothing fetched: the data in hand is bad
        if self._receives_request_only():
            return  # `data = await request.body()`: only the client's disconnect fails there; no cause of ours to log
        if (not broad or (status is not None and status < 500) or self._parses_request_values()) and self._parses_only(node):
            # Parsing the client's input failed: there is nothing to log (a 500 here is the wrong
            # status, not a lost cause).
            return
        if status is not None and 400 <= status < 500 and fn is not None and self._validates(fn) and not self._fetches(node):
            return  # a serializer's or form's `validate_*`/`clean_*`, a validator, saying the value is invalid: its job
        if status in (401, 403, 404, 410) and self._single_lookup(node):
            return  # `try: job = Job.fetch(job_id) except Exception: raise 404`: a miss, by the author's account
        if status is not None and 400 <= status < 500 and _says_missing(worst) and self._reads_one_object():
            return  # one object read (and its permissions checked), answered "does not exist": a miss
        if self._fetches_data_url(node):
            return  # a dead link taken from the data (a proxy): the remote's outage, answered as such
        if errors.handler_kind(self.ctx, node) is errors.ExcKind.NOT_FOUND and self._reads_one_object():
            return  # `except Region.DoesNotExist` around one read: a miss, whatever status answers it
        if caught and set(caught) <= {"ValueError", "TypeError"} and self._converts() and self._reads_one_object():
            return  # `Lease.objects.get(pk=int(params.get("lease")))` / `except ValueError`: the client's id would not convert
        if status in (401, 403) and self._checks_credentials():
            return  # a bad or expired token: the expected outcome of checking one, not an error to log
        if caught and not any(_unreachable_remote(name) for name in caught) and _relays_errors(node) and _carries(node, worst):
            return  # `except StoreApiResponseErrorList as e:` answered with the API's own `e.errors`: the caller sees why
        if all(s.raised for s in sites) and status is not None and str(status) in self.ctx.project.reported_statuses:
            return  # `abort(502, str(err))` with an `@app.errorhandler(502)` that reports it to Sentry (or logs it)
        if worst.raised and (status is None or status >= 500) and (self._restful_resource() or self._restful_abort(worst)
                                                                   or self._wsme_controller()):
            return  # Flask-RESTful/RESTX (Api.handle_error) and WSME (format_exception) log every exception that ends in a 5xx
        if not broad and status not in (502, 503, 504) and _carries(node, worst) and self._own_signals_only(node):
            return  # the application's own signal (`ChallengeCreateException("Missing value")`), its message answered
        if not broad and status not in (502, 503, 504) and self._own_signals_only(node) \
                and all(self.ctx.project.payload_free(name) for name in caught):
            return  # `raise ProviderNotSupports` (no message, no data) answered with a text naming it: nothing to log
        if self._builds_queries_only():
            return  # `try: models = AiModel.select()`: a query built, not run; it runs (and fails) after the `try`
        if self._calls_self_logging_only():
            return  # `try: return Service.create(...)`, whose broad handler logs (and re-raises): already in the log
        if all(s.raised for s in sites) and self._logged_on_the_way_out(node):
            return  # raised inside a `try` whose broad handler logs and re-raises: it is logged on the way out
        if _after_leaving(node, worst.node):
            return  # after `raise e` in the same block: the answer is never made (the framework logs the raise)
        if worst.raised and _carries(node, worst) and self.ctx.project.logs_http_exceptions():
            return  # the project's HTTPException handler logs the detail, which carries the cause
        if worst.raised and self.ctx.project.tornado_errors_logged and self._tornado_error(worst):
            return  # Tornado's `HTTPError`, which the project's `write_error` logs with the exception it came from
        what = "every exception (`except:`)" if node.type is None else f"`{self.ctx.code(node.type)}`"
        response = f"a {status} response" if status else "an error response"
        self.report(worst.node, what=what, response=response)

    def _answer_after_try(self, handler: cst.ExceptHandler, in_handler: bool) -> list[responses.ResponseSite]:
        """The 5xx answer the `except` leads to when it only fills it in and falls through
        (`res["message"] = "An error occurred"`, then `return make_response(res, 500)` right after the
        `try`): the statement after the `try`, when it returns a server error."""
        if any(isinstance(n, (cst.Return, cst.Raise, cst.Continue, cst.Break)) for n in iter_descendants(handler.body, into_scopes=False)):
            return []
        stack = self.ctx.stack
        at = next((i for i in range(len(stack) - 1, 0, -1) if isinstance(stack[i], (cst.Try, cst.TryStar))), None)
        if at is None or any(isinstance(n, cst.ExceptHandler) for n in stack[:at]):
            return []  # (a best-effort step inside another `except`, which answers for the error it handles)
        following = sibling(stack, at, 1)
        if not (isinstance(following, cst.SimpleStatementLine) and isinstance(following.body[0], cst.Return)):
            return []
        ret = following.body[0]
        site = responses.response_of_call(self.ctx, ret.value) if isinstance(ret.value, cst.Call) else None
        site = site or (responses.response_of_return(ret) if in_handler else None)
        return [site] if site is not None and site.status is not None and site.status >= 500 else []

    def _builds_queries_only(self) -> bool:
        """The `try` only assigns queries it builds and does not run (`models = AiModel.select()`)."""
        body = self._tried()
        stmts = body.body if isinstance(body, cst.IndentedBlock) else ()
        return bool(stmts) and all(
            isinstance(stmt, cst.SimpleStatementLine) and all(
                isinstance(small, cst.Assign) and database.lazy_query(small.value) for small in stmt.body)
            for stmt in stmts
        )

    def _calls_self_logging_only(self) -> bool:
        """The `try` calls one of the project's functions that log whatever fails in them (they
        log and re-raise, `ProjectFacts.logging_reraisers`, or their whole body is one logging
        `try`, `ProjectFacts.logged_throughout`), by name, in a statement of its own; the rest of
        the `try` only parses and answers (`return Response(json.dumps(result), status=200)`)."""
        body = self._tried()
        stmts = body.body if isinstance(body, cst.IndentedBlock) else ()
        logged = self.ctx.project.logging_reraisers | self.ctx.project.logged_throughout
        calling = [stmt for stmt in stmts if _called_by(stmt) in logged]
        return len(calling) == 1 and all(stmt is calling[0] or errors.parses_only(stmt) for stmt in stmts)

    def _logged_on_the_way_out(self, handler: cst.ExceptHandler) -> bool:
        """The handler lies in the body of an enclosing `try` (in the same function) with a broad
        `except` that logs and re-raises."""
        stack = self.ctx.stack
        for i in range(len(stack) - 2, -1, -1):
            node = stack[i]
            if isinstance(node, (cst.FunctionDef, cst.Lambda, cst.ClassDef)):
                return False
            if isinstance(node, cst.Try) and stack[i + 1] is node.body:
                for outer in node.handlers:
                    if errors.is_broad(self.ctx, outer) and errors.logs(self.ctx, outer.body) and any(
                        isinstance(n, cst.Raise) and n.exc is None for n in iter_descendants(outer.body, into_scopes=False)
                    ):
                        return True
        return False

    def _fetches_data_url(self, handler: cst.ExceptHandler) -> bool:
        """The `except` names only connection failures and timeouts, and the `try` fetches a URL
        taken from the request or from loaded records (`url = resource["url"]`, `f"{integration.server_url}/albums"`
        with the user's integration row), not one built from literals, settings, parameters or the object's
        own attributes (`self.base_url`): the service's own dependencies are not involved."""
        caught = [(dotted(t) or "").rsplit(".", 1)[-1] for t in errors.caught_types(handler)]
        body = self._tried()
        if not caught or not all(name in _NETWORK_FAILURES for name in caught) or body is None:
            return False
        env = Env.here(self.ctx)
        origins = Origins(self.ctx)
        fetched = False
        for call in errors.calls(body):
            qualified = self.ctx.imports.qualify(call.func) or ""
            if not (qualified.startswith(("requests.", "httpx.")) and call_name(call) in _FETCHES) or not call.args:
                continue
            found = origins.of(call.args[0].value, env)
            kinds = {o.kind for o in found}
            if not kinds or not kinds <= {Kind.REQUEST, Kind.CALL, Kind.UNKNOWN, Kind.ATTRIBUTE} \
                    or any(o.kind is Kind.ATTRIBUTE and o.what.startswith(("`self.", "`cls.")) for o in found):
                return False
            fetched = True
        return fetched

    def _own_signals_only(self, handler: cst.ExceptHandler) -> bool:
        """Every caught type is an exception class the application defines (in this module, or
        imported relatively or from a package on this file's path): one it raises on purpose
        with a message for whoever made the request. Builtins, drivers', the network's and other
        libraries' exceptions are not."""
        types = errors.caught_types(handler)
        packages = set(self.ctx.path.split("/")[:-1])
        classes = self.ctx.module_scope().classes

        def own(expr: cst.BaseExpression) -> bool:
            name = dotted(expr) or ""
            qualified = self.ctx.imports.qualify(expr)
            if qualified is None:
                return name in classes
            return qualified.startswith(".") or qualified.split(".", 1)[0] in packages

        return bool(types) and all(errors.type_kind(self.ctx, t) is errors.ExcKind.DOMAIN and own(t) for t in types)

    def _tornado_error(self, site: responses.ResponseSite) -> bool:
        """A raise of Tornado's `HTTPError` (`raise HTTPError(500, reason=...)`)."""
        call = site.node
        return isinstance(call, cst.Call) and (self.ctx.imports.qualify(call.func) or "").startswith("tornado.")

    def _restful_resource(self) -> bool:
        """Inside a Flask-RESTful or Flask-RESTX `Resource` class, or one deriving from the
        project's own base of them (`class TopicAPI(API)` with `class API(Resource)`)."""
        cls = self.ctx.enclosing_class()
        if cls is None:
            return False
        bases = [(dotted(b.value) or "").rsplit(".", 1)[-1] for b in cls.bases]
        if any(base in self.ctx.project.restful_resources for base in bases):
            return True
        return self.ctx.imports.imports_any(["flask_restful", "flask_restx", "flask_restplus"]) and any(base.endswith("Resource") for base in bases)

    def _wsme_controller(self) -> bool:
        """Inside a class whose endpoints WSME exposes (`@wsme_pecan.wsexpose(...)`, `@wsexpose`):
        WSME's `format_exception` logs every server-side error with its traceback."""
        cls = self.ctx.enclosing_class()
        if cls is None or "wsexpose" not in self.ctx.text or not self.ctx.imports.imports_any(["wsmeext", "wsme"]):
            return False
        return any(isinstance(stmt, cst.FunctionDef) and any((dotted(t) or "").rsplit(".", 1)[-1] == "wsexpose" for t in decorator_targets(stmt))
                   for stmt in cls.body.body)

    def _fetches(self, handler: cst.ExceptHandler) -> bool:
        """Whether the `try` calls an HTTP client or a database: what fails to decode there is an
        upstream's answer (an HTML error page where JSON was due), not the data in hand."""
        body = self._tried()
        return body is not None and any(
            database.network_call(self.ctx, c) or database.data_op(self.ctx, c) is not None for c in errors.calls(body))

    def _restful_abort(self, site: responses.ResponseSite) -> bool:
        """`abort(503, message=...)` with Flask-RESTful's `abort`, also re-exported by a module of the
        project (`from endpoints.api import abort`): an API resource's answer, logged by `Api.handle_error`."""
        call = site.node
        return isinstance(call, cst.Call) and project.restful_abort(self.ctx.project, self.ctx.imports.qualify(call.func) or "")

    def _unreachable(self, handler: cst.ExceptHandler, caught: list[str]) -> bool:
        """Whether the clause catches only the project's own exception classes, none of which any
        call of its `try` can raise (see `ProjectFacts.never_raised_by`): a clause copied onto a
        `try` of plain reads and writes. Not when the `try` raises by itself."""
        body = self._tried()
        if body is None or any(isinstance(n, cst.Raise) for n in iter_descendants(body)):
            return False
        for t in errors.caught_types(handler):
            qualified = self.ctx.imports.qualify(t) or dotted(t) or ""
            if self.ctx.project.from_library(qualified):
                return False  # (`marshmallow.ValidationError`: a library's, whatever the project names its own)
        # (every name the `try` mentions: `sync_to_async(get_count)(...)` calls `get_count` too)
        called = {n.value for n in iter_descendants(body) if isinstance(n, cst.Name)}
        return all(self.ctx.project.never_raised_by(name, called) for name in caught)

    def _tried(self) -> cst.BaseSuite | None:
        """The body of the `try` whose `except` clause is being visited."""
        node = self.ctx.parent()
        return node.body if isinstance(node, (cst.Try, cst.TryStar)) else None

    def _validates(self, fn: cst.FunctionDef) -> bool:
        """A serializer's or form's `validate`, `validate_<field>` or `clean_<field>` method, or the
        `__call__` of a validator class (`class JsonLogicValidator:`, passed in `validators=[...]`)."""
        if _VALIDATOR.match(fn.name.value):
            return True
        cls = self.ctx.enclosing_class()
        return fn.name.value == "__call__" and cls is not None and cls.name.value.endswith("Validator")

    def _receives_request_only(self) -> bool:
        """A `try` whose statements only receive the request's body (`data = await request.body()`)."""
        body = self._tried()
        if not isinstance(body, cst.IndentedBlock) or not body.body:
            return False
        for statement in body.body:
            small = statement.body[0] if isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1 else None
            value = small.value if isinstance(small, (cst.Assign, cst.Expr)) else None
            if not (isinstance(value, cst.Await) and errors.reads_request_body(value.expression)):
                return False
        return True

    def _single_lookup(self, handler: cst.ExceptHandler) -> bool:
        """A `try` of one statement that makes one call besides parsing (`Model.get(id)`), perhaps
        followed by assertions about what it returned (`assert found`)."""
        body = self._tried()
        if not isinstance(body, cst.IndentedBlock) or len(body.body) - sum(map(_asserts, body.body[1:])) != 1:
            return False
        work = [c for c in errors.calls(body) if (call_name(c) or "") not in errors.PARSERS]
        return len(work) == 1

    def _reads_one_object(self) -> bool:
        """A `try` that reads one object from the database (or several parts of it through getters
        given the same key) and otherwise only checks it (`check_object_permissions`,
        `has_access(...)`) or answers: no write, no other query."""
        body = self._tried()
        if body is None:
            return False
        calls = list(errors.calls(body))
        inner = {id(link) for c in calls for link in database.chain_calls(c)[1:]}
        reads = 0
        keys: list[str] = []  # what the getters were given: `get_workflow(name)` and `get_graph(name)` read one object
        for call in calls:
            if id(call) in inner:
                continue  # a link of a chain: `Media.objects.select_related(...)` in `....get(token=t)`
            if _model_read(call):
                reads += 1  # `Regions.select(...).where(...).get()` (peewee and alike): one row read
                continue
            op = database.data_op(self.ctx, call)
            name = call_name(call) or ""
            if op is not None:
                if op.kind is not OpKind.QUERY:
                    return False
                reads += 1
                if _GETTER.match(name) and call.args:
                    keys.append(self._key_of(call))
                continue
            if _GETTER.match(name) and call.args:
                reads += 1  # `tasks_service.get_task_status(task_id)`: a getter of one object by its key
                keys.append(self._key_of(call))
                continue
            if not (_CHECK.search(name) or name in errors.PARSERS or name.endswith("Response")):
                return False
        return reads == 1 or (reads == len(keys) and len(set(keys)) == 1)

    def _key_of(self, call: cst.Call) -> str:
        """The arguments a getter was given, as written (`image_name`, `pk=pk`)."""
        return ",".join((f"{a.keyword.value}=" if a.keyword is not None else "") + self.ctx.code(a.value) for a in call.args)

    def _checks_credentials(self) -> bool:
        """A `try` that starts by verifying the credentials the request carries (`jwt_required()`,
        `jwt.decode(token, ...)`): a bad or expired token is its expected outcome."""
        body = self._tried()
        first = body.body[0] if isinstance(body, cst.IndentedBlock) and body.body else None
        return first is not None and any(
            (call_name(c) or "") in _CREDENTIAL_CHECKS or (dotted(c.func) or "") == "jwt.decode" for c in errors.calls(first)
        )

    def _converts(self) -> bool:
        """The `try` converts a value (`int(...)`, `float(...)`, `Decimal(...)`, `UUID(...)`)."""
        body = self._tried()
        return body is not None and any(isinstance(n, cst.Call) and call_name(n) in ("int", "float", "Decimal", "UUID")
                                        for n in iter_descendants(body))

    def _parses_only(self, handler: cst.ExceptHandler) -> bool:
        """A `try` that only parses request values (uploaded files read included): its failure
        is the client's input."""
        body = self._tried()
        return body is not None and errors.parses_only(body, self.ctx.module_scope().functions, self._uploads())

    def _parses_request_values(self) -> bool:
        """Every call in the `try` reads the request or converts what it read (`float(request.args.get(
        "minDuration")) if request.args.get("minDuration") else None`): only the client's input fails
        there, whatever the handler catches and answers."""
        body = self._tried()
        if body is None:
            return False
        calls = [n for n in iter_descendants(body) if isinstance(n, cst.Call)]
        reads = [c for c in calls if request_data.request_source(self.ctx, c) is not None]
        return bool(reads) and all(
            c in reads or all(request_data.request_source(self.ctx, a.value) is not None
                              or isinstance(a.value, (cst.SimpleString, cst.Integer, cst.Float)) for a in c.args)
            for c in calls)

    def _uploads(self) -> frozenset[str]:
        """Names the enclosing loops bind to the request's uploaded files (`for f in
        request.files.values():`)."""
        names = set()
        for node in self.ctx.ancestors():
            if isinstance(node, cst.For) and isinstance(node.target, cst.Name):
                source = request_data.request_source(self.ctx, node.iter)
                if source is not None and source.rsplit(".", 1)[-1] in ("files", "FILES"):
                    names.add(node.target.value)
        return frozenset(names)


_NETWORK_FAILURES = frozenset({"ConnectionError", "Timeout", "ConnectTimeout", "ReadTimeout", "ConnectError", "TimeoutException",
                               "TooManyRedirects", "SSLError", "ProxyError"})
_FETCHES = frozenset({"get", "head", "post", "request", "stream"})


_DECODING_ERRORS = frozenset({"UnicodeDecodeError", "UnicodeError", "JSONDecodeError"})


_VALIDATOR = re.compile(r"^(?:validate|clean)(?:_\w+)?$")
"""DRF serializer and Django form validation methods: `validate`, `validate_<field>`, `clean_<field>`."""


def _asserts(statement: cst.BaseStatement) -> bool:
    """`assert found`: a check of what the `try` obtained."""
    return isinstance(statement, cst.SimpleStatementLine) and all(isinstance(s, cst.Assert) for s in statement.body)


def _model_read(call: cst.Call) -> bool:
    """`Model.select(...).where(...).get()`: a chain on a class that ends by reading one row."""
    if not (isinstance(call.func, cst.Attribute) and call.func.attr.value in ("get", "first", "one", "get_or_none", "one_or_none")):
        return False
    return len(database.chain_calls(call)) > 1 and (dotted(database.chain_root(call)) or "")[:1].isupper()


_GETTER = re.compile(r"(get|find|fetch|load|lookup)_\w+$")
_CREDENTIAL_CHECKS = frozenset({"jwt_required", "jwt_optional", "fresh_jwt_required", "verify_jwt_in_request", "decode_token",
                                "verify_token", "verify_jwt", "check_token", "validate_token", "userinfo", "introspect",
                                "introspect_token"})
"""(`keycloak_openid.userinfo(access_token)`, `introspect(token)`: the identity provider asked about
the request's token.)"""
_CHECK = re.compile(r"^(check_|has_|is_|can_)|permission")
_MISSING = re.compile(r"does ?n[o']t exist|not exist|not found|no such|unknown|\bno\b[\w ]{0,40}\bfound\b", re.I)


def _says_missing(site: responses.ResponseSite) -> bool:
    """The answer says the thing asked for is not there: in its text, or by a bare 404 or 410,
    whose default text is "Not Found"."""
    if site.status in (404, 410) and not site.bodies:
        return True
    return any(
        _MISSING.search(text)
        for body in site.bodies
        for n in [body, *iter_descendants(body)]
        if (text := string_value(n) if not isinstance(n, cst.FormattedString) else "".join(
            p.value for p in n.parts if isinstance(p, cst.FormattedStringText))) is not None
    )  # (`f"No Package Set found for {uuid}"`: the literal parts of an f-string)


def _after_leaving(handler: cst.ExceptHandler, answer: cst.CSTNode) -> bool:
    """Whether the answer comes after a statement of the handler's body that always leaves
    (`raise e`, `return ...`): unreachable code."""
    body = handler.body.body if isinstance(handler.body, cst.IndentedBlock) else ()
    for stmt in body:
        if contains(stmt, answer):
            return False
        if isinstance(stmt, cst.SimpleStatementLine) and any(isinstance(s, (cst.Raise, cst.Return)) for s in stmt.body):
            return True
    return False


def _narrowed_types(ctx: object, handler: cst.ExceptHandler, sites: list[responses.ResponseSite]) -> list[cst.BaseExpression] | None:
    """The exception types every error answer of a broad `except ... as exc` is narrowed to by an
    enclosing `if isinstance(exc, (A, B)):` in the handler (none of them broad), else None."""
    if handler.name is None or not isinstance(handler.name.name, cst.Name):
        return None
    name = handler.name.name.value
    types: list[cst.BaseExpression] = []

    def under(block: cst.CSTNode, node: cst.CSTNode) -> bool:
        return any(n is node for n in iter_descendants(block, into_scopes=False))

    for site in sites:
        branch = next((n for n in iter_descendants(handler.body, into_scopes=False)
                       if isinstance(n, cst.If) and under(n.body, site.node) and errors.isinstance_of(n.test, name) is not None), None)
        if branch is None:
            return None
        tested = errors.isinstance_of(branch.test, name)
        elements = [e.value for e in tested.elements] if isinstance(tested, (cst.Tuple, cst.List)) else [tested]  # type: ignore[union-attr]
        if any(errors.type_kind(ctx, t) is errors.ExcKind.BROAD for t in elements):  # type: ignore[arg-type]
            return None
        types.extend(elements)  # type: ignore[arg-type]
    return types or None


def _unreachable_remote(name: str) -> bool:
    """An exception for a remote that could not be reached or understood (`ApiTimeoutError`,
    `StoreApiConnectionError`, `ApiResponseDecodeError`), not one it answered with."""
    return bool(set(name_parts(name)) & {"timeout", "connection", "connect", "decode", "ssl", "proxy", "network", "unavailable"})


def _relays_errors(handler: cst.ExceptHandler) -> bool:
    """The handler reads the caught exception's `errors` (`[e["message"] for e in error_list.errors]`):
    the list of errors a remote API answered with, which an API client's exception holds; answered
    to the caller, it tells why, and the remote that refused recorded its refusal."""
    if handler.name is None or not isinstance(handler.name.name, cst.Name):
        return False
    name = handler.name.name.value
    nodes = list(iter_descendants(handler.body, into_scopes=False))
    called = {id(n.func) for n in nodes if isinstance(n, cst.Call)}  # (not pydantic's `e.errors()`: a model's own validation)
    return any(isinstance(n, cst.Attribute) and n.attr.value == "errors" and isinstance(n.value, cst.Name) and n.value.value == name
               and id(n) not in called for n in nodes)


def _carries(handler: cst.ExceptHandler, site: responses.ResponseSite) -> bool:
    """Whether the response's body uses the caught exception, directly or through a name the
    handler assigned from it (`msg = exc.error["message"]`)."""
    if handler.name is None or not isinstance(handler.name.name, cst.Name):
        return False
    carriers = {handler.name.name.value}
    for node in iter_descendants(handler.body, into_scopes=False):
        if isinstance(node, cst.Assign) and _uses(node.value, carriers):
            for t in node.targets:
                target = t.target
                while isinstance(target, (cst.Subscript, cst.Attribute)):
                    target = target.value  # (`res["message"] = " ".join(messages)`: the answer `res` carries it)
                if isinstance(target, cst.Name):
                    carriers.add(target.value)
    return any(_uses(body, carriers) for body in site.bodies)


def _uses(expr: cst.CSTNode, names: set[str]) -> bool:
    return any(isinstance(n, cst.Name) and n.value in names for n in [expr, *iter_descendants(expr)])


def _records_cause(handler: cst.ExceptHandler) -> bool:
    """The handler stores the exception's text on a record it then saves (`activity.error_message =
    str(e)` then `activity.save()`, or a session's `commit()`): the cause is kept where the
    operators look, as a log line would keep it."""
    if handler.name is None or not isinstance(handler.name.name, cst.Name):
        return False
    stored = errors.failure_marks(handler, handler.name.name.value)
    saved = {dotted(n.func.value) or "" for n in iter_descendants(handler.body, into_scopes=False)
             if isinstance(n, cst.Call) and isinstance(n.func, cst.Attribute) and n.func.attr.value in ("save", "commit")}
    return bool(stored) and (bool(stored & saved) or any(s.rsplit(".", 1)[-1] in ("session", "db", "db_session") for s in saved))


def _called_by(stmt: cst.CSTNode) -> str | None:
    """The name of the call a one-line statement is, binds or returns (`await` or not), when no
    argument of it is itself a call (`return Service.create(service=service)`)."""
    if not (isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1):
        return None
    small = stmt.body[0]
    value = small.value if isinstance(small, (cst.Return, cst.Assign, cst.Expr)) else None
    if isinstance(value, cst.Await):
        value = value.expression
    if not isinstance(value, cst.Call) or any(isinstance(a.value, cst.Call) for a in value.args):
        return None
    return call_name(value)
