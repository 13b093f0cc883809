"""Per-metric helpers every algorithm shares: unit centroids, row costs, labelling, repairs.

With ``metric="cosine"`` ``prepare_input`` scales every row to unit length and skips centring,
so for a unit centroid c the squared Euclidean distance is |x - c|^2 = 2 - 2 cos(x, c). The
blocked Euclidean kernels therefore label by the largest cosine similarity as they stand, and
the cosine cost of a row, 1 - cos(x, c), is half the exact squared distance the kernels already
compute (accurate near 0, where 1 - x.c would cancel). Spherical k-means (Dhillon & Modha 2001)
is Lloyd's iteration with each centroid scaled back to unit length after the mean update, which
is the centroid that maximises the summed cosine similarity of its cluster: ``lloyd_states``
with ``metric="cosine"``.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from .errors import KMeansInputError
from .kernels import assign_pass
from .prepare import PreparedData

#: Metrics whose per-row cost is derived from the squared Euclidean distance of the kernels.
EUCLIDEAN_FAMILY = ("euclidean", "cosine")


def unit_rows(centroids: np.ndarray, fallback: np.ndarray | None = None) -> np.ndarray:
    """Centroids scaled to unit length.

    A zero row (a cluster whose members cancel out exactly) keeps its ``fallback`` row; with no
    fallback it is an input error, because a zero centroid has no direction.
    """
    norms = np.linalg.norm(centroids, axis=1, keepdims=True)
    zero = norms[:, 0] <= np.finfo(np.float32).tiny
    if zero.any() and fallback is None:
        raise KMeansInputError(
            f"initial centroid(s) {np.flatnonzero(zero).tolist()} are all zeros, which has no "
            "direction for the cosine metric; give non-zero initial centroids"
        )
    out = centroids / np.where(zero[:, np.newaxis], 1.0, norms)
    if zero.any():
        out[zero] = fallback[zero]  # type: ignore[index]
    return out


def project(centroids: np.ndarray, metric: str, fallback: np.ndarray | None = None) -> np.ndarray:
    """Centroids as the metric needs them: on the unit sphere for cosine, unchanged otherwise."""
    return unit_rows(centroids, fallback) if metric == "cosine" else centroids


def row_cost(squared: np.ndarray, metric: str) -> np.ndarray:
    """Per-row cost from exact squared Euclidean distances: itself, or 1 - cos for cosine."""
    return 0.5 * squared if metric == "cosine" else squared


def assign(
    data: PreparedData, centroids: np.ndarray, metric: str = "euclidean"
) -> tuple[np.ndarray, np.ndarray, float]:
    """Nearest centroid of every row, its per-row cost (float64) and the weighted total.

    ``centroids`` are centred (k, D); the cost is the squared Euclidean distance, or 1 - cos
    with the cosine metric. One blocked pass; nothing of size N x K is built.
    """
    labels_b, dist_b = assign_pass(data.blocks, tf.constant(centroids, dtype=tf.float32))
    cost = row_cost(data.flat(dist_b).astype(np.float64), metric)
    return data.flat(labels_b), cost, float(np.dot(data.weight_array, cost))


def weighted_sizes(data: PreparedData, labels: np.ndarray, k: int) -> np.ndarray:
    """Total sample weight per cluster, (k,) float64."""
    return np.bincount(labels, weights=data.weight_array, minlength=k)[:k]


def farthest_rows(data: PreparedData, cost: np.ndarray, count: int) -> np.ndarray:
    """Up to ``count`` rows farthest from their centroid, farthest first, at distinct points.

    Empty clusters are moved there, as scikit-learn does. Rows at the same coordinates as a
    farther row are skipped (duplicated rows would otherwise put two repaired centres on one
    point, and one of them would be empty again); rows of weight 0 come last, since a centre
    on them would own no weight again. Ranks from a partial sort of the top candidates, widened
    until enough distinct points are found.
    """
    masked = np.where(data.weight_array > 0, cost, -np.inf)
    rows = data.rows
    distinct_key = np.ascontiguousarray(rows).view(np.dtype((np.void, rows.itemsize * data.d)))
    distinct_key = distinct_key.reshape(-1)
    top = min(data.n, max(4 * count, count + 64))
    while True:
        if top < data.n:
            part = np.sort(np.argpartition(masked, data.n - top)[data.n - top :])
        else:
            part = np.arange(data.n)
        order = part[np.argsort(-masked[part], kind="stable")]  # ties: lowest index first
        _, first = np.unique(distinct_key[order], return_index=True)
        found = order[np.sort(first)]
        if found.size >= count or top == data.n:
            return found[:count]
        top = min(data.n, 4 * top)
