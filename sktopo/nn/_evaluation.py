"""A configured network's initial weights and a trained network's scores on labelled images."""

import numpy as np
import torch

from .._compat import Integral, validate_params
from .._validation import COUNT, Number
from ._images import check_images, infer_input_shape


@validate_params({"module": [torch.nn.Module], "X": "no_validation", "y": "no_validation",
                  "batch_size": COUNT}, prefer_skip_nested_validation=True)
def evaluate_accuracy(module, X, y, *, batch_size=1024, device=None):
    """Accuracy of ``module`` (logits out) on ``X``, ``y`` in eval mode; training mode restored.

    Parameters
    ----------
    module : torch.nn.Module
        A classifier returning one logit per class.
    X : array-like or Tensor
        Images ``(n, H, W)``, ``(n, C, H, W)`` or flat ``(n, H*W)``.
    y : array-like
        Integer labels, one per image.
    batch_size : int, default=1024
        Images per forward pass.
    device : str, torch.device or None, default=None
        Where the batches go; ``None`` means the device of the module's parameters.

    Returns
    -------
    accuracy : float
        Share of the images whose largest logit is their label.
    """
    X, y = check_images(X, y, n_classes=getattr(module, "n_classes", None))
    return accuracy_unchecked(module, X, y, batch_size, device)


def accuracy_unchecked(module, X, y, batch_size=1024, device=None):
    """:func:`evaluate_accuracy` on inputs already checked (snapshots score many times)."""
    return scores_unchecked(module, X, y, batch_size, device)["accuracy"]


def scores_unchecked(module, X, y, batch_size=1024, device=None):
    """Mean cross-entropy and accuracy of ``module`` on checked inputs, in eval mode (the one
    evaluation loop of sktopo.nn); the module's training mode is restored."""
    was_training = module.training
    module.eval()
    if device is None:
        device = next(module.parameters()).device
    correct, loss = 0, 0.0
    with torch.no_grad():
        for start in range(0, len(X), batch_size):
            xb = torch.as_tensor(X[start:start + batch_size], device=device)
            yb = torch.as_tensor(y[start:start + batch_size], device=device)
            logits = module(xb)
            correct += int((logits.argmax(1) == yb).sum())
            loss += float(torch.nn.functional.cross_entropy(logits, yb.long(), reduction="sum"))
    module.train(was_training)
    return {"loss": loss / len(X), "accuracy": correct / len(X)}


def _built_module(config, input_shape, random_state=None):
    """The module of :func:`~sktopo.nn.make_net` ``(**config)``, initialised for images of
    ``input_shape``; with the network's seed as ``random_state``, its initial weights are those
    :func:`~sktopo.nn.train_many` trained from."""
    from ._training import make_net

    return make_net(**{**config, "input_shape": tuple(input_shape),
                       "random_state": random_state}).initialize().module_


@validate_params({"config": [dict], "seed": [Number(Integral, 0, None, closed="left")],
                  "input_shape": [tuple, list]}, prefer_skip_nested_validation=True)
def initial_weights(config, seed, input_shape):
    """The initial state dict (numpy arrays) of the network :func:`~sktopo.nn.train_many`
    trains from ``seed`` with ``config``.

    The runner stores the first layer at iteration 0 (``snapshot_iterations=[0, ...]``);
    distance from initialisation needs every layer, which the seed determines.

    Parameters
    ----------
    config : dict
        The :func:`~sktopo.nn.make_net` arguments of the network (the ``config`` given to
        :func:`~sktopo.nn.train_many`).
    seed : int
        The network's seed (``record["seed"]`` of :func:`~sktopo.nn.train_many`).
    input_shape : tuple of int
        ``(C, H, W)`` of the images.

    Returns
    -------
    weights : dict of str to ndarray
        The state dict before training.

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo.nn import initial_weights, train_many
    >>> rng = np.random.default_rng(0)
    >>> X, y = rng.random((32, 1, 12, 12), dtype=np.float32), np.arange(32) % 10
    >>> config = {"arch": "M", "sizes": (4, 0, 8), "max_iter": 2, "batch_size": 16}
    >>> (record,) = train_many(config, 1, X, y, snapshot_iterations=[0])
    >>> init = initial_weights(config, record["seed"], (1, 12, 12))
    >>> first = record["snapshots"][0]["features.conv1.weight"]
    >>> np.array_equal(init["features.conv1.weight"], first)
    True
    """
    if len(input_shape) != 3 or not all(
            isinstance(s, Integral) and not isinstance(s, bool) and s >= 1 for s in input_shape):
        raise ValueError(
            f"input_shape must be (C, H, W), three positive ints; got {input_shape!r}.")
    module = _built_module(config, input_shape, random_state=seed)
    return {k: v.detach().cpu().numpy() for k, v in module.state_dict().items()}


@validate_params({"config": [dict], "weights": [dict], "X": "no_validation",
                  "y": "no_validation", "batch_size": COUNT}, prefer_skip_nested_validation=True)
def network_scores(config, weights, X, y, *, batch_size=1024):
    """Mean cross-entropy loss and accuracy of trained weights on labelled images.

    The network of ``config`` is rebuilt, given ``weights`` and scored in eval mode by the loop
    of :func:`evaluate_accuracy`, on the device ``config`` names.

    Parameters
    ----------
    config : dict
        The :func:`~sktopo.nn.make_net` arguments the network was trained with (the ``config``
        given to :func:`~sktopo.nn.train_many`).
    weights : dict of str to array
        Its state dict, e.g. ``record["weights"]`` of :func:`~sktopo.nn.train_many`.
    X : array-like or Tensor
        Images ``(n, H, W)``, ``(n, C, H, W)`` or flat ``(n, H*W)``.
    y : array-like
        Integer labels, one per image.
    batch_size : int, default=1024
        Images per forward pass.

    Returns
    -------
    scores : dict
        ``loss`` (mean cross-entropy, natural log) and ``accuracy``.

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo.nn import network_scores, train_many
    >>> rng = np.random.default_rng(0)
    >>> X, y = rng.random((32, 1, 12, 12), dtype=np.float32), np.arange(32) % 10
    >>> config = {"arch": "M", "sizes": (4, 0, 8), "max_iter": 2, "batch_size": 16}
    >>> (record,) = train_many(config, 1, X, y, X_valid=X, y_valid=y)
    >>> scores = network_scores(config, record["weights"], X, y)
    >>> sorted(scores), scores["accuracy"] == record["valid_acc"]
    (['accuracy', 'loss'], True)
    """
    X, y = check_images(X, y, n_classes=config.get("module__n_classes", 10))
    shape = infer_input_shape(X)
    if shape is None:
        raise ValueError(f"X holds flat rows of {X.shape[1]} pixels, not square images; give "
                         "them the shape (n, C, H, W).")
    module = _built_module(config, shape)
    module.load_state_dict({k: torch.as_tensor(np.asarray(v)) for k, v in weights.items()})
    return scores_unchecked(module, X, y, batch_size)
