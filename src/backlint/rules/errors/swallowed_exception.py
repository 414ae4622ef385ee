from __future__ import annotations

from typing import Any, Mapping

import re

import libcst as cst

from backlint.findings import Confidence, Level
from backlint.frameworks import errors, project, responses, routes
from backlint.frameworks.imports import dotted
from backlint.frameworks.values import qualified_name
from backlint.rule import Invalid, Rule, Valid
from backlint.syntax import call_name, iter_descendants, string_value

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
    handlers that log or re-raise, fallbacks that do the same work another way from the same
    inputs (`try: data = r.json()` / `except Exception: data = r.text`: if the alternative fails,
    it raises), a `try` that is one best-effort teardown call (`conn.close()`), handlers that answer with an error (an error response, a
    flash or messages call, a page or body that carries the error; BL204 asks whether they log),
    optional-import fallbacks (`except Exception: import json`), development-only blocks
    (`if settings.DEBUG:`), migrations and test code."""

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
    PREFILTER = ("except", "suppress")
    TESTS = False

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
            note="A default value hides every failure, not just bad input: catch `InvalidOperation`.",
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
            def body_of(response):
                try:
                    return response.json()
                except Exception:
                    return response.text

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
            note="Fallbacks from the same inputs (they raise if they fail too); a best-effort teardown.",
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
    ]

    @classmethod
    def wants(cls, path: str, options: Mapping[str, Any]) -> bool:
        return super().wants(path, options) and not project.is_migration_path(path)

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
        if any(isinstance(n, cst.Call) and qualified_name(self.ctx, n) in _EXITS for n in statements):
            return
        if all(isinstance(n, (cst.SimpleStatementLine, cst.Import, cst.ImportFrom, cst.ImportAlias, cst.Name, cst.Attribute, cst.AsName))
               for n in statements) and any(isinstance(n, (cst.Import, cst.ImportFrom)) for n in statements):
            return
        if self._expected(node):
            return
        fn = self.ctx.function()
        if responses.error_responses(self.ctx, body, in_handler=routes.route_of(self.ctx, fn) is not None):
            return
        if _tells_the_user(self.ctx, statements) or self._in_debug_only_block() or self._answers_with_helper(statements):
            return
        what = "`except:`" if node.type is None else f"`except {self.ctx.code(node.type)}`"
        self.report(node.type if node.type is not None else node, what=what)

    def _expected(self, handler: cst.ExceptHandler) -> bool:
        """The failure is handled another way: the handler computes the same thing from the
        same inputs (`response.json()` failed, so `response.text`; `os.link` failed, so
        `shutil.copy`), or the `try` is one best-effort teardown call (`conn.close()`)."""
        try_node = self.ctx.parent()
        if not isinstance(try_node, (cst.Try, cst.TryStar)):
            return False
        calls = [n for n in iter_descendants(try_node.body) if isinstance(n, cst.Call)]
        if len(calls) == 1 and (call_name(calls[0]) or "") in _TEARDOWN:
            return True
        return _falls_back(try_node.body, handler.body)

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
        if any((dotted(a.value) or "").rsplit(".", 1)[-1] in ("Exception", "BaseException") for a in call.args):
            self.report(call, what=f"`{self.ctx.code(call)}`")


_TEARDOWN = frozenset({"close", "aclose", "disconnect", "stop", "terminate", "kill", "shutdown", "cleanup", "dispose",
                       "release", "cancel", "delete_message", "unsubscribe", "quit", "logout", "join"})


def _falls_back(tried: cst.BaseSuite, handler: cst.BaseSuite) -> bool:
    """Whether the handler's only statement is another way to do the `try`'s last one: both
    assign the same names, both return, or both are calls; from the same inputs (a name the
    `try` uses too), and not a constant default or a response. If the alternative fails, it
    raises."""
    first, second = _last_simple(tried), _only_simple(handler)
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


def _only_simple(suite: cst.BaseSuite) -> cst.BaseSmallStatement | None:
    body = suite.body if isinstance(suite, cst.IndentedBlock) else ()
    return _last_simple(suite) if len(body) == 1 else None


def _target_names(assign: cst.Assign) -> set[str]:
    return {dotted(t.target) or "" for t in assign.targets}


def _names(expr: cst.CSTNode | None) -> set[str]:
    if expr is None:
        return set()
    return {n.value for n in [expr, *iter_descendants(expr)] if isinstance(n, cst.Name)}


_USER_MESSAGES = frozenset({"flash", "error", "warning", "add_message", "message_user", "add_error", "abort"})
_ERROR_KEYS = frozenset({"error", "errors", "err", "err_msg", "error_message", "failure", "failed", "fail", "message", "msg", "detail"})
_RESPONDERS = frozenset({"render", "render_template", "TemplateResponse", "jsonify", "JsonResponse", "JSONResponse",
                         "Response", "HttpResponse", "json_response", "redirect", "make_response"})


def _tells_the_user(ctx: object, nodes: list[cst.CSTNode]) -> bool:
    """The failure is answered: a flash or messages call, or a response (returned, not just
    built) whose body, template or context says something went wrong."""
    returned = {id(n.value) for n in nodes if isinstance(n, cst.Return) and n.value is not None}
    # `output = "Something went wrong"` then `render(..., {"output": output})`
    assigned = {
        t.target.value: text
        for n in nodes
        if isinstance(n, cst.Assign) and (text := string_value(n.value)) is not None
        for t in n.targets
        if isinstance(t.target, cst.Name)
    }
    for n in nodes:
        if not isinstance(n, cst.Call):
            continue
        name = call_name(n) or ""
        if name in _USER_MESSAGES and (name != "error" or "messages" in (dotted(n.func) or "")):
            return True
        if name in _RESPONDERS and id(n) in returned:
            for arg in n.args:
                if arg.keyword is not None and arg.keyword.value in _ERROR_KEYS:
                    return True
                values = [arg.value]
                if isinstance(arg.value, cst.Dict):
                    if any(isinstance(e, cst.DictElement) and (string_value(e.key) or "") in _ERROR_KEYS for e in arg.value.elements):
                        return True
                    values = [e.value for e in arg.value.elements if isinstance(e, cst.DictElement)]
                for value in values:
                    text = string_value(value) if not isinstance(value, cst.Name) else assigned.get(value.value)
                    if text is not None and _ERROR_WORDS.search(text):
                        return True
    return False


_ERROR_WORDS = re.compile(r"error|fail|wrong|invalid|denied|not.?found|no\b.{0,40}\bfound|404|unable|could not|cannot|can't|please|sorry|try again", re.I)
