"""Typed presets of the experiments, and the one parser of their ``--set key=value`` options.

Each experiment declares a frozen dataclass of its knobs (a subclass of :class:`Preset`) and
three instances of it, its scales ``tiny``, ``small`` and ``paper``. :func:`resolve_preset`
picks a scale and overrides fields from strings (``sktopo reproduce --set``) or Python values,
converting each by the field's type annotation; a wrong key or value raises a ``ValueError``
naming the experiment, the key, what was expected and the valid keys.
"""

import dataclasses
import difflib
import numbers
import os
import types
import typing
from pathlib import Path

import numpy as np

from .._compat import HasMethods, validate_params
from ..report import to_jsonable

#: Scale names, from a test run in seconds to the paper's runs on a GPU.
SCALES = ("tiny", "small", "paper")

#: Strings that mean None for an optional field ("all" reads naturally for sizes: all images).
_NONE_WORDS = ("none", "")
_ALL_WORD = "all"

_TRUE_WORDS = ("1", "true", "yes", "on")
_FALSE_WORDS = ("0", "false", "no", "off")

#: What a value of a plain type looks like, for messages (singular, plural).
_NAMES = {
    int: ("an integer", "integers"),
    float: ("a number", "numbers"),
    bool: ("true or false", "true/false values"),
    str: ("a string", "names"),
    Path: ("a path", "paths"),
}


@dataclasses.dataclass(frozen=True, kw_only=True)
class Preset:
    """Base of the experiments' presets: frozen, keyword-only fields with type annotations.

    A subclass may check its fields in ``__post_init__`` (raising ``ValueError``); the check
    runs for the scale instances and for every override.
    """

    @classmethod
    def field_types(cls):
        """``{field name: type annotation}`` of the preset's fields."""
        hints = typing.get_type_hints(cls)
        return {f.name: hints[f.name] for f in dataclasses.fields(cls)}

    def to_settings(self):
        """The fields as a plain dict for a report (see :func:`sktopo.report.to_jsonable`)."""
        return to_jsonable(dataclasses.asdict(self))

    def run_settings(self, *, scale, random_state, data_home):
        """:meth:`to_settings` plus what every run records beside its preset."""
        return {**self.to_settings(), "scale": scale, "random_state": random_state,
                "data_home": None if data_home is None else str(data_home)}


def _optional_inner(kind):
    """``X`` for ``X | None`` (or ``Optional[X]``), else None."""
    if typing.get_origin(kind) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(kind) if a is not type(None)]
        if len(args) == 1 and len(typing.get_args(kind)) == 2:
            return args[0]
    return None


def describe(kind):
    """What a value of type annotation ``kind`` looks like, in words.

    Examples
    --------
    >>> describe(tuple[int, int, int])
    '3 comma-separated integers, e.g. 64,32,64'
    >>> describe(int | None)
    'an integer or none'
    """
    inner = _optional_inner(kind)
    if inner is not None:
        return f"{describe(inner)} or none"
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if origin is typing.Literal:
        return "one of " + ", ".join(repr(a) for a in args)
    if origin is tuple:
        item = args[0]
        items = (f"names from {', '.join(map(repr, typing.get_args(item)))}"
                 if typing.get_origin(item) is typing.Literal else _NAMES[item][1])
        if args[-1] is Ellipsis:
            return f"comma-separated {items}"
        return f"{len(args)} comma-separated {items}" + (", e.g. 64,32,64" if item is int else "")
    return _NAMES[kind][0]


def convert(value, kind):
    """Convert ``value`` (a ``--set`` string or a Python value) to type annotation ``kind``.

    Raises ``ValueError`` or ``TypeError`` when it does not fit.

    Examples
    --------
    >>> convert("64,0,64", tuple[int, int, int])
    (64, 0, 64)
    >>> convert("all", int | None) is None
    True
    """
    inner = _optional_inner(kind)
    if inner is not None:
        return None if _means_none(value, inner) else convert(value, inner)
    origin = typing.get_origin(kind)
    if origin is typing.Literal:
        return _literal(value, typing.get_args(kind))
    if origin is tuple:
        return _tuple(value, typing.get_args(kind))
    return _SCALARS[kind](value)


def _means_none(value, inner):
    if value is None:
        return True
    if not isinstance(value, str):
        return False
    words = _NONE_WORDS + ((_ALL_WORD,) if inner is int or typing.get_origin(inner) is tuple
                           else ())
    return value.strip().lower() in words


def _literal(value, allowed):
    for option in allowed:
        if value == option or (isinstance(value, str) and value.strip() == str(option)):
            return option
    raise ValueError("not an allowed value")


def _tuple(value, args):
    if isinstance(value, str):
        parts = [p.strip() for p in value.replace("(", "").replace(")", "").split(",")]
        value = [p for p in parts if p]
    items = list(value)
    if args[-1] is not Ellipsis and len(items) != len(args):
        raise ValueError("wrong number of values")
    return tuple(convert(v, args[0]) for v in items)


def _to_int(value):
    if isinstance(value, str):
        return int(value.strip())
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return int(value)
    raise TypeError(f"got {type(value).__name__}")


def _to_float(value):
    if isinstance(value, str):
        return float(value.strip())
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return float(value)
    raise TypeError(f"got {type(value).__name__}")


def _to_bool(value):
    if isinstance(value, str):
        text = value.strip().lower()
        if text in _TRUE_WORDS or text in _FALSE_WORDS:
            return text in _TRUE_WORDS
    elif isinstance(value, (numbers.Integral, np.bool_)) and value in (0, 1):
        return bool(value)
    raise ValueError("not a truth value")


def _to_str(value):
    if isinstance(value, str):
        return value.strip()
    raise TypeError(f"got {type(value).__name__}")


def _to_path(value):
    if isinstance(value, (str, os.PathLike)):
        return Path(value).expanduser()
    raise TypeError(f"got {type(value).__name__}")


_SCALARS = {int: _to_int, float: _to_float, bool: _to_bool, str: _to_str, Path: _to_path}


def resolve_preset(experiment, presets, scale, options):
    """Preset ``scale`` of ``experiment`` with ``options`` applied, each converted by type.

    Parameters
    ----------
    experiment : str
        Experiment name, for messages.
    presets : dict of str to Preset
        The experiment's scales.
    scale : str
        A key of ``presets``.
    options : dict of str to object
        Overrides: ``--set`` strings or Python values.

    Returns
    -------
    Preset
        A new instance; ``presets`` is untouched.

    Examples
    --------
    >>> import dataclasses
    >>> @dataclasses.dataclass(frozen=True, kw_only=True)
    ... class Demo(Preset):
    ...     sizes: tuple[int, int, int]
    ...     n_train: int | None = None
    >>> resolve_preset("demo", {"tiny": Demo(sizes=(8, 0, 16))}, "tiny", {"sizes": "64,0,64"})
    Demo(sizes=(64, 0, 64), n_train=None)
    """
    if scale not in presets:
        raise ValueError(f"{experiment}: scale must be one of {list(presets)}; got {scale!r}.")
    types_ = type(presets[scale]).field_types()
    unknown = sorted(set(options) - set(types_))
    if unknown:
        raise ValueError(_unknown_message(experiment, unknown, types_))
    changes = {key: _converted(experiment, key, value, types_[key])
               for key, value in options.items()}
    try:
        return dataclasses.replace(presets[scale], **changes)
    except ValueError as exc:  # a check of __post_init__
        raise ValueError(f"{experiment}: {exc}") from None


def _unknown_message(experiment, unknown, types_):
    close = {key: difflib.get_close_matches(key, types_, n=1) for key in unknown}
    hints = "".join(f" Did you mean {match[0]!r} for {key!r}?" for key, match in close.items()
                    if match)
    valid = ", ".join(f"{key} ({describe(types_[key])})" for key in sorted(types_))
    return f"{experiment}: unknown option(s) {unknown}.{hints} Valid keys: {valid}."


def _converted(experiment, key, value, kind):
    try:
        return convert(value, kind)
    except (TypeError, ValueError):
        raise ValueError(
            f"{experiment}: option {key}={value!r} is invalid: expected {describe(kind)}."
        ) from None


# Any iterable of strings but a string itself: a list, a tuple or an iterator.
@validate_params({"items": ["array-like", HasMethods(["__next__"])]},
                 prefer_skip_nested_validation=True)
def parse_assignments(items):
    """``["key=value", ...]`` (``sktopo reproduce --set``) as a dict of strings.

    Parameters
    ----------
    items : iterable of str
        ``KEY=VALUE`` assignments; the value is everything after the first ``=``.

    Returns
    -------
    options : dict of str to str
        Value of each key (keys stripped of surrounding spaces).

    Raises
    ------
    ValueError
        When an item has no ``=`` or an empty key, or a key is given twice.

    Examples
    --------
    >>> from sktopo.experiments import parse_assignments
    >>> parse_assignments(["sizes=64,0,64", "device=cuda"])
    {'sizes': '64,0,64', 'device': 'cuda'}
    """
    options = {}
    for item in items:
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise ValueError(f"--set expects KEY=VALUE, got {item!r}.")
        if key in options:
            raise ValueError(f"--set {key}=... is given twice.")
        options[key] = value
    return options


@dataclasses.dataclass(frozen=True, kw_only=True)
class NetworkPreset(Preset):
    """Fields of every experiment that trains networks.

    Attributes
    ----------
    batch_size : int
        Images per batch iteration.
    device : str, default="auto"
        Torch device (``"auto"``: CUDA when available).
    out_dir : Path or None, default=None
        Where finished networks are kept, so a rerun resumes (see :mod:`._runs`).
    """

    batch_size: int
    device: str = "auto"
    out_dir: Path | None = None


@dataclasses.dataclass(frozen=True, kw_only=True)
class DigitNetPreset(NetworkPreset):
    """Fields of the experiments training ``M(X, Y, Z)`` nets on 28x28 digits (Section VI).

    Attributes
    ----------
    dataset : {"mnist", "svhn"}
        Training digits; SVHN is read as 28x28 grayscale, as in the paper.
    sizes : tuple of 3 int
        ``(X, Y, Z)``; ``Y = 0`` drops the second conv layer.
    max_iter : int
        Batch iterations per network.
    lr : float, default=1e-3
        Adam's learning rate.
    n_train, n_test : int or None
        Training and held-out images (None: all).
    """

    dataset: typing.Literal["mnist", "svhn"]
    sizes: tuple[int, int, int]
    max_iter: int
    lr: float = 1e-3
    n_train: int | None
    n_test: int | None
