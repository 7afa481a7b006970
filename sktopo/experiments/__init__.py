"""The paper's experiments as functions returning tables and figures."""

import importlib

# Public name -> the submodule that defines it. Names are imported on first use, so
# `import sktopo.experiments` (and the `sktopo` command line) does not pull in torch, skorch
# and every experiment module.
_LAZY = {
    "EXPERIMENTS": "._registry",
    "SCALES": "._presets",
    "boosted_training": "._priors",
    "cifar_layers": "._mnist_cifar",
    "cross_domain": "._priors",
    "generalization_measure": "._generalization",
    "generalization_zoo": "._zoo",
    "mnist_first_layer": "._mnist_cifar",
    "mnist_second_layer": "._mnist_cifar",
    "parse_assignments": "._presets",
    "priors_benchmark": "._priors_benchmark",
    "run_experiment": "._registry",
    "training_dynamics": "._dynamics",
    "vgg_layers": "._vgg",
}

__all__ = sorted(_LAZY)


def __getattr__(name):
    """Import a public name from its submodule on first access."""
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_LAZY[name], __name__), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__():
    """List the lazy names too, so tab completion and ``dir()`` show them."""
    return sorted(set(globals()) | set(_LAZY))
