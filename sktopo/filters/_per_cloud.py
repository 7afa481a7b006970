"""Lift a filter-level (2-D) transformer to the collection level."""

from sklearn.base import clone

from .._compat import HasMethods, fit_context
from ..base import CollectionTransformer


class PerCloud(CollectionTransformer):
    """Apply a 2-D transformer to every cloud of a collection (collection level).

    A clone of ``transformer`` is fitted on each cloud and transforms it, so row-wise steps such
    as :class:`FilterNormalizer` sit in the same Pipeline as collection-level steps like
    :class:`DensityFiltration`. Nested parameters are tunable: ``per_cloud__transformer__rtol``.

    Parameters
    ----------
    transformer : estimator
        A scikit-learn transformer working on one 2-D cloud.

    Attributes
    ----------
    transformers_ : list of estimator
        The clone fitted on each cloud by :meth:`fit`.

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo.filters import FilterNormalizer, PerCloud
    >>> clouds = [np.arange(18.).reshape(2, 9), np.ones((3, 9))]
    >>> [c.shape for c in PerCloud(FilterNormalizer()).fit_transform(clouds)]
    [(2, 9), (3, 9)]
    """

    _requires_fit = False
    _parameter_constraints = {"transformer": [HasMethods(["fit_transform"])]}

    def __init__(self, transformer):
        self.transformer = transformer

    # The wrapped transformer is the user's object: its parameters are validated when it fits.
    @fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y=None):
        """Fit a clone of ``transformer`` on every cloud of ``X``.

        Parameters
        ----------
        X : list of array-like of shape (n_points_i, n_features) or ndarray of shape \
                (n_samples, n_points, n_features)
            The collection, one cloud per sample.
        y : None
            Ignored.

        Returns
        -------
        self : object
        """
        self._fit_transform(X)
        return self

    @fit_context(prefer_skip_nested_validation=False)
    def fit_transform(self, X, y=None):
        """Fit a clone per cloud and return the transformed clouds.

        Parameters
        ----------
        X : collection
            As in :meth:`fit`.
        y : None
            Ignored.

        Returns
        -------
        Xt : list
            The output of each clone's ``fit_transform`` on its cloud, in order.
        """
        return self._fit_transform(X)

    def _transform_one(self, cloud, random_state):
        # Every cloud is its own sample, so nothing learned on one cloud applies to another:
        # a fresh clone is fitted on each, in transform as in fit.
        fitted = clone(self.transformer)
        return fitted, fitted.fit_transform(cloud)

    def _remember(self, samples, results):
        self.transformers_ = [fitted for fitted, _ in results]

    def _combine(self, results):
        return [out for _, out in results]
