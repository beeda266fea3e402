"""Shared fixtures: one real build per test session, and a copy of the project for tests that break it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from nkgraph.pipeline import BuildResult, build
from nkgraph.paths import ROOT
from nkgraph.queries import open_store


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> BuildResult:
    """The real graph, built once into a temporary folder."""
    out = tmp_path_factory.mktemp("build")
    return build(out)


@pytest.fixture(scope="session")
def store(built: BuildResult):
    """An Oxigraph store holding the real built graph."""
    return open_store(built.out_dir / "nkgraph.nt")


@pytest.fixture()
def project_copy(tmp_path: Path) -> Path:
    """A scratch copy of ontology/ and data/ that a test may damage."""
    for name in ("ontology", "data"):
        shutil.copytree(ROOT / name, tmp_path / name)
    (tmp_path / "pyproject.toml").write_text("", encoding="utf-8")
    return tmp_path
