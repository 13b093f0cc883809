"""Engine speed and memory against scikit-learn's Lloyd, side by side in one run.

Run by hand (not in CI):  .venv/bin/python benchmarks/engine.py [--quick] [--parts ...]

``lloyd``: for each (N, D, K) every side gets the same float32 data and the same initial
centroids, tol=0 and max_iter=20, after one warm-up fit (so TensorFlow's tracing and XLA
compilation are not timed: they happen once per shape per process). The engine is timed as
``KMeans.fit`` and as ``iterate()`` with every state consumed (as the window does).
scikit-learn runs in two child processes: one with OpenBLAS as this environment sets it, one
with ``OPENBLAS_CORETYPE`` and ``OPENBLAS_L2_SIZE`` removed (they slow OpenBLAS on this kind
of machine); each prints the kernel threadpoolctl reports, and ratios are against the faster.
Sides take turns, one fit each per round, so machine noise hits all of them; best of rounds.
Each shape also shows the GEMM floor (2 N K D flops at the peak sgemm measured in this run)
and how far the engine's ms/iteration is above it.

``small``: whole fits with k-means++ and 10 restarts on Fränti's A1, A3 and Birch2 sets
(../shared/benchmarks/sipu, or $KMEANS_SIPU), five seeds, engine against the faster scikit-learn.

``first``: the first fit of a new shape in a fresh process (tracing and compilation
included), ``KMeans(k, seed=0, tol=1e-4)``, and each side's peak memory during it: resident
memory above the level just before the fit, sampled every millisecond from /proc (an
allocator that keeps its pages would hide every later fit's working set). The engine's figure
includes TensorFlow's one-off runtime start and XLA compilation.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np
from memory import PeakMemory  # benchmarks/memory.py, beside this script

SHAPES = [(1_000_000, 2, 8), (200_000, 16, 32), (100_000, 64, 256)]
SMALL = [("a1", 20), ("a3", 50), ("birch2", 100)]
FIRST = [(1_000_000, 2, 8), (200_000, 16, 32), (100_000, 64, 256), (50_000, 5, 20)]
#: Fränti's sets: beside the checkout (../shared), or where KMEANS_SIPU points.
SIPU = Path(
    os.environ.get("KMEANS_SIPU", Path(__file__).resolve().parents[2] / "shared/benchmarks/sipu")
)
BLAS_VARS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
ITERATIONS = 20


def blobs(n: int, d: int, k: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Float32 Gaussian blobs around k uniform centres, and k of its rows as initial centroids."""
    rng = np.random.default_rng([seed, n, d, k])
    centres = rng.uniform(-10, 10, size=(k, d))
    X = (centres[rng.integers(0, k, size=n)] + rng.normal(size=(n, d))).astype(np.float32)
    return X, X[rng.choice(n, k, replace=False)]


def sipu(name: str) -> np.ndarray:
    return np.loadtxt(SIPU / f"{name}.data.gz", dtype=np.float64)


# --- scikit-learn in a child process, so that its OpenBLAS can see another environment ------


def sklearn_child() -> None:
    """Serve fits as JSON lines on stdin/stdout: {"X": path, "init": path | "k-means++", ...}."""
    import threadpoolctl
    from sklearn.cluster import KMeans as SkKMeans

    info = threadpoolctl.threadpool_info()
    blas = sorted({f"{i['internal_api']} {i.get('architecture', '')}".strip() for i in info})
    print(json.dumps({"blas": ", ".join(blas)}), flush=True)
    cache: dict[str, np.ndarray] = {}
    for line in sys.stdin:
        job = json.loads(line)
        X = cache.setdefault(job["X"], np.load(job["X"]))
        init = job["init"] if job["init"] == "k-means++" else np.load(job["init"])
        model = SkKMeans(
            job["k"],
            init=init,
            n_init=job["n_init"],
            tol=job["tol"],
            max_iter=job["max_iter"],
            random_state=job["seed"],
            algorithm="lloyd",
        )
        start = time.perf_counter()
        model.fit(X)
        seconds = time.perf_counter() - start
        print(json.dumps({"s": seconds, "inertia": model.inertia_, "n_iter": model.n_iter_}))
        sys.stdout.flush()


class SklearnChild:
    """One scikit-learn child process, with the BLAS variables kept or removed."""

    def __init__(self, keep_blas_env: bool) -> None:
        env = dict(os.environ)
        if not keep_blas_env:
            for name in BLAS_VARS:
                env.pop(name, None)
        self.label = "as set" if keep_blas_env else "unset"
        self.proc = subprocess.Popen(
            [sys.executable, __file__, "--sklearn-child"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        self.blas = json.loads(self.proc.stdout.readline())["blas"]

    def fit(self, **job: object) -> dict:
        self.proc.stdin.write(json.dumps(job) + "\n")
        self.proc.stdin.flush()
        return json.loads(self.proc.stdout.readline())

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait()


def sklearn_children() -> list[SklearnChild]:
    """Both environments, or one child when this environment sets neither variable."""
    if not any(name in os.environ for name in BLAS_VARS):
        return [SklearnChild(keep_blas_env=False)]
    return [SklearnChild(keep_blas_env=True), SklearnChild(keep_blas_env=False)]


def settle() -> None:
    """Let the other processes' spinning thread pools go to sleep before a timed fit."""
    time.sleep(0.05)


def peak_sgemm_gflops() -> float:
    """Best float32 matrix-multiply rate of TensorFlow (oneDNN) and NumPy on this machine."""
    import tensorflow as tf

    n = 2048
    a = np.random.default_rng(0).standard_normal((n, n), dtype=np.float32)
    ta = tf.constant(a)
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        tf.matmul(ta, ta).numpy()
        best = min(best, time.perf_counter() - start)
    for _ in range(5):
        start = time.perf_counter()
        a @ a
        best = min(best, time.perf_counter() - start)
    return 2 * n**3 / best / 1e9


# --- the parts ----------------------------------------------------------------------------


def lloyd_part(children: list[SklearnChild], quick: bool, repeats: int, tmp: Path) -> None:
    from kmeans_gui.engine import KMeans, iterate

    peak = peak_sgemm_gflops()
    print(f"peak sgemm {peak:.0f} GFLOP/s (best of TensorFlow and NumPy, 2048^3)")
    names = [f"skl {c.label}" for c in children]
    print(
        f"{'N':>9} {'D':>3} {'K':>4} | {'fit s':>7} {'iter s':>7} "
        + " ".join(f"{n:>11}" for n in names)
        + f" | {'fit':>5} {'iter':>5} | {'ms/it':>6} {'skl':>6} {'floor':>6} {'x':>5}"
    )
    for n, d, k in SHAPES:
        n = n // 10 if quick else n
        X, init = blobs(n, d, k)
        paths = tmp / f"x{n}_{d}_{k}.npy", tmp / f"c{n}_{d}_{k}.npy"
        np.save(paths[0], X)
        np.save(paths[1], init)
        job = dict(X=str(paths[0]), init=str(paths[1]), k=k, n_init=1, tol=0.0, seed=0)
        job["max_iter"] = ITERATIONS

        def fit(X=X, k=k, init=init) -> object:
            return KMeans(k, init=init, tol=0.0, max_iter=ITERATIONS).fit(X)

        def stream(X=X, k=k, init=init) -> float:
            inertia = 0.0
            for state in iterate(X, k, init=init, tol=0.0, max_iter=ITERATIONS):
                state.labels.sum(), state.centroids.sum()  # consumed, as the window does
                inertia = state.inertia
            return inertia

        model = fit()
        stream()
        for child in children:
            child.fit(**job)  # warm-up
        best = {"fit": np.inf, "iter": np.inf, **{name: np.inf for name in names}}
        ref = {}
        for _ in range(repeats):
            settle()
            start = time.perf_counter()
            model = fit()
            best["fit"] = min(best["fit"], time.perf_counter() - start)
            settle()
            start = time.perf_counter()
            stream()
            best["iter"] = min(best["iter"], time.perf_counter() - start)
            for name, child in zip(names, children, strict=True):
                settle()
                ref = child.fit(**job)
                best[name] = min(best[name], ref["s"])
        skl = min(best[name] for name in names)
        passes = ITERATIONS + 1
        ms, skl_ms = 1e3 * best["fit"] / passes, 1e3 * skl / passes
        floor = 1e3 * 2 * n * k * d / (peak * 1e9)
        rel = abs(model.inertia_ - ref["inertia"]) / ref["inertia"]
        print(
            f"{n:>9} {d:>3} {k:>4} | {best['fit']:>7.3f} {best['iter']:>7.3f} "
            + " ".join(f"{best[name]:>11.3f}" for name in names)
            + f" | {best['fit'] / skl:>5.2f} {best['iter'] / skl:>5.2f} | {ms:>6.2f} "
            f"{skl_ms:>6.2f} {floor:>6.2f} {ms / floor:>5.1f}   inertia rel diff {rel:.1e}",
            flush=True,
        )
    print(
        "fit, iter: engine / faster scikit-learn (targets <= 0.8 and <= 1.0); ms/it: per pass "
        f"({ITERATIONS} iterations + the final pass); x: engine ms/it over the GEMM floor"
    )


def small_part(children: list[SklearnChild], repeats: int, tmp: Path) -> None:
    from kmeans_gui.engine import KMeans

    names = [f"skl {c.label}" for c in children]
    print(
        f"{'set':>7} {'N':>7} {'K':>4} | {'first s':>7} {'engine s':>8} "
        + " ".join(f"{n:>11}" for n in names)
        + f" | {'ratio':>5} | {'mean inertia engine / sklearn':>29}"
    )
    seeds = range(5)
    for name, k in SMALL:
        X = sipu(name)
        path = tmp / f"{name}.npy"
        np.save(path, X)
        start = time.perf_counter()
        KMeans(k, n_init=10, seed=100).fit(X)
        first = time.perf_counter() - start
        for child in children:
            child.fit(
                X=str(path), init="k-means++", k=k, n_init=10, tol=1e-4, max_iter=300, seed=100
            )
        best = {(side, s): np.inf for side in ["engine", *names] for s in seeds}
        inertia: dict[str, list[float]] = {"engine": [], "sklearn": []}
        for r in range(repeats):
            for s in seeds:
                settle()
                start = time.perf_counter()
                model = KMeans(k, n_init=10, seed=s).fit(X)
                best["engine", s] = min(best["engine", s], time.perf_counter() - start)
                for side, child in zip(names, children, strict=True):
                    settle()
                    job = dict(init="k-means++", k=k, n_init=10, tol=1e-4, max_iter=300, seed=s)
                    out = child.fit(X=str(path), **job)
                    best[side, s] = min(best[side, s], out["s"])
                if r == 0:
                    inertia["engine"].append(model.inertia_)
                    inertia["sklearn"].append(out["inertia"])
        total = {side: sum(best[side, s] for s in seeds) for side in ["engine", *names]}
        skl = min(total[side] for side in names)
        quality = np.mean(inertia["engine"]) / np.mean(inertia["sklearn"])
        print(
            f"{name:>7} {len(X):>7} {k:>4} | {first:>7.2f} {total['engine']:>8.3f} "
            + " ".join(f"{total[side]:>11.3f}" for side in names)
            + f" | {total['engine'] / skl:>5.2f} | {quality:>29.4f}",
            flush=True,
        )
    print(
        "seconds: five seeds, each the best of the rounds; k-means++, n_init=10, tol=1e-4; "
        "first: the engine's first fit of the set (compilation included). Target ratio <= 1.0"
    )


def first_fit_child(side: str, shape: str) -> None:
    if shape in dict(SMALL):
        X, k, n_init = sipu(shape), dict(SMALL)[shape], 10
    else:
        n, d, k = map(int, shape.split("x"))
        X, n_init = blobs(n, d, k)[0], 1
    if side == "engine":
        from kmeans_gui.engine import KMeans

        model = KMeans(k, seed=0, tol=1e-4, n_init=n_init)
    else:
        from sklearn.cluster import KMeans as SkKMeans

        model = SkKMeans(k, random_state=0, tol=1e-4, n_init=n_init)
    with PeakMemory() as mem:
        start = time.perf_counter()
        model.fit(X)
        seconds = time.perf_counter() - start
    print(json.dumps({"s": seconds, "mb": mem.extra_mb}))


def first_part(quick: bool, repeats: int) -> None:
    print(f"{'shape':>15} | {'engine s':>8} {'sklearn s':>9} | {'eng +MB':>7} {'skl +MB':>7}")
    shapes = [f"{n // 10 if quick else n}x{d}x{k}" for n, d, k in FIRST] + ["a3"]
    for shape in shapes:
        out = {}
        for side in ("engine", "sklearn"):
            runs = []
            for _ in range(repeats):
                proc = subprocess.run(
                    [sys.executable, __file__, "--first-child", side, shape],
                    check=True,
                    capture_output=True,
                    text=True,
                )
                runs.append(json.loads(proc.stdout.splitlines()[-1]))
            out[side] = min(runs, key=lambda r: r["s"])
        print(
            f"{shape:>15} | {out['engine']['s']:>8.2f} {out['sklearn']['s']:>9.2f} | "
            f"{out['engine']['mb']:>7.1f} {out['sklearn']['mb']:>7.1f}",
            flush=True,
        )
    print("first fit of a new shape in a fresh process, k-means++ (n_init 10 on a3), best of runs")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="divide N by 10")
    parser.add_argument("--repeats", type=int, default=5, help="rounds (best of)")
    parser.add_argument("--parts", default="lloyd,small,first", help="comma-separated")
    parser.add_argument("--sklearn-child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--first-child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.sklearn_child:
        sklearn_child()
        return
    if args.first_child:
        first_fit_child(*args.first_child)
        return
    parts = args.parts.split(",")
    load = os.getloadavg()
    blas_env = {name: os.environ[name] for name in BLAS_VARS if name in os.environ}
    print(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}, {os.cpu_count()} CPUs")
    print(f"OpenBLAS variables set here: {blas_env or 'none'}")
    with tempfile.TemporaryDirectory() as tmp:
        children = sklearn_children() if {"lloyd", "small"} & set(parts) else []
        for child in children:
            print(f"scikit-learn, OpenBLAS variables {child.label}: {child.blas}")
        try:
            if "lloyd" in parts:
                lloyd_part(children, args.quick, args.repeats, Path(tmp))
            if "small" in parts:
                small_part(children, max(1, args.repeats // 2), Path(tmp))
        finally:
            for child in children:
                child.close()
    if "first" in parts:
        first_part(args.quick, max(1, min(3, args.repeats)))
    load = os.getloadavg()
    print(f"load average at the end {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")


if __name__ == "__main__":
    main()
