"""Analysing clusters: the exact per-row silhouette, a run's scores and the cluster profiles,
against scikit-learn and pandas, side by side in one run.

Run by hand (not in CI):  .venv/bin/python benchmarks/analysis.py [--rows 100000] [--quick]

Every measurement runs in a child process of its own, so its peak memory (resident set, sampled
every millisecond during the call, above what the process held just before it) is its own:

1. The silhouette of every one of ``--rows`` rows (default 100,000; 8 overlapping blobs in 4-D)
   with ``engine.silhouette_samples`` against ``sklearn.metrics.silhouette_samples``; the
   scikit-learn side also with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE removed from its
   environment (this machine sets them, which slows OpenBLAS), and the faster of the two is the
   reference. The engine's side runs twice: its time is the second call's (XLA compiles once
   per shape and process; the first call's time is printed too), its memory the first's;
   scikit-learn's runs once (it takes minutes). The largest difference between the two results
   is printed too.
2. At 1,000,000 rows: ``score_clustering`` (mean silhouette on a seeded sample of 20,000,
   Calinski-Harabasz, Davies-Bouldin on every row) against scikit-learn's
   ``silhouette_score(sample_size=20000)``, ``calinski_harabasz_score`` and
   ``davies_bouldin_score``; ``cluster_profiles`` against the pandas groupby it equals.
3. The sweep over k = 2..8 at 100,000 rows with the gap statistic (B = 10) and without, to show
   what the reference fits cost.

Ratios below 1 mean the engine (or the data layer) is faster.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from memory import PeakMemory  # benchmarks/memory.py, beside this script

OPENBLAS_VARS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")


def blobs(n: int, d: int, k: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Overlapping Gaussian blobs (spread 4 between centres in [-10, 10]^d), off the origin."""
    rng = np.random.default_rng(seed)
    centres = rng.uniform(-10, 10, size=(k, d))
    labels = rng.integers(0, k, size=n)
    return centres[labels] + 4.0 * rng.normal(size=(n, d)) + 100.0, labels


def measure(call, repeat: bool = False) -> dict:
    """Seconds and peak MiB of ``call()``. With ``repeat`` the call runs twice: the memory is the
    first (cold) call's, which includes compiling, the seconds the second's (``cold`` the
    first's)."""
    with PeakMemory() as memory:
        start = time.perf_counter()
        result = call()
        seconds = time.perf_counter() - start
    out = {"seconds": seconds, "mib": memory.extra_mb, "result": result}
    if repeat:
        start = time.perf_counter()
        out["result"] = call()
        out["cold"], out["seconds"] = seconds, time.perf_counter() - start
    return out


# -- the children -------------------------------------------------------------------------------


def child_silhouette(side: str, rows: int) -> dict:
    X, labels = blobs(rows, 4, 8)
    if side == "engine":
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        from kmeans_gui.engine import silhouette_samples

        out = measure(lambda: silhouette_samples(X, labels), repeat=True)
    else:
        from sklearn.metrics import silhouette_samples

        out = measure(lambda: silhouette_samples(X, labels))
    np.save(Path(os.environ["BENCH_DIR"]) / f"silhouette-{side}.npy", out.pop("result"))
    return out


def child_scores(side: str, rows: int) -> dict:
    X, labels = blobs(rows, 4, 8)
    if side == "engine":
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        from kmeans_gui.engine import score_clustering

        def call():
            s = score_clustering(X, labels, seed=0)
            return [s.silhouette, s.calinski_harabasz, s.davies_bouldin]

        out = measure(call, repeat=True)
    else:
        from sklearn.metrics import calinski_harabasz_score, davies_bouldin_score, silhouette_score

        def call():
            return [
                float(silhouette_score(X, labels, sample_size=20_000, random_state=0)),
                float(calinski_harabasz_score(X, labels)),
                float(davies_bouldin_score(X, labels)),
            ]

        out = measure(call)
    return out


def child_profiles(side: str, rows: int) -> dict:
    import pandas as pd

    from kmeans_gui.data import cluster_profiles, prepare_features

    X, labels = blobs(rows, 4, 8)
    frame = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    features = prepare_features(frame)
    if side == "engine":
        out = measure(lambda: cluster_profiles(features, labels, frame=frame).table.shape)
    else:
        out = measure(lambda: frame.groupby(labels).agg(["mean", "std", "median"]).shape)
    return out


def child_sweep(side: str, rows: int) -> dict:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    from kmeans_gui.engine import sweep

    X, _ = blobs(rows, 4, 8)
    references = 10 if side == "engine" else 0
    return measure(
        lambda: len(list(sweep(X, range(2, 9), seed=0, gap_references=references))), repeat=True
    )


CHILDREN = {
    "silhouette": child_silhouette,
    "scores": child_scores,
    "profiles": child_profiles,
    "sweep": child_sweep,
}


# -- the parent ---------------------------------------------------------------------------------


def spawn(name: str, side: str, rows: int, folder: str, env_drop: tuple[str, ...] = ()) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in env_drop}
    env["BENCH_DIR"] = folder
    done = subprocess.run(
        [sys.executable, __file__, "--child", name, side, str(rows)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"{name}/{side} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def line(name: str, ours: dict, ref: dict, note: str = "") -> None:
    if "cold" in ours:
        note = f"{note}; first call {ours['cold']:.2f} s".lstrip("; ")
    ratio = ours["seconds"] / ref["seconds"]
    print(
        f"{name:<40} | {ours['seconds']:>8.2f} {ref['seconds']:>8.2f} {ratio:>6.2f} "
        f"| {ours['mib']:>7.0f} {ref['mib']:>7.0f}  {note}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000, help="rows of the exact silhouette")
    parser.add_argument("--big", type=int, default=1_000_000, help="rows of scores and profiles")
    parser.add_argument("--quick", action="store_true", help="divide the sizes by 5")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        name, side, rows = args.child
        out = CHILDREN[name](side, int(rows))
        print(json.dumps({k: v for k, v in out.items() if k != "result"} | _result(out)))
        return
    rows, big = (args.rows // 5, args.big // 5) if args.quick else (args.rows, args.big)
    import tempfile

    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    print(
        f"{'measurement':<40} | {'ours s':>8} {'ref s':>8} {'ratio':>6} | {'MiB':>7} {'ref MiB':>7}"
    )
    with tempfile.TemporaryDirectory() as folder:
        ours = spawn("silhouette", "engine", rows, folder)
        refs = {
            "as set": spawn("silhouette", "sklearn", rows, folder),
            "OPENBLAS vars unset": spawn("silhouette", "sklearn", rows, folder, OPENBLAS_VARS),
        }
        ours_values = np.load(Path(folder) / "silhouette-engine.npy")
        ref_values = np.load(Path(folder) / "silhouette-sklearn.npy")
        difference = np.abs(ours_values - ref_values)
        clear = np.abs(ref_values) > 1e-3  # near 0, b - a cancels for every implementation
        relative = float(np.max(difference[clear] / np.abs(ref_values[clear])))
        for env_name, ref in refs.items():
            line(f"silhouette_samples, {rows:,} rows", ours, ref, f"sklearn {env_name}")
        print(
            f"{'':<40}   largest difference per row {difference.max():.1e}; relative "
            f"{relative:.1e} where |s| > 1e-3"
        )

        ours = spawn("scores", "engine", big, folder)
        ref = min(
            (spawn("scores", "sklearn", big, folder, drop) for drop in ((), OPENBLAS_VARS)),
            key=lambda r: r["seconds"],
        )
        line(f"scores (sil. sample 20k, CH, DB), {big:,}", ours, ref, "vs sklearn's three")
        print(f"{'':<40}   CH {ours['values'][1]:.6g} vs {ref['values'][1]:.6g}, "
              f"DB {ours['values'][2]:.6g} vs {ref['values'][2]:.6g}")  # fmt: skip
        line(
            f"cluster_profiles, {big:,} rows x 4",
            spawn("profiles", "engine", big, folder),
            spawn("profiles", "pandas", big, folder),
            "vs pandas groupby mean/std/median",
        )
        line(
            f"sweep k=2..8, {rows:,} rows, gap B=10",
            spawn("sweep", "engine", rows, folder),
            spawn("sweep", "no-gap", rows, folder),
            "vs the same sweep without the gap",
        )


def _result(out: dict) -> dict:
    result = out.get("result")
    return {"values": result} if isinstance(result, list) else {}


if __name__ == "__main__":
    main()
