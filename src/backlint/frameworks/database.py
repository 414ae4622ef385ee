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

import enum
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Union

import libcst as cst

from backlint.frameworks.flow import DefKind
from backlint.frameworks.imports import dotted
from backlint.syntax import argument, call_name, iter_descendants, name_parts, string_value

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
                            "get_conn", "Database"})
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


_READ_FUNCTIONS = frozenset({"pandas.read_sql", "pandas.read_sql_query"})


def runs_query(ctx: FileContext, call: cst.Call, env: Env | None = None) -> bool:
    """`call` runs SQL text and answers with rows (`conn.execute("SELECT ...")`,
    `pandas.read_sql(...)`), as opposed to building SQL (`text()`, `sql.SQL()`, `mogrify()`)."""
    sinks = sql_sinks(ctx, call, env)
    if not sinks:
        return False
    func = call.func
    if ctx.imports.qualify(func) in _FUNCTION_SINKS:
        return ctx.imports.qualify(func) in _READ_FUNCTIONS
    # `conn.execute(...)`, `cur.fetchall()`: a database object's method (not a GraphQL client's `execute`)
    return isinstance(func, cst.Attribute) and func.attr.value != "mogrify" and any(s.only_sql for s in sinks)


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


EnvLike = Union["Env", Callable[[], "Env"], None]
"""An Env, or a function that makes one when (and only if) it is needed: building the flow
index of a function is the costly part of most questions."""


def materialize(env: EnvLike) -> Env | None:
    return env() if callable(env) else env


def _is_db_object(ctx: FileContext, expr: cst.BaseExpression, env: EnvLike, depth: int = 0) -> bool:
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
    if name in _NOT_DB_RECEIVERS or qualified in _NOT_DB_RECEIVERS or qualified.startswith(("flask.session", "aiohttp_session")):
        return False
    if qualified in ("django.db.connection",) or qualified.startswith("django.db.connections"):
        return True
    last = name.rsplit(".", 1)[-1]
    words = name_parts(last)
    if words and (words[-1] in DB_NAME_WORDS or "".join(words) in DB_NAME_WORDS) and not _class_name(last):
        return not _http_client(ctx, expr, env)  # `self.session = requests.Session()` is not a database session
    env = materialize(env)
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


NETWORK_CLIENT_MODULES = ("requests.", "httpx.", "aiohttp.", "urllib.", "urllib3.", "boto3.", "botocore.", "aiobotocore.")
"""HTTP and cloud SDK clients: their sessions hold no database connection, their calls go over the network."""


def _http_client(ctx: FileContext, expr: cst.BaseExpression, env: EnvLike) -> bool:
    """Whether the name or `self.` attribute was assigned an HTTP or cloud client (`requests.Session()`)."""
    env = materialize(env)
    if env is None or not isinstance(expr, (cst.Name, cst.Attribute)):
        return False
    from backlint.frameworks.values import assigned_values

    return any(network_call(ctx, value) for value, _ in assigned_values(env, expr))


def network_call(ctx: FileContext, value: cst.BaseExpression) -> bool:
    """A call of an HTTP or cloud client module: `requests.post(url)`, `httpx.Client()`, `boto3.client("s3")`."""
    if not isinstance(value, cst.Call):
        return False
    return (ctx.imports.qualify(value.func) or dotted(value.func) or "").startswith(NETWORK_CLIENT_MODULES)


_CURSOR_WORDS = frozenset({"cursor", "cur", "curs", "sth"})


def _is_session(ctx: FileContext, expr: cst.BaseExpression, env: EnvLike) -> bool:
    """A database object that has ORM-session methods (`get`, `add`, `query`...): not a cursor,
    whose `.get()` would be a dict's or a cache's."""
    name = dotted(expr) or ""
    words = name_parts(name.rsplit(".", 1)[-1]) if name else []
    if words and (words[-1] in _CURSOR_WORDS or "http" in words):
        return False  # a cursor, or an HTTP client's session (`http_session.get(url)`)
    if len(words) >= 2 and words[-2] in ("by", "per", "for"):
        return False  # `approvals_by_session.get(sid)`: a mapping keyed by sessions
    return _is_db_object(ctx, expr, env)


def _class_name(name: str) -> bool:
    """`FilesDB`, `UserRepository`: a class of the project (a repository), not a connection."""
    return name[:1].isupper() and any(c.islower() for c in name)


def is_db_object(ctx: FileContext, expr: cst.BaseExpression, env: Env | None = None) -> bool:
    return _is_db_object(ctx, expr, env)


def literal_sql(expr: cst.BaseExpression) -> str | None:
    """The SQL text of a plain literal argument, else None."""
    return string_value(expr)


# ---------------------------------------------------------------------------------------------
# Data operations: what a call does to the database


class OpKind(enum.Enum):
    QUERY = "query"
    WRITE = "write"
    COMMIT = "commit"
    ROLLBACK = "rollback"
    TRANSACTION = "transaction"


@dataclass(frozen=True)
class DataOp:
    kind: OpKind
    call: cst.Call
    label: str
    """How to name it: "`User.objects.filter()`", "`cursor.execute()`"."""
    raw: bool = False
    """Raw SQL or cursor-level access (DB-API, asyncpg, `text()`), not an ORM."""


_DJANGO_QUERY = frozenset({"all", "filter", "exclude", "get", "first", "last", "count", "exists", "values", "values_list",
                           "aggregate", "annotate", "order_by", "in_bulk", "iterator", "earliest", "latest", "distinct",
                           "select_related", "prefetch_related", "only", "defer", "raw", "get_queryset", "none", "union",
                           "dates", "datetimes", "using", "select_for_update", "alias", "contains", "explain"})
_DJANGO_WRITE = frozenset({"create", "update", "delete", "bulk_create", "bulk_update", "get_or_create", "update_or_create",
                           "add", "remove", "set", "clear"})
_EXECUTING_QUERIES = frozenset({"get", "first", "last", "count", "exists", "aggregate", "in_bulk", "earliest", "latest",
                                "contains", "explain"})
# Django's async queryset API (`await Model.objects.aget(...)`, `acreate`): the same operations.
_DJANGO_QUERY = _DJANGO_QUERY | {"a" + m for m in _EXECUTING_QUERIES} | {"aiterator"}
_DJANGO_WRITE = _DJANGO_WRITE | {"a" + m for m in _DJANGO_WRITE}
_DJANGO_METHODS = _DJANGO_QUERY | _DJANGO_WRITE
DJANGO_LAZY = _DJANGO_QUERY - _EXECUTING_QUERIES - {"a" + m for m in _EXECUTING_QUERIES} - {"aiterator"}
"""Queryset methods that return another queryset: nothing runs until it is evaluated."""
_CACHED_MANAGER_METHODS = frozenset({"get_for_model", "get_for_models", "get_for_id", "get_current", "clear_cache"})
"""Manager methods served from a process-wide cache (ContentType, Site): not queries per call."""
_ORM_MODULES = ("django", "rest_framework", "peewee", "mongoengine", "pony", "tortoise", "beanie", "odmantic", "ormar",
                "sqlmodel", "flask_sqlalchemy", "flask_mongoengine", "pynamodb", "neomodel")
_NOT_MODEL_WORDS = frozenset({"session", "cache", "file", "files", "image", "img", "fh", "fp", "buffer", "buf", "wb",
                              "workbook", "storage", "fs", "document", "doc", "pdf", "zip", "archive", "tmp", "temp",
                              "figure", "fig", "plot", "config", "cookie", "cookies", "q", "query", "set", "dict"})
"""Receivers whose `save()`/`delete()` writes a file or a cache, not a row."""
_NOT_DB_RECEIVERS = frozenset({"request.session", "self.request.session", "flask.session", "session_store"})
_SA_QUERY = frozenset({"query", "get", "get_one", "scalars", "scalar", "scalar_one", "scalar_one_or_none", "stream", "stream_scalars"})
_SA_WRITE = frozenset({"add", "add_all", "delete", "merge", "bulk_save_objects", "bulk_insert_mappings", "bulk_update_mappings", "flush"})


def _session_get(call: cst.Call) -> bool:
    """`session.get(User, 5)`: SQLAlchemy's `Session.get(entity, ident)` names the mapped class and
    the key. One argument is another session's `get`: an HTTP client's (`session.get(ele.url)`),
    a mapping's (`pool.get("name")`)."""
    positional = [a for a in call.args if a.keyword is None and not a.star]
    if positional and string_value(positional[0].value) is not None:
        return False
    return len(positional) >= 2 or any(a.keyword is not None and a.keyword.value == "ident" for a in call.args) \
        or any(a.star for a in call.args)


def only_flushes(op: DataOp) -> bool:
    """`session.flush()`: it sends what `add`, `delete` and attribute assignments wrote since the
    last flush or commit (nothing, right after a commit); it is not a write of its own."""
    return op.kind is OpKind.WRITE and call_name(op.call) == "flush"
_ASYNC_QUERY = frozenset({"fetch", "fetchrow", "fetchval", "fetch_all", "fetch_one", "fetch_val", "iterate"})
_MONGO_QUERY = frozenset({"find", "find_one", "aggregate", "count_documents", "estimated_document_count", "distinct"})
_MONGO_WRITE = frozenset({"insert_one", "insert_many", "update_one", "update_many", "delete_one", "delete_many",
                          "replace_one", "find_one_and_update", "find_one_and_delete", "find_one_and_replace", "bulk_write"})
_WRITE_VERBS = re.compile(r"^\s*(?:\(|--[^\n]*\n|/\*.*?\*/|\s)*(insert|update|delete|merge|replace|upsert|truncate|create|drop|alter)\b", re.I | re.S)


def chain_root(expr: cst.BaseExpression) -> cst.BaseExpression:
    """`User.objects` for `User.objects.filter(a=1).order_by("b")`: the receiver chain's start."""
    while True:
        if isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute):
            expr = expr.func.value
        elif isinstance(expr, cst.Attribute) and isinstance(expr.value, cst.Call):
            expr = expr.value
        else:
            return expr


def chain_calls(call: cst.Call) -> list[cst.Call]:
    """The method calls along a call chain, outermost first: `.first()`, `.filter()` and
    `.exclude()` for `X.objects.exclude(...).filter(...).first()`."""
    calls = []
    expr: cst.BaseExpression = call
    while isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute):
        calls.append(expr)
        expr = expr.func.value
    return calls


def chain_methods(call: cst.Call) -> list[str]:
    """Method names along a call chain, outermost first: ["first", "filter"] for `X.objects.filter().first()`."""
    return [c.func.attr.value for c in chain_calls(call)]  # type: ignore[attr-defined]


_LAZY_METHODS = frozenset({"select", "where", "filter", "filter_by", "exclude", "order_by", "annotate", "values", "values_list",
                           "select_related", "prefetch_related", "join", "limit", "offset", "distinct", "only", "defer",
                           "options", "group_by", "having", "query"})


def lazy_query(expr: cst.BaseExpression) -> bool:
    """A query built and not run: `AiModel.select()`, `Order.objects.filter(...).order_by(...)`,
    `session.query(User).filter(...)`. It runs when iterated, after whatever `try` built it.
    (`.all()` runs a SQLAlchemy query, so it counts as lazy only on a Django manager.)"""
    if not isinstance(expr, cst.Call) or not isinstance(expr.func, cst.Attribute):
        return False
    methods = chain_methods(expr)
    root = chain_root(expr)
    django = _is_manager(root)
    if not all(m in _LAZY_METHODS or (django and m == "all") for m in methods):
        return False
    return django or (isinstance(root, cst.Name) and root.value[:1].isupper()) or "query" in methods


def _is_manager(expr: cst.BaseExpression) -> bool:
    """A Django manager: `Model.objects`, or a reverse relation `author.book_set` (always an
    attribute: a bare `activity_set` is a local variable)."""
    name = dotted(expr) or ""
    owner, _, last = name.rpartition(".")
    if last in ("objects", "_default_manager", "_base_manager"):
        # `Book.objects`, `self.model.objects`; a local list named `objects` is not a manager.
        head = owner.rsplit(".", 1)[-1]
        return head[:1].isupper() or "model" in head.lower() or head in ("cls", "klass")
    return last.endswith("_set") and isinstance(expr, cst.Attribute)


def custom_manager_call(call: cst.Call) -> bool:
    """A call of a method of the project's own manager (`Model.objects.create_from_legacy(...)`,
    `Model.objects.invalidate_cache()`), not followed by QuerySet methods: not Django's QuerySet
    API, so whether and how often it queries is not known here."""
    methods = chain_methods(call)  # outermost first: `for_project_linking(user).exists()` is a queryset's `exists()`
    return (_is_manager(chain_root(call)) and bool(methods) and methods[0] not in _DJANGO_METHODS
            and methods[0] not in _DJANGO_MANAGER_METHODS)


_DJANGO_MANAGER_METHODS = frozenset({"get_by_natural_key", "create_user", "create_superuser", "db_manager", "make_random_password",
                                     "get_or_none"})
"""Manager methods of Django itself (and its user manager), which query or write like QuerySet methods."""


def _sql_writes(ctx: FileContext, expr: cst.BaseExpression | None) -> bool:
    if expr is None:
        return False
    text = string_value(expr)
    if text is None and isinstance(expr, cst.Call):
        fname = (call_name(expr) or "")
        if fname in ("insert", "update", "delete"):
            return True
        if fname == "text" and expr.args:
            text = string_value(expr.args[0].value)
    if text is None and isinstance(expr, cst.FormattedString):
        text = "".join(p.value for p in expr.parts if isinstance(p, cst.FormattedStringText))
    return bool(text and _WRITE_VERBS.match(text))


def data_op(ctx: FileContext, call: cst.Call, env: EnvLike = None) -> DataOp | None:
    """What `call` does to the database, if anything (one operation per call chain: ask for the
    outermost call of a chain)."""
    func = call.func
    if not isinstance(func, cst.Attribute):
        return None
    method = func.attr.value
    receiver = func.value
    methods = chain_methods(call)
    root = chain_root(call)
    label_root = dotted(root) or ""
    # Django ORM: Model.objects...., related managers (`post.comment_set`, or a relation of
    # the project's models such as `post.comments`), querysets built on them.
    related = (
        isinstance(root, cst.Attribute)
        and root.attr.value in ctx.project.relations
        and bool(methods)
        and methods[-1] in _DJANGO_METHODS
        and ctx.imports.imports_any(["django"])
    )
    if not (_is_manager(root) or related) and isinstance(root, cst.Name) and env is not None and methods and methods[-1] in _DJANGO_METHODS:
        # `pings = Ping.objects.filter(...)` then `pings.exists()`: a queryset through a variable.
        related = _queryset_variable(ctx, root, materialize(env))
    if _is_manager(root) or related:
        if methods and methods[-1] in _CACHED_MANAGER_METHODS:
            return None
        if method == "update" and any(a.keyword is None and not a.star for a in call.args):
            return None  # `audit.audit.update({...})`: a dict's update (a JSON field's value); a queryset's takes keywords
        writes = [m for m in methods if m in _DJANGO_WRITE]
        kind = OpKind.WRITE if writes else OpKind.QUERY
        shown = writes[0] if writes else methods[0] if methods else ""
        middle = "(…)." if len(methods) > 1 else ""
        first = methods[-1] if methods else ""
        label = f"`{label_root}.{first}{middle}{shown}()`" if len(methods) > 1 else f"`{label_root}.{first}()`"
        return DataOp(kind, call, label)
    # GINO: `await version.update(is_downloadable=True).apply()` writes the changed columns of one row.
    if method == "apply" and not call.args and isinstance(receiver, cst.Call) and isinstance(receiver.func, cst.Attribute) \
            and receiver.func.attr.value == "update" and receiver.args and all(a.keyword is not None for a in receiver.args):
        return DataOp(OpKind.WRITE, call, f"`{dotted(receiver.func.value) or 'row'}.update(…).apply()`")
    # Flask-SQLAlchemy: Model.query.filter_by(...).first()
    if isinstance(root, cst.Attribute) and root.attr.value == "query" and isinstance(root.value, cst.Name) and root.value.value[:1].isupper():
        kind = OpKind.WRITE if methods and methods[0] in ("delete", "update") else OpKind.QUERY
        return DataOp(kind, call, f"`{label_root}.{methods[-1]}()`")
    if method == "query":
        if not _is_db_object(ctx, receiver, env):
            return None
        first = argument(call, 0, "sql")
        raw = first is not None and (string_value(first) is not None or isinstance(first, cst.FormattedString))
        return DataOp(OpKind.WRITE if raw and _sql_writes(ctx, first) else OpKind.QUERY, call, f"`{dotted(receiver) or 'db'}.query()`", raw=raw)
    if (method in _METHOD_SINKS or method in _ASYNC_QUERY) and method != "mogrify":  # `mogrify` only formats the text
        sql = argument(call, 0, *(_METHOD_SINKS.get(method) or ("query",)))
        if not (_is_db_object(ctx, receiver, env) or method in _ONLY_SQL_METHODS or (sql is not None and _looks_sql_argument(sql))):
            return None
        raw = sql is not None and (_is_sql_text(ctx, sql, env) or method in _ASYNC_QUERY)
        kind = OpKind.WRITE if method == "executemany" or _sql_writes(ctx, sql) else OpKind.QUERY
        return DataOp(kind, call, f"`{_receiver_label(receiver)}.{method}()`", raw=raw)
    if method in ("commit", "rollback") and not call.args and _is_db_object(ctx, receiver, env):
        return DataOp(OpKind.COMMIT if method == "commit" else OpKind.ROLLBACK, call, f"`{dotted(receiver) or 'db'}.{method}()`")
    if method in ("begin", "begin_nested", "transaction", "atomic") and _is_db_object(ctx, receiver, env):
        return DataOp(OpKind.TRANSACTION, call, f"`{dotted(receiver) or 'db'}.{method}()`")
    if (method in _SA_QUERY or method in _SA_WRITE) and _is_session(ctx, receiver, env) and not _is_manager(receiver) \
            and not (method == "get" and not _session_get(call)):
        kind = OpKind.WRITE if method in _SA_WRITE else OpKind.QUERY
        return DataOp(kind, call, f"`{dotted(receiver) or 'session'}.{method}()`")
    if (
        method in ("save", "delete")
        and not [a for a in call.args if a.keyword is None]
        and (not isinstance(receiver, cst.Call) or _new_model_instance(ctx, receiver))
        and not _keyword_false(call, "commit", "save")
        and not any(a.keyword is not None and a.keyword.value in _FILE_SAVE_KEYWORDS for a in call.args)
        and not set(name_parts((dotted(receiver) or "").rsplit(".", 1)[-1])) & _NOT_MODEL_WORDS
    ):
        return DataOp(OpKind.WRITE, call, f"`{dotted(receiver) or 'object'}.{method}()`")
    if method in _MONGO_QUERY or method in _MONGO_WRITE:
        rname = (dotted(receiver) or "").lower()
        if "collection" in rname or rname.startswith(("db.", "mongo", "self.db.")) or ctx.imports.imports_any(["pymongo", "motor"]) and "." in rname:
            kind = OpKind.WRITE if method in _MONGO_WRITE else OpKind.QUERY
            return DataOp(kind, call, f"`{dotted(receiver)}.{method}()`")
    if isinstance(receiver, cst.Call):
        # Reading the result of a query (`session.scalars(...).all()`, `cur.execute(...).fetchall()`)
        # is part of that query.
        inner = data_op(ctx, receiver, env)
        if inner is not None:
            # Query(...).update()/.delete() write; anything else reads the query's result.
            kind = OpKind.WRITE if method in ("update", "delete") and inner.kind is OpKind.QUERY else inner.kind
            return DataOp(kind, call, inner.label, inner.raw)
    return None


def _new_model_instance(ctx: FileContext, call: cst.Call) -> bool:
    """`Contact(company=c, user=u)`: a new instance of a model the scan saw defined, saved at once
    (`Contact(...).save()` inserts a row)."""
    name = dotted(call.func)
    return name is not None and ctx.project.knows_model(name.rsplit(".", 1)[-1])


# `image.save(filename=...)` (Wand), `img.save(fp, format="PNG")` (Pillow): a file written, not a row.
_FILE_SAVE_KEYWORDS = frozenset({"filename", "file", "fp", "path", "format", "quality"})


# SQLAlchemy `Query`/`Select` builder methods: a chain ending in one of these runs nothing yet.
SA_BUILDERS = frozenset({"filter", "filter_by", "where", "order_by", "join", "outerjoin", "options", "limit", "offset",
                         "group_by", "having", "with_entities", "distinct", "select_from", "correlate", "params",
                         "execution_options", "enable_eagerloads", "populate_existing", "union", "subquery", "cte"})


def is_lazy_query(ctx: FileContext, call: cst.Call, env: EnvLike = None) -> bool:
    """Whether a query chain only builds a query: a Django queryset (a manager, a related
    manager, a queryset variable) not ending in an evaluating method, or a SQLAlchemy query
    ending in a builder method (`Model.query.filter(...)`, `session.query(X).join(...)`)."""
    root = chain_root(call)
    methods = chain_methods(call)
    if not methods:
        return False
    if _is_manager(root) or (isinstance(root, cst.Attribute) and root.attr.value in ctx.project.relations):
        return methods[0] in DJANGO_LAZY
    if isinstance(root, cst.Name) and (env := materialize(env)) is not None and _queryset_variable(ctx, root, env):
        return methods[0] in DJANGO_LAZY
    return methods[0] in SA_BUILDERS and (len(methods) > 1 or isinstance(root, cst.Attribute) and root.attr.value == "query")


_FROM_TABLE = re.compile(r"\bfrom\s+[\"`\[]?(\w+)", re.I)


def model_of(query: cst.Call) -> str | None:
    """The model (or table) a query returns rows of: `Post` for `Post.objects...`,
    `session.query(Post)`, `select(Post)`, `Post.query...`; `events` for `SELECT ... FROM events`."""
    root = chain_root(query)
    name = dotted(root) or ""
    if name.endswith((".objects", ".query")):
        return name.rsplit(".", 2)[-2]
    for node in [query, *iter_descendants(query)]:
        if isinstance(node, cst.Call) and call_name(node) in ("query", "select", "get") and node.args:
            target = dotted(node.args[0].value)
            if target and target.rsplit(".", 1)[-1][:1].isupper():
                return target.rsplit(".", 1)[-1]
        text = string_value(node) if isinstance(node, (cst.SimpleString, cst.ConcatenatedString)) else None
        if isinstance(node, cst.FormattedString):
            text = "".join(p.value if isinstance(p, cst.FormattedStringText) else "{}" for p in node.parts)
        m = _FROM_TABLE.search(text) if text else None
        if m:
            return m.group(1)
    return None


def refines_queryset(ctx: FileContext, call: cst.Call, env: EnvLike = None) -> bool:
    """`qs.filter(...)`, `qs.only(...)` on a queryset variable: the same query, refined, not
    another one."""
    root = chain_root(call)
    methods = chain_methods(call)
    env = materialize(env) if isinstance(root, cst.Name) and methods and methods[0] in DJANGO_LAZY else None
    return env is not None and isinstance(root, cst.Name) and _queryset_variable(ctx, root, env)


def _queryset_variable(ctx: FileContext, name: cst.Name, env: Env, depth: int = 0) -> bool:
    """Whether a name holds a Django queryset built in this function (`qs = Model.objects.filter()`)."""
    from backlint.frameworks.values import assigned_values

    if depth > 3:
        return False
    for value, venv in assigned_values(env, name):
        if value is name or not isinstance(value, cst.Call):
            continue
        if isinstance(value.func, cst.Attribute) and value.func.attr.value in _EXECUTING_QUERIES:
            continue  # `vouchers = ....in_bulk()`, `order = ....get()`: a dict, a row or a number, not a queryset
        root = chain_root(value)
        if _is_manager(root):
            return True
        if isinstance(root, cst.Name) and _queryset_variable(ctx, root, venv, depth + 1):
            return True  # `pings = pings.filter(...)`, refined step by step
    return False


def _keyword_false(call: cst.Call, *names: str) -> bool:
    """`form.save(commit=False)`, `file.delete(save=False)`: no write happens."""
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value in names and isinstance(arg.value, cst.Name) and arg.value.value == "False":
            return True
    return False


def _receiver_label(receiver: cst.BaseExpression) -> str:
    name = dotted(receiver)
    if name is not None:
        return name
    if isinstance(receiver, cst.Call):
        inner = dotted(receiver.func)
        return f"{inner}()" if inner else "connection"
    return "connection"


def _is_sql_text(ctx: FileContext, expr: cst.BaseExpression, env: EnvLike, depth: int = 0) -> bool:
    """Whether an executed statement is SQL text (a string, f-string, `text()`), as opposed to an
    ORM construct (`select(User)...`, `insert(t)`, `t.delete()`)."""
    if string_value(expr) is not None or isinstance(expr, (cst.FormattedString, cst.ConcatenatedString, cst.BinaryOperation)):
        return True
    if isinstance(expr, cst.Call):
        innermost = chain_root(expr)
        inner_call = expr
        while isinstance(inner_call, cst.Call) and isinstance(inner_call.func, cst.Attribute) and isinstance(inner_call.func.value, cst.Call):
            inner_call = inner_call.func.value
        name = call_name(inner_call) or ""
        if name in ("text", "literal_column", "sql", "SQL", "mogrify"):  # `mogrify`: text with its values quoted in
            return True
        return name in ("format", "join") or (isinstance(innermost, cst.BaseExpression) and string_value(innermost) is not None)
    env = materialize(env)
    if isinstance(expr, cst.Name) and env is not None and depth < 4:
        from backlint.frameworks.values import assigned_values

        values = [v for v, _ in assigned_values(env, expr) if v is not expr]
        return any(isinstance(v, cst.BaseExpression) and _is_sql_text(ctx, v, env, depth + 1) for v in values)
    return False


def _looks_sql_argument(expr: cst.BaseExpression) -> bool:
    from backlint.frameworks.sql_text import looks_like_sql

    text = string_value(expr)
    if text is None and isinstance(expr, cst.FormattedString):
        text = "".join(p.value if isinstance(p, cst.FormattedStringText) else "\x00" for p in expr.parts)
    return text is not None and looks_like_sql(text, loose=False)


def is_chain_link(stack: list[cst.CSTNode]) -> bool:
    """Whether the call on top of `stack` is an inner link of a longer call chain
    (`filter()` in `X.objects.filter().first()`)."""
    if len(stack) < 3:
        return False
    node, parent, grand = stack[-1], stack[-2], stack[-3]
    return isinstance(parent, cst.Attribute) and parent.value is node and isinstance(grand, cst.Call) and grand.func is parent


def chain_top(stack: list[cst.CSTNode]) -> int:
    """The index in `stack` of the outermost link of the call chain that starts at the node on top
    (`p.contributions` in `p.contributions.filter(...).first()`: the index of the `first()` call)."""
    i = len(stack) - 1
    while i > 0 and isinstance(stack[i - 1], (cst.Attribute, cst.Call)) and (
            getattr(stack[i - 1], "value", None) is stack[i] or getattr(stack[i - 1], "func", None) is stack[i]):
        i -= 1
    return i


def bound_name(parent: cst.CSTNode | None, unpacked: bool = True) -> str | None:
    """The name a call's result is bound to, given the call's parent: `obj = X.objects.create()`,
    and with `unpacked`, the first of a tuple, `obj, created = X.objects.get_or_create()` (the row)."""
    if not isinstance(parent, cst.Assign):
        return None
    target = parent.targets[0].target
    if unpacked and isinstance(target, cst.Tuple) and target.elements:
        target = target.elements[0].value
    return target.value if isinstance(target, cst.Name) else None


# ---------------------------------------------------------------------------------------------
# Transaction scopes

_TRANSACTION_CALLS = frozenset({"atomic", "begin", "begin_nested", "transaction", "begin_transaction", "db_session"})


def is_transaction_context(ctx: FileContext, expr: cst.BaseExpression, env: Env | None = None) -> bool:
    """`transaction.atomic()`, `session.begin()`, `conn.transaction()`, `engine.begin()`, or a
    DB-API connection used as a context manager (`with conn:` commits or rolls back)."""
    if isinstance(expr, cst.Call):
        name = (call_name(expr) or "")
        return name in _TRANSACTION_CALLS or name in ctx.project.atomic_wrappers or _atomic_revision(expr) or _named_atomic(name)
    if isinstance(expr, (cst.Name, cst.Attribute)):
        name = (dotted(expr) or "").rsplit(".", 1)[-1]
        if name in ("atomic",):
            return True
        return _is_db_object(ctx, expr, env)
    return False


def is_transactional_function(fn: cst.FunctionDef, wrappers: frozenset[str] = frozenset()) -> bool:
    """Decorated with `@transaction.atomic`, `@atomic`, `@db_session`..., or with one of the
    project's context managers that open a transaction (`wrappers`)."""
    for dec in fn.decorators:
        expr = dec.decorator.func if isinstance(dec.decorator, cst.Call) else dec.decorator
        name = (dotted(expr) or "").rsplit(".", 1)[-1]
        if name in ("atomic", "db_session", "transactional", "in_transaction") or name in wrappers or _named_atomic(name):
            return True
        if name == "create_revision" and (not isinstance(dec.decorator, cst.Call) or _atomic_revision(dec.decorator)):
            return True
    return False


def _named_atomic(name: str) -> bool:
    """A decorator or context manager named for a transaction of a kind (`immediate_atomic`,
    `durable_atomic`, `atomic_for_request_method`): Django's `atomic` specialised by the project.
    Not a file written whole (`atomic_write`, `atomic_file`) nor a counter (`atomic_increment`)."""
    words = name_parts(name)
    return "atomic" in words and len(words) > 1 and not set(words) & _ATOMIC_NOT_A_TRANSACTION


_ATOMIC_NOT_A_TRANSACTION = frozenset({"write", "writes", "writer", "file", "files", "open", "save", "rename", "replace", "copy",
                                       "increment", "incr", "decrement", "counter", "add", "set", "update", "swap", "dump"})


def _atomic_revision(call: cst.Call) -> bool:
    """django-reversion's `create_revision()` (the context manager, and the view decorator of
    `reversion.views`) runs its block in `transaction.atomic()` unless told `atomic=False`."""
    if (call_name(call) or "") != "create_revision":
        return False
    return not any(a.keyword is not None and a.keyword.value == "atomic" and not (
        isinstance(a.value, cst.Name) and a.value.value == "True") for a in call.args)
