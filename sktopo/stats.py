r"""Rank statistics for benchmarking generalisation measures over a zoo of networks.

A *measure* (a number per network, such as the longest H1 bar of its first layer) is judged by
how well it ranks networks by a *target* (test accuracy or the generalisation gap):

* :func:`kendall_tau`: Kendall's :math:`\tau` of measure and target over all networks;
* :func:`granulated_tau`: the granulated :math:`\tau` of Jiang et al. (2020), "Fantastic
  generalization measures and where to find them" (ICLR): :math:`\tau` within groups of
  networks that differ in one hyperparameter only, averaged over the groups of each
  hyperparameter, then over hyperparameters. It asks whether the measure follows each cause
  of a change in generalisation, not only the largest one;
* :func:`bootstrap_ci` and :func:`granulated_tau_ci`: seeded percentile bootstrap intervals
  (over networks, and over groups within each hyperparameter).

A training benchmark compares conditions (a prior, a control) by the batch iterations their
networks need to reach an accuracy:

* :func:`iterations_speedup`: mean iterations to a threshold and the speed-up over a baseline,
  with paired bootstrap intervals; a network that never reaches the threshold is right-censored
  at the budget, and the report says how many did and which way that biases the speed-up.

Everything here needs numpy, scipy and pandas only.
"""

from numbers import Integral, Real

import numpy as np
import pandas as pd
from scipy import stats as _scipy_stats
from sklearn.utils import Bunch, check_random_state

from ._compat import validate_params
from ._validation import Number

__all__ = ["bootstrap_ci", "granulated_tau", "granulated_tau_ci", "iterations_speedup",
           "kendall_tau"]

_CI_CONSTRAINTS = {
    "n_boot": [Number(Integral, 1, None, closed="left")],
    "level": [Number(Real, 0, 1, closed="neither")],
    "random_state": ["random_state"],
}


def _paired(x, y):
    """``x`` and ``y`` as float arrays of one length (at least 2), without NaN."""
    arrays = []
    for name, values in (("x", x), ("y", y)):
        arr = np.asarray(values)
        if arr.dtype.kind not in "biuf":
            raise TypeError(f"{name} must hold real numbers; got dtype {arr.dtype}.")
        arr = arr.astype(np.float64)
        if arr.ndim != 1:
            raise ValueError(f"{name} must be 1-D (one value per network); got shape {arr.shape}.")
        if np.isnan(arr).any():
            raise ValueError(f"{name} contains NaN; drop those networks or fill the values first.")
        arrays.append(arr)
    if len(arrays[0]) != len(arrays[1]):
        raise ValueError(f"x and y must have the same length; got {len(arrays[0])} and "
                         f"{len(arrays[1])}.")
    if len(arrays[0]) < 2:
        raise ValueError("x and y need at least 2 values for a rank correlation.")
    return arrays


def _tau(x, y):
    # Kendall's tau-b; with a constant variable no pair is ordered, so there is no evidence
    # either way (Jiang et al.'s sign sum is 0), where scipy would give NaN.
    if (x == x[0]).all() or (y == y[0]).all():
        return 0.0
    # scipy divides by a product of square roots; rounding makes a perfect ranking exactly 1.
    return float(np.round(_scipy_stats.kendalltau(x, y).statistic, 12))


@validate_params({"x": ["array-like"], "y": ["array-like"]}, prefer_skip_nested_validation=True)
def kendall_tau(x, y):
    r"""Kendall's rank correlation :math:`\tau_b` of two paired samples.

    .. math:: \tau_b = \frac{n_c - n_d}{\sqrt{(n_0 - n_x)(n_0 - n_y)}},

    with :math:`n_c` and :math:`n_d` the concordant and discordant pairs, :math:`n_0` all pairs
    and :math:`n_x`, :math:`n_y` the pairs tied in ``x`` or in ``y``. Without ties it is the
    :math:`\tau` of Jiang et al. (2020), the mean of
    :math:`\operatorname{sign}(x_i - x_j)\operatorname{sign}(y_i - y_j)` over pairs. A constant
    sample orders no pair and gives 0 (not NaN). Infinite values rank as the largest or
    smallest.

    Parameters
    ----------
    x, y : array-like of shape (n,)
        Paired values, e.g. a measure and the test accuracy of ``n`` networks; no NaN.

    Returns
    -------
    tau : float
        In [-1, 1]: 1 when ``y`` rises with ``x``, -1 when it falls.

    See Also
    --------
    bootstrap_ci : A confidence interval for it.
    granulated_tau : The same within groups that differ in one hyperparameter.

    Examples
    --------
    >>> from sktopo.stats import kendall_tau
    >>> kendall_tau([1, 2, 3, 4], [0.1, 0.5, 0.7, 0.9]), kendall_tau([1, 2, 3], [3, 2, 1])
    (1.0, -1.0)
    >>> kendall_tau([1, 2, 3], [5, 5, 5])
    0.0
    """
    return _tau(*_paired(x, y))


@validate_params({"statistic": [callable], **_CI_CONSTRAINTS},
                 prefer_skip_nested_validation=True)
def bootstrap_ci(statistic, *samples, n_boot=1000, level=0.95, random_state=None):
    """Percentile bootstrap interval of a statistic of paired samples.

    The rows (one per network) are drawn with replacement ``n_boot`` times, the same rows in
    every sample, and the statistic recomputed; the interval holds the central ``level`` of
    those values.

    Parameters
    ----------
    statistic : callable
        ``statistic(*samples) -> float``, e.g. :func:`kendall_tau`.
    *samples : array-like of shape (n, ...)
        Paired samples of one length.
    n_boot : int, default=1000
        Bootstrap draws.
    level : float, default=0.95
        Coverage of the interval, in (0, 1).
    random_state : int, RandomState instance or None, default=None
        Seed of the draws.

    Returns
    -------
    low, high : float

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo.stats import bootstrap_ci, kendall_tau
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=60)
    >>> y = x + rng.normal(size=60)
    >>> low, high = bootstrap_ci(kendall_tau, x, y, random_state=0)
    >>> bool(0 < low < kendall_tau(x, y) < high < 1)
    True
    """
    arrays = [np.asarray(s) for s in samples]
    if not arrays:
        raise ValueError("bootstrap_ci needs at least one sample.")
    n = len(arrays[0])
    if n < 2 or any(len(a) != n for a in arrays):
        raise ValueError(f"samples must have one common length of at least 2; got lengths "
                         f"{[len(a) for a in arrays]}.")
    rng = check_random_state(random_state)
    draws = rng.randint(0, n, size=(n_boot, n))
    values = np.array([statistic(*(a[rows] for a in arrays)) for rows in draws], dtype=float)
    return _percentiles(values, level)


def _percentiles(values, level):
    tail = (1.0 - level) / 2.0
    low, high = np.quantile(values, [tail, 1.0 - tail])
    return float(low), float(high)


# --------------------------------------------------------------------------- granulated tau


def _factor_frame(factors, n):
    """``factors`` (a DataFrame or a mapping of 1-D arrays) as a DataFrame of ``n`` rows."""
    if isinstance(factors, pd.DataFrame):
        frame = factors.reset_index(drop=True)
    elif isinstance(factors, dict):
        try:
            frame = pd.DataFrame({str(k): np.asarray(v) for k, v in factors.items()})
        except ValueError as exc:
            raise ValueError(
                f"factors: every column must be 1-D with one length ({exc})."
            ) from None
    else:
        raise TypeError(f"factors must be a DataFrame or a dict of columns; got "
                        f"{type(factors).__name__}.")
    if frame.shape[1] == 0 or len(frame) != n:
        raise ValueError(f"factors must have at least one column and one row per network ({n}); "
                         f"got shape {frame.shape}.")
    if frame.isna().any().any():
        raise ValueError("factors contain missing values; every network needs every factor.")
    return frame


def _axes_of(frame, axes):
    """The factor columns to vary: ``axes``, or every column taking two or more values."""
    if axes is None:
        axes = [c for c in frame.columns if frame[c].nunique() > 1]
    axes = [axes] if isinstance(axes, str) else list(axes)
    missing = [a for a in axes if a not in frame.columns]
    if missing:
        raise ValueError(f"axes {missing} are not columns of factors ({list(frame.columns)}).")
    if not axes:
        raise ValueError("No factor takes two or more values, so no group varies one axis.")
    return axes


def _group_taus(x, y, frame, axes):
    """{axis: array of the tau of every group that varies ``axis`` only}."""
    taus = {}
    for axis in axes:
        held = [c for c in frame.columns if c != axis]
        groups = frame.groupby(held, sort=False).indices.values() if held else \
            [np.arange(len(frame))]
        values = [_tau(x[rows], y[rows]) for rows in groups
                  if len(rows) > 1 and frame[axis].iloc[rows].nunique() > 1]
        taus[axis] = np.asarray(values, dtype=float)
    empty = [a for a, v in taus.items() if len(v) == 0]
    if empty:
        raise ValueError(
            f"No two networks differ in axis {empty[0]!r} only: granulated tau needs a grid "
            "(networks equal in every other factor)."
        )
    return taus


def _prepare(x, y, factors, axes):
    x, y = _paired(x, y)
    frame = _factor_frame(factors, len(x))
    return _group_taus(x, y, frame, _axes_of(frame, axes))


_GRANULATED_CONSTRAINTS = {"x": ["array-like"], "y": ["array-like"],
                           "factors": [pd.DataFrame, dict], "axes": ["array-like", str, None]}


@validate_params(_GRANULATED_CONSTRAINTS, prefer_skip_nested_validation=True)
def granulated_tau(x, y, factors, *, axes=None):
    r"""The granulated Kendall's :math:`\tau` of Jiang et al. (2020).

    For an axis :math:`i` (a hyperparameter, such as the learning rate), the networks are
    grouped by the values of every *other* factor, so the networks of a group differ in axis
    :math:`i` only; :math:`\psi_i` is the mean of :func:`kendall_tau` over those groups. The
    granulated :math:`\tau` is :math:`\Psi = \frac{1}{|A|} \sum_{i \in A} \psi_i`. Jiang et
    al. introduced it because an overall :math:`\tau` can be high while a measure follows only
    the hyperparameter with the largest effect.

    Factors that are not axes (e.g. the seed) are held fixed within every group; groups of one
    network, or whose networks share the axis value, are skipped.

    Parameters
    ----------
    x, y : array-like of shape (n,)
        The measure and the target of ``n`` networks.
    factors : DataFrame or dict of str to array-like
        One column per factor (hyperparameter or seed), one row per network.
    axes : sequence of str, str or None, default=None
        Factors to vary; ``None`` means every factor taking two or more values.

    Returns
    -------
    result : :class:`~sklearn.utils.Bunch`
        ``tau`` (:math:`\Psi`), ``by_axis`` (axis to :math:`\psi_i`) and ``n_groups`` (axis to
        the number of groups averaged).

    See Also
    --------
    granulated_tau_ci : Its bootstrap interval.
    kendall_tau : The overall coefficient.

    Examples
    --------
    Accuracy rises with the learning rate and falls with label noise; the measure follows the
    learning rate only:

    >>> from sktopo.stats import granulated_tau
    >>> factors = {"lr": [1, 2, 1, 2], "noise": [0, 0, 1, 1]}
    >>> result = granulated_tau([1, 2, 1, 2], [0.8, 0.9, 0.5, 0.6], factors)
    >>> result.by_axis, result.tau
    ({'lr': 1.0, 'noise': 0.0}, 0.5)
    """
    taus = _prepare(x, y, factors, axes)
    by_axis = {axis: float(values.mean()) for axis, values in taus.items()}
    return Bunch(tau=float(np.mean(list(by_axis.values()))), by_axis=by_axis,
                 n_groups={axis: len(values) for axis, values in taus.items()})


@validate_params({**_GRANULATED_CONSTRAINTS, **_CI_CONSTRAINTS},
                 prefer_skip_nested_validation=True)
def granulated_tau_ci(x, y, factors, *, axes=None, n_boot=1000, level=0.95, random_state=None):
    r"""Percentile bootstrap interval of :func:`granulated_tau`.

    The groups of each axis are drawn with replacement (networks within a group stay together,
    as the statistic compares them), giving ``n_boot`` values of :math:`\Psi`.

    Parameters
    ----------
    x, y : array-like of shape (n,)
        The measure and the target of ``n`` networks.
    factors : DataFrame or dict of str to array-like
        One column per factor (hyperparameter or seed), one row per network.
    axes : sequence of str, str or None, default=None
        Factors to vary; ``None`` means every factor taking two or more values.
    n_boot : int, default=1000
        Bootstrap draws.
    level : float, default=0.95
        Coverage, in (0, 1).
    random_state : int, RandomState instance or None, default=None
        Seed of the draws.

    Returns
    -------
    low, high : float

    Examples
    --------
    >>> from sktopo.stats import granulated_tau_ci
    >>> factors = {"lr": [1, 2] * 4, "seed": [0, 0, 1, 1, 2, 2, 3, 3]}
    >>> granulated_tau_ci(range(8), range(8), factors, random_state=0)
    (1.0, 1.0)
    """
    taus = _prepare(x, y, factors, axes)
    rng = check_random_state(random_state)
    means = np.column_stack([
        values[rng.randint(0, len(values), size=(n_boot, len(values)))].mean(axis=1)
        for values in taus.values()
    ])
    return _percentiles(means.mean(axis=1), level)


# --------------------------------------------------------------------------- speed-up

#: What :func:`iterations_speedup` computes, in one sentence, for reports.
_SPEEDUP_DEFINITION = (
    "speed-up = mean iterations of the baseline / mean iterations of the condition, over seeds "
    "shared by both (paired bootstrap interval); a net that never reaches the threshold counts "
    "as max_iter + 1 (right-censored at the budget)"
)


def _hitting_times(values, name, max_iter):
    """``values`` as floats with every miss (NaN or None) set to ``max_iter + 1``; the misses."""
    try:
        arr = np.array(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must hold iteration counts, NaN or None for a miss.") from None
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D (one value per network); got shape {arr.shape}.")
    missed = np.isnan(arr)
    if ((arr[~missed] < 1) | (arr[~missed] > max_iter)).any():
        raise ValueError(f"{name}: an iteration that reached the threshold lies in "
                         f"1..max_iter={max_iter}; got {arr[~missed].tolist()}.")
    return np.where(missed, max_iter + 1.0, arr), int(missed.sum())


def _censoring(n_missed, baseline_n_missed):
    """Which way the censored misses bias the speed-up (a miss's true time is later)."""
    if n_missed and baseline_n_missed:
        return "both censored"  # both means too low: no bound either way
    if baseline_n_missed:
        return "lower bound"  # the baseline's mean is too low, so is the ratio
    return "upper bound" if n_missed else "none"


@validate_params({"iterations": ["array-like"], "baseline": ["array-like"],
                  "max_iter": [Number(Integral, 1, None, closed="left")], **_CI_CONSTRAINTS},
                 prefer_skip_nested_validation=True)
def iterations_speedup(iterations, baseline, *, max_iter, n_boot=1000, level=0.95,
                       random_state=None):
    r"""Iterations to reach an accuracy threshold, and the speed-up over a baseline.

    ``iterations[i]`` and ``baseline[i]`` are the first batch iterations at which network
    ``i`` of the condition and of the baseline reached the threshold (e.g. from
    :func:`sktopo.nn.iterations_to_accuracy`); network ``i`` of both shares a seed.

    **Censoring.** A network that never reaches the threshold within its ``max_iter``
    iterations (NaN or None) counts as ``max_iter + 1``: its time is right-censored at the
    budget, as its true time is later. The speed-up is the ratio of means

    .. math:: S = \frac{\bar b}{\bar c},

    of the censored baseline times :math:`b_i` and condition times :math:`c_i`. It is exact when
    nobody missed, a lower bound when only baseline networks missed, an upper bound when only
    condition networks did, and neither when both did (``censoring`` says which). The misses
    of each side are reported.

    **Interval.** Seeds are drawn with replacement ``n_boot`` times, the same seeds on both
    sides (a paired bootstrap, like :func:`bootstrap_ci`), and :math:`S` and :math:`\bar c`
    recomputed; each interval holds the central ``level`` of its values.

    Parameters
    ----------
    iterations, baseline : array-like of shape (n_networks,)
        First iteration reaching the threshold, in ``1..max_iter``, or NaN / None for a miss;
        at least 2 networks, paired by seed.
    max_iter : int
        The training budget of every network; a miss counts as ``max_iter + 1``.
    n_boot : int, default=1000
        Bootstrap draws.
    level : float, default=0.95
        Coverage of the intervals, in (0, 1).
    random_state : int, RandomState instance or None, default=None
        Seed of the draws.

    Returns
    -------
    result : :class:`~sklearn.utils.Bunch`
        ``mean_iterations`` (:math:`\bar c`) with ``iterations_ci_low`` and
        ``iterations_ci_high``; ``baseline_mean_iterations`` (:math:`\bar b`); ``speedup``
        (:math:`S`) with ``speedup_ci_low`` and ``speedup_ci_high``; ``n_missed`` and
        ``baseline_n_missed``; ``censored_at`` (``max_iter + 1``); ``censoring`` ("none",
        "lower bound", "upper bound" or "both censored"); ``definition`` (this rule in words).

    See Also
    --------
    bootstrap_ci : The paired bootstrap of any statistic.

    Examples
    --------
    The baseline's second network never reached the threshold in 300 iterations, so it counts
    as 301 and the speed-up of 2.5 is a lower bound:

    >>> from sktopo.stats import iterations_speedup
    >>> r = iterations_speedup([100, 100], [199, None], max_iter=300, random_state=0)
    >>> r.speedup, r.baseline_n_missed, r.censoring
    (2.5, 1, 'lower bound')
    """
    ours, n_missed = _hitting_times(iterations, "iterations", max_iter)
    ref, baseline_n_missed = _hitting_times(baseline, "baseline", max_iter)
    if len(ours) != len(ref) or len(ours) < 2:
        raise ValueError(f"iterations and baseline must pair at least 2 networks; got "
                         f"{len(ours)} and {len(ref)}.")
    rows = check_random_state(random_state).randint(0, len(ours), size=(n_boot, len(ours)))
    means, ref_means = ours[rows].mean(axis=1), ref[rows].mean(axis=1)
    it_low, it_high = _percentiles(means, level)
    low, high = _percentiles(ref_means / means, level)
    return Bunch(
        mean_iterations=float(ours.mean()), iterations_ci_low=it_low, iterations_ci_high=it_high,
        baseline_mean_iterations=float(ref.mean()), speedup=float(ref.mean() / ours.mean()),
        speedup_ci_low=low, speedup_ci_high=high, n_missed=n_missed,
        baseline_n_missed=baseline_n_missed, censored_at=max_iter + 1,
        censoring=_censoring(n_missed, baseline_n_missed), definition=_SPEEDUP_DEFINITION,
    )
