import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from persim import bottleneck, wasserstein
from sklearn.pipeline import make_pipeline

from sktopo.datasets import make_collection
from sktopo.homology import (
    DiagramFeatures,
    Persistence,
    diagram_distance,
    diagram_features,
    pad_diagrams,
    pairwise_diagram_distances,
)


def random_padded(seed, n=3):
    rng = np.random.default_rng(seed)
    dgms = []
    for _ in range(n):
        h0 = np.column_stack([np.zeros(5), rng.uniform(0.1, 1, 5)])
        h0[-1, 1] = np.inf
        k = int(rng.integers(0, 5))
        b = rng.uniform(0, 1, k)
        dgms.append([h0, np.column_stack([b, b + rng.uniform(0, 1, k)])])
    return dgms, pad_diagrams(dgms)


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 10_000))
def test_features_match_direct_computation(seed):
    dgms, D = random_padded(seed)
    F, names = diagram_features(D, top_k=2, min_lifetime=0.3, betti_scales=[0.5],
                                return_names=True)
    col = dict(zip(names, F.T))
    for i, per_dim in enumerate(dgms):
        for q, d in enumerate(per_dim):
            fin = d[np.isfinite(d[:, 1])]
            life = np.sort(fin[:, 1] - fin[:, 0])[::-1]
            top = np.pad(life, (0, 2))
            assert col[f"max_lifetime_h{q}"][i] == pytest.approx(top[0])
            assert col[f"lifetime_2_h{q}"][i] == pytest.approx(top[1])
            assert col[f"n_longer_h{q}"][i] == (life > 0.3).sum()
            assert col[f"total_persistence_h{q}"][i] == pytest.approx(life.sum())
            p = life[life > 0] / life.sum() if life.sum() > 0 else np.array([])
            assert col[f"entropy_h{q}"][i] == pytest.approx(-(p * np.log(p)).sum())
            alive = ((d[:, 0] <= 0.5) & (0.5 < d[:, 1])).sum()
            assert col[f"betti_h{q}_at_0.5"][i] == alive


def test_infinite_bars_excluded_or_capped():
    D = np.array([[[0.0, np.inf, 0], [0.0, 0.2, 0]]])
    assert diagram_features(D, features=["max_lifetime"]).tolist() == [[0.2]]
    assert diagram_features(D, features=["max_lifetime"], infinity=2.0).tolist() == [[2.0]]


def test_gap_count():
    D = pad_diagrams([[np.array([[0, 1.0], [0, 0.9], [0, 0.2], [0, 0.1]])],
                      [np.empty((0, 2))]])
    assert diagram_features(D, features=["n_above_gap"]).ravel().tolist() == [2.0, 0.0]


def test_transformer_names_and_pandas_output():
    clouds = make_collection(["primary_circle", "gaussian"], n=150, random_state=0)
    pipe = make_pipeline(Persistence(n_landmarks=30), DiagramFeatures(betti_scales=[0.1]))
    pipe.set_output(transform="pandas")
    out = pipe.fit_transform(clouds)
    assert out.shape[0] == 2
    assert "max_lifetime_h1" in out.columns and "betti_h1_at_0.1" in out.columns
    assert list(out.columns) == list(pipe[-1].get_feature_names_out())
    assert out["max_lifetime_h1"].iloc[0] > out["max_lifetime_h1"].iloc[1]


def test_transformer_errors():
    D = np.zeros((2, 3, 3))
    with pytest.raises(ValueError, match="homology_dimensions"):
        DiagramFeatures(homology_dimensions=[1]).fit(D)
    with pytest.raises(ValueError, match="features"):
        DiagramFeatures(features=["bogus"]).fit(D)
    with pytest.raises(ValueError, match="single diagram"):
        DiagramFeatures().fit(np.zeros((3, 3)))


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 10_000))
def test_distances_match_persim(seed):
    rng = np.random.default_rng(seed)
    a = np.sort(rng.uniform(0, 1, (4, 2)), axis=1)
    b = np.sort(rng.uniform(0, 1, (6, 2)), axis=1)
    assert diagram_distance(a, b) == pytest.approx(bottleneck(a, b))
    assert diagram_distance(a, b, metric="wasserstein") == pytest.approx(wasserstein(a, b))


def test_pairwise_distances():
    _, D = random_padded(1, n=4)
    M = pairwise_diagram_distances(D, homology_dimension=0)
    assert M.shape == (4, 4) and np.allclose(M, M.T) and (np.diag(M) == 0).all()
    assert M[0, 1] == pytest.approx(diagram_distance(D[0], D[1], homology_dimension=0))
    with pytest.raises(ValueError, match="metric"):
        diagram_distance(D[0], D[1], metric="l2")
