"""Subsets and label noise for training sets: stratified subsamples and corrupted labels."""

import numpy as np


def stratified_subsample(images, target, n, rng):
    """``n`` images (all when None or too many), stratified by ``target``.

    Parameters
    ----------
    images : ndarray
        Images (or any samples), one per label.
    target : ndarray
        Their class labels.
    n : int or None
        Images to keep.
    rng : int, RandomState instance or None
        Seed of the draw.

    Returns
    -------
    images : ndarray
        The kept images.
    target : ndarray
        Their labels.
    """
    if n is None or n >= len(images):
        return images, target
    # Stratified, so a small sample keeps every class in proportion.
    from sklearn.model_selection import train_test_split

    idx, _ = train_test_split(np.arange(len(images)), train_size=n, stratify=target,
                              random_state=rng)
    return images[idx], target[idx]


def noisy_labels(y, fraction, *, n_classes=10, random_state=0):
    """``y`` with ``round(fraction * len(y))`` labels replaced by a different class.

    The same seed picks the same images at every fraction, so a higher noise level corrupts a
    superset of the labels of a lower one.

    Parameters
    ----------
    y : array-like of int
        Labels ``0 .. n_classes - 1``.
    fraction : float
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
    rng = np.random.default_rng(random_state)
    order, shift = rng.permutation(len(y)), rng.integers(1, n_classes, len(y))
    flip = order[:int(round(fraction * len(y)))]
    noisy = y.copy()
    noisy[flip] = (y[flip] + shift[flip]) % n_classes
    return noisy
