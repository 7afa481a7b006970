"""skorch wrappers for the paper's networks: ``make_net``, input checks, seeds, iteration limits."""

import math
import numbers

from numbers import Integral, Real

import numpy as np
import torch
from skorch import NeuralNetClassifier
from skorch.callbacks import Callback

from .._compat import StrOptions, validate_params
from .._validation import Number
from ._modules import ARCHITECTURES

# Training length "forever" when only a batch-iteration limit stops the run.
_UNBOUNDED_EPOCHS = 10**9
_FLOAT32_MAX = float(np.finfo(np.float32).max)


def resolve_device(device="auto"):
    """``"auto"`` -> ``"cuda"`` when a CUDA device is present, else ``"cpu"``; others unchanged.

    Parameters
    ----------
    device : str or torch.device, default="auto"
        The device asked for.

    Returns
    -------
    device : str or torch.device
        The device to use.
    """
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return device


def check_images(X, y=None, *, n_classes=None, name="X"):
    """Check a batch of images (and labels) for training.

    Parameters
    ----------
    X : array-like or Tensor
        Images ``(n, H, W)``, ``(n, C, H, W)`` or flat ``(n, H*W)``, real numbers.
    y : array-like or None, default=None
        Integer labels ``0 .. n_classes - 1``.
    n_classes : int or None, default=None
        Number of classes of the network's output.
    name : str, default="X"
        Name used in error messages.

    Returns
    -------
    X : ndarray or Tensor
        ``X`` as a numpy array (tensors unchanged), float32 when it was not floating point.
    y : ndarray of int64 or None
    """
    if isinstance(X, torch.Tensor):
        arr = X
        dtype_ok = not (arr.is_complex() or arr.dtype == torch.bool)
        finite = bool(torch.isfinite(arr.float()).all()) if dtype_ok else True
    else:
        try:
            arr = np.asarray(X)
        except Exception as exc:  # ragged lists and the like
            raise TypeError(f"{name} must be an array of images; got {type(X).__name__}.") from exc
        dtype_ok = arr.dtype.kind in "uif"
        if dtype_ok and arr.dtype.kind != "f":
            arr = arr.astype(np.float32)
        finite = bool(np.isfinite(arr).all()) if dtype_ok else True
        if finite and dtype_ok and arr.size and np.abs(arr).max() > _FLOAT32_MAX:
            raise ValueError(
                f"{name} has pixel values up to {np.abs(arr).max():.3g}, beyond float32 (the "
                "network's precision), where they become infinite. Rescale the images, e.g. to "
                "[0, 1]."
            )
    if not dtype_ok:
        raise TypeError(
            f"{name} must hold real numbers (int or float pixels); got dtype {arr.dtype}. "
            "Convert with X.astype('float32')."
        )
    if arr.ndim not in (2, 3, 4):
        raise ValueError(
            f"{name} must be images of shape (n, H, W), (n, C, H, W) or flat (n, H*W); got shape "
            f"{tuple(arr.shape)}."
        )
    if arr.shape[0] == 0:
        raise ValueError(f"{name} holds no images.")
    if not finite:
        raise ValueError(f"{name} contains NaN or infinite pixel values.")
    if y is None:
        return arr, None
    y_arr = y.detach().cpu().numpy() if isinstance(y, torch.Tensor) else np.asarray(y)
    if y_arr.ndim != 1 or y_arr.shape[0] != arr.shape[0]:
        raise ValueError(
            f"y must be a 1-D array with one label per image ({arr.shape[0]}); got shape "
            f"{y_arr.shape}."
        )
    if y_arr.dtype.kind == "f":
        if not np.all(np.mod(y_arr, 1) == 0):
            raise TypeError("y must hold integer class labels; got non-integer floats.")
    elif y_arr.dtype.kind not in "iu":
        raise TypeError(
            f"y must hold integer class labels 0..n_classes-1; got dtype {y_arr.dtype}. Encode "
            "string labels with sklearn.preprocessing.LabelEncoder first."
        )
    y_arr = y_arr.astype(np.int64)
    if n_classes is None and y_arr.min() < 0:
        raise ValueError(f"y must hold class indices 0, 1, ...; got the label {y_arr.min()}.")
    if n_classes is not None and (y_arr.min() < 0 or y_arr.max() >= n_classes):
        raise ValueError(
            f"y must hold labels in 0..{n_classes - 1} for a {n_classes}-way network; got labels "
            f"in {y_arr.min()}..{y_arr.max()}. Re-encode them or set module__n_classes."
        )
    return arr, y_arr


class BatchLoader(torch.utils.data.DataLoader):
    """A DataLoader that fetches each batch with one fancy-indexing call.

    skorch's datasets index arrays with lists of indices, so a batch sampler skips the
    per-image ``__getitem__`` and collate of the default loader, most of skorch's overhead on
    small images. Accepts the DataLoader arguments skorch passes (``batch_size``, ``shuffle``).

    Parameters
    ----------
    dataset : torch.utils.data.Dataset
        A dataset indexable by a list of indices (skorch's datasets are).
    batch_size : int, default=1
        Images per batch.
    shuffle : bool, default=False
        Draw the batches in random order.
    drop_last : bool, default=False
        Drop the last, incomplete batch.
    generator : torch.Generator or None, default=None
        Source of the shuffling.
    **kwargs
        Other :class:`torch.utils.data.DataLoader` arguments (``num_workers``, ...).
    """

    def __init__(self, dataset, batch_size=1, shuffle=False, drop_last=False, generator=None,
                 **kwargs):
        base = (torch.utils.data.RandomSampler(dataset, generator=generator) if shuffle
                else torch.utils.data.SequentialSampler(dataset))
        sampler = torch.utils.data.BatchSampler(base, batch_size, drop_last)
        super().__init__(dataset, sampler=sampler, batch_size=None, **kwargs)


class CrossEntropy(torch.nn.CrossEntropyLoss):
    """Cross-entropy that accepts any integer label dtype (int32 labels included)."""

    def forward(self, input, target):
        return super().forward(input, target.long())


class InputCheck(Callback):
    """Check images, labels and callback monitors when training starts, with errors that say
    what to fix."""

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        check_validation_monitors(net)
        if X is None or isinstance(X, torch.utils.data.Dataset):
            return
        n_classes = getattr(net.module_, "n_classes", None)
        check_images(X, y, n_classes=n_classes)


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
    if not hasattr(net, "history"):
        raise TypeError(f"net must be a skorch net; got {type(net).__name__}.")
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
                f"Training diverged at iteration {training_iteration(net)}: the loss is {loss}. "
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
        self.n_iter_ = training_iteration(net) or self.n_iter_ + 1
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


def check_sizes(sizes):
    """``(X, Y, Z)`` as a tuple of three non-negative ints, or an error that shows the form."""
    try:
        sizes = tuple(sizes)
    except TypeError:
        sizes = None
    if sizes is None or len(sizes) != 3 or not all(
            isinstance(v, (int, np.integer)) and not isinstance(v, bool) and v >= 0
            for v in sizes):
        raise ValueError(
            "sizes must be (X, Y, Z): conv depths and dense width, non-negative ints, 0 removing "
            f"a block, e.g. (64, 32, 64); got {sizes!r}."
        )
    return tuple(int(v) for v in sizes)


#: The paper's training settings per network family: Adam at 1e-3 for the MNIST nets M
#: (Table I); SGD at 0.1 with an L2 weight loss of 0.004 on the dense layers for the CIFAR nets C
#: (Table II, as in TensorFlow's CIFAR-10 tutorial).
FAMILY_DEFAULTS = {
    "M": {"optimizer": torch.optim.Adam, "lr": 1e-3, "weight_decay": 0.0},
    "C": {"optimizer": torch.optim.SGD, "lr": 0.1, "weight_decay": 0.004},
}


def architecture(arch):
    """The module class of ``arch``: ``"M"``, ``"C"`` or a torch module class itself."""
    if isinstance(arch, str) and arch in ARCHITECTURES:
        return ARCHITECTURES[arch]
    if _is_module_class(arch):
        return arch
    raise ValueError(f"arch must be 'M', 'C' or a torch module class; got {arch!r}.")


def _is_module_class(value):
    return isinstance(value, type) and issubclass(value, torch.nn.Module)


_ARCH = [StrOptions(set(ARCHITECTURES)), callable]


@validate_params({"arch": _ARCH}, prefer_skip_nested_validation=True)
def family_defaults(arch):
    """Optimizer, learning rate and weight decay the paper used for ``arch``'s family.

    A module class states its family in a ``kind`` attribute (``"M"`` when absent).

    Parameters
    ----------
    arch : {"M", "C"} or torch module class
        The architecture.

    Returns
    -------
    defaults : dict
        ``optimizer`` (a torch optimizer class), ``lr`` and ``weight_decay``, a copy of the
        family's entry of :data:`FAMILY_DEFAULTS`.

    Examples
    --------
    >>> from sktopo.nn import family_defaults
    >>> family_defaults("C")["lr"]
    0.1
    """
    family = getattr(architecture(arch), "kind", "M")
    return dict(FAMILY_DEFAULTS[family])


@validate_params(
    {"arch": _ARCH, "sizes": "no_validation",
     "max_iter": [Number(Integral, 1, None, closed="left"), None],
     "max_epochs": [Number(Integral, 1, None, closed="left"), None],
     "lr": [Number(Real, 0, None, closed="neither"), None],
     "batch_size": [Number(Integral, 1, None, closed="left")],
     "weight_decay": [Number(Real, 0, None, closed="left"), None],
     "random_state": [Number(Integral, 0, None, closed="left"), None],
     "device": [str], "prior": [StrOptions({"primary_circle", "klein_bottle"}), None],
     "prior_weight": [Number(Real, 0, None, closed="left")], "verbose": ["verbose"]},
    prefer_skip_nested_validation=False,
)
def make_net(
    arch="M",
    sizes=(64, 32, 64),
    *,
    max_iter=None,
    max_epochs=None,
    lr=None,
    batch_size=128,
    optimizer=None,
    weight_decay=None,
    random_state=None,
    device="auto",
    input_shape=None,
    train_split=None,
    callbacks=None,
    prior=None,
    prior_weight=0.1,
    verbose=0,
    **kwargs,
):
    r"""A skorch classifier for ``M(X, Y, Z)`` or ``C(X, Y, Z)`` set up as in the paper.

    The result is a plain :class:`skorch.NeuralNetClassifier`; every setting is a parameter
    (``module__X``, ``lr``, ``optimizer__weight_decay``, ``callbacks__iteration_limit__max_iter``),
    so it clones, pickles and tunes with GridSearchCV like any estimator.

    Parameters
    ----------
    arch : {"M", "C"} or torch.nn.Module subclass, default="M"
        Network family (Tables I and II of the paper).
    sizes : tuple of 3 int, default=(64, 32, 64)
        ``(X, Y, Z)``: conv depths and dense width; 0 removes a block.
    max_iter : int or None, default=None
        Training length in batch iterations (the paper's unit), via :class:`IterationLimit`.
    max_epochs : int or None, default=None
        Training length in epochs. With ``max_iter`` set and this ``None``, epochs are unbounded
        and ``max_iter`` alone decides; with neither set, 10 epochs.
    lr : float or None, default=None
        Learning rate; ``None`` means 1e-3 (Adam) for M and 0.1 (SGD) for C.
    batch_size : int, default=128
        Images per batch iteration.
    optimizer : torch optimizer class or None, default=None
        ``None`` means Adam for M and SGD for C.
    weight_decay : float or None, default=None
        L2 weight loss on the dense layers (the C net's "L2 loss"); ``None`` means 0.004 for C and
        none for M.
    random_state : int or None, default=None
        Seed of the initial weights (``module__random_state``) and of shuffling, dropout and
        crops (:class:`TorchSeed`).
    device : str, default="auto"
        ``"auto"`` picks CUDA when available, else the CPU.
    input_shape : tuple of int or None, default=None
        ``(C, H, W)`` of the images; ``None`` infers the dense layer's size at the first batch.
    train_split : callable or None, default=None
        The skorch validation split; ``None`` trains on everything (record validation accuracy at
        chosen iterations with :class:`AccuracyRecorder` or :class:`WeightSnapshots` instead).
    callbacks : list of (str, Callback) or None, default=None
        Extra callbacks, placed after the built-in ``iteration_counter``, ``input_check``,
        ``seed`` and ``divergence_check`` and before ``iteration_limit`` (which must stay last
        so the others see the final batch). Callbacks that monitor validation scores
        (skorch's ``EarlyStopping``, ``Checkpoint``) need a ``train_split``; without one,
        training refuses to start.
    prior : {"primary_circle", "klein_bottle"} or None, default=None
        Pull the first conv layer's normalised filters toward this idealised model: the loss
        adds ``prior_weight`` times their mean squared distance to it (:func:`prior_penalty`),
        and the net is a :class:`TopologyPriorNet` (``prior_layer`` picks another layer).
    prior_weight : float, default=0.1
        Weight of the prior in the loss (used with ``prior`` only).
    verbose : int, default=0
        Verbosity of skorch.
    **kwargs
        Any other skorch parameter, e.g. ``module__fixed_filters="primary_circle"``,
        ``module__append_filters="klein_bottle"``, ``module__preprocess="cifar"``.

    Returns
    -------
    net : skorch.NeuralNetClassifier
        Not yet initialised.

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo.nn import make_net
    >>> rng = np.random.default_rng(0)
    >>> X, y = rng.random((64, 1, 12, 12), dtype=np.float32), np.arange(64) % 10
    >>> net = make_net("M", (4, 0, 8), max_iter=3, batch_size=16, random_state=0).fit(X, y)
    >>> net.predict(X).shape
    (64,)
    """
    module, defaults = architecture(arch), family_defaults(arch)
    sizes = check_sizes(sizes)
    optimizer = defaults["optimizer"] if optimizer is None else optimizer
    lr = defaults["lr"] if lr is None else lr
    weight_decay = defaults["weight_decay"] if weight_decay is None else weight_decay
    if max_epochs is None:
        max_epochs = _UNBOUNDED_EPOCHS if max_iter is not None else 10
    params = {
        "module__X": sizes[0],
        "module__Y": sizes[1],
        "module__Z": sizes[2],
        "module__input_shape": input_shape,
        "module__random_state": random_state,
    }
    if weight_decay:
        # The TensorFlow CIFAR-10 model puts its L2 loss on the dense layers only.
        params["optimizer__param_groups"] = [("head.*weight", {"weight_decay": weight_decay})]
    params.update(kwargs)
    # The limit comes last so that every other callback sees the final batch before it stops.
    cbs = [("iteration_counter", IterationCounter()), ("input_check", InputCheck()),
           ("seed", TorchSeed(random_state)), ("divergence_check", DivergenceCheck())]
    cbs += list(callbacks or [])
    cbs.append(("iteration_limit", IterationLimit(max_iter)))
    net_class, prior_params = NeuralNetClassifier, {}
    if prior is not None:
        from ._prior import TopologyPriorNet

        net_class, prior_params = TopologyPriorNet, {"prior": prior, "prior_weight": prior_weight}
    return net_class(
        module,
        criterion=CrossEntropy,
        optimizer=optimizer,
        lr=lr,
        max_epochs=max_epochs,
        batch_size=batch_size,
        train_split=train_split,
        callbacks=cbs,
        device=resolve_device(device),
        verbose=verbose,
        iterator_train=BatchLoader,
        iterator_valid=BatchLoader,
        iterator_train__shuffle=True,
        **prior_params,
        **params,
    )


def infer_input_shape(X):
    """``(C, H, W)`` of an image array; flat square rows count as one channel.

    Parameters
    ----------
    X : array-like or Tensor
        Images ``(n, H, W)``, ``(n, C, H, W)`` or flat ``(n, H*W)``.

    Returns
    -------
    shape : tuple of int or None
        ``(C, H, W)``; ``None`` for flat rows whose length is not a square.
    """
    return _input_shape(check_images(X)[0])


def _input_shape(X):
    if X.ndim == 4:
        return tuple(int(s) for s in X.shape[1:])
    if X.ndim == 3:
        return (1, int(X.shape[1]), int(X.shape[2]))
    side = math.isqrt(int(X.shape[1]))
    return (1, side, side) if side * side == X.shape[1] else None


def epochs_for(max_iter, n_samples, batch_size=128):
    """Epochs that cover ``max_iter`` batch iterations of ``n_samples`` images."""
    return math.ceil(max_iter / math.ceil(n_samples / batch_size))
