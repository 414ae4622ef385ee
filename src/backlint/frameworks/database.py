"""Database access: where SQL text is executed, and which names hold connections and cursors.

SQL sinks are recognised through imports where the code allows (`sqlalchemy.text`,
`django.db.models.expressions.RawSQL`, `pandas.read_sql`, `psycopg2.sql.SQL`) and by method name
where it does not (`execute`, `executemany`, `executescript`, `exec_driver_sql`, asyncpg's and
`databases`' `fetch*`, Django's `raw` and `extra`). A method sink is *known* when its receiver is
recognised as a database object (the result of a driver's `connect()`, a `cursor()`, a session,
a parameter annotated as one, or a conventional name such as `cursor` or `conn`); calls to
unknown receivers only count when the text they get reads as a SQL statement.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import libcst as cst

from backlint.frameworks.flow import DefKind
from backlint.frameworks.imports import dotted
from backlint.syntax import argument, name_parts, string_value

if TYPE_CHECKING:
    from backlint.analysis import FileContext
    from backlint.frameworks.values import Env

DRIVER_MODULES = (
    "sqlite3", "psycopg2", "psycopg", "pymysql", "MySQLdb", "mysql.connector", "mariadb", "cx_Oracle",
    "oracledb", "pyodbc", "pymssql", "asyncpg", "aiosqlite", "aiomysql", "aiopg", "duckdb", "snowflake.connector",
    "ibm_db_dbi", "pg8000", "clickhouse_driver", "databases", "sqlalchemy", "sqlmodel", "django.db", "peewee",
    "records", "dataset", "psycopg_pool", "trino", "pyathena", "teradatasql", "sqlite_utils", "apsw",
)

# Functions whose first argument is SQL text, by qualified name: (sink label, keyword names).
_FUNCTION_SINKS: dict[str, tuple[str, tuple[str, ...]]] = {
    "sqlalchemy.text": ("`sqlalchemy.text()`", ("text",)),
    "sqlalchemy.sql.text": ("`sqlalchemy.text()`", ("text",)),
    "sqlalchemy.sql.expression.text": ("`sqlalchemy.text()`", ("text",)),
    "sqlmodel.text": ("`sqlmodel.text()`", ("text",)),
    "django.db.models.expressions.RawSQL": ("`RawSQL()`", ("sql",)),
    "django.db.models.RawSQL": ("`RawSQL()`", ("sql",)),
    "pandas.read_sql": ("`pandas.read_sql()`", ("sql",)),
    "pandas.read_sql_query": ("`pandas.read_sql_query()`", ("sql",)),
    "psycopg2.sql.SQL": ("`psycopg2.sql.SQL()`", ("string",)),
    "psycopg.sql.SQL": ("`psycopg.sql.SQL()`", ("obj",)),
}
# Methods whose first argument is SQL text: method -> keyword names. `only_sql` methods take
# nothing but SQL, whatever the receiver.
_METHOD_SINKS: dict[str, tuple[str, ...]] = {
    "execute": ("sql", "query", "statement", "operation", "stmt"),
    "executemany": ("sql", "query", "operation"),
    "executescript": ("sql_script",),
    "exec_driver_sql": ("statement",),
    "mogrify": ("query",),
    "fetch": ("query",),
    "fetchrow": ("query",),
    "fetchval": ("query",),
    "fetch_all": ("query",),
    "fetch_one": ("query",),
    "fetch_val": ("query",),
    "execute_many": ("query",),
    "iterate": ("query",),
    "raw": ("raw_query",),
    "read_sql": ("sql",),
    "read_sql_query": ("sql",),
    "copy_expert": ("sql",),
    "query": ("sql",),
}
_ONLY_SQL_METHODS = frozenset({"executescript", "exec_driver_sql", "mogrify", "read_sql", "read_sql_query", "copy_expert"})

DB_NAME_WORDS = frozenset(
    {"cursor", "cur", "curs", "conn", "connection", "con", "cnx", "cnxn", "db", "database", "session", "sess",
     "engine", "tx", "txn", "transaction", "pool", "dbconn", "sqlite", "pg", "postgres", "mysql", "dbh", "sth"}
)
_DB_ANNOTATIONS = frozenset(
    {"Session", "AsyncSession", "Connection", "AsyncConnection", "Cursor", "Engine", "AsyncEngine", "Pool",
     "Database", "scoped_session", "sessionmaker", "Record", "CursorWrapper"}
)
_CONNECT_FUNCS = frozenset({"connect", "create_pool", "create_engine", "create_async_engine", "Session", "sessionmaker",
                            "scoped_session", "SessionLocal", "AsyncSessionLocal", "get_db", "get_connection",
                            "get_conn", "get_session", "Database"})
_DB_METHODS_RETURNING_DB = frozenset({"cursor", "connect", "acquire", "begin", "session", "get_connection", "raw_connection"})


@dataclass(frozen=True)
class SqlSink:
    call: cst.Call
    sql: cst.BaseExpression
    """The argument that carries the SQL text."""
    label: str
    """How to name the sink in a message, e.g. "`cursor.execute()`"."""
    only_sql: bool
    """The callee takes nothing but SQL (or its receiver is known to be a database object)."""


def sql_sinks(ctx: FileContext, call: cst.Call, env: Env | None = None) -> list[SqlSink]:
    """The SQL-text arguments of `call`, if it executes or builds SQL (usually zero or one)."""
    func = call.func
    qualified = ctx.imports.qualify(func)
    if qualified is not None and qualified in _FUNCTION_SINKS:
        label, keywords = _FUNCTION_SINKS[qualified]
        sql = argument(call, 0, *keywords)
        return [SqlSink(call, sql, label, True)] if sql is not None else []
    if not isinstance(func, cst.Attribute):
        return []
    method = func.attr.value
    if method == "extra":
        return _extra_sinks(call)
    keywords = _METHOD_SINKS.get(method)
    if keywords is None:
        return []
    if method == "query" and not _is_db_object(ctx, func.value, env):
        return []  # `.query(...)` is too common a name to follow without a known receiver
    sql = argument(call, 0, *keywords)
    if sql is None:
        return []
    receiver = dotted(func.value) or _short_receiver(func.value)
    label = f"`{receiver}.{method}()`" if receiver else f"`.{method}()`"
    only = method in _ONLY_SQL_METHODS or (method == "raw" and _looks_like_manager(func.value)) or _is_db_object(ctx, func.value, env)
    return [SqlSink(call, sql, label, only)]


def _short_receiver(expr: cst.BaseExpression) -> str:
    if isinstance(expr, cst.Call):
        inner = dotted(expr.func)
        return f"{inner}()" if inner else ""
    return ""


def _looks_like_manager(expr: cst.BaseExpression) -> bool:
    """`Model.objects` or a queryset chain on it."""
    name = dotted(expr) or ""
    if name.endswith(".objects") or name == "objects":
        return True
    while isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute):
        expr = expr.func.value
        if (dotted(expr) or "").endswith(".objects"):
            return True
    return False


def _extra_sinks(call: cst.Call) -> list[SqlSink]:
    """Django's `QuerySet.extra(where=[...], select={...}, order_by=[...])`."""
    out = []
    for arg in call.args:
        if arg.keyword is None or arg.keyword.value not in ("where", "select", "tables", "order_by"):
            continue
        value = arg.value
        items: list[cst.BaseExpression] = []
        if isinstance(value, (cst.List, cst.Tuple)):
            items = [e.value for e in value.elements]
        elif isinstance(value, cst.Dict):
            items = [e.value for e in value.elements if isinstance(e, cst.DictElement)]
        else:
            items = [value]
        out.extend(SqlSink(call, item, "`QuerySet.extra()`", True) for item in items)
    return out


def _is_db_object(ctx: FileContext, expr: cst.BaseExpression, env: Env | None, depth: int = 0) -> bool:
    """Whether `expr` holds a database connection, cursor, session or engine."""
    if depth > 4:
        return False
    if isinstance(expr, cst.Call):
        func = expr.func
        qualified = ctx.imports.qualify(func) or ""
        if any(qualified.startswith(m + ".") for m in DRIVER_MODULES):
            return True
        name = func.attr.value if isinstance(func, cst.Attribute) else func.value if isinstance(func, cst.Name) else ""
        if name in _CONNECT_FUNCS:
            return True
        if isinstance(func, cst.Attribute) and name in _DB_METHODS_RETURNING_DB:
            return True
        return False
    if isinstance(expr, cst.Await):
        return _is_db_object(ctx, expr.expression, env, depth + 1)
    name = dotted(expr)
    if name is None:
        return False
    qualified = ctx.imports.qualify(expr) or ""
    if qualified in ("django.db.connection",) or qualified.startswith("django.db.connections"):
        return True
    words = name_parts(name.rsplit(".", 1)[-1])
    if words and (words[-1] in DB_NAME_WORDS or "".join(words) in DB_NAME_WORDS):
        return True
    if env is None or not isinstance(expr, cst.Name):
        return False
    from backlint.frameworks.values import resolve

    for b in resolve(env, expr.value):
        d = b.definition
        if d is None:
            continue
        if d.kind is DefKind.PARAM:
            ann = d.node.annotation if isinstance(d.node, cst.Param) else None
            if ann is not None:
                ann_name = (dotted(ann.annotation) or "").rsplit(".", 1)[-1]
                if ann_name in _DB_ANNOTATIONS:
                    return True
            continue
        if d.value is not None and d.kind in (DefKind.ASSIGN, DefKind.WITH):
            if _is_db_object(ctx, d.value, b.env, depth + 1):
                return True
    return False


def is_db_object(ctx: FileContext, expr: cst.BaseExpression, env: Env | None = None) -> bool:
    return _is_db_object(ctx, expr, env)


def literal_sql(expr: cst.BaseExpression) -> str | None:
    """The SQL text of a plain literal argument, else None."""
    return string_value(expr)
