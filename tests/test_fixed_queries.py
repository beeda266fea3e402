"""The fixed queries users build spreadsheets on: production, references, capacity.

Every expected value below was typed from the chapter (data/source/usgs-myb-2007-north-korea.txt,
Table 1 lines 439-496, References Cited lines 327-424, Table 2 lines 510-564, Structure of the
Mineral Industry lines 137-141), not copied from the output. The Table 1 figures are typed as the
row prints them ("5,040 r 5,130": the "r" marks the figure before it, the 2006 value), and a test
checks that each typed row occurs in the source text.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from click.testing import CliRunner
from rdflib import RDF, RDFS, SKOS, URIRef

from nkgraph.cli import main
from nkgraph.queries import find_query, run_query
from nkgraph.source import SourceText

PRODUCTION_COLUMNS = ["series", "year", "value", "unit", "canonical_value", "canonical_unit", "revised", "estimated"]
REFERENCE_COLUMNS = ["citation", "author", "year", "title", "url", "accessed", "listed"]
CAPACITY_COLUMNS = [
    "scope", "row", "facility", "parts", "operator", "commodity", "form", "location", "province", "value", "unit",
    "canonical_value", "canonical_unit", "estimated", "approximate", "section", "claim",
]  # fmt: skip
YEARS = ["2003", "2004", "2005", "2006", "2007"]
#: unit as printed -> (canonical unit symbol, factor), typed by hand.
UNITS = {"metric tons": ("t", 1), "thousand metric tons": ("t", 1000), "kilograms": ("kg", 1)}

# Table 1, row by row: series as printed (parent headings joined by ": "), unit (the table's
# "Metric tons unless otherwise specified", "do." resolved), the five figures as printed.
TABLE_1 = [
    ("Cadmium metal, smelter", "metric tons", "200 200 200 200 200"),
    ("Copper: Mine output, Cu content", "metric tons", "12,000 12,000 12,000 12,000 12,000"),
    ("Copper: Metal: Smelter, primary and secondary", "metric tons", "15,000 15,000 15,000 15,000 15,000"),
    ("Copper: Metal: Refinery, primary and secondary", "metric tons", "15,000 15,000 15,000 15,000 15,000"),
    ("Gold, mine output, Au content", "kilograms", "-- 2,000 2,000 2,000 2,000"),
    ("Iron and steel: Iron ore and concentrate, marketable: Gross weight", "thousand metric tons", "4,430 4,580 5,000 5,040 r 5,130"),
    ("Iron and steel: Iron ore and concentrate, marketable: Fe content", "thousand metric tons", "1,260 1,300 1,400 1,400 1,400"),
    ("Iron and steel: Metal: Pig iron", "thousand metric tons", "900 900 900 900 900"),
    ("Iron and steel: Metal: Ferroalloys, unspecified", "thousand metric tons", "10 10 10 10 10"),
    ("Iron and steel: Metal: Steel, crude", "thousand metric tons", "1,090 1,070 1,070 1,180 r 1,230"),
    ("Lead: Mine output, Pb content", "metric tons", "12,000 13,000 13,000 13,000 13,000"),
    ("Lead: Metal: Smelter, primary and secondary", "metric tons", "12,000 13,000 13,000 13,000 13,000"),
    ("Lead: Metal: Refinery, primary and secondary", "metric tons", "7,000 9,000 9,000 9,000 9,000"),
    ("Silver, mine output, Ag content", "metric tons", "20 20 20 20 20"),
    ("Tungsten, mine output, W content", "metric tons", "600 600 600 600 600"),
    ("Zinc: Mine output, Zn content", "metric tons", "60,000 62,000 67,000 67,000 70,000"),
    ("Zinc: Metal, primary and secondary", "metric tons", "65,000 67,000 72,000 72,000 75,000"),
    ("Cement, hydraulic", "thousand metric tons", "5,540 5,630 5,700 6,160 r 6,130"),
    ("Fluorspar", "metric tons", "12,000 12,000 12,500 12,500 12,500"),
    ("Graphite", "metric tons", "25,000 30,000 30,000 30,000 30,000"),
    ("Magnesium: Magnesite, crude", "thousand metric tons", "1,200 1,000 1,000 1,000 1,000"),
    ("Magnesium: Magnesium compounds", "thousand metric tons", "288 300 346 345 350"),
    ("Nitrogen, N content of ammonia", "thousand metric tons", "100 100 100 100 100"),
    ("Phosphate rock", "metric tons", "300,000 300,000 300,000 300,000 300,000"),
    ("Salt, all types", "metric tons", "500,000 500,000 500,000 500,000 500,000"),
    ("Sulfur", "thousand metric tons", "42 42 42 42 42"),
    ("Talc, soapstone, pyrophyllite", "metric tons", "50,000 50,000 50,000 50,000 50,000"),
    ("Coal: Anthracite", "thousand metric tons", "16,000 16,300 16,500 17,200 r 17,100"),
    ("Coal: Lignite", "thousand metric tons", "6,300 6,500 7,000 7,500 7,000"),
    ("Coal: Total", "thousand metric tons", "22,300 22,800 23,500 24,700 r 24,100"),
    ("Coke", "thousand metric tons", "2,000 2,000 2,000 2,000 2,000"),
]

# References Cited in printed order, then the source the text cites but the list lacks.
# (citation, author, year, title, url as printed with line breaks removed, accessed, listed)
REFERENCES = [
    ("Asian Survey, 2006", "Asian Survey", "2006", "Musan, The political economy of Chinese investment in North Korea", "http://www.nkeconwatch/category/dprk-organiztions/state-offices/musan-mine/", "2007-09-06", True),
    ("Associated Press, The, 2007", "Associated Press, The", "2007", "Koreas open working-level talks on light industry, mineral resources", "http://www.iht.comg/articles/ap/2007/06/07/asia/AS-GEN-Koreas-Economic_Talks.php", "2008-06-24", True),
    ("Bank of Korea, 2007", "Bank of Korea", "2007", "Gross domestic product of North Korea in 2006", "http://www.bok.or.kr/contents_admin/info_admin/eng/home/press/pressre/info/GDP_of_North_Korea_in_2006.pdf", "2008-06-24", True),
    ("Bank of Korea, 2008", "Bank of Korea", "2008", "Gross domestic product of North Korea in 2007", "http://www.bok.or.kr/content_admin/info_admin/eng/home/pressre/info/GDP_of_North_Korea_in_2007.doc", "2008-06-24", True),
    ("China Metals, 2007", "China Metals", "2007", "Tangsteel to build 1.5-mtpa project in DPRK", "", "", True),
    ("China Mining Association, 2007", "China Mining Association", "2007", "Tangshan to build steel JV in N. Korea, Mining Market News", "http://www.chinamining.org/Investment/2007-10-30/1193712941d7492.html", "2007-10-31", True),
    ("Chosun Ilbo, The, 2007", "Chosun Ilbo, The", "2007", "China investing heavily in N.Korean resources—Report", "http://english.chosun.com/w21data/html/news/200704/200704120016.html", "2008-06-26", True),
    ("Daily NK, 2007", "Daily NK", "2007", "Hyesan Mine, the center of copper production is flooding!", "http://www.nkeconwatch.com/category/mining/copper/", "2008-06-26", True),
    ("Dawn.com, 2007", "Dawn.com", "2007", "Two Koreas discuss oil exploration at summit", "http://www.dawn.com/2007/10/07/ebr16.htm", "2008-06-23", True),
    ("Energy Daily, 2007", "Energy Daily", "2007", "China taps North Korea resources", "http://www.energy-daily.com/reports/China_Taps_North_Korea_Resources_999.html", "2008-06-30", True),
    ("Institute for Far Eastern Studies, 2008", "Institute for Far Eastern Studies", "2008", "NK Brief—DPRK budget expenditures grow 2.5% this year", "http://www.nkeconwatch.com/category/energy/coal/", "2008-04-30", True),
    ("Korea Resources Corp., 2007", "Korea Resources Corp.", "2007", "Development status of mineral resources in North Korea", "", "", True),
    ("Kramer, 2008", "Kramer, D.A.", "2008", "Magnesium compounds", "", "", True),
    ("Metals Insider, 2007", "Metals Insider", "2007", "Chinese entities take control of North Korea copper mine", "", "", True),
    ("Ministry of Unification of the Republic of Korea, 2008", "Ministry of Unification of the Republic of Korea", "2008", "News & Briefing—Second repayment of minerals for light industries raw material loan to North Korea arrived at Incheon Port", "http://www.unikorea.go.kr/english/EPA/EPA0101R.jsp?main_uid=2288", "2008-03-18", True),
    ("Orascom Construction Industries, 2007", "Orascom Construction Industries", "2007", "OCI invest in DPRK cement industry", "", "", True),
    ("Reuters, 2007", "Reuters", "2007", "South Korea knocking on door of mineral-rich North", "http://www.reuters.com/article/politicsNews/idUSSEO4634520070313", "2008-06-24", True),
    ("UPI Asia Online, 2007a", "UPI Asia Online", "2007a", "Analysis—China taps North Korean resources", "http://www.upiasiaonline.com/Economics/2007/05/04/analysis_china_taps_north_korean_resources/3621", "2008-06-29", True),
    ("UPI Asia Online, 2007b", "UPI Asia Online", "2007b", "Analysis—Koreas reach landmark peace deal", "http://www.upiasiaonline.com/Politics/2007/10/04/analysis_koreas_reach_landmark_peace_deal/6319/", "2008-06-24", True),
    ("U.S. Library of Congress, 2005", "U.S. Library of Congress", "2005", "Country profile—North Korea, mining and minerals", "http://lcweb2.loc.gov/frd/cs/profiles/North_Korea.pdf", "2007-06-21", True),
    ("Washington Post, The, 2008", "Washington Post, The", "2008", "World News—N. Korea cashes in on its lucrative mineral reserves", "", "", True),
    ("Yonhap News Agency, 2007", "Yonhap News Agency", "2007", "North Korea hopes to expand talks on natural resources development with South Korea", "http://english.yonhapnews.co.kr/jscript/ENPrint.html", "2008-06-23", True),
    # cited in the Magnesite section ("a joint press statement by the second working-level
    # consultation ..., May 2, 2007"), not listed; label and title are editorial
    ("Joint press statement, May 2, 2007", "", "2007", "Joint press statement by the second working-level consultation on the inter-Korean cooperation on the light industry and mineral resources", "", "", False),
]

TABLE_2 = "Table 2: Structure of the mineral industry in 2007"
STRUCTURE = "Structure of the Mineral Industry"
# Table 2 row by row: (row, name the row prints for the facility or its parts, operator,
# commodity, forms, sites, provinces, value, unit). Sites and provinces use the graph's
# canonical names (Cheongjin = Chongjin, Cheonae = Cheonnaeri, Saebyo = Saebyol, Pyongannam and
# Pyungnam = South Pyongan, Hamgyongbuk = North Hamgyong, Hamgyongnam = South Hamgyong,
# Hwanghaenam and Hwanhaenam = South Hwanghae, Hwanhaebuk = North Hwanghae).
TABLE_2_ROWS = [
    (1, ["Sunchon Cement Complex"], "", "cement", set(), {"Sunchon"}, {"South Pyongan Province"}, "3,000", "thousand metric tons"),
    (2, ["Samgwong Cement Complex"], "", "cement", set(), {"Samgwong"}, {"Kangwon Province"}, "2,500", "thousand metric tons"),
    (3, ["Gomusan Cement Factory"], "", "cement", set(), {"Chongjin"}, {"North Hamgyong Province"}, "2,000", "thousand metric tons"),
    (4, ["Cheonnaeri Cement Factory"], "", "cement", set(), {"Cheonnaeri"}, {"South Hamgyong Province"}, "1,000", "thousand metric tons"),
    (5, ["Anju Coal Mining Complex", "Sunchon Coal Mining Complex"], "", "coal", set(), {"Anju", "Kaechon", "Pukchang", "Sunchon", "Tokechon"}, {"South Pyongan Province"}, "9,500", "thousand metric tons"),
    (6, ["Saebyol Coal Mining Complex"], "", "coal", set(), {"Saebyol"}, {"North Hamgyong Province"}, "6,000", "thousand metric tons"),
    (7, ["Hyesan Youth Copper Mine"], "", "copper", {"mine output, metal content"}, {"Hyesan"}, {"Yanggang Province"}, "13", "thousand metric tons"),
    (8, [], "Gumsan Joint Venture Co.", "gold", {"mine output, metal content"}, {"Sierra"}, {"North Hamgyong Province"}, "530", "kilograms"),
    (9, ["Yeongchon Graphite Mine"], "", "graphite", set(), {"Yeongchon", "Yonan County"}, {"South Hwanghae Province"}, "3", "thousand metric tons"),
    (10, ["Musan Iron Ore Mine Complex"], "Ministry of Metal and Machines Industry; Department of Mines", "iron ore", {"concentrate", "gross weight"}, {"near Musan"}, {"North Hamgyong Province"}, "10,000", "thousand metric tons"),
    (11, ["Unryul Mine"], "", "iron ore", {"concentrate", "gross weight"}, {"Unryul"}, {"South Hwanghae Province"}, "1,000", "thousand metric tons"),
    (12, ["Komdok"], "Korea Zinc Industrial Group", "lead", {"concentrate"}, {"near Tancheon"}, {"South Hamgyong Province"}, "20", "thousand metric tons"),
    (13, [], "Korea Zinc Industrial Group", "lead", {"refined"}, {"Munpyong"}, {"Kangwon Province"}, "32", "thousand metric tons"),
    (14, ["Dae Hung", "Ryong Yang"], "Korea Magnesia Clinker Industry Group", "magnesite", {"concentrate", "gross weight"}, {"Paek Bai"}, {"South Hamgyong Province", "North Hamgyong Province"}, "2,500", "thousand metric tons"),
    (15, ["Dae Hung"], "Korea Magnesia Clinker Industry Group", "magnesia clinker", set(), {"Tancheon", "Song Jin"}, {"South Hamgyong Province", "North Hamgyong Province"}, "1,150", "thousand metric tons"),
    (16, ["Kim Chaeck Iron Works"], "Ministry of Metal and Machines Industry", "steel", {"crude"}, {"Chongjin"}, {"North Hamgyong Province"}, "2,400", "thousand metric tons"),
    (17, ["Hwanghae (Hwanghai) Iron Works"], "Ministry of Metal and Machines Industry", "steel", {"crude"}, {"Songnim"}, {"North Hamgyong Province"}, "1,500", "thousand metric tons"),
    (18, ["Kangson Works"], "Ministry of Metal and Machines Industry", "steel", {"crude"}, {"Kangson"}, {"North Hwanghae Province"}, "960", "thousand metric tons"),
    (19, ["Chullima Steel Works"], "Ministry of Metal and Machines Industry", "steel", {"crude"}, {"Nampo"}, {"South Pyongan Province"}, "760", "thousand metric tons"),
    (20, ["Komdok"], "Korea Zinc Industrial Group", "zinc", {"concentrate"}, {"Sankok", "Nakyong"}, {"South Hamgyong Province", "South Hwanghae Province"}, "80", "thousand metric tons"),
    (21, [], "Korea Zinc Industrial Group", "zinc", {"refined"}, {"Munpyong", "Tancheon"}, {"Kangwon Province", "South Hamgyong Province"}, "100", "thousand metric tons"),
]
# National capacities in the order printed: (commodity, forms, value, unit, canonical t/yr, approximate)
NATIONAL = [
    ("coal", set(), "25", "million metric tons per year (Mt/yr)", 25_000_000, False),
    ("cement", set(), "7", "Mt/yr", 7_000_000, False),
    ("iron ore", set(), "5.5", "Mt/yr", 5_500_000, False),
    ("steel", {"crude"}, "2", "Mt/yr", 2_000_000, False),
    ("magnesite", set(), "1.5", "Mt/yr", 1_500_000, False),
    ("zinc", {"metal content"}, "about 80,000", "metric tons per year (t/yr)", 80_000, True),
]


def _rows(store, name: str) -> list[dict[str, object]]:
    return run_query(find_query(name), store).rows


def _cells(printed: str) -> list[tuple[str, bool]]:
    """The five figures of a typed row and whether each is marked revised ("r" after it)."""
    cells: list[tuple[str, bool]] = []
    for token in printed.split():
        if token == "r":
            cells[-1] = (cells[-1][0], True)
        else:
            cells.append((token, False))
    return cells


def _expected_production() -> list[tuple[object, ...]]:
    rows = []
    for series, unit, printed in TABLE_1:
        symbol, factor = UNITS[unit]
        for year, (value, revised) in zip(YEARS, _cells(printed)):
            canonical = 0 if value == "--" else int(value.replace(",", "")) * factor
            rows.append((series, year, value, unit, Decimal(canonical), symbol, revised, True))
    return rows


# -- production ----------------------------------------------------------------------------------


@pytest.mark.parametrize("series, unit, printed", TABLE_1, ids=[s for s, _, _ in TABLE_1])
def test_typed_table_1_row_is_in_the_source(series, unit, printed):
    text = SourceText.load()
    assert text.find(printed), f"typo in the expected row of {series}: {printed!r}"
    assert len(_cells(printed)) == 5


def test_production_has_one_row_per_table_1_cell(store):
    rows = _rows(store, "production")
    assert len(rows) == 155 == 31 * 5
    assert len({(r["series"], r["year"]) for r in rows}) == 155


@pytest.mark.parametrize("index", range(len(TABLE_1)), ids=[s for s, _, _ in TABLE_1])
def test_production_series_matches_the_chapter(store, index):
    series = TABLE_1[index][0]
    got = [tuple(r[c] for c in PRODUCTION_COLUMNS) for r in _rows(store, "production") if r["series"] == series]
    want = [row for row in _expected_production() if row[0] == series]
    assert got == want


def test_production_rows_come_in_table_order(store):
    got = [(r["series"], r["year"]) for r in _rows(store, "production")]
    assert got == [(row[0], row[1]) for row in _expected_production()]


def test_exactly_five_cells_are_revised_all_of_2006(store):
    revised = sorted((r["series"], r["year"], r["value"]) for r in _rows(store, "production") if r["revised"])
    assert revised == [
        ("Cement, hydraulic", "2006", "6,160"),
        ("Coal: Anthracite", "2006", "17,200"),
        ("Coal: Total", "2006", "24,700"),
        ("Iron and steel: Iron ore and concentrate, marketable: Gross weight", "2006", "5,040"),
        ("Iron and steel: Metal: Steel, crude", "2006", "1,180"),
    ]


def test_production_totals_per_year(store):
    """Sums over all 31 series in the canonical unit (t; gold in kg kept apart), added up by hand."""
    rows = _rows(store, "production")
    tonnes = {y: sum(r["canonical_value"] for r in rows if r["year"] == y and r["canonical_unit"] == "t") for y in YEARS}
    gold = {y: sum(r["canonical_value"] for r in rows if r["year"] == y and r["canonical_unit"] == "kg") for y in YEARS}
    assert gold == {"2003": 0, "2004": 2000, "2005": 2000, "2006": 2000, "2007": 2000}
    # 2007: t rows 200+12,000+15,000+15,000+13,000+13,000+9,000+20+600+70,000+75,000+12,500+30,000+300,000+500,000+50,000
    #       = 1,115,320 t; kt rows 5,130+1,400+900+10+1,230+6,130+1,000+350+100+42+17,100+7,000+24,100+2,000 = 66,492 kt
    assert tonnes["2007"] == 1_115_320 + 66_492_000


def test_q4_zinc_and_crude_steel(store):
    rows = _rows(store, "production")
    zinc = [r["value"] for r in rows if r["series"] == "Zinc: Mine output, Zn content"]
    steel = [(r["value"], r["revised"]) for r in rows if r["series"] == "Iron and steel: Metal: Steel, crude"]
    assert zinc == ["60,000", "62,000", "67,000", "67,000", "70,000"]
    assert steel == [("1,090", False), ("1,070", False), ("1,070", False), ("1,180", True), ("1,230", False)]


def test_production_series_parameter(built):
    result = CliRunner().invoke(main, ["query", "production", "-p", "series", "Coke", "--format", "csv", "--out", str(built.out_dir)])
    assert result.exit_code == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [r["value"] for r in rows] == ["2,000"] * 5 and list(rows[0]) == PRODUCTION_COLUMNS


# -- references ----------------------------------------------------------------------------------


def test_references_have_one_row_per_reference(store):
    assert len(_rows(store, "references")) == 23


@pytest.mark.parametrize("expected", REFERENCES, ids=[r[0] for r in REFERENCES])
def test_reference_matches_the_chapter(store, expected):
    rows = [r for r in _rows(store, "references") if r["citation"] == expected[0]]
    assert len(rows) == 1
    got = tuple("" if rows[0][c] is None else rows[0][c] for c in REFERENCE_COLUMNS)
    assert got == expected


def test_references_come_in_printed_order_unlisted_last(store):
    assert [r["citation"] for r in _rows(store, "references")] == [r[0] for r in REFERENCES]


# -- capacity ------------------------------------------------------------------------------------


def _spellings(graph, node: URIRef) -> set[str]:
    return {str(x) for x in graph.objects(node, SKOS.altLabel)} | {str(x) for x in graph.objects(node, RDFS.label)}


def _forms(value: object) -> set[str]:
    return {f.lower() for f in str(value or "").split("; ") if f}


def test_capacity_has_one_row_per_table_2_capacity_and_national_statement(store):
    rows = _rows(store, "capacity")
    assert [r["scope"] for r in rows] == ["table 2"] * 21 + ["national"] * 6
    assert [r["row"] for r in rows[:21]] == list(range(1, 22))


@pytest.mark.parametrize("expected", TABLE_2_ROWS, ids=[f"row-{r[0]}" for r in TABLE_2_ROWS])
def test_table_2_capacity_matches_the_chapter(store, built, expected):
    number, names, operator, commodity, forms, sites, provinces, value, unit = expected
    (row,) = [r for r in _rows(store, "capacity") if r["row"] == number]
    symbol, factor = {"thousand metric tons": ("t/yr", 1000), "kilograms": ("kg/yr", 1)}[unit]
    assert (row["commodity"], row["value"], row["unit"]) == (commodity, value, unit)
    assert (row["canonical_value"], row["canonical_unit"]) == (Decimal(int(value.replace(",", "")) * factor), symbol)
    assert (row["estimated"], row["approximate"], row["section"]) == (True, False, TABLE_2)
    assert (row["operator"] or "") == operator
    assert _forms(row["form"]) == forms
    assert set(str(row["location"] or "").split("; ")) - {""} == sites
    assert set(str(row["province"]).split("; ")) == provinces
    # the name the row prints is a spelling of the facility (or of one of its parts)
    graph = built.graph
    facility = graph.value(URIRef(str(row["claim"])), RDF.subject)
    parts = {s for p in graph.subjects(URIRef("https://w3id.org/nkgraph/ontology#partOf"), facility) for s in _spellings(graph, p)}
    for name in names:
        assert name in _spellings(graph, facility) | parts, f"row {number}: {name!r} is not a spelling of {facility} or its parts"


@pytest.mark.parametrize("expected", NATIONAL, ids=[n[0] for n in NATIONAL])
def test_national_capacity_matches_the_chapter(store, expected):
    commodity, forms, value, unit, canonical, approximate = expected
    (row,) = [r for r in _rows(store, "capacity") if r["scope"] == "national" and r["commodity"] == commodity]
    assert (row["value"], row["unit"], row["canonical_value"], row["canonical_unit"]) == (value, unit, canonical, "t/yr")
    assert (row["estimated"], row["approximate"], row["section"], row["location"]) == (True, approximate, STRUCTURE, "North Korea")
    assert _forms(row["form"]) == forms


def test_national_capacities_come_in_printed_order(store):
    assert [r["commodity"] for r in _rows(store, "capacity") if r["scope"] == "national"] == [n[0] for n in NATIONAL]


def test_capacity_commodity_parameter(built):
    result = CliRunner().invoke(main, ["query", "capacity", "-p", "commodity", "steel", "--format", "csv", "--out", str(built.out_dir)])
    assert result.exit_code == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [(r["scope"], r["value"]) for r in rows] == [("table 2", "2,400"), ("table 2", "1,500"), ("table 2", "960"), ("table 2", "760"), ("national", "2")]


# -- the contract: columns on the command line ---------------------------------------------------


@pytest.mark.parametrize(
    "name, columns, count",
    [("production", PRODUCTION_COLUMNS, 155), ("references", REFERENCE_COLUMNS, 23), ("capacity", CAPACITY_COLUMNS, 27)],
)
def test_csv_contract(built, name, columns, count):
    result = CliRunner().invoke(main, ["query", name, "--format", "csv", "--out", str(built.out_dir)])
    assert result.exit_code == 0, result.stderr
    reader = csv.reader(io.StringIO(result.stdout))
    assert next(reader) == columns
    assert len(list(reader)) == count
