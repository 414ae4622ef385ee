from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

import libcst as cst

from backlint.findings import Confidence, Level
from backlint.frameworks import database
from backlint.frameworks.database import OpKind
from backlint.frameworks.imports import dotted
from backlint.frameworks.values import Env, assigned_values
from backlint.rule import Invalid, Rule, Valid
from backlint.syntax import iter_descendants, string_value

_EAGER_DJANGO = frozenset({"select_related", "prefetch_related"})
_EAGER_SQLALCHEMY = frozenset({"joinedload", "selectinload", "subqueryload", "contains_eager", "immediateload",
                               "joinedload_all", "selectin_polymorphic", "defaultload"})
_COMPREHENSIONS = (cst.ListComp, cst.SetComp, cst.GeneratorExp, cst.DictComp)


@dataclass
class _Loop:
    node: cst.CSTNode
    targets: frozenset[str]
    iterable: cst.BaseExpression


def _names(target: cst.BaseExpression) -> set[str]:
    if isinstance(target, cst.Name):
        return {target.value}
    if isinstance(target, (cst.Tuple, cst.List)):
        out: set[str] = set()
        for el in target.elements:
            out |= _names(el.value)
        return out
    if isinstance(target, cst.StarredElement):
        return _names(target.value)
    return set()


def _bounded(iterable: cst.BaseExpression) -> bool:
    """A literal collection or `range(<literal>)`: a few iterations by construction."""
    if isinstance(iterable, (cst.Tuple, cst.List, cst.Set)):
        return all(not isinstance(e, cst.StarredElement) for e in iterable.elements)
    if isinstance(iterable, cst.Call) and dotted(iterable.func) == "range":
        return all(isinstance(a.value, cst.Integer) for a in iterable.args)
    return False


class QueryInLoop(Rule):
    """A database query runs once per iteration of a loop (the N+1 query problem).

    Loading a list and then querying once per element turns one round trip into N+1: fine with
    ten test rows, a timeout with ten thousand. The rule flags, inside `for` loops and
    comprehensions: an ORM or SQL query whose arguments use the loop variable
    (`Comment.objects.filter(post=post)`, `cur.execute(sql, (row_id,))`), and a lazy relationship
    read on the loop variable (`post.author`, `order.items.all()`) while iterating over a query
    that did not load it eagerly (`select_related`/`prefetch_related`, `joinedload`/`selectinload`/
    `subqueryload`, or a relationship declared `lazy="joined"`/`"selectin"`). Relationships are
    read from the project's models (Django `ForeignKey`/`ManyToManyField` and `related_name`,
    SQLAlchemy `relationship()`), wherever they are defined.

    Left alone: queries that do not depend on the loop variable, loops over a literal list or a
    `range` of constants, writes in loops, and relationship reads on collections whose origin is
    not visible in the function (a queryset passed in may have been prefetched)."""

    ID = "BL102"
    LEVEL = Level.WARNING
    CONFIDENCE = Confidence.MEDIUM
    CWE = (1073,)
    TAGS = ("performance", "database", "n-plus-one")
    MESSAGE = "{what}; {advice}"
    FIX = """Fetch related rows together with the list, in one or two queries:

```python
posts = Post.objects.select_related("author").prefetch_related("tags")      # Django
posts = session.scalars(select(Post).options(selectinload(Post.tags))).all()  # SQLAlchemy
comments = Comment.objects.filter(post__in=posts)                             # one query for all
```"""
    REFERENCES = (
        "https://docs.djangoproject.com/en/stable/topics/db/optimization/#retrieve-everything-at-once-if-you-know-you-will-need-it",
        "https://docs.sqlalchemy.org/en/20/orm/queryguide/relationships.html",
    )
    PREFILTER = r"for\s"

    INVALID = [
        Invalid(
            """
            from django.db import models

            class Post(models.Model):
                author = models.ForeignKey("Author", on_delete=models.CASCADE)

            def feed():
                return [post.author.name for post in Post.objects.filter(published=True)]
            """,
            line=7,
            note="A foreign key read for every row (Django).",
        ),
        Invalid(
            """
            def totals(orders):
                result = {}
                for order in orders:
                    result[order.id] = OrderItem.objects.filter(order=order).count()
                return result
            """,
            line=4,
            note="A query per element, parameterised by the loop variable.",
        ),
        Invalid(
            """
            def names(cursor, ids):
                out = []
                for user_id in ids:
                    cursor.execute("SELECT name FROM users WHERE id = %s", (user_id,))
                    out.append(cursor.fetchone()[0])
                return out
            """,
            line=4,
            note="Raw SQL per id: one `WHERE id = ANY(%s)` would do.",
        ),
        Invalid(
            """
            from sqlalchemy import select
            from sqlalchemy.orm import relationship

            class User(Base):
                addresses = relationship("Address", back_populates="user")

            def export(session):
                for user in session.scalars(select(User)).all():
                    yield user.email, [a.street for a in user.addresses]
            """,
            line=9,
            note="A lazy SQLAlchemy relationship.",
        ),
        Invalid(
            """
            from django.db import models

            class Book(models.Model):
                tags = models.ManyToManyField("Tag")

            def catalogue():
                books = Book.objects.select_related("publisher")
                for book in books:
                    print(book.title, [t.name for t in book.tags.all()])
            """,
            line=9,
            note="select_related does not cover a many-to-many.",
        ),
        Invalid(
            """
            async def scores(conn, player_ids):
                return [await conn.fetchval("SELECT score FROM scores WHERE player = $1", pid) for pid in player_ids]
            """,
            line=2,
            note="An awaited query in a comprehension is still one query per element.",
        ),
    ]
    VALID = [
        Valid(
            """
            from django.db import models

            class Post(models.Model):
                author = models.ForeignKey("Author", on_delete=models.CASCADE)

            def feed():
                return [post.author.name for post in Post.objects.select_related("author")]
            """,
            note="Loaded with the list.",
        ),
        Valid(
            """
            def totals(order_ids):
                counts = OrderItem.objects.filter(order_id__in=order_ids).values("order_id").annotate(n=Count("id"))
                return {row["order_id"]: row["n"] for row in counts}
            """,
            note="One query for all of them.",
        ),
        Valid(
            """
            def by_status():
                return {status: Order.objects.filter(status=status).count() for status in ("new", "paid", "shipped")}
            """,
            note="A loop over a literal: three queries, by design.",
        ),
        Valid(
            """
            def import_rows(session, rows):
                for row in rows:
                    session.add(Item(**row))
                session.commit()
            """,
            note="Writes in a loop are not N+1 reads.",
        ),
        Valid(
            """
            def render(posts):
                return [post.author.name for post in posts]
            """,
            note="The collection comes from elsewhere and may have been prefetched.",
        ),
        Valid(
            """
            def poll(cursor, jobs):
                for job in jobs:
                    cursor.execute("SELECT now()")
                    job.started = cursor.fetchone()[0]
            """,
            note="The query does not depend on the loop variable.",
        ),
    ]

    def __init__(self, ctx: Any, options: Mapping[str, Any]) -> None:
        super().__init__(ctx, options)
        self._seen: set[tuple[int, str]] = set()

    def _loops(self) -> list[_Loop]:
        """Loops enclosing the current node within its function, innermost first, whose body (not
        their iterable) holds the node."""
        stack = self.ctx.stack
        loops: list[_Loop] = []
        for i in range(len(stack) - 2, -1, -1):
            node, child = stack[i], stack[i + 1]
            if isinstance(node, (cst.FunctionDef, cst.Lambda, cst.ClassDef)):
                break
            if isinstance(node, cst.For) and child is node.body:
                loops.append(_Loop(node, frozenset(_names(node.target)), node.iter))
            elif isinstance(node, _COMPREHENSIONS) and child is not node.for_in:
                comp: cst.CompFor | None = node.for_in
                while comp is not None:
                    loops.append(_Loop(node, frozenset(_names(comp.target)), comp.iter))
                    comp = comp.inner_for_in
        return loops

    def visit_Call(self, node: cst.Call) -> None:
        if database.is_chain_link(self.ctx.stack):
            return
        loops = self._loops()
        if not loops:
            return
        op = database.data_op(self.ctx, node, Env.here(self.ctx))
        if op is None or op.kind is not OpKind.QUERY:
            return
        root = database.chain_root(node)
        if isinstance(root, cst.Attribute) and isinstance(root.value, cst.Name) and root.attr.value in self.ctx.project.relations:
            return  # `book.tags.all()`: the relationship read is reported where it happens
        used = {n.value for n in iter_descendants(node) if isinstance(n, cst.Name)}
        for loop in loops:
            if loop.targets & used and not _bounded(loop.iterable):
                var = sorted(loop.targets & used)[0]
                self.report(
                    node,
                    what=f"{op.label} runs once for every `{var}` of the loop (N+1 queries)",
                    advice="load them in one query (`__in`, a join, or prefetching)",
                )
                return

    def visit_Attribute(self, node: cst.Attribute) -> None:
        if not isinstance(node.value, cst.Name) or node.attr.value not in self.ctx.project.relations:
            return
        parent = self.ctx.parent()
        if isinstance(parent, cst.AssignTarget) or (isinstance(parent, cst.Attribute) and parent.attr.value.endswith("_id")):
            return
        var, rel = node.value.value, node.attr.value
        for loop in self._loops():
            if var not in loop.targets:
                continue
            origin = self._query_origin(loop.iterable)
            if origin is None:
                return
            label, eager, django = origin
            if rel in eager or "*" in eager:
                return
            key = (id(loop.node), f"{var}.{rel}")
            if key in self._seen:
                return
            self._seen.add(key)
            advice = (f'add `select_related("{rel}")` or `prefetch_related("{rel}")` to the query' if django
                      else f"load it with `selectinload`/`joinedload` in the query's options")
            self.report(node, what=f"`{var}.{rel}` loads related rows for every `{var}` of {label} (N+1 queries)", advice=advice)
            return

    def _query_origin(self, iterable: cst.BaseExpression) -> tuple[str, set[str], bool] | None:
        """(label, eagerly loaded relations, is Django) when the iterable is a query made in this
        function, else None."""
        env = Env.here(self.ctx)
        for value, venv in assigned_values(env, iterable):
            if isinstance(value, cst.Call) and dotted(value.func) in ("list", "tuple", "sorted") and value.args:
                return self._query_origin(value.args[0].value)
            if not isinstance(value, cst.Call):
                continue
            op = database.data_op(self.ctx, value, venv)
            if op is None or op.kind is not OpKind.QUERY:
                continue
            django = database._is_manager(database.chain_root(value))
            return op.label, _eager_relations(value), django
        return None


def _eager_relations(call: cst.BaseExpression) -> set[str]:
    """Relations loaded eagerly by a query chain: select_related/prefetch_related arguments
    (`"*"` for a bare select_related()), and the attributes named in eager loader options."""
    out: set[str] = set()
    for node in [call, *iter_descendants(call)] if isinstance(call, cst.Call) else ():
        if not isinstance(node, cst.Call):
            continue
        name = (dotted(node.func) or "").rsplit(".", 1)[-1]
        if name in _EAGER_DJANGO:
            if not node.args and name == "select_related":
                out.add("*")
            for arg in node.args:
                text = string_value(arg.value)
                if text is None and isinstance(arg.value, cst.Call) and arg.value.args:
                    text = string_value(arg.value.args[0].value)  # Prefetch("tags", ...)
                if text:
                    out.update(part for part in text.split("__"))
        elif name in _EAGER_SQLALCHEMY:
            for arg in node.args:
                target = dotted(arg.value) or string_value(arg.value) or ""
                if target:
                    out.add(target.rsplit(".", 1)[-1])
    return out
