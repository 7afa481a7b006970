"""The one analysis path: make_topology_pipeline, its views, and the doors that use it."""

import json

import numpy as np
import pandas as pd
import pytest
from ripser import ripser
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.pipeline import make_pipeline

from sktopo.cli import main
from sktopo.datasets import make_filter_cloud
from sktopo.filters import (
    DensityFiltration,
    FilterNormalizer,
    PerCloud,
    density_filtration_indices,
    normalize_filters,
)
from sktopo.homology import DiagramFeatures, Persistence
from sktopo.pipeline import (
    fit_topology,
    generalization_cv,
    generalization_grid_search,
    make_generalization_regression,
    make_topology_pipeline,
)


def _circles(noises, n=60, seed=0):
    return [make_filter_cloud("primary_circle", n, noise=s, random_state=seed) for s in noises]


@pytest.fixture(scope="module")
def circle_and_dead():
    """The case that split the two v0.1 paths: 400 noisy circle filters, then 120 dead ones."""
    circle = make_filter_cloud("primary_circle", 400, noise=0.2, random_state=0)
    dead = np.full((120, 9), 0.7) * np.arange(1, 121)[:, None]  # constant rows, various levels
    return circle, np.vstack([circle, dead])


# --------------------------------------------------------------------------- dead filters
def test_dead_filters_do_not_change_the_answer(circle_and_dead):
    circle, with_dead = circle_and_dead
    table = make_topology_pipeline(k=15, p=0.3).set_output(transform="pandas").fit_transform(
        [circle, with_dead])
    clean, dirty = table["max_lifetime_h1"]
    assert clean > 0.3  # the circle is there
    assert dirty == pytest.approx(clean, rel=0.2)


def test_row_wise_normalisation_alone_shows_why_the_step_exists(circle_and_dead):
    # Kept as zero rows, the dead filters win the density ranking: the circle disappears.
    circle, with_dead = circle_and_dead
    naive = make_pipeline(PerCloud(FilterNormalizer()), DensityFiltration(k=15, p=0.3),
                          Persistence(), DiagramFeatures(features=["max_lifetime"]))
    with pytest.warns(UserWarning, match="all-zero rows"):
        lifetimes = naive.fit_transform([circle, with_dead])[:, 1]
    assert lifetimes[1] < 0.5 * lifetimes[0]


def test_analyze_summary_equals_the_pipeline_exactly(circle_and_dead, tmp_path):
    _, with_dead = circle_and_dead
    path = tmp_path / "weights.npz"
    np.savez(path, conv1=with_dead.reshape(52, 10, 3, 3))
    out = tmp_path / "report"
    assert main(["--quiet", "analyze", str(path), "--k", "15", "--p", "0.3", "--out",
                 str(out)]) == 0
    summary = json.loads((out / "summary.json").read_text())
    settings = json.loads((out / "settings.json").read_text())
    expected = make_topology_pipeline(k=15, p=0.3).set_output(transform="pandas").fit_transform(
        [with_dead])
    assert summary["max_lifetime_h1"] == expected["max_lifetime_h1"][0]
    assert summary["pvalue_h1"] == expected["pvalue_h1"][0]
    assert summary["n_significant_h1"] == expected["n_significant_h1"][0] == 1
    assert summary["verdict"] == "a circle: one significant H1 class"
    assert summary["n_dead"] == 120
    assert "witness" in summary["barcode"]
    assert settings["k_used"] == 15 and settings["n_landmarks_used"] == 100


# --------------------------------------------------------------------------- the Pipeline
def test_step_names_are_addressable_by_grid_search():
    pipe = make_topology_pipeline(significance=False)
    assert [name for name, _ in pipe.steps] == ["normalize", "density", "persistence", "features"]
    pipe.set_params(density__k=7, persistence__n_landmarks=20, normalize__rtol=1e-3)
    assert clone(pipe).get_params()["persistence__n_landmarks"] == 20
    default = make_topology_pipeline()
    assert [name for name, _ in default.steps] == ["normalize", "density", "features"]
    default.set_params(features__significance__m=150)
    assert clone(default).get_params()["features__significance__m"] == 150
    with_mapper = make_topology_pipeline(mapper=True)
    with_mapper.set_params(features__barcode__persistence__n_landmarks=20,
                           features__mapper__mapper__resolution=8)
    assert with_mapper.get_params()["features__mapper__mapper__resolution"] == 8


def test_mapper_branch_adds_unprefixed_graph_columns():
    clouds = _circles([0.1, 0.3], n=200)
    table = make_topology_pipeline(k=10, p=0.5, n_landmarks=40, mapper=True, resolution=8) \
        .set_output(transform="pandas").fit_transform(clouds)
    assert isinstance(table, pd.DataFrame) and len(table) == 2
    assert {"max_lifetime_h1", "pvalue_h1", "n_significant_h1", "nerve_betti1",
            "graph_cycle_rank"} <= set(table.columns)


def test_features_match_exact_rips_computed_by_hand():
    clouds = _circles([0.05, 0.3], n=80)
    pipe = make_topology_pipeline(k=5, p=0.5, backend="exact", features=["max_lifetime"],
                                  homology_dimensions=[1], significance=False)
    values = pipe.fit_transform(clouds)[:, 0]
    for cloud, value in zip(clouds, values):
        X = normalize_filters(cloud)
        kept = X[density_filtration_indices(X, 5, 0.5)]
        h1 = ripser(kept, maxdim=1)["dgms"][1]
        assert value == pytest.approx((h1[:, 1] - h1[:, 0]).max(), rel=1e-9)


def test_sizes_are_never_lowered_silently():
    small = [make_filter_cloud("primary_circle", 30, random_state=0)]
    with pytest.raises(ValueError, match="k=50 does not fit a cloud of 30 points"):
        make_topology_pipeline(k=50).fit(small)
    with pytest.raises(ValueError, match="n_landmarks=100 does not fit"):
        make_topology_pipeline(k=5).fit(small)  # 0.3 * 30 = 9 points kept
    pipe = make_topology_pipeline(k=0.2, n_landmarks=0.5, significance=False).fit(small)
    assert pipe.named_steps["density"].k_.tolist() == [6]
    assert pipe.named_steps["persistence"].n_landmarks_.tolist() == [5]  # 4.5, rounded half up


def test_views_read_the_fitted_steps(circle_and_dead):
    _, with_dead = circle_and_dead
    table, (view,) = fit_topology([with_dead], k=15, p=0.3, mapper=True, resolution=8)
    assert view.n_input == 520 and view.n_dead == 120 and len(view.kept) == 120
    assert view.kept.max() < 400  # only live rows are analysed
    np.testing.assert_allclose(view.cloud, normalize_filters(with_dead[view.kept]))
    h1 = view.diagram[1]
    assert (h1[:, 1] - h1[:, 0]).max() == table["max_lifetime_h1"][0]
    assert view.graph is not None and view.settings["resolution"] == 8
    assert view.settings["subsample_size"] == 120  # the whole cloud: fewer points than m
    assert view.readout.n_points == 120 and view.readout.n_repeats == 1
    assert table["pvalue_h1"][0] == view.readout.pvalue


def test_fit_topology_takes_a_pipeline_or_parameters_not_both():
    with pytest.raises(TypeError, match="not both"):
        fit_topology(_circles([0.1]), make_topology_pipeline(), k=5)


# --------------------------------------------------------------------------- the regression
def test_regression_feature_matches_ripser():
    clouds = _circles([0.05, 0.3], n=50)
    model = make_generalization_regression(k=5, p=1.0, backend="exact")
    model.fit(clouds, [0.9, 0.5])
    feats = model.named_steps["topology"].transform(clouds)
    assert feats.shape == (2, 1)
    for cloud, value in zip(clouds, feats[:, 0]):
        h1 = ripser(normalize_filters(cloud), maxdim=1)["dgms"][1]
        assert value == pytest.approx(float((h1[:, 1] - h1[:, 0]).max()), rel=1e-6)


def test_regression_follows_circle_strength():
    # Accuracy rising with the circle's cleanliness must give a positive slope.
    clouds = _circles([0.05, 0.15, 0.3, 0.5, 0.8], n=150)
    model = make_generalization_regression(k=5, p=1.0, n_landmarks=40)
    feats = model.named_steps["topology"].fit_transform(clouds)[:, 0]
    assert feats[0] > 2 * feats[-1]
    model.fit(clouds, [0.99, 0.95, 0.85, 0.6, 0.3])
    assert model.named_steps["regress"].coef_[0] > 0
    assert model.get_params()["topology__density__k"] == 5


@pytest.mark.parametrize("n, kind", [(3, "LeaveOneOut"), (12, "LeaveOneOut"), (13, "KFold")])
def test_generalization_cv(n, kind):
    assert type(generalization_cv(n)).__name__ == kind


def test_generalization_cv_needs_three():
    with pytest.raises(ValueError, match="at least 3"):
        generalization_cv(2)


def test_grid_search_refuses_infeasible_grids_and_accepts_fractions():
    clouds = _circles([0.05, 0.1, 0.2, 0.4, 0.8], n=40)
    acc = [0.99, 0.95, 0.9, 0.6, 0.3]
    with pytest.raises(ValueError, match=r"grid_k values \[40, 100\].*fraction"):
        generalization_grid_search(clouds, acc, grid_k=(5, 40, 100), grid_p=(0.5,))
    with pytest.raises(ValueError, match="n_landmarks=100 does not fit"):
        generalization_grid_search(clouds, acc, grid_k=(5,), grid_p=(0.25,))
    search = generalization_grid_search(clouds, acc, grid_k=(5, 0.25), grid_p=(0.25, 0.5),
                                        n_landmarks=0.5)
    assert search.best_params_["topology__density__k"] in (5, 0.25)
    assert search.n_splits_ == len(clouds)  # leave-one-out
    assert np.isfinite(search.best_score_) and search.best_score_ <= 0
    with pytest.raises(ValueError, match="same length"):
        generalization_grid_search(clouds, acc[:3])


def test_plain_grid_search_over_the_topology_pipeline():
    clouds = _circles([0.05, 0.1, 0.2, 0.3, 0.5, 0.8], n=60)
    model = make_generalization_regression(k=5, p=0.5, n_landmarks=15)
    search = GridSearchCV(model, {"topology__density__k": [3, 5]}, cv=KFold(3),
                          scoring="neg_mean_absolute_error", error_score="raise")
    search.fit(clouds, np.linspace(0.99, 0.3, 6))
    assert search.best_params_["topology__density__k"] in (3, 5)
