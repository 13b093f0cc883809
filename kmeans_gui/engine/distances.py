"""Nearest centres and distances to them in the caller's units (NumPy only, no TensorFlow).

What exports, predictions and views report next to a label; float64 for the three metrics,
in blocks of rows so that nothing of size N x K x D is built.
"""

from __future__ import annotations

import numpy as np

from .choices import METRIC_NAMES
from .errors import KMeansInputError

BLOCK_ELEMENTS = 1 << 22  # rows x centres (x features for manhattan) per block: 32 MiB


def nearest(X: np.ndarray, centroids: np.ndarray, metric: str = "euclidean") -> np.ndarray:
    """Index of the nearest centroid of every row of ``X`` under ``metric``, (n,) int64.

    float64 throughout. Euclidean: |c|^2 - 2 x.c on rows and centres centred on the centres'
    mean (so data far from the origin do not cancel); cosine: the largest cosine similarity (a
    zero row goes to centre 0); manhattan: the smallest sum of absolute differences. Ties go to
    the lowest index, as in the engine.
    """
    X = np.asarray(X, dtype=np.float64)
    centres = np.asarray(centroids, dtype=np.float64)
    if metric not in METRIC_NAMES:
        raise KMeansInputError(
            f"unknown metric {metric!r}: choose one of {', '.join(METRIC_NAMES)}"
        )
    n, k = len(X), len(centres)
    out = np.empty(n, dtype=np.int64)
    if metric == "cosine":
        X, centres = _unit(X), _unit(centres)
    elif metric == "euclidean":
        offset = centres.mean(axis=0)
        X, centres = X - offset, centres - offset
    per_row = k * (X.shape[1] if metric == "manhattan" else 1)
    step = max(1, BLOCK_ELEMENTS // max(per_row, 1))
    squared = np.einsum("kd,kd->k", centres, centres)
    for start in range(0, n, step):
        block = X[start : start + step]
        if metric == "manhattan":
            scores = np.abs(block[:, None, :] - centres[None, :, :]).sum(axis=2)
        elif metric == "cosine":
            scores = -(block @ centres.T)
        else:
            scores = squared - 2.0 * (block @ centres.T)
        out[start : start + step] = np.argmin(scores, axis=1)
    return out


def _unit(rows: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    return np.divide(rows, norms, out=np.zeros_like(rows), where=norms > 0)


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
