"""The silhouette of every row (Rousseeuw 1987), exact, on the engine, in bounded memory.

s_i = (b_i - a_i) / max(a_i, b_i), with a_i the mean distance from row i to the other members
of its cluster and b_i the smallest mean distance to the members of another cluster; a row
alone in its cluster scores 0, as in scikit-learn (so does a row whose a_i and b_i are both 0).
The distance is the run's metric: Euclidean, Manhattan, or 1 - cos for cosine.

How. The rows are laid out sorted by cluster in tiles of T rows, each cluster padded to whole
tiles with rows of weight 0, so that every tile belongs to one cluster. For every pair of tiles
I <= J one (T, T) matrix of distances is computed, and its weighted row sums are added to the
totals of I's rows towards J's cluster, its column sums to J's rows towards I's cluster: each
distance is computed once (the matrix is symmetric) and nothing of size N x N exists. Memory
is the rows plus the (N, K) totals per core; the tile rows are dealt to one XLA loop per core.
The work is N^2 / 2 distances (measured in ``benchmarks/analysis.py``).

Precision. Distances are exact float64 differences summed feature by feature, never the GEMM
expansion |x|^2 + |y|^2 - 2 x.y: that cancels for near rows even in float64 on centred data
(an error of about sqrt(eps) |x| on a distance near 0), which is enough to move a silhouette of
a small cluster by more than 1e-9; float32 anything would be off by 1e-7. Cosine distances are
half the squared Euclidean distance of the unit rows (exact near 0, where 1 - x.y cancels).

Weights. With sample weights the means are weighted, (sum_j w_j d_ij) / (sum_j w_j) over the
other rows j, and so is any average over rows. This differs slightly from repeating rows: a row
repeated c times has c - 1 copies at distance 0 in its own cluster, so a_i would divide by
W_own - 1 (one copy, not the row's whole weight, left out) and a row alone in its cluster would
score 1, not 0. Matching that would make the score depend on the weights' scale (a weight is
not a count), so only relative weights matter here; the gap is of order w_i / W_own and
vanishes for clusters of many rows. A row of weight 0 gets its own silhouette but counts in
nobody else's, and is never sampled.
"""

from __future__ import annotations

import functools
import os

import numpy as np
import tensorflow as tf

from .arrays import check_data, check_weights, unit_length
from .choices import METRIC_NAMES
from .devices import is_gpu, resolve_device
from .errors import KMeansInputError
from .kmedoids import pairwise_l1, pairwise_sq

#: Rows per tile: a (T, T) float64 distance tile of 512 KiB stays in a core's L2 cache. On a GPU
#: larger tiles keep the device busy between the loop's steps.
_TILE_CPU, _TILE_GPU = 256, 2048
_MIN_TILE = 32
#: Parallel loops on the CPU (each XLA loop runs on one core); capped for the (N, K) totals.
_MAX_PARTS = 8


def silhouette_samples(
    X: np.ndarray,
    labels: np.ndarray,
    sample_weight: np.ndarray | None = None,
    metric: str = "euclidean",
    device: str = "auto",
) -> np.ndarray:
    """The silhouette of every row of ``X`` (N, D) labelled ``labels``, (N,) float64.

    Exact over all the rows given (pass a sample for a quick mean of large data); all nan when
    fewer than two clusters have weight. ``metric`` is "euclidean", "manhattan" or "cosine".
    """
    x, codes, w = _checked(X, labels, sample_weight, metric)
    n_codes = int(codes.max()) + 1 if codes.size else 0
    cluster_weight = np.bincount(codes, weights=w, minlength=n_codes)
    if np.count_nonzero(cluster_weight > 0) < 2:
        return np.full(len(x), np.nan)
    sums = _cluster_sums(x, codes, w, n_codes, metric, resolve_device(device))
    return _from_sums(sums, codes, w, cluster_weight)


def silhouette(
    X: np.ndarray,
    labels: np.ndarray,
    sample_weight: np.ndarray | None = None,
    metric: str = "euclidean",
    device: str = "auto",
) -> float:
    """Mean (weighted) silhouette of rows ``X`` (S, D) labelled ``labels``; nan for < 2 clusters.

    Exact on the rows given: pass a sample (:func:`sample_rows`) for large data.
    """
    values = silhouette_samples(X, labels, sample_weight, metric, device)
    return mean_silhouette(values, sample_weight)


def mean_silhouette(values: np.ndarray, sample_weight: np.ndarray | None = None) -> float:
    """The (weighted) mean of per-row silhouettes; rows of weight 0 do not count."""
    if not values.size or np.isnan(values).all():
        return float("nan")
    if sample_weight is None:
        return float(values.mean())
    w = np.asarray(sample_weight, dtype=np.float64)
    return float(np.dot(w, values) / w.sum())


def sample_rows(
    n: int, sample_weight: np.ndarray | None, size: int, seed: int | None
) -> np.ndarray:
    """Sorted indices of a seeded sample of at most ``size`` rows of positive weight.

    All such rows when there are no more than ``size``. The same seed gives the same rows, so a
    sweep scores every k on the same sample and a run's score can be reproduced.
    """
    candidates = np.arange(n) if sample_weight is None else np.flatnonzero(sample_weight > 0)
    if candidates.size <= size:
        return candidates
    rng = np.random.default_rng(np.random.SeedSequence(seed).spawn(1)[0])
    return np.sort(rng.choice(candidates, size, replace=False))


def _checked(
    X: object, labels: object, sample_weight: object, metric: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows as the metric sees them (float64, not centred: a difference of two inputs is
    rounded once), label codes 0..K-1 and weights (ones if none)."""
    if metric not in METRIC_NAMES:
        raise KMeansInputError(
            f"the silhouette supports metric euclidean, manhattan or cosine, not {metric!r}"
        )
    x = check_data(X).astype(np.float64, copy=False)
    labels = np.asarray(labels)
    if labels.shape != (len(x),):
        raise KMeansInputError(f"labels must have one value per row ({len(x)}), got {labels.shape}")
    w = check_weights(sample_weight, len(x))
    w = np.ones(len(x)) if w is None else w
    if metric == "cosine":
        if not np.linalg.norm(x, axis=1).all():
            raise KMeansInputError(
                "the cosine silhouette needs non-zero rows; some rows are all zeros"
            )
        x = unit_length(x)
    _, codes = np.unique(labels, return_inverse=True)
    return x, codes.reshape(-1).astype(np.int32), w


def _tile_size(counts: np.ndarray, on_gpu: bool) -> int:
    """Rows per tile: cache-sized, smaller when padding every cluster to whole tiles would add
    more than a quarter to the rows, and no larger than the largest cluster needs."""
    n, k = int(counts.sum()), counts.size
    tile = _TILE_GPU if on_gpu else _TILE_CPU
    while tile > _MIN_TILE and (k * tile > n // 4 or tile >= 2 * counts.max()):
        tile //= 2
    return tile


def _bucket(n: int) -> int:
    """``n`` rounded up to one of few sizes (at most 1/8 more), so shapes repeat across calls
    and the XLA loop compiles once per bucket, not once per data size."""
    step = 1 << max(0, n.bit_length() - 4)
    return -(-n // step) * step


def _cluster_sums(
    x: np.ndarray, codes: np.ndarray, w: np.ndarray, k: int, metric: str, device: str
) -> np.ndarray:
    """(N, K) float64: sum over the rows j of cluster c of w_j d(x_i, x_j), for every row i."""
    n, d = x.shape
    counts = np.bincount(codes, minlength=k)
    on_gpu = is_gpu(device)
    tile = _tile_size(counts, on_gpu)
    cluster_tiles = -(-counts // tile)
    n_tiles = int(cluster_tiles.sum())
    padded_tiles = _bucket(n_tiles)
    order = np.argsort(codes, kind="stable")
    starts = np.repeat(np.cumsum(cluster_tiles) - cluster_tiles, counts) * tile
    within = np.arange(n) - np.repeat(np.cumsum(counts) - counts, counts)
    position = np.empty(n, dtype=np.int64)
    position[order] = starts + within  # each row's slot in the tiled layout
    rows = np.zeros((padded_tiles * tile, d))
    rows[position] = x
    weights = np.zeros(padded_tiles * tile)
    weights[position] = w
    tile_cluster = np.zeros(padded_tiles, dtype=np.int32)
    tile_cluster[:n_tiles] = np.repeat(np.arange(k, dtype=np.int32), cluster_tiles)
    parts = 1 if on_gpu else max(1, min(os.cpu_count() or 1, _MAX_PARTS))  # idle if few tiles
    k_padded = -(-k // 4) * 4
    with tf.device(device):
        totals = _kernel(metric, d, parts)(
            tf.constant(rows.reshape(padded_tiles, tile, d)),
            tf.constant(weights.reshape(padded_tiles, tile)),
            tf.constant(tile_cluster),
            tf.constant(n_tiles, dtype=tf.int32),
            tf.zeros(k_padded, dtype=tf.float64),
        )
    sums = totals.numpy().transpose(0, 2, 1).reshape(padded_tiles * tile, k_padded)
    return sums[position, :k]


def _distances(a: tf.Tensor, b: tf.Tensor, metric: str) -> tf.Tensor:
    """(T, T) exact distances between two tiles of rows in ``metric``."""
    if metric == "manhattan":
        return pairwise_l1(a, b)
    squared = pairwise_sq(a, b)
    return 0.5 * squared if metric == "cosine" else tf.sqrt(squared)


def _part(rows, weights, tile_cluster, n_tiles, k_like, first, step, metric: str):
    """Totals (tiles, K, T) from the tile pairs I <= J with I = first, first + step, ..."""
    shape = tf.shape(rows)
    totals = tf.zeros(tf.stack([shape[0], tf.shape(k_like)[0], shape[1]]), rows.dtype)

    def over_i(i, totals):
        xi, wi, ci = rows[i], weights[i], tile_cluster[i]

        def over_j(j, totals):
            dist = _distances(xi, rows[j], metric)
            to_j = tf.linalg.matvec(dist, weights[j])  # i's rows towards j's cluster
            to_i = tf.linalg.matvec(dist, wi, transpose_a=True)  # j's rows towards i's cluster
            to_i = tf.where(j > i, to_i, tf.zeros_like(to_i))  # the diagonal tile: once
            totals = tf.tensor_scatter_nd_add(totals, [[i, tile_cluster[j]]], to_j[tf.newaxis])
            totals = tf.tensor_scatter_nd_add(totals, [[j, ci]], to_i[tf.newaxis])
            return j + 1, totals

        _, totals = tf.while_loop(lambda j, _: j < n_tiles, over_j, (i, totals))
        return i + step, totals

    _, totals = tf.while_loop(lambda i, _: i < n_tiles, over_i, (first, totals))
    return totals


@functools.cache
def _kernel(metric: str, n_features: int, parts: int):
    """The compiled sums for one metric, feature count and number of parts.

    Traced once (shapes other than the features are dynamic); XLA compiles each loop once per
    concrete shape, which ``_bucket`` keeps to few. The parts run side by side: independent XLA
    loops that TensorFlow's executor places on separate cores.
    """
    f64, i32 = tf.float64, tf.int32
    spec = (
        tf.TensorSpec([None, None, n_features], f64),  # rows in tiles (tiles, T, D)
        tf.TensorSpec([None, None], f64),  # weights (tiles, T), 0 on padding
        tf.TensorSpec([None], i32),  # cluster of each tile
        tf.TensorSpec([], i32),  # tiles in use (the rest is padding)
        tf.TensorSpec([None], f64),  # its length is the (padded) number of clusters
    )
    part = tf.function(
        functools.partial(_part, metric=metric),
        jit_compile=True,
        input_signature=(*spec, tf.TensorSpec([], i32), tf.TensorSpec([], i32)),
    )

    @tf.function(input_signature=spec)
    def all_parts(rows, weights, tile_cluster, n_tiles, k_like):
        step = tf.constant(parts, dtype=i32)
        return tf.add_n(
            [
                part(rows, weights, tile_cluster, n_tiles, k_like, tf.constant(p), step)
                for p in range(parts)
            ]
        )

    return all_parts


def _from_sums(
    sums: np.ndarray, codes: np.ndarray, w: np.ndarray, cluster_weight: np.ndarray
) -> np.ndarray:
    """Per-row silhouettes from the (N, K) weighted distance totals."""
    n = len(codes)
    own = np.arange(n), codes
    others_in_own = cluster_weight[codes] - w  # the row itself is left out of a_i
    has_others = others_in_own > 0
    a = sums[own] / np.where(has_others, others_in_own, 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean_to = sums / cluster_weight[np.newaxis, :]
    mean_to[:, cluster_weight <= 0] = np.inf  # clusters of weight 0 are nobody's neighbour
    mean_to[own] = np.inf
    b = mean_to.min(axis=1)
    denom = np.maximum(a, b)
    score = (b - a) / np.where(denom > 0, denom, 1.0)
    return np.where(has_others & (denom > 0), score, 0.0)
