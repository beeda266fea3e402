"""nkgraph benchmarks: the real graph and the synthetic corpus, against the naive pipeline.

Not a test: a script that prints a JSON line per measurement and a summary table.

    python benchmarks/run.py real                      # build stages, queries, query process, naive pipeline
    python benchmarks/run.py synth --triples 100000    # one synthetic size (fresh process: peak memory is its own)
    python benchmarks/run.py all --sizes 10000,100000,1000000 > benchmarks/results.jsonl

Every figure is the median of ``--repeat`` runs (each query, each process start) or one run for
the long stages (validation at 10⁵+), with CPU seconds beside wall seconds (the machine is shared:
CPU time is the steadier figure) and peak resident memory (``ru_maxrss``) of the process that ran
the stage. The naive pipeline is what a user would write without nkgraph: rdflib parses the
N-Triples, pySHACL validates them, rdflib's SPARQL engine answers the library queries.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def emit(**row: object) -> None:
    row.setdefault("peak_rss_mb", round(_rss_mb(), 1))
    print(json.dumps(row), flush=True)


class Timer:
    def __enter__(self) -> "Timer":
        self.w, self.c = time.perf_counter(), time.process_time()
        self._children = resource.getrusage(resource.RUSAGE_CHILDREN)
        return self

    def __exit__(self, *exc: object) -> None:
        ch = resource.getrusage(resource.RUSAGE_CHILDREN)
        self.wall = time.perf_counter() - self.w
        self.cpu = time.process_time() - self.c + (ch.ru_utime - self._children.ru_utime) + (ch.ru_stime - self._children.ru_stime)


def median_of(fn, repeat: int) -> tuple[float, float]:
    walls, cpus = [], []
    for _ in range(repeat):
        with Timer() as t:
            fn()
        walls.append(t.wall)
        cpus.append(t.cpu)
    return statistics.median(walls), statistics.median(cpus)


def _params(spec) -> dict[str, str]:
    return {p.name: p.example for p in spec.params if p.example}


def bench_queries(store, label: str, repeat: int, naive_graph=None) -> None:
    from nkgraph.queries import list_queries, run_query

    for spec in list_queries():
        if any(p.required and not p.example for p in spec.params):
            continue
        params = _params(spec)
        rows = len(run_query(spec, store, params).rows)
        wall, cpu = median_of(lambda: run_query(spec, store, params), repeat)
        row = {"kind": "query", "on": label, "query": spec.name, "rows": rows, "wall_s": round(wall, 5), "cpu_s": round(cpu, 5)}
        if naive_graph is not None:
            row["naive_wall_s"] = round(naive_query(naive_graph, spec, params), 4)
        emit(**row)


def naive_query(graph, spec, params: dict[str, str]) -> float:
    """rdflib's own SPARQL engine on the same query with initBindings (one run)."""
    from rdflib import Literal, URIRef

    from nkgraph.queries import bindings

    init = {}
    for var, term in bindings(spec, params).items():
        init[var.value] = URIRef(term.value) if hasattr(term, "value") and type(term).__name__ == "NamedNode" else Literal(term.value, datatype=URIRef(term.datatype.value))
    with Timer() as t:
        list(graph.query(spec.text, initBindings=init))
    return t.wall


def process_start(out_dir: Path, name: str, repeat: int) -> None:
    cmd = [sys.executable, "-m", "nkgraph", "query", name, "--out", str(out_dir), "--format", "csv"]
    walls = []
    for _ in range(repeat):
        t = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True, cwd=ROOT)
        walls.append(time.perf_counter() - t)
    emit(kind="process", what=f"nkgraph query {name}", wall_s=round(statistics.median(walls), 3), runs=repeat)


def bench_real(repeat: int) -> None:
    from nkgraph.pipeline import build
    from nkgraph.queries import open_store
    from nkgraph.store import open_built

    out = Path(tempfile.mkdtemp(prefix="nkbench-real-"))
    os.environ["NKGRAPH_CACHE_DIR"] = str(out / "cache")
    for workers in ("1", "2"):
        os.environ["NKGRAPH_WORKERS"] = workers
        with Timer() as t:
            result = build(out / f"w{workers}", use_cache=False)
        emit(kind="build", on="real", mode=f"clean, no cache, {workers} validation process(es)", wall_s=round(t.wall, 2), cpu_s=round(t.cpu, 2),
             triples=result.counts["triples"], stages={k: round(v, 3) for k, v in result.timings.items()})
    with Timer() as t:
        build(out / "w2")  # nothing changed: the manifest check
    emit(kind="build", on="real", mode="rebuild, nothing changed", wall_s=round(t.wall, 3), cpu_s=round(t.cpu, 3))
    nt = out / "w2" / "nkgraph.nt"
    # rebuild into a new folder: every stage runs except validation (cached report)
    with Timer() as t:
        r = build(out / "again")
    emit(kind="build", on="real", mode="rebuild elsewhere, cached validation", wall_s=round(t.wall, 2), cpu_s=round(t.cpu, 2), stages={k: round(v, 3) for k, v in r.timings.items()})
    # writers
    from nkgraph.serialize import rdflib_turtle, turtle

    g = result.graph
    w1, c1 = median_of(lambda: turtle(g), 3)
    w2, c2 = median_of(lambda: rdflib_turtle(g), 1)
    emit(kind="write", on="real", what="longturtle", fast_wall_s=round(w1, 3), rdflib_wall_s=round(w2, 3), identical=turtle(g) == rdflib_turtle(g))
    with Timer() as t:
        mem = open_store(nt)
    emit(kind="open", on="real", what="in-memory store from nkgraph.nt", wall_s=round(t.wall, 3))
    with Timer() as t:
        disk = open_built(nt)
    emit(kind="open", on="real", what="persistent store, read-only", wall_s=round(t.wall, 3))
    bench_queries(disk, "real (persistent store)", repeat)
    for name in ("references", "stakes"):
        process_start(out / "w2", name, repeat)
    naive = naive_pipeline(nt)  # last: rdflib's SPARQL takes long on some queries
    bench_queries(mem, "real (in-memory store)", repeat, naive_graph=naive)


def naive_pipeline(nt: Path, validate: bool = True):
    """rdflib parse + pySHACL validate (the same shapes, ontology merged), timed; returns the graph."""
    from pyshacl import validate as shacl
    from rdflib import Graph

    from nkgraph.loading import load_sources

    with Timer() as t:
        g = Graph().parse(nt, format="nt")
    emit(kind="naive", what="rdflib parse", triples=len(g), wall_s=round(t.wall, 2), cpu_s=round(t.cpu, 2))
    if validate:
        shapes = load_sources().shapes
        with Timer() as t:
            conforms, _, _ = shacl(g, shacl_graph=shapes, inference="none", advanced=True, allow_warnings=True)
        emit(kind="naive", what="pyshacl validate", triples=len(g), conforms=bool(conforms), wall_s=round(t.wall, 2), cpu_s=round(t.cpu, 2))
    return g


def bench_synth(triples: int, repeat: int, validate: bool, naive: bool, template: Path) -> None:
    from rdflib import Graph

    from nkgraph.loading import load_sources, read_turtle
    from nkgraph.serialize import ntriples, turtle
    from nkgraph.store import stage_store
    from nkgraph.synth import corpus_shapes, write_corpus
    from nkgraph.validation import validate_graph

    work = Path(tempfile.mkdtemp(prefix=f"nkbench-{triples}-"))
    with Timer() as t:
        info = write_corpus(template, work, triples=triples, seed=triples, per_document_files=False)
    emit(kind="synth", size=triples, what="generate", triples=info["triples"], documents=info["documents"], wall_s=round(t.wall, 2))
    corpus = work / "corpus.nt"
    with Timer() as t:
        g = read_turtle(corpus)
    emit(kind="synth", size=triples, what="load (Oxigraph parser into rdflib, as the build)", wall_s=round(t.wall, 2), cpu_s=round(t.cpu, 2))
    if validate:
        sources = load_sources()
        shapes = corpus_shapes(sources.shapes)
        with Timer() as t:
            report = validate_graph(g, shapes, Graph(), workers=2)
        emit(kind="synth", size=triples, what="validate (pySHACL, 2 processes)", conforms=report.conforms, wall_s=round(t.wall, 2), cpu_s=round(t.cpu, 2))
    with Timer() as t:
        nt = ntriples(g)
    emit(kind="synth", size=triples, what="write N-Triples (sorted)", wall_s=round(t.wall, 2), cpu_s=round(t.cpu, 2))
    with Timer() as t:
        turtle(g)
    emit(kind="synth", size=triples, what="write Turtle (fast longturtle)", wall_s=round(t.wall, 2), cpu_s=round(t.cpu, 2))
    with Timer() as t:
        staged = stage_store(work, nt)
    emit(kind="synth", size=triples, what="write persistent store", wall_s=round(t.wall, 2), cpu_s=round(t.cpu, 2))
    import pyoxigraph as ox

    store = ox.Store.read_only(str(staged / "db"))
    bench_queries(store, f"synthetic {triples}", repeat, naive_graph=g if naive else None)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("what", choices=("real", "synth", "all"))
    ap.add_argument("--triples", type=int, default=10_000)
    ap.add_argument("--sizes", default="10000,100000,1000000")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--validate-up-to", type=int, default=100_000, help="validate synthetic sizes up to this many triples")
    ap.add_argument("--naive-up-to", type=int, default=10_000, help="run rdflib SPARQL on synthetic sizes up to this")
    ap.add_argument("--template", type=Path, default=ROOT / "build" / "nkgraph.nt", help="the real build to resample")
    args = ap.parse_args()
    emit(kind="machine", cpus=os.cpu_count(), load=os.getloadavg(), python=sys.version.split()[0])
    if args.what == "real":
        bench_real(args.repeat)
    elif args.what == "synth":
        bench_synth(args.triples, args.repeat if args.triples < 1_000_000 else 3, args.triples <= args.validate_up_to, args.triples <= args.naive_up_to, args.template)
    else:
        subprocess.run([sys.executable, __file__, "real", "--repeat", str(args.repeat)], check=True)
        for size in (int(s) for s in args.sizes.split(",")):
            subprocess.run([sys.executable, __file__, "synth", "--triples", str(size), "--repeat", str(args.repeat),
                            "--validate-up-to", str(args.validate_up_to), "--naive-up-to", str(args.naive_up_to), "--template", str(args.template)], check=True)


if __name__ == "__main__":
    main()
