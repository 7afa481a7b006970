"""Subsets and label noise for training sets: stratified subsamples and corrupted labels."""

import numpy as np

from .._compat import Integral, Real, validate_params
from .._validation import Number


@validate_params(
    {"X": ["array-like"], "y": ["array-like"],
     "n_samples": [Number(Integral, 1, None, closed="left"), None],
     "random_state": ["random_state"]},
    prefer_skip_nested_validation=True,
)
def stratified_subsample(X, y, n_samples, *, random_state=None):
    """Keep ``n_samples`` samples of ``X`` and their labels, drawn stratified by class.

    Every class keeps its share of the samples (scikit-learn's ``train_test_split`` with
    ``stratify=y``), so a small draw from a data set sorted by class still holds every class
    in proportion. :func:`load_train_test` draws its ``n_train`` and ``n_test`` images so.

    Parameters
    ----------
    X : array-like of shape (n, ...)
        Samples: images, rows, anything indexed along its first axis.
    y : array-like of shape (n,)
        Their class labels.
    n_samples : int or None
        Samples to keep. ``None``, or ``len(X)`` and more, keeps them all, in order.
    random_state : int, RandomState instance or None, default=None
        Seed of the draw. A RandomState instance is advanced, so two draws from one differ.

    Returns
    -------
    X_kept : ndarray of shape (n_samples, ...)
        The samples drawn.
    y_kept : ndarray of shape (n_samples,)
        Their labels.

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo.datasets import stratified_subsample
    >>> X, y = np.arange(100).reshape(50, 2), np.repeat([0, 1], [40, 10])
    >>> X_kept, y_kept = stratified_subsample(X, y, 10, random_state=0)
    >>> X_kept.shape, np.bincount(y_kept)
    ((10, 2), array([8, 2]))
    """
    X, y = np.asarray(X), np.asarray(y)
    if X.ndim == 0 or y.ndim != 1 or len(X) != len(y):
        raise ValueError(f"X must hold one sample per label of the 1-D y; got X of shape "
                         f"{X.shape} and y of shape {y.shape}.")
    if n_samples is None or n_samples >= len(X):
        return X, y
    from sklearn.model_selection import train_test_split

    idx, _ = train_test_split(np.arange(len(X)), train_size=n_samples, stratify=y,
                              random_state=random_state)
    return X[idx], y[idx]


@validate_params(
    {"y": ["array-like"], "fraction": [Number(Real, 0, 1, closed="both")],
     "n_classes": [Number(Integral, 2, None, closed="left")],
     "random_state": [Number(Integral, 0, None, closed="left"), None]},
    prefer_skip_nested_validation=True,
)
def noisy_labels(y, fraction, *, n_classes=10, random_state=0):
    """``y`` with ``round(fraction * len(y))`` labels replaced by a different class.

    Label noise, one of the axes of the generalisation zoo: a network that fits noisy labels
    memorises rather than generalises. Each changed label moves to one of the other
    ``n_classes - 1`` classes, drawn uniformly.

    The same seed picks the same images at every fraction, so a higher noise level corrupts a
    superset of the labels of a lower one.

    Parameters
    ----------
    y : array-like of int
        Labels ``0 .. n_classes - 1``.
    fraction : float in [0, 1]
        Share of the labels to replace.
    n_classes : int, default=10
        Number of classes.
    random_state : int or None, default=0
        Seed of which labels change and to what.

    Returns
    -------
    noisy : ndarray
        A copy of ``y`` with the labels replaced.

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo.datasets import noisy_labels
    >>> y = np.arange(10) % 10
    >>> int((noisy_labels(y, 0.3, random_state=0) != y).sum())
    3
    """
    y = np.asarray(y)
    if y.ndim != 1 or y.dtype.kind not in "iu":
        raise TypeError(f"y must be a 1-D array of integer class labels; got dtype {y.dtype} "
                        f"and shape {y.shape}.")
    if y.size and (y.min() < 0 or y.max() >= n_classes):
        raise ValueError(f"y must hold labels 0..{n_classes - 1} (n_classes={n_classes}); got "
                         f"labels {y.min()}..{y.max()}.")
    rng = np.random.default_rng(random_state)
    order, shift = rng.permutation(len(y)), rng.integers(1, n_classes, len(y))
    flip = order[:int(round(fraction * len(y)))]
    noisy = y.copy()
    noisy[flip] = (y[flip] + shift[flip]) % n_classes
    return noisy
