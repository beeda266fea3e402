"""Consistency findings: the exact findings on the real graph, and a disagreement fixture per comparison.

The expected findings were written from the chapter by hand: the figures from the Structure
section (lines 137-141) and Table 2 (lines 510-555), the conflicts from the Copper and Iron and
Steel sections, the URLs from References Cited, the misspellings from the lines that print them.
Each fixture in tests/fixtures/checks/ is a fragment of a built graph in which the chapter would
disagree with itself; its comment says how.
"""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from nkgraph.checks import list_checks, run_checks, template_fields
from nkgraph.commands_audit import check
from nkgraph.queries import run_query
from nkgraph.source import SourceText

FIXTURES = Path(__file__).parent / "fixtures" / "checks"

#: check -> number of findings on the real graph (each detailed below when not zero).
EXPECTED_COUNTS = {
    "conflicting-claims": 3,
    "facility-capacity-vs-table2": 0,  # 2.5 Mt/yr (Cement section) = 2,500 kt (Table 2 row 2)
    "facility-name-vs-province": 1,
    "malformed-urls": 2,
    "misspellings": 9,
    "national-capacity-vs-table2": 5,
    "production-above-capacity": 0,  # coal 24.1 of 25 Mt/yr, cement 6.13 of 7, iron ore 5.13 of 5.5 ...
    "production-change-vs-table1": 0,  # -2.4% (Coal section) vs (24,100 - 24,700) / 24,700 = -2.43%
    "table1-component-sums": 0,  # 16,000 + 6,300 = 22,300 ... 17,100 + 7,000 = 24,100
    "table2-owners-vs-text": 2,
    "text-component-sums": 0,  # coal reserves 4.5 + 16 = 20.5 Gt
    "text-vs-table1": 0,  # 24.1 Mt = 24,100 kt (2007), 24.7 Mt = 24,700 kt (2006)
    "uncited-references": 0,
    "unlisted-references": 1,
    "value-not-in-quote": 0,
}

#: (check, fixture finding) for every check whose real findings are none: the fixture makes one.
FIXTURE_FINDINGS = {
    "text-vs-table1": 'coal 2007: the text says 24.0 Mt (24,000,000 t), Table 1 "Coal: Total" says 24,100 thousand metric tons (24,100,000 t); they differ by 100,000 t, more than the rounding of the text figure (±50,000 t)',
    "production-change-vs-table1": 'coal 2006-2007: the text says -3.4%, Table 1 "Coal: Total" goes from 24,700 to 24,100 thousand metric tons, a change of -2.43%',
    "table1-component-sums": "Coal: Total 2007: Table 1 prints 24,200 thousand metric tons, but Coal: Anthracite + Coal: Lignite (17,100 + 7,000) add up to 24,100,000 t, not 24,200,000 t (difference 100,000 t)",
    "text-component-sums": "coal reserves: the text gives 21.5 billion metric tons (21,500,000,000 t), but lignite 16 Gt + anthracite 4.5 Gt add up to 20,500,000,000 t",
    "facility-capacity-vs-table2": "Samgwong Cement Complex (cement): the text says 3.5 Mt/yr (3,500,000 t/yr), Table 2 row 2 says 2,500 thousand metric tons (2,500,000 t/yr)",
    "production-above-capacity": 'coal 2007: Table 1 "Coal: Total" gives 26,000 thousand metric tons (26,000,000 t), above the national capacity of 25 Mt/yr (25,000,000 t/yr) the text gives',
    "uncited-references": "Metals Insider, 2007 is never cited by a claim",
    "value-not-in-quote": 'claim-coal-production-2007: the value "24.7" is not in the quote "decreased by 2.4% to 24.1 Mt in 2007"',
}


@pytest.fixture(scope="module")
def results(store):
    """Every check run once on the real graph, by name."""
    return {r.check.name: r for r in run_checks(store)}


def _rows(results, name: str) -> list[dict[str, object]]:
    return [f.row for f in results[name].findings]


def test_the_library_has_exactly_these_checks():
    assert sorted(c.name for c in list_checks()) == sorted(EXPECTED_COUNTS)


@pytest.mark.parametrize("name", sorted(EXPECTED_COUNTS))
def test_number_of_findings_on_the_real_graph(results, name):
    assert len(results[name].findings) == EXPECTED_COUNTS[name], [f.text for f in results[name].findings]


@pytest.mark.parametrize("name", sorted(EXPECTED_COUNTS))
def test_finding_template_names_only_columns_of_the_query(store, name):
    (chk,) = [c for c in list_checks() if c.name == name]
    assert chk.title and chk.description
    assert template_fields(chk.template) <= set(run_query(chk.spec, store).columns)


@pytest.mark.parametrize("name", sorted(n for n, count in EXPECTED_COUNTS.items() if count))
def test_every_quote_of_a_finding_is_in_the_chapter(results, name):
    text = SourceText.load()
    for finding in results[name].findings:
        assert finding.quotes, finding.text
        for quote in finding.quotes:
            assert text.find(quote), f"{name}: not in the source text: {quote!r}"


# -- the findings, written from the chapter -------------------------------------------------------


def test_national_capacities_below_table_2(results):
    got = sorted((r["commodity"], r["national_canonical"], r["table_form"], r["table_rows"], r["table_sum"]) for r in _rows(results, "national-capacity-vs-table2"))
    assert got == [
        ("cement", 7_000_000, "", 4, 8_500_000),  # 7 Mt/yr vs 3,000 + 2,500 + 2,000 + 1,000 kt
        ("iron ore", 5_500_000, "concentrate, gross weight", 2, 11_000_000),  # 5.5 Mt/yr vs 10,000 + 1,000
        ("magnesite", 1_500_000, "concentrate, gross weight", 1, 2_500_000),  # 1.5 Mt/yr vs 2,500
        ("steel", 2_000_000, "crude", 4, 5_620_000),  # 2 Mt/yr vs 2,400 + 1,500 + 960 + 760
        ("zinc", 80_000, "refined", 1, 100_000),  # about 80,000 t/yr (metal content) vs refined 100
    ]
    # coal (25 Mt/yr vs 9,500 + 6,000 kt) and zinc in concentrate (80 kt) are consistent: no finding


def test_conflicting_claims(results):
    got = sorted((r["references"], r["other_references"]) for r in _rows(results, "conflicting-claims"))
    assert got == [
        ("Asian Survey, 2006", "Chosun Ilbo, The, 2007"),  # Musan: canceled (Nov 2006) vs sold (April 2007)
        ("Asian Survey, 2006", "Energy Daily, 2007"),  # Musan: canceled vs bought for $909 million
        ("Chosun Ilbo, The, 2007; Metals Insider, 2007", "Daily NK, 2007"),  # Hyesan 51%: taken vs failed in 2006
    ]


def test_malformed_urls(results):
    got = [(r["citation"], r["url"]) for r in _rows(results, "malformed-urls")]
    assert got == [
        ("Asian Survey, 2006", "http://www.nkeconwatch/category/dprk-organiztions/state-offices/musan-mine/"),
        ("Associated Press, The, 2007", "http://www.iht.comg/articles/ap/2007/06/07/asia/AS-GEN-Koreas-Economic_Talks.php"),
    ]


def test_citation_missing_from_references_cited(results):
    (row,) = _rows(results, "unlisted-references")
    assert row["citation"] == "Joint press statement, May 2, 2007" and row["citing_claims"] > 0


@pytest.mark.parametrize(
    "label, printed",
    [
        ("Incheon Port", "Inchoeon Port"),  # line 223
        ("South Hwanghae Province", "Hwanhaenam"),  # line 560
        ("North Hwanghae Province", "Hwanhaebuk"),  # line 554
        ("Cheonnaeri", "Cheonae"),  # line 517
        ("Saebyol", "Saebyo"),  # line 522
        ("Tokechon", "Tokchon"),  # line 519
        ("North Limited Line", "Northern Limit Line"),  # line 44
        ("China Metals", "china metals"),  # line 206
        ("China Mining Association", "china mining association"),  # line 207
    ],
)
def test_misspelling_is_flagged(results, label, printed):
    notes = [r["note"] for r in _rows(results, "misspellings") if r["label"] == label]
    assert len(notes) == 1 and printed in notes[0]


def test_jeongchon_partners_disagree(results):
    got = sorted((r["asset"], r["owner"], r["side"]) for r in _rows(results, "table2-owners-vs-text"))
    assert got == [
        ("Jeongchon Mine", "Myongji Corp.", "in the text"),  # Graphite section, line 254
        ("Jeongchon Mine", "North Korean Government", "in Table 2"),  # Table 2, line 533
    ]


def test_hwanghae_iron_works_placed_in_north_hamgyong(results):
    (row,) = _rows(results, "facility-name-vs-province")
    assert (row["facility"], row["named_after"], row["province"], row["quote"]) == ("Hwanghae Iron Works", "Hwanghae", "North Hamgyong Province", "Songnim, Hamgyongbuk Province")


# -- disagreement fixtures ---------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(FIXTURE_FINDINGS))
def test_fixture_disagreement_is_found(name):
    store = ox.Store()
    store.load(path=str(FIXTURES / f"{name}.ttl"), format=ox.RdfFormat.TURTLE)
    (result,) = run_checks(store, [name])
    assert [f.text for f in result.findings] == [FIXTURE_FINDINGS[name]]


def test_a_national_capacity_is_compared_only_with_its_own_chapter_and_country():
    """Two chapters in one store (as in a corpus): each chapter's national capacity meets its own Table 1.

    The second chapter is the fixture renamed: its own claims, Table 1 and chapter, about Mongolia
    (dcterms:spatial). A third copy is a chapter about Mongolia whose capacity statement is about
    North Korea: not the chapter's own country, so it is not a national capacity of that chapter.
    """
    text = (FIXTURES / "production-above-capacity.ttl").read_text(encoding="utf-8")

    def renamed(tag: str, country: str) -> str:
        body = text.split("\n\n", 1)[1]  # without the prefixes
        for local in ("claim-", "q-", "sec-table-1", "usgs-myb-2007-north-korea"):
            body = body.replace(f"nkd:{local}", f"nkd:{tag}-{local}")
        return body.replace("nkd:north-korea", f"nkd:{country}").replace(f"nkd:{tag}-usgs-myb-2007-{country}", f"nkd:{tag}-usgs-myb-2007-north-korea")

    mongolia = renamed("b", "mongolia")
    stray = renamed("c", "mongolia").replace("nkd:c-claim-capacity a nk:Claim ; nk:statedIn nkd:c-usgs-myb-2007-north-korea ; rdf:subject nkd:mongolia", "nkd:c-claim-capacity a nk:Claim ; nk:statedIn nkd:c-usgs-myb-2007-north-korea ; rdf:subject nkd:north-korea")
    assert "rdf:subject nkd:north-korea" in stray and "dcterms:spatial nkd:mongolia" in stray
    store = ox.Store()
    store.load(text + "\n" + mongolia + "\n" + stray, format=ox.RdfFormat.TURTLE)
    (result,) = run_checks(store, ["production-above-capacity"])
    nkd = "https://w3id.org/nkgraph/id/"
    assert sorted(f.claims for f in result.findings) == [
        (nkd + "b-claim-capacity", nkd + "b-claim-table"),
        (nkd + "claim-capacity", nkd + "claim-table"),
    ]


# -- the command ---------------------------------------------------------------------------------


def test_check_lists_findings_and_exits_0(built):
    result = CliRunner().invoke(check, ["--out", str(built.out_dir)])
    assert result.exit_code == 0, result.stderr
    total = sum(EXPECTED_COUNTS.values())
    assert result.stdout.startswith(f"{len(EXPECTED_COUNTS)} checks, {total} findings")
    assert "“Songnim, Hamgyongbuk Province”" in result.stdout
    assert f"{total} finding(s)" in result.stderr


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_check_machine_formats(built, fmt):
    result = CliRunner().invoke(check, ["--only", "national-capacity-vs-table2", "--format", fmt, "--out", str(built.out_dir)])
    assert result.exit_code == 0, result.stderr
    if fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(result.stdout)))
        assert list(rows[0]) == ["check", "finding", "quotes", "claims"] and len(rows) == 5
        assert rows[0]["finding"].startswith("cement: the text gives a national capacity of 7 Mt/yr")
    else:
        (data,) = json.loads(result.stdout)
        assert data["check"] == "national-capacity-vs-table2" and data["count"] == 5
        assert Decimal(data["findings"][0]["row"]["table_sum"]) == 8_500_000


def test_unknown_check_is_an_error(built):
    result = CliRunner().invoke(check, ["--only", "no-such-check", "--out", str(built.out_dir)])
    assert result.exit_code == 2 and "no check named" in result.stderr


#: checks that compare statements of one chapter: in a corpus of many chapters they must not pair
#: one chapter's figure with another's (the same country, commodity and year in two chapters)
CHAPTER_SCOPED = ("facility-capacity-vs-table2", "production-above-capacity", "production-change-vs-table1", "text-component-sums", "text-vs-table1")


@pytest.mark.parametrize("name", CHAPTER_SCOPED)
@pytest.mark.parametrize("moved", (0, -1), ids=("first-claim", "last-claim"))
def test_fixture_disagreement_needs_one_chapter(name, moved):
    store = ox.Store()
    store.load(path=str(FIXTURES / f"{name}.ttl"), format=ox.RdfFormat.TURTLE)
    stated_in = ox.NamedNode("https://w3id.org/nkgraph/ontology#statedIn")
    claims = sorted(q.subject.value for q in store.quads_for_pattern(None, stated_in, None))
    assert len(claims) >= 2
    claim = ox.NamedNode(claims[moved])
    chapter = next(store.quads_for_pattern(claim, stated_in, None)).object
    store.remove(ox.Quad(claim, stated_in, chapter))
    store.add(ox.Quad(claim, stated_in, ox.NamedNode("https://w3id.org/nkgraph/id/myb-2008-mongolia")))
    (result,) = run_checks(store, [name])
    assert result.findings == []


def test_misspellings_list_the_spellings_in_the_order_the_chapter_first_prints_them(results):
    # lines 250 ("South Hwanghae Province (Hwanghaenam" / "Do"), 531, 539 and 560 of the chapter
    (row,) = [r for r in _rows(results, "misspellings") if r["label"] == "South Hwanghae Province"]
    assert row["printed_quotes"] == "Hwanghaenam Do | South Hwanghae Province | South Hwanghae | Hwanghaenam Province | Hwanhaenam Province"
    assert row["spellings"].split("; ")[2:] == ['"South Hwanghae" (line 531)', '"Hwanghaenam Province" (line 539)', '"Hwanhaenam Province" (line 560)']
