"""Final figures recomputed in float64 from the caller's own rows: centroids and inertia.

Passes work on centred float32 rows, which is exact enough to label but not to report: a
centre of 9 would read 9.000000047, and data spanning 1e5 with unit spread loses 1e-4 of its
inertia. So the reported centroids and inertia are recomputed once per run in float64 from
``PreparedData.source``, as scikit-learn reports float64 means and an exactly summed inertia.

Each chunk of rows is one XLA computation (convert, centre, segment-sum or distance, fused), so
no float64 copy of the data is made; chunks are padded to one size so that every chunk of a
run reuses one compiled program.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import tensorflow as tf

from .metric import project, weighted_sizes
from .prepare import PreparedData

#: Elements (rows x features) per chunk: bounds the float64 temporaries to 32 MiB.
_CHUNK_ELEMENTS = 1 << 22


@tf.function(jit_compile=True, reduce_retracing=False)
def _chunk_sums(rows, offset, labels, weights, centroids):
    """Weighted float64 sums of the centred rows per cluster, (K, D)."""
    centred = (tf.cast(rows, tf.float64) - offset) * weights[:, tf.newaxis]
    return tf.math.unsorted_segment_sum(centred, labels, tf.shape(centroids)[0])


@tf.function(jit_compile=True, reduce_retracing=False)
def _chunk_cost(rows, offset, labels, weights, centroids):
    """Weighted float64 sum of squared distances of the centred rows to their centroid, ()."""
    diff = tf.cast(rows, tf.float64) - offset - tf.gather(centroids, labels)
    return tf.reduce_sum(weights * tf.reduce_sum(tf.square(diff), axis=1))


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
    offset = tf.constant(data.offset, tf.float64)
    centres = tf.constant(centroids, tf.float64)
    total = None
    for rows, members, w in _chunks(data, labels):
        part = fn(rows, offset, members, w, centres)
        total = part if total is None else total + part
    return total.numpy()


def exact_inertia(data: PreparedData, labels: np.ndarray, centroids: np.ndarray) -> float:
    """Weighted sum of squared distances of the caller's rows to their centred ``centroids``."""
    return float(_over_chunks(_chunk_cost, data, labels, centroids))


def exact_means(
    data: PreparedData, labels: np.ndarray, centroids: np.ndarray, metric: str
) -> np.ndarray:
    """The centred centroids recomputed from the labels that produced them; a cluster without
    weight keeps its given centre."""
    total = weighted_sizes(data, labels, centroids.shape[0])
    sums = _over_chunks(_chunk_sums, data, labels, centroids)
    filled = total > 0
    out = np.array(centroids, dtype=np.float64)
    out[filled] = sums[filled] / total[filled, np.newaxis]
    return project(out, metric, fallback=centroids)
