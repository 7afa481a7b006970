"""The one home of scikit-learn's private imports.

scikit-learn's parameter-validation helpers are not public API; importing them in one place keeps a
future rename a one-line fix.
"""

from numbers import Integral, Real

from sklearn import get_config
from sklearn.base import _fit_context as fit_context
from sklearn.utils._param_validation import (
    HasMethods,
    Interval,
    InvalidParameterError,
    RealNotInt,
    StrOptions,
    validate_params,
)
from sklearn.utils.validation import check_is_fitted, validate_data

__all__ = [
    "HasMethods",
    "Integral",
    "InvalidParameterError",
    "RealNotInt",
    "fit_context",
    "get_config",
    "Interval",
    "Real",
    "StrOptions",
    "check_is_fitted",
    "validate_data",
    "validate_params",
]
