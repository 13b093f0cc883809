"""The compiled inner loops: blocked nearest-centroid assignment and per-cluster sums.

Distances go through the GEMM expansion |c|^2 - 2 x.c over blocks of rows, so no N x K x D
tensor ever exists and the working set is one block's B x K scores. The chosen centroid's
distance is then recomputed exactly as (x - c)^2, which is what inertia and the empty-cluster
repair need. The expansion is only safe because the caller centres the data first
(see ``prepare.py``).

Layout chosen by measurement on a 2-core CPU (benchmarks/engine.py): each block body is one
XLA cluster (fusing GEMM, argmin, gather and the segment sums), while the blocks are unrolled
in the graph (``over_blocks``) so independent blocks run on both cores. On a GPU the
per-cluster sums use a one-hot matrix multiply instead of a scatter-add, which contends badly
there (openxla/xla#46225). Each function is traced once per input shape and reused by every run,
restart and ``KMeans`` instance.
"""

from __future__ import annotations

import tensorflow as tf

#: Target score-block size (rows x centroids); 2**18 float32 = 1 MiB keeps a block in cache.
_BLOCK_SCORES = 1 << 18
#: Larger blocks, up to 8 MiB of scores, are worth it to keep a pass unrolled (``over_blocks``).
_MAX_BLOCK_SCORES = 1 << 21
_MIN_ROWS, _MAX_ROWS = 1024, 32768
#: Up to this many blocks a pass is unrolled in the graph; beyond, a ``map_fn`` loop. Tracing
#: costs about 8 ms per unrolled block, once per data shape.
_MAX_UNROLLED_BLOCKS = 64


def block_rows(n_rows: int, n_clusters: int) -> int:
    """Rows per block: a power of two near a 1 MiB score block, grown (to 8 MiB) if that keeps
    the pass within ``_MAX_UNROLLED_BLOCKS``, never more than the data needs."""
    k = max(n_clusters, 1)
    rows = max(_MIN_ROWS, min(_MAX_ROWS, _BLOCK_SCORES // k))
    rows = 1 << (rows.bit_length() - 1)
    largest = max(rows, min(_MAX_ROWS, _MAX_BLOCK_SCORES // k))
    while rows * _MAX_UNROLLED_BLOCKS < n_rows and rows * 2 <= largest:
        rows *= 2
    needed = max(8, -(-n_rows // 8) * 8)
    return min(rows, needed)


#: Up to this many features the exact broadcast (x - c)^2, fused by XLA, beats the GEMM.
DIRECT_MAX_FEATURES = 4


def nearest(x: tf.Tensor, centroids: tf.Tensor, csq: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
    """Nearest centroid (lowest index on ties) and exact squared distance for a block of rows."""
    if x.shape[-1] is not None and x.shape[-1] <= DIRECT_MAX_FEATURES:
        dist_all = tf.reduce_sum(tf.square(x[:, tf.newaxis, :] - centroids[tf.newaxis]), axis=2)
        dist = tf.reduce_min(dist_all, axis=1)
        return first_index_of_min(dist_all, dist), dist
    scores = expansion_scores(x, centroids, csq)
    labels = first_index_of_min(scores, tf.reduce_min(scores, axis=1))
    dist = tf.reduce_sum(tf.square(x - tf.gather(centroids, labels)), axis=1)
    return labels, dist


def expansion_scores(x: tf.Tensor, centroids: tf.Tensor, csq: tf.Tensor) -> tf.Tensor:
    """|c|^2 - 2 x.c for a block of rows: the squared distance up to each row's |x|^2 (a GEMM)."""
    return csq[tf.newaxis, :] - 2.0 * tf.matmul(x, centroids, transpose_b=True)


def first_index_of_min(scores: tf.Tensor, row_min: tf.Tensor) -> tf.Tensor:
    """``argmin(scores, axis=1)`` as int32, written as two plain reductions.

    XLA's CPU argmin is a variadic (value, index) reduction that does not vectorise; a min, a
    compare and a min over the column indices do: a pass cost 20-30% less at K = 32..256 on a
    2-core CPU.
    """
    k = tf.shape(scores)[1]
    columns = tf.range(k, dtype=tf.int32)[tf.newaxis, :]
    return tf.reduce_min(tf.where(scores <= row_min[:, tf.newaxis], columns, k), axis=1)


def _block_tail(labels, previous, k):
    """Rows per cluster, rows whose label changed, and labels with padding kept at -2."""
    valid = previous != -2  # padding rows carry -2 from pass to pass
    count = tf.math.unsorted_segment_sum(tf.cast(valid, tf.int32), labels, k)
    changed = tf.reduce_sum(tf.cast((labels != previous) & valid, tf.int32))
    return tf.where(valid, labels, -2), count, changed


def _block_scatter(x, w, previous, centroids, csq):
    k = tf.shape(centroids)[0]
    labels, dist = nearest(x, centroids, csq)
    sums = tf.math.unsorted_segment_sum(x * w[:, tf.newaxis], labels, k)
    wsum = tf.math.unsorted_segment_sum(w, labels, k)
    marked, count, changed = _block_tail(labels, previous, k)
    return marked, dist, sums, wsum, count, changed, tf.reduce_sum(w * dist)


def _block_onehot(x, w, previous, centroids, csq):
    k = tf.shape(centroids)[0]
    labels, dist = nearest(x, centroids, csq)
    member = tf.one_hot(labels, k, dtype=x.dtype)
    weighted = member * w[:, tf.newaxis]
    sums = tf.matmul(weighted, x, transpose_a=True)
    wsum = tf.reduce_sum(weighted, axis=0)
    marked, count, changed = _block_tail(labels, previous, k)
    return marked, dist, sums, wsum, count, changed, tf.reduce_sum(w * dist)


_block_cpu = tf.function(_block_scatter, jit_compile=True)
_block_gpu = tf.function(_block_onehot, jit_compile=True)


def over_blocks(fn, arrays: tuple[tf.Tensor, ...], signature: tuple[tf.DType, ...]):
    """``fn`` on block i of every array, for every i; outputs stacked along a new axis 0.

    Unrolled, the blocks are independent nodes that TensorFlow's executor runs on all cores
    with no loop bookkeeping between them: a pass cost 20% (200k x 16 x 32) to 40% (1M x 2 x 8)
    less than with ``map_fn``. The loop bounds the graph for data of very many blocks.
    """
    m = arrays[0].shape[0]
    if m is not None and m <= _MAX_UNROLLED_BLOCKS:
        outs = [fn(*(a[i] for a in arrays)) for i in range(m)]
        return tuple(tf.stack([o[j] for o in outs]) for j in range(len(signature)))
    return tf.map_fn(lambda a: fn(*a), arrays, fn_output_signature=signature, parallel_iterations=4)


def _make_lloyd_pass(block_fn):
    def lloyd_pass(
        blocks: tf.Tensor, weights: tf.Tensor, previous: tf.Tensor, centroids: tf.Tensor
    ):
        """One assignment pass over all blocks plus the sums the centroid update needs.

        ``previous`` (M, B) int32 holds the last pass's labels (-1 before the first pass, -2 on
        padding rows). Returns labels (M, B) int32 (-2 on padding), each row's exact squared
        distance to its centroid (M, B) (what the empty-cluster repair ranks rows by), weighted
        sums (K, D) and weight per cluster (K,) in float64, rows per cluster (K,) int32, rows
        whose label changed () int32 and inertia () float64.
        """
        csq = tf.reduce_sum(tf.square(centroids), axis=1)
        dt = blocks.dtype
        labels, dist, sums, wsum, count, changed, inertia = over_blocks(
            lambda x, w, p: block_fn(x, w, p, centroids, csq),
            (blocks, weights, previous),
            (tf.int32, dt, dt, dt, tf.int32, tf.int32, dt),
        )
        f64 = tf.float64
        return (
            labels,
            dist,
            tf.reduce_sum(tf.cast(sums, f64), axis=0),
            tf.reduce_sum(tf.cast(wsum, f64), axis=0),
            tf.reduce_sum(count, axis=0),
            tf.reduce_sum(changed),
            tf.reduce_sum(tf.cast(inertia, f64)),
        )

    return tf.function(lloyd_pass, reduce_retracing=False)


_lloyd_pass_cpu = _make_lloyd_pass(_block_cpu)
_lloyd_pass_gpu = _make_lloyd_pass(_block_gpu)


def lloyd_pass(
    blocks: tf.Tensor, weights: tf.Tensor, previous: tf.Tensor, centroids: tf.Tensor, on_gpu: bool
):
    """Dispatch to the device's variant (see the module docstring)."""
    return (_lloyd_pass_gpu if on_gpu else _lloyd_pass_cpu)(blocks, weights, previous, centroids)


_assign_block = tf.function(nearest, jit_compile=True)


@tf.function(reduce_retracing=False)
def assign_pass(blocks: tf.Tensor, centroids: tf.Tensor):
    """Labels (M, B) int32 and exact squared distances (M, B) for every row, no sums.

    Each block is one XLA cluster, as in the Lloyd pass: unfused, the small-D broadcast in
    ``nearest`` would build a B x K x D tensor.
    """
    csq = tf.reduce_sum(tf.square(centroids), axis=1)
    return over_blocks(
        lambda x: _assign_block(x, centroids, csq), (blocks,), (tf.int32, blocks.dtype)
    )
