"""BL102: reads in a loop that also writes, and loops of every kind around them."""

from __future__ import annotations

import textwrap

from backlint.analysis import analyze_text
from backlint.frameworks.project import facts_from_text
from backlint.rules.database.query_in_loop import QueryInLoop

MODELS = textwrap.dedent(
    """
    from django.db import models

    class Shelf(models.Model):
        owner = models.ForeignKey("User", on_delete=models.CASCADE)

    class ShelfBook(models.Model):
        shelf = models.ForeignKey(Shelf, on_delete=models.CASCADE)
    """
)


def _lines(body: str) -> list[int]:
    code = MODELS + textwrap.dedent(body)
    result = analyze_text("library/services.py", code, [(QueryInLoop, {})], facts_from_text(code))
    assert not result.notifications, result.notifications
    offset = MODELS.count("\n")
    return [f.region.start_line - offset for f in result.findings]


def test_a_read_whose_pass_always_writes_is_left_alone() -> None:
    assert _lines(
        """
        def move(user, new):
            for shelfbook in ShelfBook.objects.filter(shelf__owner=user):
                ShelfBook.objects.create(book=new, shelf=shelfbook.shelf)
                shelfbook.delete()
        """
    ) == []


def test_a_write_in_a_branch_the_read_is_not_in_does_not_excuse_it() -> None:
    assert _lines(
        """
        def audit(user):
            for shelfbook in ShelfBook.objects.filter(shelf__owner=user):
                print(shelfbook.shelf)
                if shelfbook.stale:
                    shelfbook.delete()
        """
    ) == [4]


def test_a_while_loop_inside_the_loop_is_a_branch_not_a_crash() -> None:
    assert _lines(
        """
        def drain(user):
            for shelfbook in ShelfBook.objects.filter(shelf__owner=user):
                print(shelfbook.shelf)
                while shelfbook.pending:
                    shelfbook.delete()
        """
    ) == [4]


def test_a_column_of_a_model_the_scan_never_saw_is_not_taken_for_a_relation() -> None:
    jobs = "from django.db import models\n\nclass Job(models.Model):\n    task = models.ForeignKey('Task', on_delete=models.CASCADE)\n"
    runs = textwrap.dedent(
        """
        from django.db import models

        class Run(models.Model):
            task = models.CharField(max_length=200)
            job = models.ForeignKey("Job", on_delete=models.CASCADE)
        """
    )
    code = textwrap.dedent(
        """
        from django_celery_beat.models import PeriodicTask

        from jobs.models import Job

        def task_names(names):
            return [p.task for p in PeriodicTask.objects.exclude(name__in=names)]

        def job_tasks():
            return [job.task for job in Job.objects.all()]
        """
    )
    facts = facts_from_text(jobs).merged(facts_from_text(runs)).merged(facts_from_text(code))
    result = analyze_text("jobs/services.py", code, [(QueryInLoop, {})], facts)
    assert [f.region.start_line for f in result.findings] == [10]
