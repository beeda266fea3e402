"""SHACL validation of the compiled graph, with a report grouped by shape.

Two engines give the same results:

* ``engine="fast"`` (the default): :mod:`nkgraph.shacl_engine`, which implements exactly the SHACL
  our shapes use, with pySHACL's semantics, in ~0.3 s instead of ~16 s for the real graph. When the
  shapes use anything it does not implement (or a result would need a message pySHACL generates),
  it says so and this module runs pySHACL for that run instead: never a silently different verdict.
* ``engine="pyshacl"``: pySHACL itself, the reference (pyrudof was measured and disagrees with it
  on 17 of our shape fixtures). ``tests/test_shacl_engine.py`` checks the two agree result by
  result on every fixture, the real build and damaged copies of it.

Two things make pySHACL cheaper without changing its verdict:

* **Shape groups on both cores** (opt-in: ``NKGRAPH_WORKERS=2``). The shapes with targets are split
  into groups of about equal cost and validated in forked processes, each seeing the whole data
  graph and all the shapes but only its group's targets; the union of the results is the result of
  one run. It costs ~30 % more CPU in total, so it pays only when the second core is idle.
* **Cached reports.** With a :class:`~nkgraph.cache.ValidationCache`, a report is stored under the
  SHA-256 of the data's sorted N-Triples, the shapes and the engine (name and version), and reused.

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
from dataclasses import asdict
from typing import TYPE_CHECKING

from rdflib import RDF, RDFS, BNode, Graph, URIRef
from rdflib.namespace import SH
from rdflib.term import Node

from nkgraph.errors import DataError
from nkgraph.report import Report, Violation

if TYPE_CHECKING:
    from nkgraph.cache import ValidationCache

_TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)


def _short(graph: Graph, node: Node | None) -> str | None:
    if node is None:
        return None
    if isinstance(node, URIRef):
        try:
            return graph.namespace_manager.normalizeUri(node)
        except Exception:  # noqa: BLE001 - rdflib raises several types for unprefixable IRIs
            return str(node)
    return str(node)


ENGINES = ("fast", "pyshacl")
_STATEMENT = URIRef("https://w3id.org/nkgraph/ontology#statement")


def _violation(names: Graph, labels: Graph, shape: Node, focus: Node, path: str | None, value: Node | None, messages: list[str], severity: Node) -> Violation:
    label = labels.value(focus, RDFS.label) or labels.value(focus, _STATEMENT)
    return Violation(
        shape=_short(names, shape) or "?",
        focus=str(focus),
        focus_label=str(label) if label is not None else _short(names, focus) or "?",
        path=path,
        value=_short(names, value),
        message=min(messages) if messages else "",
        severity=_short(names, severity) or "",
    )


def _names(graph: Graph) -> Graph:
    """A throwaway graph with ``graph``'s prefixes, to shorten IRIs without touching ``graph``."""
    names = Graph()
    for prefix, ns in graph.namespaces():
        names.bind(prefix, ns, override=True)
    return names


def pyshacl_report(data: Graph, shapes: Graph) -> tuple[bool, Graph]:
    """One pySHACL run with the build's settings: (conforms, results graph). ``data`` is not copied."""
    from pyshacl import validate as shacl_validate  # imported here: 0.3 s that queries never pay

    own = Graph()  # pySHACL adds to the shapes graph it is given: keep the caller's (and the cache key) unchanged
    for prefix, ns in shapes.namespaces():
        own.bind(prefix, ns, override=True)
    own += shapes
    try:
        conforms, results, text = shacl_validate(data, shacl_graph=own, inference="none", advanced=True, allow_warnings=True, inplace=True)
    except Exception as err:  # noqa: BLE001 - pySHACL raises many types for broken shapes
        raise DataError(f"the SHACL shapes cannot be applied: {err}", path="ontology/shapes", hint="fix the shapes file (run it through 'nkgraph validate' after each change)") from None
    if not isinstance(results, Graph):
        raise DataError(f"the SHACL shapes cannot be applied: {text}", path="ontology/shapes", hint="fix the shapes file")
    return bool(conforms), results


def _run_pyshacl(data: Graph, shapes: Graph, labels: Graph) -> tuple[bool, list[Violation]]:
    """One pySHACL run: (conforms, violations)."""
    from nkgraph.shacl_engine import path_text

    conforms, results = pyshacl_report(data, shapes)
    violations = []
    for result in results.subjects(RDF.type, SH.ValidationResult):
        path = path_text(results, results.value(result, SH.resultPath), lambda n: _short(data, n) or "")
        messages = [str(m) for m in results.objects(result, SH.resultMessage)]
        violations.append(_violation(data, labels, results.value(result, SH.sourceShape), results.value(result, SH.focusNode), path, results.value(result, SH.value), messages, results.value(result, SH.resultSeverity)))
    return conforms, violations


_COMPILED: dict[int, tuple[Graph, int, object]] = {}


def compiled_shapes(shapes: Graph):
    """``shapes`` compiled for the fast engine (memoized per graph object and size)."""
    from nkgraph.shacl_engine import compile_shapes

    hit = _COMPILED.get(id(shapes))
    if hit is not None and hit[0] is shapes and hit[1] == len(shapes):
        return hit[2]
    compiled = compile_shapes(shapes)
    if len(_COMPILED) > 8:
        _COMPILED.clear()
    _COMPILED[id(shapes)] = (shapes, len(shapes), compiled)
    return compiled


def _run_fast(data: Graph, shapes: Graph, labels: Graph, store: object = None, extra: Graph | None = None) -> tuple[bool, list[Violation]]:
    """The fast engine on ``data`` ∪ ``extra``: (conforms, violations); raises :class:`~nkgraph.shacl_engine.Unsupported`."""
    from nkgraph.shacl_engine import path_text, validate

    conforms, results = validate(data, compiled_shapes(shapes), allow_warnings=True, store=store, extra=extra)
    if not results:
        return conforms, []
    names = _names(data)
    return conforms, [
        _violation(names, labels, r.shape, r.focus, path_text(shapes, r.path, lambda n: _short(names, n) or ""), r.value, list(r.messages), r.severity)
        for r in results
    ]


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


def _contains(graph: Graph, part: Graph) -> bool:
    """Whether every triple of ``part`` is in ``graph`` (read from the stores' indexes when they are at hand)."""
    from nkgraph.triples import all_triples, memory_indexes

    found = memory_indexes(graph)
    if found is None:
        return all(t in graph for t in part)
    spo, empty = found[0], {}
    return all(o in spo.get(s, empty).get(p, empty) for s, p, o in all_triples(part))


def validate_graph(
    graph: Graph,
    shapes: Graph,
    ontology: Graph,
    *,
    cache: ValidationCache | None = None,
    data_digest: str | None = None,
    workers: int | None = None,
    engine: str = "fast",
    store: object = None,
) -> Report:
    """Validate ``graph`` (with ``ontology`` mixed in for class hierarchy) against ``shapes``.

    ``engine`` is ``"fast"`` (:mod:`nkgraph.shacl_engine`; it falls back to pySHACL for the run
    when the shapes need a feature it lacks) or ``"pyshacl"`` (the reference). ``cache`` reuses a
    stored report for the same content and engine; ``data_digest`` is the SHA-256 of the sorted
    N-Triples of ``graph`` ∪ ``ontology`` when the caller has it (the build does); ``workers``
    (default: ``$NKGRAPH_WORKERS`` or 1) is the number of processes pySHACL's shapes are spread
    over; ``store`` is a pyoxigraph store holding exactly ``graph`` ∪ ``ontology`` (or a function
    returning one, called only if needed), for the fast engine's SPARQL constraints (one is built
    when needed otherwise).
    """
    if engine not in ENGINES:
        raise ValueError(f"unknown SHACL engine {engine!r} (one of {', '.join(ENGINES)})")
    key = None
    if cache is not None:
        from nkgraph.cache import report_key

        if data_digest is None:
            from nkgraph.serialize import ntriples

            both = Graph()
            both += graph
            both += ontology
            data_digest = hashlib.sha256(ntriples(both).encode("utf-8")).hexdigest()
        key = report_key(data_digest, shapes_digest(shapes), engine)
        hit = cache.get(key)
        if hit is not None:
            return Report(hit["conforms"], [Violation(**v) for v in hit["violations"]])
    result = None
    if engine == "fast":
        from nkgraph.shacl_engine import Unsupported

        extra = None if len(ontology) == 0 or _contains(graph, ontology) else ontology  # the build merges it in already
        try:
            result = _run_fast(graph, shapes, graph, store, extra)
        except Unsupported:
            result = None  # pySHACL decides this run
    if result is None:
        data = Graph()
        for prefix, ns in graph.namespaces():
            data.bind(prefix, ns, override=True)
        data += graph
        data += ontology
        n = _workers(workers)
        result = _validate_parallel(data, shapes, graph, n) if n > 1 else _run_pyshacl(data, shapes, graph)
    conforms, violations = result
    violations.sort(key=lambda v: (v.shape, v.focus, v.path or "", v.value or "", v.message))
    report = Report(True) if conforms else Report(False, violations)
    if cache is not None and key is not None:
        cache.put(key, {"conforms": report.conforms, "violations": [asdict(v) for v in report.violations]})
    return report
