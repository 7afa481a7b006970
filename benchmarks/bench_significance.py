"""Cost of the significance readout at its defaults, beside the witness barcode of the same cloud.

Both are timed in the same run on the same analysed points (after rho(15, 0.3)): the readout
(5 exact Rips barcodes of 300 random points, ``sktopo.significance.significance_readout``) and
the paper's lazy witness barcode on 100 max-min landmarks (``sktopo.homology.Persistence``), the
anchor every sweep already pays. Target: a readout within about a second. Best of 3.

Usage: python benchmarks/bench_significance.py
"""

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")

from _timing import best_time  # noqa: E402
from sktopo.datasets import make_filter_cloud  # noqa: E402
from sktopo.filters import density_filtration, normalize_filters  # noqa: E402
from sktopo.homology import Persistence  # noqa: E402
from sktopo.significance import significance_readout  # noqa: E402

TARGET_SECONDS = 1.0
CASES = [("gaussian", 3, 1000), ("primary_circle", 3, 1000), ("gaussian", 3, 10000),
         ("primary_circle", 3, 10000), ("gaussian", 5, 1000), ("primary_circle", 5, 1000)]


def main():
    print(f"{'cloud':<34} {'witness (anchor)':>16} {'readout':>9} {'ratio':>7}  verdict")
    for kind, size, n in CASES:
        raw = make_filter_cloud(kind, int(n / 0.3), noise=0.3, size=size, random_state=0)
        X = density_filtration(normalize_filters(raw), 15, 0.3)
        anchor, _ = best_time(lambda: Persistence(random_state=0).fit_transform([X]), repeat=3)
        seconds, r = best_time(lambda: significance_readout(X, random_state=0), repeat=3)
        ok = "meets" if seconds <= TARGET_SECONDS else "misses"
        name = f"{kind}, {size}x{size}, {len(X)} points"
        print(f"{name:<34} {anchor:14.3f} s {seconds:7.3f} s {seconds / anchor:6.1f}x  "
              f"{ok} the {TARGET_SECONDS:g} s target; {r.summary()['verdict']}")


if __name__ == "__main__":
    main()
