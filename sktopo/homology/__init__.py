"""Persistent homology of filter clouds: diagrams (exact Rips, landmark Rips, lazy witness),
diagram features, distances and barcode plots."""

from ._diagrams import pad_diagrams, unpad_diagrams
from ._features import (
    FEATURE_CONSTRAINTS,
    DiagramFeatures,
    diagram_distance,
    diagram_features,
    pairwise_diagram_distances,
)
from ._landmarks import covering_radius, maxmin_landmarks
from ._persistence import OPTION_CONSTRAINTS, Persistence, persistence_diagrams
from ._plot import plot_barcode, plot_persistence_diagram
from ._witness import lazy_witness_matrix

__all__ = [
    "FEATURE_CONSTRAINTS",
    "OPTION_CONSTRAINTS",
    "DiagramFeatures",
    "Persistence",
    "covering_radius",
    "diagram_distance",
    "diagram_features",
    "lazy_witness_matrix",
    "maxmin_landmarks",
    "pad_diagrams",
    "pairwise_diagram_distances",
    "persistence_diagrams",
    "plot_barcode",
    "plot_persistence_diagram",
    "unpad_diagrams",
]
