"""The pruned lazy witness matrix at benchmark-like scale equals the brute force (no timing).

The benchmark cloud (benchmarks/bench_homology.py) mixes a noisy primary circle with Gaussian
filters; here a smaller cloud of the same kind runs with the module's default block sizes, so the
pruning that makes the large runs fast is checked where it does real work.
"""

import numpy as np
import pytest
from scipy.spatial.distance import cdist

from sktopo.datasets import make_filter_cloud
from sktopo.homology import lazy_witness_matrix, maxmin_landmarks


def brute_witness(X, landmarks, nu):
    """e(a, b) = max(0, min_w max(d(a, w), d(b, w)) - m_w), one landmark row at a time."""
    D = cdist(X, X[landmarks])
    m = np.zeros(len(X)) if nu == 0 else np.sort(D, axis=1)[:, nu - 1]
    V = D - m[:, None]
    E = np.zeros((len(landmarks), len(landmarks)))
    for a in range(len(landmarks)):
        E[a] = np.maximum(V[:, [a]], V).min(axis=0)
    np.fill_diagonal(E, 0.0)
    return np.maximum(E, 0.0)


@pytest.fixture(scope="module")
def mixed_cloud():
    return np.vstack([
        make_filter_cloud("primary_circle", 3_000, noise=0.1, random_state=1),
        make_filter_cloud("gaussian", 7_000, random_state=2),
    ])


@pytest.mark.parametrize("nu", [0, 1, 2])
def test_default_blocks_match_brute_force(mixed_cloud, nu):
    lm = maxmin_landmarks(mixed_cloud, 40)
    E = lazy_witness_matrix(mixed_cloud, lm, nu)
    np.testing.assert_allclose(E, brute_witness(mixed_cloud, lm, nu), rtol=0, atol=1e-12)
    np.testing.assert_array_equal(E, E.T)


def test_scaled_cloud_gives_the_scaled_matrix(mixed_cloud):
    # The cloud is divided by a power of two first: scaling it scales the matrix exactly.
    lm = maxmin_landmarks(mixed_cloud, 30)
    E = lazy_witness_matrix(mixed_cloud, lm, 2)
    np.testing.assert_array_equal(lazy_witness_matrix(mixed_cloud * 2.0**40, lm, 2), E * 2.0**40)
