"""The padded diagram format and conversions to ripser/persim lists.

A collection of persistence diagrams is one float array of shape ``(n_samples, n_pairs, 3)``; row
``[birth, death, q]`` is a bar of homology dimension ``q``. Rows are grouped by dimension, every
sample has the same number of rows per dimension, and the missing ones are padding rows
``[0, 0, q]`` (zero lifetime, so they never change a lifetime-based feature). Infinite deaths stay
``np.inf``.
"""

import numpy as np

from .._compat import validate_params
from .._validation import check_padded, check_per_dimension


@validate_params({"diagrams": [list, tuple]}, prefer_skip_nested_validation=True)
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


@validate_params({"padded": ["array-like"], "keep_zero_length": ["boolean"]},
                 prefer_skip_nested_validation=True)
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
