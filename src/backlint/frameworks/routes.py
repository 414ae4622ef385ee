"""Which functions are HTTP route handlers, for which methods and path, in every framework.

Computed once per file (memoised on the FileContext) from a statement-level walk, which never
looks inside expressions except the decorators and class bases it needs:

* Flask / Quart: `@app.route(path, methods=[...])`, `@bp.get(path)`...; `MethodView` classes.
* FastAPI: `@app.get(path)`, `@router.post(path)`, `@router.api_route(path, methods=[...])`.
* Starlette: `HTTPEndpoint` classes; `Route(path, endpoint)` and `app.add_route(...)` registrations.
* aiohttp: `@routes.get(path)` on a `RouteTableDef`, `web.View` classes, `router.add_get(...)`.
* Django / DRF: `@api_view([...])`, `@require_http_methods([...])`, class-based views (`View`,
  `APIView`, generic views and viewsets, also through a base class defined in the same file).

Calls that register a function by reference (`add_url_rule`, `add_api_route`, `router.add_get`,
`Route(...)`) are looked for only when the file's text mentions them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterator, Sequence

import libcst as cst

from backlint.frameworks.imports import dotted
from backlint.frameworks.project import function_node
from backlint.frameworks.responses import status_value
from backlint.syntax import argument, call_name, decorator_targets, iter_descendants, keyword_arg, name_parts, statement_call, string_value

if TYPE_CHECKING:
    from backlint.analysis import FileContext

HTTP_METHODS = ("get", "post", "put", "patch", "delete", "head", "options")
_VERB_DECORATORS = frozenset(HTTP_METHODS)
_ROUTER_NAMES = re.compile(r"(^|_)(app|api|router|routes|bp|blueprint|blue|web|application|server|r|v\d+)(_|$)", re.I)

_VIEW_BASES = frozenset(
    {
        # Django
        "View", "TemplateView", "RedirectView", "ListView", "DetailView", "FormView", "CreateView",
        "UpdateView", "DeleteView", "ArchiveIndexView",
        # DRF
        "APIView", "GenericAPIView", "ViewSet", "GenericViewSet", "ModelViewSet", "ReadOnlyModelViewSet",
        "ListAPIView", "RetrieveAPIView", "CreateAPIView", "UpdateAPIView", "DestroyAPIView",
        "ListCreateAPIView", "RetrieveUpdateAPIView", "RetrieveDestroyAPIView", "RetrieveUpdateDestroyAPIView",
        "ViewSetMixin",
        # Flask
        "MethodView", "Resource", "MethodResource",
        # Starlette / aiohttp
        "HTTPEndpoint",
    }
)
_VIEWSET_ACTIONS = {
    "list": "GET", "retrieve": "GET", "create": "POST", "update": "PUT", "partial_update": "PATCH", "destroy": "DELETE",
}
_NOT_REQUEST_ANNOTATIONS = frozenset(
    {"Request", "Response", "WebSocket", "BackgroundTasks", "Session", "AsyncSession", "Connection",
     "AsyncConnection", "Engine", "AsyncEngine", "SecurityScopes", "HTTPConnection", "User", "Settings",
     "Redis", "Database", "Pool", "ClientSession", "Cursor", "Any"}
)
_REGISTRATION_HINT = re.compile(r"add_url_rule|add_api_route|add_route|add_get|add_post|add_put|add_patch|add_delete|\bRoute\(")


@dataclass(frozen=True)
class Route:
    function: cst.FunctionDef
    framework: str
    """flask, fastapi, starlette, aiohttp, django, drf or http (a route decorator of unknown origin)."""
    methods: frozenset[str]
    path: str | None
    view_class: cst.ClassDef | None = None
    action: str | None = None
    """For DRF viewsets: list, retrieve, create..."""

    @property
    def is_get(self) -> bool:
        return "GET" in self.methods

    @property
    def path_parameters(self) -> dict[str, str]:
        """Path placeholders by name with their converter/type (`"int"`, `"str"`...)."""
        out: dict[str, str] = {}
        if not self.path:
            return out
        for m in re.finditer(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>", self.path):  # Flask / Django
            out[m.group(2)] = m.group(1) or "str"
        for m in re.finditer(r"\{(\w+)(?::(\w+))?\}", self.path):  # FastAPI / Starlette / aiohttp
            out[m.group(1)] = m.group(2) or "str"
        return out


def _framework(ctx: FileContext) -> str:
    mods = ctx.imports
    for prefix, name in (("fastapi", "fastapi"), ("flask", "flask"), ("quart", "flask"), ("aiohttp", "aiohttp"),
                         ("starlette", "starlette"), ("rest_framework", "drf"), ("django", "django"),
                         ("sanic", "flask"), ("litestar", "fastapi")):
        if mods.imports_any([prefix]):
            return name
    return "http"


def routes(ctx: FileContext) -> dict[int, Route]:
    """Every route handler of the file, keyed by id() of its FunctionDef."""
    return ctx.memo("routes", lambda: _find_routes(ctx))


def route_of(ctx: FileContext, fn: cst.FunctionDef | None) -> Route | None:
    if fn is None:
        return None
    return routes(ctx).get(id(fn))


def _statements(body: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """Compound statements and simple lines, recursively, without entering expressions."""
    suites = [body]
    while suites:
        suite = suites.pop()
        stmts = suite.body if isinstance(suite, (cst.Module, cst.IndentedBlock)) else ()
        for stmt in stmts:
            yield stmt
            if isinstance(stmt, (cst.FunctionDef, cst.ClassDef, cst.With, cst.For, cst.While)):
                suites.append(stmt.body)
            elif isinstance(stmt, cst.If):
                suites.append(stmt.body)
                orelse = stmt.orelse
                while isinstance(orelse, cst.If):
                    suites.append(orelse.body)
                    orelse = orelse.orelse
                if orelse is not None:
                    suites.append(orelse.body)
            elif isinstance(stmt, (cst.Try, cst.TryStar)):
                suites.append(stmt.body)
                suites.extend(h.body for h in stmt.handlers)
                for part in (stmt.orelse, stmt.finalbody):
                    if part is not None:
                        suites.append(part.body)


def _find_routes(ctx: FileContext) -> dict[int, Route]:
    framework = _framework(ctx)
    found: dict[int, Route] = {}
    classes: dict[str, cst.ClassDef] = {}
    functions: dict[str, list[cst.FunctionDef]] = {}
    for stmt in _statements(ctx.module):
        if isinstance(stmt, cst.ClassDef):
            classes[stmt.name.value] = stmt
        elif isinstance(stmt, cst.FunctionDef):
            functions.setdefault(stmt.name.value, []).append(stmt)
            route = _decorated_route(ctx, stmt, framework)
            if route is not None:
                found[id(stmt)] = route
    view_classes = [c for c in _view_classes(classes) if not unrouted_view(ctx, c)]
    for cls in view_classes:
        for stmt in cls.body.body if isinstance(cls.body, cst.IndentedBlock) else ():
            if not isinstance(stmt, cst.FunctionDef):
                continue
            route = _method_route(ctx, cls, stmt, framework)
            if route is not None:
                found[id(stmt)] = route
    if ctx.imports.imports_any(["django", "rest_framework"]):
        # Function views: routed from a urls.py of the project, or taking `request` first in a
        # views module.
        methods_ids = {id(s) for cls in classes.values() if isinstance(cls.body, cst.IndentedBlock) for s in cls.body.body}
        in_views = ctx.path.endswith("views.py") or "/views/" in "/" + ctx.path
        for name, fns in functions.items():
            for fn in fns:
                if id(fn) in found or id(fn) in methods_ids:
                    continue
                params = [*fn.params.posonly_params, *fn.params.params]
                takes_request = bool(params) and params[0].name.value in ("request", "req")
                # A function some code calls with the request (`get_findings(request)`) is a
                # helper of views, unless a urls.py routes to it or it answers the request itself
                # (a view body shared by several URLs).
                helper = name in ctx.project.request_helpers and not _answers(fn)
                if takes_request and not name.startswith("_") and (name in ctx.project.url_views or (in_views and not helper)):
                    found[id(fn)] = Route(fn, "django", frozenset(m.upper() for m in HTTP_METHODS), None)
    if _REGISTRATION_HINT.search(ctx.text):
        for fn, methods, path in _registrations(ctx, functions):
            if id(fn) not in found:
                found[id(fn)] = Route(fn, framework, methods, path)
    return found


_ANSWERS = re.compile(r"^(render|redirect|render_to_response)$|Response(Redirect)?$|^Http")


def _answers(fn: cst.FunctionDef) -> bool:
    """Whether the function returns a response (`return render(request, ...)`)."""
    return any(
        isinstance(n, cst.Return) and isinstance(n.value, cst.Call) and _ANSWERS.search(call_name(n.value) or "") is not None
        for n in iter_descendants(fn.body, into_scopes=False)
    )


def _string_list(expr: cst.BaseExpression | None) -> list[str]:
    if isinstance(expr, (cst.List, cst.Tuple, cst.Set)):
        out = []
        for el in expr.elements:
            v = string_value(el.value)
            if v is not None:
                out.append(v)
        return out
    v = string_value(expr) if expr is not None else None
    return [v] if v is not None else []


def _decorated_route(ctx: FileContext, fn: cst.FunctionDef, framework: str) -> Route | None:
    for dec in fn.decorators:
        expr = dec.decorator
        call = expr if isinstance(expr, cst.Call) else None
        func = call.func if call is not None else expr
        name = dotted(func) or ""
        last = name.rsplit(".", 1)[-1]
        if last in ("api_view",):
            methods = _string_list(argument(call, 0, "http_method_names")) if call else []
            return Route(fn, "drf", frozenset(m.upper() for m in methods) or frozenset({"GET"}), None)
        if last in ("require_http_methods",) and call is not None:
            methods = _string_list(argument(call, 0, "request_method_list"))
            return Route(fn, "django", frozenset(m.upper() for m in methods), None)
        if last in ("require_GET", "require_safe"):
            return Route(fn, "django", frozenset({"GET"}), None)
        if last == "require_POST":
            return Route(fn, "django", frozenset({"POST"}), None)
        if call is None or not isinstance(func, cst.Attribute):
            continue
        receiver = dotted(func.value) or ""
        path_expr = argument(call, 0, "path", "rule")
        path = string_value(path_expr) if path_expr is not None else None
        url_path = path is not None and (path == "" or path.startswith(("/", "{", "<")))
        if path is not None and not url_path and not ctx.imports.imports_any(["sanic"]):
            continue  # `@priority_router.route("pkg:golang/.*")`: the project's own dispatcher (web frameworks refuse a path without "/")
        if not (url_path or _ROUTER_NAMES.search(receiver.rsplit(".", 1)[-1])):
            continue
        if last == "route":
            methods = _string_list(argument(call, -1, "methods")) or ["GET"]
            return Route(fn, framework if framework != "fastapi" else "starlette", frozenset(m.upper() for m in methods), path)
        if last == "api_route":
            methods = _string_list(argument(call, -1, "methods")) or ["GET"]
            return Route(fn, framework, frozenset(m.upper() for m in methods), path)
        if last in _VERB_DECORATORS:
            return Route(fn, framework, frozenset({last.upper()}), path)
        if last == "view" and framework == "aiohttp":
            return Route(fn, framework, frozenset(m.upper() for m in HTTP_METHODS), path)
    return None


def base_names(cls: cst.ClassDef) -> list[str]:
    """The last names of a class's bases (`views.View` gives `View`, `Generic[T]` gives `Generic`)."""
    names = []
    for arg in cls.bases:
        name = dotted(arg.value)
        if name is None and isinstance(arg.value, cst.Subscript):
            name = dotted(arg.value.value)
        if name is not None:
            names.append(name.rsplit(".", 1)[-1])
    return names


def unrouted_view(ctx: FileContext, cls: cst.ClassDef) -> bool:
    """A Django or DRF view class that no file of the project names (no URL configuration,
    router, subclass or import mentions it; no decorator registers it): dead code, which no request
    reaches. Only where the scan holds the project's URL configuration and no code of the project
    finds classes by introspection (`inspect.getmembers`, `__subclasses__()`: Pulp registers every
    viewset its plugins' modules define)."""
    return bool(ctx.project.url_views) and not ctx.project.discovers_classes and not cls.decorators \
        and cls.name.value not in ctx.project.class_references \
        and ctx.imports.imports_any(["django", "rest_framework"]) \
        and any(b in _VIEW_BASES or b.endswith(("View", "ViewSet")) for b in base_names(cls))


def _view_classes(classes: dict[str, cst.ClassDef]) -> list[cst.ClassDef]:
    views: dict[str, cst.ClassDef] = {}
    changed = True
    while changed:
        changed = False
        for name, cls in classes.items():
            if name in views:
                continue
            bases = base_names(cls)
            if any(b in _VIEW_BASES or b in views or (b.endswith(("APIView", "ViewSet")) and b != name) for b in bases):
                views[name] = cls
                changed = True
    return list(views.values())


def _method_route(ctx: FileContext, cls: cst.ClassDef, fn: cst.FunctionDef, framework: str) -> Route | None:
    name = fn.name.value
    drf = any(b.endswith(("APIView", "ViewSet")) or b.startswith(("Generic", "List", "Retrieve", "Create", "Update", "Destroy"))
              for b in base_names(cls))
    fw = "drf" if drf or framework == "drf" else framework
    if name in HTTP_METHODS:
        return Route(fn, fw, frozenset({name.upper()}), None, cls)
    if name in _VIEWSET_ACTIONS:
        return Route(fn, "drf", frozenset({_VIEWSET_ACTIONS[name]}), None, cls, action=name)
    for dec in fn.decorators:
        expr = dec.decorator
        call = expr if isinstance(expr, cst.Call) else None
        dname = (dotted(call.func if call else expr) or "").rsplit(".", 1)[-1]
        if dname == "action":
            methods = _string_list(keyword_arg(call, "methods").value) if call and keyword_arg(call, "methods") else ["get"]
            return Route(fn, "drf", frozenset(m.upper() for m in methods), None, cls, action=name)
    return None


def _registrations(ctx: FileContext, functions: dict[str, list[cst.FunctionDef]]) -> Iterator[tuple[cst.FunctionDef, frozenset[str], str | None]]:
    for node in iter_descendants(ctx.module):
        if not isinstance(node, cst.Call):
            continue
        fname = (call_name(node) or "")
        handler: cst.BaseExpression | None = None
        methods: list[str] = []
        path_expr: cst.BaseExpression | None = None
        if fname == "add_url_rule":
            path_expr = argument(node, 0, "rule")
            handler = argument(node, 2, "view_func")
            methods = _string_list(argument(node, -1, "methods")) or ["GET"]
        elif fname in ("add_api_route", "Route"):
            path_expr = argument(node, 0, "path")
            handler = argument(node, 1, "endpoint")
            methods = _string_list(argument(node, -1, "methods")) or ["GET"]
        elif fname == "add_route":
            if _route_arg_is_method(node):  # aiohttp: router.add_route("GET", path, handler)
                methods = _string_list(argument(node, 0, "method"))
                path_expr = argument(node, 1, "path")
                handler = argument(node, 2, "handler")
            else:  # Starlette: app.add_route(path, endpoint, methods=[...])
                path_expr = argument(node, 0, "path")
                handler = argument(node, 1, "route", "endpoint")
                methods = _string_list(argument(node, -1, "methods")) or ["GET"]
        elif fname.startswith("add_") and fname[4:] in HTTP_METHODS:
            path_expr = argument(node, 0, "path")
            handler = argument(node, 1, "handler")
            methods = [fname[4:]]
        if handler is None:
            continue
        target = dotted(handler)
        if target is None:
            continue
        for fn in functions.get(target.rsplit(".", 1)[-1], ()):
            yield fn, frozenset(m.upper() for m in methods), string_value(path_expr) if path_expr is not None else None


def _route_arg_is_method(call: cst.Call) -> bool:
    first = argument(call, 0, "method")
    value = string_value(first) if first is not None else None
    return value is not None and value.lower() in (*HTTP_METHODS, "*")


# ---------------------------------------------------------------------------------------------
# Handler parameters


def is_dependency(param: cst.Param) -> bool:
    """A FastAPI dependency: `x = Depends(...)`, `Annotated[T, Depends(...)]`, `Security(...)`."""
    exprs: list[cst.BaseExpression] = []
    if param.default is not None:
        exprs.append(param.default)
    if param.annotation is not None:
        ann = param.annotation.annotation
        if isinstance(ann, cst.Subscript) and (dotted(ann.value) or "").endswith("Annotated"):
            exprs.extend(el.slice.value for el in ann.slice[1:] if isinstance(el.slice, cst.Index))
    for expr in exprs:
        if isinstance(expr, cst.Call) and (call_name(expr) or "") in ("Depends", "Security"):
            return True
    return False


def annotation_name(param: cst.Param) -> str | None:
    if param.annotation is None:
        return None
    ann = param.annotation.annotation
    if isinstance(ann, cst.Subscript) and (dotted(ann.value) or "").endswith("Annotated") and ann.slice:
        first = ann.slice[0].slice
        if isinstance(first, cst.Index):
            ann = first.value
    name = dotted(ann)
    return name.rsplit(".", 1)[-1] if name else None


def is_request_parameter(ctx: FileContext, fn: cst.FunctionDef, param: cst.Param) -> bool:
    """Whether the handler parameter carries client data (a path, query or body parameter)."""
    route = route_of(ctx, fn)
    if route is None:
        return False
    name = param.name.value
    if name in ("self", "cls", "request", "req", "response", "background_tasks"):
        return False
    if route.framework in ("fastapi", "http", "starlette") and route.view_class is None:
        if is_dependency(param):
            return False
        ann = annotation_name(param)
        if ann is not None and (ann in _NOT_REQUEST_ANNOTATIONS or ann.endswith(("Session", "Service", "Repository", "Settings"))):
            return False
        if ann is not None and ann in ctx.project.dependency_aliases:
            return False  # `project_name: ProjectName`, an `Annotated[str, Depends(...)]`: what the dependency returned
        return True
    # Flask, Django, DRF, aiohttp: parameters other than the request come from the URL.
    return name in route.path_parameters or route.path is None


_ERROR_HANDLER_DECORATORS = {"errorhandler": 0, "app_errorhandler": 0, "register_error_handler": 0, "exception_handler": 1}


def error_handler_parameter(fn: cst.FunctionDef, registered: frozenset[str] = frozenset()) -> cst.Param | None:
    """The parameter that receives the exception in an error handler: Flask's
    `@app.errorhandler(E) def h(e)`, FastAPI/Starlette's `@app.exception_handler(E) def h(request, exc)`,
    DRF's `def custom_exception_handler(exc, context)`, and a function registered elsewhere for
    every exception (`registered`: `app.add_exception_handler(Exception, h)`)."""
    params = [*fn.params.posonly_params, *fn.params.params]
    if fn.name.value in registered and params:
        return params[-1] if len(params) <= 2 else None  # `h(request, exc)`, Flask's `h(e)`
    for dec in fn.decorators:
        expr = dec.decorator.func if isinstance(dec.decorator, cst.Call) else dec.decorator
        name = (dotted(expr) or "").rsplit(".", 1)[-1]
        index = _ERROR_HANDLER_DECORATORS.get(name)
        if index is not None and len(params) > index:
            return params[index]
    if fn.name.value.endswith("exception_handler") and params and params[0].name.value in ("exc", "exception", "e", "error"):
        return params[0]
    return None


def error_handler_type(fn: cst.FunctionDef) -> cst.BaseExpression | None:
    """The exception type an error handler is registered for (`Exception` in `@app.errorhandler(Exception)`)."""
    for dec in fn.decorators:
        if isinstance(dec.decorator, cst.Call) and dec.decorator.args:
            name = (call_name(dec.decorator) or "")
            if name in _ERROR_HANDLER_DECORATORS:
                return dec.decorator.args[0].value
    return None


def catch_all_handler(fn: cst.FunctionDef) -> bool:
    """An error handler registered for every exception (`@app.exception_handler(Exception)`,
    `@app.errorhandler(500)`): Starlette runs it in its outermost middleware and Flask for the
    final 500; what it raises is handled by nothing and becomes the server's generic error page."""
    kind = error_handler_type(fn)
    return kind is not None and ((dotted(kind) or "").rsplit(".", 1)[-1] in ("Exception", "BaseException") or status_value(kind) == 500)


_CLI_DECORATORS = frozenset({"command", "group", "callback"})


def cli_command(fn: cst.FunctionDef) -> bool:
    """A click or typer command (`@cli.command()`, `@app.command()`, `@click.command`), or a Django
    management command's `handle`: a command-line entry point, run in a process of its own."""
    return fn.name.value == "handle" or any(
        isinstance(t, cst.Attribute) and t.attr.value in _CLI_DECORATORS for t in decorator_targets(fn))


def health_check(fn: cst.FunctionDef | None, cls: cst.ClassDef | None = None) -> bool:
    """A health, readiness or liveness probe by its name (`health_check`, `readyz`, `ping`,
    `heartbeat`), or a method of a view class so named (`HealthView`, `celery_check`: a check of
    one dependency): it answers monitoring, which records what fails."""
    if fn is not None and _PROBE.search(fn.name.value):
        return True
    if cls is None:
        return False
    words = name_parts(cls.name.value)
    return bool(set(words) & _PROBE_WORDS) or (len(words) >= 2 and words[-1] in ("check", "checks") and words[0] in _DEPENDENCIES) \
        or (len(words) >= 3 and words[-2:] in (["check", "view"], ["check", "resource"]) and words[0] in _DEPENDENCIES)


_PROBE_WORDS = frozenset({"health", "healthz", "healthcheck", "readiness", "readyz", "liveness", "livez", "heartbeat", "lbheartbeat"})
_DEPENDENCIES = frozenset({"celery", "redis", "db", "database", "cache", "queue", "broker", "postgres", "mysql", "elasticsearch",
                           "opensearch", "rabbitmq", "kafka", "storage", "worker", "workers", "dependency", "dependencies"})
"""What a probe named `<dependency>_check` checks (`celery_check`, `RedisCheckView`)."""


_PROBE = re.compile(r"(^|_)(health|healthz|healthcheck|ready|readiness|readyz|live|liveness|livez|ping|status_check|heartbeat|"
                    r"lbheartbeat)(_|$)|[a-z]health(z|check)?$", re.I)
"""`health_check`, `readyz`; also a probe of one part named run together (`statshealth`, `dbhealthz`)."""


_DIAGNOSTIC_WORDS = frozenset({"diagnostic", "diagnostics", "diag"})


def diagnostics(fn: cst.FunctionDef, route: Route | None) -> bool:
    """An endpoint named for diagnosing the service's own parts (`get_redis_diagnostics`, a route
    under `/diagnostics/`, or the status of the site, system, database or cache: `site_status`,
    `/system/database_status`): like a health probe, it queries every dependency it reports on, and
    its answer is their state, errors included, for whoever may diagnose them. (Only for reading:
    `POST /settings/diagnostic` that deletes what a form names is an action like any other.)"""
    if route is not None and route.methods - {"GET", "HEAD", "OPTIONS"}:
        return False
    words = set(name_parts(fn.name.value))
    if route is not None and route.path:
        words.update(re.split(r"[^a-z]+", route.path.lower()))
    return bool(words & _DIAGNOSTIC_WORDS) or ("status" in words and bool(words & _SERVICE_PARTS))


_SERVICE_PARTS = frozenset({"site", "system", "service", "server", "database", "db", "cache", "redis", "broker", "queue",
                            "infra", "infrastructure"})
"""What a status endpoint may describe of the service itself (`site_status`, `/system/database_status`,
`cache-status`), unlike a record's status (`order_status`)."""


def called_only_by_operators(ctx: FileContext, fn: cst.FunctionDef, *, modules: bool = True) -> bool:
    """A function only an operator's code calls (see `ProjectFacts.operator_only`), or (`modules`)
    one of a module only operators' programs import (see `ProjectFacts.operator_module`): it runs
    in a process its operator started. Never a route handler, which the framework calls by no name."""
    return (ctx.project.operator_only(function_node(fn.name.value, _defining_class(ctx, fn)))
            or (modules and ctx.project.operator_module(ctx.path))) and route_of(ctx, fn) is None


def _defining_class(ctx: FileContext, fn: cst.FunctionDef) -> str | None:
    """The name of the class whose body defines `fn` (on the stack of nodes being visited)."""
    stack = ctx.stack
    for i in range(len(stack) - 1, 1, -1):
        if stack[i] is fn:
            cls = stack[i - 2]
            return cls.name.value if isinstance(cls, cst.ClassDef) and stack[i - 1] is cls.body else None
    return None


def background_task(fn: cst.FunctionDef | None) -> bool:
    """A task or workflow step run by a worker (`@shared_task`, `@app.task`, `@dramatiq.actor`,
    `@hatchet.step(...)`, `@job`): an HTTP exception raised there answers no client; the worker
    records it."""
    return fn is not None and any((dotted(t) or "").rsplit(".", 1)[-1] in _TASK_DECORATORS for t in decorator_targets(fn))


def http_middleware(fn: cst.FunctionDef | None) -> bool:
    """`@app.middleware("http")` (FastAPI, Starlette): what it raises skips the application's
    exception handlers and reaches the server error middleware, which logs the traceback."""
    for d in fn.decorators if fn is not None else ():
        call = d.decorator
        if isinstance(call, cst.Call) and isinstance(call.func, cst.Attribute) and call.func.attr.value == "middleware" \
                and call.args and string_value(call.args[0].value) == "http":
            return True
    return False


_TASK_DECORATORS = frozenset({"task", "shared_task", "periodic_task", "step", "actor", "job"})

_OPERATOR_FLAGS = frozenset({"is_superuser", "is_staff"})
"""A user's flags that say the site's operators (Django's)."""
_OPERATOR_NAMES = frozenset({"IsAdminUser", "staff_member_required", "superuser_required", "admin_required"})
_OPERATOR_WORDS = frozenset({"admin", "superuser", "superadmin", "staff"})
"""Words that name the site's operators in a dependency, role or guard (`get_admin_user`, `require_superuser`)."""


def operator_dependency(expr: cst.BaseExpression | None) -> bool:
    """FastAPI: `Depends(get_admin_user)`, `Security(get_current_active_superuser)`, or a type
    naming one (`AdminUser`, an `Annotated[User, Depends(require_admin)]` alias)."""
    if isinstance(expr, cst.Call) and (dotted(expr.func) or "").rsplit(".", 1)[-1] in ("Depends", "Security") and expr.args:
        expr = expr.args[0].value
    if isinstance(expr, cst.Call) and expr.args \
            and set(name_parts(call_name(expr) or "")) & {"scope", "scopes", "role", "roles", "permission", "permissions"}:
        # `Security(AuthHandler().require_any_scope("admin"))`, `Depends(require_permission(Permission.SUPERUSER))`:
        # the roles the route lets in, all the site's operators'
        roles = [string_value(a.value) or (dotted(a.value) or "").rsplit(".", 1)[-1] or None for a in expr.args if a.keyword is None]
        return bool(roles) and all(r is not None and r.lower() in _OPERATOR_WORDS | {"administrator"} for r in roles)
    elif isinstance(expr, cst.Subscript) and (dotted(expr.value) or "").endswith("Annotated"):
        return any(isinstance(e.slice, cst.Index) and operator_dependency(e.slice.value) for e in expr.slice[1:])
    words = name_parts((dotted(expr) or "").rsplit(".", 1)[-1]) if expr is not None else []
    if words[-2:] == ["or", "default"]:
        words = words[:-2]  # `AdminUserOrDefault`: an admin, or the one default user of a single-user install
    parts = set(words)
    return bool(parts & _OPERATOR_WORDS) and not parts & _CUSTOMER_SCOPES


def operator_routers(ctx: FileContext) -> frozenset[str]:
    """The module's routers built to let only the site's operators through (`router =
    APIRouter(prefix="/email_templates", dependencies=[Depends(is_admin_user)])`): every route
    declared on one is an operator's."""
    def build() -> frozenset[str]:
        if "dependencies" not in ctx.text:
            return frozenset()
        found: set[str] = set()
        for stmt in ctx.module.body:
            small = stmt.body[0] if isinstance(stmt, cst.SimpleStatementLine) else None
            if isinstance(small, cst.Assign) and len(small.targets) == 1 and isinstance(small.targets[0].target, cst.Name) \
                    and isinstance(small.value, cst.Call) and call_name(small.value) == "APIRouter":
                deps = keyword_arg(small.value, "dependencies")
                if deps is not None and isinstance(deps.value, (cst.List, cst.Tuple)) \
                        and any(operator_dependency(e.value) for e in deps.value.elements):
                    found.add(small.targets[0].target.value)
        return frozenset(found)
    return ctx.memo("operator_routers", build)


def operators_only(cls: cst.ClassDef | None, fn: cst.FunctionDef | None, path: str = "", checks: frozenset[str] = frozenset(),
                   routers: frozenset[str] = frozenset()) -> bool:
    """Whether only the site's operators reach the handler: DRF `permission_classes` naming
    `IsAdminUser` or an admin, superuser or staff permission (`IsAdmin`, `OnlySuperUser`), Django's
    `@staff_member_required`, `@user_passes_test(lambda u: u.is_superuser)`, `@superuser_required`,
    FastAPI's `Depends(get_admin_user)` or `Depends(get_current_active_superuser)` (as a parameter,
    a type alias such as `AdminUserOrDefault`, or the route's `dependencies=`), or a permission
    decorator on a view of the site's administration area (`@permission_required(...)` in
    `blueprints/admin/views.py`, when the module's `path` is given), or one of the project's `checks` (see
    `ProjectFacts.operator_checks`: `@data_manager_required`, built from a test that returns `user.is_staff`), or a
    route of one of the module's operator `routers` (see `operator_routers`). (An organisation's admin, `IsOrgAdmin`,
    `Depends(get_org_admin)`, is a customer, not an operator.)"""
    def operator(expr: cst.BaseExpression) -> bool:
        name = (dotted(expr) or "").rsplit(".", 1)[-1]
        parts = set(name_parts(name))
        if parts & {"or", "not", "read", "readonly", "owner"}:
            return False  # `IsStaffOrReadOnly`, `IsNotStaff`, `IsOwnerOrStaff`: others get in too
        return (name in _OPERATOR_NAMES or "superuser" in name.lower() or "staff" in parts
                or ("admin" in parts and not parts & (_CUSTOMER_SCOPES | {"user", "namespace", "repo", "repository"})))
        # (`IsAdmin`, `AdminOnly`; not `IsOrgAdmin` nor `require_user_admin`, a user administering their own account)

    def operator_test(expr: cst.BaseExpression) -> bool:
        """`lambda u: u.is_superuser`, `lambda u: u.is_active and u.is_staff`."""
        if isinstance(expr, cst.Lambda):
            return operator_test(expr.body)
        if isinstance(expr, cst.BooleanOperation) and isinstance(expr.operator, cst.And):
            return operator_test(expr.left) or operator_test(expr.right)
        return isinstance(expr, cst.Attribute) and expr.attr.value in _OPERATOR_FLAGS

    if fn is not None:
        for param in [*fn.params.params, *fn.params.kwonly_params]:
            if operator_dependency(param.default) or (param.annotation is not None and operator_dependency(param.annotation.annotation)):
                return True
    admin_area = bool(path) and _ADMIN_AREA.search(path) is not None
    for decorator in fn.decorators if fn is not None else ():
        target = decorator.decorator
        if operator(target.func if isinstance(target, cst.Call) else target) or (
                (dotted(target.func if isinstance(target, cst.Call) else target) or "").rsplit(".", 1)[-1] in checks):
            return True
        if admin_area and (dotted(target.func if isinstance(target, cst.Call) else target) or "").rsplit(".", 1)[-1] in _PERMISSION_CHECKS:
            return True
        if isinstance(target, cst.Call) and any(
                a.keyword is not None and a.keyword.value == "dependencies" and isinstance(a.value, (cst.List, cst.Tuple))
                and any(operator_dependency(e.value) for e in a.value.elements) for a in target.args):
            return True  # `@router.post("/config", dependencies=[Depends(require_admin)])`
        if isinstance(target, cst.Call) and isinstance(target.func, cst.Attribute) and isinstance(target.func.value, cst.Name) \
                and target.func.value.value in routers:
            return True  # `@router.post(...)` of `router = APIRouter(dependencies=[Depends(is_admin_user)])`
        last = (dotted(target.func) or "").rsplit(".", 1)[-1] if isinstance(target, cst.Call) else ""
        if last == "user_passes_test" and target.args and (operator_test(target.args[0].value) or (  # type: ignore[union-attr]
                (dotted(target.args[0].value) or "").rsplit(".", 1)[-1] in checks)):  # type: ignore[union-attr]
            return True
        if last == "permission_classes" and target.args and isinstance(target.args[0].value, (cst.List, cst.Tuple)) \
                and any(operator(e.value) for e in target.args[0].value.elements):  # type: ignore[union-attr]
            return True
    for stmt in cls.body.body if cls is not None and isinstance(cls.body, cst.IndentedBlock) else ():
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                if isinstance(small, cst.Assign) and any(
                    isinstance(t.target, cst.Name) and t.target.value == "permission_classes" for t in small.targets
                ) and isinstance(small.value, (cst.List, cst.Tuple)) and any(operator(e.value) for e in small.value.elements):
                    return True
    return False


def after_operator_guard(stack: Sequence[cst.CSTNode], checks: frozenset[str] = frozenset()) -> bool:
    """Whether the node on top of `stack` runs only after a guard that turns away everyone but the
    site's operators, in the same function: `if not request.user.is_superuser: return
    redirect(...)` (or `is_staff`, or a `raise`) earlier in a block that holds it, or a call of one
    of the project's operator `checks` as a statement (`validate_user_has_curator_role(request)`)."""
    for i in range(len(stack) - 1, 0, -1):
        block, child = stack[i - 1], stack[i]
        if isinstance(block, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
            return False
        if not isinstance(block, cst.IndentedBlock):
            continue
        for statement in block.body:
            if statement is child:
                break
            if isinstance(statement, cst.If) and statement.orelse is None and _turns_away_non_operators(statement):
                return True
            if _guard_call(statement, checks):
                return True
    return False


def _guard_call(statement: cst.BaseStatement, checks: frozenset[str]) -> bool:
    """`validate_user_has_curator_role(request)` or `result = validate_user_has_curator_role(request,
    study_required=True)`: a call of an operator check (or of one named for administrators,
    `user, error = require_admin("run jobs")`) as a statement of its own (not told to let
    everyone through: `fail_silently=True`)."""
    call = statement_call(statement, assigned=True)
    return call is not None and (call_name(call) in checks or _admin_guard_name(call_name(call) or "")) and not any(
        a.keyword is not None and a.keyword.value == "fail_silently" and not (isinstance(a.value, cst.Name) and a.value.value == "False")
        for a in call.args)


def _admin_guard_name(name: str) -> bool:
    """`require_admin`, `ensure_superuser`, `check_admin_access`: a check named for letting only the
    site's administrators through (not `require_org_admin`, a customer's administrator)."""
    parts = set(name_parts(name))
    return bool(parts & {"require", "requires", "ensure", "check", "assert", "verify"}) \
        and bool(parts & _OPERATOR_WORDS) and not parts & (_CUSTOMER_SCOPES | {"user", "or", "owner"})


def _turns_away_non_operators(guard: cst.If) -> bool:
    """`if not user.is_superuser: ... return/raise` (or `is_staff`, or a user's `is_admin`)."""
    test = guard.test
    if not (isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not) and isinstance(test.expression, cst.Attribute)):
        return False
    flag = test.expression.attr.value
    if not (flag in _OPERATOR_FLAGS or (flag == "is_admin" and (dotted(test.expression.value) or "").rsplit(".", 1)[-1] in ("user", "current_user"))):
        return False  # (`current_user.is_admin`, the site's; not `membership.is_admin`, an organisation's)
    last = guard.body.body[-1] if isinstance(guard.body, cst.IndentedBlock) and guard.body.body else None
    return isinstance(last, cst.SimpleStatementLine) and isinstance(last.body[-1], (cst.Return, cst.Raise))


_ADMIN_AREA = re.compile(r"(^|/)(admin|backoffice|staff)/")
"""The folder of a site's administration area (`services/page/blueprints/admin/views.py`)."""
_PERMISSION_CHECKS = frozenset({"permission_required", "permissions_required", "require_permission"})

_CUSTOMER_SCOPES = frozenset({"org", "organization", "organisation", "team", "project", "group", "workspace", "tenant",
                              "company", "owner", "or", "space", "account"})
"""Words that make an admin a customer's (`get_org_admin`, `require_workspace_admin`), not the site's operator."""


API_EXAMPLE_KEYS = frozenset({"example", "examples", "json_schema_extra", "schema_extra", "openapi_examples"})
"""Keywords, keys and names whose values document an API (OpenAPI examples): shown, never used."""


def in_api_example(ctx: FileContext) -> bool:
    """Whether the node being visited is inside an API documentation example
    (`json_schema_extra={"examples": [...]}`, `Field(examples=[...])`, `class Config: schema_extra = ...`)."""
    for node in ctx.ancestors():
        if isinstance(node, cst.DictElement) and (string_value(node.key) or "") in API_EXAMPLE_KEYS:
            return True
        if isinstance(node, cst.Arg) and node.keyword is not None and node.keyword.value in API_EXAMPLE_KEYS:
            return True
        if isinstance(node, (cst.Assign, cst.AnnAssign)):
            targets = [t.target for t in node.targets] if isinstance(node, cst.Assign) else [node.target]
            if any(isinstance(t, cst.Name) and t.value in API_EXAMPLE_KEYS for t in targets):
                return True
    return False
