r"""Distance of spatial filters to an idealised model: the primary circle, the three-circle model
or the Klein bottle.

Every model is a union of *great circles*: the primary circle is the unit circle of the plane
spanned by the normalised x- and y-gradient filters, and for a fixed edge direction
:math:`\theta` the Klein-bottle filters :math:`c\,u^2 + d\,u` (:math:`u = \cos\theta\,x +
\sin\theta\,y`, centred and normalised) fill the unit circle of the plane
:math:`P_\theta = \operatorname{span}(\hat{u^2}, \hat u)`. The nearest point of one great circle
has a closed form (project onto its plane, renormalise), so only the direction :math:`\theta` of
the Klein bottle is searched numerically.
"""

import math

import numpy as np

from .._compat import StrOptions, validate_params
from .._validation import COUNT, KERNEL_SIDE, check_cloud
from ._idealized import _grid, edge_filter, klein_bottle_filter
from ._normalize import TOLERANCE_CONSTRAINTS, normalize_filters

#: Models :func:`distance_to_model` knows.
MODELS = ("primary_circle", "three_circle", "klein_bottle")

# Filters per block of the projection matrices, so memory stays bounded on paper-scale clouds.
_BLOCK = 16384
# Golden-section steps: they shrink the bracket of one sampled direction to 1e-8 of its width,
# below which the flat top of the score leaves nothing to gain.
_GOLDEN_STEPS = 40
# Sampled local maxima of the Klein-bottle score polished per filter.
_PEAKS = 3
_INV_PHI = (math.sqrt(5.0) - 1.0) / 2.0


def _kernel_side(width, size):
    """The kernel side of filters with ``width`` weights: ``size`` itself, checked, or derived."""
    side = math.isqrt(width)
    if size is None:
        if side * side != width or side < 2:
            raise ValueError(
                f"filters have {width} weights, which is not the square of a kernel side >= 2; "
                "the models are square kernels: pass filters of shape (n, size * size)."
            )
        return side
    if size * size != width:
        raise ValueError(
            f"size={size} means {size * size} weights per filter, but filters have {width}. "
            "Pass size=None to derive the side from the filters."
        )
    return size


def _live_filters(filters, rtol, atol):
    """Normalised filters with the dead (constant) ones dropped; an error if none is live."""
    normalized, dead = normalize_filters(filters, rtol=rtol, atol=atol, return_dead=True)
    if dead.all():
        raise ValueError(
            f"All {len(dead)} filters are dead (constant); they have no direction, so no "
            "distance to a model. Check the layer or loosen rtol/atol."
        )
    return normalized[~dead]


def _plane_scores(F, A, B):
    """Squared norm of the projection of every filter onto every plane ``span(A[j], B[j])``.

    ``A[j]`` and ``B[j]`` are orthonormal, so the projection of a unit filter ``f`` has squared
    norm ``(f . A[j])^2 + (f . B[j])^2``; the plane with the largest one holds the nearest point.
    """
    return (F @ A.T) ** 2 + (F @ B.T) ** 2


def _circle_distance(F, A, B):
    r"""Distance from each unit filter ``F[i]`` to the great circle of the plane ``(A[i], B[i])``.

    The nearest point is the projection renormalised, :math:`c = \pi(f) / \lVert\pi(f)\rVert`;
    the distance is computed as :math:`\lVert f - c\rVert` rather than from
    :math:`\sqrt{2 - 2\lVert\pi(f)\rVert}`, which loses half the digits near the circle. A filter
    orthogonal to the plane is at distance :math:`\sqrt 2` from every point of the circle.
    """
    a = np.einsum("ij,ij->i", F, A)
    b = np.einsum("ij,ij->i", F, B)
    r = np.hypot(a, b)
    on_plane = r > 0
    scale = np.divide(1.0, r, out=np.zeros_like(r), where=on_plane)
    nearest = (a * scale)[:, None] * A + (b * scale)[:, None] * B
    return np.where(on_plane, np.linalg.norm(F - nearest, axis=1), math.sqrt(2.0))


def _blockwise(F, rows_of):
    """``rows_of(block)`` over blocks of filters, stacked: bounded memory on large clouds."""
    return np.concatenate([rows_of(F[start : start + _BLOCK])
                           for start in range(0, len(F), _BLOCK)])


def _best_planes(F, A, B):
    """Index of the plane nearest to each filter."""
    return _blockwise(F, lambda block: _plane_scores(block, A, B).argmax(axis=1))


def _sampled_peaks(F, A, B, n_peaks):
    """Each filter's ``n_peaks`` best local maxima of the score over a circular sequence of
    planes, in no particular order (other indices fill in when there are fewer maxima)."""
    def peaks(block):
        scores = _plane_scores(block, A, B)
        local = (scores >= np.roll(scores, 1, axis=1)) & (scores >= np.roll(scores, -1, axis=1))
        ranked = -np.where(local, scores, -np.inf)
        return np.argpartition(ranked, min(n_peaks, ranked.shape[1]) - 1, axis=1)[:, :n_peaks]

    return _blockwise(F, peaks)


def _klein_plane(theta, size):
    """The orthonormal pair ``(u^2, u)`` (centred, normalised) spanning the circle at ``theta``."""
    line = klein_bottle_filter(theta, np.zeros_like(theta), size=size)
    return line, edge_filter(theta, size=size)


def _primary_plane(size):
    r"""An orthonormal basis of the plane of the primary circle: the x- and y-gradients.

    They are orthogonal on the symmetric grid; one Gram-Schmidt step removes the rounding
    residue of :math:`\cos(\pi/2)` from the y-gradient.
    """
    e1, y = edge_filter(np.array([0.0, np.pi / 2]), size=size)
    e2 = y - (y @ e1) * e1
    return e1[None, :], (e2 / np.linalg.norm(e2))[None, :]


def _to_primary_circle(F, size):
    A, B = _primary_plane(size)
    return _circle_distance(F, np.repeat(A, len(F), 0), np.repeat(B, len(F), 0))


def _to_three_circles(F, size):
    A0, B0 = _primary_plane(size)
    As, Bs = _klein_plane(np.array([0.0, np.pi / 2]), size)
    A, B = np.vstack([A0, As]), np.vstack([B0, Bs])
    best = _best_planes(F, A, B)
    return _circle_distance(F, A[best], B[best])


def _klein_harmonics(F, size):
    r"""What the score of every Klein-bottle plane needs from each filter, and three constants.

    With :math:`u = \cos\theta\,x + \sin\theta\,y`, the plane :math:`P_\theta` is spanned
    by :math:`\hat u = \cos\theta\,e_1 + \sin\theta\,e_2` and the normalised centred
    :math:`u^2 = R + \cos 2\theta\,S + \sin 2\theta\,T`, where :math:`R` is the centred
    :math:`(x^2 + y^2)/2`, :math:`S = (x^2 - y^2)/2` and :math:`T = xy` are mutually orthogonal
    on the square grid (swapping x and y, or negating x, flips the sign of one of each pair). So
    the score of any :math:`\theta` follows from five dot products per filter, without building
    the plane: the search over :math:`\theta` costs a few operations per filter and step.
    """
    x, y = _grid(size)
    R = (x**2 + y**2) / 2
    R -= R.mean()
    S, T = (x**2 - y**2) / 2, x * y
    e1, e2 = _primary_plane(size)
    dots = F @ np.column_stack([e1[0], e2[0], R, S, T])
    return dots.T, (R @ R, S @ S, T @ T)


def _klein_score(dots, squares, theta):
    r"""Squared projection of each filter onto the plane :math:`P_\theta` (see above)."""
    a, b, r, s, t = dots
    rho, sigma, tau = squares
    cos2, sin2 = np.cos(2 * theta), np.sin(2 * theta)
    line_norm2 = rho + sigma * cos2**2 + tau * sin2**2
    line = np.divide((r + s * cos2 + t * sin2) ** 2, line_norm2,
                     out=np.zeros_like(theta), where=line_norm2 > 0)  # 2x2 kernels: u^2 may be flat
    return (a * np.cos(theta) + b * np.sin(theta)) ** 2 + line


def _golden_section(dots, squares, theta, half_width):
    """Polish the direction of each filter's nearest circle by golden-section search.

    Maximises the projection score over ``[theta - half_width, theta + half_width]`` for all
    filters at once; the sampled direction is kept where it scores higher. The score is flat at
    its maximum, so the direction is found to about the square root of the float precision, and
    the distance to about 1e-8.
    """
    lo, hi = theta - half_width, theta + half_width
    c, d = hi - _INV_PHI * (hi - lo), lo + _INV_PHI * (hi - lo)
    gc, gd = _klein_score(dots, squares, c), _klein_score(dots, squares, d)
    for _ in range(_GOLDEN_STEPS):
        left = gc > gd  # the maximum lies in [lo, d]
        hi, lo = np.where(left, d, hi), np.where(left, lo, c)
        new = np.where(left, hi - _INV_PHI * (hi - lo), lo + _INV_PHI * (hi - lo))
        g_new = _klein_score(dots, squares, new)
        c, d = np.where(left, new, d), np.where(left, c, new)
        gc, gd = np.where(left, g_new, gd), np.where(left, gc, g_new)
    polished = (lo + hi) / 2
    better = _klein_score(dots, squares, polished) >= _klein_score(dots, squares, theta)
    return np.where(better, polished, theta)


def _to_klein_bottle(F, size, resolution, refine):
    # The score has period pi in theta (u -> -u leaves both the plane and u^2 unchanged).
    grid = np.pi * np.arange(resolution) / resolution
    A, B = _klein_plane(grid, size)
    if not refine:
        theta = grid[_best_planes(F, A, B)]
    else:
        # The score can have two nearly equal peaks; the sampled values may rank them wrongly,
        # so the best few sampled peaks are all polished and the best result kept.
        dots, squares = _klein_harmonics(F, size)
        peaks = _sampled_peaks(F, A, B, _PEAKS).T
        candidates = np.array([_golden_section(dots, squares, grid[i], np.pi / resolution)
                               for i in peaks])
        scores = np.array([_klein_score(dots, squares, t) for t in candidates])
        theta = np.take_along_axis(candidates, scores.argmax(axis=0)[None, :], axis=0)[0]
    A, B = _klein_plane(theta, size)
    return _circle_distance(F, A, B)


@validate_params(
    {
        "filters": ["array-like"],
        "model": [StrOptions(set(MODELS))],
        "size": [None, *KERNEL_SIDE],
        "per_filter": ["boolean"],
        "resolution": COUNT,
        "refine": ["boolean"],
        **TOLERANCE_CONSTRAINTS,
    },
    prefer_skip_nested_validation=True,
)
def distance_to_model(filters, model="primary_circle", *, size=None, per_filter=False,
                      resolution=32, refine=True, rtol=1e-6, atol=0.0):
    r"""Euclidean distance of normalised spatial filters to the nearest point of an ideal model.

    The filters are mean-centred and scaled to unit norm and the dead (constant) ones dropped,
    as :func:`normalize_filters` and the topology pipeline do; each live filter :math:`f` then
    lies on the unit sphere of zero-mean filters, as do the models, and its distance to a model
    :math:`M` is :math:`\min_{m \in M} \lVert f - m \rVert`. The mean over the live filters is a
    "fit to the model" measure: 0 when every filter is an ideal one, :math:`\sqrt 2` at most.

    **Primary circle** (closed form). With :math:`e_1, e_2` the normalised x- and y-gradient
    filters (orthonormal on the symmetric grid), the circle is
    :math:`\{\cos\theta\,e_1 + \sin\theta\,e_2\}`, the unit circle of the plane
    :math:`P = \operatorname{span}(e_1, e_2)`. For a unit vector :math:`f` and a unit :math:`m \in
    P`, :math:`\lVert f - m\rVert^2 = 2 - 2\langle \pi_P f, m\rangle`, which is smallest for
    :math:`m = \pi_P f / \lVert \pi_P f\rVert`: project onto :math:`P` and renormalise, so
    :math:`d(f) = \sqrt{2 - 2\lVert\pi_P f\rVert}`.

    **Klein bottle** (one angle searched). For a fixed direction :math:`\theta`, with
    :math:`u = \cos\theta\,x + \sin\theta\,y`, the Klein-bottle filters
    :math:`c\,u^2 + d\,u` (:math:`(c, d)` on the unit circle) are, once centred and normalised,
    the whole unit circle of the plane :math:`P_\theta` spanned by the normalised centred
    :math:`u^2` and :math:`u` (orthogonal: one is even, the other odd on the grid). So
    :math:`d(f) = \min_\theta \sqrt{2 - 2\lVert\pi_{P_\theta} f\rVert}`, exact in the edge-to-line
    angle; :math:`\theta` is sampled on ``resolution`` directions of :math:`[0, \pi)` (the score
    has period :math:`\pi`) and, with ``refine=True``, the best three sampled peaks of each
    filter are polished by golden-section search and the best kept (distances to about 1e-8).

    **Three circles**: the nearest of the primary circle and the two secondary circles
    (:math:`P_0` and :math:`P_{\pi/2}`), each in closed form.

    Parameters
    ----------
    filters : array-like of shape (n_filters, size * size)
        Raw or normalised spatial filters, one per row, row-major within the kernel.
    model : {"primary_circle", "three_circle", "klein_bottle"}, default="primary_circle"
        The idealised model (sampled by :func:`primary_circle`, :func:`three_circle_model`
        and :func:`klein_bottle`).
    size : int or None, default=None
        Kernel side; ``None`` derives it from the filter width (9 weights: 3).
    per_filter : bool, default=False
        Return the distance of every live filter instead of their mean.
    resolution : int, default=32
        Directions :math:`\theta` sampled for the Klein bottle (ignored by the other models);
        with ``refine=True``, 16 already find the nearest circle of 3x3 and 5x5 filters.
    refine : bool, default=True
        Polish each filter's sampled direction (Klein bottle only).
    rtol, atol : float, default=1e-6, 0.0
        Dead-filter tolerances of :func:`dead_filter_mask`.

    Returns
    -------
    distance : float or ndarray of shape (n_live,)
        The mean distance, or with ``per_filter=True`` the distance of each live filter in input
        order (dead rows left out: :func:`dead_filter_mask` says which).

    See Also
    --------
    primary_circle, klein_bottle, three_circle_model : Samples of the models.
    normalize_filters : The normalisation applied first.

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo.filters import distance_to_model, gaussian_filters, primary_circle
    >>> round(distance_to_model(3 * primary_circle(16) + 1), 12)
    0.0
    >>> noise = gaussian_filters(500, random_state=0)
    >>> d_circle = distance_to_model(noise)
    >>> d_klein = distance_to_model(noise, model="klein_bottle")
    >>> bool(d_klein < d_circle < np.sqrt(2))
    True
    """
    filters = check_cloud(filters, name="filters")
    side = _kernel_side(filters.shape[1], size)
    F = _live_filters(filters, rtol, atol)
    if model == "primary_circle":
        distances = _to_primary_circle(F, side)
    elif model == "three_circle":
        distances = _to_three_circles(F, side)
    else:
        distances = _to_klein_bottle(F, side, resolution, refine)
    return distances if per_filter else float(distances.mean())
