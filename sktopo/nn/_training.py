"""skorch wrappers for the paper's networks: ``make_net``, its loader, loss and family defaults."""

import math

from numbers import Integral, Real

import numpy as np
import torch
from skorch import NeuralNetClassifier

from .._compat import StrOptions, validate_params
from .._validation import Number
from ._callbacks import DivergenceCheck, InputCheck, IterationCounter, IterationLimit, TorchSeed
from ._modules import ARCHITECTURES

# Training length "forever" when only a batch-iteration limit stops the run.
_UNBOUNDED_EPOCHS = 10**9


@validate_params({"device": [str, torch.device]}, prefer_skip_nested_validation=True)
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


#: Prefixes skorch routes to its parts (``module__stride``, ``optimizer__momentum``, ...).
_ROUTED_PREFIXES = ("module", "criterion", "optimizer", "iterator_train", "iterator_valid",
                    "dataset", "callbacks")


def _net_arguments():
    """Plain (unrouted) keyword arguments a :func:`make_net` call accepts: its own, and the
    constructor parameters of the skorch classifiers it builds."""
    import inspect

    from skorch import NeuralNet

    from ._prior import TopologyPriorNet

    names = set()
    for fn in (make_net, NeuralNet.__init__, NeuralNetClassifier.__init__,
               TopologyPriorNet.__init__):
        names |= {name for name, p in inspect.signature(inspect.unwrap(fn)).parameters.items()
                  if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}
    return names - {"self", "module"}


@validate_params(
    {"arch": _ARCH, "sizes": "no_validation",
     "max_iter": [Number(Integral, 1, None, closed="left")],
     "batch_size": [Number(Integral, 1, None, closed="left")],
     "device": [str, None], "lr": [Number(Real, 0, None, closed="neither"), None]},
    prefer_skip_nested_validation=True,
)
def net_config(arch, sizes, *, max_iter, batch_size, device=None, lr=None, **make_net_kwargs):
    """The keyword arguments of :func:`make_net` for one training configuration, as a dict.

    The one place where an experiment's training settings become the ``config`` of
    :func:`train_many` (whose ``run.json`` fingerprints it, so that a rerun resumes). A setting
    left at ``None`` is left out of the dict, so :func:`make_net`'s default applies and the
    fingerprint of a configuration that never set it stays as it was. Nothing is converted: the
    values are stored as given, in the order of the signature, then ``make_net_kwargs``.

    Parameters
    ----------
    arch : {"M", "C"} or torch.nn.Module subclass
        Network family.
    sizes : tuple of 3 int
        ``(X, Y, Z)``: conv depths and dense width; 0 removes a block.
    max_iter : int
        Training length in batch iterations.
    batch_size : int
        Images per batch iteration.
    device : str or None, default=None
        Torch device (``"auto"``: CUDA when available); ``None`` leaves it out, which
        :func:`make_net` reads as ``"auto"``.
    lr : float or None, default=None
        Learning rate; ``None`` leaves it out, so the family's default applies (1e-3 for M, 0.1
        for C).
    **make_net_kwargs
        Further :func:`make_net` arguments (``weight_decay``, ``prior``, ``prior_weight``), any
        skorch parameter, or a routed one (``module__stride``, ``module__preprocess``).
        Values are checked by :func:`make_net` when the net is built.

    Returns
    -------
    config : dict
        ``arch``, ``sizes``, ``max_iter``, ``batch_size``, then ``device`` and ``lr`` when set,
        then ``make_net_kwargs``.

    Raises
    ------
    ValueError
        If ``sizes`` is not three non-negative ints, or a key of ``make_net_kwargs`` is not an
        argument :func:`make_net` takes (a misspelt ``max_iters``, an unrouted ``stride``).

    See Also
    --------
    make_net : Builds the net from the dict (``make_net(**config)``).
    train_many : Trains networks of the dict.

    Examples
    --------
    >>> from sktopo.nn import make_net, net_config
    >>> net_config("M", (8, 0, 16), max_iter=30, batch_size=64, device="auto")
    {'arch': 'M', 'sizes': (8, 0, 16), 'max_iter': 30, 'batch_size': 64, 'device': 'auto'}
    >>> config = net_config("C", (8, 0, 8), max_iter=20, batch_size=32, lr=0.05,
    ...                     module__pool=False)
    >>> config["lr"], config["module__pool"]
    (0.05, False)
    >>> make_net(**config).lr
    0.05
    """
    check_sizes(sizes)
    known = _net_arguments()
    unknown = sorted(key for key in make_net_kwargs
                     if key not in known and key.split("__")[0] not in _ROUTED_PREFIXES)
    if unknown:
        raise ValueError(
            f"net_config: make_net takes no argument {', '.join(map(repr, unknown))}; it "
            "takes its own parameters (max_epochs, weight_decay, prior, ...), skorch's, and "
            f"routed ones prefixed by {', '.join(p + '__' for p in _ROUTED_PREFIXES)} (e.g. "
            "module__stride)."
        )
    config = {"arch": arch, "sizes": sizes, "max_iter": max_iter, "batch_size": batch_size}
    if device is not None:
        config["device"] = device
    if lr is not None:
        config["lr"] = lr
    config.update(make_net_kwargs)
    return config


def epochs_for(max_iter, n_samples, batch_size=128):
    """Epochs that cover ``max_iter`` batch iterations of ``n_samples`` images."""
    return math.ceil(max_iter / math.ceil(n_samples / batch_size))
