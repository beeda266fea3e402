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


def _digest(index: dict, node: BNode, seen: frozenset = frozenset()) -> str:
    parts = []
    for p, o in index.get(node, ()):
        if isinstance(o, BNode):
            o_repr = "_:" + (_digest(index, o, seen | {node}) if o not in seen else "cycle")
        else:
            o_repr = o.n3()
        parts.append(f"{p.n3()} {o_repr}")
    return hashlib.sha1("\n".join(sorted(parts)).encode("utf-8")).hexdigest()[:10]


def _value(index: dict, node: BNode, prop: URIRef) -> object:
    for p, o in index.get(node, ()):
        if p == prop:
            return o
    return None


def _key(index: dict, prop: URIRef, node: BNode) -> str:
    if prop == NK.citation:
        cited = _value(index, node, CITO.hasCitedEntity)
        if isinstance(cited, URIRef):
            return "citation-" + _local(cited)
    if prop == NK.attribution:
        pos = _value(index, node, NK.position)
        agent = _value(index, node, NK.agent)
        if pos is not None and isinstance(agent, URIRef):
            return f"attribution-hop-{pos}-{_local(agent)}"
    return _local(prop)


Triple = tuple


def skolemize_triples(triples: list[Triple]) -> list[Triple]:
    """The triples with every blank node replaced by a deterministic IRI (see module docs)."""
    parents: dict[BNode, list[tuple[object, URIRef]]] = defaultdict(list)
    index: dict[BNode, list[tuple[URIRef, object]]] = defaultdict(list)
    for s, p, o in triples:
        if isinstance(o, BNode):
            parents[o].append((s, p))
        if isinstance(s, BNode):
            index[s].append((p, o))
    if not parents and not index:
        return list(triples)
    names: dict[BNode, URIRef] = {}

    def name(node: BNode, stack: frozenset = frozenset()) -> URIRef:
        if node in names:
            return names[node]
        owners = parents.get(node, [])
        if len(owners) == 1 and owners[0][0] not in stack:
            owner, prop = owners[0]
            base = name(owner, stack | {node}) if isinstance(owner, BNode) else owner
            iri = URIRef(f"{base}_{_key(index, prop, node)}")
        else:
            iri = URIRef(f"https://w3id.org/nkgraph/id/.well-known/genid/{_digest(index, node)}")
        names[node] = iri
        return iri

    # siblings that would get the same name are told apart by their content
    taken: dict[URIRef, BNode] = {}
    bnodes = {n for t in triples for n in (t[0], t[2]) if isinstance(n, BNode)}
    for node in sorted(bnodes, key=lambda b: _digest(index, b)):
        iri = name(node)
        if iri in taken and taken[iri] != node:
            iri = URIRef(f"{iri}-{_digest(index, node)}")
            names[node] = iri
        taken[iri] = node
    return [(names[s] if isinstance(s, BNode) else s, p, names[o] if isinstance(o, BNode) else o) for s, p, o in triples]


def skolemize(graph: Graph) -> Graph:
    """A copy of ``graph`` in which every blank node has a deterministic IRI."""
    out = Graph()
    for prefix, ns in graph.namespaces():
        out.bind(prefix, ns, override=True)
    for t in skolemize_triples(list(graph)):
        out.add(t)
    return out


__all__ = ["skolemize", "skolemize_triples", "Literal"]
