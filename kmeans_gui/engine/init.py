"""Initial centroids: random rows, uniform in the bounding box, greedy k-means++, or given.

All work on the centred rows of a :class:`PreparedData`; a given array is in the caller's units
and is shifted by the same offset. Randomness comes only from the NumPy generator passed in,
so a seed reproduces a run bit for bit on the same device.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from .choices import INIT_CHOICES
from .errors import KMeansInputError
from .prepare import PreparedData


def initial_centroids(
    data: PreparedData, k: int, init: object, rng: np.random.Generator
) -> np.ndarray:
    """(k, D) float64 centred centroids chosen by ``init``."""
    if isinstance(init, str):
        if init == "k-means++":
            return kmeans_plusplus(data, k, rng)
        if init == "random":
            return random_rows(data, k, rng)
        if init == "uniform":
            return uniform_box(data, k, rng)
        raise KMeansInputError(
            f"unknown init {init!r}: choose {', '.join(INIT_CHOICES)} or give a (k, D) array"
        )
    return given_centroids(data, k, init)


def given_centroids(data: PreparedData, k: int, init: object) -> np.ndarray:
    try:
        arr = np.asarray(init, dtype=np.float64)
    except (TypeError, ValueError):
        raise KMeansInputError("init must be a method name or a numeric (k, D) array") from None
    if arr.shape != (k, data.d):
        raise KMeansInputError(
            f"init array has shape {arr.shape}, expected ({k}, {data.d}): one row per cluster, "
            "one column per feature"
        )
    if not np.isfinite(arr).all():
        raise KMeansInputError("init array has NaN or infinite values")
    return arr - data.offset


def _positive_rows(data: PreparedData) -> np.ndarray:
    if data.sample_weight is None:
        return np.arange(data.n)
    return np.flatnonzero(data.sample_weight > 0)


def random_rows(data: PreparedData, k: int, rng: np.random.Generator) -> np.ndarray:
    """k distinct rows, drawn uniformly (rows of weight 0 are never drawn)."""
    rows = data.rows
    order = rng.permutation(_positive_rows(data))
    chosen: list[int] = []
    seen: set[bytes] = set()
    for idx in order:
        key = rows[idx].tobytes()
        if key not in seen:
            seen.add(key)
            chosen.append(int(idx))
            if len(chosen) == k:
                break
    return data.source_rows(np.array(chosen))


def uniform_box(data: PreparedData, k: int, rng: np.random.Generator) -> np.ndarray:
    """k points uniform in the bounding box of the (positively weighted) rows."""
    rows = data.rows[_positive_rows(data)]
    low, high = rows.min(axis=0).astype(np.float64), rows.max(axis=0).astype(np.float64)
    return rng.uniform(low, high, size=(k, data.d))


@tf.function(reduce_retracing=True)  # shapes vary with k and the data
def _sq_norms(blocks: tf.Tensor) -> tf.Tensor:
    return tf.reduce_sum(tf.square(blocks), axis=2)


@tf.function(reduce_retracing=True)  # shapes vary with k and the data
def _candidate_distances(
    blocks: tf.Tensor, norms: tf.Tensor, closest: tf.Tensor, candidates: tf.Tensor
) -> tf.Tensor:
    """min(closest, |x - c|^2) for each candidate c: (T, M, B), through one GEMM per block."""
    cand_sq = tf.reduce_sum(tf.square(candidates), axis=1)
    cross = tf.einsum("mbd,td->tmb", blocks, candidates)
    dist = norms[tf.newaxis] - 2.0 * cross + cand_sq[:, tf.newaxis, tf.newaxis]
    return tf.minimum(closest[tf.newaxis], tf.maximum(dist, 0.0))


def kmeans_plusplus(data: PreparedData, k: int, rng: np.random.Generator) -> np.ndarray:
    """Greedy k-means++ (Arthur & Vassilvitskii; scikit-learn's 2 + ln k local trials).

    Each step samples candidates with probability proportional to weight x squared distance to
    the nearest chosen centre and keeps the one that lowers the potential most. Rows that are
    distinct in float32 can still all be at distance 0 in the float32 expansion (nearly
    parallel rows under the cosine metric, or spreads near float32 resolution): when the
    potential is 0 the next centre is drawn by weight among the rows not yet chosen.
    """
    rows = data.rows
    weights = data.weight_array
    trials = 2 + int(np.log(k))
    first = rng.choice(data.n, p=weights / weights.sum())
    chosen = [int(first)]
    centers = np.empty((k, data.d), dtype=np.float64)
    centers[0] = data.source_rows(first)
    norms = _sq_norms(data.blocks)
    big = tf.fill(tf.shape(norms), np.float32(np.inf))
    closest = _candidate_distances(data.blocks, norms, big, rows[first : first + 1])[0]
    flat_w = weights
    for c in range(1, k):
        closest_np = data.flat(closest).astype(np.float64)
        cumulative = np.cumsum(flat_w * closest_np)
        potential = cumulative[-1]
        if not potential > 0:  # every row at distance 0 in float32: no distance to sample by
            pick = _unchosen_row(data, chosen, rng)
            closest = _candidate_distances(data.blocks, norms, closest, rows[pick : pick + 1])[0]
            chosen.append(pick)
            centers[c] = data.source_rows(pick)
            continue
        ids = np.searchsorted(cumulative, rng.uniform(size=trials) * potential)
        ids = np.clip(ids, 0, data.n - 1)
        dists = _candidate_distances(data.blocks, norms, closest, rows[ids])
        flat = dists.numpy().reshape(trials, -1)[:, : data.n].astype(np.float64)
        best = int(np.argmin(flat @ flat_w))
        chosen.append(int(ids[best]))
        centers[c] = data.source_rows(ids[best])
        closest = dists[best]
    return centers


def _unchosen_row(data: PreparedData, chosen: list[int], rng: np.random.Generator) -> int:
    """A row of positive weight, drawn by weight, that differs (float32) from every chosen row."""
    rows = data.rows
    weights = data.weight_array
    free = weights > 0
    for i in chosen:  # rare (a fallback), and at most k passes over the rows
        free &= (rows != rows[i]).any(axis=1)
    if not free.any():  # unreachable after check_distinct; never divide by zero
        raise KMeansInputError("X has fewer distinct weighted points than n_clusters")
    return int(rng.choice(data.n, p=np.where(free, weights, 0.0) / weights[free].sum()))
