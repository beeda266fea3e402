"""SHACL validation of the compiled graph, with a report grouped by shape.

>>> from nkgraph.loading import load_sources
>>> from nkgraph.compile import compile_graph
>>> sources = load_sources()
>>> report = validate_graph(compile_graph(sources), sources.shapes, sources.ontology)
>>> report.conforms
True
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from pyshacl import validate as shacl_validate

from nkgraph.errors import DataError
from rdflib import RDF, RDFS, Graph, URIRef
from rdflib.namespace import SH
from rdflib.term import Node


@dataclass(frozen=True)
class Violation:
    """One SHACL result, in plain terms."""

    shape: str
    focus: str
    focus_label: str
    path: str | None
    value: str | None
    message: str
    severity: str


@dataclass
class Report:
    """Outcome of validation: ``conforms`` and the violations, grouped by shape in ``text``."""

    conforms: bool
    violations: list[Violation] = field(default_factory=list)

    @property
    def text(self) -> str:
        if self.conforms:
            return "Conforms: no SHACL violations."
        groups: dict[str, list[Violation]] = defaultdict(list)
        for v in self.violations:
            groups[v.shape].append(v)
        lines = [f"{len(self.violations)} SHACL violation(s) in {len(groups)} shape(s):"]
        for shape in sorted(groups):
            items = groups[shape]
            lines.append(f"\n{shape} — {items[0].message} ({len(items)})")
            for v in sorted(items, key=lambda v: (v.focus_label, v.path or "", v.value or "")):
                detail = f"  - {v.focus_label} <{v.focus}>"
                if v.path:
                    detail += f" · {v.path}"
                if v.value:
                    detail += f" = {v.value}"
                if v.message != items[0].message:
                    detail += f" ({v.message})"
                lines.append(detail)
        return "\n".join(lines)


def _short(graph: Graph, node: Node | None) -> str | None:
    if node is None:
        return None
    if isinstance(node, URIRef):
        try:
            return graph.namespace_manager.normalizeUri(node)
        except Exception:  # noqa: BLE001 - rdflib raises several types for unprefixable IRIs
            return str(node)
    return str(node)


def validate_graph(graph: Graph, shapes: Graph, ontology: Graph) -> Report:
    """Validate ``graph`` (with ``ontology`` mixed in for class hierarchy) against ``shapes``."""
    data = Graph()
    for prefix, ns in graph.namespaces():
        data.bind(prefix, ns, override=True)
    data += graph
    data += ontology
    try:
        conforms, results, text = shacl_validate(data, shacl_graph=shapes, inference="none", advanced=True, allow_warnings=True)
    except Exception as err:  # noqa: BLE001 - pySHACL raises many types for broken shapes
        raise DataError(f"the SHACL shapes cannot be applied: {err}", path="ontology/shapes", hint="fix the shapes file (run it through 'nkgraph validate' after each change)") from None
    if not isinstance(results, Graph):
        raise DataError(f"the SHACL shapes cannot be applied: {text}", path="ontology/shapes", hint="fix the shapes file")
    if conforms:
        return Report(True)
    violations = []
    for result in results.subjects(RDF.type, SH.ValidationResult):
        focus = results.value(result, SH.focusNode)
        shape = results.value(result, SH.sourceShape)
        label = graph.value(focus, RDFS.label) or graph.value(focus, URIRef("https://w3id.org/nkgraph/ontology#statement"))
        violations.append(
            Violation(
                shape=_short(data, shape) or "?",
                focus=str(focus),
                focus_label=str(label) if label is not None else _short(data, focus) or "?",
                path=_short(data, results.value(result, SH.resultPath)),
                value=_short(data, results.value(result, SH.value)),
                message=str(results.value(result, SH.resultMessage) or ""),
                severity=_short(data, results.value(result, SH.resultSeverity)) or "",
            )
        )
    return Report(False, violations)
