"""Time tda-mapper on a cloud saved by bench_mapper.py (run with tda-mapper's own interpreter).

tda-mapper pins numpy < 2 and networkx < 3, so it lives in its own virtual environment; this
script imports nothing from sktopo. Usage::

    python _tda_mapper_run.py CLOUD.npz CUT REPEAT

``CLOUD.npz`` holds ``Y`` (the VNE-scaled cloud) and ``lens``. Prints one line per cover
algorithm: name, best time in seconds, nodes, edges and connected components.
"""

import sys
import time
import warnings

import networkx as nx
import numpy as np
from sklearn.cluster import AgglomerativeClustering
from tdamapper.cover import CubicalCover
from tdamapper.learn import MapperAlgorithm


def main():
    path, cut, repeat = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
    data = np.load(path)
    Y, lens = data["Y"], data["lens"]
    single = AgglomerativeClustering(n_clusters=None, linkage="single", distance_threshold=cut)
    for algorithm in ("standard", "proximity"):
        # tda-mapper's overlap is at most 1/2 of an interval: gain 2.
        cover = CubicalCover(n_intervals=30, overlap_frac=0.5, algorithm=algorithm)
        best, graph = np.inf, None
        for _ in range(repeat):
            start = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                graph = MapperAlgorithm(cover=cover, clustering=single, verbose=False).fit(
                    Y, lens).graph_
            best = min(best, time.perf_counter() - start)
        print(f"{algorithm} {best:.6f} {graph.number_of_nodes()} {graph.number_of_edges()} "
              f"{nx.number_connected_components(graph)}")


if __name__ == "__main__":
    main()
