"""Property-based tests (Hypothesis) of the loaders and the serializers.

* Random damage to the data files (byte flips, truncations, deleted, doubled and swapped lines,
  swapped tokens) never escapes as an unhandled exception: reading a file, and loading and compiling a
  small project, either succeed or raise an :class:`~nkgraph.errors.NkgraphError` with a message.
* Random subgraphs of the built graph (with some IRIs turned back into blank nodes) come back
  isomorphic from every RDF serialization rdflib writes.

Examples are bounded (a few dozen per property, no deadline) so the module runs in well under a minute.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib import BNode, Dataset, Graph, URIRef
from rdflib.compare import graph_diff, isomorphic, to_isomorphic

from nkgraph.compile import compile_graph
from nkgraph.errors import NkgraphError
from nkgraph.loading import load_sources, read_triples
from nkgraph.paths import DATA_DIR, ROOT

DATA_FILES = sorted(DATA_DIR.rglob("*.ttl"))
#: A small but complete project (every kind of file except the big tables) for whole-pipeline examples.
MINI = ["data/chapter.ttl", "data/units.ttl", "data/commodities.ttl", "data/references.ttl", "data/claims/coal.ttl", "data/entities/places.ttl", "data/entities/facilities.ttl"]
MINI_TARGETS = [*MINI, "ontology/nkgraph.ttl", "ontology/shapes/nkgraph-shapes.ttl"]
SETTINGS = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large])


# -- damage ------------------------------------------------------------------------------------------


@st.composite
def damaged(draw: st.DrawFn, data: bytes) -> bytes:
    """``data`` with one random kind of damage."""
    lines = data.split(b"\n")
    kind = draw(st.sampled_from(["flip", "truncate", "delete-line", "duplicate-line", "swap-lines", "swap-tokens", "insert"]))
    if kind == "flip":
        i = draw(st.integers(0, len(data) - 1))
        return data[:i] + bytes([draw(st.integers(0, 255))]) + data[i + 1 :]
    if kind == "truncate":
        return data[: draw(st.integers(0, len(data) - 1))]
    if kind == "insert":
        i = draw(st.integers(0, len(data)))
        return data[:i] + draw(st.sampled_from([b".", b";", b",", b"[", b"]", b"(", b'"', b'"""', b"<", b">", b"@", b"#", b"nk:", b"\\", b"\n", b"\xff"])) + data[i:]
    i = draw(st.integers(0, len(lines) - 1))
    if kind == "delete-line":
        return b"\n".join(lines[:i] + lines[i + 1 :])
    if kind == "duplicate-line":
        return b"\n".join(lines[: i + 1] + lines[i:])
    if kind == "swap-lines":
        j = draw(st.integers(0, len(lines) - 1))
        lines[i], lines[j] = lines[j], lines[i]
        return b"\n".join(lines)
    tokens = re.split(rb"(\s+)", data)  # swap-tokens: two of the non-space tokens change places
    words = [k for k, t in enumerate(tokens) if t.strip()]
    a, b = draw(st.sampled_from(words)), draw(st.sampled_from(words))
    tokens[a], tokens[b] = tokens[b], tokens[a]
    return b"".join(tokens)


@settings(SETTINGS, max_examples=60)
@given(st.data())
def test_reading_a_damaged_file_gives_a_result_or_a_clear_error(tmp_path: Path, data: st.DataObject) -> None:
    source = data.draw(st.sampled_from(DATA_FILES), label="file")
    bad = data.draw(damaged(source.read_bytes()), label="damage")
    path = tmp_path / source.name
    path.write_bytes(bad)
    try:
        read_triples(path)
    except NkgraphError as err:
        assert err.message and err.hint and str(err).startswith(str(path))


@pytest.fixture(scope="module")
def mini_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project copy with a few data files (loads and compiles in about half a second)."""
    root = tmp_path_factory.mktemp("mini")
    shutil.copytree(ROOT / "ontology", root / "ontology")
    shutil.copytree(DATA_DIR / "source", root / "data" / "source")
    for rel in MINI:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / rel, root / rel)
    return root


def test_the_mini_project_compiles(mini_project: Path) -> None:
    assert len(compile_graph(load_sources(root=mini_project))) > 1000


@settings(SETTINGS, max_examples=30)
@given(st.data())
def test_loading_and_compiling_damaged_data_gives_a_graph_or_a_clear_error(mini_project: Path, data: st.DataObject) -> None:
    rel = data.draw(st.sampled_from(MINI_TARGETS), label="file")
    path = mini_project / rel
    original = path.read_bytes()
    path.write_bytes(data.draw(damaged(original), label="damage"))
    try:
        compile_graph(load_sources(root=mini_project))
    except NkgraphError as err:
        assert err.message and err.hint, str(err)
    finally:
        path.write_bytes(original)


# -- round trips -------------------------------------------------------------------------------------

FORMATS = {  # serializer -> parser
    "turtle": "turtle",
    "longturtle": "turtle",
    "nt": "nt",
    "n3": "n3",
    "xml": "xml",
    "pretty-xml": "xml",
    "json-ld": "json-ld",
    "trig": "trig",
    "nquads": "nquads",
    "trix": "trix",
    "hext": "hext",
}
DATASET_FORMATS = {"trig", "nquads", "trix", "hext"}
GRAPH_NAME = URIRef("https://w3id.org/nkgraph/id/graph")


@pytest.fixture(scope="module")
def triples(built) -> list[tuple]:
    """The built graph's triples in a fixed order."""
    return sorted(read_triples(built.out_dir / "nkgraph.nt"))


@st.composite
def subgraphs(draw: st.DrawFn, triples: list[tuple]) -> Graph:
    """Up to 150 triples: a random sample, or everything about a few subjects; skolem IRIs maybe as blank nodes."""
    if draw(st.booleans()):
        picked = [triples[i] for i in draw(st.lists(st.integers(0, len(triples) - 1), min_size=1, max_size=150))]
    else:
        subjects = {triples[i][0] for i in draw(st.lists(st.integers(0, len(triples) - 1), min_size=1, max_size=4))}
        picked = [t for t in triples if t[0] in subjects][:150]
    blank = draw(st.booleans())  # the build's skolem IRIs (…_citation-…, …_object) back to blank nodes

    def term(x):
        return BNode(re.sub(r"\W", "", str(x))) if blank and isinstance(x, URIRef) and re.search(r"/id/[^/]*_", str(x)) else x

    g = Graph()
    for s, p, o in picked:
        g.add((term(s), p, term(o)))
    return g


def round_trip(graph: Graph, fmt: str) -> Graph:
    """``graph`` written in ``fmt`` by rdflib and read back."""
    if fmt in DATASET_FORMATS:
        ds = Dataset()
        named = ds.graph(GRAPH_NAME)
        for t in graph:
            named.add(t)
        back = Dataset()
        back.parse(data=ds.serialize(format=fmt), format=FORMATS[fmt])
        return back.graph(GRAPH_NAME)
    return Graph().parse(data=graph.serialize(format=fmt), format=FORMATS[fmt])


def _hext_works() -> bool:
    try:
        Graph().serialize(format="hext")
    except AttributeError:  # rdflib's hext writer needs orjson >= 3.9 when orjson is installed at all
        return False
    return True


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_subgraphs_round_trip_through_every_serialization(fmt: str, triples: list[tuple]) -> None:
    if fmt == "hext" and not _hext_works():
        pytest.skip("rdflib's hext writer fails with the installed orjson (< 3.9): AttributeError orjson.Fragment")

    @settings(SETTINGS, max_examples=12)
    @given(subgraphs(triples))
    def check(graph: Graph) -> None:
        back = round_trip(graph, fmt)
        assert len(back) == len(graph)
        if not isomorphic(back, graph):
            _, lost, gained = graph_diff(to_isomorphic(graph), to_isomorphic(back))
            raise AssertionError(f"{fmt} changed {len(lost)} triple(s): {sorted(lost)[:2]} came back as {sorted(gained)[:2]}")

    check()
