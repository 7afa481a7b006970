r"""A zoo of networks and a benchmark of generalisation measures over it.

The paper's Section VI claims that the longest H1 bar of a network's first-layer filters
("topological simplicity") tracks how well it generalises. :func:`generalization_zoo` tests
the claim the way Jiang et al. (2020, "Fantastic generalization measures and where to find
them") test generalisation measures: train a grid of networks over hyperparameters that change
generalisation (first-layer width, training length, training-set size, learning rate, batch
size, label noise, dropout, weight decay), measure every network, and ask how well each measure
ranks the networks by test accuracy and by generalisation gap, overall (Kendall's
:math:`\tau`) and within groups that differ in one hyperparameter only (the granulated
:math:`\tau`), against the standard baselines. A regression from measures to test accuracy,
cross-validated so that networks sharing a seed never split, closes the benchmark.

Every network is trained by :func:`sktopo.nn.train_many` (one call per configuration, all
configurations sharing the same seeds), measured by the transformers of :mod:`sktopo.measures`
and ranked by :mod:`sktopo.stats`.
"""

import dataclasses
import itertools
import time
import typing

import numpy as np
import pandas as pd

from .._progress import progress
from ..datasets import noisy_labels
from ._data import load_experiment_data
from ._presets import NetworkPreset, resolve_preset
from ..report import ExperimentResult
from ._runs import preset_folder

_NAME = "generalization_zoo"

#: The hyperparameter axes of the zoo, in the order of the grid and of the tables.
AXES = ("width", "max_iter", "n_train", "lr", "batch_size", "label_noise", "dropout",
        "weight_decay")

#: Targets the measures are ranked against, by the suffix of their table columns.
_TARGETS = {"": "test_accuracy", "_gap": "generalization_gap"}

#: The paper's numbers for Section VI (Fig. 12: max H1 lifetime of the first layer at
#: rho(100, 0.1) after 40,000 batch iterations; no correlation coefficient is printed).
_PAPER = {
    "paper_max_lifetime_h1_mnist_40k": 1.10,
    "paper_max_lifetime_h1_svhn_40k": 1.27,
    "paper_test_accuracy_mnist_40k": 0.99,
    "paper_test_accuracy_svhn_40k": 0.85,
}


# =========================================================================== presets


@dataclasses.dataclass(frozen=True, kw_only=True)
class ZooPreset(NetworkPreset):
    """Knobs of :func:`generalization_zoo`.

    The eight axes are tuples of values; the zoo is their full grid (an axis with one value is
    held fixed), trained ``n_seeds`` times with the same seeds for every configuration.

    Attributes
    ----------
    width : tuple of int
        First conv layer's filters ``X`` of ``M(X, conv2, dense)``.
    max_iter : tuple of int
        Batch iterations.
    n_train : tuple of int
        Training images (nested: a smaller set is the start of a larger one).
    lr : tuple of float
        Adam's learning rate.
    batch_size : tuple of int
        Images per batch iteration.
    label_noise : tuple of float
        Fraction of training labels replaced by a wrong class, in [0, 1).
    dropout : tuple of float
        Dropout after the dense layer, in [0, 1).
    weight_decay : tuple of float
        L2 weight loss on the dense layers.
    conv2, dense : int
        Second conv layer's depth (0: none) and dense width.
    stride : int
        Stride of the first conv layer (4 trains wide first layers cheaply on a CPU).
    init : {"tf", "torch"}
        Initial weights: TensorFlow's tutorial start, as in the paper's nets, or torch's.
    n_seeds : int
        Networks per configuration; seed ``i`` is shared by all configurations. At least 2,
        so the regression can be cross-validated over seeds.
    n_test : int or None
        Test images (None: all).
    batched : bool
        Train the seeds of a configuration as one vmapped model (fast on a GPU).
    k, p, n_landmarks, resolution, gain
        Settings of :class:`sktopo.measures.TopologyMeasures` on each network's first layer.
    grid_k, grid_p : tuple of int, tuple of float
        GridSearchCV grid of rho(k, p) in the regressions that compute topology from clouds.
    alphas : tuple of float
        GridSearchCV grid of the ridge penalty in the regressions on several measures.
    n_boot : int
        Bootstrap draws of every confidence interval.
    curve_seeds : int
        Networks followed over training for Fig. 12 (0: none): the widest first layer of the
        zoo with the default training of M nets (Adam 1e-3, dropout 0.5), the whole training
        pool without label noise, ``curve_batch_size`` images per batch for
        ``curve_max_iter`` iterations (the demo's recipe at scale "small").
    curve_every : int
        Batch iterations between their snapshots (iteration 0 included).
    curve_k, curve_p : tuple of int, tuple of float
        rho(k, p) settings of their pooled first layers, in pairs (the paper's rho(100, 0.1)
        beside the demo's rho(100, 0.5) at scale "small").
    """

    width: tuple[int, ...]
    max_iter: tuple[int, ...]
    n_train: tuple[int, ...]
    lr: tuple[float, ...]
    batch_size: tuple[int, ...]
    label_noise: tuple[float, ...]
    dropout: tuple[float, ...]
    weight_decay: tuple[float, ...]
    conv2: int = 0
    dense: int = 64
    stride: int = 4
    init: typing.Literal["tf", "torch"] = "tf"
    n_seeds: int
    n_test: int | None
    batched: bool = False
    k: int
    p: float
    n_landmarks: int
    resolution: int
    gain: float = 3.0
    grid_k: tuple[int, ...]
    grid_p: tuple[float, ...]
    alphas: tuple[float, ...] = (0.1, 1.0, 10.0, 100.0)
    n_boot: int = 1000
    curve_seeds: int = 0
    curve_max_iter: int = 800
    curve_batch_size: int = 64
    curve_every: int = 50
    curve_k: tuple[int, ...] = (100, 100)
    curve_p: tuple[float, ...] = (0.1, 0.5)

    def __post_init__(self):
        _check_axes(self)
        _check_analysis(self)
        _check_curves(self)


#: Per axis: the test a value must pass and what it must be, for messages.
_AXIS_RULES = {
    "width": (lambda v: v >= 1, "positive"),
    "max_iter": (lambda v: v >= 1, "positive"),
    "n_train": (lambda v: v >= 1, "positive"),
    "lr": (lambda v: v > 0, "positive"),
    "batch_size": (lambda v: v >= 1, "positive"),
    "label_noise": (lambda v: 0 <= v < 1, "in [0, 1)"),
    "dropout": (lambda v: 0 <= v < 1, "in [0, 1)"),
    "weight_decay": (lambda v: v >= 0, "non-negative"),
}


def _check_axes(preset):
    for axis, (ok, what) in _AXIS_RULES.items():
        values = getattr(preset, axis)
        if not values or len(set(values)) < len(values):
            raise ValueError(f"{axis} must list one or more distinct values; got {values!r}.")
        if not all(ok(v) for v in values):
            raise ValueError(f"every {axis} value must be {what}; got {values!r}.")
    if preset.n_seeds < 2:
        raise ValueError(f"n_seeds must be at least 2 (the regression is cross-validated over "
                         f"seeds); got {preset.n_seeds}.")


def _check_analysis(preset):
    smallest = min(preset.width)
    too_big = [k for k in (preset.k, *preset.grid_k) if not 1 <= k < smallest]
    if too_big:
        raise ValueError(f"k and grid_k must be between 1 and the narrowest first layer "
                         f"({smallest} filters, exclusive); got {too_big}.")
    if not all(0 < p <= 1 for p in (preset.p, *preset.grid_p)):
        raise ValueError(f"p and grid_p must be in (0, 1]; got {preset.p}, {preset.grid_p}.")
    if not preset.grid_k or not preset.grid_p or not preset.alphas:
        raise ValueError("grid_k, grid_p and alphas must each list at least one value.")
    if not all(a > 0 for a in preset.alphas) or preset.n_boot < 1:
        raise ValueError("alphas must be positive and n_boot at least 1.")


def _check_curves(preset):
    if preset.curve_seeds == 0:
        return
    if preset.curve_seeds < 2 or min(preset.curve_max_iter, preset.curve_batch_size,
                                     preset.curve_every) < 1:
        raise ValueError("curve_seeds must be 0 (no curves) or at least 2, and curve_max_iter, "
                         "curve_batch_size and curve_every positive.")
    pooled = preset.curve_seeds * max(preset.width)
    if len(preset.curve_k) != len(preset.curve_p) or not preset.curve_k:
        raise ValueError(f"curve_k and curve_p are (k, p) pairs and need the same length; got "
                         f"{preset.curve_k} and {preset.curve_p}.")
    if not all(1 <= k < pooled for k in preset.curve_k) or \
            not all(0 < p <= 1 for p in preset.curve_p):
        raise ValueError(f"curve_k must be below the pooled first layers ({pooled} filters) and "
                         f"curve_p in (0, 1]; got {preset.curve_k}, {preset.curve_p}.")


#: Scale presets of :func:`generalization_zoo`. "small" is a full grid over six axes (the
#: first-layer width and the batch size held fixed) of the demo's cheap net, a stride-4
#: M(256, 0, 64) from TensorFlow's initial weights: 64 configurations x 4 seeds = 256
#: networks. Batch 32 and at most 600 iterations keep it within 45 minutes on a shared 2-core
#: CPU with one torch thread; "paper" is a GPU run (batched seeds) of wider, longer-trained
#: M(X, 32, 64) nets on the full MNIST.
ZOO_PRESETS = {
    "tiny": ZooPreset(
        width=(16,), max_iter=(10, 40), n_train=(300,), lr=(1e-3,), batch_size=(32,),
        label_noise=(0.0, 0.5), dropout=(0.5,), weight_decay=(0.0,), dense=16, n_seeds=2,
        n_test=200, k=3, p=1.0, n_landmarks=8, resolution=4, grid_k=(3, 5), grid_p=(1.0,),
        alphas=(1.0, 10.0), n_boot=50, curve_seeds=2, curve_max_iter=20, curve_batch_size=32,
        curve_every=10, curve_k=(3, 3), curve_p=(0.5, 1.0),
    ),
    "small": ZooPreset(
        width=(256,), max_iter=(150, 600), n_train=(1000, 3000), lr=(5e-4, 2e-3),
        batch_size=(32,), label_noise=(0.0, 0.2), dropout=(0.0, 0.5),
        weight_decay=(0.0, 1e-3), n_seeds=4, n_test=2000, k=25, p=0.5, n_landmarks=64,
        resolution=8, grid_k=(15, 50), grid_p=(0.3, 0.5), curve_seeds=5,
    ),
    "paper": ZooPreset(
        width=(64, 128), conv2=32, stride=1, max_iter=(5000, 20000), n_train=(10000, 60000),
        lr=(3e-4, 1e-3), batch_size=(64, 128), label_noise=(0.0, 0.2), dropout=(0.0, 0.5),
        weight_decay=(0.0, 5e-4), n_seeds=4, n_test=None, batched=True, k=15, p=0.5,
        n_landmarks=32, resolution=8, grid_k=(10, 15, 30), grid_p=(0.3, 0.5), curve_seeds=16,
        curve_max_iter=40000, curve_batch_size=128, curve_every=2000,
    ),
}

#: Fields that change only the analysis or the curve networks, not the zoo's networks.
_ANALYSIS_FIELDS = ("k", "p", "n_landmarks", "resolution", "gain", "grid_k", "grid_p", "alphas",
                    "n_boot", "curve_seeds", "curve_max_iter", "curve_batch_size", "curve_every",
                    "curve_k", "curve_p")


def zoo_grid(preset):
    """The zoo's training configurations: one dict of axis values per point of the grid.

    Examples
    --------
    >>> grid = zoo_grid(ZOO_PRESETS["tiny"])
    >>> len(grid), sorted({p["max_iter"] for p in grid})
    (4, [10, 40])
    """
    return [dict(zip(AXES, values))
            for values in itertools.product(*(getattr(preset, a) for a in AXES))]


def varied_axes(preset):
    """The axes with two or more values."""
    return [a for a in AXES if len(getattr(preset, a)) > 1]


# =========================================================================== data


def _zoo_data(preset, scale, data_home, random_state):
    """Test images and a shuffled pool of training images, the largest training set."""
    n_pool = max(preset.n_train)
    data = load_experiment_data(_NAME, scale, "mnist", data_home, n_train=n_pool,
                                n_test=preset.n_test, random_state=random_state)
    if len(data.X_train) < n_pool:
        raise ValueError(
            f"{_NAME}: n_train asks for up to {n_pool} training images, but {data.description} "
            f"has {len(data.X_train)} beside the {len(data.X_test)} test images. Lower n_train "
            "(--set n_train=...) or n_test, or give --data-home with the full MNIST."
        )
    # A pool kept whole is in file order (sorted by digit in the embedded subset); shuffled,
    # every prefix is a random training set.
    order = np.random.default_rng(random_state).permutation(len(data.X_train))
    data.X_train, data.y_train = data.X_train[order], data.y_train[order]
    return data


def _training_set(data, point, random_state):
    n = point["n_train"]
    return data.X_train[:n], noisy_labels(data.y_train[:n], point["label_noise"],
                                          random_state=random_state)


# =========================================================================== networks


def _net_config(preset, point):
    """:func:`~sktopo.nn.make_net` arguments of one configuration."""
    from ..nn import net_config

    init = {"module__init": "tf"} if preset.init == "tf" else {}
    return net_config(
        "M", (point["width"], preset.conv2, preset.dense), max_iter=point["max_iter"],
        batch_size=point["batch_size"], device=preset.device, lr=point["lr"],
        weight_decay=point["weight_decay"], module__stride=preset.stride,
        module__dropout=point["dropout"], **init,
    )


def _point_name(point):
    """A readable, unique sub-folder name for one configuration's networks."""
    return "-".join(f"{axis}={point[axis]:g}" for axis in AXES)


def _describe(net_config, record, X, y, data):
    """The sample the measures read (a record with initial weights and training scores) and
    the row of targets of one trained network."""
    from ..nn import infer_input_shape, initial_weights, network_scores

    init = initial_weights(net_config, record["seed"], infer_input_shape(X))
    first = record["snapshots"][0]["features.conv1.weight"]
    if not np.array_equal(init["features.conv1.weight"], first):
        raise RuntimeError("The rebuilt initial weights differ from the runner's snapshot at "
                           "iteration 0; distance from initialisation would be wrong.")
    train = network_scores(net_config, record["weights"], X, y)
    test = network_scores(net_config, record["weights"], data.X_test, data.y_test)
    sample = {"weights": record["weights"], "init_weights": init,
              "train_loss": train["loss"], "train_accuracy": train["accuracy"]}
    row = {"seed": record["seed"], "test_accuracy": test["accuracy"], "test_loss": test["loss"],
           "generalization_gap": train["accuracy"] - test["accuracy"],
           "loss_gap": test["loss"] - train["loss"], "n_iter": record["n_iter"],
           "train_time_s": record["train_time_s"]}
    return sample, row


def _train_zoo(preset, data, folder, random_state, verbose):
    """Train every configuration through the one runner; the measures' samples and a table of
    configurations, seeds and targets, one row per network."""
    from ..nn import train_many

    samples, rows = [], []
    for index, point in enumerate(progress(zoo_grid(preset), verbose=verbose,
                                           desc="configurations")):
        X, y = _training_set(data, point, random_state)
        config = _net_config(preset, point)
        records = train_many(
            config, preset.n_seeds, X, y, X_valid=data.X_test, y_valid=data.y_test,
            out_dir=None if folder is None else folder / _point_name(point),
            random_state=random_state, batched=preset.batched,
            snapshot_iterations=[0], snapshot_layers=["features.conv1"],
            verbose=max(0, verbose - 1),
        )
        for seed_index, record in enumerate(records):
            sample, row = _describe(config, record, X, y, data)
            samples.append(sample)
            rows.append({"config": index, "seed_index": seed_index, **point, **row})
    return samples, pd.DataFrame(rows)


# =========================================================================== measures


def _measure_families():
    """Measure name -> ``"topology"`` or ``"baseline"``, in table order."""
    from ..measures import NETWORK_MEASURES, TOPOLOGY_MEASURES

    return {**{m: "topology" for m in TOPOLOGY_MEASURES},
            **{m: "baseline" for m in (*NETWORK_MEASURES, "neural_persistence")}}


def _measure(samples, preset, random_state, verbose):
    """Every measure of every network, side by side: one FeatureUnion over the samples."""
    from sklearn.pipeline import FeatureUnion

    from ..measures import (NETWORK_MEASURES, NeuralPersistence, TopologyMeasures,
                            WeightNormMeasures)

    union = FeatureUnion([
        ("topology", TopologyMeasures(layer=1, k=preset.k, p=preset.p,
                                      n_landmarks=preset.n_landmarks,
                                      resolution=preset.resolution, gain=preset.gain,
                                      random_state=random_state, verbose=verbose)),
        ("weights", WeightNormMeasures(NETWORK_MEASURES, verbose=verbose)),
        ("neural_persistence", NeuralPersistence(verbose=verbose)),
    ], verbose_feature_names_out=False)
    return union.set_output(transform="pandas").fit_transform(samples)


# =========================================================================== Fig. 12 curves


def _curve_config(preset):
    """:func:`~sktopo.nn.make_net` arguments of the networks followed over training."""
    point = {"width": max(preset.width), "max_iter": preset.curve_max_iter, "lr": 1e-3,
             "batch_size": preset.curve_batch_size, "weight_decay": 0.0, "dropout": 0.5}
    return _net_config(preset, point)


def _curve_iterations(preset):
    its = list(range(0, preset.curve_max_iter + 1, preset.curve_every))
    return its if its[-1] == preset.curve_max_iter else its + [preset.curve_max_iter]


def _train_curves(preset, data, scale, data_home, random_state, verbose):
    """Train the curve networks on the whole training pool; their runner records."""
    from ..nn import train_many
    from ._runs import nets_folder

    config = _curve_config(preset)
    folder = nets_folder("zoo-curves", {**config, "n_train": len(data.X_train),
                                        "n_test": len(data.X_test), "data": data.description,
                                        "random_state": random_state},
                         out_dir=preset.out_dir, scale=scale, data_home=data_home)
    return train_many(config, preset.curve_seeds, data.X_train, data.y_train,
                      X_valid=data.X_test, y_valid=data.y_test, out_dir=folder,
                      random_state=random_state, batched=preset.batched,
                      snapshot_iterations=_curve_iterations(preset),
                      snapshot_layers=["features.conv1"], verbose=verbose)


def _max_lifetimes(clouds, k, p, n_landmarks, random_state):
    """The longest H1 bar of each cloud after rho(k, p), from the topology pipeline."""
    from ..filters import n_kept
    from ..pipeline import make_topology_pipeline

    fewest = min(n_kept(len(c), p) for c in clouds)
    pipe = make_topology_pipeline(k=k, p=p, n_landmarks=min(n_landmarks, fewest),
                                  features=("max_lifetime",), homology_dimensions=(1,),
                                  random_state=random_state)
    return pipe.fit_transform(clouds)[:, 0]


def _curves(records, preset, random_state):
    """Test accuracy and max H1 lifetime at every snapshot: ``per_net`` (each network's own
    first layer at the zoo's rho(k, p)) and ``pooled`` (the first layers of all curve networks
    pooled, at each curve setting)."""
    from ..filters import extract_spatial_filters
    from ..nn import snapshot_clouds

    per_net = pd.DataFrame([
        {"seed_index": i, "iteration": it, "test_accuracy": r["snapshot_valid_acc"][it],
         "cloud": extract_spatial_filters(weights, 1)}
        for i, r in enumerate(records) for it, weights in sorted(r["snapshots"].items())
    ])
    per_net["max_lifetime_h1"] = _max_lifetimes(list(per_net.pop("cloud")), preset.k, preset.p,
                                                preset.n_landmarks, random_state)
    iterations, clouds = snapshot_clouds([r["snapshots"] for r in records], layer=1)
    pooled = per_net.groupby("iteration")["test_accuracy"].agg(["mean", "std"]).loc[iterations]
    pooled = pooled.rename(columns={"mean": "test_accuracy", "std": "test_accuracy_std"})
    for k, p in zip(preset.curve_k, preset.curve_p):
        pooled[f"pooled_rho({k}, {p:g})"] = _max_lifetimes(clouds, k, p, preset.n_landmarks,
                                                            random_state)
    pooled[f"network_mean_rho({preset.k}, {preset.p:g})"] = \
        per_net.groupby("iteration")["max_lifetime_h1"].mean().loc[iterations]
    return per_net, pooled.reset_index()


def _curve_summary(per_net, pooled, n_boot, random_state):
    """Kendall's tau of max H1 lifetime and test accuracy over training, with intervals: per
    network (mean over networks, resampling networks) and for every pooled curve (resampling
    snapshots)."""
    from ..stats import bootstrap_ci, kendall_tau

    taus = np.array([kendall_tau(g["max_lifetime_h1"], g["test_accuracy"])
                     for _, g in per_net.groupby("seed_index")])
    summary = {"fig12_tau_each_network_mean": float(taus.mean()),
               "fig12_tau_each_network_ci": list(bootstrap_ci(np.mean, taus, n_boot=n_boot,
                                                             random_state=random_state))}
    for column in pooled.columns[3:]:
        life, acc = pooled[column].to_numpy(), pooled["test_accuracy"].to_numpy()
        summary[f"fig12_tau_{column}"] = kendall_tau(life, acc)
        summary[f"fig12_tau_{column}_ci"] = list(bootstrap_ci(kendall_tau, life, acc,
                                                              n_boot=n_boot,
                                                              random_state=random_state))
        summary[f"fig12_final_max_lifetime_h1_{column}"] = float(life[-1])
    return summary


def _curve_figure(pooled, title):
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 4.5), layout="constrained")
    it, acc, spread = pooled["iteration"], pooled["test_accuracy"], pooled["test_accuracy_std"]
    ax.plot(it, acc, "o-", color="black", label="test accuracy (mean)")
    ax.fill_between(it, acc - spread, acc + spread, color="black", alpha=0.15)
    ax.set_xlabel("batch iterations")
    ax.set_ylabel("test accuracy")
    right = ax.twinx()
    for column in pooled.columns[3:]:
        right.plot(it, pooled[column], "s--", label=f"max H1 lifetime, {column}")
    right.set_ylabel("max H1 lifetime (witness)")
    lines = ax.get_legend_handles_labels()
    more = right.get_legend_handles_labels()
    fig.legend(lines[0] + more[0], lines[1] + more[1], loc="outside lower center", ncols=2,
               fontsize=7)
    ax.set_title(title, fontsize=9)
    return fig


def _fig12(preset, data, scale, data_home, random_state, verbose):
    """Fig. 12 at this scale: curves, their summary, figure and files (empty without seeds)."""
    if preset.curve_seeds == 0:
        return {}, {}, {}
    records = _train_curves(preset, data, scale, data_home, random_state, verbose)
    per_net, pooled = _curves(records, preset, random_state)
    config = _curve_config(preset)
    title = (f"{preset.curve_seeds} x M{config['sizes']} (first conv stride {preset.stride}), "
             f"batch {preset.curve_batch_size}: test accuracy and max H1 lifetime")
    return (_curve_summary(per_net, pooled, preset.n_boot, random_state),
            {"fig12_curves": _curve_figure(pooled, title)},
            {"fig12_curves.csv": pooled.to_csv(index=False),
             "fig12_networks.csv": per_net.to_csv(index=False)})


# =========================================================================== benchmark


def _tau_columns(x, y, factors, axes, suffix, n_boot, random_state):
    """Kendall's and the granulated tau of one measure against one target, with intervals."""
    from ..stats import bootstrap_ci, granulated_tau, granulated_tau_ci, kendall_tau

    tau_low, tau_high = bootstrap_ci(kendall_tau, x, y, n_boot=n_boot,
                                     random_state=random_state)
    granulated = granulated_tau(x, y, factors, axes=axes)
    g_low, g_high = granulated_tau_ci(x, y, factors, axes=axes, n_boot=n_boot,
                                      random_state=random_state)
    columns = {f"kendall_tau{suffix}": kendall_tau(x, y),
               f"kendall_tau{suffix}_low": tau_low, f"kendall_tau{suffix}_high": tau_high,
               f"granulated_tau{suffix}": granulated.tau,
               f"granulated_tau{suffix}_low": g_low, f"granulated_tau{suffix}_high": g_high}
    return columns, granulated.by_axis


def _benchmark(networks, axes, n_boot, random_state):
    """``table``: one row per measure; ``by_axis``: the tau of every measure, target and axis.

    Networks where a measure is undefined (NaN) are left out of that measure's statistics and
    counted in ``n_networks``.
    """
    rows, by_axis = [], []
    for measure, family in _measure_families().items():
        known = networks[networks[measure].notna()]
        factors = known[list(axes) + ["seed"]]
        row = {"measure": measure, "family": family, "n_networks": len(known)}
        for suffix, target in _TARGETS.items():
            columns, per_axis = _tau_columns(known[measure].to_numpy(), known[target].to_numpy(),
                                             factors, axes, suffix, n_boot, random_state)
            row.update(columns)
            by_axis += [{"measure": measure, "family": family, "target": target, "axis": axis,
                         "tau": tau} for axis, tau in per_axis.items()]
        rows.append(row)
    table = pd.DataFrame(rows)
    first = ["measure", "family", "kendall_tau", "kendall_tau_gap", "granulated_tau",
             "granulated_tau_gap"]
    table = table[first + [c for c in table.columns if c not in first]]
    return table, pd.DataFrame(by_axis)


# =========================================================================== regression


def _grouped_splits(networks, n_seeds):
    """Folds of :class:`~sklearn.model_selection.GroupKFold` over seeds: networks sharing a seed
    (and so their initial weights and batch order) are never split."""
    from sklearn.model_selection import GroupKFold

    groups = networks["seed_index"].to_numpy()
    return list(GroupKFold(n_splits=min(n_seeds, 5)).split(networks, groups=groups))


def _ridge():
    from sklearn.linear_model import Ridge
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    return Pipeline([("scale", StandardScaler()), ("regress", Ridge())])


def _search(model, grid, X, y, splits):
    from sklearn.model_selection import GridSearchCV

    return GridSearchCV(model, grid, cv=splits, scoring="neg_mean_absolute_error",
                        error_score="raise").fit(X, y)


def _scores(name, features, search, X, y, splits):
    """Cross-validated MAE and R^2 of the tuned model (out-of-fold predictions, same folds)."""
    from sklearn.base import clone
    from sklearn.metrics import mean_absolute_error, r2_score
    from sklearn.model_selection import cross_val_predict

    predicted = cross_val_predict(clone(search.best_estimator_), X, y, cv=splits)
    return {"model": name, "n_features": len(features), "features": " ".join(features),
            "cv_mae": mean_absolute_error(y, predicted), "cv_r2": r2_score(y, predicted),
            "best_params": ", ".join(f"{k.split('__')[-1]}={v}"
                                     for k, v in sorted(search.best_params_.items()))}


def _finite_columns(networks, names):
    """Measures usable as regression features: finite for every network (an unbounded ratio of
    bars is not)."""
    return [n for n in names if np.isfinite(networks[n].to_numpy(dtype=float)).all()]


def _grid_landmarks(clouds, preset):
    """Landmarks that fit the sparsest grid setting of every cloud (recorded in the settings)."""
    from ..filters import dead_filter_mask, n_kept

    live = min(int((~dead_filter_mask(c)).sum()) for c in clouds)
    return min(preset.n_landmarks, n_kept(live, min(preset.grid_p)))


def _ridge_row(name, frame, columns, y, splits, alphas):
    search = _search(_ridge(), {"regress__alpha": list(alphas)}, frame[columns], y, splits)
    return _scores(name, columns, search, frame[columns], y, splits)


def _regressions(networks, clouds, preset, random_state):
    """Test accuracy regressed on topology, on the baselines, and on both, each tuned by
    GridSearchCV on the same seed-grouped folds; one row of scores per model, and the
    landmarks of the topology grid.

    The topology model is :func:`~sktopo.pipeline.generalization_grid_search` on the clouds.
    The others are ridge regressions on standardised measures with a tuned penalty; "both"
    adds the max H1 lifetime at the rho(k, p) the topology model chose (a per-cloud feature,
    so computing it on every cloud at once leaks nothing between folds) to the baselines.
    """
    from sklearn.dummy import DummyRegressor

    from ..pipeline import generalization_grid_search

    y = networks["test_accuracy"].to_numpy()
    splits = _grouped_splits(networks, preset.n_seeds)
    families = _measure_families()
    topo = _finite_columns(networks, [m for m, f in families.items() if f == "topology"])
    base = _finite_columns(networks, [m for m, f in families.items() if f == "baseline"])
    n_landmarks = _grid_landmarks(clouds, preset)
    search = generalization_grid_search(clouds, y, grid_k=preset.grid_k, grid_p=preset.grid_p,
                                        n_landmarks=n_landmarks, cv=splits,
                                        random_state=random_state)
    rows = [_scores("topology: max H1 lifetime, tuned rho(k, p)", ["max_lifetime_h1"], search,
                    clouds, y, splits)]
    tuned = search.best_estimator_.named_steps["topology"].transform(clouds)[:, 0]
    frame = networks.assign(tuned_max_lifetime_h1=tuned)
    for name, columns in (("topology: all measures", topo), ("baselines", base),
                          ("topology + baselines", ["tuned_max_lifetime_h1", *base])):
        rows.append(_ridge_row(name, frame, columns, y, splits, preset.alphas))
    dummy = _search(DummyRegressor(), {"strategy": ["mean"]}, frame[base], y, splits)
    rows.append(_scores("mean test accuracy (no measure)", [], dummy, frame[base], y, splits))
    return pd.DataFrame(rows), n_landmarks


# =========================================================================== figures


def _scatter_figure(networks, table, colour_axis):
    import matplotlib.pyplot as plt

    topo = table[table["family"] == "topology"]
    n_cols = 4
    n_rows = -(-len(topo) // n_cols)
    fig, axes = plt.subplots(n_rows, n_cols, figsize=(4 * n_cols, 3.4 * n_rows), squeeze=False,
                             sharey=True, layout="constrained")
    colours = None if colour_axis is None else networks[colour_axis]
    for ax, row in zip(axes.flat, topo.itertuples()):
        # An unbounded ratio of bars has no place on an axis; it still counts in tau.
        x = networks[row.measure].replace([np.inf, -np.inf], np.nan)
        points = ax.scatter(x, networks["test_accuracy"], c=colours, s=8, cmap="viridis")
        ax.set_xlabel(row.measure)
        ax.set_title(f"tau = {row.kendall_tau:+.2f} [{row.kendall_tau_low:+.2f}, "
                     f"{row.kendall_tau_high:+.2f}]", fontsize=9)
    for ax in axes[:, 0]:
        ax.set_ylabel("test accuracy")
    for ax in list(axes.flat)[len(topo):]:
        ax.axis("off")
    if colour_axis is not None:
        fig.colorbar(points, ax=axes, label=colour_axis, shrink=0.6)
    fig.suptitle("Topology of the first layer vs test accuracy, one point per network "
                 "(Kendall's tau, 95 % bootstrap interval)")
    return fig


def _heatmap_figure(by_axis, table):
    import matplotlib.pyplot as plt

    order = list(table["measure"])
    fig, panels = plt.subplots(1, len(_TARGETS), figsize=(4 + 3 * len(_TARGETS),
                                                          0.4 * len(order) + 2),
                               squeeze=False, sharey=True, layout="constrained")
    for ax, target in zip(panels[0], _TARGETS.values()):
        grid = (by_axis[by_axis["target"] == target]
                .pivot(index="measure", columns="axis", values="tau").loc[order])
        image = ax.imshow(grid.to_numpy(), cmap="RdBu_r", vmin=-1, vmax=1, aspect="auto")
        ax.set_xticks(range(grid.shape[1]), grid.columns, rotation=45, ha="right")
        ax.set_yticks(range(grid.shape[0]), grid.index)
        for (i, j), value in np.ndenumerate(grid.to_numpy()):
            ax.text(j, i, f"{value:+.2f}", ha="center", va="center", fontsize=7)
        ax.set_title(target.replace("_", " "))
    fig.colorbar(image, ax=panels, shrink=0.7, label="Kendall's tau")
    fig.suptitle("Mean tau within groups of networks that differ in one axis only")
    return fig


# =========================================================================== the experiment


def _summary(networks, table, regression, data, times):
    def best(family):
        rows = table[table["family"] == family]
        row = rows.loc[rows["kendall_tau"].abs().idxmax()]
        return f"{row['measure']} ({row['kendall_tau']:+.3f})"

    paper_measure = table.set_index("measure").loc["max_lifetime_h1_witness"]
    scores = regression.set_index("model")["cv_mae"]
    return {
        "data": data.description,
        "n_networks": len(networks),
        "n_configurations": int(networks["config"].nunique()),
        "test_accuracy_range": [float(networks["test_accuracy"].min()),
                                float(networks["test_accuracy"].max())],
        "max_lifetime_h1_tau": float(paper_measure["kendall_tau"]),
        "max_lifetime_h1_tau_ci": [float(paper_measure["kendall_tau_low"]),
                                   float(paper_measure["kendall_tau_high"])],
        "max_lifetime_h1_granulated_tau": float(paper_measure["granulated_tau"]),
        "max_lifetime_h1_tau_gap": float(paper_measure["kendall_tau_gap"]),
        "strongest_topology_measure": best("topology"),
        "strongest_baseline_measure": best("baseline"),
        **{f"regression_cv_mae: {model}": float(mae) for model, mae in scores.items()},
        "mean_max_lifetime_h1": float(networks["max_lifetime_h1_witness"].mean()),
        **_PAPER,
        **times,
    }


def generalization_zoo(*, scale="small", data_home=None, random_state=0, verbose=1, **options):
    r"""Benchmark topological generalisation measures on a zoo of networks (paper, Section VI).

    A grid of ``M(X, conv2, dense)`` networks over up to eight hyperparameters (first-layer
    width, batch iterations, training-set size, learning rate, batch size, label noise,
    dropout, weight decay; :class:`ZooPreset`) is trained on MNIST (the full IDX files under
    ``data_home``; below paper scale the embedded 5,000-image subset when there are none),
    ``n_seeds`` networks per configuration with seeds shared across configurations, each by
    one :func:`sktopo.nn.train_many` call. Of every network the experiment keeps its
    hyperparameters, its loss and accuracy on its own (possibly noisy) training set and on the
    test set (:func:`sktopo.nn.network_scores`), the generalisation gap (training minus test accuracy),
    and its measures: :class:`~sktopo.measures.TopologyMeasures` of the first-layer filters
    (the longest H1 bar of the witness and exact Rips barcodes, their ratio, entropy and total
    persistence, the Mapper nerve's loops, the distance to the primary circle),
    :class:`~sktopo.measures.WeightNormMeasures` (parameter count, products of Frobenius and
    spectral norms, distance from initialisation, training loss and accuracy) and
    :class:`~sktopo.measures.NeuralPersistence`.

    For every measure the table gives Kendall's :math:`\tau` against test accuracy and against
    the gap, and the granulated :math:`\tau` of Jiang et al. (2020) (mean over the varied axes
    of the mean :math:`\tau` within groups of networks differing in that axis only, the seed
    held fixed), each with a seeded bootstrap 95 % interval (:mod:`sktopo.stats`). The
    regressions predict test accuracy from (a) the max H1 lifetime, with
    :func:`~sktopo.pipeline.generalization_grid_search` tuning :math:`\rho(k, p)`; (b) all
    topology measures; (c) the baselines; (d) both; each tuned by GridSearchCV on the same
    :class:`~sklearn.model_selection.GroupKFold` folds over seeds, so networks sharing a seed
    (and initial weights) are never split.

    Parameters
    ----------
    scale : {"tiny", "small", "paper"}, default="small"
        Preset of :data:`ZOO_PRESETS`; ``paper`` needs the full MNIST and is meant for a GPU.
    data_home : str or None, default=None
        Folder with the ``mnist/`` IDX files.
    random_state : int, default=0
        Base seed of the networks, the training-set draw, the label noise, the landmarks and
        the bootstrap.
    verbose : int, default=1
        Progress bars when > 0.
    **options
        Override fields of :class:`ZooPreset` (strings are converted), e.g.
        ``max_iter="200,800"``, ``n_seeds=3``, ``out_dir`` (finished networks are kept in a
        sub-folder per configuration and reused by a rerun).

    Returns
    -------
    ExperimentResult
        ``table``: one row per measure (``measure``, ``family``, ``kendall_tau``,
        ``kendall_tau_gap``, ``granulated_tau``, ``granulated_tau_gap``, interval bounds
        ``*_low`` / ``*_high``, ``n_networks``); extra files ``networks.csv`` (one row per
        network), ``tau_by_axis.csv`` and ``regression.csv``; figures
        ``measures_vs_test_accuracy`` and ``tau_by_axis``. With ``curve_seeds`` (Fig. 12 at
        this scale), ``fig12_curves.csv`` (per snapshot: mean test accuracy and the max H1
        lifetime of the pooled first layers at each ``(curve_k, curve_p)`` and, averaged, of
        each network's own at ``(k, p)``), ``fig12_networks.csv`` and the figure
        ``fig12_curves``; the summary gives Kendall's tau of lifetime and accuracy over
        training with bootstrap intervals (over networks for the per-network tau, over
        snapshots for the pooled curves).
    """
    from ..filters import extract_spatial_filters

    preset = resolve_preset(_NAME, ZOO_PRESETS, scale, options)
    start = time.perf_counter()
    data = _zoo_data(preset, scale, data_home, random_state)
    axes = varied_axes(preset)
    settings = {**preset.run_settings(scale=scale, random_state=random_state,
                                      data_home=data_home),
                "data": data.description, "n_test_used": len(data.X_test), "axes": axes}
    folder = preset_folder("zoo-M", preset, analysis_fields=_ANALYSIS_FIELDS,
                           data=data.description, scale=scale, data_home=data_home,
                           random_state=random_state)
    settings["run_folder"] = None if folder is None else str(folder)
    samples, networks = _train_zoo(preset, data, folder, random_state, verbose)
    trained = time.perf_counter()
    networks = pd.concat([networks, _measure(samples, preset, random_state, verbose)], axis=1)
    clouds = [extract_spatial_filters(s["weights"], 1) for s in samples]
    del samples  # the weights are large; the clouds and the table are all that is left to use
    measured = time.perf_counter()
    table, by_axis = _benchmark(networks, axes, preset.n_boot, random_state)
    regression, settings["grid_n_landmarks"] = _regressions(networks, clouds, preset,
                                                            random_state)
    analysed = time.perf_counter()
    curve_summary, curve_figures, curve_files = _fig12(preset, data, scale, data_home,
                                                       random_state, verbose)
    times = {"train_time_s": trained - start, "measure_time_s": measured - trained,
             "analysis_time_s": analysed - measured,
             "fig12_time_s": time.perf_counter() - analysed,
             "runtime_s": time.perf_counter() - start}
    colour = "max_iter" if "max_iter" in axes else (axes[0] if axes else None)
    return ExperimentResult(
        name=_NAME,
        table=table,
        figures={"measures_vs_test_accuracy": _scatter_figure(networks, table, colour),
                 "tau_by_axis": _heatmap_figure(by_axis, table), **curve_figures},
        settings=settings,
        summary={**_summary(networks, table, regression, data, times), **curve_summary},
        extra_files={"networks.csv": networks.to_csv(index=False),
                     "tau_by_axis.csv": by_axis.to_csv(index=False),
                     "regression.csv": regression.to_csv(index=False), **curve_files},
    )
