r"""The paper's network families ``M(X, Y, Z)`` and ``C(X, Y, Z)`` and their building blocks.

Both families are ``conv -> ReLU -> pool [-> LRN]`` blocks followed by one dense layer and a
10-way output (Tables I and II of the paper). A size of 0 removes its block. Convolutions are 3x3
with padding 1, so they keep the spatial size; pooling uses TensorFlow's ``SAME`` rule (output
``ceil(size / stride)``), as the original networks did, so any input size works. Modules return
logits; the skorch wrappers pair them with a cross-entropy loss, whose softmax is the paper's
"softmax" output.
"""

import math

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .._compat import Integral, validate_params
from .._docstrings import fill_doc
from .._validation import COUNT
from ..datasets import GRAY_WEIGHTS

_CHANNELS = "the number of image channels (1 for greyscale, 3 for colour)"


# --------------------------------------------------------------------------- input handling
def _positive_int(value, name, meaning):
    """``value`` as an int >= 1. torch builds layers of width 0 without a word (a network that
    cannot see its images or has no class to predict), and reads a bool as 0 or 1."""
    if not COUNT[0].is_satisfied_by(value):
        raise ValueError(f"{name} must be a positive int, {meaning}; got {value!r}.")
    return int(value)


def _check_input_shape(input_shape):
    if input_shape is None:
        return None
    try:
        shape = () if isinstance(input_shape, str) else tuple(input_shape)
    except TypeError:  # a bare number
        shape = ()
    if len(shape) != 3 or not all(COUNT[0].is_satisfied_by(s) for s in shape):
        raise ValueError(
            "input_shape must be (C, H, W) of positive ints, e.g. (1, 28, 28) for MNIST or "
            f"(3, 32, 32) for CIFAR-10; got {input_shape!r}."
        )
    return tuple(int(s) for s in shape)


def _all_finite(x):
    """Whether every value is finite; True inside ``torch.func.vmap``, where a data-dependent
    check cannot run (the batched runner checks its inputs before the loop)."""
    try:
        return bool(torch.isfinite(x).all())
    except RuntimeError:
        return True


def image_batch(x, input_shape=None):
    """Reshape a batch to ``(n, C, H, W)`` float: accepts ``(n, H, W)``, ``(n, C, H, W)``, flat.

    Flat rows of length ``L`` become ``input_shape`` when given, else ``(1, sqrt(L), sqrt(L))``.
    """
    if not torch.is_floating_point(x):
        x = x.float()
    if x.ndim == 4:
        return x
    if x.ndim == 3:
        return x.unsqueeze(1)
    if x.ndim == 2:
        n, length = x.shape
        if input_shape is not None:
            if int(np.prod(input_shape)) != length:
                raise ValueError(
                    f"Flat images have {length} values each, but input_shape={tuple(input_shape)} "
                    f"needs {int(np.prod(input_shape))}. Pass images as (n, H, W) or (n, C, H, W), "
                    "or set module__input_shape."
                )
            return x.reshape(n, *input_shape)
        side = math.isqrt(length)
        if side * side != length:
            raise ValueError(
                f"Flat images of {length} values are not square; pass (n, C, H, W) images or set "
                "module__input_shape=(C, H, W)."
            )
        return x.reshape(n, 1, side, side)
    raise ValueError(
        f"Images must be (n, H, W), (n, C, H, W) or flat (n, H*W); got a batch of shape "
        f"{tuple(x.shape)}."
    )


class SamePool2d(nn.Module):
    """Max-pooling with TensorFlow's ``SAME`` padding: output size ``ceil(size / stride)``.

    Padding uses ``-inf``, so padded cells never win the max.

    Parameters
    ----------
    kernel_size : int
        Side of the square pooling window.
    stride : int
        Step of the window, in both directions.
    """

    def __init__(self, kernel_size, stride):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride

    def _pads(self, size):
        out = -(-size // self.stride)
        total = max((out - 1) * self.stride + self.kernel_size - size, 0)
        return total // 2, total - total // 2

    def forward(self, x):
        top, bottom = self._pads(x.shape[-2])
        left, right = self._pads(x.shape[-1])
        if top or bottom or left or right:
            x = F.pad(x, (left, right, top, bottom), value=-math.inf)
        return F.max_pool2d(x, self.kernel_size, self.stride)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding=SAME"


# --------------------------------------------------------------------------- preprocessing
@validate_params({"images": ["array-like"], "weights": ["array-like"], "channel_axis": [Integral]},
                 prefer_skip_nested_validation=True)
def to_grayscale(images, weights=GRAY_WEIGHTS, channel_axis=1):
    """Grayscale with the paper's weights ``(0.2989, 0.5870, 0.1140)`` for R, G, B.

    Parameters
    ----------
    images : ndarray or Tensor
        Colour images with three channels on ``channel_axis``.
    weights : tuple of 3 float, default=(0.2989, 0.5870, 0.1140)
        Weights of red, green and blue.
    channel_axis : int, default=1
        Axis of the colour channels (1 for ``(n, 3, H, W)``, -1 for ``(n, H, W, 3)``).

    Returns
    -------
    gray : same type as ``images``
        The channel axis kept with length 1.

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo.nn import to_grayscale
    >>> to_grayscale(np.ones((2, 3, 4, 4))).shape
    (2, 1, 4, 4)
    """
    if len(images.shape) < 2 or images.shape[channel_axis] != 3:
        raise ValueError(
            f"to_grayscale needs images with 3 colour channels on axis {channel_axis}; got shape "
            f"{tuple(images.shape)}. Set channel_axis=-1 for (n, H, W, 3) images."
        )
    if isinstance(images, torch.Tensor):
        w = torch.as_tensor(weights, dtype=images.dtype if images.is_floating_point() else None,
                            device=images.device)
        moved = images.movedim(channel_axis, -1).to(w.dtype)
        return (moved @ w).unsqueeze(-1).movedim(-1, channel_axis)
    moved = np.moveaxis(np.asarray(images, dtype=np.float64), channel_axis, -1)
    return np.moveaxis((moved @ np.asarray(weights))[..., None], -1, channel_axis)


@validate_params({"x": [torch.Tensor]}, prefer_skip_nested_validation=True)
def per_image_standardization(x):
    r"""``(x - mean) / max(std, 1 / sqrt(N))`` per image over its ``N = C H W`` values.

    TensorFlow's ``per_image_standardization``, the paper's "mean-centering and normalizing".

    Parameters
    ----------
    x : Tensor of shape (n, C, H, W)
        A batch of images (any shape whose first axis is the image).

    Returns
    -------
    x : Tensor
        The standardised images, of the shape of ``x``.
    """
    flat = x.reshape(x.shape[0], -1)
    mean = flat.mean(dim=1, keepdim=True)
    std = flat.std(dim=1, unbiased=False, keepdim=True)
    floor = 1.0 / math.sqrt(flat.shape[1])
    return ((flat - mean) / std.clamp_min(floor)).reshape(x.shape)


@validate_params({"x": [torch.Tensor], "size": COUNT, "flip": ["boolean"]},
                 prefer_skip_nested_validation=True)
def random_crop_flip(x, size, *, flip=True, generator=None):
    """A random ``size x size`` crop of every image, each flipped left-right with probability 1/2.

    Parameters
    ----------
    x : Tensor of shape (n, C, H, W)
        A batch of images.
    size : int
        Crop side, at most ``H`` and ``W``.
    flip : bool, default=True
        Flip each crop left-right with probability 1/2; ``False`` only crops.
    generator : torch.Generator or None, default=None
        Source of the crop offsets and flips; ``None`` uses torch's global generator.

    Returns
    -------
    crops : Tensor of shape (n, C, size, size)
        One crop per image.
    """
    n, _, h, w = x.shape
    if size > h or size > w:
        raise ValueError(f"crop size {size} is larger than the {h}x{w} images.")
    oy = torch.randint(0, h - size + 1, (n,), generator=generator, device=x.device)
    ox = torch.randint(0, w - size + 1, (n,), generator=generator, device=x.device)
    ar = torch.arange(size, device=x.device)
    rows = oy[:, None] + ar
    cols = ox[:, None] + ar
    if flip:
        flips = torch.rand(n, generator=generator, device=x.device) < 0.5
        cols = torch.where(flips[:, None], cols.flip(1), cols)
    idx = torch.arange(n, device=x.device)[:, None, None]
    # Advanced indexing puts the broadcast (n, size, size) dims first, channels last.
    return x[idx, :, rows[:, :, None], cols[:, None, :]].permute(0, 3, 1, 2)


@validate_params({"x": [torch.Tensor], "size": COUNT}, prefer_skip_nested_validation=True)
def center_crop(x, size):
    """The central ``size x size`` crop of every image (test-time twin of the random crop).

    Parameters
    ----------
    x : Tensor of shape (..., H, W)
        Images, the last two axes being height and width.
    size : int
        Crop side, at most ``H`` and ``W``.

    Returns
    -------
    crops : Tensor of shape (..., size, size)
        The central crops (a view of ``x``).
    """
    h, w = x.shape[-2:]
    if size > h or size > w:
        raise ValueError(f"crop size {size} is larger than the {h}x{w} images.")
    top, left = (h - size) // 2, (w - size) // 2
    return x[..., top:top + size, left:left + size]


class CifarPreprocess(nn.Module):
    """The paper's CIFAR-10 input pipeline as the first layer of a network.

    Training mode: a random ``crop x crop`` crop, a random left-right flip, per-image
    standardisation. Evaluation mode: the central crop, per-image standardisation. Randomness
    comes from torch's global generator, which the training seed sets.

    Parameters
    ----------
    crop : int or None, default=24
        Crop side; ``None`` keeps the full image (standardisation only).
    flip : bool, default=True
        Random left-right flips during training.
    grayscale : bool, default=False
        Convert RGB input to one channel first (the paper's grayscaled CIFAR experiments).
    """

    def __init__(self, crop=24, flip=True, grayscale=False):
        super().__init__()
        self.crop = crop
        self.flip = flip
        self.grayscale = grayscale

    def forward(self, x):
        if self.grayscale and x.shape[1] == 3:
            x = to_grayscale(x)
        if self.crop is not None:
            x = random_crop_flip(x, self.crop, flip=self.flip) if self.training else center_crop(
                x, self.crop
            )
        elif self.flip and self.training:
            flips = torch.rand(x.shape[0], device=x.device) < 0.5
            x = torch.where(flips[:, None, None, None], x.flip(-1), x)
        return per_image_standardization(x)


class Grayscale(nn.Module):
    """RGB to one channel with the paper's weights (identity on one-channel input)."""

    def forward(self, x):
        return to_grayscale(x) if x.shape[1] == 3 else x


# --------------------------------------------------------------------------- fixed filters
def resolve_filter_bank(bank, n_filters=None, *, name="filters", size=3, random_state=0):
    """A fixed filter bank as an ``(n, size*size)`` float array.

    ``bank`` is an array of filters (rows, or ``(n, size, size)`` kernels) or the name of an
    idealised kind (see :func:`sktopo.filters.idealized_filters`), then drawn with ``n_filters``
    filters (``n_filters // 3`` per circle for ``"three_circle"``).
    """
    if isinstance(bank, str):
        from ..filters import idealized_filters

        if n_filters is None:
            n_filters = 64
        per = n_filters
        if bank == "three_circle":
            if n_filters % 3:
                raise ValueError(
                    f"{name}='three_circle' gives 3 circles of equal size, so the layer depth must "
                    f"be a multiple of 3; got {n_filters}."
                )
            per = n_filters // 3
        arr = idealized_filters(bank, per, size=size, random_state=random_state)
    else:
        arr = np.asarray(bank, dtype=np.float64)
        if arr.ndim == 3:
            arr = arr.reshape(arr.shape[0], -1)
        if arr.ndim != 2 or arr.shape[1] != size * size:
            raise ValueError(
                f"{name} must be an array of {size}x{size} filters, shape (n, {size * size}) or "
                f"(n, {size}, {size}), or an idealised kind name; got shape {arr.shape}."
            )
        if not np.isfinite(arr).all():
            raise ValueError(f"{name} contains NaN or infinite values.")
    if n_filters is not None and arr.shape[0] != n_filters:
        raise ValueError(
            f"{name} holds {arr.shape[0]} filters but the layer has {n_filters} output channels; "
            f"pass {n_filters} filters or change the layer depth to {arr.shape[0]}."
        )
    return arr


class AppendedFilters(nn.Module):
    r"""Append each image's responses to a fixed 3x3 filter bank as extra input channels.

    The paper's "appended features": the inner product of every 3x3 patch with every filter of
    the bank, placed at the patch's centre pixel (zero padding at the border). For ``C`` input
    channels and ``K`` filters the output has ``C (1 + K)`` channels: the raw image, then the
    bank applied to each channel. The bank is a buffer, so it never trains.

    Parameters
    ----------
    filters : array-like of shape (K, 9) or (K, 3, 3), or str
        The bank, or an idealised kind (``"primary_circle"``, ``"klein_bottle"``,
        ``"three_circle"``, ``"gaussian"``) drawn with ``n_filters`` filters.
    n_filters : int, default=64
        Filters drawn when ``filters`` is a name.
    in_channels : int, default=1
        Channels of the images.
    random_state : int, default=0
        Seed of the random kinds.

    Examples
    --------
    >>> import torch
    >>> from sktopo.nn import AppendedFilters
    >>> AppendedFilters("primary_circle", n_filters=8)(torch.zeros(2, 1, 28, 28)).shape
    torch.Size([2, 9, 28, 28])
    """

    def __init__(self, filters, n_filters=64, in_channels=1, random_state=0):
        super().__init__()
        n = None if not isinstance(filters, str) else n_filters
        bank = resolve_filter_bank(filters, n, name="filters", random_state=random_state)
        self.in_channels = _positive_int(in_channels, "in_channels", _CHANNELS)
        k = torch.as_tensor(bank, dtype=torch.float32).reshape(-1, 1, 3, 3)
        self.register_buffer("bank", k.repeat(in_channels, 1, 1, 1))

    @property
    def out_channels(self):
        return self.in_channels * (1 + self.bank.shape[0] // self.in_channels)

    def forward(self, x):
        if x.shape[1] != self.in_channels:
            raise ValueError(
                f"AppendedFilters was built for {self.in_channels} input channel(s); got "
                f"{x.shape[1]}."
            )
        responses = F.conv2d(x, self.bank.to(x.dtype), padding=1, groups=self.in_channels)
        return torch.cat([x, responses], dim=1)


# --------------------------------------------------------------------------- the two families
class _PaperNet(nn.Module):
    """Shared body of M and C: conv blocks, dense block, 10-way linear output."""

    kind = None

    def __init__(self, X=64, Y=32, Z=64, *, input_shape=None, in_channels=None, n_classes=10,
                 fixed_filters=None, append_filters=None, n_append=64, pool=True,
                 preprocess=None, dropout=None, stride=1, init=None, random_state=None):
        super().__init__()
        if not isinstance(stride, (int, np.integer)) or isinstance(stride, bool) or stride < 1:
            raise ValueError(f"stride must be a positive int; got {stride!r}.")
        if init not in (None, "tf"):
            raise ValueError(f"init must be None (torch's default) or 'tf'; got {init!r}.")
        self.stride = int(stride)
        self.init = init
        for nm, v in (("X", X), ("Y", Y), ("Z", Z)):
            if not isinstance(v, (int, np.integer)) or isinstance(v, bool) or v < 0:
                raise ValueError(f"{self.kind}(X, Y, Z): {nm} must be a non-negative int; got {v!r}.")
        if fixed_filters is not None and X == 0:
            raise ValueError("fixed_filters needs a first conv layer, but X=0 removes it.")
        self.sizes = (int(X), int(Y), int(Z))
        self.input_shape = _check_input_shape(input_shape)
        if in_channels is None:
            in_channels = self.input_shape[0] if self.input_shape is not None else 1
        self.in_channels = _positive_int(in_channels, "in_channels", _CHANNELS)
        self.n_classes = _positive_int(n_classes, "n_classes", "the number of output classes "
                                       "(10 for MNIST and CIFAR-10)")
        # Named random banks (fixed or appended) are drawn with the net's own seed, so networks
        # of different seeds get different draws.
        self._bank_seed = 0 if random_state is None else int(random_state)
        # A private seed for the initial weights, so a net is reproducible without touching
        # (or depending on) torch's global generator.
        with torch.random.fork_rng(devices=[]):
            if random_state is not None:
                torch.manual_seed(int(random_state))
            self._build(fixed_filters, append_filters, n_append, pool, preprocess, dropout)

    def _build(self, fixed_filters, append_filters, n_append, pool, preprocess, dropout):
        X, Y, Z = self.sizes
        layers = []
        if preprocess == "cifar":
            layers.append(("preprocess", CifarPreprocess()))
        elif preprocess == "cifar_gray":
            layers.append(("preprocess", CifarPreprocess(grayscale=True)))
            self.in_channels = 1 if self.in_channels == 3 else self.in_channels
        elif preprocess == "grayscale":
            layers.append(("preprocess", Grayscale()))
            self.in_channels = 1
        elif preprocess is not None and not isinstance(preprocess, nn.Module):
            raise ValueError(
                f"preprocess must be None, 'cifar', 'cifar_gray', 'grayscale' or a torch module; "
                f"got {preprocess!r}."
            )
        elif isinstance(preprocess, nn.Module):
            layers.append(("preprocess", preprocess))
        channels = self.in_channels
        if append_filters is not None:
            app = AppendedFilters(append_filters, n_append, in_channels=channels,
                                  random_state=self._bank_seed)
            layers.append(("appended", app))
            channels = app.out_channels
        self.features = nn.Sequential()
        for name, mod in layers:
            self.features.add_module(name, mod)
        conv_index = 0
        for depth, block in ((X, 1), (Y, 2)):
            if depth == 0:
                continue
            conv_index += 1
            conv = nn.Conv2d(channels, depth, 3, padding=1, stride=self.stride if block == 1 else 1)
            if self.init == "tf":
                # TensorFlow's MNIST tutorial, which the paper's nets followed: truncated normal
                # weights (std 0.1, cut at two std) and biases 0.1. Short CPU runs show the
                # primary circle far more clearly from this start than from torch's default.
                nn.init.trunc_normal_(conv.weight, std=0.1, a=-0.2, b=0.2)
                nn.init.constant_(conv.bias, 0.1)
            self.features.add_module(f"conv{block}", conv)
            self.features.add_module(f"relu{block}", nn.ReLU())
            if pool:
                self.features.add_module(f"pool{block}", self._pool(block))
            if self.kind == "C":
                self.features.add_module(
                    f"lrn{block}", nn.LocalResponseNorm(size=9, alpha=0.001, beta=0.75, k=1.0)
                )
            channels = depth
        if fixed_filters is not None:
            self._fix_first(fixed_filters)
        self.flatten = nn.Flatten()
        n_flat = self._flat_size(channels, pool) if self.input_shape is not None else None
        head = []
        if Z:
            head += [("fc", nn.Linear(n_flat, Z) if n_flat else nn.LazyLinear(Z)), ("fc_relu",
                     nn.ReLU())]
            drop = 0.5 if (dropout is None and self.kind == "M") else (dropout or 0.0)
            if drop:
                head.append(("dropout", nn.Dropout(drop)))
            head.append(("out", nn.Linear(Z, self.n_classes)))
        else:
            head.append(("out", nn.Linear(n_flat, self.n_classes) if n_flat else
                         nn.LazyLinear(self.n_classes)))
        self.head = nn.Sequential()
        for name, mod in head:
            self.head.add_module(name, mod)

    def _fix_first(self, fixed_filters):
        conv = self.features.conv1
        n_out, n_in = conv.weight.shape[:2]
        if isinstance(fixed_filters, str):
            bank = resolve_filter_bank(fixed_filters, n_out, name="fixed_filters",
                                       random_state=self._bank_seed)
        else:
            bank = resolve_filter_bank(fixed_filters, None, name="fixed_filters")
            if bank.shape[0] not in (n_out, n_out * n_in):
                raise ValueError(
                    f"fixed_filters holds {bank.shape[0]} filters but the first conv layer has "
                    f"{n_out} output channel(s) and {n_in} input channel(s): pass {n_out} filters "
                    f"(shared by the input channels) or {n_out * n_in} (one per channel pair)."
                )
        w = torch.as_tensor(bank, dtype=conv.weight.dtype)
        if w.shape[0] == n_out:
            # One filter per output channel, shared by its input channels.
            w = w.reshape(n_out, 1, 3, 3).expand(n_out, n_in, 3, 3)
        w = w.reshape(n_out, n_in, 3, 3)
        with torch.no_grad():
            conv.weight.copy_(w)
            conv.bias.zero_()
        conv.weight.requires_grad_(False)
        conv.bias.requires_grad_(False)

    def _pool(self, block):
        raise NotImplementedError

    def _flat_size(self, channels, pool):
        _, h, w = self.input_shape
        with torch.no_grad():
            probe = torch.zeros(1, *self.input_shape)
            was_training = self.features.training
            n = int(self.features.eval()(probe).numel())
            self.features.train(was_training)
            return n

    def forward(self, x):
        x = image_batch(x, self.input_shape)
        pre = getattr(self.features, "preprocess", None)
        to_gray = isinstance(pre, Grayscale) or getattr(pre, "grayscale", False)
        if x.shape[1] != self.in_channels and not (to_gray and x.shape[1] == 3):
            raise ValueError(
                f"{self.kind}{self.sizes} was built for {self.in_channels} input channel(s); got "
                f"images with {x.shape[1]}. Set module__in_channels (or module__input_shape)."
            )
        ref = next((p for p in self.parameters()
                    if not isinstance(p, nn.parameter.UninitializedParameter)), None)
        if ref is not None and x.dtype != ref.dtype:
            x = x.to(ref.dtype)
        if not self.training and not _all_finite(x):
            # Training inputs are checked before training starts; predictions are checked here.
            raise ValueError("Images contain NaN or infinite pixel values; no prediction is "
                             "meaningful for them.")
        features = self.flatten(self.features(x))
        try:
            return self.head(features)
        except RuntimeError as exc:
            if "shapes cannot be multiplied" not in str(exc):
                raise
            raise ValueError(
                f"{self.kind}{self.sizes} got {tuple(x.shape[2:])} images, but its dense layer was "
                f"sized for the images it was built or first trained with (input_shape="
                f"{self.input_shape}). Give images of that size."
            ) from None


@fill_doc
class MNet(_PaperNet):
    r"""The MNIST network ``M(X, Y, Z)`` of the paper's Table I.

    ``conv 3x3xX, ReLU, 2x2 max-pool -> conv 3x3xY, ReLU, 2x2 max-pool -> dense Z, ReLU ->
    dropout 0.5 -> 10 logits``; a 0 removes its block. Train with Adam and cross-entropy.

    Parameters
    ----------
    %(paper_net_layers)s
    preprocess : {None, "grayscale", "cifar", "cifar_gray"} or Module, default=None
        Input pipeline run inside the net (see :class:`CifarPreprocess`).
    dropout : float or None, default=None
        Dropout after the dense layer; ``None`` means the paper's 0.5.
    stride : int, default=1
        Stride of the first conv layer. The paper's nets use 1; a larger stride trains many
        first-layer filters cheaply (the demo uses 4), at some cost in accuracy.
    %(paper_net_init)s

    Examples
    --------
    >>> import torch
    >>> from sktopo.nn import MNet
    >>> MNet(8, 0, 16, input_shape=(1, 28, 28), random_state=0)(torch.zeros(3, 784)).shape
    torch.Size([3, 10])
    """

    kind = "M"

    def _pool(self, block):
        return SamePool2d(2, 2)


@fill_doc
class CNet(_PaperNet):
    r"""The CIFAR-10 network ``C(X, Y, Z)`` of the paper's Table II.

    ``conv 3x3xX, ReLU, 3x3 max-pool stride 2, LRN -> conv 3x3xY, ReLU, 2x2 max-pool stride 1,
    LRN -> dense Z, ReLU -> 10 logits``; LRN is ``LocalResponseNorm(size=9, alpha=0.001,
    beta=0.75, k=1)`` (TensorFlow's depth radius 4). Train with SGD, cross-entropy and an L2
    weight loss (see :func:`make_net`). The parameters are :class:`MNet`'s, except that
    ``dropout`` defaults to none.

    Parameters
    ----------
    %(paper_net_layers)s
    preprocess : {None, "grayscale", "cifar", "cifar_gray"} or Module, default=None
        Input pipeline run inside the net; ``"cifar"`` adds the random-crop / flip / standardise
        pipeline (:class:`CifarPreprocess`), ``"cifar_gray"`` the same after grayscaling.
    dropout : float or None, default=None
        Dropout after the dense layer; ``None`` means none.
    stride : int, default=1
        Stride of the first conv layer (the paper's nets use 1).
    %(paper_net_init)s

    Examples
    --------
    >>> import torch
    >>> from sktopo.nn import CNet
    >>> CNet(8, 4, 16, input_shape=(3, 24, 24), random_state=0)(torch.zeros(2, 3, 24, 24)).shape
    torch.Size([2, 10])
    """

    kind = "C"

    def _pool(self, block):
        return SamePool2d(3, 2) if block == 1 else SamePool2d(2, 1)


ARCHITECTURES = {"M": MNet, "C": CNet}
