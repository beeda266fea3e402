"""Nothing lost, nothing drifting: what authors write is all in the build, and the build does not depend on chance.

Building twice gives byte-identical output (``test_build.py``); here: the order in which the data
files are read does not matter; every claim and every authored statement of ``data/`` is in the
built graph (read back independently with rdflib); every quote, reference entry and spelling still
anchors: the text between ``oa:start`` and ``oa:end`` is the quoted text.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from rdflib import RDF, XSD, BNode, Graph, Literal, URIRef

from nkgraph import loading
from nkgraph.pipeline import build
from nkgraph.namespace import NK, OA
from nkgraph.paths import DATA_DIR
from nkgraph.source import SourceText, normalize


@pytest.fixture(scope="module")
def authored() -> dict[Path, Graph]:
    """Every data file, parsed by rdflib (not by nkgraph's loader)."""
    return {path: Graph().parse(path, format="turtle") for path in sorted(DATA_DIR.rglob("*.ttl"))}


@pytest.fixture(scope="module")
def graph(built) -> Graph:
    return built.graph


@pytest.fixture(scope="module")
def text() -> SourceText:
    return SourceText.load()


def test_data_files_in_another_order_give_the_same_output(built, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files = loading.data_files()
    shuffled = files[:]
    random.Random(7).shuffle(shuffled)
    assert shuffled != files
    calls = []

    def data_files(data_dir: Path | None = None) -> list[Path]:
        calls.append(data_dir)
        return [(data_dir or DATA_DIR) / p.relative_to(DATA_DIR) for p in shuffled]

    monkeypatch.setattr(loading, "data_files", data_files)
    build(tmp_path / "shuffled")
    assert calls, "the build did not read the data files through loading.data_files"
    for name in ("nkgraph.ttl", "nkgraph.nt", "manifest.json"):
        assert (tmp_path / "shuffled" / name).read_bytes() == (built.out_dir / name).read_bytes(), name


def test_every_claim_of_the_data_files_is_built(authored: dict[Path, Graph], graph: Graph, built) -> None:
    written = {s for g in authored.values() for s in g.subjects(RDF.type, NK.Claim)}
    in_build = set(graph.subjects(RDF.type, NK.Claim))
    assert len(written) == built.counts["claims"] == len(in_build)
    assert written == in_build, f"missing: {sorted(written - in_build)[:5]}, extra: {sorted(in_build - written)[:5]}"


def _as_built(term):
    """The term as the build keeps it: an authored ``"51"^^xsd:decimal`` gains a point (``51.0``, as Turtle writes it)."""
    if isinstance(term, Literal) and term.datatype == XSD.decimal and "." not in str(term):
        return Literal(f"{term}.0", datatype=XSD.decimal)
    return term


@pytest.mark.parametrize("name", sorted(p.relative_to(DATA_DIR).as_posix() for p in DATA_DIR.rglob("*.ttl")))
def test_every_authored_statement_is_built(name: str, authored: dict[Path, Graph], graph: Graph) -> None:
    """Statements without blank nodes are kept as written (decimals gain a point); blank nodes get IRIs and are checked to hang from something."""
    g = authored[DATA_DIR / name]
    plain = [(s, p, _as_built(o)) for s, p, o in g if not any(isinstance(x, BNode) for x in (s, p, o))]
    missing = [t for t in plain if t not in graph]
    assert not missing, f"{len(missing)} statement(s) of {name} not in the build, e.g. {missing[:3]}"
    blank = {o for o in g.objects() if isinstance(o, BNode)}
    assert all(not isinstance(s, BNode) or s in blank for s in g.subjects()), "a blank node that hangs from nothing"


def _selector(graph: Graph, owner: URIRef) -> tuple[int, int]:
    anchor = graph.value(owner, NK.textAnchor)
    for selector in graph.objects(anchor, OA.hasSelector):
        if (selector, RDF.type, OA.TextPositionSelector) in graph:
            return int(graph.value(selector, OA.start)), int(graph.value(selector, OA.end))
    raise AssertionError(f"{owner} has no TextPositionSelector")


def _anchored(graph: Graph, text: SourceText, prop: URIRef) -> list[tuple[URIRef, str, str]]:
    """(owner, the words it gives, the words its offsets select) for every owner of ``prop``."""
    out = []
    for owner, words in sorted(graph.subject_objects(prop)):
        start, end = _selector(graph, owner)
        out.append((owner, normalize(str(words)), normalize(text.raw[start:end])))
    return out


@pytest.mark.parametrize("prop", [NK.quote, NK.entryText, NK.spelling], ids=["claim-quotes", "reference-entries", "name-spellings"])
def test_every_quote_still_anchors(prop: URIRef, graph: Graph, text: SourceText) -> None:
    rows = _anchored(graph, text, prop)
    assert rows
    wrong = [(str(o), w, s) for o, w, s in rows if w != s]
    assert not wrong, f"{len(wrong)} of {len(rows)} do not anchor, e.g. {wrong[:2]}"


def test_quote_selectors_and_lines_agree_with_the_offsets(graph: Graph, text: SourceText) -> None:
    for claim in graph.subjects(RDF.type, NK.Claim):
        start, end = _selector(graph, claim)
        anchor = graph.value(claim, NK.textAnchor)
        exact = [graph.value(s, OA.exact) for s in graph.objects(anchor, OA.hasSelector) if (s, RDF.type, OA.TextQuoteSelector) in graph]
        assert exact == [Literal(text.raw[start:end])], claim
        assert int(graph.value(claim, NK.startLine)) == text.line_of(start), claim
        assert int(graph.value(claim, NK.endLine)) == text.line_of(end - 1), claim
