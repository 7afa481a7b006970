"""CIFAR-10 from the official python batches or from per-class image folders / tar archives."""

import bisect
import hashlib
import io
import os
import pickle
import tarfile
from pathlib import Path

import numpy as np

from .._compat import StrOptions, validate_params
from .._io import atomic_savez
from .._progress import progress
from .._validation import COUNT, PATH
from ._base import (
    _bunch,
    _check_subset,
    _missing_files_error,
    _result,
    get_data_home,
)

#: Class names in the official label order (label i is CIFAR10_CLASSES[i]).
CIFAR10_CLASSES = (
    "airplane",
    "automobile",
    "bird",
    "cat",
    "deer",
    "dog",
    "frog",
    "horse",
    "ship",
    "truck",
)

_BATCHES = {
    "train": [f"data_batch_{i}" for i in range(1, 6)],
    "test": ["test_batch"],
}
_IMAGE_EXTS = (".jpg", ".jpeg", ".png", ".bmp")
_TAR_SUFFIXES = (".tar", ".tar.gz", ".tgz", ".tar.xz", ".txz", ".tar.bz2")
_KNOWN_ARCHIVES = ("cifar-10-python.tar.gz", "cifar10-images-jpg.tar.xz")
_CACHE_VERSION = "1"

_DESCR = """CIFAR-10 (Krizhevsky 2009): 32x32 colour images of 10 classes.

images : uint8 array of shape (n, 32, 32, 3), channels last (RGB); target : int64 in 0-9 in the
official class order (CIFAR10_CLASSES). Read from the official python batches or from per-class
image folders / tar archives (``train/<class>/*.jpg``, ``test/<class>/*.jpg``). A JPEG copy is
lossy, so its pixels differ slightly from the official batches.
"""


# ----------------------------------------------------------------------------------------------
# Restricted unpickling of the official batches
# ----------------------------------------------------------------------------------------------


class _Refused(pickle.UnpicklingError):
    """A pickle asked for something the restricted unpickler does not allow."""


def _latin1_encode(text, encoding="latin1", errors="strict"):
    # Python-3 protocol-2 pickles spell bytes as _codecs.encode(str, "latin1"); nothing else.
    if encoding not in ("latin1", "latin-1") or not isinstance(text, str):
        raise _Refused("refusing _codecs.encode with a codec other than latin1")
    return text.encode("latin1", errors)


def _allowed_globals():
    reconstruct = np.zeros(1).__reduce__()[0]
    frombuffer = np.zeros(1).__reduce_ex__(5)[0]
    allowed = {("numpy", "ndarray"): np.ndarray, ("numpy", "dtype"): np.dtype}
    for mod in ("numpy.core.multiarray", "numpy._core.multiarray"):
        allowed[(mod, "_reconstruct")] = reconstruct
    for mod in ("numpy.core.numeric", "numpy._core.numeric"):
        allowed[(mod, "_frombuffer")] = frombuffer
    allowed[("_codecs", "encode")] = _latin1_encode
    return allowed


class _BatchUnpickler(pickle.Unpickler):
    """Unpickler that resolves only the few globals a pickled numpy array needs.

    A pickle can name any importable callable and have it called; this one resolves exactly
    numpy's array/dtype constructors (which build data and run nothing else) and a latin1-only
    bytes decoder, and refuses every other global, so loading a tampered batch raises instead
    of executing code.
    """

    _allowed = None

    def find_class(self, module, name):
        if _BatchUnpickler._allowed is None:
            _BatchUnpickler._allowed = _allowed_globals()
        try:
            return self._allowed[(module, name)]
        except KeyError:
            raise _Refused(
                f"refusing to load global {module}.{name}: a CIFAR batch only holds arrays, "
                "lists and strings"
            ) from None


def _load_batch_bytes(raw, source):
    """Parse one pickled CIFAR batch from bytes into (images (n,32,32,3) uint8, labels int64)."""
    try:
        # encoding="bytes" reads the official Python-2 pickles (str payloads stay bytes).
        obj = _BatchUnpickler(io.BytesIO(raw), encoding="bytes").load()
    except _Refused as exc:
        raise ValueError(f"{source}: unsafe CIFAR batch, not loaded ({exc}).") from exc
    except Exception as exc:  # truncated or garbage pickle streams raise many types
        raise ValueError(f"{source} is not a readable CIFAR-10 python batch ({exc!r}).") from exc
    if not isinstance(obj, dict):
        raise ValueError(f"{source}: a CIFAR batch is a dict, got {type(obj).__name__}.")
    obj = {k.decode("latin1") if isinstance(k, bytes) else k: v for k, v in obj.items()}
    if "data" not in obj or "labels" not in obj:
        raise ValueError(f"{source}: a CIFAR-10 batch needs 'data' and 'labels' entries.")
    data, labels = obj["data"], obj["labels"]
    if not isinstance(data, np.ndarray) or data.dtype != np.uint8 or data.ndim != 2:
        raise ValueError(f"{source}: 'data' must be a 2-D uint8 array.")
    if data.shape[1] != 3 * 32 * 32:
        raise ValueError(f"{source}: 'data' rows must have 3072 values, got {data.shape[1]}.")
    labels = np.asarray(labels)
    if labels.dtype.kind not in "iu" or labels.shape != (len(data),):
        raise ValueError(f"{source}: 'labels' must be {len(data)} integers.")
    if labels.size and (labels.min() < 0 or labels.max() > 9):
        raise ValueError(f"{source}: labels must lie in 0-9.")
    # Rows are the red, green and blue 32x32 planes, row-major: go channels last.
    images = data.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
    return np.ascontiguousarray(images), labels.astype(np.int64)


# ----------------------------------------------------------------------------------------------
# Image folders and tar archives
# ----------------------------------------------------------------------------------------------


def _natural_key(name):
    stem = os.path.splitext(name)[0]
    return (0, int(stem), name) if stem.isdigit() else (1, 0, name)


class _Collector:
    """Keeps, per (split, class), the first ``n`` items in natural file-name order."""

    def __init__(self, n_per_class):
        self.n = n_per_class
        self.items = {}

    def accepts(self, split, cls, name):
        bucket = self.items.get((split, cls), [])
        if self.n is None or len(bucket) < self.n:
            return True
        return _natural_key(name) < bucket[-1][0]

    def add(self, split, cls, name, payload):
        if not self.accepts(split, cls, name):
            return
        bucket = self.items.setdefault((split, cls), [])
        # Keys are unique per bucket (file names), so payloads are never compared.
        bisect.insort(bucket, (_natural_key(name), payload), key=lambda item: item[0])
        if self.n is not None and len(bucket) > self.n:
            bucket.pop()


def _decode_image(raw, source):
    try:
        from PIL import Image
    except ImportError as exc:  # pragma: no cover - Pillow comes with matplotlib
        raise ImportError("Reading CIFAR-10 image files needs Pillow: pip install pillow") from exc
    try:
        with Image.open(io.BytesIO(raw)) as im:
            arr = np.asarray(im.convert("RGB"))
    except Exception as exc:
        raise ValueError(f"{source} is not a readable image ({exc!r}).") from exc
    if arr.shape != (32, 32, 3):
        raise ValueError(f"{source}: CIFAR-10 images are 32x32, got {arr.shape[:2]}.")
    return arr


def _split_class(parts):
    """(split, class) from a member path ending in <split>/<class>/<file>, else None."""
    if len(parts) >= 3 and parts[-3] in ("train", "test"):
        return parts[-3], parts[-2]
    return None


def _class_order(names):
    names = set(names)
    if names == set(CIFAR10_CLASSES):
        return list(CIFAR10_CLASSES)
    return sorted(names)


def _assemble_images(collector, verbose):
    classes = _class_order(cls for (_, cls) in collector.items)
    index = {c: i for i, c in enumerate(classes)}
    out = {}
    for split in ("train", "test"):
        keys = sorted((k for k in collector.items if k[0] == split), key=lambda k: index[k[1]])
        n = sum(len(collector.items[k]) for k in keys)
        images = np.empty((n, 32, 32, 3), dtype=np.uint8)
        labels = np.empty(n, dtype=np.int64)
        pairs = [(k, p) for k in keys for p in collector.items[k]]
        for i, ((_, cls), (key, payload)) in enumerate(
            progress(pairs, verbose=verbose, desc=f"decode {split}", total=n)
        ):
            images[i] = _decode_image(payload, f"{split}/{cls}/{key[2]}")
            labels[i] = index[cls]
        out[split] = (images, labels)
    return out, classes


def _read_image_folder(root, n_per_class, verbose):
    col = _Collector(n_per_class)
    for split in ("train", "test"):
        split_dir = root / split
        if not split_dir.is_dir():
            continue
        for cls_dir in sorted(p for p in split_dir.iterdir() if p.is_dir()):
            for f in cls_dir.iterdir():
                if f.suffix.lower() in _IMAGE_EXTS and f.is_file():
                    # Paths, not bytes, so a limited load only reads what it keeps.
                    col.add(split, cls_dir.name, f.name, f)
    for k, bucket in col.items.items():
        col.items[k] = [(key, f.read_bytes()) for key, f in bucket]
    return _assemble_images(col, verbose)


def _read_tar(path, n_per_class, verbose):
    """One streaming pass: image members are collected, pickled batches parsed.

    Nothing is extracted to disk; member names are only parsed, so archive paths cannot
    escape anywhere.
    """
    col = _Collector(n_per_class)
    batches = {}
    try:
        with tarfile.open(path, mode="r|*") as tar:
            for member in progress(tar, verbose=verbose, desc=f"read {Path(path).name}"):
                if not member.isfile():
                    continue
                parts = member.name.replace("\\", "/").split("/")
                base = parts[-1]
                if base in _BATCHES["train"] or base in _BATCHES["test"]:
                    batches[base] = tar.extractfile(member).read()
                    continue
                sc = _split_class(parts)
                if sc is not None and os.path.splitext(base)[1].lower() in _IMAGE_EXTS:
                    if col.accepts(sc[0], sc[1], base):
                        col.add(sc[0], sc[1], base, tar.extractfile(member).read())
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise ValueError(f"{path} is not a readable tar archive ({exc}).") from exc
    if batches:
        return ("batches", batches)
    if not col.items:
        raise ValueError(
            f"{path} holds neither CIFAR-10 python batches (data_batch_1..5, test_batch) nor "
            "images laid out as train/<class>/<file>.jpg and test/<class>/<file>.jpg."
        )
    return ("images", _assemble_images(col, verbose))


# ----------------------------------------------------------------------------------------------
# Source discovery, caching and the public loader
# ----------------------------------------------------------------------------------------------


def _is_tar_name(p):
    return p.name.lower().endswith(_TAR_SUFFIXES)


def _locate(path, data_home):
    """Return (kind, location) with kind in {"batches_dir", "image_dir", "tar"}."""
    if path is not None:
        p = Path(os.path.expanduser(os.fspath(path)))
        if p.is_file():
            return "tar", p
        dirs = [p, p / "cifar-10-batches-py", p / "cifar10"]
    else:
        home = get_data_home(data_home)
        dirs = [home / "cifar10", home / "cifar10" / "cifar-10-batches-py", home]
        dirs.append(home / "cifar-10-batches-py")
    for d in dirs:
        if (d / "data_batch_1").is_file() or (d / "test_batch").is_file():
            return "batches_dir", d
        if (d / "train").is_dir() or (d / "test").is_dir():
            return "image_dir", d
        for name in _KNOWN_ARCHIVES:
            if (d / name).is_file():
                return "tar", d / name
        if d.is_dir():
            tars = sorted(f for f in d.iterdir() if f.is_file() and _is_tar_name(f)
                          and f.name.lower().startswith("cifar"))
            if tars:
                return "tar", tars[0]
    raise _missing_files_error(
        "CIFAR10",
        [
            "the official python batches (data_batch_1 ... data_batch_5, test_batch, or the "
            "cifar-10-batches-py folder or cifar-10-python.tar.gz)",
            "or image folders train/<class>/*.jpg and test/<class>/*.jpg (or a cifar*.tar.xz of "
            "them)",
        ],
        dirs,
    )


def _batches_from_dir(d):
    batches = {}
    for split in ("train", "test"):
        for name in _BATCHES[split]:
            f = d / name
            if f.is_file():
                batches[name] = f.read_bytes()
    return batches


def _parse_batches(batches, where, n_per_class):
    out = {}
    for split in ("train", "test"):
        missing = [b for b in _BATCHES[split] if b not in batches]
        if missing:
            out[split] = None
            continue
        parts = [_load_batch_bytes(batches[b], f"{where}/{b}") for b in _BATCHES[split]]
        images = np.concatenate([p[0] for p in parts])
        labels = np.concatenate([p[1] for p in parts])
        if n_per_class is not None:
            keep = np.concatenate([np.flatnonzero(labels == c)[:n_per_class] for c in range(10)])
            keep.sort()
            images, labels = images[keep], labels[keep]
        out[split] = (images, labels)
    return out


def _cache_path(source, n_per_class, data_home):
    st = source.stat()
    ident = f"{_CACHE_VERSION}|{source.resolve()}|{st.st_size}|{st.st_mtime_ns}|{n_per_class}"
    digest = hashlib.sha1(ident.encode()).hexdigest()[:16]
    return get_data_home(data_home) / "cifar10" / "cache" / f"cifar10_{digest}.npz", ident


def _save_cache(fname, ident, splits, classes):
    arrays = {"ident": np.array(ident), "classes": np.array(classes)}
    for split, (images, labels) in splits.items():
        arrays[f"images_{split}"] = images
        arrays[f"labels_{split}"] = labels
    # All or nothing, so an interrupted run never leaves half a cache.
    atomic_savez(fname, arrays)


def _load_cache(fname, ident):
    try:
        with np.load(fname, allow_pickle=False) as z:
            if str(z["ident"]) != ident:
                return None
            splits = {s: (z[f"images_{s}"], z[f"labels_{s}"]) for s in ("train", "test")}
            return splits, [str(c) for c in z["classes"]]
    except (OSError, KeyError, ValueError):
        return None  # an unreadable cache is rebuilt


@validate_params(
    {"path": [*PATH, None], "subset": [StrOptions({"train", "test", "all"})],
     "data_home": [*PATH, None], "n_per_class": [*COUNT, None], "cache": ["boolean"],
     "return_X_y": ["boolean"], "verbose": ["verbose"]},
    prefer_skip_nested_validation=True,
)
def load_cifar10(
    path=None,
    *,
    subset="train",
    data_home=None,
    n_per_class=None,
    cache=True,
    return_X_y=False,
    verbose=0,
):
    """Load CIFAR-10 from local files; nothing is downloaded.

    Accepted sources, tried in this order when ``path`` is a folder (or, when ``path`` is None,
    in ``<data_home>/cifar10``, its ``cifar-10-batches-py`` and ``<data_home>``):

    * the official python batches ``data_batch_1`` ... ``data_batch_5`` and ``test_batch``
      (or the folder ``cifar-10-batches-py`` holding them);
    * image folders ``train/<class>/NNNN.jpg`` and ``test/<class>/NNNN.jpg`` (any of .jpg,
      .jpeg, .png, .bmp; the label is the folder name);
    * a tar archive (``.tar``, ``.tar.gz``, ``.tar.xz``, ...) of either: the official
      ``cifar-10-python.tar.gz`` or e.g. ``cifar10-images-jpg.tar.xz``. ``path`` may name it.

    **Safety.** The batches are pickles, which can run arbitrary code when loaded with
    :func:`pickle.load`. They are read with an unpickler that resolves only numpy's array and
    dtype constructors and a latin1 bytes decoder, and refuses every other global, so a tampered
    file raises ``ValueError`` instead of running code. Archives are read in memory, never
    extracted to disk.

    **Speed and caching.** Streaming the tar.xz of 60,000 JPEGs and decoding them takes about
    30 s on one CPU core (about 10 s of it is decompression, paid even with ``n_per_class``); the
    decoded arrays of image sources are therefore cached (uncompressed .npz,
    about 185 MB for the full set) under ``<data_home>/cifar10/cache``, keyed by the source's
    path, size, modification time and ``n_per_class``, so a second load takes a second or two.
    The python batches load fast and are not cached.

    Parameters
    ----------
    path : str or path-like, default=None
        A folder or an archive; None searches the data home.
    subset : {"train", "test", "all"}, default="train"
        ``"all"`` is the training images followed by the test images.
    data_home : str or path-like, default=None
        Where to search when ``path`` is None, and where the cache lives (see
        :func:`get_data_home`).
    n_per_class : int, default=None
        Keep only the first ``n_per_class`` images of each class in each split (batch order for
        the python batches, natural file-name order for image files); reading an archive still
        streams through it once, but only the kept images are decoded.
    cache : bool, default=True
        Read and write the .npz cache for image sources.
    return_X_y : bool, default=False
        Return ``(images, target)`` instead of a Bunch.
    verbose : int, default=0
        Show progress bars when positive.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        ``images`` uint8 of shape (n, 32, 32, 3) (RGB, channels last; see :func:`as_nchw`),
        ``data`` (n, 3072) view in (row, column, channel) order, ``target`` int64,
        ``target_names`` (``CIFAR10_CLASSES`` when the folders carry those names, else the sorted
        folder names), ``DESCR``, ``source`` (the path read).
    (images, target) : tuple
        If ``return_X_y`` is True.
    """
    _check_subset(subset)
    if n_per_class is not None:
        if isinstance(n_per_class, bool) or not isinstance(n_per_class, (int, np.integer)):
            raise TypeError(f"n_per_class must be a positive int or None; got {n_per_class!r}.")
        if n_per_class < 1:
            raise ValueError(f"n_per_class must be a positive int or None; got {n_per_class}.")
        n_per_class = int(n_per_class)
    kind, loc = _locate(path, data_home)

    splits, classes = None, list(CIFAR10_CLASSES)
    if kind == "batches_dir":
        splits = _parse_batches(_batches_from_dir(loc), loc, n_per_class)
    else:
        cached = fname = ident = None
        if cache:
            fname, ident = _cache_path(loc, n_per_class, data_home)
            if fname.is_file():
                cached = _load_cache(fname, ident)
        if cached is not None:
            splits, classes = cached
        elif kind == "image_dir":
            splits, classes = _read_image_folder(loc, n_per_class, verbose)
        else:
            what, payload = _read_tar(loc, n_per_class, verbose)
            if what == "batches":
                splits = _parse_batches(payload, loc, n_per_class)
            else:
                splits, classes = payload
        if cached is None and cache and _worth_caching(kind, splits):
            _save_cache(fname, ident, splits, classes)

    wanted = ["train", "test"] if subset == "all" else [subset]
    for s in wanted:
        if splits.get(s) is None or len(splits[s][0]) == 0:
            raise FileNotFoundError(
                f"CIFAR-10 {s} data not found in {loc}: expected "
                + (", ".join(_BATCHES[s]) + " batches" if kind == "batches_dir" else
                   f"{s}/<class>/*.jpg images (or the batches {', '.join(_BATCHES[s])})")
                + "."
            )
    images = np.concatenate([splits[s][0] for s in wanted])
    target = np.concatenate([splits[s][1] for s in wanted])
    bunch = _bunch(images, target, classes, _DESCR, source=str(loc))
    return _result(bunch, return_X_y)


def _worth_caching(kind, splits):
    # Only folders and archives are slow to read; a partial source is not cached.
    return kind in ("image_dir", "tar") and all(v is not None for v in splits.values())
