"""Graphviz DOT: ``render`` writes a styled digraph; ``read`` parses it back with Graphviz itself.

Nodes are coloured and shaped by kind; disputed edges are dashed red, stake and deal edges bold.
The data attributes (kind, type, country, iri; edge_key, rule, claims, citations, disputed) ride
along as attributes Graphviz ignores (``id`` becomes the SVG element id), so the file is also a
data file.

>>> import networkx as nx
>>> g = nx.MultiDiGraph(); g.add_node("nkd:a", label='Say "A"', kind="place"); g.add_node("nkd:b", label="B", kind="place")
>>> _ = g.add_edge("nkd:a", "nkd:b", key="near", label="near", disputed=False)
>>> print(render(g).splitlines()[5])
  "nkd:a" [label="Say \\"A\\"", kind="place", fillcolor="#59a14f", shape="ellipse", tooltip="place"];
"""

from __future__ import annotations

import json
import shutil
import subprocess

import networkx as nx

from nkgraph.exports.attributes import KIND_STYLE, flatten

NODE_DATA = ("label", "kind", "type", "country", "iri")
EDGE_DATA = ("edge_key", "id", "label", "rule", "disputed", "percentage", "value", "date", "status", "claims", "citations")
INVESTMENT_RULES = frozenset({"holds_stake", "deal", "party_to"})


def quote(value: object) -> str:
    """A DOT double-quoted string (``"`` and ``\\`` escaped, newlines as ``\\n``)."""
    if isinstance(value, bool):
        value = str(value).lower()
    text = str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{text}"'


def _attrs(pairs: list[tuple[str, object]]) -> str:
    return ", ".join(f"{k}={quote(v)}" for k, v in pairs if v is not None and v != "")


def render(graph: nx.MultiDiGraph) -> str:
    """The projection as DOT text."""
    flat = flatten(graph)
    lines = [
        "digraph nkgraph {",
        '  graph [rankdir="LR", overlap="false", splines="true", fontname="Helvetica", label="nkgraph projection" ];',
        '  node [style="filled", fontname="Helvetica", fontsize="10", fontcolor="#111111"];',
        '  edge [fontname="Helvetica", fontsize="8", color="#666666", fontcolor="#444444"];',
        "",
    ]
    for n, data in flat.nodes(data=True):
        colour, shape = KIND_STYLE.get(str(data.get("kind")), ("#dddddd", "ellipse"))
        tooltip = " · ".join(str(data[k]) for k in ("type", "country") if data.get(k)) or str(data.get("kind", ""))
        pairs = [(k, data.get(k)) for k in NODE_DATA] + [("fillcolor", colour), ("shape", shape), ("tooltip", tooltip)]
        lines.append(f"  {quote(n)} [{_attrs(pairs)}];")
    lines.append("")
    for u, v, k, data in flat.edges(keys=True, data=True):
        style = [("color", "#c0392b"), ("style", "dashed")] if data.get("disputed") else []
        if data.get("rule") in INVESTMENT_RULES:
            style.append(("penwidth", "2"))
        pairs = [("edge_key", k)] + [(name, data.get(name)) for name in EDGE_DATA[1:]] + style
        lines.append(f"  {quote(u)} -> {quote(v)} [{_attrs(pairs)}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def read(text: str, dot: str = "dot") -> nx.MultiDiGraph:
    """Parse DOT with Graphviz (``dot -Tjson0``) into a MultiDiGraph of string attributes.

    Only the data attributes (:data:`NODE_DATA`, :data:`EDGE_DATA`) are kept; edge keys come from
    the ``edge_key`` attribute (Graphviz keeps ``key`` for itself). Raises ``FileNotFoundError`` when Graphviz is not installed.
    """
    exe = shutil.which(dot)
    if exe is None:
        raise FileNotFoundError(f"Graphviz '{dot}' is not installed (Debian package graphviz)")
    proc = subprocess.run([exe, "-Tjson0"], input=text, capture_output=True, text=True, check=True)
    doc = json.loads(proc.stdout)
    objects = doc.get("objects", [])
    graph = nx.MultiDiGraph()
    for obj in objects:
        graph.add_node(obj["name"], **{k: obj[k] for k in NODE_DATA if k in obj})
    for edge in doc.get("edges", []):
        u, v = objects[edge["tail"]]["name"], objects[edge["head"]]["name"]
        graph.add_edge(u, v, key=edge.get("edge_key"), **{k: edge[k] for k in EDGE_DATA[1:] if k in edge})
    return graph
