"""Diagrams, landmark indices, plot settings and network shapes that no computation gives are
refused clearly.

Each case here was once accepted silently or answered by numpy or torch (a bar dying before its
birth, an infinite birth giving NaN features, a float or boolean array read as landmark rows, a
negative ``max_bars``, a network of zero classes or channels, a kernel size of ``(3,)``); the
error names the parameter and the fix.
"""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from sktopo.datasets import make_filter_cloud  # noqa: E402
from sktopo.homology import (  # noqa: E402
    covering_radius,
    diagram_distance,
    diagram_features,
    lazy_witness_matrix,
    pad_diagrams,
    pairwise_diagram_distances,
    plot_barcode,
    plot_persistence_diagram,
    unpad_diagrams,
)

BACKWARDS = [np.array([[0.0, np.inf]]), np.array([[0.6, 0.2]])]  # H1 bar given as (death, birth)
INF_BIRTH = [np.array([[0.0, np.inf]]), np.array([[np.inf, np.inf]])]
PADDED_BACKWARDS = np.array([[[0.0, np.inf, 0], [0.6, 0.2, 1]]] * 2)
PADDED_INF_BIRTH = np.array([[[0.0, np.inf, 0], [-np.inf, 0.5, 1]]] * 2)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


# --------------------------------------------------------------------------- death before birth
@pytest.mark.parametrize("call", [
    lambda: diagram_distance(BACKWARDS[1], [[0.0, 1.0]]),
    lambda: diagram_distance([[0.0, 1.0]], PADDED_BACKWARDS[0]),
    lambda: pairwise_diagram_distances(PADDED_BACKWARDS),
    lambda: pad_diagrams([BACKWARDS]),
    lambda: plot_barcode(BACKWARDS),
    lambda: plot_barcode(PADDED_BACKWARDS[0]),
    lambda: plot_persistence_diagram(BACKWARDS),
    lambda: diagram_features(PADDED_BACKWARDS),
], ids=["distance", "distance-padded", "pairwise", "pad", "barcode", "barcode-padded",
        "diagram-plot", "features"])
def test_a_bar_dying_before_its_birth_is_refused(call):
    with pytest.raises(ValueError, match=r"death < birth.*swap the columns"):
        call()


def test_the_message_names_where_the_bar_is():
    with pytest.raises(ValueError, match=r"diagrams\[1\]\[1\] has 1 bar"):
        pad_diagrams([INF_BIRTH[:1] * 2, BACKWARDS])
    with pytest.raises(ValueError, match=r"^dgm2 has 1 bar.*\[0\.6, 0\.2\]"):
        diagram_distance([[0.0, 1.0]], BACKWARDS[1])


@pytest.mark.parametrize("kwargs, param", [
    ({"metric": "wasserstien"}, "metric"), ({"homology_dimension": -1}, "homology_dimension")])
def test_pairwise_distances_check_their_options_even_for_one_diagram(kwargs, param):
    # One diagram needs no distance, so diagram_distance never ran to catch the typo.
    with pytest.raises(ValueError, match=f"'{param}' parameter of pairwise_diagram_distances"):
        pairwise_diagram_distances(np.array([[[0.0, np.inf, 0], [0.2, 0.6, 1]]]), **kwargs)


# --------------------------------------------------------------------------- infinite births
@pytest.mark.parametrize("call", [
    lambda: diagram_features(PADDED_INF_BIRTH),
    lambda: diagram_features(PADDED_INF_BIRTH * [-1, 1, 1]),  # a +inf birth
    lambda: pad_diagrams([INF_BIRTH]),
    lambda: diagram_distance(INF_BIRTH[1], [[0.0, 1.0]]),
    lambda: unpad_diagrams(PADDED_INF_BIRTH),
    lambda: plot_barcode(INF_BIRTH),
], ids=["features", "features-plus-inf", "pad", "distance", "unpad", "barcode"])
def test_an_infinite_birth_is_refused(call):
    with pytest.raises(ValueError, match="infinite birth; births must be finite"):
        call()


def test_infinite_deaths_stay_legal():
    padded = pad_diagrams([[np.array([[0.0, np.inf], [0.0, 0.4]]), np.array([[0.2, 0.9]])]])
    F = diagram_features(padded, features=["max_lifetime"])
    np.testing.assert_allclose(F, [[0.4, 0.7]])
    assert diagram_distance(padded[0], padded[0], homology_dimension=0) == 0.0
    plot_barcode(padded[0])
    plot_persistence_diagram(padded[0])


# --------------------------------------------------------------------------- landmark indices
CLOUD = make_filter_cloud("primary_circle", 40, random_state=0)


@pytest.mark.parametrize("fn", [covering_radius, lazy_witness_matrix])
@pytest.mark.parametrize("landmarks, message", [
    ([0.0, 5.0], "integer row indices; got dtype float64"),
    (np.array([2.7, 5.2]), "integer row indices"),
    (np.arange(40) < 2, r"boolean mask.*np\.flatnonzero"),
    ([True, False, True], "boolean mask"),
    ([[0], [1, 2]], "1-D array of row indices"),
], ids=["whole-floats", "fractions", "mask", "bool-list", "ragged"])
def test_landmarks_must_be_integer_row_indices(fn, landmarks, message):
    with pytest.raises(TypeError, match=message):
        fn(CLOUD, landmarks)


def test_integer_landmarks_still_work():
    np.testing.assert_allclose(covering_radius(CLOUD, np.array([0, 5], dtype=np.uint8)),
                               covering_radius(CLOUD, [0, 5]))
    assert covering_radius(CLOUD, [0, 0, 5]) == covering_radius(CLOUD, [0, 5])  # repeats harmless
    assert lazy_witness_matrix(CLOUD, np.array([0, 5, 9], dtype=np.int32)).shape == (3, 3)


# --------------------------------------------------------------------------- plot settings
@pytest.mark.parametrize("max_bars", [-1, 0, 2.5, True])
def test_max_bars_must_be_a_positive_count(max_bars):
    with pytest.raises(ValueError, match="'max_bars' parameter of plot_barcode"):
        plot_barcode(BACKWARDS[:1] + [np.array([[0.1, 0.3], [0.2, 0.9]])], max_bars=max_bars)


# --------------------------------------------------------------------------- network sizes
@pytest.mark.parametrize("kwargs, message", [
    ({"n_classes": 0}, "n_classes must be a positive int, the number of output classes"),
    ({"n_classes": 2.5}, "n_classes must be a positive int"),
    ({"in_channels": 0}, "in_channels must be a positive int, the number of image channels"),
    ({"in_channels": True}, "in_channels must be a positive int"),
    ({"input_shape": (0, 28, 28)}, r"input_shape must be \(C, H, W\) of positive ints"),
    ({"input_shape": (28, 28)}, r"input_shape must be \(C, H, W\)"),
], ids=["no-class", "fractional-classes", "no-channel", "bool-channels", "no-channel-shape",
        "two-d-shape"])
def test_networks_without_classes_or_channels_are_refused(kwargs, message):
    from sktopo.nn import CNet, MNet

    for family in (MNet, CNet):
        with pytest.raises(ValueError, match=message):
            family(4, 0, 8, **kwargs)


def test_appended_filters_need_a_channel():
    from sktopo.nn import AppendedFilters

    with pytest.raises(ValueError, match="in_channels must be a positive int"):
        AppendedFilters("primary_circle", n_filters=8, in_channels=0)


# --------------------------------------------------------------------------- kernel sizes
@pytest.mark.parametrize("kernel_size, message", [
    ("3", "'kernel_size' parameter of extract_spatial_filters must be an array-like, an int"),
    ((3,), r"kernel_size must be an int or a pair \(kh, kw\) of positive ints, e\.g\. 3"),
    ((3, 3, 3), r"pair \(kh, kw\).*got \(3, 3, 3\)"),
    ((3.0, 3.0), r"pair \(kh, kw\) of positive ints"),
    ((0, 3), r"pair \(kh, kw\) of positive ints"),
], ids=["text", "one-side", "three-sides", "floats", "zero-side"])
def test_kernel_sizes_are_an_int_or_a_pair(kernel_size, message):
    from sktopo.filters import SpatialFilterExtractor, extract_spatial_filters

    weights = {"conv.weight": np.ones((2, 1, 3, 3))}
    with pytest.raises(ValueError, match=message):
        extract_spatial_filters(weights, kernel_size=kernel_size)
    with pytest.raises(ValueError, match="kernel_size"):
        SpatialFilterExtractor(kernel_size=kernel_size).fit_transform([weights])


def test_good_kernel_sizes_still_work():
    from sktopo.filters import extract_spatial_filters

    weights = {"conv.weight": np.ones((2, 1, 3, 3))}
    for kernel_size in (3, np.int64(3), (3, 3), [3, 3], np.array([3, 3]), None):
        assert extract_spatial_filters(weights, kernel_size=kernel_size).shape == (2, 9)
