"""Distance of filters to the idealised models: closed forms against dense samplings."""

import numpy as np
import pytest
from scipy.spatial.distance import cdist

from sktopo._compat import InvalidParameterError
from sktopo.datasets import make_filter_cloud
from sktopo.filters import (
    distance_to_model,
    edge_filter,
    gaussian_filters,
    klein_bottle,
    normalize_filters,
    primary_circle,
    sample_klein_bottle,
    secondary_circles,
)
from sktopo.filters._idealized import _grid


def _dense_distance(filters, model_points):
    """Brute force: distance from each normalised filter to the nearest sampled model point."""
    return cdist(normalize_filters(filters), model_points).min(axis=1)


@pytest.mark.parametrize("size", [3, 5])
def test_primary_circle_closed_form_matches_dense_sampling(size):
    filters = gaussian_filters(60, size=size, random_state=0)
    ours = distance_to_model(filters, per_filter=True)
    dense = _dense_distance(filters, primary_circle(20000, size=size))
    # A sampled circle is never nearer than the circle itself, and 20,000 samples are within
    # (pi / 20000)^2 / 2 of it.
    assert np.all(ours <= dense + 1e-12)
    assert np.max(dense - ours) < 1e-7


def test_primary_circle_distance_formula():
    """d(f) = sqrt(2 - 2 |proj_P f|) with P spanned by the normalised gradients."""
    filters = normalize_filters(gaussian_filters(40, random_state=1))
    e1, e2 = edge_filter(np.array([0.0, np.pi / 2]))
    proj = np.hypot(filters @ e1, filters @ e2)
    np.testing.assert_allclose(distance_to_model(filters, per_filter=True),
                               np.sqrt(2 - 2 * proj), atol=1e-12)


def test_filter_orthogonal_to_the_circle_is_sqrt2_away():
    x, y = _grid(3)
    line = x**2  # even, so orthogonal to both (odd) gradients once centred
    assert distance_to_model(line[None, :]) == pytest.approx(np.sqrt(2), abs=1e-12)


@pytest.mark.parametrize("size", [3, 4, 5])
def test_klein_bottle_matches_dense_sampling(size):
    filters = gaussian_filters(40, size=size, random_state=2)
    ours = distance_to_model(filters, "klein_bottle", per_filter=True)
    dense = _dense_distance(filters, klein_bottle(300, 300, size=size))
    assert np.all(ours <= dense + 1e-12)
    assert np.max(dense - ours) < 2e-3


def test_klein_bottle_refinement_only_helps():
    filters = gaussian_filters(200, random_state=3)
    coarse = distance_to_model(filters, "klein_bottle", per_filter=True, resolution=8,
                               refine=False)
    fine = distance_to_model(filters, "klein_bottle", per_filter=True, resolution=8)
    assert np.all(fine <= coarse + 1e-12)
    assert np.mean(coarse - fine) > 1e-4  # eight directions are too few on their own


@pytest.mark.parametrize("size", [3, 5])
def test_klein_bottle_default_finds_the_nearest_circle(size):
    """Sixteen sampled directions, polished, agree with a search over 1,440 of them."""
    filters = gaussian_filters(500, size=size, random_state=3)
    ours = distance_to_model(filters, "klein_bottle", per_filter=True, resolution=16)
    best = distance_to_model(filters, "klein_bottle", per_filter=True, resolution=1440)
    np.testing.assert_allclose(ours, best, atol=1e-9)


@pytest.mark.parametrize(
    "model, ideal",
    [
        ("primary_circle", lambda: primary_circle(37)),
        ("three_circle", lambda: secondary_circles(23)),
        ("klein_bottle", lambda: sample_klein_bottle(200, random_state=0)),
    ],
)
def test_points_of_the_model_are_at_distance_zero(model, ideal):
    assert np.max(distance_to_model(ideal(), model, per_filter=True)) < 1e-7


def test_models_are_nested():
    """Primary circle within the three circles within the Klein bottle: distances shrink."""
    filters = gaussian_filters(300, random_state=4)
    d = {m: distance_to_model(filters, m, per_filter=True)
         for m in ("primary_circle", "three_circle", "klein_bottle")}
    assert np.all(d["three_circle"] <= d["primary_circle"] + 1e-12)
    assert np.all(d["klein_bottle"] <= d["three_circle"] + 1e-7)
    assert np.all((d["primary_circle"] >= 0) & (d["primary_circle"] <= np.sqrt(2) + 1e-12))


def test_noisy_circle_is_nearer_than_noise():
    circle = make_filter_cloud("primary_circle", 300, noise=0.1, random_state=0)
    noise = make_filter_cloud("gaussian", 300, random_state=0)
    assert distance_to_model(circle) < 0.3 < 1.0 < distance_to_model(noise)


def test_raw_filters_are_normalised_first():
    filters = gaussian_filters(50, random_state=5)
    raw = 7.5 * filters + 3.0  # positive scale and a constant offset change nothing
    for model in ("primary_circle", "klein_bottle"):
        assert distance_to_model(raw, model) == pytest.approx(distance_to_model(filters, model),
                                                              abs=1e-9)


def test_dead_filters_are_dropped():
    filters = np.vstack([primary_circle(8), np.full((3, 9), 2.0), np.zeros((1, 9))])
    d = distance_to_model(filters, per_filter=True)
    assert d.shape == (8,)
    with pytest.raises(ValueError, match="dead"):
        distance_to_model(np.ones((4, 9)))


def test_kernel_size_derived_or_checked():
    filters = gaussian_filters(10, size=5, random_state=0)
    assert distance_to_model(filters) == distance_to_model(filters, size=5)
    with pytest.raises(ValueError, match="size"):
        distance_to_model(filters, size=3)
    with pytest.raises(ValueError, match="not the square"):
        distance_to_model(np.random.default_rng(0).normal(size=(5, 10)))


@pytest.mark.parametrize(
    "kwargs",
    [{"model": "torus"}, {"resolution": 0}, {"per_filter": "yes"}, {"size": 1},
     {"refine": None}, {"rtol": -1.0}],
)
def test_bad_parameters_are_refused(kwargs):
    with pytest.raises(InvalidParameterError):
        distance_to_model(gaussian_filters(5, random_state=0), **kwargs)


def test_bad_filters_are_refused():
    bad = gaussian_filters(5, random_state=0)
    bad[2, 3] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        distance_to_model(bad)
    with pytest.raises(ValueError, match="2-D"):
        distance_to_model(np.zeros(9))
