import json

import joblib
import numpy as np
import pytest
import torch

from sktopo.filters import extract_spatial_filters
from sktopo.nn import MNet, load_many, make_net, network_seed, train_many

CONFIG = {"arch": "M", "sizes": (4, 0, 8), "max_iter": 4, "batch_size": 64}


def test_network_seeds_are_distinct_and_stable():
    seeds = [network_seed(0, i) for i in range(50)]
    assert len(set(seeds)) == 50
    assert network_seed(0, 3) == seeds[3] != network_seed(1, 3)


def test_train_many_writes_and_resumes(mnist14, tmp_path):
    Xtr, ytr, Xva, yva = mnist14
    X, y, valid = Xtr[:256], ytr[:256], dict(X_valid=Xva[:100], y_valid=yva[:100])
    out = tmp_path / "run"
    recs = train_many(CONFIG, 3, X, y, out_dir=out, **valid)
    assert [r["index"] for r in recs] == [0, 1, 2]
    assert len({r["seed"] for r in recs}) == 3
    assert all(r["n_iter"] == 4 and 0 <= r["valid_acc"] <= 1 for r in recs)
    files = sorted(p.name for p in out.iterdir())
    assert files == ["net_0000.json", "net_0000.npz", "net_0001.json", "net_0001.npz",
                     "net_0002.json", "net_0002.npz", "run.json"]
    meta = json.loads((out / "net_0001.json").read_text())
    assert meta["seed"] == recs[1]["seed"]
    assert json.loads((out / "run.json").read_text())["config"]["sizes"] == [4, 0, 8]
    # Each file is a state dict that extraction reads directly; networks differ.
    clouds = [extract_spatial_filters(out / f"net_{i:04d}.npz") for i in range(3)]
    assert all(c.shape == (4, 9) for c in clouds)
    assert not np.array_equal(clouds[0], clouds[1])
    # Simulate a killed run: network 1 lost, a stray temp file left over.
    (out / "net_0001.json").unlink()
    (out / ".net_0002.npz.abc123.tmp").write_bytes(b"partial")
    stamps = {p: (out / p).stat().st_mtime_ns for p in ("net_0000.npz", "net_0002.npz")}
    again = train_many(CONFIG, 4, X, y, out_dir=out, **valid)
    assert {p: (out / p).stat().st_mtime_ns for p in stamps} == stamps  # not retrained
    assert not list(out.glob(".*.tmp"))
    # Network 1 retrains from the same seed, so it comes back identical.
    assert np.array_equal(again[1]["weights"]["features.conv1.weight"],
                          recs[1]["weights"]["features.conv1.weight"])
    assert len(load_many(out)) == 4
    pooled = extract_spatial_filters([r["weights"] for r in load_many(out)])
    assert pooled.shape == (16, 9)


def test_files_get_the_users_normal_permissions(mnist14, tmp_path):
    import os

    Xtr, ytr, _, _ = mnist14
    old = os.umask(0o022)
    try:
        train_many(CONFIG, 1, Xtr[:128], ytr[:128], out_dir=tmp_path / "run")
    finally:
        os.umask(old)
    modes = {p.name: p.stat().st_mode & 0o777 for p in (tmp_path / "run").iterdir()}
    assert set(modes.values()) == {0o644}, modes


@pytest.mark.parametrize("change, named", [
    (dict(config=dict(CONFIG, lr=0.01)), "config.lr"),
    (dict(data=True), "train_data"),
    (dict(random_state=1), "random_state"),
    (dict(batched=True), "batched"),
])
def test_a_changed_run_is_refused_naming_what_changed(mnist14, tmp_path, change, named):
    Xtr, ytr, _, _ = mnist14
    X, y = Xtr[:128], ytr[:128]
    out = tmp_path / "run"
    first = train_many(CONFIG, 1, X, y, out_dir=out)
    kwargs = dict(out_dir=out, random_state=change.get("random_state", 0),
                  batched=change.get("batched", False))
    X2 = Xtr[128:256] if change.get("data") else X
    config = change.get("config", CONFIG)
    with pytest.raises(ValueError, match=named.replace(".", r"\.")):
        train_many(config, 1, X2, y, **kwargs)
    # Asked to, it trains into a sibling folder and leaves the first run alone.
    other = train_many(config, 1, X2, y, on_mismatch="new_folder", **kwargs)
    assert other[0]["run_folder"] != first[0]["run_folder"]
    assert len(load_many(out)) == 1


def test_a_folder_without_fingerprint_is_not_trusted(mnist14, tmp_path):
    Xtr, ytr, _, _ = mnist14
    out = tmp_path / "run"
    train_many(CONFIG, 1, Xtr[:128], ytr[:128], out_dir=out)
    (out / "run.json").unlink()
    with pytest.raises(ValueError, match="run.json: absent"):
        train_many(CONFIG, 1, Xtr[:128], ytr[:128], out_dir=out)


_INTERRUPTED_RUN = """
import sys, numpy as np, torch
torch.set_num_threads(1)
from sktopo.nn import train_many
data = np.load(sys.argv[1])
train_many({config!r}, 3, data["X"], data["y"], out_dir=sys.argv[2])
"""


def test_ctrl_c_never_stores_a_half_trained_network(mnist14, tmp_path):
    import os
    import signal
    import subprocess
    import sys
    import time

    Xtr, ytr, _, _ = mnist14
    X, y = Xtr[:512], ytr[:512]
    config = dict(CONFIG, max_iter=400)
    np.savez(tmp_path / "data.npz", X=X, y=y)
    out = tmp_path / "run"
    proc = subprocess.Popen(
        [sys.executable, "-c", _INTERRUPTED_RUN.format(config=config), str(tmp_path / "data.npz"),
         str(out)], stderr=subprocess.PIPE)
    deadline = time.time() + 120
    while not (out / "net_0000.json").exists():
        assert proc.poll() is None and time.time() < deadline, proc.stderr.read()
        time.sleep(0.05)
    time.sleep(0.3)  # well inside network 1
    os.kill(proc.pid, signal.SIGINT)
    proc.wait(timeout=60)
    assert proc.returncode != 0  # the interrupt reached the caller
    assert [p.name for p in sorted(out.glob("net_*.json"))] == ["net_0000.json"]
    resumed = train_many(config, 3, X, y, out_dir=out)
    reference = train_many(config, 3, X, y, out_dir=tmp_path / "uninterrupted")
    for a, b in zip(resumed, reference):
        assert a["n_iter"] == b["n_iter"] == 400
        for key in a["weights"]:
            np.testing.assert_array_equal(a["weights"][key], b["weights"][key])


def test_snapshots_and_callbacks_in_both_modes(mnist14, tmp_path):
    from sktopo.nn import AccuracyRecorder

    Xtr, ytr, Xva, yva = mnist14
    X, y, valid = Xtr[:256], ytr[:256], dict(X_valid=Xva[:100], y_valid=yva[:100])
    config = dict(CONFIG, max_iter=6)
    kwargs = dict(snapshot_iterations=[0, 3, 6], snapshot_layers=["features.conv1"], **valid)
    one = train_many(config, 2, X, y, out_dir=tmp_path / "one",
                     callbacks=[("acc", AccuracyRecorder(every=2, **valid))], **kwargs)
    batched = train_many(config, 2, X, y, batched=True, **kwargs)
    for rec in one + batched:
        assert sorted(rec["snapshots"]) == [0, 3, 6]
        assert list(rec["snapshots"][6]) == ["features.conv1.weight"]
        assert 0 <= rec["snapshot_valid_acc"][6] <= 1
        np.testing.assert_array_equal(rec["snapshots"][6]["features.conv1.weight"],
                                      rec["weights"]["features.conv1.weight"])
    # Initial weights depend on the seed only, so both modes start from the same snapshot.
    np.testing.assert_array_equal(one[1]["snapshots"][0]["features.conv1.weight"],
                                  batched[1]["snapshots"][0]["features.conv1.weight"])
    # The user callback's records come back, one iteration counter for all.
    assert [e["iteration"] for e in one[0]["events"] if "valid_acc" in e] == [2, 4, 6]
    stored = load_many(tmp_path / "one")
    assert sorted(stored[0]["snapshots"]) == [0, 3, 6]
    assert stored[0]["events"] == one[0]["events"]
    with pytest.raises(ValueError, match="callbacks"):
        train_many(config, 1, X, y, batched=True, callbacks=[("acc", AccuracyRecorder(**valid))])


def test_train_many_from_a_net_template(mnist14):
    Xtr, ytr, _, _ = mnist14
    template = make_net("M", (4, 0, 8), max_iter=3, batch_size=64)
    recs = train_many(template, 2, Xtr[:256], ytr[:256], random_state=5)
    assert recs[0]["seed"] == network_seed(5, 0)
    assert not np.array_equal(recs[0]["weights"]["features.conv1.weight"],
                              recs[1]["weights"]["features.conv1.weight"])


def test_train_many_bad_input(mnist14):
    Xtr, ytr, _, _ = mnist14
    with pytest.raises(ValueError, match="n_networks"):
        train_many(CONFIG, 0, Xtr, ytr)
    with pytest.raises(ValueError, match="shape"):
        train_many(CONFIG, 1, Xtr[:, :, :, :, None], ytr)


def test_batched_forward_equals_separate_networks():
    from torch.func import functional_call, stack_module_state, vmap

    models = [MNet(5, 3, 7, input_shape=(1, 14, 14), random_state=s).eval() for s in range(4)]
    params, buffers = stack_module_state(models)
    base = MNet(5, 3, 7, input_shape=(1, 14, 14)).to("meta").eval()
    x = torch.rand(4, 6, 1, 14, 14)
    out = vmap(lambda p, b, xx: functional_call(base, (p, b), (xx,)))(params, buffers, x)
    for i, m in enumerate(models):
        assert torch.allclose(out[i], m(x[i]), atol=1e-5)


def test_batched_training(mnist14, tmp_path):
    Xtr, ytr, Xva, yva = mnist14
    cfg = {"arch": "M", "sizes": (8, 0, 16), "max_iter": 60, "lr": 5e-3, "batch_size": 64}
    recs = train_many(cfg, 3, Xtr, ytr, X_valid=Xva, y_valid=yva, batched=2,
                      out_dir=tmp_path)
    assert [r["index"] for r in recs] == [0, 1, 2]
    assert all(r["valid_acc"] > 0.3 for r in recs)  # chance is 0.1
    w = [r["weights"]["features.conv1.weight"] for r in recs]
    assert not np.array_equal(w[0], w[1])
    # Batched results load into the ordinary network.
    net = MNet(8, 0, 16, input_shape=(1, 14, 14))
    net.load_state_dict({k: torch.as_tensor(v) for k, v in recs[2]["weights"].items()})
    acc = float((net.eval()(torch.as_tensor(Xva)).argmax(1).numpy() == yva).mean())
    assert acc == pytest.approx(recs[2]["valid_acc"])
    # Seeds give the same initial weights as one-by-one training.
    first = MNet(8, 0, 16, input_shape=(1, 14, 14), random_state=recs[0]["seed"])
    assert first.features.conv1.weight.shape == w[0].shape
    with pytest.raises(TypeError, match="dict"):
        train_many(make_net("M", (4, 0, 8)), 2, Xtr[:64], ytr[:64], batched=True)


def test_batched_keeps_fixed_layer(mnist14):
    Xtr, ytr, _, _ = mnist14
    cfg = dict(CONFIG, module__fixed_filters="primary_circle", max_iter=5)
    recs = train_many(cfg, 2, Xtr[:256], ytr[:256], batched=True)
    ref = MNet(4, 0, 8, input_shape=(1, 14, 14), fixed_filters="primary_circle")
    for r in recs:
        assert np.array_equal(r["weights"]["features.conv1.weight"],
                              ref.features.conv1.weight.numpy())


@pytest.mark.slow
def test_train_many_on_a_dask_cluster(mnist14, tmp_path):
    distributed = pytest.importorskip("distributed")
    Xtr, ytr, _, _ = mnist14
    # Two worker threads: with a single core joblib's dask backend would run everything
    # sequentially in this thread and never touch the cluster.
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        with distributed.get_task_stream(client) as stream, joblib.parallel_backend("dask"):
            recs = train_many(CONFIG, 2, Xtr[:256], ytr[:256], out_dir=tmp_path)
        # The networks really ran as tasks of the cluster.
        assert len(stream.data) >= 1
        assert all(t["worker"] in cluster.scheduler.workers for t in stream.data)
    assert len(recs) == 2 and all(r["n_iter"] == 4 for r in recs)
    assert len(load_many(tmp_path)) == 2
