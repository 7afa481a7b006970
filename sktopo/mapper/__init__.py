"""Mapper: cover, lenses, clustering, the Mapper estimator, graph features, plots and HTML."""

from ._cluster import auto_single_linkage, first_gap_threshold, vne_scale
from ._cover import cover_intervals, cover_membership
from ._features import (
    MapperGraphFeatures,
    graph_cycle_rank,
    mapper_graph_features,
    nerve_betti1,
)
from ._mapper import Mapper, compute_lens, mapper_graph, pca_lens

__all__ = [
    "Mapper",
    "MapperGraphFeatures",
    "auto_single_linkage",
    "compute_lens",
    "cover_intervals",
    "cover_membership",
    "first_gap_threshold",
    "graph_cycle_rank",
    "mapper_graph",
    "mapper_graph_features",
    "nerve_betti1",
    "pca_lens",
    "vne_scale",
]
