"""``nkgraph dossier``: Markdown and self-contained HTML dossiers, for every mine and company.

Run in-process with click's CliRunner; the entities are those of test_trace (read from
``data/entities/*.ttl`` at import time).
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from nkgraph.cli import main
from nkgraph.dossier import Dossier, render_html
from test_trace import ENTITIES

SECTIONS = ["Names", "Facts and their sources", "Production, capacity and other figures", "Timeline", "Conflicts", "Bibliography"]


@pytest.fixture(scope="module")
def graph_file(built) -> Path:
    return built.out_dir / "nkgraph.nt"


class _Assets(HTMLParser):
    """Collects what would make an HTML file depend on anything outside it."""

    def __init__(self) -> None:
        super().__init__()
        self.external: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        a = dict(attrs)
        if tag in ("script", "img", "iframe", "object", "embed", "video", "audio") or (tag == "link" and a.get("rel") == "stylesheet"):
            self.external.append(tag)
        if any(k in ("src", "srcset") for k in a):
            self.external.append(f"{tag} src")


def invoke(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.mark.parametrize(("iri", "label"), ENTITIES, ids=[iri.rsplit("/", 1)[1] for iri, _ in ENTITIES])
def test_dossier_every_mine_and_company(iri: str, label: str, graph_file: Path, tmp_path: Path) -> None:
    md = invoke("dossier", label, "--graph", str(graph_file))
    assert md.exit_code == 0, md.output
    text = md.stdout
    assert text.startswith(f"# Dossier: {label}")
    for section in SECTIONS:
        assert f"\n## {section}\n" in text, section
    facts = text.split("\n## Facts and their sources\n", 1)[1].split("\n## ", 1)[0]
    assert "| nkd:claim-" in facts or "nkd:claim-" in text, "at least one claim with its source"
    target = tmp_path / "dossier.html"
    result = invoke("dossier", iri, "--graph", str(graph_file), "--format", "html", "-o", str(target))
    assert result.exit_code == 0, result.output
    page = target.read_text(encoding="utf-8")
    assert f"<h1>Dossier: {html.escape(label)}</h1>" in page
    parser = _Assets()
    parser.feed(page)
    assert parser.external == [], parser.external
    assert "<style>" in page and "http" not in page.split("<body>")[0].replace("w3id.org", "")


def test_dossier_contents_hyesan(graph_file: Path) -> None:
    text = invoke("dossier", "Hyesan Mine", "--graph", str(graph_file)).stdout
    assert "# Dossier: Hyesan Youth Copper Mine" in text
    assert "| Hyesan Mine | spelling |" in text
    assert "## Equity stake: 51% stake in Hyesan Youth Copper Mine" in text
    assert "| status | failed | 2006 | reported — DISPUTED | Daily NK, 2007 |" in text
    assert "| annual capacity | 13 thousand metric tons | 2007 | estimated | none (uncited) |" in text
    timeline = text.split("\n## Timeline\n", 1)[1].split("\n## ", 1)[0]
    assert "| November 2007 |  | Flooding of Hyesan Youth Copper Mine | flood | asserted | Daily NK, 2007 |" in timeline
    conflicts = text.split("\n## Conflicts\n", 1)[1].split("\n## ", 1)[0]
    assert "Chosun Ilbo, The, 2007; Metals Insider, 2007" in conflicts and "Daily NK, 2007" in conflicts
    bibliography = text.split("\n## Bibliography\n", 1)[1]
    assert {"| Chosun Ilbo, The, 2007 |", "| Metals Insider, 2007 |", "| Daily NK, 2007 |"} <= {line[: line.index(" |", 2) + 2] for line in bibliography.splitlines() if line.startswith("| ") and not line.startswith("| reference")}


def test_dossier_commodity_has_production(graph_file: Path) -> None:
    text = invoke("dossier", "zinc", "--graph", str(graph_file)).stdout
    assert "## Production by year (Table 1 and the text)" in text
    assert "| 70,000 | metric tons |" in text and "## Production against national capacity" in text


def test_dossier_of_a_deal(graph_file: Path) -> None:
    text = invoke("dossier", "nkd:deal-musan-mining-right", "--graph", str(graph_file)).stdout
    assert "| value | 909 $ million |" in text and "| status | canceled | November 2006 | reported — DISPUTED | Asian Survey, 2006 |" in text


def test_html_escapes_everything() -> None:
    doc = Dossier("https://w3id.org/nkgraph/id/x", "<b>X & Y</b>", "mine", [{"name": "<script>alert(1)</script>", "name_kind": "altLabel", "printed": 1}], "a \"note\" <i>", [], {}, {}, [])
    page = render_html(doc)
    assert "<script>" not in page and "<b>X" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert re.search(r"<h1>Dossier: &lt;b&gt;X &amp; Y&lt;/b&gt;</h1>", page)


def test_unknown_entity_exits_2(graph_file: Path) -> None:
    result = CliRunner().invoke(main, ["dossier", "Hyesan Copper Mines Ltd", "--graph", str(graph_file)])
    assert result.exit_code == 2 and "did you mean" in result.stderr
