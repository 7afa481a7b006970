"""Max-min (farthest-point) landmarks and their covering radius."""

from numbers import Integral

import numpy as np
from scipy.spatial import cKDTree
from sklearn.utils import check_random_state
from threadpoolctl import threadpool_limits

from .._compat import StrOptions, validate_params
from .._validation import Number, check_cloud, unit_scale

_STARTS = ("farthest", "random")


def _start_index(X, start, random_state):
    n = len(X)
    if isinstance(start, str):
        if start == "farthest":
            # The point farthest from the centroid: a choice that moves with the cloud under
            # permutation and rotation, so the landmark set does too (up to ties).
            return int(np.argmax(((X - X.mean(axis=0)) ** 2).sum(axis=1)))
        if start == "random":
            return int(check_random_state(random_state).randint(n))
    elif isinstance(start, Integral) and not isinstance(start, bool):
        if not 0 <= start < n:
            raise ValueError(f"start={start} is not a row index of a cloud with {n} points.")
        return int(start)
    raise ValueError(
        f"start must be 'farthest', 'random' or a row index; got {start!r}."
    )


def check_landmarks(landmarks, n_points, name="landmarks", *, distinct=True):
    """``landmarks`` as row indices of a cloud of ``n_points`` (``distinct``: no repeats).

    Floats and booleans are refused rather than cast: a cast truncates 2.7 to row 2 and reads a
    boolean mask as rows 0 and 1, a silently different landmark set.
    """
    try:
        idx = np.asarray(landmarks)
    except ValueError as exc:  # ragged nested lists
        raise TypeError(f"{name} must be a 1-D array of row indices.") from exc
    if idx.ndim != 1 or idx.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-D array of row indices; got shape "
                         f"{idx.shape}.")
    if idx.dtype.kind == "b":
        raise TypeError(f"{name} is a boolean mask; pass the row indices instead, "
                        f"np.flatnonzero({name}).")
    if idx.dtype.kind not in "iu":
        raise TypeError(f"{name} must hold integer row indices; got dtype {idx.dtype}. Use the "
                        "output of maxmin_landmarks, or convert whole numbers with .astype(int).")
    if idx.min() < 0 or idx.max() >= n_points:
        raise ValueError(f"{name} holds indices outside [0, {n_points}); negative indices are "
                         "not counted from the end here.")
    if distinct and len(np.unique(idx)) != len(idx):
        raise ValueError(f"{name} holds repeated indices; each landmark must be a distinct row.")
    return idx.astype(np.intp)


@validate_params(
    {"X": ["array-like"], "n_landmarks": [Number(Integral, 1, None, closed="left")],
     "start": [StrOptions({"farthest", "random"}), Number(Integral, 0, None, closed="left")],
     "random_state": ["random_state"], "return_covering_radius": ["boolean"]},
    prefer_skip_nested_validation=True,
)
def maxmin_landmarks(
    X, n_landmarks, *, start="farthest", random_state=None, return_covering_radius=False
):
    r"""Choose landmarks by the max-min (farthest-point) rule.

    After a first landmark :math:`l_1`, each next landmark is the point farthest from those already
    chosen: :math:`l_{i+1} = \arg\max_x \min_{j \le i} d(x, l_j)` (JavaPlex's ``MaxMinSelector``,
    ripser's ``n_perm``). The landmarks spread evenly over the cloud, outliers first. The covering
    radius :math:`\varepsilon = \max_x \min_j d(x, l_j)` is the Hausdorff distance between the
    cloud and the landmarks, the scale below which landmark barcodes cannot be trusted.

    Parameters
    ----------
    X : array-like of shape (n_points, n_features)
        The cloud.
    n_landmarks : int
        Number of landmarks, ``1 <= n_landmarks <= n_points``.
    start : {"farthest", "random"} or int, default="farthest"
        First landmark: the point farthest from the centroid (deterministic, and equivariant under
        point permutation and rotation), a random point drawn with ``random_state`` (JavaPlex's
        choice), or a given row index.
    random_state : int, RandomState instance or None, default=None
        Used only when ``start="random"``.
    return_covering_radius : bool, default=False
        Also return the covering radius.

    Returns
    -------
    landmarks : ndarray of int, shape (n_landmarks,)
        Row indices of ``X`` in the order chosen.
    covering_radius : float
        Only when ``return_covering_radius=True``.

    See Also
    --------
    covering_radius : The radius for any landmark set.

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo.homology import maxmin_landmarks
    >>> X = np.array([[0.0], [1.0], [2.0], [10.0]])
    >>> maxmin_landmarks(X, 2, return_covering_radius=True)
    (array([3, 0]), 2.0)
    """
    # The choice is scale-free; on the scaled cloud squared distances stay finite and nonzero.
    X, factor = unit_scale(check_cloud(X))
    n = len(X)
    if n_landmarks > n:
        raise ValueError(
            f"n_landmarks must be an integer in [1, {n}] for a cloud of {n} points; got "
            f"{n_landmarks!r}. Use fewer landmarks, pool more filters, or the exact backend."
        )
    first = _start_index(X, start, random_state)
    # Squared distances through |x|^2 - 2 x.l + |l|^2: one matrix-vector product per landmark.
    # A single BLAS thread: a threaded product with 9 columns is slower than the loop around it.
    sq_norms = np.einsum("ij,ij->i", X, X)
    landmarks = np.empty(n_landmarks, dtype=np.intp)
    landmarks[0] = first
    nearest = np.full(n, np.inf)
    buf = np.empty(n)
    with threadpool_limits(limits=1, user_api="blas"):
        for i in range(n_landmarks):
            if i:
                landmarks[i] = np.argmax(nearest)
            x = X[landmarks[i]]
            np.dot(X, x, out=buf)
            buf *= -2.0
            buf += sq_norms
            buf += x @ x
            np.minimum(nearest, buf, out=nearest)
            # -inf survives every later minimum, so a landmark is never picked twice (a duplicate
            # of it, at distance 0, still can be).
            nearest[landmarks[i]] = -np.inf
    if not return_covering_radius:
        return landmarks
    return landmarks, float(np.sqrt(max(nearest.max(), 0.0))) * factor


@validate_params({"X": ["array-like"], "landmarks": ["array-like"]},
                 prefer_skip_nested_validation=True)
def covering_radius(X, landmarks):
    """Largest distance from a point of ``X`` to its nearest landmark (Hausdorff distance).

    Parameters
    ----------
    X : array-like of shape (n_points, n_features)
        The cloud.
    landmarks : array-like of int
        Row indices of the landmarks.

    Returns
    -------
    radius : float

    Examples
    --------
    >>> from sktopo.homology import covering_radius
    >>> covering_radius([[0.0], [1.0], [4.0]], [0, 2])
    1.0
    """
    X = check_cloud(X)
    idx = check_landmarks(landmarks, len(X), distinct=False)  # a repeat cannot change it
    return float(cKDTree(X[idx]).query(X, k=1)[0].max())
