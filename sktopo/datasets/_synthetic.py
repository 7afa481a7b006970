"""Noisy synthetic filter clouds with known topology, for tests, docs and benchmarks."""

import numpy as np
from sklearn.utils import check_random_state

from .._compat import Real, StrOptions, validate_params
from .._validation import COUNT, KERNEL_SIDE, RANDOM_STATE, Number
from ..filters import edge_filter, klein_bottle_filter, normalize_filters

_KINDS = {"primary_circle", "klein_bottle", "three_circle", "gaussian"}


@validate_params(
    {"kind": [StrOptions(_KINDS)], "n": COUNT, "noise": [Number(Real, 0, None, closed="left")],
     "size": KERNEL_SIDE, "random_state": RANDOM_STATE},
    prefer_skip_nested_validation=True,
)
def make_filter_cloud(kind="primary_circle", n=1000, *, noise=0.05, size=3, random_state=None):
    """Sample a noisy cloud of normalised ``size x size`` filters with a known shape.

    Parameters
    ----------
    kind : {"primary_circle", "klein_bottle", "three_circle", "gaussian"}, default="primary_circle"
        ``"primary_circle"``: random rotating edges (one loop). ``"klein_bottle"``: uniform random
        angles on the Klein bottle (two H1 classes over Z/2, one over Z/3). ``"three_circle"``:
        the primary circle plus both secondary circles, a third of the points each.
        ``"gaussian"``: i.i.d. normal weights (no shape).
    n : int, default=1000
        Number of filters.
    noise : float, default=0.05
        Standard deviation of Gaussian noise added to the unit-norm filters before they are
        normalised again.
    size : int, default=3
        Kernel side.
    random_state : int, RandomState instance or None, default=None
        Seed.

    Returns
    -------
    X : ndarray of shape (n, size * size)
        Mean-centred, unit-norm filters.

    Examples
    --------
    >>> from sktopo.datasets import make_filter_cloud
    >>> make_filter_cloud("klein_bottle", 5, random_state=0).shape
    (5, 9)
    """
    rng = check_random_state(random_state)
    two_pi = 2 * np.pi
    if kind == "primary_circle":
        clean = edge_filter(rng.uniform(0, two_pi, n), size=size)
    elif kind == "klein_bottle":
        clean = klein_bottle_filter(rng.uniform(0, two_pi, n), rng.uniform(0, two_pi, n), size=size)
    elif kind == "three_circle":
        which = rng.randint(0, 3, n)
        theta = np.where(which == 0, rng.uniform(0, two_pi, n), np.where(which == 1, 0.0, np.pi / 2))
        phi = np.where(which == 0, np.pi / 2, rng.uniform(0, two_pi, n))
        clean = klein_bottle_filter(theta, phi, size=size)
    else:  # "gaussian"
        clean = normalize_filters(rng.standard_normal((n, size * size)))
    return normalize_filters(clean + noise * rng.standard_normal(clean.shape))


@validate_params({"kinds": [list, tuple], "random_state": RANDOM_STATE},
                 prefer_skip_nested_validation=False)
def make_collection(kinds, n=500, *, noise=0.05, size=3, random_state=None):
    """A collection (list of clouds), one :func:`make_filter_cloud` per entry of ``kinds``.

    Parameters
    ----------
    kinds : list or tuple of str
        Shape of each cloud, among those of :func:`make_filter_cloud`.
    n : int, default=500
        Filters per cloud.
    noise : float, default=0.05
        Standard deviation of the Gaussian noise, as in :func:`make_filter_cloud`.
    size : int, default=3
        Kernel side.
    random_state : int, RandomState instance or None, default=None
        Seed; the clouds are drawn one after the other from one generator.

    Returns
    -------
    clouds : list of ndarray of shape (n, size * size)
        One cloud per entry of ``kinds``, in order.
    """
    unknown = [k for k in kinds if k not in _KINDS]
    if unknown:
        raise ValueError(f"kinds holds unknown kinds {unknown}; choose from {sorted(_KINDS)}.")
    rng = check_random_state(random_state)
    return [make_filter_cloud(k, n, noise=noise, size=size, random_state=rng) for k in kinds]
