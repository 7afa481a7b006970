"""Scale presets and ``--set key=value`` options of every experiment: one set of converters.

An experiment takes ``scale`` (a preset name) and ``**options`` that override preset keys. The
options arrive as strings from ``sktopo reproduce --set`` or as Python values from the API; the
converters below turn both into the value the experiment uses, and :func:`parse_options` names
the experiment, the option and the valid choices when one is wrong.
"""

from pathlib import Path

import numpy as np


def _expects(description):
    """Label a converter with what it accepts; :func:`parse_options` quotes it in errors."""
    def label(convert):
        convert.expects = description
        return convert

    return label


def _is_none_word(value, words=("none", "")):
    return value is None or (isinstance(value, str) and value.strip().lower() in words)


@_expects("an integer")
def as_int(value):
    if isinstance(value, bool):
        raise ValueError(f"expected an integer, got {value!r}")
    return int(value)


@_expects("a number")
def as_float(value):
    return float(value)


@_expects("true or false")
def as_bool(value):
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return bool(value)
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"expected true/false, got {value!r}")


@_expects("a string")
def as_str(value):
    return None if value is None else str(value)


def tuple_of(kind, expects):
    """Converter of ``"a,b,c"`` (parentheses and spaces allowed) or a sequence to a tuple."""
    def convert(value):
        if isinstance(value, str):
            parts = [p.strip() for p in value.replace("(", "").replace(")", "").split(",")]
            return tuple(kind(p) for p in parts if p)
        return tuple(kind(v) for v in value)

    convert.__name__ = f"tuple_of_{kind.__name__}"
    convert.expects = expects
    return convert


#: ``"64,32,64"`` or ``(64, 32, 64)`` -> ``(64, 32, 64)``.
as_int_tuple = tuple_of(int, "comma-separated integers, e.g. 64,32,64")
as_float_tuple = tuple_of(float, "comma-separated numbers, e.g. 0.1,0.3")
as_str_tuple = tuple_of(str, "comma-separated names")


@_expects("an integer or none")
def as_optional_int(value):
    # "all" reads naturally for sizes such as n_train (all images).
    if _is_none_word(value, ("none", "all", "")):
        return None
    return as_int(value)


@_expects("a path or none")
def as_optional_path(value):
    if _is_none_word(value):
        return None
    return Path(value).expanduser()


def parse_options(name, options, converters):
    """Convert ``--set`` strings (or Python values) with ``converters``; unknown keys raise.

    Parameters
    ----------
    name : str
        Experiment name (for messages).
    options : dict
        Raw options.
    converters : dict of str to callable
        Allowed keys and their converters.

    Returns
    -------
    dict
        Converted options.

    Examples
    --------
    >>> from sktopo.experiments._options import as_int_tuple, parse_options
    >>> parse_options("demo", {"sizes": "64,0,64"}, {"sizes": as_int_tuple})
    {'sizes': (64, 0, 64)}
    """
    unknown = sorted(set(options) - set(converters))
    if unknown:
        raise ValueError(
            f"{name}: unknown option(s) {unknown}. Known options: {', '.join(sorted(converters))}."
        )
    out = {}
    for key, value in options.items():
        convert = converters[key]
        try:
            out[key] = convert(value)
        except (TypeError, ValueError) as exc:
            expects = getattr(convert, "expects", getattr(convert, "__name__", "valid"))
            raise ValueError(
                f"{name}: option {key}={value!r} is invalid: expected {expects} ({exc})."
            ) from None
    return out


def check_scale(name, scale, presets):
    """A copy of preset ``scale``; a ``ValueError`` lists the valid scales otherwise."""
    if scale not in presets:
        raise ValueError(f"{name}: scale must be one of {list(presets)}; got {scale!r}.")
    return dict(presets[scale])


#: Options of the experiments that train ``M`` digit networks themselves
#: (:mod:`._generalization`, :mod:`._priors`); each adds its own keys.
DIGIT_NET_OPTIONS = {
    "dataset": as_str, "sizes": as_int_tuple, "n_networks": as_int, "max_iter": as_int,
    "batch_size": as_int, "lr": as_float, "n_train": as_optional_int,
    "n_test": as_optional_int, "device": as_str, "out_dir": as_str,
}


def resolve_settings(name, scales, scale, options, converters):
    """Preset ``scale`` of a digit-network experiment updated by ``options``.

    :func:`check_scale` and :func:`parse_options`, plus the checks every such experiment needs:
    ``dataset`` is mnist or svhn and ``sizes`` are three ints. ``out_dir`` defaults to None and
    ``settings["scale"]`` records the preset.
    """
    settings = check_scale(name, scale, scales)
    settings.setdefault("out_dir", None)
    settings.update(parse_options(name, options, converters))
    if settings["dataset"] not in ("mnist", "svhn"):
        raise ValueError(
            f"{name}: dataset must be 'mnist' or 'svhn'; got {settings['dataset']!r}."
        )
    if len(settings["sizes"]) != 3:
        raise ValueError(f"{name}: sizes must be three ints X,Y,Z; got {settings['sizes']!r}.")
    settings["scale"] = scale
    return settings
