"""A fast SHACL engine for the SHACL our shapes use, giving exactly pySHACL's results.

pySHACL spends ~16 s on the real graph, mostly in rdflib's SPARQL engine and in per-node rdflib
calls. This engine reads the data graph's own indexes (or builds two dicts), evaluates the core
constraints in plain Python, and runs the SHACL-SPARQL constraints on pyoxigraph with ``$this``
pre-bound (SEP-0007 substitution, as pySHACL pre-binds it in rdflib). Two of our constraints whose
``FILTER NOT EXISTS`` Oxigraph evaluates slowly are recognised by their exact text and answered
from the indexes (``_NATIVE``), handing back to Oxigraph on any data where SPARQL's comparisons
could differ from Python's. It mirrors pySHACL 0.40's
behaviour where pySHACL departs from the letter of the spec: targets and ``sh:class`` follow
``rdfs:subClassOf`` in the data graph (no inference), ill-typed literals fail ``sh:datatype``,
``sh:lessThan`` compares rdflib terms, results are repeated once per parent shape, and
``allow_warnings`` lets Warning/Info shapes conform.

**Never silently wrong.** :func:`compile_shapes` raises :class:`Unsupported` for anything outside
the implemented subset: an unknown ``sh:`` term (``sh:closed``, ``sh:languageIn``, SHACL-AF rules
and targets, custom constraint components, ...), zero-or-more/one-or-more paths, recursive
shapes, SPARQL with ``$PATH``/``$shapesGraph``/``MINUS``/``VALUES``/``SERVICE``/sub-selects, a
malformed shape; :func:`validate` raises it too when a reported result would need one of
pySHACL's generated messages (a shape without ``sh:message``) or a Python error occurs.
:func:`nkgraph.validation.validate_graph` then runs pySHACL for the whole run instead.

>>> from rdflib import Graph
>>> shapes = Graph().parse(data='''@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .
... ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:property ex:P .
... ex:P sh:path ex:name ; sh:minCount 1 ; sh:message "needs a name" .''', format="turtle")
>>> data = Graph().parse(data='<http://example.org/a> a <http://example.org/C> .', format="turtle")
>>> conforms, results = validate(data, compile_shapes(shapes))
>>> conforms, [(str(r.focus), r.messages) for r in results]
(False, [('http://example.org/a', ('needs a name',))])
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any, Callable, Iterable

from rdflib import RDF, RDFS, BNode, Graph, Literal, URIRef
from rdflib.namespace import OWL, SH, XSD
from rdflib.term import Node

from nkgraph.prefixes import prefix_lines

__all__ = ["Unsupported", "Result", "CompiledShapes", "compile_shapes", "validate", "path_key"]

_ALLOWED_UNDER_WARNINGS = frozenset({SH.Info, SH.Warning})
_RDF_LANGSTRING = RDF.langString

#: Every ``sh:`` term the engine understands (constraints it implements and inert annotations).
_SUPPORTED_SH = {
    SH[t]
    for t in (
        "NodeShape PropertyShape SPARQLConstraint IRI Literal BlankNode BlankNodeOrIRI IRIOrLiteral BlankNodeOrLiteral "
        "Violation Warning Info targetClass targetNode targetSubjectsOf targetObjectsOf property path inversePath "
        "alternativePath class datatype nodeKind minCount maxCount minInclusive maxInclusive minExclusive maxExclusive "
        "minLength maxLength pattern flags equals disjoint lessThan lessThanOrEquals not and or xone node "
        "qualifiedValueShape qualifiedMinCount qualifiedMaxCount qualifiedValueShapesDisjoint hasValue in message "
        "severity name description group order deactivated sparql select prefixes declare prefix namespace"
    ).split()
}

#: pySHACL's constraint parameters (any of them on a shape selects a constraint component).
_PARAMETERS = {
    SH["class"]: "class", SH.datatype: "datatype", SH.nodeKind: "nodeKind", SH.minCount: "minCount",
    SH.maxCount: "maxCount", SH.minExclusive: "minExclusive", SH.minInclusive: "minInclusive",
    SH.maxExclusive: "maxExclusive", SH.maxInclusive: "maxInclusive", SH["not"]: "not", SH["and"]: "and",
    SH["or"]: "or", SH.xone: "xone", SH.minLength: "minLength", SH.maxLength: "maxLength", SH.pattern: "pattern",
    SH.languageIn: "languageIn", SH.uniqueLang: "uniqueLang", SH.equals: "equals", SH.disjoint: "disjoint",
    SH.lessThan: "lessThan", SH.lessThanOrEquals: "lessThanOrEquals", SH.node: "node", SH.property: "property",
    SH.qualifiedValueShape: "qualified", SH.qualifiedMinCount: "qualified", SH.qualifiedMaxCount: "qualified",
    SH.qualifiedValueShapesDisjoint: "qualified", SH.closed: "closed", SH.ignoredProperties: "closed",
    SH.hasValue: "hasValue", SH["in"]: "in", SH.sparql: "sparql",
}

_COMPONENT = {
    "class": SH.ClassConstraintComponent, "datatype": SH.DatatypeConstraintComponent,
    "nodeKind": SH.NodeKindConstraintComponent, "minCount": SH.MinCountConstraintComponent,
    "maxCount": SH.MaxCountConstraintComponent, "minExclusive": SH.MinExclusiveConstraintComponent,
    "minInclusive": SH.MinInclusiveConstraintComponent, "maxExclusive": SH.MaxExclusiveConstraintComponent,
    "maxInclusive": SH.MaxInclusiveConstraintComponent, "not": SH.NotConstraintComponent,
    "and": SH.AndConstraintComponent, "or": SH.OrConstraintComponent, "xone": SH.XoneConstraintComponent,
    "minLength": SH.MinLengthConstraintComponent, "maxLength": SH.MaxLengthConstraintComponent,
    "pattern": SH.PatternConstraintComponent, "equals": SH.EqualsConstraintComponent,
    "disjoint": SH.DisjointConstraintComponent, "lessThan": SH.LessThanConstraintComponent,
    "lessThanOrEquals": SH.LessThanOrEqualsConstraintComponent, "node": SH.NodeConstraintComponent,
    "hasValue": SH.HasValueConstraintComponent, "in": SH.InConstraintComponent,
    "sparql": SH.SPARQLConstraintComponent,
}

_WHOLE_INTEGERS = {XSD[t] for t in ("integer", "nonNegativeInteger", "positiveInteger", "negativeInteger", "nonPositiveInteger", "long", "int", "short", "byte", "unsignedLong", "unsignedInt", "unsignedShort", "unsignedByte")}


class Unsupported(Exception):
    """The shapes (or a result) need something this engine does not implement: use pySHACL."""


@dataclass(frozen=True)
class Result:
    """One validation result, with the fields of pySHACL's ``sh:ValidationResult``.

    ``path`` is the shapes-graph node of ``sh:resultPath`` (compare with :func:`path_key`);
    ``messages`` are the ``sh:resultMessage`` texts, sorted.
    """

    focus: Node
    shape: Node
    path: Node | None
    value: Node | None
    severity: Node
    messages: tuple[str, ...]
    component: URIRef


# --- paths --------------------------------------------------------------------------------------


def path_key(graph: Graph, node: Node | None, _depth: int = 0) -> Any:
    """A hashable description of the SHACL path ``node`` in ``graph`` (blank node labels do not matter).

    >>> path_key(Graph(), URIRef("http://example.org/p"))
    rdflib.term.URIRef('http://example.org/p')
    """
    if node is None or not isinstance(node, BNode) or _depth > 20:
        return node
    first = graph.value(node, RDF.first)
    if first is not None:
        items = []
        while node is not None and node != RDF.nil and len(items) < 100:
            items.append(path_key(graph, graph.value(node, RDF.first), _depth + 1))
            node = graph.value(node, RDF.rest)
        return ("seq", tuple(items))
    for kind, pred in (("inv", SH.inversePath), ("*", SH.zeroOrMorePath), ("+", SH.oneOrMorePath), ("?", SH.zeroOrOnePath)):
        inner = graph.value(node, pred)
        if inner is not None:
            return (kind, path_key(graph, inner, _depth + 1))
    alt = graph.value(node, SH.alternativePath)
    if alt is not None:
        return ("alt", tuple(path_key(graph, i, _depth + 1) for i in graph.items(alt)))
    return ("bnode", str(node))


def path_text(graph: Graph, node: Node | None, name: Callable[[Node], str]) -> str | None:
    """A SPARQL-like rendering of the SHACL path ``node`` (``^p``, ``a/b``, ``a|b``), names from ``name``.

    >>> g = Graph().parse(data="[] <http://www.w3.org/ns/shacl#inversePath> <http://e/p> .", format="turtle")
    >>> path_text(g, next(iter(g.subjects())), str)
    '^http://e/p'
    """
    if node is None:
        return None
    key = path_key(graph, node)

    def text(k: Any, top: bool) -> str:
        if not isinstance(k, tuple):
            return name(k)
        kind, inner = k
        if kind == "seq":
            out = "/".join(text(i, False) for i in inner)
        elif kind == "alt":
            out = "|".join(text(i, False) for i in inner)
        elif kind == "inv":
            return "^" + text(inner, False)
        elif kind in ("*", "+", "?"):
            return text(inner, False) + kind
        else:
            return str(inner)
        return out if top else f"({out})"

    return text(key, True)


# --- compiled shapes ----------------------------------------------------------------------------


class _Shape:
    __slots__ = ("node", "is_property", "path", "path_node", "deactivated", "severity", "messages", "constraints", "target_nodes", "target_classes", "subjects_of", "objects_of")

    def __init__(self, node: Node) -> None:
        self.node = node
        self.is_property = False
        self.path: Any = None
        self.path_node: Node | None = None
        self.deactivated = False
        self.severity: Node = SH.Violation
        self.messages: list[Literal] = []
        self.constraints: list[tuple[str, Any]] = []
        self.target_nodes: list[Node] = []
        self.target_classes: list[Node] = []
        self.subjects_of: list[Node] = []
        self.objects_of: list[Node] = []


@dataclass
class _Sparql:
    node: Node
    query: str
    messages: list[Literal]
    bind_current_shape: bool


class CompiledShapes:
    """The shapes graph turned into plain Python objects, ready for :func:`validate` (reusable)."""

    def __init__(self, shapes: dict[Node, _Shape]) -> None:
        self.shapes = shapes
        self.order = sorted(shapes, key=lambda n: (isinstance(n, BNode), str(n)))
        self.needs_sparql = any(kind == "sparql" for s in shapes.values() for kind, _ in s.constraints)


def _one(graph: Graph, node: Node, pred: URIRef, what: str) -> Node | None:
    values = list(graph.objects(node, pred))
    if len(values) > 1:
        raise Unsupported(f"{node} has several {what}")
    return values[0] if values else None


def _items(graph: Graph, head: Node) -> list[Node]:
    items = list(graph.items(head))
    if not items:
        raise Unsupported(f"empty or malformed RDF list {head}")
    return items


def _compile_path(graph: Graph, node: Node, depth: int = 0) -> Any:
    """pySHACL's reading of a path: ('p', iri) | ('seq', first, rest|None) | ('inv', p) | ('alt', [p...])."""
    if depth > 8:
        raise Unsupported("path too deep")
    if isinstance(node, URIRef):
        return ("p", node)
    if not isinstance(node, BNode):
        raise Unsupported(f"path {node} is a literal")
    firsts = list(graph.objects(node, RDF.first))
    if firsts:
        rests = list(graph.objects(node, RDF.rest))
        if len(firsts) > 1 or len(rests) != 1:
            raise Unsupported("malformed path list")
        rest = rests[0]
        if rest == RDF.nil:
            if depth == 0:
                raise Unsupported("a path list needs two items")
            return ("seq", _compile_path(graph, firsts[0], depth + 1), None)
        return ("seq", _compile_path(graph, firsts[0], depth + 1), _compile_path(graph, rest, depth + 1))
    inv = list(graph.objects(node, SH.inversePath))
    if inv:
        return ("inv", _compile_path(graph, inv[0], depth + 1))
    alts = list(graph.objects(node, SH.alternativePath))
    if alts:
        items = _items(graph, alts[0])
        if len(items) < 2:
            raise Unsupported("alternative path needs two items")
        return ("alt", [_compile_path(graph, i, depth + 1) for i in items])
    raise Unsupported(f"path {node} is not supported (zero-or-more, one-or-more, zero-or-one)")


_SPARQL_FORBIDDEN = re.compile(r"\b(MINUS|VALUES|SERVICE)\b|\$PATH|\?PATH|[$?]shapesGraph|\bAS\s*[$?](this|value|currentShape|shapesGraph)\b", re.I)
_BINDS_THIS = re.compile(r"[\s{}()][$?]this")
_BINDS_SHAPE = re.compile(r"[\s{}()][$?]currentShape")


def _prefix_block(graph: Graph, constraint: Node) -> str:
    """PREFIX lines as pySHACL builds them: rdf, rdfs, owl, then the sh:prefixes declarations."""
    prefixes: dict[str, str] = {"rdf": str(RDF), "rdfs": str(RDFS), "owl": str(OWL)}
    holders = list(graph.objects(constraint, SH.prefixes))
    if holders:
        onts = set(graph.subjects(RDF.type, OWL.Ontology))
        graph_declares = set(graph.objects(graph.identifier, SH.declare)) if graph.identifier else set()
        global_declares = set(graph_declares)
        for o in onts:
            global_declares |= set(graph.objects(o, SH.declare))
        seen: dict[str, str] = {}
        for holder in holders:
            own = set(graph.objects(holder, SH.declare))
            declares = own | graph_declares if own and holder in onts else global_declares | own
            for dec in declares:
                prefix, ns = _one(graph, dec, SH.prefix, "sh:prefix"), _one(graph, dec, SH.namespace, "sh:namespace")
                if not isinstance(prefix, Literal) or not isinstance(prefix.value, str) or not isinstance(ns, Literal):
                    raise Unsupported("malformed sh:declare")
                if ns.datatype != XSD.anyURI and not isinstance(ns.value, str):
                    raise Unsupported("malformed sh:namespace")
                p, n = str(prefix.value), str(ns.value)
                if seen.get(p, n) != n:
                    raise Unsupported(f"prefix {p} declared twice")
                seen[p] = n
        prefixes.update(seen)
    return prefix_lines(prefixes.items())


def compile_shapes(shapes: Graph) -> CompiledShapes:
    """Read ``shapes`` as pySHACL does; raise :class:`Unsupported` for anything this engine lacks."""
    from nkgraph.triples import all_triples

    g = shapes
    sh = str(SH)
    for triple in all_triples(g):
        for term in triple:
            if isinstance(term, URIRef) and term.startswith(sh) and term not in _SUPPORTED_SH:
                raise Unsupported(f"{term} is not implemented by the fast engine")
    node_shapes = set(g.subjects(RDF.type, SH.NodeShape))
    prop_shapes = set(g.subjects(RDF.type, SH.PropertyShape))
    if node_shapes & prop_shapes or any((s, SH.path, None) in g for s in node_shapes):
        raise Unsupported("a shape is both a node shape and a property shape")
    subject_shapes = {s for p in (SH.targetClass, SH.targetNode, SH.targetObjectsOf, SH.targetSubjectsOf, SH.property, SH.node) for s in g.subjects(p, None)}
    expected = {o for p in (SH.property, SH.node, SH["not"], SH.qualifiedValueShape) for o in g.objects(None, p)}
    for p in (SH["and"], SH["or"], SH.xone):
        for head in g.objects(None, p):
            expected |= set(_items(g, head))
    all_nodes = node_shapes | prop_shapes | subject_shapes | expected
    compiled: dict[Node, _Shape] = {}
    class_types = {RDFS.Class, OWL.Class} | set(g.subjects(RDFS.subClassOf, RDFS.Class))
    for node in all_nodes:
        if isinstance(node, Literal):
            raise Unsupported("a literal used as a shape")
        s = _Shape(node)
        paths = list(g.objects(node, SH.path))
        if node in prop_shapes or (node not in node_shapes and paths):
            if len(paths) != 1:
                raise Unsupported(f"property shape {node} needs exactly one sh:path")
            s.is_property, s.path_node, s.path = True, paths[0], _compile_path(g, paths[0])
        deact = _one(g, node, SH.deactivated, "sh:deactivated")
        if deact is not None:
            if not isinstance(deact, Literal):
                raise Unsupported("sh:deactivated must be a literal")
            s.deactivated = bool(deact.value)
        severities = list(g.objects(node, SH.severity))
        if len(severities) > 1:
            raise Unsupported("several sh:severity")
        if severities:
            s.severity = severities[0]
        s.messages = list(set(g.objects(node, SH.message)))
        s.target_nodes = list(g.objects(node, SH.targetNode))
        s.target_classes = list(g.objects(node, SH.targetClass))
        if any(t in class_types for t in g.objects(node, RDF.type)):
            s.target_classes.append(node)  # implicit class target
        s.subjects_of = list(g.objects(node, SH.targetSubjectsOf))
        s.objects_of = list(g.objects(node, SH.targetObjectsOf))
        kinds: list[str] = []
        for p in g.predicates(node, None):
            kind = _PARAMETERS.get(p)
            if kind is not None and kind not in kinds:
                kinds.append(kind)
        for kind in kinds:
            s.constraints.append((kind, _compile_constraint(g, s, kind)))
        compiled[node] = s
    key = {n: n for n in compiled}  # references point at the dict's own key objects (identity lookups)

    def ref(r: Node, kind: str) -> Node:
        if r not in key:
            raise Unsupported(f"{r} is not a shape")
        r = key[r]
        if kind == "property" and not compiled[r].is_property:
            raise Unsupported(f"{r} is not a property shape")
        if kind == "node" and compiled[r].is_property:
            raise Unsupported(f"{r} is not a node shape")
        return r

    for s in compiled.values():
        for i, (kind, params) in enumerate(s.constraints):
            if kind in ("property", "node", "not"):
                params = [ref(r, kind) for r in params]
            elif kind in ("or", "and", "xone"):
                params = [[ref(m, kind) for m in members] for members in params]
            elif kind == "qualified":
                params = dict(params, shapes=[ref(r, kind) for r in params["shapes"]], siblings=[ref(r, kind) for r in params["siblings"]])
            s.constraints[i] = (kind, params)
    _refuse_recursion(compiled)
    return CompiledShapes(compiled)


def _refs(shape: _Shape) -> list[Node]:
    out: list[Node] = []
    for kind, params in shape.constraints:
        if kind in ("property", "node", "not"):
            out += params
        elif kind in ("or", "and", "xone"):
            out += [m for lst in params for m in lst]
        elif kind == "qualified":
            out += list(params["shapes"]) + list(params["siblings"])
    return out


def _refuse_recursion(compiled: dict[Node, _Shape]) -> None:
    state: dict[Node, int] = {}

    def visit(n: Node) -> None:
        state[n] = 1
        for r in _refs(compiled[n]):
            if state.get(r) == 1:
                raise Unsupported(f"recursive shapes through {r}")
            if r not in state:
                visit(r)
        state[n] = 2

    for n in compiled:
        if n not in state:
            visit(n)


def _literal_int(node: Node | None, what: str) -> int:
    if not isinstance(node, Literal) or not isinstance(node.value, int) or isinstance(node.value, bool):
        raise Unsupported(f"{what} must be an integer literal")
    return node.value


def _compile_constraint(g: Graph, s: _Shape, kind: str) -> Any:
    node = s.node
    objs = lambda p: list(g.objects(node, p))  # noqa: E731
    if kind == "class":
        return objs(SH["class"])
    if kind in ("datatype", "nodeKind"):
        values = objs(SH[kind])
        if len(values) != 1:
            raise Unsupported(f"several sh:{kind}")
        if kind == "nodeKind" and values[0] not in {SH.IRI, SH.Literal, SH.BlankNode, SH.BlankNodeOrIRI, SH.IRIOrLiteral, SH.BlankNodeOrLiteral}:
            raise Unsupported("unknown sh:nodeKind")
        return values[0]
    if kind in ("minCount", "maxCount"):
        values = objs(SH[kind])
        if len(values) != 1 or not isinstance(values[0], Literal):
            raise Unsupported(f"sh:{kind} must be one literal")
        try:
            return int(values[0].value)
        except (TypeError, ValueError):
            raise Unsupported(f"sh:{kind} is not a number") from None
    if kind in ("minExclusive", "minInclusive", "maxExclusive", "maxInclusive"):
        values = objs(SH[kind])
        if not all(isinstance(v, Literal) for v in values):
            raise Unsupported(f"sh:{kind} must be a literal")
        return values
    if kind in ("minLength", "maxLength"):
        values = objs(SH[kind])
        if len(values) != 1:
            raise Unsupported(f"several sh:{kind}")
        v = values[0]
        if not isinstance(v, Literal) or getattr(v, "ill_typed", False) or v.datatype not in _WHOLE_INTEGERS or v.value < 0:
            raise Unsupported(f"sh:{kind} must be a non-negative integer")
        return v.value
    if kind == "pattern":
        patterns = objs(SH.pattern)
        if not all(isinstance(p, Literal) for p in patterns):
            raise Unsupported("sh:pattern must be a literal")
        flags = list(g.objects(node, SH.flags))
        re_flags = 0
        if flags:
            text = str(flags[0].value).lower() if isinstance(flags[0], Literal) else ""
            if len(set(flags)) > 1:
                raise Unsupported("several sh:flags")
            re_flags = (re.I if "i" in text else 0) | (re.M if "m" in text else 0)
        return [re.compile(str(p.value) if p.value is not None and len(p.value) > 1 else str(p), re_flags) for p in patterns]
    if kind in ("equals", "disjoint", "lessThan", "lessThanOrEquals"):
        values = objs(SH[kind])
        if not all(isinstance(v, URIRef) for v in values):
            raise Unsupported(f"sh:{kind} must be an IRI")
        if kind.startswith("less") and not s.is_property:
            raise Unsupported(f"sh:{kind} on a node shape")
        return values
    if kind in ("property", "node", "not"):
        return objs(SH[kind])
    if kind in ("or", "and", "xone"):
        lists = [_items(g, head) for head in objs(SH[kind])]
        return [list(dict.fromkeys(items)) if kind != "xone" else items for items in lists]
    if kind == "qualified":
        if not s.is_property:
            raise Unsupported("qualified value shape on a node shape")  # pySHACL ignores it with a warning
        shapes = list(dict.fromkeys(objs(SH.qualifiedValueShape)))
        if not shapes:
            raise Unsupported("sh:qualifiedMinCount without sh:qualifiedValueShape")
        mins, maxs = objs(SH.qualifiedMinCount), objs(SH.qualifiedMaxCount)
        if len(set(mins)) > 1 or len(set(maxs)) > 1 or not (mins or maxs):
            raise Unsupported("malformed qualified counts")
        disjoint = any(isinstance(d, Literal) and isinstance(d.value, bool) and d.value for d in objs(SH.qualifiedValueShapesDisjoint))
        siblings: list[Node] = []
        if disjoint:
            for parent in g.subjects(SH.property, node):
                for sib_prop in g.objects(parent, SH.property):
                    for sib in g.objects(sib_prop, SH.qualifiedValueShape):
                        if sib not in siblings:
                            siblings.append(sib)
        return {
            "shapes": shapes,
            "min": _literal_int(mins[0], "sh:qualifiedMinCount") if mins else None,
            "max": _literal_int(maxs[0], "sh:qualifiedMaxCount") if maxs else None,
            "disjoint": disjoint,
            "siblings": siblings,
        }
    if kind == "hasValue":
        return list(set(objs(SH.hasValue)))
    if kind == "in":
        heads = objs(SH["in"])
        if len(heads) != 1:
            raise Unsupported("several sh:in")
        return set(g.items(heads[0]))
    if kind == "sparql":
        out = []
        for c in set(objs(SH.sparql)):
            selects = list(g.objects(c, SH.select))
            if len(selects) != 1 or not isinstance(selects[0], Literal) or not isinstance(selects[0].value, str):
                raise Unsupported("sh:sparql needs one sh:select string")
            text = selects[0].value
            if _SPARQL_FORBIDDEN.search(text) or len(re.findall(r"\bSELECT\b", text, re.I)) != 1 or not _BINDS_THIS.search(text):
                raise Unsupported("a SPARQL constraint outside the supported form")
            if (c, SH.ask, None) in g:
                raise Unsupported("ASK constraints")
            msgs = list(g.objects(c, SH.message))
            if msgs and not all(isinstance(m, Literal) and isinstance(m.value, str) for m in msgs):
                raise Unsupported("sh:message of a SPARQL constraint must be a string")
            deact = list(g.objects(c, SH.deactivated))
            if deact:
                if not isinstance(deact[0], Literal) or not isinstance(deact[0].value, bool):
                    raise Unsupported("malformed sh:deactivated")
                if deact[0].value:
                    continue
            out.append(_Sparql(c, _prefix_block(g, c) + "\n" + text, msgs, bool(_BINDS_SHAPE.search(text))))
        return out
    raise Unsupported(f"constraint sh:{kind} is not implemented by the fast engine")


# --- the data -----------------------------------------------------------------------------------


class _Data:
    """Read access to the data graph: objects of (s, p), subjects of (p, o), and (s, o) of p."""

    def __init__(self, graph: Graph, extra: Graph | None = None) -> None:
        from nkgraph.triples import all_triples, memory_indexes

        found = memory_indexes(graph)
        if found is not None:
            self.spo, self.pos = found
        else:  # any other store: build the two indexes once
            self.spo, self.pos = {}, {}
            for s, p, o in graph.triples((None, None, None)):
                self.spo.setdefault(s, {}).setdefault(p, {})[o] = 1
                self.pos.setdefault(p, {}).setdefault(o, {})[s] = 1
        if extra is not None and len(extra):  # graph ∪ extra, copying only the entries extra touches
            spo, pos = dict(self.spo), dict(self.pos)
            copied_s: set[Node] = set()
            copied_p: set[Node] = set()
            for s, p, o in all_triples(extra):
                if s not in copied_s:
                    spo[s] = {k: dict(v) for k, v in spo.get(s, {}).items()}
                    copied_s.add(s)
                spo[s].setdefault(p, {})[o] = 1
                if p not in copied_p:
                    pos[p] = {k: dict(v) for k, v in pos.get(p, {}).items()}
                    copied_p.add(p)
                pos[p].setdefault(o, {})[s] = 1
            self.spo, self.pos = spo, pos
        self._subclasses: dict[Node, list[Node]] = {}
        self._canon = {str(p): p for p in self.pos}

    def canon(self, p: Node) -> Node:
        """The data's own object for predicate ``p`` (dict lookups then succeed on identity, not rdflib's __eq__)."""
        return self._canon.get(str(p), p) if isinstance(p, URIRef) else p

    def objects(self, s: Node, p: Node) -> Iterable[Node]:
        d = self.spo.get(s)
        if d is None:
            return ()
        return d.get(p, ())

    def subjects(self, p: Node, o: Node) -> Iterable[Node]:
        d = self.pos.get(p)
        if d is None:
            return ()
        return d.get(o, ())

    def subject_objects(self, p: Node) -> Iterable[tuple[Node, Node]]:
        for o, subjects in self.pos.get(p, {}).items():
            for s in subjects:
                yield s, o

    def subclasses(self, cls: Node) -> list[Node]:
        """``cls`` and every class below it by rdfs:subClassOf (rdflib's transitive_subjects)."""
        found = self._subclasses.get(cls)
        if found is None:
            found, todo, seen = [], [cls], {cls}
            sub_p = self.canon(RDFS.subClassOf)
            while todo:
                c = todo.pop()
                found.append(c)
                for sub in self.subjects(sub_p, c):
                    if sub not in seen:
                        seen.add(sub)
                        todo.append(sub)
            self._subclasses[cls] = found
        return found

    def below(self, t: Node, cls: Node) -> bool:
        """Whether ``cls`` is a strict superclass of ``t`` by rdfs:subClassOf (rdflib's transitive_objects)."""
        sub_p = self.canon(RDFS.subClassOf)
        seen, todo = {t}, [t]
        while todo:
            c = todo.pop()
            for sup in self.objects(c, sub_p):
                if _same(sup, cls):
                    return True
                if sup not in seen:
                    seen.add(sup)
                    todo.append(sup)
        return False


# --- SPARQL on pyoxigraph -----------------------------------------------------------------------

_XSD_STRING = str(XSD.string)


def _to_ox(term: Node) -> Any:
    import pyoxigraph as ox

    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise Unsupported(f"cannot hand {term!r} to Oxigraph")


def _from_ox(term: Any) -> Node:
    import pyoxigraph as ox

    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        dt = term.datatype.value
        return Literal(term.value) if dt == _XSD_STRING else Literal(term.value, datatype=URIRef(dt))
    raise Unsupported(f"cannot read {term!r} from Oxigraph")


def store_of(graph: Graph) -> Any:
    """An in-memory Oxigraph store holding the triples of ``graph``.

    >>> len(store_of(Graph().parse(data="<http://e/a> <http://e/p> _:b .", format="turtle")))
    1

    Without blank nodes the triples go through N-Triples text (Oxigraph parses it faster than
    Python builds its terms); blank nodes keep their labels only when built term by term.
    """
    import pyoxigraph as ox

    from nkgraph.serialize import _nt_term, _Unsupported
    from nkgraph.triples import all_triples

    written: dict[int, str] = {}
    get = written.get
    rows: list[str] | None = []
    try:
        for s, p, o in all_triples(graph):
            if type(s) is BNode or type(o) is BNode:
                rows = None
                break
            rows.append(f"{get(id(s)) or _nt_term(s, written)} {get(id(p)) or _nt_term(p, written)} {get(id(o)) or _nt_term(o, written)} .\n")
    except _Unsupported:
        rows = None
    store = ox.Store()
    if rows is not None:
        try:
            store.load("".join(rows).encode("utf-8"), format=ox.RdfFormat.N_TRIPLES)
            return store
        except (SyntaxError, ValueError):
            store = ox.Store()
    cache: dict[Node, Any] = {}

    def conv(t: Node) -> Any:
        c = cache.get(t)
        if c is None:
            c = cache[t] = _to_ox(t)
        return c

    try:
        store.extend([ox.Quad(conv(s), conv(p), conv(o)) for s, p, o in all_triples(graph)])
    except ValueError as err:
        raise Unsupported(f"Oxigraph refuses a term of the data: {err}") from None
    return store


# --- evaluation ---------------------------------------------------------------------------------


class _Validator:
    def __init__(self, data: _Data, compiled: CompiledShapes, allow_warnings: bool, store: Callable[[], Any]) -> None:
        self.data = data
        self.shapes = compiled.shapes
        self.allow_warnings = allow_warnings
        self._store_factory = store
        self._store: Any = None
        self.type_p = data.canon(RDF.type)
        self.methods = {kind: getattr(self, "c_" + kind) for kind in _COMPONENT.keys() | {"property", "qualified", "closed"} if hasattr(self, "c_" + kind)}
        self.plans: dict[Node, tuple] = {}
        for node, shape in self.shapes.items():
            self.plans[node] = self._plan(shape)

    def _plan(self, shape: _Shape) -> tuple:
        """(path with the data's own predicate objects, [(kind, params, tests)], simple node-shape tests or None, allow_conform)."""
        steps = []
        simple: list[Callable[[Node], bool]] | None = [] if not shape.is_property else None
        for kind, params in shape.constraints:
            tests = self._tests(kind, params)
            steps.append((kind, params, tests))
            if simple is not None:
                if tests is None:
                    simple = None
                else:
                    simple += tests
        allow_conform = self.allow_warnings and shape.severity in _ALLOWED_UNDER_WARNINGS
        path = self._canon_path(shape.path) if shape.is_property else None
        return path, steps, simple, allow_conform

    def _canon_path(self, path: Any) -> Any:
        kind = path[0]
        if kind == "p":
            return ("p", self.data.canon(path[1]))
        if kind == "seq":
            return ("seq", self._canon_path(path[1]), None if path[2] is None else self._canon_path(path[2]))
        if kind == "inv":
            return ("inv", self._canon_path(path[1]))
        return ("alt", [self._canon_path(p) for p in path[1]])

    def _tests(self, kind: str, params: Any) -> list[Callable[[Node], bool]] | None:
        """Per-value tests (True: the value conforms), one per rule, for the value-level constraints."""
        if kind == "class":
            return [self._class_test(c) for c in params]
        if kind == "datatype":
            return [_datatype_test(params)]
        if kind == "nodeKind":
            return [_NODE_KIND_TESTS[params]]
        if kind in ("minExclusive", "minInclusive", "maxExclusive", "maxInclusive"):
            return [_range_test(b, _RANGE_ACCEPT[kind]) for b in params]
        if kind == "minLength":
            n = params
            return [lambda v: True] if n == 0 else [lambda v: not _is_bnode(v) and len(_string_of(v)) >= n]
        if kind == "maxLength":
            n = params
            return [lambda v: not _is_bnode(v) and len(_string_of(v)) <= n]
        if kind == "pattern":
            return [(lambda rx: lambda v: not _is_bnode(v) and rx.search(_string_of(v)) is not None)(rx) for rx in params]
        if kind == "in":
            allowed = params
            return [lambda v: v in allowed]
        return None

    def _class_test(self, cls: Node) -> Callable[[Node], bool]:
        data = self.data
        cache: dict[Node, bool] = {}
        type_p = self.type_p

        def test(v: Node) -> bool:
            if _is_literal(v):
                return False
            for t in data.objects(v, type_p):
                hit = cache.get(t)
                if hit is None:
                    hit = cache[t] = _same(t, cls) or data.below(t, cls)
                if hit:
                    return True
            return False

        return test

    def store(self) -> Any:
        if self._store is None:
            self._store = self._store_factory()
        return self._store

    # results

    def result(self, shape: _Shape, focus: Node, value: Node | None, kind: str, *, component: URIRef | None = None, path: Node | None = None, extra: list[Literal] | None = None, bound: Any = None) -> Result:
        messages = list(shape.messages)
        texts: list[str] = []
        if extra:
            for m in extra:
                if m in messages:
                    continue
                texts.append(_format(str(m.value), bound) if isinstance(m, Literal) and bound is not None else str(m))
        elif not messages:
            texts = [_GENERIC]  # pySHACL would generate one: refused if this result is reported
        for m in messages:
            texts.append(_format(str(m.value), bound) if isinstance(m, Literal) and bound is not None else str(m))
        if path is None and shape.is_property:
            path = shape.path_node
        return Result(focus, shape.node, path, value, shape.severity, tuple(sorted(texts)), component or _COMPONENT[kind])

    # shapes

    def follow(self, path: Any, focus: Node, inverse: bool) -> set[Node]:
        kind = path[0]
        if kind == "p":
            return set(self.data.subjects(path[1], focus) if inverse else self.data.objects(focus, path[1]))
        if kind == "seq":
            here = self.follow(path[1], focus, inverse)
            if path[2] is None:
                return here
            out: set[Node] = set()
            for n in here:
                out |= self.follow(path[2], n, inverse)
            return out
        if kind == "inv":
            return self.follow(path[1], focus, not inverse)
        out = set()
        for alt in path[1]:
            out |= self.follow(alt, focus, inverse)
        return out

    def targets(self, shape: _Shape) -> list[Node]:
        found: dict[Node, None] = dict.fromkeys(shape.target_nodes)
        data = self.data
        for cls in shape.target_classes:
            for c in data.subclasses(cls):
                found.update(dict.fromkeys(data.subjects(self.type_p, c)))
        for p in shape.subjects_of:
            found.update(dict.fromkeys(s for s, _ in data.subject_objects(data.canon(p))))
        for p in shape.objects_of:
            found.update(dict.fromkeys(o for _, o in data.subject_objects(data.canon(p))))
        return list(found)

    def validate_shape(self, shape: _Shape, focus_list: Iterable[Node]) -> tuple[bool, list[Result]]:
        if shape.deactivated:
            return True, []
        path, steps, _simple, allow_conform = self.plans[shape.node]
        if path is None:
            fvn = {f: {f} for f in focus_list}
        else:
            data = self.data
            if path[0] == "p":
                p = path[1]
                fvn = {}
                for f in focus_list:
                    d = data.spo.get(f)
                    fvn[f] = set(d.get(p, ())) if d is not None else set()
            else:
                fvn = {f: self.follow(path, f, False) for f in focus_list}
        if not fvn:
            return True, []
        filter_reports = self.allow_warnings and not allow_conform
        non_conformant = False
        reports: list[Result] = []
        for kind, params, tests in steps:
            if tests is not None:
                found = [self.result(shape, f, v, kind) for test in tests for f, values in fvn.items() for v in values if not test(v)]
                ok = not found
            else:
                ok, found = self.methods[kind](shape, params, fvn)
            if ok or allow_conform:
                pass
            elif filter_reports:
                non_conformant = non_conformant or any(r.severity not in _ALLOWED_UNDER_WARNINGS for r in found)
            else:
                non_conformant = True
            reports.extend(found)
        return not non_conformant, reports

    def conforms(self, shape_node: Node, focus: Node) -> bool:
        shape = self.shapes[shape_node]
        if shape.deactivated:
            return True
        plan = self.plans[shape_node]
        simple = plan[2]
        if simple is not None:  # a node shape of value-level constraints: no result objects needed
            if plan[3]:
                return True
            for test in simple:
                if not test(focus):
                    return False
            return True
        return self.validate_shape(shape, [focus])[0]

    # constraint components that are not per-value tests: each returns (conforms, results)

    def c_minCount(self, shape: _Shape, n: int, fvn: dict) -> tuple[bool, list[Result]]:
        if n == 0:
            return True, []
        reports = [self.result(shape, f, None, "minCount") for f, values in fvn.items() if not len(values) >= n]
        return not reports, reports

    def c_maxCount(self, shape: _Shape, n: int, fvn: dict) -> tuple[bool, list[Result]]:
        reports = [self.result(shape, f, None, "maxCount") for f, values in fvn.items() if not len(values) <= n]
        return not reports, reports

    def c_hasValue(self, shape: _Shape, wanted: list[Node], fvn: dict) -> tuple[bool, list[Result]]:
        reports = [self.result(shape, f, None, "hasValue") for hv in wanted for f, values in fvn.items() if not any(v == hv for v in values)]
        return not reports, reports

    def c_equals(self, shape: _Shape, preds: list[URIRef], fvn: dict) -> tuple[bool, list[Result]]:
        reports: list[Result] = []
        for p in preds:
            p = self.data.canon(p)
            for f, values in fvn.items():
                other = set(self.data.objects(f, p))
                if other == values:
                    continue
                reports += [self.result(shape, f, v, "equals") for v in values - other]
                reports += [self.result(shape, f, v, "equals") for v in other - values]
        return not reports, reports

    def c_disjoint(self, shape: _Shape, preds: list[URIRef], fvn: dict) -> tuple[bool, list[Result]]:
        reports: list[Result] = []
        for p in preds:
            p = self.data.canon(p)
            for f, values in fvn.items():
                reports += [self.result(shape, f, v, "disjoint") for v in values & set(self.data.objects(f, p))]
        return not reports, reports

    def _less(self, shape: _Shape, kind: str, preds: list[URIRef], fvn: dict, strict: bool) -> tuple[bool, list[Result]]:
        reports: list[Result] = []
        for p in preds:
            p = self.data.canon(p)
            for f, values in fvn.items():
                others = set(self.data.objects(f, p))
                for value in values:
                    if isinstance(value, BNode):
                        raise Unsupported("sh:lessThan on a blank node")  # pySHACL raises an error
                    a, a_str = _comparable(value)
                    for other in others:
                        if isinstance(other, BNode):
                            raise Unsupported("sh:lessThan on a blank node")
                        b, b_str = _comparable(other)
                        if a_str != b_str or not _less_than(a, b, strict):
                            reports.append(self.result(shape, f, value, kind))
        return not reports, reports

    def c_lessThan(self, shape: _Shape, preds: list[URIRef], fvn: dict) -> tuple[bool, list[Result]]:
        return self._less(shape, "lessThan", preds, fvn, True)

    def c_lessThanOrEquals(self, shape: _Shape, preds: list[URIRef], fvn: dict) -> tuple[bool, list[Result]]:
        return self._less(shape, "lessThanOrEquals", preds, fvn, False)

    def c_property(self, shape: _Shape, props: list[Node], fvn: dict) -> tuple[bool, list[Result]]:
        values = [v for vs in fvn.values() for v in vs]
        if not values:
            return True, []
        # pySHACL validates the property shape once per value; one call over all values gives the
        # same results unless a value repeats (then its results repeat too)
        batch = len(set(values)) == len(values)
        non_conformant, reports = False, []
        for p in props:
            prop = self.shapes[p]
            for group in ([values] if batch else [[v] for v in values]):
                ok, found = self.validate_shape(prop, group)
                non_conformant = non_conformant or not ok
                reports.extend(found)
        return not non_conformant, reports

    def c_node(self, shape: _Shape, nodes: list[Node], fvn: dict) -> tuple[bool, list[Result]]:
        reports: list[Result] = []
        if not any(fvn.values()):
            return True, []
        for n in nodes:
            for f, values in fvn.items():
                for v in values:
                    ok, found = self.validate_shape(self.shapes[n], [v])
                    if not ok or found:
                        reports.append(self.result(shape, f, v, "node"))
        return not reports, reports

    def c_not(self, shape: _Shape, nots: list[Node], fvn: dict) -> tuple[bool, list[Result]]:
        reports = [self.result(shape, f, v, "not") for n in nots for f, values in fvn.items() for v in values if self.conforms(n, v)]
        return not reports, reports

    def _logic(self, shape: _Shape, kind: str, lists: list[list[Node]], fvn: dict, accept: Callable[[int, int], bool]) -> tuple[bool, list[Result]]:
        reports: list[Result] = []
        conforms = self.conforms
        for members in lists:
            for f, values in fvn.items():
                for v in values:
                    passed = 0
                    for m in members:  # every member is evaluated, as pySHACL does (an error in any one counts)
                        if conforms(m, v):
                            passed += 1
                    if not accept(passed, len(members)):
                        reports.append(self.result(shape, f, v, kind))
        return not reports, reports

    def c_or(self, shape: _Shape, lists: list, fvn: dict) -> tuple[bool, list[Result]]:
        return self._logic(shape, "or", lists, fvn, lambda n, total: n >= 1)

    def c_and(self, shape: _Shape, lists: list, fvn: dict) -> tuple[bool, list[Result]]:
        return self._logic(shape, "and", lists, fvn, lambda n, total: n == total)

    def c_xone(self, shape: _Shape, lists: list, fvn: dict) -> tuple[bool, list[Result]]:
        return self._logic(shape, "xone", lists, fvn, lambda n, total: n == 1)

    def c_qualified(self, shape: _Shape, q: dict, fvn: dict) -> tuple[bool, list[Result]]:
        count = sum(len(v) for v in fvn.values())
        if not q["disjoint"] and count < 1 and (q["min"] is None or q["min"] < 1):
            return True, []
        reports: list[Result] = []
        for vs in q["shapes"]:
            siblings = [s for s in q["siblings"] if s != vs]
            for f, values in fvn.items():
                number = 0
                for v in values:
                    if self.conforms(vs, v) and not any([self.conforms(s, v) for s in siblings]):
                        number += 1
                if q["max"] is not None and number > q["max"]:
                    reports.append(self.result(shape, f, None, "qualified", component=SH.QualifiedMaxCountConstraintComponent))
                if q["min"] is not None and number < q["min"]:
                    reports.append(self.result(shape, f, None, "qualified", component=SH.QualifiedMinCountConstraintComponent))
        return not reports, reports

    def c_closed(self, shape: _Shape, params: Any, fvn: dict) -> tuple[bool, list[Result]]:
        raise Unsupported("sh:closed")

    def c_sparql(self, shape: _Shape, constraints: list[_Sparql], fvn: dict) -> tuple[bool, list[Result]]:
        reports: list[Result] = []
        for c in constraints:
            native = _native(c.query)
            for f in fvn:
                rows = native(self.data, f) if native is not None else None
                if rows is None:  # no native evaluation, or the data needs SPARQL's own comparisons
                    rows = self._oxigraph_rows(shape, c, f)
                violations: list[tuple] = []
                failure_seen = False
                for bound in rows:
                    if bound.pop("failure", None) is not None:
                        if not failure_seen:
                            violations.append((True, bound))
                            failure_seen = True
                        continue
                    p, v, t = bound.pop("path", None), bound.pop("value", None), bound.pop("this", None)
                    if p is not None or v is not None or t is not None:
                        item = (t, p, v, bound)
                        if item not in violations:
                            violations.append(item)
                default_value = None if shape.is_property else f
                for item in violations:
                    if item[0] is True:
                        reports.append(self.result(shape, f, default_value, "sparql", extra=c.messages or None, bound=item[1]))
                        continue
                    t, p, v, rest = item
                    if v is None:
                        v = default_value
                    reports.append(self.result(shape, t or f, v, "sparql", path=p, extra=c.messages or None, bound=(t, p, v, rest)))
                    # pySHACL names the constraint node as sh:sourceConstraint; not part of the result here
        return not reports, reports

    def _oxigraph_rows(self, shape: _Shape, c: _Sparql, f: Node) -> Iterable[dict[str, Node]]:
        """The solutions of ``c`` with ``$this`` = ``f`` on Oxigraph, each as {variable: rdflib term}."""
        import pyoxigraph as ox

        subs = {ox.Variable("this"): _to_ox(f)}
        if c.bind_current_shape:
            subs[ox.Variable("currentShape")] = _to_ox(shape.node)
        try:
            solutions = self.store().query(c.query, substitutions=subs)
        except (SyntaxError, OSError, ValueError) as err:
            raise Unsupported(f"Oxigraph cannot run a SPARQL constraint: {err}") from None
        names = [v.value for v in solutions.variables]
        return [{n: _from_ox(row[n]) for n in names if row[n] is not None} for row in solutions]


# --- native evaluation of two of our SPARQL constraints ------------------------------------------
#
# Oxigraph evaluates these two queries' FILTER NOT EXISTS without the outer bindings (~0.1-0.3 s
# each on the real graph). For the exact query text (whitespace aside, with nk:, prov: and rdf:
# bound to the usual namespaces) they are answered from the data's indexes instead, giving the
# same solutions; on data where a SPARQL comparison could differ from a plain Python one (a
# position that is not a canonical xsd:integer, an agent or party that is not an IRI) the native
# evaluator returns None and Oxigraph answers. ``tests/test_shacl_engine.py`` checks both agree.

_NK_IRI = "https://w3id.org/nkgraph/ontology#"
_PROV_IRI = "http://www.w3.org/ns/prov#"
_PREFIX_LINE = re.compile(r"^PREFIX\s+([\w-]*):\s*<([^>]*)>\s*$", re.M)
_INTEGER_TEXT = re.compile(r"[+-]?[0-9]+\Z")
_WAS_ATTRIBUTED_TO_QUERY = """SELECT DISTINCT $this ?value WHERE { ?value a $this . { ?value nk:attribution ?hop .
    ?hop nk:position ?position ; nk:agent ?agent . FILTER (?position = 1) FILTER NOT EXISTS { ?value prov:wasAttributedTo ?agent }
    } UNION { ?value prov:wasAttributedTo ?agent . FILTER NOT EXISTS { ?value nk:attribution ?h . ?h nk:position ?p ; nk:agent ?agent .
    FILTER (?p = 1) } } }"""
_DEAL_PARTIES_QUERY = """SELECT DISTINCT $this ?value WHERE { ?value a $this . FILTER NOT EXISTS {
    ?claim1 a nk:Claim ; rdf:subject ?value ; rdf:predicate nk:party ; rdf:object ?party1 .
    ?claim2 a nk:Claim ; rdf:subject ?value ; rdf:predicate nk:party ; rdf:object ?party2 .
    FILTER (!sameTerm(?party1, ?party2)) } }"""


def _words(text: str) -> str:
    return " ".join(text.split())


def _is_one(term: Node) -> bool | None:
    """Whether SPARQL's ``term = 1`` holds, for an IRI, a string or a canonical integer; None for anything else."""
    if isinstance(term, URIRef):
        return False
    if type(term) is Literal:
        if term.datatype is None or term.datatype == XSD.string:
            return False if term.language is None else None
        if term.datatype == XSD.integer and _INTEGER_TEXT.match(str(term)):
            return int(str(term)) == 1
    return None


def _was_attributed_to(data: _Data, this: Node) -> list[dict[str, Node]] | None:
    """The claims typed ``this`` whose prov:wasAttributedTo differ from the agents of their position-1 hops."""
    from nkgraph.namespace import NK

    from rdflib.namespace import PROV

    type_p, attribution, position, agent, attributed = (data.canon(p) for p in (RDF.type, NK.attribution, NK.position, NK.agent, PROV.wasAttributedTo))
    rows = []
    for value in data.subjects(type_p, this):
        first: set[Node] = set()
        for hop in data.objects(value, attribution):
            agents = data.objects(hop, agent)
            if not agents:
                continue
            ones = [_is_one(p) for p in data.objects(hop, position)]
            if None in ones:
                return None
            if any(ones):
                first.update(agents)
        stated = set(data.objects(value, attributed))
        if any(type(a) is not URIRef for a in first | stated):
            return None
        if first != stated:
            rows.append({"this": this, "value": value})
    return rows


def _deal_parties(data: _Data, this: Node) -> list[dict[str, Node]] | None:
    """The nodes typed ``this`` without claims giving two distinct nk:party objects."""
    from nkgraph.namespace import NK

    type_p, subject, predicate, obj = (data.canon(p) for p in (RDF.type, RDF.subject, RDF.predicate, RDF.object))
    claim_class, party = NK.Claim, NK.party
    rows = []
    for value in data.subjects(type_p, this):
        parties: set[Node] = set()
        for claim in data.subjects(subject, value):
            if claim_class in data.objects(claim, type_p) and party in data.objects(claim, predicate):
                parties.update(data.objects(claim, obj))
        if any(type(p) is not URIRef for p in parties):
            return None
        if len(parties) < 2:
            rows.append({"this": this, "value": value})
    return rows


_NATIVE = {_words(_WAS_ATTRIBUTED_TO_QUERY): _was_attributed_to, _words(_DEAL_PARTIES_QUERY): _deal_parties}
_NATIVE_PREFIXES = {"nk": _NK_IRI, "prov": _PROV_IRI, "rdf": str(RDF)}


def _native(query: str) -> Callable[[_Data, Node], list[dict[str, Node]] | None] | None:
    """The native evaluator of ``query`` (its PREFIX lines, then its text), if it is one of ours with our prefixes."""
    prefixes = dict(_PREFIX_LINE.findall(query))
    body = _PREFIX_LINE.sub("", query)
    found = _NATIVE.get(_words(body))
    if found is None or any(prefixes.get(p) != iri for p, iri in _NATIVE_PREFIXES.items()):
        return None
    return found


def _format(msg: str, bound: Any) -> str:
    """pySHACL's substitution of ``{?var}`` / ``{$var}`` in the messages of SPARQL results."""
    values: dict[str, Any] = {}
    if isinstance(bound, tuple):
        t, p, v, rest = bound
        values.update(rest)
        if t is not None:
            values["this"] = t
        if p is not None:
            values["path"] = p
        if v is not None:
            values["value"] = v
    elif isinstance(bound, dict):
        values.update(bound)
    for var, val in values.items():
        msg = re.sub("{{[?$]{}}}".format(var), str(val), msg)
    return msg


def _is_literal(v: object) -> bool:
    """``isinstance(v, Literal)``, answered from the exact type for rdflib's own terms (a failing
    isinstance against rdflib's abstract Node classes costs ~1 µs)."""
    kind = type(v)
    return kind is Literal or (kind is not URIRef and kind is not BNode and isinstance(v, Literal))


def _is_bnode(v: object) -> bool:
    """``isinstance(v, BNode)``, as :func:`_is_literal`."""
    kind = type(v)
    return kind is BNode or (kind is not URIRef and kind is not Literal and isinstance(v, BNode))


def _string_of(v: Node) -> str:
    if _is_literal(v):
        if v.value is not None and v.datatype in (None, _RDF_LANGSTRING, XSD.string):
            return str(v.value)
    return str(v)


try:
    from rdflib.term import _NUMERIC_LITERAL_TYPES as _RDFLIB_NUMERIC
except ImportError:  # pragma: no cover - the list as of rdflib 7
    _RDFLIB_NUMERIC = tuple(XSD[t] for t in ("integer", "decimal", "double", "float", "byte", "int", "long", "negativeInteger", "nonNegativeInteger", "nonPositiveInteger", "positiveInteger", "short", "unsignedByte", "unsignedInt", "unsignedLong", "unsignedShort"))
_NUMERIC = frozenset(str(t) for t in _RDFLIB_NUMERIC)


def _numeric(v: Any) -> bool:
    """Whether rdflib compares ``v`` with another such literal by Python value (its numeric fast path)."""
    dt = v.datatype if type(v) is Literal else None
    return dt is not None and str.__str__(dt) in _NUMERIC and not v.ill_typed and v.value is not None


def _less_than(a: Any, b: Any, strict: bool) -> bool:
    """``a < b`` (or ``<=``) exactly as Python and rdflib evaluate it, by value for two numeric literals."""
    if _numeric(a) and _numeric(b):
        x, y = a.value, b.value
        lt = not x > y and not x == y  # rdflib's Literal.__lt__
        return lt if strict else lt or x == y  # and its __le__
    return a < b if strict else a <= b


def _comparable(node: Node) -> tuple[Any, bool]:
    kind = type(node)
    if kind is URIRef or (kind is not Literal and isinstance(node, URIRef)):
        return str(node), True
    if _is_literal(node) and isinstance(node.value, str):
        return node.value, True
    return node, False


def _compare_literal(a: Literal, b: Literal) -> int:
    """pySHACL's ordering of two literals for sh:min/maxInclusive/Exclusive."""
    if _numeric(a) and _numeric(b):  # rdflib's eq and __gt__ compare these by value
        x, y = a.value, b.value
        return 0 if x == y else 1 if x > y else -1
    if a.eq(b):
        return 0
    if a.value.__class__ in (datetime, time):
        if a.value == b.value:
            return 0
        if a.value > b.value:
            return 1
    elif a > b:
        return 1
    return -1


_GENERIC = "\x00generic"


def _same(a: Node, b: Node) -> bool:
    """rdflib's equality for IRIs and blank nodes, without its Python-level __eq__ (same type, same text)."""
    return a is b or (type(a) is type(b) and str.__eq__(a, b))


def _node_kind_test(accepts: tuple[bool, bool, bool]) -> Callable[[Node], bool]:
    iri_ok, bnode_ok, literal_ok = accepts

    def test(v: Node) -> bool:
        kind = type(v)  # rdflib's own term types first: a failing isinstance against them is slow
        if kind is URIRef:
            return iri_ok
        if kind is Literal:
            return literal_ok
        if kind is BNode or isinstance(v, BNode):
            return bnode_ok
        if isinstance(v, Literal):
            return literal_ok
        return iri_ok

    return test


_NODE_KIND_TESTS = {
    SH.IRI: _node_kind_test((True, False, False)),
    SH.BlankNode: _node_kind_test((False, True, False)),
    SH.Literal: _node_kind_test((False, False, True)),
    SH.BlankNodeOrIRI: _node_kind_test((True, True, False)),
    SH.IRIOrLiteral: _node_kind_test((True, False, True)),
    SH.BlankNodeOrLiteral: _node_kind_test((False, True, True)),
}
_RANGE_ACCEPT: dict[str, Callable[[int], bool]] = {
    "minExclusive": lambda c: c > 0,
    "minInclusive": lambda c: c >= 0,
    "maxExclusive": lambda c: c < 0,
    "maxInclusive": lambda c: c <= 0,
}


def _range_test(bound: Literal, accept: Callable[[int], bool]) -> Callable[[Node], bool]:
    bound_is_string = isinstance(bound.value, str)

    def test(v: Node) -> bool:
        if not isinstance(v, Literal) or isinstance(v.value, str) != bound_is_string:
            return False
        try:
            return accept(_compare_literal(v, bound))
        except (TypeError, NotImplementedError):
            return False

    return test


def _datatype_test(rule: Node) -> Callable[[Node], bool]:
    """pySHACL's sh:datatype test for one rule (ill-typed literals fail; Python value types checked)."""
    rule_s = str(rule)
    types = _ACTUAL_TYPES.get(rule_s) if isinstance(rule, URIRef) else None

    def actual(v: Literal) -> bool:  # pySHACL also checks the Python value rdflib made of the literal
        return types is None or isinstance(v.value, types)

    is_string = rule == XSD.string
    is_lang = rule == _RDF_LANGSTRING
    is_literal = rule == RDFS.Literal
    is_datatype = rule == RDFS.Datatype

    def test(v: Node) -> bool:
        if not isinstance(v, Literal):
            return False
        datatype = v.datatype
        if datatype is not None and str.__eq__(datatype, rule_s):
            if getattr(v, "ill_typed", None) is True:
                return False
            return actual(v)
        if is_literal:
            return True
        if is_datatype and datatype:
            return True
        if datatype is None and v.language is None and is_string:
            return actual(v)
        if is_lang and v.language:
            return actual(v)
        return False

    return test


_ACTUAL_TYPES: dict[str, tuple[type, ...]] = {
    str(XSD.string): (str, bytes),
    str(_RDF_LANGSTRING): (str, bytes),
    str(XSD.integer): (int,),
    str(XSD.float): (float,),
    str(XSD.decimal): (Decimal,),
    str(XSD.boolean): (bool,),
    str(XSD.date): (date,),
    str(XSD.time): (time,),
    str(XSD.dateTime): (datetime,),
}


def validate(data: Graph, compiled: CompiledShapes, *, allow_warnings: bool = True, store: Any = None, extra: Graph | None = None) -> tuple[bool, list[Result]]:
    """Validate ``data`` (∪ ``extra``, e.g. the ontology) against ``compiled`` shapes: (conforms, results) as pySHACL reports them.

    ``store`` is a pyoxigraph store holding exactly that data (for the SPARQL constraints), or a
    function returning one, called when a SPARQL constraint first has a focus node; one is built
    then when none is given. Neither graph is
    changed. Raises :class:`Unsupported` when the run needs something the engine lacks.
    """

    def make_store() -> Any:
        built = store_of(data)
        if extra is not None and len(extra):
            import pyoxigraph as ox

            built.extend([ox.Quad(_to_ox(s), _to_ox(p), _to_ox(o)) for s, p, o in extra])
        return built

    factory = store if callable(store) else (lambda: store) if store is not None else make_store
    validator = _Validator(_Data(data, extra), compiled, allow_warnings, factory)
    conforms = True
    results: list[Result] = []
    try:
        for node in compiled.order:
            shape = compiled.shapes[node]
            ok, found = validator.validate_shape(shape, validator.targets(shape))
            conforms = conforms and ok
            results.extend(found)
    except Unsupported:
        raise
    except Exception as err:  # noqa: BLE001 - pySHACL decides what such data means (often an error)
        raise Unsupported(f"the fast engine hit {type(err).__name__}: {err}") from None
    if any(_GENERIC in r.messages for r in results):
        raise Unsupported("a result needs one of pySHACL's generated messages (a shape without sh:message)")
    return conforms, results
