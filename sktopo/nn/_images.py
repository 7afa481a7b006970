"""Checks and shapes of image batches for the networks."""

import math

import numpy as np
import torch

from .._compat import validate_params
from .._validation import COUNT

_FLOAT32_MAX = float(np.finfo(np.float32).max)


# X is checked below under ``name``, the caller's name for it (X_valid, ...).
@validate_params({"X": "no_validation", "y": ["array-like", None], "n_classes": [*COUNT, None],
                  "name": [str]}, prefer_skip_nested_validation=True)
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


@validate_params({"X": ["array-like"]}, prefer_skip_nested_validation=True)
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
