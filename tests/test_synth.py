"""The synthetic corpus: deterministic for a seed, the real graph's shape, conforming to our shapes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import Graph

from nkgraph.synth import _read_nt, corpus_shapes, document_slug, document_triples, graph_stats, write_corpus
from nkgraph.validation import validate_graph


@pytest.fixture(scope="module")
def template(built) -> Path:
    return built.out_dir / "nkgraph.nt"


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_same_seed_gives_byte_identical_files(template, tmp_path):
    a = write_corpus(template, tmp_path / "a", triples=60_000, seed=5)
    b = write_corpus(template, tmp_path / "b", triples=60_000, seed=5)
    assert a == b and a["documents"] >= 2
    fa, fb = _files(tmp_path / "a"), _files(tmp_path / "b")
    assert fa == fb
    assert {"shared.nt", "manifest.json"} <= set(fa)
    assert sum(1 for name in fa if name.startswith("documents/") and name.endswith(".nt")) == a["documents"]


def test_another_seed_gives_another_corpus(template, tmp_path):
    write_corpus(template, tmp_path / "a", triples=50_000, seed=1)
    write_corpus(template, tmp_path / "b", triples=50_000, seed=2)
    assert _files(tmp_path / "a")["documents/myb-2007-north-korea.nt"] != _files(tmp_path / "b")["documents/myb-2007-north-korea.nt"]


def test_each_document_is_its_own_unit_of_provenance(template, tmp_path):
    info = write_corpus(template, tmp_path, triples=50_000, seed=3)
    assert info["documents"] >= 2 and info["triples"] >= 50_000
    shared = (tmp_path / "shared.nt").read_text(encoding="utf-8")
    for doc in info["docs"]:
        text = (tmp_path / "documents" / f"{doc['slug']}.nt").read_text(encoding="utf-8")
        assert (tmp_path / "documents" / f"{doc['slug']}.txt").stat().st_size > 0
        assert f"-{doc['slug']}>" in text
        assert f"source-text-{doc['slug']}>" in text, "each document anchors its quotes in its own source text"
        assert len(text.splitlines()) == doc["triples"]
        subjects = {line.split(" ", 1)[0] for line in text.splitlines()}
        assert not subjects & {line.split(" ", 1)[0] for line in shared.splitlines()}, "documents do not restate the shared vocabulary"
    assert json.loads((tmp_path / "manifest.json").read_text())["docs"] == info["docs"]


def test_a_smaller_rerun_into_the_same_folder_leaves_no_stale_documents(template, tmp_path):
    write_corpus(template, tmp_path, triples=80_000, seed=1)
    info = write_corpus(template, tmp_path, triples=10_000, seed=1)
    assert sorted(p.stem for p in (tmp_path / "documents").glob("*.nt")) == [d["slug"] for d in info["docs"]]


def test_document_slugs_walk_countries_then_years():
    assert document_slug(0) == ("myb-2007-north-korea", "north-korea", 2007)
    assert document_slug(20)[2] == 2008


def test_documents_follow_the_real_graphs_statistics(template, tmp_path):
    """Per document: claims, cited and attributed shares, quantities, aliases and classes within stated tolerances of the real chapter."""
    real = graph_stats(_read_nt(template))
    info = write_corpus(template, tmp_path, triples=200_000, seed=9)
    shared = _read_nt(tmp_path / "shared.nt")
    full_docs = info["docs"][:-1]  # the last document is cut to fit the requested size
    assert len(full_docs) >= 3
    for doc in full_docs:
        triples = _read_nt(tmp_path / "documents" / f"{doc['slug']}.nt")
        stats = graph_stats(triples + shared)
        assert 0.55 * real["claims"] <= stats["claims"] <= real["claims"]
        assert abs(stats["cited_share"] - real["cited_share"]) <= 0.06
        assert abs(stats["attributed_share"] - real["attributed_share"]) <= 0.06
        assert abs(stats["quantities_per_claim"] - real["quantities_per_claim"]) <= 0.06
        assert stats["aliases"] == real["aliases"], "every name attestation (alias) of the chapter is kept"
        assert stats["classes"] <= real["classes"] and len(stats["classes"]) >= 0.9 * len(real["classes"])
        assert stats["conflict_links"] <= real["conflict_links"]
        claims = {s for s, p, o in triples if o.endswith("#Claim>")}
        for s, p, o in triples:
            if p.endswith("#conflictsWith>"):
                assert o in claims, "both sides of a conflict are kept together"
    mean_conflicts = sum(graph_stats(_read_nt(tmp_path / "documents" / f"{d['slug']}.nt"))["conflict_links"] for d in full_docs) / len(full_docs)
    assert mean_conflicts >= 0.5 * real["conflict_links"] > 0


def test_small_corpus_conforms_to_the_corpus_shapes(template, tmp_path, built):
    """Two small documents (conflicts, aliases, stakes included), each validated with the shared vocabulary as the corpus build does."""
    from nkgraph.loading import load_sources

    info = write_corpus(template, tmp_path, triples=22_000, seed=11, share_range=(0.05, 0.1))
    assert info["documents"] == 2
    sources = load_sources()
    shapes = corpus_shapes(sources.shapes)
    for doc in info["docs"]:
        graph = Graph().parse(tmp_path / "shared.nt", format="nt").parse(tmp_path / "documents" / f"{doc['slug']}.nt", format="nt")
        report = validate_graph(graph, shapes, sources.ontology)
        assert report.conforms, report.text[:3000]


def test_corpus_shapes_relax_only_the_single_chapter_values(built):
    from rdflib.namespace import SH

    from nkgraph.loading import load_sources

    shapes = load_sources().shapes
    relaxed = corpus_shapes(shapes)
    assert len(relaxed) == len(shapes)
    changed = set(shapes) - set(relaxed)
    assert {p for _, p, _ in changed} == {SH.hasValue} and len(changed) == 2


def test_synth_command_writes_a_corpus(template, tmp_path):
    from nkgraph.cli import main

    result = CliRunner().invoke(main, ["synth", "--triples", "15000", "--seed", "2", "--out", str(tmp_path / "c"), "--template", str(template)])
    assert result.exit_code == 0, result.output
    manifest = json.loads((tmp_path / "c" / "manifest.json").read_text())
    assert manifest["seed"] == 2 and manifest["triples"] >= 15000
    assert (tmp_path / "c" / "documents" / "myb-2007-north-korea.nt").exists()


def test_synth_command_without_a_build_says_what_to_do(tmp_path):
    from nkgraph.cli import main

    result = CliRunner().invoke(main, ["synth", "--triples", "1000", "--out", str(tmp_path / "c"), "--template", str(tmp_path / "missing.nt")])
    assert result.exit_code == 2
    assert "nkgraph build" in result.output and "Traceback" not in result.output


_NKD = "https://w3id.org/nkgraph/id/"


def _claim_countries(triples: list[tuple[str, str, str]], countries: set[str]) -> set[str]:
    """The nk:Country IRIs the claims of ``triples`` are about (rdf:subject)."""
    return {o for _, p, o in triples if p == "<http://www.w3.org/1999/02/22-rdf-syntax-ns#subject>" and o in countries}


def _date_years(triples: list[tuple[str, str, str]]) -> list[int]:
    """The years of the claims' nk:date values, sorted (with repeats)."""
    return sorted(int(o[1:5]) for _, p, o in triples if p == "<https://w3id.org/nkgraph/ontology#date>")


def test_each_document_states_its_own_country_and_year(template, tmp_path):
    """A document is its country's chapter of its year: its country stands where the real chapter has North Korea
    (the two swap where the real chapter mentions that country), and every date moves by (year - 2007) years."""
    from nkgraph.synth import load_template

    real = _read_nt(template)
    countries = {s for s, p, o in real if o == "<https://w3id.org/nkgraph/ontology#Country>"}
    info = write_corpus(template, tmp_path, triples=1_000, seed=4)  # the vocabulary only: documents come from document_triples
    shared = _read_nt(tmp_path / "shared.nt")
    countries |= {s for s, p, o in shared if o == "<https://w3id.org/nkgraph/ontology#Country>"}
    assert {f"<{_NKD}{document_slug(i)[1]}>" for i in range(40)} <= countries, "every simulated country is in the shared vocabulary"
    assert all(any(s == c and p.endswith("#label>") for s, p, o in shared + real) for c in countries), "every country has a label"
    assert info["shared_triples"] == len(shared)
    real_about, real_years = _claim_countries(real, countries), _date_years(real)
    nk = f"<{_NKD}north-korea>"
    assert nk in real_about and 2007 in real_years
    tmpl = load_template(template)
    seen = set()
    for index in (0, 1, 12, 13, 21, 33, 47, 60):  # north-korea 2007, mongolia 2007, china 2007, japan 2007, mongolia 2008, japan 2008 …
        slug, country, year = document_slug(index)
        doc = document_triples(tmpl, index, seed=4, keep=1.0)
        mine = f"<{_NKD}{country}>"
        swap = {nk: mine, mine: nk}
        about = _claim_countries(doc, countries)
        assert about == {swap.get(c, c) for c in real_about}, slug
        assert mine in about
        if mine != nk:
            assert (nk in about) == (mine in real_about), f"{slug} states North Korea only where the real chapter states {country}"
        assert _date_years(doc) == [y + year - 2007 for y in real_years], f"{slug}: every nk:date moves by {year - 2007} years"
        chapter = [o for s, p, o in doc if s == f"<{_NKD}usgs-myb-2007-north-korea-{slug}>" and p == "<http://purl.org/dc/terms/issued>"]
        assert chapter == [f'"{year}"^^<http://www.w3.org/2001/XMLSchema#gYear>']
        seen.add((country, year))
    assert len(seen) == 8


def test_document_zero_is_byte_identical_to_the_unlocalized_copy(template, tmp_path, monkeypatch):
    """The first document (North Korea, 2007) is the real chapter with only its IRIs renamed, byte for byte as before
    documents were localized; the others do change when localized."""
    import nkgraph.synth as synth

    info = write_corpus(template, tmp_path / "a", triples=90_000, seed=1)
    assert info["docs"][0]["slug"] == "myb-2007-north-korea" and info["documents"] >= 2
    monkeypatch.setattr(synth, "_localizer", lambda country, year: (lambda term: term))
    monkeypatch.setattr(synth, "_retitled", lambda literal, country, year: literal)
    plain = write_corpus(template, tmp_path / "b", triples=90_000, seed=1)
    first = "documents/myb-2007-north-korea.nt"
    assert _files(tmp_path / "a")[first] == _files(tmp_path / "b")[first]
    assert info["docs"][0] == plain["docs"][0]
    assert info["docs"][1]["sha256"] != plain["docs"][1]["sha256"], "the second document (Mongolia) is localized"


def test_a_localized_document_conforms_to_the_corpus_shapes(template, built):
    """Japan 2008 (North Korea and Japan swapped, every date a year on) validates with the shared vocabulary."""
    from nkgraph.loading import load_sources
    from nkgraph.synth import _nt, country_triples, load_template

    tmpl = load_template(template)
    assert document_slug(33) == ("myb-2008-japan", "japan", 2008)
    doc = document_triples(tmpl, 33, seed=11, keep=0.05)
    shared = tmpl.shared + country_triples({s for s, _, _ in tmpl.shared})
    assert any(o == '"2008"^^<http://www.w3.org/2001/XMLSchema#gYear>' for _, p, o in doc if p.endswith("#date>"))
    sources = load_sources()
    graph = Graph().parse(data=_nt(shared + doc).decode("utf-8"), format="nt")
    report = validate_graph(graph, corpus_shapes(sources.shapes), sources.ontology)
    assert report.conforms, report.text[:3000]
