"""``nkgraph build``: load, check quotes, validate, write — all or nothing.

A build writes ``nkgraph.ttl`` (canonical Turtle), ``nkgraph.nt`` (sorted N-Triples) and
``manifest.json`` (counts and digests, no timestamps) into the output folder. Files are first
written beside their targets and moved into place only when every step has succeeded, so a failed
build leaves the previous output intact.

>>> result = build(Path("build"))
>>> result.report.conforms, result.counts["references"]
(True, 23)
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from rdflib import RDF, Graph, URIRef

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
    """What a build produced and measured."""

    graph: Graph
    report: Report
    counts: dict[str, int]
    classes: dict[str, int]
    timings: dict[str, float] = field(default_factory=dict)
    out_dir: Path | None = None


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


def _write_atomically(out_dir: Path, files: dict[str, str]) -> None:
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise OutputError(f"cannot create the output folder: {err.strerror}", path=out_dir, hint="choose another --out folder or fix its permissions") from None
    staged: list[tuple[Path, Path]] = []
    try:
        for name, text in files.items():
            fd, tmp = tempfile.mkstemp(prefix=f".{name}.", dir=out_dir)
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
                fh.write(text)
            staged.append((Path(tmp), out_dir / name))
    except OSError as err:
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)
        raise OutputError(f"cannot write into the output folder: {err.strerror}", path=out_dir, hint="choose another --out folder or fix its permissions") from None
    for tmp, target in staged:  # os.replace is atomic per file; the manifest goes last
        os.replace(tmp, target)


def build(out_dir: Path = DEFAULT_OUT, *, progress: Progress | None = None, write: bool = True, root: Path | None = None) -> BuildResult:
    """Build the graph into ``out_dir``; raise :class:`ValidationFailed` (nothing written) on SHACL violations.

    ``root`` is the project folder holding ``data/`` and ``ontology/`` (default: this checkout).
    """
    say = progress or (lambda _msg: None)
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    say("loading ontology, shapes and data")
    sources = load_sources(root=root)
    timings["load"] = time.perf_counter() - t0
    t = time.perf_counter()
    say("anchoring quotes and computing provenance")
    graph = compile_graph(sources)
    graph += sources.ontology
    timings["compile"] = time.perf_counter() - t
    t = time.perf_counter()
    say("validating against the SHACL shapes")
    report = validate_graph(graph, sources.shapes, sources.ontology)
    timings["validate"] = time.perf_counter() - t
    counts, classes = _count(graph)
    result = BuildResult(graph=graph, report=report, counts=counts, classes=classes, timings=timings, out_dir=out_dir)
    if not report.conforms:
        raise ValidationFailed(report.text, hint="fix the data (or the shapes); the previous build was left as it was")
    if write:
        t = time.perf_counter()
        say("writing outputs")
        ttl, nt = turtle(graph), ntriples(graph)
        base = (root or ROOT).resolve()
        manifest = {
            "counts": counts,
            "classes": classes,
            "outputs": {GRAPH_TTL: _sha(ttl), GRAPH_NT: _sha(nt)},
            "inputs": {p.relative_to(base).as_posix() if p.is_relative_to(base) else str(p): _sha(p.read_bytes()) for p in sources.files},
            "source_text_sha256": sources.text.sha256,
        }
        _write_atomically(out_dir, {GRAPH_TTL: ttl, GRAPH_NT: nt, MANIFEST: json.dumps(manifest, indent=2, sort_keys=True) + "\n"})
        timings["write"] = time.perf_counter() - t
    timings["total"] = time.perf_counter() - t0
    return result


def _sha(data: str | bytes) -> str:
    return hashlib.sha256(data.encode("utf-8") if isinstance(data, str) else data).hexdigest()
