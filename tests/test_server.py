"""``nkgraph serve``: the SPARQL 1.1 Protocol endpoint, started on a free loopback port in a thread
(its query workers are processes), and the workers' first-come, first-served queue."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from nkgraph.query_workers import WorkerPool
from nkgraph.server import ServerConfig, make_server, refusal
from nkgraph.sparql_results import Refused


@contextmanager
def running(built, config: ServerConfig) -> Iterator[str]:
    """The endpoint over the built graph, serving in a thread on a free loopback port: its base URL."""
    server = make_server(built.out_dir / "nkgraph.nt", "127.0.0.1", 0, config)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


@pytest.fixture(scope="module")
def endpoint(built):
    with running(built, ServerConfig(timeout=20, max_results=50_000)) as base:
        yield base


def fetch(url: str, *, data: bytes | None = None, headers: dict | None = None, method: str | None = None):
    request = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(request, timeout=30) as resp:
            return resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.headers, err.read()


COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


def test_get_select_as_sparql_json(endpoint, built):
    status, headers, body = fetch(f"{endpoint}/sparql?" + urllib.parse.urlencode({"query": COUNT}))
    assert status == 200 and headers["Content-Type"].startswith("application/sparql-results+json")
    assert int(json.loads(body)["results"]["bindings"][0]["n"]["value"]) == built.counts["triples"]
    assert headers["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize("accept, ctype, start", [
    ("application/sparql-results+xml", "application/sparql-results+xml", b"<?xml"),
    ("text/csv", "text/csv", b"n\r\n"),
    ("text/tab-separated-values", "text/tab-separated-values", b"?n\n"),
])
def test_post_form_select_in_each_format(endpoint, accept, ctype, start):
    status, headers, body = fetch(f"{endpoint}/sparql", data=urllib.parse.urlencode({"query": COUNT}).encode(), headers={"Accept": accept, "Content-Type": "application/x-www-form-urlencoded"})
    assert status == 200 and headers["Content-Type"].startswith(ctype)
    assert body.startswith(start)


def test_post_sparql_query_body_and_format_parameter(endpoint):
    status, headers, body = fetch(f"{endpoint}/sparql?format=csv", data=COUNT.encode(), headers={"Content-Type": "application/sparql-query"})
    assert status == 200 and body.startswith(b"n\r\n")


def test_ask(endpoint):
    status, _, body = fetch(f"{endpoint}/sparql?" + urllib.parse.urlencode({"query": "ASK { ?s a <https://w3id.org/nkgraph/ontology#Claim> }"}))
    assert status == 200 and json.loads(body)["boolean"] is True


@pytest.mark.parametrize("accept, ctype", [("text/turtle", "text/turtle"), ("application/ld+json", "application/ld+json"), ("application/n-triples", "application/n-triples")])
def test_construct_as_turtle_and_json_ld(endpoint, accept, ctype):
    query = "CONSTRUCT { ?s ?p ?o } WHERE { ?s a <https://w3id.org/nkgraph/ontology#Reference> ; ?p ?o }"
    status, headers, body = fetch(f"{endpoint}/sparql?" + urllib.parse.urlencode({"query": query}), headers={"Accept": accept})
    assert status == 200 and headers["Content-Type"].startswith(ctype)
    from rdflib import Graph

    fmt = {"text/turtle": "turtle", "application/ld+json": "json-ld", "application/n-triples": "nt"}[accept]
    assert len(Graph().parse(data=body.decode("utf-8"), format=fmt)) > 100


def test_describe(endpoint):
    query = "DESCRIBE <https://w3id.org/nkgraph/id/hyesan-youth-copper-mine>"
    status, _, body = fetch(f"{endpoint}/sparql?" + urllib.parse.urlencode({"query": query}), headers={"Accept": "text/turtle"})
    assert status == 200 and b"Hyesan" in body


@pytest.mark.parametrize("query", ["CLEAR ALL", "INSERT DATA { <a:b> <a:c> <a:d> }", "LOAD <http://example.org/x.ttl>", "DROP GRAPH <a:g>"])
def test_updates_are_refused(endpoint, query):
    status, _, body = fetch(f"{endpoint}/sparql", data=urllib.parse.urlencode({"query": query}).encode(), headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 403 and b"read-only" in body
    status, _, body = fetch(f"{endpoint}/sparql", data=urllib.parse.urlencode({"update": query}).encode(), headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 403 and b"read-only" in body


def test_service_is_refused(endpoint):
    query = "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"
    status, _, body = fetch(f"{endpoint}/sparql?" + urllib.parse.urlencode({"query": query}))
    assert status == 403 and b"SERVICE" in body


def test_words_inside_strings_and_iris_are_not_refused():
    assert refusal('SELECT * WHERE { ?s ?p "please CLEAR ALL and LOAD" . ?s <http://x/service> ?load }') is None


def test_syntax_error_is_a_400(endpoint):
    status, _, body = fetch(f"{endpoint}/sparql?" + urllib.parse.urlencode({"query": "SELECT WHERE {"}))
    assert status == 400 and b"syntax" in body.lower()


def test_result_cap(built):
    with running(built, ServerConfig(max_results=10)) as base:
        status, _, body = fetch(f"{base}/sparql?" + urllib.parse.urlencode({"query": "SELECT * WHERE { ?s ?p ?o }"}))
        assert status == 413 and b"LIMIT" in body


def test_timeout(built):
    with running(built, ServerConfig(timeout=0.2, max_results=10**9)) as base:
        slow = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?p ?b . ?c ?q ?d . ?e ?r ?f }"
        status, _, body = fetch(f"{base}/sparql?" + urllib.parse.urlencode({"query": slow}))
        assert status == 503 and b"longer than" in body


def test_cors_preflight(endpoint):
    status, headers, _ = fetch(f"{endpoint}/sparql", method="OPTIONS", headers={"Origin": "http://yasgui.example", "Access-Control-Request-Method": "POST"})
    assert status == 204
    assert headers["Access-Control-Allow-Origin"] == "*" and "POST" in headers["Access-Control-Allow-Methods"]


def test_library_listing_and_named_query_with_a_parameter(endpoint):
    status, _, body = fetch(f"{endpoint}/queries")
    names = {q["name"] for q in json.loads(body)}
    assert status == 200 and {"stakes", "references"} <= names
    status, headers, body = fetch(f"{endpoint}/queries/stakes?holder=nkd:luanhe-industrial-group&format=csv")
    assert status == 200 and b"Hyesan Youth Copper Mine" in body


def test_named_query_with_a_bad_parameter_is_a_400(endpoint):
    status, _, body = fetch(f"{endpoint}/queries/stakes?holder=not%20an%20iri")
    assert status == 400 and b"holder" in body


def test_unknown_query_is_a_404_or_400(endpoint):
    status, _, _ = fetch(f"{endpoint}/queries/..%2F..%2Fetc%2Fpasswd")
    assert status in (400, 404)


def test_put_is_refused(endpoint):
    status, _, _ = fetch(f"{endpoint}/sparql", data=b"x", method="PUT")
    assert status == 405


def test_serve_binds_to_loopback_by_default():
    from click.testing import CliRunner

    from nkgraph.cli import main

    result = CliRunner().invoke(main, ["serve", "--help"])
    assert result.exit_code == 0 and "127.0.0.1" in result.output


def test_help_documents_the_limits_and_keeps_an_example():
    from click.testing import CliRunner

    from nkgraph.cli import main

    result = CliRunner().invoke(main, ["serve", "--help"])
    assert result.exit_code == 0 and "Example:" in result.output
    for option in ("--workers", "--queue", "--deadline", "--client-timeout", "--timeout", "--in-memory"):
        assert option in result.output


LOAD_QUERIES = [
    "/queries/stakes?holder=nkd:luanhe-industrial-group&format=csv",
    "/queries/references",
    "/sparql?" + urllib.parse.urlencode({"query": COUNT}),
    "/sparql?" + urllib.parse.urlencode({"query": "SELECT ?s ?label WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?label } ORDER BY ?label LIMIT 50", "format": "xml"}),
    "/sparql?" + urllib.parse.urlencode({"query": "CONSTRUCT { ?s ?p ?o } WHERE { ?s a <https://w3id.org/nkgraph/ontology#Reference> ; ?p ?o }", "format": "ntriples"}),
    "/sparql?" + urllib.parse.urlencode({"query": "ASK { ?s a <https://w3id.org/nkgraph/ontology#Claim> }"}),
]


def test_eight_clients_at_once_all_get_the_right_answer(built):
    """A small load test: 8 clients for 3 s on 2 workers (most requests wait in the queue). Every
    answer must be a 200 equal to the answer the same URL got alone, before the load."""
    with running(built, ServerConfig(workers=2, timeout=30, deadline=120)) as base:
        expected = {path: fetch(base + path) for path in LOAD_QUERIES}
        assert all(status == 200 for status, _, _ in expected.values())
        seen: list[tuple[str, int, bytes]] = []
        until = time.monotonic() + 3

        def client(offset: int) -> None:
            i = offset
            while time.monotonic() < until:
                path = LOAD_QUERIES[i % len(LOAD_QUERIES)]
                status, _, body = fetch(base + path)
                seen.append((path, status, body))
                i += 1

        clients = [threading.Thread(target=client, args=(n,)) for n in range(8)]
        for c in clients:
            c.start()
        for c in clients:
            c.join(300)
        assert len(seen) >= 8
        wrong = [(path, status) for path, status, body in seen if status != 200 or body != expected[path][2]]
        assert wrong == []


def test_waiting_requests_are_served_first_come_first_served(built):
    """One worker, held by the test while five requests queue up one after another; released, it
    must go to them in the order they arrived (recorded as each request receives the worker, before
    it runs, so the next handover cannot overtake the record)."""
    served: list[str] = []

    class Recording(WorkerPool):
        def _acquire(self, deadline: float):
            worker = super()._acquire(deadline)
            served.append(threading.current_thread().name)
            return worker

    pool = Recording(built.out_dir / "nkgraph.nt", size=1, max_results=100, max_queue=10)
    try:
        held = pool._acquire(time.monotonic() + 60)
        threads = []
        for n in range(5):
            threads.append(threading.Thread(target=pool.run, args=(("ASK {}", None, None, None), 30, time.monotonic() + 120), name=f"request-{n}"))
            threads[-1].start()
            deadline = time.monotonic() + 30
            while len(pool._queue) < n + 1:  # this request is in the queue before the next one starts
                assert time.monotonic() < deadline
                time.sleep(0.01)
        pool._release(held)
        for t in threads:
            t.join(60)
        assert served[1:] == [f"request-{n}" for n in range(5)]
    finally:
        pool.close()


def test_a_full_queue_is_refused_at_once_with_retry_after(built):
    pool = WorkerPool(built.out_dir / "nkgraph.nt", size=1, max_results=100, max_queue=0)
    try:
        held = pool._acquire(time.monotonic() + 60)
        with pytest.raises(Refused) as refused:
            pool.run(("ASK {}", None, None, None), timeout=30, deadline=time.monotonic() + 120)
        assert refused.value.status == 503 and refused.value.retry_after and "busy" in refused.value.message
        pool._release(held)
        assert pool.run(("ASK {}", None, "csv", None), timeout=30, deadline=time.monotonic() + 120) == ("text/csv; charset=utf-8", b"true\n")
    finally:
        pool.close()


def test_closing_the_pool_kills_its_workers(built):
    pool = WorkerPool(built.out_dir / "nkgraph.nt", size=2, max_results=100, max_queue=10)
    workers = list(pool._all)
    assert len(workers) == 2 and all(w.proc.poll() is None for w in workers)
    pool.close()
    assert all(w.proc.poll() is not None for w in workers) and pool.pids() == []
