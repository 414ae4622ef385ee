"""Precision fixes from the residue of held-out rounds 15 to 43, each with the case that stays flagged beside it."""

from __future__ import annotations

import textwrap

from backlint.frameworks.project import ProjectFacts, facts_from_text
from backlint.rules.database.unclosed_connection import UnclosedConnection
from conftest import finding_lines


def _facts(*files: tuple[str, str]) -> ProjectFacts:
    return ProjectFacts.combined(facts_from_text(textwrap.dedent(text), path) for path, text in files)


DATABASE_MODULE = """
from sqlalchemy.orm import scoped_session, sessionmaker

Session = scoped_session(sessionmaker())
"""

QUEUE_MESSAGE = """
from app.database import Session

def publish(message):
    session = Session()
    session.info.setdefault("messages", []).append(message)
"""


def test_a_scoped_session_registrys_current_session_is_its_owners_to_remove() -> None:
    facts = _facts(("app/database.py", DATABASE_MODULE), ("app/notifications.py", QUEUE_MESSAGE))
    assert finding_lines(UnclosedConnection, QUEUE_MESSAGE, path="app/notifications.py", facts=facts) == []


def test_a_session_factory_that_is_not_scoped_makes_a_new_session_each_call() -> None:
    factory = DATABASE_MODULE.replace("scoped_session(sessionmaker())", "sessionmaker()")
    facts = _facts(("app/database.py", factory), ("app/notifications.py", QUEUE_MESSAGE))
    assert finding_lines(UnclosedConnection, QUEUE_MESSAGE, path="app/notifications.py", facts=facts) == [5]


LOAD_FILES = """
import argparse
import sqlite3

import pandas as pd

def main(args):
    for name in args.files:
        frame = pd.read_csv(name)
        with sqlite3.connect(args.out) as conn:
            frame.to_sql(name=name, con=conn)

if __name__ == "__main__":
    main(argparse.ArgumentParser().parse_args())
"""


def test_a_scripts_connections_opened_in_a_loop_end_with_its_process() -> None:
    assert finding_lines(UnclosedConnection, LOAD_FILES, path="backend/audit/tools/load_files.py") == []


def test_a_services_connection_opened_in_a_loop_under_with_is_left_open() -> None:
    service = LOAD_FILES.replace('if __name__ == "__main__":\n    main(argparse.ArgumentParser().parse_args())\n', "")
    assert finding_lines(UnclosedConnection, service, path="backend/audit/loader.py") == [10]


MIGRATE_AT_START = """
import alembic.command
import alembic.config
from sqlalchemy.ext.asyncio import create_async_engine

def run_db_migrations(connection):
    config = alembic.config.Config("alembic.ini")
    config.attributes["connection"] = connection
    alembic.command.upgrade(config, "head")

async def run_async_db_migrations(url):
    engine = create_async_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(run_db_migrations)
"""


def test_an_engine_made_to_run_alembics_migrations_is_a_migration_run() -> None:
    assert finding_lines(UnclosedConnection, MIGRATE_AT_START, path="app/cli.py") == []


def test_an_engine_made_for_anything_else_beside_a_migration_runner_is_not() -> None:
    code = MIGRATE_AT_START.replace("await conn.run_sync(run_db_migrations)", "await conn.run_sync(load_fixtures)")
    assert finding_lines(UnclosedConnection, code, path="app/cli.py") == [12]


def test_a_scoped_session_registry_of_the_modules_own_is_its_to_close() -> None:
    job = """
    from sqlalchemy.orm import scoped_session, sessionmaker

    Session = scoped_session(sessionmaker())

    def fetch_transients(ids):
        session = Session()
        return [session.get(Transient, i) for i in ids]
    """
    facts = _facts(("app/jobs.py", job))
    assert finding_lines(UnclosedConnection, job, path="app/jobs.py", facts=facts) == [7]


def test_a_settings_key_spelling_its_own_name_is_not_an_address() -> None:
    from backlint.rules.configuration.hardcoded_service_address import HardcodedServiceAddress

    code = """
    class SettingsKey:
        ELASTICSEARCH_SERVER = 'elasticsearch.server'
        REDIS_HOST = 'cache.internal'
    """
    assert finding_lines(HardcodedServiceAddress, code, path="src/app/root.py") == [4]


SETTINGS_CLASSES = '''
from configurations import Configuration

class Common(Configuration):
    INSTALLED_APPS = ["app"]
    DEBUG = False

class Docker(Common):
    """Settings for local Docker development."""

    DEBUG = True

class Build(Common):
    """Settings when building the docker image."""

    DEBUG = True

class Platta(Common):
    """Settings for the deployed environments."""

    DEBUG = True
'''


def test_a_configuration_class_documented_for_development_or_the_build_is_left_alone() -> None:
    from backlint.rules.errors.debug_enabled import DebugEnabled

    assert finding_lines(DebugEnabled, SETTINGS_CLASSES, path="backend/config/settings.py") == [21]

