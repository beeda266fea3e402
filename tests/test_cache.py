"""Speed without changed behaviour: the fast Turtle writer, the no-op rebuild, cached and parallel validation, the store."""

from __future__ import annotations

import json

import pytest
from rdflib import Graph, Literal, URIRef

from nkgraph import validation
from nkgraph.pipeline import build
from nkgraph.cache import ValidationCache
from nkgraph.paths import ROOT, SHAPES_DIR
from nkgraph.serialize import rdflib_turtle, turtle
from nkgraph.store import open_built, store_matches
from nkgraph.validation import validate_graph

FIXTURES = sorted((ROOT / "tests" / "fixtures" / "shapes").glob("*/*.ttl"))


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("NKGRAPH_CACHE_DIR", str(tmp_path / "cache"))


def test_fast_turtle_is_byte_identical_to_rdflib_on_the_built_graph(built):
    assert turtle(built.graph) == rdflib_turtle(built.graph)


@pytest.mark.parametrize("path", FIXTURES[:20], ids=[f"{p.parent.name}/{p.stem}" for p in FIXTURES[:20]])
def test_fast_turtle_is_byte_identical_to_rdflib_on_fixtures(path):
    graph = Graph().parse(path)
    assert turtle(graph) == rdflib_turtle(graph)


def test_fast_turtle_handles_odd_literals_and_names():
    g = Graph()
    s = URIRef("https://w3id.org/nkgraph/id/x")
    for o in (Literal('quote " and \\ and\nnewline'), Literal("1.50", datatype=URIRef("http://www.w3.org/2001/XMLSchema#decimal")),
              Literal("ko", lang="ko"), Literal(True), Literal("x", datatype=URIRef("http://example.org/dt")), URIRef("http://example.org/a(b)."),
              URIRef("https://w3id.org/nkgraph/id/with%20space"), Literal(3), Literal("2007", datatype=URIRef("http://www.w3.org/2001/XMLSchema#gYear"))):
        g.add((s, URIRef("https://w3id.org/nkgraph/ontology#p"), o))
    g.add((URIRef("http://example.org/other"), URIRef("http://example.org/unbound#p"), s))  # rdflib generates a prefix: fallback
    assert turtle(g) == rdflib_turtle(g)


def test_fast_qnames_are_rdflibs_in_any_order():
    import random

    from nkgraph.serialize import _qnames, bind_prefixes

    iris = [
        "https://w3id.org/nkgraph/id/claim-a_anchor", "https://w3id.org/nkgraph/ontology#Claim", "https://w3id.org/nkgraph/id/",
        "http://www.w3.org/2001/XMLSchema#decimal", "http://www.w3.org/2001/XMLSchema", "http://example.org/a/b_c", "http://example.org/a/1abc",
        "http://example.org/a/-x", "http://example.org/a/x.", "https://schema.org/name", "http://purl.org/dc/terms/", "http://purl.org/dc/elements/1.1/title",
        "http://www.w3.org/XML/1998/namespace#lang", "urn:isbn:123", "http://e/%41b", "http://e/a(b)", "mailto:a@b.c", "http://e/--", "http://e/_x",
        "http://www.w3.org/ns/prov#wasAttributedTo", "https://brickschema.org/schema/Brick#Room", "http://e/é", "http://e/a b",
    ]
    iris += ["http://example.org/prefix", "http://example.org/pre", "http://example.org/other"]

    def names() -> Graph:  # our prefixes, and one namespace that ends inside a name
        g = bind_prefixes(Graph())
        g.bind("ex", "http://example.org/pre")
        return g

    for seed in range(5):
        random.Random(seed).shuffle(iris)
        qname, reference = _qnames(names()), names().namespace_manager
        for iri in iris:
            fast = qname(iri)
            if fast is None:
                continue  # rdflib decides these
            assert fast == reference.compute_qname(URIRef(iri), generate=False), iri
    assert qname("https://w3id.org/nkgraph/id/claim-a_anchor") == ("nkd", URIRef("https://w3id.org/nkgraph/id/"), "claim-a_anchor")
    assert qname("http://example.org/prefix") == ("ex", URIRef("http://example.org/pre"), "fix")  # the longest bound namespace wins


def test_rebuild_does_nothing_unless_an_input_or_an_output_changed(project_copy, tmp_path, monkeypatch):
    """One test, several builds of the real data (each costs seconds): no-op, changed input, damaged output, no cache."""
    out = tmp_path / "out"
    first = build(out, root=project_copy)
    stamp = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}
    again = build(out, root=project_copy)
    assert again.reused and not first.reused
    assert {p.name: p.stat().st_mtime_ns for p in out.iterdir()} == stamp, "a no-op rebuild writes nothing"
    assert again.counts == first.counts and again.report.conforms
    assert len(again.graph) == first.counts["triples"]  # read back lazily
    units = project_copy / "data" / "units.ttl"
    units.write_text(units.read_text(encoding="utf-8") + "\n# a comment\n", encoding="utf-8")
    changed = build(out, root=project_copy)  # same graph: the cached SHACL report is reused
    assert not changed.reused and changed.timings["validate"] < first.timings["validate"]
    (out / "nkgraph.ttl").write_text("damaged", encoding="utf-8")
    assert not build(out, root=project_copy).reused
    assert (out / "nkgraph.ttl").read_bytes() != b"damaged"
    monkeypatch.setenv("NKGRAPH_NO_CACHE", "1")
    fresh = tmp_path / "fresh-cache"
    monkeypatch.setenv("NKGRAPH_CACHE_DIR", str(fresh))
    assert not build(out, root=project_copy).reused
    reports = sorted((fresh / "validation").rglob("*.json"))  # reused nothing, but recorded its report
    assert len(reports) == 1 and json.loads(reports[0].read_text(encoding="utf-8"))["conforms"] is True


def _shapes() -> Graph:
    g = Graph()
    for f in sorted(SHAPES_DIR.glob("*.ttl")):
        g.parse(f)
    return g


def _invalid_fixture() -> Graph:
    return Graph().parse(ROOT / "tests" / "fixtures" / "shapes" / "ClaimAttributionChainShape" / "invalid.ttl")


def test_cached_report_is_reused_and_equal(tmp_path, monkeypatch):
    cache = ValidationCache(tmp_path / "c")
    data, shapes = _invalid_fixture(), _shapes()
    first = validate_graph(data, shapes, Graph(), cache=cache, workers=1)
    assert not first.conforms

    def boom(*_a, **_k):
        raise AssertionError("pySHACL ran although the report was cached")

    monkeypatch.setattr(validation, "_run_pyshacl", boom)
    again = validate_graph(data, shapes, Graph(), cache=cache, workers=1)
    assert again.violations == first.violations and again.text == first.text


def test_cache_key_changes_with_the_shapes(tmp_path):
    shapes = _shapes()
    other = Graph()
    other += shapes
    other.add((URIRef("https://w3id.org/nkgraph/shapes#X"), URIRef("http://www.w3.org/2000/01/rdf-schema#comment"), Literal("x")))
    assert validation.shapes_digest(shapes) != validation.shapes_digest(other)
    assert validation.shapes_digest(shapes) == validation.shapes_digest(_shapes()), "blank node labels do not matter"


def test_two_processes_give_the_same_report_as_one():
    data, shapes = _invalid_fixture(), _shapes()
    one = validate_graph(data, shapes, Graph(), workers=1)
    two = validate_graph(data, shapes, Graph(), workers=2)
    assert not one.conforms and one.violations == two.violations


def test_build_writes_a_store_that_queries_open(built):
    nt = built.out_dir / "nkgraph.nt"
    assert store_matches(nt) is not None
    assert len(open_built(nt, mode="disk")) == built.counts["triples"]


def test_a_store_that_does_not_match_is_not_used(built, tmp_path):
    import shutil

    out = tmp_path / "copy"
    shutil.copytree(built.out_dir, out)
    nt = out / "nkgraph.nt"
    nt.write_text(nt.read_text(encoding="utf-8") + "<https://w3id.org/nkgraph/id/a> <https://w3id.org/nkgraph/ontology#b> <https://w3id.org/nkgraph/id/c> .\n", encoding="utf-8")
    assert store_matches(nt) is None
    assert len(open_built(nt, mode="disk")) == built.counts["triples"] + 1


def test_every_library_query_answers_the_same_on_disk_and_in_memory(built):
    """The on-disk store and the in-memory load answer every query with the same rows in the same order."""
    from nkgraph.queries import list_queries, run_query

    nt = built.out_dir / "nkgraph.nt"
    disk, memory = open_built(nt, mode="disk"), open_built(nt, mode="memory")
    checked = 0
    for spec in list_queries():
        if any(p.required and not p.example for p in spec.params):
            continue
        params = {p.name: p.example for p in spec.params if p.example}
        a, b = run_query(spec, disk, params), run_query(spec, memory, params)
        assert a.columns == b.columns, spec.name
        assert a.rows == b.rows, spec.name
        checked += 1
    assert checked >= 50


def test_a_small_graph_is_queried_in_memory_and_a_large_one_on_disk(built, monkeypatch):
    import nkgraph.store as store_mod

    nt = built.out_dir / "nkgraph.nt"
    opened: list[str] = []
    real = store_mod.store_matches
    monkeypatch.setattr(store_mod, "store_matches", lambda f: opened.append(str(f)) or real(f))
    assert len(open_built(nt)) == built.counts["triples"]
    assert opened == []  # 7 MB: below IN_MEMORY_BELOW, the persistent store is not even looked at
    monkeypatch.setattr(store_mod, "IN_MEMORY_BELOW", 1024)
    assert len(open_built(nt)) == built.counts["triples"]
    assert opened == [str(nt)]
