import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sktopo.homology import pad_diagrams, unpad_diagrams


def random_diagrams(rng, n_clouds, n_dims):
    out = []
    for _ in range(n_clouds):
        per_dim = []
        for _q in range(n_dims):
            k = rng.integers(0, 6)
            birth = rng.uniform(0, 1, k)
            death = birth + rng.uniform(0.01, 1, k)
            death[rng.uniform(size=k) < 0.2] = np.inf
            per_dim.append(np.column_stack([birth, death]))
        out.append(per_dim)
    return out


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10_000), st.integers(1, 4), st.integers(1, 3))
def test_pad_unpad_round_trip(seed, n_clouds, n_dims):
    dgms = random_diagrams(np.random.default_rng(seed), n_clouds, n_dims)
    padded = pad_diagrams(dgms)
    assert padded.ndim == 3 and padded.shape[:1] == (n_clouds,) and padded.shape[2] == 3
    # Padding rows have zero lifetime and every sample shares one dimension layout.
    pad = padded[..., 1] == padded[..., 0]
    assert (padded[pad][:, :2] == 0).all()
    assert (padded[..., 2] == padded[:1, :, 2]).all()
    back = unpad_diagrams(padded)
    assert len(back) == n_clouds
    for orig, got in zip(dgms, back):
        assert len(got) == n_dims
        for a, b in zip(orig, got):
            np.testing.assert_array_equal(a, b)


def test_every_dimension_keeps_a_row_even_when_empty():
    padded = pad_diagrams([[np.array([[0.0, np.inf]]), np.empty((0, 2))]])
    assert padded[0].tolist() == [[0.0, np.inf, 0.0], [0.0, 0.0, 1.0]]
    assert [d.shape for d in unpad_diagrams(padded)[0]] == [(1, 2), (0, 2)]


def test_errors_are_clear():
    with pytest.raises(ValueError, match="same dimensions"):
        pad_diagrams([[np.zeros((1, 2))], [np.zeros((1, 2)), np.zeros((1, 2))]])
    with pytest.raises(ValueError, match="wrap it"):
        unpad_diagrams(np.zeros((3, 3)))
    with pytest.raises(ValueError, match="NaN"):
        unpad_diagrams(np.full((1, 2, 3), np.nan))
    with pytest.raises(ValueError, match="death < birth"):
        unpad_diagrams(np.array([[[1.0, 0.5, 0]]]))
    with pytest.raises(TypeError):
        pad_diagrams(np.zeros((2, 2)))
