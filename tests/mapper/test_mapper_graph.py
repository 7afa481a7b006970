import networkx as nx
import numpy as np
import pytest
from scipy.spatial.distance import pdist
from sklearn.cluster import DBSCAN, KMeans
from sklearn.decomposition import PCA

from sktopo.datasets import make_filter_cloud
from sktopo.filters import klein_bottle_filter, normalize_filters
from sktopo.mapper import (
    auto_single_linkage,
    first_gap_threshold,
    graph_cycle_rank,
    mapper_graph,
    nerve_betti1,
    vne_scale,
)


@pytest.fixture(scope="module")
def circle():
    return make_filter_cloud("primary_circle", 2000, noise=0.1, random_state=1)


def loops(g):
    return nx.number_connected_components(g), nerve_betti1(g)


@pytest.mark.parametrize("r, g", [(8, 2), (10, 2), (15, 3), (20, 2.5), (30, 3), (12, 4)])
def test_noisy_circle_is_one_loop_one_component(circle, r, g):
    graph = mapper_graph(circle, r, g)
    assert loops(graph) == (1, 1)


def test_graph_cycle_rank_is_large_where_nerve_betti_is_one(circle):
    graph = mapper_graph(circle, 30, 3)
    assert nerve_betti1(graph) == 1
    assert graph_cycle_rank(graph) > 50


@pytest.mark.parametrize("r, g", [(8, 2), (10, 3), (15, 3), (20, 3)])
def test_two_circles_meeting_twice_have_three_loops(r, g):
    # Circle in the xy-plane and an ellipse in the xz-plane: they meet at (+-1, 0, 0).
    rng = np.random.default_rng(0)
    t = rng.uniform(0, 2 * np.pi, 2000)
    a = np.c_[np.cos(t[:1000]), np.sin(t[:1000]), np.zeros(1000)]
    b = np.c_[np.cos(t[1000:]), np.zeros(1000), 1.6 * np.sin(t[1000:])]
    X = np.r_[a, b] + 0.02 * rng.normal(size=(2000, 3))
    assert loops(mapper_graph(X, r, g)) == (1, 3)


def labelled_three_circles(n, noise, seed):
    rng = np.random.default_rng(seed)
    which = rng.integers(0, 3, n)
    two_pi = 2 * np.pi
    theta = np.where(which == 0, rng.uniform(0, two_pi, n), np.where(which == 1, 0.0, np.pi / 2))
    phi = np.where(which == 0, np.pi / 2, rng.uniform(0, two_pi, n))
    X = normalize_filters(klein_bottle_filter(theta, phi) + noise * rng.normal(size=(n, 9)))
    return X, which


@pytest.mark.parametrize("r, g", [(10, 2), (15, 3), (20, 3)])
def test_three_circle_model_structure(r, g):
    # Primary circle (label 0) met twice by each secondary circle (1, 2), which never meet:
    # Euler characteristic 0 + 0 + 0 - 2 - 2 = -4, connected, so beta1 = 5.
    X, which = labelled_three_circles(3000, 0.05, seed=0)
    graph = mapper_graph(X, r, g)
    assert loops(graph) == (1, 5)
    major = {v: np.bincount(which[d["members"]], minlength=3).argmax()
             for v, d in graph.nodes(data=True)}

    def sub(*labels):
        return graph.subgraph([v for v in graph if major[v] in labels])

    for s in (1, 2):  # each secondary circle alone is one loop
        assert loops(sub(s)) == (1, 1)
    # Secondary circles do not meet: no edge between their nodes.
    assert not any({major[u], major[v]} == {1, 2} for u, v in graph.edges())
    # The four meeting points cut the primary circle's own nodes into four arcs.
    assert loops(sub(0)) == (4, 0)


def test_make_filter_cloud_three_circle_has_five_loops():
    X = make_filter_cloud("three_circle", 3000, noise=0.05, random_state=0)
    assert loops(mapper_graph(X, 15, 3)) == (1, 5)


def test_vne_metric_matches_scipy_seuclidean():
    X = np.random.default_rng(0).normal(size=(30, 4)) * [1, 5, 0.1, 2]
    ours = pdist(vne_scale(X))
    ref = pdist(X, "seuclidean", V=X.var(axis=0))
    np.testing.assert_allclose(ours, ref)


def test_first_gap_matches_numpy_histogram():
    rng = np.random.default_rng(0)
    for _ in range(200):
        h = rng.exponential(size=rng.integers(2, 40))
        counts, edges = np.histogram(h, bins=5)
        empty = np.flatnonzero(counts == 0)
        expected = edges[empty[0]] if empty.size else np.inf
        assert first_gap_threshold(h, 5) == pytest.approx(expected)


def test_auto_single_linkage_matches_scipy_flat_clusters():
    from scipy.cluster.hierarchy import fcluster, linkage

    rng = np.random.default_rng(1)
    Y = np.r_[rng.normal(0, 0.1, (30, 3)), rng.normal(3, 0.1, (20, 3))]
    Z = linkage(pdist(Y), "single")
    t = first_gap_threshold(Z[:, 2])
    labels = auto_single_linkage(Y)
    ref = fcluster(Z, t, "distance")
    # same partition
    assert len(set(zip(labels, ref))) == len(set(labels)) == len(set(ref)) >= 2


def test_edges_mean_shared_points_and_attributes(circle):
    graph = mapper_graph(circle, 10, 2)
    members = {v: set(d["members"].tolist()) for v, d in graph.nodes(data=True)}
    for u in graph:
        for v in graph:
            if u < v:
                shared = len(members[u] & members[v])
                assert graph.has_edge(u, v) == (shared > 0)
                if shared:
                    assert graph[u][v]["weight"] == shared
    for v, d in graph.nodes(data=True):
        assert d["size"] == len(d["members"]) >= 3
        np.testing.assert_allclose(d["mean_filter"], circle[d["members"]].mean(axis=0))
    assert graph.graph["resolution"] == 10 and graph.graph["n_points"] == circle.shape[0]


def test_rerun_is_identical(circle):
    a, b = mapper_graph(circle, 15, 3), mapper_graph(circle, 15, 3)
    assert list(a.edges(data=True)) == list(b.edges(data=True))
    assert all(np.array_equal(a.nodes[v]["members"], b.nodes[v]["members"]) for v in a)


def test_lens_options(circle):
    n = circle.shape[0]
    pre = mapper_graph(circle, 10, 2, lens=PCA(2).fit_transform(circle))
    default = mapper_graph(circle, 10, 2)
    assert loops(pre) == (1, 1) and pre.number_of_nodes() == default.number_of_nodes()
    est = mapper_graph(circle, 10, 2, lens=PCA(2, svd_solver="randomized"), random_state=0)
    assert loops(est) == (1, 1)
    one = mapper_graph(circle, 10, 2, lens=lambda X: X[:, 0])
    assert one.graph["cover_shape"] == (10,)
    with pytest.raises(ValueError, match="lens"):
        mapper_graph(circle, 10, 2, lens=np.zeros(n - 1))


def test_other_clusterers_and_tiny_cover_sets(circle):
    g = mapper_graph(circle[:300], 6, 2, clusterer=KMeans(n_clusters=2, n_init=1), random_state=0)
    assert g.number_of_nodes() > 0
    g = mapper_graph(circle[:300], 20, 3, clusterer=DBSCAN(eps=1.0, min_samples=3))
    assert all(d["size"] >= 3 for _, d in g.nodes(data=True))


@pytest.mark.parametrize("n", [1, 2, 3, 5])
def test_clouds_too_small_for_the_cover_do_not_fail(n):
    X = np.random.default_rng(0).normal(size=(n, 9))
    g = mapper_graph(X, 30, 3, min_cluster_size=1)
    assert 1 <= g.number_of_nodes() and set().union(
        *(d["members"].tolist() for _, d in g.nodes(data=True))) == set(range(n))


def test_constant_cloud_gives_one_node():
    g = mapper_graph(np.ones((10, 9)), 30, 3)
    assert g.number_of_nodes() == 1 and g.nodes[0]["size"] == 10


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"resolution": 0}, "resolution"),
        ({"gain": 1.0}, "gain"),
        ({"gain": 0.5}, "gain"),
        ({"metric": "cosine"}, "metric"),
        ({"clusterer": object()}, "clusterer"),
    ],
)
def test_bad_parameters(circle, kwargs, match):
    with pytest.raises((ValueError, TypeError), match=match):
        mapper_graph(circle[:50], **kwargs)


def test_empty_or_nan_cloud():
    with pytest.raises(ValueError, match="X"):
        mapper_graph(np.empty((0, 9)))
    with pytest.raises(ValueError, match="NaN"):
        mapper_graph(np.full((5, 9), np.nan))
