"""k-medoids: exact medoids against brute force, centres are rows, bounded memory, sampling."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from sklearn.datasets import make_blobs

from kmeans_gui.engine import KMeans, KMeansInputError, SampledMedoidsWarning, iterate
from kmeans_gui.engine import kmedoids as kmedoids_module


def _distances(A: np.ndarray, B: np.ndarray, metric: str) -> np.ndarray:
    if metric == "manhattan":
        return np.abs(A[:, None, :] - B[None]).sum(axis=2)
    if metric == "cosine":
        a = A / np.linalg.norm(A, axis=1, keepdims=True)
        b = B / np.linalg.norm(B, axis=1, keepdims=True)
        return 1.0 - a @ b.T
    return np.sqrt(((A[:, None, :] - B[None]) ** 2).sum(axis=2))


def brute_force_kmedoids(X, w, medoids, metric, max_iter=100):
    """Alternating k-medoids in float64 with full pairwise matrices (small data only)."""
    medoids = np.array(medoids)
    for _ in range(max_iter):
        labels = _distances(X, X[medoids], metric).argmin(axis=1)
        new = medoids.copy()
        for c in range(len(medoids)):
            members = np.flatnonzero(labels == c)
            cost = _distances(X[members], X[members], metric) @ w[members]
            if cost.min() < cost[np.flatnonzero(members == medoids[c])[0]]:
                new[c] = members[np.argmin(cost)]
        if (new == medoids).all():
            break
        medoids = new
    labels = _distances(X, X[medoids], metric).argmin(axis=1)
    return medoids, labels, float(w @ _distances(X, X[medoids], metric).min(axis=1))


@pytest.fixture(scope="module")
def blobs() -> np.ndarray:
    X, _ = make_blobs(n_samples=300, centers=4, n_features=3, random_state=5, cluster_std=2.0)
    return X * 10.0 - 500.0


@pytest.mark.parametrize("metric", ["euclidean", "manhattan", "cosine"])
def test_exact_medoids_match_brute_force(blobs, metric) -> None:
    X = blobs + (800.0 if metric == "cosine" else 0.0)  # cosine wants directions to differ
    start = np.array([0, 1, 2, 3])
    w = np.ones(len(X))
    medoids, labels, cost = brute_force_kmedoids(X, w, start, metric)
    fit = KMeans(4, init=X[start], algorithm="kmedoids", metric=metric, tol=0.0).fit(X)
    np.testing.assert_array_equal(fit.labels_, labels)
    expected = X[medoids]
    if metric == "cosine":  # centres are the medoid rows at unit length
        expected = expected / np.linalg.norm(expected, axis=1, keepdims=True)
    np.testing.assert_allclose(fit.cluster_centers_, expected, rtol=1e-12)
    assert fit.inertia_ == pytest.approx(cost, rel=1e-5)
    assert fit.converged_


def test_every_state_is_consistent_and_centres_are_rows(blobs) -> None:
    states = list(iterate(blobs, 4, algorithm="kmedoids", init="uniform", seed=3))
    assert states[-1].final and states[-1].converged
    for s in states:
        # exact rows of X, bit for bit, even from centres that started off the data
        assert all((blobs == c).all(axis=1).any() for c in s.centroids)
        d = _distances(blobs, s.centroids, "euclidean")
        np.testing.assert_array_equal(s.labels, d.argmin(axis=1))
        assert s.inertia == pytest.approx(d.min(axis=1).sum(), rel=1e-5)  # summed distances
    inertias = [s.inertia for s in states]
    assert all(b <= a * (1 + 1e-6) for a, b in itertools.pairwise(inertias))


def test_large_clusters_sample_candidates_and_say_so(blobs) -> None:
    exact = KMeans(4, init=blobs[:4], algorithm="kmedoids").fit(blobs)
    with pytest.warns(SampledMedoidsWarning, match="max_candidates=20"):
        states = list(
            iterate(blobs, 4, init=blobs[:4], algorithm="kmedoids", max_candidates=20, seed=0)
        )
    final = states[-1]
    assert all((blobs == c).all(axis=1).any() for c in final.centroids)
    assert all(b.inertia <= a.inertia * (1 + 1e-6) for a, b in itertools.pairwise(states))
    assert final.inertia == pytest.approx(exact.inertia_, rel=0.05)


def test_pairwise_sums_are_tiled_but_exact(monkeypatch) -> None:
    rng = np.random.default_rng(0)
    members = rng.normal(size=(300, 5))
    weights = rng.uniform(0, 2, 300)
    candidates = members[:150]
    monkeypatch.setattr(kmedoids_module, "_TILE_CANDIDATES", 64)
    monkeypatch.setattr(kmedoids_module, "_TILE_MEMBERS", 64)  # 3 x 5 tiles of 64 x 64
    for metric in ("euclidean", "manhattan"):
        got = kmedoids_module.summed_distances(candidates, members, weights, metric)
        np.testing.assert_allclose(got, _distances(candidates, members, metric) @ weights)


def test_weight_zero_rows_are_never_medoids(blobs) -> None:
    w = np.ones(len(blobs))
    w[::2] = 0.0
    fit = KMeans(4, algorithm="kmedoids", seed=0, init="uniform").fit(blobs, sample_weight=w)
    chosen = [np.flatnonzero((blobs == c).all(axis=1)) for c in fit.cluster_centers_]
    assert all(w[rows].max() > 0 for rows in chosen)
    alone = KMeans(4, algorithm="kmedoids", init=fit.cluster_centers_).fit(blobs[1::2])
    np.testing.assert_array_equal(alone.cluster_centers_, fit.cluster_centers_)


def test_bad_parameters_are_named(blobs) -> None:
    with pytest.raises(KMeansInputError, match="max_candidates"):
        next(iterate(blobs, 4, algorithm="kmedoids", max_candidates=0))
    with pytest.raises(KMeansInputError, match="batch_size"):
        next(iterate(blobs, 4, algorithm="kmedoids", batch_size=10))
    with pytest.raises(KMeansInputError, match="manhattan"):
        next(iterate(blobs, 4, algorithm="gradient", metric="manhattan"))
