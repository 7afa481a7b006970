"""One validation voice: every public function checks its parameters with ``validate_params``.

scikit-learn's decorator stores the constraints as ``_skl_parameter_constraints`` on the
function, and ``functools.wraps`` copies that attribute onto the wrapper and sets
``__wrapped__``; the test looks along the ``__wrapped__`` chain, so another decorator on top
(``functools.lru_cache``, a deprecation) does not hide it. A bad value then gets scikit-learn's
``InvalidParameterError``, whose message names the function, the parameter and what it accepts.
"""

import importlib
import inspect

import pytest

MODULES = ("sktopo.pipeline", "sktopo.significance", "sktopo.sizes", "sktopo.sweep",
           "sktopo.measures", "sktopo.stats", "sktopo.export", "sktopo.filters", "sktopo.homology",
           "sktopo.mapper", "sktopo.datasets", "sktopo.nn", "sktopo.experiments", "sktopo.report")

#: Public functions where the decorator is wrong, with the reason.
NOT_DECORATED = {
    # The experiments' entry points take their preset's fields as ``**options``: resolve_preset
    # checks the scale (naming the experiment and its scales) and converts every option by its
    # field's type, and the functions the options reach validate them. A decorator with
    # prefer_skip_nested_validation=True would switch those nested checks off.
    **{name: "experiment entry point: **options checked by resolve_preset and nested calls"
       for name in ("boosted_training", "cifar_layers", "cross_domain", "generalization_measure",
                    "generalization_zoo", "mnist_first_layer", "mnist_second_layer",
                    "priors_benchmark", "training_dynamics", "vgg_layers")},
    # run_experiment forwards name, scale and options to one of the entry points above; its
    # unknown-name error lists the experiments, which a StrOptions message would too, but the
    # options dict must reach the nested checks.
    "run_experiment": "dispatches to an entry point above, whose checks it must not switch off",
}


def _validated(fn):
    while fn is not None:
        if "_skl_parameter_constraints" in getattr(fn, "__dict__", {}):
            return True
        fn = getattr(fn, "__wrapped__", None)
    return False


def _public_functions():
    found = {}
    for module_name in MODULES:
        module = importlib.import_module(module_name)
        for name in module.__all__:
            obj = getattr(module, name)
            if inspect.isfunction(obj):
                found[name] = obj
    return found


FUNCTIONS = _public_functions()


def test_every_public_function_validates_its_parameters():
    missing = sorted(name for name, fn in FUNCTIONS.items()
                     if name not in NOT_DECORATED and not _validated(fn))
    assert not missing, (
        f"{len(missing)} public function(s) without @validate_params: {missing}. Decorate them "
        "(sktopo._compat.validate_params, prefer_skip_nested_validation=True) or add them to "
        "NOT_DECORATED with the reason."
    )


def test_the_allow_list_names_public_undecorated_functions():
    stale = sorted(name for name in NOT_DECORATED
                   if name not in FUNCTIONS or _validated(FUNCTIONS[name]))
    assert not stale, f"remove {stale} from NOT_DECORATED"


@pytest.mark.parametrize("name", sorted(n for n in FUNCTIONS if _validated(FUNCTIONS[n])))
def test_the_constraints_name_real_parameters(name):
    fn = inspect.unwrap(FUNCTIONS[name])
    constraints = FUNCTIONS[name]._skl_parameter_constraints
    parameters = inspect.signature(fn).parameters
    unknown = sorted(set(constraints) - set(parameters))
    assert not unknown, f"{name}: constraints for {unknown}, which it does not take"
