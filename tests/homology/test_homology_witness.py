import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.spatial.distance import cdist

import sktopo.homology._witness as witness_module
from sktopo.datasets import make_filter_cloud
from sktopo.homology import lazy_witness_matrix, maxmin_landmarks


def brute_witness(X, landmarks, nu):
    """The definition, written out: e(a,b) = max(0, min_w max(d(a,w), d(b,w)) - m_w)."""
    D = cdist(X, X[landmarks])
    m = np.zeros(len(X)) if nu == 0 else np.sort(D, axis=1)[:, nu - 1]
    L = len(landmarks)
    E = np.zeros((L, L))
    for a in range(L):
        for b in range(L):
            if a != b:
                E[a, b] = max(0.0, np.min(np.maximum(D[:, a], D[:, b]) - m))
    return E


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10_000), st.integers(2, 12), st.sampled_from([0, 1, 2]))
def test_matches_definition_on_random_clouds(seed, n_landmarks, nu):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(int(rng.integers(n_landmarks, 80)), 3))
    lm = rng.choice(len(X), n_landmarks, replace=False)
    np.testing.assert_allclose(lazy_witness_matrix(X, lm, nu), brute_witness(X, lm, nu), atol=1e-12)


@pytest.mark.parametrize("kind", ["primary_circle", "klein_bottle", "gaussian"])
@pytest.mark.parametrize("nu", [0, 1, 2])
def test_block_pruning_is_exact(monkeypatch, kind, nu):
    # Small blocks and a tiny seed make the pruning do real work on a cloud small enough for the
    # brute force.
    monkeypatch.setattr(witness_module, "_BLOCK", 16)
    monkeypatch.setattr(witness_module, "_CHUNK", 100)
    monkeypatch.setattr(witness_module, "_SEED_WITNESSES", 3)
    X = make_filter_cloud(kind, 700, noise=0.1, random_state=0)
    lm = maxmin_landmarks(X, 25)
    np.testing.assert_allclose(lazy_witness_matrix(X, lm, nu), brute_witness(X, lm, nu), atol=1e-12)


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 10_000))
def test_nu0_is_sandwiched_by_landmark_distances(seed):
    # Landmarks witness themselves, so d(a,b)/2 <= e(a,b) <= d(a,b):
    # Rips_L(t) in W_0(t) in Rips_L(2t).
    X = np.random.default_rng(seed).normal(size=(50, 4))
    lm = maxmin_landmarks(X, 10)
    E, D = lazy_witness_matrix(X, lm, 0), cdist(X[lm], X[lm])
    assert (E <= D + 1e-12).all() and (E >= D / 2 - 1e-12).all()


def test_bad_arguments():
    X = np.random.default_rng(0).normal(size=(20, 2))
    with pytest.raises(ValueError, match="nu"):
        lazy_witness_matrix(X, [0, 1, 2], nu=3)
    with pytest.raises(ValueError, match="repeated"):
        lazy_witness_matrix(X, [0, 0, 2])
    with pytest.raises(ValueError, match="outside"):
        lazy_witness_matrix(X, [0, 20])
    assert lazy_witness_matrix(X, [4], nu=0).tolist() == [[0.0]]
