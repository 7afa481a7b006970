"""Density filtration rho(k, p) of 204,800 9-D filters: sktopo vs scikit-learn and scipy.

Prints each method's time, its ratio to scikit-learn's NearestNeighbors measured in the same run,
and whether the kept set is identical. Target: >= 20x faster than scikit-learn with the same kept
set, on the real VGG19 cloud and on the noisy circle.

    python benchmarks/bench_density.py            # paper scale, 204,800 points
    python benchmarks/bench_density.py --n 50000  # quicker
"""

import argparse
import os
from pathlib import Path

import numpy as np
from scipy.spatial import cKDTree
from sklearn.neighbors import NearestNeighbors

from _timing import best_time as timed
from sktopo.datasets import make_filter_cloud
from sktopo.filters import (
    density_filtration_indices,
    extract_spatial_filters,
    n_kept,
    normalize_filters,
)

VGG19 = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "vgg19-imagenet-q8"
VGG19 = VGG19 / "vgg19_weights_tf_dim_ordering_tf_kernels_notop_q.bin"


def clouds(n):
    yield "noisy circle", make_filter_cloud("primary_circle", n, noise=0.15, random_state=0)
    if VGG19.exists():
        # Real filters: VGG19 block4_conv2 (512 x 512 spatial filters), the first n rows.
        real = normalize_filters(extract_spatial_filters(VGG19, layer="block4_conv2")[:n])
        yield "VGG19 block4_conv2", real[np.abs(real).sum(axis=1) > 0]


def kept_from_scores(scores, p):
    return np.sort(np.argsort(scores, kind="stable")[: n_kept(len(scores), p)])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=204_800)
    ap.add_argument("--k", type=int, default=15)
    ap.add_argument("--p", type=float, nargs="+", default=[0.1, 0.3])
    args = ap.parse_args()
    cores = os.cpu_count()
    print(f"n={args.n}  k={args.k}  cores={cores}")
    print(f"{'cloud':20s} {'p':>5s} {'method':34s} {'time s':>8s} {'vs sklearn':>10s} "
          f"{'same set':>8s}")
    for name, X in clouds(args.n):
        t_sk, (dist, _) = timed(
            lambda: NearestNeighbors(n_neighbors=args.k + 1, n_jobs=-1).fit(X).kneighbors(X)
        )
        t_kd, kd = timed(lambda: cKDTree(X).query(X, k=[args.k + 1], workers=-1)[0][:, 0])
        for p in args.p:
            ref = kept_from_scores(dist[:, args.k], p)
            t_ours, ours = timed(lambda: density_filtration_indices(X, args.k, p, n_jobs=-1))
            rows = [
                ("scikit-learn NearestNeighbors", t_sk, ref),
                (f"scipy cKDTree ({cores} workers)", t_kd, kept_from_scores(kd, p)),
                ("sktopo density_filtration_indices", t_ours, ours),
            ]
            for method, t, kept in rows:
                same = "yes" if np.array_equal(kept, ref) else "NO"
                print(f"{name:20s} {p:5.2f} {method:34s} {t:8.2f} {t_sk / t:9.1f}x {same:>8s}")
            met = t_sk / t_ours >= 20 and np.array_equal(ours, ref)
            print(f"{'':26s} target >= 20x sklearn, same set: {'met' if met else 'not met'}")


if __name__ == "__main__":
    main()
