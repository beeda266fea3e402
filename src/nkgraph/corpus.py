"""Build a corpus of many documents into one persistent Oxigraph store (``nkgraph corpus build``).

A corpus folder holds ``shared.nt`` (the vocabulary every document uses: ontology, commodities,
units, countries …) and ``documents/*.nt``, one N-Triples file per document (a chapter or a
report: its own unit of provenance). ``nkgraph synth`` writes such folders. The build:

1. **hashes** every file (SHA-256 of its bytes; a file whose size and modification time equal
   those recorded in ``OUT/store/INPUTS`` by the last build is not read again);
2. **validates each document on its own**: the document's triples + the shared vocabulary + the
   ontology against the corpus shapes (:func:`nkgraph.synth.corpus_shapes`), with
   :func:`nkgraph.validation.validate_graph`, in a pool of ``workers`` processes. Reports are cached
   by content (document, shared vocabulary, ontology, shapes, engine): after one document changes,
   only that document is validated again;
3. writes **one Oxigraph store** (``OUT/store/db``) whose default graph is the union of the shared
   vocabulary and every document — what the library queries read. Beside it, ``OUT/store/documents/``
   keeps each document's triples as loaded (canonical N-Triples) and ``OUT/store/hashes/`` their
   64-bit hashes, so the next build knows what a changed document used to say and whether another
   document still says it. A full build stages the store in a hidden folder of ``OUT`` and moves it
   into place; when only documents changed, the previous store is checkpointed (hard links), the
   changed documents' old triples are removed (unless another document or the shared vocabulary
   still states them; a 64-bit hash collision can at worst keep a triple) and their new triples
   added, and the checkpoint is moved into place the same way;
4. writes ``OUT/manifest.json`` (inputs' hashes and sizes, shapes and ontology hashes; no times,
   so two builds of the same inputs write the same manifest).

Constraints that span documents (e.g. a citation label unique in the whole graph) are checked
within each document only. A bad document (syntax) or a violation leaves ``OUT`` as it was.

>>> result = build_corpus(Path("/tmp/nkbench/c-100000"), Path("/tmp/nkbench/c-100000-out"))  # doctest: +SKIP
>>> result.conforms, len(result.validated), result.store_mode                               # doctest: +SKIP
(True, 3, 'full')
"""

from __future__ import annotations

import hashlib
import inspect
import json
import mmap
import os
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable

import pyoxigraph as ox

if TYPE_CHECKING:
    import numpy as np

from nkgraph.cache import RecordOnlyCache, ValidationCache
from nkgraph.errors import DataError, ValidationFailed

STORE_DIR = "store"
MANIFEST = "manifest.json"
STAMP = "CORPUS"
INPUTS = "INPUTS"  # size, mtime, SHA-256 of each input at the last build: unchanged files are not re-read
KIND = "nkgraph-corpus-build"

Progress = Callable[[str, int, int], None]


@dataclass
class CorpusBuild:
    """What :func:`build_corpus` did: documents validated vs reused, the store update, timings."""

    out_dir: Path
    documents: int
    triples: int
    conforms: bool
    validated: list[str] = field(default_factory=list)
    cached: list[str] = field(default_factory=list)
    store_mode: str = "full"  # "full", "incremental" or "unchanged"
    changed: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    manifest: dict = field(default_factory=dict)


@dataclass(frozen=True)
class _Doc:
    slug: str
    path: Path
    sha256: str
    triples: int


def _count_triples(data: bytes) -> int:
    """N-Triples holds one triple per line: count the lines that are neither blank nor comments."""
    return sum(1 for line in data.splitlines() if line.strip() and not line.lstrip().startswith(b"#"))


def _scan(path: Path, slug: str, known: dict | None = None, key: str = "") -> _Doc:
    """Hash one input file; ``known`` (the previous build's ``{key: [size, mtime_ns, sha256, triples]}``, keyed
    by :func:`_input_key`) spares re-reading unchanged files."""
    try:
        st = path.stat()
        hit = (known or {}).get(key)
        if hit and hit[:2] == [st.st_size, st.st_mtime_ns]:
            return _Doc(slug, path, hit[2], hit[3])
        data = path.read_bytes()
    except OSError as err:
        raise DataError(f"cannot read file: {err.strerror}", path=path, hint="check the path and its permissions") from None
    return _Doc(slug, path, hashlib.sha256(data).hexdigest(), _count_triples(data))


def discover(corpus_dir: Path, known: dict | None = None) -> tuple[_Doc, list[_Doc]]:
    """The shared vocabulary and the documents of a corpus folder (sorted by slug), hashed."""
    shared = corpus_dir / "shared.nt"
    docs_dir = corpus_dir / "documents"
    if not shared.is_file() or not docs_dir.is_dir():
        raise DataError(
            "not a corpus folder: it needs shared.nt and a documents/ folder of N-Triples files",
            path=corpus_dir,
            hint="generate one with 'nkgraph synth --triples 100000 --out DIR', or lay out your own the same way",
        )
    paths = sorted(docs_dir.glob("*.nt"))
    if not paths:
        raise DataError("the corpus has no documents (documents/*.nt)", path=docs_dir, hint="add at least one N-Triples document")
    return _scan(shared, "shared", known, _input_key(shared, True)), [_scan(p, p.stem, known, _input_key(p, False)) for p in paths]


def _input_key(path: Path, shared: bool) -> str:
    """How ``INPUTS`` names an input: relative to the corpus folder, so a moved corpus is not read again.

    >>> _input_key(Path("/data/corpus/documents/myb-2007-north-korea.nt"), False), _input_key(Path("/data/corpus/shared.nt"), True)
    ('documents/myb-2007-north-korea.nt', 'shared.nt')
    """
    return "shared.nt" if shared else f"documents/{path.name}"


def _inputs_record(shared: _Doc, docs: list[_Doc]) -> str:
    out = {}
    for d in (shared, *docs):
        st = d.path.stat()
        out[_input_key(d.path, d is shared)] = [st.st_size, st.st_mtime_ns, d.sha256, d.triples]
    return json.dumps(out, sort_keys=True)


def _known_inputs(out_dir: Path) -> dict | None:
    try:
        return json.loads((out_dir / STORE_DIR / INPUTS).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _syntax_error(path: Path, err: SyntaxError, data: bytes) -> DataError:
    from nkgraph.errors import excerpt

    line, column = getattr(err, "lineno", None), getattr(err, "offset", None)
    message = str(err).split(": ", 1)[-1]
    return DataError(
        f"not valid N-Triples: {message}",
        path=path,
        line=line,
        column=column,
        hint="each line must be one triple '<s> <p> <o> .' (IRIs in <>, literals quoted); fix that line or regenerate the document",
        excerpt=excerpt(data.decode("utf-8", "replace"), line, column, 1) if line else None,
    )


def parse_document(path: Path) -> list[ox.Triple]:
    """The triples of one N-Triples document; :class:`DataError` naming file and line when it is not valid."""
    data = path.read_bytes()
    try:
        return [q.triple for q in ox.parse(data, format=ox.RdfFormat.N_TRIPLES)]
    except SyntaxError as err:
        raise _syntax_error(path, err, data) from None


_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def _to_rdflib(triples: list[ox.Triple]) -> list[tuple]:
    """Oxigraph triples as rdflib terms, each distinct term converted once (lexical forms kept as they are)."""
    from rdflib import BNode, Literal, URIRef

    memo: dict = {}

    def term(t: object) -> object:
        hit = memo.get(t)
        if hit is None:
            if isinstance(t, ox.NamedNode):
                hit = URIRef(t.value)
            elif isinstance(t, ox.BlankNode):
                hit = BNode("b" + t.value)
            elif t.language:
                hit = Literal(t.value, lang=t.language)
            elif t.datatype.value == _XSD_STRING:
                hit = Literal(t.value)
            else:
                hit = Literal(t.value, datatype=URIRef(t.datatype.value))
            memo[t] = hit
        return hit

    return [(term(t.subject), term(t.predicate), term(t.object)) for t in triples]


def _engine_name() -> str:
    from nkgraph.validation import validate_graph

    param = inspect.signature(validate_graph).parameters.get("engine")
    return str(param.default) if param is not None else "pyshacl"


def _ntriples_of(graph) -> bytes:
    """An rdflib graph as N-Triples bytes (written by Oxigraph from the converted terms)."""
    quads = []
    for s, p, o in graph:
        quads.append(ox.Triple(_ox(s), _ox(p), _ox(o)))
    return ox.serialize(quads, format=ox.RdfFormat.N_TRIPLES) or b""


def _ox(term: object) -> object:
    from rdflib import BNode, Literal

    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype))) if term.datatype else ox.Literal(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    return ox.NamedNode(str(term))


def _engine_kw(engine: str) -> dict:
    from nkgraph.validation import validate_graph

    return {"engine": engine} if "engine" in inspect.signature(validate_graph).parameters else {}


def _doc_digest(doc: _Doc, shared: _Doc, ontology_sha: str, engine: str) -> str:
    return hashlib.sha256(f"corpus-doc|{engine}|{ontology_sha}|{shared.sha256}|{doc.sha256}".encode()).hexdigest()


# --- per-document work in worker processes (forked: they inherit the shapes, ontology and shared graph) ---

_JOB: dict = {}


def _line_hashes(lines: list[bytes]) -> "np.ndarray":
    import numpy as np

    return np.frombuffer(b"".join(hashlib.blake2b(line, digest_size=8).digest() for line in lines), dtype=np.uint64)


def triple_hashes(triples: list[ox.Triple]) -> "np.ndarray":
    """Sorted unique 64-bit hashes (BLAKE2b of the N-Triples form, without the final `` .``) of ``triples``.

    >>> t = ox.Triple(ox.NamedNode("http://a"), ox.NamedNode("http://b"), ox.Literal("c"))
    >>> len(triple_hashes([t, t]))
    1
    """
    import numpy as np

    return np.unique(_line_hashes([str(t).encode("utf-8") for t in triples]))


def _canonical(triples: list[ox.Triple]) -> tuple[bytes, "np.ndarray"]:
    """The N-Triples Oxigraph writes for ``triples`` and their :func:`triple_hashes` (from its lines: the same strings)."""
    import numpy as np

    data = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b""
    return data, np.unique(_line_hashes([line[:-2] for line in data.split(b"\n") if line]))


def _process_one(task: tuple[_Doc, bool]) -> dict:
    """Parse one document, keep its canonical triples and hashes in the staging folder, validate it when asked."""
    from rdflib import Graph

    from nkgraph.validation import validate_graph

    doc, validate = task
    start = time.perf_counter()
    try:
        triples = parse_document(doc.path)
    except DataError as err:  # returned, not raised: exceptions with keyword fields do not survive pickling
        return {"slug": doc.slug, "error": {"message": err.message, "path": err.path, "line": err.line, "column": err.column, "hint": err.hint, "excerpt": err.excerpt}}
    staged: Path = _JOB["staged"]
    data, hashes = _canonical(triples)
    (staged / "documents" / f"{doc.slug}.nt").write_bytes(data)
    hashes.tofile(staged / "hashes" / f"{doc.slug}.u64")
    out = {"slug": doc.slug, "validated": validate, "conforms": True, "text": ""}
    if validate:
        graph = Graph()
        graph += _JOB["shared"]  # holds the ontology too (merged in before the fork): validate_graph need not copy
        graph.addN((s, p, o, graph) for s, p, o in _to_rdflib(triples))
        kw = dict(_JOB["engine_kw"])
        if "store" in _JOB["validate_params"]:  # the fast engine's SPARQL constraints read the same triples from Oxigraph
            store = ox.Store()
            store.load(_JOB["shared_nt"], format=ox.RdfFormat.N_TRIPLES)
            store.load(data, format=ox.RdfFormat.N_TRIPLES)
            kw["store"] = store
        report = validate_graph(graph, _JOB["shapes"], _JOB["ontology"], cache=_JOB["cache"], data_digest=_JOB["digests"][doc.slug], workers=1, **kw)
        out.update(conforms=report.conforms, text=report.text)
    out["seconds"] = time.perf_counter() - start
    return out


def _load_rules(root: Path | None) -> tuple:
    """(corpus shapes, ontology graph, ontology SHA-256, shapes digest) from the project's ontology folder."""
    from rdflib import Graph

    from nkgraph.loading import read_turtle
    from nkgraph.paths import ONTOLOGY_DIR
    from nkgraph.synth import corpus_shapes
    from nkgraph.validation import shapes_digest

    ont_dir = root / "ontology" if root else ONTOLOGY_DIR
    ontology, shapes = Graph(), Graph()
    h = hashlib.sha256()
    for path in sorted(ont_dir.glob("*.ttl")):
        read_turtle(path, ontology)
        h.update(path.read_bytes())
    for path in sorted((ont_dir / "shapes").glob("*.ttl")):
        read_turtle(path, shapes)
    shapes = corpus_shapes(shapes)
    return shapes, ontology, h.hexdigest(), shapes_digest(shapes)


def _run_tasks(tasks: list[tuple[_Doc, bool]], workers: int, progress: Progress | None) -> list[dict]:
    import multiprocessing

    results: list[dict] = []
    order = sorted(tasks, key=lambda t: (not t[1], -t[0].triples))  # validations first, largest first
    if workers > 1 and len(tasks) > 1 and "fork" in multiprocessing.get_all_start_methods():
        with multiprocessing.get_context("fork").Pool(min(workers, len(tasks))) as pool:
            for r in pool.imap_unordered(_process_one, order):
                results.append(r)
                if progress:
                    progress("validate", len(results), len(tasks))
    else:
        for task in order:
            results.append(_process_one(task))
            if progress:
                progress("validate", len(results), len(tasks))
    return sorted(results, key=lambda r: r["slug"])


# --- the store ---


def _read_manifest(out_dir: Path) -> dict | None:
    try:
        manifest = json.loads((out_dir / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return manifest if manifest.get("kind") == KIND else None


def _manifest_digest(manifest: dict) -> str:
    return hashlib.sha256(json.dumps(manifest, sort_keys=True).encode("utf-8")).hexdigest()


def _store_is_current(out_dir: Path, manifest: dict) -> bool:
    try:
        return (out_dir / STORE_DIR / STAMP).read_text(encoding="utf-8").strip() == _manifest_digest(manifest)
    except OSError:
        return False


class _Chain:
    """A binary reader over several files in turn (one bulk load for the whole corpus), reporting progress."""

    def __init__(self, paths: list[Path], progress: Progress | None) -> None:
        self.paths, self.progress, self.i, self.fh = paths, progress, 0, None

    def read(self, n: int = -1) -> bytes:
        while self.i < len(self.paths):
            if self.fh is None:
                self.fh = self.paths[self.i].open("rb")
            chunk = self.fh.read(n if n and n > 0 else -1)
            if chunk:
                return chunk
            self.fh.close()
            self.fh = None
            self.i += 1
            if self.progress:
                self.progress("store", self.i, len(self.paths))
        return b""

    def readable(self) -> bool:
        return True


def _load_full(staged: Path, slugs: list[str], progress: Progress | None) -> None:
    """Bulk-load every document into a new store, then compact it.

    The bulk load leaves dozens of overlapping RocksDB files; every index lookup of a query then
    searches them all. ``optimize()`` merges them once (22 s at 10^7 triples), which made the
    library queries 4-5x faster there (uncited-claims 11.6 -> 2.1 s, stakes 55 -> 13 s). A
    one-document rebuild does not compact: its few changed triples cost little to search.
    """
    store = ox.Store(str(staged / "db"))
    paths = [staged / "shared.nt"] + [staged / "documents" / f"{s}.nt" for s in slugs]
    store.bulk_load(_Chain(paths, progress), format=ox.RdfFormat.N_TRIPLES)
    store.flush()
    store.optimize()
    del store


def _lines(path: Path) -> set[bytes]:
    """The lines of a canonical N-Triples file (one triple a line, as Oxigraph writes them); none when it is absent."""
    try:
        return set(path.read_bytes().split(b"\n")) - {b""}
    except FileNotFoundError:
        return set()


def _stated_in(hashes: "np.ndarray", files: list[Path]) -> "np.ndarray":
    """Which of ``hashes`` one of ``files`` (each sorted unique u64 hashes, as :func:`triple_hashes` writes) holds.

    Each file is searched in place (a memory map and a binary search): looking a few hashes up in
    10^7 reads a few pages of each file instead of all 80 MB of them.

    >>> import numpy as np, tempfile
    >>> f = Path(tempfile.mkdtemp()) / "doc.u64"
    >>> np.array([3, 7, 9], dtype=np.uint64).tofile(f)
    >>> _stated_in(np.array([7, 8], dtype=np.uint64), [f]).tolist()
    [True, False]
    """
    import numpy as np

    found = np.zeros(len(hashes), dtype=bool)
    for path in files:
        if found.all():
            break
        with path.open("rb") as fh:
            if os.fstat(fh.fileno()).st_size == 0:
                continue
            with mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
                stated = np.frombuffer(mapped, dtype=np.uint64)
                todo = np.flatnonzero(~found)
                at = np.minimum(np.searchsorted(stated, hashes[todo]), len(stated) - 1)
                found[todo[stated[at] == hashes[todo]]] = True
                del stated  # the map closes only once no array views it
    return found


def _load_incremental(out_dir: Path, staged: Path, changed: list[str], removed: list[str], keep: list[str], progress: Progress | None) -> None:
    """Turn a checkpoint of the current store into the new one: only the changed documents' triples move.

    A document's old and new triples are compared as lines of their canonical N-Triples (the same
    triple is the same line), so only the lines that differ are parsed. A triple a document no
    longer states is removed unless the shared vocabulary or another document (its new version)
    still states it, looked up by hash in their ``.u64`` files.
    """
    current = out_dir / STORE_DIR
    old = ox.Store.read_only(str(current / "db"))
    old.backup(str(staged / "db"))  # a RocksDB checkpoint: hard links to the immutable table files
    del old
    for slug in keep:  # unchanged documents: their files as they are (hard links where possible)
        for sub, ext in (("documents", "nt"), ("hashes", "u64")):
            src, dst = current / sub / f"{slug}.{ext}", staged / sub / f"{slug}.{ext}"
            try:
                os.link(src, dst)
            except OSError:
                shutil.copyfile(src, dst)
    store = ox.Store(str(staged / "db"))
    work = changed + removed
    for i, slug in enumerate(work, 1):
        old_lines = _lines(current / "documents" / f"{slug}.nt")
        new_lines = _lines(staged / "documents" / f"{slug}.nt")
        gone = sorted(old_lines - new_lines)
        if gone:
            others = [staged / "shared.u64"] + [staged / "hashes" / f"{s}.u64" for s in keep + changed if s != slug]
            still = _stated_in(_line_hashes([line[:-2] for line in gone]), others)
            for quad in ox.parse(b"\n".join(line for line, kept in zip(gone, still) if not kept), format=ox.RdfFormat.N_TRIPLES):
                store.remove(quad)
        added = sorted(new_lines - old_lines)
        if added:
            store.extend(ox.parse(b"\n".join(added), format=ox.RdfFormat.N_TRIPLES))
        if progress:
            progress("store", i, len(work))
    store.flush()
    del store


def _commit(staged: Path, out_dir: Path, manifest: dict) -> None:
    """Move the staged store into place (:func:`nkgraph.store.replace_folder`), then write the manifest.

    The store's ``CORPUS`` stamp names the manifest it goes with: a run stopped between the two
    leaves a store that no manifest vouches for, which the next build rewrites in full.
    """
    from nkgraph.store import replace_folder

    (staged / STAMP).write_text(_manifest_digest(manifest) + "\n", encoding="utf-8")
    replace_folder(staged, out_dir / STORE_DIR)
    _write_manifest(out_dir, manifest)


def _write_text_atomic(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(prefix=".tmp.", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)


def _write_manifest(out_dir: Path, manifest: dict) -> None:
    fd, tmp = tempfile.mkstemp(prefix=".manifest.", dir=out_dir)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    os.chmod(tmp, 0o644)
    os.replace(tmp, out_dir / MANIFEST)


def build_corpus(
    corpus_dir: Path,
    out_dir: Path,
    *,
    workers: int = 2,
    use_cache: bool | None = None,
    progress: Progress | None = None,
    root: Path | None = None,
    engine: str | None = None,
) -> CorpusBuild:
    """Validate every document of ``corpus_dir`` and write ``out_dir/store`` and ``out_dir/manifest.json``.

    Raises :class:`DataError` (exit 2) for a document that does not parse, naming file and line,
    and :class:`ValidationFailed` (exit 1) on SHACL violations; in both cases ``out_dir`` is left
    as it was. ``use_cache=False`` (or ``NKGRAPH_NO_CACHE=1``) reuses nothing from earlier runs: it
    re-reads every file, validates every document again and rewrites the whole store, but still
    records the fresh reports in the cache, so the next build validates only what changed.
    ``engine`` is the SHACL engine of :func:`nkgraph.validation.validate_graph` (default: its default).

    >>> r = build_corpus(Path("/tmp/nkbench/c-10000"), Path("/tmp/nkbench/c-10000-out"))   # doctest: +SKIP
    >>> r.store_mode                                                                         # doctest: +SKIP
    'full'
    """
    from rdflib import Graph

    from nkgraph.cache import cache_enabled, report_key
    from nkgraph.validation import validate_graph

    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    caching = cache_enabled(use_cache)
    shared, docs = discover(corpus_dir, _known_inputs(out_dir) if caching else None)
    timings["hash inputs"] = time.perf_counter() - t0

    t = time.perf_counter()
    shapes, ontology, ontology_sha, shapes_sha = _load_rules(root)
    shared_triples = parse_document(shared.path)
    shared_graph = Graph()
    for triple in _to_rdflib(shared_triples):
        shared_graph.add(triple)
    shared_graph += ontology
    timings["load rules"] = time.perf_counter() - t

    cache = ValidationCache() if caching else RecordOnlyCache()  # without caching: reuse no report, record the fresh ones
    engine = engine or _engine_name()
    digests = {d.slug: _doc_digest(d, shared, ontology_sha, engine) for d in docs}
    manifest = {
        "kind": KIND,
        "engine": engine,
        "ontology_sha256": ontology_sha,
        "shapes_sha256": shapes_sha,
        "shared": {"sha256": shared.sha256, "triples": shared.triples},
        "documents": [{"slug": d.slug, "file": f"documents/{d.path.name}", "sha256": d.sha256, "triples": d.triples} for d in docs],
        "statements": shared.triples + sum(d.triples for d in docs),
    }

    # what changed since the build in out_dir
    previous = _read_manifest(out_dir) if caching else None
    mode = "full"
    changed = [d.slug for d in docs]
    removed: list[str] = []
    if previous is not None and _store_is_current(out_dir, previous) and all(previous.get(k) == manifest[k] for k in ("engine", "ontology_sha256", "shapes_sha256", "shared")):
        before = {d["slug"]: d["sha256"] for d in previous["documents"]}
        changed = [d.slug for d in docs if before.get(d.slug) != d.sha256]
        removed = sorted(set(before) - {d.slug for d in docs})
        mode = "incremental" if changed or removed else "unchanged"

    def cached_report(doc: _Doc) -> dict | None:
        return cache.get(report_key(digests[doc.slug], shapes_sha, engine)) if caching else None

    hits = {d.slug: cached_report(d) for d in docs}
    out_dir.mkdir(parents=True, exist_ok=True)
    staged = Path(tempfile.mkdtemp(prefix=".corpus-store.", dir=out_dir))
    try:
        (staged / "documents").mkdir()
        (staged / "hashes").mkdir()
        t = time.perf_counter()
        # a document is processed when its store part must be (re)written or its report is not cached
        tasks = [(d, hits[d.slug] is None) for d in docs if d.slug in set(changed) or hits[d.slug] is None]
        _JOB.update(staged=staged, shared=shared_graph, shapes=shapes, ontology=ontology, cache=cache, digests=digests, engine_kw=_engine_kw(engine),
                    shared_nt=_ntriples_of(shared_graph), validate_params=set(inspect.signature(validate_graph).parameters))
        try:
            results = _run_tasks(tasks, workers, progress) if tasks else []
        finally:
            _JOB.clear()
        timings["validate"] = time.perf_counter() - t
        for r in results:
            if "error" in r:
                e = r["error"]
                raise DataError(e["message"], path=e["path"], line=e["line"], column=e["column"], hint=e["hint"], excerpt=e["excerpt"])
        bad = [r for r in results if r["validated"] and not r["conforms"]]
        fresh = {r["slug"] for r in results if r["validated"]}
        for doc in docs:  # a cached report may be a failing one: report it again
            hit = hits[doc.slug]
            if doc.slug not in fresh and hit is not None and not hit["conforms"]:
                from nkgraph.validation import Report, Violation

                bad.append({"slug": doc.slug, "text": Report(False, [Violation(**v) for v in hit["violations"]]).text})
        if bad:
            text = "\n\n".join(f"{corpus_dir / 'documents' / (b['slug'] + '.nt')}: {b['text']}" for b in sorted(bad, key=lambda b: b["slug"]))
            raise ValidationFailed(f"{len(bad)} document(s) do not conform to the shapes:\n{text}", hint=f"fix those documents; {out_dir} was left as it was")

        t = time.perf_counter()
        if mode == "unchanged":
            if previous != manifest:
                _write_manifest(out_dir, manifest)
            record = _inputs_record(shared, docs)
            if record != json.dumps(_known_inputs(out_dir), sort_keys=True):
                _write_text_atomic(out_dir / STORE_DIR / INPUTS, record)
        else:
            (staged / INPUTS).write_text(_inputs_record(shared, docs), encoding="utf-8")
            (staged / "shared.nt").write_bytes(ox.serialize(shared_triples, format=ox.RdfFormat.N_TRIPLES) or b"")
            triple_hashes(shared_triples).tofile(staged / "shared.u64")
            if mode == "full":
                _load_full(staged, [d.slug for d in docs], progress)
            else:
                keep = [d.slug for d in docs if d.slug not in set(changed)]
                _load_incremental(out_dir, staged, changed, removed, keep, progress)
            _commit(staged, out_dir, manifest)
        timings["store"] = time.perf_counter() - t
    finally:
        shutil.rmtree(staged, ignore_errors=True)
    timings["total"] = time.perf_counter() - t0
    return CorpusBuild(
        out_dir=out_dir,
        documents=len(docs),
        triples=manifest["statements"],
        conforms=True,
        validated=sorted(r["slug"] for r in results if r["validated"]),
        cached=sorted(d.slug for d in docs if hits[d.slug] is not None and d.slug not in fresh),
        store_mode=mode,
        changed=changed + removed,
        timings=timings,
        manifest=manifest,
    )


def open_corpus(out_dir: Path) -> ox.Store:
    """The built corpus store, read-only (the library queries read its default graph).

    >>> store = open_corpus(Path("/tmp/nkbench/c-10000-out"))   # doctest: +SKIP
    """
    from nkgraph.errors import BuildMissing

    manifest = _read_manifest(out_dir)
    if manifest is None or not _store_is_current(out_dir, manifest):
        raise BuildMissing(f"no built corpus at {out_dir}", path=out_dir, hint="run 'nkgraph corpus build CORPUS_DIR --out OUT' first")
    return ox.Store.read_only(str(out_dir / STORE_DIR / "db"))


__all__ = ["build_corpus", "open_corpus", "discover", "parse_document", "triple_hashes", "CorpusBuild"]
