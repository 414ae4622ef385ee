"""Precision fixes from held-out round 25, each with the case that stays flagged beside it."""

from __future__ import annotations

import textwrap

from backlint.analysis import analyze_text
from backlint.frameworks.project import EMPTY, facts_from_text
from backlint.frameworks.secrets import is_placeholder
from backlint.rules.api.logic_in_route_handler import LogicInRouteHandler
from backlint.rules.errors.exception_leak import ExceptionLeak
from backlint.rules.errors.swallowed_exception import SwallowedException
from backlint.rules.errors.unlogged_error_response import UnloggedErrorResponse
from backlint.rules.reliability.blocking_call_in_async import BlockingCallInAsync


def _lines(rule: type, code: str, path: str = "app/services.py", facts=EMPTY) -> list[int]:  # type: ignore[no-untyped-def]
    result = analyze_text(path, textwrap.dedent(code), [(rule, {})], facts)
    assert not result.notifications, result.notifications
    return [f.region.start_line for f in result.findings]


def test_atomic_requests_set_on_the_databases_entry_is_seen() -> None:
    facts = facts_from_text('DATABASES = {"default": env.db()}\nDATABASES["default"]["ATOMIC_REQUESTS"] = True\n', "config/settings/base.py")
    assert facts.atomic_requests
    assert not facts_from_text('DATABASES["default"]["ATOMIC_REQUESTS"] = False\n', "config/settings/base.py").atomic_requests


def test_building_a_schema_named_for_a_change_changes_nothing() -> None:
    code = """
    def samples(rows):
        out = []
        for row in rows:
            try:
                out.append(TimeSeriesSampleCreate(value=int(row["v"])))
            except Exception:
                pass
        return out

    def store(rows):
        for row in rows:
            try:
                create_sample(value=int(row["v"]))
            except Exception:
                pass
    """
    assert _lines(SwallowedException, code) == [15]


def test_not_implemented_answered_501_is_the_capabilitys_answer() -> None:
    code = """
    from fastapi import HTTPException

    async def list_subscriptions(strategy):
        try:
            return await strategy.webhooks.list_subscriptions()
        except NotImplementedError as e:
            raise HTTPException(status_code=501, detail=str(e))

    async def create_subscription(strategy):
        try:
            return await strategy.webhooks.create_subscription()
        except Exception as e:
            raise HTTPException(status_code=500, detail=str(e))
    """
    assert _lines(UnloggedErrorResponse, code) == [14]


def test_botocores_error_code_is_a_code_not_text() -> None:
    code = """
    from fastapi import HTTPException

    def check(s3, bucket):
        try:
            s3.head_bucket(Bucket=bucket)
        except ClientError as e:
            code = e.response["Error"]["Code"]
            raise HTTPException(status_code=400, detail=f"S3 bucket error: {code}")

    def check_more(s3, bucket):
        try:
            s3.head_bucket(Bucket=bucket)
        except ClientError as e:
            raise HTTPException(status_code=400, detail=f"S3 bucket error: {e.response['Error']['Message']}")
    """
    assert _lines(ExceptionLeak, code) == [15]


def test_mask_characters_and_negated_words_are_placeholders() -> None:
    assert is_placeholder("••••••••")
    assert is_placeholder("not-active") and is_placeholder("no-check")
    assert not is_placeholder("notorious-Kq82") and not is_placeholder("n0t-a5ecret9")


def test_presigning_a_url_sends_nothing() -> None:
    code = """
    import boto3

    class Storage:
        def __init__(self):
            self.s3 = boto3.client("s3")

        async def url(self, key):
            return self.s3.generate_presigned_url("get_object", Params={"Key": key})

        async def size(self, key):
            return self.s3.head_object(Key=key)["ContentLength"]
    """
    assert _lines(BlockingCallInAsync, code, path="app/storage.py") == [12]


def test_a_health_check_probes_every_dependency_it_reports_on() -> None:
    body = """
        status = {}
        status["db"] = await db.execute("SELECT 1")
        status["redis"] = await redis.ping()
        status["storage"] = await storage.list_buckets()
        status["queue"] = await redis.llen("jobs")
        status["documents"] = await db.execute("SELECT count(*) FROM documents")
        if not all(status.values()):
            return {"status": "degraded", **status}
        return {"status": "ok", **status}
    """
    code = (
        "from fastapi import FastAPI\n\napp = FastAPI()\n\n"
        '@app.get("/health")\nasync def health_check(db, redis, storage):' + textwrap.dedent(body).replace("\n", "\n    ")
        + '\n@app.get("/documents/summary")\nasync def summary(db, redis, storage):' + textwrap.dedent(body).replace("\n", "\n    ")
    )
    assert _lines(LogicInRouteHandler, code, path="app/routes.py") == [18]


def test_rows_of_an_awaited_query_result_are_stored_values() -> None:
    from backlint.rules.database.sql_string_building import SqlStringBuilding

    code = """
    from sqlalchemy import text

    async def scrub(session, batch_size):
        id_result = await session.execute(text(f"SELECT external_id FROM documents LIMIT {batch_size}"))
        for row in id_result.all():
            await session.execute(text(f"UPDATE documents SET doc_metadata = '{{}}' WHERE external_id = '{row[0]}'"))

    async def rename(session, name):
        await session.execute(text(f"UPDATE documents SET title = '{name}'"))
    """
    assert _lines(SqlStringBuilding, code) == [10]
