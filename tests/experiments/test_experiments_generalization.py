"""Tests of the generalisation experiments: Fig. 12's measure, cross-domain transfer, boosting."""

import json

import numpy as np
import pytest

from sktopo.datasets import make_filter_cloud
from sktopo.experiments._data import load_digit_data, load_target_domain
from sktopo.experiments._generalization import GENERALIZATION_SCALES, generalization_measure
from sktopo.experiments._options import resolve_settings
from sktopo.experiments._priors import (
    BOOSTED_SCALES,
    CROSS_DOMAIN_SCALES,
    PAPER_BOOSTED,
    boosted_training,
    cross_domain,
)


@pytest.fixture
def saved(check_saved, tmp_path):
    """``saved(result, figures)``: save under ``tmp_path`` and check every file; the folder."""
    def save(result, figures):
        folder = check_saved(result, tmp_path / result.name, figures)
        for fname in result.extra_files:
            assert (folder / fname).is_file()
        json.loads((folder / "summary.json").read_text())
        return folder

    return save


# --------------------------------------------------------------------------- options
def test_resolve_settings_converts_cli_strings():
    s = resolve_settings("g", GENERALIZATION_SCALES, "tiny",
                         {"sizes": "4,0,8", "max_iter": "7", "lr": "0.01", "n_train": "none",
                          "grid_p": "0.2,0.4"}, _gen_options())
    assert s["sizes"] == (4, 0, 8)
    assert s["max_iter"] == 7 and s["lr"] == 0.01 and s["n_train"] is None
    assert s["grid_p"] == (0.2, 0.4)
    assert s["scale"] == "tiny"
    # The preset itself is untouched.
    assert GENERALIZATION_SCALES["tiny"]["max_iter"] != 7


def _gen_options():
    from sktopo.experiments._generalization import _GEN_OPTIONS

    return _GEN_OPTIONS


@pytest.mark.parametrize(
    "fn", [generalization_measure, cross_domain, boosted_training]
)
def test_unknown_option_and_scale_are_rejected(fn):
    with pytest.raises(ValueError, match="unknown option"):
        fn(scale="tiny", verbose=0, not_an_option="1")
    with pytest.raises(ValueError, match="scale must be one of"):
        fn(scale="huge", verbose=0)
    with pytest.raises(ValueError, match="max_iter"):
        fn(scale="tiny", verbose=0, max_iter="many")


def test_bad_conditions_are_rejected():
    with pytest.raises(ValueError, match="conditions"):
        cross_domain(scale="tiny", verbose=0, conditions="circle")
    with pytest.raises(ValueError, match="conditions"):
        boosted_training(scale="tiny", verbose=0, conditions="trained")


def test_scale_presets_share_keys():
    for presets in (GENERALIZATION_SCALES, CROSS_DOMAIN_SCALES, BOOSTED_SCALES):
        assert set(presets) == {"tiny", "small", "paper"}
        keys = {frozenset(v) for v in presets.values()}
        assert len(keys) == 1
    assert GENERALIZATION_SCALES["paper"]["sizes"] == (64, 32, 64)
    assert (GENERALIZATION_SCALES["paper"]["k"], GENERALIZATION_SCALES["paper"]["p"]) == (100, 0.1)
    assert BOOSTED_SCALES["paper"]["thresholds"] == tuple(PAPER_BOOSTED["mnist"])


# --------------------------------------------------------------------------- data
def test_load_digit_data_subset_is_stratified_and_scaled():
    Xtr, ytr, Xte, yte, what = load_digit_data(n_train=500, n_test=200, random_state=0)
    assert Xtr.shape == (500, 1, 28, 28) and Xte.shape == (200, 1, 28, 28)
    assert Xtr.dtype == np.float32 and 0 <= Xtr.min() and Xtr.max() <= 1
    assert np.bincount(ytr, minlength=10).min() >= 45  # 50 per class, stratified
    assert np.bincount(yte, minlength=10).tolist() == [20] * 10
    assert "subset" in what


def test_load_digit_data_svhn_needs_files(tmp_path):
    with pytest.raises(FileNotFoundError, match="svhn"):
        load_digit_data("svhn", None)
    with pytest.raises(FileNotFoundError):
        load_digit_data("svhn", tmp_path)


def _write_fake_svhn(folder, n=40, seed=0):
    from scipy.io import savemat

    rng = np.random.default_rng(seed)
    (folder / "svhn").mkdir(parents=True, exist_ok=True)
    X = rng.integers(0, 256, size=(32, 32, 3, n), dtype=np.uint8)
    y = (np.arange(n) % 10 + 1).reshape(-1, 1)  # SVHN labels 1..10, 10 meaning 0
    savemat(folder / "svhn" / "test_32x32.mat", {"X": X, "y": y})


def test_target_domain_auto_picks_svhn_when_present(tmp_path):
    X, y, target, what = load_target_domain("auto", None, None, 0)
    assert target == "digits28" and X.shape[1:] == (1, 28, 28) and len(X) == 1797
    assert "SVHN not available" in what
    _write_fake_svhn(tmp_path)
    X, y, target, what = load_target_domain("auto", tmp_path, None, 0)
    assert target == "svhn" and X.shape == (40, 1, 28, 28) and set(y) == set(range(10))
    with pytest.raises(ValueError, match="target"):
        load_target_domain("cifar", None, None, 0)


# --------------------------------------------------------------------------- experiments
@pytest.mark.slow
def test_generalization_measure_tiny(tmp_path, saved):
    out = tmp_path / "nets"
    result = generalization_measure(scale="tiny", verbose=0, out_dir=str(out))
    table = result.table
    assert list(table.columns[:4]) == ["iteration", "test_accuracy", "test_accuracy_std",
                                       "max_h1_lifetime"]
    cfg = GENERALIZATION_SCALES["tiny"]
    assert table["iteration"].tolist() == list(range(0, cfg["max_iter"] + 1,
                                                     cfg["snapshot_every"]))
    assert table["test_accuracy"].between(0, 1).all()
    assert (table["max_h1_lifetime"] >= 0).all()
    assert (table["n_filters"] == cfg["n_networks"] * cfg["sizes"][0]).all()
    for key in ("pearson_r", "spearman_rho", "regression_best_k", "regression_best_p",
                "regression_cv_mae", "paper_max_h1_lifetime_mnist_40k", "data"):
        assert key in result.summary
    assert result.summary["regression_best_k"] in cfg["grid_k"]
    assert result.settings["n_networks"] == cfg["n_networks"]
    assert len(result.settings["network_seeds"]) == cfg["n_networks"]
    saved(result, ["fig12_accuracy_persistence", "regression", "barcode_final"])
    # The snapshots were kept; a rerun reuses them and gives the same table.
    assert len(list(out.glob("snapshots_*.npz"))) == cfg["n_networks"]
    again = generalization_measure(scale="tiny", verbose=0, out_dir=str(out))
    np.testing.assert_allclose(again.table["test_accuracy"], table["test_accuracy"])
    np.testing.assert_allclose(again.table["max_h1_lifetime"], table["max_h1_lifetime"])


@pytest.mark.slow
def test_cross_domain_tiny(saved):
    result = cross_domain(scale="tiny", verbose=0)
    table = result.table
    conds = list(CROSS_DOMAIN_SCALES["tiny"]["conditions"])
    assert set(table["condition"]) == set(conds)
    assert (table["seed"] == "mean").sum() == len(conds)
    assert table[["source_test_acc", "target_acc"]].stack().between(0, 1).all()
    assert (table["target"] == "digits28").all()
    assert "digits" in result.summary["target_domain"]
    for c in conds:
        assert f"{c}_target_acc" in result.summary
        assert f"paper_{c}_svhn_acc" in result.summary
    saved(result, ["cross_domain"])


@pytest.mark.slow
def test_cross_domain_uses_svhn_when_given(tmp_path):
    _write_fake_svhn(tmp_path)
    out = tmp_path / "rows"
    result = cross_domain(scale="tiny", verbose=0, data_home=str(tmp_path),
                          conditions="trained", max_iter="3", out_dir=str(out))
    assert "SVHN" in result.summary["target_domain"]
    assert "no MNIST IDX files" in result.summary["source"]
    assert (result.table["target"] == "svhn").all()
    assert len(list(out.glob("*.json"))) == 1


@pytest.mark.slow
def test_fixed_first_layer_stays_fixed():
    # The condition's meaning: the first layer of a fixed net is exactly the idealised bank.
    from sktopo.filters import idealized_filters
    from sktopo.nn import make_net

    X, y, *_ = load_digit_data(n_train=200, n_test=100)
    bank = idealized_filters("primary_circle", 8)
    net = make_net("M", (8, 0, 16), max_iter=5, batch_size=32, random_state=0, device="cpu",
                   input_shape=(1, 28, 28), module__fixed_filters=bank).fit(X, y)
    w = net.module_.features.conv1.weight.detach().numpy().reshape(8, 9)
    np.testing.assert_allclose(w, bank, atol=1e-6)


@pytest.mark.slow
def test_boosted_training_tiny(tmp_path, saved):
    out = tmp_path / "curves"
    result = boosted_training(scale="tiny", verbose=0, out_dir=str(out))
    cfg = BOOSTED_SCALES["tiny"]
    table = result.table
    assert len(table) == len(cfg["conditions"]) * len(cfg["thresholds"])
    assert set(table.columns) >= {"condition", "threshold", "iterations", "n_reached",
                                  "speedup_vs_normal"}
    normal = table[table["condition"] == "normal"]
    reached = normal[normal["n_reached"] > 0]
    np.testing.assert_allclose(reached["speedup_vs_normal"], 1.0)
    # Iterations to a higher threshold are never fewer (first hitting times are monotone).
    for _, sub in table.groupby("condition"):
        its = sub.sort_values("threshold")["iterations"].dropna().to_numpy()
        assert np.all(np.diff(its) >= 0)
    assert "paper_primary_circle_speedup" in result.summary
    assert len(list(out.glob("curve_*.json"))) == len(cfg["conditions"])
    folder = saved(result, ["fig13_accuracy_curves"])
    curves = (folder / "curves.csv").read_text().splitlines()
    n_evals = cfg["max_iter"] // cfg["eval_every"]
    assert len(curves) == 1 + len(cfg["conditions"]) * cfg["n_seeds"] * n_evals
