"""Clustering quality on Fränti's benchmark sets: k-means++ x 10 against the swap refinement.

Run by hand (not in CI):  .venv/bin/python benchmarks/quality.py [--sets a1,a3] [--seeds 10]
[--repeats 2] [--no-plain]

For every set in ../shared/benchmarks/sipu (or $KMEANS_SIPU) and seeds 0..N-1, each method's
SSE divided by the ground truth's, and the centroid index CI (Fränti & Sieranoja 2018: the
number of ground-truth centres no fitted centroid is nearest to, and the other way round; the
larger of the two). The ground truth is Lloyd in float64 from the true class means (the sets'
README defines it so), computed here with scikit-learn (``tol=0``).

Methods: the engine's and scikit-learn's k-means++ with ``n_init=10``; scikit-learn runs in
child processes, one with OpenBLAS as this environment sets it and one with
``OPENBLAS_CORETYPE`` and ``OPENBLAS_L2_SIZE`` removed (only one child when neither is set),
and the faster is the reference. ``refine="swap"`` with its default budget (one k-means++
start, ``n_init=1``), and plain random swap (Fränti's uniform choices) with the same number of
trials, to show what the smarter trial choices buy.

Timing: one warm-up fit per method and set first (tracing and compilation, reported as
"first s" for the engine's swap run); then rounds in which every method fits every seed in
turn, so load hits all of them alike; each seed's best of the rounds, summed over the seeds.
Targets for the swap refinement: CI = 0 and SSE <= 1.001 x ground truth on every seed, in at
most 3 x the wall time of scikit-learn's k-means++ x 10.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np
from engine import BLAS_VARS, SIPU, SklearnChild, settle, sipu, sklearn_children
from sklearn.cluster import KMeans as SkKMeans

from kmeans_gui.engine import KMeans
from kmeans_gui.engine.api import restart_generators
from kmeans_gui.engine.init import initial_centroids
from kmeans_gui.engine.lloyd_loop import lloyd_result
from kmeans_gui.engine.prepare import prepare_input
from kmeans_gui.engine.refine import refined
from kmeans_gui.engine.refine_options import default_budget

SETS = ["a1", "a2", "a3", "s1", "s2", "s3", "s4", "unbalance", "birch1", "birch2"]
MAX_SSE_RATIO = 1.001
MAX_TIME_RATIO = 3.0


def ground_truth(X: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, float]:
    """Lloyd in float64 from the true class means: the centres and their SSE."""
    k = int(labels.max()) + 1
    means = np.stack([X[labels == j].mean(axis=0) for j in range(k)])
    model = SkKMeans(k, init=means, n_init=1, tol=0.0, max_iter=10_000).fit(X)
    return model.cluster_centers_, float(model.inertia_)


def centroid_index(found: np.ndarray, truth: np.ndarray) -> int:
    """Fränti's CI: centres of one set that no centre of the other has as its nearest, both
    ways, the larger count."""

    def orphans(a: np.ndarray, b: np.ndarray) -> int:
        nearest = ((a[:, None, :] - b[None]) ** 2).sum(axis=2).argmin(axis=1)
        return len(b) - np.unique(nearest).size

    return max(orphans(found, truth), orphans(truth, found))


def sse(X: np.ndarray, centres: np.ndarray) -> float:
    """SSE of X to its nearest centre, in float64, a block of rows at a time."""
    total = 0.0
    for start in range(0, len(X), 8192):
        rows = X[start : start + 8192]
        total += ((rows[:, None, :] - centres[None]) ** 2).sum(axis=2).min(axis=1).sum()
    return float(total)


def plain_random_swap(X: np.ndarray, k: int, seed: int) -> tuple[np.ndarray, int]:
    """``refine="swap"`` with Fränti's uniform choices (a random centroid, a random row) and
    the same default budget; the centres and the trials run."""
    data, k = prepare_input(X, k, None, "auto")
    rng = restart_generators(seed, 1)[0]
    lloyd = lloyd_result(data, initial_centroids(data, k, "k-means++", rng), tol=1e-4, max_iter=300)
    states = refined(
        lloyd, data, budget=default_budget(k), seed=rng.integers(0, 2**62, size=2),
        tol=1e-4, max_iter=300, metric="euclidean", final_only=True, choice="random",
    )  # fmt: skip
    final = list(states)[-1]
    return final.centroids, final.n_trials


@dataclass
class Method:
    name: str
    fit: Callable[[int], tuple[float, np.ndarray, int]]  # seed -> (seconds, centres, trials)
    best: dict[int, float] = field(default_factory=dict)
    centres: dict[int, np.ndarray] = field(default_factory=dict)
    trials: dict[int, int] = field(default_factory=dict)

    def run(self, seed: int) -> None:
        settle()
        seconds, centres, trials = self.fit(seed)
        self.best[seed] = min(self.best.get(seed, np.inf), seconds)
        self.centres.setdefault(seed, centres)
        self.trials.setdefault(seed, trials)

    def total(self) -> float:
        return float(sum(self.best.values()))


def timed(fit: Callable[[], tuple[np.ndarray, int]]) -> tuple[float, np.ndarray, int]:
    start = time.perf_counter()
    centres, trials = fit()
    return time.perf_counter() - start, centres, trials


def engine_method(name: str, X: np.ndarray, k: int, **kwargs: object) -> Method:
    def fit(seed: int) -> tuple[float, np.ndarray, int]:
        def run() -> tuple[np.ndarray, int]:
            model = KMeans(k, seed=seed, **kwargs).fit(X)
            return model.cluster_centers_, model.n_trials_

        return timed(run)

    return Method(name, fit)


def child_method(child: SklearnChild, path: Path, k: int) -> Method:
    def fit(seed: int) -> tuple[float, np.ndarray, int]:
        job = dict(init="k-means++", k=k, n_init=10, tol=1e-4, max_iter=300, seed=seed)
        out = child.fit(X=str(path), **job)
        return out["s"], np.asarray(out["centers"]), 0

    return Method(f"scikit-learn k-means++ x10, OpenBLAS {child.label}", fit)


def one_set(name: str, children: list[SklearnChild], args: argparse.Namespace, tmp: Path) -> bool:
    X = sipu(name)
    labels = np.loadtxt(SIPU / f"{name}.labels0.gz", dtype=np.int64) - 1
    truth, truth_sse = ground_truth(X, labels)
    k = len(truth)
    path = tmp / f"{name}.npy"
    np.save(path, X)
    swap = engine_method("refine='swap' (default budget), n_init=1", X, k, refine="swap")
    skl = [child_method(child, path, k) for child in children]
    restarts = engine_method("engine k-means++ x10", X, k, n_init=10)
    methods = [restarts, *skl, swap]
    if args.plain:
        plain = Method(
            "plain random swap (same budget rule)",
            lambda s: timed(lambda: plain_random_swap(X, k, s)),
        )
        methods.append(plain)
    first = {}
    for method in methods:  # warm-up: tracing, compilation, thread pools (not timed)
        first[method.name], *_ = method.fit(1000)
    seeds = range(args.seeds)
    for _ in range(args.repeats):
        for seed in seeds:
            for method in methods:
                method.run(seed)
    reference = min(skl, key=Method.total)
    load = os.getloadavg()[0]
    print(f"\n{name}: n = {len(X):,}, k = {k}, ground-truth SSE {truth_sse:.5g}; load {load:.1f}")
    print(
        f"  {'method':<44} {'SSE/GT max':>10} {'mean':>7} {'CI>0':>5} {'CI max':>6} "
        f"{'trials':>11} {'s':>8}"
    )
    for method in methods:
        ratios = [sse(X, method.centres[s]) / truth_sse for s in seeds]
        ci = [centroid_index(method.centres[s], truth) for s in seeds]
        trials = [method.trials[s] for s in seeds]
        spread = f"{min(trials)}-{max(trials)}" if max(trials) else "-"
        print(
            f"  {method.name:<44} {max(ratios):>10.4f} {np.mean(ratios):>7.4f} "
            f"{sum(c > 0 for c in ci):>2}/{len(ci):<2} {max(ci):>6} {spread:>11} "
            f"{method.total():>8.3f}"
        )
        if method is swap:
            swap_ratios, swap_ci = ratios, ci
    time_ratio = swap.total() / reference.total()
    ok_quality = max(swap_ci) == 0 and max(swap_ratios) <= MAX_SSE_RATIO
    ok_time = time_ratio <= MAX_TIME_RATIO
    print(
        f"  swap: CI = 0 on {sum(c == 0 for c in swap_ci)}/{len(swap_ci)} seeds, "
        f"SSE <= {MAX_SSE_RATIO} x GT on {sum(r <= MAX_SSE_RATIO for r in swap_ratios)}/"
        f"{len(swap_ratios)}; time {time_ratio:.2f} x scikit-learn's best "
        f"(target <= {MAX_TIME_RATIO:g}), {swap.total() / restarts.total():.2f} x the engine's; "
        f"first swap fit {first[swap.name]:.2f} s "
        f"-> {'PASS' if ok_quality and ok_time else 'FAIL'}",
        flush=True,
    )
    return ok_quality and ok_time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", default=",".join(SETS), help="comma-separated")
    parser.add_argument("--seeds", type=int, default=10, help="seeds 0 .. N-1")
    parser.add_argument("--repeats", type=int, default=2, help="timing rounds (best of)")
    parser.add_argument("--no-plain", dest="plain", action="store_false", help="skip plain swap")
    args = parser.parse_args()
    load = os.getloadavg()
    blas_env = {name: os.environ[name] for name in BLAS_VARS if name in os.environ}
    print(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}, {os.cpu_count()} CPUs")
    print(f"OpenBLAS variables set here: {blas_env or 'none'}")
    passed = []
    with tempfile.TemporaryDirectory() as tmp:
        children = sklearn_children()
        try:
            for child in children:
                print(f"scikit-learn, OpenBLAS variables {child.label}: {child.blas}")
            for name in args.sets.split(","):
                passed.append((name, one_set(name, children, args, Path(tmp))))
        finally:
            for child in children:
                child.close()
    load = os.getloadavg()
    print(f"\nload average at the end {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    failed = [name for name, ok in passed if not ok]
    print(f"targets met on {len(passed) - len(failed)} of {len(passed)} sets" + (
        f"; not on {', '.join(failed)}" if failed else ""
    ))  # fmt: skip
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
