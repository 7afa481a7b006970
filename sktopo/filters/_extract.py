"""From trained networks to point clouds of spatial filters.

A conv layer with weight shape ``(d, c, kh, kw)`` (torch layout) gives ``d * c`` spatial filters,
each a point of :math:`\\mathbb{R}^{k_h k_w}`. Row ``o * c + i`` is the filter of output channel
``o`` and input channel ``i``, and a provenance table keeps that link for every row.

Layer names follow the source: module paths for torch modules (``layer1.0.conv1``,
``features.1.conv.0.0``, ``stages.0.blocks.0.dwconv``, ``patch_embed.proj``), state-dict keys
without ``.weight``, and Keras layer names without the variable suffix (``block1_conv1`` for
``block1_conv1/kernel:0`` or ``model_weights/block1_conv1/block1_conv1/kernel:0``).
"""

import os
import re
from collections import OrderedDict
from pathlib import Path

import numpy as np
import pandas as pd

from .._compat import Integral, StrOptions, check_is_fitted, validate_params
from .._validation import Number, already_imported, as_numpy, single_source_kind
from ..base import CollectionTransformer

_LAYOUTS = (None, "torch", "keras")
_SIDE = Number(Integral, 1, None, closed="left")
#: ``kernel_size`` of :func:`extract_spatial_filters` and :class:`SpatialFilterExtractor`.
KERNEL_SIZE = ["array-like", _SIDE, None]
_HDF5_SUFFIXES = {".h5", ".hdf5", ".keras"}


class ConvLayer:
    """One conv layer's weights in torch layout ``(out, in_per_group, kh, kw)``.

    ``groups`` is known for torch modules and Keras depthwise kernels; a weight file stores the
    kernel only, so a layer read from one has ``groups=None`` and its provenance counts input
    channels within each output channel's group.
    """

    def __init__(self, name, weight, groups=1):
        self.name = name
        self.weight = weight
        self.groups = groups

    @property
    def kernel_size(self):
        return tuple(self.weight.shape[2:])


def _dequantize(key, codes, table):
    """Look quantised codes up in their table, refusing codes outside it.

    A negative code would silently index the table from its end, a float code would be truncated.
    """
    table = np.asarray(table).ravel()
    if codes.dtype.kind not in "iu":
        raise TypeError(f"Quantised weights {key!r} must hold integer codes; got {codes.dtype}.")
    if codes.size and (codes.min() < 0 or codes.max() >= len(table)):
        raise ValueError(
            f"Quantised weights {key!r} hold codes {codes.min()}..{codes.max()} outside their "
            f"{len(table)}-entry table; the file is damaged or of another format.")
    return table[codes.astype(np.intp)]


def _to_torch_layout(weight, layout):
    if layout == "keras":
        return np.transpose(weight, (3, 2, 0, 1))
    return weight


def _layers_from_module(module):
    import torch

    layers = OrderedDict()
    for name, m in module.named_modules():
        if isinstance(m, torch.nn.Conv2d):
            layers[name] = ConvLayer(name, as_numpy(m.weight), groups=m.groups)
    return layers


#: Keras variable names of conv kernels: ``<layer>/kernel:0`` (Keras 2), ``<layer>/vars/0``
#: (Keras 3) and ``<layer>/depthwise_kernel:0`` (DepthwiseConv2D, shape (kh, kw, in, multiplier)).
_KERAS_KERNEL = re.compile(r"(?:^|/)(?:(depthwise_kernel|kernel)(?::0)?|vars/0)$")


def _keras_layer_name(path):
    """``model_weights/conv/conv`` -> ``conv``: Keras 2 files repeat the layer name as a group."""
    parts = [p for p in path.split("/") if p]
    if parts and parts[0] == "model_weights":
        parts = parts[1:]
    if len(parts) >= 2 and parts[-1] == parts[-2]:
        parts = parts[:-1]
    return "/".join(parts)


def _kernel_entry(key, arr, torch_style, default_layout):
    """``(name, weight in torch layout, groups)`` of one 4-D entry, or None if it is no kernel.

    In a torch state dict (some key ends in ``.weight``) only ``*.weight`` tensors are kernels, so
    4-D parameters and buffers such as a ConvNeXt-V2 ``gamma`` or a ``pos_embed`` are not read as
    layers.
    """
    keras = _KERAS_KERNEL.search(key)
    if keras is not None:
        name = _keras_layer_name(key[: keras.start()]) or key
        if keras.group(1) == "depthwise_kernel" and default_layout in (None, "keras"):
            # (kh, kw, in, mult) -> (in * mult, 1, kh, kw): output channel i * mult + m sees
            # input channel i only, the torch layout of a depthwise conv with groups = in.
            kh, kw, c, mult = arr.shape
            weight = np.transpose(arr, (2, 3, 0, 1)).reshape(c * mult, 1, kh, kw)
            return name, weight, c
        return name, _to_torch_layout(arr, default_layout or "keras"), None
    if torch_style:
        if not key.endswith(".weight"):
            return None
        return key[: -len(".weight")], _to_torch_layout(arr, default_layout), None
    return key, _to_torch_layout(arr, default_layout), None


def _layers_from_mapping(mapping, layout):
    """Conv kernels of a state dict, a weight-file dict, or the 8-bit quantised VGG format.

    Values that are already :class:`ConvLayer` objects (the output of :func:`conv_layers`) are
    kept as they are, so a source read once can be passed again without reading it again.
    """
    arrays, layers = OrderedDict(), OrderedDict()
    for key, value in mapping.items():
        if isinstance(value, ConvLayer):
            layers[str(key)] = value
            continue
        arr = as_numpy(value)
        if arr is not None:
            arrays[str(key)] = arr
    torch_style = any(key.endswith(".weight") for key in arrays)
    for key, arr in arrays.items():
        # Quantised format: `<layer>_W_q` holds uint8 codes into the 256-entry `<layer>_W_table`.
        if key.endswith("_W_q") and arr.ndim == 4:
            name = key[: -len("_W_q")]
            table = arrays.get(name + "_W_table")
            if table is None:
                raise ValueError(
                    f"Quantised weights {key!r} come without their table {name}_W_table.")
            layers[name] = ConvLayer(name, _to_torch_layout(_dequantize(key, arr, table), layout),
                                     groups=None)
        elif arr.ndim == 4 and not key.endswith("_W_table"):
            entry = _kernel_entry(key, arr, torch_style, layout)
            if entry is not None:
                name, weight, groups = entry
                layers[name] = ConvLayer(name, weight, groups=groups)
    if not layers:
        # Checkpoints often nest the state dict: {"state_dict": {...}} or {"model": {...}}. Look
        # there first, and never in optimizer state, whose moments have kernel shapes too.
        preferred = ("state_dict", "model_state_dict", "model", "net", "module")
        keys = [k for k in preferred if isinstance(mapping.get(k), dict)]
        keys += [k for k, v in mapping.items() if isinstance(v, dict) and k not in keys
                 and "optim" not in str(k) and k not in ("state", "param_groups")]
        for key in keys:
            layers = _layers_from_mapping(mapping[key], layout)
            if layers:
                break
    return layers


def _natural_key(name):
    """Sort key that orders ``conv2d_10`` after ``conv2d_2`` (HDF5 lists names alphabetically)."""
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", name)]


def _layers_from_hdf5(path, layout):
    try:
        import h5py
    except ImportError as exc:
        raise ImportError(
            f"Reading {path} needs h5py: pip install 'sktopo[hdf5]' (or pip install h5py)."
        ) from exc
    import zipfile

    found = {}

    def visit(name, obj):
        # Optimizer state (Adam moments, ...) has kernel-shaped arrays too: never a layer.
        if isinstance(obj, h5py.Dataset) and obj.ndim == 4 and "optimizer" not in name.split("/")[0]:
            found[name] = np.asarray(obj)

    try:
        if zipfile.is_zipfile(path):
            # A Keras 3 `.keras` file is a zip archive holding `model.weights.h5`.
            with zipfile.ZipFile(path) as archive, archive.open("model.weights.h5") as member:
                import io

                with h5py.File(io.BytesIO(member.read()), "r") as f:
                    f.visititems(visit)
        else:
            with h5py.File(path, "r") as f:
                f.visititems(visit)
    except (OSError, KeyError) as exc:
        raise ValueError(f"{path} is not a readable HDF5 weight file ({exc}).") from exc
    ordered = OrderedDict((name, found[name]) for name in sorted(found, key=_natural_key))
    return _layers_from_mapping(ordered, layout or "keras")


def _read_npz(path):
    """Every array of an ``.npz``, or one error naming the file and what was expected.

    Arrays are read in full, so zip's CRC check runs on each one; object arrays are refused
    (reading them would need pickle, which sktopo never enables for a file from elsewhere).
    """
    import zipfile

    if not zipfile.is_zipfile(path):
        raise ValueError(
            f"{path} is not an .npz archive (no zip structure: empty, truncated, or another "
            "format). Save weights with numpy.savez(path, **arrays)."
        )
    try:
        with np.load(path, allow_pickle=False) as data:
            return {k: data[k] for k in data.files}
    except (zipfile.BadZipFile, EOFError, OSError, KeyError) as exc:
        reason = f"{type(exc).__name__}: {exc}".split(" Use allow_pickle")[0]
        raise ValueError(
            f"{path} is not a readable .npz archive of numeric arrays ({reason.rstrip('.')}). "
            "It may be truncated or corrupted; save it again with numpy.savez."
        ) from None
    except ValueError as exc:
        if "allow_pickle" in str(exc) or "pickle" in str(exc).lower():
            raise ValueError(
                f"{path} holds object arrays, which only pickle can read; sktopo reads numeric "
                "arrays only. Save the weights as plain arrays (numpy.savez(path, **arrays))."
            ) from None
        raise ValueError(f"{path} is not a readable .npz archive: {exc}") from None


def _check_zip_integrity(path):
    """A torch checkpoint saved since torch 1.6 is a zip: test every member's CRC.

    torch.load does not, so bytes overwritten mid-file would load as silently changed weights.
    """
    import zipfile

    if not zipfile.is_zipfile(path):
        return  # the legacy format has no checksum; torch.load judges it
    try:
        with zipfile.ZipFile(path) as archive:
            bad = archive.testzip()
    except (zipfile.BadZipFile, EOFError, OSError) as exc:
        raise ValueError(f"{path} is a damaged checkpoint archive ({exc}).") from None
    if bad is not None:
        raise ValueError(
            f"{path} is corrupted: the checksum of its member {bad!r} does not match, so its "
            "weights are not the ones that were saved. Copy or save the file again."
        )


def _load_path(path, layout):
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"source: no weight file at {path}.")
    suffix = path.suffix.lower()
    if suffix in _HDF5_SUFFIXES:
        return _layers_from_hdf5(path, layout)
    if suffix == ".npz":
        return _layers_from_mapping(_read_npz(path), layout)
    if suffix == ".safetensors":
        try:
            from safetensors.numpy import load_file
        except ImportError as exc:
            raise ImportError(f"Reading {path} needs safetensors: pip install safetensors.") from exc
        return _layers_from_mapping(load_file(str(path)), layout)
    _check_zip_integrity(path)
    import torch

    try:
        # weights_only: a checkpoint from elsewhere must never run code while loading.
        obj = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:
        raise ValueError(
            f"{path} is not a weights file sktopo can read safely (torch.load with "
            f"weights_only=True failed: {type(exc).__name__}). Save a state dict "
            "(torch.save(model.state_dict(), path)), an .npz of arrays, or an HDF5 file."
        ) from exc
    if isinstance(obj, dict):
        return _layers_from_mapping(obj, layout)
    arr = as_numpy(obj)
    if arr is not None and arr.ndim == 4:
        return OrderedDict(weight=ConvLayer("weight", _to_torch_layout(arr, layout), groups=None))
    raise ValueError(f"{path} holds a {type(obj).__name__}, not a state dict or a 4-D kernel.")


# Any network source is dispatched on its type below, and the error for one that is none of
# them names ``source`` and lists what is readable.
@validate_params({"source": "no_validation", "layout": [StrOptions({"torch", "keras"}), None]},
                 prefer_skip_nested_validation=True)
def conv_layers(source, *, layout=None):
    """The conv layers of one source, in network order.

    Parameters
    ----------
    source : torch.nn.Module, skorch net, dict, str or Path, ndarray or Tensor
        A module; a fitted skorch net; a state dict (or any mapping of names to 4-D arrays, the
        8-bit quantised ``<name>_W_q`` / ``<name>_W_table`` format included); a checkpoint path
        (``.pt``/``.pth`` read with ``weights_only=True``, ``.npz``, ``.safetensors``, HDF5); or one
        4-D kernel.
    layout : {None, "torch", "keras"}, default=None
        Kernel layout of arrays: torch ``(out, in, kh, kw)`` or Keras ``(kh, kw, in, out)``.
        ``None`` means torch, except Keras for HDF5 files.

    Returns
    -------
    layers : OrderedDict of str to ConvLayer
        Weights converted to torch layout.
    """
    if layout not in _LAYOUTS:
        raise ValueError(f"layout must be one of {_LAYOUTS}; got {layout!r}.")
    skorch_net = already_imported("skorch.net")
    if skorch_net is not None and isinstance(source, skorch_net.NeuralNet):
        if not getattr(source, "initialized_", False):
            raise ValueError("The skorch net is not initialized; fit it (or call .initialize()) first.")
        source = source.module_
    torch = already_imported("torch")
    if torch is not None and isinstance(source, torch.nn.Module):
        layers = _layers_from_module(source)
    elif isinstance(source, (str, os.PathLike)):
        layers = _load_path(source, layout)
    elif isinstance(source, dict):
        layers = _layers_from_mapping(source, layout)
    elif as_numpy(source) is not None:
        arr = as_numpy(source)
        if arr.ndim != 4:
            raise ValueError(
                f"A weight array must be 4-D, (out, in, kh, kw) or with layout='keras' "
                f"(kh, kw, in, out); got shape {arr.shape}."
            )
        layers = OrderedDict(weight=ConvLayer("weight", _to_torch_layout(arr, layout),
                                              groups=None))
    else:
        raise TypeError(
            f"source: cannot read spatial filters from a {type(source).__name__}. Pass a torch module, a "
            "fitted skorch net, a state dict, a checkpoint path, a 4-D weight array, or a list of "
            "these."
        )
    if not layers:
        raise ValueError(f"No 2-D convolution kernels found in the {type(source).__name__} given.")
    return layers


def _select_layer(layers, layer):
    names = list(layers)
    if isinstance(layer, (int, np.integer)) and not isinstance(layer, bool):
        if not 1 <= layer <= len(names):
            raise ValueError(
                f"layer={layer} is out of range: conv layers are numbered 1..{len(names)} "
                f"({names})."
            )
        return layers[names[layer - 1]]
    if isinstance(layer, str):
        if layer not in layers:
            raise ValueError(f"No conv layer named {layer!r}. Layers: {names}.")
        return layers[layer]
    raise TypeError(f"layer must be a 1-based int or a layer name; got {layer!r}.")


def _check_kernel_size(kernel_size):
    """``kernel_size`` as ``(kh, kw)``, or None; one int means a square kernel.

    Checked here, not only by the decorator: callers such as ``snapshot_clouds`` skip nested
    validation, and a pair of the wrong length or of floats passes ``"array-like"``.
    """
    if kernel_size is None:
        return None
    if _SIDE.is_satisfied_by(kernel_size):
        return (int(kernel_size),) * 2
    try:
        sides = () if isinstance(kernel_size, str) else tuple(kernel_size)
    except TypeError:  # a float or another scalar
        sides = ()
    if len(sides) != 2 or not all(_SIDE.is_satisfied_by(v) for v in sides):
        raise ValueError(
            f"kernel_size must be an int or a pair (kh, kw) of positive ints, e.g. 3 or (3, 3), "
            f"or None for any size; got {kernel_size!r}."
        )
    return (int(sides[0]), int(sides[1]))


def _one_source(source, layer, kernel_size, layout, source_id):
    conv = _select_layer(conv_layers(source, layout=layout), layer)
    w = np.asarray(conv.weight)
    if w.dtype.kind not in "iuf":
        raise TypeError(
            f"Layer {conv.name!r} holds {w.dtype} values; spatial filters need real numbers "
            "(complex, text and object weights are not filters)."
        )
    w = w.astype(np.float64)
    if kernel_size is not None and conv.kernel_size != tuple(kernel_size):
        raise ValueError(
            f"Layer {conv.name!r} has {conv.kernel_size[0]}x{conv.kernel_size[1]} kernels, not "
            f"{kernel_size[0]}x{kernel_size[1]}. Pass kernel_size={conv.kernel_size} (or None for "
            "any size)."
        )
    if not np.isfinite(w).all():
        raise ValueError(
            f"Layer {conv.name!r} has {int((~np.isfinite(w)).sum())} NaN or infinite weights; the "
            "network probably diverged during training."
        )
    d, c = w.shape[:2]
    out_ch = np.repeat(np.arange(d), c)
    # Grouped / depthwise convs: output channel o sees input channels of its own group only.
    group_offset = (out_ch // max(d // (conv.groups or 1), 1)) * c
    provenance = pd.DataFrame(
        {
            "source": source_id,
            "layer": conv.name,
            "out_channel": out_ch,
            "in_channel": group_offset + np.tile(np.arange(c), d),
        }
    )
    return w.reshape(d * c, -1), provenance


@validate_params({"kernel_size": KERNEL_SIZE}, prefer_skip_nested_validation=True)
def extract_spatial_filters(
    source, layer=1, *, kernel_size=(3, 3), layout=None, return_provenance=False
):
    """Spatial filters of one conv layer as a 2-D point cloud.

    Parameters
    ----------
    source : network, state dict, path, array, or list of these
        See :func:`conv_layers`. A list pools the same layer of several networks into one cloud,
        the paper's ``N x`` notation.
    layer : int or str, default=1
        1-based index among the conv layers (the paper's superscript) or a layer name.
    kernel_size : int, tuple of int or None, default=(3, 3)
        Required kernel size; ``None`` accepts any.
    layout : {None, "torch", "keras"}, default=None
        Kernel layout of arrays (see :func:`conv_layers`).
    return_provenance : bool, default=False
        Also return a DataFrame with columns ``source`` (position in the list), ``layer``,
        ``out_channel`` and ``in_channel`` for every row.

    Returns
    -------
    filters : ndarray of shape (n_filters, kh * kw)
        Raw (not normalised) weights, row-major within each kernel.
    provenance : DataFrame
        Only when ``return_provenance=True``.

    Examples
    --------
    >>> import torch
    >>> from sktopo.filters import extract_spatial_filters
    >>> net = torch.nn.Sequential(torch.nn.Conv2d(1, 8, 3), torch.nn.ReLU(), torch.nn.Conv2d(8, 4, 3))
    >>> extract_spatial_filters(net, layer=2).shape
    (32, 9)
    """
    kernel_size = _check_kernel_size(kernel_size)
    sources = list(source) if isinstance(source, (list, tuple)) else [source]
    if not sources:
        raise ValueError("source is an empty list; pass at least one network.")
    parts = [_one_source(s, layer, kernel_size, layout, i) for i, s in enumerate(sources)]
    dims = {p[0].shape[1] for p in parts}
    if len(dims) > 1:
        raise ValueError(f"Pooled sources have different kernel sizes {sorted(dims)}; set kernel_size.")
    filters = np.concatenate([p[0] for p in parts])
    if return_provenance:
        return filters, pd.concat([p[1] for p in parts], ignore_index=True)
    return filters


class SpatialFilterExtractor(CollectionTransformer):
    """Networks to clouds of spatial filters (collection level).

    Each sample of ``X`` is a network source (see :func:`conv_layers`) or a list of sources to
    pool; ``transform`` returns one cloud per sample, so a collection of networks becomes a
    collection of clouds. Stateless.

    Parameters
    ----------
    layer : int or str, default=1
        1-based conv index or layer name.
    kernel_size : tuple of int or None, default=(3, 3)
        Required kernel size; ``None`` accepts any.
    layout : {None, "torch", "keras"}, default=None
        Kernel layout of arrays.

    Attributes
    ----------
    provenance_ : list of DataFrame
        Provenance of every row of every cloud extracted by :meth:`fit`.
    n_weights_ : int or None
        Weights per spatial filter (``kh * kw``), None when the clouds differ.

    See Also
    --------
    extract_spatial_filters : The function this wraps.

    Examples
    --------
    >>> import torch
    >>> from sktopo.filters import SpatialFilterExtractor
    >>> nets = [torch.nn.Conv2d(2, 4, 3) for _ in range(3)]
    >>> [c.shape for c in SpatialFilterExtractor().fit_transform(nets)]
    [(8, 9), (8, 9), (8, 9)]
    """

    _requires_fit = False
    _parameter_constraints = {
        "layer": [Number(Integral, 1, None, closed="left"), str],
        "kernel_size": KERNEL_SIZE,
        "layout": [StrOptions({"torch", "keras"}), None],
    }

    def __init__(self, layer=1, kernel_size=(3, 3), layout=None):
        self.layer = layer
        self.kernel_size = kernel_size
        self.layout = layout

    def _validate_collection(self, X):
        single = single_source_kind(X)
        if single is not None:
            raise ValueError(
                f"X is {single}; SpatialFilterExtractor takes a collection of networks, one "
                "sample each. Wrap it in a list: [X]."
            )
        if not hasattr(X, "__len__") or len(X) == 0:
            raise ValueError(
                "X must be a non-empty list of networks (or of lists of networks to pool)."
            )
        return list(X)

    def _transform_one(self, source, random_state):
        return extract_spatial_filters(
            source, self.layer, kernel_size=self.kernel_size, layout=self.layout,
            return_provenance=True,
        )

    def _remember(self, samples, results):
        self.provenance_ = [provenance for _, provenance in results]
        widths = {filters.shape[1] for filters, _ in results}
        self.n_weights_ = widths.pop() if len(widths) == 1 else None

    def get_feature_names_out(self, input_features=None):
        """Names of the weights of one spatial filter, row by row: ``w0``, ``w1``, ....

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Ignored.

        Returns
        -------
        feature_names_out : ndarray of str
            ``["w0", ..., "w{n_weights_ - 1}"]``.
        """
        check_is_fitted(self)
        if self.n_weights_ is None:
            raise ValueError("The clouds have different kernel sizes; their columns have no "
                             "common names. Set kernel_size to extract one size.")
        return np.asarray([f"w{i}" for i in range(self.n_weights_)], dtype=object)

    def _combine(self, results):
        return [filters for filters, _ in results]
