"""Mapper(30, 3) speed against kepler-mapper on the same cover, and a 200,000-point run.

Run: ``python benchmarks/bench_mapper.py [--n 6400] [--big 200000] [--repeat 3]``

Both libraries get the same cloud (normalised 9-D filters of a noisy primary circle), the same
lens (PCA 1 and 2), 30 intervals per lens with overlap 1 - 1/3, and the VNE metric (kepler-mapper
clusters the cloud divided by its column standard deviations). kepler-mapper runs single linkage
with a fixed cut and DBSCAN; sktopo runs single linkage with the automatic first-gap cut.
Times are the best of ``--repeat`` runs in this process; the ratio is anchor / sktopo.
"""

import argparse
import resource
import time
import tracemalloc
import warnings

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


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=6400)
    parser.add_argument("--big", type=int, default=200_000, help="0 skips the large run")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--cut", type=float, default=2.0,
                        help="kepler-mapper fixed cut (VNE units)")
    args = parser.parse_args()
    from sklearn.cluster import DBSCAN, AgglomerativeClustering

    X = make_filter_cloud("primary_circle", args.n, noise=0.1, random_state=0)
    lens = pca_lens(X)
    rows = []
    t_ours, g = best_time(lambda: mapper_graph(X, 30, 3), args.repeat)
    rows.append(("sktopo single linkage, automatic cut", t_ours, g))
    single = AgglomerativeClustering(n_clusters=None, linkage="single", distance_threshold=args.cut)
    t, g = best_time(lambda: kmapper_graph(X, lens, single), args.repeat)
    rows.append((f"kepler-mapper single linkage, cut {args.cut:g}", t, g))
    t, g = best_time(lambda: kmapper_graph(X, lens, DBSCAN(eps=args.cut, min_samples=3)),
                     args.repeat)
    rows.append((f"kepler-mapper DBSCAN eps {args.cut:g}", t, g))

    print(f"Mapper(30, 3) of {args.n} normalised 9-D filters (primary circle, noise 0.1), "
          f"best of {args.repeat}")
    print(f"{'method':42s} {'time (s)':>9s} {'anchor/ours':>12s}  graph")
    for name, t, g in rows:
        print(f"{name:42s} {t:9.3f} {t / t_ours:12.2f}  {describe(g)}")

    if args.big:
        Xb = make_filter_cloud("primary_circle", args.big, noise=0.1, random_state=0)
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        t = time.perf_counter()
        gb = mapper_graph(Xb, 30, 3)
        elapsed = time.perf_counter() - t
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        tracemalloc.start()
        mapper_graph(Xb[: args.big // 10], 30, 3)
        peak_small = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        tracemalloc.start()
        mapper_graph(Xb, 30, 3)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        dense = args.big**2 * 8 / 2 / 2**30
        print()
        print(f"Mapper(30, 3) of {args.big} points: {elapsed:.1f} s; {describe(gb)}")
        print(f"  peak traced memory {peak / 2**20:.0f} MiB "
              f"(at n/10: {peak_small / 2**20:.0f} MiB); "
              f"process max RSS {rss / 1024:.0f} MiB (before: {before / 1024:.0f} MiB); "
              f"a condensed n x n distance matrix would need {dense:.0f} GiB")


if __name__ == "__main__":
    main()
