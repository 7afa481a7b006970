"""Single linkage is exact at every size: the spanning tree against scipy's ``linkage``.

Cover sets above ``DENSE_MAX`` points are clustered from a minimum spanning tree built without a
matrix of all pairwise distances; its sorted edge lengths must be scipy's single-linkage merge
heights, and the automatic cut must give scipy's flat clusters.
"""

import numpy as np
import pytest
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial.distance import pdist

from sktopo.mapper import auto_single_linkage, first_gap_threshold
from sktopo.mapper._cluster import DENSE_MAX, single_linkage_tree


def hub_chain(n_blobs=76, size=30, dims=8, seed=0):
    """Tight blobs on a line, consecutive gaps spread over [0.2, 1], plus one far "hub" point
    per gap, each as far (about 1) from its two blobs and in its own direction.

    Every blob point's nearest neighbours lie in its own blob and each hub's in the two blobs
    beside it, so a spanning tree of a k-nearest-neighbour graph joins the blobs through the
    hubs at about 1: its heights have a gap and the cut splits every blob and hub apart (151
    clusters). The exact merge heights fill the range and the cloud is one cluster.
    """
    rng = np.random.default_rng(seed)
    gaps = rng.permutation(np.linspace(0.2, 1.0, n_blobs - 1))
    x = np.r_[0.0, np.cumsum(gaps)]
    blobs = [np.c_[xi + rng.normal(0, 0.01, size), rng.normal(0, 0.01, (size, dims))] for xi in x]
    hubs = np.zeros((n_blobs - 1, dims + 1))
    hubs[:, 0] = (x[:-1] + x[1:]) / 2
    hubs[np.arange(n_blobs - 1), 1 + np.arange(n_blobs - 1) % dims] = 1.0
    return np.vstack(blobs + [hubs])


def _uniform():
    return np.random.default_rng(0).uniform(size=(3000, 9))


def _clustered():
    # Tight blobs (their points' neighbour lists never leave the blob) and a few outliers.
    rng = np.random.default_rng(1)
    centres = rng.uniform(0, 10, (40, 5))
    blobs = [c + rng.normal(0, 0.02, (int(rng.integers(20, 120)), 5)) for c in centres]
    return np.vstack(blobs + [rng.uniform(-5, 15, (25, 5))])


def _duplicates():
    return np.repeat(np.random.default_rng(2).normal(size=(700, 3)), 4, axis=0)


def _lattice():
    # Integer grid: most distances tie, so joins of equal length can close cycles.
    return np.indices((15, 15, 15)).reshape(3, -1).T.astype(float)


def _two_far_clusters():
    # Whole clusters whose interiors see only themselves: the search outside a component.
    rng = np.random.default_rng(3)
    return np.r_[rng.normal(0, 1, (2500, 4)), rng.normal(60, 1, (1500, 4))]


def _filters():
    from sktopo.datasets import make_filter_cloud
    from sktopo.mapper import vne_scale

    return vne_scale(make_filter_cloud("primary_circle", 4000, noise=0.1, random_state=0))


CLOUDS = {
    "uniform": _uniform,
    "clustered": _clustered,
    "duplicates": _duplicates,
    "lattice": _lattice,
    "two_far_clusters": _two_far_clusters,
    "filters": _filters,
    "hub_chain": hub_chain,
}


def _same_partition(a, b):
    return len(set(zip(a.tolist(), b.tolist()))) == len(set(a.tolist())) == len(set(b.tolist()))


def _scipy_labels(Y):
    Z = linkage(pdist(Y), method="single")
    t = first_gap_threshold(Z[:, 2])
    if not np.isfinite(t):
        return Z, np.zeros(len(Y), dtype=int)
    return Z, fcluster(Z, t, criterion="distance")


@pytest.mark.parametrize("name", sorted(CLOUDS))
def test_tree_is_an_exact_minimum_spanning_tree(name):
    Y = CLOUDS[name]()
    n = len(Y)
    assert n > DENSE_MAX
    edges, heights = single_linkage_tree(Y)
    assert edges.shape == (n - 1, 2) and heights.shape == (n - 1,)
    graph = coo_matrix((np.ones(n - 1), (edges[:, 0], edges[:, 1])), shape=(n, n))
    assert connected_components(graph, directed=False)[0] == 1  # n - 1 edges: a spanning tree
    np.testing.assert_allclose(heights, np.linalg.norm(Y[edges[:, 0]] - Y[edges[:, 1]], axis=1),
                               rtol=1e-14)
    merge_heights = linkage(pdist(Y), method="single")[:, 2]
    np.testing.assert_allclose(np.sort(heights), merge_heights, rtol=0, atol=1e-12)


@pytest.mark.parametrize("name", sorted(CLOUDS))
def test_automatic_cut_matches_scipy_flat_clusters(name):
    Y = CLOUDS[name]()
    _, expected = _scipy_labels(Y)
    assert _same_partition(auto_single_linkage(Y), expected)


def test_hub_chain_is_one_cluster():
    Y = hub_chain()
    _, expected = _scipy_labels(Y)
    assert len(np.unique(expected)) == 1
    assert len(np.unique(auto_single_linkage(Y))) == 1


@pytest.mark.parametrize("n", [3, 60, 400, DENSE_MAX])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_small_cover_sets_match_scipy_flat_clusters(n, seed):
    rng = np.random.default_rng(seed)
    Y = np.r_[rng.normal(0, 0.1, (n - n // 3, 3)), rng.normal(4, 0.1, (n // 3, 3))]
    Y[: n // 10] = Y[0]  # duplicates: zero merge heights
    _, expected = _scipy_labels(Y)
    assert _same_partition(auto_single_linkage(Y), expected)


def test_tree_of_tiny_and_huge_clouds():
    edges, heights = single_linkage_tree(np.zeros((1, 2)))
    assert edges.shape == (0, 2) and heights.shape == (0,)
    edges, heights = single_linkage_tree(np.array([[0.0, 0.0], [3.0, 4.0]]))
    assert edges.tolist() in ([[0, 1]], [[1, 0]]) and heights.tolist() == [5.0]
    Y = _clustered() * 1e200  # squared distances would overflow without the unit scaling
    _, heights = single_linkage_tree(Y)
    np.testing.assert_allclose(np.sort(heights), np.sort(single_linkage_tree(Y / 1e200)[1]) * 1e200)
