"""Precision fixes from held-out round 27, each with the case that stays flagged beside it."""

from __future__ import annotations

import textwrap

from backlint.analysis import analyze_text
from backlint.frameworks.project import EMPTY, facts_from_text, package_facts
from backlint.rule import filled
from backlint.rules.configuration.hardcoded_secret import HardcodedSecret
from backlint.rules.database.query_in_loop import QueryInLoop
from conftest import finding_lines


def test_the_kinds_of_database_a_project_names() -> None:
    assert facts_from_text("MYCODO_DB_PATH = f'sqlite:///{SQL_DATABASE}'\n", "mycodo/config.py").databases == {"sqlite"}
    assert facts_from_text("db = SqliteDatabase(path)\n", "app/db.py").databases == {"sqlite"}
    assert facts_from_text("DATABASES = {'default': {'ENGINE': 'django.db.backends.sqlite3'}}\n", "app/settings.py").databases == {"sqlite"}
    overridable = "SQLALCHEMY_DATABASE_URI = os.environ.get('DATABASE_URL', 'sqlite:///dev.db')\n"
    assert facts_from_text(overridable, "app/config.py").databases == {"configurable"}
    assert facts_from_text("ENGINE = 'django.db.backends.postgresql'\n", "app/settings.py").databases == {"server"}
    assert facts_from_text("import psycopg2\n", "app/db.py").databases == {"server"}
    assert facts_from_text("engine = create_engine('sqlite://')\n", "tests/conftest.py").databases == frozenset()
    assert package_facts([("", b"flask\npsycopg2-binary==2.9\n")]).databases == {"server"}


_LOOP = """
def conversions(measurements):
    return [Conversion.query.filter(Conversion.unique_id == m.conversion_id).first() for m in measurements]
"""


def test_queries_in_a_loop_on_a_project_whose_only_database_is_sqlite() -> None:
    sqlite = facts_from_text("SQLALCHEMY_DATABASE_URI = f'sqlite:///{DATABASE_PATH}'\n", "app/config.py")
    assert finding_lines(QueryInLoop, _LOOP, facts=sqlite) == []
    server = sqlite.merged(package_facts([("", b"flask\npsycopg2==2.9\n")]))
    assert finding_lines(QueryInLoop, _LOOP, facts=server) == [3], "a server driver in the requirements: SQLite may be only the default"
    default = facts_from_text("SQLALCHEMY_DATABASE_URI = os.getenv('DATABASE_URL', 'sqlite:///dev.db')\n", "app/config.py")
    assert finding_lines(QueryInLoop, _LOOP, facts=default) == [], "an environment may point it elsewhere, but nothing can connect to a server"
    default_server = default.merged(package_facts([("", b"flask\npsycopg2==2.9\n")]))
    assert finding_lines(QueryInLoop, _LOOP, facts=default_server) == [3], "an environment may point it at a server"


def test_merging_keeps_every_fact_in_its_own_field() -> None:
    """`merged` builds the facts field by field: each must land where it came from."""
    from dataclasses import fields

    from backlint.frameworks.project import ProjectFacts

    values = {}
    for f in fields(ProjectFacts):
        default = getattr(EMPTY, f.name)
        values[f.name] = True if isinstance(default, bool) else ((f.name, True),) if isinstance(default, tuple) else frozenset({f.name})
    facts = ProjectFacts(**values)
    assert EMPTY.merged(facts) == facts
    assert facts.merged(EMPTY) == facts


def test_a_secret_that_is_a_word_is_masked_where_code_put_it_not_in_the_rules_words() -> None:
    code = textwrap.dedent('''
        reader = User()
        reader.password = "read"
    ''')
    findings = analyze_text("app/accounts.py", code, [(HardcodedSecret, {})], EMPTY).findings
    assert [f.message for f in findings] == ["Hardcoded password in `****er.password`; read it from the environment or a secret store"]
    assert '"read"' not in findings[0].source_line


def test_filled_is_format_with_the_spans_of_the_templates_own_words() -> None:
    text, fixed = filled("`{name}` runs {count:>3} times ({{loop}})", {"name": "q", "count": 7})
    assert text == "`q` runs   7 times ({loop})"
    assert "".join(text[a:b] for a, b in fixed) == "`` runs  times ({loop})"


def test_everything_an_alembic_folder_holds_is_migration_code() -> None:
    from backlint.frameworks.project import is_migration_path

    assert is_migration_path("alembic_db/alembic_post.py")  # post-upgrade data rewrites run once per upgrade
    assert is_migration_path("app/alembic/alembic_utils.py")
    assert is_migration_path("backend/alembic/versions/1a2b3c4d5e6f_add_users.py")
    assert not is_migration_path("app/alembic_models.py")
    assert not is_migration_path("app/services/alembic.py")


def test_a_try_that_only_reads_the_request_and_answers_4xx_is_the_clients_error() -> None:
    from backlint.rules.errors.unlogged_error_response import UnloggedErrorResponse

    code = """
    import flask
    from flask import abort

    @api.route("/lesson_state", methods=["POST"])
    def update_lesson_state(lesson_id):
        try:
            state = flask.request.get_json()
            if not state or "action" not in state:
                return json_result({"error": "Missing required 'action' field"}), 400
        except Exception:
            return json_result({"error": "Invalid JSON payload"}), 400
        return json_result(service.update(lesson_id, state))

    @api.route("/outputs/<unique_id>", methods=["POST"])
    def set_output(unique_id):
        payload = flask.request.get_json()
        try:
            duty_cycle = float(payload["duty_cycle"])
            if duty_cycle < 0 or duty_cycle > 100:
                abort(422, message="Required: 0 <= duty_cycle <= 100")
        except Exception:
            abort(422, message="duty_cycle does not represent a float value")
        return service.set_output(unique_id, duty_cycle)

    @api.route("/orders", methods=["POST"])
    def create_order():
        try:
            order = service.place(flask.request.get_json())
        except Exception:
            return json_result({"error": "Could not place the order"}), 400
        return json_result(order)
    """
    assert finding_lines(UnloggedErrorResponse, code, "app/api.py") == [31], "the try that does the work still answers unlogged"
