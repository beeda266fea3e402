"""Charts: the data behind them checked against the source text, deterministic files, and the command."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date

import pytest
from click.testing import CliRunner

from nkgraph import plots
from nkgraph.commands_viz import plot


@pytest.fixture(scope="module")
def chart_store(built):
    return plots.store_for(built.out_dir / "nkgraph.nt")


def test_production_series_of_coal_with_revised_2006(chart_store):
    # Table 1, lines 488-492: Anthracite, Lignite and Total, "24,700 r 24,100" thousand metric tons.
    (series,) = [s for s in plots.production_series(chart_store, ["coal"])["coal"] if s.label == "Coal: Total"]
    cells = {year: (value, revised) for year, value, revised, _ in series.cells}
    assert cells[2007] == (24_100_000.0, False)
    assert cells[2006] == (24_700_000.0, True)
    assert len(plots.production_series(chart_store, ["coal"])["coal"]) == 3  # a group gathers its rows


def test_revised_figures_are_the_five_of_table_1(chart_store):
    names = ["iron ore", "steel", "cement", "anthracite", "coal"]
    revised = {(s.label, y) for series in plots.production_series(chart_store, names).values() for s in series for y, _, r, _ in s.cells if r}
    assert {y for _, y in revised} == {2006}
    assert len(revised) == 5


# The Structure section (lines 136-141) against Table 1 2007 (lines 446-492), checked by hand.
@pytest.mark.parametrize(
    ("commodity", "production", "capacity"),
    [("coal", 24.1e6, 25e6), ("cement", 6.13e6, 7e6), ("iron ore", 5.13e6, 5.5e6), ("steel", 1.23e6, 2e6)],
)
def test_production_against_capacity(chart_store, commodity, production, capacity):
    (row,) = plots.utilization(chart_store, [commodity])
    assert (row.year, row.production, row.capacity) == (2007, pytest.approx(production), pytest.approx(capacity))


def test_crude_steel_capacity_is_set_against_crude_steel(chart_store):
    (row,) = plots.utilization(chart_store, ["steel"])
    assert row.series == "Iron and steel: Metal: Steel, crude"


def test_timeline_dates_at_their_precision(chart_store):
    items = {d.label: d for d in plots.timeline(chart_store)}
    summit = items["October 2007 summit"]
    assert (summit.start, summit.end, summit.precision) == (date(2007, 10, 1), date(2007, 10, 31), "month")
    first = items["First repayment of zinc (498 t, December 14, 2007)"]
    assert (first.start, first.precision, first.tentative) == (date(2007, 12, 14), "day", False)
    assert items["Second repayment of zinc (500 t, scheduled January 4, 2008)"].tentative


@pytest.mark.parametrize("kind", sorted(plots.CHARTS))
@pytest.mark.parametrize("fmt", ["png", "svg"])
def test_chart_files_are_deterministic(chart_store, kind, fmt):
    first = plots.to_bytes(plots.CHARTS[kind](chart_store, ()), fmt)
    second = plots.to_bytes(plots.CHARTS[kind](chart_store, ()), fmt)
    assert first == second
    if fmt == "png":
        assert first[:8] == b"\x89PNG\r\n\x1a\n" and b"Software" not in first
    else:
        root = ET.fromstring(first)
        assert root.tag.endswith("svg") and b"<dc:date>" not in first


@pytest.mark.parametrize("kind", sorted(plots.CHARTS))
def test_plot_command_writes_the_file(built, tmp_path, kind):
    target = tmp_path / f"{kind}.png"
    result = CliRunner().invoke(plot, [kind, "-o", str(target), "--out", str(built.out_dir)])
    assert result.exit_code == 0, result.stderr
    assert target.read_bytes()[:4] == b"\x89PNG" and f"wrote {kind} chart" in result.stderr


def test_plot_svg_to_stdout(built):
    result = CliRunner().invoke(plot, ["production", "--commodity", "zinc", "--out", str(built.out_dir)])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.lstrip().startswith("<?xml") and "Zinc" in result.stdout


def test_plot_unknown_commodity_is_a_clear_error(built):
    result = CliRunner().invoke(plot, ["production", "--commodity", "unobtainium", "--out", str(built.out_dir)])
    assert result.exit_code == 2 and "no Table 1 series for commodity 'unobtainium'" in result.stderr


def test_plot_needs_a_known_image_format(built, tmp_path):
    result = CliRunner().invoke(plot, ["timeline", "-o", str(tmp_path / "chart.gif"), "--out", str(built.out_dir)])
    assert result.exit_code == 2 and ".png or .svg" in result.stderr
