"""Evidence dossiers: everything the graph knows about one entity, as a document to hand on.

``nkgraph dossier ENTITY`` gathers, for a mine, company, place, commodity or deal: its names and
the spellings the chapter prints, the facts stated about it with their sources, the stakes, deals
and events it takes part in, production and capacity figures, a dated timeline, the conflicts
among those claims, and a bibliography of the references used. It renders Markdown or a single
self-contained HTML file (inline CSS, no scripts, no external assets; every text escaped).

All SPARQL is in library queries (``entity``, ``conflicts``, ``production-series``,
``production-vs-capacity``, ``facilities-by-province`` and ``trace/*``), run with bindings.

>>> from pathlib import Path
>>> graph = TraceGraph.open(Path("build/nkgraph.nt"))          # doctest: +SKIP
>>> doc = gather("Komdok", graph)                              # doctest: +SKIP
>>> doc.label, len(doc.facts) > 0                              # doctest: +SKIP
('Komdok Mine', True)
>>> html_text = render(doc, "html")                            # doctest: +SKIP
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

from nkgraph.namespace import NK
from nkgraph.output import shorten
from nkgraph.queries import QueryResult
from nkgraph.trace import NoMatch, TraceGraph, expand_iri, human_date

FORMATS = ("markdown", "html")

#: Predicates whose objects are figures: they go to "Production, capacity and other figures".
FIGURES = frozenset(
    str(p)
    for p in (
        NK.annualProduction, NK.annualCapacity, NK.reserves, NK.shareOfNationalOutput, NK.cost, NK.count,
        NK.distance, NK.duration, NK.amount, NK.value, NK.percentage, NK.termYears, NK.productionChange,
        NK.tradeChange, NK.gdpGrowth, NK.sectorGrowth, NK.sectorShareOfGDP, NK.budgetChange, NK.rank,
    )
)
_SERIES_TYPE = "production series"


@dataclass(frozen=True)
class Fact:
    """One claim about the entity (or about a stake, deal or event it takes part in)."""

    claim: str
    role: str
    via: str | None
    via_node: str | None
    property: str
    predicate: str
    other: str
    date: str | None
    modality: str | None
    disputed: bool
    references: tuple[str, ...]
    statement: str


@dataclass
class Dossier:
    """What a dossier shows, before rendering."""

    entity: str
    label: str
    type: str
    names: list[dict[str, object]]
    note: str | None
    facts: list[Fact]
    related: dict[str, list[Fact]]
    related_types: dict[str, str]
    figures: list[Fact]
    tables: list[tuple[str, QueryResult]] = field(default_factory=list)
    timeline: list[dict[str, object]] = field(default_factory=list)
    conflicts: list[dict[str, object]] = field(default_factory=list)
    bibliography: list[dict[str, object]] = field(default_factory=list)


# ---------------------------------------------------------------------------------------------
# Gathering
# ---------------------------------------------------------------------------------------------


def resolve_entity(what: str, graph: TraceGraph) -> str:
    """The entity IRI for an IRI, a label or any printed spelling; raise :class:`NoMatch`.

    A name shared by a commodity and its Table 1 series ("graphite") means the commodity.
    """
    iri = expand_iri(what)
    if iri is not None:
        if graph.is_entity(iri):
            return iri
        raise NoMatch(what, graph.suggestions(iri.rsplit("/", 1)[-1].replace("-", " ")))
    found = graph.entities_named(what)
    if len(found) > 1:
        found = [e for e in found if graph.entity_type(e) != _SERIES_TYPE] or found
    if not found:
        raise NoMatch(what, graph.suggestions(what))
    if len(found) > 1:
        raise NoMatch(what, [f"{graph.label(e)} ({shorten(e)})" for e in found])
    return found[0]


def _facts(rows: list[dict[str, object]]) -> list[Fact]:
    facts = []
    for r in rows:
        refs = tuple(x for x in str(r["references"] or "").split("; ") if x)
        facts.append(
            Fact(
                claim=str(r["claim"]), role=str(r["role"]), via=r["via"], via_node=r["via_node"],  # type: ignore[arg-type]
                property=str(r["property"]), predicate=str(r["predicate"]), other=str(r["other"] or ""),
                date=r["date"], modality=r["modality"], disputed=bool(r["disputed"]),  # type: ignore[arg-type]
                references=refs, statement=str(r["statement"]),
            )
        )
    return facts


def gather(what: str, graph: TraceGraph) -> Dossier:
    """Everything the graph says about the entity WHAT (IRI, label or printed spelling).

    >>> gather("Hyesan Mine", TraceGraph.open(Path("build/nkgraph.nt"))).entity  # doctest: +SKIP
    'https://w3id.org/nkgraph/id/hyesan-youth-copper-mine'
    """
    entity = resolve_entity(what, graph)
    names = [r for r in graph.names() if r["entity"] == entity]
    note = next((str(r["note"]) for r in names if r["note"]), None)
    all_facts = _facts(graph.run("entity", entity=entity).rows)
    direct = [f for f in all_facts if f.role != "via"]
    related: dict[str, list[Fact]] = {}
    related_types: dict[str, str] = {}
    for f in all_facts:
        if f.role == "via" and f.via:
            related.setdefault(f.via, []).append(f)
            related_types[f.via] = graph.entity_type(f.via_node or "") or ""
    doc = Dossier(
        entity=entity,
        label=graph.label(entity),
        type=graph.entity_type(entity) or "",
        names=names,
        note=note,
        facts=[f for f in direct if f.property not in FIGURES],
        related=related,
        related_types=related_types,
        figures=[f for f in direct if f.property in FIGURES],
    )
    _tables(doc, graph)
    _timeline(doc, graph, all_facts)
    claims = {f.claim for f in all_facts}
    doc.conflicts = [r for r in graph.run("conflicts").rows if r["claim_a"] in claims or r["claim_b"] in claims]
    used = {ref for f in all_facts for ref in f.references}
    doc.bibliography = [r for r in graph.run("trace/references").rows if r["citation"] in used]
    return doc


def _tables(doc: Dossier, graph: TraceGraph) -> None:
    """Query-backed tables: production for a commodity, capacity for a facility, stakes for a holder."""
    if doc.type == "commodity":
        series = graph.run("production-series", commodity=doc.entity)
        if series.rows:
            doc.tables.append(("Production by year (Table 1 and the text)", series))
        against = graph.run("production-vs-capacity", commodity=doc.entity)
        if against.rows:
            doc.tables.append(("Production against national capacity", against))
    located = graph.run("facilities-by-province")
    facility = [r for r in located.rows if r["facility"] == doc.entity]
    if facility:
        doc.tables.append(("Location, operator, owners and capacity", QueryResult(located.columns, facility)))
    stakes = graph.run("stakes", holder=doc.entity)
    if stakes.rows:
        doc.tables.append(("Stakes and rights sought or held", stakes))


def _timeline(doc: Dossier, graph: TraceGraph, facts: list[Fact]) -> None:
    """The dated events and deals the entity takes part in (or the entity itself, if one), by date."""
    things = {f.via_node for f in facts if f.via_node} | {doc.entity}
    doc.timeline = [r for r in graph.run("timeline").rows if r["thing"] in things]


# ---------------------------------------------------------------------------------------------
# Rendering
# ---------------------------------------------------------------------------------------------


def _shown(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    text = str(value)
    return shorten(text) if text.startswith(("http://", "https://")) and " " not in text and "w3id.org/nkgraph" in text else text


def _fact_cells(f: Fact) -> list[str]:
    refs = "; ".join(f.references) or "none (uncited)"
    flag = " — DISPUTED" if f.disputed else ""
    return [f.predicate, f.other, human_date(f.date) if f.date else "", (f.modality or "") + flag, refs, shorten(f.claim)]


def _names_rows(doc: Dossier) -> list[list[str]]:
    rows = []
    for r in sorted(doc.names, key=lambda r: (r["name_kind"] != "label", str(r["name"]))):
        rows.append([str(r["name"]), "label" if r["name_kind"] == "label" else "spelling", str(r["printed"])])
    return rows


def _sections(doc: Dossier) -> list[tuple[str, str | None, list[str], list[list[str]]]]:
    """(title, intro, header, rows) for every section of the dossier, in order."""
    out: list[tuple[str, str | None, list[str], list[list[str]]]] = []
    out.append(("Names", doc.note, ["name", "kind", "times printed"], _names_rows(doc)))
    fact_header = ["predicate", "value or entity", "date", "modality", "references", "claim"]
    out.append(("Facts and their sources", None, fact_header, [_fact_cells(f) for f in doc.facts]))
    for via in sorted(doc.related):
        kind = doc.related_types.get(via) or "related"
        out.append((f"{kind.capitalize()}: {via}", None, fact_header, [_fact_cells(f) for f in doc.related[via]]))
    out.append(("Production, capacity and other figures", None, fact_header, [_fact_cells(f) for f in doc.figures]))
    for title, table in doc.tables:
        out.append((title, None, table.columns, [[_shown(r[c]) for c in table.columns] for r in table.rows]))
    out.append(("Timeline", "The dated events and deals it takes part in, in date order, at the precision printed "
                "(planned, expected and proposed ones are not facts).", ["date", "until", "what", "kind", "modality", "references"],
                [[human_date(str(r["date"])), human_date(str(r["end_date"])) if r["end_date"] else "", str(r["label"]), str(r["kind"]),
                  str(r["modality"] or ""), str(r["references"] or "") or "none (uncited)"] for r in doc.timeline]))
    conflict_rows = [[str(c["statement_a"]), str(c["references_a"] or ""), str(c["statement_b"]), str(c["references_b"] or ""), str(c["note"] or "")] for c in doc.conflicts]
    out.append(("Conflicts", "Both sides are kept; neither is preferred.", ["one side", "its references", "other side", "its references", "note"], conflict_rows))
    bib = []
    for r in doc.bibliography:
        url = str(r["url"] or "")
        if url and r["url_malformed"]:
            url += f" (MALFORMED: {r['url_problem'] or 'cannot be right'})"
        bib.append([str(r["citation"]), str(r["entry"] or r["title"]), url, human_date(str(r["accessed"])) if r["accessed"] else ""])
    out.append(("Bibliography", "The references cited by the claims above, as References Cited prints them.", ["reference", "entry", "URL as printed", "accessed"], bib))
    return out


def _md_cell(text: str) -> str:
    return re.sub(r"([\\`*_\[\]<|])", r"\\\1", text).replace("\n", " ")


def render_markdown(doc: Dossier) -> str:
    """The dossier as Markdown.

    >>> print(render_markdown(Dossier("x", "X", "mine", [], None, [], {}, {}, [])).splitlines()[0])
    # Dossier: X
    """
    lines = [f"# Dossier: {_md_cell(doc.label)}", "", f"`{shorten(doc.entity)}` · {_md_cell(doc.type)}", ""]
    lines.append("Source: *The Mineral Industry of North Korea* (USGS Minerals Yearbook 2007, by John C. Wu), as claims traced to their references.")
    for title, intro, header, rows in _sections(doc):
        lines += ["", f"## {_md_cell(title)}", ""]
        if intro:
            lines += [_md_cell(intro), ""]
        if not rows:
            lines.append("*None in the graph.*")
            continue
        lines.append("| " + " | ".join(_md_cell(h) for h in header) + " |")
        lines.append("|" + "---|" * len(header))
        lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


_CSS = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:72rem;padding:0 1rem;color:#1b1f24}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #d0d7de;padding-bottom:.2rem}
code{background:#f3f4f6;padding:0 .25rem;border-radius:3px}.meta{color:#57606a}.none{color:#57606a;font-style:italic}
table{border-collapse:collapse;width:100%;font-size:.9rem}th,td{border:1px solid #d0d7de;padding:.3rem .45rem;vertical-align:top;text-align:left}
th{background:#f6f8fa}.scroll{overflow-x:auto}tr:nth-child(even) td{background:#fbfcfd}.disputed{color:#a40e26;font-weight:600}
@media print{body{margin:0}h2{break-after:avoid}}
"""


def _h(text: object) -> str:
    return html.escape(str(text), quote=True)


def render_html(doc: Dossier) -> str:
    """The dossier as one self-contained HTML file (inline CSS; no script, font or image).

    >>> "<script" in render_html(Dossier("x", "<script>", "mine", [], None, [], {}, {}, []))
    False
    """
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>Dossier: {_h(doc.label)}</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<h1>Dossier: {_h(doc.label)}</h1>",
        f'<p class="meta"><code>{_h(shorten(doc.entity))}</code> · {_h(doc.type)} · source: <em>The Mineral Industry of North Korea</em> '
        "(USGS Minerals Yearbook 2007, by John C. Wu), as claims traced to their references.</p>",
    ]
    for title, intro, header, rows in _sections(doc):
        parts.append(f"<section><h2>{_h(title)}</h2>")
        if intro:
            parts.append(f"<p>{_h(intro)}</p>")
        if not rows:
            parts.append('<p class="none">None in the graph.</p></section>')
            continue
        parts.append('<div class="scroll"><table><thead><tr>' + "".join(f"<th>{_h(c)}</th>" for c in header) + "</tr></thead><tbody>")
        for row in rows:
            cells = []
            for c in row:
                cls = ' class="disputed"' if "DISPUTED" in c else ""
                cells.append(f"<td{cls}>{_h(c)}</td>")
            parts.append("<tr>" + "".join(cells) + "</tr>")
        parts.append("</tbody></table></div></section>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def render(doc: Dossier, fmt: str = "markdown") -> str:
    """The dossier in one of :data:`FORMATS`."""
    return render_html(doc) if fmt == "html" else render_markdown(doc)
