"""Mean-centring and unit-norm scaling of spatial filters (filter level)."""

import numpy as np
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin

from .._compat import Real, check_is_fitted, validate_data, validate_params
from .._validation import Number, check_cloud
from .._docstrings import fill_doc
from ..base import CollectionTransformer


#: Shared by the functions and the estimators, so both give the same error for the same mistake.
TOLERANCE_CONSTRAINTS = {
    "rtol": [Number(Real, 0, None, closed="left")],
    "atol": [Number(Real, 0, None, closed="left")],
}


@validate_params({"X": ["array-like"], **TOLERANCE_CONSTRAINTS},
                 prefer_skip_nested_validation=True)
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


@validate_params({"X": ["array-like"], **TOLERANCE_CONSTRAINTS, "return_dead": ["boolean"]},
                 prefer_skip_nested_validation=True)
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


@fill_doc
class FilterNormalizer(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """Mean-centre and unit-normalise spatial filters (filter level, 2-D).

    Stateless row-wise transformer around :func:`normalize_filters`: one row in, one row out, dead
    (near-constant) rows become zeros and are counted in ``n_dead_`` at fit time.

    Parameters
    ----------
    %(dead_tolerances)s

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

    _parameter_constraints = TOLERANCE_CONSTRAINTS

    def __init__(self, rtol=1e-6, atol=0.0):
        self.rtol = rtol
        self.atol = atol

    def fit(self, X, y=None):
        """Validate ``X`` and record which of its rows are dead.

        Parameters
        ----------
        X : array-like of shape (n_filters, n_weights)
            Flattened spatial filters, one per row.
        y : None
            Ignored.

        Returns
        -------
        self : object
        """
        self._validate_params()
        X = validate_data(self, X, dtype=np.float64)
        self.dead_mask_ = dead_filter_mask(X, rtol=self.rtol, atol=self.atol)
        self.n_dead_ = int(self.dead_mask_.sum())
        return self

    def transform(self, X):
        """Return the mean-centred, unit-norm filters (dead rows as zeros).

        Parameters
        ----------
        X : array-like of shape (n_filters, n_weights)
            Flattened spatial filters, as many weights each as in :meth:`fit`.

        Returns
        -------
        Z : ndarray of shape (n_filters, n_weights)
            The normalised filters.
        """
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        return normalize_filters(X, rtol=self.rtol, atol=self.atol)


@fill_doc
class CloudNormalizer(CollectionTransformer):
    """Mean-centre and normalise every cloud of a collection, dropping its dead filters.

    Collection level: ``X`` is a list of raw filter clouds (or a 3-D array) and ``transform``
    returns one cloud per input cloud, each row mean-centred and scaled to unit norm
    (:func:`normalize_filters`) with the dead (near-constant) rows removed. Removing them is the
    point: a dead filter has no direction, and kept as a zero row it would sit at the centre of
    the sphere where a k-NN density estimate ranks a group of them as the densest points of the
    cloud, hiding the shape of the live filters. Stateless: ``fit`` records what was dropped.

    Parameters
    ----------
    %(dead_tolerances)s

    Attributes
    ----------
    n_features_in_ : int
        Weights per filter, when every cloud of the fitted collection has the same number.
    dead_masks_ : list of ndarray of bool
        Dead rows of each cloud seen in :meth:`fit`.
    kept_indices_ : list of ndarray of int
        Rows of each input cloud that were kept (the live filters), so a point can be traced
        back to its network.
    n_dead_ : ndarray of int, shape (n_samples,)
        Dead filters dropped from each cloud.

    See Also
    --------
    normalize_filters : The function for one cloud (keeps dead rows as zeros).
    FilterNormalizer : The filter-level transformer (rows kept, so dead rows stay as zeros).

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo.filters import CloudNormalizer
    >>> clouds = [np.array([[1., 2., 3.], [5., 5., 5.]]), np.array([[0., 1., 0.]])]
    >>> norm = CloudNormalizer()
    >>> [c.shape for c in norm.fit_transform(clouds)], norm.n_dead_.tolist()
    ([(1, 3), (1, 3)], [1, 0])
    """

    _requires_fit = False
    _parameter_constraints = TOLERANCE_CONSTRAINTS

    def __init__(self, rtol=1e-6, atol=0.0):
        self.rtol = rtol
        self.atol = atol

    def _transform_one(self, cloud, random_state):
        normalized, dead = normalize_filters(cloud, rtol=self.rtol, atol=self.atol,
                                             return_dead=True)
        alive = np.flatnonzero(~dead)
        return normalized[alive], dead

    def _remember(self, samples, results):
        self.dead_masks_ = [dead for _, dead in results]
        self.kept_indices_ = [np.flatnonzero(~dead) for dead in self.dead_masks_]
        self.n_dead_ = np.array([int(dead.sum()) for dead in self.dead_masks_], dtype=np.int64)

    def _combine(self, results):
        for i, (cloud, dead) in enumerate(results):
            if len(cloud) == 0:
                raise ValueError(
                    f"Every one of the {len(dead)} filters of cloud {i} is dead (constant); "
                    "there is no shape to analyse. Check the layer (an untrained or pruned "
                    "layer?) or loosen rtol/atol."
                )
        return [cloud for cloud, _ in results]
