"""Turn the authored data into the published graph.

What authors write is kept; what can be computed is added: quote anchors (Web Annotation
selectors with character offsets), lines, pages and sections; citation nodes; attribution;
conflict symmetry and ``nk:disputed``; canonical values of quantities; name attestations;
plain-word statements; and the "truthy" triples of undisputed factual claims.

>>> from nkgraph.loading import load_sources
>>> sources = load_sources()
>>> graph = compile_graph(sources)
>>> from nkgraph.namespace import NK, NKD
>>> graph.value(NKD["sec-copper"], NK.sectionPath)
rdflib.term.Literal('Commodity Review > Metals > Copper')
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from rdflib import RDF, RDFS, SKOS, XSD, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV
from rdflib.term import Node

from nkgraph.errors import DataError, QuoteError, VocabularyError
from nkgraph.namespace import CITO, NK, NKD, OA
from nkgraph.source import SourceText, Span
from nkgraph.triples import adder

#: Modalities whose undisputed claims become plain ("truthy") triples.
FACTUAL = frozenset({NK.Asserted, NK.Reported, NK.Estimated, NK.Approximate})
CHAPTER = NKD["usgs-myb-2007-north-korea"]
SOURCE_NODE = NKD["source-text"]
_CONTEXT = 32
# the terms of a text anchor, looked up once (an rdflib namespace attribute costs ~2 µs)
_TYPE, _TEXT_ANCHOR, _PAGE, _START_LINE, _END_LINE = RDF.type, NK.textAnchor, NK.page, NK.startLine, NK.endLine
_SPECIFIC_RESOURCE, _HAS_SOURCE, _HAS_SELECTOR, _POSITION_SELECTOR = OA.SpecificResource, OA.hasSource, OA.hasSelector, OA.TextPositionSelector
_START, _END, _QUOTE_SELECTOR, _EXACT, _PREFIX, _SUFFIX = OA.start, OA.end, OA.TextQuoteSelector, OA.exact, OA.prefix, OA.suffix
_NON_NEGATIVE, _POSITIVE = XSD.nonNegativeInteger, XSD.positiveInteger
_LABEL, _QUANTITY, _VALUE_AS_PRINTED, _UNIT_AS_PRINTED, _UNIT = RDFS.label, NK.Quantity, NK.valueAsPrinted, NK.unitAsPrinted, NK.unit
_SUBJECT, _PREDICATE, _OBJECT, _CLAIM = RDF.subject, RDF.predicate, RDF.object, NK.Claim


@dataclass
class Sources:
    """Everything a build reads: the authored data, the ontology, the shapes and the text."""

    data: Graph
    ontology: Graph
    shapes: Graph
    text: SourceText
    origin: dict[Node, Path]  # subject -> data file that declares it
    files: list[Path]


def local(iri: Node) -> str:
    """Last segment of an IRI (after ``#`` or ``/``)."""
    text = str(iri)
    for sep in ("#", "/"):
        if sep in text:
            text = text.rsplit(sep, 1)[1]
    return text


def _line_in_file(path: Path | None, node: Node) -> int | None:
    if path is None:
        return None
    needle = "nkd:" + local(node)
    try:
        for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if line.startswith(needle) or f"<{node}>" in line:
                return i
    except OSError:
        return None
    return None


def _find_term(files: list[Path], term: URIRef) -> tuple[Path | None, int | None, int | None]:
    """Where ``term`` of the nk: namespace is first written in ``files``: (path, line, column), 1-based."""
    import re

    pattern = re.compile(rf"(?<![\w:-])nk:{re.escape(local(term))}(?![\w-])|<{re.escape(str(term))}>")
    for path in files:
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError):
            continue
        for i, line in enumerate(lines, 1):
            m = pattern.search(line.split("#", 1)[0] if '"' not in line else line)
            if m:
                return path, i, m.start() + 1
    return None, None, None


def _first_difference(near: str, quote: str) -> str:
    """Where a quote first differs from the nearest passage, as a clause of the hint ('' when they are equal)."""
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, near, quote, autojunk=False).get_opcodes():
        if tag != "equal":
            return f"; the first difference: the source has {near[max(0, i1 - 12) : i2 + 12]!r} where the quote has {quote[max(0, j1 - 12) : j2 + 12]!r}"
    return ""


def decimal_literal(number: Decimal) -> Literal:
    """An xsd:decimal literal whose lexical form always has a decimal point.

    Turtle writes an xsd:decimal as a bare number, which needs a point to stay a decimal; giving the
    lexical form one keeps the Turtle and N-Triples outputs the same terms.

    >>> decimal_literal(Decimal("24100")).n3()
    '"24100.0"^^<http://www.w3.org/2001/XMLSchema#decimal>'
    """
    text = format(number.normalize() if number != number.to_integral() else number.quantize(Decimal(1)), "f")
    if "." not in text:
        text += ".0"
    return Literal(text, datatype=XSD.decimal)


def _readers(graph: Graph):
    """``value(s, p)`` and ``has(s, p, o)`` on ``graph``, as rdflib's ``Graph.value`` and ``in``.

    They read the Memory store's index directly (see :mod:`nkgraph.triples`): rdflib's own calls
    cost ~10 µs each in context bookkeeping, and the compiler makes ~60 000 of them.
    """
    from nkgraph.triples import memory_indexes

    found = memory_indexes(graph)
    if found is None:
        return graph.value, lambda s, p, o: (s, p, o) in graph
    spo = found[0]

    def value(s: Node | None, p: Node) -> Node | None:
        if s is None:
            return graph.value(s, p)  # rdflib's wildcard: any subject
        objects = spo.get(s, _EMPTY).get(p)
        return next(iter(objects)) if objects else None

    def has(s: Node, p: Node, o: Node) -> bool:
        objects = spo.get(s, _EMPTY).get(p)
        return bool(objects) and o in objects

    return value, has


def _subjects_reader(graph: Graph):
    """``subjects(p, o)``: the list of ``graph.subjects(p, o)``, read from the Memory store's index when it can be."""
    from nkgraph.triples import memory_indexes

    found = memory_indexes(graph)
    if found is None:
        return lambda p, o: list(graph.subjects(p, o))
    pos = found[1]
    return lambda p, o: list(pos.get(p, _EMPTY).get(o, _EMPTY))


_EMPTY: dict = {}


def _sorted_nodes(nodes: list[Node]) -> list[Node]:
    """``sorted(nodes)``; by plain text when all are IRIs (how rdflib orders two IRIs, without its Python-level ``__lt__``)."""
    if all(type(n) is URIRef for n in nodes):
        return sorted(nodes, key=str.__str__)
    return sorted(nodes)


class Compiler:
    """Adds the computed parts to a copy of the authored graph."""

    def __init__(self, sources: Sources) -> None:
        self.src = sources
        self.text = sources.text
        self.g = sources.data  # compiled in place: the authored graph is not needed afterwards
        self.value, self.has = _readers(self.g)
        self.ontology_value = _readers(sources.ontology)[0]
        self.subjects = _subjects_reader(self.g)
        self.add = adder(self.g)  # graph.add, minus rdflib's per-call bookkeeping
        self._numbers: dict[tuple[int, URIRef], Literal] = {}
        self.sections: list[tuple[int, int, URIRef]] = []  # (start, end, section) by start

    # -- helpers ---------------------------------------------------------------------------
    def where(self, node: Node) -> tuple[Path | None, int | None]:
        path = self.src.origin.get(node)
        return path, _line_in_file(path, node)

    def where_in(self, node: Node, *needles: str) -> tuple[Path | None, int | None, int | None]:
        """(path, line, column) of the first line of ``node``'s statement holding all ``needles`` (else its first line)."""
        path, line = self.where(node)
        if path is None or line is None:
            return path, line, None
        lines = path.read_text(encoding="utf-8").splitlines()
        for i in range(line - 1, len(lines)):
            if all(n in lines[i] for n in needles):
                return path, i + 1, lines[i].index(needles[0]) + 1
            if lines[i].rstrip().endswith(" .") or (i > line - 1 and lines[i].startswith("nkd:")):
                break
        return path, line, None

    def integer(self, node: Node, prop: URIRef, default: int, owner: Node | None = None) -> int:
        """The whole number ``node`` has for ``prop`` (``default`` when absent); a :class:`DataError` when it is not one."""
        value = self.value(node, prop)
        if value is None:
            return default
        try:
            return int(value)
        except ValueError:
            path, line, column = self.where_in(owner if owner is not None else node, f"nk:{local(prop)}", str(value))
            raise DataError(
                f"nk:{local(prop)} of {local(owner if owner is not None else node)} must be a whole number, not {str(value)!r}",
                path=path,
                line=line,
                column=column,
                hint=f"write a bare number without quotes, e.g. nk:{local(prop)} 2",
            ) from None

    def label(self, node: Node) -> str:
        if isinstance(node, Literal):
            return str(node)
        if self.has(node, _TYPE, _QUANTITY):
            shown = self.value(node, _VALUE_AS_PRINTED)
            unit = self.value(node, _UNIT_AS_PRINTED) or self.value(self.value(node, _UNIT), _LABEL)
            return " ".join(str(x) for x in (shown, unit) if x is not None)
        for value_of in (self.value, self.ontology_value):
            value = value_of(node, _LABEL)
            if value is not None:
                return str(value)
        return local(node)

    def anchor(self, owner: URIRef, span: Span, *, quote_selector: bool = True) -> None:
        add, text, number = self.add, self.text, self.number
        anchor = URIRef(f"{owner}_anchor")
        pos = URIRef(f"{owner}_position-selector")
        add((owner, _TEXT_ANCHOR, anchor))
        add((anchor, _TYPE, _SPECIFIC_RESOURCE))
        add((anchor, _HAS_SOURCE, SOURCE_NODE))
        add((anchor, _HAS_SELECTOR, pos))
        add((pos, _TYPE, _POSITION_SELECTOR))
        add((pos, _START, number(span.start, _NON_NEGATIVE)))
        add((pos, _END, number(span.end, _NON_NEGATIVE)))
        if quote_selector:
            qs = URIRef(f"{owner}_quote-selector")
            prefix, suffix = text.context(span, _CONTEXT)
            add((anchor, _HAS_SELECTOR, qs))
            add((qs, _TYPE, _QUOTE_SELECTOR))
            add((qs, _EXACT, Literal(text.raw[span.start : span.end])))
            add((qs, _PREFIX, Literal(prefix)))
            add((qs, _SUFFIX, Literal(suffix)))
        add((owner, _START_LINE, number(text.line_of(span.start), _POSITIVE)))
        add((owner, _END_LINE, number(text.line_of(span.end - 1), _POSITIVE)))
        page = text.page_of(span.start)
        if page:
            add((owner, _PAGE, Literal(page)))

    def number(self, n: int, datatype: URIRef) -> Literal:
        """``Literal(n, datatype=datatype)``, one object per value (line numbers repeat)."""
        key = (n, datatype)
        found = self._numbers.get(key)
        if found is None:
            found = self._numbers[key] = Literal(n, datatype=datatype)
        return found

    def section_at(self, offset: int) -> URIRef | None:
        best = None
        for start, end, sec in self.sections:
            if start <= offset < end:
                best = sec  # later (deeper) sections win: list is in document order
        return best

    # -- steps -----------------------------------------------------------------------------
    def check_vocabulary(self) -> None:
        from nkgraph.triples import all_triples, memory_indexes

        ontology = memory_indexes(self.src.ontology)
        known = {s for s in (ontology[0] if ontology is not None else self.src.ontology.subjects()) if isinstance(s, URIRef)}
        ns = str(NK)
        checked: set[URIRef] = set()  # each term once (the data repeats most of them)
        for s, p, o in all_triples(self.src.data):
            for term in (s, p, o):
                if not isinstance(term, URIRef) or term in checked:
                    continue
                checked.add(term)
                if str.startswith(term, ns) and term not in known:
                    path, line, column = _find_term(self.src.files, term)
                    if path is None:
                        (path, line), column = self.where(s), None
                    close = difflib.get_close_matches(local(term), [local(k) for k in known if str(k).startswith(ns)], n=3)
                    hint = f"did you mean {', '.join('nk:' + c for c in close)}? " if close else ""
                    hint += "(nk: terms are defined in ontology/nkgraph.ttl; a new one is added there first, see docs/authoring.md)"
                    raise VocabularyError(f"unknown term nk:{local(term)}: the ontology does not define it (used by {local(s).split('_')[0]})", path=path, line=line, column=column, hint=hint)

    def compute_sections(self) -> None:
        text = self.text
        sections = sorted(self.subjects(_TYPE, NK.Section), key=lambda s: self.integer(s, NK.order, 0))
        starts: list[tuple[int, URIRef]] = []
        cursor = 0
        for sec in sections:
            heading = self.value(sec, NK.heading)
            if heading is None:
                continue
            found = None
            for span in text.find(str(heading)):
                line_start = text.raw.rfind("\n", 0, span.start) + 1
                if span.start >= cursor and not text.raw[line_start : span.start].strip():
                    found = span
                    break
            if found is None:
                path, line = self.where(sec)
                raise DataError(f"heading {str(heading)!r} of section {local(sec)} is not at the start of a line of the source text (after the previous section)", path=path, line=line, hint="copy the heading exactly as it starts its line in the source text, and keep nk:order in document order")
            starts.append((found.start, sec))
            cursor = found.end

        def depth(sec: URIRef) -> int:
            d, parent = 0, self.value(sec, DCTERMS.isPartOf)
            while parent is not None and self.has(parent, RDF.type, NK.Section):
                d, parent = d + 1, self.value(parent, DCTERMS.isPartOf)
                if d > len(sections):
                    path, line, column = self.where_in(sec, "dcterms:isPartOf")
                    raise DataError(f"section {local(sec)} is part of itself (a loop of dcterms:isPartOf)", path=path, line=line, column=column, hint="a section is part of its parent section or of the chapter: fix dcterms:isPartOf")
            return d

        for _, sec in starts:
            depth(sec)  # refuses loops before the paths below follow them
        for i, (start, sec) in enumerate(starts):
            end = len(text.raw)
            for later_start, later in starts[i + 1 :]:
                if depth(later) <= depth(sec):
                    end = later_start
                    break
            self.sections.append((start, end, sec))
            path, parent = [self.label(sec)], self.value(sec, DCTERMS.isPartOf)
            while parent is not None and self.has(parent, RDF.type, NK.Section):
                path.insert(0, self.label(parent))
                parent = self.value(parent, DCTERMS.isPartOf)
            self.add((sec, NK.sectionPath, Literal(" > ".join(path))))
            while end > start and text.raw[end - 1].isspace():
                end -= 1
            self.anchor(sec, Span(start, end), quote_selector=False)

    def locate_quote(self, owner: URIRef, quote: str, occurrence: int | None, what: str = "quote") -> Span:
        prop = "nk:quote" if what == "quote" else "nk:entryText"
        if not quote.strip():
            path, line, column = self.where_in(owner, prop)
            raise QuoteError(f"the {what} of {local(owner)} is empty", path=path, line=line, column=column, hint="copy the words that state the claim from data/source/usgs-myb-2007-north-korea.txt")
        spans = self.text.find(quote)
        if len(spans) == 1 and occurrence in (None, 1):
            return spans[0]
        if spans and occurrence is not None and 1 <= occurrence <= len(spans):
            return spans[occurrence - 1]  # the common case with nk:occurrence: no need to find the line
        path, line, column = self.where_in(owner, prop)
        if not spans:
            near, near_line, ratio = self.text.nearest(quote)
            raise QuoteError(
                f"the {what} of {local(owner)} is not in the source text verbatim: {quote!r}",
                path=path,
                line=line,
                column=column,
                hint=f"the nearest passage (source line {near_line}, {ratio:.0%} alike) is {near!r}{_first_difference(near, quote)}; copy the words exactly from data/source/usgs-myb-2007-north-korea.txt",
            )
        if occurrence is None and len(spans) > 1:
            lines = ", ".join(str(self.text.line_of(s.start)) for s in spans)
            raise QuoteError(
                f"the {what} of {local(owner)} occurs {len(spans)} times in the source text (lines {lines})",
                path=path,
                line=line,
                column=column,
                hint="quote more words so it is unique, or add nk:occurrence N to say which one",
            )
        if occurrence is not None and not 1 <= occurrence <= len(spans):
            path, line, column = self.where_in(owner, "nk:occurrence")
            raise QuoteError(f"{local(owner)} has nk:occurrence {occurrence} but the {what} occurs {len(spans)} time(s)", path=path, line=line, column=column, hint=f"fix nk:occurrence: a number from 1 to {len(spans)}")
        return spans[(occurrence or 1) - 1]

    def anchor_claims(self) -> None:
        for claim in _sorted_nodes(self.subjects(_TYPE, _CLAIM)):
            quote = self.value(claim, NK.quote)
            if quote is None:
                continue  # SHACL reports the missing quote
            occ = self.value(claim, NK.occurrence)
            span = self.locate_quote(claim, str(quote), self.integer(claim, NK.occurrence, 0) if occ is not None else None)
            self.anchor(claim, span)
            self.add((claim, NK.statedIn, CHAPTER))
            section = self.section_at(span.start)
            if section is not None:
                self.add((claim, NK.inSection, section))

    def anchor_references(self) -> None:
        g = self.g
        for ref in sorted(g.subjects(NK.entryText, None)):
            span = self.locate_quote(ref, str(self.value(ref, NK.entryText)), None, what="entry text")
            self.anchor(ref, span)
            section = self.section_at(span.start)
            if section is not None:
                self.add((ref, NK.inSection, section))

    def citations(self) -> None:
        g = self.g
        references = set(self.subjects(_TYPE, NK.Reference))
        for claim, cit in sorted(g.subject_objects(NK.citation)):
            ref = self.value(cit, CITO.hasCitedEntity)
            if ref not in references:
                path, line, column = self.where_in(claim, "nkd:" + local(ref)) if ref is not None else (*self.where(claim), None)
                close = difflib.get_close_matches(local(ref) if ref else "", [local(r) for r in references], n=3)
                raise DataError(
                    f"{local(claim)} cites {('nkd:' + local(ref)) if ref else 'nothing'}, which is not a reference (no nk:Reference with that IRI)",
                    path=path,
                    line=line,
                    column=column,
                    hint=(f"did you mean {', '.join('nkd:' + c for c in close)}?" if close else "add the reference to data/references.ttl"),
                )
            self.add((cit, RDF.type, CITO.Citation))
            self.add((cit, CITO.hasCitingEntity, claim))
            self.add((claim, CITO.citesAsEvidence, ref))

    def attributions(self) -> None:
        g = self.g
        for claim in sorted(set(g.subjects(NK.attribution, None))):
            hops = list(g.objects(claim, NK.attribution))
            for hop in hops:
                self.add((hop, RDF.type, NK.ReportingHop))
            first = min(self.integer(h, NK.position, 1, owner=claim) for h in hops)
            for hop in hops:
                if self.integer(hop, NK.position, 1, owner=claim) == first and self.value(hop, NK.agent) is not None:
                    self.add((claim, PROV.wasAttributedTo, self.value(hop, NK.agent)))

    def conflicts(self) -> None:
        g = self.g
        for a, b in list(g.subject_objects(NK.conflictsWith)):
            self.add((b, NK.conflictsWith, a))
        for claim in self.subjects(_TYPE, NK.Claim):
            disputed = self.value(claim, NK.conflictsWith) is not None
            self.add((claim, NK.disputed, Literal(disputed)))

    def quantities(self) -> None:
        for q in sorted(self.subjects(_TYPE, NK.Quantity)):
            unit = self.value(q, NK.unit)
            factor = self.value(unit, NK.conversionFactor) if unit is not None else None
            canonical = self.value(unit, NK.canonicalUnit) if unit is not None else None
            if canonical is not None:
                self.add((q, NK.canonicalUnit, canonical))
            value = self.value(q, NK.numericValue)
            if value is None or factor is None:
                continue
            try:
                number = Decimal(str(value)) * Decimal(str(factor))
            except InvalidOperation:
                continue  # SHACL reports the ill-typed value
            self.add((q, NK.canonicalValue, decimal_literal(number)))

    def attestations(self) -> None:
        g, text = self.g, self.text
        for entity in sorted(set(g.subjects(SKOS.altLabel, None))):
            spellings = {str(n) for n in g.objects(entity, SKOS.altLabel)}
            label = self.value(entity, RDFS.label)
            found: list[tuple[Span, str]] = []
            for spelling in sorted(spellings):
                spans = text.find_words(spelling)
                if not spans:
                    path, line = self.where(entity)
                    raise DataError(f"the alternative name {spelling!r} of {local(entity)} does not occur in the source text", path=path, line=line, hint="skos:altLabel must be a spelling the chapter prints; put editorial names in rdfs:label or nk:nameNote")
                found += [(s, spelling) for s in spans]
            if label is not None and str(label) not in spellings:
                found += [(s, str(label)) for s in text.find_words(str(label))]
            # a longer spelling covering a shorter one at the same place wins
            found.sort(key=lambda x: (x[0].start, -(x[0].end - x[0].start)))
            kept: list[tuple[Span, str]] = []
            for span, spelling in found:
                if kept and span.start < kept[-1][0].end:
                    continue
                kept.append((span, spelling))
            for i, (span, spelling) in enumerate(kept, 1):
                node = URIRef(f"{entity}_name-{i}")
                self.add((node, RDF.type, NK.NameAttestation))
                self.add((node, NK.attests, entity))
                self.add((node, NK.spelling, Literal(spelling)))
                self.anchor(node, span, quote_selector=False)
                section = self.section_at(span.start)
                if section is not None:
                    self.add((node, NK.inSection, section))

    def statements(self) -> None:
        value, date_p, start_p, end_p, statement = self.value, NK.date, NK.startDate, NK.endDate, NK.statement
        for claim in _sorted_nodes(self.subjects(_TYPE, _CLAIM)):
            s, p, o = value(claim, _SUBJECT), value(claim, _PREDICATE), value(claim, _OBJECT)
            if s is None or p is None or o is None:
                continue
            words = f"{self.label(s)} — {self.label(p)} — {self.label(o)}"
            date = value(claim, date_p)
            start, end = value(claim, start_p), value(claim, end_p)
            if date is not None:
                words += f" ({date})"
            elif start is not None or end is not None:
                words += f" ({start or '…'} to {end or '…'})"
            self.add((claim, statement, Literal(words)))

    def truthy(self) -> None:
        value, disputed, modality, true = self.value, NK.disputed, NK.modality, Literal(True)
        for claim in _sorted_nodes(self.subjects(_TYPE, _CLAIM)):
            if value(claim, disputed) == true or value(claim, modality) not in FACTUAL:
                continue
            s, p, o = value(claim, _SUBJECT), value(claim, _PREDICATE), value(claim, _OBJECT)
            if s is not None and p is not None and o is not None:
                self.add((s, p, o))

    def source_node(self) -> None:
        self.add((SOURCE_NODE, NK.sha256, Literal(self.text.sha256)))

    def run(self) -> Graph:
        self.check_vocabulary()
        self.compute_sections()
        self.anchor_claims()
        self.anchor_references()
        self.citations()
        self.attributions()
        self.conflicts()
        self.quantities()
        self.attestations()
        self.statements()
        self.truthy()
        self.source_node()
        return self.g


def compile_graph(sources: Sources) -> Graph:
    """The published graph computed from the authored sources (see module docs).

    The authored graph ``sources.data`` is extended in place and returned.
    """
    return Compiler(sources).run()
