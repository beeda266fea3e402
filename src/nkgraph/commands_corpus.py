"""``nkgraph synth`` and ``nkgraph corpus build|query``: a corpus of many documents.

Only click is imported here; the work (rdflib, pySHACL, Oxigraph) is imported when a command runs.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from nkgraph.cli_support import _err, handle_errors
from nkgraph.output import FORMATS


class _Bar:
    """A click progress bar on stderr, fed with (stage, done, total) calls."""

    def __init__(self, quiet: bool) -> None:
        self.quiet, self.bar, self.stage, self.done = quiet, None, None, 0

    def __call__(self, stage: str, done: int, total: int) -> None:
        if self.quiet:
            return
        if stage != self.stage:
            self.close()
            self.stage, self.done = stage, 0
            self.bar = click.progressbar(length=total, label=f"{stage:9}", file=sys.stderr, show_pos=True)
            self.bar.__enter__()
        assert self.bar is not None
        self.bar.update(done - self.done)
        self.done = done

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


@click.command()
@click.option("--triples", type=click.IntRange(min=1), required=True, help="About how many triples to write (the last document is cut to fit).")
@click.option("--seed", type=int, default=0, show_default=True, help="Random seed: the same seed writes the same bytes.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), required=True, help="Folder to write the corpus into.")
@click.option("--template", type=click.Path(dir_okay=False, path_type=Path), default=Path("build") / "nkgraph.nt", show_default=True, help="The real build to resample (run 'nkgraph build' first).")
@click.option("--news-share", type=click.FloatRange(0, 0.5), default=0.07, show_default=True, help="About which share of the documents' triples are news reports (0: chapters only).")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@handle_errors
def synth(triples: int, seed: int, out_dir: Path, template: Path, news_share: float, quiet: bool) -> None:
    """Write a synthetic corpus with the real graph's shape, for benchmarks.

    Each chapter document simulates one chapter (country x year) resampled from the real build: its
    own IRIs, chapter, source text, claims, quotes, citations, attributions, conflicts and aliases.
    Each news document (news-YEAR-PUBLISHER-N) is the article behind a news item a chapter cites:
    the claims citing it, stated in the article itself and quoted from its own text.
    Writes OUT/shared.nt (shared vocabulary), OUT/documents/SLUG.nt (+ SLUG.txt, its source text)
    and OUT/manifest.json. Deterministic for a seed. Exit 0 ok, 2 error.

    \b
    Example:
      nkgraph synth --triples 1000000 --seed 1 --out /tmp/corpus-1m
      nkgraph corpus build /tmp/corpus-1m --out /tmp/corpus-1m-build
    """
    from nkgraph.errors import BuildMissing
    from nkgraph.synth import write_corpus

    if not template.is_file():
        raise BuildMissing(f"no built graph to resample at {template}", path=template, hint="run 'nkgraph build' first, or pass --template OUT/nkgraph.nt")
    bar = _Bar(quiet)
    info = write_corpus(template, out_dir, triples=triples, seed=seed, news_share=news_share, progress=lambda n: bar("generate", min(n, triples), triples))
    bar.close()
    if not quiet:
        _err(f"wrote {out_dir}: {info['triples']:,} triples in {info['chapters']} chapter(s) and {info['news_documents']} news report(s) + {info['shared_triples']:,} shared")


@click.group()
def corpus() -> None:
    """Build and query a corpus of many documents (see 'nkgraph synth').

    \b
    Example:
      nkgraph corpus build /tmp/corpus-1m --out /tmp/corpus-1m-build
      nkgraph corpus query stakes --out /tmp/corpus-1m-build --format csv
    """


@corpus.command("build")
@click.argument("corpus_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), required=True, help="Folder of the corpus build (store/ and manifest.json).")
@click.option("--workers", type=click.IntRange(min=1), default=2, show_default=True, help="Processes validating documents in parallel.")
@click.option("--no-cache", is_flag=True, help="Reuse nothing from earlier runs: re-read every file, validate every document again and rewrite the whole store (the fresh reports are still cached for the next build).")
@click.option("--engine", type=click.Choice(["fast", "pyshacl"]), default=None, help="SHACL engine (default: nkgraph's fast engine; pyshacl is the reference).")
@click.option("--quiet", "-q", is_flag=True, help="Print only errors.")
@handle_errors
def corpus_build(corpus_dir: Path, out_dir: Path, workers: int, no_cache: bool, engine: str | None, quiet: bool) -> None:
    """Validate each document of CORPUS_DIR and write one Oxigraph store.

    CORPUS_DIR holds shared.nt and documents/*.nt (as 'nkgraph synth' writes). Each document is
    validated with the shared vocabulary and the ontology against the corpus shapes; reports are
    cached by content, so after one document changes only that one is validated again and only its
    triples are replaced in the store. --no-cache (or NKGRAPH_NO_CACHE=1) reuses nothing but still
    records the fresh reports, so the next build validates only what changed. Writes OUT/store/
    and OUT/manifest.json. Exit 0 ok, 1 SHACL violations, 2 error (a document that does not parse:
    file and line); on 1 and 2 OUT is left as it was.

    \b
    Example:
      nkgraph corpus build /tmp/corpus-1m --out /tmp/corpus-1m-build
      nkgraph corpus build /tmp/corpus-1m --out /tmp/corpus-1m-build --no-cache
    """
    from nkgraph.corpus import build_corpus

    bar = _Bar(quiet)
    try:
        result = build_corpus(corpus_dir, out_dir, workers=workers, use_cache=False if no_cache else None, progress=bar, engine=engine)
    finally:
        bar.close()
    if not quiet:
        _err(
            f"built {out_dir}/store: {result.triples:,} statements in {result.documents} document(s); "
            f"validated {len(result.validated)}, reused {len(result.cached)} cached report(s); store {result.store_mode}"
            + (f" ({len(result.changed)} document(s) changed)" if result.store_mode == "incremental" else "")
        )
        _err("timings: " + ", ".join(f"{k} {v:.2f}s" for k, v in result.timings.items()))


@corpus.command("query")
@click.argument("name")
@click.option("-p", "--param", "params", multiple=True, nargs=2, metavar="NAME VALUE", help="A query parameter (repeatable).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True, help="Output format.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), required=True, help="Folder of the corpus build.")
@handle_errors
def corpus_query(name: str, params: tuple[tuple[str, str], ...], fmt: str, out_dir: Path) -> None:
    """Run a library query by NAME on a built corpus store.

    \b
    Example:
      nkgraph corpus query stakes --out /tmp/corpus-1m-build --format csv
    """
    from nkgraph.corpus import open_corpus
    from nkgraph.output import render
    from nkgraph.queries import find_query, run_query

    result = run_query(find_query(name), open_corpus(out_dir), dict(params))
    click.echo(render(result, fmt), nl=False)
    if fmt == "table":
        _err(f"{len(result.rows)} row(s)")
