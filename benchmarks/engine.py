"""Engine speed and memory against scikit-learn's Lloyd, side by side in one run.

Run by hand (not in CI):  .venv/bin/python benchmarks/engine.py [--quick]

For each (N, D, K) both fits get the same float32 data and the same initial centroids,
tol=0 and max_iter=20, after one warm-up fit each (so TensorFlow's tracing and XLA compilation
are not timed: they happen once per shape per process). Prints the wall-time ratio
engine / scikit-learn (target <= 1.0) and each side's peak memory for a fit: resident memory
above the level just before the fit (data already made, libraries imported), sampled every
millisecond from /proc during the *first* fit in a fresh process, since an allocator that keeps
its pages would hide every later fit's working set. The engine's figure includes TensorFlow's
one-off runtime start and XLA compilation (about 95 MB at any size); what grows with N is the
working set.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from functools import partial

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np
from memory import PeakMemory  # benchmarks/memory.py, beside this script
from sklearn.cluster import KMeans as SkKMeans

from kmeans_gui.engine import KMeans

SHAPES = [(1_000_000, 2, 8), (200_000, 16, 32), (100_000, 64, 256)]


def blobs(n: int, d: int, k: int, rng: np.random.Generator) -> np.ndarray:
    centres = rng.uniform(-10, 10, size=(k, d))
    X = centres[rng.integers(0, k, size=n)] + rng.normal(size=(n, d))
    return X.astype(np.float32)


def timed(fit) -> tuple[float, object]:
    start = time.perf_counter()
    model = fit()
    return time.perf_counter() - start, model


def fits(X: np.ndarray, init: np.ndarray):
    """The two fits compared: same data, same initial centroids, tol=0, 20 iterations."""
    k = len(init)
    ours = partial(KMeans(k, init=init, tol=0.0, max_iter=20).fit, X)
    ref = partial(SkKMeans(k, init=init, n_init=1, tol=0.0, max_iter=20, algorithm="lloyd").fit, X)
    return ours, ref


def first_fit_peak_mb(side: str, n: int, d: int, k: int) -> float:
    """Peak MB above the pre-fit level of one side's first fit, in a fresh process."""
    out = subprocess.run(
        [sys.executable, __file__, "--memory-child", side, str(n), str(d), str(k)],
        check=True,
        capture_output=True,
        text=True,
    )
    return float(out.stdout.split()[-1])


def memory_child(side: str, n: int, d: int, k: int) -> None:
    rng = np.random.default_rng(0)
    X = blobs(n, d, k, rng)
    init = X[rng.choice(n, k, replace=False)]
    ours, ref = fits(X, init)
    with PeakMemory() as mem:
        (ours if side == "engine" else ref)()
    print(f"{mem.extra_mb:.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="divide N by 10")
    parser.add_argument("--repeats", type=int, default=3, help="timed fits per side (best)")
    parser.add_argument("--memory-child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_child:
        side, *shape = args.memory_child
        memory_child(side, *map(int, shape))
        return
    rng = np.random.default_rng(0)
    print(
        f"{'N':>9} {'D':>3} {'K':>4} | {'engine s':>9} {'sklearn s':>9} {'ratio':>6} | "
        f"{'iters':>7} | {'data MB':>7} {'eng +MB':>7} {'skl +MB':>7}"
    )
    for n, d, k in SHAPES:
        n = n // 10 if args.quick else n
        X = blobs(n, d, k, rng)
        init = X[rng.choice(n, k, replace=False)]
        ours, ref = fits(X, init)
        ours(), ref()  # warm-up: tracing, compilation, thread pools
        best_o = best_r = (float("inf"), None)
        for _ in range(args.repeats):  # interleaved, so machine noise hits both sides
            best_o = min(best_o, timed(ours), key=lambda t: t[0])
            best_r = min(best_r, timed(ref), key=lambda t: t[0])
        (t_o, mo), (t_r, mr) = best_o, best_r
        m_o, m_r = (first_fit_peak_mb(side, n, d, k) for side in ("engine", "sklearn"))
        rel = abs(mo.inertia_ - mr.inertia_) / mr.inertia_
        print(
            f"{n:>9} {d:>3} {k:>4} | {t_o:>9.3f} {t_r:>9.3f} {t_o / t_r:>6.2f} | "
            f"{mo.n_iter_:>3}/{mr.n_iter_:<3} | {X.nbytes / 2**20:>7.1f} {m_o:>7.1f} "
            f"{m_r:>7.1f}   inertia rel diff {rel:.1e}",
            flush=True,
        )


if __name__ == "__main__":
    main()
