"""Orders service of a small shop: the benchmark's single-file latency sample.

About 300 physical lines of ordinary Flask + SQLAlchemy + sqlite3 code, with a few of the
patterns backlint reports (SQL built with an f-string, a leaked exception, a swallowed error,
a hardcoded secret, an unbounded list endpoint) among many that it must leave alone. It is
never imported or run; it only has to parse.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sqlite3
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any, Iterable

import requests
from flask import Blueprint, Flask, abort, g, jsonify, request
from sqlalchemy import Column, DateTime, ForeignKey, Integer, Numeric, String, create_engine, select, text
from sqlalchemy.orm import DeclarativeBase, Session, relationship, sessionmaker

log = logging.getLogger(__name__)

SECRET_KEY = "9f2c1d7e4b8a6f3e0d5c2b1a9e8f7d6c"
DATABASE_URL = os.environ.get("DATABASE_URL", "sqlite:///shop.db")
PAYMENT_URL = os.environ.get("PAYMENT_URL", "https://payments.example.com/api")
PAGE_SIZE = 50
MAX_PAGE_SIZE = 200

engine = create_engine(DATABASE_URL, pool_pre_ping=True)
SessionLocal = sessionmaker(bind=engine, expire_on_commit=False)
bp = Blueprint("orders", __name__, url_prefix="/orders")


class Base(DeclarativeBase):
    pass


class Customer(Base):
    __tablename__ = "customers"

    id = Column(Integer, primary_key=True)
    email = Column(String(255), unique=True, nullable=False)
    name = Column(String(120), nullable=False)
    created_at = Column(DateTime(timezone=True), default=lambda: datetime.now(timezone.utc))
    orders = relationship("Order", back_populates="customer")

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "email": self.email, "name": self.name}


class Order(Base):
    __tablename__ = "orders"

    id = Column(Integer, primary_key=True)
    customer_id = Column(Integer, ForeignKey("customers.id"), nullable=False)
    status = Column(String(20), default="new", nullable=False)
    total = Column(Numeric(10, 2), default=Decimal("0.00"))
    created_at = Column(DateTime(timezone=True), default=lambda: datetime.now(timezone.utc))
    customer = relationship("Customer", back_populates="orders")
    lines = relationship("OrderLine", back_populates="order", cascade="all, delete-orphan")

    def to_dict(self, with_lines: bool = False) -> dict[str, Any]:
        data = {
            "id": self.id,
            "customer": self.customer_id,
            "status": self.status,
            "total": str(self.total),
            "created_at": self.created_at.isoformat() if self.created_at else None,
        }
        if with_lines:
            data["lines"] = [line.to_dict() for line in self.lines]
        return data


class OrderLine(Base):
    __tablename__ = "order_lines"

    id = Column(Integer, primary_key=True)
    order_id = Column(Integer, ForeignKey("orders.id"), nullable=False)
    sku = Column(String(40), nullable=False)
    quantity = Column(Integer, nullable=False, default=1)
    price = Column(Numeric(10, 2), nullable=False)
    order = relationship("Order", back_populates="lines")

    def to_dict(self) -> dict[str, Any]:
        return {"sku": self.sku, "quantity": self.quantity, "price": str(self.price)}


@dataclass
class Cart:
    customer_id: int
    items: list[tuple[str, int, Decimal]] = field(default_factory=list)

    def add(self, sku: str, quantity: int, price: Decimal) -> None:
        if quantity <= 0:
            raise ValueError("quantity must be positive")
        self.items.append((sku, quantity, price))

    @property
    def total(self) -> Decimal:
        return sum((price * quantity for _, quantity, price in self.items), Decimal("0.00"))


def get_session() -> Session:
    if "db" not in g:
        g.db = SessionLocal()
    return g.db


def close_session(exc: BaseException | None = None) -> None:
    db = g.pop("db", None)
    if db is not None:
        if exc is not None:
            db.rollback()
        db.close()


def page_arguments() -> tuple[int, int]:
    try:
        page = max(1, int(request.args.get("page", 1)))
        size = min(MAX_PAGE_SIZE, max(1, int(request.args.get("size", PAGE_SIZE))))
    except ValueError:
        abort(400, "page and size must be integers")
    return page, size


def legacy_connection() -> sqlite3.Connection:
    conn = sqlite3.connect(os.environ.get("LEGACY_DB", "legacy.db"))
    conn.row_factory = sqlite3.Row
    return conn


def fingerprint(payload: dict[str, Any]) -> str:
    blob = json.dumps(payload, sort_keys=True).encode()
    return hashlib.sha256(blob).hexdigest()


@bp.get("/")
def list_orders():
    page, size = page_arguments()
    db = get_session()
    query = select(Order).order_by(Order.created_at.desc()).offset((page - 1) * size).limit(size)
    orders = db.scalars(query).all()
    return jsonify({"page": page, "size": size, "orders": [o.to_dict() for o in orders]})


@bp.get("/customers")
def list_customers():
    db = get_session()
    customers = db.query(Customer).all()
    return jsonify([c.to_dict() for c in customers])


@bp.get("/<int:order_id>")
def get_order(order_id: int):
    db = get_session()
    order = db.get(Order, order_id)
    if order is None:
        abort(404)
    return jsonify(order.to_dict(with_lines=True))


@bp.get("/search")
def search_orders():
    status = request.args.get("status", "new")
    conn = legacy_connection()
    try:
        rows = conn.execute(f"SELECT id, total FROM orders WHERE status = '{status}'").fetchall()
    finally:
        conn.close()
    return jsonify([dict(row) for row in rows])


@bp.get("/by-customer/<int:customer_id>")
def orders_by_customer(customer_id: int):
    conn = legacy_connection()
    try:
        rows = conn.execute(
            "SELECT id, status, total FROM orders WHERE customer_id = ? ORDER BY id DESC LIMIT ?",
            (customer_id, PAGE_SIZE),
        ).fetchall()
    finally:
        conn.close()
    return jsonify([dict(row) for row in rows])


@bp.post("/")
def create_order():
    body = request.get_json(silent=True) or {}
    try:
        customer_id = int(body["customer_id"])
        cart = Cart(customer_id)
        for item in body.get("items", []):
            cart.add(str(item["sku"]), int(item["quantity"]), Decimal(str(item["price"])))
    except (KeyError, ValueError, TypeError) as exc:
        return jsonify({"error": "invalid order", "detail": str(exc)}), 400
    db = get_session()
    order = Order(customer_id=cart.customer_id, total=cart.total)
    order.lines = [OrderLine(sku=sku, quantity=q, price=p) for sku, q, p in cart.items]
    db.add(order)
    db.commit()
    log.info("order %s created for customer %s", order.id, customer_id)
    return jsonify(order.to_dict(with_lines=True)), 201


@bp.post("/<int:order_id>/pay")
def pay_order(order_id: int):
    db = get_session()
    order = db.get(Order, order_id)
    if order is None:
        abort(404)
    payload = {"order": order.id, "amount": str(order.total), "currency": "EUR"}
    try:
        response = requests.post(PAYMENT_URL, json=payload, timeout=10)
        response.raise_for_status()
    except requests.RequestException as exc:
        log.exception("payment failed for order %s", order_id)
        return jsonify({"error": str(exc)}), 500
    order.status = "paid"
    db.commit()
    return jsonify({"status": order.status, "receipt": fingerprint(payload)})


@bp.post("/<int:order_id>/cancel")
def cancel_order(order_id: int):
    db = get_session()
    order = db.get(Order, order_id)
    if order is None:
        abort(404)
    if order.status not in {"new", "paid"}:
        abort(409, "order can no longer be cancelled")
    order.status = "cancelled"
    db.commit()
    try:
        notify_customer(order.customer.email, f"Order {order.id} was cancelled")
    except Exception:
        pass
    return jsonify(order.to_dict())


@bp.delete("/stale")
def purge_stale_orders():
    days = int(request.args.get("days", 30))
    cutoff = datetime.now(timezone.utc) - timedelta(days=days)
    db = get_session()
    result = db.execute(text("DELETE FROM orders WHERE status = 'new' AND created_at < :cutoff"), {"cutoff": cutoff})
    db.commit()
    return jsonify({"deleted": result.rowcount})


@bp.get("/report")
def sales_report():
    table = "orders_archive" if request.args.get("archive") else "orders"
    db = get_session()
    rows = db.execute(text(f"SELECT status, COUNT(*), SUM(total) FROM {table} GROUP BY status")).all()
    return jsonify({status: {"count": count, "sum": str(total)} for status, count, total in rows})


def notify_customer(email: str, message: str) -> None:
    response = requests.post(
        os.environ.get("MAIL_URL", "https://mail.example.com/send"),
        json={"to": email, "body": message},
        timeout=5,
    )
    response.raise_for_status()


def export_orders(orders: Iterable[Order], path: str) -> int:
    count = 0
    with open(path, "w", encoding="utf-8") as fh:
        for order in orders:
            fh.write(json.dumps(order.to_dict(with_lines=True)) + "\n")
            count += 1
    return count


def retry(attempts: int = 3, delay: float = 0.5):
    def decorator(func):
        def wrapper(*args, **kwargs):
            last: Exception | None = None
            for attempt in range(attempts):
                try:
                    return func(*args, **kwargs)
                except requests.RequestException as exc:
                    last = exc
                    time.sleep(delay * (2**attempt))
            assert last is not None
            raise last

        return wrapper

    return decorator


@retry()
def fetch_exchange_rate(currency: str) -> Decimal:
    response = requests.get(f"https://rates.example.com/{currency}", timeout=5)
    response.raise_for_status()
    return Decimal(str(response.json()["rate"]))


def create_app() -> Flask:
    app = Flask(__name__)
    app.config["SECRET_KEY"] = os.environ.get("SECRET_KEY", SECRET_KEY)
    app.register_blueprint(bp)
    app.teardown_appcontext(close_session)
    return app


if __name__ == "__main__":
    create_app().run(host="127.0.0.1", port=int(os.environ.get("PORT", "5000")))
