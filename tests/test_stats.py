"""Statistics of the benchmarks: Kendall's tau, bootstrap intervals, granulated tau, speed-ups."""

import itertools

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sktopo.stats import (
    bootstrap_ci,
    granulated_tau,
    granulated_tau_ci,
    iterations_speedup,
    kendall_tau,
)


# --------------------------------------------------------------------------- Kendall's tau
def test_tau_of_monotone_and_reversed_pairs():
    x = np.array([0.3, 1.0, 2.5, 7.0, 9.0])
    assert kendall_tau(x, np.exp(x)) == 1.0
    assert kendall_tau(x, -x**3) == -1.0
    assert kendall_tau([1, 2, 3], [1, 2, np.inf]) == 1.0  # infinite values rank last


def test_tau_of_a_constant_sample_is_zero_not_nan():
    assert kendall_tau([1, 2, 3, 4], [0.5] * 4) == 0.0
    assert kendall_tau([7] * 3, [1, 2, 3]) == 0.0


def test_tau_by_hand_and_like_scipy_with_ties():
    # Pairs of (1, 3, 2): (1,3)+ (1,2)+ (3,2)- -> (2 - 1) / 3.
    assert kendall_tau([1, 2, 3], [1, 3, 2]) == pytest.approx(1 / 3)
    rng = np.random.default_rng(0)
    x, y = rng.integers(0, 4, 40), rng.integers(0, 3, 40)
    assert kendall_tau(x, y) == pytest.approx(stats.kendalltau(x, y).statistic)
    assert -1 <= kendall_tau(x, y) <= 1


@pytest.mark.parametrize("x, y, error, match", [
    ([1, 2, np.nan], [1, 2, 3], ValueError, "NaN"),
    ([1, 2, 3], [1, 2], ValueError, "same length"),
    ([1], [1], ValueError, "at least 2"),
    ([[1, 2], [3, 4]], [1, 2], ValueError, "1-D"),
    (["a", "b"], [1, 2], TypeError, "real numbers"),
])
def test_tau_refuses_bad_input(x, y, error, match):
    with pytest.raises(error, match=match):
        kendall_tau(x, y)


# --------------------------------------------------------------------------- bootstrap
def test_bootstrap_interval_is_seeded_and_brackets_the_estimate():
    rng = np.random.default_rng(1)
    x = rng.normal(size=80)
    y = x + 0.7 * rng.normal(size=80)
    low, high = bootstrap_ci(kendall_tau, x, y, n_boot=300, random_state=3)
    assert (low, high) == bootstrap_ci(kendall_tau, x, y, n_boot=300, random_state=3)
    assert 0 < low < kendall_tau(x, y) < high <= 1
    narrow = bootstrap_ci(kendall_tau, x, y, n_boot=300, level=0.5, random_state=3)
    assert low <= narrow[0] <= narrow[1] <= high


def test_bootstrap_of_a_perfect_ranking_is_one():
    assert bootstrap_ci(kendall_tau, np.arange(10), np.arange(10) ** 2, n_boot=50,
                        random_state=0) == (1.0, 1.0)


def test_bootstrap_refuses_bad_input():
    with pytest.raises(ValueError, match="common length"):
        bootstrap_ci(kendall_tau, [1, 2, 3], [1, 2], random_state=0)
    with pytest.raises(ValueError, match="level"):
        bootstrap_ci(kendall_tau, [1, 2, 3], [1, 2, 3], level=1.0)
    with pytest.raises(ValueError, match="n_boot"):
        bootstrap_ci(kendall_tau, [1, 2, 3], [1, 2, 3], n_boot=0)


# --------------------------------------------------------------------------- granulated tau
def _grid():
    """Learning rate (3 values) x label noise (2) x seed (2): accuracy rises with the rate and
    falls with noise, by more than any seed effect."""
    rows = list(itertools.product([1, 2, 3], [0.0, 0.5], [0, 1]))
    frame = pd.DataFrame(rows, columns=["lr", "noise", "seed"])
    accuracy = 0.5 + 0.1 * frame["lr"] - 0.4 * frame["noise"] + 0.01 * frame["seed"]
    return frame, accuracy.to_numpy()


def test_granulated_tau_on_a_hand_made_grid():
    factors, accuracy = _grid()
    axes = ["lr", "noise"]
    # The accuracy itself ranks every group right.
    exact = granulated_tau(accuracy, accuracy, factors, axes=axes)
    assert exact.tau == 1.0 and exact.by_axis == {"lr": 1.0, "noise": 1.0}
    # Groups: lr varies within (noise, seed) -> 4 groups of 3; noise within (lr, seed) -> 6 of 2.
    assert exact.n_groups == {"lr": 4, "noise": 6}
    # A measure that follows the learning rate only is constant within the noise groups.
    lr_only = granulated_tau(factors["lr"], accuracy, factors, axes=axes)
    assert lr_only.by_axis == {"lr": 1.0, "noise": 0.0} and lr_only.tau == 0.5
    # ... and one that follows the noise only, with the sign of its effect.
    noise_only = granulated_tau(-factors["noise"], accuracy, factors, axes=axes)
    assert noise_only.by_axis == {"lr": 0.0, "noise": 1.0}


def test_granulated_tau_by_hand_with_a_partial_order():
    factors = {"lr": [1, 2, 3, 1, 2, 3], "seed": [0, 0, 0, 1, 1, 1]}
    # Seed 0 ranks (1, 3, 2): pairs + + -, tau 1/3; seed 1 ranks (3, 2, 1): tau -1.
    result = granulated_tau([1, 3, 2, 3, 2, 1], [1, 2, 3, 1, 2, 3], factors, axes="lr")
    assert result.by_axis == {"lr": pytest.approx(-1 / 3)} and result.n_groups == {"lr": 2}


def test_granulated_tau_needs_networks_that_differ_in_one_axis_only():
    # Every pair differs in both factors (a diagonal, not a grid): no group varies lr alone.
    with pytest.raises(ValueError, match="differ in axis 'lr' only"):
        granulated_tau(range(3), range(3), {"lr": [1, 2, 3], "seed": [0, 1, 2]}, axes="lr")


def test_default_axes_are_the_varied_factors():
    factors, accuracy = _grid()
    factors["width"] = 64  # constant: not an axis
    result = granulated_tau(accuracy, accuracy, factors)
    assert set(result.by_axis) == {"lr", "noise", "seed"}


def test_granulated_interval_resamples_groups():
    factors, accuracy = _grid()
    rng = np.random.default_rng(0)
    noisy = accuracy + 0.08 * rng.normal(size=len(accuracy))
    point = granulated_tau(noisy, accuracy, factors, axes=["lr", "noise"]).tau
    low, high = granulated_tau_ci(noisy, accuracy, factors, axes=["lr", "noise"], n_boot=400,
                                  random_state=0)
    assert -1 <= low <= point <= high <= 1
    assert (low, high) == granulated_tau_ci(noisy, accuracy, factors, axes=["lr", "noise"],
                                            n_boot=400, random_state=0)
    assert granulated_tau_ci(accuracy, accuracy, factors, axes=["lr", "noise"],
                             random_state=0) == (1.0, 1.0)


@pytest.mark.parametrize("factors, axes, error, match", [
    ({"lr": [1, 2, 3, 4]}, "width", ValueError, "not columns"),
    ({"lr": [1, 1, 1, 1]}, None, ValueError, "two or more values"),
    ({"lr": [1, 2, 3]}, None, ValueError, "one row per network"),
    ({"lr": [1, 2, None, 4]}, None, ValueError, "missing values"),
    ([1, 2, 3, 4], None, ValueError, "factors"),
])
def test_granulated_tau_refuses_bad_factors(factors, axes, error, match):
    with pytest.raises(error, match=match):
        granulated_tau([1, 2, 3, 4], [1, 2, 3, 4], factors, axes=axes)


# --------------------------------------------------------------------------- speed-up
def test_speedup_is_a_ratio_of_mean_iterations_with_its_interval():
    result = iterations_speedup([100, 200], [300, 300], max_iter=1000, n_boot=2000,
                                random_state=0)
    assert result.mean_iterations == 150.0 and result.baseline_mean_iterations == 300.0
    assert result.speedup == 2.0  # 300 / 150, not the mean of the ratios 3 and 1.5
    # Two seeds: a draw's condition mean is 100, 150 or 200, so the speed-up is 3, 2 or 1.5.
    assert (result.speedup_ci_low, result.speedup_ci_high) == (1.5, 3.0)
    assert (result.iterations_ci_low, result.iterations_ci_high) == (100.0, 200.0)
    assert (result.n_missed, result.baseline_n_missed, result.censoring) == (0, 0, "none")


def test_speedup_resamples_the_seeds_in_pairs():
    # Every seed is exactly twice as fast; an unpaired bootstrap would spread the ratio widely.
    baseline = np.array([20.0, 200.0, 2000.0])
    result = iterations_speedup(baseline / 2, baseline, max_iter=2000, random_state=0)
    assert (result.speedup, result.speedup_ci_low, result.speedup_ci_high) == (2.0, 2.0, 2.0)


def test_speedup_interval_is_bootstrap_ci_of_the_same_statistic():
    rng = np.random.default_rng(0)
    ours, ref = rng.integers(1, 50, 12), rng.integers(20, 100, 12)
    result = iterations_speedup(ours, ref, max_iter=100, n_boot=300, random_state=4)
    assert (result.speedup_ci_low, result.speedup_ci_high) == bootstrap_ci(
        lambda a, b: b.mean() / a.mean(), ours, ref, n_boot=300, random_state=4)


@pytest.mark.parametrize("ours, ref, mean, speedup, missed, censoring", [
    # A baseline miss counts as max_iter + 1 = 300: its true time is later, the speed-up more.
    ([100, 100], [None, 200], 100.0, 2.5, (0, 1), "lower bound"),
    # A miss of the condition makes it look faster than it is.
    ([np.nan, 100], [200, 200], 200.0, 1.0, (1, 0), "upper bound"),
    ([np.nan, np.nan], [None, None], 300.0, 1.0, (2, 2), "both censored"),
])
def test_a_miss_is_censored_at_the_budget_and_reported(ours, ref, mean, speedup, missed,
                                                       censoring):
    result = iterations_speedup(ours, ref, max_iter=299, n_boot=50, random_state=0)
    assert result.censored_at == 300 and result.mean_iterations == mean
    assert result.speedup == speedup
    assert (result.n_missed, result.baseline_n_missed) == missed
    assert result.censoring == censoring and "max_iter + 1" in result.definition


@pytest.mark.parametrize("ours, ref, kwargs, error, match", [
    ([1, 2, 3], [1, 2], {}, ValueError, "pair at least 2"),
    ([1], [1], {}, ValueError, "pair at least 2"),
    ([1, 11], [1, 2], {}, ValueError, "1..max_iter=10"),
    ([0, 2], [1, 2], {}, ValueError, "1..max_iter=10"),
    ([[1, 2]], [1, 2], {}, ValueError, "1-D"),
    (["a", "b"], [1, 2], {}, TypeError, "iteration counts"),
    ([1, 2], [1, 2], {"max_iter": 0}, ValueError, "max_iter"),
    ([1, 2], [1, 2], {"n_boot": 0}, ValueError, "n_boot"),
])
def test_speedup_refuses_bad_input(ours, ref, kwargs, error, match):
    with pytest.raises(error, match=match):
        iterations_speedup(ours, ref, **{"max_iter": 10, **kwargs})
