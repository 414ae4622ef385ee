"""Facts about the project as a whole, and about a file from its path.

Some answers need more than one file: which attributes are ORM relationships (defined in
models.py, used in views.py), which functions Django's urls.py routes to, whether REST
framework paginates by default. Before the analysis, the engine reads every Python file's text
once with a few regular expressions (no parsing) and hands the resulting `ProjectFacts` to every
worker. A file analysed alone still sees the facts its own text declares.
"""

from __future__ import annotations

import ast
import bisect
import functools
import itertools
import re
from dataclasses import dataclass, fields
from functools import cached_property
from typing import Any, Iterable, Iterator, Mapping

_TEST_PATH = re.compile(
    r"(^|/)([\w.-]+[_-])?(tests?|testing|__tests__)/|(^|/)tests?_\w+/|(^|/)conftest\.py$|(^|/)pytest_plugins?\.py$|(^|/|_)tests?(_[^/]*)?\.py$|(^|/)test_[^/]*\.py$|_testing\.py$|(^|/)testing(_[^/]*)?\.py$|(^|/)testbeds?(/|\.py$|_[^/]*\.py$)"
    r"|(^|/)e2e([_-]tests?)?/|(^|/)([^/]*[_-])?e2e([_-][^/]*)?\.py$"
    r"|(^|/)(system|functional|integration|acceptance|smoke|regression)tests?/"  # `systemtests/lib/client.py`
    r"|(^|/)(__)?mocks?(__)?/|(^|/)mock_[^/]*\.py$|_mocks?\.py$"  # fake payloads and stand-ins (Jest's `__mocks__/`)
    r"|(^|/)[\w-]+[_-]mocks?/"  # a stand-in for a service (`github_mock/flaskapp.py`, a fake OAuth server for the tests)
    r"|(^|/)factories(\.py$|/)"  # factory_boy's model factories, which build test data
    r"|\.(?:test|spec)\.[cm]?[jt]sx?$|(^|/)(?:cypress/|(?:cypress|playwright|jest|vitest)\.config\.[cm]?[jt]s$)"  # JavaScript's
)
_SETTINGS_PATH = re.compile(r"(^|/)(settings|config|conf|configs)(/|\.py$)|(^|/)[^/]*settings[^/]*\.py$")


def is_test_path(path: str) -> bool:
    """tests/ (also `api_tests/`, `app-testing/`, `test_project/`, `systemtests/`), test_*.py, *_test.py, testing.py and
    testing_*.py (`testing_helpers.py`: fixtures' builders), a testbed (`cli/testbed.py`: a server with
    mocked backends for the test suites), conftest.py,
    pytest_plugin.py, e2e/, *_e2e*.py, mock modules (mocks/, __mocks__/, mock_*.py, *_mock.py, github_mock/),
    test-data factories (factories.py, factories/), and JavaScript's tests (`*.test.tsx`, `*.spec.js`,
    cypress/, and the Cypress, Playwright, Jest and Vitest configurations) (POSIX, project-relative)."""
    return bool(_TEST_PATH.search(path))


_RULE_TEST = re.compile(r"^[ \t]*(?:#|//)[ \t]*(?:ruleid|todoruleid|deepruleid):[ \t]*([\w.-]+(?:[ \t]*,[ \t]*[\w.-]+)*)[ \t]*$", re.M)


def is_rule_test_text(text: str) -> bool:
    """A test case of another analyzer's rule, in semgrep's notation (`# ruleid: no-requests-lib`
    above each line the rule must match): test input, whatever its path. (backlint's own
    fixtures use the same notation with backlint's ids, `# ruleid: BL502`: they are scanned.)"""
    return "ruleid:" in text and any(
        not re.fullmatch(r"BL\d{3}", rule.strip()) for m in _RULE_TEST.finditer(text) for rule in m.group(1).split(","))


_TEST_FRAMEWORK_IMPORT = re.compile(r"^[ \t]*(?:import|from)[ \t]+(?:pytest|dredd_hooks|behave|locust)\b", re.M)


_UNITTEST_IMPORT = re.compile(r"^[ \t]*(?:import|from)[ \t]+(?:unittest|django\.test|rest_framework\.test)\b", re.M)
_TEST_CASE_CLASS = re.compile(r"^class[ \t]+\w+[ \t]*\([^)]*?\b\w*TestCase\b", re.M)


def imports_test_framework(text: str) -> bool:
    """A module importing a test framework or a test runner's hook API (pytest, dredd's hooks,
    behave's steps, locust's load tests), or defining test cases on unittest's, Django's or DRF's
    `TestCase` (`portal/utils/annotations.py`, kept out of tests/ so that CI does not run it): test
    code, wherever it lives (`api_contracts/hooks/hooks.py`)."""
    if any(w in text for w in ("pytest", "dredd_hooks", "behave", "locust")) and _TEST_FRAMEWORK_IMPORT.search(text) is not None:
        return True
    return "TestCase" in text and _UNITTEST_IMPORT.search(text) is not None and _TEST_CASE_CLASS.search(text) is not None


_FLASK_IMPORT = re.compile(r"^[ \t]*(?:from|import)[ \t]+flask\b", re.M)
_ASYNC_FRAMEWORK_IMPORT = re.compile(
    r"^[ \t]*(?:from|import)[ \t]+(?:quart|fastapi|starlette|aiohttp|socketio|sanic|tornado|channels|litestar|websockets)\b", re.M)


def is_flask_only(text: str) -> bool:
    """A module that imports Flask and no async framework: its coroutines are Flask's `async def`
    views and their helpers, each run by Flask in a loop of its own for the one request."""
    return _FLASK_IMPORT.search(text) is not None and _ASYNC_FRAMEWORK_IMPORT.search(text) is None


def is_settings_path(path: str) -> bool:
    """A settings or configuration module by its name: settings.py, settings/prod.py, config.py..."""
    return bool(_SETTINGS_PATH.search(path))


def is_development_settings(path: str, text: str) -> bool:
    """A development environment's settings module, never the production one: one named for
    development (`settings/local_dev.py`, `settings/dev.py`) that switches DEBUG on or layers over
    a sibling's settings (`from .base import *`), or one of any name that does both
    (`settings/docker.py`, `settings/devstack.py`)."""
    if not is_settings_path(path):
        return False
    debug_on, overlay = _DEBUG_ON.search(text) is not None, _OVERLAY.search(text) is not None
    return (debug_on and overlay) or (is_dev_path(path) and (debug_on or overlay))


_OVERLAY = re.compile(r"^from\s+(?:\.\w*|[\w.]*\bsettings\.\w+)\s+import\s+\*", re.M)
"""`from .base import *`, `from onadata.settings.common import *`: a settings module layered over a sibling's."""
_DEBUG_ON = re.compile(r"^DEBUG\s*(?::[^=\n]*)?=\s*True\b", re.M)
_MIGRATION_PATH = re.compile(
    r"(^|/)(\w+_)?migrations/[a-z]{0,5}_?\d{3,}[^/]*\.py$|(^|/)(alembic|migrations|revisions)/(.*/)?(versions/|env\.py$)"
    r"|(^|/)versions/[0-9a-f]{6,}_\w*\.py$"
    r"|(^|/)\w+_migrations/(.*/)?[^/]+\.py$"  # `data_migrations/version_1_3.py`: one-off data migrations, by their folder
    r"|(^|/)migrations/(helpers?/(.*/)?[^/]+|__init__)\.py$"  # helpers only migrations import
    r"|(^|/)alembic(_\w+)?/(.*/)?[^/]+\.py$"  # all an Alembic folder holds: its helpers, post-upgrade data scripts
    r"|(^|/)(updates?|upgrades?)/v?\d+(\.\d+)+/(.*/)?[^/]+\.py$"  # `update/v6.0.1/Update.py`: one release's upgrade script
)
_SCRIPT_DIRS = re.compile(r"(^|/)(scripts?|tools|dev|bin|docker|hack|benchmarks?|bench|load[-_]?tests?|locust|contrib|examples?|demo|ci|"
                          r"\.github|\.circleci)/"
                          r"|^samples?/|(^|/)(setup|hatch_build|noxfile|fabfile|dodo)\.py$|(^|/)docs?/(source/)?conf\.py$")
_DEV_PATH = re.compile(r"(^|/)(dev|development|local|devstack)(/|[_.][^/]*$|\.py$)|(^|/)[^/]*_(dev|local)\.py$|(^|/)runserver\.py$")


def is_template_path(path: str) -> bool:
    """A template (also `_tmpl`), example or sample file, copied and filled in before use (`settings_example.py`,
    `config.sample.py`, `templates/`): its values are placeholders, not a deployment's."""
    return bool(_TEMPLATE_PATH.search(path))


_TEMPLATE_PATH = re.compile(r"(^|[/_.-])(template|tmpl|example|sample)s?([/_.-]|$)", re.I)


def is_migration_path(path: str) -> bool:
    """Django, Alembic and similar schema migrations: run once, by an operator, in a transaction."""
    return bool(_MIGRATION_PATH.search(path))


_SEED_PATH = re.compile(r"(^|/)[^/]*(seed|seeds|seeder|seeding|populate|init_db|initial_data|sample_data|demo_data|test_data|"
                        r"testdata|fake_data|random_data|loaddata)[^/]*\.py$")


def is_seed_path(path: str) -> bool:
    """Modules that fill a database with initial or demo data, re-run until they complete."""
    return _SEED_PATH.search(path) is not None


def is_command_path(path: str) -> bool:
    """Django management commands: run by an operator (or a scheduler), with nobody waiting on a page."""
    return "/management/commands/" in f"/{path}"


_CLI_PACKAGE = re.compile(r"(^|/)((cli_)?commands|_?cli)/[^/]+\.py$")


def is_cli_path(path: str) -> bool:
    """A module of a command-line package (`server/commands/initdb.py`, `archivebox/cli/update.py`),
    run by an operator; not Django's `management/commands/`, whose commands may run inside
    long-lived workers (`call_command`)."""
    return _CLI_PACKAGE.search(path) is not None and not is_command_path(path)


def is_operator_path(path: str) -> bool:
    """Code an operator runs by hand or on a schedule, not a request handler: seed modules,
    Django management commands, command-line packages and scripts."""
    return is_seed_path(path) or is_command_path(path) or is_cli_path(path) or is_script_path(path)


def is_script_path(path: str) -> bool:
    """Files in scripts/, tools/, dev/, bin/, benchmarks/ and load tests (loadtest/)..., a top-level samples/, and packaging and task-runner files (setup.py,
    hatch_build.py, noxfile.py, fabfile.py) and Sphinx's `docs/conf.py`: run by hand or by a build, not imported by the service."""
    return bool(_SCRIPT_DIRS.search(path))


def serves(text: str) -> bool:
    """Whether a module serves requests: a route, an application run or mounted, a server started,
    a request handler class (Tornado's `RequestHandler`, a class-based view, a REST resource)."""
    return _SERVES.search(text) is not None or _HANDLER_CLASS.search(text) is not None


_ROUTE_DECORATOR = re.compile(r"[ \t]*@[\w.]*\.(?:route|get|post|put|patch|delete|websocket|api_route|endpoint)\(")
"""A route decorator (`@bp.route(...)`, `@router.get(...)`, Flask's `@app.endpoint(...)`)."""
_SERVES = re.compile(
    "^" + _ROUTE_DECORATOR.pattern
    + r"|\.(?:run|serve|serve_forever|listen|launch|add_url_rule|register_blueprint|include_router|add_route|add_routes|mount)\("
    r"|\b(?:uvicorn|gunicorn|waitress|hypercorn|make_server|runserver|execute_from_command_line|get_wsgi_application"
    r"|HTTPServer|IOLoop|AppRunner|TCPSite|create_server|start_server|default_app"
    r"|get_asgi_application|web\.run_app|run_simple)\b",
    re.M,
)
_HANDLER_CLASS = re.compile(r"^class[ \t]+\w+\([^)]*(?:Handler|View|Resource|Endpoint)\b", re.M)


def is_dev_path(path: str) -> bool:
    """Development-only modules: settings/dev.py, local_settings.py, *_dev.py, runserver.py (named
    for Django's development server command)."""
    return bool(_DEV_PATH.search(path))


# -- project facts -----------------------------------------------------------------------------

_DJANGO_RELATION = re.compile(
    r"^[ \t]*(\w+)[ \t]*=[ \t]*(?:[\w.]+\.)?(ForeignKey|OneToOneField|ManyToManyField|ParentalKey|ParentalManyToManyField|"
    r"TreeForeignKey|TreeManyToManyField|GenericRelation)\(",
    re.M,
)
_DJANGO_MANY = frozenset({"ManyToManyField", "ParentalManyToManyField", "TreeManyToManyField", "GenericRelation"})
_PLAIN_FIELD = re.compile(
    r"^[ \t]*(\w+)[ \t]*(?::[^=\n]*)?=[ \t]*(?:[\w.]+\.)?(?!ForeignKey|OneToOne|ManyToMany|Parental|Tree|Generic)"
    r"(\w*Field|Column|mapped_column)\(",
    re.M,
)
_RELATED_NAME = re.compile(r"related_name\s*=\s*['\"](\w+)['\"]")
_TARGET = re.compile(r"^\s*['\"]?(?:[\w]+\.)*(\w+)['\"]?")
_TO_KEYWORD = re.compile(r"\bto\s*=\s*['\"]?(?:[\w]+\.)*(\w+)")
_CLASS_BASES = re.compile(r"^class\s+(\w+)\s*\(([^)]*)\)", re.M)
_CLASS = re.compile(r"^class\s+(\w+)\s*[(:]", re.M)
_SA_RELATIONSHIP = re.compile(r"^[ \t]*(\w+)[ \t]*(?::[^=\n]*)?=[ \t]*(?:[\w.]+\.)?relationship\((?P<args>[^\n]*)", re.M)
_SA_BACKREF = re.compile(r"backref\s*=\s*(?:backref\()?\s*['\"](\w+)['\"]")
_LAZY = re.compile(r"lazy\s*=\s*['\"]?(\w+)")
_URL_VIEW = re.compile(r"\b(?:path|re_path|url)\(\s*(?:r?['\"][^'\"]*['\"])\s*,\s*([\w.]+?)(?:\.as_view\(|\s*[,)])")
_PAGINATION = re.compile(r"DEFAULT_PAGINATION_CLASS")
_REST_FRAMEWORK = re.compile(r"^\s*REST_FRAMEWORK\s*=", re.M)
_REVISION_MIDDLEWARE = re.compile(r"^[ \t]*['\"]reversion\.middleware\.RevisionMiddleware['\"]", re.M)
_ATOMIC_REQUESTS = re.compile(r"ATOMIC_REQUESTS['\"]?\]?\s*[:=]\s*True")  # (also `DATABASES["default"]["ATOMIC_REQUESTS"] = True`)
_STAR_IMPORT = re.compile(r"^from\s+(\.*)([\w.]*)\s+import\s+\*", re.M)
_UPPER_ASSIGN = re.compile(r"^[ \t]*([A-Z][A-Z0-9_]*)\s*(?::[^=\n]*)?=", re.M)
_NESTED_URL_PARAM = re.compile(r"<(?:\w+:)?(\w+)>/(?:[\w<-]|['\"]\s*,\s*include\()")
_PAGINATION_CLASS = re.compile(r"^[ \t]+pagination_class[ \t]*=[ \t]*(?!None\b)\w", re.M)
_DISPATCH = re.compile(r"^[ \t]+(?:async\s+)?def\s+dispatch\(", re.M)
_HINT_LITERALS = ("ForeignKey", "OneToOneField", "ManyToManyField", "ParentalKey", "relationship(", "urlpatterns", "REST_FRAMEWORK",
                  "ATOMIC_REQUESTS", "RevisionMiddleware", "GenericRelation", "import *", "exception_handler", "errorhandler", "error_handler(", "(request,",
                  "(request)", "call_next",
                  "View", "Mixin", "pagination_class", "def get_queryset", "objects = ", "Annotated[", "wraps(", "def write_error", "Resource)")
_SESSION_HINT_LITERALS = ("Session",)
_WRITE_HINT_LITERALS = (".save(", ".create(", ".delete(", "bulk_", "_or_create(", ".commit(", ".add(", ".add_all(", ".merge(",
                        ".update(", "_one(", "_many(", "execute(")
"""Text without any of these has no function that writes (see `_writing_functions`)."""
_FIELD_HINT_LITERALS = ("TextField(", "Text)", "Text,", "UnicodeText", "CharField(", "String(", "Field):", "BleachField(", "RichTextField(",
                        "HTMLField(")
"""Model fields of text: which are unbounded (`TextField`, `Text`) and which have a length."""
_COLUMN_TYPE = r"(?:Column|mapped_column)\(\s*(?:['\"][^'\"\n]*['\"]\s*,\s*)?(?:[\w.]+\.)?"  # (`Column("BkTitle", db.String(200))`)
_TEXT_FIELD = re.compile(
    r"^[ \t]*(\w+)[ \t]*(?::[^=\n]*)?=[ \t]*(?:[\w.]+\.)?(?:TextField\(|" + _COLUMN_TYPE
    + r"(?:Text|UnicodeText)\b|" + _COLUMN_TYPE + r"(?:String|Unicode)\b(?!\s*\(\s*(?:length\s*=\s*)?\d))",
    re.M,
)
"""Unbounded text: Django `TextField`, SQLAlchemy `Text`, and `String` without a length (VARCHAR
with no limit on PostgreSQL and SQLite; MySQL refuses it)."""
_SIZED_FIELD = re.compile(
    r"^[ \t]*(\w+)[ \t]*(?::[^=\n]*)?=[ \t]*(?:[\w.]+\.)?(?:(?:Char|Email|Slug|URL)Field\(|"
    + _COLUMN_TYPE + r"(?:(?:String|Unicode)\s*\(\s*(?:length\s*=\s*)?\d|VARCHAR\b))",
    re.M,
)
_REQUEST_HELPER_CALL = re.compile(r"(?<![\w.])(?<!def )([A-Za-z_]\w*)\(\s*request\s*[,)]")
_RAISE_HINT_WORDS = r"raise [A-Z]\w*"
_CONSTANT_RETURN_HINTS = ("return [", "return (", "return list(", "return tuple(", "return sorted(", "return set(", "return frozenset(",
                          "return cls.", "return self.")
"""Text without any of these has no function that returns a constant collection (see `_constant_functions`)."""
_DATABASE_HINT_LITERALS = ("sqlite", "Sqlite", "postgres", "Postgres", "mysql", "MySQL", "mariadb", "oracle", "mssql", "cockroach",
                           "Cockroach", "psycopg", "asyncpg", "pyodbc", "pg8000")
_ACCOUNT_HINT_LITERALS = ("User", "Account", "Member", "Customer", "Profile", "get_user_model", "contrib.auth", "flask_login",
                          "fastapi_users")
"""Text without any of these keeps no accounts."""
_HINTS = re.compile("|".join([*map(re.escape, _HINT_LITERALS), _RAISE_HINT_WORDS]))
_HINT_BYTES = tuple(w.encode() for w in (*_HINT_LITERALS, *_FIELD_HINT_LITERALS, *_WRITE_HINT_LITERALS, *_SESSION_HINT_LITERALS,
                                          *_DATABASE_HINT_LITERALS, *_CONSTANT_RETURN_HINTS, "contextmanager", "atomic(",
                                          "aiohttp", "flask_rest", "setdefaulttimeout"))
_RAISE_HINT = re.compile(_RAISE_HINT_WORDS.encode())


def request_helper_calls(text: str) -> frozenset[str]:
    """Names called with `request` as first argument in `text` (`get_findings(request)`)."""
    return frozenset(_REQUEST_HELPER_CALL.findall(text)) if "request" in text else frozenset()


def has_hints(data: bytes) -> bool:
    """The hint test on raw bytes, so that files without any hint are never decoded: substring
    tests first (an alternation of words is a slow regular expression)."""
    return any(word in data for word in _HINT_BYTES) or _RAISE_HINT.search(data) is not None


@dataclass(frozen=True)
class ProjectFacts:
    relations: frozenset[str] = frozenset()
    """Attribute names that load related rows lazily: Django FK/O2O/M2M fields and related names,
    SQLAlchemy relationships (and backrefs) without an eager loading strategy."""
    model_relations: frozenset[tuple[str, str]] = frozenset()
    """The same, as (model class name, attribute) pairs: forward fields on their model, related
    names and backrefs on the target model."""
    model_bases: frozenset[tuple[str, str]] = frozenset()
    """(class, base class) pairs, so that a model inherits its mixins' relationships."""
    eager_relations: frozenset[str] = frozenset()
    """SQLAlchemy relationships declared with lazy="joined"/"selectin"/"subquery"/"immediate"."""
    url_views: frozenset[str] = frozenset()
    """Names of functions and classes that a Django urls.py routes to (`views.article_list`)."""
    rest_framework_settings: bool = False
    """Whether a REST_FRAMEWORK settings dict was seen."""
    default_pagination: bool = False
    """Whether REST framework's DEFAULT_PAGINATION_CLASS was set."""
    atomic_requests: bool = False
    """Whether Django's ATOMIC_REQUESTS is on (every request in a transaction)."""
    overridden_settings: frozenset[tuple[str, str]] = frozenset()
    """(settings module, name) pairs that a sibling non-development module star-imports and
    assigns again: `base.py`'s DEBUG when `production.py` does `from .base import *; DEBUG = False`."""

    plain_fields: frozenset[str] = frozenset()
    """Names of model fields that hold values, not relations (`type = models.CharField(...)`):
    where a model is unknown, an attribute of this name may be either."""
    logged_raises: frozenset[tuple[str, str]] = frozenset()
    """Raise sites, (exception class, "path:line"), right after the cause was logged (`print(e)`,
    `log.error(...)` in the lines before `raise DatabaseError(...)`)."""
    unlogged_raises: frozenset[tuple[str, str]] = frozenset()
    """Raise sites without such a log line."""
    raised_bare: frozenset[str] = frozenset()
    """Exception classes raised somewhere without arguments (`raise ProviderNotSupports`)."""
    raised_with_arguments: frozenset[str] = frozenset()
    """Exception classes raised somewhere with arguments (a message, data)."""
    logged_http_exceptions: bool = False
    """Whether an exception handler registered for HTTPException logs what it handles (so a
    raised `HTTPException(detail=str(exc))` reaches the log)."""
    http_exception_handlers: frozenset[str] = frozenset()
    """Names registered for HTTPException (`app.add_exception_handler(HTTPException, handler)`)
    whose definition is in another file."""
    logging_exception_handlers: frozenset[str] = frozenset()
    """Functions shaped like exception handlers (`def handler(request, exc)`) whose body logs."""
    scrubbed_http_statuses: frozenset[str] = frozenset()
    """"500" or "5xx" when an HTTPException handler the project registers replaces the detail of
    those answers with a fixed text (`if exc.status_code == 500: detail = GENERIC_MESSAGE`)."""
    reported_statuses: frozenset[str] = frozenset()
    """Statuses whose Flask error handler (`@app.errorhandler(502)`) logs or reports to Sentry what
    it handles (`sentry_sdk.capture_exception()`): an `abort(502, ...)` raised anywhere is recorded
    there, with the exception it was raised from."""
    catch_all_handlers: frozenset[str] = frozenset()
    """Functions registered to answer every exception (`app.add_exception_handler(Exception, h)`,
    `@app.errorhandler(Exception)`): the handler of last resort."""
    tornado_errors_logged: bool = False
    """A Tornado handler's `write_error` (or `log_exception`) override logs the error or stores its
    formatted traceback: the `HTTPError`s its handlers raise reach the log."""

    packages: tuple[tuple[str, bool], ...] = ()
    """(directory, serves from an event loop) for every directory holding a package manifest
    (pyproject.toml, setup.py, setup.cfg, requirements.txt), deepest first: whether the manifest
    names an async server or bot framework (FastAPI, aiohttp, Django, a Telegram bot...)."""
    request_helpers: frozenset[str] = frozenset()
    """Functions some code calls with the request as first argument (`get_findings(request)`):
    helpers of views, not views themselves, unless a urls.py routes to them."""
    nested_url_params: frozenset[str] = frozenset()
    """Django URL parameters other routes are nested under (`path("events/<slug:event>/",
    include(...))`): the lookups of container objects, such as a tenant."""
    atomic_views: frozenset[str] = frozenset()
    """View classes whose `dispatch` runs the request inside `transaction.atomic()`."""
    view_bases: frozenset[tuple[str, str]] = frozenset()
    """(class, base) pairs where the base's name says it is a view or a mixin (`...View`,
    `...Mixin`), to find the views that inherit an atomic `dispatch` or a pagination class."""
    paginating_classes: frozenset[str] = frozenset()
    """Classes that set a DRF `pagination_class` other than None (a project's base view or mixin)."""
    revision_middleware: bool = False
    """Whether django-reversion's `RevisionMiddleware` is installed: it runs every request that
    is not GET, HEAD or OPTIONS in `transaction.atomic()` (its default `atomic = True`)."""
    django_managers: frozenset[str] = frozenset()
    """Django relation names whose attribute is a manager, not rows: many-to-many fields, generic
    relations and the related names of foreign keys and many-to-many fields (`segment_type.segments`
    runs no query until a queryset of it is evaluated)."""
    django_single_relations: frozenset[str] = frozenset()
    """Django relation names whose attribute is one row, loaded when read: foreign keys and
    one-to-one fields, and one-to-one related names (a name may be both: `css_file` a foreign
    key of one model and the related name of another)."""
    restful_resources: frozenset[str] = frozenset()
    """Classes of a module importing Flask-RESTful or Flask-RESTX that derive from its `Resource`
    (`class API(Resource)`): the project's base of API resources, whose 5xx answers
    `Api.handle_error` logs."""
    text_fields: frozenset[str] = frozenset()
    """Names of model fields declared as unbounded text (Django `TextField`, SQLAlchemy `Text`)."""
    model_text_fields: frozenset[tuple[str, str]] = frozenset()
    """(model class, field) for each field of unbounded text (`comment = models.TextField()` in
    `class LotComment`)."""
    sized_fields: frozenset[str] = frozenset()
    """Names of model fields declared with a length (`CharField`, `String(100)`): a name in both
    sets is not known to be unbounded."""
    field_classes: frozenset[tuple[str, str]] = frozenset()
    """(class, base) for field classes a project derives from another (`class
    JanewayBleachField(BleachField)`): which of them store unbounded text."""
    custom_fields: frozenset[tuple[str, str]] = frozenset()
    """(field name, class) of model fields declared with a field class that is not one of Django's
    own (`description = JanewayBleachField(blank=True)`)."""
    restful_aborts: frozenset[str] = frozenset()
    """Modules (dotted, from their paths) that import Flask-RESTful's or Flask-RESTX's `abort`, so
    that `from endpoints.api import abort` is known to be theirs: its 5xx answers are logged by
    `Api.handle_error`."""
    atomic_wrappers: frozenset[str] = frozenset()
    """Context managers of the project that open a transaction (`@contextmanager def
    traced_atomic_transaction(): with transaction.atomic(): yield`): `with` them, or decorating
    with them, runs in a transaction."""
    loop_servers: frozenset[str] = frozenset()
    """Modules that serve with aiohttp (`from aiohttp import web`): a manifest naming aiohttp may
    use it only as an HTTP client, so its package serves from an event loop only with one of these."""
    batch_packages: frozenset[str] = frozenset()
    """Directories whose manifest names no server, worker or scheduler (no web framework, no
    Celery, no queue consumer): their code runs as one-shot commands and jobs, whose process ends
    when the work does."""

    manager_selects: frozenset[tuple[str, str]] = frozenset()
    """(manager class, relation) pairs: the manager's `get_queryset` loads the relation with
    `select_related`/`prefetch_related` (`return super().get_queryset().select_related("created_by")`)."""
    model_managers: frozenset[tuple[str, str]] = frozenset()
    """(model, manager class) pairs from `objects = ReactionManager()`: the manager Django also
    builds the model's related managers from, so what it selects comes with every read."""
    relation_targets: frozenset[tuple[str, str]] = frozenset()
    """(relation, model it leads to) for Django relations: the field (`reactions =
    GenericRelation(Reaction)`) and its related name (`related_name="registrations"` leads to the
    model that declares it)."""
    dependency_aliases: frozenset[str] = frozenset()
    """FastAPI parameter types that are dependencies (`ProjectName = Annotated[str,
    Depends(dep_project_name)]`): a parameter so typed receives what the dependency returned
    (checked, looked up), not the raw request value."""
    default_socket_timeout: bool = False
    """Some module sets a process-wide socket timeout (`socket.setdefaulttimeout(30)`): `urlopen`
    and `http.client` connections given none use it. (`requests` does not: it makes the socket
    blocking when given no timeout.)"""
    model_columns: frozenset[tuple[str, str]] = frozenset()
    """(model class, field) pairs of the columns models declare (`alias = models.CharField(...)`),
    also where another model has a relation of the same name."""
    writing_functions: frozenset[str] = frozenset()
    """Names of the project's functions whose own body writes to a database (`.save()`,
    `.create()`, `.delete()`, `session.add()`, a commit, an INSERT/UPDATE/DELETE): a call of one
    (`bundle.append_patch(patch)`, `status.update_status(...)`) writes, whatever its name says.
    Names of one word (`clean`, `exclude`: a framework's methods, which projects override) and
    dunder methods are left out."""
    self_logging_functions: frozenset[str] = frozenset()
    """Names (two words or more) of the project's functions that catch broad exceptions and log
    them (`def send_websocket_update(...): ... except Exception as e: logger.warning(...)`): a
    caller's own broad handler around them loses nothing they did not log."""
    logging_reraisers: frozenset[str] = frozenset()
    """Of those, the ones whose broad `except` logs what it caught and re-raises it (`except
    Exception as e: session.rollback(); logger.error(f"...{e}"); raise e`): whatever escapes a
    call of one is in the log already."""
    logged_throughout: frozenset[str] = frozenset()
    """Of those, the ones whose whole body is one `try` with a broad `except`, every `except` of
    which logs the cause (`def get_processing_stats(cls): \"""...\""" try: ... except Exception as e:
    logger.error(...); return {...}`): whatever fails in a call of one is logged there, whether
    it is then swallowed or raised again."""
    plain_session_classes: frozenset[str] = frozenset()
    """Classes named for a session (`class Session(metaclass=SingletonType)`) whose bases are no
    session class: the project's own API or HTTP session, not a database's."""
    session_factories: frozenset[str] = frozenset()
    """Names bound to a SQLAlchemy session factory or class (`Session = sessionmaker(...)`,
    `class ContextSession(Session)`): a name in both sets is taken for a database session."""
    scoped_sessions: frozenset[str] = frozenset()
    """Of those, the names bound to a `scoped_session(...)` registry (`Session =
    scoped_session(sessionmaker())`): calling one returns the thread's (or task's) current session,
    which the registry's owner removes (`Session.remove()` at the end of a request or job)."""
    constant_functions: frozenset[str] = frozenset()
    """Names (two words or more) of the project's functions whose one `return` gives a constant
    collection or a comprehension over one (`def available_languages(cls): return [Language.find(c)
    for c in cls.CODES_OF_LANGUAGES]`): a loop over what they return has a few passes by construction."""
    flask_classes: frozenset[str] = frozenset()
    """Classes defined in modules that import Flask and no async framework (`class ApiHandler` in
    `helpers/api.py`, which registers its subclasses' `async def process` as Flask views): Flask runs
    an `async def` view in an event loop of its own, in the thread that serves the request."""
    constant_collections: frozenset[str] = frozenset()
    """Names of the project's enumerations (`class ColdStorageActions(Enum)`, Django's `TextChoices`)
    and of module-level names bound once to a literal collection that is not empty
    (`litsumm_examples = [{"urs": ...}, ...]` in `config/summaries.py`): a loop over one has a few
    passes by construction, wherever it is imported (see `_constant_collections`)."""
    databases: frozenset[str] = frozenset()
    """The kinds of database the project's code and manifests name (see `_databases`): "sqlite"
    for a SQLite file written into the configuration (`SQLALCHEMY_DATABASE_URI =
    f"sqlite:///{path}"`, `SqliteDatabase(path)`, Django's `sqlite3` backend), "server" for a
    database server (a `postgresql://` or `mysql://` URL, a server driver imported or required,
    Django's `postgresql` backend), "configurable" for a SQLite default the environment
    overrides (`os.environ.get("DATABASE_URL", "sqlite:///dev.db")`)."""
    eager_lookups: frozenset[tuple[str, str]] = frozenset()
    """(relation, relation of its rows) pairs some query of the project loads eagerly: the steps
    of `prefetch_related("seats__type")`, `select_related(...)` and `Prefetch("seats",
    queryset=Seat.objects.select_related("type"))` lookups, and of lookup lists named for it
    (`PREFETCH_FIELDS = ["seats__type"]`). A model method or serializer looping over
    `self.seats.all()` to read `seat.type` is written for such a caller's prefetched rows."""

    requests_default_timeout: bool = False
    """The project patches `requests.Session.request` with a wrapper that fills in a timeout
    (`kwargs.setdefault("timeout", ...)`): every `requests` call, module function or session, gets it."""
    logging_functions: frozenset[str] = frozenset()
    """Module-level functions named for a log level (`error`, `warning`...) whose body logs or
    prints, as `module.name` (`jesse.helpers.error`): `jh.error(str(e))` records the error."""
    timeout_adapters: frozenset[str] = frozenset()
    """requests adapter classes of the project that handle timeouts (`class CustomHTTPAdapter(
    HTTPAdapter)` whose body sets or passes one): a session they are mounted on has a default."""
    operator_calls: frozenset[str] = frozenset()
    """Call keys (see `_call_keys`) of the calls in an operator's code: management commands,
    command-line modules, scripts, seeds."""
    service_calls: frozenset[str] = frozenset()
    """Call keys of the calls anywhere else (tests aside) outside any function: at import of the
    service's own code."""
    service_callers: frozenset[tuple[str, str]] = frozenset()
    """(callee's call key, caller) for calls inside a function of the service's own code:
    `fetch()` in `def sync():` is ("fetch", "sync"); the caller named as `function_node` names
    it (`self.save()` in a method `sync` is (".save", ".sync"))."""
    discovers_classes: bool = False
    """Whether the project's code finds classes by introspection (`inspect.getmembers(module)`,
    `Base.__subclasses__()`): a class no file names may still be registered (Pulp's viewsets)."""
    class_references: frozenset[str] = frozenset()
    """Capitalised names the project's code mentions other than where it defines them (`class
    X`): in a URL configuration, a router's registration, a base class list, an import. A view
    class no file names is dead code: no URL reaches it."""
    module_names: frozenset[str] = frozenset()
    """The directories and module names on the paths of the project's files (`app/client.py`:
    `app`, `client`): an import whose first name is none of them (`requests`) is a library's."""

    def operator_only(self, name: str) -> bool:
        """Whether the function `name` (a method as `.name`) runs only in a process its operator
        started and can interrupt: it is called from an operator's code (a command, a script) or
        by functions that are themselves operator-only, and from nowhere else (a chain `command →
        sync_all → fetch` makes all three the operator's). By name, so a namesake called by the
        service keeps it on the service's side; a function no code calls by name (a route handler,
        a callback) is not the operator's, nor what only it calls."""
        return name in self._operator_reach

    def called_by_service(self, name: str) -> bool:
        """Whether any code but an operator's calls or passes on a function named `name`, by that
        name (`mysql_create_database()` in the service's `check_dependencies`)."""
        return name in self._service_called

    @cached_property
    def _service_called(self) -> frozenset[str]:
        return frozenset(_callee_name(key) for key in self.service_calls) | frozenset(_callee_name(key) for key, _ in self.service_callers)

    def from_library(self, qualified: str) -> bool:
        """Whether a qualified name (`django_celery_results.models.TaskResult`, `marshmallow.ValidationError`)
        comes from outside the project: its first name is no directory or module the scan read."""
        return "." in qualified and qualified.split(".", 1)[0] not in self.module_names

    @cached_property
    def _operator_reach(self) -> frozenset[str]:
        """The least fixed point: the functions called by the operator's code or by functions
        already in it, and by nothing else (module level of the service, a function not in it). A
        function's calls of itself (`download_instances` paging by calling itself) do not count; a
        cycle of two keeps both on the service's side. Dunders run by construction or an operator
        (`Router(...)` runs `__init__`), never by their names: never the operator's; nor are
        methods named for an HTTP method (`.post`), which a framework calls on a view (an
        operator's `session.post(url)` is a call of some other object's).

        Functions and methods are apart: a call on an object (`.get` in `params.get(k)`) or through
        an imported class (`Client.get(url)`) reaches only methods, a bare call (`get(url)`) only
        functions, a call through another imported name (`api.get(url)`) either; a class's name
        reaches its `__init__` (see `function_node`). A call into a library (`requests.get(url)`:
        its import names no directory or module of the project) reaches neither."""
        nodes = functools.partial(_call_targets, module_names=self.module_names)
        callers: dict[str, set[str]] = {}
        callees: dict[str, set[str]] = {}
        for key, caller in self.service_callers:
            for callee in nodes(key):
                if callee != caller:
                    callers.setdefault(callee, set()).add(caller)
                    callees.setdefault(caller, set()).add(callee)
        called_at_import = {n for key in self.service_calls for n in nodes(key)}
        # (a function a string names, `"joanie.core.tasks.sync_users"` in a beat schedule, runs by that name too)
        called_at_import.update(n for s in self.dotted_strings for last in [s.rsplit(".", 1)[-1]] for n in (last, "." + last))
        reach: set[str] = set()
        pending = [n for key in self.operator_calls for n in nodes(key) if n not in called_at_import]
        while pending:
            name = pending.pop()
            if name in reach or name in called_at_import or (name.endswith("__") and name.lstrip(".").startswith("__")) \
                    or name in _VIEW_METHODS or not callers.get(name, set()) <= reach:
                continue
            reach.add(name)
            pending.extend(callees.get(name, ()))
        return frozenset(reach)

    modules: frozenset[tuple[str, str]] = frozenset()
    """(path, role) of each module of the project, tests aside: "entry" for an operator's program
    (a command, a script, a one-off job's `__main__`: see `_operator_entry`), "serves" for one that
    serves requests, "loaded" for one a framework imports by its name (`tasks`, `models`,
    `templatetags/`...), else "module"."""
    module_imports: frozenset[tuple[str, str]] = frozenset()
    """(importing path, dotted name) for each module an import statement names, relative imports
    made absolute (`from .client import API` in `ingest/job.py`: `ingest.client` and
    `ingest.client.API`); a module it may name."""
    dotted_strings: frozenset[str] = frozenset()
    """Dotted names written as strings (`"apps.sync.importers.Feed"` in settings): a module a string
    names may be imported by that name, which no import statement shows. (Those of an operator's
    programs are in `module_imports`: the program loads what it names.)"""

    def operator_module(self, path: str) -> bool:
        """Whether the module at `path` is imported only by an operator's programs (a job's helper,
        an API client only scripts use): its every function runs in a process an operator started
        (see `_operator_modules`; computed once per scan, not once per file's copy of the facts).
        Not the programs themselves, which each rule reads in its own way
        (a command's `handle`, a job's `__main__`)."""
        return bool(self.modules) and path in _operator_modules(self.modules, self.module_imports, self.dotted_strings)

    serializer_users: frozenset[tuple[str, str]] = frozenset()
    """(class, serializer class) for each serializer class (`PlotSearchUpdateSerializer`) a
    top-level class's body names: a view that uses it, a serializer that nests it."""
    loose_serializers: frozenset[str] = frozenset()
    """Serializer classes named outside any class body (tests aside): a function view, a task."""

    def atomic_serializer(self, name: str) -> bool:
        """Whether every use of the serializer class is by a view whose `dispatch` runs the request
        in a transaction (`serializer_class = X`, `get_serializer_class()` returning it), or by a
        serializer of which that holds (a nested serializer): its `create`/`update` run inside it."""
        return bool(self.serializer_users) and name in _atomic_serializers(
            self.serializer_users, self.loose_serializers, self.atomic_views, self.view_bases)

    exception_classes: frozenset[tuple[str, str]] = frozenset()
    """(class, base) for the project's exception classes (`class BusinessException(Exception)`)."""
    raisers: frozenset[tuple[str, str]] = frozenset()
    """(exception class, function) for each `raise C(...)` of a class by its name, with the function
    it is in (`.name` for a method, "" at module level)."""
    raising_only: frozenset[str] = frozenset()
    """Module-level functions whose whole body is one `raise` (`def raise_deprecation_error(request):
    raise DeprecationError(...)`): a call of one ends the block it is in."""

    def never_raised_by(self, exception: str, called: Iterable[str]) -> bool:
        """Whether the project's own exception class `exception` (and no subclass of it) cannot come
        out of calls of these names: no function raising it is among them, nor any function that
        calls one, however deep (by name: a namesake anywhere keeps the answer no)."""
        if not any(cls == exception for cls, _ in self.exception_classes) or any(
                base == exception for _, base in self.exception_classes) or not any(cls == exception for cls, _ in self.raisers):
            return False  # (a class the project never raises is one for plugins to raise: its interface)
        reach = _raising_functions(exception, self.raisers, self.service_callers)
        return not any(name in reach or "." + name in reach for name in called)

    transaction_calls: frozenset[str] = frozenset()
    """Names called inside `with transaction.atomic():` blocks or `@transaction.atomic` functions."""
    outside_transaction_calls: frozenset[str] = frozenset()
    """Names called anywhere else (tests aside)."""

    def called_only_in_transaction(self, name: str) -> bool:
        """Whether every call of the function `name` in the project is made inside a transaction
        (`with transaction.atomic(): errors = process_batch(data)` in a view's mixin, the only
        call of `process_batch`): its writes share the caller's. By name, so a namesake called
        anywhere else keeps it out."""
        return name in self.transaction_calls and name not in self.outside_transaction_calls

    operator_checks: frozenset[str] = frozenset()
    """The project's tests that a user is one of the site's operators (`def user_is_data_manager(user):
    return user.is_staff`) and the decorators built from them (`data_manager_required =
    active_user_passes_test(user_is_data_manager)`): views behind them answer staff only. Also
    Flask-Login's `login_required` where the login loader returns admin accounts only (see
    `_operators_login`)."""

    single_password_login: bool = False
    """Some module checks a login against one configured password (`if password !=
    ENV_VALUES["PASSWORD"]`, `== os.environ["ADMIN_PASSWORD"]`): a self-hosted tool's operator."""
    user_accounts: bool = False
    """The project keeps accounts: a user, account or member model (`class User(Base)`,
    `AbstractUser`), Django's auth app, or a reference to the user model."""

    def single_operator(self) -> bool:
        """Whether everyone who logs in is the one operator of the installation: a single configured
        password and no accounts (jesse, a trading bot's dashboard). Their error answers go to the
        person who runs the server."""
        return self.single_password_login and not self.user_accounts

    def embedded_database(self) -> bool:
        """Whether the project's only database is a SQLite file: SQLite answers in the process,
        so many small queries cost no round trip (https://sqlite.org/np1queryprob.html). A SQLite
        default the environment may override counts when nothing names a server or its driver,
        in the code or the manifests (`os.environ.get("DATABASE_URL", default="sqlite:///db.sqlite3")`
        and no psycopg anywhere: there is nothing else to connect with)."""
        return bool(self.databases) and self.databases <= {"sqlite", "configurable"}

    def unbounded_text(self, name: str, model: str | None = None) -> bool:
        """Whether the field of this name is unbounded text: the model's, when the model is known
        and declares it so; else every model field of this name the scan saw."""
        if model is not None and (model, name) in self.model_text_fields:
            return True
        return (name in self.text_fields or any(n == name and c in self._text_classes for n, c in self.custom_fields)) \
            and name not in self.sized_fields

    @cached_property
    def _text_classes(self) -> frozenset[str]:
        """Field classes of unbounded text: Django's `TextField`, the rich-text fields of common
        packages built on it (django-bleach, CKEditor, TinyMCE, Markdownx), and the project's
        classes derived from one of them, however many steps away."""
        found = set(_TEXT_FIELD_CLASSES)
        while grown := {c for c, base in self.field_classes if base in found and c not in found}:
            found |= grown
        return frozenset(found)

    def merged(self, other: ProjectFacts) -> ProjectFacts:
        """Both sets of facts: sets united, flags either's, the first non-empty `packages`."""
        return ProjectFacts.combined((self, other))

    @staticmethod
    def combined(all_facts: Iterable[ProjectFacts]) -> ProjectFacts:
        """The facts of many files at once (one union per field, not one per file)."""
        parts = [f for f in all_facts if f is not EMPTY]
        if not parts:
            return EMPTY
        if len(parts) == 1:
            return parts[0]
        values: dict[str, Any] = {}
        for f in fields(ProjectFacts):
            found = [getattr(p, f.name) for p in parts]
            if isinstance(found[0], frozenset):
                # (one file's facts merged into the project's: the project's sets, as they are, when
                # they hold the file's already; the union copies every set, for every file)
                largest = max(found, key=len)
                values[f.name] = largest if all(x is largest or x <= largest for x in found) else frozenset().union(*found)
            else:
                values[f.name] = next((v for v in found if v), found[0])
        return ProjectFacts(**values)

    def to_json(self) -> dict[str, Any]:
        """Plain data for the cache: sets as sorted lists, tuples as lists."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, frozenset):
                out[f.name] = sorted([list(v) if isinstance(v, tuple) else v for v in value], key=repr)
            elif isinstance(value, tuple):
                out[f.name] = [list(v) if isinstance(v, tuple) else v for v in value]  # in order
            else:
                out[f.name] = value
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ProjectFacts:
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = data[f.name]
            if isinstance(raw, list):
                items = [tuple(v) if isinstance(v, list) else v for v in raw]
                values[f.name] = tuple(items) if f.name == "packages" else frozenset(items)
            elif isinstance(raw, bool):
                values[f.name] = raw
            else:
                raise TypeError(f"unexpected {f.name}")
        return cls(**values)

    def logs_http_exceptions(self) -> bool:
        """Whether the HTTPException handler the project registers logs what it handles, wherever
        it is defined."""
        return self.logged_http_exceptions or bool(self.http_exception_handlers & self.logging_exception_handlers)

    def scrubs_http_exception(self, status: int | None) -> bool:
        """Whether the project's HTTPException handler replaces the detail of an answer with this
        status by a fixed text, so that no exception text raised with it reaches the client."""
        if status is None:
            return False
        return (status == 500 and "500" in self.scrubbed_http_statuses) or (status >= 500 and "5xx" in self.scrubbed_http_statuses)

    def payload_free(self, name: str) -> bool:
        """Whether exception class `name` is raised (wherever the scan saw it raised) only
        without arguments: it signals one condition and carries nothing else."""
        return name in self.raised_bare and name not in self.raised_with_arguments

    def logs_before_raising(self, name: str) -> bool:
        """Whether the project logs the cause before raising exception class `name` at most of
        its raise sites (a service that prints every driver error before wrapping it, beside a
        commit helper that does not)."""
        logged = sum(1 for n, _ in self.logged_raises if n == name)
        unlogged = sum(1 for n, _ in self.unlogged_raises if n == name)
        return logged > unlogged

    def serves_event_loop(self, path: str) -> bool | None:
        """Whether the package holding `path` runs an event loop that serves requests, by its
        nearest manifest; None when no manifest was seen."""
        for directory, serves in self.packages:
            if not directory or path.startswith(directory + "/"):
                return serves or self.aiohttp_server_in(directory)
        return None

    def one_shot(self, path: str) -> bool:
        """Whether the package holding `path`, by its nearest manifest, runs only one-shot
        processes (commands, batch jobs): no server, worker or scheduler keeps it alive."""
        for directory, _ in self.packages:
            if not directory or path.startswith(directory + "/"):
                return directory in self.batch_packages and not self.aiohttp_server_in(directory)
        return False

    def aiohttp_server_in(self, directory: str) -> bool:
        """Whether a module the scan read under `directory` (project-relative; "" for the root)
        serves with aiohttp."""
        return any(not directory or m.startswith(directory + "/") for m in self.loop_servers)

    def relations_of(self, model: str | None) -> frozenset[str]:
        """The lazy relationship attributes of `model` when its definition was seen, else every
        relationship name of the project."""
        if model:
            lineage = set(_with_ancestors((model,), self.model_bases))
            selected = {rel for m in lineage for rel in self.selected_by_default(m)}  # (the model's manager or a base's)
            known = frozenset(attr for owner, attr in self.model_relations if owner in lineage and attr not in selected)
            if known or any(owner in lineage for owner, _ in self.model_relations) or self.knows_model(model):
                return known  # (a model seen with only eager relationships has no lazy ones)
        return self.relations

    def selected_by_default(self, model: str | None) -> frozenset[str]:
        """The relations the model's default manager selects in its `get_queryset` (its own, or a
        base manager's: `class DefaultOnAdditionManager(DataspacedManager)`)."""
        managers = set(_with_ancestors({manager for owner, manager in self.model_managers if owner == model}, self.model_bases))
        return frozenset(rel for manager, rel in self.manager_selects if manager in managers)

    def target_of(self, relation: str) -> str | None:
        """The model a relation of this name leads to, when every relation so named leads to the same one."""
        targets = self.targets_of(relation)
        return next(iter(targets)) if len(targets) == 1 else None

    def column_of(self, model: str, name: str) -> bool:
        """Whether `model`, or a model it inherits from, declares a column `name`."""
        return any((cls, name) in self.model_columns for cls in _with_ancestors((model,), self.model_bases))

    def targets_of(self, relation: str) -> frozenset[str]:
        """The models relations of this name lead to (`aliases`: `Alias` from one model, `AdvisoryAlias` from another)."""
        return frozenset(target for rel, target in self.relation_targets if rel == relation)

    def knows_model(self, model: str | None) -> bool:
        """Whether the scan saw the definition of `model` (its relationships, its bases or its columns)."""
        return model is not None and (
            any(cls == model for cls, _ in self.model_bases) or any(owner == model for owner, _ in self.model_relations)
            or any(owner == model for owner, _ in self.model_columns)
        )

    def atomic_view(self, bases: Iterable[str]) -> bool:
        """Whether a class with these bases inherits a `dispatch` that runs in a transaction."""
        return any(cls in self.atomic_views for cls in _with_ancestors(bases, self.view_bases))

    def paginating_view(self, bases: Iterable[str]) -> bool:
        """Whether a class with these bases inherits a pagination class from the project's own
        views or mixins (`class JsonApiViewMixin: pagination_class = JsonApiPagination`)."""
        return any(cls in self.paginating_classes for cls in _with_ancestors(bases, self.view_bases))

    def overridden(self, path: str, name: str) -> bool:
        """Whether setting `name` of the settings module at `path` is assigned again by a sibling."""
        module = path.rsplit(".", 1)[0]
        return (module, name) in self.overridden_settings or (module, "*") in self.overridden_settings


EMPTY = ProjectFacts()


def _call_arguments(text: str, start: int, limit: int = 600, brackets: str = "()") -> str:
    """The text of a call's arguments, from just after its `(` to the matching `)` (or between
    other `brackets`: `"[]"` for a subscript's)."""
    opening, closing = brackets
    depth = 1
    end = min(len(text), start + limit)
    for i in range(start, end):
        ch = text[i]
        if ch == opening:
            depth += 1
        elif ch == closing:
            depth -= 1
            if depth == 0:
                return text[start:i]
    return text[start:end]


def _overrides(path: str, text: str) -> frozenset[tuple[str, str]]:
    """Settings that this module assigns after star-importing a sibling (`from .base import *`)."""
    if not path or is_dev_path(path) or is_test_path(path):
        return frozenset()
    directory = path.rsplit("/", 1)[0] if "/" in path else ""
    out = set()
    for m in _STAR_IMPORT.finditer(text):
        dots, module = m.group(1), m.group(2)
        base = module.rsplit(".", 1)[-1] if module else ""
        if not base or (not dots and "." not in module):
            continue
        target = f"{directory}/{base}" if directory else base
        rest = text[m.end():]
        names = {n for n in _UPPER_ASSIGN.findall(rest)}
        if _NAMESPACE_UPDATE.search(rest):
            names.add("*")  # `vars().update(yaml.safe_load(f))`: a file the deployment writes sets any of them
        out.update((target, name) for name in names)
    return frozenset(out)


_NAMESPACE_UPDATE = re.compile(r"\b(?:vars|globals)\(\)\.update\(")


def _with_ancestors(classes: Iterable[str], bases: frozenset[tuple[str, str]]) -> Iterator[str]:
    """The classes named and every class they inherit from, by (class, base class) pairs."""
    seen = set(classes)
    frontier = list(seen)
    while frontier:
        current = frontier.pop()
        yield current
        for cls, base in bases:
            if cls == current and base not in seen:
                seen.add(base)
                frontier.append(base)


def light_facts(text: str, path: str = "") -> ProjectFacts:
    """The facts every file is read for, however little else it holds (see `_light_fields`)."""
    light = _light_fields(text, path)
    return ProjectFacts(**light) if any(light.values()) else EMPTY


def _light_fields(text: str, path: str) -> dict[str, Any]:
    """What a file calls (from an operator's code or the service's), and a few facts too rare to
    earn a hint of their own, each behind a substring test: eager-loading lookups, a single
    configured login password, account models, a patched `requests` timeout, timeout adapters,
    logging helpers named for a level."""
    tests = is_test_path(path)
    operator_calls, service_calls, service_callers = _called_names(path, text)
    role = _module_role(path, text) if path.endswith(".py") and not tests else None
    strings = frozenset(_DOTTED_STRING.findall(text)) if not tests and "." in text else frozenset()
    return {
        "operator_calls": operator_calls,
        "service_calls": service_calls,
        "service_callers": service_callers,
        "module_names": frozenset(_module_names(path)) if path.endswith(".py") and not tests else frozenset(),
        "modules": frozenset({(path, role)}) if role is not None else frozenset(),
        # (a dotted name an operator's program holds, `"app.emails.backends.mediawiki.EmailBackend"` for
        # its `--backend` option, is a module that program loads, like one it imports)
        "module_imports": frozenset((path, name) for name in _imported_modules(path, text))
        .union((path, name) for name in strings if role == "entry")
        if path.endswith(".py") and not tests and "import" in text else frozenset(),
        "dotted_strings": strings if role != "entry" else frozenset(),
        "class_references": _class_references(text) if path.endswith(".py") else frozenset(),
        "discovers_classes": not tests and ("getmembers(" in text or "__subclasses__(" in text),
        "eager_lookups": _eager_lookups(text) if ("prefetch" in text or "PREFETCH" in text or "select_related" in text)
        and not tests else frozenset(),
        "single_password_login": not tests and _single_password_login(text),
        "constant_collections": _constant_collections(text) if not tests and path.endswith(".py") else frozenset(),
        "flask_classes": frozenset(_CLASS.findall(text)) if not tests and "flask" in text and "class " in text
        and is_flask_only(text) else frozenset(),
        "reported_statuses": _reported_statuses(text) if not tests and "errorhandler(" in text else frozenset(),
        **_transaction_call_fields(text, tests),
        **_exception_fields(text, tests),
        **_serializer_uses(text, path),
        "operator_checks": (_operator_checks(text) if ("is_staff" in text or "is_superuser" in text) else frozenset())
        | (_LOGIN_CHECKS if "user_loader" in text and _operators_login(text) else frozenset())
        | (_operator_role_checks(text) if "roles" in text else frozenset()) if not tests else frozenset(),
        "user_accounts": not tests and not is_migration_path(path) and _keeps_accounts(text),
        "requests_default_timeout": "Session.request" in text and not tests and _PATCHED_REQUEST.search(text) is not None
        and _TIMEOUT_FILLED.search(text) is not None,
        "timeout_adapters": frozenset(m.group(1) for m in _ADAPTER_CLASS.finditer(text) if "timeout" in _body(text, m))
        if "HTTPAdapter" in text else frozenset(),
        "logging_functions": frozenset(
            f"{_module_of(path)}.{m.group(1)}" for m in _LEVEL_FUNCTION.finditer(text) if _LOGS_OR_PRINTS.search(_body(text, m))
        ) if "\ndef " in text and not tests else frozenset(),
    }


def facts_from_text(text: str, path: str = "") -> ProjectFacts:
    """The facts one file's text declares (cheap: a handful of regular expressions)."""
    servers = frozenset({path}) if "aiohttp" in text and serves_with_aiohttp(text) else frozenset()
    wrappers = _atomic_wrappers(text) if "atomic(" in text else frozenset()
    aborts = frozenset({_module_of(path)}) if "abort" in text and _RESTFUL_ABORT.search(text) else frozenset()
    sockets = "setdefaulttimeout" in text and not is_test_path(path) and _SOCKET_TIMEOUT.search(text) is not None
    light = _light_fields(text, path)
    writers = _writing_functions(text) if any(w in text for w in _WRITE_HINT_LITERALS) and not is_test_path(path) else frozenset()
    plain_sessions, session_factories, scoped = _session_names(text) if "Session" in text else (frozenset(),) * 3
    self_logging = _self_logging_functions(text) if "except" in text and not is_test_path(path) else frozenset()
    reraisers = _logging_reraisers(text, self_logging) if self_logging and "raise" in text else frozenset()
    throughout = _logged_throughout(text, self_logging) if self_logging else frozenset()
    constants = _constant_functions(text) if any(w in text for w in _CONSTANT_RETURN_HINTS) and not is_test_path(path) else frozenset()
    databases = _databases(text) if any(w in text for w in _DATABASE_HINT_LITERALS) and not is_test_path(path) \
        and not is_migration_path(path) else frozenset()
    if not _HINTS.search(text):
        if servers or wrappers or aborts or sockets or writers or plain_sessions or session_factories or self_logging \
                or databases or constants or any(light.values()) or any(w in text for w in _FIELD_HINT_LITERALS):
            return ProjectFacts(**_text_fields(text, path), restful_aborts=aborts, atomic_wrappers=wrappers, loop_servers=servers,
                                default_socket_timeout=sockets, writing_functions=writers,
                                plain_session_classes=plain_sessions, session_factories=session_factories, scoped_sessions=scoped,
                                self_logging_functions=self_logging, logging_reraisers=reraisers, logged_throughout=throughout,
                                databases=databases,
                                constant_functions=constants,
                                **light)
        return EMPTY
    relations: set[str] = set()
    pairs: set[tuple[str, str]] = set()
    eager: set[str] = set()
    classes = [(m.start(), m.group(1)) for m in _CLASS.finditer(text)]

    def owner_at(pos: int) -> str:
        owner = ""
        for start, name in classes:
            if start > pos:
                break
            owner = name
        return owner

    targets: set[tuple[str, str]] = set()
    managers: set[str] = set()
    single: set[str] = set()
    for m in _DJANGO_RELATION.finditer(text):
        owner = owner_at(m.start())
        relations.add(m.group(1))
        pairs.add((owner, m.group(1)))
        args = _call_arguments(text, m.end())
        related = _RELATED_NAME.search(args)
        target = _TO_KEYWORD.search(args) or _TARGET.match(args)
        target_name = target.group(1) if target else ""
        if target_name:
            targets.add((m.group(1), owner if target_name == "self" else target_name))
        (managers if m.group(2) in _DJANGO_MANY else single).add(m.group(1))
        if related and related.group(1) != "+":
            relations.add(related.group(1))
            (single if m.group(2) == "OneToOneField" else managers).add(related.group(1))
            pairs.add((owner if target_name == "self" else target_name, related.group(1)))
            targets.add((related.group(1), owner))
    for m in _SA_RELATIONSHIP.finditer(text):
        args = _call_arguments(text, m.start("args"))  # the whole call, over as many lines as it takes
        lazy = _LAZY.search(args)
        if lazy and lazy.group(1) in ("joined", "selectin", "subquery", "immediate", "False"):  # False: joined
            eager.add(m.group(1))
            continue
        if lazy and lazy.group(1) in ("dynamic", "write_only", "noload", "raise", "raise_on_sql"):
            continue
        owner = owner_at(m.start())
        relations.add(m.group(1))
        pairs.add((owner, m.group(1)))
        target = _TARGET.match(args)
        for backref in _SA_BACKREF.findall(args):
            relations.add(backref)
            pairs.add((target.group(1) if target else "", backref))
    bases = {
        (m.group(1), base.strip().rsplit(".", 1)[-1])
        for m in _CLASS_BASES.finditer(text)
        for base in m.group(2).split(",")
        if base.strip() and "=" not in base
    } if pairs or eager else set()
    views = {v.rsplit(".", 1)[-1] for v in _URL_VIEW.findall(text)} if "urlpatterns" in text else set()
    rest = bool(_REST_FRAMEWORK.search(text))
    return ProjectFacts(
        frozenset(relations - eager),
        frozenset(pairs),
        frozenset(bases),
        frozenset(eager),
        frozenset(views),
        rest,
        rest and bool(_PAGINATION.search(text)),
        bool(_ATOMIC_REQUESTS.search(text)),
        _overrides(path, text) if "import *" in text else frozenset(),
        frozenset(m.group(1) for m in _PLAIN_FIELD.finditer(text)) - relations if pairs else frozenset(),
        *_raises(text, path),
        *_logging_of_errors(text),
        catch_all_handlers=_catch_all_handlers(text) if "Exception" in text else frozenset(),
        tornado_errors_logged=_logging_error_hook(text),
        request_helpers=request_helper_calls(text) if not is_test_path(path) else frozenset(),  # tests call views directly
        nested_url_params=frozenset(_NESTED_URL_PARAM.findall(text)) if "urlpatterns" in text else frozenset(),
        django_managers=frozenset(managers),
        django_single_relations=frozenset(single),
        revision_middleware="RevisionMiddleware" in text and _REVISION_MIDDLEWARE.search(text) is not None,
        atomic_views=frozenset(
            owner_at(m.start()) for m in _DISPATCH.finditer(text) if "atomic(" in _body(text, m) or _decorated_atomic(text, m.start())
        ) if "def dispatch(" in text else frozenset(),
        view_bases=frozenset(
            (m.group(1), name) for m in _CLASS_BASES.finditer(text)
            for base in m.group(2).split(",") if (name := base.strip().rsplit(".", 1)[-1]).endswith(("View", "Mixin", "ViewSet"))
        ) if "View" in text or "Mixin" in text else frozenset(),
        paginating_classes=frozenset(
            owner_at(m.start()) for m in _PAGINATION_CLASS.finditer(text)
        ) - {""} if "pagination_class" in text else frozenset(),
        restful_resources=frozenset(
            m.group(1) for m in _CLASS_BASES.finditer(text)
            if any(base.strip().rsplit(".", 1)[-1] == "Resource" for base in m.group(2).split(","))
        ) if "Resource)" in text and _RESTFUL_IMPORT.search(text) else frozenset(),
        **_text_fields(text, path),
        restful_aborts=aborts,
        atomic_wrappers=wrappers,
        loop_servers=servers,
        manager_selects=frozenset(
            (owner_at(m.start()), name.split("__", 1)[0])
            for m in _GET_QUERYSET.finditer(text) for args in _SELECTED.findall(_body(text, m))
            for name in _QUOTED_NAME.findall(args)
        ) if "def get_queryset" in text else frozenset(),
        model_managers=frozenset(
            (owner_at(m.start()), m.group(1)) for m in _DEFAULT_MANAGER.finditer(text)
        ) if "objects" in text else frozenset(),
        relation_targets=frozenset(targets) if not is_migration_path(path) else frozenset(),  # (a migration's class is no model)
        dependency_aliases=_dependency_aliases(text) if "Annotated[" in text else frozenset(),
        default_socket_timeout=sockets,
        writing_functions=writers,
        plain_session_classes=plain_sessions,
        session_factories=session_factories,
        scoped_sessions=scoped,
        self_logging_functions=self_logging,
        logging_reraisers=reraisers,
        logged_throughout=throughout,
        databases=databases,
        constant_functions=constants,
        **light,
    )


_SESSION_CLASS = re.compile(r"^[ \t]*class[ \t]+(\w*Session\w*)[ \t]*(?:\(([^)]*)\))?[ \t]*:", re.M)
_SESSION_FACTORY = re.compile(
    r"^[ \t]*(\w*Session\w*)[ \t]*(?::[^=\n]*)?=[ \t]*(?:[\w.]+\.)?(sessionmaker|async_sessionmaker|scoped_session|"
    r"async_scoped_session)\(",
    re.M,
)


def _session_names(text: str) -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """(classes named for a session with no session base, names of SQLAlchemy session factories and
    subclasses, the scoped registries among them): see `ProjectFacts.plain_session_classes`."""
    plain: set[str] = set()
    bound = [(m.group(1), m.group(2)) for m in _SESSION_FACTORY.finditer(text)]
    factories = {name for name, _ in bound}
    http_session = _HTTP_SESSION_IMPORT.search(text) is not None  # (`from requests import Session`)
    for m in _SESSION_CLASS.finditer(text):
        bases = [b for b in (m.group(2) or "").split(",") if b.strip() and "=" not in b]  # (not `metaclass=...`)
        if any(_HTTP_BASE.search(b) or (http_session and b.strip() == "Session") for b in bases):
            plain.add(m.group(1))  # `class Session(BaseSession, RequestsSession)`: an HTTP client's session
            continue
        if any("Session" in b for b in bases):
            factories.add(m.group(1))
        else:
            plain.add(m.group(1))
    return frozenset(plain), frozenset(factories), frozenset(name for name, how in bound if how.endswith("scoped_session"))


_HTTP_BASE = re.compile(r"(?i)requests|http|aiohttp|client")
"""A base class named for an HTTP client (`requests.Session`, `RequestsSession`, `CachedSession`'s
`HTTPSession`, `ClientSession`)."""
_HTTP_SESSION_IMPORT = re.compile(r"^[ \t]*from[ \t]+(?:requests|requests\.sessions|requests_cache|httpx)[ \t]+import[^\n]*\bSession\b(?![ \t]+as)", re.M)
_DEF_LINE = re.compile(r"^([ \t]*)(?:async[ \t]+)?def[ \t]+(\w+)\(", re.M)
_DB_WRITE = re.compile(
    r"\.(?:save|delete|commit|flush)\(\s*(?:\)|\w+\s*=)"
    r"|\.(?:create|get_or_create|update_or_create|bulk_create|bulk_update)\(\s*(?:\w+\s*=|\[|\(|\w+\s*[,)])"
    r"|\.(?:add_all|insert_one|insert_many|update_one|update_many|delete_one|delete_many)\("
    r"|\b(?:session|db|db_session|dbsession)\.(?:add|merge)\("
    r"|\.objects(?:\.\w+\([^()\n]*\))*\.update\("
    r"|\bexecute\(\s*(?:text\(\s*)?[rRbBfFuU]{0,2}(?:'|\")+\s*(?:INSERT|UPDATE|DELETE|insert|update|delete)\b"
)
"""A database write in a function body: an ORM save or delete (no positional argument:
`img.save(stream)` writes a file), create or bulk write, a commit, a session add, a queryset
update, a MongoDB write, or an INSERT, UPDATE or DELETE statement."""
_SEVERAL_WORDS = re.compile(r"[A-Za-z0-9]_+[A-Za-z0-9]|[a-z0-9][A-Z]")
"""A name of two words or more (`append_patch`, `updateStatus`): one word (`filter`, `clean`,
`exclude`) is as likely a framework's method, which a project overrides, as a write."""
_GENERIC_FUNCTION_NAMES = frozenset({"run", "main", "handle", "process", "call", "execute", "dispatch", "perform", "setUp",
                                     "tearDown"} | {n for t in (dict, list, set, str, bytes, object) for n in dir(t)})
"""Names that say nothing of what a call does, and methods of the builtin containers (a project's
`def update(self, instance, data)` that saves must not make every `dict.update()` a write)."""


def _logs_broad_exception(body: str) -> bool:
    """Whether `body` has a broad `except` (bare, `Exception`, `BaseException`) whose handler logs,
    prints or prints the traceback."""
    for handler in _BROAD_EXCEPT.finditer(body):
        arm = _body(body, handler)
        if _LOG_REFERENCE.search(arm) or _PRINTED.search(arm):
            return True
    return False


_PRINTED = re.compile(r"\bprint\(|\bprint_exc\(")


def _named_bodies(text: str) -> Iterator[tuple[str, int, int]]:
    """(name, start, end) of the functions of `text` named with two words or more (see
    `_SEVERAL_WORDS`; not dunders nor the generic names): the body runs up to the next line
    indented no deeper than its `def` (a signature's closing bracket excepted)."""
    for m in _DEF_LINE.finditer(text):
        name = m.group(2)
        if name in _GENERIC_FUNCTION_NAMES or name.startswith("__") or not _SEVERAL_WORDS.search(name):
            continue
        yield name, m.end(), _body_end(text, m.end(), len(m.group(1)))


def _self_logging_functions(text: str) -> frozenset[str]:
    """Functions of `text` whose body catches broad exceptions and logs them."""
    return frozenset(name for name, start, end in _named_bodies(text) if _logs_broad_exception(text[start:end]))


def _logging_reraisers(text: str, logging: frozenset[str]) -> frozenset[str]:
    """The functions of `logging` whose broad `except` logs the exception it caught (see
    `_logs_cause`) and re-raises it (a bare `raise`, or `raise e` of its `as e`)."""
    out: set[str] = set()
    for name, start, end in _named_bodies(text):
        if name not in logging:
            continue
        body = text[start:end]
        for handler in _BROAD_EXCEPT.finditer(body):
            arm = _body(body, handler)
            bound = _BOUND_AS.search(handler.group(0))
            reraised = _RERAISE.findall(arm)
            if _logs_cause(handler.group(0), arm) and any(
                not caught or (bound is not None and caught == bound.group(1)) for caught in reraised
            ):
                out.add(name)
                break
    return frozenset(out)


def _logged_throughout(text: str, logging: frozenset[str]) -> frozenset[str]:
    """The functions of `logging` whose body, past its docstring, is one `try` with a broad
    `except`, every `except` of which logs the cause (the exception it binds, or the traceback),
    and at most a `return` of a name or constant after it. (`logger.error("Failed to delete image
    records")` alone says that something failed, not why.)"""
    out: set[str] = set()
    for name, start, end in _named_bodies(text):
        if name in logging and _guarded_body(text[start:end]):
            out.add(name)
    return frozenset(out)


def _guarded_body(body: str) -> bool:
    """See `_logged_throughout`; `body` runs from the signature's opening bracket to the body's end."""
    header = _SIGNATURE_END.search(body)
    if header is None:
        return False
    lines = [line for line in body[header.end():].split("\n") if line.strip() and not line.lstrip().startswith("#")]
    if not lines:
        return False
    indent = len(lines[0]) - len(lines[0].lstrip())
    docstring = _DOCSTRING_START.match(lines[0].strip())
    if docstring is not None:
        quote = docstring.group(1)
        closed = lines[0].strip()[docstring.end():].find(quote) >= 0
        at = 1
        while not closed and at < len(lines):
            closed = quote in lines[at]
            at += 1
        lines = lines[at:]
    top = [(i, line.strip()) for i, line in enumerate(lines) if len(line) - len(line.lstrip()) == indent]
    if not top or top[0] != (0, "try:"):
        return False
    arms: list[tuple[int, str]] = []
    for i, (at, stmt) in enumerate(top[1:], 1):
        if stmt.startswith("except") and stmt.endswith(":"):
            arms.append((at, stmt))
        elif stmt == "finally:":
            continue  # (an `else:` runs outside the `except` clauses: what fails there is not logged)
        elif i == len(top) - 1 and arms and _PLAIN_RETURN.fullmatch(stmt):
            continue
        else:
            return False
    if not any(_BROAD_EXCEPT.match(stmt) for _, stmt in arms):
        return False
    for at, stmt in arms:
        arm = "\n".join(itertools.takewhile(lambda line: len(line) - len(line.lstrip()) > indent, lines[at + 1:]))
        if not _logs_cause(stmt, arm):
            return False
    return True


def _logs_cause(handler: str, arm: str) -> bool:
    """Whether an `except` arm (`handler` its first line) logs or prints the exception it caught:
    its traceback, or the name it binds among a logging call's arguments (`logger.error(f"...{e}")`,
    `print(e)`; not `logger.error("Problem deleting images"); raise e`)."""
    if not (_LOG_REFERENCE.search(arm) or _PRINTED.search(arm)):
        return False
    if _WITH_TRACEBACK.search(arm):
        return True
    bound = _BOUND_AS.search(handler)
    if bound is None:
        return False
    name = re.compile(rf"\b{bound.group(1)}\b")
    for found in itertools.chain(_LOG_REFERENCE.finditer(arm), _PRINTED.finditer(arm)):
        opening = found.end() if found.group(0).endswith("(") else found.end() + 1
        if (found.group(0).endswith("(") or arm.startswith("(", found.end())) and name.search(_call_arguments(arm, opening)):
            return True
    return False


_SIGNATURE_END = re.compile(r":[ \t]*(?:#[^\n]*)?\n")
"""The end of a `def` line (a multi-line signature's last line: `) -> Dict[str, Any]:`)."""
_DOCSTRING_START = re.compile(r"[rRuU]?(\"\"\"|\'\'\')")
_PLAIN_RETURN = re.compile(r"return(?:\s+[\w.]+)?")


_BOUND_AS = re.compile(r"\bas\s+(\w+)")
_RERAISE = re.compile(r"^[ \t]*raise(?:[ \t]+(\w+))?[ \t]*(?:#.*)?$", re.M)


def _constant_functions(text: str) -> frozenset[str]:
    """Functions of `text` whose only statement-ending `return` gives a constant collection (see
    `ProjectFacts.constant_functions`)."""
    out: set[str] = set()
    if not (_RETURNS_CONSTANT_LINE.search(text) or _RETURNS_COMPREHENSION_OF_CONSTANT_LINE.search(text)):
        return frozenset()
    for name, start, end in _named_bodies(text):
        returns = [m.start() for m in _RETURN.finditer(text, start, end)]
        if len(returns) == 1:
            tail = text[returns[0]:end].strip()
            if _RETURNS_CONSTANT.fullmatch(tail) or _RETURNS_COMPREHENSION_OF_CONSTANT.fullmatch(tail):
                out.add(name)
    return frozenset(out)


_RETURN = re.compile(r"^[ \t]*return\b", re.M)
_CONSTANT = r"(?:(?:cls|self|[A-Z]\w*)\.)?_*[A-Z][A-Z0-9_]*"
_RETURNS_CONSTANT = re.compile(rf"return\s+(?:(?:list|tuple|sorted|set|frozenset)\(\s*)?{_CONSTANT}\s*\)?")
_TARGETS = r"(?:\w+|\(?\s*\w+\s*,\s*\w+\s*\)?)"  # `code`, `k, v`, `(k, v)`
_OF_CONSTANT = rf"{_CONSTANT}(?:\.(?:items|keys|values)\(\))?"  # `FIELDS`, `FIELDS.items()`
_RETURNS_COMPREHENSION_OF_CONSTANT = re.compile(
    rf"return\s+[\[(][^\[\]]*?\bfor\s+{_TARGETS}\s+in\s+{_OF_CONSTANT}\s*(?:if\b[^\[\]]*)?[\])]", re.S)
_RETURNS_CONSTANT_LINE = re.compile(rf"^[ \t]*{_RETURNS_CONSTANT.pattern}[ \t]*$", re.M)
_RETURNS_COMPREHENSION_OF_CONSTANT_LINE = re.compile(rf"for[ \t]+{_TARGETS}[ \t]+in[ \t]+{_OF_CONSTANT}\s*(?:if\b[^\[\]\n]*)?[\])]")


_ENUM_BASES = frozenset({"Enum", "IntEnum", "StrEnum", "Flag", "IntFlag", "TextChoices", "IntegerChoices", "Choices"})
_MODULE_LITERAL = re.compile(r"^([A-Za-z_]\w*)[ \t]*(?::[^=\n]*)?=[ \t]*([\[({])", re.M)
_TOP_ASSIGNMENT = re.compile(r"^([A-Za-z_]\w*)[ \t]*(?::[^=\n]*)?=(?!=)", re.M)


def _constant_collections(text: str) -> frozenset[str]:
    """Enumerations and module-level names bound once to a literal collection (see
    `ProjectFacts.constant_collections`): `[`, `(` or `{` up to its matching bracket, not empty,
    holding no comprehension, and the name bound nowhere else at the top of the module."""
    out: set[str] = set()
    if "Enum" in text or "Choices" in text:
        out.update(m.group(1) for m in _CLASS_BASES.finditer(text)
                   if any(base.strip().rsplit(".", 1)[-1] in _ENUM_BASES for base in m.group(2).split(",")))
    counts: dict[str, int] = {}
    for m in _TOP_ASSIGNMENT.finditer(text):
        counts[m.group(1)] = counts.get(m.group(1), 0) + 1
    for m in _MODULE_LITERAL.finditer(text):
        inner = _bracketed(text, m.start(2))
        if counts.get(m.group(1)) == 1 and inner is not None and inner.strip() and not re.search(r"\bfor\b|\*\*?\w", inner):
            out.add(m.group(1))
    return frozenset(out)


def _bracketed(text: str, start: int) -> str | None:
    """What the bracket at `start` holds up to its match (strings and comments skipped roughly: a
    bracket inside a string throws the count off, and then nothing is returned)."""
    depth = 0
    i = start
    quote = ""
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == "\\":
                i += 1
            elif ch == quote:
                quote = ""
        elif ch in "'\"":
            quote = ch
        elif ch == "#":
            i = text.find("\n", i)
            if i < 0:
                return None
        elif ch in "[({":
            depth += 1
        elif ch in "])}":
            depth -= 1
            if depth == 0:
                return text[start + 1:i]
        i += 1
    return None


def _writing_functions(text: str) -> frozenset[str]:
    """Functions of `text` whose own body writes to a database (see `_DB_WRITE`)."""
    return frozenset(name for name, start, end in _named_bodies(text) if _DB_WRITE.search(text, start, end))


def _databases(text: str) -> frozenset[str]:
    """The kinds of database `text` configures or connects to (see `ProjectFacts.databases`)."""
    kinds: set[str] = set()
    for m in _URL_SEPARATOR.finditer(text):  # (literal searches first: these files can be large)
        scheme = _QUOTED_SCHEME.search(text, max(0, m.start() - 40), m.start())
        if scheme is None:
            continue
        if scheme.group(1).startswith("sqlite"):
            end = text.find("\n", m.end())
            line = text[text.rfind("\n", 0, m.start()) + 1:end if end >= 0 else len(text)]
            kinds.add("configurable" if _READS_ENVIRONMENT.search(line) else "sqlite")
        elif scheme.group(1) in _SERVER_SCHEMES:
            kinds.add("server")
    for m in _DJANGO_BACKEND.finditer(text):
        kinds.add("sqlite" if m.group(1) in ("sqlite3", "spatialite") else "server")
    for m in _DATABASE_CLASS.finditer(text):
        peewee = _PEEWEE_DATABASE.search(text, max(0, m.start() - 30), m.start())
        if peewee is not None:
            kinds.add("sqlite" if peewee.group(1) == "Sqlite" else "server")
    if _SERVER_DRIVER_IMPORT.search(text):
        kinds.add("server")
    return frozenset(kinds)


_URL_SEPARATOR = re.compile("://")
_QUOTED_SCHEME = re.compile(r"""['"](\w+?)(?:\+\w+)?\Z""")
_SERVER_SCHEMES = frozenset({"postgres", "postgresql", "mysql", "mariadb", "oracle", "mssql", "cockroachdb", "redshift"})
_DJANGO_BACKEND = re.compile(r"django(?:\.contrib\.gis)?\.db\.backends\.(sqlite3|spatialite|postgresql\w*|postgis|mysql|oracle)\b")
_DATABASE_CLASS = re.compile(r"Database\(")
_PEEWEE_DATABASE = re.compile(r"\b(?:Pooled)?(Sqlite|Postgresql|MySQL|Cockroach)(?:Ext|Queue)?\Z")
_SERVER_DRIVER_IMPORT = re.compile(r"^[ \t]*(?:import|from)[ \t]+(?:psycopg2?|psycopg_pool|asyncpg|pymysql|MySQLdb|mysql\.connector|"
                                   r"cx_Oracle|oracledb|pyodbc|pymssql|aiomysql|aiopg|pg8000)\b", re.M)
_READS_ENVIRONMENT = re.compile(r"environ|getenv|\benv\b|\bconfig\(|\.get\(")


_ANNOTATED_ALIAS = re.compile(r"^(\w+)[ \t]*(?::[ \t]*[\w.]+[ \t]*)?=[ \t]*(?:typing\.|typing_extensions\.)?Annotated\[", re.M)


def _dependency_aliases(text: str) -> frozenset[str]:
    """Module-level `X = Annotated[T, Depends(f)]` (or `Security(f)`): names of dependency types."""
    return frozenset(m.group(1) for m in _ANNOTATED_ALIAS.finditer(text)
                     if _DEPENDENCY.search(_call_arguments(text, m.end(), 2000, "[]")))


_CONFIGURED_PASSWORD = r"[\w.]*(?:\[\s*['\"]\w*PASSWORD\w*['\"]\s*\]|(?:getenv|environ\.get|config|get_config)\(\s*['\"][\w.]*PASSWORD\w*['\"]|\.\w*PASSWORD\b)"
_SINGLE_PASSWORD = re.compile(
    rf"\b\w*(?:password|passwd)\w*\s*[!=]=\s*{_CONFIGURED_PASSWORD}|{_CONFIGURED_PASSWORD}\s*[!=]=\s*\w*(?:password|passwd)\w*\b"
)
"""A login compared with one configured password: `password != ENV_VALUES["PASSWORD"]`."""
_LOGIN_FROM_ENVIRONMENT = re.compile(
    r"(?:getenv|environ\.get|environ\[|get_dotenv_value|env\.str|config)\(?\s*[\w.]*?['\"]?(?:\w+_)?AUTH_PASS(?:WORD)?\b")
"""The login's password read from the environment (`dotenv.get_dotenv_value(dotenv.KEY_AUTH_PASSWORD)`,
`os.getenv("BASIC_AUTH_PASSWORD")`): one configured credential (an account table, where there is one,
says otherwise: see `ProjectFacts.single_operator`)."""
_BASIC_AUTH_COMPARED = re.compile(r"[!=]=\s*[\w.]*BasicAuth\(\s*\w+\s*,\s*(\w*pass\w*)|\bBasicAuth\(\s*\w+\s*,\s*(\w*pass\w*)[^()\n]*\)(?:\.encode\(\))?\s*[!=]=")
"""The request's Authorization header compared with HTTP basic credentials built from a user and a
password: `headers["AUTHORIZATION"] == BasicAuth(user, password).encode()`."""


def _single_password_login(text: str) -> bool:
    """A login checked against one configured password: compared with it (`password !=
    ENV_VALUES["PASSWORD"]`), read from the environment under a name for the login's password
    (`get_dotenv_value(KEY_AUTH_PASSWORD)`), or the Authorization header compared with basic credentials whose
    password the module reads from its configuration (`password = server_config.get("password")`)."""
    if "PASSWORD" in text and (_SINGLE_PASSWORD.search(text) is not None or _LOGIN_FROM_ENVIRONMENT.search(text) is not None):
        return True
    found = _BASIC_AUTH_COMPARED.search(text) if "BasicAuth(" in text else None
    if found is None:
        return False
    name = found.group(1) or found.group(2)
    return re.search(rf"^[ \t]*{name}[ \t]*=[ \t]*[\w.]*(?:config|conf|settings)\w*(?:\.get\w*)?\(\s*['\"]\w*pass\w*['\"]",
                     text, re.M | re.I) is not None


def _keeps_accounts(text: str) -> bool:
    """A user, account or member model (`class User(Base)`, `class UserLimitsModel(Base)`,
    `AbstractUser`), Django's auth app or user model, Flask-Login, FastAPI Users."""
    if not any(w in text for w in _ACCOUNT_HINT_LITERALS):
        return False
    if any(w in text for w in ("get_user_model(", "AUTH_USER_MODEL", "django.contrib.auth", "flask_login", "fastapi_users")):
        return True
    return any(_ACCOUNT_NAME.search(m.group(1)) and _MODEL_BASE.search(m.group(2)) for m in _CLASS_HEADER.finditer(text))


_CLASS_HEADER = re.compile(r"^class[ \t]+(\w+)[ \t]*\(([^)]*)\)", re.M)
_ACCOUNT_NAME = re.compile(r"User|Account|Member|Customer|Profile")
_MODEL_BASE = re.compile(r"(?:Model|Base|AbstractUser|AbstractBaseUser|Document|Table)\b")


def _eager_lookups(text: str) -> frozenset[tuple[str, str]]:
    """The (relation, next relation) steps of the lookups `text` loads eagerly (see
    `ProjectFacts.eager_lookups`)."""
    found: set[tuple[str, str]] = set()
    for m in _EAGER_LOADING.finditer(text):
        if m.group("list"):
            opening = m.group("list")
            args = _call_arguments(text, m.end(), 4000, "()" if opening == "(" else opening + {"[": "]", "{": "}"}[opening])
        else:
            args = _call_arguments(text, m.end(), 4000)
        paths = [p.split("__") for p in _QUOTED_LOOKUP.findall(args)]
        if m.group("prefetch") and paths:
            # `Prefetch("seats", queryset=Seat.objects.select_related("type"))`: the rows of the
            # first lookup come with the relations its queryset selects
            head = paths[0][-1]
            found.update((head, p[0]) for p in paths[1:])
        for p in paths:
            found.update(zip(p, p[1:]))
    return frozenset(found)


_EAGER_LOADING = re.compile(
    r"(?:\.(?:select_related|prefetch_related)|\bprefetch_related_objects|(?P<prefetch>\bPrefetch))\("
    r"|^[ \t]*\w*(?:prefetch|PREFETCH|select_related|SELECT_RELATED)\w*[ \t]*(?::[^=\n]*)?=[ \t]*(?P<list>[(\[{])",
    re.M,
)
_QUOTED_LOOKUP = re.compile(r"['\"](\w+(?:__\w+)*)['\"]")
_DEPENDENCY = re.compile(r"\b(?:Depends|Security)\(")
_GET_QUERYSET = re.compile(r"^[ \t]+def get_queryset\(", re.M)
_SELECTED = re.compile(r"\.(?:select_related|prefetch_related)\(([^)]*)\)")
_QUOTED_NAME = re.compile(r"['\"](\w+)['\"]")
_DEFAULT_MANAGER = re.compile(r"^[ \t]+objects[ \t]*(?::[^=\n]*)?=[ \t]*(\w+)(?:\.from_queryset\([^)]*\))?\(\)", re.M)


def _called_names(path: str, text: str) -> tuple[frozenset[str], frozenset[str], frozenset[tuple[str, str]]]:
    """(names called by an operator's code, names called by any other outside a function, and
    (callee, caller) of its calls inside functions) in one file: a whole file is the operator's by
    its path (see `is_operator_path`); elsewhere, the bodies of click and typer commands are, the
    bodies of classes based on Django's `BaseCommand` (a command's base class outside `commands/`), and
    the `__main__` block of a module that serves nothing. Tests call everything: they count for
    neither."""
    if not path or is_test_path(path):
        return frozenset(), frozenset(), frozenset()
    if "#" in text:
        text = _COMMENT_LINE.sub("", text)  # (`# delete_old_data()`: a call commented out calls nothing)
    imported = _imported_names(text)
    if _operators_file(path):
        return frozenset(_call_keys(text, imported, references=False)), frozenset(), frozenset()
    # The bodies of click/typer commands (`@cli.command()`, `@notify_command(name=...)`) are the
    # operator's, and so is the `__main__` block of a module that serves nothing (a job run as
    # `python report.py`); the rest of the module is the service's.
    regions: list[tuple[int, int]] = []
    if "command" in text or "group" in text:
        for m in _COMMAND_DECORATOR.finditer(text):
            definition = _DEF_LINE.search(text, m.end())  # (after more decorators, over as many lines as they take)
            if definition is not None:
                regions.append((m.start(), _body_end(text, definition.end(), len(m.group(1).expandtabs()))))
    if "BaseCommand" in text:  # (a Django command's base class, wherever it lives: `class BaseImporter(BaseCommand)`)
        regions.extend((m.start(), _body_end(text, m.end(), len(m.group(1).expandtabs()))) for m in _COMMAND_CLASS.finditer(text))
    if "__main__" in text and (main := _MAIN_BLOCK.search(text)) is not None and not serves(text):
        regions.append((main.start(), _body_end(text, main.end(), 0)))
    commands: list[tuple[int, int]] = []
    for start, end in sorted(regions):
        if not commands or start >= commands[-1][1]:
            commands.append((start, end))
    if not commands:
        return (frozenset(), *_calls_by_function(text, imported))
    operator = frozenset(key for start, end in commands for key in _call_keys(text[start:end], imported, references=False))
    return (operator, *_calls_by_function(_outside(text, commands), imported))


def _outside(text: str, regions: Iterable[tuple[int, int]]) -> str:
    """`text` without the spans `regions` hold ((start, end), in order, none overlapping), what is
    left between them joined by line breaks."""
    pieces, at = [], 0
    for start, end in regions:
        pieces.append(text[at:start])
        at = end
    pieces.append(text[at:])
    return "\n".join(pieces)


def _calls_by_function(text: str, imported: Mapping[str, tuple[str, str]]) -> tuple[frozenset[str], frozenset[tuple[str, str]]]:
    """(call keys of the calls and references outside any function, (callee, caller) of those
    inside one, the caller as `function_node` names it), by the indentation of `def` lines: a call
    belongs to the innermost function it is indented under (a class body's calls to the function
    around it, or to the module). Triple-quoted strings (docstrings: `get(id) returns the
    record`) are skipped, and so are a function's references to its own parameters and variables
    (`return update`, `ManualAction(get=get)`). A line indented less than its function (a
    bracket's continuation) ends it early: its calls then count as the module's, which only
    keeps more on the service's side. The calls of a function under a route decorator
    (`@bp.route(...)`, `@router.get(...)`) come from a node of its own (`get_filings@served`) that
    nothing calls by name: what a route handler calls stays the service's, whatever namesake of
    the handler an operator's script calls (and that namesake stays the operator's)."""
    top: set[str] = set()
    pairs: set[tuple[str, str]] = set()
    # (indentation, function or None for a class, class name, the function's parameters and variables)
    blocks: list[tuple[int, str | None, str, set[str]]] = []
    quote = ""  # the triple quote of a string still open (a docstring's prose calls nothing)
    routed = False  # a route decorator seen above the next `def`
    depth = 0  # brackets the lines before left open: this line continues a call or a literal
    importing = False  # ... or an import statement's list of names
    for line in text.splitlines():
        if quote:
            if quote in line:
                quote = ""
            continue
        if '"""' in line or "'''" in line:
            line = _TRIPLE_QUOTED.sub('""', line)
            for q in ('"""', "'''"):
                if q in line:
                    line, quote = line[: line.index(q)], q
        stripped = line.lstrip()
        if not stripped:
            continue
        continued = depth > 0 and not importing
        if not depth:
            importing = stripped.startswith(("from ", "import "))  # (the names of `from m import (\n a,\n b)` are no references)
        depth = max(0, depth + _open_brackets(stripped))
        if stripped[0] not in ")]}":  # (a closing bracket's line continues the statement it closes)
            indent = len(line[: len(line) - len(stripped)].expandtabs())
            while blocks and blocks[-1][0] >= indent:
                blocks.pop()
        function = next((b for b in reversed(blocks) if b[1] is not None), None)
        if stripped.startswith("@"):
            routed = routed or _ROUTE_DECORATOR.match(stripped) is not None
        block = _BLOCK_START.match(stripped)
        if block is not None:
            kind, name = block.groups()
            if kind == "class":
                blocks.append((indent, None, name, set()))
                called = []
            else:
                node = function_node(name, blocks[-1][2] if blocks and blocks[-1][1] is None else None)
                if routed:
                    node += SERVED  # a route handler calls as the framework's, whatever namesake an operator calls
                blocks.append((indent, node, "", set(_PARAMETER.findall(stripped[block.end():]))))
                called = _call_keys(stripped[block.end():], imported, references=False)  # (a default: `key=make_key()`)
            routed, depth = False, 0
        elif "(" in line or "=" in line or continued:
            if function is not None and not continued and (bound := _BOUND.match(stripped)) is not None:
                function[3].add(bound.group(1))
            own = function[3] if function is not None else ()
            called = _call_keys(line, imported, references=False)
            # (a continuation line starts where an argument or an item does: `    send_report,`)
            passed = _REFERENCED.finditer(("," + _STRING_OR_COMMENT.sub('""', stripped) if '"' in stripped or "'" in stripped
                                           else "," + stripped) if continued else line)  # (prose in a string names nothing)
            called += [_key(m, imported) for m in passed if m.group("chain") or m.group("name") not in own]
        else:
            continue
        if function is None:
            top.update(called)
        else:
            pairs.update((name, function[1]) for name in called)
    return frozenset(top), frozenset(pairs)


def _open_brackets(line: str) -> int:
    """How many brackets `line` opens and leaves open (negative: closes), outside its string
    literals and its comment."""
    if "'" in line or '"' in line or "#" in line:
        line = _STRING_OR_COMMENT.sub("", line)
    return line.count("(") + line.count("[") + line.count("{") - line.count(")") - line.count("]") - line.count("}")


SERVED = "@served"
"""What the node of a route handler's calls ends with (`get_filings@served`): a caller nothing
calls by name, so never the operator's, even where an operator calls a function of the same name."""
_PARAMETER = re.compile(r"[(,][ \t]*\**([A-Za-z_]\w*)")
"""A parameter on a `def` line (after the name: `(self, update, *args, key=None)`)."""
_BOUND = re.compile(r"([A-Za-z_]\w*)[ \t]*(?::[^=\n]*)?=(?!=)")
"""An assignment to a plain name: `update = ...`, `delete: SaaSRequest | None = ...`."""


_TRIPLE_QUOTED = re.compile(r'"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\'')
"""A triple-quoted string opened and closed on one line."""
_REFERENCED = re.compile(r"(?:[=(,\[]|\breturn\b)[ \t]*(?P<chain>(?:[A-Za-z_]\w*\.)*)(?P<name>[A-Za-z_]\w*)[ \t]*(?=[,)\]]|$)")
"""A name passed or kept without being called (`sorted(rows, key=distance)`, `Thread(target=self.sync)`,
`handler = on_message`): whoever holds it may call it."""
_CALL = re.compile(r"(?<!def )(?<!class )(?<![\w])(?P<dot>(?<=\.))?(?P<chain>(?:[A-Za-z_]\w*[ \t]*\.[ \t]*)*)(?P<name>[A-Za-z_]\w*)[ \t]*\(")
"""A call, with the names before it (`logic.get_page(`), and whether it follows an expression's dot (`x().save(`)."""
_IMPORT_LINE = re.compile(r"^[ \t]*import[ \t]+([^\n#]+)", re.M)
_FROM_IMPORT = re.compile(r"^[ \t]*from[ \t]+(?P<module>[\w.]+)[ \t]+import[ \t]+(?:\((?P<parenthesized>[^)]*)\)|(?P<names>[^\n#]*))", re.M)


def _imported_names(text: str) -> dict[str, tuple[str, str]]:
    """The names a module's imports bind, at any indentation, each with the first name of the
    module it comes from (empty for a relative import) and, for a `from` import, the name
    imported: `import a.b` binds `a` (from `a`), `import a.b as c` binds `c` (from `a`), `from
    a.b import c as d` binds `d` (`c` from `a`), `from . import e` binds `e` (`e` from the
    module's own package)."""
    names: dict[str, tuple[str, str]] = {}
    if "import" not in text:
        return names
    for m in _IMPORT_LINE.finditer(text):
        for part in m.group(1).split(","):
            words = part.split()
            if words:
                root = words[0].split(".")[0]
                names[words[-1] if len(words) == 3 and words[1] == "as" else root] = (root, "")
    for m in _FROM_IMPORT.finditer(text):
        root = m.group("module").split(".")[0]
        for part in (m.group("parenthesized") or m.group("names") or "").replace("\\", " ").split(","):
            words = part.split()
            if words:
                names[words[-1] if len(words) == 3 and words[1] == "as" else words[0]] = (root, words[0])
    return names


def _call_keys(text: str, imported: Mapping[str, tuple[str, str]], references: bool = True) -> list[str]:
    """The call keys of the calls and references in `text`: the name, for a bare call (`fetch(u)`);
    `.name` for one on an object the module did not import (`self.sync()`, `paginator.get_page(1)`,
    `x().save()`), on a class (capitalized: `Model.create(...)`) or deeper than one name
    imported by `from` (`celery_app.conf.get(...)`), which only a method can answer; `via:name`
    for one on a name imported by `from` (`logic.get_page(u)` after `from cms import logic`: a
    module's function if `logic` is one of the project's modules, else an object's method). Each
    prefixed by `module:` if the name called or called through was imported, `module` being the
    first name of the module imported from, empty for a relative import (`cms:logic:get_page`)."""
    keys = [_key(m, imported) for m in _CALL.finditer(text)]
    if references and ("=" in text or "(" in text):
        keys.extend(_key(m, imported) for m in _REFERENCED.finditer(text))
    if "delay(" in text or "apply_async(" in text or "send_with_options(" in text or ".s(" in text or ".si(" in text:
        # `sync_users.delay(ids)`: the task `sync_users` run by a worker for this caller, as a call of it
        # (and `sync_users.s()`, a signature a chain or a schedule runs)
        for m in _TASK_SEND.finditer(text):
            entry = imported.get(m.group(1))
            keys.append(m.group(1) if entry is None else f"{entry[0]}:{m.group(1)}")
    return keys


_TASK_SEND = re.compile(r"(?<![\w.])([A-Za-z_]\w*)[ \t]*\.[ \t]*(?:delay|apply_async|send_with_options|s|si|signature)\(")


_VIEW_METHODS = frozenset({".get", ".post", ".put", ".patch", ".delete", ".head", ".options"})
"""Method nodes a web framework calls on a view (`MethodView.post`, `APIView.get`)."""


def function_node(name: str, cls: str | None) -> str:
    """How calls reach a function defined as `name` in the class `cls` (None: not in a class):
    a function by its name, a method as `.name`, a constructor by its class's name (`Matcher()`
    runs `Matcher.__init__`)."""
    if cls is None:
        return name
    return cls if name in ("__init__", "__post_init__") else "." + name


def _call_targets(key: str, module_names: frozenset[str]) -> tuple[str, ...]:
    """The functions (`name`) and methods (`.name`) a call key (see `_call_keys`) may reach,
    given the directories and modules of the project: none through a library's import."""
    parts = key.split(":")
    name = parts[-1]
    if len(parts) > 1 and parts[0] and parts[0] not in module_names:
        return ()
    if len(parts) == 1 or name.startswith("."):
        return (name,)
    return ("." + name,) if len(parts) == 3 and parts[1] not in module_names else (name, "." + name)


def _key(m: re.Match[str], imported: Mapping[str, tuple[str, str]]) -> str:
    """The call key of one match of `_CALL` or `_REFERENCED` (see `_call_keys`)."""
    name, chain = m.group("name"), m.group("chain")
    if m.groupdict().get("dot") is not None:
        return "." + name
    parts = [p.strip() for p in chain.split(".")[:-1]] if chain else [name]
    entry = imported.get(parts[0])
    if entry is None:
        return "." + name if chain else name
    root, original = entry
    if chain and (parts[0][0].isupper() or (original and len(parts) > 1)):
        key = "." + name  # (`Model.create(...)`, `CONFIG.get(...)`, `celery_app.conf.get(...)`: a method)
    elif chain and original:
        key = f"{original}:{name}"  # (`api.get(...)` after `from fides.core import api`: a module's function, or an object's method)
    else:
        key = name
    return f"{root}:{key}"


_BLOCK_START = re.compile(r"(?:async[ \t]+)?(def|class)[ \t]+(\w+)")


_CLASS_REFERENCE = re.compile(r"(?<!class )(?<!\w)([A-Z]\w*)")
"""A capitalised name not right after `class ` (`views.ArticleList.as_view()`, `(BaseView)`)."""
_STRING_OR_COMMENT = re.compile(r'"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|#[^\n]*')


def _class_references(text: str) -> frozenset[str]:
    """The capitalised names the code mentions (see `ProjectFacts.class_references`), read with
    string literals and comments taken out: names only, never a value the code holds (a secret
    in a string must not reach the facts, which the cache stores)."""
    return frozenset(_CLASS_REFERENCE.findall(_STRING_OR_COMMENT.sub(" ", text)))
_COMMENT_LINE = re.compile(r"^[ \t]*#.*$", re.M)
_MAIN_BLOCK = re.compile(r"^if[ \t]+__name__[ \t]*==[ \t]*['\"]__main__['\"][ \t]*:", re.M)
_COMMAND_CLASS = re.compile(r"^([ \t]*)class[ \t]+\w+[ \t]*\([^)]*\bBaseCommand\b[^)]*\)[ \t]*:", re.M)
"""A Django management command's class, or a base class of some (its methods run in the command's process)."""
_COMMAND_DECORATOR = re.compile(r"^([ \t]*)@[\w.]*(?:command|group)\(", re.M)
"""What makes a function a click or typer command (`@cli.command()`, `@app.command("sync")`, a
project's `@notify_command(name="purge")`)."""
_LEVEL_FUNCTION = re.compile(r"^def[ \t]+(debug|info|warning|warn|error|exception|critical|fatal)\(", re.M)
_LOGS_OR_PRINTS = re.compile(r"\b(?:\w*log\w*|LOG\w*)\.(?:debug|info|warning|warn|error|exception|critical|fatal|log)\(|\bprint\(")
_ADAPTER_CLASS = re.compile(r"^[ \t]*class[ \t]+(\w+)\([^)]*HTTPAdapter[^)]*\)[ \t]*:", re.M)
_PATCHED_REQUEST = re.compile(r"^[ \t]*(?:requests\.)?(?:sessions\.)?Session\.request[ \t]*=[ \t]*\w", re.M)
_TIMEOUT_FILLED = re.compile(r"""setdefault\(\s*['"]timeout['"]|\[\s*['"]timeout['"]\s*\]\s*=""")
_SOCKET_TIMEOUT = re.compile(r"\bsetdefaulttimeout\(\s*(?!None\s*\))[^)\s]")


def serves_with_aiohttp(text: str) -> bool:
    """Whether a module imports aiohttp's server side (`from aiohttp import web`)."""
    return _AIOHTTP_SERVER.search(text) is not None


@functools.lru_cache(maxsize=2)
def _operator_modules(modules: frozenset[tuple[str, str]], module_imports: frozenset[tuple[str, str]],
                      dotted_strings: frozenset[str]) -> frozenset[str]:
    """The least fixed point: modules that serve nothing, that no framework loads by name and
    no string names, imported by operator modules only, starting from the operator's programs
    no service module imports. A module's import of a package imports its `__init__` too, so a
    module that a package's `__init__` imports is the service's as soon as the service imports
    anything of the package. Imports are matched by their dotted name's tail (`util.email` is
    `jobs/report/util/email.py`), which at worst gives a module more importers: never the
    operator's by mistake."""
    roles = dict(modules)
    dotted = {path: _module_of(path) for path in roles}
    by_last: dict[str, list[str]] = {}
    for path, module in dotted.items():
        by_last.setdefault(module.rsplit(".", 1)[-1], []).append(path)
    importers: dict[str, set[str]] = {}
    imported: dict[str, set[str]] = {}
    for importer, name in module_imports:
        parts = name.split(".")
        known = parts.index("*") if "*" in parts else len(parts)  # (`coding_systems.*.import_data`: loaded by a built name)
        for i in range(1, known + 1):
            prefix = ".".join(parts[:i])
            for path in by_last.get(parts[i - 1], ()):
                if path != importer and (dotted[path] == prefix or dotted[path].endswith("." + prefix)):
                    importers.setdefault(path, set()).add(importer)
                    imported.setdefault(importer, set()).add(path)
        if known < len(parts):
            pattern = re.compile(r"(?:^|\.)" + r"\.".join(r"\w+" if p == "*" else re.escape(p) for p in parts) + "$")
            for path in by_last.get(parts[-1], ()) if parts[-1] != "*" else dotted:
                if path != importer and pattern.search(dotted[path]) is not None:
                    importers.setdefault(path, set()).add(importer)
                    imported.setdefault(importer, set()).add(path)
    named = {".".join(parts[:i]) for s in dotted_strings for parts in [s.split(".")] for i in range(2, len(parts) + 1)}

    def candidate(path: str) -> bool:
        role = roles[path]
        if role == "entry":
            return True
        parts = dotted[path].split(".")
        return role == "module" and path in importers and not any(".".join(parts[i:]) in named for i in range(len(parts) - 1))

    reach: set[str] = set()
    pending = [path for path, role in roles.items() if role == "entry"]
    while pending:
        path = pending.pop()
        if path in reach or not candidate(path) or not importers.get(path, set()) <= reach:
            continue
        reach.add(path)
        pending.extend(q for q in imported.get(path, ()) if q not in reach)
    return frozenset(path for path in reach if roles[path] != "entry")

_EXCEPTION_CLASS = re.compile(r"^class[ \t]+(\w+)[ \t]*\(([^)]*)\)", re.M)
_RAISE_CALL = re.compile(r"^([ \t]*)raise[ \t]+(?:[\w.]+\.)?([A-Z]\w*)\b", re.M)


def _exception_fields(text: str, tests: bool) -> dict[str, frozenset[tuple[str, str]]]:
    """See `ProjectFacts.exception_classes` and `raisers`."""
    if tests:
        return {"exception_classes": frozenset(), "raisers": frozenset(), "raising_only": frozenset()}
    classes = frozenset(
        (m.group(1), base.strip().rsplit(".", 1)[-1]) for m in _EXCEPTION_CLASS.finditer(text)
        if ("Exception" in m.group(2) or "Error" in m.group(2) or m.group(1).endswith(("Exception", "Error")))
        for base in m.group(2).split(",") if base.strip()
    ) if "class " in text else frozenset()
    raisers: set[tuple[str, str]] = set()
    if "raise " in text:
        definitions = [(m.start(), len(m.group(1).expandtabs()), m.group(2)) for m in _DEF_LINE.finditer(text)]
        for m in _RAISE_CALL.finditer(text):
            indent = len(m.group(1).expandtabs())
            owner = ""
            for start, def_indent, name in reversed(definitions):
                if start < m.start() and def_indent < indent:
                    owner = ("." + name) if def_indent > 0 else name
                    break
            raisers.add((m.group(2), owner))
    raising_only = frozenset(
        name for name, start, end in _named_bodies(text) if _top_level_def(text, start) and _only_raises(text[start:end])
    ) if "raise " in text and "\ndef " in text else frozenset()
    return {"exception_classes": classes, "raisers": frozenset(raisers), "raising_only": raising_only}


_RAISE_FIRST = re.compile(r"(?s:.*?)\)\s*(?:->[^:\n]*)?:[ \t]*(?:#[^\n]*)?\n\s*(?:(?:\"\"\"(?s:.*?)\"\"\"|'\'\'(?s:.*?)'\'\')\s*)?raise\b")
"""The rest of a signature, then a body that starts (after a docstring) with `raise`."""


def _only_raises(rest: str) -> bool:
    """Whether a function body, from the rest of its signature on (`request):\\n    raise ...`),
    is a docstring at most and one `raise`. Checked by parsing the few lines the pattern lets through."""
    if not _RAISE_FIRST.match(rest):
        return False
    try:
        tree = ast.parse("def f(" + rest.rstrip() + "\n")
    except (SyntaxError, ValueError):
        return False
    body = tree.body[0].body if tree.body and isinstance(tree.body[0], ast.FunctionDef) else []
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str):
        body = body[1:]
    return len(body) == 1 and isinstance(body[0], ast.Raise)


def _top_level_def(text: str, body_start: int) -> bool:
    """Whether the `def` whose body starts at `body_start` is not indented (a module's function)."""
    line_start = text.rfind("\n", 0, text.rfind("def ", 0, body_start)) + 1
    return text.startswith("def ", line_start) or text.startswith("async def ", line_start)


def _callee_name(key: str) -> str:
    """The name a call key calls, function or method alike (`cms:logic:get_page` -> `get_page`, `.save` -> `save`)."""
    return key.rsplit(":", 1)[-1].lstrip(".")


@functools.lru_cache(maxsize=64)
def _raising_functions(exception: str, raisers: frozenset[tuple[str, str]],
                       callers: frozenset[tuple[str, str]]) -> frozenset[str]:
    """The functions that raise `exception` by name, and every function that calls one of those,
    transitively (see `ProjectFacts.never_raised_by`). (A raise at module level runs on import.)"""
    found = {function for cls, function in raisers if cls == exception}
    by_callee: dict[str, set[str]] = {}
    for key, caller in callers:
        by_callee.setdefault(_callee_name(key), set()).add(caller)
    pending = list(found)
    while pending:
        for caller in by_callee.get(pending.pop().lstrip("."), ()):
            if caller not in found:
                found.add(caller)
                pending.append(caller)
    return frozenset(found)


_SERIALIZER_NAME = re.compile(r"\b([A-Z]\w*Serializer)\b")
_IMPORT_STATEMENT = re.compile(r"^[ \t]*(?:from[ \t]+[\w.]+[ \t]+)?import[ \t]+(?:\([^)]*\)|[^\n]*)", re.M)


def _decorated_atomic(text: str, start: int) -> bool:
    """Whether the `def` at `start` has a decorator naming `atomic` (`@transaction.atomic`,
    `@method_decorator(transaction.atomic)`) on the lines right above it."""
    lines = text[:start].rstrip("\n").split("\n")
    for line in reversed(lines):
        stripped = line.strip()
        if not stripped.startswith("@"):
            return False
        if re.search(r"\batomic\b", stripped):
            return True
    return False


def _serializer_uses(text: str, path: str) -> dict[str, Any]:
    """See `ProjectFacts.serializer_users` and `loose_serializers`."""
    if "Serializer" not in text or is_test_path(path):
        return {"serializer_users": frozenset(), "loose_serializers": frozenset()}
    users: set[tuple[str, str]] = set()
    bodies: list[tuple[int, int]] = []
    for m in _CLASS.finditer(text):
        end = _body_end(text, m.end(), 0)
        users.update((m.group(1), name) for name in _SERIALIZER_NAME.findall(text, m.end(), end) if name != m.group(1))
        bodies.append((m.start(), end))
    loose = set(_SERIALIZER_NAME.findall(_IMPORT_STATEMENT.sub("", _outside(text, bodies))))
    return {"serializer_users": frozenset(users), "loose_serializers": frozenset(loose)}


@functools.lru_cache(maxsize=2)
def _atomic_serializers(users: frozenset[tuple[str, str]], loose: frozenset[str], atomic_views: frozenset[str],
                        view_bases: frozenset[tuple[str, str]]) -> frozenset[str]:
    """The least fixed point of `ProjectFacts.atomic_serializer`."""
    by_serializer: dict[str, set[str]] = {}
    for cls, serializer in users:
        by_serializer.setdefault(serializer, set()).add(cls)
    atomic_classes = {cls for cls, _ in users if any(c in atomic_views for c in _with_ancestors([cls], view_bases))}
    found: set[str] = set()
    changed = True
    while changed:
        changed = False
        for serializer, classes in by_serializer.items():
            if serializer not in found and serializer not in loose and classes <= atomic_classes | found:
                found.add(serializer)
                changed = True
    return frozenset(found)


_ATOMIC_BLOCK = re.compile(r"^[ \t]*(?:async[ \t]+)?with[ \t]+[^\n]*\batomic\(|^[ \t]*@(?:\w+\.)*atomic\b[^\n]*\n(?:[ \t]*@[^\n]*\n)*"
                           r"[ \t]*(?:async[ \t]+)?def[ \t]+\w+\(", re.M)


def _transaction_call_fields(text: str, tests: bool) -> dict[str, frozenset[str]]:
    """See `ProjectFacts.transaction_calls` and `outside_transaction_calls`."""
    if tests or "(" not in text:
        return {"transaction_calls": frozenset(), "outside_transaction_calls": frozenset()}
    inside: set[str] = set()
    blocks: list[tuple[int, int]] = []
    if "atomic" in text:
        for m in _ATOMIC_BLOCK.finditer(text):
            if blocks and m.start() < blocks[-1][1]:
                continue  # (a block inside one already taken)
            line = text.rfind("\n", 0, m.end()) + 1
            indent = len(text[line:m.end()]) - len(text[line:m.end()].lstrip(" \t"))
            end = _body_end(text, m.end(), indent)
            inside.update(c.group("name") for c in _CALL.finditer(text, m.end(), end))
            blocks.append((m.start(), end))
    outside_text = _outside(text, blocks) if blocks else text
    return {"transaction_calls": frozenset(inside),
            "outside_transaction_calls": frozenset(c.group("name") for c in _CALL.finditer(outside_text))}


_OPERATOR_TEST = re.compile(
    r"^[ \t]*def[ \t]+(\w+)\((\w+)[^)\n]*\)[^:\n]*:[ \t]*\n[ \t]+return[ \t]+(?:\2\.is_active[ \t]+and[ \t]+)?\2\.(?:is_staff|is_superuser)[ \t]*$",
    re.M)
_BUILT_DECORATOR = re.compile(r"^(\w+)[ \t]*=[ \t]*[\w.]+\(\s*(\w+)\s*[,)]", re.M)


def _operator_checks(text: str) -> frozenset[str]:
    """See `ProjectFacts.operator_checks`."""
    tests = {m.group(1) for m in _OPERATOR_TEST.finditer(text)}
    return frozenset(tests | {m.group(1) for m in _BUILT_DECORATOR.finditer(text) if m.group(2) in tests}) if tests else frozenset()


def _operator_role_checks(text: str) -> frozenset[str]:
    """Functions whose body checks the user's role against a list that names only the site's
    administrators (`validate_user_has_role(request=request, roles=[UserRole.ROLE_SUPER_USER,
    UserRole.SYSTEM_ADMIN])`): called first in a view, they turn everyone else away."""
    out = set()
    for name, start, end in _named_bodies(text):
        if name.lower().split("_", 1)[0] not in _CHECK_VERBS:
            continue  # (`get_context_data` listing admins for a page is no guard)
        lists = _ROLES_ARGUMENT.findall(text, start, end)
        if len(lists) == 1:
            roles = [r.strip() for r in lists[0].split(",") if r.strip()]
            if roles and all(_ADMIN_ROLE.search(r.rsplit(".", 1)[-1]) for r in roles):
                out.add(name)
    return frozenset(out)


_CHECK_VERBS = frozenset({"validate", "check", "require", "ensure", "assert", "verify", "authorize", "authorise"})
_ROLES_ARGUMENT = re.compile(r"\broles[ \t]*=[ \t]*[\[(]([^\])]*)[\])]")
_ADMIN_ROLE = re.compile(r"(?i)super_?user|superadmin|system_?admin|^(?:role_)?admin(?:istrator)?$")


def _operators_login(text: str) -> bool:
    """Whether the module's Flask-Login `user_loader` answers with the site's operators only: every
    class its returns name is an admin's (`return AdminUser()`, `return db.session.get(AdminAccount,
    int(user_id))`): whoever logs in administers the installation (a self-hosted tool's admins)."""
    loader = _USER_LOADER.search(text)
    if loader is None:
        return False
    body = text[loader.end():_body_end(text, loader.end(), len(loader.group(1).expandtabs()))]
    classes = [c for m in _RETURN_LINE.finditer(body) for c in _CLASS_NAME.findall(m.group(1))]
    return bool(classes) and all(_OPERATOR_CLASS.search(c) for c in classes)


_USER_LOADER = re.compile(r"^([ \t]*)@[\w.]*\.user_loader[ \t]*\n[ \t]*(?:async[ \t]+)?def[ \t]+\w+\(", re.M)
_RETURN_LINE = re.compile(r"^[ \t]*return\b([^\n]*)", re.M)
_CLASS_NAME = re.compile(r"(?<![\w.])(?!None\b|True\b|False\b)([A-Z]\w*)")
_OPERATOR_CLASS = re.compile(r"Admin|Staff|Operator|Superuser")
_LOGIN_CHECKS = frozenset({"login_required", "fresh_login_required"})
"""Flask-Login's decorators: operator checks where the login loader answers admins only."""


_DOTTED_STRING = re.compile(r"""["']([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+)(?::\w+)?["']""")
_LOADED_BY_NAME = frozenset({"models", "admin", "apps", "tasks", "signals", "receivers", "urls", "views", "templatetags",
                             "consumers", "routing", "schema", "wsgi", "asgi", "conftest", "celery", "handlers", "hooks",
                             "plugins", "migrations", "__main__"})
"""Modules and folders a framework imports by their names (Django's `models`, `admin`, `apps` and
`templatetags/`, Celery's `tasks`, Channels' `routing`), whoever else imports them."""
_RUN_BY_PLATFORM = re.compile(
    r"^[ \t]*@(?:[\w.]*\.)?(?:task|shared_task|periodic_task|actor|job|http|cloud_event|receiver|subscriber|consumer)\b"
    r"|^(?:async[ \t]+)?def[ \t]+\w*handler\([ \t]*event\b|\bfunctions_framework\b", re.M)
"""What a platform runs by itself, whoever imports the module: a Cloud Function (`@functions_framework.http`),
a Lambda handler (`def lambda_handler(event, context)`), a worker's task, a signal receiver."""
_TOP_LEVEL_ARGUMENTS = re.compile(r"^\w+[ \t]*=[ \t]*[\w.]+\.parse_args\(", re.M)
_SERVICE_START = re.compile(r"(?<![\w.])(?:run|serve|start)\(|while True|run_forever|run_until_complete")


def _module_role(path: str, text: str) -> str:
    """What a module is to the project (see `ProjectFacts.modules`)."""
    if _operator_entry(path, text):
        return "entry"
    if serves(text) or _RUN_BY_PLATFORM.search(text) is not None:
        return "serves"
    if is_settings_path(path) or set(_module_of(path).split(".")[-2:]) & _LOADED_BY_NAME:
        return "loaded"
    return "module"


def _operators_file(path: str) -> bool:
    """A file an operator runs by its path (see `is_operator_path`). Not a package's own `setup.py`
    module (`onyx/setup.py`), which is the service's start-up code."""
    return is_operator_path(path) and (path == "setup.py" or not path.endswith("/setup.py"))


def _operator_entry(path: str, text: str) -> bool:
    """A program an operator runs: an operator's path (a command, a script), top-level code that
    parses the command line, or a `__main__` block of a module that serves nothing and starts no
    service (a job run once: no `while True` nor `run_forever`, no `run(...)`/`serve(...)`/
    `start(...)` in the block: a queue consumer or an event server started there runs for good)."""
    if _operators_file(path) or ("parse_args(" in text and _TOP_LEVEL_ARGUMENTS.search(text) is not None):
        return True
    main = _MAIN_BLOCK.search(text) if "__main__" in text else None
    return main is not None and not serves(text) and _SERVICE_START.search(text, main.end()) is None \
        and "while True" not in text and "run_forever" not in text


def _imported_modules(path: str, text: str) -> Iterator[str]:
    """The dotted names a module's imports may name as modules (see `ProjectFacts.module_imports`)."""
    for m in _IMPORT_LINE.finditer(text):
        for part in m.group(1).split(","):
            words = part.split()
            if words:
                yield words[0]
    package = _module_of(path).split(".")
    if not path.endswith("__init__.py"):
        package = package[:-1]
    if "import_module(f" in text or "__import__(f" in text:
        # `import_module(f"coding_systems.{name}.import_data")`: every module the name can be
        for m in _IMPORT_BY_BUILT_NAME.finditer(text):
            parts = _FORMATTED.sub("*", m.group(1)).split(".")
            if len(parts) > 1 and sum(p != "*" for p in parts) > 1 and all(p == "*" or p.isidentifier() for p in parts):
                yield ".".join(parts)
    for m in _FROM_IMPORT.finditer(text):
        module = m.group("module")
        dots = len(module) - len(module.lstrip("."))
        if dots:
            base = package[: len(package) - dots + 1] if dots > 1 else package
            module = ".".join([*base, module[dots:]] if module[dots:] else base)
        if module:
            yield module
        for part in (m.group("parenthesized") or m.group("names") or "").replace("\\", " ").split(","):
            words = part.split()
            if words and words[0] != "*":
                yield f"{module}.{words[0]}" if module else words[0]


_IMPORT_BY_BUILT_NAME = re.compile(r"""(?:import_module|__import__)\([ \t]*f["']((?:[\w.]|\{[^{}"'\n]*\})+)["']""")
_FORMATTED = re.compile(r"\{[^{}]*\}")


def _module_names(path: str) -> list[str]:
    """`src/app/client.py` -> `src`, `app`, `client`: the names an import of the project may start with."""
    return path[:-3].split("/")


def _module_of(path: str) -> str:
    """`endpoints/api/__init__.py` -> `endpoints.api`."""
    module = path[:-3] if path.endswith(".py") else path
    return module.removesuffix("/__init__").replace("/", ".")


def restful_abort(facts: ProjectFacts, qualified: str) -> bool:
    """Whether `qualified` (`endpoints.api.abort`, `flask_restful.abort`) is Flask-RESTful's or
    Flask-RESTX's `abort`, imported directly or from a module of the project that imports it."""
    module, _, name = qualified.rpartition(".")
    if name != "abort":
        return False
    if module.split(".", 1)[0] in ("flask_restful", "flask_restx", "flask_restplus"):
        return True
    return any(m == module or m.endswith("." + module) for m in facts.restful_aborts)


def _text_fields(text: str, path: str) -> dict[str, frozenset[str] | frozenset[tuple[str, str]]]:
    """The model fields of text a file declares: unbounded ones, ones with a length, and ones of a
    field class that is not Django's own; the field classes it derives; and the columns (fields
    that are not relations) of each class."""
    columns: set[tuple[str, str]] = set()
    texts: set[tuple[str, str]] = set()
    if not is_migration_path(path):  # (a migration's class is no model)
        classes = [(m.start(), m.group(1)) for m in _CLASS.finditer(text)]
        starts = [start for start, _ in classes]
        for m in _PLAIN_FIELD.finditer(text):
            at = bisect.bisect_right(starts, m.start())
            columns.add((classes[at - 1][1] if at else "", m.group(1)))
        for m in _TEXT_FIELD.finditer(text):
            at = bisect.bisect_right(starts, m.start())
            if at:
                texts.add((classes[at - 1][1], m.group(1)))
    return {"text_fields": frozenset(_TEXT_FIELD.findall(text)), "sized_fields": frozenset(_SIZED_FIELD.findall(text)),
            "model_columns": frozenset(columns), "model_text_fields": frozenset(texts),
            "field_classes": frozenset(_FIELD_CLASS.findall(text)) if "Field)" in text or "Field," in text else frozenset(),
            "custom_fields": frozenset((n, c) for n, c in _ANY_FIELD.findall(text) if c not in _DJANGO_FIELDS)}


_TEXT_FIELD_CLASSES = frozenset({"TextField", "BleachField", "RichTextField", "RichTextUploadingField", "HTMLField", "MarkdownxField",
                                 "MarkdownField", "MartorField", "CKEditor5Field", "SanitizedTextField"})
_FIELD_CLASS = re.compile(r"^[ \t]*class[ \t]+(\w+Field)\([ \t]*(?:[\w.]+\.)?(\w+Field)\b", re.M)
_ANY_FIELD = re.compile(r"^[ \t]+(\w+)[ \t]*=[ \t]*(?:[\w.]+\.)?(\w+Field)\(", re.M)
_DJANGO_FIELDS = frozenset(f"{kind}Field" for kind in (
    "Char", "Text", "Integer", "BigInteger", "SmallInteger", "PositiveInteger", "PositiveSmallInteger", "PositiveBigInteger",
    "Boolean", "NullBoolean", "Date", "DateTime", "Time", "Decimal", "Float", "Email", "URL", "Slug", "UUID", "File", "Image",
    "JSON", "Duration", "GenericIPAddress", "IPAddress", "Binary", "Auto", "BigAuto", "SmallAuto", "FilePath", "Array",
    "OneToOne", "ManyToMany", "Generated"))


_RAISE = re.compile(r"^([ \t]*)raise\s+([\w.]+\.)?([A-Z]\w*)(\(\s*\)|\()?", re.M)
"""A raise of an exception class by its CamelCase name (`DatabaseError(...)`, `errors.Quota()`,
`raise ProviderNotSupports`): (indent, module prefix, class, `(` or `()` or nothing)."""
_LOGGED_LINE = re.compile(r"\b(print|log|logger|logging|_log|LOG|LOGGER|_*log_\w+|\w*log)\b\s*[.(]")


def _raises(text: str, path: str) -> tuple[frozenset[tuple[str, str]], frozenset[tuple[str, str]], frozenset[str], frozenset[str]]:
    """(logged, unlogged, bare, with arguments): raise sites of a class called by its own name
    (`raise StorageError(...)`), as (exception class, "path:line"), right after a log line in the
    same block and without one; and the classes raised somewhere without arguments (`raise
    ProviderNotSupports`, `raise errors.Quota()`) and with some. One pass over the raises."""
    if "raise " not in text:
        return frozenset(), frozenset(), frozenset(), frozenset()
    lines = text.splitlines()
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line) + 1)
    logged: set[tuple[str, str]] = set()
    unlogged: set[tuple[str, str]] = set()
    bare: set[str] = set()
    loaded: set[str] = set()
    for m in _RAISE.finditer(text):
        name, parens = m.group(3), m.group(4)
        (loaded if parens == "(" else bare).add(name)
        if m.group(2) is not None or parens is None:
            continue  # only `raise Name(...)` counts as a raise site for the log lines before it
        indent = len(m.group(1).expandtabs())
        row = bisect.bisect_right(starts, m.start()) - 1
        seen = False
        for previous in reversed(lines[max(0, row - 6):row]):
            stripped = previous.strip()
            if not stripped or stripped.startswith("#"):
                continue
            if len(previous) - len(previous.lstrip()) < indent:
                break  # the start of the block
            if _LOGGED_LINE.search(stripped):
                seen = True
                break
        (logged if seen else unlogged).add((name, f"{path}:{row + 1}"))
    return frozenset(logged), frozenset(unlogged), frozenset(bare), frozenset(loaded)


_HTTP_EXCEPTION_HANDLER = re.compile(
    r"(?:exception_handler\(\s*(?:[\w.]+\.)?(?:Starlette)?HTTPException"
    r"|(?:register_error_handler|errorhandler)\(\s*(?:[\w.]+\.)?(?:HTTPException|Exception))\s*[,)]"
)
"""What handles an HTTPException: FastAPI's and Starlette's `exception_handler(HTTPException, ...)`;
Flask's `errorhandler(HTTPException)` or `register_error_handler(Exception, ...)` (Flask gives
HTTP exceptions to a handler for `Exception` too when none is more specific)."""


def _logging_of_errors(text: str) -> tuple[bool, frozenset[str], frozenset[str], frozenset[str]]:
    """(error responses are logged with their body, HTTPException handlers registered here but
    defined elsewhere, functions here shaped like exception handlers whose body logs, statuses
    whose detail an HTTPException handler here replaces with a fixed text)."""
    none: frozenset[str] = frozenset()
    registers = "exception_handler" in text or "errorhandler" in text or "error_handler(" in text
    logged, elsewhere, logging, scrubbed = _http_exception_handlers(text) if registers else (False, none, none, none)
    return logged or _logs_error_responses(text) or _logging_endpoint_wrapper(text), elsewhere, logging, scrubbed


_CATCH_ALL = re.compile(r"(?:add_exception_handler|exception_handler|errorhandler|register_error_handler)\(\s*(?:builtins\.)?Exception\s*([,)])")
_STATUS_HANDLER = re.compile(r"errorhandler\(\s*(\d{3})\s*\)")
_REPORTS = re.compile(r"\bcapture_(?:exception|message)\(|\blog_exception\(")


def _reported_statuses(text: str) -> frozenset[str]:
    """The statuses of `@app.errorhandler(502)` handlers whose body logs or reports to Sentry (see
    `ProjectFacts.reported_statuses`)."""
    out: set[str] = set()
    for m in _STATUS_HANDLER.finditer(text):
        definition = _DEF_LINE.search(text, m.end())
        if definition is not None:
            body = _body(text, definition)
            if _LOG_REFERENCE.search(body) or _REPORTS.search(body):
                out.add(m.group(1))
    return frozenset(out)


def _catch_all_handlers(text: str) -> frozenset[str]:
    """The functions a file registers for every exception: by name (`app.add_exception_handler(
    Exception, h)`, `register_error_handler(Exception, h)`) or by decorator (`@app.errorhandler(Exception)`)."""
    registered: set[str] = set()
    for m in _CATCH_ALL.finditer(text):
        if m.group(1) == ",":
            named = re.match(r"\s*(?:\w+\.)*(\w+)", text[m.end():])
            if named:
                registered.add(named.group(1))
        else:
            definition = _DEF_LINE.search(text, m.end())
            if definition is not None:
                registered.add(definition.group(2))
    return frozenset(registered)


_RESTFUL_IMPORT = re.compile(r"^[ \t]*(?:from|import)[ \t]+flask_rest(?:ful|x|plus)\b", re.M)
_ERROR_HOOK = re.compile(r"^[ \t]+def[ \t]+(?:write_error|log_exception)\(", re.M)
_FORMATS_TRACEBACK = re.compile(r"\bformat_(?:exception|exc|tb)\(")


def _logging_error_hook(text: str) -> bool:
    """A Tornado handler's `write_error` (or `log_exception`) override that logs the error, or
    records its formatted traceback (`format_exception(*exc_info)` into a log table): every
    `HTTPError` its handlers raise reaches it with the exception it was raised from."""
    if "write_error" not in text and "log_exception" not in text:
        return False
    return any(_LOG_REFERENCE.search(body) or _FORMATS_TRACEBACK.search(body)
               for body in (_body(text, m) for m in _ERROR_HOOK.finditer(text)))


def _logging_endpoint_wrapper(text: str) -> bool:
    """A decorator that wraps endpoints (`@functools.wraps(func)` on its inner function) and answers
    every exception they let out with an HTTP error after logging it with its traceback
    (`except Exception as e: logger.error(..., exc_info=True); raise HTTPException(500, ...)`):
    an HTTPException raised below it reaches the log with its detail and cause."""
    if "wraps(" not in text:
        return False
    for m in _WRAPPED_DEF.finditer(text):
        body = _body(text, m)
        for handler in _BROAD_EXCEPT.finditer(body):
            arm = _body(body, handler)
            if _LOG_REFERENCE.search(arm) and _WITH_TRACEBACK.search(arm) and _ANSWERS_HTTP_ERROR.search(arm):
                return True
    return False


_WRAPPED_DEF = re.compile(r"^[ \t]*@(?:functools\.)?wraps\(\s*\w+\s*\)[ \t]*\n(?:[ \t]*@[^\n]*\n)*[ \t]*(?:async\s+)?def\s+\w+\(", re.M)
_BROAD_EXCEPT = re.compile(r"^[ \t]*except(?:\s+\(?\s*(?:Exception|BaseException)\b[^:\n]*)?\s*:", re.M)
_WITH_TRACEBACK = re.compile(r"exc_info\s*=\s*(?:True|e\b|exc\b|err\b|error\b)|\.exception\(|traceback\.format_exc\(")
_ANSWERS_HTTP_ERROR = re.compile(r"HTTPException\(|status(?:_code)?\s*=\s*(?:500|HTTP_500|status\.HTTP_500)|\b\w*Response\(")


def _logs_error_responses(text: str) -> bool:
    """A request-logging middleware (a function given `call_next`) in a module that logs responses
    by their status (`if status_code >= 500: log_method = LOG.error`): every error response, its
    body (an HTTPException's detail) included, reaches the log."""
    if "call_next" not in text:
        return False
    return any(_LOG_REFERENCE.search(text, m.end(), m.end() + 200) for m in _ERROR_STATUS_TEST.finditer(text))


_ERROR_STATUS_TEST = re.compile(r"status(?:_code)?\s*(?:>=\s*[45]00|>\s*[34]99)\s*:")


def _http_exception_handlers(text: str) -> tuple[bool, frozenset[str], frozenset[str], frozenset[str]]:
    """(an HTTPException handler of this file logs, handlers registered here but defined in
    another file, functions here shaped like exception handlers whose body logs, statuses whose
    detail an HTTPException handler of this file replaces with a fixed text)."""
    logged = False
    scrubbed: set[str] = set()
    elsewhere: set[str] = set()
    for m in _HTTP_EXCEPTION_HANDLER.finditer(text):
        named = re.match(r"\s*(?:\w+\.)*(\w+)", text[m.end():]) if text[m.end() - 1] == "," else None  # (`handlers.on_http_error`)
        start = re.compile(rf"^[ \t]*(?:async\s+)?def\s+{named.group(1) if named else ''}\w*\(", re.M)
        found = start.search(text, 0 if named else m.end())
        if found is None:
            if named:
                elsewhere.add(named.group(1))  # imported from the module that defines it
            continue
        body = _body(text, found)
        if _LOG_REFERENCE.search(body):
            logged = True
        if _FIXED_DETAIL.search(body):
            threshold = _SERVER_STATUS_TEST.findall(body)
            if "==" in threshold:
                scrubbed.add("500")
            elif threshold:
                scrubbed.add("5xx")
    logging = frozenset(m.group(1) for m in _HANDLER_DEF.finditer(text) if _LOG_REFERENCE.search(_body(text, m)))
    return logged, frozenset(elsewhere), logging, frozenset(scrubbed)


_SERVER_STATUS_TEST = re.compile(r"status_code\s*(==|>=)\s*500\b")
_FIXED_DETAIL = re.compile(r"^[ \t]+(?:detail|message|msg|error_message)\s*=\s*(?:[A-Z][A-Z0-9_]{2,}|[\"'])", re.M)
"""`detail = GENERIC_5XX_MESSAGE`, `message = "Internal server error"`: a fixed text replaces it."""


def _body(text: str, found: re.Match[str]) -> str:
    """The text of the block (a function, an `except` arm) whose first line `found` starts, up to
    `_body_end`."""
    indent = len(found.group(0)) - len(found.group(0).lstrip(" \t"))
    return text[found.end():_body_end(text, found.end(), indent)]


def _body_end(text: str, start: int, indent: int) -> int:
    """Where the block begun before `start` at `indent` ends: at the next line indented no deeper
    than `indent` that is not a comment nor the closing bracket of a multi-line signature
    (`) -> None:` at the `def`'s indentation)."""
    end = re.compile(rf"\n(?=[ \t]{{0,{indent}}}[^\s#)\]])").search(text, start)
    return end.start() if end else len(text)


_HANDLER_DEF = re.compile(r"^[ \t]*(?:async\s+)?def\s+(\w+)\(\s*(?:request|req|_request|_req)\b[^,)]*,\s*\w+", re.M)
_LOG_REFERENCE = re.compile(
    r"\b(?:(?:\w*_)?(?:log|logger|logging|LOG|LOGGER)(?:_[a-z]+)?|[A-Z]\w*?(?:Log|Logger|Logging)(?:Util|Utils|Helper)?)"
    r"\.(?:log_)?(?:debug|info|warning|warn|error|exception|critical)\b"
)
"""A logger method, called or kept (`log = logger.warning if ... else logger.error`), of a logger
named for what it is (`logger`, `log`, `_error_logger`, `audit_log`, `logger_instance`), or of a
project's logging class (`SQLBotLogUtil.error(...)`, `AppLogger.exception(...)`); also a project
logger's `log_error(...)` (one that writes the error to a table)."""


def _atomic_wrappers(text: str) -> frozenset[str]:
    """The module's context managers that open a transaction (`@contextmanager` around `with
    transaction.atomic():`), and its decorators that run the function they wrap inside one
    (`def wrapper(method): def inner(*a, **kw): with transaction.atomic(): return method(*a, **kw)`)."""
    found = {m.group(1) for m in _CONTEXT_MANAGER.finditer(text) if _TRANSACTION_OPENED.search(_body(text, m))} \
        if "contextmanager" in text else set()
    for m in _DECORATOR_DEF.finditer(text):
        body = _body(text, m)
        opened = _TRANSACTION_OPENED.search(body)
        if opened and "def " in body[:opened.start()] and re.search(rf"\b{m.group(2)}\(", _body(body, opened)):
            found.add(m.group(1))
    return frozenset(found)


_DECORATOR_DEF = re.compile(r"^def[ \t]+(\w+)\([ \t]*(\w+)[ \t]*\)[ \t]*(?:->[^:\n]*)?:", re.M)
"""A module-level function of one parameter: a decorator, when it defines and returns a wrapper."""
_RESTFUL_ABORT = re.compile(r"^[ \t]*from[ \t]+flask_rest(?:ful|x|plus)[ \t]+import[^\n]*\babort\b", re.M)
_CONTEXT_MANAGER = re.compile(r"^[ \t]*@(?:contextlib\.)?contextmanager[ \t]*\n(?:[ \t]*@[^\n]*\n)*[ \t]*def[ \t]+(\w+)\(", re.M)
_TRANSACTION_OPENED = re.compile(r"^[ \t]*with[ \t]+(?:transaction\.)?atomic\(", re.M)
_AIOHTTP_SERVER = re.compile(r"^[ \t]*(?:from aiohttp import [^\n]*\bweb\b|from aiohttp import \([^)]*\bweb\b|import aiohttp\.web\w*\b"
                             r"|from aiohttp\.web\w*\b)", re.M)

MANIFESTS = ("pyproject.toml", "setup.py", "setup.cfg", "requirements.txt")
_EVENT_LOOP_SERVERS = re.compile(
    rb"""(?ix)(?<![\w.-])(fastapi|starlette|litestar|sanic|quart|tornado|django|channels|uvicorn|hypercorn|daphne|
    granian|aiogram|discord(\.py)?|py-cord|nextcord|python-telegram-bot|pyrogram|telethon|websockets|faststream|grpcio|
    nicegui|reflex|robyn|blacksheep|falcon|emmett|connexion|aiokafka|slack-bolt)(?![\w-])"""
)
"""(python-socketio alone is not one: its asyncio server runs under aiohttp, uvicorn or another of
these; beside Flask it runs in threads. aiohttp is not either: it is as often only an HTTP client,
and its server shows in the code, see `loop_servers`.)"""
_DEV_SECTION = re.compile(rb"(?m)^\[(?:dependency-groups|tool\.poetry\.(?:dev-dependencies|group\.[^\]]*)|tool\.(?:pytest|ruff|mypy|coverage|"
                          rb"black|isort|tox|hatch\.envs)[^\]]*)\][^\n]*\n(?:(?!\[)[^\n]*\n?)*")
"""Sections of a pyproject.toml for development only (dependency groups, tool settings): a test
server named there does not make the package one."""


_LONG_RUNNING = re.compile(
    rb"""(?ix)(?<![\w.-])(flask|bottle|pyramid|cherrypy|web\.py|gunicorn|uwsgi|waitress|gevent|eventlet|twisted|celery|rq|
    dramatiq|huey|kombu|pika|aio-pika|kafka-python|confluent-kafka|apscheduler|schedule|zmq|pyzmq|nameko|aiohttp|flower|
    streamlit|gradio|dash|panel|bokeh)(?![\w-])"""
)
"""Servers, workers and schedulers other than the event-loop servers: a process that stays up."""


_SERVER_DRIVERS = re.compile(
    rb"""(?ix)(?<![\w.-])(psycopg2?(-binary)?|psycopg-pool|asyncpg|pg8000|pymysql|mysqlclient|mysql-connector(-python)?|aiomysql|aiopg|
    cx[-_]oracle|oracledb|pyodbc|pymssql)(?![\w-])"""
)
"""Drivers of database servers named in a manifest: the project may run on one."""


_DECLARES_DEPENDENCIES = re.compile(rb"(?m)^\s*(?:dependencies\s*=|install_requires\b|\[tool\.poetry\.dependencies\]|[A-Za-z0-9][\w.-]*\s*(?:\[[^\]]*\]\s*)?(?:[=<>!~]=?|@|$))")
_INCLUDES = re.compile(rb"(?m)^\s*-[rc]\s|^\s*--requirement\b")


def package_facts(manifests: Iterable[tuple[str, bytes]]) -> ProjectFacts:
    """Facts from package manifests: (project-relative directory, manifest bytes) pairs."""
    serves: dict[str, bool] = {}
    stays_up: dict[str, bool] = {}
    databases: set[str] = set()
    for directory, data in manifests:
        runtime = _DEV_SECTION.sub(b"", data)
        if _SERVER_DRIVERS.search(runtime):
            databases.add("server")
        serves[directory] = serves.get(directory, False) or bool(_EVENT_LOOP_SERVERS.search(runtime))
        # Only a manifest that lists the dependencies itself can say none of them serves: not one
        # of tool settings only, nor one that includes another list (`-r base.txt`).
        unknown = not _DECLARES_DEPENDENCIES.search(runtime) or bool(_INCLUDES.search(runtime))
        stays_up[directory] = stays_up.get(directory, False) or serves[directory] or unknown or bool(_LONG_RUNNING.search(runtime))
    ordered = sorted(serves.items(), key=lambda item: (-item[0].count("/") - bool(item[0]), item[0]))
    batch = frozenset(d for d, up in stays_up.items() if not up)
    return ProjectFacts(packages=tuple(ordered), batch_packages=batch, databases=frozenset(databases))
