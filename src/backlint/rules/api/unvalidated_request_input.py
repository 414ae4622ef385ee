from __future__ import annotations

import re
from typing import Any, Iterator, Mapping

import libcst as cst

from backlint.findings import Confidence, Level
from backlint.frameworks import routes, database
from backlint.frameworks.database import OpKind
from backlint.frameworks.flow import DefKind, Scope
from backlint.frameworks.imports import dotted
from backlint.frameworks.values import Env, Kind, Origin, Origins, assigned_values, is_constant_name, qualified_name
from backlint.rule import Invalid, Rule, Valid
from backlint.syntax import call_name, iter_descendants, keyword_arg, name_parts, string_value

_CHECKER_PREFIXES = ("check_", "verify_", "validate", "ensure_valid", "is_valid")
_VALIDATOR_BASES = frozenset({"BaseModel", "Schema", "Serializer", "ModelSerializer", "HyperlinkedModelSerializer", "Form",
                              "ModelForm", "FlaskForm", "SQLModel", "BaseSettings", "Struct", "RootModel"})
_VALIDATOR_NAME = re.compile(r"(Schema|Serializer|Form|In|Input|Create|Update|Patch|Payload|Request|Body|DTO|Dto|Params|Query|Filter|Command|Validator)$")
_VALIDATOR_MODULES = re.compile(r"(^|\.)(schemas?|serializers?|forms?|dtos?|validators?|payloads?|requests?|inputs?)(\.|$)")


_BODY_SCHEMA_DECORATORS = frozenset({"expects_json", "use_args", "use_kwargs", "arguments", "accepts", "input"})


def _is_true(expr: cst.BaseExpression) -> bool:
    return isinstance(expr, cst.Name) and expr.value == "True"


_DJANGO_ADMIN = frozenset({"ModelAdmin", "TabularInline", "StackedInline", "InlineModelAdmin"})


def _django_admin(cls: cst.ClassDef) -> bool:
    """A class of Django's admin site: registered with `@admin.register(Model)`, or based on a
    `ModelAdmin` (`GISModelAdmin`, django-reversion's `VersionAdmin`, an inline)."""
    bases = routes.base_names(cls)
    return bool(set(bases) & _DJANGO_ADMIN) or any(b.endswith("Admin") for b in bases) or any(
        (dotted(d.decorator.func if isinstance(d.decorator, cst.Call) else d.decorator) or "") == "admin.register"
        for d in cls.decorators)


_KEY_LOOKUPS = frozenset({"id", "pk", "uuid"})
"""Keys a single-row lookup (`Project.objects.get(id=pk)`, `get_object_or_404(Team, pk=pk)`) is
given: the value is then the key of a row that exists, an integer or UUID, whatever it was sent as."""


class UnvalidatedRequestInput(Rule):
    """Raw request data is written to the database without going through a schema.

    JSON bodies, form fields and query arguments arrive as whatever the client chose to send:
    unexpected keys (`is_admin: true` copied onto a user by `User(**request.json)`), wrong types,
    oversized strings, missing fields. Validating at the boundary with a schema (Pydantic,
    marshmallow, a DRF serializer, a Django or WTForms form) turns that into a typed, bounded
    object or a 4xx. The rule follows raw request data (`request.json`, `request.get_json()`,
    `request.form[...]`, `request.args[...]`, `request.POST`, `request.data`, `await
    request.json()`, a FastAPI body typed `dict`) into database writes: ORM creates, updates and
    saves, `session.add()` of a model built from it, fields assigned from it before a save, and
    the parameters of an INSERT or UPDATE.

    Left alone: views no request reaches (a Django or DRF view class that no file of the scan names:
    no URL configuration, router, subclass or import), actions of Django's admin site (methods of a
    `ModelAdmin`, or of a class registered with `@admin.register`: staff only), a key the function looks a row up by (`Project.objects.get(id=pk)`,
    `get_object_or_404(Team, pk=pk)`: then the key of a row that exists), data that went through a validator (`Schema().load()`, `Model.model_validate()`,
    a Pydantic model's constructor, `serializer.is_valid()` then `validated_data`,
    `form.cleaned_data`), functions that check the request themselves (a form's `is_valid()`, a
    `validate_...()` call; DRF's `perform_create`/`perform_update` run after the serializer's;
    a decorator given a schema that checks the body first: `@api.validate(schema)`,
    `@expects_json(schema)`, webargs' `@use_args`, `@api.expect(model, validate=True)`), values checked against a fixed set (`if fmt in ["json", "yaml"]`, a
    constant, an enumeration's `values` or `choices` (or the enumeration class itself:
    `if frequency not in EmailFrequency: return 400`), a generator over a constant (`(code for code, _
    in settings.LANGUAGES)`), or a local list bound once; each value of a dict or list written whole is judged
    on its own; `data.get("k")` and `data["k"]` are the same value; a string formatted from checked values only is checked) or parsed only to see whether they parse (`UUID(value)` as a statement, in a `try`
    that rejects what fails) or checked for their type (`if not isinstance(context, dict): raise
    BadRequest(...)`) or matched against a pattern in a test (`if not re.match(r"^[a-zA-Z0-9_-]{3,30}$", name): return
    ...`, or a compiled constant's `SLUG_RE.fullmatch(name)`) or cut to a fixed length (`request.POST.get("name", "")[:128]`), request values stored in a field that every
    model the scan saw declares as unbounded text (Django `TextField`, SQLAlchemy `Text`, the rich-text
    fields built on `TextField` such as django-bleach's `BleachField`, and the project's subclasses of them: any
    string is valid there, and a JSON list or number fails the save or is stored as its text,
    with nothing else to check; a `CharField` has a length to check), the client's own view state (fields named for filters, display properties,
    ordering, layout, columns, preferences, bookmarks; also a key-value store's key spelled in the code:
    `user.preferences.set(f"tables.{name}.ordering", ordering)`), uploaded files, FastAPI parameters with a model or scalar type, request data
    used only to read or to select the rows a write changes or removes (`user.aliases.remove(
    request.POST["alias"])`, `cache.delete(key)`), and a local `request` that holds
    what the code itself sent (`request = requests.post(...)`)."""

    ID = "BL403"
    LEVEL = Level.WARNING
    CONFIDENCE = Confidence.MEDIUM
    CWE = (20, 915)
    SECURITY_SEVERITY = 5.3
    TAGS = ("security", "validation", "api")
    TESTS = False
    MESSAGE = "{source} is written by {sink} without validation; validate it with a schema first"
    FIX = """Validate at the boundary and write only validated fields:

```python
class UserUpdate(BaseModel):
    name: str = Field(max_length=100)
    email: EmailStr

@app.put("/users/<int:user_id>")
def update_user(user_id):
    data = UserUpdate.model_validate(request.get_json())   # 422 on bad input
    users.update(user_id, **data.model_dump())
```"""
    REFERENCES = (
        "https://cheatsheetseries.owasp.org/cheatsheets/Input_Validation_Cheat_Sheet.html",
        "https://cheatsheetseries.owasp.org/cheatsheets/Mass_Assignment_Cheat_Sheet.html",
    )
    PREFILTER = ("request", "Body", ": dict", ":dict", "Dict", "dict[", "[dict")  # request objects, FastAPI dict bodies

    INVALID = [
        Invalid(
            """
            from flask import Flask, request
            app = Flask(__name__)

            @app.post("/users")
            def create_user():
                user = User(**request.get_json())
                db.session.add(user)
                db.session.commit()
                return {"id": user.id}, 201
            """,
            line=7,
            note="Mass assignment: every key of the body becomes a column.",
        ),
        Invalid(
            """
            def signup(request):
                Account.objects.create(email=request.POST["email"], plan=request.POST.get("plan", "free"))
                return redirect("/welcome")
            """,
            line=2,
            note="Form fields straight into a Django create.",
        ),
        Invalid(
            """
            from fastapi import APIRouter
            router = APIRouter()

            @router.patch("/items/{item_id}")
            def patch_item(item_id: int, changes: dict, db: Session = Depends(get_db)):
                db.query(Item).filter(Item.id == item_id).update(changes)
                db.commit()
            """,
            line=6,
            note="An untyped FastAPI body.",
        ),
        Invalid(
            """
            from flask import request

            def rename(user):
                payload = request.json
                user.display_name = payload["name"]
                db.session.add(user)
                db.session.commit()
            """,
            line=6,
            note="A field assigned from the body, then saved.",
        ),
        Invalid(
            """
            async def add_comment(request):
                body = await request.json()
                async with request.app["pool"].acquire() as conn:
                    await conn.execute("INSERT INTO comments (post_id, text) VALUES ($1, $2)", body["post"], body["text"])
            """,
            line=4,
            note="The parameters of an INSERT (aiohttp).",
        ),
        Invalid(
            """
            from django.db import models
            from django.shortcuts import get_object_or_404, redirect

            class Book(models.Model):
                title = models.CharField(max_length=200)
                description = models.TextField(blank=True)

            def rename(request, book_id):
                book = get_object_or_404(Book, id=book_id)
                book.title = request.POST.get("title")
                book.save()
                return redirect("book", book.id)
            """,
            line=11,
            note="A `CharField` has a length the client's string may exceed: without a form, the save fails (or truncates) instead of answering 400.",
        ),
    ]
    VALID = [
        Valid(
            """
            from flask import jsonify, request

            @bp.route("/lists", methods=["POST"])
            @api.validate(list_input_schema)
            def create_list():
                data = request.json
                entry_list = EntryList(name=data.get("name"))
                session.add(entry_list)
                session.commit()
                return jsonify(entry_list.to_dict()), 201
            """,
            note="A decorator given a schema validates the body before the handler runs.",
        ),
        Valid(
            """
            from django.db import models
            from django.shortcuts import get_object_or_404, redirect

            class Book(models.Model):
                title = models.CharField(max_length=200)
                description = models.TextField(blank=True)

            def add_description(request, book_id):
                book = get_object_or_404(Book, id=book_id)
                book.description = request.POST.get("description")
                book.save()
                return redirect("book", book.id)
            """,
            note="A form field (always a string) stored as free text: any string is a valid description.",
        ),
        Valid(
            """
            from django.db import models
            from rest_framework.decorators import api_view
            from rest_framework.response import Response

            class Note(models.Model):
                job_id = models.IntegerField()
                text = models.TextField()

            @api_view(["PUT"])
            def update_note(request, pk):
                note = Note.objects.get(pk=pk)
                note.text = request.data["text"]
                note.save()
                return Response({"id": note.id})
            """,
            note="A JSON value stored as unbounded text: any string is valid, and a list or a number fails the save.",
        ),
        Valid(
            """
            from flask import Flask, abort, request

            app = Flask(__name__)

            @app.post("/reviews")
            def add_review():
                review = request.form["review"].strip()
                if len(review) > 2000:
                    abort(400)
                db.session.add(Review(text=review, author_id=current_user.id))
                db.session.commit()
                return "", 201
            """,
            note="A length bound checked before the write is validation.",
        ),
        Valid(
            """
            from flask import Flask, request
            app = Flask(__name__)

            @app.post("/users")
            def register():
                name = request.form["name"].strip()
                email = request.form["email"].strip()
                check_username(name)
                email = check_email(email)
                db.session.add(User(name=name, email=email))
                db.session.commit()
            """,
            note="The project's own checkers (`check_*`, `verify_*`, `validate*`) are given the request's values before the write.",
        ),
        Valid(
            """
            from django.http import JsonResponse

            def reorder_stages(request):
                stage_ids = request.data["stage_ids"]
                for position, stage_id in enumerate(stage_ids):
                    Stage.objects.filter(id=stage_id, org=request.org).update(order=position)
                return JsonResponse({"ok": True})
            """,
            note="Request ids only select rows; the value written is the position `enumerate` counts.",
        ),
        Valid(
            """
            from flask import Flask, request
            app = Flask(__name__)

            @app.post("/users")
            def create_user():
                data = UserCreate.model_validate(request.get_json())
                user = User(**data.model_dump())
                db.session.add(user)
                db.session.commit()
                return {"id": user.id}, 201
            """,
            note="Validated with a Pydantic model first.",
        ),
        Valid(
            """
            def signup(request):
                form = SignupForm(request.POST)
                if form.is_valid():
                    Account.objects.create(**form.cleaned_data)
                return redirect("/welcome")
            """,
            note="A Django form.",
        ),
        Valid(
            """
            from fastapi import APIRouter
            router = APIRouter()

            @router.patch("/items/{item_id}")
            def patch_item(item_id: int, changes: ItemPatch, db: Session = Depends(get_db)):
                db.query(Item).filter(Item.id == item_id).update(changes.model_dump(exclude_unset=True))
                db.commit()
            """,
            note="A typed FastAPI body.",
        ),
        Valid(
            """
            class ArticleViewSet(viewsets.ModelViewSet):
                def create(self, request):
                    serializer = ArticleSerializer(data=request.data)
                    serializer.is_valid(raise_exception=True)
                    serializer.save(author=request.user)
                    return Response(serializer.data, status=201)
            """,
            note="A DRF serializer.",
        ),
        Valid(
            """
            from flask import request

            def search():
                term = request.args.get("q", "")
                return [p.to_dict() for p in Product.query.filter(Product.name.ilike(f"%{term}%")).limit(20)]
            """,
            note="Request data used to read, not written.",
        ),
        Valid(
            """
            from marshmallow import Schema, fields

            class CommentSchema(Schema):
                text = fields.Str(required=True)

            def add_comment(request, post):
                data = CommentSchema().load(request.json)
                Comment.objects.create(post=post, **data)
            """,
            note="marshmallow.",
        ),
        Valid(
            """
            from rest_framework.response import Response
            from rest_framework.views import APIView

            class AvatarUpload(APIView):
                def post(self, request):
                    kind = request.data.get("type", "image/jpeg")
                    allowed = ["image/jpeg", "image/png", "image/webp"]
                    if kind not in allowed:
                        return Response({"error": "Only JPEG, PNG and WebP images."}, status=400)
                    asset = FileAsset.objects.create(kind=kind, user=request.user)
                    return Response({"id": asset.id}, status=201)
            """,
            note="Checked against a list the function spells out: an allowlist, wherever the list is written.",
        ),
        Valid(
            """
            from rest_framework.response import Response
            from rest_framework.views import APIView

            class AssetUpload(APIView):
                def post(self, request):
                    kind = request.data.get("type", "image/jpeg")
                    if kind not in ("image/jpeg", "image/png"):
                        return Response({"error": "Only JPEG and PNG images."}, status=400)
                    size = min(int(request.data.get("size", 0)), 5_000_000)
                    asset = FileAsset.objects.create(attributes={"type": kind, "size": size}, user=request.user)
                    return Response({"id": asset.id}, status=201)
            """,
            note="Each value of a dict written whole is judged on its own: here each was checked.",
        ),
        Valid(
            """
            from django.http import HttpResponseBadRequest
            from django.shortcuts import redirect

            def set_startpage(request):
                user = request.user
                page = request.POST.get("page")
                if page not in UserProfile.StartPage.values:
                    return HttpResponseBadRequest()
                user.startpage = page
                user.save()
                return redirect("index")
            """,
            path="accounts/views.py",
            note="Checked against the values of an enumeration (Django's `TextChoices`): a fixed set.",
        ),
        Valid(
            """
            import requests

            class WebhookSender:
                def __init__(self, session):
                    self.session = session

                def send(self, hook, body):
                    error = None
                    request = None
                    try:
                        request = requests.post(hook.url, data=body, timeout=10)
                    except requests.RequestException as exc:
                        error = type(exc).__name__
                    if request is not None and request.status_code >= 400:
                        error = request.text
                    event = WebhookEvent(hook_id=hook.id, errors=error)
                    self.session.add(event)
                    self.session.commit()
            """,
            path="webhooks/sender.py",
            note="`request` here is the request this code sent (its response): not the one it serves.",
        ),
        Valid(
            """
            from uuid import UUID
            from flask import abort, request

            @app.post("/replies")
            def add_reply():
                data = request.get_json()
                reply = Reply(body="(encrypted)")
                reply_uuid = data.get("uuid")
                if reply_uuid is not None:
                    try:
                        UUID(reply_uuid)
                    except ValueError:
                        abort(400, "'uuid' was not a valid UUID")
                    reply.uuid = reply_uuid
                db.session.add(reply)
                db.session.commit()
            """,
            note="The value is parsed as a UUID only to reject what does not parse: it is checked.",
        ),
        Valid(
            """
            from django.db import models
            from django.shortcuts import redirect

            class User(models.Model):
                also_known_as = models.ManyToManyField("self")

            def remove_alias(request):
                request.user.also_known_as.remove(request.POST["alias"])
                return redirect("prefs")
            """,
            path="views/preferences.py",
            note="The request value only selects which of the user's own aliases to remove: nothing from it is stored.",
        ),
        Valid(
            """
            from rest_framework.response import Response
            from rest_framework.views import APIView

            from boards.models import BoardUserProperties

            class BoardPropertiesView(APIView):
                def patch(self, request, board_id):
                    props = BoardUserProperties.objects.get(user=request.user, board_id=board_id)
                    props.display_filters = request.data.get("display_filters", props.display_filters)
                    props.column_layout = request.data.get("column_layout", props.column_layout)
                    props.save()
                    return Response(status=204)
            """,
            note="The client's own view state (filters, layout): whatever it holds only changes what that client sees next.",
        ),
        Valid(
            """
            from django.http import HttpResponse

            from alerts.models import Notification

            def delivery_status(request, code):
                notification = Notification.objects.get(code=code)
                if request.POST.get("MessageStatus") in ("failed", "undelivered"):
                    status = request.POST["MessageStatus"]
                    notification.error = f"Delivery failed (status={status})."
                    notification.save(update_fields=["error"])
                return HttpResponse()
            """,
            note="The status is checked against a fixed set (read with `.get()`, then by subscript: the same value), "
                 "and the stored text is formatted from it alone.",
        ),
        Valid(
            """
            from django.conf import settings
            from django.http import HttpResponseRedirect

            def set_locale(request):
                locale = request.GET.get("locale")
                if locale in (code for code, _ in settings.LANGUAGES):
                    profile = request.user.profile
                    profile.locale = locale
                    profile.save(update_fields=["locale"])
                return HttpResponseRedirect("/")
            """,
            path="accounts/views.py",
            note="The value is checked against the codes of a settings constant, read through a generator.",
        ),
        Valid(
            """
            from rest_framework.decorators import api_view

            from common.exceptions import BadRequest

            @api_view(["POST"])
            def set_personal_webhook(request):
                context = request.data.get("context")
                if not isinstance(context, dict):
                    raise BadRequest(detail={"context": "Invalid context."})
                PersonalWebhook.objects.update_or_create(user=request.user, defaults={"context": context})
            """,
            note="A value of any other type is answered with an error: what is written has the type asked for.",
        ),
    ]

    def __init__(self, ctx: Any, options: Mapping[str, Any]) -> None:
        super().__init__(ctx, options)
        self._classes: dict[str, cst.ClassDef] | None = None
        self._reported_functions: set[int] = set()

    def visit_Call(self, node: cst.Call) -> None:
        if database.is_chain_link(self.ctx.stack):
            return
        op = database.data_op(self.ctx, node, lambda: Env.here(self.ctx))
        if op is None or op.kind is not OpKind.WRITE:
            return
        env = Env.here(self.ctx)
        fn = self.ctx.function()
        if id(fn) in self._reported_functions:
            return  # one finding per function: the first write is where to validate
        cls = self.ctx.enclosing_class()
        if cls is not None and routes.unrouted_view(self.ctx, cls):
            return  # a view class nothing routes to: dead code, no request reaches it
        if cls is not None and _django_admin(cls):
            return  # an action of Django's admin site: staff only, operators at work on their own data
        if self._validates(fn):
            return
        origins = Origins(self.ctx)
        checked = self._allowlisted()
        model = self._model_written(node, env)
        for whole, expr_env, field in self._written_values(node, env):
            for expr in _parts(whole):
                if self._checked(expr, expr_env, checked):
                    continue
                if field is not None and _ui_state(field):
                    continue  # the client's own view state (`display_filters`, `view_props`, `bookmark_key`)
                raws = self._raw(origins, expr, expr_env)
                if raws and field is not None and self.ctx.project.unbounded_text(field, model):
                    continue  # stored as free text: any string is valid, and a JSON list or number fails the save
                raw = raws[0] if raws else None
                if raw is not None:
                    if self._checks_request(fn, origins, env):
                        return
                    self._reported_functions.add(id(fn))
                    self.report(node, source=f"Raw {raw.what}", sink=op.label)
                    return

    def _validates(self, fn: cst.FunctionDef | None) -> bool:
        """Whether the function validates the request itself, or a decorator given a schema
        validates the body before it runs (`@api.validate(schema)`, flask-expects-json's
        `@expects_json(schema)`, webargs' `@use_args(...)`, flask-smorest's `@blp.arguments(...)`,
        Flask-RESTX's `@api.expect(model, validate=True)`): a form or serializer's
        `is_valid()`, WTForms' `validate_on_submit()`, or a call to a validating function
        (`_validate_parameters(request.form)`) that answers bad input before the write, or a
        DRF `perform_create(self, serializer)`/`perform_update`, which the view calls once
        `serializer.is_valid(raise_exception=True)` has passed."""
        if fn is None:
            return False
        if fn.name.value in ("perform_create", "perform_update") and any(p.name.value == "serializer" for p in fn.params.params):
            return True
        for decorator in fn.decorators:
            target = decorator.decorator
            if isinstance(target, cst.Call) and target.args:
                name = (dotted(target.func) or "").rsplit(".", 1)[-1]
                if "validat" in name.lower() or name in _BODY_SCHEMA_DECORATORS or (
                        name == "expect" and (arg := keyword_arg(target, "validate")) is not None and _is_true(arg.value)):
                    return True  # `@api.validate(schema)`, `@expects_json(schema)`, `@use_args(Schema())`: checked before the call

        def scan() -> bool:
            for n in iter_descendants(fn.body, into_scopes=False):
                if isinstance(n, cst.Call):
                    name = call_name(n) or ""
                    if name in ("is_valid", "validate_on_submit", "full_clean") or "validat" in name.lower():
                        return True
            return False

        return bool(self.ctx.memo(("BL403-validates", id(fn)), scan))

    def _checks_request(self, fn: cst.FunctionDef | None, origins: Origins, env: Env) -> bool:
        """A project checker given request data (`check_username(name)`,
        `verify_sns_message(payload)`): the author checks the input, by whatever name."""
        if fn is None:
            return False
        for n in iter_descendants(fn.body, into_scopes=False):
            if isinstance(n, cst.Call) and (call_name(n) or "").lower().startswith(_CHECKER_PREFIXES):
                for arg in n.args:
                    if any(o.kind is Kind.REQUEST for o in origins.of(arg.value, env)):  # names as the write sees them
                        return True
        return False

    def _checked(self, expr: cst.BaseExpression, env: Env, checked: set[str], depth: int = 0) -> bool:
        """A value (or the name it was read into) compared against a fixed set, or a string
        formatted from such values only (`f"Delivery failed ({status})"`)."""
        if self.ctx.code(expr) in checked or _cut_to_length(expr):
            return True
        if isinstance(expr, cst.FormattedString) and depth < 3:
            holes = [p.expression for p in expr.parts if isinstance(p, cst.FormattedStringExpression)]
            return bool(holes) and all(self._checked(h, env, checked, depth + 1) for h in holes)
        return isinstance(expr, cst.Name) and depth < 3 and any(
            isinstance(value, cst.BaseExpression) and self._checked(value, venv, checked, depth + 1)
            for value, venv in assigned_values(env, expr)
            if value is not expr
        )

    def _model_written(self, call: cst.Call, env: Env) -> str | None:
        """The model a write stores a row of, when the code names it: `Model.objects.create(...)`,
        or `row.save()` on `row = Model()` / `Model.objects.get(...)`."""
        model = database.model_of(call)
        if model is not None:
            return model
        func = call.func
        if not (isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name)):
            return None
        found = set()
        for value, _ in assigned_values(env, func.value):
            if isinstance(value, cst.Call):
                name = database.model_of(value) or (dotted(value.func) or "").rsplit(".", 1)[-1]
                if name[:1].isupper():
                    found.add(name)
        return found.pop() if len(found) == 1 else None

    def _written_values(self, call: cst.Call, env: Env) -> Iterator[tuple[cst.BaseExpression, Env, str | None]]:
        """Values a write stores, with the field each goes to when it is named: the write's
        arguments (not the filters that select the rows), models built from request data, and
        fields assigned on the written object before."""
        if call_name(call) in _REMOVALS:
            return  # `user.aliases.remove(request.POST["alias"])`, `redis.delete(key)`: the value only selects
        key = _stored_key(call)
        filter_first = call_name(call) in _FILTER_FIRST
        for i, arg in enumerate(call.args):
            if filter_first and (i == 0 and arg.keyword is None or arg.keyword is not None and arg.keyword.value == "filter"):
                continue  # `users.update_one({"_id": request.json["id"]}, {"$set": ...})`: the id only selects
            if arg.keyword is not None and arg.keyword.value in ("defaults", "create_defaults") and isinstance(arg.value, cst.Dict):
                for element in arg.value.elements:  # `get_or_create(..., defaults={"fullname": name})`: each to its field
                    if isinstance(element, cst.DictElement):
                        yield element.value, env, string_value(element.key)
                continue
            yield arg.value, env, arg.keyword.value if arg.keyword is not None else (key if i == 1 else None)
            for value, venv in assigned_values(env, arg.value):
                if isinstance(value, cst.Call) and self._is_model_constructor(value):
                    for inner in value.args:
                        yield inner.value, venv, inner.keyword.value if inner.keyword is not None else None
        func = call.func
        targets = [a.value for a in call.args] + ([func.value] if isinstance(func, cst.Attribute) else [])
        scope = env.scope
        for target in targets:
            name = dotted(target)
            if name is None or "." in name:
                continue
            for key in scope.names():
                if key.startswith(name + "."):
                    for d in scope.definitions(key):
                        if d.value is not None:
                            yield d.value, env.at(d), key.rsplit(".", 1)[-1]

    def _allowlisted(self) -> set[str]:
        """Expressions compared against a fixed set in this function (`if theme not in THEMES:
        abort(400)`, `if request.GET.get("format") in ["json", "yaml"]:`) or whose length is
        bounded (`if len(review) > 2000:`), as code."""
        fn = self.ctx.function()
        if fn is None:
            return set()
        found: set[str] = set()
        lists = _literal_lists(self.ctx.current_scope()[0])
        for n in iter_descendants(fn.body, into_scopes=False):
            if isinstance(n, cst.Comparison):
                for target in n.comparisons:
                    if isinstance(target.operator, (cst.In, cst.NotIn)) and (
                        _fixed_collection(target.comparator) or (isinstance(target.comparator, cst.Name) and target.comparator.value in lists)
                    ):
                        found.update(self._spellings(n.left))
                    elif (
                        isinstance(target.operator, (cst.LessThan, cst.LessThanEqual, cst.GreaterThan, cst.GreaterThanEqual))
                        and isinstance(n.left, cst.Call) and call_name(n.left) == "len" and n.left.args
                        and isinstance(target.comparator, cst.Integer)
                    ):
                        found.add(self.ctx.code(n.left.args[0].value))  # `if len(review) > 2000: abort(400)`
            elif isinstance(n, cst.Expr) and isinstance(n.value, cst.Call) and call_name(n.value) in _PARSE_CHECKS and n.value.args:
                found.add(self.ctx.code(n.value.args[0].value))  # `UUID(reply_uuid)` for its error alone: a check
            elif isinstance(n, cst.If) and _rejects_other_types(n):
                found.update(self._spellings(n.test.expression.args[0].value))  # type: ignore[attr-defined]
            if isinstance(n, (cst.If, cst.While)):
                for call in [n.test, *iter_descendants(n.test)]:
                    if isinstance(call, cst.Call) and (value := self._pattern_checked(call)) is not None:
                        found.update(self._spellings(value))  # `if not re.match(r"^[a-z0-9_-]{3,30}$", name): return ...`
            if isinstance(n, cst.Call) and (call_name(n) == "get_object_or_404" or (
                    call_name(n) in ("get", "aget") and database.model_of(n) is not None)):
                for arg in n.args:
                    if arg.keyword is not None and arg.keyword.value in _KEY_LOOKUPS:
                        found.update(self._spellings(arg.value))  # `Project.objects.get(id=project_pk)`: a key of a row that exists
        return found

    def _pattern_checked(self, call: cst.Call) -> cst.BaseExpression | None:
        """The value a test matches against a regular expression (`re.fullmatch(r"^...$", value)`,
        `SLUG_RE.match(value)` with a compiled module constant): a check of its form."""
        name = qualified_name(self.ctx, call)
        if name in ("re.match", "re.fullmatch", "re.search") and len(call.args) >= 2 and string_value(call.args[0].value) is not None:
            return call.args[1].value
        func = call.func
        if isinstance(func, cst.Attribute) and func.attr.value in ("match", "fullmatch") and len(call.args) == 1 \
                and isinstance(func.value, cst.Name) and is_constant_name(func.value.value):
            return call.args[0].value
        return None

    def _spellings(self, expr: cst.BaseExpression) -> set[str]:
        """The code of a value, and of the other way to read the same key: `data.get("k")` and
        `data["k"]` are one value, checked under either spelling."""
        found = {self.ctx.code(expr)}
        if isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute) and expr.func.attr.value == "get" and expr.args:
            found.add(f"{self.ctx.code(expr.func.value)}[{self.ctx.code(expr.args[0].value)}]")
        elif isinstance(expr, cst.Subscript) and len(expr.slice) == 1 and isinstance(expr.slice[0].slice, cst.Index):
            found.add(f"{self.ctx.code(expr.value)}.get({self.ctx.code(expr.slice[0].slice.value)})")
        return found

    def _raw(self, origins: Origins, expr: cst.BaseExpression, env: Env) -> list[Origin]:
        """The raw request data a value may come from, in a fixed order (`request.form or
        request.get_json()` is both: a set's order must not decide which one is judged)."""
        return sorted((o for o in origins.of(expr, env) if o.kind is Kind.REQUEST and o.raw), key=lambda o: (o.what, o.part or ""))

    def _is_model_constructor(self, call: cst.Call) -> bool:
        """`User(**data)` builds an ORM model; `UserCreate(**data)` validates."""
        name = dotted(call.func)
        if name is None:
            return False
        last = name.rsplit(".", 1)[-1]
        if not last[:1].isupper() or _VALIDATOR_NAME.search(last):
            return False
        qualified = self.ctx.imports.qualify(call.func) or ""
        if _VALIDATOR_MODULES.search(qualified.rsplit(".", 1)[0] if "." in qualified else ""):
            return False
        cls = self._local_classes().get(last)
        if cls is not None:
            bases = {(dotted(b.value) or "").rsplit(".", 1)[-1] for b in cls.bases}
            if bases & _VALIDATOR_BASES:
                return False
        return True

    def _local_classes(self) -> dict[str, cst.ClassDef]:
        if self._classes is None:
            self._classes = dict(self.ctx.module_scope().classes)
        return self._classes


def _cut_to_length(expr: cst.BaseExpression) -> bool:
    """`request.POST.get("name", "").strip()[:128]`: text cut to a fixed length, as bounded as one
    checked with `if len(name) > 128: abort(400)`."""
    if not (isinstance(expr, cst.Subscript) and len(expr.slice) == 1 and isinstance(expr.slice[0].slice, cst.Slice)):
        return False
    cut = expr.slice[0].slice
    return isinstance(cut.upper, cst.Integer) and (cut.lower is None or isinstance(cut.lower, cst.Integer)) and cut.step is None


_REMOVALS = frozenset({"remove", "delete", "discard", "srem", "hdel", "unlink", "delete_one", "delete_many", "find_one_and_delete"})
"""Writes whose arguments name what to remove: nothing from them is stored (also MongoDB's,
whose argument is the filter)."""
_FILTER_FIRST = frozenset({"update_one", "update_many", "replace_one", "find_one_and_update", "find_one_and_replace"})
"""MongoDB writes whose first argument is the filter that selects the document, not what is stored."""

_PARSE_CHECKS = frozenset({"int", "float", "Decimal", "UUID", "date", "datetime", "fromisoformat", "strptime", "ip_address",
                           "ip_network", "validate_email"})
"""Parsers called as a statement, their result dropped (`UUID(value)` in a `try`): only their error
matters, so the call checks the value."""


_UI_STATE = frozenset({"filters", "props", "properties", "preferences", "prefs", "ordering", "layout", "columns"})


def _stored_key(call: cst.Call) -> str | None:
    """The last segment of the key a key-value write stores its value under, when the code spells
    it (`user.preferences.set(f"tables.{name}.ordering", value)` -> "ordering"): the field the value goes to."""
    if call_name(call) != "set" or len(call.args) < 2 or call.args[0].keyword is not None:
        return None
    key = call.args[0].value
    if isinstance(key, cst.FormattedString):
        texts = [p.value for p in key.parts if isinstance(p, cst.FormattedStringText)]
        text = texts[-1] if texts and isinstance(key.parts[-1], cst.FormattedStringText) else None
    else:
        text = string_value(key)
    if not text:
        return None
    return re.split(r"[.:/]", text)[-1] or None


def _ui_state(field: str) -> bool:
    """A field holding the client's own view state: filters, display properties, ordering,
    layout, a reader's bookmark. Whatever it holds only changes what that client sees next."""
    words = name_parts(field)
    return bool(words) and (words[-1] in _UI_STATE or "bookmark" in words)


def _parts(expr: cst.BaseExpression) -> list[cst.BaseExpression]:
    """The values a literal container written whole holds (`attributes={"name": name, ...}`),
    each judged on its own; anything else is itself."""
    if isinstance(expr, cst.Dict):
        return [p for e in expr.elements for p in _parts(e.value)]  # `**request.json` is a part too
    if isinstance(expr, (cst.List, cst.Tuple, cst.Set)):
        return [p for e in expr.elements for p in _parts(e.value)]
    return [expr]


def _literal_lists(scope: Scope) -> set[str]:
    """Local names bound once, to a literal list, tuple or set (`allowed = ["image/png", ...]`),
    and never added to."""
    found = set()
    for name in scope.names():
        definitions = scope.definitions(name)
        if len(definitions) == 1 and definitions[0].kind is DefKind.ASSIGN and isinstance(definitions[0].value, (cst.List, cst.Tuple, cst.Set)):
            found.add(name)
    return found


def _rejects_other_types(node: cst.If) -> bool:
    """`if not isinstance(context, dict): raise BadRequest(...)`: a value of any other type is
    answered with an error, so what goes on has the type asked for."""
    test = node.test
    if not (isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not) and isinstance(test.expression, cst.Call)):
        return False
    call = test.expression
    if call_name(call) != "isinstance" or len(call.args) != 2 or node.orelse is not None:
        return False
    body = node.body.body if isinstance(node.body, cst.IndentedBlock) else ()
    last = body[-1] if body else None
    return isinstance(last, cst.SimpleStatementLine) and any(
        isinstance(x, (cst.Raise, cst.Return)) or (isinstance(x, cst.Expr) and isinstance(x.value, cst.Call) and call_name(x.value) == "abort")
        for x in last.body
    )


def _fixed_collection(expr: cst.BaseExpression) -> bool:
    """A literal collection, a constant (`ALLOWED_TYPES`), or the values of an enumeration
    (`UserProfile.StartPage.values`, Django's choices, `Status.__members__`, or the class itself:
    `EmailFrequency`, whose `in` compares values)."""
    if isinstance(expr, (cst.Tuple, cst.List, cst.Set)):
        return True
    if isinstance(expr, (cst.GeneratorExp, cst.ListComp, cst.SetComp)) and not isinstance(expr.for_in.inner_for_in, cst.CompFor):
        return _fixed_collection(expr.for_in.iter)  # `(code for code, _ in settings.LANGUAGES)`
    name = dotted(expr)
    if name is None:
        return False
    *owner, last = name.split(".")
    if owner and last in _ENUM_VALUES and owner[-1][:1].isupper():
        return True
    if last[:1].isupper() and not last.isupper() and "_" not in last:
        return True  # `frequency not in EmailFrequency`: a class tested for membership, an enumeration or Django choices
    return is_constant_name(last)


_ENUM_VALUES = frozenset({"values", "choices", "names", "labels", "__members__"})
