"""nkgraph: North Korea's mineral industry as claims traced to their sources.

>>> import nkgraph
>>> callable(nkgraph.build) and callable(nkgraph.query)
True
"""

from nkgraph.api import build, list_queries, load, query, validate

__all__ = ["build", "load", "validate", "query", "list_queries"]
__version__ = "0.1.0"
