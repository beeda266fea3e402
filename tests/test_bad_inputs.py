"""Every bad input gets a clear answer: one case per input, run through the command line in-process.

Each case damages a scratch copy of the project (or writes a bad query, or passes a bad option),
runs ``nkgraph`` with click's CliRunner and checks what the user sees: the exit code, the place
(``file:line:column:`` where one exists), the words that say what is wrong and what to do, and never
a traceback. ``docs/reliability.md`` tabulates the cases with the message each produces
(``python tests/test_bad_inputs.py`` prints the table); a test fails when a case is missing from it.

Interrupting a build (SIGINT) is tested with a real subprocess at the end of this file.
"""

from __future__ import annotations

import hashlib
import importlib
import os
import re
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from nkgraph.cli import main
from nkgraph.paths import ROOT

#: Where a message must point: (file relative to the project copy or the scratch folder, line, column).
Where = tuple[str, int | None, int | None]


@dataclass(frozen=True)
class Case:
    """One bad input: how to make it, which command meets it, and what the user must be told."""

    id: str
    what: str  # the bad input, in words (a row of the reliability table)
    damage: Callable[[Path], Where | None]  # damages the scratch project; returns where the error must point
    says: tuple[str, ...]  # fragments the message must contain (what is wrong, what to do)
    command: tuple[str, ...] = ("build",)
    exit_code: int = 2
    needs_build: bool = False  # the command runs on the real built graph (the session's `built`)


# -- making damage -----------------------------------------------------------------------------------

SHAPES = "ontology/shapes/nkgraph-shapes.ttl"
COPPER = "data/claims/copper.ttl"
FIRST_QUOTE = re.compile(r'nk:quote "[^"\n]*"')



def _position(text: str, index: int) -> tuple[int, int]:
    """1-based (line, column) of a character index."""
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


def edit(root: Path, rel: str, old: str | re.Pattern[str], new: str) -> tuple[str, int, int]:
    """Replace the first ``old`` (text or pattern) in ``root/rel`` by ``new``; return (rel, line, column) of the edit."""
    path = root / rel
    text = path.read_text(encoding="utf-8")
    m = re.search(old if isinstance(old, re.Pattern) else re.escape(old), text)
    assert m, f"{old!r} not found in {rel}: update this case"
    replacement = m.expand(new) if isinstance(old, re.Pattern) else new
    path.write_text(text[: m.start()] + replacement + text[m.end() :], encoding="utf-8")
    return (rel, *_position(text, m.start()))


def edit_at(root: Path, rel: str, old: str | re.Pattern[str], new: str, marker: str) -> Where:
    """Like :func:`edit`, but point at ``marker`` inside the replacement (on the line of the edit)."""
    rel, line, column = edit(root, rel, old, new)
    text = (root / rel).read_text(encoding="utf-8").splitlines()[line - 1]
    return rel, line, text.index(marker, column - 1) + 1


def write(root: Path, rel: str, data: str | bytes) -> Path:
    """Write ``data`` to ``root/rel`` (creating folders)."""
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def drop_statement_dot(root: Path, rel: str) -> Where:
    """Remove the ' .' ending the first statement that is followed by another: the parser stops at the next subject."""
    path = root / rel
    lines = path.read_text(encoding="utf-8").split("\n")
    for i, line in enumerate(lines[:-1]):
        if line.endswith(" .") and not line.startswith(("@", "#", "PREFIX")) and lines[i + 1][:1] not in ("", " ", "#", "@"):
            lines[i] = line[:-2]
            path.write_text("\n".join(lines), encoding="utf-8")
            return rel, i + 2, 1
    raise AssertionError(f"no statement followed by another in {rel}: update this case")


def unclose_string(root: Path, rel: str) -> Where:
    """Drop the closing quote of the first rdfs:label: the parser stops at the end of that line."""
    path = root / rel
    text = path.read_text(encoding="utf-8")
    start = text.index('rdfs:label "') + len('rdfs:label "')
    close = text.index('"', start)
    damaged = text[:close] + text[close + 1 :]
    path.write_text(damaged, encoding="utf-8")
    line, _ = _position(damaged, close)
    return rel, line, len(damaged.split("\n")[line - 1]) + 1


def unclose(root: Path, rel: str, opening: str, closing: str, stops_at: str) -> Where:
    """Remove the ``closing`` bracket after the first ``opening``: the parser stops at the next ``stops_at``."""
    path = root / rel
    text = path.read_text(encoding="utf-8")
    close = text.index(closing, text.index(opening) + len(opening))
    damaged = text[:close] + text[close + 1 :]
    path.write_text(damaged, encoding="utf-8")
    return (rel, *_position(damaged, damaged.index(stops_at, close)))


def statement_end(root: Path, rel: str, after_line: int) -> Where:
    """The ' .' that closes the statement running at ``after_line``."""
    lines = (root / rel).read_text(encoding="utf-8").splitlines()
    for i in range(after_line - 1, len(lines)):
        if lines[i].rstrip().endswith(" ."):
            return rel, i + 1, len(lines[i].rstrip())
    raise AssertionError("no statement end")


def unclose_bracket(root: Path, rel: str) -> Where:
    """Drop the ']' of the first citation: the parser stops at the ' .' ending the claim."""
    rel, line, _ = edit(root, rel, re.compile(r"\[ cito:hasCitedEntity (nkd:[\w-]+) \]"), r"[ cito:hasCitedEntity \1")
    return statement_end(root, rel, line)


def bad_byte(root: Path, rel: str, old: str, byte: bytes) -> Where:
    """Replace ``old`` by a byte that is not UTF-8 (a Windows-1252 apostrophe, say)."""
    path = root / rel
    data = path.read_bytes()
    index = data.index(old.encode("utf-8"))
    path.write_bytes(data[:index] + byte + data[index + len(old.encode("utf-8")) :])
    before = data[:index].decode("utf-8")
    return (rel, *_position(before, len(before)))


def shapes_sparql(root: Path) -> Where:
    """Break the SPARQL of a SHACL-SPARQL constraint: a comparison without its right-hand side."""
    return edit_at(root, SHAPES, "FILTER (?position > 1)", "FILTER (?position > )", "FILTER")


def query_file(root: Path, text: str | bytes, name: str = "mine.rq") -> None:
    """A user's query file in the scratch folder."""
    write(root, name, text)


def _lang(root: Path) -> Where:
    rel, line, column = edit(root, "data/entities/places.ttl", 'rdfs:label "North Korea" ;', 'rdfs:label "North Korea"@ ;')
    text = (root / rel).read_text(encoding="utf-8").splitlines()[line - 1]
    return rel, line, text.index("@") + 2  # Oxigraph points just after the '@'


def _misquote(root: Path) -> Where:
    return edit_at(root, COPPER, 'nk:quote "The Chosun Ilbo (The Chosun Daily), Seoul’s', 'nk:quote "The Chosun Ilbo (The Chosun Daily), Seouls', "nk:quote")


def _duplicate(root: Path) -> Where:
    write(root, "data/entities/zz-duplicate.ttl", '@prefix nkd: <https://w3id.org/nkgraph/id/> .\n@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\nnkd:china rdfs:label "People\'s Republic of China" .\n')
    return "data/entities/zz-duplicate.ttl", 3, 1


def _alt_label(root: Path) -> Where:
    rel, _, _ = edit(root, "data/entities/places.ttl", 'skos:altLabel "DPRK"', 'skos:altLabel "D.P.R.K."')
    lines = (root / rel).read_text(encoding="utf-8").splitlines()
    return rel, next(i for i, line in enumerate(lines, 1) if line.startswith("nkd:north-korea ")), None


# -- the cases ---------------------------------------------------------------------------------------

CASES = [
    # Malformed Turtle, one kind of file each
    Case("turtle-chapter-missing-dot", "data/chapter.ttl: a statement without its closing ' .'", lambda r: drop_statement_dot(r, "data/chapter.ttl"), ("not valid Turtle", "dot is expected", "end the statement")),
    Case("turtle-units-undeclared-prefix", "data/units.ttl: a prefix that is not declared (units:TONNE)", lambda r: edit(r, "data/units.ttl", "unit:TONNE ;", "units:TONNE ;"), ("prefix units: has not been declared", "declare the prefix")),
    Case("turtle-commodities-unclosed-string", "data/commodities.ttl: a string without its closing quote", lambda r: unclose_string(r, "data/commodities.ttl"), ("not valid Turtle", "Line jumps", "not closed")),
    Case("turtle-references-bad-iri", "data/references.ttl: an IRI with a space in it", lambda r: edit(r, "data/references.ttl", "<https://w3id.org/nkgraph/id/>", "<https://w3id.org/nkgraph/ id/>"), ("Invalid IRI", "cannot contain spaces")),
    Case("turtle-entities-bad-language-tag", "data/entities/places.ttl: '@' without a language tag", _lang, ("language code", "language tag")),
    Case("turtle-claims-unclosed-bracket", "data/claims/copper.ttl: a citation '[' never closed", lambda r: unclose_bracket(r, COPPER), ("should end with a ']'", "close the '['")),
    Case("turtle-tables-stray-character", "data/tables/table1.ttl: a stray '}' before a statement", lambda r: edit(r, "data/tables/table1.ttl", re.compile(r"^nkd:", re.M), "} nkd:"), ("is not a valid subject", "stray character")),
    Case("turtle-ontology-missing-dot", "ontology/nkgraph.ttl: a statement without its closing ' .'", lambda r: drop_statement_dot(r, "ontology/nkgraph.ttl"), ("not valid Turtle", "dot is expected")),
    Case("turtle-shapes-unclosed-list", "ontology/shapes/nkgraph-shapes.ttl: a '(' list never closed", lambda r: unclose(r, SHAPES, "sh:in (", ")", ";"), ("not a valid RDF object", "not closed")),
    # Prefixes, namespaces and terms
    Case("prefix-bound-to-wrong-namespace", "nk: declared as http:// instead of https:// (every nk: term would be lost)", lambda r: edit(r, COPPER, re.compile(r"^@prefix nk:(\s+)<https://", re.M), r"@prefix nk:\1<http://"), ("prefix nk: is declared as <http://w3id.org/nkgraph/ontology#>", "declare it exactly as")),
    Case("iri-outside-our-namespaces", "an IRI that looks like ours but is not (…/ontology/Claim)", lambda r: edit_at(r, COPPER, " a nk:Claim ;", " a <https://w3id.org/nkgraph/ontology/Claim> ;", "<"), ("is not in nkgraph's namespaces", "nk: or nkd: prefix")),
    Case("unknown-nk-property", "a misspelt property of our namespace (nk:positon)", lambda r: edit_at(r, COPPER, "nk:position 1 ;", "nk:positon 1 ;", "nk:positon"), ("unknown term nk:positon", "did you mean nk:position")),
    Case("unknown-nk-class", "a misspelt class of our namespace (nk:Mien)", lambda r: edit_at(r, "data/entities/facilities.ttl", " a nk:Mine ", " a nk:Mien ", "nk:Mien"), ("unknown term nk:Mien", "did you mean nk:Mine")),
    # Quotes, citations, identity
    Case("quote-not-in-source", "a quote that is not verbatim (an apostrophe dropped)", _misquote, ("is not in the source text verbatim", "nearest passage", "Seoul’s", "first difference")),
    Case("quote-empty", "an empty quote", lambda r: edit_at(r, COPPER, FIRST_QUOTE, 'nk:quote ""', "nk:quote"), ("quote of", "is empty")),
    Case("quote-ambiguous", "a quote that occurs several times, without nk:occurrence", lambda r: edit_at(r, COPPER, FIRST_QUOTE, 'nk:quote "copper"', "nk:quote"), ("occurs", "times in the source text", "nk:occurrence")),
    Case("quote-occurrence-out-of-range", "nk:occurrence larger than the number of matches", lambda r: edit_at(r, COPPER, FIRST_QUOTE, 'nk:quote "copper" ; nk:occurrence 999', "nk:occurrence"), ("nk:occurrence 999", "fix nk:occurrence: a number from 1 to")),
    Case("citation-of-missing-reference", "a claim citing a reference that does not exist", lambda r: edit_at(r, COPPER, "nkd:ref-daily-nk-2007", "nkd:ref-daily-nk-2008", "nkd:ref-daily-nk-2008"), ("cites nkd:ref-daily-nk-2008, which is not a reference", "did you mean nkd:ref-daily-nk-2007")),
    Case("same-iri-conflicting-labels", "two files minting nkd:china with different labels", lambda r: _duplicate(r), ("nkd:china is declared twice with different labels", "places.ttl:", "mint a new IRI")),
    Case("order-not-a-number", 'nk:order "two" on a section', lambda r: edit_at(r, "data/chapter.ttl", "nk:order 2 ;", 'nk:order "two" ;', "nk:order"), ("nk:order of sec-", "must be a whole number", "bare number")),
    Case("position-not-a-number", 'nk:position "first" on a reporting hop', lambda r: edit_at(r, COPPER, "nk:position 1 ;", 'nk:position "first" ;', "nk:position"), ("nk:position of claim-", "must be a whole number")),
    Case("section-part-of-itself", "two sections each part of the other (dcterms:isPartOf loop)", lambda r: edit_at(r, "data/chapter.ttl", "dcterms:isPartOf nkd:sec-commodity-review .", "dcterms:isPartOf nkd:sec-copper .", "dcterms:isPartOf"), ("section sec-metals is part of itself", "fix dcterms:isPartOf")),
    Case("alt-label-not-in-source", "a skos:altLabel the chapter never prints", lambda r: _alt_label(r), ("alternative name 'D.P.R.K.'", "does not occur in the source text", "skos:altLabel must be a spelling")),
    # Shapes
    Case("shape-min-count-not-integer", 'sh:minCount "one"', lambda r: edit_at(r, SHAPES, "sh:minCount 1 ;", 'sh:minCount "one" ;', "sh:minCount"), ("shape nkshape:", "sh:minCount must be an integer", "bare number")),
    Case("shape-path-literal", 'sh:path "quote" (a literal)', lambda r: edit_at(r, SHAPES, re.compile(r"sh:path nk:(\w+)"), r'sh:path "\1"', "sh:path"), ("sh:path must be an IRI or a blank node",)),
    Case("shape-bad-regex", "sh:pattern that is not a regular expression", lambda r: edit_at(r, SHAPES, 'sh:pattern "^', 'sh:pattern "([^', "sh:pattern"), ("is not a regular expression", "fix the pattern")),
    Case("shape-class-literal", 'sh:class "Claim" (a literal: every value would fail)', lambda r: edit_at(r, SHAPES, re.compile(r"sh:class nk:(\w+)"), r'sh:class "\1"', "sh:class"), ("sh:class must be an IRI",)),
    Case("shape-sparql-syntax", "a SHACL-SPARQL constraint whose query is not SPARQL", shapes_sparql, ("the SPARQL of this constraint is not valid", "unexpected 'FILTER'")),
    # Encodings, empty files, missing files, wrong folders
    Case("data-file-not-utf8", "a data file with a Windows-1252 apostrophe", lambda r: bad_byte(r, COPPER, "’", b"\x92"), ("not UTF-8: byte 0x92", "save the file as UTF-8")),
    Case("ontology-not-utf8", "the ontology with a Latin-1 byte", lambda r: bad_byte(r, "ontology/nkgraph.ttl", "ontology", b"\xe9"), ("not UTF-8: byte 0xe9",)),
    Case("data-file-with-bom", "a data file saved with a byte order mark", lambda r: (write(r, COPPER, b"\xef\xbb\xbf" + (r / COPPER).read_bytes()), (COPPER, 1, 1))[1], ("byte order mark", "without BOM")),
    Case("data-file-empty", "an empty data file", lambda r: (write(r, "data/claims/zz-new.ttl", ""), ("data/claims/zz-new.ttl", None, None))[1], ("file is empty", "add Turtle content or remove the file")),
    Case("shapes-file-empty", "an empty shapes file", lambda r: (write(r, SHAPES, "\n"), (SHAPES, None, None))[1], ("file is empty",)),
    Case("data-folder-named-ttl", "a folder named like a data file (x.ttl/)", lambda r: ((r / "data/claims/x.ttl").mkdir(), ("data/claims/x.ttl", None, None))[1], ("cannot read file: Is a directory",)),
    Case("source-text-missing", "the chapter's text file deleted", lambda r: ((r / "data/source/usgs-myb-2007-north-korea.txt").unlink(), ("data/source/usgs-myb-2007-north-korea.txt", None, None))[1], ("cannot read the source text: No such file or directory", "restore data/source/")),
    Case("source-text-not-utf8", "the chapter's text re-saved as Latin-1", lambda r: (bad_byte(r, "data/source/usgs-myb-2007-north-korea.txt", "’", b"\x92"), ("data/source/usgs-myb-2007-north-korea.txt", None, None))[1], ("the source text is not UTF-8 (byte 0x92",)),
    Case("root-without-data", "--root pointing at a folder without data/", lambda r: (shutil.rmtree(r / "data"), ("data", None, None))[1], ("not an nkgraph project: there is no data/ folder", "--root")),
    Case("root-does-not-exist", "--root pointing nowhere", lambda r: None, ("Invalid value for '--root'", "does not exist"), command=("build", "--root", "{root}/nowhere")),
    # Output folders
    Case("out-under-a-file", "--out below a regular file (cannot be created)", lambda r: (write(r, "afile", "x"), None)[1], ("afile/out", "Not a directory"), command=("build", "--out", "{root}/afile/out")),
    Case("out-is-a-file", "--out naming a regular file", lambda r: (write(r, "afile", "x"), None)[1], ("Invalid value for '--out'", "is a file"), command=("build", "--out", "{root}/afile")),
    # The same checks through `nkgraph validate`
    Case("validate-malformed-turtle", "nkgraph validate on a file with an undeclared prefix", lambda r: edit(r, "data/units.ttl", "unit:TONNE ;", "units:TONNE ;"), ("prefix units: has not been declared",), command=("validate",)),
    # Queries
    Case("query-unknown-name", "a query name that does not exist (refrences)", lambda r: None, ("no query named 'refrences'", "did you mean references"), command=("query", "refrences"), needs_build=True),
    Case("query-missing-parameter", "a required parameter left out", lambda r: None, ("needs parameter 'reference'", "add -p reference nkd:"), command=("query", "claims-by-reference"), needs_build=True),
    Case("query-unknown-parameter", "a parameter the query does not take", lambda r: None, ("has no parameter 'year'", "it takes:"), command=("query", "references", "-p", "year", "2007"), needs_build=True),
    Case("query-parameter-not-an-iri", "an IRI parameter given plain words", lambda r: None, ("must be of type iri, got 'Luanhe'", "for example: -p holder nkd:"), command=("query", "stakes", "-p", "holder", "Luanhe"), needs_build=True),
    Case("query-parameter-unknown-prefix", "an IRI parameter with a misspelt prefix (nkdd:)", lambda r: None, ("unknown prefix nkdd:", "known: "), command=("query", "stakes", "-p", "holder", "nkdd:luanhe-industrial-group"), needs_build=True),
    Case("query-parameter-impossible-date", "a date parameter that is no day (2008-13-45)", lambda r: None, ("must be of type date, got '2008-13-45'",), command=("query", "references-by-access-date", "-p", "start", "2008-13-45"), needs_build=True),
    Case("query-parameter-missing-value", "-p with a name but no value", lambda r: None, ("-p", "requires 2 arguments"), command=("query", "stakes", "-p", "holder"), needs_build=True),
    Case("sparql-syntax-error", "a user's .rq with an unclosed FILTER(", lambda r: (query_file(r, "PREFIX nk: <https://w3id.org/nkgraph/ontology#>\nSELECT ?c WHERE {\n  ?c a nk:Claim ;\n     nk:quote ?q\n  FILTER(CONTAINS(?q, \"zinc\")\n}\n"), ("mine.rq", 5, 3))[1], ("SPARQL syntax error: unexpected 'FILTER'", "fix the query at that place"), command=("query", "{root}/mine.rq"), needs_build=True),
    Case("sparql-keyword-typo", "a user's .rq with LIMT for LIMIT", lambda r: (query_file(r, "SELECT ?s WHERE {\n  ?s ?p ?o .\n} LIMT 5\n"), ("mine.rq", 3, 3))[1], ("unexpected 'LIMT'",), command=("query", "{root}/mine.rq"), needs_build=True),
    Case("sparql-undeclared-prefix", "a user's .rq using nk: without PREFIX", lambda r: (query_file(r, "SELECT ?c WHERE {\n  ?c a nk:Claim .\n}\n"), ("mine.rq", 2, 8))[1], ("the prefix nk: is not declared", "PREFIX nk: <https://w3id.org/nkgraph/ontology#>"), command=("query", "{root}/mine.rq"), needs_build=True),
    Case("sparql-unclosed-string", "a user's .rq with an unclosed string", lambda r: (query_file(r, 'SELECT ?c WHERE {\n  ?c ?p "zinc .\n}\n'), ("mine.rq", 2, 16))[1], ("a string is not closed on this line",), command=("query", "{root}/mine.rq"), needs_build=True),
    Case("sparql-update", "a user's .rq that is a SPARQL Update (DELETE)", lambda r: (query_file(r, "DELETE WHERE { ?s ?p ?o }\n"), ("mine.rq", None, None))[1], ("this is a SPARQL Update", "SELECT or ASK"), command=("query", "{root}/mine.rq"), needs_build=True),
    Case("sparql-construct", "a user's .rq that is a CONSTRUCT", lambda r: (query_file(r, "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 1\n"), ("mine.rq", None, None))[1], ("only SELECT and ASK queries",), command=("query", "{root}/mine.rq"), needs_build=True),
    Case("query-file-empty", "an empty .rq file", lambda r: (query_file(r, ""), ("mine.rq", None, None))[1], ("the query file is empty",), command=("query", "{root}/mine.rq"), needs_build=True),
    Case("query-file-not-utf8", "a .rq file in Latin-1", lambda r: (query_file(r, 'SELECT ?s WHERE { ?s ?p "caf\xe9" }'.encode("latin-1")), ("mine.rq", 1, None))[1], ("not UTF-8: byte 0xe9", "save the query file as UTF-8"), command=("query", "{root}/mine.rq"), needs_build=True),
    Case("query-file-missing", "a .rq path that does not exist", lambda r: None, ("query file not found",), command=("query", "{root}/absent.rq"), needs_build=True),
    Case("query-header-malformed", "a '# param:' line with an unknown type", lambda r: (query_file(r, "# param: x frob required — y\nSELECT * WHERE { ?s ?p ?o } LIMIT 1\n"), ("mine.rq", 1, None))[1], ("malformed parameter declaration", "TYPE one of"), command=("query", "{root}/mine.rq"), needs_build=True),
    Case("query-before-build", "a query with no built graph in --out", lambda r: None, ("no built graph", "nkgraph build"), command=("query", "references", "--out", "{root}/nothing")),
]


# -- running them ------------------------------------------------------------------------------------


def run_case(case: Case, root: Path, out: Path, built_out: Path | None) -> tuple[Result, Where | None]:
    """Damage ``root``, run the case's command in-process, return the result and where it must point."""
    where = case.damage(root)
    args = [a.replace("{root}", str(root)) for a in case.command]
    if args[0] in ("build", "validate") and "--root" not in args:
        args += ["--root", str(root)]
    if args[0] == "build" and "--out" not in args:
        args += ["--out", str(out)]
    if args[0] == "query" and "--out" not in args:
        args[1:1] = ["--out", str(built_out)]
    return CliRunner().invoke(main, args), where


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input_gets_a_clear_answer(case: Case, project_copy: Path, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    built_out = request.getfixturevalue("built").out_dir if case.needs_build else None
    result, where = run_case(case, project_copy, tmp_path / "out", built_out)
    stderr = result.stderr
    assert result.exit_code == case.exit_code, stderr
    assert result.exception is None or isinstance(result.exception, SystemExit), f"unhandled {result.exception!r}"
    assert "Traceback" not in stderr and result.stdout == ""
    for fragment in case.says:
        assert fragment in stderr, f"{fragment!r} not in:\n{stderr}"
    if where is not None:
        rel, line, column = where
        location = rel + "".join(f":{n}" for n in (line, column) if n is not None) if line else rel
        assert (location + ":") in stderr or (location + ": ") in stderr, f"expected {location} in:\n{stderr}"
        if line is not None and column is None:
            assert re.search(re.escape(f"{rel}:{line}") + r"[:]", stderr), stderr


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_case_is_in_the_reliability_table(case: Case) -> None:
    table = (ROOT / "docs" / "reliability.md").read_text(encoding="utf-8")
    assert f"`{case.id}`" in table, f"add {case.id} to docs/reliability.md (python tests/test_bad_inputs.py prints the rows)"


def test_failed_build_leaves_the_previous_one_byte_identical(project_copy: Path, built, tmp_path: Path) -> None:
    """A build that fails on bad data writes nothing: the previous build stays as it was."""
    out = tmp_path / "out"
    shutil.copytree(built.out_dir, out)
    before = _snapshot(out)
    edit(project_copy, "data/units.ttl", "unit:TONNE ;", "units:TONNE ;")
    result = CliRunner().invoke(main, ["build", "--root", str(project_copy), "--out", str(out)])
    assert result.exit_code == 2
    assert _snapshot(out) == before


# -- interrupted builds ------------------------------------------------------------------------------


def _snapshot(folder: Path) -> dict[str, str]:
    """SHA-256 of every file below ``folder``, by relative path."""
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()}


def _outputs(folder: Path) -> dict[str, str]:
    return {k: v for k, v in _snapshot(folder).items() if "/" not in k}


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


@pytest.fixture(scope="module")
def interrupt_setup(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """A project copy, its build ("previous"), and the build of an edited copy ("next", which warms the SHACL cache)."""
    base = tmp_path_factory.mktemp("interrupt")
    root = base / "project"
    for name in ("ontology", "data"):
        shutil.copytree(ROOT / name, root / name)
    (root / "pyproject.toml").write_text("", encoding="utf-8")
    previous, following = base / "previous", base / "next"
    assert _build_subprocess(root, previous).returncode == 0
    edit(root, "data/entities/facilities.ttl", 'of its column."', 'of its column (as printed)."')
    assert _build_subprocess(root, following).returncode == 0
    return root, previous, following


def _command(root: Path, out: Path) -> list[str]:
    return [sys.executable, "-m", "nkgraph", "build", "--root", str(root), "--out", str(out)]


def _build_subprocess(root: Path, out: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(_command(root, out), capture_output=True, text=True, env=dict(os.environ, PYTHONUNBUFFERED="1"), timeout=600)


# (progress line to wait for, seconds to wait after it): early, mid-compile, and across the write
INTERRUPT_POINTS = [("loading", 0.0), ("anchoring", 0.5), ("writing outputs", 0.0), ("writing outputs", 0.6), ("writing outputs", 1.2), ("writing outputs", 1.8)]


@pytest.mark.parametrize("marker, delay", INTERRUPT_POINTS, ids=[f"{m.split()[0]}+{d}s" for m, d in INTERRUPT_POINTS])
def test_sigint_leaves_the_previous_build_intact(interrupt_setup: tuple[Path, Path, Path], tmp_path: Path, marker: str, delay: float) -> None:
    """Ctrl-C at any point: exit 130 and the previous build byte for byte, or (too late) the complete next build; never a mix, never temp files."""
    import time

    from nkgraph.store import store_matches

    root, previous, following = interrupt_setup
    out = tmp_path / "out"
    shutil.copytree(previous, out)
    before = _snapshot(out)
    proc = subprocess.Popen(_command(root, out), stderr=subprocess.PIPE, text=True, env=dict(os.environ, PYTHONUNBUFFERED="1"))
    assert proc.stderr is not None
    for line in proc.stderr:
        if marker in line:
            time.sleep(delay)
            proc.send_signal(signal.SIGINT)
            break
    rest = proc.stderr.read()
    code = proc.wait(timeout=120)
    assert "Traceback" not in rest
    assert code in (0, 130, -signal.SIGINT), rest  # -SIGINT: Python died of the signal while exiting
    state = "previous" if _snapshot(out) == before else "next" if _outputs(out) == _outputs(following) else "a mix"
    assert state != "a mix", "outputs of the previous and the next build are mixed"
    if code == 130 and "nothing was changed" in rest:
        assert state == "previous", "the build said nothing was changed, but the outputs changed"
    if code == 130 and "just been completed" in rest:
        assert state == "next", "the build said it was completed, but the outputs are the previous ones"
    if code == 0:
        assert state == "next", rest
    assert store_matches(out / "nkgraph.nt") is not None, "the query store does not match nkgraph.nt"
    usable = CliRunner().invoke(main, ["query", "references", "--format", "csv", "--out", str(out)])
    assert usable.exit_code == 0 and usable.stdout.count("\n") == 24, usable.stderr
    assert _leftovers(out) == [], "temporary files left behind"


def _old_and_new(folder: Path) -> tuple[dict[str, str], dict[str, str]]:
    old = {"nkgraph.ttl": "old ttl\n", "nkgraph.nt": "old nt\n", "manifest.json": "{}\n"}
    new = {name: text.replace("old", "new").replace("{}", '{"new": 1}') for name, text in old.items()}
    for name, text in old.items():
        (folder / name).write_text(text, encoding="utf-8")
    return old, new


def test_interrupt_while_staging_leaves_no_temporary_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl-C while the second output is being written: the staged first one must not stay behind."""
    build_module = importlib.import_module("nkgraph.pipeline")

    old, new = _old_and_new(tmp_path)
    real_fdopen, calls = os.fdopen, []

    def fdopen(fd: int, *args: object, **kwargs: object):
        calls.append(fd)
        if len(calls) == 2:
            os.close(fd)
            raise KeyboardInterrupt
        return real_fdopen(fd, *args, **kwargs)

    monkeypatch.setattr(build_module.os, "fdopen", fdopen)
    with pytest.raises(KeyboardInterrupt):
        build_module._write_atomically(tmp_path, new)
    monkeypatch.undo()
    assert {p.name: p.read_text(encoding="utf-8") for p in tmp_path.iterdir() if not p.name.startswith(".")} == old
    assert _leftovers(tmp_path) == []


def test_sigint_between_two_renames_gives_old_or_new_never_a_mix(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A real SIGINT delivered right after the first output is moved into place."""
    build_module = importlib.import_module("nkgraph.pipeline")

    old, new = _old_and_new(tmp_path)
    real_replace, calls = os.replace, []

    def replace(src: str, dst: str) -> None:
        real_replace(src, dst)
        calls.append(dst)
        if len(calls) == 1:
            os.kill(os.getpid(), signal.SIGINT)

    monkeypatch.setattr(build_module.os, "replace", replace)
    with pytest.raises(KeyboardInterrupt):
        build_module._write_atomically(tmp_path, new)
    monkeypatch.undo()
    now = {p.name: p.read_text(encoding="utf-8") for p in tmp_path.iterdir() if not p.name.startswith(".")}
    assert now in (old, new), f"a mix: {now}"
    assert _leftovers(tmp_path) == []


def test_outputs_are_as_readable_as_the_umask_allows(built) -> None:
    """A build shared with colleagues (or served by another user) must be readable by them."""
    umask = os.umask(0)
    os.umask(umask)
    if umask & 0o044 == 0o044:
        pytest.skip("the umask forbids reading by others anyway")
    for name in ("nkgraph.ttl", "nkgraph.nt", "manifest.json"):
        assert (built.out_dir / name).stat().st_mode & 0o777 == 0o666 & ~umask, name


# -- the table for docs/reliability.md ---------------------------------------------------------------


def _cell(words: str, code: bool = True) -> str:  # pragma: no cover - a helper for the docs
    """``words`` for a Markdown table cell (pipes escaped; as code unless ``code`` is False)."""
    escaped = words.replace("|", "\\|")
    return f"`{escaped}`" if code and words else escaped


def _table() -> str:  # pragma: no cover - a helper for the docs
    """Markdown rows: case, bad input, exit code, the message and the hint the user sees (paths shortened)."""
    import tempfile

    from nkgraph.pipeline import build

    rows = ["| case | bad input | exit | message (stderr) | what to do (stderr) |", "|---|---|---|---|---|"]
    built_out = None
    for case in CASES:
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp) / "project"
            for name in ("ontology", "data"):
                shutil.copytree(ROOT / name, root / name)
            (root / "pyproject.toml").write_text("", encoding="utf-8")
            if case.needs_build and built_out is None:
                built_out = Path(tempfile.mkdtemp()) / "build"
                build(built_out)
            result, _ = run_case(case, root, Path(tmp) / "out", built_out)
            text = result.stderr.replace(str(root) + "/", "").replace(str(root), "<copy>").replace(str(built_out), "build").replace(tmp, "<tmp>")
            lines = [line for line in text.splitlines() if line.strip() and not line.startswith("·") and not re.match(r"^\s+\d*\s\|", line)]
            hint = " ".join(line.strip().removeprefix("what to do: ") for line in lines if line.strip().startswith("what to do:"))
            message = " ".join(line.strip() for line in lines if not line.strip().startswith("what to do:"))

            rows.append(f"| `{case.id}` | {_cell(case.what, code=False)} | {result.exit_code} | {_cell(message)} | {_cell(hint)} |")
    return "\n".join(rows)


if __name__ == "__main__":  # pragma: no cover
    print(_table())
