"""Lines and columns of a text, as reports count them (no parser needed)."""

from __future__ import annotations

import bisect
import re

from backlint.findings import Region

_NEWLINE = re.compile(r"\r\n|\r|\n")


def split_lines(text: str) -> list[str]:
    """Split on the newlines Python's tokenizer knows (not form feeds or U+2028 like str.splitlines)."""
    return _NEWLINE.split(text)


def utf16_len(text: str) -> int:
    """Length of `text` in UTF-16 code units."""
    n = len(text)
    if text.isascii():
        return n
    return n + sum(1 for ch in text if ord(ch) > 0xFFFF)


class LineIndex:
    """Maps character offsets in a text to 1-based lines and columns."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = [0] + [m.end() for m in _NEWLINE.finditer(text)]

    def line_text(self, line: int) -> str:
        """The text of a 1-based line, without its newline."""
        start = self.starts[line - 1]
        end = self.starts[line] if line < len(self.starts) else len(self.text)
        return self.text[start:end].rstrip("\r\n")

    def region(self, start: int, end: int) -> Region:
        sl = bisect.bisect_right(self.starts, start)
        el = bisect.bisect_right(self.starts, end)
        s_off = start - self.starts[sl - 1]
        e_off = end - self.starts[el - 1]
        s_text = self.text[self.starts[sl - 1] : start]
        e_text = self.text[self.starts[el - 1] : end]
        return Region(
            start_line=sl,
            start_column=s_off + 1,
            end_line=el,
            end_column=e_off + 1,
            start_column_utf16=utf16_len(s_text) + 1,
            end_column_utf16=utf16_len(e_text) + 1,
        )
