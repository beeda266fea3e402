"""The build: deterministic output, all-or-nothing writes, clear errors on bad data."""

from pathlib import Path

import pytest

from nkgraph.pipeline import build
from nkgraph.errors import DataError, QuoteError, VocabularyError


def test_build_writes_turtle_ntriples_and_manifest(built):
    out = built.out_dir
    assert {p.name for p in out.iterdir()} >= {"nkgraph.ttl", "nkgraph.nt", "manifest.json"}
    assert not [p for p in out.iterdir() if p.name.startswith(".")], "no temporary files left behind"


def test_ntriples_and_turtle_hold_the_same_graph(built):
    from rdflib import Graph
    from rdflib.compare import isomorphic

    ttl = Graph().parse(built.out_dir / "nkgraph.ttl", format="turtle")
    nt = Graph().parse(built.out_dir / "nkgraph.nt", format="nt")
    assert len(ttl) == len(nt) == built.counts["triples"]
    assert isomorphic(ttl, nt)


def test_building_twice_gives_identical_bytes(built, tmp_path):
    again = build(tmp_path / "again")
    for name in ("nkgraph.ttl", "nkgraph.nt", "manifest.json"):
        assert (tmp_path / "again" / name).read_bytes() == (built.out_dir / name).read_bytes(), name
    assert again.counts == built.counts


def test_no_blank_nodes_in_output(built):
    assert "_:" not in (built.out_dir / "nkgraph.nt").read_text(encoding="utf-8")


def _replace_in(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_misquote_stops_the_build_with_the_nearest_passage(project_copy, tmp_path):
    claims = project_copy / "data" / "claims" / "copper.ttl"
    _replace_in(claims, "took a 51% controlling interest", "took a 52% controlling interest")
    with pytest.raises(QuoteError) as err:
        build(tmp_path / "out", root=project_copy)
    assert err.value.path.endswith("copper.ttl") and err.value.line
    assert "51% controlling interest" in err.value.hint


def test_unknown_ontology_term_is_refused(project_copy, tmp_path):
    _replace_in(project_copy / "data" / "units.ttl", "nk:conversionFactor 1000 .", "nk:conversionFactr 1000 .")
    with pytest.raises(VocabularyError, match="conversionFactr") as err:
        build(tmp_path / "out", root=project_copy)
    assert "conversionFactor" in err.value.hint


def test_failed_build_leaves_previous_output_intact(project_copy, tmp_path):
    out = tmp_path / "out"
    build(out, root=project_copy)
    before = {p.relative_to(out): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}
    bad = project_copy / "data" / "units.ttl"
    bad.write_text(bad.read_text(encoding="utf-8") + "\nthis is not turtle\n", encoding="utf-8")
    with pytest.raises(DataError):
        build(out, root=project_copy)
    assert {p.relative_to(out): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()} == before


def test_same_iri_with_conflicting_labels_is_refused(project_copy, tmp_path):
    extra = project_copy / "data" / "entities" / "zz-duplicate.ttl"
    extra.write_text(
        '@prefix nkd: <https://w3id.org/nkgraph/id/> .\n@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n'
        'nkd:china rdfs:label "People\'s Republic of China" .\n',
        encoding="utf-8",
    )
    with pytest.raises(DataError, match="different labels") as err:
        build(tmp_path / "out", root=project_copy)
    assert err.value.path.endswith("zz-duplicate.ttl") and err.value.line == 3


def test_citing_a_missing_reference_is_refused(project_copy, tmp_path):
    _replace_in(project_copy / "data" / "claims" / "copper.ttl", "nkd:ref-daily-nk-2007", "nkd:ref-daily-nk-2008")
    with pytest.raises(DataError, match="not a reference") as err:
        build(tmp_path / "out", root=project_copy)
    assert "ref-daily-nk-2007" in err.value.hint


def test_fast_ntriples_writer_gives_rdflibs_bytes(built):
    from nkgraph.serialize import ntriples, rdflib_ntriples

    assert ntriples(built.graph) == rdflib_ntriples(built.graph)


def test_ntriples_writer_quotes_like_rdflib():
    from rdflib import BNode, Graph, Literal, URIRef
    from rdflib.namespace import XSD

    from nkgraph.serialize import ntriples, rdflib_ntriples

    g = Graph()
    s, p = URIRef("http://example.org/s"), URIRef("http://example.org/p")
    for o in (Literal('a "quoted" \\ back\nslash\r'), Literal("é\u2028x", lang="ko"), Literal("5", datatype=XSD.integer), Literal("x\x85y"), BNode("b1"), URIRef("http://example.org/o")):
        g.add((s, p, o))
    g.add((BNode("b2"), p, s))
    assert ntriples(g) == rdflib_ntriples(g)


def test_build_without_fork_gives_the_same_bytes(built, tmp_path, monkeypatch):
    import os

    def no_fork():
        raise OSError("no fork here")

    monkeypatch.setattr(os, "fork", no_fork)
    build(tmp_path / "inline", use_cache=False)
    for name in ("nkgraph.ttl", "nkgraph.nt", "manifest.json"):
        assert (tmp_path / "inline" / name).read_bytes() == (built.out_dir / name).read_bytes(), name


def test_noop_rebuild_imports_nothing_heavy(built, tmp_path):
    import subprocess
    import sys

    out = tmp_path / "out"
    build(out)
    code = (
        "import sys; from pathlib import Path; from nkgraph.pipeline import build; "
        f"r = build(Path({str(out)!r})); "
        "print(r.reused, sorted(m for m in ('rdflib', 'pyshacl', 'pyoxigraph') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["True", "[]"], done.stdout + done.stderr
