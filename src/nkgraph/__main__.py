"""``python -m nkgraph`` runs the command line."""

from nkgraph.cli import main

main()
