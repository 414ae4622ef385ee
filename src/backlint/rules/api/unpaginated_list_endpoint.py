from __future__ import annotations

import re
from typing import Iterator, Sequence

import libcst as cst

from backlint.findings import Confidence, Level
from backlint.frameworks import database, routes
from backlint.frameworks.database import OpKind
from backlint.frameworks.imports import dotted
from backlint.frameworks.values import Env, assigned_values
from backlint.rule import Invalid, Rule, Valid
from backlint.syntax import call_name, decorator_targets, iter_descendants, name_parts, string_value

_PAGE_WORDS = frozenset({"limit", "offset", "page", "page_size", "pagesize", "per_page", "perpage", "cursor", "size",
                         "skip", "take", "after", "before", "max_results", "start", "first", "last", "count", "top",
                         "page_token", "next_token", "continuation", "since_id", "max_id", "since", "until"})
_PAGINATING_CALLS = ("paginat", "configure", "requestconfig", "get_page", "page_obj")
# Wrappers that carry every row they are given into a JSON response.
_ROW_CARRIERS = frozenset({"jsonify", "JSONResponse", "ORJSONResponse", "UJSONResponse", "Response", "JsonResponse",
                           "json_response", "list", "tuple", "sorted", "dump", "dumps", "model_validate", "from_orm",
                           "to_json", "serialize"})
_FETCH_ONE = frozenset({"get_object_or_404", "get_or_404", "first_or_404", "one_or_404", "first", "one", "one_or_none",
                        "scalar_one"})
"""Calls that fetch one object (a dict's `get` aside)."""
_BOUNDING = _FETCH_ONE | frozenset({"limit", "paginate", "get", "last", "scalar", "scalar_one_or_none", "count", "exists",
                                    "aggregate", "in_bulk", "latest", "earliest", "fetchone", "fetchval", "fetchrow",
                                    "fetch_one", "fetch_val", "slice", "fetchmany", "iterator", "__getitem__", "page",
                                    "top", "only_one"})
_DRF_LIST_BASES = frozenset({"ListAPIView", "ListCreateAPIView", "ModelViewSet", "ReadOnlyModelViewSet"})
_LIMIT_SQL = re.compile(r"\b(limit|fetch\s+first|top)\b", re.I)
_PATH_ENDS_WITH_PARAM = re.compile(r"(<[^>]+>|\{[^}]+\})/?$")


# Collections that grow with use (events, records, orders, content), by the last word of the
# model's or table's name. Configuration and reference tables (environments, templates,
# categories, settings) stay small: listing them whole is what their pickers need. So do a
# team's accounts (users, profiles, members): they grow with the organisation, not with use.
_GROWING = frozenset({
    "history", "histories", "log", "logs", "event", "events", "alarm", "alarms", "alert", "alerts", "notification",
    "notifications", "notify", "message", "messages", "record", "records", "ping", "pings", "comment", "comments",
    "reply", "replies", "post", "posts", "article", "articles", "order", "orders", "transaction", "transactions",
    "payment", "payments", "invoice", "invoices", "activity", "activities", "audit", "audits", "entry", "entries",
    "customer", "customers", "ticket", "tickets",
    "issue", "issues", "review", "reviews", "rating", "ratings", "like", "likes", "vote", "votes", "follow",
    "follows", "follower", "followers", "visit", "visits", "request", "requests", "result", "results", "metric",
    "metrics", "measurement", "measurements", "reading", "readings", "sample", "samples", "upload", "uploads",
    "file", "files", "photo", "photos", "image", "images", "document", "documents", "attachment", "attachments",
    "job", "jobs", "execution", "executions", "report", "reports", "feedback", "subscriber", "subscribers",
    "subscription", "subscriptions", "product", "products", "item", "items", "book", "books", "note", "notes",
    "question", "questions", "answer", "answers", "submission", "submissions", "login", "logins", "attempt",
    "attempts", "session", "sessions", "track", "tracks", "video", "videos", "recipe", "recipes", "trip", "trips",
    "booking", "bookings", "reservation", "reservations", "shipment", "shipments", "sale", "sales", "lead", "leads",
    "contact", "contacts", "story", "stories", "tweet", "tweets", "loan", "loans", "purchase", "purchases",
    "transfer", "transfers", "delivery", "deliveries", "donation", "donations", "claim", "claims", "incident",
    "incidents", "case", "cases", "checkin", "checkins", "heartbeat", "heartbeats", "flip", "flips",
})
# Words that make any name a configuration or reference table (`MenuItem`, `EventType`).
_CONFIGURATION = frozenset({"menu", "nav", "navigation", "setting", "settings", "config", "configuration", "option",
                            "options", "choice", "choices", "template", "templates", "preset", "presets", "type", "types",
                            "kind", "kinds", "category", "categories", "lookup", "default", "defaults"})
# Filters that scope a list to the requesting user or to a parent object.
_SCOPING_KEY = re.compile(r"(^|_)(user|owner|author|account|member|profile|creator|parent)(_id|__id|__pk)?$|_id$")


def _grows(model: str | None) -> bool:
    """Whether a model or table names a collection that grows with use (unknown: assume not)."""
    if not model:
        return False
    words = name_parts(model)
    return bool(words) and words[-1] in _GROWING and not _CONFIGURATION.intersection(words)


def _scoped(call: cst.Call) -> bool:
    """A query filtered on the current user or a parent object (`filter(user=request.user)`,
    `filter_by(project_id=project_id)`): a sub-resource, bounded by its parent."""
    for node in [call, *iter_descendants(call)]:
        if isinstance(node, cst.Call) and call_name(node) in ("filter", "filter_by", "exclude", "where"):
            for arg in node.args:
                if arg.keyword is not None and _SCOPING_KEY.search(arg.keyword.value) and string_value(arg.value) is None:
                    return True
                if arg.keyword is None and isinstance(arg.value, cst.Comparison):
                    left = dotted(arg.value.left) or ""
                    if _SCOPING_KEY.search(left.rsplit(".", 1)[-1]):
                        return True
    return False


def _scoped_by_url(body: Sequence[cst.BaseStatement]) -> bool:
    """A view set whose `get_queryset` reads a URL parameter (`self.kwargs["survey_pk"]`,
    `self.kwargs.get("project_id")`), itself or through a method of the class it calls
    (`canteen = self._get_canteen()`): routed under a parent (`surveys/<pk>/submissions`), it
    lists the children of one object."""
    methods = {stmt.name.value: stmt for stmt in body if isinstance(stmt, cst.FunctionDef)}

    def on_self(node: cst.CSTNode, attr: str | None = None) -> bool:
        return isinstance(node, cst.Attribute) and (attr is None or node.attr.value == attr) \
            and isinstance(node.value, cst.Name) and node.value.value == "self"

    def reads_kwargs(fn: cst.FunctionDef) -> bool:
        return any(on_self(node, "kwargs") for node in iter_descendants(fn.body))

    get_queryset = methods.get("get_queryset")
    if get_queryset is None:
        return False
    return reads_kwargs(get_queryset) or any(
        isinstance(node, cst.Call) and on_self(node.func) and node.func.attr.value in methods  # type: ignore[attr-defined]
        and reads_kwargs(methods[node.func.attr.value])  # type: ignore[attr-defined]
        for node in iter_descendants(get_queryset.body))


def _category_list(call: cst.Call) -> bool:
    """`Model.objects.values("type").distinct()`: the distinct values of a column, not rows."""
    methods = set(database.chain_methods(call))
    return "distinct" in methods and bool(methods & {"values", "values_list", "with_entities"})


def _bounded(call: cst.Call) -> bool:
    """A query chain that returns one row, a count, or a limited page."""
    methods = set(database.chain_methods(call))
    if methods & _BOUNDING:
        return True
    for node in [call, *iter_descendants(call)]:
        if isinstance(node, cst.Call):
            name = (call_name(node) or "")
            if name in ("limit", "paginate", "slice"):
                return True
            for arg in node.args:
                text = string_value(arg.value)
                if text is not None and _LIMIT_SQL.search(text):
                    return True
        elif isinstance(node, cst.FormattedString):
            text = "".join(p.value for p in node.parts if isinstance(p, cst.FormattedStringText))
            if _LIMIT_SQL.search(text):
                return True
    return False


class UnpaginatedListEndpoint(Rule):
    """A GET endpoint returns a whole table with no limit or pagination.

    A list endpoint that returns every row works in development and falls over in production:
    response time, memory and database load grow with the table, and one request for
    `/orders` can take the service down (this is how unbounded `findMany` calls caused outages).
    The rule flags GET route handlers for collections (their path does not end in a parameter)
    that return an unbounded query (`Model.objects.all()`/`filter()`, `session.query(...).all()`,
    `session.scalars(select(...)).all()`, `Model.query.all()`, SQL without `LIMIT`), directly or
    through a serializer, a list comprehension or a template context, when the handler has no
    limit/offset/page/cursor/size parameter and calls no `paginate`. DRF list views are flagged
    when they set `pagination_class = None`, or when the project's REST_FRAMEWORK settings were
    scanned and set no DEFAULT_PAGINATION_CLASS; not a view set whose `http_method_names` leaves out
    GET (`["post"]`: it lists nothing), nor one whose `get_queryset` returns what no query builds
    (`return get_available_storages()`, a list from the settings).

    The containers other routes are nested under are not reported (a view set whose
    `lookup_url_kwarg` is a URL parameter with routes below it: `events/<slug:event>/...`).
    Only collections that grow with use are reported: events, logs, records, orders, customers,
    content (by the model's or table's name). Configuration and reference tables
    (environments, templates, categories, settings) stay small, and their pickers need them whole;
    so do the accounts of a team (users, profiles, members), which grow with the organisation
    rather than with use, and which sharing and assignment pickers list whole.

    Left alone: view classes no file of the scan names (dead code), detail endpoints and sub-resources of one object (`/orders/{id}`,
    `/projects/{id}/tasks`, `def view(request, pk)`, a Flask view taking a URL variable (from a
    blueprint's `url_prefix` too), a query filtered on the requesting user, a parent id or an
    object the handler fetched one of with `get_object_or_404`; a view set whose `get_queryset` reads a URL
    parameter, `self.kwargs["survey_pk"]` (itself or in a method of the class it calls), routed under its parent, or answers only the requesting
    user's rows or one fetched parent's: `filter(user=self.request.user)`, `self.request.user.subscriptions.all()`,
    `filter(q)` whose every `Q(...)` names the requester, `q = Q(owner=user) | Q(shared_with=user)`), lists of a column's distinct values (`values("kind").distinct()`), queries bounded by `limit()`, slicing, `first()`,
    `get()`, `get_object_or_404`, counts and aggregates, handlers with pagination parameters or calls
    (`paginate`, `Paginator`, a table's `configure(request)`), form views, HTML pages (also through a
    template decorator, `@template_renderer()`; menus and
    pickers in a template context are usually small), and DRF views with a pagination class (also
    one inherited from the project's own base view or mixin, `class JsonApiViewMixin: pagination_class =
    JsonApiPagination`)."""

    ID = "BL402"
    LEVEL = Level.WARNING
    CONFIDENCE = Confidence.MEDIUM
    CWE = (770, 400)
    TAGS = ("performance", "api", "pagination")
    TESTS = False
    MESSAGE = "{what}; paginate it (limit/offset or cursor parameters with a maximum page size)"
    FIX = """Bound every list: take a page and a maximum size, and return a page.

```python
@router.get("/orders")
def list_orders(limit: int = Query(50, le=200), offset: int = 0, db: Session = Depends(get_db)):
    return db.scalars(select(Order).order_by(Order.id).limit(limit).offset(offset)).all()
```

For DRF, set `DEFAULT_PAGINATION_CLASS` and `PAGE_SIZE` in `REST_FRAMEWORK`."""
    REFERENCES = (
        "https://www.django-rest-framework.org/api-guide/pagination/",
        "https://cwe.mitre.org/data/definitions/770.html",
    )
    PREFILTER = ("get", "GET", "route", "ListAPIView", "ViewSet", "api_view", "View")

    INVALID = [
        Invalid(
            """
            from fastapi import APIRouter, Depends
            router = APIRouter()

            @router.get("/orders", response_model=list[OrderOut])
            def list_orders(db: Session = Depends(get_db)):
                return db.query(Order).all()
            """,
            line=6,
            note="Every order, every time.",
        ),
        Invalid(
            """
            from flask import Blueprint, jsonify
            bp = Blueprint("comments", __name__)

            @bp.route("/comments")
            def comments():
                rows = Comment.query.order_by(Comment.created_at.desc()).all()
                return jsonify([c.to_dict() for c in rows])
            """,
            line=6,
            note="Through a variable and a comprehension (Flask-SQLAlchemy).",
        ),
        Invalid(
            """
            from rest_framework.decorators import api_view
            from rest_framework.response import Response

            @api_view(["GET"])
            def articles(request):
                return Response(ArticleSerializer(Article.objects.filter(published=True), many=True).data)
            """,
            line=6,
            note="A serializer over an unsliced queryset.",
        ),
        Invalid(
            """
            from rest_framework import generics

            class LogList(generics.ListAPIView):
                queryset = LogEntry.objects.all()
                serializer_class = LogEntrySerializer
                pagination_class = None
            """,
            line=6,
            note="DRF pagination switched off for a list view.",
        ),
        Invalid(
            """
            from aiohttp import web
            routes = web.RouteTableDef()

            @routes.get("/events")
            async def events(request):
                async with request.app["pool"].acquire() as conn:
                    rows = await conn.fetch("SELECT id, kind, created_at FROM events ORDER BY id")
                return web.json_response([dict(r) for r in rows])
            """,
            line=7,
            note="SQL without LIMIT (aiohttp, asyncpg).",
        ),
    ]
    VALID = [
        Valid(
            """
            from flask import Blueprint, jsonify, request

            planner = Blueprint("planner", __name__, url_prefix="/households/<int:household_id>/planner")
            api = Blueprint("api", __name__)


            @planner.route("/recipes", methods=["GET"])
            def planned_recipes(household_id):
                planned = db.session.query(Planner.recipe_id).filter(Planner.household_id == household_id).scalar_subquery()
                recipes = Recipe.query.filter(Recipe.id.in_(planned)).order_by(Recipe.name).all()
                return jsonify([r.to_dict() for r in recipes])


            @api.get("/comments")
            def entity_comments():
                entity = Entity.query.filter_by(slug=request.args["entity"]).first_or_404()
                comments = Comment.query.filter_by(entity=entity).order_by(Comment.created).all()
                return jsonify([c.to_dict() for c in comments])
            """,
            note="Sub-resources of one parent: a household named by the blueprint's `url_prefix`, the comments of one entity fetched with `first_or_404()`.",
        ),
        Valid(
            """
            from fastapi import APIRouter, Depends
            router = APIRouter()

            @router.get("/environments")
            def environments(db: Session = Depends(get_db)):
                return db.query(Environment).order_by(Environment.name).all()
            """,
            note="A configuration table: a handful of rows an administrator keeps, listed whole for a picker.",
        ),
        Valid(
            """
            from rest_framework.decorators import api_view
            from rest_framework.response import Response

            @api_view(["GET"])
            def my_devices(request):
                return Response(DeviceSerializer(Device.objects.filter(user=request.user), many=True).data)

            @api_view(["GET"])
            def alarm_groups(request):
                return Response(list(Alarm.objects.values("group").distinct()))
            """,
            note="The requesting user's own rows; the distinct values of one column.",
        ),
        Valid(
            """
            from fastapi import APIRouter, Depends, Query
            router = APIRouter()

            @router.get("/orders")
            def list_orders(limit: int = Query(50, le=200), offset: int = 0, db: Session = Depends(get_db)):
                return db.query(Order).offset(offset).limit(limit).all()
            """,
            note="Limit and offset parameters.",
        ),
        Valid(
            """
            from fastapi import APIRouter
            router = APIRouter()

            @router.get("/orders/{order_id}")
            def get_order(order_id: int, db: Session = Depends(get_db)):
                return db.query(OrderLine).filter(OrderLine.order_id == order_id).all()
            """,
            note="A detail endpoint (the path ends in a parameter).",
        ),
        Valid(
            """
            from flask import Blueprint, jsonify
            bp = Blueprint("comments", __name__)

            @bp.get("/comments")
            def comments():
                page = db.paginate(db.select(Comment).order_by(Comment.id), per_page=50)
                return jsonify([c.to_dict() for c in page.items])
            """,
            note="Flask-SQLAlchemy's `paginate`.",
        ),
        Valid(
            """
            from flask import Blueprint, jsonify
            bp = Blueprint("users", __name__)

            @bp.get("/users")
            def users():
                rows = User.query.order_by(User.name).all()
                return jsonify([{"id": u.id, "name": u.name} for u in rows])
            """,
            note="The accounts of a team, listed whole for a sharing picker: they grow with the organisation.",
        ),
        Valid(
            """
            from rest_framework import generics

            class LogList(generics.ListAPIView):
                queryset = LogEntry.objects.all()
                serializer_class = LogEntrySerializer
                pagination_class = LimitOffsetPagination
            """,
            note="A DRF pagination class.",
        ),
        Valid(
            """
            from django.shortcuts import render

            def latest(request):
                posts = Post.objects.order_by("-created")[:20]
                return render(request, "latest.html", {"posts": posts})
            """,
            note="A sliced queryset.",
        ),
        Valid(
            """
            @router.post("/orders/search")
            def search(body: SearchIn, db: Session = Depends(get_db)):
                return db.query(Order).filter(Order.status == body.status).all()
            """,
            note="Not a GET endpoint.",
        ),
        Valid(
            """
            from django.urls import include, path
            from rest_framework import routers, viewsets

            class EventViewSet(viewsets.ReadOnlyModelViewSet):
                queryset = Event.objects.filter(is_public=True)
                serializer_class = EventListSerializer
                lookup_field = "slug"
                lookup_url_kwarg = "event"
                pagination_class = None

            event_router = routers.SimpleRouter()
            event_router.register("talks", TalkViewSet)
            urlpatterns = [path("events/<slug:event>/", include(event_router.urls))]
            """,
            path="conference/api/urls.py",
            note="The events are the containers every other route is nested under (tenants), not a list that grows with use.",
        ),
        Valid(
            """
            from rest_framework import generics

            class StorageList(generics.ListAPIView):
                serializer_class = StorageSerializer
                pagination_class = None

                def get_queryset(self):
                    return get_available_storages()
            """,
            note="The list comes from the settings, not from a table: it does not grow with use.",
        ),
        Valid(
            """
            from rest_framework import viewsets

            class UploadViewSet(viewsets.ModelViewSet):
                queryset = Upload.objects.all()
                serializer_class = UploadSerializer
                http_method_names = ["post"]
                pagination_class = None
            """,
            note="The view set answers POST only: it lists nothing.",
        ),
    ]

    def leave_ClassDef(self, node: cst.ClassDef) -> None:
        bases = {(dotted(b.value) or "").rsplit(".", 1)[-1] for b in node.bases}
        if not bases & _DRF_LIST_BASES or routes.unrouted_view(self.ctx, node):
            return
        body = node.body.body if isinstance(node.body, cst.IndentedBlock) else ()
        model = _view_model(body)
        if model is not None and not _grows(model):
            return  # a configuration or reference table
        lookup = _lookup(body)
        if lookup is not None and lookup in self.ctx.project.nested_url_params:
            return  # `events/<event>/...`: the container of other routes (a tenant), not a growing list
        if _scoped_by_url(body):
            return  # `get_queryset` filters on `self.kwargs["survey_pk"]`: the children of one object
        if _scoped_queryset(body):
            return  # `get_queryset` answers the requesting user's rows, or one parent's
        if _no_get(body):
            return  # `http_method_names = ["post"]`: the view set answers no GET, so lists nothing
        if model is None and _lists_no_query(body):
            return  # `def get_queryset(self): return get_available_storages()`: a list from settings, no table
        for stmt in body:
            if isinstance(stmt, cst.SimpleStatementLine):
                for small in stmt.body:
                    if isinstance(small, cst.Assign) and any(
                        isinstance(t.target, cst.Name) and t.target.value == "pagination_class" for t in small.targets
                    ):
                        if isinstance(small.value, cst.Name) and small.value.value == "None":
                            self.report(small.value, what=f"`{node.name.value}` lists a collection with `pagination_class = None`")
                        return
            elif isinstance(stmt, cst.FunctionDef) and stmt.name.value in ("list", "paginate_queryset", "get_paginated_response"):
                return
        facts = self.ctx.project
        if facts.paginating_view(bases):
            return  # the project's base view or mixin sets `pagination_class`
        if model is not None and facts.rest_framework_settings and not facts.default_pagination:
            self.report(node.name, what=f"`{node.name.value}` lists a collection and REST_FRAMEWORK sets no DEFAULT_PAGINATION_CLASS")

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        route = routes.route_of(self.ctx, node)
        if route is None or not route.is_get or route.view_class is not None and route.action not in (None, "list"):
            return
        if route.path is not None and _PATH_ENDS_WITH_PARAM.search(route.path):
            return
        if route.action is None and route.view_class is not None and route.framework == "drf":
            return  # APIView.get may be a detail view; its URL is in urls.py
        if route.path is not None and re.search(r"<[^>]+>|\{[^}]+\}", route.path):
            return  # a sub-resource of one object (`/projects/{id}/tasks`): scoped by its parent
        if (route.path is None or route.framework == "flask") and _takes_identifiers(node):
            return  # `def detail(request, pk)`; Flask passes only URL variables (a blueprint's `url_prefix` too)
        if self._paginated(node) or _reads_form(node) or _template_page(node):
            return
        scope = self.ctx.child_scope(node, self.ctx.current_scope()[0])
        for ret, stmt in scope.returns:
            if ret.value is None:
                continue
            env = Env(self.ctx, scope, stmt)
            for call in self._queries(ret.value, env, 0):
                if _filters_on_fetched_object(call, node):
                    return  # `entity = get_object_or_404(...)`, then `Comment.objects.filter(entity=entity)`
                self.report(call, what=f"GET `{node.name.value}` returns every row of {database.data_op(self.ctx, call, env).label}")  # type: ignore[union-attr]
                return

    def _model(self, query: cst.Call, env: Env, depth: int = 0) -> str | None:
        """The model a query lists, also through a queryset variable (`qs.filter(...)`)."""
        model = database.model_of(query)
        root = database.chain_root(query)
        if model is None and isinstance(root, cst.Name) and depth < 3:
            for value, venv in assigned_values(env, root):
                if isinstance(value, cst.Call) and value is not query:
                    model = self._model(value, venv, depth + 1)
                    if model is not None:
                        break
        return model

    def _paginated(self, fn: cst.FunctionDef) -> bool:
        params = [*fn.params.posonly_params, *fn.params.params, *fn.params.kwonly_params]
        if any(p.name.value.lower() in _PAGE_WORDS for p in params):
            return True
        for node in iter_descendants(fn.body, into_scopes=False):
            if isinstance(node, cst.Call):
                name = (call_name(node) or "")
                if any(word in name.lower() for word in _PAGINATING_CALLS):
                    return True
                for arg in node.args[:1]:
                    key = string_value(arg.value)
                    if key is not None and key.lower() in _PAGE_WORDS and name in ("get", "getlist", "__getitem__", "int"):
                        return True
            elif isinstance(node, cst.Subscript):
                key = node.slice[0].slice if node.slice else None
                if isinstance(key, cst.Index) and (string_value(key.value) or "").lower() in _PAGE_WORDS:
                    return True
        return False

    def _queries(self, expr: cst.BaseExpression, env: Env, depth: int) -> Iterator[cst.Call]:
        """Unbounded query calls whose rows `expr` carries."""
        if depth > 5:
            return
        if isinstance(expr, cst.Subscript):
            return  # sliced or indexed
        if isinstance(expr, cst.Attribute) and isinstance(expr.value, cst.Call):
            yield from self._queries(expr.value, env, depth + 1)  # Serializer(qs, many=True).data
            return
        if isinstance(expr, (cst.Name, cst.Attribute)):
            for value, venv in assigned_values(env, expr):
                if value is not expr and isinstance(value, cst.BaseExpression) and not isinstance(value, cst.Param):
                    yield from self._queries(value, venv, depth + 1)
            return
        if isinstance(expr, cst.Call):
            op = database.data_op(self.ctx, expr, env)
            if op is not None and op.kind is OpKind.QUERY:
                if not (_bounded(expr) or _scoped(expr) or _category_list(expr)) and _grows(self._model(expr, env)):
                    yield expr
                return
            if op is not None:
                return
            name = call_name(expr) or ""
            many = any(a.keyword is not None and a.keyword.value == "many" for a in expr.args)
            if name in _ROW_CARRIERS or name.endswith(("Serializer", "Schema")) and many:
                for arg in expr.args:
                    if arg.keyword is None or arg.keyword.value in ("content", "data", "instance", "obj"):
                        yield from self._queries(arg.value, env, depth + 1)
            return
        if isinstance(expr, (cst.ListComp, cst.GeneratorExp, cst.SetComp)):
            yield from self._queries(expr.for_in.iter, env, depth + 1)
        elif isinstance(expr, (cst.Dict,)):
            for el in expr.elements:
                if isinstance(el, cst.DictElement):
                    yield from self._queries(el.value, env, depth + 1)
        elif isinstance(expr, (cst.Tuple, cst.List)):
            for el in expr.elements[:1]:
                yield from self._queries(el.value, env, depth + 1)


def _class_attribute(body: Sequence[cst.CSTNode], name: str) -> cst.BaseExpression | None:
    """The value the class body first assigns to `name` (`http_method_names = ["post"]`), if any."""
    for stmt in body:
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                if isinstance(small, cst.Assign) and any(isinstance(t.target, cst.Name) and t.target.value == name for t in small.targets):
                    return small.value
    return None


def _no_get(body: Sequence[cst.CSTNode]) -> bool:
    """Whether the class body sets `http_method_names` to literal methods without "get"."""
    value = _class_attribute(body, "http_method_names")
    if not isinstance(value, (cst.List, cst.Tuple)):
        return False
    methods = [string_value(e.value) for e in value.elements]
    return all(m is not None for m in methods) and "get" not in {m.lower() for m in methods if m}


def _scoped_queryset(body: Sequence[cst.CSTNode]) -> bool:
    """A view set whose `get_queryset` answers only rows of the requesting user or of one parent:
    every query it returns (but `.none()`) is filtered on the user (`filter(user=self.request.user)`,
    `filter(id=self.request.user.id)`) or on an object it fetched (`get_object_or_404(...)`)."""
    for stmt in body:
        if isinstance(stmt, cst.FunctionDef) and stmt.name.value == "get_queryset":
            returned = [n.value for n in iter_descendants(stmt.body, into_scopes=False)
                        if isinstance(n, cst.Return) and isinstance(n.value, cst.Call) and call_name(n.value) != "none"]
            return bool(returned) and all(
                _scoped(q) or _filters_on_fetched_object(q, stmt) or _filters_on_requester(q) or _q_on_requester(q, stmt)
                for q in returned)
    return False


def _q_on_requester(call: cst.Call, fn: cst.FunctionDef) -> bool:
    """`filter(location_filter)` with `location_filter = Q(location__user=user)`, `location_filter |=
    Q(location__collections__shared_with=user)` and `user = self.request.user`: every condition
    (each `Q(...)` of the filter, written in it or built in a name the function assigns) names the
    requester, so every row is the user's own or shared with the user."""
    requesters = {"request.user", "self.request.user"}
    built: dict[str, list[cst.BaseExpression]] = {}
    for node in iter_descendants(fn.body, into_scopes=False):
        if isinstance(node, cst.Assign) and len(node.targets) == 1 and isinstance(node.targets[0].target, cst.Name):
            name = node.targets[0].target.value
            if dotted(node.value) in requesters:
                requesters.add(name)
            built.setdefault(name, []).append(node.value)
        elif isinstance(node, cst.AugAssign) and isinstance(node.target, cst.Name):
            built.setdefault(node.target.value, []).append(node.value)
    conditions: list[cst.Call] = []
    todo: list[cst.BaseExpression] = [a.value for n in [call, *iter_descendants(call)] if isinstance(n, cst.Call)
                                      and call_name(n) in ("filter", "exclude") for a in n.args if a.keyword is None]
    seen: set[str] = set()
    while todo:
        expr = todo.pop()
        if isinstance(expr, cst.Name) and expr.value not in seen:
            seen.add(expr.value)
            todo.extend(built.get(expr.value, []))
        elif isinstance(expr, cst.BinaryOperation):
            todo.extend((expr.left, expr.right))
        elif isinstance(expr, cst.Call) and call_name(expr) == "Q":
            conditions.append(expr)
        else:
            return False
    return bool(conditions) and all(
        any(a.keyword is not None and dotted(a.value) in requesters for a in q.args) for q in conditions)


def _filters_on_requester(call: cst.Call) -> bool:
    """`filter(id=self.request.user.id)`, `filter(owner=request.user)`: a filter on the requester;
    or the requester's own related rows (`self.request.user.email_subscriptions.all()`)."""
    if _REQUESTER.search(dotted(database.chain_root(call)) or ""):
        return True
    for node in [call, *iter_descendants(call)]:
        if isinstance(node, cst.Call) and call_name(node) in ("filter", "filter_by", "where"):
            for arg in node.args:
                if _REQUESTER.search(dotted(arg.value) or ""):
                    return True
    return False


_REQUESTER = re.compile(r"(?:^|\.)request\.user(?:\.|$)")


def _lists_no_query(body: Sequence[cst.CSTNode]) -> bool:
    """Whether the view's `get_queryset` returns something no query builds (`get_available_storages()`,
    a list of settings) and the class sets no `queryset`: no rows that grow with use."""
    getter = next((s for s in body if isinstance(s, cst.FunctionDef) and s.name.value == "get_queryset"), None)
    if getter is None or _class_attribute(body, "queryset") is not None:
        return False
    nodes = list(iter_descendants(getter.body, into_scopes=False))
    return any(isinstance(n, cst.Return) and n.value is not None for n in nodes) and not any(
        isinstance(n, cst.Attribute) and (n.attr.value in ("objects", "queryset", "get_queryset", "query") or n.attr.value in database.DJANGO_LAZY)
        for n in nodes)


def _view_model(body: Sequence[cst.CSTNode]) -> str | None:
    """The model a DRF list view serves: its `queryset` attribute, or what `get_queryset` returns."""
    for stmt in body:
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                if isinstance(small, cst.Assign) and isinstance(small.value, cst.Call) and any(
                    isinstance(t.target, cst.Name) and t.target.value == "queryset" for t in small.targets
                ):
                    return database.model_of(small.value)
        elif isinstance(stmt, cst.FunctionDef) and stmt.name.value == "get_queryset":
            for node in iter_descendants(stmt.body, into_scopes=False):
                if isinstance(node, cst.Return) and isinstance(node.value, cst.Call):
                    return database.model_of(node.value)
    return None


def _template_page(fn: cst.FunctionDef) -> bool:
    """A view whose returned mapping a decorator renders into an HTML template
    (`@template_renderer()`, `@templated("index.html")`, `@render_to("list.html")`): a page."""
    for target in decorator_targets(fn):
        words = set(name_parts((dotted(target) or "").rsplit(".", 1)[-1]))
        if words & {"template", "templated"} or words >= {"render", "to"}:
            return True
    return False


def _filters_on_fetched_object(call: cst.Call, fn: cst.FunctionDef) -> bool:
    """A query filtered on an object the handler fetched one of (`get_object_or_404(...)`,
    `X.objects.get(...)`, `.first()`, `.one()`): the rows of one parent, a sub-resource."""
    fetched = set()
    for node in iter_descendants(fn.body, into_scopes=False):
        if isinstance(node, cst.Assign) and isinstance(node.value, cst.Call) and (
            (call_name(node.value) or "") in _FETCH_ONE or (dotted(node.value.func) or "").endswith((".objects.get", ".query.get"))
        ):
            fetched |= {t.target.value for t in node.targets if isinstance(t.target, cst.Name)}
    if not fetched:
        return False
    for node in [call, *iter_descendants(call)]:
        if isinstance(node, cst.Call) and call_name(node) in ("filter", "filter_by", "where"):
            if any(arg.keyword is not None and isinstance(arg.value, cst.Name) and arg.value.value in fetched for arg in node.args):
                return True
    return False


def _takes_identifiers(fn: cst.FunctionDef) -> bool:
    """A handler with arguments besides the request (Django's `def view(request, pk)`,
    `APIView.get(self, request, pk)`): its URL names one object."""
    params = [p.name.value for p in (*fn.params.posonly_params, *fn.params.params, *fn.params.kwonly_params)]
    return bool([p for p in params if p not in ("self", "cls", "request", "req")]) and not fn.params.star_kwarg


def _reads_form(fn: cst.FunctionDef) -> bool:
    """A view that handles a form post (`request.POST`, `request.method == "POST"`): not a list API."""
    for node in iter_descendants(fn.body, into_scopes=False):
        if isinstance(node, cst.Attribute) and node.attr.value in ("POST", "FILES") and dotted(node.value) in ("request", "self.request"):
            return True
        if isinstance(node, cst.Comparison) and (dotted(node.left) or "").endswith("request.method"):
            return True
    return False


def _lookup(body: Sequence[cst.BaseStatement]) -> str | None:
    """The URL keyword a view set reads its object by, when set (`lookup_url_kwarg = "event"`,
    else `lookup_field`); not the default primary key."""
    found: dict[str, str] = {}
    for stmt in body:
        for small in stmt.body if isinstance(stmt, cst.SimpleStatementLine) else ():
            if isinstance(small, cst.Assign) and (text := string_value(small.value)) is not None:
                for t in small.targets:
                    if isinstance(t.target, cst.Name) and t.target.value in ("lookup_url_kwarg", "lookup_field"):
                        found[t.target.value] = text
    value = found.get("lookup_url_kwarg") or found.get("lookup_field")
    return value if value not in (None, "pk", "id") else None
