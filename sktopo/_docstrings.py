"""Parameter descriptions shared by several estimators, filled into their docstrings.

One wording per shared parameter, kept here so the estimators cannot drift apart. A docstring
names a fragment as ``%(name)s``; :func:`fill_doc` substitutes it (numpydoc indentation kept).
"""

SHARED = {
    "dead_tolerances": """rtol : float, default=1e-6
        Relative tolerance for dead filters (see :func:`dead_filter_mask`).
    atol : float, default=0.0
        Absolute tolerance for dead filters.""",
    "collection_random_state": """random_state : int, RandomState instance or None, default=None
        One seed per cloud is drawn from it before any work starts, so results do not depend
        on ``n_jobs`` or on the joblib backend.""",
    "collection_n_jobs": """n_jobs : int, default=None
        Clouds processed in parallel through joblib (a Dask backend receives the work under
        ``joblib.parallel_backend("dask")``); ``None`` means 1.""",
    "collection_verbose": """verbose : int, default=0
        Progress bar over the clouds when positive.""",
}


def fill_doc(obj):
    """Substitute the shared fragments into ``obj.__doc__``; return ``obj``."""
    if obj.__doc__:
        obj.__doc__ = obj.__doc__ % SHARED
    return obj
