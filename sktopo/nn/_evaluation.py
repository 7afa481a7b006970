"""A configured network's initial weights and a trained network's scores on labelled images."""

import numpy as np
import torch

from .._compat import validate_params
from .._validation import COUNT
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


def _built_net(net_config, input_shape, random_state=None, **overrides):
    """The initialised skorch net of a configuration; with the network's seed as
    ``random_state``, its initial weights are those the runner trained from."""
    from ._training import make_net

    return make_net(**{**net_config, "input_shape": tuple(input_shape),
                       "random_state": random_state, **overrides}).initialize()


def initial_weights(net_config, seed, input_shape):
    """The initial state dict (numpy arrays) of the network :func:`~sktopo.nn.train_many`
    trains from ``seed`` with ``net_config``.

    The runner stores the first layer at iteration 0 (``snapshot_iterations=[0, ...]``);
    distance from initialisation needs every layer, which the seed determines.

    Parameters
    ----------
    net_config : dict
        The :func:`~sktopo.nn.make_net` arguments of the network.
    seed : int
        The network's seed (``record["seed"]`` of :func:`~sktopo.nn.train_many`).
    input_shape : tuple of int
        ``(C, H, W)`` of the images.

    Returns
    -------
    weights : dict of str to ndarray
        The state dict before training.
    """
    module = _built_net(net_config, input_shape, random_state=seed).module_
    return {k: v.detach().cpu().numpy() for k, v in module.state_dict().items()}


def network_scores(net_config, weights, X, y, *, batch_size=1024):
    """Mean cross-entropy loss and accuracy of trained weights on labelled images.

    Parameters
    ----------
    net_config : dict
        The :func:`~sktopo.nn.make_net` arguments the network was trained with (the ``config``
        given to :func:`~sktopo.nn.train_many`).
    weights : dict of str to array
        Its state dict, e.g. ``record["weights"]`` of :func:`~sktopo.nn.train_many`.
    X, y : array-like
        Images and integer labels.
    batch_size : int, default=1024
        Images per forward pass.

    Returns
    -------
    scores : dict
        ``loss`` (mean cross-entropy, natural log) and ``accuracy``.
    """
    X, y = check_images(X, y, n_classes=net_config.get("module__n_classes", 10))
    net = _built_net(net_config, infer_input_shape(X), batch_size=batch_size)
    net.module_.load_state_dict({k: torch.as_tensor(np.asarray(v)) for k, v in weights.items()})
    logits = net.forward(X, training=False)  # skorch batches it, in eval mode
    loss = torch.nn.functional.cross_entropy(logits, torch.as_tensor(y))
    return {"loss": float(loss), "accuracy": float((logits.argmax(1).numpy() == y).mean())}
