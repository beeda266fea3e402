"""Printing query results: an aligned table for people, CSV/TSV/JSON for programs.

>>> from nkgraph.queries import QueryResult
>>> print(render(QueryResult(["a", "b"], [{"a": 1, "b": "x"}]), "csv"), end="")
a,b
1,x
"""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from typing import TYPE_CHECKING

from nkgraph.prefixes import PREFIXES

if TYPE_CHECKING:
    from nkgraph.queries import QueryResult

FORMATS = ("table", "csv", "tsv", "json")


def shorten(value: object) -> str:
    """An IRI as a prefixed name where we have a prefix; anything else as text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    for prefix, ns in sorted(PREFIXES.items(), key=lambda kv: -len(kv[1])):
        if text.startswith(ns) and len(text) > len(ns) and "/" not in text[len(ns):] and "#" not in text[len(ns):]:
            return f"{prefix}:{text[len(ns):]}"
    return text


def _plain(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    return value


def _json(value: object) -> object:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def render(result: QueryResult, fmt: str = "table", *, max_width: int = 60) -> str:
    """The result as text in one of :data:`FORMATS`."""
    if result.boolean is not None:
        return json.dumps({"boolean": result.boolean}) + "\n" if fmt == "json" else ("true\n" if result.boolean else "false\n")
    if fmt in ("csv", "tsv"):
        buf = io.StringIO()
        writer = csv.writer(buf, delimiter="," if fmt == "csv" else "\t", lineterminator="\n")
        writer.writerow(result.columns)
        for row in result.rows:
            writer.writerow([_plain(row[c]) for c in result.columns])
        return buf.getvalue()
    if fmt == "json":
        return json.dumps([{c: _json(row[c]) for c in result.columns} for row in result.rows], indent=2, ensure_ascii=False) + "\n"
    cells = [[shorten(_plain(row[c]) if not isinstance(row[c], str) else row[c]) for c in result.columns] for row in result.rows]
    cells = [[c if len(c) <= max_width else c[: max_width - 1] + "…" for c in r] for r in cells]
    widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(result.columns)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(result.columns, widths)).rstrip()]
    lines.append("  ".join("─" * w for w in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in cells]
    return "\n".join(lines) + "\n"
