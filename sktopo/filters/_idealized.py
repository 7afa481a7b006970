r"""Idealised spatial filters: the primary circle, secondary circles, three-circle model, Klein
bottle and Gaussian filters.

All are polynomials on the square grid of a ``size x size`` kernel with coordinates
:math:`x, y \in \{-1, \dots, 1\}` (``size`` evenly spaced values; ``{-1, 0, 1}`` for 3x3). Row
``i`` of the kernel is :math:`y_i` and column ``j`` is :math:`x_j`, so a flattened filter is in the
row-major order of a torch ``Conv2d`` kernel. Every filter is mean-centred and unit-normalised with
:func:`~sktopo.filters.normalize_filters`, exactly like learned filters.

The Klein bottle model of Carlsson, Ishkhanov, de Silva and Zomorodian (2008) is

.. math:: p(x, y) = c\,(a x + b y)^2 + d\,(a x + b y),
   \qquad (a, b) = (\cos\theta, \sin\theta),\ (c, d) = (\cos\varphi, \sin\varphi).

``c = 0`` gives the primary circle (rotating edges, :math:`a x + b y`); fixing the direction
:math:`(a, b)` to :math:`(1, 0)` or :math:`(0, 1)` gives the two secondary circles.
"""

from numbers import Real

import numpy as np
from sklearn.utils import check_random_state

from .._compat import StrOptions, validate_params
from .._docstrings import fill_doc
from .._validation import COUNT, KERNEL_SIDE, RANDOM_STATE, check_values
from ._normalize import normalize_filters

_SIZE = {"size": KERNEL_SIDE}


def _grid(size):
    t = np.linspace(-1.0, 1.0, size)
    y, x = np.meshgrid(t, t, indexing="ij")
    return x.ravel(), y.ravel()


@validate_params({"theta": ["array-like", Real], "phi": ["array-like", Real], **_SIZE},
                 prefer_skip_nested_validation=True)
def klein_bottle_filter(theta, phi, *, size=3):
    r"""Klein-bottle filters for angle arrays ``theta`` (edge direction) and ``phi`` (edge vs line).

    Parameters
    ----------
    theta, phi : array-like of shape (n,)
        Angles in radians; :math:`(a,b) = (\cos\theta, \sin\theta)`,
        :math:`(c,d) = (\cos\varphi, \sin\varphi)`.
    size : int, default=3
        Kernel side.

    Returns
    -------
    filters : ndarray of shape (n, size * size)
        Mean-centred, unit-norm filters.
    """
    theta = np.atleast_1d(check_values(theta, name="theta"))
    phi = np.atleast_1d(check_values(phi, name="phi"))
    x, y = _grid(size)
    u = np.cos(theta)[:, None] * x + np.sin(theta)[:, None] * y
    raw = np.cos(phi)[:, None] * u**2 + np.sin(phi)[:, None] * u
    return normalize_filters(raw)


@validate_params({"theta": ["array-like", Real], **_SIZE}, prefer_skip_nested_validation=True)
def edge_filter(theta, *, size=3):
    r"""Linear-gradient (edge) filters :math:`\cos\theta\,x + \sin\theta\,y` for an angle array.

    These are the Klein-bottle filters with :math:`\varphi = \pi/2`, computed without the
    rounding residue of :math:`\cos(\pi/2)`.

    Parameters
    ----------
    theta : array-like of shape (n,) or float
        Edge directions in radians.
    size : int, default=3
        Kernel side.

    Returns
    -------
    filters : ndarray of shape (n, size * size)
        Mean-centred, unit-norm filters.
    """
    theta = np.atleast_1d(check_values(theta, name="theta"))
    x, y = _grid(size)
    return normalize_filters(np.cos(theta)[:, None] * x + np.sin(theta)[:, None] * y)


def _angles(n):
    return 2 * np.pi * np.arange(n) / n


@validate_params({"n": COUNT, **_SIZE}, prefer_skip_nested_validation=True)
def primary_circle(n=64, *, size=3):
    """``n`` evenly rotated linear-gradient (edge) filters: the primary circle.

    Parameters
    ----------
    n : int, default=64
        Number of filters, at angles ``2 * pi * i / n``.
    size : int, default=3
        Kernel side.

    Returns
    -------
    filters : ndarray of shape (n, size * size)
        Mean-centred, unit-norm filters.

    Examples
    --------
    >>> from sktopo.filters import primary_circle
    >>> primary_circle(4)[0].reshape(3, 3).round(3)
    array([[-0.408,  0.   ,  0.408],
           [-0.408,  0.   ,  0.408],
           [-0.408,  0.   ,  0.408]])
    """
    return edge_filter(_angles(n), size=size)


@validate_params({"n": COUNT, **_SIZE}, prefer_skip_nested_validation=True)
def secondary_circles(n=64, *, size=3):
    """Two secondary circles of ``n`` filters each, directions (1, 0) then (0, 1).

    Each interpolates between an edge and a line (a quadratic ridge) of one fixed orientation.

    Parameters
    ----------
    n : int, default=64
        Number of filters per circle.
    size : int, default=3
        Kernel side.

    Returns
    -------
    filters : ndarray of shape (2 * n, size * size)
        Mean-centred, unit-norm filters, the first circle's ``n`` then the second's.
    """
    phi = _angles(n)
    return np.vstack(
        [klein_bottle_filter(np.full(n, t), phi, size=size) for t in (0.0, np.pi / 2)]
    )


@validate_params({"n": COUNT, **_SIZE}, prefer_skip_nested_validation=True)
def three_circle_model(n=64, *, size=3):
    """The three-circle model: ``n`` primary-circle filters then both secondary circles.

    Parameters
    ----------
    n : int, default=64
        Number of filters per circle.
    size : int, default=3
        Kernel side.

    Returns
    -------
    filters : ndarray of shape (3 * n, size * size)
        Mean-centred, unit-norm filters.
    """
    return np.vstack([primary_circle(n, size=size), secondary_circles(n, size=size)])


@validate_params({"n_theta": COUNT, "n_phi": COUNT, **_SIZE},
                 prefer_skip_nested_validation=True)
def klein_bottle(n_theta=32, n_phi=32, *, size=3):
    """Klein-bottle filters on a regular ``n_theta x n_phi`` angle grid.

    The map :math:`(\\theta, \\varphi)` covers the Klein bottle twice
    (:math:`(\\theta + \\pi, \\varphi) \\sim (\\theta, -\\varphi)`), so every filter appears twice
    on a grid of even ``n_theta``.

    Parameters
    ----------
    n_theta : int, default=32
        Number of edge directions :math:`\\theta`.
    n_phi : int, default=32
        Number of edge-to-line angles :math:`\\varphi`.
    size : int, default=3
        Kernel side.

    Returns
    -------
    filters : ndarray of shape (n_theta * n_phi, size * size)
        Mean-centred, unit-norm filters, :math:`\\varphi` varying fastest.
    """
    t, f = np.meshgrid(_angles(n_theta), _angles(n_phi), indexing="ij")
    return klein_bottle_filter(t.ravel(), f.ravel(), size=size)


@fill_doc
@validate_params({"n": COUNT, **_SIZE, "random_state": RANDOM_STATE},
                 prefer_skip_nested_validation=True)
def sample_klein_bottle(n, *, size=3, random_state=None):
    """``n`` Klein-bottle filters with uniformly random angles.

    Parameters
    ----------
    %(random_bank)s
    """
    rng = check_random_state(random_state)
    theta, phi = rng.uniform(0, 2 * np.pi, n), rng.uniform(0, 2 * np.pi, n)
    return klein_bottle_filter(theta, phi, size=size)


@fill_doc
@validate_params({"n": COUNT, **_SIZE, "random_state": RANDOM_STATE},
                 prefer_skip_nested_validation=True)
def gaussian_filters(n, *, size=3, random_state=None):
    """``n`` filters with i.i.d. standard normal weights, normalised (no topology to speak of).

    Parameters
    ----------
    %(random_bank)s
    """
    rng = check_random_state(random_state)
    return normalize_filters(rng.standard_normal((n, size * size)))


@validate_params({"n": COUNT, **_SIZE, "random_state": RANDOM_STATE},
                 prefer_skip_nested_validation=True)
def random_orthogonal_filters(n, *, size=3, random_state=None):
    """``n`` random filters that are orthonormal and zero-mean (a control with no shape).

    The zero-mean filters of a ``size x size`` kernel span ``size**2 - 1`` dimensions, so at
    most that many can be orthonormal. As appended features they carry as much (linearly
    independent) information per channel as possible without any topology.

    Parameters
    ----------
    n : int
        Number of filters, at most ``size**2 - 1``.
    size : int, default=3
        Kernel side.
    random_state : int, RandomState instance or None, default=None
        Seed of the random draw.

    Returns
    -------
    filters : ndarray of shape (n, size * size)
        Orthonormal, zero-mean filters.
    """
    dim = size * size - 1
    if n > dim:
        raise ValueError(f"n={n}: at most {dim} zero-mean {size}x{size} filters are orthonormal.")
    rng = check_random_state(random_state)
    raw = rng.standard_normal((n, size * size))
    raw -= raw.mean(axis=1, keepdims=True)
    # QR of the zero-mean columns: orthonormal columns spanning them, so zero-mean too.
    return np.linalg.qr(raw.T)[0].T


#: The idealised banks by name (see :func:`idealized_filters`).
KINDS = ("primary_circle", "klein_bottle", "three_circle", "gaussian", "random_orthogonal")


@validate_params(
    {"kind": [StrOptions(set(KINDS))], "n": COUNT, **_SIZE, "random_state": RANDOM_STATE},
    prefer_skip_nested_validation=True,
)
def idealized_filters(kind, n=64, *, size=3, random_state=None):
    """Idealised filter bank by name, for fixed or appended first layers.

    Parameters
    ----------
    kind : {"primary_circle", "klein_bottle", "three_circle", "gaussian", "random_orthogonal"}
        Which model. ``"klein_bottle"`` draws ``n`` random points of the bottle;
        ``"random_orthogonal"`` draws ``n`` orthonormal zero-mean filters (a control).
    n : int, default=64
        Number of filters (for ``"three_circle"``, per circle).
    size : int, default=3
        Kernel side.
    random_state : int, RandomState instance or None, default=None
        Used by the random kinds.

    Returns
    -------
    filters : ndarray of shape (n_filters, size * size)
    """
    makers = {
        "primary_circle": lambda: primary_circle(n, size=size),
        "three_circle": lambda: three_circle_model(n, size=size),
        "klein_bottle": lambda: sample_klein_bottle(n, size=size, random_state=random_state),
        "gaussian": lambda: gaussian_filters(n, size=size, random_state=random_state),
        "random_orthogonal": lambda: random_orthogonal_filters(n, size=size,
                                                               random_state=random_state),
    }
    return makers[kind]()
