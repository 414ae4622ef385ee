"""Which module each local name comes from: a cheap replacement for QualifiedNameProvider.

The table maps every name bound by an import statement to the dotted name it stands for
(`import sqlalchemy as sa` gives `sa -> sqlalchemy`; `from flask import request as rq` gives
`rq -> flask.request`). Module-level imports are read before the traversal starts (including
those inside top-level `if`/`try` blocks); imports inside functions are added as the traversal
meets them. Relative imports keep their leading dots, so they never collide with a framework.
"""

from __future__ import annotations

from typing import Iterable

import libcst as cst


def dotted(expr: cst.BaseExpression | None) -> str | None:
    """`a.b.c` for a Name/Attribute chain, else None."""
    parts: list[str] = []
    while isinstance(expr, cst.Attribute):
        parts.append(expr.attr.value)
        expr = expr.value
    if isinstance(expr, cst.Name):
        parts.append(expr.value)
        return ".".join(reversed(parts))
    return None


def _module_name(node: cst.ImportFrom) -> str:
    dots = "".join("." for _ in node.relative)
    mod = dotted(node.module) if node.module is not None else ""
    return dots + (mod or "")


class ImportTable:
    """Local name -> qualified name, for names bound by imports."""

    __slots__ = ("names", "modules")

    def __init__(self) -> None:
        self.names: dict[str, str] = {}
        self.modules: set[str] = set()
        """Every module imported anywhere in the file (`a.b` for `import a.b`, `a` for `from a import x`)."""

    @classmethod
    def for_module(cls, module: cst.Module) -> ImportTable:
        table = cls()
        table.add_statements(module.body)
        return table

    def add_statements(self, body: Iterable[cst.BaseStatement | cst.BaseSmallStatement]) -> None:
        """Record the imports among `body`, looking into top-level if/try/with blocks."""
        for stmt in body:
            if isinstance(stmt, cst.SimpleStatementLine):
                for small in stmt.body:
                    if isinstance(small, (cst.Import, cst.ImportFrom)):
                        self.add(small)
            elif isinstance(stmt, (cst.If, cst.Try, cst.With)):
                self._add_compound(stmt)

    def _add_compound(self, stmt: cst.CSTNode) -> None:
        bodies: list[cst.BaseSuite] = []
        if isinstance(stmt, cst.If):
            bodies.append(stmt.body)
            if stmt.orelse is not None:
                if isinstance(stmt.orelse, cst.If):
                    self._add_compound(stmt.orelse)
                else:
                    bodies.append(stmt.orelse.body)
        elif isinstance(stmt, cst.Try):
            bodies.append(stmt.body)
            bodies.extend(h.body for h in stmt.handlers)
            if stmt.orelse is not None:
                bodies.append(stmt.orelse.body)
        elif isinstance(stmt, cst.With):
            bodies.append(stmt.body)
        for suite in bodies:
            if isinstance(suite, cst.IndentedBlock):
                self.add_statements(suite.body)
            elif isinstance(suite, cst.SimpleStatementSuite):
                self.add_statements(suite.body)

    def add(self, node: cst.Import | cst.ImportFrom) -> None:
        if isinstance(node, cst.Import):
            for alias in node.names:
                full = dotted(alias.name)
                if full is None:
                    continue
                self.modules.add(full)
                if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                    self.names[alias.asname.name.value] = full
                else:
                    head = full.split(".", 1)[0]
                    self.names.setdefault(head, head)
        else:
            base = _module_name(node)
            self.modules.add(base)
            if isinstance(node.names, cst.ImportStar):
                return
            for alias in node.names:
                name = dotted(alias.name)
                if name is None:
                    continue
                local = name
                if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                    local = alias.asname.name.value
                sep = "" if base.endswith(".") else "."
                self.names[local] = f"{base}{sep}{name}"

    def qualify(self, expr: cst.BaseExpression | None) -> str | None:
        """The qualified name of a Name/Attribute chain whose head was imported, else None."""
        parts: list[str] = []
        while isinstance(expr, cst.Attribute):
            parts.append(expr.attr.value)
            expr = expr.value
        if not isinstance(expr, cst.Name):
            return None
        base = self.names.get(expr.value)
        if base is None:
            return None
        parts.append(base)
        return ".".join(reversed(parts))

    def imports_any(self, prefixes: Iterable[str]) -> bool:
        """Whether any module starting with one of `prefixes` is imported (`flask` matches `flask.views`)."""
        for mod in self.modules:
            for p in prefixes:
                if mod == p or mod.startswith(p + "."):
                    return True
        return False
