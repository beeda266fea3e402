"""Where nkgraph finds its ontology, shapes, data and queries.

The project root is the folder holding ``pyproject.toml``; set ``NKGRAPH_HOME``
to use another checkout.

>>> (ROOT / "pyproject.toml").exists()
True
"""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def _find_root() -> Path:
    env = os.environ.get("NKGRAPH_HOME")
    if env:
        return Path(env).resolve()
    for parent in [Path.cwd(), *Path.cwd().parents, PACKAGE_DIR, *PACKAGE_DIR.parents]:
        if (parent / "pyproject.toml").exists() and (parent / "ontology").is_dir():
            return parent
    return PACKAGE_DIR.parents[1]


ROOT = _find_root()
ONTOLOGY_DIR = ROOT / "ontology"
SHAPES_DIR = ONTOLOGY_DIR / "shapes"
DATA_DIR = ROOT / "data"
SOURCE_TEXT = DATA_DIR / "source" / "usgs-myb-2007-north-korea.txt"
QUERIES_DIR = ROOT / "queries"
DEFAULT_OUT = Path("build")
