"""Fixtures for engine tests: small, seeded data sets and a float64 reference Lloyd."""

from __future__ import annotations

import numpy as np
import pytest


def reference_lloyd(
    X: np.ndarray, init: np.ndarray, max_iter: int = 300, weights: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Plain float64 Lloyd with exact (x - c)^2 distances, stopping when labels settle."""
    X = np.asarray(X, dtype=np.float64)
    w = np.ones(len(X)) if weights is None else weights
    centroids = np.asarray(init, dtype=np.float64).copy()
    labels = None
    for _ in range(max_iter):
        d = ((X[:, None, :] - centroids[None, :, :]) ** 2).sum(axis=2)
        new = d.argmin(axis=1)
        if labels is not None and (new == labels).all():
            break
        labels = new
        for j in range(len(centroids)):
            m = labels == j
            if m.any():
                centroids[j] = np.average(X[m], axis=0, weights=w[m])
    return labels, centroids


def tight_clusters(
    rng: np.random.Generator, n_clusters: int, per: int, spread: float, box: float, dim: int = 2
) -> tuple[np.ndarray, np.ndarray]:
    """``n_clusters`` tight Gaussian blobs with centres uniform in [0, box]^dim."""
    centres = rng.uniform(0, box, size=(n_clusters, dim))
    X = np.concatenate([c + rng.normal(scale=spread, size=(per, dim)) for c in centres])
    return X, centres


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(12345)
