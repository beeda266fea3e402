"""Deterministic names for the blank nodes authors write.

A blank node hanging from one subject gets an IRI derived from that subject and the
property, so rebuilding gives the same IRIs and byte-identical output:
``nkd:claim-x`` ``nk:citation [ cito:hasCitedEntity nkd:ref-daily-nk-2007 ]`` becomes
``nkd:claim-x_citation-ref-daily-nk-2007``; hops become ``…_hop-1-<agent>``; a quantity object
becomes ``…_object``.

>>> from rdflib import Graph
>>> g = Graph().parse(data='''@prefix nk: <https://w3id.org/nkgraph/ontology#> .
... <https://w3id.org/nkgraph/id/c> nk:attribution [ nk:position 1 ; nk:agent <https://w3id.org/nkgraph/id/ap> ] .''', format="turtle")
>>> sorted(str(o) for o in skolemize(g).objects())[0]
'1'
>>> [str(s) for s in skolemize(g).subjects(unique=True) if "_" in str(s)]
['https://w3id.org/nkgraph/id/c_attribution-hop-1-ap']
"""

from __future__ import annotations

import hashlib
from collections import defaultdict

from rdflib import BNode, Graph, Literal, URIRef
from nkgraph.namespace import CITO

from nkgraph.namespace import NK


def _local(iri: URIRef) -> str:
    text = str(iri)
    for sep in ("#", "/"):
        if sep in text:
            text = text.rsplit(sep, 1)[1]
    return text


def _digest(graph: Graph, node: BNode, seen: frozenset = frozenset()) -> str:
    parts = []
    for p, o in graph.predicate_objects(node):
        if isinstance(o, BNode):
            o_repr = "_:" + (_digest(graph, o, seen | {node}) if o not in seen else "cycle")
        else:
            o_repr = o.n3()
        parts.append(f"{p.n3()} {o_repr}")
    return hashlib.sha1("\n".join(sorted(parts)).encode("utf-8")).hexdigest()[:10]


def _key(graph: Graph, prop: URIRef, node: BNode) -> str:
    if prop == NK.citation:
        cited = graph.value(node, CITO.hasCitedEntity)
        if isinstance(cited, URIRef):
            return "citation-" + _local(cited)
    if prop == NK.attribution:
        pos = graph.value(node, NK.position)
        agent = graph.value(node, NK.agent)
        if pos is not None and isinstance(agent, URIRef):
            return f"attribution-hop-{pos}-{_local(agent)}"
    return _local(prop)


def skolemize(graph: Graph) -> Graph:
    """A copy of ``graph`` in which every blank node has a deterministic IRI."""
    parents: dict[BNode, list[tuple[object, URIRef]]] = defaultdict(list)
    for s, p, o in graph:
        if isinstance(o, BNode):
            parents[o].append((s, p))
    names: dict[BNode, URIRef] = {}

    def name(node: BNode, stack: frozenset = frozenset()) -> URIRef:
        if node in names:
            return names[node]
        owners = parents.get(node, [])
        if len(owners) == 1 and owners[0][0] not in stack:
            owner, prop = owners[0]
            base = name(owner, stack | {node}) if isinstance(owner, BNode) else owner
            iri = URIRef(f"{base}_{_key(graph, prop, node)}")
        else:
            iri = URIRef(f"https://w3id.org/nkgraph/id/.well-known/genid/{_digest(graph, node)}")
        names[node] = iri
        return iri

    # disambiguate siblings that would get the same name
    out = Graph()
    for prefix, ns in graph.namespaces():
        out.bind(prefix, ns, override=True)
    taken: dict[URIRef, BNode] = {}
    for node in sorted({n for t in graph for n in t if isinstance(n, BNode)}, key=lambda b: _digest(graph, b)):
        iri = name(node)
        if iri in taken and taken[iri] != node:
            iri = URIRef(f"{iri}-{_digest(graph, node)}")
            names[node] = iri
        taken[iri] = node
    for s, p, o in graph:
        out.add((names[s] if isinstance(s, BNode) else s, p, names[o] if isinstance(o, BNode) else o))
    return out


__all__ = ["skolemize", "Literal"]
