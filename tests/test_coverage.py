"""The coverage audit: every part of the chapter is accounted for, and the segments are the right ones."""

from __future__ import annotations

import csv
import io
import json

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from rdflib import RDF, RDFS

from nkgraph.commands_audit import coverage
from nkgraph.coverage import row_spans, run_audit, sentence_spans
from nkgraph.errors import QuoteError
from nkgraph.namespace import NK
from nkgraph.source import SourceText


@pytest.fixture(scope="module")
def audit(store):
    """The audit of the real graph."""
    return run_audit(store)


def _segment(audit, first_line: int, starts: str = ""):
    matches = [s for s in audit.segments if s.first_line == first_line and s.text.startswith(starts)]
    assert len(matches) == 1, f"no single segment starts on line {first_line} with {starts!r}"
    return matches[0]


# -- segmentation ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("Reserves were large. North Korea ranked third.", ["Reserves were large.", "North Korea ranked third."]),
        ("(U.S. Library of Congress, 2005). Next one.", ["(U.S. Library of Congress, 2005).", "Next one."]),
        ("Myongji Corp. of North Korea. Korea Resources Corp. Then.", ["Myongji Corp. of North Korea.", "Korea Resources Corp. Then."]),
        ("Kramer, D.A. wrote it.", ["Kramer, D.A. wrote it."]),
        ("were marketed worldwide (Kramer, 2008).\n\nHigh-level talks", ["were marketed worldwide (Kramer, 2008).", "High-level talks"]),
        ("its natural \n\nresources with the Republic", ["its natural \n\nresources with the Republic"]),
        ("Outlook\n\nFor the next 3 to 4 years", ["Outlook", "For the next 3 to 4 years"]),
        ("titled “Declaration.” Then", ["titled “Declaration.”", "Then"]),
        ("see p. 5. Done", ["see p. 5.", "Done"]),
    ],
    ids=["plain", "initials", "corp", "person-initials", "paragraph", "page-break-mid-sentence", "heading", "closing-quote", "page-abbreviation"],
)
def test_sentence_spans(raw, expected):
    assert [raw[a:b] for a, b in sentence_spans(raw, 0, len(raw))] == expected


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("Coke do. 2,000\n", ["Coke do. 2,000"]),
        ("Copper:\n\nMine output 12,000\n", ["Copper:", "Mine output 12,000"]),
        ("  Silver  20 \n \n", ["Silver  20"]),
    ],
    ids=["one-row", "blank-line-between", "padded"],
)
def test_row_spans(raw, expected):
    assert [raw[a:b] for a, b in row_spans(raw, 0, len(raw))] == expected


# -- the real chapter ---------------------------------------------------------------------------


def test_every_segment_is_accounted_for(audit):
    """The target: 100% of the chapter is covered by claims, reference records or a declared reason."""
    assert [(s.first_line, s.text) for s in audit.uncovered()] == []
    assert audit.accounted_share() == 1.0


@pytest.mark.parametrize(
    "kind, count",
    [
        ("reference entry", 22),  # the entries of References Cited (lines 327-424)
        ("page furniture", 2),  # "14.4 u.s. geological survey ..." and "North Korea—2007 14.5"
        ("heading text", 23),  # title, byline, 17 section headings, TABLE 1/2 and their titles
        ("table furniture", 17),  # Table 1: unit note, column headings, 3 groups, 10 row groups; Table 2: 2 heading lines
        ("cell fragment", 2),  # Table 2: "Province" (line 529), "Mine Complex" (line 538)
    ],
)
def test_segment_kinds(audit, kind, count):
    assert sum(1 for s in audit.segments if s.kind == kind) == count


def test_every_reference_entry_is_accounted_for_by_its_record(audit):
    entries = [s for s in audit.segments if s.kind == "reference entry"]
    assert {s.status for s in entries} == {"reference record"}
    assert entries[0].text.startswith("Asian Survey, 2006, Musan") and entries[-1].text.startswith("Yonhap News Agency, 2007")


def test_every_section_heading_is_declared(audit, built):
    headings = {str(h) for h in built.graph.objects(None, NK.heading)}
    declared = {s.text for s in audit.segments if s.kind == "heading text"}
    assert headings <= declared


def test_no_declared_passage_is_quoted_by_a_claim(audit):
    assert [(s.first_line, s.text, s.claims) for s in audit.segments if s.status == "non-fact" and s.claims] == []


def test_every_declared_passage_has_a_reason(audit, built):
    declared = [s for s in audit.segments if s.status == "non-fact"]
    assert declared and all(s.reason for s in declared)
    assert len(declared) == sum(1 for _ in built.graph.subjects(NK.passage, None))


@pytest.mark.parametrize(
    "first_line, last_line, starts",
    [
        (10, 13, "North Korea, however, has little reserves"),  # "(U.S. Library of Congress, 2005; ...)" not split
        (60, 63, "In December 2007, North Korea reportedly proposed"),  # across the page break after line 61
        (154, 159, "According to reports by The Chosun Ilbo"),  # after the run-in heading "Copper.—"
        (452, 452, "Gross weight thousand metric tons 4,430"),  # a row of Table 1
        (513, 513, "(50% owned by Orascom"),  # a continuation line of Table 2
    ],
)
def test_segments_of_the_chapter(audit, first_line, last_line, starts):
    segment = _segment(audit, first_line, starts)
    assert (segment.last_line, segment.status) == (last_line, "claims")


def test_table_1_rows_are_covered_by_one_claim_per_year(audit):
    rows = [s for s in audit.segments if s.kind == "table row" and 439 <= s.first_line <= 496]
    assert len(rows) == 31 and all(len(s.claims) == 5 for s in rows)


def test_run_in_heading_is_its_own_segment(audit):
    heading = _segment(audit, 154, "Copper")
    assert (heading.kind, heading.text, heading.status) == ("heading text", "Copper.—", "non-fact")


# -- errors ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "passage, occurrence, message",
    [
        ("The Mineral Industry of North Korea", None, "not in the source text verbatim"),
        ("Metal:", None, "occurs 3 times"),
        ("Metal:", 4, "occurs 3 time(s)"),
    ],
    ids=["not-verbatim", "ambiguous", "bad-occurrence"],
)
def test_bad_declaration_is_a_located_error(passage, occurrence, message):
    store = ox.Store()
    item = ox.NamedNode("https://w3id.org/nkgraph/id/nonfact-test")
    store.add(ox.Quad(item, ox.NamedNode(str(RDF.type)), ox.NamedNode(str(NK.HeadingText))))
    store.add(ox.Quad(ox.NamedNode(str(NK.HeadingText)), ox.NamedNode(str(RDFS.subClassOf)), ox.NamedNode(str(NK.NonFactText))))
    store.add(ox.Quad(ox.NamedNode(str(NK.HeadingText)), ox.NamedNode(str(RDFS.label)), ox.Literal("heading text")))
    store.add(ox.Quad(item, ox.NamedNode(str(NK.passage)), ox.Literal(passage)))
    if occurrence is not None:
        store.add(ox.Quad(item, ox.NamedNode(str(NK.occurrence)), ox.Literal(str(occurrence), datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#positiveInteger"))))
    with pytest.raises(QuoteError, match=message.replace("(", r"\(").replace(")", r"\)")) as err:
        run_audit(store, SourceText.load())
    assert "nonfact-test" in str(err.value)


# -- the command ---------------------------------------------------------------------------------


def test_coverage_summary_lists_what_is_uncovered(built, audit):
    result = CliRunner().invoke(coverage, ["--out", str(built.out_dir)])
    assert result.exit_code == (1 if audit.uncovered() else 0), result.stdout
    assert f"{len(audit.segments)} segments of usgs-myb-2007-north-korea.txt" in result.stdout
    assert "accounted for:" in result.stdout
    for segment in audit.uncovered():
        assert f"line {segment.first_line}" in result.stdout


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_coverage_machine_formats(built, audit, fmt):
    result = CliRunner().invoke(coverage, ["--format", fmt, "--out", str(built.out_dir)])
    assert result.exit_code == (1 if audit.uncovered() else 0)
    if fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(result.stdout)))
        assert list(rows[0])[:3] == ["segment", "kind", "status"] and len(rows) == len(audit.segments)
    else:
        data = json.loads(result.stdout)
        assert data["summary"]["total"] == len(audit.segments) and data["summary"]["uncovered"] == len(audit.uncovered())
