"""Exports: every graph format round-trips through networkx, DOT renders with Graphviz, every RDF
serialization parses with Apache Jena, output is deterministic, and the CLI writes where it is told."""

from __future__ import annotations

import json
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import networkx as nx
import pytest
from click.testing import CliRunner
from rdflib import XSD, Graph, Literal
from rdflib.compare import to_isomorphic

from nkgraph import jena
from nkgraph.commands_viz import export
from nkgraph.exports import FORMATS, Source, cytoscape, dot, gexf, graphml, neo4j_csv, nodelink, rdf, render
from nkgraph.projection import Filters

COPPER = Filters(commodities=("copper",))
ROUND_TRIP = {
    "graphml": (graphml.render, graphml.read),
    "gexf": (gexf.render, gexf.read),
    "cytoscape": (cytoscape.render, cytoscape.read),
    "nodelink": (nodelink.render, nodelink.read),
    "csv": (neo4j_csv.render, neo4j_csv.read),
}
RDF_FORMATS = [name for name, f in FORMATS.items() if f.rdf]
RIOT_SYNTAX = {"jsonld": "jsonld10"}  # Debian's JSON-LD 1.1 parser is broken (shared/tools/README.md)


@pytest.fixture(scope="module")
def source(built) -> Source:
    return Source(built.out_dir / "nkgraph.nt")


@pytest.fixture(scope="module")
def layered(source) -> nx.MultiDiGraph:
    """The projection with its reference layer: every kind of node and edge."""
    return source.projection(Filters(references=True))


def _canon(value: object) -> str:
    return json.dumps(value, sort_keys=True)


def _same_edges(a: dict, b: dict) -> bool:
    """Multi-edges between two nodes are equal: same keys, same attributes (types included)."""
    return sorted(_canon([k, v]) for k, v in a.items()) == sorted(_canon([k, v]) for k, v in b.items())


@pytest.mark.parametrize("fmt", sorted(ROUND_TRIP))
def test_round_trip_preserves_graph_and_attributes(fmt, layered):
    write, read = ROUND_TRIP[fmt]
    back = read(write(layered))
    assert (back.number_of_nodes(), back.number_of_edges()) == (layered.number_of_nodes(), layered.number_of_edges())
    assert dict(back.nodes(data=True)) == dict(layered.nodes(data=True))
    assert nx.is_isomorphic(back, layered, node_match=lambda a, b: _canon(a) == _canon(b), edge_match=_same_edges)


def test_graphml_attributes_are_plain_types(layered):
    text = graphml.render(layered)
    types = {line.split('attr.type="')[1].split('"')[0] for line in text.splitlines() if "attr.type=" in line}
    assert types <= {"string", "int", "long", "double", "boolean"}
    assert "; " in text  # lists are joined


def test_gexf_has_no_timestamp_and_colours_nodes(layered):
    text = gexf.render(layered)
    assert "lastmodifieddate" not in text and "NetworkX" not in text
    assert "<viz:color" in text


def test_neo4j_csv_headers(layered):
    files = neo4j_csv.render(layered)
    nodes_header = files["nodes.csv"].splitlines()[0].split(",")
    rel_header = files["relationships.csv"].splitlines()[0].split(",")
    assert nodes_header[:2] == ["id:ID", ":LABEL"] and "alt_labels:string[]" in nodes_header
    assert rel_header[:3] == [":START_ID", ":END_ID", ":TYPE"]
    assert {"percentage:float", "disputed:boolean", "claims:string[]", "term_years:int"} <= set(rel_header)
    assert ",HOLDS_STAKE," in files["relationships.csv"] and ",Facility;Mine," in files["nodes.csv"]


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz is not installed (tests/setup-system.sh)")
@pytest.mark.parametrize("filters", [Filters(), COPPER], ids=["all", "copper"])
def test_dot_renders_with_graphviz(filters, source, tmp_path):
    path = tmp_path / "graph.dot"
    path.write_text(dot.render(source.projection(filters)), encoding="utf-8")
    proc = subprocess.run(["dot", "-Tsvg", str(path), "-o", str(tmp_path / "graph.svg")], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "graph.svg").read_text(encoding="utf-8").lstrip().startswith("<?xml")


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz is not installed (tests/setup-system.sh)")
def test_dot_round_trip_through_graphviz(layered):
    back = dot.read(dot.render(layered))
    assert nx.is_isomorphic(
        back, layered,
        node_match=lambda a, b: (a["label"], a["kind"]) == (b["label"], b["kind"]),
        edge_match=lambda a, b: sorted((k, d["label"]) for k, d in a.items()) == sorted((k, d["label"]) for k, d in b.items()),
    )


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_output_is_deterministic(fmt, built, source):
    first = render(fmt, source, COPPER)
    again = source if FORMATS[fmt].rdf else Source(built.out_dir / "nkgraph.nt")  # RDF: the same parse, twice serialized
    assert render(fmt, again, COPPER) == first and all(first.values())


@pytest.fixture(scope="module")
def copper_rdf(source) -> Graph:
    return rdf.select(source.graph, source.projection(COPPER))


def test_filtered_rdf_holds_what_the_projection_shows(copper_rdf):
    subjects = {str(s) for s in copper_rdf.subjects()}
    assert rdf.expand("nkd:claim-copper-hyesan-stake-holder-luanhe") in subjects
    assert rdf.expand("nkd:ref-daily-nk-2007") in subjects
    assert rdf.expand("nkd:claim-cement-deal-value-115-million") not in subjects


def _by_value(graph: Graph) -> Graph:
    """``graph`` with xsd:decimal literals in one lexical form: rdflib's Turtle writer prints the
    decimal "51" as 51.0 (same value, another term), in the build's nkgraph.ttl too."""
    out = Graph()
    for s, p, o in graph:
        if isinstance(o, Literal) and o.datatype == XSD.decimal:
            o = Literal(format(Decimal(str(o)).normalize(), "f"), datatype=XSD.decimal)
        out.add((s, p, o))
    return out


@pytest.mark.parametrize("fmt", RDF_FORMATS)
def test_rdf_parses_back_to_the_same_graph(fmt, copper_rdf):
    text = rdf.render(copper_rdf, fmt)
    parsed = Graph().parse(data=text, format={"turtle": "turtle", "ntriples": "nt", "jsonld": "json-ld", "rdfxml": "xml"}[fmt])
    assert to_isomorphic(_by_value(parsed)) == to_isomorphic(_by_value(copper_rdf))


def test_jsonld_has_a_context(copper_rdf):
    doc = json.loads(rdf.render(copper_rdf, "jsonld"))
    assert doc["@context"]["nkd"] == "https://w3id.org/nkgraph/id/" and "@graph" in doc


@pytest.mark.jena
@pytest.mark.skipif(not jena.available(), reason="Apache Jena is not installed (tests/setup-system.sh)")
@pytest.mark.parametrize("fmt", RDF_FORMATS)
def test_jena_parses_each_rdf_serialization(fmt, source, tmp_path):
    suffix = FORMATS[fmt].filename.rsplit(".", 1)[1]
    paths = []
    for name, filters in (("all", Filters()), ("copper", COPPER)):
        path = tmp_path / f"{name}.{suffix}"
        path.write_text(render(fmt, source, filters)[FORMATS[fmt].filename], encoding="utf-8")
        paths.append(path)
    proc = jena.riot_validate(paths, syntax=RIOT_SYNTAX.get(fmt))
    assert proc.returncode == 0, proc.stderr


@pytest.mark.jena
@pytest.mark.skipif(not jena.available(), reason="Apache Jena is not installed (tests/setup-system.sh)")
def test_jena_finds_the_same_graph_in_rdfxml_as_in_ntriples(source, tmp_path):
    nt, xml = tmp_path / "copper.nt", tmp_path / "copper.rdf"
    nt.write_text(render("ntriples", source, COPPER)["nkgraph.nt"], encoding="utf-8")
    xml.write_text(render("rdfxml", source, COPPER)["nkgraph.rdf"], encoding="utf-8")
    assert jena.rdfcompare(nt, xml, "N-TRIPLE", "RDF/XML")


# --- the command -----------------------------------------------------------------------------


def test_export_to_stdout_messages_to_stderr(built):
    result = CliRunner().invoke(export, ["cytoscape", "--commodity", "copper", "--out", str(built.out_dir)])
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["elements"]["nodes"] and "nodes" in result.stderr and "wrote cytoscape" in result.stderr


def test_export_to_file(built, tmp_path):
    target = tmp_path / "out" / "graph.graphml"
    result = CliRunner().invoke(export, ["graphml", "-o", str(target), "--investor-country", "China", "--out", str(built.out_dir)])
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "" and graphml.read(target.read_text(encoding="utf-8")).number_of_edges()


def test_export_csv_writes_a_folder_for_neo4j(built, tmp_path):
    result = CliRunner().invoke(export, ["csv", "-o", str(tmp_path / "neo4j"), "--out", str(built.out_dir)])
    assert result.exit_code == 0, result.stderr
    assert sorted(p.name for p in (tmp_path / "neo4j").iterdir()) == ["nodes.csv", "relationships.csv"]


def test_export_csv_needs_a_folder(built):
    result = CliRunner().invoke(export, ["csv", "--out", str(built.out_dir)])
    assert result.exit_code == 2 and "-o" in result.stderr


def test_export_unknown_commodity_is_a_clear_error(built):
    result = CliRunner().invoke(export, ["dot", "--commodity", "unobtainium", "--out", str(built.out_dir)])
    assert result.exit_code == 2 and "no commodity named 'unobtainium'" in result.stderr and "Traceback" not in result.stderr


def test_export_without_a_build_says_what_to_do(tmp_path):
    result = CliRunner().invoke(export, ["gexf", "--out", str(tmp_path / "nothing")])
    assert result.exit_code == 2 and "nkgraph build" in result.stderr


def test_every_format_is_documented():
    result = CliRunner().invoke(export, ["--help"])
    assert result.exit_code == 0 and "Example" in result.output
    assert all(name in result.output for name in FORMATS)
    assert Path(__file__).parents[1].joinpath("docs", "visualize.md").read_text(encoding="utf-8").count("nkgraph export") >= 3
