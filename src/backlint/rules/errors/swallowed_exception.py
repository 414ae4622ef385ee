from __future__ import annotations

import libcst as cst

from backlint.findings import Confidence, Level
from backlint.frameworks import errors, responses, routes
from backlint.frameworks.imports import dotted
from backlint.frameworks.values import call_name
from backlint.rule import Invalid, Rule, Valid
from backlint.syntax import iter_descendants

_EXITS = frozenset({"sys.exit", "os._exit", "exit", "quit", "os.abort"})


class SwallowedException(Rule):
    """A broad `except` swallows the error: it neither logs, re-raises nor answers with an error.

    `except Exception: pass` (or `continue`, or `return None`) turns every failure, including
    the ones nobody expected, into silence: the request succeeds with wrong data, the job reports
    nothing, and the cause is gone. The rule flags bare `except:`, `except Exception` and
    `except BaseException` (alone or in a tuple), and `contextlib.suppress(Exception)`, when the
    handler does none of: log or report the error (a logger, `logging`, `print`,
    `traceback.print_exc`, Sentry), raise, make an error response, use the caught exception, or
    exit.

    Left alone: specific exceptions (`except KeyError: pass` says exactly what is expected),
    handlers that log or re-raise, handlers that answer with an error response (see BL204 for
    whether they log), and optional-import fallbacks (`except Exception: import json`)."""

    ID = "BL202"
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
    PREFILTER = r"except|suppress"

    INVALID = [
        Invalid(
            """
            def cleanup(path):
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
            def parse_price(raw):
                try:
                    return Decimal(raw)
                except Exception:
                    return None
            """,
            line=4,
            note="A default value hides every failure, not just bad input.",
        ),
        Invalid(
            """
            from contextlib import suppress

            def forget(cache, key):
                with suppress(Exception):
                    cache.delete(key)
            """,
            line=4,
            note="`contextlib.suppress(Exception)` is the same thing.",
        ),
        Invalid(
            """
            @app.get("/stats")
            def stats():
                try:
                    return jsonify(compute_stats())
                except (ValueError, Exception):
                    return jsonify({})
            """,
            line=5,
            note="A broad tuple, answered with an empty success.",
        ),
    ]
    VALID = [
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
        if any(isinstance(n, cst.Call) and call_name(self.ctx, n) in _EXITS for n in statements):
            return
        if all(isinstance(n, (cst.SimpleStatementLine, cst.Import, cst.ImportFrom, cst.ImportAlias, cst.Name, cst.Attribute, cst.AsName))
               for n in statements) and any(isinstance(n, (cst.Import, cst.ImportFrom)) for n in statements):
            return
        fn = self.ctx.function()
        if responses.error_responses(self.ctx, body, in_handler=routes.route_of(self.ctx, fn) is not None):
            return
        what = "`except:`" if node.type is None else f"`except {self.ctx.code(node.type)}`"
        self.report(node.type if node.type is not None else node, what=what)

    def visit_WithItem(self, node: cst.WithItem) -> None:
        call = node.item
        if not isinstance(call, cst.Call) or call_name(self.ctx, call).rsplit(".", 1)[-1] != "suppress":
            return
        if any((dotted(a.value) or "").rsplit(".", 1)[-1] in ("Exception", "BaseException") for a in call.args):
            self.report(call, what=f"`{self.ctx.code(call)}`")
