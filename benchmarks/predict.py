"""``predict``'s assignment: float64 NumPy in blocks against the engine's TensorFlow predict.

Run by hand (not in CI):  .venv/bin/python benchmarks/predict.py [--rows 1000000]

``kmeans-gui predict`` assigns rows with ``engine.distances.nearest`` (float64 NumPy,
blocked, no TensorFlow) instead of ``KMeans.predict`` (float32 TensorFlow kernels), so that it
never pays TensorFlow's import. This prints, per (N, D, K), the best of five of each side
(``KMeans.predict`` after one warm-up call, so tracing is not timed; ``nearest``
also returns the distances, which ``KMeans.predict`` does not) and their ratio, then the
one-off cost the NumPy path avoids: importing TensorFlow in a fresh process, and the first
(tracing) ``KMeans.predict`` call. Then the whole command on a CSV of N rows with D = 5,
K = 10: load, assign, and write the labelled table. Target: NumPy/TF ratio plus the import it
saves well under 1 for tables of a million rows; peak memory stays at a few blocks (the
assignment never builds an N x K x D array).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np
import pandas as pd

from kmeans_gui.engine.distances import nearest

SHAPES = [(2, 8), (5, 10), (16, 32), (64, 100)]


def best_of(call, repeats: int = 5) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return min(times)


def import_seconds() -> float:
    code = "import time; t = time.perf_counter(); import tensorflow; print(time.perf_counter() - t)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(out.stdout.strip())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    n = args.rows
    tf_import = import_seconds()
    from kmeans_gui.engine import KMeans

    rng = np.random.default_rng(0)
    print(f"{'N':>9} {'D':>3} {'K':>4} | {'numpy s':>8} {'TF s':>7} {'ratio':>6} | first TF call s")
    for d, k in SHAPES:
        X = rng.normal(size=(n, d)) + 100.0
        centres = X[rng.choice(n, k, replace=False)]
        model = KMeans(k, init=centres, max_iter=1, device="cpu").fit(X[:1000])
        model.cluster_centers_ = centres  # predict against these exact centres
        start = time.perf_counter()
        tf_labels = model.predict(X)
        first = time.perf_counter() - start
        ours = best_of(lambda: nearest(X, centres))  # noqa: B023
        theirs = best_of(lambda: model.predict(X))  # noqa: B023
        labels, _ = nearest(X, centres)
        agree = float((labels == tf_labels).mean())
        print(
            f"{n:>9,} {d:>3} {k:>4} | {ours:>8.3f} {theirs:>7.3f} {ours / theirs:>6.2f} | "
            f"{first:.2f}   (labels agree on {agree:.6%})"
        )
    print(f"importing TensorFlow in a fresh process: {tf_import:.2f} s")

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        train = folder / "train.csv"
        frame = pd.DataFrame(rng.normal(size=(n, 5)), columns=list("abcde"))
        frame.to_csv(train, index=False)
        model_path = folder / "model.json"
        command = [sys.executable, "-m", "kmeans_gui"]
        subprocess.run(
            [*command, "cluster", train, "-k", "10", "--seed", "0", "--max-iter", "5", "-q",
             "--model-out", model_path],
            check=True, capture_output=True,
        )  # fmt: skip
        for out in ("none", "labelled.csv", "labelled.parquet"):
            extra = [] if out == "none" else ["--out", str(folder / out)]
            start = time.perf_counter()
            subprocess.run([*command, "predict", model_path, train, *extra], check=True,
                           capture_output=True)  # fmt: skip
            print(f"kmeans-gui predict on {n:,} rows x 5, k = 10, --out {out}: "
                  f"{time.perf_counter() - start:.2f} s")  # fmt: skip


if __name__ == "__main__":
    main()
