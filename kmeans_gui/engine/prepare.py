"""Validate the caller's data once and lay it out for the kernels.

The float32 GEMM expansion cancels catastrophically on data far from the origin (GPS
coordinates, sensor readings offset by 1e5): every label can be wrong. Subtracting the data's
mean, rounded to float32 (``centring_offset``), before the cast (in float64; float32 input in
one float32 subtraction, which rounds the exact difference once) removes that, so the engine
always works on centred data and adds ``PreparedData.offset`` back to every centroid it reports.
A streamed run (``streamed_data.py``) centres its chunks the very same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np
import tensorflow as tf

from .arrays import check_data, check_weights, unit_length
from .devices import is_gpu, resolve_device
from .errors import KMeansInputError
from .kernels import block_rows, is_direct

if TYPE_CHECKING:
    from .distributed import Shards

#: Rows converted per step while centring, so the float64 temporary stays small.
CONVERT_ROWS = 1 << 16
#: Beyond this distance from the mean, squared float32 distances (and their sums) overflow.
_MAX_EXTENT = 1e17


@dataclass(frozen=True, eq=False)
class PreparedData:
    """Centred float32 rows in blocks of ``block`` rows, padded with zero-weight rows."""

    blocks: tf.Tensor  # (M, B, D) float32
    weights: tf.Tensor  # (M, B) float32; 0 on padding
    unlabelled: tf.Tensor  # (M, B) int32: -1 on rows, -2 on padding (``previous`` of pass 1)
    sample_weight: np.ndarray | None  # (N,) float64 as given, None when uniform
    n: int
    d: int
    offset: np.ndarray  # (D,) float64 subtracted from every row
    device: str
    source: np.ndarray  # (N, D) the validated rows in the caller's units (a reference, no copy)
    shards: Shards | None = None  # the blocks dealt to a tf.distribute strategy's replicas

    def source_rows(self, index: np.ndarray | int) -> np.ndarray:
        """Exact rows of the caller's data, centred in float64 (so a chosen row stays a row)."""
        return np.asarray(self.source[index], dtype=np.float64) - self.offset

    @cached_property
    def mean_variance(self) -> float:
        """Mean per-feature variance, weighted by ``sample_weight``: scales ``tol``.

        scikit-learn's ``_tolerance`` uses the unweighted ``np.var(X)``, but then an integer
        weight would not mean the same as repeating the row: the threshold, and so where a run
        stops, would differ between the two. Weighted, it is exactly the variance of the
        repeated rows (the two runs stop at the same iteration), and only relative weights
        matter. Without weights it equals scikit-learn's. Computed on first use, in float64
        from the caller's rows: a run with ``tol=0`` never pays for it.
        """
        weights = self.weight_array
        total = np.zeros(self.d)
        squares = np.zeros(self.d)
        for start in range(0, self.n, CONVERT_ROWS):
            chunk = self.source_rows(slice(start, start + CONVERT_ROWS))
            w = weights[start : start + CONVERT_ROWS]
            total += w @ chunk
            squares += np.einsum("i,ij,ij->j", w, chunk, chunk)
        weight = float(weights.sum())
        mean = total / weight
        return float(np.mean(np.maximum(squares / weight - mean**2, 0.0)))

    def tolerance(self, tol: float) -> float:
        """``tol`` in the data's units: the summed squared shift a run stops at."""
        return tol * self.mean_variance if tol > 0 else 0.0

    @cached_property
    def columns(self) -> tf.Tensor:
        """The blocks transposed, (M, D, B): the layout of direct-distance passes (few features,
        ``kernels.is_direct``), made once per data on first use."""
        with tf.device(None if self.shards is not None else self.device):
            return tf.transpose(self.blocks, (0, 2, 1))

    @property
    def direct(self) -> bool:
        return is_direct(self.d)

    @property
    def on_gpu(self) -> bool:
        return is_gpu(self.device)

    @property
    def rows(self) -> np.ndarray:
        """The centred rows as an (N, D) float32 array (a view on the CPU, no copy)."""
        return self.blocks.numpy().reshape(-1, self.d)[: self.n]

    @property
    def weight_array(self) -> np.ndarray:
        """Per-row weights, ones when the caller gave none."""
        if self.sample_weight is None:
            return np.ones(self.n)
        return self.sample_weight

    def flat(self, blocked: tf.Tensor) -> np.ndarray:
        """An (M, B) per-row kernel output as an (N,) array without the padding."""
        return blocked.numpy().reshape(-1)[: self.n]


def check_n_clusters(n_clusters: object, X: np.ndarray, weights: np.ndarray | None) -> int:
    """k as an int, at least 1 and no more than the (positively weighted) rows of X."""
    if isinstance(n_clusters, bool) or not isinstance(n_clusters, (int, np.integer)):
        raise KMeansInputError(f"n_clusters must be a whole number, got {n_clusters!r}")
    k = int(n_clusters)
    if k < 1:
        raise KMeansInputError(f"n_clusters must be at least 1, got {k}")
    usable = X.shape[0] if weights is None else int(np.count_nonzero(weights))
    if k > usable:
        raise KMeansInputError(
            f"n_clusters={k} is larger than the number of rows to cluster ({usable})"
        )
    return k


def check_distinct(data: PreparedData, k: int) -> None:
    """At least k distinct rows as the kernels see them (float32, centred, weight > 0).

    Counted after the cast: rows that differ only below float32 resolution are one point.
    """
    rows = data.rows
    if data.sample_weight is not None:
        rows = rows[data.sample_weight > 0]
    distinct = count_distinct(rows, stop_at=k)
    if distinct < k:
        raise KMeansInputError(
            f"X has only {distinct} distinct point(s), fewer than n_clusters={k}; lower k"
        )


def count_distinct(X: np.ndarray, stop_at: int) -> int:
    """Distinct rows of X, counted on a prefix first since usually far more than ``stop_at``."""
    prefix = min(X.shape[0], max(1024, 8 * stop_at))
    found = np.unique(X[:prefix], axis=0).shape[0]
    if found >= stop_at or prefix == X.shape[0]:
        return found
    return np.unique(X, axis=0).shape[0]


def prepare(
    X: np.ndarray,
    sample_weight: np.ndarray | None,
    device: str,
    n_clusters: int,
    *,
    offset: np.ndarray | None = None,
    unit_rows: bool = False,
    strategy: tf.distribute.Strategy | None = None,
) -> PreparedData:
    """Centre, cast to float32 and block the data on ``device``, in bounded chunks.

    ``offset`` defaults to the data's (weighted) mean; ``unit_rows`` scales every row to
    length 1 instead of centring (spherical k-means on the cosine metric). With a ``strategy``
    the blocks are also dealt out to its replicas (``distributed.py``).
    """
    n, d = X.shape
    block = block_rows(n, d)
    m = -(-n // block)
    if unit_rows:
        offset = np.zeros(d)
    elif offset is None:
        # Weighted, so that weights and repeated rows are centred identically.
        if sample_weight is None:
            # einsum sums float32 rows in float64 3x faster than X.sum(axis=0, dtype=...)
            total, weight = np.einsum("ij->j", X, dtype=np.float64), float(n)
        else:
            row_weight = np.asarray(sample_weight, np.float64)
            total = sum(
                row_weight[i : i + CONVERT_ROWS] @ np.asarray(X[i : i + CONVERT_ROWS], np.float64)
                for i in range(0, n, CONVERT_ROWS)
            )
            weight = float(row_weight.sum())
        offset = centring_offset(total, weight)
    padded = np.zeros((m * block, d), dtype=np.float32)
    if X.dtype == np.float32 and not unit_rows:
        # Both operands float32: the float32 difference is the float64 one, rounded once.
        offset32 = np.asarray(offset, dtype=np.float32)
        offset = offset32.astype(np.float64)
        np.subtract(X, offset32, out=padded[:n])
    else:
        for start in range(0, n, CONVERT_ROWS):
            stop = min(n, start + CONVERT_ROWS)
            chunk = np.asarray(X[start:stop], dtype=np.float64) - offset
            if unit_rows:
                chunk = chunk / np.linalg.norm(chunk, axis=1, keepdims=True)
            padded[start:stop] = chunk
    extent = max(float(padded.max()), -float(padded.min()))
    if extent * np.sqrt(d) >= _MAX_EXTENT:
        raise KMeansInputError(
            f"X spans too wide a range (|x - mean| up to {extent:.3g}) for float32 distances; "
            "rescale the features (e.g. standardise them) first"
        )
    w = np.zeros(m * block, dtype=np.float32)
    w[:n] = 1.0 if sample_weight is None else sample_weight
    start_labels = np.full(m * block, -2, dtype=np.int32)
    start_labels[:n] = -1
    shards = None
    if strategy is not None:
        from .distributed import shard

        shards = shard(
            strategy,
            padded.reshape(m, block, d),
            w.reshape(m, block),
            start_labels.reshape(m, block),
        )
        device = shards.description
    with tf.device(None if shards is not None else device):
        blocks = tf.constant(padded.reshape(m, block, d))
        weights = tf.constant(w.reshape(m, block))
        unlabelled = tf.constant(start_labels.reshape(m, block))
    return PreparedData(
        blocks=blocks,
        weights=weights,
        unlabelled=unlabelled,
        sample_weight=sample_weight,
        n=n,
        d=d,
        offset=offset,
        device=device,
        source=X,
        shards=shards,
    )


def centring_offset(total: np.ndarray, weight: float) -> np.ndarray:
    """The point every row is centred on: the weighted mean (``total`` / ``weight``), rounded
    to float32 (and held as float64).

    Any point near the data removes the cancellation. Rounded, the offset is the same however
    the sum was taken (all rows at once, chunk by chunk in a streamed run, or shard by shard),
    so every way of running centres each row identically.
    """
    return (np.asarray(total, np.float64) / weight).astype(np.float32).astype(np.float64)


def prepare_input(
    X: object,
    n_clusters: object,
    sample_weight: object,
    device: str,
    metric: str = "euclidean",
    strategy: tf.distribute.Strategy | None = None,
) -> tuple[PreparedData, int]:
    """Validate everything, resolve the device, and lay the data out: the one entry point."""
    arr = check_data(X)
    weights = check_weights(sample_weight, arr.shape[0])
    unit_rows = metric == "cosine"
    if unit_rows:
        zero = np.linalg.norm(arr, axis=1) == 0
        if zero.any():
            raise KMeansInputError(
                f"the cosine metric needs non-zero rows; {int(zero.sum())} row(s) are all zeros "
                f"(first at row {int(np.argmax(zero))})"
            )
        arr = unit_length(arr)
    k = check_n_clusters(n_clusters, arr, weights)
    data = prepare(arr, weights, resolve_device(device), k, unit_rows=unit_rows, strategy=strategy)
    check_distinct(data, k)
    return data, k
