from __future__ import annotations

from typing import Any, Mapping

import libcst as cst

from backlint.findings import Confidence, Level
from backlint.frameworks import database, project, routes, sql_text
from backlint.frameworks.strings import Built, builds
from backlint.frameworks.values import Env, Kind, Origin, Origins, assigned_values
from backlint.rule import Invalid, Option, Rule, Valid
from backlint.syntax import contains


class SqlStringBuilding(Rule):
    """SQL text built from non-constant values reaches a database call.

    When SQL is assembled with f-strings, `%`, `str.format`, `+`, `+=` or `str.join`, a value
    that reaches it can change the statement itself instead of being compared or stored: that is
    SQL injection (CWE-89). The check follows the string from the database call back through the
    function (assignments, `+=` in loops, lists filled with `append` and joined, helper functions
    of the same file) and looks at every interpolated value and where it sits in the statement.

    Where the value sits decides what is reported. Inside a quoted literal (`name = '{name}'`),
    any value that may hold text is; a bare value (`id = {id}`, `IN ({ids})`) only when it comes
    from the request, since it is a number or a list of them wherever the statement works at all
    (a string there would not parse), and identifiers and whole fragments likewise (below).

    Values that cannot carry SQL are left alone: values quoted with SQL's own escaping
    (`"'" + s.replace("'", "''") + "'"`), constants, module-level UPPER_CASE names (and the
    attributes of their items: `p.name` for `p in PLACEHOLDERS`), enum
    members (also of an enumeration iterated in a loop: `state.value` for `state in ProofState`),
    lookups in a class table of constants (`Party.role_types[role]`), numbers (`int(...)`, `len(...)`, arithmetic, parameters annotated `int`/`UUID`/
    `Literal[...]`), geometries as their library writes them out (`point.ewkt`, `.wkt`, a model's
    `path.geom`, `point.x`, `geom.srid`: coordinates and keywords), a row count after `LIMIT`/`OFFSET` (a page size or a configured limit, unless
    it comes from the request as text) and generated placeholder lists such as
    `",".join("?" * len(ids))`. Table and
    column names cannot be bound as parameters, so interpolating an identifier that comes from
    code (`FROM {self.table}`) is not reported, nor is a whole SQL fragment produced elsewhere
    (`FROM ({subquery_sql})`), nor a value in DDL and session statements (`CREATE USER`,
    `SET x = ...`) or inside a dollar-quoted body (`$$ ... $$`: an Apache AGE Cypher query, a
    function body), where no bind parameter reaches; the same identifier, fragment or value taken
    from the request is. A quoted argument that names a table or sequence (`setval('{seq}')`,
    `to_regclass('{schema}.t')`, `'{schema}.{table}'::regclass`, ClickHouse's `ON CLUSTER '{cluster}'`) is an identifier, and so is an object's name looked up in the
    system catalog (`FROM information_schema.columns WHERE table_name = '{table}'`, `pg_indexes`,
    `sqlite_master`, Oracle's `all_col_comments`). Test code is not looked at unless
    `include-tests` is set, nor an operator's tools (scripts, command-line packages, management
    commands, click and typer commands, seed modules, and functions only they call, by name across
    the scan: no request reaches them) unless `strict` is.
    English text that merely contains "select ... from" is never looked at: only strings that
    reach a SQL call are."""

    ID = "BL101"
    PEER_CODES = ("S608", "B608")
    LEVEL = Level.ERROR
    CONFIDENCE = Confidence.HIGH
    CWE = (89,)
    SECURITY_SEVERITY = 8.8
    TAGS = ("security", "sql", "injection")
    MESSAGE = "SQL built with {how} from {source} reaches {sink}; pass values as query parameters"
    FIX = """Keep the SQL text constant and pass values separately; the driver sends them apart
from the statement:

```python
cur.execute("SELECT * FROM users WHERE email = %s", (email,))      # psycopg, pymysql
conn.execute("SELECT * FROM users WHERE email = ?", (email,))      # sqlite3
session.execute(text("SELECT * FROM users WHERE email = :e"), {"e": email})  # SQLAlchemy
```

For identifiers (table or column names) that must vary, pick them from a fixed set
(`if column not in ALLOWED_COLUMNS: raise ...`) or compose them with `psycopg.sql.Identifier`."""
    REFERENCES = (
        "https://owasp.org/www-community/attacks/SQL_Injection",
        "https://cwe.mitre.org/data/definitions/89.html",
        "https://cheatsheetseries.owasp.org/cheatsheets/Query_Parameterization_Cheat_Sheet.html",
    )
    TESTS = False

    MIGRATIONS = False  # a migration's SQL is built from the code's own names and values, and runs once
    PREFILTER = ("execute", "fetch", ".raw(", ".extra(", "text(", "RawSQL", "read_sql", ".query(", "SQL(", "mogrify", "copy_expert")
    OPTIONS = {
        "strict": Option(
            False,
            "Also report identifiers (table and column names) and whole SQL fragments interpolated from "
            "parameters, attributes or calls, and values read back from the database (second-order "
            "injection); by default only identifiers taken from the request are reported, and stored "
            "values are not.",
            kind=bool,
        ),
    }

    INVALID = [
        Invalid(
            """
            def find_user(cur, email):
                cur.execute(f"SELECT * FROM users WHERE email = '{email}'")
            """,
            line=2,
            note="An f-string puts the parameter `email` inside the statement.",
        ),
        Invalid(
            """
            import sqlite3

            def delete_order(code):
                conn = sqlite3.connect("shop.db")
                conn.execute("DELETE FROM orders WHERE code = '%s'" % code)
            """,
            line=5,
            note="`%` formatting, not a parameter: the driver never sees `code` as a value, and a quote in it ends the literal.",
        ),
        Invalid(
            """
            from flask import Flask, request

            app = Flask(__name__)

            @app.delete("/orders")
            def delete_order():
                db.execute("DELETE FROM orders WHERE id = " + request.args["id"])
            """,
            line=7,
            note="A bare value taken from the request: `0 OR 1 = 1` is not a number.",
        ),
        Invalid(
            """
            from flask import request

            def search(db):
                term = request.args.get("q", "")
                sql = "SELECT id, title FROM posts WHERE title LIKE '%" + term + "%'"
                return db.execute(sql).fetchall()
            """,
            line=6,
            note="Request data concatenated into the SQL reaches `execute` through a variable.",
        ),
        Invalid(
            """
            def report(cursor, filters):
                sql = "SELECT * FROM events WHERE 1 = 1"
                for key, value in filters.items():
                    sql += " AND {} = '{}'".format(key, value)
                cursor.execute(sql)
            """,
            line=5,
            note="Built across a loop with `+=` and `str.format`.",
        ),
        Invalid(
            """
            from sqlalchemy import text

            def rename(session, user_id, name):
                stmt = text("UPDATE users SET name = '" + name + "' WHERE id = :id")
                session.execute(stmt, {"id": user_id})
            """,
            line=4,
            note="`text()` is itself a SQL sink: one value is bound, the other is not.",
        ),
        Invalid(
            """
            from fastapi import FastAPI
            app = FastAPI()

            @app.get("/items")
            def list_items(db, order: str = "name"):
                return db.execute(f"SELECT * FROM items ORDER BY {order}").fetchall()
            """,
            line=6,
            note="An identifier taken from a query parameter: the request chooses the SQL.",
        ),
        Invalid(
            """
            def where_clause(name):
                return f"name = '{name}'"

            def find(conn, name):
                conn.execute("SELECT * FROM people WHERE " + where_clause(name))
            """,
            line=5,
            note="The value is interpolated in a helper function of the same file.",
        ),
        Invalid(
            """
            def by_ids(cursor, ids):
                parts = []
                for i in ids:
                    parts.append(str(i) if isinstance(i, int) else f"'{i}'")
                cursor.execute("SELECT * FROM t WHERE id IN (" + ", ".join(parts) + ")")
            """,
            line=5,
            note="A list of quoted values built with `append` and joined.",
        ),
        Invalid(
            """
            from django.db import models

            def titles(Article, author):
                return Article.objects.raw(
                    "SELECT id, title FROM blog_article "
                    "WHERE author = '%s'" % author
                )
            """,
            line=5,
            note="Django `raw()` with `%` formatting on a multi-line statement.",
        ),
        Invalid(
            """
            from flask import Flask, request

            app = Flask(__name__)

            @app.get("/concepts")
            def concepts():
                label = request.args["label"]
                cur = db.cursor()
                cur.execute(f"SELECT * FROM cypher('g', $$ MATCH (c {{label: '{label}'}}) RETURN c $$) AS (c agtype)")
            """,
            line=9,
            note="Request data inside an AGE `$$` body: a quote or `$$` in it rewrites the query.",
        ),
    ]
    VALID = [
        Valid(
            """
            def sessions_by_ids(cur, session_ids: list[int]):
                cur.execute(f"SELECT * FROM sessions WHERE session_id IN ({','.join(str(s) for s in session_ids)})")
                return cur.fetchall()

            def mark_viewed(cur, user_id, ids):
                rows = [cur.mogrify("(%s, %s)", (user_id, i)).decode() for i in ids]
                cur.execute("INSERT INTO viewed (user_id, notification_id) VALUES " + ", ".join(rows))
            """,
            note="Numbers by their annotation (`list[int]`), and fragments psycopg's `mogrify()` quoted itself.",
        ),
        Valid(
            """
            import uuid

            def add_concept(cur, graph, label):
                concept_id = f"c_{uuid.uuid4().hex[:12]}"
                cur.execute(
                    f"SELECT * FROM cypher('{graph}', $$ CREATE (c:Concept {{id: '{concept_id}', label: '{label}'}}) $$) AS (c agtype)"
                )
            """,
            note="An Apache AGE Cypher body between `$$`: no bind parameter reaches there, so only request data is reported.",
        ),
        Valid(
            """
            def find_user(cur, email):
                cur.execute("SELECT * FROM users WHERE email = %s", (email,))
            """,
            note="A bound parameter: the value never becomes SQL.",
        ),
        Valid(
            """
            def active(cur):
                cur.execute(f"SELECT * FROM users WHERE active = {True}")
                cur.execute(f"SELECT * FROM users")
            """,
            note="Constant-only f-strings.",
        ),
        Valid(
            """
            TABLE = "audit_log"

            def purge(cur, days: int):
                cur.execute(f"DELETE FROM {TABLE} WHERE age > {days}")
            """,
            note="A module constant and a parameter annotated `int`.",
        ),
        Valid(
            """
            def by_ids(conn, ids):
                placeholders = ",".join("?" * len(ids))
                conn.execute(f"SELECT * FROM t WHERE id IN ({placeholders})", ids)
            """,
            note="A generated placeholder list; the values are bound.",
        ),
        Valid(
            """
            from psycopg2 import sql

            def count(cur, table):
                cur.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table)))
            """,
            note="psycopg's composition quotes the identifier.",
        ),
        Valid(
            """
            from sqlalchemy import text

            def rename(session, user_id, name):
                session.execute(text("UPDATE users SET name = :name WHERE id = :id"), {"name": name, "id": user_id})
            """,
            note="SQLAlchemy `text()` with bind parameters.",
        ),
        Valid(
            """
            class Repository:
                table = "orders"

                def delete(self, cur, order_id):
                    cur.execute(f"DELETE FROM {self.table} WHERE id = %s", (order_id,))
            """,
            note="An identifier from code, with the value bound (bandit's #1302).",
        ),
        Valid(
            """
            import logging
            log = logging.getLogger(__name__)

            def remove(name):
                log.info(f"Delete from cache the entry {name}")
                raise ValueError(f"Please select a value from the list, not {name}")
            """,
            note="English prose that looks like SQL is not passed to a database.",
        ),
        Valid(
            """
            def page(cur, limit, offset):
                cur.execute(f"SELECT * FROM posts LIMIT {int(limit)} OFFSET {int(offset)}")
            """,
            note="Values forced to integers cannot carry SQL.",
        ),
        Valid(
            """
            SORTS = {"new": "created_at DESC", "top": "score DESC"}

            def listing(cur, sort):
                cur.execute("SELECT * FROM posts ORDER BY " + SORTS.get(sort, "created_at DESC"))
            """,
            note="A value picked from a constant table is an allowlist.",
        ),
        Valid(
            """
            from sqlalchemy import text

            async def create_role(conn, config):
                await conn.execute(text(f"CREATE USER {config['user']} WITH PASSWORD '{config['password']}'"))
            """,
            note="DDL takes no bind parameters; values from configuration are not request data.",
        ),
        Valid(
            """
            def wrap(Model, queryset):
                sql, params = queryset.query.sql_with_params()
                return Model.objects.raw(f"SELECT * FROM ({sql}) t WHERE row_number = 1", params)
            """,
            note="A subquery generated by the ORM, with its parameters bound.",
        ),
        Valid(
            """
            def update(cur, fields, user_id):
                assignments = ", ".join(f"{column} = %s" for column in fields)
                cur.execute(f"UPDATE users SET {assignments} WHERE id = %s", [*fields.values(), user_id])
            """,
            note="Only column names are interpolated (from code, not the request); values are bound.",
        ),
        Valid(
            """
            from sqlalchemy import text
            from myapp.common import config

            def plan(conn, sql):
                rows_max = config.get("search.rows_max")
                conn.execute(text(f"EXPLAIN (FORMAT JSON) SELECT * FROM ({sql}) AS q LIMIT {rows_max + 1}"))
            """,
            note="A whole statement composed into another (after `EXPLAIN`, as a subquery) is SQL by design, "
            "and the limit comes from the imported configuration: only request data there is reported.",
        ),
        Valid(
            """
            def literal_string(s):
                return "'" + s.replace("'", "''").replace("\\0", "") + "'"

            def find_by_title(conn, title):
                return conn.execute("SELECT id FROM posts WHERE title = " + literal_string(title)).fetchall()
            """,
            note="A value quoted with SQL's own escaping (every quote doubled inside the literal) cannot end the literal.",
        ),
    ]

    INVALID += [
        Invalid(
            """
            from flask import Flask, request

            app = Flask(__name__)

            @app.get("/posts")
            def posts():
                cur = db.cursor()
                cur.execute("SELECT * FROM posts ORDER BY id LIMIT " + request.args.get("n", "10"))
                return cur.fetchall()
            """,
            line=8,
            note="A row count taken from the request as text: `10; DROP TABLE posts` is not a number.",
        ),
    ]

    VALID += [
        Valid(
            """
            def delete_order(conn, order_id):
                conn.execute("DELETE FROM orders WHERE id = %s" % order_id)

            def sessions(cur, session_ids):
                cur.execute("SELECT * FROM sessions WHERE id IN ({})".format(",".join(map(str, session_ids))))
            """,
            note="Bare values outside quotes (`id = {n}`, `IN ({ids})`) from code: numbers or lists of them wherever "
            "the statement works at all (text there would not parse); request data there is reported.",
        ),
        Valid(
            """
            import click

            @click.command()
            @click.argument("table")
            def count(table):
                print(db.execute(f"SELECT count(*) FROM {table} WHERE owner = '{table}'").scalar())
            """,
            path="tools/dbstats.py",
            note="An operator's tool (scripts, command-line packages, management commands, seed modules): "
            "no request reaches it, and its operator holds the database anyway (`strict` looks there too).",
        ),
        Valid(
            """
            def reset(session, table):
                session.execute(text(f"SELECT setval('{table}_id_seq', (SELECT max(id) FROM {table}))"))
            """,
            note="A quoted argument that names a table or sequence (`setval`, `nextval`, `to_regclass`): an identifier written as text.",
        ),
        Valid(
            """
            class References:
                def __init__(self, limit=20):
                    self.limit = limit

                def find(self, cur, term_id, page, size):
                    cur.execute(
                        f"SELECT * FROM refs WHERE term_id = %s LIMIT {self.limit} OFFSET {page * size}",
                        (term_id,),
                    )
            """,
            note="Row counts after `LIMIT` and `OFFSET` from the code (a constructor default, arithmetic): "
            "page sizes and configured limits, numbers in every statement reviewers saw.",
        ),
        Valid(
            """
            def drop_oldest(conn, budget):
                hashes = [row[0] for row in conn.execute("SELECT sha256 FROM blobs ORDER BY created LIMIT ?", (budget,))]
                conn.execute("DELETE FROM blobs WHERE sha256 IN ('%s')" % "','".join(hashes))

            def reset_sequences(session, Base):
                for table in Base.metadata.sorted_tables:
                    for column in table.primary_key.columns:
                        seq = session.execute(text(f"SELECT pg_get_serial_sequence('{table.name}', '{column.name}')")).scalar()
                        session.execute(text(f"SELECT setval('{seq}', 1)"))
            """,
            note="Values the code read back from its own database (second-order; reported with `strict`) "
            "and names from the ORM's metadata.",
        ),
        Valid(
            """
            ORDERS = {"newest": "created_at DESC", "oldest": "created_at ASC"}

            def top(cur, sort_by: str, schema: str):
                column = ORDERS.get(sort_by)
                if column is None:
                    raise ValueError(f"unknown sort {sort_by}")
                if schema not in ("public", "archive"):
                    return []
                cur.execute(f"SELECT * FROM {schema}.items WHERE kind = '{sort_by}' ORDER BY {column}")
            """,
            note="Values the function refuses unless they are keys of a fixed table (an allowlist).",
        ),
    ]

    @classmethod
    def wants(cls, path: str, options: Mapping[str, Any]) -> bool:
        # An operator's tools (commands, scripts, seeds) build SQL from what the operator or the
        # code gives them: no request reaches them, and their operator holds the database anyway.
        return super().wants(path, options) and (bool(options.get("strict")) or not project.is_operator_path(path))

    def visit_Module(self, node: cst.Module) -> None:
        self._skip = not self.options.get("strict") and self.ctx.is_standalone_script()

    def visit_Call(self, node: cst.Call) -> None:
        if self._skip:
            return
        sinks = database.sql_sinks(self.ctx, node)
        if not sinks or self._operators_only():
            return
        env = Env.here(self.ctx)
        for sink in sinks:
            self._check(sink, env)

    def _operators_only(self) -> bool:
        """Inside a click or typer command, or a function only an operator's code calls (a
        management command, a command-line module, a script): the operator's own input. (Not every
        function of a module only a job imports: the job's SQL may carry its data, not its operator's.)"""
        if self.options.get("strict"):
            return False
        return any(isinstance(n, cst.FunctionDef) and (routes.cli_command(n) or routes.called_only_by_operators(self.ctx, n, modules=False))
                   for n in self.ctx.stack)

    def _check(self, sink: database.SqlSink, env: Env) -> None:
        strict = bool(self.options.get("strict", False))
        origins = Origins(self.ctx)
        for built in builds(sink.sql, env):
            problem = self._problem(built, sink, origins, strict)
            if problem is None:
                continue
            origin, how = problem
            related = []
            if built.site is not None and not contains(sink.sql, built.site):
                related.append((built.site, "the SQL text is built here"))
            # ruff and bandit report S608 where the text is formatted, and want a multi-line string's
            # `noqa` comment after its closing quotes: those lines hold the comments a user already wrote.
            where_built = [sink.sql, *(value for value, _ in assigned_values(env, sink.sql) if value is not sink.sql)]
            self.report(sink.sql, how=how, source=origin.what, sink=sink.label, related=related, suppressible_at=where_built)
            return

    def _problem(
        self, built: Built, sink: database.SqlSink, origins: Origins, strict: bool
    ) -> tuple[Origin, str] | None:
        if built.how is None or not built.holes:
            return None
        how = built.how
        text = built.text(sql_text.MARK)
        if not sql_text.looks_like_sql(text, loose=sink.only_sql):
            return None
        # DDL and session statements cannot bind parameters: only request data there is wrong.
        utility = sql_text.is_utility(text)
        worst: Origin | None = None
        before = ""
        parts = built.parts
        for i, part in enumerate(parts):
            if isinstance(part, str):
                before += part
                continue
            after = "".join(p if isinstance(p, str) else sql_text.MARK for p in parts[i + 1 : i + 5])
            position = sql_text.Position.CLAUSE if utility else sql_text.position(before, after)
            before += sql_text.MARK
            found = origins.of(part.expr, part.env)
            # Rows read back from the database hold what the application stored (digests, ids,
            # catalogue names): second-order injection is only reported with `strict`.
            bad = [o for o in found if not o.kind.harmless and (strict or not o.stored)]
            if not bad:
                continue
            if position is not sql_text.Position.LITERAL and not strict:
                # Identifiers and whole fragments are SQL by design, no bind parameter reaches
                # into a dollar-quoted body, and a bare value is a number or a list of them
                # wherever the code works at all: only the request choosing them is certain to
                # be wrong; a fragment built unsafely elsewhere in the file was already expanded
                # into its own parts.
                bad = [o for o in bad if o.kind is Kind.REQUEST]
            if not bad:
                continue
            candidate = max(bad, key=lambda o: (o.kind, o.what))
            if worst is None or candidate.kind > worst.kind:
                worst = candidate
                how = part.how or built.how
        if worst is None:
            return None
        return worst, how
