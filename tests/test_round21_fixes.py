"""Precision fixes from held-out round 21, each with the case that stays flagged beside it."""

from __future__ import annotations

import textwrap

import libcst as cst

from backlint.analysis import analyze_text
from backlint.frameworks.project import EMPTY, facts_from_text, has_hints
from backlint.rules.api.logic_in_route_handler import LogicInRouteHandler
from backlint.rules.api.unpaginated_list_endpoint import UnpaginatedListEndpoint
from backlint.rules.api.unvalidated_request_input import UnvalidatedRequestInput, _stored_key, _ui_state
from backlint.rules.configuration.hardcoded_secret import HardcodedSecret
from backlint.rules.configuration.hardcoded_service_address import HardcodedServiceAddress
from backlint.rules.database.query_in_loop import QueryInLoop
from backlint.rules.database.sql_string_building import SqlStringBuilding
from backlint.rules.database.writes_without_transaction import WritesWithoutTransaction
from backlint.rules.errors.debug_enabled import DebugEnabled
from backlint.rules.errors.exception_leak import ExceptionLeak
from backlint.rules.errors.swallowed_exception import SwallowedException
from backlint.rules.errors.unlogged_error_response import UnloggedErrorResponse
from backlint.rules.reliability.request_without_timeout import RequestWithoutTimeout


def _lines(rule: type, code: str, path: str = "app/services.py", facts=EMPTY) -> list[int]:  # type: ignore[no-untyped-def]
    result = analyze_text(path, textwrap.dedent(code), [(rule, {})], facts)
    assert not result.notifications, result.notifications
    return [f.region.start_line for f in result.findings]


def test_an_http_post_is_the_transport_of_a_function_named_for_reading() -> None:
    code = """
    class Client:
        def _get_auth(self):
            try:
                self.response = self.session.post(self.url, data=self.login)
            except Exception:
                return None
            return self.response.json()["result"]

        def push_torrent(self, body):
            try:
                self.session.post(self.url, data=body)
            except Exception:
                return None
            return True
    """
    assert _lines(SwallowedException, code) == [13]


def test_a_word_that_is_also_a_noun_is_a_verb_only_first() -> None:
    code = """
    def load_all(load_credential_set, cache, make_post_data, fetch):
        sets = []
        while True:
            try:
                sets.append(load_credential_set("_1"))
            except Exception:
                break
        try:
            fetch(make_post_data())
        except Exception:
            pass
        try:
            cache.set("sets", sets)
        except Exception:
            pass
        return sets
    """
    assert _lines(SwallowedException, code) == [15]


def test_urlopen_uses_the_process_wide_socket_timeout_but_requests_does_not() -> None:
    code = """
    import requests
    from urllib.request import urlopen

    def notify(url, data):
        urlopen(url, data)
        requests.post(url, data=data)
    """
    assert _lines(RequestWithoutTimeout, code) == [6, 7]
    text = "import socket\nsocket.setdefaulttimeout(settings.SOCKET_TIMEOUT)\n"
    assert has_hints(text.encode())  # the scan reads the facts of files with hints only
    startup = facts_from_text(text, "app/start.py")
    assert _lines(RequestWithoutTimeout, code, facts=startup) == [7]
    switched_off = facts_from_text("import socket\nsocket.setdefaulttimeout(None)\n", "app/start.py")
    assert _lines(RequestWithoutTimeout, code, facts=switched_off) == [6, 7]
    in_a_test = facts_from_text("import socket\nsocket.setdefaulttimeout(5)\n", "tests/test_notify.py")
    assert _lines(RequestWithoutTimeout, code, facts=in_a_test) == [6, 7]


def test_build_hooks_and_management_commands_are_an_operators_process() -> None:
    code = """
    import requests

    def fetch_ui(url):
        return requests.get(url).content
    """
    assert _lines(RequestWithoutTimeout, code) == [5]
    assert _lines(RequestWithoutTimeout, code, path="server/hatch_build.py") == []
    assert _lines(RequestWithoutTimeout, code, path="shop/management/commands/sync_rates.py") == []
    assert _lines(RequestWithoutTimeout, code, path="shop/migrations/0042_backfill.py") == []


_REGISTRATIONS = facts_from_text(
    "from django.db import models\n\n"
    "class Registration(models.Model):\n"
    "    user = models.ForeignKey(User, on_delete=models.CASCADE)\n"
    "    event = models.ForeignKey(Event, related_name='registrations', on_delete=models.CASCADE)\n",
    "events/models.py",
)


def test_rows_read_under_a_lock_are_read_to_be_written() -> None:
    code = """
    from django.db import transaction

    def release_expired_holds(event_ids):
        for event_id in event_ids:
            with transaction.atomic():
                event = Event.objects.select_for_update().get(pk=event_id)
                event.release_expired_holds()
        for event_id in event_ids:
            event = Event.objects.get(pk=event_id)
            event.release_expired_holds()
    """
    assert _lines(QueryInLoop, code, facts=_REGISTRATIONS) == [10]


def test_a_read_beside_a_message_sent_per_item_is_left_alone() -> None:
    code = """
    def remind(event):
        for registration in Registration.objects.filter(event=event):
            PaymentReminder(registration.user, event=event).notify()
        for registration in Registration.objects.filter(event=event):
            names.append(registration.user.get_full_name())
    """
    assert _lines(QueryInLoop, code, facts=_REGISTRATIONS) == [6]


def test_a_heartbeat_answers_unhealthy_without_logging() -> None:
    code = """
    from flask import Response

    def heartbeat_response(check):
        try:
            return Response(str(check()))
        except Exception:
            return Response(status=502, response="Can't connect to the database.")

    def export_response(check):
        try:
            return Response(str(check()))
        except Exception:
            return Response(status=502, response="Can't connect to the database.")
    """
    assert _lines(UnloggedErrorResponse, code, path="app/dockerflow.py") == [14]


def test_a_view_set_filtered_on_its_url_parameter_lists_one_parents_children() -> None:
    code = """
    from rest_framework import viewsets

    class SubmissionViewSet(viewsets.ModelViewSet):
        queryset = Submission.objects.all()
        pagination_class = None

        def get_queryset(self):
            return Submission.objects.filter(survey_id=self.kwargs["survey_pk"])

    class EventViewSet(viewsets.ModelViewSet):
        queryset = Event.objects.all()
        pagination_class = None
    """
    assert _lines(UnpaginatedListEndpoint, code, path="surveys/views.py") == [13]


def test_the_key_a_preference_is_stored_under_names_its_field() -> None:
    def field(code: str) -> str | None:
        return _stored_key(cst.parse_expression(code))  # type: ignore[arg-type]

    assert field('request.user.preferences.set(f"tables.{name}.ordering", ordering, commit=True)') == "ordering"
    assert _ui_state("ordering") and not _ui_state("title")
    assert field('prefs.set(f"tables.{name}.title", title)') == "title"
    assert field('cache.set("user:columns", cols)') == "columns"
    assert field('prefs.set(f"tables.{name}", value)') is None  # the key ends in a value: no field
    assert field("prefs.set(key, value)") is None
    assert field('prefs.update("ordering", value)') is None


def test_querysets_given_to_prefetch_are_not_queries_of_their_own() -> None:
    code = """
    from django.db.models import Prefetch
    from rest_framework import viewsets
    from rest_framework.response import Response

    class FrontpageViewSet(viewsets.ViewSet):
        def list(self, request):
            articles = Article.objects.order_by("-created_at").prefetch_related("tags")
            events = Event.objects.filter(pinned=True)
            if request.user.is_authenticated:
                events = events.prefetch_related(
                    Prefetch("registrations", queryset=Registration.objects.filter(user=request.user)),
                    Prefetch("pools", queryset=Pool.objects.filter(active=True)),
                    Prefetch("comments", queryset=Comment.objects.filter(hidden=False)),
                )
            return Response({"articles": list(articles), "events": list(events)})
    """
    assert _lines(LogicInRouteHandler, code, path="frontpage/views.py") == []


_REACTIONS = facts_from_text(
    "from django.db import models\n\n"
    "class ReactionManager(models.Manager):\n"
    "    def get_queryset(self):\n"
    "        return super().get_queryset().select_related('created_by')\n\n\n"
    "class Reaction(models.Model):\n"
    "    created_by = models.ForeignKey(User, on_delete=models.CASCADE)\n"
    "    emoji = models.ForeignKey(Emoji, on_delete=models.CASCADE)\n"
    "    objects = ReactionManager()\n\n\n"
    "class Comment(models.Model):\n"
    "    reactions = GenericRelation(Reaction)\n",
    "reactions/models.py",
)
"""A manager that selects `created_by`, the model it is the default of, and a relation leading there."""


def test_a_relation_the_default_manager_selects_comes_with_every_read() -> None:
    code = """
    def grouped(user):
        mine = []
        for reaction in Reaction.objects.filter(target=1):
            if reaction.created_by == user:
                mine.append(reaction.emoji.name)
        return mine
    """
    assert _lines(QueryInLoop, code, path="comments/models.py", facts=_REACTIONS) == [6]


def test_a_relation_read_through_a_parents_related_manager_uses_the_default_manager() -> None:
    code = """
    from django.db import models

    class Comment(models.Model):
        def reacted(self, user):
            mine = []
            for reaction in self.reactions.all():
                if reaction.created_by == user:
                    mine.append(reaction.emoji.name)
            return mine
    """
    assert _lines(QueryInLoop, code, path="comments/models.py", facts=_REACTIONS) == [9]


_BASE_SETTINGS = """
SECRET_KEY = "5*9f5q57mqmlz2#f$x1h76&jxy#yortjl1v+l*6hd18$d*yx#0"
DEBUG = True
ALLOWED_HOSTS = []
"""


def test_base_settings_that_run_a_deployments_overrides_last_are_not_production_values() -> None:
    overridden = _BASE_SETTINGS + """
try:
    with open(os.path.join(os.path.dirname(__file__), "local_settings.py")) as f:
        exec(f.read(), globals())
except IOError:
    pass
"""
    assert _lines(HardcodedSecret, _BASE_SETTINGS, path="judge/settings.py") == [2]
    assert _lines(DebugEnabled, _BASE_SETTINGS, path="judge/settings.py") == [3]
    assert _lines(HardcodedSecret, overridden, path="judge/settings.py") == []
    assert _lines(DebugEnabled, overridden, path="judge/settings.py") == []
    code_run = _BASE_SETTINGS + "exec(compile(source, 'plugin', 'exec'))\n"  # no namespace given: not an overrides load
    assert _lines(HardcodedSecret, code_run, path="judge/settings.py") == [2]


def test_the_machine_a_container_runs_on_is_local() -> None:
    code = """
    import environ
    env = environ.Env()
    INCEPTION_HOST = env("INCEPTION_HOST", default="http://host.docker.internal:8005")
    SEARCH_HOST = env("SEARCH_HOST", default="http://search.prod.example.internal:8005")
    """
    assert _lines(HardcodedServiceAddress, code, path="cl/settings/project/microservices.py") == [5]


def test_writes_in_an_except_clause_and_the_else_clause_never_both_run() -> None:
    code = """
    from django.shortcuts import redirect

    def join(request, contest):
        try:
            participation = Participation.objects.get(contest=contest, user=request.user)
        except Participation.DoesNotExist:
            participation = Participation.objects.create(contest=contest, user=request.user)
        else:
            if participation.ended:
                participation = Participation.objects.get_or_create(contest=contest, user=request.user, spectate=True)[0]
        return redirect("contest", contest.id)

    def enter(request, contest):
        try:
            participation = Participation.objects.get(contest=contest, user=request.user)
            participation.visits += 1
            participation.save()
        except Participation.DoesNotExist:
            return redirect("contests")
        else:
            Entry.objects.create(participation=participation)
        return redirect("contest", contest.id)
    """
    assert _lines(WritesWithoutTransaction, code, path="contests/views.py") == [22]


def test_a_relation_combined_with_union_runs_nothing_in_the_loop() -> None:
    code = """
    from django.db import models

    def members(exchange):
        found = Member.objects.none()
        for lan in exchange.lans.filter(status="ok"):
            found = found.union(lan.members.filter(status="ok"))
        for lan in exchange.lans.filter(status="ok"):
            names.extend(lan.members.filter(status="ok"))
        return found
    """
    facts = facts_from_text(
        "from django.db import models\n\n"
        "class Lan(models.Model):\n"
        "    exchange = models.ForeignKey(Exchange, related_name='lans', on_delete=models.CASCADE)\n\n"
        "class Member(models.Model):\n"
        "    lan = models.ForeignKey(Lan, related_name='members', on_delete=models.CASCADE)\n",
        "ix/models.py",
    )
    assert _lines(QueryInLoop, code, path="ix/documents.py", facts=facts) == [9]


def test_a_path_parameter_the_router_converted_to_a_number_is_a_number() -> None:
    code = """
    from flask import Blueprint, redirect
    from sqlalchemy import text

    bp = Blueprint("termtag", __name__)

    @bp.route("/delete/<int:termtagid>", methods=["POST"])
    def delete(termtagid):
        db.session.execute(text(f"delete from wordtags where WtTgID = {termtagid}"))
        db.session.commit()
        return redirect("/termtag/index")

    @bp.route("/delete-named/<name>", methods=["POST"])
    def delete_named(name):
        db.session.execute(text(f"delete from wordtags where WtText = '{name}'"))
        db.session.commit()
        return redirect("/termtag/index")
    """
    assert _lines(SqlStringBuilding, code, path="lute/termtag/routes.py") == [15]


def test_drf_perform_create_runs_after_the_serializer_validated_the_request() -> None:
    code = """
    from rest_framework import viewsets

    class MailViewSet(viewsets.ModelViewSet):
        serializer_class = MailSerializer

        def perform_create(self, serializer):
            mail = serializer.save()
            Receipt.objects.create(mail=mail, message_id=self.request.data["mail"]["message_id"])

        def notify(self, request):
            Receipt.objects.create(mail=None, message_id=request.data["mail"]["message_id"])
    """
    assert _lines(UnvalidatedRequestInput, code, path="recap/views.py") == [12]


def test_a_sqlalchemy_string_without_a_length_is_unbounded_text() -> None:
    facts = facts_from_text(
        "class Book(db.Model):\n"
        '    title = db.Column("BkTitle", db.String(length=200))\n'
        '    audio_bookmarks = db.Column("BkAudioBookmarks", db.String)\n',
        "lute/models/book.py",
    )
    assert facts.unbounded_text("audio_bookmarks") and not facts.unbounded_text("title")


def test_the_rows_of_a_relation_are_rows_of_the_model_it_leads_to() -> None:
    facts = facts_from_text(
        "from django.db import models\n\n"
        "class TicketCC(models.Model):\n"
        "    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name='cc_set')\n"
        "    email = models.EmailField()\n"
        "    contact = models.ForeignKey(Contact, on_delete=models.CASCADE)\n\n"
        "class EmailAddressData(models.Model):\n"
        "    email = models.OneToOneField(EmailAddress, on_delete=models.CASCADE)\n",
        "tickets/models.py",
    )
    code = """
    from django.db import models

    def recipients(ticket):
        cc = []
        for row in ticket.cc_set.all():
            cc.append(row.email)
        for row in ticket.cc_set.all():
            cc.append(row.contact.name)
        return cc
    """
    assert _lines(QueryInLoop, code, path="tickets/deskpro.py", facts=facts) == [9]


def test_a_signal_sent_after_the_change_is_not_the_change() -> None:
    code = """
    from contextlib import suppress

    from notifications.signals import notify

    def approve(request, leave):
        leave.status = "approved"
        leave.save()
        with suppress(Exception):
            notify.send(request.user, recipient=leave.employee.user, verb="Your leave was approved")
        try:
            mailer.send(leave.employee.email, "Your leave was approved")
        except Exception:
            pass
        return leave
    """
    assert _lines(SwallowedException, code, path="leave/views.py") == [13]


def test_a_connection_string_given_as_an_api_example_is_documentation() -> None:
    code = """
    from pydantic import BaseModel, Field

    class AyonConfig(BaseModel):
        redis_url: str = Field(
            default="redis://redis/",
            example="redis://user:password123@redis.example.com:6379",
        )
        postgres_url: str = Field(default="postgres://ayon:Zq8rT2vLm4@db.example.com:5432/ayon")
    """
    assert _lines(HardcodedSecret, code, path="ayon_server/config/ayonconfig.py") == [9]


def test_a_parameter_typed_as_a_dependency_receives_what_the_dependency_returned() -> None:
    deps = facts_from_text(
        "from typing import Annotated\nfrom fastapi import Depends, Path\n\n"
        "async def dep_project_name(project_name: str = Path(..., regex=r'^[a-zA-Z0-9_]+$')) -> str:\n"
        "    return await lookup_project_name(project_name)\n\n\n"
        "ProjectName = Annotated[\n    str,\n    Depends(dep_project_name),\n]\n"
        "FolderName = Annotated[str, Path(..., title='Folder')]\n",
        "ayon_server/api/dependencies.py",
    )
    code = """
    from fastapi import APIRouter

    router = APIRouter()

    @router.get("/projects/{project_name}/links")
    async def list_links(project_name: ProjectName):
        return await Postgres.fetch(f"SELECT * FROM project_{project_name}.links")

    @router.get("/projects/{project_name}/folders/{folder_name}")
    async def get_folder(project_name: ProjectName, folder_name: FolderName):
        return await Postgres.fetch(f"SELECT * FROM project_{project_name}.folders WHERE name = '{folder_name}'")
    """
    assert deps.dependency_aliases == frozenset({"ProjectName"})
    assert _lines(SqlStringBuilding, code, path="api/links/links.py", facts=deps) == [12]


def test_a_status_returned_by_a_helper_beside_the_body_is_the_answers_status() -> None:
    code = """
    from rest_framework.response import Response
    from rest_framework.views import APIView

    def object_delete(cls, pk):
        try:
            cls.objects.get(id=pk).delete()
            return "", 200
        except Exception as e:
            return {"error": str(e)}, 400

    def object_archive(cls, pk):
        try:
            cls.objects.get(id=pk).archive()
            return "", 200
        except Exception as e:
            return {"error": str(e)}, 500

    class JobPositionView(APIView):
        def delete(self, request, pk):
            response, status_code = object_delete(JobPosition, pk)
            return Response(response, status=status_code)

        def post(self, request, pk):
            response, status_code = object_archive(JobPosition, pk)
            return Response(response, status=status_code)
    """
    assert _lines(ExceptionLeak, code, path="api/views.py") == [26]


def test_cleanup_just_before_raising_the_failure_is_best_effort() -> None:
    code = """
    async def upload(storage, file_id, media_info):
        if not media_info:
            try:
                await storage.unlink(file_id)
            except Exception:
                pass
            raise BadRequestException("Failed to extract media info")
        try:
            await storage.unlink(file_id)
        except Exception:
            pass
        return media_info
    """
    assert _lines(SwallowedException, code, path="app/reviewables.py") == [11]


def test_a_schema_named_from_the_loops_item_is_another_table_each_pass() -> None:
    code = """
    async def migrate(project_names, addon):
        for project_name in project_names:
            await Postgres.fetch(f"SELECT data FROM project_{project_name}.settings WHERE addon_name = $1", addon)
        for project_name in project_names:
            await Postgres.fetch(f"SELECT data FROM public.settings WHERE project = '{project_name}'")
    """
    assert _lines(QueryInLoop, code, path="ayon_server/helpers/migrate.py") == [6]


def test_a_receiver_of_an_app_config_runs_at_migrate_time() -> None:
    code = """
    def add_missing_work_records(sender, **kwargs):
        if sender.label not in ["attendance"]:
            return
        for attendance in Attendance.objects.all():
            WorkRecord.objects.filter(employee_id=attendance.employee_id).exists()

    def on_saved(sender, instance, **kwargs):
        for attendance in Attendance.objects.filter(employee=instance):
            WorkRecord.objects.filter(employee_id=attendance.employee_id).exists()
    """
    assert _lines(QueryInLoop, code, path="attendance/signals.py") == [10]


def test_a_fastapi_route_behind_an_admin_dependency_answers_the_sites_operators() -> None:
    code = """
    from fastapi import APIRouter, Depends, HTTPException

    router = APIRouter()

    @router.post("/config")
    async def update_config(items: dict, current_user: User = Depends(get_admin_user)):
        try:
            conf.save(items)
        except Exception as e:
            raise HTTPException(status_code=500, detail=f"Failed to save: {e}")

    @router.post("/orgs/{org_id}/config")
    async def update_org_config(org_id: int, items: dict, current_user: User = Depends(get_org_admin)):
        try:
            conf.save(items)
        except Exception as e:
            raise HTTPException(status_code=500, detail=f"Failed to save: {e}")
    """
    assert _lines(ExceptionLeak, code, path="server/routers/config_router.py") == [18]


def test_the_conventional_password_of_malware_sample_archives_is_public() -> None:
    code = """
    def store_upload(dsf_sc, quarantine):
        if quarantine:
            dsf_sc.file_password = "infected"
        else:
            dsf_sc.file_password = "Kx8v2QmLr4tZ"
    """
    assert _lines(HardcodedSecret, code, path="app/datastore/routes.py") == [6]
