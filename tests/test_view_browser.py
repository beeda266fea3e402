"""The interactive view in a real browser: headless Chromium (Debian) driven by Playwright.

The page must work offline, render exactly the projection's nodes and edges, filter as the Python
projection does, find a node by any spelling, and show a node's claims with their quotes.
Set NKGRAPH_UPDATE_IMAGES=1 to refresh docs/images/view.png from the screenshot.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from nkgraph.exports import Source, render
from nkgraph.projection import Filters, counts

playwright = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed (pip install -e '.[test]')")
CHROMIUM = Path("/usr/bin/chromium")
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium is not installed (tests/setup-system.sh)")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
DOCS_IMAGE = Path(__file__).parents[1] / "docs" / "images" / "view.png"
HYESAN_QUOTE = "Hyesan Youth Copper Mine in Yanggang Province, North Korea"


@pytest.fixture(scope="module")
def source(built) -> Source:
    return Source(built.out_dir / "nkgraph.nt")


@pytest.fixture(scope="module")
def page_file(source, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("view") / "view.html"
    path.write_text(render("html", source)["nkgraph.html"], encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    with playwright.sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")), executable_path=str(CHROMIUM), headless=True,
            args=FLAGS, viewport={"width": 1920, "height": 1200}, offline=True,
        )
        yield context
        context.close()


@pytest.fixture(scope="module")
def loaded(browser, page_file):
    """The page, opened once; ``requests`` and ``errors`` record what it did."""
    page = browser.new_page()
    requests: list[str] = []
    errors: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(page_file.as_uri())
    page.wait_for_function("window.nkView && window.nkView.ready", timeout=60_000)
    page.requests, page.errors = requests, errors  # type: ignore[attr-defined]
    yield page
    page.close()


@pytest.fixture()
def page(loaded):
    """The page with its filters, search and selection reset (the "reset" button)."""
    loaded.click("#reset")
    loaded.wait_for_function("window.nkView.ready", timeout=60_000)
    return loaded


def rendered(page) -> dict[str, int]:
    return page.evaluate("window.nkView.counts()")


def relayout_done(page, before: int) -> None:
    page.wait_for_function(f"window.nkView.ready && window.nkView.layouts > {before}", timeout=60_000)


def test_page_loads_offline_without_errors(page):
    assert page.errors == []
    assert [u for u in page.requests if not u.startswith("file:")] == []


def test_rendered_nodes_and_edges_equal_the_projection(page, source):
    expected = counts(source.projection(Filters()))
    assert rendered(page) == {"nodes": expected["nodes"], "edges": expected["edges"]}
    assert page.inner_text("#status") == f"{expected['nodes']} nodes · {expected['edges']} edges"


def test_reference_layer_shows_the_projection_with_references(page, source):
    before = page.evaluate("window.nkView.layouts")
    page.check("#f-references")
    relayout_done(page, before)
    expected = counts(source.projection(Filters(references=True)))
    assert rendered(page) == {"nodes": expected["nodes"] + expected["reference_nodes"], "edges": expected["edges"] + expected["reference_edges"]}


@pytest.mark.parametrize(
    ("select", "value", "filters"),
    [
        ("#f-commodity", "copper", Filters(commodities=("copper",))),
        ("#f-commodity", "metals", Filters(commodities=("metals",))),
        ("#f-country", "China", Filters(investor_countries=("China",))),
        ("#f-status", "failed", Filters(statuses=("failed",))),
        ("#f-disputed", "true", Filters(disputed=True)),
    ],
    ids=["copper", "metals", "china", "failed", "disputed"],
)
def test_filters_show_what_the_python_projection_selects(page, source, select, value, filters):
    before = page.evaluate("window.nkView.layouts")
    page.select_option(select, value)
    relayout_done(page, before)
    expected = counts(source.projection(filters))
    assert rendered(page) == {"nodes": expected["nodes"], "edges": expected["edges"]}


def test_clicking_a_node_shows_its_claims_with_quotes(page):
    box = page.locator("#cy").bounding_box()
    x, y = page.evaluate("(() => { const p = window.nkView.cy.getElementById('nkd:hyesan-youth-copper-mine').renderedPosition(); return [p.x, p.y]; })()")
    page.mouse.click(box["x"] + x, box["y"] + y)
    panel = page.locator("#panel")
    assert panel.locator("h2").inner_text() == "Hyesan Youth Copper Mine"
    assert HYESAN_QUOTE in panel.inner_text()
    assert "Chosun Ilbo, The, 2007" in panel.inner_text()


def test_clicking_an_edge_in_the_panel_shows_the_stake(page):
    page.evaluate("window.nkView.cy.getElementById('nkd:hyesan-youth-copper-mine').emit('tap') && null")
    page.locator("#panel .link", has_text="holds 51% of").first.click()
    text = page.locator("#panel").inner_text()
    assert "Luanhe Industrial Group — holds 51% of → Hyesan Youth Copper Mine" in text and "disputed" in text
    assert "the attempt to acquire a 51% stake in the Hyesan Mine" in text  # the conflicting Daily NK claim


@pytest.mark.parametrize(("spelling", "node"), [("Gumdeok", "nkd:komdok-mine"), ("komdok", "nkd:komdok-mine"), ("Luanhe", "nkd:luanhe-industrial-group")])
def test_search_finds_any_spelling(page, spelling, node):
    page.fill("#search", spelling)
    assert node in page.evaluate("window.nkView.hits")
    assert page.evaluate(f"window.nkView.cy.getElementById('{node}').hasClass('match')")


def test_screenshot_is_saved(browser, page_file, tmp_path):
    page = browser.new_page()  # a fresh page: the layout as every reader first sees it
    page.goto(page_file.as_uri())
    page.wait_for_function("window.nkView && window.nkView.ready", timeout=60_000)
    page.evaluate("window.nkView.cy.getElementById('nkd:hyesan-youth-copper-mine').emit('tap') && null")
    shot = tmp_path / "view.png"
    page.screenshot(path=str(shot))
    page.close()
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    if os.environ.get("NKGRAPH_UPDATE_IMAGES"):
        DOCS_IMAGE.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, DOCS_IMAGE)
