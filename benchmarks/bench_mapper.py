"""Mapper(30, 3) speed against kepler-mapper (and tda-mapper) on the same cloud, and 200,000 points.

Run: ``python benchmarks/bench_mapper.py [--n 6400] [--big 200000] [--repeat 3]
[--tda-python PATH] [--memory]``

Both libraries get the same cloud (normalised 9-D filters of a noisy primary circle), the same
lens (PCA 1 and 2), 30 intervals per lens with overlap 1 - 1/3, and the VNE metric (kepler-mapper
clusters the cloud divided by its column standard deviations). kepler-mapper runs single linkage
with a fixed cut and DBSCAN; sktopo runs exact single linkage with the automatic first-gap cut.
Times are the best of ``--repeat`` runs in this process; the ratio is anchor / sktopo.

tda-mapper pins numpy < 2 and networkx < 3, so it runs in its own environment, e.g.
``python -m venv /tmp/tdavenv && /tmp/tdavenv/bin/pip install tda-mapper "scikit-learn<1.6"``,
then ``--tda-python /tmp/tdavenv/bin/python``. Its overlap is at most 1/2, so it is compared
with sktopo's Mapper(30, 2) on the same cloud and lens.
"""

import argparse
import os
import resource
import subprocess
import tempfile
import time
import tracemalloc
import warnings
from pathlib import Path

import networkx as nx
import numpy as np

from _timing import best_time
from sktopo.datasets import make_filter_cloud
from sktopo.mapper import graph_cycle_rank, mapper_graph, nerve_betti1, pca_lens, vne_scale


def kmapper_graph(X, lens, clusterer, resolution=30, gain=3.0):
    import kmapper as km

    mapper = km.KeplerMapper(verbose=0)
    cover = km.Cover(n_cubes=resolution, perc_overlap=1 - 1 / gain)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        graph = mapper.map(lens, vne_scale(X), clusterer=clusterer, cover=cover)
    return km.adapter.to_nx(graph)


def describe(g):
    return (f"{g.number_of_nodes():5d} nodes  {nx.number_connected_components(g):3d} comp  "
            f"cycle rank {graph_cycle_rank(g):5d}  nerve b1 {nerve_betti1(g):3d}")


def tda_mapper_rows(python, X, lens, cut, repeat):
    """tda-mapper's times (in its own interpreter) beside sktopo's Mapper(30, 2)."""
    child = Path(__file__).with_name("_tda_mapper_run.py")
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "cloud.npz")
        np.savez(path, Y=vne_scale(X), lens=lens)
        out = subprocess.run([python, str(child), path, str(cut), str(repeat)],
                             capture_output=True, text=True, check=True).stdout
    rows = []
    for line in out.splitlines():
        name, t, nodes, edges, comps = line.split()
        rows.append((f"tda-mapper {name} cover, single linkage cut {cut:g}", float(t),
                     f"{int(nodes):5d} nodes  {int(comps):3d} comp  {int(edges):5d} edges"))
    return rows


def big_run(n, memory):
    Xb = make_filter_cloud("primary_circle", n, noise=0.1, random_state=0)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t = time.perf_counter()
    gb = mapper_graph(Xb, 30, 3)
    elapsed = time.perf_counter() - t
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    dense = n**2 * 8 / 2 / 2**30
    print()
    print(f"Mapper(30, 3) of {n} points: {elapsed:.1f} s (target <= 5 s: "
          f"{'met' if elapsed <= 5 else 'not met'}); {describe(gb)}")
    print(f"  process max RSS {rss / 1024:.0f} MiB (before: {before / 1024:.0f} MiB); "
          f"a condensed n x n distance matrix would need {dense:.0f} GiB")
    if memory:
        peaks = []
        for m in (n // 10, n):
            tracemalloc.start()
            mapper_graph(Xb[:m], 30, 3)
            peaks.append(tracemalloc.get_traced_memory()[1] / 2**20)
            tracemalloc.stop()
        print(f"  peak traced memory {peaks[1]:.0f} MiB (at n/10: {peaks[0]:.0f} MiB)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=6400)
    parser.add_argument("--big", type=int, default=200_000, help="0 skips the large run")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--cut", type=float, default=2.0,
                        help="kepler-mapper fixed cut (VNE units)")
    parser.add_argument("--tda-python", help="interpreter of an environment with tda-mapper")
    parser.add_argument("--memory", action="store_true",
                        help="also trace peak memory of the large run (two more runs)")
    args = parser.parse_args()
    from sklearn.cluster import DBSCAN, AgglomerativeClustering

    X = make_filter_cloud("primary_circle", args.n, noise=0.1, random_state=0)
    lens = pca_lens(X)
    rows = []
    t_ours, g = best_time(lambda: mapper_graph(X, 30, 3), args.repeat)
    rows.append(("sktopo single linkage, automatic cut", t_ours, describe(g)))
    single = AgglomerativeClustering(n_clusters=None, linkage="single", distance_threshold=args.cut)
    t_km, g = best_time(lambda: kmapper_graph(X, lens, single), args.repeat)
    rows.append((f"kepler-mapper single linkage, cut {args.cut:g}", t_km, describe(g)))
    t, g = best_time(lambda: kmapper_graph(X, lens, DBSCAN(eps=args.cut, min_samples=3)),
                     args.repeat)
    rows.append((f"kepler-mapper DBSCAN eps {args.cut:g}", t, describe(g)))

    print(f"Mapper(30, 3) of {args.n} normalised 9-D filters (primary circle, noise 0.1), "
          f"best of {args.repeat}")
    print(f"{'method':48s} {'time (s)':>9s} {'anchor/ours':>12s}  graph")
    for name, t, graph in rows:
        print(f"{name:48s} {t:9.3f} {t / t_ours:12.2f}  {graph}")
    print(f"vs kepler-mapper single linkage: {t_km / t_ours:.1f}x (target >= 10x: "
          f"{'met' if t_km / t_ours >= 10 else 'not met'})")

    if args.tda_python:
        t_two, g = best_time(lambda: mapper_graph(X, 30, 2), args.repeat)
        print("\nMapper(30, 2), the overlap tda-mapper allows; ratio is tda-mapper / sktopo")
        print(f"{'sktopo single linkage, automatic cut':48s} {t_two:9.3f} {1:12.2f}  "
              f"{describe(g)}")
        for name, t, graph in tda_mapper_rows(args.tda_python, X, lens, args.cut, args.repeat):
            print(f"{name:48s} {t:9.3f} {t / t_two:12.2f}  {graph}")

    if args.big:
        big_run(args.big, args.memory)


if __name__ == "__main__":
    main()
