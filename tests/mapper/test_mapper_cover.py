import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sktopo.mapper import cover_intervals, cover_membership


@settings(max_examples=40, deadline=None)
@given(
    r=st.integers(1, 40),
    g=st.floats(1.05, 6.0),
    lo=st.floats(-10, 10),
    width=st.floats(0.1, 50),
)
def test_cover_intervals_follow_the_gain_formula(r, g, lo, width):
    hi = lo + width
    iv = cover_intervals(lo, hi, r, g)
    assert iv.shape == (r, 2)
    length = iv[:, 1] - iv[:, 0]
    np.testing.assert_allclose(length, length[0], rtol=1e-9, atol=1e-12)
    assert iv[0, 0] == lo and iv[-1, 1] == hi
    if r > 1:
        overlap = iv[:-1, 1] - iv[1:, 0]
        # Ayasdi: percent overlap = 1 - 1/gain of the interval length.
        np.testing.assert_allclose(overlap / length[0], 1 - 1 / g, rtol=1e-9, atol=1e-9)


@settings(max_examples=30, deadline=None)
@given(r=st.integers(1, 25), g=st.floats(1.1, 5.0), seed=st.integers(0, 10_000))
def test_membership_matches_interval_containment(r, g, seed):
    rng = np.random.default_rng(seed)
    lens = rng.normal(size=(60, 2))
    points, cells, shape = cover_membership(lens, r, g)
    assert shape == (r, r)
    got = set(zip(points.tolist(), cells.tolist()))
    iv = [cover_intervals(lens[:, j].min(), lens[:, j].max(), r, g) for j in range(2)]
    tol = 1e-9
    expected = set()
    for p in range(lens.shape[0]):
        inside = [
            [i for i in range(r) if iv[j][i, 0] - tol <= lens[p, j] <= iv[j][i, 1] + tol]
            for j in range(2)
        ]
        for a in inside[0]:
            for b in inside[1]:
                expected.add((p, a * r + b))
    # Every found membership is a true containment; misses only at floating-point boundaries.
    assert got <= expected
    strict = set()
    for p, c in expected:
        a, b = divmod(c, r)
        if all(iv[j][i, 0] + tol < lens[p, j] < iv[j][i, 1] - tol for j, i in ((0, a), (1, b))):
            strict.add((p, c))
    assert strict <= got
    # Every point is covered.
    assert set(points.tolist()) == set(range(lens.shape[0]))


@pytest.mark.parametrize("g", [1.5, 2.0, 3.0, 4.5])
def test_interior_points_lie_in_floor_or_ceil_gain_intervals(g):
    lens = np.linspace(0, 1, 2001)[:, None]
    points, _, _ = cover_membership(lens, 20, g)
    counts = np.bincount(points, minlength=lens.shape[0])
    # Closed intervals: a point on a shared endpoint lies in one more.
    assert counts.max() <= np.floor(g) + 1 and counts.min() >= 1
    x = lens[:, 0] * (20 - 1 + g)  # position in units of the step
    off_boundary = np.abs(x - np.round(x)) > 1e-6
    assert counts[off_boundary].max() <= np.ceil(g)
    assert counts[off_boundary & (x > g) & (x < 19)].min() >= np.floor(g)
    if g > 2:
        assert counts.max() > 2  # gains above 2 put points in more than two intervals


def test_constant_lens_gets_one_interval():
    points, cells, shape = cover_membership(np.ones((5, 1)), 10, 3)
    assert shape == (1,) and cells.tolist() == [0] * 5


@pytest.mark.parametrize("bad", [0, -3])
def test_bad_resolution(bad):
    with pytest.raises(ValueError, match="resolution"):
        cover_intervals(0, 1, bad, 2)


@pytest.mark.parametrize("bad", [1, 0.5, -2, float("nan")])
def test_bad_gain(bad):
    with pytest.raises(ValueError, match="gain"):
        cover_membership(np.zeros((3, 1)), 5, bad)
