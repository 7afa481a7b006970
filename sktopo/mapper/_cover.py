"""The Mapper cover: overlapping intervals per lens with Ayasdi's resolution and gain."""

import numpy as np


def check_resolution_gain(resolution, gain):
    """Raise a clear error for a resolution below 1 or a gain of at most 1."""
    if isinstance(resolution, bool) or not isinstance(resolution, (int, np.integer)):
        raise TypeError(f"resolution must be an int >= 1 (intervals per lens); got {resolution!r}.")
    if resolution < 1:
        raise ValueError(
            f"resolution must be >= 1 (the number of intervals per lens); got {resolution}."
        )
    try:
        gain = float(gain)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"gain must be a real number > 1; got {gain!r}.") from exc
    if not np.isfinite(gain) or gain <= 1:
        raise ValueError(
            f"gain must be > 1 (overlap fraction 1 - 1/gain must be positive); got {gain!r}. "
            "Use gain=2 for half-overlapping intervals, gain=3 for the paper's Mapper(30, 3)."
        )
    return int(resolution), gain


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
    resolution, gain = check_resolution_gain(resolution, gain)
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
    resolution, gain = check_resolution_gain(resolution, gain)
    lens = np.asarray(lens, dtype=np.float64)
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
