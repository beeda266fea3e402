"""Cytoscape.js JSON (``elements`` with ``data``), the format Cytoscape desktop also imports.

Lists stay lists (JSON has them). Edges carry ``source``, ``target`` and the projection's ``key``.

>>> import networkx as nx
>>> g = nx.MultiDiGraph(); _ = g.add_edge("nkd:a", "nkd:b", key="near", id="nkd:a|near|nkd:b")
>>> read(render(g)).edges["nkd:a", "nkd:b", "near"]["id"]
'nkd:a|near|nkd:b'
"""

from __future__ import annotations

import json

import networkx as nx


def elements(graph: nx.MultiDiGraph) -> dict[str, list[dict[str, object]]]:
    """The ``elements`` object: ``{"nodes": [{"data": …}], "edges": [{"data": …}]}``."""
    nodes = [{"data": {"id": n, **attrs}} for n, attrs in graph.nodes(data=True)]
    edges = [{"data": {**attrs, "id": attrs.get("id", f"{u}|{k}|{v}"), "source": u, "target": v, "key": k}} for u, v, k, attrs in graph.edges(keys=True, data=True)]
    return {"nodes": nodes, "edges": edges}


def render(graph: nx.MultiDiGraph) -> str:
    """The projection as Cytoscape.js JSON text."""
    doc = {"format_version": "1.0", "generated_by": "nkgraph", "target_cytoscapejs_version": "~3.2", "data": dict(graph.graph), "elements": elements(graph)}
    return json.dumps(doc, indent=1, ensure_ascii=False) + "\n"


def read(text: str) -> nx.MultiDiGraph:
    """Cytoscape.js JSON (as :func:`render` writes it) as a MultiDiGraph."""
    doc = json.loads(text)
    graph = nx.MultiDiGraph(**doc.get("data", {}))
    for node in doc["elements"]["nodes"]:
        data = dict(node["data"])
        graph.add_node(data.pop("id"), **data)
    for edge in doc["elements"]["edges"]:
        data = dict(edge["data"])
        u, v, k = data.pop("source"), data.pop("target"), data.pop("key")
        graph.add_edge(u, v, key=k, **data)
    return graph
