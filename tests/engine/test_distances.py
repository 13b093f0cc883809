"""Per-row distances to the assigned centre, per metric."""

from __future__ import annotations

import numpy as np

from kmeans_gui.engine import assigned_distances


def test_assigned_distances_per_metric() -> None:
    X = np.array([[3.0, 4.0], [1.0, 0.0]])
    centroids = np.array([[0.0, 0.0], [0.0, 1.0]])
    labels = np.array([0, 1])
    np.testing.assert_allclose(assigned_distances(X, centroids, labels), [5.0, np.sqrt(2)])
    np.testing.assert_allclose(assigned_distances(X, centroids, labels, "manhattan"), [7.0, 2.0])
    np.testing.assert_allclose(assigned_distances(X, centroids, labels, "cosine"), [1.0, 1.0])
