"""Where HTTP request data enters a function: the sources of taint for every rule.

Recognised without whole-file name resolution:

* Flask: the `flask.request` proxy however it was imported (`request.args`, `request.form`,
  `request.json`, `request.get_json()`, `request.values`, `request.data`, `request.cookies`,
  `request.headers`, `request.files`, `request.view_args`).
* Django / DRF: `request.GET`, `request.POST`, `request.data`, `request.query_params`,
  `request.body`, `request.COOKIES`, `request.META`, `request.FILES`, `request.headers`.
* Starlette / FastAPI: `request.query_params`, `request.path_params`, `await request.json()`,
  `await request.form()`, `await request.body()`.
* aiohttp: `request.match_info`, `request.query`, `request.rel_url.query`, `await request.post()`,
  `await request.json()`, `await request.text()`, `await request.read()`.

A name counts as a request object when it is the imported Flask proxy, or when it is called
`request` or `req` (the universal convention for the handler's request parameter) and the
attribute read is one of the request-data attributes above. Route parameters (FastAPI path and
query parameters, Flask view arguments) are request data too; the route model adds them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from backlint.frameworks.database import network_call
from backlint.frameworks.imports import dotted
from backlint.syntax import iter_descendants

if TYPE_CHECKING:
    from backlint.analysis import FileContext

REQUEST_NAMES = frozenset({"request", "req"})

# Attributes that carry client-controlled data, on any framework's request object.
DATA_ATTRIBUTES = frozenset(
    {
        # Flask / Werkzeug
        "args", "form", "json", "values", "data", "cookies", "headers", "files", "view_args",
        "get_json", "get_data", "stream", "authorization",
        # Django / DRF
        "GET", "POST", "body", "COOKIES", "META", "FILES", "query_params",
        # Starlette / FastAPI / aiohttp
        "path_params", "form", "match_info", "query", "post", "text", "read", "content",
        "rel_url", "query_string", "multipart",
    }
)


QUERY_STRING_ATTRIBUTES = frozenset({"args", "GET", "query_params", "query", "params"})
"""What holds a request's query-string arguments (Flask's `request.args`, Django's `request.GET`,
DRF's and Starlette's `query_params`, aiohttp's `query`): a list read from there is as long as the
URL the client wrote."""


METADATA_ATTRIBUTES = frozenset({"headers", "META", "cookies", "COOKIES", "authorization", "rel_url", "match_info",
                                 "path_params", "view_args", "FILES", "files"})
"""Request parts that are metadata, routing or uploads rather than submitted fields (for BL403:
an uploaded file is stored as a file, which is what it is for)."""


def _is_request_object(ctx: FileContext, expr: cst.BaseExpression) -> bool:
    if not isinstance(expr, cst.Name):
        # `self.request` in class-based views.
        return isinstance(expr, cst.Attribute) and expr.attr.value == "request" and isinstance(expr.value, cst.Name)
    qualified = ctx.imports.qualify(expr)
    if qualified is not None:
        return qualified in ("flask.request", "quart.request", "werkzeug.local.request")
    return expr.value in REQUEST_NAMES and not _outgoing_request(ctx, expr.value) and not _typed_as_other(ctx, expr.value)


_REQUEST_TYPES = frozenset({"Request", "HttpRequest", "WSGIRequest", "ASGIRequest", "BaseRequest", "HTTPConnection",
                            "HttpRequestType", "Any", "object"})
_FRAMEWORK_MODULES = ("starlette.", "fastapi.", "django.", "rest_framework.", "aiohttp.", "flask.", "werkzeug.", "pyramid.",
                      "sanic.", "quart.", "litestar.", "tornado.", "falcon.", "webob.")


def _typed_as_other(ctx: FileContext, name: str) -> bool:
    """`def add(httpreq: Request, request: AddTextRequest)`: a parameter of this name annotated
    with a type that is not a framework's request (a Pydantic body model) is not the request."""
    fn = ctx.function()
    if fn is None:
        return False
    param = next((p for p in (*fn.params.posonly_params, *fn.params.params, *fn.params.kwonly_params) if p.name.value == name), None)
    if param is None or param.annotation is None:
        return False
    annotation = param.annotation.annotation
    if isinstance(annotation, cst.Subscript):
        return False  # `Optional[Request]`, `Annotated[...]`: not worth unpicking
    short = dotted(annotation)
    if short is None:
        return False
    qualified = ctx.imports.qualify(annotation) or ""
    last = short.rsplit(".", 1)[-1]
    if last in _REQUEST_TYPES or last.endswith(_REQUEST_SUFFIXES) or qualified.startswith(_FRAMEWORK_MODULES):
        return False  # `HttpRequest`, a project's `AuthenticatedHttpRequest`
    return True


_REQUEST_SUFFIXES = ("HttpRequest", "WSGIRequest", "ASGIRequest", "BaseRequest", "HTTPRequest")
"""Subclasses of a framework's request keep its name at the end; a body model is only `...Request`."""


def _outgoing_request(ctx: FileContext, name: str) -> bool:
    """`request = requests.post(url, ...)`: in this function the name holds a request the code
    sent (or its response), not the one it is serving; it is not a parameter of the function."""
    fn = ctx.function()
    if fn is None:
        return False
    return bool(ctx.memo(("outgoing-request", id(fn), name), lambda: _binds_outgoing(ctx, fn, name)))


def _binds_outgoing(ctx: FileContext, fn: cst.FunctionDef, name: str) -> bool:
    if any(p.name.value == name for p in (*fn.params.posonly_params, *fn.params.params, *fn.params.kwonly_params)):
        return False
    for node in iter_descendants(fn.body, into_scopes=False):
        if isinstance(node, cst.Assign) and any(isinstance(t.target, cst.Name) and t.target.value == name for t in node.targets):
            if network_call(ctx, node.value.expression if isinstance(node.value, cst.Await) else node.value):
                return True
    return False


def request_source(ctx: FileContext, expr: cst.BaseExpression) -> str | None:
    """A short description (`request.args`) when `expr` reads request data, else None.

    `expr` may be the attribute itself, a subscript or call on it (`request.args["id"]`,
    `request.args.get("id")`, `request.get_json()`), or an await of such a call.
    """
    node: cst.BaseExpression = expr
    while True:
        if isinstance(node, cst.Await):
            node = node.expression
        elif isinstance(node, cst.Subscript):
            node = node.value
        elif isinstance(node, cst.Call):
            node = node.func
        elif isinstance(node, cst.Attribute):
            if node.attr.value in DATA_ATTRIBUTES and _is_request_object(ctx, node.value):
                return dotted(node) or "request data"
            node = node.value
        else:
            return None
