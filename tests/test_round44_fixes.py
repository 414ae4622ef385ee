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



def test_a_name_bound_in_an_if_or_while_test_reaches_its_blocks() -> None:
    from test_frameworks import _kinds

    from backlint.frameworks.values import Kind

    kinds = _kinds(
        """
        def f(a):
            row = a
            if row := "constant":
                probe(row)
            else:
                probe(row)
            while chunk := "c":
                probe(chunk)
        """
    )
    assert kinds == [{Kind.CONSTANT}, {Kind.CONSTANT}, {Kind.CONSTANT}]  # (not the parameter `row` held before)


MODELS = """
from django.db import models

class Assessment(models.Model):
    overview = models.IntegerField()

class AreaResponse(models.Model):
    assessment = models.ForeignKey(Assessment, related_name="area_responses", on_delete=models.CASCADE)
    components = models.ManyToManyField("ComponentResponse")

class ComponentResponse(models.Model):
    answer = models.TextField()
"""

EXPORT = """
from django.db.models import Prefetch

def export(per):
    queryset = Assessment.objects.filter(overview=per.id).prefetch_related(
        Prefetch("area_responses", queryset=AreaResponse.objects.prefetch_related("components")),
    )
    rows = []
    if assessment := queryset.first():
        for area in assessment.area_responses.all():
            rows.extend(c.answer for c in area.components.all())
    return rows
"""


def test_relations_prefetched_on_a_row_bound_by_a_walrus_are_loaded() -> None:
    from backlint.rules.database.query_in_loop import QueryInLoop

    facts = _facts(("per/models.py", MODELS), ("per/views.py", EXPORT))
    assert finding_lines(QueryInLoop, EXPORT, path="per/views.py", facts=facts) == []
    plain = EXPORT.replace('queryset=AreaResponse.objects.prefetch_related("components")', "queryset=AreaResponse.objects.all()")
    assert finding_lines(QueryInLoop, plain, path="per/views.py", facts=facts) == [11]


def test_a_connection_handed_to_the_class_a_class_method_builds_is_the_objects() -> None:
    code = """
    import sqlite3

    class MatrixStore:
        def __init__(self, connection):
            self.connection = connection

        @classmethod
        def from_file(cls, path):
            connection = sqlite3.connect(path)
            connection.execute("PRAGMA mmap_size=1048576")
            return cls(connection)

        @classmethod
        def count(cls, path):
            connection = sqlite3.connect(path)
            return connection.execute("SELECT count(*) FROM practice").fetchone()[0]
    """
    assert finding_lines(UnclosedConnection, code, path="matrixstore/connection.py") == [16]


def test_a_test_applications_error_routes_are_test_code() -> None:
    from backlint.rules.errors.unlogged_error_response import UnloggedErrorResponse

    code = """
    from flask import Flask, abort

    app = Flask(__name__)

    @app.route("/_testing/not-found")
    def raise_not_found():
        try:
            load_missing_row()
        except Exception:
            return abort(500)
    """
    assert finding_lines(UnloggedErrorResponse, code, path="tests/integration/conftest.py") == []
    assert finding_lines(UnloggedErrorResponse, code, path="tests/integration/conftest.py", options={"include-tests": True}) == [11]


HACKATHONS = """
from django.db import models

class Hackathon(models.Model):
    start = models.DateTimeField()

class Repository(models.Model):
    hackathon = models.ForeignKey(Hackathon, related_name="repositories", on_delete=models.CASCADE)
"""


def test_a_loop_over_a_slice_of_a_few_rows_is_a_fixed_cost() -> None:
    from backlint.rules.database.query_in_loop import QueryInLoop

    code = """
    def dashboard():
        stats = []
        for hackathon in Hackathon.objects.order_by("-start")[:2]:
            stats.append(hackathon.repositories.count())
        return stats
    """
    facts = _facts(("hackathons/models.py", HACKATHONS))
    assert finding_lines(QueryInLoop, code, path="hackathons/views.py", facts=facts) == []
    assert finding_lines(QueryInLoop, code.replace("[:2]", "[:50]"), path="hackathons/views.py", facts=facts) == [5]


def test_a_value_matched_against_a_pattern_before_the_write_is_checked() -> None:
    from backlint.rules.api.unvalidated_request_input import UnvalidatedRequestInput

    code = """
    import re

    from django.shortcuts import redirect

    def add_organization(request):
        name = request.POST.get("organization")
        if not re.match(r"^[a-zA-Z0-9_-]{3,30}$", name):
            return redirect("home")
        Organization.objects.create(name=name)
        return redirect("home")
    """
    assert finding_lines(UnvalidatedRequestInput, code, path="website/views/organization.py") == []
    unchecked = code.replace('if not re.match(r"^[a-zA-Z0-9_-]{3,30}$", name):', "if not name:")
    assert finding_lines(UnvalidatedRequestInput, unchecked, path="website/views/organization.py") == [10]


CONSUMER = """
import asyncio
import json

from channels.generic.websocket import AsyncWebsocketConsumer

class SimilarityConsumer(AsyncWebsocketConsumer):
    def process(self, first, second):
        try:
            asyncio.run(self.send(json.dumps({'progress': 0})))
        except Exception:
            return None
        return compare(first, second)
"""


def test_work_that_stops_when_its_own_websocket_is_gone_loses_nothing() -> None:
    from backlint.rules.errors.swallowed_exception import SwallowedException

    assert finding_lines(SwallowedException, CONSUMER, path="website/consumers.py") == []
    other = CONSUMER.replace("asyncio.run(self.send(json.dumps({'progress': 0})))", "self.store.save(first)")
    assert finding_lines(SwallowedException, other, path="website/consumers.py") == [11]


def test_a_save_of_modification_times_only_is_a_timestamp_touch() -> None:
    from backlint.rules.database.writes_without_transaction import WritesWithoutTransaction

    code = """
    from django.db import models
    from django.utils import timezone

    def refresh_repositories(request, organization):
        organization.repos_updated_at = timezone.now()
        organization.save(update_fields=["repos_updated_at"])
        Activity.objects.create(user=request.user, action_type="update", object_id=organization.id)
    """
    assert finding_lines(WritesWithoutTransaction, code, path="website/views/organization.py") == []
    data = code.replace('"repos_updated_at"])', '"repos_updated_at", "name"])')
    assert finding_lines(WritesWithoutTransaction, data, path="website/views/organization.py") == [8]


def test_an_anti_forgery_token_is_a_nonce_not_a_credential() -> None:
    from backlint.rules.configuration.hardcoded_secret import HardcodedSecret

    code = """
    import requests

    def check(url, user, secret):
        return requests.post(url, data={"username": user, "password": secret, "_csrf_token": "this-is-our-session"},
                             cookies={"_csrf_token": "this-is-our-session"}, timeout=10)

    WTF_CSRF_SECRET_KEY = "k8Qz1vR7xP3mW9tLp2"
    """
    assert finding_lines(HardcodedSecret, code, path="app/auth.py") == [8]


def test_a_placeholder_the_code_gives_up_on_is_no_credential() -> None:
    from backlint.rules.configuration.hardcoded_secret import HardcodedSecret

    code = """
    def discussions(settings):
        github_token = settings.GITHUB_TOKEN
        if not github_token or github_token == "k8Qz1vR7xP3mW9":
            return []
        return fetch(github_token)

    def login(password):
        if password == "Zq81mVx0pL3w":
            return True
        return check(password)
    """
    assert finding_lines(HardcodedSecret, code, path="website/utils.py") == [9]


REMINDERS = """
from django.shortcuts import redirect, render

def reminder_settings(request):
    settings, created = ReminderSettings.objects.get_or_create(user=request.user, defaults={"active": False})
    if request.method == "POST":
        form = ReminderSettingsForm(request.POST, instance=settings)
        if form.is_valid():
            form.save()
            settings.reminder_utc = to_utc(form.cleaned_data["reminder_time"])
            settings.save()
            return redirect("reminder_settings")
    return render(request, "reminders.html", {"form": ReminderSettingsForm(instance=settings)})
"""

REMINDER_URLS = """
from django.urls import path
from website.views import daily_reminders

urlpatterns = [path("reminders/", daily_reminders.reminder_settings)]
"""


def test_writes_of_one_row_through_its_model_form_count_once() -> None:
    from backlint.rules.api.logic_in_route_handler import LogicInRouteHandler

    facts = _facts(("website/urls.py", REMINDER_URLS), ("website/views/daily_reminders.py", REMINDERS))
    assert finding_lines(LogicInRouteHandler, REMINDERS, path="website/views/daily_reminders.py", facts=facts) == []
    other = REMINDERS.replace("            settings.save()\n", "            settings.save()\n            Audit.objects.create(user=request.user)\n"
                                      "            Notice.objects.create(user=request.user)\n")
    assert finding_lines(LogicInRouteHandler, other, path="website/views/daily_reminders.py", facts=facts) == [4]


def test_a_relation_toggle_and_the_save_of_its_row_are_one_change() -> None:
    from backlint.rules.api.logic_in_route_handler import LogicInRouteHandler

    code = """
    from django.core.mail import send_mail
    from rest_framework.response import Response
    from rest_framework.views import APIView

    class LikeIssue(APIView):
        def post(self, request, id):
            issue = Issue.objects.get(id=id)
            profile = UserProfile.objects.get(user=request.user)
            if profile in UserProfile.objects.filter(upvoted=issue):
                profile.upvoted.remove(issue)
                profile.save()
                return Response({"issue": "unliked"})
            profile.upvoted.add(issue)
            profile.save()
            send_mail("Your issue got an upvote", "", None, [issue.user.email])
            return Response({"issue": "liked"})
    """
    urls = "from django.urls import path\nfrom website.api.views import LikeIssue\n\nurlpatterns = [path('like/<int:id>/', LikeIssue.as_view())]\n"
    models = ("from django.db import models\n\nclass Issue(models.Model):\n    user = models.ForeignKey('auth.User', on_delete=models.CASCADE)\n"
              "\nclass UserProfile(models.Model):\n    upvoted = models.ManyToManyField(Issue, related_name='upvoters')\n")
    facts = _facts(("website/urls.py", urls), ("website/api/views.py", code), ("website/models.py", models))
    assert finding_lines(LogicInRouteHandler, code, path="website/api/views.py", facts=facts) == []
    counted = code.replace('profile.save()\n            send_mail', 'profile.save()\n            Notification.objects.create(user=request.user)\n            send_mail')
    assert counted != code
    assert finding_lines(LogicInRouteHandler, counted, path="website/api/views.py", facts=facts) == [7]


def test_exception_text_after_a_superuser_guard_reaches_operators_only() -> None:
    from backlint.rules.errors.exception_leak import ExceptionLeak

    code = """
    from django.http import JsonResponse
    from django.core.management import call_command

    def run_management_command(request):
        if request.method == "POST":
            if not request.user.is_superuser:
                return JsonResponse({"success": False, "error": "Only superusers can run commands."})
            try:
                call_command(request.POST.get("command"))
            except Exception as e:
                return JsonResponse({"success": False, "error": str(e)})
        return JsonResponse({"success": True})
    """
    urls = "from django.urls import path\nfrom website.views import core\n\nurlpatterns = [path('run/', core.run_management_command)]\n"
    facts = _facts(("website/urls.py", urls), ("website/views/core.py", code))
    assert finding_lines(ExceptionLeak, code, path="website/views/core.py", facts=facts) == []
    open_to_all = code.replace("if not request.user.is_superuser:", "if not request.user.is_authenticated:")
    assert finding_lines(ExceptionLeak, open_to_all, path="website/views/core.py", facts=facts) == [12]


def test_a_cause_stored_on_the_record_the_handler_saves_is_kept() -> None:
    from backlint.rules.errors.unlogged_error_response import UnloggedErrorResponse

    code = """
    from django.http import HttpResponse

    def slack_command(request):
        activity = SlackBotActivity.objects.create(command=request.POST.get("command"))
        try:
            send_dm(request.POST.get("user_id"))
        except Exception as e:
            activity.success = False
            activity.error_message = str(e)
            activity.save()
            return HttpResponse(status=500)
        return HttpResponse(status=200)
    """
    urls = "from django.urls import path\nfrom website.views import slack\n\nurlpatterns = [path('slack/', slack.slack_command)]\n"
    facts = _facts(("website/urls.py", urls), ("website/views/slack.py", code))
    assert finding_lines(UnloggedErrorResponse, code, path="website/views/slack.py", facts=facts) == []
    unsaved = code.replace("            activity.save()\n", "")
    assert unsaved != code
    assert finding_lines(UnloggedErrorResponse, unsaved, path="website/views/slack.py", facts=facts) == [11]


def test_the_record_of_an_attempt_marked_with_its_failure_stands_on_its_own() -> None:
    from backlint.rules.database.writes_without_transaction import WritesWithoutTransaction

    code = """
    from django.db import models

    def report_command(request, text):
        activity = CommandActivity.objects.create(command="/report", user_id=request.user.id)
        try:
            issue = Issue.objects.create(description=text, user_id=request.user.id, activity_id=activity.id)
        except Exception as e:
            activity.success = False
            activity.error_message = str(e)
            activity.save()
            return None
        return issue
    """
    assert finding_lines(WritesWithoutTransaction, code, path="website/views/slack_handlers.py") == []
    unmarked = code.replace("activity.error_message = str(e)", "activity.note = 'failed'")
    assert unmarked != code
    assert finding_lines(WritesWithoutTransaction, unmarked, path="website/views/slack_handlers.py") == [7]


def test_a_sessions_adds_are_no_relation_writes_whatever_a_model_names_session() -> None:
    from backlint.rules.api.logic_in_route_handler import LogicInRouteHandler

    code = """
    from flask import Blueprint, request

    bp = Blueprint("articles", __name__)

    @bp.route("/upload", methods=["POST"])
    def upload_articles():
        for item in request.json["articles"]:
            article = Article(title=item["title"])
            db.session.add(article)
            db.session.add(CohortArticleMap(article=article))
        db.session.commit()
        return {"ok": True}
    """
    models = "from sqlalchemy.orm import relationship\n\nclass Reading(Base):\n    session = relationship('ReadingSession')\n"
    facts = _facts(("app/models.py", models), ("app/articles.py", code))
    assert "session" in facts.relations
    assert finding_lines(LogicInRouteHandler, code, path="app/articles.py", facts=facts) == [7]


def test_a_storage_key_that_is_one_word_names_a_slot() -> None:
    from backlint.rules.configuration.hardcoded_secret import HardcodedSecret

    code = """
    class FavoriteButton:
        def __init__(self):
            self.storage_key = "favorites"

    AZURE_STORAGE_KEY = "q8Zk3Lm0Vx7Rt2Wp9Nc4Bd6Fh1Jg5Ks"
    """
    assert finding_lines(HardcodedSecret, code, path="web/components/button.py") == [6]


def test_a_dotted_message_id_with_hyphened_words_is_a_name() -> None:
    from backlint.rules.configuration.hardcoded_secret import HardcodedSecret

    code = """
    from eduid.webapp.common.api.messages import TranslatableMsg

    class SignupMsg(TranslatableMsg):
        weak_custom_password = "signup.weak-custom-password"

    DB_PASSWORD = "correct-horse-battery"
    """
    assert finding_lines(HardcodedSecret, code, path="webapp/signup/helpers.py") == [7]


def test_a_loop_over_a_set_of_a_setting_is_bounded_by_configuration() -> None:
    from backlint.rules.database.query_in_loop import QueryInLoop

    code = """
    from django.conf import settings

    def onboarding_titles(user):
        titles = []
        for document_id in set(settings.USER_ONBOARDING_DOCUMENTS):
            titles.append(Document.objects.get(id=document_id).title)
        return titles
    """
    assert finding_lines(QueryInLoop, code, path="core/models.py") == []
    assert finding_lines(QueryInLoop, code.replace("set(settings.USER_ONBOARDING_DOCUMENTS)", "set(user.document_ids)"),
                         path="core/models.py") == [7]


def test_a_module_that_starts_a_loopback_server_at_top_level_is_a_local_launcher() -> None:
    from backlint.rules.errors.debug_enabled import DebugEnabled

    code = """
    from app.setup import create_app

    def setup_profiling(application):
        application.debug = True

    app = create_app({"PROFILE": True})
    setup_profiling(app)
    app.run(debug=True)
    """
    assert finding_lines(DebugEnabled, code, path="profile_application.py") == []
    served = code.replace("app.run(debug=True)", "app.run(host='0.0.0.0', debug=True)")
    assert finding_lines(DebugEnabled, served, path="profile_application.py") == [5, 9]
