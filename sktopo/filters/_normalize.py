"""Mean-centring and unit-norm scaling of spatial filters (filter level)."""

import numpy as np
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin

from .._compat import check_is_fitted, Interval, Real, validate_data
from .._validation import check_cloud


def dead_filter_mask(X, *, rtol=1e-6, atol=0.0):
    """Flag near-constant ("dead") filters.

    A row ``x`` is dead when its centred norm is tiny compared with its own size,
    ``||x - mean(x)|| <= rtol * ||x|| + atol``. An all-zero row is always dead. Such a filter has no
    direction: scaling it to unit norm would only magnify rounding noise.

    Parameters
    ----------
    X : array-like of shape (n_filters, n_weights)
        Spatial filters, one per row.
    rtol : float, default=1e-6
        Relative tolerance against the row's own Euclidean norm.
    atol : float, default=0.0
        Absolute tolerance, in the units of the weights.

    Returns
    -------
    dead : ndarray of bool, shape (n_filters,)
    """
    X = check_cloud(X)
    return _centre_and_scale(X, rtol, atol)[1]


def _centre_and_scale(X, rtol, atol):
    """Centred rows (in units of each row's peak weight), and the dead mask.

    Dividing by the peak first keeps weights near the bottom of the float range from underflowing
    when they are averaged and squared; normalisation is scale-free, so nothing else changes.
    """
    peak = np.abs(X).max(axis=1, keepdims=True)
    unit = np.divide(X, peak, out=np.zeros_like(X), where=peak > 0)
    centred = unit - unit.mean(axis=1, keepdims=True)
    centred_norm = peak[:, 0] * np.linalg.norm(centred, axis=1)
    raw_norm = peak[:, 0] * np.linalg.norm(unit, axis=1)
    return centred, centred_norm <= rtol * raw_norm + atol


def normalize_filters(X, *, rtol=1e-6, atol=0.0, return_dead=False):
    r"""Mean-centre each filter and scale it to unit Euclidean norm.

    For a filter :math:`x \in \mathbb{R}^{k_h k_w}` this returns
    :math:`(x - \bar{x}) / \lVert x - \bar{x} \rVert`, the paper's "mean-centred and normalised"
    point, which lies on the unit sphere of the hyperplane of zero-mean filters. Dead filters (see
    :func:`dead_filter_mask`) become all-zero rows instead of rounding noise or NaN; rows are
    never dropped, so the output aligns with the input.

    Parameters
    ----------
    X : array-like of shape (n_filters, n_weights)
        Spatial filters, one per row.
    rtol, atol : float
        Tolerances of :func:`dead_filter_mask`.
    return_dead : bool, default=False
        Also return the boolean mask of dead rows.

    Returns
    -------
    X_normalized : ndarray of shape (n_filters, n_weights)
    dead : ndarray of bool, shape (n_filters,)
        Only when ``return_dead=True``.

    See Also
    --------
    FilterNormalizer : The same as a scikit-learn transformer.

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo.filters import normalize_filters
    >>> Z, dead = normalize_filters([[1., 2., 3.], [5., 5., 5.]], return_dead=True)
    >>> np.round(Z, 4)
    array([[-0.7071,  0.    ,  0.7071],
           [ 0.    ,  0.    ,  0.    ]])
    >>> dead
    array([False,  True])
    """
    X = check_cloud(X)
    scaled, dead = _centre_and_scale(X, rtol, atol)
    out = np.zeros_like(scaled)
    alive = ~dead
    out[alive] = scaled[alive] / np.linalg.norm(scaled[alive], axis=1, keepdims=True)
    return (out, dead) if return_dead else out


class FilterNormalizer(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """Mean-centre and unit-normalise spatial filters (filter level, 2-D).

    Stateless row-wise transformer around :func:`normalize_filters`: one row in, one row out, dead
    (near-constant) rows become zeros and are counted in ``n_dead_`` at fit time.

    Parameters
    ----------
    rtol : float, default=1e-6
        Relative tolerance for dead filters (see :func:`dead_filter_mask`).
    atol : float, default=0.0
        Absolute tolerance for dead filters.

    Attributes
    ----------
    n_features_in_ : int
        Number of weights per filter seen in :meth:`fit`.
    dead_mask_ : ndarray of bool, shape (n_filters,)
        Dead rows of the data passed to :meth:`fit`.
    n_dead_ : int
        Number of dead rows in the data passed to :meth:`fit`.

    See Also
    --------
    normalize_filters : The function this wraps.

    Examples
    --------
    >>> from sktopo.filters import FilterNormalizer
    >>> FilterNormalizer().fit_transform([[0., 1.], [2., 2.]]).tolist()
    [[-0.7071067811865475, 0.7071067811865475], [0.0, 0.0]]
    """

    _parameter_constraints = {
        "rtol": [Interval(Real, 0, None, closed="left")],
        "atol": [Interval(Real, 0, None, closed="left")],
    }

    def __init__(self, rtol=1e-6, atol=0.0):
        self.rtol = rtol
        self.atol = atol

    def fit(self, X, y=None):
        """Validate ``X`` and record which of its rows are dead."""
        self._validate_params()
        X = validate_data(self, X, dtype=np.float64)
        self.dead_mask_ = dead_filter_mask(X, rtol=self.rtol, atol=self.atol)
        self.n_dead_ = int(self.dead_mask_.sum())
        return self

    def transform(self, X):
        """Return the mean-centred, unit-norm filters (dead rows as zeros)."""
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        return normalize_filters(X, rtol=self.rtol, atol=self.atol)
