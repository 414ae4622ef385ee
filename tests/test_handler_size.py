"""BL401's size measures: what counts as a branch of a route handler."""

from __future__ import annotations

import textwrap

from backlint.analysis import analyze_text
from backlint.rules.api.logic_in_route_handler import LogicInRouteHandler

HANDLER = textwrap.dedent(
    """
    from fastapi import APIRouter

    router = APIRouter()

    @router.get("/callback")
    async def callback(code: str):
        try:
            token = await provider.exchange(code)
        except ProviderError as e:
            raise OAuthError("token exchange failed") from e
        try:
            identity = await provider.identify(token)
        except ProviderError as e:
            {handler}
        if identity.is_new:
            return await flow.register(identity)
        else:
            return await flow.sign_in(identity)
    """
)


def _reasons(handler: str) -> list[str]:
    code = HANDLER.replace("{handler}", handler)
    options = {"max-statements": 40, "max-branches": 1, "max-data-operations": 4}
    result = analyze_text("app/routes.py", code, [(LogicInRouteHandler, options)])
    assert not result.notifications, result.notifications
    return [f.message for f in result.findings]


def test_a_try_whose_except_only_answers_is_not_a_branch():
    # Two `except` clauses that only turn a provider error into an answer: request checking,
    # like a guard clause. Only the `if`/`else` is a branch.
    assert _reasons('raise OAuthError("identity lookup failed") from e') == []


def test_an_except_that_does_work_is_a_branch():
    findings = _reasons('identity = await provider.identify_again(token)\n        log.warning("retried")')
    assert len(findings) == 1 and "has 2 branches (limit 1)" in findings[0]
