"""k-nearest-neighbour density scores and the density filtration rho(k, p, X)."""

import math

import numpy as np
from scipy.spatial import cKDTree
from sklearn.base import BaseEstimator, TransformerMixin

from .._compat import check_is_fitted, Integral, Interval, Real, validate_data
from .._validation import check_cloud, check_collection, collection_tags

# The exact query is run only for the points that can still be among the densest; a sample of this
# many points estimates the cut-off radius first (the result never depends on the sample).
_PILOT_SIZE = 2000
_SMALL_CLOUD = 5000


def _workers(n_jobs):
    return 1 if n_jobs is None else int(n_jobs)


def _check_k(k, n_points):
    if not isinstance(k, Integral) or isinstance(k, bool) or k < 1:
        raise ValueError(f"k must be a positive integer; got {k!r}.")
    if k >= n_points:
        raise ValueError(
            f"k={k} needs at least k+1={k + 1} points, but the cloud has {n_points}. "
            f"Choose k <= {n_points - 1} or pool more filters (more networks or layers)."
        )


def _check_p(p):
    if not isinstance(p, Real) or isinstance(p, bool) or not (0 < p <= 1):
        raise ValueError(f"p must be a fraction in (0, 1]; got {p!r}. Use p=1 to keep every point.")


def n_kept(n_points, p):
    """Number of points ``rho(k, p)`` keeps: ``p * n_points`` rounded half up, at least one."""
    _check_p(p)
    return max(1, min(n_points, math.floor(p * n_points + 0.5)))


def kth_neighbor_distances(X, k, *, n_jobs=None):
    """Distance from every point to its ``k``-th nearest *other* point.

    A small value means a dense neighbourhood. Duplicated points count as distinct neighbours at
    distance zero.

    Parameters
    ----------
    X : array-like of shape (n_points, n_features)
        The point cloud.
    k : int
        Neighbour rank, ``1 <= k < n_points``.
    n_jobs : int, default=None
        Threads for the k-d tree queries; ``None`` means 1, ``-1`` all cores.

    Returns
    -------
    distances : ndarray of shape (n_points,)

    Examples
    --------
    >>> from sktopo.filters import kth_neighbor_distances
    >>> kth_neighbor_distances([[0.], [1.], [3.]], k=1).tolist()
    [1.0, 1.0, 2.0]
    """
    X = check_cloud(X)
    _check_k(k, len(X))
    return _ordered_query(cKDTree(X), X, k, _workers(n_jobs))


def _ordered_query(tree, X, k, workers, bound=np.inf):
    """k-th other-neighbour distances of all points of ``tree``, optionally capped at ``bound``.

    ``k + 1`` because every point is its own nearest neighbour at distance 0. Queries run in the
    tree's point order, so consecutive queries visit the same leaves (cache reuse).
    """
    order = tree.indices
    scores = np.empty(len(X))
    scores[order] = tree.query(X[order], k=[k + 1], distance_upper_bound=bound, workers=workers)[0][
        :, 0
    ]
    return scores


def density_filtration_indices(X, k, p, *, n_jobs=None):
    r"""Indices of the points kept by the density filtration :math:`\rho(k, p, X)`.

    Every point is scored by the distance to its ``k``-th nearest neighbour; the
    :func:`n_kept` points with the smallest scores (the densest) are kept. Ties are broken by the
    lower index, so the result is deterministic.

    Only points whose score can fall under the cut-off are searched exactly: the cut-off radius is
    first estimated on a pilot sample, then the k-d tree query is bounded by it (and widened if it
    was too tight). The kept set is identical to sorting all exact scores.

    Parameters
    ----------
    X : array-like of shape (n_points, n_features)
        The point cloud.
    k : int
        Neighbour rank, ``1 <= k < n_points``.
    p : float
        Fraction of points to keep, in (0, 1].
    n_jobs : int, default=None
        Threads for the k-d tree queries; ``None`` means 1, ``-1`` all cores.

    Returns
    -------
    indices : ndarray of int, shape (n_kept,)
        Kept row indices in increasing order (the input's row order).

    See Also
    --------
    density_filtration : The filtered cloud itself.
    DensityFiltration : The collection-level transformer.

    Examples
    --------
    >>> from sktopo.filters import density_filtration_indices
    >>> density_filtration_indices([[0.], [0.1], [0.2], [5.]], k=1, p=0.5).tolist()
    [0, 1]
    """
    X = check_cloud(X)
    n = len(X)
    _check_k(k, n)
    m = n_kept(n, p)
    if m == n:
        return np.arange(n)
    tree = cKDTree(X)
    workers = _workers(n_jobs)
    if n <= _SMALL_CLOUD:
        scores = _ordered_query(tree, X, k, workers)
        return np.sort(np.argsort(scores, kind="stable")[:m])

    pilot = np.random.default_rng(0).choice(n, size=_PILOT_SIZE, replace=False)
    pilot_scores = np.sort(tree.query(X[pilot], k=[k + 1], workers=workers)[0][:, 0])
    # Aim a few standard errors above the p-quantile so one bounded pass nearly always suffices.
    q = min(1.0, p + 4.0 * math.sqrt(p * (1 - p) / _PILOT_SIZE) + 0.01)
    while True:
        radius = pilot_scores[min(_PILOT_SIZE - 1, math.ceil(q * _PILOT_SIZE))]
        bound = np.nextafter(radius, np.inf) if q < 1.0 else np.inf
        scores = _ordered_query(tree, X, k, workers, bound)
        if np.isfinite(scores).sum() >= m:
            # Points beyond the bound score higher than every finite score, so the m smallest
            # finite scores are exactly the m smallest overall.
            return np.sort(np.argsort(scores, kind="stable")[:m])
        q = min(1.0, q + 0.1)


def density_filtration(X, k, p, *, n_jobs=None, return_indices=False):
    r"""Keep the fraction ``p`` of densest points: :math:`\rho(k, p, X)`.

    Parameters
    ----------
    X : array-like of shape (n_points, n_features)
        The point cloud (mean-centred and normalised filters, as in the paper).
    k : int
        Neighbour rank of the density estimate.
    p : float
        Fraction of points to keep, in (0, 1].
    n_jobs : int, default=None
        Threads for the k-d tree queries.
    return_indices : bool, default=False
        Also return the kept row indices.

    Returns
    -------
    X_kept : ndarray of shape (n_kept, n_features)
        Kept points in their original order.
    indices : ndarray of int
        Only when ``return_indices=True``.

    Examples
    --------
    >>> from sktopo.filters import density_filtration
    >>> density_filtration([[0.], [0.1], [0.2], [5.]], k=1, p=0.75).ravel().tolist()
    [0.0, 0.1, 0.2]
    """
    X = check_cloud(X)
    idx = density_filtration_indices(X, k, p, n_jobs=n_jobs)
    return (X[idx], idx) if return_indices else X[idx]


class KNNDensity(TransformerMixin, BaseEstimator):
    """k-th-nearest-neighbour distance of every filter within its cloud (filter level, 2-D).

    ``transform(X)`` returns one column: the distance from each row of ``X`` to its ``k``-th
    nearest other row *of the same X*. The score is a property of a point within a cloud, so it is
    stateless; scoring a subset of a cloud gives different numbers than scoring the whole.

    Parameters
    ----------
    k : int, default=15
        Neighbour rank.
    n_jobs : int, default=None
        Threads for the k-d tree queries; ``None`` means 1.

    Attributes
    ----------
    n_features_in_ : int
        Number of features seen in :meth:`fit`.

    See Also
    --------
    kth_neighbor_distances : The function this wraps.
    DensityFiltration : Keep the densest fraction of each cloud of a collection.

    Examples
    --------
    >>> from sktopo.filters import KNNDensity
    >>> KNNDensity(k=1).fit_transform([[0.], [1.], [3.]]).ravel().tolist()
    [1.0, 1.0, 2.0]
    """

    _parameter_constraints = {
        "k": [Interval(Integral, 1, None, closed="left")],
        "n_jobs": [Integral, None],
    }

    def __init__(self, k=15, n_jobs=None):
        self.k = k
        self.n_jobs = n_jobs

    def fit(self, X, y=None):
        """Validate ``X``; nothing is learned."""
        self._validate_params()
        validate_data(self, X, dtype=np.float64)
        return self

    def transform(self, X):
        """Return the ``k``-th neighbour distances as an ``(n_points, 1)`` array."""
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        return kth_neighbor_distances(X, self.k, n_jobs=self.n_jobs)[:, None]

    def get_feature_names_out(self, input_features=None):
        """One output column, ``knn_distance_k{k}``."""
        return np.asarray([f"knn_distance_k{self.k}"], dtype=object)


class DensityFiltration(TransformerMixin, BaseEstimator):
    r"""The density filtration :math:`\rho(k, p)` on every cloud of a collection.

    Collection level: ``X`` is a list of clouds (or a 3-D array) and ``transform`` returns a list
    of the same length, cloud ``i`` reduced to its fraction ``p`` of densest points (see
    :func:`density_filtration`). Stateless, so ``fit`` only checks parameters.

    Parameters
    ----------
    k : int, default=15
        Neighbour rank of the density estimate.
    p : float, default=0.3
        Fraction of points kept, in (0, 1].
    n_jobs : int, default=None
        Threads for the k-d tree queries; ``None`` means 1.

    Attributes
    ----------
    kept_indices_ : list of ndarray
        Row indices kept in each cloud by the last call to :meth:`fit` (so a point can be traced
        back to its network through the extraction's provenance).

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo.filters import DensityFiltration
    >>> clouds = [np.random.default_rng(0).normal(size=(50, 9)), np.ones((20, 9))]
    >>> [c.shape for c in DensityFiltration(k=5, p=0.2).fit_transform(clouds)]
    [(10, 9), (4, 9)]
    """

    _parameter_constraints = {
        "k": [Interval(Integral, 1, None, closed="left")],
        "p": [Interval(Real, 0, 1, closed="right")],
        "n_jobs": [Integral, None],
    }

    def __init__(self, k=15, p=0.3, n_jobs=None):
        self.k = k
        self.p = p
        self.n_jobs = n_jobs

    def fit(self, X, y=None):
        """Check parameters and record the kept indices of each cloud of ``X``."""
        self.fit_transform(X)
        return self

    def transform(self, X):
        """Return the list of filtered clouds."""
        self._validate_params()
        clouds = check_collection(X, same_dim=False)
        return [c[density_filtration_indices(c, self.k, self.p, n_jobs=self.n_jobs)] for c in clouds]

    def fit_transform(self, X, y=None):
        """Fit and transform in one pass over the data."""
        self._validate_params()
        clouds = check_collection(X, same_dim=False)
        self.kept_indices_ = [
            density_filtration_indices(c, self.k, self.p, n_jobs=self.n_jobs) for c in clouds
        ]
        return [c[i] for c, i in zip(clouds, self.kept_indices_)]

    def __sklearn_tags__(self):
        return collection_tags(super().__sklearn_tags__(), requires_fit=False)
