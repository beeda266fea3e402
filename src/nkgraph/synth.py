"""A synthetic yearbook corpus with the real graph's shape, for benchmarks (``nkgraph.synth``).

The USGS publishes a chapter per country per year; analysts add news reports. This module
simulates such a corpus by **resampling the real built graph**: every simulated document is one
chapter (a country × year), built from the real chapter's compiled graph with

* its own identity: every document-specific IRI gets the document's slug (``nkd:claim-…-myb-2009-mongolia``),
  its own ``nk:Chapter`` node and its own source-text node, and its own source text file;
* the real provenance structure: claims keep their quote anchors (selectors, offsets, lines,
  sections), citations, attribution hops, conflicts (both sides kept or dropped together), name
  attestations (aliases) and quantities;
* the real distributions: each document keeps a seeded random share of the real claims (between
  60 % and 100 %, so claim density, table sizes and values follow the real graph), always keeping
  the claims that stakes and deals need and both sides of every conflict;
* its own country and year, as a real chapter per country per year would: the document's country
  takes the place of North Korea wherever its claims, entities and name attestations name it (the
  two swap where the real chapter mentions that country, so no chapter says China invests in
  China), every date-like literal (``xsd:gYear``, ``xsd:gYearMonth``, ``xsd:date``, ``xsd:dateTime``:
  claim dates, start and end dates, issue and access dates) moves by ``year - 2007`` years, and the
  chapter's title and label name its country and year; quotes, names and the source text stay
  verbatim. So one chapter's capacity never meets another's production on (country, commodity,
  year). The first document (``myb-2007-north-korea``, offset 0) is the real chapter with only its
  IRIs renamed;
* shared vocabulary written once for the whole corpus: the ontology, commodities and their forms,
  units, countries (an ``nk:Country`` with its label for each simulated country the real graph
  lacks), statuses, modalities and deal kinds. The vocabulary's own facts about a country (e.g.
  North Korea's asserted ``nk:produces``) are the real chapter's, written once.

The output is deterministic for a seed. Two of our shapes pin the single real chapter
(``nk:statedIn`` has the value ``nkd:usgs-myb-2007-north-korea``; a text anchor's source is
``nkd:source-text``): :func:`corpus_shapes` relaxes exactly those two to "an ``nk:Chapter``" and
"an ``nk:SourceText``" for a corpus of many chapters; everything else is checked as is.

Library queries that compare two statements of "the chapter" (capacity against production, text
against Table 1) join them on ``nk:statedIn``, so they pair statements of one chapter only.

Each document is its own unit of provenance: ``write_corpus`` writes ``shared.nt`` once and one
``documents/SLUG.nt`` (+ its source text ``SLUG.txt``) per document, which ``nkgraph corpus
build`` validates and loads one by one (``nkgraph.corpus``). Not simulated: news reports as
documents of their own (the real chapter's news items appear inside each chapter, as cited sources).

>>> document_slug(21)
('myb-2008-mongolia', 'mongolia', 2008)
>>> info = write_corpus(Path("build/nkgraph.nt"), Path("/tmp/synth"), triples=100_000, seed=7)   # doctest: +SKIP
>>> info["triples"] >= 100_000                     # doctest: +SKIP
True
"""

from __future__ import annotations

import calendar
import json
import random
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from rdflib import RDF, RDFS, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, SH

from nkgraph.namespace import NK

NKD = "https://w3id.org/nkgraph/id/"
REAL_CHAPTER = URIRef(NKD + "usgs-myb-2007-north-korea")
REAL_SOURCE = URIRef(NKD + "source-text")
SHARED_CLASSES = ("Commodity", "CommodityForm", "Unit", "Country", "Status", "Modality", "DealKind")
COUNTRIES = (
    "north-korea", "mongolia", "burma", "cambodia", "laos", "vietnam", "kazakhstan", "uzbekistan",
    "kyrgyzstan", "tajikistan", "afghanistan", "iran", "china", "japan", "republic-of-korea",
    "philippines", "indonesia", "malaysia", "thailand", "papua-new-guinea",
)
#: labels of the simulated countries (the real graph's own label wins where it has the country)
COUNTRY_LABELS = {
    "north-korea": "North Korea", "mongolia": "Mongolia", "burma": "Burma", "cambodia": "Cambodia", "laos": "Laos",
    "vietnam": "Vietnam", "kazakhstan": "Kazakhstan", "uzbekistan": "Uzbekistan", "kyrgyzstan": "Kyrgyzstan",
    "tajikistan": "Tajikistan", "afghanistan": "Afghanistan", "iran": "Iran", "china": "China", "japan": "Japan",
    "republic-of-korea": "Republic of Korea", "philippines": "Philippines", "indonesia": "Indonesia",
    "malaysia": "Malaysia", "thailand": "Thailand", "papua-new-guinea": "Papua New Guinea",
}
REAL_COUNTRY = "north-korea"
REAL_YEAR = 2007
_XSD = "http://www.w3.org/2001/XMLSchema#"
DATE_TYPES = tuple(f"^^<{_XSD}{t}>" for t in ("gYear", "gYearMonth", "date", "dateTime"))
_DATE_LITERAL = re.compile(r'^"(-?\d{4,})((?:-\d\d(?:-\d\d)?)?)([^"]*)"(\^\^<[^>]*>)$')
_NT_LINE = re.compile(r"^(<[^>]*>) (<[^>]*>) (.*) \.$")


@dataclass
class Template:
    """The real graph split into what every document copies and what is shared."""

    shared: list[tuple[str, str, str]]
    base: list[tuple[str, str, str]]  # document triples that are not claims' own
    claims: dict[str, list[tuple[str, str, str]]]  # claim IRI -> its triples and its dependents'
    must_keep: set[str]
    pairs: dict[str, set[str]]  # claim -> claims it conflicts with
    source_text: str = ""
    stats: dict[str, int] = field(default_factory=dict)


def _read_nt(path: Path) -> list[tuple[str, str, str]]:
    out = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            m = _NT_LINE.match(line.rstrip("\n"))
            if m:
                out.append((m.group(1), m.group(2), m.group(3)))
    return out


def load_template(graph_file: Path, source_text: Path | None = None) -> Template:
    """Split the real built graph (``OUT/nkgraph.nt``) into shared vocabulary, document base and claims."""
    triples = _read_nt(graph_file)
    rdf_type = f"<{RDF.type}>"
    shared_classes = {f"<{NK}{c}>" for c in SHARED_CLASSES}
    shared_nodes = {s for s, p, o in triples if p == rdf_type and o in shared_classes}
    claim_nodes = {s for s, p, o in triples if p == rdf_type and o == f"<{NK}Claim>"}
    stakes_deals = {s for s, p, o in triples if p == rdf_type and o in (f"<{NK}EquityStake>", f"<{NK}Deal>")}
    subject_of = {s: o for s, p, o in triples if p == f"<{RDF.subject}>"}
    pairs: dict[str, set[str]] = {}
    for s, p, o in triples:
        if p == f"<{NK}conflictsWith>":
            pairs.setdefault(s, set()).add(o)
    shared, base = [], []
    claims: dict[str, list[tuple[str, str, str]]] = {c: [] for c in claim_nodes}
    for t in triples:
        s = t[0]
        owner = s.split("_", 1)[0] + (">" if "_" in s else "")
        if s in shared_nodes or not s.startswith("<" + NKD):
            shared.append(t)
        elif owner in claims:
            claims[owner].append(t)
        else:
            base.append(t)
    must_keep = {c for c in claim_nodes if subject_of.get(c) in stakes_deals}
    text = source_text.read_text(encoding="utf-8") if source_text and source_text.exists() else ""
    stats = {"triples": len(triples), "claims": len(claim_nodes), "shared": len(shared), "base": len(base)}
    return Template(shared, base, claims, must_keep, pairs, text, stats)


def _renamer(shared_iris: set[str], slug: str):
    cache: dict[str, str] = {}

    def rename(term: str) -> str:
        if not term.startswith("<" + NKD) or term in shared_iris:
            return term
        hit = cache.get(term)
        if hit is None:
            local = term[len(NKD) + 1 : -1]
            first, sep, rest = local.partition("_")
            hit = cache[term] = f"<{NKD}{first}-{slug}{sep}{rest}>"
        return hit

    return rename


def document_slug(index: int) -> tuple[str, str, int]:
    """(slug, country, year) of the ``index``-th simulated chapter.

    >>> document_slug(0)
    ('myb-2007-north-korea', 'north-korea', 2007)
    """
    country = COUNTRIES[index % len(COUNTRIES)]
    year = 2007 + index // len(COUNTRIES)
    return f"myb-{year}-{country}", country, year


def document_triples(
    template: Template, index: int, seed: int, keep: float | None = None, share_range: tuple[float, float] = (0.6, 1.0)
) -> list[tuple[str, str, str]]:
    """The triples of the ``index``-th simulated chapter (deterministic for ``seed``).

    Each document keeps a share of the real claims drawn from ``share_range`` (``keep`` fixes it).
    """
    rng = random.Random(f"{seed}:{index}")
    share = rng.uniform(*share_range)
    if keep is not None:
        share = keep
    slug, country, year = document_slug(index)
    shared_iris = {t[0] for t in template.shared}
    renamed = _renamer(shared_iris, slug)
    own = _localizer(country, year)

    def rename(term: str) -> str:
        return own(renamed(term))

    kept: set[str] = set()
    for claim in sorted(template.claims):
        if claim in kept:
            continue
        group = {claim} | template.pairs.get(claim, set())
        if claim in template.must_keep or rng.random() < share:
            kept |= group
    label = f"<{NK}citationLabel>"
    chapter, titles = f"<{REAL_CHAPTER}>", {f"<{DCTERMS.title}>", f"<{RDFS.label}>"}
    out = []
    for s, p, o in template.base:
        if p == label:
            o = _tagged(o, slug)
        elif s == chapter and p in titles:
            o = _retitled(o, country, year)
        out.append((rename(s), p, rename(o)))
    for claim in sorted(kept):
        out += [(rename(s), p, rename(o)) for s, p, o in template.claims[claim]]
    return out


def _shift_date(literal: str, years: int) -> str:
    """A date-like literal (xsd:gYear, gYearMonth, date, dateTime) moved by ``years`` years (29 February → 28th).

    >>> _shift_date('"2008-02-29"^^<http://www.w3.org/2001/XMLSchema#date>', 1)
    '"2009-02-28"^^<http://www.w3.org/2001/XMLSchema#date>'
    """
    m = _DATE_LITERAL.match(literal)
    if m is None or not years:
        return literal
    year = int(m.group(1)) + years
    rest = m.group(2)
    if rest == "-02-29" and not calendar.isleap(year):
        rest = "-02-28"
    return f'"{year:04d}{rest}{m.group(3)}"{m.group(4)}'


def _localizer(country: str, year: int) -> Callable[[str], str]:
    """The term map that makes a copy of the real chapter the chapter of ``country`` in ``year``.

    The document's country takes the place of North Korea (and North Korea the country's, where the
    real chapter mentions it: no chapter says China invests in China); every date-like literal
    moves by ``year - 2007`` years. Plain literals (quotes, names, labels) are left as they are.

    >>> own = _localizer("china", 2009)
    >>> own(f"<{NKD}north-korea>"), own(f"<{NKD}china>")
    ('<https://w3id.org/nkgraph/id/china>', '<https://w3id.org/nkgraph/id/north-korea>')
    >>> own('"2007"^^<http://www.w3.org/2001/XMLSchema#gYear>')
    '"2009"^^<http://www.w3.org/2001/XMLSchema#gYear>'
    """
    real, mine = f"<{NKD}{REAL_COUNTRY}>", f"<{NKD}{country}>"
    swap = {real: mine, mine: real} if country != REAL_COUNTRY else {}
    years = year - REAL_YEAR

    def own(term: str) -> str:
        if term[0] == "<":
            return swap.get(term, term)
        if years and term[0] == '"' and term.endswith(DATE_TYPES):
            return _shift_date(term, years)
        return term

    return own


def _retitled(literal: str, country: str, year: int) -> str:
    """The real chapter's title or label, for the chapter of ``country`` in ``year``."""
    name = COUNTRY_LABELS[country]
    return literal.replace(COUNTRY_LABELS[REAL_COUNTRY], name).replace(str(REAL_YEAR), str(year))


def country_triples(existing: set[str]) -> list[tuple[str, str, str]]:
    """An ``nk:Country`` node (type and label, as the real ones) for each simulated country the vocabulary lacks.

    >>> country_triples({f"<{NKD}{c}>" for c in COUNTRIES if c != "laos"})[1]
    ('<https://w3id.org/nkgraph/id/laos>', '<http://www.w3.org/2000/01/rdf-schema#label>', '"Laos"')
    """
    out = []
    for country in COUNTRIES:
        iri = f"<{NKD}{country}>"
        if iri not in existing:
            out += [(iri, f"<{RDF.type}>", f"<{NK}Country>"), (iri, f"<{RDFS.label}>", Literal(COUNTRY_LABELS[country]).n3())]
    return out


def _tagged(literal: str, slug: str) -> str:
    """A literal's text with `` [slug]`` appended (citation labels are unique across the corpus)."""
    end = literal.rindex('"')
    return f"{literal[:end]} [{slug}]{literal[end:]}"


SHARED_FILE = "shared.nt"
DOCUMENTS_DIR = "documents"
MANIFEST = "manifest.json"


def _nt(triples: list[tuple[str, str, str]]) -> bytes:
    return "".join(f"{s} {p} {o} .\n" for s, p, o in triples).encode("utf-8")


def write_corpus(
    graph_file: Path,
    out_dir: Path,
    *,
    triples: int,
    seed: int = 0,
    source_text: Path | None = None,
    progress: Callable[[int], None] | None = None,
    share_range: tuple[float, float] = (0.6, 1.0),
) -> dict:
    """Write a corpus of about ``triples`` triples to ``out_dir``; returns its manifest (also ``manifest.json``).

    Layout (every file deterministic for ``seed``)::

        out_dir/shared.nt              the shared vocabulary (ontology, commodities, units, countries …), once
        out_dir/documents/SLUG.nt      one simulated chapter each: its own unit of provenance
        out_dir/documents/SLUG.txt     the document's source text (its quotes' anchors point here)
        out_dir/manifest.json          seed, sizes, and per document its slug, country, year, triples, SHA-256

    ``progress`` is called with the number of triples written so far after each document.
    ``share_range`` is the range of the share of the real claims each document keeps (tests use
    small shares for small documents; the claims stakes and deals need are always kept).

    >>> info = write_corpus(Path("build/nkgraph.nt"), Path("/tmp/synth"), triples=100_000, seed=7)  # doctest: +SKIP
    >>> info["triples"] >= 100_000, info["documents"]                                               # doctest: +SKIP
    (True, 3)
    """
    import hashlib

    from nkgraph.paths import SOURCE_TEXT

    template = load_template(graph_file, source_text or SOURCE_TEXT)
    docs_dir = out_dir / DOCUMENTS_DIR
    docs_dir.mkdir(parents=True, exist_ok=True)
    for stale in docs_dir.glob("*.nt"):  # a rerun into the same folder must not keep documents of a larger corpus
        stale.unlink()
    shared_triples = template.shared + country_triples({t[0] for t in template.shared})
    shared = _nt(shared_triples)
    (out_dir / SHARED_FILE).write_bytes(shared)
    total = len(shared_triples)
    docs = []
    per_claim = (template.stats["triples"] - template.stats["shared"] - template.stats["base"]) / max(1, template.stats["claims"])
    text = template.source_text.encode("utf-8")
    index = 0
    while total < triples:
        remaining = triples - total
        full = len(template.base) + per_claim * len(template.claims)
        keep = None
        if remaining < share_range[0] * full:  # the last document is smaller: keep just enough claims
            keep = max(0.0, (remaining - len(template.base)) / (per_claim * len(template.claims)))
        doc = document_triples(template, index, seed, keep, share_range)
        slug, country, year = document_slug(index)
        data = _nt(doc)
        (docs_dir / f"{slug}.nt").write_bytes(data)
        (docs_dir / f"{slug}.txt").write_bytes(text)
        total += len(doc)
        docs.append({"slug": slug, "kind": "chapter", "country": country, "year": year, "triples": len(doc), "sha256": hashlib.sha256(data).hexdigest()})
        index += 1
        if progress is not None:
            progress(total)
    info = {
        "seed": seed,
        "triples": total,
        "documents": len(docs),
        "shared_triples": len(shared_triples),
        "shared_sha256": hashlib.sha256(shared).hexdigest(),
        "template": template.stats,
        "docs": docs,
    }
    (out_dir / MANIFEST).write_text(json.dumps(info, indent=1) + "\n", encoding="utf-8")
    return info


def graph_stats(triples: list[tuple[str, str, str]]) -> dict[str, float]:
    """Shape statistics of one document's triples (N-Triples terms), to compare with the real chapter.

    Claims, share of claims with a citation, share with an attribution, conflict links, name
    attestations (aliases), quantities, and the set of classes used.

    >>> graph_stats([("<x>", f"<{RDF.type}>", f"<{NK}Claim>")])["claims"]
    1
    """
    rdf_type = f"<{RDF.type}>"
    claims = {s for s, p, o in triples if p == rdf_type and o == f"<{NK}Claim>"}
    cited = {s for s, p, o in triples if p == f"<{NK}citation>" and s in claims}
    attributed = {s for s, p, o in triples if p == f"<{NK}attribution>" and s in claims}
    n = max(1, len(claims))
    return {
        "claims": len(claims),
        "cited_share": len(cited) / n,
        "attributed_share": len(attributed) / n,
        "conflict_links": sum(1 for _, p, _ in triples if p == f"<{NK}conflictsWith>"),
        "aliases": sum(1 for _, p, o in triples if p == rdf_type and o == f"<{NK}NameAttestation>"),
        "quantities_per_claim": sum(1 for _, p, _ in triples if p == f"<{NK}numericValue>") / n,
        "classes": frozenset(o for _, p, o in triples if p == rdf_type),
    }


def corpus_shapes(shapes: Graph) -> Graph:
    """Our shapes with the two single-chapter values relaxed to classes (see module docs)."""
    out = Graph()
    for prefix, ns in shapes.namespaces():
        out.bind(prefix, ns, override=True)
    for s, p, o in shapes:
        if p == SH.hasValue and o == REAL_CHAPTER:
            out.add((s, SH["class"], NK.Chapter))
        elif p == SH.hasValue and o == REAL_SOURCE:
            out.add((s, SH["class"], NK.SourceText))
        else:
            out.add((s, p, o))
    return out


__all__ = ["write_corpus", "document_triples", "load_template", "corpus_shapes", "document_slug", "graph_stats", "country_triples", "SHARED_FILE", "DOCUMENTS_DIR", "MANIFEST", "Literal"]
