"""RDF serializations of the built graph: Turtle, N-Triples, JSON-LD (with a ``@context``), RDF/XML.

Without filters the whole built graph (ontology included) is written. With filters, only what
the filtered projection shows: its entities, deal/stake nodes, the claims behind its edges and
nodes, the references they cite — each with the nodes named after it (``…_anchor``,
``…_citation-…``, ``…_object``) — and the ontology, so Protégé can name the classes.
Triples are added in sorted order, so output is byte-identical for the same graph.

>>> from rdflib import Graph, URIRef, Literal
>>> g = Graph(); _ = g.add((URIRef("https://w3id.org/nkgraph/id/a"), URIRef("http://www.w3.org/2000/01/rdf-schema#label"), Literal("A")))
>>> print(render(g, "ntriples"), end="")
<https://w3id.org/nkgraph/id/a> <http://www.w3.org/2000/01/rdf-schema#label> "A" .
"""

from __future__ import annotations

import json

import networkx as nx
from rdflib import Graph, URIRef

from nkgraph.namespace import NK, PREFIXES
from nkgraph.serialize import bind_prefixes, ntriples, turtle

#: Format name -> file suffix.
FORMATS = {"turtle": ".ttl", "ntriples": ".nt", "jsonld": ".jsonld", "rdfxml": ".rdf"}
ONTOLOGY = URIRef("https://w3id.org/nkgraph/ontology")


def expand(curie: str) -> str:
    """The IRI of a prefixed name (``nkd:x`` → ``https://w3id.org/nkgraph/id/x``)."""
    prefix, _, rest = curie.partition(":")
    return PREFIXES[prefix] + rest if prefix in PREFIXES and not rest.startswith("//") else curie


def seeds(projection: nx.MultiDiGraph) -> set[str]:
    """IRIs of everything the projection shows or stands on."""
    ids: set[str] = set()
    for n, data in projection.nodes(data=True):
        ids.add(n)
        ids.update(data.get("claims", []))
    for *_, data in projection.edges(data=True):
        ids.update(data.get("claims", []))
        ids.update(x for key in ("via", "deal") for x in str(data.get(key, "")).split("; ") if x)
    return {expand(i) for i in ids}


def select(graph: Graph, projection: nx.MultiDiGraph) -> Graph:
    """The part of ``graph`` that ``projection`` shows, with the references cited and the ontology."""
    iris = seeds(projection)
    cito = URIRef("http://purl.org/spar/cito/citesAsEvidence")
    iris |= {str(o) for s in list(iris) for o in graph.objects(URIRef(s), cito)}
    owned = tuple(sorted(i + "_" for i in iris))
    ns = str(NK)
    out = Graph()
    for s, p, o in graph:
        text = str(s)
        if text in iris or text.startswith(owned) or text.startswith(ns) or s == ONTOLOGY:
            out.add((s, p, o))
    return out


def _sorted(graph: Graph) -> Graph:
    out = bind_prefixes(Graph())
    for triple in sorted(graph, key=lambda t: (t[0].n3(), t[1].n3(), t[2].n3())):
        out.add(triple)
    return out


def context(graph: Graph) -> dict[str, str]:
    """The JSON-LD ``@context``: our prefixes that the graph uses."""
    used = {str(t) for triple in graph for t in triple if isinstance(t, URIRef)}
    return {p: ns for p, ns in sorted(PREFIXES.items()) if any(u.startswith(ns) for u in used)}


def render(graph: Graph, fmt: str) -> str:
    """``graph`` in one of :data:`FORMATS`."""
    if fmt == "turtle":
        return turtle(graph)
    if fmt == "ntriples":
        return ntriples(graph)
    canonical = _sorted(graph)
    if fmt == "jsonld":
        doc = json.loads(canonical.serialize(format="json-ld", context=context(graph), auto_compact=True))
        return json.dumps(doc, indent=1, ensure_ascii=False, sort_keys=True) + "\n"
    if fmt == "rdfxml":
        return canonical.serialize(format="pretty-xml")
    raise ValueError(f"unknown RDF format {fmt!r}")
