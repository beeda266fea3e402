"""``investment-by-country`` and ``stakes`` on a corpus: "foreign" is relative to the chapter stating the claim.

Each chapter names its country (``dcterms:spatial``). An organization is foreign to a chapter when
its country is not the chapter's: in the chapter about China, a Chinese company investing there is
domestic and a North Korean one foreign. The corpus is four chapters simulated by ``nkgraph.synth``
from the real graph with every claim kept (North Korea, Mongolia, China and the Republic of Korea:
each chapter's country takes North Korea's place, and North Korea the country's where the real
chapter names it, so in the chapter about China the Chinese companies of the real chapter are said
to be North Korean). Added by hand: a news report (an ``nk:Reference``, no country) that alone
states a stake of Luanhe and China's investment in lead, and the Mongolia chapter's statement that
Mongolia invests in lead (domestic). A claim of a document without a country is left out: it names
no host country to be foreign to.
"""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from nkgraph.queries import find_query, run_query
from nkgraph.synth import country_triples, document_slug, document_triples, load_template

NKD = "https://w3id.org/nkgraph/id/"

#: the simulated chapters (nkgraph.synth.document_slug): North Korea, Mongolia, China, Republic of Korea
CHAPTERS = (0, 1, 12, 14)

#: the real chapter's foreign organizations, each with its country there, and their stakes and deals (kind)
COUNTRY_OF = {
    "Korea Resources Corp.": "Republic of Korea",
    "Luanhe Industrial Group": "China",
    "Orascom Construction Industries": "Egypt",
    "Tangshan Iron and Steel Group": "China",
    "Tonghua Iron and Steel Group": "China",
    "Unnamed Chinese privately owned company": "China",
}
KINDS = {
    ("Korea Resources Corp.", "equity stake"),
    ("Korea Resources Corp.", "joint venture"),
    ("Luanhe Industrial Group", "equity stake"),
    ("Luanhe Industrial Group", "mining right"),
    ("Orascom Construction Industries", "acquisition"),
    ("Orascom Construction Industries", "equity stake"),
    ("Tangshan Iron and Steel Group", "equity stake"),
    ("Tangshan Iron and Steel Group", "letter of intent"),
    ("Tonghua Iron and Steel Group", "mining right"),
    ("Unnamed Chinese privately owned company", "equity stake"),
}
LABELS = {"north-korea": "North Korea", "mongolia": "Mongolia", "china": "China", "republic-of-korea": "Republic of Korea"}

EXTRA = """
@prefix nk: <https://w3id.org/nkgraph/ontology#> .
@prefix nkd: <https://w3id.org/nkgraph/id/> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
nkd:ref-news-test a nk:Reference .
nkd:stake-news-test a nk:EquityStake .
nkd:claim-news-test-holder a nk:Claim ; nk:statedIn nkd:ref-news-test ; nk:modality nk:Asserted ;
    rdf:subject nkd:stake-news-test ; rdf:predicate nk:holder ; rdf:object nkd:luanhe-industrial-group-myb-2007-north-korea .
nkd:claim-news-test-lead a nk:Claim ; nk:statedIn nkd:ref-news-test ; nk:modality nk:Asserted ;
    rdf:subject nkd:china ; rdf:predicate nk:investsIn ; rdf:object nkd:lead .
nkd:claim-mongolia-own-investment a nk:Claim ; nk:statedIn <MONGOLIA_CHAPTER> ; nk:modality nk:Asserted ;
    rdf:subject nkd:mongolia ; rdf:predicate nk:investsIn ; rdf:object nkd:lead .
"""


@pytest.fixture(scope="module")
def corpus(built) -> ox.Store:
    """Four simulated chapters (all claims kept), the shared vocabulary and the hand-made claims, in one store."""
    template = load_template(built.out_dir / "nkgraph.nt")
    triples = template.shared + country_triples({t[0] for t in template.shared})
    for index in CHAPTERS:
        triples += document_triples(template, index, seed=1, keep=1.0)
    store = ox.Store()
    store.load("".join(f"{s} {p} {o} .\n" for s, p, o in triples), format=ox.RdfFormat.N_TRIPLES)
    (row,) = store.query(f"SELECT ?c WHERE {{ ?c <http://purl.org/dc/terms/spatial> <{NKD}mongolia> }}")
    store.load(EXTRA.replace("MONGOLIA_CHAPTER", row["c"].value), format=ox.RdfFormat.TURTLE)
    return store


def _expected(country: str) -> set[tuple[str, str, str]]:
    """(organization, kind, its country) of the foreign stakes and deals of the chapter about ``country``.

    The chapter's country and North Korea swap places: its own organizations are said to be North Korean.
    """
    own = LABELS[country]
    return {(org, kind, "North Korea" if COUNTRY_OF[org] == own else COUNTRY_OF[org]) for org, kind in KINDS}


def _slug_of_vehicle(vehicle: str) -> str | None:
    return next((slug for slug, _, _ in map(document_slug, CHAPTERS) if vehicle.endswith("-" + slug)), None)


def test_stakes_lists_per_chapter_the_organizations_foreign_to_that_chapter(corpus):
    rows = run_query(find_query("stakes"), corpus).rows
    assert all(_slug_of_vehicle(r["vehicle"]) for r in rows), [r["vehicle"] for r in rows if not _slug_of_vehicle(r["vehicle"])]
    for index in CHAPTERS:
        slug, country, _ = document_slug(index)
        got = {(r["holder_label"], r["kind"], r["country"]) for r in rows if _slug_of_vehicle(r["vehicle"]) == slug}
        assert got == _expected(country), slug
    assert len(rows) == len(KINDS) * len(CHAPTERS)


def test_stakes_of_a_domestic_organization_are_not_foreign(corpus):
    # Myongji Corp. holds half of Jeongchon Mine: North Korean in the real chapter, Mongolian in the Mongolia chapter
    assert run_query(find_query("stakes"), corpus, {"holder": f"nkd:myongji-corp-{document_slug(1)[0]}"}).rows == []
    # Luanhe is Chinese, hence North Korean in the China chapter, and foreign there
    rows = run_query(find_query("stakes"), corpus, {"holder": f"nkd:luanhe-industrial-group-{document_slug(12)[0]}"}).rows
    assert sorted((r["kind"], r["country"]) for r in rows) == [("equity stake", "North Korea"), ("mining right", "North Korea")]


def test_investment_by_country_lists_per_chapter_the_organizations_foreign_to_that_chapter(corpus):
    rows = run_query(find_query("investment-by-country"), corpus).rows
    organizations = [r for r in rows if r["investor"] != r["country_label"]]
    tags = {id(r): {slug for slug, _, _ in map(document_slug, CHAPTERS) if f"[{slug}]" in (r["references"] or "")} for r in organizations}
    # every organization's row is one chapter's stake or deal (its references are that chapter's):
    # none for the stake that only the news report states
    assert all(len(t) == 1 for t in tags.values()), [r for r in organizations if len(tags[id(r)]) != 1]
    for index in CHAPTERS:
        slug, country, _ = document_slug(index)
        got = {(r["investor"], r["kind"], r["country_label"]) for r in organizations if tags[id(r)] == {slug}}
        assert got == _expected(country), slug
    assert len(organizations) == len(KINDS) * len(CHAPTERS)


def test_investment_by_country_lists_the_countries_foreign_to_the_chapter_stating_it(corpus):
    rows = run_query(find_query("investment-by-country"), corpus).rows
    countries = {(r["investor"], r["kind"], r["status"]): r["target"] for r in rows if r["investor"] == r["country_label"]}
    # China's investments, as the real chapter states them, are North Korea's in the China chapter;
    # the Republic of Korea's joint ventures are North Korea's in its own chapter. Mongolia's own
    # investment is domestic in its chapter: no row
    assert sorted(countries) == sorted(
        (investor, kind, status)
        for investor in ("China", "North Korea")
        for kind, status in (("invests in", "asserted"), ("invests in", "forecast"), ("joint venture in", "asserted"), ("joint venture in", "planned"))
    ) + [("Republic of Korea", "joint venture in", "asserted"), ("Republic of Korea", "joint venture in", "planned")]
    # China's investment in lead, which only the news report (no country) states, is left out
    assert "coal" in countries["China", "invests in", "asserted"].split("; ")
    assert "lead" not in countries["China", "invests in", "asserted"].split("; ")


def test_investment_by_country_of_north_korea_in_other_chapters(corpus):
    rows = run_query(find_query("investment-by-country"), corpus, {"country": "nkd:north-korea"}).rows
    assert {r["country_label"] for r in rows} == {"North Korea"}
    # the Chinese organizations of the China chapter, the Korea Resources Corp. of the Republic of Korea's,
    # and the country's own investments restated in those chapters
    assert {r["investor"] for r in rows} == {"North Korea", "Korea Resources Corp."} | {o for o, c in COUNTRY_OF.items() if c == "China"}
