"""Competency questions Q1–Q12: each answered by the query library, asserting the answers the chapter gives.

The expected answers are copied from the project's list of competency questions (the analysts'
questions with the answers of ``data/source/usgs-myb-2007-north-korea.txt``); they are written
here so that the tests never read files outside the project.
"""

from __future__ import annotations

from decimal import Decimal

import pyoxigraph as ox

from test_queries import cell, run

NKD = "https://w3id.org/nkgraph/id/"


def rows(store: ox.Store, name: str, **params: str) -> list[dict[str, str]]:
    """A query's rows with every value as golden text (prefixed IRIs, canonical numbers)."""
    return [{k: cell(v) for k, v in r.items()} for r in run(store, name, **params).rows]


def one(items: list[dict[str, str]], **match: str) -> dict[str, str]:
    found = [r for r in items if all(r[k] == v for k, v in match.items())]
    assert len(found) == 1, f"expected one row with {match}, got {len(found)}"
    return found[0]


# Q1. Which foreign organizations took, bought, sought or negotiated a stake or right in a North Korean
#     mineral asset, for what share, value, term and date, with what status, and according to which references?
#   - Luanhe Industrial Group (Hebei) and an unnamed Chinese private company: 51% controlling interest in Hyesan
#     Youth Copper Mine, right to develop for 15 years (Chosun Ilbo 2007; Metals Insider 2007). Disputed: Daily NK
#     2007 says the 2006 attempt failed (opposition of the Second Economic Commission).
#   - Tonghua Iron and Steel Group (with other Chinese investors): 50-year development claim / mining right to the
#     Musan iron mine, US$909 million (Chosun Ilbo 2007, April; Energy Daily 2007 citing a Chinese industry source).
#     Disputed: Asian Survey 2006 reports (via an unnamed Chinese source) the project was canceled in Nov 2006.
#   - Orascom Construction Industries (Cairo, Egypt): 50% of Sanwong (Samgwong) Cement for US$115 million,
#     agreement with Pyongyang Myongdang Trading Corp., July 2007 (Orascom Construction Industries 2007).
#   - Korea Resources Corp. (Republic of Korea): 50% of the Jeongchon graphite mine joint venture with Myongji Corp.
#     (Reuters 2007).
#   - Tangshan Iron and Steel Group: letter of intent, October 2007, with the Foreign Economy Bureau for a 1.5 Mt/yr
#     joint-venture steel plant in Kim Chaek Industrial Park; equity still under negotiation (China Metals 2007;
#     China Mining Association 2007).


def test_q1_foreign_stakes_and_rights(store: ox.Store) -> None:
    stakes = rows(store, "stakes")
    assert {r["holder"] for r in stakes} == {
        "nkd:luanhe-industrial-group", "nkd:unnamed-chinese-private-company", "nkd:tonghua-iron-and-steel-group",
        "nkd:orascom-construction-industries", "nkd:korea-resources-corp", "nkd:tangshan-iron-and-steel-group",
    }
    # Luanhe and the unnamed Chinese company: 51% of Hyesan, acquired per Chosun Ilbo and Metals Insider, failed per Daily NK
    for holder in ("nkd:luanhe-industrial-group", "nkd:unnamed-chinese-private-company"):
        hy = one(stakes, holder=holder, kind="equity stake")
        assert (hy["asset"], hy["share_percent"], hy["country"], hy["disputed"]) == ("Hyesan Youth Copper Mine", "51", "China", "true")
        assert "acquired [Chosun Ilbo, The, 2007; Metals Insider, 2007]" in hy["status"]
        assert "failed 2006 [Daily NK, 2007]" in hy["status"]
    right = one(stakes, holder="nkd:luanhe-industrial-group", kind="mining right")
    assert (right["asset"], right["term_years"], right["references"]) == ("Hyesan Youth Copper Mine", "15", "Chosun Ilbo, The, 2007; Metals Insider, 2007")
    entity = rows(store, "entity", entity="nkd:luanhe-industrial-group")
    assert any(r["predicate"] == "based in" and r["other"] == "Hebei" for r in entity)
    failed = next(r for r in rows(store, "claims") if r["predicate"] == "nk:status" and r["object"] == "nk:Failed" and r["subject"] == "nkd:stake-hyesan-youth-copper-mine-51")
    assert "second Economic Commission" in failed["quote"] and failed["citations"] == "Daily NK, 2007"
    # Tonghua: 50-year right to Musan, $909 million, completed per Chosun (April 2007) and Energy Daily; canceled per Asian Survey (Nov 2006)
    musan = one(stakes, holder="nkd:tonghua-iron-and-steel-group")
    assert (musan["kind"], musan["asset"], musan["term_years"], musan["value_usd"]) == ("mining right", "Musan Iron Ore Mine Complex", "50", "909000000")
    assert "completed 2007-04 [Chosun Ilbo, The, 2007]" in musan["status"] and "completed [Energy Daily, 2007]" in musan["status"]
    assert "canceled 2006-11 [Asian Survey, 2006]" in musan["status"] and musan["disputed"] == "true"
    chain = rows(store, "claim-provenance", claim="nkd:claim-iron-and-steel-musan-energy-daily-value")[0]
    assert chain["attribution"] == "1. Another Chinese industry's source (According to) → 2. Energy Daily (reported)"
    # Orascom (Cairo, Egypt): 50% of Sanwong Cement for $115 million, with Pyongyang Myongdang Trading Corp., July 2007
    oci = one(stakes, holder="nkd:orascom-construction-industries", kind="acquisition")
    assert (oci["country"], oci["asset"], oci["share_percent"], oci["value_usd"], oci["dates"]) == ("Egypt", "Sanwong Cement", "50", "115000000", "2007-07")
    assert oci["references"] == "Orascom Construction Industries, 2007"
    deal = one(rows(store, "deals"), kind_label="acquisition")
    assert deal["parties"] == "Orascom Construction Industries; Pyongyang Myongdang Trading Corp."
    assert any(r["predicate"] == "based in" and r["other"] == "Cairo" for r in rows(store, "entity", entity="nkd:orascom-construction-industries"))
    assert {r["spelling"] for r in rows(store, "spellings", entity="nkd:sanwong-cement")} >= {"Sanwong Cement", "Sanwong (Samgwong) Cement"}
    # Korea Resources Corp. (Republic of Korea): 50% of the Jeongchon joint venture with Myongji Corp. (Reuters 2007)
    kores = one(stakes, holder="nkd:korea-resources-corp", kind="joint venture")
    assert (kores["country"], kores["asset"], kores["share_percent"], kores["references"]) == ("Republic of Korea", "Jeongchon Mine", "50", "Reuters, 2007")
    assert one(rows(store, "deals"), kind_label="joint venture", asset="Jeongchon Mine")["parties"] == "Korea Resources Corp.; Myongji Corp."
    # Tangshan: letter of intent, October 2007, with the Foreign Economy Bureau; 1.5 Mt/yr plant in Kim Chaek Industrial Park; equity under negotiation
    loi = one(stakes, holder="nkd:tangshan-iron-and-steel-group", kind="letter of intent")
    assert loi["status"] == "signed 2007-10 [China Metals, 2007; China Mining Association, 2007]"
    assert one(rows(store, "deals"), kind_label="letter of intent")["parties"] == "Foreign Economy Bureau; Tangshan Iron and Steel Group"
    equity = one(stakes, holder="nkd:tangshan-iron-and-steel-group", kind="equity stake")
    assert equity["status"].startswith("under negotiation")
    plant = rows(store, "entity", entity="nkd:tangshan-joint-venture-steel-plant")
    assert any(r["predicate"] == "annual capacity" and r["other"] == "1.5 Mt/yr" for r in plant)
    assert any(r["predicate"] == "part of" and r["other"] == "Kim Chaek Industrial Park" for r in plant)


# Q2. Which claims are contradicted by another claim, and which references stand on each side? (Hyesan stake; Musan right.)


def test_q2_conflicts_and_their_references(store: ox.Store) -> None:
    conflicts = rows(store, "conflicts")
    assert {r["subject"] for r in conflicts} == {"nkd:stake-hyesan-youth-copper-mine-51", "nkd:deal-musan-mining-right"}
    hy = one(conflicts, subject="nkd:stake-hyesan-youth-copper-mine-51")
    assert {hy["references_a"], hy["references_b"]} == {"Chosun Ilbo, The, 2007; Metals Insider, 2007", "Daily NK, 2007"}
    musan = [r for r in conflicts if r["subject"] == "nkd:deal-musan-mining-right"]
    sides = {frozenset((r["references_a"], r["references_b"])) for r in musan}
    assert sides == {frozenset(("Asian Survey, 2006", "Chosun Ilbo, The, 2007")), frozenset(("Asian Survey, 2006", "Energy Daily, 2007"))}


# Q3. Trace one claim to its sources: for "Chinese investors bought a 50-year mining right to the Musan iron mine
#     for $909 million": the passage (section Commodity Review > Metals > Iron and Steel, verbatim quote), the
#     references cited (Energy Daily 2007, "China taps North Korea resources", May 4, 2007, URL, accessed June 30,
#     2008), and who the statement is attributed to (Energy Daily, citing another Chinese industry source).


def test_q3_trace_one_claim(store: ox.Store) -> None:
    found = rows(store, "trace/search", text="$909 million")
    assert [r["claim"] for r in found] == ["nkd:claim-iron-and-steel-musan-energy-daily-value"]
    chain = rows(store, "claim-provenance", claim=found[0]["claim"])
    assert len(chain) == 1
    c = chain[0]
    assert c["section"] == "Commodity Review > Metals > Iron and Steel"
    assert "Chinese investors" in c["quote"] and "bought a 50-year mining right to the Musan iron mine" in c["quote"] and "$909 million" in c["quote"]
    assert (c["reference"], c["title"], c["issued"], c["published"]) == ("Energy Daily, 2007", "China taps North Korea resources", "2007-05-04", "May, 4")
    assert c["url"] == "http://www.energy-daily.com/reports/China_Taps_North_Korea_Resources_999.html"
    assert c["accessed"] == "2008-06-30"
    hops = rows(store, "trace/hops", claim=found[0]["claim"])
    assert [(h["position"], h["agent_label"]) for h in hops] == [("1", "Another Chinese industry's source"), ("2", "Energy Daily")]


# Q4. Production of a commodity over 2003-2007 with units and flags: e.g. zinc mine output (Zn content, metric tons):
#     60,000; 62,000; 67,000; 67,000; 70,000. Crude steel (thousand metric tons): 1,090; 1,070; 1,070; 1,180 (revised); 1,230.


def test_q4_production_series(store: ox.Store) -> None:
    zinc = [r for r in rows(store, "production-series", commodity="nkd:zinc") if r["series"] == "Zinc: Mine output, Zn content"]
    assert [(r["year"], r["value_as_printed"], r["unit"]) for r in zinc] == [
        ("2003", "60,000", "metric tons"), ("2004", "62,000", "metric tons"), ("2005", "67,000", "metric tons"),
        ("2006", "67,000", "metric tons"), ("2007", "70,000", "metric tons"),
    ]
    steel = [r for r in rows(store, "production-series", commodity="nkd:steel") if r["series"].endswith("Steel, crude")]
    assert [(r["value_as_printed"], r["revised"]) for r in steel] == [("1,090", "false"), ("1,070", "false"), ("1,070", "false"), ("1,180", "true"), ("1,230", "false")]
    assert {r["unit"] for r in steel} == {"thousand metric tons"}
    assert all(r["estimated"] == "true" for r in zinc + steel)


# Q5. Which statements in the chapter cite no reference at all? (e.g. the production capacities: coal 25 Mt/yr,
#     cement 7 Mt/yr, iron ore 5.5 Mt/yr, crude steel 2 Mt/yr, magnesite 1.5 Mt/yr, zinc about 80,000 t/yr.)


def test_q5_uncited_statements(store: ox.Store) -> None:
    uncited = rows(store, "uncited-claims", predicate="nk:annualCapacity")
    national = {r["value"] for r in uncited if r["statement"].startswith("North Korea — annual capacity")}
    assert national == {"25", "7", "5.5", "2", "1.5", "about 80,000"}
    ledger = {r["claim"]: r for r in rows(store, "claims")}
    for claim in ("coal", "cement", "iron-ore", "crude-steel", "magnesite", "zinc"):
        assert ledger[f"nkd:claim-structure-capacity-2007-{claim}"]["citations"] == ""


# Q6. How many claims rest on each reference, and which claims rest on a single reference?


def test_q6_claims_per_reference(store: ox.Store) -> None:
    per_ref = rows(store, "claims-per-reference")
    assert len(per_ref) == 23 and all(int(r["claims"]) > 0 for r in per_ref)
    single = rows(store, "single-reference-claims")
    claims = {r["claim"] for r in single}
    assert "nkd:claim-iron-and-steel-musan-energy-daily-value" in claims  # Energy Daily alone
    assert "nkd:claim-copper-hyesan-stake-status-acquired" not in claims  # Chosun Ilbo and Metals Insider
    for r in per_ref:
        assert int(r["sole_reference_claims"]) == sum(1 for s in single if s["reference"] == r["reference"])


# Q7. Which reference URLs, as printed, are malformed? (Asian Survey 2006: host "www.nkeconwatch" has no top-level
#     domain; The Associated Press 2007: host "www.iht.comg".)


def test_q7_malformed_urls(store: ox.Store) -> None:
    malformed = rows(store, "malformed-urls")
    assert {r["citation"] for r in malformed} == {"Asian Survey, 2006", "Associated Press, The, 2007"}
    assert one(malformed, citation="Asian Survey, 2006")["url"].startswith("http://www.nkeconwatch/")
    assert one(malformed, citation="Associated Press, The, 2007")["url"].startswith("http://www.iht.comg/")
    assert "www.nkeconwatch" in one(malformed, citation="Asian Survey, 2006")["problem"]


# Q8. Which facilities are in a given province, with commodity, operator/owner and annual capacity?
#     e.g. Kangwon: Samgwong Cement Complex (2,500 kt), Munpyong (refined lead 32 kt; refined zinc with Tancheon 100 kt).


def test_q8_facilities_by_province(store: ox.Store) -> None:
    kangwon = rows(store, "facilities-by-province", province="nkd:kangwon-province")
    cement = one(kangwon, facility_label="Samgwong Cement Complex", commodity_label="cement")
    assert cement["capacity_t_per_yr"] == "2500000" and "2,500 thousand metric tons" in cement["capacity_as_printed"]
    assert cement["equity_owners"] == "Orascom Construction Industries (50%)"
    lead = one(kangwon, facility_label="Munpyong refinery", commodity_label="lead")
    assert (lead["form"], lead["capacity_t_per_yr"], lead["operators"]) == ("refined", "32000", "Korea Zinc Industrial Group")
    zinc = one(kangwon, facility_label="Munpyong refinery", commodity_label="zinc")
    assert (zinc["form"], zinc["capacity_t_per_yr"]) == ("refined", "100000")
    assert zinc["capacity_of"] == "Korea Zinc Industrial Group refined zinc facilities (Table 2)"
    tancheon = one(rows(store, "facilities-by-province"), facility_label="Tancheon zinc refinery", commodity_label="zinc")
    assert tancheon["capacity_of"] == zinc["capacity_of"]  # the 100 kt is Munpyong's and Tancheon's together


# Q9. What happened, in date order, between 2006 and January 2008? (missile test July 2006; talks June 2007;
#     polyester shipment 27 June 2007; joint study 25 June-6 July 2007; OCI deal July 2007; summit October 2007;
#     Tangshan letter of intent October 2007; Hyesan flooding reported November 2007; December 2007 talks;
#     498 t zinc arrived at Incheon 14 December 2007; 500 t zinc due 4 January 2008 ...)

Q9 = [
    ("nkd:event-missile-test-2006-07", "2006-07", ""),
    ("nkd:event-working-level-talks-2007-06", "2007-06", ""),
    ("nkd:event-komdok-mine-joint-study-2007", "2007-06-25", "2007-07-06"),
    ("nkd:event-polyester-fiber-shipment-2007-06-27", "2007-06-27", ""),
    ("nkd:deal-orascom-sanwong-cement", "2007-07", ""),
    ("nkd:event-inter-korean-summit-2007-10", "2007-10", ""),
    ("nkd:deal-tangshan-letter-of-intent", "2007-10", ""),
    ("nkd:event-hyesan-youth-copper-mine-flood", "2007-11", ""),
    ("nkd:event-economic-talks-2007-12", "2007-12", ""),
    ("nkd:event-zinc-repayment-shipment-1", "2007-12-14", ""),
    ("nkd:event-zinc-repayment-shipment-2", "2008-01-04", ""),
]


def test_q9_events_in_date_order(store: ox.Store) -> None:
    timeline = rows(store, "timeline", start="2006-01-01", end="2008-01-31")
    seen = [(r["thing"], r["date"], r["end_date"]) for r in timeline]
    for item in Q9:
        assert item in seen, item
    positions = [seen.index(item) for item in Q9]
    assert positions == sorted(positions), "the chapter's events come out in date order"
    dates = [r["date"] for r in timeline]
    padded = [d + "-01-01"[len(d) - 4 :] if len(d) < 10 else d for d in dates]
    assert padded == sorted(padded)
    assert one(timeline, thing="nkd:event-zinc-repayment-shipment-2")["modality"] == "expected"
    assert all(r["date"] >= "2006" for r in timeline) and all(r["date"][:7] <= "2008-01" for r in timeline)


# Q10. Production against capacity: coal 24.1 Mt produced (2007) of 25 Mt/yr capacity; cement 6.13 of 7 Mt/yr;
#      iron ore 5.13 of 5.5 Mt/yr; crude steel 1.23 of 2 Mt/yr.


def test_q10_production_against_capacity(store: ox.Store) -> None:
    table = rows(store, "production-vs-capacity")
    expected = {"coal": ("24.1", "25"), "cement": ("6.13", "7"), "iron ore": ("5.13", "5.5"), "steel": ("1.23", "2")}
    for commodity, (produced, capacity) in expected.items():
        for r in [r for r in table if r["commodity_label"] == commodity]:
            assert r["year"] == "2007"
            assert Decimal(r["production_t"]) / 1_000_000 == Decimal(produced), r
            assert Decimal(r["capacity_t_per_yr"]) / 1_000_000 == Decimal(capacity), r
        assert any(r["commodity_label"] == commodity for r in table), commodity


# Q11. Which spellings does the chapter use for the same mine or place? (e.g. Komdok / Gumdeok; Sanwong / Samgwong.)


def test_q11_spellings(store: ox.Store) -> None:
    spellings = rows(store, "spellings")
    by_entity: dict[str, set[str]] = {}
    for r in spellings:
        by_entity.setdefault(r["entity"], set()).add(r["spelling"])
    assert {"Komdok", "Gumdeok"} <= by_entity["nkd:komdok-mine"]
    assert {"Sanwong", "Samgwong"} <= by_entity["nkd:samgwong"]


# Q12. Who is each claim attributed to when that is not the reference itself? (e.g. "According to the Ministry of
#      Unification of the Republic of Korea ..." cited to The Associated Press 2007.)


def test_q12_attributed_to_someone_else(store: ox.Store) -> None:
    chains = rows(store, "attribution-chains", agent="nkd:ministry-of-unification")
    assert any(r["references"] == "Associated Press, The, 2007" for r in chains)
    assert all(r["agent_label"] == "Ministry of Unification of the Republic of Korea" for r in chains)
    everyone = rows(store, "attribution-chains")
    # The cited reference's own publisher is never listed as "someone else".
    assert not any(r["agent_label"] == "Energy Daily" for r in everyone)
    assert any(r["chain"].startswith("1. Another Chinese industry's source") for r in everyone)
