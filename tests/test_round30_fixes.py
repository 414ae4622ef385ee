"""Precision fixes from held-out round 30, each with the case that stays flagged beside it."""

from __future__ import annotations

from backlint.rules.database.writes_without_transaction import WritesWithoutTransaction
from backlint.rules.reliability.request_without_timeout import RequestWithoutTimeout
from conftest import finding_lines


def test_a_session_with_the_projects_adapter_mounted_may_have_a_default_timeout() -> None:
    from backlint.frameworks.project import facts_from_text

    adapters = facts_from_text(
        "from requests.adapters import HTTPAdapter\n\n"
        "class TimeoutHTTPAdapter(HTTPAdapter):\n"
        "    def send(self, request, **kwargs):\n"
        "        kwargs.setdefault('timeout', self.timeout)\n"
        "        return super().send(request, **kwargs)\n\n"
        "class CiphersAdapter(HTTPAdapter):\n"
        "    def init_poolmanager(self, *args, **kwargs):\n"
        "        kwargs['ssl_context'] = self.context\n"
        "        return super().init_poolmanager(*args, **kwargs)\n",
        "app/utils/requests.py",
    )
    assert adapters.timeout_adapters == {"TimeoutHTTPAdapter"}
    code = """
    import requests
    from requests.adapters import HTTPAdapter
    from app.utils.requests import TimeoutHTTPAdapter

    class StoreClient:
        def __init__(self, url):
            self.url = url
            self.session = requests.Session()
            self.session.mount(self.url, TimeoutHTTPAdapter(30, 3))

        def store(self, event):
            return self.session.post(self.url, json=event)

    class PlainClient:
        def __init__(self, url):
            self.url = url
            self.session = requests.Session()
            self.session.mount("https://", HTTPAdapter(max_retries=3))

        def store(self, event):
            return self.session.post(self.url, json=event)
    """
    assert finding_lines(RequestWithoutTimeout, code, "app/stores/http.py", facts=adapters) == [22]
    ciphers = code.replace("TimeoutHTTPAdapter", "CiphersAdapter")
    assert finding_lines(RequestWithoutTimeout, ciphers, "app/stores/http.py", facts=adapters) == [13, 22]


def test_a_top_level_samples_folder_holds_hand_run_demos() -> None:
    code = """
    import requests

    def confirm(url):
        return requests.put(url)
    """
    assert finding_lines(RequestWithoutTimeout, code, "samples/zaqar/subscriber_service_sample.py") == []
    assert finding_lines(RequestWithoutTimeout, code, "lims/samples/services.py") == [5]


def test_data_loaders_pull_from_other_services_in_the_background() -> None:
    code = """
    from django.db import IntegrityError

    from app.models import Course, CourseRun

    class CoursesApiDataLoader:
        def ingest(self, body):
            course = Course.objects.create(title=body["title"])
            CourseRun.objects.create(course=course, key=body["key"])
    """
    assert finding_lines(WritesWithoutTransaction, code, "app/course_metadata/data_loaders/api.py") == []
    assert finding_lines(WritesWithoutTransaction, code, "app/course_metadata/api.py") == [9]


def test_a_relation_of_self_or_a_parameter_some_query_prefetches_is_the_callers() -> None:
    import textwrap

    from backlint.frameworks.project import facts_from_text
    from backlint.rules.database.query_in_loop import QueryInLoop

    models = textwrap.dedent("""
    from django.db import models

    class SeatType(models.Model):
        name = models.CharField(max_length=20)

    class Course(models.Model):
        title = models.CharField(max_length=20)

        def seat_types(self):
            return [seat.type.name for seat in self.seats.all()]

        def currencies(self):
            return [seat.currency.code for seat in self.seats.all()]

    class Seat(models.Model):
        course = models.ForeignKey(Course, related_name="seats", on_delete=models.CASCADE)
        type = models.ForeignKey(SeatType, on_delete=models.CASCADE)
        currency = models.ForeignKey("Currency", on_delete=models.CASCADE)
    """)
    views = textwrap.dedent("""
    from rest_framework import viewsets

    PREFETCH_FIELDS = ["seats__type"]

    class CourseViewSet(viewsets.ModelViewSet):
        def get_queryset(self):
            return Course.objects.prefetch_related(*PREFETCH_FIELDS)
    """)
    facts = facts_from_text(models, "app/models.py").merged(facts_from_text(views, "app/views.py"))
    assert sorted(facts.eager_lookups) == [("seats", "type")]
    assert finding_lines(QueryInLoop, models, "app/models.py", facts=facts) == [14]


def test_base_settings_a_deployment_file_updates_in_production() -> None:
    from backlint.frameworks.project import facts_from_text
    from backlint.rules.configuration.hardcoded_secret import HardcodedSecret

    base = """
    SOCIAL_AUTH_EDX_OAUTH2_SECRET = "d7Fq2LmZ8vR4nT1w"
    """
    production = """
    import yaml
    from course_discovery.settings.base import *

    with open(CONFIG_FILE) as f:
        config_from_yaml = yaml.safe_load(f)
        vars().update(config_from_yaml)
    """
    import textwrap

    updated = facts_from_text(textwrap.dedent(production), "course_discovery/settings/production.py")
    assert finding_lines(HardcodedSecret, base, "course_discovery/settings/base.py", facts=updated) == []
    plain = facts_from_text(textwrap.dedent(production).replace("vars().update(config_from_yaml)", "pass"),
                            "course_discovery/settings/production.py")
    assert finding_lines(HardcodedSecret, base, "course_discovery/settings/base.py", facts=plain) == [2]


def test_a_namespaced_resource_type_is_a_label() -> None:
    from backlint.rules.configuration.hardcoded_secret import HardcodedSecret

    code = """
    _ACCESS_TOKEN = "OS-OAUTH1:access_token"
    _REQUEST_TOKEN = "OS-OAUTH1:request_token"
    _SIGNING_KEY = "OS-OAUTH1:k9Xq2LmZ7vB4nR8tW1yE"
    """
    assert finding_lines(HardcodedSecret, code, "keystone/oauth1/core.py") == [4]


def test_an_http_error_raised_inside_a_try_whose_broad_handler_logs_and_reraises_is_logged() -> None:
    from backlint.rules.errors.unlogged_error_response import UnloggedErrorResponse

    code = """
    import asyncio
    import logging

    from aiohttp import web

    logger = logging.getLogger(__name__)

    async def upload(request):
        cid = await request.app["ipfs"].add(await request.read())
        try:
            try:
                stats = await asyncio.wait_for(request.app["ipfs"].stat(cid), 5)
            except TimeoutError:
                raise web.HTTPGatewayTimeout(reason="Timed out waiting for IPFS stat")
            return web.json_response(stats)
        except Exception:
            logger.warning("Post-pin failure for %s", cid)
            raise

    async def download(request):
        cid = request.match_info["cid"]
        try:
            try:
                stats = await asyncio.wait_for(request.app["ipfs"].stat(cid), 5)
            except TimeoutError:
                raise web.HTTPGatewayTimeout(reason="Timed out waiting for IPFS stat")
            return web.json_response(stats)
        except Exception:
            return web.json_response({"error": "unavailable"}, status=503)
    """
    assert finding_lines(UnloggedErrorResponse, code, "app/web/controllers/ipfs.py") == [27, 30]


def test_a_command_lines_debug_flag_on_self_is_no_web_debug_mode() -> None:
    from backlint.rules.errors.debug_enabled import DebugEnabled

    code = """
    import getopt

    class Pcache:
        def parse_args(self, args):
            opts, args = getopt.getopt(args, "d")
            for opt, arg in opts:
                if opt in ("-d", "--debug"):
                    self.debug = True
    """
    assert finding_lines(DebugEnabled, code, "lib/rucio/common/pcache.py") == []
    served = code.replace("import getopt", "import getopt\n    from flask import Flask")
    assert finding_lines(DebugEnabled, served, "app/server.py") == [10]


def test_a_settings_overlay_switching_debug_on_is_a_development_environment() -> None:
    from backlint.rules.configuration.hardcoded_service_address import HardcodedServiceAddress

    code = """
    from course_discovery.settings.production import *

    DEBUG = True

    CACHES = {"default": {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": "redis://edx.devstack.redis:6379/1"}}
    """
    assert finding_lines(HardcodedServiceAddress, code, "course_discovery/settings/devstack.py") == []
    # (`edx.devstack.redis` names the developers' stack wherever it is written: a staging overlay's own host is reported)
    production = code.replace("DEBUG = True", "DEBUG = False").replace("edx.devstack.redis", "cache.stage.edx.org")
    assert finding_lines(HardcodedServiceAddress, production, "course_discovery/settings/staging.py") == [6]


def test_a_filtered_relation_is_a_new_query_no_prefetch_serves() -> None:
    import textwrap

    from backlint.frameworks.project import facts_from_text
    from backlint.rules.database.query_in_loop import QueryInLoop

    models = textwrap.dedent("""
    from django.db import models

    class Course(models.Model):
        def seat_types(self):
            return [seat.type.name for seat in self.seats.filter(active=True)]

    class Seat(models.Model):
        course = models.ForeignKey(Course, related_name="seats", on_delete=models.CASCADE)
        type = models.ForeignKey("SeatType", on_delete=models.CASCADE)
    """)
    facts = facts_from_text(models, "app/models.py").merged(facts_from_text('PREFETCH = ["seats__type"]\n', "app/views.py"))
    assert finding_lines(QueryInLoop, models, "app/models.py", facts=facts) == [6]


def test_a_flag_set_before_the_try_and_reported_after_it_answers_the_failure() -> None:
    from backlint.rules.errors.swallowed_exception import SwallowedException

    code = """
    def poke_all(devices, out):
        for d in devices:
            success = False
            try:
                success, _ = send_notification(d)
            except Exception:
                pass
            if success:
                out.write("OK")
            else:
                out.write("Failure")

    def poke_quietly(devices, out):
        for d in devices:
            success = False
            try:
                success, _ = send_notification(d)
            except Exception:
                pass
            if success:
                out.write("OK")
    """
    assert finding_lines(SwallowedException, code, "app/notify.py") == [19]


def test_a_validator_methods_4xx_says_the_value_is_invalid() -> None:
    from backlint.rules.errors.unlogged_error_response import UnloggedErrorResponse

    code = """
    from rest_framework import serializers

    class S3Serializer(serializers.Serializer):
        def validate_cloudfront_privkey_pem(self, value):
            try:
                load_cloudfront_private_key(value)
            except Exception:
                raise serializers.ValidationError("Invalid private key.")
            return value

        def validate_file_uri(self, value):
            try:
                requests.get(value, timeout=5).raise_for_status()
            except Exception:
                raise serializers.ValidationError("Could not download.")
            return value
    """
    code = "import requests\n" + code.replace("\n    ", "\n")
    assert finding_lines(UnloggedErrorResponse, code, "app/serializers.py") == [17]


def test_a_url_without_a_host_is_this_machines_default() -> None:
    from backlint.rules.configuration.hardcoded_secret import HardcodedSecret

    code = """
    SWIFT_URI = "swift://demo:nomoresecrete@/demo"
    BROKER_URI = "swift://demo:nomoresecrete@swift.internal.example.net/demo"
    """
    assert finding_lines(HardcodedSecret, code, "zaqar/conf/swift.py") == [3]


def test_creating_a_directory_that_may_exist_is_expected_to_fail() -> None:
    from backlint.rules.errors.swallowed_exception import SwallowedException

    code = """
    def rename(ctx, path, new_path):
        try:
            ctx.mkdir_rec(dirname(new_path), 0o775)
        except Exception:
            pass
        return ctx.rename(path, new_path)

    def upload(ctx, path, data):
        try:
            ctx.put(path, data)
        except Exception:
            pass
    """
    assert finding_lines(SwallowedException, code, "app/storage.py") == [12]
