"""The one home of sizes: rules, given values, and preset sizes lowered only out loud."""

import numpy as np
import pytest

from sktopo.datasets import make_filter_cloud
from sktopo.sizes import SizeLoweredWarning, fitted_sizes, scaled_k


def test_a_preset_that_fits_is_kept_silently():
    cloud = make_filter_cloud("primary_circle", 400, random_state=0)
    with np.testing.assert_no_warnings():
        assert fitted_sizes(cloud, 15, 0.3, 100) == (15, 100)


def test_a_preset_that_does_not_fit_is_lowered_with_a_warning():
    cloud = make_filter_cloud("primary_circle", 40, random_state=0)
    with pytest.warns(SizeLoweredWarning, match="k=100 to 39, n_landmarks=100 to 12"):
        assert fitted_sizes(cloud, 100, 0.3, 100) == (39, 12)


def test_dead_clouds_are_refused_and_k_keeps_the_paper_fraction():
    with pytest.raises(ValueError, match="Only 0 of 5 filters are alive"):
        fitted_sizes(np.ones((5, 9)), 5, 0.5, 3)
    assert scaled_k(200, 640, 6400) == 20 and scaled_k(200, 10, 6400) == 5
