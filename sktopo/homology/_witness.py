r"""The lazy witness complex of de Silva and Carlsson (2004) as a landmark "distance" matrix.

With landmarks :math:`L` and every point :math:`w` of the cloud as a witness, let :math:`m_w` be the
distance from :math:`w` to its :math:`\nu`-th nearest landmark (:math:`m_w = 0` for
:math:`\nu = 0`). The edge :math:`[a, b]` enters the lazy witness filtration at

.. math:: e(a, b) = \max\Bigl(0,\ \min_w \max\bigl(d(a, w), d(b, w)\bigr) - m_w\Bigr),

and a higher simplex enters with its last edge (the flag complex), so the filtration is that of a
Vietoris-Rips complex on the matrix :math:`e` and ripser computes it with
``distance_matrix=True``.

The brute-force minimum costs ``n_witnesses * n_landmarks**2 / 2`` operations (10^9 for the
paper's 204,800 filters and 100 landmarks). This module computes the same numbers with far fewer:
witnesses are grouped by their nearest landmark into small blocks; a block whose smallest value
:math:`\min_w d(a, w) - m_w` for landmark ``a`` (or ``b``) is already no smaller than the current
best :math:`e(a, b)` cannot improve that pair, because every witness of the block contributes at
least that much. Only the surviving pairs of each block are evaluated, exactly.
"""

from numbers import Integral

import numpy as np
from scipy.spatial.distance import cdist

from .._compat import validate_params
from .._validation import Number, check_cloud, unit_scale
from ._landmarks import check_landmarks

_BLOCK = 2048  # witnesses per block: small enough for tight bounds, large enough for numpy
_CHUNK = 16384  # witnesses per distance chunk in the first pass
_SEED_WITNESSES = 2048  # evenly spaced witnesses evaluated by brute force to seed the bounds


def check_nu(nu, n_landmarks):
    if not isinstance(nu, Integral) or isinstance(nu, bool) or nu not in (0, 1, 2):
        raise ValueError(
            f"nu must be 0, 1 or 2 (de Silva and Carlsson's lazy witness); got {nu!r}."
        )
    if nu > n_landmarks:
        raise ValueError(f"nu={nu} needs at least {nu} landmarks; got {n_landmarks}.")


def _brute_into(best, V):
    """Lower ``best[a, b]`` (a < b) to ``min_w max(V[w, a], V[w, b])`` over the rows of ``V``."""
    n_l = V.shape[1]
    VT = np.ascontiguousarray(V.T)
    for a in range(n_l - 1):
        vals = np.maximum(VT[a], VT[a + 1 :]).min(axis=1)
        np.minimum(best[a, a + 1 :], vals, out=best[a, a + 1 :])


@validate_params({"X": ["array-like"], "landmarks": ["array-like"],
                  "nu": [Number(Integral, 0, 2, closed="both")]},
                 prefer_skip_nested_validation=True)
def lazy_witness_matrix(X, landmarks, nu=2):
    r"""Filtration values of the edges of the lazy witness complex, as a landmark matrix.

    Every point of ``X`` is a witness. Entry ``(a, b)`` is the value :math:`e(a, b)` at which the
    edge between landmarks ``a`` and ``b`` enters (see the module notes); the diagonal is 0.
    Feeding the matrix to ``ripser(..., distance_matrix=True)`` gives the lazy witness barcode.

    The result equals the brute-force definition (up to float rounding); whole blocks of
    witnesses that provably cannot lower an entry are skipped.

    Parameters
    ----------
    X : array-like of shape (n_points, n_features)
        The cloud; all of its points act as witnesses.
    landmarks : array-like of int, shape (n_landmarks,)
        Distinct row indices of the landmarks, e.g. from :func:`maxmin_landmarks`.
    nu : {0, 1, 2}, default=2
        :math:`m_w` is the distance to the ``nu``-th nearest landmark (0 for ``nu=0``). ``nu=2``
        is JavaPlex's default, so it is what the paper used.

    Returns
    -------
    E : ndarray of shape (n_landmarks, n_landmarks)
        Symmetric, zero diagonal, non-negative.

    See Also
    --------
    maxmin_landmarks : Landmark choice.
    persistence_diagrams : The barcode of one cloud with this complex.

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo.homology import lazy_witness_matrix
    >>> X = np.array([[0.0], [1.0], [2.0], [4.0]])
    >>> lazy_witness_matrix(X, [0, 3], nu=0)  # witness 2.0 sees both landmarks at distance 2
    array([[0., 2.],
           [2., 0.]])
    """
    # Entries scale with the cloud: work at magnitude ~1 (no overflow when squaring), scale back.
    X, factor = unit_scale(check_cloud(X))
    idx = check_landmarks(landmarks, len(X))
    n_l = len(idx)
    check_nu(nu, n_l)
    if n_l == 1:
        return np.zeros((1, 1))
    Lx = X[idx]

    # Pass 1: each witness's offset m_w and nearest landmark (its block).
    n = len(X)
    m = np.zeros(n)
    owner = np.empty(n, dtype=np.intp)
    for s in range(0, n, _CHUNK):
        D = cdist(X[s : s + _CHUNK], Lx)
        owner[s : s + _CHUNK] = D.argmin(axis=1)
        if nu:
            m[s : s + _CHUNK] = np.partition(D, nu - 1, axis=1)[:, nu - 1]

    best = np.full((n_l, n_l), np.inf)
    # Seed the bounds with evenly spaced witnesses (plus the landmarks, which witness every
    # Rips edge for nu <= 1) so most blocks can be skipped from the start.
    spaced = np.linspace(0, n - 1, min(n, _SEED_WITNESSES)).astype(np.intp)
    seed = np.unique(np.concatenate([spaced, idx]))
    _brute_into(best, cdist(X[seed], Lx) - m[seed, None])

    order = np.argsort(owner, kind="stable")
    bounds = np.searchsorted(owner[order], np.arange(n_l + 1))
    upper = np.triu(np.ones((n_l, n_l), dtype=bool), k=1)
    for c in range(n_l):
        cell = order[bounds[c] : bounds[c + 1]]
        for s in range(0, len(cell), _BLOCK):
            w = cell[s : s + _BLOCK]
            VT = np.ascontiguousarray((cdist(X[w], Lx) - m[w, None]).T)  # (n_l, n_block)
            alpha = VT.min(axis=1)
            need = upper & (best > np.maximum.outer(alpha, alpha))
            for a in np.flatnonzero(need.any(axis=1)):
                bs = np.flatnonzero(need[a])
                vals = np.maximum(VT[a], VT[bs]).min(axis=1)
                best[a, bs] = np.minimum(best[a, bs], vals)

    E = np.triu(best, k=1)
    E = np.maximum(E, E.T)
    np.maximum(E, 0.0, out=E)  # the filtration starts at 0, as in JavaPlex
    np.fill_diagonal(E, 0.0)
    return E * factor
