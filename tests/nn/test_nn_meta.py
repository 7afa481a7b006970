import numpy as np
import pytest
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline

from sktopo.filters import DensityFiltration, FilterNormalizer, PerCloud, extract_spatial_filters
from sktopo.nn import WeightTopology, make_net


def _topology(k=3):
    return Pipeline([
        ("norm", PerCloud(FilterNormalizer())),
        ("density", DensityFiltration(k=k, p=0.5)),
    ])


def _wt(layer=1):
    net = make_net("M", (8, 0, 8), max_iter=4, batch_size=64)
    return WeightTopology(net, layer=layer, topology=_topology(), random_state=0)


def test_fit_trains_extracts_and_runs_topology(mnist14):
    Xtr, ytr, Xva, yva = mnist14
    wt = _wt().fit(Xtr[:512], ytr[:512])
    assert wt.net_ is not wt.net and not hasattr(wt.net, "module_")  # a trained clone
    assert wt.filters_.shape == (8, 9)
    assert np.array_equal(wt.filters_, extract_spatial_filters(wt.net_, 1))
    # The topology step saw exactly [filters_]: normalised, then half the points kept.
    assert isinstance(wt.features_, list) and len(wt.features_) == 1
    assert wt.features_[0].shape == (4, 9)
    assert np.allclose(np.linalg.norm(wt.features_[0], axis=1), 1)
    kept = wt.topology_.named_steps["density"].kept_indices_[0]
    normed = FilterNormalizer().fit_transform(wt.filters_)
    assert np.allclose(wt.features_[0], normed[kept])
    assert 0 <= wt.score(Xva, yva) <= 1
    assert wt.predict(Xva).shape == yva.shape
    assert np.array_equal(wt.classes_, np.arange(10))
    # Seeded: a second fit gives the same filters.
    assert np.array_equal(clone(wt).fit(Xtr[:512], ytr[:512]).filters_, wt.filters_)


def test_nested_params_and_clone():
    wt = _wt()
    params = wt.get_params()
    assert params["net__lr"] == 1e-3
    assert params["topology__density__k"] == 3
    assert params["net__module__X"] == 8
    wt.set_params(net__lr=0.01, topology__density__k=5, net__module__X=6)
    assert wt.net.lr == 0.01 and wt.topology.named_steps["density"].k == 5
    c = clone(wt)
    assert c.get_params()["net__lr"] == 0.01 and c.get_params()["topology__density__k"] == 5
    assert c.net is not wt.net


@pytest.mark.slow
def test_grid_search_over_training_and_topology(mnist14):
    Xtr, ytr, _, _ = mnist14
    grid = GridSearchCV(
        _wt(), {"net__module__X": [4, 8], "topology__density__k": [2, 3]}, cv=2, n_jobs=1
    ).fit(Xtr[:400], ytr[:400])
    assert set(grid.best_params_) == {"net__module__X", "topology__density__k"}
    assert grid.best_estimator_.filters_.shape[0] == grid.best_params_["net__module__X"]
    assert np.isfinite(grid.cv_results_["mean_test_score"]).all()


def test_layer_and_input_errors(mnist14):
    Xtr, ytr, _, _ = mnist14
    with pytest.raises(ValueError, match="out of range"):
        _wt(layer=2).fit(Xtr[:128], ytr[:128])
    with pytest.raises(ValueError, match=r"0\.\.9"):
        _wt().fit(Xtr[:128], ytr[:128] + 5)
    with pytest.raises(ValueError, match="shape"):
        _wt().fit(Xtr[:128, 0, 0], ytr[:128])
    with pytest.raises(ValueError, match="layer"):
        _wt(layer=0).fit(Xtr[:128], ytr[:128])
    fixed = make_net("M", (8, 0, 8), max_iter=2, module__fixed_filters=np.zeros((5, 9)))
    with pytest.raises(ValueError, match="fixed_filters holds 5"):
        WeightTopology(fixed).fit(Xtr[:128], ytr[:128])


def test_without_topology(mnist14):
    Xtr, ytr, _, _ = mnist14
    wt = WeightTopology(make_net("M", (4, 3, 8), max_iter=2, batch_size=64), layer=2)
    wt.fit(Xtr[:256], ytr[:256])
    assert wt.filters_.shape == (12, 9) and wt.topology_ is None and wt.features_ is None


def test_with_persistence(mnist14):
    from sktopo.homology import Persistence

    Xtr, ytr, _, _ = mnist14
    topo = Pipeline([
        ("norm", PerCloud(FilterNormalizer())),
        ("density", DensityFiltration(k=3, p=0.8)),
        ("persistence", Persistence(backend="exact")),
    ])
    net = make_net("M", (16, 0, 8), max_iter=3, batch_size=64)
    wt = WeightTopology(net, topology=topo, random_state=0).fit(Xtr[:256], ytr[:256])
    diagrams = np.asarray(wt.features_)
    assert diagrams.shape[0] == 1 and diagrams.shape[-1] == 3
    h0 = diagrams[0][diagrams[0][:, 2] == 0]
    # 12 kept points give 12 H0 bars (one infinite), padded rows aside.
    assert np.sum(h0[:, 1] - h0[:, 0] > 0) >= 11
