"""The SHACL shapes (ontology/shapes/*.ttl) against their fixtures (tests/fixtures/shapes/).

Every shape ``nkshape:X`` has a folder ``tests/fixtures/shapes/X/`` with

- ``valid.ttl``: a small compiled-form graph that conforms to all the shapes, and
- ``invalid.ttl``: the same kind of graph with one mistake, which only ``nkshape:X`` reports. A
  comment line ``# focus: nkd:a nkd:b`` lists the focus nodes of the expected results (omitted
  when the focus node is a blank node), ``# value: …`` their sh:value where it matters (the
  class-level SPARQL shapes target the class, e.g. ``nk:Claim``, and report instances as values).

Fixtures carry the ontology triples they need (e.g. ``nk:IndustrialGroup rdfs:subClassOf
nk:Company``) and are validated alone, with pySHACL and no inference, as the build validates the
compiled graph with the ontology merged in.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

import pytest
from pyshacl import validate
from rdflib import RDF, RDFS, BNode, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import SH
from rdflib.plugins.sparql import processor
from rdflib.plugins.sparql.algebra import translateQuery
from rdflib.plugins.sparql.parser import parseQuery

from nkgraph.paths import ONTOLOGY_DIR, ROOT, SHAPES_DIR

NKSHAPE = Namespace("https://w3id.org/nkgraph/shapes#")
NK = "https://w3id.org/nkgraph/ontology#"
FIXTURES = ROOT / "tests" / "fixtures" / "shapes"
SHAPES_FILES = sorted(SHAPES_DIR.glob("*.ttl"))
FIXTURE_DIRS = sorted(p for p in FIXTURES.iterdir() if p.is_dir()) if FIXTURES.is_dir() else []

# SHACL vocabulary the shapes may use: SHACL core and SHACL-SPARQL constraints, nothing that only
# pySHACL implements (SHACL-AF rules, custom targets, JavaScript, dash:).
ALLOWED_SH_TERMS = {
    "NodeShape", "PropertyShape", "SPARQLConstraint", "IRI", "Literal", "BlankNode", "BlankNodeOrIRI",
    "IRIOrLiteral", "BlankNodeOrLiteral", "Violation", "Warning", "Info",
    "targetClass", "targetNode", "targetSubjectsOf", "targetObjectsOf", "property", "path",
    "inversePath", "alternativePath", "zeroOrMorePath", "oneOrMorePath", "zeroOrOnePath",
    "class", "datatype", "nodeKind", "minCount", "maxCount", "minInclusive", "maxInclusive",
    "minExclusive", "maxExclusive", "minLength", "maxLength", "pattern", "flags", "languageIn",
    "uniqueLang", "equals", "disjoint", "lessThan", "lessThanOrEquals", "not", "and", "or", "xone",
    "node", "qualifiedValueShape", "qualifiedMinCount", "qualifiedMaxCount",
    "qualifiedValueShapesDisjoint", "closed", "ignoredProperties", "hasValue", "in",
    "message", "severity", "name", "description", "order", "group", "deactivated",
    "sparql", "select", "prefixes", "declare", "prefix", "namespace",
}


# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def shapes_graph() -> Graph:
    g = Graph()
    for f in SHAPES_FILES:
        g.parse(f, format="turtle")
    return g


@lru_cache(maxsize=1)
def ontology_graph() -> Graph:
    g = Graph()
    for f in sorted(ONTOLOGY_DIR.glob("*.ttl")):
        g.parse(f, format="turtle")
    return g


def shape_iris(g: Graph) -> set[URIRef]:
    """Named shapes: IRIs typed sh:NodeShape/sh:PropertyShape or carrying targets or a path."""
    found: set[URIRef] = set()
    for t in (SH.NodeShape, SH.PropertyShape):
        found |= {s for s in g.subjects(RDF.type, t) if isinstance(s, URIRef)}
    for p in (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.path, SH.property):
        found |= {s for s in g.subjects(p, None) if isinstance(s, URIRef)}
    return found


_PREPARED: dict[tuple, object] = {}
_ORIGINAL_QUERY = processor.SPARQLProcessor.query


def _prepared_query(self, strOrQuery, initBindings=None, initNs=None, base=None, DEBUG=False):  # noqa: N803
    if isinstance(strOrQuery, str):
        key = (strOrQuery, base, tuple(sorted((initNs or {}).items())))
        if key not in _PREPARED:
            _PREPARED[key] = translateQuery(parseQuery(strOrQuery), base, initNs)
        strOrQuery = _PREPARED[key]
    return _ORIGINAL_QUERY(self, strOrQuery, initBindings, initNs, base, DEBUG)


@contextmanager
def sparql_cache() -> Iterator[None]:
    """Memoize rdflib's SPARQL parsing inside the block.

    pySHACL hands rdflib the text of a SPARQL constraint for every focus node of every validation,
    and rdflib parses it each time (~0.1 s a query). Reusing the prepared query (what rdflib's
    ``prepareQuery`` is for: the same query with other initial bindings) gives the same results.
    """
    if processor.SPARQLProcessor.query is _prepared_query:
        yield
        return
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(processor.SPARQLProcessor, "query", _prepared_query)
        yield


def run_pyshacl(data: Graph) -> tuple[bool, Graph, str]:
    conforms, report, text = validate(
        data, shacl_graph=shapes_graph(), inference="none", advanced=False, allow_warnings=False,
    )
    return bool(conforms), report, text


@lru_cache(maxsize=None)
def fixture_report(path: Path) -> tuple[bool, Graph, str]:
    """pySHACL on one fixture file: (conforms, report graph, text); cached for test_jena.py and test_shacl_engine.py."""
    with sparql_cache():
        return run_pyshacl(fixture_graph(path))


def fixture_results(path: Path) -> tuple[bool, list[tuple], str]:
    """pySHACL on one fixture file: (conforms, results, text)."""
    conforms, report, text = fixture_report(path)
    return conforms, results(report), text


def load_fixture(path: Path) -> Graph:
    return Graph().parse(path, format="turtle")


@lru_cache(maxsize=None)
def fixture_graph(path: Path) -> Graph:
    """The fixture as validated by :func:`fixture_report` (the same blank nodes); do not modify."""
    return load_fixture(path)


def expected_nodes(path: Path, g: Graph, key: str) -> set[URIRef] | None:
    """Nodes named by the fixture's ``# focus:`` (or ``# value:``) comment, or None."""
    for line in path.read_text(encoding="utf-8").splitlines():
        m = re.match(rf"#\s*{key}:\s*(.+)$", line)
        if m:
            out = set()
            for token in m.group(1).split():
                if token.startswith("<") and token.endswith(">"):
                    out.add(URIRef(token[1:-1]))
                else:
                    out.add(URIRef(g.namespace_manager.expand_curie(token)))
            return out
    return None


def results(report: Graph) -> list[tuple]:
    """(sourceShape, focusNode, value) of every validation result."""
    return [
        (report.value(r, SH.sourceShape), report.value(r, SH.focusNode), report.value(r, SH.value))
        for r in report.subjects(RDF.type, SH.ValidationResult)
    ]


def fixture_params(kind: str) -> list:
    return [pytest.param(d, id=d.name) for d in FIXTURE_DIRS if (d / f"{kind}.ttl").exists()]


# ---------------------------------------------------------------------------------------------
# One test per fixture
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("folder", fixture_params("valid"))
def test_valid_fixture_conforms(folder: Path) -> None:
    conforms, _, text = fixture_results(folder / "valid.ttl")
    assert conforms, f"{folder.name}/valid.ttl should conform:\n{text}"


@pytest.mark.parametrize("folder", fixture_params("invalid"))
def test_invalid_fixture_fails_only_its_shape(folder: Path) -> None:
    path = folder / "invalid.ttl"
    data = load_fixture(path)
    conforms, rows, text = fixture_results(path)
    assert not conforms, f"{folder.name}/invalid.ttl should not conform"
    assert {shape for shape, _, _ in rows} == {NKSHAPE[folder.name]}, text
    focus = expected_nodes(path, data, "focus")
    if focus is not None:
        assert {f for _, f, _ in rows} == focus, text
    values = expected_nodes(path, data, "value")
    if values is not None:
        assert {v for _, _, v in rows} == values, text


# ---------------------------------------------------------------------------------------------
# The shapes files themselves
# ---------------------------------------------------------------------------------------------


def test_shapes_files_exist() -> None:
    assert SHAPES_FILES, f"no shapes in {SHAPES_DIR}"


def test_every_shape_has_a_fixture_folder() -> None:
    names = {str(s)[len(str(NKSHAPE)):] for s in shape_iris(shapes_graph()) if str(s).startswith(str(NKSHAPE))}
    folders = {d.name for d in FIXTURE_DIRS}
    assert not names - folders, f"shapes without fixtures: {sorted(names - folders)}"
    assert not folders - names, f"fixture folders without a shape: {sorted(folders - names)}"
    incomplete = [d.name for d in FIXTURE_DIRS if not ((d / "valid.ttl").exists() and (d / "invalid.ttl").exists())]
    assert not incomplete, f"fixture folders missing valid.ttl or invalid.ttl: {incomplete}"


def test_every_shape_is_named_in_the_shapes_namespace() -> None:
    g = shapes_graph()
    bad = [s for s in shape_iris(g) if not str(s).startswith(str(NKSHAPE))]
    assert not bad, f"shapes outside nkshape: {bad}"
    # Top-level shapes (those with targets) and the property shapes they list must be IRIs, so that
    # sh:sourceShape names the rule. Blank nodes only occur inside sh:or/sh:xone/qualified shapes.
    anonymous_targets = [
        s for p in (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)
        for s in g.subjects(p, None) if isinstance(s, BNode)
    ]
    assert not anonymous_targets
    anonymous_properties = [
        (s, o) for s, o in g.subject_objects(SH.property) if isinstance(s, URIRef) and not isinstance(o, URIRef)
    ]
    assert not anonymous_properties, f"unnamed property shapes: {anonymous_properties}"


def test_every_shape_has_a_message() -> None:
    g = shapes_graph()
    missing = [s for s in shape_iris(g) if not any(str(m).strip() for m in g.objects(s, SH.message))]
    assert not missing, f"shapes without sh:message: {sorted(missing)}"
    for constraint in g.objects(None, SH.sparql):
        assert g.value(constraint, SH.message), f"SPARQL constraint without sh:message: {constraint}"


def test_sparql_constraints_declare_their_prefixes() -> None:
    """Jena needs sh:prefixes/sh:declare (no PREFIX lines are added for it)."""
    g = shapes_graph()
    for shape, constraint in g.subject_objects(SH.sparql):
        select = str(g.value(constraint, SH.select))
        declared = {
            str(g.value(d, SH.prefix))
            for holder in g.objects(constraint, SH.prefixes)
            for d in g.objects(holder, SH.declare)
        }
        used = set(re.findall(r"(?<![\w:<])([A-Za-z][\w-]*):[A-Za-z_]", select)) - {"http", "https"}
        assert used <= declared, f"{shape}: prefixes {sorted(used - declared)} not declared"
        for holder in g.objects(constraint, SH.prefixes):
            for d in g.objects(holder, SH.declare):
                ns = g.value(d, SH.namespace)
                assert isinstance(ns, Literal) and ns.datatype == URIRef(
                    "http://www.w3.org/2001/XMLSchema#anyURI"
                ), f"sh:namespace of {g.value(d, SH.prefix)} must be an xsd:anyURI literal"
        assert "$this" in select, f"{shape}: the query must use $this"


def test_shapes_use_only_shacl_core_and_sparql() -> None:
    g = shapes_graph()
    sh = str(SH)
    used = {
        str(t)[len(sh):] for triple in g for t in triple if isinstance(t, URIRef) and str(t).startswith(sh)
    }
    assert used <= ALLOWED_SH_TERMS, f"unsupported SHACL terms: {sorted(used - ALLOWED_SH_TERMS)}"
    dash = [t for triple in g for t in triple if isinstance(t, URIRef) and "datashapes.org/dash" in str(t)]
    assert not dash


def _nk_terms(g: Graph) -> set[str]:
    terms = {str(t) for triple in g for t in triple if isinstance(t, URIRef) and str(t).startswith(NK)}
    for lit in (o for o in g.objects() if isinstance(o, Literal)):
        terms |= {NK + m for m in re.findall(r"\bnk:([A-Za-z][\w]*)", str(lit))}
    return terms


def test_shapes_and_fixtures_use_only_ontology_terms() -> None:
    """A misspelt nk: term in a shape would silently never fire."""
    defined = {str(s) for s in ontology_graph().subjects() if isinstance(s, URIRef)}
    unknown = {t: "shapes" for t in _nk_terms(shapes_graph()) - defined}
    for d in FIXTURE_DIRS:
        for f in d.glob("*.ttl"):
            for t in _nk_terms(load_fixture(f)) - defined:
                unknown[t] = f"{d.name}/{f.name}"
    assert not unknown, f"nk: terms not in the ontology: {unknown}"


def test_fixture_ontology_triples_are_true() -> None:
    """Fixtures may only repeat what the ontology says about nk: classes and individuals."""
    onto = ontology_graph()
    closure: set[tuple] = set()
    for cls in set(onto.subjects(RDFS.subClassOf, None)):
        for sup in onto.transitive_objects(cls, RDFS.subClassOf):
            if sup != cls:
                closure.add((cls, sup))
    bad = []
    for d in FIXTURE_DIRS:
        for f in d.glob("*.ttl"):
            g = load_fixture(f)
            for s, o in g.subject_objects(RDFS.subClassOf):
                if (s, o) not in closure:
                    bad.append((f"{d.name}/{f.name}", s, o))
            for s, o in g.subject_objects(RDF.type):
                if str(s).startswith(NK) and (s, RDF.type, o) not in onto:
                    bad.append((f"{d.name}/{f.name}", s, o))
    assert not bad, bad


def test_ontology_alone_conforms() -> None:
    """The ontology is merged into the data graph: its own triples must not trip any shape."""
    with sparql_cache():
        conforms, _, text = run_pyshacl(ontology_graph())
    assert conforms, text


def test_sh_in_lists_are_well_formed() -> None:
    g = shapes_graph()
    for shape, head in g.subject_objects(SH["in"]):
        items = list(Collection(g, head))
        assert items, f"{shape}: empty sh:in"
