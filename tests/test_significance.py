"""The significance readout: the null law against its formula, the combination rules, and the
properties the readout promises (false positives at most alpha, power at every size, the same
verdict at 300 and 30,000 points)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sktopo.datasets import make_filter_cloud
from sktopo.filters import density_filtration, normalize_filters
from sktopo.significance import (
    Readout,
    SignificanceReadout,
    caveats,
    combine_pvalues,
    significance_readout,
    size_matched_null,
    universal_pvalues,
    verdict,
)


def _null_cloud(n, dim, filtered, seed):
    """``n`` analysed points of isotropic Gaussian filters (kept by rho(15, 0.3) when filtered)."""
    rng = np.random.default_rng(seed)
    raw = normalize_filters(rng.standard_normal((int(np.ceil(n / 0.3)) if filtered else n, dim)))
    return density_filtration(raw, 15, 0.3) if filtered else raw


def _noisy_circle(n, seed, noise=0.3):
    """``n`` points of the rho(15, 0.3)-filtered noisy primary circle."""
    raw = make_filter_cloud("primary_circle", int(np.ceil(n / 0.3)), noise=noise, random_state=seed)
    return density_filtration(normalize_filters(raw), 15, 0.3)


# --------------------------------------------------------------------------- the null law
@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.floats(0.01, 5), st.floats(1.001, 20)), min_size=2, max_size=40))
def test_pvalues_follow_the_formula(bars):
    diagram = np.array([[b, b * ratio] for b, ratio in bars])
    loglog = np.log(np.log(diagram[:, 1] / diagram[:, 0]))
    expected = np.exp(-np.exp(loglog - loglog.mean() - np.euler_gamma))
    np.testing.assert_allclose(universal_pvalues(diagram), expected, rtol=1e-9)
    # Scale-free: the law reads death / birth only.
    np.testing.assert_allclose(universal_pvalues(3.7 * diagram), expected, rtol=1e-9)


def test_the_most_persistent_bar_gets_the_smallest_pvalue():
    diagram = np.array([[1.0, 1.05], [1.0, 1.2], [0.1, 2.0], [1.0, 1.1]])
    p = universal_pvalues(diagram)
    assert np.argmin(p) == 2 and np.all(np.diff(p[[0, 3, 1]]) < 0)


def test_bars_the_law_says_nothing_about_are_nan():
    p = universal_pvalues(np.array([[0.0, 0.5], [0.2, np.inf], [0.3, 0.3], [0.2, 0.4], [0.2, 0.3]]))
    assert np.isnan(p[:3]).all() and np.isfinite(p[3:]).all()
    assert universal_pvalues(np.zeros((0, 2))).shape == (0,)


@pytest.mark.parametrize("bad, match", [
    (np.array([[0.5, 0.2]]), "death precedes"),
    (np.array([[np.nan, 0.2]]), "NaN"),
    (np.zeros((3, 3)), r"shape \(n_bars, 2\)"),
])
def test_bad_diagrams_are_refused(bad, match):
    with pytest.raises(ValueError, match=match):
        universal_pvalues(bad)


def test_combinations():
    assert combine_pvalues([0.02] * 5, method="cauchy") == pytest.approx(0.02, rel=1e-9)
    assert combine_pvalues([0.01, 0.02, 0.5]) == pytest.approx(0.04)
    assert combine_pvalues([1.0, 1.0], method="cauchy") > 0.9
    assert combine_pvalues([0.0, 0.3], method="cauchy") < 1e-10
    # Why the readout combines by the median: one Bonferroni-capped subsample (p = 1) must not
    # outweigh four that agree.
    assert combine_pvalues([0.001] * 4 + [1.0]) == pytest.approx(0.002)
    assert combine_pvalues([0.001] * 4 + [1.0], method="cauchy") > 0.99
    with pytest.raises(ValueError, match=r"in \[0, 1\]"):
        combine_pvalues([1.5])


# --------------------------------------------------------------------------- the readout
def test_readout_fields_and_verdicts():
    r = significance_readout(_noisy_circle(600, 0), random_state=0)
    assert isinstance(r, Readout) and r.subsample_size == 300 and r.n_repeats == 5
    assert r.significant and r.n_significant == 1 and r.fraction_significant == 1.0
    assert r.lifetime_low <= r.lifetime <= r.lifetime_high
    assert sorted(r.lifetimes)[2] == r.lifetime  # the median of five
    assert r.summary()["verdict"] == verdict(1) == "a circle: one significant H1 class"
    assert len(r.corrected_pvalues) == len(r.diagram[1])
    assert r.level == r.alpha / 2  # five subsamples combined as twice their median
    assert (r.corrected_pvalues < r.level).sum() >= 1


@pytest.mark.parametrize("seed", range(6))
def test_the_count_and_the_pvalue_never_disagree(seed):
    # Borderline clouds (noise 0.6) give subsamples on both sides of the level.
    r = significance_readout(_noisy_circle(300 + 100 * seed, seed, noise=0.6), random_state=seed)
    assert (r.n_significant > 0) == r.significant
    assert r.significant == (r.fraction_significant > 0.5)  # most subsamples below alpha / 2
    if r.n_repeats == 1:  # a cloud read whole, once: its own p-value, nothing to combine
        assert r.pvalue == r.subsample_pvalues[0] and r.level == r.alpha


def test_readout_is_seeded_and_a_small_cloud_is_read_once():
    X = _noisy_circle(400, 1)
    assert significance_readout(X, random_state=3) == significance_readout(X, random_state=3)
    small = significance_readout(X[:120], random_state=0)
    assert small.n_repeats == 1 and small.subsample_size == 120
    assert any("all 120 points" in note for note in caveats(small))


def test_estimator_matches_the_function_and_names_its_columns():
    clouds = [_noisy_circle(400, 2), _null_cloud(400, 9, True, 2)]
    est = SignificanceReadout(m=200, random_state=0)
    table = est.set_output(transform="pandas").fit_transform(clouds)
    assert list(table.columns) == list(est.get_feature_names_out())
    assert table["pvalue_h1"][0] < 0.05 < table["pvalue_h1"][1]
    seeds = est._sample_seeds(2)
    again = significance_readout(clouds[1], m=200, random_state=seeds[1])
    assert table["rips_lifetime_h1"][1] == again.lifetime
    with pytest.raises(ValueError, match="homology_dimensions must list 1 and/or 2"):
        SignificanceReadout(homology_dimensions=(0,)).fit(clouds)


def test_caveats_explain_a_mapper_disagreement_and_few_points():
    r = significance_readout(_null_cloud(60, 9, False, 0), random_state=0)
    notes = caveats(r, nerve_betti1=3)
    assert any("only 60 points" in n for n in notes)
    assert any("Mapper nerve has 3 loop(s)" in n for n in notes)


def test_size_matched_null_with_given_and_gaussian_clouds():
    def lifetime(X, seed):
        return significance_readout(normalize_filters(X), m=100, n_repeats=1,
                                    random_state=seed).lifetime

    circle = make_filter_cloud("primary_circle", 300, noise=0.2, random_state=0)
    found = size_matched_null(circle, lifetime, n_draws=9, random_state=0)
    assert found.pvalue == 0.1 and found.observed > found.null_max
    noise = make_filter_cloud("gaussian", 300, random_state=1)
    given = [make_filter_cloud("gaussian", 300, random_state=s) for s in range(2, 11)]
    none = size_matched_null(noise, lifetime, n_draws=9, null=given, random_state=0)
    assert none.pvalue > 0.1 and "9 given null clouds" in none.null_kind
    with pytest.raises(ValueError, match="needs as many"):
        size_matched_null(noise, lifetime, n_draws=20, null=given)


# --------------------------------------------------------------------------- the properties
@pytest.mark.slow
def test_false_positives_stay_below_alpha_on_200_null_clouds():
    sizes = [100, 300, 1000, 3000, 10000]
    flagged = 0
    for i in range(200):
        n, dim, filtered = sizes[i % 5], (9, 25)[i % 2], bool(i % 3)
        if dim == 25 and n > 1000:
            n = 1000  # 25-D rho at 10,000 kept points costs half a minute; the law is scale-free
        r = significance_readout(_null_cloud(n, dim, filtered, i), m=150, n_repeats=3,
                                 random_state=i)
        flagged += r.significant
    assert flagged / 200 <= 0.05


@pytest.mark.slow
@pytest.mark.parametrize("n", [150, 1000, 10000])
def test_a_filtered_noisy_circle_is_found_at_every_size(n):
    found = [significance_readout(_noisy_circle(n, seed), random_state=seed).n_significant == 1
             for seed in range(20)]
    assert np.mean(found) >= 0.95


@pytest.mark.slow
def test_the_same_cloud_at_300_and_30000_points_reads_the_same():
    big = _noisy_circle(30000, 7)
    small = big[np.random.default_rng(0).choice(len(big), 300, replace=False)]
    a = significance_readout(big, random_state=0)
    b = significance_readout(small, random_state=0)
    assert a.n_significant == b.n_significant == 1
    assert a.lifetime_low <= b.lifetime_high and b.lifetime_low <= a.lifetime_high
    # The witness-style size drift is gone: the readout's lifetime moves by a few per cent.
    assert abs(a.lifetime - b.lifetime) < 0.1 * a.lifetime
