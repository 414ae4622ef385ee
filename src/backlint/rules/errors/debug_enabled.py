from __future__ import annotations

import re
from typing import Any, Mapping

import libcst as cst

from backlint.findings import Confidence, Level
from backlint.frameworks import secrets
from backlint.frameworks.imports import dotted
from backlint.frameworks.project import is_dev_path, is_template_path
from backlint.frameworks.values import Env, assigned_values, qualified_name
from backlint.rule import Edit, FixSpec, Invalid, Rule, Valid
from backlint.syntax import call_name, iter_descendants, keyword_arg, name_parts, overrides_follow, string_value

# Files and classes meant for development: debug there is the point.
_DEV_NAME = re.compile(r"(^|[/_.-])(dev|devel|develop|development|local|locals|test|tests|testing|unittest|unittests|pytest|debug|ci)([/_.-]|$)", re.I)


_STAND_IN = re.compile(r"(^|/)(docker|containers?|mocks?|stubs?|fakes?)/(?:[^/]+/)*[^/]+\.py$")
"""A module in a container's or a stand-in's folder (`docker/stuf-zds/app.py`, `ops/containers/sso-mock/app.py`,
`mocks/payment.py`): a mock of a third-party service that docker-compose starts for local testing,
not the application."""


def _module_name(path: str) -> str:
    """The module's own name: the file's, or its package's for an `__init__.py`
    (`settings/debug/__init__.py` is the module `settings.debug`)."""
    parts = path.rsplit("/", 2)
    stem = parts[-1].rsplit(".", 1)[0]
    return parts[-2] if stem == "__init__" and len(parts) > 1 else stem
_DEV_CLASS = re.compile(r"^(Dev|Devel|Develop|Development|Local|Test|Testing|Debug|Migration|Migrations)"
                        r"|(Dev|Development|Local|Test|Testing|Debug|Migration|Migrations)(Config|Settings|Configuration)?$")
"""Configuration classes for development, tests, or a migration run (`MigrationConfig`: the process
that upgrades the schema serves no client)."""
_DEV_PURPOSE = re.compile(r"\b(dev|development|local|tests?|testing|build|building|migrations?)\b", re.I)
"""What a configuration class's docstring says it is for, when not for serving clients."""


def _for_development(cls: cst.ClassDef) -> bool:
    """A configuration class whose docstring's first line says it is for development, tests, the
    image's build or a migration run (`class Docker: \"\"\"Settings for local Docker development.\"\"\"`)."""
    doc = cls.get_docstring()
    return doc is not None and _DEV_PURPOSE.search(doc.strip().split("\n", 1)[0]) is not None


_SETTINGS_MARKERS = re.compile(r"^\s*(INSTALLED_APPS|ROOT_URLCONF|MIDDLEWARE|ALLOWED_HOSTS|DATABASES|WSGI_APPLICATION)\s*=", re.M)
_APP_CLASSES = frozenset({"fastapi.FastAPI", "starlette.applications.Starlette", "starlette.Starlette", "quart.Quart", "sanic.Sanic"})
_WEB_FRAMEWORKS = ("flask", "fastapi", "django", "rest_framework", "starlette", "aiohttp", "quart", "sanic", "litestar",
                   "tornado", "falcon", "bottle", "pyramid", "werkzeug")
"""A module importing none of these sets no web application's debug mode on `self`."""
_ENV_READERS = frozenset({"getenv", "get", "bool", "config", "env"})


_SWITCH_WORDS = frozenset({"debug", "dev", "development", "develop", "local"})


def _loopback(run: cst.Call) -> bool:
    """`app.run(...)` listening on this machine only: no host (Flask's, Bottle's and
    Flask-SocketIO's servers default to 127.0.0.1) or a loopback one."""
    host = keyword_arg(run, "host") or (run.args[0] if run.args and run.args[0].keyword is None
                                        and string_value(run.args[0].value) is not None else None)
    return host is None or string_value(host.value) in secrets.LOOPBACK_HOSTS


def _debug_switch(test: cst.BaseExpression) -> bool:
    """A test about the development mode: a name or call saying debug or dev, or a comparison with "dev"."""
    if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
        return False  # `if not debug:` guards the production branch
    for n in [test, *iter_descendants(test)]:
        if isinstance(n, cst.Name) and set(name_parts(n.value)) & _SWITCH_WORDS:
            return True
        if isinstance(n, cst.SimpleString) and (string_value(n) or "").lower() in _SWITCH_WORDS:
            return True
    return False


def _env_reader(name: str) -> bool:
    """`getenv`, `env.bool`, `config`, `get_bool_env`...: a function reading the environment, by its name."""
    return name in _ENV_READERS or name.startswith(("getenv", "get_bool", "env_bool"))


def _env_read(expr: cst.BaseExpression) -> bool:
    """A read of an environment variable (`env.bool("X", default=False)`, `os.getenv("X")`)."""
    if not isinstance(expr, cst.Call):
        return False
    name = call_name(expr) or ""
    first = expr.args[0].value if expr.args else None
    var = string_value(first) if first is not None else None
    return _env_reader(name) and var is not None and var.isupper()


_APPLICATION_WORDS = frozenset({"app", "application", "api", "server", "site", "web", "flask", "service", "asgi", "wsgi"})


def _truthy(expr: cst.BaseExpression | None) -> bool:
    """`True`, `1`, `"true"`: a switch turned on. (`DEBUG = 10` beside `INFO = 20` is a level.)"""
    if isinstance(expr, cst.Name):
        return expr.value == "True"
    if isinstance(expr, cst.Integer):
        return expr.value == "1"
    value = string_value(expr) if expr is not None else None
    return value is not None and value.strip().lower() in ("1", "true", "yes", "on")


def _env_default_truthy(expr: cst.BaseExpression | None) -> bool:
    """`env.bool("DEBUG", default=True)`, `os.getenv("DEBUG", "True") == "True"` and alike."""
    if isinstance(expr, cst.Comparison) and len(expr.comparisons) == 1:
        return _env_default_truthy(expr.left)
    if isinstance(expr, cst.Call):
        name = (call_name(expr) or "")
        if _env_reader(name):
            default = keyword_arg(expr, "default")
            positional = [a.value for a in expr.args if a.keyword is None]
            value = default.value if default is not None else (positional[1] if len(positional) > 1 else None)
            return _truthy(value)
        if name in ("bool", "strtobool", "literal_eval", "int") and expr.args:
            return _env_default_truthy(expr.args[0].value)
    return False


class DebugEnabled(Rule):
    """A web framework runs in debug mode outside development settings.

    Debug mode sends stack traces, local variables, settings and SQL to anyone who triggers an
    error; Flask's debugger even runs code typed into the error page. The rule flags
    `app.run(host="0.0.0.0", debug=True)` (a server any machine can reach), `app.debug = True`, `app.config["DEBUG"] = True` and
    `app.config.update(DEBUG=True)` (Flask, Quart), `FastAPI(debug=True)` and
    `Starlette(debug=True)`, and `DEBUG = True` (or `1`; `DEBUG = 10` beside `INFO = 20` is a
    level) in Django settings modules and configuration classes, wherever they live, including debug flags that default to true when the
    environment says nothing (`env.bool("DEBUG", default=True)`).

    Left alone: settings files and configuration classes meant for development or tests
    (`settings/dev.py`, `local_settings.py`, `runserver.py`, `class DevelopmentConfig`; also `class MigrationConfig`, selected to run schema migrations, a
    process that serves no client, and a class whose docstring's first line says it is for development, tests, the
    image's build or a migration run: `\"\"\"Settings when building the docker image.\"\"\"`), templates of
    settings files copied before use (`settings/staging_example.py`), base settings modules
    whose `DEBUG` a production module that star-imports them sets again, or that end by
    star-importing an overrides module written at deployment (`from .overrides import *`, or
    running one into their namespace: `exec(f.read(), globals())`), a base configuration class
    whose production subclass in the same module sets `DEBUG = False` again, debug
    read from the environment with a false default, a development server left on the loopback
    address (`app.run(debug=True)` without a host listens on 127.0.0.1; also `app.debug = True` in the
    function that then starts it so), code under a development switch
    (`if in_debug_mode():`, `if settings.DEBUG:`, `if mode == "dev":`), a module whose top-level code starts a
    development server on the loopback address unconditionally (`setup_profiling(app); app.run(debug=True)`: a
    launcher run by hand, which no server imports), or code under an option the
    environment turns on, off by default (`if ENABLE_DB_LOGGING:` with `ENABLE_DB_LOGGING =
    env.bool("ENABLE_DB_LOGGING", default=False)`), the `debug` flag of an imported module
    (`import testsuite.web; testsuite.web.debug = True`: the module's own switch, not an
    application's) or of a worker object in a module that imports no web framework (`module =
    Crawler()`, `module.debug = True`; not `app = create_app()` nor an object of a class named for
    an application or server), a section of a traitlets configuration file (`c = get_config()`,
    `c.DockerSpawner.debug = True`: JupyterHub's component logging), and test code."""

    ID = "BL203"
    PEER_CODES = ("S201", "B201")
    LEVEL = Level.ERROR
    CONFIDENCE = Confidence.HIGH
    CWE = (489, 215)
    SECURITY_SEVERITY = 7.5
    TAGS = ("security", "configuration")
    TESTS = False
    MESSAGE = "{what}: stack traces and internals are shown to clients; read the flag from configuration, off by default"
    FIX = """Read the flag from the environment, off unless asked for, and keep `debug=True` to
development settings:

```python
app.run(debug=os.environ.get("FLASK_DEBUG") == "1")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
```"""
    REFERENCES = (
        "https://flask.palletsprojects.com/en/stable/debugging/",
        "https://docs.djangoproject.com/en/stable/ref/settings/#debug",
        "https://cwe.mitre.org/data/definitions/489.html",
    )
    PREFILTER = ("debug", "DEBUG", "Debug")

    INVALID = [
        Invalid(
            """
            from flask import Flask
            app = Flask(__name__)

            if __name__ == "__main__":
                app.run(host="0.0.0.0", debug=True)
            """,
            line=5,
            note="Flask's debugger on every interface.",
        ),
        Invalid(
            """
            from fastapi import FastAPI
            app = FastAPI(title="orders", debug=True)
            """,
            line=2,
            note="FastAPI returns tracebacks in error responses.",
        ),
        Invalid(
            """
            import os
            BASE_DIR = os.path.dirname(__file__)
            DEBUG = True
            ALLOWED_HOSTS = ["*"]
            INSTALLED_APPS = ["django.contrib.admin"]
            """,
            line=3,
            path="project/config/base.py",
            note="A Django settings module, wherever it lives.",
        ),
        Invalid(
            """
            import environ
            env = environ.Env()
            DEBUG = env.bool("DJANGO_DEBUG", default=True)
            ROOT_URLCONF = "config.urls"
            """,
            line=3,
            path="config/settings.py",
            note="On unless the environment turns it off.",
        ),
        Invalid(
            """
            from flask import Flask
            app = Flask(__name__)
            app.config["DEBUG"] = True
            """,
            line=3,
            note="Set through the config mapping.",
        ),
        Invalid(
            """
            class ProductionConfig:
                SQLALCHEMY_DATABASE_URI = "postgresql:///shop"
                DEBUG = True
            """,
            line=3,
            note="A configuration class that is not for development.",
        ),
    ]
    VALID = [
        Valid(
            """
            from app import create_app

            app = create_app()

            if __name__ == "__main__":
                app.run(debug=True, host="127.0.0.1", port=4000)
            """,
            path="serve.py",
            note="A development server bound to the loopback address: the debugger answers only on this machine.",
        ),
        Valid(
            """
            from flask import Flask, jsonify

            app = Flask(__name__)

            @app.route("/api/v1/zaken", methods=["POST"])
            def create_case():
                return jsonify({"url": "http://mock/zaken/1"}), 201

            if __name__ == "__main__":
                app.run(host="0.0.0.0", port=80, debug=True)
            """,
            path="docker/zgw-mock/app.py",
            note="A stand-in for a third-party service in a container's folder (`docker/`, `containers/`, `mocks/`), which "
                 "docker-compose starts for local testing: not the application.",
        ),
        Valid(
            """
            from flask import Flask

            app = Flask(__name__)

            if __name__ == "__main__":
                app.run(debug=True)
            """,
            path="app.py",
            note="No host: Flask's development server listens on 127.0.0.1 (production runs the app under gunicorn).",
        ),
        Valid(
            """
            from app import create_app

            def local_main():
                app = create_app()
                app.debug = True
                app.run(port=7777)

            if __name__ == "__main__":
                local_main()
            """,
            path="server.py",
            note="The flag of the development server the same function starts on the loopback address.",
        ),
        Valid(
            """
            import os
            from flask import Flask
            app = Flask(__name__)
            app.run(debug=os.environ.get("FLASK_DEBUG") == "1")
            """,
            note="Read from the environment, off by default.",
        ),
        Valid(
            """
            DEBUG = True
            INSTALLED_APPS = ["debug_toolbar"]
            """,
            path="project/settings/dev.py",
            note="Development settings.",
        ),
        Valid(
            """
            class DevelopmentConfig:
                DEBUG = True

            class ProductionConfig:
                DEBUG = False
            """,
            note="A development configuration class.",
        ),
        Valid(
            """
            import environ
            env = environ.Env()
            DEBUG = env.bool("DJANGO_DEBUG", default=False)
            ROOT_URLCONF = "config.urls"
            """,
            path="config/settings.py",
            note="Off unless the environment turns it on.",
        ),
        Valid(
            """
            import os

            if os.environ.get("APP_DEBUG", "False").lower() == "true":
                DEBUG = True
            else:
                DEBUG = False
            ROOT_URLCONF = "app.urls"
            """,
            path="app/settings.py",
            note="Set under a test of an environment variable, off by default.",
        ),
        Valid(
            """
            import logging
            logging.basicConfig(level=logging.DEBUG)
            DEBUG_SQL = True
            """,
            note="Log levels and other flags named like debug are not the framework's debug mode.",
        ),
        Valid(
            """
            from fastapi import FastAPI
            from app.settings import settings
            app = FastAPI(debug=settings.debug)
            """,
            note="Taken from settings.",
        ),
        Valid(
            """
            from fastapi import FastAPI

            from app.config import in_debug_mode

            if in_debug_mode():
                app = FastAPI(debug=True)
            else:
                app = FastAPI(docs_url=None)
            """,
            path="app/main.py",
            note="Debug switched on only when the configuration says so (`if in_debug_mode():`, `if mode == \"dev\":`).",
        ),
        Valid(
            """
            import warnings

            import environ

            env = environ.Env()
            DEBUG = env.bool("DEBUG", default=False)
            INSTALLED_APPS = ["django.contrib.auth", "shop"]
            ENABLE_DB_LOGGING = env.bool("DJANGO_ENABLE_DB_LOGGING", default=False)
            if ENABLE_DB_LOGGING:
                if not DEBUG:
                    warnings.warn("DB logging needs DEBUG")
                    DEBUG = True
            """,
            path="shop/settings/common.py",
            note="Debug turned on only under an option the environment switches on, off by default: the operator asks for it.",
        ),
        Valid(
            """
            from core.settings import *

            DEBUG = True
            ALLOWED_HOSTS = ["*"]
            """,
            path="core/settings/debug/__init__.py",
            note="A settings package named for development (`settings.debug`, `settings.pytest`): debug there is the point.",
        ),
    ]

    def __init__(self, ctx: Any, options: Mapping[str, Any]) -> None:
        super().__init__(ctx, options)
        self._classes: list[cst.ClassDef] = []
        path = ctx.path
        self._dev_file = bool(_DEV_NAME.search(_module_name(path))) or bool(
            re.search(r"(^|/)(dev|development|local|test|tests|testing)/", path)
        ) or is_dev_path(path) or is_template_path(path) or _STAND_IN.search(path) is not None
        # (`staging_example.py`: copied and filled in)
        self._settings_module = bool(_SETTINGS_MARKERS.search(ctx.text))

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self._classes.append(node)

    def leave_ClassDef(self, node: cst.ClassDef) -> None:
        self._classes.pop()

    def _development_context(self) -> bool:
        return self._dev_file or any(_DEV_CLASS.search(c.name.value) or _for_development(c) for c in self._classes) \
            or self._under_debug_switch() or self.ctx.memo("BL203-local-launcher", self._local_launcher)

    def _local_launcher(self) -> bool:
        """A module whose top-level code starts a development server on the loopback address,
        unconditionally (`app = create_app(); setup_profiling(app); app.run(debug=True)`): importing
        it would block, so no server imports it; it is a developer's launcher, run by hand."""
        for statement in self.ctx.module.body:
            if isinstance(statement, cst.SimpleStatementLine):
                for small in statement.body:
                    call = small.value if isinstance(small, cst.Expr) else None
                    if isinstance(call, cst.Call) and isinstance(call.func, cst.Attribute) and call.func.attr.value == "run" \
                            and _loopback(call):
                        return True
        return False

    def _under_debug_switch(self) -> bool:
        """Inside the true branch of `if in_debug_mode():`, `if settings.DEBUG:` or `if mode == "dev":`:
        the configuration already decides."""
        stack = self.ctx.stack
        for i in range(len(stack) - 2, -1, -1):
            node = stack[i]
            if isinstance(node, cst.If) and stack[i + 1] is node.body and (_debug_switch(node.test) or self._env_switch(node.test)):
                return True
        return False

    def _env_switch(self, test: cst.BaseExpression) -> bool:
        """`if ENABLE_DB_LOGGING:` where `ENABLE_DB_LOGGING = env.bool("...", default=False)`: an
        option the environment turns on, off unless the operator asks for it."""
        if isinstance(test, cst.Name):
            definitions = list(self.ctx.module_scope().definitions(test.value))
            return bool(definitions) and all(d.value is not None and _env_read(d.value) and not _env_default_truthy(d.value) for d in definitions)
        if (
            isinstance(test, cst.Comparison) and len(test.comparisons) == 1
            and isinstance(test.comparisons[0].operator, cst.Equal) and _truthy(test.comparisons[0].comparator)
        ):
            # `os.environ.get("APP_DEBUG", "False").lower() == "true"`: on only when the variable says so
            test = test.left
            while (isinstance(test, cst.Call) and not test.args and isinstance(test.func, cst.Attribute)
                   and test.func.attr.value in ("lower", "upper", "strip", "casefold")):
                test = test.func.value
        return _env_read(test) and not _env_default_truthy(test)

    def _report(self, node: cst.CSTNode, what: str, value: cst.BaseExpression | None = None) -> None:
        fix = None
        if value is not None and isinstance(value, cst.Name) and value.value == "True" and "os" in self.ctx.imports.names:
            fix = FixSpec("Read debug from the environment", (Edit(value, 'os.environ.get("APP_DEBUG") == "1"'),))
        self.report(node, what=what, fix=fix)

    def visit_Call(self, node: cst.Call) -> None:
        if self._development_context():
            return
        func = node.func
        debug = keyword_arg(node, "debug")
        name = qualified_name(self.ctx, node)
        if debug is not None and _truthy(debug.value):
            if isinstance(func, cst.Attribute) and func.attr.value == "run" and not name.startswith(("uvicorn", "asyncio")):
                if _loopback(node):
                    # The debugger answers only on this machine (no host: Flask's, Bottle's and
                    # Flask-SocketIO's servers listen on 127.0.0.1): a developer's own server.
                    return
                self._report(debug, f"`{dotted(func) or 'app.run'}(debug=True)` runs the development server with the debugger", debug.value)
            elif name in _APP_CLASSES or (isinstance(func, cst.Name) and func.value in ("FastAPI", "Starlette")):
                self._report(debug, f"`{name.rsplit('.', 1)[-1]}(debug=True)` returns tracebacks to clients", debug.value)
        if isinstance(func, cst.Attribute) and func.attr.value in ("update", "from_mapping") and (dotted(func.value) or "").endswith("config"):
            arg = keyword_arg(node, "DEBUG")
            if arg is not None and _truthy(arg.value):
                self._report(arg, "`DEBUG=True` in the application config", arg.value)

    def visit_Assign(self, node: cst.Assign) -> None:
        if self._development_context():
            return
        value = node.value
        for target in (t.target for t in node.targets):
            if isinstance(target, cst.Attribute) and target.attr.value == "debug" and _truthy(value):
                if dotted(target.value) in ("self", "cls") and not self.ctx.imports.imports_any(_WEB_FRAMEWORKS):
                    continue  # `self.debug = True` from a command line's `--debug` in a module that serves nothing
                if self._worker_object(target.value):
                    continue  # `module = Crawler()`, `module.debug = True`: a worker's own switch, in a module that serves nothing
                if self._traitlets_section(target.value):
                    continue  # `c = get_config()`, `c.DockerSpawner.debug = True`: a component's logging, in JupyterHub's configuration
                if self.ctx.imports.qualify(target.value) in self.ctx.imports.modules:
                    continue  # `import testsuite.web; testsuite.web.debug = True`: a module's own flag, not an application's
                if self._runs_locally(target.value):
                    continue  # `app.debug = True` then `app.run(port=7777)`: the development server, on this machine
                self._report(target, f"`{dotted(target) or 'app.debug'} = True`", value)
            elif isinstance(target, cst.Subscript) and (dotted(target.value) or "").endswith("config"):
                index = target.slice[0].slice if target.slice else None
                if isinstance(index, cst.Index) and string_value(index.value) == "DEBUG" and _truthy(value) \
                        and not self._runs_locally(target.value.value if isinstance(target.value, cst.Attribute) else target.value):
                    self._report(target, '`config["DEBUG"] = True`', value)
            elif isinstance(target, cst.Name) and target.value == "DEBUG":
                in_class = bool(self._classes)
                if not (in_class or self._settings_module or self._is_config_module()):
                    continue
                if not in_class and (self.ctx.project.overridden(self.ctx.path, "DEBUG") or self._overrides_follow(node)):
                    continue  # a base module: the settings that import it, or that it imports last, decide
                if in_class and self._switched_off_below(self._classes[-1]):
                    continue  # `class Config` whose `ProductionConfig(Config)` sets `DEBUG = False`: a base, not deployed
                if _truthy(value):
                    self._report(target, "`DEBUG = True` in " + ("a configuration class" if in_class else "a settings module"), value)
                elif _env_default_truthy(value):
                    self._report(target, "`DEBUG` defaults to true when the environment does not set it")

    def _traitlets_section(self, obj: cst.BaseExpression) -> bool:
        """`c.DockerSpawner` with `c = get_config()`: a section of a traitlets configuration file
        (JupyterHub, Jupyter Server), whose `debug` trait turns up that component's logging."""
        if not (isinstance(obj, cst.Attribute) and isinstance(obj.value, cst.Name)):
            return False
        values = assigned_values(Env.here(self.ctx), obj.value)
        return bool(values) and all(isinstance(v, cst.Call) and call_name(v) == "get_config" for v, _ in values)

    def _worker_object(self, obj: cst.BaseExpression) -> bool:
        """In a module that imports no web framework, an object made by calling a class whose name
        says nothing of an application or server (`module = Crawler()`): its `debug` is its own."""
        if not isinstance(obj, cst.Name) or self.ctx.imports.imports_any(_WEB_FRAMEWORKS):
            return False
        values = [v for v, _ in assigned_values(Env.here(self.ctx), obj) if v is not obj]
        return bool(values) and all(
            isinstance(v, cst.Call) and isinstance(v.func, cst.Name) and v.func.value[:1].isupper()
            and not set(name_parts(v.func.value)) & _APPLICATION_WORDS and qualified_name(self.ctx, v) not in _APP_CLASSES
            for v in values)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        # pydantic-settings: `debug: bool = True` in a BaseSettings class.
        if self._development_context() or not self._classes or node.value is None:
            return
        target = node.target
        bases = {(dotted(b.value) or "").rsplit(".", 1)[-1] for b in self._classes[-1].bases}
        if isinstance(target, cst.Name) and target.value.lower() == "debug" and "BaseSettings" in bases and _truthy(node.value):
            self._report(target, "`debug` defaults to true in the settings class", node.value)

    def _runs_locally(self, app: cst.BaseExpression) -> bool:
        """The function setting the flag on `app` goes on to start that app's development server
        on the loopback address (`app.debug = True` ... `app.run(port=7777)` in `def local_main()`):
        the debugger answers only on the developer's machine."""
        fn = self.ctx.function()
        name = dotted(app)
        if fn is None or name is None or f"{name}.run(" not in self.ctx.code(fn):
            return False
        return any(isinstance(n, cst.Call) and isinstance(n.func, cst.Attribute) and n.func.attr.value == "run"
                   and dotted(n.func.value) == name and _loopback(n) for n in iter_descendants(fn.body))

    def _switched_off_below(self, cls: cst.ClassDef) -> bool:
        """A class of this module inherits from `cls` and sets `DEBUG` to false: `cls` holds the
        shared defaults of its production and development configurations."""
        for stmt in self.ctx.module.body:
            if not (isinstance(stmt, cst.ClassDef) and any((dotted(b.value) or "").rsplit(".", 1)[-1] == cls.name.value for b in stmt.bases)):
                continue
            for line in stmt.body.body if isinstance(stmt.body, cst.IndentedBlock) else ():
                for small in line.body if isinstance(line, cst.SimpleStatementLine) else ():
                    if isinstance(small, cst.Assign) and any(isinstance(t.target, cst.Name) and t.target.value == "DEBUG" for t in small.targets) \
                            and isinstance(small.value, cst.Name) and small.value.value == "False":
                        return True
        return False

    def _overrides_follow(self, assign: cst.Assign) -> bool:
        """An overrides module loaded after the assignment at module level (see
        `syntax.overrides_follow`): a deployment writes that module, and its settings win."""
        stack = self.ctx.stack
        return overrides_follow(self.ctx.module, stack[1] if len(stack) > 1 else None)

    def _is_config_module(self) -> bool:
        path = self.ctx.path.rsplit("/", 1)[-1]
        return path in ("settings.py", "config.py", "configuration.py", "conf.py") or path.startswith(("settings_", "production"))
