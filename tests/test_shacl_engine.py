"""The fast SHACL engine (nkgraph.shacl_engine) gives pySHACL's results, result by result.

A result is compared as (focus, sourceShape, resultPath, value, severity, messages,
sourceConstraintComponent), with multiplicity: pySHACL repeats a result once per parent shape and
so must the engine. The comparison runs on every shape fixture (reusing test_shapes.py's pySHACL
run), on the real build, and on damaged copies of a sample of the real build (triples removed,
literals given other values or datatypes, nodes retyped), one pySHACL run per example.
"""

from __future__ import annotations

import random
from collections import Counter
from functools import lru_cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib import RDF, BNode, Graph, Literal, URIRef
from rdflib.namespace import SH, XSD
from test_shapes import FIXTURES, fixture_graph, fixture_report, load_fixture, shapes_graph, sparql_cache

from nkgraph import shacl_engine
from nkgraph.prefixes import prefix_lines
from nkgraph.shacl_engine import Unsupported, compile_shapes, path_key
from nkgraph.validation import pyshacl_report, validate_graph

NK = "https://w3id.org/nkgraph/ontology#"


def report_keys(report: Graph) -> Counter:
    """pySHACL's results as a multiset of comparable tuples."""
    out: Counter = Counter()
    for r in report.subjects(RDF.type, SH.ValidationResult):
        v = lambda p: report.value(r, p)  # noqa: E731
        messages = tuple(sorted(str(m) for m in report.objects(r, SH.resultMessage)))
        out[(v(SH.focusNode), v(SH.sourceShape), path_key(report, v(SH.resultPath)), v(SH.value), v(SH.resultSeverity), messages, v(SH.sourceConstraintComponent))] += 1
    return out


def fast_keys(data: Graph, shapes: Graph, *, allow_warnings: bool) -> tuple[bool, Counter]:
    conforms, results = shacl_engine.validate(data, compile_shapes(shapes), allow_warnings=allow_warnings)
    return conforms, Counter((r.focus, r.shape, path_key(shapes, r.path), r.value, r.severity, r.messages, r.component) for r in results)


def assert_same(fast: tuple[bool, Counter], reference: tuple[bool, Counter]) -> None:
    extra, missing = fast[1] - reference[1], reference[1] - fast[1]
    assert not extra and not missing, f"only the fast engine: {sorted(extra, key=str)[:5]}\nonly pySHACL: {sorted(missing, key=str)[:5]}"
    assert fast[0] == reference[0]


# ---------------------------------------------------------------------------------------------
# Every fixture
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", [pytest.param(p, id=f"{p.parent.name}-{p.stem}") for p in sorted(FIXTURES.glob("*/*.ttl"))])
def test_fixture_results_equal_pyshacl(path: Path) -> None:
    conforms, report, _ = fixture_report(path)  # the run test_shapes.py makes (no warnings allowed)
    assert_same(fast_keys(fixture_graph(path), shapes_graph(), allow_warnings=False), (conforms, report_keys(report)))


def test_fixtures_exercise_every_kind_of_result() -> None:
    """The fixtures are a meaningful comparison: together they fail every constraint component the shapes use."""
    components = set()
    for path in sorted(FIXTURES.glob("*/invalid.ttl")):
        components |= {key[6] for key in fast_keys(load_fixture(path), shapes_graph(), allow_warnings=False)[1]}
    used = {
        SH.MinCountConstraintComponent, SH.MaxCountConstraintComponent, SH.DatatypeConstraintComponent,
        SH.ClassConstraintComponent, SH.NodeKindConstraintComponent, SH.PatternConstraintComponent,
        SH.MinLengthConstraintComponent, SH.HasValueConstraintComponent, SH.InConstraintComponent,
        SH.EqualsConstraintComponent, SH.LessThanConstraintComponent, SH.LessThanOrEqualsConstraintComponent,
        SH.OrConstraintComponent, SH.XoneConstraintComponent, SH.SPARQLConstraintComponent,
        SH.QualifiedMinCountConstraintComponent, SH.QualifiedMaxCountConstraintComponent,
    }
    assert used <= components, sorted(used - components)


# ---------------------------------------------------------------------------------------------
# The real build, and damaged samples of it
# ---------------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def real_build() -> tuple[Graph, Graph]:
    from nkgraph.compile import compile_graph
    from nkgraph.loading import load_sources

    sources = load_sources()
    graph = compile_graph(sources)
    graph += sources.ontology
    return graph, sources.shapes


@lru_cache(maxsize=1)
def sample() -> Graph:
    """A few nodes of every class with everything two links away, plus the ontology (~3k triples)."""
    graph, _ = real_build()
    seeds: list = []
    for cls in ("Claim", "EquityStake", "Deal", "Quantity", "Reference", "Section", "Unit", "ProductionSeries", "NameAttestation"):
        seeds += sorted(graph.subjects(RDF.type, URIRef(NK + cls)))[:4]
    seeds += sorted(set(graph.subjects(URIRef(NK + "conflictsWith"), None)))[:2]
    keep, frontier = set(seeds), list(seeds)
    for _ in range(2):
        nxt = []
        for node in frontier:
            for o in graph.objects(node, None):
                if isinstance(o, URIRef) and str(o).startswith("https://w3id.org/nkgraph/id/") and o not in keep:
                    keep.add(o)
                    nxt.append(o)
        frontier = nxt
    out = Graph()
    for node in keep:
        for p, o in graph.predicate_objects(node):
            out.add((node, p, o))
    for t in graph.triples((None, RDF.type, None)):
        if not str(t[0]).startswith("https://w3id.org/nkgraph/id/"):
            out.add(t)  # the ontology's classes and individuals
    from nkgraph.loading import load_sources

    out += load_sources().ontology
    return out


def reference(data: Graph, shapes: Graph) -> tuple[bool, Counter]:
    with sparql_cache():
        conforms, report = pyshacl_report(data, shapes)
    return conforms, report_keys(report)


def test_real_build_equal_pyshacl() -> None:
    graph, shapes = real_build()
    fast = fast_keys(graph, shapes, allow_warnings=True)
    assert fast[0] is True
    assert_same(fast, reference(graph, shapes))


def test_sample_is_a_fair_test() -> None:
    data = sample()
    _, shapes = real_build()
    assert 1000 < len(data) < 10000
    assert_same(fast_keys(data, shapes, allow_warnings=True), reference(data, shapes))


_DATATYPES = [XSD.string, XSD.integer, XSD.positiveInteger, XSD.nonNegativeInteger, XSD.decimal, XSD.boolean, XSD.gYear, XSD.date, XSD.gYearMonth, None]
_LEXICAL = ["", "0", "1", "-3", "2007", "2007-05", "2007-05-03", "true", "abc", "1.5", "120", "1899", "2101-01-01"]
_CLASSES = ["Claim", "Quantity", "Reference", "EquityStake", "Deal", "Section", "Unit", "Organization", "Commodity", "ReportingHop"]


@st.composite
def damage(draw: st.DrawFn) -> list[tuple[str, int, object]]:
    steps = draw(st.lists(st.tuples(st.sampled_from(["remove", "literal", "retype", "duplicate"]), st.integers(0, 10**6), st.integers(0, 10**6)), min_size=1, max_size=4))
    return steps


def apply(data: Graph, steps: list[tuple[str, int, int]]) -> Graph:
    out = Graph()
    out += data
    triples = sorted(out, key=lambda t: (str(t[0]), str(t[1]), str(t[2])))
    rng = random.Random(0)
    for kind, i, j in steps:
        rng.seed(i * 7919 + j)
        if kind == "remove":
            mine = [t for t in triples if str(t[0]).startswith("https://w3id.org/nkgraph/id/")]
            out.remove(mine[i % len(mine)])
        elif kind == "literal":
            lits = [t for t in triples if isinstance(t[2], Literal)]
            s, p, o = lits[i % len(lits)]
            dt = _DATATYPES[j % len(_DATATYPES)]
            lexical = rng.choice(_LEXICAL + [str(o)])
            out.remove((s, p, o))
            out.add((s, p, Literal(lexical, datatype=dt)))
        elif kind == "retype":
            typed = [t for t in triples if t[1] == RDF.type and str(t[0]).startswith("https://w3id.org/nkgraph/id/")]
            s, p, o = typed[i % len(typed)]
            out.remove((s, p, o))
            out.add((s, p, URIRef(NK + _CLASSES[j % len(_CLASSES)])))
        else:
            mine = [t for t in triples if str(t[0]).startswith("https://w3id.org/nkgraph/id/") and t[1] != RDF.type]
            s, p, o = mine[i % len(mine)]
            other = mine[j % len(mine)][2]
            out.add((s, p, other if other != o else BNode()))
        triples = sorted(out, key=lambda t: (str(t[0]), str(t[1]), str(t[2])))
    return out


@settings(max_examples=20, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(damage())
def test_damaged_sample_equal_pyshacl(steps: list) -> None:
    data = apply(sample(), steps)
    _, shapes = real_build()
    try:
        fast = fast_keys(data, shapes, allow_warnings=True)
    except Unsupported:
        with pytest.raises(Exception):  # noqa: B017 - then pySHACL must fail too (e.g. sh:lessThan on a blank node)
            reference(data, shapes)
        return
    assert_same(fast, reference(data, shapes))


# ---------------------------------------------------------------------------------------------
# Never silently wrong: unsupported features go to pySHACL
# ---------------------------------------------------------------------------------------------

_PREFIXES = "@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> . @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n"
_DATA = Graph().parse(data=_PREFIXES + "ex:a a ex:C ; ex:name 1 ; ex:extra 2 .", format="turtle")


def _shapes(text: str) -> Graph:
    return Graph().parse(data=_PREFIXES + text, format="turtle")


@pytest.mark.parametrize(
    "text",
    [
        "ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:closed true ; sh:property [ sh:path ex:name ] ; sh:message \"closed\" .",
        "ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:property [ sh:path [ sh:zeroOrMorePath ex:name ] ; sh:maxCount 0 ] ; sh:message \"m\" .",
        "ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:property [ sh:path ex:name ; sh:languageIn (\"en\") ] ; sh:message \"m\" .",
        "ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:node ex:S ; sh:message \"m\" .",
    ],
    ids=["closed", "zero-or-more-path", "languageIn", "recursive"],
)
def test_unsupported_shapes_are_refused(text: str) -> None:
    with pytest.raises(Unsupported):
        compile_shapes(_shapes(text))


def test_unsupported_shapes_get_pyshacls_verdict(monkeypatch: pytest.MonkeyPatch) -> None:
    from nkgraph import validation

    shapes = _shapes("ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:closed true ; sh:property [ sh:path ex:name ] ; sh:message \"closed\" .")
    calls = []
    real = validation._run_pyshacl
    monkeypatch.setattr(validation, "_run_pyshacl", lambda *a: calls.append(1) or real(*a))
    report = validate_graph(_DATA, shapes, Graph())
    assert calls, "pySHACL decided the run"
    assert not report.conforms and report.violations[0].message == "closed"


def test_a_result_without_message_goes_to_pyshacl(monkeypatch: pytest.MonkeyPatch) -> None:
    """pySHACL generates messages ("Less than 1 values on ..."): the engine does not imitate them."""
    from nkgraph import validation

    shapes = _shapes("ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:property [ sh:path ex:missing ; sh:minCount 1 ] .")
    with pytest.raises(Unsupported):
        shacl_engine.validate(_DATA, compile_shapes(shapes))
    calls = []
    real = validation._run_pyshacl
    monkeypatch.setattr(validation, "_run_pyshacl", lambda *a: calls.append(1) or real(*a))
    report = validate_graph(_DATA, shapes, Graph())
    assert calls and not report.conforms and report.violations[0].message


def test_a_message_less_shape_that_passes_needs_no_pyshacl(monkeypatch: pytest.MonkeyPatch) -> None:
    from nkgraph import validation

    shapes = _shapes("ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:property [ sh:path ex:name ; sh:minCount 1 ; sh:or ( [ sh:datatype xsd:integer ] [ sh:datatype xsd:string ] ) ] .")
    monkeypatch.setattr(validation, "_run_pyshacl", lambda *a: pytest.fail("pySHACL was not needed"))
    assert validate_graph(_DATA, shapes, Graph()).conforms


def test_engines_agree_through_validate_graph() -> None:
    shapes = _shapes(
        "ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:property ex:P , ex:Q .\n"
        "ex:P sh:path ex:name ; sh:datatype xsd:string ; sh:message \"name is a string\" .\n"
        "ex:Q sh:path [ sh:alternativePath ( ex:name ex:extra ) ] ; sh:maxCount 1 ; sh:message \"one value\" ."
    )
    fast = validate_graph(_DATA, shapes, Graph(), engine="fast")
    slow = validate_graph(_DATA, shapes, Graph(), engine="pyshacl")
    assert not fast.conforms
    assert fast == slow
    assert {v.path for v in fast.violations} == {"ex:name", "ex:name|ex:extra"}


def test_unknown_engine_is_refused() -> None:
    with pytest.raises(ValueError):
        validate_graph(_DATA, _shapes(""), Graph(), engine="jena")


def test_cache_keys_name_the_engine() -> None:
    from nkgraph.cache import report_key

    assert report_key("a" * 64, "b" * 64, "fast") != report_key("a" * 64, "b" * 64, "pyshacl")


def test_validate_command_passes_the_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from nkgraph import api
    from nkgraph.cli import main
    from nkgraph.report import Report

    seen = []
    monkeypatch.setattr(api, "validate", lambda root=None, engine="fast": seen.append(engine) or Report(True))
    result = CliRunner().invoke(main, ["validate", "--engine", "pyshacl"])
    assert result.exit_code == 0, result.output
    assert seen == ["pyshacl"]
    assert CliRunner().invoke(main, ["validate", "--engine", "nope"]).exit_code == 2


# ---------------------------------------------------------------------------------------------
# The native evaluation of two SPARQL constraints equals Oxigraph's
# ---------------------------------------------------------------------------------------------

_PROV = "http://www.w3.org/ns/prov#"


def _native_variants() -> list[Graph]:
    """The sample, and copies damaged where the two natively evaluated constraints look."""
    nk = lambda name: URIRef(NK + name)  # noqa: E731
    graph, _ = real_build()
    base = Graph()
    base += sample()
    for claim in graph.subjects(RDF.predicate, nk("party")):  # the deals' party claims and the deals
        for p, o in graph.predicate_objects(claim):
            base.add((claim, p, o))
        for deal in graph.objects(claim, RDF.subject):
            base.add((deal, RDF.type, nk("Deal")))
    attributed = sorted(base.subject_objects(URIRef(_PROV + "wasAttributedTo")))
    hops = sorted((h, p) for h, p in base.subject_objects(nk("position")))
    agents = sorted(set(base.objects(None, nk("agent"))))
    party_claims = sorted(c for c in base.subjects(RDF.predicate, nk("party")))
    claims_without = sorted(c for c in base.subjects(RDF.type, nk("Claim")) if (c, URIRef(_PROV + "wasAttributedTo"), None) not in base)
    assert attributed and hops and agents and party_claims and claims_without, "the sample lacks what the variants damage"
    variants = [base]

    def variant(remove: list = (), add: list = ()) -> None:
        g = Graph()
        g += base
        for t in remove:
            g.remove(t)
        for t in add:
            g.add(t)
        variants.append(g)

    claim, agent = attributed[0]
    variant(remove=[(claim, URIRef(_PROV + "wasAttributedTo"), agent)])
    variant(add=[(claims_without[0], URIRef(_PROV + "wasAttributedTo"), agents[0])])
    variant(add=[(claim, URIRef(_PROV + "wasAttributedTo"), agents[-1] if agents[-1] != agent else agents[0])])
    hop, position = hops[0]
    for new in (Literal("2", datatype=XSD.integer), Literal("01", datatype=XSD.integer), Literal("+1", datatype=XSD.integer), Literal("1", datatype=XSD.decimal),
                Literal("1"), Literal("1", lang="en"), Literal("one", datatype=XSD.integer), URIRef(NK + "one")):
        variant(remove=[(hop, nk("position"), position)], add=[(hop, nk("position"), new)])
    variant(add=[(hop, nk("agent"), agents[-1])])
    variant(add=[(hop, nk("agent"), Literal("an agent"))])
    party_claim = party_claims[0]
    for o in list(base.objects(party_claim, RDF.object)):
        variant(remove=[(party_claim, RDF.object, o)])
        variant(add=[(party_claim, RDF.object, Literal("a party"))])
    variant(remove=[(party_claim, RDF.type, nk("Claim"))])
    variant(remove=[(c, RDF.predicate, nk("party")) for c in party_claims])
    return variants


def test_native_sparql_constraints_answer_as_oxigraph() -> None:
    _, shapes = real_build()
    compiled = compile_shapes(shapes)
    natives = [(shape, c) for shape in compiled.shapes.values() for kind, cs in shape.constraints if kind == "sparql" for c in cs if shacl_engine._native(c.query)]
    assert len(natives) == 2, "both constraints are recognised in the real shapes"
    answered = violations = 0
    for data in _native_variants():
        validator = shacl_engine._Validator(shacl_engine._Data(data), compiled, True, lambda data=data: shacl_engine.store_of(data))
        for shape, c in natives:
            for focus in shape.target_nodes:
                native = shacl_engine._native(c.query)(validator.data, focus)
                expected = {tuple(sorted(row.items())) for row in validator._oxigraph_rows(shape, c, focus)}
                if native is None:
                    continue  # Oxigraph answers these
                answered += 1
                violations += len(native)
                assert {tuple(sorted(row.items())) for row in native} == expected, (str(shape.node), len(data))
    assert answered > 20 and violations > 5, (answered, violations)


def test_native_sparql_needs_the_exact_query_and_prefixes() -> None:
    text = shacl_engine._WAS_ATTRIBUTED_TO_QUERY
    ours = prefix_lines([("nk", str(NK)), ("prov", _PROV), ("rdf", str(RDF))])
    assert shacl_engine._native(ours + "\n" + "  ".join(text.split())) is shacl_engine._was_attributed_to
    assert shacl_engine._native(ours.replace(NK, "http://example.org/nk#") + text) is None
    assert shacl_engine._native(ours + text.replace("?position = 1", "?position = 2")) is None
