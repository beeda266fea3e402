"""Attribute conversions shared by the exports: lists to text and back, and the colours of kinds.

GraphML, GEXF, DOT and CSV take only str/int/float/bool attributes, so list attributes (claims,
citations, alternative names…) are joined with ``"; "`` and split again when read back.

>>> import networkx as nx
>>> g = nx.MultiDiGraph(); g.add_node("nkd:a", label="A", alt_labels=["B", "C"])
>>> flatten(g).nodes["nkd:a"]["alt_labels"]
'B; C'
>>> unflatten(flatten(g)).nodes["nkd:a"]["alt_labels"]
['B', 'C']
"""

from __future__ import annotations

import networkx as nx

from nkgraph.projection import EDGE_LISTS, NODE_LISTS

SEPARATOR = "; "

#: Fill colour and Graphviz shape of each node kind (shared by DOT, GEXF and the HTML view).
KIND_STYLE: dict[str, tuple[str, str]] = {
    "organization": ("#4e79a7", "box"),
    "agent": ("#9c755f", "box"),
    "facility": ("#f28e2b", "ellipse"),
    "place": ("#59a14f", "ellipse"),
    "country": ("#2f7d32", "doubleoctagon"),
    "deal": ("#b07aa1", "diamond"),
    "reference": ("#bab0ac", "note"),
    "claim": ("#e0e0e0", "plaintext"),
}


def _join(values: list[object], where: str) -> str:
    items = [str(v) for v in values]
    for item in items:
        if SEPARATOR in item:
            raise ValueError(f"{where}: list item {item!r} contains the separator {SEPARATOR!r}")
    return SEPARATOR.join(items)


def _flat(attrs: dict[str, object], where: str) -> dict[str, object]:
    return {k: _join(v, f"{where} {k}") if isinstance(v, list) else v for k, v in attrs.items() if v is not None}


def flatten(graph: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """A copy whose list attributes are ``"; "``-joined strings (same node and edge order)."""
    out = nx.MultiDiGraph()
    out.graph.update(_flat(dict(graph.graph), "graph"))
    for n, attrs in graph.nodes(data=True):
        out.add_node(n, **_flat(attrs, str(n)))
    for u, v, k, attrs in graph.edges(keys=True, data=True):
        out.add_edge(u, v, key=k, **_flat(attrs, f"{u}->{v}"))
    return out


def _split(attrs: dict[str, object], lists: frozenset[str]) -> dict[str, object]:
    return {k: (str(v).split(SEPARATOR) if k in lists and isinstance(v, str) else v) for k, v in attrs.items()}


def unflatten(graph: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """Undo :func:`flatten`: split the known list attributes (in place); returns the graph."""
    for n in graph.nodes:
        graph.nodes[n].update(_split(graph.nodes[n], NODE_LISTS))
    for u, v, k in graph.edges(keys=True):
        graph.edges[u, v, k].update(_split(graph.edges[u, v, k], EDGE_LISTS))
    return graph
