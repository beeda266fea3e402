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


def test_ntriples_writer_sorts_control_characters_like_rdflib():
    from rdflib import Graph, Literal, URIRef

    from nkgraph.serialize import ntriples, rdflib_ntriples

    g = Graph()
    s, p = URIRef("http://example.org/s"), URIRef("http://example.org/p")
    for text in ("a", "a\tb", "a\x01", "a\x0bb", "a\x0cb", "a\x1cb", "a b", "a!", "ab"):
        g.add((s, p, Literal(text)))
        g.add((URIRef("http://example.org/t"), p, Literal(text.replace("a", "z"))))
    assert ntriples(g) == rdflib_ntriples(g)
    plain = Graph()
    for text in ("a", "a b", "a!", "ab", "é"):
        plain.add((s, p, Literal(text)))
    assert ntriples(plain) == rdflib_ntriples(plain)


def test_counts_from_the_indexes_equal_rdflibs(built):
    from nkgraph.pipeline import _count, _count_rdflib

    assert _count(built.graph) == _count_rdflib(built.graph)
    assert _count(built.graph)[0]["disputed_claims"] == built.counts["disputed_claims"] > 0


def test_build_without_fork_gives_the_same_bytes(built, tmp_path, monkeypatch):
    import os

    def no_fork():
        raise OSError("no fork here")

    monkeypatch.setattr(os, "fork", no_fork)
    build(tmp_path / "inline", use_cache=False)
    for name in ("nkgraph.ttl", "nkgraph.nt", "manifest.json"):
        assert (tmp_path / "inline" / name).read_bytes() == (built.out_dir / name).read_bytes(), name


def test_a_failing_writer_process_is_replaced_by_inline_work(built, tmp_path, monkeypatch):
    """If a forked writer dies, the build does its job itself: the same bytes, a matching store."""
    import os

    from nkgraph import pipeline
    from nkgraph.store import store_matches

    parent, real = os.getpid(), pipeline._turtle_bytes

    def dies_in_the_child(graph):
        if os.getpid() != parent:
            os._exit(3)
        return real(graph)

    monkeypatch.setattr(pipeline, "_turtle_bytes", dies_in_the_child)
    out = tmp_path / "out"
    build(out, use_cache=False)
    for name in ("nkgraph.ttl", "nkgraph.nt", "manifest.json"):
        assert (out / name).read_bytes() == (built.out_dir / name).read_bytes(), name
    assert store_matches(out / "nkgraph.nt") is not None
    assert sorted(p.name for p in out.iterdir() if p.name.startswith(".")) == []


@pytest.mark.parametrize("fork", [True, False], ids=["forked", "inline"])
def test_a_store_that_cannot_be_written_stops_the_build_and_changes_nothing(built, tmp_path, monkeypatch, fork):
    import os
    import shutil

    from nkgraph import store
    from nkgraph.errors import OutputError

    out = tmp_path / "out"
    shutil.copytree(built.out_dir, out)
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}

    def full(folder, nt):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(store, "fill_store", full)
    if not fork:
        monkeypatch.setattr(os, "fork", lambda: (_ for _ in ()).throw(OSError("no fork here")))
    with pytest.raises(OutputError, match="No space left"):
        build(out, use_cache=False)
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()} == before
    assert sorted(p.name for p in out.iterdir() if p.name.startswith(".")) == []


def test_a_build_after_other_stores_were_opened_does_not_hang(built, tmp_path):
    """RocksDB's threads do not survive fork: a process that used a store before still builds."""
    import subprocess
    import sys

    code = (
        "import os, pyoxigraph as ox; from pathlib import Path; from nkgraph.pipeline import build; from nkgraph.store import store_matches; "
        f"s = ox.Store({str(tmp_path / 'other')!r}); s.bulk_load(b'<http://e/a> <http://e/p> <http://e/b> .', format=ox.RdfFormat.N_TRIPLES); s.flush(); "
        "assert len(os.listdir('/proc/self/task')) > 1 or not os.path.isdir('/proc/self/task'); "
        f"build(Path({str(tmp_path / 'out')!r}), use_cache=False); print(store_matches(Path({str(tmp_path / 'out' / 'nkgraph.nt')!r})) is not None)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and done.stdout.split() == ["True"], done.stdout + done.stderr
    assert (tmp_path / "out" / "nkgraph.nt").read_bytes() == (built.out_dir / "nkgraph.nt").read_bytes()


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


def _memory_state(graph):
    store = graph.store
    names = ("spo", "pos", "osp", "contextTriples", "tripleContexts", "defaultContexts")
    state = {n: getattr(store, f"_Memory__{n}") for n in names}
    state["contexts"] = {c.identifier for c in getattr(store, "_Memory__all_contexts")}
    return state


def test_fast_adder_leaves_the_store_exactly_as_graph_add_does():
    from rdflib import Graph, Literal, URIRef

    from nkgraph.triples import adder

    e = "http://example.org/"
    triples = [(URIRef(e + f"s{i % 7}"), URIRef(e + f"p{i % 3}"), Literal(i % 11) if i % 2 else URIRef(e + f"o{i % 5}")) for i in range(200)]
    for preloaded in (0, 1, 30):  # an empty graph, and graphs already holding triples added by rdflib
        reference, fast = Graph(identifier=URIRef(e + "g")), Graph(identifier=URIRef(e + "g"))
        for t in triples[:preloaded]:
            reference.add(t)
            fast.add(t)
        add = adder(fast)
        for t in triples[preloaded:] + triples[:50]:  # with repeats
            reference.add(t)
            add(t)
        assert _memory_state(fast) == _memory_state(reference)
        assert len(fast) == len(reference) and set(fast) == set(reference)
        assert set(fast.subjects(None, Literal(3))) == set(reference.subjects(None, Literal(3)))


def test_fast_adder_steps_aside_when_rdflib_must_do_the_work():
    from rdflib import Graph, URIRef
    from rdflib.events import Event

    from nkgraph.triples import adder

    listened = Graph()
    listened.store.dispatcher.subscribe(Event, lambda event: None)  # someone watches the adds
    assert adder(listened) == listened.add
    shared = Graph()  # a store holding another graph's triples too
    other = Graph(shared.store, identifier=URIRef("http://e/other"))
    other.add((URIRef("http://e/a"), URIRef("http://e/p"), URIRef("http://e/b")))
    assert adder(shared) == shared.add
    plain = Graph()
    assert adder(plain) != plain.add
