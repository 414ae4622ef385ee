"""Small facts about libcst nodes shared by the engine and the framework model.

The engine does not use libcst's own visitor machinery: `CSTNode.visit` rebuilds every node it
passes and visits whitespace and punctuation, which costs more than the rules themselves. Instead
`child_fields` lists, once per node type, the fields that can hold code (expressions, statements
and their structural parts), in source order, and `iter_children` follows only those.

libcst's node classes are abstract base classes, so every `isinstance(node, cst.Call)` in a
rule goes through `ABCMeta.__instancecheck__`, a Python-level check with per-class caches of the
types it has seen; the first check of each new pair walks the whole subclass tree (the first file
of a process paid about 40 ms for it). Nothing registers virtual subclasses on libcst's nodes, so
the class hierarchy alone decides, and `_plain_type_checks` gives the node classes a metaclass
whose checks are `type`'s own.
"""

from __future__ import annotations

import abc
import dataclasses
import typing
from typing import Iterable, Iterator, Sequence

import libcst as cst


class _NodeMeta(abc.ABCMeta):
    """ABCMeta whose isinstance/issubclass read the class hierarchy only (no registry, no caches).
    Still an ABCMeta, so a class deriving from a node and from another ABC keeps one metaclass."""

    __instancecheck__ = type.__instancecheck__  # type: ignore[assignment]
    __subclasscheck__ = type.__subclasscheck__  # type: ignore[assignment]


def _plain_type_checks() -> None:
    todo: list[type] = [cst.CSTNode]
    seen: set[type] = set()
    while todo:
        cls = todo.pop()
        if cls in seen:
            continue
        seen.add(cls)
        todo.extend(cls.__subclasses__())
        if type(cls) is abc.ABCMeta:
            try:
                cls.__class__ = _NodeMeta
            except TypeError:  # an interpreter that refuses the switch keeps ABCMeta's checks
                return


_plain_type_checks()

# Node types that only carry layout or punctuation: never descended into.
LAYOUT: tuple[type, ...] = (
    cst.BaseParenthesizableWhitespace,
    cst.EmptyLine,
    cst.Newline,
    cst.TrailingWhitespace,
    cst.Comment,
    cst.LeftParen,
    cst.RightParen,
    cst.LeftSquareBracket,
    cst.RightSquareBracket,
    cst.LeftCurlyBrace,
    cst.RightCurlyBrace,
    cst.Comma,
    cst.Semicolon,
    cst.Colon,
    cst.Dot,
    cst.AssignEqual,
    cst.BaseBinaryOp,
    cst.BaseBooleanOp,
    cst.BaseUnaryOp,
    cst.BaseCompOp,
    cst.BaseAugOp,
    cst.ImportStar,
    cst.Asynchronous,
)

# Statements in the sense of the flow analysis: the units a block is made of.
STATEMENTS: tuple[type, ...] = (cst.SimpleStatementLine, cst.BaseCompoundStatement, cst.SimpleStatementSuite)

# Fields whose declaration order differs from source order.
_SOURCE_ORDER: dict[type, tuple[str, ...]] = {
    cst.FunctionDef: ("decorators", "name", "type_parameters", "params", "returns", "body"),
    cst.ClassDef: ("decorators", "name", "type_parameters", "bases", "keywords", "body"),
    cst.ExceptHandler: ("type", "name", "body"),
    cst.Arg: ("keyword", "value"),
    cst.IfExp: ("body", "test", "orelse"),
}

_FIELDS: dict[type, tuple[str, ...]] = {}


def _node_classes(hint: object, out: list[type | None]) -> None:
    origin = typing.get_origin(hint)
    if origin is None:
        if isinstance(hint, type) and issubclass(hint, cst.CSTNode):
            out.append(hint)
        elif isinstance(hint, (typing.ForwardRef, str)):
            out.append(None)  # unknown: keep the field
        return
    for arg in typing.get_args(hint):
        _node_classes(arg, out)


def _compute_fields(tp: type) -> tuple[str, ...]:
    fields = dataclasses.fields(tp)
    hints: dict[str, object] = {f.name: f.type for f in fields}
    if any(isinstance(h, str) or "ForwardRef" in repr(h) for h in hints.values()):
        hints = typing.get_type_hints(tp)  # resolving is slow: only for the few that need it
    keep = []
    for f in fields:
        classes: list[type | None] = []
        _node_classes(hints.get(f.name), classes)
        if not classes:
            continue
        if all(c is not None and issubclass(c, LAYOUT) for c in classes):
            continue
        keep.append(f.name)
    order = _SOURCE_ORDER.get(tp)
    if order is not None:
        keep = [n for n in order if n in keep] + [n for n in keep if n not in order]
    return tuple(keep)


def child_fields(tp: type) -> tuple[str, ...]:
    """Names of the fields of node type `tp` that can hold code, in source order."""
    fields = _FIELDS.get(tp)
    if fields is None:
        fields = _FIELDS[tp] = _compute_fields(tp)
    return fields


def iter_children(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """The code-carrying children of `node`, in source order."""
    for name in child_fields(node.__class__):
        value = getattr(node, name)
        if value.__class__ is tuple or value.__class__ is list:
            yield from value
        elif isinstance(value, cst.CSTNode):
            yield value


def iter_descendants(node: cst.CSTNode, *, into_scopes: bool = True) -> Iterator[cst.CSTNode]:
    """Every code-carrying node below `node`, depth first in source order.

    With `into_scopes=False` the bodies of nested functions, lambdas and classes are skipped
    (the nested definition itself is still yielded).
    """
    todo = list(iter_children(node))
    todo.reverse()
    while todo:
        child = todo.pop()
        yield child
        if not into_scopes and isinstance(child, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
            continue
        grand = list(iter_children(child))
        grand.reverse()
        todo.extend(grand)


def is_leaf(tp: type) -> bool:
    return not child_fields(tp)


# ---------------------------------------------------------------------------------------------
# Literals


def string_value(node: cst.CSTNode) -> str | None:
    """The value of a plain string literal (or an implicit concatenation of them), else None.

    Bytes literals are decoded as Latin-1 so every byte maps to one character.
    """
    if isinstance(node, cst.SimpleString):
        try:
            value = node.evaluated_value
        except Exception:  # malformed escapes: fall back to the raw body
            return node.raw_value
        if isinstance(value, bytes):
            return value.decode("latin-1")
        return value
    if isinstance(node, cst.ConcatenatedString):
        left = string_value(node.left)
        right = string_value(node.right)
        if left is None or right is None:
            return None
        return left + right
    return None


def literal_start(expr: cst.BaseExpression) -> str | None:
    """The literal text a built string starts with: `f"http://localhost:{port}"`,
    `"SELECT {}".format(x)`, `"a" + b`, `"%s" % x` (None when it starts with a value)."""
    if isinstance(expr, cst.FormattedString):
        first = expr.parts[0] if expr.parts else None
        return first.value if isinstance(first, cst.FormattedStringText) else None
    if isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute) and expr.func.attr.value == "format":
        return string_value(expr.func.value)
    if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, (cst.Add, cst.Modulo)):
        return string_value(expr.left) if string_value(expr.left) is not None else literal_start(expr.left)
    return None


def is_string_like(node: cst.CSTNode) -> bool:
    """A string literal of any kind, including f-strings and concatenations."""
    return isinstance(node, (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString))


LEAVING = (cst.Return, cst.Raise)
"""Statements that leave a function's block; add `cst.Continue`/`cst.Break` for a loop's."""


def ends_with(block: cst.CSTNode | None, kinds: tuple[type, ...] = LEAVING) -> bool:
    """Whether a block's last statement is a simple statement ending in one of `kinds` (`return`,
    `raise`...): the block leaves. Takes an indented block, an `else`, or a compound statement or
    clause (its body)."""
    body = block if isinstance(block, cst.IndentedBlock) else getattr(block, "body", None)
    statements = body.body if isinstance(body, cst.IndentedBlock) else ()
    last = statements[-1] if statements else None
    return isinstance(last, cst.SimpleStatementLine) and bool(last.body) and isinstance(last.body[-1], kinds)


def conjuncts(test: cst.BaseExpression) -> Iterator[cst.BaseExpression]:
    """The parts of a test joined by `and` (the test itself when there is no `and`)."""
    todo = [test]
    while todo:
        t = todo.pop()
        if isinstance(t, cst.BooleanOperation) and isinstance(t.operator, cst.And):
            todo.extend((t.left, t.right))
        else:
            yield t


def compared_to_literal(test: cst.BaseExpression) -> cst.BaseExpression | None:
    """`x == "text"` or `"text" == x`: the side compared to the string literal, else None."""
    if not (isinstance(test, cst.Comparison) and len(test.comparisons) == 1 and isinstance(test.comparisons[0].operator, cst.Equal)):
        return None
    left, right = test.left, test.comparisons[0].comparator
    if string_value(left) is not None:
        left, right = right, left
    return left if string_value(right) is not None else None


def value_choice(branch: cst.If, fn: cst.CSTNode) -> tuple[int, int] | None:
    """A pseudo-branch for the body of `if request.method == "POST":`: (a key for the subject, one
    for the value). Two `if`s in a row that compare the same subject with different literals
    (`if request.method == "POST": ...` then `if file_type == "data": ...`) never both run, as arms
    of one `if` would not: their keys match and their values differ. So for the submit button a
    Django form posted (`if "pin" in request.POST:` then `if "unpin" in request.POST:`): a form
    is submitted by one button. None unless the subject is a name or attribute chain whose root
    `fn` assigns only before the `if` and outside loops (the key tells its assignments apart)."""
    test = branch.test
    subject, literal = _choice_subject(test)
    chain: list[str] = []
    node = subject
    while isinstance(node, cst.Attribute):
        chain.append(node.attr.value)
        node = node.value
    if subject is None or not isinstance(node, cst.Name):
        return None
    root = node.value
    assignments: list[cst.CSTNode] = []
    reached = False
    for n in iter_descendants(fn):
        if n is branch:
            reached = True
        for t in bound_targets(n):
            while isinstance(t, (cst.Attribute, cst.Subscript)):
                t = t.value
            if isinstance(t, cst.Name) and t.value == root:
                if reached:
                    return None  # (`if state == "a": ...; state = "b"` then `if state == "b":` runs both)
                assignments.append(n)
    if assignments:
        in_loops = {id(n) for loop in iter_descendants(fn) if isinstance(loop, (cst.For, cst.While)) for n in iter_descendants(loop)}
        if any(id(n) in in_loops for n in assignments):
            return None
    last = id(assignments[-1]) if assignments else None
    kind = "submit button" if isinstance(test, cst.Comparison) and isinstance(test.comparisons[0].operator, cst.In) \
        or isinstance(test, cst.Call) else "value choice"
    return hash((kind, root, *reversed(chain), last)), hash(literal)


def _choice_subject(test: cst.BaseExpression) -> tuple[cst.BaseExpression | None, str | None]:
    """(subject, literal) of `subject == "literal"`, and of a posted form's button: `"literal" in
    request.POST`, `request.POST.get("literal")`."""
    subject = compared_to_literal(test)
    if subject is not None:
        comparison = test.comparisons[0]  # type: ignore[attr-defined]
        return subject, string_value(comparison.comparator if string_value(comparison.comparator) is not None else test.left)  # type: ignore[attr-defined]
    return posted_button(test)


def posted_button(test: cst.BaseExpression) -> tuple[cst.BaseExpression | None, str | None]:
    """(`request.POST`, "pin") for the test of which button submitted a Django form: `"pin" in
    request.POST`, `request.POST.get("pin")` (a form posts every field, and only the button
    pressed)."""
    if isinstance(test, cst.Comparison) and len(test.comparisons) == 1 and isinstance(test.comparisons[0].operator, cst.In):
        posted = test.comparisons[0].comparator
        if isinstance(posted, cst.Attribute) and posted.attr.value == "POST" and string_value(test.left) is not None:
            return posted, string_value(test.left)
    if isinstance(test, cst.Call) and isinstance(test.func, cst.Attribute) and test.func.attr.value == "get" and len(test.args) == 1 \
            and isinstance(test.func.value, cst.Attribute) and test.func.value.attr.value == "POST" and string_value(test.args[0].value) is not None:
        return test.func.value, string_value(test.args[0].value)
    return None, None


def bound_targets(node: cst.CSTNode) -> list[cst.BaseExpression]:
    """The targets a statement or expression binds (assignment, loop variable, walrus, `as`)."""
    if isinstance(node, cst.Assign):
        return [t.target for t in node.targets]
    if isinstance(node, (cst.AugAssign, cst.AnnAssign, cst.For, cst.CompFor)):
        return [node.target]
    if isinstance(node, cst.NamedExpr):
        return [node.target]
    if isinstance(node, cst.AsName):
        return [node.name]  # type: ignore[list-item]
    return []


def tests_absence(test: cst.BaseExpression, name: str) -> bool | None:
    """True for `not name` / `name is None` / `name == None`, False for `name` / `name is not
    None` (a `not` in front turns one into the other), None when the test is not about `name`
    being there."""
    negated = isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not)
    if negated:
        test = test.expression  # type: ignore[attr-defined]
    absent: bool | None = None
    if _found_row(test, name):
        absent = False
    elif (
        isinstance(test, cst.Comparison) and _found_row(test.left, name)
        and len(test.comparisons) == 1 and isinstance(test.comparisons[0].operator, (cst.Is, cst.IsNot, cst.Equal, cst.NotEqual))
        and isinstance(test.comparisons[0].comparator, cst.Name) and test.comparisons[0].comparator.value == "None"
    ):
        absent = isinstance(test.comparisons[0].operator, (cst.Is, cst.Equal))
    return None if absent is None else absent != negated


_RESULT_ACCESSORS = frozenset({"scalars", "scalar", "first", "one_or_none", "scalar_one_or_none", "fetchone"})


def _found_row(expr: cst.BaseExpression, name: str) -> bool:
    """`name`, or the row a query result bound to it holds (`name.scalars().first()`,
    `name.scalar_one_or_none()`, `name.fetchone()`)."""
    while isinstance(expr, cst.Call) and not expr.args and isinstance(expr.func, cst.Attribute) \
            and expr.func.attr.value in _RESULT_ACCESSORS:
        expr = expr.func.value
    return isinstance(expr, cst.Name) and expr.value == name


def contains(outer: cst.CSTNode, inner: cst.CSTNode) -> bool:
    """Whether `inner` is `outer` or a node below it."""
    return outer is inner or any(n is inner for n in iter_descendants(outer))


def caught_types(handler: cst.ExceptHandler) -> list[cst.BaseExpression]:
    """The classes an `except` names (`except (A, B) as e`: both; a bare `except:` none)."""
    if handler.type is None:
        return []
    if isinstance(handler.type, cst.Tuple):
        return [e.value for e in handler.type.elements]
    return [handler.type]


def sibling(stack: Sequence[cst.CSTNode], i: int, step: int) -> cst.BaseStatement | None:
    """The statement `step` places from `stack[i]` in the block or module that holds it
    (`stack[i - 1]`): 1 for the next, -1 for the previous."""
    body = list(stack[i - 1].body) if isinstance(stack[i - 1], (cst.IndentedBlock, cst.Module)) else []  # type: ignore[attr-defined]
    index = next((k for k, x in enumerate(body) if x is stack[i]), -1)
    return body[index + step] if index >= 0 and 0 <= index + step < len(body) else None


def sends_message(node: cst.CSTNode) -> bool:
    """A call that sends a message out (`notification.notify()`, `send_mail(...)`,
    `whatsapp_service.send_message(...)`, `send_welcome_email(user)`; not a signal's `send()`):
    a mail, push or chat round trip, which no rollback takes back."""
    if not isinstance(node, cst.Call):
        return False
    words = name_parts(call_name(node) or "")
    return bool(words) and (words[0] == "notify" or (words[0] in ("send", "sendmail") and "signal" not in words))


def unused_local_function(stack: Sequence[cst.CSTNode]) -> bool:
    """Whether the node on top of `stack` lies in a function defined inside another function that
    never names it (`def logout(): def delete_facebook_authorization(): ...` with its one call
    commented out): nothing can call it, its code never runs."""
    scopes = [i for i, node in enumerate(stack) if isinstance(node, (cst.FunctionDef, cst.ClassDef, cst.Lambda))]
    for outer, inner in zip(scopes, scopes[1:]):
        fn, holder = stack[inner], stack[outer]
        if not (isinstance(fn, cst.FunctionDef) and isinstance(holder, cst.FunctionDef)) or fn.decorators:
            continue  # (a decorator may register it: `@app.route("/")` inside `create_app()`)
        if not any(isinstance(n, cst.Name) and n.value == fn.name.value and n is not fn.name for n in iter_descendants(holder.body)):
            return True
    return False


def statements_after(stack: Sequence[cst.CSTNode], index: int, *, pass_only: bool = False) -> Iterator[cst.CSTNode]:
    """The statements that follow `stack[index]` in its function: its later siblings, then those of
    each block around it, out to the function (or, with `pass_only`, to the body of the innermost
    loop holding it: the rest of the pass)."""
    for i in range(index, 0, -1):
        node, block = stack[i], stack[i - 1]
        if isinstance(node, (cst.FunctionDef, cst.Lambda, cst.ClassDef)):
            return
        if not isinstance(block, cst.IndentedBlock):
            continue
        statements = list(block.body)
        yield from statements[next((k for k, x in enumerate(statements) if x is node), len(statements)) + 1:]
        if pass_only and i >= 2 and isinstance(stack[i - 2], (cst.For, cst.While)) and stack[i - 2].body is block:  # type: ignore[attr-defined]
            return


def call_name(call: cst.Call) -> str | None:
    """The called name as written: `execute` for `cur.execute(...)`, `text` for `text(...)`."""
    func = call.func
    if isinstance(func, cst.Attribute):
        return func.attr.value
    if isinstance(func, cst.Name):
        return func.value
    return None


def decorator_targets(fn: cst.FunctionDef) -> Iterator[cst.BaseExpression]:
    """What each decorator names: `app.task` for `@app.task` and for `@app.task(bind=True)`."""
    for decorator in fn.decorators:
        target = decorator.decorator
        yield target.func if isinstance(target, cst.Call) else target


def keyword_arg(call: cst.Call, name: str) -> cst.Arg | None:
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == name:
            return arg
    return None


def positional_arg(call: cst.Call, index: int) -> cst.Arg | None:
    i = 0
    for arg in call.args:
        if arg.keyword is not None or arg.star == "**":
            continue
        if arg.star == "*":
            return None  # positions from *args on are unknowable
        if i == index:
            return arg
        i += 1
    return None


def argument(call: cst.Call, index: int, *names: str) -> cst.BaseExpression | None:
    """The expression passed at positional `index` or by one of the keyword `names`."""
    arg = positional_arg(call, index) if index >= 0 else None
    if arg is None:
        for name in names:
            arg = keyword_arg(call, name)
            if arg is not None:
                break
    return arg.value if arg is not None else None


def name_parts(name: str) -> list[str]:
    """Lower-case words of an identifier: `dbPassword` and `DB_PASSWORD` give ['db', 'password'],
    `JEXLParser` gives ['jexl', 'parser'] (an acronym ends before the capital that starts a word)."""
    words: list[str] = []
    current = ""
    prev = ""
    for i, ch in enumerate(name):
        if ch in "_-. ":
            if current:
                words.append(current)
            current = ""
        elif ch.isupper() and current and (prev.islower() or prev.isdigit()):
            words.append(current)
            current = ch
        elif ch.isupper() and len(current) >= 2 and current.isupper() and name[i + 1:i + 2].islower():
            words.append(current)
            current = ch
        else:
            current += ch
        prev = ch
    if current:
        words.append(current)
    return [w.lower() for w in words]


def overrides_follow(module: cst.Module, statement: cst.CSTNode | None) -> bool:
    """Whether a module-level `statement` is followed by code that loads another module's
    settings over this one's: `from .overrides import *` (often in a `try`), or another file's
    text run into this namespace (`exec(f.read(), globals())`, DMOJ's `local_settings.py`; or
    `exec(open(f).read())`, which at module level runs there too). A
    deployment writes that module, and its values win."""
    body = list(module.body)
    if statement not in body:
        return False
    for stmt in body[body.index(statement) + 1 :]:
        for node in [stmt, *iter_descendants(stmt, into_scopes=False)]:
            if isinstance(node, cst.ImportFrom) and isinstance(node.names, cst.ImportStar):
                return True
            if isinstance(node, cst.Call) and isinstance(node.func, cst.Name) and node.func.value == "exec" and (
                    # (at module level, `exec(open(f).read())` runs a file's text in the module's own namespace)
                    len(node.args) == 1 and any(isinstance(n, cst.Call) and call_name(n) == "read"
                                                for n in (node.args[0].value, *iter_descendants(node.args[0].value)))
                    or len(node.args) > 1 and isinstance(node.args[1].value, cst.Call) and call_name(node.args[1].value) == "globals"):
                return True
    return False


def statement_call(stmt: cst.CSTNode, *, assigned: bool = False) -> cst.Call | None:
    """The call a statement is (`raise_deprecation_error(request)`), or with `assigned` also the
    call whose result it binds (`result = validate_user_has_curator_role(request)`)."""
    if not (isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1):
        return None
    small = stmt.body[0]
    value = small.value if isinstance(small, cst.Expr) or (assigned and isinstance(small, cst.Assign)) else None
    return value if isinstance(value, cst.Call) else None


def is_call_statement_of(stmt: cst.CSTNode, names: Iterable[str]) -> bool:
    """A statement that is only a call of one of `names` (`raise_deprecation_error(request)`, a
    function whose whole body is one `raise`)."""
    call = statement_call(stmt)
    return call is not None and call_name(call) in names
