"""Precision fixes from the residue of held-out rounds 15 to 45 and from round 46, each with the case that stays flagged beside it."""

from __future__ import annotations

from backlint.rules.errors.swallowed_exception import SwallowedException
from conftest import finding_lines, scan_tree


def test_a_leftover_file_nothing_reads_next_is_best_effort_cleanup() -> None:
    code = """
    import os
    import shutil

    def run_script(work_dir, code):
        script_path = os.path.join(work_dir, "_run.py")
        write(script_path, code)
        result = execute(script_path)
        try:
            if os.path.exists(script_path):
                os.remove(script_path)
        except Exception:
            pass
        return result

    def reset_stats(stats_dir):
        for f in os.listdir(stats_dir):
            try:
                os.unlink(os.path.join(stats_dir, f))
            except Exception:
                pass

    def install_plugin(src, final_dir):
        try:
            shutil.rmtree(final_dir)
        except Exception:
            pass
        shutil.copytree(src, final_dir)

    def restart(parts):
        for part in parts:
            try:
                part.dest.unlink()
            except Exception:
                pass
            start(part.dest)

    def do_drop_kb(self):
        try:
            shutil.rmtree(self.kb_path)
        except Exception:
            pass
    """
    assert finding_lines(SwallowedException, code, "app/files.py") == [26, 34, 41]


def test_a_message_set_only_under_a_development_switch_does_not_leak() -> None:
    from backlint.rules.errors.exception_leak import ExceptionLeak

    code = """
    import sys
    import traceback
    from flask import Flask, jsonify, make_response

    app = Flask(__name__)

    @app.route("/items")
    def items():
        try:
            return jsonify(load_items())
        except Exception as e:
            if config.ui.debug:
                err = traceback.format_exc()
            else:
                err = "Internal Server Error"
            return make_response(jsonify({"error": err}), 500)

    @app.route("/orders")
    def orders():
        try:
            return jsonify(load_orders())
        except Exception as e:
            if config.ui.verbose:
                err = traceback.format_exc()
            else:
                err = "Internal Server Error"
            return make_response(jsonify({"error": err}), 500)
    """
    assert finding_lines(ExceptionLeak, code, "app/views.py") == [28]


def test_an_endpoint_for_diagnosing_the_infrastructure_answers_with_its_errors() -> None:
    from backlint.rules.errors.exception_leak import ExceptionLeak

    code = """
    from fastapi import APIRouter

    router = APIRouter()

    @router.get("/diagnostics/redis")
    def get_redis(user=Security(get_current_user, scopes=["tasks:read"])):
        try:
            return {"connected": True, "info": redis_client.info()}
        except Exception as e:
            return {"connected": False, "error": str(e)}

    @router.get("/health")
    def health():
        try:
            redis_client.ping()
            return {"status": "ok"}
        except Exception as e:
            return {"status": "error", "error": str(e)}
    """
    assert finding_lines(ExceptionLeak, code, "app/routers/system.py") == [19]


def test_eager_options_of_a_statement_built_step_by_step_hold() -> None:
    from backlint.rules.database.query_in_loop import QueryInLoop

    code = """
    from sqlalchemy import select
    from sqlalchemy.orm import joinedload, relationship

    class RecordORM(Base):
        task = relationship("TaskORM")
        service = relationship("ServiceORM")

    def reset(session, names):
        stmt = select(RecordORM).options(joinedload(RecordORM.task, innerjoin=True))
        stmt = stmt.where(RecordORM.manager_name.in_(names))
        stmt = stmt.with_for_update()
        records = session.execute(stmt).scalars().all()
        for r in records:
            r.task.available = True

    def release(session, names):
        stmt = select(RecordORM).options(joinedload(RecordORM.task, innerjoin=True))
        stmt = stmt.where(RecordORM.manager_name.in_(names))
        records = session.execute(stmt).scalars().all()
        for r in records:
            r.service.available = True
    """
    assert finding_lines(QueryInLoop, code, "app/records.py") == [22]


def test_a_loop_that_queues_a_task_per_row_commits_each_row() -> None:
    from backlint.rules.database.writes_without_transaction import WritesWithoutTransaction

    code = """
    from fastapi import APIRouter

    router = APIRouter()

    @router.post("/notebooks/{notebook_id}/run")
    def run_all(notebook_id: int, db: Session = Depends(get_db)):
        rows = []
        for cell in load_cells(db, notebook_id):
            row = Execution(notebook_id=notebook_id, cell_id=cell.id)
            db.add(row)
            result = execute_cell.apply_async(args=[row.id], queue="lab")
            row.task_id = result.id
            db.commit()
            rows.append(row)
        return rows

    @router.post("/notebooks/{notebook_id}/copy")
    def copy_all(notebook_id: int, db: Session = Depends(get_db)):
        for cell in load_cells(db, notebook_id):
            db.add(Cell(notebook_id=notebook_id, source=cell.source))
            db.commit()
    """
    assert finding_lines(WritesWithoutTransaction, code, "app/routers/lab.py") == [22]


def test_a_pass_that_falls_to_an_error_answer_and_a_copy_filled_in_memory_are_not_swallowed() -> None:
    code = """
    import copy
    from rest_framework import status, views
    from rest_framework.response import Response

    class UpdateLastSeenView(views.APIView):
        def post(self, request):
            try:
                request.user.source_system.update_last_seen()
                return Response(status=status.HTTP_204_NO_CONTENT)
            except Exception:
                pass
            return Response(status=status.HTTP_403_FORBIDDEN)

    class TouchView(views.APIView):
        def post(self, request):
            try:
                request.user.source_system.update_last_seen()
            except Exception:
                pass
            return Response(status=status.HTTP_204_NO_CONTENT)

    async def artifacts(client, modules):
        result = {}
        for name in modules:
            try:
                response = await client.get(name)
                for component in response["artifacts"]:
                    packages = copy.copy(component["packages"])
                    packages.append(component["sourcerpm"])
                    result[name] = packages
            except Exception:
                pass
        return result
    """
    assert finding_lines(SwallowedException, code, "app/views.py") == [19]


def test_a_broad_except_whose_answer_is_narrowed_with_isinstance_is_judged_by_the_branch() -> None:
    from backlint.rules.errors.unlogged_error_response import UnloggedErrorResponse

    code = """
    from django.core import exceptions as core_exceptions
    from django.views.generic import TemplateView
    from rest_framework import exceptions, views
    from rest_framework.response import Response

    class ProtectedTemplateView(TemplateView):
        def dispatch(self, request, *args, **kwargs):
            try:
                self.initial(request, *args, **kwargs)
                return handler(request, *args, **kwargs)
            except Exception as exc:
                if isinstance(exc, (exceptions.NotAuthenticated, exceptions.PermissionDenied)):
                    raise core_exceptions.PermissionDenied()
                else:
                    raise exc

    class ReportView(views.APIView):
        def get(self, request):
            try:
                return Response(build_report(request.user))
            except Exception as exc:
                if isinstance(exc, Exception):
                    return Response({"error": "report failed"}, status=500)
                raise
    """
    assert finding_lines(UnloggedErrorResponse, code, "app/views.py") == [24]


def test_a_find_or_create_committed_in_each_pass_of_a_loop_leaves_valid_rows() -> None:
    from backlint.rules.database.writes_without_transaction import WritesWithoutTransaction

    code = """
    def import_event(db, fetched_event, user):
        for tag in fetched_event.tags:
            db_tag = tags_repository.get_tag_by_name(db, tag.name)
            if db_tag is None:
                db_tag = Tag(name=tag.name, org_id=user.org_id)
                db.add(db_tag)
                db.commit()
            tag_event(db_tag)

    def import_tags(db, fetched_event, user):
        for tag in fetched_event.tags:
            db_tag = Tag(name=tag.name, org_id=user.org_id)
            db.add(db_tag)
            db.commit()

    def enable_galaxy_tags(db, galaxy):
        for cluster in galaxy.clusters:
            db_tag = db.query(Tag).filter(Tag.name == cluster.value).first()
            if db_tag is None:
                db_tag = Tag(name=cluster.value)
                db.add(db_tag)
                db.commit()
    """
    assert finding_lines(WritesWithoutTransaction, code, "app/repositories/events.py") == [15, 23]


def test_a_diagnostics_endpoint_probes_its_dependencies_like_a_health_check() -> None:
    from backlint.rules.api.logic_in_route_handler import LogicInRouteHandler

    queries = "\n".join(f'            r{i} = conn.execute(text("SELECT * FROM pg_stat_{i}")).all()' for i in range(6))
    code = f"""
    from fastapi import APIRouter
    from sqlalchemy import text

    router = APIRouter()

    @router.get("/diagnostics/postgres")
    def get_postgres(user=Depends(current_user)):
        with engine.connect() as conn:
{queries}
        return {{"version": r0, "tables": r1}}

    @router.get("/stats/postgres")
    def get_stats(user=Depends(current_user)):
        with engine.connect() as conn:
{queries}
        return {{"version": r0, "tables": r1}}
    """
    assert finding_lines(LogicInRouteHandler, code, "app/routers/system.py") == [19]


def test_the_operators_switch_for_showing_errors_decides_what_is_answered() -> None:
    from backlint.rules.errors.exception_leak import ExceptionLeak

    code = """
    import traceback
    from flask import Blueprint, current_app, jsonify

    bp = Blueprint("api", __name__)

    @bp.app_errorhandler(InternalServerError)
    def handle_internal_error(error):
        tb = traceback.format_exc()
        hide = current_app.config["APP_CONFIG"].hide_internal_errors
        if hide:
            return jsonify(msg=error.description), 500
        else:
            return jsonify(msg=tb), 500

    @bp.app_errorhandler(Exception)
    def handle_error(error):
        tb = traceback.format_exc()
        verbose = current_app.config["APP_CONFIG"].verbose
        if verbose:
            return jsonify(msg=tb), 500
        return jsonify(msg="internal error"), 500
    """
    assert finding_lines(ExceptionLeak, code, "app/handlers.py") == [21]


def test_an_except_clauses_name_ends_with_the_clause_even_in_a_loop() -> None:
    from backlint.rules.errors.exception_leak import ExceptionLeak

    code = """
    import os
    from fastapi import APIRouter
    from fastapi.responses import JSONResponse

    router = APIRouter()

    @router.post("/upload")
    async def upload(files: list):
        evidences = []
        for file in files:
            warning_message = None
            try:
                info = await upload_file(file)
            except AppError as exception:
                warning_message = exception
            if warning_message:
                evidences.append(str(warning_message))
                try:
                    os.remove(file.path)
                except OSError as exception:
                    log.error(f"Could not remove {exception}")
            else:
                evidences.append(info)
        return JSONResponse(content=evidences, status_code=200)

    @router.post("/import")
    async def import_all(files: list):
        errors = []
        for file in files:
            try:
                await import_file(file)
            except OSError as exception:
                errors.append(str(exception))
        return JSONResponse(content=errors, status_code=500)
    """
    assert finding_lines(ExceptionLeak, code, "app/routes.py") == [35]


def test_a_statement_on_each_configured_database_is_no_n_plus_one() -> None:
    from backlint.rules.database.query_in_loop import QueryInLoop

    code = """
    from django.db import connections

    def snapshot_acl():
        snapshot = {}
        for alias in connections:
            with connections[alias].cursor() as cursor:
                cursor.execute("SELECT current_setting('osidb.acl', true)")
                snapshot[alias] = cursor.fetchone()[0]
        return snapshot

    def snapshot_users(user):
        snapshot = {}
        for alias in user.connections.all():
            with connections[alias.name].cursor() as cursor:
                cursor.execute("SELECT current_setting('osidb.acl', true)")
                snapshot[alias] = cursor.fetchone()[0]
        return snapshot
    """
    assert finding_lines(QueryInLoop, code, "app/core.py") == [16]


def test_rows_sorted_or_sliced_to_be_deleted_are_loaded_to_be_written() -> None:
    from backlint.rules.database.query_in_loop import QueryInLoop

    code = """
    from sqlalchemy import select
    from sqlalchemy.orm import relationship

    class Recipe(Base):
        tasks = relationship("Task")

    def cleanup(session, keep):
        recipes = session.execute(select(Recipe)).scalars()
        for recipe in recipes:
            for task in sorted(recipe.tasks, key=lambda t: t.updated_at, reverse=True)[keep:]:
                session.delete(task)

    def report(session):
        recipes = session.execute(select(Recipe)).scalars()
        for recipe in recipes:
            for task in sorted(recipe.tasks, key=lambda t: t.updated_at):
                print(task.id)
    """
    assert finding_lines(QueryInLoop, code, "app/cleanup.py") == [17]


def test_the_instance_metadata_service_is_answered_by_the_host() -> None:
    from backlint.rules.reliability.request_without_timeout import RequestWithoutTimeout

    code = """
    import urllib.request

    def instance_name():
        req = urllib.request.Request(
            "http://metadata.google.internal/computeMetadata/v1/instance/hostname", None, {"Metadata-Flavor": "Google"})
        return urllib.request.urlopen(req).read().decode("utf-8")

    def zone_name():
        req = urllib.request.Request("https://compute.googleapis.com/compute/v1/zones", None, {})
        return urllib.request.urlopen(req).read().decode("utf-8")
    """
    assert finding_lines(RequestWithoutTimeout, code, "app/processors/cloud.py") == [11]


def test_a_settings_template_named_tmpl_holds_placeholders() -> None:
    from backlint.frameworks.project import is_template_path
    from backlint.rules.configuration.hardcoded_secret import HardcodedSecret

    assert is_template_path("turbinia/config/turbinia_config_tmpl.py") and is_template_path("conf/tmpl/settings.py")
    assert not is_template_path("app/tmplib.py")
    code = """
    EMAIL_ADDRESS = "example@address.com"
    EMAIL_PASSWORD = "Hunter2"
    """
    assert finding_lines(HardcodedSecret, code, "turbinia/config/turbinia_config_tmpl.py") == []
    assert finding_lines(HardcodedSecret, code, "turbinia/config/turbinia_config.py") == [3]


def test_the_debug_switch_of_a_worker_object_is_its_own() -> None:
    from backlint.rules.errors.debug_enabled import DebugEnabled

    code = """
    from modules.abstract_module import AbstractModule

    class Crawler(AbstractModule):
        def compute(self, message):
            pass

    if __name__ == "__main__":
        module = Crawler()
        module.debug = True
        module.run()

        app = create_app()
        app.debug = True
        server = ApiServer()
        server.debug = True
    """
    assert finding_lines(DebugEnabled, code, "bin/crawlers/Crawler.py") == [14, 16]


def test_an_error_handlers_parameter_narrowed_by_a_class_attribute_the_projects_exceptions_define() -> None:
    from backlint.rules.errors.exception_leak import ExceptionLeak

    code = """
    from django.db.utils import OperationalError
    from rest_framework import status
    from rest_framework.response import Response
    from rest_framework.views import exception_handler as drf_exception_handler

    def exception_handler(exc, context):
        if http_code := getattr(type(exc), "http_code", False):
            return Response({"detail": str(exc)}, status=http_code)
        if isinstance(exc, OperationalError):
            details = str(exc)
            if "deadlock" in details:
                return Response({"detail": "Concurrent access: " + details}, status=status.HTTP_409_CONFLICT)
            return Response({"detail": details}, status=status.HTTP_500_INTERNAL_SERVER_ERROR)
        return drf_exception_handler(exc, context)
    """
    # (a driver's failure answered with a 4xx from an error handler stays reported: an IntegrityError's
    # text names constraints and key values, as held-out review found)
    assert finding_lines(ExceptionLeak, code, "app/exception_handlers.py") == [13, 14]


def test_a_versioned_upgrade_folder_holds_migrations() -> None:
    from backlint.frameworks.project import is_migration_path

    assert is_migration_path("update/v6.0.1/Update.py") and is_migration_path("app/upgrades/2.3/fix_keys.py")
    assert not is_migration_path("irrd/updates/validators.py") and not is_migration_path("application/updates/version_check.py")


def test_membership_in_an_enumeration_class_is_a_fixed_set() -> None:
    from backlint.rules.api.unvalidated_request_input import UnvalidatedRequestInput

    code = """
    from rest_framework import status
    from rest_framework.response import Response
    from rest_framework.views import APIView

    class EmailPreferencesView(APIView):
        def post(self, request):
            frequency = request.data.get("frequency")
            if frequency not in EmailFrequency:
                return Response({"frequency": ["unknown"]}, status=status.HTTP_400_BAD_REQUEST)
            EmailNotificationPreferences.objects.update_or_create({"frequency": frequency}, user=request.user)
            return Response(status=status.HTTP_204_NO_CONTENT)

    class EmailNameView(APIView):
        def post(self, request):
            name = request.data.get("name")
            if name not in known_names:
                return Response({"name": ["unknown"]}, status=status.HTTP_400_BAD_REQUEST)
            EmailNotificationPreferences.objects.update_or_create({"name": name}, user=request.user)
            return Response(status=status.HTTP_204_NO_CONTENT)
    """
    assert finding_lines(UnvalidatedRequestInput, code, "app/views.py") == [19]


def test_an_error_handler_registered_by_name_for_every_exception_is_one() -> None:
    from backlint.rules.errors.unlogged_error_response import UnloggedErrorResponse

    code = """
    from flask import Flask, jsonify, make_response

    def render_generic_exception(exception):
        try:
            return make_response(jsonify(error="internal error"), 500)
        except:
            return make_response("unhandled error", 500)

    def render_other(exception):
        try:
            return make_response(jsonify(error="internal error"), 500)
        except:
            return make_response("unhandled error", 500)

    def create_app():
        app = Flask(__name__)
        app.register_error_handler(Exception, render_generic_exception)
        return app
    """
    assert finding_lines(UnloggedErrorResponse, code, "app/views.py") == [14]


def test_a_row_unlinked_from_a_relationship_in_each_pass_is_a_write_per_item() -> None:
    from backlint.rules.database.query_in_loop import QueryInLoop

    code = """
    from sqlalchemy.orm import relationship

    class Group(Base):
        users = relationship("User", secondary="group_users")

    def remove_users_from_group(db, group, usernames):
        for username in usernames:
            user = db.query(User).filter(User.username == username).first()
            if not user:
                continue
            group.users.remove(user)
        db.commit()

    def count_users(db, group, usernames):
        found = []
        for username in usernames:
            user = db.query(User).filter(User.username == username).first()
            found.append(user)
        return found
    """
    assert finding_lines(QueryInLoop, code, "app/crud/group.py") == [18]


def test_a_token_rotated_through_the_object_get_or_create_bound_is_a_row_replaced() -> None:
    from backlint.rules.database.writes_without_transaction import WritesWithoutTransaction

    code = """
    from rest_framework.authtoken.models import Token
    from rest_framework.response import Response
    from rest_framework.views import APIView

    class ExpiringTokenView(APIView):
        def post(self, request):
            user = request.user
            auth_token, created = Token.objects.get_or_create(user=user)
            if not created and auth_token.created < cutoff():
                auth_token.delete()
                auth_token = Token.objects.create(user=user)
            return Response({"token": auth_token.key})

    class RenameView(APIView):
        def post(self, request):
            auth_token, created = Token.objects.get_or_create(user=request.user)
            auth_token.delete()
            Audit.objects.create(token=auth_token.key, action="reset")
            return Response({})
    """
    assert finding_lines(WritesWithoutTransaction, code, "app/views.py") == [19]


def test_a_related_queryset_seeding_a_union_runs_no_query() -> None:
    from backlint.rules.database.query_in_loop import QueryInLoop

    code = """
    from django.db import models

    class TaskResult(models.Model):
        systems = models.ManyToManyField("System")

    def systems_of(scan_job):
        result = None
        all_tasks = TaskResult.objects.filter(job=scan_job)
        for task_result in all_tasks:
            if result is None:
                result = task_result.systems.all()
            else:
                result = result | task_result.systems.all()
        return result

    def first_systems(scan_job):
        names = []
        all_tasks = TaskResult.objects.filter(job=scan_job)
        for task_result in all_tasks:
            systems = task_result.systems.all()
            names.extend(s.name for s in systems)
        return names
    """
    assert finding_lines(QueryInLoop, code, "app/views.py") == [21]


def test_a_developer_tools_plugin_runs_in_a_terminal() -> None:
    from backlint.rules.reliability.request_without_timeout import RequestWithoutTimeout

    plugin = """
    import requests
    from gitlint.rules import CommitMessageTitle, LineRule, RuleViolation

    class GitmojiTitle(LineRule):
        def validate(self, title, _commit):
            emojis = requests.get("https://example.org/gitmojis.json").json()
            return [] if title[:1] in emojis else [RuleViolation(self.id, "no emoji")]
    """
    service = """
    import requests

    def gitmojis():
        return requests.get("https://example.org/gitmojis.json").json()
    """
    assert finding_lines(RequestWithoutTimeout, plugin, "gitlint/gitlint_emoji.py") == []
    assert finding_lines(RequestWithoutTimeout, service, "app/emoji.py") == [5]


def test_a_loop_over_one_query_string_arguments_values_is_a_handful() -> None:
    from backlint.rules.database.query_in_loop import QueryInLoop

    code = """
    class QueryBuilder:
        def __init__(self, args, form):
            self.tags = [Tag.query.filter_by(name=name).first() for name in args.getlist("tag")]
            self.flags = set(args.getlist("flag"))
            self.ids = form.getlist("id")

        def build(self, query):
            flags = set(self.flags)
            for flag in flags:
                warning = ContentWarning.query.filter_by(name=flag).first()
                query = query.filter(Package.warnings.any(ContentWarning.id == warning.id))
            for package_id in self.ids:
                package = Package.query.filter_by(id=package_id).first()
                query = query.filter(Package.id != package.id)
            return query
    """
    assert finding_lines(QueryInLoop, code, "app/querybuilder.py") == [14]


def test_an_attribute_made_empty_and_filled_from_a_query_is_not_bounded() -> None:
    from backlint.rules.database.query_in_loop import QueryInLoop

    code = """
    class ReviewersForm:
        def __init__(self, roles):
            self.role_fields = {}
            for role in ReviewerRole.objects.all():
                self.role_fields[f"role_{role.pk}"] = role

        def clean(self):
            for field, role in self.role_fields.items():
                AssignedReviewers.objects.filter(role=role, submission=self.instance).last()
    """
    assert finding_lines(QueryInLoop, code, "app/forms.py") == [10]


def test_an_outcome_label_where_a_token_would_go_is_no_token() -> None:
    from backlint.rules.configuration.hardcoded_secret import HardcodedSecret

    code = """
    async def login(login_data):
        if login_data is None:
            return {"osu_token": "invalid-request", "response_body": b""}
        if login_data.version < 2024:
            return {"osu_token": "client-too-old", "response_body": b""}
        return {"osu_token": "k7Qz9vX2mLp4Rt8Wn3Yb", "response_body": b""}

    DATABASE = {"password": "correct-horse-battery"}
    """
    assert finding_lines(HardcodedSecret, code, "app/api/domains/cho.py") == [7, 9]


def test_a_default_the_settings_refuse_through_a_constant_is_a_placeholder() -> None:
    from backlint.rules.configuration.hardcoded_secret import HardcodedSecret

    code = """
    DEFAULT_SECRET_KEY = "3l$35+@a%g!(^y^98oi%ei+%+yvtl3y0k^_7-fmx2oj09-ac5@"
    SECRET_KEY = env.str("AMY_SECRET_KEY", default=DEFAULT_SECRET_KEY)
    if not DEBUG and SECRET_KEY == DEFAULT_SECRET_KEY:
        raise ImproperlyConfigured("You must specify a non-default SECRET_KEY")

    FALLBACK_TOKEN = "9f8e7d6c5b4a39281706f5e4d3c2b1a0"
    API_TOKEN = env.str("API_TOKEN", default=FALLBACK_TOKEN)
    """
    assert finding_lines(HardcodedSecret, code, "config/settings.py") == [7]


def test_a_default_manager_inherits_what_its_base_manager_selects() -> None:
    from backlint.rules.database.query_in_loop import QueryInLoop

    code = """
    from django.db import models

    class DataspacedManager(models.Manager):
        def get_queryset(self):
            return super().get_queryset().select_related("dataspace")

    class DefaultOnAdditionManager(DataspacedManager):
        pass

    class License(models.Model):
        dataspace = models.ForeignKey("Dataspace", on_delete=models.CASCADE)
        owner = models.ForeignKey("Owner", on_delete=models.CASCADE)
        objects = DefaultOnAdditionManager()

    def check(user, ids):
        for obj in License.objects.filter(pk__in=ids):
            if obj.dataspace != user.dataspace:
                return False
            print(obj.owner.name)
    """
    assert finding_lines(QueryInLoop, code, "app/models.py") == [20]


def test_a_value_that_says_it_must_be_changed_is_a_placeholder() -> None:
    from backlint.rules.configuration.hardcoded_secret import HardcodedSecret

    code = """
    class Config:
        SECRET_KEY = "this-really-needs-to-be-changed"
        API_TOKEN = "k7Qz9vX2mLp4Rt8Wn3Yb"
    """
    assert finding_lines(HardcodedSecret, code, "app/config.py") == [4]


def test_a_load_test_package_runs_from_a_developers_terminal() -> None:
    from backlint.frameworks.project import is_script_path

    assert is_script_path("loadtest/utils.py") and is_script_path("api/load_tests/scenarios.py") and is_script_path("locust/users.py")
    assert not is_script_path("app/loadtesting.py") and not is_script_path("app/load.py")


def test_a_module_that_parses_the_command_line_at_import_is_a_program() -> None:
    from backlint.rules.reliability.request_without_timeout import RequestWithoutTimeout

    program = """
    import argparse
    import requests

    parser = argparse.ArgumentParser()
    parser.add_argument("--url")
    args = parser.parse_args()

    def ingest(path):
        return requests.post(args.url, files={"file": open(path, "rb")})
    """
    module = """
    import argparse
    import requests

    def build_parser():
        parser = argparse.ArgumentParser()
        return parser

    def ingest(url, path):
        return requests.post(url, files={"file": open(path, "rb")})
    """
    assert finding_lines(RequestWithoutTimeout, program, "util/ingest_hdf.py") == []
    assert finding_lines(RequestWithoutTimeout, module, "util/ingest.py") == [10]


def test_running_a_search_query_changes_nothing() -> None:
    code = """
    from elasticsearch_dsl import Search

    def merged_into(connection, index, full_id):
        try:
            s = Search(index=index, using=connection).filter("ids", values=[full_id])
            response = s.execute()
            if response:
                return response[0].merge_into_id
        except Exception:
            return None
        return None

    def first_hit(index, q):
        try:
            return Search(index=index).query("match", title=q).execute()[0]
        except Exception:
            return None

    def archive(cursor, job_id):
        try:
            cursor.execute("UPDATE jobs SET archived = true WHERE id = %s", (job_id,))
        except Exception:
            return None
    """
    assert finding_lines(SwallowedException, code) == [23]


def test_a_module_only_an_operators_programs_import_runs_in_their_process(tmp_path) -> None:
    files: dict[str, str] = {}

    client = "import requests\n\n\nclass APIClient:\n    def login(self, url):\n        return requests.post(url, json={})\n"
    # a one-off job's __main__ and the client only it imports (and the helper that client imports)
    files["util/ingest/api_client.py"] = (client)
    files["util/ingest/token.py"] = ("import requests\n\n\ndef get_token(url):\n    return requests.get(url).json()\n")
    files["util/ingest/run.py"] = ("from .api_client import APIClient\nfrom util.ingest.token import get_token\n\n\n"
          "def main():\n    APIClient().login(get_token('u'))\n\n\nif __name__ == '__main__':\n    main()\n")
    # the same shape, but a service module imports the client as well
    files["app/clients/partner.py"] = (client)
    files["app/jobs/report.py"] = ("from app.clients.partner import APIClient\n\n\nif __name__ == '__main__':\n    APIClient().login('u')\n")
    files["app/api.py"] = ("from flask import Flask\nfrom app.clients.partner import APIClient\n\napp = Flask(__name__)\n\n\n"
          "@app.route('/sync')\ndef sync():\n    return APIClient().login('u')\n")
    # (`.login` is also what the service calls: by name alone, no method below is the operator's)
    # a queue consumer started from __main__ runs for good: a service, not a job
    files["worker/poller.py"] = (client)
    files["worker/consumer.py"] = ("from worker.poller import APIClient\n\n\ndef run():\n    while True:\n        APIClient().login('u')\n\n\n"
          "if __name__ == '__main__':\n    run()\n")
    # a module a string names may be loaded by that name (a settings entry)
    files["hooks_app/sender.py"] = (client)
    files["hooks_app/cli_tool.py"] = ("from hooks_app.sender import APIClient\n\nif __name__ == '__main__':\n    APIClient().login('u')\n")
    files["hooks_app/settings_base.py"] = ("NOTIFIER = 'hooks_app.sender.APIClient'\n")
    # a Cloud Function's module, which a script also imports: the platform runs it
    files["functions/backfill/main.py"] = (client.replace("import requests\n", "import functions_framework\nimport requests\n")
          + "\n\n@functions_framework.http\ndef backfill(request):\n    return APIClient().login('u')\n")
    files["functions/backfill/run_local.py"] = ("from main import APIClient\n\nif __name__ == '__main__':\n    APIClient().login('u')\n")
    assert scan_tree(tmp_path, files, "BL502") == [
        ("app/clients/partner.py", 6), ("functions/backfill/main.py", 7), ("hooks_app/sender.py", 6), ("worker/poller.py", 6)]


def test_a_string_method_named_remove_changes_nothing() -> None:
    code = """
    import subprocess

    async def default_branch(urls):
        for url in urls:
            try:
                stdout, _ = await run_git(["git", "ls-remote", "--symref", url, "HEAD"], timeout=30)
                for line in stdout.decode().splitlines():
                    if line.startswith("ref:"):
                        return line.split()[1].removeprefix("refs/heads/")
                break
            except Exception:
                break
        return "main"

    def forget(cache_dir, key):
        try:
            (cache_dir / key.removesuffix(".json")).unlink()
        except Exception:
            pass
    """
    assert finding_lines(SwallowedException, code) == [19]


def test_a_lexers_token_kind_is_an_identifier_not_a_secret() -> None:
    from backlint.rules.configuration.hardcoded_secret import HardcodedSecret

    code = """
    tokens = ["word", "name", "starter", "scopeL", "scopeR"]

    def parse(lexed):
        last_token = None
        for token, word in lexed:
            if token == "scopeL":
                last_token = "scopeL"
            elif last_token == "bracketRight":
                yield word

    API_TOKEN = "kT9vQ2mXw7LpZ4rN"
    SESSION_TOKEN = "aBcDeFgHiJkLmNoP"
    """
    assert finding_lines(HardcodedSecret, code, "app/parser.py") == [12, 13]


def test_a_row_handed_to_a_serializers_update_is_loaded_to_be_written() -> None:
    from backlint.rules.database.query_in_loop import QueryInLoop

    code = """
    from .models import Chapter

    def create_or_update(serializer, validated):
        for weight, data in enumerate(validated):
            if "id" in data:
                instance = Chapter.objects.get(id=data["id"])
                yield serializer.update(instance, data)
            else:
                yield serializer.create(data)

    def rename_all(ids, names):
        for i, name in zip(ids, names):
            chapter = Chapter.objects.get(id=i)
            ChapterForm({"name": name}, instance=chapter).save()

    def names(ids):
        out = []
        for i in ids:
            chapter = Chapter.objects.get(id=i)
            out.append(chapter.name)
            cache.update(chapter.name)
        return out
    """
    assert finding_lines(QueryInLoop, code, "docs/serializers.py") == [20]


def test_a_view_behind_the_projects_own_staff_check_answers_operators() -> None:
    from backlint.rules.errors.exception_leak import ExceptionLeak

    code = """
    import traceback
    from django.http import JsonResponse

    def user_is_data_manager(user):
        return user.is_staff

    def user_is_analyst(user):
        return user.groups.filter(name="analysts").exists()

    data_manager_required = active_user_has_policies_and_passes_test(user_is_data_manager)
    analyst_required = active_user_has_policies_and_passes_test(user_is_analyst)

    @data_manager_required
    def load_data(request):
        try:
            run_load(request.body)
        except Exception as e:
            return JsonResponse({"error": traceback.format_exc()}, status=500)
        return JsonResponse({})

    @analyst_required
    def load_report(request):
        try:
            run_report(request.body)
        except Exception as e:
            return JsonResponse({"error": traceback.format_exc()}, status=500)
        return JsonResponse({})
    """
    assert finding_lines(ExceptionLeak, code, "seqr/views/apis/data_manager_api.py") == [27]


def test_a_validator_classs_call_saying_the_value_is_invalid_is_validation() -> None:
    from backlint.rules.errors.unlogged_error_response import UnloggedErrorResponse

    code = """
    import requests
    from json_logic import jsonLogic
    from rest_framework import serializers

    class JsonLogicValidator:
        def __call__(self, value):
            try:
                jsonLogic(value)
            except Exception as exc:
                raise serializers.ValidationError("Invalid JSON logic.", code="invalid") from exc

    class RemoteSchemaValidator:
        def __call__(self, value):
            try:
                requests.post(SCHEMA_URL, json=value, timeout=5).raise_for_status()
            except Exception as exc:
                raise serializers.ValidationError("Invalid.") from exc
    """
    assert finding_lines(UnloggedErrorResponse, code, "forms/api/validators.py") == [18]


def test_rabbitmqs_guest_account_is_a_known_default() -> None:
    from backlint.rules.configuration.hardcoded_secret import HardcodedSecret

    code = """
    class Settings(BaseSettings):
        amqp_password: str = "guest"
        rabbitmq_password: str = "guest"
        smtp_password: str = "s7Rq-guest-91x"
        db_password: str = "guest"
    """
    assert finding_lines(HardcodedSecret, code, "app/config.py") == [5, 6]


def test_an_http_client_error_from_a_public_site_tells_only_of_that_site() -> None:
    from backlint.rules.errors.exception_leak import ExceptionLeak

    code = """
    import httpx
    import requests
    from fastapi import APIRouter, HTTPException

    router = APIRouter()
    client = httpx.AsyncClient(timeout=30.0)

    @router.get("/caselaw/{case_id}")
    async def proxy_case(case_id: str):
        try:
            url = f"https://caselaw.nationalarchives.gov.uk/{case_id}"
            response = await client.get(url, follow_redirects=True)
            response.raise_for_status()
            return Response(response.content, media_type=response.headers.get("content-type", "text/html"))
        except httpx.HTTPStatusError as e:
            raise HTTPException(status_code=502, detail=f"External API error: {str(e)}")

    @router.get("/inventory/{item}")
    def inventory(item: str):
        try:
            return requests.get(f"https://{INVENTORY_HOST}/items/{item}", timeout=5).json()
        except requests.RequestException as e:
            raise HTTPException(status_code=502, detail=str(e))

    @router.get("/internal/{item}")
    def internal(item: str):
        try:
            return requests.get(f"https://10.0.3.7/items/{item}", timeout=5).json()
        except requests.RequestException as e:
            raise HTTPException(status_code=502, detail=str(e))
    """
    assert finding_lines(ExceptionLeak, code, "caselaw/router.py") == [24, 31]


def test_an_http_exception_handler_writing_the_detail_through_a_project_logger_logs() -> None:
    import textwrap

    from backlint.frameworks.project import facts_from_text

    main = """
    from fastapi import FastAPI, HTTPException
    from app.middleware.exception_handlers import custom_http_exception_handler

    app = FastAPI()
    app.add_exception_handler(HTTPException, custom_http_exception_handler)
    """
    handlers = """
    async def custom_http_exception_handler(request, exc):
        async with AsyncSession(async_engine) as session:
            logger_instance = Logger(session, AuthHandler())
            await logger_instance.log_error(None, request, exc.detail)
            await session.commit()
        return JSONResponse(status_code=exc.status_code, content={"message": exc.detail})
    """
    silent = handlers.replace("            logger_instance = Logger(session, AuthHandler())\n", "").replace(
        "            await logger_instance.log_error(None, request, exc.detail)\n", "")
    path = "backend/app/middleware/exception_handlers.py"
    main_facts = facts_from_text(textwrap.dedent(main), "backend/copilot.py")
    assert main_facts.merged(facts_from_text(textwrap.dedent(handlers), path)).logs_http_exceptions()
    assert not main_facts.merged(facts_from_text(textwrap.dedent(silent), path)).logs_http_exceptions()


def test_a_route_whose_scope_dependency_lets_in_admins_only_answers_operators() -> None:
    from backlint.rules.errors.exception_leak import ExceptionLeak

    code = """
    from fastapi import APIRouter, HTTPException, Security

    router = APIRouter()

    @router.get("/sysmon/{customer}", dependencies=[Security(AuthHandler().require_any_scope("admin"))])
    async def sysmon_config(customer: str):
        try:
            return await download_config(customer)
        except Exception as e:
            raise HTTPException(status_code=500, detail=f"Error retrieving config: {str(e)}")

    @router.get("/agents/{customer}", dependencies=[Security(AuthHandler().require_any_scope("admin", "customer_user"))])
    async def agents(customer: str):
        try:
            return await list_agents(customer)
        except Exception as e:
            raise HTTPException(status_code=500, detail=f"Error listing agents: {str(e)}")
    """
    assert finding_lines(ExceptionLeak, code, "app/routes/sysmon.py") == [18]


def test_a_function_every_caller_runs_inside_atomic_in_another_module_shares_the_transaction(tmp_path) -> None:
    files: dict[str, str] = {}

    service = """from django.utils import timezone
from elec.models import Certificate, Meter


def process_certificates_batch(rows):
    for row in rows:
        meter = Meter.objects.create(station=row["station"])
        Certificate.objects.create(meter=meter, energy=row["energy"])


def import_certificates(rows):
    for row in rows:
        meter = Meter.objects.create(station=row["station"])
        Certificate.objects.create(meter=meter, energy=row["energy"])
"""
    files["elec/services/qualicharge.py"] = (service)
    files["elec/views/bulk_create.py"] = ("""from django.db import transaction
from rest_framework.response import Response
from elec.services.qualicharge import import_certificates, process_certificates_batch


class BulkCreateMixin:
    def bulk_create(self, request):
        with transaction.atomic():
            errors = process_certificates_batch(request.data)
            if errors:
                transaction.set_rollback(True)
        return Response(status=201)

    def import_view(self, request):
        import_certificates(request.data)
        return Response(status=201)
""")
    assert scan_tree(tmp_path, files, "BL104") == [("elec/services/qualicharge.py", 14)]


def test_a_serializer_only_atomic_views_use_runs_in_their_transaction(tmp_path) -> None:
    files: dict[str, str] = {}

    serializer = """from rest_framework import serializers
from plots.models import PlotSearch, Target


class {name}(serializers.ModelSerializer):
    targets = TargetSerializer(many=True)

    def create(self, validated_data):
        targets = validated_data.pop("targets")
        search = PlotSearch.objects.create(**validated_data)
        Target.objects.create(plot_search=search, **targets[0])
        return search
"""
    files["plots/serializers/search.py"] = (serializer.format(name="PlotSearchCreateSerializer"))
    files["plots/serializers/other.py"] = (serializer.format(name="PlainCreateSerializer"))
    files["common/viewsets.py"] = ("""from django.db import transaction
from rest_framework import viewsets


class AtomicTransactionMixin:
    @transaction.atomic
    def dispatch(self, request, *args, **kwargs):
        return super().dispatch(request, *args, **kwargs)


class AtomicTransactionModelViewSet(AtomicTransactionMixin, viewsets.ModelViewSet):
    pass
""")
    files["plots/views.py"] = ("""from rest_framework import generics
from common.viewsets import AtomicTransactionModelViewSet
from plots.serializers.search import PlotSearchCreateSerializer
from plots.serializers.other import PlainCreateSerializer


class PlotSearchViewSet(AtomicTransactionModelViewSet):
    def get_serializer_class(self):
        if self.action == "create":
            return PlotSearchCreateSerializer
        return PlotSearchCreateSerializer


class PlainCreateView(generics.CreateAPIView):
    serializer_class = PlainCreateSerializer
""")
    assert scan_tree(tmp_path, files, "BL104") == [("plots/serializers/other.py", 11)]


def test_an_id_that_will_not_convert_is_the_clients_value() -> None:
    from backlint.rules.errors.unlogged_error_response import UnloggedErrorResponse

    code = """
    from rest_framework.exceptions import APIException
    from .models import Lease

    def get_lease_from_query_params(query_params):
        try:
            return Lease.objects.get(pk=int(query_params.get("lease")))
        except Lease.DoesNotExist:
            raise APIException("Lease does not exist")
        except ValueError:
            raise APIException("Invalid lease id")

    def renew(query_params):
        try:
            lease = Lease.objects.get(pk=int(query_params.get("lease")))
            lease.renew()
            lease.save()
        except ValueError:
            raise APIException("Invalid lease id")
    """
    assert finding_lines(UnloggedErrorResponse, code, "leasing/viewsets/utils.py") == [19]


def test_free_text_into_the_written_models_own_text_field_is_stored_as_text() -> None:
    from backlint.rules.api.unvalidated_request_input import UnvalidatedRequestInput

    code = """
    from django.db import models
    from django.http import JsonResponse

    class LotComment(models.Model):
        comment = models.TextField()

    class ChargePointAudit(models.Model):
        comment = models.CharField(max_length=512, default="")

    def add_comment(request, lot_id):
        comment = request.POST.get("comment", False)
        lot_comment = LotComment()
        lot_comment.lot_id = lot_id
        lot_comment.comment = comment
        lot_comment.save()
        return JsonResponse({"status": "success"})

    def audit_comment(request, audit_id):
        audit = ChargePointAudit.objects.get(id=audit_id)
        audit.comment = request.POST.get("comment")
        audit.save()
        return JsonResponse({"status": "success"})
    """
    assert finding_lines(UnvalidatedRequestInput, code, "lots/views.py") == [22]


def test_a_query_results_row_tested_for_absence_before_an_add_is_create_if_missing() -> None:
    from backlint.rules.database.query_in_loop import QueryInLoop

    code = """
    from sqlalchemy import select

    async def add_user_tag_access(user_id, tag_ids, db):
        for tag_id in tag_ids:
            result = await db.execute(
                select(UserTagAccess).where(UserTagAccess.user_id == user_id, UserTagAccess.tag_id == tag_id))
            if result.scalars().first() is None:
                db.add(UserTagAccess(user_id=user_id, tag_id=tag_id))
        await db.commit()

    async def tag_names(tag_ids, db):
        names = []
        for tag_id in tag_ids:
            result = await db.execute(select(AlertTag).where(AlertTag.id == tag_id))
            names.append(result.scalars().first().name)
        return names
    """
    assert finding_lines(QueryInLoop, code, "app/services/tag_access.py") == [15]


def test_a_clause_for_the_projects_exception_no_call_of_its_try_raises_never_runs(tmp_path) -> None:
    files: dict[str, str] = {}

    files["api/exceptions/__init__.py"] = ("class BusinessException(Exception):\n    pass\n")
    files["api/services/fees.py"] = ("""from api.exceptions import BusinessException


def calculate_fee(request_id):
    if request_id is None:
        raise BusinessException("no request")
    return 10


class categoryservice:
    def getcategories(self):
        return Category.query.all()
""")
    files["api/services/payments.py"] = ("from api.services.fees import calculate_fee\n\n\ndef pay(request_id):\n    return calculate_fee(request_id)\n")
    files["api/resources/masterdata.py"] = ("""import json
from flask_restx import Resource
from api.exceptions import BusinessException
from api.services.fees import categoryservice
from api.services.payments import pay


class Categories(Resource):
    def get(self):
        try:
            data = categoryservice().getcategories()
            return json.dumps(data), 200
        except BusinessException:
            return "Error happened while accessing categories", 500


class Payment(Resource):
    def post(self, request_id):
        try:
            return pay(request_id), 200
        except BusinessException:
            return "Error happened while paying", 500


class Refund(Resource):
    def post(self, request_id):
        try:
            return run_async(pay)(request_id), 200
        except BusinessException:
            return "Error happened while refunding", 500


class Ticket(Resource):
    def post(self, incident):
        try:
            return plugin.create_ticket(incident), 201
        except TicketClientException:
            return "The ticket system failed", 503
""")
    files["api/exceptions/__init__.py"] += "\n\nclass TicketClientException(Exception):\n    pass\n"
    assert scan_tree(tmp_path, files, "BL204") == [
        ("api/resources/masterdata.py", 22), ("api/resources/masterdata.py", 30), ("api/resources/masterdata.py", 38)]


def test_a_task_only_a_command_queues_runs_for_the_operator(tmp_path) -> None:
    files: dict[str, str] = {}

    tasks = """from celery import shared_task
from users.models import User


@shared_task
def import_users(ids):
    for i in ids:
        print(User.objects.get(pk=i).email)


@shared_task
def sync_users(ids):
    for i in ids:
        print(User.objects.get(pk=i).email)
"""
    files["users/tasks.py"] = (tasks)
    files["users/management/commands/migrate_users.py"] = ("""from django.core.management.base import BaseCommand
from users.tasks import import_users, sync_users


class Command(BaseCommand):
    def handle(self, *args, **options):
        import_users.delay(options["ids"])
        sync_users.delay(options["ids"])
""")
    files["project/settings.py"] = ('CELERY_BEAT_SCHEDULE = {"sync": {"task": "users.tasks.sync_users", "schedule": 3600}}\n')
    assert scan_tree(tmp_path, files, "BL102") == [("users/tasks.py", 14)]


def test_a_task_a_schedule_names_on_a_line_of_its_own_serves(tmp_path) -> None:
    # `sender.add_periodic_task(\n crontab(...),\n send_report,\n ...)`: the schedule hands the task to
    # the worker on a continuation line of its own; the command's `.delay()` is not its only caller
    # (the names of a multi-line import are no references, nor the words of a string)
    files = {
        "app/tasks.py": """import requests
from app.worker import celery


@celery.task
def send_report():
    requests.post("https://stats.example.org/report", json={"n": 1})


@celery.task
def purge_report():
    requests.post("https://stats.example.org/purge", json={"n": 1})
""",
        "app/commands.py": """import click
from app.tasks import send_report, purge_report


@click.command()
def report():
    send_report.delay()
    purge_report.delay()
""",
        "app/worker.py": """from celery import Celery
from celery.schedules import crontab
from app.tasks import (
    purge_report,
    send_report,
)

celery = Celery(__name__)
HELP = {
    "report": "queues send_report, purge_report, nightly",
}


@celery.on_after_configure.connect
def setup_periodic_tasks(sender, **kwargs):
    sender.add_periodic_task(
        crontab(hour=1, minute=0),
        send_report,
        name="send the report",
    )
""",
    }
    assert scan_tree(tmp_path, files, "BL502") == [("app/tasks.py", 7)]


def test_a_module_a_command_loads_by_a_built_name_runs_for_the_operator(tmp_path) -> None:
    # `import_module(f"coding_systems.{name}.import_data")` in a management command loads every
    # `coding_systems/<x>/import_data.py`; a view's `import_module(f"coding_systems.{name}.browse")`
    # loads the `browse` modules in the server
    downloader = """import requests


def latest_release(url):
    return requests.get(url).json()
"""
    files = {
        "coding_systems/base/downloader.py": downloader,
        "coding_systems/base/lookup.py": downloader,
        "coding_systems/icd10/import_data.py": "from coding_systems.base.downloader import latest_release\n\n\n"
                                               "def import_data(url):\n    return latest_release(url)\n",
        "coding_systems/icd10/browse.py": "from coding_systems.base.lookup import latest_release\n\n\n"
                                          "def browse(url):\n    return latest_release(url)\n",
        "app/management/commands/import_coding_system.py": """from importlib import import_module

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    def handle(self, coding_system, url, **options):
        import_module(f"coding_systems.{coding_system}.import_data").import_data(url)
""",
        "app/views.py": """from importlib import import_module

from django.http import JsonResponse


def browse(request, coding_system):
    return JsonResponse(import_module(f"coding_systems.{coding_system}.browse").browse(request.GET["url"]))
""",
    }
    assert scan_tree(tmp_path, files, "BL502") == [("coding_systems/base/lookup.py", 5)]


def test_a_connection_an_operators_command_means_to_close_but_does_not(tmp_path) -> None:
    # `connection.close` without its brackets: the author meant to close it, whoever runs the code
    command = """import sqlite3

import click


@click.command()
def load(path):
    connection = sqlite3.connect(path)
    connection.execute("DELETE FROM staging")
    connection.commit()
    connection.close{}
"""
    assert scan_tree(tmp_path, {"app/loading.py": command.format("")}, "BL103") == [("app/loading.py", 8)]
    assert scan_tree(tmp_path, {"app/loading.py": command.format("()")}, "BL103") == []


def test_a_queryset_built_on_a_relation_and_handed_to_a_field_runs_no_query(tmp_path) -> None:
    # `ModelMultipleChoiceField(queryset=scale.ratings.all())`: the field runs it when the form renders;
    # the same queryset iterated in the loop runs once per scale
    files = {
        "outdoor/models.py": """from django.db import models


class RatingScale(models.Model):
    name = models.CharField(max_length=100)


class Rating(models.Model):
    scale = models.ForeignKey(RatingScale, related_name="ratings", on_delete=models.CASCADE)
""",
        "outdoor/forms.py": """from django import forms

from outdoor.models import RatingScale


class SiteForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for scale in RatingScale.objects.all():
            self.fields[f"rating_{scale.pk}"] = forms.ModelMultipleChoiceField(
                label=scale.name, queryset=scale.ratings.order_by("order").all(), required=False)

    def labels(self):
        return [[r.name for r in scale.ratings.all()] for scale in RatingScale.objects.all()]
""",
    }
    assert scan_tree(tmp_path, files, "BL102") == [("outdoor/forms.py", 14)]


def test_a_module_only_an_operators_program_names_in_a_string_runs_for_the_operator(tmp_path) -> None:
    # `--backend` defaults to "app.emails.backends.mediawiki.EmailBackend" in a management command:
    # the command loads that module; a module the settings name is the service's
    backend = """import requests


class EmailBackend:
    def send_messages(self, messages):
        for message in messages:
            requests.post("https://wiki.example.org/api.php", data={"text": message.body})
"""
    files = {
        "app/emails/backends/mediawiki.py": backend,
        "app/emails/backends/relay.py": backend,
        "app/management/commands/survey_users.py": """from django.core.mail import get_connection, send_mail
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    def add_arguments(self, parser):
        parser.add_argument("--backend", default="app.emails.backends.mediawiki.EmailBackend")

    def handle(self, *args, **options):
        send_mail("Survey", "Tell us", None, ["a@example.org"], connection=get_connection(options["backend"]))
""",
        "project/settings.py": 'EMAIL_BACKEND = "app.emails.backends.relay.EmailBackend"\n',
    }
    assert scan_tree(tmp_path, files, "BL502") == [("app/emails/backends/relay.py", 7)]


def test_a_django_commands_base_class_outside_commands_runs_for_the_operator(tmp_path) -> None:
    # `class BaseImporter(BaseCommand)` in importers/base.py, a module views import too: its methods
    # run in the command's process
    files = {
        "importers/helpers.py": """import requests


def get_population(code):
    return requests.get(f"https://stats.example.org/{code}").json()


def get_boundary(code):
    return requests.get(f"https://maps.example.org/{code}").json()
""",
        "importers/base.py": """from django.core.management.base import BaseCommand

from importers.helpers import get_population


class BaseImporter(BaseCommand):
    code = None

    def handle(self, *args, **options):
        self.write_context()

    def write_context(self):
        self.stdout.write(str(get_population(self.code)))
""",
        "importers/management/commands/import_council.py": """from importers.base import BaseImporter


class Command(BaseImporter):
    code = "E07000223"
""",
        "importers/mixins.py": """from importers.base import BaseImporter


class ImporterMixin:
    importer_class = BaseImporter
""",
        "maps/views.py": """from django.http import JsonResponse

from importers.helpers import get_boundary
from importers.mixins import ImporterMixin


def boundary(request, code):
    return JsonResponse(get_boundary(code))
""",
    }
    assert scan_tree(tmp_path, files, "BL502") == [("importers/helpers.py", 9)]


def test_a_geometry_written_out_by_its_library_carries_no_sql() -> None:
    from backlint.rules.database.sql_string_building import SqlStringBuilding

    code = """
    from django.db import connection

    def snap(path, point):
        cursor = connection.cursor()
        cursor.execute(f"SELECT ST_ClosestPoint(geom, '{point.ewkt}'::geometry) FROM core_path WHERE id = {path.pk}")
        cursor.execute(f"SELECT ST_GeomFromText('POINT({point.x} {point.y})', {path.geom.srid})")
        cursor.execute(f"SELECT ST_Length('{path.geom}'::geometry)")
        return cursor.fetchall()

    def rename(path, name):
        cursor = connection.cursor()
        cursor.execute(f"UPDATE core_path SET name = '{name.x}' WHERE id = {path.pk}")
    """
    assert finding_lines(SqlStringBuilding, code, path="core/models.py") == [13]


def test_a_login_that_loads_admin_accounts_only_lets_in_operators(tmp_path) -> None:
    # Flask-Login's loader answers `AdminAccount` rows only: `@login_required` views answer the admins
    # who run the installation; a loader of `User` rows lets in everyone with an account
    extensions = """from flask_login import LoginManager

from app.models import {cls}, db

login_manager = LoginManager()


@login_manager.user_loader
def load_user(user_id):
    if user_id.isdigit():
        return db.session.get({cls}, int(user_id))
    return None
"""
    routes = """from flask import Blueprint, jsonify
from flask_login import login_required

from app.media import scan

bp = Blueprint("servers", __name__)


@bp.post("/servers/<int:server_id>/scan")
@login_required
def scan_server(server_id):
    try:
        return jsonify(scan(server_id))
    except Exception as e:
        return jsonify({"error": str(e)}), 500
"""
    for cls, expected in (("AdminAccount", []), ("User", [("app/routes.py", 15)])):
        files = {"app/extensions.py": extensions.format(cls=cls), "app/routes.py": routes}
        assert scan_tree(tmp_path, files, "BL201") == expected


def test_rows_read_for_the_writes_of_each_pass_are_the_loops_design(tmp_path) -> None:
    # a row read in a `try` whose `except` goes on to the next item, then changed below the `try`;
    # a parent read once per pass and handed to each of its children's writes; a row read only to show
    files = {
        "courses/models.py": """from django.db import models


class Course(models.Model):
    eid = models.CharField(max_length=100)
    status = models.CharField(max_length=20)


class OrderedChild(models.Model):
    parent = models.ForeignKey(Course, related_name="ordered_children", on_delete=models.CASCADE)
    child = models.ForeignKey(Course, related_name="ordered_parents", on_delete=models.CASCADE)
    order = models.IntegerField()
""",
        "courses/importer.py": """from courses.models import Course, OrderedChild


def approve(pks, status):
    for pk in pks:
        try:
            course = Course.objects.get(pk=pk)
        except Course.DoesNotExist:
            continue
        if course.status != status:
            course.status = status
            course.save()


def link(children_by_parent):
    for parent_eid, children in children_by_parent.items():
        parent = Course.objects.get(eid=parent_eid)
        for i, child_eid in enumerate(children):
            OrderedChild.objects.update_or_create(parent=parent, child_id=child_eid, defaults={"order": i})


def copies(eids):
    rows = [Course.objects.get(eid=e) for e in eids]
    OrderedChild.objects.bulk_create(rows)


def statuses(pks):
    for pk in pks:
        try:
            course = Course.objects.get(pk=pk)
        except Course.DoesNotExist:
            continue
        print(course.status)
""",
    }
    assert scan_tree(tmp_path, files, "BL102") == [("courses/importer.py", 23), ("courses/importer.py", 30)]


def test_a_librarys_model_has_none_of_the_projects_relations(tmp_path) -> None:
    # `{"status": t.status}`: a column of django_celery_results' model, whatever the project names `status`;
    # a library model's attribute used as a row (`{f.user for f in Follow...}`) is a relation still
    files = {
        "reports/models.py": """from django.db import models


class Status(models.Model):
    label = models.CharField(max_length=20)


class Report(models.Model):
    status = models.ForeignKey(Status, on_delete=models.CASCADE)
    user = models.ForeignKey("auth.User", on_delete=models.CASCADE)
""",
        "reports/views.py": """from django.http import JsonResponse
from django_celery_results.models import TaskResult

from reports.models import Report


def tasks(request):
    return JsonResponse([{"id": t.task_id, "status": t.status} for t in TaskResult.objects.filter(task_name="sync")], safe=False)


def reports(request):
    return JsonResponse([{"id": r.pk, "status": r.status.label} for r in Report.objects.filter(public=True)], safe=False)


def audit(request):
    return JsonResponse([{"who": e.user.email} for e in LogEntry.objects.filter(object_id=request.GET["id"])], safe=False)


def followers(request):
    users = {f.user for f in Follow.objects.filter(object_id=request.GET["id"])}
    return JsonResponse([u.email for u in users], safe=False)
""",
    }
    files["reports/views.py"] = files["reports/views.py"].replace(
        "from django_celery_results", "from actstream.models import Follow\nfrom django.contrib.admin.models import LogEntry\nfrom django_celery_results")
    assert scan_tree(tmp_path, files, "BL102") == [("reports/views.py", 14), ("reports/views.py", 18), ("reports/views.py", 22)]


def test_a_run_of_field_copies_between_a_form_and_a_row_is_one_mapping() -> None:
    from backlint.rules.api.logic_in_route_handler import LogicInRouteHandler

    copies = "".join(f"\n        config.field{i} = form.field{i}.data" for i in range(40))
    back = "".join(f"\n        form.field{i}.data = config.field{i}" for i in range(20))
    computed = "".join(f"\n        config.field{i} = normalise(form.field{i}.data, {i})" for i in range(40))
    head = """
from flask import Flask, render_template, request
from app.forms import SettingsForm
from app.models import Config, db
from app.text import normalise

app = Flask(__name__)
"""

    def handler(name: str, body: str) -> str:
        return (f'\n@app.route("/{name}", methods=["GET", "POST"])\ndef {name}():\n    config = Config.query.first()\n'
                f"    form = SettingsForm()\n    if form.validate_on_submit():{body}\n        db.session.commit()\n"
                f'    if request.method == "GET":{back}\n    return render_template("settings.html", form=form)\n')

    code = head + handler("copied", copies) + handler("computed", computed)
    assert finding_lines(LogicInRouteHandler, code) == [code.splitlines().index("def computed():") + 1]


def test_a_row_found_and_then_linked_by_a_new_row_is_read_for_that_write() -> None:
    from backlint.rules.database.query_in_loop import QueryInLoop

    code = """
    from app.models import DocumentLanguage, Language

    def add_languages(db, document, codes, known):
        for code in codes:
            lang = db.query(Language).filter(Language.code == code).one_or_none()
            if lang is not None and lang.code not in known:
                link = DocumentLanguage(language_id=lang.id, document_id=document.id)
                db.add(link)

    def language_names(db, codes):
        names = []
        for code in codes:
            lang = db.query(Language).filter(Language.code == code).one_or_none()
            if lang is not None and lang.code:
                names.append(lang.name)
        return names
    """
    assert finding_lines(QueryInLoop, code, path="app/documents.py") == [14]


def test_a_parameters_relation_held_in_a_variable_is_served_by_the_callers_prefetch(tmp_path) -> None:
    files = {
        "catalog/models.py": """from django.db import models


class Course(models.Model):
    title = models.CharField(max_length=100)


class Program(models.Model):
    title = models.CharField(max_length=100)


class CourseRun(models.Model):
    course = models.ForeignKey(Course, related_name="runs", on_delete=models.CASCADE)
    program = models.ForeignKey(Program, related_name="course_runs", on_delete=models.CASCADE)
""",
        "records/api.py": """from django.db import transaction

from catalog.models import Program


def get_program(uuid):
    return Program.objects.prefetch_related("course_runs__course").get(uuid=uuid)


def program_courses(program):
    titles = []
    runs = program.course_runs.all()
    for run in runs:
        course = run.course
        titles.append(course.title)
    return titles


def program_courses_again(program):
    titles = []
    runs = program.course_runs.filter(hidden=False)
    for run in runs:
        course = run.course
        titles.append(course.title)
    return titles
""",
    }
    assert scan_tree(tmp_path, files, "BL102") == [("records/api.py", 23)]



def test_a_query_limited_to_a_few_rows_loops_a_few_times(tmp_path) -> None:
    files = {
        "app/models.py": """from app.db import db


class FeeStatus(db.Model):
    name = db.Column(db.String)


class Fee(db.Model):
    status_id = db.Column(db.Integer, db.ForeignKey("fee_status.id"))
    status = db.relationship("FeeStatus")
""",
        "app/fees.py": """from app.db import db
from app.models import Fee


def latest_statuses(request_id):
    entries = db.session.query(Fee).filter_by(request_id=request_id).order_by(Fee.version.desc()).limit(2)
    return [entry.status.name for entry in entries]


def all_statuses(request_id):
    entries = db.session.query(Fee).filter_by(request_id=request_id).order_by(Fee.version.desc()).limit(200)
    return [entry.status.name for entry in entries]
""",
        "project/settings.py": 'SQLALCHEMY_DATABASE_URI = "postgresql://db/app"\n',
    }
    assert scan_tree(tmp_path, files, "BL102") == [("app/fees.py", 12)]


def test_an_argparse_subcommand_and_a_sphinx_configuration_run_for_the_operator(tmp_path) -> None:
    # `parser.set_defaults(func=create)`: a subcommand of a terminal program; `docs/conf.py`: the docs build
    files = {
        "client/parsers/create.py": """import json
import sys

import requests


def create(host, form, **kwargs):
    res = requests.post(f"http://{host}/index/", json={"form": form})
    json.dump(res.json(), sys.stdout)


def config(parser):
    parser.add_argument("--form", required=True)
    parser.set_defaults(func=create)
""",
        "docs/conf.py": """import requests

project = "Index"
extensions = ["sphinx.ext.autodoc"]
status = requests.get("https://status.example.org/").text
""",
        "client/sync.py": """import requests


def create(host, form):
    return requests.post(f"http://{host}/index/", json={"form": form}).json()
""",
    }
    assert scan_tree(tmp_path, files, "BL502") == [("client/sync.py", 5)]


def test_a_session_setting_is_not_sql_the_handler_runs_itself() -> None:
    from backlint.rules.api.logic_in_route_handler import LogicInRouteHandler

    code = """
    from flask import Flask
    from app.models import Mission, db
    from app.services import export_mission

    app = Flask(__name__)

    @app.post("/missions/<int:mission_id>/export")
    def export(mission_id):
        db.session.execute("SET CONSTRAINTS ALL DEFERRED")
        return export_mission(Mission.query.get(mission_id))

    @app.post("/missions/<int:mission_id>/archive")
    def archive(mission_id):
        db.session.execute("UPDATE mission SET archived = true WHERE id = :id", {"id": mission_id})
        return export_mission(Mission.query.get(mission_id))
    """
    assert finding_lines(LogicInRouteHandler, code) == [14]


def test_a_view_set_of_the_requesting_users_related_rows_lists_their_own() -> None:
    from backlint.rules.api.unpaginated_list_endpoint import UnpaginatedListEndpoint

    code = """
    from rest_framework import viewsets

    class EmailSubscriptionViewset(viewsets.ModelViewSet):
        serializer_class = EmailSubscriptionSerializer
        pagination_class = None

        def get_queryset(self):
            return self.request.user.email_subscriptions.all()

    class EventViewset(viewsets.ModelViewSet):
        serializer_class = EventSerializer
        pagination_class = None

        def get_queryset(self):
            return self.request.site.events.all()
    """
    assert finding_lines(UnpaginatedListEndpoint, code, path="app/views.py") == [13]


def test_a_function_that_provisions_the_database_runs_once_like_a_migration() -> None:
    from backlint.rules.database.unclosed_connection import UnclosedConnection

    code = """
    from sqlalchemy import create_engine

    def setup_database(database, host):
        engine = create_engine(f"postgresql://postgres@{host}/postgres")
        conn = engine.connect()
        conn.execute('CREATE DATABASE "{}"'.format(database))
        conn.close()

    def count_records(database, host):
        engine = create_engine(f"postgresql://postgres@{host}/{database}")
        conn = engine.connect()
        count = conn.execute("SELECT count(*) FROM index_record").scalar()
        conn.close()
        return count
    """
    assert finding_lines(UnclosedConnection, code, path="app/utils.py") == [11]
    # (one the service runs for every job builds an engine each time)
    called = code + """
    def start_scan(database, host):
        setup_database(database, host)
    """
    import textwrap

    from backlint.frameworks.project import facts_from_text

    facts = facts_from_text(textwrap.dedent(called), "app/utils.py")
    assert finding_lines(UnclosedConnection, called, path="app/utils.py", facts=facts) == [5, 11]


def test_a_keyboard_walk_default_is_a_placeholder(tmp_path) -> None:
    code = 'import os\n\nPOSTGRES_PASSWORD = os.getenv("POSTGRES_PASSWORD", "{}")\n'
    assert scan_tree(tmp_path, {"app/constants.py": code.format("qwerty")}, "BL301") == []
    assert scan_tree(tmp_path / "other", {"app/constants.py": code.format("Tr0ub4dor&3x")}, "BL301") == [("app/constants.py", 3)]


def test_a_member_of_a_class_read_through_an_imported_module_is_a_constant(tmp_path) -> None:
    fields = "class TaskStatus:\n    Terminated = 'terminated'\n    Complete = 'complete'\n"
    state = '''from sqlalchemy import sql

import app.fields as hd_fields


def complete_subtasks(conn, task_id, {arg}):
    query = sql.text(
        "SELECT * FROM tasks WHERE parent_task_id = :p AND status "
        "IN ('" + {value} + "','" + hd_fields.TaskStatus.Complete + "')")
    return conn.execute(query, {{"p": task_id}})
'''
    files = {"app/fields.py": fields, "app/state.py": state.format(arg="status", value="hd_fields.TaskStatus.Terminated")}
    assert scan_tree(tmp_path, files, "BL101") == []
    files = {"app/fields.py": fields, "app/state.py": state.format(arg="status", value="status")}
    assert scan_tree(tmp_path / "other", files, "BL101") == [("app/state.py", 8)]


def test_django_reversion_create_revision_runs_in_a_transaction(tmp_path) -> None:
    views = '''import reversion
from django.shortcuts import redirect
from reversion.views import create_revision

from app.models import Erp, Suggestion


@create_revision({args})
def edit(request, pk):
    erp = Erp.objects.get(pk=pk)
    erp.name = request.POST["name"]
    erp.save()
    Suggestion.objects.create(erp=erp, user=request.user)
    return redirect("/")


def claim(request, pk):
    erp = Erp.objects.get(pk=pk)
    with reversion.create_revision({args}):
        erp.user = request.user
        erp.save()
        Suggestion.objects.create(erp=erp, user=request.user)
    return redirect("/")
'''
    urls = 'from django.urls import path\n\nfrom app import views\n\nurlpatterns = [path("e/<pk>", views.edit), path("c/<pk>", views.claim)]\n'
    files = {"app/views.py": views.format(args="request_creates_revision=lambda r: True"), "app/urls.py": urls}
    assert scan_tree(tmp_path, files, "BL104") == []
    files = {"app/views.py": views.format(args="atomic=False"), "app/urls.py": urls}
    assert scan_tree(tmp_path / "other", files, "BL104") == [("app/views.py", 13), ("app/views.py", 22)]


def test_a_row_replaced_through_a_relation_or_once_per_pass(tmp_path) -> None:
    views = '''from django.shortcuts import get_object_or_404, redirect

from app.models import Erp, ExternalSource, Image


def set_image(request, slug):
    erp = get_object_or_404(Erp, slug=slug)
    erp.sources.filter(source=ExternalSource.PANORAMAX).delete()
    erp.{manager}.create(source=ExternalSource.PANORAMAX, source_id=request.POST["image_id"])
    return redirect("/")


def set_sources(request, slug):
    erp = get_object_or_404(Erp, slug=slug)
    for data in request.POST.getlist("sources"):
        ExternalSource.objects.filter(erp=erp, source=data).delete()
        {model}.objects.create(erp=erp, source=data)
    return redirect("/")
'''
    urls = 'from django.urls import path\n\nfrom app import views\n\nurlpatterns = [path("i/<slug>", views.set_image), path("s/<slug>", views.set_sources)]\n'
    models = '''from django.db import models


class Erp(models.Model):
    slug = models.SlugField()


class ExternalSource(models.Model):
    PANORAMAX = "panoramax"
    erp = models.ForeignKey(Erp, related_name="sources", on_delete=models.CASCADE)
    source = models.CharField(max_length=20)


class Image(models.Model):
    erp = models.ForeignKey(Erp, related_name="images", on_delete=models.CASCADE)
    source = models.CharField(max_length=20)
'''
    files = {"app/views.py": views.format(manager="sources", model="ExternalSource"), "app/urls.py": urls, "app/models.py": models}
    assert scan_tree(tmp_path, files, "BL104") == []
    files = {"app/views.py": views.format(manager="images", model="Image"), "app/urls.py": urls, "app/models.py": models}
    assert scan_tree(tmp_path / "other", files, "BL104") == [("app/views.py", 9)]


def test_one_character_repeated_is_a_filler_not_a_key(tmp_path) -> None:
    code = '''from flask import request


def limit_per_key():
    apikey = request.headers.get("apikey", "{}")
    if apikey == "{}":
        return "60/second"
    return "2/second"
'''
    assert scan_tree(tmp_path, {"app/limits.py": code.format("0000000000", "0000000000")}, "BL301") == []
    assert scan_tree(tmp_path / "other", {"app/limits.py": code.format("k3y-9f8a7b6c5d", "k3y-9f8a7b6c5d")}, "BL301") != []


def test_a_redirect_to_a_route_named_for_the_error_answers_it(tmp_path) -> None:
    views = '''from django.shortcuts import redirect
from django.urls import reverse_lazy
from django.views import View

from app.services import send_activation_email


class ActivationTokenView(View):
    def post(self, request):
        username = request.POST.get("username")
        try:
            return send_activation_email(username, request)
        except Exception:
            return redirect(reverse_lazy("{}", kwargs={{"username": username}}))
'''
    urls = 'from django.urls import path\n\nfrom app.views import ActivationTokenView\n\nurlpatterns = [path("a", ActivationTokenView.as_view())]\n'
    files = {"app/views.py": views.format("registration_email_sent_error"), "app/urls.py": urls}
    assert scan_tree(tmp_path, files, "BL202") == []
    files = {"app/views.py": views.format("registration_email_sent"), "app/urls.py": urls}
    assert scan_tree(tmp_path / "other", files, "BL202") == [("app/views.py", 13)]


def test_a_list_view_scoped_by_a_url_parameter_read_in_a_helper_method(tmp_path) -> None:
    views = '''from rest_framework.generics import ListCreateAPIView

from app.models import Canteen, WasteMeasurement
from app.serializers import WasteMeasurementSerializer


class CanteenWasteMeasurementsView(ListCreateAPIView):
    serializer_class = WasteMeasurementSerializer

    def _get_canteen(self):
        return Canteen.objects.get(pk={})

    def get_queryset(self):
        canteen = self._get_canteen()
        return WasteMeasurement.objects.filter(canteen=canteen).order_by("-period_start_date")
'''
    urls = ('from django.urls import path\n\nfrom app.views import CanteenWasteMeasurementsView\n\n'
            'urlpatterns = [path("canteens/<int:canteen_pk>/waste", CanteenWasteMeasurementsView.as_view())]\n')
    settings = 'REST_FRAMEWORK = {"DEFAULT_AUTHENTICATION_CLASSES": []}\n'
    files = {"app/views.py": views.format('self.kwargs["canteen_pk"]'), "app/urls.py": urls, "app/settings.py": settings}
    assert scan_tree(tmp_path, files, "BL402") == []
    files = {"app/views.py": views.format("self.request.GET['canteen']"), "app/urls.py": urls, "app/settings.py": settings}
    assert scan_tree(tmp_path / "other", files, "BL402") == [("app/views.py", 7)]


def test_a_project_router_over_non_url_patterns_is_not_a_web_route(tmp_path) -> None:
    code = '''import flask

from app import priority_router
from app.store import save_package


@priority_router.route("{}")
def process_request(purl):
    try:
        save_package(purl)
    except Exception as e:
        return f"Failed to save {{purl}}: {{e}}"
'''
    init = "from app import route\n\npriority_router = route.Router()\n"
    files = {"app/__init__.py": init, "app/route.py": "class Router:\n    pass\n", "app/store.py": "def save_package(purl):\n    pass\n"}
    assert scan_tree(tmp_path, {**files, "app/collect.py": code.format("pkg:npm/.*")}, "BL201") == []
    assert scan_tree(tmp_path / "other", {**files, "app/collect.py": code.format("/collect/<purl>")}, "BL201") == [("app/collect.py", 12)]


def test_code_under_a_debugging_switch_left_off_never_runs(tmp_path) -> None:
    code = '''from app.models import Fingerprint

TRACE = {}


def match(fingerprints):
    if TRACE:
        for fp in fingerprints:
            print(Fingerprint.objects.filter(value=fp).count())
    return Fingerprint.objects.filter(value__in=fingerprints)
'''
    assert scan_tree(tmp_path, {"app/match.py": code.format("False")}, "BL102") == []
    assert scan_tree(tmp_path / "on", {"app/match.py": code.format("True")}, "BL102") == [("app/match.py", 9)]
    # (set again elsewhere in the module, the switch may be on)
    again = code.format("False") + "\n\ndef enable():\n    global TRACE\n    TRACE = True\n"
    assert scan_tree(tmp_path / "again", {"app/match.py": again}, "BL102") == [("app/match.py", 9)]


def test_ifs_in_a_row_choosing_among_one_posted_values_literals_are_separate_arms() -> None:
    from backlint.rules.api.logic_in_route_handler import LogicInRouteHandler

    arm = (
        '        if form_label == "{label}":\n'
        '            form = forms.{label_cls}Form(request.POST, user=request.user)\n'
        '            if form.is_valid():\n'
        '                form.save()\n'
        '                note = form.cleaned_data.get("note")\n'
        '                if note:\n'
        '                    messages.add_message(request, messages.INFO, note)\n'
        '                messages.add_message(request, messages.SUCCESS, "{label} saved")\n'
        '                log.info("%s changed %s", request.user, "{label}")\n'
        '                return redirect("my_profile")\n'
    )
    labels = ["password", "username", "email", "preferences", "newsletter", "avatar"]
    code = (
        "import logging\n\n"
        "from django.contrib import messages\n"
        "from django.shortcuts import redirect, render\n"
        "from django.urls import path\n\n"
        "from app import forms\n\n"
        "log = logging.getLogger(__name__)\n\n\n"
        "def my_profile(request):\n"
        '    form_label = request.POST.get("form_label")\n'
        '    if request.method == "POST":\n'
        + "".join(arm.format(label=label, label_cls=label.title()) for label in labels)
        + '    return render(request, "profile.html")\n\n\n'
        'urlpatterns = [path("profile", my_profile)]\n'
    )
    assert finding_lines(LogicInRouteHandler, code, path="app/views.py") == []
    # (the same arms testing different values: all of them may run)
    mixed = code.replace('if form_label == "email":', 'if request.POST.get("email"):')
    mixed = mixed.replace('if form_label == "avatar":', 'if "avatar" in request.FILES:')
    assert finding_lines(LogicInRouteHandler, mixed, path="app/views.py") == [12]


def test_one_object_by_the_clients_key_answered_no_such_thing_found(tmp_path) -> None:
    views = '''from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from app.models import PackageSet


class PackageSetView(APIView):
    def post(self, request):
        uuid = request.data.get("uuid")
        try:
            package_set = PackageSet.objects.get(uuid=uuid)
        except Exception:
            return Response({{"update_status": f"{}"}}, status=status.HTTP_400_BAD_REQUEST)
        return Response({{"name": package_set.name}})
'''
    urls = 'from django.urls import path\n\nfrom app.views import PackageSetView\n\nurlpatterns = [path("sets", PackageSetView.as_view())]\n'
    assert scan_tree(tmp_path, {"app/views.py": views.format("No Package Set found for {uuid}"), "app/urls.py": urls}, "BL204") == []
    assert scan_tree(tmp_path / "other", {"app/views.py": views.format("Could not update {uuid}"), "app/urls.py": urls},
                     "BL204") == [("app/views.py", 14)]


def test_an_action_of_djangos_admin_site_is_staff_only(tmp_path) -> None:
    admin = '''from django.contrib import admin
from django.contrib.gis.admin import GISModelAdmin
from import_export.admin import ExportMixin

from app.models import Erp


@admin.register(Erp)
class ErpAdmin(ExportMixin, GISModelAdmin):
    actions = ["assign_user"]

    def assign_user(self, request, queryset):
        if "apply" in request.POST:
            new_owner_id = request.POST.get("new_owner_id")
            updated = Erp.objects.filter(pk__in=queryset).update(user_id=new_owner_id)
            self.message_user(request, f"{updated} updated")
'''
    assert scan_tree(tmp_path, {"app/admin.py": admin}, "BL403") == []
    assert scan_tree(tmp_path / "registered", {"app/admin.py": admin.replace("ExportMixin, GISModelAdmin", "Base")}, "BL403") == []
    view = '''from django.shortcuts import redirect

from app.models import Erp


def assign_user(request, pk):
    new_owner_id = request.POST.get("new_owner_id")
    Erp.objects.filter(pk=pk).update(user_id=new_owner_id)
    return redirect("/")
'''
    urls = 'from django.urls import path\n\nfrom app import views\n\nurlpatterns = [path("a/<pk>", views.assign_user)]\n'
    assert scan_tree(tmp_path / "other", {"app/views.py": view, "app/urls.py": urls}, "BL403") == [("app/views.py", 8)]


def test_a_project_decorator_or_context_manager_named_for_a_kind_of_atomic_is_a_transaction(tmp_path) -> None:
    views = '''from django.shortcuts import redirect

from app.models import Team, TeamMembership
from app.transaction import {name}


@{name}
def team_new(request):
    team = Team.objects.create(name=request.POST["name"])
    TeamMembership.objects.create(team=team, user=request.user, is_admin=True)
    return redirect("/")
'''
    transaction = '''from django.db import transaction


class ImmediateAtomic(transaction.Atomic):
    pass


def {name}(function):
    def wrapper(*args, **kwargs):
        with ImmediateAtomic(None, True, True):
            return function(*args, **kwargs)
    return wrapper
'''
    urls = 'from django.urls import path\n\nfrom app import views\n\nurlpatterns = [path("t", views.team_new)]\n'
    files = {"app/urls.py": urls}
    for name in ("atomic_for_request_method", "immediate_atomic"):
        files.update({"app/views.py": views.format(name=name), "app/transaction.py": transaction.format(name=name)})
        assert scan_tree(tmp_path / name, files, "BL104") == []
    files.update({"app/views.py": views.format(name="atomic_write"), "app/transaction.py": transaction.format(name="atomic_write")})
    assert scan_tree(tmp_path / "other", files, "BL104") == [("app/views.py", 10)]


def test_a_traceback_spread_into_the_answer_only_in_debug_mode(tmp_path) -> None:
    code = '''import os
import traceback

from fastapi import FastAPI
from fastapi.responses import JSONResponse

app = FastAPI()
debug = os.environ.get("prod", "true").upper() != "TRUE"


@app.exception_handler(Exception)
async def universal_exception_handler(_, exception):
    stacktrace = {{"traceback": traceback.format_exc()}} {}
    return JSONResponse({{"detail": "Internal server error", **stacktrace}}, status_code=500)
'''
    assert scan_tree(tmp_path, {"app/main.py": code.format("if debug else {}")}, "BL201") == []
    assert scan_tree(tmp_path / "other", {"app/main.py": code.format("if exception else {}")}, "BL201") == [("app/main.py", 14)]


def test_a_traitlets_sections_debug_is_that_components_logging(tmp_path) -> None:
    code = "{}\nc.DockerSpawner.image = 'jupyter/base-notebook'\nc.DockerSpawner.debug = True\n"
    assert scan_tree(tmp_path, {"jupyterhub/jupyterhub_config.py": code.format("c = get_config()  # noqa")}, "BL203") == []
    flask = "from flask import Flask\n\nc = Flask(__name__)\nc.debug = True\n"
    assert scan_tree(tmp_path / "other", {"app/wsgi.py": flask}, "BL203") == [("app/wsgi.py", 4)]


def test_the_identity_providers_userinfo_checks_the_requests_credentials(tmp_path) -> None:
    code = '''from fastapi import APIRouter, HTTPException, Security
from fastapi.security import HTTPBearer
from keycloak import KeycloakOpenID

from app.models import TokenDB

router = APIRouter()
security = HTTPBearer()
keycloak_openid = KeycloakOpenID(server_url="https://id.example.org/auth/", realm_name="r", client_id="c")


@router.get("/me")
async def me(credentials=Security(security)):
    try:
        user_info = keycloak_openid.{}(credentials.credentials)
        token = await TokenDB.find_one({{"email": user_info["email"]}})
        keycloak_openid.logout(token.refresh_token)
        await token.delete()
    except Exception:
        raise HTTPException(status_code=403, detail="Access token invalid! Cannot get user info.")
    return {{"email": user_info["email"]}}
'''
    assert scan_tree(tmp_path, {"app/routers/keycloak.py": code.format("userinfo")}, "BL204") == []
    assert scan_tree(tmp_path / "other", {"app/routers/keycloak.py": code.format("groups")}, "BL204") == [("app/routers/keycloak.py", 20)]


def test_minios_published_root_password_is_a_factory_default(tmp_path) -> None:
    code = 'MINIO_ACCESS_KEY = "minioadmin"\nMINIO_SECRET_KEY = "{}"\n'
    assert scan_tree(tmp_path, {"app/config.py": code.format("minioadmin")}, "BL301") == []
    assert scan_tree(tmp_path / "other", {"app/config.py": code.format("q8Hw2zLmK4")}, "BL301") == [("app/config.py", 2)]


def test_a_request_key_already_looked_up_as_a_row_is_checked(tmp_path) -> None:
    views = '''from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect

from app.models import Project, ProjectMembership


def project_list(request):
    action, project_pk = request.POST.get("action").split(":", 1)
    if action == "join":
        {}
        ProjectMembership.objects.create(project_id=project_pk, user_id=request.user.id, accepted=True)
    return redirect("/")
'''
    urls = 'from django.urls import path\n\nfrom app import views\n\nurlpatterns = [path("p", views.project_list)]\n'
    lookup = 'project = Project.objects.get(id=project_pk)\n        if not project.is_joinable(user=request.user):\n            raise PermissionDenied("not joinable")'
    assert scan_tree(tmp_path, {"app/views.py": views.format(lookup), "app/urls.py": urls}, "BL403") == []
    assert scan_tree(tmp_path / "other", {"app/views.py": views.format("pass"), "app/urls.py": urls}, "BL403") == [("app/views.py", 11)]


def test_a_function_returning_a_comprehension_over_a_constant_mappings_items_is_bounded(tmp_path) -> None:
    schema = '''FIELDS = {
    "comment": {"free_text": True},
    "labels": {"free_text": True},
    "entry": {"free_text": False},
}


def get_free_text_fields() -> list[str]:
    return [k for (k, v) in FIELDS.items() if v.get("free_text", False) is True]


def get_fields(names) -> list[str]:
    return [k for k in names if k in FIELDS]
'''
    forms = '''from app import schema
from app.models import Accessibilite


def restore(instance, names):
    for free_text in schema.{}:
        if getattr(instance, free_text, None):
            old = Accessibilite.objects.filter(pk=instance.pk).values_list(free_text, flat=True).first()
            setattr(instance, free_text, old)
'''
    files = {"app/schema.py": schema, "app/forms.py": forms.format("get_free_text_fields()")}
    assert scan_tree(tmp_path, files, "BL102") == []
    files = {"app/schema.py": schema, "app/forms.py": forms.format("get_fields(names)")}
    assert scan_tree(tmp_path / "other", files, "BL102") == [("app/forms.py", 8)]


def test_a_database_set_up_module_runs_once(tmp_path) -> None:
    code = '''import sys
import time

import psycopg2


def main():
    for _ in range(40):
        try:
            conn = psycopg2.connect(sys.argv[1])
            break
        except psycopg2.OperationalError:
            time.sleep(0.25)
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute("SELECT 1")
'''
    assert scan_tree(tmp_path, {"app/init_db.py": code}, "BL103") == []
    assert scan_tree(tmp_path / "other", {"app/db.py": code}, "BL103") == [("app/db.py", 10)]


def test_a_function_that_provisions_through_a_helper_runs_once() -> None:
    from backlint.rules.database.unclosed_connection import UnclosedConnection

    code = """
    from sqlalchemy import create_engine
    from sqlalchemy_utils import create_database

    def setup_database(database, host):
        engine = create_engine(f"postgresql://postgres@{{host}}/postgres")
        conn = engine.connect()
        {}(f"postgresql://postgres@{{host}}/{{database}}")
        conn.close()
    """
    assert finding_lines(UnclosedConnection, code.format("create_database"), path="app/utils.py") == []
    assert finding_lines(UnclosedConnection, code.format("print"), path="app/utils.py") == [6]


def test_a_conversion_to_a_timestamp_of_a_query_value_is_parsing(tmp_path) -> None:
    code = '''from flask import Flask, abort, jsonify, request

from app import utils

app = Flask(__name__)


@app.get("/measures")
def measures():
    start = request.args.get("start")
    try:
        start = utils.{}(start)
    except Exception:
        abort(400, "Invalid value for start")
    return jsonify(utils.measures(start))
'''
    assert scan_tree(tmp_path, {"app/api.py": code.format("to_timestamp")}, "BL204") == []
    assert scan_tree(tmp_path / "other", {"app/api.py": code.format("timestamps_since")}, "BL204") == [("app/api.py", 14)]


def test_a_small_text_file_the_coroutine_wrote_read_back_in_binary(tmp_path) -> None:
    code = '''import hashlib

from fastapi import APIRouter

router = APIRouter()


@router.get("/datasets/{{dataset_id}}/download")
async def download_dataset(dataset_id: str, bagit_path: str, zip_path: str):
    with open(bagit_path, "{}") as f:
        f.write("Bag-Size: 12 kB\\n")
        f.write("Internal-Sender-Identifier: " + dataset_id + "\\n")
    bagit_md5 = hashlib.md5(open(bagit_path, "rb").read()).hexdigest()
    zip_bytes = open(zip_path, "rb").read()
    return {{"md5": bagit_md5, "size": len(zip_bytes)}}
'''
    assert scan_tree(tmp_path, {"app/routers/download.py": code.format("a")}, "BL501") == [("app/routers/download.py", 14)]
    # (written in binary mode: any bytes the code was handed, of any size)
    binary = code.format("wb").replace('f.write("Bag-Size: 12 kB\\n")', "f.write(payload)")
    assert scan_tree(tmp_path / "other", {"app/routers/download.py": binary}, "BL501") == [
        ("app/routers/download.py", 13), ("app/routers/download.py", 14)]


def test_code_after_a_call_of_a_function_that_only_raises_never_runs(tmp_path) -> None:
    permissions = '''class DeprecationError(Exception):
    pass


def raise_deprecation_error(request):
    raise DeprecationError(f"Deprecated endpoint: '{request.path}'")


def check_curator(request):
    if not request.headers.get("user_token"):
        raise DeprecationError("no token")
'''
    views = '''import requests
from flask import request
from flask_restful import Resource

from app.permissions import {}


class Placeholder(Resource):
    def put(self):
        {}(request)
        response = requests.get("https://www.ebi.ac.uk/ols4/api/search", params=request.args)
        return response.json()
'''
    files = {"app/permissions.py": permissions, "app/views.py": views.format("raise_deprecation_error", "raise_deprecation_error")}
    assert scan_tree(tmp_path, files, "BL502") == []
    files = {"app/permissions.py": permissions, "app/views.py": views.format("check_curator", "check_curator")}
    assert scan_tree(tmp_path / "other", files, "BL502") == [("app/views.py", 11)]


def test_the_status_of_a_jsonify_wrapped_in_make_response_is_the_wrappers(tmp_path) -> None:
    code = '''from flask import Flask, jsonify, make_response, request

from app.auth import verify

app = Flask(__name__)


@app.post("/auth/validate")
def validate():
    try:
        user = verify(request.headers["user_token"])
    except Exception as e:
        return make_response(jsonify({{"message": "Authentication failed", "err": str(e)}}), {})
    return jsonify({{"user": user}})
'''
    assert scan_tree(tmp_path, {"app/views.py": code.format("401")}, "BL201") == []
    assert scan_tree(tmp_path / "other", {"app/views.py": code.format("500")}, "BL201") == [("app/views.py", 13)]


def test_a_view_that_starts_by_checking_an_admin_only_role_answers_operators(tmp_path) -> None:
    permissions = '''from app.roles import UserRole, validate_user_has_role


def validate_user_has_curator_role(request, fail_silently=False, study_required=False):
    return validate_user_has_role(
        request=request, roles=[{}], fail_silently=fail_silently, study_required=study_required
    )
'''
    views = '''from flask import request
from flask_restful import Resource, abort

from app.permissions import validate_user_has_curator_role
from app.storage import compress_study


class CompressFiles(Resource):
    def post(self, study_id):
        result = validate_user_has_curator_role(request, study_required=True)
        try:
            compress_study(study_id, result.context)
        except Exception as e:
            abort(500, message=str(e))
        return {"status": "ok"}
'''
    admins = "UserRole.ROLE_SUPER_USER, UserRole.SYSTEM_ADMIN"
    assert scan_tree(tmp_path, {"app/permissions.py": permissions.format(admins), "app/views.py": views}, "BL201") == []
    submitters = "UserRole.ROLE_SUPER_USER, UserRole.ROLE_SUBMITTER"
    assert scan_tree(tmp_path / "other", {"app/permissions.py": permissions.format(submitters), "app/views.py": views},
                     "BL201") == [("app/views.py", 14)]


def test_test_cases_outside_the_tests_directory_are_test_code() -> None:
    from backlint.rules.reliability.request_without_timeout import RequestWithoutTimeout

    checks = """
    import requests
    from django.test import TestCase


    class LinkChecks(TestCase):
        def assert_up(self, link):
            response = requests.get(link)
            self.assertEqual(response.status_code, 200)
    """
    assert finding_lines(RequestWithoutTimeout, checks, path="portal/utils/annotations.py") == []
    # A module that only names a test case (a view that mentions one in a string) is not test code.
    view = """
    import requests
    from django.test import RequestFactory


    class LinkChecks:
        def assert_up(self, link):
            return requests.get(link).status_code  # TestCase
    """
    assert finding_lines(RequestWithoutTimeout, view, path="portal/utils/annotations.py") == [8]


def test_an_error_text_answered_only_under_a_debug_named_setting_is_development_only() -> None:
    from backlint.rules.errors.exception_leak import ExceptionLeak

    handler = """
    from flask_restx import Api

    from api import settings

    api = Api()


    @api.errorhandler
    def default_error_handler(e):
        if settings.FLASK_DEBUG:
            return {"message": str(e)}, 500
        return {"message": "An internal server error occurred."}, 500
    """
    assert finding_lines(ExceptionLeak, handler, path="api/restplus.py") == []
    assert finding_lines(ExceptionLeak, handler.replace("settings.FLASK_DEBUG", "settings.FLASK_VERBOSE"), path="api/restplus.py") == [12]


def test_a_sliced_search_of_a_project_search_class_is_a_read() -> None:
    home = """
    from flask import Blueprint, render_template

    from portal.search import FeaturedArticlesSearch

    blueprint = Blueprint("pages", __name__)


    @blueprint.route("/")
    def index():
        results = []
        try:
            results = FeaturedArticlesSearch().sort("-date_published")[:6].execute().hits.hits
        except Exception:
            pass
        return render_template("index.html", featured_articles=results)
    """
    assert finding_lines(SwallowedException, home, path="portal/pages/views.py") == []
    assert finding_lines(SwallowedException, home.replace("FeaturedArticlesSearch()", "FeaturedArticlesJob()"), path="portal/pages/views.py") == [14]


def test_a_check_nested_in_a_health_check_answers_monitoring() -> None:
    from backlint.rules.errors.unlogged_error_response import UnloggedErrorResponse

    view = """
    import requests
    from django.http import HttpResponse


    def health_check(request):
        def check_api():
            try:
                requests.get("https://example.org/api/v1/rna/", timeout=10)
                return HttpResponse("OK", status=200)
            except requests.RequestException:
                return HttpResponse("API is down", status=503)

        return check_api()
    """
    assert finding_lines(UnloggedErrorResponse, view, path="portal/views.py") == []
    assert finding_lines(UnloggedErrorResponse, view.replace("health_check", "rna_summary"), path="portal/views.py") == [12]


def test_a_try_that_only_converts_query_arguments_has_nothing_to_log() -> None:
    from backlint.rules.errors.unlogged_error_response import UnloggedErrorResponse

    view = """
    from flask import request
    from flask_restx import Namespace

    ns = Namespace("ogc")


    @ns.route("/jobs")
    def jobs():
        try:
            min_duration = float(request.args.get("minDuration")) if request.args.get("minDuration") else None
        except:
            return {"detail": "minDuration must be a number"}, 500
        return {"jobs": list_jobs(min_duration)}
    """
    assert finding_lines(UnloggedErrorResponse, view, path="api/endpoints/ogc.py") == []
    fetched = view.replace('float(request.args.get("minDuration"))', 'float(fetch_limit(request.args.get("minDuration")))')
    assert finding_lines(UnloggedErrorResponse, fetched, path="api/endpoints/ogc.py") == [13]


def test_a_loop_over_an_enumeration_or_an_imported_module_literal_has_a_few_passes(tmp_path) -> None:
    actions = """
from enum import Enum


class ColdStorageActions(Enum):
    ARCHIVE = "archive"
    STAGE = "stage"
"""
    examples = """
litsumm_examples = [
    {"urs": "URS000075A546_9606", "title": "[MIR21]"},
    {"urs": "URS00004F9A56_9606", "title": "ZEB1"},
]
"""  # (no call, import or dot: a file of data only)
    service = """
from app.api import ColdStorageActions
from app.config.summaries import litsumm_examples
from app.models import LitSumm, Transfer


def check_submitted():
    for action in ColdStorageActions:
        Transfer.objects.filter(action=action.value).count()


def homepage(request):
    for item in litsumm_examples:
        LitSumm.objects.filter(primary_id=item["urs"]).first()


def check_pending(pending):
    for action in pending:
        Transfer.objects.filter(action=action.value).count()
"""
    files = {"app/api.py": actions, "app/config/summaries.py": examples, "app/service.py": service}
    assert scan_tree(tmp_path, files, "BL102") == [("app/service.py", 19)]
    # Filled at run time (`registry = []`), it holds as many as the code puts there: not a constant.
    files["app/config/summaries.py"] = "litsumm_examples = []\n"
    assert scan_tree(tmp_path / "filled", files, "BL102") == [("app/service.py", 14), ("app/service.py", 19)]


def test_a_posted_action_that_returns_early_is_a_handler_of_its_own() -> None:
    from backlint.rules.api.logic_in_route_handler import LogicInRouteHandler

    steps = "\n".join(f"        audit_{i}(req, version)" for i in range(30))
    page = "\n".join(f"    ctx.update(k{i}=describe_{i}(version))" for i in range(30))
    view = f"""
from django import shortcuts
from django.contrib import messages
from django.urls import path


def revision(req, version_id):
    version = shortcuts.get_object_or_404(Version, pk=version_id)
    ctx = {{}}
    if req.method == "POST" and ("_hide" in req.POST or "_show" in req.POST):
{steps}
        return shortcuts.redirect("history")
{page}
    return shortcuts.render(req, "revision.html", ctx)


urlpatterns = [path("revision/<int:version_id>", revision)]
"""
    assert finding_lines(LogicInRouteHandler, view, path="tools/views.py") == []
    # Without the early return both parts run for a posted form: one handler of 60 statements.
    joined = view.replace('        return shortcuts.redirect("history")\n', "")
    assert finding_lines(LogicInRouteHandler, joined, path="tools/views.py") == [7]


def test_a_server_the_user_configured_is_taken_from_the_data() -> None:
    from backlint.rules.errors.unlogged_error_response import UnloggedErrorResponse

    view = """
    import requests
    from rest_framework import viewsets
    from rest_framework.response import Response


    class ImmichIntegrationView(viewsets.ViewSet):
        def albums(self, request):
            integration = ImmichIntegration.objects.filter(user=request.user).first()
            try:
                res = requests.get(f"{integration.server_url}/albums", timeout=10).json()
            except requests.exceptions.ConnectionError:
                return Response({"message": "The Immich server is down or unreachable."}, status=503)
            return Response(res)
    """
    assert finding_lines(UnloggedErrorResponse, view, path="integrations/views.py") == []
    own = view.replace('f"{integration.server_url}/albums"', 'f"{self.server_url}/albums"')
    assert finding_lines(UnloggedErrorResponse, own, path="integrations/views.py") == [13]


_FILLED_IN_ANSWER = """
    import flask
    from flask import make_response

    models = flask.Blueprint("models", __name__)


    @models.route("/api/store/<store_id>/models", methods=["POST"])
    def create_model(store_id):
        res = {}
        try:
            publisher_gateway.create_store_model(flask.session, store_id)
            res["success"] = True
            return make_response(res, 201)
        except Exception:
            res["success"] = False
            res["message"] = "An error occurred"

        return make_response(res, 500)
    """
"""An `except` that only fills in the answer the view returns with a 500 after the `try` (round 64's
snapcraft.io): BL202 leaves it, BL204 asks whether it logs."""


def test_a_handler_that_fills_in_the_error_answer_returned_after_the_try_is_not_silent() -> None:
    view = _FILLED_IN_ANSWER
    assert finding_lines(SwallowedException, view, path="webapp/endpoints/models.py") == []
    assert finding_lines(SwallowedException, view.replace("make_response(res, 500)", "make_response(res, 200)"),
                         path="webapp/endpoints/models.py") == [15]


def test_a_queryset_whose_every_q_condition_names_the_requester_is_the_users_own() -> None:
    from backlint.rules.api.unpaginated_list_endpoint import UnpaginatedListEndpoint

    views = """
    from django.db.models import Q
    from rest_framework import viewsets


    class ActivityViewSet(viewsets.ModelViewSet):
        serializer_class = ActivitySerializer
        pagination_class = None

        def get_queryset(self):
            user = self.request.user
            if not user.is_authenticated:
                return Activity.objects.none()
            location_filter = Q(visit__location__user=user)
            location_filter |= Q(visit__location__collections__shared_with=user)
            return Activity.objects.filter(location_filter).distinct()
    """
    assert finding_lines(UnpaginatedListEndpoint, views, path="adventures/views/activity_view.py") == []
    public = views.replace("Q(visit__location__collections__shared_with=user)", "Q(visit__location__is_public=True)")
    assert finding_lines(UnpaginatedListEndpoint, public, path="adventures/views/activity_view.py") == [8]


def test_a_session_class_built_on_requests_is_an_http_client(tmp_path) -> None:
    client = """
from requests import Session as RequestsSession


class BaseSession:
    def request(self, method, url, **kwargs):
        return super().request(method, url, timeout=10, **kwargs)


class Session(BaseSession, RequestsSession):
    pass
"""
    view = """
import flask

from webapp.api.requests import Session


def callback():
    session = Session()
    response = session.request(method="POST", url="https://github.com/login/oauth/access_token")
    return flask.jsonify(response.json())
"""
    files = {"webapp/api/requests.py": client, "webapp/login/oauth_views.py": view}
    assert scan_tree(tmp_path, files, "BL103") == []
    files["webapp/api/requests.py"] = client.replace("from requests import Session as RequestsSession",
                                                     "from sqlalchemy.orm import Session as OrmSession").replace(
        "(BaseSession, RequestsSession)", "(BaseSession, OrmSession)")
    assert scan_tree(tmp_path / "orm", files, "BL103") == [("webapp/login/oauth_views.py", 8)]


def test_an_abort_whose_status_handler_reports_to_sentry_is_recorded(tmp_path) -> None:
    handlers = """
import flask
import sentry_sdk


def set_handlers(app):
    @app.errorhandler(500)
    @app.errorhandler(502)
    def internal_error(error):
        sentry_sdk.capture_exception()
        return flask.render_template("500.html"), getattr(error, "code", 500)
"""
    views = """
import flask

from webapp import authentication
from webapp.api import ApiError

login = flask.Blueprint("login", __name__)


@login.route("/refresh")
def refresh():
    try:
        discharge = authentication.get_refreshed_discharge(flask.session["macaroon_discharge"])
    except ApiError as api_error:
        return flask.abort(502, str(api_error))
    return flask.jsonify(discharge)
"""
    files = {"webapp/handlers.py": handlers, "webapp/login/views.py": views}
    assert scan_tree(tmp_path, files, "BL204") == []
    files["webapp/handlers.py"] = handlers.replace("        sentry_sdk.capture_exception()\n", "")
    assert scan_tree(tmp_path / "unreported", files, "BL204") == [("webapp/login/views.py", 15)]


def test_an_apis_own_error_messages_answered_to_the_caller_are_not_lost() -> None:
    from backlint.rules.errors.unlogged_error_response import UnloggedErrorResponse

    view = """
    import flask
    from canonicalwebteam.store_api.exceptions import StoreApiResponseErrorList
    from flask import make_response

    models = flask.Blueprint("models", __name__)


    @models.route("/api/store/<store_id>/models")
    def get_models(store_id):
        res = {}
        try:
            res["data"] = publisher_gateway.get_store_models(flask.session, store_id)
            return make_response(res, 200)
        except StoreApiResponseErrorList as error_list:
            messages = [error.get("message", "An error occurred") for error in error_list.errors]
            res["message"] = " ".join(messages)
            return make_response(res, 500)
    """
    assert finding_lines(UnloggedErrorResponse, view, path="webapp/endpoints/models.py") == []
    # Unreachable is no answer of the API's: nothing tells the operators it is down.
    down = view.replace("StoreApiResponseErrorList", "StoreApiConnectionError")
    assert finding_lines(UnloggedErrorResponse, down, path="webapp/endpoints/models.py") == [18]
    # The exception's text is no answer of the API's: it may name anything.
    text = view.replace("error.get(\"message\", \"An error occurred\") for error in error_list.errors", "str(error_list)")
    assert finding_lines(UnloggedErrorResponse, text, path="webapp/endpoints/models.py") == [18]


def test_an_image_saved_into_a_buffer_of_the_function_writes_to_memory() -> None:
    code = """
    import io

    from PIL import Image as PILImage


    def cover_image(path):
        try:
            pil = PILImage.open(path)
            buf = io.BytesIO()
            pil.save(buf, format="JPEG", quality=85)
            buf.seek(0)
            return buf
        except Exception:
            return None
    """
    assert finding_lines(SwallowedException, code, path="adventures/services/collection_pdf.py") == []
    on_disk = code.replace("buf = io.BytesIO()", "buf = open(path + '.jpg', 'wb')")
    assert finding_lines(SwallowedException, on_disk, path="adventures/services/collection_pdf.py") == [14]


def test_a_handler_that_fills_in_a_server_error_returned_after_the_try_is_unlogged() -> None:
    from backlint.rules.errors.unlogged_error_response import UnloggedErrorResponse

    view = _FILLED_IN_ANSWER
    assert finding_lines(UnloggedErrorResponse, view, path="webapp/endpoints/models.py") == [19]
    logged = view.replace('            res["success"] = False\n', '            logger.exception("create_store_model failed")\n')
    assert finding_lines(UnloggedErrorResponse, logged, path="webapp/endpoints/models.py") == []
    client = view.replace("make_response(res, 500)", "make_response(res, 400)")
    assert finding_lines(UnloggedErrorResponse, client, path="webapp/endpoints/models.py") == []
    nested = """
    from flask import Blueprint, jsonify

    bp = Blueprint("requestarr", __name__)


    @bp.route("/settings/default-instances", methods=["POST"])
    def set_default_instances():
        try:
            save_default_instances()
            return jsonify({"success": True})
        except Exception as e:
            logger.error(f"Error setting default instances: {e}")
            try:
                recover_corruption(e)
            except Exception:
                pass
            return jsonify({"success": False}), 500
    """
    assert finding_lines(UnloggedErrorResponse, nested, path="apps/requestarr_routes.py") == []


def test_an_error_printed_through_a_printer_class_is_logged() -> None:
    from backlint.rules.errors.unlogged_error_response import UnloggedErrorResponse

    view = """
    from flask import Flask, Response

    from helpers.print_style import PrintStyle

    app = Flask(__name__)


    @app.route("/api/terminate", methods=["POST"])
    def terminate():
        try:
            stop_chat()
        except Exception as e:
            PrintStyle.error(f"API terminate chat error: {e}")
            return Response('{"error": "Internal server error"}', status=500, mimetype="application/json")
        return Response("{}", status=200)
    """
    assert finding_lines(UnloggedErrorResponse, view, path="api/api_terminate_chat.py") == []
    assert finding_lines(UnloggedErrorResponse, view.replace("PrintStyle.error", "Styles.error"), path="api/api_terminate_chat.py") == [15]


def test_a_login_whose_password_comes_from_the_environment_answers_its_operator(tmp_path) -> None:
    login = """
import hashlib

from helpers import dotenv


def get_credentials_hash():
    user = dotenv.get_dotenv_value(dotenv.KEY_AUTH_LOGIN)
    password = dotenv.get_dotenv_value(dotenv.KEY_AUTH_PASSWORD)
    return hashlib.sha256(f"{user}:{password}".encode()).hexdigest()
"""
    api = """
from flask import Flask, Response

app = Flask(__name__)


@app.route("/api/log_get", methods=["POST"])
def log_get():
    try:
        return Response(read_log(), status=200)
    except Exception as e:
        return Response(f"Error: {str(e)}", status=500)
"""
    files = {"helpers/login.py": login, "api/api_log_get.py": api}
    assert scan_tree(tmp_path, files, "BL201") == []
    files["helpers/login.py"] = login.replace("KEY_AUTH_PASSWORD", "KEY_SMTP_PASSWORD")
    assert scan_tree(tmp_path / "smtp", files, "BL201") == [("api/api_log_get.py", 12)]


def test_a_connection_test_of_the_url_the_client_sent_answers_about_that_url() -> None:
    from backlint.rules.errors.exception_leak import ExceptionLeak

    view = """
    import requests
    from flask import Blueprint, jsonify, request

    lidarr_bp = Blueprint("lidarr", __name__)


    @lidarr_bp.route("/test-connection", methods=["POST"])
    def test_connection():
        data = request.json
        api_url = data.get("api_url")
        if not api_url.startswith(("http://", "https://")):
            api_url = f"http://{api_url}"
        url = f"{api_url.rstrip('/')}/api/v1/system/status"
        try:
            response = requests.get(url, timeout=10)
            return jsonify({"success": True, "version": response.json().get("version")})
        except requests.exceptions.RequestException as e:
            return jsonify({"success": False, "message": f"Connection test failed: {str(e)}"}), 500
    """
    assert finding_lines(ExceptionLeak, view, path="apps/lidarr_routes.py") == []
    stored = view.replace('api_url = data.get("api_url")', 'api_url = load_settings("lidarr")["api_url"]')
    assert finding_lines(ExceptionLeak, stored, path="apps/lidarr_routes.py") == [19]


def test_a_view_that_starts_with_an_admin_guard_answers_operators() -> None:
    from backlint.rules.errors.exception_leak import ExceptionLeak

    view = """
    import flask

    from app.auth.guards import require_admin

    post_bp = flask.Blueprint("post", __name__)


    @post_bp.route("/api/posts/reprocess", methods=["POST"])
    def reprocess_all():
        _, error = require_admin("reprocess posts")
        if error:
            return error
        try:
            count = reprocess_posts()
        except Exception as e:
            return flask.jsonify({"status": "error", "message": str(e)}), 500
        return flask.jsonify({"count": count})
    """
    assert finding_lines(ExceptionLeak, view, path="app/routes/post_routes.py") == []
    org = view.replace("require_admin", "require_org_admin")
    assert finding_lines(ExceptionLeak, org, path="app/routes/post_routes.py") == [17]


def test_a_column_added_in_a_try_of_its_own_may_exist_already() -> None:
    code = """
    def migrate(conn):
        for name, kind in [("notes", "TEXT"), ("app_type", "TEXT")]:
            try:
                conn.execute(f"ALTER TABLE requestarr_requests ADD COLUMN {name} {kind}")
            except Exception:
                pass
        try:
            conn.execute("CREATE INDEX IF NOT EXISTS idx_user ON requestarr_requests(user_id)")
        except Exception:
            pass
        try:
            conn.execute("UPDATE requestarr_requests SET app_type = 'movie'")
        except Exception:
            pass
    """
    assert finding_lines(SwallowedException, code, path="primary/utils/database.py") == [14]


def test_a_flask_async_view_runs_in_a_loop_of_its_own(tmp_path) -> None:
    base = """
from flask import Flask, request

app = Flask(__name__)


class ApiHandler:
    async def process(self, input, request):
        raise NotImplementedError

    @classmethod
    def register(cls, path):
        async def view():
            return await cls().process(request.get_json(), request)
        app.add_url_rule(path, cls.__name__, view, methods=["POST"])
"""
    handler = """
import os

from helpers.api import ApiHandler


class ApiFilesGet(ApiHandler):
    async def process(self, input, request):
        with open(input["path"], "rb") as f:
            return {"content": f.read()}
"""
    manifest = "[project]\\nname = 'agent'\\ndependencies = ['flask[async]', 'uvicorn']\\n"
    files = {"helpers/api.py": base, "api/api_files_get.py": handler, "pyproject.toml": manifest}
    assert scan_tree(tmp_path, files, "BL501") == []
    files["helpers/api.py"] = base.replace("from flask import Flask, request", "from quart import Quart as Flask, request")
    assert scan_tree(tmp_path / "quart", files, "BL501") == [("api/api_files_get.py", 9)]


def test_optional_query_parameters_refining_a_queryset_are_mapping() -> None:
    from backlint.rules.api.logic_in_route_handler import LogicInRouteHandler

    filters = "\n".join(f"    if 'p{i}' in request.GET:\n        hosts = hosts.filter(f{i}=request.GET['p{i}'])" for i in range(14))
    view = f"""
from django.shortcuts import render
from django.urls import path


def host_list(request):
    hosts = Host.objects.select_related("domain")
{filters}
    return render(request, "hosts.html", {{"hosts": hosts}})


urlpatterns = [path("hosts/", host_list)]
"""
    assert finding_lines(LogicInRouteHandler, view, path="hosts/views.py") == []
    # Deciding what to do with each parameter is work: `sync_host(...)` per parameter.
    work = view.replace("hosts = hosts.filter(", "hosts = sync_host(hosts, ")
    assert finding_lines(LogicInRouteHandler, work, path="hosts/views.py") == [6]


def test_a_connection_a_pool_keeps_is_handed_over() -> None:
    from backlint.rules.database.unclosed_connection import UnclosedConnection

    code = """
    import sqlite3

    from sqlalchemy import create_engine
    from sqlalchemy.pool import StaticPool


    def deserialize(db_bytes):
        conn = sqlite3.connect(":memory:")
        conn.deserialize(db_bytes)
        return create_engine("sqlite://", poolclass=StaticPool, creator=lambda: conn)


    def count(db_bytes):
        conn = sqlite3.connect(":memory:")
        conn.deserialize(db_bytes)
        return conn.execute("SELECT count(*) FROM users").fetchone()[0]
    """
    assert finding_lines(UnclosedConnection, code, path="endorsing/endorsing_db.py") == [15]


def test_the_body_an_upstream_answered_with_is_its_answer() -> None:
    from backlint.rules.errors.exception_leak import ExceptionLeak

    code = """
    import httpx
    from fastapi import APIRouter, HTTPException

    router = APIRouter()


    @router.get("/chatmap/{map_id}")
    async def chatmap(map_id: str):
        async with httpx.AsyncClient(timeout=10) as client:
            try:
                response = await client.get(f"{settings.CHATMAP_API_URL}/maps/{map_id}")
                response.raise_for_status()
                return response.json()
            except httpx.HTTPStatusError as e:
                raise HTTPException(status_code=e.response.status_code, detail=f"Error from ChatMap API: {e.response.text}")
    """
    assert finding_lines(ExceptionLeak, code, path="app/api/routes/chatmap.py") == []
    # The exception's own text names the URL the server called.
    own = code.replace("{e.response.text}", "{str(e)}")
    assert finding_lines(ExceptionLeak, own, path="app/api/routes/chatmap.py") == [16]


def test_a_service_that_logs_whatever_fails_in_it_leaves_the_route_nothing_to_log(tmp_path) -> None:  # type: ignore[no-untyped-def]
    service = '''
import logging

logger = logging.getLogger(__name__)


class StatsService:
    @classmethod
    def get_processing_stats(cls, project_ids=None):
        """Statistics per project.

        Returns a dict.
        """
        try:
            rows = db.session.execute(STATS_QUERY, {"ids": project_ids}).fetchall()
            return {"projects": [dict(r) for r in rows]}
        except Exception as e:
            logger.error(f"Error retrieving processing stats: {e}")
            return {"projects": [], "error": "unavailable"}

    @classmethod
    def get_project_details(cls, project_id):
        logger.info("details of %s", project_id)
        try:
            return db.session.execute(DETAILS_QUERY, {"id": project_id}).fetchall()
        except Exception as e:
            logger.error(f"Error retrieving details: {e}")
            return []
'''
    resource = '''
import json
from http import HTTPStatus

from flask import Blueprint, Response

from services.stats_service import StatsService

bp = Blueprint("stats", __name__)


@bp.get("/stats")
def stats():
    try:
        result = StatsService.get_processing_stats()
        return Response(response=json.dumps(result), status=HTTPStatus.OK, mimetype="application/json")
    except Exception as e:
        return Response(response=json.dumps({"error": "Failed", "details": str(e)}), status=500)


@bp.get("/stats/<project_id>")
def details(project_id):
    try:
        result = StatsService.get_project_details(project_id)
        return Response(response=json.dumps(result), status=HTTPStatus.OK, mimetype="application/json")
    except Exception as e:
        return Response(response=json.dumps({"error": "Failed", "details": str(e)}), status=500)
'''
    files = {"services/stats_service.py": service, "resources/stats.py": resource}
    # The second service method logs only part of what fails in it (the statement before its `try`).
    assert scan_tree(tmp_path, files, "BL204") == [("resources/stats.py", 27)]
    # A log line without the exception says that something failed, not why.
    files["services/stats_service.py"] = service.replace('f"Error retrieving processing stats: {e}"', '"Error retrieving processing stats"')
    assert scan_tree(tmp_path / "generic", files, "BL204") == [("resources/stats.py", 18), ("resources/stats.py", 27)]


def test_routes_of_a_router_for_administrators_answer_operators() -> None:
    from backlint.rules.errors.exception_leak import ExceptionLeak

    code = """
    from fastapi import APIRouter, Depends, HTTPException

    from .auth import is_admin_user, is_any_user

    router = APIRouter(prefix="/email_templates", dependencies=[Depends(is_admin_user)])
    public = APIRouter(prefix="/endorsements", dependencies=[Depends(is_any_user)])


    @router.post("/{template_id}/send")
    def send(template_id: int, session=Depends(get_db)):
        try:
            return notify(session, template_id)
        except Exception as e:
            raise HTTPException(status_code=500, detail=str(e))


    @public.post("/")
    def endorse(body: dict, current_user=Depends(get_current_user), session=Depends(get_db)):
        if not current_user.is_admin:
            raise HTTPException(status_code=403)
        try:
            return endorse_paper(session, body)
        except Exception as e:
            raise HTTPException(status_code=500, detail=str(e))


    @public.put("/")
    def update(body: dict, current_user=Depends(get_current_user), session=Depends(get_db)):
        if not current_user.membership.is_admin:
            raise HTTPException(status_code=403)
        try:
            return endorse_paper(session, body)
        except Exception as e:
            raise HTTPException(status_code=500, detail=str(e))
    """
    # An organisation's administrator (`membership.is_admin`) is a customer, not the site's operator.
    assert finding_lines(ExceptionLeak, code, path="arxiv_admin_api/email_template.py") == [35]
    helper = """
    from fastapi import APIRouter, Depends, HTTPException

    from .auth import is_admin_user

    router = APIRouter(prefix="/email_templates", dependencies=[Depends(is_admin_user)])


    def _send_template_message(template_id):
        try:
            return send_notification(template_id)
        except Exception as e:
            raise HTTPException(status_code=500, detail=f"Failed to send: {e}")


    @router.post("/{template_id}/send")
    async def send(template_id: int):
        return _send_template_message(template_id)
    """
    assert finding_lines(ExceptionLeak, helper, path="arxiv_admin_api/email_template.py") == []
    # A route anyone reaches in the same module may call the helper too.
    public = helper + """
    open_router = APIRouter(prefix="/previews")


    @open_router.post("/{template_id}")
    async def preview(template_id: int):
        return _send_template_message(template_id)
    """
    assert finding_lines(ExceptionLeak, public, path="arxiv_admin_api/email_template.py") == [13]


def test_optional_filters_with_else_arms_or_nested_tests_are_mapping() -> None:
    from backlint.rules.api.logic_in_route_handler import LogicInRouteHandler

    pairs = "\n".join(
        f"    if p{i} is not None:\n        if p{i}:\n            query = query.filter(Item.f{i} > 0)\n"
        f"        else:\n            query = query.filter(Item.f{i} <= 0)\n    elif strict:\n        query = query.filter(Item.f{i}.is_(None))"
        for i in range(8))
    params = ", ".join(f"p{i}: Optional[bool] = None" for i in range(8))
    view = f"""
from typing import Optional

from fastapi import APIRouter, Depends

router = APIRouter()


@router.get("/items")
def list_items({params}, strict: bool = False, db=Depends(get_db)):
    query = db.query(Item)
{pairs}
    return query.limit(100).all()
"""
    assert finding_lines(LogicInRouteHandler, view, path="api/items.py") == []
    # An arm that works out what to filter with (a parsed date range) is not a plain mapping.
    work = view
    for i in range(2, 8):
        work = work.replace(f"query = query.filter(Item.f{i} > 0)", f"since = parse_range(p{i})\n            query = query.filter(Item.f{i} > since)")
    assert finding_lines(LogicInRouteHandler, work, path="api/items.py") == [10]


def test_a_permission_dependency_for_superusers_only_lets_operators_in() -> None:
    from backlint.rules.errors.exception_leak import ExceptionLeak

    code = """
    from fastapi import APIRouter, Depends

    from app.api.permissions import Permission, require_permission

    router = APIRouter()


    @router.get("/cron/evaluations", dependencies=[Depends(require_permission(Permission.SUPERUSER))])
    def evaluation_cron_job(session: SessionDep):
        try:
            return process_all_pending_evaluations(session=session)
        except Exception as e:
            logger.error(f"cron failed: {e}", exc_info=True)
            return {"status": "error", "error": str(e)}


    @router.get("/evaluations", dependencies=[Depends(require_permission(Permission.REQUIRE_PROJECT))])
    def evaluations(session: SessionDep):
        try:
            return list_evaluations(session=session)
        except Exception as e:
            logger.error(f"listing failed: {e}", exc_info=True)
            return {"status": "error", "error": str(e)}
    """
    assert finding_lines(ExceptionLeak, code, path="app/api/routes/cron.py") == [24]


def test_a_function_run_in_a_thread_is_judged_as_itself(tmp_path) -> None:  # type: ignore[no-untyped-def]
    service = '''
import logging

logger = logging.getLogger(__name__)


class BoatChargingSessionService:
    def mark_session_as_deleted(self, device_id, session_id):
        try:
            Session.objects.filter(device_id=device_id, session_id=session_id).update(deleted=True)
        except Exception:
            logger.exception("Failed to mark session %s as deleted", session_id)

    def store_session(self, device_id, session_id):
        Session.objects.create(device_id=device_id, session_id=session_id)
'''
    view = '''
from asgiref.sync import sync_to_async
from rest_framework.response import Response
from rest_framework.views import APIView

from .services import BoatChargingSessionService


class SessionStopView(APIView):
    async def post(self, request, session_id):
        service = BoatChargingSessionService()
        try:
            await sync_to_async(service.mark_session_as_deleted)(device_id=request.data["device"], session_id=session_id)
        except Exception:
            pass
        return Response(status=204)


class SessionStartView(APIView):
    async def post(self, request, session_id):
        service = BoatChargingSessionService()
        try:
            await sync_to_async(service.store_session)(device_id=request.data["device"], session_id=session_id)
        except Exception:
            pass
        return Response(status=201)
'''
    files = {"boat_charging/services.py": service, "boat_charging/views.py": view}
    assert scan_tree(tmp_path, files, "BL202") == [("boat_charging/views.py", 24)]


def test_rows_of_a_loop_over_the_callers_rows_are_the_callers_prefetched_rows() -> None:
    import textwrap

    from backlint.frameworks.project import facts_from_text
    from backlint.rules.database.query_in_loop import QueryInLoop

    models = textwrap.dedent("""
    from django.db import models

    class Dataset(models.Model):
        common_prefetch_fields = ("provenance__variables__concept", "provenance__used_entity")

        def v2_provenance(self):
            out = []
            for provenance in self.provenance.all():
                out.append([variable.concept.label for variable in provenance.variables.all()])
                out.append([entity.type.label for entity in provenance.used_entity.all()])
            return out

    class Provenance(models.Model):
        dataset = models.ForeignKey(Dataset, related_name="provenance", on_delete=models.CASCADE)

    class Variable(models.Model):
        provenance = models.ForeignKey(Provenance, related_name="variables", on_delete=models.CASCADE)
        concept = models.ForeignKey("Concept", on_delete=models.CASCADE)

    class Entity(models.Model):
        provenance = models.ForeignKey(Provenance, related_name="used_entity", on_delete=models.CASCADE)
        type = models.ForeignKey("EntityType", on_delete=models.CASCADE)
    """)
    facts = facts_from_text(models, "core/models.py")
    # The entities' types are not among the prefetched lookups.
    assert finding_lines(QueryInLoop, models, "core/models.py", facts=facts) == [11]


def test_devstack_settings_are_a_development_environments() -> None:
    from backlint.rules.configuration.hardcoded_secret import HardcodedSecret
    from backlint.rules.configuration.hardcoded_service_address import HardcodedServiceAddress

    code = """
    from license_manager.settings.local import *

    DATABASES = {"default": {"ENGINE": "django.db.backends.mysql", "NAME": "license_manager", "HOST": "license-manager.mysql"}}
    SOCIAL_AUTH_EDX_OAUTH2_SECRET = "license-manager-sso-secret-8f2d1c"
    """
    assert finding_lines(HardcodedSecret, code, path="license_manager/settings/devstack.py") == []
    assert finding_lines(HardcodedServiceAddress, code, path="license_manager/settings/devstack.py") == []
    # The same module named for production is the deployment's.
    assert finding_lines(HardcodedServiceAddress, code, path="license_manager/settings/production.py") == [4]


def test_a_commit_the_pass_ends_after_runs_once() -> None:
    from backlint.rules.database.writes_without_transaction import WritesWithoutTransaction

    code = """
    from app.models import db


    def correlate(message, candidates, runtime=None):
        for receive in candidates:
            if not receive.correlates(message):
                continue
            with dequeued(receive.process_instance):
                receive.status = "completed"
                db.session.add(receive)
                if runtime is not None:
                    runtime.save()
                else:
                    db.session.commit()
                if should_queue(receive):
                    queue(receive.process_instance)
                return receive
        return None


    def complete_all(message, candidates):
        for receive in candidates:
            with dequeued(receive.process_instance):
                receive.status = "completed"
                db.session.add(receive)
                db.session.commit()
                if receive.last:
                    continue
                return receive
    """
    # A `continue` after the commit may skip the `return`: the pass goes on to the next row.
    assert finding_lines(WritesWithoutTransaction, code, path="app/services/message_service.py") == [27]


def test_a_package_named_for_background_work_holds_no_request_path() -> None:
    from backlint.rules.database.writes_without_transaction import WritesWithoutTransaction

    loop = """
    from app.models import db


    def archive_future_tasks(rows):
        for row in rows:
            db.session.add(ArchivedTask(task_id=row.id, payload=row.payload))
            db.session.delete(row)
            db.session.commit()
    """
    assert finding_lines(WritesWithoutTransaction, loop, path="app/services/archive_service.py") == [9]
    assert finding_lines(WritesWithoutTransaction, loop, path="app/background_processing/archive_service.py") == []


def test_names_read_back_through_an_orm_query_are_second_order() -> None:
    from backlint.rules.database.sql_string_building import SqlStringBuilding

    code = """
    from app.models import AnalysisVersion


    def remove_expired(session, engine):
        expired = session.query(AnalysisVersion).filter(AnalysisVersion.valid == False).order_by(AnalysisVersion.time_stamp).all()
        names = [str(version) for version in expired]
        with engine.connect() as conn:
            for name in names:
                if conn.execute(f"SELECT 1 FROM pg_database WHERE datname='{name}'").scalar():
                    conn.execute(f"DELETE FROM versions WHERE name = '{name}'")
    """
    assert finding_lines(SqlStringBuilding, code, path="app/workflows/periodic_database_removal.py") == []
    assert finding_lines(SqlStringBuilding, code, path="app/workflows/periodic_database_removal.py", options={"strict": True}) == [10, 11]


def test_a_loop_checking_each_given_key_exists_is_input_checking() -> None:
    from backlint.rules.database.query_in_loop import QueryInLoop

    code = """
    from flask import abort, jsonify, request


    def add_roles(user_id):
        user = get_user(user_id)
        roles = [Role.query.filter_by(name=role.get("name")).one() for role in request.json.get("roles")]
        user.add_roles(roles)
        db.session.commit()
        return jsonify(roles=[r.as_json() for r in user.roles])


    def require_roles(names):
        for name in names:
            if not Role.query.filter(Role.name == name).first():
                raise ValueError(f"No such role: {name}")


    def role_labels(names):
        labels = []
        for name in names:
            role = Role.query.filter(Role.name == name).first()
            if role is None:
                continue
            labels.append(role.label)
        return labels


    def owners(orders):
        return [Customer.query.filter_by(id=order.customer_id).one() for order in Order.query.filter_by(open=True).all()]
    """
    # A miss skipped is no check; rows of a query are rows read for other rows.
    assert finding_lines(QueryInLoop, code, path="portal/views/role.py") == [22, 30]


def test_reading_data_in_hand_is_parsing_it() -> None:
    from backlint.rules.errors.exception_leak import ExceptionLeak
    from backlint.rules.errors.unlogged_error_response import UnloggedErrorResponse

    upload = """
    from io import BytesIO

    import pandas as pd
    from fastapi import APIRouter, File, HTTPException, UploadFile

    router = APIRouter()


    @router.post("/case-import/upload")
    def upload(file: UploadFile = File(...)):
        content = file.file.read()
        try:
            xls = pd.ExcelFile(BytesIO(content))
            data_df = pd.read_excel(xls, sheet_name="data")
        except Exception:
            raise HTTPException(status_code=400, detail="Invalid Excel file")
        try:
            save_import(data_df)
        except Exception:
            raise HTTPException(status_code=400, detail="Could not save the import")
        return {"rows": len(data_df)}
    """
    assert finding_lines(UnloggedErrorResponse, upload, path="routes/case_import.py") == [21]
    body = """
    import gzip
    import json

    from fastapi import APIRouter, Request

    router = APIRouter()


    @router.post("/visualization")
    async def visualization(req: Request):
        raw_data = await req.body()
        try:
            payload = json.loads(gzip.decompress(raw_data).decode("utf-8"))
        except Exception as e:
            return {"error": f"Failed to decompress gzip: {str(e)}"}
        try:
            store_visualization(payload)
        except Exception as e:
            return {"error": f"Failed to store: {str(e)}"}
        return {"ok": True}
    """
    assert finding_lines(ExceptionLeak, body, path="routes/visualization.py") == [20]


def test_system_and_functional_test_folders_hold_test_code() -> None:
    from backlint.frameworks.project import is_test_path

    assert is_test_path("systemtests/lib/tecken_client.py")
    assert is_test_path("app/functionaltests/test_upload.py")
    assert is_test_path("integrationtests/conftest_helpers.py")
    # A stand-in for another service, named for what it mocks, serves the tests too.
    assert is_test_path("profiles/community/github_mock/flaskapp.py")
    assert not is_test_path("apps/mockups/views.py")
    # A word that merely ends in "tests" names no test folder.
    assert not is_test_path("apps/contests/views.py")
    assert not is_test_path("apps/latests/views.py")


def test_a_local_function_its_function_never_names_never_runs() -> None:
    from backlint.rules.reliability.request_without_timeout import RequestWithoutTimeout

    code = """
    import requests


    def logout(user_id):
        def delete_facebook_authorization():
            requests.delete(f"https://graph.facebook.com/{user_id}/permissions")

        # Not using at this time
        # delete_facebook_authorization()
        session.clear()


    def create_app():
        def ping():
            return requests.get("https://status.example.org/ping")

        @app.route("/status")
        def status():
            return requests.get("https://status.example.org/status").text

        app.before_request(ping)
        return app
    """
    assert finding_lines(RequestWithoutTimeout, code, path="portal/views/auth.py") == [16, 20]


def test_optional_conditions_collected_for_one_query_are_mapping() -> None:
    from backlint.rules.api.logic_in_route_handler import LogicInRouteHandler

    conditions = "\n".join(f"        if f.c{i}:\n            inner.append(Waiver.c{i} == f.c{i})" for i in range(12))
    view = f"""
from flask import Blueprint, jsonify
from sqlalchemy import and_, or_

bp = Blueprint("waivers", __name__)


@bp.post("/waivers/+filtered")
def filtered(body):
    query = Waiver.query.order_by(Waiver.timestamp.desc())
    clauses = []
    for f in body.filters:
        inner = []
{conditions}
        clauses.append(and_(*inner))
    return jsonify([w.to_json() for w in query.filter(or_(*clauses)).all()])
"""
    assert finding_lines(LogicInRouteHandler, view, path="waiverdb/api_v1.py") == []
    # Appending what a helper works out is not a condition mapped from the request.
    work = view
    for i in range(12):
        work = work.replace(f"inner.append(Waiver.c{i} == f.c{i})", f"inner.append(resolve_condition(f.c{i}))")
    assert finding_lines(LogicInRouteHandler, work, path="waiverdb/api_v1.py") == [9]


def test_the_status_of_the_service_itself_is_a_diagnostic() -> None:
    from backlint.rules.errors.exception_leak import ExceptionLeak

    code = """
    from fastapi import APIRouter, Depends, HTTPException

    router = APIRouter()


    @router.get("/database_status")
    def report_database_status(session=Depends(get_db)):
        try:
            session.query(Category).count()
            return {"status": "ok"}
        except Exception as e:
            raise HTTPException(status_code=503, detail="database connection error: " + str(e))


    @router.get("/orders/{order_id}/status")
    def order_status(order_id: int, session=Depends(get_db)):
        try:
            return {"status": session.get(Order, order_id).status}
        except Exception as e:
            raise HTTPException(status_code=500, detail=str(e))
    """
    assert finding_lines(ExceptionLeak, code, path="api/system_status.py") == [21]


def test_options_of_a_statement_paged_where_it_runs_hold() -> None:
    import textwrap

    from backlint.frameworks.project import facts_from_text
    from backlint.rules.database.query_in_loop import QueryInLoop

    models = textwrap.dedent("""
    from sqlalchemy.orm import relationship

    class Practice(Base):
        tags = relationship("PracticeTag", back_populates="practice")

    class PracticeTag(Base):
        practice = relationship("Practice", back_populates="tags")
        attribute = relationship("Attribute")
    """)
    code = """
    from sqlalchemy import select
    from sqlalchemy.orm import joinedload


    def practices(db, impact_area, offset, limit):
        query = select(Practice).options(joinedload(Practice.tags).joinedload(PracticeTag.attribute))
        if impact_area:
            query = query.join(Tag, Tag.practice_id == Practice.id).filter(Tag.attribute_id == impact_area)
        results = db.scalars(query.offset(offset).limit(limit)).unique().all()
        return [[t.attribute.label for t in p.tags] for p in results]


    def bare(db, offset, limit):
        query = select(Practice)
        results = db.scalars(query.offset(offset).limit(limit)).all()
        return [[t.attribute.label for t in p.tags] for p in results]
    """
    facts = facts_from_text(models, "db/models.py")
    assert finding_lines(QueryInLoop, code, "db/crud_practice.py", facts=facts) == [17]


def test_merging_what_was_just_committed_writes_nothing() -> None:
    from backlint.rules.database.writes_without_transaction import WritesWithoutTransaction

    code = """
    from flask import jsonify, request

    from portal.database import db


    @api.route("/api/scheduled_job", methods=("POST",))
    def create_job():
        job = ScheduledJob.from_json(request.json)
        db.session.add(job)
        db.session.commit()
        job = db.session.merge(job)
        return jsonify(job.as_json())


    @api.route("/api/scheduled_job/<int:job_id>", methods=("PUT",))
    def update_job(job_id):
        job = ScheduledJob.from_json(request.json)
        db.session.add(job)
        db.session.commit()
        job.active = request.json["active"]
        job = db.session.merge(job)
        db.session.commit()
        return jsonify(job.as_json())
    """
    assert finding_lines(WritesWithoutTransaction, code, path="portal/views/scheduled_job.py") == [22]


def test_a_loop_that_sends_a_message_per_pass_commits_each_pass() -> None:
    from backlint.rules.database.writes_without_transaction import WritesWithoutTransaction

    code = """
    from app.database import db


    def resend_undelivered(customer, whatsapp_service):
        for message in db.query(Message).filter(Message.customer_id == customer.id, Message.undelivered).all():
            whatsapp_service.send_message(to_number=customer.phone_number, message_body=message.body)
            db.delete(message)
            db.commit()


    def archive(customer):
        for message in db.query(Message).filter(Message.customer_id == customer.id).all():
            db.add(ArchivedMessage(body=message.body))
            db.delete(message)
            db.commit()
    """
    assert finding_lines(WritesWithoutTransaction, code, path="app/routers/whatsapp.py") == [16]


def test_an_optional_filter_left_out_when_its_value_does_not_parse_is_mapping() -> None:
    from backlint.rules.api.logic_in_route_handler import LogicInRouteHandler

    filters = "\n".join(
        f"    if p{i}:\n        try:\n            v{i} = datetime.fromisoformat(p{i})\n            query = query.filter(Ticket.f{i} >= v{i})\n"
        f"        except ValueError:\n            pass" for i in range(12))
    params = ", ".join(f"p{i}: Optional[str] = None" for i in range(12))
    view = f"""
from datetime import datetime
from typing import Optional

from fastapi import APIRouter, Depends

router = APIRouter()


@router.get("/analytics/tags")
def tag_statistics({params}, db=Depends(get_db)):
    query = db.query(Ticket.tag).filter(Ticket.resolved_at.isnot(None))
{filters}
    return [row.tag for row in query.limit(100).all()]
"""
    assert finding_lines(LogicInRouteHandler, view, path="routers/admin_analytics.py") == []
    # A `try` that also saves something is work, whatever it filters.
    work = view
    for i in range(12):
        work = work.replace(f"v{i} = datetime.fromisoformat(p{i})", f"v{i} = record_filter(db, p{i})")
    assert finding_lines(LogicInRouteHandler, work, path="routers/admin_analytics.py") == [11]
