from __future__ import annotations

import re

import libcst as cst

from backlint.findings import Confidence, Level
from backlint.frameworks import database, routes
from backlint.frameworks.project import is_flask_only
from backlint.frameworks.imports import dotted
from backlint.frameworks.values import Env, assigned_values, qualified_name
from backlint.rule import Invalid, Rule, Valid
from backlint.syntax import argument, call_name, iter_descendants, string_value

_BLOCKING_FUNCTIONS = {
    "time.sleep": "`time.sleep()` (use `await asyncio.sleep()`)",
    "urllib.request.urlopen": "`urlopen()`",
    "subprocess.run": "`subprocess.run()`",
    "subprocess.call": "`subprocess.call()`",
    "subprocess.check_call": "`subprocess.check_call()`",
    "subprocess.check_output": "`subprocess.check_output()`",
    "subprocess.getoutput": "`subprocess.getoutput()`",
    "os.system": "`os.system()`",
    "os.popen": "`os.popen()`",
    "smtplib.SMTP": "`smtplib.SMTP()`",
    "smtplib.SMTP_SSL": "`smtplib.SMTP_SSL()`",
    "socket.create_connection": "`socket.create_connection()`",
}
_SENDING = frozenset({"get", "post", "put", "patch", "delete", "head", "options", "request"})
"""The `requests` functions that send (not `requests.structures.CaseInsensitiveDict()` or the
exception classes)."""
_SYNC_DRIVERS = ("sqlite3", "psycopg2", "pymysql", "MySQLdb", "mysql.connector", "cx_Oracle", "oracledb", "pyodbc",
                 "pymssql", "duckdb", "pg8000", "snowflake.connector")
_SYNC_CLIENT_FACTORIES = ("requests.Session", "requests.session", "httpx.Client", "redis.Redis", "redis.StrictRedis",
                          "redis.from_url", "redis.Redis.from_url", "pymongo.MongoClient", "boto3.client", "boto3.resource")
_LOCAL_CLIENT_METHODS = frozenset({"generate_presigned_url", "generate_presigned_post", "can_paginate", "get_paginator",
                                   "get_waiter", "pipeline"})
"""Client methods that compute without a round trip: boto3's presigning and paginator factories,
a redis pipeline (sent by its `execute()`)."""
# Session methods that do no I/O on an AsyncSession either (so calling them unawaited is fine).
_NO_IO_METHODS = frozenset({"add", "add_all", "expunge", "expunge_all", "begin", "begin_nested", "close", "in_transaction",
                            "is_modified", "expire", "expire_all", "refresh_if_loaded", "no_autoflush"})
_DJANGO_EVALUATING = frozenset({"get", "first", "last", "count", "exists", "create", "update", "delete", "save",
                                "get_or_create", "update_or_create", "aggregate", "in_bulk", "bulk_create", "bulk_update",
                                "earliest", "latest", "contains", "explain"})


_WHOLE_READS = frozenset({"read", "readlines"})
_FILE_IO = frozenset({"read", "readline", "readlines", "write", "writelines", "readinto"})


def _shipped_file(env: Env, path: cst.BaseExpression, depth: int = 0) -> bool:
    """A path built from `__file__` (`Path(__file__).parent / "static" / name`,
    `os.path.join(STATIC_DIR, name)` where `STATIC_DIR` is): a file shipped with the code."""
    if depth > 3:
        return False
    own = dotted(path)
    for value, venv in assigned_values(env, path):
        if isinstance(value, cst.Call) and (dotted(value.func) or "").endswith(("environ.get", "getenv")):
            continue  # `os.environ.get("IMAGE_PATH", default)`: any file the deployment names
        for node in (value, *iter_descendants(value)):
            if not isinstance(node, cst.Name) or node.value == own:
                continue
            if node.value == "__file__" or (
                    _DIRECTORY_NAME.search(node.value) and _shipped_file(venv, node, depth + 1)):
                return True
    return False


_DIRECTORY_NAME = re.compile(r"^[A-Z][A-Z0-9_]*$|(?:^|_)(?:dir|directory|path|root|folder)$")
"""Names that hold a directory or a path (`STATIC_DIR`, `static_dir`, `file_path`): followed back to
see whether they start at `__file__`."""


def _streams(node: cst.CSTNode, handle: str, binary: bool, *, in_loop: bool) -> bool:
    """Whether `node` reads or writes `handle` in a loop, iterates it, copies it whole, or reads
    it whole in binary mode."""
    if isinstance(node, (cst.For, cst.While)):
        if isinstance(node, cst.For) and _iterates(node.iter, handle):
            return True  # `for line in fh`, `for row in csv.reader(fh)`
        return any(_streams(child, handle, binary, in_loop=True) for child in node.children)
    if isinstance(node, (cst.ListComp, cst.SetComp, cst.GeneratorExp, cst.DictComp)):
        for_in = node.for_in
        if _iterates(for_in.iter, handle):
            return True
        return any(_streams(child, handle, binary, in_loop=True) for child in node.children)
    if isinstance(node, cst.Call):
        func = node.func
        if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) and func.value.value == handle:
            method = func.attr.value
            if method in _FILE_IO and (in_loop or (binary and method in _WHOLE_READS and not node.args)):
                return True
        if dotted(func) in _WHOLE_FILE_CALLS and any(isinstance(a.value, cst.Name) and a.value.value == handle for a in node.args):
            return True  # `shutil.copyfileobj(src, fh)`, `pickle.load(fh)`
        if (
            binary
            and isinstance(func, cst.Attribute)
            and isinstance(func.value, cst.Name)
            and func.value.value == handle
            and func.attr.value == "write"
            and any(isinstance(n, cst.Await) for a in node.args for n in (a.value, *iter_descendants(a.value)))
        ):
            return True  # `fh.write(await upload.read())`: a whole upload, of any size
    return any(_streams(child, handle, binary, in_loop=in_loop) for child in node.children)


_WHOLE_FILE_CALLS = frozenset({"shutil.copyfileobj", "copyfileobj", "pickle.load", "marshal.load", "hashlib.file_digest"})


def _iterates(expr: cst.BaseExpression, handle: str) -> bool:
    """`fh`, or a reader wrapped around it (`csv.reader(fh)`, `enumerate(fh)`)."""
    if isinstance(expr, cst.Name):
        return expr.value == handle
    return isinstance(expr, cst.Call) and any(isinstance(a.value, cst.Name) and a.value.value == handle for a in expr.args)


_COMMAND_LINE = re.compile(r"(^|/)(cli/|cli\.py$|__main__\.py$)")

_STARTUP_NAMES = frozenset({"init", "initialize", "initialise", "async_init", "setup", "startup", "start_up", "on_startup",
                            "lifespan", "init_app", "setup_app"})
"""Coroutines named for starting the service up: they run once, before it serves (a lifespan
hook, a provider's `initialize()` awaited while the app is assembled)."""


class BlockingCallInAsync(Rule):
    """A blocking call runs inside `async def`, stalling the event loop.

    An `async def` endpoint runs on the event loop: while a synchronous call waits for the
    network, the disk, a subprocess or a database, no other request on that worker makes
    progress. The rule flags, inside `async def` bodies: `requests` and sync `httpx` calls,
    `urlopen`, `time.sleep`, file I/O without a bound (a file streamed in a loop, iterated,
    copied, or a binary file read whole), `subprocess` and `os.system`, `smtplib`,
    synchronous database drivers (`sqlite3`, `psycopg2`, `pymysql`...), and database calls that
    are not awaited (a sync SQLAlchemy `Session`, also one injected with `Depends`, or the Django
    ORM). Ruff's ASYNC rules cover HTTP, sleep and files; database access is what they miss.

    Left alone: awaited calls, plain `def` endpoints (frameworks run them in a thread pool),
    Flask's `async def` views and their helpers (a module that imports Flask and no async
    framework, or a method of a class based on one such module defines: Flask runs each in an event
    loop of its own, in the thread serving the request),
    coroutines named for start-up (`initialize`, `_init`, `setup`, `on_startup`, `lifespan`: they
    run once, before the service takes requests),
    functions nested in the coroutine (typically handed to `run_in_executor` or
    `asyncio.to_thread`), `AsyncSession.add()`, which does no I/O, a small file touched once
    (a JSON, YAML or ini file read or written whole in text mode, a header of fixed size, a file
    only created, a handle given to a subprocess, an HTTP body or an archive reader, a file of the
    package itself read whole, its path built from `__file__`: a static asset whose size the
    release fixes, a file the coroutine itself wrote a few lines to in text mode and reads back
    whole to hash: microseconds on the loop, unlike ruff's ASYNC230), and packages whose manifest
    (pyproject.toml, setup.py, setup.cfg, requirements.txt) names no async server or bot
    framework outside its development groups (aiohttp counts where the package's code serves with
    `aiohttp.web`: elsewhere it is an HTTP client): their coroutines run in private loops
    (`asyncio.run` in a Celery task or a command), where a blocking call stalls nothing else; so do command-line clients (`cli/`,
    `cli.py`, `__main__.py`), scripts, and coroutines only an operator's code calls (a management
    command's `asyncio.run(sync_all())`, and what only they call)."""

    ID = "BL501"
    PEER_CODES = ("ASYNC210", "ASYNC211", "ASYNC220", "ASYNC221", "ASYNC222", "ASYNC230", "ASYNC251")
    LEVEL = Level.WARNING
    CONFIDENCE = Confidence.HIGH
    CWE = (400,)
    TAGS = ("reliability", "async", "performance")
    MESSAGE = "{call} blocks the event loop inside `async def {function}`; {advice}"
    FIX = """Use the async counterpart (`httpx.AsyncClient`, `asyncio.sleep`, `aiofiles`,
`asyncio.create_subprocess_exec`, `asyncpg`/`aiosqlite`, SQLAlchemy's `AsyncSession`), make the
endpoint a plain `def` so the framework runs it in a thread pool, or move the call off the loop:

```python
rows = await asyncio.to_thread(load_rows, user_id)
```"""
    REFERENCES = (
        "https://fastapi.tiangolo.com/async/#path-operation-functions",
        "https://docs.python.org/3/library/asyncio-dev.html#running-blocking-code",
        "https://docs.astral.sh/ruff/rules/#flake8-async-async",
    )
    PREFILTER = ("async def",)
    TESTS = False

    INVALID = [
        Invalid(
            """
            import requests

            async def weather(city):
                return requests.get(f"https://wttr.in/{city}", timeout=5).text
            """,
            line=4,
            note="A synchronous HTTP call on the event loop.",
        ),
        Invalid(
            """
            import time

            async def retry(job):
                for attempt in range(3):
                    if await job():
                        return True
                    time.sleep(2 ** attempt)
            """,
            line=7,
            note="`time.sleep` stops every coroutine of the process.",
        ),
        Invalid(
            """
            from fastapi import Depends, FastAPI
            from sqlalchemy.orm import Session

            app = FastAPI()

            @app.get("/users/{user_id}")
            async def get_user(user_id: int, db: Session = Depends(get_db)):
                return db.get(User, user_id)
            """,
            line=8,
            note="A sync SQLAlchemy session injected into an async endpoint (ruff misses this).",
        ),
        Invalid(
            """
            import sqlite3

            async def count_users():
                conn = sqlite3.connect("app.db")
                return conn.execute("SELECT count(*) FROM users").fetchone()[0]
            """,
            line=4,
            note="A synchronous database driver.",
        ),
        Invalid(
            """
            async def save_upload(request, path):
                with open(path, "wb") as fh:
                    async for chunk in request.content.iter_chunked(65536):
                        fh.write(chunk)
            """,
            line=2,
            note="An upload of any size written with the builtin `open()`, chunk by chunk, on the loop.",
        ),
        Invalid(
            """
            import hashlib

            async def checksum(path):
                with open(path, "rb") as fh:
                    return hashlib.sha256(fh.read()).hexdigest()
            """,
            line=4,
            note="A binary file of any size read whole on the loop.",
        ),
        Invalid(
            """
            import subprocess

            async def thumbnail(path):
                subprocess.run(["convert", path, "-resize", "200x200", path + ".thumb.png"], check=True)
            """,
            line=4,
            note="Waiting for a subprocess.",
        ),
        Invalid(
            """
            from myapp.models import Article

            async def article_view(request, slug):
                article = Article.objects.get(slug=slug)
                return render(request, "article.html", {"article": article})
            """,
            line=4,
            note="The Django ORM in an async view (use `aget()` or `sync_to_async`).",
        ),
    ]
    VALID = [
        Valid(
            """
            import asyncio
            import json

            async def start(node, command):
                with open(node.settings_path, encoding="utf-8") as fh:
                    settings = json.load(fh)
                with open(node.image, "rb") as fh:
                    header = fh.read(7)
                with open(node.log_path, "w") as log:
                    node.process = await asyncio.create_subprocess_exec(*command, stdout=log)
                return settings, header
            """,
            note="A small settings file read once, a header of fixed size, and a log file handed to the subprocess.",
        ),
        Valid(
            """
            import httpx

            async def weather(city):
                async with httpx.AsyncClient() as client:
                    return (await client.get(f"https://wttr.in/{city}")).text
            """,
            note="An async client, awaited.",
        ),
        Valid(
            """
            import requests

            def weather(city):
                return requests.get(f"https://wttr.in/{city}", timeout=5).text
            """,
            note="A plain `def`: frameworks run it in a thread pool.",
        ),
        Valid(
            """
            import asyncio
            import requests

            async def weather(city):
                def fetch():
                    return requests.get(f"https://wttr.in/{city}", timeout=5).text
                return await asyncio.to_thread(fetch)
            """,
            note="The blocking call runs in a thread.",
        ),
        Valid(
            """
            from sqlalchemy.ext.asyncio import AsyncSession

            async def create(session: AsyncSession, user):
                session.add(user)
                await session.commit()
                return user
            """,
            note="An AsyncSession: `add()` does no I/O and the rest is awaited.",
        ),
        Valid(
            """
            import asyncio

            async def pause():
                await asyncio.sleep(1)
            """,
            note="The async sleep.",
        ),
        Valid(
            """
            import aiofiles

            async def load(path):
                async with aiofiles.open(path) as fh:
                    return await fh.read()
            """,
            note="Async file I/O.",
        ),
        Valid(
            """
            import click

            @click.command()
            @click.argument("path")
            async def upload(path):
                with open(path, "rb") as file:
                    await send_plugin(file)
            """,
            path="botkit/cli/commands/upload.py",
            note="A command-line client runs its own event loop for one user: nothing else waits on it.",
        ),
    ]

    def __init__(self, ctx, options):  # type: ignore[no-untyped-def]
        super().__init__(ctx, options)
        self._reported_receivers: set[tuple[int, str]] = set()

    def _async_function(self) -> cst.FunctionDef | None:
        """The `async def` the current node runs in directly (not through a nested def or lambda)."""
        stack = self.ctx.stack
        for i in range(len(stack) - 2, -1, -1):
            node = stack[i]
            if isinstance(node, cst.Lambda):
                return None
            if isinstance(node, cst.FunctionDef) and stack[i + 1] is node.body:
                return node if node.asynchronous is not None else None
        return None

    def visit_Module(self, node: cst.Module) -> None:
        # A package whose manifest names no async server or bot framework runs its coroutines in
        # private loops (`asyncio.run` in a worker or a command): a blocking call stalls no one else.
        # So does a command-line client (`cli/`, `cli.py`, `__main__.py`, a script): its own loop, one user.
        self._served = self.ctx.project.serves_event_loop(self.ctx.path) is not False and not (
            _COMMAND_LINE.search(self.ctx.path) or self.ctx.is_standalone_script()
        ) and not is_flask_only(self.ctx.text)  # (Flask runs an `async def` view in a loop of its own, per request)

    def visit_Call(self, node: cst.Call) -> None:
        if not self._served or not self.ctx.stack or isinstance(self.ctx.parent(), cst.Await) or self._async_construct(node):
            return
        fn = self._async_function()
        if fn is None or fn.name.value.lstrip("_") in _STARTUP_NAMES:
            return  # `async def initialize(self)`: run once while the service starts, before it takes requests
        if self._flask_handler_method():
            return  # `class ApiFilesGet(ApiHandler)` with `ApiHandler` of a Flask-only module: a Flask view's own loop
        if routes.called_only_by_operators(self.ctx, fn):
            return  # only a command's `asyncio.run(...)` reaches it: its own loop, which nothing else shares
        label = self._blocking(node)
        if label is not None:
            call, advice = label
            self.report(node, call=call, function=fn.name.value, advice=advice)
            # `conn = sqlite3.connect()` is reported once; the calls on `conn` are the same problem.
            parent = self.ctx.parent()
            if isinstance(parent, cst.Assign):
                for target in parent.targets:
                    if isinstance(target.target, cst.Name):
                        self._reported_receivers.add((id(fn), target.target.value))

    def _flask_handler_method(self) -> bool:
        """Inside a class whose base the project defines in a Flask-only module (see
        `ProjectFacts.flask_classes`)."""
        cls = self.ctx.enclosing_class()
        return cls is not None and any(
            (dotted(base.value) or "").rsplit(".", 1)[-1] in self.ctx.project.flask_classes for base in cls.bases)

    def _async_construct(self, call: cst.Call) -> bool:
        """The expression of an `async with` or `async for`: async by construction."""
        stack = self.ctx.stack
        parent = stack[-2] if len(stack) > 1 else None
        grand = stack[-3] if len(stack) > 2 else None
        if isinstance(parent, cst.WithItem) and isinstance(grand, cst.With) and grand.asynchronous is not None:
            return True
        return isinstance(parent, cst.For) and parent.asynchronous is not None and parent.iter is call

    def _unbounded_file_io(self, call: cst.Call) -> bool:
        """Whether the file `open()` returns is read or written without a bound on the loop:
        streamed in a loop (`for chunk in ...: f.write(chunk)`, `for line in f`), copied whole
        (`shutil.copyfileobj`), or a binary file read whole (`open(p, "rb").read()`). A small
        text file read or written once (a JSON, YAML or ini file), a header of fixed size
        (`f.read(512)`), a file only created, or a handle given to a subprocess, an HTTP body
        or an archive reader costs the loop next to nothing."""
        mode = argument(call, 1, "mode")
        binary = "b" in ((string_value(mode) if mode is not None else None) or "")
        path = argument(call, 0, "file")
        if binary and path is not None and _shipped_file(Env.here(self.ctx), path):
            binary = False  # a file of the package itself: its size is fixed by the release, like a text file's
        if binary and isinstance(path, cst.Name) and self._written_here_in_text(path.value):
            binary = False  # `bagit.txt` written above in a few lines, read back to hash: the code's own small file
        parent = self.ctx.parent()
        if isinstance(parent, cst.Attribute):
            grand = self.ctx.stack[-3] if len(self.ctx.stack) > 2 else None
            return binary and parent.attr.value in _WHOLE_READS and isinstance(grand, cst.Call) and not grand.args
        handle: str | None = None
        region: cst.CSTNode | None = None
        if isinstance(parent, cst.WithItem) and isinstance(parent.asname, cst.AsName) and isinstance(parent.asname.name, cst.Name):
            handle = parent.asname.name.value
            region = next((n for n in reversed(self.ctx.stack) if isinstance(n, cst.With)), None)
        elif isinstance(parent, cst.Assign) and len(parent.targets) == 1 and isinstance(parent.targets[0].target, cst.Name):
            handle = parent.targets[0].target.value
            region = self._async_function()
        if handle is None or region is None:
            return False
        return _streams(region, handle, binary, in_loop=False)

    def _written_here_in_text(self, path: str) -> bool:
        """Whether the async function opens `path` for writing in text mode in a `with` whose body
        writes without a loop (`with open(bagit_path, "a") as f: f.write("Bag-Size: ...")`): a file
        of a few lines that the code itself made."""
        fn = self._async_function()
        if fn is None:
            return False
        for node in iter_descendants(fn):
            if not isinstance(node, cst.With):
                continue
            for call in (item.item for item in node.items if isinstance(item.item, cst.Call) and call_name(item.item) == "open"):
                target, mode = argument(call, 0, "file"), argument(call, 1, "mode")
                text = string_value(mode) if mode is not None else None
                if isinstance(target, cst.Name) and target.value == path and text and "b" not in text and set(text) & set("wax") \
                        and not any(isinstance(n, (cst.For, cst.While)) for n in iter_descendants(node.body)):
                    return True
        return False

    def _sync_database(self, env: Env, receiver: cst.BaseExpression, depth: int = 0) -> bool:
        """Evidence that a receiver is a synchronous connection, cursor or session: made by a sync
        driver's `connect()` (or a cursor of one), a sync `Session`, or a parameter annotated so."""
        if depth > 4:
            return False
        for value, venv in assigned_values(env, receiver):
            if isinstance(value, cst.Param):
                ann = routes.annotation_name(value)
                qualified = self.ctx.imports.names.get(ann or "", "")
                if ann in ("Session", "Connection", "Cursor") and "asyncio" not in qualified and not qualified.startswith(("asyncpg", "aiosqlite", "databases")):
                    return True
                continue
            if not isinstance(value, cst.Call):
                continue
            name = qualified_name(self.ctx, value)
            if any(name == f"{d}.connect" for d in _SYNC_DRIVERS) or name in ("sqlalchemy.orm.Session", "sqlmodel.Session"):
                return True
            if isinstance(value.func, cst.Attribute) and value.func.attr.value == "cursor":
                return self._sync_database(venv, value.func.value, depth + 1)
        return False

    def _root_object(self, env: Env, expr: cst.BaseExpression, depth: int = 0) -> str | None:
        """The connection a cursor came from (`cur = conn.cursor()` -> "conn"), else the name itself."""
        name = dotted(expr)
        if depth < 4 and isinstance(expr, cst.Name):
            for value, venv in assigned_values(env, expr):
                if isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute) and value.func.attr.value == "cursor":
                    return self._root_object(venv, value.func.value, depth + 1)
        return name

    def _blocking(self, call: cst.Call) -> tuple[str, str] | None:
        ctx = self.ctx
        name = qualified_name(ctx, call)
        if name in _BLOCKING_FUNCTIONS:
            return _BLOCKING_FUNCTIONS[name], "use its async counterpart or run it in a thread"
        if isinstance(call.func, cst.Name) and call.func.value == "open" and "open" not in ctx.imports.names:
            if not self._unbounded_file_io(call):
                return None
            return "`open()`", "use aiofiles or run the file I/O in a thread"
        if (name.startswith("requests.") and name.rsplit(".", 1)[-1] in _SENDING) or (
                name.startswith("httpx.") and name.rsplit(".", 1)[-1] in ("get", "post", "put", "patch", "delete", "head", "request", "stream")):
            return f"`{name}()`", "use `httpx.AsyncClient` (awaited)"
        if any(name == f"{d}.connect" for d in _SYNC_DRIVERS):
            return f"`{name}()`", "use an async driver or make the endpoint a plain `def`"
        func = call.func
        if not isinstance(func, cst.Attribute):
            return None
        env = Env.here(ctx)
        op = database.data_op(ctx, call, env) if not database.is_chain_link(ctx.stack) else None
        if op is not None and func.attr.value not in _NO_IO_METHODS:
            methods = database.chain_methods(call)
            root = database.chain_root(call)
            if database._is_manager(root):
                if not methods or methods[0] not in _DJANGO_EVALUATING:
                    return None  # a lazy queryset: nothing runs until it is evaluated
            elif not self._sync_database(env, root):
                return None  # nothing says the connection or session is a synchronous one
            key = (id(self._async_function()), self._root_object(env, database.chain_root(func.value)) or op.label)
            if key in self._reported_receivers:
                return None
            self._reported_receivers.add(key)
            return f"{op.label} (not awaited)", "use an async session or driver, or make the endpoint a plain `def`"
        if func.attr.value in _LOCAL_CLIENT_METHODS:
            return None  # `s3.generate_presigned_url(...)`: signed in the process, no request sent
        for value, _ in assigned_values(env, func.value):
            if isinstance(value, cst.Call):
                factory = qualified_name(ctx, value)
                if factory in _SYNC_CLIENT_FACTORIES:
                    return f"`{ctx.code(func)}()` on a `{factory}` client", "use the async client, awaited"
        return None
