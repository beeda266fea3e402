"""``nkgraph build``: load, check quotes, validate, write — all or nothing.

A build writes ``nkgraph.ttl`` (canonical Turtle), ``nkgraph.nt`` (sorted N-Triples),
``manifest.json`` (counts and digests, no timestamps) and ``store/`` (the same triples in an
Oxigraph store that queries open read-only) into the output folder. Files are first written beside
their targets and moved into place only when every step has succeeded, so a failed build leaves the
previous output intact.

Speed (a clean build of the real graph takes ~1.2 CPU seconds in this process and ~0.45 s in the
two writer children; ``timings`` has each stage): terms are read once and added to the graph
without rdflib's per-triple bookkeeping (:func:`nkgraph.triples.adder`); right after compiling, a
forked process writes the Turtle; the N-Triples are written by :func:`nkgraph.serialize.ntriples`,
and a second forked process stages the on-disk store from them, while this one validates with the
fast SHACL engine (:mod:`nkgraph.shacl_engine`; its SPARQL constraints run on an in-memory store of
the same N-Triples, two of them natively). Without fork both are done here, after validation.
Nothing heavy (rdflib, pyoxigraph, pySHACL) is imported before the build knows it has work to do,
so a no-op rebuild costs only the fingerprint.

Caches (off with ``use_cache=False`` or ``NKGRAPH_NO_CACHE=1``; see :mod:`nkgraph.cache`): when
the fingerprint of every input (data, ontology, shapes, code, library versions) equals the one in
the manifest and the outputs are intact, the build does nothing (``result.reused`` is True); and a
SHACL report is reused when the very same graph was validated before (without caches, the fresh
report is still recorded for the next build).

>>> result = build(Path("build"))
>>> result.report.conforms, result.counts["references"]
(True, 23)
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import json
import os
import shutil
import signal
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from typing import TYPE_CHECKING

from nkgraph.cache import cache_enabled, input_fingerprint
from nkgraph.errors import OutputError, ValidationFailed
from nkgraph.paths import DEFAULT_OUT, ROOT
from nkgraph.report import Report

if TYPE_CHECKING:
    from rdflib import Graph

GRAPH_TTL = "nkgraph.ttl"
GRAPH_NT = "nkgraph.nt"
MANIFEST = "manifest.json"

Progress = Callable[[str], None]


@dataclass
class BuildResult:
    """What a build produced and measured.

    ``graph`` is the built rdflib graph; after a no-op rebuild (``reused``) it is read from
    ``OUT/nkgraph.nt`` the first time it is asked for.
    """

    _graph: Graph | None
    report: Report
    counts: dict[str, int]
    classes: dict[str, int]
    timings: dict[str, float] = field(default_factory=dict)
    out_dir: Path | None = None
    reused: bool = False

    @property
    def graph(self) -> Graph:
        if self._graph is None:
            from nkgraph.loading import read_turtle

            assert self.out_dir is not None
            self._graph = read_turtle(self.out_dir / GRAPH_NT)
        return self._graph


def _count(graph: Graph) -> tuple[dict[str, int], dict[str, int]]:
    from rdflib import RDF, URIRef

    from nkgraph.namespace import NK
    from nkgraph.triples import memory_indexes

    found = memory_indexes(graph)
    if found is None:
        return _count_rdflib(graph)
    spo, pos = found
    nk = str(NK)
    classes: Counter = Counter()
    for cls, subjects in pos.get(RDF.type, {}).items():  # one entry per (s, rdf:type, cls) triple
        if isinstance(cls, URIRef) and str(cls).startswith(nk):
            classes["nk:" + str(cls)[len(nk) :]] += len(subjects)
    disputed = 0
    for subjects in pos.get(NK.disputed, {}).values():
        for s in subjects:  # as graph.value(s, nk:disputed): its first object
            disputed += next(iter(spo[s][NK.disputed])).toPython() is True
    counts = {
        "triples": len(graph),
        "claims": classes.get("nk:Claim", 0),
        "references": classes.get("nk:Reference", 0),
        "disputed_claims": disputed,
        "uncited_claims": sum(len(subjects) for subjects in pos.get(NK.uncited, {}).values()),
    }
    return counts, dict(sorted(classes.items()))


def _count_rdflib(graph: Graph) -> tuple[dict[str, int], dict[str, int]]:
    """:func:`_count` through rdflib's API, for a graph whose store indexes are not at hand."""
    from rdflib import RDF, URIRef

    from nkgraph.namespace import NK

    classes: Counter = Counter()
    for _, cls in graph.subject_objects(RDF.type):
        if isinstance(cls, URIRef) and str(cls).startswith(str(NK)):
            classes["nk:" + str(cls)[len(str(NK)) :]] += 1
    counts = {
        "triples": len(graph),
        "claims": classes.get("nk:Claim", 0),
        "references": classes.get("nk:Reference", 0),
        "disputed_claims": sum(1 for s in graph.subjects(NK.disputed, None) if graph.value(s, NK.disputed).toPython() is True),
        "uncited_claims": sum(1 for _ in graph.subjects(NK.uncited, None)),
    }
    return counts, dict(sorted(classes.items()))


def _write_atomically(out_dir: Path, files: dict[str, str], before_manifest: Callable[[], None] | None = None) -> None:
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise OutputError(f"cannot create the output folder: {err.strerror}", path=out_dir, hint="choose another --out folder or fix its permissions") from None
    staged: list[tuple[Path, Path]] = []
    umask = os.umask(0)
    os.umask(umask)
    try:
        for name, text in files.items():
            fd, tmp = tempfile.mkstemp(prefix=f".{name}.", dir=out_dir)
            staged.append((Path(tmp), out_dir / name))  # known at once, so it is removed on any failure
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
                fh.write(text)
            os.chmod(tmp, 0o666 & ~umask)  # readable like any other file, not mkstemp's 0600
    except BaseException as err:  # OSError, or KeyboardInterrupt while writing: leave nothing behind
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)
        if isinstance(err, OSError):
            raise OutputError(f"cannot write into the output folder: {err.strerror}", path=out_dir, hint="choose another --out folder or fix its permissions") from None
        raise
    with _sigint_held() as interrupted:
        for tmp, target in staged:  # os.replace is atomic per file; the manifest goes last
            if target.name == MANIFEST and before_manifest is not None:
                before_manifest()
            os.replace(tmp, target)
    if interrupted():
        raise InterruptedAfterWrite  # the new outputs are whole


class InterruptedAfterWrite(KeyboardInterrupt):
    """Ctrl-C arrived while the outputs were moved into place; the build was completed first."""


@contextlib.contextmanager
def _sigint_held() -> Iterator[Callable[[], bool]]:
    """Hold SIGINT while the outputs are moved into place, so the folder never mixes two builds."""
    caught: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield lambda: False
        return
    previous = signal.signal(signal.SIGINT, lambda signum, _frame: caught.append(signum))
    try:
        yield lambda: bool(caught)
    finally:
        signal.signal(signal.SIGINT, previous)


def _unchanged(out_dir: Path, fingerprint: str) -> dict | None:
    """The manifest of ``out_dir`` when it was built from exactly these inputs and its outputs are intact."""
    try:
        manifest = json.loads((out_dir / MANIFEST).read_text(encoding="utf-8"))
        if manifest.get("fingerprint") != fingerprint:
            return None
        for name, sha in manifest["outputs"].items():
            if _sha((out_dir / name).read_bytes()) != sha:
                return None
    except (OSError, ValueError, KeyError, AttributeError):
        return None
    from nkgraph.store import store_matches

    return manifest if store_matches(out_dir / GRAPH_NT) is not None else None


def build(
    out_dir: Path = DEFAULT_OUT,
    *,
    progress: Progress | None = None,
    write: bool = True,
    root: Path | None = None,
    use_cache: bool | None = None,
) -> BuildResult:
    """Build the graph into ``out_dir``; raise :class:`ValidationFailed` (nothing written) on SHACL violations.

    ``root`` is the project folder holding ``data/`` and ``ontology/`` (default: this checkout).
    ``use_cache=False`` rebuilds and revalidates everything (default: on unless ``NKGRAPH_NO_CACHE`` is set).
    """
    _freeze_at_exit()
    collecting = gc.isenabled()
    gc.disable()  # ~0.3 s: the build makes ~10^6 objects and no garbage cycles worth collecting meanwhile
    try:
        return _build(out_dir, progress=progress, write=write, root=root, use_cache=use_cache)
    finally:
        if collecting:
            # Move the build's objects to the oldest generation without a collection: re-enabled, the
            # collector would otherwise scan all ~10^6 of them at the next allocation (0.3-0.5 s, in
            # which a Ctrl-C after the outputs were written would be reported as "nothing changed").
            gc.freeze()
            gc.unfreeze()
            gc.enable()


_FREEZE_REGISTERED: list[bool] = []


def _freeze_at_exit() -> None:
    """At interpreter exit, put every object beyond the garbage collector's reach.

    Python's shutdown otherwise runs a full collection over the built graph's ~10^6 objects
    (0.5–0.9 s measured after ``nkgraph build``); at exit nothing is gained by it.
    """
    if not _FREEZE_REGISTERED:
        import atexit

        atexit.register(gc.freeze)
        _FREEZE_REGISTERED.append(True)


def _build(out_dir: Path, *, progress: Progress | None, write: bool, root: Path | None, use_cache: bool | None) -> BuildResult:
    say = progress or (lambda _msg: None)
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    result: BuildResult
    caching = cache_enabled(use_cache)
    base = (root or ROOT).resolve()
    fingerprint = input_fingerprint(base)
    if write and caching:
        manifest = _unchanged(out_dir, fingerprint)
        if manifest is not None:
            say("nothing changed since the last build")
            timings["check"] = timings["total"] = time.perf_counter() - t0
            return BuildResult(None, Report(True), manifest["counts"], manifest["classes"], timings, out_dir, reused=True)
    from nkgraph.compile import compile_graph
    from nkgraph.loading import load_sources
    from nkgraph.serialize import ntriples
    from nkgraph.triples import adder, all_triples
    from nkgraph.validation import validate_graph

    say("loading ontology, shapes and data")
    sources = load_sources(root=root)
    timings["load"] = time.perf_counter() - t0
    t = time.perf_counter()
    say("anchoring quotes and computing provenance")
    graph = compile_graph(sources)
    add = adder(graph)
    for triple in all_triples(sources.ontology):  # graph += ontology, without rdflib's per-triple bookkeeping
        add(triple)
    timings["compile"] = time.perf_counter() - t
    jobs: list[_Forked] = []
    staged: Path | None = None
    written = False
    try:
        if write:  # the Turtle and the on-disk store are written by forked processes meanwhile
            jobs.append(_Forked(lambda: _turtle_bytes(graph)))
        t = time.perf_counter()
        nt = ntriples(graph)  # the output, the content key of the validation cache and the store's content
        timings["ntriples"] = time.perf_counter() - t
        nt_sha = _sha(nt)
        if write:
            staged = _new_staged(out_dir)
            folder = staged
            jobs.append(_Forked(lambda: _fill_staged(folder, nt), native=True))
        t = time.perf_counter()
        say("validating against the SHACL shapes")
        from nkgraph.cache import RecordOnlyCache, ValidationCache

        report = validate_graph(graph, sources.shapes, sources.ontology, cache=ValidationCache() if caching else RecordOnlyCache(), data_digest=nt_sha, store=lambda: _memory_store(nt))
        timings["validate"] = time.perf_counter() - t
        counts, classes = _count(graph)
        result = BuildResult(graph, report=report, counts=counts, classes=classes, timings=timings, out_dir=out_dir)
        if not report.conforms:
            raise ValidationFailed(report.text, hint="fix the data (or the shapes); the previous build was left as it was")
        if write:
            assert staged is not None
            t = time.perf_counter()
            say("writing outputs")
            data = jobs[0].result()  # the Turtle first: its child blocks until its pipe is read
            ttl = (data if data is not None else _turtle_bytes(graph)).decode("utf-8")
            error = jobs[1].result()
            if error is None:  # no fork, or the child failed: write it here
                error = _fill_staged(staged, nt)
            if error:
                raise _store_error(error.decode("utf-8", "replace"), out_dir)
            timings["turtle+store"] = time.perf_counter() - t  # the wait for the forked writer (or the writing, without fork)
            t = time.perf_counter()
            manifest = {
                "counts": counts,
                "classes": classes,
                "fingerprint": fingerprint,
                "outputs": {GRAPH_TTL: _sha(ttl), GRAPH_NT: nt_sha},
                "inputs": {p.relative_to(base).as_posix() if p.is_relative_to(base) else str(p): _sha(p.read_bytes()) for p in sources.files},
                "source_text_sha256": sources.text.sha256,
            }
            text = json.dumps(manifest, indent=2, sort_keys=True) + "\n"
            _write_atomically(out_dir, {GRAPH_TTL: ttl, GRAPH_NT: nt, MANIFEST: text}, before_manifest=lambda: _commit_store(folder, out_dir, nt_sha))
            written = True
            timings["write"] = time.perf_counter() - t
    except KeyboardInterrupt:
        if written:
            raise InterruptedAfterWrite from None  # the new outputs are whole
        raise
    finally:
        for job in jobs:
            job.close()
        if staged is not None:
            shutil.rmtree(staged, ignore_errors=True)
    timings["total"] = time.perf_counter() - t0
    return result


class _Forked:
    """``job()`` (bytes) computed by a forked copy of this process, read back through a pipe.

    A child only computes and sends bytes (the store's child also fills the staged folder the
    parent made and removes); it never touches anything else in the output folder. Without fork
    (or with other threads running, when forking is unsafe), or when the child fails,
    :meth:`result` is None and the caller does the job itself. A ``native`` job (one using
    RocksDB through pyoxigraph) is forked only from a process with a single OS thread: RocksDB's
    background threads do not survive a fork, and a child relying on them waits forever (seen in
    a test process that had opened stores before).
    """

    def __init__(self, job: Callable[[], bytes], *, native: bool = False) -> None:
        self.pid: int | None = None
        self.fd: int | None = None
        if not hasattr(os, "fork") or threading.active_count() > 1 or (native and not _single_threaded()):
            return
        read_fd, write_fd = os.pipe()
        try:
            pid = os.fork()
        except OSError:
            os.close(read_fd)
            os.close(write_fd)
            return
        if pid == 0:  # the child: compute, send, leave without running any cleanup of the parent's
            code = 1
            try:
                os.close(read_fd)
                signal.signal(signal.SIGINT, signal.SIG_DFL)
                data = job()
                with os.fdopen(write_fd, "wb") as out:
                    out.write(data)
                code = 0
            finally:
                os._exit(code)
        os.close(write_fd)
        self.pid, self.fd = pid, read_fd

    def result(self) -> bytes | None:
        """The child's bytes, or None when there is no child or it failed."""
        if self.pid is None or self.fd is None:
            return None
        chunks = []
        with os.fdopen(self.fd, "rb") as src:
            self.fd = None
            while True:
                block = src.read(1 << 20)
                if not block:
                    break
                chunks.append(block)
        _, status = os.waitpid(self.pid, 0)
        self.pid = None
        return b"".join(chunks) if os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0 else None

    def close(self) -> None:
        """Stop and reap the child if its result was not taken (a failed or interrupted build)."""
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None
        if self.pid is not None:
            with contextlib.suppress(OSError):
                os.kill(self.pid, signal.SIGKILL)
            with contextlib.suppress(OSError):
                os.waitpid(self.pid, 0)
            self.pid = None


def _single_threaded() -> bool:
    """Whether this process has one OS thread (Linux; elsewhere assumed not)."""
    try:
        return len(os.listdir("/proc/self/task")) == 1
    except OSError:
        return False


def _turtle_bytes(graph: Graph) -> bytes:
    from nkgraph.serialize import turtle

    return turtle(graph).encode("utf-8")


def _fill_staged(staged: Path, nt: str) -> bytes:
    """Write the store of ``nt`` into ``staged``: b"" when done, else the error's text."""
    from nkgraph.store import fill_store

    try:
        fill_store(staged, nt.encode("utf-8"))
    except OSError as err:
        return str(err).encode("utf-8", "replace") or b"error"
    return b""


def _store_error(message: str, out_dir: Path) -> OutputError:
    return OutputError(f"cannot write the query store: {message}", path=out_dir / "store", hint="choose another --out folder or fix its permissions")


def _memory_store(nt: str):
    """An in-memory Oxigraph store of the build's N-Triples, for the SHACL-SPARQL constraints."""
    import pyoxigraph as ox

    store = ox.Store()
    # lenient: the text is our own writer's, from terms already checked (~35 % faster than a checked load)
    store.load(nt.encode("utf-8"), format=ox.RdfFormat.N_TRIPLES, lenient=True)
    return store


def _new_staged(out_dir: Path) -> Path:
    """A fresh hidden folder in ``out_dir`` for the store being built."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix=".store.", dir=out_dir))
    except OSError as err:
        raise _store_error(err.strerror or str(err), out_dir) from None


def _commit_store(staged: Path, out_dir: Path, nt_sha: str) -> None:
    from nkgraph.store import commit_store

    commit_store(staged, out_dir, nt_sha)


def _sha(data: str | bytes) -> str:
    return hashlib.sha256(data.encode("utf-8") if isinstance(data, str) else data).hexdigest()
