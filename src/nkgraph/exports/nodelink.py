"""Node-link JSON (networkx ``node_link_data``, D3 and many web tools): ``render`` and ``read``.

>>> import networkx as nx
>>> g = nx.MultiDiGraph(); _ = g.add_edge("nkd:a", "nkd:b", key="near", claims=["nkd:c"])
>>> read(render(g)).edges["nkd:a", "nkd:b", "near"]["claims"]
['nkd:c']
"""

from __future__ import annotations

import json

import networkx as nx


def render(graph: nx.MultiDiGraph) -> str:
    """The projection as node-link JSON text (``nodes``, ``edges`` with ``key``)."""
    return json.dumps(nx.node_link_data(graph, edges="edges"), indent=1, ensure_ascii=False) + "\n"


def read(text: str) -> nx.MultiDiGraph:
    """Node-link JSON as a MultiDiGraph."""
    return nx.node_link_graph(json.loads(text), edges="edges")
