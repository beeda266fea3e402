"""Writing the graph: canonical Turtle and sorted N-Triples, byte-identical across builds.

>>> from rdflib import Graph, URIRef, Literal
>>> g = Graph(); g.add((URIRef("https://w3id.org/nkgraph/id/b"), URIRef("https://w3id.org/nkgraph/ontology#x"), Literal("1")))
>>> ntriples(g)
'<https://w3id.org/nkgraph/id/b> <https://w3id.org/nkgraph/ontology#x> "1" .\\n'
"""

from __future__ import annotations

from rdflib import Graph

from nkgraph.namespace import PREFIXES


def bind_prefixes(graph: Graph) -> Graph:
    """Bind our standard prefixes (and only them) on ``graph``; returns it."""
    for prefix, ns in sorted(PREFIXES.items()):
        graph.bind(prefix, ns, override=True, replace=True)
    return graph


def turtle(graph: Graph) -> str:
    """Canonical, diff-friendly Turtle (rdflib's ``longturtle``: one predicate per line, sorted)."""
    out = Graph()
    out += graph
    bind_prefixes(out)
    return out.serialize(format="longturtle")


def ntriples(graph: Graph) -> str:
    """N-Triples with the lines sorted."""
    lines = sorted(line for line in graph.serialize(format="nt").splitlines() if line.strip())
    return "\n".join(lines) + "\n" if lines else ""
