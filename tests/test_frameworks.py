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
        ("select * from t where a = '", "'", sql_text.Position.VALUE),
        ("select * from ", " where a = 1", sql_text.Position.IDENTIFIER),
        ("select * from t order by ", "", sql_text.Position.IDENTIFIER),
        ("select * from t where ", "", sql_text.Position.CLAUSE),
        ("insert into t (", ") values (?)", sql_text.Position.IDENTIFIER),
        ("insert into t (a) values (", ")", sql_text.Position.VALUE),
        ("insert into t (a, b) values (?, ", ")", sql_text.Position.VALUE),
        ("select * from t where id in (", ")", sql_text.Position.VALUE),
        ("update t set ", " = %s where id = %s", sql_text.Position.IDENTIFIER),
        ("select * from t limit ", "", sql_text.Position.VALUE),
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
