"""Charts of the graph: Table 1 production, production against capacity, and a timeline of events.

Data come from the chart queries (``queries/charts/*.rq``) run on a built graph. Figures are
drawn with matplotlib's object API (no pyplot, Agg canvas) and saved deterministically: fixed SVG
hash salt and no date or software stamp, so the same graph gives the same bytes.

>>> store = store_for(Path("build/nkgraph.nt"))
>>> figure = production_chart(store, ("coal", "cement"))
>>> to_bytes(figure, "svg")[:5]
b'<?xml'
"""

from __future__ import annotations

import io
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Callable, Iterable

import matplotlib
import pyoxigraph as ox
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from nkgraph.errors import NkgraphError
from nkgraph.namespace import NKD
from nkgraph.output import shorten
from nkgraph.queries import find_query, open_store, run_query

matplotlib.rcParams.update({
    "svg.hashsalt": "nkgraph", "svg.fonttype": "none", "font.family": "DejaVu Sans", "font.size": 9,
    "axes.spines.top": False, "axes.spines.right": False, "axes.titlesize": 10, "axes.titleweight": "bold",
})

#: Commodities charted when none are given.
DEFAULT_COMMODITIES = ("coal", "iron ore", "steel", "cement", "zinc", "magnesite")
SOURCE_NOTE = "Source: USGS Minerals Yearbook 2007, North Korea (nkgraph)."
REVISED_COLOUR, CAPACITY_COLOUR, PRODUCTION_COLOUR = "#c0392b", "#d5dde5", "#4e79a7"
#: Line colours of the series in a panel (no red: red marks revised figures).
SERIES_COLOURS = ("#4e79a7", "#f28e2b", "#59a14f", "#b07aa1", "#9c755f", "#76b7b2")


class ChartError(NkgraphError):
    """A chart cannot be drawn: an unknown commodity, or no data for it in the graph."""


def store_for(nt: Path) -> ox.Store:
    """An Oxigraph store of a built graph (``build/nkgraph.nt``)."""
    return open_store(nt)


def _rows(store: ox.Store, name: str) -> list[dict[str, object]]:
    return run_query(find_query(f"charts/{name}"), store).rows


def to_bytes(figure: Figure, fmt: str) -> bytes:
    """The figure as PNG or SVG bytes, without a date or software stamp."""
    FigureCanvasAgg(figure)
    metadata = {"Date": None, "Creator": None} if fmt == "svg" else {"Software": None}
    buf = io.BytesIO()
    figure.savefig(buf, format=fmt, dpi=150, metadata=metadata, bbox_inches="tight")
    return buf.getvalue()


# ---------------------------------------------------------------------------------------------
# Production (Table 1)
# ---------------------------------------------------------------------------------------------


@dataclass
class Series:
    """One Table 1 row: its label and its (year, value in canonical unit, revised, zero) cells."""

    label: str
    unit: str
    cells: list[tuple[int, float, bool, bool]]
    form: str | None = None
    commodity: str | None = None


def _scale(values: Iterable[float], unit: str) -> tuple[float, str]:
    top = max(values, default=0)
    if unit == "t" and top >= 1e6:
        return 1e6, "million metric tons"
    if unit == "t" and top >= 1e4:
        return 1e3, "thousand metric tons"
    return 1, {"t": "metric tons", "kg": "kilograms"}.get(unit, unit)


def _series_by_group(store: ox.Store) -> tuple[dict[str, list[Series]], dict[str, str]]:
    """Table 1 series under each commodity concept (id), and each concept's label (lower case) -> its id."""
    groups: dict[str, list[str]] = defaultdict(list)
    names: dict[str, str] = {}
    for row in _rows(store, "commodity-groups"):
        group = shorten(row["group"])
        groups[shorten(row["commodity"])].append(group)
        names[str(row["group_label"]).lower()] = group
    series: dict[str, Series] = {}
    by_group: dict[str, dict[str, Series]] = defaultdict(dict)
    for row in _rows(store, "production-series"):
        sid, commodity = str(row["series"]), shorten(row["commodity"])
        if sid not in series:
            form = shorten(row["form"]) if row.get("form") else None
            series[sid] = Series(str(row["series_label"]), str(row.get("canonical_unit") or row.get("unit") or ""), [], form, commodity)
            for group in groups.get(commodity, [commodity]):
                by_group[group][sid] = series[sid]
        if row.get("canonical_value") is not None:
            series[sid].cells.append((int(str(row["year"])[:4]), float(row["canonical_value"]), bool(row["revised"]), bool(row["zero"])))
    return {g: list(s.values()) for g, s in by_group.items()}, names


def _concept(name: str, names: dict[str, str]) -> str | None:
    """The commodity concept a user names: by label ("iron ore"), id ("nkd:iron-ore") or slug."""
    text = name.strip().lower()
    if text in names:
        return names[text]
    slug = text.split(":", 1)[1] if text.startswith("nkd:") else text.replace(" ", "-")
    wanted = shorten(str(NKD[slug]))
    return wanted if wanted in names.values() else None


def production_series(store: ox.Store, commodities: Iterable[str]) -> dict[str, list[Series]]:
    """Table 1 series for each commodity named (label or id; a group gathers its narrower rows)."""
    by_group, names = _series_by_group(store)
    out: dict[str, list[Series]] = {}
    for name in commodities:
        key = _concept(name, names)
        if key is None or key not in by_group:
            known = sorted(label for label, cid in names.items() if cid in by_group)
            raise ChartError(f"no Table 1 series for commodity {name!r}", hint=f"use one of: {', '.join(known)}")
        out[name] = by_group[key]
    return out


def production_chart(store: ox.Store, commodities: Iterable[str] = ()) -> Figure:
    """Small multiples of Table 1: one panel per commodity, one line per series, revised figures marked."""
    wanted = tuple(commodities) or DEFAULT_COMMODITIES
    data = production_series(store, wanted)
    cols = 1 if len(data) == 1 else 2 if len(data) <= 4 else 3
    rows = -(-len(data) // cols)
    figure = Figure(figsize=(4.2 * cols, 3.0 * rows + 0.6), layout="constrained")
    axes = figure.subplots(rows, cols, squeeze=False)
    for ax, (name, series_list) in zip(axes.flat, data.items()):
        factor, unit = _scale((v for s in series_list for _, v, _, _ in s.cells), series_list[0].unit)
        for s, colour in zip(series_list, SERIES_COLOURS * 3):
            years = [y for y, *_ in s.cells]
            values = [v / factor for _, v, _, _ in s.cells]
            label = s.label.split(": ", 1)[-1] if len(series_list) > 1 else s.label
            ax.plot(years, values, marker="o", markersize=4, linewidth=1.6, label=label, color=colour)
            for y, v, revised, _ in s.cells:
                if revised:
                    ax.plot([y], [v / factor], marker="D", markersize=8, markerfacecolor="none", markeredgecolor=REVISED_COLOUR, markeredgewidth=1.5, linestyle="none")
                    ax.annotate("r", (y, v / factor), textcoords="offset points", xytext=(6, 4), color=REVISED_COLOUR, fontweight="bold")
        ax.set_title(name[:1].upper() + name[1:])
        ax.set_ylabel(unit)
        ax.set_xticks(sorted({y for s in series_list for y, *_ in s.cells}))
        ax.set_ylim(bottom=0)
        ax.grid(axis="y", color="#e5e8eb")
        ax.legend(fontsize=7, frameon=False, loc="lower left")
    for ax in list(axes.flat)[len(data):]:
        ax.set_visible(False)
    figure.suptitle("North Korea: estimated production of mineral commodities, 2003–2007 (Table 1)", fontweight="bold")
    figure.supxlabel(SOURCE_NOTE + "  ◇ r = revised figure.", fontsize=7, color="#555555", x=0.01, ha="left")
    return figure


# ---------------------------------------------------------------------------------------------
# Production against capacity
# ---------------------------------------------------------------------------------------------

#: When a capacity names no form and the commodity has several Table 1 rows, the form to prefer.
FORM_PREFERENCE = tuple(shorten(str(NKD[f"form-{f}"])) for f in ("gross-weight", "crude", "hydraulic", "mine-output-metal-content", "unspecified"))


@dataclass
class Utilization:
    """A national capacity and the Table 1 production set against it (canonical units)."""

    commodity: str
    series: str
    year: int
    production: float
    capacity: float
    unit: str
    approximate: bool

    @property
    def share(self) -> float:
        """Production as a percentage of capacity."""
        return 100 * self.production / self.capacity


def _pick(series: list[Series], commodity: str, form: str | None) -> Series | None:
    """The Table 1 row a capacity is about: of the commodity itself (not a narrower one), in the
    capacity's form, else in the first form of :data:`FORM_PREFERENCE` that singles one out."""
    series = [s for s in series if s.commodity == commodity] or series
    if len(series) == 1:
        return series[0]
    for wanted in ([form] if form else []) + list(FORM_PREFERENCE):
        found = [s for s in series if s.form == wanted]
        if len(found) == 1:
            return found[0]
    return None


def utilization(store: ox.Store, commodities: Iterable[str] = ()) -> list[Utilization]:
    """Each national capacity claim with the Table 1 production of its commodity in its year."""
    wanted = {c.strip().lower() for c in commodities}
    by_group, _ = _series_by_group(store)
    out = []
    for row in _rows(store, "capacity"):
        name, commodity = str(row["commodity_label"]), shorten(row["commodity"])
        if wanted and not wanted & {name.lower(), commodity.split(":")[-1], commodity}:
            continue
        year = int(str(row.get("year") or "2007")[:4])
        series = _pick(by_group.get(commodity, []), commodity, shorten(row["form"]) if row.get("form") else None)
        cell = next((c for c in series.cells if c[0] == year), None) if series else None
        if series is None or cell is None or row.get("canonical_value") is None:
            continue
        out.append(Utilization(name, series.label, year, cell[1], float(row["canonical_value"]), series.unit, bool(row["approximate"])))
    return sorted(out, key=lambda u: -u.capacity)


def _amount(value: float, digits: bool = False) -> str:
    if value >= 1e6:
        return f"{value / 1e6:#.3g} Mt" if digits else f"{value / 1e6:.3g} Mt"
    if value >= 1e3:
        return f"{value / 1e3:,.0f} kt" if value >= 1e5 else f"{value:,.0f} t"
    return f"{value:,.0f} t"


def capacity_chart(store: ox.Store, commodities: Iterable[str] = ()) -> Figure:
    """Horizontal bars: 2007 production as a share of the national capacity the text gives."""
    rows = utilization(store, commodities)
    if not rows:
        raise ChartError("no national capacity claim in the graph has a Table 1 production to compare with", hint="capacities are nk:annualCapacity claims on a country with nk:commodityQualifier (Structure of the Mineral Industry)")
    figure = Figure(figsize=(8.5, 0.55 * len(rows) + 1.6), layout="constrained")
    ax = figure.subplots()
    y = list(range(len(rows)))[::-1]
    ax.barh(y, [100] * len(rows), color=CAPACITY_COLOUR, height=0.62, label="capacity (text)")
    ax.barh(y, [min(u.share, 100) for u in rows], color=PRODUCTION_COLOUR, height=0.62, label="production (Table 1)")
    for yi, u in zip(y, rows):
        text = f"{_amount(u.production, digits=True)} of {'≈' if u.approximate else ''}{_amount(u.capacity)}/yr  ({u.share:.0f}%)"
        ax.text(101.5, yi, text, va="center", fontsize=9)
    ax.set_yticks(y, [f"{u.commodity[:1].upper() + u.commodity[1:]}\n{u.series}" for u in rows], fontsize=8)
    ax.set_xlim(0, 150)
    ax.set_xticks([0, 25, 50, 75, 100], ["0", "25", "50", "75", "100%"])
    ax.axvline(100, color="#555555", linewidth=0.8, linestyle="--")
    ax.legend(loc="upper center", bbox_to_anchor=(0.33, -0.08), ncol=2, frameon=False, fontsize=8)
    ax.set_title(f"North Korea: production in {rows[0].year} against capacity", loc="left")
    figure.supxlabel(SOURCE_NOTE + " Capacities: Structure of the Mineral Industry; production: Table 1.", fontsize=7, color="#555555", x=0.01, ha="left")
    return figure


# ---------------------------------------------------------------------------------------------
# Timeline
# ---------------------------------------------------------------------------------------------


@dataclass
class Dated:
    """An event or deal with the period its dates cover (start, end) and their precision."""

    label: str
    kind: str
    type: str
    start: date
    end: date
    precision: str  # "year", "month", "day"
    tentative: bool  # planned, expected, proposed


TENTATIVE = frozenset({"planned", "expected", "proposed", "forecast"})


def _period(text: str) -> tuple[date, date, str]:
    parts = [int(p) for p in text[:10].split("-")]
    if len(parts) == 1:
        return date(parts[0], 1, 1), date(parts[0], 12, 31), "year"
    if len(parts) == 2:
        nxt = date(parts[0] + (parts[1] == 12), parts[1] % 12 + 1, 1)
        return date(parts[0], parts[1], 1), date.fromordinal(nxt.toordinal() - 1), "month"
    return date(*parts), date(*parts), "day"


def timeline(store: ox.Store) -> list[Dated]:
    """Dated events and deals: explicit date claims win over dates qualifying other claims."""
    found: dict[str, dict[str, object]] = {}
    for row in _rows(store, "timeline"):
        thing = found.setdefault(str(row["thing"]), {"row": row, "explicit": [], "implicit": []})
        tentative = row.get("modality") in TENTATIVE
        thing["explicit" if row["explicit"] else "implicit"].append((row["role"], row["date"], tentative))  # type: ignore[union-attr]
    out = []
    for thing in found.values():
        dates = thing["explicit"] or thing["implicit"]
        periods = [(role, *_period(str(d))) for role, d, _ in dates]  # type: ignore[union-attr]
        start = min(p[1] for p in periods)
        end = max(p[2] for p in periods) if any(r in ("end", "start") for r, *_ in periods) else min(p[2] for p in periods if p[1] == start)
        precision = min((p[3] for p in periods), key=("day", "month", "year").index)
        row = thing["row"]
        tentative = all(t for *_, t in dates)  # type: ignore[union-attr]
        out.append(Dated(str(row["label"]), str(row["kind"]), str(row["class_label"]), start, end, precision, tentative))
    return sorted(out, key=lambda d: (d.start, d.end, d.label))


def timeline_chart(store: ox.Store, commodities: Iterable[str] = ()) -> Figure:  # noqa: ARG001 (same signature as the others)
    """One row per dated event or deal: a bar over its year or month, a dot on its day."""
    items = timeline(store)
    if not items:
        raise ChartError("no dated event or deal in the graph", hint="events and deals get dates from nk:date claims")
    origin = date(2005, 1, 1)
    figure = Figure(figsize=(11, 0.28 * len(items) + 1.4), layout="constrained")
    ax = figure.subplots()
    colours = {"deal": "#b07aa1", "event": "#f28e2b"}
    for i, item in enumerate(items):
        y = len(items) - 1 - i
        start, end = max(item.start, origin), max(item.end, origin)
        colour = colours.get(item.kind, "#4e79a7")
        if item.end < origin:
            ax.plot([origin], [y], marker="<", markersize=7, color=colour)
        elif item.precision == "day" and item.start == item.end:
            ax.plot([start], [y], marker="o", markersize=6, color=colour, markerfacecolor="white" if item.tentative else colour, markeredgewidth=1.5)
        else:
            ax.barh(y, (end - start).days + 1, left=start, height=0.6, color=colour, alpha=0.35 if item.precision == "year" else 0.85, hatch="//" if item.tentative else None, edgecolor=colour)
        note = f" ({item.start.year})" if item.start < origin and str(item.start.year) not in item.label else ""
        ax.text(end, y, f"  {item.label}{note}", va="center", fontsize=7.5)
    ax.set_yticks([])
    ax.spines["left"].set_visible(False)
    ax.set_xlim(origin - timedelta(days=30), date(2009, 6, 1))
    ax.xaxis.set_major_locator(matplotlib.dates.YearLocator())
    ax.xaxis.set_minor_locator(matplotlib.dates.MonthLocator(bymonth=(4, 7, 10)))
    ax.xaxis.set_major_formatter(matplotlib.dates.DateFormatter("%Y"))
    ax.grid(axis="x", which="major", color="#d5dde5")
    ax.set_title("North Korea's mineral industry: dated events and deals in the chapter", loc="left")
    handles = [
        matplotlib.patches.Patch(color=colours["deal"], label="deal or agreement"),
        matplotlib.patches.Patch(color=colours["event"], label="event"),
        matplotlib.patches.Patch(facecolor="white", edgecolor="#555555", hatch="//", label="planned or expected"),
        matplotlib.patches.Patch(color="#999999", alpha=0.35, label="date given as a year only"),
    ]
    ax.legend(handles=handles, loc="upper right", fontsize=7.5, frameon=False)
    figure.supxlabel(SOURCE_NOTE + " Bars span the month or year the text gives; dots mark a day; ◀ earlier.", fontsize=7, color="#555555", x=0.01, ha="left")
    return figure


#: ``nkgraph plot KIND``: each takes a store and commodity names and returns a Figure.
CHARTS: dict[str, Callable[[ox.Store, Iterable[str]], Figure]] = {
    "production": production_chart,
    "capacity": capacity_chart,
    "timeline": timeline_chart,
}
