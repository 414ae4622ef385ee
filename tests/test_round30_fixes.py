"""Precision fixes from held-out round 30, each with the case that stays flagged beside it."""

from __future__ import annotations

from backlint.rules.database.writes_without_transaction import WritesWithoutTransaction
from backlint.rules.reliability.request_without_timeout import RequestWithoutTimeout
from conftest import finding_lines


def test_a_session_with_the_projects_adapter_mounted_may_have_a_default_timeout() -> None:
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
    assert finding_lines(RequestWithoutTimeout, code, "app/stores/http.py") == [22]


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
