"""One cloud of spatial filters in, its topology out: the analysis every experiment repeats."""

from dataclasses import dataclass, field

import numpy as np

from ..filters import density_filtration_indices, normalize_filters
from ..homology import diagram_features, pad_diagrams, persistence_diagrams, plot_barcode
from ..mapper import mapper_graph, mapper_graph_features, mapper_html, plot_mapper_graph

#: Bars at least this long (in the witness filtration's units) count as "long" in summaries.
LONG_BAR = 0.15


@dataclass
class CloudTopology:
    """Everything learned about one filter cloud.

    Attributes
    ----------
    cloud : ndarray
        The normalised, density-filtered filters (the analysed points).
    kept : ndarray of int
        Rows of the input cloud that survived (dead filters and density filtration removed).
    n_input, n_dead : int
        Filters given, and filters dropped as dead (constant) before the density step.
    diagram : list of ndarray
        Persistence diagram per dimension (ripser style).
    features : dict
        Diagram features (``max_lifetime_h1`` ...) and Mapper graph features.
    graph : networkx.Graph or None
        The Mapper graph (None when Mapper was skipped).
    settings : dict
        Parameters used.
    """

    cloud: np.ndarray
    kept: np.ndarray
    n_input: int
    n_dead: int
    diagram: list
    features: dict
    graph: object = None
    settings: dict = field(default_factory=dict)

    def barcode_figure(self, title=None):
        """The barcode figure (H0 and H1 panels)."""
        return plot_barcode(self.diagram, max_bars=60, title=title)

    def mapper_figure(self, title=None):
        """The Mapper graph with size colours and mean-filter glyphs."""
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(7, 6))
        plot_mapper_graph(self.graph, ax=ax, title=title)
        return fig

    def mapper_page(self, title="Mapper graph"):
        """A self-contained interactive HTML page of the Mapper graph."""
        return mapper_html(self.graph, title=title)


def describe_cloud(
    filters,
    *,
    k=15,
    p=0.3,
    backend="witness",
    n_landmarks=100,
    coeff=2,
    resolution=30,
    gain=3.0,
    mapper=True,
    random_state=0,
):
    """Normalise, drop dead filters, density-filter, then compute barcodes and Mapper.

    Parameters
    ----------
    filters : ndarray of shape (n_filters, n_weights)
        Raw spatial filters (e.g. from :func:`~sktopo.filters.extract_spatial_filters`).
    k, p : int, float
        Density filtration :math:`\\rho(k, p)`; ``k`` is lowered to fit small clouds.
    backend, n_landmarks, coeff
        Persistence settings (see :func:`~sktopo.homology.persistence_diagrams`).
    resolution, gain : int, float
        ``Mapper(resolution, gain)``.
    mapper : bool, default=True
        Skip Mapper when False.
    random_state : int, default=0
        Seed for landmarks and Mapper.

    Returns
    -------
    CloudTopology
    """
    X, dead = normalize_filters(filters, return_dead=True)
    alive = np.flatnonzero(~dead)
    if len(alive) < 3:
        raise ValueError(
            f"Only {len(alive)} of {len(X)} filters are not constant; nothing to analyse."
        )
    k_used = min(k, len(alive) - 1)
    kept = alive[density_filtration_indices(X[alive], k_used, p)]
    cloud = X[kept]
    if len(cloud) < 3:
        raise ValueError(
            f"rho({k_used}, {p}) keeps only {len(cloud)} of {len(alive)} filters; a barcode needs "
            "at least 3 points. Raise p or pool more filters."
        )
    landmarks = min(n_landmarks, len(cloud))
    diagram = persistence_diagrams(
        cloud, backend=backend, n_landmarks=landmarks, coeff=coeff, random_state=random_state
    )
    values, names = diagram_features(
        pad_diagrams([diagram]),
        features=["max_lifetime", "top_lifetimes", "n_significant"],
        min_lifetime=LONG_BAR,
        return_names=True,
    )
    features = dict(zip(map(str, names), values[0].tolist()))
    graph = None
    if mapper:
        graph = mapper_graph(cloud, resolution, gain, random_state=random_state)
        features.update(mapper_graph_features(graph))
    settings = dict(
        k=k_used, p=p, backend=backend, n_landmarks=landmarks, coeff=coeff,
        resolution=resolution, gain=gain, random_state=random_state,
    )
    return CloudTopology(cloud, kept, len(X), int(dead.sum()), diagram, features, graph, settings)
