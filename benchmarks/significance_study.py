"""False positives and power of the significance readout, by cloud size, dimension and density step.

Every row of the output is one readout (``sktopo.significance.significance_readout``) of one
synthetic cloud of normalised filters: isotropic Gaussian clouds (the null: no shape) and clouds
with a known shape (the primary circle, the three circles, the Klein bottle) at several noise
levels, in 9-D (3x3 filters) and 25-D (5x5), analysed at 100 to 30,000 points, either as they
are or after the density step rho(15, 0.3) (then ``n`` is the number of points *kept*). The run
folder is resumable: rows already in ``study.csv`` are skipped, so an interrupted run continues
where it stopped. ``--summary`` prints the false-positive and detection rates per cell.

Usage::

    python benchmarks/significance_study.py --out runs/significance          # ~40 min, 1 core
    python benchmarks/significance_study.py --out runs/significance --quick  # ~3 min
    python benchmarks/significance_study.py --out runs/significance --summary
    python benchmarks/significance_study.py --out runs/significance --figures docs/images

``--figures DIR`` draws the docs' pictures from ``study.csv`` (detection rates by size) and from
a few fresh clouds (the witness lifetime against the readout's lifetime by size; barcodes of a
null and a circle at two sizes, significant bars marked).
"""

import argparse
import csv
import itertools
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from sktopo.datasets import make_filter_cloud  # noqa: E402
from sktopo.filters import density_filtration, normalize_filters  # noqa: E402
from sktopo.significance import significance_readout  # noqa: E402

FIELDS = ["kind", "noise", "size", "n", "density", "coeff", "A", "seed", "n_points", "pvalue",
          "n_significant", "fraction_significant", "lifetime", "lifetime_low", "lifetime_high",
          "seconds"]
DENSITY_K, DENSITY_P = 15, 0.3


def cells(quick):
    """(kind, noise, size, n, density, coeff, n_seeds) of the study, cheapest first."""
    sizes9 = (100, 300, 1000) if quick else (100, 300, 1000, 3000, 10000, 30000)
    sizes25 = (100, 1000) if quick else (100, 300, 1000, 3000, 10000)
    null9, null25, sig = (4, 3, 2) if quick else (15, 10, 5)
    for density, n in itertools.product((False, True), sizes9):
        yield "gaussian", 0.0, 3, n, density, 2, null9
    for density, n in itertools.product((False, True), sizes25):
        yield "gaussian", 0.0, 5, n, density, 2, null25
    shapes = [("primary_circle", 0.3), ("primary_circle", 0.45), ("primary_circle", 0.6),
              ("three_circle", 0.3), ("klein_bottle", 0.1), ("klein_bottle", 0.3)]
    for (kind, noise), density, n in itertools.product(shapes, (False, True),
                                                       (150, 1000, 10000, 30000)):
        if not quick or n <= 1000:
            yield kind, noise, 3, n, density, 2, sig
    for density, n in itertools.product((False, True), (150, 1000, 10000)):
        if not quick or n <= 1000:
            yield "primary_circle", 0.3, 5, n, density, 2, max(2, sig - 2)
    for n in (1000, 10000):
        if not quick or n <= 1000:
            yield "klein_bottle", 0.1, 3, n, True, 3, sig


def cloud(kind, noise, size, n, density, seed):
    """The analysed points of one cloud: ``n`` normalised filters (kept by rho when ``density``)."""
    raw_n = int(np.ceil(n / DENSITY_P)) if density else n
    X = make_filter_cloud(kind, raw_n, noise=noise, size=size, random_state=seed)
    X = normalize_filters(X)
    if density:
        X = density_filtration(X, DENSITY_K, DENSITY_P)
    return X


def run(out, quick, A, combine):
    path = out / "study.csv"
    done = set()
    if path.exists():
        done = {tuple(r[k] for k in FIELDS[:8]) for r in csv.DictReader(path.open())}
    todo = [(c, s) for c in cells(quick) for s in range(c[-1])]
    with path.open("a", newline="") as f:
        writer = csv.DictWriter(f, FIELDS)
        if not done:
            writer.writeheader()
        for i, ((kind, noise, size, n, density, coeff, _), seed) in enumerate(todo):
            key = tuple(str(v) for v in (kind, noise, size, n, density, coeff, A, seed))
            if key in done:
                continue
            started = time.perf_counter()
            X = cloud(kind, noise, size, n, density, seed)
            r = significance_readout(X, coeff=coeff, A=A, combine=combine, random_state=seed)
            writer.writerow(dict(zip(FIELDS, key), n_points=len(X), pvalue=r.pvalue,
                                 n_significant=r.n_significant,
                                 fraction_significant=r.fraction_significant,
                                 lifetime=r.lifetime, lifetime_low=r.lifetime_low,
                                 lifetime_high=r.lifetime_high,
                                 seconds=round(time.perf_counter() - started, 3)))
            f.flush()
            print(f"[{i + 1}/{len(todo)}] {key} p={r.pvalue:.3g} n_sig={r.n_significant} "
                  f"life={r.lifetime:.3f} {time.perf_counter() - started:.1f}s", flush=True)


def summary(out, alpha=0.05):
    table = pd.read_csv(out / "study.csv")
    table["flagged"] = table["pvalue"] < alpha
    table["dim"] = table["size"] ** 2
    groups = ["kind", "noise", "dim", "coeff", "A", "density", "n"]
    rates = table.groupby(groups).agg(
        clouds=("flagged", "size"), flagged=("flagged", "mean"),
        median_n_significant=("n_significant", "median"),
        lifetime=("lifetime", "median"), lifetime_low=("lifetime_low", "median"),
        lifetime_high=("lifetime_high", "median"), seconds=("seconds", "median"),
    ).reset_index()
    with pd.option_context("display.max_rows", None, "display.width", 200):
        print(rates.round(3).to_string(index=False))
    null = table[table["kind"] == "gaussian"]
    print(f"\nnull clouds: {len(null)}, flagged at alpha={alpha}: {int(null['flagged'].sum())} "
          f"({null['flagged'].mean():.3f})")
    return rates


def detection_figure(out, path, alpha=0.05):
    """Fraction of clouds flagged at ``alpha`` against the number of analysed points."""
    import matplotlib.pyplot as plt

    table = pd.read_csv(out / "study.csv")
    table["flagged"] = table["pvalue"] < alpha
    fig, axes = plt.subplots(1, 2, figsize=(11, 4), sharey=True)
    for ax, density in zip(axes, (True, False)):
        sub = table[(table["density"] == density) & (table["size"] == 3) & (table["coeff"] == 2)]
        for (kind, noise), rows in sub.groupby(["kind", "noise"]):
            rate = rows.groupby("n")["flagged"].mean()
            style = "k--" if kind == "gaussian" else "-"
            label = "Gaussian (null)" if kind == "gaussian" else f"{kind}, noise {noise:g}"
            ax.plot(rate.index, rate.values, style, marker="o", ms=4, label=label)
        ax.axhline(alpha, color="0.6", ls=":", lw=1)
        ax.set_xscale("log")
        ax.set_xlabel("points analysed (9-D, 3x3 filters)")
        ax.set_title("after rho(15, 0.3)" if density else "no density step", fontsize=10)
    axes[0].set_ylabel(f"fraction flagged at alpha = {alpha:g}")
    axes[0].set_ylim(-0.03, 1.03)
    axes[1].legend(fontsize="x-small", loc="center right")
    fig.suptitle("Significance readout (m = 300, 5 subsamples): detection rate by cloud size")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def drift_figure(path, sizes=(150, 600, 3000, 10000), seeds=3):
    """The witness lifetime drifts with size; the readout's lifetime at fixed m does not."""
    import matplotlib.pyplot as plt

    from sktopo.homology import Persistence, diagram_features

    rows = []
    for kind, noise, density in (("gaussian", 0.0, True), ("primary_circle", 0.3, True),
                                 ("primary_circle", 0.3, False)):
        for n, seed in itertools.product(sizes, range(seeds)):
            X = cloud(kind, noise, 3, n, density, seed)
            witness = diagram_features(Persistence(random_state=seed).fit_transform([X]),
                                       features=["max_lifetime"], homology_dimensions=[1])
            r = significance_readout(X, random_state=seed)
            rows.append(dict(label=f"{'noise' if kind == 'gaussian' else 'circle'}"
                             f"{', rho(15, 0.3)' if density else ', no density step'}",
                             n=n, witness=float(witness[0, 0]), rips=r.lifetime))
    table = pd.DataFrame(rows).groupby(["label", "n"]).median().reset_index()
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    for label, sub in table.groupby("label"):
        axes[0].plot(sub["n"], sub["witness"], "o-", label=label)
        axes[1].plot(sub["n"], sub["rips"], "o-", label=label)
    axes[0].set_title("witness max H1 lifetime on all points (100 landmarks)", fontsize=10)
    axes[1].set_title("readout: median exact-Rips max H1 lifetime at m = 300", fontsize=10)
    for ax in axes:
        ax.set_xscale("log")
        ax.set_xlabel("points analysed")
        ax.set_ylim(bottom=0)
    axes[0].set_ylabel("lifetime")
    axes[1].legend(fontsize="x-small")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    return table


def barcode_figure(path):
    """Rips barcodes of a subsample of a null cloud and of a circle, at 150 and 3,000 points."""
    import matplotlib.pyplot as plt

    from sktopo.homology import plot_barcode

    fig, axes = plt.subplots(2, 2, figsize=(11, 5))
    for col, n in enumerate((150, 3000)):
        for row, (kind, noise) in enumerate((("gaussian", 0.0), ("primary_circle", 0.3))):
            r = significance_readout(cloud(kind, noise, 3, n, True, 0), random_state=0)
            ax = axes[row, col]
            plot_barcode(r.diagram, homology_dimensions=[1], axes=[ax], max_bars=40,
                         pvalues={1: r.corrected_pvalues}, alpha=r.level,
                         xlabel=f"exact Rips on {r.subsample_size} of {r.n_points} points")
            what = "Gaussian filters" if kind == "gaussian" else "noisy primary circle"
            ax.set_title(f"{what}, {n} points after rho(15, 0.3): p = {r.pvalue:.2g}, "
                         f"{r.n_significant} significant", loc="left", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("runs/significance"))
    parser.add_argument("--quick", action="store_true", help="a few cells, a few seeds")
    parser.add_argument("--A", type=float, default=1.0, help="slope of the null law")
    parser.add_argument("--combine", choices=["twice_median", "cauchy"], default="twice_median",
                        help="how each cloud's subsamples are combined (use a new --out)")
    parser.add_argument("--summary", action="store_true", help="print rates and stop")
    parser.add_argument("--figures", type=Path, default=None, metavar="DIR",
                        help="draw the docs' figures into DIR and stop")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    if args.figures is not None:
        import matplotlib

        matplotlib.use("Agg")
        args.figures.mkdir(parents=True, exist_ok=True)
        detection_figure(args.out, args.figures / "significance_detection.png")
        barcode_figure(args.figures / "significance_barcodes.png")
        drift = drift_figure(args.figures / "significance_drift.png")
        print(drift.round(3).to_string(index=False))
        return
    if not args.summary:
        run(args.out, args.quick, args.A, args.combine)
    summary(args.out)


if __name__ == "__main__":
    sys.exit(main())
