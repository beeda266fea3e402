"""``nkgraph serve`` and ``nkgraph push``: the built graph over HTTP, and into another engine.

Registered on the main command group in :mod:`nkgraph.cli`.
"""

from __future__ import annotations

import signal
import sys
from pathlib import Path

import click

from nkgraph.cli_support import _err, handle_errors, out_option


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (loopback unless you mean otherwise).")
@click.option("--port", default=7878, show_default=True, type=click.IntRange(0, 65535), help="Port (0: any free port).")
@click.option("--timeout", default=10.0, show_default=True, type=click.FloatRange(0.1, 3600),
              help="Seconds a query may run on a worker; then the worker is killed and the client gets 503.")
@click.option("--deadline", default=None, type=click.FloatRange(0.1, 7200),
              help="Seconds from a request's arrival to its answer, waiting in the queue included; then 503.  [default: 30, or --timeout if longer]")
@click.option("--workers", default=None, type=click.IntRange(1, 64), help="Query worker processes.  [default: one per core, 2 to 8]")
@click.option("--queue", "max_queue", default=64, show_default=True, type=click.IntRange(0),
              help="Requests that may wait for a worker, first come first served; more get 503 with Retry-After.")
@click.option("--client-timeout", default=20.0, show_default=True, type=click.FloatRange(0.1, 3600),
              help="Seconds a client has to send its request; slower (or idle keep-alive) connections are closed.")
@click.option("--in-memory", is_flag=True,
              help="Each worker loads the graph into memory instead of opening OUT/store read-only: 2 to 4 times the "
                   "throughput, ~50 MB per worker; unordered rows and GROUP_CONCAT values may come in another "
                   "order than 'nkgraph query' gives.")
@click.option("--max-results", default=10_000, show_default=True, type=click.IntRange(1), help="Most rows (or triples) one answer may hold.")
@click.option("--verbose", "-v", is_flag=True, help="Log every request to stderr.")
@out_option
@handle_errors
def serve(host: str, port: int, timeout: float, deadline: float | None, workers: int | None, max_queue: int,
          client_timeout: float, in_memory: bool, max_results: int, verbose: bool, out_dir: Path) -> None:
    """Serve the built graph as a read-only SPARQL 1.1 endpoint at http://HOST:PORT/sparql.

    Results as SPARQL JSON, XML, CSV or TSV (CONSTRUCT/DESCRIBE as Turtle, N-Triples or JSON-LD),
    chosen by the Accept header or format=…; the query library at /queries and /queries/NAME?param=…;
    CORS enabled; updates, LOAD, CLEAR and SERVICE refused.

    Queries run in --workers processes, each with the build's store open read-only. Requests wait
    for a free worker in arrival order; a request is answered within --deadline seconds of its
    arrival (its wait included) or gets 503; a query that runs past --timeout has its worker killed
    and replaced. Stop with Ctrl-C or SIGTERM (the workers stop too).

    \b
    Example:
      nkgraph serve --port 7878 &
      curl -H 'Accept: text/csv' 'http://127.0.0.1:7878/queries/stakes'
      nkgraph serve --workers 4 --timeout 5 --deadline 20 --queue 100
    """
    from nkgraph.errors import NkgraphError
    from nkgraph.server import ServerConfig, make_server

    config = ServerConfig(timeout=timeout, max_results=max_results, max_queue=max_queue, deadline=deadline,
                          client_timeout=client_timeout, in_memory=in_memory)
    if workers:
        config.workers = workers
    try:
        server = make_server(out_dir / "nkgraph.nt", host, port, config)
    except OSError as err:
        raise NkgraphError(f"cannot listen on {host}:{port}: {err.strerror}", hint="choose another --port (or 0 for any free port)") from None
    server.verbose = verbose
    # SIGINT too: a server started in the background may have inherited SIGINT ignored
    previous = {sig: signal.signal(sig, _stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    _err(f"SPARQL endpoint: http://{host}:{server.server_port}/sparql  (query library: /queries; {config.workers} query workers; Ctrl-C stops)")
    sys.stderr.flush()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        _err("stopped")
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        server.server_close()  # kills the workers


def _stop(signum: int, frame: object) -> None:
    """SIGTERM or SIGINT: leave serve_forever() as Ctrl-C does, so the workers are stopped too."""
    raise KeyboardInterrupt


@click.command()
@click.option("--endpoint", required=True, help="Graph Store Protocol URL (Oxigraph: http://HOST:PORT/store; Virtuoso: http://HOST:PORT/sparql-graph-crud-auth).")
@click.option("--graph", "graph_iri", default=None, help="Named graph IRI to load into (default: the default graph).")
@click.option("--user", default=None, help="User name (HTTP Basic or Digest, as the server asks).")
@click.option("--password", default=None, help="Password (or set NKGRAPH_PASSWORD).", envvar="NKGRAPH_PASSWORD")
@click.option("--append", is_flag=True, help="POST (add to the graph) instead of PUT (replace it).")
@out_option
@handle_errors
def push(endpoint: str, graph_iri: str | None, user: str | None, password: str | None, append: bool, out_dir: Path) -> None:
    """Load the build (OUT/nkgraph.nt) into a SPARQL 1.1 Graph Store Protocol endpoint.

    PUT replaces the target graph (POST with --append adds to it). Then run library queries there
    with 'nkgraph query --endpoint URL NAME'.

    \b
    Example:
      nkgraph push --endpoint http://127.0.0.1:7878/store
      nkgraph push --endpoint http://127.0.0.1:8890/sparql-graph-crud-auth \\
          --graph https://w3id.org/nkgraph/graph --user dba --password dba
    """
    from nkgraph.errors import BuildMissing
    from nkgraph.push import Auth
    from nkgraph.push import push as do_push

    graph_file = out_dir / "nkgraph.nt"
    if not graph_file.exists():
        raise BuildMissing(f"no built graph at {graph_file}", path=graph_file, hint="run 'nkgraph build' first")
    auth = Auth(user, password or "") if user else None
    status = do_push(graph_file, endpoint, graph=graph_iri, replace=not append, auth=auth)
    _err(f"pushed {graph_file} to {endpoint} ({'default graph' if not graph_iri else graph_iri}): HTTP {status}")
