"""nkgraph: North Korea's mineral industry as claims traced to their sources.

The functions below come from :mod:`nkgraph.api`, imported on first use so that
``import nkgraph`` (and the ``nkgraph`` command) stays quick.

>>> import nkgraph
>>> callable(nkgraph.build) and callable(nkgraph.query)
True
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from nkgraph.api import build, list_queries, load, query, validate

__all__ = ["build", "load", "validate", "query", "list_queries"]
__version__ = "0.1.0"


def __getattr__(name: str) -> object:
    """``nkgraph.build`` and the other API functions, from :mod:`nkgraph.api` on first use (PEP 562)."""
    if name in __all__:
        from nkgraph import api

        value = getattr(api, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
