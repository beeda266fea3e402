"""Push the build into two real SPARQL engines on loopback and run every library query there.

The engines are started and stopped by these tests (by PID), each with its own data folder:

* the Oxigraph server (PyPI ``oxigraph``): ``oxigraph serve --location DIR --bind 127.0.0.1:PORT``,
  Graph Store Protocol at ``/store``, queries at ``/query``;
* Virtuoso Open Source 7 (Debian ``virtuoso-opensource``): a private ``virtuoso.ini`` listening on
  127.0.0.1 only, Graph Store Protocol with Digest auth at ``/sparql-graph-crud-auth`` (dba/dba),
  queries at ``/sparql`` with ``default-graph-uri`` set to the pushed graph.

Every library query must give the same rows remotely as locally (compared as multisets, numbers
compared by value), its parameters bound remotely by the VALUES block of :mod:`nkgraph.push`.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.parse
import urllib.request
from collections import Counter
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pytest
from click.testing import CliRunner

from nkgraph.cli import main
import pyoxigraph as ox

from nkgraph.push import Auth, RemoteError, push, remote_query, with_values
from nkgraph.errors import QueryError
from nkgraph.queries import Param, QueryResult, list_queries, run_query, to_term

GRAPH = "https://w3id.org/nkgraph/graph"

#: Library queries whose answers differ on Virtuoso 7.2 (Debian bookworm) from Oxigraph's, measured
#: on 2026-11-27; each is an expected failure until the query is rewritten in SPARQL both read alike.
#: (Fixed by rewriting: trade-flows, entity, claim-provenance, projection/countries,
#: checks/production-change-vs-table1 and checks/table2-owners-vs-text — Virtuoso concatenates an
#: unbound variable as "", returns a transitive path once per route, writes a non-ASCII plain literal
#: joined into a string as "?", divides two integers as integers and lets a MINUS over a sub-select
#: remove rows it should keep; facilities-by-province, investment-by-country and
#: checks/facility-name-vs-province — Virtuoso loses rows when a query holds rdfs:subClassOf* beside
#: another path or a VALUES block, so they test the class one or two levels down, as the ontology
#: bounds it: see test_class_hierarchies_are_as_shallow_as_the_queries_assume; timeline — Virtuoso
#: leaves COALESCE/IF over unbound OPTIONAL values unbound (SR008 in SUBSTR), gives "" for a
#: GROUP_CONCAT over no values where Oxigraph leaves it unbound, and hangs on IF(?x != "", ?x,
#: ?unbound) or an ORDER BY over COALESCE(?unbound, ?x) beside the VALUES block, so the query binds
#: each date in its own UNION branch and groups by the date qualifier instead of concatenating it.)
#: (Also fixed: conflicts, deals and stakes run without their optional parameter — Virtuoso mis-joins
#: two OPTIONAL sub-selects that share a variable, refuses sameTerm over a never-bound variable inside
#: || or COALESCE, and keeps one organization's rows when two DISTINCT sub-selects are joined one
#: after the other to the role claims.) Keys are test ids: a query's name, or "NAME-no-params" for
#: its run without the optional parameters.
VIRTUOSO_DIFFERS: dict[str, str] = {}
#: Library queries Virtuoso did not answer within 120 s (not run; any other that takes more than
#: 10 s is skipped with that reason), by test id as above. The trace/ queries and timeline answer
#: within a second now.
VIRTUOSO_TOO_SLOW: set[str] = set()
SPECS = [s for s in list_queries() if all(p.example or not p.required for p in s.params)]
#: Every query with an optional parameter runs twice: with its example parameters, and with only the
#: required ones (the optional ones unbound, where a query's FILTERs and OPTIONALs read differently).
CASES = [pytest.param(s, True, id=s.name) for s in SPECS] + [
    pytest.param(s, False, id=f"{s.name}-no-params") for s in SPECS if any(not p.required for p in s.params)
]


def test_values_block_opens_the_where_group():
    # at the start of the outermost WHERE group, past braces in strings, IRIs and comments before it
    # (at the end of the group Virtuoso 7.2 mixes up a row of conflicts and crashes on production-vs-capacity)
    query = 'SELECT ?s # { not this\nWHERE { ?s ?p "}" . { ?s ?q ?o } FILTER (?o != <urn:x>) } ORDER BY ?s'
    text = with_values(query, {"s": ox.NamedNode("https://w3id.org/nkgraph/id/x")})
    assert text == query.replace('WHERE {', 'WHERE { VALUES (?s) { (<https://w3id.org/nkgraph/id/x>) }')


def test_values_block_never_carries_raw_text():
    hostile = 'x" } } ; DROP ALL ; SELECT * { "'
    text = with_values("SELECT ?n WHERE { ?s ?p ?n }", {"n": ox.Literal(hostile)})
    # the literal is one escaped N-Triples string: the query still has one WHERE group, closed once
    assert text == 'SELECT ?n WHERE { VALUES (?n) { ("x\\" } } ; DROP ALL ; SELECT * { \\"") } ?s ?p ?n }'
    assert ox.Store().query(text).variables == [ox.Variable("n")]
    # an IRI parameter that would close the IRI never becomes a term
    with pytest.raises(QueryError, match="must be of type iri"):
        to_term(Param("s", "iri", True, "", None), "urn:a> } DROP ALL {")


#: How many rdfs:subClassOf steps the library queries follow below each class, written out as joins
#: instead of rdfs:subClassOf* (Virtuoso 7.2 loses rows with that path beside nk:locatedIn+ or a
#: VALUES block): facilities-by-province and checks/facility-name-vs-province (nk:Facility),
#: investment-by-country (nk:Organization), timeline (nk:Event).
QUERY_CLASS_DEPTH = {"Facility": 1, "Organization": 2, "Event": 1}


def test_class_hierarchies_are_as_shallow_as_the_queries_assume(store):
    # a deeper subclass in the ontology would silently drop its instances from those queries
    sub_class_of = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#subClassOf")
    parents: dict[str, set[str]] = {}
    for quad in store.quads_for_pattern(None, sub_class_of, None):
        parents.setdefault(quad.subject.value, set()).add(quad.object.value)

    def depth_below(cls: str, root: str, seen: frozenset = frozenset()) -> int | None:
        """Longest chain of rdfs:subClassOf from cls up to root (None: not below root)."""
        if cls == root:
            return 0
        below = [depth_below(p, root, seen | {cls}) for p in parents.get(cls, ()) if p not in seen]
        below = [d for d in below if d is not None]
        return 1 + max(below) if below else None

    for name, depth in QUERY_CLASS_DEPTH.items():
        root = "https://w3id.org/nkgraph/ontology#" + name
        depths = {c: depth_below(c, root) for c in parents}
        assert any(d == 1 for d in depths.values()), f"nk:{name} has no subclasses: the test reads the wrong graph"
        deeper = sorted(c for c, d in depths.items() if d is not None and d > depth)
        assert deeper == [], f"classes more than {depth} level(s) below nk:{name}: update the queries that list them"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(url: str, proc: subprocess.Popen, seconds: float, log: Path) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"the server exited with {proc.returncode}: {log.read_text(errors='replace')[-2000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"the server did not answer {url} within {seconds} s: {log.read_text(errors='replace')[-2000:]}")


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


@pytest.fixture(scope="module")
def oxigraph_server(tmp_path_factory: pytest.TempPathFactory):
    """The Oxigraph server on a free loopback port: yields (store URL, query URL)."""
    exe = shutil.which("oxigraph")
    if exe is None:
        pytest.skip("the oxigraph server is not installed (pip install oxigraph; it is in the test extra)")
    folder = tmp_path_factory.mktemp("oxigraph")
    port = _free_port()
    log = folder / "server.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([exe, "serve", "--location", str(folder / "db"), "--bind", f"127.0.0.1:{port}"], stdout=out, stderr=subprocess.STDOUT)
    try:
        base = f"http://127.0.0.1:{port}"
        _wait(base + "/query?query=ASK%7B%7D", proc, 60, log)
        yield base + "/store", base + "/query"
    finally:
        _stop(proc)


_VIRTUOSO_INI = """[Database]
DatabaseFile = {d}/virtuoso.db
ErrorLogFile = {d}/virtuoso.log
LockFile = {d}/virtuoso.lck
TransactionFile = {d}/virtuoso.trx
xa_persistent_file = {d}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
MaxCheckpointRemap = 2000
Striping = 0
TempStorage = TempDatabase
[TempDatabase]
DatabaseFile = {d}/virtuoso-temp.db
TransactionFile = {d}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping = 0
[Parameters]
ServerPort = 127.0.0.1:{sql}
DisableUnixSocket = 1
CheckpointInterval = 60
NumberOfBuffers = 20000
MaxDirtyBuffers = 15000
DirsAllowed = ., {d}
[HTTPServer]
ServerPort = 127.0.0.1:{http}
ServerRoot = {d}/vsp
ServerThreads = 10
MaxKeepAlives = 10
KeepAliveTimeout = 10
Charset = UTF-8
[SPARQL]
ResultSetMaxRows = 100000
MaxQueryExecutionTime = 60
MaxQueryCostEstimationTime = 400
"""


@pytest.fixture(scope="module")
def virtuoso_server(tmp_path_factory: pytest.TempPathFactory):
    """A private Virtuoso on free loopback ports: yields (Graph Store URL, query URL)."""
    exe = shutil.which("virtuoso-t")
    if exe is None:
        pytest.skip("Virtuoso is not installed (Debian virtuoso-opensource; tests/setup-system.sh installs it)")
    folder = tmp_path_factory.mktemp("virtuoso")
    (folder / "vsp").mkdir()
    http = _free_port()
    ini = folder / "virtuoso.ini"
    ini.write_text(_VIRTUOSO_INI.format(d=folder, sql=_free_port(), http=http), encoding="utf-8")
    log = folder / "server.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([exe, "-f", "-c", str(ini)], cwd=folder, stdout=out, stderr=subprocess.STDOUT)
    try:
        base = f"http://127.0.0.1:{http}"
        _wait(base + "/sparql?query=ASK%7B%7D", proc, 120, log)
        yield base + "/sparql-graph-crud-auth", base + "/sparql?" + urllib.parse.urlencode({"default-graph-uri": GRAPH})
    finally:
        _stop(proc)


def _number(value: object) -> str | None:
    """Numbers by value; booleans as 1/0 (Virtuoso returns computed booleans as plain "1"/"0")."""
    if isinstance(value, bool):
        return "1" if value else "0"
    if value in ("true", "false"):
        return "1" if value == "true" else "0"
    if value is None:
        return None
    if isinstance(value, (int, float, Decimal)):
        return f"{float(value):.9g}"
    if isinstance(value, str):
        try:
            return f"{float(Decimal(value)):.9g}" if value.strip() and value.strip()[0] in "+-.0123456789" else None
        except InvalidOperation:
            return None
    return None


def _unordered(value: object) -> object:
    """GROUP_CONCAT's order is left to the engine (SPARQL 1.1, 18.5.1.7): compare its parts as a set."""
    if isinstance(value, str):
        for sep in ("; ", " | "):
            if sep in value:
                return sep.join(sorted(value.split(sep)))
    return value


def normalised(result: QueryResult) -> Counter:
    """The rows of a result as a multiset, numbers written alike whatever their XSD type."""
    if result.boolean is not None:
        return Counter([("boolean", result.boolean)])
    rows = []
    for row in result.rows:
        cells = []
        for col in sorted(result.columns):
            value = row.get(col)
            number = _number(value)
            cells.append((col, number if number is not None else _unordered(value)))
        rows.append(tuple(cells))
    return Counter(rows)


def _params(spec, optional: bool = True) -> dict[str, str]:
    """The example parameters of a query; only the required ones when ``optional`` is false."""
    return {p.name: p.example for p in spec.params if p.example and (optional or p.required)}


def test_each_query_with_an_optional_parameter_also_runs_without_it():
    # the stakes case with its example holder, and one with no parameter at all
    cases = {c.id: c.values for c in CASES}
    assert _params(cases["stakes"][0]) == {"holder": "nkd:luanhe-industrial-group"}
    assert cases["stakes-no-params"][1] is False and _params(cases["stakes-no-params"][0], False) == {}
    optional = {s.name for s in SPECS if any(not p.required for p in s.params)}
    assert {"conflicts", "deals", "stakes"} <= optional
    assert {i.removesuffix("-no-params") for i in cases if i.endswith("-no-params")} == optional


def _compare(spec, store, endpoint: str, timeout: float = 30, optional: bool = True) -> None:
    params = _params(spec, optional)
    local = run_query(spec, store, params)
    try:
        remote = remote_query(spec, endpoint, params, timeout=timeout)
    except RemoteError as err:
        if "timed out" in str(err):
            pytest.skip(f"{spec.name}: the engine did not answer within {timeout:g} s")
        raise
    assert sorted(remote.columns) == sorted(local.columns) or not local.rows
    want, got = normalised(local), normalised(remote)
    missing, extra = want - got, got - want
    assert not missing and not extra, f"{spec.name}: {sum(missing.values())} rows missing remotely, e.g. {list(missing)[:2]}; {sum(extra.values())} extra, e.g. {list(extra)[:2]}"


@pytest.fixture(scope="module")
def oxigraph_loaded(oxigraph_server, built):
    store_url, query_url = oxigraph_server
    result = CliRunner().invoke(main, ["push", "--endpoint", store_url, "--out", str(built.out_dir)])
    assert result.exit_code == 0, result.output
    return query_url


@pytest.fixture(scope="module")
def virtuoso_loaded(virtuoso_server, built):
    store_url, query_url = virtuoso_server
    result = CliRunner().invoke(main, ["push", "--endpoint", store_url, "--graph", GRAPH, "--user", "dba", "--password", "dba", "--out", str(built.out_dir)])
    assert result.exit_code == 0, result.output
    return query_url


@pytest.mark.parametrize("spec, optional", CASES)
def test_library_query_same_on_oxigraph_server(spec, optional, store, oxigraph_loaded):
    _compare(spec, store, oxigraph_loaded, optional=optional)


@pytest.mark.parametrize("spec, optional", CASES)
def test_library_query_same_on_virtuoso(spec, optional, store, virtuoso_loaded):
    case = spec.name if optional else f"{spec.name}-no-params"
    if case in VIRTUOSO_TOO_SLOW:
        pytest.skip("Virtuoso does not answer this query within 30 s (known; see VIRTUOSO_TOO_SLOW)")
    if case in VIRTUOSO_DIFFERS:
        pytest.xfail(VIRTUOSO_DIFFERS[case])
    _compare(spec, store, virtuoso_loaded, timeout=10, optional=optional)


def test_pushed_graph_has_every_triple(oxigraph_loaded, built):
    count = remote_query_count(oxigraph_loaded)
    assert count == built.counts["triples"]


def remote_query_count(endpoint: str) -> int:
    from nkgraph.push import sparql_select

    return int(sparql_select(endpoint, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").rows[0]["n"])


def test_query_command_runs_remotely_with_a_parameter(oxigraph_loaded):
    result = CliRunner().invoke(main, ["query", "--endpoint", oxigraph_loaded, "stakes", "-p", "holder", "nkd:luanhe-industrial-group", "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert "Hyesan Youth Copper Mine" in result.output


def test_push_with_wrong_password_is_refused(virtuoso_server, built):
    store_url, _ = virtuoso_server
    # Virtuoso answers 401, or (when it refuses the body of an unauthorized upload) closes the connection
    with pytest.raises(RemoteError, match="401|Connection reset by peer|Broken pipe"):
        push(built.out_dir / "nkgraph.nt", store_url, graph=GRAPH, auth=Auth("dba", "wrong"))


def test_push_to_nothing_says_so(built):
    result = CliRunner().invoke(main, ["push", "--endpoint", f"http://127.0.0.1:{_free_port()}/store", "--out", str(built.out_dir)])
    assert result.exit_code == 2
    assert "cannot reach" in result.output
