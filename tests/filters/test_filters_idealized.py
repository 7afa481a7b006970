import numpy as np
import pytest
from ripser import ripser

from sktopo.datasets import make_collection, make_filter_cloud
from sktopo.filters import (
    gaussian_filters,
    idealized_filters,
    klein_bottle,
    klein_bottle_filter,
    primary_circle,
    sample_klein_bottle,
    secondary_circles,
    three_circle_model,
)


def h1_lifetimes(X):
    dgm = ripser(X, maxdim=1)["dgms"][1]
    return np.sort(dgm[:, 1] - dgm[:, 0])[::-1]


@pytest.mark.parametrize(
    "make",
    [
        lambda: primary_circle(16),
        lambda: secondary_circles(8),
        lambda: three_circle_model(8),
        lambda: klein_bottle(6, 5),
        lambda: sample_klein_bottle(20, random_state=0),
        lambda: gaussian_filters(20, random_state=0),
    ],
)
def test_idealised_filters_are_normalised(make):
    X = make()
    np.testing.assert_allclose(X.mean(axis=1), 0, atol=1e-12)
    np.testing.assert_allclose(np.linalg.norm(X, axis=1), 1)


def test_primary_circle_is_a_linear_gradient():
    # theta = 0 is the horizontal gradient p = x: columns -1, 0, 1 in every row.
    f = primary_circle(8)[0].reshape(3, 3)
    np.testing.assert_allclose(f, np.tile([-1, 0, 1], (3, 1)) / np.sqrt(6))
    # theta = pi/2 is the vertical gradient p = y: rows run from -1 (top) to 1 (bottom).
    g = primary_circle(8)[2].reshape(3, 3)
    np.testing.assert_allclose(g, np.tile([[-1], [0], [1]], (1, 3)) / np.sqrt(6), atol=1e-12)


def test_primary_circle_is_an_embedded_circle():
    X = primary_circle(60)
    # Antipodal angles give opposite filters; neighbours are equally spaced.
    np.testing.assert_allclose(X[:30], -X[30:], atol=1e-12)
    steps = np.linalg.norm(np.diff(np.vstack([X, X[:1]]), axis=0), axis=1)
    np.testing.assert_allclose(steps, steps[0])
    life = h1_lifetimes(X)
    assert life[0] > 1.0 and (len(life) == 1 or life[1] < 0.1)


def test_klein_bottle_identification():
    # (theta + pi, phi) and (theta, -phi) are the same filter.
    t, f = 0.7, 1.1
    np.testing.assert_allclose(klein_bottle_filter(t + np.pi, f), klein_bottle_filter(t, -f))


def test_secondary_circles_have_fixed_direction():
    S = secondary_circles(12)
    assert S.shape == (24, 9)
    horizontal = S[:12].reshape(-1, 3, 3)
    # Direction (1, 0): every row of the kernel is the same function of x.
    np.testing.assert_allclose(horizontal, horizontal[:, :1, :].repeat(3, axis=1), atol=1e-12)


def test_three_circle_model_stacks_primary_and_secondary():
    T = three_circle_model(10)
    np.testing.assert_allclose(T[:10], primary_circle(10))
    np.testing.assert_allclose(T[10:], secondary_circles(10))


def test_idealized_filters_by_name():
    np.testing.assert_allclose(idealized_filters("primary_circle", 5), primary_circle(5))
    assert idealized_filters("gaussian", 7, random_state=0).shape == (7, 9)
    assert idealized_filters("klein_bottle", 7, random_state=0).shape == (7, 9)
    assert idealized_filters("three_circle", 4).shape == (12, 9)
    with pytest.raises(ValueError, match="'kind' parameter"):
        idealized_filters("torus")


def test_other_kernel_sizes():
    assert primary_circle(8, size=5).shape == (8, 25)
    with pytest.raises(ValueError, match="'size' parameter"):
        primary_circle(8, size=1)
    with pytest.raises(ValueError, match="'n' parameter"):
        primary_circle(0)


def test_random_kinds_are_seeded():
    a = make_filter_cloud("three_circle", 50, random_state=3)
    np.testing.assert_array_equal(a, make_filter_cloud("three_circle", 50, random_state=3))
    assert not np.array_equal(a, make_filter_cloud("three_circle", 50, random_state=4))
    assert [c.shape for c in make_collection(["gaussian", "klein_bottle"], 30, random_state=0)] == [
        (30, 9),
        (30, 9),
    ]


def test_noisy_circle_has_one_long_bar_and_gaussian_none():
    circle = h1_lifetimes(make_filter_cloud("primary_circle", 300, noise=0.05, random_state=0))
    gauss = h1_lifetimes(make_filter_cloud("gaussian", 300, random_state=0))
    assert circle[0] > 0.8 and circle[1] < 0.3 * circle[0]
    assert gauss[0] < 0.5 * circle[0]


def test_make_filter_cloud_bad_input():
    with pytest.raises(ValueError, match="'kind' parameter"):
        make_filter_cloud("sphere")
    with pytest.raises(ValueError, match="'noise' parameter"):
        make_filter_cloud(noise=-1)
