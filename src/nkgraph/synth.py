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
* shared vocabulary written once for the whole corpus: the ontology, commodities and their forms,
  units, countries, statuses, modalities and deal kinds.

The output is deterministic for a seed. Two of our shapes pin the single real chapter
(``nk:statedIn`` has the value ``nkd:usgs-myb-2007-north-korea``; a text anchor's source is
``nkd:source-text``): :func:`corpus_shapes` relaxes exactly those two to "an ``nk:Chapter``" and
"an ``nk:SourceText``" for a corpus of many chapters; everything else is checked as is.

>>> corpus = generate(Graph(), 0, seed=1)          # doctest: +SKIP
>>> info = write_corpus(Path("build/nkgraph.nt"), Path("/tmp/synth"), triples=100_000, seed=7)   # doctest: +SKIP
>>> info["triples"] >= 100_000                     # doctest: +SKIP
True
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import RDF, Graph, Literal, URIRef
from rdflib.namespace import SH

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


def document_triples(template: Template, index: int, seed: int, keep: float | None = None) -> list[tuple[str, str, str]]:
    """The triples of the ``index``-th simulated chapter (deterministic for ``seed``)."""
    rng = random.Random(f"{seed}:{index}")
    share = keep if keep is not None else rng.uniform(0.6, 1.0)
    slug, _, _ = document_slug(index)
    shared_iris = {t[0] for t in template.shared}
    rename = _renamer(shared_iris, slug)
    kept: set[str] = set()
    for claim in sorted(template.claims):
        if claim in kept:
            continue
        group = {claim} | template.pairs.get(claim, set())
        if claim in template.must_keep or rng.random() < share:
            kept |= group
    label = f"<{NK}citationLabel>"
    out = [(rename(s), p, _tagged(o, slug) if p == label else rename(o)) for s, p, o in template.base]
    for claim in sorted(kept):
        out += [(rename(s), p, rename(o)) for s, p, o in template.claims[claim]]
    return out


def _tagged(literal: str, slug: str) -> str:
    """A literal's text with `` [slug]`` appended (citation labels are unique across the corpus)."""
    end = literal.rindex('"')
    return f"{literal[:end]} [{slug}]{literal[end:]}"


def write_corpus(graph_file: Path, out_dir: Path, *, triples: int, seed: int = 0, source_text: Path | None = None, per_document_files: bool = True) -> dict:
    """Write a corpus of about ``triples`` triples to ``out_dir``; returns its summary (also ``corpus.json``).

    ``out_dir/corpus.nt`` holds the whole corpus (shared vocabulary once, then every document);
    with ``per_document_files`` each document also gets ``docs/SLUG/graph.nt`` and
    ``docs/SLUG/source.txt`` (its own unit of provenance).
    """
    from nkgraph.paths import SOURCE_TEXT

    template = load_template(graph_file, source_text or SOURCE_TEXT)
    out_dir.mkdir(parents=True, exist_ok=True)
    total = len(template.shared)
    docs = []
    per_claim = (template.stats["triples"] - template.stats["shared"] - template.stats["base"]) / max(1, template.stats["claims"])
    with (out_dir / "corpus.nt").open("w", encoding="utf-8") as all_fh:
        all_fh.writelines(f"{s} {p} {o} .\n" for s, p, o in template.shared)
        index = 0
        while total < triples:
            remaining = triples - total
            full = len(template.base) + per_claim * len(template.claims)
            keep = None
            if remaining < 0.6 * full:  # the last document is smaller: keep just enough claims
                keep = max(0.0, (remaining - len(template.base)) / (per_claim * len(template.claims)))
            doc = document_triples(template, index, seed, keep)
            slug, country, year = document_slug(index)
            total += len(doc)
            all_fh.writelines(f"{s} {p} {o} .\n" for s, p, o in doc)
            if per_document_files:
                folder = out_dir / "docs" / slug
                folder.mkdir(parents=True, exist_ok=True)
                (folder / "graph.nt").write_text("".join(f"{s} {p} {o} .\n" for s, p, o in doc), encoding="utf-8")
                (folder / "source.txt").write_text(template.source_text, encoding="utf-8")
            docs.append({"slug": slug, "country": country, "year": year, "triples": len(doc)})
            index += 1
    info = {"seed": seed, "triples": total, "documents": len(docs), "shared_triples": len(template.shared), "template": template.stats, "docs": docs}
    (out_dir / "corpus.json").write_text(json.dumps(info, indent=1) + "\n", encoding="utf-8")
    return info


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


__all__ = ["write_corpus", "document_triples", "load_template", "corpus_shapes", "document_slug", "Literal"]
