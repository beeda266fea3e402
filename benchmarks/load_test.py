"""Load test of ``nkgraph serve``: concurrent clients on loopback, bounded in time and count.

Not a test: a script. It starts ``nkgraph serve`` over a build on a free port of 127.0.0.1 (never
any other address), runs ``--clients`` threads that issue library queries (``/queries/NAME`` with
each declared parameter bound to its example) and ad-hoc SPARQL SELECTs for ``--seconds``, stops
the server by its PID (always), and prints a Markdown table: requests, errors, p50/p99 latency,
throughput, and the machine's load average. Before the clients start, every URL is fetched once;
an answer under load that differs from that first answer counts as an error ("wrong answer").

    python benchmarks/load_test.py --build /tmp/h13-build                    # 32 clients, 60 s
    python benchmarks/load_test.py --build /tmp/h13-build --clients 4 --seconds 5
    python benchmarks/load_test.py --workers 4 --deadline 60                 # server options passed on

Exit status 0 when every request answered 200, 1 otherwise. Each client stops after
``--max-requests`` requests or when the time is up, whichever comes first.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from nkgraph.serve_process import start_serve

# Ad-hoc SELECTs a user might type into YASGUI: bounded, each a different shape of work.
ADHOC = [
    "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
    "SELECT ?type (COUNT(?s) AS ?n) WHERE { ?s a ?type } GROUP BY ?type ORDER BY DESC(?n)",
    "SELECT ?s ?label WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?label } ORDER BY ?label LIMIT 50",
    "SELECT ?s ?label WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?label FILTER(CONTAINS(LCASE(?label), \"mine\")) } LIMIT 100",
    "SELECT ?p (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?p",
    "ASK { ?s a <https://w3id.org/nkgraph/ontology#Claim> }",
]


@dataclass
class Tally:
    """What the clients saw: one latency per request, errors by kind (shared, guarded by a lock)."""

    latencies: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, seconds: float, error: str | None) -> None:
        """Add one request's latency, and its error if it failed."""
        with self.lock:
            self.latencies.append(seconds)
            if error:
                self.errors[error] = self.errors.get(error, 0) + 1


def library_urls(base: str) -> list[str]:
    """One URL per library query, each declared parameter bound to its example value.

    A query with a required parameter that has no example is left out (it cannot be called blind).
    """
    with urllib.request.urlopen(f"{base}/queries", timeout=30) as resp:
        specs = json.load(resp)
    urls = []
    for spec in specs:
        params = {p["name"]: p["example"] for p in spec["params"] if p.get("example")}
        if any(p["required"] and not p.get("example") for p in spec["params"]):
            continue
        urls.append(f"{base}{spec['url']}" + ("?" + urllib.parse.urlencode(params) if params else ""))
    return urls


def adhoc_urls(base: str) -> list[str]:
    """GET URLs for the ad-hoc SELECTs."""
    return [f"{base}/sparql?" + urllib.parse.urlencode({"query": q}) for q in ADHOC]


def expected_answers(urls: list[str], request_timeout: float) -> dict[str, bytes]:
    """Each URL's answer, fetched once, one at a time, before the load (the reference for "wrong answer")."""
    answers = {}
    for url in urls:
        with urllib.request.urlopen(url, timeout=request_timeout) as resp:
            answers[url] = resp.read()
    return answers


def client(urls: list[str], offset: int, until: float, max_requests: int, tally: Tally, request_timeout: float,
           expected: dict[str, bytes]) -> None:
    """Issue requests round-robin over ``urls`` (starting at ``offset``) until time or count runs out."""
    for i in range(max_requests):
        if time.monotonic() >= until:
            return
        url = urls[(offset + i) % len(urls)]
        started = time.perf_counter()
        error = None
        try:
            with urllib.request.urlopen(url, timeout=request_timeout) as resp:
                body = resp.read()
                if resp.status != 200:
                    error = f"HTTP {resp.status}"
                elif body != expected[url]:
                    error = f"wrong answer {urllib.parse.urlsplit(url).path}"
        except urllib.error.HTTPError as err:
            reason = err.read().decode("utf-8", "replace").strip()[:60]
            error = f"HTTP {err.code} {urllib.parse.urlsplit(url).path}: {reason}"
        except OSError as err:
            error = type(err).__name__
        tally.record(time.perf_counter() - started, error)


def percentile(values: list[float], pct: float) -> float:
    """The ``pct`` percentile (nearest rank) of ``values``.

    >>> percentile([1.0, 2.0, 3.0, 4.0], 50)
    2.0
    """
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * pct // 100))
    return ordered[int(rank) - 1]


def report(tally: Tally, clients: int, seconds: float, elapsed: float, n_library: int, n_adhoc: int, load: tuple[float, ...]) -> str:
    """The results as a Markdown table (and the errors, if any, below it)."""
    lat = tally.latencies
    n_errors = sum(tally.errors.values())
    rows = [
        ("clients", str(clients)),
        ("duration (s, asked / measured)", f"{seconds:g} / {elapsed:.1f}"),
        ("distinct requests (library / ad-hoc)", f"{n_library} / {n_adhoc}"),
        ("requests", str(len(lat))),
        ("errors", str(n_errors)),
        ("zero errors", "yes" if n_errors == 0 and lat else "NO"),
        ("p50 latency (ms)", f"{percentile(lat, 50) * 1000:.1f}" if lat else "-"),
        ("p99 latency (ms)", f"{percentile(lat, 99) * 1000:.1f}" if lat else "-"),
        ("max latency (ms)", f"{max(lat) * 1000:.1f}" if lat else "-"),
        ("mean latency (ms)", f"{statistics.fmean(lat) * 1000:.1f}" if lat else "-"),
        ("throughput (requests/s)", f"{len(lat) / elapsed:.1f}" if elapsed else "-"),
        ("load average at the end (1 / 5 / 15 min)", " / ".join(f"{x:.2f}" for x in load)),
    ]
    lines = ["| measure | value |", "|---|---|"] + [f"| {k} | {v} |" for k, v in rows]
    for kind, count in sorted(tally.errors.items()):
        lines.append(f"\nerror {kind}: {count}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the load test; print the table; exit 0 when there were no errors."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build", type=Path, default=Path("build"), help="folder of the build (holds nkgraph.nt)")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--max-requests", type=int, default=100_000, help="most requests per client")
    parser.add_argument("--server-timeout", type=float, default=10.0, help="the server's --timeout")
    parser.add_argument("--workers", type=int, default=None, help="the server's --workers (default: its own)")
    parser.add_argument("--deadline", type=float, default=None, help="the server's --deadline (default: its own, 30 s)")
    parser.add_argument("--in-memory", action="store_true", help="the server's --in-memory")
    args = parser.parse_args(argv)
    if not (args.build / "nkgraph.nt").exists():
        parser.error(f"no build at {args.build}: run 'nkgraph build --out {args.build}' first")
    extra = [*(["--workers", str(args.workers)] if args.workers else []), *(["--deadline", str(args.deadline)] if args.deadline else []),
             *(["--in-memory"] if args.in_memory else [])]
    request_timeout = max(args.server_timeout, args.deadline or 30.0) + 30
    with start_serve(args.build, "--timeout", str(args.server_timeout), *extra) as proc:  # on 127.0.0.1; stopped by its PID on leaving
        base = proc.url
        library, adhoc = library_urls(base), adhoc_urls(base)
        urls = library + adhoc
        expected = expected_answers(urls, request_timeout)
        tally = Tally()
        started = time.monotonic()
        until = started + args.seconds
        threads = [
            threading.Thread(target=client, args=(urls, i * 7, until, args.max_requests, tally, request_timeout, expected), daemon=True)
            for i in range(args.clients)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(args.seconds + request_timeout + 30)
        elapsed = time.monotonic() - started
        load = os.getloadavg()
    print(report(tally, args.clients, args.seconds, elapsed, len(library), len(adhoc), load))
    return 0 if tally.latencies and not tally.errors else 1


if __name__ == "__main__":
    sys.exit(main())
