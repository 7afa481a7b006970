"""Figs. 5 and 9: Mapper of the first two conv layers over the first iterations of training."""

import dataclasses
import typing
from pathlib import Path

import numpy as np

from .._progress import progress
from ._data import load_experiment_data
from ._presets import NetworkPreset, resolve_preset
from ..report import ExperimentResult, to_jsonable
from ._runs import nets_folder
from ._weight_space import at_most, fit_cloud_topology, frame, headline, topology_row

#: The paper's setting per data set: images, architecture, networks, snapshot iterations and, per
#: layer, ``(k, p, resolution, gain)`` (p = 1: no density filtration). "cifar10_gray" is Fig. 5,
#: "cifar10" (colour) Fig. 9; "mnist" has no figure in the paper and borrows Fig. 5's analysis.
DYNAMICS_DATASETS = {
    "mnist": dict(data="mnist", arch="M", sizes=(64, 32, 64), n_networks=100, color=None,
                  iterations=(100, 200, 300, 400, 500, 1000, 2000),
                  layers={1: (15, 1.0, 30, 3.0), 2: (15, 0.5, 70, 2.0)},
                  paper_finding="no MNIST figure in the paper (Fig. 5's settings)"),
    "cifar10_gray": dict(data="cifar10", arch="C", sizes=(64, 32, 64), n_networks=100, color=False,
                         iterations=(100, 200, 300, 400, 500, 1000, 2000),
                         layers={1: (15, 1.0, 30, 3.0), 2: (15, 0.5, 70, 2.0)},
                         paper_finding="layer 1: primary circle at 400 iterations, broken at "
                                       "500; layer 2: circle starts to appear at 2000"),
    "cifar10": dict(data="cifar10", arch="C", sizes=(64, 32, 64), n_networks=60, color=True,
                    iterations=(100, 300, 500, 1000, 1500),
                    layers={1: (15, 1.0, 33, 2.0), 2: (100, 0.3, 60, 2.0)},
                    paper_finding="layer 1: primary circle at 300, broken at 500, back at 1500 "
                                  "with inner secondary structure; layer 2: circle at 1000"),
}

@dataclasses.dataclass(frozen=True, kw_only=True)
class DynamicsPreset(NetworkPreset):
    """Knobs of :func:`training_dynamics`.

    Attributes
    ----------
    max_networks : int or None
        Networks, at most (None: the paper's).
    iterations : tuple of int or None
        Snapshot iterations (None: the paper's).
    shrink : int
        Conv depths divided by this (at least 2 filters per layer are kept).
    n_train : int or None
        Training images (None: all).
    n_per_class : int or None
        CIFAR-10 images read per class (None: all).
    max_resolution : int or None
        Mapper resolution, at most (None: the paper's).
    n_landmarks : int
        Landmarks of the witness barcode.
    dataset : {"mnist", "cifar10_gray", "cifar10"}, default="mnist"
        The setting of :data:`DYNAMICS_DATASETS` (Fig. 5 is "cifar10_gray", Fig. 9 "cifar10").
    cifar_path : Path or None, default=None
        A CIFAR-10 folder or archive (None: the data home's).
    n_test : int or None, default=500
        Held-out images scored at every snapshot.
    """

    max_networks: int | None
    iterations: tuple[int, ...] | None
    shrink: int
    n_train: int | None
    n_per_class: int | None
    max_resolution: int | None
    n_landmarks: int
    dataset: typing.Literal[tuple(DYNAMICS_DATASETS)] = "mnist"
    cifar_path: Path | None = None
    n_test: int | None = 500

    def __post_init__(self):
        if self.shrink < 1:
            raise ValueError(f"shrink must be >= 1; got {self.shrink}.")
        if self.iterations is not None and (not self.iterations or min(self.iterations) < 1):
            raise ValueError(f"iterations must be positive ints; got {self.iterations}.")


#: Scale presets of :func:`training_dynamics`.
DYNAMICS_PRESETS = {
    "tiny": DynamicsPreset(max_networks=2, iterations=(5, 10, 20), shrink=8, n_train=600,
                           n_per_class=20, batch_size=32, max_resolution=10, n_landmarks=40),
    "small": DynamicsPreset(max_networks=4, iterations=(50, 100, 200, 400), shrink=1,
                            n_train=None, n_per_class=300, batch_size=64, max_resolution=10,
                            n_landmarks=100),
    "paper": DynamicsPreset(max_networks=None, iterations=None, shrink=1, n_train=None,
                            n_per_class=None, batch_size=128, max_resolution=None,
                            n_landmarks=100),
}


def _train_with_snapshots(spec, sizes, n_nets, iterations, data, preset, folder, random_state,
                          verbose):
    """Train the nets with snapshots at ``iterations`` through the one runner (resumable in
    ``folder``); return the snapshots and their validation accuracies, one entry per net."""
    from ..nn import net_config, train_many

    cifar = {} if spec["arch"] != "C" else {
        "module__preprocess": "cifar" if spec["color"] else "cifar_gray"}
    config = net_config(spec["arch"], sizes, max_iter=max(iterations),
                        batch_size=preset.batch_size, device=preset.device, **cifar)
    records = train_many(config, n_nets, data.X_train, data.y_train, X_valid=data.X_test,
                         y_valid=data.y_test, out_dir=folder, random_state=random_state,
                         snapshot_iterations=list(iterations), verbose=verbose)
    return ([r["snapshots"] for r in records], [r["snapshot_valid_acc"] for r in records])


def training_dynamics(*, scale="small", data_home=None, random_state=0, verbose=1, **options):
    """Figs. 5, 9: Mapper grid (conv layer x batch iteration) of filters early in training.

    The paper snapshots 100 grey CIFAR-10 nets C(64, 32, 64) at 100-2000 batch iterations
    (Fig. 5: Mapper(30, 3) of all first-layer filters; Mapper(70, 2) of rho(15, 0.5) of the
    second layer) and finds the first-layer primary circle at 400 iterations, broken at 500, and
    the second-layer circle starting at 2000; with 60 colour nets (Fig. 9: Mapper(33, 2);
    Mapper(60, 2) of rho(100, 0.3)) the circle appears at 300, breaks at 500 and returns at 1500,
    and appears in layer 2 at 1000. ``dataset="mnist"`` (the default, runs with no files) uses
    M(64, 32, 64) on MNIST with Fig. 5's analysis settings.

    Parameters
    ----------
    scale : {"tiny", "small", "paper"}, default="small"
        Presets in :data:`DYNAMICS_PRESETS`.
    data_home : str or Path, default=None
        MNIST IDX files (None: the embedded subset below paper scale) or the CIFAR-10 data
        home; a paper-scale run needs the full data set and refuses without it.
    random_state : int, default=0
        Base seed.
    verbose : int, default=1
        Progress bars when positive.
    **options
        Override fields of :class:`DynamicsPreset`: ``dataset`` ("mnist", "cifar10_gray" =
        Fig. 5, "cifar10" = Fig. 9), ``iterations`` ("100,200,400"), ``max_networks``,
        ``shrink``, ``n_train``, ``n_test``, ``n_per_class``, ``batch_size``,
        ``max_resolution``, ``n_landmarks``, ``cifar_path``, ``out_dir`` (snapshot files; a
        rerun resumes), ``device``.

    Returns
    -------
    ExperimentResult
        One table row per (layer, iteration) with the mean validation accuracy and barcode /
        Mapper features; figures ``mapper_grid`` and ``h1_by_iteration``.
    """
    name = "training_dynamics"
    preset = resolve_preset(name, DYNAMICS_PRESETS, scale, options)
    dataset = preset.dataset
    spec = DYNAMICS_DATASETS[dataset]
    iterations = tuple(sorted(set(preset.iterations or spec["iterations"])))
    sizes = tuple(max(2, s // preset.shrink) for s in spec["sizes"])
    n_nets = at_most(spec["n_networks"], preset.max_networks)
    cifar = {} if spec["data"] == "mnist" else dict(
        path=preset.cifar_path, n_per_class=preset.n_per_class, verbose=verbose)
    data = load_experiment_data(name, scale, spec["data"], data_home, n_train=preset.n_train,
                                n_test=preset.n_test, random_state=random_state, **cifar)
    folder = nets_folder(
        f"dynamics-{dataset}",
        dict(sizes=sizes, iterations=iterations, batch_size=preset.batch_size,
             n_train=preset.n_train, n_per_class=preset.n_per_class, n_test=preset.n_test,
             data=data.description, random_state=random_state),
        out_dir=preset.out_dir, scale=scale, data_home=data_home,
    )
    runs, accs = _train_with_snapshots(spec, sizes, n_nets, iterations, data, preset, folder,
                                       random_state, verbose)
    from ..nn import snapshot_clouds

    in_ch = 3 if spec["color"] else 1
    rows, grid, summary = [], [], {}
    for layer, (k, p, res, gain) in spec["layers"].items():
        its, clouds = snapshot_clouds(runs, layer)
        resolution = at_most(res, preset.max_resolution)
        n_paper = spec["n_networks"] * spec["sizes"][0] * (in_ch if layer == 1 else
                                                           spec["sizes"][1])
        row_graphs = []
        for it, cloud in progress(list(zip(its, clouds)), verbose=verbose,
                                  desc=f"layer {layer}"):
            acc = [a.get(it) for a in accs if a.get(it) is not None]
            topo = fit_cloud_topology(cloud, k=k, p=p, resolution=resolution, gain=gain,
                                      n_landmarks=preset.n_landmarks, random_state=random_state,
                                      n_paper=n_paper, filtration=p < 1.0)
            rows.append(topology_row(topo, layer=layer, iteration=it,
                                     valid_acc=float(np.mean(acc)) if acc else None))
            row_graphs.append(topo.graph)
            summary[f"layer{layer}_iter{it}"] = headline(topo)
        grid.append(row_graphs)
    figures = _figures(grid, rows, list(spec["layers"]), iterations)
    table = frame(rows)
    summary.update(
        dataset=dataset, n_networks=n_nets, sizes=list(sizes),
        max_lifetime_h1=float(table["max_lifetime_h1"].max()),
        n_significant_h1=int(table["n_significant_h1"].max()),
        paper_finding=spec["paper_finding"],
    )
    settings = {**preset.to_settings(), "iterations": list(iterations), "sizes": list(sizes),
                "n_networks": n_nets, "analysis": {str(k): v for k, v in spec["layers"].items()},
                "data": data.description, "run_folder": folder, "scale": scale,
                "random_state": random_state}
    return ExperimentResult(name=name, table=table, figures=figures,
                            settings=to_jsonable(settings), summary=summary)


def _figures(grid, rows, layers, iterations):
    import matplotlib.pyplot as plt

    from ..mapper import plot_mapper_grid

    figs = {"mapper_grid": plot_mapper_grid(
        grid, row_labels=[f"layer {layer}" for layer in layers],
        col_labels=[str(it) for it in iterations],
    )}
    fig, ax = plt.subplots(figsize=(6, 3.5))
    for layer in layers:
        pts = [(r["iteration"], r["max_lifetime_h1"]) for r in rows if r["layer"] == layer]
        ax.plot(*zip(*pts), "o-", label=f"layer {layer}")
    ax.set_xlabel("batch iteration")
    ax.set_ylabel("max H1 lifetime")
    ax.legend()
    figs["h1_by_iteration"] = fig
    return figs
