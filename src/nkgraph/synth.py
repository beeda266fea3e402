"""A synthetic yearbook corpus with the real graph's shape, for benchmarks (``nkgraph.synth``).

The USGS publishes a chapter per country per year; analysts add news reports. This module
simulates such a corpus by **resampling the real built graph**: every simulated chapter (a
country × year) is built from the real chapter's compiled graph with

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

**News reports** are documents of their own (:func:`news_document`, slug ``news-YYYY-PUBLISHER-N``):
after each chapter, some of the news references it cites (typed a fabio news item, or published by
an ``nk:NewsPublisher``: 15 of the real chapter's 23 references) get the article behind them,
republished in the chapter's year, so that news documents hold about ``news_share`` (7 %) of the
documents' triples, counted in the budget. An article's claims restate the chapter's claims
citing that reference (same subject, predicate, object, dates, modality, quote, as localized in
the chapter) but are ``nk:statedIn`` the article's own node (``nkd:ref-SLUG``: an ``nk:Reference``
of the reference's fabio type, title, publisher and date, ``prov:alternateOf`` the chapter's
reference, not listed), anchored in the article's own text (``SLUG.txt``: its title, then each
distinct quote as a paragraph, so every quote stands verbatim at its offsets), in one section,
citing nothing (``nk:uncited``: the article is the source; citing itself would make it its own
evidence) and attributed to the publisher unless the chapter names another origin (then its
reporting chain is kept). A conflict is kept only when both sides are in the article. The
chapters are unchanged by their news (only the last, cut to the budget, is smaller).

The output is deterministic for a seed. Two of our shapes pin the single real chapter
(``nk:statedIn`` has the value ``nkd:usgs-myb-2007-north-korea``; a text anchor's source is
``nkd:source-text``): :func:`corpus_shapes` relaxes exactly those two to "an ``nk:Chapter`` or
an ``nk:Reference``" (a news report's article) and "an ``nk:SourceText``" for a corpus of many
documents; everything else is checked as is.

Library queries that compare two statements of "the chapter" (capacity against production, text
against Table 1) join them on ``nk:statedIn``, so they pair statements of one chapter only.

Each document is its own unit of provenance: ``write_corpus`` writes ``shared.nt`` once and one
``documents/SLUG.nt`` (+ its source text ``SLUG.txt``) per document, which ``nkgraph corpus
build`` validates and loads one by one (``nkgraph.corpus``). Not simulated: reports other than
the news items the real chapter cites, and news that contradict or add to a chapter.

>>> document_slug(21)
('myb-2008-mongolia', 'mongolia', 2008)
>>> info = write_corpus(Path("build/nkgraph.nt"), Path("/tmp/synth"), triples=100_000, seed=7)   # doctest: +SKIP
>>> info["triples"] >= 100_000                     # doctest: +SKIP
True
"""

from __future__ import annotations

import calendar
import hashlib
import json
import random
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Callable

import pyoxigraph as ox
from rdflib import RDF, RDFS, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, SH

from nkgraph.namespace import NK

NKD = "https://w3id.org/nkgraph/id/"
CITO = "http://purl.org/spar/cito/"
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
    news: list["NewsSource"] = field(default_factory=list)  # the real chapter's news references, by IRI
    entities: dict[str, list[tuple[str, str, str]]] = field(default_factory=dict)  # base node -> its type and label triples

    @cached_property
    def shared_iris(self) -> set[str]:
        return {t[0] for t in self.shared}


@dataclass
class NewsSource:
    """A news reference of the real chapter: the article behind it is what a news document simulates."""

    ref: str  # the reference's IRI (N-Triples term)
    publisher: str  # its dcterms:publisher, else dcterms:creator
    triples: list[tuple[str, str, str]]  # the reference's own triples
    claims: list[str]  # the claims citing it, in the chapter's order (start line, IRI)


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
    entities: dict[str, list[tuple[str, str, str]]] = {}
    for t in base:
        if t[1] in (rdf_type, f"<{RDFS.label}>"):
            entities.setdefault(t[0], []).append(t)
    return Template(shared, base, claims, must_keep, pairs, text, stats, _news_sources(triples, claims), entities)


#: fabio classes of a news item (a reference whose publisher is an nk:NewsPublisher is one too)
NEWS_TYPES = ("http://purl.org/spar/fabio/NewsItem", "http://purl.org/spar/fabio/NewspaperArticle")


def _news_sources(triples: list[tuple[str, str, str]], claims: dict[str, list[tuple[str, str, str]]]) -> list[NewsSource]:
    """The real chapter's news references (typed a fabio news item or published by an ``nk:NewsPublisher``) with a
    publisher and at least one claim citing them, sorted by IRI."""
    rdf_type = f"<{RDF.type}>"
    types: dict[str, set[str]] = {}
    for s, p, o in triples:
        if p == rdf_type:
            types.setdefault(s, set()).add(o)
    publishers = {s for s, kinds in types.items() if f"<{NK}NewsPublisher>" in kinds}
    news_types = {f"<{t}>" for t in NEWS_TYPES}
    refs = {s for s, kinds in types.items() if f"<{NK}Reference>" in kinds}
    own: dict[str, list[tuple[str, str, str]]] = {r: [] for r in refs}
    for t in triples:
        if t[0] in own:
            own[t[0]].append(t)
    line = f"<{NK}startLine>"
    order = {c: (int(o[1 : o.index('"', 1)]), c) for c, ts in claims.items() for s, p, o in ts if s == c and p == line}
    citing: dict[str, list[str]] = {}
    for c, ts in claims.items():
        for s, p, o in ts:
            if s == c and p == f"<{CITO}citesAsEvidence>":
                citing.setdefault(o, []).append(c)
    out = []
    for ref in sorted(refs):
        by = {p: o for _, p, o in own[ref] if p in (f"<{DCTERMS.publisher}>", f"<{DCTERMS.creator}>")}
        publisher = by.get(f"<{DCTERMS.publisher}>") or by.get(f"<{DCTERMS.creator}>")
        if publisher and citing.get(ref) and (types[ref] & news_types or publisher in publishers):
            out.append(NewsSource(ref, publisher, own[ref], sorted(citing[ref], key=lambda c: order.get(c, (0, c)))))
    return out


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
    kept = kept_claims(template, index, seed, keep, share_range)
    slug, country, year = document_slug(index)
    rename = _chapter_renamer(template, index)
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


def kept_claims(
    template: Template, index: int, seed: int, keep: float | None = None, share_range: tuple[float, float] = (0.6, 1.0)
) -> set[str]:
    """The real claims (template IRIs) the ``index``-th simulated chapter keeps (see :func:`document_triples`).

    >>> kept_claims(Template([], [], {"<c>": []}, set(), {}), 0, seed=1, keep=1.0)
    {'<c>'}
    """
    rng = random.Random(f"{seed}:{index}")
    share = rng.uniform(*share_range)
    if keep is not None:
        share = keep
    kept: set[str] = set()
    for claim in sorted(template.claims):
        if claim in kept:
            continue
        group = {claim} | template.pairs.get(claim, set())
        if claim in template.must_keep or rng.random() < share:
            kept |= group
    return kept


def _chapter_renamer(template: Template, index: int) -> Callable[[str], str]:
    """The term map of the ``index``-th chapter: its slug on document-specific IRIs, then its country and year."""
    slug, country, year = document_slug(index)
    renamed = _renamer(template.shared_iris, slug)
    own = _localizer(country, year)
    return lambda term: own(renamed(term))


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


_OA = "http://www.w3.org/ns/oa#"
_PROV = "http://www.w3.org/ns/prov#"
_XSD_INT, _XSD_POS, _XSD_NONNEG = (f"<{_XSD}{t}>" for t in ("integer", "positiveInteger", "nonNegativeInteger"))
_TRUE, _FALSE = (f'"{v}"^^<{_XSD}boolean>' for v in ("true", "false"))
#: a news claim's own statements that are the chapter's (where and how the chapter states and cites it), not the article's
_CHAPTER_ONLY = {f"<{NK}{p}>" for p in ("statedIn", "inSection", "startLine", "endLine", "textAnchor", "citation", "uncited",
                                        "disputed", "conflictsWith", "conflictNote", "page")} | {f"<{CITO}citesAsEvidence>", f"<{_PROV}wasDerivedFrom>"}
#: what an article's node keeps of the chapter's reference (where the chapter lists it, its URL and access date are the chapter's)
_ARTICLE_KEEPS = {f"<{RDF.type}>", f"<{DCTERMS.title}>", f"<{DCTERMS.creator}>", f"<{DCTERMS.publisher}>", f"<{DCTERMS.date}>",
                  f"<{DCTERMS.issued}>", f"<{NK}containerTitle>", f"<{NK}authorAsPrinted>", f"<{NK}publicationDateAsPrinted>", f"<{NK}pages>"}
NEWS_SHARE = 0.07  # default share of the documents' triples in news documents
CONTEXT = 32  # characters of prefix and suffix in a quote selector, as the real build writes


def _nt_string(text: str) -> str:
    """``text`` as an N-Triples string literal (Oxigraph's serialization).

    >>> print(_nt_string('a "b"'))
    "a \\"b\\""
    """
    return str(ox.Literal(text))


def _text_of(literal: str) -> str:
    """The text of an N-Triples literal (escapes undone, datatype or language dropped)."""
    from rdflib.plugins.parsers.ntriples import unquote

    return unquote(literal[1 : literal.rindex('"')])


def news_slug(year: int, publisher: str, n: int) -> str:
    """The slug of the ``n``-th news document of ``publisher`` (an IRI) in ``year``.

    >>> news_slug(2009, f"<{NKD}daily-nk>", 2)
    'news-2009-daily-nk-2'
    """
    return f"news-{year}-{publisher[len(NKD) + 1 : -1]}-{n}"


def article_year(source: NewsSource, index: int) -> int:
    """The year of ``source``'s article as republished for the ``index``-th chapter (its date moved as the chapter's)."""
    date = next((o for _, p, o in source.triples if p == f"<{DCTERMS.date}>"), f'"{REAL_YEAR}"')
    return int(date[1:5]) + document_slug(index)[2] - REAL_YEAR


def _news_size(template: Template, index: int, source: NewsSource, kept: set[str]) -> int:
    return len(news_document(template, index, source, kept, "news-0-size")[0])


def news_document(template: Template, index: int, source: NewsSource, kept: set[str], slug: str) -> tuple[list[tuple[str, str, str]], str]:
    """A news document: the article behind ``source`` as the ``index``-th chapter cites it; (triples, source text).

    Its claims restate the claims of that chapter (``kept``) citing ``source``: the same subject,
    predicate, object, dates, modality, quote and reporting chain (IRIs and dates as in that
    chapter), but stated in the article (``nkd:ref-SLUG``, an ``nk:Reference`` with the
    reference's fabio type, title, publisher and date), anchored in the article's own text (its
    title, then each distinct quote as a paragraph), in one section (``nkd:sec-article-SLUG``),
    citing nothing (``nk:uncited``: the article is the source) and attributed to the publisher
    where the chapter names no one else. A conflict is kept only when both sides are in the article.
    Empty when the chapter kept none of those claims.
    """
    chapter = _chapter_renamer(template, index)
    renamed = _renamer(template.shared_iris, slug)
    own = _localizer(*document_slug(index)[1:])
    claims = [c for c in source.claims if c in kept]
    if not claims:
        return [], ""
    mine = set(claims)

    def rename(term: str) -> str:  # the claims' own nodes are the article's; everything else is the chapter's
        return own(renamed(term)) if term.split("_", 1)[0] + (">" if "_" in term else "") in mine else chapter(term)

    article, section, text_node = (f"<{NKD}{kind}{slug}>" for kind in ("ref-", "sec-article-", "source-text-"))
    title = " ".join(_text_of(next(o for _, p, o in source.triples if p == f"<{DCTERMS.title}>")).split())  # one line
    quotes = {c: _text_of(next(o for s, p, o in template.claims[c] if s == c and p == f"<{NK}quote>")) for c in claims}
    paragraphs = list(dict.fromkeys(quotes.values()))
    text = "\n\n".join([title, *paragraphs]) + "\n"
    at, offset = {}, len(title) + 2
    for i, quote in enumerate(paragraphs):
        at[quote] = (offset, 3 + 2 * i)  # (character offset, line)
        offset += len(quote) + 2
    publisher = chapter(source.publisher)
    typ, label, t = f"<{RDF.type}>", f"<{RDFS.label}>", lambda v, dt: f'"{v}"^^{dt}'
    out: list[tuple[str, str, str]] = []
    agents = {source.publisher}
    for c in claims:
        me = rename(c)
        triples = template.claims[c]
        drop = {o for s, p, o in triples if s == c and p in (f"<{NK}textAnchor>", f"<{NK}citation>")}
        drop |= {o for s, p, o in triples if s in drop and p == f"<{_OA}hasSelector>"}
        partners = template.pairs.get(c, set()) & mine
        hops = [o for s, p, o in triples if s == c and p == f"<{NK}attribution>"]
        for s, p, o in triples:
            if s in drop or (s == c and p in _CHAPTER_ONLY):
                continue
            if p == f"<{NK}agent>":
                agents.add(o)
            out.append((rename(s), p, rename(o)))
        out += [(me, f"<{NK}conflictsWith>", rename(o)) for o in sorted(partners)]
        out += [(me, f"<{NK}conflictNote>", o) for s, p, o in triples if s == c and p == f"<{NK}conflictNote>" and partners]
        if not hops:
            hop = f"{me[:-1]}_attribution-hop-1-{publisher[len(NKD) + 1:]}"
            out += [(me, f"<{NK}attribution>", hop), (me, f"<{_PROV}wasAttributedTo>", publisher), (hop, typ, f"<{NK}ReportingHop>"),
                    (hop, f"<{NK}position>", t(1, _XSD_INT)), (hop, f"<{NK}agent>", publisher)]
        start, line = at[quotes[c]]
        end = start + len(quotes[c])
        anchor, qs, ps = (f"{me[:-1]}_{k}>" for k in ("anchor", "quote-selector", "position-selector"))
        out += [
            (me, f"<{NK}statedIn>", article), (me, f"<{NK}inSection>", section), (me, f"<{NK}uncited>", _TRUE),
            (me, f"<{NK}disputed>", _TRUE if partners else _FALSE), (me, f"<{NK}startLine>", t(line, _XSD_POS)),
            (me, f"<{NK}endLine>", t(line, _XSD_POS)), (me, f"<{NK}textAnchor>", anchor),
            (anchor, typ, f"<{_OA}SpecificResource>"), (anchor, f"<{_OA}hasSource>", text_node),
            (anchor, f"<{_OA}hasSelector>", qs), (anchor, f"<{_OA}hasSelector>", ps),
            (qs, typ, f"<{_OA}TextQuoteSelector>"), (qs, f"<{_OA}exact>", _nt_string(quotes[c])),
            (qs, f"<{_OA}prefix>", _nt_string(text[max(0, start - CONTEXT) : start])), (qs, f"<{_OA}suffix>", _nt_string(text[end : end + CONTEXT])),
            (ps, typ, f"<{_OA}TextPositionSelector>"), (ps, f"<{_OA}start>", t(start, _XSD_NONNEG)), (ps, f"<{_OA}end>", t(end, _XSD_NONNEG)),
        ]
    for agent in sorted(agents):  # the agents' classes and labels, as the chapter states them (the shapes check hops' agents)
        out += [(chapter(s), p, chapter(o)) for s, p, o in template.entities.get(agent, [])]
    for s, p, o in source.triples:
        if p in _ARTICLE_KEEPS:
            out.append((article, p, chapter(o)))
        elif p in (f"<{NK}citationLabel>", label):
            out.append((article, p, _tagged(o, slug)))
    lines = text.count("\n")
    out += [
        (article, f"<{NK}listed>", _FALSE), (article, f"<{_PROV}alternateOf>", chapter(source.ref)),
        (section, typ, f"<{NK}Section>"), (section, label, '"Article"'), (section, f"<{NK}heading>", _nt_string(title)),
        (section, f"<{NK}sectionPath>", '"Article"'), (section, f"<{NK}order>", t(1, _XSD_INT)),
        (section, f"<{NK}startLine>", t(1, _XSD_POS)), (section, f"<{NK}endLine>", t(lines, _XSD_POS)), (section, f"<{DCTERMS.isPartOf}>", article),
        (text_node, typ, f"<{NK}SourceText>"), (text_node, label, _nt_string(f"Plain-text rendering of the news article {slug}")),
        (text_node, f"<{DCTERMS.format}>", '"text/plain; charset=utf-8"'), (text_node, f"<{_PROV}wasDerivedFrom>", article),
        (text_node, f"<{NK}path>", _nt_string(f"{DOCUMENTS_DIR}/{slug}.txt")),
        (text_node, f"<{NK}sha256>", _nt_string(hashlib.sha256(text.encode("utf-8")).hexdigest())),
    ]
    return list(dict.fromkeys(out)), text


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
    news_share: float = NEWS_SHARE,
) -> dict:
    """Write a corpus of about ``triples`` triples to ``out_dir``; returns its manifest (also ``manifest.json``).

    Layout (every file deterministic for ``seed``)::

        out_dir/shared.nt              the shared vocabulary (ontology, commodities, units, countries …), once
        out_dir/documents/SLUG.nt      one simulated chapter or news report each: its own unit of provenance
        out_dir/documents/SLUG.txt     the document's source text (its quotes' anchors point here)
        out_dir/manifest.json          seed, sizes, and per document its slug, kind, country, year, triples, SHA-256

    After each chapter come its news documents (:func:`news_document`): each news reference the
    chapter cites is republished with a probability set so that news documents hold about
    ``news_share`` of the documents' triples (0: chapters only). They count toward ``triples``;
    the last chapter is cut to leave them that share, and a news document is written only while
    the corpus is short of ``triples``.

    ``progress`` is called with the number of triples written so far after each document.
    ``share_range`` is the range of the share of the real claims each document keeps (tests use
    small shares for small documents; the claims stakes and deals need are always kept).

    >>> info = write_corpus(Path("build/nkgraph.nt"), Path("/tmp/synth"), triples=100_000, seed=7)  # doctest: +SKIP
    >>> info["triples"] >= 100_000, info["chapters"], info["news_documents"]                        # doctest: +SKIP
    (True, 3, 6)
    """
    from nkgraph.paths import SOURCE_TEXT

    template = load_template(graph_file, source_text or SOURCE_TEXT)
    docs_dir = out_dir / DOCUMENTS_DIR
    docs_dir.mkdir(parents=True, exist_ok=True)
    for stale in [*docs_dir.glob("*.nt"), *docs_dir.glob("*.txt")]:  # a rerun into the same folder must not keep documents of a larger corpus
        stale.unlink()
    shared_triples = template.shared + country_triples({t[0] for t in template.shared})
    shared = _nt(shared_triples)
    (out_dir / SHARED_FILE).write_bytes(shared)
    total = len(shared_triples)
    docs = []
    per_claim = (template.stats["triples"] - template.stats["shared"] - template.stats["base"]) / max(1, template.stats["claims"])
    text = template.source_text.encode("utf-8")
    odds, all_news = 0.0, 0  # chance that a chapter's news reference gets a news document: news / chapters = news_share / (1 - news_share)
    if news_share > 0 and template.news:
        every = set(template.claims)
        all_news = sum(len(news_document(template, 0, src, every, news_slug(REAL_YEAR, src.publisher, 1))[0]) for src in template.news)
        mean = sum(share_range) / 2  # a chapter keeps this share of the claims on average, and its news as much of theirs
        odds = news_share / (1 - news_share) * (len(template.base) + mean * per_claim * len(template.claims)) / max(1.0, mean * all_news)
    smallest = len(template.base) + per_claim * len(template.must_keep)  # no chapter is smaller: news fill what is left below it
    issued: dict[tuple[int, str], int] = {}  # (year, publisher) -> news documents so far

    def write(slug: str, data: bytes, source: bytes, entry: dict) -> None:
        nonlocal total
        (docs_dir / f"{slug}.nt").write_bytes(data)
        (docs_dir / f"{slug}.txt").write_bytes(source)
        total += entry["triples"]
        docs.append({**entry, "sha256": hashlib.sha256(data).hexdigest()})
        if progress is not None:
            progress(total)

    index = 0
    while total < triples:
        remaining = (triples - total) * (1 - news_share)  # what the chapter may take, its news aside
        keep = None
        if remaining < len(template.base) + per_claim * len(kept_claims(template, index, seed, None, share_range)):
            keep = max(0.0, (remaining - len(template.base)) / (per_claim * len(template.claims)))  # the last chapter: just enough claims
        doc = document_triples(template, index, seed, keep, share_range)
        slug, country, year = document_slug(index)
        write(slug, _nt(doc), text, {"slug": slug, "kind": "chapter", "country": country, "year": year, "triples": len(doc)})
        if odds:
            kept = kept_claims(template, index, seed, keep, share_range)
            rng = random.Random(f"{seed}:{index}:news")
            order = list(template.news)
            rng.shuffle(order)
            drawn = [src for src in order if rng.random() < odds]
            rest = [src for src in order if src not in drawn]

            def publish(src: NewsSource) -> None:
                key = (article_year(src, index), src.publisher[len(NKD) + 1 : -1])
                n = issued.get(key, 0) + 1
                name = news_slug(key[0], src.publisher, n)
                news, article = news_document(template, index, src, kept, name)
                if news:
                    issued[key] = n
                    write(name, _nt(news), article.encode("utf-8"), {
                        "slug": name, "kind": "news", "country": country, "year": key[0], "triples": len(news), "chapter": slug,
                        "reference": src.ref[len(NKD) + 1 : -1], "publisher": key[1],
                    })

            for src in drawn if keep is None else order:  # the last chapter's news, all of them, fill its share
                if total < triples:
                    publish(src)
            if keep is None and 0 < triples - total < smallest and sum(_news_size(template, index, src, kept) for src in rest) >= triples - total:
                for src in rest:  # what is left is too small for another chapter, and the other news fill it
                    if total < triples:
                        publish(src)
        index += 1
    chapters = [d for d in docs if d["kind"] == "chapter"]
    info = {
        "seed": seed,
        "triples": total,
        "documents": len(docs),
        "chapters": len(chapters),
        "news_documents": len(docs) - len(chapters),
        "news_triples": sum(d["triples"] for d in docs if d["kind"] == "news"),
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
    """Our shapes with the two single-chapter values relaxed (see module docs).

    A claim's ``nk:statedIn`` must be an ``nk:Chapter`` or an ``nk:Reference`` (a news report's
    own node) instead of the real chapter, and a text anchor's source an ``nk:SourceText`` instead
    of ``nkd:source-text``; the message of the first says so. Everything else is as it is.
    """
    from rdflib import BNode
    from rdflib.collection import Collection

    out = Graph()
    for prefix, ns in shapes.namespaces():
        out.bind(prefix, ns, override=True)
    stated_in = {s for s, p, o in shapes.triples((None, SH.hasValue, REAL_CHAPTER))}
    for s, p, o in shapes:
        if p == SH.hasValue and o == REAL_CHAPTER:
            works = []
            for cls in (NK.Chapter, NK.Reference):
                works.append(BNode())
                out.add((works[-1], SH["class"], cls))
            head = BNode()
            Collection(out, head, works)
            out.add((s, SH["or"], head))
        elif p == SH.message and s in stated_in:
            out.add((s, p, Literal("A claim must be nk:statedIn exactly one work: an nk:Chapter, or the nk:Reference of a news report.")))
        elif p == SH.hasValue and o == REAL_SOURCE:
            out.add((s, SH["class"], NK.SourceText))
        else:
            out.add((s, p, o))
    return out


__all__ = ["write_corpus", "document_triples", "news_document", "kept_claims", "news_slug", "article_year", "NewsSource", "NEWS_SHARE", "load_template", "corpus_shapes", "document_slug", "graph_stats", "country_triples", "SHARED_FILE", "DOCUMENTS_DIR", "MANIFEST", "Literal"]
