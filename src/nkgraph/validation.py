"""SHACL validation of the compiled graph, with a report grouped by shape.

pySHACL is the engine (pyrudof was measured and disagrees with it on 17 of our shape fixtures).
Two things make it cheaper without changing its verdict:

* **Shape groups on both cores** (opt-in: ``NKGRAPH_WORKERS=2``). The shapes with targets are split
  into groups of about equal cost and validated in forked processes, each seeing the whole data
  graph and all the shapes but only its group's targets; the union of the results is the result of
  one run. It costs ~30 % more CPU in total, so it pays only when the second core is idle.
* **Cached reports.** With a :class:`~nkgraph.cache.ValidationCache`, a report is stored under the
  SHA-256 of the data's sorted N-Triples, the shapes and the engine version, and reused.

>>> from nkgraph.loading import load_sources
>>> from nkgraph.compile import compile_graph
>>> sources = load_sources()
>>> report = validate_graph(compile_graph(sources), sources.shapes, sources.ontology)
>>> report.conforms
True
"""

from __future__ import annotations

import hashlib
import os
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING

from rdflib import RDF, RDFS, BNode, Graph, URIRef
from rdflib.namespace import SH
from rdflib.term import Node

from nkgraph.errors import DataError

if TYPE_CHECKING:
    from nkgraph.cache import ValidationCache

_TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)


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


def _run_pyshacl(data: Graph, shapes: Graph, labels: Graph) -> tuple[bool, list[Violation]]:
    """One pySHACL run: (conforms, violations)."""
    from pyshacl import validate as shacl_validate  # imported here: 0.3 s that queries never pay

    own = Graph()  # pySHACL adds to the shapes graph it is given: keep the caller's (and the cache key) unchanged
    for prefix, ns in shapes.namespaces():
        own.bind(prefix, ns, override=True)
    own += shapes
    shapes = own
    try:
        conforms, results, text = shacl_validate(data, shacl_graph=shapes, inference="none", advanced=True, allow_warnings=True, inplace=True)
    except Exception as err:  # noqa: BLE001 - pySHACL raises many types for broken shapes
        raise DataError(f"the SHACL shapes cannot be applied: {err}", path="ontology/shapes", hint="fix the shapes file (run it through 'nkgraph validate' after each change)") from None
    if not isinstance(results, Graph):
        raise DataError(f"the SHACL shapes cannot be applied: {text}", path="ontology/shapes", hint="fix the shapes file")
    violations = []
    for result in results.subjects(RDF.type, SH.ValidationResult):
        focus = results.value(result, SH.focusNode)
        shape = results.value(result, SH.sourceShape)
        label = labels.value(focus, RDFS.label) or labels.value(focus, URIRef("https://w3id.org/nkgraph/ontology#statement"))
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
    return bool(conforms), violations


def shapes_digest(shapes: Graph) -> str:
    """A SHA-256 of ``shapes`` that does not depend on blank node labels (each is named by its content)."""
    memo: dict[BNode, str] = {}

    def term(node: Node, depth: int = 0) -> str:
        if not isinstance(node, BNode):
            return node.n3()
        if node not in memo:
            if depth > 50:
                return "_:deep"
            parts = sorted(f"{p.n3()} {term(o, depth + 1)}" for p, o in shapes.predicate_objects(node))
            memo[node] = "_:" + hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()
        return memo[node]

    lines = sorted(f"{term(s)} {p.n3()} {term(o)}" for s, p, o in shapes)
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()


def _shape_groups(data: Graph, shapes: Graph, n: int) -> list[set[Node]]:
    """Split the targeted shapes into ``n`` groups of about equal cost (focus nodes × constraints)."""
    targeted = sorted({s for t in _TARGETS for s in shapes.subjects(t, None)}, key=str)
    if any((s, RDF.type, RDFS.Class) in shapes for s in shapes.subjects(RDF.type, SH.NodeShape)):
        return [set(targeted)]  # implicit class targets: do not split

    def cost(shape: Node) -> int:
        focus = 0
        for cls in shapes.objects(shape, SH.targetClass):
            focus += sum(1 for _ in data.subjects(RDF.type, cls)) + 1
        for node in shapes.objects(shape, SH.targetNode):
            focus += sum(1 for _ in data.subjects(RDF.type, node)) + 1  # class-level SPARQL shapes scan the class
        for pred in list(shapes.objects(shape, SH.targetSubjectsOf)) + list(shapes.objects(shape, SH.targetObjectsOf)):
            focus += sum(1 for _ in data.triples((None, pred, None))) + 1
        constraints = 1 + sum(1 for _ in shapes.objects(shape, SH.property)) + 4 * sum(1 for _ in shapes.objects(shape, SH.sparql))
        return focus * constraints

    groups: list[set[Node]] = [set() for _ in range(n)]
    load = [0] * n
    for shape in sorted(targeted, key=lambda s: (-cost(s), str(s))):
        i = load.index(min(load))
        groups[i].add(shape)
        load[i] += cost(shape)
    return [g for g in groups if g]


def _only_targets_of(shapes: Graph, keep: set[Node]) -> Graph:
    out = Graph()
    for prefix, ns in shapes.namespaces():
        out.bind(prefix, ns, override=True)
    for s, p, o in shapes:
        if p in _TARGETS and s not in keep:
            continue
        out.add((s, p, o))
    return out


_FORK_JOB: tuple[Graph, list[Graph], Graph] | None = None


def _fork_worker(i: int) -> tuple[bool, list[Violation]]:
    assert _FORK_JOB is not None
    data, groups, labels = _FORK_JOB
    return _run_pyshacl(data, groups[i], labels)


def _workers(requested: int | None) -> int:
    if requested is not None:
        return max(1, requested)
    env = os.environ.get("NKGRAPH_WORKERS")
    if env and env.isdigit():
        return max(1, int(env))
    return 1  # measured: a second process costs ~30 % more CPU and only pays on an idle second core


def _validate_parallel(data: Graph, shapes: Graph, labels: Graph, workers: int) -> tuple[bool, list[Violation]]:
    import multiprocessing

    global _FORK_JOB
    groups = _shape_groups(data, shapes, workers)
    if len(groups) < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return _run_pyshacl(data, shapes, labels)
    _FORK_JOB = (data, [_only_targets_of(shapes, g) for g in groups], labels)
    try:
        with multiprocessing.get_context("fork").Pool(len(groups)) as pool:
            parts = pool.map(_fork_worker, range(len(groups)))
    finally:
        _FORK_JOB = None
    return all(c for c, _ in parts), [v for _, vs in parts for v in vs]


def validate_graph(
    graph: Graph,
    shapes: Graph,
    ontology: Graph,
    *,
    cache: ValidationCache | None = None,
    data_digest: str | None = None,
    workers: int | None = None,
) -> Report:
    """Validate ``graph`` (with ``ontology`` mixed in for class hierarchy) against ``shapes``.

    ``cache`` reuses a stored report for the same content; ``data_digest`` is the SHA-256 of the
    sorted N-Triples of ``graph`` ∪ ``ontology`` when the caller has it (the build does); ``workers``
    (default: ``$NKGRAPH_WORKERS`` or 1) is the number of processes the shapes are spread over.
    """
    key = None
    if cache is not None:
        from nkgraph.cache import report_key

        if data_digest is None:
            from nkgraph.serialize import ntriples

            both = Graph()
            both += graph
            both += ontology
            data_digest = hashlib.sha256(ntriples(both).encode("utf-8")).hexdigest()
        key = report_key(data_digest, shapes_digest(shapes))
        hit = cache.get(key)
        if hit is not None:
            return Report(hit["conforms"], [Violation(**v) for v in hit["violations"]])
    data = Graph()
    for prefix, ns in graph.namespaces():
        data.bind(prefix, ns, override=True)
    data += graph
    data += ontology
    n = _workers(workers)
    conforms, violations = _validate_parallel(data, shapes, graph, n) if n > 1 else _run_pyshacl(data, shapes, graph)
    violations.sort(key=lambda v: (v.shape, v.focus, v.path or "", v.value or "", v.message))
    report = Report(True) if conforms else Report(False, violations)
    if cache is not None and key is not None:
        cache.put(key, {"conforms": report.conforms, "violations": [asdict(v) for v in report.violations]})
    return report
