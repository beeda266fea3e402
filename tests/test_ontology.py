"""The ontology's generated artefacts are up to date, and it reuses standard vocabularies correctly."""

import shutil
import subprocess

import pytest
from rdflib import OWL, RDF, RDFS, Graph, URIRef

from nkgraph.devtools import diagram_dot
from nkgraph.paths import ONTOLOGY_DIR


def test_diagram_is_generated_from_the_ontology():
    assert (ONTOLOGY_DIR / "diagram.dot").read_text(encoding="utf-8") == diagram_dot(), "run: python -m nkgraph.devtools diagram"


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz 'dot' not installed (tests/setup-system.sh installs it)")
def test_diagram_renders_with_graphviz():
    done = subprocess.run(["dot", "-Tsvg"], input=diagram_dot(), capture_output=True, text=True)
    assert done.returncode == 0 and "<svg" in done.stdout


@pytest.mark.parametrize(
    "term, parent",
    [
        ("Claim", "http://www.w3.org/ns/prov#Entity"),
        ("Chapter", "http://purl.org/spar/fabio/BookChapter"),
        ("Organization", "http://www.w3.org/ns/org#Organization"),
        ("Quantity", "http://qudt.org/schema/qudt/QuantityValue"),
        ("Commodity", "http://www.w3.org/2004/02/skos/core#Concept"),
        ("Event", "http://www.w3.org/ns/prov#Activity"),
    ],
)
def test_classes_specialise_standard_vocabularies(term, parent):
    g = Graph().parse(ONTOLOGY_DIR / "nkgraph.ttl")
    assert (URIRef("https://w3id.org/nkgraph/ontology#" + term), RDFS.subClassOf, URIRef(parent)) in g


def test_conflicts_are_symmetric_in_the_ontology():
    g = Graph().parse(ONTOLOGY_DIR / "nkgraph.ttl")
    assert (URIRef("https://w3id.org/nkgraph/ontology#conflictsWith"), RDF.type, OWL.SymmetricProperty) in g
