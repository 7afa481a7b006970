"""One home for the sizes of an analysis: k and p of the density step, landmarks, the subsample
size of the significance readout and the Mapper resolution.

A size the user gives always wins and is never lowered silently: an integer that does not fit a
cloud is an error naming the fix, a float in (0, 1) is a fraction of the cloud. A size nobody set
follows a stated rule (:data:`ADAPTIVE_RULES`, :func:`adaptive_settings`); every report quotes the
rules and records the values used and why (``chosen_by``).
"""

import warnings
from numbers import Integral

from ._compat import validate_params
from ._validation import Number, check_cloud
from .filters import K_CONSTRAINT, P_CONSTRAINT, dead_filter_mask
from .filters import n_kept as _n_kept
from .homology import OPTION_CONSTRAINTS
from .significance import DEFAULT_SUBSAMPLE, READOUT_CONSTRAINTS

__all__ = [
    "ADAPTIVE_RULES",
    "MIN_LIVE_FILTERS",
    "SIZE_CONSTRAINTS",
    "SizeLoweredWarning",
    "adaptive_settings",
    "fitted_sizes",
    "scaled_k",
]


class SizeLoweredWarning(UserWarning):
    """A preset size was lowered to fit a small cloud (the value used is recorded)."""

#: The defaults of k, p, landmarks and Mapper resolution, in words; reports quote them.
ADAPTIVE_RULES = {
    "k": "2% of the live filters, at least 5 and at most 100 (and below the number of live "
         "filters)",
    "p": "0.3, raised so that at least 150 points are kept when the layer has them",
    "n_landmarks": "100 max-min landmarks, or every kept point when fewer are kept",
    "resolution": "one interval per 60 kept points, at least 5 and at most 30",
    "m": f"{DEFAULT_SUBSAMPLE} random points per subsample of the significance readout, whatever "
         "the layer's size (a smaller cloud is read whole, once)",
}

#: Layers with fewer live filters are skipped in a sweep (with a note): too few for a shape.
MIN_LIVE_FILTERS = 10

#: Constraints of the sizes a user may give (None: follow the rule).
SIZE_CONSTRAINTS = {
    "k": K_CONSTRAINT + [None],
    "p": P_CONSTRAINT + [None],
    "n_landmarks": OPTION_CONSTRAINTS["n_landmarks"] + [None],
    "resolution": [Number(Integral, 1, None, closed="left"), None],
    "m": READOUT_CONSTRAINTS["m"] + [None],
}


def _rule_k(n_live):
    return int(min(n_live - 1, max(5, min(100, round(0.02 * n_live)))))


def _rule_p(n_live):
    return float(min(1.0, max(0.3, 150 / n_live)))


def _rule_resolution(n_points):
    return int(min(30, max(5, round(n_points / 60))))


@validate_params({"n_live": [Number(Integral, 2, None, closed="left")], **SIZE_CONSTRAINTS},
                 prefer_skip_nested_validation=True)
def adaptive_settings(n_live, *, k=None, p=None, n_landmarks=None, resolution=None, m=None):
    """Density, landmark, readout and Mapper sizes for a cloud of ``n_live`` live filters.

    Each size left at ``None`` follows its rule in :data:`ADAPTIVE_RULES`; a given value is
    returned unchanged (an integer ``k`` or ``n_landmarks`` that does not fit is refused later by
    the pipeline, with the fix named; a float in (0, 1) is a fraction of the cloud).

    * ``k = clip(round(0.02 n), 5, 100)``, below ``n``: the user guide's 1-3 % of the cloud, capped
      at the paper's 100 for layers of hundreds of thousands of filters;
    * ``p = max(0.3, 150 / n)`` (at most 1): the paper's 0.3, but never fewer than 150 points
      when the layer has them;
    * ``n_landmarks = min(100, kept)``: the paper's 100 max-min landmarks;
    * ``resolution = clip(round(kept / 60), 5, 30)``: Mapper nodes of some tens of points, up to
      the paper's Mapper(30, 3);
    * ``m = 300``: the significance readout reads every layer at one subsample size, so its
      verdicts and lifetimes compare across layers of any width.

    Parameters
    ----------
    n_live : int
        Live (not constant) filters of the cloud, at least 2.
    k, p, n_landmarks, resolution, m : int, float or None, default=None
        Values given by the user; ``None`` applies the rule.

    Returns
    -------
    sizes : dict
        ``k``, ``p``, ``n_landmarks``, ``resolution``, ``m``, ``n_kept`` (points the density step
        keeps)
        and ``chosen_by`` (``"given"`` or ``"rule: ..."`` per size).

    Raises
    ------
    ValueError
        When fewer than :data:`MIN_LIVE_FILTERS` points would be kept.

    Examples
    --------
    >>> from sktopo.sizes import adaptive_settings
    >>> s = adaptive_settings(4096)
    >>> s["k"], s["p"], s["n_kept"], s["n_landmarks"], s["resolution"]
    (82, 0.3, 1229, 100, 20)
    >>> adaptive_settings(4096, k=0.05)["chosen_by"]["k"]
    'given'
    """
    given = {"k": k, "p": p, "n_landmarks": n_landmarks, "resolution": resolution, "m": m}
    p_used = _rule_p(n_live) if p is None else p
    kept = _n_kept(n_live, p_used)
    if kept < MIN_LIVE_FILTERS:
        raise ValueError(
            f"p={p_used:g} keeps {kept} of {n_live} live filters; a barcode and a Mapper graph "
            f"need at least {MIN_LIVE_FILTERS} points: raise p or pool more filters (more "
            "networks or checkpoints)."
        )
    sizes = {
        "k": _rule_k(n_live) if k is None else k,
        "p": p_used,
        "n_landmarks": min(100, kept) if n_landmarks is None else n_landmarks,
        "resolution": _rule_resolution(kept) if resolution is None else resolution,
        "m": DEFAULT_SUBSAMPLE if m is None else m,
        "n_kept": kept,
    }
    sizes["chosen_by"] = {name: "given" if value is not None else f"rule: {ADAPTIVE_RULES[name]}"
                          for name, value in given.items()}
    return sizes


@validate_params({"k": [Number(Integral, 1, None, closed="left")],
                  "n_filters": [Number(Integral, 1, None, closed="left")],
                  "n_paper": [Number(Integral, 1, None, closed="left"), None]},
                 prefer_skip_nested_validation=True)
def scaled_k(k, n_filters, n_paper):
    """``k`` rescaled to a cloud of ``n_filters`` instead of the paper's ``n_paper`` filters.

    The k-th neighbour distance measures density at a fixed *fraction* ``k / n`` of the cloud, so
    a smaller cloud keeps the paper's bandwidth with ``k * n_filters / n_paper`` (at least 5).

    Parameters
    ----------
    k : int
        The paper's neighbour rank.
    n_filters : int
        Filters of the cloud analysed.
    n_paper : int or None
        Filters of the paper's cloud; ``None`` keeps ``k``.

    Returns
    -------
    k : int
        ``k`` unchanged when ``n_paper`` is ``None`` or ``n_filters >= n_paper``, else the
        rescaled rank.
    """
    if n_paper is None or n_filters >= n_paper:
        return int(k)
    return int(max(5, round(k * n_filters / n_paper)))


@validate_params({"filters": ["array-like"], "k": [Number(Integral, 1, None, closed="left")],
                  "p": P_CONSTRAINT, "n_landmarks": [Number(Integral, 1, None, closed="left")]},
                 prefer_skip_nested_validation=True)
def fitted_sizes(filters, k, p, n_landmarks):
    """``k`` and landmarks of a preset, lowered where one cloud's live filters cannot hold them.

    For experiments that apply one preset to clouds of very different sizes (a tiny run, one
    network's own layer). The topology Pipeline itself never lowers a size; here a lowering is
    announced with a warning naming the preset value, the value used and why, and every table
    row records the values used (``k_used``, ``n_landmarks_used``).

    Parameters
    ----------
    filters : array-like of shape (n_filters, n_weights)
        The cloud, dead filters included (they are not counted).
    k : int
        The preset's neighbour rank; at most the live filters minus one is used.
    p : float
        The preset's density fraction, which sets how many points can become landmarks.
    n_landmarks : int
        The preset's landmarks; at most the points the density step keeps are used.

    Returns
    -------
    k_used : int
        Neighbour rank used.
    n_landmarks_used : int
        Landmarks used.

    Raises
    ------
    ValueError
        When fewer than 3 filters are alive.

    Warns
    -----
    SizeLoweredWarning
        When ``k`` or ``n_landmarks`` is lowered.
    """
    n_alive = int((~dead_filter_mask(check_cloud(filters, name="filters"))).sum())
    if n_alive < 3:
        raise ValueError(f"Only {n_alive} of {len(filters)} filters are alive; nothing to analyse.")
    k_used, landmarks = min(int(k), n_alive - 1), min(int(n_landmarks), _n_kept(n_alive, p))
    lowered = [f"{name}={given} to {used}" for name, given, used in
               (("k", int(k), k_used), ("n_landmarks", int(n_landmarks), landmarks))
               if used < given]
    if lowered:
        warnings.warn(f"preset sizes lowered to fit a cloud of {n_alive} live filters: "
                      + ", ".join(lowered), SizeLoweredWarning, stacklevel=3)
    return k_used, landmarks
