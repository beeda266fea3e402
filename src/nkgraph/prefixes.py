"""The prefixes nkgraph binds in every graph it writes and accepts in query parameters.

A plain dict, so that the query path (``nkgraph query``) needs no rdflib;
:mod:`nkgraph.namespace` re-exports it.

>>> PREFIXES["nkd"] + "hyesan-youth-copper-mine"
'https://w3id.org/nkgraph/id/hyesan-youth-copper-mine'
"""

from collections.abc import Iterable

#: Prefixes bound in every graph nkgraph writes.
PREFIXES = {
    "nk": "https://w3id.org/nkgraph/ontology#",
    "nkd": "https://w3id.org/nkgraph/id/",
    "nkshape": "https://w3id.org/nkgraph/shapes#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "prov": "http://www.w3.org/ns/prov#",
    "oa": "http://www.w3.org/ns/oa#",
    "cito": "http://purl.org/spar/cito/",
    "fabio": "http://purl.org/spar/fabio/",
    "bibo": "http://purl.org/ontology/bibo/",
    "org": "http://www.w3.org/ns/org#",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "qudt": "http://qudt.org/schema/qudt/",
    "unit": "http://qudt.org/vocab/unit/",
    "cur": "http://qudt.org/vocab/currency/",
    "sh": "http://www.w3.org/ns/shacl#",
    "vann": "http://purl.org/vocab/vann/",
}


def prefix_lines(pairs: "Iterable[tuple[str, str]]") -> str:
    """``PREFIX p: <ns>`` lines (SPARQL prologue, or SPARQL-style Turtle) for (prefix, namespace) pairs.

    Declarations only: the one place nkgraph writes them, for Turtle output, the shapes' own SPARQL
    and hint texts. Query values are always bound, never written into query text.

    >>> prefix_lines([("nk", PREFIXES["nk"])])
    'PREFIX nk: <https://w3id.org/nkgraph/ontology#>\\n'
    """
    return "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in pairs)
