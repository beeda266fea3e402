"""``nkgraph serve`` and ``nkgraph push``: the built graph over HTTP, and into another engine.

Registered on the main command group in :mod:`nkgraph.cli`.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from nkgraph.cli_support import _err, handle_errors, out_option


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (loopback unless you mean otherwise).")
@click.option("--port", default=7878, show_default=True, type=click.IntRange(0, 65535), help="Port (0: any free port).")
@click.option("--timeout", default=10.0, show_default=True, type=click.FloatRange(0.1, 3600), help="Seconds a query may run.")
@click.option("--max-results", default=10_000, show_default=True, type=click.IntRange(1), help="Most rows (or triples) one answer may hold.")
@click.option("--verbose", "-v", is_flag=True, help="Log every request to stderr.")
@out_option
@handle_errors
def serve(host: str, port: int, timeout: float, max_results: int, verbose: bool, out_dir: Path) -> None:
    """Serve the built graph as a read-only SPARQL 1.1 endpoint at http://HOST:PORT/sparql.

    Results as SPARQL JSON, XML, CSV or TSV (CONSTRUCT/DESCRIBE as Turtle, N-Triples or JSON-LD),
    chosen by the Accept header or format=…; the query library at /queries and /queries/NAME?param=…;
    CORS enabled; updates, LOAD, CLEAR and SERVICE refused. Stop with Ctrl-C.

    \b
    Example:
      nkgraph serve --port 7878 &
      curl -H 'Accept: text/csv' 'http://127.0.0.1:7878/queries/stakes'
    """
    from nkgraph.server import ServerConfig, make_server
    from nkgraph.store import open_built

    store = open_built(out_dir / "nkgraph.nt")
    try:
        server = make_server(store, host, port, ServerConfig(timeout=timeout, max_results=max_results))
    except OSError as err:
        from nkgraph.errors import NkgraphError

        raise NkgraphError(f"cannot listen on {host}:{port}: {err.strerror}", hint="choose another --port (or 0 for any free port)") from None
    server.verbose = verbose  # type: ignore[attr-defined]
    _err(f"SPARQL endpoint: http://{host}:{server.server_port}/sparql  (query library: /queries; Ctrl-C stops)")
    sys.stderr.flush()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        _err("stopped")
    finally:
        server.server_close()


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
