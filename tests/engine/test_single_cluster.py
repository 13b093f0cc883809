"""k = 1 in every algorithm and metric: one centre, every row labelled 0, the reference cost."""

from __future__ import annotations

import numpy as np
import pytest

from kmeans_gui.engine import KMeans

CASES = [
    ("lloyd", "euclidean"),
    ("lloyd", "cosine"),
    ("gradient", "euclidean"),
    ("gradient", "cosine"),
    ("minibatch", "euclidean"),
    ("minibatch", "cosine"),
    ("kmedoids", "euclidean"),
    ("kmedoids", "manhattan"),
    ("kmedoids", "cosine"),
]


@pytest.fixture(scope="module")
def X() -> np.ndarray:
    return np.random.default_rng(0).normal(size=(600, 2)) * [1.0, 3.0] + [5.0, 2.0]


def _reference(X: np.ndarray, algorithm: str, metric: str) -> float:
    """The optimal single-cluster cost, by brute force in float64."""
    if metric == "cosine":
        X = X / np.linalg.norm(X, axis=1, keepdims=True)
    if algorithm != "kmedoids":
        centre = X.mean(axis=0)
        if metric == "cosine":
            centre /= np.linalg.norm(centre)
            return float(np.sum(1.0 - X @ centre))
        return float(np.sum((X - centre) ** 2))
    if metric == "cosine":
        pair = 1.0 - X @ X.T
    elif metric == "manhattan":
        pair = np.abs(X[:, None, :] - X[None]).sum(axis=2)
    else:
        pair = np.sqrt(((X[:, None, :] - X[None]) ** 2).sum(axis=2))
    return float(pair.sum(axis=1).min())


@pytest.mark.parametrize(("algorithm", "metric"), CASES)
def test_one_cluster_runs_and_finds_the_optimum(X, algorithm, metric) -> None:
    km = KMeans(1, algorithm=algorithm, metric=metric, seed=0, tol=1e-6).fit(X)
    assert km.cluster_centers_.shape == (1, 2)
    np.testing.assert_array_equal(km.labels_, np.zeros(len(X), dtype=np.int32))
    # Mini-batch converges stochastically; the others reach the optimum.
    rel = 5e-3 if algorithm == "minibatch" else 1e-5
    assert km.inertia_ == pytest.approx(_reference(X, algorithm, metric), rel=rel)
