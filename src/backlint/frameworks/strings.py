"""How a string value was built: literal text with holes where values were interpolated.

`builds(expr, env)` returns the ways the string reaching `expr` may have been assembled, each a
sequence of literal text and `Hole`s, following f-strings, `%` formatting, `str.format`, `+`,
`+=` across statements, `sep.join(...)` over lists filled with `append`, implicit concatenation,
and helper functions of the same file. Alternatives come from branches (`if`/`else` assigning
different strings); at most `MAX_ALTERNATIVES` are kept.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Sequence, Union

import libcst as cst

from backlint.frameworks.flow import DefKind
from backlint.frameworks.values import MAX_DEPTH, Env, _bind_arguments, _helper_function, resolve
from backlint.syntax import string_value

MAX_ALTERNATIVES = 8


@dataclass(frozen=True, eq=False)
class Hole:
    """A value interpolated into the text."""

    expr: cst.BaseExpression
    env: Env
    how: str | None = None
    """The construct that interpolated it ("an f-string", "concatenation"...)."""


Part = Union[str, Hole]


@dataclass(frozen=True, eq=False)
class Built:
    parts: tuple[Part, ...]
    how: str | None
    """How the text was assembled ("an f-string", "`%` formatting", ...); None for a plain
    constant or an opaque value."""
    site: cst.CSTNode | None
    """Where the assembling happened (the f-string, the `+`, the `.format()` call)."""

    @property
    def holes(self) -> list[Hole]:
        return [p for p in self.parts if isinstance(p, Hole)]

    def text(self, marker: str = "\x00") -> str:
        return "".join(p if isinstance(p, str) else marker for p in self.parts)

    def with_how(self, how: str, site: cst.CSTNode) -> Built:
        """Mark the text as assembled by `how` at `site`, and its holes as interpolated by it
        (holes interpolated deeper keep their own construct)."""
        parts = tuple(Hole(p.expr, p.env, how) if isinstance(p, Hole) and p.how is None else p for p in self.parts)
        if self.how is not None:
            return Built(parts, self.how, self.site)
        return Built(parts, how, site)


def _opaque(expr: cst.BaseExpression, env: Env) -> Built:
    return Built((Hole(expr, env),), None, None)


def _concat(a: Built, b: Built) -> Built:
    parts: list[Part] = list(a.parts)
    for p in b.parts:
        if isinstance(p, str) and parts and isinstance(parts[-1], str):
            parts[-1] = parts[-1] + p
        else:
            parts.append(p)
    return Built(tuple(parts), a.how or b.how, a.site or b.site)


def _product(lefts: Sequence[Built], rights: Sequence[Built]) -> list[Built]:
    out = []
    for a in lefts:
        for b in rights:
            out.append(_concat(a, b))
            if len(out) >= MAX_ALTERNATIVES:
                return out
    return out


def _is_literal(b: Built) -> bool:
    return not b.holes


MAX_BUILD_STEPS = 20_000
"""Expressions one question may visit: helpers that call helpers twice each (`h(x) + h(x)`) make
the ways a string is built exponential in their depth. Past this, the question is abandoned (no
strings: rules stay silent) rather than answered in part."""


class _Exhausted(Exception):
    pass


def builds(expr: cst.BaseExpression, env: Env) -> list[Built]:
    """Every way (up to MAX_ALTERNATIVES) the string value of `expr` may have been built; none
    when finding out takes more than MAX_BUILD_STEPS."""
    try:
        return _Builder().build(expr, env)
    except _Exhausted:
        return []


class _Builder:
    def __init__(self) -> None:
        self._active: set[int] = set()
        self._steps = 0

    def build(self, expr: cst.BaseExpression, env: Env) -> list[Built]:
        self._steps += 1
        if self._steps > MAX_BUILD_STEPS:
            raise _Exhausted
        if env.depth > MAX_DEPTH or id(expr) in self._active:
            return [_opaque(expr, env)]
        self._active.add(id(expr))
        try:
            return self._build(expr, env)[:MAX_ALTERNATIVES]
        finally:
            self._active.discard(id(expr))

    def _build(self, expr: cst.BaseExpression, env: Env) -> list[Built]:
        value = string_value(expr)
        if value is not None:
            return [Built((value,), None, None)]
        if isinstance(expr, (cst.FormattedString, cst.ConcatenatedString)):
            return self._fstring(expr, env)
        if isinstance(expr, cst.BinaryOperation):
            if isinstance(expr.operator, cst.Add):
                lefts = self.build(expr.left, env)
                rights = self.build(expr.right, env)
                if all(len(b.parts) == 1 and isinstance(b.parts[0], Hole) and b.how is None for b in (*lefts, *rights)):
                    return [_opaque(expr, env)]  # a + b with nothing known about either: not string building
                return [b.with_how("concatenation", expr) if b.holes else b for b in _product(lefts, rights)]
            if isinstance(expr.operator, cst.Modulo):
                return self._percent(expr, env)
            return [_opaque(expr, env)]
        if isinstance(expr, cst.Call):
            return self._call(expr, env)
        if isinstance(expr, cst.Name):
            return self._name(expr, env)
        if isinstance(expr, cst.IfExp):
            return self.build(expr.body, env) + self.build(expr.orelse, env)
        if isinstance(expr, cst.Attribute):
            return self._attribute(expr, env)
        return [_opaque(expr, env)]

    # -- literal forms --------------------------------------------------------------------------

    def _hole(self, expr: cst.BaseExpression, env: Env) -> list[Built]:
        """An interpolated value: its own construction when it is a string built in the file,
        so that the holes inside it are seen where they really sit; else one opaque hole."""
        inner = self.build(expr, env)
        return inner if inner else [_opaque(expr, env)]

    def _assemble(self, pieces: Sequence[Union[str, tuple[cst.BaseExpression, Env]]]) -> list[Built]:
        out: list[Built] = [Built((), None, None)]
        for piece in pieces:
            if isinstance(piece, str):
                out = [_concat(b, Built((piece,), None, None)) for b in out]
            else:
                out = _product(out, self._hole(*piece))
        return out

    def _fstring(self, expr: cst.BaseExpression, env: Env) -> list[Built]:
        pieces: list[Union[str, tuple[cst.BaseExpression, Env]]] = []
        for piece in _flatten_concat(expr):
            if isinstance(piece, cst.FormattedString):
                for part in piece.parts:
                    if isinstance(part, cst.FormattedStringText):
                        pieces.append(part.value.replace("{{", "{").replace("}}", "}"))
                    elif isinstance(part, cst.FormattedStringExpression):
                        pieces.append((part.expression, env))
            else:
                value = string_value(piece)
                pieces.append(value if value is not None else (piece, env))
        return [b.with_how("an f-string", expr) if b.holes else b for b in self._assemble(pieces)]

    def _percent(self, expr: cst.BinaryOperation, env: Env) -> list[Built]:
        templates = [b for b in self.build(expr.left, env) if _is_literal(b)]
        if not templates:
            return [_opaque(expr, env)]
        right = expr.right
        out = []
        for template in templates:
            text = template.text()
            specs = list(_PERCENT.finditer(text))
            if not specs:
                out.append(template)
                continue
            if isinstance(right, cst.Dict):
                by_key = {string_value(e.key): e.value for e in right.elements if isinstance(e, cst.DictElement)}
                values: list[cst.BaseExpression | None] = [by_key.get(m.group("key")) for m in specs]
            elif isinstance(right, cst.Tuple):
                values = [e.value for e in right.elements]
            else:
                values = [right] * len(specs)
            pieces: list[Union[str, tuple[cst.BaseExpression, Env]]] = []
            pos = 0
            i = 0
            for m in specs:
                pieces.append(text[pos : m.start()])
                pos = m.end()
                if m.group("conv") == "%":
                    pieces.append("%")
                    continue
                v = values[i] if i < len(values) else None
                i += 1
                pieces.append((v if v is not None else right, env))
            pieces.append(text[pos:])
            out.extend(b.with_how("`%` formatting", expr) for b in self._assemble(pieces))
        return out[:MAX_ALTERNATIVES]

    def _format(self, call: cst.Call, receiver: cst.BaseExpression, env: Env) -> list[Built]:
        templates = [b for b in self.build(receiver, env) if _is_literal(b)]
        if not templates:
            return [_opaque(call, env)]
        positional = [a.value for a in call.args if a.keyword is None and not a.star]
        named = {a.keyword.value: a.value for a in call.args if a.keyword is not None}
        out = []
        for template in templates:
            text = template.text()
            pieces: list[Union[str, tuple[cst.BaseExpression, Env]]] = []
            pos = 0
            auto = 0
            for m in _FORMAT_FIELD.finditer(text):
                pieces.append(text[pos : m.start()])
                pos = m.end()
                if m.group(0) in ("{{", "}}"):
                    pieces.append(m.group(0)[0])
                    continue
                field_name = m.group("field") or ""
                head = re.split(r"[.\[]", field_name, maxsplit=1)[0]
                value: cst.BaseExpression | None
                if head == "":
                    value = positional[auto] if auto < len(positional) else None
                    auto += 1
                elif head.isdigit():
                    idx = int(head)
                    value = positional[idx] if idx < len(positional) else None
                else:
                    value = named.get(head)
                pieces.append((value if value is not None else call, env))
            pieces.append(text[pos:])
            out.extend(b.with_how("`str.format()`", call) for b in self._assemble(pieces))
        return out[:MAX_ALTERNATIVES]

    def _join(self, call: cst.Call, sep_expr: cst.BaseExpression, env: Env) -> list[Built]:
        seps = [b for b in self.build(sep_expr, env) if _is_literal(b)]
        if not seps or not call.args:
            return [_opaque(call, env)]
        sep = seps[0].text()
        items = self._elements(call.args[0].value, env)
        if items is None:
            return [_opaque(call, env)]
        joined: list[Built] = [Built((), None, None)]
        for i, item in enumerate(items):
            if i:
                joined = [_concat(b, Built((sep,), None, None)) for b in joined]
            joined = _product(joined, item)
        return [b.with_how("`str.join()`", call) if b.holes else b for b in joined]

    def _elements(self, expr: cst.BaseExpression, env: Env) -> list[list[Built]] | None:
        """The string elements of an iterable, each with its alternatives; None if unknown."""
        if isinstance(expr, (cst.List, cst.Tuple, cst.Set)):
            if any(isinstance(e, cst.StarredElement) for e in expr.elements):
                return None
            return [self.build(e.value, env) for e in expr.elements]
        if isinstance(expr, (cst.ListComp, cst.GeneratorExp, cst.SetComp)):
            return [self.build(expr.elt, env.with_comprehension(expr.for_in))]
        if isinstance(expr, cst.Name):
            elements: list[list[Built]] = []
            for b in resolve(env, expr.value):
                d = b.definition
                if d is None:
                    return None
                if d.kind is DefKind.ASSIGN and d.value is not None and not d.element:
                    inner = self._elements(d.value, b.env)
                    if inner is None:
                        return None
                    elements.extend(inner)
                elif d.kind is DefKind.APPEND and d.value is not None:
                    elements.append(self.build(d.value, b.env))
                elif d.kind in (DefKind.EXTEND, DefKind.AUGMENT) and d.value is not None:
                    inner = self._elements(d.value, b.env)
                    if inner is None:
                        return None
                    elements.extend(inner)
                else:
                    return None
            # Appends are found nearest-first; put them back in source order.
            elements.reverse()
            return elements
        return None

    # -- names and calls ------------------------------------------------------------------------

    def _name(self, expr: cst.Name, env: Env) -> list[Built]:
        out: list[Built] = []
        for b in resolve(env, expr.value):
            d = b.definition
            if d is None or d.value is None or b.element:
                if d is not None and d.kind is DefKind.PARAM:
                    arg = env.arguments.get(expr.value) if d.scope is env.scope else b.env.arguments.get(expr.value)
                    if arg is not None:
                        out.extend(self.build(arg[0], arg[1].deeper()))
                        continue
                out.append(_opaque(expr, env))
                continue
            if d.kind is DefKind.ASSIGN:
                out.extend(self.build(d.value, b.env))
            elif d.kind is DefKind.AUGMENT:
                befores = self._before(expr.value, d, b.env)
                afters = self.build(d.value, b.env)
                out.extend(x.with_how("`+=`", d.node) if x.holes else x for x in _product(befores, afters))
            elif d.kind is DefKind.PARAM:
                arg = b.env.arguments.get(expr.value)
                out.extend(self.build(arg[0], arg[1].deeper()) if arg is not None else [_opaque(expr, env)])
            else:
                out.append(_opaque(expr, env))
            if len(out) >= MAX_ALTERNATIVES:
                break
        return out or [_opaque(expr, env)]

    def _before(self, name: str, d: object, env: Env) -> list[Built]:
        """The values `name` may hold just before the augmented assignment `d`."""
        from backlint.frameworks.flow import Definition

        assert isinstance(d, Definition) and d.scope is not None
        # A `+=` inside a loop reaches itself through the back edge: the earlier iterations add
        # the same kind of text, so following the first one is enough.
        prior = [p for p in d.scope.reaching(name, d.statement) if id(p) not in self._active]
        if not prior:
            return [Built((Hole(cst.Name(name), env),), None, None)]
        out: list[Built] = []
        self._active.add(id(d))
        try:
            out = self._before_each(name, prior, env)
        finally:
            self._active.discard(id(d))
        return out

    def _before_each(self, name: str, prior: list, env: Env) -> list[Built]:
        out: list[Built] = []
        for p in prior:
            penv = env.at(p)
            if p.kind is DefKind.ASSIGN and p.value is not None and not p.element:
                out.extend(self.build(p.value, penv))
            elif p.kind is DefKind.AUGMENT and p.value is not None:
                out.extend(_product(self._before(name, p, penv), self.build(p.value, penv)))
            else:
                out.append(Built((Hole(cst.Name(name), env),), None, None))
            if len(out) >= MAX_ALTERNATIVES:
                break
        return out

    def _attribute(self, expr: cst.Attribute, env: Env) -> list[Built]:
        from backlint.frameworks.imports import dotted

        key = dotted(expr)
        if key is not None and env.scope.binds(key):
            out: list[Built] = []
            for b in resolve(env, key):
                d = b.definition
                if d is not None and d.kind is DefKind.ASSIGN and d.value is not None and not b.element:
                    out.extend(self.build(d.value, b.env))
                else:
                    out.append(_opaque(expr, env))
            return out or [_opaque(expr, env)]
        return [_opaque(expr, env)]

    def _call(self, call: cst.Call, env: Env) -> list[Built]:
        func = call.func
        if isinstance(func, cst.Attribute):
            method = func.attr.value
            if method == "format":
                return self._format(call, func.value, env)
            if method == "join":
                return self._join(call, func.value, env)
            if method in ("strip", "lstrip", "rstrip") or (method == "dedent" and call.args):
                target = func.value if method != "dedent" else call.args[0].value
                return self.build(target, env)
        elif isinstance(func, cst.Name) and func.value in ("dedent", "cleandoc", "str") and len(call.args) == 1:
            return self.build(call.args[0].value, env)
        helper = _helper_function(env, func)
        if helper is not None:
            fn, parent = helper
            scope = env.ctx.child_scope(fn, parent)
            arguments = _bind_arguments(fn, call, env)
            out: list[Built] = []
            for ret, stmt in scope.returns:
                if ret.value is not None:
                    out.extend(self.build(ret.value, Env(env.ctx, scope, stmt, {}, arguments, env.depth + 1)))
            if out and any(b.how or _is_literal(b) for b in out):
                return out
        return [_opaque(call, env)]


def _flatten_concat(expr: cst.BaseExpression) -> Iterable[cst.BaseExpression]:
    if isinstance(expr, cst.ConcatenatedString):
        yield from _flatten_concat(expr.left)
        yield from _flatten_concat(expr.right)
    else:
        yield expr


_PERCENT = re.compile(r"%(?:\((?P<key>[^)]*)\))?[-#0 +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?(?P<conv>[diouxXeEfFgGcrsa%])")
_FORMAT_FIELD = re.compile(r"\{\{|\}\}|\{(?P<field>[^{}!:]*)(?:![rsa])?(?::[^{}]*)?\}")
