from __future__ import annotations

import builtins
import re
from typing import TYPE_CHECKING

import libcst as cst

from backlint.findings import Confidence, Level
from backlint.frameworks import routes
from backlint.frameworks.flow import DefKind
from backlint.frameworks.project import is_operator_path
from backlint.frameworks.values import Env, assigned_values, qualified_name
from backlint.rule import Edit, FixSpec, Invalid, Rule, Valid
from backlint.syntax import keyword_arg, literal_start, positional_arg, string_value, unused_local_function

if TYPE_CHECKING:
    from backlint.analysis import FileContext

_VERBS = frozenset({"get", "post", "put", "patch", "delete", "head", "options", "request"})
_SESSION_FACTORIES = frozenset({"requests.Session", "requests.session", "requests.sessions.Session"})
_HTTPX_CLIENTS = frozenset({"httpx.Client", "httpx.AsyncClient"})
_URLOPEN = frozenset({"urllib.request.urlopen", "urllib2.urlopen", "six.moves.urllib.request.urlopen"})
_HTTP_CONNECTIONS = frozenset({"http.client.HTTPConnection", "http.client.HTTPSConnection"})


def _is_none(expr: cst.BaseExpression | None) -> bool:
    return isinstance(expr, cst.Name) and expr.value == "None"


def _has_kwargs(call: cst.Call) -> bool:
    return any(a.star == "**" for a in call.args)


class RequestWithoutTimeout(Rule):
    """An outbound HTTP call has no timeout.

    `requests` waits forever by default: one slow or silent upstream service holds a worker
    thread (and the client's request) until something else kills it, and a few of them take the
    whole service down. The rule flags `requests` calls (module functions and `requests.Session`
    objects) without `timeout=`, `urllib.request.urlopen` and `http.client` connections without a
    timeout, and synchronous `httpx` calls or clients given `timeout=None` (httpx has a 5 s
    default, so only switching it off is flagged).

    Left alone: calls that pass `timeout` (any value but `None` for sync httpx), `timeout=None` on
    `httpx.AsyncClient` and awaited calls (no thread waits, and the caller bounds the coroutine
    with `asyncio.wait_for` or `asyncio.timeout`, which is why it is switched off), calls that forward
    `**kwargs` (which may carry it), aiohttp (5 minute default), sessions of your own classes
    (which may set a default in an adapter; also one bound to the name `requests`:
    `requests = RequestSession()`, or a parameter so named), a `requests.Session` given an adapter
    of your own that handles timeouts (`session.mount(url, TimeoutHTTPAdapter(30))`, the usual way
    to set a default timeout), `requests` calls in a project that patches `requests.Session.request` with a wrapper
    filling in a timeout (`kwargs.setdefault("timeout", 10)`), `urlopen` and `http.client` in a project that sets a
    process-wide socket timeout (`socket.setdefaulttimeout(30)`: they use it; `requests` does not),
    plugins of developer tools (a module built on `gitlint`, `pylint`, `flake8`, `sphinx`, `mkdocs`:
    it runs in a developer's terminal or a CI job), probes of `localhost` and reads of the cloud instance's metadata service
    (`http://metadata.google.internal/...`, `169.254.169.254`, answered by the host itself), and standalone scripts (in
    scripts/, tools/, bin/..., a top-level samples/, or run as `__main__` or as a click/typer program of its own without
    a web framework, or whose top-level code asks its user with `input()`), Django management
    commands, modules of a command-line package (`cli/`, `commands/`), seed modules, schema migrations, click or typer commands wherever they live, and functions that
    only such commands and scripts call (by name, across the scan; also what only the `__main__` block of a
    module that serves nothing calls, a job run as `python report.py`): an operator's
    process, which its operator can interrupt, where no server worker waits. So are fragments that
    could not be imported as they stand (a class deriving from a name the file neither defines nor
    imports: a payload pasted into a template and shipped elsewhere)."""

    ID = "BL502"
    PEER_CODES = ("S113", "B113", "W3101", "missing-timeout")
    TESTS = False
    LEVEL = Level.WARNING
    CONFIDENCE = Confidence.HIGH
    CWE = (400,)
    TAGS = ("reliability", "http")
    MIGRATIONS = False  # run once by an operator, who can interrupt it
    MESSAGE = "{call} has no timeout: a slow upstream blocks this worker indefinitely"
    FIX = """Pass a timeout on every outbound call (connect and read, in seconds), and handle the
timeout error:

```python
resp = requests.get(url, timeout=10)
resp = requests.post(url, json=body, timeout=(3.05, 27))
client = httpx.Client(timeout=10)
```"""
    REFERENCES = (
        "https://requests.readthedocs.io/en/latest/user/advanced/#timeouts",
        "https://www.python-httpx.org/advanced/timeouts/",
    )
    PREFILTER = ("requests", "httpx", "urlopen", "HTTPConnection", "HTTPSConnection")

    INVALID = [
        Invalid(
            """
            import requests

            def rates():
                return requests.get("https://api.example.org/rates").json()
            """,
            line=4,
            note="requests waits forever without a timeout.",
        ),
        Invalid(
            """
            from requests import post

            def notify(url, payload):
                post(url, json=payload)
            """,
            line=4,
            note="Imported under its own name.",
        ),
        Invalid(
            """
            import requests

            class Billing:
                def __init__(self):
                    self.http = requests.Session()

                def charge(self, order):
                    return self.http.post("https://billing.internal/charge", json=order)
            """,
            line=8,
            note="A requests.Session has no default timeout either.",
        ),
        Invalid(
            """
            import httpx

            def fetch(url):
                with httpx.Client(timeout=None) as client:
                    return client.get(url).text
            """,
            line=4,
            note="httpx times out after 5 s unless told not to.",
        ),
        Invalid(
            """
            from urllib.request import urlopen

            def download(url):
                with urlopen(url) as resp:
                    return resp.read()
            """,
            line=4,
            note="urlopen without a timeout uses the socket default: none.",
        ),
        Invalid(
            """
            import requests

            def ping(urls):
                with requests.Session() as s:
                    for url in urls:
                        s.head(url, allow_redirects=True)
            """,
            line=6,
            note="A session opened in a with statement.",
        ),
    ]
    VALID = [
        Valid(
            """
            from requests.exceptions import RequestException
            from notifier.utils.http import Session as RequestSession

            requests = RequestSession(max_retries=3)

            def notify(server, notification, client):
                requests.post(server, json=notification)
                return client.requests.get(server)

            def parse(url, requests):
                return requests.get(url)
            """,
            note="`requests` bound to the project's own session (an instance, a parameter): not the library, "
            "and its class may set a default timeout.",
        ),
        Valid(
            """
            import click
            import requests

            def cli_commands(server_url):
                @click.command("request-key")
                @click.argument("app")
                def request_key(app):
                    response = requests.post(f"{server_url}/plugin/appkeys/request", json={"app": app})
                    click.echo(response.json()["auth_dialog"])

                return [request_key]
            """,
            note="A click command, even one a plugin defines: it runs in its user's terminal, who can press Ctrl-C.",
        ),
        Valid(
            """
            import requests

            def rates():
                return requests.get("https://api.example.org/rates", timeout=5).json()
            """,
            note="A timeout is given.",
        ),
        Valid(
            """
            import requests

            def call(method, url, **kwargs):
                return requests.request(method, url, **kwargs)
            """,
            note="`**kwargs` may carry the timeout: the caller decides.",
        ),
        Valid(
            """
            import httpx

            async def fetch(url):
                async with httpx.AsyncClient() as client:
                    return (await client.get(url)).text

            async def pay(url, invoice):
                async with httpx.AsyncClient() as client:
                    return await client.post(url, json=invoice, timeout=None)
            """,
            note="httpx's default 5 s timeout applies; an awaited call without one is bounded by its caller.",
        ),
        Valid(
            """
            def lookup(cache, session, key):
                cache.get(key)
                return session.get(User, key)
            """,
            note="`get` on objects that are not HTTP clients (a cache, an ORM session).",
        ),
        Valid(
            """
            import aiohttp

            async def fetch(url):
                async with aiohttp.ClientSession() as session:
                    async with session.get(url) as resp:
                        return await resp.text()
            """,
            note="aiohttp has a default total timeout.",
        ),
        Valid(
            """
            import requests
            from django.core.management.base import BaseCommand

            class Command(BaseCommand):
                def handle(self, *args, **options):
                    for row in requests.get(options["feed"]).json():
                        import_row(row)
            """,
            path="catalog/management/commands/import_feed.py",
            note="A Django management command: an operator's process, which its operator can interrupt; no server worker waits.",
        ),
        Valid(
            """
            from urllib.request import urlopen

            def download(url):
                with urlopen(url, timeout=15) as resp:
                    return resp.read()
            """,
            note="urlopen with a timeout.",
        ),
    ]

    def visit_Module(self, node: cst.Module) -> None:
        self._script = self.ctx.is_standalone_script() or is_operator_path(self.ctx.path) or _fragment(self.ctx) \
            or self.ctx.imports.imports_any(_DEV_TOOL_APIS) or self.ctx.project.operator_module(self.ctx.path)

    def visit_Call(self, node: cst.Call) -> None:
        if self._script or _local_url(self.ctx, node):
            return
        # Only names whose head was imported: `requests = RequestSession()` or a parameter named
        # `requests` is the project's own client, which may set its own default timeout.
        name = self.ctx.imports.qualify(node.func) or ""
        func = node.func
        if name.startswith("requests.") and name.rsplit(".", 1)[-1] in _VERBS:
            if not self.ctx.project.requests_default_timeout:  # (patched `Session.request` fills one in)
                self._missing(node, f"`{name}()`")
        elif name in _URLOPEN:
            if keyword_arg(node, "timeout") is None and positional_arg(node, 2) is None and not self._socket_default():
                self._missing(node, "`urlopen()`")
        elif name in _HTTP_CONNECTIONS:
            if keyword_arg(node, "timeout") is None and positional_arg(node, 2) is None and not self._socket_default():
                self._missing(node, f"`{name.rsplit('.', 1)[-1]}()`")
        elif name in _HTTPX_CLIENTS or (name.startswith("httpx.") and name.rsplit(".", 1)[-1] in _VERBS):
            if name != "httpx.AsyncClient":
                self._explicit_none(node, f"`{name}()`")
        elif isinstance(func, cst.Attribute) and func.attr.value in _VERBS:
            factory = self._client_factory(func.value)
            if factory in _SESSION_FACTORIES and not self._adapter_mounted(func.value) and not self.ctx.project.requests_default_timeout:
                self._missing(node, f"`{self.ctx.code(func)}()` on a requests.Session")
            elif factory == "httpx.Client":
                self._explicit_none(node, f"`{self.ctx.code(func)}()`")

    def _socket_default(self) -> bool:
        """The project sets a process-wide socket timeout, which `urlopen` and `http.client` use."""
        return self.ctx.project.default_socket_timeout

    def _client_factory(self, receiver: cst.BaseExpression) -> str | None:
        env = Env.here(self.ctx)
        for value, venv in assigned_values(env, receiver):
            if isinstance(value, cst.Call):
                name = qualified_name(self.ctx, value)
                if name in _SESSION_FACTORIES or name in _HTTPX_CLIENTS:
                    return name
        return None

    def _adapter_mounted(self, receiver: cst.BaseExpression) -> bool:
        """The session got an adapter of the project's own that handles timeouts (`session.mount(url,
        TimeoutHTTPAdapter(30))`) in the class (for `self.session`) or function that uses it: the
        usual way to give every request a default timeout."""
        code = self.ctx.code(receiver)
        holder = (self.ctx.enclosing_class() if code.startswith("self.") else self.ctx.function()) or self.ctx.module
        mounted: set[str] = self.ctx.memo(("project-adapters", id(holder)), lambda: self._project_adapters(self.ctx.code(holder)))
        return "".join(code.split()) in mounted

    def _project_adapters(self, code: str) -> set[str]:
        """The receivers of `x.mount(prefix, Adapter(...))` calls in `code` whose adapter is a
        class of the project that handles timeouts (see `ProjectFacts.timeout_adapters`)."""
        found: set[str] = set()
        if ".mount(" not in code:
            return found
        adapters = self.ctx.project.timeout_adapters
        for m in _MOUNT.finditer(code):
            if m.group("adapter").rsplit(".", 1)[-1] in adapters:
                found.add(m.group("receiver"))
        return found

    def _missing(self, call: cst.Call, label: str) -> None:
        if keyword_arg(call, "timeout") is not None or _has_kwargs(call) or self._in_command() or unused_local_function(self.ctx.stack):
            return
        fix = None
        if call.args and not any(a.star for a in call.args):
            fix = FixSpec("Add timeout=10", (Edit(call.args[-1].value, ", timeout=10", "after"),))
        self.report(call, call=label, fix=fix)

    def _in_command(self) -> bool:
        """Inside a click or typer command (wherever its module lives), or a function only an
        operator's code calls (a management command, a command-line module): a terminal's
        process, which its user can interrupt; no server worker waits on it."""
        return any(isinstance(n, cst.FunctionDef) and ((routes.cli_command(n) and n.name.value != "handle")
                                                       or routes.called_only_by_operators(self.ctx, n))
                   for n in self.ctx.stack)

    def _explicit_none(self, call: cst.Call, label: str) -> None:
        arg = keyword_arg(call, "timeout")
        if arg is not None and _is_none(arg.value):
            self.report(
                call,
                f"{label} switches the timeout off (`timeout=None`): a slow upstream blocks this worker indefinitely",
                fix=FixSpec("Use a 10 second timeout", (Edit(arg.value, "10"),)),
            )




_DEV_TOOL_APIS = ("gitlint", "pylint", "flake8", "pre_commit", "sphinx", "mkdocs", "nox")
"""Plugin APIs of developer tools: a module built on one (a gitlint rule, a Sphinx extension) runs
in a developer's terminal or a CI job, not in the service."""


def _fragment(ctx: FileContext) -> bool:
    """A module that could not be imported as it stands: a class of its top level derives from a
    name it neither defines nor imports (and no `import *` could bind it). It is a fragment the
    project pastes into other code (a payload rendered from a template, shipped elsewhere), not
    one of the service's modules."""
    if "import *" in ctx.text:
        return False
    scope = ctx.module_scope()
    return any(
        isinstance(base.value, cst.Name) and not scope.definitions(base.value.value)
        and not hasattr(builtins, base.value.value)
        for stmt in ctx.module.body if isinstance(stmt, cst.ClassDef) for base in stmt.bases
    )


def _local_url(ctx: FileContext, call: cst.Call) -> bool:
    """A URL on this machine (a health probe of the local service, a local exporter; the cloud
    instance's metadata service): a literal, a `urllib.request.Request` made of one,
    a module constant bound once to one (`METRICS_URL = "http://127.0.0.1:9101/metrics"`), or one
    whose literal start names the host (`f"http://localhost:{port}/version"`, `"http://127.0.0.1:%d" % port`,
    `"http://localhost:{0}/".format(port)`)."""
    if not call.args:
        return False
    value = call.args[0].value
    if isinstance(value, cst.Name) and not value.value.isupper():
        # `req = urllib.request.Request(url, None, headers)`, then `urlopen(req)`: the request's URL
        built = [v for v, _ in assigned_values(Env.here(ctx), value) if v is not value]
        if len(built) == 1 and isinstance(built[0], cst.Call) and (qualified_name(ctx, built[0]) or "").endswith("Request") \
                and built[0].args:
            value = built[0].args[0].value
    if isinstance(value, cst.Name) and value.value.isupper():
        bound = ctx.module_scope().definitions(value.value)
        if len(bound) == 1 and bound[0].kind is DefKind.ASSIGN and bound[0].value is not None:
            value = bound[0].value
    url = string_value(value)
    if url is not None:
        return bool(_LOCAL_URL.match(url + "/"))
    start = literal_start(value)
    return start is not None and bool(_LOCAL_URL.match(start))


_MOUNT = re.compile(r"(?P<receiver>[A-Za-z_][\w.]*)\.mount\([^,()]*(?:\([^()]*\))?[^,()]*,\s*(?P<adapter>[A-Za-z_][\w.]*)\(")
"""`session.mount(prefix, Adapter(` on one line (the receiver and the adapter's class)."""
_LOCAL_URL = re.compile(r"https?://(localhost|127\.0\.0\.1|\[::1\]|0\.0\.0\.0|metadata\.google\.internal|169\.254\.169\.254)[:/]")
"""This machine, or the cloud instance's metadata service, which the host itself answers (the
link-local `169.254.169.254`, `metadata.google.internal`)."""

