"""``nkgraph trace`` and ``nkgraph dossier``: provenance chains and evidence dossiers.

Both read a built graph (``nkgraph build`` first). Results go to stdout (or ``-o FILE`` for the
dossier); messages go to stderr. Exit codes as for every nkgraph command: 0 ok, 2 error — among
them WHAT or ENTITY matching nothing, with the closest names the graph knows.
"""

from __future__ import annotations

import time
from pathlib import Path

import click

from nkgraph.cli_support import handle_errors

from nkgraph import dossier as dossier_mod
from nkgraph import trace as trace_mod
from nkgraph.errors import BuildMissing, OutputError
from nkgraph.paths import DEFAULT_OUT





def _graph(graph_file: Path | None, out_dir: Path) -> trace_mod.TraceGraph:
    path = graph_file or out_dir / "nkgraph.nt"
    if not path.exists():
        raise BuildMissing(f"no built graph at {path}", path=path, hint="run 'nkgraph build' first (or pass --graph)")
    return trace_mod.TraceGraph.open(path)


_graph_option = click.option("--graph", "graph_file", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Built graph to read (default OUT/nkgraph.nt).")
_out_option = click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=DEFAULT_OUT, show_default=True, help="Folder of the build.")


@click.command()
@click.argument("what")
@click.option("--format", "fmt", type=click.Choice(trace_mod.FORMATS), default="text", show_default=True, help="Output format.")
@_graph_option
@_out_option
@handle_errors
def trace(what: str, fmt: str, graph_file: Path | None, out_dir: Path) -> None:
    """Trace claims to their sources: WHAT is a claim, an entity or words of the chapter.

    WHAT is a claim IRI (nkd:claim-… or the full IRI), an entity (IRI, label or any spelling
    the chapter prints, in any case), or free text found in the quotes. Each matching claim is
    printed as a chain: statement → verbatim quote with section, page, lines and character
    offsets → cited references (title, publisher, dates, pinpoint, URL as printed, access date)
    → the agents it is attributed to, hop by hop → conflicting claims side by side.
    A name that matches nothing prints the closest names and exits 2.

    \b
    Examples:
      nkgraph trace nkd:claim-iron-and-steel-musan-energy-daily-value
      nkgraph trace Gumdeok --format markdown
      nkgraph trace "909 million" --format json
    """
    started = time.perf_counter()
    result = trace_mod.trace_what(what, _graph(graph_file, out_dir))
    click.echo(trace_mod.render(result, fmt), nl=False)
    click.echo(f"{len(result.chains)} claim(s) in {time.perf_counter() - started:.2f}s", err=True)


@click.command()
@click.argument("entity")
@click.option("--format", "fmt", type=click.Choice(dossier_mod.FORMATS), default="markdown", show_default=True, help="Output format.")
@click.option("-o", "--output", "output", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Write to FILE instead of stdout.")
@_graph_option
@_out_option
@handle_errors
def dossier(entity: str, fmt: str, output: Path | None, graph_file: Path | None, out_dir: Path) -> None:
    """Everything the graph knows about one mine, company, place, commodity or deal.

    ENTITY is an IRI, a label or any spelling the chapter prints. The dossier gives its names,
    facts with their sources, stakes, deals and events, production and capacity, a dated
    timeline, conflicts and a bibliography. HTML is one self-contained file (inline CSS).

    \b
    Examples:
      nkgraph dossier "Hyesan Youth Copper Mine"
      nkgraph dossier nkd:orascom-construction-industries --format html -o oci.html
    """
    started = time.perf_counter()
    doc = dossier_mod.gather(entity, _graph(graph_file, out_dir))
    text = dossier_mod.render(doc, fmt)
    if output is None:
        click.echo(text, nl=False)
    else:
        try:
            output.parent.mkdir(parents=True, exist_ok=True)
            output.write_text(text, encoding="utf-8")
        except OSError as err:
            raise OutputError(f"cannot write the dossier: {err.strerror}", path=output, hint="choose another -o path") from None
        click.echo(f"wrote {output}", err=True)
    click.echo(f"dossier of {doc.label}: {len(doc.facts) + len(doc.figures)} fact(s), {len(doc.related)} related stake(s)/deal(s)/event(s), "
               f"{len(doc.bibliography)} reference(s) in {time.perf_counter() - started:.2f}s", err=True)
