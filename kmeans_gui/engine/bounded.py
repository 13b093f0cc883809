"""Lloyd passes that skip the rows whose nearest centroid cannot have changed (Hamerly, 2010).

After the first few iterations most centroids barely move, and a full pass spends nearly all
its time confirming labels that stay. Each row keeps an upper bound on the distance to its own
centroid and a lower bound on the distance to every other one. When the centroids move by
``shift``, the upper bound grows by its centroid's shift and the lower bound shrinks by the
largest shift of the others (triangle inequality). A row is searched again only if
``upper > max(lower, half the distance from its centroid to the nearest other centroid)``;
the others provably keep their label. The searched rows are gathered into whole blocks and run
through the full pass's own compiled block (so no other kernel is compiled), and the cluster
totals are updated by the rows that moved.

A skipped row is provably nearest to its own centroid: the bounds are made conservative for
float32 rounding (the GEMM expansion's error is subtracted from lower bounds and added to upper
bounds), so a row near a tie is always searched. The labels are therefore those of full passes
except where two centroids are within float32 rounding of a row (where full passes differ from
scikit-learn too); the centroids differ from full passes' by float32 summation (about 1e-7),
since totals are kept in float64 here. Only used for more than 4 features, where full passes
use the same GEMM expansion (``kernels.nearest``). Each state's inertia is
``sum_j Q_j - 2 c_j.S_j + W_j |c_j|^2`` from the float64 totals (relative error about
1e-16 |c|^2 / spread^2).

Used on the CPU, where the search dominates; a GPU does a full pass in about the time the
host needs to gather rows. Measured on a 2-core CPU (the fits of benchmarks/engine.py, 20
iterations, best of 5): 0.47 s with full passes and 0.41 s with bounds at 100k x 64 x 256,
0.158 s and 0.152 s at 200k x 16 x 32. A shape's first fit compiles one more pass kernel.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import numpy as np
import tensorflow as tf

from .kernels import DIRECT_MAX_FEATURES, expansion_scores, first_index_of_min, over_blocks
from .metric import assign
from .prepare import PreparedData

#: Bounds pay for their bookkeeping, and for compiling one more kernel on a shape's first fit,
#: from about this many clusters and this much work per pass (rows x clusters x features):
#: below, a full pass is a few milliseconds anyway (measured on a 2-core CPU).
MIN_CLUSTERS = 16
MIN_WORK = 1 << 26
#: When more than this fraction of rows must be searched, a full pass is cheaper.
_FULL_PASS_FRACTION = 0.4
_F32 = np.finfo(np.float32).eps


def _nearest_two(x, centroids, csq):
    """Label, upper bound on the distance to it and lower bound on the distance to any other
    centroid, for a block of rows, from one GEMM expansion.

    The expansion's absolute error is below ``(2 D + 8) eps (|x| + |c|max)^2``; adding or
    subtracting it keeps both bounds valid for the exact distances.
    """
    scores = expansion_scores(x, centroids, csq)
    best = tf.reduce_min(scores, axis=1)
    labels = first_index_of_min(scores, best)
    columns = tf.range(tf.shape(scores)[1], dtype=tf.int32)[tf.newaxis, :]
    second = tf.reduce_min(
        tf.where(columns == labels[:, tf.newaxis], tf.constant(np.inf, scores.dtype), scores),
        axis=1,
    )
    xsq = tf.reduce_sum(tf.square(x), axis=1)
    eps = (2.0 * tf.cast(tf.shape(x)[-1], x.dtype) + 8.0) * float(_F32)
    slack = eps * tf.square(tf.sqrt(xsq) + tf.sqrt(tf.reduce_max(csq)))
    upper = tf.sqrt(tf.maximum(best + xsq + slack, 0.0))
    lower = tf.sqrt(tf.maximum(second + xsq - slack, 0.0))
    return labels, upper, lower


def _cluster_sums(x, w, labels, k):
    """Weighted float64 sums, weights and sums of squares (w |x|^2) per cluster."""
    x64, w64 = tf.cast(x, tf.float64), tf.cast(w, tf.float64)
    return (
        tf.math.unsorted_segment_sum(x64 * w64[:, tf.newaxis], labels, k),
        tf.math.unsorted_segment_sum(w64, labels, k),
        tf.math.unsorted_segment_sum(w64 * tf.reduce_sum(tf.square(x64), axis=1), labels, k),
    )


@tf.function(jit_compile=True)
def _full_block(x, w, previous, centroids, csq):
    """A full pass over one block: labels (-2 on padding), bounds, and the cluster totals."""
    k = tf.shape(centroids)[0]
    labels, upper, lower = _nearest_two(x, centroids, csq)
    valid = previous != -2
    member = tf.where(valid, w, 0.0)
    sums, wsum, squares = _cluster_sums(x, member, labels, k)
    count = tf.math.unsorted_segment_sum(tf.cast(valid, tf.int32), labels, k)
    changed = tf.reduce_sum(tf.cast(valid & (labels != previous), tf.int32))
    return tf.where(valid, labels, -2), upper, lower, sums, wsum, squares, count, changed


_SIGNATURE = (tf.int32, tf.float32, tf.float32, tf.float64, tf.float64, tf.float64, tf.int32)


@tf.function(reduce_retracing=False)
def _over_all_blocks(block_fn, blocks, weights, previous, centroids):
    csq = tf.reduce_sum(tf.square(centroids), axis=1)
    labels, upper, lower, sums, wsum, squares, count, changed = over_blocks(
        lambda x, w, p: block_fn(x, w, p, centroids, csq),
        (blocks, weights, previous),
        (*_SIGNATURE, tf.int32),
    )
    totals = (sums, wsum, squares, count, changed)
    return (labels, upper, lower, *(tf.reduce_sum(t, axis=0) for t in totals))


def worthwhile(data: PreparedData, k: int) -> bool:
    """Whether ``lloyd_states`` should use bounded passes for this data and k."""
    return (
        data.shards is None
        and not data.on_gpu
        and k >= MIN_CLUSTERS
        and data.d > DIRECT_MAX_FEATURES
        and data.n * k * data.d >= MIN_WORK
    )


@dataclass
class PassResult:
    """What ``lloyd_states`` needs from one pass over the data."""

    labels: np.ndarray  # (N,) int32, a fresh array the caller may keep
    sums: np.ndarray  # (K, D) float64 weighted sums of the centred rows per cluster
    wsum: np.ndarray  # (K,) float64 weight per cluster
    sizes: np.ndarray  # (K,) int64 rows per cluster
    n_changed: int
    inertia: float
    distances: Callable[[], np.ndarray]  # (N,) squared distance of each row to its centroid


class BoundedPasses:
    """Lloyd passes over ``data`` that remember, per row, bounds between passes."""

    def __init__(self, data: PreparedData) -> None:
        self.data = data
        self.rows = tf.reshape(data.blocks, (-1, data.d))  # row i of the data is row i here
        self.weights = data.weights.numpy().reshape(-1)
        self.labels = data.unlabelled.numpy().reshape(-1)
        self.upper: np.ndarray | None = None  # per-row bounds, after the first (full) pass

    def run(self, centroids: np.ndarray) -> PassResult:
        """Assign every row to its nearest of ``centroids`` (centred, float64) and total up."""
        used = centroids.astype(np.float32)
        centres = used.astype(np.float64)  # the centroids the distances are measured to
        n_changed = self._full(used) if self.upper is None else self._search(used, centres)
        self.centres = centres
        labels = self.labels[: self.data.n].copy()
        inertia = float(
            self.squares.sum()
            - 2.0 * np.einsum("kd,kd->", centroids, self.sums)
            + self.wsum @ np.einsum("kd,kd->k", centroids, centroids)
        )
        return PassResult(
            labels=labels,
            sums=self.sums.copy(),
            wsum=self.wsum.copy(),
            sizes=self.count.astype(np.int64),
            n_changed=n_changed,
            inertia=max(inertia, 0.0),
            distances=partial(self._distances, centroids),
        )

    def _distances(self, centroids: np.ndarray) -> np.ndarray:
        return assign(self.data, centroids)[1]

    def _full(self, used: np.ndarray) -> int:
        data = self.data
        previous = tf.constant(self.labels.reshape(data.blocks.shape[:2]))
        out = _over_all_blocks(_full_block, data.blocks, data.weights, previous, used)
        labels, upper, lower, sums, wsum, squares, count, changed = (t.numpy() for t in out)
        # .numpy() copies, so these arrays are ours to update in place.
        self.labels, self.upper, self.lower = (a.reshape(-1) for a in (labels, upper, lower))
        self.upper[self.labels == -2] = -np.inf  # padding is never searched
        self.sums, self.wsum, self.squares, self.count = sums, wsum, squares, count
        return int(changed)

    def _search(self, used: np.ndarray, centres: np.ndarray) -> int:
        shift = np.sqrt(np.einsum("kd,kd->k", centres - self.centres, centres - self.centres))
        shift = (shift * (1 + 1e-6)).astype(np.float32)
        half = _half_gaps(tf.constant(centres))
        upper, lower, search = _loosen(
            self.labels, self.upper, self.lower, shift, _largest_other(shift), half
        )
        self.upper, self.lower = upper.numpy(), lower.numpy()
        rows = np.flatnonzero(search.numpy())
        if rows.size > _FULL_PASS_FRACTION * self.data.n:
            return self._full(used)
        if rows.size == 0:
            return 0
        # The searched rows, gathered into whole blocks: the full pass's compiled block again.
        blocks, block = self.data.blocks.shape[:2]
        # Whole powers of two of blocks: a new number of blocks is a new graph to trace.
        m = min(1 << (-(-rows.size // block) - 1).bit_length(), blocks)
        picked = np.concatenate([rows, np.full(m * block - rows.size, rows[0])])
        old = self.labels[rows]
        previous = np.full(m * block, -2, np.int32)
        previous[: rows.size] = old
        shape = (m, block)
        out = _over_all_blocks(
            _full_block,
            tf.reshape(tf.gather(self.rows, picked), (*shape, self.data.d)),
            tf.constant(self.weights[picked].reshape(shape)),
            tf.constant(previous.reshape(shape)),
            used,
        )
        labels, upper, lower = (t.numpy().reshape(-1)[: rows.size] for t in out[:3])
        self.labels[rows] = labels
        self.upper[rows] = upper
        self.lower[rows] = lower
        moved = np.flatnonzero(labels != old)
        if moved.size:
            self._move(rows[moved], old[moved], labels[moved])
        return int(moved.size)

    def _move(self, rows: np.ndarray, old: np.ndarray, new: np.ndarray) -> None:
        """Take ``rows`` out of the totals of clusters ``old`` and into those of ``new``."""
        x = tf.gather(self.rows, rows).numpy().astype(np.float64)
        w = self.weights[rows].astype(np.float64)
        wx = x * w[:, np.newaxis]
        wq = w * np.einsum("ij,ij->i", x, x)
        for labels, sign in ((old, -1.0), (new, 1.0)):
            np.add.at(self.sums, labels, sign * wx)
            np.add.at(self.wsum, labels, sign * w)
            np.add.at(self.squares, labels, sign * wq)
            np.add.at(self.count, labels, int(sign))


@tf.function(jit_compile=True, reduce_retracing=False)
def _loosen(labels, upper, lower, shift, drop, half):
    """Move every row's bounds by its centroids' shifts (rounded outwards); True for the rows
    whose label could have changed."""
    own = tf.maximum(labels, 0)
    upper = (upper + tf.gather(shift, own)) * (1 + 4 * _F32)
    lower = (lower - tf.gather(drop, own)) * (1 - 4 * _F32)
    return upper, lower, upper > tf.maximum(lower, tf.gather(half, own))


def _largest_other(shift: np.ndarray) -> np.ndarray:
    """For each cluster, the largest shift among the other clusters."""
    if shift.size < 2:
        return np.zeros_like(shift)
    first = int(np.argmax(shift))
    out = np.full_like(shift, shift[first])
    out[first] = np.delete(shift, first).max()
    return out


@tf.function(jit_compile=True, reduce_retracing=False)
def _half_gaps(centres):
    """Half the distance from each centroid to its nearest other one, rounded down (float32).

    A row closer to its centroid than this is closer to it than to any other. Exact float64
    differences, fused by XLA (no K x K x D tensor); in TensorFlow rather than NumPy, whose
    BLAS threads would spin on the cores the next pass needs.
    """
    k = tf.shape(centres)[0]
    diff = centres[:, tf.newaxis, :] - centres[tf.newaxis, :, :]
    gaps = tf.reduce_sum(tf.square(diff), axis=2)
    gaps = tf.where(tf.eye(k, dtype=tf.bool), tf.constant(np.inf, tf.float64), gaps)
    half = 0.5 * tf.sqrt(tf.reduce_min(gaps, axis=1)) * (1 - 1e-6)
    return tf.cast(half, tf.float32)
