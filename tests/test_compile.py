"""What the build computes from the authored data, checked on the real graph."""

from rdflib import RDF, Literal

from nkgraph.namespace import CITO, NK, NKD, OA
from nkgraph.source import default_text, normalize


def _claims(graph):
    return sorted(graph.subjects(RDF.type, NK.Claim))


def test_every_claim_quote_is_anchored_at_its_words(built):
    g, raw = built.graph, default_text().raw
    claims = _claims(g)
    assert len(claims) > 500
    for claim in claims:
        anchor = g.value(claim, NK.textAnchor)
        pos = [s for s in g.objects(anchor, OA.hasSelector) if (s, RDF.type, OA.TextPositionSelector) in g][0]
        start, end = int(g.value(pos, OA.start)), int(g.value(pos, OA.end))
        assert normalize(raw[start:end]) == normalize(str(g.value(claim, NK.quote))), claim


def test_every_claim_has_a_section_and_lines(built):
    g = built.graph
    for claim in _claims(g):
        assert g.value(claim, NK.inSection) is not None, claim
        assert int(g.value(claim, NK.startLine)) <= int(g.value(claim, NK.endLine))


def test_copper_claims_fall_in_the_copper_section(built):
    g = built.graph
    claim = NKD["claim-copper-hyesan-stake-status-acquired"]
    assert g.value(claim, NK.inSection) == NKD["sec-copper"]
    assert str(g.value(NKD["sec-copper"], NK.sectionPath)) == "Commodity Review > Metals > Copper"


def test_conflicts_are_materialized_both_ways_and_marked_disputed(built):
    g = built.graph
    pairs = set(g.subject_objects(NK.conflictsWith))
    assert pairs and all((b, a) in pairs for a, b in pairs)
    for a, _ in pairs:
        assert g.value(a, NK.disputed) == Literal(True)


def test_disputed_claims_give_no_plain_triple(built):
    g = built.graph
    stake = NKD["stake-hyesan-youth-copper-mine-51"]
    assert (stake, NK.status, NK.Acquired) not in g
    assert (stake, NK.status, NK.Failed) not in g
    assert (stake, NK.percentage, None) in g  # the share itself is not disputed


def test_citations_become_cito_nodes_with_pinpoints(built):
    g = built.graph
    pinpoints = {str(p) for c in g.subjects(RDF.type, CITO.Citation) for p in g.objects(c, NK.pinpoint)}
    assert {"p. 142", "p. 2-3", "p. 5-6", "p. 6-8", "p. 5"} <= pinpoints


def test_hop_one_agent_is_prov_attribution(built):
    from rdflib.namespace import PROV

    g = built.graph
    agents = set(g.objects(None, PROV.wasAttributedTo))
    assert NKD["ministry-of-unification"] in agents and NKD["unnamed-chinese-industry-source"] in agents


def test_alternative_spellings_are_attested_where_printed(built):
    g = built.graph
    lines: dict[str, set[int]] = {}
    for a in g.subjects(NK.attests, NKD["komdok-mine"]):
        lines.setdefault(str(g.value(a, NK.spelling)), set()).add(int(g.value(a, NK.startLine)))
    # "Gumdeok (Komdok)" is printed on lines 32, 269 and 271; "Komdok Mining Complex" on line 213
    assert lines["Gumdeok"] == {32, 269, 271}
    assert lines["Komdok Mining Complex"] == {213}


def test_canonical_values_use_the_unit_factor(built):
    g = built.graph
    values = {(str(g.value(q, NK.valueAsPrinted)), str(g.value(q, NK.unitAsPrinted)), g.value(q, NK.canonicalValue).toPython()) for q in g.subjects(RDF.type, NK.Quantity) if g.value(q, NK.canonicalValue) is not None and g.value(q, NK.unitAsPrinted) is not None}
    assert ("24,100", "thousand metric tons", 24100000) in {(a, b, int(c)) for a, b, c in values}
