"""Final figures recomputed in float64 from the caller's own rows: centroids and inertia.

Passes work on centred float32 rows, which is exact enough to label but not to report: a
centre of 9 would read 9.000000047, and data spanning 1e5 with unit spread loses 1e-4 of its
inertia. So the reported centroids and inertia are recomputed once per run in float64 from
``PreparedData.source``, as scikit-learn reports float64 means and an exactly summed inertia.

Small tables (most of what the window opens) are summed in NumPy, which costs less than one
call into TensorFlow. Larger ones go through XLA a chunk at a time (convert, centre,
segment-sum or distance, fused), so no float64 copy of the data is made; chunks are padded to
one size, and each function is traced once per chunk layout with k left open (a sweep over k
neither retraces nor warns about it).
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import tensorflow as tf

from .kernels import GROUP, Traced
from .metric import project, weighted_sizes
from .prepare import PreparedData

#: Elements (rows x features) per chunk: bounds the float64 temporaries to 32 MiB.
_CHUNK_ELEMENTS = 1 << 22
#: Up to this many elements the sums are NumPy's.
_NUMPY_ELEMENTS = 1 << 18


def _chunk_sums(rows, offset, labels, weights, centroids):
    """Weighted float64 sums of the centred rows per cluster, (K, D)."""
    centred = (tf.cast(rows, tf.float64) - offset) * weights[:, tf.newaxis]
    return tf.math.unsorted_segment_sum(centred, labels, tf.shape(centroids)[0])


def _chunk_cost(rows, offset, labels, weights, centroids):
    """Weighted float64 sum of squared distances of the centred rows to their centroid, ()."""
    diff = tf.cast(rows, tf.float64) - offset - tf.gather(centroids, labels)
    return tf.reduce_sum(weights * tf.reduce_sum(tf.square(diff), axis=1))


_SUMS = Traced(_chunk_sums, {4: (0,)}, jit_compile=True)
_COST = Traced(_chunk_cost, {4: (0,)}, jit_compile=True)


def _chunks(data: PreparedData, labels: np.ndarray) -> Iterator[tuple[tf.Tensor, ...]]:
    """(rows, labels, weights) of the source in equal chunks; padding rows weigh 0."""
    n, d = data.source.shape
    size = min(max(1024, _CHUNK_ELEMENTS // max(d, 1)), -(-n // 8) * 8)
    weights = data.weight_array
    for start in range(0, n, size):
        stop = min(n, start + size)
        rows, members, w = data.source[start:stop], labels[start:stop], weights[start:stop]
        if stop - start < size:  # pad the last chunk: one compiled shape per run
            pad = size - (stop - start)
            rows = np.concatenate([rows, np.zeros((pad, d), rows.dtype)])
            members = np.concatenate([members, np.zeros(pad, members.dtype)])
            w = np.concatenate([w, np.zeros(pad)])
        yield tf.constant(rows), tf.constant(members, tf.int32), tf.constant(w, tf.float64)


def _over_chunks(fn, data: PreparedData, labels: np.ndarray, centroids: np.ndarray):
    k = centroids.shape[0]
    padded = np.zeros((-(-k // GROUP) * GROUP, data.d))  # one compiled program per group of k
    padded[:k] = centroids
    offset = tf.constant(data.offset, tf.float64)
    centres = tf.constant(padded, tf.float64)
    total = None
    for rows, members, w in _chunks(data, labels):
        part = fn(rows, offset, members, w, centres)
        total = part if total is None else total + part
    return total.numpy()


def _small(data: PreparedData) -> bool:
    return data.n * data.d <= _NUMPY_ELEMENTS


def exact_inertia(data: PreparedData, labels: np.ndarray, centroids: np.ndarray) -> float:
    """Weighted sum of squared distances of the caller's rows to their centred ``centroids``."""
    if _small(data):
        diff = data.source_rows(slice(None)) - centroids[labels]
        return float(data.weight_array @ np.einsum("ij,ij->i", diff, diff))
    return float(_over_chunks(_COST, data, labels, centroids))


def exact_means(
    data: PreparedData, labels: np.ndarray, centroids: np.ndarray, metric: str
) -> np.ndarray:
    """The centred centroids recomputed from the labels that produced them; a cluster without
    weight keeps its given centre."""
    k = centroids.shape[0]
    total = weighted_sizes(data, labels, k)
    if _small(data):
        rows, weights = data.source_rows(slice(None)), data.weight_array
        sums = np.stack(
            [np.bincount(labels, rows[:, j] * weights, minlength=k) for j in range(data.d)],
            axis=1,
        )
    else:
        sums = _over_chunks(_SUMS, data, labels, centroids)[:k]
    filled = total > 0
    out = np.array(centroids, dtype=np.float64)
    out[filled] = sums[filled] / total[filled, np.newaxis]
    return project(out, metric, fallback=centroids)
