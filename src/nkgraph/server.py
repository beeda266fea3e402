"""A read-only SPARQL 1.1 Protocol endpoint over the built graph (``nkgraph serve``).

Oxigraph answers every query, in worker processes (:mod:`nkgraph.query_workers`) that can be killed
when a query overruns its timeout; this module only speaks HTTP (the standard library's
``ThreadingHTTPServer``): it refuses anything that is not a read-only query, hands the rest to the
workers' first-come, first-served queue, adds CORS headers so YASGUI and notebooks can call it,
exposes the query library by name, and drops clients too slow to send their request.

Routes::

    GET/POST /sparql            SPARQL 1.1 Protocol query (query=… form field, or application/sparql-query body)
    GET      /queries           the query library (JSON: name, title, parameters)
    GET/POST /queries/NAME      run a library query; ?param=value pairs are bound as substitutions
    GET      /                  a short description (JSON)

Results: SELECT/ASK as SPARQL JSON, XML, CSV or TSV; CONSTRUCT/DESCRIBE as Turtle, N-Triples or
JSON-LD — chosen by ``format=json|xml|csv|tsv|turtle|ntriples|jsonld`` or the ``Accept`` header
(:mod:`nkgraph.sparql_results`). Updates, LOAD, CLEAR, DROP and SERVICE are refused with 403.

Limits (:class:`ServerConfig`): a query runs at most ``timeout`` seconds on a worker; a request is
answered within ``deadline`` seconds of its arrival, its wait in the queue included, or gets a 503;
at most ``max_queue`` requests wait (more get 503 with ``Retry-After``); a client has
``client_timeout`` seconds to send each request.

>>> server = make_server(Path("build/nkgraph.nt"), port=0)                # doctest: +SKIP
>>> threading.Thread(target=server.serve_forever, daemon=True).start()  # doctest: +SKIP
>>> urllib.request.urlopen(f"http://127.0.0.1:{server.server_port}/sparql?query=ASK%7B%7D").read()  # doctest: +SKIP
b'{"head": {}, "boolean": true}'
>>> server.shutdown(); server.server_close()                             # doctest: +SKIP
"""

from __future__ import annotations

import io
import json
import re
import socket
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from nkgraph.errors import BuildMissing, NkgraphError
from nkgraph.paths import QUERIES_DIR
from nkgraph.queries import bindings, find_query, list_queries
from nkgraph.query_workers import WorkerPool, default_workers
from nkgraph.sparql_results import GRAPH_TYPES, SELECT_TYPES, Refused

__all__ = ["make_server", "refusal", "ServerConfig", "SparqlServer"]

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
    """Limits of the endpoint.

    ``timeout``: seconds a query may run on a worker (then the worker is killed);
    ``max_results``: rows (or triples) per answer; ``workers``: query processes;
    ``max_queue``: requests that may wait for a worker (more are turned away with 503);
    ``deadline``: seconds from a request's arrival to its answer, queue wait included
    (None: 30 s, or ``timeout`` when that is longer); ``client_timeout``: seconds a client has to
    send a request (and that an idle keep-alive connection stays open); ``in_memory``: workers load
    the graph into memory instead of opening the build's store read-only (faster; see
    :mod:`nkgraph.query_workers`).

    >>> ServerConfig(timeout=60).request_deadline
    60.0
    """

    timeout: float = 10.0
    max_results: int = 10_000
    workers: int = field(default_factory=default_workers)
    max_queue: int = 64
    deadline: float | None = None
    client_timeout: float = 20.0
    in_memory: bool = False
    queries_root: Path = QUERIES_DIR

    @property
    def request_deadline(self) -> float:
        """The overall seconds per request."""
        return float(self.deadline if self.deadline is not None else max(30.0, self.timeout))


class Endpoint:
    """Refuses what may not run and queues the rest on the worker pool, within the configured limits."""

    def __init__(self, pool: WorkerPool, config: ServerConfig) -> None:
        self.pool = pool
        self.config = config

    def run(self, text: str, substitutions: dict | None, fmt: str | None, accept: str | None) -> tuple[str, bytes]:
        """(Content-Type, body) of ``text``; raise :class:`Refused` on refusal, syntax error, timeout, cap or a full queue."""
        why = refusal(text)
        if why:
            raise Refused(403, why)
        deadline = time.monotonic() + self.config.request_deadline
        return self.pool.run((text, substitutions or None, fmt, accept), self.config.timeout, deadline)


def _utf8(body: bytes) -> str:
    """A request body as text, or a 400 when it is not UTF-8.

    >>> _utf8(b"ASK {}")
    'ASK {}'
    """
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as err:
        raise Refused(400, f"the request body is not UTF-8 (byte {err.start}): send the query as UTF-8") from None


class _DeadlineReader(io.RawIOBase):
    """A connection's input where no read ends later than ``handler.read_deadline``.

    A per-read socket timeout alone lets a client trickle one byte at a time forever; this bounds the
    time to send a whole request. Writes keep the handler's plain ``timeout``.
    """

    def __init__(self, sock: socket.socket, handler: BaseHTTPRequestHandler) -> None:
        super().__init__()
        self.sock = sock
        self.handler = handler

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:
        left = self.handler.read_deadline - time.monotonic()  # type: ignore[attr-defined]
        if left <= 0:
            raise TimeoutError("the client did not send its request in time")
        self.sock.settimeout(left)
        try:
            return self.sock.recv_into(buffer)
        finally:
            self.sock.settimeout(self.handler.timeout)


def _handler(endpoint: Endpoint) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "nkgraph-sparql/1"
        protocol_version = "HTTP/1.1"
        timeout = endpoint.config.client_timeout  # socket timeout of each write (reads: read_deadline)
        read_deadline = 0.0

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
            if getattr(self.server, "verbose", False):
                super().log_message(format, *args)

        # -- plumbing ---------------------------------------------------------------------
        def setup(self) -> None:
            super().setup()
            self.rfile.close()
            self.rfile = io.BufferedReader(_DeadlineReader(self.connection, self))

        def handle_one_request(self) -> None:
            # the client has client_timeout seconds to send the whole request (an idle keep-alive
            # connection is closed after as long)
            self.read_deadline = time.monotonic() + endpoint.config.client_timeout
            super().handle_one_request()

        def _send(self, status: int, body: bytes, ctype: str, headers: dict[str, str] | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Access-Control-Allow-Origin", "*")
            self.send_header("Access-Control-Expose-Headers", "Content-Type, Retry-After")
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def _error(self, status: int, message: str, retry_after: int | None = None) -> None:
            headers = {"Retry-After": str(retry_after)} if retry_after else None
            self._send(status, (message + "\n").encode("utf-8"), "text/plain; charset=utf-8", headers)

        def _params(self) -> tuple[dict[str, list[str]], bytes, str]:
            url = urllib.parse.urlsplit(self.path)
            params = urllib.parse.parse_qs(url.query, keep_blank_values=True)
            body = b""
            ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
            if self.command == "POST":
                declared = (self.headers.get("Content-Length") or "0").strip()
                if not declared.isdigit():
                    self.close_connection = True  # the body's end is unknown: do not read on into it
                    raise Refused(400, f"bad Content-Length {declared[:40]!r}: give the body's size in bytes")
                length = int(declared)
                if length > 1_000_000:
                    self.close_connection = True
                    raise Refused(413, "request body too large")
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
            except Refused as err:
                self._error(err.status, err.message, err.retry_after)
            except NkgraphError as err:
                self._error(400, str(err))

        def _sparql(self, params: dict[str, list[str]], body: bytes, ctype: str) -> None:
            if "update" in params or ctype == "application/sparql-update":
                raise Refused(403, "this endpoint is read-only: SPARQL Update is refused")
            if ctype == "application/sparql-query" and self.command == "POST":
                text = _utf8(body)
            elif params.get("query"):
                if len(params["query"]) > 1:
                    raise Refused(400, "give exactly one query parameter")
                text = params["query"][0]
            else:
                raise Refused(400, "no query: pass query=… (GET or form POST) or POST an application/sparql-query body")
            if params.get("default-graph-uri") or params.get("named-graph-uri"):
                raise Refused(400, "this endpoint holds one graph: default-graph-uri and named-graph-uri are not supported")
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
                raise Refused(404, f"no query named {name!r}")
            spec = find_query(name, endpoint.config.queries_root)
            given = {k: v[-1] for k, v in params.items() if k != "format"}
            self._answer(spec.text, bindings(spec, given), params)

        def _answer(self, text: str, subs: dict | None, params: dict[str, list[str]]) -> None:
            fmt = (params.get("format") or [None])[-1]
            ctype, body = endpoint.run(text, subs, fmt, self.headers.get("Accept"))
            self._send(200, body, ctype)

    return Handler


def _about() -> dict:
    return {
        "service": "nkgraph SPARQL endpoint (read-only)",
        "sparql": "/sparql",
        "queries": "/queries",
        "formats": {"select": list(SELECT_TYPES), "construct": list(GRAPH_TYPES)},
    }


class SparqlServer(ThreadingHTTPServer):
    """The HTTP server and its query workers; ``server_close()`` stops both."""

    daemon_threads = True
    request_queue_size = 128  # a burst of clients connecting at once is accepted, not dropped and retried

    pool: WorkerPool
    verbose = False

    def server_close(self) -> None:
        """Close the listening socket and kill the query workers."""
        super().server_close()
        if hasattr(self, "pool"):
            self.pool.close()


def make_server(graph_file: Path, host: str = "127.0.0.1", port: int = 7878, config: ServerConfig | None = None) -> SparqlServer:
    """An HTTP server answering SPARQL on the graph in ``graph_file`` (``OUT/nkgraph.nt``).

    Starts ``config.workers`` query processes, waits until they are ready, then listens; call
    ``serve_forever()``, then ``shutdown()`` and ``server_close()``. ``port=0`` picks a free port.
    Raises BuildMissing when there is no graph, NkgraphError when a worker cannot load it, OSError
    when the address is taken.
    """
    if not graph_file.exists():
        raise BuildMissing(f"no built graph at {graph_file}", path=graph_file, hint="run 'nkgraph build' first")
    config = config or ServerConfig()
    pool = WorkerPool(graph_file, config.workers, config.max_results, config.max_queue, config.in_memory)
    try:
        server = SparqlServer((host, port), _handler(Endpoint(pool, config)))
    except BaseException:
        pool.close()
        raise
    server.pool = pool
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
