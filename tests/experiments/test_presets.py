"""Typed presets and their one ``--set`` parser; paper scale refuses without the real data.

Nothing here trains a network: every refusal happens before the first batch.
"""

import dataclasses
from pathlib import Path

import pytest

from sktopo.experiments import EXPERIMENTS, SCALES, run_experiment
from sktopo.experiments._dynamics import DYNAMICS_PRESETS
from sktopo.experiments._generalization import GENERALIZATION_PRESETS, GeneralizationPreset
from sktopo.experiments._mnist_cifar import CIFAR_PRESETS, MNIST_FIRST_PRESETS
from sktopo.experiments._presets import parse_assignments, resolve_preset
from sktopo.experiments._priors import BOOSTED_PRESETS, CROSS_DOMAIN_PRESETS, PAPER_BOOSTED
from sktopo.experiments._runs import nets_folder
from sktopo.experiments._vgg import VGG_PRESETS

ALL_PRESETS = [MNIST_FIRST_PRESETS, CIFAR_PRESETS, DYNAMICS_PRESETS, VGG_PRESETS,
               GENERALIZATION_PRESETS, CROSS_DOMAIN_PRESETS, BOOSTED_PRESETS]


# --- presets ---------------------------------------------------------------------------------
@pytest.mark.parametrize("presets", ALL_PRESETS)
def test_every_experiment_has_one_frozen_preset_type_per_scale(presets):
    assert tuple(presets) == SCALES
    (kind,) = {type(p) for p in presets.values()}
    assert dataclasses.is_dataclass(kind)
    with pytest.raises(dataclasses.FrozenInstanceError):
        presets["tiny"].batch_size = 1


def test_presets_keep_the_paper_values():
    paper = GENERALIZATION_PRESETS["paper"]
    assert paper.sizes == (64, 32, 64) and (paper.k, paper.p) == (100, 0.1)
    assert paper.lr == 1e-3 and paper.device == "auto"
    assert BOOSTED_PRESETS["paper"].thresholds == tuple(PAPER_BOOSTED["mnist"])
    assert MNIST_FIRST_PRESETS["paper"].n_networks == 100
    assert MNIST_FIRST_PRESETS["paper"].max_iter == 40000
    assert CIFAR_PRESETS["paper"].max_networks is None and CIFAR_PRESETS["paper"].figure == 3
    assert DYNAMICS_PRESETS["tiny"].iterations == (5, 10, 20)
    assert VGG_PRESETS["small"].vgg16_layers == tuple(range(2, 14))


# --- --set parsing -----------------------------------------------------------------------------
def test_good_overrides_are_converted_by_field_type():
    preset = resolve_preset("generalization_measure", GENERALIZATION_PRESETS, "tiny", {
        "sizes": "4, 0, 8", "max_iter": "7", "lr": "0.01", "n_train": "all", "n_test": "none",
        "grid_p": "(0.2,0.4)", "dataset": "svhn", "out_dir": "~/runs",
    })
    assert isinstance(preset, GeneralizationPreset)
    assert preset.sizes == (4, 0, 8) and preset.max_iter == 7 and preset.lr == 0.01
    assert preset.n_train is None and preset.n_test is None and preset.grid_p == (0.2, 0.4)
    assert preset.dataset == "svhn" and preset.out_dir == Path("~/runs").expanduser()
    assert GENERALIZATION_PRESETS["tiny"].max_iter == 40  # the preset itself is untouched


def test_python_values_are_accepted_as_well():
    preset = resolve_preset("mnist_first_layer", MNIST_FIRST_PRESETS, "tiny",
                            {"sizes": [8, 0, 8], "batched": True, "lr": 1, "n_jobs": None})
    assert preset.sizes == (8, 0, 8) and preset.batched is True and preset.lr == 1.0


def test_a_bad_key_names_the_experiment_the_key_and_the_valid_keys():
    with pytest.raises(ValueError) as err:
        resolve_preset("mnist_first_layer", MNIST_FIRST_PRESETS, "tiny", {"n_netwroks": "3"})
    message = str(err.value)
    assert message.startswith("mnist_first_layer: unknown option(s) ['n_netwroks']")
    assert "Did you mean 'n_networks'" in message
    assert "n_networks (an integer)" in message and "sizes (3 comma-separated integers" in message


@pytest.mark.parametrize("key, value, expected", [
    ("max_iter", "many", "an integer"),
    ("max_iter", "2.5", "an integer"),
    ("lr", True, "a number"),
    ("sizes", "64,32", "3 comma-separated integers, e.g. 64,32,64"),
    ("dataset", "cifar10", "one of 'mnist', 'svhn'"),
    ("n_train", "lots", "an integer or none"),
])
def test_a_bad_value_names_the_experiment_the_key_and_the_expected_type(key, value, expected):
    with pytest.raises(ValueError) as err:
        resolve_preset("generalization_measure", GENERALIZATION_PRESETS, "tiny", {key: value})
    assert str(err.value) == (f"generalization_measure: option {key}={value!r} is invalid: "
                              f"expected {expected}.")


def test_checks_of_the_preset_name_the_experiment():
    with pytest.raises(ValueError, match="^training_dynamics: shrink must be >= 1"):
        resolve_preset("training_dynamics", DYNAMICS_PRESETS, "tiny", {"shrink": "0"})
    with pytest.raises(ValueError, match="^cross_domain: conditions must name at least one"):
        resolve_preset("cross_domain", CROSS_DOMAIN_PRESETS, "tiny", {"conditions": ""})
    with pytest.raises(ValueError, match="scale must be one of"):
        resolve_preset("vgg_layers", VGG_PRESETS, "huge", {})


def test_parse_assignments_splits_key_value_strings():
    assert parse_assignments(["figure=7", "cifar_path=a=b.tar"]) == {
        "figure": "7", "cifar_path": "a=b.tar"}
    with pytest.raises(ValueError, match="KEY=VALUE"):
        parse_assignments(["figure"])
    with pytest.raises(ValueError, match="given twice"):
        parse_assignments(["k=1", "k=2"])


# --- paper scale must not lie ------------------------------------------------------------------
MNIST_FILES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
               "t10k-labels-idx1-ubyte")


@pytest.mark.parametrize("name", ["mnist_first_layer", "mnist_second_layer",
                                  "training_dynamics", "generalization_measure",
                                  "cross_domain", "boosted_training"])
def test_paper_scale_without_mnist_files_refuses_and_says_where_they_go(name, tmp_path, capsys):
    with pytest.raises(FileNotFoundError) as err:
        run_experiment(name, scale="paper", data_home=tmp_path, verbose=0)
    message = str(err.value)
    assert message.startswith(f"{name} --scale paper needs the real data")
    assert "does not fall back to the embedded 5,000-image MNIST subset" in message
    assert all(f in message for f in MNIST_FILES) and str(tmp_path / "mnist") in message
    assert list(tmp_path.iterdir()) == []  # nothing written, no run folder announced
    assert capsys.readouterr().out == ""


def test_paper_scale_looks_in_the_default_data_home(tmp_path, monkeypatch):
    monkeypatch.setenv("SKTOPO_DATA", str(tmp_path))
    with pytest.raises(FileNotFoundError, match=str(tmp_path / "mnist")):
        run_experiment("mnist_first_layer", scale="paper", verbose=0)


@pytest.mark.parametrize("name, options, folder, files", [
    ("cifar_layers", {}, "cifar10", ["cifar-10-python.tar.gz"]),
    ("generalization_measure", {"dataset": "svhn"}, "svhn",
     ["train_32x32.mat", "test_32x32.mat"]),
])
def test_paper_scale_names_the_other_data_sets_too(name, options, folder, files, tmp_path):
    with pytest.raises(FileNotFoundError) as err:
        run_experiment(name, scale="paper", data_home=tmp_path, options=options, verbose=0)
    message = str(err.value)
    assert str(tmp_path / folder) in message and all(f in message for f in files)


def test_paper_scale_scores_the_svhn_target_or_refuses(tmp_path):
    from sktopo.experiments._data import load_target_domain

    with pytest.raises(FileNotFoundError, match="cross_domain --scale paper needs the real"):
        load_target_domain("cross_domain", "paper", "auto", tmp_path, None, 0)
    target = load_target_domain("cross_domain", "small", "auto", tmp_path, 100, 0)
    assert target.name == "digits28" and target.X.shape == (100, 1, 28, 28)


# --- run folders -------------------------------------------------------------------------------
def test_paper_scale_keeps_its_nets_in_an_announced_folder(tmp_path, capsys):
    folder = nets_folder("mnist-M", {"sizes": (8, 0, 8)}, out_dir=None, scale="paper",
                         data_home=tmp_path)
    assert folder.parent == tmp_path / "runs" and folder.name.startswith("mnist-M-")
    assert str(folder) in capsys.readouterr().out
    assert nets_folder("mnist-M", {}, out_dir=None, scale="small", data_home=tmp_path) is None
    mine = nets_folder("mnist-M", {"sizes": (8, 0, 8)}, out_dir=tmp_path / "mine", scale="paper",
                       data_home=tmp_path)
    assert mine.parent == tmp_path / "mine" and mine.name == folder.name
    other = nets_folder("mnist-M", {"sizes": (8, 0, 16)}, out_dir=tmp_path, scale="small",
                        data_home=None)
    assert other.name != folder.name  # another configuration never shares a folder


def test_every_experiment_is_registered_and_public():
    import sktopo.experiments as experiments

    for name, function in EXPERIMENTS.items():
        assert getattr(experiments, name) is function
