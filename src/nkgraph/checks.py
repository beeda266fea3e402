"""Consistency findings: where the chapter disagrees with itself, as check queries.

Every ``queries/checks/*.rq`` is a SELECT whose rows are findings (none when the chapter is
consistent on that point). Besides the usual header (title, description), a check query has a
``# finding:`` line, a template that turns a row into one sentence: ``{column}`` placeholders in
Python format syntax (``{table_sum:,}`` prints 8,500,000). By convention, columns whose names end
in ``quote``/``quotes`` hold the chapter's words (several joined by " | ") and columns ending in
``claim``/``claims`` hold claim IRIs (several joined by spaces).

Findings are information about the chapter, not errors: ``nkgraph check`` exits 0 with findings.

>>> from nkgraph.queries import open_store
>>> results = run_checks(open_store(Path("build/nkgraph.nt")), ["conflicting-claims"])
>>> len(results[0].findings)
3
"""

from __future__ import annotations

import csv
import io
import json
import re
import string
import time
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pyoxigraph as ox

from nkgraph.errors import QueryError
from nkgraph.paths import QUERIES_DIR
from nkgraph.queries import QuerySpec, list_queries, run_query

CHECKS_FOLDER = "checks"
FORMATS = ("text", "csv", "json")
_FINDING = re.compile(r"^#\s*finding\s*:\s*(.+)$", re.M)


@dataclass(frozen=True)
class Check:
    """A check query and the template of its findings."""

    name: str  # e.g. "national-capacity-vs-table2"
    title: str
    description: str
    template: str
    spec: QuerySpec


@dataclass(frozen=True)
class Finding:
    """One row of a check: a sentence, the chapter's words it rests on, the claims, the raw row."""

    check: str
    text: str
    quotes: tuple[str, ...]
    claims: tuple[str, ...]
    row: dict[str, object]


@dataclass(frozen=True)
class CheckResult:
    """The findings of one check and how long its query took."""

    check: Check
    findings: list[Finding]
    seconds: float


class _Blank:
    """An unbound column: formats as an empty string whatever the format spec."""

    def __format__(self, spec: str) -> str:
        return ""


def template_fields(template: str) -> set[str]:
    """The columns a finding template names.

    >>> sorted(template_fields("{commodity}: {table_sum:,} t/yr"))
    ['commodity', 'table_sum']
    """
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def list_checks(root: Path = QUERIES_DIR) -> list[Check]:
    """Every check query under ``root/checks``, sorted by name; raise if one lacks its template.

    >>> [c.name for c in list_checks()][:2]
    ['conflicting-claims', 'facility-capacity-vs-table2']
    """
    checks = []
    for spec in list_queries(root):
        if not spec.name.startswith(CHECKS_FOLDER + "/"):
            continue
        m = _FINDING.search(spec.text)
        if not m:
            raise QueryError(f"check query {spec.name!r} has no '# finding:' line", path=spec.path, hint="add '# finding: TEMPLATE' with {column} placeholders")
        checks.append(Check(spec.name.split("/", 1)[1], spec.title, spec.description, m.group(1).strip(), spec))
    return checks


def _split(value: object, sep: str) -> list[str]:
    return [part for part in str(value).split(sep) if part.strip()] if value not in (None, "") else []


def to_finding(check: Check, row: dict[str, object]) -> Finding:
    """A row of ``check`` as a :class:`Finding` (its sentence from the template)."""
    values = {k: (_Blank() if v is None else ("true" if v is True else "false" if v is False else v)) for k, v in row.items()}
    missing = template_fields(check.template) - set(values)
    if missing:
        raise QueryError(f"the finding template of {check.name!r} names columns the query does not return: {', '.join(sorted(missing))}", path=check.spec.path, hint="fix the '# finding:' line or the SELECT")
    text = check.template.format_map(values)
    quotes = tuple(q for col, v in row.items() if col.endswith(("quote", "quotes")) for q in _split(v, " | "))
    claims = tuple(c for col, v in row.items() if col.endswith(("claim", "claims")) for c in _split(v, " "))
    return Finding(check.name, text, quotes, claims, row)


def run_check(check: Check, store: ox.Store) -> CheckResult:
    """Run one check on a store holding the built graph."""
    started = time.perf_counter()
    result = run_query(check.spec, store)
    return CheckResult(check, [to_finding(check, row) for row in result.rows], time.perf_counter() - started)


def run_checks(store: ox.Store, names: list[str] | None = None, root: Path = QUERIES_DIR) -> list[CheckResult]:
    """Run every check (or the ones named), in name order."""
    checks = list_checks(root)
    if names:
        known = {c.name for c in checks}
        unknown = [n for n in names if n not in known]
        if unknown:
            raise QueryError(f"no check named {', '.join(map(repr, unknown))}", hint=f"the checks are: {', '.join(sorted(known))}")
        checks = [c for c in checks if c.name in names]
    return [run_check(c, store) for c in checks]


def _json_value(value: object) -> object:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def render_checks(results: list[CheckResult], fmt: str = "text") -> str:
    """The findings as readable text, CSV (one row per finding) or JSON (grouped by check)."""
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(["check", "finding", "quotes", "claims"])
        for r in results:
            for f in r.findings:
                writer.writerow([f.check, f.text, " | ".join(f.quotes), " ".join(f.claims)])
        return buf.getvalue()
    if fmt == "json":
        data = [
            {
                "check": r.check.name,
                "title": r.check.title,
                "description": r.check.description,
                "count": len(r.findings),
                "findings": [{"finding": f.text, "quotes": list(f.quotes), "claims": list(f.claims), "row": {k: _json_value(v) for k, v in f.row.items()}} for f in r.findings],
            }
            for r in results
        ]
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    total = sum(len(r.findings) for r in results)
    lines = [f"{len(results)} checks, {total} findings (findings describe the chapter; they are not errors)", ""]
    for r in results:
        n = len(r.findings)
        lines.append(f"{r.check.name}: {r.check.title} — {n or 'no'} finding{'' if n == 1 else 's'}")
        for i, f in enumerate(r.findings, 1):
            lines.append(f"  {i}. {f.text}")
            lines += [f"       “{q}”" for q in dict.fromkeys(f.quotes)]
    return "\n".join(lines) + "\n"
