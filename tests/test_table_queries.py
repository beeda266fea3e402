"""The Table 1 / Table 2 queries on a corpus of a few chapters: one order, and no pairing across chapters.

In a corpus every chapter has its own Table 1 and Table 2 (the sections headed "TABLE 1" and
"TABLE 2"), and two chapters share commodities, years and row numbers. The checks must compare a
chapter only with itself, and ``capacity`` must give one order although rows of two chapters tie
on its sort keys. The corpus is written by ``nkgraph synth`` from the real graph (three chapters,
no news); one chapter's figures at a time are then changed so that it disagrees with itself.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from nkgraph.queries import find_query, run_query
from nkgraph.synth import write_corpus

NK = "https://w3id.org/nkgraph/ontology#"

#: check -> (SPARQL Update that makes ?chapter disagree with itself, the claim columns of a finding)
CHANGES = {
    "checks/text-vs-table1": (
        # every figure of the text doubled (a cell of Table 1 is in the section headed "TABLE 1")
        """DELETE { ?q nk:canonicalValue ?v } INSERT { ?q nk:canonicalValue ?doubled } WHERE {
             ?c nk:statedIn ?chapter ; rdf:predicate nk:annualProduction ; nk:inSection ?s ; rdf:object ?q .
             FILTER NOT EXISTS { ?s nk:heading "TABLE 1" }
             ?q nk:canonicalValue ?v . BIND (?v * 2 AS ?doubled) }""",
        ("text_claim", "table_claim"),
    ),
    "checks/production-change-vs-table1": (
        """DELETE { ?q nk:numericValue ?v } INSERT { ?q nk:numericValue ?tripled } WHERE {
             ?c nk:statedIn ?chapter ; rdf:predicate nk:productionChange ; rdf:object ?q .
             ?q nk:numericValue ?v . BIND (?v * 3 AS ?tripled) }""",
        ("text_claim", "table_claim"),
    ),
    "checks/table1-component-sums": (
        """DELETE { ?q nk:canonicalValue ?v } INSERT { ?q nk:canonicalValue ?doubled } WHERE {
             ?c nk:statedIn ?chapter ; rdf:predicate nk:annualProduction ; rdf:subject ?series ; rdf:object ?q .
             ?series nk:seriesLabel ?label . FILTER (STRENDS(?label, ": Total"))
             ?q nk:canonicalValue ?v . BIND (?v * 2 AS ?doubled) }""",
        ("total_claim",),
    ),
    "checks/facility-capacity-vs-table2": (
        """DELETE { ?q nk:canonicalValue ?v } INSERT { ?q nk:canonicalValue ?doubled } WHERE {
             ?c nk:statedIn ?chapter ; rdf:predicate nk:annualCapacity ; nk:inSection ?s ; rdf:object ?q .
             FILTER NOT EXISTS { ?s nk:heading "TABLE 2" }
             ?q nk:canonicalValue ?v . BIND (?v * 2 AS ?doubled) }""",
        ("text_claim", "table_claim"),
    ),
}


@pytest.fixture(scope="module")
def corpus(built, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A synthetic corpus of three chapters of the real graph's shape (IRIs renamed per chapter)."""
    out = tmp_path_factory.mktemp("two-chapters")
    write_corpus(built.out_dir / "nkgraph.nt", out, triples=80_000, seed=3, news_share=0.0)
    return out


def _store(corpus: Path) -> ox.Store:
    """The corpus in a fresh in-memory store (shared vocabulary and every document)."""
    store = ox.Store()
    for part in [corpus / "shared.nt", *sorted((corpus / "documents").glob("*.nt"))]:
        store.load(path=str(part), format=ox.RdfFormat.N_TRIPLES)
    return store


def _chapters(store: ox.Store) -> list[str]:
    rows = store.query(f"SELECT DISTINCT ?chapter WHERE {{ ?c <{NK}statedIn> ?chapter }} ORDER BY ?chapter")
    return [row["chapter"].value for row in rows]


def _stated_in(store: ox.Store, claim: str) -> str:
    (quad,) = list(store.quads_for_pattern(ox.NamedNode(claim), ox.NamedNode(NK + "statedIn"), None))
    return quad.object.value


@pytest.mark.parametrize("name", sorted(CHANGES))
def test_a_check_pairs_figures_of_one_chapter_only(corpus, name):
    update, claim_columns = CHANGES[name]

    def findings(store: ox.Store) -> set[tuple[str, ...]]:
        return {tuple(row[c] for c in claim_columns) for row in run_query(find_query(name), store).rows}

    before = findings(_store(corpus))  # the synthetic chapters drop some rows: a few totals lack a part
    changed = 0
    for chapter in _chapters(_store(corpus)):
        store = _store(corpus)  # one chapter changed at a time: the new findings must be its own
        store.update(
            "PREFIX nk: <https://w3id.org/nkgraph/ontology#> PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> "
            + update.replace("WHERE {", f"WHERE {{ VALUES ?chapter {{ <{chapter}> }}", 1)
        )
        after = findings(store)
        changed += bool(after - before)
        for claims in after - before:
            assert {_stated_in(store, c) for c in claims} == {chapter}, f"{name}: a finding of {chapter} pairs a claim of another chapter: {claims}"
        others = {claims for claims in after if _stated_in(store, claims[0]) != chapter}
        assert others <= before, f"{name}: changing {chapter} changed another chapter's findings"
    assert changed, f"{name}: no changed chapter gives a new finding"


def test_capacity_orders_rows_of_several_chapters_one_way(corpus):
    store = _store(corpus)
    rows = run_query(find_query("capacity"), store).rows
    assert len({_stated_in(store, r["claim"]) for r in rows}) >= 2
    keys = [(0 if r["scope"] == "table 2" else 1, r["row"] if r["row"] is not None else -1, r["claim"]) for r in rows]
    tied = [k for k in keys if sum(1 for j in keys if j[:2] == k[:2]) > 1]
    assert tied, "no two rows tie on scope and row: the corpus does not test the tie-break"
    # the Table 2 rows tie on (scope, row) across the chapters; the claim decides, in IRI order
    # (before the claim was a sort key, two runs on one store could give two orders)
    table2 = [k for k in keys if k[0] == 0]
    assert table2 == sorted(table2)


def test_capacity_gives_each_chapter_the_national_statements_of_its_own_country(corpus):
    store = _store(corpus)
    national = [r for r in run_query(find_query("capacity"), store).rows if r["scope"] == "national"]
    locations: dict[str, set[str]] = {}
    for r in national:
        locations.setdefault(_stated_in(store, r["claim"]), set()).add(r["location"])
    assert len(locations) >= 2, "every chapter states national capacities, not only North Korea's"
    for chapter, seen in locations.items():
        (row,) = store.query(f"SELECT ?l WHERE {{ <{chapter}> <http://purl.org/dc/terms/spatial>/<http://www.w3.org/2000/01/rdf-schema#label> ?l }}")
        assert seen == {row["l"].value}, f"{chapter}: national capacities of another country"
    assert len(set().union(*locations.values())) == len(locations)


def test_investment_by_country_orders_rows_of_several_chapters_by_every_column(corpus):
    # chapters restate the same investors, assets and kinds: rows tie on the first sort keys, and
    # only the remaining columns give one order (before, two runs could give two orders)
    rows = run_query(find_query("investment-by-country"), _store(corpus)).rows
    columns = ["country_label", "investor", "kind", "target", "share_percent", "value_usd", "status", "references", "country"]
    keys = [tuple((0, "") if r[c] is None else (1, r[c]) for c in columns) for r in rows]
    assert len({k[:4] for k in keys}) < len(keys), "no rows tie on the first four keys: the corpus does not test the tie-break"
    assert keys == sorted(keys)


def test_production_vs_capacity_breaks_ties_between_chapters_by_year_and_claims(corpus):
    rows = run_query(find_query("production-vs-capacity"), _store(corpus)).rows
    keys = [(r["commodity_label"], r["production_source"], str(r["year"]), r["capacity_claim"], r["production_claim"]) for r in rows]
    assert len({k[:2] for k in keys}) < len(keys), "no rows tie on commodity and source: the corpus does not test the tie-break"
    assert keys == sorted(keys)


def test_capacity_joins_the_table_2_lists_to_table_2_rows_only(corpus):
    # the operator, part and province lists are joined at the top of the query, on facility and row:
    # a national statement (no row; its subject is the country) must get none of them, and its
    # location is its country's name, not a list of sites
    store = _store(corpus)
    rows = run_query(find_query("capacity"), store).rows
    national = [r for r in rows if r["scope"] == "national"]
    table2 = [r for r in rows if r["scope"] == "table 2"]
    assert national and table2
    for r in national:
        assert (r["row"], r["operator"], r["parts"], r["province"]) == (None, None, None, None), r["claim"]
        assert r["location"] and "; " not in r["location"], r["claim"]
    for column in ("operator", "parts", "province", "location"):
        assert any(r[column] for r in table2), f"no Table 2 row has a {column}: the corpus does not test the join"
