"""What becomes an HTTP response: response builders, error responses and handler return values,
with the status code where the code shows it.

* Flask / Werkzeug: `jsonify()`, `make_response(body, status)`, `Response(body, status=)`,
  `abort(status, description=)`, `werkzeug.exceptions.*(description)`, and `return body, status`
  from a route handler.
* FastAPI / Starlette: `JSONResponse(content, status_code=)` and its siblings,
  `HTTPException(status_code, detail=)`, and handler return values.
* Django / DRF: `HttpResponse` and `JsonResponse` families, DRF `Response(data, status=)` and
  DRF's API exceptions (`ValidationError`, `APIException`, `NotFound`...).
* aiohttp: `web.json_response(data, status=)`, `web.Response(text=, status=)`,
  `web.HTTP*(text=, reason=)`.
"""

from __future__ import annotations

import http
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import libcst as cst

from backlint.frameworks.imports import dotted
from backlint.syntax import argument, string_value

if TYPE_CHECKING:
    from backlint.analysis import FileContext


@dataclass(frozen=True)
class ResponseSite:
    node: cst.CSTNode
    """The call (or return statement) that makes the response."""
    bodies: tuple[cst.BaseExpression, ...]
    """Expressions whose value ends up in the body sent to the client."""
    status: int | None
    label: str
    """How to name it in a message: "`jsonify()`", "`HTTPException(detail=...)`"."""
    raised: bool = False
    """An exception class (raised, or abort()): the response replaces the handler's."""
    logged: bool = False
    """The framework logs it, with the request (Tornado logs an `HTTPError`'s log message)."""


_JSON_RESPONSES = frozenset({"JSONResponse", "ORJSONResponse", "UJSONResponse", "HTMLResponse", "PlainTextResponse",
                             "StreamingResponse", "RedirectResponse"})
_DJANGO_STATUS = {
    "HttpResponse": None, "JsonResponse": None, "HttpResponseBadRequest": 400, "HttpResponseNotFound": 404,
    "HttpResponseForbidden": 403, "HttpResponseNotAllowed": 405, "HttpResponseGone": 410,
    "HttpResponseServerError": 500, "StreamingHttpResponse": None,
}
_DRF_EXCEPTIONS = {
    "ValidationError": 400, "ParseError": 400, "AuthenticationFailed": 401, "NotAuthenticated": 401,
    "PermissionDenied": 403, "NotFound": 404, "MethodNotAllowed": 405, "NotAcceptable": 406,
    "UnsupportedMediaType": 415, "Throttled": 429, "APIException": 500,
}
_WERKZEUG_EXCEPTIONS = {
    "BadRequest": 400, "Unauthorized": 401, "Forbidden": 403, "NotFound": 404, "Conflict": 409,
    "UnprocessableEntity": 422, "InternalServerError": 500, "ServiceUnavailable": 503,
}
_STATUS_NAME = re.compile(r"HTTP_(\d{3})")


def status_value(expr: cst.BaseExpression | None) -> int | None:
    """An HTTP status code written as `500`, `status.HTTP_500_...`, `HTTPStatus.NOT_FOUND` or a
    constant of `http.client` (`NOT_FOUND`, imported as `HTTP_NOT_FOUND` or not)."""
    if expr is None:
        return None
    if isinstance(expr, cst.Integer):
        try:
            return int(expr.value)
        except ValueError:
            return None
    name = dotted(expr)
    if name is None:
        return None
    m = _STATUS_NAME.search(name)
    if m:
        return int(m.group(1))
    last = name.rsplit(".", 1)[-1]
    if "HTTPStatus" in name and last in http.HTTPStatus.__members__:
        return int(http.HTTPStatus[last].value)
    phrase = last[5:] if last.startswith("HTTP_") else last
    phrase = phrase[12:] if phrase.startswith("STATUS_CODE_") else phrase  # `HTTP_STATUS_CODE_BAD_REQUEST`, a project's own
    if phrase.isupper() and phrase in http.HTTPStatus.__members__:
        return int(http.HTTPStatus[phrase].value)  # `http.client.NOT_FOUND`, `BAD_REQUEST as HTTP_BAD_REQUEST`
    return None


def _aiohttp_status(name: str) -> int | None:
    """web.HTTPNotFound -> 404, from the class names aiohttp uses."""
    words = re.findall(r"[A-Z][a-z]+", name[4:]) if name.startswith("HTTP") else []
    phrase = "_".join(w.upper() for w in words)
    for status in http.HTTPStatus:
        if status.name == phrase:
            return int(status.value)
    return None


def response_of_call(ctx: FileContext, call: cst.Call) -> ResponseSite | None:
    """The response a call builds (or raises), if it is a response builder."""
    func = call.func
    name = dotted(func)
    if name is None:
        return None
    last = name.rsplit(".", 1)[-1]
    qualified = ctx.imports.qualify(func) or ""
    args = [a.value for a in call.args if a.keyword is None and not a.star]
    if last == "jsonify":
        return ResponseSite(call, tuple(a.value for a in call.args), None, "`jsonify()`")
    if last == "make_response":
        return ResponseSite(call, tuple(args[:1]), status_value(args[1]) if len(args) > 1 else None, "`make_response()`")
    if last == "json_response":
        body = argument(call, 0, "data")
        return ResponseSite(call, (body,) if body is not None else (), status_value(argument(call, -1, "status")), "`web.json_response()`")
    if last == "Response":
        body = argument(call, 0, "response", "content", "data", "text", "body")
        status = status_value(argument(call, 1, "status", "status_code"))
        if qualified.startswith("aiohttp") or name.startswith("web."):
            body = argument(call, -1, "text", "body")
            status = status_value(argument(call, -1, "status"))
        label = "DRF `Response()`" if qualified.startswith("rest_framework") else "`Response()`"
        return ResponseSite(call, (body,) if body is not None else (), status, label)
    if last in _JSON_RESPONSES:
        body = argument(call, 0, "content")
        return ResponseSite(call, (body,) if body is not None else (), status_value(argument(call, 1, "status_code")), f"`{last}()`")
    if last in _DJANGO_STATUS and (qualified.startswith("django") or ctx.imports.imports_any(["django"])):
        body = argument(call, 0, "content", "data")
        status = _DJANGO_STATUS[last] or status_value(argument(call, -1, "status"))
        return ResponseSite(call, (body,) if body is not None else (), status, f"`{last}()`")
    if last == "HTTPException":
        fastapi_style = qualified.startswith(("fastapi", "starlette")) or (
            not qualified.startswith("werkzeug") and ctx.imports.imports_any(["fastapi", "starlette"])
        )
        if not fastapi_style:  # werkzeug's HTTPException(description=...)
            body = argument(call, 0, "description")
            return ResponseSite(call, (body,) if body is not None else (), None, "`HTTPException(description=...)`", raised=True)
        detail = argument(call, 1, "detail")
        status = status_value(argument(call, 0, "status_code"))
        return ResponseSite(call, (detail,) if detail is not None else (), status, "`HTTPException(detail=...)`", raised=True)
    if last == "abort":
        if not call.args or (args and string_value(args[0]) is not None):
            return None  # `route.abort()`, `route.abort("failed")`: not an HTTP answer (Flask's takes a status)
        if args and isinstance(args[0], cst.Call):
            inner = response_of_call(ctx, args[0])
            if inner is not None:
                return ResponseSite(call, inner.bodies, inner.status, inner.label, raised=True)
        body = argument(call, 1, "description", "message")
        status = status_value(argument(call, 0, "status", "code", "http_status_code"))
        return ResponseSite(call, (body,) if body is not None else (), status, "`abort()`", raised=True)
    if (last in _DRF_EXCEPTIONS and (qualified.startswith("rest_framework") or "serializers." in name or "exceptions." in name)):
        body = argument(call, 0, "detail")
        return ResponseSite(call, (body,) if body is not None else (), _DRF_EXCEPTIONS[last], f"DRF `{last}()`", raised=True)
    if last in _WERKZEUG_EXCEPTIONS and qualified.startswith("werkzeug"):
        body = argument(call, 0, "description")
        return ResponseSite(call, (body,) if body is not None else (), _WERKZEUG_EXCEPTIONS[last], f"`{last}()`", raised=True)
    if last == "HTTPError" and (qualified.startswith("tornado") or ctx.imports.imports_any(["tornado"])):
        # Tornado: `HTTPError(400, "bad timestamp %r", value)`. The log message goes to the log
        # (with the request), the client gets the status and `reason`.
        reason = argument(call, -1, "reason")
        logged = argument(call, 1, "log_message") is not None
        return ResponseSite(call, (reason,) if reason is not None else (), status_value(argument(call, 0, "status_code")),
                            "`HTTPError()`", raised=True, logged=logged)
    if last.startswith("HTTP") and (qualified.startswith("aiohttp") or name.startswith("web.")):
        bodies = tuple(v for v in (argument(call, -1, "text"), argument(call, -1, "reason"), argument(call, -1, "body")) if v is not None)
        return ResponseSite(call, bodies, _aiohttp_status(last), f"`web.{last}()`", raised=True)
    return None


def response_of_return(ret: cst.Return) -> ResponseSite | None:
    """The response a route handler's `return` makes: `return body` or `return body, status`."""
    value = ret.value
    if value is None:
        return None
    if isinstance(value, cst.Tuple) and len(value.elements) in (2, 3):
        body = value.elements[0].value
        status = status_value(value.elements[1].value)
        return ResponseSite(ret, (body,), status, "the handler's return value")
    return ResponseSite(ret, (value,), None, "the handler's return value")


def is_error_status(status: int | None) -> bool:
    return status is not None and status >= 400


def error_responses(ctx: FileContext, body: cst.CSTNode, *, in_handler: bool) -> list[ResponseSite]:
    """Error responses made in `body` (nested functions excluded): raised HTTP exceptions and
    `abort()`, response builders with a 4xx/5xx status, and, in a route handler,
    `return body, status` with such a status."""
    from backlint.syntax import iter_descendants

    found: list[ResponseSite] = []
    for node in iter_descendants(body, into_scopes=False):
        site: ResponseSite | None = None
        if isinstance(node, cst.Call):
            site = response_of_call(ctx, node)
            if site is not None and not (site.raised or is_error_status(site.status)):
                site = None
        elif isinstance(node, cst.Return) and in_handler:
            site = response_of_return(node)
            if site is not None and not is_error_status(site.status):
                site = None
        if site is not None:
            found.append(site)
    return found
