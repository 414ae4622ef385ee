"""BL104 across files: Django's ATOMIC_REQUESTS, set in a settings module, covers the request path."""

from __future__ import annotations

from pathlib import Path

from backlint import catalog
from backlint.config import Config
from backlint.engine import scan

SERIALIZER = '''
from rest_framework import serializers

from orders.models import Order, OrderLine


class OrderSerializer(serializers.ModelSerializer):
    def create(self, validated_data):
        lines = validated_data.pop("lines")
        order = Order.objects.create(**validated_data)
        OrderLine.objects.create(order=order, **lines[0])
        return order
'''


def _bl104(root: Path) -> list[str]:
    result = scan([root], Config(root=root, select=("BL104",)), catalog.load(), cache_dir=None)
    return [f"{f.path}:{f.region.start_line}" for f in result.findings]


def test_atomic_requests_covers_serializers_on_the_request_path(tmp_path: Path) -> None:
    (tmp_path / "orders").mkdir()
    (tmp_path / "orders" / "serializers.py").write_text(SERIALIZER)
    assert _bl104(tmp_path) == ["orders/serializers.py:11"]

    (tmp_path / "settings.py").write_text(
        'DATABASES = {"default": {"ENGINE": "django.db.backends.postgresql", "ATOMIC_REQUESTS": True}}\n')
    assert _bl104(tmp_path) == []


TRACING = '''
from contextlib import contextmanager

from django.db import transaction


@contextmanager
def traced_unit_of_work():
    with transaction.atomic():
        yield
'''

MUTATION = '''
from django.db import IntegrityError

from orders.models import Order, OrderLine
from core.tracing import traced_unit_of_work


def create(data):
    with traced_unit_of_work():
        order = Order.objects.create(**data)
        OrderLine.objects.create(order=order)


@traced_unit_of_work()
def bulk_create(rows):
    order = Order.objects.create(**rows[0])
    OrderLine.objects.create(order=order)
'''


def test_a_context_manager_of_the_project_that_opens_a_transaction_is_one(tmp_path: Path) -> None:
    (tmp_path / "orders").mkdir()
    (tmp_path / "orders" / "mutations.py").write_text(MUTATION)
    assert _bl104(tmp_path) == ["orders/mutations.py:11", "orders/mutations.py:17"]

    (tmp_path / "core").mkdir()
    (tmp_path / "core" / "tracing.py").write_text(TRACING)
    assert _bl104(tmp_path) == []


WRAPPER = '''
from django.db import transaction
from rest_framework.response import Response


def writable_request_wrapper(method):
    def inner(*args, **kwargs):
        try:
            with transaction.atomic():
                return method(*args, **kwargs)
        except ValueError as exc:
            return Response(str(exc), status=400)
    return inner


def logged(method):
    def inner(*args, **kwargs):
        with transaction.atomic():
            pass
        return method(*args, **kwargs)
    return inner
'''

WRAPPED = '''
from rest_framework import viewsets

from orders.models import Order, OrderLine
from orders.wrappers import writable_request_wrapper, logged


class OrderViewSet(viewsets.ModelViewSet):
    @writable_request_wrapper
    def create(self, request):
        order = Order.objects.create(**request.data)
        OrderLine.objects.create(order=order)

    @logged
    def update(self, request):
        order = Order.objects.create(**request.data)
        OrderLine.objects.create(order=order)
'''


def test_a_decorator_of_the_project_running_the_function_in_a_transaction_is_one(tmp_path: Path) -> None:
    (tmp_path / "orders").mkdir()
    (tmp_path / "orders" / "views.py").write_text(WRAPPED)
    (tmp_path / "orders" / "wrappers.py").write_text(WRAPPER)
    assert _bl104(tmp_path) == ["orders/views.py:17"]
