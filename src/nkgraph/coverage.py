"""The coverage audit: is every part of the chapter accounted for by the graph?

The source text is cut into segments: sentences (prose), rows (the lines of the tables), the entries
of References Cited, and the passages declared to state no fact (``data/coverage-exclusions.ttl``:
headings, page furniture, table headings, each with a reason). Each sentence and row is accounted
for by the claims whose quotes overlap it, each entry by its reference record, each declared passage
by its reason; whatever is left is *uncovered*.

>>> from nkgraph.queries import open_store
>>> audit = run_audit(open_store(Path("build/nkgraph.nt")))
>>> audit.counts()["uncovered"], f"{audit.accounted_share():.0%}"
(0, '100%')
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from nkgraph.errors import DataError, QuoteError
from nkgraph.paths import SOURCE_TEXT
from nkgraph.queries import find_query, run_query
from nkgraph.source import SourceText, Span, normalize

#: Where the declared non-fact passages live (for messages).
EXCLUSIONS_FILE = "data/coverage-exclusions.ttl"
#: Words ending in a full stop that do not end a sentence.
ABBREVIATIONS = frozenset({"Corp.", "Co.", "Inc.", "Ltd.", "p.", "pp.", "v.", "no.", "vs.", "e.g.", "i.e.", "Mr.", "Dr.", "St."})
_INITIALS = re.compile(r"(?:[A-Z]\.)+")
_BOUNDARY = re.compile(r"[.!?][\"”’)\]]*(?=\s+[A-Z“\"(])")
_BLANK_LINE = re.compile(r"\n[ \t]*\n\s*")
#: Statuses of a segment, in report order.
STATUSES = ("claims", "reference record", "non-fact", "uncovered")


@dataclass(frozen=True)
class Segment:
    """One sentence, table row, reference entry or declared passage, and what accounts for it."""

    start: int
    end: int
    kind: str  # sentence | table row | reference entry | heading text | page furniture | table furniture
    first_line: int
    last_line: int
    section: str
    text: str
    status: str = "uncovered"
    claims: tuple[str, ...] = ()
    accounted_by: str = ""  # the reference record or the declared passage
    reason: str = ""
    quoted_share: float = 0.0  # share of the segment's non-space characters inside claim quotes


@dataclass
class Audit:
    """The segments of the source text in text order, and what the audit read."""

    segments: list[Segment]
    source: Path
    claims: int
    references: int

    def counts(self) -> Counter[str]:
        """Segments per status, plus ``total``; e.g. ``{"claims": 203, …, "uncovered": 0, "total": 290}``."""
        c = Counter({s: 0 for s in STATUSES})
        c.update(s.status for s in self.segments)
        c["total"] = len(self.segments)
        return c

    def accounted_share(self) -> float:
        """Share of segments accounted for (by claims, reference records or a declared reason)."""
        return 1.0 - self.counts()["uncovered"] / max(1, len(self.segments))

    def uncovered(self) -> list[Segment]:
        """The segments nothing accounts for."""
        return [s for s in self.segments if s.status == "uncovered"]


# -- segmentation ------------------------------------------------------------------------------


def _ends_sentence(raw: str, boundary: int) -> bool:
    """Whether the full stop at ``raw[boundary]`` (or ``?``/``!``) ends a sentence."""
    word_start = max(raw.rfind(" ", 0, boundary), raw.rfind("\n", 0, boundary)) + 1
    word = raw[word_start : boundary + 1].lstrip("(“\"")
    return not (word in ABBREVIATIONS or _INITIALS.fullmatch(word))


def _trim(raw: str, start: int, end: int) -> tuple[int, int] | None:
    while start < end and raw[start].isspace():
        start += 1
    while end > start and raw[end - 1].isspace():
        end -= 1
    return (start, end) if start < end else None


def sentence_spans(raw: str, start: int, end: int) -> list[tuple[int, int]]:
    """Sentences of prose in ``raw[start:end]``, as trimmed ``(start, end)`` offsets.

    A sentence ends at ``.``, ``?`` or ``!`` (and closing quotes or brackets) before a capital or
    an opening bracket, unless the word is an abbreviation or initials ("U.S.", "Corp."); a blank
    line also ends one unless the next line goes on in lower case (a page break mid-sentence).

    >>> raw = "Reserves were large (U.S. Library of Congress, 2005). North Korea ranked third."
    >>> [raw[a:b] for a, b in sentence_spans(raw, 0, len(raw))]
    ['Reserves were large (U.S. Library of Congress, 2005).', 'North Korea ranked third.']
    """
    cuts = [m.end() for m in _BOUNDARY.finditer(raw, start, end) if _ends_sentence(raw, m.start())]
    cuts += [m.start() for m in _BLANK_LINE.finditer(raw, start, end) if m.end() < end and not raw[m.end()].islower()]
    spans, previous = [], start
    for cut in sorted(set(cuts)) + [end]:
        piece = _trim(raw, previous, cut)
        if piece:
            spans.append(piece)
        previous = cut
    return spans


def row_spans(raw: str, start: int, end: int) -> list[tuple[int, int]]:
    """The non-blank lines of a table in ``raw[start:end]``, as trimmed ``(start, end)`` offsets.

    >>> raw = "Coke do. 2,000\\n\\nrRevised.\\n"
    >>> [raw[a:b] for a, b in row_spans(raw, 0, len(raw))]
    ['Coke do. 2,000', 'rRevised.']
    """
    spans, line_start = [], start
    while line_start < end:
        line_end = raw.find("\n", line_start, end)
        line_end = end if line_end == -1 else line_end
        piece = _trim(raw, line_start, line_end)
        if piece:
            spans.append(piece)
        line_start = line_end + 1
    return spans


# -- reading the graph -------------------------------------------------------------------------


@dataclass(frozen=True)
class _Section:
    start: int
    end: int
    order: int
    path: str
    is_table: bool


def _rows(store: ox.Store, name: str) -> list[dict[str, object]]:
    return run_query(find_query(f"coverage/{name}"), store).rows


def _sections(store: ox.Store) -> list[_Section]:
    return [_Section(int(r["start"]), int(r["end"]), int(r["order"]), str(r["path"]), bool(r["is_table"])) for r in _rows(store, "sections")]


def _section_at(sections: list[_Section], offset: int) -> _Section | None:
    inside = [s for s in sections if s.start <= offset < s.end]
    return max(inside, key=lambda s: (s.start, s.order)) if inside else None


def _declared(store: ox.Store, text: SourceText) -> list[tuple[Span, str, str, str]]:
    """The declared non-fact passages: (span, kind, item IRI, reason)."""
    found = []
    for row in _rows(store, "non-fact"):
        item, passage = str(row["item"]), str(row["passage"])
        occurrence = int(row["occurrence"]) if row["occurrence"] is not None else None
        spans = text.find(passage)
        where = item.rsplit("/", 1)[-1]
        if not spans:
            near, line, ratio = text.nearest(passage)
            raise QuoteError(f"the passage of {where} is not in the source text verbatim: {passage!r}", path=EXCLUSIONS_FILE, hint=f"the nearest passage (line {line}, {ratio:.0%} alike) is {near!r}")
        if occurrence is None and len(spans) > 1:
            lines = ", ".join(str(text.line_of(s.start)) for s in spans)
            raise QuoteError(f"the passage of {where} occurs {len(spans)} times (lines {lines})", path=EXCLUSIONS_FILE, hint="add nk:occurrence N to say which one")
        if occurrence is not None and not 1 <= occurrence <= len(spans):
            raise QuoteError(f"{where} has nk:occurrence {occurrence} but the passage occurs {len(spans)} time(s)", path=EXCLUSIONS_FILE, hint="fix nk:occurrence")
        found.append((spans[(occurrence or 1) - 1], str(row["kind"]), item, str(row["reason"] or "")))
    return found


# -- the audit ---------------------------------------------------------------------------------


def _quoted_share(raw: str, start: int, end: int, claim_spans: list[tuple[int, int]]) -> float:
    inside = bytearray(end - start)
    for a, b in claim_spans:
        for i in range(max(a, start), min(b, end)):
            inside[i - start] = 1
    chars = [i for i in range(start, end) if not raw[i].isspace()]
    return sum(inside[i - start] for i in chars) / len(chars) if chars else 0.0


_Piece = tuple[int, int, str, str, str, str]  # start, end, kind, status, accounted_by, reason


def _carved(store: ox.Store, text: SourceText) -> list[_Piece]:
    """The entries of References Cited and the declared passages, in text order, not overlapping."""
    carved: list[_Piece] = []
    for r in _rows(store, "reference-spans"):
        carved.append((int(r["start"]), int(r["end"]), "reference entry", "reference record", str(r["reference"]), f"entry of References Cited: {r['citation']}"))
    for span, kind, item, reason in _declared(store, text):
        carved.append((span.start, span.end, kind, "non-fact", item, reason))
    carved.sort()
    for previous, piece in zip(carved, carved[1:]):
        if piece[0] < previous[1]:
            name = piece[4].rsplit("/", 1)[-1]
            raise DataError(f"{name} overlaps another declared passage or reference entry (line {text.line_of(piece[0])})", path=EXCLUSIONS_FILE, hint="declare each passage once")
    return carved


def _segments_between(raw: str, sections: list[_Section], start: int, end: int) -> list[_Piece]:
    """Sentences (prose) or rows (tables) of ``raw[start:end]``, never across a section start."""
    pieces: list[_Piece] = []
    cuts = sorted({start, end} | {s.start for s in sections if start < s.start < end})
    for a, b in zip(cuts, cuts[1:]):
        section = _section_at(sections, a)
        if section is not None and section.is_table:
            pieces += [(x, y, "table row", "", "", "") for x, y in row_spans(raw, a, b)]
        else:
            pieces += [(x, y, "sentence", "", "", "") for x, y in sentence_spans(raw, a, b)]
    return pieces


def run_audit(store: ox.Store, text: SourceText | None = None) -> Audit:
    """Segment the source text and account for every segment with the built graph in ``store``."""
    text = text or SourceText.load(SOURCE_TEXT)
    built_from = {str(r["sha256"]) for r in _rows(store, "source-text")}
    if built_from and text.sha256 not in built_from:
        raise DataError("the graph was built from another version of the source text", path=text.path, hint="rebuild with 'nkgraph build'")
    raw, sections = text.raw, _sections(store)
    claims = [(int(r["start"]), int(r["end"]), str(r["claim"])) for r in _rows(store, "claim-spans")]
    carved = _carved(store, text)
    pieces, cursor = list(carved), 0
    for start, end, *_ in carved + [(len(raw), len(raw), "", "", "", "")]:
        pieces += _segments_between(raw, sections, cursor, start)
        cursor = max(cursor, end)
    segments = []
    for start, end, kind, status, accounted_by, reason in sorted(pieces):
        overlapping = [(a, b, c) for a, b, c in claims if a < end and b > start]
        section = _section_at(sections, start)
        segments.append(
            Segment(
                start=start,
                end=end,
                kind=kind,
                first_line=text.line_of(start),
                last_line=text.line_of(end - 1),
                section=section.path if section else "",
                text=normalize(raw[start:end]),
                status=status or ("claims" if overlapping else "uncovered"),
                claims=tuple(sorted({c for _, _, c in overlapping})),
                accounted_by=accounted_by,
                reason=reason,
                quoted_share=_quoted_share(raw, start, end, [(a, b) for a, b, _ in overlapping]),
            )
        )
    return Audit(segments=segments, source=text.path or SOURCE_TEXT, claims=len(claims), references=sum(1 for p in carved if p[2] == "reference entry"))


# -- output ------------------------------------------------------------------------------------

FORMATS = ("text", "csv", "json")
COLUMNS = ("segment", "kind", "status", "first_line", "last_line", "section", "claims", "quoted_share", "accounted_by", "reason", "text", "claim_iris")


_PLURAL = {"sentence": "sentences", "table row": "table rows", "heading text": "headings", "reference entry": "reference entries", "table furniture": "table headings and notes", "page furniture": "page furniture", "cell fragment": "cell fragments"}


def _record(number: int, s: Segment) -> dict[str, object]:
    return {
        "segment": number,
        "kind": s.kind,
        "status": s.status,
        "first_line": s.first_line,
        "last_line": s.last_line,
        "section": s.section,
        "claims": len(s.claims),
        "quoted_share": round(s.quoted_share, 3),
        "accounted_by": s.accounted_by,
        "reason": s.reason,
        "text": s.text,
        "claim_iris": " ".join(s.claims),
    }


def _lines(s: Segment) -> str:
    return f"line {s.first_line}" if s.first_line == s.last_line else f"lines {s.first_line}-{s.last_line}"


def summary(audit: Audit) -> list[str]:
    """The audit in a few lines: segments by kind and by status, and the share accounted for."""
    c = audit.counts()
    kinds = Counter(s.kind for s in audit.segments)
    prose = [s for s in audit.segments if s.kind in ("sentence", "table row")]
    share = sum(s.quoted_share for s in prose) / max(1, len(prose))
    return [
        f"{c['total']} segments of {audit.source.name}: " + ", ".join(f"{n} {_PLURAL.get(k, k)}" for k, n in sorted(kinds.items(), key=lambda kv: -kv[1])),
        f"  covered by claims:            {c['claims']:4}  (quotes of {audit.claims} claims)",
        f"  covered by reference records: {c['reference record']:4}",
        f"  declared non-fact:            {c['non-fact']:4}  ({EXCLUSIONS_FILE})",
        f"  uncovered:                    {c['uncovered']:4}",
        f"accounted for: {c['total'] - c['uncovered']} of {c['total']} ({audit.accounted_share():.1%}); "
        f"on average {share:.1%} of the characters of a sentence or table row lie inside claim quotes",
    ]


def render_audit(audit: Audit, fmt: str = "text", *, every_segment: bool = False) -> str:
    """The audit as a readable summary (with the uncovered segments), CSV or JSON (every segment)."""
    records = [_record(i, s) for i, s in enumerate(audit.segments, 1)]
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(records)
        return buf.getvalue()
    if fmt == "json":
        data = {"summary": dict(audit.counts()), "accounted_share": round(audit.accounted_share(), 4), "segments": records}
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    lines = summary(audit)
    uncovered = audit.uncovered()
    if uncovered:
        lines += ["", "Uncovered (no claim quotes these words, and they are not declared non-fact):"]
        lines += [f"  {_lines(s)} [{s.section}] {s.kind}: {s.text}" for s in uncovered]
    quoted_declared = [s for s in audit.segments if s.status == "non-fact" and s.claims]
    if quoted_declared:
        lines += ["", "Declared non-fact but quoted by claims (drop the declaration or fix the quote):"]
        lines += [f"  {_lines(s)}: {s.text} — {', '.join(c.rsplit('/', 1)[-1] for c in s.claims)}" for s in quoted_declared]
    if every_segment:
        lines += ["", "Every segment (status, claims, share of characters quoted):"]
        for s in audit.segments:
            why = f"{len(s.claims)} claims, {s.quoted_share:.0%}" if s.status == "claims" else (s.reason or s.status)
            lines.append(f"  {_lines(s):>13}  {s.kind:15} {s.status:16} {why}: {s.text[:80]}")
    return "\n".join(lines) + "\n"
