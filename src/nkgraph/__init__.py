"""nkgraph: North Korea's mineral industry as claims traced to their sources."""
