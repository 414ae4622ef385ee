"""Where a value comes from: constants, numbers, request data, parameters, calls.

`origins(expr, env)` follows a value backwards inside the file: through local assignments (with
the reaching definitions of `flow.Scope`), augmented assignments and container mutations,
comprehension targets, class and module constants, and into helper functions of the same file,
whose parameters are bound to the arguments of the call being followed. It stops at anything it
cannot see into and says what that was ("parameter `table`", "call to `build()`").

Each origin has a kind; rules decide which kinds matter to them. For SQL, constants, numbers and
sanitised values are harmless, request data is the worst, the rest is unknown.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Iterable, Mapping

import libcst as cst

from backlint.frameworks import request_data
from backlint.frameworks.flow import Definition, DefKind, Scope
from backlint.frameworks.imports import dotted
from backlint.syntax import STATEMENTS, call_name, caught_types, compared_to_literal, conjuncts, contains, iter_children, iter_descendants, string_value, tests_absence

if TYPE_CHECKING:
    from backlint.analysis import FileContext

MAX_DEPTH = 12
MAX_STEPS = 20_000
"""Expressions one question may visit. Helpers calling helpers, each `return` and each reaching
definition a branch, can make the origins of one value exponential in the code's size; a
question past this budget is abandoned (no origins: rules stay silent, precision first)."""


class Kind(enum.IntEnum):
    """Origin kinds, ordered from harmless to worst."""

    CONSTANT = 0
    NUMERIC = 1
    SANITIZED = 2
    UNKNOWN = 3
    CALL = 4
    ATTRIBUTE = 5
    PARAMETER = 6
    EXCEPTION = 7
    REQUEST = 8

    @property
    def harmless(self) -> bool:
        return self <= Kind.SANITIZED


@dataclass(frozen=True)
class Origin:
    kind: Kind
    what: str
    """How to name it in a message: "parameter `table`", "request.args", "call to `build()`"."""
    source: cst.CSTNode | None = None
    """For EXCEPTION origins: the `except` clause (or error-handler function) that caught it."""
    raw: bool = False
    """For REQUEST origins: data as the client sent it (a JSON body, form fields, query
    arguments, an untyped `dict` body), not a value a framework validated into a type."""
    part: str | None = None
    """For REQUEST origins read from the request object: the attribute read (`form`, `json`...),
    or "str" once a string method returned the value (`data["name"].strip()`)."""
    stored: bool = False
    """Rows the code read back from a database with a query (`conn.execute("SELECT ...")`,
    `cur.fetchall()`): values the application stored, not input as it arrived."""


@dataclass(frozen=True)
class Env:
    """Where an expression is evaluated: a scope, the statement in it, and extra bindings.

    `bindings` hold comprehension targets (name -> the iterable, whose elements the name takes);
    `arguments`, inside a helper function followed from a call, map its parameters to the
    arguments of that call.
    """

    ctx: FileContext
    scope: Scope
    stmt: cst.CSTNode | None
    bindings: Mapping[str, tuple[cst.BaseExpression, "Env"]] = field(default_factory=dict)
    arguments: Mapping[str, tuple[cst.BaseExpression, "Env"]] = field(default_factory=dict)
    depth: int = 0

    @classmethod
    def here(cls, ctx: FileContext) -> Env:
        """The environment of the node the traversal is visiting."""
        scope, stmt = ctx.current_scope()
        env = cls(ctx, scope, stmt)
        for i, node in enumerate(ctx.stack):
            if isinstance(node, (cst.ListComp, cst.SetComp, cst.GeneratorExp, cst.DictComp)):
                env = env.with_comprehension(node.for_in)
        return env

    @classmethod
    def within(cls, ctx: FileContext, node: cst.CSTNode, around: cst.CSTNode | None = None) -> Env:
        """The environment of `node`, below the node the traversal is visiting in the same scope
        (a call in the `try` whose handler is visited), or below `around` (the `try` itself, from
        inside its handler): at the innermost statement holding it, so that names bound earlier in
        that `try` resolve."""
        scope, stmt = ctx.current_scope()
        holder = stmt
        start = around if around is not None else stmt
        for inner in iter_descendants(start, into_scopes=False) if start is not None else ():
            if isinstance(inner, STATEMENTS) and contains(inner, node):
                holder = inner  # (depth first: each one found lies inside the one before)
        return cls(ctx, scope, holder)

    def at(self, d: Definition) -> Env:
        scope = d.scope or self.scope
        stmt = d.statement if d.statement is not scope.node else None
        arguments = self.arguments if scope is self.scope else {}
        return Env(self.ctx, scope, stmt, {}, arguments, self.depth + 1)

    def with_comprehension(self, comp: cst.CompFor | None) -> Env:
        bindings = dict(self.bindings)
        while comp is not None:
            for name in _target_names(comp.target):
                bindings[name] = (comp.iter, self)
            comp = comp.inner_for_in
        return replace(self, bindings=bindings)

    def deeper(self) -> Env:
        return replace(self, depth=self.depth + 1)


def _target_names(target: cst.BaseExpression) -> Iterable[str]:
    if isinstance(target, cst.Name):
        yield target.value
    elif isinstance(target, (cst.Tuple, cst.List)):
        for el in target.elements:
            yield from _target_names(el.value)
    elif isinstance(target, cst.StarredElement):
        yield from _target_names(target.value)


# ---------------------------------------------------------------------------------------------
# Name resolution


@dataclass(frozen=True)
class Binding:
    """One way a name got its value: an expression evaluated in an environment."""

    value: cst.BaseExpression | None
    env: Env
    definition: Definition | None = None
    element: bool = False


def resolve(env: Env, name: str) -> list[Binding]:
    """The bindings of `name` that may be live in `env`, nearest first (empty when unknown)."""
    bound = env.bindings.get(name)
    if bound is not None:
        expr, benv = bound
        return [Binding(expr, benv, None, True)]
    scope: Scope | None = env.scope
    stmt = env.stmt
    while scope is not None:
        if name not in scope.globals and scope.binds(name):
            if stmt is not None and scope.contains(stmt):
                defs = scope.reaching(name, stmt)
            else:
                defs = list(reversed(scope.definitions(name)))
                if not defs and name in scope.params:
                    defs = scope.reaching(name, scope.node)
            return [Binding(d.value, env.at(d), d, d.element) for d in defs]
        # Class bodies are not visible from the methods inside them.
        scope = scope.parent
        while scope is not None and isinstance(scope.node, cst.ClassDef):
            scope = scope.parent
        stmt = None
    return []


def _literal_class_attribute(cls: cst.ClassDef | None, attr: str) -> bool:
    """Whether the class body assigns `attr` once, a literal made only of constants
    (`role_types = {"Director": "DIR", "Officer": "OFF"}`)."""
    if cls is None or not isinstance(cls.body, cst.IndentedBlock):
        return False
    values = [small.value for stmt in cls.body.body if isinstance(stmt, cst.SimpleStatementLine) for small in stmt.body
              if isinstance(small, cst.Assign) and any(isinstance(t.target, cst.Name) and t.target.value == attr for t in small.targets)]
    return len(values) == 1 and _constant_literal(values[0])


def _constant_literal(expr: cst.BaseExpression) -> bool:
    if isinstance(expr, (cst.SimpleString, cst.Integer, cst.Float)) or (isinstance(expr, cst.Name) and expr.value in ("True", "False", "None")):
        return True
    if isinstance(expr, cst.ConcatenatedString):
        return _constant_literal(expr.left) and _constant_literal(expr.right)
    if isinstance(expr, (cst.List, cst.Tuple, cst.Set)):
        return all(isinstance(e, cst.Element) and _constant_literal(e.value) for e in expr.elements)
    if isinstance(expr, cst.Dict):
        return all(isinstance(e, cst.DictElement) and _constant_literal(e.key) and _constant_literal(e.value) for e in expr.elements)
    return False


def _iterates_a_class(env: Env, name: str) -> bool:
    """Whether every binding of `name` is a loop over a class (`for state in ProofState:`): only
    an enumeration's members are iterated that way."""
    bindings = resolve(env, name)
    return bool(bindings) and all(
        b.definition is not None and b.definition.kind is DefKind.LOOP and isinstance(b.value, cst.Name)
        and _CLASS_NAME.fullmatch(b.value.value) is not None for b in bindings)


_CLASS_NAME = re.compile(r"[A-Z][a-z0-9]+(?:[A-Z][a-z0-9]*)*")
"""`ProofSpentState`, `Unit`: a class's name (not `ITEMS`, a constant's)."""


def _instance_values(ctx: FileContext, cls: cst.CSTNode) -> dict[str, list[cst.BaseExpression]]:
    """attribute -> every value assigned to `self.<attribute>` in the methods of a class (an
    augmented or unpacking assignment counts as a value that is not a literal)."""

    def build() -> dict[str, list[cst.BaseExpression]]:
        found: dict[str, list[cst.BaseExpression]] = {}
        for node in iter_descendants(cls):
            targets: list[tuple[cst.BaseExpression, cst.BaseExpression]] = []
            if isinstance(node, cst.Assign):
                targets = [(t.target, node.value) for t in node.targets]
            elif isinstance(node, cst.AnnAssign) and node.value is not None:
                targets = [(node.target, node.value)]
            elif isinstance(node, cst.AugAssign):
                targets = [(node.target, node)]  # type: ignore[list-item]
            for target, value in targets:
                for t in [target, *(e.value for e in target.elements)] if isinstance(target, (cst.Tuple, cst.List)) else [target]:
                    if isinstance(t, cst.Attribute) and isinstance(t.value, cst.Name) and t.value.value == "self":
                        found.setdefault(t.attr.value, []).append(value if t is target else t)
        return found

    return ctx.memo(("instance-values", id(cls)), build)  # type: ignore[no-any-return]


def enclosing_class(scope: Scope) -> Scope | None:
    s: Scope | None = scope
    while s is not None:
        if isinstance(s.node, cst.ClassDef):
            return s
        s = s.parent
    return None


# ---------------------------------------------------------------------------------------------
# Origins

_CONSTANT_CASE = re.compile(r"^_*[A-Z][A-Z0-9_]*$")


def is_constant_name(name: str) -> bool:
    """`MAX_ITEMS`, `_SLUG_RE`: a name written as a module constant."""
    return _CONSTANT_CASE.match(name) is not None

_NUMERIC_CALLS = frozenset(
    {"int", "float", "bool", "len", "abs", "round", "ord", "hash", "range", "count", "Decimal", "UUID",
     "uuid4", "uuid1", "date", "datetime", "time", "timedelta", "now", "utcnow", "today", "timestamp", "isoformat",
     "sum", "min", "max", "fromtimestamp", "randint", "id", "getpid", "monotonic", "perf_counter"}
)
# Converters named for their result: `safe_int`, `to_int`, `parse_float`, `as_integer`, `strftime`.
_NUMERIC_CONVERTER = re.compile(r"(^|_)(int|integer|float|decimal|number|bool|boolean)$|^strftime$", re.I)
_SANITIZER_WORDS = ("quote", "escape", "identifier", "literal", "sanitize", "sanitise", "clean_identifier", "hash", "slugify",
                    "digest", "encrypt", "b64encode", "hexlify", "uuid", "mogrify")
_CONFIG_NAMES = frozenset({"settings", "config", "conf", "cfg", "configuration", "app_config", "env", "environ"})
_ENV_CALLS = frozenset({"os.getenv", "os.environ.get", "getenv", "os.environ.setdefault", "decouple.config"})
_STATUS_ERRORS = frozenset({"HTTPStatusError", "HTTPError", "ClientResponseError"})
"""HTTP clients' exceptions for an error status the upstream answered with (httpx, requests, aiohttp)."""


_LEAKY_EXCEPTION_ATTRIBUTES = frozenset(
    {"args", "orig", "message", "msg", "pgerror", "diag", "strerror", "filename", "statement", "params", "__traceback__",
     "__cause__", "__context__", "reason", "text", "response", "detail", "errors",
     "messages", "message_dict", "error_dict", "error_list", "body", "content", "description"}
)
"""Attributes of an exception that carry its text (the rest are codes, flags or structured data)."""
_PASSTHROUGH_METHODS = frozenset(
    {"strip", "lstrip", "rstrip", "lower", "upper", "title", "casefold", "capitalize", "encode", "decode",
     "items", "keys", "values", "copy", "split", "rsplit", "splitlines", "removeprefix", "removesuffix"}
)
_STRING_METHODS = frozenset({"strip", "lstrip", "rstrip", "lower", "upper", "title", "casefold", "capitalize",
                             "removeprefix", "removesuffix"})
"""Methods only a string has, returning a string."""
_PASSTHROUGH_FUNCS = frozenset({"str", "repr", "list", "tuple", "set", "frozenset", "sorted", "reversed", "dict", "iter", "next", "format"})
_NUMERIC_ANNOTATIONS = frozenset(
    {"int", "float", "bool", "UUID", "Decimal", "date", "datetime", "time", "timedelta", "PositiveInt",
     "NonNegativeInt", "conint", "confloat", "StrictInt", "StrictBool", "StrictFloat"}
)
_RAW_BODY_ANNOTATIONS = frozenset({"dict", "Dict", "Any", "Mapping", "MutableMapping", "JSONType", "Json"})


def _is_untyped_body(param: cst.Param) -> bool:
    """`payload=Body(...)` with no annotation, or annotated `dict`: FastAPI validates nothing."""
    default = param.default
    return (
        param.annotation is None
        and isinstance(default, cst.Call)
        and (call_name(default) or "") == "Body"
    )


_EXCEPTION_CODES = frozenset({"code", "status", "status_code", "errno", "http_status", "pgcode", "sqlstate", "__name__"})
"""Exception attributes that are codes or names, not text about internals."""
_TRACEBACK_CALLS = frozenset({"sys.exc_info", "sys.exception", "traceback.format_exc", "traceback.format_exception",
                              "traceback.format_tb", "traceback.format_stack", "traceback.extract_tb",
                              "traceback.extract_stack", "traceback.format_exception_only", "traceback.format_list"})
_NUMERIC_OPS = (cst.Subtract, cst.Multiply, cst.Divide, cst.FloorDivide, cst.Power, cst.LeftShift,
                cst.RightShift, cst.BitAnd, cst.BitOr, cst.BitXor, cst.MatrixMultiply)


class _Exhausted(Exception):
    """A question went past MAX_STEPS."""


_GEOMETRY_TEXT = frozenset({"ewkt", "wkt", "hexewkb", "ewkb", "wkb"})
"""What GEOS, GDAL and Shapely write a geometry out as: coordinates, an SRID and shape keywords."""
_GEOMETRY_FIELDS = frozenset({"geom", "geometry", "the_geom"})
"""A model's geometry field (`path.geom`): its text is the geometry's EWKT."""
_COORDINATES = frozenset({"x", "y", "z", "srid"})


def _names_geometry(expr: cst.BaseExpression) -> bool:
    """Whether `expr` is named as a geometry or a point (`point`, `self.geom`, `start_point`,
    `path.geometry`)."""
    name = expr.attr.value if isinstance(expr, cst.Attribute) else expr.value if isinstance(expr, cst.Name) else ""
    return re.search(r"(?:^|_)(?:geom|geometry|point|coords?|location)(?:$|_|3d|2d)", name.lower()) is not None


class Origins:
    """Computes origins with a guard against cycles and a budget of steps per question (a call of
    `of` from outside is a question)."""

    def __init__(self, ctx: FileContext) -> None:
        self.ctx = ctx
        self._active: set[tuple[int, int]] = set()
        self._nesting = 0
        self._steps = 0
        self._augments: dict[tuple[int, int], tuple[object, frozenset[Origin]]] = {}

    def of(self, expr: cst.BaseExpression | None, env: Env) -> frozenset[Origin]:
        if expr is None:
            return frozenset({Origin(Kind.UNKNOWN, "a value")})
        if env.depth > MAX_DEPTH:
            return frozenset({Origin(Kind.UNKNOWN, f"`{_short(self.ctx, expr)}`")})
        key = (id(expr), id(env.stmt))
        if key in self._active:
            return frozenset()
        if self._nesting == 0:
            self._steps = 0
            self._augments = {}
        self._steps += 1
        if self._steps > MAX_STEPS:
            raise _Exhausted
        self._active.add(key)
        self._nesting += 1
        try:
            return frozenset(self._of(expr, env))
        except _Exhausted:
            if self._nesting > 1:
                raise
            return frozenset()  # the question is abandoned, not answered with a guess
        finally:
            self._nesting -= 1
            self._active.discard(key)

    def of_all(self, exprs: Iterable[cst.BaseExpression], env: Env) -> set[Origin]:
        out: set[Origin] = set()
        for e in exprs:
            out |= self.of(e, env)
        return out

    # The cases, most common first.
    def _of(self, expr: cst.BaseExpression, env: Env) -> set[Origin]:  # noqa: C901 - a dispatch table
        ctx = self.ctx
        if isinstance(expr, (cst.SimpleString, cst.ConcatenatedString, cst.Integer, cst.Float, cst.Imaginary, cst.Ellipsis)):
            if isinstance(expr, cst.ConcatenatedString) and string_value(expr) is None:
                return self.of_all(_fstring_holes(expr), env)
            return {Origin(Kind.CONSTANT, "a constant")}
        if isinstance(expr, cst.FormattedString):
            holes = list(_fstring_holes(expr))
            return self.of_all(holes, env) if holes else {Origin(Kind.CONSTANT, "a constant")}
        if isinstance(expr, cst.Name):
            return self._name(expr, env)
        source = request_data.request_source(ctx, expr)
        if source is not None:
            part = source.rsplit(".", 1)[-1]
            return {Origin(Kind.REQUEST, f"request data (`{source}`)", raw=part not in request_data.METADATA_ATTRIBUTES, part=part)}
        if isinstance(expr, cst.Attribute):
            return self._attribute(expr, env)
        if isinstance(expr, cst.Subscript):
            return self._subscript(expr, env)
        if isinstance(expr, cst.Call):
            return self._call(expr, env)
        if isinstance(expr, cst.BinaryOperation):
            return self._binary(expr, env)
        if isinstance(expr, cst.UnaryOperation):
            if isinstance(expr.operator, cst.Not):
                return {Origin(Kind.CONSTANT, "a boolean")}
            inner = self.of(expr.expression, env)
            return {Origin(Kind.NUMERIC, "a number")} if all(o.kind.harmless for o in inner) else set(inner)
        if isinstance(expr, cst.BooleanOperation):
            return self.of_all((expr.left, expr.right), env)
        if isinstance(expr, cst.IfExp):
            return self.of_all((expr.body, expr.orelse), env)
        if isinstance(expr, cst.Comparison):
            return {Origin(Kind.CONSTANT, "a boolean")}
        if isinstance(expr, (cst.Tuple, cst.List, cst.Set)):
            return self.of_all((e.value for e in expr.elements), env) or {Origin(Kind.CONSTANT, "a constant")}
        if isinstance(expr, cst.Dict):
            values = [e.value for e in expr.elements]
            return self.of_all(values, env) or {Origin(Kind.CONSTANT, "a constant")}
        if isinstance(expr, (cst.ListComp, cst.SetComp, cst.GeneratorExp)):
            inner_env = env.with_comprehension(expr.for_in)
            return set(self.of(expr.elt, inner_env))
        if isinstance(expr, cst.DictComp):
            inner_env = env.with_comprehension(expr.for_in)
            return set(self.of(expr.value, inner_env))
        if isinstance(expr, cst.Await):
            return set(self.of(expr.expression, env))
        if isinstance(expr, cst.NamedExpr):
            return set(self.of(expr.value, env))
        return {Origin(Kind.UNKNOWN, f"`{_short(ctx, expr)}`")}

    def _name(self, expr: cst.Name, env: Env) -> set[Origin]:
        name = expr.value
        if name in ("None", "True", "False"):
            return {Origin(Kind.CONSTANT, "a constant")}
        if env.stmt is not None and _checked_numeric(env.scope, env.stmt, name):
            return {Origin(Kind.NUMERIC, f"`{name}`, checked to be a number")}
        if env.stmt is not None and _checked_literal(env.scope, env.stmt, name):
            return {Origin(Kind.CONSTANT, f"`{name}`, checked to equal a constant")}
        bindings = resolve(env, name)
        if not bindings:
            if _CONSTANT_CASE.match(name):
                return {Origin(Kind.CONSTANT, f"the constant `{name}`")}
            if env.ctx.imports.names.get(name):
                return {Origin(Kind.UNKNOWN, f"`{name}`")}
            return {Origin(Kind.UNKNOWN, f"`{name}`")}
        out: set[Origin] = set()
        for b in bindings:
            out |= self._binding(name, b)
        if env.stmt is not None and not all(o.kind.harmless for o in out) and _allowlisted(env.scope, env.stmt, name):
            return {Origin(Kind.CONSTANT, f"`{name}`, checked against a fixed set")}
        return out

    def _binding(self, name: str, b: Binding) -> set[Origin]:
        d = b.definition
        if d is None:  # a comprehension target
            return set(self.of(b.value, b.env))
        kind = d.kind
        if kind is DefKind.PARAM:
            return self._param(name, d, b.env)
        if kind in (DefKind.ASSIGN, DefKind.LOOP, DefKind.APPEND, DefKind.EXTEND, DefKind.WITH):
            return set(self.of(d.value, b.env))
        if kind is DefKind.AUGMENT:
            # `sql += ...` many times over: each one is followed once per question, not once per
            # path to it (the paths multiply with every `+=` before it).
            memo_key = (id(d), id(b.env.arguments))
            held = self._augments.get(memo_key)
            if held is not None and held[0] is b.env.arguments:
                return set(held[1])
            out = set(self.of(d.value, b.env))
            key = (id(d), 0)
            if d.statement is not None and d.scope is not None and key not in self._active:
                # A `+=` in a loop reaches itself through the back edge: follow it once.
                self._active.add(key)
                try:
                    for prev in d.scope.reaching(name, d.statement):
                        if (id(prev), 0) not in self._active:
                            out |= self._binding(name, Binding(prev.value, b.env.at(prev), prev, prev.element))
                finally:
                    self._active.discard(key)
                self._augments[memo_key] = (b.env.arguments, frozenset(out))  # followed whole: the answer for any path
            return out
        if kind is DefKind.EXCEPT:
            return {Origin(Kind.EXCEPTION, f"the exception `{name}`", d.node)}
        if kind is DefKind.IMPORT:
            if _CONSTANT_CASE.match(name):
                return {Origin(Kind.CONSTANT, f"the constant `{name}`")}
            if name.lower() in _CONFIG_NAMES:
                # `from django.conf import settings`, `from ckan.common import config`: the operator's configuration
                return {Origin(Kind.CONSTANT, f"the configuration `{name}`")}
            return {Origin(Kind.UNKNOWN, f"`{name}`")}
        return {Origin(Kind.UNKNOWN, f"`{name}`")}

    def _param(self, name: str, d: Definition, env: Env) -> set[Origin]:
        argument = env.arguments.get(name)
        if argument is not None:
            expr, arg_env = argument
            return set(self.of(expr, arg_env.deeper()))
        param = d.node
        assert isinstance(param, cst.Param)
        annotation = param.annotation.annotation if param.annotation is not None else None
        if annotation is not None:
            kind = _annotation_kind(annotation)
            if kind is not None:
                return {Origin(kind, f"parameter `{name}`")}
        if name in ("self", "cls"):
            return {Origin(Kind.UNKNOWN, f"`{name}`")}
        if name.lower() in _CONFIG_NAMES or name.lower().endswith(("_config", "_settings", "_conf")):
            return {Origin(Kind.CONSTANT, f"the configuration `{name}`")}
        fn = d.scope.node if d.scope is not None else None
        from backlint.frameworks import routes  # the route model marks handler parameters

        if isinstance(fn, cst.FunctionDef):
            if routes.is_request_parameter(self.ctx, fn, param):
                route = routes.route_of(self.ctx, fn)
                if route is not None and route.path_parameters.get(name) in _NUMERIC_CONVERTERS:
                    return {Origin(Kind.NUMERIC, f"the path parameter `{name}`")}  # `<int:id>`: the router matched digits
                raw = routes.annotation_name(param) in _RAW_BODY_ANNOTATIONS or _is_untyped_body(param)
                return {Origin(Kind.REQUEST, f"request parameter `{name}`", raw=raw)}
            if routes.error_handler_parameter(fn, self.ctx.project.catch_all_handlers) is param:
                return {Origin(Kind.EXCEPTION, f"the exception `{name}`", fn)}
            passed = self._passed_in_file(fn, name, env.depth)
            if passed is not None:
                return passed
        return {Origin(Kind.PARAMETER, f"parameter `{name}`")}

    def _passed_in_file(self, fn: cst.FunctionDef, name: str, depth: int) -> set[Origin] | None:
        """What this file's calls of `fn` pass as parameter `name`, when every call passes
        something that cannot carry text (`int(...)`, a constant): the parameter is as harmless
        as its arguments. None when the file never calls `fn`, or some call passes anything else."""
        sites = call_sites(self.ctx).get(fn.name.value)
        if not sites or depth > 2:
            return None
        out: set[Origin] = set()
        for call, scope, stmt in sites:
            site_env = Env(self.ctx, scope, stmt, depth=depth + 1)
            bound = _bind_arguments(fn, call, site_env)
            if any(a.star for a in call.args):
                return None
            if name in bound:
                expr, arg_env = bound[name]
                origins = self.of(expr, arg_env)
            else:
                default = next((p.default for p in fn.params.params if p.name.value == name), None)
                origins = self.of(default, site_env) if default is not None else frozenset()
            if not origins or not all(o.kind.harmless for o in origins):
                return None
            out |= origins
        return out

    def _attribute(self, expr: cst.Attribute, env: Env) -> set[Origin]:
        attr = expr.attr.value
        if _CONSTANT_CASE.match(attr):
            return {Origin(Kind.CONSTANT, f"the constant `{attr}`")}
        base = expr.value
        if attr in ("value", "name") and isinstance(base, cst.Attribute) and _CONSTANT_CASE.match(base.attr.value):
            return {Origin(Kind.CONSTANT, f"the enum member `{base.attr.value}`")}
        if attr in ("value", "name") and isinstance(base, cst.Name) and _iterates_a_class(env, base.value):
            return {Origin(Kind.CONSTANT, f"the enum member `{base.value}`")}  # `for state in ProofState: state.value`
        key = dotted(expr)
        if key is not None and _MODEL_METADATA.search(f".{key}."):
            # `model._meta.db_table`, `Base.metadata.sorted_tables`, `Model.__table__`: names from the code
            return {Origin(Kind.CONSTANT, f"the model metadata `{key}`")}
        if self._imported_class(base):
            # `NotifyLevel.none`, `fields.TaskStatus.Terminated`: a member of an imported class (an enum, constants)
            return {Origin(Kind.CONSTANT, f"the class attribute `{key}`")}
        if isinstance(base, cst.Name) and _literal_class_attribute(self.ctx.module_scope().classes.get(base.value), attr):
            # `Party.role_types[role]` with `role_types = {"Director": "DIR", ...}` in the class body: a table the code wrote
            return {Origin(Kind.CONSTANT, f"the class attribute `{key}`")}
        if key is not None:
            if env.scope.binds(key):
                bindings = resolve(env, key)
                if bindings:
                    out: set[Origin] = set()
                    for b in bindings:
                        out |= self._binding(key, b)
                    return out
            head = key.split(".", 1)[0]
            if head in ("self", "cls") and key.count(".") == 1:
                cls_scope = enclosing_class(env.scope)
                if cls_scope is not None:
                    defs = cls_scope.definitions(attr)
                    if defs and all(d.kind is DefKind.ASSIGN for d in defs):
                        out = set()
                        for d in defs:
                            out |= self.of(d.value, env.at(d))
                        return out
                if head == "cls":
                    # Read through the class, not an instance: class-level configuration.
                    return {Origin(Kind.CONSTANT, f"the class attribute `{attr}`")}
                if head == "self" and cls_scope is not None:
                    values = _instance_values(self.ctx, cls_scope.node).get(attr)
                    if values and all(string_value(v) is not None or isinstance(v, (cst.Integer, cst.Float)) for v in values):
                        # `self.graph_name = "knowledge_graph"` in __init__, and nowhere else
                        return {Origin(Kind.CONSTANT, f"the attribute `{attr}`, always set to a constant")}
        full = dotted(expr)
        if full is not None and (full.split(".", 1)[0].lower() in _CONFIG_NAMES or re.search(r"(^|\.)(config|settings)(\.|$)", full)):
            return {Origin(Kind.CONSTANT, f"the configuration `{_short(self.ctx, expr)}`")}
        if attr in ("text", "content") and isinstance(base, cst.Attribute) and base.attr.value == "response" \
                and self._http_status_error(base.value, env):
            # `e.response.text` of `except httpx.HTTPStatusError as e`: the body the upstream answered with, its own
            # account of the failure (not `str(e)`, which names the URL the server called)
            return {Origin(Kind.UNKNOWN, f"the upstream's answer `{_short(self.ctx, expr)}`")}
        base_origins = self.of(base, env)
        carried = {o for o in base_origins if o.kind in (Kind.REQUEST, Kind.EXCEPTION)}
        if carried:
            if all(o.kind is Kind.EXCEPTION for o in carried) and attr not in _LEAKY_EXCEPTION_ATTRIBUTES:
                # `e.code`, `e.protected_objects`: codes and structured data, not the text.
                return {Origin(Kind.NUMERIC if attr in _EXCEPTION_CODES else Kind.UNKNOWN, f"`{_short(self.ctx, expr)}`")}
            return carried
        if any(o.kind is Kind.CONSTANT and o.what.startswith(("the configuration", "the model metadata")) for o in base_origins):
            return set(base_origins)  # `settings.DATABASES`, `table.primary_key.columns`, `column.name`
        if base_origins and all(o.kind is Kind.CONSTANT and o.what.startswith("the constant") for o in base_origins):
            return set(base_origins)  # `p.name` for `p in PLACEHOLDERS`: the code wrote the constant's items
        if attr in ("id", "pk"):
            return {Origin(Kind.NUMERIC, f"the key `{_short(self.ctx, expr)}`")}
        if attr in _GEOMETRY_TEXT or attr in _GEOMETRY_FIELDS or (attr in _COORDINATES and _names_geometry(base)):
            # `geom.ewkt`, `point.x`, `{path.geom}`: a geometry written out by its library, numbers and keywords only
            return {Origin(Kind.NUMERIC, f"the geometry `{_short(self.ctx, expr)}`")}
        if attr in ("hex", "int", "year", "month", "day", "hour", "minute", "second", "days", "seconds") and base_origins and all(
            o.kind is Kind.NUMERIC for o in base_origins
        ):
            return {Origin(Kind.NUMERIC, f"`{_short(self.ctx, expr)}`")}  # `uuid4().hex`, `now().year`
        if _is_database(self.ctx, base, env):
            return {Origin(Kind.CONSTANT, f"the database's `{attr}`")}  # `db.timestamp_now`, `conn.dialect`
        return {Origin(Kind.ATTRIBUTE, f"`{_short(self.ctx, expr)}`")}

    def _http_status_error(self, expr: cst.BaseExpression, env: Env) -> bool:
        """`e` caught only as an HTTP client's error for a status the upstream answered with
        (`httpx.HTTPStatusError`, `requests.HTTPError`, `aiohttp.ClientResponseError`)."""
        found = self.of(expr, env)
        return bool(found) and all(
            o.kind is Kind.EXCEPTION and isinstance(o.source, cst.ExceptHandler) and o.source.type is not None
            and all((self.ctx.imports.qualify(t) or "").startswith(("httpx.", "requests.", "aiohttp."))
                    and (dotted(t) or "").rsplit(".", 1)[-1] in _STATUS_ERRORS for t in caught_types(o.source))
            for o in found)

    def _imported_class(self, expr: cst.BaseExpression) -> bool:
        """`NotifyLevel` imported by name, or `fields.TaskStatus` read from an imported module: a
        CamelCase class (not an UPPER_CASE constant, nor a module's lower-case variable)."""
        if isinstance(expr, cst.Attribute) and isinstance(expr.value, cst.Name):
            imported, name = expr.value.value, expr.attr.value
        elif isinstance(expr, cst.Name):
            imported = name = expr.value
        else:
            return False
        return bool(self.ctx.imports.names.get(imported)) and name[:1].isupper() and not name.isupper()

    def _subscript(self, expr: cst.Subscript, env: Env) -> set[Origin]:
        container = self.of(expr.value, env)
        if expr.slice and isinstance(expr.slice[0].slice, cst.Slice):
            # `value[:200]`: cut to a bound; still the request's, but no longer raw input.
            return {replace(o, raw=False) if o.kind is Kind.REQUEST else o for o in container}
        if all(o.kind.harmless for o in container):
            return set(container)
        key = string_value(expr.slice[0].slice.value) if expr.slice and isinstance(expr.slice[0].slice, cst.Index) else None
        if key is not None and key.lower() in _EXCEPTION_CODES and container and all(o.kind is Kind.EXCEPTION for o in container):
            return {Origin(Kind.NUMERIC, f"`{_short(self.ctx, expr)}`")}  # `e.response["Error"]["Code"]`: botocore's error code
        picked = self._returned_under(expr.value, key, env) if key is not None else None
        if picked is not None:
            return picked  # `result["plugin_key"]` of a helper answering `{"success": False, "error": str(e)}` elsewhere
        # `row["id"]` is as trustworthy as `row`; say which element was read.
        return {o if o.kind is not Kind.UNKNOWN else Origin(Kind.UNKNOWN, f"`{_short(self.ctx, expr)}`") for o in container}

    def _call(self, expr: cst.Call, env: Env) -> set[Origin]:
        ctx = self.ctx
        func = expr.func
        name = func.attr.value if isinstance(func, cst.Attribute) else func.value if isinstance(func, cst.Name) else None
        if name is None:
            return {Origin(Kind.CALL, f"`{_short(ctx, expr)}`")}
        lname = name.lower()
        qualified = ctx.imports.qualify(func) or dotted(func) or ""
        if qualified in _TRACEBACK_CALLS or (qualified.startswith("traceback.") and name.startswith(("format", "extract"))):
            return {Origin(Kind.EXCEPTION, "the traceback", None)}
        if qualified in _ENV_CALLS or qualified.endswith(("environ.get", ".getenv")):
            return {Origin(Kind.CONSTANT, "the environment")}
        if name in _NUMERIC_CALLS or _NUMERIC_CONVERTER.search(name):
            return {Origin(Kind.NUMERIC, f"`{name}()`")}
        if any(w in lname for w in _SANITIZER_WORDS):
            return {Origin(Kind.SANITIZED, f"`{name}()`")}
        args = [a.value for a in expr.args]
        if isinstance(func, cst.Attribute):
            receiver = func.value
            if name == "join":
                return self.of_all([receiver, *args], env) or {Origin(Kind.CONSTANT, "a constant")}
            if name == "replace" and _doubles_quotes(args):
                # `s.replace("'", "''")`: SQL's own escaping of a quote inside a quoted literal.
                return {Origin(Kind.SANITIZED, "`replace()` doubling quotes")}
            if name in ("format", "replace", "format_map"):
                return self.of_all([receiver, *args], env)
            if name == "keys":
                return self._keys(receiver, env)
            if name in _STRING_METHODS:
                # `data["name"].strip()`: whatever the client sent, what comes back is a string.
                return {replace(o, part="str") if o.kind is Kind.REQUEST else o for o in self.of(receiver, env)}
            if name in _PASSTHROUGH_METHODS:
                return set(self.of(receiver, env))
            if name in ("get", "pop", "setdefault"):
                inner = self.of(receiver, env)
                if all(o.kind.harmless for o in inner):
                    # `d.get(key, default)`: the default is the second positional argument (the
                    # keyword arguments of `Model.objects.get(pk=...)` select a row, not a value)
                    positional = [a.value for a in expr.args if a.keyword is None and not a.star]
                    return set(inner) | (self.of_all(positional[1:2], env))
                return set(inner)
        elif name in _PASSTHROUGH_FUNCS:
            return self.of_all(args[:1], env) or {Origin(Kind.CONSTANT, "a constant")}
        elif name in ("enumerate", "zip", "filter", "map"):
            return self.of_all(args, env) | {Origin(Kind.NUMERIC, "a number")}
        if _reads_rows(ctx, expr, name, env):
            return {Origin(Kind.CALL, f"rows read with `{_short(ctx, func)}()`", stored=True)}
        helper = _helper_function(env, func)
        if helper is not None:
            return self._helper(expr, helper, env)
        if self._computed_by_code(expr, qualified, env):
            return {Origin(Kind.CONSTANT, f"`{_short(ctx, func)}()` of constants")}
        return {Origin(Kind.CALL, f"`{_short(ctx, func)}()`")}

    def _computed_by_code(self, call: cst.Call, qualified: str, env: Env) -> bool:
        """A call whose result only code decides: a function (not a method of some object) or a
        database object's dialect helper (`db.timestamp_placeholder("now")`), given nothing but
        constants, that reads no input (files, sockets, processes, HTTP, database rows)."""
        func = call.func
        name = func.attr.value if isinstance(func, cst.Attribute) else func.value if isinstance(func, cst.Name) else ""
        if name in _INPUT_CALLS or qualified.startswith(_INPUT_MODULES) or name.startswith(("fetch", "read", "recv", "load", "scan")):
            return False
        if isinstance(func, cst.Attribute):
            receiver = func.value
            module = isinstance(receiver, (cst.Name, cst.Attribute)) and self.ctx.imports.qualify(receiver) is not None
            if not module and not _is_database(self.ctx, receiver, env):
                return False
        return all(not a.star and all(o.kind.harmless for o in self.of(a.value, env)) for a in call.args)

    def _helper(self, call: cst.Call, helper: tuple[cst.FunctionDef, Scope], env: Env) -> set[Origin]:
        fn, parent = helper
        scope = self.ctx.child_scope(fn, parent)
        if not scope.returns:
            return {Origin(Kind.CALL, f"`{fn.name.value}()`")}
        bindings = _bind_arguments(fn, call, env)
        out: set[Origin] = set()
        for ret, stmt in scope.returns:
            if ret.value is not None:
                out |= self.of(ret.value, Env(self.ctx, scope, stmt, {}, bindings, env.depth + 1))
        return out

    def _returned_under(self, value: cst.BaseExpression, key: str, env: Env) -> set[Origin] | None:
        """What `value[key]` holds when `value` is the result of a helper of this file whose every
        `return` is a dict literal with string keys: the values those returns put under `key`
        (a return without it raises KeyError there). None when that is not the shape."""
        found = assigned_values(env, value)
        if len(found) != 1 or not isinstance(found[0][0], cst.Call):
            return None
        call, venv = found[0]
        helper = _helper_function(venv, call.func)
        if helper is None:
            return None
        fn, parent = helper
        scope = self.ctx.child_scope(fn, parent)
        returns = [(ret.value, stmt) for ret, stmt in scope.returns]
        if not returns or not all(isinstance(v, cst.Dict) and all(
                isinstance(e, cst.DictElement) and string_value(e.key) is not None for e in v.elements) for v, _ in returns):
            return None
        bindings = _bind_arguments(fn, call, venv)
        out: set[Origin] = set()
        for v, stmt in returns:
            for e in v.elements:  # type: ignore[union-attr]
                if string_value(e.key) == key:  # type: ignore[union-attr]
                    out |= self.of(e.value, Env(self.ctx, scope, stmt, {}, bindings, venv.depth + 1))
        return out or {Origin(Kind.CONSTANT, "a constant")}

    def _keys(self, mapping: cst.BaseExpression, env: Env) -> set[Origin]:
        """Origins of the keys of a mapping (`d.keys()`), which differ from its values'."""
        if isinstance(mapping, cst.Dict):
            keys = [e.key for e in mapping.elements if isinstance(e, cst.DictElement)]
            return self.of_all(keys, env) or {Origin(Kind.CONSTANT, "a constant")}
        if isinstance(mapping, cst.Name):
            out: set[Origin] = set()
            for b in resolve(env, mapping.value):
                d = b.definition
                if d is not None and d.kind is DefKind.ASSIGN and isinstance(d.value, cst.Dict) and not b.element:
                    out |= self._keys(d.value, b.env)
                else:
                    out |= self.of(mapping, env)
            return out or set(self.of(mapping, env))
        return set(self.of(mapping, env))

    def _binary(self, expr: cst.BinaryOperation, env: Env) -> set[Origin]:
        op = expr.operator
        if isinstance(op, cst.Multiply):
            # `"?" * n` and `["%s"] * len(ids)` repeat a constant.
            for side, other in ((expr.left, expr.right), (expr.right, expr.left)):
                if isinstance(side, (cst.SimpleString, cst.List, cst.Tuple)):
                    return set(self.of(side, env))
        if isinstance(op, cst.Add) and any(isinstance(side, (cst.Integer, cst.Float)) for side in (expr.left, expr.right)):
            return {Origin(Kind.NUMERIC, "a computed number")}  # `row[0] + 3`: a string plus a number raises
        if isinstance(op, _NUMERIC_OPS):
            inner = self.of_all((expr.left, expr.right), env)
            if all(o.kind.harmless for o in inner):
                return {Origin(Kind.NUMERIC, "a number")}
            if not (_maybe_string(expr.left) or _maybe_string(expr.right)):
                return {Origin(Kind.NUMERIC, "a computed number")}
            return inner
        return self.of_all((expr.left, expr.right), env)


# Calls that read input, whatever their arguments: their result is data, not code.
_INPUT_CALLS = frozenset({"input", "open", "getpass", "check_output", "run", "popen", "getoutput", "urlopen", "get", "post",
                          "first", "one", "one_or_none", "scalar", "scalars", "all", "execute", "query", "raw", "stdout"})
_INPUT_MODULES = ("requests.", "httpx.", "urllib.", "subprocess.", "socket.", "aiohttp.", "os.popen", "sys.stdin", "pathlib.", "json.load", "csv.")


_MODEL_METADATA = re.compile(r"\._meta\.|(?:^\.|\.[A-Z]\w*\.|\.db\.)metadata\.(sorted_tables|tables)\.|\.__table__\.|\.__tablename__\.")
_ROW_READERS = frozenset({"fetchone", "fetchall", "fetchmany", "scalar", "scalars", "scalar_one", "scalar_one_or_none",
                          "first", "one", "one_or_none", "all", "mappings"})


def _reads_rows(ctx: FileContext, call: cst.Call, name: str, env: Env) -> bool:
    """A call that runs a query and returns its rows: a query call given SQL text
    (`conn.execute("SELECT ...")`, `pandas.read_sql(...)`; not `text()` or `mogrify()`, which
    only build SQL), or a fetch on a database object, on such a call's result or on an ORM query
    (`session.query(Version).filter(...).all()`, `Version.objects.filter(...).first()`)."""
    from backlint.frameworks import database  # the database model builds on this one

    if name in _ROW_READERS and isinstance(call.func, cst.Attribute):
        receiver = call.func.value
        if isinstance(receiver, cst.Call):
            if database.is_lazy_query(ctx, receiver, env):
                return True  # `session.query(AnalysisVersion).filter(...).all()`: the ORM's rows
            inner = receiver.func
            inner_name = inner.attr.value if isinstance(inner, cst.Attribute) else inner.value if isinstance(inner, cst.Name) else ""
            return _reads_rows(ctx, receiver, inner_name, env)
        if isinstance(receiver, cst.Name) and _holds_query_result(ctx, receiver, env):
            return True  # `result = await session.execute(text("SELECT ..."))` then `result.all()`
        return _is_database(ctx, receiver, env)
    return database.runs_query(ctx, call, env)


def _holds_query_result(ctx: FileContext, name: cst.Name, env: Env) -> bool:
    """Whether every value bound to `name` is what a query call returned (awaited or not)."""
    from backlint.frameworks import database  # the database model builds on this one

    values = [v.expression if isinstance(v, cst.Await) else v for v, _ in assigned_values(env, name) if v is not name]
    return bool(values) and all(isinstance(v, cst.Call) and database.runs_query(ctx, v, env) for v in values)


def _is_database(ctx: FileContext, expr: cst.BaseExpression, env: Env) -> bool:
    from backlint.frameworks.database import is_db_object  # the database model builds on this one

    return is_db_object(ctx, expr, env)


_NUMBER_TYPES = frozenset({"int", "float", "bool", "Decimal", "UUID", "Number", "Integral", "Real"})


def _checked_literal(scope: Scope, stmt: cst.CSTNode, name: str) -> bool:
    """Whether `stmt` runs only under `if name == "text"` (or `name in ("a", "b")`): the value is
    one the code wrote (and not bound again since: `for state in others:` inside the `if`)."""
    for test, guard in scope.guard_statements(stmt):
        if not _same_binding(scope, name, guard, stmt):
            continue
        for t in conjuncts(test):
            side = compared_to_literal(t)
            if isinstance(side, cst.Name) and side.value == name:
                return True
            if (
                isinstance(t, cst.Comparison)
                and len(t.comparisons) == 1
                and isinstance(t.comparisons[0].operator, cst.In)
                and isinstance(t.left, cst.Name)
                and t.left.value == name
                and isinstance(t.comparisons[0].comparator, (cst.Tuple, cst.List, cst.Set))
                and t.comparisons[0].comparator.elements
                and all(string_value(e.value) is not None for e in t.comparisons[0].comparator.elements)
            ):
                return True
    return False


def _allowlisted(scope: Scope, stmt: cst.CSTNode, name: str) -> bool:
    """Whether an earlier statement leaves the function unless `name` is a key of a fixed table:
    `if name not in ALLOWED: raise ...`, or `x = TABLE.get(name)` then `if x is None: return`."""
    exit_tests: list[cst.BaseExpression] = []  # tests of later exits (the walk goes backwards)
    for prev in scope.before(stmt):
        if isinstance(prev, cst.If) and prev.orelse is None and _exits(prev.body):
            if not _same_binding(scope, name, prev, stmt):
                continue  # bound again after the check
            test = prev.test
            if (
                isinstance(test, cst.Comparison)
                and isinstance(test.left, cst.Name)
                and test.left.value == name
                and len(test.comparisons) == 1
                and isinstance(test.comparisons[0].operator, cst.NotIn)
                and _fixed_table(scope, test.comparisons[0].comparator)
            ):
                return True
            exit_tests.append(test)
        elif isinstance(prev, cst.SimpleStatementLine):
            for small in prev.body:
                if (
                    isinstance(small, cst.Assign)
                    and len(small.targets) == 1
                    and isinstance(small.targets[0].target, cst.Name)
                    and _lookup_of(scope, small.value, name)
                    and any(tests_absence(t, small.targets[0].target.value) is True for t in exit_tests)
                ):
                    return True  # `x = TABLE.get(name)`, then `if x is None: return`
    return False


def _same_binding(scope: Scope, name: str, check: cst.CSTNode, stmt: cst.CSTNode) -> bool:
    """Whether `name` holds at `stmt` only what it held when `check` ran."""
    return {id(d) for d in scope.reaching(name, stmt)} <= {id(d) for d in scope.reaching(name, check)}


def _exits(body: cst.BaseSuite) -> bool:
    """A block that leaves: its last statement returns, raises or aborts."""
    stmts = body.body
    if not stmts:
        return False
    last = stmts[-1]
    if isinstance(last, cst.SimpleStatementLine) or isinstance(body, cst.SimpleStatementSuite):
        small = last.body[-1] if isinstance(last, cst.SimpleStatementLine) else last
        if isinstance(small, (cst.Return, cst.Raise, cst.Continue)):
            return True
        return isinstance(small, cst.Expr) and isinstance(small.value, cst.Call) and (dotted(small.value.func) or "").endswith("abort")
    return False


def _lookup_of(scope: Scope, value: cst.BaseExpression, name: str) -> bool:
    """`TABLE.get(name)` or `TABLE.get(name, None)` on a fixed table."""
    return (
        isinstance(value, cst.Call)
        and isinstance(value.func, cst.Attribute)
        and value.func.attr.value == "get"
        and len(value.args) in (1, 2)
        and isinstance(value.args[0].value, cst.Name)
        and value.args[0].value.value == name
        and (len(value.args) == 1 or isinstance(value.args[1].value, cst.Name) and value.args[1].value.value == "None")
        and _fixed_table(scope, value.func.value)
    )


def _fixed_table(scope: Scope, expr: cst.BaseExpression, depth: int = 0) -> bool:
    """A literal collection of constants, a name bound only to one (in this function or the
    module), an UPPER_CASE constant, or its `.keys()`."""
    if depth > 4:
        return False
    if isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute) and expr.func.attr.value == "keys" and not expr.args:
        expr = expr.func.value
    if isinstance(expr, (cst.Dict, cst.Set, cst.List, cst.Tuple)):
        elements = [e.key for e in expr.elements if isinstance(e, cst.DictElement)] if isinstance(expr, cst.Dict) else [e.value for e in expr.elements]
        return bool(elements) and len(elements) == len(expr.elements) and all(string_value(e) is not None for e in elements)
    if isinstance(expr, cst.Name):
        if _CONSTANT_CASE.match(expr.value):
            return True
        current: Scope | None = scope
        while current is not None:
            defs = current.definitions(expr.value)
            if defs:
                return all(d.kind is DefKind.ASSIGN and d.value is not None and _fixed_table(current, d.value, depth + 1) for d in defs)
            current = current.parent
    return False


def _checked_numeric(scope: Scope, stmt: cst.CSTNode, name: str) -> bool:
    """Whether `stmt` runs only under `if isinstance(name, int)` (or another number type)."""
    for test in scope.guards(stmt):
        for t in conjuncts(test):
            if (
                isinstance(t, cst.Call)
                and isinstance(t.func, cst.Name)
                and t.func.value == "isinstance"
                and len(t.args) == 2
                and isinstance(t.args[0].value, cst.Name)
                and t.args[0].value.value == name
            ):
                kinds = t.args[1].value
                names = [e.value for e in kinds.elements] if isinstance(kinds, cst.Tuple) else [kinds]
                if all((dotted(n) or "").rsplit(".", 1)[-1] in _NUMBER_TYPES for n in names):
                    return True
    return False


def _maybe_string(expr: cst.BaseExpression) -> bool:
    return isinstance(expr, (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString))


def _fstring_holes(expr: cst.BaseExpression) -> Iterable[cst.BaseExpression]:
    if isinstance(expr, cst.ConcatenatedString):
        yield from _fstring_holes(expr.left)
        yield from _fstring_holes(expr.right)
    elif isinstance(expr, cst.FormattedString):
        for part in expr.parts:
            if isinstance(part, cst.FormattedStringExpression):
                yield part.expression


_CONTAINERS = frozenset({"list", "List", "set", "Set", "frozenset", "FrozenSet", "tuple", "Tuple", "Sequence", "Iterable",
                         "Collection", "AbstractSet"})


_NUMERIC_CONVERTERS = frozenset({"int", "float", "uuid"})
"""Route converters that match only numbers or UUIDs (Flask and Django `<int:pk>`, `<uuid:key>`;
Starlette `{pk:int}`): the handler receives the converted value."""


def _annotation_kind(annotation: cst.BaseExpression) -> Kind | None:
    """NUMERIC or CONSTANT for annotations that pin a value's shape (int, UUID, Literal[...], Enum...)."""
    node = annotation
    if isinstance(node, cst.Subscript):
        head = dotted(node.value) or ""
        last = head.rsplit(".", 1)[-1]
        if last == "Literal":
            return Kind.CONSTANT
        if last in ("Optional", "Annotated"):
            first = node.slice[0].slice if node.slice else None
            if isinstance(first, cst.Index):
                return _annotation_kind(first.value)
        if last in _CONTAINERS:  # `list[int]`, `tuple[int, ...]`: numbers, however they are joined
            kinds = {_annotation_kind(e.slice.value) for e in node.slice
                     if isinstance(e.slice, cst.Index) and not isinstance(e.slice.value, cst.Ellipsis)}
            return Kind.NUMERIC if kinds == {Kind.NUMERIC} else None
        return None
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.BitOr):
        left = _annotation_kind(node.left)
        right = _annotation_kind(node.right) if not (isinstance(node.right, cst.Name) and node.right.value == "None") else left
        return left if left is not None and left == right else None
    name = dotted(node)
    if name is None:
        return None
    last = name.rsplit(".", 1)[-1]
    if last in _NUMERIC_ANNOTATIONS:
        return Kind.NUMERIC
    return None


def _helper_function(env: Env, func: cst.BaseExpression) -> tuple[cst.FunctionDef, Scope] | None:
    """The same-file function a call goes to: a function of the module (or an enclosing
    function), or a method of the enclosing class called on `self`/`cls`."""
    if isinstance(func, cst.Name):
        scope: Scope | None = env.scope
        while scope is not None:
            fn = scope.functions.get(func.value)
            if fn is not None:
                return fn, scope
            scope = scope.parent
        return None
    if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) and func.value.value in ("self", "cls"):
        cls_scope = enclosing_class(env.scope)
        if cls_scope is not None:
            fn = cls_scope.functions.get(func.attr.value)
            if fn is not None:
                return fn, cls_scope
    return None


def call_sites(ctx: FileContext) -> Mapping[str, list[tuple[cst.Call, Scope, cst.CSTNode]]]:
    """Calls of this file by the called name (`f(...)`, `self.f(...)`, `cls.f(...)`), each with
    the scope and statement it is in: how a parameter is fed, when the file shows it."""

    def build() -> dict[str, list[tuple[cst.Call, Scope, cst.CSTNode]]]:
        found: dict[str, list[tuple[cst.Call, Scope, cst.CSTNode]]] = {}
        todo: list[tuple[cst.CSTNode, Scope, cst.CSTNode | None]] = [(ctx.module, ctx.module_scope(), None)]
        while todo:
            node, scope, stmt = todo.pop()
            if isinstance(node, STATEMENTS) and scope.contains(node):
                stmt = node
            if isinstance(node, (cst.FunctionDef, cst.ClassDef)):
                inner = ctx.child_scope(node, scope)
                todo.extend((child, inner if child is node.body else scope, stmt) for child in iter_children(node))
                continue
            if isinstance(node, cst.Call) and stmt is not None:
                func = node.func
                if isinstance(func, cst.Name):
                    found.setdefault(func.value, []).append((node, scope, stmt))
                elif isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) and func.value.value in ("self", "cls"):
                    found.setdefault(func.attr.value, []).append((node, scope, stmt))
            todo.extend((child, scope, stmt) for child in iter_children(node))
        return found

    return ctx.memo("call-sites", build)


def _bind_arguments(fn: cst.FunctionDef, call: cst.Call, env: Env) -> dict[str, tuple[cst.BaseExpression, Env]]:
    params = [*fn.params.posonly_params, *fn.params.params]
    if params and params[0].name.value in ("self", "cls") and isinstance(call.func, cst.Attribute):
        params = params[1:]
    bound: dict[str, tuple[cst.BaseExpression, Env]] = {}
    positional = [a for a in call.args if a.keyword is None and not a.star]
    for p, a in zip(params, positional):
        bound[p.name.value] = (a.value, env)
    for a in call.args:
        if a.keyword is not None:
            bound[a.keyword.value] = (a.value, env)
    return bound


def _short(ctx: FileContext, node: cst.CSTNode, limit: int = 40) -> str:
    code = " ".join(ctx.code(node).split())
    return code if len(code) <= limit else code[: limit - 1] + "…"


def is_statement(node: cst.CSTNode) -> bool:
    return isinstance(node, STATEMENTS)


def assigned_values(env: Env, expr: cst.BaseExpression, depth: int = 0) -> list[tuple[cst.BaseExpression, Env]]:
    """What a name or `self.attribute` may hold: the expressions assigned to it (through local
    assignments, `with ... as` targets and, for `self.x`, assignments in any method of the class),
    followed through further names. Anything else is its own value."""
    if depth > 6:
        return [(expr, env)]
    if isinstance(expr, cst.Await):
        return assigned_values(env, expr.expression, depth + 1)
    key = dotted(expr) if isinstance(expr, (cst.Name, cst.Attribute)) else None
    if key is None:
        return [(expr, env)]
    out: list[tuple[cst.BaseExpression, Env]] = []
    bindings = resolve(env, key) if env.scope.binds(key) or "." not in key else []
    if not bindings and key.startswith(("self.", "cls.")) and key.count(".") == 1:
        cls_scope = enclosing_class(env.scope)
        if cls_scope is not None:
            for fn in cls_scope.functions.values():
                scope = env.ctx.child_scope(fn, cls_scope)
                for d in scope.definitions(key):
                    if d.value is not None and d.kind in (DefKind.ASSIGN, DefKind.WITH):
                        out.extend(assigned_values(Env(env.ctx, scope, d.statement), d.value, depth + 1))
            return out or [(expr, env)]
    for b in bindings:
        d = b.definition
        if d is not None and d.kind in (DefKind.ASSIGN, DefKind.WITH) and d.value is not None and not b.element:
            out.extend(assigned_values(b.env, d.value, depth + 1))
        elif d is not None and d.kind is DefKind.PARAM:
            out.append((d.node, b.env))  # type: ignore[arg-type]
    return out or [(expr, env)]


def qualified_name(ctx: FileContext, call: cst.Call) -> str:
    """The qualified name of the called function when imported, else its dotted name."""
    return ctx.imports.qualify(call.func) or dotted(call.func) or ""


def _doubles_quotes(args: list[cst.BaseExpression]) -> bool:
    """`("'", "''")`: the arguments of a `replace` that doubles a quote."""
    if len(args) != 2:
        return False
    old, new = string_value(args[0]), string_value(args[1])
    return old in ("'", '"') and new == old * 2
