"""Facts about the project as a whole, and about a file from its path.

Some answers need more than one file: which attributes are ORM relationships (defined in
models.py, used in views.py), which functions Django's urls.py routes to, whether REST
framework paginates by default. Before the analysis, the engine reads every Python file's text
once with a few regular expressions (no parsing) and hands the resulting `ProjectFacts` to every
worker. A file analysed alone still sees the facts its own text declares.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable, Mapping

_TEST_PATH = re.compile(
    r"(^|/)(tests?|testing|__tests__)/|(^|/)conftest\.py$|(^|/|_)tests?(_[^/]*)?\.py$|(^|/)test_[^/]*\.py$|_testing\.py$"
)
_SETTINGS_PATH = re.compile(r"(^|/)(settings|config|conf|configs)(/|\.py$)|(^|/)[^/]*settings[^/]*\.py$")


def is_test_path(path: str) -> bool:
    """tests/, test_*.py, *_test.py, conftest.py (POSIX, project-relative)."""
    return bool(_TEST_PATH.search(path))


def is_settings_path(path: str) -> bool:
    """A settings or configuration module by its name: settings.py, settings/prod.py, config.py..."""
    return bool(_SETTINGS_PATH.search(path))


# -- project facts -----------------------------------------------------------------------------

_DJANGO_RELATION = re.compile(
    r"^[ \t]*(\w+)[ \t]*=[ \t]*(?:[\w.]+\.)?(ForeignKey|OneToOneField|ManyToManyField|ParentalKey|ParentalManyToManyField|"
    r"TreeForeignKey|TreeManyToManyField|GenericRelation)\(",
    re.M,
)
_RELATED_NAME = re.compile(r"related_name\s*=\s*['\"](\w+)['\"]")
_SA_RELATIONSHIP = re.compile(r"^[ \t]*(\w+)[ \t]*(?::[^=\n]*)?=[ \t]*(?:[\w.]+\.)?relationship\((?P<args>[^\n]*)", re.M)
_SA_BACKREF = re.compile(r"backref\s*=\s*(?:backref\()?\s*['\"](\w+)['\"]")
_LAZY = re.compile(r"lazy\s*=\s*['\"](\w+)['\"]")
_URL_VIEW = re.compile(r"\b(?:path|re_path|url)\(\s*(?:r?['\"][^'\"]*['\"])\s*,\s*([\w.]+?)(?:\.as_view\(|\s*[,)])")
_PAGINATION = re.compile(r"DEFAULT_PAGINATION_CLASS")
_REST_FRAMEWORK = re.compile(r"^\s*REST_FRAMEWORK\s*=", re.M)
_ATOMIC_REQUESTS = re.compile(r"ATOMIC_REQUESTS['\"]?\s*[:=]\s*True")
_HINT_WORDS = r"ForeignKey|OneToOneField|ManyToManyField|ParentalKey|relationship\(|urlpatterns|REST_FRAMEWORK|ATOMIC_REQUESTS|GenericRelation"
_HINTS = re.compile(_HINT_WORDS)
HINTS_BYTES = re.compile(_HINT_WORDS.encode())
"""The same test on raw bytes, so that files without any hint are never decoded."""


@dataclass(frozen=True)
class ProjectFacts:
    relations: frozenset[str] = frozenset()
    """Attribute names that load related rows lazily: Django FK/O2O/M2M fields and related names,
    SQLAlchemy relationships (and backrefs) without an eager loading strategy."""
    eager_relations: frozenset[str] = frozenset()
    """SQLAlchemy relationships declared with lazy="joined"/"selectin"/"subquery"/"immediate"."""
    url_views: frozenset[str] = frozenset()
    """Names of functions and classes that a Django urls.py routes to (`views.article_list`)."""
    rest_framework_settings: bool = False
    """Whether a REST_FRAMEWORK settings dict was seen."""
    default_pagination: bool = False
    """Whether REST framework's DEFAULT_PAGINATION_CLASS was set."""
    atomic_requests: bool = False
    """Whether Django's ATOMIC_REQUESTS is on (every request in a transaction)."""

    def merged(self, other: ProjectFacts) -> ProjectFacts:
        return ProjectFacts(
            self.relations | other.relations,
            self.eager_relations | other.eager_relations,
            self.url_views | other.url_views,
            self.rest_framework_settings or other.rest_framework_settings,
            self.default_pagination or other.default_pagination,
            self.atomic_requests or other.atomic_requests,
        )


EMPTY = ProjectFacts()


def facts_from_text(text: str) -> ProjectFacts:
    """The facts one file's text declares (cheap: a handful of regular expressions)."""
    if not _HINTS.search(text):
        return EMPTY
    relations: set[str] = set()
    eager: set[str] = set()
    for m in _DJANGO_RELATION.finditer(text):
        relations.add(m.group(1))
    relations.update(_RELATED_NAME.findall(text))
    for m in _SA_RELATIONSHIP.finditer(text):
        args = m.group("args")
        lazy = _LAZY.search(args)
        if lazy and lazy.group(1) in ("joined", "selectin", "subquery", "immediate"):
            eager.add(m.group(1))
        elif not (lazy and lazy.group(1) in ("dynamic", "write_only", "noload", "raise", "raise_on_sql")):
            relations.add(m.group(1))
        relations.update(_SA_BACKREF.findall(args))
    views = {v.rsplit(".", 1)[-1] for v in _URL_VIEW.findall(text)} if "urlpatterns" in text else set()
    rest = bool(_REST_FRAMEWORK.search(text))
    return ProjectFacts(
        frozenset(relations - eager),
        frozenset(eager),
        frozenset(views),
        rest,
        rest and bool(_PAGINATION.search(text)),
        bool(_ATOMIC_REQUESTS.search(text)),
    )


def collect(texts: Iterable[str]) -> ProjectFacts:
    facts = EMPTY
    for text in texts:
        found = facts_from_text(text)
        if found is not EMPTY:
            facts = facts.merged(found)
    return facts
