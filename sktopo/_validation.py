"""Input checks shared by the filter-level and collection-level estimators.

DESIGN.md section 2: a *cloud* is a 2-D float array ``(n_points, n_features)``; a *collection* is a
list of clouds (ragged) or a 3-D array ``(n_clouds, n_points, n_features)``.
"""

import numpy as np


def check_cloud(X, *, name="X", min_points=1, dtype=np.float64):
    """Return ``X`` as a finite 2-D float array with at least ``min_points`` rows.

    Raises a ``ValueError`` naming ``name`` for empty, non-2-D or non-finite input.
    """
    try:
        arr = np.asarray(X, dtype=dtype)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be a 2-D array of numbers; got {type(X).__name__}.") from exc
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
    if not np.isfinite(arr).all():
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
                f"{name} must be a list of 2-D clouds or a 3-D array; got an array of shape {X.shape}."
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
