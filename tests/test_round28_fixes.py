"""Precision fixes from held-out round 28, each with the case that stays flagged beside it."""

from __future__ import annotations

import textwrap

from backlint.rules.configuration.hardcoded_secret import HardcodedSecret
from backlint.rules.database.writes_without_transaction import WritesWithoutTransaction
from backlint.rules.errors.exception_leak import ExceptionLeak
from conftest import finding_lines


def test_handing_the_session_to_a_background_task_is_not_a_write() -> None:
    code = """
    from fastapi import APIRouter, BackgroundTasks, Depends

    router = APIRouter()

    @router.post("/indexes")
    def create_index(data: IndexCreate, background_tasks: BackgroundTasks, db: Session = Depends(get_db)):
        index = IndexModel(name=data.name)
        db.add(index)
        db.commit()
        background_tasks.add_task(build_index, index.id, db)
        return index

    @router.post("/runs")
    def create_run(data: RunCreate, db: Session = Depends(get_db)):
        run = RunModel(name=data.name)
        db.add(run)
        db.commit()
        create_run_tasks(db, run.id)
        return run
    """
    assert finding_lines(WritesWithoutTransaction, code, "app/api/indexes.py") == [19], "a project writer handed the session still writes"


def test_an_admin_or_default_dependency_keeps_errors_among_operators() -> None:
    code = """
    from fastapi import APIRouter, HTTPException

    router = APIRouter()

    @router.put("/processor/resume")
    def resume(current_user: AdminUserOrDefault):
        try:
            return processor.resume()
        except Exception as e:
            raise HTTPException(status_code=500, detail=f"Unexpected error while resuming: {e}")

    @router.put("/processor/status")
    def status(current_user: CurrentUserOrDefault):
        try:
            return processor.status()
        except Exception as e:
            raise HTTPException(status_code=500, detail=f"Unexpected error: {e}")
    """
    assert finding_lines(ExceptionLeak, code, "app/api/processor.py") == [18]


def test_a_settings_overlay_that_switches_debug_on_is_a_development_module() -> None:
    overlay = """
    import os
    from onadata.settings.common import *  # noqa

    SECRET_KEY = os.environ.get("SECRET_KEY", "~&nN9d`bxmJL2[$HhYE9qAk=+4P:cf3b")
    DEBUG = True
    """
    assert finding_lines(HardcodedSecret, overlay, "onadata/settings/docker.py") == []
    production = overlay.replace("DEBUG = True", "DEBUG = False")
    assert finding_lines(HardcodedSecret, production, "onadata/settings/production.py") == [5]


def test_getters_given_the_same_key_read_one_object() -> None:
    from backlint.rules.errors.unlogged_error_response import UnloggedErrorResponse

    code = """
    from fastapi import APIRouter, HTTPException

    router = APIRouter()

    @router.get("/images/{image_name}/workflow")
    def get_image_workflow(image_name: str):
        try:
            workflow = services.images.get_workflow(image_name)
            graph = services.images.get_graph(image_name)
            return {"workflow": workflow, "graph": graph}
        except Exception:
            raise HTTPException(status_code=404)

    @router.get("/boards/{board_id}/summary")
    def get_board_summary(board_id: str, image_name: str):
        try:
            board = services.boards.get_dto(board_id)
            image = services.images.get_dto(image_name)
            return {"board": board, "image": image}
        except Exception:
            raise HTTPException(status_code=404)
    """
    assert finding_lines(UnloggedErrorResponse, code, "app/api/images.py") == [22], "two objects by two keys: not one miss"


def test_a_settings_template_copied_before_use_is_not_deployed() -> None:
    from backlint.rules.errors.debug_enabled import DebugEnabled

    code = """
    DEBUG = True
    ALLOWED_HOSTS = ["*"]
    INSTALLED_APPS = ["onadata.apps.main"]
    """
    assert finding_lines(DebugEnabled, code, "onadata/settings/staging_example.py") == []
    assert finding_lines(DebugEnabled, code, "onadata/settings/staging.py") == [2]


def test_a_read_that_decides_between_two_writes_is_beside_a_write_on_every_pass() -> None:
    from backlint.frameworks.project import facts_from_text
    from backlint.rules.database.query_in_loop import QueryInLoop

    code = textwrap.dedent("""
    from django.db import models


    class Contact(models.Model):
        name = models.CharField(max_length=64)

        def release(self):
            for urn in self.urns.all():
                if not urn.msgs.all():
                    urn.delete()
                else:
                    urn.contact = None
                    urn.save(update_fields=("contact",))

        def report(self):
            for urn in self.urns.all():
                if not urn.msgs.all():
                    unused.append(urn)


    class ContactURN(models.Model):
        contact = models.ForeignKey(Contact, related_name="urns", on_delete=models.PROTECT)


    class Msg(models.Model):
        contact_urn = models.ForeignKey(ContactURN, related_name="msgs", on_delete=models.PROTECT)
    """)
    facts = facts_from_text(code, "app/models.py")
    assert finding_lines(QueryInLoop, code, "app/models.py", facts=facts) == [18], "no write beside it: the read runs alone"


def test_a_row_read_in_a_try_whose_else_deletes_it_is_loaded_to_be_written() -> None:
    from backlint.rules.database.query_in_loop import QueryInLoop

    code = """
    def delete_merged_services(instance):
        for xform in instance.xform.mergedxform.xforms.all():
            try:
                service = RestService.objects.get(service_url=instance.service_url, xform=xform)
            except RestService.DoesNotExist:
                pass
            else:
                service.delete()

    def merged_service_names(instance):
        names = []
        for xform in instance.xform.mergedxform.xforms.all():
            try:
                service = RestService.objects.get(service_url=instance.service_url, xform=xform)
            except RestService.DoesNotExist:
                pass
            else:
                names.append(service.name)
        return names
    """
    assert finding_lines(QueryInLoop, code, "app/services.py") == [15]


def test_a_find_or_create_written_out_and_committed_first_leaves_a_valid_row() -> None:
    from backlint.rules.database.writes_without_transaction import WritesWithoutTransaction

    code = """
    from flask import Blueprint
    bp = Blueprint("cohorts", __name__)

    @bp.post("/cohorts/<int:cohort_id>/teachers")
    def add_colleague(cohort_id, colleague_email):
        colleague = User.find(colleague_email)
        if not Teacher.exists(colleague):
            db.session.add(Teacher(colleague))
            db.session.commit()
        db.session.add(TeacherCohortMap(colleague, cohort_id))
        db.session.commit()
        return "OK"

    @bp.post("/sessions")
    def create_test_session(workflow_id):
        test_user = db.session.query(UserModel).filter(UserModel.external_id == TEST_USER).first()
        if not test_user:
            test_user = UserModel(external_id=TEST_USER)
            db.session.add(test_user)
            db.session.commit()
        db.session.add(SessionModel(user_id=test_user.id, workflow_id=workflow_id))
        db.session.commit()
        return "OK"

    @bp.post("/cohorts/<int:cohort_id>/close")
    def close_cohort(cohort_id):
        cohort = Cohort.find(cohort_id)
        if cohort.open:
            cohort.open = False
            db.session.add(cohort)
            db.session.commit()
        db.session.add(CohortEvent(cohort_id, "closed"))
        db.session.commit()
        return "OK"
    """
    assert finding_lines(WritesWithoutTransaction, code, "app/api/cohorts.py") == [33], "a guard that is no lookup of the row"
