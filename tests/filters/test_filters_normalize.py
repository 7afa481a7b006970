import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sktopo.filters import FilterNormalizer, dead_filter_mask, normalize_filters

finite = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False)
clouds = arrays(np.float64, st.tuples(st.integers(1, 30), st.integers(2, 25)), elements=finite)


@settings(max_examples=60, deadline=None)
@given(clouds)
def test_rows_are_zero_mean_and_unit_norm_or_flagged_dead(X):
    Z, dead = normalize_filters(X, return_dead=True)
    assert Z.shape == X.shape
    assert np.isfinite(Z).all()
    alive = ~dead
    np.testing.assert_allclose(Z[alive].mean(axis=1), 0, atol=1e-9)
    np.testing.assert_allclose(np.linalg.norm(Z[alive], axis=1), 1, rtol=1e-9)
    assert (Z[dead] == 0).all()


@settings(max_examples=60, deadline=None)
@given(clouds)
def test_idempotent(X):
    Z = normalize_filters(X)
    np.testing.assert_allclose(normalize_filters(Z), Z, atol=1e-12)


@settings(max_examples=40, deadline=None)
@given(clouds, st.floats(1e-3, 1e3), st.floats(-1e3, 1e3))
def test_invariant_to_positive_scale_and_offset(X, scale, offset):
    Z, dead = normalize_filters(X, return_dead=True)
    Z2, dead2 = normalize_filters(X * scale + offset, return_dead=True)
    both = ~dead & ~dead2
    np.testing.assert_allclose(Z2[both], Z[both], atol=1e-6)


def test_subnormal_weights_normalise_exactly():
    # Squaring weights near 1e-161 underflows; the result must still be the unit direction.
    Z = normalize_filters([[0.0, 1.47443679e-161]])
    np.testing.assert_allclose(Z, [[-np.sqrt(0.5), np.sqrt(0.5)]], rtol=1e-12)


def test_dead_filters_constant_and_zero_rows():
    X = np.array([[3.0] * 9, [0.0] * 9, np.arange(9.0), [1e-12] * 8 + [1e-12 * (1 + 1e-9)]])
    Z, dead = normalize_filters(X, return_dead=True)
    assert dead.tolist() == [True, True, False, True]
    assert np.all(Z[dead] == 0)
    assert dead_filter_mask(X).tolist() == dead.tolist()


def test_tiny_but_structured_filter_is_alive():
    # Scale alone never makes a filter dead: a pruned-looking kernel still has a direction.
    x = 1e-20 * np.arange(9.0)
    Z, dead = normalize_filters(x[None], return_dead=True)
    assert not dead[0]
    np.testing.assert_allclose(Z[0], normalize_filters(np.arange(9.0)[None])[0])


def test_atol_marks_small_filters_dead():
    X = np.vstack([1e-4 * np.arange(9.0), np.arange(9.0)])
    assert normalize_filters(X, atol=1e-2, return_dead=True)[1].tolist() == [True, False]


def test_transformer_reports_dead_rows():
    est = FilterNormalizer().fit(np.vstack([np.ones(9), np.arange(9.0)]))
    assert est.n_dead_ == 1 and est.dead_mask_.tolist() == [True, False]


@pytest.mark.parametrize("bad", [[[np.nan, 1.0]], [[np.inf, 0.0]]])
def test_non_finite_input_raises(bad):
    with pytest.raises(ValueError, match="NaN or infinite"):
        normalize_filters(bad)


def test_empty_cloud_raises():
    with pytest.raises(ValueError, match="0 point"):
        normalize_filters(np.empty((0, 9)))
