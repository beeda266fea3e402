"""The errors nkgraph reports to users, each with a documented exit code.

Every error names what went wrong, where (file, line, column when known) and what to do.
The CLI prints ``str(error)`` and exits with ``error.exit_code``; it never shows a traceback.

>>> str(DataError("quote not found", path="data/claims/copper.ttl", line=12, hint="copy the words from the source"))
'data/claims/copper.ttl:12: quote not found\\n  what to do: copy the words from the source'

An error may carry an ``excerpt``: the offending line of the file with a caret under the column
(see :func:`excerpt`), shown between the message and the hint.
"""

from __future__ import annotations

from pathlib import Path

#: Exit codes of every nkgraph command.
EXIT_OK = 0
EXIT_VIOLATIONS = 1
EXIT_ERROR = 2


def _display(path: str) -> str:
    """A path relative to the working directory when it lies below it."""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd()))
    except ValueError:
        return path


class NkgraphError(Exception):
    """Base of all errors nkgraph reports; exit code 2."""

    exit_code = EXIT_ERROR

    def __init__(
        self,
        message: str,
        *,
        path: str | Path | None = None,
        line: int | None = None,
        column: int | None = None,
        hint: str | None = None,
        excerpt: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.path = str(path) if path is not None else None
        self.line = line
        self.column = column
        self.hint = hint
        self.excerpt = excerpt

    def location(self) -> str:
        """``path:line:column`` as far as known, or an empty string."""
        if self.path is None:
            return ""
        parts = [_display(self.path)]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)

    def __str__(self) -> str:
        loc = self.location()
        text = f"{loc}: {self.message}" if loc else self.message
        if self.excerpt:
            text += "\n" + self.excerpt
        if self.hint:
            text += f"\n  what to do: {self.hint}"
        return text


def excerpt(text: str, line: int | None, column: int | None = None, width: int = 1) -> str | None:
    """Line ``line`` (1-based) of ``text``, numbered, with ``width`` carets under ``column`` (1-based).

    >>> print(excerpt("a b\\nex:d ex:e nope:x .\\n", 2, 11, 5))
        2 | ex:d ex:e nope:x .
          |           ^^^^^
    """
    lines = text.splitlines()
    if line is None or not 1 <= line <= len(lines):
        return None
    shown = lines[line - 1].replace("\t", " ")
    if len(shown) > 160:  # long lines: a window around the column
        start = max(0, (column or 1) - 80)
        shown, column = ("…" if start else "") + shown[start : start + 160], (column - start + (1 if start else 0)) if column else None
    gutter = f"{line:>5} | "
    out = gutter + shown.rstrip()
    if column is not None and column >= 1:
        out += "\n" + " " * (len(gutter) - 2) + "| " + " " * (column - 1) + "^" * max(1, min(width, 40))
    return out


class DataError(NkgraphError):
    """A data, ontology or shapes file cannot be read or is inconsistent."""


class QuoteError(DataError):
    """A claim's quote is not found verbatim (or not uniquely) in the source text."""


class VocabularyError(DataError):
    """A term of the nk: namespace is used that the ontology does not define."""


class QueryError(NkgraphError):
    """A query is unknown, malformed, or given wrong parameters."""


class BuildMissing(NkgraphError):
    """The command needs a built graph and there is none."""


class OutputError(NkgraphError):
    """An output file or folder cannot be written."""


class ValidationFailed(NkgraphError):
    """The graph does not conform to the SHACL shapes; exit code 1."""

    exit_code = EXIT_VIOLATIONS
