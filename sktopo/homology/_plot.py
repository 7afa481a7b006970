"""Barcodes and persistence diagrams with matplotlib (imported lazily)."""

import numpy as np

from .._compat import HasMethods, validate_params
from .._validation import COUNT, check_padded, check_per_dimension


def _as_per_dimension(diagram, homology_dimensions):
    """Accept a ripser-style list or one padded diagram (n_pairs, 3); return {q: (n, 2)}."""
    if isinstance(diagram, (list, tuple)):
        per_dim = dict(enumerate(check_per_dimension(list(diagram), "diagram")))
    else:
        arr = np.asarray(diagram, dtype=np.float64)
        if arr.ndim == 3 and arr.shape[0] == 1:
            arr = arr[0]
        if arr.ndim != 2 or arr.shape[1] != 3:
            raise ValueError(
                "diagram must be a ripser-style list of (n, 2) arrays or one padded diagram of "
                "shape (n_pairs, 3) (e.g. Persistence().fit_transform(X)[i]); "
                f"got shape {arr.shape}."
            )
        arr = check_padded(arr[None], "diagram")[0]
        arr = arr[arr[:, 1] > arr[:, 0]]  # padding rows have zero length
        dims = range(int(arr[:, 2].max()) + 1) if len(arr) else []
        per_dim = {q: arr[arr[:, 2] == q, :2] for q in dims}
    if homology_dimensions is None:
        return per_dim
    missing = [q for q in homology_dimensions if q not in per_dim]
    if missing:
        per_dim.update({q: np.empty((0, 2)) for q in missing})
    return {q: per_dim[q] for q in homology_dimensions}


def _right_edge(per_dim):
    finite = [v for d in per_dim.values() for v in d[np.isfinite(d)].ravel()]
    top = max(finite) if finite else 1.0
    return top * 1.1 if top > 0 else 1.0


def _barcode_right_edge(per_dim, threshold, xmax):
    """Right edge of every panel: past the largest finite death and, with a threshold, past
    ``birth + threshold`` of every bar, so a short bar is never stretched across the panel."""
    finite = [v for d in per_dim.values() for v in d[np.isfinite(d)].ravel()]
    top = max(finite, default=0.0)
    if xmax is not None:
        if xmax < top:
            raise ValueError(f"xmax={xmax:g} would cut bars off: the largest finite value of the "
                             f"diagram is {top:g}. Pass a larger xmax or None.")
        return float(xmax)
    if threshold is not None:
        births = [d[:, 0].max() for d in per_dim.values() if len(d)]
        top = max(top, max(births, default=0.0) + threshold)
    return top * 1.1 if top > 0 else 1.0


def _sorted_bars(bars, max_bars):
    """The bars drawn (the longest ``max_bars``, infinite first), sorted by birth then length."""
    if max_bars is not None and len(bars) > max_bars:
        life = np.where(np.isinf(bars[:, 1]), np.inf, bars[:, 1] - bars[:, 0])
        bars = bars[np.argsort(-life, kind="stable")[:max_bars]]
    return bars[np.lexsort((-(bars[:, 1] - bars[:, 0]), bars[:, 0]))]


def _with_pvalues(per_dim, pvalues):
    """Bars with their p-value as a third column (NaN where none is given)."""
    if not pvalues:
        return per_dim
    out = {}
    for q, bars in per_dim.items():
        p = np.full(len(bars), np.nan)
        if q in pvalues:
            given = np.asarray(pvalues[q], dtype=float).ravel()
            if len(given) != len(bars):
                raise ValueError(f"pvalues[{q}] has {len(given)} values for {len(bars)} H{q} "
                                 "bars; give one p-value per bar, in the diagram's order.")
            p = given
        out[q] = np.column_stack([bars[:, :2], p]) if len(bars) else np.zeros((0, 3))
    return out


def _draw_panel(ax, bars, right, threshold, alpha=None):
    """One dimension's bars; with a threshold, long bars in orange and the line birth + threshold;
    with p-values (a third column) and ``alpha``, significant bars in orange.

    A bar is long when its lifetime exceeds the threshold, i.e. when it reaches past its own
    ``birth + threshold``; those points, joined bar by bar, are the threshold line (a vertical
    line when every bar is born at 0).
    """
    inf = np.isinf(bars[:, 1])
    y = np.arange(len(bars))
    ends = np.where(inf, right, bars[:, 1])
    if alpha is not None and bars.shape[1] > 2:
        long = ~inf & (bars[:, 2] < alpha)
        label = f"significant (corrected p < {alpha:g})"
    elif threshold is not None:
        long = ~inf & (bars[:, 1] - bars[:, 0] > threshold)
        label = f"long (lifetime > {threshold:g})"
    else:
        long = inf & False
    short = ~inf & ~long
    ax.hlines(y[short], bars[short, 0], ends[short], color="C0", lw=1.5)
    if long.any():
        ax.hlines(y[long], bars[long, 0], ends[long], color="C1", lw=2.2, label=label)
    if inf.any():
        ax.hlines(y[inf], bars[inf, 0], ends[inf], color="C3", lw=1.5)
        ax.plot(ends[inf], y[inf], ">", color="C3", ms=6, clip_on=False, label="infinite")
    if threshold is not None:
        # One step per bar, stretched half a row beyond the first and last bar.
        xs = bars[:, 0] + threshold if len(bars) else np.array([threshold])
        xs, ys = np.r_[xs[:1], xs, xs[-1:]], np.r_[-0.5, np.arange(len(xs)), len(xs) - 0.5]
        ax.plot(xs, ys, ls="--", lw=0.9, color="0.35", drawstyle="steps-mid",
                label=f"birth + {threshold:g} (long-bar threshold)")
    handles, labels = ax.get_legend_handles_labels()
    if handles:
        # "infinite" first: it changes how a bar is read more than the threshold does.
        order = sorted(range(len(labels)), key=lambda i: labels[i] != "infinite")
        ax.legend([handles[i] for i in order], [labels[i] for i in order], loc="best",
                  fontsize="x-small", frameon=False)


@validate_params({"max_bars": [*COUNT, None]}, prefer_skip_nested_validation=True)
def plot_barcode(
    diagram, *, homology_dimensions=None, max_bars=None, axes=None, title=None, xlabel="scale",
    threshold=None, xmax=None, pvalues=None, alpha=0.05,
):
    """Draw the barcode of one diagram, one panel per homology dimension (as in the paper).

    Each bar is a horizontal segment from birth to death, sorted by birth (ties: longest first).
    A bar with infinite death is drawn to the right edge of the panel and ends in an arrow head,
    labelled "infinite" in the legend, so it is never mistaken for a long finite bar.

    The horizontal scale is honest: it starts at 0 and, with a ``threshold``, always reaches past
    ``birth + threshold`` of every bar, so a bar of lifetime 0.001 stays a speck next to the
    threshold line instead of filling the panel; ``xmax`` puts several barcodes (a layer sweep)
    on one common scale.

    Parameters
    ----------
    diagram : list of ndarray of shape (n_q, 2) or ndarray of shape (n_pairs, 3)
        A ripser-style per-dimension list, or one padded diagram.
    homology_dimensions : sequence of int, default=None
        Panels to draw; ``None`` means every dimension of ``diagram``.
    max_bars : int, default=None
        Draw only the longest ``max_bars`` bars of each dimension (infinite bars first); the panel
        title says how many were left out.
    axes : sequence of matplotlib Axes, default=None
        One Axes per dimension; a new figure is made when ``None``.
    title : str, default=None
        Figure title.
    xlabel : str, default="scale"
        Label of the filtration axis; say which complex it is and on how many points.
    threshold : float or None, default=None
        A reference lifetime. Bars longer than it are drawn in orange and a dashed line marks
        ``birth + threshold`` on every bar (a vertical line at ``threshold`` for bars born at 0).
        A lifetime is not a significance test (lifetimes shrink as points are added): prefer
        ``pvalues``.
    xmax : float or None, default=None
        Right edge of every panel, for a common scale across figures; it must not cut a finite
        bar. ``None`` fits this diagram (and its threshold line).
    pvalues : dict or None, default=None
        ``{dimension: p-values}`` aligned with that dimension's bars (e.g. a
        :class:`~sktopo.significance.Readout`'s ``corrected_pvalues``): bars with a p-value below
        ``alpha`` are drawn in orange as significant.
    alpha : float, default=0.05
        Level for ``pvalues``.

    Returns
    -------
    fig : matplotlib.figure.Figure

    See Also
    --------
    plot_persistence_diagram : The same bars as points (birth, death).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from sktopo.homology import plot_barcode
    >>> fig = plot_barcode([np.array([[0.0, 0.5], [0.0, np.inf]]), np.array([[0.2, 0.9]])],
    ...                    pvalues={1: np.array([0.001])})
    >>> len(fig.axes)
    2
    """
    import matplotlib.pyplot as plt

    per_dim = _as_per_dimension(diagram, homology_dimensions)
    if not per_dim:
        raise ValueError("diagram holds no dimension to draw.")
    for name, value in (("threshold", threshold), ("xmax", xmax)):
        if value is not None and not (np.isfinite(value) and value > 0):
            raise ValueError(f"{name} must be a positive number or None; got {value!r}.")
    dims = list(per_dim)
    own_figure = axes is None
    if own_figure:
        fig, axes = plt.subplots(len(dims), 1, figsize=(6, 1.6 + 1.4 * len(dims)), squeeze=False)
        axes = axes[:, 0]
    else:
        axes = list(np.ravel(axes))
        if len(axes) != len(dims):
            raise ValueError(
                f"axes must hold {len(dims)} Axes, one per dimension; got {len(axes)}."
            )
        fig = axes[0].figure
    right = _barcode_right_edge(per_dim, threshold, xmax)
    per_dim = _with_pvalues(per_dim, pvalues)
    for ax, q in zip(axes, dims):
        n_all = len(per_dim[q])
        bars = _sorted_bars(per_dim[q], max_bars)
        _draw_panel(ax, bars, right, threshold, alpha if pvalues else None)
        shown = f"H{q}" if len(bars) == n_all else f"H{q} (longest {len(bars)} of {n_all})"
        if n_all == 0:
            ax.text(0.5, 0.5, f"no H{q} bar", transform=ax.transAxes, ha="center",
                    va="center", color="0.4")
        ax.set_title(shown, loc="left", fontsize="medium")
        ax.set_xlim(0 if bars.size == 0 or bars[:, 0].min() >= 0 else None, right)
        ax.set_ylim(-1, max(len(bars), 1))
        ax.set_yticks([])
    axes[-1].set_xlabel(xlabel)
    if title:
        fig.suptitle(title)
    if own_figure:
        # Laying out a caller's figure is the caller's business (it may hold other panels).
        fig.tight_layout()
    return fig


@validate_params({"diagram": ["array-like"], "homology_dimensions": ["array-like", None],
                  "ax": [HasMethods(["scatter", "plot"]), None], "title": [str, None]},
                 prefer_skip_nested_validation=True)
def plot_persistence_diagram(diagram, *, homology_dimensions=None, ax=None, title=None):
    """Draw a persistence diagram: one point (birth, death) per bar, colour by dimension.

    Points with infinite death sit on a dashed line above every finite point, labelled
    "infinite", instead of being dropped.

    Parameters
    ----------
    diagram : list of ndarray of shape (n_q, 2) or ndarray of shape (n_pairs, 3)
        A ripser-style per-dimension list, or one padded diagram.
    homology_dimensions : sequence of int, default=None
        Dimensions to draw; ``None`` means all.
    ax : matplotlib Axes, default=None
        Where to draw; a new figure is made when ``None``.
    title : str, default=None
        Axes title.

    Returns
    -------
    ax : matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from sktopo.homology import plot_persistence_diagram
    >>> ax = plot_persistence_diagram([np.array([[0.0, 0.5], [0.0, np.inf]])])
    >>> ax.get_xlabel()
    'birth'
    """
    import matplotlib.pyplot as plt

    per_dim = _as_per_dimension(diagram, homology_dimensions)
    if ax is None:
        _, ax = plt.subplots(figsize=(4.5, 4.5))
    top = _right_edge(per_dim)
    inf_line = top
    for q, d in per_dim.items():
        fin = np.isfinite(d[:, 1])
        ax.scatter(d[fin, 0], d[fin, 1], s=12, color=f"C{q}", label=f"H{q}")
        if (~fin).any():
            ax.scatter(d[~fin, 0], np.full((~fin).sum(), inf_line), s=30, marker="^",
                       color=f"C{q}", clip_on=False)
    ax.axhline(inf_line, ls="--", lw=0.8, color="grey")
    ax.text(0.01 * top, inf_line, "infinite", va="bottom", fontsize="small", color="grey")
    ax.plot([0, top], [0, top], color="black", lw=0.8)
    ax.set_xlim(0, top * 1.02)
    ax.set_ylim(0, top * 1.08)
    ax.set_xlabel("birth")
    ax.set_ylabel("death")
    ax.legend(loc="lower right", fontsize="small")
    if title:
        ax.set_title(title)
    return ax
