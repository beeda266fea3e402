"""``nkgraph query`` starts quickly: what it imports, and the lazily loaded commands still list and run.

Nothing here is timed (see ``benchmarks/cli_startup.py`` for the wall-clock figures); the tests
check the imports that made the query path slow stay off it.
"""

from __future__ import annotations

import shutil
import subprocess
import sys

import click
import pytest
from click.testing import CliRunner

import nkgraph
from nkgraph import api
from nkgraph.cli import LAZY_COMMANDS, main
from nkgraph.cli_support import LazyGroup
from nkgraph.queries import find_query, open_store, run_query
from nkgraph.store import store_matches

HEAVY = ("rdflib", "networkx", "pyshacl", "matplotlib")


def _imported(args: list[str]) -> tuple[subprocess.CompletedProcess, set[str]]:
    """Run ``python -X importtime -m nkgraph ARGS``; the process and the top-level packages it imported."""
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "nkgraph", *args], capture_output=True, text=True, timeout=120)
    names = {line.rsplit("|", 1)[1].strip().split(".")[0] for line in done.stderr.splitlines() if line.startswith("import time:") and "|" in line}
    return done, names


@pytest.mark.parametrize(
    "args",
    [["query", "references"], ["query", "stakes", "--format", "csv"], ["query", "--list"], ["--help"], ["query", "--help"]],
    ids=" ".join,
)
def test_query_path_imports_no_heavy_library(built, args):
    done, names = _imported([*args, "--out", str(built.out_dir)] if args[-1] not in ("--help", "--list") else args)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "click" in names and "nkgraph" in names  # the import log was read
    assert not names & set(HEAVY), f"imported on the query path: {sorted(names & set(HEAVY))}"
    if args[:2] == ["query", "references"]:
        assert "Asian Survey" in done.stdout


def test_a_lazy_command_still_imports_what_it_needs():
    done, names = _imported(["export", "--help"])
    assert done.returncode == 0 and "networkx" in names


def test_import_nkgraph_is_light_and_exposes_the_api():
    code = "import sys, nkgraph; assert callable(nkgraph.build) and callable(nkgraph.query); print(sorted(m for m in sys.modules if m.split('.')[0] in %r))" % (HEAVY,)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_package_attributes_are_the_api_functions():
    assert nkgraph.build is api.build and nkgraph.query is api.query and nkgraph.validate is api.validate
    assert nkgraph.load is api.load and nkgraph.list_queries is api.list_queries
    assert set(nkgraph.__all__) <= set(dir(nkgraph))
    with pytest.raises(AttributeError):
        nkgraph.no_such_function  # noqa: B018


def test_api_constants_and_types_match_the_pipeline():
    from nkgraph import pipeline, validation

    assert (api.GRAPH_NT, api.GRAPH_TTL) == (pipeline.GRAPH_NT, pipeline.GRAPH_TTL)
    assert api.BuildResult is pipeline.BuildResult and api.Report is validation.Report


def test_prefixes_module_is_the_namespace_prefixes():
    from nkgraph.namespace import PREFIXES as namespace_prefixes
    from nkgraph.prefixes import PREFIXES

    assert PREFIXES is namespace_prefixes and PREFIXES["nk"] == "https://w3id.org/nkgraph/ontology#"


@pytest.mark.parametrize("name", sorted(LAZY_COMMANDS))
def test_lazy_table_matches_each_command(name):
    module, attribute, short_help = LAZY_COMMANDS[name]
    command = getattr(__import__(module, fromlist=[attribute]), attribute)
    assert isinstance(command, click.Command) and command.name == name
    assert command.get_short_help_str(limit=10**6) == short_help, f"update LAZY_COMMANDS[{name!r}] in nkgraph/cli.py"


def test_help_lists_every_command_as_if_all_were_imported():
    eager_names = [n for n in main.commands if n not in LAZY_COMMANDS]
    settings = dict(name="nkgraph", callback=main.callback, params=main.params, help=main.help, context_settings=main.context_settings)
    lazy = LazyGroup(commands={n: main.commands[n] for n in eager_names}, lazy_commands=LAZY_COMMANDS, **settings)
    assert set(lazy.commands) == set(eager_names)  # nothing imported yet
    lazy_help = CliRunner().invoke(lazy, ["--help"])
    assert set(lazy.commands) == set(eager_names)  # listing imported nothing
    ctx = click.Context(main)
    eager = click.Group(commands={n: main.get_command(ctx, n) for n in main.list_commands(ctx)}, **settings)
    eager_help = CliRunner().invoke(eager, ["--help"])
    assert lazy_help.exit_code == eager_help.exit_code == 0
    assert lazy_help.output == eager_help.output
    for name in LAZY_COMMANDS:
        assert f"\n  {name} " in lazy_help.output


def test_unknown_command_is_still_a_usage_error():
    result = CliRunner().invoke(main, ["qurey"])
    assert result.exit_code == 2 and "No such command 'qurey'" in result.output


@pytest.mark.parametrize("name", ["references", "stakes", "checks/conflicting-claims"])
def test_api_query_on_the_persistent_store_equals_the_in_memory_graph(built, name):
    nt = built.out_dir / "nkgraph.nt"
    assert store_matches(nt) is not None  # api.query reads the persistent store, not the file
    expected = run_query(find_query(name), open_store(nt))
    assert api.query(name, graph_file=nt).rows == expected.rows


def test_api_query_without_a_store_reads_the_file(built, tmp_path):
    shutil.copy(built.out_dir / "nkgraph.nt", tmp_path / "nkgraph.nt")
    rows = api.query("references", graph_file=tmp_path / "nkgraph.nt").rows
    assert rows == run_query(find_query("references"), open_store(built.out_dir / "nkgraph.nt")).rows


def test_api_query_missing_graph_names_the_build(tmp_path):
    from nkgraph.errors import BuildMissing

    with pytest.raises(BuildMissing) as err:
        api.query("references", graph_file=tmp_path / "nothing" / "nkgraph.nt")
    assert "nkgraph build --out" in str(err.value) and "nothing" in str(err.value)
