"""Find every public estimator of sktopo, so common tests cannot miss a new one."""

import importlib
import inspect
import pkgutil

# Namespaces that hold no library estimators: the developer tools themselves (whose checks may
# define throw-away estimators), the command line and test folders.
_SKIPPED_MODULES = {"utils", "cli", "tests", "conftest"}

# sktopo.nn is the one package that imports torch and skorch at import time.
_TORCH_PACKAGES = {"nn", "commands"}

_TYPE_MIXINS = {
    "classifier": "ClassifierMixin",
    "regressor": "RegressorMixin",
    "transformer": "TransformerMixin",
    "cluster": "ClusterMixin",
}


def _public_modules(include_nn):
    """Yield every public module of sktopo, packages before their contents.

    Private modules (``_name``) are skipped: what they define counts only once a public package
    exports it, which is what a user can import.
    """
    import sktopo

    pending = [(sktopo.__path__, "sktopo.")]
    while pending:
        path, prefix = pending.pop(0)
        for info in pkgutil.iter_modules(path, prefix):
            short = info.name.rsplit(".", 1)[-1]
            if short.startswith("_") or short in _SKIPPED_MODULES:
                continue
            if not include_nn and short in _TORCH_PACKAGES and prefix == "sktopo.":
                continue
            module = importlib.import_module(info.name)
            yield module
            if info.ispkg:
                pending.append((module.__path__, info.name + "."))


def _exported_classes(module):
    """Public classes bound in ``module``'s namespace and defined inside sktopo.

    ``vars`` rather than ``dir``/``inspect.getmembers``: a package that resolves its names lazily
    (a module-level ``__getattr__``) would import its heavy dependencies on a ``dir`` walk.
    """
    return {
        (name, obj)
        for name, obj in vars(module).items()
        if inspect.isclass(obj)
        and not name.startswith("_")
        and obj.__module__.split(".")[0] == "sktopo"
    }


def _is_abstract(cls):
    return bool(getattr(cls, "__abstractmethods__", None))


def _is_base_class(cls, estimators):
    """A base class is abstract, named ``Base...``, or lives in a ``base`` module and is
    subclassed by another estimator; concrete classes of ``sktopo.base`` still count."""
    if _is_abstract(cls) or cls.__name__.startswith("Base"):
        return True
    in_base_module = cls.__module__.rsplit(".", 1)[-1] == "base"
    return in_base_module and any(c is not cls and issubclass(c, cls) for c in estimators)


def _filter_by_type(estimators, type_filter):
    import sklearn.base

    kinds = [type_filter] if isinstance(type_filter, str) else list(type_filter)
    unknown = sorted(set(kinds) - set(_TYPE_MIXINS))
    if unknown:
        raise ValueError(
            f"type_filter must be one of {sorted(_TYPE_MIXINS)} or a list of them; got {unknown}."
        )
    mixins = tuple(getattr(sklearn.base, _TYPE_MIXINS[k]) for k in kinds)
    return [(name, cls) for name, cls in estimators if issubclass(cls, mixins)]


def all_estimators(type_filter=None, *, include_nn=True):
    """Every public, concrete scikit-learn estimator that sktopo exports.

    Walks the public packages of sktopo (``sktopo.filters``, ``sktopo.homology``,
    ``sktopo.mapper``, ``sktopo.nn``, and any added later such as ``sktopo.pipeline`` or
    ``sktopo.base``) and keeps the classes that subclass :class:`sklearn.base.BaseEstimator`.
    Abstract classes, ``Base...`` classes and the base classes of ``sktopo.base`` that other
    estimators build on are left out; ``sktopo.utils`` and the command line are not walked.

    Parameters
    ----------
    type_filter : {"classifier", "regressor", "transformer", "cluster"} or list of such str, \
            default=None
        Keep only estimators with the matching scikit-learn mixin (any of them, for a list);
        ``None`` keeps all.
    include_nn : bool, default=True
        Walk ``sktopo.nn`` too. That imports torch and skorch (seconds); pass ``False`` to list
        the estimators that work without them.

    Returns
    -------
    estimators : list of (str, type)
        ``(class name, class)`` pairs sorted by name, each class once.

    See Also
    --------
    sktopo.utils.estimator_checks.parametrize_with_collection_checks : The checks run on
        the collection-level estimators found here.

    Examples
    --------
    >>> from sklearn.base import BaseEstimator
    >>> from sktopo.homology import Persistence
    >>> from sktopo.utils import all_estimators
    >>> estimators = all_estimators(include_nn=False)
    >>> ("Persistence", Persistence) in estimators
    True
    >>> all(issubclass(cls, BaseEstimator) for _, cls in estimators)
    True
    >>> any(name == "WeightTopology" for name, _ in estimators)
    False
    """
    from sklearn.base import BaseEstimator

    found = set()
    for module in _public_modules(include_nn):
        found |= {
            (name, cls) for name, cls in _exported_classes(module) if issubclass(cls, BaseEstimator)
        }
    classes = {cls for _, cls in found}
    estimators = [(n, c) for n, c in found if not _is_base_class(c, classes)]
    # A class exported under two names (an alias) is kept under its own name only.
    estimators = sorted({(c.__name__, c) for _, c in estimators}, key=lambda p: p[0])
    if type_filter is not None:
        estimators = _filter_by_type(estimators, type_filter)
    return estimators
