"""Reading SQL text: does a string look like SQL, and where in the statement does a hole sit.

The text comes from `strings.Built` with each hole replaced by a marker character. Whitespace is
normalised first, so SQL split over lines, `\\n` escapes and indentation read the same.

Positions decide how much an interpolated value matters:

* VALUE: where a literal would go (`= {x}`, `'{x}'`, `IN ({x})`, `VALUES ({x})`, `LIMIT {x}`).
  Anything not provably constant or numeric here is an injection.
* CLAUSE: a whole fragment of a statement (`WHERE {cond}`, a query prefix, the statement after
  `EXPLAIN`). SQL by design, like an identifier: only request data here is reported.
* IDENTIFIER: a table, column or sort direction (`FROM {table}`, `ORDER BY {col}`). Placeholders
  cannot bind identifiers, so code interpolates them legitimately; only request data here is
  reported.
"""

from __future__ import annotations

import enum
import re

MARK = "\x00"

_VERBS = (
    "select", "insert", "update", "delete", "with", "create", "drop", "alter", "replace", "merge", "truncate",
    "grant", "revoke", "pragma", "exec", "execute", "call", "show", "describe", "explain", "copy", "vacuum",
    "analyze", "analyse", "upsert", "lock", "refresh", "comment", "attach", "detach", "reindex", "cluster",
    "declare", "values", "set", "begin", "commit", "rollback", "savepoint", "release", "use", "load",
)
_VERB_START = re.compile(r"^(?:" + "|".join(_VERBS) + r")\b")
_KEYWORDS = re.compile(
    r"\b(?:select|insert\s+into|update|delete\s+from|from|where|join|values|set|order\s+by|group\s+by|having|limit|returning|into)\b"
)
_LEADING_NOISE = re.compile(r"^(?:\s+|--[^\n]*\n?|/\*.*?\*/|\()+", re.S)

# What the text ends with, right before a hole.
_VALUE_TAIL = re.compile(
    r"(?:=|<>|!=|<|>|<=|>=|\blike|\bilike|\bglob|\bregexp|\bsimilar\s+to|\bbetween|\bfirst"
    r"|\bnext|\bthen|\belse|\bwhen|\bcase|\binterval|\bis|\bis\s+not|\bescape|[-+*/%]|\|\||\bdefault|\bagainst\s*\("
    r"|\bany\s*\(|\ball\s*\(|\bin\s*\(|\bvalues\s*\(|\barray\s*\[)$"
)
_COUNT_TAIL = re.compile(r"(?:\blimit|\boffset|\btop|\bfetch\s+(?:first|next))$")
_IDENTIFIER_TAIL = re.compile(
    r"(?:\bfrom|\bjoin|\binto|\bupdate|\btable|\bexists|\bby|\bselect|\bdistinct|\.|\bas|\breturning|\bindex"
    r"|\bview|\bschema|\bdatabase|\bcolumn|\bsequence|\btrigger|\bfunction|\bprocedure|\btruncate|\bdrop"
    r"|\balter|\bcreate|\bcascade|\bnulls|\basc|\bdesc|\busing|\bpragma|\bdescribe|\bshow|\bextension|\bowner\s+to"
    r"|\brename\s+to|\badd|\brole|\buser|\bgrant|\bto|\bon\s+table)$"
)
_EXPLAIN_TAIL = re.compile(r"\bexplain(?:\s*\([^()]*\))?(?:\s+(?:analy[sz]e|verbose|query\s+plan))*$")
"""`EXPLAIN (FORMAT JSON) {statement}`: what follows is a whole statement."""
_CLAUSE_TAIL = re.compile(r"(?:\bwhere|\band|\bor|\bnot|\bhaving|\bset|\bon|\bwhen|\bunion(?:\s+all)?|\bwith|\bexcept|\bintersect)$")


class Position(enum.Enum):
    LITERAL = "literal"
    """Inside a quoted string literal (`name = '{name}'`): text the statement takes as a value."""
    VALUE = "value"
    """A bare value (`id = {id}`, `IN ({ids})`): a number, a list of numbers or a fragment quoted
    elsewhere in every statement reviewers saw; text there would not even parse."""
    CLAUSE = "clause"
    IDENTIFIER = "identifier"
    COUNT = "count"
    """A row count or offset (`LIMIT {n}`, `OFFSET {n}`, `TOP {n}`, `FETCH FIRST {n}`): a number in
    every statement reviewers saw, a page size or a configured limit."""
    BODY = "body"
    """Inside a dollar-quoted body (`$$ ... $$`): a function body or an Apache AGE Cypher query,
    where no bind parameter can reach."""


def normalise(text: str) -> str:
    return " ".join(text.split()).lower()


def looks_like_sql(text: str, *, loose: bool) -> bool:
    """Whether `text` (holes marked) reads as a SQL statement or fragment.

    Strict: it starts with a SQL verb (after comments and parentheses), or starts with a hole
    and then has at least two SQL keywords. Loose (for calls that only ever take SQL): any SQL
    keyword will do.
    """
    t = normalise(text)
    stripped = normalise(_LEADING_NOISE.sub("", text.lower()))
    if _VERB_START.match(stripped):
        verb = stripped.split(" ", 1)[0]
        # Bare words that are also English ("set", "use", "show", "values") need SQL after them.
        if verb in ("set", "use", "show", "load", "values", "describe", "call", "comment", "begin", "release", "lock", "declare"):
            return loose or len(_KEYWORDS.findall(stripped)) >= 1 or verb in ("set", "show", "pragma")
        return True
    keywords = len(_KEYWORDS.findall(t))
    if loose:
        return keywords >= 1 or t.strip(" ;") == MARK
    return stripped.startswith(MARK) and keywords >= 2


_UTILITY = re.compile(
    r"^(?:create|alter|drop|grant|revoke|truncate|comment|set|show|vacuum|analy[sz]e|reindex|cluster|listen"
    r"|notify|pragma|attach|detach|use|reset|discard|lock|refresh|savepoint|release|begin|commit|rollback)\b"
)


def is_utility(text: str) -> bool:
    """DDL and session statements (CREATE, GRANT, SET, PRAGMA...), which take no bind parameters."""
    return bool(_UTILITY.match(normalise(_LEADING_NOISE.sub("", text.lower()))))


def _in_quotes(before: str) -> bool:
    quote: str | None = None
    for ch in before:
        if quote is None:
            if ch in ("'", '"', "`"):
                quote = ch
        elif ch == quote:
            quote = None
    return quote is not None


def _open_paren_context(before: str) -> str | None:
    """The word before the innermost unclosed parenthesis, if any."""
    depth = 0
    for i in range(len(before) - 1, -1, -1):
        ch = before[i]
        if ch == ")":
            depth += 1
        elif ch == "(":
            if depth == 0:
                m = re.search(r"([a-z_][a-z0-9_]*|\S)\s*$", before[:i])
                return m.group(1) if m else ""
            depth -= 1
    return None


_LEFT_OF_COMPARISON = re.compile(
    r"^\s*(?:=|<>|!=|<|>|\bnot\s+(?:like|in|between|null)\b|\b(?:like|ilike|in|is|between|asc|desc|as|collate)\b|\.|::)"
)


_DOLLAR_QUOTE = re.compile(r"\$(?:[A-Za-z_][A-Za-z0-9_]*)?\$")


def in_dollar_quotes(before: str) -> bool:
    """Whether the end of `before` lies inside a PostgreSQL dollar-quoted string (`$$`, `$tag$`)."""
    open_tag: str | None = None
    for m in _DOLLAR_QUOTE.finditer(before):
        if open_tag is None:
            open_tag = m.group()
        elif m.group() == open_tag:
            open_tag = None
    return open_tag is not None


_REGCLASS_ARGUMENT = re.compile(
    r"\b(?:setval|nextval|currval|to_regclass|pg_get_serial_sequence|pg_total_relation_size|pg_relation_size|"
    r"pg_table_size|pg_indexes_size|has_table_privilege|object_id|cluster|clusterallreplicas|remote|remotesecure)\(\s*'$"
    r"|\bpg_get_serial_sequence\(\s*'[^']*'\s*,\s*'$"
    r"|\bon\s+cluster\s+'$"
)
"""A quoted argument that names a table, sequence or ClickHouse cluster (`setval('{seq}', ...)`,
`to_regclass('{schema}.t')`, `ON CLUSTER '{cluster}'`, `clusterAllReplicas('{cluster}', t)`): an
identifier written as text."""
_REG_CAST = re.compile(r"[^']*'\s*::\s*reg(?:class|namespace|proc|procedure|type|role|oper|operator|config|dictionary)\b")
"""Text cast to an object identifier type (`'{schema}.{table}'::regclass`): the name of a table."""


_CATALOG = re.compile(
    r"\b(?:information_schema\.|pg_catalog\.|sqlite_master\b|sqlite_schema\b|v_catalog\.|syscat\.|sys\.|system\.(?:tables|columns|parts|databases|replicas|mutations)\b|"
    r"pg_(?:tables|indexes|views|class|namespace|attribute|constraint|index|description|matviews|sequences|stat_\w+)\b|"
    r"(?:user|all|dba)_(?:tab_\w+|col_\w+|tables|views|indexes|ind_columns|constraints|cons_columns|objects|sequences)\b)"
)
"""A system catalog (`information_schema.columns`, `pg_indexes`, `sqlite_master`, Oracle's
`user_tab_comments`, Vertica's `v_catalog`, ClickHouse's `system.tables`): what it holds is the
database's own objects."""
_CATALOG_NAME = re.compile(r"\b(?:\w*name|\w*schema|owner|\w*catalog)\s*(?:=|\blike\b|\bin\s*\([^)]*)\s*'$")
"""A catalog column naming an object (`table_name = '`, `schemaname = '`, `tbl_name = '`)."""


def position(before: str, after: str = "") -> Position:
    """Where a hole sits, given the text (holes marked) before and after it in the statement."""
    if "$" in before and in_dollar_quotes(before):
        return Position.BODY
    raw = " ".join(before.split()).lower()
    if re.search(r"\bcypher\(\s*'?$", raw):
        return Position.IDENTIFIER  # the graph's name in Apache AGE's cypher('graph', $$ ... $$)
    if _in_quotes(raw):
        # Quoted: a string value, unless it is a quoted identifier ("col", `col`).
        last_quote = max(raw.rfind("'"), raw.rfind('"'), raw.rfind("`"))
        if raw[last_quote] in ('"', "`") or _REGCLASS_ARGUMENT.search(raw[: last_quote + 1]) or _REG_CAST.match(after.lower()) \
                or (_CATALOG_NAME.search(raw[: last_quote + 1]) and _CATALOG.search(raw)):
            return Position.IDENTIFIER
        return Position.LITERAL
    if _LEFT_OF_COMPARISON.match(after.lower()):
        # The left side of a comparison or assignment (`{column} = %s`) names a column.
        return Position.IDENTIFIER
    tail = raw.rstrip()
    if not tail:
        return Position.CLAUSE
    if tail.endswith(MARK):
        # Right after another hole: `{col} {direction}`, `{prefix}{suffix}`.
        return Position.IDENTIFIER
    if re.search(r"(?<!:):$|[@$]$|%\($", tail):
        # The name of a bind parameter: `:{name}`, `@{name}`, `$%(...)s`.
        return Position.IDENTIFIER
    if _COUNT_TAIL.search(tail):
        return Position.COUNT
    if _VALUE_TAIL.search(tail):
        return Position.VALUE
    if tail.endswith(","):
        ctx = _open_paren_context(tail)
        if ctx is None:
            # A top-level list: SELECT a, {b} / ORDER BY a, {b} / SET a = 1, {b}.
            return Position.CLAUSE if re.search(r"\bset\b(?!.*\b(?:where|from)\b)", tail) else Position.IDENTIFIER
        if ctx in ("values", "in", "any", "all", "coalesce", "array") or ctx in ("(", ","):
            return Position.VALUE
        return Position.IDENTIFIER if re.match(r"[a-z_]", ctx) and not re.search(r"\bvalues\s*\([^)]*$", tail) else Position.VALUE
    if tail.endswith("("):
        ctx = _open_paren_context(tail)
        if ctx in ("values", "in", "any", "all"):
            return Position.VALUE
        if re.search(r"\b(?:into|table|index|on)\s+\S+\s*\($", tail):
            return Position.IDENTIFIER  # a column list
        return Position.CLAUSE
    if _CLAUSE_TAIL.search(tail) or _EXPLAIN_TAIL.search(tail):
        return Position.CLAUSE
    if _IDENTIFIER_TAIL.search(tail):
        return Position.IDENTIFIER
    last_word = re.search(r"([a-z_][a-z0-9_]*)$", tail)
    if last_word and last_word.group(1) not in ("where", "and", "or", "set", "values"):
        # After a column or table name: an alias, a direction, a JOIN kind...
        return Position.IDENTIFIER
    return Position.VALUE
