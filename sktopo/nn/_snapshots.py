"""Weights and validation accuracy during training: snapshot callbacks and their npz files."""

import numbers
import os
from collections import OrderedDict
from pathlib import Path

import numpy as np
import torch
from skorch.callbacks import Callback

from .._compat import validate_params
from .._io import atomic_savez
from .._validation import COUNT, check_values
from ._training import check_images, training_iteration

_SEP = "@"


@validate_params({"module": [torch.nn.Module], "X": "no_validation", "y": "no_validation",
                  "batch_size": COUNT}, prefer_skip_nested_validation=True)
def evaluate_accuracy(module, X, y, *, batch_size=1024, device=None):
    """Accuracy of ``module`` (logits out) on ``X``, ``y`` in eval mode; training mode restored."""
    X, y = check_images(X, y, n_classes=getattr(module, "n_classes", None))
    return accuracy_unchecked(module, X, y, batch_size, device)


def accuracy_unchecked(module, X, y, batch_size=1024, device=None):
    """:func:`evaluate_accuracy` on inputs already checked (snapshots score many times)."""
    was_training = module.training
    module.eval()
    if device is None:
        device = next(module.parameters()).device
    correct = 0
    with torch.no_grad():
        for start in range(0, len(X), batch_size):
            xb = torch.as_tensor(X[start:start + batch_size], device=device)
            yb = torch.as_tensor(y[start:start + batch_size], device=device)
            correct += int((module(xb).argmax(1) == yb).sum())
    module.train(was_training)
    return correct / len(X)


def iteration_schedule(iterations, name="iterations"):
    """``int k`` -> every k iterations; a sequence -> those iterations."""
    if isinstance(iterations, numbers.Integral) and not isinstance(iterations, bool):
        if iterations < 1:
            raise ValueError(f"{name} as an int means 'every k iterations' and must be >= 1.")
        return int(iterations), frozenset()
    try:
        its = sorted({int(i) for i in iterations})
    except TypeError as exc:
        raise TypeError(f"{name} must be an int (every k iterations) or a list of ints.") from exc
    if its and its[0] < 0:
        raise ValueError(f"{name} must be >= 0 (0 is the initial state); got {its[0]}.")
    return None, frozenset(its)


class _ValidationMixin:
    def _setup_validation(self):
        self.X_valid_ = self.y_valid_ = None
        if self.X_valid is not None:
            if self.y_valid is None:
                raise ValueError("X_valid is given without y_valid.")
            self.X_valid_, self.y_valid_ = check_images(self.X_valid, self.y_valid, name="X_valid")
            if not isinstance(self.X_valid_, torch.Tensor):
                self.X_valid_ = torch.as_tensor(self.X_valid_)
            self.y_valid_ = torch.as_tensor(self.y_valid_)

    def _check_valid_labels(self, net):
        # Out-of-range labels would score as wrong answers: an accuracy of 0.0, not an error.
        if self.y_valid_ is not None:
            check_images(self.X_valid_, self.y_valid_, name="X_valid",
                         n_classes=getattr(net.module_, "n_classes", None))

    def _valid_acc(self, net):
        if self.X_valid_ is not None:
            return accuracy_unchecked(net.module_, self.X_valid_, self.y_valid_, device=net.device)
        # Fall back on skorch's epoch-level validation when a train_split is in use.
        for row in reversed(net.history):
            if "valid_acc" in row:
                return float(row["valid_acc"])
        return float("nan")


class WeightSnapshots(_ValidationMixin, Callback):
    """Record conv weights (and validation accuracy) at chosen batch iterations.

    Iterations are those of :func:`training_iteration`, the net's one counter; the validation
    accuracy of each snapshot is also written into the history (``"snapshot_valid_acc"`` in the
    batch where it was taken).

    Each snapshot is a dict ``{"<layer>.weight": 4-D array}``, the state-dict naming that
    :func:`sktopo.filters.extract_spatial_filters` reads, so one snapshot is one network source
    and a run is a collection over iterations (:func:`snapshot_clouds`).

    Parameters
    ----------
    iterations : int or list of int, default=1000
        An int ``k`` snapshots every ``k`` batch iterations; a list names the iterations (0 is the
        initial state).
    layers : list of str or None, default=None
        Module names of the conv layers to keep (e.g. ``"features.conv1"``); ``None`` keeps every
        ``Conv2d``.
    path : str, Path or None, default=None
        Where to write all snapshots as one npz when training ends (atomically).
    X_valid, y_valid : array-like or None, default=None
        Validation images and labels, scored at every snapshot. Without them the last epoch's
        ``valid_acc`` in the history is used (NaN if none).

    Attributes
    ----------
    snapshots_ : dict of int to dict of str to ndarray
        Iteration -> ``{"<layer>.weight": array}``.
    valid_acc_ : dict of int to float
        Iteration -> validation accuracy.

    See Also
    --------
    load_snapshots, snapshot_clouds
    """

    def __init__(self, iterations=1000, layers=None, path=None, X_valid=None, y_valid=None):
        self.iterations = iterations
        self.layers = layers
        self.path = path
        self.X_valid = X_valid
        self.y_valid = y_valid

    def initialize(self):
        self.every_, self.at_ = iteration_schedule(self.iterations)
        self._setup_validation()
        self.n_iter_ = 0
        self.snapshots_ = OrderedDict()
        self.valid_acc_ = OrderedDict()
        return self

    def _convs(self, net):
        convs = OrderedDict(
            (name, m) for name, m in net.module_.named_modules()
            if isinstance(m, torch.nn.Conv2d)
        )
        if self.layers is None:
            return convs
        missing = [name for name in self.layers if name not in convs]
        if missing:
            raise ValueError(
                f"No conv layer(s) {missing} in the network; conv layers: {list(convs)}.")
        return OrderedDict((name, convs[name]) for name in self.layers)

    def _record(self, net):
        self.snapshots_[self.n_iter_] = OrderedDict(
            (f"{name}.weight", m.weight.detach().cpu().numpy().copy())
            for name, m in self._convs(net).items()
        )
        self.valid_acc_[self.n_iter_] = self._valid_acc(net)

    def _due(self):
        if self.every_ is not None:
            return self.n_iter_ % self.every_ == 0
        return self.n_iter_ in self.at_

    def on_train_begin(self, net, **kwargs):
        self._check_valid_labels(net)
        if self.n_iter_ == 0 and self.every_ is None and 0 in self.at_:
            self._record(net)

    def on_batch_end(self, net, training=False, **kwargs):
        if not training:
            return
        self.n_iter_ = training_iteration(net) or self.n_iter_ + 1
        if self._due():
            self._record(net)
            net.history.record_batch("snapshot_valid_acc", self.valid_acc_[self.n_iter_])

    def on_train_end(self, net, **kwargs):
        if self.path is not None:
            save_snapshots(self.path, self.snapshots_, self.valid_acc_)


def save_snapshots(path, snapshots, valid_acc=None):
    """Write ``{iteration: {"<layer>.weight": array}}`` (and accuracies) to one npz, atomically.

    Keys are ``"<layer>.weight@<iteration>"`` and ``"valid_acc@<iteration>"``: plain arrays, no
    pickles, so the file loads with ``allow_pickle=False``.
    """
    arrays = {}
    for it, state in snapshots.items():
        for key, arr in state.items():
            arrays[f"{key}{_SEP}{int(it)}"] = np.asarray(arr)
        if valid_acc is not None and it in valid_acc:
            arrays[f"valid_acc{_SEP}{int(it)}"] = np.asarray(valid_acc[it], dtype=np.float64)
    atomic_savez(path, arrays)
    return Path(path)


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


class AccuracyRecorder(_ValidationMixin, Callback):
    """Record validation accuracy every ``every`` batch iterations.

    With :func:`iterations_to_accuracy` this gives the batch iterations a net needs to reach
    given accuracies, the measure behind the paper's training speed-ups from topological priors.
    Each value is also written into the history (``name``, ``"valid_acc"`` by default, in the
    batch where it was measured), counted by :func:`training_iteration`.

    Parameters
    ----------
    X_valid, y_valid : array-like
        Validation images and labels.
    every : int, default=100
        Evaluation period in batch iterations.
    name : str, default="valid_acc"
        Key of the records in ``net.history`` (two recorders on two data sets need two).

    Attributes
    ----------
    iterations_ : list of int
    accuracies_ : list of float
    """

    def __init__(self, X_valid=None, y_valid=None, every=100, name="valid_acc"):
        self.X_valid = X_valid
        self.y_valid = y_valid
        self.every = every
        self.name = name

    def initialize(self):
        self.every_, _ = iteration_schedule(self.every, name="every")
        if self.every_ is None:
            raise ValueError("every must be an int (the evaluation period in batch iterations).")
        if self.X_valid is None:
            raise ValueError("AccuracyRecorder needs X_valid and y_valid.")
        self._setup_validation()
        self.n_iter_ = 0
        self.iterations_ = []
        self.accuracies_ = []
        return self

    def on_train_begin(self, net, **kwargs):
        self._check_valid_labels(net)

    def on_batch_end(self, net, training=False, **kwargs):
        if not training:
            return
        self.n_iter_ = training_iteration(net) or self.n_iter_ + 1
        if self.n_iter_ % self.every_ == 0:
            self.iterations_.append(self.n_iter_)
            self.accuracies_.append(self._valid_acc(net))
            net.history.record_batch(self.name, self.accuracies_[-1])


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
