"""Figs. 5 and 9: Mapper of the first two conv layers over the first iterations of training."""

import numpy as np

from .._progress import progress
from ._result import ExperimentResult
from ._data import cifar_data, mnist_data
from ._options import (
    as_int, as_int_tuple, as_optional_int, as_optional_path, as_str, check_scale, parse_options,
)
from ._weight_space import (
    analyse, default_out_dir, frame, plain_settings, run_folder, topology_row,
)

#: The paper's setting per data set: architecture, networks, snapshot iterations and, per layer,
#: ``(k, p, resolution, gain)`` (p = 1: no density filtration). "cifar10_gray" is Fig. 5,
#: "cifar10" (colour) Fig. 9; "mnist" has no figure in the paper and borrows Fig. 5's analysis.
DYNAMICS_DATASETS = {
    "mnist": dict(arch="M", sizes=(64, 32, 64), n_networks=100, color=None,
                  iterations=(100, 200, 300, 400, 500, 1000, 2000),
                  layers={1: (15, 1.0, 30, 3.0), 2: (15, 0.5, 70, 2.0)},
                  paper_finding="no MNIST figure in the paper (Fig. 5's settings)"),
    "cifar10_gray": dict(arch="C", sizes=(64, 32, 64), n_networks=100, color=False,
                         iterations=(100, 200, 300, 400, 500, 1000, 2000),
                         layers={1: (15, 1.0, 30, 3.0), 2: (15, 0.5, 70, 2.0)},
                         paper_finding="layer 1: primary circle at 400 iterations, broken at "
                                       "500; layer 2: circle starts to appear at 2000"),
    "cifar10": dict(arch="C", sizes=(64, 32, 64), n_networks=60, color=True,
                    iterations=(100, 300, 500, 1000, 1500),
                    layers={1: (15, 1.0, 33, 2.0), 2: (100, 0.3, 60, 2.0)},
                    paper_finding="layer 1: primary circle at 300, broken at 500, back at 1500 "
                                  "with inner secondary structure; layer 2: circle at 1000"),
}

#: Scale presets: networks (at most), snapshot iterations (None: the paper's), conv depths
#: divided by ``shrink``, training images, Mapper resolution (at most).
DYNAMICS_PRESETS = {
    "tiny": dict(max_networks=2, iterations=(5, 10, 20), shrink=8, n_train=600, n_per_class=20,
                 batch_size=32, max_resolution=10, n_landmarks=40),
    "small": dict(max_networks=4, iterations=(50, 100, 200, 400), shrink=1, n_train=None,
                  n_per_class=300, batch_size=64, max_resolution=10, n_landmarks=100),
    "paper": dict(max_networks=None, iterations=None, shrink=1, n_train=None, n_per_class=None,
                  batch_size=128, max_resolution=None, n_landmarks=100),
}


def _train_with_snapshots(spec, sizes, n_nets, iterations, data, cfg, folder, random_state,
                          verbose):
    """Train each net with :class:`~sktopo.nn.WeightSnapshots`; a finished net's snapshot file
    in ``folder`` is read back instead of retrained (resume)."""
    from ..nn import WeightSnapshots, infer_input_shape, load_snapshots, make_net, network_seed

    X, y, Xv, yv = data[:4]
    runs, accs = [], []
    if folder is not None:
        folder.mkdir(parents=True, exist_ok=True)
    module_kw = {}
    if spec["arch"] == "C":
        module_kw["module__preprocess"] = "cifar" if spec["color"] else "cifar_gray"
    for i in progress(range(n_nets), verbose=verbose, desc="networks"):
        path = None if folder is None else folder / f"snapshots_{i:04d}.npz"
        if path is not None and path.is_file():
            snaps, acc = load_snapshots(path, return_accuracy=True)
        else:
            cb = WeightSnapshots(iterations=list(iterations), path=path, X_valid=Xv,
                                 y_valid=yv)
            net = make_net(spec["arch"], sizes, max_iter=max(iterations),
                           batch_size=cfg["batch_size"], device=cfg.get("device") or "auto",
                           random_state=network_seed(random_state, i),
                           input_shape=infer_input_shape(X), callbacks=[("snapshots", cb)],
                           **module_kw)
            net.fit(X, y)
            snaps, acc = cb.snapshots_, cb.valid_acc_
        runs.append(snaps)
        accs.append(acc)
    return runs, accs


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
        MNIST IDX files (None: the embedded subset) or the CIFAR-10 data home.
    random_state : int, default=0
        Base seed.
    verbose : int, default=1
        Progress bars when positive.
    **options
        ``dataset`` ("mnist", "cifar10_gray" = Fig. 5, "cifar10" = Fig. 9), ``iterations``
        ("100,200,400"), ``max_networks``, ``shrink``, ``n_train``, ``n_per_class``,
        ``batch_size``, ``max_resolution``, ``n_landmarks``, ``cifar_path``, ``out_dir``
        (snapshot files; a rerun resumes), ``device``.

    Returns
    -------
    ExperimentResult
        One table row per (layer, iteration) with the mean validation accuracy and barcode /
        Mapper features; figures ``mapper_grid`` and ``h1_by_iteration``.
    """
    name = "training_dynamics"
    cfg = check_scale(name, scale, DYNAMICS_PRESETS)
    cfg.update(parse_options(name, options, {
        "dataset": as_str, "iterations": as_int_tuple, "max_networks": as_optional_int,
        "shrink": as_int, "n_train": as_optional_int, "n_per_class": as_optional_int,
        "batch_size": as_int, "max_resolution": as_optional_int, "n_landmarks": as_int,
        "cifar_path": as_optional_path, "out_dir": as_optional_path, "device": as_str,
    }))
    cfg["out_dir"] = default_out_dir(scale, data_home, cfg.get("out_dir"))
    dataset = cfg.pop("dataset", "mnist")
    if dataset not in DYNAMICS_DATASETS:
        raise ValueError(f"{name}: dataset must be one of {list(DYNAMICS_DATASETS)}; "
                         f"got {dataset!r}.")
    spec = DYNAMICS_DATASETS[dataset]
    iterations = tuple(sorted(set(cfg["iterations"] or spec["iterations"])))
    if not iterations or iterations[0] < 1:
        raise ValueError(f"{name}: iterations must be positive ints; got {iterations}.")
    if cfg["shrink"] < 1:
        raise ValueError(f"{name}: shrink must be >= 1; got {cfg['shrink']}.")
    sizes = tuple(max(2, s // cfg["shrink"]) for s in spec["sizes"])
    n_nets = spec["n_networks"] if cfg["max_networks"] is None else min(
        spec["n_networks"], cfg["max_networks"])
    if dataset == "mnist":
        data = mnist_data(data_home, n_train=cfg["n_train"], n_valid=500,
                          random_state=random_state)
    else:
        data = cifar_data(data_home, cfg.get("cifar_path"), cfg["n_per_class"], n_valid=500,
                          random_state=random_state, verbose=verbose)
    folder = run_folder(cfg.get("out_dir"), f"dynamics-{dataset}",
                        dict(sizes=sizes, iterations=iterations, batch_size=cfg["batch_size"],
                             n_train=cfg["n_train"], n_per_class=cfg["n_per_class"],
                             random_state=random_state))
    runs, accs = _train_with_snapshots(spec, sizes, n_nets, iterations, data, cfg, folder,
                                       random_state, verbose)
    from ..nn import snapshot_clouds

    in_ch = 3 if spec["color"] else 1
    rows, grid, summary = [], [], {}
    for layer, (k, p, res, gain) in spec["layers"].items():
        its, clouds = snapshot_clouds(runs, layer)
        resolution = res if cfg["max_resolution"] is None else min(res, cfg["max_resolution"])
        n_paper = spec["n_networks"] * spec["sizes"][0] * (in_ch if layer == 1 else
                                                           spec["sizes"][1])
        row_graphs = []
        for it, cloud in progress(list(zip(its, clouds)), verbose=verbose,
                                  desc=f"layer {layer}"):
            acc = [a.get(it) for a in accs if a.get(it) is not None]
            topo = analyse(cloud, k=k, p=p, resolution=resolution, gain=gain,
                           n_landmarks=cfg["n_landmarks"], random_state=random_state,
                           n_paper=n_paper, filtration=p < 1.0)
            rows.append(topology_row(topo, layer=layer, iteration=it,
                                     valid_acc=float(np.mean(acc)) if acc else None))
            row_graphs.append(topo.graph)
            summary[f"layer{layer}_iter{it}_max_h1_lifetime"] = topo.features["max_lifetime_h1"]
        grid.append(row_graphs)
    figures = _figures(grid, rows, list(spec["layers"]), iterations)
    table = frame(rows)
    summary.update(
        dataset=dataset, n_networks=n_nets, sizes=list(sizes),
        max_h1_lifetime=float(table["max_lifetime_h1"].max()),
        n_long_h1_bars=int(table["n_significant_h1"].max()),
        paper_finding=spec["paper_finding"],
    )
    settings = {**cfg, "dataset": dataset, "iterations": list(iterations), "sizes": list(sizes),
                "n_networks": n_nets, "analysis": {str(k): v for k, v in spec["layers"].items()},
                "data": data[4], "run_folder": folder, "scale": scale,
                "random_state": random_state}
    return ExperimentResult(name=name, table=table, figures=figures,
                            settings=plain_settings(settings), summary=summary)


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
