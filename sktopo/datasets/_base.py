"""Shared helpers of the image loaders: data home, file lookup, result bunches, resizing."""

import os
from pathlib import Path

from numbers import Integral

import numpy as np
from sklearn.utils import Bunch

from .._compat import validate_params
from .._validation import PATH, Number, check_values

#: Environment variable naming the default data home.
DATA_HOME_ENV = "SKTOPO_DATA"

#: Grayscale weights of R, G, B: ITU-R BT.601 luma, as MATLAB's rgb2gray and PIL's "L" mode use
#: and the paper's grey CIFAR-10 and SVHN inputs. The one copy: :mod:`sktopo.nn` imports it too.
GRAY_WEIGHTS = (0.2989, 0.5870, 0.1140)

_SUBSETS = ("train", "test", "all")


@validate_params({"data_home": [*PATH, None]}, prefer_skip_nested_validation=True)
def get_data_home(data_home=None):
    """Return the folder where loaders look for files and keep their caches.

    The folder is, in order of precedence, ``data_home`` when given, the environment variable
    ``SKTOPO_DATA`` when set, and ``~/sktopo_data`` otherwise. Nothing is created or downloaded.

    Parameters
    ----------
    data_home : str or path-like, default=None
        Explicit data home.

    Returns
    -------
    data_home : pathlib.Path
        The resolved folder (it may not exist).

    Examples
    --------
    >>> from sktopo.datasets import get_data_home
    >>> str(get_data_home("/tmp/my_data"))
    '/tmp/my_data'
    """
    if data_home is None:
        data_home = os.environ.get(DATA_HOME_ENV) or Path.home() / "sktopo_data"
    return Path(os.path.expanduser(os.fspath(data_home)))


def _check_subset(subset, allowed=_SUBSETS):
    if subset not in allowed:
        raise ValueError(f"subset must be one of {list(allowed)}; got {subset!r}.")
    return subset


def _search_dirs(path, data_home, name):
    """Folders to search: ``path`` (and ``path/name``) if given, else the data home's."""
    if path is not None:
        base = Path(os.path.expanduser(os.fspath(path)))
        return [base, base / name]
    home = get_data_home(data_home)
    return [home / name, home]


def _missing_files_error(dataset, filenames, searched, extra=""):
    where = ", ".join(str(d) for d in searched)
    names = ", ".join(filenames)
    return FileNotFoundError(
        f"{dataset} files not found (searched: {where}). Put {names} in one of those folders, "
        f"or pass path= (the folder or file) or data_home= / set the {DATA_HOME_ENV} environment "
        f"variable (the loader then looks in <data_home>/{dataset.lower()}/). "
        f"Nothing is downloaded.{extra}"
    )


def _bunch(images, target, target_names, descr, **extra):
    images = np.ascontiguousarray(images)
    return Bunch(
        images=images,
        data=images.reshape(len(images), -1),
        target=np.asarray(target, dtype=np.int64),
        target_names=np.asarray(target_names),
        DESCR=descr,
        **extra,
    )


def _result(bunch, return_X_y):
    if return_X_y:
        return bunch.images, bunch.target
    return bunch


def _resize_matrix(n_in, n_out):
    """Row-stochastic (n_out, n_in) matrix resampling a 1-D signal.

    Downsampling averages the input pixels each output pixel covers (area / box filter, which
    does not alias); upsampling interpolates linearly between pixel centres.
    """
    M = np.zeros((n_out, n_in))
    if n_out <= n_in:
        scale = n_in / n_out
        for i in range(n_out):
            lo, hi = i * scale, (i + 1) * scale
            for j in range(int(np.floor(lo)), min(int(np.ceil(hi)), n_in)):
                M[i, j] = min(hi, j + 1) - max(lo, j)
    else:
        centres = (np.arange(n_out) + 0.5) * n_in / n_out - 0.5
        centres = np.clip(centres, 0, n_in - 1)
        left = np.floor(centres).astype(int)
        right = np.minimum(left + 1, n_in - 1)
        frac = centres - left
        M[np.arange(n_out), left] += 1 - frac
        M[np.arange(n_out), right] += frac
    return M / M.sum(axis=1, keepdims=True)


@validate_params({"images": ["array-like"], "size": [Number(Integral, 1, None, closed="left"),
                                                     tuple, list]},
                 prefer_skip_nested_validation=True)
def resize_images(images, size):
    """Resize a stack of images with separable area (down) or linear (up) resampling.

    Parameters
    ----------
    images : array-like of shape (n, h, w) or (n, h, w, c)
        Image stack, channels last.
    size : int or tuple of int
        Output ``(height, width)``; an int means a square.

    Returns
    -------
    resized : ndarray of float64, shape (n, height, width) or (n, height, width, c)
        Values are convex combinations of the inputs, so the range is preserved.

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo.datasets import resize_images
    >>> resize_images(np.ones((2, 8, 8)), 20).shape
    (2, 20, 20)
    """
    images = check_values(images, name="images")
    if images.ndim not in (3, 4):
        raise ValueError(
            f"images must have shape (n, h, w) or (n, h, w, c); got shape {images.shape}."
        )
    h_out, w_out = (size, size) if np.isscalar(size) else tuple(size)
    if int(h_out) < 1 or int(w_out) < 1:
        raise ValueError(f"size must be positive; got {size!r}.")
    R = _resize_matrix(images.shape[1], int(h_out))
    C = _resize_matrix(images.shape[2], int(w_out))
    if images.ndim == 3:
        return np.einsum("ih,nhw,jw->nij", R, images, C, optimize=True)
    return np.einsum("ih,nhwc,jw->nijc", R, images, C, optimize=True)


def to_uint8(images):
    """Round and clip a float image stack to uint8 (0-255)."""
    return np.clip(np.rint(images), 0, 255).astype(np.uint8)


@validate_params({"images": ["array-like"], "scale": ["boolean"]},
                 prefer_skip_nested_validation=True)
def as_nchw(images, *, scale=True):
    """Convert a channels-last uint8 image stack to the float32 ``(n, c, h, w)`` torch layout.

    Parameters
    ----------
    images : array-like of shape (n, h, w) or (n, h, w, c)
        Images as returned by the loaders of this module.
    scale : bool, default=True
        Divide by 255 so pixels lie in [0, 1].

    Returns
    -------
    X : ndarray of float32, shape (n, c, h, w)
        A grayscale stack gets ``c = 1``.

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo.datasets import as_nchw
    >>> as_nchw(np.zeros((5, 28, 28), dtype=np.uint8)).shape
    (5, 1, 28, 28)
    """
    images = np.asarray(images)
    if images.dtype.kind not in "uif":
        raise TypeError(f"images must hold pixel values (numbers); got dtype {images.dtype}.")
    if images.ndim == 3:
        images = images[:, :, :, None]
    if images.ndim != 4:
        raise ValueError(
            f"images must have shape (n, h, w) or (n, h, w, c); got shape {images.shape}."
        )
    X = np.ascontiguousarray(images.transpose(0, 3, 1, 2), dtype=np.float32)
    if scale:
        X /= 255.0
    return X
