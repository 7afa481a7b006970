"""Exports round-trip: persim lists, .npz diagrams, node-link JSON, GraphML, kepler-mapper."""

import json

import matplotlib

matplotlib.use("Agg")

import networkx as nx  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from sktopo.datasets import make_collection, make_filter_cloud  # noqa: E402
from sktopo.export import (  # noqa: E402
    from_persim,
    kept_filters,
    load_diagrams,
    mapper_graph_data,
    read_mapper_graph,
    save_diagrams,
    save_mapper_graph,
    to_kmapper,
    to_persim,
)
from sktopo.filters import extract_spatial_filters, normalize_filters  # noqa: E402
from sktopo.homology import Persistence, diagram_distance  # noqa: E402
from sktopo.mapper import mapper_graph  # noqa: E402
from sktopo.pipeline import fit_topology  # noqa: E402


@pytest.fixture(scope="module")
def padded():
    clouds = make_collection(["primary_circle", "gaussian", "klein_bottle"], n=150,
                             random_state=0)
    return Persistence(n_landmarks=40).fit_transform(clouds)


@pytest.fixture(scope="module")
def graph():
    return mapper_graph(make_filter_cloud("primary_circle", 500, noise=0.1, random_state=0), 8, 3)


# --------------------------------------------------------------------------- diagrams
def test_persim_lists_round_trip(padded):
    lists = to_persim(padded)
    assert len(lists) == 3 and all(len(d) == 2 for d in lists)
    assert all(d.ndim == 2 and d.shape[1] == 2 for dgms in lists for d in dgms)
    np.testing.assert_array_equal(from_persim(lists), padded)
    one = to_persim(padded[1])
    assert [d.shape for d in one] == [d.shape for d in lists[1]]
    # One diagram cut from a collection keeps the collection's padding; the bars are the same.
    again = to_persim(from_persim(one))
    assert all(np.array_equal(a, b) for a, b in zip(again, one))


def test_persim_reads_our_lists_as_we_do(padded):
    import persim

    a, b = to_persim(padded[0]), to_persim(padded[1])
    finite = [d[np.isfinite(d[:, 1])] for d in (a[1], b[1])]
    assert persim.bottleneck(*finite) == pytest.approx(
        diagram_distance(padded[0], padded[1], homology_dimension=1))


@pytest.mark.parametrize("wrong", ["padded-2d", "padded-3d", "pairs-array"])
def test_from_persim_refuses_arrays(padded, wrong):
    value = {"padded-2d": padded[0], "padded-3d": padded,
             "pairs-array": padded[0][:, :2]}[wrong]
    with pytest.raises((TypeError, ValueError), match="dgms"):
        from_persim(value)


def test_from_persim_refuses_padded_rows_inside_a_list(padded):
    with pytest.raises(ValueError, match=r"shape \(n_pairs, 2\)"):
        from_persim([padded[0]])


def test_diagrams_npz_round_trip(padded, tmp_path):
    path = tmp_path / "diagrams.npz"
    save_diagrams(path, padded, names=["circle", "noise", "klein"])
    back, names = load_diagrams(path)
    np.testing.assert_array_equal(back, padded)
    assert names == ["circle", "noise", "klein"]
    with np.load(path, allow_pickle=False) as data:  # nothing needs pickle
        np.testing.assert_array_equal(data["dgm_2_h1"], to_persim(padded)[2][1])
    save_diagrams(path, to_persim(padded))  # persim lists are accepted too, numbered
    assert load_diagrams(path)[1] == ["0", "1", "2"]
    with pytest.raises(ValueError, match="names has 1 entries for 3"):
        save_diagrams(path, padded, names=["one"])


# --------------------------------------------------------------------------- Mapper graphs
def _plain_attributes(g):
    values = [v for _, d in g.nodes(data=True) for v in d.values()]
    values += [v for _, _, d in g.edges(data=True) for v in d.values()]
    values += list(g.graph.values())
    return not any(isinstance(v, np.ndarray) for v in values)


def test_node_link_json_round_trip(graph, tmp_path):
    data = mapper_graph_data(graph)
    text = json.dumps(data)  # no custom encoder needed
    back = nx.node_link_graph(json.loads(text), edges="edges")
    assert sorted(back.edges()) == sorted(graph.edges())
    assert back.nodes[0]["members"] == graph.nodes[0]["members"].tolist()
    assert _plain_attributes(back)
    path = tmp_path / "mapper.json"
    save_mapper_graph(path, graph)
    restored = read_mapper_graph(path)
    np.testing.assert_array_equal(restored.nodes[3]["members"], graph.nodes[3]["members"])
    np.testing.assert_allclose(restored.nodes[3]["mean_filter"], graph.nodes[3]["mean_filter"])
    assert restored.nodes[3]["cell"] == graph.nodes[3]["cell"]


def test_graphml_is_read_by_networkx(graph, tmp_path):
    path = tmp_path / "mapper.graphml"
    save_mapper_graph(path, graph)
    plain = nx.read_graphml(path, node_type=int)
    assert plain.number_of_nodes() == graph.number_of_nodes()
    assert sorted(plain.edges()) == sorted(graph.edges())
    assert plain.nodes[0]["size"] == graph.nodes[0]["size"]
    assert json.loads(plain.nodes[0]["members"]) == graph.nodes[0]["members"].tolist()
    assert "members" in plain.graph["json_attributes"].split(",")
    restored = read_mapper_graph(path)
    np.testing.assert_allclose(restored.nodes[0]["mean_filter"], graph.nodes[0]["mean_filter"])
    assert restored.graph["resolution"] == 8 and len(restored.graph["intervals"]) == 2
    with pytest.raises(ValueError, match="suffix"):
        save_mapper_graph(tmp_path / "mapper.txt", graph)


def test_kepler_mapper_draws_our_graph(graph, tmp_path):
    import kmapper

    km_graph = to_kmapper(graph, meta={"layer": "conv1"})
    assert len(km_graph["nodes"]) == graph.number_of_nodes()
    assert sum(len(v) for v in km_graph["links"].values()) == graph.number_of_edges()
    path = tmp_path / "kmapper.html"
    page = kmapper.KeplerMapper(verbose=0).visualize(km_graph, path_html=str(path),
                                                     title="sktopo graph")
    assert path.stat().st_size > 0 and "sktopo graph" in page
    with pytest.raises(ValueError, match="members"):
        to_kmapper(nx.cycle_graph(3))


# --------------------------------------------------------------------------- kept filters
def test_kept_filters_carry_provenance_and_normalised_weights():
    import torch

    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Conv2d(4, 30, 3), torch.nn.Conv2d(30, 10, 5))
    filters, provenance = extract_spatial_filters(net, 2, kernel_size=None,
                                                  return_provenance=True)
    _, (view,) = fit_topology([filters], k=10, p=0.4, n_landmarks=30)
    table = kept_filters(view, provenance)
    assert len(table) == len(view.kept) == 120
    assert list(table.columns[:5]) == ["row", "source", "layer", "out_channel", "in_channel"]
    weights = table[[f"w{i}" for i in range(25)]].to_numpy()
    np.testing.assert_allclose(weights, view.cloud)
    o, i = table.loc[7, ["out_channel", "in_channel"]]
    raw = net[1].weight.detach().numpy()[o, i].ravel()
    np.testing.assert_allclose(weights[7], normalize_filters(raw[None])[0], rtol=1e-6)
    with pytest.raises(ValueError, match="provenance has 5 rows"):
        kept_filters(view, provenance.head(5))
