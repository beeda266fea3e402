"""The shipped source text, and finding quotes in it.

Quotes are written with the text file's line breaks replaced by single spaces;
the text is searched in the same whitespace-collapsed form and every match is
mapped back to character offsets (Unicode code points) of the raw file.

>>> text = SourceText.load()
>>> span = text.find("North Korea ranked third in production of magnesite in the world.")[0]
>>> text.line_of(span.start), text.raw[span.start:span.end].split()[-1]
(16, 'world.')
"""

from __future__ import annotations

import difflib
import hashlib
import re
from bisect import bisect_right
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from nkgraph.paths import SOURCE_TEXT

_WS = re.compile(r"\s+")
_FOOTER = re.compile(r"^\s*(?:14\.(\d+)\s+u\.s\. geological survey|North Korea—2007\s+14\.(\d+))", re.M)


@dataclass(frozen=True)
class Span:
    """A half-open range ``[start, end)`` of code points in the raw source text."""

    start: int
    end: int


def normalize(text: str) -> str:
    """Collapse every run of whitespace to one space and strip the ends.

    >>> normalize("Hyesan Youth \\nCopper Mine")
    'Hyesan Youth Copper Mine'
    """
    return _WS.sub(" ", text).strip()


class SourceText:
    """The chapter as a text file, searchable by quote."""

    def __init__(self, raw: str, path: Path | None = None) -> None:
        self.raw = raw
        self.path = path
        chars: list[str] = []
        index: list[int] = []
        in_space = True  # drop leading whitespace
        for i, ch in enumerate(raw):
            if ch.isspace():
                if not in_space:
                    chars.append(" ")
                    index.append(i)
                in_space = True
            else:
                chars.append(ch)
                index.append(i)
                in_space = False
        self.norm = "".join(chars)
        self._index = index
        self._line_starts = [0] + [m.end() for m in re.finditer("\n", raw)]
        self._footers = [(m.start(), "14." + (m.group(1) or m.group(2))) for m in _FOOTER.finditer(raw)]

    @classmethod
    def load(cls, path: Path = SOURCE_TEXT) -> "SourceText":
        """Read the source text file (UTF-8)."""
        return cls(path.read_text(encoding="utf-8"), path)

    @property
    def sha256(self) -> str:
        """Hex SHA-256 of the raw text encoded as UTF-8."""
        return hashlib.sha256(self.raw.encode("utf-8")).hexdigest()

    def find(self, quote: str) -> list[Span]:
        """Every place the quote occurs (whitespace-insensitive), in text order."""
        needle = normalize(quote)
        if not needle:
            return []
        spans = []
        start = self.norm.find(needle)
        while start != -1:
            end = start + len(needle)
            spans.append(Span(self._index[start], self._index[end - 1] + 1))
            start = self.norm.find(needle, start + 1)
        return spans

    def find_words(self, phrase: str) -> list[Span]:
        """Like :meth:`find`, but only where the phrase is not part of a longer word."""
        out = []
        for span in self.find(phrase):
            before = self.raw[span.start - 1] if span.start > 0 else " "
            after = self.raw[span.end] if span.end < len(self.raw) else " "
            if not (before.isalnum() or after.isalnum()):
                out.append(span)
        return out

    def line_of(self, offset: int) -> int:
        """1-based line number of a character offset."""
        return bisect_right(self._line_starts, offset)

    def page_of(self, offset: int) -> str | None:
        """The printed page an offset lies on, where a page footer before and after it shows it."""
        previous = [f for f in self._footers if f[0] < offset]
        following = [f for f in self._footers if f[0] >= offset]
        if previous and following:
            return following[0][1]
        return None

    def context(self, span: Span, width: int = 30) -> tuple[str, str]:
        """Up to ``width`` characters of raw text before and after a span (for oa:prefix/oa:suffix)."""
        return self.raw[max(0, span.start - width) : span.start], self.raw[span.end : span.end + width]

    def nearest(self, quote: str) -> tuple[str, int, float]:
        """The passage of the text most like the quote: (passage, line, similarity 0..1)."""
        needle = normalize(quote)
        matcher = difflib.SequenceMatcher(None, self.norm, needle, autojunk=False)
        block = matcher.find_longest_match(0, len(self.norm), 0, len(needle))
        start = max(0, block.a - block.b)
        window = self.norm[start : start + len(needle)]
        ratio = difflib.SequenceMatcher(None, window, needle, autojunk=False).ratio()
        return window, self.line_of(self._index[min(start, len(self._index) - 1)]), ratio


@lru_cache(maxsize=4)
def default_text(path: Path = SOURCE_TEXT) -> SourceText:
    """The shipped chapter text, loaded once per process."""
    return SourceText.load(path)
