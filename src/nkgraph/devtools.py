"""Maintainer tools: regenerate files derived from the ontology.

Run ``python -m nkgraph.devtools namespace`` after adding a term to
``ontology/nkgraph.ttl``; ``tests/test_namespace.py`` fails until you do.
"""

from __future__ import annotations

import sys

from rdflib import Graph, URIRef

from nkgraph.paths import ONTOLOGY_DIR, PACKAGE_DIR

NK_IRI = "https://w3id.org/nkgraph/ontology#"

HEADER = '''"""Our own IRIs, in one closed namespace (generated: do not edit by hand).

``NK`` holds every term of ``ontology/nkgraph.ttl``; a typo such as ``NK.holdr``
raises ``AttributeError`` instead of minting a new IRI. Regenerate with
``python -m nkgraph.devtools namespace``.

>>> str(NK.Claim)
'https://w3id.org/nkgraph/ontology#Claim'
"""

from rdflib.namespace import DefinedNamespace, Namespace
from rdflib.term import URIRef

from nkgraph.prefixes import PREFIXES as _PREFIXES


class NK(DefinedNamespace):
    """The nkgraph ontology: classes, properties and concept individuals."""

    _NS = Namespace("https://w3id.org/nkgraph/ontology#")
    _fail = True

'''

FOOTER = '''

#: Namespace of data individuals (mines, companies, claims...): ``NKD["hyesan-youth-copper-mine"]``.
NKD = Namespace("https://w3id.org/nkgraph/id/")
#: IRI of the ontology itself.
ONTOLOGY_IRI = URIRef("https://w3id.org/nkgraph/ontology")
#: Namespace of our SHACL shapes.
NKSHAPE = Namespace("https://w3id.org/nkgraph/shapes#")

# Standard vocabularies rdflib does not ship.
CITO = Namespace("http://purl.org/spar/cito/")
FABIO = Namespace("http://purl.org/spar/fabio/")
BIBO = Namespace("http://purl.org/ontology/bibo/")
OA = Namespace("http://www.w3.org/ns/oa#")
QUDT = Namespace("http://qudt.org/schema/qudt/")
UNIT = Namespace("http://qudt.org/vocab/unit/")
CUR = Namespace("http://qudt.org/vocab/currency/")
VANN = Namespace("http://purl.org/vocab/vann/")

#: Prefixes bound in every graph nkgraph writes (defined without rdflib in nkgraph.prefixes).
PREFIXES = _PREFIXES
'''


def ontology_terms() -> list[str]:
    """Local names of every subject of ``ontology/*.ttl`` in the nk: namespace, sorted."""
    g = Graph()
    for f in sorted(ONTOLOGY_DIR.glob("*.ttl")):
        g.parse(f, format="turtle")
    names = {
        str(s)[len(NK_IRI):]
        for s in g.subjects()
        if isinstance(s, URIRef) and str(s).startswith(NK_IRI) and len(str(s)) > len(NK_IRI)
    }
    return sorted(names)


def namespace_source() -> str:
    """The text ``src/nkgraph/namespace.py`` must have."""
    body = "".join(f"    {n}: URIRef\n" for n in ontology_terms())
    return HEADER + body + FOOTER


def check_quotes(paths: list[str]) -> int:
    """Report quotes and alternative names of data files that the source text lacks (authoring aid)."""

    from rdflib.namespace import SKOS

    from nkgraph.namespace import NK
    from nkgraph.source import default_text

    text = default_text()
    bad = 0
    for path in paths:
        g = Graph().parse(path, format="turtle")
        for s, q in g.subject_objects(NK.quote):
            spans = text.find(str(q))
            occ = g.value(s, NK.occurrence)
            if not spans or (occ is None and len(spans) > 1) or (occ is not None and int(occ) > len(spans)):
                bad += 1
                near, line, ratio = text.nearest(str(q))
                print(f"{path}: {s}: quote found {len(spans)} times (nearest, line {line}: {near!r})")
        for s, name in g.subject_objects(SKOS.altLabel):
            if not text.find_words(str(name)):
                bad += 1
                print(f"{path}: {s}: altLabel {str(name)!r} not in the source text")
    print(f"{bad} problem(s)", file=sys.stderr)
    return 1 if bad else 0


def diagram_dot() -> str:
    """Graphviz DOT of the ontology: classes, sub-class links (hollow arrows) and object properties
    with a domain and a range (labelled arrows). Deterministic."""
    from rdflib import OWL, RDF, RDFS

    g = Graph()
    for f in sorted(ONTOLOGY_DIR.glob("*.ttl")):
        g.parse(f, format="turtle")
    prefixes = {
        "https://w3id.org/nkgraph/ontology#": "nk:",
        "http://www.w3.org/ns/prov#": "prov:",
        "http://www.w3.org/ns/oa#": "oa:",
        "http://purl.org/spar/cito/": "cito:",
        "http://purl.org/spar/fabio/": "fabio:",
        "http://purl.org/ontology/bibo/": "bibo:",
        "http://www.w3.org/ns/org#": "org:",
        "http://www.w3.org/2004/02/skos/core#": "skos:",
        "http://qudt.org/schema/qudt/": "qudt:",
        "http://purl.org/dc/terms/": "dcterms:",
        "http://xmlns.com/foaf/0.1/": "foaf:",
        "http://www.w3.org/1999/02/22-rdf-syntax-ns#": "rdf:",
    }

    def short(node: object) -> str:
        text = str(node)
        for ns, p in prefixes.items():
            if text.startswith(ns):
                return p + text[len(ns):]
        return text

    classes = sorted({s for s in g.subjects(RDF.type, OWL.Class) if str(s).startswith(NK_IRI)}, key=str)
    lines = [
        "digraph nkgraph {",
        '  graph [rankdir=LR, fontname="Helvetica", fontsize=10, ranksep=0.6, nodesep=0.25];',
        '  node [shape=box, style="rounded,filled", fillcolor="#eef3fb", fontname="Helvetica", fontsize=10];',
        '  edge [fontname="Helvetica", fontsize=8, color="#555555"];',
    ]
    external: set[str] = set()
    for c in classes:
        lines.append(f'  "{short(c)}";')
        for parent in sorted(g.objects(c, RDFS.subClassOf), key=str):
            if not str(parent).startswith(NK_IRI):
                external.add(short(parent))
            lines.append(f'  "{short(c)}" -> "{short(parent)}" [arrowhead=empty, style=dashed];')
    for prop in sorted(set(g.subjects(RDF.type, OWL.ObjectProperty)), key=str):
        dom, rng = g.value(prop, RDFS.domain), g.value(prop, RDFS.range)
        if dom is None or rng is None or not str(prop).startswith(NK_IRI):
            continue
        for end in (dom, rng):
            if not str(end).startswith(NK_IRI):
                external.add(short(end))
        lines.append(f'  "{short(dom)}" -> "{short(rng)}" [label="{short(prop)}"];')
    for e in sorted(external):
        lines.append(f'  "{e}" [fillcolor="#f4f4f4", style="rounded,filled,dashed"];')
    lines.append("}")
    return "\n".join(lines) + "\n"


def write_diagram() -> None:
    """Write ontology/diagram.dot and render ontology/diagram.svg with Graphviz ``dot``."""
    import subprocess

    dot = ONTOLOGY_DIR / "diagram.dot"
    dot.write_text(diagram_dot(), encoding="utf-8")
    subprocess.run(["dot", "-Tsvg", str(dot), "-o", str(ONTOLOGY_DIR / "diagram.svg")], check=True)


def main(argv: list[str]) -> int:
    if argv[:1] == ["quotes"]:
        return check_quotes(argv[1:])
    if argv[:1] == ["diagram"]:
        write_diagram()
        return 0
    if argv[:1] != ["namespace"]:
        print("usage: python -m nkgraph.devtools namespace | diagram | quotes FILE...", file=sys.stderr)
        return 2
    (PACKAGE_DIR / "namespace.py").write_text(namespace_source(), encoding="utf-8")
    print(f"wrote {PACKAGE_DIR / 'namespace.py'}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
