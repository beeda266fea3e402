"""The interactive network view: one self-contained HTML file with Cytoscape.js and fcose inlined.

The page holds the projection *with* its reference layer (hidden until the "references" box is
ticked), the claims behind every node and edge (statement, quote, modality, dates, citations,
conflicts), and the choices of the filters. It loads nothing from the network.

>>> from pathlib import Path
>>> from nkgraph.queries import open_store
>>> from nkgraph.projection import Filters, load_facts, project_facts
>>> facts = load_facts(open_store(Path("build/nkgraph.nt")))
>>> page = render(project_facts(facts, Filters(references=True)), facts)
>>> page.startswith("<!DOCTYPE html>") and "cdn" not in page.lower()
True
"""

from __future__ import annotations

import json
from importlib.resources import files

import networkx as nx

from nkgraph.exports.attributes import KIND_STYLE
from nkgraph.exports.cytoscape import elements
from nkgraph.projection import RULES, ClaimEdge, CounterpartyEdge, Facts, NodeFallback, RoleEdge

CYTOSCAPE_VERSION = "3.35.0"
#: The vendored libraries (``src/nkgraph/viewer/``, see ``VENDOR.md``), inlined in this order, each
#: after its licence.
LIBRARIES = (
    ("cytoscape.min.js", "cytoscape.LICENSE"),
    ("layout-base.js", "layout-base.LICENSE"),
    ("cose-base.js", "cose-base.LICENSE"),
    ("cytoscape-fcose.js", "cytoscape-fcose.LICENSE"),
)
#: Cytoscape.js node shape and legend text of each kind.
SHAPES = {
    "organization": ("round-rectangle", "organization"), "agent": ("round-rectangle", "other agent"),
    "facility": ("ellipse", "facility"), "place": ("round-triangle", "place"), "country": ("hexagon", "country"),
    "deal": ("diamond", "deal or agreement"), "reference": ("tag", "reference (cited work)"), "claim": ("rectangle", "claim"),
}


def _asset(name: str) -> str:
    return files("nkgraph").joinpath("viewer", name).read_text(encoding="utf-8")


def _script(code: str, **attrs: str) -> str:
    extra = "".join(f' {k}="{v}"' for k, v in attrs.items())
    safe = code.replace("</script", "<\\/script")
    return f"<script{extra}>\n{safe}\n</script>"


def claims_payload(graph: nx.MultiDiGraph, facts: Facts) -> dict[str, dict[str, object]]:
    """The claims of the graph's nodes and edges, as the side panel shows them."""
    ids = {c for _, d in graph.nodes(data=True) for c in d.get("claims", [])}
    ids |= {c for *_, d in graph.edges(data=True) for c in d.get("claims", [])}
    out = {}
    for cid in sorted(ids):
        cl = facts.claims[cid]
        out[cid] = {
            "statement": cl.statement, "quote": cl.quote, "modality": cl.modality, "hedge": cl.hedge, "date": cl.date,
            "disputed": cl.disputed, "citations": sorted(set(cl.citations)), "section": cl.section, "line": cl.line,
            "conflicts": sorted(set(cl.conflicts)),
        }
    return out


def payload(graph: nx.MultiDiGraph, facts: Facts) -> dict[str, object]:
    """Everything the page needs, as JSON-ready data."""
    present = {k for _, k in graph.nodes(data="kind")}
    kinds = [{"kind": k, "colour": KIND_STYLE[k][0], "shape": SHAPES[k][0], "label": SHAPES[k][1]} for k in SHAPES if k in present]
    network = [d for *_, d in graph.edges(data=True) if d.get("layer") == "network"]
    commodities = sorted({c for d in network for c in d.get("commodities", [])})
    broader = {facts.concepts[c]: sorted(facts.concepts[b] for b in ups) for c, ups in facts.broader.items()}
    choices = {
        "commodities": sorted(set(commodities) | {b for c in commodities for b in broader.get(c, [c])}),
        "countries": sorted({d["country"] for n, d in graph.nodes(data=True) if d.get("country") and d.get("kind") != "claim"}),
        "statuses": sorted({s for d in network for s in d.get("status", [])}),
        "names": sorted({x for _, d in graph.nodes(data=True) if d.get("kind") in ("organization", "facility", "place", "country", "deal", "agent") for x in [d["label"], *d.get("alt_labels", [])]}),
    }
    rules = {
        "context": sorted(r.name for r in RULES if isinstance(r, ClaimEdge) and r.context),
        "investment": sorted([r.name for r in RULES if isinstance(r, RoleEdge) and r.investment] + [r.name for r in RULES if isinstance(r, (NodeFallback, CounterpartyEdge))]),
    }
    return {"elements": elements(graph), "claims": claims_payload(graph, facts), "kinds": kinds, "broader": broader, "choices": choices, "rules": rules, "filters": graph.graph.get("filters", "")}


def render(graph: nx.MultiDiGraph, facts: Facts) -> str:
    """The HTML page for ``graph`` (a projection, best with its reference layer)."""
    data = json.dumps(payload(graph, facts), ensure_ascii=False, sort_keys=True, separators=(",", ":")).replace("</", "<\\/")
    page = _asset("template.html")
    libraries = "\n".join(_script(f"/*! {name}\n{_asset(licence).replace('*/', '* /')}*/\n{_asset(name)}") for name, licence in LIBRARIES)
    page = page.replace("<!--NK:LIBRARY-->", libraries)
    page = page.replace("<!--NK:DATA-->", f'<script type="application/json" id="nk-data">{data}</script>')
    return page.replace("<!--NK:APP-->", _script(_asset("app.js")))
