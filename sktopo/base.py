"""The base of collection-level estimators: one sample is one point cloud (or its diagram/graph).

A collection-level step receives a *collection* (a list of 2-D clouds or a 3-D array; for later
steps, padded diagrams or a list of graphs) and returns one output per sample, in order. The base
does the shared work once, so every subclass writes only the per-sample maths:

* ``fit`` / ``fit_transform`` / ``transform`` validate the parameters (honouring scikit-learn's
  ``skip_parameter_validation`` config) and the input (``_validate_collection``), then hand off;
* each sample gets its own seed drawn from ``random_state`` before any work starts, so results
  do not depend on ``n_jobs`` or on the joblib backend;
* samples are processed through :class:`joblib.Parallel` (so a Dask backend really receives the
  work), with a progress bar when ``verbose > 0``;
* tags say the input is not a 2-D array; ``set_output`` is accepted (a list of clouds stays a
  list, a feature matrix follows the setting) and ``get_feature_names_out`` passes names through.

A subclass implements ``_transform_one(sample, random_state)`` and, when it learns per-sample
attributes, ``_remember(results)``; ``_combine(results)`` turns the per-sample results into the
output (a list by default).
"""

import numpy as np
from joblib import Parallel, delayed
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils import check_random_state

from ._compat import check_is_fitted, fit_context, get_config
from ._progress import progress
from ._validation import check_collection, collection_tags

_SEED_BOUND = np.iinfo(np.int32).max


class CollectionTransformer(TransformerMixin, BaseEstimator, auto_wrap_output_keys=None):
    """Base class of transformers whose samples are clouds (collection level).

    Subclasses set ``_requires_fit`` (False for stateless steps: ``transform`` works on an
    unfitted estimator, as for :class:`~sktopo.filters.DensityFiltration`) and implement
    :meth:`_transform_one`. Feature steps, whose output is a 2-D matrix, declare
    ``auto_wrap_output_keys=("transform",)`` in their class statement so that
    ``set_output(transform="pandas")`` gives a DataFrame.
    """

    _requires_fit = True

    def __init_subclass__(cls, auto_wrap_output_keys=None, **kwargs):
        # scikit-learn wraps only the methods a class defines itself; a feature step inherits
        # fit_transform from here, so give it its own copy to be wrapped for pandas output.
        if auto_wrap_output_keys and "fit_transform" not in cls.__dict__:
            cls.fit_transform = CollectionTransformer.__dict__["fit_transform"]
        super().__init_subclass__(auto_wrap_output_keys=auto_wrap_output_keys, **kwargs)

    # ------------------------------------------------------------------ public API
    @fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Fit on the collection ``X`` (one sample per cloud).

        Parameters
        ----------
        X : list of array-like of shape (n_points_i, n_features) or ndarray of shape \
                (n_samples, n_points, n_features)
            The collection.
        y : None
            Ignored.

        Returns
        -------
        self : object
        """
        self._fit_transform(X)
        return self

    @fit_context(prefer_skip_nested_validation=True)
    def fit_transform(self, X, y=None):
        """Fit on ``X`` and return its transform, computing every sample once.

        Parameters
        ----------
        X : collection
            As in :meth:`fit`.
        y : None
            Ignored.

        Returns
        -------
        Xt : list or ndarray
            One output per sample of ``X``.
        """
        return self._fit_transform(X)

    def transform(self, X):
        """Transform every sample of the collection ``X``.

        Parameters
        ----------
        X : collection
            As in :meth:`fit`.

        Returns
        -------
        Xt : list or ndarray
            One output per sample of ``X``, in order.
        """
        return self._transform(X)

    def set_output(self, *, transform=None):
        """Accept the output container chosen by a Pipeline.

        A collection of clouds, diagrams or graphs has no DataFrame form, so such steps keep
        their output as it is; steps that return a feature matrix honour ``transform``.

        Parameters
        ----------
        transform : {"default", "pandas", "polars"} or None, default=None
            Container of feature-matrix outputs.

        Returns
        -------
        self : object
        """
        if self._sklearn_auto_wrap_output_keys:
            return super().set_output(transform=transform)
        return self

    def get_feature_names_out(self, input_features=None):
        """Names passed through unchanged (a cloud step keeps the meaning of its columns).

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Column names of the points; ``None`` gives ``x0, x1, ...`` when the point
            dimension is known.

        Returns
        -------
        feature_names_out : ndarray of str
        """
        if input_features is not None:
            return np.asarray(input_features, dtype=object)
        n = getattr(self, "n_features_in_", None)
        if n is None:
            raise ValueError(
                f"{type(self).__name__} has not seen a collection yet; fit it first or pass "
                "input_features."
            )
        return np.asarray([f"x{i}" for i in range(n)], dtype=object)

    def __sklearn_tags__(self):
        return collection_tags(super().__sklearn_tags__(), requires_fit=self._requires_fit)

    # ------------------------------------------------------------------ hooks
    def _validate_collection(self, X):
        """Return the samples of ``X`` as a list (clouds by default)."""
        return check_collection(X, same_dim=False)

    def _transform_one(self, sample, random_state):
        """The work on one sample; ``random_state`` is that sample's own seed."""
        raise NotImplementedError

    def _remember(self, samples, results):
        """Store what ``fit`` learned per sample (nothing by default)."""

    def _combine(self, results):
        """Turn the list of per-sample results into the output (a list by default)."""
        return list(results)

    # ------------------------------------------------------------------ shared machinery
    def _fit_transform(self, X, **sample_params):
        samples = self._validate_collection(X, **sample_params)
        dims = {np.shape(s)[1] for s in samples if isinstance(s, np.ndarray) and np.ndim(s) == 2}
        if len(dims) == 1:
            self.n_features_in_ = dims.pop()
        results = self._map(samples)
        self._remember(samples, results)
        return self._combine(results)

    def _transform(self, X, **sample_params):
        if self._requires_fit:
            check_is_fitted(self)
        elif not get_config()["skip_parameter_validation"]:
            self._validate_params()
        samples = self._validate_collection(X, **sample_params)
        return self._combine(self._map(samples))

    def _sample_seeds(self, n_samples):
        """One seed per sample, all drawn up front, so ``n_jobs`` never changes a result."""
        if "random_state" not in self.get_params(deep=False):
            return [None] * n_samples
        rng = check_random_state(self.random_state)
        return [int(s) for s in rng.randint(_SEED_BOUND, size=n_samples)]

    def _map(self, samples):
        """``_transform_one`` on every sample through joblib, with a progress bar."""
        seeds = self._sample_seeds(len(samples))
        n_jobs = getattr(self, "n_jobs", None)
        verbose = getattr(self, "verbose", 0)
        # One sample may use the n_jobs threads itself (e.g. a k-d tree query); several samples
        # are spread over joblib workers instead, each single-threaded.
        self._inner_n_jobs = n_jobs if len(samples) == 1 else None
        jobs = (delayed(self._transform_one)(s, seed) for s, seed in zip(samples, seeds))
        results = Parallel(n_jobs=1 if len(samples) == 1 else n_jobs,
                           return_as="generator")(jobs)
        return list(progress(results, verbose=verbose, desc=type(self).__name__,
                             total=len(samples)))
