"""The Mapper graph of a cloud (function) and of every cloud of a collection (estimator)."""

import networkx as nx
import numpy as np
from scipy.sparse import csr_matrix, triu
from sklearn.base import clone
from sklearn.utils import check_random_state

from .._compat import HasMethods, Integral, StrOptions, fit_context, validate_params
from .._validation import Number, check_cloud, check_collection, check_values, unit_scale
from .._docstrings import fill_doc
from ..base import CollectionTransformer
from ._cluster import cluster_cover_set, vne_scale
from ._cover import COVER_CONSTRAINTS, cover_intervals, cover_membership


@validate_params({"X": ["array-like"], "n_components": [Number(Integral, 1, None, closed="left")]},
                 prefer_skip_nested_validation=True)
def pca_lens(X, n_components=2):
    """Projection of the centred cloud on its first principal axes (PCA 1, 2, ...).

    Computed from the eigenvectors of the ``n_features x n_features`` covariance matrix (cheap
    for 9-D filters, whatever the number of points), each axis signed so that its largest
    loading is positive, so the lens is deterministic.

    Parameters
    ----------
    X : array-like of shape (n_points, n_features)
        The cloud.
    n_components : int, default=2
        Number of principal axes, at most ``n_features``.

    Returns
    -------
    lens : ndarray of shape (n_points, n_components)
        Coordinates of the centred points on the axes.

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo.mapper import pca_lens
    >>> pca_lens(np.array([[0.0, 0.0], [2.0, 0.0], [4.0, 0.1]]), 1).ravel().round(2) + 0.0
    array([-2.,  0.,  2.])
    """
    X, factor = unit_scale(check_cloud(X))  # no overflow in the covariance
    if n_components > X.shape[1]:
        raise ValueError(f"n_components={n_components} exceeds the {X.shape[1]} features of X.")
    centred = X - X.mean(axis=0)
    _, vecs = np.linalg.eigh(centred.T @ centred)
    axes = vecs[:, ::-1][:, :n_components]
    signs = np.sign(axes[np.argmax(np.abs(axes), axis=0), np.arange(axes.shape[1])])
    return (centred @ (axes * np.where(signs == 0, 1.0, signs))) * factor


@validate_params({"X": ["array-like"], "lens": "no_validation", "random_state": ["random_state"]},
                 prefer_skip_nested_validation=True)
def compute_lens(X, lens=None, *, random_state=None):
    """Lens values of a cloud: PCA 1 and 2 by default, a transformer, a callable or an array.

    Parameters
    ----------
    X : ndarray of shape (n_points, n_features)
        The cloud.
    lens : None, "pca", transformer, callable or array-like of shape (n_points,) or \
            (n_points, n_lenses), default=None
        ``None``/``"pca"``: the first two principal components of ``X`` (one if ``X`` has a
        single feature; a constant lens for clouds of fewer than 3 points). A scikit-learn
        transformer is cloned and ``fit_transform``-ed on ``X`` (its ``random_state``, if unset,
        becomes ``random_state``). A callable is called as ``lens(X)``. An array holds
        precomputed values.
    random_state : int, RandomState instance or None, default=None
        Seed handed to a randomised lens.

    Returns
    -------
    values : ndarray of shape (n_points, n_lenses)
    """
    X = check_cloud(X)
    n = X.shape[0]
    if lens is None or (isinstance(lens, str) and lens == "pca"):
        if n < 3:
            return np.zeros((n, 1))
        return pca_lens(X, min(2, X.shape[1]))
    if isinstance(lens, str):
        raise ValueError(
            f"lens must be None, 'pca', a transformer, a callable or an array; got {lens!r}."
        )
    if hasattr(lens, "fit_transform"):
        est = clone(lens)
        if "random_state" in est.get_params() and est.get_params()["random_state"] is None:
            est.set_params(random_state=random_state)
        values = est.fit_transform(X)
    elif callable(lens):
        values = lens(X)
    else:
        values = lens
    values = check_values(values, name="lens")
    if values.ndim == 1:
        values = values[:, None]
    if values.ndim != 2 or values.shape[0] != n:
        raise ValueError(
            f"lens gives values of shape {values.shape}, but the cloud has {n} points; "
            "a lens needs "
            "one row per point, shape (n_points,) or (n_points, n_lenses)."
        )
    if values.shape[1] == 0:
        raise ValueError("lens gives 0 columns; a lens needs at least one value per point.")
    if not np.isfinite(values).all():
        raise ValueError("lens values contain NaN or infinite entries; check the lens.")
    return values


#: Shared by :func:`mapper_graph` and :class:`Mapper`, so both give the same error for the
#: same mistake.
MAPPER_CONSTRAINTS = {
    **COVER_CONSTRAINTS,
    "lens": "no_validation",
    "clusterer": [HasMethods(["fit_predict"]), None],
    "metric": [StrOptions({"vne", "euclidean"})],
    "n_bins": [Number(Integral, 2, None, closed="left")],
    "min_cluster_size": [Number(Integral, 1, None, closed="left")],
    "random_state": ["random_state"],
}


@validate_params({"X": ["array-like"], **MAPPER_CONSTRAINTS}, prefer_skip_nested_validation=True)
def mapper_graph(
    X,
    resolution=30,
    gain=3.0,
    *,
    lens=None,
    clusterer=None,
    metric="vne",
    n_bins=5,
    min_cluster_size=3,
    random_state=None,
):
    r"""The Mapper graph ``Mapper(resolution, gain)`` of one cloud.

    Lenses (PCA 1 and 2 by default) map the points to :math:`\mathbb{R}^m`; every lens range is
    covered by ``resolution`` equal intervals overlapping by the fraction ``1 - 1/gain`` (see
    :func:`cover_intervals`); the cover sets are the products of intervals. The points of each
    cover set are clustered, by default with single linkage in the VNE metric cut at the first
    gap of the merge-height histogram (:func:`first_gap_threshold`). Each cluster is a node; two
    nodes share an edge when their clusters share at least one point.

    Parameters
    ----------
    X : array-like of shape (n_points, n_features)
        One cloud (rows are points, e.g. spatial filters).
    resolution : int, default=30
        Intervals per lens, ``>= 1``.
    gain : float, default=3.0
        Gain, ``> 1``; overlap fraction ``1 - 1/gain``. Above 2, a point can lie in more than
        two intervals per lens.
    lens : None, "pca", transformer, callable or array-like, default=None
        See :func:`compute_lens`.
    clusterer : scikit-learn clusterer or None, default=None
        ``None``: single linkage with the automatic cut. Otherwise an estimator with
        ``fit_predict``, cloned for every cover set; label ``-1`` marks noise.
    metric : {"vne", "euclidean"}, default="vne"
        ``"vne"``: Euclidean after dividing every column by its standard deviation over the
        whole cloud (the variance-normalised Euclidean metric). ``"euclidean"``: plain.
    n_bins : int, default=5
        Bins of the merge-height histogram of the automatic cut.
    min_cluster_size : int, default=3
        Clusters with fewer points make no node (their points stay in the nodes of the other
        cover sets that hold them). The first-gap cut splits stray points off; as nodes of their
        own they would add components and spurious loops. ``1`` keeps every cluster.
    random_state : int, RandomState instance or None, default=None
        Seed for a randomised lens or clusterer (set on them when theirs is ``None``).

    Returns
    -------
    graph : networkx.Graph
        Nodes ``0 .. n_nodes-1`` ordered by cover set, then by smallest member, with attributes
        ``members`` (sorted point indices), ``size``, ``mean_filter`` (mean of the member rows of
        ``X``), ``lens_mean`` and ``cell`` (interval index per lens). Edges carry ``weight``, the
        number of shared points. ``graph.graph`` holds ``resolution``, ``gain``, ``n_points``,
        ``cover_shape`` and ``intervals`` (one array of intervals per lens).

    See Also
    --------
    Mapper : The collection-level estimator.
    graph_cycle_rank, nerve_betti1 : The two loop counts.

    Notes
    -----
    A cover set of one point is one cluster; a cover set smaller than a clusterer's
    ``n_clusters`` is one cluster. With the default ``min_cluster_size=3`` such tiny clusters
    then make no node. A lens that is constant on the cloud gets one interval (clouds of fewer
    than 3 points get a constant PCA lens), so a tiny cloud gives a graph with at most one
    node per cluster, never an error.

    Examples
    --------
    >>> from sktopo.datasets import make_filter_cloud
    >>> from sktopo.mapper import mapper_graph, nerve_betti1
    >>> X = make_filter_cloud("primary_circle", 500, noise=0.05, random_state=0)
    >>> g = mapper_graph(X, resolution=10, gain=2)
    >>> nerve_betti1(g)
    1
    """
    X = check_cloud(X, name="X")
    rng = check_random_state(random_state)
    lens_values = compute_lens(X, lens, random_state=rng)
    if clusterer is not None:
        clusterer = clone(clusterer)
        params = clusterer.get_params()
        if "random_state" in params and params["random_state"] is None:
            clusterer.set_params(random_state=rng.randint(np.iinfo(np.int32).max))
    # Clusters do not depend on the scale of the cloud (the cut is relative): cluster at
    # magnitude ~1, where squared distances neither overflow nor underflow.
    scaled = unit_scale(X)[0]
    Y = vne_scale(scaled) if metric == "vne" else scaled

    points, cells, shape = cover_membership(lens_values, resolution, gain)
    starts = np.flatnonzero(np.r_[True, cells[1:] != cells[:-1]]) if cells.size else []
    bounds = np.r_[starts, cells.size]
    node_members, node_cells = [], []
    for a, b in zip(bounds[:-1], bounds[1:]):
        idx = points[a:b]
        labels = cluster_cover_set(Y[idx], clusterer, n_bins)
        found = []
        for lab in np.unique(labels):
            members = idx[labels == lab]
            if lab >= 0 and members.size >= min_cluster_size:
                found.append(members)
        found.sort(key=lambda m: m[0])
        node_members.extend(found)
        node_cells.extend([cells[a]] * len(found))

    graph = nx.Graph()
    graph.graph.update(
        resolution=resolution,
        gain=gain,
        n_points=X.shape[0],
        cover_shape=shape,
        intervals=[
            cover_intervals(c.min(), c.max(), r, gain) if r > 1 else np.array([[c.min(), c.max()]])
            for c, r in zip(lens_values.T, shape)
        ],
    )
    for i, (m, c) in enumerate(zip(node_members, node_cells)):
        graph.add_node(
            i,
            members=m,
            size=int(m.size),
            mean_filter=X[m].mean(axis=0),
            lens_mean=lens_values[m].mean(axis=0),
            cell=tuple(int(v) for v in np.unravel_index(c, shape)),
        )
    if len(node_members) > 1:
        rows = np.concatenate(node_members)
        cols = np.repeat(np.arange(len(node_members)), [m.size for m in node_members])
        inc = csr_matrix((np.ones(rows.size, dtype=np.int64), (rows, cols)),
                         shape=(X.shape[0], len(node_members)))
        shared = triu(inc.T @ inc, k=1).tocoo()
        graph.add_weighted_edges_from(
            zip(shared.row.tolist(), shared.col.tolist(), shared.data.tolist())
        )
    return graph


@fill_doc
class Mapper(CollectionTransformer):
    r"""Mapper graphs ``Mapper(resolution, gain)``, one per cloud of a collection.

    Collection level: ``X`` is a list of clouds (or a 3-D array) and ``transform`` returns a
    list of ``networkx`` graphs, ``len(transform(X)) == len(X)``. Each cloud gets its own lens
    (PCA 1 and 2 fitted on that cloud by default), its own VNE variances and its own cover; see
    :func:`mapper_graph` for the construction and the node attributes. For one 2-D cloud use
    :func:`mapper_graph` or :meth:`fit_graph`. Nothing is learned across clouds, so ``fit``
    only records the graphs of the training collection.

    Parameters
    ----------
    resolution : int, default=30
        Intervals per lens.
    gain : float, default=3.0
        Gain ``> 1``; overlap fraction ``1 - 1/gain``.
    lens : None, "pca", transformer or callable, default=None
        Lens (see :func:`compute_lens`); precomputed values go to ``fit``/``transform`` as
        ``lens_values``.
    clusterer : scikit-learn clusterer or None, default=None
        ``None``: single linkage with the automatic first-gap cut.
    metric : {"vne", "euclidean"}, default="vne"
        Metric of the clustering step.
    n_bins : int, default=5
        Bins of the merge-height histogram of the automatic cut.
    min_cluster_size : int, default=3
        Smaller clusters make no node.
    %(collection_random_state)s
        Used by randomised lenses and clusterers.
    %(collection_verbose)s

    Attributes
    ----------
    graphs_ : list of networkx.Graph
        One graph per cloud of the collection passed to ``fit``.
    node_members_ : list of list of ndarray
        Point indices of every node of every graph.
    node_sizes_ : list of ndarray
        Node sizes of every graph.

    See Also
    --------
    mapper_graph : The function twin for one cloud.
    MapperGraphFeatures : Loop counts and sizes as a feature vector per graph.

    Examples
    --------
    >>> from sktopo.datasets import make_collection
    >>> from sktopo.mapper import Mapper
    >>> clouds = make_collection(["primary_circle", "gaussian"], 300, random_state=0)
    >>> graphs = Mapper(resolution=8, gain=2).fit_transform(clouds)
    >>> len(graphs)
    2
    """

    _requires_fit = False
    _parameter_constraints = {**MAPPER_CONSTRAINTS, "verbose": ["verbose"]}

    def __init__(
        self,
        resolution=30,
        gain=3.0,
        *,
        lens=None,
        clusterer=None,
        metric="vne",
        n_bins=5,
        min_cluster_size=3,
        random_state=None,
        verbose=0,
    ):
        self.resolution = resolution
        self.gain = gain
        self.lens = lens
        self.clusterer = clusterer
        self.metric = metric
        self.n_bins = n_bins
        self.min_cluster_size = min_cluster_size
        self.random_state = random_state
        self.verbose = verbose

    def _validate_collection(self, X, lens_values=None):
        clouds = check_collection(X, same_dim=False)
        if lens_values is None:
            return [(cloud, self.lens) for cloud in clouds]
        if len(lens_values) != len(clouds):
            raise ValueError(
                f"lens_values has {len(lens_values)} entries but X has {len(clouds)} clouds; "
                "pass one array of lens values per cloud."
            )
        return list(zip(clouds, lens_values))

    def _transform_one(self, sample, random_state):
        cloud, lens = sample
        return mapper_graph(
            cloud, self.resolution, self.gain, lens=lens, clusterer=self.clusterer,
            metric=self.metric, n_bins=self.n_bins, min_cluster_size=self.min_cluster_size,
            random_state=random_state,
        )

    def _remember(self, samples, graphs):
        self.graphs_ = list(graphs)
        self.node_members_ = [[d["members"] for _, d in g.nodes(data=True)] for g in graphs]
        self.node_sizes_ = [
            np.array([d["size"] for _, d in g.nodes(data=True)], dtype=np.int64) for g in graphs
        ]

    # lens and clusterer are the user's estimators: their parameters are checked when they fit.
    @fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y=None, lens_values=None):
        """Build and keep the graph of every cloud of ``X``.

        Parameters
        ----------
        X : list of array-like of shape (n_points_i, n_features) or ndarray of shape \
                (n_clouds, n_points, n_features)
            The collection.
        y : None
            Ignored.
        lens_values : list of array-like or None, default=None
            Precomputed lens values, one ``(n_points_i, n_lenses)`` array per cloud; they
            replace ``lens``.

        Returns
        -------
        self : Mapper
        """
        self._fit_transform(X, lens_values=lens_values)
        return self

    @fit_context(prefer_skip_nested_validation=False)
    def fit_transform(self, X, y=None, lens_values=None):
        """Fit and return the list of graphs (one per cloud).

        Parameters
        ----------
        X : collection
            As in :meth:`fit`.
        y : None
            Ignored.
        lens_values : list of array-like or None, default=None
            As in :meth:`fit`.

        Returns
        -------
        graphs : list of networkx.Graph
            One graph per cloud of ``X``.
        """
        return self._fit_transform(X, lens_values=lens_values)

    def transform(self, X, lens_values=None):
        """Return the Mapper graph of every cloud of ``X`` (a list, one graph per cloud).

        Parameters
        ----------
        X : collection
            As in :meth:`fit`.
        lens_values : list of array-like or None, default=None
            As in :meth:`fit`.

        Returns
        -------
        graphs : list of networkx.Graph
            One graph per cloud of ``X``.
        """
        return self._transform(X, lens_values=lens_values)

    def get_feature_names_out(self, input_features=None):
        """One output per cloud: its ``graph``.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Ignored.

        Returns
        -------
        feature_names_out : ndarray of str
            ``["graph"]``.
        """
        return np.asarray(["graph"], dtype=object)

    def fit_graph(self, X, lens_values=None):
        """Convenience for one 2-D cloud: fit on ``[X]`` and return its graph.

        ``graphs_`` then holds this one graph.

        Parameters
        ----------
        X : array-like of shape (n_points, n_features)
            The cloud.
        lens_values : array-like of shape (n_points, n_lenses) or None, default=None
            Precomputed lens values, one row per point; they replace ``lens``.

        Returns
        -------
        graph : networkx.Graph
            The Mapper graph of ``X`` (see :func:`mapper_graph`).
        """
        X = check_cloud(X, name="X")
        self.fit([X], lens_values=None if lens_values is None else [lens_values])
        return self.graphs_[0]
