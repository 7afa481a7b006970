import re

import matplotlib
import numpy as np
import pytest

from sktopo.datasets import make_filter_cloud
from sktopo.mapper import (
    glyph_nodes_spread,
    mapper_graph,
    mapper_html,
    mapper_layout,
    plot_mapper_graph,
    plot_mapper_grid,
)

matplotlib.use("Agg")


@pytest.fixture(scope="module")
def graph():
    return mapper_graph(make_filter_cloud("primary_circle", 600, noise=0.1, random_state=0), 8, 2)


def node_collection(ax):
    return next(c for c in ax.collections if c.get_label() == "mapper nodes")


def test_static_figure_has_every_node_and_glyphs(graph, tmp_path):
    import matplotlib.pyplot as plt

    ax = plot_mapper_graph(graph, n_glyphs=5)
    assert len(node_collection(ax).get_offsets()) == graph.number_of_nodes()
    glyphs = [a for a in ax.artists if (a.get_gid() or "").startswith("glyph-")]
    assert len(glyphs) == 5
    ax.figure.savefig(tmp_path / "g.png")
    assert (tmp_path / "g.png").stat().st_size > 0
    plt.close("all")


def test_layout_is_seeded_and_fixed_across_recolourings(graph):
    import matplotlib.pyplot as plt

    a, b = mapper_layout(graph, random_state=1), mapper_layout(graph, random_state=1)
    assert all(np.allclose(a[v], b[v]) for v in graph)
    by_size = node_collection(plot_mapper_graph(graph, pos=a, n_glyphs=0))
    other = np.arange(graph.number_of_nodes())
    by_index = node_collection(plot_mapper_graph(graph, pos=a, node_color=other, n_glyphs=0))
    np.testing.assert_allclose(by_size.get_offsets(), by_index.get_offsets())
    assert not np.allclose(by_size.get_array(), by_index.get_array())
    lens = mapper_layout(graph, method="lens")
    assert np.allclose(lens[0], graph.nodes[0]["lens_mean"])
    with pytest.raises(ValueError, match="node_color"):
        plot_mapper_graph(graph, node_color=[1, 2, 3])
    plt.close("all")


def test_glyph_choice_spreads_out(graph):
    pos = mapper_layout(graph)
    chosen = glyph_nodes_spread(graph, pos, 6)
    assert len(set(chosen)) == 6
    sizes = [d["size"] for _, d in graph.nodes(data=True)]
    assert graph.nodes[chosen[0]]["size"] == max(sizes)


def test_html_page_is_self_contained(graph, tmp_path):
    path = tmp_path / "m.html"
    page = mapper_html(graph, path)
    assert path.read_text(encoding="utf-8") == page
    assert page.count('class="node"') == graph.number_of_nodes()
    assert page.count('class="edge"') == graph.number_of_edges()
    assert not re.search(r"(src|href)\s*=\s*[\"']?(https?:)?//", page)  # nothing to fetch
    assert "mean filter" in page and '"filter": [' in page


def test_grid_figure(graph):
    import matplotlib.pyplot as plt

    rows = [[graph, graph, None], [graph, graph, graph]]
    fig = plot_mapper_grid(rows, row_labels=["layer 1", "layer 2"], col_labels=[100, 200, 300])
    assert len(fig.axes) == 6
    assert [ax.get_title() for ax in fig.axes[:3]] == ["100", "200", "300"]
    drawn = [ax for ax in fig.axes if any(c.get_label() == "mapper nodes" for c in ax.collections)]
    assert len(drawn) == 5
    with pytest.raises(ValueError, match="row_labels"):
        plot_mapper_grid(rows, row_labels=["only one"])
    plt.close("all")
