from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator, Mapping, Sequence

import libcst as cst

from backlint.findings import Confidence, Level
from backlint.frameworks import database, errors, project, routes
from backlint.frameworks.flow import Scope
from backlint.frameworks.imports import dotted
from backlint.syntax import (LEAVING, call_name, ends_with, iter_children, iter_descendants, keyword_arg, name_parts, sends_message,
                             sibling, statement_call, statements_after, string_value, tests_absence, value_choice)
from backlint.frameworks.database import DataOp, OpKind
from backlint.frameworks.values import Env
from backlint.rule import Invalid, Rule, Valid


@dataclass
class _Op:
    op: DataOp
    in_transaction: bool
    branches: tuple[tuple[int, int], ...]
    """(id of an if or try statement, which arm) for every if and try the call sits in: two calls
    in different arms never both run (a write in an `except` block is a recovery, not a second step)."""
    loop: int | None
    autocommit: bool
    exits: frozenset[int] = frozenset()
    """Ids of the if statements whose arm holding the call ends by leaving (return/raise/continue):
    a call after that if cannot follow this one."""
    names: frozenset[str] = frozenset()
    """Names the write touches: its receiver, its arguments, and what its result is assigned to."""
    obj: str = ""
    """The object written: `user.profile` for `user.profile.save()`, `order` for
    `order = Order.objects.create()`."""
    rolled_back: bool = False
    """Inside a `try` whose handler rolls back: the author made the step a unit of its own."""
    recovery: bool = False
    """Inside an `except` handler: what runs because a step failed."""
    leaves_loop: bool = False
    """Inside its loop, in an `if` arm that ends by leaving it (`return`, `raise`, `break`): it
    runs once per call, not once per iteration."""
    creates_if_missing: bool = False
    """In the body of an `if` without `else` that tests a lookup for absence (`if not user:` after
    `user = ....first()`, `if not Teacher.exists(colleague):`): a find-or-create written out."""
    loop_queues_tasks: bool = False
    """Its loop hands each pass's work to a task queue (`run_script.apply_async(args=[run.id])`)."""
    used_later_in_pass: frozenset[str] = frozenset()
    """For a commit in a loop: the names the rest of the pass uses after it (`tag_event(db_tag)`)."""


@dataclass
class _Function:
    node: cst.FunctionDef
    transactional: bool
    ops: list[_Op] = field(default_factory=list)
    autocommit: bool = False


def _exclusive(a: _Op, b: _Op) -> bool:
    """Whether `a` and `b` (in that order) cannot both run on one path."""
    branches = dict(a.branches)
    if any(if_id in branches and branches[if_id] != branch for if_id, branch in b.branches):
        return True
    inside_b = {if_id for if_id, _ in b.branches}
    return any(if_id not in inside_b for if_id in a.exits)


_IGNORED_NAMES = frozenset({"self", "cls", "request", "None", "True", "False"})
_HOOKS = frozenset({"save", "delete", "perform_create", "perform_update", "perform_destroy", "form_valid", "save_model",
                    "delete_model", "save_related", "post_save", "pre_save", "handle_object", "_save"})


class WritesWithoutTransaction(Rule):
    """Several writes in one function are committed separately, outside a transaction.

    When a function makes two changes that belong together (an order and its lines, a debit and
    a credit) and they commit one by one, a failure in between leaves the database half-updated,
    and concurrent requests see the half. Django commits every `save()`/`create()`/`update()`/
    `delete()` at once unless it runs in `transaction.atomic()`; with SQLAlchemy sessions and
    DB-API connections the trap is committing after each write. The rule flags two or more
    Django ORM writes that can run on the same path outside `atomic()` (and without
    `ATOMIC_REQUESTS` for views), commits between writes, and commits inside a loop of writes (not one
    the pass ends after, a `return` or `break` following it in its block or an enclosing one with
    no `continue` between: that runs once per call). A
    call of a function named for a write that is handed the session or connection
    (`Organisation.find_or_create(db.session, user)`) counts as a write.

    Left alone: writes inside `transaction.atomic()`, `session.begin()`, `engine.begin()`,
    `conn.transaction()` or `with conn:` (DB-API), the project's own context managers that open one
    (`@contextmanager` around `with transaction.atomic():`, in any module of the scan, used in a
    `with` or as a decorator) and its decorators that run the function they wrap inside one
    (`def wrapper(method): def inner(*a, **kw): with transaction.atomic(): return method(*a, **kw)`),
    functions decorated with `@transaction.atomic` or a project's decorator or context manager
    named for a kind of atomic (`@immediate_atomic`, `@atomic_for_request_method`; not
    `atomic_write`), django-reversion's `create_revision()` (its
    decorator or `with` block runs in `transaction.atomic()` unless given `atomic=False`),
    a commit in a loop that hands each pass's work to a task queue (`run = create_run(db, script)`,
    `run_script.apply_async(args=[run.id])`, `db.commit()`: the worker reads the row from another
    process, so each pass is a unit of its own) or sends a message out (`whatsapp.send_message(...)`,
    `db.delete(msg)`, `db.commit()`: no rollback takes a sent message back), writes in exclusive branches (`if`/`else`, an early `return` after a commit, `if request.method ==
    "POST":` then `if request.method == "DELETE":`), a delete in an
    `except` that undoes an earlier write when a later step failed, a row replaced (the old one
    deleted, one new row of the same model or relation created, also once per pass of a loop
    holding both: stopped half-way, the row is absent, which
    the next attempt repairs; also an expired token rotated through the object `get_or_create()`
    bound: `auth_token.delete()`, `Token.objects.create(user=user)`), a Django write paired with a `get_or_create()`/`update_or_create()`
    (keyed by what it looks up: running again completes it instead of repeating it, and the code
    that gets or creates a row expects it may be missing), a find-or-create
    committed before the rest (`Meaning.find_or_create(...)`, or written out: `if not
    Teacher.exists(colleague): db.session.add(...)`, `if not user:` after `user = ....first()`
    or a repository's `get_tag_by_name(db, name)`; commit, then the row that refers to it: the
    shared row it leaves is valid, and the next attempt reuses it; so too once per pass of a loop
    whose only writes before the commit are such and whose pass then uses the row: `tag_event(db_tag)`;
    a loop that only creates the missing rows is one batch, committed once after it), a session or
    connection committed once after all its writes (a commit on another session, such as a side
    session that records a failure, does not count against them), functions this file only calls inside a
    transaction (directly or through its other functions called only so) or that assert they run
    in one (`assert transaction.get_connection().in_atomic_block`, or a `select_for_update()` outside an
    `atomic()` block of their own, which Django refuses in autocommit mode), Django writes on the request path when `ATOMIC_REQUESTS` is on in a
    settings module of the scan (views, and the serializers, forms and services they call, run in
    the request's transaction; likewise, but for requests other than GET, HEAD and OPTIONS, when
    django-reversion's `RevisionMiddleware` is installed, which runs them in `transaction.atomic()`), methods of view classes that inherit (or
    define) a `dispatch` running the request in `transaction.atomic()`, progress and error marks saved on their own
    (`job.save(update_fields=["progress"])`, or `eng.progress = "review"` right before a plain
    `eng.save()`), records of the attempt itself, which an `except` of the function marks with the failure
    (`activity.error_message = str(e)`), timestamp touches (a `save()` that assigns no field or only a modification
    time on the path that reaches it, whatever other branches assign; a `save(update_fields=["repos_updated_at"])`
    naming modification times only; `update(date_modified=timezone.now())`), `session.flush()` (it sends what other calls wrote: after
    a commit, nothing), `session.merge(job)` right after a commit (it attaches what was just committed again), migrations, seed modules, scripts and tests.

    Only the request path is looked at: route handlers, and functions in views, API, routes,
    serializers, forms, services, CRUD, repository and handler modules, outside packages of
    background code (`sync/`, `tasks/`, `jobs/`, `workers/`, `background_processing/`, `management/`, data loaders and
    importers... at any depth).
    Maintenance, start-up, sync and background code (model methods, scheduled jobs) is re-run
    until it completes, and nobody is served its half-done state."""

    ID = "BL104"
    LEVEL = Level.WARNING
    CONFIDENCE = Confidence.MEDIUM
    CWE = (662,)
    TAGS = ("database", "transactions", "correctness")
    TESTS = False
    MIGRATIONS = False
    MESSAGE = "{what}; {advice}"
    FIX = """Make the writes one unit of work:

```python
with transaction.atomic():                 # Django
    order = Order.objects.create(user=user)
    OrderLine.objects.bulk_create(lines)

with session.begin():                      # SQLAlchemy: commits once, rolls back on error
    session.add(order)
    session.add_all(lines)
```"""
    REFERENCES = (
        "https://docs.djangoproject.com/en/stable/topics/db/transactions/",
        "https://docs.sqlalchemy.org/en/20/orm/session_transaction.html",
    )
    PREFILTER = ("save(", "create(", "update(", "delete(", "commit(", "execute", "add(", "insert", "bulk_", "remove(", "set(", "clear(")

    INVALID = [
        Invalid(
            """
            def sign_up(db, form):
                user = User(name=form.name, email=form.email)
                db.session.add(user)
                db.session.commit()
                db.session.flush()
                Organisation.find_or_create(db.session, user)
                return user
            """,
            line=6,
            path="accounts/services.py",
            note="A function named for a write, handed the session after the commit: the user can be left without an organisation.",
        ),
        Invalid(
            """
            from django.db import models

            def place_order(user, cart):
                order = Order.objects.create(user=user, total=cart.total)
                OrderLine.objects.bulk_create([OrderLine(order=order, **line) for line in cart.lines])
                return order
            """,
            line=5,
            path="shop/services.py",
            note="Two Django writes, each committed on its own.",
        ),
        Invalid(
            """
            def transfer(session, source, target, amount):
                source.balance -= amount
                session.add(source)
                session.commit()
                target.balance += amount
                session.add(target)
                session.commit()
            """,
            line=6,
            path="shop/services.py",
            note="A commit between the debit and the credit.",
        ),
        Invalid(
            """
            def import_users(conn, users):
                for user in users:
                    conn.execute("INSERT INTO users (email) VALUES (?)", (user["email"],))
                    conn.commit()
            """,
            line=4,
            path="shop/services.py",
            note="A commit per row: a failure leaves half the import.",
        ),
        Invalid(
            """
            from rest_framework.decorators import api_view

            @api_view(["POST"])
            def register(request):
                user = UserSerializer(data=request.data)
                user.is_valid(raise_exception=True)
                account = user.save()
                Profile.objects.create(user=account, plan="free")
                return Response(status=201)
            """,
            line=8,
            path="shop/services.py",
            note="A serializer save and a create in a view.",
        ),
        Invalid(
            """
            from django.db import models

            class Comment(models.Model):
                article = models.ForeignKey("Article", related_name="comments", on_delete=models.CASCADE)

            def archive(article):
                article.archived = True
                article.save()
                article.comments.all().delete()
            """,
            line=9,
            path="shop/services.py",
            note="An instance save and a queryset delete.",
        ),
    ]
    VALID = [
        Valid(
            """
            from fastapi import APIRouter, Depends
            from sqlalchemy.orm import Session

            router = APIRouter()

            @router.post("/hooks/{hook_id}/activate")
            def activate_hook(hook_id: int, db_session: Session = Depends(get_session)):
                hook = get_hook_or_404(db_session, hook_id)
                if not endpoint_reachable(hook):
                    with new_session() as side_session:
                        update_hook(db_session=side_session, hook_id=hook_id, is_reachable=False)
                        side_session.commit()
                    report_unreachable(hook)
                hook = update_hook(db_session=db_session, hook_id=hook_id, is_active=True)
                db_session.commit()
                return hook
            """,
            note="The first commit is on another session: the request's own writes commit once.",
        ),
        Valid(
            """
            from rest_framework.authtoken.models import Token

            def rotate_key(user):
                Token.objects.filter(user=user).delete()
                return Token.objects.create(user=user)
            """,
            path="app/views.py",
            note="One row replaced: stopped half-way, the user has no key, a valid state that the next attempt completes.",
        ),
        Valid(
            """
            from django.utils import timezone

            def attach_asset(bookmark, upload):
                asset = Asset(bookmark=bookmark, file=upload.name)
                asset.save()
                asset.bookmark.date_modified = timezone.now()
                asset.bookmark.save()

            """,
            path="bookmarks/services.py",
            note="The second write only moves a modification time: nothing is inconsistent if it is lost.",
        ),
        Valid(
            """
            from django.utils import timezone

            def tag_bookmarks(user, ids, tag):
                owned = Bookmark.objects.filter(owner=user, id__in=ids).values_list("id", flat=True)
                BookmarkTag = Bookmark.tags.through
                BookmarkTag.objects.bulk_create([BookmarkTag(bookmark_id=i, tag=tag) for i in owned], ignore_conflicts=True)
                Bookmark.objects.filter(id__in=owned).update(date_modified=timezone.now())
            """,
            path="bookmarks/services.py",
            note="An `update()` that only sets clocks: a timestamp touch.",
        ),
        Valid(
            """
            def create_key(db, name):
                key = ApiKey(name=name)
                db.session.add(key)
                db.session.commit()
                db.session.flush()
                return key
            """,
            path="keys/services.py",
            note="A flush sends what was written since the last commit (here nothing): not a write of its own.",
        ),
        Valid(
            """
            def remove_orphans(session, orphans):
                for row in orphans:
                    try:
                        session.delete(row)
                        session.commit()
                    except Exception:
                        session.rollback()
                        log.warning("could not remove %s", row.id)
            """,
            path="shop/services.py",
            note="One transaction per item, rolled back on failure: each item is a unit of its own.",
        ),
        Valid(
            """
            from django.db import models
            from rest_framework.response import Response
            from rest_framework.views import APIView

            class AlbumUser(models.Model):
                shared_to = models.ManyToManyField("auth.User")

            class ShareAlbum(APIView):
                def post(self, request):
                    target_user = User.objects.get(id=request.data["user_id"])
                    album = AlbumUser.objects.get(id=request.data["album_id"])
                    album.shared_to.add(target_user)
                    album.save()
                    return Response({"status": True})
            """,
            path="albums/views.py",
            note="A `save()` that assigns no field only touches timestamps: not a second change to keep consistent.",
        ),
        Valid(
            """
            from django.db import transaction

            def place_order(user, cart):
                with transaction.atomic():
                    order = Order.objects.create(user=user, total=cart.total)
                    OrderLine.objects.bulk_create([OrderLine(order=order, **line) for line in cart.lines])
                return order
            """,
            path="shop/services.py",
            note="Inside `transaction.atomic()`.",
        ),
        Valid(
            """
            def transfer(session, source, target, amount):
                source.balance -= amount
                target.balance += amount
                session.add_all([source, target])
                session.commit()
            """,
            path="shop/services.py",
            note="One commit after all the writes.",
        ),
        Valid(
            """
            from django.db import transaction

            @transaction.atomic
            def place_order(user, cart):
                order = Order.objects.create(user=user)
                OrderLine.objects.bulk_create(cart.lines)
            """,
            path="shop/services.py",
            note="A transactional function.",
        ),
        Valid(
            """
            from django.db import models

            def toggle(article, publish):
                if publish:
                    article.published = True
                    article.save()
                else:
                    Article.objects.filter(pk=article.pk).delete()
            """,
            path="shop/services.py",
            note="Writes in exclusive branches.",
        ),
        Valid(
            """
            def import_users(conn, users):
                with conn:
                    for user in users:
                        conn.execute("INSERT INTO users (email) VALUES (?)", (user["email"],))
            """,
            path="shop/services.py",
            note="A DB-API connection as a transaction context.",
        ),
        Valid(
            """
            from django.db import models

            def rename(article, title):
                article.title = title
                article.save()
                return Article.objects.filter(author=article.author).count()
            """,
            path="shop/services.py",
            note="One write and a read.",
        ),
        Valid(
            """
            from django.shortcuts import redirect, render

            def add_caption(request, media):
                form = CaptionForm(media, request.POST, request.FILES)
                if form.is_valid():
                    caption = form.save()
                    try:
                        caption.convert_to_srt()
                        return redirect(media.get_absolute_url())
                    except Exception:
                        caption.delete()
                        form.add_error("file", "Use SubRip or WebVTT files.")
                return render(request, "add_caption.html", {"form": form})
            """,
            path="media/views.py",
            note="A compensating delete: the caption is removed again when converting it failed; both writes never stand.",
        ),
        Valid(
            """
            from django.db import models
            from django.shortcuts import render

            class Engagement(models.Model):
                progress = models.CharField(max_length=20)
                notes = models.ManyToManyField("Note")

            def engagement_checklist(request, eng, note):
                eng.progress = "check_list"
                eng.save()
                if request.method == "POST":
                    eng.notes.add(note)
                return render(request, "checklist.html", {"engagement": eng})
            """,
            path="engagement/views.py",
            note="A progress mark saved on its own before the work (the fields set right above a plain `save()`).",
        ),
        Valid(
            """
            from django.db import models

            class Photo(models.Model):
                files = models.ManyToManyField("File")

            def attach(user, path, file):
                photo = Photo.objects.filter(files__path__startswith=path).first()
                if photo:
                    photo.files.add(file)
                    photo.save()
                else:
                    photo = Photo(owner=user)
                    photo.hash = digest(path)
                    photo.save()
            """,
            path="api/views.py",
            note="The first branch's `photo.save()` assigns nothing on its way (the fields set in the other branch never reach it): a touch, not a second change.",
        ),
        Valid(
            """
            from django.db import transaction
            from django.views import View

            class AdminView(View):
                def dispatch(self, request, *args, **kwargs):
                    with transaction.atomic():
                        return super().dispatch(request, *args, **kwargs)

            class EditRank(AdminView):
                def post(self, request, pk):
                    rank = Rank.objects.get(pk=pk)
                    rank.name = request.POST["name"]
                    rank.save()
                    RankRole.objects.filter(rank=rank).delete()
                    return redirect("ranks")
            """,
            path="forum/admin/views.py",
            note="The base view runs every request in a transaction: the writes of its subclasses share it.",
        ),
        Valid(
            """
            from django.db import transaction

            def import_flags(project, flags):
                with transaction.atomic():
                    for flag in flags:
                        _import_flag(project, flag)

            def _import_flag(project, flag):
                feature = Feature.objects.create(project=project, name=flag["key"])
                _create_segment(feature, flag["rules"])

            def _create_segment(feature, rules):
                segment = Segment.objects.create(feature=feature)
                Condition.objects.bulk_create(Condition(segment=segment, **rule) for rule in rules)
            """,
            path="flags/services.py",
            note="Each helper is called only from a function that runs inside the transaction: its writes share it.",
        ),
        Valid(
            """
            from django.db import transaction

            def import_flags(project, flags):
                with transaction.atomic():
                    for flag in flags:
                        create_states = _factory(flag)
                        create_states(project, flag)

            def _factory(flag):
                return _create_mv_states if flag["kind"] == "multivariate" else _create_bool_states

            def _create_mv_states(project, flag):
                feature = Feature.objects.create(project=project, name=flag["key"])
                Option.objects.bulk_create(Option(feature=feature, value=v) for v in flag["variations"])

            def _create_bool_states(project, flag):
                feature = Feature.objects.create(project=project, name=flag["key"])
                FeatureState.objects.create(feature=feature, enabled=flag["on"])
            """,
            path="flags/services.py",
            note="A helper named without being called (here returned as a factory) counts as called where it is "
            "named, inside a function that only runs in the transaction.",
        ),
        Valid(
            """
            from django.db import transaction
            from django.views import View

            class AdminView(View):
                def dispatch(self, request, *args, **kwargs):
                    with transaction.atomic():
                        return super().dispatch(request, *args, **kwargs)

            class ActivateTheme(AdminView):
                def post(self, request, pk):
                    set_theme_as_active(Theme.objects.get(pk=pk))
                    return redirect("themes")

            def set_theme_as_active(theme):
                Theme.objects.update(is_active=False)
                Theme.objects.filter(pk=theme.pk).update(is_active=True)
            """,
            path="themes/admin/views.py",
            note="Called only from a view whose `dispatch` runs the request in a transaction.",
        ),
        Valid(
            """
            from django.db import transaction

            def copy_rules(source, target):
                assert transaction.get_connection().in_atomic_block, "must run in a transaction"
                Rule.objects.filter(segment=target).delete()
                Rule.objects.bulk_create(Rule(segment=target, type=r.type) for r in source.rules.all())
            """,
            path="segments/services.py",
            note="The function refuses to run outside its caller's transaction.",
        ),
        Valid(
            """
            from flask import Blueprint, request
            bp = Blueprint("reports", __name__)

            @bp.post("/reports")
            def report_meaning():
                data = request.get_json()
                meaning = Meaning.find_or_create(db.session, data["word"], data["translation"])
                db.session.commit()
                report = MeaningReport(meaning=meaning, reason=data["reason"])
                db.session.add(report)
                db.session.commit()
                return {"id": report.id}
            """,
            note="The write committed first is a find-or-create: the row it leaves is valid, and the next attempt reuses it.",
        ),
        Valid(
            """
            def record_first_match(session, user, candidates):
                for candidate in candidates:
                    if candidate.matches(user):
                        session.add(Match(user=user, candidate=candidate))
                        session.commit()
                        return True
                return False
            """,
            path="app/services/matching.py",
            note="The commit in the loop is followed by `return`: it runs once per call, not once per iteration.",
        ),
    ]

    def __init__(self, ctx: Any, options: Mapping[str, Any]) -> None:
        super().__init__(ctx, options)
        self._functions: list[_Function] = []
        self._classes: list[cst.ClassDef] = []
        # Migrations run in their own transaction; scripts and seed modules are re-run by hand
        # and heal on the next run.
        self._skip = project.is_seed_path(ctx.path) or ctx.is_standalone_script()
        self._request_layer = _request_layer(ctx.path)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._functions.append(_Function(node, database.is_transactional_function(node, self.ctx.project.atomic_wrappers)))

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self._classes.append(node)

    def leave_ClassDef(self, node: cst.ClassDef) -> None:
        self._classes.pop()

    def _reattaches(self, call: cst.Call) -> bool:
        """`db.session.commit()` then `job = db.session.merge(job)`: merging right after a commit
        attaches what was just committed to the session again, with nothing new to write."""
        if call_name(call) != "merge" or not isinstance(call.func, cst.Attribute):
            return False
        stack = self.ctx.stack
        at = next((i for i in range(len(stack) - 1, 0, -1) if isinstance(stack[i], cst.SimpleStatementLine)), None)
        previous = sibling(stack, at, -1) if at is not None else None
        before = statement_call(previous) if previous is not None else None
        return before is not None and call_name(before) == "commit"

    def _marks_progress(self, call: cst.Call) -> bool:
        """`eng.progress = "check_list"` then `eng.save()`: a progress or error mark set just
        before a plain save (the assignments right above it touch only such fields)."""
        func = call.func
        if call_name(call) != "save" or call.args or not isinstance(func, cst.Attribute):
            return False
        obj = dotted(func.value)
        stack = self.ctx.stack
        line = next((n for n in reversed(stack) if isinstance(n, cst.SimpleStatementLine)), None)
        block = stack[stack.index(line) - 1] if line is not None and stack.index(line) > 0 else None
        body = list(block.body) if isinstance(block, (cst.IndentedBlock, cst.Module)) else []
        if obj is None or line not in body:
            return False
        fields: list[str] = []
        for stmt in reversed(body[: body.index(line)]):
            assign = stmt.body[0] if isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1 else None
            if not isinstance(assign, cst.Assign) or len(assign.targets) != 1:
                break
            target = assign.targets[0].target
            if not (isinstance(target, cst.Attribute) and dotted(target.value) == obj):
                break
            fields.append(target.attr.value)
        return bool(fields) and all(_BOOKKEEPING_FIELD.search(f) for f in fields)

    def _outcome_record(self, call: cst.Call) -> bool:
        """A write of a record the function marks with the failure in an `except` (`activity =
        SlackBotActivity.objects.create(...)`, later `except ...: activity.error_message = str(e);
        activity.save()`): the log of the attempt, meant to outlive a failed one, not a step of it."""
        func = call.func
        obj = database.bound_name(self.ctx.parent()) or (
            dotted(func.value) if isinstance(func, cst.Attribute) and call_name(call) == "save" else None)
        fn = self.ctx.function()
        if obj is None or fn is None:
            return False
        marked = self.ctx.memo(("failure-marks", id(fn)), lambda: frozenset().union(*(
            errors.failure_marks(h) for h in iter_descendants(fn.body, into_scopes=False) if isinstance(h, cst.ExceptHandler))))
        return obj in marked

    def _class_depth(self) -> bool:
        """Whether the function being left is a method (directly in a class body)."""
        stack = self.ctx.stack
        return len(stack) >= 3 and isinstance(stack[-3], cst.ClassDef)

    def visit_Assign(self, node: cst.Assign) -> None:
        # `conn.autocommit = True`, `conn.isolation_level = None`: every statement commits.
        if not self._functions:
            return
        for target in node.targets:
            t = target.target
            if isinstance(t, cst.Attribute) and (
                (t.attr.value == "autocommit" and isinstance(node.value, cst.Name) and node.value.value == "True")
                or (t.attr.value == "isolation_level" and isinstance(node.value, cst.Name) and node.value.value == "None")
            ):
                self._functions[-1].autocommit = True

    def visit_Call(self, node: cst.Call) -> None:
        if self._skip or not self._functions or database.is_chain_link(self.ctx.stack):
            return
        fn = self._functions[-1]
        if self.ctx.function() is not fn.node:
            return
        op = database.data_op(self.ctx, node, lambda: Env.here(self.ctx)) or self._session_writer(node)
        if op is None or op.kind not in (OpKind.WRITE, OpKind.COMMIT) or database.only_flushes(op) or _bookkeeping(node) \
                or self._marks_progress(node) or self._outcome_record(node) or self._reattaches(node):
            return
        env = Env.here(self.ctx)
        in_tx = False
        branches: list[tuple[int, int]] = []
        exits: set[int] = set()
        loop: int | None = None
        rolled_back = False
        recovery = False
        leaves_loop = False
        queues_tasks = False
        if_missing = False
        stack = self.ctx.stack
        for i in range(len(stack) - 1):
            anc, child = stack[i], stack[i + 1]
            if anc is fn.node:
                in_tx = False
                branches.clear()
                exits.clear()
                loop = None
                rolled_back = False
                recovery = False
            elif isinstance(anc, cst.With) and any(database.is_transaction_context(self.ctx, item.item.expression if isinstance(item.item, cst.Await) else item.item, env) for item in anc.items):
                in_tx = True
            elif isinstance(anc, cst.If):
                arm = anc.body if child is anc.body else child
                branches.append((id(anc), 0 if child is anc.body else 1))
                choice = value_choice(anc, fn.node) if child is anc.body else None
                if choice is not None:
                    branches.append(choice)  # (`if request.method == "POST":` then `if request.method == "DELETE":`)
                if_missing = if_missing or (child is anc.body and anc.orelse is None and self._tests_missing(anc.test, fn.node))
                if ends_with(arm, (*LEAVING, cst.Continue, cst.Break)):
                    exits.add(id(anc))
                    leaves_loop = leaves_loop or (loop is not None and ends_with(arm, (*LEAVING, cst.Break)))
            elif isinstance(anc, (cst.Try, cst.TryStar)):
                arm_index = 0 if child is anc.body else next((k + 1 for k, h in enumerate(anc.handlers) if h is child), -1)
                if arm_index >= 0:
                    branches.append((id(anc), arm_index))
                # an `except` clause and the `else` clause never both run (the `else` does after the body):
                if arm_index >= 1:
                    branches.append((-id(anc), 1))
                elif child is anc.orelse:
                    branches.append((-id(anc), 2))
                recovery = recovery or arm_index >= 1
                if child is anc.body and loop is not None and any(
                    call_name(c) == "rollback" for h in anc.handlers for c in iter_descendants(h.body) if isinstance(c, cst.Call)
                ):
                    rolled_back = True
            elif isinstance(anc, cst.IndentedBlock) and loop is not None and _ends_the_pass(anc, child):
                leaves_loop = True  # (`db.session.commit()`, an `if` to queue the instance, then `return message`)
            elif isinstance(anc, (cst.For, cst.While)) and child is anc.body:
                loop = id(anc)
                leaves_loop = False
                queues_tasks = self.ctx.memo(("BL104-queues-tasks", id(anc)), lambda: _queues_tasks(anc.body))
        later = self._used_later_in_pass() if op.kind is OpKind.COMMIT and loop is not None else frozenset()
        fn.ops.append(_Op(op, in_tx, tuple(branches), loop, fn.autocommit, frozenset(exits), self._touched(node), self._object(node),
                          rolled_back, recovery, leaves_loop, if_missing and op.kind is OpKind.WRITE, queues_tasks, later))

    def _used_later_in_pass(self) -> frozenset[str]:
        """The names the statements after the visited call use, up to the end of the innermost
        loop's body that holds it: what the rest of the pass does with what it committed."""
        stack = self.ctx.stack
        return frozenset(n.value for statement in statements_after(stack, len(stack) - 1, pass_only=True)
                         for n in iter_descendants(statement) if isinstance(n, cst.Name))

    def _tests_missing(self, test: cst.BaseExpression, fn: cst.FunctionDef) -> bool:
        """`not user` / `user is None` where `user = ....first()` (a lookup of one row), or `not
        Teacher.exists(colleague)` / `not qs.exists()`: the test of a find-or-create."""
        inner = test.expression if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not) else None
        if isinstance(inner, cst.Call) and (call_name(inner) or "").endswith("exists"):
            return True
        names = {n.value for n in [test, *iter_descendants(test)] if isinstance(n, cst.Name)}
        return any(
            tests_absence(test, name) and any(
                isinstance(a, cst.Assign) and isinstance(a.value, cst.Call) and _looks_up_one(call_name(a.value) or "")
                and any(isinstance(t.target, cst.Name) and t.target.value == name for t in a.targets)
                for a in iter_descendants(fn.body)
            )
            for name in names
        )

    def _session_writer(self, call: cst.Call) -> database.DataOp | None:
        """`Organisation.find_or_create(db.session, user)`: a function named for a write, handed the
        session (or connection) to write with. Not for Django, whose writes need no session."""
        name = call_name(call) or ""
        if not _WRITER_NAME.match(name) or not call.args or name in _SCHEDULERS:
            return None  # (`background_tasks.add_task(index_documents, db)`: work handed on for later, not a write now)
        env = Env.here(self.ctx)
        for arg in call.args:
            if isinstance(arg.value, (cst.Name, cst.Attribute)) and database.is_db_object(self.ctx, arg.value, env):
                return database.DataOp(OpKind.WRITE, call, f"`{dotted(call.func) or name}(…)`")
        return None

    def _touched(self, call: cst.Call) -> frozenset[str]:
        """What a write produces or writes to: the name its result is bound to, and the object
        it is called on (`order = Order.objects.create()` -> order; `article.save()` -> article)."""
        names: set[str] = set()
        parent = self.ctx.parent()
        if isinstance(parent, cst.Assign):
            names.update(t.target.value for t in parent.targets if isinstance(t.target, cst.Name))
        root: cst.BaseExpression = database.chain_root(call)
        while isinstance(root, (cst.Subscript, cst.Attribute)):
            root = root.value
        if isinstance(root, cst.Name):
            names.add(root.value)
            if root.value == "self" and self._classes:
                names.add(self._classes[-1].name.value)
        return frozenset(names - _IGNORED_NAMES)

    def _object(self, call: cst.Call) -> str:
        bound = database.bound_name(self.ctx.parent())
        if bound is not None:
            return bound
        if isinstance(call.func, cst.Attribute) and call_name(call) in ("save", "delete"):
            return self.ctx.code(call.func.value)
        return f"#{id(call)}"

    def _related(self, scope: Scope, a: _Op, b: _Op) -> bool:
        """Whether `b` writes data tied to `a`'s: it uses the object `a` created or wrote
        (directly, or through a name built from it, like `ids.append(book.id)`), or both write
        rows of the same model (deactivate all, then activate one; a debit and a credit).
        Two writes that only share a value (`created < cutoff`) are independent."""

        def expand(names: set[str]) -> set[str]:
            out = set(names)
            for name in names:
                for d in scope.definitions(name):
                    if d.value is not None:
                        out.update(n.value for n in [d.value, *iter_descendants(d.value)] if isinstance(n, cst.Name))
            return out - _IGNORED_NAMES

        touched_a = expand(set(a.names))
        used_b = expand({n.value for n in iter_descendants(b.op.call) if isinstance(n, cst.Name)} | set(b.names))
        models = {n for n in touched_a & used_b if n[:1].isupper()}
        objects = {n for n in set(a.names) & used_b if not n[:1].isupper()}
        return bool(models or objects)

    def _callers_all_in_transaction(self, name: str) -> bool:
        """Whether the function is called in this file, and only inside a transaction (a
        `with transaction.atomic():` block or an `@atomic` function), directly or through
        functions of this file called only so; or called in the project, and only so (a view's
        mixin in another module): its writes share it."""
        calls = self.ctx.memo("BL104-calls", lambda: _calls_by_transaction(self.ctx))
        return _only_in_transaction(calls, name) or self.ctx.project.called_only_in_transaction(name)

    def _in_atomic_view(self) -> bool:
        """A method of a view class that inherits (or defines) a `dispatch` running every
        request in `transaction.atomic()`, or of a serializer only such views use (see
        `ProjectFacts.atomic_serializer`)."""
        cls = self.ctx.enclosing_class()
        if cls is None:
            return False
        return self.ctx.project.atomic_view([cls.name.value, *routes.base_names(cls)]) \
            or self.ctx.project.atomic_serializer(cls.name.value)

    def _revision_atomic(self, node: cst.FunctionDef) -> bool:
        """django-reversion's `RevisionMiddleware` runs the request in a transaction unless it is
        a GET, HEAD or OPTIONS: every write path (a serializer's `create`, a POST view) but GET handlers."""
        if not self.ctx.project.revision_middleware:
            return False
        route = routes.route_of(self.ctx, node)
        return route is None or not route.methods <= {"GET", "HEAD", "OPTIONS"}

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        fn = self._functions.pop()
        if fn.transactional or not fn.ops or _framework_runs_in_transaction(node, self._class_depth()):
            return
        if not (self._request_layer or routes.route_of(self.ctx, node) is not None):
            return  # maintenance, start-up and background code: re-run until done, not seen half-done
        ops = [o for o in fn.ops if not o.in_transaction]
        django = self.ctx.imports.imports_any(["django", "rest_framework"])
        scope = self.ctx.child_scope(node, self.ctx.current_scope()[0])
        if self._callers_all_in_transaction(node.name.value) or self._in_atomic_view() or _asserts_transaction(node):
            return
        if django and not self.ctx.project.atomic_requests and not self._revision_atomic(node):
            writes = [o for o in ops if o.op.kind is OpKind.WRITE and not o.op.raw and not _touch(node, o)]
            for i, second in enumerate(writes):
                first = next(
                    (
                        w
                        for w in writes[:i]
                        if not _exclusive(w, second)
                        and w.op.label != second.op.label
                        and not _same_object(w, second)
                        and not _undoes(w, second)
                        and not (_idempotent(w) or _idempotent(second))
                        and not _leaves_a_valid_state(w, second, writes)
                        and self._related(scope, w, second)
                    ),
                    None,
                )
                if first is not None:
                    self.report(
                        second.op.call,
                        what=f"{first.op.label} and {second.op.label} commit separately (Django autocommits each write)",
                        advice="wrap them in `transaction.atomic()`",
                    )
                    return
        # Sessions and DB-API connections: a commit between two writes, or in a loop of writes.
        seen_write: _Op | None = None
        commit: _Op | None = None
        written: list[_Op] = []
        committed: list[_Op] = []  # the writes the latest commit made durable
        for o in ops:
            if o.op.kind is OpKind.WRITE:
                if seen_write is not None and commit is not None and not _exclusive(seen_write, o) and not _exclusive(commit, o) \
                        and not _leaves_a_valid_state(seen_write, o) and _one_session(seen_write, commit, o) \
                        and not all(_idempotent(w) for w in committed):
                    self.report(
                        o.op.call,
                        what=f"{o.op.label} runs in a new transaction: an earlier write was already committed",
                        advice="commit once after all writes, or use `session.begin()` / `with conn:`",
                    )
                    return
                seen_write = o
                written.append(o)
            elif o.op.kind is OpKind.COMMIT and seen_write is not None:
                pending = [w for w in written if not any(w is c for c in committed)]
                if o.loop is not None and seen_write.loop == o.loop and not o.rolled_back and not o.leaves_loop \
                        and not o.loop_queues_tasks and not (all(_idempotent(w) for w in pending) and any(
                            _argument_names(w) & o.used_later_in_pass for w in pending)):
                    self.report(
                        o.op.call,
                        what=f"{o.op.label} commits {seen_write.op.label} once per loop iteration",
                        advice="commit once after the loop so a failure rolls back the whole batch",
                    )
                    return
                commit = o
                committed = list(written)


_TASK_PUBLISHERS = frozenset({"apply_async", "delay", "send_task", "enqueue", "enqueue_call"})


def _queues_tasks(body: cst.BaseSuite) -> bool:
    """A loop body that hands work to a task queue (Celery's `task.apply_async(...)`/`.delay(...)`,
    `send_task`, RQ's `queue.enqueue(...)`): the worker reads each pass's rows from another
    process, so each pass commits before (or right after) its task is sent, one unit per item.
    So does one that sends a message out (`whatsapp.send_message(...)` then `db.delete(msg)`):
    a rollback of the whole batch would not take back the messages already sent."""
    return any(isinstance(n, cst.Call) and ((isinstance(n.func, cst.Attribute) and n.func.attr.value in _TASK_PUBLISHERS)
                                            or sends_message(n))
               for n in iter_descendants(body, into_scopes=False))


def _argument_names(op: _Op) -> set[str]:
    """The names handed to a write (`db_tag` of `db.add(db_tag)`)."""
    return {a.value.value for a in op.op.call.args if isinstance(a.value, cst.Name)}


def _idempotent(op: _Op) -> bool:
    """`get_or_create()`, `update_or_create()`, a project's `Meaning.find_or_create(...)` or one
    written out (`if not user: db.add(User(...))`): a write keyed by what it looks up, which running
    again completes instead of repeating. Two of them left half-done are repaired by the next run;
    one committed before the rest leaves a valid shared row that the next attempt reuses; one
    missing after the rest is a row the code expects may be missing (why it gets or creates it),
    made by the next run that needs it."""
    return op.creates_if_missing or (call_name(op.op.call) or "").endswith(("get_or_create", "find_or_create", "update_or_create"))


# Modules of the request path, by the words of the module's name or its directory's: what they
# write half-way, users and concurrent requests see.
_REQUEST_WORDS = frozenset({"view", "views", "api", "apis", "route", "routes", "router", "routers", "endpoint",
                            "endpoints", "handler", "handlers", "controller", "controllers", "serializer",
                            "serializers", "form", "forms", "service", "services", "crud", "resource", "resources",
                            "webhook", "webhooks", "mutation", "mutations", "resolver", "resolvers", "viewset",
                            "viewsets", "blueprint", "blueprints", "repository", "repositories", "repo", "repos",
                            "dao", "daos", "store", "stores"})
_BACKGROUND_WORDS = frozenset({"model", "models", "task", "tasks", "job", "jobs", "signal", "signals", "scheduler",
                               "schedulers", "cron", "worker", "workers", "command", "commands", "fixture",
                               "fixtures", "startup", "boot", "sync", "admin", "migration", "migrations", "loader",
                               "loaders", "importer", "importers", "background"})


_BACKGROUND_DIRS = frozenset({"sync", "tasks", "jobs", "workers", "cron", "scheduler", "schedulers", "management",
                              "migrations", "loaders", "data_loaders", "importers", "ingestion", "etl"})
"""Packages of background code, at any depth above the module."""


_SESSION_WORDS = frozenset({"session", "db", "conn", "connection", "tx", "transaction"})
"""Names of sessions and connections (not cursors: a cursor's writes commit on its connection)."""


def _session(o: _Op) -> str | None:
    """The session or connection a write or commit goes through, when the call names it: the
    receiver of `side_session.commit()`, the `db_session=` handed to `update_hook(...)`."""
    call = o.op.call
    func = call.func
    if isinstance(func, cst.Attribute):
        receiver = dotted(func.value)
        if receiver is not None and set(name_parts(receiver.rsplit(".", 1)[-1])) & _SESSION_WORDS:
            return receiver
    for arg in call.args:
        name = dotted(arg.value)
        if name is not None and set(name_parts(name.rsplit(".", 1)[-1])) & _SESSION_WORDS:
            return name
    return None


def _one_session(*ops: _Op) -> bool:
    """Whether the writes and the commit may go through one session: a commit on another
    (`side_session.commit()`) leaves this session's writes in their own transaction."""
    named = {_session(o) for o in ops} - {None}
    return len(named) <= 1


def _request_layer(path: str) -> bool:
    if set(path.split("/")[:-1]) & _BACKGROUND_DIRS or any("background" in name_parts(d) for d in path.split("/")[:-1]):
        return False  # `sync/core/translations_from_repo.py`, `background_processing/`: the package says what runs it
    parts = path.rsplit("/", 2)
    stem = name_parts(parts[-1].rsplit(".", 1)[0])
    if set(stem) & _BACKGROUND_WORDS:
        return False
    directory = name_parts(parts[-2]) if len(parts) > 1 else []
    return bool(set(stem) & _REQUEST_WORDS or set(directory[-1:]) & _REQUEST_WORDS)


_BOOKKEEPING_FIELD = re.compile(r"(^|_)(progress|percent|percentage|heartbeat|error|errors|attempts|retries)$|^last_")


def _bookkeeping(call: cst.Call) -> bool:
    """`job.save(update_fields=["progress"])`: a progress, error or last-seen mark written on
    its own so that others see it at once, not a step of a change."""
    if call_name(call) != "save":
        return False
    fields = keyword_arg(call, "update_fields")
    if fields is None or not isinstance(fields.value, (cst.List, cst.Tuple)) or not fields.value.elements:
        return False
    names = [string_value(e.value) for e in fields.value.elements]
    return all(n is not None and _BOOKKEEPING_FIELD.search(n) for n in names)


def _calls_by_transaction(ctx: Any) -> dict[str, list[tuple[bool, str | None]]]:
    """For every called name in the file, each call: whether it is inside a transaction, and the
    function it is made from (one walk).

    A function of the file named without being called (`factory = _create_mv_states`, returned and
    called by the caller; `on_commit(_run)`) counts as called from where it is named: that is where
    it escapes to whoever runs it. Methods of a view class whose `dispatch` runs every request in
    `transaction.atomic()` make their calls inside it."""
    defined = {n.name.value for n in iter_descendants(ctx.module) if isinstance(n, cst.FunctionDef)}
    atomic_methods: set[int] = set()
    calls: dict[str, list[tuple[bool, str | None]]] = {}
    todo: list[tuple[cst.CSTNode, bool, str | None]] = [(ctx.module, False, None)]
    while todo:
        node, in_tx, caller = todo.pop()
        children: Iterable[cst.CSTNode] = iter_children(node)
        if isinstance(node, cst.ClassDef):
            if ctx.project.atomic_view([node.name.value, *routes.base_names(node)]):
                atomic_methods.update(id(s) for s in node.body.body if isinstance(s, cst.FunctionDef))
            in_tx = False
        elif isinstance(node, cst.FunctionDef):
            in_tx = database.is_transactional_function(node, ctx.project.atomic_wrappers) or id(node) in atomic_methods
            caller = node.name.value
            children = (c for c in children if c is not node.name)
        elif isinstance(node, cst.With) and any(
            database.is_transaction_context(ctx, item.item.expression if isinstance(item.item, cst.Await) else item.item)
            for item in node.items
        ):
            in_tx = True
        elif isinstance(node, cst.Call):
            name = call_name(node)
            if name:
                calls.setdefault(name, []).append((in_tx, caller))
        elif isinstance(node, cst.Name) and node.value in defined:
            calls.setdefault(node.value, []).append((in_tx, caller))  # a reference (or a called name again)
        todo.extend((child, in_tx, caller) for child in children)
    return calls


def _asserts_transaction(fn: cst.FunctionDef) -> bool:
    """`assert transaction.get_connection().in_atomic_block`: the function requires its caller's
    transaction. So does a `select_for_update()` outside any `atomic()` block of its own: Django
    refuses to run one in autocommit mode, so its callers hold a transaction."""
    own = {id(n) for w in iter_descendants(fn.body) if isinstance(w, cst.With) and "atomic" in "".join(
        dotted(i.item.func if isinstance(i.item, cst.Call) else i.item) or "" for i in w.items) for n in iter_descendants(w.body)}
    return any(
        (isinstance(n, cst.Assert) and any(isinstance(a, cst.Attribute) and a.attr.value == "in_atomic_block"
                                           for a in [n.test, *iter_descendants(n.test)]))
        or (isinstance(n, cst.Call) and call_name(n) == "select_for_update" and id(n) not in own)
        for n in iter_descendants(fn.body)
    )


def _only_in_transaction(calls: dict[str, list[tuple[bool, str | None]]], name: str, seen: frozenset[str] = frozenset()) -> bool:
    """Whether every call of `name` in the file is inside a transaction, or made from a function
    of which that holds in turn (`_create_segment` called only by `_import_flags`, called only
    inside `with transaction.atomic():`)."""
    sites = calls.get(name)
    if not sites or name in seen:
        return False
    return all(in_tx or (caller is not None and _only_in_transaction(calls, caller, seen | {name})) for in_tx, caller in sites)


def _touch(fn: cst.FunctionDef, op: _Op) -> bool:
    """`album.save()` with no field of `album` assigned in the function (after `album.tags.add(t)`,
    say), or only a clock (`album.modified = timezone.now()`), a `save(update_fields=[...])` naming modification
    times only, and `Album.objects.filter(...).update(modified=now())`: it writes nothing new but the timestamps."""
    call = op.op.call
    if call_name(call) == "update" and call.args and all(
        a.keyword is not None and _MODIFIED.search(a.keyword.value) and _clock(a.value) for a in call.args
    ):
        return True
    if call_name(call) == "save" and len(call.args) == 1 and (fields := keyword_arg(call, "update_fields")) is not None \
            and isinstance(fields.value, (cst.List, cst.Tuple)) and fields.value.elements \
            and all(_MODIFIED.search(string_value(e.value) or "") for e in fields.value.elements):
        return True  # `org.save(update_fields=["repos_updated_at"])`: only the modification time is written
    if call_name(call) != "save" or call.args or not isinstance(call.func, cst.Attribute):
        return False  # (`report.save(broadcast=False)` after `form.save(commit=False)` is the row's insert)
    name = dotted(call.func.value)  # `album`, `asset.bookmark`
    if name is None:
        return False
    for node in _reaching(fn, op):
        targets = [t.target for t in node.targets] if isinstance(node, cst.Assign) else \
            [node.target] if isinstance(node, (cst.AnnAssign, cst.AugAssign)) else []
        for target in targets:
            if isinstance(target, (cst.Attribute, cst.Subscript)) and dotted(target.value) == name:
                if not (isinstance(node, cst.Assign) and isinstance(target, cst.Attribute) and _MODIFIED.search(target.attr.value)
                        and _clock(node.value)):
                    return False  # (`transfer_requested = now()` is data: only a modification time is a touch)
            if isinstance(target, cst.Name) and target.value == name and isinstance(node, cst.Assign) and _constructed(node.value):
                return False  # `album = Album(...)`: its save is its first write
        if isinstance(node, cst.Call) and isinstance(node.func, cst.Name) and node.func.value == "setattr" and node.args \
                and dotted(node.args[0].value) == name:
            return False
        if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node is not call \
                and dotted(node.func.value) == name and node.func.attr.value != "save":
            return False  # `invoice.recalculate_totals()` then `invoice.save()`: the method changed it
    return True


def _reaching(fn: cst.FunctionDef, op: _Op) -> Iterator[cst.CSTNode]:
    """The nodes of `fn` before the write in source order, without the arms of an `if` that the
    write is not in (its `branches`): what can have run before it in the same pass (`photo =
    Photo(); photo.owner = user` in one branch says nothing of the `photo.save()` in the other)."""
    arms = dict(op.branches)
    call = op.op.call
    todo: list[cst.CSTNode] = [fn.body]
    while todo:
        node = todo.pop()
        if node is call:
            return
        yield node
        arm = arms.get(id(node)) if isinstance(node, cst.If) else None
        if arm is None:
            todo.extend(reversed(list(iter_children(node))))
        else:
            todo.extend(reversed([node.test, node.body if arm == 0 else node.orelse]))


_ONE_ROW = frozenset({"first", "one_or_none", "scalar_one_or_none", "scalar", "get", "get_or_none", "find_one", "find"})
"""Lookups of one row, whose absence a find-or-create tests."""
_ONE_BY_KEY = re.compile(r"(get|find|fetch|lookup|load)_\w+_by_\w+")
"""A repository's lookup of one row by a key (`get_tag_by_name(db, name)`, `find_user_by_email`)."""


def _looks_up_one(name: str) -> bool:
    return name in _ONE_ROW or _ONE_BY_KEY.fullmatch(name) is not None


_SCHEDULERS = frozenset({"add_task", "add_job", "add_done_callback", "add_callback"})
"""Calls that hand work on for later (Starlette's `BackgroundTasks.add_task`, APScheduler's
`add_job`), named like writes. (`create_db_tasks(...)` is a write of task rows.)"""
_WRITER_NAME = re.compile(r"(create|add|update|save|delete|insert|upsert|store|record|register|remove|set|find_or_create|get_or_create)(_|$)")
"""Names of functions that write: `create_user`, `add_or_update_config`, `find_or_create_organisation`."""
_MODIFIED = re.compile(r"modif|updat|chang|touch", re.I)
"""Names of modification times (`date_modified`, `updated_at`, `last_changed`)."""
_CLOCKS = frozenset({"now", "utcnow", "today", "time", "time_ns", "current_timestamp"})


def _clock(value: cst.BaseExpression) -> bool:
    """`timezone.now()`, `datetime.utcnow()`, `func.now()`, `time.time()`: the current time."""
    return isinstance(value, cst.Call) and not value.args and call_name(value) in _CLOCKS


def _constructed(value: cst.BaseExpression) -> bool:
    """`Album(...)`: a new instance (a class called by its capitalised name), not a fetched one."""
    return isinstance(value, cst.Call) and isinstance(value.func, (cst.Name, cst.Attribute)) and \
        (value.func.value if isinstance(value.func, cst.Name) else value.func.attr.value)[:1].isupper()


def _undoes(a: _Op, b: _Op) -> bool:
    """`caption = form.save()`, then in an `except` of a later step `caption.delete()`: the second
    write undoes the first when what followed it failed; both never stand."""
    return b.recovery and call_name(b.op.call) == "delete" and bool(b.obj) and b.obj in a.names


def _ends_the_pass(block: cst.IndentedBlock, child: cst.CSTNode) -> bool:
    """Whether the statements of `block` after `child` end with a `return`, `raise` or `break`
    that nothing skips (no `continue` among them): whatever `child` does runs once per call."""
    if not ends_with(block, (*LEAVING, cst.Break)) or not any(stmt is child for stmt in block.body):
        return False
    after = list(itertools.dropwhile(lambda stmt: stmt is not child, block.body))[1:]
    return not any(isinstance(n, cst.Continue) for stmt in after for n in iter_descendants(stmt, into_scopes=False))


def _leaves_a_valid_state(a: _Op, b: _Op, ops: Sequence[_Op] = ()) -> bool:
    """A row replaced (`Token.objects.filter(user=u).delete()`, then one `Token.objects.create(
    user=u)` of the same model, or through the same relation: `erp.sources.filter(...).delete()`,
    `erp.sources.create(...)`; not a create in a loop the delete is outside of): if the create
    fails, the row is simply absent, a state the next attempt repairs. (Two deletes are not: a
    parent deleted after its children, or before them, leaves one half of the pair.) The row
    deleted may be an object another write of `ops` bound (`auth_token, created =
    Token.objects.get_or_create(user=user)`, then `auth_token.delete()`)."""
    if call_name(a.op.call) not in ("delete", "adelete"):
        return False
    model = _rows_of(a.op.call) or next(
        (m for o in ops if o is not a and o.obj == a.obj and (m := database.model_of(o.op.call)) is not None), None)
    return b.loop in (None, a.loop) and call_name(b.op.call) == "create" and model is not None and _rows_of(b.op.call) == model


def _rows_of(call: cst.Call) -> str | None:
    """The model a write's rows belong to, or the relation it goes through (`erp.sources`)."""
    model = database.model_of(call)
    if model is not None:
        return model
    root = dotted(database.chain_root(call)) or ""
    return root if root.count(".") == 1 and not root.startswith(("self.", "cls.")) else None


def _same_object(a: _Op, b: _Op) -> bool:
    """`obj = X.objects.create(...)` then `obj.save()`: one object written twice, one logical write."""
    return call_name(b.op.call) == "save" and a.obj == b.obj


def _framework_runs_in_transaction(fn: cst.FunctionDef, is_method: bool) -> bool:
    """Signal receivers run inside the sender's transaction; model `save()`/`delete()` overrides
    and framework hooks (`perform_create`, `pre_*`/`post_*`/`on_*` methods) run inside their caller's."""
    for dec in fn.decorators:
        expr = dec.decorator.func if isinstance(dec.decorator, cst.Call) else dec.decorator
        if (dotted(expr) or "").rsplit(".", 1)[-1] in ("receiver", "connect"):
            return True
    name = fn.name.value
    return is_method and (name in _HOOKS or name.startswith(("pre_", "post_", "before_", "after_", "on_")))
