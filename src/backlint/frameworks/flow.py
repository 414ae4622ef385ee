"""The flow of values inside one function: which assignments may reach a use of a name.

A `Scope` indexes one function (or a class or module body) the first time a rule asks about it:
every binding of every name, the statement it happens in, and where each statement sits in its
block. `Scope.reaching(name, stmt)` then answers "which definitions of `name` may be live when
`stmt` runs", walking backwards through the enclosing blocks:

* a plain assignment in an earlier statement of the same or an enclosing block kills everything
  before it;
* bindings inside earlier compound statements (an `if` branch, a loop body, a `try`) may or may
  not have run, so they are collected without killing;
* the header of an enclosing `for`/`with`/`except` binds its target for the body;
* inside a loop, bindings anywhere in the loop body may arrive through the back edge;
* at the top of a function, parameters.

Nothing here knows any framework; rules and framework helpers build on it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Iterator, Sequence, Union

import libcst as cst

from backlint.frameworks.imports import dotted
from backlint.syntax import STATEMENTS, iter_children

ScopeNode = Union[cst.Module, cst.FunctionDef, cst.ClassDef]


class DefKind(enum.Enum):
    ASSIGN = "assign"
    """`x = value`, `x: T = value`, `(x := value)`."""
    AUGMENT = "augment"
    """`x += value`: the new value depends on the old one."""
    LOOP = "loop"
    """`for x in value`: x is an element of value."""
    WITH = "with"
    """`with value as x`."""
    EXCEPT = "except"
    """`except value as x`: value is the exception type expression."""
    IMPORT = "import"
    PARAM = "param"
    DEFINITION = "definition"
    """`def x` or `class x`."""
    APPEND = "append"
    """`x.append(value)`, `x.add(value)`, `x.insert(i, value)`: value becomes an element of x."""
    EXTEND = "extend"
    """`x.extend(value)`, `x.update(value)`: elements of value become elements of x."""
    OPAQUE = "opaque"
    """A binding whose value is unknown (`del`, `global`, match captures, star targets)."""


@dataclass(frozen=True, eq=False)
class Definition:
    name: str
    kind: DefKind
    value: cst.BaseExpression | None
    node: cst.CSTNode
    statement: cst.CSTNode
    element: bool = False
    """The name receives an element of `value` (tuple unpacking, loop targets)."""
    scope: "Scope | None" = field(default=None, repr=False)

    @property
    def kills(self) -> bool:
        """Whether this binding replaces every earlier value of the name."""
        return self.kind in (DefKind.ASSIGN, DefKind.IMPORT, DefKind.DEFINITION, DefKind.OPAQUE)


_COUNT = cst.Integer("0")
"""What `enumerate` pairs each element with: a number (a node outside any tree)."""


def _paired_iteration(value: cst.BaseExpression, arity: int) -> list[tuple[cst.BaseExpression, bool]] | None:
    """For a loop over `enumerate(x)` or `zip(a, b, ...)` unpacked into `arity` names: what each
    name takes (an expression, and whether it is an element of it), else None."""
    if not (isinstance(value, cst.Call) and isinstance(value.func, cst.Name)) or any(a.star for a in value.args):
        return None
    args = [a.value for a in value.args if a.keyword is None]
    if value.func.value == "enumerate" and len(args) == 1 and arity == 2:
        return [(_COUNT, False), (args[0], True)]
    if value.func.value == "zip" and len(args) == arity:
        return [(a, True) for a in args]
    return None


@dataclass(eq=False)
class _StmtInfo:
    block: Sequence[cst.CSTNode]
    index: int
    parent: cst.CSTNode | None
    """The compound statement whose body holds this statement (None at the top of the scope)."""
    defs: list[Definition] = field(default_factory=list)
    """Bindings made by this statement itself (for compound statements: by its header)."""
    children: list[cst.CSTNode] = field(default_factory=list)
    """Statements nested directly in this compound statement's bodies."""
    handler: cst.ExceptHandler | None = None
    """For a statement directly in an `except` block: that handler (its `as` name is bound here)."""


_APPEND_METHODS = {"append": 0, "add": 0, "appendleft": 0, "insert": 1}
_EXTEND_METHODS = {"extend": 0, "update": 0}


class Scope:
    """Bindings of one function, class or module body (nested scopes excluded)."""

    def __init__(self, node: ScopeNode, parent: Scope | None = None) -> None:
        self.node = node
        self.parent = parent
        self.params: dict[str, cst.Param] = {}
        self.globals: set[str] = set()
        self.returns: list[tuple[cst.Return, cst.CSTNode]] = []
        self.functions: dict[str, cst.FunctionDef] = {}
        """Functions defined directly in this scope, by name (the last definition wins)."""
        self.classes: dict[str, cst.ClassDef] = {}
        self.calls: list[tuple[cst.Call, cst.CSTNode]] = []
        """Every call in this scope (nested scopes excluded) with its statement."""
        self._info: dict[int, _StmtInfo] = {}
        self._names: dict[str, list[Definition]] = {}
        self._reaching: dict[tuple[str, int], list[Definition]] = {}
        self._nested: dict[tuple[int, str], list[Definition]] = {}
        self._build()

    # -- construction -----------------------------------------------------------------------

    def _build(self) -> None:
        node = self.node
        if isinstance(node, cst.FunctionDef):
            self._add_params(node.params)
            body = node.body
        elif isinstance(node, cst.ClassDef):
            body = node.body
        else:
            body = node
        self._index_suite(body, None)

    def _add_params(self, params: cst.Parameters) -> None:
        every = [*params.posonly_params, *params.params, *params.kwonly_params]
        for extra in (params.star_arg, params.star_kwarg):
            if isinstance(extra, cst.Param):
                every.append(extra)
        for p in every:
            self.params[p.name.value] = p

    def _index_suite(self, suite: cst.CSTNode, parent: cst.CSTNode | None, handler: cst.ExceptHandler | None = None) -> None:
        if isinstance(suite, (cst.Module, cst.IndentedBlock)):
            block: Sequence[cst.CSTNode] = suite.body
        elif isinstance(suite, cst.SimpleStatementSuite):
            block = (suite,)
        else:
            return
        for i, stmt in enumerate(block):
            self._index_statement(stmt, block, i, parent, handler)

    def _index_statement(
        self,
        stmt: cst.CSTNode,
        block: Sequence[cst.CSTNode],
        index: int,
        parent: cst.CSTNode | None,
        handler: cst.ExceptHandler | None = None,
    ) -> None:
        info = _StmtInfo(block, index, parent, handler=handler)
        self._info[id(stmt)] = info
        if parent is not None:
            self._info[id(parent)].children.append(stmt)
        if isinstance(stmt, (cst.SimpleStatementLine, cst.SimpleStatementSuite)):
            for small in stmt.body:
                self._index_small(small, stmt)
            return
        # Compound statements: header expressions, header bindings, then bodies.
        if isinstance(stmt, (cst.FunctionDef, cst.ClassDef)):
            for dec in stmt.decorators:
                self._scan_expr(dec.decorator, stmt)
            if isinstance(stmt, cst.FunctionDef):
                self.functions[stmt.name.value] = stmt
                self._scan_param_defaults(stmt.params, stmt)
            else:
                self.classes[stmt.name.value] = stmt
                for arg in (*stmt.bases, *stmt.keywords):
                    self._scan_expr(arg.value, stmt)
            self._define(stmt.name.value, DefKind.DEFINITION, None, stmt, stmt)
            return
        if isinstance(stmt, cst.If):
            self._scan_expr(stmt.test, stmt)
            self._index_suite(stmt.body, stmt)
            orelse = stmt.orelse
            if isinstance(orelse, cst.If):
                self._index_statement(orelse, (orelse,), 0, stmt)
            elif orelse is not None:
                self._index_suite(orelse.body, stmt)
        elif isinstance(stmt, (cst.For, cst.While)):
            if isinstance(stmt, cst.For):
                self._scan_expr(stmt.iter, stmt)
                self._bind_target(stmt.target, stmt.iter, DefKind.LOOP, stmt, stmt, element=True)
            else:
                self._scan_expr(stmt.test, stmt)
            self._index_suite(stmt.body, stmt)
            if stmt.orelse is not None:
                self._index_suite(stmt.orelse.body, stmt)
        elif isinstance(stmt, cst.With):
            for item in stmt.items:
                self._scan_expr(item.item, stmt)
                if item.asname is not None:
                    self._bind_target(item.asname.name, item.item, DefKind.WITH, item, stmt)
            self._index_suite(stmt.body, stmt)
        elif isinstance(stmt, (cst.Try, cst.TryStar)):
            self._index_suite(stmt.body, stmt)
            for handler in stmt.handlers:
                if handler.type is not None:
                    self._scan_expr(handler.type, stmt)
                if handler.name is not None and isinstance(handler.name.name, cst.Name):
                    self._define(handler.name.name.value, DefKind.EXCEPT, handler.type, handler, stmt)
                self._index_suite(handler.body, stmt, handler)
            if stmt.orelse is not None:
                self._index_suite(stmt.orelse.body, stmt)
            if stmt.finalbody is not None:
                self._index_suite(stmt.finalbody.body, stmt)
        elif isinstance(stmt, cst.Match):
            self._scan_expr(stmt.subject, stmt)
            for case in stmt.cases:
                for sub in _descend_pattern(case.pattern):
                    self._define(sub, DefKind.OPAQUE, None, case, stmt)
                if case.guard is not None:
                    self._scan_expr(case.guard, stmt)
                self._index_suite(case.body, stmt)

    def _scan_param_defaults(self, params: cst.Parameters, stmt: cst.CSTNode) -> None:
        for p in (*params.posonly_params, *params.params, *params.kwonly_params):
            if p.default is not None:
                self._scan_expr(p.default, stmt)

    def _index_small(self, small: cst.BaseSmallStatement, stmt: cst.CSTNode) -> None:
        if isinstance(small, cst.Assign):
            self._scan_expr(small.value, stmt)
            for target in small.targets:
                self._bind_target(target.target, small.value, DefKind.ASSIGN, small, stmt)
        elif isinstance(small, cst.AnnAssign):
            if small.value is not None:
                self._scan_expr(small.value, stmt)
                self._bind_target(small.target, small.value, DefKind.ASSIGN, small, stmt)
        elif isinstance(small, cst.AugAssign):
            self._scan_expr(small.value, stmt)
            key = dotted(small.target)
            if key is not None:
                self._define(key, DefKind.AUGMENT, small.value, small, stmt)
        elif isinstance(small, cst.Return):
            self.returns.append((small, stmt))
            if small.value is not None:
                self._scan_expr(small.value, stmt)
        elif isinstance(small, (cst.Import, cst.ImportFrom)):
            names = small.names
            if isinstance(names, cst.ImportStar):
                return
            for alias in names:
                if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                    local = alias.asname.name.value
                else:
                    full = dotted(alias.name)
                    if full is None:
                        continue
                    local = full.split(".", 1)[0]
                self._define(local, DefKind.IMPORT, None, small, stmt)
        elif isinstance(small, (cst.Global, cst.Nonlocal)):
            for item in small.names:
                self.globals.add(item.name.value)
        elif isinstance(small, cst.Del):
            key = dotted(small.target)
            if key is not None:
                self._define(key, DefKind.OPAQUE, None, small, stmt)
        else:
            for child in iter_children(small):
                self._scan_expr(child, stmt)

    def _bind_target(
        self,
        target: cst.CSTNode,
        value: cst.BaseExpression,
        kind: DefKind,
        node: cst.CSTNode,
        stmt: cst.CSTNode,
        element: bool = False,
    ) -> None:
        if isinstance(target, (cst.Tuple, cst.List)):
            elements = target.elements
            pairs = _paired_iteration(value, len(elements)) if element else None
            if pairs is not None:
                # `for i, item in enumerate(items)`: `i` is a count; `for a, b in zip(xs, ys)`: one each.
                for t, (v, each) in zip(elements, pairs):
                    self._bind_target(t.value, v, kind, node, stmt, element=each)
                return
            if (
                not element
                and isinstance(value, (cst.Tuple, cst.List))
                and len(value.elements) == len(elements)
                and not any(isinstance(e, cst.StarredElement) for e in (*elements, *value.elements))
            ):
                for t, v in zip(elements, value.elements):
                    self._bind_target(t.value, v.value, kind, node, stmt)
            else:
                for t in elements:
                    self._bind_target(t.value, value, kind, node, stmt, element=True)
            return
        if isinstance(target, cst.StarredElement):
            self._bind_target(target.value, value, kind, node, stmt, element=True)
            return
        key = dotted(target)
        if key is not None:
            self._define(key, kind, value, node, stmt, element)
        elif isinstance(target, cst.Subscript):
            self._scan_expr(target, stmt)

    def _define(
        self,
        name: str,
        kind: DefKind,
        value: cst.BaseExpression | None,
        node: cst.CSTNode,
        stmt: cst.CSTNode,
        element: bool = False,
    ) -> None:
        d = Definition(name, kind, value, node, stmt, element, self)
        self._info[id(stmt)].defs.append(d)
        self._names.setdefault(name, []).append(d)

    def _scan_expr(self, expr: cst.CSTNode, stmt: cst.CSTNode) -> None:
        """Record walrus bindings, container mutations and calls inside an expression."""
        todo = [expr]
        while todo:
            node = todo.pop()
            if isinstance(node, (cst.Lambda, cst.FunctionDef, cst.ClassDef)):
                continue
            if isinstance(node, cst.NamedExpr) and isinstance(node.target, cst.Name):
                self._define(node.target.value, DefKind.ASSIGN, node.value, node, stmt)
            elif isinstance(node, cst.Call):
                self.calls.append((node, stmt))
                func = node.func
                if isinstance(func, cst.Attribute):
                    key = dotted(func.value)
                    method = func.attr.value
                    if key is not None and node.args:
                        if method in _APPEND_METHODS:
                            idx = _APPEND_METHODS[method]
                            if len(node.args) > idx:
                                self._define(key, DefKind.APPEND, node.args[idx].value, node, stmt)
                        elif method in _EXTEND_METHODS:
                            self._define(key, DefKind.EXTEND, node.args[0].value, node, stmt)
            todo.extend(iter_children(node))

    # -- queries ----------------------------------------------------------------------------

    def binds(self, name: str) -> bool:
        """Whether `name` is bound in this scope (assigned, imported, a parameter...)."""
        return name in self._names or name in self.params

    def names(self) -> list[str]:
        """Every name bound in this scope (dotted for attribute targets)."""
        return list(self._names)

    def definitions(self, name: str) -> list[Definition]:
        """Every binding of `name` in this scope, in source order."""
        return list(self._names.get(name, ()))

    def contains(self, stmt: cst.CSTNode) -> bool:
        return id(stmt) in self._info

    def reaching(self, name: str, stmt: cst.CSTNode) -> list[Definition]:
        """Bindings of `name` that may be live when `stmt` starts, nearest first.

        Parameters appear as `PARAM` definitions whose node is the `Param`.
        """
        if name not in self._names:
            p = self.params.get(name)
            return [self._param_def(name, p)] if p is not None else []
        info = self._info.get(id(stmt))
        if info is None:
            return list(reversed(self._names[name]))
        key = (name, id(stmt))
        if key not in self._reaching:
            self._reaching[key] = self._reaching_uncached(name, stmt)
        return list(self._reaching[key])

    def _reaching_uncached(self, name: str, stmt: cst.CSTNode) -> list[Definition]:
        found: list[Definition] = []
        seen: set[int] = set()

        def add(defs: Sequence[Definition]) -> None:
            for d in defs:
                if id(d) not in seen:
                    seen.add(id(d))
                    found.append(d)

        current: cst.CSTNode | None = stmt
        killed = False
        while current is not None and not killed:
            info = self._info[id(current)]
            for prev in reversed(info.block[: info.index]):
                direct = [d for d in self._info[id(prev)].defs if d.name == name]
                nested = _outside_handlers(self._nested_defs(prev, name))
                add(list(reversed(nested)))
                if isinstance(prev, (cst.SimpleStatementLine, cst.SimpleStatementSuite)):
                    add(list(reversed(direct)))
                    if isinstance(prev, cst.SimpleStatementLine) and any(d.kills for d in direct):
                        killed = True
                        break
                else:
                    add(direct)
            if killed:
                break
            parent = info.parent
            if parent is None:
                break
            header = [d for d in self._info[id(parent)].defs if d.name == name]
            if isinstance(parent, (cst.Try, cst.TryStar)):
                # Only the handler whose block holds the statement binds its `as` name here.
                header = [d for d in header if d.kind is not DefKind.EXCEPT or d.node is info.handler]
            if isinstance(parent, (cst.For, cst.While)):
                add(list(reversed(_outside_handlers(self._nested_defs(parent, name)))))
            if header and isinstance(parent, (cst.For, cst.With, cst.Try, cst.TryStar, cst.If, cst.While)):
                # (`if row := qs.first():` and `while chunk := f.read(n):` bind before their blocks run)
                add(header)
                if not isinstance(parent, (cst.Try, cst.TryStar)):
                    killed = True
            current = parent
        if not killed and name in self.params:
            add([self._param_def(name, self.params[name])])
        return found

    def guards(self, stmt: cst.CSTNode) -> Iterator[cst.BaseExpression]:
        """Tests of the `if`/`elif`/`while` statements whose body (not `else`) holds `stmt`,
        innermost first: what is known to be true when `stmt` runs."""
        for test, _ in self.guard_statements(stmt):
            yield test

    def guard_statements(self, stmt: cst.CSTNode) -> Iterator[tuple[cst.BaseExpression, cst.CSTNode]]:
        """`guards`, each with its `if` or `while` statement."""
        current = stmt
        while True:
            info = self._info.get(id(current))
            if info is None or info.parent is None:
                return
            parent = info.parent
            if isinstance(parent, (cst.If, cst.While)):
                body = parent.body
                if info.block is getattr(body, "body", None) or (len(info.block) == 1 and info.block[0] is body):
                    yield parent.test, parent
            current = parent

    def before(self, stmt: cst.CSTNode) -> Iterator[cst.CSTNode]:
        """The statements that ran before `stmt` on the way to it: earlier statements of its
        block, then of each enclosing block, innermost and nearest first."""
        current = stmt
        while True:
            info = self._info.get(id(current))
            if info is None:
                return
            yield from reversed(info.block[: info.index])
            if info.parent is None:
                return
            current = info.parent

    def _nested_defs(self, stmt: cst.CSTNode, name: str) -> list[Definition]:
        """Bindings of `name` inside the bodies of compound statement `stmt`, in source order."""
        key = (id(stmt), name)
        cached = self._nested.get(key)
        if cached is not None:
            return cached
        out: list[Definition] = []
        for child in self._info[id(stmt)].children:
            out.extend(d for d in self._info[id(child)].defs if d.name == name)
            out.extend(self._nested_defs(child, name))
        self._nested[key] = out
        return out

    def _param_def(self, name: str, param: cst.Param) -> Definition:
        return Definition(name, DefKind.PARAM, param.default, param, self.node, False, self)


def _outside_handlers(defs: list[Definition]) -> list[Definition]:
    """`defs` without the `as` names of `except` clauses, which Python deletes when the clause
    ends: `except OSError as exception:` later in a loop never reaches an earlier use of another
    `exception` (only the clause whose block holds a statement binds its name there)."""
    return [d for d in defs if d.kind is not DefKind.EXCEPT]


def _descend_pattern(pattern: cst.CSTNode) -> Iterator[str]:
    """Names captured by a match pattern."""
    todo = [pattern]
    while todo:
        node = todo.pop()
        if isinstance(node, cst.MatchAs) and node.name is not None:
            yield node.name.value
        elif isinstance(node, cst.MatchStar) and node.name is not None:
            yield node.name.value
        todo.extend(iter_children(node))


def statement_ancestor(stack: Sequence[cst.CSTNode]) -> cst.CSTNode | None:
    """The innermost statement in a traversal stack."""
    for node in reversed(stack):
        if isinstance(node, STATEMENTS):
            return node
    return None
