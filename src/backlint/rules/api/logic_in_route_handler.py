from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Mapping

import libcst as cst

from backlint.findings import Confidence, Level
from backlint.frameworks import database, errors, routes
from backlint.frameworks.database import OpKind
from backlint.frameworks.values import Env, assigned_values
from backlint.rule import Invalid, Option, Rule, Valid
from backlint.frameworks.imports import dotted
from backlint.syntax import (LEAVING, argument, call_name, is_call_statement_of, ends_with, iter_children, iter_descendants, keyword_arg,
                             posted_button, string_value, value_choice)

_ARITHMETIC = (cst.Multiply, cst.Divide, cst.FloorDivide, cst.Subtract, cst.Modulo, cst.Power)
_AUG_NUMERIC = (cst.AddAssign, cst.SubtractAssign, cst.MultiplyAssign, cst.DivideAssign, cst.FloorDivideAssign)


@dataclass
class _Handler:
    node: cst.FunctionDef
    raw: list[database.DataOp] = field(default_factory=list)
    queries: list[tuple[database.DataOp, tuple[tuple[int, int], ...], str]] = field(default_factory=list)
    writes: list[tuple[database.DataOp, tuple[tuple[int, int], ...], str]] = field(default_factory=list)
    """Writes with the if/try arms they sit in and the object they write."""
    repeated: set[int] = field(default_factory=set)
    """Ids of writes made in a loop (many writes from one call)."""
    statements: int = 0
    branches: int = 0
    computation: cst.CSTNode | None = None
    lazy: list[tuple[database.DataOp, str | None]] = field(default_factory=list)
    """Queries that only build a queryset, with the name it is bound to (`qs = X.objects.filter()`), if any."""


def _trivial_sql(op: database.DataOp) -> bool:
    """`SELECT 1` and alike: a health check, not data access; and a session's setting (`SET
    CONSTRAINTS ALL DEFERRED`, `SET LOCAL statement_timeout = ...`), which reads and writes no data."""
    call: cst.BaseExpression = op.call
    while isinstance(call, cst.Call) and isinstance(call.func, cst.Attribute) and isinstance(call.func.value, cst.Call) and not call.args:
        call = call.func.value  # conn.execute("SELECT 1").fetchone()
    sql = argument(call, 0, "sql", "query", "statement") if isinstance(call, cst.Call) else None
    if isinstance(sql, cst.Call) and sql.args:  # text("SELECT 1")
        sql = sql.args[0].value
    text = string_value(sql) if sql is not None else None
    lowered = " ".join((text or "").lower().split())
    if text is not None and re.match(r"set\s", lowered):
        return True
    return text is not None and lowered.startswith("select") and ("from" not in lowered or lowered.endswith("from dual"))  # (Oracle's `SELECT 1 FROM DUAL`)


class LogicInRouteHandler(Rule):
    """A route handler does the work itself instead of delegating to a service or repository.

    A handler's job is the HTTP boundary: read the request, call one piece of application code,
    shape the response. When it also runs SQL, coordinates several writes or computes over
    domain data, that logic cannot be reused by a job or another endpoint, is tested only
    through HTTP, and mixes transaction and error handling with request parsing. The rule
    reports each handler once, at its `def`, with the reasons: raw SQL or cursor use (not `SELECT 1`
    nor a session's setting, `SET CONSTRAINTS ALL DEFERRED`), three or
    more writes on one path (a write in a loop counts twice), more database calls on one path than `max-data-operations`, a
    computation over domain data (arithmetic on fields in a loop), or more statements or
    branches than configured (arms of an `if request.method == ...` dispatch count separately, and
    so do those of the button that submitted a form, `if "pin" in request.POST:`, in a chain or in a row,
    or one such `if` that returns early, the rest of the view being the other handler; an optional
    query parameter refining the query, `if "tag" in request.GET: qs = qs.filter(...)`, is one statement
    (so is one whose arms, `else` and nested `if`s included, only refine that query: `if positive: q =
    q.filter(E.points > 0)` / `else: q = q.filter(E.points <= 0)`, or adds a column condition to the query's list of
    them: `if f.testcase: clauses.append(Waiver.testcase == f.testcase)`, also inside a `try` that leaves a
    value out when it does not parse: `try: q = q.filter(T.at >= fromisoformat(start))` / `except ValueError: pass`),
    and of `if`s in a row comparing one value with different literals, `if form_label == "preferences":`;
    guard clauses that return an error, and `try` blocks whose `except` clauses only raise or
    return an answer (after a message for the user, if any), are request checking,
    not branches, and a guard clause is one statement, as is a run of three or more field copies
    between a form and a row, `config.server_url = form.server_url.data`;
    an `if`/`elif` chain choosing among one
    value's constants is one branch, and so is a `match`, whose largest case is what counts; the
    writes of different cases never run together). Code after `if found: ...; return` is another
    path than that `if`'s body, and `session.flush()` is not a write of its own; writes of one object count once (a
    model form built with `instance=obj` saved, then `obj.save()`; `obj.likes.add(u)` then `obj.save()`).

    Left alone: views no request reaches (a Django or DRF view class that no file of the scan names:
    no URL configuration, router, subclass or import), handlers that parse, call one service function and map the result, a single
    get-or-404, a few ORM reads (refining a queryset is not another read, nor is a
    queryset built only for other queries to use: a subquery, a `Prefetch`), one or two writes, health checks (`SELECT 1`; a handler named for a health, readiness or liveness
    probe, or for diagnosing the service's parts, `GET /diagnostics/postgres`, `site_status`, however many
    dependencies it probes), and any function that is not a route
    handler (services, repositories, helpers; in a views module, a function other code calls
    with the request and that does not answer it itself, such as `get_findings(request)`)."""

    ID = "BL401"
    LEVEL = Level.WARNING
    CONFIDENCE = Confidence.MEDIUM
    TAGS = ("architecture", "maintainability")
    MESSAGE = "Route handler `{name}` does the work itself: {reasons}; move it into a service or repository"
    FIX = """Keep the handler at the HTTP boundary and put the work where it can be reused and tested:

```python
@router.post("/orders", status_code=201)
def create_order(body: OrderIn, db: Session = Depends(get_db)) -> OrderOut:
    return orders_service.place(db, body)      # SQL, writes and rules live in the service
```"""
    REFERENCES = (
        "https://martinfowler.com/eaaCatalog/serviceLayer.html",
        "https://github.com/HackSoftware/Django-Styleguide#services",
    )
    OPTIONS = {
        "max-statements": Option(40, "Statements a handler may have (nested ones included).", minimum=1),
        "max-branches": Option(10, "if/elif/for/while/except branches a handler may have.", minimum=1),
        "max-data-operations": Option(4, "Database calls (queries and writes) a handler may make.", minimum=1),
    }
    TESTS = False

    INVALID = [
        Invalid(
            """
            from flask import Flask, jsonify
            app = Flask(__name__)

            @app.get("/reports/sales")
            def sales():
                cur = get_db().cursor()
                cur.execute("SELECT product_id, SUM(quantity) FROM order_lines GROUP BY product_id")
                return jsonify(cur.fetchall())
            """,
            line=5,
            note="Raw SQL in the handler.",
        ),
        Invalid(
            """
            from fastapi import APIRouter, Depends
            router = APIRouter()

            @router.post("/orders")
            def create_order(body: OrderIn, db: Session = Depends(get_db)):
                order = Order(customer_id=body.customer_id)
                db.add(order)
                db.flush()
                for line in body.lines:
                    db.add(OrderLine(order_id=order.id, sku=line.sku, quantity=line.quantity))
                db.commit()
                return order
            """,
            line=5,
            note="Several writes coordinated in the handler.",
        ),
        Invalid(
            """
            from rest_framework.decorators import api_view
            from rest_framework.response import Response

            @api_view(["GET"])
            def invoice(request, pk):
                order = Order.objects.get(pk=pk)
                total = 0
                for line in order.lines.all():
                    total += line.unit_price * line.quantity
                if order.coupon:
                    total -= total * order.coupon.percent / 100
                return Response({"total": total})
            """,
            line=5,
            note="Pricing rules computed in the view.",
        ),
        Invalid(
            """
            from django.views import View

            class Dashboard(View):
                def get(self, request):
                    users = User.objects.count()
                    orders = Order.objects.filter(status="paid").count()
                    revenue = Order.objects.aggregate(total=Sum("total"))
                    refunds = Refund.objects.filter(created__gte=today()).count()
                    top = Product.objects.order_by("-sold")[:5]
                    return render(request, "dashboard.html", locals())
            """,
            line=4,
            note="More database calls than the limit (a class-based view).",
        ),
        Invalid(
            """
            from flask import Blueprint, request
            bp = Blueprint("users", __name__)

            @bp.route("/users/<int:user_id>", methods=["PUT"])
            def update_user(user_id):
                user = User.query.get_or_404(user_id)
                user.name = request.json["name"]
                db.session.add(user)
                db.session.add(AuditEntry(user_id=user.id, action="update"))
                db.session.add(Notification(user_id=user.id, kind="profile-changed"))
                db.session.commit()
                return {"id": user.id}
            """,
            line=5,
            note="Writes to several tables from a Flask view.",
        ),
        Invalid(
            """
            from django.shortcuts import render

            def dashboard(request):
                return dashboard_page(request, compact=False)

            def dashboard_compact(request):
                return dashboard_page(request, compact=True)

            def dashboard_page(request, compact):
                users = User.objects.count()
                orders = Order.objects.filter(status="paid").count()
                revenue = Order.objects.aggregate(total=Sum("total"))
                refunds = Refund.objects.filter(created__gte=today()).count()
                top = Product.objects.order_by("-sold")[:5]
                return render(request, "dashboard.html", locals())
            """,
            path="shop/views.py",
            line=9,
            note="A view body shared by two URLs: it answers the request itself, so it is a handler.",
        ),
    ]
    VALID = [
        Valid(
            """
            from fastapi import APIRouter, Depends, Request

            router = APIRouter()

            @router.post("/webhooks/documents")
            async def documents_webhook(request: Request, db=Depends(get_db)):
                payload = await request.json()
                match payload["event"]:
                    case "signed":
                        doc = payload["id"]; who = payload.get("by"); at = payload.get("at"); why = payload.get("reason")
                        ref = payload.get("ref"); lang = payload.get("lang"); page = payload.get("page"); size = payload.get("size")
                        await documents.mark_signed(db, doc, who, at, why, ref, lang, page, size)
                        return {"status": "signed"}
                    case "rejected":
                        doc = payload["id"]; who = payload.get("by"); at = payload.get("at"); why = payload.get("reason")
                        ref = payload.get("ref"); lang = payload.get("lang"); page = payload.get("page"); size = payload.get("size")
                        await documents.mark_rejected(db, doc, who, at, why, ref, lang, page, size)
                        return {"status": "rejected"}
                    case "expired":
                        doc = payload["id"]; who = payload.get("by"); at = payload.get("at"); why = payload.get("reason")
                        ref = payload.get("ref"); lang = payload.get("lang"); page = payload.get("page"); size = payload.get("size")
                        await documents.mark_expired(db, doc, who, at, why, ref, lang, page, size)
                        return {"status": "expired"}
                    case "completed":
                        doc = payload["id"]; who = payload.get("by"); at = payload.get("at"); why = payload.get("reason")
                        ref = payload.get("ref"); lang = payload.get("lang"); page = payload.get("page"); size = payload.get("size")
                        await documents.mark_completed(db, doc, who, at, why, ref, lang, page, size)
                        return {"status": "completed"}
                    case _:
                        return {"status": "ignored"}
            """,
            note="A `match` on the event: one case runs, and each is small; together they are not one long handler.",
        ),
        Valid(
            """
            from fastapi import APIRouter, Depends, HTTPException

            router = APIRouter()

            @router.post("/orgs/{org_id}/config")
            def upsert_config(org_id: int, body: ConfigIn, db=Depends(get_db)):
                if db.query(Org).get(org_id) is None:
                    raise HTTPException(404, "no such organisation")
                config = db.query(Config).filter_by(org_id=org_id, key=body.key).first()
                if config:
                    config.value = body.value
                    db.add(config)
                    db.commit()
                    db.flush()
                    return config
                config = Config(org_id=org_id, key=body.key, value=body.value)
                db.add(config)
                db.add(AuditEntry(org_id=org_id, action="config"))
                db.commit()
                db.flush()
                return config
            """,
            note="Update or insert: the two arms never both run (the first returns), so each path makes two reads and at most two writes; a flush is no write of its own.",
        ),
        Valid(
            """
            from fastapi import APIRouter

            router = APIRouter()

            @router.get("/backoffice/orders/{order_id}")
            async def order_page(order_id: str):
                order = await orders.get(order_id)
                with tag.div(classes="card"):
                    with tag.div(classes="card-body"):
                        with tag.h2():
                            text("Order")
                        with tag.dl():
                            with tag.dt():
                                text("Customer")
                            with tag.dd():
                                text(order.customer_email)
                            with tag.dt():
                                text("Amount")
                            with tag.dd():
                                text(order.amount)
                            with tag.dt():
                                text("Status")
                            with tag.dd():
                                text(order.status)
                            with tag.dt():
                                text("Created")
                            with tag.dd():
                                text(order.created_at)
                            with tag.dt():
                                text("Paid")
                            with tag.dd():
                                text(order.paid_at)
                            with tag.dt():
                                text("Shipped")
                            with tag.dd():
                                text(order.shipped_at)
                            with tag.dt():
                                text("Currency")
                            with tag.dd():
                                text(order.currency)
                            with tag.dt():
                                text("Reference")
                            with tag.dd():
                                text(order.reference)
                            with tag.dt():
                                text("Notes")
                            with tag.dd():
                                text(order.notes)
                        with tag.div(classes="actions"):
                            with tag.a(href=f"/backoffice/orders/{order_id}/refund"):
                                text("Refund")
                            with tag.a(href=f"/backoffice/orders/{order_id}/cancel"):
                                text("Cancel")
                return page()
            """,
            note="A page built in Python (nested `with` blocks of markup) is presentation, counted as one statement.",
        ),
        Valid(
            """
            from fastapi import APIRouter

            router = APIRouter()

            @router.patch("/boards/{board_id}")
            async def update_board(board_id: str, update: BoardUpdate):
                board = await boards.get(board_id)
                if update.name is not None:
                    board.name = update.name
                if update.title is not None:
                    board.title = update.title
                if update.description is not None:
                    board.description = update.description
                if update.color is not None:
                    board.color = update.color
                if update.icon is not None:
                    board.icon = update.icon
                if update.position is not None:
                    board.position = update.position
                if update.visible is not None:
                    board.visible = update.visible
                if update.archived is not None:
                    board.archived = update.archived
                if update.owner is not None:
                    board.owner = update.owner
                if update.due is not None:
                    board.due = update.due
                if update.notes is not None:
                    board.notes = update.notes
                await boards.save(board)
                return board
            """,
            note="A partial update copying optional fields: mapping, not decisions.",
        ),
        Valid(
            """
            from fastapi import APIRouter, Depends
            router = APIRouter()

            @router.post("/orders", status_code=201)
            def create_order(body: OrderIn, db: Session = Depends(get_db)):
                return orders_service.place(db, body)
            """,
            note="Parse, one service call, respond.",
        ),
        Valid(
            """
            from flask import Flask, abort, jsonify
            app = Flask(__name__)

            @app.get("/users/<int:user_id>")
            def show(user_id):
                user = User.query.get(user_id)
                if user is None:
                    abort(404)
                return jsonify(user.to_dict())
            """,
            note="A single get-or-404.",
        ),
        Valid(
            """
            def place_order(db, body):
                order = Order(customer_id=body.customer_id)
                db.add(order)
                for line in body.lines:
                    db.add(OrderLine(order=order, sku=line.sku))
                db.commit()
                return order
            """,
            note="The same work in a service function is where it belongs.",
        ),
        Valid(
            """
            from fastapi import FastAPI
            app = FastAPI()

            @app.get("/health")
            def health(db=Depends(get_db)):
                db.execute(text("SELECT 1"))
                return {"status": "ok"}
            """,
            note="A health check.",
        ),
        Valid(
            """
            from rest_framework import viewsets

            class ArticleViewSet(viewsets.ModelViewSet):
                queryset = Article.objects.all()
                serializer_class = ArticleSerializer

                def perform_create(self, serializer):
                    serializer.save(author=self.request.user)
            """,
            note="A viewset hook with one write.",
        ),
        Valid(
            """
            from django.shortcuts import get_object_or_404, render

            def article(request, slug):
                article = get_object_or_404(Article, slug=slug)
                comments = article.comments.filter(approved=True)
                return render(request, "article.html", {"article": article, "comments": comments})
            """,
            note="Two reads for a page.",
        ),
        Valid(
            """
            from django.shortcuts import render

            def dashboard_numbers(request):
                users = User.objects.count()
                orders = Order.objects.filter(status="paid").count()
                revenue = Order.objects.aggregate(total=Sum("total"))
                refunds = Refund.objects.filter(created__gte=today()).count()
                top = Product.objects.order_by("-sold")[:5]
                return {"users": users, "orders": orders, "revenue": revenue, "refunds": refunds, "top": top}

            def dashboard(request):
                return render(request, "dashboard.html", dashboard_numbers(request))
            """,
            path="reports/views.py",
            note="A helper the views call with the request (`dashboard_numbers(request)`) is not a route handler itself.",
        ),
        Valid(
            """
            from rest_framework.views import APIView
            from rest_framework.response import Response

            class IssueCounts(APIView):
                def get(self, request):
                    charged = Issue.objects.filter(assigned_to=request.user).exclude(project__status="closed")
                    created = Issue.objects.filter(creator=request.user)
                    projects = Project.objects.filter(members=request.user).values("id")
                    return Response({
                        "open_charged": charged.filter(closed__isnull=True).count(),
                        "closed_charged": charged.filter(closed__isnull=False).count(),
                        "open_created": created.filter(closed__isnull=True, project__in=projects).count(),
                        "closed_created": created.filter(closed__isnull=False, project__in=projects).count(),
                    })
            """,
            note="Four counts: the querysets they refine or use as a subquery run as part of them.",
        ),
    ]

    def __init__(self, ctx: Any, options: Mapping[str, Any]) -> None:
        super().__init__(ctx, options)
        self._handlers: list[_Handler | None] = []

    def _current(self) -> _Handler | None:
        handler = self._handlers[-1] if self._handlers else None
        if handler is None or self.ctx.function() is not handler.node:
            return None
        return handler

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        route = routes.route_of(self.ctx, node)
        # (a health check probes every dependency it reports on: that is its job)
        probe = routes.health_check(node, self.ctx.enclosing_class()) or (  # (`class Healthz(Resource): def get()`)
            route is not None and routes.diagnostics(node, route))  # (`GET /diagnostics/postgres`)
        self._handlers.append(_Handler(node) if route is not None and not probe else None)

    def visit_Call(self, node: cst.Call) -> None:
        handler = self._current()
        if handler is None or database.is_chain_link(self.ctx.stack):
            return
        op = database.data_op(self.ctx, node, lambda: Env.here(self.ctx))
        if op is None:
            return
        if op.raw and not _trivial_sql(op):
            handler.raw.append(op)
        if op.kind is OpKind.WRITE and not database.only_flushes(op):
            handler.writes.append((op, self._arms(), self._target(node)))
            if self._repeated():
                handler.repeated.add(id(op))
        elif op.kind is OpKind.QUERY and not database.refines_queryset(self.ctx, node, lambda: Env.here(self.ctx)):
            handler.queries.append((op, self._arms(), f"#{id(node)}"))
            if database.is_lazy_query(self.ctx, node, lambda: Env.here(self.ctx)):
                parent = self.ctx.parent()
                bound = isinstance(parent, cst.Assign) and len(parent.targets) == 1 and isinstance(parent.targets[0].target, cst.Name)
                handler.lazy.append((op, parent.targets[0].target.value if bound else None))  # type: ignore[union-attr]

    def _repeated(self) -> bool:
        """Inside a loop, and not in a block of it that ends by leaving the loop (`candidates.update(...)`
        then `login(request); return redirect(...)`: it runs once at most)."""
        stack = self.ctx.stack
        for i in range(len(stack) - 1, -1, -1):
            node = stack[i]
            if isinstance(node, (cst.For, cst.While)):
                return True
            if isinstance(node, cst.IndentedBlock) and ends_with(node, (*LEAVING, cst.Break)):
                return False
            if isinstance(node, cst.FunctionDef):
                return False
        return False

    def _arms(self) -> tuple[tuple[int, int], ...]:
        """The branches the current node is in. Code after `if found: ...; return found` runs only
        when that `if` was not taken: it is in the `if`'s other arm."""
        arms = []
        stack = self.ctx.stack
        for anc, child in zip(stack, stack[1:]):
            if isinstance(anc, (cst.IndentedBlock, cst.Module)):
                for sibling in anc.body:
                    if sibling is child:
                        break
                    if isinstance(sibling, cst.If) and sibling.orelse is None and ends_with(sibling.body):
                        arms.append((id(sibling), 1))
            if isinstance(anc, cst.If):
                arms.append((id(anc), 0 if child is anc.body else 1))
                choice = value_choice(anc, self._handlers[-1].node) if child is anc.body and self._handlers[-1] else None
                if choice is not None:
                    arms.append(choice)  # (`if request.method == "POST":` then `if request.method == "DELETE":`)
            elif isinstance(anc, (cst.Try, cst.TryStar)):
                index = 0 if child is anc.body else next((k + 1 for k, h in enumerate(anc.handlers) if h is child), -1)
                if index >= 0:
                    arms.append((id(anc), index))
            elif isinstance(anc, cst.Match):
                index = next((k for k, case in enumerate(anc.cases) if case is child), -1)
                if index >= 0:
                    arms.append((id(anc), index))  # the cases of a `match` are alternatives
        return tuple(arms)

    def _target(self, call: cst.Call) -> str:
        """What a write writes: the object saved, or the name its result is bound to
        (`obj = X.objects.create()` then `obj.save()` is one object), for a model form's
        `form.save()`, the instance it was built with (`form = SettingsForm(request.POST,
        instance=obj)`), and for a write of a row's relation (`obj.tags.add(tag)`), the row.
        (`obj, created = X.objects.get_or_create()` then `obj.save()` stays two writes: a find or
        create, then a change, judged a workflow six times in eight.)"""
        bound = database.bound_name(self.ctx.parent(), unpacked=False)
        if bound is not None:
            return bound
        func = call.func
        if isinstance(func, cst.Attribute) and call_name(call) in ("save", "delete"):
            if call_name(call) == "save" and isinstance(func.value, cst.Name):
                for value, _ in assigned_values(Env.here(self.ctx), func.value):
                    instance = keyword_arg(value, "instance") if isinstance(value, cst.Call) else None
                    if instance is not None and isinstance(instance.value, cst.Name):
                        return instance.value.value  # the model form saves the instance it edits
            return dotted(func.value) or f"#{id(call)}"
        if isinstance(func, cst.Attribute) and call_name(call) in _RELATION_WRITES and isinstance(func.value, cst.Attribute) \
                and func.value.attr.value in self.ctx.project.relations and self.ctx.imports.imports_any(["django"]):
            return dotted(func.value.value) or f"#{id(call)}"  # `profile.upvoted.add(issue)`, then `profile.save()`: one change of it
        return f"#{id(call)}"

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        handler = self._current()
        if handler is None or handler.computation is not None or not isinstance(node.operator, _AUG_NUMERIC):
            return
        in_loop = any(isinstance(a, (cst.For, cst.While)) for a in self.ctx.ancestors())
        if in_loop and not isinstance(node.value, (cst.SimpleString, cst.FormattedString, cst.ConcatenatedString, cst.List)):
            if (_touches_fields(node.value) or _touches_fields(node.target)) and not _text_or_collection(handler.node, node.target):
                handler.computation = node

    def visit_BinaryOperation(self, node: cst.BinaryOperation) -> None:
        handler = self._current()
        if handler is None or handler.computation is not None or not isinstance(node.operator, _ARITHMETIC):
            return
        in_loop = any(isinstance(a, (cst.For, cst.While, cst.CompFor, cst.GeneratorExp, cst.ListComp)) for a in self.ctx.ancestors())
        if in_loop and _is_field(node.left) and _is_field(node.right):
            handler.computation = node

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        handler = self._handlers.pop()
        if handler is None:
            return
        if isinstance(node.body, cst.IndentedBlock) and any(
                is_call_statement_of(stmt, self.ctx.project.raising_only) for stmt in node.body.body[:3]):
            return  # `raise_deprecation_error(request)` first: a retired endpoint, whose body never runs
        statements, branches = _size(node.body)
        max_statements = int(self.options.get("max-statements", 40))
        max_branches = int(self.options.get("max-branches", 10))
        max_ops = int(self.options.get("max-data-operations", 4))
        reasons = []
        if handler.raw:
            reasons.append(f"runs SQL itself ({handler.raw[0].label})")
        writes = _on_one_path(handler.writes)
        looped = sum(id(w) in handler.repeated for w in writes)
        if len(writes) + looped >= 3:
            labels = ", ".join(dict.fromkeys(w.label for w in writes[:3]))
            in_loops = f", {looped} of them in a loop" if looped else ""
            reasons.append(f"makes {len(writes)} writes{in_loops} ({labels})")
        total = len(_on_one_path(handler.writes + _run(handler)))
        if total > max_ops:
            reasons.append(f"makes {total} database calls (limit {max_ops})")
        if handler.computation is not None and total >= 1:
            reasons.append("computes over domain data")
        if statements > max_statements:
            reasons.append(f"has {statements} statements (limit {max_statements})")
        if branches > max_branches:
            reasons.append(f"has {branches} branches (limit {max_branches})")
        if reasons:
            self.report(node.name, name=node.name.value, reasons="; ".join(reasons))


def _run(handler: _Handler) -> list[tuple[database.DataOp, tuple[tuple[int, int], ...], str]]:
    """The queries that run: not a queryset built as an argument of another operation
    (`Prefetch("comments", queryset=Comment.objects.order_by("date"))`), or bound to a name that
    only other operations of the handler use (`open = issues.filter(closed=None).count()`,
    `filter(id__in=ids)`): they run it, as their own query or as a subquery of theirs, and are
    counted themselves."""
    body = list(iter_descendants(handler.node.body))
    prefetched = {id(n) for call in body if isinstance(call, cst.Call) and call_name(call) == "Prefetch"
                  for n in iter_descendants(call)}  # (also when the `prefetch_related` refines a variable)
    queries = [q for q in handler.queries if id(q[0].call) not in prefetched]
    if not handler.lazy:
        return queries
    ops = [op for op, _, _ in handler.queries + handler.writes]
    consumed = {id(n) for op in ops for n in iter_descendants(op.call)}
    targets = {id(t.target) for n in body if isinstance(n, cst.Assign) for t in n.targets}
    unused: set[int] = set()
    for op, name in handler.lazy:
        if name is None:
            if id(op.call) in consumed:
                unused.add(id(op))
            continue
        uses = [n for n in body if isinstance(n, cst.Name) and n.value == name and id(n) not in targets]
        if uses and all(id(n) in consumed for n in uses):
            unused.add(id(op))
    return [q for q in queries if id(q[0]) not in unused]


def _text_or_collection(fn: cst.FunctionDef, target: cst.BaseExpression) -> bool:
    """Whether `target` of `target += ...` starts as text or a collection in `fn`
    (`errors = ""` then `errors += error.get("__all__")`): concatenation, not arithmetic."""
    if not isinstance(target, cst.Name):
        return False
    for n in iter_descendants(fn.body, into_scopes=False):
        if isinstance(n, cst.Assign) and any(isinstance(t.target, cst.Name) and t.target.value == target.value for t in n.targets):
            return isinstance(n.value, (cst.SimpleString, cst.FormattedString, cst.ConcatenatedString, cst.List, cst.Tuple,
                                        cst.Dict, cst.Set)) or (isinstance(n.value, cst.Call) and call_name(n.value) in ("str", "list", "set"))
    return False


def _is_field(expr: cst.BaseExpression) -> bool:
    """An attribute or item of some object (`line.price`, `row["qty"]`): domain data."""
    return isinstance(expr, (cst.Attribute, cst.Subscript)) and not (
        isinstance(expr, cst.Attribute) and isinstance(expr.value, cst.Name) and expr.value.value in ("self", "settings", "config", "math")
    )


def _touches_fields(expr: cst.BaseExpression) -> bool:
    return _is_field(expr) or any(_is_field(n) for n in iter_descendants(expr) if isinstance(n, cst.BaseExpression))


def _size(body: cst.CSTNode) -> tuple[int, int]:
    """(statements, branches) on the longest way through a function body, nested functions
    excluded. Arms of a dispatch on the HTTP method (`if request.method == "POST":`) are
    separate handlers: only the largest counts. Guard clauses (`if not valid: return error`)
    are request checking, which belongs in a handler: they are not branches, and each is one
    statement (the check), not two or three (the answer and the message it flashes)."""
    statements = 0
    branches = 0
    chained: set[int] = set()
    todo = [body] if isinstance(body, cst.IndentedBlock) else list(iter_children(body))
    while todo:
        node = todo.pop()
        if isinstance(node, cst.IndentedBlock) and (split := _early_dispatch(node)) is not None:
            # `if request.method == "POST": ... return redirect(...)`, then the page: two handlers, the
            # largest counts (as for an `if`/`else` on the method)
            head, arm, rest = (_size(part) for part in split)
            statements += head[0] + 1 + max(arm[0], rest[0])
            branches += head[1] + max(arm[1], rest[1])
            continue
        if isinstance(node, cst.IndentedBlock):
            statements -= _copied_fields(node)  # (`config.server_url = form.server_url.data`, ...: one mapping)
            runs = _choice_runs(node)
            for run in runs:
                sizes = [_size(arm.body) for arm in run]
                statements += 1 + max(st for st, _ in sizes)
                # (the button a form was posted with picks a handler; a value's literals are one choice, one branch)
                branches += max(br for _, br in sizes) + (posted_button(run[0].test)[0] is None)
            dispatched = {id(arm) for run in runs for arm in run}
            todo.extend(n for n in iter_children(node) if id(n) not in dispatched)
            continue
        if isinstance(node, cst.If) and id(node) not in chained:
            # `if sort == "name": ... elif sort == "date": ...`: one choice among values, one branch.
            chained.update(id(arm) for arm in _value_chain(node)[1:])
        if isinstance(node, (cst.FunctionDef, cst.ClassDef, cst.Lambda)) or (
            _markup(node) and any(isinstance(n, cst.With) for n in iter_descendants(node.body))  # type: ignore[attr-defined]
        ):
            statements += 1  # (markup built in Python, `with tag.div(): text(...)`, is one statement)
            continue
        if isinstance(node, cst.Match) and node.cases:
            # `match event.type: case "signed": ... case "rejected": ...`: one case runs, one choice.
            sizes = [_size(case.body) for case in node.cases]
            statements += 1 + max(st for st, _ in sizes)
            branches += 1 + max(br for _, br in sizes)
            continue
        if isinstance(node, cst.If) and _method_dispatch(node.test):
            arms: list[cst.CSTNode] = [node.body]
            orelse = node.orelse
            while isinstance(orelse, cst.If) and _method_dispatch(orelse.test):
                arms.append(orelse.body)
                orelse = orelse.orelse
            if orelse is not None:
                arms.append(orelse if isinstance(orelse, cst.If) else orelse.body)
            sizes = [_size(arm) for arm in arms]
            statements += 1 + max(st for st, _ in sizes)
            branches += max(br for _, br in sizes)
            continue
        if isinstance(node, cst.If) and id(node) not in chained and _guard(node):
            statements += 1  # (`if not form.is_valid(): return error`: one check, whatever it answers with)
            continue
        if isinstance(node, cst.If) and id(node) not in chained and _optional_filter(node):
            statements += 1  # (`if "domain_id" in request.GET: hosts = hosts.filter(...)`: a parameter mapped onto the query)
            continue
        if isinstance(node, cst.BaseSmallStatement):
            statements += 1
        elif isinstance(node, cst.BaseCompoundStatement):
            statements += 1
            if isinstance(node, (cst.For, cst.While)) or (
                isinstance(node, cst.If) and not _optional_copy(node) and id(node) not in chained
            ):
                branches += 1
        elif isinstance(node, cst.ExceptHandler):
            branches += 1
        if isinstance(node, (cst.Try, cst.TryStar)) and all(_guard_body(h.body) for h in node.handlers):
            # `try: token = provider.exchange(code)` / `except ProviderError: raise OAuthError(...)`:
            # translating errors into answers is request checking, like a guard clause.
            statements -= 1
            todo.extend(n for n in iter_children(node) if not isinstance(n, cst.ExceptHandler))
            continue
        todo.extend(iter_children(node))
    return statements, branches


def _value_chain(node: cst.If) -> list[cst.If]:
    """The `if`/`elif` statements of a chain that compares one expression with constants."""
    subject = _compared(node.test)
    chain = [node]
    orelse = node.orelse
    while subject is not None and isinstance(orelse, cst.If) and _compared(orelse.test) == subject:
        chain.append(orelse)
        orelse = orelse.orelse
    return chain if subject is not None else [node]


def _compared(test: cst.BaseExpression) -> str | None:
    """`x` for `x == "a"` or `x in ("a", "b")` (constants on the right), else None."""
    if isinstance(test, cst.Comparison) and len(test.comparisons) == 1:
        target = test.comparisons[0]
        right = target.comparator
        constant = string_value(right) is not None or isinstance(right, (cst.Integer, cst.Tuple, cst.List, cst.Set))
        if isinstance(target.operator, (cst.Equal, cst.In)) and constant:
            return dotted(test.left)
    return None


def _method_dispatch(test: cst.BaseExpression) -> bool:
    """`request.method == "POST"`, `request.method in ("PUT", "PATCH")`, and the button that
    submitted a form (`"publish" in request.POST`), also combined (`req.method == "POST" and ("_hide"
    in req.POST or "_show" in req.POST)`): one action per request."""
    if isinstance(test, cst.BooleanOperation):
        if isinstance(test.operator, cst.And):
            return _method_dispatch(test.left) or _method_dispatch(test.right)
        return _method_dispatch(test.left) and _method_dispatch(test.right)
    return (isinstance(test, cst.Comparison) and (dotted(test.left) or "").endswith(".method")) or posted_button(test)[0] is not None


def _early_dispatch(block: cst.IndentedBlock) -> tuple[cst.IndentedBlock, cst.BaseSuite, cst.IndentedBlock] | None:
    """(the statements before, the arm, the statements after) for the first `if` of the block
    that dispatches on the method or button (see `_method_dispatch`), has no `else`, ends by
    returning and is followed by more statements: the rest of the block is the other handler."""
    statements = list(block.body)
    for i, stmt in enumerate(statements[:-1]):
        if isinstance(stmt, cst.If) and stmt.orelse is None and _method_dispatch(stmt.test) and ends_with(stmt.body, LEAVING):
            return block.with_changes(body=statements[:i]), stmt.body, block.with_changes(body=statements[i + 1:])
    return None


def _choice_runs(block: cst.IndentedBlock) -> list[list[cst.If]]:
    """Runs of two or more `if`s in a row (no `else`) that each test a different button of a
    posted form (`if "pin" in request.POST: ...` then `if "unpin" in request.POST: ...`), or
    compare one subject with different literals (`form_label = request.POST.get("form_label")`,
    `if form_label == "password-change": ...` then `if form_label == "preferences": ...`): a
    form is submitted by one button, a value is one of them, so they dispatch like an
    `if`/`elif` chain (see `value_choice`)."""
    runs: list[list[cst.If]] = []
    run: list[cst.If] = []
    subject: int | None = None
    chosen: set[int] = set()
    for stmt in (*block.body, None):
        choice = value_choice(stmt, block) if isinstance(stmt, cst.If) and stmt.orelse is None else None
        if choice is not None and choice[0] == subject and choice[1] not in chosen:
            run.append(stmt)  # type: ignore[arg-type]
            chosen.add(choice[1])
            continue
        if len(run) >= 2:
            runs.append(run)
        run, subject, chosen = ([stmt], choice[0], {choice[1]}) if choice is not None else ([], None, set())  # type: ignore[list-item]
    return runs


def _markup(node: cst.CSTNode, roots: frozenset[str] = frozenset()) -> bool:
    """`with tag.div(classes="card"): text(title)`: a `with` of calls bound to no name whose body is
    only bare calls of plain functions or of the same builder (`tag.span(...)`), `pass` and more
    such blocks: a page built in Python (presentation). `with transaction.atomic(): order.save()`
    is not: its calls go to another object. (Counted as markup only when blocks nest, as a page's
    elements do.)"""
    if not isinstance(node, cst.With) or any(item.asname is not None or not isinstance(item.item, cst.Call) for item in node.items):
        return False
    roots = roots | {_root(item.item.func) for item in node.items if isinstance(item.item, cst.Call)}  # type: ignore[union-attr]
    body = node.body.body if isinstance(node.body, cst.IndentedBlock) else ()
    for stmt in body:
        if isinstance(stmt, cst.With):
            if not _markup(stmt, roots):
                return False
        elif not (isinstance(stmt, cst.SimpleStatementLine) and all(
            isinstance(x, cst.Pass)
            or (isinstance(x, cst.Expr) and isinstance(x.value, cst.Call)
                and (isinstance(x.value.func, cst.Name) or _root(x.value.func) in roots))
            for x in stmt.body
        )):
            return False
    return bool(body)


def _root(expr: cst.BaseExpression) -> str:
    while isinstance(expr, cst.Attribute):
        expr = expr.value
    return expr.value if isinstance(expr, cst.Name) else ""


def _optional_copy(node: cst.If) -> bool:
    """`if update.title is not None: note.title = update.title`: a partial update copying one
    optional field (mapping, not a decision), without `else`."""
    body = node.body.body if isinstance(node.body, cst.IndentedBlock) else ()
    if node.orelse is not None or len(body) != 1 or not isinstance(body[0], cst.SimpleStatementLine) or len(body[0].body) != 1:
        return False
    small = body[0].body[0]
    if not (isinstance(small, cst.Assign) and all(isinstance(t.target, (cst.Attribute, cst.Subscript)) for t in small.targets)):
        return False
    tested = {dotted(n) for n in [node.test, *iter_descendants(node.test)] if isinstance(n, (cst.Name, cst.Attribute))}
    used = {dotted(n) for n in [small.value, *iter_descendants(small.value)] if isinstance(n, (cst.Name, cst.Attribute))}
    return bool((tested & used) - {None})


_REFINEMENTS = frozenset({"filter", "exclude", "order_by", "where", "filter_by", "distinct", "limit", "offset"})


def _optional_filter(node: cst.If) -> bool:
    """`if "domain_id" in request.GET: hosts = hosts.filter(domain=request.GET["domain_id"])`: an
    optional query parameter mapped onto a query by refining it (a lazy queryset or query, which
    runs nothing): request-to-query mapping, one statement and no branch. Each arm (an `else`
    or `elif` too: `if positive: q = q.filter(Endorsement.point_value > 0) else: q =
    q.filter(Endorsement.point_value <= 0)`) only refines the same query, or holds such an `if`."""
    return _filtered_query(node) is not None


def _filtered_query(node: cst.If, name: str | None = None) -> str | None:
    """The name of the query every arm of an `_optional_filter` refines (`name`, when given), or
    None when an arm does anything else."""
    arms: list[cst.BaseSuite] = [node.body]
    if isinstance(node.orelse, cst.Else):
        arms.append(node.orelse.body)
    elif isinstance(node.orelse, cst.If):
        name = _filtered_query(node.orelse, name)
        if name is None:
            return None
    for arm in arms:
        body = [stmt for stmt in arm.body if not _is_pass(stmt)] if isinstance(arm, cst.IndentedBlock) else []
        if not body:
            return None
        for stmt in body:
            if isinstance(stmt, cst.If):
                refined = _filtered_query(stmt, name)
            elif isinstance(stmt, cst.Try):
                refined = _parsed_refinement(stmt)
            else:
                refined = _refined_by(stmt)
            if refined is None or (name is not None and refined != name):
                return None
            name = refined
    return name


def _parsed_refinement(node: cst.Try) -> str | None:
    """`try: start = datetime.fromisoformat(start_date); query = query.filter(T.at >= start)` /
    `except ValueError: pass`: the parameter parsed and mapped onto the query, or left out when it
    does not parse. The name of the query refined, if that is all the `try` does."""
    if node.orelse is not None or node.finalbody is not None or not node.handlers or not all(
            isinstance(h.body, cst.IndentedBlock) and all(_is_pass(x) for x in h.body.body) for h in node.handlers):
        return None
    body = [stmt for stmt in node.body.body if not _is_pass(stmt)] if isinstance(node.body, cst.IndentedBlock) else []
    refined = {found for stmt in body if (found := _refined_by(stmt)) is not None}
    rest = [stmt for stmt in body if _refined_by(stmt) is None]
    if len(refined) != 1 or not all(errors.parses_only(stmt) for stmt in rest):
        return None
    return refined.pop()


def _refined_by(stmt: cst.CSTNode) -> str | None:
    """The query a statement refines (`q = q.filter(...)`) or adds a condition to (`clauses.append(...)`)."""
    return _refinement(stmt) or _clause_added(stmt)


def _clause_added(stmt: cst.CSTNode) -> str | None:
    """`clauses.append(Waiver.testcase == filter_.testcase)`, `conditions.append(Item.tags.contains(tag))`:
    the name of the list of a query's conditions the statement adds a column condition to."""
    if not (isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1 and isinstance(stmt.body[0], cst.Expr)):
        return None
    call = stmt.body[0].value
    if not (isinstance(call, cst.Call) and isinstance(call.func, cst.Attribute) and call.func.attr.value == "append"
            and isinstance(call.func.value, cst.Name) and len(call.args) == 1):
        return None
    value = call.args[0].value
    if isinstance(value, cst.Comparison) and isinstance(value.left, cst.Attribute):
        return call.func.value.value
    if isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute) and isinstance(value.func.value, cst.Attribute) \
            and value.func.attr.value in _COLUMN_OPERATORS:
        return call.func.value.value
    return None


_COLUMN_OPERATORS = frozenset({"in_", "not_in", "like", "ilike", "contains", "startswith", "endswith", "between", "is_", "isnot",
                               "is_not", "any", "has", "match", "op"})


def _refinement(stmt: cst.CSTNode) -> str | None:
    """`hosts = hosts.filter(...).order_by(...)`: the name of the query the statement refines."""
    if not (isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1):
        return None
    small = stmt.body[0]
    if not (isinstance(small, cst.Assign) and len(small.targets) == 1 and isinstance(small.targets[0].target, cst.Name)):
        return None
    value, name = small.value, small.targets[0].target.value
    while isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute) and value.func.attr.value in _REFINEMENTS:
        value = value.func.value
    return name if isinstance(value, cst.Name) and value.value == name and value is not small.value else None


def _is_pass(stmt: cst.CSTNode) -> bool:
    return isinstance(stmt, cst.SimpleStatementLine) and all(isinstance(small, cst.Pass) for small in stmt.body)


def _copied_fields(block: cst.IndentedBlock) -> int:
    """How many statements of `block` to take back so that each run of three or more field copies
    in a row (`config.server_url = form.server_url.data`, `form.enabled.data = config.enabled`)
    counts as one: mapping values between a form and a row, not work."""
    extra = run = 0
    for stmt in [*block.body, None]:
        if isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1 and _field_copy(stmt.body[0]):
            run += 1
            continue
        extra += run - 1 if run >= 3 else 0
        run = 0
    return extra


def _field_copy(small: cst.BaseSmallStatement) -> bool:
    """`row.name = form.name.data`, `row.email = data["email"]`: an attribute set to a value read
    as it is, another object's attribute or a key of a mapping (no call, no computation)."""
    if not (isinstance(small, cst.Assign) and len(small.targets) == 1 and isinstance(small.targets[0].target, cst.Attribute)):
        return False
    value = small.value
    while isinstance(value, (cst.Attribute, cst.Subscript)):
        if isinstance(value, cst.Subscript) and not (len(value.slice) == 1 and isinstance(value.slice[0].slice, cst.Index)
                                                     and isinstance(value.slice[0].slice.value, cst.SimpleString)):
            return False
        value = value.value
    return isinstance(value, cst.Name) and value is not small.value


def _guard(node: cst.If) -> bool:
    """`if not form.is_valid(): return error`: an `if` without `else` whose body only leaves
    (`return`, `raise`, Flask's `abort(...)`)."""
    return node.orelse is None and _guard_body(node.body)


def _guard_body(block: cst.BaseSuite) -> bool:
    """A block that only leaves: one `return`, `raise` or `abort(...)`, perhaps after telling the
    user why (`flash("Unknown label", "error")`, Django's `messages.error(request, ...)`). (Not
    after logging it: a handler's logged guards are judged its own work as often as not.)"""
    body = block.body if isinstance(block, cst.IndentedBlock) else ()
    if not body or not all(isinstance(s, cst.SimpleStatementLine) and len(s.body) == 1 for s in body):
        return False
    *notes, last = [s.body[0] for s in body]  # type: ignore[attr-defined]
    if not all(isinstance(n, cst.Expr) and isinstance(n.value, cst.Call) and _user_note(n.value) for n in notes):
        return False
    return isinstance(last, (cst.Return, cst.Raise)) or (
        isinstance(last, cst.Expr) and isinstance(last.value, cst.Call) and call_name(last.value) == "abort"
    )  # `if not allowed: abort(403)`


def _user_note(call: cst.Call) -> bool:
    """`flash(...)` (Flask), `messages.error(request, ...)` (Django): a message for the user."""
    name = dotted(call.func) or ""
    return name in ("flash", "flask.flash") or (name.startswith("messages.") and name.count(".") == 1)


_RELATION_WRITES = frozenset({"add", "remove", "set", "clear"})
"""Writes of a row's many-to-many relation (`profile.upvoted.add(issue)`, a relation of the project's Django models;
not `db.session.add(row)`, whatever a model names `session`)."""


def _on_one_path(ops: list[tuple[database.DataOp, tuple[tuple[int, int], ...], str]]) -> list[database.DataOp]:
    """The largest set of operations on distinct objects that can all run on one path through
    the handler (operations in different arms of an if or try are alternatives)."""
    best: list[database.DataOp] = []
    for i, (op, arms, _) in enumerate(ops):
        chosen = {id(op)}
        path = [op]
        arm_of = dict(arms)
        targets = {ops[i][2]}
        for other, other_arms, target in ops:
            if id(other) in chosen or target in targets:
                continue
            if any(k in arm_of and arm_of[k] != v for k, v in other_arms):
                continue
            path.append(other)
            chosen.add(id(other))
            targets.add(target)
            for k, v in other_arms:
                arm_of.setdefault(k, v)
        if len(path) > len(best):
            best = path
    return best
