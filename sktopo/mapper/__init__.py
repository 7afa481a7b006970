"""Mapper: cover, lenses, clustering, the Mapper estimator, graph features, plots and HTML."""

from ._cluster import auto_single_linkage, first_gap_threshold, vne_scale
from ._cover import cover_intervals, cover_membership
from ._features import (
    MapperGraphFeatures,
    graph_cycle_rank,
    mapper_graph_features,
    nerve_betti1,
)
from ._html import mapper_html
from ._mapper import MAPPER_CONSTRAINTS, Mapper, compute_lens, mapper_graph, pca_lens
from ._plot import glyph_nodes_spread, mapper_layout, plot_mapper_graph, plot_mapper_grid

__all__ = [
    "MAPPER_CONSTRAINTS",
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
    "mapper_html",
    "mapper_layout",
    "glyph_nodes_spread",
    "plot_mapper_graph",
    "plot_mapper_grid",
    "nerve_betti1",
    "pca_lens",
    "vne_scale",
]
