"""``nkgraph build``: load, check quotes, validate, write — all or nothing.

A build writes ``nkgraph.ttl`` (canonical Turtle), ``nkgraph.nt`` (sorted N-Triples),
``manifest.json`` (counts and digests, no timestamps) and ``store/`` (the same triples in an
Oxigraph store that queries open read-only) into the output folder. Files are first written beside
their targets and moved into place only when every step has succeeded, so a failed build leaves the
previous output intact.

Caches (off with ``use_cache=False`` or ``NKGRAPH_NO_CACHE=1``; see :mod:`nkgraph.cache`): when
the fingerprint of every input (data, ontology, shapes, code, library versions) equals the one in
the manifest and the outputs are intact, the build does nothing (``result.reused`` is True); and a
SHACL report is reused when the very same graph was validated before.

>>> result = build(Path("build"))
>>> result.report.conforms, result.counts["references"]
(True, 23)
"""

from __future__ import annotations

import contextlib
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

from rdflib import RDF, Graph, URIRef

from nkgraph.cache import ValidationCache, cache_enabled, input_fingerprint
from nkgraph.compile import compile_graph
from nkgraph.errors import OutputError, ValidationFailed
from nkgraph.loading import load_sources
from nkgraph.namespace import NK
from nkgraph.paths import DEFAULT_OUT, ROOT
from nkgraph.serialize import ntriples, turtle
from nkgraph.validation import Report, validate_graph

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
    classes = Counter()
    for _, cls in graph.subject_objects(RDF.type):
        if isinstance(cls, URIRef) and str(cls).startswith(str(NK)):
            classes["nk:" + str(cls)[len(str(NK)) :]] += 1
    counts = {
        "triples": len(graph),
        "claims": classes.get("nk:Claim", 0),
        "references": classes.get("nk:Reference", 0),
        "disputed_claims": sum(1 for _ in graph.subjects(NK.disputed, None) if (_, NK.disputed, None) in graph and graph.value(_, NK.disputed).toPython() is True),
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
    say = progress or (lambda _msg: None)
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    caching = cache_enabled(use_cache)
    base = (root or ROOT).resolve()
    fingerprint = input_fingerprint(base)
    if write and caching:
        manifest = _unchanged(out_dir, fingerprint)
        if manifest is not None:
            say("nothing changed since the last build")
            timings["check"] = timings["total"] = time.perf_counter() - t0
            return BuildResult(None, Report(True), manifest["counts"], manifest["classes"], timings, out_dir, reused=True)
    say("loading ontology, shapes and data")
    sources = load_sources(root=root)
    timings["load"] = time.perf_counter() - t0
    t = time.perf_counter()
    say("anchoring quotes and computing provenance")
    graph = compile_graph(sources)
    graph += sources.ontology
    timings["compile"] = time.perf_counter() - t
    t = time.perf_counter()
    nt = ntriples(graph)  # the output, and the content key of the validation cache
    timings["ntriples"] = time.perf_counter() - t
    t = time.perf_counter()
    say("validating against the SHACL shapes")
    report = validate_graph(graph, sources.shapes, sources.ontology, cache=ValidationCache() if caching else None, data_digest=_sha(nt))
    timings["validate"] = time.perf_counter() - t
    counts, classes = _count(graph)
    result = BuildResult(graph, report=report, counts=counts, classes=classes, timings=timings, out_dir=out_dir)
    if not report.conforms:
        raise ValidationFailed(report.text, hint="fix the data (or the shapes); the previous build was left as it was")
    if write:
        t = time.perf_counter()
        say("writing outputs")
        ttl = turtle(graph)
        timings["turtle"] = time.perf_counter() - t
        t = time.perf_counter()
        manifest = {
            "counts": counts,
            "classes": classes,
            "fingerprint": fingerprint,
            "outputs": {GRAPH_TTL: _sha(ttl), GRAPH_NT: _sha(nt)},
            "inputs": {p.relative_to(base).as_posix() if p.is_relative_to(base) else str(p): _sha(p.read_bytes()) for p in sources.files},
            "source_text_sha256": sources.text.sha256,
        }
        text = json.dumps(manifest, indent=2, sort_keys=True) + "\n"
        staged = _stage_store(out_dir, nt)  # everything is written before anything is replaced
        try:
            _write_atomically(out_dir, {GRAPH_TTL: ttl, GRAPH_NT: nt, MANIFEST: text}, before_manifest=lambda: _commit_store(staged, out_dir, manifest["outputs"][GRAPH_NT]))
        finally:
            shutil.rmtree(staged, ignore_errors=True)
        timings["write"] = time.perf_counter() - t
    timings["total"] = time.perf_counter() - t0
    return result


def _stage_store(out_dir: Path, nt: str) -> Path:
    from nkgraph.store import stage_store

    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        return stage_store(out_dir, nt)
    except OSError as err:
        raise OutputError(f"cannot write the query store: {err}", path=out_dir / "store", hint="choose another --out folder or fix its permissions") from None


def _commit_store(staged: Path, out_dir: Path, nt_sha: str) -> None:
    from nkgraph.store import commit_store

    commit_store(staged, out_dir, nt_sha)


def _sha(data: str | bytes) -> str:
    return hashlib.sha256(data.encode("utf-8") if isinstance(data, str) else data).hexdigest()
