"""Common tests for every public estimator, found by :func:`sktopo.utils.all_estimators`.

Filter-level estimators (rows of a 2-D array: the ``two_d_array`` input tag) run scikit-learn's
``parametrize_with_checks``; collection-level ones (clouds, diagrams, graphs, networks, images)
run sktopo's collection contract. A new estimator joins one of the two suites by itself, and
``test_every_estimator_in_exactly_one_suite`` fails when one joins neither.

Expected failures carry their reasons and are strict: a fixed estimator turns its entry into a
failure, so the entry gets removed.
"""

import subprocess
import sys

import numpy as np
import pytest
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils import get_tags
from sklearn.utils.estimator_checks import parametrize_with_checks

from sktopo._validation import check_collection
from sktopo.utils import all_estimators, estimator_checks
from sktopo.utils.estimator_checks import (
    INPUT_KINDS,
    construct_instance,
    parametrize_with_collection_checks,
    sample_level,
)

ALL_ESTIMATORS = all_estimators()


def _build_all():
    """One tiny instance per estimator; construction errors are kept for their own test."""
    built, errors = [], {}
    for name, Estimator in ALL_ESTIMATORS:
        try:
            built.append(construct_instance(Estimator))
        except Exception as exc:  # reported by test_every_estimator_is_constructible
            errors[name] = exc
    return built, errors


INSTANCES, CONSTRUCTION_ERRORS = _build_all()


def _is_filter_level(estimator):
    # The sample-level tag decides; estimators registered with another kind of sample (images,
    # networks, diagrams, graphs) never belong to scikit-learn's 2-D suite.
    tags = get_tags(estimator)
    return tags.input_tags.two_d_array and type(estimator).__name__ not in INPUT_KINDS


FILTER_LEVEL = [est for est in INSTANCES if _is_filter_level(est)]
COLLECTION_LEVEL = [est for est in INSTANCES if sample_level(est) == "collection"]

# --------------------------------------------------------------------------- expected failures

# scikit-learn's checks on the filter-level estimators: {class name: {check: reason}}.
SKLEARN_EXPECTED_FAILURES = {}

_SKORCH = "TopologyPriorNet is a skorch NeuralNetClassifier, and skorch's design differs here: "

# Our collection-level checks: {class name: {check: reason}}.
COLLECTION_EXPECTED_FAILURES = {
    "TopologyPriorNet": {
        "check_collection_tags": _SKORCH + "it keeps skorch's tags (2-D input allowed, flat "
        "images are valid) rather than declaring images.",
        "check_init_sets_only_params": _SKORCH + "its __init__ also stores skorch's own "
        "state (history, initialized_ and the like).",
        "check_fit_returns_self_and_keeps_params": _SKORCH + "fit initialises the callback "
        "objects it was given in place (skorch's documented behaviour).",
    },
}


def _sklearn_expected_failures(estimator):
    return SKLEARN_EXPECTED_FAILURES.get(type(estimator).__name__, {})


def _collection_expected_failures(estimator):
    return COLLECTION_EXPECTED_FAILURES.get(type(estimator).__name__, {})


# --------------------------------------------------------------------------- the two suites


@parametrize_with_checks(FILTER_LEVEL, expected_failed_checks=_sklearn_expected_failures)
def test_sklearn_compatible(estimator, check):
    check(estimator)


@parametrize_with_collection_checks(
    COLLECTION_LEVEL, expected_failed_checks=_collection_expected_failures, xfail_strict=True
)
def test_collection_contract(estimator, check):
    check(estimator)


# --------------------------------------------------------------------------- coverage


@pytest.mark.parametrize("name", [name for name, _ in ALL_ESTIMATORS])
def test_every_estimator_is_constructible(name):
    """Each estimator builds from its defaults or from the tiny parameters registered for it."""
    if name in CONSTRUCTION_ERRORS:
        raise CONSTRUCTION_ERRORS[name]


@pytest.mark.parametrize("name", [name for name, _ in ALL_ESTIMATORS])
def test_every_estimator_in_exactly_one_suite(name):
    """Every public estimator is tested by exactly one of the two suites, never neither."""
    in_filter = [type(e).__name__ for e in FILTER_LEVEL].count(name)
    in_collection = [type(e).__name__ for e in COLLECTION_LEVEL].count(name)
    assert (in_filter, in_collection) in ((1, 0), (0, 1)), (
        f"{name} is in the scikit-learn suite {in_filter} time(s) and in the collection suite "
        f"{in_collection} time(s); check its input tags or register it in INPUT_KINDS."
    )


def test_expected_failures_name_known_estimators():
    """An entry for an estimator that no longer exists would hide nothing and mislead."""
    names = {name for name, _ in ALL_ESTIMATORS}
    stale = sorted((set(SKLEARN_EXPECTED_FAILURES) | set(COLLECTION_EXPECTED_FAILURES)) - names)
    assert not stale, f"Expected failures listed for unknown estimators: {stale}"


def test_all_estimators_finds_the_known_ones():
    """Discovery is not silently empty: the estimators of every subpackage are there."""
    names = {name for name, _ in ALL_ESTIMATORS}
    known = {
        "FilterNormalizer", "PerCloud", "DensityFiltration", "SpatialFilterExtractor",
        "Persistence", "DiagramFeatures", "Mapper", "MapperGraphFeatures", "WeightTopology",
    }
    assert known <= names, f"all_estimators() misses {sorted(known - names)}"


def test_all_estimators_skips_base_classes():
    """No abstract, ``Base...`` or shared base class is listed; names are sorted and unique."""
    names = [name for name, _ in ALL_ESTIMATORS]
    assert names == sorted(set(names))
    classes = [cls for _, cls in ALL_ESTIMATORS]
    for cls in classes:
        assert not getattr(cls, "__abstractmethods__", None), cls
        assert not cls.__name__.startswith("Base"), cls
        if cls.__module__ == "sktopo.base":
            assert not any(c is not cls and issubclass(c, cls) for c in classes), cls


def test_all_estimators_type_filter():
    from sklearn.base import ClassifierMixin

    classifiers = all_estimators("classifier")
    assert "WeightTopology" in dict(classifiers)
    assert all(issubclass(cls, ClassifierMixin) for _, cls in classifiers)
    transformers = {name for name, _ in all_estimators(["transformer"])}
    assert "Persistence" in transformers and "WeightTopology" not in transformers
    with pytest.raises(ValueError, match="type_filter"):
        all_estimators("sampler")


def test_all_estimators_without_nn_does_not_import_torch():
    """Listing the estimators that need no torch must not load it (it costs seconds)."""
    code = (
        "import sys\nfrom sktopo.utils import all_estimators\n"
        "names = [n for n, _ in all_estimators(include_nn=False)]\n"
        "assert 'WeightTopology' not in names and 'Persistence' in names, names\n"
        "assert 'torch' not in sys.modules and 'skorch' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, timeout=300)


# --------------------------------------------------------------------------- the checks bite


class _SoundToy(TransformerMixin, BaseEstimator):
    """A correct collection transformer: the column means of each cloud, plus seeded noise."""

    def __init__(self, random_state=None):
        self.random_state = random_state

    def _clouds(self, X):
        return check_collection(X)

    def _noise(self):
        return np.random.default_rng(self.random_state).normal(scale=1e-3)

    def fit(self, X, y=None):
        self._clouds(X)
        return self

    def transform(self, X):
        noise = self._noise()
        return [c.mean(axis=0, keepdims=True) + noise for c in self._clouds(X)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.three_d_array = True
        tags.requires_fit = False
        return tags


class _OneOutputForAll(_SoundToy):
    def transform(self, X):
        return [np.vstack(super().transform(X))]


class _TakesOneCloud(_SoundToy):
    def _clouds(self, X):
        return check_collection([X] if getattr(X, "ndim", 0) == 2 else X)


class _IgnoresSeed(_SoundToy):
    def _noise(self):
        return np.random.normal(scale=1e-3)


class _ChangesParams(_SoundToy):
    def fit(self, X, y=None):
        self.random_state = 0
        return super().fit(X)


class _KeepsNaN(_SoundToy):
    def _clouds(self, X):
        return [np.asarray(c, dtype=float) for c in X]


@pytest.mark.parametrize(
    "broken, check_name",
    [
        (_OneOutputForAll(), "check_transform_length"),
        (_TakesOneCloud(), "check_single_sample_refused"),
        (_IgnoresSeed(), "check_random_state_determinism"),
        (_ChangesParams(), "check_fit_returns_self_and_keeps_params"),
        (_KeepsNaN(), "check_nan_refused"),
    ],
    ids=lambda v: type(v).__name__.strip("_") if isinstance(v, BaseEstimator) else v,
)
def test_collection_checks_catch_broken_estimators(broken, check_name):
    """Each check passes a sound estimator and fails one broken in the way it guards against."""
    check = getattr(estimator_checks, check_name)
    check("_SoundToy", _SoundToy())
    with pytest.raises(AssertionError):
        check(type(broken).__name__, broken)
