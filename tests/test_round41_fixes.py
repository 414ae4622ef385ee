"""Precision fixes from held-out round 41, each with the case that stays flagged beside it."""

from __future__ import annotations

import textwrap

from backlint.frameworks.project import ProjectFacts, facts_from_text
from backlint.rules.reliability.request_without_timeout import RequestWithoutTimeout
from conftest import finding_lines


def _facts(*files: tuple[str, str]) -> ProjectFacts:
    return ProjectFacts.combined(facts_from_text(textwrap.dedent(text), path) for path, text in files)


# A report job run as `python notebookreport.py`: it builds a Flask application only for its
# configuration, and its `__main__` block is the only caller of the chain that reaches the
# helper module's HTTP call.
REPORT_JOB = """
from flask import Flask
from util.helpers import get_auth_token

def create_app():
    return Flask(__name__)

def send_report():
    token = get_auth_token()
    return token

if __name__ == "__main__":
    send_report()
"""

HELPERS = """
import requests

def get_auth_token():
    return requests.post("https://auth.example.org/token", data={"grant_type": "client_credentials"}).json()
"""


def test_what_only_a_jobs_main_block_calls_is_the_operators() -> None:
    facts = _facts(("jobs/report/notebookreport.py", REPORT_JOB), ("jobs/report/util/helpers.py", HELPERS))
    assert finding_lines(RequestWithoutTimeout, HELPERS, path="jobs/report/util/helpers.py", facts=facts) == []


def test_a_servers_main_block_does_not_make_its_callees_the_operators() -> None:
    server = REPORT_JOB.replace('    send_report()', '    send_report()\n    create_app().run()')
    facts = _facts(("jobs/report/server.py", server), ("jobs/report/util/helpers.py", HELPERS))
    assert finding_lines(RequestWithoutTimeout, HELPERS, path="jobs/report/util/helpers.py", facts=facts) == [5]


def test_a_module_that_asks_its_user_at_top_level_is_a_program() -> None:
    code = """
    import requests

    API = "https://api.example.org"

    def status(item):
        return requests.get(API + "/messages/" + item).json()

    for item in ("a", "b"):
        print(status(item))
        if input("Delete? y/n ").lower() == "y":
            requests.delete(API + "/messages/" + item)
    """
    assert finding_lines(RequestWithoutTimeout, code, path="app/garbage_collector.py") == []
    library = code.replace('input("Delete? y/n ").lower() == "y"', "item")
    assert finding_lines(RequestWithoutTimeout, library, path="app/garbage_collector.py") == [7, 12]


def test_a_fragment_deriving_from_a_class_it_never_imports_is_not_the_services() -> None:
    code = """
    import urllib.request

    class ExtendedPacketHandler(PacketHandler):
        def post_message(self, uri, data):
            return urllib.request.urlopen(urllib.request.Request(uri, data, self.headers)).read()
    """
    assert finding_lines(RequestWithoutTimeout, code, path="app/data/agent/comms.py") == []
    imported = "from app.agent import PacketHandler\n" + textwrap.dedent(code)
    assert finding_lines(RequestWithoutTimeout, imported, path="app/data/agent/comms.py") == [7]


def test_a_blockchain_address_is_not_a_secret() -> None:
    from backlint.rules.configuration.hardcoded_secret import HardcodedSecret

    code = """
    CHAINS = {
        "ETH": ChainInfo(chain_id=1, standard_token="0x27702a26126e0B3702af63Ee09aC4d1A084EF628"),
        "AVAX": ChainInfo(chain_id=43114, super_token="0xc0Fbc4967259786C743361a5885ef49380473dCF"),
    }
    WALLET_PRIVATE_KEY = "0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"
    """
    assert finding_lines(HardcodedSecret, code, path="app/chain.py") == [6]


VIEWS_BASE = """
from rest_framework.pagination import PageNumberPagination

class JsonApiPagination(PageNumberPagination):
    page_size = 8

class JsonApiViewMixin(AutoPrefetchMixin):
    pagination_class = JsonApiPagination
"""

SETTINGS = """
REST_FRAMEWORK = {"DEFAULT_AUTHENTICATION_CLASSES": []}
"""


def test_a_list_view_inherits_pagination_from_the_projects_mixin() -> None:
    from backlint.rules.api.unpaginated_list_endpoint import UnpaginatedListEndpoint

    code = """
    from rest_framework.generics import ListAPIView
    from app.utils.views import JsonApiViewMixin

    class ActivityList(JsonApiViewMixin, ListAPIView):
        queryset = Activity.objects.all()
        serializer_class = ActivitySerializer

    class CommentList(ListAPIView):
        queryset = Comment.objects.all()
        serializer_class = CommentSerializer
    """
    facts = _facts(("app/utils/views.py", VIEWS_BASE), ("app/settings.py", SETTINGS), ("app/activities/views.py", code))
    assert finding_lines(UnpaginatedListEndpoint, code, path="app/activities/views.py", facts=facts) == [9]


MODELS = """
from django.db import models

class Slot(models.Model):
    start = models.DateTimeField()

class Participant(models.Model):
    slot = models.ForeignKey(Slot, related_name="participants", on_delete=models.CASCADE)

class Contribution(models.Model):
    participant = models.ForeignKey(Participant, related_name="contributions", on_delete=models.CASCADE)

class Activity(models.Model):
    segments = models.ManyToManyField("Segment", related_name="activities")
"""


def test_rows_of_a_relation_loaded_to_be_written_are_not_n_plus_one() -> None:
    from backlint.rules.database.query_in_loop import QueryInLoop

    code = """
    def reschedule(slot):
        for participant in Participant.objects.filter(slot=slot):
            for contribution in participant.contributions.all():
                contribution.start = slot.start
                contribution.save()

    def unlink(pk_set):
        for activity in Activity.objects.filter(open=True):
            for segment in activity.segments.filter(pk__in=pk_set):
                activity.segments.remove(segment)

    def starts(slot):
        for participant in Participant.objects.filter(slot=slot):
            for contribution in participant.contributions.all():
                print(contribution.start)
    """
    facts = _facts(("app/models.py", MODELS))
    assert finding_lines(QueryInLoop, code, path="app/effects.py", facts=facts) == [15]


def test_a_row_updated_when_it_changed_is_loaded_to_be_written() -> None:
    from backlint.rules.database.query_in_loop import QueryInLoop

    code = """
    def store_sizing(sizing_by_slug):
        for slug, result in sizing_by_slug.items():
            experiment = NimbusExperiment.objects.get(slug=slug)
            if experiment.sizing_data != result:
                experiment.sizing_data = result
                experiment.save(update_fields=["sizing_data"])

    def report_sizing(sizing_by_slug):
        for slug, result in sizing_by_slug.items():
            experiment = NimbusExperiment.objects.get(slug=slug)
            if experiment.sizing_data != result:
                print(slug)
    """
    assert finding_lines(QueryInLoop, code, path="app/tasks.py") == [11]


def test_a_row_loaded_with_an_annotation_to_be_deleted_when_there() -> None:
    from backlint.rules.database.query_in_loop import QueryInLoop

    code = """
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    def delete_all(db: Session, modules):
        for module in modules:
            db_module: Module = db.scalars(select(Module).where(Module.id == module.id)).first()
            if db_module:
                db.delete(db_module)

    def names(db: Session, modules):
        for module in modules:
            db_module: Module = db.scalars(select(Module).where(Module.id == module.id)).first()
            print(db_module.name)
    """
    assert finding_lines(QueryInLoop, code, path="app/services.py") == [13]


def test_a_parser_class_named_with_an_acronym_parses() -> None:
    from backlint.rules.errors.unlogged_error_response import UnloggedErrorResponse
    from backlint.syntax import name_parts

    assert name_parts("JEXLParser") == ["jexl", "parser"]
    assert name_parts("OAuthToken") == ["oauth", "token"]
    code = """
    from rest_framework import serializers

    class ExperimentSerializer(serializers.Serializer):
        def _validate_targeting_parses(self, data):
            try:
                JEXLParser().parse(self.instance.targeting)
            except Exception as e:
                raise serializers.ValidationError("cannot parse the targeting") from e
            return data

        def _validate_branches(self, data):
            try:
                BranchStore().load(self.instance.slug)
            except Exception as e:
                raise serializers.ValidationError("cannot load the branches") from e
            return data
    """
    assert finding_lines(UnloggedErrorResponse, code, path="app/serializers.py") == [16]


def test_a_django_manager_handed_on_runs_no_query() -> None:
    from backlint.rules.database.query_in_loop import QueryInLoop

    models = """
    from django.db import models

    class SegmentType(models.Model):
        name = models.CharField(max_length=100)

    class Segment(models.Model):
        segment_type = models.ForeignKey(SegmentType, related_name="segments", on_delete=models.CASCADE)
        owner = models.OneToOneField("Member", related_name="own_segment", on_delete=models.CASCADE)
    """
    code = """
    from django import forms

    def segment_fields(fields):
        for segment_type in SegmentType.objects.all():
            fields[segment_type.name] = forms.ModelChoiceField(queryset=segment_type.segments)

    def segment_names():
        return [[s.name for s in segment_type.segments.all()] for segment_type in SegmentType.objects.all()]
    """
    facts = _facts(("app/models.py", models))
    assert finding_lines(QueryInLoop, code, path="app/forms.py", facts=facts) == [9]


# Round 42


def test_exception_text_shown_only_in_debug_by_a_conditional_expression_is_left_alone() -> None:
    from backlint.rules.errors.exception_leak import ExceptionLeak

    code = """
    from django.conf import settings
    from rest_framework.decorators import api_view
    from rest_framework.response import Response

    @api_view(["POST"])
    def find_themes(request):
        try:
            start_job(request.data)
        except Exception as e:
            return Response({"error": "Failed to start", "detail": str(e) if settings.DEBUG else "An unexpected error occurred"}, status=500)
        return Response(status=202)

    @api_view(["POST"])
    def export(request):
        try:
            start_job(request.data)
        except Exception as e:
            return Response({"error": "Failed to start", "detail": str(e) if request.data.get("verbose") else "failed"}, status=500)
        return Response(status=202)
    """
    assert finding_lines(ExceptionLeak, code, path="app/views.py") == [19]


def test_debug_in_a_configuration_class_for_migration_runs_is_left_alone() -> None:
    from backlint.rules.errors.debug_enabled import DebugEnabled

    code = """
    class Config:
        DEBUG = False

    class MigrationConfig(Config):
        DEBUG = True

    class ProdConfig(Config):
        DEBUG = True
    """
    assert finding_lines(DebugEnabled, code, path="api/config.py") == [9]


def test_a_key_named_for_tests_in_a_test_configuration_class_is_left_alone() -> None:
    from backlint.rules.configuration.hardcoded_secret import HardcodedSecret

    key = "-----BEGIN RSA PRIVATE KEY-----\\\\nMIICXQIBAAKBgQDfn1nKQshOSj8xw44oC2klFWSNLmK3BnHONCJ1bZfq0EQ5gIfg\\\\n-----END RSA PRIVATE KEY-----"
    code = f"""
    import textwrap

    class TestConfig:
        JWT_OIDC_TEST_MODE = True
        JWT_OIDC_TEST_PRIVATE_KEY_PEM = textwrap.dedent("{key}")
        SIGNING_PRIVATE_KEY_PEM = "{key}"

    class ProdConfig:
        JWT_OIDC_TEST_PRIVATE_KEY_PEM = "{key}"
    """
    assert finding_lines(HardcodedSecret, code, path="api/config.py") == [7, 10]


def test_a_module_of_top_level_code_that_prints_is_a_program_for_every_rule() -> None:
    from backlint.rules.database.sql_string_building import SqlStringBuilding

    code = """
    import csv
    import psycopg2

    conn = psycopg2.connect(DSN)
    cur = conn.cursor()
    for row in csv.reader(open("restricted_words.csv")):
        cur.execute(f"INSERT INTO restricted_word (word) VALUES ('{row[0]}')")
    print("done")
    """
    assert finding_lines(SqlStringBuilding, code, path="utils/refresh_words.py") == []
    library = code.replace('print("done")', 'def done():\n        print("done")')
    assert finding_lines(SqlStringBuilding, library, path="utils/refresh_words.py") == [8]


def test_a_many_valued_relation_is_advised_prefetch_related_only() -> None:
    from backlint.analysis import analyze_text
    from backlint.rules.database.query_in_loop import QueryInLoop

    models = """
    from django.db import models

    class Organization(models.Model):
        members = models.ManyToManyField("User", related_name="organizations")
        owner = models.ForeignKey("User", related_name="owned", on_delete=models.CASCADE)
    """
    code = textwrap.dedent("""
    def report():
        for org in Organization.objects.all():
            print(org.owner.name, [m.name for m in org.members.all()])
    """)
    result = analyze_text("app/report.py", code, [(QueryInLoop, {})], _facts(("app/models.py", models)))
    messages = sorted(f.message for f in result.findings)
    assert len(messages) == 2
    assert 'add `prefetch_related("members")` to the query' in messages[0] and "select_related" not in messages[0]
    assert 'add `select_related("owner")` or `prefetch_related("owner")`' in messages[1]


def test_a_read_beside_an_object_store_write_each_pass_is_the_loops_design() -> None:
    from backlint.rules.database.query_in_loop import QueryInLoop

    code = """
    import json

    def export_themes(s3, consultation):
        for question in consultation.question_set.filter(has_free_text=True):
            themes = CandidateTheme.objects.filter(question=question)
            if not themes.exists():
                continue
            s3.put_object(Bucket="exports", Key=f"{question.pk}.json", Body=json.dumps(list(themes.values())))

    def count_themes(consultation):
        for question in consultation.question_set.filter(has_free_text=True):
            print(CandidateTheme.objects.filter(question=question).count())
    """
    assert finding_lines(QueryInLoop, code, path="app/sync.py") == [13]


# Round 43


def test_a_loop_over_one_row_or_over_model_classes_is_not_n_plus_one() -> None:
    from backlint.rules.database.query_in_loop import QueryInLoop

    models = """
    from django.db import models

    class Overview(models.Model):
        country = models.ForeignKey("Country", on_delete=models.CASCADE)

    class Item(models.Model):
        children = models.ManyToManyField("Child", related_name="items")
    """
    code = """
    def export(per):
        for overview in Overview.objects.filter(id=per.id):
            print(overview.country.name)

    def translate(models_to_translate):
        for model in models_to_translate:
            qs = model.objects.filter(translated=False)
            print(qs.count())

    def report(items):
        for item in Item.objects.all():
            qs = item.children.filter(active=True)
            print(qs.count())

    def countries():
        for overview in Overview.objects.filter(year=2024):
            print(overview.country.name)
    """
    facts = _facts(("app/models.py", models))
    assert finding_lines(QueryInLoop, code, path="app/export.py", facts=facts) == [13, 18]


def test_requests_other_than_get_run_atomic_under_reversions_middleware() -> None:
    from backlint.rules.database.writes_without_transaction import WritesWithoutTransaction

    settings = """
    MIDDLEWARE = [
        "django.middleware.common.CommonMiddleware",
        "reversion.middleware.RevisionMiddleware",
    ]
    """
    code = """
    from django.views.decorators.http import require_GET, require_POST
    from rest_framework import serializers

    class DrefSerializer(serializers.ModelSerializer):
        def create(self, validated_data):
            dref = Dref.objects.create(**validated_data)
            DrefFile.objects.create(dref=dref, name="summary")
            return dref

    @require_GET
    def open_dref(request, token):
        dref = Dref.objects.create(token=token)
        DrefFile.objects.create(dref=dref, name="summary")
        return dref
    """
    facts = _facts(("main/settings.py", settings))
    assert finding_lines(WritesWithoutTransaction, code, path="dref/views.py", facts=facts) == [14]
    assert finding_lines(WritesWithoutTransaction, code, path="dref/views.py") == [8, 14]


VIEWS = """
from rest_framework.response import Response
from rest_framework.views import APIView

class CreateOverview(APIView):
    def post(self, request):
        overview = Overview.objects.create(country_id=request.data["country"], notes=request.data["notes"])
        return Response({"id": overview.id}, status=201)

class UpdateOverview(APIView):
    def post(self, request):
        overview = Overview.objects.create(country_id=request.data["country"], notes=request.data["notes"])
        return Response({"id": overview.id}, status=201)
"""

URLS = """
from django.urls import path
from per import views

urlpatterns = [path("per/overview/", views.UpdateOverview.as_view())]
"""


def test_a_view_class_no_file_names_is_dead_code() -> None:
    from backlint.rules.api.unvalidated_request_input import UnvalidatedRequestInput

    facts = _facts(("per/views.py", VIEWS), ("per/urls.py", URLS))
    assert finding_lines(UnvalidatedRequestInput, VIEWS, path="per/views.py", facts=facts) == [12]
    # Without the project's URL configuration in the scan, every view counts.
    assert finding_lines(UnvalidatedRequestInput, VIEWS, path="per/views.py", facts=_facts(("per/views.py", VIEWS))) == [7, 12]


def test_a_route_handler_is_never_the_operators_whatever_namesake_a_job_calls() -> None:
    routes_module = """
    from flask import Blueprint
    from app.filings import FilingResource

    bp = Blueprint("filings", __name__)

    @bp.route("/<identifier>/filings", methods=["GET"])
    def get_filings(identifier):
        return FilingResource.get_single_filing(identifier)
    """
    resource = """
    import requests

    class FilingResource:
        @staticmethod
        def get_single_filing(identifier):
            return requests.get(f"https://pay.example.org/{identifier}").json()
    """
    job = """
    from worker.client import get_filings

    def run():
        while get_filings("token"):
            pass

    if __name__ == "__main__":
        run()
    """
    facts = _facts(("app/routes.py", routes_module), ("app/filings.py", resource), ("jobs/update/worker.py", job))
    assert finding_lines(RequestWithoutTimeout, resource, path="app/filings.py", facts=facts) == [7]


def test_a_name_that_is_a_foreign_key_somewhere_loads_a_row_when_read() -> None:
    from backlint.rules.database.query_in_loop import QueryInLoop

    models = """
    from django.db import models

    class Galley(models.Model):
        css_file = models.ForeignKey("File", related_name="css_file", null=True, on_delete=models.SET_NULL)
    """
    code = """
    def sub_files(article):
        found = []
        for galley in Galley.objects.filter(article=article):
            if galley.css_file:
                found.append(galley.css_file)
        return found
    """
    facts = _facts(("core/models.py", models))
    assert finding_lines(QueryInLoop, code, path="core/files.py", facts=facts) == [5]


def test_a_manager_kept_in_a_variable_and_queried_is_a_query_per_pass() -> None:
    from backlint.rules.database.query_in_loop import QueryInLoop

    models = """
    from django.db import models

    class Reading(models.Model):
        sensor = models.ForeignKey("Sensor", related_name="sensor_readings", on_delete=models.CASCADE)
    """
    code = """
    def averages(only_occupied):
        out = []
        for sensor in Sensor.objects.filter(active=True):
            readings = sensor.sensor_readings
            if only_occupied:
                readings = readings.filter(is_occupied=True)
            out.append(readings.count())
        return out
    """
    facts = _facts(("app/models.py", models))
    assert finding_lines(QueryInLoop, code, path="app/sensors.py", facts=facts) != []
