"""Barcode speed: lazy witness / landmark Rips against exact ripser, measured in the same run.

(a) 1,920 noisy 9-D primary-circle filters: witness and landmark-Rips barcodes (100 landmarks)
    against exact Vietoris-Rips with ripser (about 3 minutes here; ``--quick`` uses a 600-point
    subsample as the exact anchor instead).
(b) 204,800 filters: lazy witness with every point a witness and 100 landmarks, against ripser's
    own landmark option ``n_perm=100`` on the same cloud (target: <= 0.3 s and >= 4x; sktopo's
    times are the best of 3, ripser's of 1).
(c) 204,800 filters -> rho(15, 0.1) (density_filtration, n_jobs=-1) -> witness barcode, each stage
    timed.

Usage: python benchmarks/bench_homology.py [--quick] [--only a|b|c]
"""

import argparse

import numpy as np
from ripser import ripser

from _timing import best_time as timed
from sktopo.datasets import make_filter_cloud
from sktopo.filters import density_filtration
from sktopo.homology import lazy_witness_matrix, maxmin_landmarks, persistence_diagrams


def max_h1(dgms):
    d = dgms[1]
    d = d[np.isfinite(d[:, 1])]
    return float((d[:, 1] - d[:, 0]).max()) if len(d) else 0.0


def row(name, seconds, anchor, lifetime="", note=""):
    ratio = f"{anchor / seconds:8.1f}x" if anchor else "        "
    print(f"{name:<46} {seconds:9.3f} s {ratio}  {lifetime:>10}  {note}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="600-point exact anchor in (a)")
    parser.add_argument("--only", choices=("a", "b", "c"), help="run one part only")
    args = parser.parse_args()
    header = f"{'step':<46} {'time':>11} {'speed-up':>9}  {'max H1':>10}"
    if args.only in (None, "a"):
        part_a(args, header)
    if args.only in (None, "b", "c"):
        Y = np.vstack([
            make_filter_cloud("primary_circle", 61_440, noise=0.1, random_state=1),
            make_filter_cloud("gaussian", 143_360, random_state=2),
        ])
        if args.only in (None, "b"):
            part_b(Y, header)
        if args.only in (None, "c"):
            part_c(Y, header)


def part_a(args, header):
    print("(a) 1,920 noisy primary-circle filters (9-D), H1")
    print(header)
    X = make_filter_cloud("primary_circle", 1920, noise=0.1, random_state=0)
    anchor_X = X[:600] if args.quick else X
    t_exact, d_exact = timed(lambda: ripser(anchor_X, maxdim=1)["dgms"])
    label = "ripser exact Rips" + (" (600-point subsample)" if args.quick else "")
    row(label, t_exact, None, f"{max_h1(d_exact):.3f}")
    for backend in ("witness", "landmark_rips"):
        t, d = timed(lambda b=backend: persistence_diagrams(X, backend=b, n_landmarks=100), 3)
        row(f"{backend} (100 landmarks)", t, t_exact, f"{max_h1(d):.3f}")


def part_b(Y, header):
    print("\n(b) 204,800 filters, 100 landmarks, H1")
    print(header)
    t_perm, d_perm = timed(lambda: ripser(Y, maxdim=1, n_perm=100)["dgms"])
    row("ripser n_perm=100 (landmark Rips, anchor)", t_perm, None, f"{max_h1(d_perm):.3f}")
    t_lm, lm = timed(lambda: maxmin_landmarks(Y, 100), 3)
    row("  max-min landmarks", t_lm, None)
    t_wm, E = timed(lambda: lazy_witness_matrix(Y, lm, 2), 3)
    row("  lazy witness matrix (204,800 witnesses)", t_wm, None)
    t_r, d_w = timed(lambda: ripser(E, maxdim=1, distance_matrix=True)["dgms"])
    row("  ripser on the 100 x 100 witness matrix", t_r, None)
    t_all, d_all = timed(lambda: persistence_diagrams(Y, backend="witness", n_landmarks=100), 3)
    row("witness barcode, total", t_all, t_perm, f"{max_h1(d_all):.3f}")
    met = t_all <= 0.3 and t_perm / t_all >= 4
    print(f"target <= 0.3 s and >= 4x ripser n_perm=100: {'met' if met else 'not met'} "
          f"({t_all:.2f} s, {t_perm / t_all:.1f}x)")


def part_c(Y, header):
    print("\n(c) 204,800 filters -> rho(15, 0.1) -> witness barcode")
    print(header)
    t_rho, Z = timed(lambda: density_filtration(Y, 15, 0.1, n_jobs=-1))
    row(f"density filtration rho(15, 0.1) -> {len(Z)} pts", t_rho, None)
    t_bar, d_bar = timed(lambda: persistence_diagrams(Z, backend="witness", n_landmarks=100))
    row("witness barcode of the kept filters", t_bar, None, f"{max_h1(d_bar):.3f}")
    row("end to end", t_rho + t_bar, None)


if __name__ == "__main__":
    main()
