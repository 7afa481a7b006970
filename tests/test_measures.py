"""Generalisation measures: known answers for each, and the sample forms they accept."""

import math
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.pipeline import FeatureUnion, make_pipeline

from sktopo._compat import InvalidParameterError
from sktopo.datasets import make_filter_cloud
from sktopo.filters import SpatialFilterExtractor
from sktopo.measures import (
    NETWORK_MEASURES,
    TOPOLOGY_MEASURES,
    NeuralPersistence,
    TopologyMeasures,
    WeightNormMeasures,
    neural_persistence,
    topology_measures,
    weight_norm_measures,
)
from sktopo.measures import _lifetime_ratio
from sktopo.pipeline import make_topology_pipeline

torch.set_num_threads(1)

# Settings that keep every barcode and Mapper graph to a fraction of a second; p=1 keeps the
# whole circle, whose Mapper nerve then has exactly one loop.
SMALL = dict(k=10, p=1.0, n_landmarks=50, resolution=10, random_state=0)


# =========================================================================== topology


@pytest.fixture(scope="module")
def circle_and_noise():
    circle = make_filter_cloud("primary_circle", 400, noise=0.1, random_state=0)
    noise = make_filter_cloud("gaussian", 400, random_state=0)
    table = TopologyMeasures(**SMALL).set_output(transform="pandas").fit_transform([circle, noise])
    return circle, noise, table


def test_circle_against_noise(circle_and_noise):
    """A clean circle: long H1 bars that stand out, one Mapper loop, filters on the circle."""
    _, _, table = circle_and_noise
    circle, noise = table.iloc[0], table.iloc[1]
    assert list(table.columns) == list(TOPOLOGY_MEASURES)
    for m in ("max_lifetime_h1_witness", "max_lifetime_h1_exact", "lifetime_ratio_h1"):
        assert circle[m] > 3 * noise[m], m
    assert circle["lifetime_ratio_h1"] > 10 and noise["lifetime_ratio_h1"] < 2
    assert circle["entropy_h1"] < 1 < noise["entropy_h1"]  # one bar holds nearly everything
    assert circle["nerve_betti1"] == 1
    assert circle["distance_to_primary_circle_live"] < 0.3 < 1.0 < noise["distance_to_primary_circle_live"]


def test_total_persistence_of_a_circle_is_its_one_bar(circle_and_noise):
    _, _, table = circle_and_noise
    for _, row in table.iterrows():
        assert row["total_persistence_h1"] >= row["max_lifetime_h1_witness"]
    circle = table.iloc[0]
    assert circle["total_persistence_h1"] < 1.1 * circle["max_lifetime_h1_witness"]


def test_measures_are_read_from_the_topology_pipeline(circle_and_noise):
    """One analysis path: the same numbers as make_topology_pipeline with the same settings."""
    circle, _, table = circle_and_noise
    for backend, column in (("witness", "max_lifetime_h1_witness"),
                            ("exact", "max_lifetime_h1_exact")):
        pipe = make_topology_pipeline(k=10, p=1.0, n_landmarks=50, backend=backend,
                                      features=("max_lifetime",), homology_dimensions=(1,),
                                      significance=False, random_state=TopologyMeasures(**SMALL)._sample_seeds(2)[0])
        assert pipe.fit_transform([circle])[0, 0] == table[column].iloc[0]


def test_function_twin_gives_the_same_row(circle_and_noise):
    circle, _, table = circle_and_noise
    seed = TopologyMeasures(**SMALL)._sample_seeds(2)[0]
    values = topology_measures(circle, **{**SMALL, "random_state": seed})
    assert list(values.values()) == table.iloc[0].tolist()


def test_lifetime_ratio_conventions():
    assert _lifetime_ratio(2.0, 0.5) == 4.0
    assert _lifetime_ratio(0.3, 0.0) == math.inf  # a single bar stands out without bound
    assert _lifetime_ratio(0.0, 0.0) == 1.0  # no bar stands out


def test_networks_give_the_cloud_of_their_first_layer():
    # 64 output channels of one input channel; noisy, so that no density ranking hangs on a tie
    # that the float32 copy in a torch module could break differently
    filters = make_filter_cloud("primary_circle", 64, noise=0.1, random_state=0)
    kernel = filters.reshape(64, 1, 3, 3)
    state = {"conv1.weight": kernel, "conv1.bias": np.zeros(64),
             "conv2.weight": np.ones((2, 64, 3, 3)), "fc.weight": np.ones((10, 2))}
    est = TopologyMeasures(["max_lifetime_h1_exact", "distance_to_primary_circle_live"], k=5, p=0.5,
                           random_state=0)
    from_cloud = est.fit_transform([filters])
    record = {"weights": state, "init_weights": state, "train_loss": 0.1}
    module = torch.nn.Conv2d(1, 64, 3)
    with torch.no_grad():
        module.weight.copy_(torch.as_tensor(kernel))
    for sample in (state, record, (state, state), module, kernel):
        np.testing.assert_allclose(est.fit_transform([sample]), from_cloud, atol=1e-5)
    assert est.n_filters_.tolist() == [64]


def test_topology_refuses_bad_input():
    with pytest.raises(ValueError, match="measures"):
        TopologyMeasures(["max_lifetime_h1_witness", "no_such_measure"]).fit([np.eye(9)])
    with pytest.raises(ValueError, match="measures"):
        TopologyMeasures(["entropy_h1", "entropy_h1"]).fit([np.eye(9)])
    with pytest.raises(InvalidParameterError):
        TopologyMeasures(k=0).fit([np.eye(9)])
    with pytest.raises(ValueError, match="Wrap it in a list"):
        TopologyMeasures().fit(np.eye(9))
    with pytest.raises(ValueError, match="n_landmarks"):  # the pipeline's own error
        TopologyMeasures(["max_lifetime_h1_witness"], k=3).fit([np.random.default_rng(0)
                                                                 .normal(size=(30, 9))])


# =========================================================================== baselines


def test_frobenius_of_a_known_weight():
    values = weight_norm_measures({"fc.weight": np.array([[3.0, 4.0]])})
    assert math.exp(values["log_prod_frobenius"]) == pytest.approx(5.0)
    assert math.exp(values["log_prod_spectral"]) == pytest.approx(5.0)  # rank one: same


def test_spectral_norm_of_a_diagonal_matrix_and_products():
    net = {"a.weight": np.diag([3.0, -7.0, 2.0]), "b.weight": np.diag([0.5, 0.25])}
    values = weight_norm_measures(net, ["log_prod_spectral", "log_prod_frobenius"])
    assert math.exp(values["log_prod_spectral"]) == pytest.approx(7.0 * 0.5)
    assert math.exp(values["log_prod_frobenius"]) == pytest.approx(math.sqrt(62 * 0.3125))


def test_conv_kernels_are_flattened_per_output_channel():
    kernel = np.random.default_rng(0).normal(size=(4, 3, 3, 3))
    matrix = kernel.reshape(4, 27)
    values = weight_norm_measures({"conv.weight": kernel}, ["log_prod_spectral"])
    assert values["log_prod_spectral"] == pytest.approx(math.log(np.linalg.norm(matrix, 2)))


def _tiny_net():
    return torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3), torch.nn.BatchNorm2d(2),
                               torch.nn.Flatten(), torch.nn.Linear(8, 3))


def test_parameter_count_of_a_tiny_net():
    # conv 2*9 + 2, batch norm 2 + 2, linear 8*3 + 3; running statistics are not parameters
    net = _tiny_net()
    state = {k: v.numpy() for k, v in net.state_dict().items()}
    for sample in (net, state, net.state_dict()):
        assert weight_norm_measures(sample, ["n_parameters"]) == {"n_parameters": 51.0}


def test_lazy_module_is_refused():
    lazy = torch.nn.Sequential(torch.nn.LazyLinear(3))
    with pytest.raises(ValueError, match="not initialised"):
        weight_norm_measures(lazy)


def test_distance_from_init_and_training_measures():
    final = {"fc.weight": np.array([[1.0, 2.0]]), "fc.bias": np.array([3.0])}
    init = {"fc.weight": np.array([[1.0, 0.0]]), "fc.bias": np.array([0.0])}
    record = {"weights": final, "init_weights": init, "train_loss": 0.25, "train_accuracy": 0.9}
    est = WeightNormMeasures(list(NETWORK_MEASURES)).set_output(transform="pandas")
    table = est.fit_transform([record, record])
    assert list(table.columns) == list(NETWORK_MEASURES)
    row = table.iloc[0]
    assert row["distance_from_init"] == pytest.approx(math.sqrt(4 + 9))
    assert (row["train_loss"], row["train_accuracy"], row["n_parameters"]) == (0.25, 0.9, 3.0)
    pair = weight_norm_measures((final, init), ["distance_from_init"])
    assert pair["distance_from_init"] == row["distance_from_init"]
    assert est.layer_names_ == [["fc.weight"], ["fc.weight"]]


def test_missing_or_mismatched_extras_are_errors():
    final = {"fc.weight": np.ones((2, 2))}
    with pytest.raises(ValueError, match="initial weights"):
        weight_norm_measures(final, ["distance_from_init"])
    with pytest.raises(ValueError, match="same architecture"):
        weight_norm_measures((final, {"fc.weight": np.ones((2, 3))}), ["distance_from_init"])
    with pytest.raises(ValueError, match="train_loss"):
        weight_norm_measures({"weights": final}, ["train_loss"])
    with pytest.raises(ValueError, match="finite"):
        weight_norm_measures({"weights": final, "train_loss": float("nan")}, ["train_loss"])
    with pytest.raises(ValueError, match="NaN"):
        weight_norm_measures({"fc.weight": np.array([[np.nan]])})
    with pytest.raises(TypeError, match="cannot read a network"):
        weight_norm_measures("net.pt")
    with pytest.raises(InvalidParameterError):
        WeightNormMeasures(measures="depth").fit([final])


# =========================================================================== neural persistence


def _kruskal_persistence(matrix, p):
    """Reference: union-find over the edges in decreasing weight, persistence 1 - w."""
    n_out, n_in = matrix.shape
    parent = list(range(n_out + n_in))

    def root(v):
        while parent[v] != v:
            v = parent[v]
        return v

    edges = sorted(((matrix[i, j], i, n_out + j) for i in range(n_out) for j in range(n_in)),
                   reverse=True)
    pers = []
    for w, a, b in edges:
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[ra] = rb
            pers.append(1.0 - w)
    return np.linalg.norm(pers, ord=p) / (n_out + n_in - 1) ** (1 / p)


def test_neural_persistence_of_a_2x2_layer_by_hand():
    # |w| / max = [[1, .5], [.25, 0]]: the tree takes 1, .5 and .25, so the persistences are
    # 0, .5, .75 (the 0-weight edge closes a cycle) and there are 4 - 1 = 3 of them.
    layer = {"fc.weight": np.array([[-2.0, 1.0], [0.5, 0.0]])}
    assert neural_persistence(layer) == pytest.approx(math.sqrt(0.25 + 0.5625) / math.sqrt(3))
    assert neural_persistence(layer, order=1) == pytest.approx(1.25 / 3)
    assert neural_persistence(layer, order=np.inf) == pytest.approx(0.75)


def test_neural_persistence_normalises_by_the_whole_network():
    first = np.array([[1.0, 0.5], [0.25, 0.0]])
    net = {"l1.weight": first, "l2.weight": np.array([[2.0]])}  # the largest weight is 2
    value, layers = neural_persistence(net, return_layers=True)
    by_hand = math.sqrt(0.5**2 + 0.75**2 + 0.875**2) / math.sqrt(3)
    assert layers["l1.weight"] == pytest.approx(by_hand)
    assert layers["l2.weight"] == 0.0  # one edge at the largest weight: persistence 0
    assert value == pytest.approx(by_hand / 2)


@pytest.mark.parametrize("shape", [(3, 5), (7, 2), (1, 6)])
def test_neural_persistence_matches_union_find(shape):
    matrix = np.random.default_rng(sum(shape)).normal(size=shape)
    expected = _kruskal_persistence(np.abs(matrix) / np.abs(matrix).max(), 2)
    assert neural_persistence({"w": matrix}) == pytest.approx(expected)


def test_neural_persistence_properties():
    rng = np.random.default_rng(0)
    kernel = rng.normal(size=(4, 2, 3, 3))
    value = neural_persistence({"conv.weight": kernel})
    assert value == pytest.approx(neural_persistence({"w": kernel.reshape(4, 18)}))
    assert value == pytest.approx(neural_persistence({"w": -3.0 * kernel}))  # |w| / max |w|
    assert 0.0 <= value <= 1.0
    assert neural_persistence({"w": np.ones((3, 4))}) == 0.0  # every edge at the top
    with pytest.raises(ValueError, match="zero"):
        neural_persistence({"w": np.zeros((2, 2))})
    with pytest.raises(ValueError, match="no layer"):
        neural_persistence({"bias": np.ones(3)})


def test_neural_persistence_transformer():
    nets = [_tiny_net(), {"weights": {"fc.weight": np.array([[1.0, 0.5], [0.25, 0.0]])}}]
    est = NeuralPersistence().set_output(transform="pandas")
    table = est.fit_transform(nets)
    assert list(table.columns) == ["neural_persistence"]
    assert table.iloc[1, 0] == pytest.approx(math.sqrt(0.8125 / 3))
    assert list(est.layer_persistence_[0]) == ["0.weight", "3.weight"]


# =========================================================================== together


def test_all_measures_side_by_side_on_records():
    """One collection of records feeds every family through a FeatureUnion."""
    rng = np.random.default_rng(0)

    def record(scale):
        weights = {"conv1.weight": scale * make_filter_cloud("primary_circle", 40, noise=scale,
                                                             random_state=0).reshape(40, 1, 3, 3),
                   "fc.weight": rng.normal(size=(10, 40))}
        start = {k: rng.normal(size=v.shape) for k, v in weights.items()}
        return {"weights": weights, "init_weights": start, "train_loss": scale}

    union = FeatureUnion([
        ("topology", TopologyMeasures(["max_lifetime_h1_exact", "distance_to_primary_circle_live"],
                                      k=5, p=0.5, random_state=0)),
        ("baselines", WeightNormMeasures(["n_parameters", "distance_from_init", "train_loss"])),
        ("np", NeuralPersistence()),
    ], verbose_feature_names_out=False).set_output(transform="pandas")
    table = union.fit_transform([record(0.05), record(0.5)])
    assert isinstance(table, pd.DataFrame) and table.shape == (2, 6)
    assert table["distance_to_primary_circle_live"].is_monotonic_increasing
    assert table["n_parameters"].tolist() == [40 * 9 + 10 * 40] * 2


def test_networks_through_an_extractor_pipeline():
    nets = [torch.nn.Conv2d(1, 30, 3) for _ in range(2)]
    pipe = make_pipeline(SpatialFilterExtractor(),
                         TopologyMeasures(["distance_to_primary_circle_live"]))
    assert pipe.fit_transform(nets).shape == (2, 1)


def test_import_does_not_load_torch():
    """Measures of numpy state dicts and clouds need no torch: importing them must not load it."""
    code = "import sys, sktopo.measures\nassert 'torch' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, timeout=300)
