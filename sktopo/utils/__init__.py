"""Developer utilities: estimator discovery and the collection-level contract checks.

:func:`all_estimators` lists every public estimator of sktopo; the checks live in
:mod:`sktopo.utils.estimator_checks`, which imports pytest and is therefore not imported here.
"""

from .discovery import all_estimators

__all__ = ["all_estimators"]
