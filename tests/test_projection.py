"""The graph projection on the real graph: edges checked by hand against the source text, and filters.

Source lines are those of data/source/usgs-myb-2007-north-korea.txt.
"""

from __future__ import annotations

import networkx as nx
import pytest

from nkgraph.projection import RULES, ClaimEdge, Facts, FilterError, Filters, counts, load_facts, project_facts

LUANHE, HYESAN = "nkd:luanhe-industrial-group", "nkd:hyesan-youth-copper-mine"
OCI, SANWONG = "nkd:orascom-construction-industries", "nkd:sanwong-cement"
TONGHUA, MUSAN = "nkd:tonghua-iron-and-steel-group", "nkd:musan-iron-ore-mine-complex"
CONTEXT = {r.name for r in RULES if isinstance(r, ClaimEdge) and r.context}


@pytest.fixture(scope="module")
def facts(store) -> Facts:
    return load_facts(store)


@pytest.fixture(scope="module")
def graph(facts) -> nx.MultiDiGraph:
    return project_facts(facts)


def edges(graph: nx.MultiDiGraph, u: str, v: str, rule: str) -> list[dict]:
    return [d for _, target, d in graph.out_edges(u, data=True) if target == v and d["rule"] == rule]


def test_luanhe_holds_51_percent_of_hyesan_and_it_is_disputed(graph):
    # Lines 155-161: Chosun Ilbo and Metals Insider: Luanhe "took a 51% controlling interest in Hyesan
    # Youth Copper Mine"; lines 172-176: Daily NK: "the attempt to acquire a 51% stake ... was unsuccessful".
    (edge,) = edges(graph, LUANHE, HYESAN, "holds_stake")
    assert edge["label"] == "holds 51% of"
    assert edge["percentage"] == 51.0
    assert edge["disputed"] is True
    assert set(edge["status"]) >= {"acquired", "failed"}
    assert {"Chosun Ilbo, The, 2007", "Metals Insider, 2007", "Daily NK, 2007"} <= set(edge["citations"])
    assert "nkd:claim-copper-hyesan-stake-holder-luanhe" in edge["claims"]


def test_the_unnamed_chinese_company_holds_the_same_stake(graph):
    (edge,) = edges(graph, "nkd:unnamed-chinese-private-company", HYESAN, "holds_stake")
    assert edge["via"] == "nkd:stake-hyesan-youth-copper-mine-51"


def test_orascom_holds_50_percent_of_sanwong_cement_for_115_million(graph):
    # Lines 229-235: "OCI ... signed an agreement ... to acquire a 50% interest in Sanwong Cement for $115 million".
    (edge,) = edges(graph, OCI, SANWONG, "holds_stake")
    assert edge["label"] == "holds 50% of"
    assert (edge["percentage"], edge["value"], edge["value_usd"]) == (50.0, ["$115 million"], 115_000_000.0)
    assert edge["deal"] == "nkd:deal-orascom-sanwong-cement"
    assert "2007-07" in edge["date"]
    assert edge["disputed"] is False
    assert edge["citations"] == ["Orascom Construction Industries, 2007"]


def test_tonghua_bought_a_50_year_mining_right_to_musan_disputed(graph):
    # Lines 183-191: Tonghua "bought a 50-year mining right to the Musan iron mine ... for $909 million";
    # Asian Survey says the deal was canceled: the two statuses conflict.
    (edge,) = edges(graph, TONGHUA, MUSAN, "deal")
    assert edge["label"] == "bought 50-year mining right to"
    assert edge["term_years"] == 50 and edge["value"] == ["$909 million"]
    assert edge["disputed"] is True and set(edge["status"]) == {"canceled", "completed"}


def test_the_state_that_grants_a_mining_right_is_its_counterparty(graph):
    (edge,) = edges(graph, TONGHUA, "nkd:north-korea", "deal_with")
    assert edge["label"] == "mining right from"


def test_samgwong_cement_complex_is_located_in_kangwon_province(graph):
    # Table 2, line 513: "Samgwong Cement Complex Samgwong, Kangwon Province".
    located = nx.DiGraph((u, v) for u, v, d in graph.edges(data=True) if d["rule"] == "located_in")
    assert nx.has_path(located, "nkd:samgwong-cement-complex", "nkd:kangwon-province")


def test_sanwong_cement_operates_the_complex(graph):
    assert edges(graph, SANWONG, "nkd:samgwong-cement-complex", "operates")


def test_every_edge_carries_its_claims_and_their_citations(graph, facts):
    for u, v, data in graph.edges(data=True):
        assert data["claims"], (u, v, data["rule"])
        cited = sorted({c for cid in data["claims"] for c in facts.claims[cid].citations})
        assert data.get("citations", []) == cited
        assert data["disputed"] == any(facts.claims[c].disputed for c in data["claims"])


def test_every_node_has_a_kind_type_and_label(graph):
    for node, data in graph.nodes(data=True):
        assert data["kind"] in {"organization", "agent", "facility", "place", "country", "deal"}, node
        assert data["label"] and data["type"] and data["iri"].endswith(node.split(":", 1)[1])


def test_nodes_carry_their_other_spellings_and_country(graph):
    assert "Gumdeok" in graph.nodes["nkd:komdok-mine"]["alt_labels"]
    assert graph.nodes[LUANHE]["country"] == "China"
    assert graph.nodes[HYESAN]["country"] == "North Korea"
    assert "copper" in graph.nodes[HYESAN]["commodities"]


def test_no_edge_without_both_ends_drawn(graph):
    assert not [n for n in graph if graph.degree(n) == 0]


def test_projection_is_deterministic(facts, graph):
    again = project_facts(facts)
    assert list(again.nodes(data=True)) == list(graph.nodes(data=True))
    assert list(again.edges(keys=True, data=True)) == list(graph.edges(keys=True, data=True))


def test_news_publishers_do_not_enter_through_their_country(graph):
    assert "nkd:metals-insider" not in graph


# --- filters ---------------------------------------------------------------------------------


def selected(graph: nx.MultiDiGraph) -> list[tuple[str, str, dict]]:
    """The edges a filter selected (not the context kept around them)."""
    return [(u, v, d) for u, v, d in graph.edges(data=True) if d["rule"] not in CONTEXT]


@pytest.mark.parametrize(
    ("filters", "present", "absent"),
    [
        (Filters(commodities=("copper",)), (LUANHE, HYESAN), (OCI, SANWONG)),
        (Filters(commodities=("metals",)), (LUANHE, HYESAN), (OCI, SANWONG)),  # a group finds narrower commodities
        (Filters(commodities=("cement",)), (OCI, SANWONG), (LUANHE, HYESAN)),
        (Filters(investor_countries=("China",)), (TONGHUA, MUSAN), (OCI, SANWONG)),
        (Filters(investor_countries=("egypt",)), (OCI, SANWONG), (TONGHUA, MUSAN)),
        (Filters(statuses=("failed",)), (LUANHE, HYESAN), (OCI, SANWONG)),
        (Filters(disputed=True), (TONGHUA, MUSAN), (OCI, SANWONG)),
        (Filters(disputed=False), (OCI, SANWONG), (TONGHUA, MUSAN)),
        (Filters(modalities=("reported",)), (TONGHUA, MUSAN), (OCI, SANWONG)),
    ],
    ids=["copper", "metals", "cement", "china", "egypt", "failed", "disputed", "undisputed", "reported"],
)
def test_filter(facts, filters, present, absent):
    graph = project_facts(facts, filters)
    pairs = {(u, v) for u, v, _ in selected(graph)}
    assert present in pairs and absent not in pairs


def test_disputed_filter_keeps_only_disputed_edges_and_their_context(facts):
    graph = project_facts(facts, Filters(disputed=True))
    assert selected(graph) and all(d["disputed"] for *_, d in selected(graph))


def test_investor_country_filter_keeps_only_stakes_and_deals(facts):
    graph = project_facts(facts, Filters(investor_countries=("China",)))
    assert {d["rule"] for *_, d in selected(graph)} <= {"holds_stake", "deal", "deal_with", "party_to"}
    assert all(graph.nodes[u].get("country") == "China" or u == "nkd:china" for u, _, _ in selected(graph))


def test_filters_keep_where_things_are(facts):
    graph = project_facts(facts, Filters(commodities=("copper",)))
    located = nx.DiGraph((u, v) for u, v, d in graph.edges(data=True) if d["rule"] == "located_in")
    assert nx.has_path(located, HYESAN, "nkd:yanggang-province")


def test_unknown_filter_value_is_an_error(facts):
    with pytest.raises(FilterError, match="no commodity named 'unobtainium'"):
        project_facts(facts, Filters(commodities=("unobtainium",)))


def test_reference_layer(facts, graph):
    layered = project_facts(facts, Filters(references=True))
    c = counts(layered)
    assert (c["nodes"], c["edges"]) == (graph.number_of_nodes(), graph.number_of_edges())
    assert c["reference_nodes"] and c["reference_edges"]
    for u, v, d in layered.edges(data=True):
        if d["rule"] == "cited_by":
            assert layered.nodes[u]["kind"] == "reference" and layered.nodes[v]["kind"] == "claim"
    assert layered.has_edge("nkd:ref-daily-nk-2007", "nkd:claim-copper-hyesan-stake-status-failed")
