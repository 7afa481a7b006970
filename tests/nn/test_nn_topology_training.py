"""Topology during training (TopologyMonitor) and as a prior (prior_penalty, TopologyPriorNet)."""

import numpy as np
import pytest
import torch

from sktopo.filters import klein_bottle, primary_circle
from sktopo.nn import TopologyMonitor, make_net, prior_penalty, train_many


def _conv(filters):
    return torch.as_tensor(filters, dtype=torch.float64).reshape(len(filters), 1, 3, 3)


def test_prior_penalty_is_zero_on_the_model_and_positive_off_it():
    assert float(prior_penalty(_conv(primary_circle(12)))) == pytest.approx(0, abs=1e-12)
    assert float(prior_penalty(_conv(klein_bottle(4, 4)), "klein_bottle")) == pytest.approx(
        0, abs=1e-12)
    noise = torch.randn(64, 1, 3, 3, generator=torch.Generator().manual_seed(0))
    assert 0.3 < float(prior_penalty(noise)) < 2
    # The circle is a subset of the Klein bottle: closer to the bottle than to the circle.
    assert float(prior_penalty(noise, "klein_bottle")) < float(prior_penalty(noise))


def test_prior_penalty_matches_a_dense_sampling_of_the_circle():
    rng = np.random.default_rng(0)
    w = rng.normal(size=(20, 9))
    f = w - w.mean(1, keepdims=True)
    f /= np.linalg.norm(f, axis=1, keepdims=True)
    circle = primary_circle(20000)
    nearest = ((f[:, None, :] - circle[None]) ** 2).sum(-1).min(1)
    assert float(prior_penalty(_conv(w))) == pytest.approx(nearest.mean(), abs=1e-6)


def test_prior_penalty_has_a_gradient():
    w = torch.randn(8, 2, 3, 3, requires_grad=True)
    prior_penalty(w).backward()
    assert torch.isfinite(w.grad).all() and w.grad.abs().sum() > 0


@pytest.fixture(scope="module")
def digits(mnist):
    Xtr, ytr, _, _ = mnist
    return Xtr[:2000], ytr[:2000]


def test_the_prior_pulls_filters_toward_the_circle_and_keeps_training(digits):
    X, y = digits
    distance = {}
    for weight in (0.0, 1.0):
        net = make_net("M", (32, 0, 16), max_iter=120, batch_size=64, random_state=0,
                       prior="primary_circle", prior_weight=weight).fit(X, y)
        losses = [b["train_loss"] for e in net.history for b in e["batches"]]
        assert np.isfinite(losses).all()
        assert net.score(X, y) > 0.5  # still learns
        distance[weight] = float(prior_penalty(net.module_.features.conv1.weight.detach()))
    assert distance[1.0] < 0.6 * distance[0.0]
    recorded = [b["prior_penalty"] for e in net.history for b in e["batches"]]
    assert len(recorded) == 120 and recorded[-1] < recorded[0]


def test_monitor_records_into_the_history_with_one_counter(digits):
    X, y = digits
    monitor = TopologyMonitor(every=20, model=None)
    net = make_net("M", (64, 0, 16), max_iter=60, batch_size=64, random_state=0,
                   callbacks=[("topology", monitor)]).fit(X, y)
    assert monitor.iterations_ == [20, 40, 60]
    in_batches = [(b["iteration"], b["max_lifetime_h1"]) for e in net.history
                  for b in e["batches"] if "max_lifetime_h1" in b]
    assert in_batches == list(zip(monitor.iterations_, monitor.max_lifetime_h1_))
    assert net.history[-1, "max_lifetime_h1"] == monitor.max_lifetime_h1_[-1]
    assert monitor.monitor_seconds_ > 0
    # The significance readout is recorded beside it, at every record.
    assert len(monitor.readouts_) == 3
    assert net.history[-1, "pvalue_h1"] == monitor.readouts_[-1]["pvalue_h1"]
    assert all(0 <= r["pvalue_h1"] <= 1 and r["subsample_size"] == 64 for r in monitor.readouts_)


def test_monitor_rises_on_a_layer_pulled_toward_the_circle(digits):
    X, y = digits
    monitor = TopologyMonitor(every=40, model=None)
    make_net("M", (64, 0, 16), max_iter=200, batch_size=64, random_state=0,
             prior="primary_circle", prior_weight=2.0,
             callbacks=[("topology", monitor)]).fit(X, y)
    first, last = monitor.max_lifetime_h1_[0], monitor.max_lifetime_h1_[-1]
    assert last > first and last > 0.2
    readouts = monitor.readouts_
    assert readouts[-1]["rips_lifetime_h1"] > readouts[0]["rips_lifetime_h1"]
    assert readouts[-1]["pvalue_h1"] < 0.05 and readouts[-1]["n_significant_h1"] >= 1


def test_monitor_drives_early_stopping_and_runs_in_train_many(digits):
    from skorch.callbacks import EarlyStopping

    X, y = digits
    stop = EarlyStopping(monitor="max_lifetime_h1", lower_is_better=False, patience=1,
                         threshold=10.0)  # an unreachable gain: stops after patience epochs
    net = make_net("M", (32, 0, 16), max_epochs=10, batch_size=500, random_state=0,
                   callbacks=[("topology", TopologyMonitor(every=2, model=None)),
                              ("stop", stop)]).fit(X, y)
    assert len(net.history) < 10
    records = train_many({"arch": "M", "sizes": (32, 0, 8), "max_iter": 20, "batch_size": 64},
                         2, X, y, callbacks=[("topology", TopologyMonitor(every=10, model=None))])
    for record in records:
        assert [e["iteration"] for e in record["events"] if "max_lifetime_h1" in e] == [10, 20]


@pytest.mark.parametrize("kwargs, message", [
    ({"every": 0}, "every must be a positive int"),
    ({"model": "torus"}, "model must be"),
    ({"p": 1.5}, "'p' parameter"),
])
def test_monitor_refuses_bad_settings_before_training(kwargs, message):
    net = make_net("M", (4, 0, 4), max_iter=2, callbacks=[("t", TopologyMonitor(**kwargs))])
    with pytest.raises(ValueError, match=message):
        net.initialize()
