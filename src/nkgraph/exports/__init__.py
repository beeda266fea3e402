"""Exports of the graph projection and of the graph itself, one module per format.

Graph formats (GraphML, GEXF, Cytoscape.js JSON, node-link JSON, DOT, CSV for Neo4j) write the
projection (:mod:`nkgraph.projection`); RDF formats write the built graph (or, with filters, the
part the filtered projection shows); ``html`` writes the interactive view.

>>> source = Source(Path("build/nkgraph.nt"))
>>> files = render("graphml", source, Filters(commodities=("copper",)))
>>> list(files)
['nkgraph.graphml']
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path

import networkx as nx
from rdflib import Graph

from nkgraph.exports import cytoscape, dot, gexf, graphml, html, neo4j_csv, nodelink, rdf
from nkgraph.loading import read_turtle
from nkgraph.projection import Facts, Filters, load_facts, project_facts
from nkgraph.queries import open_store


@dataclass(frozen=True)
class Format:
    """An export format: its file name (or folder, for ``csv``) and what it is for."""

    name: str
    filename: str
    help: str
    rdf: bool = False


FORMATS: dict[str, Format] = {f.name: f for f in (
    Format("graphml", "nkgraph.graphml", "GraphML: yEd, Cytoscape desktop, Gephi"),
    Format("gexf", "nkgraph.gexf", "GEXF 1.2: Gephi (coloured by kind)"),
    Format("cytoscape", "nkgraph.cyjs", "Cytoscape.js JSON (elements/data): Cytoscape.js, Cytoscape desktop"),
    Format("nodelink", "nkgraph.json", "node-link JSON (networkx, D3)"),
    Format("dot", "nkgraph.dot", "Graphviz DOT (styled by kind; render with dot/sfdp)"),
    Format("csv", "nkgraph-csv", "a folder with nodes.csv and relationships.csv for neo4j-admin import"),
    Format("csv-nodes", "nodes.csv", "the nodes.csv of the csv format alone"),
    Format("csv-edges", "relationships.csv", "the relationships.csv of the csv format alone"),
    Format("html", "nkgraph.html", "the interactive network view: one self-contained HTML file"),
    Format("turtle", "nkgraph.ttl", "RDF Turtle", rdf=True),
    Format("ntriples", "nkgraph.nt", "RDF N-Triples (sorted)", rdf=True),
    Format("jsonld", "nkgraph.jsonld", "JSON-LD with a @context of the nkgraph prefixes", rdf=True),
    Format("rdfxml", "nkgraph.rdf", "RDF/XML (Protégé)", rdf=True),
)}


@dataclass
class Source:
    """A built graph (``nkgraph.nt``; ``nkgraph.ttl`` beside it is used when present), read lazily."""

    nt: Path
    _projections: dict[Filters, nx.MultiDiGraph] = field(default_factory=dict)

    @cached_property
    def facts(self) -> Facts:
        """The projection facts (runs the projection queries once)."""
        return load_facts(open_store(self.nt))

    def projection(self, filters: Filters) -> nx.MultiDiGraph:
        """The projection under ``filters`` (cached)."""
        if filters not in self._projections:
            self._projections[filters] = project_facts(self.facts, filters)
        return self._projections[filters]

    @cached_property
    def graph(self) -> Graph:
        """The built graph as rdflib reads it."""
        ttl = self.nt.with_suffix(".ttl")
        return read_turtle(ttl) if ttl.exists() else Graph().parse(self.nt, format="nt")


def _rdf(fmt: str, source: Source, filters: Filters) -> str:
    if not filters.active():
        built = source.nt.with_suffix({"turtle": ".ttl", "ntriples": ".nt"}.get(fmt, ".none"))
        if built.exists():  # the build already wrote canonical Turtle and sorted N-Triples
            return built.read_text(encoding="utf-8")
        return rdf.render(source.graph, fmt)
    return rdf.render(rdf.select(source.graph, source.projection(filters)), fmt)


def render(fmt: str, source: Source, filters: Filters = Filters()) -> dict[str, str]:
    """``{file name: text}`` for format ``fmt`` (two files for ``csv``, one otherwise)."""
    spec = FORMATS[fmt]
    if spec.rdf:
        return {spec.filename: _rdf(fmt, source, filters)}
    if fmt == "html":
        return {spec.filename: html.render(source.projection(replace(filters, references=True)), source.facts)}
    graph = source.projection(filters)
    if fmt.startswith("csv"):
        files = neo4j_csv.render(graph)
        return files if fmt == "csv" else {spec.filename: files[spec.filename]}
    writers = {"graphml": graphml.render, "gexf": gexf.render, "cytoscape": cytoscape.render, "nodelink": nodelink.render, "dot": dot.render}
    return {spec.filename: writers[fmt](graph)}


__all__ = ["FORMATS", "Format", "Source", "render"]
