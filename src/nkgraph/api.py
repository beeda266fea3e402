"""The Python API: build, load, validate and query the graph.

>>> import nkgraph
>>> result = nkgraph.build()                       # writes build/nkgraph.ttl and .nt
>>> rows = nkgraph.query("references").rows        # a library query on the built graph
>>> sorted(r["citation"] for r in rows)[0]
'Asian Survey, 2006'
"""

from __future__ import annotations

from pathlib import Path

from rdflib import Graph

from nkgraph.pipeline import GRAPH_NT, GRAPH_TTL, BuildResult, Progress
from nkgraph.pipeline import build as _build
from nkgraph.compile import compile_graph
from nkgraph.errors import BuildMissing
from nkgraph.loading import load_sources, read_turtle
from nkgraph.paths import DEFAULT_OUT
from nkgraph.queries import QueryResult, QuerySpec, find_query, list_queries, open_store, run_query
from nkgraph.validation import Report, validate_graph


def build(
    out_dir: Path | str = DEFAULT_OUT,
    *,
    progress: Progress | None = None,
    root: Path | str | None = None,
    use_cache: bool | None = None,
) -> BuildResult:
    """Build the graph from ``data/`` into ``out_dir`` (see :mod:`nkgraph.pipeline`); ``use_cache=False`` reuses nothing."""
    return _build(Path(out_dir), progress=progress, root=Path(root) if root else None, use_cache=use_cache)


def load(out_dir: Path | str = DEFAULT_OUT) -> Graph:
    """The built graph as an rdflib :class:`~rdflib.Graph` (from ``OUT/nkgraph.ttl``)."""
    path = Path(out_dir) / GRAPH_TTL
    if not path.exists():
        raise BuildMissing(f"no built graph at {path}", path=path, hint="run 'nkgraph build' first")
    return read_turtle(path)


def validate(root: Path | str | None = None) -> Report:
    """Compile the data and validate it against the shapes, writing nothing."""
    sources = load_sources(root=Path(root) if root else None)
    graph = compile_graph(sources)
    return validate_graph(graph, sources.shapes, sources.ontology)


def query(name: str, params: dict[str, str] | None = None, *, graph_file: Path | str | None = None) -> QueryResult:
    """Run library query ``name`` (or a ``.rq`` path) with string ``params`` on the built graph."""
    spec = find_query(name)
    store = open_store(Path(graph_file) if graph_file else DEFAULT_OUT / GRAPH_NT)
    return run_query(spec, store, params)


__all__ = ["build", "load", "validate", "query", "list_queries", "QuerySpec", "QueryResult", "BuildResult", "Report"]
