"""The collection-level base: seeds per cloud, joblib (Dask too), progress, sklearn config."""

import numpy as np
import pytest
from joblib import parallel_backend
from sklearn import config_context

from sktopo.base import CollectionTransformer
from sktopo.datasets import make_filter_cloud
from sktopo.filters import DensityFiltration
from sktopo.homology import Persistence


def _clouds(n_clouds=4, n=60):
    return [make_filter_cloud("primary_circle", n, noise=0.2, random_state=s)
            for s in range(n_clouds)]


class _Recorder(CollectionTransformer):
    """Returns each cloud's seed and size: what the base hands to the per-cloud work."""

    _requires_fit = False
    _parameter_constraints = {"random_state": ["random_state"], "n_jobs": [int, None],
                              "verbose": ["verbose"]}

    def __init__(self, random_state=None, n_jobs=None, verbose=0):
        self.random_state = random_state
        self.n_jobs = n_jobs
        self.verbose = verbose

    def _transform_one(self, cloud, random_state):
        return random_state, len(cloud)


def test_one_seed_per_cloud_whatever_n_jobs():
    clouds = _clouds()
    serial = _Recorder(random_state=3).fit_transform(clouds)
    parallel = _Recorder(random_state=3, n_jobs=2).fit_transform(clouds)
    assert serial == parallel
    assert len({seed for seed, _ in serial}) == len(clouds)  # each cloud its own seed


def test_random_landmarks_do_not_depend_on_n_jobs():
    clouds = _clouds()
    kwargs = dict(n_landmarks=10, landmark_start="random", random_state=0)
    a = Persistence(**kwargs).fit(clouds)
    b = Persistence(n_jobs=2, **kwargs).fit(clouds)
    for la, lb in zip(a.landmarks_, b.landmarks_):
        np.testing.assert_array_equal(la, lb)
    np.testing.assert_array_equal(a.diagrams_, b.diagrams_)


def test_dask_backend_receives_the_work():
    distributed = pytest.importorskip("distributed")
    clouds = _clouds(n_clouds=3)
    with distributed.Client(processes=False, n_workers=1, threads_per_worker=2,
                            dashboard_address=None) as client:
        with distributed.get_task_stream(client) as stream, parallel_backend("dask"):
            out = DensityFiltration(k=5, p=0.5).fit_transform(clouds)
    assert len(out) == 3
    assert len(stream.data) >= len(clouds)


def test_progress_bar_only_when_verbose(capsys):
    _Recorder(verbose=0).fit_transform(_clouds(2))
    assert capsys.readouterr().err == ""
    _Recorder(verbose=1).fit_transform(_clouds(2))
    assert "_Recorder" in capsys.readouterr().err


def test_skip_parameter_validation_is_honoured():
    bad = DensityFiltration(k=5, p="not a number")
    with pytest.raises(ValueError, match="'p' parameter of DensityFiltration"):
        bad.fit(_clouds(1))
    with config_context(skip_parameter_validation=True):
        # No parameter check: the inner guard is what fails now, with its own message.
        with pytest.raises((TypeError, ValueError), match="p must be a fraction"):
            bad.fit(_clouds(1))


def test_assume_finite_skips_the_finiteness_scan():
    cloud = _clouds(1)[0].copy()
    cloud[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        _Recorder().fit_transform([cloud])
    with config_context(assume_finite=True):
        assert _Recorder().fit_transform([cloud])[0][1] == len(cloud)


def test_cloud_steps_accept_set_output_and_keep_lists():
    est = DensityFiltration(k=5, p=0.5).set_output(transform="pandas")
    out = est.fit_transform(_clouds(2))
    assert isinstance(out, list) and all(isinstance(c, np.ndarray) for c in out)
    assert list(est.get_feature_names_out()) == [f"x{i}" for i in range(9)]
