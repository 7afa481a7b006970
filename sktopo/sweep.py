"""Whole-model layer sweeps: the topology Pipeline on every conv layer of a network.

:func:`sweep_layers` reads a model once (a torch module, a skorch net, a state dict or a weight
file, or a list of them to pool), fits :func:`~sktopo.pipeline.fit_topology` on the spatial
filters of every conv layer whose kernels have at least 4 weights (or of the layers named) and
returns one table row per layer; :func:`sweep_figures` draws the paper's Fig. 10 grid (one
barcode and one Mapper graph per layer, on a common barcode scale) and the measures against
depth. Layers are numbered 1, 2, ... in network order, as ``extract_spatial_filters`` numbers them.

Sizes that nobody set follow :func:`sktopo.sizes.adaptive_settings`, whose rules every
report quotes, and every table row records the values used; a value the user gives always wins,
and an integer that does not fit a layer is an error, never lowered.
"""

import re
import textwrap
import time
from dataclasses import dataclass
from numbers import Integral

import numpy as np
import pandas as pd

from ._compat import StrOptions, validate_params
from ._progress import progress
from ._validation import Number
from .filters import (
    conv_layers,
    dead_filter_mask,
    density_filtration,
    distance_to_model,
    extract_spatial_filters,
    normalize_filters,
)
from .mapper import MAPPER_CONSTRAINTS
from .pipeline import fit_topology
from .significance import (
    READOUT_COLUMNS,
    READOUT_FIELDS,
    significance_readout,
    size_matched_null,
    verdict,
)
from .sizes import MIN_LIVE_FILTERS, SIZE_CONSTRAINTS, adaptive_settings

__all__ = [
    "COLUMNS",
    "COLUMN_MEANINGS",
    "LayerResult",
    "analyse_cloud",
    "analyse_layer",
    "read_model",
    "select_layers",
    "sweep_figures",
    "sweep_layers",
    "sweep_layouts",
    "subsample",
    "sweep_table",
]

#: Kernels with fewer weights are skipped: normalised (mean-centred, unit-norm) filters of
#: n weights lie on a sphere of dimension n - 2, so 1x1 kernels are all dead, 1x2 kernels are two
#: points and 1x3 kernels a circle by construction, whatever the network learned.
MIN_KERNEL_WEIGHTS = 4

#: Table columns of a sweep, in order.
COLUMNS = (
    "layer", "name", "kernel", "groups", "n_filters", "n_used", "n_dead", "n_analysed",
    "k_used", "p_used", "n_landmarks_used", "resolution", "gain", "subsample_size", "verdict",
    "pvalue_h1", "n_significant_h1", "fraction_significant_h1", "rips_lifetime_h1",
    "rips_lifetime_h1_low", "rips_lifetime_h1_high", "null_pvalue_h1",
    "null_max_rips_lifetime_h1", "max_lifetime_h1", "lifetime_2_h1",
    "nerve_betti1", "graph_cycle_rank", "n_nodes", "n_components", "distance_to_primary_circle",
    "seconds", "note",
)

#: What every column of a sweep table means (reports copy this into summary.json).
COLUMN_MEANINGS = {
    "layer": "1-based index of the conv layer in network order",
    "name": "the layer's name in the module or weight file",
    "kernel": "kernel size kh x kw",
    "groups": "conv groups (empty when read from a weight file, which does not record them)",
    "n_filters": "spatial filters in the layer, pooled over the sources",
    "n_used": "filters analysed (a seeded subsample when max_filters is set)",
    "n_dead": "dead (constant) filters, dropped before the density filtration",
    "n_analysed": "points analysed: live filters kept by rho(k, p)",
    "k_used": "neighbour rank k of the density estimate",
    "p_used": "fraction p of the densest live filters kept",
    "n_landmarks_used": "max-min landmarks of the lazy witness barcode",
    "resolution": "Mapper intervals per lens",
    "gain": "Mapper gain (overlap 1 - 1/gain)",
    **{name.format(q=1): meaning.format(q=1) for name, meaning in READOUT_FIELDS.items()},
    "verdict": "what the significance readout found, in words",
    "null_pvalue_h1": "empirical p-value of rips_lifetime_h1 against the same pipeline on clouds "
                      "of isotropic Gaussian filters of the layer's live count and kernel size "
                      "(empty unless null draws were asked for)",
    "null_max_rips_lifetime_h1": "largest rips_lifetime_h1 among those null clouds",
    "max_lifetime_h1": "lifetime of the longest H1 bar of the lazy witness barcode (the "
                       "paper's measure; it shrinks as points are added, so compare it only "
                       "at equal n_analysed)",
    "lifetime_2_h1": "lifetime of the second-longest H1 bar of the witness barcode",
    "nerve_betti1": "loops of the Mapper graph's flag complex (1 for a circle)",
    "graph_cycle_rank": "independent cycles E - V + C of the Mapper graph (counts small "
                        "triangles too)",
    "n_nodes": "Mapper nodes",
    "n_components": "connected components of the Mapper graph",
    "distance_to_primary_circle": "mean distance of the analysed filters to the primary circle "
                                  "(0 on it, sqrt(2) at most; square kernels only)",
    "seconds": "wall time of the layer's analysis",
    "note": "why a layer was skipped, or what was changed (subsample, non-square kernel)",
}

_COUNT_COLUMNS = ("groups", "n_dead", "n_analysed", "k_used", "n_landmarks_used", "resolution",
                  "subsample_size", "n_significant_h1", "nerve_betti1", "graph_cycle_rank", "n_nodes",
                  "n_components")

# --------------------------------------------------------------------------- layers
@validate_params({"model": "no_validation", "layout": [StrOptions({"torch", "keras"}), None]},
                 prefer_skip_nested_validation=True)
def read_model(model, *, layout=None):
    """Read every source once: a list of ``{name: ConvLayer}`` dicts, one per source.

    ``model`` is one source of :func:`~sktopo.filters.conv_layers` or a list of them (pooled
    layer by layer, e.g. checkpoints of one architecture). The dicts are themselves sources of
    :func:`~sktopo.filters.extract_spatial_filters`, so nothing is read twice.

    Parameters
    ----------
    model : source or list of sources
        A network, a weight file or a dict of arrays (see :func:`~sktopo.filters.conv_layers`),
        or a list of them.
    layout : {"torch", "keras"} or None, default=None
        Kernel layout of arrays, as in :func:`~sktopo.filters.conv_layers` (None: torch,
        Keras for HDF5 files).

    Returns
    -------
    reads : list of dict
        ``{name: ConvLayer}`` per source, in order.
    """
    sources = list(model) if isinstance(model, (list, tuple)) else [model]
    if not sources:
        raise ValueError("model is an empty list; pass at least one network or weight file.")
    return [conv_layers(source, layout=layout) for source in sources]


_RANGE = re.compile(r"^\s*(\d+)\s*-\s*(\d+)\s*$")


def _spec_items(spec, names):
    """The items of a layer spec: ints, names and ``(first, last)`` ranges."""
    if isinstance(spec, str):
        if spec in names or spec == "all":
            return [spec]
        return [_string_item(part, names) for part in spec.split(",") if part.strip()]
    if isinstance(spec, range):
        return list(spec)
    if isinstance(spec, (list, tuple)):
        return [_string_item(s, names) if isinstance(s, str) else s for s in spec]
    return [spec]


def _string_item(text, names):
    text = text.strip()
    match = _RANGE.match(text)
    if text in names:
        return text
    if match:
        return (int(match.group(1)), int(match.group(2)))
    return int(text) if text.isdigit() else text


def _indices(item, names):
    """1-based indices of one spec item."""
    if isinstance(item, tuple):
        first, last = item
        if first > last:
            raise ValueError(f"layers: range {first}-{last} runs backwards; write {last}-{first}.")
        return [i for j in range(first, last + 1) for i in _indices(j, names)]
    if isinstance(item, (Integral, np.integer)) and not isinstance(item, bool):
        if not 1 <= item <= len(names):
            raise ValueError(f"layers: layer {item} is out of range: conv layers are numbered "
                             f"1..{len(names)} ({names}).")
        return [int(item)]
    if isinstance(item, str):
        if item not in names:
            raise ValueError(f"layers: no conv layer named {item!r}. Layers: {names}.")
        return [names.index(item) + 1]
    raise TypeError(f"layers: {item!r} is not a layer number, name or range.")


@validate_params({"layers": [dict, list, tuple], "spec": "no_validation"},
                 prefer_skip_nested_validation=True)
def select_layers(layers, spec="all"):
    """1-based indices of the conv layers named by ``spec``, in the order given, once each.

    Parameters
    ----------
    layers : dict or sequence of str
        The layers of a model (e.g. :func:`~sktopo.filters.conv_layers`), or their names.
    spec : "all", int, str, range or sequence, default="all"
        ``"all"``; one 1-based index or name; a string list ``"1,3,5"`` or range ``"2-6"`` (both
        ends included); a ``range``; or a list of indices, names and such strings.

    Returns
    -------
    indices : list of int

    Examples
    --------
    >>> from sktopo.sweep import select_layers
    >>> names = ["conv1", "conv2", "conv3", "conv4"]
    >>> select_layers(names, "2-3"), select_layers(names, "4,conv1"), select_layers(names)
    ([2, 3], [4, 1], [1, 2, 3, 4])
    """
    names = list(layers)
    items = _spec_items(spec, names)
    if items == ["all"]:
        return list(range(1, len(names) + 1))
    if not items:
        raise ValueError(f"layers={spec!r} names no layer; use 'all', '1,3,5' or '2-6'.")
    out = []
    for item in items:
        for index in _indices(item, names):
            if index not in out:
                out.append(index)
    return out


# --------------------------------------------------------------------------- one layer
@dataclass(frozen=True)
class LayerResult:
    """What a sweep keeps of one layer: its table row, barcode and Mapper graph.

    Parameters
    ----------
    row : dict
        The layer's table row (see :data:`COLUMNS`).
    kernel : tuple of int
        ``(kh, kw)``.
    diagram : list of ndarray or None
        Persistence diagram per dimension (ripser style); None for a skipped layer.
    graph : networkx.Graph or None
        Mapper graph; None for a skipped layer.
    barcode : str
        The complex of the barcode and its points, in words.
    readout : Readout or None
        The H1 significance readout (:class:`~sktopo.significance.Readout`).
    """

    row: dict
    kernel: tuple
    diagram: list = None
    graph: object = None
    barcode: str = ""
    readout: object = None

    @property
    def skipped(self):
        """True when the layer was not analysed (its row's ``note`` says why)."""
        return self.diagram is None

    @property
    def label(self):
        """``"3. conv2 (5x5)"``: index, name and kernel, for figure titles."""
        return f"{self.row['layer']}. {self.row['name']} ({self.row['kernel']})"


def _kernel_text(kernel):
    return f"{kernel[0]}x{kernel[1]}"


def _skip_reason(kernel, n_live):
    n_weights = kernel[0] * kernel[1]
    if n_weights == 1:
        return "skipped: 1x1 kernels have no spatial pattern"
    if n_weights < MIN_KERNEL_WEIGHTS:
        return (f"skipped: {_kernel_text(kernel)} kernels; normalised filters of {n_weights} "
                "weights form a fixed shape whatever was learned")
    if n_live < MIN_LIVE_FILTERS:
        return f"skipped: {n_live} live filters, fewer than {MIN_LIVE_FILTERS}"
    return None


@validate_params({"filters": ["array-like"], "provenance": [pd.DataFrame],
                  "max_filters": [Number(Integral, 1, None, closed="left"), None],
                  "rng": [np.random.Generator]}, prefer_skip_nested_validation=True)
def subsample(filters, provenance, max_filters, rng):
    """A seeded random subsample of at most ``max_filters`` rows (all when None), in row order.

    Parameters
    ----------
    filters : ndarray of shape (n_filters, n_weights)
        The filters.
    provenance : pandas.DataFrame
        One row per filter, as :func:`~sktopo.filters.extract_spatial_filters` returns it.
    max_filters : int or None
        Most rows kept; None keeps all.
    rng : numpy.random.Generator
        Source of the draw.

    Returns
    -------
    filters : ndarray of shape (n_kept, n_weights)
        The rows kept.
    provenance : pandas.DataFrame
        Their provenance rows, index reset.
    """
    if max_filters is None or len(filters) <= max_filters:
        return filters, provenance
    rows = np.sort(rng.choice(len(filters), max_filters, replace=False))
    return filters[rows], provenance.iloc[rows].reset_index(drop=True)


def _distance_to_circle(view, kernel):
    """Mean distance of the analysed filters to the primary circle (square kernels only)."""
    if kernel[0] != kernel[1]:
        return None
    return distance_to_model(view.cloud, "primary_circle", size=kernel[0])


def _analysed_row(view, kernel):
    f, settings = view.features, view.settings
    return {
        "n_analysed": len(view.kept), "k_used": settings["k_used"],
        "p_used": settings["p"], "n_landmarks_used": settings["n_landmarks_used"],
        "resolution": settings["resolution"], "gain": settings["gain"],
        **{name: f[name] for name in READOUT_COLUMNS},
        "verdict": verdict(int(f["n_significant_h1"])),
        "max_lifetime_h1": f["max_lifetime_h1"], "lifetime_2_h1": f["lifetime_2_h1"],
        "nerve_betti1": int(f["nerve_betti1"]),
        "graph_cycle_rank": int(f["graph_cycle_rank"]), "n_nodes": int(f["n_nodes"]),
        "n_components": int(f["n_components"]),
        "distance_to_primary_circle": _distance_to_circle(view, kernel),
    }


@validate_params({"filters": ["array-like"], "conv": "no_validation",
                  "index": [Number(Integral, 1, None, closed="left")],
                  "n_filters": [Number(Integral, 1, None, closed="left"), None],
                  "sizes": [dict, None], "gain": MAPPER_CONSTRAINTS["gain"],
                  "null_draws": [Number(Integral, 0, None, closed="left")],
                  "random_state": [Number(Integral, 0, None, closed="left")]},
                 prefer_skip_nested_validation=True)
def analyse_cloud(filters, conv, *, index, n_filters=None, sizes=None, gain=3.0, null_draws=0,
                  random_state=0):
    """Fit the topology Pipeline on the filters of one layer: ``(LayerResult, view)``.

    Parameters
    ----------
    filters : ndarray of shape (n_filters, kh * kw)
        The layer's raw filters (pooled, perhaps subsampled).
    conv : ConvLayer
        The layer (name, kernel size, groups), e.g. ``read_model(model)[0][name]``.
    index : int
        Its 1-based position among the model's conv layers.
    n_filters : int or None, default=None
        Filters in the layer before any subsample (``len(filters)`` when None).
    sizes : dict or None, default=None
        The user's ``k``, ``p``, ``n_landmarks``, ``resolution`` (None for a rule, see
        :func:`~sktopo.sizes.adaptive_settings`).
    gain : float, default=3.0
        Mapper gain.
    null_draws : int, default=0
        Also compare the readout's lifetime with that of this many clouds of isotropic Gaussian
        filters of the layer's live count and kernel size, run through the same normalisation,
        density step and readout (:func:`~sktopo.significance.size_matched_null`): columns
        ``null_pvalue_h1`` and ``null_max_rips_lifetime_h1``. 0 skips it (its cost is
        ``null_draws`` times the density step and readout of the layer).
    random_state : int, default=0
        Seed of the landmarks, Mapper and null clouds.

    Returns
    -------
    result : LayerResult
        With a ``note`` saying why when the layer is skipped (too small a kernel, too few live
        filters).
    view : CloudView or None
        The fitted cloud, None when skipped.
    """
    started = time.perf_counter()
    kernel = tuple(int(v) for v in conv.kernel_size)
    n_live = int((~dead_filter_mask(filters)).sum())
    n_all = len(filters) if n_filters is None else int(n_filters)
    row = {"layer": index, "name": conv.name, "kernel": _kernel_text(kernel),
           "groups": conv.groups, "n_filters": n_all, "n_used": len(filters),
           "n_dead": len(filters) - n_live}
    reason = _skip_reason(kernel, n_live)
    if reason is not None:
        return LayerResult({**row, "note": reason}, kernel), None
    chosen = adaptive_settings(n_live, **(sizes or {}))
    _, (view,) = fit_topology(
        [filters], k=chosen["k"], p=chosen["p"], n_landmarks=chosen["n_landmarks"], mapper=True,
        resolution=chosen["resolution"], gain=gain, m=chosen["m"], random_state=random_state,
    )
    row.update(_analysed_row(view, kernel), note=_layer_note(n_all, len(filters), kernel))
    if null_draws:
        row.update(_null_columns(filters, chosen, null_draws, random_state))
    row["seconds"] = round(time.perf_counter() - started, 2)
    barcode = f"{view.settings['barcode']}; {len(view.kept)} points analysed"
    return LayerResult(row, kernel, view.diagram, view.graph, barcode, view.readout), view


@validate_params({"reads": [list], "index": [Number(Integral, 1, None, closed="left")],
                  "sizes": [dict, None], "gain": MAPPER_CONSTRAINTS["gain"],
                  "null_draws": [Number(Integral, 0, None, closed="left")],
                  "max_filters": [Number(Integral, 1, None, closed="left"), None],
                  "random_state": [Number(Integral, 0, None, closed="left")],
                  "rng": [np.random.Generator, None]}, prefer_skip_nested_validation=True)
def analyse_layer(reads, index, *, sizes=None, gain=3.0, null_draws=0, max_filters=None,
                  random_state=0, rng=None):
    """Extract layer ``index`` from every source of ``reads`` (:func:`read_model`), pooled and
    perhaps subsampled, and analyse it with :func:`analyse_cloud`: its :class:`LayerResult`.

    Parameters
    ----------
    reads : list of dict
        The sources as :func:`read_model` returns them.
    index : int
        1-based position of the layer among the conv layers of the first source.
    sizes : dict or None, default=None
        As in :func:`analyse_cloud`.
    gain : float, default=3.0
        Mapper gain.
    null_draws : int, default=0
        As in :func:`analyse_cloud`.
    max_filters : int or None, default=None
        Subsample the pooled filters to at most this many (:func:`subsample`); None keeps all.
    random_state : int, default=0
        Seed of the analysis, and of the subsample when ``rng`` is None.
    rng : numpy.random.Generator or None, default=None
        Source of the subsample, shared across layers by a sweep.

    Returns
    -------
    result : LayerResult
        The layer's row, barcode, graph and readout.
    """
    name = list(reads[0])[index - 1]
    filters, provenance = extract_spatial_filters(reads, name, kernel_size=None,
                                                  return_provenance=True)
    rng = np.random.default_rng(random_state) if rng is None else rng
    used, _ = subsample(filters, provenance, max_filters, rng)
    result, _ = analyse_cloud(used, reads[0][name], index=index, n_filters=len(filters),
                              sizes=sizes, gain=gain, null_draws=null_draws,
                              random_state=random_state)
    return result


def _null_columns(filters, chosen, n_draws, random_state):
    """The readout's lifetime against Gaussian clouds of the layer's live count and size."""
    def lifetime(raw, seed):
        live = normalize_filters(raw[~dead_filter_mask(raw)])
        kept = density_filtration(live, chosen["k"], chosen["p"])
        return significance_readout(kept, m=chosen["m"], random_state=seed).lifetime

    live = filters[~dead_filter_mask(filters)]
    null = size_matched_null(live, lifetime, n_draws=n_draws, random_state=random_state)
    return {"null_pvalue_h1": null.pvalue, "null_max_rips_lifetime_h1": null.null_max}


def _layer_note(n_all, n_used, kernel):
    notes = []
    if n_used < n_all:
        notes.append(f"seeded subsample of {n_used} of {n_all} filters")
    if kernel[0] != kernel[1]:
        notes.append("non-square kernel: no distance to the primary circle")
    return "; ".join(notes)


# --------------------------------------------------------------------------- the sweep
@validate_params(
    {"model": "no_validation", "layers": "no_validation", **SIZE_CONSTRAINTS,
     "gain": MAPPER_CONSTRAINTS["gain"],
     "layout": [StrOptions({"torch", "keras"}), None],
     "max_filters": [Number(Integral, 1, None, closed="left"), None],
     "null_draws": [Number(Integral, 0, None, closed="left")],
     "random_state": [Number(Integral, 0, None, closed="left")], "verbose": ["verbose"],
     "return_results": ["boolean"]},
    prefer_skip_nested_validation=True,
)
def sweep_layers(model, layers="all", *, k=None, p=None, n_landmarks=None, resolution=None,
                 m=None, gain=3.0, null_draws=0, layout=None, max_filters=None, random_state=0,
                 verbose=0, return_results=False):
    """The topology Pipeline on every conv layer of a model: one table row per layer.

    Every layer (or every layer named by ``layers``) is fitted with
    :func:`~sktopo.pipeline.fit_topology` on its pooled spatial filters: dead filters dropped,
    :math:`\\rho(k, p)`, the lazy witness barcode and Mapper(resolution, gain). Layers whose
    kernels have fewer than 4 weights (1x1, 1x3, ...) or fewer than :data:`~sktopo.sizes.MIN_LIVE_FILTERS`
    live filters get a row with a ``note`` saying why they were skipped. Kernels of any size
    (5x5 filters are points of R^25, 16x16 patch embeddings of R^256), depthwise and grouped
    layers are analysed like any other.

    Parameters
    ----------
    model : network, state dict, path, or list of these
        A torch module, a fitted skorch net, a state dict, a weight file (``.pt``, ``.npz``,
        ``.safetensors``, HDF5 incl. Keras files), or a list of them pooled layer by layer.
    layers : "all", int, str, range or sequence, default="all"
        Layers to analyse (see :func:`select_layers`): ``"all"``, ``"1,3,5"``, ``"2-6"``,
        ``range(2, 7)``, names such as ``"layer1.0.conv1"``.
    k, p, n_landmarks, resolution, m : int, float or None, default=None
        ``rho(k, p)``, landmarks, Mapper resolution and the readout's subsample size; ``None``
        follows
        :data:`~sktopo.sizes.ADAPTIVE_RULES` per layer. A given integer that does not fit a layer is an error
        naming the layer; a float in (0, 1) is a fraction of each layer's cloud.
    gain : float, default=3.0
        Mapper gain (overlap ``1 - 1/gain``).
    null_draws : int, default=0
        Gaussian clouds of each layer's size to compare its readout with (see
        :func:`analyse_cloud`); 0 skips the comparison.
    layout : {None, "torch", "keras"}, default=None
        Kernel layout of arrays in weight files (``None``: torch, Keras for Keras names/HDF5).
    max_filters : int or None, default=None
        Analyse a seeded random subsample of at most this many filters per layer (the row's
        ``n_used`` and ``note`` say so); ``None`` analyses every filter.
    random_state : int, default=0
        Seed of the subsample, the landmarks and Mapper.
    verbose : int, default=0
        A progress bar over layers when positive; one line per layer when 2 or more.
    return_results : bool, default=False
        Also return the :class:`LayerResult` of every layer (barcodes and Mapper graphs, for
        :func:`sweep_figures`).

    Returns
    -------
    table : pandas.DataFrame
        One row per layer, columns :data:`COLUMNS`: the layer's 1-based ``layer`` index,
        ``name``, ``kernel``, ``groups``, filters in the layer (``n_filters``), used, dead and
        analysed, the sizes used, ``max_lifetime_h1``, ``lifetime_2_h1`` (second bar),
        the significance readout (``verdict``, ``pvalue_h1``, ``n_significant_h1``,
        ``rips_lifetime_h1`` with its interval at ``subsample_size`` points),
        ``nerve_betti1``, ``graph_cycle_rank``, ``n_nodes``, ``n_components``,
        ``distance_to_primary_circle`` (mean, square kernels), ``seconds`` and ``note``.
    results : list of LayerResult
        Only with ``return_results=True``.

    See Also
    --------
    sweep_figures : The grid of barcodes and Mapper graphs, and the measures against depth.
    sktopo.sizes.adaptive_settings : The rules of the default sizes.

    Examples
    --------
    >>> import torch
    >>> from sktopo.sweep import sweep_layers
    >>> _ = torch.manual_seed(0)
    >>> net = torch.nn.Sequential(torch.nn.Conv2d(3, 16, 5), torch.nn.Conv2d(16, 16, 3),
    ...                           torch.nn.Conv2d(16, 8, 1))
    >>> table = sweep_layers(net)
    >>> table["kernel"].tolist(), table["n_analysed"].tolist()
    (['5x5', '3x3', '1x1'], [48, 150, <NA>])
    >>> table["note"].iloc[2]
    'skipped: 1x1 kernels have no spatial pattern'
    """
    reads = read_model(model, layout=layout)
    indices = select_layers(reads[0], layers)
    sizes = {"k": k, "p": p, "n_landmarks": n_landmarks, "resolution": resolution, "m": m}
    rng = np.random.default_rng(random_state)
    results = []
    bar = progress(indices, verbose=verbose, desc="layers", leave=True)
    for index in bar:
        if hasattr(bar, "set_postfix_str"):
            bar.set_postfix_str(list(reads[0])[index - 1])
        try:
            result = analyse_layer(reads, index, sizes=sizes, gain=gain, null_draws=null_draws,
                                   max_filters=max_filters, random_state=random_state, rng=rng)
        except ValueError as exc:
            raise ValueError(f"layer {index} ({list(reads[0])[index - 1]}): {exc}") from exc
        results.append(result)
        if verbose >= 2:
            bar.write(_one_line(result))
    return (sweep_table(results), results) if return_results else sweep_table(results)


@validate_params({"results": [list]}, prefer_skip_nested_validation=True)
def sweep_table(results):
    """The table of a sweep from its :class:`LayerResult` list (counts stay integers; a skipped
    layer's missing values are ``<NA>``, written as empty cells).

    Parameters
    ----------
    results : list of LayerResult
        One per layer.

    Returns
    -------
    table : pandas.DataFrame
        One row per layer, the columns of :data:`COLUMNS`.
    """
    table = pd.DataFrame([r.row for r in results], columns=list(COLUMNS))
    return table.astype({name: "Int64" for name in _COUNT_COLUMNS})


def _one_line(result):
    row = result.row
    if result.skipped:
        return f"{result.label}: {row['note']}"
    return (f"{result.label}: {row['verdict']} (p = {row['pvalue_h1']:.2g}, Rips lifetime "
            f"{row['rips_lifetime_h1']:.3f} at {row['subsample_size']} of {row['n_analysed']} "
            f"points), nerve b1 {row['nerve_betti1']}, {row['seconds']:.1f} s")


# --------------------------------------------------------------------------- figures
@validate_params({"results": [list], "random_state": ["random_state"], "verbose": ["verbose"]},
                 prefer_skip_nested_validation=True)
def sweep_layouts(results, *, random_state=0, verbose=0):
    """Seeded Mapper layouts of the analysed layers by layer index, shared by figures and pages.

    Parameters
    ----------
    results : list of LayerResult
        One per layer; skipped layers get no layout.
    random_state : int, RandomState instance or None, default=0
        Seed of every layout.
    verbose : int, default=0
        Progress bar over the layers when positive.

    Returns
    -------
    layouts : dict
        Layer index -> node positions (see :func:`~sktopo.mapper.mapper_layout`).
    """
    from .mapper import mapper_layout

    analysed = [r for r in results if not r.skipped]
    return {r.row["layer"]: mapper_layout(r.graph, random_state=random_state)
            for r in progress(analysed, verbose=verbose, desc="Mapper layouts", leave=True)}


def _common_barcode_scale(results):
    """One right edge for every H1 barcode of a sweep, so no panel zooms a short bar up."""
    top = 0.0
    for r in results:
        h1 = r.readout.diagram[1] if len(r.readout.diagram) > 1 else np.zeros((0, 2))
        finite = h1[np.isfinite(h1[:, 1]), 1] if len(h1) else np.zeros(0)
        top = max(top, finite.max(initial=0.0))
    return 1.1 * top if top > 0 else 1.0


@validate_params(
    {"results": [list], "title": [str, None], "layouts": [dict, None],
     "n_cols": [Number(Integral, 1, None, closed="left")],
     "n_glyphs": [Number(Integral, 0, None, closed="left")], "random_state": ["random_state"],
     "verbose": ["verbose"]},
    prefer_skip_nested_validation=True,
)
def sweep_figures(results, *, title=None, layouts=None, n_cols=4, n_glyphs=4, random_state=0,
                  verbose=0):
    """The figures of a sweep: ``{"sweep_grid": Figure, "sweep_depth": Figure}``.

    ``sweep_grid`` is the paper's Fig. 10 for every analysed layer: the H1 barcode its verdict is
    about (exact Rips on a random subsample of the readout's size, all panels on one scale,
    significant bars in orange) above its Mapper graph (nodes coloured by size, a few
    mean-filter glyphs). ``sweep_depth`` plots the readout against the layer index: the
    p-value of the most significant H1 class against the level, the Rips lifetime at the fixed
    subsample size with its interval (and the witness lifetime, which moves with the number of
    points), the significant class count beside the Mapper nerve β1, and the mean distance to the
    primary circle.

    Parameters
    ----------
    results : list of LayerResult
        From ``sweep_layers(..., return_results=True)``.
    title : str or None, default=None
        Title of both figures (e.g. the model's name).
    layouts : dict or None, default=None
        Mapper layouts by layer index (:func:`sweep_layouts`); computed when None.
    n_cols : int, default=4
        Layers per row of the grid.
    n_glyphs : int, default=4
        Mean-filter glyphs per Mapper panel.
    random_state : int, default=0
        Layout seed when ``layouts`` is None.
    verbose : int, default=0
        Progress bars when positive.

    Returns
    -------
    figures : dict of str to matplotlib Figure
    """
    analysed = [r for r in results if not r.skipped]
    if not analysed:
        raise ValueError("No layer was analysed (see the table's notes); nothing to draw.")
    if layouts is None:
        layouts = sweep_layouts(analysed, random_state=random_state, verbose=verbose)
    return {"sweep_grid": _grid_figure(analysed, layouts, title, n_cols, n_glyphs),
            "sweep_depth": _depth_figure(analysed, title)}


def _grid_figure(analysed, layouts, title, n_cols, n_glyphs):
    import matplotlib.pyplot as plt

    from .homology import plot_barcode
    from .mapper import plot_mapper_graph

    n_cols = min(n_cols, len(analysed))
    n_rows = -(-len(analysed) // n_cols)
    height = 4.6 * n_rows
    fig = plt.figure(figsize=(3.4 * n_cols, height))
    # Fixed margins in inches, whatever the number of rows: room for the title lines only.
    grid = fig.add_gridspec(2 * n_rows, n_cols, height_ratios=[1.0, 2.6] * n_rows,
                            hspace=0.45, wspace=0.15, top=1 - 0.35 / height,
                            bottom=0.1 / height, left=0.03, right=0.98)
    right = _common_barcode_scale(analysed)
    for i, r in enumerate(analysed):
        row, col = divmod(i, n_cols)
        bar_ax = fig.add_subplot(grid[2 * row, col])
        readout = r.readout
        plot_barcode(readout.diagram, homology_dimensions=[1], axes=[bar_ax], max_bars=25,
                     pvalues={1: readout.corrected_pvalues}, alpha=readout.level, xmax=right,
                     xlabel=f"Rips, {readout.subsample_size} of {readout.n_points} points; "
                            f"p = {readout.pvalue:.2g}")
        bar_ax.xaxis.label.set_fontsize(7)
        bar_ax.set_title(f"{r.label}: H1", loc="left", fontsize=8)
        bar_ax.tick_params(labelsize=7)
        legend = bar_ax.get_legend()
        if legend is not None:
            legend.remove()  # the figure's title says it once for every panel
        map_ax = fig.add_subplot(grid[2 * row + 1, col])
        plot_mapper_graph(r.graph, pos=layouts[r.row["layer"]], ax=map_ax, n_glyphs=n_glyphs,
                          colorbar=False, glyph_note=False, kernel_shape=r.kernel,
                          node_size=(6.0, 60.0),
                          title=f"Mapper({r.row['resolution']}, {r.row['gain']:g}), "
                                f"nerve β1 = {r.row['nerve_betti1']}")
        map_ax.title.set_fontsize(8)
    head = f"{title}: " if title else ""
    level = analysed[0].readout.level
    text = (f"{head}H1 barcodes of exact Rips on one random subsample per layer, on one scale "
            f"(orange: below {level:g} against the universal null, Bonferroni: the level each "
            "subsample is read at) and "
            "Mapper graphs (colour = node size, blue small to red large; glyphs: mean filters, "
            "mid-grey = 0)")
    # Broken by hand: matplotlib's own wrapping leaves a tall empty band in a cropped figure.
    fig.suptitle(textwrap.fill(text, width=int(40 * n_cols)), fontsize=9, y=1.0, va="bottom")
    return fig


def _depth_figure(analysed, title):
    import matplotlib.pyplot as plt

    table = pd.DataFrame([r.row for r in analysed])
    x = table["layer"].to_numpy()
    alpha = analysed[0].readout.alpha
    fig, axes = plt.subplots(4, 1, figsize=(max(6.0, 0.45 * len(x) + 3), 9.5), sharex=True)
    sure = axes[0]
    sure.semilogy(x, table["pvalue_h1"].astype(float).clip(lower=1e-12), "o-", color="C3")
    sure.axhline(alpha, color="0.4", ls=":", label=f"level alpha = {alpha:g}")
    sure.set_ylim(top=1.5)
    sure.set_ylabel("p-value of the\nstrongest H1 class")
    sure.legend(fontsize="small")
    life = axes[1]
    rips = table["rips_lifetime_h1"].astype(float)
    err = [rips - table["rips_lifetime_h1_low"].astype(float),
           table["rips_lifetime_h1_high"].astype(float) - rips]
    size = int(table["subsample_size"].max())
    life.errorbar(x, rips, yerr=err, fmt="o-", capsize=3,
                  label=f"exact Rips at {size} points (median, interval over subsamples)")
    life.plot(x, table["max_lifetime_h1"], "s--", color="0.5",
              label="witness barcode on all analysed points (moves with their number)")
    # From zero: a 0.001 bar must look like one.
    life.set_ylim(0, 1.15 * max(rips.max(), table["max_lifetime_h1"].max(), 1e-3))
    life.set_ylabel("longest H1\nlifetime")
    life.legend(fontsize="x-small")
    counts = axes[2]
    counts.plot(x, table["n_significant_h1"], "o-", label="significant H1 classes")
    counts.plot(x, table["nerve_betti1"], "s--", label="Mapper nerve β1")
    counts.set_ylim(bottom=0)
    counts.yaxis.get_major_locator().set_params(integer=True)
    counts.set_ylabel("count")
    counts.legend(fontsize="small")
    dist = axes[3]
    dist.plot(x, table["distance_to_primary_circle"].astype(float), "o-", color="C2")
    dist.set_ylim(0, np.sqrt(2))
    dist.set_ylabel("mean distance to\nprimary circle")
    dist.set_xlabel("conv layer (1-based, network order)")
    dist.set_xticks(x)
    fig.suptitle(f"{title + ': ' if title else ''}topology against depth", fontsize=10)
    fig.tight_layout()
    return fig
