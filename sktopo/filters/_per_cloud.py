"""Lift a filter-level (2-D) transformer to the collection level."""

from sklearn.base import BaseEstimator, TransformerMixin, clone

from .._validation import check_collection, collection_tags


class PerCloud(TransformerMixin, BaseEstimator):
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

    def __init__(self, transformer):
        self.transformer = transformer

    def fit(self, X, y=None):
        """Fit one clone of ``transformer`` per cloud."""
        self.fit_transform(X)
        return self

    def fit_transform(self, X, y=None):
        """Fit a clone per cloud and return the transformed clouds."""
        clouds = check_collection(X, same_dim=False)
        self.transformers_ = [clone(self.transformer) for _ in clouds]
        return [t.fit_transform(c) for t, c in zip(self.transformers_, clouds)]

    def transform(self, X):
        """Transform each cloud with a fresh clone fitted on that cloud.

        Every cloud is its own sample, so nothing learned on the training clouds applies to new
        ones; refitting per cloud is the point.
        """
        clouds = check_collection(X, same_dim=False)
        return [clone(self.transformer).fit_transform(c) for c in clouds]

    def __sklearn_tags__(self):
        return collection_tags(super().__sklearn_tags__(), requires_fit=False)
