import networkx as nx
import numpy as np
import pytest
from sklearn.base import clone

from sktopo.mapper import (
    MapperGraphFeatures,
    graph_cycle_rank,
    mapper_graph_features,
    nerve_betti1,
)


def two_squares():
    g = nx.cycle_graph(4)
    g.add_edges_from([(3, 4), (4, 5), (5, 6), (6, 3)])
    return g


@pytest.mark.parametrize(
    "graph, betti, rank",
    [
        (nx.complete_graph(3), 0, 1),
        (nx.cycle_graph(4), 1, 1),
        (two_squares(), 2, 2),
        (nx.complete_graph(6), 0, 10),
        (nx.path_graph(5), 0, 0),
        (nx.empty_graph(3), 0, 0),
        (nx.octahedral_graph(), 0, 7),  # flag complex is a 2-sphere: no H1
    ],
)
def test_loop_counts_on_hand_made_graphs(graph, betti, rank):
    assert nerve_betti1(graph) == betti
    assert graph_cycle_rank(graph) == rank


def test_triangulated_annulus_has_one_nerve_loop_but_many_graph_cycles():
    # A strip of triangles closed into a ring: flag complex is an annulus.
    n = 12
    g = nx.Graph()
    for i in range(n):
        j = (i + 1) % n
        g.add_edges_from([(i, j), (n + i, n + j), (i, n + i), (i, n + j)])
    assert nerve_betti1(g) == 1
    assert graph_cycle_rank(g) == g.number_of_edges() - g.number_of_nodes() + 1 > 1


def test_betti_matches_euler_characteristic_of_the_flag_complex():
    rng = np.random.default_rng(0)
    for _ in range(5):
        g = nx.gnp_random_graph(14, 0.25, seed=int(rng.integers(1e6)))
        cliques = list(nx.enumerate_all_cliques(g))
        counts = np.bincount([len(c) for c in cliques])
        chi = sum((-1) ** (k - 1) * counts[k] for k in range(1, len(counts)))
        # beta0 - beta1 + beta2 - ... = chi; with no 2-cycles possible bound: beta1 >= b0 - chi.
        b0 = nx.number_connected_components(g)
        assert nerve_betti1(g) >= b0 - chi
        assert nerve_betti1(g) <= graph_cycle_rank(g)


def test_features_and_names():
    graphs = [nx.cycle_graph(4), two_squares(), nx.complete_graph(4)]
    est = MapperGraphFeatures().fit(graphs)
    F = est.transform(graphs)
    names = list(est.get_feature_names_out())
    assert F.shape == (3, len(names))
    assert F[:, names.index("nerve_betti1")].tolist() == [1, 2, 0]
    assert F[:, names.index("graph_cycle_rank")].tolist() == [1, 2, 3]
    df = MapperGraphFeatures().set_output(transform="pandas").fit_transform(graphs)
    assert list(df.columns) == names


def test_min_node_size_drops_small_nodes():
    g = nx.cycle_graph(4)
    for v in g:
        g.nodes[v]["size"] = 5
        g.nodes[v]["members"] = np.arange(v * 5, v * 5 + 5)
    g.add_node(9, size=1, members=np.array([100]))
    full = mapper_graph_features(g)
    big = mapper_graph_features(g, min_node_size=2)
    assert full["n_components"] == 2 and big["n_components"] == 1
    assert full["largest_component_fraction"] == pytest.approx(20 / 21)
    assert big["largest_component_fraction"] == 1.0
    assert big["nerve_betti1"] == 1


def test_feature_input_errors():
    with pytest.raises(TypeError, match="list"):
        MapperGraphFeatures().fit(nx.cycle_graph(3))
    with pytest.raises(TypeError, match="networkx"):
        MapperGraphFeatures().fit([np.zeros((3, 3))])
    assert clone(MapperGraphFeatures(min_node_size=4)).get_params()["min_node_size"] == 4
