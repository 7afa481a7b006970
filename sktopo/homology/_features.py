"""Feature vectors and distances from padded persistence diagrams."""

from numbers import Integral

import numpy as np

from .._compat import Real, StrOptions, check_is_fitted, validate_params
from .._validation import Number, check_bars, check_padded
from ..base import CollectionTransformer

FEATURES = (
    "max_lifetime",
    "top_lifetimes",
    "n_longer",
    "n_above_gap",
    "total_persistence",
    "entropy",
    "betti",
)


def _lifetimes(diagrams, q, infinity):
    """Lifetimes of dimension ``q`` per sample, sorted decreasingly, zero-padded: (n, n_pairs_q)."""
    rows = diagrams[:, diagrams[0, :, 2] == q, :] if len(diagrams) else diagrams
    birth, death = rows[..., 0], rows[..., 1]
    if infinity is None:
        death = np.where(np.isinf(death), birth, death)  # infinite bars excluded: zero lifetime
    else:
        death = np.where(np.isinf(death), np.maximum(infinity, birth), death)
    life = death - birth
    return -np.sort(-life, axis=1)


def _check_same_layout(diagrams):
    # Padded arrays keep one dimension per column position across samples.
    if len(diagrams) > 1 and (diagrams[:, :, 2] != diagrams[:1, :, 2]).any():
        raise ValueError(
            "The dimension column differs between samples; padded diagrams must be grouped by "
            "dimension in the same row positions for every sample (use pad_diagrams)."
        )


#: Shared by :func:`diagram_features` and :class:`DiagramFeatures`.
FEATURE_CONSTRAINTS = {
    "homology_dimensions": ["array-like", None],
    "features": ["array-like", StrOptions(set(FEATURES))],
    "top_k": [Number(Integral, 1, None, closed="left")],
    "min_lifetime": [Number(Real, 0, None, closed="left")],
    "betti_scales": ["array-like"],
    "infinity": [Number(Real, None, None, closed="neither"), None],
}


@validate_params(
    {"diagrams": ["array-like"], **FEATURE_CONSTRAINTS, "return_names": ["boolean"]},
    prefer_skip_nested_validation=True,
)
def diagram_features(
    diagrams,
    *,
    homology_dimensions=None,
    features=FEATURES,
    top_k=3,
    min_lifetime=0.0,
    betti_scales=(),
    infinity=None,
    return_names=False,
):
    r"""Summary features of padded persistence diagrams, one row per diagram.

    With lifetimes :math:`\ell_1 \ge \ell_2 \ge \dots` of the bars of dimension :math:`q`:

    * ``max_lifetime_h{q}``: :math:`\ell_1` (0 without bars). ``max_lifetime_h1`` is the paper's
      measure of topological simplicity.
    * ``lifetime_{i}_h{q}``, ``i = 1..top_k``: :math:`\ell_i` (0 when fewer bars).
    * ``n_longer_h{q}``: bars with :math:`\ell > \text{min\_lifetime}` (every bar of positive
      length by default). A count above a fixed lifetime is not a significance test: lifetimes
      shrink as points are added, so use :mod:`sktopo.significance` to decide what is real.
    * ``n_above_gap_h{q}``: bars above the largest gap :math:`\ell_i - \ell_{i+1}` (with
      :math:`\ell_{n+1} = 0`): the number of bars that stand out from the rest. It is at least 1
      whenever there is a bar, even in pure noise; use it together with the lifetimes.
    * ``total_persistence_h{q}``: :math:`\sum_i \ell_i`.
    * ``entropy_h{q}``: persistence entropy :math:`-\sum_i p_i \log p_i`,
      :math:`p_i = \ell_i / \sum_j \ell_j` (0 without bars).
    * ``betti_h{q}_at_{t}``: bars alive at scale :math:`t`, i.e. ``birth <= t < death`` (infinite
      bars count, whatever ``infinity`` says).

    Infinite bars (the H0 bar of the whole cloud, or bars cut by a finite threshold) are excluded
    from every lifetime feature when ``infinity=None`` (the default: they carry no scale), or
    counted with their death replaced by ``infinity``.

    Parameters
    ----------
    diagrams : array-like of shape (n_samples, n_pairs, 3)
        Padded diagrams, e.g. ``Persistence().fit_transform(X)``.
    homology_dimensions : sequence of int, default=None
        Dimensions to describe; ``None`` means every dimension present.
    features : sequence of str, default=all
        Feature groups among ``"max_lifetime"``, ``"top_lifetimes"``, ``"n_longer"``,
        ``"n_above_gap"``, ``"total_persistence"``, ``"entropy"``, ``"betti"``, in output order.
    top_k : int, default=3
        Lifetimes reported by ``"top_lifetimes"``.
    min_lifetime : float, default=0.0
        Threshold of ``"n_longer"``, in filtration units.
    betti_scales : sequence of float, default=()
        Scales of the ``"betti"`` group (no columns when empty).
    infinity : float or None, default=None
        ``None`` excludes infinite bars from lifetime features; a number is used as their death.
    return_names : bool, default=False
        Also return the feature names.

    Returns
    -------
    F : ndarray of shape (n_samples, n_features)
    names : ndarray of str
        Only when ``return_names=True``.

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo.homology import diagram_features
    >>> D = np.array([[[0, np.inf, 0], [0, 0.3, 0], [0.2, 1.0, 1], [0.3, 0.35, 1]]])
    >>> F, names = diagram_features(D, features=["max_lifetime", "n_longer"],
    ...                             return_names=True)
    >>> list(names)
    ['max_lifetime_h0', 'max_lifetime_h1', 'n_longer_h0', 'n_longer_h1']
    >>> F.round(2).tolist()
    [[0.3, 0.8, 1.0, 2.0]]
    """
    X = check_padded(diagrams, "diagrams")
    _check_same_layout(X)
    if isinstance(features, str):
        features = [features]
    present = sorted({int(q) for q in np.unique(X[0, :, 2])})
    dims = present if homology_dimensions is None else [int(q) for q in homology_dimensions]
    missing = sorted(set(dims) - set(present))
    if missing:
        raise ValueError(
            f"homology_dimensions {missing} are not in the diagrams (present: {present}); "
            "compute them with a larger maxdim or drop them."
        )
    unknown = [f for f in features if f not in FEATURES]
    if unknown or len(features) == 0:
        raise ValueError(
            f"features must be a non-empty subset of {FEATURES}; got {list(features)}."
        )
    if not isinstance(top_k, Integral) or top_k < 1:
        raise ValueError(f"top_k must be a positive integer; got {top_k!r}.")
    if infinity is not None and not (isinstance(infinity, Real) and np.isfinite(infinity)):
        raise ValueError(f"infinity must be None or a finite number; got {infinity!r}.")

    lifetimes = {q: _lifetimes(X, q, infinity) for q in dims}
    cols, names = [], []
    for group in features:
        for q in dims:
            life = lifetimes[q]
            if group == "max_lifetime":
                cols.append(life[:, 0] if life.shape[1] else np.zeros(len(X)))
                names.append(f"max_lifetime_h{q}")
            elif group == "top_lifetimes":
                padded = np.zeros((len(X), top_k))
                k = min(top_k, life.shape[1])
                padded[:, :k] = life[:, :k]
                for i in range(top_k):
                    cols.append(padded[:, i])
                    names.append(f"lifetime_{i + 1}_h{q}")
            elif group == "n_longer":
                cols.append((life > min_lifetime).sum(axis=1).astype(float))
                names.append(f"n_longer_h{q}")
            elif group == "n_above_gap":
                count = np.zeros(len(X))
                if life.shape[1]:
                    ext = np.concatenate([life, np.zeros((len(X), 1))], axis=1)
                    gaps = ext[:, :-1] - ext[:, 1:]
                    count = np.where(life[:, 0] > 0, gaps.argmax(axis=1) + 1, 0).astype(float)
                cols.append(count)
                names.append(f"n_above_gap_h{q}")
            elif group == "total_persistence":
                cols.append(life.sum(axis=1))
                names.append(f"total_persistence_h{q}")
            elif group == "entropy":
                total = life.sum(axis=1, keepdims=True)
                p = np.divide(life, total, out=np.zeros_like(life), where=total > 0)
                logp = np.log(p, out=np.zeros_like(p), where=p > 0)
                cols.append(-(p * logp).sum(axis=1))
                names.append(f"entropy_h{q}")
            elif group == "betti":
                rows = X[:, X[0, :, 2] == q, :]
                for t in betti_scales:
                    alive = (rows[..., 0] <= t) & (t < rows[..., 1]) & (rows[..., 1] > rows[..., 0])
                    cols.append(alive.sum(axis=1).astype(float))
                    names.append(f"betti_h{q}_at_{t:g}")
    F = np.column_stack(cols) if cols else np.zeros((len(X), 0))
    names = np.asarray(names, dtype=object)
    return (F, names) if return_names else F


class DiagramFeatures(CollectionTransformer, auto_wrap_output_keys=("transform",)):
    """Feature vectors from padded persistence diagrams (collection level).

    Input: the padded diagrams of :class:`Persistence`, shape ``(n_samples, n_pairs, 3)``;
    output: a 2-D array with one row per diagram, so a Pipeline can regress, e.g., test accuracy
    on ``max_lifetime_h1``. The features are described in :func:`diagram_features`;
    :meth:`get_feature_names_out` names them, so ``set_output(transform="pandas")`` works.

    Parameters
    ----------
    homology_dimensions : sequence of int, default=None
        Dimensions to describe; ``None`` means every dimension seen in :meth:`fit`.
    features : sequence of str, default=all groups
        Feature groups, see :func:`diagram_features`.
    top_k : int, default=3
        Lifetimes of the ``"top_lifetimes"`` group.
    min_lifetime : float, default=0.0
        Threshold of the ``"n_longer"`` group.
    betti_scales : sequence of float, default=()
        Scales of the ``"betti"`` group.
    infinity : float or None, default=None
        ``None`` excludes infinite bars from the lifetime features; a number replaces their death.

    Attributes
    ----------
    homology_dimensions_ : list of int
        Dimensions described.
    feature_names_out_ : ndarray of str
        Output column names, e.g. ``max_lifetime_h1``.

    See Also
    --------
    diagram_features : The function this wraps.
    Persistence : Produces the input.

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo.homology import DiagramFeatures
    >>> D = np.array([[[0, np.inf, 0], [0.2, 1.0, 1]], [[0, np.inf, 0], [0.0, 0.0, 1]]])
    >>> DiagramFeatures(features=["max_lifetime"]).fit_transform(D).tolist()
    [[0.0, 0.8], [0.0, 0.0]]
    """

    _parameter_constraints = FEATURE_CONSTRAINTS

    def __init__(
        self,
        homology_dimensions=None,
        features=FEATURES,
        top_k=3,
        min_lifetime=0.0,
        betti_scales=(),
        infinity=None,
    ):
        self.homology_dimensions = homology_dimensions
        self.features = features
        self.top_k = top_k
        self.min_lifetime = min_lifetime
        self.betti_scales = betti_scales
        self.infinity = infinity

    def _kwargs(self):
        return dict(
            homology_dimensions=self.homology_dimensions_, features=list(self.features),
            top_k=self.top_k, min_lifetime=self.min_lifetime,
            betti_scales=list(self.betti_scales), infinity=self.infinity,
        )

    def _validate_collection(self, X):
        X = check_padded(X, "X")
        _check_same_layout(X)
        return X

    def _fit_transform(self, X):
        X = self._validate_collection(X)
        if self.homology_dimensions is None:
            self.homology_dimensions_ = sorted({int(q) for q in np.unique(X[0, :, 2])})
        else:
            self.homology_dimensions_ = [int(q) for q in self.homology_dimensions]
        F, self.feature_names_out_ = diagram_features(X, return_names=True, **self._kwargs())
        return F

    def transform(self, X):
        """Return the ``(n_samples, n_features)`` feature matrix.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_pairs, 3)
            Padded diagrams.

        Returns
        -------
        F : ndarray of shape (n_samples, n_features)
        """
        check_is_fitted(self)
        return diagram_features(self._validate_collection(X), **self._kwargs())

    def get_feature_names_out(self, input_features=None):
        """Names such as ``max_lifetime_h1``, ``lifetime_2_h1``, ``entropy_h0``.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Ignored.

        Returns
        -------
        feature_names_out : ndarray of str
            One name per output column, a copy of ``feature_names_out_``.
        """
        check_is_fitted(self)
        return self.feature_names_out_.copy()


@validate_params(
    {"dgm1": ["array-like"], "dgm2": ["array-like"],
     "metric": [StrOptions({"bottleneck", "wasserstein"})],
     "homology_dimension": [Number(Integral, 0, None, closed="left")],
     "order": [Number(Real, 0, None, closed="neither")]},
    prefer_skip_nested_validation=True,
)
def diagram_distance(dgm1, dgm2, *, metric="bottleneck", homology_dimension=1, order=1.0):
    """Bottleneck or Wasserstein distance between two diagrams (persim), finite bars only.

    Parameters
    ----------
    dgm1, dgm2 : array-like of shape (n_pairs, 2) or (n_pairs, 3)
        Either the ``(birth, death)`` pairs of one dimension (ripser style) or one padded diagram
        ``[birth, death, dim]``, from which ``homology_dimension`` is taken.
    metric : {"bottleneck", "wasserstein"}, default="bottleneck"
        Distance (persim's definitions, with the sup norm between points).
    homology_dimension : int, default=1
        Used for padded input.
    order : float, default=1.0
        Order ``p`` of the Wasserstein distance (persim computes ``p = 1``; other orders raise).

    Returns
    -------
    distance : float

    Notes
    -----
    Infinite bars are dropped: persim matches only finite points, and the essential H0 bar of two
    connected clouds would match at distance 0 anyway.

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo.homology import diagram_distance
    >>> diagram_distance([[0.0, 1.0]], [[0.0, 0.75]])
    0.25
    """
    from persim import bottleneck, wasserstein

    if metric == "wasserstein" and order != 1.0:
        raise ValueError("persim's wasserstein computes order 1 only; pass order=1.0.")

    def one(d, name):
        arr = np.asarray(d, dtype=np.float64)
        if arr.size == 0:
            return np.empty((0, 2))
        if arr.ndim != 2 or arr.shape[1] not in (2, 3):
            raise ValueError(
                f"{name} must have shape (n_pairs, 2) or (n_pairs, 3); got {arr.shape}."
            )
        check_bars(arr, name)
        if arr.shape[1] == 3:
            arr = arr[arr[:, 2] == homology_dimension, :2]
        arr = arr[np.isfinite(arr[:, 1]) & (arr[:, 1] > arr[:, 0])]
        return arr

    a, b = one(dgm1, "dgm1"), one(dgm2, "dgm2")
    if len(a) == 0 and len(b) == 0:
        return 0.0
    # persim wants both diagrams non-empty; a diagonal point costs nothing.
    a = a if len(a) else np.zeros((1, 2))
    b = b if len(b) else np.zeros((1, 2))
    fn = bottleneck if metric == "bottleneck" else wasserstein
    return float(fn(a, b))


@validate_params(
    {"diagrams": ["array-like"], "metric": [StrOptions({"bottleneck", "wasserstein"})],
     "homology_dimension": [Number(Integral, 0, None, closed="left")]},
    prefer_skip_nested_validation=True,
)
def pairwise_diagram_distances(diagrams, *, metric="bottleneck", homology_dimension=1):
    """Matrix of :func:`diagram_distance` between all padded diagrams of a collection.

    Parameters
    ----------
    diagrams : array-like of shape (n_samples, n_pairs, 3)
        Padded diagrams.
    metric : {"bottleneck", "wasserstein"}, default="bottleneck"
        Distance.
    homology_dimension : int, default=1
        Dimension compared.

    Returns
    -------
    D : ndarray of shape (n_samples, n_samples)
        Symmetric with zero diagonal; usable with ``metric="precomputed"`` estimators.
    """
    X = check_padded(diagrams, "diagrams")
    n = len(X)
    D = np.zeros((n, n))
    for i in range(n):
        for j in range(i + 1, n):
            D[i, j] = D[j, i] = diagram_distance(
                X[i], X[j], metric=metric, homology_dimension=homology_dimension
            )
    return D
