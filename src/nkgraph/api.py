"""The Python API: build, load, validate and query the graph.

Each function imports what it needs when called, so that querying a built graph never loads
rdflib, pySHACL or the build pipeline (``nkgraph query`` starts in a fraction of a second).

>>> import nkgraph
>>> result = nkgraph.build()                       # writes build/nkgraph.ttl and .nt
>>> rows = nkgraph.query("references").rows        # a library query on the built graph
>>> sorted(r["citation"] for r in rows)[0]
'Asian Survey, 2006'
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Callable

from nkgraph.errors import BuildMissing
from nkgraph.paths import DEFAULT_OUT
from nkgraph.queries import QueryResult, QuerySpec, find_query, list_queries, require_graph, run_query
from nkgraph.store import open_built

if TYPE_CHECKING:
    from rdflib import Graph

    from nkgraph.pipeline import BuildResult
    from nkgraph.validation import Report

#: File names inside a build folder (the same as :data:`nkgraph.pipeline.GRAPH_TTL` / ``GRAPH_NT``).
GRAPH_TTL = "nkgraph.ttl"
GRAPH_NT = "nkgraph.nt"


def build(
    out_dir: Path | str = DEFAULT_OUT,
    *,
    progress: Callable[[str], None] | None = None,
    root: Path | str | None = None,
    use_cache: bool | None = None,
) -> BuildResult:
    """Build the graph from ``data/`` into ``out_dir`` (see :mod:`nkgraph.pipeline`); ``use_cache=False`` reuses nothing."""
    from nkgraph.pipeline import build as _build

    return _build(Path(out_dir), progress=progress, root=Path(root) if root else None, use_cache=use_cache)


def load(out_dir: Path | str = DEFAULT_OUT) -> Graph:
    """The built graph as an rdflib :class:`~rdflib.Graph` (from ``OUT/nkgraph.ttl``)."""
    path = Path(out_dir) / GRAPH_TTL
    if not path.exists():
        raise BuildMissing(f"no built graph at {path}", path=path, hint="run 'nkgraph build' first")
    from nkgraph.loading import read_turtle

    return read_turtle(path)


def validate(root: Path | str | None = None, engine: str = "fast") -> Report:
    """Compile the data and validate it against the shapes, writing nothing (``engine``: "fast" or "pyshacl")."""
    from nkgraph.compile import compile_graph
    from nkgraph.loading import load_sources
    from nkgraph.validation import validate_graph

    sources = load_sources(root=Path(root) if root else None)
    graph = compile_graph(sources)
    return validate_graph(graph, sources.shapes, sources.ontology, engine=engine)


def query(name: str, params: dict[str, str] | None = None, *, graph_file: Path | str | None = None) -> QueryResult:
    """Run library query ``name`` (or a ``.rq`` path) with string ``params`` on the built graph.

    ``OUT/nkgraph.nt`` is read from the persistent store the build wrote beside it when that store
    holds exactly its triples (opened read-only in milliseconds), else parsed into memory.
    """
    spec = find_query(name)
    store = open_built(require_graph(Path(graph_file) if graph_file else DEFAULT_OUT / GRAPH_NT))
    return run_query(spec, store, params)


def __getattr__(name: str) -> object:
    """``BuildResult`` and ``Report`` on first use (they live in modules that import rdflib)."""
    if name == "BuildResult":
        from nkgraph.pipeline import BuildResult

        return BuildResult
    if name == "Report":
        from nkgraph.validation import Report

        return Report
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["build", "load", "validate", "query", "list_queries", "QuerySpec", "QueryResult", "BuildResult", "Report"]
