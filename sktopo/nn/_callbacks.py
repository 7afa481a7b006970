"""The skorch callbacks of sktopo: the iteration counter and limit, input and divergence
checks, seeds, weight snapshots, accuracy records and the topology monitor."""

import numbers
import time
from collections import OrderedDict

import numpy as np
import torch
from skorch import NeuralNet
from skorch.callbacks import Callback

from .._compat import validate_params
from ..significance import READOUT_COLUMNS
from ._evaluation import accuracy_unchecked
from ._images import check_images
from ._snapshots import save_snapshots


class InputCheck(Callback):
    """Check images, labels and callback monitors when training starts, with errors that say
    what to fix."""

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        check_validation_monitors(net)
        if X is None or isinstance(X, torch.utils.data.Dataset):
            return
        n_classes = getattr(net.module_, "n_classes", None)
        check_images(X, y, n_classes=n_classes)


@validate_params({"net": [NeuralNet]}, prefer_skip_nested_validation=True)
def training_iteration(net):
    """Batch iterations trained so far, as recorded by :class:`IterationCounter` (0 before any).

    The one iteration counter every sktopo callback reads, so snapshots, accuracy records and
    the stop at ``max_iter`` always agree on "iteration k".

    Parameters
    ----------
    net : skorch.NeuralNet
        The net being trained.

    Returns
    -------
    iteration : int
        Batch iterations so far.
    """
    return iteration_unchecked(net)


def iteration_unchecked(net):
    """:func:`training_iteration` unchecked: the callbacks read it every batch."""
    try:
        return int(net.history[-1, "batches", -1, "iteration"])
    except (IndexError, KeyError):
        return 0


class IterationCounter(Callback):
    """Count training batch iterations and record the count in ``net.history``.

    Each training batch gets an ``"iteration"`` entry (1, 2, ...), so the count travels with the
    history and :func:`training_iteration` reads it in O(1). The count restarts when the net is
    (re)initialised, so ``fit`` counts from 1 each time; ``partial_fit`` continues. It must come
    before every callback that reads it (:func:`make_net` puts it first).
    """

    # State ends in "_": skorch takes every other attribute of a callback for a parameter.
    def initialize(self):
        self.n_iter_ = 0
        return self

    def on_batch_end(self, net, training=False, **kwargs):
        if training:
            self.n_iter_ += 1
            net.history.record_batch("iteration", self.n_iter_)


class DivergenceCheck(Callback):
    """Stop training with a clear error when the loss or the weights stop being finite.

    A diverged run would otherwise go on to its last iteration and leave NaN weights behind,
    which every later step (filters, barcodes) would reject far from the cause.
    """

    def on_batch_end(self, net, training=False, **kwargs):
        if not training:
            return
        loss = net.history[-1, "batches", -1, "train_loss"]
        if not np.isfinite(loss):
            raise FloatingPointError(
                f"Training diverged at iteration {iteration_unchecked(net)}: the loss is {loss}. "
                f"{divergence_advice(net.lr)}"
            )

    def on_train_end(self, net, **kwargs):
        bad = [name for name, p in net.module_.named_parameters()
               if not bool(torch.isfinite(p).all())]
        if bad:
            raise FloatingPointError(
                f"Training left non-finite weights in {bad}. {divergence_advice(net.lr)}")


def divergence_advice(lr):
    """What usually makes a run diverge, and what to change."""
    return (f"Lower the learning rate (lr={lr:g}) or rescale the inputs (pixels in [0, 1] or "
            "standardised).")


class _IterationLimitReached(KeyboardInterrupt):
    """How :class:`IterationLimit` ends skorch's loop; skorch ends a fit on KeyboardInterrupt."""


class IterationLimit(Callback):
    """Stop training after ``max_iter`` batch iterations (the paper's unit of training length).

    At the limit the current epoch is closed as skorch would close it (the validation pass when
    the net has a validation split, then every callback's ``on_epoch_end``), so epoch-level
    scores, ``EarlyStopping`` and a ``Checkpoint`` see the final weights; then the loop ends.
    The count is :func:`training_iteration`, so ``fit`` trains ``max_iter`` iterations each
    time and ``partial_fit`` continues the count. Put it after every callback that acts on batch
    ends (:func:`make_net` does).

    Parameters
    ----------
    max_iter : int or None, default=None
        Training batches before stopping; ``None`` never stops.

    Attributes
    ----------
    n_iter_ : int
        Training batches seen since the last initialisation.
    reached_ : bool
        Whether the last training call stopped at ``max_iter``.
    """

    def __init__(self, max_iter=None):
        self.max_iter = max_iter

    def initialize(self):
        if self.max_iter is not None and (
            not isinstance(self.max_iter, numbers.Integral) or isinstance(self.max_iter, bool)
            or self.max_iter < 1
        ):
            raise ValueError(f"max_iter must be a positive int or None; got {self.max_iter!r}.")
        self.n_iter_ = 0
        self.reached_ = False
        return self

    def on_epoch_begin(self, net, dataset_train=None, dataset_valid=None, **kwargs):
        self.epoch_kwargs_ = {"dataset_train": dataset_train, "dataset_valid": dataset_valid}

    def on_batch_end(self, net, training=False, **kwargs):
        if not training:
            return
        self.n_iter_ = iteration_unchecked(net) or self.n_iter_ + 1
        if self.max_iter is not None and self.n_iter_ >= self.max_iter:
            self.reached_ = True
            self._close_epoch(net)
            raise _IterationLimitReached

    def _close_epoch(self, net):
        dataset_valid = self.epoch_kwargs_.get("dataset_valid")
        if dataset_valid is not None:
            net.run_single_epoch(net.get_iterator(dataset_valid, training=False), training=False,
                                 prefix="valid", step_fn=net.validation_step)
        net.notify("on_epoch_end", **self.epoch_kwargs_)


def check_validation_monitors(net):
    """Refuse callbacks that monitor validation scores on a net without a validation split.

    skorch's ``EarlyStopping`` and ``Checkpoint`` read ``valid_loss`` by default; with
    ``train_split=None`` (:func:`make_net`'s default) no such score exists and they would fail
    deep inside training with a bare ``KeyError``.
    """
    if net.train_split is not None:
        return
    for name, cb in net.callbacks or []:
        monitor = getattr(cb, "monitor", None)
        if isinstance(monitor, str) and monitor.startswith("valid"):
            raise ValueError(
                f"Callback {name!r} monitors {monitor!r}, but the net has no validation split "
                "(train_split=None). Pass train_split=skorch.dataset.ValidSplit(0.1) to make_net, "
                "or monitor a training score such as 'train_loss'."
            )


class TorchSeed(Callback):
    """Seed torch's global generator when training starts, so shuffling, dropout and random
    crops repeat for a given seed.

    The ``k``-th training call after initialisation uses ``random_state + k``, so warm-started
    calls do not replay the same batches. Seeding is process-wide: run nets that need
    reproducibility in separate processes (joblib's default backend does), not in threads.

    Parameters
    ----------
    random_state : int or None, default=None
        ``None`` leaves the generator alone.
    """

    def __init__(self, random_state=None):
        self.random_state = random_state

    def initialize(self):
        self.n_calls_ = 0
        return self

    def on_train_begin(self, net, **kwargs):
        if self.random_state is not None:
            torch.manual_seed(int(self.random_state) + self.n_calls_)
        self.n_calls_ += 1


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
    load_snapshots : Read the file written at ``path``.
    snapshot_clouds : One layer's filter cloud at every snapshot.
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
        self.n_iter_ = iteration_unchecked(net) or self.n_iter_ + 1
        if self._due():
            self._record(net)
            net.history.record_batch("snapshot_valid_acc", self.valid_acc_[self.n_iter_])

    def on_train_end(self, net, **kwargs):
        if self.path is not None:
            save_snapshots(self.path, self.snapshots_, self.valid_acc_)


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
        self.n_iter_ = iteration_unchecked(net) or self.n_iter_ + 1
        if self.n_iter_ % self.every_ == 0:
            self.iterations_.append(self.n_iter_)
            self.accuracies_.append(self._valid_acc(net))
            net.history.record_batch(self.name, self.accuracies_[-1])


#: Readout columns written into the net's history at every record.
_RECORDED = ("pvalue_h1", "n_significant_h1", "rips_lifetime_h1")


class TopologyMonitor(Callback):
    """Record the topology of a conv layer's filters every ``every`` batch iterations.

    At iterations ``every, 2 * every, ...`` the layer's spatial filters go through the topology
    Pipeline (:func:`sktopo.pipeline.make_topology_pipeline`: normalise and drop dead filters,
    :math:`\\rho(k, p)`, barcode) and the lifetime of the longest H1 bar is written into the
    history, in that batch (``"max_lifetime_h1"``) and, at the end of each epoch, the latest
    value at the epoch level, where skorch's ``EarlyStopping(monitor="max_lifetime_h1",
    lower_is_better=False)`` reads it. With ``model`` set, the mean distance of the normalised
    filters to that idealised model (:func:`sktopo.filters.distance_to_model`) is recorded too
    (``"distance_to_<model>"``). With ``significance=True`` (the default) the significance
    readout is recorded beside it (:mod:`sktopo.significance`): ``"pvalue_h1"``,
    ``"n_significant_h1"`` and ``"rips_lifetime_h1"`` (exact Rips at a fixed subsample size,
    comparable across layers of different widths, unlike the witness lifetime).

    Cost: one witness barcode of the layer per record, about 10-50 ms for a first layer of 64 to
    2,000 filters on a laptop CPU (``monitor_seconds_`` holds the time spent), so every 50
    iterations costs a few per cent of training a small net.

    Parameters
    ----------
    layer : int or str, default=1
        Conv layer: 1-based index or module name.
    every : int, default=50
        Record every this many batch iterations (the net's one iteration counter).
    k, p : int or float, float, default=0.1, 1.0
        Density filtration :math:`\\rho(k, p)`. By default every live filter is kept: a first
        layer of a few dozen filters filtered further breaks its circle into arcs. For layers
        of thousands of filters, keep the densest part (e.g. ``p=0.3``); ``k`` is a fraction of
        the live filters, so it fits any width.
    n_landmarks : int or float, default=0.5
        Landmarks of the witness barcode, a fraction of the filtered cloud by default.
    backend : {"witness", "landmark_rips", "exact"}, default="witness"
        Persistence backend.
    model : {"primary_circle", "klein_bottle"} or None, default="primary_circle"
        Idealised model whose distance is recorded; None records none.
    significance : bool, default=True
        Record the significance readout too (a few exact Rips barcodes of at most 300 points:
        tens of milliseconds for a first layer).

    Attributes
    ----------
    iterations_ : list of int
        Iterations at which values were recorded.
    max_lifetime_h1_ : list of float
        The recorded lifetimes.
    distance_ : list of float
        The recorded distances to ``model`` (empty when ``model`` is None).
    readouts_ : list of dict
        The recorded significance readouts (``pvalue_h1``, ``n_significant_h1``,
        ``rips_lifetime_h1``, ...; empty when ``significance`` is False).
    monitor_seconds_ : float
        Time spent computing the records.

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo.nn import TopologyMonitor, make_net
    >>> rng = np.random.default_rng(0)
    >>> X, y = rng.random((64, 1, 12, 12), dtype=np.float32), np.arange(64) % 10
    >>> monitor = TopologyMonitor(every=2)
    >>> net = make_net("M", (32, 0, 8), max_iter=4, batch_size=16, random_state=0,
    ...                callbacks=[("topology", monitor)]).fit(X, y)
    >>> monitor.iterations_
    [2, 4]
    """

    def __init__(self, layer=1, every=50, k=0.1, p=1.0, n_landmarks=0.5, backend="witness",
                 model="primary_circle", significance=True):
        self.layer = layer
        self.every = every
        self.k = k
        self.p = p
        self.n_landmarks = n_landmarks
        self.backend = backend
        self.model = model
        self.significance = significance

    def initialize(self):
        from ..pipeline import make_topology_pipeline

        if isinstance(self.every, bool) or not isinstance(self.every, int) or self.every < 1:
            raise ValueError(
                f"every must be a positive int (batch iterations); got {self.every!r}.")
        if self.model not in (None, "primary_circle", "klein_bottle"):
            raise ValueError(
                f"model must be 'primary_circle', 'klein_bottle' or None; got {self.model!r}.")
        # Built here so a bad k, p or backend fails before training, with the pipeline's message.
        self.pipeline_ = make_topology_pipeline(
            k=self.k, p=self.p, n_landmarks=self.n_landmarks, backend=self.backend,
            features=["max_lifetime"], homology_dimensions=[1], random_state=0,
            significance=bool(self.significance),
        ).set_output(transform="pandas")
        self.iterations_, self.max_lifetime_h1_, self.distance_ = [], [], []
        self.readouts_ = []
        self.monitor_seconds_ = 0.0
        return self

    def _key(self):
        return f"distance_to_{self.model}"

    def on_batch_end(self, net, training=False, **kwargs):
        if not training:
            return
        iteration = iteration_unchecked(net)
        if iteration % self.every:
            return
        start = time.perf_counter()
        lifetime, readout, distance = self._measure(net)
        self.monitor_seconds_ += time.perf_counter() - start
        self.iterations_.append(iteration)
        self.max_lifetime_h1_.append(lifetime)
        net.history.record_batch("max_lifetime_h1", lifetime)
        if readout:
            self.readouts_.append(readout)
            for key in _RECORDED:
                net.history.record_batch(key, readout[key])
        if distance is not None:
            self.distance_.append(distance)
            net.history.record_batch(self._key(), distance)

    def on_epoch_end(self, net, **kwargs):
        if self.max_lifetime_h1_:
            net.history.record("max_lifetime_h1", self.max_lifetime_h1_[-1])
            for key in _RECORDED if self.readouts_ else ():
                net.history.record(key, self.readouts_[-1][key])
            if self.distance_:
                net.history.record(self._key(), self.distance_[-1])

    def _measure(self, net):
        from ..filters import extract_spatial_filters

        filters = extract_spatial_filters(net.module_, self.layer, kernel_size=None)
        row = self.pipeline_.fit_transform([filters]).iloc[0]
        lifetime = float(row["max_lifetime_h1"])
        readout = ({name: float(row[name]) for name in READOUT_COLUMNS}
                   if self.significance else {})
        if self.model is None:
            return lifetime, readout, None
        from ..filters import distance_to_model

        distance = float(np.mean(distance_to_model(filters, model=self.model)))
        return lifetime, readout, distance
