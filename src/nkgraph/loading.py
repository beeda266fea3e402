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

from nkgraph.errors import DataError, excerpt

_XSD_STRING = str(XSD.string)
_XSD_DECIMAL = str(XSD.decimal)
_POSITION = re.compile(r"line (\d+)(?: at| between)? columns? (\d+)")
_POSITION2 = re.compile(r"between line (\d+) column (\d+)")
_PREAMBLE = re.compile(r"^Parser error (?:at line \d+ (?:between columns \d+ and \d+|column \d+)|between line \d+ column \d+ and line \d+ column \d+): ")
_NKGRAPH_IRI = re.compile(r"^https?://w3id\.org/nkgraph/")
_NKGRAPH_DOCUMENTS = re.compile(r"^https://w3id\.org/nkgraph/(?:ontology|shapes)(?:/\d[\w.-]*)?$")  # the ontology and shapes IRIs (and versions)
_BOM = b"\xef\xbb\xbf"
#: What usually causes each of Oxigraph's Turtle messages, and what to do about it.
_SYNTAX_HINTS = (
    ("has not been declared", "declare the prefix at the top of the file{known} (docs/authoring.md lists the prefixes to use)"),
    ("dot is expected", "end the statement before this place with ' .' (or join two properties of one subject with ';')"),
    ("end of file", "a string, IRI, '[' or '(' opened at this place is never closed: close it"),
    ("Unexpected end", "the file ends in the middle of a statement: finish it and end it with ' .'"),
    ("should end with a ']'", "close the '[' of this blank node with ']' (and check the ';' between its properties)"),
    ("Invalid IRI", "an IRI cannot contain spaces or any of <>\"{}|^`\\ : fix or percent-encode it"),
    ("language code", "write a language tag like @en right after the closing quote, or remove the '@'"),
    ("not a valid subject", "a statement must start with an IRI, a prefixed name or a blank node: look for a stray character or an unclosed string just before"),
    ("Line jumps are not allowed", "a string is not closed on its line: close it with '\"' (text spanning lines goes in \"\"\"…\"\"\")"),
    ("not a valid RDF object", "a value is missing here, or a '(' or '[' opened before is not closed"),
    ("not a valid predicate", "a property is expected here: look for a doubled ';' or a stray character"),
)


def _term(term: object, scope: str, terms: dict | None = None) -> URIRef | BNode | Literal:
    """The rdflib term for an Oxigraph term; with ``terms``, equal IRIs and literals are one object.

    Sharing objects makes every later dictionary lookup on them an identity hit (rdflib's ``__eq__``
    is Python code) and saves building the same term again.
    """
    if terms is not None and type(term) is not ox.BlankNode:
        found = terms.get(term)
        if found is None:
            found = terms[term] = _new_term(term, scope, terms)
        return found
    return _new_term(term, scope, terms)


def _new_term(term: object, scope: str, terms: dict | None = None) -> URIRef | BNode | Literal:
    if isinstance(term, ox.NamedNode):
        return _iri(term.value, terms)
    if isinstance(term, ox.BlankNode):
        return BNode(f"{scope}{term.value}")
    assert isinstance(term, ox.Literal)
    if term.language:
        return Literal(term.value, lang=term.language)
    datatype = term.datatype.value
    if datatype == _XSD_STRING:
        return Literal(term.value)
    if datatype == _XSD_DECIMAL and "." not in term.value and term.value.lstrip("+-").isdigit():
        # "51"^^xsd:decimal and 51.0 are the same value; Turtle writes decimals with a point, so
        # give the lexical form one too and the Turtle and N-Triples outputs hold the same terms
        return Literal(term.value + ".0", datatype=_iri(datatype, terms))
    return Literal(term.value, datatype=_iri(datatype, terms))


def _iri(value: str, terms: dict | None) -> URIRef:
    if terms is None:
        return URIRef(value)
    found = terms.get(value)
    if found is None:
        found = terms[value] = URIRef(value)
    return found


def shared_terms() -> dict:
    """A table for :func:`_term` seeded with the namespace constants the compiler uses (the same objects)."""
    from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS

    from nkgraph.namespace import CITO, NK, OA

    terms: dict = {}
    for ns in (NK, RDF, RDFS, XSD, OWL, SKOS, DCTERMS, PROV, CITO, OA):
        for name in getattr(ns, "__annotations__", {}):
            try:
                iri = getattr(ns, name)
            except AttributeError:
                continue
            if isinstance(iri, URIRef):
                terms[str(iri)] = iri
    return terms


def _syntax_error(path: Path, err: SyntaxError, data: bytes) -> DataError:
    """A :class:`DataError` for Oxigraph's Turtle syntax error: position, plain message, the line, a hint."""
    text = str(err)
    message = re.sub(r"\s*\(line \d+\)$", "", _PREAMBLE.sub("", text))
    line, column = getattr(err, "lineno", None), getattr(err, "offset", None)  # both 1-based
    if line is None:
        m = _POSITION2.search(text) or _POSITION.search(text)
        if m:
            line, column = int(m.group(1)), int(m.group(2))
    end_line, end_column = getattr(err, "end_lineno", None), getattr(err, "end_offset", None)
    width = end_column - column if end_line == line and end_column and column and end_column > column else 1
    hint = "fix the Turtle syntax at that place (a missing '.', ';' or quote, or an undeclared prefix are the usual causes)"
    for needle, advice in _SYNTAX_HINTS:
        if needle in message:
            known = ""
            m = re.search(r"prefix (\S*):", message)
            if m and m.group(1) in _prefix_map():
                known = f": @prefix {m.group(1)}: <{_prefix_map()[m.group(1)]}> ."
            hint = advice.replace("{known}", known)
            break
    return DataError(
        f"not valid Turtle: {message}",
        path=path,
        line=line,
        column=column,
        hint=hint,
        excerpt=excerpt(data.decode("utf-8", "replace"), line, column, width),
    )


def _prefix_map() -> dict[str, str]:
    from nkgraph.namespace import PREFIXES

    return PREFIXES


def read_turtle(path: Path, graph: Graph | None = None) -> Graph:
    """Parse one Turtle file into ``graph`` (a new one by default); raise :class:`DataError` on bad input."""
    graph = Graph() if graph is None else graph
    for t in read_triples(path):
        graph.add(t)
    return graph


def read_triples(path: Path) -> list[tuple]:
    """The triples of one Turtle file as rdflib terms; raise :class:`DataError` on bad input."""
    return _parse(path)[0]


def _parse(path: Path, terms: dict | None = None) -> tuple[list[tuple], dict[str, str]]:
    """The triples of one Turtle file and the prefixes it declares; raise :class:`DataError` on bad input."""
    try:
        data = path.read_bytes()
    except OSError as err:
        raise DataError(f"cannot read file: {err.strerror}", path=path, hint="check the path and its permissions") from None
    if not data.strip():
        raise DataError("file is empty", path=path, hint="add Turtle content or remove the file")
    if data.startswith(_BOM):
        raise DataError("file starts with a byte order mark (BOM)", path=path, line=1, column=1, hint="save the file as UTF-8 without BOM (most editors have this option)")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        column = len(data[data.rfind(b"\n", 0, err.start) + 1 : err.start].decode("utf-8", "replace")) + 1
        raise DataError(
            f"not UTF-8: byte 0x{data[err.start]:02x} cannot be decoded",
            path=path,
            line=line,
            column=column,
            hint="save the file as UTF-8 (the byte is probably a character written in Latin-1 or Windows-1252)",
        ) from None
    scope = f"f{zlib.crc32(str(path).encode()):08x}x"
    parser = ox.parse(data, format=ox.RdfFormat.TURTLE, base_iri=path.resolve().as_uri())
    try:
        triples = [(_term(q.subject, scope, terms), _term(q.predicate, scope, terms), _term(q.object, scope, terms)) for q in parser]
    except SyntaxError as err:
        raise _syntax_error(path, err, data) from None
    return triples, dict(getattr(parser, "prefixes", {}) or {})


def _check_namespaces(path: Path, prefixes: dict[str, str], triples: list[tuple]) -> None:
    """Refuse a standard prefix bound to another namespace, and IRIs that look like ours but are not."""
    from nkgraph.namespace import PREFIXES

    for name, iri in sorted(prefixes.items()):
        if name in PREFIXES and iri != PREFIXES[name]:
            line, column = _find_text(path, re.compile(rf"(@prefix|PREFIX)\s+{re.escape(name)}:", re.I))
            raise DataError(
                f"prefix {name}: is declared as <{iri}>, but nkgraph's {name}: is <{PREFIXES[name]}>; every term written with it would be silently lost",
                path=path,
                line=line,
                column=column,
                hint=f"declare it exactly as: @prefix {name}: <{PREFIXES[name]}> .",
            )
    ours = (PREFIXES["nk"], PREFIXES["nkd"], PREFIXES["nkshape"])
    for triple in triples:
        for term in triple:
            if isinstance(term, URIRef) and _NKGRAPH_IRI.match(term) and not str(term).startswith(ours) and not _NKGRAPH_DOCUMENTS.match(term):
                line, column = _find_text(path, re.compile(re.escape(f"<{term}>")))
                raise DataError(
                    f"<{term}> is not in nkgraph's namespaces (nk: <{PREFIXES['nk']}>, nkd: <{PREFIXES['nkd']}>)",
                    path=path,
                    line=line,
                    column=column,
                    hint="write the term with the nk: or nkd: prefix (declared as in docs/authoring.md)",
                )


def _find_text(path: Path, pattern: re.Pattern[str]) -> tuple[int | None, int | None]:
    """1-based (line, column) of the first match of ``pattern`` in the file, or (None, None)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None, None
    for i, text in enumerate(lines, 1):
        m = pattern.search(text)
        if m:
            return i, m.start() + 1
    return None, None


def data_files(data_dir: Path | None = None) -> list[Path]:
    """Every Turtle file under ``data/``, in a stable order."""
    from nkgraph.paths import DATA_DIR

    root = data_dir or DATA_DIR
    return sorted(root.rglob("*.ttl"), key=lambda p: p.relative_to(root).as_posix())


def _check_labels(per_file: list[tuple[Path, list[tuple]]]) -> None:
    from rdflib.namespace import RDFS

    seen: dict[object, tuple[str, Path]] = {}
    label_iri = str(RDFS.label)
    for path, triples in per_file:
        for s, p, label in triples:
            if not str.__eq__(p, label_iri) or type(p) is not URIRef or isinstance(s, BNode):
                continue  # (str.__eq__: rdflib's own __eq__ is Python code, and this runs for every triple)
            if s in seen and seen[s][0] != str(label):
                first_label, first_path = seen[s]
                first_line = _first_line(first_path, s)
                where = _display(first_path) + (f":{first_line}" if first_line else "")
                raise DataError(
                    f"{_short(s)} is declared twice with different labels: {first_label!r} at {where} and {str(label)!r} here",
                    path=path,
                    line=_first_line(path, s, str(label)),
                    column=1,
                    hint="one IRI names one thing: use the same label (put other spellings in skos:altLabel), or mint a new IRI for a different thing",
                )
            seen.setdefault(s, (str(label), path))


def _short(node: object) -> str:
    """``nkd:slug`` for our data IRIs, else ``<iri>``."""
    from nkgraph.namespace import PREFIXES

    text = str(node)
    for prefix in ("nkd", "nk"):
        if text.startswith(PREFIXES[prefix]):
            return f"{prefix}:{text[len(PREFIXES[prefix]):]}"
    return f"<{text}>"


def _display(path: Path) -> str:
    from nkgraph.errors import _display as display

    return display(str(path))


def _first_line(path: Path, node: object, label: str | None = None) -> int | None:
    """The line declaring ``node`` in ``path`` (the one stating ``label`` when it is given and found)."""
    text = str(node)
    short = "nkd:" + text.rsplit("/", 1)[-1]
    lines = path.read_text(encoding="utf-8").splitlines()
    starts = [i for i, line in enumerate(lines, 1) if line.startswith(short + " ") or line == short or line.startswith(f"<{text}>")]
    if label is not None:
        quoted = '"' + label.replace("\\", "\\\\").replace('"', '\\"') + '"'
        for start in starts:
            for i in range(start, len(lines) + 1):
                if quoted in lines[i - 1]:
                    return start
                if lines[i - 1].rstrip().endswith("."):
                    break  # end of the statement
    return starts[0] if starts else None


def load_sources(root: Path | None = None):
    """Read ontology, shapes, data files and source text for a build (see :class:`nkgraph.compile.Sources`).

    ``root`` is the project folder holding ``ontology/`` and ``data/`` (default: this checkout).
    """
    from nkgraph.compile import Sources
    from nkgraph.paths import ONTOLOGY_DIR, SOURCE_TEXT
    from nkgraph.shapecheck import check_shapes
    from nkgraph.skolem import skolemize_triples
    from nkgraph.source import SourceText
    from nkgraph.triples import adder

    data_dir = root / "data" if root else None
    ont_dir = root / "ontology" if root else ONTOLOGY_DIR
    for folder in (ont_dir, data_dir or ont_dir.parent / "data"):
        if not folder.is_dir():
            raise DataError(f"not an nkgraph project: there is no {folder.name}/ folder", path=folder, hint="point --root (or NKGRAPH_HOME) at a checkout holding ontology/ and data/")
    terms = shared_terms()
    ontology = Graph()
    add = adder(ontology)
    for path in sorted(ont_dir.glob("*.ttl")):
        for t in _read_checked(path, terms):
            add(t)
    shapes = Graph()
    add = adder(shapes)
    for path in sorted((ont_dir / "shapes").glob("*.ttl")):
        triples = _read_checked(path, terms)
        check_shapes(path, triples)
        for t in triples:
            add(t)
    files = data_files(data_dir)
    per_file: list[tuple[Path, list[tuple]]] = []
    origin: dict = {}
    authored: list[tuple] = []
    for path in files:
        triples = _read_checked(path, terms)
        per_file.append((path, triples))
        for s, _, _ in triples:
            if not isinstance(s, BNode):
                origin.setdefault(s, path)
        authored += triples
    _check_labels(per_file)
    text_path = (data_dir / SOURCE_TEXT.relative_to(SOURCE_TEXT.parents[1])) if data_dir else SOURCE_TEXT
    try:
        text = SourceText.load(text_path)
    except OSError as err:
        raise DataError(f"cannot read the source text: {err.strerror}", path=text_path, hint="restore data/source/ from git (git checkout -- data/source)") from None
    except UnicodeDecodeError as err:
        raise DataError(f"the source text is not UTF-8 (byte 0x{err.object[err.start]:02x} at offset {err.start})", path=text_path, hint="restore data/source/ from git (git checkout -- data/source)") from None
    data = Graph()
    add = adder(data)
    for t in skolemize_triples(authored):
        add(t)
    for prefix, ns in _prefixes():
        data.bind(prefix, ns, override=True)
    return Sources(data=data, ontology=ontology, shapes=shapes, text=text, origin=origin, files=files)


def _read_checked(path: Path, terms: dict | None = None) -> list[tuple]:
    """The triples of one file, after checking its namespaces."""
    triples, prefixes = _parse(path, terms)
    _check_namespaces(path, prefixes, triples)
    return triples


def _prefixes():
    from nkgraph.namespace import PREFIXES

    return sorted(PREFIXES.items())
