"""`sktopo analyze`: the topology of one conv layer of a user's own checkpoints or weight files."""

from pathlib import Path

import pandas as pd

from ..filters import extract_spatial_filters
from ..pipeline import fit_topology
from ._result import ExperimentResult


def analyze_weights(
    paths,
    *,
    layer=1,
    k=15,
    p=0.3,
    layout=None,
    kernel_size=(3, 3),
    n_landmarks=100,
    resolution=30,
    gain=3.0,
    random_state=0,
    verbose=0,
):
    """Barcodes and Mapper of one conv layer pooled over checkpoints or weight files.

    Parameters
    ----------
    paths : str, Path, network, or list of these
        Sources of :func:`~sktopo.filters.extract_spatial_filters` (pooled into one cloud).
    layer : int or str, default=1
        1-based conv index or layer name.
    k, p : int, float
        Density filtration :math:`\\rho(k, p)` after mean-centring and normalisation.
    layout : {None, "torch", "keras"}, default=None
        Kernel layout of arrays in the files.
    kernel_size : tuple or None, default=(3, 3)
        Required kernel size.
    n_landmarks : int or float, default=100
        Max-min landmarks of the witness barcode, or a fraction of the filtered cloud.
    resolution, gain : int, float
        ``Mapper(resolution, gain)``.
    random_state : int, default=0
        Seed.
    verbose : int, default=0
        Progress bars when positive.

    Returns
    -------
    ExperimentResult
        ``table`` has one row of features; figures ``barcode`` and ``mapper``; ``mapper.html``.
    """
    sources = list(paths) if isinstance(paths, (list, tuple)) else [paths]
    filters, provenance = extract_spatial_filters(
        sources, layer, kernel_size=kernel_size, layout=layout, return_provenance=True
    )
    _, (topo,) = fit_topology(
        [filters], k=k, p=p, n_landmarks=n_landmarks, mapper=True, resolution=resolution,
        gain=gain, random_state=random_state, verbose=verbose,
    )
    layer_name = provenance["layer"].iloc[0]
    names = [str(Path(s)) if isinstance(s, (str, Path)) else type(s).__name__ for s in sources]
    settings = topo.settings
    title = f"{layer_name}: rho({settings['k_used']}, {p}) of {len(filters)} filters"
    row = {"layer": layer_name, "n_filters": len(filters), "n_dead": topo.n_dead,
           "n_analysed": len(topo.kept), **topo.features}
    kept = provenance.iloc[topo.kept].reset_index(drop=True)
    summary = {
        "layer": layer_name,
        "n_filters": len(filters),
        "n_dead": topo.n_dead,
        "n_analysed": len(topo.kept),
        "max_h1_lifetime": topo.features["max_lifetime_h1"],
        "n_long_h1_bars": int(topo.features["n_significant_h1"]),
        "long_bar_threshold": settings["long_bar_threshold"],
        "long_bar_barcode": settings["long_bar_barcode"],
        "mapper_nerve_betti1": topo.features["nerve_betti1"],
    }
    return ExperimentResult(
        name="analyze",
        table=pd.DataFrame([row]),
        figures={"barcode": topo.barcode_figure(title), "mapper": topo.mapper_figure(title)},
        settings={"sources": names, "layer": layer, "layout": layout, **settings,
                  "random_state": random_state},
        summary=summary,
        extra_files={"mapper.html": topo.mapper_page(title),
                     "kept_filters.csv": kept.to_csv(index=False)},
    )
