"""``nkgraph coverage`` and ``nkgraph check``: is the whole chapter in the graph, and where does it disagree with itself?

Both read a built graph (``nkgraph build`` first). Results go to stdout, messages to stderr.
Exit codes: ``coverage`` 0 when every segment of the text is accounted for, 1 when some are
uncovered; ``check`` 0 whatever it finds (findings describe the chapter, they are not errors);
both 2 on bad input or another error.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from nkgraph.cli_support import handle_errors

from nkgraph.checks import FORMATS as CHECK_FORMATS
from nkgraph.checks import render_checks, run_checks
from nkgraph.coverage import FORMATS as COVERAGE_FORMATS
from nkgraph.coverage import render_audit, run_audit
from nkgraph.errors import EXIT_OK, EXIT_VIOLATIONS
from nkgraph.paths import DEFAULT_OUT
from nkgraph.queries import open_store





graph_option = click.option("--graph", "graph_file", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Built graph to read (default OUT/nkgraph.nt).")
out_option = click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=DEFAULT_OUT, show_default=True, help="Folder of the build.")


@click.command()
@click.option("--format", "fmt", type=click.Choice(COVERAGE_FORMATS), default="text", show_default=True, help="A readable summary, or every segment as CSV or JSON.")
@click.option("--all", "every_segment", is_flag=True, help="Text format: list every segment, not only the uncovered ones.")
@graph_option
@out_option
@handle_errors
def coverage(fmt: str, every_segment: bool, graph_file: Path | None, out_dir: Path) -> None:
    """Account for every sentence, table row and reference entry of the chapter.

    The source text is cut into sentences, table rows, entries of References Cited and the
    passages declared to state no fact (data/coverage-exclusions.ttl: headings, page furniture,
    table headings, each with a reason). A sentence or row is covered by the claims whose quotes
    overlap it; an entry by its reference record. Exit 0 when everything is accounted for,
    1 when some segments are uncovered (they are listed), 2 on error.

    \b
    Examples:
      nkgraph coverage
      nkgraph coverage --format csv > coverage.csv
    """
    audit = run_audit(open_store(graph_file or out_dir / "nkgraph.nt"))
    click.echo(render_audit(audit, fmt, every_segment=every_segment), nl=False)
    sys.exit(EXIT_VIOLATIONS if audit.uncovered() else EXIT_OK)


@click.command()
@click.option("--format", "fmt", type=click.Choice(CHECK_FORMATS), default="text", show_default=True, help="Readable text, CSV (one row per finding) or JSON (grouped by check, with every column).")
@click.option("--only", "names", multiple=True, metavar="CHECK", help="Run only this check (repeatable), e.g. --only conflicting-claims.")
@graph_option
@out_option
@handle_errors
def check(fmt: str, names: tuple[str, ...], graph_file: Path | None, out_dir: Path) -> None:
    """List where the chapter disagrees with itself, with the words on each side.

    Runs the check queries of queries/checks/ (text figures vs Table 1, totals vs their parts,
    national capacities vs Table 2, contradicting claims, malformed or missing references,
    misspellings, Table 2 vs the text ...): each row is a finding. Findings describe the chapter;
    they are not errors, so the exit code is 0 whatever is found (2 on error).

    \b
    Examples:
      nkgraph check
      nkgraph check --only national-capacity-vs-table2 --format csv
    """
    store = open_store(graph_file or out_dir / "nkgraph.nt")
    started = time.perf_counter()
    results = run_checks(store, list(names) or None)
    click.echo(render_checks(results, fmt), nl=False)
    click.echo(f"{sum(len(r.findings) for r in results)} finding(s) from {len(results)} check(s) in {time.perf_counter() - started:.2f}s", err=True)
