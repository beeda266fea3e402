"""Reading Turtle files into rdflib graphs, with errors that name file, line and column.

Files are parsed by Oxigraph (fast, precise syntax errors) and turned into rdflib terms;
blank nodes are scoped per file.

>>> from nkgraph.paths import DATA_DIR
>>> g = read_turtle(DATA_DIR / "units.ttl")
>>> len(g) > 0
True
"""

from __future__ import annotations

import re
import zlib
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import XSD

from nkgraph.errors import DataError

_XSD_STRING = str(XSD.string)
_POSITION = re.compile(r"line (\d+)(?: at| between)? columns? (\d+)")
_POSITION2 = re.compile(r"between line (\d+) column (\d+)")


def _term(term: object, scope: str) -> URIRef | BNode | Literal:
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(f"{scope}{term.value}")
    assert isinstance(term, ox.Literal)
    if term.language:
        return Literal(term.value, lang=term.language)
    datatype = term.datatype.value
    if datatype == _XSD_STRING:
        return Literal(term.value)
    return Literal(term.value, datatype=URIRef(datatype))


def _syntax_error(path: Path, err: SyntaxError) -> DataError:
    text = str(err)
    message = re.sub(r"\s*\([^()]*, line \d+\)$", "", text)
    line = column = None
    m = _POSITION2.search(text) or _POSITION.search(text)
    if m:
        line, column = int(m.group(1)), int(m.group(2)) + 1
    return DataError(
        f"not valid Turtle: {message}",
        path=path,
        line=line,
        column=column,
        hint="fix the Turtle syntax at that place (a missing '.', ';' or quote, or an undeclared prefix are the usual causes)",
    )


def read_turtle(path: Path, graph: Graph | None = None) -> Graph:
    """Parse one Turtle file into ``graph`` (a new one by default); raise :class:`DataError` on bad input."""
    graph = Graph() if graph is None else graph
    for t in read_triples(path):
        graph.add(t)
    return graph


def read_triples(path: Path) -> list[tuple]:
    """The triples of one Turtle file as rdflib terms; raise :class:`DataError` on bad input."""
    try:
        data = path.read_bytes()
    except OSError as err:
        raise DataError(f"cannot read file: {err.strerror}", path=path, hint="check the path and its permissions") from None
    if not data.strip():
        raise DataError("file is empty", path=path, hint="add Turtle content or remove the file")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise DataError(
            f"not UTF-8: byte 0x{data[err.start]:02x} cannot be decoded",
            path=path,
            line=line,
            hint="save the file as UTF-8",
        ) from None
    scope = f"f{zlib.crc32(str(path).encode()):08x}x"
    try:
        triples = [
            (_term(q.subject, scope), _term(q.predicate, scope), _term(q.object, scope))
            for q in ox.parse(data, format=ox.RdfFormat.TURTLE, base_iri=path.resolve().as_uri())
        ]
    except SyntaxError as err:
        raise _syntax_error(path, err) from None
    return triples


def data_files(data_dir: Path | None = None) -> list[Path]:
    """Every Turtle file under ``data/``, in a stable order."""
    from nkgraph.paths import DATA_DIR

    root = data_dir or DATA_DIR
    return sorted(root.rglob("*.ttl"), key=lambda p: p.relative_to(root).as_posix())


def _check_labels(per_file: list[tuple[Path, list[tuple]]]) -> None:
    from rdflib.namespace import RDFS

    seen: dict[object, tuple[str, Path]] = {}
    for path, triples in per_file:
        for s, p, label in triples:
            if p != RDFS.label or isinstance(s, BNode):
                continue
            if s in seen and seen[s][0] != str(label):
                first_label, first_path = seen[s]
                raise DataError(
                    f"{s} is declared twice with different labels: {first_label!r} in {first_path} and {str(label)!r} here",
                    path=path,
                    line=_first_line(path, s),
                    hint="one IRI names one thing: use the same label, or mint a new IRI for a different thing",
                )
            seen.setdefault(s, (str(label), path))


def _first_line(path: Path, node: object) -> int | None:
    text = str(node)
    short = "nkd:" + text.rsplit("/", 1)[-1]
    for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.startswith(short) or f"<{text}>" in line:
            return i
    return None


def load_sources(root: Path | None = None):
    """Read ontology, shapes, data files and source text for a build (see :class:`nkgraph.compile.Sources`).

    ``root`` is the project folder holding ``ontology/`` and ``data/`` (default: this checkout).
    """
    from nkgraph.compile import Sources
    from nkgraph.paths import ONTOLOGY_DIR, SOURCE_TEXT
    from nkgraph.skolem import skolemize_triples
    from nkgraph.source import SourceText

    data_dir = root / "data" if root else None
    ont_dir = root / "ontology" if root else ONTOLOGY_DIR
    ontology = Graph()
    for path in sorted(ont_dir.glob("*.ttl")):
        read_turtle(path, ontology)
    shapes = Graph()
    for path in sorted((ont_dir / "shapes").glob("*.ttl")):
        read_turtle(path, shapes)
    files = data_files(data_dir)
    per_file: list[tuple[Path, list[tuple]]] = []
    origin: dict = {}
    authored: list[tuple] = []
    for path in files:
        triples = read_triples(path)
        per_file.append((path, triples))
        for s, _, _ in triples:
            if not isinstance(s, BNode):
                origin.setdefault(s, path)
        authored += triples
    _check_labels(per_file)
    text_path = (data_dir / SOURCE_TEXT.relative_to(SOURCE_TEXT.parents[1])) if data_dir else SOURCE_TEXT
    try:
        text = SourceText.load(text_path)
    except (OSError, UnicodeDecodeError) as err:
        raise DataError(f"cannot read the source text: {err}", path=text_path, hint="restore data/source/ from git") from None
    data = Graph()
    for t in skolemize_triples(authored):
        data.add(t)
    for prefix, ns in _prefixes():
        data.bind(prefix, ns, override=True)
    return Sources(data=data, ontology=ontology, shapes=shapes, text=text, origin=origin, files=files)


def _prefixes():
    from nkgraph.namespace import PREFIXES

    return sorted(PREFIXES.items())
