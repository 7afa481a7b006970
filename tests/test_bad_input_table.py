"""Every public function meets every kind of bad input and answers with a clear error.

The functions are enumerated from the public modules, so a new one fails
``test_every_public_function_is_in_the_table`` until it gets a valid call in ``GOOD_CALLS``;
from then on each of its parameters named in ``BAD_VALUES`` is tried with every bad value of
its kind, and the error must be a ``TypeError`` or ``ValueError`` (``FileNotFoundError`` for a
missing file) whose message names the parameter.
"""

import inspect

import networkx as nx
import numpy as np
import pytest
import torch

import sktopo.datasets
import sktopo.filters
import sktopo.homology
import sktopo.mapper
import sktopo.pipeline
from sktopo.datasets import make_filter_cloud

import sktopo.export
import sktopo.measures
import sktopo.nn
import sktopo.stats
import sktopo.report
import sktopo.significance
import sktopo.sizes
import sktopo.sweep

MODULES = (sktopo.filters, sktopo.homology, sktopo.mapper, sktopo.pipeline, sktopo.nn,
           sktopo.measures, sktopo.datasets, sktopo.stats, sktopo.export, sktopo.sweep,
           sktopo.sizes, sktopo.significance, sktopo.report)

#: Public functions whose bad input is tested with files of their own format elsewhere.
COVERED_ELSEWHERE = {
    "load_mnist": "tests/datasets/test_datasets_mnist.py: missing, truncated, swapped, bad magic",
    "load_cifar10": "tests/datasets/test_datasets_cifar.py: missing and damaged archives/folders",
    "load_svhn": "tests/datasets/test_datasets_svhn_digits.py: missing and unreadable .mat files",
    "analyse_cloud": "a step of sweep_layers, whose input it receives checked",
    "analyse_layer": "a step of sweep_layers, whose input it receives checked",
    "subsample": "a step of sweep_layers, whose input it receives checked",
    "sweep_figures": "draws sweep_layers(return_results=True) output (tests/test_sweep.py)",
    "sweep_layouts": "lays out sweep_layers(return_results=True) output (tests/test_sweep.py)",
    "sweep_table": "tabulates sweep_layers(return_results=True) output (tests/test_sweep.py)",
    "kept_filters": "reads a fitted CloudView (tests/test_export.py)",
    "load_diagrams": "file round trips and damaged files in tests/test_export.py",
    "read_mapper_graph": "file round trips in tests/test_export.py",
}

CLOUD = make_filter_cloud("primary_circle", 60, noise=0.1, random_state=0)
PADDED = np.array([[[0.0, np.inf, 0.0], [0.0, 0.3, 0.0], [0.1, 0.5, 1.0]]])
BACKWARDS = PADDED * [1.0, 0.1, 1.0]  # the H1 bar becomes (0.1, 0.05): death < birth
INF_BIRTH = PADDED + [np.inf, 0.0, 0.0]
GRAPH = nx.cycle_graph(5)
IMAGES = np.random.default_rng(0).random((32, 1, 8, 8), dtype=np.float32)
LABELS = np.arange(32) % 10
TINY_NET = {"arch": "M", "sizes": (2, 0, 4), "max_iter": 1, "batch_size": 16}

_cloud_bad = {
    "complex": CLOUD.astype(complex),
    "text": CLOUD.astype(str),
    "nan": np.where(np.eye(60, 9) > 0, np.nan, CLOUD),
    "empty": np.empty((0, 9)),
    "one-d": CLOUD[0],
    "ragged": [[1.0, 2.0], [3.0]],
}
_count_bad = {"bool": True, "negative": -1, "fractional": 2.5}

#: Bad values by parameter name: {name: {case: value}}.
BAD_VALUES = {
    "X": _cloud_bad,
    "Y": _cloud_bad,
    "filters": _cloud_bad,
    "cloud": _cloud_bad,
    "x": {"nan": [1.0, float("nan"), 3.0], "text": ["a", "b", "c"]},
    "n_boot": _count_bad,
    "level": {"zero": 0, "one": 1, "nan": float("nan")},
    "n_live": _count_bad,
    "network": {"number": 42, "text": "a network"},
    "measures": {"unknown": ["no_such_measure"]},
    "order": {"zero": 0, "nan": float("nan")},
    "weight": {"array": np.ones((2, 1, 3, 3)), "wrong-shape": torch.ones(2, 9)},
    "model": {"unknown": "torus", "number": 3},
    "diagrams": {"nan": PADDED * np.nan, "single": PADDED[0], "text": "diagrams",
                 "wrong-width": np.zeros((1, 2, 2)), "backwards": BACKWARDS,
                 "infinite-birth": INF_BIRTH, "backwards-list": [[np.array([[0.5, 0.1]])]]},
    "padded": {"nan": PADDED * np.nan, "single": PADDED[0], "wrong-width": np.zeros((1, 2, 2)),
               "backwards": BACKWARDS, "infinite-birth": INF_BIRTH},
    "diagram": {"nan": [np.array([[0.0, np.nan]])], "wrong-width": np.zeros((4, 4)),
                "backwards": [np.array([[0.5, 0.1]])], "infinite-birth": [np.array([[np.inf] * 2])],
                "backwards-padded": BACKWARDS[0]},
    "dgm1": {"nan": np.array([[0.0, np.nan]]), "wrong-width": np.zeros((2, 5)),
             "backwards": np.array([[0.5, 0.1]]), "infinite-birth": np.array([[np.inf] * 2])},
    "dgm2": {"nan": np.array([[0.0, np.nan]]), "wrong-width": np.zeros((2, 5)),
             "backwards": np.array([[0.5, 0.1]]), "infinite-birth": np.array([[np.inf] * 2])},
    "graph": {"list": [1, 2], "array": np.zeros((3, 3))},
    "graphs": {"one-graph": GRAPH, "numbers": [1, 2]},
    "heights": {"nan": np.array([0.1, np.nan]), "text": np.array(["a", "b"])},
    "lens": {"nan": np.array([[0.1], [np.nan]]), "text": np.array([["a"], ["b"]])},
    "landmarks": {"negative": [-1], "too-large": [10**6], "empty": [], "float": [0.0, 5.0],
                  "mask": [True, False, True]},
    "p": {"zero": 0, "above-one": 1.5, "nan": float("nan"), "bool": True},
    "gain": {"one": 1, "nan": float("nan"), "bool": True},
    "theta": {"nan": float("nan"), "text": "a"},
    "phi": {"nan": float("nan"), "text": "a"},
    "lo": {"nan": float("nan")},
    "hi": {"nan": float("nan")},
    "kind": {"unknown": "no_such_kind", "number": 3},
    "metric": {"unknown": "no_such_metric"},
    "random_state": {"text": "seed"},
    "source": {"number": 42, "missing-file": "/nonexistent/weights.pt"},
    "y": {"text": np.array(["a"] * 32), "negative": -LABELS - 1, "fractional": LABELS + 0.5,
          "too-short": LABELS[:3]},
    "images": {"text": IMAGES.astype(str), "one-d": IMAGES.ravel()},
    "dataset": {"unknown": "imagenet", "number": 3},
    "kinds": {"unknown": ["torus"], "one-string": "primary_circle_typo"},
    "noise": {"negative": -0.1, "nan": float("nan")},
    "box": _count_bad,
    "n_train": _count_bad,
    "n_test": _count_bad,
    "arch": {"unknown": "Q", "number": 3},
    "sizes": {"none": None, "two": (4, 8), "negative": (4, -1, 8)},
    "lr": {"zero": 0, "nan": float("nan"), "text": "fast"},
    "max_iter": _count_bad,
    "batch_size": _count_bad,
    "index": {"negative": -1, "bool": True},
    "iterations": {"text": ["a", "b"]},
    "accuracies": {"nan": [0.5, float("nan")]},
    "thresholds": {"nan": float("nan"), "text": "high"},
    "layer": {"zero": 0, "unknown-name": "no_such_layer"},
    "module": {"number": 3},
    "net": {"number": 3},
    "out_dir": {"missing": "/nonexistent/run"},
    "on_mismatch": {"unknown": "ignore"},
    "batched": {"negative": -2, "text": "yes"},
    "max_bars": {**_count_bad, "zero": 0},
    "kernel_size": {"text": "3", "one-side": (3,), "three-sides": (3, 3, 3), "floats": (3.0, 3.0),
                    "bool": True},
    **{name: _count_bad for name in (
        "n", "n_points", "n_samples", "n_landmarks", "k", "resolution", "n_bins", "n_components",
        "n_theta", "n_phi", "n_glyphs", "size", "top_k", "min_node_size", "n_networks")},
}

#: A valid call of every public function: {name: callable returning (args, kwargs)}.
GOOD_CALLS = {
    "conv_layers": lambda: ((), {"source": {"conv.weight": np.ones((2, 1, 3, 3))}}),
    "dead_filter_mask": lambda: ((), {"X": CLOUD}),
    "density_filtration": lambda: ((), {"X": CLOUD, "k": 3, "p": 0.5}),
    "density_filtration_indices": lambda: ((), {"X": CLOUD, "k": 3, "p": 0.5}),
    "edge_filter": lambda: ((), {"theta": 0.3}),
    "extract_spatial_filters": lambda: ((), {"source": {"conv.weight": np.ones((2, 1, 3, 3))}}),
    "gaussian_filters": lambda: ((), {"n": 5}),
    "idealized_filters": lambda: ((), {"kind": "primary_circle", "n": 5}),
    "klein_bottle": lambda: ((), {"n_theta": 4, "n_phi": 4}),
    "klein_bottle_filter": lambda: ((), {"theta": 0.1, "phi": 0.2}),
    "kth_neighbor_distances": lambda: ((), {"X": CLOUD, "k": 3}),
    "n_kept": lambda: ((), {"n_points": 10, "p": 0.5}),
    "normalize_filters": lambda: ((), {"X": CLOUD}),
    "primary_circle": lambda: ((), {"n": 5}),
    "random_orthogonal_filters": lambda: ((), {"n": 5}),
    "resolve_k": lambda: ((), {"k": 3, "n_points": 10}),
    "sample_klein_bottle": lambda: ((), {"n": 5}),
    "secondary_circles": lambda: ((), {"n": 5}),
    "three_circle_model": lambda: ((), {"n": 5}),
    "covering_radius": lambda: ((), {"X": CLOUD, "landmarks": [0, 5]}),
    "diagram_distance": lambda: ((), {"dgm1": [[0.0, 1.0]], "dgm2": [[0.0, 0.5]]}),
    "diagram_features": lambda: ((), {"diagrams": PADDED}),
    "lazy_witness_matrix": lambda: ((), {"X": CLOUD, "landmarks": [0, 5, 9]}),
    "maxmin_landmarks": lambda: ((), {"X": CLOUD, "n_landmarks": 5}),
    "pad_diagrams": lambda: ((), {"diagrams": [[np.array([[0.0, 1.0]])]]}),
    "pairwise_diagram_distances": lambda: ((), {"diagrams": np.repeat(PADDED, 2, axis=0)}),
    "persistence_diagrams": lambda: ((), {"X": CLOUD, "n_landmarks": 10}),
    "plot_barcode": lambda: ((), {"diagram": [np.array([[0.0, 1.0]])]}),
    "plot_persistence_diagram": lambda: ((), {"diagram": [np.array([[0.0, 1.0]])]}),
    "unpad_diagrams": lambda: ((), {"padded": PADDED}),
    "auto_single_linkage": lambda: ((), {"Y": CLOUD}),
    "compute_lens": lambda: ((), {"X": CLOUD}),
    "cover_intervals": lambda: ((), {"lo": 0.0, "hi": 1.0, "resolution": 3, "gain": 2.0}),
    "cover_membership": lambda: ((), {"lens": CLOUD[:, :1], "resolution": 3, "gain": 2.0}),
    "first_gap_threshold": lambda: ((), {"heights": np.array([0.1, 0.2, 0.9])}),
    "graph_cycle_rank": lambda: ((), {"graph": GRAPH}),
    "mapper_graph": lambda: ((), {"X": CLOUD, "resolution": 4, "gain": 2.0}),
    "mapper_graph_features": lambda: ((), {"graph": GRAPH}),
    "mapper_html": lambda: ((), {"graph": _mapper_graph()}),
    "mapper_layout": lambda: ((), {"graph": GRAPH}),
    "glyph_nodes_spread": lambda: ((), {"graph": GRAPH, "pos": nx.spring_layout(GRAPH, seed=0),
                                        "n_glyphs": 2}),
    "plot_mapper_graph": lambda: ((), {"graph": _mapper_graph()}),
    "plot_mapper_grid": lambda: ((), {"graphs": [_mapper_graph()]}),
    "nerve_betti1": lambda: ((), {"graph": GRAPH}),
    "pca_lens": lambda: ((), {"X": CLOUD}),
    "vne_scale": lambda: ((), {"X": CLOUD}),
    "barcode_description": lambda: ((), {"persistence": sktopo.homology.Persistence()}),
    "fit_topology": lambda: ((), {"clouds": [CLOUD], "k": 3, "n_landmarks": 5}),
    "generalization_cv": lambda: ((), {"n_samples": 5}),
    "generalization_grid_search": lambda: ((), {
        "clouds": [make_filter_cloud("primary_circle", 30, noise=s, random_state=0)
                   for s in (0.05, 0.2, 0.4)],
        "accuracy": [0.9, 0.7, 0.5], "grid_k": (3,), "grid_p": (0.5,), "n_landmarks": 5}),
    "make_generalization_regression": lambda: ((), {}),
    "make_topology_pipeline": lambda: ((), {}),
    "evaluate_accuracy": lambda: ((), {"module": _trained().module_, "X": IMAGES, "y": LABELS}),
    "family_defaults": lambda: ((), {"arch": "M"}),
    "initial_weights": lambda: ((), {"config": TINY_NET, "seed": 0, "input_shape": (1, 8, 8)}),
    "network_scores": lambda: ((), {"config": TINY_NET, "weights": _trained_weights(),
                                    "X": IMAGES, "y": LABELS}),
    "training_iteration": lambda: ((), {"net": _trained()}),
    "infer_input_shape": lambda: ((), {"X": IMAGES}),
    "iterations_to_accuracy": lambda: ((), {"iterations": [1, 2], "accuracies": [0.5, 0.9],
                                            "thresholds": 0.8}),
    "load_many": lambda: ((), {"out_dir": _run_folder()}),
    "load_snapshots": lambda: ((), {"path": _snapshot_file()}),
    "network_seed": lambda: ((), {"random_state": 0, "index": 3}),
    "save_snapshots": lambda: ((), {"path": _tmp() / "s.npz",
                                    "snapshots": {0: {"c.weight": np.ones((2, 1, 3, 3))}}}),
    "snapshot_clouds": lambda: ((), {"snapshots": {0: {"c.weight": np.ones((2, 1, 3, 3))}}}),
    "train_many": lambda: ((), {"config": TINY_NET, "n_networks": 1, "X": IMAGES, "y": LABELS}),
    "center_crop": lambda: ((), {"x": _tensor(), "size": 6}),
    "check_images": lambda: ((), {"X": IMAGES, "y": LABELS}),
    "make_net": lambda: ((), {"arch": "M", "sizes": (2, 0, 4), "max_iter": 1}),
    "net_config": lambda: ((), {"arch": "M", "sizes": (2, 0, 4), "max_iter": 1,
                                "batch_size": 16}),
    "per_image_standardization": lambda: ((), {"x": _tensor()}),
    "random_crop_flip": lambda: ((), {"x": _tensor(), "size": 6}),
    "resolve_device": lambda: ((), {}),
    "to_grayscale": lambda: ((), {"images": np.ones((2, 3, 4, 4))}),
    "stratified_subsample": lambda: ((), {"X": IMAGES, "y": LABELS, "n_samples": 20}),
    "noisy_labels": lambda: ((), {"y": LABELS, "fraction": 0.5}),
    "distance_to_model": lambda: ((), {"filters": CLOUD}),
    "bootstrap_ci": lambda: ((np.mean, np.arange(10.0)), {"n_boot": 20}),
    "kendall_tau": lambda: ((), {"x": [1.0, 2.0, 3.0], "y": [1.0, 3.0, 2.0]}),
    "granulated_tau": lambda: ((), {"x": [1.0, 2.0, 3.0, 4.0], "y": [1.0, 2.0, 4.0, 3.0],
                                    "factors": {"a": [0, 1, 0, 1], "b": [0, 0, 1, 1]}}),
    "granulated_tau_ci": lambda: ((), {"x": [1.0, 2.0, 3.0, 4.0], "y": [1.0, 2.0, 4.0, 3.0],
                                       "factors": {"a": [0, 1, 0, 1], "b": [0, 0, 1, 1]},
                                       "n_boot": 20}),
    "iterations_speedup": lambda: ((), {"iterations": [10, None], "baseline": [20, 30],
                                        "max_iter": 40, "n_boot": 20}),
    "to_persim": lambda: ((), {"diagrams": PADDED}),
    "from_persim": lambda: ((), {"dgms": [np.array([[0.0, 1.0]]), np.array([[0.1, 0.5]])]}),
    "save_diagrams": lambda: ((), {"file": _tmp() / "d.npz", "diagrams": PADDED}),
    "mapper_graph_data": lambda: ((), {"graph": _mapper_graph()}),
    "save_mapper_graph": lambda: ((), {"path": _tmp() / "g.json", "graph": _mapper_graph()}),
    "to_kmapper": lambda: ((), {"graph": _mapper_graph()}),
    "adaptive_settings": lambda: ((), {"n_live": 500}),
    "select_layers": lambda: ((), {"layers": sktopo.sweep.read_model(
        {"c.weight": np.ones((4, 2, 3, 3))}), "spec": "all"}),
    "read_model": lambda: ((), {"model": {"c.weight": np.ones((4, 2, 3, 3))}}),
    "sweep_layers": lambda: ((), {"model": {"c.weight": np.random.default_rng(0).normal(
        size=(32, 8, 3, 3))}, "n_landmarks": 20, "resolution": 5}),
    "as_nchw": lambda: ((), {"images": np.ones((2, 8, 8))}),
    "get_data_home": lambda: ((), {"data_home": _tmp()}),
    "load_digits_28": lambda: ((), {}),
    "load_mnist_subset": lambda: ((), {}),
    "load_train_test": lambda: ((), {"dataset": "mnist_subset", "n_train": 100, "n_test": 50}),
    "make_collection": lambda: ((), {"kinds": ["primary_circle", "gaussian"], "n": 20}),
    "make_filter_cloud": lambda: ((), {"n": 20}),
    "read_idx": lambda: ((), {"path": _idx_file()}),
    "resize_images": lambda: ((), {"images": np.ones((2, 8, 8)), "size": 4}),
    "to_mnist_format": lambda: ((), {"images": np.ones((2, 32, 32, 3))}),
    "neural_persistence": lambda: ((), {"network": {"fc.weight": np.ones((3, 4))}}),
    "topology_measures": lambda: ((), {"cloud": CLOUD, "k": 3, "n_landmarks": 8,
                                       "resolution": 4, "gain": 2.0}),
    "weight_norm_measures": lambda: ((), {"network": {"fc.weight": np.ones((3, 4))}}),
    "prior_penalty": lambda: ((), {"weight": _tensor().reshape(32, 8, 8)[:, None, :3, :3]}),
    "universal_pvalues": lambda: ((), {"diagram": np.array([[0.1, 0.5], [0.2, 0.3]])}),
    "combine_pvalues": lambda: ((), {"pvalues": [0.01, 0.2]}),
    "significance_readout": lambda: ((), {"cloud": CLOUD, "m": 20, "n_repeats": 2}),
    "size_matched_null": lambda: ((), {"cloud": CLOUD, "statistic": lambda X, seed: 0.0,
                                       "n_draws": 3}),
    "verdict": lambda: ((), {"n_significant": 1}),
    "findings": lambda: ((), {"summary": {"verdict": "no significant loop"}}),
    "check_output_folder": lambda: ((), {"folder": _tmp() / "report"}),
    "to_jsonable": lambda: ((), {"value": {"a": (1, 2)}}),
    "scaled_k": lambda: ((), {"k": 100, "n_filters": 640, "n_paper": 6400}),
    "fitted_sizes": lambda: ((), {"filters": CLOUD, "k": 5, "p": 0.5, "n_landmarks": 8}),
    "caveats": lambda: ((), {"readout": sktopo.significance.significance_readout(CLOUD)}),
}


def _tensor():
    import torch

    return torch.as_tensor(IMAGES)


def _trained():
    return sktopo.nn.make_net("M", (2, 0, 4), max_iter=1, batch_size=16).fit(IMAGES, LABELS)


def _trained_weights():
    return sktopo.nn.train_many(TINY_NET, 1, IMAGES, LABELS)[0]["weights"]


def _tmp():
    import tempfile
    from pathlib import Path

    return Path(tempfile.mkdtemp())


def _run_folder():
    folder = _tmp() / "run"
    sktopo.nn.train_many(TINY_NET, 1, IMAGES, LABELS, out_dir=folder)
    return folder


def _idx_file():
    path = _tmp() / "images.idx"
    header = bytes([0, 0, 8, 3]) + b"".join(int(d).to_bytes(4, "big") for d in (2, 3, 3))
    path.write_bytes(header + bytes(18))
    return path


def _snapshot_file():
    path = _tmp() / "snaps.npz"
    sktopo.nn.save_snapshots(path, {0: {"c.weight": np.ones((2, 1, 3, 3))}})
    return path


def _mapper_graph():
    return sktopo.mapper.mapper_graph(CLOUD, 4, 2.0)


def _public_functions():
    found = {}
    for module in MODULES:
        for name in module.__all__:
            obj = getattr(module, name)
            if inspect.isfunction(obj):
                found[name] = obj
    return found


FUNCTIONS = _public_functions()


#: (function, parameter) pairs where a value bad elsewhere is fine, with the reason.
NOT_BAD_HERE = {
    ("train_many", "out_dir"): "a missing run folder is created: that is how a run starts",
    ("center_crop", "x"): "x there is a tensor of images, its own kind",
    ("kendall_tau", "y"): "y there is paired with x: checked with x (text, NaN, length)",
    ("read_model", "model"): "any network source; conv_layers' errors name it 'source'",
    ("sweep_layers", "model"): "any network source; conv_layers' errors name it 'source'",
    ("to_persim", "diagrams"): "one padded diagram (2-D) is valid there: it gives one list",
    ("save_diagrams", "diagrams"): "one padded diagram (2-D) is valid there: it gives one list",
    ("random_crop_flip", "x"): "x there is a tensor of images, its own kind",
    ("per_image_standardization", "x"): "x there is a tensor of images, its own kind",
    ("stratified_subsample", "X"): "any samples are drawn as they are; a length that does not "
                                   "match y is refused in tests/datasets/test_datasets_sampling.py",
    ("stratified_subsample", "y"): "any class labels stratify (text, negative, fractional); a "
                                   "length that does not match X is refused in "
                                   "tests/datasets/test_datasets_sampling.py",
    ("noisy_labels", "y"): "y stands alone there, so three labels are a valid y; text, negative "
                           "and fractional labels are refused in "
                           "tests/datasets/test_datasets_sampling.py",
}


def _bad_cases():
    for name, fn in sorted(FUNCTIONS.items()):
        if name not in GOOD_CALLS:
            continue
        for param in inspect.signature(fn).parameters:
            if (name, param) in NOT_BAD_HERE:
                continue
            for case, value in BAD_VALUES.get(param, {}).items():
                yield pytest.param(name, param, value, id=f"{name}-{param}-{case}")


def test_every_public_function_is_in_the_table():
    missing = sorted(set(FUNCTIONS) - set(GOOD_CALLS) - set(COVERED_ELSEWHERE))
    assert not missing, f"add a valid call of {missing} to GOOD_CALLS"


@pytest.mark.parametrize("name", sorted(GOOD_CALLS))
def test_the_good_call_works(name):
    import matplotlib.pyplot as plt

    args, kwargs = GOOD_CALLS[name]()
    FUNCTIONS[name](*args, **kwargs)
    plt.close("all")


@pytest.mark.parametrize("name, param, value", list(_bad_cases()))
def test_bad_input_gets_an_error_naming_the_parameter(name, param, value):
    import matplotlib.pyplot as plt

    args, kwargs = GOOD_CALLS[name]()
    kwargs[param] = value
    try:
        with pytest.raises((TypeError, ValueError, FileNotFoundError)) as err:
            FUNCTIONS[name](*args, **kwargs)
    finally:
        plt.close("all")
    assert param in str(err.value), f"{type(err.value).__name__}: {err.value}"
