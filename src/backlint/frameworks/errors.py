"""Errors and their handling: which exception types an `except` catches, what kind they are,
and whether a block logs, re-raises or answers with an error.

Exception kinds:

* BROAD: bare `except:`, `Exception`, `BaseException`.
* INFRASTRUCTURE: database drivers and ORMs, network clients, the operating system, runtime
  errors: their text describes internals (SQL, hosts, paths).
* CLIENT: validation and parsing errors, whose message is written for the caller.
* NOT_FOUND: lookups that failed (`DoesNotExist`, `NoResultFound`, `KeyError`).
* DOMAIN: anything else, usually the application's own exceptions with deliberate messages.
"""

from __future__ import annotations

import enum
import re
from typing import TYPE_CHECKING, Iterable, Mapping

import libcst as cst

from backlint.frameworks import responses
from backlint.frameworks.imports import dotted
from backlint.syntax import call_name, caught_types, iter_children, iter_descendants, name_parts

if TYPE_CHECKING:
    from backlint.analysis import FileContext


class ExcKind(enum.IntEnum):
    DOMAIN = 0
    NOT_FOUND = 1
    CLIENT = 2
    INFRASTRUCTURE = 3
    BROAD = 4


_BROAD = frozenset({"Exception", "BaseException"})
# Errors of drivers, the network and the operating system: their text describes the inside of
# the system. Programming errors caught by name (`except AssertionError`, `except RuntimeError`)
# are signals the application raises and expects: they count as its own (DOMAIN).
_INFRA_NAMES = frozenset(
    {
        "OperationalError", "DatabaseError", "IntegrityError", "ProgrammingError", "InterfaceError", "DataError",
        "InternalError", "NotSupportedError", "SQLAlchemyError", "DBAPIError", "StatementError", "PoolError",
        "ConnectionError", "TimeoutError", "OSError", "IOError", "EnvironmentError", "RequestException", "HTTPError",
        "ConnectError", "ConnectTimeout", "ReadTimeout", "RedisError", "ClientError", "BotoCoreError",
        "CalledProcessError", "PermissionError", "FileNotFoundError", "BrokenPipeError",
        "SMTPException", "PyMongoError", "ServerSelectionTimeoutError", "ClientResponseError", "ClientConnectionError",
        "TransportError", "PostgresError", "InvalidRequestError", "ResourceClosedError", "NoSuchTableError", "CompileError",
    }
)
_INFRA_MODULES = ("sqlalchemy", "psycopg", "psycopg2", "pymysql", "MySQLdb", "mysql", "sqlite3", "django.db", "asyncpg",
                  "requests", "httpx", "aiohttp", "redis", "botocore", "boto3", "pymongo", "motor", "socket", "subprocess",
                  "smtplib", "urllib", "grpc", "elasticsearch", "kafka", "pika")
_CLIENT_NAMES = frozenset(
    {
        "ValidationError", "ValueError", "ValidationException", "RequestValidationError", "SchemaError", "JSONDecodeError",
        "DecodeError", "InvalidTokenError", "ExpiredSignatureError", "InvalidSignatureError", "BadRequest", "ParseError",
        "BadSignature", "SignatureExpired", "MultipleInvalid", "Invalid", "MarshmallowError", "FormValidationError",
        "UnicodeDecodeError", "InvalidOperation", "BadRequestKeyError", "TypeError", "AddrFormatError",
        "ProtectedError", "RestrictedError",  # Django's refusal to delete a row still in use: model and field names
    }
)
_NOT_FOUND_NAMES = frozenset({"DoesNotExist", "ObjectDoesNotExist", "NoResultFound", "Http404", "NotFound", "KeyError", "LookupError", "NotFoundError", "StopIteration"})


def _kind_of_name(ctx: FileContext | None, expr: cst.BaseExpression) -> ExcKind:
    name = dotted(expr) or ""
    last = name.rsplit(".", 1)[-1]
    qualified = (ctx.imports.qualify(expr) if ctx is not None else None) or name
    if last in _BROAD:
        return ExcKind.BROAD
    if last in _NOT_FOUND_NAMES or last.endswith("DoesNotExist"):
        return ExcKind.NOT_FOUND
    if last in _CLIENT_NAMES or last.endswith("ValidationError"):
        return ExcKind.CLIENT
    if qualified.startswith(("aiohttp.web.", "aiohttp.web_exceptions.")) and last.startswith("HTTP"):
        return ExcKind.DOMAIN  # aiohttp's server responses (`web.HTTPNotFound`), raised on purpose with a body for the client
    if any(qualified == m or qualified.startswith(m + ".") for m in _INFRA_MODULES):
        return ExcKind.INFRASTRUCTURE
    if last in _INFRA_NAMES and not (ctx is not None and _project_class(ctx, qualified)):
        return ExcKind.INFRASTRUCTURE
    return ExcKind.DOMAIN


def _project_class(ctx: FileContext, qualified: str) -> bool:
    """Whether a class imported by this qualified name comes from the project's own package (a
    relative import, or a package the file itself lies in: `boefjes.storage.interfaces.IntegrityError`
    in `boefjes/katalogus/root.py`): its own exception, whatever it is named."""
    if "." not in qualified:
        return False
    return qualified.startswith(".") or qualified.split(".", 1)[0] in ctx.path.split("/")[:-1]


def isinstance_of(test: cst.BaseExpression, name: str) -> cst.BaseExpression | None:
    """`X` of a test `isinstance(name, X)` (the kinds an `except ... as name` branch narrows to)."""
    if isinstance(test, cst.Call) and dotted(test.func) == "isinstance" and len(test.args) == 2 \
            and isinstance(test.args[0].value, cst.Name) and test.args[0].value.value == name:
        return test.args[1].value
    return None


def handler_kind(ctx: FileContext | None, handler: cst.ExceptHandler) -> ExcKind:
    """The worst kind among the types an except clause catches (bare `except:` is BROAD)."""
    types = caught_types(handler)
    if not types:
        return ExcKind.BROAD
    return max(_kind_of_name(ctx, t) for t in types)


def type_kind(ctx: FileContext | None, expr: cst.BaseExpression | None) -> ExcKind:
    """The kind of an exception type expression (None, for an unknown type, is BROAD)."""
    if expr is None:
        return ExcKind.BROAD
    if isinstance(expr, cst.Tuple):
        return max((_kind_of_name(ctx, e.value) for e in expr.elements), default=ExcKind.BROAD)
    return _kind_of_name(ctx, expr)


def is_broad(ctx: FileContext | None, handler: cst.ExceptHandler) -> bool:
    types = caught_types(handler)
    return not types or any(_kind_of_name(ctx, t) is ExcKind.BROAD for t in types)


# ---------------------------------------------------------------------------------------------
# Logging

LOG_METHODS = frozenset({"debug", "info", "warning", "warn", "error", "exception", "critical", "fatal", "log", "msg",
                         "trace", "success", "opt"})
_REPORTERS = frozenset({"print_exc", "print_exception", "format_exc", "capture_exception", "capture_message",
                        "captureException", "captureMessage", "report_exc_info", "notify", "notify_exception",
                        "record_exception", "send_error", "log_exception", "logException", "report"})


FAILURE_FIELD_WORDS = frozenset({"error", "errors", "failure", "failed", "exception", "traceback", "reason"})
"""Words of the fields a record keeps a failure in (`error_message`, `failure_reason`, `traceback`)."""


def failure_marks(handler: cst.ExceptHandler, caught: str | None = None) -> frozenset[str]:
    """The objects (as dotted names) on which an `except` block records the failure in a field named
    for it (`activity.error_message = ...`); with `caught`, only from a value that uses that name
    (`= str(e)`)."""
    marked: set[str] = set()
    for node in iter_descendants(handler.body, into_scopes=False):
        if not isinstance(node, cst.Assign):
            continue
        if caught is not None and not any(isinstance(n, cst.Name) and n.value == caught for n in [node.value, *iter_descendants(node.value)]):
            continue
        for target in node.targets:
            t = target.target
            if isinstance(t, cst.Attribute) and set(name_parts(t.attr.value)) & FAILURE_FIELD_WORDS and (name := dotted(t.value)):
                marked.add(name)
    return frozenset(marked)
_LOGGER_NAMES = frozenset({"logger", "log", "LOGGER", "LOG", "_logger", "_log", "_LOGGER"})
_LOG_WORDS = frozenset({"log", "logger", "logging", "logs", "sentry", "rollbar", "bugsnag", "honeybadger", "airbrake", "capture"})


def _log_helper(name: str) -> bool:
    """`mylog(...)`, `applog(...)`, `logit(...)`: a project's own logging function."""
    lower = name.lower()
    return (lower.endswith("log") and not lower.endswith(("alog", "blog", "backlog"))) or lower.startswith("log")


# Calls that only turn input into values: whatever they raise describes the input.
PARSERS = frozenset({"int", "float", "str", "bool", "type", "Decimal", "UUID", "loads", "dumps", "get_json", "get_payload", "fromstring", "next",
                     "jsonify", "make_response", "model_dump", "model_dump_json", "asdict",
                     "groups", "groupdict", "now", "utcnow", "today", "get_type_hints", "strptime", "fromisoformat",
                     "fromtimestamp", "split", "rsplit", "strip", "lower", "upper", "get", "getlist", "decode", "encode",
                     "parse", "parse_obj", "parse_raw", "model_validate", "model_validate_json", "validate", "date",
                     "datetime", "time", "timedelta", "keys", "items", "values", "replace", "format", "len", "dict",
                     "list", "tuple", "set", "isinstance", "literal_eval", "b64decode", "unquote", "urlparse", "urlsplit",
                     "ip_address", "ip_network", "compile", "match", "fullmatch", "search", "append", "group", "index",
                     "all", "any", "min", "max", "sum", "sorted", "abs", "round", "hasattr", "getattr", "startswith",
                     "endswith", "find", "rfind", "join", "zip", "map", "filter", "enumerate", "range", "reversed",
                     "lstrip", "rstrip", "partition", "rpartition", "splitlines", "count", "ord", "chr", "divmod",
                     "unhexlify", "hexlify", "casefold", "title", "capitalize", "zfill", "fromhex", "hex", "json",
                     "b64encode", "urlsafe_b64decode", "urlsafe_b64encode", "reduce", "ZoneInfo", "timezone",
                     "ip_interface", "IPv4Address", "IPv6Address", "unquote_plus", "normalize", "isoformat", "strftime",
                     "ljust", "rjust", "center", "isdigit", "isalpha", "isalnum", "isspace", "isnumeric", "isdecimal",
                     "translate", "strip_tags", "escape", "sub", "subn", "tostring",
                     "findall", "finditer", "itemgetter", "attrgetter", "get_decoded", "urlunparse", "urlunsplit",
                     "urlencode", "_replace", "make_url", "validate_python", "validate_json",
                     "validate_strings", "model_dump", "model_dump_json", "compare_digest", "force_str",
                     "smart_str", "force_bytes", "smart_bytes"})
_PARSER_PREFIXES = ("parse", "from_", "loads", "decode", "validate", "convert", "to_int", "to_float", "to_date", "to_timestamp",
                    "to_bool", "to_decimal", "to_uuid", "to_time", "get_setting", "get_config", "getenv")


_PARSER_WORDS = frozenset({"parse", "parser", "decode", "deserialize", "deserialise", "normalize", "normalise", "unmarshal"})
"""Words that make a function a parser wherever they stand in its name (`mf2_parse_message`,
`normalize_address`, `decode_function_input`)."""
_PARSER_SUFFIXES = ("_loads", "_decode")
"""`json_loads(text)`, `base64_decode(value)`: a project's own wrappers of parsers."""
_DOCUMENT_LOADERS = frozenset({"json.load", "yaml.safe_load", "yaml.load", "tomllib.load", "toml.load"})
"""Parsers of an already opened file: what fails is its content."""
_DATA_READERS = frozenset({"BytesIO", "StringIO", "decompress", "ExcelFile", "read_excel", "read_csv", "load_workbook"})
"""Readers of data in hand (`pd.ExcelFile(BytesIO(content))`, `pd.read_excel(xls, sheet_name=...)`,
`gzip.decompress(body)`): what fails is the data, an upload's or a request's."""


def parses_only(body: cst.CSTNode, helpers: Mapping[str, cst.FunctionDef] | None = None, inputs: frozenset[str] = frozenset()) -> bool:
    """Whether a block only parses values (`int(...)`, `json.loads`, item lookups): whatever
    it raises describes its input, not the system.

    `helpers` are the module's own functions by name: a call of one that itself only parses
    (`_timestamp_to_seconds(value)`) is parsing too. An early answer (`return JsonResponse(...,
    status=400)`) is not work. `inputs` are names bound to uploaded files: reading one
    (`upload.read()`) reads the request."""
    todo = [body]
    entered: set[str] = set()
    while todo:
        node = todo.pop()
        if isinstance(node, cst.Await) and reads_request_body(node.expression):
            continue  # `await request.json()`: reading the request, the input being parsed
        if isinstance(node, (cst.Await, cst.With, cst.FunctionDef)):
            return False
        if isinstance(node, cst.Return) and isinstance(node.value, cst.Call) and _is_answer(node.value):
            todo.extend(a.value for a in node.value.args)
            continue
        if isinstance(node, cst.Return) and isinstance(node.value, cst.Tuple) and _client_error(node):
            # `return json_result({"error": "..."}), 400`: an early answer, whatever builds its body
            todo.extend(a.value for e in node.value.elements if isinstance(e.value, cst.Call) for a in e.value.args)
            continue
        if isinstance(node, cst.Call) and call_name(node) == "abort":
            todo.extend(a.value for a in node.args)  # `abort(422, message="...")`: an early answer
            continue
        if isinstance(node, cst.Call):
            name = call_name(node) or ""
            if name == "read" and isinstance(node.func, cst.Attribute) and isinstance(node.func.value, cst.Name) \
                    and node.func.value.value in inputs:
                continue  # `json.loads(upload.read())`: the uploaded file is part of the request
            if isinstance(node.func, cst.Attribute) and _STORE_RECEIVER.search(dotted(node.func.value) or ""):
                return False  # `Model.objects.get(...)`, `requests.get(url)`: a lookup, not parsing
            if name not in PARSERS and not name.startswith(_PARSER_PREFIXES) and not name.endswith(_PARSER_SUFFIXES) \
                    and not set(name_parts(name)) & _PARSER_WORDS and dotted(node.func) not in _DOCUMENT_LOADERS \
                    and name not in _DATA_READERS:
                helper = helpers.get(name) if helpers is not None and isinstance(node.func, cst.Name) else None
                if helper is None:
                    return False
                if name not in entered:
                    entered.add(name)
                    todo.append(helper.body)
        if not isinstance(node, cst.Raise):  # `raise ValueError("must be > 0")`: checking, not work
            todo.extend(iter_children(node))
    return True


def reads_request_body(expr: cst.BaseExpression) -> bool:
    """`request.json()`, `request.body()`, `request.form()` (Starlette, FastAPI, aiohttp's `post()`)."""
    return (isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute) and isinstance(expr.func.value, cst.Name)
            and expr.func.value.value == "request" and expr.func.attr.value in ("json", "body", "form", "post", "text"))


_STORE_RECEIVER = re.compile(r"(^|\.)(objects|query|session|db|cursor|cur|conn|connection|redis|cache|requests|httpx|client|http)$")


def _client_error(ret: cst.Return) -> bool:
    """`return body, 400`: an answer with a 4xx status."""
    site = responses.response_of_return(ret)
    return site is not None and site.status is not None and 400 <= site.status < 500


def _is_answer(call: cst.Call) -> bool:
    """`JsonResponse({...}, status=400)`, `jsonify(...)`, `abort(404)`: building the answer, which
    does no work."""
    name = call_name(call) or ""
    return name.endswith("Response") or name in ("jsonify", "abort")


def is_logging_call(ctx: FileContext | None, call: cst.Call) -> bool:
    """A call that records something: a logger method, `logging.*`, `print`, an error reporter,
    or a project helper named for it (`log_error(...)`, `core_logger.print_to_log(...)`, a level
    method of a printer, `PrintStyle.error(f"... {e}")`)."""
    func = call.func
    if any(isinstance(a.value, cst.Name) and a.value.value in _LOGGER_NAMES for a in call.args):
        return True  # `rbac_failure(logger, e)`: a helper given the logger, to log with
    if isinstance(func, cst.Name):
        return func.value in ("print", "capture_exception", "capture_message", "warn") or bool(set(name_parts(func.value)) & _LOG_WORDS) or _log_helper(func.value)
    if not isinstance(func, cst.Attribute):
        return False
    method = func.attr.value
    if method in _REPORTERS or set(name_parts(method)) & _LOG_WORDS:
        return True
    receiver_name = dotted(func.value) or ""
    if receiver_name and set(name_parts(receiver_name.rsplit(".", 1)[-1])) & _LOG_WORDS:
        return True
    if method in LOG_METHODS and ctx is not None and ctx.project.logging_functions and isinstance(func.value, cst.Name):
        module = ctx.imports.qualify(func.value)  # `jh.error(...)` with `import jesse.helpers as jh`
        if module is not None and any(f == f"{module}.{method}" or f.endswith(f".{module}.{method}") for f in ctx.project.logging_functions):
            return True
    if method in LOG_METHODS:
        receiver = dotted(func.value) or ""
        if isinstance(func.value, cst.Call):  # structlog.get_logger().error(...), logger.opt(...).error(...)
            receiver = dotted(func.value.func) or ""
        tail = receiver.rsplit(".", 1)[-1].lower()
        return "log" in tail or "print" in tail or receiver in ("logging", "structlog") or tail in ("console", "sentry")
    if method == "write" and (dotted(func.value) or "").rsplit(".", 1)[-1] in ("stderr", "stdout"):
        return True  # sys.stderr.write(...), a management command's self.stdout.write(...)
    if method == "warn" and (dotted(func.value) or "") == "warnings":
        return True
    if method.startswith("print_") and (dotted(func.value) or "") == "traceback":
        return True  # traceback.print_exc(), print_exception(), print_stack(): to stderr
    if method in ("echo", "secho") and (dotted(func.value) or "") in ("click", "typer"):
        return any(a.keyword is not None and a.keyword.value == "err" and not _false(a.value) for a in call.args)  # to stderr
    return False


def _false(expr: cst.BaseExpression) -> bool:
    return isinstance(expr, cst.Name) and expr.value in ("False", "None")


def logs(ctx: FileContext | None, body: cst.CSTNode) -> bool:
    """Whether any call under `body` (not in nested functions) records something."""
    return any(isinstance(n, cst.Call) and is_logging_call(ctx, n) for n in iter_descendants(body, into_scopes=False))


def raises(body: cst.CSTNode) -> bool:
    """Whether `body` (not nested functions) has a `raise` statement."""
    return any(isinstance(n, cst.Raise) for n in iter_descendants(body, into_scopes=False))


def calls(body: cst.CSTNode) -> Iterable[cst.Call]:
    return (n for n in iter_descendants(body, into_scopes=False) if isinstance(n, cst.Call))
