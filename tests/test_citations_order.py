"""The order of projection/citations, on a small graph built here: claims by IRI, then label, then pinpoint.

The query sorts on keys it computes (a space before the claim's IRI, a space before the citation
label) instead of the stored terms; these tests check that the computed keys order the rows as
the stored terms do, including the cases where they could part: one IRI a prefix of another, a
claim citing several references, a label that is a prefix of another, and a missing pinpoint.
"""

from __future__ import annotations

import pyoxigraph as ox

from nkgraph.queries import find_query, run_query

NK = "https://w3id.org/nkgraph/ontology#"
NKD = "https://w3id.org/nkgraph/id/"
CITO = "http://purl.org/spar/cito/"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")

#: (claim, reference, citation label, pinpoint or None), in no particular order
CITATIONS = [
    ("claim-b", "ref-yonhap", "Yonhap News Agency, 2007", "p. 5"),
    ("claim-a-b", "ref-kotra", "KOTRA, 2007", None),
    ("claim-a", "ref-yonhap", "Yonhap News Agency, 2007", None),
    ("claim-a", "ref-daily-nk", "Daily NK, 2007", "p. 142"),
    ("claim-a", "ref-daily-nk-b", "Daily NK, 2007b", None),
    ("claim-a", "ref-agence", "Agence France-Presse, 2006", "p. 5-6"),
    ("claim-b", "ref-agence", "Agence France-Presse, 2006", None),
]


def _store() -> ox.Store:
    store = ox.Store()
    for i, (claim, reference, label, pinpoint) in enumerate(CITATIONS):
        c, r, cit = ox.NamedNode(NKD + claim), ox.NamedNode(NKD + reference), ox.NamedNode(f"{NKD}{claim}_citation-{i}")
        store.add(ox.Quad(c, RDF_TYPE, ox.NamedNode(NK + "Claim")))
        store.add(ox.Quad(c, ox.NamedNode(NK + "citation"), cit))
        store.add(ox.Quad(cit, ox.NamedNode(CITO + "hasCitedEntity"), r))
        store.add(ox.Quad(r, ox.NamedNode(NK + "citationLabel"), ox.Literal(label)))
        if pinpoint is not None:
            store.add(ox.Quad(cit, ox.NamedNode(NK + "pinpoint"), ox.Literal(pinpoint)))
    return store


def test_citations_are_ordered_by_claim_iri_then_label_then_pinpoint():
    rows = run_query(find_query("projection/citations"), _store()).rows
    got = [(str(r["claim"]).removeprefix(NKD), str(r["citation_label"]), r.get("pinpoint")) for r in rows]
    # an unbound pinpoint sorts first, as SPARQL orders an unbound value before any other
    want = sorted(((c, label, p) for c, _, label, p in CITATIONS), key=lambda t: (NKD + t[0], t[1], t[2] is not None, t[2] or ""))
    assert got == want
    # spelled out: claim-a before claim-a-b (prefix first), and claim-a's labels in order
    assert [g[0] for g in got] == ["claim-a"] * 4 + ["claim-a-b"] + ["claim-b"] * 2
    assert [g[1] for g in got[:4]] == ["Agence France-Presse, 2006", "Daily NK, 2007", "Daily NK, 2007b", "Yonhap News Agency, 2007"]


def test_citation_rows_keep_the_stored_terms():
    # the sort keys are not returned: the columns are the stored claim, reference, label and pinpoint
    result = run_query(find_query("projection/citations"), _store())
    assert result.columns == ["claim", "reference", "citation_label", "pinpoint"]
    row = next(r for r in result.rows if str(r["claim"]) == NKD + "claim-a-b")
    assert str(row["reference"]) == NKD + "ref-kotra" and str(row["citation_label"]) == "KOTRA, 2007" and row.get("pinpoint") is None
