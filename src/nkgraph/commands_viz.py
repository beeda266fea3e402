"""``nkgraph export`` and ``nkgraph plot``: graph exports, the interactive view, and charts.

Both read a built graph (``nkgraph build`` first). Results go to ``-o PATH`` or to stdout;
messages go to stderr. Exit codes as for every nkgraph command: 0 ok, 2 error.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from nkgraph.cli_support import handle_errors

from nkgraph.errors import BuildMissing, OutputError
from nkgraph.exports import FORMATS, Source, render
from nkgraph.paths import DEFAULT_OUT
from nkgraph.projection import Filters, counts





def _nt(graph_file: Path | None, out_dir: Path) -> Path:
    path = graph_file or out_dir / "nkgraph.nt"
    if not path.exists():
        raise BuildMissing(f"no built graph at {path}", path=path, hint="run 'nkgraph build' first (or pass --graph)")
    return path


def _write(target: Path, data: str | bytes) -> None:
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, bytes):
            target.write_bytes(data)
        else:
            target.write_text(data, encoding="utf-8", newline="\n")
    except OSError as err:
        raise OutputError(f"cannot write {target}: {err.strerror}", path=target, hint="choose another -o path") from None


def _size(n: int) -> str:
    return f"{n / 1_000_000:.1f} MB" if n >= 1_000_000 else f"{n / 1000:.0f} kB"


graph_option = click.option("--graph", "graph_file", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Built graph (default OUT/nkgraph.nt).")
out_option = click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=DEFAULT_OUT, show_default=True, help="Folder of the build.")


@click.command(epilog="\b\nFormats:\n" + "\n".join(f"  {f.name:10} {f.help}" for f in FORMATS.values()))
@click.argument("fmt", metavar="FORMAT", type=click.Choice(list(FORMATS)))
@click.option("-o", "--output", type=click.Path(path_type=Path), default=None, help="File to write (a folder for csv); stdout when omitted.")
@click.option("--commodity", multiple=True, help="Only edges tied to this commodity or a narrower one (repeatable: any of them).")
@click.option("--investor-country", multiple=True, help="Only stakes and deals of investors of this country (repeatable).")
@click.option("--status", multiple=True, help="Only stakes and deals with this status: acquired, failed, signed… (repeatable).")
@click.option("--modality", multiple=True, help="Only edges with a claim of this modality: asserted, reported… (repeatable).")
@click.option("--disputed/--undisputed", default=None, help="Only disputed, or only undisputed, edges.")
@click.option("--references", is_flag=True, help="Add the reference layer (reference → claim → entity).")
@graph_option
@out_option
@handle_errors
def export(fmt: str, output: Path | None, commodity: tuple[str, ...], investor_country: tuple[str, ...], status: tuple[str, ...], modality: tuple[str, ...], disputed: bool | None, references: bool, graph_file: Path | None, out_dir: Path) -> None:
    """Export the network (or the RDF graph) as FORMAT for Gephi, Cytoscape, yEd, Neo4j, Protégé or a browser.

    Filters combine with AND; where things are (located in, part of, country) is kept around
    what they select. Output is deterministic: the same graph gives the same bytes.

    \b
    Examples:
      nkgraph export html -o view.html
      nkgraph export gexf --commodity copper -o copper.gexf
      nkgraph export csv -o neo4j/ && neo4j-admin database import full --nodes=neo4j/nodes.csv --relationships=neo4j/relationships.csv
      nkgraph export turtle --investor-country China > china.ttl
    """
    started = time.perf_counter()
    filters = Filters(commodity, investor_country, status, modality, disputed, references)
    source = Source(_nt(graph_file, out_dir))
    files = render(fmt, source, filters)
    if fmt == "csv" and output is None:
        raise OutputError("the csv format writes two files", hint="give a folder: nkgraph export csv -o neo4j/ (or use csv-nodes / csv-edges for stdout)")
    if output is None:
        for text in files.values():
            click.echo(text, nl=False)
    elif fmt == "csv":
        for name, text in files.items():
            _write(output / name, text)
    else:
        _write(output, next(iter(files.values())))
    size = sum(len(t.encode("utf-8")) for t in files.values())
    shown = "" if FORMATS[fmt].rdf else " ({nodes} nodes, {edges} edges)".format(**counts(source.projection(filters)))
    where = str(output) if output else "stdout"
    click.echo(f"wrote {fmt} to {where}{shown}: {_size(size)} in {time.perf_counter() - started:.1f} s", err=True)


@click.command()
@click.argument("kind", type=click.Choice(["production", "capacity", "timeline"]))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None, help="PNG or SVG file (by suffix); SVG on stdout when omitted.")
@click.option("--format", "fmt", type=click.Choice(["png", "svg"]), default=None, help="Image format (default: the suffix of -o, else svg).")
@click.option("--commodity", multiple=True, help="Commodities to chart (production, capacity; repeatable). Default: the main ones.")
@graph_option
@out_option
@handle_errors
def plot(kind: str, output: Path | None, fmt: str | None, commodity: tuple[str, ...], graph_file: Path | None, out_dir: Path) -> None:
    """Chart Table 1 production, production against capacity, or the timeline of events.

    \b
    production  Table 1 series by year (revised figures marked "r")
    capacity    2007 production (Table 1) against the national capacity the text gives
    timeline    the dated events, deals and shipments of the chapter

    \b
    Examples:
      nkgraph plot production --commodity coal --commodity cement -o production.png
      nkgraph plot capacity -o capacity.svg
      nkgraph plot timeline > timeline.svg
    """
    from nkgraph import plots

    started = time.perf_counter()
    fmt = fmt or (output.suffix.lstrip(".").lower() if output and output.suffix else "svg")
    if fmt not in ("png", "svg"):
        raise OutputError(f"cannot tell the image format of {output}", hint="use a .png or .svg file name, or --format")
    store = plots.store_for(_nt(graph_file, out_dir))
    figure = plots.CHARTS[kind](store, commodity)
    data = plots.to_bytes(figure, fmt)
    if output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        _write(output, data)
    click.echo(f"wrote {kind} chart to {output or 'stdout'}: {_size(len(data))} in {time.perf_counter() - started:.1f} s", err=True)
