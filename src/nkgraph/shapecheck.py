"""Shapes pySHACL cannot apply, caught when a shapes file is read: file, line, shape and what is wrong.

pySHACL meets a broken shape only while validating (half a minute into a build) and does not say
which shape or where it is; some mistakes it does not notice at all (``sh:class "Claim"`` makes
every value a violation, ``sh:in nk:X`` instead of a list checks nothing). These checks cover the
usual mistakes in milliseconds: parameters that must be integers, IRIs or lists; property paths;
regular expressions; and the SPARQL of SHACL-SPARQL constraints (a query is refused only when
rdflib's parser, the one pySHACL uses, refuses it too).

>>> from nkgraph.loading import read_triples
>>> from nkgraph.paths import SHAPES_DIR
>>> check_shapes(SHAPES_DIR / "nkgraph-shapes.ttl", read_triples(SHAPES_DIR / "nkgraph-shapes.ttl"))
"""

from __future__ import annotations

import re
from pathlib import Path

from rdflib import RDF, BNode, Literal, URIRef
from rdflib.namespace import SH, XSD
from rdflib.term import Node

from nkgraph.errors import DataError, excerpt
from nkgraph.prefixes import prefix_lines

_INTEGERS = (SH.minCount, SH.maxCount, SH.minLength, SH.maxLength, SH.qualifiedMinCount, SH.qualifiedMaxCount)
_INTEGER_TYPES = {XSD.integer, XSD.nonNegativeInteger, XSD.positiveInteger, XSD.int, XSD.long, XSD.short}
_IRIS = (SH["class"], SH.datatype, SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)
_NODES = (SH.path, SH.property, SH.node, SH.sparql, SH["not"])
_LISTS = (SH["in"], SH.languageIn, SH.ignoredProperties, SH["or"], SH["and"], SH.xone)
_FLAGS = {"i": re.I, "m": re.M, "s": re.S, "x": re.X}

Triple = tuple[Node, Node, Node]


def check_shapes(path: Path, triples: list[Triple]) -> None:
    """Raise :class:`DataError` at the first shape in ``triples`` (read from ``path``) that cannot work."""
    by_subject: dict[Node, list[Triple]] = {}
    for t in triples:
        by_subject.setdefault(t[0], []).append(t)
    for s, p, o in triples:
        problem = _problem(s, p, o, by_subject)
        if problem is not None:
            what, hint = problem
            raise _error(path, triples, s, p, what, hint)
        if p == SH.select and isinstance(o, Literal):
            _check_sparql(path, triples, s, str(o), by_subject)


def _problem(s: Node, p: Node, o: Node, by_subject: dict[Node, list[Triple]]) -> tuple[str, str] | None:
    """(what is wrong, what to do) for one triple of a shapes graph, or None."""
    qname = _qname(p)
    if p in _INTEGERS:
        if not (isinstance(o, Literal) and o.datatype in _INTEGER_TYPES and _is_int(str(o))):
            return f"{qname} must be an integer, not {o.n3()}", f"write a bare number, e.g. {qname} 1"
    elif p in _IRIS and not isinstance(o, URIRef):
        return f"{qname} must be an IRI, not {o.n3()}", f"write the class or datatype as a prefixed name, e.g. {qname} nk:Claim"
    elif p in _NODES and isinstance(o, Literal):
        return f"{qname} must be an IRI or a blank node, not the literal {o.n3()}", f"write a property (or a shape) without quotes, e.g. {qname} nk:quote"
    elif p in _LISTS and o != RDF.nil and not any(t[1] == RDF.first for t in by_subject.get(o, ())):
        return f"{qname} must be an RDF list, not {o.n3()}", f"write the values in parentheses, e.g. {qname} ( nk:Asserted nk:Reported )"
    elif p == SH.pattern:
        flags = 0
        for t in by_subject.get(s, ()):
            if t[1] == SH.flags:
                for letter in str(t[2]):
                    flags |= _FLAGS.get(letter, 0)
        try:
            re.compile(str(o), flags)
        except re.error as err:
            return f"sh:pattern {str(o)!r} is not a regular expression: {err}", "fix the pattern (backslashes are doubled in Turtle strings: \"\\\\d\")"
    return None


def _is_int(text: str) -> bool:
    try:
        int(text)
    except ValueError:
        return False
    return True


def _check_sparql(path: Path, triples: list[Triple], constraint: Node, query: str, by_subject: dict[Node, list[Triple]]) -> None:
    """Raise when the ``sh:select`` of ``constraint`` is not SPARQL that pySHACL can parse."""
    import pyoxigraph as ox

    prologue = prefix_lines(_declared_prefixes(constraint, by_subject))
    try:
        ox.Store().query(prologue + query)
        return
    except SyntaxError as err:
        message = str(err)
    except (OSError, ValueError, RuntimeError):
        return  # parsed; it only failed to run on an empty store
    try:  # pySHACL parses with rdflib: refuse only what rdflib refuses too
        from rdflib.plugins.sparql import prepareQuery

        prepareQuery(prologue + query)
        return
    except Exception:  # noqa: BLE001 - rdflib raises pyparsing and other errors
        pass
    from nkgraph.queries import describe_sparql_error

    what, qline, qcol, _ = describe_sparql_error(prologue + query, message)
    what = re.sub(r" \(Oxigraph expected .*\)$", "", what.replace("SPARQL syntax error: ", "").replace("SPARQL error: ", ""))
    hint = "fix the query in sh:select"
    if "not declared" in what:
        hint = "give the constraint sh:prefixes <https://w3id.org/nkgraph/shapes> (the node where this file declares its prefixes with sh:declare), or declare the prefix there"
    error = _error(path, triples, constraint, SH.select, f"the SPARQL of this constraint is not valid: {what}", hint)
    if qline is not None and error.line is not None:
        qline -= prologue.count("\n")
        lines = path.read_text(encoding="utf-8").splitlines()
        head = lines[error.line - 1]
        m = re.search(r'"""|"', head[(error.column or 1) - 1 :])
        opening = (error.column or 1) - 1 + m.end() if m else 0  # where the query text starts on the sh:select line
        error.line += max(qline, 1) - 1
        error.column = (opening + (qcol or 1)) if qline <= 1 else qcol
        error.excerpt = excerpt("\n".join(lines), error.line, error.column)
    raise error


def _declared_prefixes(constraint: Node, by_subject: dict[Node, list[Triple]]) -> list[tuple[str, str]]:
    out = []
    for _, p, holder in by_subject.get(constraint, ()):
        if p != SH.prefixes:
            continue
        for _, q, decl in by_subject.get(holder, ()):
            if q == SH.declare:
                fields = {t[1]: str(t[2]) for t in by_subject.get(decl, ())}
                if SH.prefix in fields and SH.namespace in fields:
                    out.append((fields[SH.prefix], fields[SH.namespace]))
    return sorted(set(out))


def _error(path: Path, triples: list[Triple], node: Node, predicate: Node, what: str, hint: str) -> DataError:
    """A :class:`DataError` naming the shape that holds ``node`` and the line where ``predicate`` is written."""
    parents = {o: s for s, _, o in triples if isinstance(o, BNode)}
    shape, seen = node, set()
    while isinstance(shape, BNode) and shape in parents and shape not in seen:
        seen.add(shape)
        shape = parents[shape]
    name = _qname(shape) if isinstance(shape, URIRef) else "a shape"
    line, column = _locate(path, shape, _qname(predicate))
    text = path.read_text(encoding="utf-8") if line else ""
    return DataError(f"shape {name}: {what}", path=path, line=line, column=column, hint=hint, excerpt=excerpt(text, line, column, len(_qname(predicate))))


def _locate(path: Path, shape: Node, predicate: str) -> tuple[int | None, int | None]:
    """The line and column of ``predicate`` within the statement of ``shape`` (or anywhere, for a blank node)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    start = 0
    if isinstance(shape, URIRef):
        name = _qname(shape)
        for i, line in enumerate(lines):
            if line.startswith((name + " ", f"<{shape}>")) or line == name:
                start = i
                break
    token = re.compile(re.escape(predicate) + r"(?![\w-])")
    for i in range(start, len(lines)):
        m = token.search(lines[i])
        if m and not lines[i].lstrip().startswith("#"):
            return i + 1, m.start() + 1
    return (start + 1, 1) if start else (None, None)


def _qname(node: Node) -> str:
    from nkgraph.namespace import PREFIXES

    text = str(node)
    for prefix, ns in sorted(PREFIXES.items(), key=lambda kv: -len(kv[1])):
        if text.startswith(ns) and len(text) > len(ns):
            return f"{prefix}:{text[len(ns):]}"
    return f"<{text}>" if isinstance(node, URIRef) else node.n3()
