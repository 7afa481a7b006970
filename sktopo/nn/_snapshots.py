"""Weight snapshots as npz files and as clouds over iterations; iterations to an accuracy."""

import os
from collections import OrderedDict
from pathlib import Path

import numpy as np

from .._compat import HasMethods, Integral, Real, validate_params
from .._io import atomic_savez
from .._validation import PATH, Number, check_values
from ..filters import KERNEL_SIZE

_SEP = "@"


@validate_params({"path": PATH, "snapshots": [dict], "valid_acc": [dict, None]},
                 prefer_skip_nested_validation=True)
def save_snapshots(path, snapshots, valid_acc=None):
    """Write ``{iteration: {"<layer>.weight": array}}`` (and accuracies) to one npz, atomically.

    Keys are ``"<layer>.weight@<iteration>"`` and ``"valid_acc@<iteration>"``: plain arrays, no
    pickles, so the file loads with ``allow_pickle=False``.

    Parameters
    ----------
    path : str or Path
        The file written, as given (no suffix is added).
    snapshots : dict of int to dict of str to array-like
        Weights by iteration, as :attr:`WeightSnapshots.snapshots_` holds them.
    valid_acc : dict of int to float or None, default=None
        Validation accuracy by iteration; iterations without a snapshot are left out.

    Returns
    -------
    path : Path
        The file written.
    """
    arrays = {}
    for it, state in snapshots.items():
        for key, arr in state.items():
            arrays[f"{key}{_SEP}{int(it)}"] = np.asarray(arr)
        if valid_acc is not None and it in valid_acc:
            arrays[f"valid_acc{_SEP}{int(it)}"] = np.asarray(valid_acc[it], dtype=np.float64)
    atomic_savez(path, arrays)
    return Path(path)


@validate_params({"path": [*PATH, HasMethods(["read", "seek"])], "return_accuracy": ["boolean"]},
                 prefer_skip_nested_validation=True)
def load_snapshots(path, *, return_accuracy=False):
    """Read a snapshot npz back as ``{iteration: {"<layer>.weight": array}}``, sorted by iteration.

    Parameters
    ----------
    path : str or Path
        File written by :class:`WeightSnapshots` or :func:`save_snapshots`.
    return_accuracy : bool, default=False
        Also return ``{iteration: validation accuracy}``.

    Returns
    -------
    snapshots : dict of int to dict of str to ndarray
        Each value works as a source for :func:`sktopo.filters.extract_spatial_filters`.
    valid_acc : dict of int to float
        Only when ``return_accuracy=True``.
    """
    snaps, acc = {}, {}
    with np.load(path, allow_pickle=False) as data:
        for key in data.files:
            name, sep, it = key.rpartition(_SEP)
            if not sep or not it.isdigit():
                raise ValueError(f"{path} is not a snapshot file (key {key!r}).")
            if name == "valid_acc":
                acc[int(it)] = float(data[key])
            else:
                snaps.setdefault(int(it), OrderedDict())[name] = data[key]
    snaps = OrderedDict(sorted(snaps.items()))
    if return_accuracy:
        return snaps, OrderedDict(sorted(acc.items()))
    return snaps


@validate_params({"snapshots": [dict, list, *PATH],
                  "layer": [Number(Integral, 1, None, closed="left"), str],
                  "kernel_size": KERNEL_SIZE}, prefer_skip_nested_validation=True)
def snapshot_clouds(snapshots, layer=1, *, kernel_size=(3, 3)):
    """The spatial-filter cloud of one layer at every snapshot: a collection over iterations.

    Parameters
    ----------
    snapshots : dict, str or Path, or list of these
        Snapshots (from :attr:`WeightSnapshots.snapshots_`, :func:`load_snapshots` or a file). A
        list of runs pools, at each iteration they share, the layer over all runs (the paper's
        ``N x`` notation).
    layer : int or str, default=1
        1-based conv index or layer name (``"features.conv1"``).
    kernel_size : tuple of int or None, default=(3, 3)
        Required kernel size.

    Returns
    -------
    iterations : list of int
    clouds : list of ndarray of shape (n_filters, kh * kw)
        Ready for the collection-level estimators (``DensityFiltration``, persistence).
    """
    from ..filters import extract_spatial_filters

    runs = snapshots if isinstance(snapshots, list) else [snapshots]
    runs = [load_snapshots(r) if isinstance(r, (str, os.PathLike)) else r for r in runs]
    common = sorted(set.intersection(*(set(r) for r in runs)))
    if not common:
        raise ValueError("The runs given share no snapshot iteration.")
    clouds = [
        extract_spatial_filters([r[it] for r in runs], layer, kernel_size=kernel_size)
        for it in common
    ]
    return common, clouds


@validate_params({"iterations": ["array-like"], "accuracies": ["array-like"],
                  "thresholds": [Real, "array-like"]}, prefer_skip_nested_validation=True)
def iterations_to_accuracy(iterations, accuracies, thresholds):
    """First batch iteration at which the accuracy reaches each threshold.

    Parameters
    ----------
    iterations : array-like of int
        Increasing iterations (e.g. :attr:`AccuracyRecorder.iterations_`).
    accuracies : array-like of float
        Accuracy at each iteration.
    thresholds : float or array-like of float
        Accuracies to reach.

    Returns
    -------
    first : dict of float to int or None
        ``None`` where a threshold is never reached.

    Examples
    --------
    >>> from sktopo.nn import iterations_to_accuracy
    >>> iterations_to_accuracy([100, 200, 300], [0.5, 0.8, 0.9], [0.6, 0.9, 0.95])
    {0.6: 200, 0.9: 300, 0.95: None}
    """
    its = check_values(iterations, name="iterations")
    acc = check_values(accuracies, name="accuracies")
    thresholds = check_values(thresholds, name="thresholds")
    if its.shape != acc.shape or its.ndim != 1:
        raise ValueError("iterations and accuracies must be 1-D arrays of the same length.")
    out = {}
    for t in np.atleast_1d(thresholds):
        hit = np.flatnonzero(acc >= t)
        out[float(t)] = int(its[hit[0]]) if hit.size else None
    return out
