"""`sktopo analyze`: the topology of one conv layer, or of every layer, of a user's own model."""

import io
import json
import re
import time
from numbers import Integral
from pathlib import Path

import numpy as np
import pandas as pd

from ..export import kept_filters, mapper_graph_data, save_diagrams, to_kmapper
from ..filters import extract_spatial_filters
from ..sizes import ADAPTIVE_RULES
from ..sweep import (
    COLUMN_MEANINGS,
    analyse_cloud,
    read_model,
    select_layers,
    subsample,
    sweep_figures,
    sweep_layers,
    sweep_layouts,
    sweep_table,
)
from ..significance import SIGNIFICANCE_TEST, caveats
from ..report import ExperimentResult

#: Summary fields and table columns of the analyze reports, beyond the shared field list.
_DESCRIPTIONS = {
    # "layer" is a name in a summary and an index in a table: the shared entry says both.
    **{k: v for k, v in COLUMN_MEANINGS.items() if k != "layer"},
    "n_layers": "conv layers in the sweep",
    "n_layers_analysed": "layers analysed (the others are skipped, with a note in the table)",
    "layers_with_significant_h1": "layers with at least one significant H1 class",
    "layers_with_one_loop": "layers with exactly one significant H1 class and a Mapper nerve "
                            "of beta1 = 1",
    "layer_with_max_rips_lifetime_h1": "the layer whose longest H1 class at the fixed "
                                       "subsample size is the longest of the sweep",
    "verdicts": "the verdict of every analysed layer",
    "sweep_seconds": "wall time of the analysis of every layer, in seconds",
}


#: The barcodes of a sweep (each layer's landmarks and points are columns of its table).
_SWEEP_BARCODE = ("lazy witness complex (nu=2) on max-min landmarks, Z/2; landmarks and points "
                  "per layer in table.csv (n_landmarks_used, n_analysed)")


def _is_one_layer(layer):
    """An int, or one name or number as text: the single-layer report; anything else sweeps."""
    if isinstance(layer, (Integral, np.integer)) and not isinstance(layer, bool):
        return True
    return (isinstance(layer, str) and layer != "all" and "," not in layer
            and re.fullmatch(r"\s*\d+\s*-\s*\d+\s*", layer) is None)


def _source_names(sources):
    return [str(Path(s)) if isinstance(s, (str, Path)) else type(s).__name__ for s in sources]


def analyze_weights(
    paths,
    *,
    layer=1,
    k=None,
    p=None,
    layout=None,
    kernel_size=None,
    n_landmarks=None,
    resolution=None,
    m=None,
    gain=3.0,
    null_draws=0,
    max_filters=None,
    random_state=0,
    verbose=0,
):
    """Barcodes and Mapper of one conv layer, or of many, pooled over checkpoints or weight files.

    One layer (an index or a name) gives the single-layer report: barcode and Mapper figures, an
    interactive page, exports. ``"all"``, a list (``"1,3,5"``) or a range (``"2-6"``) gives a sweep
    report (:func:`sktopo.sweep.sweep_layers`): one table row per layer, a grid of barcodes and
    Mapper graphs, the measures against depth, one page per layer.

    Parameters
    ----------
    paths : str, Path, network, or list of these
        Sources of :func:`~sktopo.filters.extract_spatial_filters` (pooled layer by layer).
    layer : int, str, range or list, default=1
        1-based conv index or layer name; ``"all"``, ``"1,3,5"`` or ``"2-6"`` for a sweep.
    k, p : int, float or None, default=None
        Density filtration :math:`\\rho(k, p)` after mean-centring and normalisation; ``None``
        follows :data:`sktopo.sizes.ADAPTIVE_RULES` (recorded in the settings).
    layout : {None, "torch", "keras"}, default=None
        Kernel layout of arrays in the files.
    kernel_size : int, tuple or None, default=None
        Required kernel size of a single layer; ``None`` accepts any.
    n_landmarks : int, float or None, default=None
        Max-min landmarks of the witness barcode, or a fraction of the filtered cloud; ``None``
        follows the rule.
    resolution : int or None, default=None
        Mapper resolution; ``None`` follows the rule.
    m : int or None, default=None
        Points per subsample of the significance readout; ``None`` follows the rule (300).
    gain : float, default=3.0
        Mapper gain.
    null_draws : int, default=0
        Compare each layer's readout with this many Gaussian clouds of its size
        (:func:`sktopo.sweep.analyse_cloud`); 0 skips it.
    max_filters : int or None, default=None
        Analyse a seeded random subsample of at most this many filters per layer.
    random_state : int, default=0
        Seed.
    verbose : int, default=0
        Progress bars when positive.

    Returns
    -------
    ExperimentResult
        Single layer: ``table`` has one row; figures ``barcode`` and ``mapper``; files
        ``mapper.html``, ``mapper.json`` (node-link), ``mapper_kmapper.json`` (kepler-mapper's
        graph dictionary), ``diagrams.npz`` and ``kept_filters.csv`` (the analysed filters with
        their provenance and normalised weights). Sweep: one row per layer; figures
        ``sweep_grid`` and ``sweep_depth``; ``diagrams.npz`` (every analysed layer), and
        ``mapper/layerNN.html`` and ``mapper/layerNN.json`` per layer.
    """
    reads = read_model(paths, layout=layout)
    sizes = {"k": k, "p": p, "n_landmarks": n_landmarks, "resolution": resolution, "m": m}
    settings = {"sources": _source_names(paths if isinstance(paths, (list, tuple)) else [paths]),
                "layer": layer if isinstance(layer, (int, str)) else list(layer),
                "layout": layout, "max_filters": max_filters, "random_state": random_state,
                "adaptive_rules": ADAPTIVE_RULES}
    options = dict(sizes=sizes, gain=gain, null_draws=null_draws, max_filters=max_filters,
                   random_state=random_state, verbose=verbose, settings=settings)
    if _is_one_layer(layer):
        return _one_layer_report(reads, layer, kernel_size=kernel_size, **options)
    return _sweep_report(reads, layer, **options)


# --------------------------------------------------------------------------- one layer
def _one_layer_report(reads, layer, *, kernel_size, sizes, gain, null_draws, max_filters,
                      random_state, verbose, settings):
    (index,) = select_layers(reads[0], layer)
    conv = reads[0][list(reads[0])[index - 1]]
    filters, provenance = extract_spatial_filters(reads, conv.name, kernel_size=kernel_size,
                                                  return_provenance=True)
    rng = np.random.default_rng(random_state)
    used, provenance = subsample(filters, provenance, max_filters, rng)
    result, view = analyse_cloud(used, conv, index=index, n_filters=len(filters), sizes=sizes,
                                 gain=gain, null_draws=null_draws, random_state=random_state)
    if view is None:
        raise ValueError(f"layer {index} ({conv.name}): {result.row['note']}.")
    title = (f"{conv.name} ({result.row['kernel']}): ρ({view.settings['k_used']}, "
             f"{view.settings['p']:.3g}) of {len(used)} filters")
    return ExperimentResult(
        name="analyze",
        table=sweep_table([result]),
        figures={"barcode": view.barcode_figure(title), "mapper": _mapper_figure(view, result,
                                                                                 title)},
        settings={**settings, **view.settings, "chosen_by": _chosen_by(sizes)},
        summary=_one_layer_summary(view, result),
        extra_files=_one_layer_files(view, result, provenance, title),
        descriptions=_DESCRIPTIONS,
    )


def _chosen_by(sizes):
    """Which sizes the user gave and which follow a rule (the rules are in the settings too)."""
    return {name: "given" if value is not None else "rule" for name, value in sizes.items()}


def _mapper_figure(view, result, title):
    import matplotlib.pyplot as plt

    from ..mapper import plot_mapper_graph

    fig, ax = plt.subplots(figsize=(7, 6))
    plot_mapper_graph(view.graph, ax=ax, title=title, kernel_shape=result.kernel)
    return fig


def _one_layer_summary(view, result):
    row = result.row
    return {
        "layer": row["name"],
        "kernel": row["kernel"],
        "n_filters": row["n_filters"],
        "n_dead": row["n_dead"],
        "n_analysed": row["n_analysed"],
        **view.readout.summary(),
        "caveats": caveats(view.readout, nerve_betti1=row["nerve_betti1"]),
        **{k: row[k] for k in ("null_pvalue_h1", "null_max_rips_lifetime_h1") if k in row},
        "significance_test": SIGNIFICANCE_TEST,
        "max_lifetime_h1": row["max_lifetime_h1"],
        "lifetime_2_h1": row["lifetime_2_h1"],
        "barcode": result.barcode,
        "mapper_nerve_betti1": row["nerve_betti1"],
        "distance_to_primary_circle": row["distance_to_primary_circle"],
    }


def _npz_bytes(diagrams, names):
    buffer = io.BytesIO()
    save_diagrams(buffer, diagrams, names=names)
    return buffer.getvalue()


def _one_layer_files(view, result, provenance, title):
    name = result.row["name"]
    found = f"{title}. Barcode: {result.row['verdict']} (p = {result.row['pvalue_h1']:.2g})"
    return {
        "mapper.html": _page(view.graph, found, result.kernel),
        "mapper.json": json.dumps(mapper_graph_data(view.graph)),
        "mapper_kmapper.json": json.dumps(to_kmapper(view.graph, meta={"layer": name})),
        "diagrams.npz": _npz_bytes([view.diagram], [name]),
        "kept_filters.csv": kept_filters(view, provenance).to_csv(index=False),
    }


def _page(graph, title, kernel, pos=None):
    from ..mapper import mapper_html

    return mapper_html(graph, title=title, kernel_shape=kernel, pos=pos)


# --------------------------------------------------------------------------- sweeps
def _sweep_report(reads, layers, *, sizes, gain, null_draws, max_filters, random_state, verbose,
                  settings):
    started = time.perf_counter()
    table, results = sweep_layers(reads, layers, gain=gain, null_draws=null_draws,
                                  max_filters=max_filters,
                                  random_state=random_state, verbose=verbose,
                                  return_results=True, **sizes)
    seconds = time.perf_counter() - started
    analysed = [r for r in results if not r.skipped]
    if not analysed:
        raise ValueError("No layer could be analysed: " + "; ".join(
            f"{r.label}: {r.row['note']}" for r in results))
    layouts = sweep_layouts(analysed, random_state=random_state, verbose=verbose)
    model = ", ".join(Path(source).name for source in settings["sources"])
    return ExperimentResult(
        name="analyze_sweep",
        table=table,
        figures=sweep_figures(analysed, title=model, layouts=layouts, verbose=verbose),
        settings={**settings, "gain": gain, "chosen_by": _chosen_by(sizes),
                  "significance_test": SIGNIFICANCE_TEST, "barcode": _SWEEP_BARCODE},
        summary=_sweep_summary(table, analysed, seconds),
        extra_files=_sweep_files(analysed, layouts),
        descriptions=_DESCRIPTIONS,
    )


def _sweep_summary(table, analysed, seconds):
    done = pd.DataFrame([r.row for r in analysed])
    best = done.loc[done["rips_lifetime_h1"].idxmax()]
    one_loop = done[(done["n_significant_h1"] == 1) & (done["nerve_betti1"] == 1)]
    return {
        "n_layers": len(table),
        "n_layers_analysed": len(analysed),
        "verdicts": [f"{r['layer']}. {r['name']}: {r['verdict']}" for _, r in done.iterrows()],
        "layers_with_significant_h1": [int(v) for v in done.loc[done["n_significant_h1"] >= 1,
                                                                "layer"]],
        "layers_with_one_loop": [int(v) for v in one_loop["layer"]],
        "rips_lifetime_h1": float(best["rips_lifetime_h1"]),
        "layer_with_max_rips_lifetime_h1": f"{best['layer']}. {best['name']}",
        "subsample_size": int(done["subsample_size"].max()),
        "alpha": analysed[0].readout.alpha,
        "significance_test": SIGNIFICANCE_TEST,
        "barcode": _SWEEP_BARCODE,
        "sweep_seconds": round(seconds, 1),
    }


def _sweep_files(analysed, layouts):
    files = {"diagrams.npz": _npz_bytes([r.diagram for r in analysed],
                                        [r.row["name"] for r in analysed])}
    for r in analysed:
        stem = f"mapper/layer{r.row['layer']:02d}"
        title = (f"{r.label}: Mapper({r.row['resolution']}, {r.row['gain']:g}) of "
                 f"{r.row['n_analysed']} points. Barcode: {r.row['verdict']} "
                 f"(p = {r.row['pvalue_h1']:.2g})")
        files[f"{stem}.html"] = _page(r.graph, title, r.kernel, layouts[r.row["layer"]])
        files[f"{stem}.json"] = json.dumps(mapper_graph_data(r.graph))
    return files
