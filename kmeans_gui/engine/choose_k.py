"""Choosing k: fit every k of a range, report inertia (the elbow) and the mean silhouette.

The silhouette of row i is (b_i - a_i) / max(a_i, b_i), with a_i its mean distance to the
other members of its cluster and b_i the smallest mean distance to another cluster
(Rousseeuw 1987); rows alone in their cluster score 0, as in scikit-learn. It needs all
pairwise distances, so it is computed on a seeded sample of at most ``silhouette_sample`` rows
(the same rows for every k, so the curve compares like with like), in TensorFlow, in float64,
a block of rows at a time: memory is one block x sample matrix (16 MiB), never sample^2.
With sample weights the means are weighted, (sum_j w_j d_ij) / (sum_j w_j) over the other
rows j, and so is the average over rows; rows of weight 0 are never sampled. This differs
slightly from repeating rows: a row repeated c times has c - 1 copies at distance 0 in its own
cluster, so a_i would divide by W_own - 1 (one copy, not the row's whole weight, left out) and
a row alone in its cluster would score 1, not 0. Matching that would make the score depend on
the weights' scale (a weight is not a count), so only relative weights matter here; the gap is
of order w_i / W_own and vanishes for clusters of many rows. The distance is
the run's metric: Euclidean, Manhattan, or 1 - cos for cosine.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import numpy as np
import tensorflow as tf

from .api import KMeans
from .devices import resolve_device
from .errors import KMeansInputError
from .kmedoids import pairwise_l1
from .prepare import check_data, check_weights
from .state import IterationState, SweepPoint

#: Entries of one block x sample distance matrix (float64): 16 MiB.
_BLOCK_ENTRIES = 1 << 21

_SPEC = (
    tf.TensorSpec([None, None, None], tf.float64),  # row blocks (M, R, D)
    tf.TensorSpec([None, None], tf.float64),  # sample (S, D)
    tf.TensorSpec([None, None], tf.float64),  # membership x weight (S, K)
)


def _pairwise(x: tf.Tensor, sample: tf.Tensor, metric: str) -> tf.Tensor:
    """(R, S) distances between a block of rows and the sample, with (R, S) memory."""
    if metric == "manhattan":
        return pairwise_l1(x, sample)
    cross = tf.matmul(x, sample, transpose_b=True)
    if metric == "cosine":  # unit rows
        return tf.maximum(1.0 - cross, 0.0)
    sq = (
        tf.reduce_sum(tf.square(x), axis=1)[:, tf.newaxis]
        + tf.reduce_sum(tf.square(sample), axis=1)[tf.newaxis, :]
        - 2.0 * cross
    )
    return tf.sqrt(tf.maximum(sq, 0.0))


def _make_cluster_sums(metric: str):
    @tf.function(input_signature=_SPEC)
    def cluster_sums(blocks: tf.Tensor, sample: tf.Tensor, member_weight: tf.Tensor):
        """sum_j w_j d(row, sample_j) per cluster of j, for every row of ``blocks``: (M, R, K)."""
        return tf.map_fn(
            lambda x: tf.matmul(_pairwise(x, sample, metric), member_weight),
            blocks,
            parallel_iterations=2,
        )

    return cluster_sums


_CLUSTER_SUMS = {m: _make_cluster_sums(m) for m in ("euclidean", "manhattan", "cosine")}


def silhouette(
    X: np.ndarray,
    labels: np.ndarray,
    sample_weight: np.ndarray | None = None,
    metric: str = "euclidean",
    device: str = "auto",
) -> float:
    """Mean (weighted) silhouette of rows ``X`` (S, D) labelled ``labels``; nan for < 2 clusters.

    Exact on the rows given: pass a sample for large data. ``metric`` is "euclidean",
    "manhattan" or "cosine".
    """
    if metric not in _CLUSTER_SUMS:
        raise KMeansInputError(
            f"the silhouette supports metric euclidean, manhattan or cosine, not {metric!r}"
        )
    x = check_data(X).astype(np.float64, copy=False)
    labels = np.asarray(labels)
    if labels.shape != (len(x),):
        raise KMeansInputError(f"labels must have one value per row ({len(x)}), got {labels.shape}")
    w = check_weights(sample_weight, len(x))
    w = np.ones(len(x)) if w is None else w
    keep = w > 0
    x, w = x[keep], w[keep]
    present, codes = np.unique(labels[keep], return_inverse=True)
    if present.size < 2:
        return float("nan")
    if metric == "cosine" and not np.linalg.norm(x, axis=1).all():
        raise KMeansInputError("the cosine silhouette needs non-zero rows; some rows are all zeros")
    # Unit rows for cosine; otherwise centred, so the Euclidean expansion does not cancel.
    x = x / np.linalg.norm(x, axis=1, keepdims=True) if metric == "cosine" else x - x.mean(axis=0)
    s, d = x.shape
    rows = max(1, min(s, _BLOCK_ENTRIES // s))
    m = -(-s // rows)
    padded = np.zeros((m * rows, d))
    padded[:s] = x
    member_weight = np.zeros((s, present.size))
    member_weight[np.arange(s), codes] = w
    with tf.device(resolve_device(device)):
        sums = _CLUSTER_SUMS[metric](
            tf.constant(padded.reshape(m, rows, d)), tf.constant(x), tf.constant(member_weight)
        )
    sums = sums.numpy().reshape(m * rows, -1)[:s]
    cluster_weight = member_weight.sum(axis=0)
    own = np.arange(s), codes
    others_in_own = cluster_weight[codes] - w  # the row itself is left out of a_i
    a = sums[own] / np.where(others_in_own > 0, others_in_own, 1.0)
    mean_to = sums / cluster_weight[np.newaxis, :]
    mean_to[own] = np.inf
    b = mean_to.min(axis=1)
    denom = np.maximum(a, b)
    score = np.where((others_in_own > 0) & (denom > 0), (b - a) / np.where(denom > 0, denom, 1), 0)
    return float(np.dot(w, score) / w.sum())


class _Cancelled(Exception):
    """Raised between iterations when the sweep's ``cancelled`` callable says so."""


def _check_ks(ks: object) -> list[int]:
    try:
        values = list(ks)  # type: ignore[call-overload]
    except TypeError:
        raise KMeansInputError(f"ks must be a range or list of numbers, not {ks!r}") from None
    if not values:
        raise KMeansInputError("ks is empty: give at least one number of clusters to try")
    for k in values:
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
            raise KMeansInputError(f"every k must be a whole number of at least 1, got {k!r}")
    return [int(k) for k in values]


def sweep(
    X: Any,
    ks: Iterable[int],
    *,
    seed: int | None = None,
    device: str = "auto",
    sample_weight: Any = None,
    silhouette_sample: int = 10_000,
    cancelled: Callable[[], bool] | None = None,
    **kmeans_kwargs: Any,
) -> Iterator[SweepPoint]:
    """Fit :class:`KMeans` for every k in ``ks`` and yield one :class:`SweepPoint` per k.

    ``kmeans_kwargs`` (algorithm, metric, init, n_init, tol, max_iter, algorithm parameters)
    go to every fit, each with the same ``seed``. The silhouette uses the same seeded sample of
    at most ``silhouette_sample`` rows for every k (all rows when there are fewer), and is nan
    for k == 1. Errors surface on the first ``next()``; abandoning the generator between points
    cancels the sweep.

    ``cancelled``, a callable polled between iterations of every fit (and before each
    silhouette), stops the sweep early when it returns True: the k being fitted yields no
    point and the generator ends. A front end whose consumer blocks inside ``next()`` (a worker
    thread) passes its abort flag here, so a long fit need not run to its end.
    """
    arr = check_data(X)
    weights = check_weights(sample_weight, arr.shape[0])
    k_values = _check_ks(ks)
    if (
        isinstance(silhouette_sample, bool)
        or not isinstance(silhouette_sample, (int, np.integer))
        or silhouette_sample < 2
    ):
        raise KMeansInputError(
            f"silhouette_sample must be a whole number of at least 2, got {silhouette_sample!r}"
        )
    metric = kmeans_kwargs.get("metric", "euclidean")
    candidates = np.arange(arr.shape[0]) if weights is None else np.flatnonzero(weights > 0)
    if candidates.size > silhouette_sample:
        rng = np.random.default_rng(np.random.SeedSequence(seed).spawn(1)[0])
        candidates = np.sort(rng.choice(candidates, silhouette_sample, replace=False))
    sample = arr[candidates]
    sample_w = None if weights is None else weights[candidates]

    def check(_: IterationState | None = None) -> None:
        if cancelled is not None and cancelled():
            raise _Cancelled

    for k in k_values:
        start = time.perf_counter()
        model = KMeans(k, seed=seed, device=device, **kmeans_kwargs)
        try:
            check()
            model.fit(arr, sample_weight=weights, on_state=check)
            check()
        except _Cancelled:
            return
        score = (
            float("nan")
            if k == 1
            else silhouette(sample, model.labels_[candidates], sample_w, metric, device)
        )
        yield SweepPoint(
            k=k,
            inertia=float(model.inertia_),
            silhouette=score,
            sample_size=int(candidates.size),
            n_iter=int(model.n_iter_),
            seconds=time.perf_counter() - start,
        )
