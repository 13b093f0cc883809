"""``KMeans.fit`` runs Lloyd's iterations in one compiled loop (``engine/lloyd_loop.py``):
its result is the final state of ``iterate()``, which returns to Python after every pass."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.cluster import KMeans as SkKMeans
from sklearn.datasets import make_blobs

from kmeans_gui.engine import KMeans, iterate


def _blobs(n=6000, k=20, d=5, seed=0, offset=0.0):
    X, _ = make_blobs(n_samples=n, centers=k, n_features=d, cluster_std=1.5, random_state=seed)
    return X + offset


def _clashing_start(X: np.ndarray, k: int) -> np.ndarray:
    """k rows with the last two equal: one of them is left empty by the first pass."""
    init = X[np.random.default_rng(2).choice(len(X), k, replace=False)]
    init[-1] = init[-2]
    return init


CASES = {
    "blobs, direct distances": dict(X=_blobs(d=2), n_clusters=20),
    "blobs, GEMM distances": dict(X=_blobs(), n_clusters=20),
    "far from origin": dict(X=_blobs(offset=1e5, d=3), n_clusters=12),
    "weighted": dict(
        X=_blobs(seed=1), n_clusters=16, sample_weight=np.random.default_rng(1).uniform(0, 3, 6000)
    ),
    "cosine": dict(X=_blobs(seed=2, offset=3.0), n_clusters=18, metric="cosine"),
    "float32 wide": dict(X=_blobs(n=4000, k=24, d=40, seed=3).astype(np.float32), n_clusters=24),
    "tol stop": dict(X=_blobs(seed=4), n_clusters=9, tol=1e-2),
    "max_iter stop": dict(X=_blobs(seed=5), n_clusters=30, tol=0.0, max_iter=3),
    "empty cluster repaired, direct": dict(
        X=_blobs(n=3000, k=16, d=2, seed=6),
        n_clusters=17,
        init=_clashing_start(_blobs(n=3000, k=16, d=2, seed=6), 17),
    ),
    "empty cluster repaired, GEMM": dict(
        X=_blobs(n=3000, k=16, seed=6),
        n_clusters=17,
        init=_clashing_start(_blobs(n=3000, k=16, seed=6), 17),
    ),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_fit_is_the_final_state_of_iterate(case: str) -> None:
    kwargs = dict(CASES[case])
    X, k = kwargs.pop("X"), kwargs.pop("n_clusters")
    weight = kwargs.pop("sample_weight", None)
    kwargs.setdefault("seed", 3)
    states = list(iterate(X, k, sample_weight=weight, **kwargs))
    final = states[-1]
    fitted = KMeans(k, **kwargs).fit(X, sample_weight=weight)
    np.testing.assert_array_equal(fitted.labels_, final.labels)
    np.testing.assert_allclose(fitted.cluster_centers_, final.centroids, rtol=1e-12, atol=1e-9)
    assert fitted.inertia_ == pytest.approx(final.inertia, rel=1e-12)
    assert (fitted.n_iter_, fitted.converged_) == (final.n_iter, final.converged)
    assert fitted.n_relocated_ == final.n_relocated
    if case.startswith("empty"):
        assert sum(s.n_relocated for s in states) >= 1  # the repair really ran


def test_fit_with_on_state_sees_the_states_of_iterate() -> None:
    X = _blobs(seed=8)
    seen = []
    KMeans(20, seed=1).fit(X, on_state=seen.append)
    streamed = list(iterate(X, 20, seed=1))
    assert [s.iteration for s in seen] == [s.iteration for s in streamed]
    np.testing.assert_array_equal(seen[-1].labels, streamed[-1].labels)


@pytest.mark.parametrize("d", [3, 8, 64])  # direct, GEMM and bounded passes (engine/bounded.py)
def test_fit_matches_scikit_learn_at_k_32(d: int) -> None:
    X = _blobs(n=20000, k=32, d=d, seed=4)
    init = X[np.random.default_rng(0).choice(len(X), 32, replace=False)]
    ours = KMeans(32, init=init, tol=0.0).fit(X)
    ref = SkKMeans(32, init=init, n_init=1, tol=0.0, algorithm="lloyd").fit(X)
    np.testing.assert_array_equal(ours.labels_, ref.labels_)
    assert ours.n_iter_ == ref.n_iter_
    assert ours.inertia_ == pytest.approx(ref.inertia_, rel=1e-6)
    np.testing.assert_allclose(ours.cluster_centers_, ref.cluster_centers_, rtol=1e-6, atol=1e-9)
