"""Clustering inside one cover set: VNE scaling, single linkage with an automatic cut."""

import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components, minimum_spanning_tree
from scipy.spatial import cKDTree
from scipy.spatial.distance import pdist, squareform
from sklearn.base import clone

from .._compat import Integral, validate_params
from .._validation import Number, check_cloud, check_values, unit_scale

# Cover sets up to this size get the exact single-linkage tree from all pairwise distances
# (16 MB of distances at the limit); larger ones use a k-NN spanning tree (see below).
EXACT_MAX = 2000
_KNN = 15
_SMALL_PIECE = 64
_TINY = np.finfo(np.float64).tiny


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


def single_linkage_tree(Y):
    """Single-linkage merge heights of the rows of ``Y`` (Euclidean), as spanning-tree edges.

    Up to ``EXACT_MAX`` rows the tree is the exact minimum spanning tree. Above, it is the
    minimum spanning tree of the symmetric 15-nearest-neighbour graph, its pieces joined at
    their exact closest pairs: a spanning tree of the complete graph, so each sorted merge
    height can only be over-, never under-estimated, and no ``n x n`` matrix is formed.

    Returns
    -------
    edges : ndarray of shape (n - 1, 2) of int
    heights : ndarray of shape (n - 1,)
    """
    n = Y.shape[0]
    if n < 2:
        return np.empty((0, 2), dtype=np.int64), np.empty(0)
    if n > EXACT_MAX:
        return _knn_spanning_tree(Y)
    dist = squareform(pdist(Y))
    # csgraph reads a zero as "no edge": duplicate points get the smallest positive distance.
    dist[dist == 0] = _TINY
    np.fill_diagonal(dist, 0.0)
    mst = minimum_spanning_tree(dist).tocoo()
    heights = mst.data
    heights[heights == _TINY] = 0.0
    return np.column_stack([mst.row, mst.col]).astype(np.int64), heights


def _knn_spanning_tree(Y):
    n = Y.shape[0]
    tree = cKDTree(Y)
    k = min(_KNN + 1, n)
    dist, nbr = tree.query(Y, k=k)
    rows = np.repeat(np.arange(n), k - 1)
    cols = nbr[:, 1:].ravel()
    # csgraph drops zero weights as "no edge": duplicates get the smallest positive weight.
    w = np.maximum(dist[:, 1:].ravel(), _TINY)
    graph = coo_matrix((w, (rows, cols)), shape=(n, n)).tocsr()
    graph = graph.maximum(graph.T)
    mst = minimum_spanning_tree(graph).tocoo()
    edges = [np.column_stack([mst.row, mst.col])]
    heights = [mst.data]
    n_comp, labels = connected_components(mst, directed=False)
    # Join the pieces the k-NN graph left apart with Boruvka rounds: each piece but the largest
    # takes its exact shortest edge to another piece (always an edge of the exact tree).
    while n_comp > 1:
        sizes = np.bincount(labels, minlength=n_comp)
        best_d = np.full(n_comp, np.inf)
        best_u = np.zeros(n_comp, dtype=np.int64)
        best_v = np.zeros(n_comp, dtype=np.int64)
        biggest = int(np.argmax(sizes))
        small = np.flatnonzero((sizes <= _SMALL_PIECE) & (np.arange(n_comp) != biggest))
        if small.size:
            # k = size + 1 neighbours always include a point of another piece.
            pts = np.flatnonzero(np.isin(labels, small))
            d, j = tree.query(Y[pts], k=min(int(sizes[small].max()) + 1, n))
            other = labels[j] != labels[pts][:, None]
            first = np.argmax(other, axis=1)
            rows = np.arange(pts.size)
            _update_best(best_d, best_u, best_v, labels[pts], d[rows, first], pts, j[rows, first])
        for c in np.flatnonzero((sizes > _SMALL_PIECE) & (np.arange(n_comp) != biggest)):
            inside = labels == c
            outside = np.flatnonzero(~inside)
            d, j = cKDTree(Y[outside]).query(Y[inside], k=1)
            i = int(np.argmin(d))
            best_d[c], best_u[c], best_v[c] = d[i], np.flatnonzero(inside)[i], outside[j[i]]
        pick = np.flatnonzero(np.isfinite(best_d))
        edges.append(np.column_stack([best_u[pick], best_v[pick]]))
        heights.append(best_d[pick])
        all_edges = np.concatenate(edges)
        g = coo_matrix((np.ones(len(all_edges)), (all_edges[:, 0], all_edges[:, 1])), shape=(n, n))
        n_comp, labels = connected_components(g, directed=False)
    edges, heights = np.concatenate(edges), np.concatenate(heights)
    # Two pieces can pick the same joining edge (each other's nearest): keep a spanning tree.
    if len(heights) > n - 1:
        g = coo_matrix((np.maximum(heights, _TINY), (edges[:, 0], edges[:, 1])), shape=(n, n))
        mst = minimum_spanning_tree(g.tocsr()).tocoo()
        edges, heights = np.column_stack([mst.row, mst.col]), mst.data
        heights[heights == _TINY] = 0.0
    return edges, heights


def _update_best(best_d, best_u, best_v, comp, dist, u, v):
    """Per piece, keep the shortest of the candidate edges ``(u, v, dist)``."""
    order = np.lexsort((dist, comp))
    comp, dist, u, v = comp[order], dist[order], u[order], v[order]
    first = np.r_[True, comp[1:] != comp[:-1]]
    c = comp[first]
    better = dist[first] < best_d[c]
    best_d[c[better]] = dist[first][better]
    best_u[c[better]] = u[first][better]
    best_v[c[better]] = v[first][better]


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
    if n <= EXACT_MAX:
        Z = linkage(pdist(Y), method="single")
        t = _first_gap_threshold(Z[:, 2], n_bins)
        if not np.isfinite(t):
            return np.zeros(n, dtype=np.int64)
        # fcluster keeps merges at heights <= its threshold; no merge height lies in [t, t + bin).
        return fcluster(Z, t, criterion="distance").astype(np.int64) - 1
    edges, heights = single_linkage_tree(Y)
    t = _first_gap_threshold(heights, n_bins)
    if not np.isfinite(t):
        return np.zeros(n, dtype=np.int64)
    low = heights < t
    g = coo_matrix((np.ones(low.sum()), (edges[low, 0], edges[low, 1])), shape=(n, n))
    return connected_components(g, directed=False)[1].astype(np.int64)


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
