"""GraphML (yEd, Cytoscape desktop, Gephi): ``render`` writes, ``read`` reads back.

Edge ids are the projection's edge keys; list attributes are ``"; "``-joined.

>>> import networkx as nx
>>> g = nx.MultiDiGraph(); _ = g.add_edge("nkd:a", "nkd:b", key="located_in", claims=["nkd:claim-x"])
>>> read(render(g)).edges["nkd:a", "nkd:b", "located_in"]["claims"]
['nkd:claim-x']
"""

from __future__ import annotations

import io

import networkx as nx

from nkgraph.exports.attributes import flatten, unflatten


def render(graph: nx.MultiDiGraph) -> str:
    """The projection as GraphML text."""
    buf = io.BytesIO()
    nx.write_graphml_xml(flatten(graph), buf, encoding="utf-8", prettyprint=True)
    return buf.getvalue().decode("utf-8")


def read(text: str) -> nx.MultiDiGraph:
    """A GraphML document (as written by :func:`render`) as a MultiDiGraph with list attributes."""
    graph = nx.read_graphml(io.BytesIO(text.encode("utf-8")), force_multigraph=True)
    return unflatten(graph)
