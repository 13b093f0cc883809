"""Distances between rows and centres in the caller's units (NumPy only, no TensorFlow).

What exports and views report next to a label, what ``KMeans.transform`` returns, and how a
saved model assigns new rows: exact float64 for the three metrics, a bounded block of rows at a
time, so nothing of size N x K x D is built.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from .choices import METRIC_NAMES
from .errors import KMeansInputError

BLOCK_VALUES = 1 << 16
"""float64 cells per block of intermediate results (512 KiB, cache-sized: at 1M rows, blocks
of 32 MiB took up to 8x longer): rows x centres, or x features too for the Manhattan metric."""


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


def distance_blocks(
    X: np.ndarray, centroids: np.ndarray, metric: str = "euclidean"
) -> Iterator[np.ndarray]:
    """Distance from every row of ``X`` to every centroid, (rows, k) float64 blocks in order.

    Measured as :func:`assigned_distances` measures them. Euclidean and cosine use the
    expansion |x|^2 - 2 x.c + |c|^2 after centring on the centroids' mean (so data far from
    the origin do not cancel); cosine is computed on unit rows as half that squared distance.
    """
    _check_metric(metric)
    X = np.asarray(X)
    centres = np.asarray(centroids, dtype=np.float64)
    k, d = centres.shape
    if metric == "cosine":
        centres = _unit(centres)[0]
    offset = centres.mean(axis=0)
    centres = centres - offset
    csq = np.einsum("kd,kd->k", centres, centres)
    per_row = k * d if metric == "manhattan" else max(k, d)
    step = max(1, BLOCK_VALUES // max(per_row, 1))
    for start in range(0, X.shape[0], step):
        x = np.asarray(X[start : start + step], dtype=np.float64)
        if metric == "cosine":
            x, zero = _unit(x)
        x = x - offset
        if metric == "manhattan":
            yield np.abs(x[:, None, :] - centres[None]).sum(axis=2)
            continue
        sq = np.einsum("bd,bd->b", x, x)[:, None] - 2.0 * (x @ centres.T) + csq[None, :]
        sq = np.maximum(sq, 0.0)
        if metric == "cosine":
            sq *= 0.5
            sq[zero] = 1.0  # as assigned_distances: a zero row is at distance 1 from all
            yield sq
        else:
            yield np.sqrt(sq, out=sq)


def nearest(
    X: np.ndarray, centroids: np.ndarray, metric: str = "euclidean"
) -> tuple[np.ndarray, np.ndarray]:
    """Index of each row's nearest centroid (int64, the first on ties) and the distance to it
    (as :func:`assigned_distances` gives it), float64 throughout, a block of rows at a time.

    Euclidean and cosine rank the centres by -2 x.c + |c|^2 (after centring on the centres'
    mean; on unit rows for cosine), one matrix product per block: |x|^2 and square roots are
    left out of the ranking, and the reported distance is recomputed exactly for the winner.
    """
    _check_metric(metric)
    X = np.asarray(X, dtype=np.float64)
    centres = np.asarray(centroids, dtype=np.float64)
    n, (k, d) = X.shape[0], centres.shape
    labels = np.empty(n, dtype=np.int64)
    distances = np.empty(n, dtype=np.float64)
    if metric == "manhattan":
        step = max(1, BLOCK_VALUES // max(k * d, 1))
    else:
        ranked = _unit(centres)[0] if metric == "cosine" else centres
        offset = np.zeros(d) if metric == "cosine" else ranked.mean(axis=0)
        ranked = ranked - offset
        minus_twice = -2.0 * ranked.T  # (d, k)
        squares = np.einsum("kd,kd->k", ranked, ranked)
        step = max(1, BLOCK_VALUES // max(k, d))
    for start in range(0, n, step):
        rows = slice(start, start + step)
        x = X[rows]
        if metric == "manhattan":
            labels[rows] = np.abs(x[:, None, :] - centres[None]).sum(axis=2).argmin(axis=1)
        else:
            shifted = _unit(x)[0] if metric == "cosine" else x - offset
            scores = shifted @ minus_twice
            scores += squares
            labels[rows] = scores.argmin(axis=1)
        distances[rows] = assigned_distances(x, centres, labels[rows], metric)
    return labels, distances


def _check_metric(metric: str) -> None:
    if metric not in METRIC_NAMES:
        raise KMeansInputError(
            f"unknown metric {metric!r}: choose one of {', '.join(METRIC_NAMES)}"
        )


def _unit(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows scaled to length 1 (an all-zero row stays zero: it has no direction), and which
    rows are zero."""
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    zero = norms[:, 0] == 0
    return rows / np.where(zero[:, None], 1.0, norms), zero
