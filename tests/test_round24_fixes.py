"""Precision fixes from held-out round 24 (and rounds 15 to 23 re-read), each with the case that
stays flagged beside it."""

from __future__ import annotations

import textwrap

from backlint.analysis import analyze_text
from backlint.frameworks import sql_text
from backlint.frameworks.project import EMPTY, facts_from_text, is_test_path
from backlint.rules.api.unpaginated_list_endpoint import UnpaginatedListEndpoint
from backlint.rules.configuration.hardcoded_secret import HardcodedSecret
from backlint.rules.database.query_in_loop import QueryInLoop
from backlint.rules.database.sql_string_building import SqlStringBuilding
from backlint.rules.database.unclosed_connection import UnclosedConnection
from backlint.rules.errors.exception_leak import ExceptionLeak
from backlint.rules.errors.swallowed_exception import SwallowedException
from backlint.rules.errors.unlogged_error_response import UnloggedErrorResponse
from backlint.rules.reliability.blocking_call_in_async import BlockingCallInAsync


def _lines(rule: type, code: str, path: str = "app/services.py", facts=EMPTY) -> list[int]:  # type: ignore[no-untyped-def]
    result = analyze_text(path, textwrap.dedent(code), [(rule, {})], facts)
    assert not result.notifications, result.notifications
    return [f.region.start_line for f in result.findings]


def test_pass_that_leads_to_the_functions_fallback_value_is_that_fallback() -> None:
    code = """
    def set_status(task, status):
        if task:
            try:
                task.status = status
                db.session.commit()
                return True
            except:
                pass
        return False

    def set_other(task, status):
        if task:
            try:
                task.status = status
                db.session.commit()
                return task
            except:
                pass
        return None
    """
    assert _lines(SwallowedException, code) == [18]


def test_sql_that_reads_or_tunes_the_session_changes_nothing() -> None:
    code = """
    def limit(cursor, timeout):
        try:
            cursor.execute("SET statement_timeout TO %s;", (timeout,))
        except Exception:
            pass

    def release(cursor, name):
        try:
            cursor.execute(f"DEALLOCATE {name};")
        except Exception:
            pass

    def finish(cursor):
        try:
            cursor.execute("UPDATE jobs SET done = true")
        except Exception:
            pass
    """
    assert _lines(SwallowedException, code) == [17]


def test_jest_mocks_and_e2e_test_folders_are_test_code() -> None:
    assert is_test_path("frontend/__mocks__/api/mockData.ts")
    assert is_test_path("e2e-tests/helpers.ts")
    assert not is_test_path("frontend/src/mockingbird.ts")


def test_a_row_count_is_reported_only_when_the_request_chooses_it() -> None:
    assert sql_text.position("select * from t limit ") is sql_text.Position.COUNT
    code = """
    from flask import Flask, request

    app = Flask(__name__)

    class References:
        def __init__(self, limit=20):
            self.limit = limit

        def find(self, cur, term_id):
            cur.execute(f"SELECT * FROM refs WHERE term_id = %s LIMIT {self.limit}", (term_id,))

    @app.get("/posts")
    def posts():
        cur = db.cursor()
        cur.execute("SELECT * FROM posts LIMIT " + request.args.get("n", "10"))
    """
    assert _lines(SqlStringBuilding, code) == [16]


def test_a_value_plus_a_number_is_a_number() -> None:
    code = """
    def profile(engine, records, name):
        query_id = records["rows"][0][0] + 3
        engine.execute("SELECT * FROM profiling WHERE query_id=" + str(query_id))
        engine.execute("SELECT * FROM profiling WHERE name='" + name + "'")
    """
    assert _lines(SqlStringBuilding, code) == [5]


def test_a_lookup_that_feeds_a_helper_named_for_a_write_is_a_write_per_item() -> None:
    code = """
    def share(sketch, usernames):
        for username in usernames:
            user = User.query.filter_by(username=username).first()
            sketch.grant_permission(user=user, permission="read")

    def badges(usernames, found):
        for username in usernames:
            user = User.query.filter_by(username=username).first()
            found.update({username: render_badge(user)})
    """
    assert _lines(QueryInLoop, code) == [9]


def test_a_row_loaded_to_have_its_columns_set_is_a_write_per_item() -> None:
    code = """
    def reorder(project, names):
        for idx, name in enumerate(names):
            label = Label.query.filter_by(project=project, name=name).one()
            label.seq = idx
        db.session.commit()

    def retitle(project, names):
        for name in names:
            label = Label.query.filter_by(project=project, name=name).first()
            if label is not None:
                label.title = name.title()

    def titles(project, names):
        out = []
        for name in names:
            label = Label.query.filter_by(project=project, name=name).one()
            out.append(label.title)
        return out
    """
    assert _lines(QueryInLoop, code) == [17]


def test_the_parts_of_one_string_are_a_few_passes() -> None:
    code = """
    def approvers(audit):
        return [Group.objects.get(id=gid).name for gid in audit.auth_groups.split(",")]

    def reviewers(audit, ids):
        return [Group.objects.get(id=gid).name for gid in ids]

    def fields(request):
        return [Field.objects.get(id=fid) for fid in request.payload["field_ids"].split(",")]

    def categories(request):
        return [Category.objects.get(name=n) for n in request.query_params.get("types", "").split(",")]
    """
    # (one query argument's parts are a handful, as `getlist`'s values are; a body's are not)
    assert _lines(QueryInLoop, code) == [6, 9]


def test_a_column_of_every_model_a_relation_name_leads_to_is_not_a_relation() -> None:
    facts = facts_from_text(
        "from django.db import models\n\n"
        "class Alias(models.Model):\n"
        "    alias = models.CharField(max_length=50)\n"
        "    vulnerability = models.ForeignKey(Vulnerability, on_delete=models.CASCADE, related_name='aliases')\n\n"
        "class AdvisoryAlias(models.Model):\n"
        "    alias = models.CharField(max_length=50)\n\n"
        "class Advisory(models.Model):\n"
        "    aliases = models.ManyToManyField(AdvisoryAlias, through='AdvisoryRelatedAlias')\n\n"
        "class AdvisoryRelatedAlias(models.Model):\n"
        "    advisory = models.ForeignKey(Advisory, on_delete=models.CASCADE)\n"
        "    alias = models.ForeignKey(AdvisoryAlias, on_delete=models.CASCADE)\n"
        "    vulnerability = models.ForeignKey(Vulnerability, on_delete=models.CASCADE)\n",
        "vulns/models.py",
    )
    code = """
    from django.db import models

    def names(obj):
        return [a.alias for a in obj.aliases.all()]

    def owners(obj):
        return [a.vulnerability for a in obj.aliases.all()]
    """
    assert _lines(QueryInLoop, code, path="vulns/api.py", facts=facts) == [8]


def test_a_view_set_listing_only_the_requesters_rows_needs_no_pagination() -> None:
    code = """
    from rest_framework import viewsets

    class ContactViewSet(viewsets.ModelViewSet):
        queryset = InboundContact.objects.all()
        pagination_class = None

        def get_queryset(self):
            number = get_object_or_404(RelayNumber, user=self.request.user)
            return InboundContact.objects.filter(relay_number=number)

    class UserViewSet(viewsets.ModelViewSet):
        pagination_class = None

        def get_queryset(self):
            if self.request.user.is_authenticated:
                return User.objects.filter(id=self.request.user.id)
            return User.objects.none()

    class ContactsViewSet(viewsets.ModelViewSet):
        pagination_class = None

        def get_queryset(self):
            return InboundContact.objects.filter(blocked=False)
    """
    assert _lines(UnpaginatedListEndpoint, code, path="contacts/views.py") == [21]


def test_asyncpg_and_mysqldb_cursors_are_not_server_side_cursors() -> None:
    code = """
    import psycopg2

    async def export(pool, query, params):
        async with pool.acquire() as conn:
            async with conn.transaction():
                cursor = await conn.cursor(query, *params)
                return await cursor.fetch(100)

    def rows(conn, sql):
        cur = conn.cursor(MySQLdb.cursors.DictCursor)
        cur.execute(sql)
        return cur.fetchall()

    def dump(conn, sql):
        cur = conn.cursor("dump")
        cur.execute(sql)
        return cur.fetchall()
    """
    assert _lines(UnclosedConnection, code) == [16]


def test_a_cursor_taken_in_the_try_that_opens_the_connection_does_no_io() -> None:
    code = """
    import MySQLdb

    def check(host):
        try:
            conn = MySQLdb.connect(host=host, connect_timeout=5)
            cur = conn.cursor()
        except Exception:
            return False
        else:
            cur.close()
            conn.close()
        return True

    def check_more(host):
        try:
            conn = MySQLdb.connect(host=host, connect_timeout=5)
            conn.cursor().execute("SELECT 1")
        except Exception:
            return False
        else:
            conn.close()
        return True
    """
    assert _lines(UnclosedConnection, code) == [17]


def test_a_coroutine_named_for_start_up_runs_before_requests() -> None:
    code = """
    import time

    class Store:
        async def initialize(self):
            self.client.head_bucket(Bucket=self.bucket)

        async def _init(self):
            time.sleep(1)

        async def store(self, key, data):
            self.client.put_object(Bucket=self.bucket, Key=key, Body=data)
            time.sleep(1)
    """
    assert _lines(BlockingCallInAsync, code, path="app/store.py") == [13]


def test_an_endpoint_decorator_that_logs_every_exception_logs_raised_http_errors() -> None:
    wrapper = facts_from_text(textwrap.dedent("""
    import functools
    import logging
    from fastapi import HTTPException

    logger = logging.getLogger(__name__)

    def base_endpoint(func):
        @functools.wraps(func)
        async def wrapper(*args, **kwargs):
            try:
                return await func(*args, **kwargs)
            except Exception as e:
                logger.error(f"Error in {func.__name__}: {e}", exc_info=True)
                raise HTTPException(status_code=500, detail=str(e)) from e
        return wrapper
    """), "app/api/base.py")
    assert wrapper.logs_http_exceptions()
    code = """
    from fastapi import HTTPException

    async def create_collection(db, name):
        try:
            return await db.insert(name)
        except Exception as e:
            raise HTTPException(status_code=500, detail=f"An error occurred: {e}") from e
    """
    assert _lines(UnloggedErrorResponse, code, path="app/db/collections.py", facts=wrapper) == []
    assert _lines(UnloggedErrorResponse, code, path="app/db/collections.py") == [8]


def test_http_errors_raised_in_a_workflow_step_answer_no_client() -> None:
    code = """
    from fastapi import HTTPException

    class IngestWorkflow:
        @orchestrator.step(timeout="60m")
        async def parse(self, context):
            try:
                return await self.service.parse(context.input)
            except Exception as e:
                raise HTTPException(status_code=500, detail=f"Error during ingestion: {str(e)}")

    async def parse_now(service, data):
        try:
            return await service.parse(data)
        except Exception as e:
            raise HTTPException(status_code=500, detail=f"Error during ingestion: {str(e)}")
    """
    assert _lines(ExceptionLeak, code) == [16]
    assert _lines(UnloggedErrorResponse, code) == [16]


def test_a_password_default_equal_to_the_user_default_is_a_local_default() -> None:
    code = """
    class DBConfiguration:
        def __init__(self, host="localhost", user="postgres", password="postgres"):
            self.password = password

    class Other:
        def __init__(self, host="localhost", user="postgres", password="Xk2!pq9Lw"):
            self.password = password
    """
    assert _lines(HardcodedSecret, code, path="app/config_db.py") == [7]


def test_a_product_word_as_an_environment_default_for_an_api_key_is_a_tag() -> None:
    code = """
    import os
    from openai import OpenAI

    local = OpenAI(api_key=os.getenv("LMSTUDIO_API_KEY", "lm-studio"), base_url="http://localhost:1234/v1")
    remote = OpenAI(api_key=os.getenv("OPENAI_API_KEY", "sk-proj-9fKq2LxA7bN4wZ8rT1vY"))
    """
    assert _lines(HardcodedSecret, code, path="app/llm.py") == [6]


def test_a_module_whose_entry_point_is_a_click_group_is_a_command_line_program() -> None:
    from backlint.rules.reliability.request_without_timeout import RequestWithoutTimeout

    program = """
    import click
    import requests

    def netblocks(url):
        return requests.get(url).text

    @click.group()
    def main():
        pass
    """
    library = """
    import requests

    def netblocks(url):
        return requests.get(url).text
    """
    assert _lines(RequestWithoutTimeout, program, path="mirrors/utility/netblocks.py") == []
    assert _lines(RequestWithoutTimeout, library, path="mirrors/lib/netblocks.py") == [5]


def test_a_helper_that_adds_a_row_to_a_table_on_screen_is_not_a_write() -> None:
    code = """
    def report(console, session, statuses):
        table = Table(title="Propagation")
        for repo_id in sorted(statuses):
            repo = session.get(Repository, repo_id)
            table.add_row(repo.prefix)
        console.print(table)
    """
    assert _lines(QueryInLoop, code) == [5]


def test_a_built_url_whose_literal_start_names_this_machine_is_local() -> None:
    from backlint.rules.reliability.request_without_timeout import RequestWithoutTimeout

    code = """
    import requests

    def probe(port, host):
        requests.get("http://localhost:{0}/version".format(port))
        requests.get(f"http://127.0.0.1:{port}/ping")
        requests.get(f"http://{host}:{port}/ping")
        requests.get("http://localhost.example.com/" + port)
    """
    assert _lines(RequestWithoutTimeout, code) == [7, 8]


def test_rows_of_a_relation_to_a_model_the_scan_did_not_see_keep_their_columns() -> None:
    facts = facts_from_text(
        "from django.db import models\n\n"
        "class Contact(models.Model):\n"
        "    email = models.EmailField()\n"
        "    profile = models.ForeignKey(Profile, on_delete=models.CASCADE)\n\n"
        "class Verification(models.Model):\n"
        "    email = models.OneToOneField(Contact, on_delete=models.CASCADE)\n",
        "accounts/models.py",
    )
    code = """
    from django.db import models

    def members(org):
        return [(user.email, user.profile) for user in org.usergroup.user_set.all()]
    """
    assert _lines(QueryInLoop, code, path="accounts/views.py", facts=facts) == [5]


def test_a_module_named_for_the_development_server_runs_in_development() -> None:
    from backlint.frameworks.project import is_dev_path

    assert is_dev_path("runserver.py") and is_dev_path("tools/runserver.py")
    assert not is_dev_path("app/server.py")
    from backlint.rules.errors.debug_enabled import DebugEnabled

    code = """
    from myapp import app

    app.debug = True
    app.run(host="0.0.0.0", port=5000)
    """
    assert _lines(DebugEnabled, code, path="runserver.py") == []
    assert _lines(DebugEnabled, code, path="serve.py") == [4]  # (on every interface; a loopback launcher is left alone)
