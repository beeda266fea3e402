"""Turn the JSON lines of ``benchmarks/run.py`` into Markdown tables (for RESULTS.md).

    python benchmarks/summarize.py results-real.jsonl results-synth.jsonl
"""

from __future__ import annotations

import json
import math
import sys
from collections import defaultdict


def rows(paths: list[str]) -> list[dict]:
    out = []
    for path in paths:
        with open(path, encoding="utf-8") as fh:
            out += [json.loads(line) for line in fh if line.startswith("{")]
    return out


def main(paths: list[str]) -> None:
    data = rows(paths)
    print("| what | mode / size | wall s | CPU s | peak RSS MB | detail |\n|---|---|---|---|---|---|")
    for r in data:
        if r["kind"] in ("build", "naive", "synth", "open", "write", "process"):
            detail = r.get("stages") or {k: r[k] for k in ("triples", "documents", "conforms", "identical", "fast_wall_s", "rdflib_wall_s") if k in r}
            print(f"| {r['kind']} {r.get('what', '')} | {r.get('mode', r.get('size', r.get('on', '')))} | {r.get('wall_s', '')} | {r.get('cpu_s', '')} | {r.get('peak_rss_mb', '')} | {detail} |")
    queries: dict[str, dict[str, dict]] = defaultdict(dict)
    for r in data:
        if r["kind"] == "query":
            queries[r["query"]][r["on"]] = r
    columns = sorted({on for q in queries.values() for on in q})
    print("\n| query | " + " | ".join(f"{c} ms" for c in columns) + " | naive rdflib (real) ms |\n|---|" + "---|" * (len(columns) + 1))
    for name in sorted(queries):
        cells = [f"{queries[name][c]['wall_s'] * 1000:.1f}" if c in queries[name] else "" for c in columns]
        naive = queries[name].get("real (in-memory store)", {}).get("naive_wall_s")
        print(f"| {name} | " + " | ".join(cells) + f" | {naive * 1000:.0f} |" if naive is not None else f"| {name} | " + " | ".join(cells) + " | |")
    # growth exponents between synthetic sizes
    by_stage: dict[str, dict[int, float]] = defaultdict(dict)
    for r in data:
        if r["kind"] == "synth" and "wall_s" in r and r["what"] != "generate":
            by_stage[r["what"]][r["size"]] = r.get("cpu_s") or r["wall_s"]
    print("\n| stage | growth exponent (CPU s vs triples) |\n|---|---|")
    for stage, pts in by_stage.items():
        sizes = sorted(pts)
        if len(sizes) >= 2 and pts[sizes[0]] > 0 and pts[sizes[-1]] > 0:
            k = math.log(pts[sizes[-1]] / pts[sizes[0]]) / math.log(sizes[-1] / sizes[0])
            print(f"| {stage} | {k:.2f} ({sizes[0]:,} → {sizes[-1]:,}) |")


if __name__ == "__main__":
    main(sys.argv[1:])
