"""Tests of the generalisation experiments: Fig. 12's measure, and cross-domain transfer and
boosting (presets of the priors benchmark)."""

import json

import numpy as np
import pandas as pd
import pytest

from sktopo.datasets import load_train_test
from sktopo.experiments import boosted_training, cross_domain, generalization_measure
from sktopo.experiments._data import load_target_domain
from sktopo.experiments._generalization import GENERALIZATION_PRESETS
from sktopo.experiments._priors import BOOSTED_PRESETS, CROSS_DOMAIN_PRESETS


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


def test_cross_domain_trains_on_mnist_only():
    with pytest.raises(ValueError, match="dataset"):
        cross_domain(scale="tiny", verbose=0, dataset="svhn")


# --------------------------------------------------------------------------- data
def _write_fake_svhn(folder, n=40, seed=0):
    from scipy.io import savemat

    rng = np.random.default_rng(seed)
    (folder / "svhn").mkdir(parents=True, exist_ok=True)
    X = rng.integers(0, 256, size=(32, 32, 3, n), dtype=np.uint8)
    y = (np.arange(n) % 10 + 1).reshape(-1, 1)  # SVHN labels 1..10, 10 meaning 0
    savemat(folder / "svhn" / "test_32x32.mat", {"X": X, "y": y})


def test_target_domain_auto_picks_svhn_when_present(tmp_path):
    target = load_target_domain("cross_domain", "tiny", "auto", None, None, 0)
    assert target.name == "digits28" and target.X.shape[1:] == (1, 28, 28)
    assert len(target.X) == 1797 and "SVHN not available" in target.description
    _write_fake_svhn(tmp_path)
    target = load_target_domain("cross_domain", "tiny", "auto", tmp_path, None, 0)
    assert target.name == "svhn" and target.X.shape == (40, 1, 28, 28)
    assert set(target.y) == set(range(10))
    with pytest.raises(ValueError, match="target"):
        load_target_domain("cross_domain", "tiny", "cifar", None, None, 0)


# --------------------------------------------------------------------------- experiments
@pytest.mark.slow
def test_generalization_measure_tiny(tmp_path, saved):
    out = tmp_path / "nets"
    result = generalization_measure(scale="tiny", verbose=0, out_dir=str(out))
    table = result.table
    assert list(table.columns[:4]) == ["iteration", "test_accuracy", "test_accuracy_std",
                                       "max_lifetime_h1"]
    cfg = GENERALIZATION_PRESETS["tiny"]
    assert table["iteration"].tolist() == list(range(0, cfg.max_iter + 1, cfg.snapshot_every))
    assert table["test_accuracy"].between(0, 1).all()
    assert (table["max_lifetime_h1"] >= 0).all()
    assert (table["n_filters"] == cfg.n_networks * cfg.sizes[0]).all()
    for key in ("pearson_r", "spearman_rho", "regression_best_k", "regression_best_p",
                "regression_cv_mae", "paper_max_lifetime_h1_mnist_40k", "data"):
        assert key in result.summary
    assert result.summary["regression_best_k"] in cfg.grid_k
    assert result.settings["n_networks"] == cfg.n_networks
    assert len(result.settings["network_seeds"]) == cfg.n_networks
    assert "subset" in result.settings["data"]
    saved(result, ["fig12_accuracy_persistence", "regression", "barcode_final"])
    # The snapshots were kept in a folder of this configuration; a rerun reuses them and gives
    # the same table.
    (folder,) = out.iterdir()
    assert str(folder) == result.settings["run_folder"]
    # The runner's folder: one finished network (and its snapshots) per seed.
    assert len(list(folder.glob("net_*.snapshots.npz"))) == cfg.n_networks
    stamps = {p: p.stat().st_mtime_ns for p in folder.glob("net_*")}
    again = generalization_measure(scale="tiny", verbose=0, out_dir=str(out))
    np.testing.assert_allclose(again.table["test_accuracy"], table["test_accuracy"])
    np.testing.assert_allclose(again.table["max_lifetime_h1"], table["max_lifetime_h1"])
    assert {p: p.stat().st_mtime_ns for p in folder.glob("net_*")} == stamps  # resumed


@pytest.mark.slow
def test_cross_domain_tiny(saved):
    # cross_domain is the priors benchmark with the paper's three first layers.
    result = cross_domain(scale="tiny", verbose=0)
    conds = list(CROSS_DOMAIN_PRESETS["tiny"].conditions)
    assert set(result.table["condition"]) == {"plain", "fixed_circle", "fixed_gaussian"}
    assert result.settings["conditions"] == conds
    assert "digits" in result.summary["target_domain"]
    assert "max_iter + 1" in result.summary["speedup_definition"]
    for c in conds:
        assert 0 <= result.summary[f"{c}_target_acc"] <= 1
    assert (result.summary["paper_fixed_circle_svhn_acc"], result.summary["paper_plain_svhn_acc"]
            ) == (0.28, 0.11)
    folder = saved(result, ["speedups", "accuracy_curves", "transfer"])
    accuracy = pd.read_csv(folder / "accuracy.csv")
    assert accuracy[["final_valid_acc", "target_acc"]].stack().between(0, 1).all()


@pytest.mark.slow
def test_cross_domain_uses_svhn_when_given(tmp_path):
    _write_fake_svhn(tmp_path)
    out = tmp_path / "rows"
    result = cross_domain(scale="tiny", verbose=0, data_home=str(tmp_path),
                          conditions="plain", max_iter="3", eval_every="3", out_dir=str(out))
    assert "SVHN" in result.summary["target_domain"]
    assert "no MNIST IDX files" in result.summary["data"]
    assert len(list(out.rglob("net_*.json"))) == 2  # two seeds, kept by the runner


@pytest.mark.slow
def test_fixed_first_layer_stays_fixed():
    # The condition's meaning: the first layer of a fixed net is exactly the idealised bank.
    from sktopo.filters import idealized_filters
    from sktopo.nn import make_net

    data = load_train_test("mnist_subset", n_train=200, n_test=100)
    bank = idealized_filters("primary_circle", 8)
    net = make_net("M", (8, 0, 16), max_iter=5, batch_size=32, random_state=0, device="cpu",
                   input_shape=(1, 28, 28), module__fixed_filters=bank).fit(data.X_train,
                                                                            data.y_train)
    w = net.module_.features.conv1.weight.detach().numpy().reshape(8, 9)
    np.testing.assert_allclose(w, bank, atol=1e-6)


@pytest.mark.slow
def test_boosted_training_tiny(tmp_path, saved):
    # boosted_training is the priors benchmark with appended banks and no transfer target.
    out = tmp_path / "curves"
    result = boosted_training(scale="tiny", verbose=0, out_dir=str(out))
    cfg = BOOSTED_PRESETS["tiny"]
    table = result.table
    assert len(table) == len(cfg.conditions) * len(cfg.thresholds)
    assert set(table["condition"]) == {"plain", "appended_circle", "appended_klein",
                                       "appended_gaussian"}
    np.testing.assert_allclose(table.loc[table["condition"] == "plain", "speedup_vs_plain"], 1)
    # Iterations to a higher threshold are never fewer (first hitting times are monotone, and
    # so are they with a miss counted as max_iter + 1).
    for _, sub in table.groupby("condition"):
        assert np.all(np.diff(sub.sort_values("threshold")["mean_iterations"]) >= 0)
    assert (table["mean_iterations"] <= cfg.max_iter + 1).all()
    assert result.summary["paper_appended_circle_speedup"] == 2.0
    assert "max_iter + 1" in result.summary["speedup_definition"]
    assert not any(key.endswith("_target_acc") for key in result.summary)
    assert len(list(out.rglob("net_*.json"))) == len(cfg.conditions) * cfg.n_seeds
    folder = saved(result, ["speedups", "accuracy_curves"])
    curves = (folder / "curves.csv").read_text().splitlines()
    n_evals = cfg.max_iter // cfg.eval_every
    assert len(curves) == 1 + len(cfg.conditions) * cfg.n_seeds * n_evals
