"""scikit-learn's common estimator checks for every filter-level (2-D) estimator."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from sktopo.filters import FilterNormalizer, KNNDensity

_KNN_SUBSET = (
    "A k-NN density score is a property of a point within its whole cloud, so scoring a subset "
    "of the rows legitimately gives different numbers."
)


def _expected_failures(estimator):
    if isinstance(estimator, KNNDensity):
        return {"check_methods_subset_invariance": _KNN_SUBSET}
    return {}


@parametrize_with_checks(
    [FilterNormalizer(), KNNDensity(k=3)], expected_failed_checks=_expected_failures
)
def test_sklearn_compatible(estimator, check):
    check(estimator)
