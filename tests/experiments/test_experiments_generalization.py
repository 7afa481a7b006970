"""Tests of the generalisation experiments: Fig. 12's measure, cross-domain transfer, boosting."""

import json

import numpy as np
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
                                       "max_h1_lifetime"]
    cfg = GENERALIZATION_PRESETS["tiny"]
    assert table["iteration"].tolist() == list(range(0, cfg.max_iter + 1, cfg.snapshot_every))
    assert table["test_accuracy"].between(0, 1).all()
    assert (table["max_h1_lifetime"] >= 0).all()
    assert (table["n_filters"] == cfg.n_networks * cfg.sizes[0]).all()
    for key in ("pearson_r", "spearman_rho", "regression_best_k", "regression_best_p",
                "regression_cv_mae", "paper_max_h1_lifetime_mnist_40k", "data"):
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
    np.testing.assert_allclose(again.table["max_h1_lifetime"], table["max_h1_lifetime"])
    assert {p: p.stat().st_mtime_ns for p in folder.glob("net_*")} == stamps  # resumed


@pytest.mark.slow
def test_cross_domain_tiny(saved):
    result = cross_domain(scale="tiny", verbose=0)
    table = result.table
    conds = list(CROSS_DOMAIN_PRESETS["tiny"].conditions)
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
    assert len(list(out.rglob("net_*.json"))) == 1  # one trained net, kept by the runner


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
    out = tmp_path / "curves"
    result = boosted_training(scale="tiny", verbose=0, out_dir=str(out))
    cfg = BOOSTED_PRESETS["tiny"]
    table = result.table
    assert len(table) == len(cfg.conditions) * len(cfg.thresholds)
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
    assert len(list(out.rglob("net_*.json"))) == len(cfg.conditions) * cfg.n_seeds
    folder = saved(result, ["fig13_accuracy_curves"])
    curves = (folder / "curves.csv").read_text().splitlines()
    n_evals = cfg.max_iter // cfg.eval_every
    assert len(curves) == 1 + len(cfg.conditions) * cfg.n_seeds * n_evals
