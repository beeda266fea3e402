"""The synthetic corpus: deterministic for a seed, the real graph's shape, conforming to our shapes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import BNode, Graph, URIRef

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
    full_docs = [d for d in info["docs"] if d["kind"] == "chapter"][:-1]  # the last chapter is cut to fit the requested size
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
    assert info["chapters"] == 2
    sources = load_sources()
    shapes = corpus_shapes(sources.shapes)
    for doc in info["docs"]:
        graph = Graph().parse(tmp_path / "shared.nt", format="nt").parse(tmp_path / "documents" / f"{doc['slug']}.nt", format="nt")
        report = validate_graph(graph, shapes, sources.ontology)
        assert report.conforms, report.text[:3000]


def test_corpus_shapes_relax_only_the_single_chapter_values(built):
    """statedIn: an nk:Chapter or an nk:Reference (a news report), nothing else; a text anchor's source: an nk:SourceText."""
    from rdflib.collection import Collection
    from rdflib.namespace import SH

    from nkgraph.loading import load_sources
    from nkgraph.namespace import NK

    shapes = load_sources().shapes
    relaxed = corpus_shapes(shapes)
    removed = set(shapes) - set(relaxed)
    assert {p for _, p, _ in removed} == {SH.hasValue, SH.message} and len(removed) == 3
    stated_in, source = (URIRef(f"https://w3id.org/nkgraph/shapes#{n}") for n in ("ClaimStatedInShape", "AnchorSourceShape"))
    assert {s for s, _, _ in removed} == {stated_in, source}
    (works,) = relaxed.objects(stated_in, SH["or"])
    assert sorted(relaxed.value(w, SH["class"]) for w in Collection(relaxed, works)) == sorted([NK.Chapter, NK.Reference])
    assert list(relaxed.objects(source, SH["class"])) == [NK.SourceText]
    assert "nk:Reference" in str(relaxed.value(stated_in, SH.message))
    added = {(s, p, o) for s, p, o in set(relaxed) - set(shapes) if not isinstance(s, BNode)}
    assert added == {(stated_in, SH["or"], works), (stated_in, SH.message, relaxed.value(stated_in, SH.message)), (source, SH["class"], NK.SourceText)}


def test_synth_command_writes_a_corpus(template, tmp_path):
    from nkgraph.cli import main

    result = CliRunner().invoke(main, ["synth", "--triples", "40000", "--seed", "2", "--out", str(tmp_path / "c"), "--template", str(template)])
    assert result.exit_code == 0, result.output
    manifest = json.loads((tmp_path / "c" / "manifest.json").read_text())
    assert manifest["seed"] == 2 and manifest["triples"] >= 40000
    assert (tmp_path / "c" / "documents" / "myb-2007-north-korea.nt").exists()
    assert sorted(p.name for p in (tmp_path / "c" / "documents").glob("news-*.nt")), "news reports by default"
    result = CliRunner().invoke(main, ["synth", "--triples", "15000", "--news-share", "0", "--out", str(tmp_path / "d"), "--template", str(template)])
    assert result.exit_code == 0, result.output
    assert not list((tmp_path / "d" / "documents").glob("news-*")) and "0 news report(s)" in result.output


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
    second, plain_second = ([d for d in i["docs"] if d["kind"] == "chapter"][1] for i in (info, plain))
    assert second["slug"] == plain_second["slug"] == "myb-2007-mongolia"
    assert second["sha256"] != plain_second["sha256"], "the second chapter (Mongolia) is localized"


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


# --- news reports: documents of their own ---

_NK = "https://w3id.org/nkgraph/ontology#"
_FABIO_NEWS = {URIRef("http://purl.org/spar/fabio/NewsItem"), URIRef("http://purl.org/spar/fabio/NewspaperArticle")}


@pytest.fixture(scope="module")
def news_corpus(template, tmp_path_factory) -> tuple[Path, dict]:
    """A corpus of 120,000 triples: chapters (North Korea, Mongolia, Burma, Cambodia) and their news documents."""
    out = tmp_path_factory.mktemp("news") / "corpus"
    return out, write_corpus(template, out, triples=120_000, seed=3)


def _doc_graph(folder: Path, slug: str) -> Graph:
    return Graph().parse(folder / "documents" / f"{slug}.nt", format="nt")


def _news(info: dict) -> list[dict]:
    return [d for d in info["docs"] if d["kind"] == "news"]


def test_news_documents_exist_and_are_deterministic(template, news_corpus, tmp_path):
    """News documents come with the chapters, each the article behind a news reference its chapter cites, slugged
    news-YEAR-PUBLISHER-N (N counts that publisher's articles of that year); the same seed writes the same bytes."""
    import re

    folder, info = news_corpus
    news = _news(info)
    assert len(news) >= 5 and info["news_documents"] == len(news) and {d["country"] for d in news} >= {"north-korea", "mongolia"}
    again = write_corpus(template, tmp_path, triples=120_000, seed=3)
    assert again == info and _files(tmp_path) == _files(folder)
    real = Graph().parse(template, format="nt")
    rdf_type = URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    creator = URIRef("http://purl.org/dc/terms/creator")
    chapters = {}
    counts: dict[tuple[int, str], int] = {}
    for doc in info["docs"]:
        if doc["kind"] == "chapter":
            chapters[doc["slug"]] = doc
            continue
        m = re.fullmatch(r"news-(\d{4})-([a-z0-9-]+)-(\d+)", doc["slug"])
        assert m and (int(m[1]), m[2]) == (doc["year"], doc["publisher"]), doc["slug"]
        counts[(doc["year"], doc["publisher"])] = counts.get((doc["year"], doc["publisher"]), 0) + 1
        assert int(m[3]) == counts[(doc["year"], doc["publisher"])], "numbered 1, 2 … per publisher and year, in order"
        assert doc["chapter"] in chapters, "a news document follows the chapter that cites it"
        ref = URIRef(_NKD + doc["reference"])
        publisher = real.value(ref, creator)
        assert publisher == URIRef(_NKD + doc["publisher"])
        assert set(real.objects(ref, rdf_type)) & _FABIO_NEWS or (publisher, rdf_type, URIRef(_NK + "NewsPublisher")) in real
        ref_year = int(str(real.value(ref, URIRef("http://purl.org/dc/terms/date"))))
        assert doc["year"] == ref_year + chapters[doc["chapter"]]["year"] - 2007 and doc["country"] == chapters[doc["chapter"]]["country"]
    other = write_corpus(template, tmp_path / "other", triples=120_000, seed=4)
    assert [d["slug"] for d in _news(other)] != [d["slug"] for d in news], "another seed picks other articles"


def test_news_claims_restate_their_chapter_and_are_stated_in_their_own_article(news_corpus):
    """Each claim of a news document is nk:statedIn its article's node (nkd:ref-SLUG, an nk:Reference with the
    reference's fabio type) and nothing else, cites nothing, and restates the claim of its chapter that cites the
    reference: same subject, predicate, quote, statement, date, and object where the object is an entity."""
    from rdflib.namespace import DCTERMS, PROV, RDF

    cito = "http://purl.org/spar/cito/"
    folder, info = news_corpus
    nk = lambda name: URIRef(_NK + name)  # noqa: E731
    chapters = {d["slug"]: _doc_graph(folder, d["slug"]) for d in info["docs"] if d["kind"] == "chapter"}
    for doc in _news(info):
        slug, chapter_slug = doc["slug"], doc["chapter"]
        g, ch = _doc_graph(folder, slug), chapters[chapter_slug]
        article = URIRef(f"{_NKD}ref-{slug}")
        ref = URIRef(f"{_NKD}{doc['reference']}-{chapter_slug}")
        assert (ref, RDF.type, nk("Reference")) in ch, "the chapter cites the reference the article is behind"
        assert set(g.objects(article, RDF.type)) == set(ch.objects(ref, RDF.type)) and nk("Reference") in set(g.objects(article, RDF.type))
        assert g.value(article, PROV.alternateOf) == ref and g.value(article, DCTERMS.creator) == ch.value(ref, DCTERMS.creator)
        assert not any(True for _ in g.triples((None, URIRef(cito + "citesAsEvidence"), None))) and not any(True for _ in g.triples((None, nk("citation"), None)))
        claims = set(g.subjects(RDF.type, nk("Claim")))
        assert claims and set(g.subjects(nk("statedIn"), None)) == claims
        cited = set(ch.subjects(URIRef(cito + "citesAsEvidence"), ref))
        assert len(claims) == len(cited), "every claim of the chapter citing the reference, once"
        for claim in claims:
            assert list(g.objects(claim, nk("statedIn"))) == [article]
            assert g.value(claim, nk("uncited")).toPython() is True
            assert str(claim).endswith(f"-{slug}")
            source = URIRef(str(claim)[: -len(slug)] + chapter_slug)
            assert source in cited, f"{claim} restates a claim of {chapter_slug} citing {ref}"
            for p in (RDF.subject, RDF.predicate, nk("quote"), nk("statement"), nk("date"), nk("modality")):
                assert g.value(claim, p) == ch.value(source, p), (claim, p)
            obj = ch.value(source, RDF.object)
            if not str(obj).startswith(str(source)):  # (a quantity is the claim's own node)
                assert g.value(claim, RDF.object) == obj
            agents = set(g.objects(claim, PROV.wasAttributedTo))
            assert agents == (set(ch.objects(source, PROV.wasAttributedTo)) or {ch.value(ref, DCTERMS.creator)}), "attributed as in the chapter, else to the publisher"
    stated_in = {o for ch in chapters.values() for o in ch.objects(None, nk("statedIn"))}
    assert all(str(o).startswith(_NKD + "usgs-myb-") for o in stated_in), "no chapter claim is stated in an article"


def test_news_quotes_stand_verbatim_at_their_anchors_in_the_articles_own_text(news_corpus):
    """A news claim's quote is exactly the text of the document's own SLUG.txt at its anchor's offsets, with the
    32 characters before and after as prefix and suffix, on its start and end lines, in the article's one section."""
    import hashlib

    from rdflib.namespace import RDF

    folder, info = news_corpus
    nk = lambda name: URIRef(_NK + name)  # noqa: E731
    oa = lambda name: URIRef("http://www.w3.org/ns/oa#" + name)  # noqa: E731
    for doc in _news(info):
        slug = doc["slug"]
        g = _doc_graph(folder, slug)
        data = (folder / "documents" / f"{slug}.txt").read_bytes()
        text = data.decode("utf-8")
        source = URIRef(f"{_NKD}source-text-{slug}")
        assert (source, RDF.type, nk("SourceText")) in g and str(g.value(source, nk("sha256"))) == hashlib.sha256(data).hexdigest()
        assert str(g.value(source, nk("path"))) == f"documents/{slug}.txt"
        (section,) = g.subjects(RDF.type, nk("Section"))
        assert str(g.value(section, nk("heading"))) == text.split("\n", 1)[0]
        assert int(g.value(section, nk("endLine"))) == text.count("\n")
        for claim in g.subjects(RDF.type, nk("Claim")):
            anchor = g.value(claim, nk("textAnchor"))
            assert g.value(anchor, oa("hasSource")) == source and g.value(claim, nk("inSection")) == section
            selectors = {g.value(s, RDF.type): s for s in g.objects(anchor, oa("hasSelector"))}
            quote, position = selectors[oa("TextQuoteSelector")], selectors[oa("TextPositionSelector")]
            start, end = int(g.value(position, oa("start"))), int(g.value(position, oa("end")))
            assert text[start:end] == str(g.value(quote, oa("exact"))) == str(g.value(claim, nk("quote")))
            assert str(g.value(quote, oa("prefix"))) == text[max(0, start - 32) : start] and str(g.value(quote, oa("suffix"))) == text[end : end + 32]
            assert int(g.value(claim, nk("startLine"))) == text[:start].count("\n") + 1
            assert int(g.value(claim, nk("endLine"))) == text[:end].count("\n") + 1


def test_news_documents_conform_to_the_corpus_shapes(news_corpus, built):
    """Every news document validates with the shared vocabulary, as the corpus build does; a claim stated in its
    section, or in its article and a chapter, does not."""
    from rdflib.namespace import RDF

    from nkgraph.loading import load_sources

    folder, info = news_corpus
    sources = load_sources()
    shapes = corpus_shapes(sources.shapes)
    shared = Graph().parse(folder / "shared.nt", format="nt")
    news = _news(info)
    assert any(d["country"] != "north-korea" for d in news)
    for doc in news:
        graph = Graph()
        graph += shared
        graph += _doc_graph(folder, doc["slug"])
        report = validate_graph(graph, shapes, sources.ontology)
        assert report.conforms, (doc["slug"], report.text[:3000])
    nk = lambda name: URIRef(_NK + name)  # noqa: E731
    claim = next(graph.subjects(RDF.type, nk("Claim")))
    (section,) = graph.subjects(RDF.type, nk("Section"))
    article = graph.value(claim, nk("statedIn"))
    graph.set((claim, nk("statedIn"), section))
    report = validate_graph(graph, shapes, sources.ontology)
    assert not report.conforms and "ClaimStatedInShape" in report.text
    graph.set((claim, nk("statedIn"), article))
    graph.add((claim, nk("statedIn"), URIRef(_NKD + "usgs-myb-2007-north-korea-myb-2007-north-korea")))
    graph.add((URIRef(_NKD + "usgs-myb-2007-north-korea-myb-2007-north-korea"), RDF.type, nk("Chapter")))
    report = validate_graph(graph, shapes, sources.ontology)
    assert not report.conforms and "ClaimStatedInShape" in report.text


def test_news_leave_document_zero_and_the_full_chapters_as_they_were(template, news_corpus, tmp_path):
    """Without news (news_share=0) the same seed writes the same first document, byte for byte, and the same full
    chapters; only the last chapter, cut to the budget, differs."""
    folder, info = news_corpus
    plain = write_corpus(template, tmp_path, triples=120_000, seed=3, news_share=0)
    assert plain["news_documents"] == 0 and all(d["kind"] == "chapter" for d in plain["docs"])
    first = "documents/myb-2007-north-korea.nt"
    assert (folder / first).read_bytes() == (tmp_path / first).read_bytes()
    with_news = [d for d in info["docs"] if d["kind"] == "chapter"]
    assert with_news[:-1] == plain["docs"][: len(with_news) - 1] and len(with_news) >= 3


def test_news_count_toward_the_triple_budget(template, tmp_path):
    """The corpus holds the triples asked for and at most 3 % more; news documents hold a modest share of them, taken
    from the chapters' share (no more chapters than without news)."""
    for triples, seed in ((60_000, 5), (150_000, 2)):
        info = write_corpus(template, tmp_path / str(seed), triples=triples, seed=seed)
        lines = sum(len(p.read_bytes().splitlines()) for p in (tmp_path / str(seed) / "documents").glob("*.nt"))
        assert info["triples"] == info["shared_triples"] + sum(d["triples"] for d in info["docs"]) == info["shared_triples"] + lines
        assert triples <= info["triples"] <= 1.03 * triples
        share = info["news_triples"] / (info["triples"] - info["shared_triples"])
        assert 0.02 <= share <= 0.15, share
        plain = write_corpus(template, tmp_path / f"{seed}-plain", triples=triples, seed=seed, news_share=0)
        assert info["chapters"] <= plain["chapters"]
