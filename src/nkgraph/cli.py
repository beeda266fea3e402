"""The ``nkgraph`` command: a thin layer over the Python API.

Exit codes (every command): 0 ok; 1 SHACL violations (build, validate) or uncovered text (coverage);
2 bad input or other error; 130 interrupted. ``check`` exits 0 whatever it finds: findings are
information about the chapter, not errors. Results go to stdout; messages and progress to stderr.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from nkgraph.cli_support import LazyGroup, _err, handle_errors, out_option
from nkgraph.output import FORMATS, render

#: Commands defined in other modules, imported only when one of them runs (so that ``nkgraph query``
#: starts without rdflib or networkx): name → (module, attribute, short help). The short help is
#: the first sentence of the command's docstring; tests/test_cli_startup.py checks they agree.
#: Register a new command by adding one line here.
LAZY_COMMANDS: dict[str, tuple[str, str, str]] = {
    "serve": ("nkgraph.commands_serve", "serve", "Serve the built graph as a read-only SPARQL 1.1 endpoint at http://HOST:PORT/sparql."),
    "push": ("nkgraph.commands_serve", "push", "Load the build (OUT/nkgraph.nt) into a SPARQL 1.1 Graph Store Protocol endpoint."),
    "trace": ("nkgraph.commands_trace", "trace", "Trace claims to their sources: WHAT is a claim, an entity or words of the chapter."),
    "dossier": ("nkgraph.commands_trace", "dossier", "Everything the graph knows about one mine, company, place, commodity or deal."),
    "coverage": ("nkgraph.commands_audit", "coverage", "Account for every sentence, table row and reference entry of the chapter."),
    "check": ("nkgraph.commands_audit", "check", "List where the chapter disagrees with itself, with the words on each side."),
    "export": ("nkgraph.commands_viz", "export", "Export the network (or the RDF graph) as FORMAT for Gephi, Cytoscape, yEd, Neo4j, Protégé or a browser."),
    "plot": ("nkgraph.commands_viz", "plot", "Chart Table 1 production, production against capacity, or the timeline of events."),
    "synth": ("nkgraph.commands_corpus", "synth", "Write a synthetic corpus with the real graph's shape, for benchmarks."),
    "corpus": ("nkgraph.commands_corpus", "corpus", "Build and query a corpus of many documents (see 'nkgraph synth')."),
}

root_option = click.option(
    "--root",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None,
    help="Project folder holding data/ and ontology/ (default: this checkout, or $NKGRAPH_HOME).",
)


@click.group(cls=LazyGroup, lazy_commands=LAZY_COMMANDS, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="nkgraph")
def main() -> None:
    """nkgraph: North Korea's mineral industry as claims traced to their sources.

    \b
    Example:
      nkgraph build && nkgraph query stakes --format csv
    """


@main.command()
@out_option
@root_option
@click.option("--quiet", "-q", is_flag=True, help="Print only errors.")
@click.option("--no-cache", is_flag=True, help="Rebuild and revalidate everything, reusing nothing from earlier runs (the fresh SHACL report is still cached for the next build).")
@handle_errors
def build(out_dir: Path, root: Path | None, quiet: bool, no_cache: bool) -> None:
    """Load the data, check every quote, validate, and write the graph.

    Writes OUT/nkgraph.ttl (canonical Turtle), OUT/nkgraph.nt (sorted N-Triples) and
    OUT/manifest.json. Exit 0 ok, 1 SHACL violations (nothing written), 2 error.

    \b
    Example:
      nkgraph build --out build
      nkgraph build --root ../my-nkgraph-copy --out /tmp/nkgraph-build
      nkgraph build --no-cache
    """
    from nkgraph import api

    say = (lambda m: None) if quiet else (lambda m: _err(f"· {m}"))
    result = api.build(out_dir, progress=say, root=root, use_cache=False if no_cache else None)
    if not quiet:
        c = result.counts
        _err(f"built {out_dir}/nkgraph.ttl: {c['triples']:,} triples, {c['claims']:,} claims ({c['disputed_claims']} disputed, {c['uncited_claims']} uncited), {c['references']} references")
        top = sorted(((n, k) for k, n in result.classes.items() if k != "nk:Claim"), reverse=True)
        _err("entities by class: " + ", ".join(f"{k} {n}" for n, k in top))
        _err("timings: " + ", ".join(f"{k} {v:.2f}s" for k, v in result.timings.items()))


@main.command()
@root_option
@click.option("--engine", type=click.Choice(["fast", "pyshacl"]), default="fast", show_default=True, help="SHACL engine: the fast one, or pySHACL (the reference, ~20 s).")
@handle_errors
def validate(root: Path | None, engine: str) -> None:
    """Validate the data against the SHACL shapes and print a report grouped by shape.

    Exit 0 conforms, 1 violations, 2 error. Nothing is written.

    \b
    Example:
      nkgraph validate
      nkgraph validate --root ../my-nkgraph-copy
      nkgraph validate --engine pyshacl
    """
    from nkgraph import api

    report = api.validate(root=root, engine=engine)
    click.echo(report.text)
    sys.exit(0 if report.conforms else 1)


@main.command()
@click.argument("name", required=False)
@click.option("-p", "--param", "params", multiple=True, nargs=2, metavar="NAME VALUE", help="A query parameter (repeatable).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True, help="Output format.")
@click.option("--list", "list_", is_flag=True, help="List the query library.")
@click.option("--graph", "graph_file", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Built graph to query (default OUT/nkgraph.nt).")
@click.option("--endpoint", default=None, metavar="URL", help="Run the query on this SPARQL endpoint instead (after 'nkgraph push').")
@out_option
@handle_errors
def query(name: str | None, params: tuple[tuple[str, str], ...], fmt: str, list_: bool, graph_file: Path | None, endpoint: str | None, out_dir: Path) -> None:
    """Run a library query by NAME, or a .rq FILE, on the built graph.

    Parameters are bound as SPARQL values, never pasted into the query text.

    \b
    Examples:
      nkgraph query --list
      nkgraph query production --format csv > production.csv
      nkgraph query stakes -p holder nkd:luanhe-industrial-group
      nkgraph query --endpoint http://127.0.0.1:7878/query stakes
    """
    from nkgraph import api

    if list_ or not name:
        for spec in api.list_queries():
            params_text = " ".join(f"[-p {p.name} {p.type.upper()}]" if not p.required else f"-p {p.name} {p.type.upper()}" for p in spec.params)
            click.echo(f"{spec.name:32} {spec.title}" + (f"  {params_text}" if params_text else ""))
        return
    if endpoint:
        from nkgraph.push import remote_query
        from nkgraph.queries import find_query

        result = remote_query(find_query(name), endpoint, dict(params))
    else:
        result = api.query(name, dict(params), graph_file=graph_file or out_dir / "nkgraph.nt")
    click.echo(render(result, fmt), nl=False)
    if fmt == "table":
        _err(f"{len(result.rows)} row(s)")


if __name__ == "__main__":  # pragma: no cover
    main()
