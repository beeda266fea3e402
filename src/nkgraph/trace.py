"""Trace claims to their sources: what ``nkgraph trace WHAT`` prints.

WHAT is a claim (``nkd:claim-…`` or its full IRI), an entity (its IRI, its label or any spelling
the chapter prints, matched case-insensitively), or free text looked up in the quotes and
plain-word statements. Each matching claim becomes a :class:`Chain`: the statement in plain words,
the verbatim quote and where it stands (section path, page when the text shows it, lines,
character offsets), the cited references (title, publisher, dates, pinpoint, URL as printed,
access date), the reporting chain hop by hop, and the claims it conflicts with, each with its own
chain. A name that matches nothing raises :class:`NoMatch` with the closest names the graph knows.

All SPARQL lives in ``.rq`` files (``queries/claim-provenance.rq``, ``queries/entity.rq`` and
``queries/trace/*.rq``) and is run with bindings.

>>> graph = TraceGraph.open(Path("build/nkgraph.nt"))                       # doctest: +SKIP
>>> result = trace_what("nkd:claim-iron-and-steel-musan-energy-daily-value", graph)  # doctest: +SKIP
>>> result.chains[0].citations[0].title                                    # doctest: +SKIP
'China taps North Korea resources'
>>> print(render(result, "text"))                                          # doctest: +SKIP
"""

from __future__ import annotations

import difflib
import json
import re
import textwrap
from dataclasses import asdict, dataclass, field
from itertools import zip_longest
from pathlib import Path

import pyoxigraph as ox

from nkgraph.errors import NkgraphError
from nkgraph.namespace import PREFIXES
from nkgraph.output import shorten
from nkgraph.queries import QueryResult, find_query, open_store, run_query

FORMATS = ("text", "markdown", "json")
NKD = PREFIXES["nkd"]
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December")
_WIDTH = 100
_FEW = 8  # up to this many claims, per-claim queries beat one query over every claim


class NoMatch(NkgraphError):
    """WHAT names no claim, entity or text of the graph; carries the closest names (exit code 2)."""

    def __init__(self, what: str, suggestions: list[str]) -> None:
        hint = ("did you mean: " + "; ".join(suggestions) + "?") if suggestions else "try a claim IRI (nkd:claim-…), a name, or words of the chapter"
        super().__init__(f"nothing in the graph matches {what!r}", hint=hint)
        self.what = what
        self.suggestions = suggestions


# ---------------------------------------------------------------------------------------------
# What a trace holds
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Citation:
    """One reference a claim cites, as References Cited gives it."""

    reference: str
    title: str
    author: str | None
    publisher: str | None
    published: str | None  # as printed ("May, 4")
    issued: str | None  # ISO date at the precision known ("2007-05-04")
    pinpoint: str | None
    url: str | None  # as printed, even when malformed
    url_malformed: bool
    url_problem: str | None
    accessed: str | None  # ISO date


@dataclass(frozen=True)
class Hop:
    """One hop of a reporting chain (position 1 = the agent the statement originates with)."""

    position: int
    agent: str
    agent_label: str
    agent_type: str | None
    verb: str | None


@dataclass
class Chain:
    """The provenance of one claim."""

    claim: str
    statement: str
    quote: str
    section: str | None
    page: str | None
    start_line: int
    end_line: int
    start_offset: int
    end_offset: int
    modality: str | None
    hedge: str | None
    date: str | None
    disputed: bool
    citations: list[Citation] = field(default_factory=list)
    hops: list[Hop] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)


@dataclass
class Conflict:
    """A claim that conflicts with the traced one, with its own chain and the note that explains why."""

    note: str | None
    chain: Chain


@dataclass
class TraceResult:
    """What WHAT matched and the chains of the matching claims, in the order of the chapter."""

    query: str
    matched: str  # "claim", "entity" or "text"
    entities: list[dict[str, str]]
    chains: list[Chain]


# ---------------------------------------------------------------------------------------------
# Reading the graph
# ---------------------------------------------------------------------------------------------


def _norm(name: str) -> str:
    """A name folded for matching: case, curly apostrophes and runs of spaces do not count.

    >>> _norm("  North Korea’s  ECONOMY ")
    "north korea's economy"
    """
    return re.sub(r"\s+", " ", name.replace("’", "'").replace("‘", "'")).strip().casefold()


def expand_iri(value: str) -> str | None:
    """A full IRI for ``nkd:x``/``nk:x``/``http…`` input, else None.

    >>> expand_iri("nkd:komdok-mine")
    'https://w3id.org/nkgraph/id/komdok-mine'
    >>> expand_iri("Komdok") is None
    True
    """
    value = value.strip()
    if value.startswith(("http://", "https://")) and " " not in value:
        return value
    m = re.fullmatch(r"([a-z]+):([A-Za-z0-9._~%-]+)", value)
    if m and m.group(1) in PREFIXES:
        return PREFIXES[m.group(1)] + m.group(2)
    return None


class TraceGraph:
    """A built graph and the library queries that trace and dossier run on it."""

    def __init__(self, store: ox.Store) -> None:
        self.store = store
        self._names: list[dict[str, object]] | None = None
        self._all: dict[str, dict[str, list[dict[str, object]]]] = {}

    @classmethod
    def open(cls, graph_file: Path) -> TraceGraph:
        """Load ``OUT/nkgraph.nt`` into an in-memory store.

        A trace or dossier runs dozens of small queries: in memory they take a few milliseconds
        each, several times less than on the read-only persistent store, which outweighs the
        0.2-0.5 s load.

        >>> TraceGraph.open(Path("build/nkgraph.nt")).run("trace/names").columns[:2]  # doctest: +SKIP
        ['entity', 'name']
        """
        return cls(open_store(graph_file))

    def run(self, name: str, **params: str) -> QueryResult:
        """Run library query ``name`` with string parameters (bound, never pasted into the text)."""
        return run_query(find_query(name), self.store, params)

    # -- names ---------------------------------------------------------------------------------
    def names(self) -> list[dict[str, object]]:
        """Every (entity, name) pair of the graph, from ``trace/names.rq``."""
        if self._names is None:
            self._names = self.run("trace/names").rows
        return self._names

    def label(self, iri: str) -> str:
        """The rdfs:label of an entity, else its prefixed IRI."""
        for row in self.names():
            if row["entity"] == iri and row["name_kind"] == "label":
                return str(row["name"])
        return shorten(iri)

    def entity_type(self, iri: str) -> str | None:
        """The type label of an entity (e.g. "mine"), if it has names."""
        for row in self.names():
            if row["entity"] == iri:
                return row["type"]  # type: ignore[return-value]
        return None

    def entities_named(self, name: str) -> list[str]:
        """Entities one of whose names equals ``name`` (case- and apostrophe-insensitive)."""
        key = _norm(name)
        found = sorted({str(r["entity"]) for r in self.names() if _norm(str(r["name"])) == key})
        return found

    def is_entity(self, iri: str) -> bool:
        return any(r["entity"] == iri for r in self.names())

    def suggestions(self, what: str, n: int = 5) -> list[str]:
        """The closest names the graph knows (labels and every printed spelling), with their entity.

        >>> TraceGraph.open(Path("build/nkgraph.nt")).suggestions("Gumdok")[0]  # doctest: +SKIP
        'Gumdeok (a spelling of Komdok Mine, nkd:komdok-mine)'
        """
        by_key: dict[str, list[dict[str, object]]] = {}
        for row in self.names():
            by_key.setdefault(_norm(str(row["name"])), []).append(row)
        local = {_norm(str(r["entity"]).removeprefix(NKD).replace("-", " ")): r for r in self.names()}
        keys = difflib.get_close_matches(_norm(what), list(by_key) + list(local), n=n * 2, cutoff=0.6)
        out: list[str] = []
        for key in keys:
            rows = by_key.get(key) or [local[key]]
            for row in rows:
                entity = str(row["entity"])
                name = str(row["name"]) if key in by_key else self.label(entity)
                label = self.label(entity)
                text = f"{name} ({shorten(entity)})" if _norm(name) == _norm(label) else f"{name} (a spelling of {label}, {shorten(entity)})"
                if text not in out:
                    out.append(text)
        return out[:n]

    # -- claims --------------------------------------------------------------------------------
    def is_claim(self, iri: str) -> bool:
        return bool(self.run("claim-provenance", claim=iri).rows)

    def claims_about(self, entity: str) -> list[str]:
        """Claims about an entity: subject, object, commodity qualifier, or via a stake/deal/event."""
        seen: dict[str, None] = {}
        for row in self.run("entity", entity=entity).rows:
            seen.setdefault(str(row["claim"]), None)
        return list(seen)

    def search(self, text: str) -> list[str]:
        """Claims whose quote or statement holds the phrase; else all of its words (each 2+ letters)."""
        rows = self.run("trace/search", text=text).rows
        if rows:
            return [str(r["claim"]) for r in rows]
        words = [w for w in re.findall(r"[\w$%.,’'-]+", text) if len(w) >= 2]
        if len(words) < 2:
            return []
        common: dict[str, int] | None = None
        for word in words:
            found = {str(r["claim"]): int(r["line"]) for r in self.run("trace/search", text=word).rows}
            common = found if common is None else {c: line for c, line in common.items() if c in found}
        return sorted(common or {}, key=lambda c: ((common or {})[c], c))

    def _rows(self, query: str, claims: list[str]) -> dict[str, list[dict[str, object]]]:
        """Rows of a per-claim query for each claim: one query per claim for a few claims, else
        one query for every claim of the graph (cached), which is faster past a handful."""
        if len(claims) <= _FEW and query not in self._all:
            return {c: self.run(query, claim=c).rows for c in claims}
        if query not in self._all:
            grouped: dict[str, list[dict[str, object]]] = {}
            for row in self.run(query).rows:
                grouped.setdefault(str(row["claim"]), []).append(row)
            self._all[query] = grouped
        return {c: self._all[query].get(c, []) for c in claims}

    def chains(self, claims: list[str], *, with_conflicts: bool = True) -> list[Chain]:
        """The provenance chains of claims (each with its conflicts and their own chains, one level deep)."""
        provenance = self._rows("claim-provenance", claims)
        hops = self._rows("trace/hops", claims)
        conflicts = self._rows("trace/conflicts-of", claims) if with_conflicts else {}
        partners = sorted({str(r["other"]) for rows in conflicts.values() for r in rows})
        partner_chains = {ch.claim: ch for ch in self.chains(partners, with_conflicts=False)} if partners else {}
        out = []
        for claim in claims:
            rows = provenance[claim]
            if not rows:
                raise NoMatch(shorten(claim), self.suggestions(shorten(claim).removeprefix("nkd:")))
            chain = _chain(rows, hops[claim])
            for row in conflicts.get(claim, []):
                chain.conflicts.append(Conflict(row["note"], partner_chains[str(row["other"])]))  # type: ignore[arg-type]
            out.append(chain)
        return out

    def chain(self, claim: str, *, with_conflicts: bool = True) -> Chain:
        """The provenance chain of one claim."""
        return self.chains([claim], with_conflicts=with_conflicts)[0]


def _chain(rows: list[dict[str, object]], hop_rows: list[dict[str, object]]) -> Chain:
    """A :class:`Chain` from the rows of ``claim-provenance.rq`` and ``trace/hops.rq`` for one claim."""
    first = rows[0]
    citations = [
        Citation(
            reference=str(r["reference"]),
            title=str(r["title"]),
            author=_opt(r["author"]),
            publisher=_opt(r["publisher"]),
            published=_opt(r["published"]),
            issued=_opt(r["issued"]),
            pinpoint=_opt(r["pinpoint"]),
            url=_opt(r["url"]),
            url_malformed=bool(r["url_malformed"]),
            url_problem=_opt(r["url_problem"]),
            accessed=_opt(r["accessed"]),
        )
        for r in rows
        if r["reference"] is not None
    ]
    hops = [Hop(int(h["position"]), str(h["agent"]), str(h["agent_label"] or shorten(str(h["agent"]))), _opt(h["agent_type"]), _opt(h["verb"])) for h in hop_rows]  # type: ignore[arg-type]
    return Chain(
        claim=str(first["claim"]),
        statement=str(first["statement"]),
        quote=str(first["quote"]),
        section=_opt(first["section"]),
        page=_opt(first["page"]),
        start_line=int(first["start_line"]),  # type: ignore[arg-type]
        end_line=int(first["end_line"]),  # type: ignore[arg-type]
        start_offset=int(first["start_offset"]),  # type: ignore[arg-type]
        end_offset=int(first["end_offset"]),  # type: ignore[arg-type]
        modality=_opt(first["modality"]),
        hedge=_opt(first["hedge"]),
        date=_opt(first["date"]),
        disputed=bool(first["disputed"]),
        citations=citations,
        hops=hops,
    )


def _opt(value: object) -> str | None:
    return None if value is None else str(value)


# ---------------------------------------------------------------------------------------------
# Resolving WHAT
# ---------------------------------------------------------------------------------------------


def trace_what(what: str, graph: TraceGraph) -> TraceResult:
    """Trace a claim IRI, an entity (IRI, name or spelling) or free text; raise :class:`NoMatch`.

    >>> g = TraceGraph.open(Path("build/nkgraph.nt"))  # doctest: +SKIP
    >>> trace_what("Gumdeok", g).entities[0]["entity"]  # doctest: +SKIP
    'https://w3id.org/nkgraph/id/komdok-mine'
    """
    what = what.strip()
    if not what:
        raise NoMatch(what, [])
    iri = expand_iri(what)
    if iri is not None:
        if graph.is_claim(iri):
            return TraceResult(what, "claim", [], [graph.chain(iri)])
        if graph.is_entity(iri):
            return _entities(what, [iri], graph)
        raise NoMatch(what, graph.suggestions(iri.rsplit("/", 1)[-1].rsplit("#", 1)[-1].replace("-", " ")))
    named = graph.entities_named(what)
    if named:
        return _entities(what, named, graph)
    claims = graph.search(what)
    if claims:
        return TraceResult(what, "text", [], _chains(claims, graph))
    raise NoMatch(what, graph.suggestions(what))


def _entities(what: str, entities: list[str], graph: TraceGraph) -> TraceResult:
    claims: dict[str, None] = {}
    for entity in entities:
        for claim in graph.claims_about(entity):
            claims.setdefault(claim, None)
    described = [{"entity": e, "label": graph.label(e), "type": graph.entity_type(e) or ""} for e in entities]
    return TraceResult(what, "entity", described, _chains(list(claims), graph))


def _chains(claims: list[str], graph: TraceGraph) -> list[Chain]:
    return sorted(graph.chains(claims), key=lambda ch: (ch.start_line, ch.start_offset, ch.claim))


# ---------------------------------------------------------------------------------------------
# Rendering
# ---------------------------------------------------------------------------------------------


def human_date(iso: str | None) -> str:
    """An ISO date at any precision in words.

    >>> human_date("2008-06-30"), human_date("2007-05"), human_date("2007"), human_date(None)
    ('June 30, 2008', 'May 2007', '2007', '')
    """
    if not iso:
        return ""
    m = re.fullmatch(r"(\d{4})-(\d{2})(?:-(\d{2}))?", iso)
    if not m:
        return iso
    month = _MONTHS[int(m.group(2)) - 1]
    return f"{month} {int(m.group(3))}, {m.group(1)}" if m.group(3) else f"{month} {m.group(1)}"


def published_text(c: Citation) -> str:
    """The publication date in words with the form printed, e.g. 'May 4, 2007 (printed "May, 4")'."""
    if c.issued and c.published and c.published != human_date(c.issued):
        return f'{human_date(c.issued)} (printed "{c.published}")'
    return human_date(c.issued) or (c.published or "")


def hop_text(h: Hop) -> str:
    """One hop in words: '1. Energy Daily (news publisher), "reported"'."""
    kind = f" ({h.agent_type})" if h.agent_type else ""
    verb = f', "{h.verb}"' if h.verb else ""
    return f"{h.position}. {h.agent_label}{kind}{verb}"


def where_text(ch: Chain) -> str:
    """Where the quote stands: section path, page, lines and character offsets."""
    parts = [ch.section or "(no section)"]
    if ch.page:
        parts.append(f"page {ch.page}")
    parts.append(f"lines {ch.start_line}–{ch.end_line}" if ch.end_line != ch.start_line else f"line {ch.start_line}")
    parts.append(f"characters {ch.start_offset}–{ch.end_offset}")
    return " · ".join(parts)


def firmness_text(ch: Chain) -> str:
    bits = [ch.modality or "?"]
    if ch.hedge:
        bits.append(f'hedge "{ch.hedge}"')
    if ch.date:
        bits.append(f"date {ch.date}")
    bits.append("DISPUTED" if ch.disputed else "not disputed")
    return " · ".join(bits)


def citation_lines(c: Citation) -> list[str]:
    """A citation as lines of text (title, who, when, pinpoint, URL with its problem, access)."""
    lines = [f"{c.reference}: “{c.title}”"]
    who = []
    if c.author:
        who.append(f"author as printed: {c.author}")
    if c.publisher:
        who.append(f"publisher: {c.publisher}")
    published = published_text(c)
    if published:
        who.append(f"published {published}")
    if c.pinpoint:
        who.append(f"pinpoint {c.pinpoint}")
    if who:
        lines.append(" · ".join(who))
    if c.url:
        lines.append(f"URL as printed: {c.url}")
        if c.url_malformed:
            lines.append(f"⚠ MALFORMED URL: {c.url_problem or 'the URL as printed cannot be right'}")
    if c.accessed:
        lines.append(f"accessed {human_date(c.accessed)}")
    return lines


def _wrap(text: str, width: int, indent: str) -> list[str]:
    return textwrap.wrap(text, width=width, initial_indent=indent, subsequent_indent=indent, break_long_words=False, break_on_hyphens=False) or [indent]


def _field(label: str, values: list[str], width: int) -> list[str]:
    out: list[str] = []
    pad = " " * 12
    for i, value in enumerate(values):
        head = f"{label:<11} " if i == 0 else pad
        wrapped = _wrap(value, width - 12, "")
        out.append(head + wrapped[0])
        out += [pad + w for w in wrapped[1:]]
    return out


def chain_lines(ch: Chain, width: int = _WIDTH) -> list[str]:
    """The chain as plain text lines (without its conflicts)."""
    lines = [f"── {shorten(ch.claim)} " + "─" * max(3, width - len(shorten(ch.claim)) - 4)]
    lines += _field("Statement", [ch.statement, firmness_text(ch)], width)
    lines += _field("Quote", [f"“{ch.quote}”"], width)
    lines += _field("Where", [where_text(ch)], width)
    if ch.citations:
        for i, c in enumerate(ch.citations):
            lines += _field("Reference" if i == 0 else "", citation_lines(c), width)
    else:
        lines += _field("Reference", ["none: the chapter cites no reference for these words"], width)
    lines += _field("Attributed", [hop_text(h) for h in ch.hops] or ["no one named: the words are the chapter's (or its references')"], width)
    return lines


def _summary(ch: Chain) -> list[str]:
    """A compact chain for the side-by-side view of a conflict."""
    out = [shorten(ch.claim), ch.statement, firmness_text(ch), f"“{ch.quote}”", where_text(ch)]
    out += ["cites " + "; ".join(c.reference for c in ch.citations)] if ch.citations else ["cites nothing"]
    out += ["via " + " → ".join(f"{h.agent_label}" + (f' ("{h.verb}")' if h.verb else "") for h in ch.hops)] if ch.hops else []
    return out


def side_by_side(left: list[str], right: list[str], width: int = _WIDTH, titles: tuple[str, str] = ("this claim", "conflicting claim")) -> list[str]:
    """Two lists of paragraphs wrapped into two columns.

    >>> print("\\n".join(side_by_side(["a"], ["b"], width=20)))
    ┌ this claim ┬ conflicting claim
    │ a          │ b
    └
    """
    col = max(10, (width - 4) // 2)
    lcells = [w for p in left for w in _wrap(p, col, "")]
    rcells = [w for p in right for w in _wrap(p, col, "")]
    out = [f"┌ {titles[0]} " + "─" * max(0, col - len(titles[0])) + f"┬ {titles[1]}"]
    for a, b in zip_longest(lcells, rcells, fillvalue=""):
        out.append(f"│ {a:<{col}} │ {b}".rstrip())
    out.append("└")
    return out


def render_text(result: TraceResult, width: int = _WIDTH) -> str:
    """The trace for a terminal."""
    lines = [_heading(result), ""]
    for ch in result.chains:
        lines += chain_lines(ch, width)
        for conflict in ch.conflicts:
            lines.append("")
            lines += _field("CONFLICT", [f"with {shorten(conflict.chain.claim)}; both are kept, neither is preferred", *( [f"note: {conflict.note}"] if conflict.note else [])], width)
            lines += ["  " + x for x in side_by_side(_summary(ch), _summary(conflict.chain), width - 2)]
            lines += ["  " + x for x in chain_lines(conflict.chain, width - 2)]
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _heading(result: TraceResult) -> str:
    n = len(result.chains)
    if result.matched == "entity":
        who = "; ".join(f"{e['label']} ({shorten(e['entity'])}{', ' + e['type'] if e['type'] else ''})" for e in result.entities)
        return f"{who}: {n} claim(s), in the order of the chapter"
    if result.matched == "text":
        return f"{n} claim(s) whose words contain {result.query!r}"
    return f"claim {result.query}"


def _md(text: str) -> str:
    """Escape Markdown's inline syntax (and table pipes)."""
    return re.sub(r"([\\`*_\[\]<|])", r"\\\1", text)


def _md_chain(ch: Chain, level: str = "###") -> list[str]:
    out = [f"{level} {_md(ch.statement)}", "", f"`{shorten(ch.claim)}` · {_md(firmness_text(ch))}", ""]
    out += ["> " + _md(ch.quote), ""]
    out.append(f"- **Where:** {_md(where_text(ch))}")
    if ch.citations:
        out.append("- **References:**")
        for c in ch.citations:
            bits = [f"{_md(c.reference)}, *{_md(c.title)}*"]
            if c.publisher:
                bits.append(_md(c.publisher))
            if published_text(c):
                bits.append("published " + _md(published_text(c)))
            if c.pinpoint:
                bits.append("pinpoint " + _md(c.pinpoint))
            if c.url:
                bits.append("URL as printed: `" + c.url.replace("`", "") + "`" + (" **(malformed: " + _md(c.url_problem or "cannot be right") + ")**" if c.url_malformed else ""))
            if c.accessed:
                bits.append("accessed " + human_date(c.accessed))
            out.append("  - " + "; ".join(bits))
    else:
        out.append("- **References:** none (the chapter cites nothing for these words)")
    out.append("- **Attributed to:** " + (" → ".join(_md(hop_text(h)) for h in ch.hops) if ch.hops else "no one named"))
    return out


def render_markdown(result: TraceResult) -> str:
    """The trace as Markdown, to paste into a report."""
    lines = [f"## Trace: {_md(_heading(result))}", ""]
    for ch in result.chains:
        lines += _md_chain(ch)
        for conflict in ch.conflicts:
            lines += ["", f"**Conflicts with** `{shorten(conflict.chain.claim)}` (both kept, neither preferred)" + (f": {_md(conflict.note)}" if conflict.note else ""), ""]
            lines += ["| This claim | Conflicting claim |", "|---|---|"]
            for a, b in zip_longest(_summary(ch), _summary(conflict.chain), fillvalue=""):
                lines.append(f"| {_md(a)} | {_md(b)} |")
            lines.append("")
            lines += _md_chain(conflict.chain, "####")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def render_json(result: TraceResult) -> str:
    """The trace as JSON (every field of every chain)."""
    return json.dumps(asdict(result), indent=2, ensure_ascii=False) + "\n"


def render(result: TraceResult, fmt: str = "text") -> str:
    """The trace in one of :data:`FORMATS`."""
    if fmt == "markdown":
        return render_markdown(result)
    if fmt == "json":
        return render_json(result)
    return render_text(result)
