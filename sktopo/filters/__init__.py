"""Weights to point clouds: extraction, normalisation, density, idealised filters."""

from ._density import (
    K_CONSTRAINT,
    N_JOBS_CONSTRAINT,
    P_CONSTRAINT,
    DensityFiltration,
    KNNDensity,
    density_filtration,
    density_filtration_indices,
    kth_neighbor_distances,
    n_kept,
    resolve_k,
)
from ._extract import KERNEL_SIZE, SpatialFilterExtractor, conv_layers, extract_spatial_filters
from ._idealized import (
    edge_filter,
    gaussian_filters,
    idealized_filters,
    klein_bottle,
    klein_bottle_filter,
    primary_circle,
    random_orthogonal_filters,
    sample_klein_bottle,
    secondary_circles,
    three_circle_model,
)
from ._model_distance import distance_to_model
from ._normalize import (
    TOLERANCE_CONSTRAINTS,
    CloudNormalizer,
    FilterNormalizer,
    dead_filter_mask,
    normalize_filters,
)
from ._per_cloud import PerCloud

__all__ = [
    "KERNEL_SIZE",
    "K_CONSTRAINT",
    "N_JOBS_CONSTRAINT",
    "P_CONSTRAINT",
    "TOLERANCE_CONSTRAINTS",
    "CloudNormalizer",
    "DensityFiltration",
    "FilterNormalizer",
    "KNNDensity",
    "PerCloud",
    "SpatialFilterExtractor",
    "conv_layers",
    "dead_filter_mask",
    "density_filtration",
    "density_filtration_indices",
    "distance_to_model",
    "edge_filter",
    "extract_spatial_filters",
    "gaussian_filters",
    "idealized_filters",
    "klein_bottle",
    "klein_bottle_filter",
    "kth_neighbor_distances",
    "n_kept",
    "normalize_filters",
    "primary_circle",
    "random_orthogonal_filters",
    "resolve_k",
    "sample_klein_bottle",
    "secondary_circles",
    "three_circle_model",
]
