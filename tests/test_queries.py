"""The query library: headers, parsing, golden results on the real graph, and Apache Jena as a second engine.

Queries under test: the top-level ``queries/*.rq`` of the library (except ``production``,
``references`` and ``capacity``, tested with the fixed queries) and ``queries/trace/*.rq``.

Golden results live in ``tests/golden/NAME.csv``; they were written by hand from the chapter
(``data/source/usgs-myb-2007-north-korea.txt``), not copied from an output. A golden's header names
the columns it checks: for claim-level queries it checks the columns the chapter determines (what
is said, by whom, where), not the claim IRIs. :data:`GOLDEN` gives the parameters each golden was
written for, and whether the check is on distinct rows (claim-level outputs projected onto fewer
columns). Rows are compared as a multiset, or as a sequence when the query's header says
``# ordered: true``. Values are compared as text: IRIs as prefixed names (``nkd:china``),
numbers in canonical decimal form, booleans as ``true``/``false``, unbound as empty.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib.plugins.sparql import prepareQuery

from nkgraph import jena
from nkgraph.output import shorten
from nkgraph.paths import QUERIES_DIR
from nkgraph.queries import QueryResult, QuerySpec, bindings, find_query, list_queries, run_query, to_term

GOLDEN_DIR = Path(__file__).parent / "golden"
NOT_OURS = {"production", "references", "capacity"}


def our_specs() -> list[QuerySpec]:
    """The queries this module tests: top-level ones (but the fixed queries) and trace/*."""
    return [s for s in list_queries(QUERIES_DIR) if ("/" not in s.name and s.name not in NOT_OURS) or s.name.startswith("trace/")]


SPECS = {s.name: s for s in our_specs()}


@dataclass(frozen=True)
class Golden:
    """How a golden was written: the parameters, whether rows are compared distinct, and a row filter."""

    params: tuple[tuple[str, str], ...] = ()
    distinct: bool = False
    where: tuple[str, str] | None = None  # (column, value): only rows whose column shows this value


GOLDEN: dict[str, Golden] = {
    "stakes": Golden(),
    "conflicts": Golden(),
    "claim-provenance": Golden((("claim", "nkd:claim-iron-and-steel-musan-energy-daily-value"),)),
    "uncited-claims": Golden((("predicate", "nk:annualCapacity"),), distinct=True),
    "claims-per-reference": Golden(),
    "single-reference-claims": Golden((("reference", "nkd:ref-energy-daily-2007"),), distinct=True),
    "independent-support": Golden((("claim", "nkd:claim-zinc-shipment-1-amount"),)),
    "attribution-chains": Golden(distinct=True),
    "malformed-urls": Golden(),
    "claims-on-malformed-urls": Golden((("reference", "nkd:ref-associated-press-2007"),), distinct=True),
    "production-series": Golden((("commodity", "nkd:zinc"),)),
    "production-vs-capacity": Golden(),
    "timeline": Golden((("start", "2006-01-01"), ("end", "2008-01-31"))),
    "references-by-access-date": Golden(),
    "facilities-by-province": Golden((("province", "nkd:kangwon-province"),)),
    "investment-by-country": Golden((("country", "nkd:republic-of-korea"),)),
    "spellings": Golden((("entity", "nkd:komdok-mine"),)),
    "entity": Golden((("entity", "nkd:tangshan-iron-and-steel-group"),)),
    "claims": Golden(where=("citations", "Energy Daily, 2007")),
    "deals": Golden(),
    "claims-by-reference": Golden((("reference", "nkd:ref-asian-survey-2006"),)),
    "trade-flows": Golden(),
    "hedged-claims": Golden((("modality", "nk:Expected"),), distinct=True),
    "trace/names": Golden(where=("entity", "nkd:komdok-mine")),
    "trace/search": Golden((("text", "909 million"),)),
    "trace/hops": Golden((("claim", "nkd:claim-iron-and-steel-musan-energy-daily-value"),)),
    "trace/conflicts-of": Golden((("claim", "nkd:claim-copper-hyesan-stake-status-acquired"),)),
    "trace/references": Golden(),
}


# ---------------------------------------------------------------------------------------------
# Helpers shared with test_competency.py
# ---------------------------------------------------------------------------------------------


def cell(value: object) -> str:
    """A result value as the goldens write it.

    >>> cell(Decimal("2500000.0")), cell(True), cell(None), cell("https://w3id.org/nkgraph/id/china")
    ('2500000', 'true', '', 'nkd:china')
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, Decimal)):
        return number(str(value))
    text = str(value)
    if text.startswith(("http://", "https://")) and " " not in text:
        return shorten(text)
    return text


def number(text: str) -> str:
    """A decimal number in canonical form ("1.50" -> "1.5", "2.5E6" -> "2500000"); other text unchanged."""
    if not re.fullmatch(r"-?\d+(\.\d+)?([eE][-+]?\d+)?", text):
        return text
    try:
        d = Decimal(text).normalize()
    except InvalidOperation:
        return text
    return format(d, "f")


def run(store: ox.Store, name: str, **params: str) -> QueryResult:
    """Run a library query by name with string parameters."""
    return run_query(SPECS[name], store, params)


def table(result: QueryResult, columns: list[str] | None = None) -> list[tuple[str, ...]]:
    """Rows as tuples of :func:`cell` text, on the given columns (default: all)."""
    cols = columns or result.columns
    return [tuple(cell(row[c]) for c in cols) for row in result.rows]


def read_golden(name: str) -> tuple[list[str], list[tuple[str, ...]]]:
    path = GOLDEN_DIR / (name.replace("/", "__") + ".csv")
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    return rows[0], [tuple(r) for r in rows[1:]]


def _diff(expected: list[tuple[str, ...]], actual: list[tuple[str, ...]]) -> str:
    e, a = Counter(expected), Counter(actual)
    missing = "\n".join("  - " + " | ".join(r) for r in (e - a).elements())
    extra = "\n".join("  + " + " | ".join(r) for r in (a - e).elements())
    return f"\nexpected but missing:\n{missing or '  (none)'}\nunexpected:\n{extra or '  (none)'}"


# ---------------------------------------------------------------------------------------------
# Headers and parsing (no graph needed)
# ---------------------------------------------------------------------------------------------


def test_library_size() -> None:
    top = [n for n in SPECS if "/" not in n]
    assert len(top) >= 20, top


@pytest.mark.parametrize("name", sorted(SPECS))
def test_header(name: str) -> None:
    spec = SPECS[name]
    assert spec.title and spec.description, "every query has a title and a description"
    assert spec.example.startswith("nkgraph query "), "every query shows an example command"
    select = re.search(r"^SELECT\b(.*?)\bWHERE\b", spec.text, re.S | re.M)
    assert select, "a SELECT query"
    for p in spec.params:
        assert p.example, f"parameter {p.name} declares an example"
        to_term(p, p.example)  # the example has the declared type
        # Oxigraph binds a parameter by substitution, which needs it in the projection.
        assert re.search(rf"\?{p.name}\b", select.group(1)), f"parameter ?{p.name} must be projected"


@pytest.mark.parametrize("name", sorted(SPECS))
def test_parses(name: str) -> None:
    """Oxigraph and rdflib both parse every query file."""
    text = SPECS[name].text
    ox.Store().query(text)  # raises SyntaxError when it does not parse
    prepareQuery(text)


def test_every_query_has_a_golden() -> None:
    files = {p.stem.replace("__", "/") for p in GOLDEN_DIR.glob("*.csv")}
    assert set(SPECS) <= set(GOLDEN) and set(GOLDEN) <= files, (set(SPECS) - set(GOLDEN), set(GOLDEN) - files)


# ---------------------------------------------------------------------------------------------
# Golden results on the real graph
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_golden(name: str, store: ox.Store) -> None:
    spec, golden = SPECS[name], GOLDEN[name]
    header, expected = read_golden(name)
    result = run_query(spec, store, dict(golden.params))
    assert set(header) <= set(result.columns), f"golden columns {set(header) - set(result.columns)} not in the result"
    rows = result.rows
    if golden.where:
        column, value = golden.where
        rows = [r for r in rows if cell(r[column]) == value]
    actual = table(QueryResult(result.columns, rows), header)
    if golden.distinct:
        actual = list(dict.fromkeys(actual))
    if spec.ordered:
        assert actual == expected, f"{name}: rows differ or are out of order" + _diff(expected, actual)
    else:
        assert Counter(actual) == Counter(expected), name + _diff(expected, actual)


def test_claims_ledger_covers_every_claim(built, store: ox.Store) -> None:
    """One ledger row per nk:Claim, counted independently with rdflib."""
    from rdflib import RDF

    from nkgraph.namespace import NK

    ledger = run(store, "claims")
    assert ledger.columns == ["claim", "subject", "predicate", "object", "value", "unit", "date", "modality", "section", "quote", "citations", "attributed_to", "conflicts_with"]
    claims = set(built.graph.subjects(RDF.type, NK.Claim))
    assert len(ledger.rows) == len(claims)
    assert {r["claim"] for r in ledger.rows} == {str(c) for c in claims}


def test_claims_ledger_citations_sorted_and_complete(built, store: ox.Store) -> None:
    from rdflib.namespace import Namespace

    cito, nk = Namespace("http://purl.org/spar/cito/"), Namespace("https://w3id.org/nkgraph/ontology#")
    g = built.graph
    for row in run(store, "claims").rows:
        labels = sorted(str(g.value(ref, nk.citationLabel)) for ref in g.objects(_iri(row["claim"]), cito.citesAsEvidence))
        assert (row["citations"] or "") == "; ".join(labels), row["claim"]


def test_counts_match_independent_counts(built, store: ox.Store) -> None:
    """claims-per-reference, counted again with rdflib (the goldens' counts were checked the same way)."""
    from rdflib.namespace import Namespace

    cito, nk = Namespace("http://purl.org/spar/cito/"), Namespace("https://w3id.org/nkgraph/ontology#")
    g = built.graph
    for row in run(store, "claims-per-reference").rows:
        ref = _iri(row["reference"])
        citing = set(g.subjects(cito.citesAsEvidence, ref))
        sole = {c for c in citing if set(g.objects(c, cito.citesAsEvidence)) == {ref}}
        assert (row["claims"], row["sole_reference_claims"]) == (len(citing), len(sole)), row["citation"]
        assert str(g.value(ref, nk.citationLabel)) == row["citation"]


def test_optional_parameters_narrow_the_result(store: ox.Store) -> None:
    """Every optional parameter, given its example, keeps a non-empty subset of the rows."""
    for spec in SPECS.values():
        optional = [p for p in spec.params if not p.required]
        if not optional or any(p.required for p in spec.params):
            continue
        everything = Counter(tuple(cell(v) for c, v in r.items() if c not in {p.name for p in optional}) for r in run_query(spec, store, {}).rows)
        for p in optional:
            some = run_query(spec, store, {p.name: p.example})
            assert some.rows, f"{spec.name} -p {p.name} {p.example} gives no row"
            narrowed = Counter(tuple(cell(v) for c, v in r.items() if c not in {q.name for q in optional}) for r in some.rows)
            assert not (narrowed - everything), f"{spec.name}: -p {p.name} adds rows"


def _iri(value: object):
    from rdflib import URIRef

    return URIRef(str(value))


# ---------------------------------------------------------------------------------------------
# Apache Jena ARQ as a second engine
# ---------------------------------------------------------------------------------------------


def jena_variant(spec: QuerySpec, params: dict[str, str]) -> str:
    """The query text with its parameters as a VALUES block, for an engine without bindings.

    Test helper only: the parameters are the declared examples, never user input, and the block
    goes first in the top-level WHERE group, where every query of the library uses its parameters.
    """
    subs = bindings(spec, params)
    if not subs:
        return spec.text
    rows = []
    for var, term in subs.items():
        value = f"<{term.value}>" if isinstance(term, ox.NamedNode) else '"%s"^^<%s>' % (term.value.replace("\\", "\\\\").replace('"', '\\"'), term.datatype.value)
        rows.append(f"  VALUES ?{var.value} {{ {value} }}")
    m = re.search(r"\bWHERE\s*\{", spec.text)
    assert m is not None
    return spec.text[: m.end()] + "\n" + "\n".join(rows) + "\n" + spec.text[m.end() :]


def _jena_params(spec: QuerySpec) -> dict[str, str]:
    return {p.name: str(p.example) for p in spec.params if p.required}


@lru_cache(maxsize=1)
def _jena_results(graph_file: str, folder: str) -> dict[str, str]:
    """Jena's CSV results (or an error) for every query, run two at a time (a JVM each)."""

    def one(spec: QuerySpec) -> tuple[str, str]:
        path = Path(folder) / (spec.name.replace("/", "__") + ".rq")
        path.write_text(jena_variant(spec, _jena_params(spec)), encoding="utf-8")
        try:
            return spec.name, jena.sparql(graph_file, path, results="csv")
        except jena.JenaError as err:
            return spec.name, f"JENA ERROR: {err}"

    with ThreadPoolExecutor(2) as pool:
        return dict(pool.map(one, SPECS.values()))


@lru_cache(maxsize=1)
def _jena_parse_all() -> dict[str, tuple[int, str]]:
    def one(spec: QuerySpec) -> tuple[str, tuple[int, str]]:
        proc = jena.qparse(spec.path)
        return spec.name, (proc.returncode, proc.stderr)

    with ThreadPoolExecutor(2) as pool:
        return dict(pool.map(one, SPECS.values()))


@pytest.mark.parametrize("name", sorted(SPECS))
@pytest.mark.jena
@pytest.mark.skipif(not jena.available(), reason="Apache Jena is not installed (apt-get install libapache-jena-java)")
def test_jena_parses(name: str) -> None:
    code, err = _jena_parse_all()[name]
    assert code == 0, err


@pytest.mark.parametrize("name", sorted(SPECS))
@pytest.mark.jena
@pytest.mark.skipif(not jena.available(), reason="Apache Jena is not installed (apt-get install libapache-jena-java)")
def test_jena_same_results(name: str, built, store: ox.Store, tmp_path_factory: pytest.TempPathFactory) -> None:
    """ARQ's results on the built graph equal Oxigraph's, as a multiset (numbers and IRIs normalised)."""
    spec = SPECS[name]
    folder = tmp_path_factory.getbasetemp() / "jena-queries"
    folder.mkdir(exist_ok=True)
    out = _jena_results(str(built.out_dir / "nkgraph.nt"), str(folder))[name]
    assert not out.startswith("JENA ERROR"), out
    rows = list(csv.reader(io.StringIO(out)))
    ours = run_query(spec, store, _jena_params(spec))
    assert rows[0] == ours.columns
    theirs = Counter(tuple(number(x) if x else "" for x in r) for r in rows[1:])
    mine = Counter(tuple(number(str(v)) if isinstance(v, (int, Decimal, float)) and not isinstance(v, bool) else cell(v) if isinstance(v, bool) or v is None else str(v) for v in r.values()) for r in ours.rows)
    assert mine == theirs, name + _diff(list(theirs.elements()), list(mine.elements()))


def _with_uncited_twin(built, claim: str) -> tuple[ox.Store, str]:
    """The built graph in memory plus an uncited copy of ``claim`` (same subject, predicate, object, date
    and modality, no citation): what a restating news report or an analyst's own note adds."""
    copy = ox.Store()
    copy.bulk_load(path=str(built.out_dir / "nkgraph.nt"), format=ox.RdfFormat.N_TRIPLES)
    twin = ox.NamedNode(claim + "-uncited-twin")
    kept = {"http://www.w3.org/1999/02/22-rdf-syntax-ns#" + p for p in ("type", "subject", "predicate", "object")}
    kept |= {"https://w3id.org/nkgraph/ontology#" + p for p in ("date", "modality")}
    for quad in list(copy.quads_for_pattern(ox.NamedNode(claim), None, None)):
        if quad.predicate.value in kept:
            copy.add(ox.Quad(twin, quad.predicate, quad.object))
    return copy, twin.value


@pytest.mark.parametrize("name, column, claim", [
    ("timeline", "references", "https://w3id.org/nkgraph/id/claim-cement-deal-date"),
    ("stakes", "status", "https://w3id.org/nkgraph/id/claim-iron-and-steel-musan-chosun-status-completed"),
])  # fmt: skip
def test_an_uncited_claim_does_not_erase_the_references_beside_it(built, store, name, column, claim):
    # Oxigraph makes a GROUP_CONCAT over an unbound value unbound: an uncited claim grouped with
    # cited ones once emptied the whole cell (found on the synthetic corpus with news reports)
    spec = find_query(name)
    before = [r[column] for r in run_query(spec, store).rows]
    copy, _ = _with_uncited_twin(built, claim)
    after = [r[column] for r in run_query(spec, copy).rows]
    assert len(after) == len(before) and None not in {a for a, b in zip(after, before) if b is not None}, f"{name}: a row lost its {column}"
    changed = [(b, a) for a, b in zip(after, before) if a != b]
    if name == "timeline":
        assert not changed, "the twin cites nothing, so every date keeps exactly its references"
    else:  # the deal's statuses gain one entry, "completed … [no reference]", and keep the others
        assert len(changed) == 1 and "[no reference]" in changed[0][1]
        assert set(changed[0][0].split(" | ")) < set(changed[0][1].split(" | "))
