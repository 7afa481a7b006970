import networkx as nx
import numpy as np
import pytest
from sklearn.base import clone
from sklearn.linear_model import Ridge
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline

from sktopo.datasets import make_collection, make_filter_cloud
from sktopo.mapper import Mapper, MapperGraphFeatures, mapper_graph


@pytest.fixture(scope="module")
def clouds():
    return make_collection(["primary_circle", "gaussian", "primary_circle"], 400, noise=0.1,
                           random_state=0)


def test_one_graph_per_cloud(clouds):
    m = Mapper(resolution=8, gain=2)
    graphs = m.fit_transform(clouds)
    assert len(graphs) == len(clouds) == len(m.graphs_) == len(m.node_sizes_)
    assert all(isinstance(g, nx.Graph) for g in graphs)
    assert len(m.transform(clouds[:2])) == 2
    for g, sizes, members in zip(m.graphs_, m.node_sizes_, m.node_members_):
        attr = [d["size"] for _, d in g.nodes(data=True)]
        assert sizes.tolist() == [len(x) for x in members] == attr
    # the function twin gives the same graph
    twin = mapper_graph(clouds[0], 8, 2)
    assert sorted(twin.edges()) == sorted(graphs[0].edges())


def test_three_d_array_and_single_cloud_convenience(clouds):
    stacked = np.stack(clouds)
    assert len(Mapper(8, 2).fit_transform(stacked)) == 3
    with pytest.raises(ValueError, match="list"):
        Mapper(8, 2).fit(clouds[0])
    g = Mapper(8, 2).fit_graph(clouds[0])
    assert sorted(g.edges()) == sorted(mapper_graph(clouds[0], 8, 2).edges())


def test_precomputed_lens_values(clouds):
    lens = [c[:, :2] for c in clouds]
    graphs = Mapper(8, 2).fit_transform(clouds, lens_values=lens)
    assert graphs[0].graph["intervals"][0][0, 0] == clouds[0][:, 0].min()
    with pytest.raises(ValueError, match="lens_values"):
        Mapper(8, 2).fit(clouds, lens_values=lens[:2])
    with pytest.raises(ValueError, match="lens"):
        Mapper(8, 2).fit(clouds, lens_values=[c[:-1, :2] for c in clouds])


def test_rerun_and_random_state(clouds):
    from sklearn.decomposition import PCA

    m = Mapper(8, 2, lens=PCA(2, svd_solver="randomized"), random_state=3)
    a, b = m.fit_transform(clouds), clone(m).fit_transform(clouds)
    for ga, gb in zip(a, b):
        assert list(ga.edges(data=True)) == list(gb.edges(data=True))


@pytest.mark.parametrize(
    "params, match",
    [({"resolution": 0}, "resolution"), ({"gain": 1}, "gain"), ({"metric": "l1"}, "metric"),
     ({"min_cluster_size": 0}, "min_cluster_size")],
)
def test_bad_params(clouds, params, match):
    with pytest.raises(ValueError, match=match):
        Mapper(**params).fit(clouds)


def test_params_clone_and_grid_search():
    m = Mapper(resolution=12, gain=2.5, n_bins=7)
    assert clone(m).get_params() == m.get_params()
    assert m.set_params(resolution=5).resolution == 5
    X = make_collection(["primary_circle", "gaussian"] * 3, 250, noise=0.1, random_state=1)
    y = np.array([1.0, 0.0] * 3)
    pipe = Pipeline([("mapper", Mapper()), ("features", MapperGraphFeatures()), ("reg", Ridge())])
    search = GridSearchCV(
        pipe,
        {"mapper__resolution": [5, 8], "mapper__gain": [2, 3], "features__min_node_size": [1, 5]},
        cv=2,
    )
    search.fit(X, y)
    assert set(search.best_params_) == {
        "mapper__resolution", "mapper__gain", "features__min_node_size"
    }
    assert search.predict(X).shape == (6,)


def test_circle_collection_features_read_one_loop():
    X = [make_filter_cloud("primary_circle", 1500, noise=0.1, random_state=s) for s in range(2)]
    F = MapperGraphFeatures().set_output(transform="pandas").fit_transform(
        Mapper(15, 3).fit_transform(X)
    )
    assert F["nerve_betti1"].tolist() == [1, 1]
    assert F["n_components"].tolist() == [1, 1]
    assert (F["graph_cycle_rank"] > 1).all()
