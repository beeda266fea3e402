"""``nkgraph serve`` under attack: refused writes and federation, no file reads or outbound calls,
runaway queries stopped (their worker process killed), results capped, malformed HTTP survived,
slow clients dropped, a full queue refused with Retry-After, workers stopped with the server,
loopback by default.

The server runs as a real ``nkgraph serve`` process on a free port of 127.0.0.1
(:func:`nkgraph.serve_process.start_serve`), with a 2-second query timeout and a 1,000-row cap; its
stderr is kept (the server logs each worker it kills) and its worker processes are found through /proc. Outbound attempts are watched by a listener on an unused
127.0.0.1 port that every "remote" IRI in these tests points at.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from nkgraph.serve_process import ServeProcess
from nkgraph.serve_process import start_serve as start_process
from nkgraph.server import refusal

TIMEOUT = 2.0
MAX_RESULTS = 1000
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
SPARQL_BODY = {"Content-Type": "application/sparql-query"}
OK_QUERY = "SELECT (COUNT(*) AS ?n) WHERE { ?s a <https://w3id.org/nkgraph/ontology#Claim> }"
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?p ?b . ?c ?q ?d . ?e ?r ?f }"


# -- fixtures ----------------------------------------------------------------------------------------


def start_serve(build: Path, *extra: str) -> ServeProcess:
    """``nkgraph serve`` on 127.0.0.1, any free port, with this module's timeout and cap (``extra`` may override them)."""
    return start_process(build, "--timeout", str(TIMEOUT), "--max-results", str(MAX_RESULTS), *extra)


@pytest.fixture(scope="module")
def server(built) -> Iterator[str]:
    """A shared ``nkgraph serve`` for the cheap attacks."""
    with start_serve(built.out_dir) as proc:
        yield proc.url


@pytest.fixture()
def fresh_server(built) -> Iterator[str]:
    """A ``nkgraph serve`` of its own, for attacks that leave work burning (runaway queries)."""
    with start_serve(built.out_dir) as proc:
        yield proc.url


def _stat(pid: int) -> list[str] | None:
    """The fields of /proc/PID/stat after the command name (state first), or None when there is no such process."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None


def worker_pids(proc: ServeProcess) -> list[int]:
    """The PIDs of the server's child processes (its query workers), from /proc."""
    kids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (fields := _stat(int(entry.name))) and int(fields[1]) == proc.pid:
            kids.append(int(entry.name))
    return sorted(kids)


def worker_cpu(proc: ServeProcess) -> float:
    """CPU seconds (user + system) the server's workers have used so far."""
    ticks = os.sysconf("SC_CLK_TCK")
    return sum((int(f[11]) + int(f[12])) / ticks for pid in worker_pids(proc) if (f := _stat(pid)))


def alive(pid: int) -> bool:
    """Whether process ``pid`` exists and is not a zombie (a zombie has stopped running for good)."""
    fields = _stat(pid)
    return fields is not None and fields[0] != "Z"


def wait_for(condition, seconds: float = 30.0) -> None:
    """Poll ``condition`` until it holds; fail the test after ``seconds``."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


class Background(threading.Thread):
    """``call()`` run in a daemon thread; :meth:`result` is what it returned (or raises what it raised)."""

    def __init__(self, call: Callable[[], Any]) -> None:
        super().__init__(daemon=True)
        self.call = call
        self.outcome: Any = None
        self.error: BaseException | None = None
        self.start()

    def run(self) -> None:
        try:
            self.outcome = self.call()
        except BaseException as err:  # noqa: BLE001 - handed to whoever asks for the result
            self.error = err

    def result(self, seconds: float = 60.0) -> Any:
        """Wait up to ``seconds`` for the call; fail the test if it is still running."""
        self.join(seconds)
        assert not self.is_alive(), f"no answer in {seconds:g} s"
        if self.error is not None:
            raise self.error
        return self.outcome


def start_runaway(proc: ServeProcess) -> Background:
    """Send RUNAWAY to ``proc`` in the background; return once a worker is burning CPU on it."""
    runaway = Background(lambda: ask(proc.url, RUNAWAY, "get"))
    wait_for(lambda: worker_cpu(proc) >= 0.2)
    return runaway


def count_of(body: bytes) -> int:
    """The ``?n`` of a one-row SPARQL JSON answer."""
    return int(json.loads(body)["results"]["bindings"][0]["n"]["value"])


@pytest.fixture(scope="module")
def claims(built) -> int:
    """How many claims the built graph holds, counted by rdflib (not by the server's Oxigraph)."""
    from rdflib import Graph, URIRef
    from rdflib.namespace import RDF

    graph = Graph().parse(built.out_dir / "nkgraph.nt", format="nt")
    return len(set(graph.subjects(RDF.type, URIRef("https://w3id.org/nkgraph/ontology#Claim"))))


class Tripwire:
    """A listener on an unused 127.0.0.1 port that records every connection made to it."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.hits = 0
        self.running = True
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while self.running:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.hits += 1
            conn.close()

    def close(self) -> None:
        """Stop listening."""
        self.running = False
        self.thread.join(2)
        self.sock.close()


@pytest.fixture()
def tripwire() -> Iterator[Tripwire]:
    """A listener that fails nothing by itself: tests assert ``hits == 0``."""
    wire = Tripwire()
    try:
        yield wire
    finally:
        wire.close()


def fetch(url: str, *, data: bytes | None = None, headers: dict | None = None, method: str | None = None, timeout: float = 30) -> tuple[int, bytes]:
    """Status and body of one request (HTTP errors are answers too)."""
    request = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


def fetch_with_headers(url: str, timeout: float = 60) -> tuple[int, dict, bytes]:
    """Status, headers and body of one GET (HTTP errors are answers too)."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read()


def ask(base: str, query: str, how: str) -> tuple[int, bytes]:
    """Send ``query`` to /sparql by GET, form POST or application/sparql-query POST."""
    if how == "get":
        return fetch(f"{base}/sparql?" + urllib.parse.urlencode({"query": query}))
    if how == "form":
        return fetch(f"{base}/sparql", data=urllib.parse.urlencode({"query": query}).encode(), headers=FORM)
    return fetch(f"{base}/sparql", data=query.encode(), headers=SPARQL_BODY)


HOW = ["get", "form", "body"]


def each_query_each_way(table: dict[str, str]) -> Callable[[Callable], Callable]:
    """Parametrize a test by ``query``, each of ``table``'s (named by its key), and ``how``, each of HOW."""
    def parametrize(test: Callable) -> Callable:
        return pytest.mark.parametrize("how", HOW)(pytest.mark.parametrize("query", list(table.values()), ids=list(table))(test))
    return parametrize


def ask_past(tripwire: "Tripwire", base: str, query: str, how: str) -> tuple[int, bytes]:
    """``ask`` with ``{port}`` in ``query`` set to the tripwire's port; then give any outbound
    connection 0.1 s to reach the tripwire before the test counts its hits."""
    answer = ask(base, query.replace("{port}", str(tripwire.port)), how)
    time.sleep(0.1)
    return answer


# -- writes and federation are refused -------------------------------------------------------------------

WRITES = {
    "update": "DELETE WHERE { ?s ?p ?o }",
    "modify": "DELETE { ?s ?p ?o } INSERT { ?s ?p 1 } WHERE { ?s ?p ?o }",
    "load": "LOAD <http://example.org/x.ttl>",
    "load-file": "LOAD <file:///etc/passwd>",
    "clear": "CLEAR ALL",
    "drop": "DROP GRAPH <http://example.org/g>",
    "insert-data": "INSERT DATA { <http://a/b> <http://a/c> <http://a/d> }",
    "create": "CREATE GRAPH <http://example.org/g>",
    "copy": "COPY DEFAULT TO <http://example.org/g>",
    "lowercase": "clear all",
    "mixed-case": "InSeRt DaTa { <http://a/b> <http://a/c> 1 }",
    "after-comment": "# just a comment\nDrOp\tALL",
    "glued-iri": "LOAD<file:///etc/passwd>",
    "after-prologue": "PREFIX ex: <http://example.org/>\nINSERT DATA { ex:a ex:b ex:c }",
    "after-a-query": "SELECT * WHERE { ?s ?p ?o } ; CLEAR DEFAULT",
    "with": "WITH <http://example.org/g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
}


@each_query_each_way(WRITES)
def test_writes_are_refused_with_a_clear_message(server, query, how):
    status, body = ask(server, query, how)
    assert status == 403 and b"read-only" in body


@pytest.mark.parametrize("how", ["get", "form"])
def test_update_parameter_is_refused(server, how):
    data = urllib.parse.urlencode({"update": "INSERT DATA { <http://a/b> <http://a/c> 1 }"})
    status, body = fetch(f"{server}/sparql?{data}") if how == "get" else fetch(f"{server}/sparql", data=data.encode(), headers=FORM)
    assert status == 403 and b"read-only" in body


def test_sparql_update_body_is_refused(server):
    status, body = fetch(f"{server}/sparql", data=b"CLEAR ALL", headers={"Content-Type": "application/sparql-update"})
    assert status == 403 and b"read-only" in body


FEDERATED = {
    "service": "SELECT * WHERE { SERVICE <http://127.0.0.1:{port}/sparql> { ?s ?p ?o } }",
    "service-silent": "SELECT * WHERE { SERVICE SILENT <http://127.0.0.1:{port}/sparql> { ?s ?p ?o } }",
    "lowercase": "select * where { service <http://127.0.0.1:{port}/sparql> { ?s ?p ?o } }",
    "variable-endpoint": "SELECT * WHERE { BIND(<http://127.0.0.1:{port}/> AS ?e) SERVICE ?e { ?s ?p ?o } }",
    "nested": "SELECT * WHERE { ?x ?y ?z OPTIONAL { SeRvIcE <http://127.0.0.1:{port}/s> { ?x ?q ?r } } } LIMIT 1",
}


@each_query_each_way(FEDERATED)
def test_federated_queries_are_refused_and_nothing_connects(server, tripwire, query, how):
    status, body = ask_past(tripwire, server, query, how)
    assert status == 403 and b"federated queries are refused" in body
    assert tripwire.hits == 0


HARMLESS = {
    "words-in-strings": 'SELECT ?s WHERE { ?s ?p ?o FILTER(?o = "CLEAR ALL; LOAD <x>; SERVICE") } LIMIT 5',
    "words-in-long-string": "SELECT ?s WHERE { ?s ?p ?o FILTER(?o != '''DROP\nALL\nINSERT DATA''') } LIMIT 5",
    "words-in-comments": "# DELETE everything, then LOAD and SERVICE\nSELECT ?s WHERE { ?s ?p ?o } # CLEAR ALL\nLIMIT 5",
    "words-as-variables": "SELECT ?load ?drop ?service WHERE { ?load ?drop ?service } LIMIT 5",
    "words-as-dollar-variables": "SELECT $insert $delete WHERE { $insert ?p $delete } LIMIT 5",
    "words-in-iris": "SELECT ?s WHERE { ?s <http://example.org/ns#LOAD> ?o . ?s ?p <http://x/SERVICE/CLEAR> } LIMIT 5",
    "words-as-prefixes": "PREFIX load: <http://example.org/>\nPREFIX service: <http://example.org/s#>\nSELECT ?s WHERE { ?s load:drop service:clear } LIMIT 5",
    "words-as-local-names": "PREFIX ex: <http://example.org/>\nSELECT ?s WHERE { ?s ex:insert ex:SERVICE } LIMIT 5",
    "words-as-blank-node-labels": "SELECT ?s WHERE { _:load ?p ?o . ?s ?p ?o } LIMIT 5",
    "words-as-language-tag-value": 'SELECT ?s WHERE { ?s ?p "copy"@en } LIMIT 5',
}


@each_query_each_way(HARMLESS)
def test_keywords_in_strings_comments_and_names_are_not_refused(server, query, how):
    status, body = ask(server, query, how)
    assert status == 200, body


# -- no local files, no other hosts ----------------------------------------------------------------------

READS = {
    "from-file": "SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o } LIMIT 5",
    "from-named-file": "SELECT * FROM NAMED <file:///etc/passwd> WHERE { GRAPH ?g { ?s ?p ?o } } LIMIT 5",
    "from-remote": "SELECT * FROM <http://127.0.0.1:{port}/x> WHERE { ?s ?p ?o } LIMIT 5",
    "from-named-remote": "SELECT * FROM NAMED <http://127.0.0.1:{port}/x> WHERE { GRAPH <http://127.0.0.1:{port}/x> { ?s ?p ?o } } LIMIT 5",
    "graph-file": "SELECT * WHERE { GRAPH <file:///etc/passwd> { ?s ?p ?o } } LIMIT 5",
    "describe-remote": "DESCRIBE <http://127.0.0.1:{port}/thing>",
    "construct-from-file": "CONSTRUCT { ?s ?p ?o } FROM <file:///etc/passwd> WHERE { ?s ?p ?o } LIMIT 5",
    "iri-function": "SELECT (IRI(\"file:///etc/passwd\") AS ?x) (STR(<file:///etc/passwd>) AS ?y) WHERE {}",
}


@each_query_each_way(READS)
def test_file_and_remote_reads_are_harmless(server, tripwire, query, how):
    status, body = ask_past(tripwire, server, query, how)
    assert status in (200, 400, 403)
    assert b"root:" not in body and b"/bin/" not in body  # nothing of /etc/passwd
    assert tripwire.hits == 0


@pytest.mark.parametrize("param", ["default-graph-uri", "named-graph-uri"])
def test_dataset_parameters_pointing_at_files_or_hosts_are_refused(server, tripwire, param):
    for target in ("file:///etc/passwd", f"http://127.0.0.1:{tripwire.port}/g"):
        status, body = fetch(f"{server}/sparql?" + urllib.parse.urlencode({"query": OK_QUERY, param: target}))
        assert status == 400 and b"not supported" in body
    assert tripwire.hits == 0


@pytest.mark.parametrize("path", ["/queries/..%2F..%2F..%2Fetc%2Fpasswd", "/queries/../../etc/passwd", "/queries/%2e%2e/%2e%2e/etc/passwd",
                                  "/queries//etc/passwd", "/..%2F..%2Fetc%2Fpasswd", "/queries/checks/..%2F..%2F..%2Fpyproject"])
def test_library_paths_cannot_reach_files(server, path):
    status, body = fetch(server + path)
    assert status in (400, 404) and b"root:" not in body and b"[project]" not in body


# -- runaway queries, oversized results --------------------------------------------------------------------


def test_runaway_query_is_stopped_and_the_server_keeps_answering(fresh_server):
    started = time.monotonic()
    status, body = ask(fresh_server, RUNAWAY, "get")
    assert status == 503 and b"longer than 2 s" in body
    assert time.monotonic() - started < TIMEOUT + 5
    status, body = ask(fresh_server, OK_QUERY, "get")
    assert status == 200 and b'"n"' in body


def test_as_many_runaways_as_slots_leave_the_server_answering(built, claims):
    """Twice as many runaways as workers: each is stopped (its worker killed), the queued ones get
    their turn, and the server still answers; the old in-thread runs kept every slot until restart."""
    with start_serve(built.out_dir, "--workers", "2") as proc:
        runaways = [Background(lambda: ask(proc.url, RUNAWAY, "get")) for _ in range(4)]
        answers = [r.result() for r in runaways]
        assert len(answers) == 4 and all(status == 503 and b"longer than 2 s" in body for status, body in answers), answers
        status, body = ask(proc.url, OK_QUERY, "get")
        assert status == 200 and count_of(body) == claims


def test_the_worker_that_ran_a_runaway_is_gone_and_a_new_one_answers(built, claims):
    with start_serve(built.out_dir, "--workers", "1") as proc:
        (first,) = worker_pids(proc)
        status, body = ask(proc.url, RUNAWAY, "get")
        assert status == 503 and b"longer than 2 s" in body
        killed = [int(m.group(1)) for line in list(proc.log) if (m := re.search(r"killed worker (\d+)", line))]
        assert killed == [first]
        assert not alive(first)
        # the single worker was killed: this answer can only come from its replacement
        status, body = ask(proc.url, OK_QUERY, "get")
        assert status == 200 and count_of(body) == claims
        (second,) = worker_pids(proc)
        assert second != first and alive(second)


def test_a_full_queue_is_refused_with_retry_after_and_the_queued_query_runs(built):
    """One worker busy with a runaway, one place in the queue, two more requests: whichever comes
    second is refused at once, the other waits its turn and gets its answer."""
    with start_serve(built.out_dir, "--workers", "1", "--queue", "1") as proc:
        runaway = start_runaway(proc)
        url = f"{proc.url}/sparql?" + urllib.parse.urlencode({"query": OK_QUERY})
        others = [Background(lambda: fetch_with_headers(url)) for _ in range(2)]
        answers = [o.result() for o in others]
        (refused,) = [a for a in answers if a[0] == 503]
        (served,) = [a for a in answers if a[0] == 200]
        assert b"queue" in refused[2] and b"is full" in refused[2] and int(refused[1]["Retry-After"]) >= 1
        assert b'"n"' in served[2]
        status, body = runaway.result()
        assert status == 503 and b"longer than" in body


def test_the_wait_in_the_queue_counts_toward_the_deadline(built):
    with start_serve(built.out_dir, "--workers", "1", "--timeout", "5", "--deadline", "1") as proc:
        runaway = start_runaway(proc)
        # queued behind a runaway that holds the only worker until the runaway's own deadline, and
        # its replacement needs more than the rest of this request's second to load the graph
        status, headers, body = fetch_with_headers(f"{proc.url}/sparql?" + urllib.parse.urlencode({"query": OK_QUERY}))
        assert status == 503 and b"deadline" in body and int(headers["Retry-After"]) >= 1
        status, body = runaway.result()
        assert status == 503 and b"deadline" in body


@pytest.mark.parametrize("query", [
    "SELECT * WHERE { ?s ?p ?o }",
    "SELECT * WHERE { ?a ?p ?b . ?c ?q ?d }",
    "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }",
])
def test_oversized_results_are_refused_with_413(server, query):
    status, body = ask(server, query, "get")
    assert status == 413 and f"caps results at {MAX_RESULTS}".encode() in body and b"LIMIT" in body


def test_results_within_the_cap_are_whole(server):
    status, body = fetch(f"{server}/sparql?format=csv&" + urllib.parse.urlencode({"query": f"SELECT ?s WHERE {{ ?s ?p ?o }} LIMIT {MAX_RESULTS}"}))
    assert status == 200 and body.count(b"\r\n") == MAX_RESULTS + 1


# -- malformed HTTP -------------------------------------------------------------------------------------

MALFORMED: dict[str, bytes] = {
    "garbage-bytes": bytes(range(256)) * 4 + b"\r\n\r\n",
    "nul-request-line": b"\x00\x00\x00\r\n\r\n",
    "no-version": b"GET /sparql\r\n\r\n",
    "bad-version": b"GET /sparql HTTP/9.9\r\n\r\n",
    "too-many-words": b"GET /sparql HTTP/1.1 extra words\r\n\r\n",
    "huge-request-line": b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\n\r\n",
    "huge-header": b"GET /sparql HTTP/1.1\r\nX-Big: " + b"b" * 70_000 + b"\r\n\r\n",
    "too-many-headers": b"GET /sparql HTTP/1.1\r\n" + b"".join(b"X-%d: 1\r\n" % i for i in range(200)) + b"\r\n",
    "header-without-colon": b"GET /sparql HTTP/1.1\r\nno colon here\r\n\r\n",
    "content-length-not-a-number": b"POST /sparql HTTP/1.1\r\nContent-Type: application/sparql-query\r\nContent-Length: abc\r\n\r\nASK {}",
    "content-length-negative": b"POST /sparql HTTP/1.1\r\nContent-Type: application/sparql-query\r\nContent-Length: -5\r\n\r\nASK {}",
    "content-length-huge": b"POST /sparql HTTP/1.1\r\nContent-Type: application/sparql-query\r\nContent-Length: 99999999999\r\n\r\nASK {}",
    "short-body": b"POST /sparql HTTP/1.1\r\nContent-Type: application/sparql-query\r\nContent-Length: 500\r\n\r\nASK {}",
    "bad-percent-encoding": b"GET /sparql?query=%ZZ%%%G1%ff%fe HTTP/1.1\r\n\r\n",
    "bad-utf8-form-body": b"POST /sparql HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 10\r\n\r\nquery=\xff\xfe\xfd\xfc",
    "bad-utf8-sparql-body": b"POST /sparql HTTP/1.1\r\nContent-Type: application/sparql-query\r\nContent-Length: 4\r\n\r\n\xff\xfe\xfd\xfc",
    "wrong-method": b"BREW /sparql HTTP/1.1\r\n\r\n",
    "trace": b"TRACE /sparql HTTP/1.1\r\n\r\n",
    "connect": b"CONNECT 127.0.0.1:22 HTTP/1.1\r\n\r\n",
    "head": b"HEAD /sparql HTTP/1.1\r\n\r\n",
    "delete": b"DELETE /sparql HTTP/1.1\r\n\r\n",
    "absolute-uri-elsewhere": b"GET http://127.0.0.1:1/etc/passwd HTTP/1.1\r\n\r\n",
    "bad-accept": b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nAccept: ;;;q=abc,*/*;q=\r\n\r\n",
    "bad-format": b"GET /sparql?query=ASK%7B%7D&format=%00 HTTP/1.1\r\n\r\n",
}


def send_raw(base: str, payload: bytes, timeout: float = 5.0) -> bytes:
    """Send raw bytes to the server, close our side, and return whatever it answers."""
    host, port = urllib.parse.urlsplit(base).hostname, urllib.parse.urlsplit(base).port
    with socket.create_connection((host, port), timeout=timeout) as sock:
        try:
            sock.sendall(payload)
            sock.shutdown(socket.SHUT_WR)
        except OSError:  # the server may hang up on us first (e.g. a huge request line)
            pass
        chunks = []
        try:
            while chunk := sock.recv(65536):
                chunks.append(chunk)
        except OSError:
            pass
    return b"".join(chunks)


def status_of(answer: bytes) -> int | None:
    """The status of a raw answer: from its status line, or from the stdlib's error page when the
    request was read as HTTP/0.9 (no status line); None when the server sent nothing."""
    match = re.match(rb"HTTP/1\.[01] ([1-5]\d\d) ", answer) or re.search(rb"Error code: ([1-5]\d\d)", answer)
    return int(match.group(1)) if match else None


REFUSED = {"garbage-bytes", "nul-request-line", "bad-version", "too-many-words", "huge-request-line", "huge-header", "too-many-headers",
           "content-length-not-a-number", "content-length-negative", "content-length-huge", "bad-utf8-form-body", "bad-utf8-sparql-body",
           "wrong-method", "trace", "connect", "delete", "bad-format"}


@pytest.mark.parametrize("name", MALFORMED)
def test_malformed_request_gets_an_http_answer(server, name):
    answer = send_raw(server, MALFORMED[name])
    status = status_of(answer)
    assert status is not None or (name == "no-version" and answer), answer[:200]  # HTTP/0.9: a body, no status line
    if name in REFUSED:
        assert 400 <= status < 600, answer[:200]
    assert b"root:" not in answer


def test_a_thousand_malformed_requests_leave_the_server_answering(server):
    payloads = list(MALFORMED.values())
    for i in range(1000):
        send_raw(server, payloads[i % len(payloads)])
    status, body = ask(server, OK_QUERY, "get")
    assert status == 200 and b'"n"' in body


# -- slow clients ---------------------------------------------------------------------------------------

HALF_REQUEST = b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: 127.0.0.1\r\n"  # no blank line: the headers never end


def closed_within(sock: socket.socket, seconds: float) -> bool:
    """Whether the server closes ``sock`` within ``seconds`` (whatever it sends first is read and ignored)."""
    sock.settimeout(seconds)
    try:
        while sock.recv(65536):
            pass
    except TimeoutError:
        return False
    except OSError:
        pass  # reset by the server: closed too
    return True


@pytest.fixture()
def impatient_server(built) -> Iterator[str]:
    """A ``nkgraph serve`` that gives clients 1 s to send a request."""
    with start_serve(built.out_dir, "--client-timeout", "1") as proc:
        yield proc.url


def test_half_sent_requests_are_dropped_and_others_answered(impatient_server):
    base = impatient_server
    port = urllib.parse.urlsplit(base).port
    slow = [socket.create_connection(("127.0.0.1", port)) for _ in range(20)]
    try:
        for sock in slow:
            sock.sendall(HALF_REQUEST)
        status, body = ask(base, OK_QUERY, "get")  # answered while 20 half requests hang
        assert status == 200 and b'"n"' in body
        assert all(closed_within(sock, 10) for sock in slow)
    finally:
        for sock in slow:
            sock.close()


def test_a_request_trickled_byte_by_byte_is_dropped(impatient_server):
    """Each byte arrives well within any per-read timeout; the whole request never does."""
    with socket.create_connection(("127.0.0.1", urllib.parse.urlsplit(impatient_server).port)) as sock:
        sent = 0
        for byte in HALF_REQUEST * 20:
            try:
                sock.sendall(bytes([byte]))
            except OSError:
                break  # the server hung up
            sent += 1
            time.sleep(0.05)
            if closed_within(sock, 0.001):
                break
        assert sent < len(HALF_REQUEST) * 20  # dropped before the trickle ended (it would take 60 s)
        assert closed_within(sock, 10)


def test_idle_keep_alive_connection_is_closed_after_an_answer(impatient_server):
    with socket.create_connection(("127.0.0.1", urllib.parse.urlsplit(impatient_server).port)) as sock:
        sock.sendall(b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        sock.settimeout(30)
        first = sock.recv(65536)
        assert first.startswith(b"HTTP/1.1 200")
        assert closed_within(sock, 10)


# -- stopping -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_stopping_the_server_stops_every_worker(built, sig):
    with start_serve(built.out_dir, "--workers", "2") as proc:
        workers = worker_pids(proc)
        assert len(workers) == 2 and all(alive(pid) for pid in workers)
        start_runaway(proc)  # one worker busy with a runaway, the other idle (its answer, or a hang-up, is not awaited)
        os.kill(proc.pid, sig)
        assert proc.wait(20) == 0
    wait_for(lambda: not any(alive(pid) for pid in workers), 10)


# -- loopback by default ------------------------------------------------------------------------------------


def test_default_bind_is_loopback():
    import nkgraph.cli  # noqa: F401 - registers the commands (commands_serve imports cli)
    from nkgraph.commands_serve import serve
    from nkgraph.server import make_server

    host = next(p for p in serve.params if p.name == "host")
    assert host.default == "127.0.0.1"
    assert make_server.__defaults__[0] == "127.0.0.1"


def test_refusal_is_pure_text_analysis():
    assert refusal("select * { ?s ?p ?o }") is None
    assert "SERVICE" in (refusal("select * { service <http://x/> {} }") or "")
