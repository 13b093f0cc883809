"""k-means|| against k-means++ on Fränti's benchmark sets: does the few-pass start cost quality?

Run by hand (not in CI):  .venv/bin/python benchmarks/kmeans_parallel.py [--seeds 3] [--sets ...]

For every set (../shared/benchmarks/sipu, or $KMEANS_SIPU) and seed, ``KMeans(k, n_init=10)``
from ``init="k-means||"`` (l = 2k, 5 rounds) and from greedy ``init="k-means++"``, Lloyd to
convergence (tol 1e-4): the SSE of the best restart, its ratio k-means|| / k-means++, and the
reference SSE (Lloyd from the ground-truth means, README of the sets). Target: every ratio at
most 1.01 (k-means|| x 10 ends no worse than k-means++ x 10, within 1%). Times are whole fits
after a warm-up fit per set (compilation excluded), best of the seeds, for orientation only.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np

SIPU = Path(
    os.environ.get("KMEANS_SIPU", Path(__file__).resolve().parents[2] / "shared/benchmarks/sipu")
)
SETS = {
    "a1": (20, 1.2146e10),
    "a2": (35, 2.0287e10),
    "a3": (50, 2.8937e10),
    "s1": (15, 8.9177e12),
    "s2": (15, 1.3279e13),
    "s3": (15, 1.6890e13),
    "s4": (15, 1.5706e13),
    "unbalance": (8, 2.1449e11),
    "birch1": (100, 9.2773e13),
    "birch2": (100, 4.5672e11),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--sets", nargs="+", default=list(SETS))
    args = parser.parse_args()
    from kmeans_gui.engine import KMeans

    print("load before:", subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())
    print(f"sets from {SIPU}; n_init = 10, tol = 1e-4, {args.seeds} seeds")
    header = f"{'set':<10} {'k':>4} {'seed':>4} {'k-means++ SSE':>14} {'k-means|| SSE':>14}"
    print(f"{header} {'ratio':>7} {'vs truth':>9} {'s ++':>6} {'s ||':>6}")
    worst = 0.0
    for name in args.sets:
        k, truth = SETS[name]
        X = np.loadtxt(SIPU / f"{name}.data.gz")
        for init in ("k-means++", "k-means||"):
            KMeans(k, init=init, seed=99).fit(X)  # warm-up: tracing and compiling
        for seed in range(args.seeds):
            figures = {}
            for init in ("k-means++", "k-means||"):
                started = time.perf_counter()
                model = KMeans(k, init=init, n_init=10, seed=seed).fit(X)
                figures[init] = (model.inertia_, time.perf_counter() - started)
            ratio = figures["k-means||"][0] / figures["k-means++"][0]
            worst = max(worst, ratio)
            print(
                f"{name:<10} {k:>4} {seed:>4} {figures['k-means++'][0]:>14.5e} "
                f"{figures['k-means||'][0]:>14.5e} {ratio:>7.4f} "
                f"{figures['k-means||'][0] / truth:>9.4f} {figures['k-means++'][1]:>6.2f} "
                f"{figures['k-means||'][1]:>6.2f}",
                flush=True,
            )
    verdict = "met" if worst <= 1.01 else "NOT met"
    print(f"worst ratio k-means|| / k-means++: {worst:.4f} (target <= 1.01: {verdict})")
    print("load after:", subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())


if __name__ == "__main__":
    main()
