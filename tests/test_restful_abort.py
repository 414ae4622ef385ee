"""BL204 across files: Flask-RESTful's `abort`, re-exported by a module of the project, is logged by `Api.handle_error`."""

from __future__ import annotations

from pathlib import Path

from backlint import catalog
from backlint.config import Config
from backlint.engine import scan

API = '''
from flask_restful import Api, Resource, abort

api = Api()
'''

BILLING = '''
import stripe

from endpoints.api import abort


def current_plan(customer_id):
    try:
        return stripe.Customer.retrieve(customer_id).subscription
    except stripe.error.APIConnectionError:
        abort(503, message="Cannot contact Stripe")
'''


def _bl204(root: Path) -> list[str]:
    result = scan([root], Config(root=root, select=("BL204",)), catalog.load(), cache_dir=None)
    return [f"{f.path}:{f.region.start_line}" for f in result.findings]


def test_a_re_exported_restful_abort_is_logged_by_the_api(tmp_path: Path) -> None:
    (tmp_path / "endpoints" / "api").mkdir(parents=True)
    (tmp_path / "endpoints" / "api" / "billing.py").write_text(BILLING)
    assert _bl204(tmp_path) == ["endpoints/api/billing.py:11"]

    (tmp_path / "endpoints" / "api" / "__init__.py").write_text(API)
    assert _bl204(tmp_path) == []
