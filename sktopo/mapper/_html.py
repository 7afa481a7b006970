"""A self-contained interactive HTML page of a Mapper graph (no network access needed)."""

import html
import json
from pathlib import Path

import networkx as nx
import numpy as np

from .._compat import validate_params

from ._plot import mapper_layout, node_colors, node_values

_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title}</title>
<style>
body {{ font-family: sans-serif; margin: 12px; background: #fff; }}
svg {{ border: 1px solid #ddd; background: #fcfcfc; }}
line.edge {{ stroke: #999; stroke-width: 0.8; }}
circle.node {{ stroke: #222; stroke-width: 0.6; cursor: pointer; }}
circle.node:hover {{ stroke-width: 2.5; }}
#tip {{ position: absolute; display: none; background: #fff; border: 1px solid #888;
        padding: 6px; font-size: 12px; pointer-events: none; box-shadow: 2px 2px 6px #aaa; }}
</style>
</head>
<body>
<h3>{title}</h3>
<p>{summary} Colour: {color_label} (blue = low, red = high). Hover a node for its size and
mean filter.</p>
<svg id="graph" width="{width}" height="{height}" viewBox="0 0 {width} {height}">
{edges}
{nodes}
</svg>
<div id="tip"></div>
<script>
var NODES = {data};
var tip = document.getElementById("tip");
function glyph(w) {{
  var side = Math.round(Math.sqrt(w.length));
  if (side * side !== w.length) return "";
  var m = 0;
  for (var i = 0; i < w.length; i++) m = Math.max(m, Math.abs(w[i]));
  if (m === 0) m = 1;
  var px = 18, s = '<svg width="' + side * px + '" height="' + side * px + '">';
  for (var r = 0; r < side; r++) for (var c = 0; c < side; c++) {{
    var g = Math.round(127.5 + 127.5 * w[r * side + c] / m);
    s += '<rect x="' + c * px + '" y="' + r * px + '" width="' + px + '" height="' + px +
         '" fill="rgb(' + g + ',' + g + ',' + g + ')"/>';
  }}
  return s + "</svg>";
}}
document.querySelectorAll("circle.node").forEach(function (el) {{
  el.addEventListener("mousemove", function (ev) {{
    var d = NODES[el.getAttribute("data-index")];
    tip.innerHTML = "<b>node " + d.id + "</b><br>size: " + d.size + "<br>" + d.label +
      "<br>mean filter:<br>" + glyph(d.filter);
    tip.style.display = "block";
    tip.style.left = (ev.pageX + 14) + "px";
    tip.style.top = (ev.pageY + 14) + "px";
  }});
  el.addEventListener("mouseleave", function () {{ tip.style.display = "none"; }});
}});
</script>
</body>
</html>
"""


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
):
    """Write a Mapper graph as one self-contained, interactive HTML page.

    Everything (SVG drawing, data, a few lines of JavaScript) is inline: the page opens offline,
    unlike kepler-mapper's ``visualize``, whose template loads d3 and FileSaver from CDNs.
    Hovering a node shows its index, size, colour value and its mean filter as a small
    grayscale image (mid-grey = 0).

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
    xy = np.array([pos[v] for v in nodes], dtype=np.float64).reshape(-1, 2)
    margin = 30.0
    if nodes:
        lo, span = xy.min(axis=0), np.ptp(xy, axis=0)
        span[span == 0] = 1.0
        scale = min((width - 2 * margin) / span[0], (height - 2 * margin) / span[1])
        screen = margin + (xy - lo) * scale
        screen[:, 1] = height - screen[:, 1]  # y grows downwards on screen
    sizes = np.array([graph.nodes[v].get("size", 1) for v in nodes], dtype=np.float64)
    root = np.sqrt(sizes) if nodes else sizes
    rspan = (root.max() - root.min()) if nodes else 0.0
    radius = 4.0 + 10.0 * ((root - root.min()) / rspan if rspan > 0 else 0.5 * np.ones_like(root))
    index = {v: i for i, v in enumerate(nodes)}
    edges = "\n".join(
        '<line class="edge" x1="{:.1f}" y1="{:.1f}" x2="{:.1f}" y2="{:.1f}"/>'.format(
            *screen[index[u]], *screen[index[v]]
        )
        for u, v in graph.edges()
    )
    circles, data = [], []
    label = node_color if isinstance(node_color, str) else "value"
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
            "label": html.escape(f"{label}: {values[i]:.4g}"),
            "filter": [round(float(w), 5) for w in mean],
        })
    summary = (
        f"{len(nodes)} nodes, {graph.number_of_edges()} edges"
        + (f"; Mapper({graph.graph['resolution']}, {graph.graph['gain']:g})"
           if "resolution" in graph.graph else "")
        + "."
    )
    page = _PAGE.format(
        title=html.escape(title),
        summary=html.escape(summary),
        color_label=html.escape(str(label)),
        width=int(width),
        height=int(height),
        edges=edges,
        nodes="\n".join(circles),
        data=json.dumps(data).replace("</", "<\\/"),
    )
    if path is not None:
        Path(path).write_text(page, encoding="utf-8")
    return page
