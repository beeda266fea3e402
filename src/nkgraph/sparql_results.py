"""SPARQL answers as bytes: run one query on a store, cap it, and render it in the format asked for.

This is the part of ``nkgraph serve`` that runs inside a query worker (:mod:`nkgraph.query_workers`);
it knows nothing of HTTP. SELECT/ASK results come as SPARQL JSON, XML, CSV or TSV; CONSTRUCT/DESCRIBE
results as Turtle, N-Triples or JSON-LD — chosen by a ``format`` value or an ``Accept`` header.

>>> store = ox.Store()
>>> store.add(ox.Quad(ox.NamedNode("http://x/a"), ox.NamedNode("http://x/b"), ox.Literal("c")))
>>> answer(store, "SELECT ?o WHERE { ?s ?p ?o }", None, "csv", None, cap=10)
('text/csv; charset=utf-8', b'o\\r\\nc\\r\\n')
"""

from __future__ import annotations

import json
import re
from xml.sax.saxutils import escape as xml_escape

import pyoxigraph as ox

__all__ = ["Refused", "answer", "negotiate", "render_boolean", "render_solutions", "SELECT_TYPES", "GRAPH_TYPES"]

SELECT_TYPES = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
}
GRAPH_TYPES = {
    "turtle": ("text/turtle", ox.RdfFormat.TURTLE),
    "ntriples": ("application/n-triples", ox.RdfFormat.N_TRIPLES),
    "jsonld": ("application/ld+json", ox.RdfFormat.JSON_LD),
}
_ACCEPT = {
    "application/sparql-results+json": "json", "application/json": "json",
    "application/sparql-results+xml": "xml", "application/xml": "xml", "text/xml": "xml",
    "text/csv": "csv", "text/tab-separated-values": "tsv",
    "text/turtle": "turtle", "application/x-turtle": "turtle", "application/n-triples": "ntriples",
    "application/ld+json": "jsonld",
}


class Refused(Exception):
    """A request the endpoint answers with an HTTP error: ``status``, a one-line ``message`` and,
    for "busy" answers, the seconds to wait before trying again (``retry_after``)."""

    def __init__(self, status: int, message: str, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.retry_after = retry_after


def _term_json(term: object) -> dict:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        out = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
            out["datatype"] = term.datatype.value
        return out
    return {"type": "triple", "value": str(term)}


def _term_xml(term: object) -> str:
    if isinstance(term, ox.NamedNode):
        return f"<uri>{xml_escape(term.value)}</uri>"
    if isinstance(term, ox.BlankNode):
        return f"<bnode>{xml_escape(term.value)}</bnode>"
    if isinstance(term, ox.Literal):
        if term.language:
            return f'<literal xml:lang="{xml_escape(term.language)}">{xml_escape(term.value)}</literal>'
        if term.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
            return f'<literal datatype="{xml_escape(term.datatype.value)}">{xml_escape(term.value)}</literal>'
        return f"<literal>{xml_escape(term.value)}</literal>"
    return f"<literal>{xml_escape(str(term))}</literal>"


def _csv_cell(term: object) -> str:
    if term is None:
        return ""
    text = ("_:" + term.value) if isinstance(term, ox.BlankNode) else term.value if hasattr(term, "value") else str(term)
    if any(c in text for c in ',"\r\n'):
        text = '"' + text.replace('"', '""') + '"'
    return text


def render_solutions(variables: list[str], rows: list[list[object]], fmt: str) -> bytes:
    """SELECT results (``rows`` of pyoxigraph terms or None) in a SPARQL 1.1 results format.

    >>> render_solutions(["n"], [[ox.Literal("1")]], "tsv")
    b'?n\\n"1"\\n'
    """
    if fmt == "json":
        doc = {"head": {"vars": variables}, "results": {"bindings": [{v: _term_json(t) for v, t in zip(variables, row) if t is not None} for row in rows]}}
        return json.dumps(doc, ensure_ascii=False).encode("utf-8")
    if fmt == "xml":
        out = ['<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#"><head>']
        out += [f'<variable name="{v}"/>' for v in variables]
        out.append("</head><results>")
        for row in rows:
            out.append("<result>")
            out += [f'<binding name="{v}">{_term_xml(t)}</binding>' for v, t in zip(variables, row) if t is not None]
            out.append("</result>")
        out.append("</results></sparql>\n")
        return "".join(out).encode("utf-8")
    if fmt == "csv":
        lines = [",".join(variables)] + [",".join(_csv_cell(t) for t in row) for row in rows]
        return ("\r\n".join(lines) + "\r\n").encode("utf-8")
    lines = ["\t".join("?" + v for v in variables)] + ["\t".join("" if t is None else str(t) for t in row) for row in rows]
    return ("\n".join(lines) + "\n").encode("utf-8")


def render_boolean(value: bool, fmt: str) -> bytes:
    """An ASK result in a SPARQL 1.1 results format.

    >>> render_boolean(True, "csv")
    b'true\\n'
    """
    if fmt == "xml":
        return f'<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#"><head/><boolean>{str(value).lower()}</boolean></sparql>\n'.encode()
    if fmt in ("csv", "tsv"):
        return (str(value).lower() + "\n").encode()
    return json.dumps({"head": {}, "boolean": value}).encode()


def negotiate(fmt: str | None, accept: str | None, graph_result: bool) -> str:
    """The result format from a ``format`` parameter or an ``Accept`` header (first acceptable type wins).

    >>> negotiate(None, "text/csv;q=0.5, application/sparql-results+xml", False)
    'xml'
    """
    table = GRAPH_TYPES if graph_result else SELECT_TYPES
    if fmt:
        key = {"ttl": "turtle", "nt": "ntriples", "json-ld": "jsonld", "n-triples": "ntriples"}.get(fmt.lower(), fmt.lower())
        if key in table:
            return key
        if fmt.lower() in _ACCEPT and _ACCEPT[fmt.lower()] in table:
            return _ACCEPT[fmt.lower()]
        raise Refused(400, f"unknown format {fmt!r}: use one of {', '.join(table)}")
    ranked = []
    for i, part in enumerate((accept or "").split(",")):
        media, _, params = part.strip().partition(";")
        q = 1.0
        m = re.search(r"q=([0-9.]+)", params)
        if m:
            q = float(m.group(1))
        ranked.append((-q, i, media.strip().lower()))
    for _, _, media in sorted(ranked):
        if media in _ACCEPT and _ACCEPT[media] in table:
            return _ACCEPT[media]
    return "turtle" if graph_result else "json"


def _evaluate(store: ox.Store, text: str, substitutions: dict | None, cap: int) -> tuple[str, object]:
    result = store.query(text, substitutions=substitutions or None)
    if isinstance(result, (bool, ox.QueryBoolean)):
        return "boolean", bool(result)
    if isinstance(result, ox.QuerySolutions):
        variables = [v.value for v in result.variables]
        rows = []
        for solution in result:
            if len(rows) >= cap:
                raise Refused(413, f"the result has more than {cap} rows: add a LIMIT (this endpoint caps results at {cap})")
            rows.append([solution[v] for v in variables])
        return "solutions", (variables, rows)
    triples = []
    for triple in result:
        if len(triples) >= cap:
            raise Refused(413, f"the result has more than {cap} triples: add a LIMIT (this endpoint caps results at {cap})")
        triples.append(triple)
    return "triples", triples


def answer(store: ox.Store, text: str, substitutions: dict | None, fmt: str | None, accept: str | None, cap: int) -> tuple[str, bytes]:
    """Run ``text`` on ``store`` and return (Content-Type, body); raise :class:`Refused` on a syntax
    error, a failed query, a result over ``cap`` rows or triples, or an unknown format."""
    try:
        kind, value = _evaluate(store, text, substitutions, cap)
    except SyntaxError as err:
        raise Refused(400, f"SPARQL syntax error: {err}") from None
    except OSError as err:
        raise Refused(400, f"the query failed: {err}") from None
    if kind == "triples":
        key = negotiate(fmt, accept, True)
        ctype, rdf_format = GRAPH_TYPES[key]
        body = ox.serialize(value, format=rdf_format) if value else b""
        return ctype + ("; charset=utf-8" if key == "turtle" else ""), body or b""
    key = negotiate(fmt, accept, False)
    body = render_boolean(value, key) if kind == "boolean" else render_solutions(*value, key)
    return SELECT_TYPES[key] + "; charset=utf-8", body
