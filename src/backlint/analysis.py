"""Analysis of one Python file: decode, parse once, run every enabled rule in one traversal,
then turn what the rules reported into findings.

This module runs inside worker processes; it never touches more than the file it is given.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Mapping, Sequence

import libcst as cst

from backlint import positions, suppressions
from backlint.findings import FileResult, Finding, Fix, Level, Notification, NotificationKind, Region, RelatedLocation, Replacement
from backlint.fingerprints import finding_fingerprint, line_hashes
from backlint.frameworks.flow import Scope
from backlint.frameworks.imports import ImportTable
from backlint.frameworks.project import EMPTY as EMPTY_FACTS
from backlint.frameworks.project import ProjectFacts, facts_from_text, imports_test_framework, is_rule_test_text, is_settings_path, serves
from backlint.rule import FixSpec, Handler, Rule
from backlint.syntax import STATEMENTS, bound_targets, child_fields, decorator_targets, is_call_statement_of, is_leaf, iter_descendants

RuleSpec = tuple[type[Rule], Mapping[str, Any]]
_SERVICE_MODULES = ("flask", "fastapi", "django", "rest_framework", "starlette", "aiohttp", "quart", "sanic", "celery",
                    "rq", "dramatiq", "litestar", "tornado", "falcon", "bottle", "pyramid")
"""A rule class with its effective options."""


_WORKER_MODULES = ("celery", "rq", "dramatiq")
_DEFINITION = re.compile(r"^[ \t]*(?:async[ \t]+)?(?:def|class)[ \t]", re.M)
"""A function or class definition, at any indentation."""
_SUBCOMMAND = re.compile(r"\.set_defaults\([^)]*\bfunc[ \t]*=")
"""An argparse subcommand's handler, registered on its subparser."""
_INPUT = re.compile(r"(?<![\w.])input\(")
"""A call of the builtin `input()`: someone at the terminal answers it."""


def _cli_entry_point(fn: cst.FunctionDef) -> bool:
    """`@click.group()`, `@click.command()`, `@cli.command()`, `@app.command()` (typer)."""
    return any(isinstance(t, cst.Attribute) and t.attr.value in ("command", "group") for t in decorator_targets(fn))


class SourceProblem(Exception):
    """The file cannot be analysed as Python source; becomes one notification."""

    def __init__(self, kind: NotificationKind, message: str, line: int | None = None, column: int | None = None):
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.line = line
        self.column = column


def decode_source(data: bytes) -> str:
    """Decode Python source bytes as the interpreter would (BOM, PEP 263 coding cookie)."""
    if b"\0" in data:
        raise SourceProblem(NotificationKind.BINARY_FILE, "contains NUL bytes: not Python source")
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as exc:
        # No usable coding declaration and not UTF-8 in the first lines (or a bogus declaration).
        encoding = "utf-8" if "invalid or missing encoding declaration" in str(exc.msg) else ""
        if not encoding:
            raise SourceProblem(NotificationKind.DECODE_ERROR, f"cannot decode: {exc.msg}") from None
    try:
        text = data.decode(encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        detail = f"byte 0x{exc.object[exc.start]:02x} at offset {exc.start}" if isinstance(exc, UnicodeDecodeError) else str(exc)
        raise SourceProblem(NotificationKind.DECODE_ERROR, f"cannot decode as {encoding} ({detail})") from None
    if text.startswith("\ufeff"):
        text = text[1:]
    return text


def _trust_the_parser(self: cst.CSTNode) -> None:
    """Nodes built by libcst's parser are valid by construction; re-validating each one as it is
    created costs about a seventh of the parse (libcst's own PERF note says as much)."""


def parse_source(text: str) -> cst.Module:
    validate = cst.CSTNode.__post_init__
    cst.CSTNode.__post_init__ = _trust_the_parser  # type: ignore[method-assign]
    try:
        return cst.parse_module(text)
    except cst.ParserSyntaxError as exc:
        # libcst's native parser words its errors for its own grammar and places them loosely;
        # CPython's parser (parse only, nothing runs) usually says it better.
        try:
            compile(text, "<scanned>", "exec", flags=ast.PyCF_ONLY_AST, dont_inherit=True)
        except SyntaxError as py_exc:
            # CPython says column 0 (and sometimes line 0) when it has no place to point at;
            # reports count from 1, so leave out what is not a place.
            line = py_exc.lineno if py_exc.lineno and py_exc.lineno > 0 else None
            raise SourceProblem(
                NotificationKind.SYNTAX_ERROR,
                f"syntax error: {py_exc.msg}",
                line,
                py_exc.offset if line and py_exc.offset and py_exc.offset > 0 else None,
            ) from None
        except (ValueError, RecursionError, MemoryError):
            pass
        message = " ".join(exc.message.split()) or "invalid syntax"
        raise SourceProblem(
            NotificationKind.SYNTAX_ERROR,
            f"cannot parse: {message}",
            exc.raw_line,
            exc.raw_column + 1,
        ) from None
    except RecursionError:
        raise SourceProblem(NotificationKind.SYNTAX_ERROR, "too deeply nested to parse") from None
    finally:
        cst.CSTNode.__post_init__ = validate  # type: ignore[method-assign]


# ---------------------------------------------------------------------------------------------
# The per-file context rules see


@dataclass(eq=False)
class _Pending:
    rule: Rule
    node: cst.CSTNode
    message: str
    level: Level
    related: Sequence[tuple[cst.CSTNode, str]]
    redact: Sequence[cst.CSTNode]
    fix: FixSpec | None
    statement: cst.CSTNode | None
    scope_name: str
    fixed: Sequence[tuple[int, int]] = ()
    """Spans of `message` that are the rule's own words (see `rule.filled`)."""
    suppressible_at: Sequence[cst.CSTNode] = ()
    """Other nodes on whose lines a suppression comment counts (see `Rule.report`)."""


class FileContext:
    """What a rule can ask about the file being analysed.

    `stack` holds the ancestors of the node being visited, outermost first, ending with the
    node itself. Framework helpers memoise their per-file models with `memo()`.
    """

    def __init__(self, path: str, text: str, module: cst.Module, facts: ProjectFacts = EMPTY_FACTS) -> None:
        self.path = path
        self.text = text
        self.module = module
        self._facts = facts
        self._merged_facts: ProjectFacts | None = None
        self.stack: list[cst.CSTNode] = []
        self.imports = ImportTable.for_module(module)
        self._pending: list[_Pending] = []
        self._scopes: dict[int, Scope] = {}
        self._memo: dict[Any, Any] = {}

    @property
    def project(self) -> ProjectFacts:
        """Facts about the whole project (relations, routed views, settings), with this file's own."""
        if self._merged_facts is None:
            self._merged_facts = self._facts.merged(facts_from_text(self.text, self.path))
        return self._merged_facts

    # -- traversal ------------------------------------------------------------------------------

    def parent(self, node: cst.CSTNode | None = None) -> cst.CSTNode | None:
        """The parent of `node` (default: the node being visited), if it is on the stack."""
        stack = self.stack
        if node is None:
            return stack[-2] if len(stack) > 1 else None
        for i in range(len(stack) - 1, 0, -1):
            if stack[i] is node:
                return stack[i - 1]
        return None

    def ancestors(self) -> Iterator[cst.CSTNode]:
        """Ancestors of the node being visited, innermost first."""
        return reversed(self.stack[:-1])

    def statement(self) -> cst.CSTNode | None:
        for node in reversed(self.stack):
            if isinstance(node, STATEMENTS):
                return node
        return None

    def enclosing_class(self) -> cst.ClassDef | None:
        """The innermost class around the node being visited (through any methods in between)."""
        for node in self.ancestors():
            if isinstance(node, cst.ClassDef):
                return node
        return None

    def function(self) -> cst.FunctionDef | None:
        """The innermost function whose body holds the node being visited."""
        stack = self.stack
        for i in range(len(stack) - 2, -1, -1):
            node = stack[i]
            if isinstance(node, cst.FunctionDef) and stack[i + 1] is node.body:
                return node
        return None

    def is_standalone_script(self) -> bool:
        """A module run by hand rather than imported by the service: in scripts/, tools/, bin/...,
        a module of top-level code only that prints or asks its user (see `_top_level_program`),
        or with a `__main__` block, a click/typer command or group of its own, an argparse
        subcommand's handler (`parser.set_defaults(func=do_create)`), or top-level code
        reading its command line (`sys.argv`), and no web
        framework or task queue import (a framework imported by a module that never serves, a
        Flask application built only for its context or aiohttp used as a client, does not count)."""
        return self.memo("standalone-script", self._standalone_script)

    def _standalone_script(self) -> bool:
        from backlint.frameworks.project import is_script_path

        if is_script_path(self.path) or self._top_level_program():
            return True
        has_main = self.text.startswith("#!")
        main_block = False
        clis = self.imports.imports_any(("click", "typer"))
        for stmt in self.module.body:
            if isinstance(stmt, cst.If) and "__main__" in self.module.code_for_node(stmt.test):
                has_main = main_block = True
                break
            if "argv" in self.text and isinstance(stmt, (cst.SimpleStatementLine, cst.If)) and "sys.argv" in self.module.code_for_node(stmt):
                has_main = main_block = True  # (`url = sys.argv[1]` at import: a program run with arguments, not a module)
                break
            if clis and isinstance(stmt, cst.FunctionDef) and _cli_entry_point(stmt):
                has_main = True  # `@click.group()` / `@click.command()`: the module is a command-line program
                break
        if not has_main and "set_defaults(" in self.text and _SUBCOMMAND.search(self.text):
            has_main = True  # `parser.set_defaults(func=do_create)`: the module adds a subcommand to an argparse program
        if not has_main:
            return False
        if not self.imports.imports_any(_SERVICE_MODULES):
            return True
        # A job that imports a web framework but never serves: a Flask or Django application built
        # only for its context (configuration, the database), aiohttp used as an HTTP client. No
        # route, no server started. (A task queue's worker is a service.)
        # (Only with a `__main__` block: a shebang alone heads library modules too.)
        return main_block and not self.imports.imports_any(_WORKER_MODULES) and not serves(self.text)

    def _top_level_program(self) -> bool:
        """A module that defines no function or class and prints, or whose top-level code asks its
        user with `input()` or parses the command line (`args = parser.parse_args()`): its work is
        its top-level code, a program run from a terminal (a
        maintainer's release script, a clean-up run by hand), not a module a service imports. (Not
        a settings module, whose top level runs in every worker at start-up.)"""
        if is_settings_path(self.path):
            return False
        if "print(" in self.text and _DEFINITION.search(self.text) is None:
            return True
        if "parse_args(" in self.text and any(
            isinstance(stmt, cst.SimpleStatementLine) and ".parse_args(" in self.module.code_for_node(stmt) for stmt in self.module.body
        ):
            return True  # `args = parser.parse_args()` at import: it reads the command line of whatever runs it
        return "input(" in self.text and any(
            not isinstance(stmt, (cst.FunctionDef, cst.ClassDef)) and _INPUT.search(self.module.code_for_node(stmt))
            for stmt in self.module.body
        )

    def in_async_function(self) -> bool:
        fn = self.function()
        return fn is not None and fn.asynchronous is not None

    # -- scopes and names -----------------------------------------------------------------------

    def module_scope(self) -> Scope:
        scope = self._scopes.get(id(self.module))
        if scope is None:
            scope = self._scopes[id(self.module)] = Scope(self.module)
        return scope

    def child_scope(self, node: cst.FunctionDef | cst.ClassDef, parent: Scope) -> Scope:
        scope = self._scopes.get(id(node))
        if scope is None:
            scope = self._scopes[id(node)] = Scope(node, parent)
        return scope

    def current_scope(self) -> tuple[Scope, cst.CSTNode | None]:
        """The scope holding the node being visited, and the innermost statement of that scope."""
        scope = self.module_scope()
        stack = self.stack
        for i, node in enumerate(stack):
            if isinstance(node, (cst.FunctionDef, cst.ClassDef)) and i + 1 < len(stack) and stack[i + 1] is node.body:
                scope = self.child_scope(node, scope)
        for node in reversed(stack):
            if isinstance(node, STATEMENTS) and scope.contains(node):
                return scope, node
        return scope, None

    def qualify(self, expr: cst.BaseExpression | None) -> str | None:
        return self.imports.qualify(expr)

    def memo(self, key: Any, factory: Callable[[], Any]) -> Any:
        try:
            return self._memo[key]
        except KeyError:
            value = self._memo[key] = factory()
            return value

    def code(self, node: cst.CSTNode) -> str:
        # Memoized (value descriptions name the same expressions again and again); the node is
        # kept beside its text so that a recycled id() never answers for another node.
        key = ("code", id(node))
        held = self._memo.get(key)
        if held is None or held[0] is not node:
            held = self._memo[key] = (node, self.module.code_for_node(node))
        return held[1]  # type: ignore[no-any-return]

    # -- reporting ------------------------------------------------------------------------------

    def scope_name(self) -> str:
        names = [n.name.value for n in self.stack if isinstance(n, (cst.FunctionDef, cst.ClassDef))]
        return ".".join(names)

    def add_finding(
        self,
        rule: Rule,
        node: cst.CSTNode,
        message: str,
        level: Level,
        related: Sequence[tuple[cst.CSTNode, str]],
        redact: Sequence[cst.CSTNode],
        fix: FixSpec | None,
        fixed: Sequence[tuple[int, int]] = (),
        suppressible_at: Sequence[cst.CSTNode] = (),
    ) -> None:
        self._pending.append(
            _Pending(
                rule, node, message, level, tuple(related), tuple(redact), fix, self.statement(), self.scope_name(),
                tuple(fixed), tuple(suppressible_at),
            )
        )


# ---------------------------------------------------------------------------------------------
# The traversal


class _Walker:
    """One depth-first traversal feeding every rule's visit_/leave_ methods.

    A rule whose method raises is switched off for the rest of the file and reported as one
    notification; the other rules carry on.
    """

    def __init__(self, ctx: FileContext, rules: Sequence[Rule]) -> None:
        self.ctx = ctx
        self.rules = list(rules)
        self.failed: dict[str, str] = {}
        self._visit: dict[type, tuple[Handler, ...]] = {}
        self._leave: dict[type, tuple[Handler, ...]] = {}
        self._registered: dict[str, list[tuple[Rule, str, Handler]]] = {}
        self._register()

    def _register(self) -> None:
        self._registered = {}
        for rule in self.rules:
            if rule.ID in self.failed:
                continue
            for kind, cls_name in rule.HANDLERS:
                self._registered.setdefault(cls_name, []).append((rule, kind, getattr(rule, f"{kind}_{cls_name}")))
        # The import table learns about imports inside functions as the walk meets them.
        self._visit.clear()
        self._leave.clear()

    def _handlers(self, tp: type) -> tuple[tuple[Handler, ...], tuple[Handler, ...]]:
        visits: list[Handler] = []
        leaves: list[Handler] = []
        for klass in tp.__mro__:
            for rule, kind, handler in self._registered.get(klass.__name__, ()):
                (visits if kind == "visit" else leaves).append(handler)
        v, lv = tuple(visits), tuple(leaves)
        self._visit[tp] = v
        self._leave[tp] = lv
        return v, lv

    def _fail(self, handler: Handler, exc: BaseException) -> None:
        rule = getattr(handler, "__self__", None)
        rule_id = getattr(rule, "ID", "?")
        if rule_id not in self.failed:
            self.failed[rule_id] = f"{type(exc).__name__}: {exc}"
        self._register()

    def walk(self, root: cst.CSTNode) -> None:
        stack = self.ctx.stack
        imports = self.ctx.imports
        visit_cache = self._visit
        leave_cache = self._leave
        handlers = self._handlers
        fail = self._fail
        leaf_skip: dict[type, bool] = {}

        def rec(node: cst.CSTNode) -> None:
            tp = node.__class__
            stack.append(node)
            hs = visit_cache.get(tp)
            if hs is None:
                hs, _ = handlers(tp)
            for h in hs:
                try:
                    h(node)
                except Exception as exc:  # a rule's bug must not end the file's analysis
                    fail(h, exc)
            if tp is cst.Import or tp is cst.ImportFrom:
                imports.add(node)  # type: ignore[arg-type]
            for name in child_fields(tp):
                value = getattr(node, name)
                vcls = value.__class__
                if vcls is tuple or vcls is list:
                    for child in value:
                        ccls = child.__class__
                        skip = leaf_skip.get(ccls)
                        if skip is None:
                            skip = leaf_skip[ccls] = is_leaf(ccls) and not any(handlers(ccls))
                        if not skip:
                            rec(child)
                else:
                    skip = leaf_skip.get(vcls)
                    if skip is None:
                        # Not a node at all (a string, None, a sentinel), or a leaf no rule visits.
                        skip = leaf_skip[vcls] = not (isinstance(vcls, type) and issubclass(vcls, cst.CSTNode)) or (
                            is_leaf(vcls) and not any(handlers(vcls))
                        )
                    if not skip:
                        rec(value)
            hs = leave_cache.get(tp)
            if hs is None:
                _, hs = handlers(tp)
            for h in hs:
                try:
                    h(node)
                except Exception as exc:
                    fail(h, exc)
            stack.pop()

        rec(root)


# ---------------------------------------------------------------------------------------------
# Entry points


def rules_for_path(path: str, specs: Sequence[RuleSpec]) -> list[RuleSpec]:
    """The rules that look at a file with this path at all (before it is read)."""
    return [(cls, opts) for cls, opts in specs if cls.wants(path, opts)]


def analyze_text(path: str, text: str, specs: Sequence[RuleSpec], facts: ProjectFacts = EMPTY_FACTS) -> FileResult:
    """Analyse decoded source `text` of the file at project-relative `path`."""
    result = FileResult(path, lines=text.count("\n") + (0 if text.endswith("\n") or not text else 1))
    specs = [(cls, opts) for cls, opts in rules_for_path(path, specs) if cls.wants_text(text)]
    if specs and (is_rule_test_text(text) or imports_test_framework(text)):  # test code, wherever it lives
        specs = [(cls, opts) for cls, opts in specs if cls.TESTS or opts.get("include-tests")]
    if not specs:
        return result
    try:
        module = parse_source(text)
    except SourceProblem as problem:
        result.notifications.append(
            Notification(problem.kind, problem.message, path, Level.WARNING, problem.line, problem.column)
        )
        return result
    result.parsed = True
    ctx = FileContext(path, text, module, facts)
    rules = [cls(ctx, opts) for cls, opts in specs]
    walker = _Walker(ctx, rules)
    try:
        walker.walk(module)
    except RecursionError:
        result.notifications.append(
            Notification(NotificationKind.RULE_ERROR, "code nested too deeply to analyse", path)
        )
        return result
    for rule_id, error in sorted(walker.failed.items()):
        result.notifications.append(
            Notification(
                NotificationKind.RULE_ERROR,
                f"rule {rule_id} failed on this file and was skipped for it ({error})",
                path,
            )
        )
    failed = set(walker.failed)
    pending = [p for p in ctx._pending if p.rule.ID not in failed]
    result.findings = _finish(ctx, pending)
    return result


def analyze_bytes(path: str, data: bytes, specs: Sequence[RuleSpec], facts: ProjectFacts = EMPTY_FACTS) -> FileResult:
    try:
        text = decode_source(data)
    except SourceProblem as problem:
        result = FileResult(path)
        result.notifications.append(Notification(problem.kind, problem.message, path))
        return result
    return analyze_text(path, text, specs, facts)


# ---------------------------------------------------------------------------------------------
# From reported nodes to findings


def _replaced_functions(module: cst.Module) -> list[cst.FunctionDef]:
    """Functions of a module or class body that a later `def` of the same name replaces before
    anything names them (a first draft left above its rewrite): dead code, which ruff reports as
    F811. Decorated definitions are left out: `@x.setter`, `@overload` and registries define the
    same name on purpose."""
    found: list[cst.FunctionDef] = []
    bodies: list[Sequence[cst.CSTNode]] = [module.body]
    bodies.extend(s.body.body for s in module.body if isinstance(s, cst.ClassDef) and isinstance(s.body, cst.IndentedBlock))
    for body in bodies:
        seen: dict[str, int] = {}
        for i, stmt in enumerate(body):
            if not isinstance(stmt, cst.FunctionDef):
                continue
            name = stmt.name.value
            earlier = seen.get(name)
            seen[name] = i
            if earlier is None or stmt.decorators or body[earlier].decorators:  # type: ignore[attr-defined]
                continue
            between = body[earlier + 1:i]
            if not any(isinstance(n, cst.Name) and n.value == name for b in between for n in iter_descendants(b)):
                found.append(body[earlier])  # type: ignore[arg-type]
    return found


_OFF_SWITCH = re.compile(r"^([A-Z][A-Z0-9_]*)\s*=\s*False\s*(?:#.*)?$", re.M)


def _switched_off_blocks(module: cst.Module, text: str) -> list[cst.CSTNode]:
    """The bodies of `if TRACE:` (or `if TRACE and ...:`) where `TRACE = False` is a module
    constant nothing else in the module assigns (no `global`, no star import that may replace it):
    a debugging switch left off, code that never runs."""
    names = {m.group(1) for m in _OFF_SWITCH.finditer(text)}
    names = {n for n in names if re.search(rf"\bif\s+(?:not\s+)?{n}\b", text)}
    if not names or "import *" in text:
        return []
    top = {t.target.value for s in module.body if isinstance(s, cst.SimpleStatementLine) for a in s.body
           if isinstance(a, cst.Assign) and len(a.targets) == 1 and isinstance(a.value, cst.Name) and a.value.value == "False"
           for t in a.targets if isinstance(t.target, cst.Name)}
    names &= top
    assigned: dict[str, int] = {}
    ifs: list[cst.If] = []
    for node in iter_descendants(module):
        for t in bound_targets(node):
            for n in [t, *iter_descendants(t)]:
                if isinstance(n, cst.Name) and n.value in names:
                    assigned[n.value] = assigned.get(n.value, 0) + 1
        if isinstance(node, cst.Global):
            names -= {n.name.value for n in node.names}
        elif isinstance(node, cst.If):
            ifs.append(node)
    names = {n for n in names if assigned.get(n) == 1}
    return [node.body for node in ifs if names and _tests_switch(node.test, names)]


def _after_raising_calls(module: cst.Module, text: str, raising: frozenset[str]) -> list[cst.CSTNode]:
    """The statements that follow, in the same block, a call of a function of the project whose
    whole body is one `raise` (`raise_deprecation_error(request)` at the top of a retired
    endpoint): code that never runs."""
    names = {n for n in raising if n + "(" in text}
    if not names:
        return []
    dead: list[cst.CSTNode] = []
    for node in iter_descendants(module):
        if isinstance(node, (cst.IndentedBlock, cst.Module)):
            for i, stmt in enumerate(node.body):
                if is_call_statement_of(stmt, names):
                    dead.extend(node.body[i + 1:])
                    break
    return dead


def _tests_switch(test: cst.BaseExpression, names: set[str]) -> bool:
    if isinstance(test, cst.Name):
        return test.value in names
    if isinstance(test, cst.BooleanOperation) and isinstance(test.operator, cst.And):
        return _tests_switch(test.left, names) or _tests_switch(test.right, names)
    return False


def _finish(ctx: FileContext, pending: list[_Pending]) -> list[Finding]:
    if not pending:
        return []
    wanted: list[cst.CSTNode] = []
    for p in pending:
        wanted.append(p.node)
        if p.statement is not None:
            wanted.append(p.statement)
        wanted.extend(n for n, _ in p.related)
        wanted.extend(p.suppressible_at)
        wanted.extend(p.redact)
        if p.fix is not None:
            wanted.extend(e.node for e in p.fix.edits)
    never_run: list[cst.CSTNode] = [*_replaced_functions(ctx.module), *_switched_off_blocks(ctx.module, ctx.text),
                                    *_after_raising_calls(ctx.module, ctx.text, ctx.project.raising_only)]
    wanted.extend(never_run)
    text = ctx.text
    raw_spans = positions.spans(ctx.module, wanted)
    index = positions.LineIndex(text)
    lines = positions.split_lines(text)

    def region_of(node: cst.CSTNode):  # type: ignore[no-untyped-def]
        span = raw_spans.get(id(node))
        if span is None:
            return None
        start, end = positions.trim(text, *span)
        return index.region(start, end)

    # A secret is masked in every finding of the file, not only in the one that found it: another
    # rule may flag the same line (a request without a timeout that sends a hardcoded token).
    secret_nodes = [n for p in pending for n in p.redact]
    secrets = [r for r in map(region_of, secret_nodes) if r is not None]
    secret_spans = [positions.trim(text, *raw_spans[id(n)]) for n in secret_nodes if id(n) in raw_spans]
    secret_texts = sorted({t for t in map(_secret_text, (ctx.code(n) for n in secret_nodes)) if len(t) >= 4}, key=len, reverse=True)
    hashes: list[str] | None = None
    ordinals: dict[tuple[str, str, str], int] = {}
    findings: list[Finding] = []
    block_disables = suppressions.own_line_disables(lines) if "pylint" in text else []
    dead = [raw_spans[id(node)] for node in never_run if id(node) in raw_spans]
    for p in pending:
        region = region_of(p.node)
        if region is None:
            continue
        if dead and id(p.node) in raw_spans and any(start <= raw_spans[id(p.node)][0] < end for start, end in dead):
            continue  # in a function a later one replaces, under `if TRACE:`, after `raise_deprecation_error(...)`: it never runs
        line_text = lines[region.start_line - 1] if region.start_line <= len(lines) else ""
        for secret in secrets:
            line_text = _mask(line_text, region.start_line, secret)
        message = _mask_text(p.message, secret_texts, p.fixed)
        stmt_region = region_of(p.statement) if p.statement is not None else None
        first = min(region.start_line, stmt_region.start_line if stmt_region else region.start_line)
        comments = suppressions.python_comments(lines, first, region.start_line)
        relevant = [c for no, c in comments.items() if no in (first, region.start_line)]
        for elsewhere in (region_of(n) for n in (*(n for n, _ in p.related), *p.suppressible_at)):
            # A suppression comment where the flagged value was built (an S608 code on the line that
            # formats the SQL, or after the closing quotes of a multi-line one, where ruff wants it)
            # is where another tool's users wrote it.
            if elsewhere is not None:
                relevant.extend(suppressions.python_comments(lines, elsewhere.start_line, elsewhere.end_line).values())
        relevant.extend(c for start, end, c in block_disables if start <= region.start_line <= end)
        suppressed = suppressions.suppressing_comment(p.rule.ID, relevant, p.rule.PEER_CODES)
        if hashes is None:
            # GitHub's line hash is a polynomial of the next 100 characters: with a secret in them,
            # guessing it could be checked against the hash. So the secrets are masked first.
            hashes = line_hashes(_masked_spans(text, secret_spans) if secret_spans else text)
        code = _mask_text(ctx.code(p.node), secret_texts)  # the fingerprint is a hash of it, likewise
        key = (p.rule.ID, p.scope_name, "".join(code.split()))
        ordinal = ordinals.get(key, 0)
        ordinals[key] = ordinal + 1
        related = tuple(
            RelatedLocation(r, _mask_text(msg, secret_texts))
            for r, msg in ((region_of(n), msg) for n, msg in p.related) if r is not None
        )
        fix = None
        if p.fix is not None:
            reps = []
            for edit in p.fix.edits:
                r = region_of(edit.node)
                if r is None:
                    continue
                if edit.mode == "after":
                    r = Region(r.end_line, r.end_column, r.end_line, r.end_column, r.end_column_utf16, r.end_column_utf16)
                elif edit.mode == "before":
                    r = Region(r.start_line, r.start_column, r.start_line, r.start_column, r.start_column_utf16, r.start_column_utf16)
                reps.append(Replacement(r, edit.text))
            if len(reps) == len(p.fix.edits):
                fix = Fix(p.fix.description, tuple(reps))
        findings.append(
            Finding(
                rule_id=p.rule.ID,
                path=ctx.path,
                region=region,
                message=message,
                level=p.level,
                source_line=line_text,
                line_hash=hashes[region.start_line - 1] if region.start_line <= len(hashes) else "",
                fingerprint=finding_fingerprint(p.rule.ID, ctx.path, p.scope_name, code, ordinal),
                related=related,
                fix=fix,
                suppressed=suppressed,
            )
        )
    return findings


def _secret_text(code: str) -> str:
    """The value of a secret's string literal (its code without prefix and quotes)."""
    body = code.lstrip("rbufRBUF")
    for quote in ('"""', "'''", '"', "'"):
        if body.startswith(quote) and body.endswith(quote) and len(body) >= 2 * len(quote):
            return body[len(quote) : -len(quote)]
    return code


def _masked_spans(text: str, spans: Sequence[tuple[int, int]]) -> str:
    """`text` with the characters of `spans` (but not line breaks) replaced by asterisks."""
    chars = list(text)
    for start, end in spans:
        for i in range(start, end):
            if chars[i] not in "\r\n":
                chars[i] = "*"
    return "".join(chars)


def _mask_text(text: str, secrets: Sequence[str], fixed: Sequence[tuple[int, int]] = ()) -> str:
    """`text` (a message) with every secret value in it masked, except where it lies within one of
    the `fixed` spans (the rule's own words, which hold no code)."""
    for secret in secrets:
        start = text.find(secret)
        while start >= 0:
            end = start + len(secret)
            if not any(a <= start and end <= b for a, b in fixed):
                text = text[:start] + "*" * len(secret) + text[end:]
            start = text.find(secret, end)
    return text


def _mask(line_text: str, line_no: int, secret) -> str:  # type: ignore[no-untyped-def]
    """Replace the characters of `secret`'s region that fall on `line_no` with asterisks."""
    if secret is None or not (secret.start_line <= line_no <= secret.end_line):
        return line_text
    start = secret.start_column - 1 if secret.start_line == line_no else 0
    end = secret.end_column - 1 if secret.end_line == line_no else len(line_text)
    body_start, body_end = start, end
    # Keep the quotes of a string literal so the line still reads as code.
    segment = line_text[start:end]
    lead = len(segment) - len(segment.lstrip("rbufRBUF"))
    if segment[lead : lead + 1] in ("'", '"'):
        quote = segment[lead] * (3 if segment[lead : lead + 3] in ("'''", '"""') else 1)
        body_start = start + lead + len(quote)
        if segment.endswith(quote) and end - len(quote) >= body_start:
            body_end = end - len(quote)
    return line_text[:body_start] + "*" * (body_end - body_start) + line_text[body_end:]
