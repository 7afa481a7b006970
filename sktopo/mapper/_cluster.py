"""Clustering inside one cover set: VNE scaling, single linkage with an automatic cut."""

import numpy as np
from scipy.cluster.hierarchy import linkage
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components, minimum_spanning_tree
from scipy.spatial import cKDTree
from scipy.spatial.distance import pdist
from sklearn.base import clone

from .._compat import Integral, validate_params
from .._validation import Number, check_cloud, check_values, unit_scale

# Up to this many points a cover set is clustered from all pairwise distances (2.5 MB at the
# limit), where scipy's linkage is faster; larger sets use the O(n)-memory spanning tree below.
DENSE_MAX = 800
# Neighbours listed per point for the spanning tree. The k-d tree query is most of its time;
# 5 to 8 measured equally fast on 9-D filters, and 8 leaves fewer points to search again.
_KNN = 8
_WIDER = 4  # the second, wider query lists this many times as many neighbours
_LEAF = 32  # k-d tree leaf size: measured fastest for 9-D filters between 500 and 8,000 points


@validate_params({"X": ["array-like"]}, prefer_skip_nested_validation=True)
def vne_scale(X):
    r"""Divide every column by its standard deviation (the VNE metric's embedding).

    Euclidean distance between the scaled rows is the variance-normalised Euclidean distance
    :math:`d(x, y)^2 = \sum_i (x_i - y_i)^2 / \mathrm{var}_i` (scipy's ``seuclidean`` with
    ``V`` the column variances). A constant column (variance 0) adds nothing to any distance,
    so it is left as it is instead of being divided by zero.

    Parameters
    ----------
    X : ndarray of shape (n_points, n_features)
        The whole cloud: the variances come from all of it, not from one cover set.

    Returns
    -------
    Y : ndarray of shape (n_points, n_features)

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo.mapper import vne_scale
    >>> vne_scale(np.array([[0.0, 1.0], [2.0, 1.0]]))
    array([[0., 1.],
           [2., 1.]])
    """
    X = check_cloud(X)
    scaled = unit_scale(X)[0]  # the ratio is scale-free; this keeps the variances finite
    std = scaled.std(axis=0)
    out = X.copy()
    varies = std > 0
    out[:, varies] = scaled[:, varies] / std[varies]
    return out


@validate_params({"Y": ["array-like"]}, prefer_skip_nested_validation=True)
def single_linkage_tree(Y):
    """Single-linkage merge heights of the rows of ``Y`` (Euclidean), as spanning-tree edges.

    The edges form an exact Euclidean minimum spanning tree, whose sorted edge lengths are the
    merge heights of single linkage (``scipy.cluster.hierarchy.linkage(Y, "single")[:, 2]``).
    It is built by Borůvka's algorithm on a k-d tree in memory linear in the number of rows,
    so clouds far too large for a matrix of all pairwise distances work.

    Parameters
    ----------
    Y : array-like of shape (n_points, n_features)

    Returns
    -------
    edges : ndarray of shape (n_points - 1, 2) of int
    heights : ndarray of shape (n_points - 1,)
        ``heights[i]`` is the distance between the two rows of ``edges[i]``.

    Examples
    --------
    >>> import numpy as np
    >>> edges, heights = single_linkage_tree(np.array([[0.0], [1.0], [3.0]]))
    >>> sorted(heights.tolist())
    [1.0, 2.0]
    """
    Y, factor = unit_scale(check_cloud(Y, name="Y"))  # squared distances stay finite
    edges, heights = _single_linkage_tree(Y)
    return edges, heights * factor


def _single_linkage_tree(Y):
    r"""Borůvka's minimum spanning tree of the rows of ``Y``.

    Each round joins every component to its nearest other component. A point's nearest point
    outside its component is read from its k-nearest-neighbour list when the list holds one; a
    point whose whole list lies inside its component is searched again only if the distance to
    its k-th neighbour (a lower bound on any unlisted point) is below the best join its component
    has already found. The joins are therefore exact, and the tree is a minimum spanning tree.
    """
    n = Y.shape[0]
    if n < 2:
        return np.empty((0, 2), dtype=np.int64), np.empty(0)
    tree = cKDTree(Y, leafsize=_LEAF)
    k = min(_KNN, n)
    dist, nbr = tree.query(Y, k=k)
    # Any point missing from a full list is at least as far as the list's last entry.
    bound = dist[:, -1] if k < n else np.full(n, np.inf)
    label = np.arange(n)
    n_comp, joins = n, []
    while n_comp > 1:
        near_d, near_v = _nearest_outside(tree, Y, label, n_comp, dist, nbr, bound)
        u = _shortest_join(label, n_comp, near_d)
        n_comp, label, kept = _merge(label, n_comp, u, near_v[u])
        joins.append(np.column_stack([u[kept], near_v[u[kept]]]))
    edges = np.concatenate(joins).astype(np.int64)
    return edges, np.sqrt(((Y[edges[:, 0]] - Y[edges[:, 1]]) ** 2).sum(axis=1))


def _nearest_outside(tree, Y, label, n_comp, dist, nbr, bound):
    """Per point, the distance to and index of its nearest point in another component.

    ``inf`` where the point provably cannot give its component's shortest join.
    """
    rows = np.arange(len(label))
    outside = label[nbr] != label[:, None]
    first = outside.argmax(axis=1)
    has = outside[rows, first]
    near_d = np.where(has, dist[rows, first], np.inf)
    near_v = nbr[rows, first]
    best = _component_min(label, n_comp, near_d)
    todo = np.flatnonzero(~has & (bound < best[label]))
    if todo.size:
        _search_again(tree, Y, label, best, todo, near_d, near_v)
    return near_d, near_v


def _component_min(label, n_comp, values):
    best = np.full(n_comp, np.inf)
    np.minimum.at(best, label, values)
    return best


def _search_again(tree, Y, label, best, todo, near_d, near_v):
    """Exact nearest outside points of ``todo`` (only those closer than their component's best).

    A wider k-nearest-neighbour query settles most points: its list reaches an outside point,
    or reaches past the best join. The rest lie deep inside large components; each such
    component queries a k-d tree of all the other points.
    """
    n = len(label)
    radius = best[label[todo]]
    d, j = tree.query(Y[todo], k=min(_WIDER * _KNN, n), distance_upper_bound=radius.max())
    j = np.minimum(j, n - 1)  # slots past the radius hold d = inf and j = n
    outside = (label[j] != label[todo, None]) & np.isfinite(d)
    rows = np.arange(todo.size)
    first = outside.argmax(axis=1)
    has = outside[rows, first]
    near_d[todo[has]] = d[rows, first][has]
    near_v[todo[has]] = j[rows, first][has]
    # Without an outside point, a list that reaches past the radius settles the point.
    left = todo[~has & (d[:, -1] < radius)]
    for c in np.unique(label[left]):
        pts = left[label[left] == c]
        others = np.flatnonzero(label != c)
        dc, jc = cKDTree(Y[others], leafsize=_LEAF).query(Y[pts], distance_upper_bound=best[c])
        hit = np.isfinite(dc)
        near_d[pts[hit]] = dc[hit]
        near_v[pts[hit]] = others[jc[hit]]


def _shortest_join(label, n_comp, near_d):
    """One point per component whose nearest outside point gives the component's shortest join."""
    best = _component_min(label, n_comp, near_d)
    cand = np.flatnonzero(near_d == best[label])
    return cand[np.unique(label[cand], return_index=True)[1]]


def _merge(label, n_comp, u, v):
    """New component labels after the joins ``u[c] - v[c]`` (``u[c]`` in component ``c``).

    Two components may pick the same join, and equal lengths can close a longer cycle (then all
    of its joins are equally short); a spanning forest of the joins keeps one of each. Returns
    the number of components, the labels and which joins were kept.
    """
    # Entry (c, label[v[c]]) holds c + 1, so the forest's entries name the joins they keep.
    joins = coo_matrix((np.arange(1.0, len(u) + 1), (label[u], label[v])), shape=(n_comp, n_comp))
    forest = minimum_spanning_tree(joins.tocsr())
    kept = np.sort(forest.data.astype(np.int64) - 1)
    n_new, comp = connected_components(forest, directed=False)
    return n_new, comp[label], kept


_N_BINS = [Number(Integral, 1, None, closed="left")]


@validate_params({"heights": ["array-like"], "n_bins": _N_BINS},
                 prefer_skip_nested_validation=True)
def first_gap_threshold(heights, n_bins=5):
    """Cut height from the first empty bin of the histogram of merge heights.

    The heuristic of Singh, Mémoli and Carlsson (2007): histogram the single-linkage merge
    heights into ``n_bins`` equal bins over ``[min, max]``; if some bin is empty, cut at the
    left edge of the first empty bin (merges below it are kept, those above are cut), so the
    number of clusters is one plus the number of merge heights above the gap. Without an
    empty bin the whole cover set is one cluster.

    Parameters
    ----------
    heights : array-like
        Merge heights of a single-linkage tree (flattened).
    n_bins : int, default=5
        Bins of the histogram.

    Returns
    -------
    threshold : float
        ``inf`` when there is no gap (one cluster).

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo.mapper import first_gap_threshold
    >>> float(first_gap_threshold(np.array([0.1, 0.1, 0.12, 1.0]), n_bins=10))
    0.19
    >>> first_gap_threshold(np.array([0.1, 0.2, 0.3]), n_bins=3)
    inf
    """
    return _first_gap_threshold(check_values(heights, name="heights").ravel(), n_bins)


def _first_gap_threshold(heights, n_bins):
    if heights.size < 2 or heights.min() == heights.max():
        return np.inf
    lo, hi = heights.min(), heights.max()
    # np.histogram's binning (last bin closed), without its per-call overhead.
    which = np.minimum(((heights - lo) * (n_bins / (hi - lo))).astype(np.int64), n_bins - 1)
    empty = np.flatnonzero(np.bincount(which, minlength=n_bins) == 0)
    if empty.size == 0:
        return np.inf
    return lo + empty[0] * (hi - lo) / n_bins


@validate_params({"Y": ["array-like"], "n_bins": _N_BINS}, prefer_skip_nested_validation=True)
def auto_single_linkage(Y, n_bins=5):
    """Single-linkage cluster labels of the rows of ``Y`` with the first-gap cut.

    Merges below :func:`first_gap_threshold` are kept, the others cut; without a gap the rows
    form one cluster.

    Parameters
    ----------
    Y : array-like of shape (n_points, n_features)
        The points of one cover set.
    n_bins : int, default=5
        Bins of the histogram of merge heights (:func:`first_gap_threshold`).

    Returns
    -------
    labels : ndarray of shape (n_points,)
        Cluster of each row, numbered from 0 by first member.

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo.mapper import auto_single_linkage
    >>> Y = np.r_[np.zeros((5, 2)), np.ones((5, 2)) * 10, [[30.0, 30.0]]]
    >>> auto_single_linkage(Y).tolist()
    [0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 2]
    """
    return _auto_single_linkage(check_cloud(Y, name="Y"), n_bins)


def _auto_single_linkage(Y, n_bins):
    n = Y.shape[0]
    if n == 1:
        return np.zeros(1, dtype=np.int64)
    if n <= DENSE_MAX:
        Z = linkage(pdist(Y), method="single")
        t = _first_gap_threshold(Z[:, 2], n_bins)
        return _labels_below(Z, t) if np.isfinite(t) else np.zeros(n, dtype=np.int64)
    edges, heights = _single_linkage_tree(Y)
    t = _first_gap_threshold(heights, n_bins)
    if not np.isfinite(t):
        return np.zeros(n, dtype=np.int64)
    # Merges at heights <= t are kept, as scipy's fcluster(..., t, "distance") keeps them.
    low = heights <= t
    g = coo_matrix((np.ones(low.sum()), (edges[low, 0], edges[low, 1])), shape=(n, n))
    return connected_components(g, directed=False)[1].astype(np.int64)


def _labels_below(Z, t):
    """Flat clusters of the linkage matrix ``Z`` keeping the merges at heights ``<= t``.

    The same partition as ``fcluster(Z, t, "distance")``, numbered by first member, without
    its per-call validation (which costs more than the clustering of a small cover set).
    """
    n = Z.shape[0] + 1
    merged = np.flatnonzero(Z[:, 2] <= t)
    parent = np.arange(2 * n - 1)
    parent[Z[merged, 0].astype(np.intp)] = n + merged
    parent[Z[merged, 1].astype(np.intp)] = n + merged
    # Pointer jumping: every node reaches the root of its kept subtree in O(log n) steps.
    while True:
        up = parent[parent]
        if np.array_equal(up, parent):
            break
        parent = up
    # Number the clusters by first member, as connected_components does on the tree path.
    _, first, labels = np.unique(parent[:n], return_index=True, return_inverse=True)
    return np.argsort(np.argsort(first))[labels].astype(np.int64)


def cluster_cover_set(Y, clusterer=None, n_bins=5):
    """Labels of one cover set: the automatic single linkage, or any scikit-learn clusterer.

    A single point, or a cover set smaller than the clusterer's ``n_clusters``, is one cluster
    rather than an error; label ``-1`` (noise, as in DBSCAN) keeps a point out of the nodes of
    that cover set.
    """
    n = Y.shape[0]
    if clusterer is None:
        return _auto_single_linkage(Y, n_bins)
    n_clusters = getattr(clusterer, "n_clusters", None)
    if n < 2 or (isinstance(n_clusters, (int, np.integer)) and n < n_clusters):
        return np.zeros(n, dtype=np.int64)
    return np.asarray(clone(clusterer).fit_predict(Y), dtype=np.int64)
