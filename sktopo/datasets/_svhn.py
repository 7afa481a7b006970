"""SVHN from the official cropped-digit ``.mat`` files, and conversion to MNIST's format."""

import os
from pathlib import Path

from numbers import Integral

import numpy as np

from .._compat import StrOptions, validate_params
from .._validation import PATH, Number

from ._base import (
    GRAY_WEIGHTS,
    _bunch,
    _missing_files_error,
    _result,
    _search_dirs,
    resize_images,
    to_uint8,
)

_SVHN_FILES = {"train": "train_32x32.mat", "test": "test_32x32.mat", "extra": "extra_32x32.mat"}

_DESCR = """SVHN cropped digits (Netzer et al. 2011), format 2.

images : uint8 array of shape (n, 32, 32, 3), channels last (RGB); target : int64 digits 0-9 (the
files' label 10 stands for the digit 0 and is mapped to 0). Read from the official
train_32x32.mat / test_32x32.mat / extra_32x32.mat files. See ``to_mnist_format`` for 28x28
grayscale versions for transfer experiments.
"""


def _read_svhn_mat(path):
    from scipy.io import loadmat

    try:
        mat = loadmat(path, variable_names=["X", "y"])
    except NotImplementedError as exc:
        raise ValueError(
            f"{path} is a MATLAB v7.3 (HDF5) file; the official SVHN files are v5. Re-save it "
            "with scipy.io.savemat or MATLAB's save(..., '-v7')."
        ) from exc
    except Exception as exc:
        raise ValueError(f"{path} is not a readable .mat file ({exc!r}).") from exc
    if "X" not in mat or "y" not in mat:
        raise ValueError(f"{path} must hold variables 'X' and 'y' (SVHN format 2).")
    X, y = mat["X"], np.asarray(mat["y"])
    if X.ndim != 4 or X.shape[:3] != (32, 32, 3):
        raise ValueError(f"{path}: 'X' must have shape (32, 32, 3, n); got {X.shape}.")
    n = X.shape[3]
    if y.size != n or (y.ndim == 2 and 1 not in y.shape) or y.ndim > 2:
        raise ValueError(f"{path}: 'y' must have shape ({n}, 1); got {y.shape}.")
    y = y.reshape(-1)
    if y.dtype.kind == "f":
        if not np.all(np.isfinite(y)) or np.any(y != np.round(y)):
            raise ValueError(f"{path}: 'y' must hold whole numbers.")
    y = y.astype(np.int64)
    if y.size and (y.min() < 0 or y.max() > 10):
        raise ValueError(f"{path}: labels must lie in 1-10 (10 meaning the digit 0).")
    if X.dtype != np.uint8:
        if X.dtype.kind not in "iuf" or X.min() < 0 or X.max() > 255:
            raise ValueError(f"{path}: 'X' must be uint8 pixels (0-255); got {X.dtype}.")
        X = to_uint8(X)
    images = np.ascontiguousarray(np.transpose(X, (3, 0, 1, 2)))
    return images, np.where(y == 10, 0, y)


@validate_params({"path": [*PATH, None],
                  "subset": [StrOptions({"train", "test", "extra", "all"})],
                  "data_home": [*PATH, None], "return_X_y": ["boolean"]},
                 prefer_skip_nested_validation=True)
def load_svhn(path=None, *, subset="train", data_home=None, return_X_y=False):
    """Load SVHN (cropped digits) from the official ``.mat`` files; nothing is downloaded.

    The files ``train_32x32.mat``, ``test_32x32.mat`` (and optionally ``extra_32x32.mat``) are
    looked up in ``path`` or ``path/svhn`` when ``path`` is a folder (``path`` may also name one
    file), else in ``<data_home>/svhn`` and ``<data_home>``. In them ``X`` is uint8 of shape
    (32, 32, 3, n) and ``y`` of shape (n, 1) with labels 1-10, 10 standing for the digit 0; the
    loader returns channels-last images and maps 10 to 0.

    Parameters
    ----------
    path : str or path-like, default=None
        A folder holding the files, or one .mat file (then ``subset`` is ignored).
    subset : {"train", "test", "extra", "all"}, default="train"
        ``"all"`` is train followed by test (not extra, which is large).
    data_home : str or path-like, default=None
        Data home used when ``path`` is None (see :func:`get_data_home`).
    return_X_y : bool, default=False
        Return ``(images, target)`` instead of a Bunch.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        ``images`` uint8 of shape (n, 32, 32, 3), ``data`` (n, 3072) view, ``target`` int64
        digits 0-9, ``target_names``, ``DESCR``.
    (images, target) : tuple
        If ``return_X_y`` is True.

    See Also
    --------
    to_mnist_format : 28x28 grayscale images for MNIST -> SVHN transfer.
    """
    if subset not in ("train", "test", "extra", "all"):
        raise ValueError(
            f"subset must be one of ['train', 'test', 'extra', 'all']; got {subset!r}."
        )
    if path is not None and Path(os.path.expanduser(os.fspath(path))).is_file():
        files = [Path(os.path.expanduser(os.fspath(path)))]
    else:
        dirs = _search_dirs(path, data_home, "svhn")
        wanted = ["train", "test"] if subset == "all" else [subset]
        files = []
        for s in wanted:
            found = next((d / _SVHN_FILES[s] for d in dirs if (d / _SVHN_FILES[s]).is_file()),
                         None)
            if found is None:
                raise _missing_files_error("SVHN", [_SVHN_FILES[s] for s in wanted], dirs)
            files.append(found)
    parts = [_read_svhn_mat(f) for f in files]
    images = np.concatenate([p[0] for p in parts])
    target = np.concatenate([p[1] for p in parts])
    names = [str(i) for i in range(10)]
    return _result(_bunch(images, target, names, _DESCR), return_X_y)


@validate_params({"images": ["array-like"], "size": [Number(Integral, 1, None, closed="left")],
                  "weights": ["array-like"], "invert": ["boolean"]},
                 prefer_skip_nested_validation=True)
def to_mnist_format(images, *, size=28, weights=GRAY_WEIGHTS, invert=False):
    """Convert RGB digit images (e.g. SVHN) to MNIST-sized grayscale uint8 images.

    Each pixel becomes :math:`0.2989 R + 0.5870 G + 0.1140 B` (ITU-R BT.601 luma), then the stack
    is resized to ``size x size`` with area averaging. SVHN digits may be dark on light or light
    on dark; ``invert=True`` maps ``v -> 255 - v`` for all images (no per-image guess is made).

    Parameters
    ----------
    images : array-like of shape (n, h, w, 3) or (n, h, w)
        RGB images, channels last, in 0-255 (grayscale input is only resized).
    size : int, default=28
        Output side length.
    weights : tuple of 3 float, default=(0.2989, 0.5870, 0.1140)
        Channel weights of the grayscale conversion.
    invert : bool, default=False
        Return ``255 - gray``.

    Returns
    -------
    gray : ndarray of uint8, shape (n, size, size)

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo.datasets import to_mnist_format
    >>> rgb = np.full((2, 32, 32, 3), 200, dtype=np.uint8)
    >>> g = to_mnist_format(rgb)
    >>> g.shape, int(g[0, 0, 0])
    ((2, 28, 28), 200)
    """
    images = np.asarray(images)
    if images.ndim == 4:
        if images.shape[3] != 3:
            raise ValueError(
                f"images must be RGB with 3 channels last, shape (n, h, w, 3); got {images.shape}."
            )
        w = np.asarray(weights, dtype=np.float64)
        if w.shape != (3,):
            raise ValueError(f"weights must be 3 numbers; got {weights!r}.")
        gray = images.astype(np.float64) @ w
    elif images.ndim == 3:
        gray = images.astype(np.float64)
    else:
        raise ValueError(
            f"images must have shape (n, h, w, 3) or (n, h, w); got shape {images.shape}."
        )
    gray = resize_images(gray, size)
    if invert:
        gray = 255.0 - gray
    return to_uint8(gray)
