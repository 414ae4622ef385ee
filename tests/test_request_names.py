"""A parameter named `request` is the framework's request only when nothing types it otherwise."""

from __future__ import annotations

import textwrap

from backlint.analysis import analyze_text
from backlint.frameworks.project import EMPTY
from backlint.rules.api.unvalidated_request_input import UnvalidatedRequestInput

CODE = """
    from fastapi import APIRouter, Request
    from pydantic import BaseModel

    from app import observable

    router = APIRouter()


    class AddTextRequest(BaseModel):
        text: str


    @router.post("/add_text")
    def add_text(httpreq: Request, request: {annotation}):
        return observable.save(value=request.text)
"""


def _found(annotation: str) -> int:
    code = textwrap.dedent(CODE).replace("{annotation}", annotation)
    return len(analyze_text("app/api.py", code, [(UnvalidatedRequestInput, {})], EMPTY).findings)


def test_a_body_model_named_request_is_validated_data() -> None:
    assert _found("AddTextRequest") == 0


def test_the_framework_request_under_that_name_is_raw() -> None:
    assert _found("Request") == 1
