"""Source positions for the few nodes that are reported, without libcst's PositionProvider.

libcst's PositionProvider records a position for every node of the file, which costs about as
much again as parsing it. A report needs positions for a handful of nodes, so this module replays
libcst's code generation once, counts characters, records offsets only for the nodes asked for,
and stops as soon as the last of them is done. Offsets become lines and columns through the
original text (libcst reproduces its input exactly).
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterable, Iterator, Optional

import libcst as cst
from libcst._nodes.internal import CodegenState

from backlint.lines import LineIndex, split_lines, utf16_len

__all__ = ["LineIndex", "spans", "split_lines", "trim", "utf16_len"]

class _Done(Exception):
    """Raised inside code generation once every requested node has its span."""


class _SpanRecorder(CodegenState):  # type: ignore[misc]
    """A CodegenState that counts characters instead of collecting tokens."""

    __slots__ = ("offset", "indent_len", "wanted", "open", "spans", "remaining")

    def __init__(self, module: cst.Module, wanted: set[int]) -> None:
        super().__init__(default_indent=module.default_indent, default_newline=module.default_newline)
        self.offset = 0
        self.indent_len = 0
        self.wanted = wanted
        self.open: dict[int, int] = {}
        self.spans: dict[int, tuple[int, int]] = {}
        self.remaining = len(wanted)

    def increase_indent(self, value: str) -> None:
        self.indent_tokens.append(value)
        self.indent_len += len(value)

    def decrease_indent(self) -> None:
        self.indent_len -= len(self.indent_tokens.pop())

    def add_indent_tokens(self) -> None:
        self.offset += self.indent_len

    def add_token(self, value: str) -> None:
        self.offset += len(value)

    def pop_trailing_newline(self) -> None:
        pass

    def before_codegen(self, node: cst.CSTNode) -> None:
        key = id(node)
        if key in self.wanted:
            self.open.setdefault(key, self.offset)

    def after_codegen(self, node: cst.CSTNode) -> None:
        key = id(node)
        if key in self.wanted and key in self.open:
            self._close(key, self.open.pop(key))

    @contextmanager
    def record_syntactic_position(
        self,
        node: cst.CSTNode,
        *,
        start_node: Optional[cst.CSTNode] = None,
        end_node: Optional[cst.CSTNode] = None,
    ) -> Iterator[None]:
        key = id(node)
        if key not in self.wanted:
            yield
            return
        start = self.offset
        yield
        # The syntactic span (without leading comments and blank lines) wins over the
        # whitespace-inclusive one that after_codegen would record.
        self.open.pop(key, None)
        self._close(key, start)

    def _close(self, key: int, start: int) -> None:
        if key not in self.spans:
            self.spans[key] = (start, self.offset)
            self.remaining -= 1
            if self.remaining == 0:
                raise _Done


def spans(module: cst.Module, nodes: Iterable[cst.CSTNode]) -> dict[int, tuple[int, int]]:
    """Character spans `(start, end)` of `nodes` in the module's source, keyed by `id(node)`.

    Spans are trimmed of surrounding whitespace. Nodes that are not part of `module` are absent.
    """
    wanted = {id(n) for n in nodes}
    if not wanted:
        return {}
    state = _SpanRecorder(module, wanted)
    try:
        module._codegen(state)
    except _Done:
        pass
    return state.spans


def trim(text: str, start: int, end: int) -> tuple[int, int]:
    """`(start, end)` without surrounding whitespace. The end is clamped to the text: libcst's code
    generation writes a final newline that a file without one lacks (and then takes it back, a
    step the span recorder does not replay)."""
    end = min(end, len(text))
    start = min(start, end)
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end
