"""The built graph, checked by an independent implementation: Apache Jena's parser and SHACL engine."""

import pytest

from nkgraph import jena
from nkgraph.paths import SHAPES_DIR

pytestmark = [
    pytest.mark.jena,
    pytest.mark.skipif(not jena.available(), reason="Apache Jena not installed (tests/setup-system.sh installs it)"),
]


def test_jena_parses_the_build_strictly(built):
    proc = jena.riot_validate([built.out_dir / "nkgraph.ttl", built.out_dir / "nkgraph.nt"])
    assert proc.returncode == 0, proc.stderr[-3000:]


def test_jena_shacl_engine_finds_the_build_conforms(built):
    shapes = sorted(SHAPES_DIR.glob("*.ttl"))
    report = jena.shacl_validate(shapes if len(shapes) > 1 else shapes[0], built.out_dir / "nkgraph.ttl")
    assert report.strip() == "Conforms", report[:3000]
