"""Cold-start time of ``nkgraph query NAME`` as a whole process, on an already built graph.

Runs each command line RUNS times (after one untimed warm-up run, so the files are in the page
cache) and prints the median wall and CPU seconds (user + system of the child) with the load
average. The graph must be built (``nkgraph build``) in the working directory's ``build/``.

    python benchmarks/cli_startup.py            # 10 runs of each
    python benchmarks/cli_startup.py --runs 20 --json >> benchmarks/results-startup.jsonl
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

PY = sys.executable
SCRIPT = Path(PY).parent / "nkgraph"  # the console script pip generated (not a pyenv shim)


def commands() -> dict[str, list[str]]:
    """Label → command line.

    The console script is run by its full path: an ``nkgraph`` found on PATH may be a shim (pyenv's
    adds ~0.1 s of its own), which is not nkgraph's start-up.
    """
    return {
        "python -c pass (interpreter only)": [PY, "-c", "pass"],
        "python -m nkgraph query references": [PY, "-m", "nkgraph", "query", "references"],
        "console script: query references": [str(SCRIPT), "query", "references"],
        "console script: query stakes --format csv": [str(SCRIPT), "query", "stakes", "--format", "csv"],
        "console script: --help": [str(SCRIPT), "--help"],
    }


def measure(cmd: list[str], runs: int) -> dict[str, float]:
    """Median wall and CPU seconds of ``runs`` runs of ``cmd`` (stdout and stderr discarded)."""
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    walls, cpus = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        walls.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append((after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime))
    return {"wall_median": statistics.median(walls), "wall_min": min(walls), "wall_max": max(walls), "cpu_median": statistics.median(cpus)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--json", action="store_true", help="one JSON line per command instead of a table")
    args = parser.parse_args(argv)
    if not Path("build/nkgraph.nt").exists():
        print("no build/nkgraph.nt here: run 'nkgraph build' first", file=sys.stderr)
        return 2
    for label, cmd in commands().items():
        load_before = os.getloadavg()[0]
        result = measure(cmd, args.runs)
        load_after = os.getloadavg()[0]
        if args.json:
            print(json.dumps({"bench": "cli_startup", "label": label, "runs": args.runs, "load": [load_before, load_after], **result}))
        else:
            print(f"{label:60} wall {result['wall_median']:.3f} s (min {result['wall_min']:.3f}, max {result['wall_max']:.3f})  cpu {result['cpu_median']:.3f} s  load {load_before:.2f}→{load_after:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
