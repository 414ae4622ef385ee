"""The shared framework model: value flow, string building, SQL positions, secrets, routes."""

from __future__ import annotations

import textwrap

import libcst as cst
import pytest

from backlint.analysis import FileContext, _Walker
from backlint.frameworks import routes, secrets, sql_text
from backlint.frameworks.strings import builds
from backlint.frameworks.values import Env, Kind, Origins
from backlint.rule import Rule


def _probe(code: str, marker: str = "probe"):
    """Run a throwaway rule that captures (ctx, Env) at every call to `probe(...)`."""
    code = textwrap.dedent(code)
    module = cst.parse_module(code)
    ctx = FileContext("m.py", code, module)
    seen = []

    class Probe(Rule):
        ID = "BL990"

        def visit_Call(self, node: cst.Call) -> None:
            if isinstance(node.func, cst.Name) and node.func.value == marker:
                seen.append((node.args[0].value, Env.here(ctx)))

    walker = _Walker(ctx, [Probe(ctx, {})])
    walker.walk(module)
    assert not walker.failed, walker.failed
    return ctx, seen


def _kinds(code: str) -> list[set[Kind]]:
    ctx, seen = _probe(code)
    return [{o.kind for o in Origins(ctx).of(expr, env)} for expr, env in seen]


def test_reaching_definitions_kill_and_branches() -> None:
    kinds = _kinds(
        """
        def f(a):
            x = a
            x = "constant"
            probe(x)
            if a:
                y = 1
            else:
                y = a
            probe(y)
            for z in ("p", "q"):
                probe(z)
            probe(undefined_global)
        """
    )
    assert kinds == [{Kind.CONSTANT}, {Kind.CONSTANT, Kind.PARAMETER}, {Kind.CONSTANT}, {Kind.UNKNOWN}]


def test_loop_carried_and_augmented() -> None:
    kinds = _kinds(
        """
        def f(items):
            s = ""
            for it in items:
                probe(s)
                s += it
        """
    )
    assert kinds == [{Kind.CONSTANT, Kind.PARAMETER}]


def _helper_chain(levels: int) -> str:
    """Helpers that each call the next one from two `return`s with two arguments: following
    every path multiplies the work by four per level."""
    lines = ["def h0(a, b):", "    return a"]
    for i in range(1, levels + 1):
        lines += [
            f"def h{i}(a, b):",
            "    if a:",
            f"        return h{i - 1}(a, b) + h{i - 1}(b, a)",
            f"    return h{i - 1}(b, a) + h{i - 1}(a, b)",
        ]
    lines += ["def f(x, y):", f"    probe(h{levels}(x, y))"]
    return "\n".join(lines) + "\n"


def test_origins_follow_a_short_helper_chain() -> None:
    assert _kinds(_helper_chain(3)) == [{Kind.PARAMETER}]


def test_a_question_past_the_step_budget_is_abandoned() -> None:
    # 4**14 paths: without the budget this question would run for hours.
    ctx, ((expr, env),) = _probe(_helper_chain(14))
    origins = Origins(ctx)
    assert origins.of(expr, env) == frozenset()
    assert origins.of(cst.Name("x"), env) == frozenset({next(iter(Origins(ctx).of(cst.Name("x"), env)))})


def test_helper_functions_bind_arguments() -> None:
    kinds = _kinds(
        """
        from flask import request

        def wrap(v):
            return "[" + v + "]"

        def f():
            probe(wrap("const"))
            probe(wrap(request.args["q"]))
        """
    )
    assert kinds == [{Kind.CONSTANT}, {Kind.CONSTANT, Kind.REQUEST}]


def test_class_constants_and_comprehensions() -> None:
    kinds = _kinds(
        """
        class Repo:
            table = "users"

            def f(self, rows, n: int):
                probe(self.table)
                probe([r for r in ("a", "b")])
                probe(n * 2)
                probe(self.other)
        """
    )
    assert kinds == [{Kind.CONSTANT}, {Kind.CONSTANT}, {Kind.NUMERIC}, {Kind.ATTRIBUTE}]


def test_string_builds_follow_joins_and_appends() -> None:
    ctx, seen = _probe(
        """
        def f(cur, status):
            where = ["a = 1"]
            where.append("b = '" + status + "'")
            probe("SELECT * FROM t WHERE " + " AND ".join(where))
        """
    )
    (expr, env), = seen
    (built,) = builds(expr, env)
    assert built.text("#") == "SELECT * FROM t WHERE a = 1 AND b = '#'"
    assert built.holes[0].how == "concatenation"


@pytest.mark.parametrize(
    "before,after,expected",
    [
        ("select * from t where a = ", "", sql_text.Position.VALUE),
        ("select * from t where a = '", "'", sql_text.Position.LITERAL),
        ("select setval('", "_id_seq', 1)", sql_text.Position.IDENTIFIER),
        ("select pg_get_serial_sequence('t', '", "')", sql_text.Position.IDENTIFIER),
        ("select * from t where a = 'x' and b = \"", "\"", sql_text.Position.IDENTIFIER),
        ("select * from ", " where a = 1", sql_text.Position.IDENTIFIER),
        ("select * from t order by ", "", sql_text.Position.IDENTIFIER),
        ("select * from t where ", "", sql_text.Position.CLAUSE),
        ("insert into t (", ") values (?)", sql_text.Position.IDENTIFIER),
        ("insert into t (a) values (", ")", sql_text.Position.VALUE),
        ("insert into t (a, b) values (?, ", ")", sql_text.Position.VALUE),
        ("select * from t where id in (", ")", sql_text.Position.VALUE),
        ("update t set ", " = %s where id = %s", sql_text.Position.IDENTIFIER),
        ("select * from t limit ", "", sql_text.Position.COUNT),
        ("select * from t order by id offset ", "", sql_text.Position.COUNT),
        ("select top ", " * from t", sql_text.Position.COUNT),
        ("select * from t where a = :", "", sql_text.Position.IDENTIFIER),
        ("", " where id = 1", sql_text.Position.CLAUSE),
    ],
)
def test_sql_positions(before: str, after: str, expected: sql_text.Position) -> None:
    assert sql_text.position(before, after) is expected


def test_sql_recognition() -> None:
    assert sql_text.looks_like_sql("SELECT *\nFROM t WHERE id = \x00", loose=False)
    assert sql_text.looks_like_sql("  -- comment\n  (select 1)", loose=False)
    assert not sql_text.looks_like_sql("Please select a value from the list \x00", loose=False)
    assert sql_text.looks_like_sql("\x00 WHERE a = 1 ORDER BY b", loose=False)
    assert sql_text.is_utility("CREATE USER \x00 WITH PASSWORD '\x00'")


@pytest.mark.parametrize(
    "name,kind",
    [
        ("DB_PASSWORD", "password"), ("dbPassword", "password"), ("SECRET_KEY", "secret key"),
        ("api_key", "API key"), ("client_secret", "secret"), ("GITHUB_TOKEN", "token"), ("redis_pass", "password"),
        ("token_type", None), ("password_reset_timeout", None), ("reset_password_url", None),
        ("primary_key", None), ("tokenizer", None), ("password_field", None), ("bypass", None),
    ],
)
def test_secret_names(name: str, kind: str | None) -> None:
    assert secrets.secret_name(name) == kind


@pytest.mark.parametrize(
    "value,real",
    [
        ("Tr0ub4dor&3", True), ("changeme", False), ("<password>", False), ("${DB_PASS}", False), ("", False),
        ("xxx", False), ("DB_PASSWORD", False), ("Bearer", False), ("LDAP", False), ("/auth/token", False),
        ("your-api-key-here", False), ("{password}", False), ("!Ch4ng3Th1sP4ssW0rd!", False),
        ("fillmein", False), (r"user=[a-z0-9_-]+&password=[\S]+", False), ("accounts.serializers.TokenSerializer", False),
        ("phc_Xq1ZbS3rYt7uVw9oPa2sDf4gHj6kLm8nBv0cEi5", False), ("xoxb-valid", False),
        ("xoxp-1234", False), ("deadbeef-dead-beef-dead-beefdeadbeef", False), ("not-needed", False), ("xoxp-98231", True),
        ("JXeQExm0JhQPLumgHtIIqf52bDalHz0q", True), ("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl", True),
    ],
)
def test_secret_values(value: str, real: bool) -> None:
    assert secrets.looks_real(value, "password") is real


def test_url_credentials() -> None:
    assert secrets.url_credentials("postgresql://app:Xk29vLq7@db.internal:5432/shop") is not None
    assert secrets.url_credentials("postgresql://postgres:postgres@localhost/app") is None
    assert secrets.url_credentials("redis://:${REDIS_PASSWORD}@cache:6379/0") is None
    assert secrets.url_credentials("DRIVER={x};SERVER=s;UID=u;PWD=iP0F3@s&9H;") is not None
    assert secrets.url_credentials("UPDATE users SET password = ?, salt = ? WHERE id = ?") is None
    assert secrets.url_credentials("http://u:p@gw.proxy-vendor.com:823") is None, "letters standing for credentials"
    assert secrets.url_credentials("http://scraper:p4ss2@gw.proxy-vendor.com:823") is not None


def test_routes_across_frameworks() -> None:
    code = textwrap.dedent(
        """
        from fastapi import APIRouter, Depends
        router = APIRouter()

        @router.get("/items/{item_id}")
        def get_item(item_id: int, q: str = "", db=Depends(get_db)):
            pass

        @router.api_route("/x", methods=["POST", "PUT"])
        async def x():
            pass

        class ItemView(MethodView):
            def post(self):
                pass

        def helper():
            pass
        """
    )
    module = cst.parse_module(code)
    ctx = FileContext("m.py", code, module)
    found = {r.function.name.value: r for r in routes.routes(ctx).values()}
    assert set(found) == {"get_item", "x", "post"}
    assert found["get_item"].methods == {"GET"} and found["get_item"].path == "/items/{item_id}"
    assert found["x"].methods == {"POST", "PUT"}
    params = {p.name.value: p for p in found["get_item"].function.params.params}
    fn = found["get_item"].function
    assert routes.is_request_parameter(ctx, fn, params["q"])
    assert not routes.is_request_parameter(ctx, fn, params["db"])


def test_isinstance_guards_make_a_name_numeric() -> None:
    kinds = _kinds(
        """
        def f(value, other):
            if isinstance(value, int):
                probe(value)
            elif isinstance(other, (int, float)) and other > 0:
                probe(other)
            else:
                probe(value)
        """
    )
    assert kinds == [{Kind.NUMERIC}, {Kind.NUMERIC}, {Kind.PARAMETER}]


def test_parameters_take_what_this_files_calls_pass() -> None:
    kinds = _kinds(
        """
        def keep(days):
            probe(days)

        def named(name):
            probe(name)

        def lonely(text):
            probe(text)

        def main(settings):
            keep(int(settings["KEEP"]))
            keep(30)
            named("fixed")
            named(input())
        """
    )
    assert kinds == [{Kind.NUMERIC, Kind.CONSTANT}, {Kind.PARAMETER}, {Kind.PARAMETER}]


def test_code_computed_calls_and_database_helpers_are_not_input() -> None:
    kinds = _kinds(
        """
        import requests

        def f(db, user):
            probe(time_now_db())
            probe(get_setting_value("KEEP_DAYS"))
            probe(db.timestamp_placeholder("now"))
            probe(db.timestamp_now)
            probe(user.get_full_name())
            probe(requests.get("https://example.com").text)
            probe(input())
            probe(safe_int(user.age))
        """
    )
    assert kinds == [
        {Kind.CONSTANT}, {Kind.CONSTANT}, {Kind.CONSTANT}, {Kind.CONSTANT},
        {Kind.CALL}, {Kind.ATTRIBUTE}, {Kind.CALL}, {Kind.NUMERIC},
    ]


def test_package_manifests_say_whether_an_event_loop_serves_requests() -> None:
    from backlint.frameworks.project import package_facts

    facts = package_facts([
        ("", b'[project]\ndependencies = ["fastapi>=0.110"]\n'),
        ("workers", b"requests==2.31\nhttpx\ndjango-stubs\n"),
    ])
    assert facts.serves_event_loop("app/main.py") is True
    assert facts.serves_event_loop("workers/enrich/scan.py") is False
    assert package_facts([]).serves_event_loop("app/main.py") is None


def test_aiohttp_serves_only_where_the_code_serves_with_it() -> None:
    from backlint.frameworks.project import facts_from_text, package_facts

    manifests = package_facts([
        ("storage", b'[project]\ndependencies = ["azure-storage-blob", "aiohttp"]\n'),
        ("bot", b'[project]\ndependencies = ["aiohttp"]\n'),
        ("mail", b'[project]\ndependencies = ["prefect"]\n\n[dependency-groups]\ndev = [\n  "fastapi",\n]\n'),
    ])
    server = facts_from_text("from aiohttp import web\n\napp = web.Application()\n", "bot/server.py")
    facts = manifests.merged(server)
    assert facts.serves_event_loop("storage/blob.py") is False  # aiohttp as the SDK's HTTP client
    assert facts.serves_event_loop("bot/handlers.py") is True
    assert facts.serves_event_loop("mail/message.py") is False  # a server in a development group only


def test_logging_http_exception_handlers_are_recognised() -> None:
    from backlint.frameworks.project import facts_from_text

    logs = """
def register(app):
    @app.exception_handler(HTTPException)
    async def on_http(request, exc):
        logger.error(f"HTTPException {exc.status_code}: {exc.detail}")
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code)
"""
    silent = """
@app.exception_handler(StarletteHTTPException)
async def on_http(request, exc):
    return JSONResponse({"detail": exc.detail}, status_code=exc.status_code)

@app.exception_handler(ValueError)
async def on_value(request, exc):
    logger.warning("bad value")
"""
    assert facts_from_text(logs).logged_http_exceptions
    assert not facts_from_text(silent).logged_http_exceptions
    named = "_error_logger = logging.getLogger('errors')\n" + logs.replace("logger.error", "_error_logger.error")
    assert facts_from_text(named).logged_http_exceptions, "a logger is known by a name ending in logger"


def test_http_exception_handlers_that_replace_server_error_details() -> None:
    from backlint.frameworks.project import facts_from_text

    handler = """
def on_http(request, exc):
    detail = str(exc.detail)
    if exc.status_code >= 500:
        log.error(detail)
    if exc.status_code {test} 500:
        detail = GENERIC_MESSAGE
    return JSONResponse({{"detail": detail}}, status_code=exc.status_code)

app.add_exception_handler(HTTPException, on_http)
"""
    only_500 = facts_from_text(handler.format(test="=="))
    assert only_500.scrubs_http_exception(500) and not only_500.scrubs_http_exception(503)
    assert not only_500.scrubs_http_exception(409) and not only_500.scrubs_http_exception(None)
    every_5xx = facts_from_text(handler.format(test=">=").replace("if exc.status_code >= 500:\n        log.error(detail)\n", ""))
    assert every_5xx.scrubs_http_exception(503)
    passes_on = facts_from_text(handler.format(test="==").replace("        detail = GENERIC_MESSAGE\n", "        pass\n"))
    assert not passes_on.scrubs_http_exception(500)


@pytest.mark.parametrize(
    "code, lazy",
    [
        ("qs = Book.objects.filter(a=1)\nprobe(qs.filter(tag=t))", True),
        ("probe(Book.objects.filter(a=1))", True),
        ("probe(Book.objects.filter(a=1).count())", False),
        ("probe(Book.query.filter(Book.a == 1))", True),
        ("probe(Book.query.filter(Book.a == 1).all())", False),
        ("probe(session.query(Book).join(Author))", True),
        ("probe(session.query(Book).first())", False),
    ],
)
def test_lazy_queries(code: str, lazy: bool) -> None:
    from backlint.frameworks import database

    ctx, seen = _probe("def f(session, t):\n" + textwrap.indent(code, "    ") + "\n")
    (call, env), = seen
    assert database.is_lazy_query(ctx, call, env) is lazy


@pytest.mark.parametrize(
    "code, model",
    [
        ("Post.objects.filter(a=1)", "Post"),
        ("session.query(Order).all()", "Order"),
        ("db.execute(select(User)).scalars()", "User"),
        ("cur.execute('SELECT id FROM events ORDER BY id')", "events"),
        ("cur.execute(f'SELECT {cols} FROM audit_log')", "audit_log"),
        ("client.get('/x')", None),
    ],
)
def test_model_of_a_query(code: str, model: str | None) -> None:
    from backlint.frameworks import database

    call = cst.parse_expression(code)
    assert isinstance(call, cst.Call)
    assert database.model_of(call) == model


def test_exceptions_raised_right_after_logging_are_known() -> None:
    from backlint.frameworks.project import facts_from_text

    facts = facts_from_text(
        """
def add_edge(session, a, b):
    try:
        session.run(QUERY, a=a, b=b)
    except Exception as e:
        print(f"edge error: {e}")
        raise StorageError("could not add the edge")

def drop(session, a):
    try:
        session.run(DROP, a=a)
    except Exception:
        log.exception("drop failed")
        raise StorageError("could not drop")

def check(value):
    if value is None:
        raise InputError("missing value")
"""
    )
    assert facts.logs_before_raising("StorageError")
    assert not facts.logs_before_raising("InputError")
    calls = facts_from_text("def call(p):\n    try:\n        p.call()\n    except ProviderError as e:\n"
                            "        logger.warning(f'call failed: {e}')\n        raise FailedToMakeCall(graceful_msg=str(e))\n")
    assert calls.logs_before_raising("FailedToMakeCall"), "any exception class, not only ...Error names"
    assert not facts.merged(facts_from_text("raise StorageError('silent')\nraise StorageError('quiet')\n")).logs_before_raising(
        "StorageError"), "as many silent raise sites as logged ones"
    third = facts_from_text("def f():\n    try:\n        g()\n    except OSError as e:\n        print(e)\n        raise StorageError('x')\n",
                            "app/services/files.py")
    silent = facts_from_text("def commit(s):\n    raise StorageError('commit failed')\n", "app/services/base.py")
    assert facts.merged(third).merged(silent).logs_before_raising("StorageError"), "most raise sites log the cause"


def test_instance_attributes_always_set_to_constants_and_generated_ids() -> None:
    kinds = _kinds(
        """
        import uuid

        class Client:
            def __init__(self, graph):
                self.graph_name = "knowledge_graph"
                self.graph = graph
                self.mode = "a"

            def reset(self, mode):
                self.mode = mode

            def run(self):
                probe(self.graph_name)
                probe(self.graph)
                probe(self.mode)
                probe(f"c_{uuid.uuid4().hex[:12]}")
        """
    )
    assert kinds == [{Kind.CONSTANT}, {Kind.ATTRIBUTE}, {Kind.ATTRIBUTE}, {Kind.NUMERIC}]


def test_enumerate_counts_and_zip_pairs() -> None:
    kinds = _kinds(
        """
        from flask import request

        def reorder():
            ids = request.json["ids"]
            for position, stage_id in enumerate(ids, start=1):
                probe(position)
                probe(stage_id)
            for a, b in zip(ids, ("x", "y")):
                probe(b)
        """
    )
    assert kinds == [{Kind.CONSTANT}, {Kind.REQUEST}, {Kind.CONSTANT}]


def test_sqlalchemy_relationships_read_over_several_lines() -> None:
    from backlint.frameworks.project import facts_from_text

    text = (
        "from sqlalchemy.orm import relationship\n\n"
        "class Challenge(Base):\n"
        "    files = relationship(\n"
        '        "ChallengeFiles",\n'
        '        lazy="joined",\n'
        "    )\n"
        '    hints = relationship("Hints", backref="challenge")\n'
    )
    facts = facts_from_text(text, "models.py")
    assert "files" not in facts.relations  # loaded with its challenge
    assert {"hints", "challenge"} <= facts.relations


@pytest.mark.parametrize(
    "call,status",
    [("abort(404)", 404), ("abort(code=404)", 404), ("flask.abort(409, description=msg)", 409)],
)
def test_abort_is_an_answer_only_with_a_status(call: str, status: int | None) -> None:
    from backlint.frameworks import responses

    code = f"import flask\nfrom flask import abort\n{call}\n"
    module = cst.parse_module(code)
    ctx = FileContext("m.py", code, module)
    site = responses.response_of_call(ctx, cst.ensure_type(module.body[2].body[0], cst.Expr).value)  # type: ignore[attr-defined]
    assert site is not None and site.status == status


@pytest.mark.parametrize("call", ["route.abort()", 'route.abort("failed")'])
def test_abort_without_a_status_is_not_an_answer(call: str) -> None:
    from backlint.frameworks import responses

    module = cst.parse_module(f"{call}\n")
    ctx = FileContext("m.py", f"{call}\n", module)
    assert responses.response_of_call(ctx, cst.ensure_type(module.body[0].body[0], cst.Expr).value) is None  # type: ignore[attr-defined]


def test_a_lookups_keyword_arguments_are_not_its_default() -> None:
    kinds = _kinds(
        """
        from flask import request
        from app.models import User

        DEFAULTS = {"mode": "fast"}

        def f():
            probe(User.objects.get(organization=org, public_primary_key=request.json["user"]))
            probe(DEFAULTS.get("mode", request.json["mode"]))
        """
    )
    assert kinds[0] == {Kind.CONSTANT} and Kind.REQUEST in kinds[1]


def test_exception_classes_raised_without_arguments_are_known() -> None:
    from backlint.frameworks.project import facts_from_text

    facts = facts_from_text(
        "def call():\n    raise ProviderNotSupports\n\ndef sms():\n    raise ProviderNotSupports()\n\n"
        "def other():\n    raise errors.Quota('over the limit')\n\ndef again():\n    raise Quota from None\n"
    )
    assert facts.payload_free("ProviderNotSupports")
    assert not facts.payload_free("Quota"), "raised with a message somewhere"
    assert not facts.payload_free("NeverRaised")


def test_status_constants_are_read_by_their_phrase() -> None:
    import libcst as cst

    from backlint.frameworks.responses import status_value

    assert status_value(cst.parse_expression("HTTP_STATUS_CODE_BAD_REQUEST")) == 400
    assert status_value(cst.parse_expression("definitions.HTTP_STATUS_CODE_NOT_FOUND")) == 404
    assert status_value(cst.parse_expression("STATUS_CODE_TEAPOT_LIKE")) is None


def test_mock_modules_are_test_code() -> None:
    from backlint.frameworks.project import is_test_path

    assert is_test_path("keep/providers/grafana_provider/alerts_mock.py")
    assert is_test_path("app/mocks/payments.py") and is_test_path("app/mock_gateway.py")
    assert not is_test_path("app/mockingbird.py") and not is_test_path("app/payments.py")
    assert is_test_path("qcfractal/components/testing_helpers.py") and is_test_path("app/testing.py")
    assert not is_test_path("app/load_testing_results.py")
    assert is_test_path("src/forgotPassword/ResetPasswordForm.test.tsx") and is_test_path("web/api.spec.mjs")
    assert is_test_path("cypress.config.js") and is_test_path("frontend/cypress/e2e/login.cy.js")
    assert not is_test_path("src/api/contest.ts") and not is_test_path("src/inspect.js")
    assert is_test_path("server/parsec/cli/testbed.py") and not is_test_path("app/testbedding.py")


def test_a_model_seen_with_only_eager_relationships_has_no_lazy_ones() -> None:
    from backlint.frameworks.project import facts_from_text

    roles = "class Role(Base):\n    user: Mapped[User] = relationship(back_populates='roles', lazy=False)\n"
    tokens = "class Token(Base):\n    user = relationship('User')\n"
    facts = facts_from_text(roles, "orgs/models.py").merged(facts_from_text(tokens, "auth/models.py"))
    assert facts.relations_of("Role") == frozenset()
    assert facts.relations_of("Token") == frozenset({"user"})


def test_a_multi_line_signature_does_not_end_the_body_it_opens() -> None:
    """Black puts the closing `) -> T:` of a long signature at the `def`'s indentation: the body
    the project facts read runs past it."""
    from backlint.frameworks.project import facts_from_text

    handler = """
@app.exception_handler(HTTPException)
async def on_http(
    request: Request, exc: HTTPException
) -> JSONResponse:
    logger.error("HTTPException %s: %s", exc.status_code, exc.detail)
    return JSONResponse({"detail": exc.detail}, status_code=exc.status_code)
"""
    assert facts_from_text(handler).logged_http_exceptions
    wrapper = """
import contextlib
from django.db import transaction

@contextlib.contextmanager
def saving_everything(
    label: str,
):
    with transaction.atomic():
        yield
"""
    assert facts_from_text(wrapper).atomic_wrappers == {"saving_everything"}
