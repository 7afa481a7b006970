import numpy as np
import pytest
import torch
from sklearn.base import clone
from skorch import NeuralNetClassifier

from sktopo.filters import extract_spatial_filters, idealized_filters
from sktopo.nn import (
    AccuracyRecorder,
    IterationLimit,
    WeightSnapshots,
    iterations_to_accuracy,
    load_snapshots,
    make_net,
    net_config,
    snapshot_clouds,
)


def _accuracy(net, X, y):
    return float((net.predict(X) == y).mean())


@pytest.mark.slow
def test_small_m_net_learns_mnist(mnist):
    """M(8, 0, 16) on the embedded MNIST subset: far above the 10 % of chance in 300 iterations."""
    Xtr, ytr, Xva, yva = mnist
    net = make_net("M", (8, 0, 16), max_iter=300, lr=3e-3, random_state=0).fit(Xtr, ytr)
    assert isinstance(net, NeuralNetClassifier)
    assert _accuracy(net, Xva, yva) > 0.6
    # The same net accepts flat rows, as mnist_data() ships them.
    assert np.array_equal(net.predict(Xva.reshape(len(Xva), -1)), net.predict(Xva))


def test_make_net_defaults_follow_the_paper():
    m = make_net("M", (8, 0, 16))
    assert m.optimizer is torch.optim.Adam and m.lr == 1e-3 and m.batch_size == 128
    c = make_net("C", (8, 4, 16))
    assert c.optimizer is torch.optim.SGD
    assert c.get_params()["optimizer__param_groups"][0][1]["weight_decay"] > 0
    assert make_net("M", device="auto").device == ("cuda" if torch.cuda.is_available() else "cpu")
    with pytest.raises(ValueError, match="arch"):
        make_net("Q")
    with pytest.raises(ValueError, match=r"\(X, Y, Z\)"):
        make_net("M", (8, 16))


def test_net_config_leaves_unset_settings_out():
    """lr and device at None are left out, so a config that never set them keeps its
    fingerprint; the rest is stored as given, in signature order, then the extra arguments."""
    config = net_config("M", (8, 0, 16), max_iter=30, batch_size=64)
    assert list(config.items()) == [("arch", "M"), ("sizes", (8, 0, 16)), ("max_iter", 30),
                                    ("batch_size", 64)]
    config = net_config("C", [8, 0, 8], max_iter=20, batch_size=32, device="cpu", lr=0.05,
                        weight_decay=0.0, module__pool=False)
    assert list(config) == ["arch", "sizes", "max_iter", "batch_size", "device", "lr",
                            "weight_decay", "module__pool"]
    assert config["sizes"] == [8, 0, 8] and config["lr"] == 0.05 and config["device"] == "cpu"


def test_net_config_builds_the_net_make_net_would():
    config = net_config("M", (4, 0, 8), max_iter=5, batch_size=16, device="cpu", lr=3e-3,
                        module__stride=2, prior="primary_circle", prior_weight=0.5)
    direct = make_net("M", (4, 0, 8), max_iter=5, batch_size=16, device="cpu", lr=3e-3,
                      module__stride=2, prior="primary_circle", prior_weight=0.5)
    built = make_net(**config)
    assert type(built) is type(direct)
    for key in ("lr", "batch_size", "device", "module__X", "module__Z", "module__stride",
                "prior", "prior_weight", "optimizer"):
        assert built.get_params()[key] == direct.get_params()[key], key
    assert built.callbacks[-1][1].max_iter == 5


def test_net_config_refuses_what_make_net_does_not_take():
    with pytest.raises(ValueError, match="no argument 'max_iters', 'stride'"):
        net_config("M", (4, 0, 8), max_iter=5, batch_size=16, max_iters=5, stride=2)
    with pytest.raises(ValueError, match="sizes must be"):
        net_config("M", (4, -1, 8), max_iter=5, batch_size=16)
    with pytest.raises(ValueError, match="lr"):
        net_config("M", (4, 0, 8), max_iter=5, batch_size=16, lr=0)
    # make_net's own parameters, skorch's and routed ones pass.
    config = net_config("M", (4, 0, 8), max_iter=5, batch_size=16, max_epochs=2,
                        warm_start=True, prior_layer=2, optimizer__momentum=0.9,
                        iterator_train__shuffle=False)
    assert config["prior_layer"] == 2 and config["optimizer__momentum"] == 0.9


def test_iteration_limit_counts_batches(mnist14):
    Xtr, ytr, _, _ = mnist14
    seen = []

    class Count(IterationLimit):
        def on_batch_end(self, net, training=False, **kw):
            seen.append(training)

    net = make_net("M", (4, 0, 8), max_iter=7, batch_size=50, random_state=0,
                   callbacks=[("count", Count())])
    net.fit(Xtr[:200], ytr[:200])  # 4 batches per epoch: the limit falls inside epoch 2
    assert dict(net.callbacks_)["iteration_limit"].n_iter_ == 7 and len(seen) == 7
    net.fit(Xtr[:200], ytr[:200])  # refit restarts the count
    assert dict(net.callbacks_)["iteration_limit"].n_iter_ == 7 and len(seen) == 14
    net.set_params(callbacks__iteration_limit__max_iter=3).fit(Xtr[:200], ytr[:200])
    assert dict(net.callbacks_)["iteration_limit"].n_iter_ == 3
    # Epochs still work as the unit when no limit is set.
    net = make_net("M", (4, 0, 8), max_epochs=2, batch_size=50).fit(Xtr[:200], ytr[:200])
    assert len(net.history) == 2


def test_seed_makes_training_reproducible(mnist14):
    Xtr, ytr, _, _ = mnist14
    X, y = Xtr[:256], ytr[:256]

    def weights(seed):
        net = make_net("M", (4, 0, 8), max_iter=6, batch_size=32, random_state=seed).fit(X, y)
        return net.module_.state_dict()

    a, b, c = weights(1), weights(1), weights(2)
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert not torch.equal(a["features.conv1.weight"], c["features.conv1.weight"])
    net = make_net("M", (4, 0, 8), max_iter=6, batch_size=32, random_state=1)
    d = clone(net).fit(X, y).module_.state_dict()
    assert all(torch.equal(a[k], d[k]) for k in a)


def test_bad_training_input_is_clear(mnist14):
    Xtr, ytr, _, _ = mnist14
    net = make_net("M", (4, 0, 8), max_iter=2)
    with pytest.raises(ValueError, match=r"0\.\.9"):
        net.fit(Xtr[:64], np.r_[ytr[:63], 12])
    with pytest.raises(TypeError, match="dtype"):
        net.fit(Xtr[:64].astype(complex), ytr[:64])
    with pytest.raises(ValueError, match="shape"):
        net.fit(Xtr[:64, None], ytr[:64])


@pytest.mark.parametrize("kind", ["primary_circle", "gaussian"])
def test_fixed_first_layer_unchanged_after_training(mnist14, kind):
    Xtr, ytr, _, _ = mnist14
    net = make_net("M", (8, 4, 8), max_iter=15, batch_size=64, lr=1e-2, random_state=0,
                   module__fixed_filters=kind, input_shape=(1, 14, 14))
    net.initialize()
    before = {k: v.clone() for k, v in net.module_.state_dict().items()}
    net.partial_fit(Xtr[:640], ytr[:640])
    after = net.module_.state_dict()
    assert torch.equal(before["features.conv1.weight"], after["features.conv1.weight"])
    assert torch.equal(before["features.conv1.bias"], after["features.conv1.bias"])
    # The rest of the network did train.
    assert not torch.equal(before["features.conv2.weight"], after["features.conv2.weight"])
    if kind == "primary_circle":
        assert np.allclose(extract_spatial_filters(net), idealized_filters(kind, 8), atol=1e-6)


def test_appended_features_train(mnist14):
    Xtr, ytr, _, _ = mnist14
    net = make_net("M", (4, 0, 8), max_iter=5, batch_size=64, random_state=0,
                   module__append_filters="primary_circle", module__n_append=8)
    net.fit(Xtr[:320], ytr[:320])
    assert net.module_.features.conv1.in_channels == 9
    bank = net.module_.features.appended.bank
    assert np.allclose(bank.reshape(8, 9).numpy(), idealized_filters("primary_circle", 8),
                       atol=1e-6)


def test_c_net_trains_on_colour_crops():
    rng = np.random.default_rng(0)
    X = rng.random((96, 3, 28, 28), dtype=np.float32)
    y = np.arange(96) % 10
    net = make_net("C", (4, 4, 8), max_iter=3, batch_size=32, random_state=0,
                   module__preprocess="cifar")
    with pytest.raises(ValueError, match="input channel"):
        net.fit(X, y)  # built for one channel: the error says how to fix it
    net.set_params(module__input_shape=(3, 28, 28)).fit(X, y)
    assert net.predict_proba(X).shape == (96, 10)
    assert np.allclose(net.predict_proba(X).sum(1), 1, atol=1e-5)


def test_snapshots_round_trip(mnist14, tmp_path):
    Xtr, ytr, Xva, yva = mnist14
    path = tmp_path / "snaps.npz"
    snaps = WeightSnapshots([0, 4, 8], path=path, X_valid=Xva[:200], y_valid=yva[:200])
    net = make_net("M", (6, 4, 8), max_iter=8, batch_size=64, random_state=0,
                   callbacks=[("snapshots", snaps)])
    net.fit(Xtr[:512], ytr[:512])
    cb = dict(net.callbacks_)["snapshots"]
    assert list(cb.snapshots_) == [0, 4, 8]
    final = net.module_.state_dict()
    assert np.array_equal(cb.snapshots_[8]["features.conv2.weight"],
                          final["features.conv2.weight"].numpy())
    assert not np.array_equal(cb.snapshots_[0]["features.conv1.weight"],
                              cb.snapshots_[8]["features.conv1.weight"])
    loaded, acc = load_snapshots(path, return_accuracy=True)
    assert list(loaded) == [0, 4, 8] and list(acc) == [0, 4, 8]
    for it in loaded:
        for key, arr in cb.snapshots_[it].items():
            assert np.array_equal(loaded[it][key], arr)
        assert acc[it] == pytest.approx(cb.valid_acc_[it])
    assert all(0.0 <= a <= 1.0 for a in acc.values())
    # No pickles, and each snapshot feeds filter extraction directly.
    with np.load(path, allow_pickle=False) as data:
        assert all(data[k].dtype != object for k in data.files)
    assert np.array_equal(extract_spatial_filters(loaded[8], layer=2),
                          extract_spatial_filters(net, layer=2))
    its, clouds = snapshot_clouds(path, layer=1)
    assert its == [0, 4, 8] and [c.shape for c in clouds] == [(6, 9)] * 3
    its, pooled = snapshot_clouds([path, cb.snapshots_], layer="features.conv1")
    assert [c.shape for c in pooled] == [(12, 9)] * 3


def test_snapshots_every_k_and_layer_choice(mnist14):
    Xtr, ytr, _, _ = mnist14
    snaps = WeightSnapshots(3, layers=["features.conv2"])
    net = make_net("M", (4, 4, 8), max_iter=7, batch_size=64, callbacks=[("s", snaps)])
    net.fit(Xtr[:512], ytr[:512])
    cb = dict(net.callbacks_)["s"]
    assert list(cb.snapshots_) == [3, 6]
    assert list(cb.snapshots_[3]) == ["features.conv2.weight"]
    bad = make_net("M", (4, 4, 8), max_iter=2, callbacks=[("s", WeightSnapshots(1, ["nope"]))])
    with pytest.raises(ValueError, match="No conv layer"):
        bad.fit(Xtr[:128], ytr[:128])


def test_accuracy_recorder_and_thresholds(mnist14):
    Xtr, ytr, Xva, yva = mnist14
    rec = AccuracyRecorder(Xva[:300], yva[:300], every=10)
    net = make_net("M", (8, 0, 16), max_iter=60, batch_size=64, lr=5e-3, random_state=0,
                   callbacks=[("acc", rec)])
    net.fit(Xtr, ytr)
    cb = dict(net.callbacks_)["acc"]
    assert cb.iterations_ == [10, 20, 30, 40, 50, 60]
    assert cb.accuracies_[-1] == pytest.approx(float((net.predict(Xva[:300]) == yva[:300]).mean()))
    first = iterations_to_accuracy(cb.iterations_, cb.accuracies_, [0.0, 2.0])
    assert first == {0.0: 10, 2.0: None}
    reached = iterations_to_accuracy(cb.iterations_, cb.accuracies_, [0.3])[0.3]
    assert reached is not None  # far above chance within 60 iterations
    i = cb.iterations_.index(reached)
    assert cb.accuracies_[i] >= 0.3 and all(a < 0.3 for a in cb.accuracies_[:i])


def test_one_iteration_counter_in_the_history(mnist14):
    from sktopo.nn import training_iteration

    Xtr, ytr, Xva, yva = mnist14
    rec = AccuracyRecorder(Xva[:100], yva[:100], every=3)
    net = make_net("M", (4, 0, 8), max_iter=7, batch_size=50, random_state=0,
                   callbacks=[("acc", rec)]).fit(Xtr[:200], ytr[:200])
    counted = [b["iteration"] for epoch in net.history for b in epoch["batches"]
               if "iteration" in b]
    assert counted == list(range(1, 8)) and training_iteration(net) == 7
    recorded = [b["iteration"] for epoch in net.history for b in epoch["batches"]
                if "valid_acc" in b]
    assert recorded == rec.iterations_ == [3, 6]


def test_stop_at_max_iter_closes_the_epoch_so_a_checkpoint_keeps_the_final_weights(
        mnist14, tmp_path):
    from skorch.callbacks import Checkpoint

    Xtr, ytr, _, _ = mnist14
    ckpt = Checkpoint(monitor=None, dirname=str(tmp_path), f_params="final.pt",
                      f_optimizer=None, f_criterion=None, f_history=None)
    net = make_net("M", (4, 0, 8), max_iter=6, batch_size=50, random_state=0,
                   callbacks=[("checkpoint", ckpt)])
    net.fit(Xtr[:200], ytr[:200])  # 4 batches per epoch: the limit falls inside epoch 2
    assert len(net.history) == 2 and "train_loss" in net.history[-1]  # epoch closed
    saved = torch.load(tmp_path / "final.pt", weights_only=True)
    for key, value in net.module_.state_dict().items():
        assert torch.equal(saved[key], value)


def test_early_stopping_needs_a_validation_split_and_says_so(mnist14):
    from skorch.callbacks import EarlyStopping
    from skorch.dataset import ValidSplit

    Xtr, ytr, _, _ = mnist14
    X, y = Xtr[:300], ytr[:300]
    net = make_net("M", (4, 0, 8), max_epochs=3, batch_size=50,
                   callbacks=[("stop", EarlyStopping(patience=1))])
    with pytest.raises(ValueError, match="no validation split.*ValidSplit"):
        net.fit(X, y)
    make_net("M", (4, 0, 8), max_epochs=2, batch_size=50, train_split=ValidSplit(5),
             callbacks=[("stop", EarlyStopping(patience=1))]).fit(X, y)
    make_net("M", (4, 0, 8), max_epochs=2, batch_size=50,
             callbacks=[("stop", EarlyStopping(monitor="train_loss", patience=1))]).fit(X, y)


def test_clone_of_a_fitted_net_with_our_callbacks(mnist14):
    from sklearn.base import clone

    Xtr, ytr, Xva, yva = mnist14
    net = make_net("M", (4, 0, 8), max_iter=4, batch_size=50, random_state=0, callbacks=[
        ("snaps", WeightSnapshots(2, X_valid=Xva[:50], y_valid=yva[:50])),
        ("acc", AccuracyRecorder(Xva[:50], yva[:50], every=2)),
    ]).fit(Xtr[:200], ytr[:200])
    twin = clone(net).fit(Xtr[:200], ytr[:200])
    assert sorted(dict(twin.callbacks_)["snaps"].snapshots_) == [2, 4]
    for key, value in net.module_.state_dict().items():
        assert torch.equal(twin.module_.state_dict()[key], value)  # same seed, same result
