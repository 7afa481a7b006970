"""A self-contained interactive HTML page of a Mapper graph (no network access needed)."""

import html
import json
from pathlib import Path

import networkx as nx
import numpy as np

from .._compat import validate_params

from ._plot import GLYPH_NOTE, color_label, kernel_shape_of, mapper_layout, node_colors, node_values

_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title}</title>
<style>
body {{ font-family: sans-serif; margin: 12px; background: #fff; color: #222; }}
#wrap {{ display: flex; gap: 16px; align-items: flex-start; }}
svg#graph {{ border: 1px solid #ddd; background: #fcfcfc; cursor: grab; touch-action: none; }}
line.edge {{ stroke: #999; stroke-width: 0.8; vector-effect: non-scaling-stroke; }}
circle.node {{ stroke: #222; stroke-width: 0.6; cursor: pointer;
               vector-effect: non-scaling-stroke; }}
circle.node:hover {{ stroke-width: 2.5; }}
#legend {{ font-size: 13px; max-width: 260px; }}
#legend .bar {{ height: 14px; border: 1px solid #888; }}
#legend .ends {{ display: flex; justify-content: space-between; font-size: 12px; }}
#legend h4 {{ margin: 14px 0 4px 0; }}
#controls button {{ font-size: 14px; min-width: 2.2em; margin-right: 4px; }}
#tip {{ position: absolute; display: none; background: #fff; border: 1px solid #888;
        padding: 6px; font-size: 12px; pointer-events: none; box-shadow: 2px 2px 6px #aaa; }}
</style>
</head>
<body>
<h3>{title}</h3>
<p>{summary}</p>
<div id="wrap">
<svg id="graph" width="{width}" height="{height}" viewBox="0 0 {width} {height}">
<g id="viewport">
{edges}
{nodes}
</g>
</svg>
<div id="legend">
<div id="controls"><button id="zoom-in" title="zoom in">+</button>
<button id="zoom-out" title="zoom out">&minus;</button>
<button id="zoom-reset" title="fit the whole graph">reset</button></div>
<p>Wheel or buttons to zoom, drag to pan; hover a node for its size and mean filter.</p>
<h4>Node colour: {color_label}</h4>
<div class="bar" style="background: linear-gradient(to right, {gradient});"></div>
<div class="ends"><span>{color_lo}</span><span>{color_hi}</span></div>
<p>Node area grows with the number of points in the node ({size_lo} to {size_hi}).</p>
<h4>Mean-filter glyphs{shape_label}</h4>
<div class="bar" style="background: linear-gradient(to right, #000, #808080, #fff);"></div>
<div class="ends"><span>most negative</span><span>0</span><span>most positive</span></div>
<p>{glyph_note}.</p>
</div>
</div>
<div id="tip"></div>
<script>
var NODES = {data};
var SHAPE = {shape};
var W = {width}, H = {height};
var tip = document.getElementById("tip");
function glyph(w) {{
  var rows = SHAPE ? SHAPE[0] : Math.round(Math.sqrt(w.length));
  var cols = SHAPE ? SHAPE[1] : rows;
  if (rows * cols !== w.length || w.length === 0) return "";
  var m = 0;
  for (var i = 0; i < w.length; i++) m = Math.max(m, Math.abs(w[i]));
  if (m === 0) m = 1;
  // One glyph size for every kernel: about 72 pixels across, at least 3 per weight.
  var px = Math.max(3, Math.round(72 / Math.max(rows, cols)));
  var s = '<svg width="' + cols * px + '" height="' + rows * px + '">';
  for (var r = 0; r < rows; r++) for (var c = 0; c < cols; c++) {{
    var g = Math.round(127.5 + 127.5 * w[r * cols + c] / m);
    s += '<rect x="' + c * px + '" y="' + r * px + '" width="' + px + '" height="' + px +
         '" fill="rgb(' + g + ',' + g + ',' + g + ')"/>';
  }}
  return s + "</svg>";
}}
document.querySelectorAll("circle.node").forEach(function (el) {{
  el.addEventListener("mousemove", function (ev) {{
    var d = NODES[el.getAttribute("data-index")];
    tip.innerHTML = "<b>node " + d.id + "</b>: " + d.size + " points" +
      (d.value ? "<br>" + d.value : "") + "<br>mean filter:<br>" + glyph(d.filter);
    tip.style.display = "block";
    tip.style.left = (ev.pageX + 14) + "px";
    tip.style.top = (ev.pageY + 14) + "px";
  }});
  el.addEventListener("mouseleave", function () {{ tip.style.display = "none"; }});
}});
var svg = document.getElementById("graph"), view = document.getElementById("viewport");
var zoom = 1, tx = 0, ty = 0, drag = null;
function apply() {{
  view.setAttribute("transform", "translate(" + tx + "," + ty + ") scale(" + zoom + ")");
}}
function zoomAt(factor, x, y) {{
  var next = Math.min(50, Math.max(0.2, zoom * factor));
  tx = x - (x - tx) * next / zoom;
  ty = y - (y - ty) * next / zoom;
  zoom = next;
  apply();
}}
function svgPoint(ev) {{
  var r = svg.getBoundingClientRect();
  return [(ev.clientX - r.left) * W / r.width, (ev.clientY - r.top) * H / r.height];
}}
svg.addEventListener("wheel", function (ev) {{
  ev.preventDefault();
  var p = svgPoint(ev);
  zoomAt(ev.deltaY < 0 ? 1.25 : 0.8, p[0], p[1]);
}}, {{ passive: false }});
svg.addEventListener("mousedown", function (ev) {{
  drag = [ev.clientX, ev.clientY, tx, ty];
  svg.style.cursor = "grabbing";
}});
window.addEventListener("mousemove", function (ev) {{
  if (!drag) return;
  var r = svg.getBoundingClientRect();
  tx = drag[2] + (ev.clientX - drag[0]) * W / r.width;
  ty = drag[3] + (ev.clientY - drag[1]) * H / r.height;
  apply();
}});
window.addEventListener("mouseup", function () {{ drag = null; svg.style.cursor = "grab"; }});
document.getElementById("zoom-in").onclick = function () {{ zoomAt(1.25, W / 2, H / 2); }};
document.getElementById("zoom-out").onclick = function () {{ zoomAt(0.8, W / 2, H / 2); }};
document.getElementById("zoom-reset").onclick = function () {{
  zoom = 1; tx = 0; ty = 0; apply();
}};
</script>
</body>
</html>
"""


def _screen_positions(xy, width, height, margin=30.0):
    """Layout coordinates to pixels, fitted into the drawing with y growing downwards."""
    if not len(xy):
        return xy
    lo, span = xy.min(axis=0), np.ptp(xy, axis=0)
    span[span == 0] = 1.0
    scale = min((width - 2 * margin) / span[0], (height - 2 * margin) / span[1])
    screen = margin + (xy - lo) * scale
    screen[:, 1] = height - screen[:, 1]
    return screen


def _gradient(cmap, n_stops=11):
    """CSS gradient stops of a matplotlib colormap, low to high."""
    import matplotlib

    colors = matplotlib.colormaps[cmap](np.linspace(0.0, 1.0, n_stops))
    return ", ".join("rgb({},{},{})".format(*np.round(255 * c[:3]).astype(int)) for c in colors)


def _node_markup(graph, nodes, screen, colors, values, node_color):
    """One ``<circle class="node">`` and one tooltip record per node."""
    sizes = np.array([graph.nodes[v].get("size", 1) for v in nodes], dtype=np.float64)
    radius = _radii(sizes)
    # The colour value is listed only when it is not the size, which every tooltip shows.
    by_size = isinstance(node_color, str) and node_color == "size"
    label = color_label(node_color)
    circles, data = [], []
    for i, v in enumerate(nodes):
        r, g, b = (np.round(255 * colors[i, :3])).astype(int)
        circles.append(
            f'<circle class="node" data-index="{i}" '
            f'cx="{screen[i, 0]:.1f}" cy="{screen[i, 1]:.1f}" '
            f'r="{radius[i]:.1f}" fill="rgb({r},{g},{b})"/>'
        )
        mean = np.asarray(graph.nodes[v].get("mean_filter", []), dtype=np.float64).ravel()
        data.append({
            "id": html.escape(str(v)),
            "size": int(sizes[i]),
            "value": "" if by_size else html.escape(f"{label}: {values[i]:.4g}"),
            "filter": [round(float(w), 5) for w in mean],
        })
    return circles, data


def _radii(sizes):
    root = np.sqrt(sizes)
    span = (root.max() - root.min()) if len(root) else 0.0
    return 4.0 + 10.0 * ((root - root.min()) / span if span > 0 else 0.5 * np.ones_like(root))


@validate_params({"graph": [nx.Graph], "random_state": ["random_state"]},
                 prefer_skip_nested_validation=True)
def mapper_html(
    graph,
    path=None,
    *,
    pos=None,
    node_color="size",
    cmap="jet",
    title="Mapper graph",
    width=900,
    height=700,
    random_state=0,
    kernel_shape=None,
):
    """Write a Mapper graph as one self-contained, interactive HTML page.

    Everything (SVG drawing, data, a few lines of JavaScript) is inline: the page opens offline,
    unlike kepler-mapper's ``visualize``, whose template loads d3 and FileSaver from CDNs, and
    its text uses plain Unicode, no maths typesetting library. The wheel (or the + and -
    buttons) zooms, dragging pans. A legend gives the colour scale of the nodes with its end
    values, the range of node sizes and how to read the glyphs. Hovering a node shows its index,
    its number of points, its colour value (unless the colour is the size) and its mean filter
    as a grayscale image (mid-grey = 0), of the same width for every kernel size.

    Parameters
    ----------
    graph : networkx.Graph
        A Mapper graph.
    path : str, path-like or None, default=None
        File to write; ``None`` only returns the text.
    pos : dict or None, default=None
        Node positions (e.g. from :func:`mapper_layout`, shared with a static figure).
    node_color : str, dict or array-like, default="size"
        As in :func:`plot_mapper_graph`.
    cmap : str, default="jet"
        Matplotlib colormap.
    title : str, default="Mapper graph"
        Page title.
    width, height : int, default=900, 700
        Drawing size in pixels.
    random_state : int, default=0
        Layout seed when ``pos`` is None.
    kernel_shape : (int, int) or None, default=None
        ``(kh, kw)`` of the filters, for glyphs of non-square kernels; ``None`` means square.

    Returns
    -------
    page : str
        The HTML text; each node is one ``<circle class="node">``.

    Examples
    --------
    >>> import networkx as nx
    >>> from sktopo.mapper import mapper_html
    >>> page = mapper_html(nx.cycle_graph(4))
    >>> page.count('class="node"')
    4
    """
    nodes = list(graph.nodes())
    if pos is None:
        pos = mapper_layout(graph, random_state=random_state)
    values = node_values(graph, node_color) if nodes else np.empty(0)
    colors = node_colors(values, cmap) if nodes else np.empty((0, 4))
    screen = _screen_positions(
        np.array([pos[v] for v in nodes], dtype=np.float64).reshape(-1, 2), width, height)
    sizes = np.array([graph.nodes[v].get("size", 1) for v in nodes], dtype=np.float64)
    index = {v: i for i, v in enumerate(nodes)}
    edges = "\n".join(
        '<line class="edge" x1="{:.1f}" y1="{:.1f}" x2="{:.1f}" y2="{:.1f}"/>'.format(
            *screen[index[u]], *screen[index[v]]
        )
        for u, v in graph.edges()
    )
    label = color_label(node_color)
    circles, data = _node_markup(graph, nodes, screen, colors, values, node_color)
    shape = None
    if nodes:
        shape = kernel_shape_of(graph.nodes[nodes[0]].get("mean_filter", []), kernel_shape)
    page = _PAGE.format(
        title=html.escape(title),
        summary=html.escape(_summary(graph)),
        color_label=html.escape(label),
        gradient=_gradient(cmap),
        color_lo=f"{values.min():.4g}" if nodes else "",
        color_hi=f"{values.max():.4g}" if nodes else "",
        size_lo=int(sizes.min()) if nodes else 0,
        size_hi=int(sizes.max()) if nodes else 0,
        shape_label=f" ({shape[0]}x{shape[1]})" if shape else "",
        glyph_note=html.escape(GLYPH_NOTE),
        width=int(width),
        height=int(height),
        edges=edges,
        nodes="\n".join(circles),
        data=json.dumps(data).replace("</", "<\\/"),
        shape=json.dumps(list(shape) if shape else None),
    )
    if path is not None:
        Path(path).write_text(page, encoding="utf-8")
    return page


def _summary(graph):
    """One line on the graph: counts and the Mapper parameters, in plain Unicode."""
    text = f"{graph.number_of_nodes()} nodes, {graph.number_of_edges()} edges"
    if "resolution" in graph.graph:
        r, g = graph.graph["resolution"], graph.graph["gain"]
        text += (f"; Mapper({r}, {g:g}): {r} intervals per lens (PCA 1 and 2), overlap "
                 f"1 − 1/{g:g} = {1 - 1 / g:.2f}")
        if "n_points" in graph.graph:
            text += f", {graph.graph['n_points']} points"
    return text + "."
