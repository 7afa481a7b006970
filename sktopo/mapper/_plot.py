"""Static Mapper figures: seeded layouts, size colours, mean-filter glyphs, layer x time grids."""

from numbers import Integral

import networkx as nx
import numpy as np

from .._compat import StrOptions, validate_params
from .._validation import Number

_GLYPH_COUNT = [Number(Integral, 0, None, closed="left")]


@validate_params({"graph": [nx.Graph], "method": [StrOptions({"spring", "lens", "kamada_kawai"})],
                  "random_state": ["random_state"]}, prefer_skip_nested_validation=True)
def mapper_layout(graph, *, method="spring", random_state=0):
    """Node positions that stay put when the graph is re-coloured.

    Parameters
    ----------
    graph : networkx.Graph
        A Mapper graph.
    method : {"spring", "lens", "kamada_kawai"}, default="spring"
        ``"spring"``: networkx's force-directed layout, seeded. ``"lens"``: every node at the
        mean lens value of its points (the first two lenses; a single lens gets the node index
        as its second coordinate), so the picture follows the PCA plane. ``"kamada_kawai"``:
        deterministic, slower on large graphs.
    random_state : int, default=0
        Seed of the spring layout: the same seed gives the same positions.

    Returns
    -------
    pos : dict
        Node -> ndarray of shape (2,). Pass it as ``pos=`` to :func:`plot_mapper_graph` and
        :func:`mapper_html` to keep one layout across colourings.

    Examples
    --------
    >>> import networkx as nx
    >>> from sktopo.mapper import mapper_layout
    >>> pos = mapper_layout(nx.cycle_graph(5), random_state=0)
    >>> len(pos)
    5
    """
    if graph.number_of_nodes() == 0:
        return {}
    if method == "spring":
        seed = int(random_state) if random_state is not None else 0
        n = graph.number_of_nodes()
        return nx.spring_layout(graph, seed=seed, k=1.5 / np.sqrt(n), iterations=100)
    if method == "kamada_kawai":
        return nx.kamada_kawai_layout(graph)
    if method == "lens":
        pos = {}
        for v, d in graph.nodes(data=True):
            lens = np.atleast_1d(d.get("lens_mean", [v]))
            pos[v] = np.array([lens[0], lens[1] if lens.size > 1 else float(v)])
        return pos


def node_values(graph, node_color="size"):
    """Per-node colour values: a node attribute name, a dict, or an array in node order."""
    nodes = list(graph.nodes())
    if isinstance(node_color, str) and node_color == "size":
        return np.array([float(graph.nodes[v].get("size", 1)) for v in nodes])
    if isinstance(node_color, str):
        missing = [v for v in nodes if node_color not in graph.nodes[v]]
        if missing:
            raise ValueError(
                f"node_color={node_color!r} is not an attribute of node {missing[0]}; use 'size', "
                "another node attribute, a dict node -> value or an array with one value per node."
            )
        return np.array([float(graph.nodes[v][node_color]) for v in nodes])
    if isinstance(node_color, dict):
        return np.array([float(node_color[v]) for v in nodes])
    values = np.asarray(node_color, dtype=np.float64).ravel()
    if values.size != len(nodes):
        raise ValueError(
            f"node_color has {values.size} values but the graph has {len(nodes)} nodes; "
            "pass one value per node, in graph.nodes() order."
        )
    return values


#: How to read a glyph, in the figures' and pages' own words.
GLYPH_NOTE = ("glyphs: a node's mean filter; mid-grey = 0, black = its most negative weight, "
              "white = its most positive")


def color_label(node_color):
    """Legend text of the node colours: ``"node size (points)"`` for the default."""
    if isinstance(node_color, str):
        return "node size (points)" if node_color == "size" else f"node {node_color}"
    return "node value"


def node_colors(values, cmap="jet"):
    """RGBA colours of ``values`` on ``cmap`` (blue = smallest, red = largest with "jet")."""
    import matplotlib

    values = np.asarray(values, dtype=np.float64)
    lo, hi = (values.min(), values.max()) if values.size else (0.0, 1.0)
    scaled = (values - lo) / (hi - lo) if hi > lo else np.full(values.shape, 0.5)
    return matplotlib.colormaps[cmap](scaled)


@validate_params({"graph": [nx.Graph], "pos": [dict], "n_glyphs": _GLYPH_COUNT},
                 prefer_skip_nested_validation=True)
def glyph_nodes_spread(graph, pos, n_glyphs):
    """``n_glyphs`` nodes spread over the layout: farthest-point sampling from the largest node.

    Parameters
    ----------
    graph : networkx.Graph
        A Mapper graph; a node's ``size`` attribute (1 when absent) picks the first node.
    pos : dict
        Node -> position, as :func:`mapper_layout` returns.
    n_glyphs : int
        Nodes wanted; fewer come back when the graph has fewer distinct positions.

    Returns
    -------
    nodes : list
        The chosen nodes, the largest first (empty for ``n_glyphs=0`` or an empty graph).
    """
    nodes = list(graph.nodes())
    if n_glyphs <= 0 or not nodes:
        return []
    xy = np.array([pos[v] for v in nodes], dtype=np.float64)
    sizes = np.array([graph.nodes[v].get("size", 1) for v in nodes])
    chosen = [int(np.argmax(sizes))]
    dist = np.linalg.norm(xy - xy[chosen[0]], axis=1)
    while len(chosen) < min(n_glyphs, len(nodes)):
        nxt = int(np.argmax(dist))
        if dist[nxt] == 0:
            break
        chosen.append(nxt)
        dist = np.minimum(dist, np.linalg.norm(xy - xy[nxt], axis=1))
    return [nodes[i] for i in chosen]


#: Width of a glyph in points (a 3x3 glyph at 7 points per weight), whatever the kernel size.
GLYPH_WIDTH = 21.0


def kernel_shape_of(mean_filter, kernel_shape=None):
    """``(kh, kw)`` of a flattened filter: ``kernel_shape`` checked, or a square derived.

    Returns None when the weights do not form that shape (no glyph can be drawn).
    """
    n = np.asarray(mean_filter).size
    if kernel_shape is not None:
        kh, kw = (int(v) for v in kernel_shape)
        return (kh, kw) if kh * kw == n and n > 0 else None
    side = int(round(np.sqrt(n)))
    return (side, side) if side * side == n and n > 0 else None


def _filter_image(mean_filter, kernel_shape=None):
    shape = kernel_shape_of(mean_filter, kernel_shape)
    if shape is None:
        return None
    return np.asarray(mean_filter, dtype=np.float64).reshape(shape)


def _draw_glyphs(ax, graph, pos, chosen, xy, glyph_zoom, kernel_shape):
    """Mean-filter images beside the chosen nodes, pointing away from the layout's centre."""
    from matplotlib.colors import Normalize
    from matplotlib.offsetbox import AnnotationBbox, OffsetImage

    centre = xy.mean(axis=0)
    extent = np.ptp(xy, axis=0).max() or 1.0
    drawn = 0
    for v in chosen:
        img = _filter_image(graph.nodes[v].get("mean_filter", []), kernel_shape)
        if img is None:
            continue
        # One glyph width for every kernel size: a 16x16 patch filter is not 5x a 3x3 one.
        zoom = glyph_zoom if glyph_zoom is not None else GLYPH_WIDTH / max(img.shape)
        scale = np.abs(img).max() or 1.0
        p = np.asarray(pos[v], dtype=np.float64)
        out = p - centre
        out = out / (np.linalg.norm(out) or 1.0)
        box = AnnotationBbox(
            OffsetImage(img, cmap="gray", norm=Normalize(-scale, scale), zoom=zoom,
                        interpolation="nearest"),
            p, xybox=p + 0.12 * extent * out, xycoords="data", boxcoords="data",
            pad=0.1, frameon=True, arrowprops=dict(arrowstyle="-", color="0.3", lw=0.5),
            zorder=3,
        )
        box.set_gid(f"glyph-{v}")
        ax.add_artist(box)
        drawn += 1
    return drawn


@validate_params({"graph": [nx.Graph], "n_glyphs": _GLYPH_COUNT, "random_state": ["random_state"]},
                 prefer_skip_nested_validation=True)
def plot_mapper_graph(
    graph,
    *,
    pos=None,
    node_color="size",
    cmap="jet",
    n_glyphs=12,
    glyph_nodes=None,
    glyph_zoom=None,
    node_size=(20.0, 200.0),
    colorbar=True,
    random_state=0,
    title=None,
    ax=None,
    kernel_shape=None,
    glyph_note=True,
):
    """Draw a Mapper graph: nodes coloured by size (blue -> red) and mean-filter glyphs.

    Each glyph is the node's mean filter (``mean_filter`` attribute, e.g. 3x3) drawn in
    grayscale beside the node, scaled symmetrically about 0 so that mid-grey means zero weight,
    black the most negative and white the most positive weight of that filter. Every glyph has
    the same width whatever the kernel size (3x3, 5x5, 7x7, 16x16 patch embeddings).
    Glyphs on every node would bury a graph of hundreds of nodes, so by default only
    ``n_glyphs`` nodes get one, chosen spread out over the layout (farthest-point sampling
    starting from the largest node); ``glyph_nodes`` picks them by hand.

    Parameters
    ----------
    graph : networkx.Graph
        A Mapper graph (from :func:`mapper_graph` or :class:`Mapper`).
    pos : dict or None, default=None
        Node positions; ``None`` computes :func:`mapper_layout` with ``random_state``. Pass the
        same ``pos`` to keep the layout fixed across re-colourings.
    node_color : str, dict or array-like, default="size"
        Node attribute name, dict node -> value, or one value per node (``graph.nodes()`` order).
    cmap : str, default="jet"
        Matplotlib colormap; ``"jet"`` runs from blue (small) to red (large), as in the paper.
    n_glyphs : int, default=12
        Number of mean-filter glyphs; ``0`` draws none.
    glyph_nodes : list or None, default=None
        Nodes that get a glyph (overrides ``n_glyphs``).
    glyph_zoom : float or None, default=None
        Points per filter weight of a glyph; ``None`` gives every glyph the width
        :data:`GLYPH_WIDTH` (7 per weight for 3x3, 3 for 7x7).
    node_size : (float, float), default=(20.0, 200.0)
        Marker area of the smallest and largest node (scaled by the square root of size).
    colorbar : bool, default=True
        Add a colour bar.
    random_state : int, default=0
        Seed of the layout when ``pos`` is None.
    title : str or None, default=None
        Axes title.
    ax : matplotlib Axes or None, default=None
        Axes to draw into; a new figure otherwise.
    kernel_shape : (int, int) or None, default=None
        ``(kh, kw)`` of the filters, for glyphs of non-square kernels; ``None`` means square.
    glyph_note : bool, default=True
        Say under the graph how to read the glyphs' grey scale (when glyphs are drawn).

    Returns
    -------
    ax : matplotlib Axes
        The node markers are the collection labelled ``"mapper nodes"`` (one offset per node).

    Examples
    --------
    >>> from sktopo.datasets import make_filter_cloud
    >>> from sktopo.mapper import mapper_graph, plot_mapper_graph
    >>> g = mapper_graph(make_filter_cloud("primary_circle", 400, random_state=0), 8, 2)
    >>> ax = plot_mapper_graph(g, n_glyphs=4)
    """
    import matplotlib.pyplot as plt
    from matplotlib.collections import LineCollection

    if ax is None:
        _, ax = plt.subplots(figsize=(6, 6))
    nodes = list(graph.nodes())
    if pos is None:
        pos = mapper_layout(graph, random_state=random_state)
    missing = [v for v in nodes if v not in pos]
    if missing:
        raise ValueError(f"pos has no position for node {missing[0]}; compute it for this graph.")
    ax.set_axis_off()
    if title is not None:
        ax.set_title(title)
    if not nodes:
        ax.text(0.5, 0.5, "empty graph", ha="center", va="center", transform=ax.transAxes)
        return ax
    xy = np.array([pos[v] for v in nodes], dtype=np.float64)
    segments = [(pos[u], pos[v]) for u, v in graph.edges()]
    if segments:
        ax.add_collection(LineCollection(segments, colors="0.6", linewidths=0.6, zorder=1))
    values = node_values(graph, node_color)
    sizes = np.array([graph.nodes[v].get("size", 1) for v in nodes], dtype=np.float64)
    root = np.sqrt(sizes)
    span = root.max() - root.min()
    area = node_size[0] + (node_size[1] - node_size[0]) * (
        (root - root.min()) / span if span > 0 else 0.5
    )
    sc = ax.scatter(
        xy[:, 0], xy[:, 1], c=values, cmap=cmap, s=area, edgecolors="k", linewidths=0.3,
        zorder=2, label="mapper nodes",
    )
    if colorbar:
        plt.colorbar(sc, ax=ax, fraction=0.04, pad=0.01, label=color_label(node_color))
    chosen = glyph_nodes if glyph_nodes is not None else glyph_nodes_spread(graph, pos, n_glyphs)
    drawn = _draw_glyphs(ax, graph, pos, chosen, xy, glyph_zoom, kernel_shape)
    if drawn and glyph_note:
        ax.text(0.5, -0.01, GLYPH_NOTE, transform=ax.transAxes, ha="center", va="top",
                fontsize="x-small", color="0.3")
    extent = np.ptp(xy, axis=0).max() or 1.0
    pad = 0.2 * extent if chosen else 0.05 * extent
    ax.set_xlim(xy[:, 0].min() - pad, xy[:, 0].max() + pad)
    ax.set_ylim(xy[:, 1].min() - pad, xy[:, 1].max() + pad)
    ax.set_aspect("equal", adjustable="box")
    return ax


def _graph_row(row):
    """One row of the grid: a list of graphs (or None for a blank panel)."""
    if isinstance(row, nx.Graph) or not hasattr(row, "__iter__") or not all(
            g is None or isinstance(g, nx.Graph) for g in row):
        raise TypeError("graphs must be a list of networkx graphs or a list of rows of them; got "
                        f"an entry of type {type(row).__name__}.")
    return list(row)


@validate_params({"graphs": ["array-like", list], "n_glyphs": _GLYPH_COUNT,
                  "random_state": ["random_state"]}, prefer_skip_nested_validation=False)
def plot_mapper_grid(
    graphs,
    *,
    n_cols=None,
    row_labels=None,
    col_labels=None,
    panel_size=2.6,
    n_glyphs=0,
    random_state=0,
    **kwargs,
):
    """A grid of Mapper graphs, e.g. layer (rows) x training iteration (columns), as Figs. 5, 9.

    Parameters
    ----------
    graphs : list of list of networkx.Graph, or list of networkx.Graph
        ``graphs[i][j]`` is drawn in row ``i``, column ``j`` (``None`` leaves a panel blank). A
        flat list is cut into rows of ``n_cols`` (e.g. the output of :class:`Mapper` on clouds
        ordered layer by layer, iteration within layer).
    n_cols : int or None, default=None
        Columns for a flat list; ``None`` puts it on one row.
    row_labels, col_labels : list of str or None, default=None
        E.g. ``["layer 1", "layer 2"]`` and ``["100", "200", ...]`` (batch iterations).
    panel_size : float, default=2.6
        Inches per panel.
    n_glyphs : int, default=0
        Mean-filter glyphs per panel (small panels read better without).
    random_state : int, default=0
        Layout seed of every panel.
    **kwargs
        Passed to :func:`plot_mapper_graph` (``cmap``, ``node_color``, ...).

    Returns
    -------
    fig : matplotlib Figure

    Examples
    --------
    >>> from sktopo.datasets import make_collection
    >>> from sktopo.mapper import Mapper, plot_mapper_grid
    >>> clouds = make_collection(["primary_circle"] * 4, 200, random_state=0)
    >>> gs = Mapper(6, 2).fit_transform(clouds)
    >>> fig = plot_mapper_grid(gs, n_cols=2, row_labels=["layer 1", "layer 2"])
    >>> len(fig.axes)
    4
    """
    import matplotlib.pyplot as plt

    if isinstance(graphs, nx.Graph):
        raise TypeError("graphs must be a list (or a list of rows) of graphs; got one graph.")
    graphs = list(graphs)
    if not graphs:
        raise ValueError("graphs is empty; pass at least one graph.")
    if all(g is None or isinstance(g, nx.Graph) for g in graphs):
        cols = n_cols or len(graphs)
        rows = [graphs[i:i + cols] for i in range(0, len(graphs), cols)]
    else:
        rows = [_graph_row(r) for r in graphs]
    n_rows, n_c = len(rows), max(len(r) for r in rows)
    for name, labels, n in (("row_labels", row_labels, n_rows), ("col_labels", col_labels, n_c)):
        if labels is not None and len(labels) != n:
            raise ValueError(f"{name} has {len(labels)} entries for {n} {name[:3]}s of graphs.")
    fig, axes = plt.subplots(
        n_rows, n_c, figsize=(panel_size * n_c, panel_size * n_rows), squeeze=False
    )
    kwargs.setdefault("colorbar", False)
    for i in range(n_rows):
        for j in range(n_c):
            ax = axes[i, j]
            g = rows[i][j] if j < len(rows[i]) else None
            if g is None:
                ax.set_axis_off()
            else:
                plot_mapper_graph(g, n_glyphs=n_glyphs, random_state=random_state, ax=ax, **kwargs)
            if i == 0 and col_labels is not None:
                ax.set_title(str(col_labels[j]))
            if j == 0 and row_labels is not None:
                ax.text(-0.08, 0.5, str(row_labels[i]), rotation=90, ha="right", va="center",
                        transform=ax.transAxes)
    fig.tight_layout()
    return fig
