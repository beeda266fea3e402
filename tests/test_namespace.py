"""The closed namespace module matches the ontology, and every term is documented."""

from functools import lru_cache

import pytest
from rdflib import OWL, RDF, RDFS, SKOS, Graph, URIRef

from nkgraph.devtools import namespace_source
from nkgraph.namespace import NK
from nkgraph.paths import ONTOLOGY_DIR, PACKAGE_DIR


def test_namespace_module_is_generated_from_the_ontology():
    assert (PACKAGE_DIR / "namespace.py").read_text(encoding="utf-8") == namespace_source(), (
        "run: python -m nkgraph.devtools namespace"
    )


def test_namespace_is_closed():
    with pytest.raises(AttributeError):
        NK.holdr  # noqa: B018 - a typo must fail


@lru_cache(maxsize=1)
def _ontology() -> Graph:
    g = Graph()
    for f in sorted(ONTOLOGY_DIR.glob("*.ttl")):
        g.parse(f, format="turtle")
    return g


TERMS = sorted({s for s in _ontology().subjects() if isinstance(s, URIRef) and str(s).startswith(str(NK)) and str(s) != str(NK)})


@pytest.mark.parametrize("term", TERMS, ids=lambda t: t.split("#")[-1])
def test_every_term_has_a_label_and_a_definition(term):
    g = _ontology()
    assert g.value(URIRef(term), RDFS.label) is not None
    assert g.value(URIRef(term), SKOS.definition) is not None or (URIRef(term), RDF.type, SKOS.ConceptScheme) in g


def test_ontology_declares_itself():
    g = _ontology()
    assert (URIRef("https://w3id.org/nkgraph/ontology"), RDF.type, OWL.Ontology) in g
