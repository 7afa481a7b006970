"""The Mapper cover: overlapping intervals per lens with Ayasdi's resolution and gain."""

from numbers import Integral, Real

import numpy as np

from .._compat import validate_params
from .._validation import Number, check_values


#: The cover's parameters, shared with :func:`mapper_graph` and :class:`Mapper`.
COVER_CONSTRAINTS = {
    "resolution": [Number(Integral, 1, None, closed="left")],
    "gain": [Number(Real, 1, None, closed="neither")],
}
_FINITE = [Number(Real, None, None, closed="neither")]


@validate_params({"lo": _FINITE, "hi": _FINITE, **COVER_CONSTRAINTS},
                 prefer_skip_nested_validation=True)
def cover_intervals(lo, hi, resolution, gain):
    r"""The ``resolution`` closed intervals that cover ``[lo, hi]`` with gain ``gain``.

    Every interval has the same length :math:`L` and consecutive intervals overlap by the
    fraction :math:`1 - 1/g` of that length (Ayasdi's convention), so they start a step
    :math:`s = L / g` apart. The first starts at ``lo`` and the last ends at ``hi``:

    .. math:: L = \frac{g\,(hi - lo)}{r - 1 + g}, \qquad
              I_i = [lo + i s,\ lo + i s + L], \quad i = 0, \dots, r - 1.

    An interior point lies in :math:`\lfloor g \rfloor` or :math:`\lceil g \rceil` intervals
    (one more when it sits exactly on a shared endpoint), so a gain above 2 puts points in more
    than two intervals.

    Parameters
    ----------
    lo, hi : float
        Range of the lens values, ``lo <= hi``.
    resolution : int
        Number of intervals, ``>= 1``.
    gain : float
        Gain, ``> 1``.

    Returns
    -------
    intervals : ndarray of shape (resolution, 2)
        ``[start, end]`` of each interval.

    Examples
    --------
    >>> from sktopo.mapper import cover_intervals
    >>> cover_intervals(0.0, 4.0, 3, 2.0)
    array([[0., 2.],
           [1., 3.],
           [2., 4.]])
    """
    resolution, gain = int(resolution), float(gain)
    lo, hi = float(lo), float(hi)
    if hi < lo:
        raise ValueError(f"hi must be >= lo; got lo={lo}, hi={hi}.")
    step = (hi - lo) / (resolution - 1 + gain)
    starts = lo + step * np.arange(resolution)
    ends = starts + gain * step
    ends[-1] = hi  # exact, so the largest lens value is always covered
    return np.column_stack([starts, ends])


def _interval_ranges(values, resolution, gain):
    """First and last interval index holding each value (one lens column)."""
    lo, hi = values.min(), values.max()
    if hi == lo:
        # A constant lens cannot be cut: one interval holds everything (documented fallback).
        zeros = np.zeros(values.shape[0], dtype=np.int64)
        return zeros, zeros, 1
    # In units of the step s, interval i is [i, i + gain] and the range is [0, resolution-1+gain].
    x = (values - lo) * ((resolution - 1 + gain) / (hi - lo))
    first = np.clip(np.ceil(x - gain), 0, resolution - 1).astype(np.int64)
    last = np.clip(np.floor(x), 0, resolution - 1).astype(np.int64)
    return first, last, resolution


@validate_params({"lens": ["array-like"], **COVER_CONSTRAINTS}, prefer_skip_nested_validation=True)
def cover_membership(lens, resolution, gain):
    """Assign every point to the cover cells (products of intervals) that contain it.

    Parameters
    ----------
    lens : array-like of shape (n_points, n_lenses)
        Lens values.
    resolution : int
        Intervals per lens.
    gain : float
        Gain; overlap fraction ``1 - 1/gain``.

    Returns
    -------
    points : ndarray of shape (n_memberships,)
        Point index of each (point, cell) membership, sorted by cell.
    cells : ndarray of shape (n_memberships,)
        Flat cell index (C order over the per-lens interval grid) of each membership.
    shape : tuple of int
        Intervals per lens (``1`` for a constant lens).

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo.mapper import cover_membership
    >>> points, cells, shape = cover_membership(np.array([[0.0], [1.5], [4.0]]), 3, 2.0)
    >>> shape, cells.tolist(), points.tolist()
    ((3,), [0, 0, 1, 2], [0, 1, 1, 2])
    """
    resolution, gain = int(resolution), float(gain)
    lens = check_values(lens, name="lens")
    if lens.ndim == 1:
        lens = lens[:, None]
    n, d = lens.shape
    firsts, spans, shape = [], [], []
    for j in range(d):
        first, last, r_j = _interval_ranges(lens[:, j], resolution, gain)
        firsts.append(first)
        spans.append(last - first)
        shape.append(r_j)
    max_span = [int(s.max()) + 1 if n else 1 for s in spans]
    idx = np.arange(n)
    pts, cells = [], []
    # Enumerate every combination of per-lens offsets: at most ceil(gain)+1 per lens.
    for offsets in np.ndindex(*max_span):
        ok = np.ones(n, dtype=bool)
        for j, o in enumerate(offsets):
            ok &= spans[j] >= o
        if not ok.any():
            continue
        multi = tuple(firsts[j][ok] + offsets[j] for j in range(d))
        pts.append(idx[ok])
        cells.append(np.ravel_multi_index(multi, shape))
    pts = np.concatenate(pts) if pts else np.empty(0, dtype=np.int64)
    cells = np.concatenate(cells) if cells else np.empty(0, dtype=np.int64)
    order = np.lexsort((pts, cells))
    return pts[order], cells[order], tuple(shape)
