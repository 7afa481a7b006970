import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.spatial.distance import cdist

from sktopo.homology import covering_radius, maxmin_landmarks


def brute_maxmin(X, n, first):
    D = cdist(X, X)
    chosen = [first]
    for _ in range(n - 1):
        chosen.append(int(np.argmax(D[:, chosen].min(axis=1))))
    return chosen


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 10_000), st.integers(1, 25))
def test_maxmin_matches_brute_force_and_radius(seed, n_landmarks):
    X = np.random.default_rng(seed).normal(size=(60, 4))
    lm, eps = maxmin_landmarks(X, n_landmarks, start=3, return_covering_radius=True)
    assert lm.tolist() == brute_maxmin(X, n_landmarks, 3)
    expected = cdist(X, X[lm]).min(axis=1).max()
    assert eps == pytest.approx(expected, rel=1e-9, abs=1e-9)
    assert covering_radius(X, lm) == pytest.approx(expected, rel=1e-12)


def test_starts():
    X = np.random.default_rng(0).normal(size=(80, 3))
    far = maxmin_landmarks(X, 5)
    assert far[0] == np.argmax(((X - X.mean(0)) ** 2).sum(1))
    a = maxmin_landmarks(X, 5, start="random", random_state=1)
    b = maxmin_landmarks(X, 5, start="random", random_state=1)
    assert a.tolist() == b.tolist()
    assert maxmin_landmarks(X, 80, return_covering_radius=True)[1] == 0.0


def test_duplicates_are_distinct_landmarks():
    X = np.zeros((4, 2))
    assert sorted(maxmin_landmarks(X, 4).tolist()) == [0, 1, 2, 3]


@pytest.mark.parametrize("bad", [0, 11, 2.5, True])
def test_bad_counts(bad):
    with pytest.raises(ValueError, match="n_landmarks"):
        maxmin_landmarks(np.zeros((10, 2)), bad)


def test_bad_start_and_nan():
    with pytest.raises(ValueError, match="start"):
        maxmin_landmarks(np.zeros((10, 2)), 2, start="middle")
    with pytest.raises(ValueError, match="row index"):
        maxmin_landmarks(np.zeros((10, 2)), 2, start=10)
    X = np.zeros((10, 2))
    X[3, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        maxmin_landmarks(X, 2)
