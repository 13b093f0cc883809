"""Each row's distance to its own centre, in the caller's units (NumPy only, no TensorFlow).

What exports and views report next to a label; exact in float64 for the three metrics.
"""

from __future__ import annotations

import numpy as np

from .choices import METRIC_NAMES
from .errors import KMeansInputError


def assigned_distances(
    X: np.ndarray, centroids: np.ndarray, labels: np.ndarray, metric: str = "euclidean"
) -> np.ndarray:
    """Distance of every row of ``X`` to its own centroid, in X's units, (n,) float64.

    euclidean: straight-line distance (not squared); cosine: 1 - cosine similarity (a zero
    vector is at distance 1); manhattan: sum of absolute differences.
    """
    X = np.asarray(X, dtype=np.float64)
    centres = np.asarray(centroids, dtype=np.float64)[np.asarray(labels, dtype=np.intp)]
    if metric == "euclidean":
        return np.sqrt(np.einsum("nd,nd->n", X - centres, X - centres))
    if metric == "manhattan":
        return np.abs(X - centres).sum(axis=1)
    if metric == "cosine":
        norms = np.linalg.norm(X, axis=1) * np.linalg.norm(centres, axis=1)
        dots = np.einsum("nd,nd->n", X, centres)
        with np.errstate(invalid="ignore", divide="ignore"):
            similarity = np.where(norms > 0, dots / norms, 0.0)
        return 1.0 - np.clip(similarity, -1.0, 1.0)
    raise KMeansInputError(f"unknown metric {metric!r}: choose one of {', '.join(METRIC_NAMES)}")
