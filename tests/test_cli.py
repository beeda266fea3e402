"""The command line, run in-process: exit codes, clean stdout, an example in every --help."""

import csv
import io

import click
import pytest
from click.testing import CliRunner

from nkgraph.cli import main

COMMANDS = main.list_commands(click.Context(main))


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_an_example_in_its_help(command):
    result = CliRunner().invoke(main, [command, "--help"])
    assert result.exit_code == 0
    assert "Example" in result.output


def test_query_csv_goes_to_stdout_alone(built):
    runner = CliRunner()
    result = runner.invoke(main, ["query", "references", "--format", "csv", "--out", str(built.out_dir)])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert list(rows[0]) == ["citation", "author", "year", "title", "url", "accessed", "listed"]


def test_unknown_query_suggests_close_names(built):
    result = CliRunner().invoke(main, ["query", "refrences", "--out", str(built.out_dir)])
    assert result.exit_code == 2
    assert "references" in result.stderr and "Traceback" not in result.stderr


def test_missing_build_is_a_clear_error(tmp_path):
    result = CliRunner().invoke(main, ["query", "references", "--out", str(tmp_path / "nothing")])
    assert result.exit_code == 2 and "nkgraph build" in result.stderr


def test_ill_typed_parameter(built, tmp_path):
    query = tmp_path / "by-commodity.rq"
    query.write_text(
        "# title: Series of a commodity\n# param: commodity iri required — the commodity. example: nkd:zinc\n"
        "PREFIX nk: <https://w3id.org/nkgraph/ontology#>\nSELECT ?s WHERE { ?s nk:commodity ?commodity }\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(main, ["query", str(query), "-p", "commodity", "not an iri", "--out", str(built.out_dir)])
    assert result.exit_code == 2 and "type iri" in result.stderr
    ok = CliRunner().invoke(main, ["query", str(query), "-p", "commodity", "nkd:zinc", "--format", "csv", "--out", str(built.out_dir)])
    assert ok.exit_code == 0 and "series-zinc-mine-output-zn-content" in ok.stdout


def test_unknown_parameter(built):
    result = CliRunner().invoke(main, ["query", "references", "-p", "year", "2007", "--out", str(built.out_dir)])
    assert result.exit_code == 2 and "no parameter 'year'" in result.stderr


def test_build_command_reports_counts(tmp_path):
    result = CliRunner().invoke(main, ["build", "--out", str(tmp_path / "b")])
    assert result.exit_code == 0, result.stderr
    assert "claims" in result.stderr and result.stdout == ""


def test_python_m_nkgraph_entry_point():
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "nkgraph", "--help"], capture_output=True, text=True)
    assert done.returncode == 0 and "nkgraph" in done.stdout
