"""Parameter descriptions shared by several estimators, filled into their docstrings.

One wording per shared parameter, kept here so the estimators cannot drift apart. A docstring
names a fragment as ``%(name)s``; :func:`fill_doc` substitutes it (numpydoc indentation kept).
"""

SHARED = {
    "random_bank": """n : int
        Number of filters.
    size : int, default=3
        Kernel side.
    random_state : int, RandomState instance or None, default=None
        Seed of the random draw.

    Returns
    -------
    filters : ndarray of shape (n, size * size)
        Mean-centred, unit-norm filters.""",
    "paper_net_layers": """X, Y, Z : int, default=64, 32, 64
        Depth of the first and second conv layer and width of the dense layer.
    input_shape : tuple of int or None, default=None
        ``(C, H, W)``. Fixes the dense layer's input size at construction and lets flat rows be
        reshaped; ``None`` infers the size at the first batch (flat rows must then be square,
        one channel).
    in_channels : int or None, default=None
        Input channels when ``input_shape`` is None (default 1).
    n_classes : int, default=10
        Output classes.
    fixed_filters : array-like, str or None, default=None
        Fix the first conv layer (``requires_grad=False``, bias 0) to these ``X`` filters (shared by
        all input channels) or ``X * C`` filters, or to an idealised kind (``"primary_circle"``,
        ``"klein_bottle"``, ``"three_circle"``, ``"gaussian"``). The random kinds are drawn
        with ``random_state``, so every seed gets its own bank.
    append_filters : array-like, str or None, default=None
        Append the responses to this fixed bank as input channels (:class:`AppendedFilters`);
        a random kind is drawn with ``random_state``.
    n_append : int, default=64
        Filters drawn when ``append_filters`` is a name.
    pool : bool, default=True
        Max-pooling on (the paper's ``*`` nets drop it).""",
    "paper_net_init": """init : {None, "tf"}, default=None
        Initial conv weights: torch's default, or ``"tf"``: TensorFlow's MNIST-tutorial start
        (truncated normal, std 0.1; biases 0.1), as in the paper's TensorFlow nets.
    random_state : int or None, default=None
        Seed of the initial weights (the global torch generator is left untouched).""",
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
