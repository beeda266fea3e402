"""The query library: ``.rq`` files with a header, run with bindings on the built graph.

A query file starts with comment lines that describe it::

    # title: Equity stakes in North Korean assets
    # description: Who holds or sought which share of which asset, with status and sources.
    # param: holder iri optional — only stakes of this holder. example: nkd:luanhe-industrial-group
    # ordered: true
    # answers: Q1

Parameters are passed as SPARQL bindings (``substitutions``), never formatted into the text.

>>> spec = find_query("references")
>>> spec.title
'References cited by the chapter'
"""

from __future__ import annotations

import datetime
import difflib
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pyoxigraph as ox

from nkgraph.errors import BuildMissing, QueryError, excerpt
from nkgraph.prefixes import PREFIXES, prefix_lines
from nkgraph.paths import QUERIES_DIR

PARAM_TYPES = ("iri", "string", "integer", "decimal", "date", "year", "boolean")
_HEADER = re.compile(r"^#\s*([a-z]+)\s*:\s*(.*)$")
_PARAM = re.compile(r"^(\w+)\s+(\w+)(?:\s+(optional|required))?\s*(?:[—-]+\s*(.*))?$")
_XSD = "http://www.w3.org/2001/XMLSchema#"


@dataclass(frozen=True)
class Param:
    """A declared query parameter."""

    name: str
    type: str
    required: bool
    description: str
    example: str | None


@dataclass
class QuerySpec:
    """A query file and its header."""

    name: str
    path: Path
    text: str
    title: str = ""
    description: str = ""
    params: list[Param] = field(default_factory=list)
    ordered: bool = False
    answers: str = ""
    example: str = ""


@dataclass
class QueryResult:
    """Rows of a SELECT (``columns`` + ``rows`` of Python values), or an ASK boolean."""

    columns: list[str]
    rows: list[dict[str, object]]
    boolean: bool | None = None


def parse_header(path: Path, name: str) -> QuerySpec:
    """Read a query file and its header; raise :class:`QueryError` if the header is malformed."""
    try:
        data = path.read_bytes()
    except OSError as err:
        raise QueryError(f"cannot read query file: {err.strerror}", path=path, hint="give a readable .rq file") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise QueryError(f"not UTF-8: byte 0x{data[err.start]:02x} cannot be decoded", path=path, line=line, hint="save the query file as UTF-8") from None
    if not text.strip():
        raise QueryError("the query file is empty", path=path, hint="write a SELECT or ASK query in it (see any file in queries/ for the layout)")
    spec = QuerySpec(name=name, path=path, text=text.removeprefix("\ufeff"))
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.startswith("#"):
            if line.strip():
                break
            continue
        m = _HEADER.match(line)
        if not m:
            continue
        key, value = m.group(1), m.group(2).strip()
        if key == "param":
            pm = _PARAM.match(value)
            if not pm or pm.group(2) not in PARAM_TYPES:
                raise QueryError(
                    f"malformed parameter declaration {value!r}",
                    path=path,
                    line=lineno,
                    hint=f"write '# param: NAME TYPE [optional|required] — description. example: VALUE' with TYPE one of {', '.join(PARAM_TYPES)}",
                )
            desc = pm.group(4) or ""
            example = None
            em = re.search(r"example:\s*(\S+)", desc)
            if em:
                example = em.group(1)
            spec.params.append(Param(pm.group(1), pm.group(2), pm.group(3) != "optional", desc, example))
        elif key in ("title", "description", "answers", "example"):
            setattr(spec, key, (getattr(spec, key) + " " + value).strip())
        elif key == "ordered":
            spec.ordered = value.lower() in ("true", "yes")
    return spec


def list_queries(root: Path = QUERIES_DIR) -> list[QuerySpec]:
    """Every query of the library, sorted by name (``checks/…`` for the check queries)."""
    specs = []
    for path in sorted(root.rglob("*.rq")):
        name = path.relative_to(root).with_suffix("").as_posix()
        specs.append(parse_header(path, name))
    return specs


def find_query(name: str, root: Path = QUERIES_DIR) -> QuerySpec:
    """A library query by name, or a ``.rq`` file by path; suggests close names when unknown."""
    candidate = Path(name)
    if name.endswith(".rq"):
        if not candidate.exists():
            raise QueryError(f"query file not found: {name}", path=candidate, hint="check the path")
        return parse_header(candidate, candidate.stem)
    path = root / f"{name}.rq"
    if path.exists():
        return parse_header(path, name)
    names = [s.name for s in list_queries(root)]
    close = difflib.get_close_matches(name, names, n=3, cutoff=0.5)
    hint = f"did you mean {', '.join(close)}? " if close else ""
    raise QueryError(f"no query named {name!r}", hint=hint + "run 'nkgraph query --list' to see the library")


_SCHEMES = ("http", "https", "urn", "tag", "mailto", "file")


def _expand(value: str) -> str:
    if ":" in value and not value.startswith(("http://", "https://", "urn:")):
        prefix, rest = value.split(":", 1)
        if prefix in PREFIXES:
            return PREFIXES[prefix] + rest
        if prefix not in _SCHEMES and re.fullmatch(r"[A-Za-z][\w.-]*", prefix):
            raise ValueError(f"unknown prefix {prefix}: (known: {', '.join(p + ':' for p in sorted(PREFIXES))})")
    return value


def to_term(param: Param, value: str) -> ox.NamedNode | ox.Literal:
    """The RDF term for a parameter value given on the command line."""
    kind = param.type
    try:
        if kind == "iri":
            iri = _expand(value)
            if not re.match(r"^[a-z][a-z0-9+.-]*:[^\s<>\"{}|\\^`]*$", iri):
                raise ValueError("not an IRI")
            return ox.NamedNode(iri)
        if kind == "integer":
            return ox.Literal(str(int(value)), datatype=ox.NamedNode(_XSD + "integer"))
        if kind == "decimal":
            number = Decimal(value)
            if not number.is_finite():
                raise ValueError("not a finite number")
            return ox.Literal(str(number), datatype=ox.NamedNode(_XSD + "decimal"))
        if kind == "boolean":
            if value.lower() not in ("true", "false"):
                raise ValueError("not a boolean")
            return ox.Literal(value.lower(), datatype=ox.NamedNode(_XSD + "boolean"))
        if kind == "year":
            if not re.fullmatch(r"-?\d{4}", value):
                raise ValueError("not a year")
            return ox.Literal(value, datatype=ox.NamedNode(_XSD + "gYear"))
        if kind == "date":
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
                raise ValueError("not a date")
            datetime.date.fromisoformat(value)  # 2008-13-45 has the right shape but is no day
            return ox.Literal(value, datatype=ox.NamedNode(_XSD + "date"))
        return ox.Literal(value)
    except (ValueError, InvalidOperation) as err:
        why = f" ({err})" if str(err).startswith("unknown prefix") else ""
        raise QueryError(
            f"parameter {param.name} must be of type {kind}, got {value!r}{why}",
            hint=f"for example: -p {param.name} {param.example or _EXAMPLES[kind]}",
        ) from None


_EXAMPLES = {"iri": "nkd:hyesan-youth-copper-mine", "string": "Hyesan", "integer": "2", "decimal": "1.5", "date": "2007-12-14", "year": "2007", "boolean": "true"}


def bindings(spec: QuerySpec, given: dict[str, str]) -> dict[ox.Variable, ox.NamedNode | ox.Literal]:
    """Check the given parameters against the header and turn them into substitutions."""
    declared = {p.name: p for p in spec.params}
    for name in given:
        if name not in declared:
            known = ", ".join(declared) or "none"
            raise QueryError(f"query {spec.name!r} has no parameter {name!r} (it takes: {known})", hint=f"see 'nkgraph query --list' or the header of {spec.path}")
    subs = {}
    for p in spec.params:
        if p.name in given:
            subs[ox.Variable(p.name)] = to_term(p, given[p.name])
        elif p.required:
            raise QueryError(f"query {spec.name!r} needs parameter {p.name!r} ({p.type}): {p.description}", hint=f"add -p {p.name} {p.example or _EXAMPLES[p.type]}")
    return subs


def require_graph(graph_file: Path) -> Path:
    """``graph_file`` when it exists; else :class:`BuildMissing` naming the build to run."""
    if not graph_file.exists():
        raise BuildMissing("no built graph here", path=graph_file, hint=f"run 'nkgraph build --out {graph_file.parent}' first (or pass --graph FILE)")
    return graph_file


def open_store(graph_file: Path) -> ox.Store:
    """An in-memory Oxigraph store holding a built graph (N-Triples or Turtle)."""
    require_graph(graph_file)
    store = ox.Store()
    fmt = ox.RdfFormat.N_TRIPLES if graph_file.suffix == ".nt" else ox.RdfFormat.TURTLE
    store.bulk_load(path=str(graph_file), format=fmt)
    return store


def _boolean(value: str) -> bool:
    return value in ("true", "1")


#: Python value of a literal by its datatype (any other datatype: the lexical form as a string).
_CONVERT = {
    ox.NamedNode(_XSD + name): convert
    for names, convert in (
        (("integer", "nonNegativeInteger", "positiveInteger", "int", "long"), int),
        (("decimal",), Decimal),
        (("double", "float"), float),
        (("boolean",), _boolean),
    )
    for name in names
}
_NamedNode, _BlankNode = ox.NamedNode, ox.BlankNode


def _python(term: object) -> object:
    """The Python value of a result term: an IRI as a string, a number or boolean as such, else the text.

    Called once per cell, so it dispatches on the exact type and looks the datatype up in one dict
    (a 910-row ledger has ~12,000 cells).

    >>> _python(ox.Literal("2.50", datatype=ox.NamedNode(_XSD + "decimal")))
    Decimal('2.50')
    """
    if term is None:
        return None
    kind = type(term)
    if kind is _NamedNode:
        return term.value
    if kind is _BlankNode:
        return "_:" + term.value
    convert = _CONVERT.get(term.datatype)
    return term.value if convert is None else convert(term.value)


def run_query(spec: QuerySpec, store: ox.Store, params: dict[str, str] | None = None) -> QueryResult:
    """Run a library query on a store with the given parameters (strings, checked and typed)."""
    subs = bindings(spec, params or {})
    if _UPDATE.match(spec.text):
        raise QueryError("this is a SPARQL Update; nkgraph only reads the graph", path=spec.path, hint="run a SELECT or ASK query (the built graph changes only with 'nkgraph build')")
    try:
        result = _execute(store, spec, subs)
    except SyntaxError as err:
        message, line, column, hint = describe_sparql_error(spec.text, str(err))
        raise QueryError(message, path=spec.path, line=line, column=column, hint=hint, excerpt=excerpt(spec.text, line, column)) from None
    except OSError as err:
        raise QueryError(f"the query failed: {err}", path=spec.path, hint="check the query") from None
    if isinstance(result, (bool, ox.QueryBoolean)):
        return QueryResult([], [], boolean=bool(result))
    if isinstance(result, ox.QuerySolutions):
        columns = [v.value for v in result.variables]
        # a solution iterates over its values in the order of the columns (cheaper than sol[name])
        rows = [dict(zip(columns, map(_python, sol))) for sol in result]
        return QueryResult(columns, rows)
    raise QueryError("only SELECT and ASK queries are supported here", path=spec.path, hint="use 'nkgraph export' for graph results")


_NOT_PROJECTED = re.compile(r"does not contains? variable \?(\w+) in its SELECT projection")


def _execute(store: ox.Store, spec: QuerySpec, subs: dict) -> object:
    """Run ``spec`` with its parameters bound.

    Every parameter is bound by a one-row ``VALUES`` block at the start of the outermost WHERE
    group (the typed term is serialized by :func:`nkgraph.push.term_text`, never pasted from
    input): Oxigraph's planner starts its joins from it, so a query given a parameter reads only
    what concerns that value. A parameter the query projects is also substituted (SEP-0007), which
    binds it in the sub-selects that project it (for the results: Oxigraph still evaluates such a
    sub-select over the whole graph before joining); one it does not project is bound by the block alone.
    """
    subs = dict(subs)
    values: dict[str, ox.NamedNode | ox.Literal] = {var.value: term for var, term in subs.items()}
    while True:
        if values:
            from nkgraph.push import with_values  # imports urllib: only for the queries that need it

            text = with_values(spec.text, values)
        else:
            text = spec.text
        try:
            return store.query(text, substitutions=subs or None)
        except RuntimeError as err:
            m = _NOT_PROJECTED.search(str(err))
            var = ox.Variable(m.group(1)) if m else None
            if var is None or var not in subs:
                raise QueryError(f"the query failed: {err}", path=spec.path, hint="check the query and its parameters") from None
            del subs[var]


_UPDATE = re.compile(r"^(?:\s+|#[^\n]*\n|(?:PREFIX|BASE)\s[^\n]*\n)*(?:INSERT|DELETE|LOAD|CLEAR|DROP|CREATE|ADD|MOVE|COPY|WITH)\b", re.I)
_OX_ERROR = re.compile(r"error at (\d+):(\d+): (.*)", re.S)


def describe_sparql_error(text: str, oxigraph_message: str) -> tuple[str, int | None, int | None, str]:
    """(message, line, column, hint) for a SPARQL syntax error Oxigraph reported on ``text``.

    Oxigraph names the farthest place its parser reached; rdflib's parser names the clause it could
    not read, which is usually where the mistake is, so its position wins when it also fails.

    >>> describe_sparql_error("SELECT ?c WHERE {\\n  ?c a nk:Claim .\\n}", "error at 2:16: expected one of Prefix not found, [_]")[:3]
    ('SPARQL syntax error: the prefix nk: is not declared', 2, 8)
    """
    m = _OX_ERROR.match(oxigraph_message)
    line, column = (int(m.group(1)), int(m.group(2))) if m else (None, None)
    expected = _expected(m.group(3)) if m else []
    hint = "fix the query at that place (see https://www.w3.org/TR/sparql11-query/#grammar)"
    if "Prefix not found" in expected and line is not None:
        lines = text.splitlines()
        before = lines[line - 1][: column - 1] if line <= len(lines) else ""
        pm = re.search(r"([A-Za-z][\w.-]*)?:[\w.-]*$", before)
        prefix = (pm.group(1) or "") if pm else "?"
        if pm:
            column = pm.start() + 1
        declare = prefix_lines([(prefix, PREFIXES.get(prefix, "…"))]).strip()
        return f"SPARQL syntax error: the prefix {prefix}: is not declared", line, column, f"add '{declare}' at the top of the query"
    sentences = [e for e in expected if " " in e and e[:1].isupper() and not e.startswith("Prefix")]
    if sentences:
        if "unbound" in sentences[0]:
            hint = "every selected variable must be bound in WHERE; next to an aggregate (COUNT, SUM, …) list the other selected variables in GROUP BY"
        return f"SPARQL error: {sentences[0]}", line, column, hint
    if expected and all("\\" in e or e == '"\\""' or e == "\"'\"" for e in expected):
        return "SPARQL syntax error: a string is not closed on this line", line, column, "close the string with the quote it was opened with"
    found = ""
    try:
        from rdflib.plugins.sparql import prepareQuery

        prepareQuery(text, initNs=PREFIXES)
    except Exception as err:  # noqa: BLE001 - pyparsing's ParseException and others
        if getattr(err, "lineno", None) and getattr(err, "col", None):
            line, column = err.lineno, err.col
            token = re.match(r"[\w?$:-]+|\S", getattr(err, "line", "")[column - 1 :] or "")
            found = f"unexpected {token.group(0)[:30]!r}" if token else "unexpected end of the query"
    words = ", ".join(expected[:10]) + (", …" if len(expected) > 10 else "")
    if found:
        message = f"SPARQL syntax error: {found}" + (f" (Oxigraph expected {words} at line {m.group(1)}, column {m.group(2)})" if m and words else "")
    elif words:
        message = f"SPARQL syntax error: expected {words}"
    else:
        message = f"SPARQL syntax error: {oxigraph_message}"
    return message, line, column, hint


def _expected(text: str) -> list[str]:
    """The alternatives of Oxigraph's "expected one of …" list that a person can read (no character classes)."""
    body = re.sub(r"^expected (?:one of )?", "", text.strip())
    items, depth, current = [], 0, ""
    for ch in body:
        if ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
        if ch == "," and depth == 0:
            items.append(current.strip())
            current = ""
        else:
            current += ch
    items.append(current.strip())
    return [i for i in items if i and not i.startswith("[")]
