"""The graph projection: claims become the nodes and edges that graph tools draw.

RDF claims are n-ary (a stake has holders, an asset, a percentage, a status and sources); Gephi,
Cytoscape, yEd and Neo4j want nodes and edges. :data:`RULES` declares, once, which claims become
which edges; :func:`project` applies them to a built graph and returns a ``networkx.MultiDiGraph``.

Every edge carries the claims it stands for (``claims``), the citations as the text prints them,
``disputed``, and the percentage, value, term, dates and status when its claims give them. Every
node carries its kind (organization, facility, place, country, deal…), its most specific type,
its label, the other spellings of its name (``alt_labels``), its country and its commodities.
Node ids and claim ids are prefixed names (``nkd:hyesan-youth-copper-mine``).

>>> from pathlib import Path
>>> from nkgraph.queries import open_store
>>> graph = project(open_store(Path("build/nkgraph.nt")))
>>> edge = graph.edges["nkd:luanhe-industrial-group", "nkd:hyesan-youth-copper-mine", "holds_stake:stake-hyesan-youth-copper-mine-51"]
>>> edge["label"], edge["percentage"], edge["disputed"]
('holds 51% of', 51.0, True)
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Iterable

import networkx as nx
import pyoxigraph as ox
from rdflib import URIRef

from nkgraph.errors import NkgraphError
from nkgraph.namespace import NK, NKD
from nkgraph.output import shorten
from nkgraph.queries import find_query, run_query

#: Node kinds, most specific first (an entity under two kinds gets the first).
KINDS = (
    "country", "organization", "agent", "facility", "place", "deal", "reference", "claim",
    "stake", "flow", "commodity", "status", "modality",
)
#: Kinds drawn as nodes of the network (references and claims only in the reference layer).
DRAWN = frozenset({"country", "organization", "agent", "facility", "place", "deal"})
#: Node attributes and edge attributes that hold lists (exports join them with "; ").
NODE_LISTS = frozenset({"alt_labels", "commodities", "claims", "date", "status", "value"})
EDGE_LISTS = frozenset({"claims", "citations", "modality", "status", "date", "value", "commodities"})


class FilterError(NkgraphError):
    """A filter names a commodity, country, status or modality the graph does not know."""


def pn(term: URIRef) -> str:
    """The prefixed name of a term, as the projection writes ids.

    >>> pn(NK.holder)
    'nk:holder'
    """
    return shorten(str(term))


#: The country whose mineral industry the chapter describes: the host side of a deal.
HOST = pn(NKD["north-korea"])


# ---------------------------------------------------------------------------------------------
# The rules
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClaimEdge:
    """Claims ``subject predicate object`` between two shown entities become one edge per pair.

    ``reverse`` draws it object → subject (``X nk:operator Y`` is drawn ``Y operates X``);
    ``context`` edges (where things are) are kept around what a filter selects; ``attach_only``
    edges are drawn only from nodes that other rules put in the network (a news publisher's
    country does not bring the publisher in).
    """

    name: str
    predicate: str
    label: str
    reverse: bool = False
    context: bool = False
    attach_only: bool = False


@dataclass(frozen=True)
class RoleEdge:
    """Each n-ary node of class ``kind`` becomes edges from its ``source`` role to its ``target`` role.

    ``labels`` are templates tried in order (the first whose fields are all known wins) with the
    fields ``verb`` (from ``verbs`` by status, or by ``phrase`` key), ``percentage``, ``term``,
    ``commodity``. ``phrases`` picks a template by the node's ``phrase_by`` value (a deal's kind).
    ``foreign_only`` keeps only sources not of the asset's country (the buyer of a mining right, not
    the state that grants it). ``absorb`` pulls in the claims of n-ary nodes pointing here with that
    property (a deal's ``nk:stake``: the stake edge carries the deal's value and date). Nodes that
    have a ``skip_if`` role are left to another rule. ``investment`` edges are what
    ``--investor-country`` selects.
    """

    name: str
    kind: str
    source: str
    target: str
    labels: tuple[str, ...]
    verbs: tuple[tuple[str, str], ...] = ()
    phrase_by: str | None = None
    phrases: tuple[tuple[str, tuple[str, ...]], ...] = ()
    foreign_only: tuple[str, ...] = ()
    absorb: str | None = None
    skip_if: str | None = None
    investment: bool = False


@dataclass(frozen=True)
class NodeFallback:
    """N-ary nodes of class ``kind`` that no :class:`RoleEdge` projected become nodes themselves,
    with an edge from each filler of ``role`` (``party to``) and to each filler of ``outgoing``."""

    name: str
    kind: str
    role: str
    label: str
    outgoing: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class CounterpartyEdge:
    """For n-ary nodes of class ``kind`` that became investor edges: an edge from each investor to
    each other filler of ``role`` (the state or company on the other side), labelled by
    ``phrase_by`` (``mining right from``, ``letter of intent with``…)."""

    name: str
    kind: str
    role: str
    phrase_by: str
    phrases: tuple[tuple[str, str], ...]
    label: str


@dataclass(frozen=True)
class CoversEdge:
    """``D predicate X`` of an n-ary node D: an edge from what represents D (the node D, or the
    asset of the edges D became) to X."""

    name: str
    kind: str
    predicate: str
    label: str


@dataclass(frozen=True)
class CitationLayer:
    """The optional reference layer: reference → claim ``cited by`` and claim → entity ``about``."""

    name: str = "cited_by"
    label: str = "cited by"
    about: str = "about"


_STAKE_VERBS = (
    (pn(NK.Acquired), "holds"), (pn(NK.Completed), "holds"), (pn(NK.Signed), "agreed to take"),
    (pn(NK.UnderNegotiation), "negotiates"), (pn(NK.PlannedStatus), "plans to take"),
    (pn(NK.Attempted), "sought"), (pn(NK.Failed), "sought"), (pn(NK.Canceled), "gave up"), ("", "holds"),
)
_DEAL_VERBS = (
    (pn(NK.Completed), "bought"), (pn(NK.Acquired), "bought"), (pn(NK.Signed), "signed"),
    (pn(NK.UnderNegotiation), "negotiates"), (pn(NK.PlannedStatus), "plans"),
    (pn(NK.Attempted), "sought"), (pn(NK.Failed), "sought"), (pn(NK.Canceled), "canceled"), ("", "has"),
)

#: The projection, declared once. Rules apply in phases (see :func:`_in_phases`), not in this order.
RULES: tuple[object, ...] = (
    ClaimEdge("located_in", pn(NK.locatedIn), "located in", context=True),
    ClaimEdge("part_of", pn(NK.partOf), "part of", context=True),
    ClaimEdge("based_in", pn(NK.basedIn), "based in", context=True),
    ClaimEdge("near", pn(NK.near), "near", context=True),
    ClaimEdge("country", pn(NK.country), "of", context=True, attach_only=True),
    ClaimEdge("operates", pn(NK.operator), "operates", reverse=True),
    ClaimEdge("owns", pn(NK.owner), "owns", reverse=True),
    ClaimEdge("connects_to", pn(NK.connectsTo), "connects to"),
    ClaimEdge("partner", pn(NK.partner), "has partner"),
    ClaimEdge("part_of_deal", pn(NK.partOfDeal), "part of"),
    RoleEdge(
        "holds_stake", pn(NK.EquityStake), source=pn(NK.holder), target=pn(NK.asset),
        labels=("{verb} {percentage}% of", "{verb} a stake in"), verbs=_STAKE_VERBS,
        absorb=pn(NK.stake), investment=True,
    ),
    RoleEdge(
        "deal", pn(NK.Deal), source=pn(NK.party), target=pn(NK.asset),
        labels=("{verb} agreement on",), verbs=_DEAL_VERBS, phrase_by=pn(NK.dealKind),
        phrases=(
            (pn(NK.MiningRight), ("{verb} {term}-year mining right to", "{verb} mining right to")),
            (pn(NK.Acquisition), ("{verb} stake in",)),
            (pn(NK.LetterOfIntent), ("{verb} letter of intent on",)),
            (pn(NK.JointVentureAgreement), ("joint venture in",)),
        ),
        foreign_only=(pn(NK.MiningRight), pn(NK.Acquisition), pn(NK.LetterOfIntent)),
        skip_if=pn(NK.stake), investment=True,
    ),
    RoleEdge(
        "exports", pn(NK.TradeFlow), source=pn(NK.exporter), target=pn(NK.importer),
        labels=("exports {commodity} to", "exports to"),
    ),
    CounterpartyEdge(
        "deal_with", pn(NK.Deal), role=pn(NK.party), phrase_by=pn(NK.dealKind), label="agreement with",
        phrases=((pn(NK.MiningRight), "mining right from"), (pn(NK.LetterOfIntent), "letter of intent with"), (pn(NK.JointVentureAgreement), "joint venture with")),
    ),
    NodeFallback("party_to", pn(NK.Deal), role=pn(NK.party), label="party to", outgoing=((pn(NK.asset), "concerns"),)),
    CoversEdge("covers", pn(NK.Deal), pn(NK.covers), "deal covers"),
    CitationLayer(),
)


# ---------------------------------------------------------------------------------------------
# What the rules read: facts from the built graph, through the projection queries
# ---------------------------------------------------------------------------------------------


@dataclass
class Claim:
    """One claim as the projection needs it (ids are prefixed names)."""

    id: str
    subject: str
    predicate: str
    object: str | None
    object_label: str | None
    value: str | None
    printed: str | None
    canonical_value: float | None
    modality: str
    disputed: bool
    date: str | None
    quote: str
    statement: str
    hedge: str | None
    line: int | None
    section: str | None
    citations: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    conflicts: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Entity:
    """A thing the projection may draw as a node."""

    id: str
    iri: str
    label: str
    kind: str
    type: str
    alt_labels: list[str] = field(default_factory=list)
    country: str | None = None
    country_label: str | None = None


@dataclass
class Facts:
    """The rows of the projection queries, indexed."""

    claims: dict[str, Claim]
    by_subject: dict[str, list[Claim]]
    entities: dict[str, Entity]
    commodities: dict[str, set[str]]  # any entity (stakes and flows too) -> its commodities
    broader: dict[str, set[str]]  # commodity -> itself and every broader concept
    concepts: dict[str, str] = field(default_factory=dict)  # commodity concepts (groups too) -> label

    def about(self, subject: str, predicate: str | None = None) -> list[Claim]:
        """Claims whose subject is ``subject`` (and predicate ``predicate``), sorted by id."""
        return [cl for cl in self.by_subject.get(subject, []) if predicate is None or cl.predicate == predicate]

    def objects(self, subject: str, predicate: str) -> list[str]:
        """The distinct objects of the claims ``subject predicate ?``, sorted."""
        return sorted({cl.object or cl.value or "" for cl in self.about(subject, predicate)} - {""})


def _rows(store: ox.Store, name: str) -> list[dict[str, object]]:
    return run_query(find_query(f"projection/{name}"), store).rows


def _printed(value: object, unit: object) -> str | None:
    if value is None:
        return None
    if unit and str(unit).startswith("$"):
        rest = str(unit)[1:].strip()
        return f"${value}" + (f" {rest}" if rest else "")
    return f"{value} {unit}" if unit else str(value)


def _claim(row: dict[str, object]) -> Claim:
    sh = lambda key: shorten(row[key]) if row.get(key) is not None else None  # noqa: E731
    canonical = row.get("canonical_value")
    return Claim(
        id=sh("claim"), subject=sh("subject"), predicate=sh("predicate"), object=sh("object"),
        object_label=row.get("object_label"), value=row.get("value"),
        printed=_printed(row.get("printed_value"), row.get("printed_unit")),
        canonical_value=float(canonical) if canonical is not None else None,
        modality=row.get("modality_label") or "", disputed=bool(row.get("disputed")),
        date=row.get("date") or row.get("start_date"), quote=row.get("quote") or "",
        statement=row.get("statement") or "", hedge=row.get("hedge"),
        line=row.get("line"), section=row.get("section"),
    )


def load_facts(store: ox.Store) -> Facts:
    """Run the projection queries (``queries/projection/*.rq``) on a store of the built graph."""
    claims: dict[str, Claim] = {}
    for row in _rows(store, "claims"):
        claims.setdefault(shorten(row["claim"]), _claim(row))
    for row in _rows(store, "citations"):
        claim = claims[shorten(row["claim"])]
        claim.citations.append(", ".join(str(x) for x in (row["citation_label"], row.get("pinpoint")) if x))
        claim.references.append(shorten(row["reference"]))
    for row in _rows(store, "conflicts"):
        claims[shorten(row["claim"])].conflicts.append((shorten(row["other"]), row.get("note") or ""))
    by_subject: dict[str, list[Claim]] = defaultdict(list)
    for claim in claims.values():
        by_subject[claim.subject].append(claim)
    for subject in by_subject:
        by_subject[subject].sort(key=lambda cl: cl.id)
    commodities: dict[str, set[str]] = defaultdict(set)
    broader: dict[str, set[str]] = defaultdict(set)
    concepts: dict[str, str] = {}
    for row in _rows(store, "commodities"):
        commodity, up = shorten(row["commodity"]), shorten(row["broader"])
        commodities[shorten(row["entity"])].add(commodity)
        broader[commodity].add(up)
        concepts[commodity], concepts[up] = str(row["commodity_label"]), str(row["broader_label"])
    return Facts(claims, dict(by_subject), _entities(store), dict(commodities), dict(broader), concepts)


def _entities(store: ox.Store) -> dict[str, Entity]:
    entities: dict[str, Entity] = {}
    for row in sorted(_rows(store, "entities"), key=lambda r: (str(r["entity"]), KINDS.index(str(r["kind"])))):
        eid = shorten(row["entity"])
        if eid not in entities:
            entities[eid] = Entity(eid, str(row["entity"]), row.get("label") or eid, str(row["kind"]), row.get("class_label") or "")
    for row in _rows(store, "alt-labels"):
        entity = entities.get(shorten(row["entity"]))
        if entity is not None and row["alt_label"] != entity.label:
            entity.alt_labels.append(str(row["alt_label"]))
    for row in _rows(store, "countries"):  # ordered by rank: the first is the best
        entity = entities.get(shorten(row["entity"]))
        if entity is not None and entity.country is None:
            entity.country, entity.country_label = shorten(row["country"]), str(row["country_label"])
    return entities


# ---------------------------------------------------------------------------------------------
# Filters
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    """What to keep. Each field is a tuple of accepted values (any of them); fields combine with AND.

    ``commodities``: edges tied to the commodity or a narrower one (coal finds anthracite);
    ``investor_countries``: stake and deal edges whose investor is of the country; ``statuses``:
    edges whose stake or deal status is one of them (acquired, failed…); ``modalities``: edges with
    a claim of that modality (asserted, reported…); ``disputed``: only disputed (True) or only
    undisputed (False) edges. Where things are (located in, part of, based in, near, country) is
    kept around what is selected. ``references`` adds the reference layer.
    """

    commodities: tuple[str, ...] = ()
    investor_countries: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    modalities: tuple[str, ...] = ()
    disputed: bool | None = None
    references: bool = False

    def active(self) -> bool:
        """True when any filter (not the reference layer) is set."""
        return bool(self.commodities or self.investor_countries or self.statuses or self.modalities) or self.disputed is not None

    def describe(self) -> str:
        """The filters in words, for the graph's ``filters`` attribute (empty when none)."""
        parts = [f"{name}={'|'.join(values)}" for name, values in (("commodity", self.commodities), ("investor_country", self.investor_countries), ("status", self.statuses), ("modality", self.modalities)) if values]
        if self.disputed is not None:
            parts.append(f"disputed={str(self.disputed).lower()}")
        return "; ".join(parts)


def _resolve(facts: Facts, value: str, kind: str) -> str:
    """The id of the ``kind`` entity that ``value`` names (id, local name, label or other spelling)."""
    wanted = value.strip().lower().replace("_", "-")
    candidates = [e for e in facts.entities.values() if e.kind == kind]
    if kind == "commodity":  # commodity groups (metals, industrial minerals…) are plain SKOS concepts
        known_ids = {e.id for e in candidates}
        candidates += [Entity(cid, cid, label, "commodity", "") for cid, label in sorted(facts.concepts.items()) if cid not in known_ids]
    for entity in candidates:
        names = {entity.id.lower(), entity.id.split(":", 1)[-1].lower(), entity.label.lower(), *(a.lower() for a in entity.alt_labels)}
        if wanted in names or wanted.replace(" ", "-") in names:
            return entity.id
    known = ", ".join(sorted(e.label for e in candidates)[:40])
    raise FilterError(f"no {kind} named {value!r} in the graph", hint=f"use one of: {known}")


@dataclass
class _Match:
    """What the filters test on an edge (kept out of the exported attributes)."""

    commodities: set[str] = field(default_factory=set)
    statuses: set[str] = field(default_factory=set)
    investment: bool = False
    context: bool = False


# ---------------------------------------------------------------------------------------------
# Applying the rules
# ---------------------------------------------------------------------------------------------


def _local(cid: str) -> str:
    return cid.split(":", 1)[-1]


def _number(text: str) -> str:
    value = float(text)
    return str(int(value)) if value == int(value) else f"{value:g}"


def _first(mapping: tuple[tuple[str, str], ...], keys: Iterable[str]) -> str | None:
    """The value of the first entry of ``mapping`` whose key is among ``keys``, else of the ``""`` entry.

    >>> _first((("nk:Failed", "sought"), ("", "holds")), ["nk:Failed", "nk:Acquired"]), _first((("", "holds"),), ["nk:Odd"])
    ('sought', 'holds')
    """
    present = set(keys)
    for key, value in mapping:
        if key in present:
            return value
    return dict(mapping).get("")


def _label(templates: tuple[str, ...], fields: dict[str, str | None]) -> str:
    """The first template whose fields are all known, filled in.

    >>> _label(("{verb} {percentage}% of", "{verb} a stake in"), {"verb": "holds", "percentage": None})
    'holds a stake in'
    """
    for template in templates:
        names = [part.split("}", 1)[0] for part in template.split("{")[1:]]
        if all(fields.get(name) for name in names):
            return template.format(**{k: v for k, v in fields.items() if v})
    return " ".join(word for word in templates[-1].split() if "{" not in word)


class _Builder:
    """Applies :data:`RULES` to :class:`Facts` in phases (see :func:`_in_phases`)."""

    def __init__(self, facts: Facts) -> None:
        self.f = facts
        self.g = nx.MultiDiGraph()
        self.match: dict[tuple[str, str, str], _Match] = {}
        self.represented: dict[str, set[str]] = defaultdict(set)  # n-ary node -> nodes standing for it
        self.investors: dict[str, set[str]] = defaultdict(set)  # n-ary node -> sources of its edges
        self.of_kind: dict[str, list[str]] = defaultdict(list)
        for entity in sorted(facts.entities.values(), key=lambda e: e.id):
            self.of_kind[entity.kind].append(entity.id)

    # -- nodes and edges -------------------------------------------------------------------
    def drawable(self, eid: str | None) -> bool:
        entity = self.f.entities.get(eid or "")
        return entity is not None and entity.kind in DRAWN and (entity.kind != "deal" or self.g.has_node(eid))

    def node(self, eid: str) -> None:
        if self.g.has_node(eid):
            return
        e = self.f.entities[eid]
        attrs: dict[str, object] = {"label": e.label, "kind": e.kind, "type": e.type, "iri": e.iri}
        if e.alt_labels:
            attrs["alt_labels"] = sorted(set(e.alt_labels))
        if e.country_label:
            attrs["country"] = e.country_label
        names = sorted({self.f.concepts[x] for x in self.f.commodities.get(eid, ()) if x in self.f.concepts})
        if names:
            attrs["commodities"] = names
        claims = self.f.about(eid)
        if claims:
            attrs["claims"] = [cl.id for cl in claims]
        if e.kind == "deal":
            attrs.update(self.figures(claims))
        self.g.add_node(eid, **attrs)

    def figures(self, claims: list[Claim]) -> dict[str, object]:
        """Percentage, value, term, dates and status that the claims give."""
        out: dict[str, object] = {}
        by = lambda p: [cl for cl in claims if cl.predicate == p]  # noqa: E731
        if by(pn(NK.percentage)):
            out["percentage"] = float(by(pn(NK.percentage))[0].value)
        values = by(pn(NK.value))
        if values:
            out["value"] = sorted({cl.printed for cl in values if cl.printed})
            usd = [cl.canonical_value for cl in values if cl.canonical_value is not None and (cl.printed or "").startswith("$")]
            if usd:
                out["value_usd"] = usd[0]
        if by(pn(NK.termYears)):
            out["term_years"] = int(float(by(pn(NK.termYears))[0].value))
        dates = sorted({cl.date for cl in claims if cl.date} | {cl.value for cl in by(pn(NK.date)) if cl.value})
        if dates:
            out["date"] = dates
        statuses = sorted({cl.object_label for cl in by(pn(NK.status)) if cl.object_label})
        if statuses:
            out["status"] = statuses
        return {k: v for k, v in out.items() if v not in ([], None)}

    def edge(self, rule: str, key: str, u: str, v: str, claims: list[Claim], label: str, match: _Match, extra: dict[str, object] | None = None) -> None:
        self.node_or_claim(u)
        self.node_or_claim(v)
        claims = sorted({cl.id: cl for cl in claims}.values(), key=lambda cl: cl.id)
        attrs: dict[str, object] = {
            "id": f"{u}|{key}|{v}", "rule": rule, "label": label, "layer": "references" if rule in ("cited_by", "about") else "network",
            "claims": [cl.id for cl in claims], "disputed": any(cl.disputed for cl in claims),
        }
        citations = sorted({c for cl in claims for c in cl.citations})
        if citations:
            attrs["citations"] = citations
        modalities = sorted({cl.modality for cl in claims if cl.modality})
        if modalities:
            attrs["modality"] = modalities
        attrs.update(self.figures(claims))
        attrs.update(extra or {})
        match.commodities |= {x for eid in (u, v) if eid in self.f.entities and self.f.entities[eid].kind != "country" for x in self.f.commodities.get(eid, ())}
        match.statuses |= {cl.object for cl in claims if cl.predicate == pn(NK.status) and cl.object}
        names = sorted({self.f.concepts[x] for x in match.commodities if x in self.f.concepts})
        if names:
            attrs["commodities"] = names
        self.g.add_edge(u, v, key=key, **attrs)
        self.match[(u, v, key)] = match

    # -- rules -----------------------------------------------------------------------------
    def claim_edges(self, rule: ClaimEdge) -> None:
        groups: dict[tuple[str, str], list[Claim]] = defaultdict(list)
        for claim in sorted(self.f.claims.values(), key=lambda cl: cl.id):
            if rule.attach_only and not self.g.has_node(claim.subject):
                continue
            if claim.predicate == rule.predicate and self.drawable(claim.subject) and self.drawable(claim.object):
                u, v = (claim.object, claim.subject) if rule.reverse else (claim.subject, claim.object)
                if u != v:
                    groups[(u, v)].append(claim)
        for (u, v), claims in sorted(groups.items()):
            self.edge(rule.name, rule.name, u, v, claims, rule.label, _Match(context=rule.context))

    def role_edges(self, rule: RoleEdge) -> None:
        f = self.f
        for nid in self.of_kind[_KIND_OF[rule.kind]]:
            if rule.skip_if and f.about(nid, rule.skip_if):
                continue
            sources = [s for s in f.objects(nid, rule.source) if self.drawable(s)]
            targets = [t for t in f.objects(nid, rule.target) if self.drawable(t)]
            phrase = (f.objects(nid, rule.phrase_by) or [""])[0] if rule.phrase_by else ""
            if phrase in rule.foreign_only:
                sources = self.foreign(sources, targets) or sources
            if not sources or not targets:
                continue
            absorbed = sorted({cl.subject for cl in f.claims.values() if rule.absorb and cl.predicate == rule.absorb and cl.object == nid})
            own = f.about(nid)
            deal_claims = [cl for d in absorbed for cl in f.about(d)]
            statuses = [cl.object for cl in own if cl.predicate == pn(NK.status)] or [cl.object for cl in deal_claims if cl.predicate == pn(NK.status)]
            percentages = [cl.value for cl in own if cl.predicate == pn(NK.percentage) and cl.value]
            terms = [cl.value for cl in own if cl.predicate == pn(NK.termYears) and cl.value]
            commodity = sorted(f.concepts[x] for x in f.commodities.get(nid, ()) if x in f.concepts)
            fields = {
                "verb": _first(rule.verbs, statuses), "percentage": _number(percentages[0]) if percentages else None,
                "term": _number(terms[0]) if terms else None, "commodity": " and ".join(commodity) or None,
            }
            templates = dict(rule.phrases).get(phrase, rule.labels)
            label = _label(templates, fields)
            for s in sources:
                for t in targets:
                    claims = [cl for cl in own if not (cl.predicate == rule.source and cl.object != s)] + deal_claims
                    extra: dict[str, object] = {"via": nid}
                    if absorbed:
                        extra["deal"] = "; ".join(absorbed)
                    match = _Match(commodities=set(f.commodities.get(nid, ())) | {x for d in absorbed for x in f.commodities.get(d, ())}, investment=rule.investment)
                    self.edge(rule.name, f"{rule.name}:{_local(nid)}", s, t, claims, label, match, extra)
                    self.represented[nid].add(t)
                    self.investors[nid].add(s)
                    for d in absorbed:
                        self.represented[d].add(t)
                        self.investors[d].add(s)

    def counterparties(self, rule: CounterpartyEdge) -> None:
        f = self.f
        for nid in self.of_kind[_KIND_OF[rule.kind]]:
            investors = self.investors.get(nid, set())
            phrase = dict(rule.phrases).get((f.objects(nid, rule.phrase_by) or [""])[0], rule.label)
            for other in f.objects(nid, rule.role):
                if other in investors or not self.drawable(other):
                    continue
                claims = [cl for cl in f.about(nid) if cl.predicate != rule.role or cl.object == other]
                assets = {x for t in self.represented.get(nid, ()) for x in f.commodities.get(t, ())}
                for investor in sorted(investors):
                    match = _Match(commodities=set(f.commodities.get(nid, ())) | assets, investment=True)
                    self.edge(rule.name, f"{rule.name}:{_local(nid)}", investor, other, claims, phrase, match, {"via": nid})

    def foreign(self, sources: list[str], targets: list[str]) -> list[str]:
        hosts = {self.f.entities[t].country or HOST for t in targets}
        return [s for s in sources if s not in hosts and self.f.entities[s].country not in hosts]

    def fallback(self, rule: NodeFallback) -> None:
        f = self.f
        for nid in self.of_kind[_KIND_OF[rule.kind]]:
            if self.represented.get(nid):
                continue
            parties = [p for p in f.objects(nid, rule.role) if self.drawable(p)]
            outgoing = [(p, label, t) for p, label in rule.outgoing for t in f.objects(nid, p) if self.drawable(t)]
            if len(parties) + len(outgoing) == 0:
                continue
            self.node(nid)
            self.represented[nid].add(nid)
            for party in parties:
                claims = [cl for cl in f.about(nid, rule.role) if cl.object == party]
                self.edge(rule.name, rule.name, party, nid, claims, rule.label, _Match(commodities=set(f.commodities.get(nid, ())), investment=True))
            for predicate, label, target in outgoing:
                claims = [cl for cl in f.about(nid, predicate) if cl.object == target]
                self.edge(rule.name, f"{rule.name}:{_local(predicate)}", nid, target, claims, label, _Match(commodities=set(f.commodities.get(nid, ()))))

    def covers(self, rule: CoversEdge) -> None:
        f = self.f
        for nid in self.of_kind[_KIND_OF[rule.kind]]:
            for claim in f.about(nid, rule.predicate):
                if not self.drawable(claim.object):
                    continue
                for rep in sorted(self.represented.get(nid, ())):
                    if rep != claim.object:
                        self.edge(rule.name, f"{rule.name}:{_local(nid)}", rep, claim.object, [cl for cl in f.about(nid, rule.predicate) if cl.object == claim.object], rule.label, _Match())

    def citation_layer(self, rule: CitationLayer) -> None:
        f = self.f
        for u, v, data in sorted(self.g.edges(data=True), key=lambda e: e[2]["id"]):
            for cid in data["claims"]:
                claim = f.claims[cid]
                if not self.g.has_node(cid):
                    self.g.add_node(cid, label=claim.statement or cid, kind="claim", type="claim", iri=NKD[_local(cid)].toPython(), quote=claim.quote)
                for end in (u, v):
                    if not self.g.has_edge(cid, end, rule.about):
                        self.edge(rule.about, rule.about, cid, end, [claim], rule.about, _Match())
                for ref in sorted(set(claim.references)):
                    if not self.g.has_edge(ref, cid, rule.name):
                        self.edge(rule.name, rule.name, ref, cid, [claim], rule.label, _Match())

    def node_or_claim(self, eid: str) -> None:  # claim nodes are added by the citation layer
        if eid in self.f.entities:
            self.node(eid)


#: The class of n-ary node each rule kind names, as an entity kind of ``entities.rq``.
_KIND_OF = {pn(NK.EquityStake): "stake", pn(NK.Deal): "deal", pn(NK.TradeFlow): "flow"}


# ---------------------------------------------------------------------------------------------
# The projection
# ---------------------------------------------------------------------------------------------


def _keep(builder: _Builder, filters: Filters, wanted: dict[str, set[str]]) -> set[tuple[str, str, str]]:
    """The edges the filters select, then the context edges around them (transitively)."""
    f, g = builder.f, builder.g
    kept: set[tuple[str, str, str]] = set()
    for u, v, k, data in g.edges(keys=True, data=True):
        m = builder.match[(u, v, k)]
        if m.context and filters.active():
            continue
        closure = {b for x in m.commodities for b in f.broader.get(x, {x})}
        investor = {u, f.entities[u].country} if u in f.entities else set()
        tests = (
            not filters.commodities or bool(closure & wanted["commodity"]),
            not filters.investor_countries or (m.investment and bool(investor & wanted["country"])),
            not filters.statuses or bool(m.statuses & wanted["status"]),
            not filters.modalities or bool(set(data.get("modality", ())) & wanted["modality"]),
            filters.disputed is None or data["disputed"] == filters.disputed,
        )
        if all(tests):
            kept.add((u, v, k))
    if filters.active():
        nodes = {x for u, v, _ in kept for x in (u, v)}
        frontier = set(nodes)
        while frontier:
            new = set()
            for u, v, k in g.out_edges(frontier, keys=True):
                if builder.match[(u, v, k)].context and (u, v, k) not in kept:
                    kept.add((u, v, k))
                    if v not in nodes:
                        new.add(v)
            nodes |= new
            frontier = new
    return kept


def _sorted_copy(g: nx.MultiDiGraph, edges: set[tuple[str, str, str]], name: str) -> nx.MultiDiGraph:
    out = nx.MultiDiGraph(name=name)
    ends = {x for u, v, _ in edges for x in (u, v)}
    for n in sorted(ends):
        out.add_node(n, **g.nodes[n])
    for u, v, k in sorted(edges):
        out.add_edge(u, v, key=k, **g.edges[u, v, k])
    return out


def _in_phases(rules: Iterable[object]) -> list[object]:
    """Role edges, counterparties and node fallbacks, claim edges, attach-only claim edges, covers
    (the reference layer comes after filtering)."""
    def phase(rule: object) -> int:
        if isinstance(rule, ClaimEdge):
            return 3 if rule.attach_only else 2
        return {RoleEdge: 0, CounterpartyEdge: 1, NodeFallback: 1, CoversEdge: 4}.get(type(rule), 9)
    return sorted((r for r in rules if not isinstance(r, CitationLayer)), key=phase)


def project_facts(facts: Facts, filters: Filters = Filters()) -> nx.MultiDiGraph:
    """Apply :data:`RULES` and ``filters`` to facts already loaded (see :func:`project`)."""
    wanted = {
        "commodity": {_resolve(facts, x, "commodity") for x in filters.commodities},
        "country": {_resolve(facts, x, "country") for x in filters.investor_countries},
        "status": {_resolve(facts, x, "status") for x in filters.statuses},
        "modality": {facts.entities[_resolve(facts, x, "modality")].label for x in filters.modalities},
    }
    builder = _Builder(facts)
    for rule in _in_phases(RULES):
        apply = {RoleEdge: builder.role_edges, CounterpartyEdge: builder.counterparties, NodeFallback: builder.fallback, ClaimEdge: builder.claim_edges, CoversEdge: builder.covers}
        apply[type(rule)](rule)  # type: ignore[operator]
    kept = _keep(builder, filters, wanted)
    builder.g = _sorted_copy(builder.g, kept, "nkgraph")
    if filters.references:
        for rule in RULES:
            if isinstance(rule, CitationLayer):
                builder.citation_layer(rule)
    graph = _sorted_copy(builder.g, set(builder.g.edges(keys=True)), "nkgraph")
    graph.graph["filters"] = filters.describe()
    return graph


def project(store: ox.Store, filters: Filters = Filters()) -> nx.MultiDiGraph:
    """The projection of a built graph (an Oxigraph store of ``nkgraph.nt``) as a MultiDiGraph.

    Nodes and edges are added in sorted order, so every export of the same graph is identical.
    """
    return project_facts(load_facts(store), filters)


def counts(graph: nx.MultiDiGraph) -> dict[str, int]:
    """Nodes and edges of the network and of the reference layer.

    >>> counts(nx.MultiDiGraph())
    {'nodes': 0, 'edges': 0, 'reference_nodes': 0, 'reference_edges': 0}
    """
    ref_nodes = sum(1 for _, k in graph.nodes(data="kind") if k in ("claim", "reference"))
    ref_edges = sum(1 for *_, layer in graph.edges(data="layer") if layer == "references")
    return {"nodes": graph.number_of_nodes() - ref_nodes, "edges": graph.number_of_edges() - ref_edges, "reference_nodes": ref_nodes, "reference_edges": ref_edges}
