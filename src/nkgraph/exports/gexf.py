"""GEXF 1.2 (Gephi): ``render`` writes, ``read`` reads back.

Nodes carry a ``viz:color`` by kind, so Gephi opens the network coloured. networkx stamps a
``lastmodifieddate``; it is removed so that the same graph always gives the same file.

>>> import networkx as nx
>>> g = nx.MultiDiGraph(); g.add_node("nkd:a", label="A", kind="facility"); _ = g.add_edge("nkd:a", "nkd:a", key="k")
>>> "lastmodifieddate" in render(g), read(render(g)).nodes["nkd:a"]["kind"]
(False, 'facility')
"""

from __future__ import annotations

import io
import re

import networkx as nx

from nkgraph.exports.attributes import KIND_STYLE, flatten, unflatten


def _rgb(colour: str) -> dict[str, int | float]:
    return {"r": int(colour[1:3], 16), "g": int(colour[3:5], 16), "b": int(colour[5:7], 16), "a": 1.0}


def render(graph: nx.MultiDiGraph) -> str:
    """The projection as GEXF text."""
    flat = flatten(graph)
    for n, kind in flat.nodes(data="kind"):
        flat.nodes[n]["viz"] = {"color": _rgb(KIND_STYLE.get(str(kind), ("#888888", ""))[0])}
    buf = io.BytesIO()
    nx.write_gexf(flat, buf, encoding="utf-8", prettyprint=True)
    text = buf.getvalue().decode("utf-8")
    text = re.sub(r'\s+lastmodifieddate="[^"]*"', "", text, count=1)
    return re.sub(r"<creator>NetworkX [^<]*</creator>", "<creator>nkgraph</creator>", text, count=1)


def read(text: str) -> nx.MultiDiGraph:
    """A GEXF document as a MultiDiGraph with list attributes (the ``viz`` colours dropped)."""
    graph = nx.read_gexf(io.BytesIO(text.encode("utf-8")))
    multi = nx.MultiDiGraph(graph) if not graph.is_multigraph() else graph
    for n in multi.nodes:
        multi.nodes[n].pop("viz", None)
    return unflatten(multi)
