"""A read-only SPARQL 1.1 Protocol endpoint over the built graph (``nkgraph serve``).

Oxigraph answers every query; this module only speaks HTTP (the standard library's
``ThreadingHTTPServer``): it picks the result format, applies a timeout and a result cap, adds
CORS headers so YASGUI and notebooks can call it, exposes the query library by name, and refuses
anything that is not a read-only query.

Routes::

    GET/POST /sparql            SPARQL 1.1 Protocol query (query=… form field, or application/sparql-query body)
    GET      /queries           the query library (JSON: name, title, parameters)
    GET/POST /queries/NAME      run a library query; ?param=value pairs are bound as substitutions
    GET      /                  a short description (JSON)

Results: SELECT/ASK as SPARQL JSON, XML, CSV or TSV; CONSTRUCT/DESCRIBE as Turtle, N-Triples or
JSON-LD — chosen by ``format=json|xml|csv|tsv|turtle|ntriples|jsonld`` or the ``Accept`` header.
Updates, LOAD, CLEAR, DROP and SERVICE are refused with 403 and a message.

>>> server = make_server(open_built(Path("build/nkgraph.nt")), port=0)   # doctest: +SKIP
>>> threading.Thread(target=server.serve_forever, daemon=True).start()  # doctest: +SKIP
>>> urllib.request.urlopen(f"http://127.0.0.1:{server.server_port}/sparql?query=ASK%7B%7D").read()  # doctest: +SKIP
b'{"head":{},"boolean":false}'
"""

from __future__ import annotations

import json
import re
import threading
import time
import urllib.parse
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from xml.sax.saxutils import escape as xml_escape

import pyoxigraph as ox

from nkgraph.errors import NkgraphError
from nkgraph.paths import QUERIES_DIR
from nkgraph.queries import bindings, find_query, list_queries
from nkgraph.store import open_built

__all__ = ["make_server", "refusal", "ServerConfig", "open_built"]

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
_UPDATE_WORDS = ("INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH")
_TOKENS = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\''
    r"|<[^<>\"{}|^`\\\s]*>|#[^\n]*|[?$][A-Za-z0-9_]+|[A-Za-z_][\w.-]*:[\w.:%-]*|[A-Za-z_]\w*|\S",
    re.S,
)


def keywords(query: str) -> list[str]:
    """The bare words of a query in upper case: no strings, IRIs, comments, variables or prefixed names.

    >>> keywords('SELECT ?load WHERE { ?s <http://x/LOAD> "CLEAR" } # DROP')
    ['SELECT', 'WHERE']
    """
    return [t.upper() for t in _TOKENS.findall(query) if re.fullmatch(r"[A-Za-z_]\w*", t)]


def refusal(query: str) -> str | None:
    """Why a query text is refused by this read-only endpoint, or None when it may run.

    >>> refusal("CLEAR ALL")
    'this endpoint is read-only: CLEAR is refused (SPARQL Update, LOAD, CLEAR, DROP are not accepted)'
    >>> refusal("SELECT * { SERVICE <http://example.org/sparql> { ?s ?p ?o } }")
    'federated queries are refused: SERVICE is not allowed on this endpoint'
    >>> refusal("SELECT * { ?s ?p ?o }") is None
    True
    """
    words = keywords(query)
    if "SERVICE" in words:
        return "federated queries are refused: SERVICE is not allowed on this endpoint"
    for word in words:
        if word in _UPDATE_WORDS:
            return f"this endpoint is read-only: {word} is refused (SPARQL Update, LOAD, CLEAR, DROP are not accepted)"
    return None


@dataclass
class ServerConfig:
    """Limits of the endpoint: seconds per query, rows (or triples) per result, queries at once."""

    timeout: float = 10.0
    max_results: int = 10_000
    max_running: int = 4
    queries_root: Path = QUERIES_DIR


class _Refused(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


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
    """SELECT results (``rows`` of pyoxigraph terms or None) in a SPARQL 1.1 results format."""
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
    """An ASK result in a SPARQL 1.1 results format."""
    if fmt == "xml":
        return f'<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#"><head/><boolean>{str(value).lower()}</boolean></sparql>\n'.encode()
    if fmt in ("csv", "tsv"):
        return (str(value).lower() + "\n").encode()
    return json.dumps({"head": {}, "boolean": value}).encode()


def negotiate(fmt: str | None, accept: str | None, graph_result: bool) -> str:
    """The result format from a ``format`` parameter or an ``Accept`` header (first acceptable type wins)."""
    table = GRAPH_TYPES if graph_result else SELECT_TYPES
    if fmt:
        key = {"ttl": "turtle", "nt": "ntriples", "json-ld": "jsonld", "n-triples": "ntriples"}.get(fmt.lower(), fmt.lower())
        if key in table:
            return key
        if fmt.lower() in _ACCEPT and _ACCEPT[fmt.lower()] in table:
            return _ACCEPT[fmt.lower()]
        raise _Refused(400, f"unknown format {fmt!r}: use one of {', '.join(table)}")
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


class Endpoint:
    """Runs queries on a store within the configured limits."""

    def __init__(self, store: ox.Store, config: ServerConfig) -> None:
        self.store = store
        self.config = config
        self.slots = threading.BoundedSemaphore(config.max_running)

    def _evaluate(self, text: str, substitutions: dict | None) -> tuple[str, object]:
        cap = self.config.max_results
        result = self.store.query(text, substitutions=substitutions or None)
        if isinstance(result, (bool, ox.QueryBoolean)):
            return "boolean", bool(result)
        if isinstance(result, ox.QuerySolutions):
            variables = [v.value for v in result.variables]
            rows = []
            for solution in result:
                if len(rows) >= cap:
                    raise _Refused(413, f"the result has more than {cap} rows: add a LIMIT (this endpoint caps results at {cap})")
                rows.append([solution[v] for v in variables])
            return "solutions", (variables, rows)
        triples = []
        for triple in result:
            if len(triples) >= cap:
                raise _Refused(413, f"the result has more than {cap} triples: add a LIMIT (this endpoint caps results at {cap})")
            triples.append(triple)
        return "triples", triples

    def run(self, text: str, substitutions: dict | None = None) -> tuple[str, object]:
        """Evaluate ``text``; raise :class:`_Refused` on refusal, syntax error, timeout or cap."""
        why = refusal(text)
        if why:
            raise _Refused(403, why)
        if not self.slots.acquire(timeout=self.config.timeout):
            raise _Refused(503, "too many queries are running: try again shortly")
        future: Future = Future()

        def work() -> None:
            try:
                future.set_result(self._evaluate(text, substitutions))
            except BaseException as err:  # noqa: BLE001 - handed to the waiting request below
                future.set_exception(err)
            finally:
                self.slots.release()

        # a daemon thread, not a pool worker: Oxigraph cannot cancel a query, and an abandoned runaway
        # query must not keep the process from exiting (pool workers are joined at exit)
        threading.Thread(target=work, name="sparql", daemon=True).start()
        try:
            return future.result(timeout=self.config.timeout)
        except FutureTimeout:
            raise _Refused(503, f"the query took longer than {self.config.timeout:g} s and was abandoned: make it more selective") from None
        except SyntaxError as err:
            raise _Refused(400, f"SPARQL syntax error: {err}") from None
        except OSError as err:
            raise _Refused(400, f"the query failed: {err}") from None


def _utf8(body: bytes) -> str:
    """A request body as text, or a 400 when it is not UTF-8.

    >>> _utf8(b"ASK {}")
    'ASK {}'
    """
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as err:
        raise _Refused(400, f"the request body is not UTF-8 (byte {err.start}): send the query as UTF-8") from None


def _handler(endpoint: Endpoint) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "nkgraph-sparql/1"
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
            if getattr(self.server, "verbose", False):
                super().log_message(format, *args)

        # -- plumbing ---------------------------------------------------------------------
        def _send(self, status: int, body: bytes, ctype: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Access-Control-Allow-Origin", "*")
            self.send_header("Access-Control-Expose-Headers", "Content-Type")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def _error(self, status: int, message: str) -> None:
            self._send(status, (message + "\n").encode("utf-8"), "text/plain; charset=utf-8")

        def _params(self) -> tuple[dict[str, list[str]], bytes, str]:
            url = urllib.parse.urlsplit(self.path)
            params = urllib.parse.parse_qs(url.query, keep_blank_values=True)
            body = b""
            ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
            if self.command == "POST":
                declared = (self.headers.get("Content-Length") or "0").strip()
                if not declared.isdigit():
                    self.close_connection = True  # the body's end is unknown: do not read on into it
                    raise _Refused(400, f"bad Content-Length {declared[:40]!r}: give the body's size in bytes")
                length = int(declared)
                if length > 1_000_000:
                    self.close_connection = True
                    raise _Refused(413, "request body too large")
                body = self.rfile.read(length)
                if ctype == "application/x-www-form-urlencoded":
                    for k, v in urllib.parse.parse_qs(_utf8(body), keep_blank_values=True).items():
                        params.setdefault(k, []).extend(v)
            return params, body, ctype

        def do_OPTIONS(self) -> None:  # noqa: N802 - stdlib naming
            self.send_response(HTTPStatus.NO_CONTENT)
            self.send_header("Access-Control-Allow-Origin", "*")
            self.send_header("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
            self.send_header("Access-Control-Allow-Headers", "Content-Type, Accept")
            self.send_header("Access-Control-Max-Age", "86400")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def do_GET(self) -> None:  # noqa: N802
            self._dispatch()

        def do_POST(self) -> None:  # noqa: N802
            self._dispatch()

        def do_PUT(self) -> None:  # noqa: N802
            self._error(405, "this endpoint is read-only: use 'nkgraph push' to load a graph into a store")

        do_DELETE = do_PATCH = do_PUT

        # -- routes -----------------------------------------------------------------------
        def _dispatch(self) -> None:
            path = urllib.parse.urlsplit(self.path).path.rstrip("/") or "/"
            try:
                params, body, ctype = self._params()
                if path == "/sparql":
                    self._sparql(params, body, ctype)
                elif path == "/queries":
                    self._library()
                elif path.startswith("/queries/"):
                    self._named(urllib.parse.unquote(path[len("/queries/") :]), params)
                elif path == "/":
                    self._send(200, json.dumps(_about(), indent=2).encode(), "application/json")
                else:
                    self._error(404, f"no such resource {path}: the endpoint is /sparql, the query library /queries")
            except _Refused as err:
                self._error(err.status, err.message)
            except NkgraphError as err:
                self._error(400, str(err))

        def _sparql(self, params: dict[str, list[str]], body: bytes, ctype: str) -> None:
            if "update" in params or ctype == "application/sparql-update":
                raise _Refused(403, "this endpoint is read-only: SPARQL Update is refused")
            if ctype == "application/sparql-query" and self.command == "POST":
                text = _utf8(body)
            elif params.get("query"):
                if len(params["query"]) > 1:
                    raise _Refused(400, "give exactly one query parameter")
                text = params["query"][0]
            else:
                raise _Refused(400, "no query: pass query=… (GET or form POST) or POST an application/sparql-query body")
            if params.get("default-graph-uri") or params.get("named-graph-uri"):
                raise _Refused(400, "this endpoint holds one graph: default-graph-uri and named-graph-uri are not supported")
            self._answer(text, None, params)

        def _library(self) -> None:
            specs = [
                {"name": s.name, "title": s.title, "description": s.description, "url": f"/queries/{s.name}",
                 "params": [{"name": p.name, "type": p.type, "required": p.required, "example": p.example} for p in s.params]}
                for s in list_queries(endpoint.config.queries_root)
            ]
            self._send(200, json.dumps(specs, indent=2, ensure_ascii=False).encode("utf-8"), "application/json")

        def _named(self, name: str, params: dict[str, list[str]]) -> None:
            if not re.fullmatch(r"[A-Za-z0-9_-]+(/[A-Za-z0-9_-]+)*", name):
                raise _Refused(404, f"no query named {name!r}")
            spec = find_query(name, endpoint.config.queries_root)
            given = {k: v[-1] for k, v in params.items() if k != "format"}
            self._answer(spec.text, bindings(spec, given), params)

        def _answer(self, text: str, subs: dict | None, params: dict[str, list[str]]) -> None:
            fmt = (params.get("format") or [None])[-1]
            accept = self.headers.get("Accept")
            kind, value = endpoint.run(text, subs)
            if kind == "triples":
                key = negotiate(fmt, accept, True)
                ctype, rdf_format = GRAPH_TYPES[key]
                body = ox.serialize(value, format=rdf_format) if value else b""
                self._send(200, body or b"", ctype + ("; charset=utf-8" if key == "turtle" else ""))
                return
            key = negotiate(fmt, accept, False)
            body = render_boolean(value, key) if kind == "boolean" else render_solutions(*value, key)
            self._send(200, body, SELECT_TYPES[key] + "; charset=utf-8")

    return Handler


def _about() -> dict:
    return {
        "service": "nkgraph SPARQL endpoint (read-only)",
        "sparql": "/sparql",
        "queries": "/queries",
        "formats": {"select": list(SELECT_TYPES), "construct": list(GRAPH_TYPES)},
    }


def make_server(store: ox.Store, host: str = "127.0.0.1", port: int = 7878, config: ServerConfig | None = None) -> ThreadingHTTPServer:
    """An HTTP server answering SPARQL on ``store`` (call ``serve_forever()``; ``port=0`` picks a free port)."""
    endpoint = Endpoint(store, config or ServerConfig())
    server = ThreadingHTTPServer((host, port), _handler(endpoint))
    server.daemon_threads = True
    server.endpoint = endpoint  # type: ignore[attr-defined]
    return server


def wait_until_up(url: str, seconds: float = 10.0) -> None:
    """Block until ``url`` answers (a helper for scripts and tests)."""
    import urllib.request

    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
