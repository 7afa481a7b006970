"""Figs. 2-4, 6-8: first- and second-layer spatial filters of trained MNIST and CIFAR-10 nets."""

import dataclasses
import typing
from pathlib import Path

from ..datasets import get_data_home
from ._data import load_experiment_data
from ._presets import NetworkPreset, resolve_preset
from ..report import ExperimentResult, to_jsonable
from ..significance import SUMMARY_KEYS
from ._runs import nets_folder
from ._weight_space import (
    at_most, conv_layer_filters, fit_cloud_topology, frame, headline, mean_accuracy, network_rows,
    rho_label, topology_row, train_pool,
)

# ---------------------------------------------------------------------------------------------
# MNIST (Section V.A, Fig. 2)
# ---------------------------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True, kw_only=True)
class MnistLayerPreset(NetworkPreset):
    """Knobs of :func:`mnist_first_layer` and :func:`mnist_second_layer`.

    Attributes
    ----------
    n_networks : int
        Networks ``M(sizes)`` trained from independent seeds and pooled.
    sizes : tuple of 3 int
        ``(X, Y, Z)``; ``Y = 0`` drops the second conv layer.
    max_iter : int
        Batch iterations per network.
    n_train : int or None
        Training images (None: all).
    k, p : int, float
        Density filtration ``rho(k, p)``; ``k`` is the paper's value for the paper's cloud and
        is rescaled to ours (:func:`sktopo.sizes.scaled_k`).
    resolution, gain : int, float
        ``Mapper(resolution, gain)``.
    n_landmarks : int
        Landmarks of the witness barcode.
    n_test : int or None, default=1000
        Held-out images scoring each network.
    lr : float or None, default=None
        Learning rate (None: :func:`~sktopo.nn.make_net`'s default).
    n_jobs : int or None, default=None
        Networks trained in parallel.
    batched : bool, default=False
        Train the networks as one vmapped model (fast on a GPU).
    """

    n_networks: int
    sizes: tuple[int, int, int]
    max_iter: int
    n_train: int | None
    k: int
    p: float
    resolution: int
    gain: float
    n_landmarks: int
    n_test: int | None = 1000
    lr: float | None = None
    n_jobs: int | None = None
    batched: bool = False


#: Scale presets of :func:`mnist_first_layer`. "paper" is the paper's Fig. 2 setting. "small"
#: trades the second conv layer for a wider first one (more filters per net; the paper reports
#: M(64, 0, 64) gives "almost identical results") and keeps k at the paper's *fraction* k/n;
#: its ~150 analysed points need a coarser Mapper (8 intervals) than the paper's 1,920.
MNIST_FIRST_PRESETS = {
    "tiny": MnistLayerPreset(n_networks=2, sizes=(8, 0, 16), max_iter=30, batch_size=64,
                             n_train=1000, k=200, p=0.3, resolution=10, gain=3.0,
                             n_landmarks=40),
    "small": MnistLayerPreset(n_networks=4, sizes=(128, 0, 32), max_iter=400, batch_size=64,
                              n_train=None, k=200, p=0.3, resolution=8, gain=3.0,
                              n_landmarks=100),
    "paper": MnistLayerPreset(n_networks=100, sizes=(64, 32, 64), max_iter=40000,
                              batch_size=128, n_train=None, k=200, p=0.3, resolution=30,
                              gain=3.0, n_landmarks=100),
}

#: Scale presets of :func:`mnist_second_layer` (paper: rho(10, 0.1) of the 204,800 second-layer
#: filters of the Fig. 2 networks).
MNIST_SECOND_PRESETS = {
    "tiny": MnistLayerPreset(n_networks=2, sizes=(4, 8, 16), max_iter=30, batch_size=64,
                             n_train=1000, k=10, p=0.1, resolution=10, gain=3.0,
                             n_landmarks=40),
    "small": MnistLayerPreset(n_networks=2, sizes=(32, 32, 32), max_iter=400, batch_size=64,
                              n_train=None, k=10, p=0.1, resolution=15, gain=3.0,
                              n_landmarks=100),
    "paper": MnistLayerPreset(n_networks=100, sizes=(64, 32, 64), max_iter=40000,
                              batch_size=128, n_train=None, k=10, p=0.1, resolution=30,
                              gain=3.0, n_landmarks=100),
}


def _paper_filters(sizes, layer, n_networks):
    """Filters the paper's pool had for this layer (for rescaling k)."""
    x, y = sizes[0], sizes[1]
    return n_networks * (x if layer == 1 else x * y)


def _mnist_layer(name, layer, presets, paper, scale, data_home, random_state, verbose,
                 options):
    from ..nn import net_config

    preset = resolve_preset(name, presets, scale, options)
    sizes = preset.sizes
    if sizes[layer - 1] == 0 or (layer == 2 and sizes[0] == 0):
        raise ValueError(f"{name}: sizes={sizes} has no conv layer {layer}; e.g. sizes=64,32,64.")
    paper_nets = presets["paper"]
    n_paper = _paper_filters(paper_nets.sizes, layer, paper_nets.n_networks)
    data = load_experiment_data(name, scale, "mnist", data_home, n_train=preset.n_train,
                                n_test=preset.n_test, random_state=random_state)
    net_cfg = net_config("M", sizes, max_iter=preset.max_iter, batch_size=preset.batch_size,
                         device=preset.device, lr=preset.lr)
    folder = nets_folder(
        "mnist-M", {**net_cfg, "data": data.description, "n_train": preset.n_train,
                    "n_test": preset.n_test, "random_state": random_state},
        out_dir=preset.out_dir, scale=scale, data_home=data_home,
    )
    records = train_pool(net_cfg, preset.n_networks, data, folder=folder,
                         random_state=random_state, n_jobs=preset.n_jobs,
                         batched=preset.batched, verbose=verbose)
    filters = conv_layer_filters(records, layer)
    topo = fit_cloud_topology(filters, k=preset.k, p=preset.p, resolution=preset.resolution,
                              gain=preset.gain, n_landmarks=preset.n_landmarks,
                              random_state=random_state, n_paper=n_paper)
    k_used = topo.settings["k_used"]
    what = f"{preset.n_networks} x M^{layer}_{preset.max_iter}{sizes}"
    label = rho_label(k_used, preset.p, what)
    rows = network_rows(records, layer, k=k_used, p=preset.p, n_landmarks=preset.n_landmarks,
                        random_state=random_state, verbose=verbose)
    rows.append(topology_row(topo, network="pooled", valid_acc=mean_accuracy(records),
                             layer=layer))
    summary = {**headline(topo), "mean_valid_acc": mean_accuracy(records),
               "n_networks": preset.n_networks, "cloud": label, **paper}
    settings = {**preset.to_settings(), "layer": layer, "k_used": k_used,
                "n_filters_paper": n_paper, "data": data.description, "run_folder": folder,
                "scale": scale, "random_state": random_state,
                "pixels": "raw [0, 1]", "optimizer": "Adam (make_net default for M)"}
    figures = {
        "mapper": topo.mapper_figure(f"Mapper({preset.resolution}, {preset.gain:g}) of {label}"),
        "barcode": topo.barcode_figure(f"Barcodes of {label}"),
    }
    return ExperimentResult(name=name, table=frame(rows), figures=figures,
                            settings=to_jsonable(settings), summary=summary,
                            extra_files={"mapper.html": topo.mapper_page(label)})


def mnist_first_layer(*, scale="small", data_home=None, random_state=0, verbose=1, **options):
    """Fig. 2: Mapper and barcodes of first-layer filters of MNIST nets (the primary circle).

    The paper trains 100 nets M(64, 32, 64) for 40,000 batch iterations (test accuracy about
    99.0 %), pools the 6,400 first-layer spatial filters, mean-centres and normalises them, keeps
    ``rho(200, 0.3)`` (1,920 points) and finds one long H1 bar and one long H0 bar (the primary
    circle) and a circular Mapper(30, 3) graph; M(64, 0, 64) gives "almost identical results"
    (``--set sizes=64,0,64``). Tiny and small runs without MNIST files use the embedded
    5,000-image subset; a paper-scale run needs the full MNIST files and refuses without them.

    Parameters
    ----------
    scale : {"tiny", "small", "paper"}, default="small"
        Presets in :data:`MNIST_FIRST_PRESETS`.
    data_home : str or Path, default=None
        Folder with the MNIST IDX files (``load_mnist``); None uses the embedded subset below
        paper scale, the default data home at paper scale.
    random_state : int, default=0
        Base seed of the networks (network ``i`` gets ``network_seed(random_state, i)``).
    verbose : int, default=1
        Progress bars when positive.
    **options
        Override fields of :class:`MnistLayerPreset` (strings are converted): ``n_networks``,
        ``sizes`` ("64,32,64"), ``max_iter``, ``batch_size``, ``lr``, ``n_train``, ``n_test``,
        ``k``, ``p`` (``k`` is the paper's value for its cloud size and is rescaled to ours),
        ``resolution``, ``gain``, ``n_landmarks``, ``out_dir`` (finished nets are written
        there, and a rerun resumes), ``n_jobs``, ``batched``, ``device``.

    Returns
    -------
    ExperimentResult
        Table: one row per network (accuracy, its own barcode features) and a "pooled" row.
        Figures ``mapper`` and ``barcode``; ``mapper.html``.
    """
    paper = {"paper_test_accuracy": 0.99, "paper_n_long_h1_bars": 1, "paper_n_long_h0_bars": 1,
             "paper_n_analysed": 1920}
    return _mnist_layer("mnist_first_layer", 1, MNIST_FIRST_PRESETS, paper, scale, data_home,
                        random_state, verbose, options)


def mnist_second_layer(*, scale="small", data_home=None, random_state=0, verbose=1, **options):
    """Section V.A: rho(10, 0.1) of second-layer MNIST filters shows only a very weak circle.

    The paper takes the 204,800 second-layer spatial filters of the 100 M(64, 32, 64) nets of
    Fig. 2 and, after strong density filtration ``rho(10, 0.1)``, finds "a very weak primary
    circle: significantly weaker than that found in the first layer" (no figure, no number).

    Parameters
    ----------
    scale : {"tiny", "small", "paper"}, default="small"
        Presets in :data:`MNIST_SECOND_PRESETS`.
    data_home : str or Path, default=None
        As for :func:`mnist_first_layer`.
    random_state : int, default=0
        As for :func:`mnist_first_layer`.
    verbose : int, default=1
        As for :func:`mnist_first_layer`.
    **options
        As for :func:`mnist_first_layer` (``sizes`` must keep both conv layers).

    Returns
    -------
    ExperimentResult
    """
    paper = {"paper_finding": "very weak primary circle, weaker than layer 1"}
    return _mnist_layer("mnist_second_layer", 2, MNIST_SECOND_PRESETS, paper, scale, data_home,
                        random_state, verbose, options)


# ---------------------------------------------------------------------------------------------
# CIFAR-10 (Section V.B, Figs. 3, 4, 6, 7, 8)
# ---------------------------------------------------------------------------------------------
def _panel(title, n_networks, sizes, iters, layer, k, p, *, color, pool=True, mapper=(30, 3),
           acc=None, finding=""):
    return dict(title=title, n_networks=n_networks, sizes=sizes, max_iter=iters, layer=layer,
                k=k, p=p, color=color, pool=pool, resolution=mapper[0], gain=mapper[1],
                paper_test_accuracy=acc, paper_finding=finding)


#: The paper's panels per figure: networks, configuration, batch iterations, layer, rho(k, p),
#: Mapper(resolution, gain), colour, pooling, test accuracy and what was found. p = 1 means no
#: density filtration.
CIFAR_FIGURES = {
    3: [
        _panel("48 x C^1_70K(64,0,64)", 48, (64, 0, 64), 70000, 1, 200, 1.0, color=False,
               acc=0.692, finding="five clusters incl. horizontal/vertical lines; no circle"),
        _panel("rho(200,0.5,100 x C^1_70K(64,32,64))", 100, (64, 32, 64), 70000, 1, 200, 0.5,
               color=False, acc=0.770, finding="five clusters; no significant primary circle"),
    ],
    4: [
        _panel("rho(75,0.37,C^2_60K(64,32,64))", 1, (64, 32, 64), 60000, 2, 75, 0.37,
               color=False, acc=0.771, finding="primary circle (with weaker structures)"),
        _panel("rho(15,0.1,100 x C^2_50K(64,32,64))", 100, (64, 32, 64), 50000, 2, 15, 0.1,
               color=False, acc=0.762, finding="barcodes show the circle"),
    ],
    6: [
        _panel("rho(200,0.14,60 x C^1_100K(64,32,64)) colour", 60, (64, 32, 64), 100000, 1, 200,
               0.14, color=True, acc=0.812, finding="primary circle, as persistent as Fig. 2"),
        _panel("rho(10,0.32,C^2_50K(64,32,64)) colour", 1, (64, 32, 64), 50000, 2, 10, 0.32,
               color=True, acc=0.799, finding="primary circle"),
    ],
    7: [
        _panel("rho(200,0.32,82 x C*^1_30K(48,0,64)) colour, no max-pool", 82, (48, 0, 64),
               30000, 1, 200, 0.32, color=True, pool=False, acc=0.718,
               finding="two circles meeting at two points: 3 long H1 bars, 1 component"),
    ],
    8: [
        _panel("rho(100,0.35,100 x C^1_100K(64,32,64)) colour", 100, (64, 32, 64), 100000, 1,
               100, 0.35, color=True, acc=None,
               finding="three-circle model: strong primary, two weaker secondary circles"),
    ],
}

@dataclasses.dataclass(frozen=True, kw_only=True)
class CifarPreset(NetworkPreset):
    """Knobs of :func:`cifar_layers`: how the paper's panels are shrunk.

    Attributes
    ----------
    max_networks : int or None
        Networks per panel, at most (None: the paper's).
    max_iter : int or None
        Batch iterations, at most (None: the paper's).
    shrink : int
        Conv depths divided by this (at least 2 filters per layer are kept).
    n_per_class : int or None
        Training and test images read per class (None: all).
    max_resolution : int or None
        Mapper resolution, at most (None: the paper's).
    n_landmarks : int
        Landmarks of the witness barcode.
    figure : {3, 4, 6, 7, 8}, default=3
        The paper's figure whose panels are run (:data:`CIFAR_FIGURES`).
    color : bool or None, default=None
        Override the panels' grey or colour input.
    cifar_path : Path or None, default=None
        A CIFAR-10 folder or archive (None: the data home's).
    n_test : int or None, default=1000
        Held-out images scoring each network.
    lr : float or None, default=None
        Learning rate (None: :func:`~sktopo.nn.make_net`'s default).
    n_jobs : int or None, default=None
        Networks trained in parallel.
    """

    max_networks: int | None
    max_iter: int | None
    shrink: int
    n_per_class: int | None
    max_resolution: int | None
    n_landmarks: int
    figure: typing.Literal[tuple(CIFAR_FIGURES)] = 3
    color: bool | None = None
    cifar_path: Path | None = None
    n_test: int | None = 1000
    lr: float | None = None
    n_jobs: int | None = None

    def __post_init__(self):
        if self.shrink < 1:
            raise ValueError(f"shrink must be >= 1; got {self.shrink}.")


#: Scale presets of :func:`cifar_layers`.
CIFAR_PRESETS = {
    "tiny": CifarPreset(max_networks=2, max_iter=20, shrink=8, n_per_class=20, batch_size=32,
                        max_resolution=10, n_landmarks=40),
    "small": CifarPreset(max_networks=4, max_iter=600, shrink=2, n_per_class=500,
                         batch_size=64, max_resolution=10, n_landmarks=100),
    "paper": CifarPreset(max_networks=None, max_iter=None, shrink=1, n_per_class=None,
                         batch_size=128, max_resolution=None, n_landmarks=100),
}


def _panel_net_config(panel, preset, color):
    """The :func:`~sktopo.nn.make_net` config of one panel, shrunk by the preset."""
    from ..nn import net_config

    sizes = tuple(0 if s == 0 else max(2, s // preset.shrink) for s in panel["sizes"])
    return net_config("C", sizes, max_iter=at_most(panel["max_iter"], preset.max_iter),
                      batch_size=preset.batch_size, device=preset.device, lr=preset.lr,
                      module__preprocess="cifar" if color else "cifar_gray",
                      module__pool=panel["pool"])


def cifar_layers(*, scale="small", data_home=None, random_state=0, verbose=1, **options):
    """Figs. 3, 4, 6, 7, 8: Mapper and barcodes of CIFAR-10 conv filters (grey or colour).

    ``figure`` picks the paper's panels (:data:`CIFAR_FIGURES`): 3 - grey first layer of
    48 x C(64, 0, 64) and rho(200, 0.5) of 100 x C(64, 32, 64) at 70K iterations (test accuracy
    69.2 % / 77.0 %; five clusters, no significant circle); 4 - grey second layer, rho(75, 0.37)
    of one net at 60K (77.1 %) and rho(15, 0.1) of 100 nets at 50K (76.2 %; a circle); 6 -
    colour, rho(200, 0.14) of 60 x C^1_100K (81.2 %; primary circle) and rho(10, 0.32) of one
    C^2_50K (79.9 %); 7 - colour C*(48, 0, 64) *without max-pooling*, 82 nets at 30K (71.8 %),
    rho(200, 0.32): two circles meeting twice (three H1 bars); 8 - colour, rho(100, 0.35) of
    100 x C^1_100K: the three-circle model. CIFAR-10 files are required.

    Parameters
    ----------
    scale : {"tiny", "small", "paper"}, default="small"
        How the panels are shrunk (:data:`CIFAR_PRESETS`); ``k`` is rescaled to keep the
        paper's fraction ``k / n``.
    data_home : str or Path, default=None
        Where ``load_cifar10`` looks (``<data_home>/cifar10``) and keeps its decoded cache.
    random_state : int, default=0
        Base seed.
    verbose : int, default=1
        Progress bars when positive.
    **options
        Override fields of :class:`CifarPreset`: ``figure`` (3, 4, 6, 7 or 8; default 3),
        ``color`` (override grey/colour), ``cifar_path`` (a CIFAR-10 folder or archive),
        ``max_networks``, ``max_iter``, ``shrink``, ``n_per_class``, ``n_test``,
        ``batch_size``, ``lr``, ``max_resolution``, ``n_landmarks``, ``out_dir``, ``n_jobs``,
        ``device``.

    Returns
    -------
    ExperimentResult
        One table row per panel; figures ``mapper_<i>`` and ``barcode_<i>`` per panel.
    """
    name = "cifar_layers"
    preset = resolve_preset(name, CIFAR_PRESETS, scale, options)
    data = load_experiment_data(name, scale, "cifar10", data_home, n_test=preset.n_test,
                                random_state=random_state, path=preset.cifar_path,
                                n_per_class=preset.n_per_class, verbose=verbose)
    rows, figures, summary, trained = [], {}, {"figure": preset.figure}, {}
    for i, panel in enumerate(CIFAR_FIGURES[preset.figure], start=1):
        color = panel["color"] if preset.color is None else preset.color
        net_cfg = _panel_net_config(panel, preset, color)
        sizes, iters = net_cfg["sizes"], net_cfg["max_iter"]
        n_nets = at_most(panel["n_networks"], preset.max_networks)
        key = repr(sorted(net_cfg.items()))
        # A pool trained for one panel serves another with the same config (e.g. one net of it).
        have = trained.get(key)
        if have is None or len(have) < n_nets:
            folder = nets_folder(
                f"cifar-C{'-nopool' if not panel['pool'] else ''}",
                {**net_cfg, "data": data.description, "n_per_class": preset.n_per_class,
                 "n_test": preset.n_test, "random_state": random_state},
                out_dir=preset.out_dir, scale=scale, data_home=data_home,
            )
            have = train_pool(net_cfg, n_nets, data, folder=folder, random_state=random_state,
                              n_jobs=preset.n_jobs, verbose=verbose)
            trained[key] = have
        records = have[:n_nets]
        layer = panel["layer"]
        filters = conv_layer_filters(records, layer)
        in_ch = 3 if color else 1
        ps = panel["sizes"]
        n_paper = panel["n_networks"] * ps[0] * (in_ch if layer == 1 else ps[1])
        resolution = at_most(panel["resolution"], preset.max_resolution)
        topo = fit_cloud_topology(filters, k=panel["k"], p=panel["p"], resolution=resolution,
                                  gain=panel["gain"], n_landmarks=preset.n_landmarks,
                                  random_state=random_state, n_paper=n_paper,
                                  filtration=panel["p"] < 1.0)
        what = f"{n_nets} x C{'*' if not panel['pool'] else ''}^{layer}_{iters}{sizes}"
        label = (rho_label(topo.settings["k_used"], panel["p"], what)
                 + (" colour" if color else " grey"))
        rows.append(topology_row(
            topo, panel=i, paper_panel=panel["title"], n_networks=n_nets, sizes=str(sizes),
            max_iter=iters, layer=layer, color=color, pool=panel["pool"],
            valid_acc=mean_accuracy(records), paper_test_accuracy=panel["paper_test_accuracy"],
            paper_finding=panel["paper_finding"],
        ))
        figures[f"mapper_{i}"] = topo.mapper_figure(
            f"Mapper({resolution}, {panel['gain']:g}) of {label}")
        figures[f"barcode_{i}"] = topo.barcode_figure(f"Barcodes of {label}")
        summary[f"panel_{i}"] = {**headline(topo), "mean_valid_acc": mean_accuracy(records),
                                 "cloud": label, "paper_panel": panel["title"],
                                 "paper_test_accuracy": panel["paper_test_accuracy"],
                                 "paper_finding": panel["paper_finding"]}
    first = summary["panel_1"]
    # The first panel's readout is the report's headline, with every field findings() reads.
    summary.update({key: first[key] for key in (*SUMMARY_KEYS, "n_analysed", "max_lifetime_h1")})
    settings = {**preset.to_settings(), "scale": scale, "random_state": random_state,
                "data": data.description, "panels": CIFAR_FIGURES[preset.figure],
                "data_home": str(get_data_home(data_home))}
    return ExperimentResult(name=name, table=frame(rows), figures=figures,
                            settings=to_jsonable(settings), summary=summary)
