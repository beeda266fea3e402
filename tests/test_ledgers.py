"""The claim ledgers (``claims``, ``projection/claims``) recomputed from the built graph with rdflib.

Both queries tell a claim's object apart (entity, quantity, literal) once per distinct object, and
``claims`` builds its agent list from strings the query makes ("; " + label) rather than from the
stored labels (see the comments in the .rq files). These tests work each of those columns out again
in Python, so a rewrite that mislabels an object or garbles a list fails here, not only on a golden.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

import pyoxigraph as ox
from rdflib import RDF, RDFS, Literal, URIRef
from rdflib.namespace import PROV

from nkgraph.namespace import NK
from nkgraph.queries import find_query, run_query


def _rows(store: ox.Store, name: str) -> dict[str, dict[str, object]]:
    return {str(r["claim"]): r for r in run_query(find_query(name), store).rows}


def _same(got: object, want: object) -> bool:
    """Equal as numbers when both read as numbers, else as text; ``None`` only matches ``None``."""
    if got is None or want is None:
        return got is None and want is None
    try:
        return Decimal(str(got)) == Decimal(str(want))
    except InvalidOperation:
        return str(got) == str(want)


def test_claims_ledger_objects_values_and_units(built, store: ox.Store) -> None:
    """An entity object is in ``object``; a quantity gives its number (else its printed value) and unit; a literal its text."""
    g = built.graph
    kinds = set()
    for claim, row in _rows(store, "claims").items():
        o = g.value(URIRef(claim), RDF.object)
        printed = g.value(o, NK.valueAsPrinted)
        if isinstance(o, Literal):
            want, kind = (None, o, None), "literal"
        elif (o, RDF.type, NK.Quantity) in g and printed is not None:
            number = g.value(o, NK.numericValue)
            want, kind = (None, printed if number is None else number, g.value(o, NK.unitAsPrinted)), "quantity"
        else:
            want, kind = (str(o) if isinstance(o, URIRef) else None, None, None), "entity"
        kinds.add(kind)
        got = (row["object"], row["value"], row["unit"])
        assert all(_same(a, b) for a, b in zip(got, want)), (claim, got, want)
    assert kinds == {"literal", "quantity", "entity"}


def test_claims_ledger_attributions_sorted_and_complete(built, store: ox.Store) -> None:
    """``attributed_to``: the distinct labels of the claim's agents, sorted, "; "-separated."""
    g = built.graph
    seen = 0
    for claim, row in _rows(store, "claims").items():
        labels = sorted({str(label) for agent in g.objects(URIRef(claim), PROV.wasAttributedTo) for label in g.objects(agent, RDFS.label)})
        assert (row["attributed_to"] or "") == "; ".join(labels), claim
        seen += len(labels) > 1
    assert seen, "no claim with two agents: the separator is not tested"


def test_projection_claims_objects(built, store: ox.Store) -> None:
    """projection/claims: an entity's IRI and label, a quantity's printed value, unit and canonical value, a literal's text."""
    g = built.graph
    for claim, row in _rows(store, "projection/claims").items():
        o = g.value(URIRef(claim), RDF.object)
        empty = {"object": None, "object_label": None, "value": None, "printed_value": None, "printed_unit": None, "canonical_value": None}
        if isinstance(o, Literal):
            want = {**empty, "value": str(o)}
        elif (o, RDF.type, NK.Quantity) in g:
            want = {**empty, "printed_value": g.value(o, NK.valueAsPrinted), "printed_unit": g.value(o, NK.unitAsPrinted), "canonical_value": g.value(o, NK.canonicalValue)}
        else:
            label = g.value(o, RDFS.label)
            want = {**empty, "object": str(o) if isinstance(o, URIRef) else None, "object_label": None if label is None else str(label)}
        got = {k: row[k] for k in want}
        assert all(_same(got[k], want[k]) for k in want), (claim, got, want)
