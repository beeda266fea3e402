"""nkgraph benchmarks: the real graph and the synthetic corpus, against the naive pipeline.

Not a test: a script that prints one JSON line per measurement (``summarize.py`` turns them into
the tables of RESULTS.md). Generated corpora and builds go under ``$NKBENCH_DIR`` (default
``/tmp/nkbench``), never into the repository.

    python benchmarks/run.py real                          # the real graph: build, queries, trace, exports, cold starts, naive
    python benchmarks/run.py corpus --triples 1000000      # one corpus size: generate, build, rebuilds, queries, cold start (+ --naive)
    python benchmarks/run.py all --sizes 10000,100000,1000000,10000000 --naive-up-to 1000000 > benchmarks/results-corpus.jsonl

What is measured, and how:

* wall and CPU seconds (CPU = this process + every child and grandchild waited for) and **peak
  resident memory of the whole process tree** (the sum over the processes alive at once, sampled
  from /proc every 50 ms) of each stage;
* the corpus build and the rebuilds run as ``nkgraph corpus build`` processes (stage times are
  parsed from its ``timings:`` line), each clean build with an empty validation cache;
* stages under a minute are repeated (``--repeat``, default 3) and the median reported; longer
  ones run once (``runs`` says how many);
* each library query runs in a child process on the built store with its example parameters
  (IRIs of the real chapter renamed to the first simulated document's), median of ``--repeat``
  runs unless the first takes over 20 s; a query still running after ``--query-timeout`` seconds
  is stopped and reported as ``timeout``;
* the naive pipeline is what a user would write without nkgraph: rdflib parses the same files
  into one graph, pySHACL validates it against the same shapes, rdflib's SPARQL engine answers the
  same queries with ``initBindings`` (in its own process; per-query timeout).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import select
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
BENCH = Path(os.environ.get("NKBENCH_DIR", "/tmp/nkbench"))
FIRST_SLUG = "myb-2007-north-korea"


def emit(**row: object) -> None:
    print(json.dumps(row), flush=True)


# --- measuring ---


def _children(pid: int) -> list[int]:
    out = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as fh:
                out += [int(c) for c in fh.read().split()]
    except OSError:
        pass
    return out


def _rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree_rss_mb(pid: int) -> float:
    """Resident memory of ``pid`` and all its descendants, in MB."""
    total, todo, seen = 0, [pid], set()
    while todo:
        p = todo.pop()
        if p in seen:
            continue
        seen.add(p)
        total += _rss_kb(p)
        todo += _children(p)
    return total / 1024


class Sampler:
    """Peak of :func:`tree_rss_mb` over the life of a ``with`` block (every 50 ms, in a thread)."""

    def __init__(self, pid: int | None = None) -> None:
        self.pid = pid or os.getpid()
        self.peak = 0.0
        self._stop = threading.Event()

    def __enter__(self) -> "Sampler":
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, tree_rss_mb(self.pid))
            self._stop.wait(0.05)

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, tree_rss_mb(self.pid))


class Timer:
    def __enter__(self) -> "Timer":
        self.w, self.c = time.perf_counter(), time.process_time()
        self._children = resource.getrusage(resource.RUSAGE_CHILDREN)
        return self

    def __exit__(self, *exc: object) -> None:
        ch = resource.getrusage(resource.RUSAGE_CHILDREN)
        self.wall = time.perf_counter() - self.w
        self.cpu = time.process_time() - self.c + (ch.ru_utime - self._children.ru_utime) + (ch.ru_stime - self._children.ru_stime)


def run_process(cmd: list[str], env: dict | None = None) -> dict:
    """Run ``cmd``; wall, CPU (incl. its children), peak tree RSS, stderr."""
    t = Timer()
    with t:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT, env={**os.environ, **(env or {})})
        with Sampler(proc.pid) as s:
            out, err = proc.communicate()
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited {proc.returncode}: {err.decode()[-2000:]}")
    return {"wall_s": t.wall, "cpu_s": t.cpu, "peak_rss_mb": s.peak, "stderr": err.decode(), "stdout": out.decode()}


def _median_rows(rows: list[dict]) -> dict:
    out = {k: round(statistics.median(r[k] for r in rows), 3) for k in ("wall_s", "cpu_s")}
    out["peak_rss_mb"] = round(max(r["peak_rss_mb"] for r in rows), 1)
    out["runs"] = len(rows)
    return out


def _stage_times(stderr: str) -> dict[str, float]:
    m = re.search(r"^timings: (.*)$", stderr, re.M)
    if not m:
        return {}
    return {k.strip(): float(v) for k, v in re.findall(r"([a-z ]+) ([0-9.]+)s", m.group(1))}


def nkgraph(*args: str) -> list[str]:
    return [sys.executable, "-m", "nkgraph", *args]


# --- the corpus ---


def bench_corpus(triples: int, repeat: int, naive: bool, query_timeout: float, naive_query_timeout: float, template: Path, reuse: bool = False) -> None:
    """One corpus size; ``reuse`` resumes after the clean build (same corpus, build and cache folders)."""
    size = triples
    corpus = BENCH / f"corpus-{size}"
    if not reuse:
        if corpus.exists():
            shutil.rmtree(corpus)
        r = run_process(nkgraph("synth", "--triples", str(size), "--seed", "1", "--out", str(corpus), "--template", str(template), "-q"))
        info = json.loads((corpus / "manifest.json").read_text())
        emit(kind="corpus", size=size, what="generate (nkgraph synth)", triples=info["triples"], documents=info["documents"], **_median_rows([r]))
    builds = []
    for i in range(0 if reuse else repeat):  # clean builds: empty cache, new output folder
        out, cache = BENCH / f"build-{size}-{i}", BENCH / f"cache-{size}-{i}"
        for p in (out, cache):
            shutil.rmtree(p, ignore_errors=True)
        r = run_process(nkgraph("corpus", "build", str(corpus), "--out", str(out)), env={"NKGRAPH_CACHE_DIR": str(cache)})
        r["stages"] = _stage_times(r["stderr"])
        builds.append(r)
        if r["wall_s"] > 60:
            break
    if builds:
        stages = {k: round(statistics.median(b["stages"].get(k, 0) for b in builds), 3) for k in builds[0]["stages"]}
        emit(kind="corpus", size=size, what="full build (clean cache)", stages=stages, triples=info["triples"], documents=info["documents"], **_median_rows(builds))
    out, cache = BENCH / f"build-{size}-0", BENCH / f"cache-{size}-0"
    env = {"NKGRAPH_CACHE_DIR": str(cache)}
    for extra in range(1, len(builds)):
        shutil.rmtree(BENCH / f"build-{size}-{extra}", ignore_errors=True)
        shutil.rmtree(BENCH / f"cache-{size}-{extra}", ignore_errors=True)

    rows = [run_process(nkgraph("corpus", "build", str(corpus), "--out", str(out)), env=env) for _ in range(3)]
    emit(kind="corpus", size=size, what="rebuild, nothing changed", **_median_rows(rows))

    # one document changed: its chapter's title edited (twice, each a new content), then restored (not timed)
    docs = sorted((corpus / "documents").glob("myb-*.nt"))  # a chapter (news documents are small)
    victim = docs[len(docs) // 2]
    original = victim.read_bytes()
    # the chapter's label, e.g. "The Mineral Industry of Burma (USGS Minerals Yearbook 2007)" (each document names its own)
    title = re.search(rb'"The Mineral Industry of [^"]+ \(USGS Minerals Yearbook \d{4}\)"', original).group(0)
    rows = []
    for edit in (b" (revised)", b" (revised again)"):
        victim.write_bytes(original.replace(title, title[:-1] + edit + b'"'))
        r = run_process(nkgraph("corpus", "build", str(corpus), "--out", str(out)), env=env)
        assert "validated 1," in r["stderr"] and "store incremental" in r["stderr"], r["stderr"]
        r["stages"] = _stage_times(r["stderr"])
        rows.append(r)
    victim.write_bytes(original)
    run_process(nkgraph("corpus", "build", str(corpus), "--out", str(out)), env=env)
    stages = {k: round(statistics.median(b["stages"].get(k, 0) for b in rows), 3) for k in rows[0]["stages"]}
    emit(kind="corpus", size=size, what="rebuild, one document changed", document=victim.stem, stages=stages, **_median_rows(rows))

    store_mb = sum(p.stat().st_size for p in (out / "store").rglob("*") if p.is_file()) / 2**20
    emit(kind="corpus", size=size, what="store on disk (MB)", store_mb=round(store_mb, 1))

    bench_queries_child(out, f"corpus {size}", repeat, query_timeout, size=size)
    for name in ("references", "stakes"):
        rows = [run_process(nkgraph("corpus", "query", name, "--out", str(out), "--format", "csv")) for _ in range(5)]
        emit(kind="process", size=size, what=f"nkgraph corpus query {name} (cold start)", **_median_rows(rows))
    if naive:
        files = [corpus / "shared.nt", *sorted((corpus / "documents").glob("*.nt"))]  # chapters and news reports
        naive_child(files, f"corpus {size}", naive_query_timeout, size=size, corpus_shapes=True)


def _example_params(spec, store, rename: bool) -> dict[str, str]:
    from nkgraph.queries import bindings

    params = {p.name: p.example for p in spec.params if p.example}
    if not rename:
        return params
    out = {}
    terms = {v.value: t for v, t in bindings(spec, params).items()}
    for name, value in params.items():
        term = terms[name]
        iri = getattr(term, "value", "")
        if type(term).__name__ == "NamedNode" and iri.startswith("https://w3id.org/nkgraph/id/") and not store.query(f"ASK {{ <{iri}> ?p ?o }}"):
            out[name] = f"{iri}-{FIRST_SLUG}"
        else:
            out[name] = value
    return out


def queries_child(out_dir: Path, repeat: int, skip: set[str], corpus: bool) -> None:
    """Child process: time each library query on a built store, one JSON line each (a 'start' line first)."""
    from nkgraph.queries import list_queries, run_query

    if corpus:
        from nkgraph.corpus import open_corpus

        store = open_corpus(out_dir)
    else:
        from nkgraph.store import open_built

        store = open_built(out_dir / "nkgraph.nt")
    for spec in list_queries():
        if spec.name in skip or any(p.required and not p.example for p in spec.params):
            continue
        params = _example_params(spec, store, corpus)
        emit(kind="start", query=spec.name)
        walls, cpus, rows = [], [], 0
        for i in range(repeat):
            with Timer() as t:
                rows = len(run_query(spec, store, params).rows)
            walls.append(t.wall)
            cpus.append(t.cpu)
            if t.wall > 20:
                break
        emit(kind="result", query=spec.name, params=params, rows=rows, wall_s=round(statistics.median(walls), 5), cpu_s=round(statistics.median(cpus), 5), runs=len(walls))


def _child_lines(cmd: list[str], timeout: float, skip: set[str]):
    """Run a child that prints 'start'/'result' lines; yield its rows, a 'timeout' row for a query that overruns (then restart it)."""
    while True:
        # unbuffered: select() must see every line the child wrote (a buffered reader would hide the next one)
        proc = subprocess.Popen(cmd + ["--skip", ",".join(sorted(skip))], stdout=subprocess.PIPE, cwd=ROOT, bufsize=0)
        current, deadline = None, time.monotonic() + max(timeout, 600)  # opening a big store under load takes a while
        with Sampler(proc.pid) as sampler:
            while True:
                ready, _, _ = select.select([proc.stdout], [], [], max(0.0, deadline - time.monotonic()))
                if not ready:
                    proc.kill()
                    proc.wait()
                    if current is None:
                        return
                    yield {"kind": "timeout", "query": current, "peak_rss_mb": round(sampler.peak, 1)}
                    skip.add(current)
                    break
                line = proc.stdout.readline()  # a raw FileIO reads up to the newline and no further
                if not line:
                    proc.wait()
                    return
                row = json.loads(line.decode("utf-8"))
                if row["kind"] == "start":
                    current, deadline = row["query"], time.monotonic() + timeout
                else:
                    skip.add(row.get("query", ""))
                    current, deadline = None, time.monotonic() + max(timeout, 600)
                    row["peak_rss_mb"] = round(sampler.peak, 1)
                    yield row


def bench_queries_child(out_dir: Path, label: str, repeat: int, timeout: float, size: int | None = None, corpus: bool = True) -> None:
    cmd = [sys.executable, __file__, "queries-child", str(out_dir), "--repeat", str(repeat)] + (["--corpus"] if corpus else [])
    for row in _child_lines(cmd, timeout, set()):
        kind = row.pop("kind")
        emit(kind="query", on=label, size=size, timeout=kind == "timeout", timeout_s=timeout if kind == "timeout" else None, **row)


def naive_child(files: list[Path], label: str, query_timeout: float, size: int | None, corpus_shapes: bool) -> None:
    cmd = [sys.executable, __file__, "naive-child", *map(str, files), "--query-timeout", str(query_timeout)] + (["--corpus-shapes"] if corpus_shapes else [])
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, cwd=ROOT, text=True)
    with Sampler(proc.pid) as sampler:
        for line in proc.stdout:
            row = json.loads(line)
            row["peak_rss_mb"] = round(sampler.peak, 1)
            emit(on=label, size=size, **row)
    proc.wait()


class _Timeout(Exception):
    pass


def _alarm(seconds: float):
    """Raise :class:`_Timeout` once this process has used ``seconds`` of CPU time.

    A CPU-time budget (``ITIMER_PROF``), not a wall-clock one: on a loaded machine the naive
    pipeline is not cut short by time it spent waiting for a core, so a timeout is a true lower bound.
    """

    def handler(signum, frame):
        raise _Timeout()

    signal.signal(signal.SIGPROF, handler)
    signal.setitimer(signal.ITIMER_PROF, seconds)


def _disarm() -> None:
    signal.setitimer(signal.ITIMER_PROF, 0)


def naive_main(files: list[Path], query_timeout: float, skip: set[str], corpus_shapes: bool, shacl_timeout: float) -> None:
    """Child process: rdflib parse + pySHACL + rdflib SPARQL on the same files (what a user would write)."""
    from pyshacl import validate as shacl
    from rdflib import Graph, Literal, URIRef

    from nkgraph.loading import read_turtle
    from nkgraph.paths import ONTOLOGY_DIR
    from nkgraph.queries import bindings, list_queries

    g = Graph()
    with Timer() as t:
        for f in files:
            g.parse(f, format="nt")
    emit(kind="naive", what="rdflib parse", triples=len(g), wall_s=round(t.wall, 2), cpu_s=round(t.cpu, 2))
    shapes = Graph()
    for p in sorted((ONTOLOGY_DIR / "shapes").glob("*.ttl")):
        read_turtle(p, shapes)
    if corpus_shapes:
        from nkgraph.synth import corpus_shapes as relax

        shapes = relax(shapes)
    ontology = Graph()
    for p in sorted(ONTOLOGY_DIR.glob("*.ttl")):
        read_turtle(p, ontology)
    data = Graph()
    data += g
    data += ontology
    try:
        with Timer() as t:
            _alarm(shacl_timeout)
            conforms, _, _ = shacl(data, shacl_graph=shapes, inference="none", advanced=True, allow_warnings=True, inplace=True)
            _disarm()
        emit(kind="naive", what="pyshacl validate", triples=len(data), conforms=bool(conforms), wall_s=round(t.wall, 2), cpu_s=round(t.cpu, 2))
    except _Timeout:
        emit(kind="naive", what="pyshacl validate", triples=len(data), timeout=True, wall_s=round(t.wall, 2), cpu_s=shacl_timeout)
    del data
    # a query that timed out on a smaller corpus is not run again on a larger one (reported as a timeout, a lower bound)
    carry = BENCH / ("naive-timeouts-corpus.json" if corpus_shapes else "naive-timeouts-real.json")
    timed_out = set(json.loads(carry.read_text())) if carry.exists() else set()
    for spec in list_queries():
        if spec.name in skip or any(p.required and not p.example for p in spec.params):
            continue
        if spec.name in timed_out:
            emit(kind="naive-query", query=spec.name, timeout=True, wall_s=query_timeout, inherited=True)
            continue
        params = {p.name: p.example for p in spec.params if p.example}
        renamed = {}
        terms = {var.value: t for var, t in bindings(spec, params).items()}
        for k, v in params.items():
            term = terms[k]
            if type(term).__name__ == "NamedNode" and term.value.startswith("https://w3id.org/nkgraph/id/") and (URIRef(term.value), None, None) not in g:
                renamed[k] = f"{term.value}-{FIRST_SLUG}"
            else:
                renamed[k] = v
        init = {}
        for var, term in bindings(spec, renamed).items():
            init[var.value] = URIRef(term.value) if type(term).__name__ == "NamedNode" else Literal(term.value, datatype=URIRef(term.datatype.value))
        try:
            with Timer() as t:
                _alarm(query_timeout)
                rows = len(list(g.query(spec.text, initBindings=init)))
                _disarm()
            emit(kind="naive-query", query=spec.name, rows=rows, wall_s=round(t.wall, 4), cpu_s=round(t.cpu, 4))
        except _Timeout:
            emit(kind="naive-query", query=spec.name, timeout=True, wall_s=round(t.wall, 4), cpu_s=query_timeout)
            timed_out.add(spec.name)
            carry.write_text(json.dumps(sorted(timed_out)))
        except Exception as err:  # noqa: BLE001 - rdflib fails on some SPARQL 1.1 features: record it
            _disarm()
            emit(kind="naive-query", query=spec.name, error=f"{type(err).__name__}: {str(err)[:200]}")


# --- the real graph ---


def bench_real(repeat: int, query_timeout: float, naive_query_timeout: float) -> None:
    out = BENCH / "real"
    shutil.rmtree(out, ignore_errors=True)
    cache = BENCH / "real-cache"
    rows = []
    for i in range(repeat):
        shutil.rmtree(cache, ignore_errors=True)
        r = run_process(nkgraph("build", "--out", str(out), "--no-cache"), env={"NKGRAPH_CACHE_DIR": str(cache)})
        r["stages"] = _stage_times(r["stderr"])
        rows.append(r)
    stages = {k: round(statistics.median(b["stages"].get(k, 0) for b in rows), 3) for k in rows[0]["stages"]}
    emit(kind="real", what="nkgraph build --no-cache (process)", stages=stages, **_median_rows(rows))
    rows = [run_process(nkgraph("build", "--out", str(out)), env={"NKGRAPH_CACHE_DIR": str(cache)}) for _ in range(repeat)]
    emit(kind="real", what="nkgraph build, nothing changed (process)", **_median_rows(rows))
    bench_queries_child(out, "real", repeat, query_timeout, corpus=False)
    for name in ("references", "stakes"):
        rows = [run_process(nkgraph("query", name, "--out", str(out), "--format", "csv")) for _ in range(5)]
        emit(kind="process", on="real", what=f"nkgraph query {name} (cold start)", **_median_rows(rows))
    for what in ("nkd:claim-iron-and-steel-musan-energy-daily-value", "Gumdeok"):
        rows = [run_process(nkgraph("trace", what, "--out", str(out))) for _ in range(repeat)]
        emit(kind="process", on="real", what=f"nkgraph trace {what}", **_median_rows(rows))
    sys.path.insert(0, str(ROOT / "src"))
    from nkgraph.exports import FORMATS

    for fmt in FORMATS:
        target = BENCH / "exports" / FORMATS[fmt].filename
        target.parent.mkdir(parents=True, exist_ok=True)
        rows = [run_process(nkgraph("export", fmt, "--out", str(out), "-o", str(target))) for _ in range(repeat)]
        emit(kind="process", on="real", what=f"nkgraph export {fmt}", **_median_rows(rows))
    naive_child([out / "nkgraph.nt"], "real", naive_query_timeout, size=None, corpus_shapes=False)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("what", choices=("real", "corpus", "all", "queries", "queries-child", "naive-child"))
    ap.add_argument("paths", nargs="*", type=Path)
    ap.add_argument("--triples", type=int, default=10_000)
    ap.add_argument("--sizes", default="10000,100000,1000000,10000000")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--naive", action="store_true", help="also run the naive pipeline on this corpus")
    ap.add_argument("--naive-up-to", type=int, default=1_000_000, help="(all) run the naive pipeline on sizes up to this")
    ap.add_argument("--query-timeout", type=float, default=300)
    ap.add_argument("--naive-query-timeout", type=float, default=60)
    ap.add_argument("--shacl-timeout", type=float, default=1800)
    ap.add_argument("--skip", default="")
    ap.add_argument("--corpus", action="store_true")
    ap.add_argument("--reuse", action="store_true", help="(corpus) resume after the clean build of an earlier run")
    ap.add_argument("--corpus-shapes", action="store_true")
    ap.add_argument("--template", type=Path, default=ROOT / "build" / "nkgraph.nt", help="the real build to resample")
    args = ap.parse_args()
    skip = {s for s in args.skip.split(",") if s}
    if args.what == "queries":  # the library queries alone on a built corpus (resuming: --skip the ones done)
        cmd = [sys.executable, __file__, "queries-child", str(args.paths[0]), "--repeat", str(args.repeat), "--corpus"]
        for row in _child_lines(cmd, args.query_timeout, skip):
            kind = row.pop("kind")
            emit(kind="query", on=f"corpus {args.triples}", size=args.triples, timeout=kind == "timeout", timeout_s=args.query_timeout if kind == "timeout" else None, **row)
        return
    if args.what == "queries-child":
        return queries_child(args.paths[0], args.repeat, skip, args.corpus)
    if args.what == "naive-child":
        return naive_main(args.paths, args.query_timeout, skip, args.corpus_shapes, args.shacl_timeout)
    BENCH.mkdir(parents=True, exist_ok=True)
    import platform

    from importlib import metadata

    emit(kind="machine", cpus=os.cpu_count(), load=os.getloadavg(), python=sys.version.split()[0], platform=platform.platform(),
         date=time.strftime("%Y-%m-%d %H:%M:%S %Z"), mem_gb=round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
         versions={p: metadata.version(p) for p in ("nkgraph", "rdflib", "pyshacl", "pyoxigraph")})
    if args.what == "real":
        bench_real(args.repeat, args.query_timeout, args.naive_query_timeout)
    elif args.what == "corpus":
        bench_corpus(args.triples, args.repeat, args.naive, args.query_timeout, args.naive_query_timeout, args.template, args.reuse)
    else:
        for name in ("naive-timeouts-corpus.json", "naive-timeouts-real.json"):  # carried within this run only
            (BENCH / name).unlink(missing_ok=True)
        for size in (int(s) for s in args.sizes.split(",")):
            bench_corpus(size, args.repeat, size <= args.naive_up_to, args.query_timeout, args.naive_query_timeout, args.template)
            emit(kind="load", size=size, load=os.getloadavg())


if __name__ == "__main__":
    main()
