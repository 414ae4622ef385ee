from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterator, Mapping, Sequence

import libcst as cst

from backlint.findings import Confidence, Level
from backlint.frameworks import database, errors, project, request_data, routes
from backlint.frameworks.database import OpKind
from backlint.frameworks.imports import dotted
from backlint.frameworks.values import Env, assigned_values, is_constant_name
from backlint.rule import Invalid, Rule, Valid
from backlint.syntax import (LEAVING, call_name, compared_to_literal, ends_with, iter_children, iter_descendants, name_parts, sends_message,
                             sibling, string_value, tests_absence)

_EAGER_DJANGO = frozenset({"select_related", "prefetch_related"})
_EAGER_SQLALCHEMY = frozenset({"joinedload", "selectinload", "subqueryload", "contains_eager", "immediateload",
                               "joinedload_all", "selectin_polymorphic", "defaultload"})
_COMPREHENSIONS = (cst.ListComp, cst.SetComp, cst.GeneratorExp, cst.DictComp)
_EXECUTING = frozenset({"execute", "executemany", "exec_driver_sql", "fetch", "fetchrow", "fetchval", "fetch_all",
                        "fetch_one", "fetch_val", "iterate", "raw", "read_sql", "read_sql_query"})
"""Methods that run a statement given as their first argument (ORM reads like `session.query(Model)` take none)."""
_ITERATING_CALLS = frozenset({"list", "tuple", "set", "sorted", "len", "sum", "any", "all", "dict", "max", "min", "bool",
                              "extend", "update", "union", "join"})


@dataclass
class _Loop:
    node: cst.CSTNode
    targets: frozenset[str]
    iterable: cst.BaseExpression


_RELATION_WRITES = frozenset({"delete", "add", "remove", "clear", "set", "create", "update", "bulk_create", "bulk_update"})
"""Django related-manager writes: getting the manager runs no query. (SQLAlchemy's
`obj.tags.append(t)` is not here: it loads the collection first.)"""


def _compares_to_literal(test: cst.BaseExpression, names: set[str]) -> bool:
    """`name == "literal"` or `name[0] == "literal"` for one of `names`."""
    side = compared_to_literal(test)
    if isinstance(side, cst.Subscript):
        side = side.value
    return isinstance(side, cst.Name) and side.value in names


def _batched(query: cst.Call, targets: frozenset[str]) -> bool:
    """The loop variable reaches the query only as a list of keys (`id__in=chunk`,
    `Model.id.in_(chunk)`): one query per batch, the fix for N+1 itself."""
    in_key_lists: set[int] = set()
    for n in iter_descendants(query):
        values: list[cst.BaseExpression] = []
        if isinstance(n, cst.Arg) and n.keyword is not None and n.keyword.value.endswith("__in"):
            values = [n.value]
        elif isinstance(n, cst.Call) and isinstance(n.func, cst.Attribute) and n.func.attr.value in ("in_", "any_"):
            values = [a.value for a in n.args]
        in_key_lists.update(id(x) for v in values for x in [v, *iter_descendants(v)])
    uses = [n for n in iter_descendants(query) if isinstance(n, cst.Name) and n.value in targets]
    return bool(uses) and all(id(n) in in_key_lists for n in uses)


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


_ONCE_PER_PROCESS = ("worker_ready", "worker_init", "worker_process_init", "beat_init", "celeryd_init", "celeryd_after_setup")
"""Celery signals sent once as a worker or the beat scheduler starts."""


def _literal_collection(expr: cst.BaseExpression) -> bool:
    if isinstance(expr, (cst.Tuple, cst.List, cst.Set)):
        return all(not isinstance(e, cst.StarredElement) for e in expr.elements)
    if isinstance(expr, cst.Dict):
        return all(isinstance(e, cst.DictElement) for e in expr.elements)
    if isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute) and expr.func.attr.value in ("items", "keys", "values"):
        return _literal_collection(expr.func.value)
    return False


def _empty_literal(expr: cst.BaseExpression) -> bool:
    """`[]`, `{}`, `()`: a container made to be filled, whatever it holds later."""
    return isinstance(expr, (cst.Tuple, cst.List, cst.Set, cst.Dict)) and not expr.elements


_SCHEMA_PARTS = ("__table__.columns", "__table__.c", "__mapper__.columns", "__mapper__.relationships", "__mapper__.attrs",
                 "_meta.fields", "_meta.many_to_many", "_meta.related_objects")
"""What a model declares, not rows: SQLAlchemy's table and mapper, Django's `_meta`."""


def _bounded(iterable: cst.BaseExpression, env: Env | None = None, cls: cst.ClassDef | None = None,
             constants: frozenset[str] = frozenset(), depth: int = 0, collections: frozenset[str] = frozenset()) -> bool:
    """A loop with a few iterations by construction: over a literal (or a name bound to one), a
    constant (`ENDPOINT_MODELS`, `settings.LANGUAGES`, `self.default_roles` where the class body
    binds a literal), what a project function makes of one (`Language.available_languages()`
    returning `[... for code in cls.CODES]`, see `ProjectFacts.constant_functions`), a `range` of
    constants, the model classes of the project (`apps.get_models()`: each query hits another
    table), or the parts of one string (`audit.auth_groups.split(",")`: a short list someone
    typed, a setting or a field), a model's schema (`model.__table__.columns`, `Model._meta.fields`), a slice of
    a few (`[:10]` at most), the values of one query-string argument (`request.args.getlist("tag")`), or one of
    `collections`: an enumeration or a module's literal the file imports (`for action in ColdStorageActions:`,
    see `ProjectFacts.constant_collections`)."""
    if _literal_collection(iterable) or _split_string(iterable) or _one_row(iterable) or _first_few(iterable):
        return True
    if isinstance(iterable, cst.Call):
        name = call_name(iterable) or ""
        if name == "range":
            return all(isinstance(a.value, cst.Integer) for a in iterable.args)
        if name in ("get_models", "get_app_configs") or name in constants or (dotted(iterable.func) or "").endswith("_meta.get_fields"):
            return True
        if name == "getlist" and isinstance(iterable.func, cst.Attribute) \
                and (dotted(iterable.func.value) or "").rsplit(".", 1)[-1] in request_data.QUERY_STRING_ATTRIBUTES:
            return True  # `args.getlist("tag")`: the values the client put in the URL, a handful
        if name in ("enumerate", "sorted", "reversed", "list", "tuple", "set", "frozenset", "zip") and iterable.args:
            return _bounded(iterable.args[0].value, env, cls, constants, depth, collections)
        if isinstance(iterable.func, cst.Attribute) and iterable.func.attr.value in ("items", "keys", "values"):
            return _bounded(iterable.func.value, env, cls, constants, depth, collections)
        return False
    name = dotted(iterable)
    if name is not None:
        last = name.rsplit(".", 1)[-1]
        if is_constant_name(last) or name.startswith("settings.") or name in collections:
            return True
        if name.endswith(_SCHEMA_PARTS):
            return True  # `model.__table__.columns`: the schema's columns, as many as the model declares
        if cls is not None and name in (f"self.{last}", f"cls.{last}") and _class_literal(cls, last):
            return True
        if env is not None and depth < 3 and (isinstance(iterable, cst.Name) or name.startswith("self.") and name.count(".") == 1):
            values = [(v, venv) for v, venv in assigned_values(env, iterable) if v is not iterable]
            # (`pool = settings.app.dh_param_bits_pool`, `codes = LANGUAGES`, `names = ["a", "b"]`,
            # `self.flags = set(args.getlist("flag"))` in any method of the class, then `flags = set(self.flags)`)
            return bool(values) and all(
                isinstance(v, cst.BaseExpression) and _bounded(v, venv, cls, constants, depth + 1, collections)
                and not (isinstance(iterable, cst.Attribute) and _empty_literal(v))  # (`self.roles = {}`, filled in a loop)
                for v, venv in values)
    return False


_SAME_ROWS = frozenset({"sorted", "list", "tuple", "reversed"})
"""Calls that hand back the rows of their first argument, reordered or as another sequence."""
_FEW = 10
_LATEST_FEW = 5
"""A query's `.limit(n)` without an `.offset(...)`: the latest few rows (a page of ten, or ten recent
ones, is a listing whose every row costs its own queries)."""
"""Passes a loop over a slice may make and still be a handful (`recent[:5]`): a fixed cost, like a literal's."""


def _first_few(expr: cst.BaseExpression) -> bool:
    """A slice with a small constant bound (`Hackathon.objects.order_by("-start")[:2]`, `domains[:10]`),
    or a query limited to the latest few rows (`session.query(Fee).order_by(...).limit(2)`, not a page
    with an offset): at most `_FEW` passes, whatever the data holds."""
    if isinstance(expr, cst.Call):
        calls = database.chain_calls(expr)
        return not any((call_name(c) or "") == "offset" for c in calls) and any(
            (call_name(c) or "") == "limit" and len(c.args) == 1 and isinstance(c.args[0].value, cst.Integer)
            and c.args[0].value.evaluated_value <= _LATEST_FEW for c in calls)
    if not (isinstance(expr, cst.Subscript) and len(expr.slice) == 1 and isinstance(expr.slice[0].slice, cst.Slice)):
        return False
    part = expr.slice[0].slice
    lower = 0 if part.lower is None else part.lower.evaluated_value if isinstance(part.lower, cst.Integer) else None
    upper = part.upper.evaluated_value if isinstance(part.upper, cst.Integer) else None
    return lower is not None and upper is not None and part.step is None and upper - lower <= _FEW


def _one_row(expr: cst.BaseExpression) -> bool:
    """A query filtered on its primary key (`Overview.objects.filter(id=per.id)`, `filter_by(pk=k)`):
    one row at most, so a loop over it runs once."""
    return isinstance(expr, cst.Call) and any(
        (call_name(c) or "") in ("filter", "filter_by") and any(a.keyword is not None and a.keyword.value in ("id", "pk") for a in c.args)
        for c in database.chain_calls(expr)
    )


def _sets_attribute_of(node: cst.CSTNode, name: str) -> bool:
    """`row.seq = idx`: an assignment to a column of the loaded row, which the ORM writes back;
    or a method of the row named for a write (`status.update()`, `row.save()`, `task.mark_done()`),
    the model's own way of changing itself."""
    if isinstance(node, cst.Expr) and isinstance(node.value, cst.Call) and isinstance(node.value.func, cst.Attribute) \
            and isinstance(node.value.func.value, cst.Name) and node.value.func.value.value == name:
        return (name_parts(node.value.func.attr.value) or [""])[0] in _ROW_WRITES
    return isinstance(node, (cst.Assign, cst.AugAssign)) and any(
        isinstance(t, cst.Attribute) and isinstance(t.value, cst.Name) and t.value.value == name
        for t in ([x.target for x in node.targets] if isinstance(node, cst.Assign) else [node.target]))


def _handed_to_write(node: cst.CSTNode, name: str) -> bool:
    """`serializer.update(instance, data)`, `ChapterForm(data, instance=chapter).save()`,
    `save_chapter(chapter, data)`: the row handed to a write as the object it changes (the first
    argument, or `instance=`)."""
    if not isinstance(node, cst.Call):
        return False
    func = node.func
    if isinstance(func, cst.Attribute) and func.attr.value in ("save", "update", "partial_update") and isinstance(func.value, cst.Call):
        return any(a.keyword is not None and a.keyword.value == "instance" and isinstance(a.value, cst.Name) and a.value.value == name
                   for a in func.value.args)  # `Form(data, instance=chapter).save()`
    if not (call_name(node) in ("update", "partial_update") or _named_for_writing(node)):
        return False
    first = node.args[0] if node.args and node.args[0].keyword is None and not node.args[0].star else None
    return first is not None and isinstance(first.value, cst.Name) and first.value.value == name


def _tests_presence(test: cst.BaseExpression, name: str) -> bool:
    """Whether `test` holds only when `name` was found: `name is not None and ...`, `... and name`."""
    if isinstance(test, cst.BooleanOperation) and isinstance(test.operator, cst.And):
        return _tests_presence(test.left, name) or _tests_presence(test.right, name)
    return tests_absence(test, name) is False


def _carriers(block: cst.CSTNode, name: str) -> set[str]:
    """`name` and the names `block` binds to values built from it, in order (`link =
    DocumentLanguage(language_id=lang.id)` carries `lang`)."""
    carriers = {name}
    for n in iter_descendants(block):
        if isinstance(n, cst.Assign) and any(isinstance(x, cst.Name) and x.value in carriers for x in iter_descendants(n.value)):
            carriers.update(t.target.value for t in n.targets if isinstance(t.target, cst.Name))
    return carriers


def _passes(call: cst.Call, name: str) -> bool:
    """Whether `call` takes the variable `name` as one of its arguments (`create(parent=parent)`)."""
    return any(isinstance(a.value, cst.Name) and a.value.value == name for a in call.args)


_ROW_WRITES = frozenset({"update", "save", "delete", "mark", "set", "apply", "publish", "archive", "complete", "close", "approve",
                         "reject", "assign"})
"""First words of a model's methods that change the row (`status.update()`, `task.mark_done()`)."""


def _back_reference(iterable: cst.BaseExpression, rel: str) -> bool:
    """Whether `rel` names the object whose related rows the loop reads (`user` in `for au in
    user.allocationuser_set.filter(...)`, `allocation` for `allocation_obj.users.all()`): the ORM
    links each row back to it (Django's related managers set the foreign key to the instance;
    SQLAlchemy finds a many-to-one target in its identity map): no query."""
    root = _relation_root(iterable)
    if root is None or not isinstance(root.value, cst.Name):
        return False
    owner = root.value.value
    return owner == rel or owner.startswith(rel + "_") or owner.endswith("_" + rel)


def _relation_root(iterable: cst.BaseExpression) -> cst.Attribute | None:
    """`self.reactions` in `self.reactions.all()`: the relation a loop's rows come through."""
    root = database.chain_root(iterable) if isinstance(iterable, cst.Call) else iterable
    return root if isinstance(root, cst.Attribute) else None


def _relation_of(iterable: cst.BaseExpression) -> str | None:
    """The relation whose rows a loop reads: `reactions` in `self.reactions.all()`."""
    root = _relation_root(iterable)
    return root.attr.value if root is not None else None


def _split_string(expr: cst.BaseExpression) -> bool:
    """`audit.auth_groups.split(",")`, `request.query_params.get("types", "").split(",")`: the
    parts of one string (a setting, a field, one query argument, which the URL's length bounds like
    `getlist`'s values), not of a request body's (`request.payload["field_ids"].split(",")` is as
    long as the client makes it)."""
    if not (isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute) and expr.func.attr.value == "split"):
        return False
    nodes = list(iter_descendants(expr.func.value))
    if not any(isinstance(n, cst.Name) and n.value in ("request", "req") for n in nodes):
        return True
    read = {n.attr.value for n in nodes if isinstance(n, cst.Attribute)}
    return bool(read & request_data.QUERY_STRING_ATTRIBUTES) and not read & _BODY_PARTS


_BODY_PARTS = frozenset({"json", "data", "form", "payload", "body", "POST", "values", "files", "FILES", "get_json"})


def _statements_run_by(chain: cst.Call) -> list[cst.BaseExpression]:
    """Statements a chain runs by name (`session.execute(stmt).scalars().all()` -> `stmt`), or
    refined on the way (`session.scalars(stmt.offset(o).limit(n))` -> that chain on `stmt`)."""
    out: list[cst.BaseExpression] = []
    node: cst.BaseExpression = chain
    while isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
        if node.func.attr.value in ("execute", "scalars", "scalar", "exec") and node.args:
            run = node.args[0].value
            if isinstance(run, cst.Name) or (isinstance(run, cst.Call) and isinstance(database.chain_root(run), cst.Name)):
                out.append(run)
        node = node.func.value
    return out


def _class_literal(cls: cst.ClassDef, attribute: str) -> bool:
    """Whether the class body binds `attribute` to a literal collection (`fields = {"a": ...}`)."""
    for stmt in cls.body.body if isinstance(cls.body, cst.IndentedBlock) else ():
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                if isinstance(small, (cst.Assign, cst.AnnAssign)) and small.value is not None:
                    targets = [t.target for t in small.targets] if isinstance(small, cst.Assign) else [small.target]
                    if any(isinstance(t, cst.Name) and t.value == attribute for t in targets):
                        return _literal_collection(small.value)
    return False


def _sql_argument(call: cst.Call) -> cst.BaseExpression | None:
    """The statement given to the executing call of a chain (`cur.execute(sql).fetchall()` -> `sql`)."""
    node: cst.BaseExpression = call
    while isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
        if node.func.attr.value in _EXECUTING:
            return node.args[0].value if node.args else None
        node = node.func.value
    return None


def _stores_object(node: cst.CSTNode) -> bool:
    """An object store's write (`s3.put_object(...)`, `bucket.upload_file(...)`): a request to
    another service per item, beside which a read per item is not what makes the loop slow."""
    return isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value in _OBJECT_STORE_WRITES


_OBJECT_STORE_WRITES = frozenset({"put_object", "upload_file", "upload_fileobj", "delete_object", "delete_objects", "copy_object",
                                  "upload_blob", "upload_from_string", "upload_from_filename", "fput_object"})
"""boto3's S3 client and resources, Azure's and Google Cloud's blob clients, MinIO."""


def _named_for_writing(node: cst.CSTNode) -> bool:
    """A call of the project's own that is named for a write (`sketch.grant_permission(user)`,
    `self.assign_perm(...)`, `create_default_config(device)`, `import_sessions(connection)`): a
    change verb first, then what it changes. Such a helper writes on every pass, so a read per
    item beside it is not what makes the loop slow. One-word methods (`update`, `remove`, `add`)
    are left out: on a dict, list or set they write nothing."""
    if not isinstance(node, cst.Call):
        return False
    words = name_parts(call_name(node) or "")
    return len(words) >= 2 and words[0] in _WRITE_VERBS


_WRITE_VERBS = frozenset({"assign", "attach", "create", "delete", "detach", "enqueue", "grant", "insert", "install",
                          "provision", "publish", "register", "remove", "revert", "revoke", "save", "submit", "unassign",
                          "unregister", "upload", "upsert"})
"""Verbs of persistence and permissions. Not `add`, `append`, `update`, `write`, `merge`, `import`:
`table.add_row()`, `progress.update_task()`, `writer.write_line()` and `merge_hash(a, b)` change
objects in memory, `import_module()` loads code."""


_LINKS = frozenset({"append", "add", "extend", "insert", "remove", "discard"})
"""Methods that link or unlink rows through a relationship collection (`movie.genres.append(genre)`,
`group.users.remove(user)`: the ORM writes or deletes the association row)."""
_ROW_LOCKS = frozenset({"select_for_update", "with_for_update"})


def _locks_rows(call: cst.Call) -> bool:
    """A query that locks the rows it reads (Django `select_for_update()`, SQLAlchemy
    `with_for_update()`): they are read to be written under the lock, and locking them one at a
    time (a transaction per item) is a choice about lock scope, not a missed batch."""
    return not _ROW_LOCKS.isdisjoint(database.chain_methods(call))


def _is_read(call: cst.Call) -> bool:
    """Whether a SQL-level query reads: its text starts with SELECT/WITH, or it runs `select(...)`.
    Unknown statements (DDL objects, variables holding UPDATEs) are not counted."""
    sql = _sql_argument(call)
    if sql is None:
        return True  # an ORM read (a manager, session.query/get/scalars)
    text = string_value(sql)
    if text is None and isinstance(sql, cst.FormattedString):
        text = "".join(p.value for p in sql.parts if isinstance(p, cst.FormattedStringText))
    if text is None and isinstance(sql, cst.Call) and call_name(sql) == "text" and sql.args:
        text = string_value(sql.args[0].value)
    if text is not None:
        return bool(re.match(r"\s*(\(\s*)*(select|with)\b", text, re.I))
    inner = sql
    while isinstance(inner, cst.Call) and isinstance(inner.func, cst.Attribute) and isinstance(inner.func.value, cst.Call):
        inner = inner.func.value
    return isinstance(inner, cst.Call) and call_name(inner) == "select"


class QueryInLoop(Rule):
    """A database query runs once per iteration of a loop (the N+1 query problem).

    Loading a list and then querying once per element turns one round trip into N+1: fine with
    ten test rows, a timeout with ten thousand. The rule flags, inside `for` loops and
    comprehensions: an ORM or SQL query whose arguments use the loop variable
    (`Comment.objects.filter(post=post)`, `cur.execute(sql, (row_id,))`), and a lazy relationship
    read on the loop variable (`post.author`, `order.items.all()`) while iterating over a query
    that did not load it eagerly (`select_related`/`prefetch_related`, `prefetch_related_objects`
    on the instance the loop starts from, `joinedload`/`selectinload`/`subqueryload`, or a
    relationship declared `lazy="joined"`/`"selectin"`, or selected by the model's default manager:
    `objects = ReactionManager()` whose `get_queryset` calls `select_related("created_by")`). Relationships are
    read from the project's models (Django `ForeignKey`/`ManyToManyField` and `related_name`,
    SQLAlchemy `relationship()`), wherever they are defined.

    Left alone: queries that do not depend on the loop variable, a statement run on each configured
    database (`for alias in connections:` with Django's `django.db.connections`), loops over a literal list or a
    `range` of constants, over one of the project's enumerations or a module's literal it imports (`for action in
    ColdStorageActions:`, `for item in litsumm_examples:`), over the parts of one string or query argument
    (`request.query_params.get("types", "").split(",")`; not a request body's), over a slice of a few (`order_by("-start")[:2]`, ten at most) or over a query filtered on the
    primary key (`filter(id=per.id)`: one row), writes in loops (also a relation or rows loaded only to be deleted, rows
    iterated to be written each, `for c in p.contributions.all(): c.start = s; c.save()` or
    `activity.segments.remove(segment)`, also sorted or sliced first, `for t in sorted(recipe.tasks,
    key=...)[keep:]: session.delete(t)`, rows copied
    one by one with their relations, `row.pk = None` then `save()`, and Django's
    async `acreate()`...), checks that decide a write (get-or-create, create what is missing:
    `if found is None: session.add(...)`, `except DoesNotExist: ...create(...)`, a single-row `.get()`
    whose broad `except` creates the row), refining a lazy
    queryset or SQLAlchemy query (`qs = qs.filter(tag=tag)` runs nothing), queries whose table
    comes from the loop's item (`select(fk.parent.table)`, `query(obj.__class__)`, `qs = model.objects.filter(...)`
    for each `model`), relationship reads on collections whose origin is not visible in the function
    (a queryset passed in may have been prefetched), relationship reads on the rows of a relation of `self` or of a
    parameter, also through loops over such rows (`for p in self.provenance.all(): for v in p.variables.all():
    v.concept`), when some query or lookup list of the project loads that step eagerly (`"provenance__variables__concept"`:
    the caller's prefetch serves them), queries under a branch that compares the loop's key
    to a literal (`for k, v in params.items(): if k == "state": ...`: once per key at most), a model's own columns that share a name with
    another model's related name, querysets combined lazily (`qs |= ...`, `qs.union(ix.members.filter(...))`), queries that depend on what earlier iterations collected
    (`exclude(id__in=used)` with `used.append(...)`), reads in a loop that writes or sends a message whenever they run (a
    write, a commit, `notify()` or `send_mail()`, an object store's `put_object()`, or a helper named for a write such as `sketch.grant_permission(user)` or
    `assign_perm(...)`, outside every branch the read is not in, or in both arms of an `if`/`else`
    the read decides: a round trip per item anyway), a row loaded to be written or deleted when it is there (`if
    msg: session.delete(msg)`, `if label: label.seq = i`, `if lang is not None and ...: db.add(DocumentLanguage(
    language_id=lang.id))` through a variable too, an `except DoesNotExist: pass` whose `else`
    deletes it) or whose columns the next statements set or whose own write method they call
    (`row = ....one()` then `row.title = title`, `status.update()`, also when it changed: `if
    row.sizing != new: row.sizing = new`; also below the `try` that reads it, `except DoesNotExist:
    continue`), or that the writes of the pass take as a value (`parent = Course.objects.get(eid=e)`
    then `OrderedChild.objects.update_or_create(parent=parent, ...)` for each child), loops over the parts of one string
    (`groups.split(",")`), columns read on rows of a relation whose name leads to several models,
    none of which has a relation so named, rows read under a lock (`select_for_update()`, `with_for_update()`:
    read to be written, and locking them one at a time is a choice of lock scope),
    reads in a block that then leaves the loop (`return`, `raise`, `break`: once at most),
    a library model's attribute put as it is into a dict (`{"status": t.status}` for `t in
    TaskResult.objects.filter(...)`: a column, whatever the project's models name `status`; a related
    row would not serialize; Django's own models aside),
    a Django manager handed on unevaluated as an argument (`ModelChoiceField(queryset=segment_type.segments)`:
    a many-to-many field or a related name is a manager, which runs no query by itself; not a name
    that is also a foreign key somewhere), or a queryset built on one and handed on as
    `queryset=` (`ModelMultipleChoiceField(queryset=scale.ratings.all())`: the field runs it later),
    a relation read only to decide a write to
    that same relation (`if not m.tags.filter(...).exists(): m.tags.add(tag)`), HTTP sessions (`requests.Session().get`, a `session.get(url)` of one argument),
    projects whose only database is a SQLite file (a `sqlite:///` URL, `SqliteDatabase` or Django's `sqlite3`
    backend, and no server URL, driver or requirement anywhere in the scan; SQLite runs in the process,
    https://sqlite.org/np1queryprob.html) and modules that use only `sqlite3` or `aiosqlite`,
    and code run once or by an operator: migrations, `post_migrate` receivers (also a function of
    `sender` that tests `sender.label`: only migrate signals send an app config), seed modules,
    management commands, click/typer commands, modules of a command-line package (`cli/`,
    `commands/`), standalone scripts (a `__main__` block or a click/typer group of its own in a
    module that imports no web framework or task queue), and functions only such code calls (by
    name, across the scan)."""

    ID = "BL102"
    LEVEL = Level.WARNING
    CONFIDENCE = Confidence.MEDIUM
    CWE = (1073,)
    TAGS = ("performance", "database", "n-plus-one")
    TESTS = False
    MIGRATIONS = False
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
    PREFILTER = ("for ", "for\t")

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
        Invalid(
            """
            from django.db import models

            class Role(models.Model):
                permissions = models.ManyToManyField("Permission")

            class Member(models.Model):
                roles = models.ManyToManyField(Role)

            def codes(user):
                codes = set()
                for member in Member.objects.filter(user=user).prefetch_related("roles"):
                    for role in member.roles.all():
                        codes.update(p.code for p in role.permissions.all())
                return codes
            """,
            line=13,
            note="The roles were prefetched, their permissions were not.",
        ),
        Invalid(
            """
            def badges(names, found):
                for name in names:
                    user = User.objects.filter(username=name).first()
                    found.update({name: render_badge(user)})
                return found
            """,
            line=3,
            note="`update` on a dict writes nothing, and `render_badge` is not named for a write: one query per name.",
        ),
    ]
    VALID = [
        Valid(
            """
            from django.db import transaction

            def release_expired_holds(event_ids):
                for event_id in event_ids:
                    with transaction.atomic():
                        event = Event.objects.select_for_update().get(pk=event_id)
                        event.release_expired_holds()
            """,
            note="Each row is locked to be written, in a transaction of its own: the lock's scope, not a missed batch.",
        ),
        Valid(
            """
            def apply(patch, params):
                for key, value in params.items():
                    if key == "state":
                        patch.state = State.objects.get(id=value)
                    elif key == "delegate":
                        patch.delegate = User.objects.get(id=value)
            """,
            note="A dispatch on the keys of a mapping: each query runs under its own literal key, once at most.",
        ),
        Valid(
            """
            from django.db import models

            class Alert(models.Model):
                summary = models.ForeignKey("Summary", related_name="alerts", on_delete=models.CASCADE)
                series_signature = models.ForeignKey("Signature", on_delete=models.CASCADE)

            def signature_ids(page):
                ids = set()
                for summary in page:
                    for alert in summary.alerts.all():
                        ids.add(alert.series_signature.id)
                return ids
            """,
            note="Rows of a collection the caller passed: its query may prefetch `alerts__series_signature` "
            "(a viewset's `queryset`), as it may `alerts`; neither is known to be missing here.",
        ),
        Valid(
            """
            from django.db import models

            class Organization(models.Model):
                teams = models.ManyToManyField("Team")
                owners = models.ManyToManyField("User")

            def admin_teams(user, Team):
                teams = Team.objects.none()
                for org in Organization.objects.filter(owners=user):
                    teams |= org.teams.all()
                return teams
            """,
            note="Querysets combined with `|=` make one lazy union: it runs once, when the caller reads it.",
        ),
        Valid(
            """
            from celery.signals import worker_ready
            from django_celery_beat.models import PeriodicTask

            @worker_ready.connect
            def start_boot_tasks(sender=None, **kwargs):
                for name in boot_task_names():
                    task = PeriodicTask.objects.filter(task=name).first()
                    if task is None or task.enabled:
                        run_task(name)
            """,
            note="A `worker_ready` receiver runs once as the worker starts, like a management command.",
        ),
        Valid(
            """
            from django.db import models

            class Role(models.Model):
                permissions = models.ManyToManyField("Permission")

            class Member(models.Model):
                roles = models.ManyToManyField(Role)

            def codes(user):
                codes = set()
                for member in Member.objects.filter(user=user).prefetch_related("roles__permissions"):
                    for role in member.roles.all():
                        codes.update(p.code for p in role.permissions.all())
                return codes
            """,
            note="A nested prefetch serves the inner loops too.",
        ),
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
        Valid(
            """
            def attach_tags(session, book, names):
                for name in names:
                    tag = session.query(Tag).filter(Tag.name == name).first()
                    if tag is None:
                        tag = Tag(name=name)
                        session.add(tag)
                    book.tags.append(tag)
            """,
            note="Get-or-create over input: each item is written anyway, and later items must see the rows earlier ones created.",
        ),
        Valid(
            """
            from django.db import models
            from django.db.models import prefetch_related_objects

            class Contribution(models.Model):
                evaluation = models.ForeignKey("Evaluation", related_name="contributions", on_delete=models.CASCADE)
                contributor = models.ForeignKey("User", on_delete=models.CASCADE)

            LOOKUPS = ["contributions__contributor"]

            def results(evaluation):
                prefetch_related_objects([evaluation], *LOOKUPS)
                return [c.contributor.name for c in evaluation.contributions.all()]
            """,
            path="results/tools.py",
            note="`prefetch_related_objects` loaded the relations on the instance the loop starts from.",
        ),
        Valid(
            """
            def apply_template(session, template, project):
                for link in session.query(TemplateLink).filter_by(template_id=template.id):
                    found = session.query(ProjectLink).filter_by(project_id=project.id, kind=link.kind).first()
                    if found is None:
                        session.add(ProjectLink(project_id=project.id, kind=link.kind))
            """,
            note="Create what is missing, one check per template row: later rows must see the links earlier ones added.",
        ),
        Valid(
            """
            from django.core.exceptions import ObjectDoesNotExist

            def clone_components(case, product):
                for component in case.components.all():
                    try:
                        found = Component.objects.get(product=product, name=component.name)
                    except ObjectDoesNotExist:
                        found = Component.objects.create(product=product, name=component.name)
                    found.cases.add(case)
            """,
            note="Get-or-create through `except DoesNotExist`.",
        ),
        Valid(
            """
            from django.db import models
            from django.db.models import Prefetch
            from sqlalchemy import select

            class DebateTeam(models.Model):
                debate = models.ForeignKey("Debate", on_delete=models.CASCADE)
                team = models.ForeignKey("Team", on_delete=models.CASCADE)

            def teams_of(round, with_teams):
                prefetches = ()
                if with_teams:
                    prefetches += (Prefetch("debateteam_set", queryset=DebateTeam.objects.select_related("team")),)
                debates = round.debate_set.prefetch_related(*prefetches)
                return [dt.team for debate in debates for dt in debate.debateteam_set.all()]

            async def statuses(http_session, ips):
                found = []
                for ip in ips:
                    async with http_session.get(f"http://{ip}:1400/status") as resp:
                        found.append(await resp.text())
                return found

            async def references(session, user_id, foreign_keys):
                found = []
                for fk in foreign_keys:
                    rows = await session.execute(select(fk.parent.table).where(fk.parent == user_id))
                    found.extend(rows.all())
                return found
            """,
            note="Lookups passed as a tuple built in the function (a `Prefetch` whose queryset selects `team`); an HTTP client's session; a query whose table is the loop's own item.",
        ),
        Valid(
            """
            def archive(ids):
                for chunk in batched(ids, 500):
                    for doc in Document.objects.filter(id__in=chunk):
                        doc.archive()
            """,
            note="One query per batch of keys (`__in`): the cure for N+1, not a case of it.",
        ),
        Valid(
            """
            from django.db import models

            class Account(models.Model):
                assigned_to = models.ManyToManyField("auth.User")

            def remove_from_team(team, removed):
                for account in Account.objects.filter(team=team):
                    for user in removed:
                        account.assigned_to.remove(user)
            """,
            path="crm/views.py",
            note="A related manager's write (`add`, `remove`, `clear`): getting the manager runs no query.",
        ),
        Valid(
            """
            from django.db import models

            class Child(models.Model):
                name = models.CharField(max_length=100)

            class Temperature(models.Model):
                child = models.ForeignKey(Child, related_name="temperature", on_delete=models.CASCADE)
                temperature = models.FloatField()

            def readings(child):
                rows = Temperature.objects.filter(child=child)
                rows = rows.order_by("-id")
                return [row.temperature for row in rows]
            """,
            path="core/timeline.py",
            note="`temperature` is a column of `Temperature` (the related name lives on `Child`): the rows' model is followed through the refined queryset.",
        ),
        Valid(
            """
            import requests

            class Gateway:
                def __init__(self):
                    self.session = requests.Session()

                def clear_pending(self, order_ids):
                    for order_id in order_ids:
                        self.session.get("https://gateway.test/orders", params={"id": order_id}, timeout=5)
            """,
            note="An HTTP session is not a database session.",
        ),
        Valid(
            """
            async def save_repos(config, repos):
                for repo in repos:
                    await RepoConfig.objects.acreate(name=repo["name"], config=config)
            """,
            note="Django's async `acreate()` is a write, like `create()`.",
        ),
        Valid(
            """
            from django.apps import AppConfig
            from django.db.models.signals import post_migrate

            def add_view_permissions(sender, apps, **kwargs):
                for model in apps.all_models["core"]:
                    Permission.objects.get(codename=f"view_{model}")

            class CoreConfig(AppConfig):
                def ready(self):
                    post_migrate.connect(add_view_permissions, sender=self)
            """,
            path="core/apps.py",
            note="A `post_migrate` receiver runs once per `migrate`, like a migration.",
        ),
        Valid(
            """
            def pick_thumbnails(tags):
                used = []
                for tag in tags:
                    media = Media.objects.exclude(token__in=used).filter(tags=tag).order_by("-views").first()
                    if media:
                        used.append(media.token)
            """,
            note="Each query excludes what earlier iterations picked: no single query can replace the loop.",
        ),
        Valid(
            """
            from django.db import models

            class Media(models.Model):
                tags = models.ManyToManyField("Tag")

            def add_tags(tags, owner):
                for m in Media.objects.filter(user=owner):
                    for tag in tags:
                        if not m.tags.filter(title=tag.title).exists():
                            m.tags.add(tag)
            """,
            path="media/views.py",
            note="A relation checked only to decide a write to the same relation: each iteration writes anyway, and no prefetch serves a filtered read.",
        ),
        Valid(
            """
            import argparse

            from app.models import Category, Item

            def export(lang):
                for category in Category.query.all():
                    items = Item.query.filter_by(category_id=category.id).all()
                    print(category.name, len(items))

            if __name__ == "__main__":
                parser = argparse.ArgumentParser()
                parser.add_argument("lang")
                export(parser.parse_args().lang)
            """,
            path="backend/export_items.py",
            note="A standalone script, run by hand once: its loop costs seconds once, not on every request.",
        ),
        Valid(
            """
            from core.models import ArchiveResult, Snapshot

            def reindex(snapshots):
                for snapshot in snapshots:
                    done = ArchiveResult.objects.filter(snapshot=snapshot, status="succeeded").count()
                    print(snapshot.url, done)
            """,
            path="archive/cli/update.py",
            note="A module of the command-line package: an operator's maintenance pass, not a request.",
        ),
        Valid(
            """
            from django.db import models

            class Question(models.Model):
                event = models.ForeignKey("Event", on_delete=models.CASCADE)
                tracks = models.ManyToManyField("Track")

            def copy_questions(source, target, track_map):
                for question in Question.objects.filter(event=source):
                    tracks = list(question.tracks.all())
                    question.pk = None
                    question.event = target
                    question.save()
                    question.tracks.set([track_map[t.pk] for t in tracks])
            """,
            note="Each row is copied (`pk = None`, then saved): its relations are read to be copied onto the new "
                 "row, a write per item anyway.",
        ),
        Valid(
            """
            def clear_keys(session, store, keys):
                for key in keys:
                    rows = session.query(Entry).filter_by(store_id=store.id, key=key).all()
                    for row in rows:
                        session.delete(row)
                session.commit()
            """,
            note="Rows loaded only to be deleted one by one: a write per row anyway.",
        ),
        Valid(
            """
            def switch_edition(user, old, new):
                for shelfbook in ShelfBook.objects.filter(book=old, user=user):
                    ShelfBook.objects.create(book=new, shelf=shelfbook.shelf, user=shelfbook.user)
                    shelfbook.delete()
            """,
            note="Every pass that reads the relation also writes: a round trip per item is the loop's design, "
                 "and loading the reads together would not make it one query.",
        ),
        Valid(
            """
            def discount_for(order):
                for rule in DiscountRule.objects.filter(active=True):
                    if rule.applies_to(order):
                        return rule.campaign.rate
                return 0
            """,
            note="The read is followed by leaving the loop: it runs once at most.",
        ),
        Valid(
            """
            from sqlalchemy import select

            async def drop_messages(session, message_ids):
                for message_id in message_ids:
                    result = await session.execute(select(Message).where(Message.id == message_id))
                    message = result.scalars().first()
                    if message:
                        await session.delete(message)
                await session.commit()

            def schedule(session, connectors):
                for connector in session.query(Connector).filter(Connector.enabled):
                    owner = session.query(User).get(connector.user_id)
                    session.add(IndexRun(connector_id=connector.id, notify=owner.email))
            """,
            note="A row loaded to be deleted when it is there, and a read beside a write on every pass: a round trip "
            "per item either way.",
        ),
        Valid(
            """
            from sqlalchemy import select
            from sqlalchemy.orm import selectinload

            def owners_by_file(session, file_ids):
                stmt = select(File).where(File.id.in_(file_ids)).options(selectinload(File.owners))
                files = session.execute(stmt).scalars().all()
                return {f.id: [o.id for o in f.owners] for f in files}
            """,
            note="The statement run by name loads the relation eagerly.",
        ),
        Valid(
            """
            import sqlite3

            class Cache:
                def __init__(self, path):
                    self.db = sqlite3.connect(path)

                def dump(self, tables):
                    return {table: self.db.execute(f"SELECT key, value FROM {table}").fetchall() for table in tables}

                def parents(self, ids):
                    return [self.db.execute("SELECT parent FROM links WHERE child = ?", (i,)).fetchone() for i in ids]
            """,
            note="Each pass reads another table, and SQLite runs in the process: many small queries cost no "
                 "round trip there (https://sqlite.org/np1queryprob.html).",
        ),
        Valid(
            """
            from flask import Flask
            from flask_sqlalchemy import SQLAlchemy

            app = Flask(__name__)
            app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{DATABASE_PATH}"
            db = SQLAlchemy(app)

            def conversions(measurements):
                return [Conversion.query.filter(Conversion.unique_id == m.conversion_id).first() for m in measurements]
            """,
            note="The project's only database is a SQLite file (no server URL, driver or requirement anywhere in "
                 "the scan), so the ORM's queries run in the process too.",
        ),
        Valid(
            """
            class MemberSerializer(serializers.ModelSerializer):
                default_roles = {"system_roles": "user", "org_roles": "member"}

                def initial_roles(self):
                    found = {}
                    for field, name in self.default_roles.items():
                        found[field] = Role.objects.filter(name=name).first()
                    return found
            """,
            note="The loop runs over a literal the class body defines: a few passes by construction.",
        ),
        Valid(
            """
            from django.db import models
            from sqlalchemy.orm import relationship

            class Voucher(models.Model):
                campaign = models.ForeignKey("Campaign", on_delete=models.CASCADE)

            class Condition(Base):
                file_types = relationship("FileType", secondary="condition_file_types", lazy=False)

            def vouchers_for(codes):
                vouchers = Voucher.objects.filter(id__in={c.voucher_id for c in codes}).in_bulk()
                return {code.code: vouchers.get(code.voucher_id) for code in codes}

            def mark_seen(user, review_requests):
                for review_request in review_requests:
                    ReviewRequestVisit.objects.update_visibility(review_request, user, "visible")

            def describe(session, event):
                return [sorted(t.name for t in c.file_types) for c in session.query(Condition).filter_by(event=event)]
            """,
            note="`in_bulk()` answers a dict, whose `get` runs nothing; `update_visibility` is the project's manager "
                 "method, not a QuerySet one (it may write, batch or cache); `lazy=False` loads the relation with "
                 "its rows.",
        ),
        Valid(
            """
            def share(sketch, usernames):
                for username in usernames:
                    user = User.query.filter_by(username=username).first()
                    if user:
                        sketch.grant_permission(user=user, permission="read")

            def copy_permissions(self, source):
                for perm in source.permissions.all():
                    self.assign_perm(perm.user, Permission.objects.get(pk=perm.permission_id).codename)
            """,
            note="Each lookup feeds a helper named for a write (`grant_permission`, `assign_perm`) on the same pass: "
                 "the loop makes a round trip per item by design.",
        ),
    ]

    def __init__(self, ctx: Any, options: Mapping[str, Any]) -> None:
        super().__init__(ctx, options)
        self._seen: set[tuple[int, str]] = set()
        self._depth = [0]
        # A standalone script (a `__main__` block, no web framework or task queue imported) runs
        # by hand, once, like a management command.
        self._commands = [ctx.is_standalone_script()]
        self._write_arms: dict[int, list[frozenset[tuple[int, int]]]] = {}

    @classmethod
    def wants(cls, path: str, options: Mapping[str, Any]) -> bool:
        # Seed modules and scripts run once: a query per iteration there costs seconds once.
        # Management commands were half wrong on real code (a count per model for a progress
        # line, a deliberate re-check in a long prune, a bounded diagnostic): left alone too.
        return super().wants(path, options) and not project.is_operator_path(path)

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

    # A count of open loops per function, so that calls outside loops cost nothing.
    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._depth.append(0)
        # A click or typer command runs once, like a management command: its loops are left alone,
        # and so are those of functions only such commands call. So does a `pre_migrate`/
        # `post_migrate` receiver: once per `migrate`, like a migration.
        self._commands.append(routes.cli_command(node) or self._migrate_hook(node) or self._start_hook(node)
                              or routes.called_only_by_operators(self.ctx, node)
                              or bool(self._commands and self._commands[-1]))

    def _migrate_hook(self, node: cst.FunctionDef) -> bool:
        if any(p.name.value == "sender" for p in node.params.params) and "sender.label" in self.ctx.text and any(
                isinstance(n, cst.Attribute) and n.attr.value == "label" and isinstance(n.value, cst.Name)
                and n.value.value == "sender" for n in iter_descendants(node.body, into_scopes=False)):
            return True  # `if sender.label not in ["attendance"]: return`: an app config sends it, as migrate does
        if "_migrate" not in self.ctx.text:
            return False
        connected = self.ctx.memo("BL102-migrate-hooks", lambda: frozenset(_MIGRATE_CONNECT.findall(self.ctx.text)))
        if node.name.value in connected:
            return True
        return any(
            isinstance(d.decorator, cst.Call) and (dotted(d.decorator.func) or "").endswith("receiver")
            and any((dotted(a.value) or "").endswith(("pre_migrate", "post_migrate")) for a in d.decorator.args)
            for d in node.decorators
        )

    @staticmethod
    def _start_hook(node: cst.FunctionDef) -> bool:
        """`@worker_ready.connect`, `@beat_init.connect`: Celery runs it once as a process starts."""
        for decorator in node.decorators:
            parts = (dotted(decorator.decorator) or "").split(".")
            if len(parts) > 1 and parts[-1] == "connect" and parts[-2] in _ONCE_PER_PROCESS:
                return True
        return False

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._depth.pop()
        self._commands.pop()

    def _enter(self, node: cst.CSTNode) -> None:
        self._depth[-1] += 1

    def _leave(self, node: cst.CSTNode) -> None:
        self._depth[-1] -= 1

    visit_For = visit_ListComp = visit_SetComp = visit_GeneratorExp = visit_DictComp = _enter
    leave_For = leave_ListComp = leave_SetComp = leave_GeneratorExp = leave_DictComp = _leave

    def visit_Call(self, node: cst.Call) -> None:
        if not self._depth[-1] or self._commands[-1]:
            return
        stack = self.ctx.stack
        if database.is_chain_link(stack):
            return
        loops = self._loops()
        if not loops or self._memoized():
            return
        op = database.data_op(self.ctx, node, lambda: Env.here(self.ctx))  # the flow index only if needed
        if op is None or op.kind is not OpKind.QUERY or not _is_read(node):
            return
        if self.ctx.project.embedded_database() or (_sql_argument(node) is not None and self._embedded_only()):
            return  # SQLite runs in the process: a query per item costs no round trip
        if database.custom_manager_call(node):
            return  # `Model.objects.update_visibility(...)`: the project's method, which may write, batch or cache
        env = Env.here(self.ctx)
        if not self._executes_now(node, env):
            return
        parent = self.ctx.parent()
        if isinstance(parent, cst.Arg) and len(stack) > 2 and isinstance(stack[-3], cst.Call) and call_name(stack[-3]) == "delete":
            return  # `session.delete(session.query(...).first())`: loaded to be deleted, a write
        if self._loaded_to_delete(node):
            return  # `rows = ....all()` then `for row in rows: session.delete(row)`: a write per row
        if isinstance(parent, cst.For) and parent.iter is node and self._writes_target(parent):
            return  # `for c in p.contributions.all(): c.start = s; c.save()`: rows loaded to be written, a write per row
        if _locks_rows(node):
            return  # `Event.objects.select_for_update().get(pk=pk)`: a row locked to be written, item by item on purpose
        root = database.chain_root(node)
        if isinstance(root, cst.Attribute) and isinstance(root.value, cst.Name) and root.attr.value in self.ctx.project.relations:
            return  # `book.tags.all()`: the relationship read is reported where it happens
        root_name = dotted(root) or ""
        used = {n.value for n in iter_descendants(node) if isinstance(n, cst.Name)}
        recipe_roots: set[str] = set()
        if isinstance(root, cst.Name):
            # `pings = Ping.objects.filter(owner=profile)` then `pings.exists()`: the variable's recipe counts.
            frontier = [(root, env)]
            for _ in range(3):
                following = []
                for name_node, name_env in frontier:
                    for value, venv in assigned_values(name_env, name_node):
                        if value is name_node or not isinstance(value, cst.BaseExpression):
                            continue
                        names = [n for n in [value, *iter_descendants(value)] if isinstance(n, cst.Name)]
                        used |= {n.value for n in names}
                        following.extend((n, venv) for n in names if n.value == name_node.value)
                        head, _, manager = (dotted(database.chain_root(value)) or "").partition(".") if isinstance(value, cst.Call) else ("", "", "")
                        if manager in ("objects", "query"):
                            recipe_roots.add(head)  # `qs = model.objects.filter(...)`: the table the variable queries
                frontier = following
        tables = _tables_named_by(node) | recipe_roots
        for loop in loops:
            if root_name.split(".", 1)[0] in loop.targets or loop.targets & tables:
                return  # `for model in models: model.objects...`: another table each time
            if loop.targets & used and not _bounded(loop.iterable, env, self.ctx.enclosing_class(), self.ctx.project.constant_functions,
                                                    collections=self._constant_collections()) \
                    and not _batched(node, loop.targets) and not self._dispatched_on_key(loop) and not self._per_database(loop.iterable):
                if _accumulated(node, loop):
                    return  # `exclude(token__in=used)` with `used.append(...)` below: each query depends on the last
                if isinstance(loop.node, cst.For) and self._query_origin(loop.iterable) is None and self._guards(node, loop) \
                        and self._writes_in(loop, env):
                    return  # `for name in names: tag = get(name) or create(name)`: a write per item anyway
                if isinstance(loop.node, cst.For) and self._creates_when_missing(node, loop, env):
                    return  # `found = ...first()` / `if found is None: session.add(...)`: the check of a write
                if self._writes_alongside(loop, env):
                    return  # each pass that reads also writes: a round trip per item is the loop's design
                if self._changed_after(node, env):
                    return  # `label = ....one()` then `label.seq = i`: the row loaded to be changed
                if self._leaves_after(loop):
                    return  # `if rule.matches(x): duty = rule.final_duty.get(); break`: read once at most
                if self._query_origin(loop.iterable) is None and self._checks_each_exists(node) and _row_kept_whole(node, loop, stack):
                    return  # `[Role.query.filter_by(name=n).one() for n in names]`: each given key checked, a miss an error
                var = sorted(loop.targets & used)[0]
                self.report(
                    node,
                    what=f"{op.label} runs once for every `{var}` of the loop (N+1 queries)",
                    advice="load them in one query (`__in`, a join, or prefetching)",
                )
                return

    def _embedded_only(self) -> bool:
        """Whether the module's only database is an embedded one (it imports `sqlite3`, `aiosqlite`
        and no other driver or ORM). SQLite answers in the process, without a round trip: many
        small queries are efficient there (https://sqlite.org/np1queryprob.html)."""
        imports = self.ctx.imports
        return imports.imports_any(_EMBEDDED) and not imports.imports_any(
            [m for m in database.DRIVER_MODULES if m not in _EMBEDDED])

    def _loaded_to_delete(self, query: cst.Call) -> bool:
        """Rows loaded only to be deleted one by one: the query is a `for` loop's iterable, or
        bound to a name that only such loops read, and each loop deletes its row."""
        parent = self.ctx.parent()
        fn = self.ctx.function()
        if isinstance(parent, cst.For) and parent.iter is query:
            return _deletes_target(parent)
        if not (isinstance(parent, cst.Assign) and len(parent.targets) == 1 and isinstance(parent.targets[0].target, cst.Name)) or fn is None:
            return False
        name = parent.targets[0].target.value
        uses = [n for n in iter_descendants(fn.body) if isinstance(n, cst.Name) and n.value == name and n is not parent.targets[0].target]
        loops = [n for n in iter_descendants(fn.body) if isinstance(n, cst.For) and isinstance(n.iter, cst.Name) and n.iter.value == name]
        return bool(loops) and len(uses) == len(loops) and all(_deletes_target(loop) for loop in loops)

    def _iterated_to_write(self, node: cst.CSTNode) -> bool:
        """The chain that starts at `node` (`p.contributions.filter(...)`) is the iterable of a `for`
        that writes each of its rows (see `_writes_target`)."""
        stack = self.ctx.stack
        i = database.chain_top(stack)
        while i >= 2 and (  # `sorted(recipe.tasks, key=...)[keep:]`, `list(p.items)`: the same rows
                (isinstance(stack[i - 1], cst.Arg) and isinstance(stack[i - 2], cst.Call)
                 and call_name(stack[i - 2]) in _SAME_ROWS and stack[i - 2].args[0] is stack[i - 1])  # type: ignore[attr-defined]
                or (isinstance(stack[i - 1], cst.Subscript) and stack[i - 1].value is stack[i])):  # type: ignore[attr-defined]
            i -= 2 if isinstance(stack[i - 1], cst.Arg) else 1
        loop = stack[i - 1] if i > 0 else None
        return isinstance(loop, cst.For) and loop.iter is stack[i] and self._writes_target(loop)

    def _writes_target(self, loop: cst.For) -> bool:
        """Whether each row the loop iterates is written: saved or deleted (`row.save()`,
        `session.delete(row)`), or added to or removed from a relation (`member.segments.add(s)`,
        `activity.segments.remove(segment)`). Loading the rows of every pass together saves a
        round trip per pass of the outer loop, not the one per row that writing takes."""
        if not isinstance(loop.target, cst.Name):
            return False
        var = loop.target.value
        relations = self.ctx.project.relations
        for n in iter_descendants(loop.body):
            if not (isinstance(n, cst.Call) and isinstance(n.func, cst.Attribute)):
                continue
            method, receiver = n.func.attr.value, n.func.value
            if method in ("save", "delete") and dotted(receiver) == var:
                return True
            if method == "delete" and any(isinstance(a.value, cst.Name) and a.value.value == var for a in n.args):
                return True
            if method in ("add", "remove") and isinstance(receiver, cst.Attribute) and receiver.attr.value in relations and (
                    dotted(receiver.value) == var or any(isinstance(a.value, cst.Name) and a.value.value == var for a in n.args)):
                return True
        return False

    def _executes_now(self, call: cst.Call, env: Env) -> bool:
        """Querysets and SQLAlchemy queries are lazy: a chain that only builds one runs when it
        is iterated or materialised right here."""
        if not database.is_lazy_query(self.ctx, call, env):
            return True
        parent = self.ctx.parent()
        if isinstance(parent, (cst.For, cst.CompFor)) and parent.iter is call:
            return True
        if isinstance(parent, cst.Arg):
            grand = self.ctx.stack[-3] if len(self.ctx.stack) > 2 else None
            return isinstance(grand, cst.Call) and (call_name(grand) or "") in _ITERATING_CALLS
        return False

    def _dispatched_on_key(self, loop: _Loop) -> bool:
        """The query runs under a branch that compares the loop's key to a literal (`for k, v in
        params.items(): if k == "state": State.objects.get(id=v)`, also through `parts =
        key.split("__")`, `parts[0] == "project_id"`): once per literal at most, a dispatch on
        the keys of a request or filter, not a query per row."""
        if not isinstance(loop.node, cst.For):
            return False
        target = loop.node.target
        key = target.elements[0].value if isinstance(target, cst.Tuple) and target.elements else target
        if not isinstance(key, cst.Name):
            return False
        derived = {key.value}
        for n in iter_descendants(loop.node.body):
            if isinstance(n, cst.Assign) and len(n.targets) == 1 and isinstance(n.targets[0].target, cst.Name) and any(
                isinstance(m, cst.Name) and m.value == key.value for m in iter_descendants(n.value)
            ):
                derived.add(n.targets[0].target.value)
        stack = self.ctx.stack
        for i in range(len(stack) - 2, -1, -1):
            anc = stack[i]
            if anc is loop.node:
                return False
            if isinstance(anc, cst.If) and stack[i + 1] is anc.body and _compares_to_literal(anc.test, derived):
                return True
        return False

    def _guards(self, query: cst.Call, loop: _Loop) -> bool:
        """The query only decides whether to write: it is an `if`'s test (`if X.exists():
        continue`), or its result is assigned to a name that an `if` of the loop tests for
        absence (`tag = ...first()` then `if tag is None:` / `if not tag:`)."""
        stack = self.ctx.stack
        for node in reversed(stack[:-1]):
            if node is loop.node:
                break
            if isinstance(node, (cst.If, cst.While)) and any(n is query for n in iter_descendants(node.test)):
                return True
        parent = self.ctx.parent()
        if isinstance(parent, cst.AnnAssign) and isinstance(parent.target, cst.Name):
            name = parent.target.value  # `db_module: Module = db.scalars(...).first()`
        elif isinstance(parent, cst.Assign) and len(parent.targets) == 1 and isinstance(parent.targets[0].target, cst.Name):
            name = parent.targets[0].target.value
        else:
            return False
        body = loop.node.body  # type: ignore[attr-defined]
        # `if exists: continue`, `if not tag:`, `if tag is None:`
        return any(isinstance(n, cst.If) and tests_absence(n.test, name) is not None for n in iter_descendants(body))

    def _checks_each_exists(self, query: cst.Call) -> bool:
        """The query resolves one given key to its one row, and a miss is an error: SQLAlchemy's
        `.one()` (it raises `NoResultFound`), or a `.first()`/`.one_or_none()` whose absence raises or
        aborts right away (`if not Role.query.filter(Role.name == role).first(): raise
        ValueError(...)`). Over keys the caller gave (not rows of a query), that is input checked
        item by item, each miss reported as such, not rows read for other rows."""
        methods = database.chain_methods(query)
        last = methods[0] if methods else ""  # (outermost first)
        if last == "one":
            return True
        if last not in ("first", "one_or_none", "scalar_one_or_none"):
            return False
        stack = self.ctx.stack
        parent = stack[-2] if len(stack) > 1 else None
        if isinstance(parent, cst.UnaryOperation) and isinstance(parent.operator, cst.Not) and len(stack) > 2:
            guard = stack[-3]
            return isinstance(guard, cst.If) and guard.test is parent and _stops(guard.body)
        target = database.bound_name(parent)
        following = sibling(stack, len(stack) - 3, 1) if target is not None and len(stack) > 3 else None
        return isinstance(following, cst.If) and tests_absence(following.test, target) is True and _stops(following.body)

    def _creates_when_missing(self, query: cst.Call, loop: _Loop, env: Env) -> bool:
        """Get-or-create and create-what-is-missing, over any loop: the query looks for the row the
        loop then writes when it is not there. Its miss is handled by an `except` naming the miss
        (`Model.DoesNotExist`, `ObjectDoesNotExist`, `NoResultFound`) that writes; or its result
        is bound to a name whose test for absence (`if found is None:`, `if not found:`) leads to a
        write; or it is the test of an `if` (`if not X.exists():`, `if X.count() > 0: continue`)
        whose arms write or that leaves the iteration before a write. One round trip per item is
        the design, and later items must see the rows earlier ones wrote."""
        stack = self.ctx.stack
        for i in range(len(stack) - 2, -1, -1):
            node = stack[i]
            if node is loop.node:
                break
            if isinstance(node, cst.Try):
                in_body = stack[i + 1] is node.body and len(stack) > i + 2 and stack[i + 2] in node.body.body  # type: ignore[operator]
                model = database.model_of(query)
                # `except DoesNotExist: create(...)` (get-or-create), or `except DoesNotExist: pass` /
                # `else: service.delete()`: the row loaded to be written when it is there
                def catches_miss(h: cst.ExceptHandler) -> bool:
                    # (a broad `except` around a single-row `get()` catches its miss too)
                    return _names_miss(h, model) or (_single_row(query) and errors.handler_kind(self.ctx, h) is errors.ExcKind.BROAD)

                return in_body and any(
                    catches_miss(h) and (any(self._is_write(n, env) for n in iter_descendants(h.body)) or (
                        node.orelse is not None and any(self._is_write(n, env) for n in iter_descendants(node.orelse))))
                    for h in node.handlers
                )
            if isinstance(node, cst.If) and stack[i + 1] is node.test:
                arms = [node.body, node.orelse] if node.orelse is not None else [node.body]
                if any(self._is_write(n, env) or self._calls_writer(n) for arm in arms for n in iter_descendants(arm)):
                    return True
                return ends_with(node.body, (cst.Continue, *LEAVING)) and self._writes_in(loop, env)
        top = max(database.chain_top(stack), 1)  # `db.scalars(select(...)).first()`: the row the chain ends with
        parent = stack[top - 1]
        if isinstance(parent, cst.Await) and top > 1:
            parent = stack[top - 2]  # `res = await session.execute(...)`
        if isinstance(parent, cst.AnnAssign) and isinstance(parent.target, cst.Name):
            name = parent.target.value  # `db_module: Module = db.scalars(...).first()`
        elif isinstance(parent, cst.Assign) and len(parent.targets) == 1 and isinstance(parent.targets[0].target, cst.Name):
            name = parent.targets[0].target.value
        else:
            return False
        body = loop.node.body  # type: ignore[attr-defined]
        names = {name} | {  # `res = session.execute(...)` then `msg = res.scalars().first()`: one result
            t.target.value for a in iter_descendants(body) if isinstance(a, cst.Assign)
            for t in a.targets if isinstance(t.target, cst.Name)
            and any(isinstance(x, cst.Name) and x.value == name for x in iter_descendants(a.value))
        }
        for n in iter_descendants(body):
            if not isinstance(n, cst.If):
                continue
            for found in names:
                absent = tests_absence(n.test, found)
                arm = n.body if absent else n.orelse if absent is False else None
                if found == name and arm is not None and any(self._is_write(w, env) for w in iter_descendants(arm)):
                    return True
                if absent is None and _tests_presence(n.test, found):
                    absent = False  # `if lang is not None and lang.code not in known:`
                carriers = _carriers(n.body, found) if absent is False else set()
                if absent is False and any(
                    (self._is_write(w, env) and any(isinstance(x, cst.Name) and x.value in carriers for x in iter_descendants(w)))
                    or _sets_attribute_of(w, found)
                    for w in iter_descendants(n.body)
                ):
                    # `msg = session.get(Message, i)` / `if msg: session.delete(msg)` (or `msg.seq = i`), or
                    # `if lang: link = DocumentLanguage(language_id=lang.id); db.add(link)`: loaded to be written with
                    return True
        return False

    def _prefetched_on(self, name: str) -> set[str]:
        fn = self.ctx.function()
        if fn is None or "prefetch_related_objects" not in self.ctx.text:
            return set()
        return self.ctx.memo(("BL102-prefetch-objects", id(fn)), lambda: _prefetch_objects_calls(self.ctx, fn)).get(name, set())

    def _writes_in(self, loop: _Loop, env: Env) -> bool:
        """A loop that writes in its body: with a guarding query (see `_guards`), one round trip
        per item is its design (get-or-create, a check before an insert), and later items must
        see the rows earlier ones wrote."""
        return bool(self._write_arms_of(loop, env))

    def _write_arms_of(self, loop: _Loop, env: Env) -> list[frozenset[tuple[int, int]]]:
        """The writes of a `for` loop's body, each as the arms it sits in (see `_arm`)."""
        arms = self._write_arms.get(id(loop.node))
        if arms is None:
            arms = [a for n, a in _with_arms(loop.node.body)  # type: ignore[attr-defined]
                    if self._op_kind(n, env) in (OpKind.WRITE, OpKind.COMMIT) or sends_message(n) or _named_for_writing(n)
                    or self._calls_writer(n) or self._appends_to_relation(n) or _stores_object(n)]
            self._write_arms[id(loop.node)] = arms
        return arms

    def _calls_writer(self, node: cst.CSTNode) -> bool:
        """A call of a project function whose body writes to the database
        (`ProjectFacts.writing_functions`: `bundle.append_patch(patch)` that creates a row); not
        one named for a batch (`bulk_create_with_m2m(todos)` once a batch is full writes many
        items at once)."""
        name = call_name(node) if isinstance(node, cst.Call) else None
        return name in self.ctx.project.writing_functions and not {"bulk", "batch", "flush"} & set(name_parts(name))

    def _appends_to_relation(self, node: cst.CSTNode) -> bool:
        """`movie.genres.append(genre)`, `group.users.remove(user)`: a row linked or unlinked through a
        relationship, which the ORM writes (an association row, a foreign key) when the session
        flushes: a write per item."""
        if not (isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value in _LINKS
                and isinstance(node.func.value, cst.Attribute)):
            return False
        facts = self.ctx.project
        relation = node.func.value.attr.value
        return relation in facts.relations or relation in facts.eager_relations

    def _writes_alongside(self, loop: _Loop, env: Env) -> bool:
        """Whether the loop's body writes (or sends a message, see `_sends`) whenever the read runs: a write outside every branch,
        inner loop and `except` clause that the read is not in as well (`for shelf in shelves:
        ShelfBook.objects.create(shelf=shelf, user=shelf.user)`). Each item costs a round trip
        for its write anyway: loading the reads together does not make the loop one query, and
        later items may need the rows earlier ones wrote."""
        if not isinstance(loop.node, cst.For):
            return False
        arms = self._write_arms_of(loop, env)
        if not arms:
            return False
        path = self._inside(loop)
        here = frozenset(arm for anc, child in zip(path, path[1:]) if (arm := _arm(anc, child)) is not None)
        return any(a <= here for a in _either_arm(arms, loop.node))

    def _leaves_after(self, loop: _Loop) -> bool:
        """Whether the read sits in a block that then leaves the loop: it ends with `return` or
        `raise`, or with `break` when no inner loop lies between (the first match found is used:
        `if rule.applies(order): return rule.discount.rate`). The read runs once at most."""
        if not isinstance(loop.node, cst.For):
            return False
        inner_loop = False
        for node in reversed(self._inside(loop)):
            if isinstance(node, (cst.For, cst.While, _COMPREHENSIONS)):
                inner_loop = True
            elif isinstance(node, cst.IndentedBlock) and ends_with(node, LEAVING if inner_loop else (*LEAVING, cst.Break)):
                return True
        return False

    def _inside(self, loop: _Loop) -> list[cst.CSTNode]:
        """The traversal's stack below the loop: from its body down to the current node."""
        stack = self.ctx.stack
        start = next(i for i in range(len(stack) - 1, -1, -1) if stack[i] is loop.node)
        return stack[start + 1:]

    def _changed_after(self, query: cst.Call, env: Env) -> bool:
        """The query's row is assigned to a name (`subl = Label.query.filter_by(...).one()`) whose
        columns the statements after it in the same block set (`subl.title = title`), also under
        an `if` (`if exp.sizing != new: exp.sizing = new; exp.save()`: updated when it changed),
        or below the `try` that reads it and whose `except` clauses leave (`except DoesNotExist:
        continue`): the row is loaded to be changed, and the ORM writes it back, a write per item.
        Likewise a row handed to writes as a value (`parent = Course.objects.get(eid=e)`, then
        `OrderedChild.objects.update_or_create(parent=parent, ...)` for each of its children): each
        pass reads the row its writes need."""
        stack = self.ctx.stack
        line = next((i for i in range(len(stack) - 1, 0, -1) if isinstance(stack[i], cst.SimpleStatementLine)), None)
        if line is None or not isinstance(stack[line - 1], cst.IndentedBlock):
            return False
        statement = stack[line]
        if any(isinstance(n, _COMPREHENSIONS) for n in stack[line:]):
            return False  # `groups = [Group.objects.get(id=i) for i in ids]`: the loop ends before the statements after it
        assign = statement.body[0] if len(statement.body) == 1 else None  # type: ignore[attr-defined]
        if not (isinstance(assign, cst.Assign) and len(assign.targets) == 1 and isinstance(assign.targets[0].target, cst.Name)):
            return False
        found = assign.targets[0].target.value
        block = list(stack[line - 1].body)  # type: ignore[attr-defined]
        after = block[block.index(statement) + 1:]
        owner = stack[line - 2] if line >= 3 else None
        if isinstance(owner, cst.Try) and stack[line - 1] is owner.body and not owner.finalbody \
                and all(ends_with(h, (*LEAVING, cst.Continue, cst.Break)) for h in owner.handlers) \
                and isinstance(stack[line - 3], cst.IndentedBlock):
            # `try: app = Application.objects.get(pk=pk)` / `except DoesNotExist: continue`, then the
            # changes below the `try` (or in its `else`): every pass that gets the row goes on to them
            outer = list(stack[line - 3].body)  # type: ignore[attr-defined]
            orelse = list(owner.orelse.body.body) if owner.orelse is not None and isinstance(owner.orelse.body, cst.IndentedBlock) else []
            after = [*after, *orelse, *outer[outer.index(owner) + 1:]]
        return any(
            any(_sets_attribute_of(x, found) for x in s.body) if isinstance(s, cst.SimpleStatementLine)
            else isinstance(s, cst.If) and any(_sets_attribute_of(x, found) for x in iter_descendants(s) if isinstance(x, cst.BaseSmallStatement))
            for s in after
        ) or any(_handed_to_write(n, found) or (isinstance(n, cst.Call) and _passes(n, found) and self._is_write(n, env))
                 for s in after for n in iter_descendants(s))

    def _op_kind(self, node: cst.CSTNode, env: Env) -> OpKind | None:
        """What a call does to the database, if anything (a commit on every pass is a round trip per
        item, as a write is)."""
        op = database.data_op(self.ctx, node, env) if isinstance(node, cst.Call) else None
        return op.kind if op is not None else None

    def _is_write(self, node: cst.CSTNode, env: Env) -> bool:
        return self._op_kind(node, env) is OpKind.WRITE

    def _memoized(self) -> bool:
        """Inside `if key not in cache:`: the query runs once per distinct key."""
        stack = self.ctx.stack
        for i in range(len(stack) - 2, -1, -1):
            node = stack[i]
            if isinstance(node, (cst.FunctionDef, cst.For, cst.While)):
                return False
            if isinstance(node, cst.If) and stack[i + 1] is node.body and isinstance(node.test, cst.Comparison):
                if any(isinstance(c.operator, cst.NotIn) for c in node.test.comparisons):
                    return True
        return False

    def visit_Attribute(self, node: cst.Attribute) -> None:
        if not self._depth[-1] or self._commands[-1] or not isinstance(node.value, cst.Name) or node.attr.value not in self.ctx.project.relations:
            return
        if self.ctx.project.embedded_database():
            return  # SQLite runs in the process: a lazy load per item costs no round trip
        parent = self.ctx.parent()
        if isinstance(parent, cst.AssignTarget) or (isinstance(parent, cst.Attribute) and parent.attr.value.endswith("_id")):
            return
        if isinstance(parent, cst.Attribute) and parent.attr.value in _RELATION_WRITES:
            return  # `obj.tags.remove(t)`, a relation loaded to be deleted: writes, which this rule leaves alone
        facts = self.ctx.project
        if isinstance(parent, cst.Arg) and node.attr.value in facts.django_managers and node.attr.value not in facts.django_single_relations \
                and not self.ctx.imports.imports_any(("sqlalchemy", "flask_sqlalchemy", "sqlmodel")):
            return  # `ModelChoiceField(queryset=segment_type.segments)`: a Django manager handed on runs no query
        if isinstance(parent, cst.Attribute) and node.attr.value in facts.django_managers and _queryset_argument(self.ctx.stack):
            return  # `ModelMultipleChoiceField(queryset=scale.ratings.all())`: a queryset the field runs when it renders
        var, rel = node.value.value, node.attr.value
        if self._composed(node):
            return  # `teams |= org.teams.all()`: querysets combined into one, which runs later
        if self._iterated_to_write(node):
            return  # `for c in p.contributions.all(): c.start = s; c.save()`: rows loaded to be written, a write per row
        if self._decides_own_write(node, f"{var}.{rel}"):
            return  # `if not m.tags.filter(...).exists(): m.tags.add(tag)`: the check of a write to the same relation
        for loop in self._loops():
            if var not in loop.targets:
                continue
            if _clones(loop.node, var):
                return  # `q.pk = None; q.save()` then `q.tags.set(...)`: each row copied, a write per item anyway
            origin = self._query_origin(loop.iterable)
            if origin is None:
                return
            env = Env.here(self.ctx)
            if _bounded(loop.iterable, env):
                return  # `for per in Overview.objects.filter(id=per_id)`: one row, one pass
            if self._writes_alongside(loop, env) or self._leaves_after(loop):
                return  # `shelfbook.user` read to build the row each pass then writes; a read once at most
            label, eager, django, model = origin
            if _back_reference(loop.iterable, rel):
                return  # `for au in user.allocationuser_set.all(): au.user`: the object the rows came from
            # `for cc in ticket.cc_set.all()`: the rows of the model the relation leads to (its own
            # columns are not relations; what its default manager selects comes with them)
            model = model or self._relation_target(loop.iterable)
            if model is None and self._never_a_relation_of_targets(loop.iterable, rel):
                return  # `for a in obj.aliases.all(): a.alias`: a column of every model `aliases` leads to
            if rel not in facts.relations_of(model) or rel in eager or "*" in eager or (not facts.knows_model(model) and rel in facts.plain_fields):
                return
            if model is not None and isinstance(parent, cst.DictElement) and parent.value is node and not facts.knows_model(model) \
                    and self._library_model(model):
                return  # `{"status": task.status}` for `task in TaskResult.objects.filter(...)`: a library model's column, as a JSON value
            iterable = loop.iterable
            if isinstance(iterable, cst.Name) and len(values := assigned_values(env, iterable)) == 1 and values[0][0] is not iterable \
                    and isinstance(root := _relation_root(values[0][0]), cst.Attribute) and isinstance(root.value, cst.Name):
                iterable = values[0][0]  # `runs = program.course_runs.all()` then `for run in runs:` (not `self.subscription.prices`)
            if (_relation_of(iterable), rel) in facts.eager_lookups and self._callers_rows(iterable):
                return  # `for seat in self.seats.all(): seat.type`, and a view prefetches `seats__type`
            key = (id(loop.node), f"{var}.{rel}")
            if key in self._seen:
                return
            self._seen.add(key)
            django = django or (_relation_of(loop.iterable) or "").endswith("_set")  # (`user.allocationuser_set`: Django's)
            advice = (f'add `select_related("{rel}")` or `prefetch_related("{rel}")` to the query' if django
                      else "load it with `selectinload`/`joinedload` in the query's options")
            if django and rel in facts.django_managers:
                advice = f'add `prefetch_related("{rel}")` to the query'  # (many rows: `select_related` follows only single-valued relations)
            parent = self.ctx.parent()
            if django and isinstance(parent, cst.Attribute) and parent.value is node and parent.attr.value in ("pk", "id"):
                advice = f"read the key the row holds, `{var}.{rel}_id`, which needs no query"  # (`pa.preprint.pk`)
            self.report(node, what=f"`{var}.{rel}` loads related rows for every `{var}` of {label} (N+1 queries)", advice=advice)
            return

    def _library_model(self, model: str) -> bool:
        """Whether the module imports the model class `model` from a library (`from
        django_celery_results.models import TaskResult`), not from the project; Django's own
        models aside (`LogEntry.user`, `Group.permissions`: relations by the names projects use too)."""
        qualified = self.ctx.imports.qualify(cst.Name(model))
        return qualified is not None and not qualified.startswith("django.") and self.ctx.project.from_library(qualified)

    def _callers_rows(self, iterable: cst.BaseExpression, depth: int = 0) -> bool:
        """Whether a loop reads all of a relation of `self` or of a parameter (`self.seats.all()`,
        `obj.seats.all()` in a serializer method), or of the rows of an enclosing loop over such
        a relation (`provenance.variables.all()` in `for provenance in self.provenance.all()`):
        the rows of an object its caller loaded, which the caller's prefetch serves. (`filter()`,
        `order_by()`... start a new query, which no prefetch serves.)"""
        if isinstance(iterable, cst.Call) and not set(database.chain_methods(iterable)) <= {"all"}:
            return False
        root = database.chain_root(iterable) if isinstance(iterable, cst.Call) else iterable
        while isinstance(root, cst.Attribute):
            root = root.value
        if not isinstance(root, cst.Name):
            return False
        if root.value in ("self", "cls") or any(isinstance(v, cst.Param) for v, _ in assigned_values(Env.here(self.ctx), root)):
            return True
        outer = next((lp for lp in self._loops() if root.value in lp.targets and lp.iterable is not iterable), None)
        return outer is not None and depth < 3 and self._callers_rows(outer.iterable, depth + 1)

    def _relation_target(self, iterable: cst.BaseExpression) -> str | None:
        """The model a loop over a relation's rows reads (`self.reactions.all()` -> Reaction)."""
        relation = _relation_of(iterable)
        return self.ctx.project.target_of(relation) if relation is not None else None

    def _never_a_relation_of_targets(self, iterable: cst.BaseExpression, rel: str) -> bool:
        """Whether the loop runs over a relation's rows (`obj.aliases.all()`) whose name leads to
        several models, each of which declares `rel` as a column (`alias = CharField(...)`; not a
        property that may load rows) and none as a relation; or to no model the scan saw, while
        some model has a column `rel`."""
        relation = _relation_of(iterable)
        if relation is None:
            return False
        facts = self.ctx.project
        targets = facts.targets_of(relation)
        if not targets:
            # `org.usergroup.user_set.all()`: a relation of a model the scan did not see (Django's
            # auth groups); what its rows hold is unknown, and a column of that name is as likely.
            return any(name == rel for _, name in facts.model_columns)
        return all(facts.column_of(m, rel) and rel not in facts.relations_of(m) for m in targets)

    def _composed(self, node: cst.Attribute) -> bool:
        """Whether the relation's queryset (`org.teams.all()`, `.filter(...)`) is only combined
        with another by `|` or `&` (`teams |= ...`) or `union()`, `intersection()`, `difference()`,
        or seeds a variable the function so combines (`qs = tr.systems.all()`, elsewhere `qs = qs |
        ...`): a lazy union, not a query in the loop."""
        stack = self.ctx.stack
        i = len(stack) - 1
        expr: cst.CSTNode = node
        while i > 0 and (isinstance(stack[i - 1], cst.Call) and stack[i - 1].func is expr  # type: ignore[union-attr]
                         or isinstance(stack[i - 1], cst.Attribute) and stack[i - 1].value is expr):  # type: ignore[union-attr]
            i -= 1
            expr = stack[i]
        parent = stack[i - 1] if i > 0 else None
        if isinstance(parent, cst.AugAssign):
            return parent.value is expr and isinstance(parent.operator, (cst.BitOrAssign, cst.BitAndAssign))
        if isinstance(parent, cst.Arg) and i > 1 and isinstance(stack[i - 2], cst.Call):
            return call_name(stack[i - 2]) in ("union", "intersection", "difference")  # `qs = qs.union(ix.members.all())`
        if isinstance(parent, cst.Assign) and parent.value is expr and len(parent.targets) == 1 \
                and isinstance(parent.targets[0].target, cst.Name) and (fn := self.ctx.function()) is not None:
            # `if qs is None: qs = tr.systems.all()` / `else: qs = qs | tr.systems.all()`: the seed of a union
            name = parent.targets[0].target.value
            return any(isinstance(n, cst.AugAssign) and isinstance(n.target, cst.Name) and n.target.value == name
                       and isinstance(n.operator, (cst.BitOrAssign, cst.BitAndAssign))
                       or isinstance(n, cst.BinaryOperation) and isinstance(n.operator, (cst.BitOr, cst.BitAnd))
                       and isinstance(n.left, cst.Name) and n.left.value == name
                       for n in iter_descendants(fn.body))
        return isinstance(parent, cst.BinaryOperation) and isinstance(parent.operator, (cst.BitOr, cst.BitAnd))

    def _decides_own_write(self, node: cst.Attribute, relation: str) -> bool:
        """Whether the relation is read in an `if` test whose branches write to that same relation:
        each iteration writes anyway, and no prefetch serves a filtered read."""
        stack = self.ctx.stack
        for i in range(len(stack) - 2, -1, -1):
            anc = stack[i]
            if isinstance(anc, (cst.FunctionDef, cst.For, cst.While, _COMPREHENSIONS)):
                return False
            if isinstance(anc, cst.If) and stack[i + 1] is anc.test:
                return any(
                    isinstance(n, cst.Call) and isinstance(n.func, cst.Attribute) and n.func.attr.value in _RELATION_WRITES
                    and dotted(n.func.value) == relation
                    for n in iter_descendants(anc.body)
                )
        return False

    def _constant_collections(self) -> frozenset[str]:
        """The project's enumerations and module literals (`ProjectFacts.constant_collections`) this
        file imports from a module of the project or defines at its top level (a namesake elsewhere,
        or a library's, says nothing here)."""
        def from_the_project(name: str) -> bool:
            qualified = self.ctx.imports.names.get(name)
            return qualified is not None and (qualified.startswith(".") or qualified.split(".", 1)[0] in self.ctx.project.module_names)

        def here() -> frozenset[str]:
            return frozenset(name for name in self.ctx.project.constant_collections
                             if from_the_project(name)
                             or re.search(rf"^(?:class[ \t]+{name}\b|{name}[ \t]*(?::[^=\n]*)?=)", self.ctx.text, re.M))
        return self.ctx.memo("constant-collections", here)

    def _per_database(self, iterable: cst.BaseExpression) -> bool:
        """`for alias in connections:` (Django's `django.db.connections`, or its `.all()`): one
        statement on each configured database, which no single query can replace."""
        if isinstance(iterable, cst.Call) and isinstance(iterable.func, cst.Attribute) and iterable.func.attr.value == "all":
            iterable = iterable.func.value
        return self.ctx.qualify(iterable) == "django.db.connections"

    def _eager_as_built(self, built: cst.BaseExpression, env: Env, depth: int = 0) -> set[str]:
        """The relations a statement built step by step loads eagerly: `stmt = select(Record)
        .options(joinedload(Record.task))`, then `stmt = stmt.where(...)` and `stmt =
        stmt.with_for_update()`, which keep the options of the `stmt` they refine."""
        eager = _eager_relations(built, self.ctx.function())
        root = database.chain_root(built)
        if isinstance(root, cst.Name) and root is not built and depth < _ORIGIN_DEPTH * 4:
            for earlier, eenv in assigned_values(env, root):
                if earlier is not root:
                    eager |= self._eager_as_built(earlier, eenv, depth + 1)
        return eager

    def _appended_from(self, collection: cst.BaseExpression) -> cst.BaseExpression | None:
        """The iterable whose items a list built in this function holds: `filtered = []`, then
        `for car in requests_list: ... filtered.append(car)` gives `requests_list`, when every
        append is of one loop's item (once per function and name)."""
        fn = self.ctx.function()
        if fn is None or not isinstance(collection, cst.Name):
            return None
        name = collection.value
        return self.ctx.memo(("BL102-appended-from", id(fn), name), lambda: _appended_from(fn, name))

    def _query_origin(
        self, iterable: cst.BaseExpression, depth: int = 0, env: Env | None = None
    ) -> tuple[str, set[str], bool, str | None] | None:
        """(label, eagerly loaded relations, is Django, model name) when the iterable is a query
        made in this function, else None. `env`: where `iterable` is read (here by default)."""
        env = env or Env.here(self.ctx)
        for value, venv in assigned_values(env, iterable):
            while isinstance(value, cst.Subscript) and value.slice and isinstance(value.slice[0].slice, cst.Slice):
                value = value.value  # `queryset.order_by("-created")[:limit]`: the same rows, fewer
            if isinstance(value, cst.Call) and call_name(value) in ("list", "tuple", "sorted") and value.args and depth < _ORIGIN_DEPTH:
                return self._query_origin(value.args[0].value, depth + 1, venv)
            if not isinstance(value, cst.Call):
                continue
            op = database.data_op(self.ctx, value, venv)
            if op is None or op.kind is not OpKind.QUERY:
                continue
            eager = _eager_relations(value, self.ctx.function())
            for statement in _statements_run_by(value):
                # `stmt = select(File).options(selectinload(File.owners))`, then `session.execute(stmt).scalars()`
                for built, benv in assigned_values(venv, statement):
                    if built is not statement or isinstance(built, cst.Call):
                        # (`session.scalars(query.offset(o).limit(n))`: the paged `query`'s options too)
                        eager |= self._eager_as_built(built, benv)
            model = database.model_of(value)
            root = database.chain_root(value)
            refines = isinstance(root, cst.Name)  # `qs.filter(...)` on a queryset variable: the same model
            while isinstance(root, cst.Attribute):
                root = root.value  # `author.books.all()` in a loop over authors: the outer query's prefetches count
            if isinstance(root, cst.Name):
                eager |= self._prefetched_on(root.value)  # `prefetch_related_objects([evaluation], ...)`
            if isinstance(root, cst.Name) and depth < _ORIGIN_DEPTH:
                # `qs = Post.objects.filter(...)` then `for p in qs.select_related("author")`
                upstream = self._query_origin(root, depth + 1, venv)
                if upstream is None:
                    # `for role in member.roles.all()` inside `for member in members`: what the
                    # members' query prefetched (`roles__permissions`) serves the roles too.
                    outer = next((lp for lp in self._loops() if root.value in lp.targets and lp.iterable is not iterable), None)
                    upstream = self._query_origin(outer.iterable, depth + 1) if outer is not None else None
                    source = self._appended_from(outer.iterable) if outer is not None and upstream is None else None
                    if source is not None:
                        # `for car in requests_list: if ...: filtered.append(car)`, then `for car in filtered`
                        upstream = self._query_origin(source, depth + 1, Env.within(self.ctx, source))
                    if outer is not None and upstream is None and set(database.chain_methods(value)) <= {"all"} and any(
                        isinstance(v, cst.Param) for v, _ in assigned_values(venv, outer.iterable)
                    ):
                        # `for alert in summary.alerts.all()` over a `page` the caller passed: the
                        # caller's query may prefetch `alerts__series_signature`, as it may `alerts`
                        return None
                if upstream is not None:
                    eager |= upstream[1]
                    if refines:
                        model = model or upstream[3]  # `qs = Note.objects.filter(...)`, then `qs = qs.filter(...)`
            # (`models.Credential.objects.filter(...)`: a Django manager, wherever the models come from)
            django = self.ctx.imports.imports_any(["django", "rest_framework"]) or ".objects." in f".{self.ctx.code(value)}"
            return op.label, eager, django, model
        return None


def _appended_from(fn: cst.FunctionDef, name: str) -> cst.BaseExpression | None:
    """See `QueryInLoop._appended_from`."""

    def appends(node: cst.CSTNode) -> list[cst.Call]:
        return [c for c in iter_descendants(node, into_scopes=False) if isinstance(c, cst.Call) and isinstance(c.func, cst.Attribute)
                and c.func.attr.value in _ACCUMULATING and isinstance(c.func.value, cst.Name) and c.func.value.value == name]

    every = appends(fn.body)
    sources: dict[int, cst.BaseExpression] = {}  # append call -> the iterable of the loop whose item it appends
    for loop in iter_descendants(fn.body, into_scopes=False):
        if isinstance(loop, cst.For):
            targets = _names(loop.target)
            for call in appends(loop.body):
                arg = call.args[0].value if len(call.args) == 1 and call.func.attr.value == "append" else None  # type: ignore[attr-defined]
                if isinstance(arg, cst.Name) and arg.value in targets:
                    sources[id(call)] = loop.iter
    found = [sources.get(id(call)) for call in every]
    return found[0] if found and found[0] is not None and all(src is found[0] for src in found) else None


_ORIGIN_DEPTH = 6
"""How many steps `_query_origin` follows back (`list(qs)`, `qs = qs.filter(...)`, a slice...)."""
_EMBEDDED = ("sqlite3", "aiosqlite", "sqlite_utils", "apsw")
_MIGRATE_CONNECT = re.compile(r"\b(?:pre|post)_migrate\.connect\(\s*(?:self\.|cls\.)?(\w+)")
_ACCUMULATING = frozenset({"append", "add", "extend", "update", "insert", "appendleft"})


_MISSES = frozenset({"DoesNotExist", "ObjectDoesNotExist", "NoResultFound", "NotFound"})


def _arm(node: cst.CSTNode, child: cst.CSTNode) -> tuple[int, int] | None:
    """Which alternative of `node` its `child` is in, when `child` runs only sometimes: an arm of an
    `if` (or conditional expression), an `except` or `else` clause, the body of an inner loop, a
    `match` case, the right side of `and`/`or`. None when `child` runs whenever `node` does."""
    if isinstance(node, (cst.If, cst.IfExp)):
        if child is node.test:
            return None
        return (id(node), 0 if child is node.body else 1)
    if isinstance(node, (cst.Try, cst.TryStar)):
        if child is node.body or child is node.finalbody:
            return None
        return (id(node), 1 + next((k for k, h in enumerate(node.handlers) if h is child), len(node.handlers)))
    if isinstance(node, (cst.For, cst.While)):
        if child is getattr(node, "iter", None) or child is getattr(node, "test", None):
            return None
        return (id(node), 0 if child is node.body else 1)
    if isinstance(node, _COMPREHENSIONS + (cst.CompFor,)):
        return (id(node), 0)
    if isinstance(node, cst.Match):
        return None if child is node.subject else (id(node), next((k for k, c in enumerate(node.cases) if c is child), -1))
    if isinstance(node, cst.BooleanOperation) and child is node.right:
        return (id(node), 1)
    if isinstance(node, (cst.FunctionDef, cst.Lambda, cst.ClassDef)):
        return (id(node), 0)  # runs when called, not here
    return None


def _either_arm(arms: list[frozenset[tuple[int, int]]], loop: cst.CSTNode) -> set[frozenset[tuple[int, int]]]:
    """`arms` with, for every `if` of `loop` that has a write in its body and one in its `else`
    (`if unused: urn.delete()` / `else: urn.save()`), the arms around that `if`: a write there
    runs whichever way the test goes."""
    ifs = {id(n) for n in iter_descendants(loop) if isinstance(n, (cst.If, cst.IfExp))}
    out = set(arms)
    grown = True
    while grown:
        grown = False
        for a in list(out):
            for node_id, k in a:
                rest = a - {(node_id, k)}
                if k == 0 and node_id in ifs and rest | {(node_id, 1)} in out and rest not in out:
                    out.add(rest)
                    grown = True
    return out


def _with_arms(body: cst.CSTNode) -> Iterator[tuple[cst.CSTNode, frozenset[tuple[int, int]]]]:
    """Every node under `body` with the arms (see `_arm`) it sits in below `body`."""
    todo: list[tuple[cst.CSTNode, frozenset[tuple[int, int]]]] = [(body, frozenset())]
    while todo:
        node, arms = todo.pop()
        yield node, arms
        for child in iter_children(node):
            arm = _arm(node, child)
            todo.append((child, arms | {arm} if arm is not None else arms))


def _deletes_target(loop: cst.For) -> bool:
    """`for row in rows: session.delete(row)` / `row.delete()`."""
    if not isinstance(loop.target, cst.Name):
        return False
    var = loop.target.value
    return any(
        isinstance(n, cst.Call) and call_name(n) == "delete" and (
            any(isinstance(a.value, cst.Name) and a.value.value == var for a in n.args)
            or (isinstance(n.func, cst.Attribute) and dotted(n.func.value) == var)
        )
        for n in iter_descendants(loop.body)
    )


def _queryset_argument(stack: list[cst.CSTNode]) -> bool:
    """Whether the relation on top of `stack` starts a Django queryset built and not run
    (`.all()`, `.filter(...)`, `.order_by(...)`) that is handed on as a `queryset=` argument: a
    form's or a serializer's field, or a `Prefetch`, runs it later, once."""
    i = len(stack) - 1
    while i >= 2 and isinstance(stack[i - 1], cst.Attribute) and stack[i - 1].value is stack[i] \
            and isinstance(stack[i - 2], cst.Call) and stack[i - 2].func is stack[i - 1] \
            and (stack[i - 1].attr.value == "all" or stack[i - 1].attr.value in database.DJANGO_LAZY):
        i -= 2
    arg = stack[i - 1] if i >= 1 and i < len(stack) - 1 else None
    return isinstance(arg, cst.Arg) and arg.value is stack[i] and arg.keyword is not None and arg.keyword.value == "queryset"


def _clones(loop: cst.CSTNode, var: str) -> bool:
    """Whether the loop copies each row it iterates: `var.pk = None` (or `.id`) before a save, or
    `var.clone(...)`."""
    for n in iter_descendants(loop.body if isinstance(loop, (cst.For, cst.While)) else loop):
        if isinstance(n, cst.Assign) and isinstance(n.value, cst.Name) and n.value.value == "None" and any(
            isinstance(t.target, cst.Attribute) and dotted(t.target) in (f"{var}.pk", f"{var}.id") for t in n.targets
        ):
            return True
        if isinstance(n, cst.Call) and isinstance(n.func, cst.Attribute) and n.func.attr.value in ("clone", "copy_to", "duplicate") \
                and dotted(n.func.value) == var:
            return True
    return False


def _single_row(query: cst.Call) -> bool:
    """`Model.objects.get(...)`, `query.one()`: a lookup of one row, whose failure is its absence
    when the handler then creates it (`except Exception: Column.objects.create(...)`)."""
    return isinstance(query.func, cst.Attribute) and query.func.attr.value in ("get", "one")


def _names_miss(handler: cst.ExceptHandler, model: str | None) -> bool:
    """`except Tag.DoesNotExist` (for a query of `Tag`), `except ObjectDoesNotExist`, `except NoResultFound`."""
    for t in errors.caught_types(handler):
        owner, _, last = (dotted(t) or "").rpartition(".")
        if last in _MISSES and (not owner or last != "DoesNotExist" or model is None or owner.rsplit(".", 1)[-1] == model):
            return True
    return False


def _prefetch_objects_calls(ctx: Any, fn: cst.FunctionDef) -> dict[str, set[str]]:
    """`prefetch_related_objects([evaluation], "contributions__contributor", *LOOKUPS)` in the
    function: the relations prefetched on each named instance (`"*"` when a lookup cannot be read)."""
    out: dict[str, set[str]] = {}
    for call in iter_descendants(fn.body):
        if not (isinstance(call, cst.Call) and call_name(call) == "prefetch_related_objects" and call.args):
            continue
        first = call.args[0].value
        names = [e.value.value for e in first.elements if isinstance(e.value, cst.Name)] if isinstance(first, (cst.List, cst.Tuple)) else []
        lookups: set[str] = set()
        for arg in call.args[1:]:
            values: list[cst.BaseExpression] = [arg.value]
            if arg.star == "*" and isinstance(arg.value, cst.Name):
                values = [
                    e.value for d in ctx.module_scope().definitions(arg.value.value)
                    if isinstance(d.value, (cst.List, cst.Tuple)) for e in d.value.elements
                ] or [arg.value]
            for value in values:
                text = string_value(value)
                if text is None and isinstance(value, cst.Call) and value.args:
                    text = string_value(value.args[0].value)  # Prefetch("tags", ...)
                lookups.update(text.split("__") if text else {"*"})
        for name in names:
            out.setdefault(name, set()).update(lookups)
    return out


def _accumulated(query: cst.Call, loop: _Loop) -> bool:
    """Whether an argument of the query is a collection the loop body adds to (`used.append(x)`,
    `seen.add(x)`, `total += x`): the query depends on what earlier iterations found, so no
    single query can replace the loop."""
    # every call of the chain: `Media.objects.exclude(token__in=used).filter(...).first()`
    args = [a for call in database.chain_calls(query) for a in call.args]
    names = {n.value for a in args for n in [a.value, *iter_descendants(a.value)] if isinstance(n, cst.Name)} - loop.targets
    if not names:
        return False
    for n in iter_descendants(loop.node):
        if isinstance(n, cst.Call) and isinstance(n.func, cst.Attribute) and n.func.attr.value in _ACCUMULATING \
                and isinstance(n.func.value, cst.Name) and n.func.value.value in names:
            return True
        if isinstance(n, cst.AugAssign) and isinstance(n.target, cst.Name) and n.target.value in names:
            return True
    return False


def _lookups_bound_to(fn: cst.FunctionDef, name: str) -> set[str]:
    """The eager-loading lookups a function puts into a tuple or list it passes whole
    (`selects = ("author",)`, `prefetches += (Prefetch("tags", queryset=Tag.objects.select_related(
    "group")),)`): every string and `Prefetch` in what it assigns or adds to `name`."""
    out: set[str] = set()
    for node in iter_descendants(fn.body, into_scopes=False):
        if isinstance(node, cst.Assign) and any(isinstance(t.target, cst.Name) and t.target.value == name for t in node.targets):
            value = node.value
        elif isinstance(node, cst.AugAssign) and isinstance(node.target, cst.Name) and node.target.value == name:
            value = node.value
        else:
            continue
        if not isinstance(value, (cst.Tuple, cst.List)):
            continue
        for element in value.elements:
            item = element.value
            text = string_value(item)
            if text is None and isinstance(item, cst.Call) and (call_name(item) or "") == "Prefetch" and item.args:
                text = string_value(item.args[0].value)
                out |= _eager_relations(item)  # the Prefetch queryset's own select_related
            if text:
                out.update(text.split("__"))
    return out


def _tables_named_by(query: cst.Call) -> set[str]:
    """Names used as the table or model of a query (`table.select()`, `select(model)`,
    `session.query(model)`), as opposed to values in its conditions."""
    out: set[str] = set()
    for node in [query, *iter_descendants(query)]:
        if not isinstance(node, cst.Call):
            continue
        name = call_name(node) or ""
        if isinstance(node.func, cst.Attribute) and name in ("select", "insert", "update", "delete", "objects"):
            head = dotted(node.func.value)
            if head:
                out.add(head.split(".", 1)[0])
        if name in ("select", "query", "get", "insert", "update", "delete") and node.args and node.args[0].keyword is None:
            first = dotted(node.args[0].value)
            if first and "." not in first:
                out.add(first)
            elif first and name in ("select", "query"):
                out.add(first.split(".", 1)[0])  # `select(fk.parent.table)`, `query(obj.__class__)`: the loop's own table
        if name in _EXECUTING and node.args and isinstance(node.args[0].value, cst.FormattedString):
            out |= _interpolated_tables(node.args[0].value)  # `f"SELECT key FROM {table}"`
    return out


_TABLE_POSITION = re.compile(r"\b(?:from|join|into|update|table)\s+[\"`]?[\w.]*$", re.I)
"""SQL text that ends where a table name goes, also within one (`FROM project_{name}.settings`:
a schema per project)."""


def _interpolated_tables(sql: cst.FormattedString) -> set[str]:
    """Names interpolated where an f-string's SQL names its table (`FROM {table}`, `JOIN {t}`,
    `FROM project_{name}.settings`)."""
    out: set[str] = set()
    before = ""
    for part in sql.parts:
        if isinstance(part, cst.FormattedStringText):
            before += part.value
        elif isinstance(part, cst.FormattedStringExpression):
            head = dotted(part.expression)
            if head and _TABLE_POSITION.search(before):
                out.add(head.split(".", 1)[0])
            before += "?"
    return out


def _eager_relations(call: cst.BaseExpression, fn: cst.FunctionDef | None = None) -> set[str]:
    """Relations loaded eagerly by a query chain: select_related/prefetch_related arguments
    (`"*"` for a bare select_related()), the attributes named in eager loader options, and the
    names `annotate()`/`alias()` give the rows' computed values.
    With `fn`, a name passed as the arguments (`prefetch_related(*prefetches)`) is read from what
    the function assigns to it (`prefetches = ("tags",)`, `prefetches += (Prefetch(...),)`)."""
    out: set[str] = set()
    for node in [call, *iter_descendants(call)] if isinstance(call, cst.Call) else ():
        if not isinstance(node, cst.Call):
            continue
        name = (call_name(node) or "")
        if name in _EAGER_DJANGO:
            if not node.args and name == "select_related":
                out.add("*")
            for arg in node.args:
                text = string_value(arg.value)
                if text is None and isinstance(arg.value, cst.Call) and arg.value.args:
                    text = string_value(arg.value.args[0].value)  # Prefetch("tags", ...)
                if text:
                    out.update(part for part in text.split("__"))
                elif isinstance(arg.value, cst.Name) and fn is not None:
                    out |= _lookups_bound_to(fn, arg.value.value)
        elif name in _EAGER_SQLALCHEMY:
            for arg in node.args:
                target = dotted(arg.value) or string_value(arg.value) or ""
                if target:
                    out.add(target.rsplit(".", 1)[-1])
        elif name in ("annotate", "alias"):
            # `.annotate(group=F("parent__name"))`: a value of each row, whatever relation another model names so
            out.update(arg.keyword.value for arg in node.args if arg.keyword is not None)
    return out


def _row_kept_whole(query: cst.Call, loop: _Loop, stack: Sequence[cst.CSTNode]) -> bool:
    """The row a query finds is checked or kept as it is, none of its columns read in the loop:
    the comprehension's element (`[Role.query.filter_by(name=n).one() for n in names]`), the test of
    an `if` (`if not Role.query...first(): raise`), or a name no attribute is read from
    (`role = ....one()` then `roles.append(role)`). (`label.title` of each: data read per item.)"""
    parent = stack[-2] if len(stack) > 1 else None
    if isinstance(parent, (cst.ListComp, cst.SetComp)) and parent.elt is query:
        return True
    if isinstance(parent, cst.UnaryOperation):
        return True
    name = database.bound_name(parent)
    return name is not None and not any(isinstance(n, cst.Attribute) and isinstance(n.value, cst.Name) and n.value.value == name
                                        for n in iter_descendants(loop.node))


def _stops(block: cst.BaseSuite) -> bool:
    """A block that ends in a `raise` or an `abort(...)`: the operation stops there."""
    if ends_with(block, (cst.Raise,)):
        return True
    last = block.body[-1] if isinstance(block, cst.IndentedBlock) and block.body else None
    return isinstance(last, cst.SimpleStatementLine) and isinstance(last.body[-1], cst.Expr) \
        and isinstance(last.body[-1].value, cst.Call) and call_name(last.body[-1].value) == "abort"
