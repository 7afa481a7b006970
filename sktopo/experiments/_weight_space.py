"""Shared pieces of the weight-space experiments (Section V): training pools and cloud analysis.

The experiments themselves live in :mod:`._mnist_cifar` (Figs. 2-4, 6-8), :mod:`._dynamics`
(Figs. 5, 9) and :mod:`._vgg` (Figs. 10, 11); their presets are typed in :mod:`._presets`, their
images come from :mod:`._data` and their networks are kept where :mod:`._runs` says.
"""

import math

import numpy as np
import pandas as pd

from .._progress import progress
from ..pipeline import fit_topology
from ..significance import READOUT_COLUMNS, caveats
from ..sizes import fitted_sizes, scaled_k

#: Feature columns copied from a :class:`~sktopo.pipeline.CloudView`'s features into the tables.
FEATURE_COLUMNS = (
    *READOUT_COLUMNS, "max_lifetime_h1", "lifetime_2_h1", "lifetime_3_h1",
    "max_lifetime_h0", "nerve_betti1", "graph_cycle_rank", "n_nodes", "n_components",
)


def at_most(value, limit):
    """``value`` capped by ``limit``; a limit of None means no cap (the paper's value)."""
    return value if limit is None else min(value, limit)


def train_pool(config, n_networks, data, *, folder=None, random_state=0, n_jobs=None,
               batched=False, verbose=0):
    """Train ``n_networks`` nets of one :func:`~sktopo.nn.make_net` config on ``data`` (a Bunch
    of :func:`~sktopo.datasets.load_train_test`); finished nets are kept in ``folder``."""
    from ..nn import train_many

    return train_many(
        config, n_networks, data.X_train, data.y_train, X_valid=data.X_test,
        y_valid=data.y_test, n_jobs=n_jobs, out_dir=folder, random_state=random_state,
        batched=batched, verbose=verbose,
    )


def conv_layer_filters(records, layer):
    """Pool the spatial filters of conv ``layer`` (1-based) over trained-net records."""
    from ..filters import extract_spatial_filters

    return extract_spatial_filters([r["weights"] for r in records], layer)


def network_rows(records, layer, *, k, p, n_landmarks, random_state, verbose=0):
    """One table row per network: seed, accuracy, time, and its own layer's barcode features."""
    rows = []
    for rec in progress(records, verbose=verbose, desc="per-network barcodes"):
        filters = conv_layer_filters([rec], layer)
        row = {
            "network": rec["index"], "seed": rec["seed"], "valid_acc": rec.get("valid_acc"),
            "train_time_s": rec.get("train_time_s"), "n_iter": rec.get("n_iter"),
            "layer": layer, "n_filters": len(filters),
        }
        try:
            k_used, landmarks = fitted_sizes(filters, k, p, n_landmarks)
            _, (view,) = fit_topology([filters], k=k_used, p=p, n_landmarks=landmarks,
                                      random_state=random_state)
            row.update(n_analysed=len(view.kept), k_used=k_used, n_landmarks_used=landmarks,
                       **{c: view.features.get(c) for c in FEATURE_COLUMNS[:5]})
        except ValueError:  # a net whose filters all died: keep its accuracy row
            row.update(n_analysed=0)
        rows.append(row)
    return rows


def fit_cloud_topology(filters, *, k, p, resolution, gain, n_landmarks, random_state,
                       n_paper=None, filtration=True, mapper=True):
    """Fit the topology Pipeline on one pooled cloud and return its
    :class:`~sktopo.pipeline.CloudView`.

    ``k`` is rescaled to the paper's fraction of the cloud (:func:`scaled_k`) and the sizes to
    the cloud's live filters (:func:`fitted_sizes`); ``filtration=False`` keeps every live
    filter, as the paper's unfiltered panels do.
    """
    k_wanted, p_used = (scaled_k(k, len(filters), n_paper), p) if filtration else (5, 1.0)
    k_used, landmarks = fitted_sizes(filters, k_wanted, p_used, n_landmarks)
    _, (view,) = fit_topology(
        [filters], k=k_used, p=p_used, n_landmarks=landmarks, mapper=mapper,
        resolution=resolution, gain=gain, random_state=random_state,
    )
    return view


def topology_row(topo, **extra):
    """A table row: ``extra`` then the cloud sizes, the settings used and the feature columns."""
    row = dict(extra)
    settings = topo.settings
    row.update(
        n_filters=topo.n_input, n_dead=topo.n_dead, n_analysed=len(topo.kept),
        k_used=settings["k_used"], p_used=settings["p"],
        n_landmarks_used=settings["n_landmarks_used"],
        resolution=settings.get("resolution"), gain=settings.get("gain"),
    )
    row.update({c: topo.features.get(c) for c in FEATURE_COLUMNS})
    row["verdict"] = topo.readout.summary()["verdict"] if topo.readout is not None else None
    return row


def headline(topo):
    """Summary numbers of one analysed cloud: the significance readout, then the witness
    barcode and Mapper."""
    f, readout = topo.features, topo.readout
    nerve = f.get("nerve_betti1")
    return {
        **readout.summary(),
        "caveats": caveats(readout, nerve_betti1=None if nerve is None else int(nerve)),
        "max_lifetime_h1": f.get("max_lifetime_h1"),
        "lifetime_2_h1": f.get("lifetime_2_h1"),
        "barcode": topo.settings["barcode"],
        "mapper_nerve_betti1": nerve,
        "n_analysed": len(topo.kept),
    }


def mean_accuracy(records):
    acc = [r.get("valid_acc") for r in records if r.get("valid_acc") is not None]
    return float(np.mean(acc)) if acc else math.nan


def rho_label(k, p, what):
    return what if p >= 1.0 else f"rho({k}, {p:g}, {what})"


def frame(rows):
    table = pd.DataFrame(rows)
    # A "pooled" row has no seed / iteration count; keep those columns integer anyway.
    for col in ("seed", "n_iter"):
        if col in table:
            table[col] = table[col].astype("Int64")
    return table
