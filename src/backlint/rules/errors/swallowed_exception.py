from __future__ import annotations

import re
from typing import Callable, Sequence

import libcst as cst

from backlint.findings import Confidence, Level
from backlint.frameworks import database, errors, responses, routes
from backlint.frameworks.imports import dotted
from backlint.frameworks.values import Env, assigned_values, qualified_name
from backlint.rule import Invalid, Option, Rule, Valid
from backlint.syntax import call_name, contains, decorator_targets, iter_descendants, literal_start, name_parts, sibling, statements_after, string_value

_EXITS = frozenset({"sys.exit", "os._exit", "exit", "quit", "os.abort"})


def _ends_command(call: cst.Call) -> bool:
    """`ctx.exit(1)`, `ctx.fail("...")`, `ctx.abort()`: a click command's context ends it."""
    func = call.func
    return isinstance(func, cst.Attribute) and func.attr.value in ("exit", "fail", "abort") \
        and isinstance(func.value, cst.Name) and func.value.value in ("ctx", "context", "click_ctx")


class SwallowedException(Rule):
    """A broad `except` swallows the error: it neither logs, re-raises nor answers with an error.

    `except Exception: pass` (or `continue`, or `return None`) turns every failure, including
    the ones nobody expected, into silence: the request succeeds with wrong data, the job reports
    nothing, and the cause is gone. The rule flags bare `except:`, `except Exception` and
    `except BaseException` (alone or in a tuple), and `contextlib.suppress(Exception)`, when the
    handler only moves on (`pass`, `continue`, `break`, `return`, `return None`, after a teardown
    such as `conn.close()` if any), or, in a request
    handler, answers anything else (a fallback there is the client's answer), and does none of:
    log or report the error (a logger, `logging`, `print`, `traceback.print_exc`, Sentry), raise,
    make an error response, use the caught exception, or exit. A fallback value elsewhere
    (`return False`, `x = DEFAULT`, or `pass` after a `try` that returns, followed by the
    function's `return False`) is the author's decision about what a failure means: on
    held-out code reviewers agreed with one such finding in ten.

    Left alone: a function named for converting its input (`parse_cookie`, `_redact_url`,
    `normalize_id`: parse, normalize, redact, sanitize, convert, decode...) whose `try` calls no
    database, HTTP, file or process API and whose handler answers a constant or the input
    unchanged; a function that asks whether its input is valid (`validate_key`, `validatekey`,
    `verifymessage`; not `checkout`, `cancel` or `issue`), checks it locally (no await, query,
    request, file or socket call in the `try`) and whose only handler answers False (not `pass`,
    not `return`; a broad handler after specific ones is for the unexpected); specific exceptions (`except KeyError: pass` says exactly what is expected),
    handlers that log, re-raise or exit (also through a function of the same module that does),
    a `try` whose changes are calls of project functions that catch broad exceptions and log them
    themselves (`send_websocket_update(...)` whose body ends `except Exception as e:
    logger.warning(...)`: a second handler around it loses nothing; a function handed to a thread,
    `sync_to_async(service.mark_deleted)(...)`, is judged as itself), changes only to a cache or
    Redis that remove a key or write one to expire (`redis_client.delete(lock_key)`, `r.set(key,
    v, ex=20)`: a lock, a marker, a hint, gone soon anyway) or to a container the function built
    (`seen.add(key)`, `packages = copy.copy(...)` then `packages.append(...)`) or into an in-memory file it
    made (`pil.save(buf)` with `buf = io.BytesIO()`), an Elasticsearch or OpenSearch query run
    (`ArticlesSearch().sort("-date")[:6].execute()`: a read),
    fallbacks that do the same work another way (from the same inputs: `try: data = r.json()` /
    `except Exception: data = r.text`; the next source in a loop; the next `try`; the same call
    again, a retry; the batch's rows one by one), a lookup from a service the function also
    calls outside any `try` (an outage shows there: the handler catches the expected miss; not
    ORM or driver reads, whose miss has its own exception), a `try` that only parses or sorts a
    value (`int(text)`, a function with `parse`, `decode` or `normalize` in its name, or a helper of
    the same module that only parses: only bad input fails), a `try` in an `async def` that awaits
    nothing and calls no database, HTTP, file or process API (async code does its I/O by
    awaiting: what fails is the data in hand), only tears down (`conn.close()`,
    `session.rollback()`) or only logs or updates a metric, the program's own version or
    revision read with a fallback (`VERSION = importlib.metadata.version(...)`; not a schema
    version read from the database), best-effort steps while another error is handled or just before one is raised, in
    a `finally` or in a failure hook (`Task.on_failure`, a `task_revoked` receiver, a taskflow
    task's `revert(self, result, ...)`), a `try` that
    only removes files the program made for itself (named for temporary, cache, log, backup or
    rendered files, or in a function named for cleaning up) or files whose paths the function does
    not use again, in a function whose job is not the deletion (a leftover file, `rm -f`: not
    `delete_upload(path)`, nor `rmtree(d)` before `copytree(src, d)`), a `try` that
    only creates a directory with `pass` in the handler (it may exist; what needs it fails next if
    it does not), or only drops an index, collection or table (it may be gone already) or takes a schema
    step that may be taken already (`ALTER TABLE t ADD COLUMN c`, `CREATE INDEX IF NOT EXISTS`), handlers
    that answer with an error (an error response, a `pass` that falls straight to the request
    handler's error answer after the `try` (`return Response(status=403)`), or that only fills in the answer
    returned with an error status after the `try` (`res["message"] = "An error occurred"`), a redirect to a route
    named for the error (`redirect(reverse("signup_error"))`), a flash or messages call, a page, body or
    socket message that carries the error; a health check's "unhealthy" or 5xx; BL204 asks
    whether they log), a flag the `try` sets (reset in the handler or just before the `try`) that
    the statement right after it tests and answers with an error (`success = False`, `try: success
    = send(d)`, `except Exception: pass`, `if success: ... else: out.write("Failure")`), optional-import fallbacks (`except Exception: import json`),
    development-only blocks (`if settings.DEBUG:`), migrations and test code.
    And by default, a `try` that changes nothing: the rule looks at blocks that call something
    named for a change (save, commit, delete, create, update, insert, write, remove, send, upload,
    submit, publish, execute...; not a signal sent to a process, nor one dispatched to in-process
    receivers, `notify.send(user, verb=...)`, nor SQL that reads or tunes the session:
    `execute("SELECT ...")`, `execute_async(select(Pipeline.name))`, `execute("SET statement_timeout ...")`,
    `DEALLOCATE`, nor a tracing span annotated: `span.set_attribute(...)`, nor a header added to a
    request being built: `req.add_header(...)`), where a failure nobody
    sees loses a write; around reads, lookups,
    parsing and probes a broad handler's fallback was judged acceptable five times in six on
    held-out code (the `everywhere` option reports those too).
    `contextlib.suppress(Exception)` is judged like `try: ... except Exception: pass`, and a
    block that ends by setting a probe flag (`self.trace_available = True`) is a probe. A keep-alive
    loop that stops when its heartbeat cannot be sent (`try: await ws.send(ping) except Exception:
    break`) loses nothing: the send fails because the connection is gone, which its reader reports; nor
    does work that stops (`return`, `break`) when a `try` that only sends to its own websocket fails
    (`try: asyncio.run(self.send(progress)) except Exception: return None` in a consumer): the one
    the error would be reported to went away."""

    ID = "BL202"
    PEER_CODES = ("S110", "S112", "B110", "B112", "BLE001", "E722", "broad-except", "bare-except", "broad-exception-caught", "W0702", "W0703", "W0718")
    LEVEL = Level.WARNING
    CONFIDENCE = Confidence.HIGH
    CWE = (390, 396)
    TAGS = ("errors", "error-handling")
    MESSAGE = "{what} swallows every error without logging or re-raising it"
    FIX = """Catch the exceptions you expect, and log what you do not:

```python
try:
    send_receipt(order)
except SMTPException:
    log.warning("receipt for order %s not sent", order.id, exc_info=True)
```"""
    REFERENCES = (
        "https://cwe.mitre.org/data/definitions/390.html",
        "https://docs.astral.sh/ruff/rules/blind-except/",
    )
    PREFILTER = ("except", "suppress")
    TESTS = False
    MIGRATIONS = False
    OPTIONS = {
        "everywhere": Option(
            False,
            "Also report broad handlers around code that changes nothing (reads, lookups, parsing, "
            "probes): by default only a `try` that writes, sends or deletes something is looked at.",
            kind=bool,
        ),
    }

    INVALID = [
        Invalid(
            """
            def delete_upload(path):
                try:
                    os.remove(path)
                except Exception:
                    pass
            """,
            line=4,
            note="`except Exception: pass`.",
        ),
        Invalid(
            """
            def sync_all(accounts):
                for account in accounts:
                    try:
                        sync(account)
                    except:
                        continue
            """,
            line=5,
            note="A bare `except:` that moves on.",
        ),
        Invalid(
            """
            def validate_order(order):
                try:
                    check_stock(order)
                    reserve(order)
                except Exception:
                    pass
            """,
            line=5,
            note="Named for a question, but the handler answers nothing: every failure of the check passes as valid.",
        ),
        Invalid(
            """
            from contextlib import suppress

            def forget(storage, key):
                with suppress(Exception):
                    storage.delete(key)
            """,
            line=4,
            note="`contextlib.suppress(Exception)` is the same thing.",
        ),
        Invalid(
            """
            @app.post("/orders")
            def place_order():
                try:
                    order = Order.create(**request.get_json())
                    return jsonify(order.id)
                except (ValueError, Exception):
                    return jsonify({})
            """,
            line=6,
            note="A broad tuple around a write, answered with an empty success: the order is lost and nobody knows.",
        ),
        Invalid(
            """
            def add_reviewers(team, ids):
                added = []
                for pk in ids:
                    try:
                        added.append(Member.objects.create(user_id=pk, team=team))
                    except Exception:
                        continue
                return added
            """,
            line=6,
            note="A duplicate has its own exception to catch (`IntegrityError`): a broad `except` also drops the rows the database refused for any other reason.",
        ),
    ]
    VALID = [
        Valid(
            """
            def current_price(sku):
                try:
                    return Decimal(price_service.quote(sku))
                except Exception:
                    return None

            def reviewers(ids):
                found = []
                for pk in ids:
                    try:
                        found.append(Member.objects.get(pk=pk))
                    except Exception:
                        continue
                return found
            """,
            note="Reads with a fallback: nothing is lost but the answer, which the author chose "
                 "(reported with `everywhere`).",
        ),
        Valid(
            """
            def validate_comments(db, post_id):
                try:
                    return db.query(Comment).filter_by(post_id=post_id).count() > 0
                except Exception:
                    return False

            def beat_multiplier(runtime):
                try:
                    return runtime.get_beat_multiplier()
                except Exception:
                    return BEAT_MULTIPLIER_DEFAULT
            """,
            note="A fallback value outside a request handler: the author chose what a failure means (`False`, a "
                 "default). Reviewers agreed with about one such finding in ten on held-out code, against three in "
                 "ten for handlers that only move on (`pass`, `continue`, `return`); in a request handler, where "
                 "the fallback becomes the client's answer, it is still reported.",
        ),
        Valid(
            """
            import click

            @click.command()
            @click.pass_context
            def list_users(ctx, path):
                try:
                    manager = load_manager(path)
                except Exception:
                    click.echo(f"Could not load the user manager from {path}", err=True)
                    ctx.exit(1)
                for user in manager.users():
                    click.echo(user.name)
            """,
            note="A command that tells its user on stderr and ends with the context's `exit`.",
        ),
        Valid(
            """
            import logging
            import sys
            import time

            log = logging.getLogger(__name__)

            def shutdown(workers):
                log.info("stopping %d workers", len(workers))
                for worker in workers:
                    worker.terminate()
                sys.exit(1)

            def serve(config):
                try:
                    workers = start_workers(config)
                    while True:
                        time.sleep(30)
                except Exception:
                    shutdown(workers)
            """,
            note="The handler stops the program through a function of the same module that logs and exits.",
        ),
        Valid(
            """
            from django.db import connections
            from django.http import JsonResponse

            def health(request):
                code = 200
                body = {"status": "healthy"}
                try:
                    connections["default"].ensure_connection()
                except Exception:
                    body["status"] = "unhealthy"
                    code = 503
                return JsonResponse(body, status=code)
            """,
            note="A health check: a failure is its answer (\"unhealthy\", 503), and the monitoring that calls it records it.",
        ),
        Valid(
            """
            from flask import request

            def count_in_flight():
                try:
                    in_flight.labels(method=request.method, path=request.path).inc()
                except Exception:
                    pass
            """,
            note="Only a metric is updated: telemetry must never fail the request it observes.",
        ),
        Valid(
            """
            import time

            def preview_file(preview_id):
                try:
                    return files.get_preview(preview_id)
                except Exception:
                    time.sleep(1)
                    return files.get_preview(preview_id)
            """,
            note="A retry: the handler makes the same call again, and if that fails it raises.",
        ),
        Valid(
            """
            def import_rows(items):
                failed = 0
                try:
                    Entry.objects.bulk_create(items)
                except Exception:
                    for item in items:
                        try:
                            item.save()
                        except IntegrityError:
                            failed += 1
                return failed
            """,
            note="When the batch fails, the same rows are written one by one: the same work done another way.",
        ),
        Valid(
            """
            def flush(bucket):
                saved = 0
                try:
                    Ingredient.objects.bulk_create([item for item, _ in bucket])
                    for item, units in bucket:
                        sync_units(item, units)
                    saved = len(bucket)
                except Exception:
                    for item, units in bucket:
                        try:
                            item.save()
                            sync_units(item, units)
                            saved += 1
                        except IntegrityError:
                            pass
                return saved
            """,
            note="The batch, and what follows it, done again item by item when the batch fails.",
        ),
        Valid(
            """
            from zou.app.services import persons_service

            def recipients(author_id, person_ids):
                author = persons_service.get_person(author_id)
                found = [author]
                for person_id in person_ids:
                    try:
                        found.append(persons_service.get_person(person_id))
                    except Exception:
                        continue
                return found

            class VectorStore:
                def create_index(self):
                    try:
                        self.client.ft(self.index).info()
                    except Exception:
                        self.client.ft(self.index).create_index(fields=SCHEMA)
            """,
            note="A lookup whose miss is expected: the function calls the same service outside any `try`, so an outage shows there.",
        ),
        Valid(
            """
            import json
            from contextlib import suppress

            def settings_of(row, keys):
                found = {}
                for key in keys:
                    with suppress(Exception):
                        found[key] = json.loads(row[key])
                return found

            class Node:
                async def detect(self):
                    self.trace_available = False
                    with suppress(Exception):
                        await self.client.trace(1)
                        self.trace_available = True
            """,
            note="`suppress(Exception)` left alone where `try`/`except` would be: parsing values in hand; a flag set only when the probe succeeds.",
        ),
        Valid(
            """
            async def token_transfers(tx, abi):
                found = []
                for log in tx["logs"]:
                    try:
                        event = abi_parse_log(abi, log)
                        found.append((event["args"]["to"], event["args"]["value"]))
                    except Exception:
                        continue
                return found
            """,
            note="A parser named for what it does (`abi_parse_log`); and in an `async def`, a `try` that awaits nothing does no I/O: only the data in hand can fail.",
        ),
        Valid(
            """
            from operator import itemgetter

            def ordered(entities):
                try:
                    return sorted(entities, key=itemgetter("sequence_name", "name"))
                except Exception:
                    return entities
            """,
            note="Sorting values in hand: only the values can fail, and unsorted is the answer then.",
        ),
        Valid(
            """
            from pydantic import BaseModel, field_validator

            class Contact(BaseModel):
                phones: list[str]

                @field_validator("phones")
                @classmethod
                def keep_valid(cls, values):
                    valid = []
                    for value in values:
                        try:
                            valid.append(PhoneNumber(number=value).number)
                        except Exception:
                            continue
                    return valid
            """,
            note="A validator: what fails there is the value being checked.",
        ),
        Valid(
            """
            import time
            import requests

            def wait_until_up(url, tries=30):
                for _ in range(tries):
                    try:
                        if requests.get(url, timeout=5).ok:
                            return True
                    except requests.RequestException:
                        time.sleep(2)
                return False
            """,
            note="A polling loop: the next round tries again, and the end says no.",
        ),
        Valid(
            """
            def broker_is_reachable(connection):
                try:
                    connection.ensure_connection(max_retries=1)
                    return True
                except Exception:
                    return False
            """,
            note="A probe: for a function that asks whether something works, the failure is the answer.",
        ),
        Valid(
            """
            def validatekey(self, key):
                try:
                    self.keystore_class(key)
                    return True
                except Exception:
                    return False
            """,
            note="A validity question: whether the key is valid is the function's answer, and a key that fails is its False.",
        ),
        Valid(
            """
            def body_of(response):
                try:
                    return response.json()
                except Exception:
                    return response.text

            def port_of(text):
                try:
                    return int(text)
                except Exception:
                    return None

            def shutdown(client):
                try:
                    client.disconnect()
                except Exception:
                    pass

            def store(src, dst):
                try:
                    os.link(src, dst)
                except Exception:
                    shutil.copy(src, dst)
            """,
            note="Fallbacks from the same inputs (they raise if they fail too); a parse that only bad input can fail; a best-effort teardown.",
        ),
        Valid(
            """
            def cleanup(path):
                try:
                    os.remove(path)
                except FileNotFoundError:
                    pass
            """,
            note="A specific exception that is expected.",
        ),
        Valid(
            """
            def sync_all(accounts):
                for account in accounts:
                    try:
                        sync(account)
                    except Exception:
                        log.exception("sync failed for %s", account.id)
            """,
            note="Logged.",
        ),
        Valid(
            """
            def handler(event):
                try:
                    process(event)
                except Exception as exc:
                    raise ProcessingError(event.id) from exc
            """,
            note="Re-raised.",
        ),
        Valid(
            """
            @app.post("/orders")
            def create():
                try:
                    return jsonify(place_order(request.json)), 201
                except Exception:
                    return jsonify({"error": "internal error"}), 500
            """,
            note="Answered with an error response (BL204 asks for a log line).",
        ),
        Valid(
            """
            try:
                import ujson as json
            except Exception:
                import json
            """,
            note="An optional-import fallback.",
        ),
        Valid(
            """
            def check(url):
                try:
                    ping(url)
                except Exception as exc:
                    results.append((url, str(exc)))
            """,
            note="The error is kept and handed on.",
        ),
        Valid(
            """
            import logging

            class RedisLogHandler(logging.Handler):
                def emit(self, record):
                    try:
                        redis.publish("logs", self.format(record))
                    except Exception:
                        pass
            """,
            note="A logging handler: logging its own failure would re-enter it.",
        ),
        Valid(
            """
            import requests

            class Status:
                def api_status_check(self, port):
                    try:
                        return "on" if requests.get(f"http://127.0.0.1:{port}/alive", timeout=2).ok else "off"
                    except Exception:
                        return "off"

                def search(self, session):
                    try:
                        self.fts_available = session.execute(FTS_TABLE_QUERY).fetchone() is not None
                    except Exception:
                        self.fts_available = False
            """,
            note="Probes: the failure is the answer (`\"off\"`, a flag set to False).",
        ),
        Valid(
            """
            from datetime import datetime

            def sessions(start):
                try:
                    start = datetime.strptime(start, "%Y-%m-%d")
                    load(start)
                except Exception:
                    return ResponseObject(False, "Dates are invalid")
            """,
            note="The failure is answered with an error result.",
        ),
        Valid(
            """
            import re
            from datetime import datetime, timedelta

            def severity_of(eol_text):
                try:
                    eol = datetime.strptime(eol_text, "%Y-%m-%d")
                    overdue = datetime.now() - eol
                    return "High" if overdue > timedelta(weeks=4) else "Low"
                except Exception:
                    return "Info"

            def pull_request_of(subject):
                try:
                    return re.match(r"Merge pull request #(\\d+)", subject).groups()[0]
                except Exception:
                    return ""
            """,
            note="Parsing and computing from values in hand: whatever fails describes the input.",
        ),
        Valid(
            """
            import json

            def read_report(handle):
                try:
                    return json.load(handle)
                except Exception:
                    return None

            def parse_query(query):
                try:
                    params = json_loads(query)
                except Exception:
                    params = {}
                return params
            """,
            note="Loading an open document, or a project's own `*_loads` wrapper: only its content can fail.",
        ),
        Valid(
            """
            from flask import Flask, render_template

            app = Flask(__name__)

            @app.errorhandler(500)
            def internal_error(error):
                app.logger.error("unhandled: %s", error)
                try:
                    user = current_user.name
                except Exception:
                    user = None
                return render_template("500.html", user=user), 500
            """,
            note="Inside an error handler: a best-effort step while another error is being answered.",
        ),
        Valid(
            """
            import importlib.metadata

            try:
                VERSION = importlib.metadata.version(__name__)
            except Exception:
                VERSION = "unknown"
            """,
            note="The program's own version read from package metadata, with a fallback: optional, and absent when not installed.",
        ),
        Valid(
            """
            def warn_slow(path, seconds):
                try:
                    from flask import current_app
                    current_app.logger.warning("slow request %s: %.1fs", path, seconds)
                except Exception:
                    pass
            """,
            note="A `try` that only logs (outside an application context the logger is missing): the failure has nowhere else to go.",
        ),
        Valid(
            """
            from celery import Task

            class EncodeTask(Task):
                def on_failure(self, exc, task_id, args, kwargs, einfo):
                    try:
                        encoding = Encoding.objects.get(task_id=task_id)
                        encoding.status = "fail"
                        encoding.save(update_fields=["status"])
                    except Exception:
                        pass
            """,
            note="Celery's `on_failure` hook: the task's failure was already reported; marking it is a best-effort step.",
        ),
        Valid(
            """
            from taskflow import task

            class DeleteAmphoraInDB(task.Task):
                def execute(self, amphora_id):
                    self.amphora_repo.delete(id=amphora_id)

                def revert(self, result, *args, **kwargs):
                    try:
                        self.health_repo.delete(amphora_id=result)
                    except Exception:
                        pass
            """,
            note="A taskflow task's `revert`: it runs because a later task failed, which the flow reports; undoing is best effort.",
        ),
        Valid(
            """
            import sys

            def properties(self, sid):
                try:
                    rows = self.conn.execute_dict(self.sql, sid)
                    return make_json_response(data=rows)
                except Exception:
                    _, exc_value, _ = sys.exc_info()
                    return internal_server_error(errormsg=str(exc_value))
            """,
            note="The exception read with `sys.exc_info()` and answered.",
        ),
        Valid(
            """
            import re

            _DURATION = re.compile(r"PT(?:(\\d+)H)?(?:(\\d+)M)?")

            def _minutes(text):
                match = _DURATION.match(text)
                return int(match.group(1) or 0) * 60 + int(match.group(2) or 0)

            def import_recipe(data):
                try:
                    prep = _minutes(data["prepTime"])
                except Exception:
                    prep = 0
                return Recipe(name=data["name"], prep_minutes=prep)
            """,
            note="Parsing through a helper of the same module: only the imported value can fail.",
        ),
        Valid(
            """
            import tiktoken
            from transformers import AutoTokenizer

            def get_encoder(model_name, tokenizer_name=None):
                try:
                    if tokenizer_name:
                        encoder = AutoTokenizer.from_pretrained(tokenizer_name)
                    else:
                        encoder = tiktoken.encoding_for_model(model_name)
                except Exception:
                    encoder = tiktoken.encoding_for_model("gpt-4o")
                return encoder
            """,
            note="A fallback that does the same work another way, after an `if`/`else` whose every arm assigns the same name.",
        ),
        Valid(
            """
            from io import BytesIO

            from pypdf import PdfReader, PdfWriter

            def merge(files):
                writer = PdfWriter()
                for name, content in files:
                    try:
                        writer.append(PdfReader(BytesIO(content)))
                    except Exception:
                        note = f"Could not include {name}: the PDF is unreadable."
                        writer.append(PdfReader(BytesIO(note_page(note))))
                return writer
            """,
            note="The failure is written into the result for its reader (`f\"Could not include {name}\"`).",
        ),
        Valid(
            """
            import os

            def socket_input(sio, fd, data):
                try:
                    os.write(fd, data.encode())
                except Exception:
                    sio.emit("pty-output", {"result": "Invalid session.", "error": True})
            """,
            note="The failure is sent to the client over its socket.",
        ),
        Valid(
            """
            from urllib.parse import urlparse, urlunparse

            def _redact_url(url):
                try:
                    parts = urlparse(url)
                    return urlunparse(parts._replace(netloc=f"***@{parts.hostname}"))
                except Exception:
                    return "<url>"
            """,
            note="A converter of the value in hand, answering a placeholder for input it cannot convert.",
        ),
        Valid(
            """
            import os
            import signal

            def prune(directory):
                try:
                    os.rmdir(directory)
                except Exception:
                    pass

            def install_handlers(server):
                try:
                    signal.signal(signal.SIGQUIT, server.dump_threads)
                except Exception:
                    pass

            def cached_client(client):
                try:
                    client.ping()
                    return client
                except Exception:
                    return None
            """,
            note="Failures that are ordinary answers: `rmdir` refuses a directory that is not empty (\"remove it if "
                 "empty\"), `signal.signal` a signal the platform lacks, and a failed `ping()` says the cached "
                 "connection is stale.",
        ),
        Valid(
            """
            def field_labels(fields, values):
                labels = {}
                for field, value in zip(fields, values):
                    try:
                        label = getattr(field, "verbose_name", None) or field.related_model._meta.verbose_name
                        labels.setdefault(str(label), value)
                    except Exception:
                        pass
                return labels
            """,
            note="The `try` calls only builtins and container methods: what fails is the data in hand.",
        ),
        Valid(
            """
            def move(storage, src, dst, progress_callback):
                try:
                    storage.copy(src, dst)
                    storage.remove(src)
                    progress_callback(done=True)
                except Exception:
                    progress_callback(failed=True)

            def read_log(path):
                try:
                    with open(path) as fh:
                        return fh.readlines()
                except Exception:
                    return ["No log available"]

            class OAuthCallback(View):
                def get(self, request):
                    try:
                        user_id = self.client.user_id_for(request.GET["code"])
                    except Exception:
                        return self.get_failed_response(request, "Could not sign in")
                    return self.login(user_id)
            """,
            note="The failure is reported: to the caller's callback, in the answer's own words, or as a failure page.",
        ),
        Valid(
            """
            def get_user(payload):
                try:
                    user = user_from_payload(payload)
                except Exception:
                    user = None
                if not user:
                    raise ValidationError("Invalid token")
                return user

            def clean_ids(rows, index_error_map):
                cleaned = []
                for index, row in enumerate(rows):
                    try:
                        cleaned.append(from_global_id(row["id"]))
                    except Exception:
                        index_error_map[index].append(BulkError(field="id", message="Invalid ID."))
                return cleaned
            """,
            note="The value the handler resets is tested right after the `try` and answered with an error, and a "
                 "failure added to a collection of errors joins the answer.",
        ),
    ]

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        if not errors.is_broad(self.ctx, node):
            return
        body = node.body
        if errors.raises(body) or errors.logs(self.ctx, body):
            return
        name = node.name.name.value if node.name is not None and isinstance(node.name.name, cst.Name) else None
        statements = list(iter_descendants(body, into_scopes=False))
        if name is not None and any(isinstance(n, cst.Name) and n.value == name for n in statements):
            return
        if any(isinstance(n, cst.Call) and (qualified_name(self.ctx, n) in _EXITS | _EXCEPTION_READERS or _ends_command(n)) for n in statements):
            return  # the program stops, or the handler reads the exception (`sys.exc_info()`) and uses it
        if self._handled_by_helper(statements):
            return  # `cleanup()`, a function of this module that logs, raises or exits
        if all(isinstance(n, (cst.SimpleStatementLine, cst.Import, cst.ImportFrom, cst.ImportAlias, cst.Name, cst.Attribute, cst.AsName))
               for n in statements) and any(isinstance(n, (cst.Import, cst.ImportFrom)) for n in statements):
            return
        if self._expected(node) or self._checked_after(node):
            return
        fn = self.ctx.function()
        if responses.error_responses(self.ctx, body, in_handler=routes.route_of(self.ctx, fn) is not None):
            return
        if _tells_the_user(self.ctx, statements) or self._in_debug_only_block() or self._answers_with_helper(statements):
            return
        if routes.route_of(self.ctx, fn) is None and (not _silent(node) or self._falls_to_fallback(node)):
            return  # a fallback value outside a request handler: the author chose what the failure means
        if self._falls_to_error_response(node, fn):
            return  # `except Exception: pass`, then `return Response(status=403)`: the client is told it failed
        tried = self.ctx.parent()
        if isinstance(tried, (cst.Try, cst.TryStar)) and not self._looked_at(tried.body):
            return  # (bare `except:` included: held-out review rejected all five around reads that were looked at)
        what = "`except:`" if node.type is None else f"`except {self.ctx.code(node.type)}`"
        self.report(node.type if node.type is not None else node, what=what)

    def _falls_to_fallback(self, handler: cst.ExceptHandler) -> bool:
        """`try: ...; return True` / `except: pass`, then the function's `return False`: the
        handler's `pass` leads straight to a fallback value, as `except: return False` would."""
        small = _handler_statements(handler) or []
        tried = self.ctx.parent()
        if not (small and all(isinstance(x, cst.Pass) for x in small)) or not isinstance(tried, (cst.Try, cst.TryStar)):
            return False
        if not any(isinstance(n, cst.Return) for n in iter_descendants(tried.body, into_scopes=False)):
            return False
        following = _next_statement(self.ctx.stack[:-1])
        if not (isinstance(following, cst.SimpleStatementLine) and isinstance(following.body[0], cst.Return)):
            return False
        value = following.body[0].value
        return value is not None and not (isinstance(value, cst.Name) and value.value == "None")

    def _falls_to_error_response(self, handler: cst.ExceptHandler, fn: cst.FunctionDef | None) -> bool:
        """`try: ...; return Response(status=204)` / `except Exception: pass`, then the request
        handler's `return Response(status=403)`: the `pass` leads straight to an error answer, as
        an `except` that answered so itself would (whether it should log is BL204's question). So
        does a handler that only fills in the answer (`res["message"] = "An error occurred"`, then
        `return make_response(res, 500)` after the `try`)."""
        small = _handler_statements(handler) or []
        if fn is None or not small or not all(isinstance(x, cst.Pass) or _fills_answer(x) for x in small):
            return False
        following = _next_statement(self.ctx.stack[:-1])
        if not (isinstance(following, cst.SimpleStatementLine) and isinstance(following.body[0], cst.Return)):
            return False
        value = following.body[0].value
        site = responses.response_of_call(self.ctx, value) if isinstance(value, cst.Call) else None
        site = site or responses.response_of_return(following.body[0])
        return site is not None and site.status is not None and site.status >= 400

    def _looked_at(self, body: cst.BaseSuite) -> bool:
        """Whether the guarded block changes something (see `_changes_state`), or every block is
        looked at (`everywhere`)."""
        if self.options.get("everywhere", False):
            return True
        fn = self.ctx.function()
        return _changes_state(body, reads=fn is not None and _named_for_reading(fn.name.value),
                              signal=lambda call: _signal_send(self.ctx, call), logged=self.ctx.project.self_logging_functions,
                              ephemeral=lambda call: self._local_container_change(call) or self._cache_change(call)
                              or self._into_memory_buffer(call)
                              or self.ctx.qualify(call.func) in _COPIES  # (`copy.copy(x)` copies in memory)
                              or self._search_run(call))

    def _search_run(self, call: cst.Call) -> bool:
        """`s.execute()` on `s = Search(index=...).filter(...)`, or on the chain itself (also sliced,
        `ArticlesSearch().sort("-date")[:6].execute()`, a project's subclass of `Search`): an
        Elasticsearch or OpenSearch query run, a read, whatever its method is called."""
        func = call.func
        if not (isinstance(func, cst.Attribute) and func.attr.value == "execute" and not call.args):
            return False
        receivers = [func.value] + [v for v, _ in assigned_values(Env.within(self.ctx, call), func.value)]
        for receiver in receivers:
            while isinstance(receiver, cst.Subscript) or isinstance(receiver, cst.Call) and isinstance(receiver.func, cst.Attribute):
                receiver = receiver.value if isinstance(receiver, cst.Subscript) else receiver.func.value  # type: ignore[attr-defined]
                # (`Search(...).query(...).filter(...)[:10]`: to the call it starts with)
            if isinstance(receiver, cst.Call) and ((self.ctx.qualify(receiver.func) or "").startswith(_SEARCH_DSLS)
                                                   or (call_name(receiver) or "").endswith("Search")):
                return True
        return False

    def _cache_change(self, call: cst.Call) -> bool:
        """`redis_client.delete(key)`, `_r.set(key, v, ex=300)` with `_r = RedisClient.get_client()`:
        a key of a cache or Redis removed or written to expire, state that is gone soon anyway (a
        lock, a marker, a hint), not data a failure loses. (`cache.set(key, value)` without an
        expiry is a change like any other.)"""
        func = call.func
        if not isinstance(func, cst.Attribute):
            return False
        method = func.attr.value
        expiring = method in ("setex", "psetex") or (method == "set" and any(
            a.keyword is not None and a.keyword.value in ("ex", "px", "timeout", "ttl", "expire") for a in call.args))
        if not (expiring or method in ("delete", "unlink", "expire", "hdel", "srem")):
            return False
        # (`_r = RedisClient.get_client()` may be bound in the same `try`: resolved where the call is)
        receivers = [func.value] + [v.func for v, _ in assigned_values(Env.within(self.ctx, call), func.value) if isinstance(v, cst.Call)]
        return any(_CACHE_NAME.search(dotted(r) or "") for r in receivers)

    def _local_container_change(self, call: cst.Call) -> bool:
        """`keys.add(...)`, `seen.update(...)` on a set, list or dict the function built itself
        (`keys = set()`, `packages = copy.copy(component["packages"])`) or was given as its `**kwargs`: a change in memory, which no one else sees fail."""
        func = call.func
        if not (isinstance(func, cst.Attribute) and func.attr.value in _CONTAINER_CHANGES and isinstance(func.value, cst.Name)):
            return False
        fn = self.ctx.function()
        star = fn.params.star_kwarg if fn is not None else None
        if star is not None and star.name.value == func.value.value:
            return True  # `kwargs.update(...)` on the function's own `**kwargs`: a dict made for this call
        values = list(assigned_values(Env.within(self.ctx, call), func.value))  # (also one built in the same `try`)
        return bool(values) and all(
            isinstance(v, (cst.List, cst.Set, cst.Dict, cst.ListComp, cst.SetComp, cst.DictComp))
            or (isinstance(v, cst.Call) and (call_name(v) in _CONTAINER_TYPES or self.ctx.qualify(v.func) in _COPIES or (
                func.attr.value == "update" and (self.ctx.qualify(v.func) or "").startswith(("hashlib.", "hmac.", "zlib.")))))
            for v, _ in values
        )  # (`md5sum.update(data)` on `md5sum = hashlib.md5()`: a digest in memory; `copy.copy(...)`: the function's own copy)

    def _into_memory_buffer(self, call: cst.Call) -> bool:
        """`pil.save(buf, format="JPEG")`, `buf.write(data)` with `buf = io.BytesIO()` made by the
        function: bytes written into memory, which no one else sees fail."""
        func = call.func
        first = call.args[0].value if call.args and call.args[0].keyword is None else None
        for target in (first, func.value if isinstance(func, cst.Attribute) else None):
            if isinstance(target, cst.Name):
                values = list(assigned_values(Env.within(self.ctx, call), target))
                if values and all(isinstance(v, cst.Call) and (self.ctx.qualify(v.func) or "") in _MEMORY_FILES for v, _ in values):
                    return True
        return False

    def _ends_keepalive(self, tried: cst.Try | cst.TryStar, handler: cst.ExceptHandler, fn: cst.FunctionDef | None) -> bool:
        """A keep-alive loop that stops when its heartbeat cannot be sent: the handler only leaves
        the `while` loop (`break`, `return`), and the `try` sends a heartbeat or ping (by the
        function's name or the names in the `try`). A send fails when the connection is gone,
        which the connection's reader notices and reports."""
        small = _handler_statements(handler) or []
        if not small or not all(isinstance(x, (cst.Break, cst.Return)) and _no_value(getattr(x, "value", None)) for x in small):
            return False
        if self._sends_to_own_socket(tried):
            return True  # `try: asyncio.run(self.send(progress)) except Exception: return None`: the peer went away
        loop = next((n for n in reversed(self.ctx.stack[:-2]) if isinstance(n, (cst.For, cst.While, cst.FunctionDef))), None)
        if not isinstance(loop, cst.While):
            return False
        names = [fn.name.value] if fn is not None else []
        names += [n.value for n in iter_descendants(tried.body, into_scopes=False) if isinstance(n, cst.Name)]
        return any(set(name_parts(name)) & _KEEPALIVE_WORDS for name in names)

    def _sends_to_own_socket(self, tried: cst.Try | cst.TryStar) -> bool:
        """A `try` that only sends to the socket the function serves: a websocket consumer's or
        handler's own `self.send(...)` (awaited, or run by `asyncio.run`), or `ws.send_json(...)` on
        the websocket it was given. Such a send fails when the peer is gone, and the peer is the one
        an error would be reported to."""
        statements = tried.body.body if isinstance(tried.body, cst.IndentedBlock) else ()
        if not statements:
            return False
        cls = self.ctx.enclosing_class()
        socket_class = cls is not None and any(
            set(name_parts((dotted(b.value) or "").rsplit(".", 1)[-1])) & _SOCKET_WORDS for b in cls.bases
        )
        for statement in statements:
            if not (isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1 and isinstance(statement.body[0], cst.Expr)):
                return False
            call = statement.body[0].value
            if isinstance(call, cst.Await):
                call = call.expression
            if isinstance(call, cst.Call) and call_name(call) == "run" and call.args and (dotted(call.func) or "").startswith("asyncio"):
                call = call.args[0].value  # `asyncio.run(self.send(...))`
            if isinstance(call, cst.Await):
                call = call.expression
            if not (isinstance(call, cst.Call) and isinstance(call.func, cst.Attribute) and call.func.attr.value in _SOCKET_SENDS):
                return False
            receiver = call.func.value
            if not isinstance(receiver, cst.Name):
                return False
            if not ((receiver.value == "self" and socket_class) or set(name_parts(receiver.value)) & _SOCKET_WORDS):
                return False
        return True

    def _expected(self, handler: cst.ExceptHandler) -> bool:
        """The failure is expected or handled another way: the `try` is a best-effort step (see
        `_best_effort`), or the handler reads a version with a fallback, answers a probe's no,
        retries, or falls back to the same thing done another way: from the same inputs, the next
        alternative in a loop, or the next `try`."""
        stack = self.ctx.stack
        try_node = stack[-2] if len(stack) > 1 else None
        if not isinstance(try_node, (cst.Try, cst.TryStar)):
            return False
        fn = self.ctx.function()
        if self._best_effort(try_node.body, fn):
            return True
        if _only_makes_a_directory(try_node.body, handler):
            return True  # `try: ctx.mkdir_rec(parent)`: it may exist already; what needs it fails next if not
        if self._ends_keepalive(try_node, handler, fn):
            return True  # `try: await ws.send(ping) except Exception: break`: the socket is gone; its reader sees it close
        if _reads_version(self.ctx, try_node.body, handler.body, fn):
            return True
        if (fn is not None and (_is_probe(fn) or self._in_probe_class()) and _answers_no(handler, allow_pass=True)) or _records_no(handler):
            return True
        if fn is not None and set(name_parts(fn.name.value.lstrip("_"))) & _CONVERTER_WORDS and self._computes_only(try_node.body) \
                and _gives_fallback(handler, fn):
            return True  # `_redact_url(url)`, `parse_device_cookie(raw)`: a converter's bad input gets its "no" value
        if (fn is not None and _is_validity_question(fn) and _says_false(handler) and try_node.handlers[0] is handler
                and self._computes_only(try_node.body)):
            # The function asks whether its input is valid and checks it locally: a failure is its
            # "no". Not after specific handlers (`except NXDOMAIN`), where the broad one is for the
            # unexpected, nor around queries, requests or awaits, whose outage is not a "no".
            return True
        if _retries(handler) and any(isinstance(n, (cst.While, cst.For)) for n in self.ctx.ancestors()):
            return True
        return (_falls_back(try_node.body, handler.body) or self._next_alternative(try_node, handler)
                or _does_again(try_node.body, handler.body) or self._looks_up_a_store_used_unguarded(try_node, fn))

    def _checked_after(self, handler: cst.ExceptHandler) -> bool:
        """`user = None` in the handler (or `success = False` before the `try` and only `pass` in
        the handler), then `if not user: raise ValidationError(...)` right after the `try`: the
        failure is answered there (raised, logged, answered with an error or reported as one)."""
        small = _handler_statements(handler)
        stack = self.ctx.stack
        if not small or len(stack) < 3:
            return False
        if all(_resets(x) for x in small):
            targets = {t.target.value for x in small if isinstance(x, cst.Assign) for t in x.targets if isinstance(t.target, cst.Name)}
        elif all(isinstance(x, cst.Pass) for x in small):
            # `success = False` / `try: success, _ = send(d)` / `except Exception: pass` / `if success:`
            before = _previous_sibling(stack, len(stack) - 2)
            reset = before.body if isinstance(before, cst.SimpleStatementLine) else ()
            targets = {t.target.value for x in reset if _resets(x) for t in x.targets if isinstance(t.target, cst.Name)}  # type: ignore[union-attr]
            tried = stack[-2].body if isinstance(stack[-2], (cst.Try, cst.TryStar)) else None
            targets &= {name for n in iter_descendants(tried, into_scopes=False) if isinstance(n, cst.Assign)
                        for t in n.targets for name in _names(t.target)} if tried is not None else set()
        else:
            return False
        following = _next_sibling(stack, len(stack) - 2)
        if not targets or not isinstance(following, cst.If) or not (_names(following.test) & targets):
            return False
        arms: list[cst.CSTNode] = [following.body] + ([following.orelse] if following.orelse is not None else [])
        return any(
            errors.raises(arm) or errors.logs(self.ctx, arm) or bool(responses.error_responses(self.ctx, arm, in_handler=True))
            or any(_ERROR_WORDS.search(text) for n in iter_descendants(arm) if isinstance(n, cst.Call) for a in n.args for text in _texts(a.value))
            for arm in arms
        )

    def _looks_up_a_store_used_unguarded(self, try_node: cst.Try | cst.TryStar, fn: cst.FunctionDef | None) -> bool:
        """The `try` looks one thing up (`persons_service.get_person(pid)`, `client.ft(i).info()`)
        from a service the same function also calls outside any `try` (`persons_service.get_person(
        author_id)`, `client.ft(i).create_index(...)`): an outage surfaces there, and what this
        handler catches is the miss, an expected outcome."""
        if fn is None:
            return False
        work = [c for c in errors.calls(try_node.body) if not errors.is_logging_call(self.ctx, c)
                and (call_name(c) or "") not in errors.PARSERS]
        lookups = [c for c in work if isinstance(c.func, cst.Attribute) and _is_lookup(c.func.attr.value)]
        if len(lookups) != 1 or any(not contains(lookups[0], c) for c in work):
            return False
        store = _store_of(lookups[0])
        if store is None or database.data_op(self.ctx, lookups[0]) is not None:
            return False  # an ORM or driver read has its own miss to name (`DoesNotExist`, `NoResultFound`)
        guarded: set[int] = set()
        for n in iter_descendants(fn.body, into_scopes=False):
            if isinstance(n, (cst.Try, cst.TryStar)):
                guarded.update(id(x) for x in iter_descendants(n.body, into_scopes=False))
        return any(
            isinstance(n, cst.Call) and id(n) not in guarded and _store_of(n) == store
            and (call_name(n) or "") not in _TEARDOWN
            for n in iter_descendants(fn.body, into_scopes=False)
        )

    def _best_effort(self, body: cst.BaseSuite, fn: cst.FunctionDef | None) -> bool:
        """Whether what the `try` (or `with suppress(...)`) block does may fail without anyone
        needing to know: it only parses a value (`int(text)`, `json.loads`: only bad input fails),
        only computes in an `async def` (it awaits nothing: async code does its I/O by awaiting),
        only tears down (`conn.close()`, `session.rollback()`) or logs, runs while another error is
        being handled (an `except`, a `finally`, a failure hook, an error handler, a logging
        handler's `emit`) or just before one is raised (the next statement is a `raise`), or is a
        validator's check."""
        if errors.parses_only(body, self.ctx.module_scope().functions) or (fn is not None and set(name_parts(fn.name.value)) & _TEARDOWN_WORDS):
            return True
        if fn is not None and _is_failure_hook(fn):
            return True  # `Task.on_failure`, a `task_revoked` receiver: best-effort steps while a failure is handled
        if _only_logs(self.ctx, body):
            return True  # a failure to log has nowhere to be logged
        if fn is not None and _is_validator(fn):
            return True  # a pydantic validator: whatever fails there is the value being checked
        if fn is not None and fn.name.value == "emit" and self._in_log_handler_class():
            return True  # logging.Handler.emit: logging the failure would re-enter the same handler
        if fn is not None and routes.error_handler_parameter(fn, self.ctx.project.catch_all_handlers) is not None:
            return True  # inside an error handler: a best-effort step while another error is handled
        calls = [n for n in iter_descendants(body) if isinstance(n, cst.Call)]
        if calls and all((call_name(c) or "") in _TEARDOWN or _ignores_errors(c) for c in calls):
            return True  # (`shutil.rmtree(path, ignore_errors=True)` never raises)
        if self._removes_scratch_files(body, calls, fn):
            return True
        if calls and all(_fails_by_design(self.ctx, c) for c in calls):
            return True  # `os.rmdir(d)` (only if empty), `signal.signal(...)` (not on every platform), `client.ping()`
        if calls and all(_in_memory(c) for c in calls) and not any(
                isinstance(n, (cst.Await, cst.With)) for n in iter_descendants(body)):
            return True  # `getattr(f, "verbose_name")`, `data.setdefault(...)`: the data in hand
        if fn is not None and fn.asynchronous is not None and self._computes_only(body):
            return True
        if self._raise_follows(body):
            return True  # `try: storage.unlink(f) except Exception: pass` then `raise BadRequest(...)`: cleanup on a failing path
        stack = self.ctx.stack
        for i in range(len(stack) - 3, -1, -1):
            node, child = stack[i], stack[i + 1]
            if isinstance(node, (cst.FunctionDef, cst.Lambda, cst.ClassDef)):
                break
            if isinstance(node, cst.ExceptHandler) or (isinstance(node, (cst.Try, cst.TryStar)) and child is node.finalbody):
                return True
        return False

    def _removes_scratch_files(self, body: cst.BaseSuite, calls: list[cst.Call], fn: cst.FunctionDef | None) -> bool:
        """The `try` only removes files the program made for itself (`os.remove(chart_png)`,
        `remove_file(tmp_path)`): named for scratch data (temporary, cache, log, backup, chart...),
        or in a function named for cleaning up, or whose paths nothing after the block uses, in a
        function not named for deleting (`os.remove(script_path)` after the script ran). Failing to
        delete regenerable, scratch or leftover files costs disk space, not data. (An `exists()` check around the removal says nothing: a stale
        partial download left behind is resumed from.)
        (A function that deletes what a user stored, `delete_upload(path)`, stays reported.)"""
        removals = [c for c in calls if (call_name(c) or "") in _FILE_REMOVALS]
        if routes.route_of(self.ctx, fn) is not None:
            return False  # a request to delete: the removal is what was asked for
        if not removals or not all(
            c in removals or _names_a_path(c) or (call_name(c) or "") in _TEARDOWN or errors.is_logging_call(self.ctx, c)
            for c in calls
        ):
            return False
        words: set[str] = set(name_parts(fn.name.value)) if fn is not None else set()
        if words & _CLEANUP_WORDS:
            return True
        if fn is not None and not words & _DELETE_WORDS and all(self._local_removal(c) for c in removals) \
                and not any(isinstance(n, cst.Await) for n in iter_descendants(body)) \
                and not self._used_after(body, _path_names(removals)):
            return True  # a leftover file nothing reads next (`rm -f`), in a function whose job is not the deletion
        env = Env.within(self.ctx, removals[0])
        for call in removals:
            for arg in call.args:
                exprs = [arg.value] + [v for v, _ in assigned_values(env, arg.value)]
                for expr in exprs:
                    for n in [expr, *iter_descendants(expr)]:
                        if isinstance(n, cst.Name):
                            words.update(name_parts(n.value))
                        elif isinstance(n, cst.SimpleString):
                            words.update(re.findall(r"[a-z]+", (string_value(n) or "").lower()))
        return bool(words & _SCRATCH_WORDS)

    def _local_removal(self, call: cst.Call) -> bool:
        """`os.remove(p)`, `shutil.rmtree(d)`, `path.unlink()`: a file of this machine's disk removed
        (not `storage.delete_file(file_id)`, an object of a storage service)."""
        if qualified_name(self.ctx, call) in _LOCAL_REMOVALS:
            return True
        return isinstance(call.func, cst.Attribute) and call.func.attr.value in ("unlink", "rmdir") \
            and not any(a.keyword is None for a in call.args)

    def _used_after(self, body: cst.BaseSuite, names: set[str]) -> bool:
        """Whether a statement after the block (the `try`, the `with suppress(...)`) in its function,
        at its own level or at any level around it, names one of `names` (or an attribute of one):
        `shutil.rmtree(d)` before `shutil.copytree(src, d)`, a directory removed to be made again."""
        stack = self.ctx.stack
        owner = next((i for i in range(len(stack) - 1, 0, -1)
                      if isinstance(stack[i], (cst.Try, cst.TryStar, cst.With)) and stack[i].body is body), None)  # type: ignore[attr-defined]
        if owner is None:
            return True
        for statement in statements_after(stack, owner):
            for n in iter_descendants(statement):
                name = dotted(n) if isinstance(n, (cst.Name, cst.Attribute)) else None
                if name is not None and any(name == x or name.startswith(x + ".") for x in names):
                    return True
        return False

    def _raise_follows(self, body: cst.BaseSuite) -> bool:
        """Whether the statement holding the block (the `try`, the `with suppress(...)`) is followed
        at once by a `raise`: the block cleans up on a path that fails with its own error."""
        stack = self.ctx.stack
        for i in range(len(stack) - 1, 0, -1):
            owner = stack[i]
            if isinstance(owner, (cst.Try, cst.TryStar, cst.With)) and owner.body is body:
                following = _next_sibling(stack, i)
                return isinstance(following, cst.SimpleStatementLine) and isinstance(following.body[0], cst.Raise)
        return False

    def _computes_only(self, body: cst.BaseSuite) -> bool:
        """In an `async def`: a block that awaits nothing and calls no database, HTTP client,
        file, process or socket API does local computation; what fails is the data in hand."""
        for n in iter_descendants(body, into_scopes=False):
            if isinstance(n, (cst.Await, cst.With, cst.For)) and (not isinstance(n, (cst.With, cst.For)) or n.asynchronous is not None):
                return False
            if isinstance(n, cst.Call) and (
                (call_name(n) or "") in _BLOCKING_IO or database.data_op(self.ctx, n) is not None or database.network_call(self.ctx, n)
            ):
                return False
        return True

    def _in_probe_class(self) -> bool:
        """A method of a class whose name says it checks health (`HealthCheckController`)."""
        cls = self.ctx.enclosing_class()
        return cls is not None and bool(set(name_parts(cls.name.value)) & _PROBE_WORDS)

    def _in_log_handler_class(self) -> bool:
        """Inside a class whose base is a logging handler (`logging.Handler`, `StreamHandler`...)."""
        cls = self.ctx.enclosing_class()
        return cls is not None and any((dotted(b.value) or "").endswith("Handler") for b in cls.bases)

    def _next_alternative(self, try_node: cst.Try | cst.TryStar, handler: cst.ExceptHandler) -> bool:
        """`for source in sources: try: return lookup(source) except Exception: continue`, or
        another `try` right after this one: alternatives tried in turn."""
        moves_on = all(
            isinstance(s, cst.SimpleStatementLine) and all(isinstance(x, (cst.Pass, cst.Continue)) for x in s.body)
            for s in (handler.body.body if isinstance(handler.body, cst.IndentedBlock) else ())
        )
        if not moves_on:
            return False
        stack = self.ctx.stack
        block = stack[-3] if len(stack) > 2 else None
        loop = stack[-4] if len(stack) > 3 else None
        succeeds = any(isinstance(n, (cst.Return, cst.Break)) for n in iter_descendants(try_node.body, into_scopes=False))
        if isinstance(loop, (cst.For, cst.While)) and block is loop.body and succeeds:
            return True
        body = list(block.body) if isinstance(block, (cst.IndentedBlock, cst.Module)) else []
        index = next((i for i, s in enumerate(body) if s is try_node), -1)
        return 0 <= index < len(body) - 1 and isinstance(body[index + 1], (cst.Try, cst.TryStar))

    def _handled_by_helper(self, nodes: list[cst.CSTNode]) -> bool:
        """The handler calls a function of this module that records or ends the failure: it exits
        (`sys.exit(1)` anywhere in it), logs before anything else can branch (a logging call among
        its top-level statements) or ends by raising."""
        functions = self.ctx.module_scope().functions
        for n in nodes:
            if not (isinstance(n, cst.Call) and isinstance(n.func, cst.Name)):
                continue
            fn = functions.get(n.func.value)
            if fn is None or not isinstance(fn.body, cst.IndentedBlock) or not fn.body.body:
                continue
            top = fn.body.body
            if (
                any(isinstance(c, cst.Call) and qualified_name(self.ctx, c) in _EXITS for c in errors.calls(fn.body))
                or any(isinstance(s, cst.SimpleStatementLine) and errors.logs(self.ctx, s) for s in top)
                or (isinstance(top[-1], cst.SimpleStatementLine) and isinstance(top[-1].body[-1], cst.Raise))
            ):
                return True
        return False

    def _answers_with_helper(self, nodes: list[cst.CSTNode]) -> bool:
        """`return response_404()`: a helper of this file that builds an error response."""
        for n in nodes:
            if isinstance(n, cst.Return) and isinstance(n.value, cst.Call) and isinstance(n.value.func, cst.Name):
                fn = self.ctx.module_scope().functions.get(n.value.func.value)
                if fn is not None and responses.error_responses(self.ctx, fn.body, in_handler=True):
                    return True
        return False

    def _in_debug_only_block(self) -> bool:
        """Inside `if settings.DEBUG:` or `if app.debug:`: development-only code."""
        for node in self.ctx.ancestors():
            if isinstance(node, cst.If) and (dotted(node.test) or "").rsplit(".", 1)[-1] in ("DEBUG", "debug"):
                return True
        return False

    def visit_WithItem(self, node: cst.WithItem) -> None:
        call = node.item
        if not isinstance(call, cst.Call) or qualified_name(self.ctx, call).rsplit(".", 1)[-1] != "suppress":
            return
        if not any((dotted(a.value) or "").rsplit(".", 1)[-1] in ("Exception", "BaseException") for a in call.args):
            return
        block = self.ctx.parent()
        if isinstance(block, cst.With) and (
            self._best_effort(block.body, self.ctx.function()) or _records_yes(block.body) or self._in_debug_only_block()
        ):
            return  # what `try: ... except Exception: pass` would be left alone for
        if isinstance(block, cst.With) and not self._looked_at(block.body):
            return
        self.report(call, what=f"`{self.ctx.code(call)}`")


_LOOKUP_FIRST = frozenset({"get", "find", "lookup", "fetch", "retrieve", "load", "read"})


def _is_lookup(method: str) -> bool:
    """`get_person`, `find_by_id`, `info`, `exists`: a method that looks something up."""
    parts = name_parts(method)
    return bool(parts) and (parts[0] in _LOOKUP_FIRST or method in ("info", "exists"))


def _store_of(call: cst.Call) -> str | None:
    """The service a method call goes to, the start of its call chain
    (`self.redis_client.ft(index).info()` -> `self.redis_client`), when that is a name or
    attribute path other than `self` alone."""
    name = dotted(database.chain_root(call))
    return name if name and name not in ("self", "cls") else None


_EXCEPTION_READERS = frozenset({"sys.exc_info", "sys.exception", "traceback.format_exc", "traceback.format_exception"})


_BUILTINS_IN_MEMORY = frozenset({"getattr", "hasattr", "isinstance", "str", "int", "float", "bool", "repr", "round", "max",
                                 "min", "sorted", "tuple", "dict"})
_METHODS_IN_MEMORY = frozenset({"setdefault", "format", "join", "split", "strip", "lower", "upper", "replace", "startswith",
                                "endswith"})


_STATE_VERBS = frozenset({
    "save", "commit", "delete", "create", "update", "insert", "add", "write", "remove", "unlink", "rmtree", "upload",
    "send", "post", "put", "patch", "set", "submit", "deploy", "publish", "store", "execute", "executemany",
    "flush", "upsert", "apply", "delay", "rename", "move", "copy", "mkdir", "makedirs", "dump", "assign", "register",
    "enqueue", "destroy", "drop", "clear", "reset", "purge", "sync", "reserve", "charge", "capture", "refund", "transfer",
    "cancel", "revoke", "grant", "archive",
})
"""Words of calls that change something outside the function: rows, files, messages, jobs. Not
notifications pushed to a UI (`push`, `notify`, `emit`) or signals to processes (`kill`,
`terminate`): a refresh or a process that is already gone loses nothing."""


def _signal_send(ctx: object, call: cst.Call) -> bool:
    """`notify.send(actor, recipient=..., verb=...)`, `order_paid.send(sender=Order)`: a signal
    dispatched to in-process receivers (a notification shown in the app), imported from a
    `signals` module or named for a signal. The change it reports on was made before it."""
    func = call.func
    if not (isinstance(func, cst.Attribute) and func.attr.value in ("send", "send_robust")):
        return False
    receiver = dotted(func.value) or ""
    qualified = ctx.imports.qualify(func.value) or ""  # type: ignore[attr-defined]
    return receiver.rsplit(".", 1)[-1] == "notify" or receiver.lower().endswith("signal") \
        or "signals" in qualified.split(".")[:-1] or qualified.startswith("django.dispatch")


def _fills_answer(small: cst.BaseSmallStatement) -> bool:
    """`res["message"] = "An error occurred"`, `res["success"] = False`: a constant put into a
    key or attribute of a name (the answer being built)."""
    return isinstance(small, cst.Assign) and all(
        isinstance(t.target, (cst.Subscript, cst.Attribute)) and isinstance(t.target.value, cst.Name) for t in small.targets
    ) and (string_value(small.value) is not None or isinstance(small.value, (cst.Name, cst.Integer)))


def _changes_state(body: cst.CSTNode, *, reads: bool = False, signal: Callable[[cst.Call], bool] = lambda call: False,
                   logged: frozenset[str] = frozenset(), ephemeral: Callable[[cst.Call], bool] = lambda call: False) -> bool:
    """Whether a block calls something named for a change (`order.save()`, `session.commit()`,
    `os.remove(path)`, `send_receipt(...)`, `create_or_update(...)`, `cur.execute(...)`): when it
    fails unseen, a change is lost without a trace. A block that only reads, looks up, parses or
    probes answers with its fallback instead, which held-out review rejected five times in six.
    In a function named for reading (`reads`), an HTTP `post`/`put`/`patch` is the transport of
    the read (a JSON-RPC call, a search sent as a form), not a change; a signal sent (`signal`:
    `notify.send(...)`) tells in-process receivers about a change made before it. A function of
    the project that catches and logs its own failures (`logged`) loses nothing unseen, and a
    container the function built or a cache key (`ephemeral`: `seen.add(key)`,
    `redis_client.delete(lock_key)`) holds no data a failure loses."""
    for n in iter_descendants(body, into_scopes=False):
        if isinstance(n, cst.Call):
            name = _run_in_thread(n) or call_name(n) or ""
            if _named_for_change(name) and not (reads and name in _HTTP_WRITES) and not signal(n) and name not in logged \
                    and not ephemeral(n) and not _span_update(n) \
                    and not ((name in _SQL_RUNS or name.startswith("execute")) and _reads_or_tunes_session(n)):
                return True
    return False


def _run_in_thread(call: cst.Call) -> str | None:
    """The name of the function a call hands to a thread (`sync_to_async(service.mark_deleted)`,
    `asyncio.to_thread(save_report, data)`, `loop.run_in_executor(None, save_report)`): the call
    does what that function does."""
    name = call_name(call)
    index = 1 if name == "run_in_executor" else 0 if name in _THREAD_RUNNERS else None
    if index is None or len(call.args) <= index or call.args[index].keyword is not None:
        return None
    return _function_name(call.args[index].value)


def _function_name(func: cst.BaseExpression) -> str | None:
    """The last name of a function reference (`save_report`, `service.mark_deleted`)."""
    return func.attr.value if isinstance(func, cst.Attribute) else func.value if isinstance(func, cst.Name) else None


_THREAD_RUNNERS = frozenset({"sync_to_async", "database_sync_to_async", "to_thread", "run_in_threadpool", "run_sync"})
_KEEPALIVE_WORDS = frozenset({"heartbeat", "ping", "keepalive", "hb"})
_SOCKET_WORDS = frozenset({"websocket", "ws", "socket", "consumer", "sock"})
"""Words naming a websocket (`WebsocketConsumer`, `AsyncWebsocketConsumer`, `ws`, `websocket`)."""
_SOCKET_SENDS = frozenset({"send", "send_json", "send_text", "send_bytes", "send_str", "write_message"})

_CACHE_NAME = re.compile(r"(?i)redis|(?:^|[._])cache(?:$|[._])|memcache")
_CONTAINER_CHANGES = frozenset({"add", "update", "remove", "discard", "clear", "setdefault", "insert", "append", "extend", "pop"})
_COPIES = frozenset({"copy.copy", "copy.deepcopy"})
_MEMORY_FILES = frozenset({"io.BytesIO", "io.StringIO"})
_CONTAINER_TYPES = frozenset({"set", "list", "dict", "defaultdict", "OrderedDict", "Counter", "deque"})
_SQL_RUNS = frozenset({"execute", "executemany", "exec_driver_sql"})
_SEARCH_DSLS = ("elasticsearch_dsl.", "elasticsearch.dsl.", "opensearch_dsl.", "opensearchpy.")
_SESSION_VERBS = frozenset({"select", "show", "explain", "set", "reset", "deallocate", "discard", "pragma", "describe"})


def _reads_or_tunes_session(call: cst.Call) -> bool:
    """`cur.execute("SELECT ...")`, `execute("SET statement_timeout TO %s", ...)`,
    `execute(f"DEALLOCATE {name}")`: SQL that reads or tunes the session changes no data."""
    if not call.args:
        return False
    head = call.args[0].value
    if _select_construct(head):
        return True  # `execute_async(sqlalchemy.select(Pipeline.name).where(...))`: a SELECT built with SQLAlchemy
    if isinstance(head, cst.Call) and call_name(head) == "text" and head.args:
        head = head.args[0].value  # `execute(text("SELECT ..."))`: SQLAlchemy's textual SQL
    while isinstance(head, cst.ConcatenatedString):
        head = head.left  # `"SELECT comment FROM tables " f'WHERE name = "{name}"'`
    text = (literal_start(head) if isinstance(head, cst.FormattedString) else string_value(head)) or ""
    words = text.lstrip(" \t\n(").split(None, 1)
    return bool(words) and words[0].lower().rstrip(";") in _SESSION_VERBS


def _select_construct(expr: cst.BaseExpression) -> bool:
    """`select(User).where(...)`, `sa.select(Pipeline.name).limit(1)`: SQLAlchemy's SELECT construct,
    refined by method chains."""
    while isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute) and isinstance(expr.func.value, cst.Call):
        expr = expr.func.value
    return isinstance(expr, cst.Call) and (dotted(expr.func) or "").rsplit(".", 1)[-1] == "select"


def _named_for_change(name: str) -> bool:
    """`save`, `create_or_update`, and run-together words led by a longer verb (`sendmail`,
    `writerow`, `savepoint`; not `settings` or `address`). A word that is also a noun counts
    only where the verb goes, first (`set_status`, `cache.set`; not `load_credential_set`,
    `make_post_data`). A class (`SampleCreate(...)`, a schema named for the change it will carry)
    is not called for a change."""
    if name[:1].isupper() and not name.isupper():
        return False  # `TimeSeriesSampleCreate(...)`, `DeleteRequest(...)`: a class, whose instance changes nothing yet
    if name in ("removeprefix", "removesuffix"):
        return False  # `ref.removeprefix("refs/heads/")`: a new string
    words = name_parts(name)
    if "signal" in words:
        return False  # `proc.send_signal(SIGTERM)`: a process told to stop, which may be gone already
    if "response" in words:
        return False  # `send_response(data)`, `self.send_response(200)`: the answer to the request being served
    if "header" in words or "headers" in words:
        return False  # `req.add_header("Accept", ...)`, `set_header(...)`: a message being built, not yet sent
    return any((w in _STATE_VERBS and (i == 0 or w not in _ALSO_NOUNS)) or w.startswith(_LEADING_VERBS)
               for i, w in enumerate(words))


_ALSO_NOUNS = frozenset({"set", "post", "put", "patch", "copy", "move", "dump", "store", "archive", "capture",
                         "transfer", "sync", "delay", "reset", "clear", "drop", "apply", "add", "assign", "register"})
"""Words of `_STATE_VERBS` that name things as often as they name a change (`credential_set`,
`post_data`, `data_store`, `sync_state`): verbs only in the first place."""

_HTTP_WRITES = frozenset({"post", "put", "patch"})

_READ_VERBS = frozenset({"get", "fetch", "load", "read", "find", "lookup", "query", "search", "list", "check", "test",
                         "is", "has", "probe", "resolve", "discover", "detect", "poll"})


def _named_for_reading(name: str) -> bool:
    """`_get_auth`, `fetch_rates`, `check_connection`: led by a verb of reading, with no word of a
    change after it (not `get_or_create`, `load_and_save`)."""
    words = name_parts(name)
    return bool(words) and words[0] in _READ_VERBS and not any(
        (w in _STATE_VERBS and w not in _ALSO_NOUNS) or w.startswith(_LEADING_VERBS) for w in words[1:])


_LEADING_VERBS = ("send", "write", "save", "commit", "delete", "create", "insert", "remove", "upload", "submit", "publish",
                  "execute", "upsert", "rename", "destroy", "purge", "reserve", "update", "charge", "refund", "revoke")
"""Verbs that still say a change at the head of a longer word (`sendmail`, `writerow`); not
`post` (`postgres`), `drop` (`dropdown`) or `copy` (`copyright`)."""


def _in_memory(call: cst.Call) -> bool:
    """A builtin called by its bare name (`getattr(f, "verbose_name")`), or a method only strings
    and dicts have (`data.setdefault(...)`, `name.strip()`): no cache, store or query answers
    these (`cache.set`, `redis.keys`, `qs.values` are not here)."""
    if isinstance(call.func, cst.Name):
        return call.func.value in _BUILTINS_IN_MEMORY
    return isinstance(call.func, cst.Attribute) and call.func.attr.value in _METHODS_IN_MEMORY


def _fails_by_design(ctx: object, call: cst.Call) -> bool:
    """Calls whose failure is an ordinary answer: `os.rmdir`/`os.removedirs` refuse a directory that
    is not empty (the idiom for "remove it if empty"), `signal.signal` a signal the platform or
    thread lacks, and a connection's `ping()` says the connection is stale."""
    name = call_name(call) or ""
    if name in ("rmdir", "removedirs", "ping"):
        return True
    return name in ("signal", "siginterrupt") and qualified_name(ctx, call).startswith("signal.")


def _is_failure_hook(fn: cst.FunctionDef) -> bool:
    """`on_failure(self, exc, ...)`, `on_error`, a receiver of Celery's `task_failure`/`task_revoked`
    signals, a workflow task's undo step (taskflow's `revert(self, result, *args, **kwargs)`, run
    because a later task failed): code that runs because something already failed, and was
    reported by whoever called it."""
    parts = name_parts(fn.name.value)
    if len(parts) >= 2 and parts[0] == "on" and parts[-1] in ("failure", "error", "exception", "revoked", "timeout"):
        return True
    if fn.name.value == "revert" and any(p.name.value in ("result", "flow_failures") for p in fn.params.params):
        return True
    return any((dotted(t) or "").split(".")[0] in ("task_failure", "task_revoked", "task_rejected", "task_unknown")
               for t in decorator_targets(fn))


def _only_logs(ctx: object, body: cst.BaseSuite) -> bool:
    """A `try` whose every statement is a logging call (`current_app.logger.warning(...)` outside
    an application context) or a metric update (`inflight.labels(path=p).inc()`), or an import of
    the logger: telemetry must never fail the work it observes."""
    stmts = body.body if isinstance(body, cst.IndentedBlock) else ()
    if not all(isinstance(s, cst.SimpleStatementLine) for s in stmts):
        return False
    smalls = [x for s in stmts for x in s.body]  # type: ignore[attr-defined]
    logged = {id(x) for x in smalls if isinstance(x, cst.Expr) and isinstance(x.value, cst.Call) and (
        errors.is_logging_call(ctx, x.value) or _metric_update(x.value))}  # type: ignore[arg-type]
    # `from flask import current_app` beside the logging call is part of reaching the logger.
    return bool(logged) and all(id(x) in logged or isinstance(x, (cst.Import, cst.ImportFrom)) for x in smalls)


def _span_update(call: cst.Call) -> bool:
    """`span.set_attribute("rh.org_id", org_id)`, `current_span.add_event(...)`: a tracing span
    annotated, telemetry about the work, not a change the work makes."""
    func = call.func
    return isinstance(func, cst.Attribute) and "span" in name_parts((dotted(func.value) or "").rsplit(".", 1)[-1])


def _metric_update(call: cst.Call) -> bool:
    """`requests_total.inc()`, `inflight.labels(method=m).dec()`, `latency.observe(t)`: a
    Prometheus-style metric (a receiver that is a name or a `.labels(...)` of one)."""
    func = call.func
    if not (isinstance(func, cst.Attribute) and func.attr.value in _METRIC_METHODS):
        return False
    receiver = func.value
    if isinstance(receiver, cst.Call) and isinstance(receiver.func, cst.Attribute) and receiver.func.attr.value == "labels":
        receiver = receiver.func.value
    return isinstance(receiver, (cst.Name, cst.Attribute))


_METRIC_METHODS = frozenset({"inc", "dec", "observe", "set_to_current_time"})
_VERSION_WORDS = frozenset({"version", "revision"})


def _reads_version(ctx: object, tried: cst.BaseSuite, handler: cst.BaseSuite, fn: cst.FunctionDef | None) -> bool:
    """`VERSION = importlib.metadata.version(__name__)` or `return git rev-parse HEAD` in
    `get_revision()`, with a fallback value: optional metadata about the program itself, absent
    when it cannot be read. Only package metadata, git and local files count as sources: not a
    release check over the network, nor a schema version read from the database."""
    def named(name: str) -> bool:
        return bool(set(name_parts(name)) & _VERSION_WORDS)

    targets = _assigned(tried)
    returns = any(isinstance(n, cst.Return) for n in iter_descendants(tried, into_scopes=False))
    if not (any(named(t) for t in targets) or (returns and fn is not None and named(fn.name.value))):
        return False
    assigned = _assigned(handler)
    if assigned and not any(named(t) for t in assigned):
        return False  # the handler does something else than supply the version another way
    for n in iter_descendants(tried, into_scopes=False):
        if isinstance(n, cst.Await):
            return False
        if isinstance(n, cst.Call):
            name = call_name(n) or ""
            called = qualified_name(ctx, n)  # type: ignore[arg-type]
            if (name not in _VERSION_SOURCES and name not in errors.PARSERS) or called.startswith(database.NETWORK_CLIENT_MODULES):
                return False  # not package metadata, git or a file: a release check over the network, a database
    return True


_VERSION_SOURCES = frozenset({"version", "import_module", "get_distribution", "distribution", "metadata", "require", "check_output", "run",
                              "getoutput", "Popen", "communicate", "open", "read", "read_text", "Path", "exists", "is_file"})


def _assigned(suite: cst.CSTNode) -> set[str]:
    names: set[str] = set()
    for n in iter_descendants(suite, into_scopes=False):
        if isinstance(n, cst.Assign):
            names.update(dotted(t.target) or "?" for t in n.targets)
        elif isinstance(n, (cst.AnnAssign, cst.AugAssign)):
            names.add(dotted(n.target) or "?")
    return names


_TEARDOWN = frozenset({"close", "aclose", "disconnect", "stop", "terminate", "kill", "shutdown", "cleanup", "dispose",
                       "release", "cancel", "delete_message", "unsubscribe", "quit", "logout", "join", "rollback",
                       "close_all", "flush"})


def _falls_back(tried: cst.BaseSuite, handler: cst.BaseSuite) -> bool:
    """Whether the handler's only statement is another way to do the `try`'s last one: both
    assign the same names, both return, or both are calls; from the same inputs (a name the
    `try` uses too), and not a constant default or a response. If the alternative fails, it
    raises."""
    first, second = _last_simple(tried), _only_simple(handler)
    if first is None and isinstance(second, cst.Assign):
        first = _same_in_every_arm(tried, _target_names(second))  # `if name: x = a(name) else: x = b(model)`
    if first is None or second is None or type(first) is not type(second):
        return False
    if isinstance(first, cst.Assign):
        if _target_names(first) != _target_names(second):  # type: ignore[arg-type]
            return False
    elif not isinstance(first, (cst.Return, cst.Expr)):
        return False
    value = second.value  # type: ignore[union-attr]
    if value is None or string_value(value) is not None or isinstance(value, (cst.Name, cst.Integer, cst.List, cst.Dict, cst.Tuple)):
        return False  # `return None`, `x = []`: a default, not an alternative
    if isinstance(value, cst.Call) and (call_name(value) or "") in _RESPONDERS:
        return False
    shared = _names(tried) & _names(value)
    return bool(shared - {"self", "cls", "None", "True", "False"})


def _last_simple(suite: cst.BaseSuite) -> cst.BaseSmallStatement | None:
    body = suite.body if isinstance(suite, cst.IndentedBlock) else ()
    if body and isinstance(body[-1], cst.SimpleStatementLine) and len(body[-1].body) == 1:
        return body[-1].body[0]
    return None


def _same_in_every_arm(suite: cst.BaseSuite, targets: set[str]) -> cst.Assign | None:
    """When the suite is one `if`/`else` whose every arm ends by assigning `targets`, the last
    arm's assignment (standing for them all)."""
    body = suite.body if isinstance(suite, cst.IndentedBlock) else ()
    if len(body) != 1 or not isinstance(body[0], cst.If):
        return None
    node: cst.If | cst.Else | None = body[0]
    last: cst.Assign | None = None
    while node is not None:
        stmt = _last_simple(node.body)
        if not isinstance(stmt, cst.Assign) or _target_names(stmt) != targets:
            return None
        last = stmt
        if isinstance(node, cst.Else):
            break
        node = node.orelse  # type: ignore[assignment]
        if node is None:
            return None  # no `else`: on one path nothing is assigned
    return last


def _only_simple(suite: cst.BaseSuite) -> cst.BaseSmallStatement | None:
    body = suite.body if isinstance(suite, cst.IndentedBlock) else ()
    return _last_simple(suite) if len(body) == 1 else None


def _target_names(assign: cst.Assign) -> set[str]:
    return {dotted(t.target) or "" for t in assign.targets}


def _names(expr: cst.CSTNode | None) -> set[str]:
    if expr is None:
        return set()
    return {n.value for n in [expr, *iter_descendants(expr)] if isinstance(n, cst.Name)}


_TEARDOWN_WORDS = frozenset({"close", "disconnect", "shutdown", "stop", "teardown", "cleanup", "logout", "deauth", "signout",
                             "logoff", "dispose", "unsubscribe", "quit", "exit"})
_USER_MESSAGES = frozenset({"flash", "error", "warning", "add_message", "message_user", "add_error", "abort"})
_ERROR_KEYS = frozenset({"error", "errors", "err", "err_msg", "error_message", "failure", "failed", "fail", "message", "msg", "detail"})
_SENDERS = frozenset({"emit", "send", "send_json", "send_text", "publish"})
_RESPONDERS = frozenset({"render", "render_template", "TemplateResponse", "jsonify", "JsonResponse", "JSONResponse",
                         "Response", "HttpResponse", "json_response", "redirect", "make_response"})


def _tells_the_user(ctx: object, nodes: list[cst.CSTNode]) -> bool:
    """The failure is answered: a flash or messages call, a response (returned, not just built)
    whose body, template or context says something went wrong, or a returned result that says
    so (`PaymentResponse(ok=False, error_message=...)`, `{"sent": False}`)."""
    returned = {id(n.value) for n in nodes if isinstance(n, cst.Return) and n.value is not None}
    returned_names = {n.value.value for n in nodes if isinstance(n, cst.Return) and isinstance(n.value, cst.Name)}
    returned |= {  # `response = self.get_failed_response(...)`, then `return response`
        id(n.value) for n in nodes
        if isinstance(n, cst.Assign) and any(isinstance(t.target, cst.Name) and t.target.value in returned_names for t in n.targets)
    }
    # `output = "Something went wrong"` then `render(..., {"output": output})`
    assigned = {
        t.target.value: " ".join(texts)
        for n in nodes
        if isinstance(n, cst.Assign) and (texts := _texts(n.value))
        for t in n.targets
        if isinstance(t.target, cst.Name)
    }
    if any(_ERROR_WORDS.search(text) for text in assigned.values()):
        return True  # `error = "Could not send the e-mail"`: the answer is being prepared
    if any(isinstance(n, cst.Return) and n.value is not None and any(_ERROR_WORDS.search(t) for t in _texts(n.value))
           for n in nodes):
        return True  # `return ["No log available"]`: the answer says it
    for n in nodes:
        if isinstance(n, cst.Dict) and id(n) in returned and _says_failure(n, assigned):
            return True
        if not isinstance(n, cst.Call):
            continue
        name = call_name(n) or ""
        if name in _USER_MESSAGES and (name != "error" or "messages" in (dotted(n.func) or "")):
            return True
        if name in _SENDERS and any(isinstance(a.value, cst.Dict) and _says_failure(a.value, assigned) for a in n.args):
            return True  # `sio.emit("output", {"error": True, ...})`: the client is told over its socket
        if any(a.keyword is not None and _reports_failure(a.keyword.value, a.value) for a in n.args):
            return True  # `progress_callback(failed=True)`: the caller is told
        if name in ("append", "add", "extend", "insert") and isinstance(n.func, cst.Attribute) and _names_errors(n.func.value):
            return True  # `index_error_map[index].append(BulkError(...))`: the failure joins the answer's errors
        if id(n) not in returned:
            continue
        if set(name_parts(name)) & _FAILURE_WORDS:
            return True  # `return self.get_failed_response(...)`, `return error_page(...)`
        positional = [a.value for a in n.args if a.keyword is None]
        if any(isinstance(v, cst.Name) and v.value == "False" for v in positional) and any(
            _ERROR_WORDS.search(t) for v in positional for t in _texts(v)
        ):
            return True  # `return ResponseObject(False, "Dates are invalid")`
        for arg in n.args:
            if arg.keyword is not None and (arg.keyword.value in _ERROR_KEYS or _false_success(arg.keyword.value, arg.value)):
                return True
            if name in _RESPONDERS:
                if isinstance(arg.value, cst.Dict) and _says_failure(arg.value, assigned):
                    return True
                text = " ".join(_texts(_route_name(arg.value))) if not isinstance(arg.value, cst.Name) else assigned.get(arg.value.value)
                if text and _ERROR_WORDS.search(text):
                    return True
    return False


def _route_name(target: cst.BaseExpression) -> cst.BaseExpression:
    """`reverse_lazy("registration_email_sent_error", ...)`, `url_for("auth.login_failed")`: a
    redirect's target is the route it names."""
    if isinstance(target, cst.Call) and call_name(target) in ("reverse", "reverse_lazy", "url_for", "resolve_url") and target.args:
        return target.args[0].value
    return target


def _says_failure(mapping: cst.Dict, assigned: dict[str, str]) -> bool:
    """`{"error": ...}`, `{"sent": False}`, or a value that reads like an error message."""
    for e in mapping.elements:
        if not isinstance(e, cst.DictElement):
            continue
        key = string_value(e.key) or ""
        if key in _ERROR_KEYS or _false_success(key, e.value):
            return True
        text = assigned.get(e.value.value) if isinstance(e.value, cst.Name) else " ".join(_texts(e.value))
        if text and _ERROR_WORDS.search(text):
            return True
    return False


_FAILURE_WORDS = frozenset({"failed", "failure", "error", "errors"})


def _names_errors(collection: cst.BaseExpression) -> bool:
    """`errors`, `self.failures`, `index_error_map[i]`: a collection named for errors."""
    while isinstance(collection, cst.Subscript):
        collection = collection.value
    last = (dotted(collection) or "").rsplit(".", 1)[-1]
    return bool(set(name_parts(last)) & (_FAILURE_WORDS | {"failures", "problems"}))


def _reports_failure(key: str, value: cst.BaseExpression) -> bool:
    """`failed=True`, `failure=True`, `success=False`: an argument that says the work failed."""
    flag = value.value if isinstance(value, cst.Name) else None
    return (key in _FAILURE_WORDS and flag == "True") or (key in ("success", "succeeded", "ok") and flag == "False")


def _false_success(key: str, value: cst.BaseExpression) -> bool:
    return key in _SUCCESS_KEYS and isinstance(value, cst.Name) and value.value == "False"


def _texts(expr: cst.BaseExpression) -> list[str]:
    """The string literals of a value: itself, or the items of a tuple or list; the literal
    parts of an f-string (`f"Could not include {name}"`)."""
    if isinstance(expr, (cst.Tuple, cst.List)):
        return [t for e in expr.elements for t in _texts(e.value)]
    text = string_value(expr)
    if text is None:
        text = _literal_parts(expr)
    return [text] if text else []


def _literal_parts(expr: cst.BaseExpression) -> str | None:
    if isinstance(expr, cst.FormattedString):
        return "".join(p.value for p in expr.parts if isinstance(p, cst.FormattedStringText))
    if isinstance(expr, cst.ConcatenatedString):
        left, right = _literal_parts(expr.left), _literal_parts(expr.right)
        if left is None and right is None:
            return None
        return (left or "") + " " + (right or "")
    return string_value(expr)


_SUCCESS_KEYS = frozenset({"ok", "success", "succeeded", "sent", "delivered", "done", "valid", "result", "status"})
_ERROR_WORDS = re.compile(r"error|fail|wrong|invalid|denied|not.?found|no\b.{0,40}\b(?:found|available)|not available|unavailable"
                          r"|404|unable|could not|cannot|can't|please|sorry|try again", re.I)


_PROBE_FIRST = frozenset({"is", "has", "can", "check", "verify", "ping", "probe", "detect", "test"})
_CONVERTER_WORDS = frozenset({"parse", "parser", "normalize", "normalise", "redact", "censor", "sanitize", "sanitise",
                              "convert", "coerce", "decode", "deserialize", "deserialise"})
"""Words naming a function that turns its input into another form."""
_QUESTION_JOINED = ("validate", "verify")
"""Question verbs that start a name written as one word (`validatekey`, `verifymessage`); not the
short ones (`is`, `has`, `can`) nor `check`, which start too many other words (`issue`, `cancel`, `checkout`)."""
_PROBE_LAST = frozenset({"check", "exists", "exist"})
_PROBE_WORDS = frozenset({"ping", "probe", "health", "healthcheck", "alive", "reachable", "available", "started", "running",
                          "ready", "connected", "online"})


def _is_probe(fn: cst.FunctionDef) -> bool:
    """`is_redis_up()`, `verify_connection()`, `celery_running()`: a function whose question is
    whether something works; for it, a failure is the answer."""
    parts = name_parts(fn.name.value.lstrip("_"))
    return bool(parts) and (parts[0] in _PROBE_FIRST or parts[-1] in _PROBE_LAST or bool(set(parts) & _PROBE_WORDS))


def _is_validity_question(fn: cst.FunctionDef) -> bool:
    """`validate_key()`, `validatecontract()`, `verifymessage()`: a function that answers whether
    its input is valid."""
    parts = name_parts(fn.name.value.lstrip("_"))
    return bool(parts) and (parts[0] == "validate" or (len(parts) == 1 and parts[0].startswith(_QUESTION_JOINED)))


def _answers(handler: cst.ExceptHandler) -> list[cst.BaseExpression | None] | None:
    """What the handler answers when it only returns or assigns (`return x`, `ok = x`; None for a
    bare `return`); None when it does anything else."""
    small = _handler_statements(handler)
    if not small or not all(isinstance(x, (cst.Return, cst.Assign)) for x in small):
        return None
    return [x.value for x in small]  # type: ignore[union-attr]


def _says_false(handler: cst.ExceptHandler) -> bool:
    """The handler only answers False: `return False`, `valid = False`."""
    values = _answers(handler)
    return values is not None and all(isinstance(v, cst.Name) and v.value == "False" for v in values)


_VALIDATOR_DECORATORS = frozenset({"validator", "field_validator", "root_validator", "model_validator", "validates",
                                   "validates_schema"})


def _is_validator(fn: cst.FunctionDef) -> bool:
    return any((dotted(t) or "").rsplit(".", 1)[-1] in _VALIDATOR_DECORATORS for t in decorator_targets(fn))


def _silent(handler: cst.ExceptHandler) -> bool:
    """The handler only moves on: `pass`, `continue`, `break`, `...`, `return` or `return None`,
    after tearing down if it does (`conn.close()`)."""
    small = _handler_statements(handler)
    return small is not None and all(
        isinstance(x, (cst.Pass, cst.Continue, cst.Break))
        or (isinstance(x, cst.Expr) and isinstance(x.value, cst.Call) and (call_name(x.value) or "") in _TEARDOWN)
        or (isinstance(x, cst.Return) and (x.value is None or (isinstance(x.value, cst.Name) and x.value.value == "None")))
        or (isinstance(x, cst.Expr) and isinstance(x.value, cst.Ellipsis))
        for x in small
    )


def _next_sibling(stack: Sequence[cst.CSTNode], i: int) -> cst.BaseStatement | None:
    """The statement after `stack[i]` in the block or module that holds it (`stack[i - 1]`)."""
    return sibling(stack, i, 1)


_MAKE_DIRECTORY = frozenset({"mkdir", "makedirs", "mkdirs", "mkdir_p", "mkdir_rec", "create_dir", "create_directory", "makedir",
                             "drop_index", "drop_indexes", "drop_collection", "drop_table"})
"""A directory made, or an index, collection or table dropped, in a `try` of its own: the
directory may exist already and the index may be gone already, the expected failures."""


_FILE_REMOVALS = frozenset({"remove", "unlink", "remove_file", "rmtree", "rmdir", "removedirs", "delete_file"})
_EXISTENCE_CHECKS = frozenset({"exists", "isfile", "is_file", "isdir", "is_dir", "lexists"})
_PATH_HELPERS = frozenset({"join", "abspath", "dirname", "basename", "Path", "str", "fspath", "normpath", "realpath",
                           *_EXISTENCE_CHECKS})
_SCRATCH_WORDS = frozenset({"tmp", "temp", "temporary", "tempfile", "cache", "cached", "log", "logs", "backup", "backups", "chart",
                            "charts", "thumbnail", "thumbnails", "thumb", "preview", "scratch",
                            "stale", "old", "lock", "lockfile", "pid", "joinable", "joinables", "admin", "png"})
"""Words of files a program writes for itself and can do without: scratch, caches, logs, backups,
rendered images, lock and pid files, its own bookkeeping."""
_CLEANUP_WORDS = frozenset({"clean", "cleanup", "tidy", "purge", "prune", "rotate", "sweep", "housekeeping"})
_DELETE_WORDS = frozenset({"delete", "del", "remove", "rm", "unlink", "rmtree", "rmdir", "drop", "destroy", "erase", "wipe",
                           "clear", "uninstall"})
"""Words of a function whose job is the deletion (`delete_upload`, `do_drop_kb`): a removal there
that fails unseen is the function failing unseen."""
_LOCAL_REMOVALS = frozenset({"os.remove", "os.unlink", "os.rmdir", "os.removedirs", "shutil.rmtree"})
_PATH_SUFFIXES = ("_dir", "_path", "_file", "_filename", "_dirname", "_folder")


def _names_a_path(call: cst.Call) -> bool:
    """`os.path.join(...)`, `Path(...)`, `exists(...)`, or a project helper named for a path
    (`self._cert_dir(lb_id)`, `get_log_path()`): computing where the file is, not changing it."""
    name = call_name(call) or ""
    return name in _PATH_HELPERS or name.endswith(_PATH_SUFFIXES)


def _path_names(removals: list[cst.Call]) -> set[str]:
    """The variables the removed paths are built from: `script_path` of `os.remove(script_path)`,
    `work_dir` and `name` of `os.remove(os.path.join(work_dir, name))`, `self.kb_path`, `target`
    of `target.unlink()`."""
    names: set[str] = set()

    def collect(expr: cst.BaseExpression) -> None:
        if isinstance(expr, cst.Call):
            for arg in expr.args:
                collect(arg.value)
        elif (name := dotted(expr)) is not None:
            names.add(name)
        else:
            for child in expr.children:
                if isinstance(child, cst.BaseExpression):
                    collect(child)

    for call in removals:
        if isinstance(call.func, cst.Attribute) and not any(a.keyword is None for a in call.args):
            collect(call.func.value)  # `target.unlink()`, `path.rmdir()`: the path is the receiver
        for arg in call.args:
            collect(arg.value)
    return names


def _ignores_errors(call: cst.Call) -> bool:
    """`shutil.rmtree(path, ignore_errors=True)`: a call told not to raise."""
    return any(a.keyword is not None and a.keyword.value == "ignore_errors" and isinstance(a.value, cst.Name)
               and a.value.value == "True" for a in call.args)


def _only_makes_a_directory(body: cst.BaseSuite, handler: cst.ExceptHandler) -> bool:
    """The `try` only creates a directory (`os.makedirs(path)`, `ctx.mkdir_rec(d, 0o775)`), drops an
    index or a collection (`collection.drop_index("name_1")`: it may be gone already) or takes a schema
    step that may have been taken already (`ALTER TABLE t ADD COLUMN c`, see `_schema_step`) and
    the handler only passes on to what needs it (not `return`: that ends the step silently)."""
    stmts = body.body if isinstance(body, cst.IndentedBlock) else ()
    if len(stmts) != 1 or not isinstance(stmts[0], cst.SimpleStatementLine) or len(stmts[0].body) != 1:
        return False
    small = stmts[0].body[0]
    handled = _handler_statements(handler)
    return isinstance(small, cst.Expr) and isinstance(small.value, cst.Call) \
        and (call_name(small.value) in _MAKE_DIRECTORY or _schema_step(small.value)) \
        and bool(handled) and all(isinstance(x, cst.Pass) or (isinstance(x, cst.Expr) and isinstance(x.value, cst.Ellipsis))
                                  for x in handled or ())


_SCHEMA_STEP = re.compile(r"(?is)\s*(?:CREATE\s+(?:UNIQUE\s+)?(?:INDEX|TABLE|VIEW|TRIGGER|EXTENSION|SCHEMA)\b[^;]*?\bIF\s+NOT\s+EXISTS\b"
                          r"|ALTER\s+TABLE\s+\S+\s+ADD\s+(?:COLUMN\s+)?)")


def _schema_step(call: cst.Call) -> bool:
    """`conn.execute("ALTER TABLE requests ADD COLUMN notes TEXT")`, `CREATE INDEX IF NOT EXISTS ...`:
    a schema step that may have been taken already (the column is there), the mirror of dropping an
    index that may be gone; a column truly missing fails loudly at the next query that needs it."""
    if call_name(call) not in ("execute", "executescript") or not call.args:
        return False
    sql = string_value(call.args[0].value) or literal_start(call.args[0].value) or ""
    return _SCHEMA_STEP.match(sql) is not None


def _previous_sibling(stack: Sequence[cst.CSTNode], i: int) -> cst.BaseStatement | None:
    """The statement before `stack[i]` in the block or module that holds it (`stack[i - 1]`)."""
    return sibling(stack, i, -1)


def _next_statement(stack: Sequence[cst.CSTNode]) -> cst.BaseStatement | None:
    """The statement control reaches when the last statement of `stack` (the path from the module
    down to it) completes: its next sibling or, when it ends the block of an `if`, `else` or
    `with`, the statement after that `if` or `with` (not out of a loop, which goes round again)."""
    i = len(stack) - 1
    while i >= 2 and isinstance(stack[i - 1], cst.IndentedBlock):
        following = _next_sibling(stack, i)
        if following is not None:
            return following
        i -= 2  # the block's owner: an `if`, `else`, `with`, loop, `try`, function...
        while i >= 1 and isinstance(stack[i], (cst.Else, cst.If)) and not isinstance(stack[i - 1], cst.IndentedBlock):
            i -= 1  # `else:` and `elif` belong to the `if` above them
        if not isinstance(stack[i], (cst.If, cst.With)):
            return None
    return None


def _no_value(value: cst.BaseExpression | None) -> bool:
    """`return`, `return None`."""
    return value is None or (isinstance(value, cst.Name) and value.value == "None")


def _handler_statements(handler: cst.ExceptHandler) -> list[cst.BaseSmallStatement] | None:
    """The handler's statements when it has only simple ones, else None."""
    statements = handler.body.body if isinstance(handler.body, cst.IndentedBlock) else ()
    if not statements or not all(isinstance(s, cst.SimpleStatementLine) for s in statements):
        return None
    return [x for s in statements for x in s.body]  # type: ignore[union-attr]


def _records_no(handler: cst.ExceptHandler) -> bool:
    """`celery_running = False`: the handler records that something is not working."""
    small = _handler_statements(handler) or []
    return bool(small) and all(
        isinstance(x, cst.Assign) and isinstance(x.value, cst.Name) and x.value.value in ("False", "None")
        and all(isinstance(t.target, (cst.Name, cst.Attribute)) and _probe_flag(t.target) for t in x.targets)
        for x in small
    )


def _probe_flag(target: cst.BaseExpression) -> bool:
    """`celery_running`, `self.trace_available`: a name that says whether something works."""
    return bool(set(name_parts((dotted(target) or "").rsplit(".", 1)[-1])) & _PROBE_WORDS)


def _records_yes(body: cst.BaseSuite) -> bool:
    """`with suppress(Exception): await client.trace(1); self.trace_available = True`: the block
    ends by recording that something works; when it fails, the flag keeps saying it does not."""
    last = _last_simple(body)
    return (
        isinstance(last, cst.Assign) and isinstance(last.value, cst.Name) and last.value.value == "True"
        and all(_probe_flag(t.target) for t in last.targets)
    )


_BLOCKING_IO = frozenset({"open", "run", "Popen", "check_output", "check_call", "call", "system", "connect", "send", "sendall",
                          "recv", "urlopen", "sleep", "write", "read", "remove", "unlink", "rmtree", "rename", "copy",
                          "makedirs", "mkdir"})


def _does_again(tried: cst.BaseSuite, handler: cst.BaseSuite) -> bool:
    """The handler does the work of a one-statement `try` again: it makes the same call with the
    same arguments (a retry, after a pause or not; if the last attempt fails, it raises), or it
    goes one by one through the collection the `try` handled at once (`bulk_create(items)`, then
    `for item in items: item.save()`)."""
    statements = tried.body if isinstance(tried, cst.IndentedBlock) else ()
    if not statements:
        return False
    # The work that failed: the `try`'s one statement, or, for a batch, its first one (what
    # follows works on the batch's result, and the handler does it per item too).
    work = [c for c in errors.calls(statements[0]) if (call_name(c) or "") not in _NOT_WORK]
    if not work:
        return False
    again = [c for c in errors.calls(handler) if (call_name(c) or "") not in _NOT_WORK]
    rebound = _assigned(handler)  # `file_id = other.id` then the same call: another source, not a retry
    if len(statements) == 1 and any(c.deep_equals(w) and not (_names(c) & rebound) for c in again for w in work):
        return True
    body = handler.body if isinstance(handler, cst.IndentedBlock) else ()
    batches = {n.value for w in work for a in w.args for n in (a.value, *iter_descendants(a.value)) if isinstance(n, cst.Name)}
    return any(
        isinstance(stmt, cst.For) and isinstance(stmt.iter, cst.Name) and stmt.iter.value in batches
        and any(isinstance(n, cst.Call) for n in iter_descendants(stmt.body))
        for stmt in body
    )


_NOT_WORK = frozenset({"sleep", "print", "len", "str", "int", "list", "dict", "format", "append", "get"})


def _retries(handler: cst.ExceptHandler) -> bool:
    """`except Exception: time.sleep(10)` in a polling loop: the next round tries again."""
    small = _handler_statements(handler) or []
    return any(isinstance(x, cst.Expr) and isinstance(x.value, cst.Call) and call_name(x.value) == "sleep" for x in small) \
        and all(isinstance(x, (cst.Expr, cst.Continue, cst.Pass)) or _resets(x) for x in small)


def _resets(statement: cst.BaseSmallStatement) -> bool:
    """`ip = ""`, `result = None`: a name set back to a constant before the next round."""
    value = statement.value if isinstance(statement, cst.Assign) else None
    if isinstance(value, cst.UnaryOperation) and isinstance(value.operator, cst.Minus):
        value = value.expression  # `count = -1`
    return isinstance(value, (cst.SimpleString, cst.Integer, cst.Float)) or (
        isinstance(value, cst.Name) and value.value in ("None", "True", "False"))


_NO_WORDS = frozenset({"off", "down", "offline", "stopped", "unavailable", "inactive", "disconnected", "unreachable", "no", "false",
                       "unhealthy", "degraded", "failing", "failed", "error"})


def _gives_fallback(handler: cst.ExceptHandler, fn: cst.FunctionDef) -> bool:
    """The handler only answers a constant or the input unchanged: `return None`, `return "<url>"`,
    `return value` (a parameter), `result = {}`."""
    values = _answers(handler)
    if values is None:
        return False
    params = {p.name.value for p in (*fn.params.posonly_params, *fn.params.params, *fn.params.kwonly_params)}
    return all(
        value is None or isinstance(value, (cst.SimpleString, cst.Integer, cst.Float))
        or (isinstance(value, cst.Name) and (value.value in ("None", "True", "False") or value.value in params))
        or (isinstance(value, (cst.List, cst.Dict, cst.Tuple)) and not value.elements)
        for value in values
    )


def _answers_no(handler: cst.ExceptHandler, allow_pass: bool = False) -> bool:
    """The handler only says no: `return False` (or None, 0, an empty value), or `ok = False`
    (with `allow_pass`, also `pass`: the probe goes on to its next check or its final no)."""
    small = _handler_statements(handler)
    if not small:
        return False
    for x in small:
        if allow_pass and isinstance(x, cst.Pass):
            continue
        value = x.value if isinstance(x, (cst.Return, cst.Assign)) else None
        if isinstance(x, cst.Return) and value is None:
            continue
        if isinstance(value, cst.Integer) and value.value.isdigit() and 500 <= int(value.value) <= 599:
            continue  # `code = 503`: the probe answers with an error status
        if not (isinstance(value, cst.Name) and value.value in ("False", "None")) and not (
            isinstance(value, (cst.Integer, cst.SimpleString)) and value.value in ("0", '""', "''")
        ) and (string_value(value) or "").lower() not in _NO_WORDS:
            return False
    return True
