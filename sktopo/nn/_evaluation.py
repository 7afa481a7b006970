"""Scores of a trained network on labelled images."""

import torch

from .._compat import validate_params
from .._validation import COUNT
from ._images import check_images


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
