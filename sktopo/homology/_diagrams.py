"""The padded diagram format and conversions to ripser/persim lists.

A collection of persistence diagrams is one float array of shape ``(n_samples, n_pairs, 3)``; row
``[birth, death, q]`` is a bar of homology dimension ``q``. Rows are grouped by dimension, every
sample has the same number of rows per dimension, and the missing ones are padding rows
``[0, 0, q]`` (zero lifetime, so they never change a lifetime-based feature). Infinite deaths stay
``np.inf``.
"""

import numpy as np


def check_bars(bars, name):
    """Refuse bars that no filtration gives; return ``bars`` unchanged.

    ``bars`` is a float array whose last axis starts with ``(birth, death)``. A NaN, an infinite
    birth or a death before its birth would pass silently into NaN features, zero distances and
    bars drawn backwards; an infinite death is legal (a class that never dies, the H0 bar).
    """
    birth, death = bars[..., 0], bars[..., 1]
    if np.isnan(bars).any():
        raise ValueError(f"{name} contains NaN; births and deaths must be numbers.")
    if not np.isfinite(birth).all():
        raise ValueError(
            f"{name} has a bar with an infinite birth; births must be finite (only a death may "
            "be np.inf, for a class that never dies)."
        )
    backwards = death < birth
    if backwards.any():
        first = bars[backwards][0, :2].tolist()
        raise ValueError(
            f"{name} has {int(backwards.sum())} bar(s) with death < birth, e.g. {first}; each "
            "row is (birth, death): swap the columns if they came as (death, birth)."
        )
    return bars


def check_per_dimension(dgms, name):
    if not isinstance(dgms, (list, tuple)) or len(dgms) == 0:
        raise TypeError(
            f"{name} must be a non-empty list of (n_q, 2) arrays, one per homology dimension "
            "(ripser's 'dgms'); got " + type(dgms).__name__ + "."
        )
    out = []
    for q, d in enumerate(dgms):
        shape = np.shape(d)
        if np.size(d) == 0:
            out.append(np.empty((0, 2)))
            continue
        # Only (n, 2) or a single (2,) pair: reshaping (n, 3) rows as pairs would pair up
        # numbers of different bars without a word.
        if shape not in ((2,),) and (len(shape) != 2 or shape[1] != 2):
            raise ValueError(
                f"{name}[{q}] must have shape (n_pairs, 2) of (birth, death); got {shape}. "
                "Padded rows [birth, death, dim] go through unpad_diagrams first."
            )
        out.append(check_bars(np.asarray(d, dtype=np.float64).reshape(-1, 2), f"{name}[{q}]"))
    return out


def pad_diagrams(diagrams):
    """Stack per-dimension diagrams of several clouds into one padded array.

    Parameters
    ----------
    diagrams : list of list of ndarray of shape (n_pairs_q, 2)
        One entry per cloud; each entry is a ripser/persim style list whose ``q``-th element holds
        the ``(birth, death)`` pairs of dimension ``q``. Every cloud must have the same number of
        dimensions.

    Returns
    -------
    padded : ndarray of shape (n_samples, n_pairs, 3)
        Rows ``[birth, death, q]`` grouped by dimension (each dimension padded with ``[0, 0, q]``
        to the largest count over the clouds, and to at least one row so that every dimension
        stays visible). Within a dimension the bars keep their input order.

    See Also
    --------
    unpad_diagrams : The inverse.

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo.homology import pad_diagrams
    >>> a = [np.array([[0.0, np.inf]]), np.array([[0.5, 1.0]])]
    >>> b = [np.array([[0.0, 1.0], [0.0, np.inf]]), np.empty((0, 2))]
    >>> pad_diagrams([a, b])[1].tolist()
    [[0.0, 1.0, 0.0], [0.0, inf, 0.0], [0.0, 0.0, 1.0]]
    """
    if not isinstance(diagrams, (list, tuple)) or len(diagrams) == 0:
        raise TypeError("diagrams must be a non-empty list with one per-dimension list per cloud.")
    clouds = [check_per_dimension(d, f"diagrams[{i}]") for i, d in enumerate(diagrams)]
    n_dims = {len(c) for c in clouds}
    if len(n_dims) > 1:
        raise ValueError(
            f"Every cloud must have diagrams for the same dimensions; got {sorted(n_dims)} "
            "dimensions. Compute them all with the same maxdim."
        )
    n_dims = n_dims.pop()
    widths = [max(1, max(len(c[q]) for c in clouds)) for q in range(n_dims)]
    padded = np.zeros((len(clouds), sum(widths), 3))
    start = 0
    for q, w in enumerate(widths):
        padded[:, start : start + w, 2] = q
        for i, c in enumerate(clouds):
            padded[i, start : start + len(c[q]), :2] = c[q]
        start += w
    return padded


def check_padded(X, name="X"):
    """Validate a padded diagram array and return it as float64 of shape (n, n_pairs, 3)."""
    try:
        arr = np.asarray(X, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(
            f"{name} must be a padded diagram array of shape (n_samples, n_pairs, 3), "
            "e.g. the output of Persistence; got " + type(X).__name__ + "."
        ) from exc
    if arr.ndim == 2 and arr.shape[-1] == 3:
        raise ValueError(
            f"{name} looks like a single diagram of shape {arr.shape}; wrap it as {name}[None] "
            "to make a collection of one."
        )
    if arr.ndim != 3 or arr.shape[2] != 3 or arr.shape[0] == 0:
        raise ValueError(
            f"{name} must have shape (n_samples, n_pairs, 3) with rows [birth, death, dim]; "
            f"got {arr.shape}. Convert ripser lists with pad_diagrams."
        )
    if np.isnan(arr).any():
        raise ValueError(f"{name} contains NaN; padding rows must be [0, 0, dim].")
    dims = arr[..., 2]
    if not np.isfinite(dims).all() or (dims != np.round(dims)).any() or (dims < 0).any():
        raise ValueError(f"{name}[..., 2] must hold non-negative integer homology dimensions.")
    return check_bars(arr, name)


def unpad_diagrams(padded, *, keep_zero_length=False):
    """Split a padded array back into ripser/persim style per-dimension lists.

    Parameters
    ----------
    padded : array-like of shape (n_samples, n_pairs, 3)
        Padded diagrams, e.g. ``Persistence().fit_transform(X)``.
    keep_zero_length : bool, default=False
        Keep rows with ``death == birth``. Padding rows have zero length, so the default drops
        them (ripser never reports a zero-length bar either).

    Returns
    -------
    diagrams : list of list of ndarray of shape (n_pairs_q, 2)
        ``diagrams[i][q]`` holds the bars of dimension ``q`` of sample ``i``; dimensions run from
        0 to the largest one present in ``padded``.

    See Also
    --------
    pad_diagrams : The inverse.

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo.homology import unpad_diagrams
    >>> X = np.array([[[0.0, np.inf, 0], [0.0, 0.0, 0], [0.2, 0.9, 1]]])
    >>> [d.tolist() for d in unpad_diagrams(X)[0]]
    [[[0.0, inf]], [[0.2, 0.9]]]
    """
    arr = check_padded(padded, "padded")
    n_dims = int(arr[..., 2].max()) + 1
    out = []
    for sample in arr:
        keep = np.ones(len(sample), bool) if keep_zero_length else sample[:, 1] > sample[:, 0]
        out.append([sample[keep & (sample[:, 2] == q), :2].copy() for q in range(n_dims)])
    return out
