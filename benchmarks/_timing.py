"""Wall-clock timing shared by the benchmark scripts."""

import time

import numpy as np


def best_time(fn, repeat=1):
    """Best wall time of ``repeat`` calls of ``fn`` (seconds) and the last call's result."""
    best, out = np.inf, None
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - start)
    return best, out
