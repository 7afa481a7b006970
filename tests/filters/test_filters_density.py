import numpy as np
import pytest
from sklearn import config_context
from sklearn.utils._param_validation import InvalidParameterError
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.spatial.distance import cdist

import sktopo.filters._density as density_module
from sktopo.datasets import make_filter_cloud
from sktopo.filters import (
    DensityFiltration,
    KNNDensity,
    density_filtration,
    density_filtration_indices,
    kth_neighbor_distances,
    n_kept,
    resolve_k,
)


def brute_kth(X, k):
    D = cdist(X, X)
    np.fill_diagonal(D, np.inf)
    return np.sort(D, axis=1)[:, k - 1]


def brute_kept(X, k, p):
    scores = brute_kth(X, k)
    return np.sort(np.lexsort((np.arange(len(X)), scores))[: n_kept(len(X), p)])


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10_000), st.integers(5, 60), st.integers(1, 4))
def test_kth_distance_matches_brute_force(seed, n, k):
    X = np.random.default_rng(seed).normal(size=(n, 3))
    np.testing.assert_allclose(kth_neighbor_distances(X, k), brute_kth(X, k))


def test_duplicates_count_as_neighbours_at_zero():
    X = np.array([[0.0], [0.0], [0.0], [10.0]])
    assert kth_neighbor_distances(X, 2).tolist() == [0.0, 0.0, 0.0, 10.0]


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10_000), st.integers(2, 4), st.floats(0.05, 1.0))
def test_kept_set_matches_brute_force(seed, k, p):
    X = np.random.default_rng(seed).normal(size=(40, 4))
    assert density_filtration_indices(X, k, p).tolist() == brute_kept(X, k, p).tolist()


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 10_000), st.integers(-3, 3))
def test_invariant_to_permutation_and_scale(seed, log2_scale):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(50, 5))
    kept = density_filtration_indices(X, 4, 0.3)
    perm = rng.permutation(len(X))
    kept_perm = perm[density_filtration_indices(X[perm], 4, 0.3)]
    # Equal scores at the cut (mutual k-th neighbours) are broken by row index, which a
    # permutation changes; everything strictly inside the cut must agree.
    scores = kth_neighbor_distances(X, 4)
    cut = scores[kept].max()
    assert np.sort(scores[kept_perm]).tolist() == np.sort(scores[kept]).tolist()
    inside = set(kept[scores[kept] < cut].tolist())
    assert inside == set(kept_perm[scores[kept_perm] < cut].tolist())
    # Powers of two scale exactly, so ties and order are untouched.
    assert density_filtration_indices(X * 2.0**log2_scale, 4, 0.3).tolist() == kept.tolist()


def test_ties_broken_by_lower_index():
    X = np.array([[0.0], [1.0], [2.0], [3.0]])  # 1-NN distances all equal to 1
    assert density_filtration_indices(X, 1, 0.5).tolist() == [0, 1]


@pytest.mark.parametrize("p", [0.02, 0.1, 0.3, 0.6])
def test_bounded_search_equals_full_sort_on_large_clouds(monkeypatch, p):
    # Force the pilot/bounded path on a cloud small enough to check against a full sort.
    monkeypatch.setattr(density_module, "_SMALL_CLOUD", 100)
    monkeypatch.setattr(density_module, "_PILOT_SIZE", 50)
    X = make_filter_cloud("primary_circle", 1500, noise=0.2, random_state=1)
    scores = kth_neighbor_distances(X, 7)
    expected = np.sort(np.argsort(scores, kind="stable")[: n_kept(len(X), p)])
    assert density_filtration_indices(X, 7, p).tolist() == expected.tolist()


def test_bounded_search_widens_when_pilot_underestimates(monkeypatch):
    monkeypatch.setattr(density_module, "_SMALL_CLOUD", 100)
    monkeypatch.setattr(density_module, "_PILOT_SIZE", 50)
    rng = np.random.default_rng(0)
    # The pilot sees almost only the dense blob, so its radius is far too small at first.
    X = np.vstack([rng.normal(scale=1e-3, size=(1000, 3)), rng.normal(scale=10, size=(900, 3))])
    expected = np.sort(np.argsort(kth_neighbor_distances(X, 5), kind="stable")[:1500])
    assert density_filtration_indices(X, 5, 1500 / 1900).tolist() == expected.tolist()


def test_density_filtration_returns_points_and_indices():
    X = np.array([[0.0], [0.1], [0.2], [5.0], [0.15]])
    pts, idx = density_filtration(X, 2, 0.6, return_indices=True)
    assert idx.tolist() == [1, 2, 4]
    np.testing.assert_array_equal(pts, X[idx])


def test_n_kept_rounds_to_nearest_and_keeps_one():
    assert n_kept(6400, 0.3) == 1920
    assert n_kept(10, 0.01) == 1
    assert n_kept(10, 1.0) == 10


@pytest.mark.parametrize("p", [0, -0.1, 1.5, float("nan"), True, "0.3"])
def test_bad_p_same_error_from_function_and_estimator(p):
    with pytest.raises(InvalidParameterError) as from_function:
        density_filtration(np.zeros((5, 2)), 1, p)
    with pytest.raises(InvalidParameterError) as from_estimator:
        DensityFiltration(k=1, p=p).fit([np.zeros((5, 2))])
    for err, owner in ((from_function, "density_filtration"), (from_estimator, "DensityFiltration")):
        assert str(err.value).startswith(f"The 'p' parameter of {owner} must be a float in the range")


def test_skip_parameter_validation_is_honoured():
    with config_context(skip_parameter_validation=True):
        # n_kept's own guard still refuses the value: no silent nonsense, just no double check.
        with pytest.raises(ValueError, match="p must be a fraction"):
            density_filtration(np.zeros((5, 2)), 1, 2.0)


def test_k_too_large_names_the_fix():
    with pytest.raises(ValueError, match="k=5 does not fit a cloud of 5 points.*smaller k"):
        density_filtration(np.zeros((5, 2)), 5, 0.5)
    with pytest.raises(ValueError, match="k=5 does not fit a cloud of 5 points"):
        DensityFiltration(k=5, p=0.5).fit([np.arange(10.).reshape(5, 2)])


@pytest.mark.parametrize("k", [0, -1, 2.5, 1.0, True])
def test_bad_k(k):
    with pytest.raises(ValueError, match="The 'k' parameter of kth_neighbor_distances"):
        kth_neighbor_distances(np.zeros((5, 2)), k)


def test_fractional_k_is_resolved_per_cloud_and_recorded():
    clouds = [make_filter_cloud("gaussian", n, random_state=n) for n in (40, 200)]
    est = DensityFiltration(k=0.05, p=0.5).fit(clouds)
    assert est.k_.tolist() == [resolve_k(0.05, 40), resolve_k(0.05, 200)] == [2, 10]
    for cloud, idx, k in zip(clouds, est.kept_indices_, est.k_):
        np.testing.assert_array_equal(idx, density_filtration_indices(cloud, int(k), 0.5))


def test_zero_rows_warn_that_dead_filters_should_be_dropped():
    cloud = np.vstack([make_filter_cloud("primary_circle", 50, random_state=0), np.zeros((5, 9))])
    with pytest.warns(UserWarning, match="all-zero rows"):
        DensityFiltration(k=3, p=0.5).fit([cloud])


def test_collection_transformer_keeps_sample_axis():
    clouds = [make_filter_cloud("gaussian", n, random_state=n) for n in (30, 50, 80)]
    est = DensityFiltration(k=4, p=0.5)
    out = est.fit_transform(clouds)
    assert len(out) == 3
    for cloud, kept, idx in zip(clouds, out, est.kept_indices_):
        np.testing.assert_array_equal(kept, density_filtration(cloud, 4, 0.5))
        np.testing.assert_array_equal(kept, cloud[idx])
    assert all(np.array_equal(a, b) for a, b in zip(est.transform(clouds), out))


def test_collection_transformer_accepts_3d_and_rejects_2d():
    X3 = np.random.default_rng(0).normal(size=(2, 20, 9))
    assert [c.shape for c in DensityFiltration(k=2, p=0.5).fit_transform(X3)] == [(10, 9)] * 2
    with pytest.raises(ValueError, match="Wrap it in a list"):
        DensityFiltration().fit_transform(X3[0])


def test_collection_transformer_validates_params():
    with pytest.raises(ValueError, match="'p' parameter"):
        DensityFiltration(p=2.0).fit([np.zeros((5, 2))])


def test_knn_density_is_a_column_of_scores_per_cloud():
    rng = np.random.default_rng(0)
    clouds = [rng.normal(size=(20, 9)), rng.normal(size=(30, 9))]
    out = KNNDensity(k=3).fit_transform(clouds)
    assert [o.shape for o in out] == [(20, 1), (30, 1)]
    for cloud, scores in zip(clouds, out):
        np.testing.assert_allclose(scores[:, 0], brute_kth(cloud, 3))
