"""Every algorithm of the engine against its reference, one row each, in one run.

Run by hand (not in CI):  .venv/bin/python benchmarks/algorithms.py [--quick]

Each row fits the same data from the same initial centres (the engine's k-means++) on both
sides, after one warm-up fit each (TensorFlow traces and compiles once per shape and process;
that is not timed), and prints the wall-time ratio engine / reference and the inertia ratio
engine / reference (1.00 = same quality, below 1 = better). References: scikit-learn's KMeans
(lloyd) for ``lloyd`` and ``gradient`` (which converges to Lloyd's fixed points), for
weighted k-means (the same integer weights on both sides) and for restarts (``n_init=4``
k-means++ on both sides, each with its own seeds: a quality comparison more than a timing),
MiniBatchKMeans for ``minibatch`` (median time and median inertia over seven seeds: one
mini-batch run is noisy), a loop of KMeans + silhouette_score for the sweep over k, and
brute-force NumPy (float64, full pairwise matrices) for k-medoids and spherical k-means, which
scikit-learn does not have. A mini-batch row at N = 1e6, D = 2, k = 8 also prints the engine's
Lloyd for comparison. A last line times k-medoids iterations on a million rows, where medoids
are sampled.
"""

from __future__ import annotations

import argparse
import os
import time
import warnings
from collections.abc import Callable

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np
from sklearn.cluster import KMeans as SkKMeans
from sklearn.cluster import MiniBatchKMeans
from sklearn.metrics import silhouette_score

from kmeans_gui.engine import KMeans, SampledMedoidsWarning, iterate, silhouette, sweep
from kmeans_gui.engine.init import kmeans_plusplus
from kmeans_gui.engine.prepare import prepare_input


def blobs(n: int, d: int, k: int, rng: np.random.Generator) -> np.ndarray:
    """Overlapping Gaussian blobs (spread 4 between centres in [-10, 10]^d), off the origin."""
    centres = rng.uniform(-10, 10, size=(k, d))
    X = centres[rng.integers(0, k, size=n)] + 4.0 * rng.normal(size=(n, d)) + 100.0
    return X.astype(np.float32)


def seeding(X: np.ndarray, k: int, metric: str = "euclidean", seed: int = 0) -> np.ndarray:
    """The engine's greedy k-means++ centres, given to both sides as the same start."""
    data, _ = prepare_input(X, k, None, "cpu", metric=metric)
    return kmeans_plusplus(data, k, np.random.default_rng(seed)) + data.offset


def best_time(fit: Callable[[], object], repeats: int) -> tuple[float, object]:
    fit()  # warm-up: tracing, compilation, thread pools
    best, result = float("inf"), None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fit()
        best = min(best, time.perf_counter() - start)
    return best, result


def row(name: str, ours: tuple[float, float], ref: tuple[float, float], note: str = "") -> None:
    (t_o, q_o), (t_r, q_r) = ours, ref
    print(
        f"{name:<34} | {t_o:>8.3f} {t_r:>8.3f} {t_o / t_r:>6.2f} | {q_o / q_r:>7.4f}  {note}",
        flush=True,
    )


def brute_kmedoids(X: np.ndarray, medoids: np.ndarray, max_iter: int = 100) -> float:
    """Alternating k-medoids with the full N x N Euclidean matrix, float64; returns the cost."""
    X = X.astype(np.float64)
    sq = (X**2).sum(axis=1)
    D = np.sqrt(np.maximum(sq[:, None] + sq[None] - 2 * X @ X.T, 0.0))
    medoids = medoids.copy()
    for _ in range(max_iter):
        labels = D[:, medoids].argmin(axis=1)
        new = medoids.copy()
        for c in range(len(medoids)):
            members = np.flatnonzero(labels == c)
            cost = D[np.ix_(members, members)].sum(axis=1)
            if cost.min() < cost[np.flatnonzero(members == medoids[c])[0]]:
                new[c] = members[np.argmin(cost)]
        if (new == medoids).all():
            break
        medoids = new
    return float(D[:, medoids].min(axis=1).sum())


def brute_spherical(X: np.ndarray, init: np.ndarray, max_iter: int = 300) -> float:
    """Spherical k-means in float64 NumPy; returns sum(1 - cos)."""
    U = X / np.linalg.norm(X, axis=1, keepdims=True)
    C = init / np.linalg.norm(init, axis=1, keepdims=True)
    labels = None
    for _ in range(max_iter):
        new = (U @ C.T).argmax(axis=1)
        if labels is not None and (new == labels).all():
            break
        labels = new
        S = np.zeros_like(C)
        np.add.at(S, labels, U)
        norms = np.linalg.norm(S, axis=1, keepdims=True)
        C = np.where(norms > 0, S / np.where(norms > 0, norms, 1), C)
    return float((1.0 - (U @ C.T).max(axis=1)).sum())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="divide the sizes by 10")
    parser.add_argument("--repeats", type=int, default=3, help="timed fits per side (best)")
    args = parser.parse_args()
    scale = 10 if args.quick else 1
    r = args.repeats
    rng = np.random.default_rng(0)
    print(f"{'algorithm (data)':<34} | {'engine s':>8} {'ref s':>8} {'time':>6} | {'inertia':>7}")

    n, d, k = 200_000 // scale, 8, 16
    X = blobs(n, d, k, rng)
    init = seeding(X, k)
    sk = partial_fit(SkKMeans(k, init=init, n_init=1, algorithm="lloyd"), X)
    t_ref, ref = best_time(sk, r)
    for name, kwargs in [
        ("lloyd", {}),
        ("gradient sgd", {"algorithm": "gradient"}),
        ("gradient adam", {"algorithm": "gradient", "optimizer": "adam"}),
    ]:
        t, ours = best_time(partial_fit(KMeans(k, init=init, **kwargs), X), r)
        row(
            f"{name} ({n}x{d}, k={k})",
            (t, ours.inertia_),
            (t_ref, ref.inertia_),
            f"vs sklearn KMeans; iterations {ours.n_iter_} vs {ref.n_iter_}",
        )

    weights = rng.integers(1, 11, size=n).astype(np.float64)
    t, ours = best_time(lambda: KMeans(k, init=init).fit(X, sample_weight=weights), r)
    sk_w = SkKMeans(k, init=init, n_init=1, algorithm="lloyd")
    t_r, theirs = best_time(lambda: sk_w.fit(X, sample_weight=weights), r)
    row(
        f"lloyd weighted ({n}x{d}, k={k})",
        (t, ours.inertia_),
        (t_r, theirs.inertia_),
        f"weights 1..10; iterations {ours.n_iter_} vs {theirs.n_iter_}",
    )

    t, ours = best_time(partial_fit(KMeans(k, n_init=4, seed=0), X), r)
    t_r, theirs = best_time(partial_fit(SkKMeans(k, n_init=4, random_state=0), X), r)
    row(
        f"lloyd n_init=4 ({n}x{d}, k={k})",
        (t, ours.inertia_),
        (t_r, theirs.inertia_),
        "k-means++ restarts on both sides (own seeds)",
    )

    minibatch_row(f"minibatch ({n}x{d}, k={k})", X, k, init, seeds=7)
    X6 = blobs(1_000_000 // scale, 2, 8, rng)
    init6 = seeding(X6, 8)
    t_l, lloyd6 = best_time(partial_fit(KMeans(8, init=init6), X6), r)
    minibatch_row(
        f"minibatch ({len(X6)}x2, k=8)",
        X6,
        8,
        init6,
        seeds=7,
        note=f"; engine lloyd {t_l:.3f} s, inertia {lloyd6.inertia_:.5g}",
    )

    ns = 50_000 // scale
    Xs, ks, sample_size = X[:ns], range(2, 11), 5_000 // scale
    t, points = best_time(lambda: list(sweep(Xs, ks, seed=0, silhouette_sample=sample_size)), 1)
    t_r, ref_points = best_time(lambda: sklearn_sweep(Xs, ks, sample_size), 1)
    row(
        f"sweep k=2..10 ({ns}x{d})",
        (t, sum(p.inertia for p in points)),
        (t_r, sum(i for i, _ in ref_points)),
        "vs sklearn KMeans + silhouette_score per k (summed inertia); best k by silhouette "
        f"{max(points, key=lambda p: p.silhouette).k} vs "
        f"{list(ks)[int(np.argmax([s for _, s in ref_points]))]}",
    )

    directions = blobs(n, d, k, rng) - 100.0
    init_dir = seeding(directions, k, metric="cosine")
    t, ours = best_time(partial_fit(KMeans(k, init=init_dir, metric="cosine"), directions), r)
    t_r, cost = best_time(lambda: brute_spherical(directions.astype(np.float64), init_dir), 1)
    row(
        f"lloyd cosine ({n}x{d}, k={k})",
        (t, ours.inertia_),
        (t_r, cost),
        "vs NumPy spherical k-means",
    )

    m, km = 4000 // scale * 2, 8
    small = blobs(m, 2, km, rng)
    start = np.array([np.flatnonzero((small == c).all(axis=1))[0] for c in seeding(small, km)])
    t, ours = best_time(partial_fit(KMeans(km, init=small[start], algorithm="kmedoids"), small), r)
    t_r, cost = best_time(lambda: brute_kmedoids(small, start), 1)
    row(
        f"kmedoids ({m}x2, k={km})",
        (t, ours.inertia_),
        (t_r, cost),
        "vs NumPy brute force (N x N matrix)",
    )

    sample = X[: 10_000 // scale]
    labels = KMeans(k, init=init).fit(X).labels_[: len(sample)]
    t, ours_s = best_time(lambda: silhouette(sample, labels), r)
    t_r, ref_s = best_time(lambda: silhouette_score(sample, labels), r)
    row(
        f"silhouette ({len(sample)}x{d}, k={k})",
        (t, ours_s),
        (t_r, ref_s),
        "vs sklearn silhouette_score (ratio of values)",
    )

    big = blobs(1_000_000 // scale, 2, km, rng)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", SampledMedoidsWarning)
        states = iterate(big, km, algorithm="kmedoids", seed=0, max_iter=3)
        start_t = time.perf_counter()
        first, second = next(states), next(states)
        seconds = time.perf_counter() - start_t
        states.close()
    sampled = any(issubclass(w.category, SampledMedoidsWarning) for w in caught)
    print(
        f"kmedoids ({len(big)}x2, k={km}): iterations of {first.seconds:.2f} s and "
        f"{second.seconds:.2f} s ({seconds:.1f} s with data preparation and k-means++), "
        f"sampled medoids: {sampled}, cost {first.inertia:.4g} -> {second.inertia:.4g}",
        flush=True,
    )


def minibatch_row(
    name: str, X: np.ndarray, k: int, init: np.ndarray, seeds: int, note: str = ""
) -> None:
    """Median time and median inertia over ``seeds`` runs on each side, same batch size."""
    times_o, times_r, inert_o, inert_r = [], [], [], []
    for seed in range(seeds):
        mb = KMeans(k, init=init, seed=seed, algorithm="minibatch", batch_size=1024)
        t, ours = best_time(partial_fit(mb, X), 1)
        skm = MiniBatchKMeans(k, init=init, n_init=1, batch_size=1024, random_state=seed)
        t_r, theirs = best_time(partial_fit(skm, X), 1)
        times_o.append(t), times_r.append(t_r)
        inert_o.append(ours.inertia_), inert_r.append(theirs.inertia_)
    row(
        name,
        (float(np.median(times_o)), float(np.median(inert_o))),
        (float(np.median(times_r)), float(np.median(inert_r))),
        f"vs sklearn MiniBatchKMeans, median of {seeds} seeds{note}",
    )


def sklearn_sweep(X: np.ndarray, ks: range, sample_size: int) -> list[tuple[float, float]]:
    """scikit-learn's equivalent of ``engine.sweep``: a fit and a sampled silhouette per k."""
    rows = np.random.default_rng(0).choice(len(X), sample_size, replace=False)
    out = []
    for k in ks:
        model = SkKMeans(k, n_init=1, random_state=0).fit(X)
        out.append((model.inertia_, silhouette_score(X[rows], model.labels_[rows])))
    return out


def partial_fit(model: object, X: np.ndarray) -> Callable[[], object]:
    return lambda: model.fit(X)  # type: ignore[attr-defined]


if __name__ == "__main__":
    main()
