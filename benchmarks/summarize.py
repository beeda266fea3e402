"""Turn the JSON lines of ``benchmarks/run.py`` into the Markdown tables of RESULTS.md.

    python benchmarks/summarize.py benchmarks/results-corpus.jsonl [benchmarks/results-real.jsonl]
"""

from __future__ import annotations

import json
import math
import statistics
import sys
from collections import defaultdict


def rows(paths: list[str]) -> list[dict]:
    out = []
    for path in paths:
        with open(path, encoding="utf-8") as fh:
            out += [json.loads(line) for line in fh if line.startswith("{")]
    return out


def slope(points: dict[float, float]) -> float | None:
    """Least-squares slope of log(y) against log(x): the growth exponent."""
    pts = [(math.log(x), math.log(y)) for x, y in points.items() if x > 0 and y > 0]
    if len(pts) < 2:
        return None
    mx = statistics.mean(p[0] for p in pts)
    my = statistics.mean(p[1] for p in pts)
    den = sum((x - mx) ** 2 for x, _ in pts)
    return sum((x - mx) * (y - my) for x, y in pts) / den if den else None


def fmt_s(v: float | None) -> str:
    if v is None:
        return "—"
    return f"{v:.3f}" if v < 1 else f"{v:.2f}" if v < 100 else f"{v:.0f}"


def main(paths: list[str]) -> None:
    data = rows(paths)
    sizes = sorted({r["size"] for r in data if r.get("size")})
    actual = {r["size"]: r["triples"] for r in data if r.get("kind") == "corpus" and r.get("what", "").startswith("generate")}
    for m in (r for r in data if r["kind"] == "machine"):
        print(f"machine: {m.get('platform', '')}, {m['cpus']} CPUs, {m.get('mem_gb', '?')} GiB, Python {m['python']}, {m.get('versions', '')}, load average at start {[round(x, 2) for x in m['load']]}, {m.get('date', '')}")
    for size in sizes:
        rs = [r for r in data if r.get("size") == size]
        gen = next((r for r in rs if r.get("what", "").startswith("generate")), {})
        print(f"\n### {size:,} triples requested ({gen.get('triples', 0):,} generated, {gen.get('documents', '?')} documents)\n")
        print("| stage | wall s | CPU s | peak RSS MB (process tree) | runs | detail |\n|---|---|---|---|---|---|")
        for r in rs:
            if r["kind"] in ("corpus", "process") and "wall_s" in r:
                detail = r.get("stages", "")
                print(f"| {r['what']} | {fmt_s(r['wall_s'])} | {fmt_s(r.get('cpu_s'))} | {r.get('peak_rss_mb', '')} | {r.get('runs', 1)} | {detail} |")
            elif r["kind"] == "corpus" and "store_mb" in r:
                print(f"| store on disk | | | | | {r['store_mb']} MB |")
        naive = {r["what"]: r for r in rs if r["kind"] == "naive"}
        build = next((r for r in rs if r.get("what") == "full build (clean cache)"), None)
        if naive:
            parse, shacl = naive.get("rdflib parse"), naive.get("pyshacl validate")
            for r in (parse, shacl):
                if r:
                    print(f"| naive: {r['what']} | {'> ' if r.get('timeout') else ''}{fmt_s(r['wall_s'])} | {fmt_s(r.get('cpu_s'))} | {r.get('peak_rss_mb', '')} | 1 | {'timeout' if r.get('timeout') else ''} |")
            if parse and shacl and build:
                total = parse["wall_s"] + shacl["wall_s"]
                lower = " (lower bound: pySHACL timed out)" if shacl.get("timeout") else ""
                print(f"| **naive build (parse + pySHACL) ÷ nkgraph corpus build** | {fmt_s(total)} vs {fmt_s(build['wall_s'])} | | | | **{total / build['wall_s']:.1f}×**{lower} |")
        qs = {r["query"]: r for r in rs if r["kind"] == "query"}
        nq = {r["query"]: r for r in rs if r["kind"] == "naive-query"}
        done = [r for r in qs.values() if not r.get("timeout")]
        if qs:
            walls = sorted(r["wall_s"] for r in done)
            slow = [f"{r['query']} {fmt_s(r['wall_s'])} s" for r in sorted(done, key=lambda r: -r["wall_s"])[:5]]
            print(f"| library queries ({len(qs)}) | median {fmt_s(statistics.median(walls)) if walls else '—'}, max {fmt_s(walls[-1]) if walls else '—'} | | {max((r.get('peak_rss_mb', 0) for r in qs.values()), default='')} | ≥1 | over 1 s: {sum(w > 1 for w in walls)}, over 5 s: {sum(w > 5 for w in walls)}, timed out: {len(qs) - len(done)}; slowest: {'; '.join(slow)} |")
        if nq:
            ratios, lower = [], 0
            for name, n in nq.items():
                o = qs.get(name)
                if not o or o.get("timeout") or "wall_s" not in n or o["wall_s"] <= 0:
                    continue
                # CPU seconds where both sides have them (the naive timeouts are CPU budgets): load-proof
                clock = "cpu_s" if n.get("cpu_s") and o.get("cpu_s") else "wall_s"
                ratios.append(n[clock] / o[clock])
                lower += bool(n.get("timeout"))
            errors = sum(1 for n in nq.values() if "error" in n)
            differ = sorted(name for name, n in nq.items() if "rows" in n and name in qs and "rows" in qs[name] and n["rows"] != qs[name]["rows"])
            if ratios:
                print(f"| **naive rdflib SPARQL ÷ nkgraph, per query** | | | | | median **{statistics.median(ratios):.0f}×**, min {min(ratios):.1f}×, max {max(ratios):.0f}× over {len(ratios)} queries, in CPU seconds ({lower} naive timeouts counted at the timeout: lower bounds; {errors} queries rdflib could not run; row counts differ on {len(differ)}: {', '.join(differ) or 'none'}) |")
    # the per-query table
    qrows: dict[str, dict[int, dict]] = defaultdict(dict)
    nrows: dict[str, dict[int, dict]] = defaultdict(dict)
    for r in data:
        if r["kind"] == "query" and r.get("size"):
            qrows[r["query"]][r["size"]] = r
        if r["kind"] == "naive-query" and r.get("size"):
            nrows[r["query"]][r["size"]] = r
    if qrows:
        print("\n| query | " + " | ".join(f"{s:,} ms" for s in sizes) + " | exponent | " + " | ".join(f"naive {s:,} ms" for s in sizes if any(s in v for v in nrows.values())) + " |")
        print("|---|" + "---|" * (len(sizes) + 1 + len([s for s in sizes if any(s in v for v in nrows.values())])))
        for name in sorted(qrows):
            cells, pts = [], {}
            for s in sizes:
                r = qrows[name].get(s)
                if r is None:
                    cells.append("")
                elif r.get("timeout"):
                    cells.append(f"> {r['timeout_s'] * 1000:.0f}")
                else:
                    cells.append(f"{r['wall_s'] * 1000:.1f}")
                    pts[actual.get(s, s)] = r["wall_s"]
            k = slope(pts)
            ncells = []
            for s in sizes:
                if not any(s in v for v in nrows.values()):
                    continue
                n = nrows[name].get(s)
                ncells.append("" if n is None else "error" if "error" in n else (f"> {n['wall_s'] * 1000:.0f}" if n.get("timeout") else f"{n['wall_s'] * 1000:.0f}"))
            print(f"| {name} | " + " | ".join(cells) + f" | {'' if k is None else f'{k:.2f}'} | " + " | ".join(ncells) + " |")
    # growth exponents of the stages
    stage_pts: dict[str, dict[float, float]] = defaultdict(dict)
    for r in data:
        if r["kind"] == "corpus" and r.get("size") and "wall_s" in r and not r["what"].startswith("generate"):
            x = actual.get(r["size"], r["size"])
            stage_pts[r["what"] + " (wall)"][x] = r["wall_s"]
            stage_pts[r["what"] + " (peak RSS)"][x] = r["peak_rss_mb"]
            for k, v in (r.get("stages") or {}).items():
                stage_pts[f"{r['what']}: {k}"][x] = v
        if r["kind"] == "naive" and r.get("size") and not r.get("timeout"):
            stage_pts[f"naive {r['what']}"][actual.get(r["size"], r["size"])] = r["wall_s"]
    if stage_pts:
        print("\n| stage | growth exponent (log-log slope over the sizes measured) | points |\n|---|---|---|")
        for stage, pts in stage_pts.items():
            k = slope(pts)
            if k is not None:
                print(f"| {stage} | {k:.2f} | {len(pts)} |")
    # the real graph
    real = [r for r in data if r.get("on") == "real" or r["kind"] == "real"]
    if real:
        print("\n### Real graph\n\n| what | wall s | CPU s | peak RSS MB | runs | detail |\n|---|---|---|---|---|---|")
        for r in real:
            if r["kind"] in ("real", "process", "naive") and "wall_s" in r:
                print(f"| {r['what']} | {fmt_s(r['wall_s'])} | {fmt_s(r.get('cpu_s'))} | {r.get('peak_rss_mb', '')} | {r.get('runs', 1)} | {r.get('stages', '')} |")
        rq = {r["query"]: r for r in real if r["kind"] == "query"}
        nq = {r["query"]: r for r in real if r["kind"] == "naive-query"}
        if rq:
            print("\n| query (real graph) | nkgraph ms | naive rdflib ms | ratio |\n|---|---|---|---|")
            for name in sorted(rq):
                o, n = rq[name], nq.get(name, {})
                ow = "timeout" if o.get("timeout") else f"{o['wall_s'] * 1000:.1f}"
                nw = "error" if "error" in n else (f"> {n['wall_s'] * 1000:.0f}" if n.get("timeout") else f"{n['wall_s'] * 1000:.0f}" if n else "")
                ratio = f"{n['wall_s'] / o['wall_s']:.0f}×" if n.get("wall_s") and not o.get("timeout") and o["wall_s"] > 0 else ""
                print(f"| {name} | {ow} | {nw} | {ratio} |")


if __name__ == "__main__":
    main(sys.argv[1:])
