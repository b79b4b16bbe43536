"""Joint reward and punishment: the measures catalogue and which measures apply (pure Python)."""

from ecredit.core.measures.catalogue import (
    CONTEXTS,
    Applied,
    Catalogue,
    CatalogueError,
    Ground,
    Measure,
    Standing,
    Trigger,
    applicable,
    load_catalogue,
    parse_catalogue,
)

__all__ = [
    "CONTEXTS",
    "Applied",
    "Catalogue",
    "CatalogueError",
    "Ground",
    "Measure",
    "Standing",
    "Trigger",
    "applicable",
    "load_catalogue",
    "parse_catalogue",
]
