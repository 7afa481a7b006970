"""Tests of the network zoo and its measure benchmark (``generalization_zoo``)."""

import io

import numpy as np
import pandas as pd
import pytest

from sktopo.experiments import generalization_zoo
from sktopo.experiments._zoo import (
    AXES,
    ZOO_PRESETS,
    varied_axes,
    zoo_grid,
)
from sktopo.measures import NETWORK_MEASURES, TOPOLOGY_MEASURES


# --------------------------------------------------------------------------- presets
def test_small_preset_is_a_zoo_of_200_networks_over_five_axes_or_more():
    small = ZOO_PRESETS["small"]
    assert len(varied_axes(small)) >= 5
    assert len(zoo_grid(small)) * small.n_seeds >= 200
    grid = pd.DataFrame(zoo_grid(small))
    assert len(grid.drop_duplicates()) == len(grid) and list(grid.columns) == list(AXES)


@pytest.mark.parametrize("option, value, match", [
    ("label_noise", "0,1.0", "label_noise value must be in"),
    ("lr", "0.001,0.001", "distinct values"),
    ("n_seeds", "1", "n_seeds must be at least 2"),
    ("grid_k", "3,16", "narrowest first layer"),
    ("max_iter", "ten", "max_iter"),
    ("no_such_axis", "1", "unknown option"),
    ("curve_k", "3", "same length"),
    ("curve_k", "3,40", "below the pooled first layers"),
])
def test_bad_options_are_refused_naming_them(option, value, match):
    with pytest.raises(ValueError, match=match) as err:
        generalization_zoo(scale="tiny", verbose=0, **{option: value})
    assert str(err.value).startswith("generalization_zoo")


def test_paper_scale_refuses_without_the_full_mnist(tmp_path):
    with pytest.raises(FileNotFoundError, match="generalization_zoo --scale paper needs the real"):
        generalization_zoo(scale="paper", data_home=tmp_path, verbose=0)
    assert list(tmp_path.iterdir()) == []


def test_too_large_training_set_names_the_fix():
    with pytest.raises(ValueError, match="--data-home with the full MNIST"):
        generalization_zoo(scale="tiny", verbose=0, n_train="300,4900")


# --------------------------------------------------------------------------- helpers
def test_scores_and_initial_weights_of_a_trained_network():
    from sktopo.datasets import load_train_test
    from sktopo.nn import initial_weights, network_scores, train_many

    data = load_train_test("mnist_subset", n_train=200, n_test=100)
    config = {"arch": "M", "sizes": (4, 0, 8), "max_iter": 3, "batch_size": 32,
              "module__stride": 4, "device": "cpu"}
    (record,) = train_many(config, 1, data.X_train, data.y_train, X_valid=data.X_test,
                           y_valid=data.y_test, snapshot_iterations=[0, 3])
    scores = network_scores(config, record["weights"], data.X_test, data.y_test)
    assert scores["accuracy"] == pytest.approx(record["valid_acc"])
    assert scores["loss"] > 0
    init = initial_weights(config, record["seed"], (1, 28, 28))
    assert set(init) == set(record["weights"])
    np.testing.assert_array_equal(init["features.conv1.weight"],
                                  record["snapshots"][0]["features.conv1.weight"])


# --------------------------------------------------------------------------- end to end
def test_tiny_zoo_end_to_end(tmp_path, check_saved):
    out = tmp_path / "nets"
    result = generalization_zoo(scale="tiny", verbose=0, out_dir=str(out))
    preset = ZOO_PRESETS["tiny"]
    table = result.table
    assert list(table.columns[:6]) == ["measure", "family", "kendall_tau", "kendall_tau_gap",
                                       "granulated_tau", "granulated_tau_gap"]
    assert list(table["measure"]) == [*TOPOLOGY_MEASURES, *NETWORK_MEASURES,
                                      "neural_persistence"]
    assert set(table["family"]) == {"topology", "baseline"}
    taus = table.filter(like="tau")
    assert len(taus.columns) == 12  # four statistics, each with its interval
    assert taus.notna().all().all() and taus.abs().le(1).all().all()
    for stat in ("kendall_tau", "kendall_tau_gap", "granulated_tau", "granulated_tau_gap"):
        assert (table[f"{stat}_low"] <= table[f"{stat}_high"]).all()

    folder = check_saved(result, tmp_path / "report",
                         ["measures_vs_test_accuracy", "tau_by_axis", "fig12_curves"])
    networks = pd.read_csv(folder / "networks.csv")
    assert len(networks) == len(zoo_grid(preset)) * preset.n_seeds
    assert set(AXES) <= set(networks.columns)
    assert networks[["test_accuracy", "train_accuracy"]].stack().between(0, 1).all()
    np.testing.assert_allclose(networks["generalization_gap"],
                               networks["train_accuracy"] - networks["test_accuracy"])
    assert networks.groupby("config")["seed"].nunique().eq(preset.n_seeds).all()
    assert (networks["distance_from_init"] > 0).all()
    by_axis = pd.read_csv(folder / "tau_by_axis.csv")
    assert set(by_axis["axis"]) == set(varied_axes(preset)) == set(result.settings["axes"])
    regression = pd.read_csv(folder / "regression.csv")
    assert len(regression) == 5 and (regression["cv_mae"] >= 0).all()
    assert "subset" in result.summary["data"]

    # Fig. 12 at this scale: curve networks snapshotted from iteration 0 to the end.
    curves = pd.read_csv(folder / "fig12_curves.csv")
    assert curves["iteration"].tolist() == list(range(0, preset.curve_max_iter + 1,
                                                      preset.curve_every))
    assert len(pd.read_csv(folder / "fig12_networks.csv")) == len(curves) * preset.curve_seeds
    fig12 = {k: v for k, v in result.summary.items() if k.startswith("fig12_tau")}
    assert len(fig12) == 2 * (len(preset.curve_k) + 2)  # per network, pooled curves; with CIs
    assert all(-1 <= v <= 1 for value in fig12.values() for v in np.ravel(value))

    # One run folder per configuration; a rerun trains nothing and gives the same table.
    assert len(list(out.glob("*/*/net_*.json"))) == len(networks)
    stamps = {p: p.stat().st_mtime_ns for p in out.rglob("net_*")}
    again = generalization_zoo(scale="tiny", verbose=0, out_dir=str(out))
    pd.testing.assert_frame_equal(again.table, table)
    assert {p: p.stat().st_mtime_ns for p in out.rglob("net_*")} == stamps


def test_tiny_zoo_trains_the_seeds_of_a_configuration_batched():
    # The paper preset trains batched (one vmapped model per configuration) on a GPU; the
    # initial weights the measures rebuild must match that path too.
    result = generalization_zoo(scale="tiny", verbose=0, batched="true", curve_seeds="0")
    networks = pd.read_csv(io.StringIO(result.extra_files["networks.csv"]))
    preset = ZOO_PRESETS["tiny"]
    assert len(networks) == len(zoo_grid(preset)) * preset.n_seeds
    assert networks["test_accuracy"].between(0, 1).all()
    assert "fig12_curves" not in result.figures and "fig12_curves.csv" not in result.extra_files
