"""``nkgraph trace``: provenance chains for claims, entities and text, run in-process with click's CliRunner.

Every mine, mining complex and company the data declares (read from ``data/entities/*.ttl`` at
import time, with the ontology's sub-classes of nk:Company) is traced, and the output must name
the entity and show at least one verbatim quote with its section.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import RDF, RDFS, Graph, URIRef

from nkgraph.cli import main
from nkgraph.namespace import NK
from nkgraph.paths import DATA_DIR, ONTOLOGY_DIR

MUSAN_VALUE = "nkd:claim-iron-and-steel-musan-energy-daily-value"


def mines_and_companies() -> list[tuple[str, str]]:
    """(IRI, label) of every nk:Mine, nk:MiningComplex and nk:Company (or sub-class) declared in data/entities."""
    ontology = Graph().parse(ONTOLOGY_DIR / "nkgraph.ttl")
    classes = {NK.Mine, NK.MiningComplex}
    todo = [NK.Company]
    while todo:
        cls = todo.pop()
        classes.add(cls)
        todo += [c for c in ontology.subjects(RDFS.subClassOf, cls) if c not in classes]
    data = Graph()
    for path in sorted((DATA_DIR / "entities").glob("*.ttl")):
        data.parse(path)
    found = {(str(s), str(data.value(s, RDFS.label))) for cls in classes for s in data.subjects(RDF.type, cls) if isinstance(s, URIRef)}
    return sorted(found)


ENTITIES = mines_and_companies()


@pytest.fixture(scope="module")
def graph_file(built) -> Path:
    return built.out_dir / "nkgraph.nt"


def invoke(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_the_chapter_names_mines_and_companies() -> None:
    iris = {iri for iri, _ in ENTITIES}
    assert {"https://w3id.org/nkgraph/id/komdok-mine", "https://w3id.org/nkgraph/id/musan-iron-ore-mine-complex",
            "https://w3id.org/nkgraph/id/luanhe-industrial-group", "https://w3id.org/nkgraph/id/orascom-construction-industries"} <= iris
    assert len(ENTITIES) >= 20


@pytest.mark.parametrize(("iri", "label"), ENTITIES, ids=[iri.rsplit("/", 1)[1] for iri, _ in ENTITIES])
def test_trace_every_mine_and_company(iri: str, label: str, graph_file: Path) -> None:
    result = invoke("trace", label, "--graph", str(graph_file))
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.startswith(label), out[:200]
    assert "Quote       “" in out and "Where       " in out and "── nkd:claim-" in out
    data = json.loads(invoke("trace", iri, "--graph", str(graph_file), "--format", "json").stdout)
    assert data["matched"] == "entity" and data["entities"][0]["entity"] == iri
    assert data["chains"] and all(ch["quote"] for ch in data["chains"])


def test_q3_trace_golden(graph_file: Path) -> None:
    """Q3: the $909 million claim traced to its passage, reference and reporting chain."""
    out = invoke("trace", MUSAN_VALUE, "--graph", str(graph_file)).stdout
    expected_lines = [
        f"── {MUSAN_VALUE} ",
        "Statement   50-year mining right to the Musan iron mine — value — 909 $ million",
        '            reported · hedge "reported" · not disputed',
        "Quote       “Chinese investors, which included the Tonghua Iron and Steel Group, bought a 50-year",
        "            mining right to the Musan iron mine in North Korea for $909 million.”",
        "Where       Commodity Review > Metals > Iron and Steel · lines 182–184 · characters 9385–9540",
        "Reference   Energy Daily, 2007: “China taps North Korea resources”",
        "            URL as printed:",
        "            http://www.energy-daily.com/reports/China_Taps_North_Korea_Resources_999.html",
        "            accessed June 30, 2008",
        "Attributed  1. Another Chinese industry's source (unnamed source), \"According to\"",
        "            2. Energy Daily (news publisher), \"reported\"",
    ]
    lines = out.splitlines()
    positions = []
    for expected in expected_lines:
        match = [i for i, line in enumerate(lines) if line.startswith(expected)]
        assert match, f"missing line {expected!r} in:\n{out}"
        positions.append(match[0])
    assert positions == sorted(positions), "the chain reads statement → quote → reference → attribution"
    assert 'published May 4, 2007 (printed "May, 4")' in " ".join(out.split())
    assert "MALFORMED" not in out


def test_q3_trace_json_and_markdown(graph_file: Path) -> None:
    data = json.loads(invoke("trace", MUSAN_VALUE, "--graph", str(graph_file), "--format", "json").stdout)
    chain = data["chains"][0]
    assert chain["section"] == "Commodity Review > Metals > Iron and Steel"
    assert (chain["start_line"], chain["end_line"], chain["start_offset"], chain["end_offset"]) == (182, 184, 9385, 9540)
    [citation] = chain["citations"]
    assert citation == {
        "reference": "Energy Daily, 2007", "title": "China taps North Korea resources", "author": "Energy Daily",
        "publisher": "Energy Daily", "published": "May, 4", "issued": "2007-05-04", "pinpoint": None,
        "url": "http://www.energy-daily.com/reports/China_Taps_North_Korea_Resources_999.html",
        "url_malformed": False, "url_problem": None, "accessed": "2008-06-30",
    }
    assert [(h["position"], h["agent"]) for h in chain["hops"]] == [
        (1, "https://w3id.org/nkgraph/id/unnamed-chinese-industry-source"), (2, "https://w3id.org/nkgraph/id/energy-daily")]
    md = invoke("trace", MUSAN_VALUE, "--graph", str(graph_file), "--format", "markdown").stdout
    assert "> Chinese investors, which included the Tonghua Iron and Steel Group" in md
    assert "*China taps North Korea resources*" in md and "accessed June 30, 2008" in md


def test_conflicts_side_by_side(graph_file: Path) -> None:
    out = invoke("trace", "nkd:claim-copper-hyesan-stake-status-acquired", "--graph", str(graph_file)).stdout
    assert "CONFLICT    with nkd:claim-copper-hyesan-stake-status-failed" in out
    assert "┌ this claim" in out and "┬ conflicting claim" in out
    assert "cites Daily NK, 2007" in out and "via The local press" in out
    assert "1. The local press (unnamed source)" in out  # the conflicting claim's own chain


def test_malformed_url_is_flagged(graph_file: Path) -> None:
    out = " ".join(invoke("trace", "Gumdeok", "--graph", str(graph_file)).stdout.split())
    assert "URL as printed: http://www.iht.comg/" in out and "⚠ MALFORMED URL: The host" in out


@pytest.mark.parametrize("spelling", ["Gumdeok", "komdok", "KOMDOK MINING COMPLEX", "nkd:komdok-mine", "https://w3id.org/nkgraph/id/komdok-mine"])
def test_any_spelling_finds_the_entity(spelling: str, graph_file: Path) -> None:
    data = json.loads(invoke("trace", spelling, "--graph", str(graph_file), "--format", "json").stdout)
    assert [e["entity"] for e in data["entities"]] == ["https://w3id.org/nkgraph/id/komdok-mine"]


def test_free_text(graph_file: Path) -> None:
    data = json.loads(invoke("trace", "909 million", "--graph", str(graph_file), "--format", "json").stdout)
    assert data["matched"] == "text" and [c["claim"] for c in data["chains"]] == ["https://w3id.org/nkgraph/id/" + MUSAN_VALUE[4:]]


def test_unknown_name_suggests_spellings_and_exits_2(graph_file: Path) -> None:
    result = CliRunner().invoke(main, ["trace", "Gumdok", "--graph", str(graph_file)])
    assert result.exit_code == 2
    assert "nothing in the graph matches 'Gumdok'" in result.stderr
    assert "Gumdeok (a spelling of Komdok Mine, nkd:komdok-mine)" in result.stderr
    result = CliRunner().invoke(main, ["trace", "Samgwung", "--graph", str(graph_file)])
    assert result.exit_code == 2 and "Samgwong" in result.stderr


def test_missing_build_exits_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["trace", "Komdok", "--out", str(tmp_path)])
    assert result.exit_code == 2 and "nkgraph build" in result.stderr
