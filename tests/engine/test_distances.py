"""Distances to the assigned centre and to every centre, and the nearest one, per metric."""

from __future__ import annotations

import numpy as np
import pytest

from kmeans_gui.engine import assigned_distances, distances
from kmeans_gui.engine.distances import distance_blocks, nearest


def test_assigned_distances_per_metric() -> None:
    X = np.array([[3.0, 4.0], [1.0, 0.0]])
    centroids = np.array([[0.0, 0.0], [0.0, 1.0]])
    labels = np.array([0, 1])
    np.testing.assert_allclose(assigned_distances(X, centroids, labels), [5.0, np.sqrt(2)])
    np.testing.assert_allclose(assigned_distances(X, centroids, labels, "manhattan"), [7.0, 2.0])
    np.testing.assert_allclose(assigned_distances(X, centroids, labels, "cosine"), [1.0, 1.0])


def _brute_force(X: np.ndarray, centroids: np.ndarray, metric: str) -> np.ndarray:
    """Every row against every centroid, the metric's textbook formula in float64."""
    gap = X[:, None, :] - centroids[None]
    if metric == "euclidean":
        return np.sqrt((gap**2).sum(axis=2))
    if metric == "manhattan":
        return np.abs(gap).sum(axis=2)
    cos = (X @ centroids.T) / np.outer(np.linalg.norm(X, axis=1), np.linalg.norm(centroids, axis=1))
    return 1.0 - cos


@pytest.mark.parametrize("metric", ["euclidean", "manhattan", "cosine"])
def test_nearest_is_the_float64_argmin_in_blocks(metric, monkeypatch) -> None:
    rng = np.random.default_rng(3)
    X = rng.normal(size=(1000, 5)) + 1e4 * (metric != "cosine")  # far from the origin
    centroids = X[rng.choice(1000, 7, replace=False)] + rng.normal(scale=0.1, size=(7, 5))
    monkeypatch.setattr(distances, "BLOCK_VALUES", 7 * 5 * 64)  # many small blocks
    labels, dist = nearest(X, centroids, metric)
    reference = _brute_force(X, centroids, metric)
    np.testing.assert_array_equal(labels, reference.argmin(axis=1))
    np.testing.assert_array_equal(dist, assigned_distances(X, centroids, labels, metric))
    np.testing.assert_allclose(dist, reference.min(axis=1), rtol=1e-9, atol=1e-12)
    blocks = np.concatenate(list(distance_blocks(X, centroids, metric)))
    np.testing.assert_allclose(blocks, reference, rtol=1e-6, atol=1e-9)


def test_a_zero_row_is_at_cosine_distance_one_from_every_centre() -> None:
    (block,) = distance_blocks(np.zeros((1, 2)), np.array([[1.0, 0.0], [0.0, 2.0]]), "cosine")
    np.testing.assert_array_equal(block, [[1.0, 1.0]])
