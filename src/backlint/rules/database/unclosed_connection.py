from __future__ import annotations

import re
from dataclasses import dataclass

import libcst as cst

from backlint.findings import Confidence, Level
from backlint.frameworks import database, errors, project, routes
from backlint.frameworks.flow import DefKind
from backlint.frameworks.imports import dotted
from backlint.frameworks.values import qualified_name
from backlint.rule import Invalid, Rule, Valid
from backlint.syntax import call_name, contains, iter_descendants, keyword_arg, literal_start, string_value

# Driver connect functions, and whether `with conn:` closes the connection (True) or only wraps
# a transaction (False: sqlite3 and psycopg2 commit or roll back but leave it open).
_CONNECT: dict[str, bool] = {
    "sqlite3.connect": False,
    "psycopg2.connect": False,
    "psycopg.connect": True,
    "pymysql.connect": True,
    "MySQLdb.connect": False,
    "mysql.connector.connect": True,
    "mariadb.connect": True,
    "cx_Oracle.connect": True,
    "oracledb.connect": True,
    "pyodbc.connect": True,
    "pymssql.connect": True,
    "duckdb.connect": True,
    "pg8000.connect": True,
    "snowflake.connector.connect": True,
    "asyncpg.connect": False,
    "aiosqlite.connect": True,
    "aiomysql.connect": True,
    "aiopg.connect": True,
}
_ENGINES = frozenset({"sqlalchemy.create_engine", "sqlalchemy.ext.asyncio.create_async_engine", "sqlmodel.create_engine"})
_SESSION_FACTORIES = frozenset({"Session", "AsyncSession", "SessionLocal", "AsyncSessionLocal", "ScopedSession"})
_CLOSERS = frozenset({"close", "dispose", "release", "terminate", "aclose"})
# Callees that close, keep or register what they are given; any other call just uses it.
_TAKES_OWNERSHIP = frozenset({"closing", "aclosing", "release", "close", "register", "append", "add", "push", "put",
                              "put_nowait", "callback", "enter_context", "enter_async_context", "setdefault", "insert",
                              "extend", "set", "setattr", "attach", "track", "manage", "spawn", "create_task"})


def _provisions(fn: cst.FunctionDef) -> bool:
    """Whether `fn` creates or drops a database, a user or the tables (`'CREATE DATABASE "{db}"'`,
    `CREATE TABLE index_record (...)`, `GRANT ALL PRIVILEGES ...`): the set-up of a deployment, run once
    like a migration, whose engine ends with the run (when no code of the service calls it: one that
    runs it for every job builds an engine each time)."""
    return any(isinstance(n, (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString))
               and _PROVISIONING_SQL.match((string_value(n) or "") if not isinstance(n, cst.FormattedString) else "")
               or isinstance(n, cst.Call) and call_name(n) in _PROVISIONING_CALLS
               for n in iter_descendants(fn.body))


_PROVISIONING_SQL = re.compile(r"\s*(?:(?:CREATE|DROP)\s+(?:DATABASE|TABLE|USER|ROLE|SCHEMA)|GRANT\s)", re.I)
_PROVISIONING_CALLS = frozenset({"create_db", "create_database", "drop_db", "drop_database", "create_db_user", "create_db_extensions"})
"""The same through a helper (`db_helper.create_db(cursor, name, owner)`, sqlalchemy-utils'
`create_database(url)`). Not `metadata.create_all(engine)`: an application creates its tables at
start-up too (round 34's `create_database()` keeps its finding)."""
_BARE_CLOSE = re.compile(r"\.close[ \t]*(?:#.*)?$", re.M)


def _close_not_called(fn: cst.FunctionDef, name: str) -> bool:
    """Whether `fn` has the statement `name.close` (the call's brackets forgotten): the author meant
    to close it, whoever runs the function, and nothing does."""
    return any(isinstance(n, cst.Expr) and isinstance(n.value, cst.Attribute) and n.value.attr.value == "close"
               and isinstance(n.value.value, cst.Name) and n.value.value.value == name for n in iter_descendants(fn.body))


@dataclass
class _Body:
    """A function's nodes in source order (nested scopes left out), and each one's position."""

    nodes: list[cst.CSTNode]
    order: dict[int, int]

    @classmethod
    def of(cls, fn: cst.FunctionDef) -> _Body:
        nodes = list(iter_descendants(fn.body, into_scopes=False))
        return cls(nodes, {id(n): i for i, n in enumerate(nodes)})


@dataclass
class _Opened:
    name: str
    call: cst.Call
    statement: cst.CSTNode
    what: str
    with_closes: bool


class UnclosedConnection(Rule):
    """A database connection, session or engine opened in a function is not closed on every path.

    Each leaked connection holds a server slot (and for SQLite a file handle and WAL state) until
    the garbage collector happens to run; under load the pool or the server's `max_connections`
    runs out. The rule follows connections from driver `connect()` calls (sqlite3, psycopg,
    pymysql, asyncpg...), SQLAlchemy sessions created in the function (`Session()`,
    `SessionLocal()`; not a cloud SDK's or an HTTP client's `Session()`, nor a `Session` class the
    project defines without a session base or on an HTTP client's (`class Session(BaseSession, RequestsSession)`), nor the current session of a `scoped_session` registry
    imported from the module that owns it), engines created per
    call, and psycopg server-side (named) cursors (`cursor("name")`, `cursor(name=...)`; not
    MySQLdb's `cursor(DictCursor)` nor asyncpg's `cursor(query, *args)`, which its transaction
    closes). It
    reports those never closed, closed only after an early `return` or `raise` could skip it (once
    per variable, at its first opening whose value is used), and
    `with sqlite3.connect(...)`/`with psycopg2.connect(...)`, which commit but do not close.

    Left alone: a connection a pool keeps (`create_engine(..., creator=lambda: conn)`), `with` blocks that close (psycopg 3, pymysql, SQLAlchemy sessions,
    `contextlib.closing`, or any context manager given the connection, `with
    session_cleanup(session):`, but a transaction scope such as `atomic(conn)`), `try`/`finally: close()` (or a scoped session's `finally:
    Session.remove()`), an early `return` in the `except` of a
    `try` that only opens the connection and takes its cursors (the opening failed: nothing to close), and for an
    engine, an early exit from the `except OperationalError` (or another connection error) around
    its first use (`with engine.connect()`: the first connection failed, the pool holds nothing),
    connections returned (also as
    `return cursor.execute(...)`, which returns the cursor), yielded (closed
    by the caller) or stored (on `self`, Flask's `g`, a module global), framework-managed
    sessions (Flask-SQLAlchemy's `db.session`, Django's connections), module-level
    connections, which live as long as the process on purpose, engines without a pool
    (`poolclass=NullPool`: nothing stays open once each connection is closed), and migrations (`alembic/env.py`,
    any module that configures `alembic.context`, a function running Alembic's commands itself or through a function
    of its module, `migrations/20210105_fill.py`, and the engine of a function that creates or drops a database,
    a user or the tables, `'CREATE DATABASE "{db}"'` or through a helper, `create_database(url)`,
    unless the service calls it), scripts
    (`scripts/`, `tools/`, or a `__main__` module that imports no web framework or task queue),
    seed and database set-up modules (`init_db.py`, `seed_data.py`)
    and modules of a CLI's `commands/` package, which run once in a
    process of their own that ends when they do, click or typer commands, and functions only an
    operator's code calls (a script, a management command), that open a connection once (not in
    a loop), and, the same way, any package whose manifest names no
    server, worker or scheduler (a batch package of commands and jobs beside the service). Not
    left alone there: a `conn.close` statement without its brackets, a close the author meant and
    nothing does."""

    ID = "BL103"
    LEVEL = Level.WARNING
    CONFIDENCE = Confidence.HIGH
    CWE = (404, 772)
    TAGS = ("reliability", "database", "resources")
    TESTS = False
    MIGRATIONS = False

    MESSAGE = "{what} {problem}; close it in `finally` or use a closing context manager"
    FIX = """Close what you open, on every path:

```python
from contextlib import closing

with closing(sqlite3.connect(path)) as conn, conn:   # closes, and commits or rolls back
    conn.execute(...)

with SessionLocal() as session:                        # SQLAlchemy closes the session
    ...
```

Create engines once, at import time or application start-up, and reuse their pool."""
    REFERENCES = (
        "https://docs.python.org/3/library/sqlite3.html#sqlite3-connection-context-manager",
        "https://www.psycopg.org/docs/usage.html#with-statement",
        "https://docs.sqlalchemy.org/en/20/orm/session_basics.html#opening-and-closing-a-session",
    )
    PREFILTER = ("connect(", "Session", "create_engine", "create_async_engine", "cursor(")

    INVALID = [
        Invalid(
            """
            import sqlite3

            import click

            @click.command()
            def purge(path):
                conn = sqlite3.connect(path)
                conn.execute("DELETE FROM staging")
                conn.commit()
                conn.close
            """,
            line=7,
            note="A command's connection ends with its process, but `conn.close` without brackets is a close meant and never made.",
        ),
        Invalid(
            """
            import sqlite3

            def count_users(path):
                conn = sqlite3.connect(path)
                return conn.execute("SELECT count(*) FROM users").fetchone()[0]
            """,
            line=4,
            note="Never closed.",
        ),
        Invalid(
            """
            import sqlite3

            def add_user(path, name):
                with sqlite3.connect(path) as conn:
                    conn.execute("INSERT INTO users (name) VALUES (?)", (name,))
            """,
            line=4,
            note="`with sqlite3.connect()` commits but leaves the connection open.",
        ),
        Invalid(
            """
            import psycopg2

            def find(dsn, user_id):
                conn = psycopg2.connect(dsn)
                cur = conn.cursor()
                cur.execute("SELECT * FROM users WHERE id = %s", (user_id,))
                row = cur.fetchone()
                if row is None:
                    return None
                conn.close()
                return row
            """,
            line=4,
            note="The early return skips `close()`.",
        ),
        Invalid(
            """
            from sqlalchemy import create_engine

            def report(url):
                engine = create_engine(url)
                with engine.connect() as conn:
                    return conn.exec_driver_sql("SELECT 1").scalar()
            """,
            line=4,
            note="An engine (and its pool) per call, never disposed.",
        ),
        Invalid(
            """
            def get_db():
                db = SessionLocal()
                yield db
            """,
            line=2,
            note="A FastAPI dependency that never closes its session.",
        ),
        Invalid(
            """
            import asyncpg

            async def latest(dsn):
                conn = await asyncpg.connect(dsn)
                return await conn.fetch("SELECT * FROM events ORDER BY id DESC LIMIT 10")
            """,
            line=4,
            note="asyncpg connections must be closed too.",
        ),
    ]
    VALID = [
        Valid(
            """
            from sqlalchemy import create_engine, text


            class InitDB:
                def create_roles(self, url):
                    engine = create_engine(url)
                    with engine.begin() as conn:
                        conn.execute(text("INSERT INTO roles (name) VALUES ('admin'), ('client')"))
            """,
            path="app/server/commands/initdb.py",
            note="A module of the CLI's `commands/` package: `initdb` runs once, in a process that ends with it.",
        ),
        Valid(
            """
            from sqlalchemy import create_engine, pool

            def upgrade_plugin(url, plugin):
                engine = create_engine(url, poolclass=pool.NullPool)
                conn = engine.connect()
                try:
                    apply_migrations(conn, plugin)
                finally:
                    conn.close()
            """,
            note="An engine without a pool: once its one connection is closed, nothing stays open.",
        ),
        Valid(
            """
            import psycopg2
            from alembic import context

            def run_migrations_online():
                url = context.config.get_main_option("sqlalchemy.url")
                conn = psycopg2.connect(url)
                context.configure(connection=conn, target_metadata=None)
                with context.begin_transaction():
                    context.run_migrations()

            run_migrations_online()
            """,
            path="app/plugins/migration_template/env.py",
            note="An Alembic environment, wherever it lives: it runs once per migration command, in a process that then ends.",
        ),
        Valid(
            """
            import click

            @click.group()
            def cli():
                pass

            @cli.command()
            def reset_user(email):
                db = SessionLocal()
                user = db.query(User).filter(User.email == email).one()
                user.reset_password()
                db.commit()
            """,
            path="app/cli.py",
            note="A command-line command that opens a session once: the process, and the session, end with it.",
        ),
        Valid(
            """
            import sqlalchemy

            def apply_step(conn):
                engine = sqlalchemy.create_engine(DATABASE_URL)
                engine.connect().execute(sqlalchemy.text("UPDATE tasks SET config = '{}'"))
            """,
            path="api/migrations/20220120_01_change-task-config.py",
            note="A migration runs once, in a process of its own that ends with it.",
        ),
        Valid(
            """
            import sqlite3
            from contextlib import closing

            def count_users(path):
                with closing(sqlite3.connect(path)) as conn:
                    return conn.execute("SELECT count(*) FROM users").fetchone()[0]
            """,
            note="`contextlib.closing`.",
        ),
        Valid(
            """
            import psycopg2

            def find(dsn, user_id):
                conn = psycopg2.connect(dsn)
                try:
                    with conn.cursor() as cur:
                        cur.execute("SELECT * FROM users WHERE id = %s", (user_id,))
                        return cur.fetchone()
                finally:
                    conn.close()
            """,
            note="Closed in `finally`.",
        ),
        Valid(
            """
            def get_db():
                db = SessionLocal()
                try:
                    yield db
                finally:
                    db.close()
            """,
            note="The FastAPI dependency pattern.",
        ),
        Valid(
            """
            import sqlite3
            from flask import g

            def get_db():
                if "db" not in g:
                    g.db = sqlite3.connect("app.db")
                return g.db

            def open_connection(path):
                conn = sqlite3.connect(path)
                conn.row_factory = sqlite3.Row
                return conn
            """,
            note="Stored on the request context, or returned to the caller.",
        ),
        Valid(
            """
            import psycopg

            def names(dsn):
                with psycopg.connect(dsn) as conn:
                    return [r[0] for r in conn.execute("SELECT name FROM users")]
            """,
            note="psycopg 3's context manager closes the connection.",
        ),
        Valid(
            """
            import sqlite3
            from sqlalchemy import create_engine

            engine = create_engine("postgresql:///app")
            conn = sqlite3.connect("cache.db")

            def cached(key):
                return conn.execute("SELECT v FROM cache WHERE k = ?", (key,)).fetchone()
            """,
            note="Module-level: created once, for the life of the process.",
        ),
        Valid(
            """
            from boto3.session import Session

            def regions():
                session = Session()
                return session.get_available_regions("rds")
            """,
            note="A cloud SDK's `Session()` holds no database connection.",
        ),
        Valid(
            """
            import requests

            class Session(metaclass=Singleton):
                def register(self):
                    return requests.post(API_URL, json=self.info, timeout=10).ok

            def check_limits():
                s = Session()
                return s.register()
            """,
            note="The project's own `Session` class (no session base): an API client's session, not a database's.",
        ),
        Valid(
            """
            from uuid import uuid4

            def exec_server_cursor(conn, query, args):
                server_cursor = conn.cursor(name=str(uuid4()))
                return server_cursor.execute(query, args)
            """,
            note="psycopg 3's `execute()` returns the cursor itself: the caller gets it (and closes it in its `with`).",
        ),
        Valid(
            """
            import asyncpg

            async def probe(dsn):
                try:
                    conn = await asyncpg.connect(dsn, timeout=5)
                except (OSError, asyncpg.PostgresError):
                    return False
                await conn.close()
                return True
            """,
            note="The early return is in the `except` of the `connect()` itself: when it runs, no connection was opened.",
        ),
        Valid(
            """
            from sqlalchemy import create_engine, text
            from sqlalchemy.exc import OperationalError

            def database_health(url):
                engine = create_engine(url, connect_args={"connect_timeout": 5})
                try:
                    with engine.connect() as conn:
                        conn.execute(text("SELECT 1"))
                except OperationalError:
                    return {"success": False}
                engine.dispose()
                return {"success": True}
            """,
            note="The early return follows a failed first connection: the engine's pool holds nothing to dispose of.",
        ),
    ]

    def _opener(self, call: cst.Call) -> tuple[str, bool] | None:
        """(what, whether `with` closes it) when `call` opens something this rule tracks."""
        name = qualified_name(self.ctx, call)
        if name in _CONNECT:
            return f"The connection from `{name}()`", _CONNECT[name]
        if name in _ENGINES or name.rsplit(".", 1)[-1] in ("create_engine", "create_async_engine"):
            poolclass = keyword_arg(call, "poolclass")
            if poolclass is not None and (dotted(poolclass.value) or "").rsplit(".", 1)[-1] == "NullPool":
                return None  # no pool: the engine keeps no connection once each one is closed
            return f"The engine from `{name.rsplit('.', 1)[-1]}()`", False
        last = name.rsplit(".", 1)[-1]
        if last in _SESSION_FACTORIES and not call.args and not isinstance(call.func, cst.Attribute) \
                and not name.startswith(database.NETWORK_CLIENT_MODULES) and not self._plain_session(name) \
                and not self._scoped_registry(name):  # boto3's, requests' `Session()`; a scoped session's registry
            return f"The session from `{name}()`", True
        if last == "cursor" and isinstance(call.func, cst.Attribute) and (
                keyword_arg(call, "name") or (call.args and call.args[0].keyword is None and _cursor_name(call.args[0].value))):
            return "The server-side cursor", True
        return None

    def _plain_session(self, name: str) -> bool:
        """`Session()` of a class the project defines without a session base (an API client's
        session, a singleton of settings), imported from the project or defined in this file."""
        last = name.rsplit(".", 1)[-1]
        facts = self.ctx.project
        return (last in facts.plain_session_classes and last not in facts.session_factories
                and not name.startswith(("sqlalchemy.", "sqlmodel.", "flask_sqlalchemy.")))

    def _scoped_registry(self, name: str) -> bool:
        """`Session()` of a `scoped_session` registry another module of the project owns (`from
        app.database import Session`, `Session = scoped_session(sessionmaker())` there): the thread's
        current session, shared by its callers and removed by the registry's owner (the request's
        teardown). A module that makes its own registry owns what it hands out, and closes it."""
        return "." in name and name.rsplit(".", 1)[-1] in self.ctx.project.scoped_sessions \
            and not name.startswith(("sqlalchemy.", "sqlmodel."))

    def visit_WithItem(self, node: cst.WithItem) -> None:
        call = node.item
        if isinstance(call, cst.Await):
            call = call.expression
        if not isinstance(call, cst.Call):
            return
        opened = self._opener(call)
        if opened is not None and not opened[1] and "connection" in opened[0] and not self._one_shot_outside_loop(node):
            self.report(call, what=opened[0], problem="is not closed by `with` (it only commits or rolls back)")

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        scope = self.ctx.child_scope(node, self.ctx.current_scope()[0]) if self.ctx.stack[-1] is node else None
        script = scope is not None and self._one_shot_module()
        if scope is None or (script and _BARE_CLOSE.search(self.ctx.text) is None) or self._runs_migrations(node):
            return
        provisions = _provisions(node) and not self.ctx.project.called_by_service(node.name.value)
        command = script or (routes.cli_command(node) and node.name.value != "handle") \
            or self.ctx.project.one_shot(self.ctx.path) or routes.called_only_by_operators(self.ctx, node)
        loops = [n for n in iter_descendants(node.body) if isinstance(n, (cst.For, cst.While))] if command and not script else []
        body: _Body | None = None  # (walked once, for the first opening found)
        for name in scope.names():
            if "." in name:
                continue
            leaks: list[tuple[_Opened, str]] = []
            bindings = [d.statement for d in scope.definitions(name)]
            for d in scope.definitions(name):
                value = d.value
                if isinstance(value, cst.Await):
                    value = value.expression
                if d.kind is not DefKind.ASSIGN or not isinstance(value, cst.Call) or d.element:
                    continue
                opened = self._opener(value)
                if opened is None or (provisions and "engine" in opened[0]):
                    continue  # (an engine made to create the database or its tables: the set-up's, once)
                if command and not any(d.statement is n or any(x is d.statement for x in iter_descendants(n)) for n in loops) \
                        and not _close_not_called(node, name):
                    continue  # opened once by a click or typer command: it ends with the process
                candidate = _Opened(name, value, d.statement, opened[0], opened[1])
                body = body or _Body.of(node)
                problem = self._check(body, candidate)
                if problem is not None:
                    leaks.append((candidate, problem))
            if body is not None and leaks:
                # One finding per name: at the first opening whose value is used (one overwritten
                # before any use, `session = Session()` in a branch and again below, is the same leak).
                used = [leak for leak in leaks if _read_before_rebinding(body, leak[0].statement, bindings, name)]
                opened, problem = (used or leaks)[0]
                self.report(opened.call, what=opened.what, problem=problem)

    def _one_shot_outside_loop(self, node: cst.CSTNode) -> bool:
        """In a script (which `leave_FunctionDef` leaves alone whole), or in a package that only runs
        one-shot processes and not inside a loop: the process, and the connection, end with the job."""
        return self._one_shot_module() or (self.ctx.project.one_shot(self.ctx.path)
                                           and not any(isinstance(n, (cst.For, cst.While)) for n in self.ctx.stack))

    def _one_shot_module(self) -> bool:
        """A script (scripts/, tools/, bin/..., or a `__main__` module importing no web framework or
        task queue), a CLI command module, a seed or database set-up module (`init_db.py`,
        `seed_data.py`) or a migration run: the process, and what it opened, ends with it."""
        return self.ctx.is_standalone_script() or project.is_cli_path(self.ctx.path) or project.is_seed_path(self.ctx.path) \
            or self._alembic_environment()

    def _alembic_environment(self) -> bool:
        """An Alembic `env.py`, wherever it lives (a template copied for plugins, say): it imports
        `alembic.context` and configures it; it runs once per migration command."""
        return "context.configure" in self.ctx.text and self.ctx.imports.qualify(cst.Name("context")) == "alembic.context"

    def _runs_migrations(self, fn: cst.FunctionDef) -> bool:
        """A function that runs Alembic's commands (`alembic.command.upgrade(cfg, "head")`), itself or
        through a function of this module it names (`conn.run_sync(run_db_migrations)`): a migration
        run, once per deployment or start-up, like an Alembic environment."""
        if "alembic" not in self.ctx.text:
            return False
        runners = self.ctx.memo("alembic-runners", self._alembic_runners)
        return any(isinstance(n, cst.Name) and n.value in runners for n in iter_descendants(fn.body)) \
            or self._calls_alembic(fn)

    def _alembic_runners(self) -> frozenset[str]:
        return frozenset(n.name.value for n in iter_descendants(self.ctx.module)
                         if isinstance(n, cst.FunctionDef) and self._calls_alembic(n))

    def _calls_alembic(self, fn: cst.FunctionDef) -> bool:
        return any(isinstance(n, cst.Call) and qualified_name(self.ctx, n).startswith("alembic.command.")
                   for n in iter_descendants(fn.body))

    def _check(self, function: _Body, opened: _Opened) -> str | None:
        """How `opened` leaks, if it does."""
        name = opened.name
        factory = dotted(opened.call.func)
        body = function.nodes
        closes: list[cst.Call] = []
        finally_ids: set[int] = set()
        managers = {id(n.item) for n in body if isinstance(n, cst.WithItem)}
        for node in body:
            if isinstance(node, cst.Try) and node.finalbody is not None:
                finally_ids.update(id(n) for n in iter_descendants(node.finalbody, into_scopes=False))
            if isinstance(node, cst.Call):
                func = node.func
                if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) and func.value.value == name and func.attr.value in _CLOSERS:
                    closes.append(node)
                elif isinstance(func, cst.Attribute) and func.attr.value == "remove" and not node.args and factory is not None \
                        and dotted(func.value) == factory:
                    closes.append(node)  # `Session.remove()`: a scoped session's registry closes the session it made
                elif any(isinstance(a.value, cst.Lambda) and isinstance(a.value.body, cst.Name) and a.value.body.value == name
                         for a in node.args):
                    return None  # `create_engine(..., poolclass=StaticPool, creator=lambda: conn)`: the pool keeps it
                elif any(isinstance(a.value, cst.Name) and a.value.value == name for a in node.args):
                    callee = call_name(node) or ""
                    if callee in _TAKES_OWNERSHIP or callee[:1].isupper() or callee == "cls":
                        return None  # handed to something that closes or keeps it (`closing(conn)`, `Repo(conn)`, a
                        # class method's `cls(conn)`)
                    if id(node) in managers and callee not in _TRANSACTION_SCOPES:
                        return None  # `with session_cleanup(session):`: a context manager given it ends its life
            elif isinstance(node, cst.Return) and node.value is not None and _hands_over(node.value, name):
                return None  # the caller owns it now
            elif isinstance(node, cst.WithItem) and isinstance(node.item, cst.Name) and node.item.value == name and opened.with_closes:
                return None
            elif isinstance(node, (cst.Assign, cst.AnnAssign)) and isinstance(node.value, cst.Name) and node.value.value == name:
                return None  # stored elsewhere (self.conn = conn, g.db = conn)
            elif isinstance(node, (cst.Global, cst.Nonlocal)) and any(n.name.value == name for n in node.names):
                return None
        if any(id(c) in finally_ids for c in closes):
            return None
        engine = "engine" in opened.what
        first_use = _first_use(body, name) if engine else None
        if engine and first_use is None:
            return None  # an engine opens nothing until it is used
        if not closes:
            return "is never closed"
        order = function.order
        opened_at = order.get(id(opened.statement), -1)
        last_close = max(order.get(id(c), -1) for c in closes)
        unopened = _failed_opening(body, opened.statement)
        if first_use is not None:
            unopened |= _failed_first_connection(body, first_use)
        for node in body:
            if isinstance(node, (cst.Return, cst.Raise)) and opened_at < order[id(node)] < last_close and id(node) not in unopened:
                return "is not closed when the function returns or raises before `close()`"
        return None


def _read_before_rebinding(body: _Body, statement: cst.CSTNode, bindings: list[cst.CSTNode], name: str) -> bool:
    """Whether `name`, bound by `statement`, is read before the next statement binding it (in
    the source's order)."""
    start = body.order.get(id(statement))
    if start is None:
        return True
    start += 1 + sum(1 for _ in iter_descendants(statement, into_scopes=False))  # (past its own target)
    end = min((body.order[id(b)] for b in bindings if body.order.get(id(b), -1) >= start), default=len(body.nodes))
    return any(isinstance(n, cst.Name) and n.value == name for n in body.nodes[start:end])


def _failed_opening(body: list[cst.CSTNode], statement: cst.CSTNode) -> set[int]:
    """Nodes in the `except` clauses of a `try` whose body only opens the connection (and takes
    its cursors, `cur = conn.cursor()`, which do no I/O): there the opening itself failed, and
    there is nothing to close."""
    for node in body:
        if isinstance(node, (cst.Try, cst.TryStar)) and isinstance(node.body, cst.IndentedBlock) \
                and contains(node.body.body[0], statement) and all(_takes_cursor(s) for s in node.body.body[1:]):
            return {id(n) for handler in node.handlers for n in iter_descendants(handler)}
    return set()


# Context managers given a connection that scope a transaction on it, and leave it open.
_TRANSACTION_SCOPES = frozenset({"atomic", "transaction", "begin", "begin_nested", "savepoint", "nullcontext"})

# Errors a driver raises when it cannot connect (or loses the connection), by their last name.
_CONNECTION_ERRORS = frozenset({"OperationalError", "InterfaceError", "DisconnectionError", "ConnectionError",
                                "ConnectionRefusedError", "OSError", "TimeoutError", "error"})


def _first_use(body: list[cst.CSTNode], name: str) -> cst.Call | None:
    """The first call of a method of `name` (`engine.connect()`)."""
    return next((n for n in body if isinstance(n, cst.Call) and isinstance(n.func, cst.Attribute)
                 and isinstance(n.func.value, cst.Name) and n.func.value.value == name), None)


def _failed_first_connection(body: list[cst.CSTNode], first: cst.Call) -> set[int]:
    """Nodes in the `except` clauses, all for connection errors, of a `try` around an engine's
    first use `first` (`with engine.connect() as conn: ...`): there the first connection failed,
    and the engine's pool holds nothing to dispose of."""
    for node in body:
        if isinstance(node, (cst.Try, cst.TryStar)) and node.handlers and contains(node.body, first) \
                and all(_catches_connection_error(h) for h in node.handlers):
            return {id(n) for handler in node.handlers for n in iter_descendants(handler)}
    return set()


def _catches_connection_error(handler: cst.ExceptHandler | cst.ExceptStarHandler) -> bool:
    names = [(dotted(t) or "").rsplit(".", 1)[-1] for t in errors.caught_types(handler)]  # type: ignore[arg-type]
    return bool(names) and all(n in _CONNECTION_ERRORS for n in names)


def _takes_cursor(statement: cst.BaseStatement) -> bool:
    """`cur = conn.cursor()`: a client-side cursor, made without a round trip."""
    return isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1 \
        and isinstance(assign := statement.body[0], cst.Assign) and isinstance(assign.value, cst.Call) \
        and call_name(assign.value) == "cursor" and not assign.value.args


def _hands_over(value: cst.BaseExpression, name: str) -> bool:
    """Whether a returned value is the object itself (alone or in a tuple, list or dict), or its
    `execute(...)`, which returns the cursor itself (psycopg 3, sqlite3, aiosqlite)."""
    if isinstance(value, cst.Name):
        return value.value == name
    if isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute) and value.func.attr.value == "execute":
        return isinstance(value.func.value, cst.Name) and value.func.value.value == name
    if isinstance(value, (cst.Tuple, cst.List)):
        return any(_hands_over(e.value, name) for e in value.elements)
    if isinstance(value, cst.Dict):
        return any(isinstance(e, cst.DictElement) and _hands_over(e.value, name) for e in value.elements)
    return False


def _cursor_name(value: cst.BaseExpression) -> bool:
    """Whether `cursor(value)`'s first argument is a name, which makes psycopg's cursor a
    server-side one (`cursor("export")`, `cursor(f"dump_{uuid4()}")`, `cursor(name)`), not a
    cursor class (MySQLdb's `cursor(DictCursor)`) or an asyncpg query (`cursor(query, *args)`)."""
    while isinstance(value, cst.ConcatenatedString):
        value = value.left
    if isinstance(value, (cst.SimpleString, cst.FormattedString)):
        text = (string_value(value) if isinstance(value, cst.SimpleString) else literal_start(value)) or ""
        return not any(ch.isspace() for ch in text.strip())  # (`cursor("""SELECT ...""", arg)`: asyncpg's query, not a name)
    if isinstance(value, cst.Call):
        return call_name(value) == "str"
    return "name" in ((dotted(value) or "").rsplit(".", 1)[-1]).lower()
