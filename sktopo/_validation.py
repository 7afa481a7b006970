"""Input checks shared by the filter-level and collection-level estimators.

A *cloud* is a 2-D float array ``(n_points, n_features)``; a *collection* is a list of clouds
(ragged) or a 3-D array ``(n_clouds, n_points, n_features)``. Diagrams are checked here too, in
the padded format of :mod:`sktopo.homology`, and network sources are told apart without importing
torch.
"""

import math
import os
import sys
from numbers import Integral, Real

import numpy as np
from sklearn import get_config

from ._compat import Interval


def _refuse_non_real(arr, name):
    """Complex, boolean, string and object data would be cast silently (or fail obscurely)."""
    if arr.dtype.kind == "c":
        raise TypeError(
            f"{name} holds complex numbers; spatial filters are real. Pass X.real if the "
            "imaginary part is known to be zero."
        )
    if arr.dtype.kind not in "iuf":
        raise TypeError(
            f"{name} must hold real numbers; got dtype {arr.dtype}. Convert it with "
            "np.asarray(X, dtype=float) if the values are numbers."
        )


def check_cloud(X, *, name="X", min_points=1, dtype=np.float64):
    """Return ``X`` as a finite 2-D float array with at least ``min_points`` rows.

    Raises a ``ValueError`` naming ``name`` for empty, non-2-D or non-finite input.
    """
    try:
        raw = X if isinstance(X, np.ndarray) else np.asarray(X)
    except (TypeError, ValueError) as exc:  # ragged nested lists
        raise TypeError(f"{name} must be a 2-D array of numbers; got {type(X).__name__}.") from exc
    _refuse_non_real(raw, name)
    arr = raw.astype(dtype, copy=False)
    if arr.ndim != 2:
        raise ValueError(
            f"{name} must be a 2-D array (n_points, n_features); got shape {arr.shape}. "
            "Reshape a single point with X.reshape(1, -1)."
        )
    if arr.shape[0] < min_points:
        raise ValueError(
            f"{name} has {arr.shape[0]} point(s); at least {min_points} needed. "
            "An empty cloud usually means an over-strict density filtration (raise p)."
        )
    if arr.shape[1] == 0:
        raise ValueError(f"{name} has 0 features; a spatial filter has kh*kw >= 1 weights.")
    if not get_config()["assume_finite"] and not np.isfinite(arr).all():
        bad = int((~np.isfinite(arr)).any(axis=1).sum())
        raise ValueError(
            f"{name} contains NaN or infinite values in {bad} row(s); "
            "check the source weights (a diverged training run?) or drop those rows first."
        )
    return arr


def check_collection(X, *, name="X", min_points=1, same_dim=True):
    """Return a collection as a list of checked clouds.

    Parameters
    ----------
    X : list of array-like of shape (n_points_i, n_features) or ndarray of shape \
            (n_clouds, n_points, n_features)
        The collection.
    name : str, default="X"
        Name used in error messages.
    min_points : int, default=1
        Minimum number of points in every cloud.
    same_dim : bool, default=True
        Require every cloud to have the same number of features.

    Returns
    -------
    clouds : list of ndarray of shape (n_points_i, n_features)
    """
    if isinstance(X, np.ndarray):
        if X.ndim == 2:
            raise ValueError(
                f"{name} is a single 2-D cloud, but this estimator works on collections of clouds. "
                f"Wrap it in a list: [{name}]."
            )
        if X.ndim != 3:
            raise ValueError(
                f"{name} must be a list of 2-D clouds or a 3-D array; got an array of shape "
                f"{X.shape}."
            )
    elif not isinstance(X, (list, tuple)):
        raise TypeError(
            f"{name} must be a list of 2-D clouds or a 3-D array; got {type(X).__name__}."
        )
    if len(X) == 0:
        raise ValueError(f"{name} is an empty collection; pass at least one cloud.")
    clouds = [
        check_cloud(c, name=f"{name}[{i}]", min_points=min_points) for i, c in enumerate(X)
    ]
    if same_dim:
        dims = sorted({c.shape[1] for c in clouds})
        if len(dims) > 1:
            raise ValueError(
                f"Clouds in {name} have different dimensions {dims}; every cloud of one collection "
                "must hold filters of the same kernel size."
            )
    return clouds


def collection_tags(tags, *, requires_fit=True):
    """Adjust scikit-learn tags for an estimator whose samples are clouds, not rows."""
    tags.input_tags.two_d_array = False
    tags.input_tags.three_d_array = True
    tags.requires_fit = requires_fit
    return tags


def resolve_count(value, n_points, *, name, at_most, fix):
    """A count given as an integer or as a fraction of the cloud, checked against the cloud.

    The one home of the data-dependent size checks (``k`` of the density estimate, landmarks):
    an integer must satisfy ``1 <= value <= at_most``, else a ``ValueError`` names the fix; a
    float in (0, 1) means that fraction of ``n_points``, rounded, kept within ``[1, at_most]``.

    Parameters
    ----------
    value : int or float
        The count, or a fraction of the cloud in (0, 1).
    n_points : int
        Points in the cloud.
    name : str
        Parameter name used in messages.
    at_most : int
        Largest count the cloud allows.
    fix : str
        What the user can do when an integer does not fit.

    Returns
    -------
    count : int
    """
    if isinstance(value, Real) and not isinstance(value, (Integral, bool)):
        if not 0 < value < 1:
            raise ValueError(
                f"{name}={value!r}: a float {name} is a fraction of the cloud and must lie in "
                "(0, 1); pass an integer for an absolute count."
            )
        return int(min(at_most, max(1, math.floor(value * n_points + 0.5))))
    if value > at_most:
        raise ValueError(
            f"{name}={value} does not fit a cloud of {n_points} points (at most {at_most}). "
            f"{fix} Or give {name} as a fraction of the cloud, e.g. {name}=0.1."
        )
    return int(value)


class Number(Interval):
    """scikit-learn's ``Interval`` constraint, refusing booleans: ``True`` is not a count."""

    def is_satisfied_by(self, val):
        return not isinstance(val, (bool, np.bool_)) and super().is_satisfied_by(val)


def unit_scale(X):
    """``X`` divided by a power of two near its largest magnitude, and that power.

    Distances computed as square roots of sums of squares overflow for values near 1e154 and
    underflow to zero below about 1e-154; every scale-free computation (a density ranking) or
    scale-covariant one (a barcode, whose values scale with the cloud) runs on the scaled cloud
    instead. A power of two divides and multiplies back exactly, so ordinary clouds give
    bit-identical results.

    Examples
    --------
    >>> import numpy as np
    >>> scaled, factor = unit_scale(np.array([[3e300, -1e300]]))
    >>> factor == 2.0 ** 998, 1 <= float(np.abs(scaled).max()) < 2
    (True, True)
    """
    peak = float(np.abs(X).max()) if np.size(X) else 0.0
    if peak == 0.0 or not np.isfinite(peak):
        return X, 1.0
    factor = math.ldexp(1.0, math.frexp(peak)[1] - 1)  # scaled peak in [1, 2): no overflow
    return X / factor, factor


#: Constraints shared by the public functions (scikit-learn's ``validate_params`` vocabulary).
COUNT = [Number(Integral, 1, None, closed="left")]
KERNEL_SIDE = [Number(Integral, 2, None, closed="left")]
RANDOM_STATE = ["random_state"]
PATH = [str, os.PathLike]


def check_values(values, *, name):
    """``values`` as a finite float array; a clear error naming ``name`` otherwise."""
    arr = np.asarray(values)
    _refuse_non_real(arr, name)
    arr = arr.astype(np.float64)
    if not np.isfinite(arr).all():
        raise ValueError(f"{name} contains NaN or infinite values.")
    return arr


def already_imported(name):
    """The module ``name`` if something already imported it, else None.

    A tensor, module or skorch net can only exist once its library is imported, so looking in
    ``sys.modules`` tells torch sources apart without importing torch (seconds) for numpy inputs.
    """
    return sys.modules.get(name)


def as_numpy(value):
    """``value`` itself if it is a numpy array, a torch tensor's numpy array, else None."""
    if isinstance(value, np.ndarray):
        return value
    torch = already_imported("torch")
    if torch is not None and isinstance(value, torch.Tensor):
        return _tensor_to_numpy(torch, value)
    return None


def _tensor_to_numpy(torch, tensor):
    """Quantised tensors dequantised, low-precision floats widened (numpy has no bfloat16)."""
    tensor = tensor.detach().cpu()
    if tensor.is_quantized:
        tensor = tensor.dequantize()
    if tensor.is_complex():
        raise TypeError("A weight tensor is complex; spatial filters are real numbers.")
    if tensor.is_floating_point() and tensor.dtype not in (torch.float32, torch.float64):
        tensor = tensor.to(torch.float32)
    return tensor.numpy()


def single_source_kind(X):
    """What ``X`` is when it is one network rather than a collection of them (else None)."""
    if isinstance(X, dict):
        return "a single state dict"
    if isinstance(X, (str, os.PathLike)):
        return "a single path"
    if hasattr(X, "state_dict") and hasattr(X, "parameters"):
        return "a single network"
    if hasattr(X, "module_") or hasattr(X, "initialize"):
        return "a single skorch net"
    if isinstance(X, np.ndarray) and X.ndim == 4:
        return "a single 4-D kernel"
    return None


def check_bars(bars, name):
    """Refuse bars that no filtration gives; return ``bars`` unchanged.

    ``bars`` is a float array whose last axis starts with ``(birth, death)``. A NaN, an infinite
    birth or a death before its birth would pass silently into NaN features, zero distances and
    bars drawn backwards; an infinite death is legal (a class that never dies, the H0 bar).
    """
    birth, death = bars[..., 0], bars[..., 1]
    if np.isnan(bars).any():
        raise ValueError(f"{name} contains NaN; births and deaths must be numbers.")
    if not np.isfinite(birth).all():
        raise ValueError(
            f"{name} has a bar with an infinite birth; births must be finite (only a death may "
            "be np.inf, for a class that never dies)."
        )
    backwards = death < birth
    if backwards.any():
        first = bars[backwards][0, :2].tolist()
        raise ValueError(
            f"{name} has {int(backwards.sum())} bar(s) with death < birth, e.g. {first}; each "
            "row is (birth, death): swap the columns if they came as (death, birth)."
        )
    return bars


def check_per_dimension(dgms, name):
    """Ripser-style diagrams (one ``(n_q, 2)`` array per dimension) as checked float arrays."""
    if not isinstance(dgms, (list, tuple)) or len(dgms) == 0:
        raise TypeError(
            f"{name} must be a non-empty list of (n_q, 2) arrays, one per homology dimension "
            "(ripser's 'dgms'); got " + type(dgms).__name__ + "."
        )
    out = []
    for q, d in enumerate(dgms):
        shape = np.shape(d)
        if np.size(d) == 0:
            out.append(np.empty((0, 2)))
            continue
        # Only (n, 2) or a single (2,) pair: reshaping (n, 3) rows as pairs would pair up
        # numbers of different bars without a word.
        if shape not in ((2,),) and (len(shape) != 2 or shape[1] != 2):
            raise ValueError(
                f"{name}[{q}] must have shape (n_pairs, 2) of (birth, death); got {shape}. "
                "Padded rows [birth, death, dim] go through unpad_diagrams first."
            )
        out.append(check_bars(np.asarray(d, dtype=np.float64).reshape(-1, 2), f"{name}[{q}]"))
    return out


def check_padded(X, name="X"):
    """Validate a padded diagram array and return it as float64 of shape (n, n_pairs, 3)."""
    try:
        arr = np.asarray(X, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(
            f"{name} must be a padded diagram array of shape (n_samples, n_pairs, 3), "
            "e.g. the output of Persistence; got " + type(X).__name__ + "."
        ) from exc
    if arr.ndim == 2 and arr.shape[-1] == 3:
        raise ValueError(
            f"{name} looks like a single diagram of shape {arr.shape}; wrap it as {name}[None] "
            "to make a collection of one."
        )
    if arr.ndim != 3 or arr.shape[2] != 3 or arr.shape[0] == 0:
        raise ValueError(
            f"{name} must have shape (n_samples, n_pairs, 3) with rows [birth, death, dim]; "
            f"got {arr.shape}. Convert ripser lists with pad_diagrams."
        )
    if np.isnan(arr).any():
        raise ValueError(f"{name} contains NaN; padding rows must be [0, 0, dim].")
    dims = arr[..., 2]
    if not np.isfinite(dims).all() or (dims != np.round(dims)).any() or (dims < 0).any():
        raise ValueError(f"{name}[..., 2] must hold non-negative integer homology dimensions.")
    return check_bars(arr, name)
