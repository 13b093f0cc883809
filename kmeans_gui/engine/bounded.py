"""Lloyd passes that search only the rows whose nearest centroid may have changed (Hamerly).

After the first few iterations most rows cannot change cluster: a row's distance to its own
centroid ``u`` (exact, recomputed every pass for O(D) a row) is no more than a lower bound
``l`` on its distance to every other centroid, or than half the distance from its centroid to
the nearest other one (``s``). ``l`` comes from the last search of the row (its second
nearest) and falls by the largest move of another centroid each pass. Only the rows where
``u > max(l, s)`` are gathered, in chunks of a block's rows (one compiled search serves
chunks and blocks; the last chunk is padded with row 0, its result dropped), and searched
like a full pass (``kernels._gemm_nearest``); on the benchmark's blobs that is 5-20 % of the
rows after the first iterations (100k x 64 x 256: 100 % on the first pass, 67, 51, 23, then
5-13 %). When more than half the rows are in doubt (the first pass: nothing is known) the
blocks are searched whole instead. The others keep their labels, the exact nearest centroid
up to float32 rounding: the bounds carry a slack, so that a row near a tie is searched (and,
as in a full pass, the lowest index wins a tie).

Used by the compiled fit loop (``lloyd_loop.py``) and by ``lloyd.FullPasses`` on the CPU for
GEMM layouts where the search dominates a pass (``worthwhile``); every pass returns what
``pass_totals`` does, its distances always the exact (x - c)^2 (a full Lloyd pass's may be the
GEMM expansion's).
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

import tensorflow as tf

from .kernels import Traced, _gemm_nearest, block_sums, over_blocks, padded, summed

if TYPE_CHECKING:
    from .prepare import PreparedData

#: Relative float32 slack on the bounds and moves: a row within it of a tie is searched again.
_SLACK = 1e-5
#: From this many multiply-adds per row (k x D) searching few rows pays for the bookkeeping
#: (20 iterations, 2-core CPU: 100k x 8 x 256 bounded 241 ms, full 396; 100k x 64 x 256 fit
#: 0.42 s against 0.67 s; even at 1024 (100k x 16 x 64, 100k x 32 x 32); 200k x 16 x 32
#: 207-233 ms against 133-189).
_MIN_WORK = 2048


def worthwhile(k: int, n_features: int, on_gpu: bool) -> bool:
    """Whether bounded passes pay for their bookkeeping at this shape (CPU only)."""
    return not on_gpu and k * n_features >= _MIN_WORK


def used_for(data: PreparedData, columns: bool, k: int) -> bool:
    """Whether Lloyd passes over ``data`` take bounds: GEMM layouts (not ``columns``) where
    they pay (the compiled fit loop and ``lloyd.FullPasses`` both ask this)."""
    return not columns and worthwhile(k, data.d, data.on_gpu)


@functools.cache
def _search() -> Any:
    def search(x, c, extra):
        """Nearest centroid of rows ``x``, the lower bound (with slack) of the second nearest's
        distance, and the exact squared distance to the nearest."""
        labels, _, second = _gemm_nearest(x, c, extra, second=True)
        xsq = tf.reduce_sum(tf.square(x), axis=1)
        csq = tf.reduce_sum(tf.square(c), axis=1)  # padding rows are zeros
        lower = tf.sqrt(tf.maximum(second + xsq - _SLACK * (xsq + tf.reduce_max(csq)), 0.0))
        return labels, lower, tf.reduce_sum(tf.square(x - tf.gather(c, labels)), axis=1)

    return tf.function(search, jit_compile=True)


@functools.cache
def _loosen() -> Any:
    def loosen(x, previous, lower, c, half_gap, fastest, top, runner_up):
        """Each row's exact squared distance to its centroid, its lower bound after the move,
        and whether it needs a search (always, for a row not labelled yet: -1)."""
        valid = previous >= 0
        own = tf.where(valid, previous, 0)
        dist = tf.reduce_sum(tf.square(x - tf.gather(c, own)), axis=1)
        lower = lower - tf.where(own == fastest, runner_up, top)
        limit = tf.maximum(lower, tf.gather(half_gap, own))
        upper = tf.sqrt(dist) * (1.0 + _SLACK) + 1e-30
        return dist, lower, (previous == -1) | (valid & (upper > limit))

    return tf.function(loosen, jit_compile=True)


@functools.cache
def _totals() -> Any:
    def totals(x, w, labels, previous, dist, c):
        """The sums ``pass_totals`` returns, for one block of final labels (``c`` the padded
        centroids: their count sizes the sums)."""
        own = tf.where(previous != -2, labels, 0)  # padding rows (-2) weigh 0 in cluster 0
        return block_sums(x, w, own, previous, dist, tf.shape(c)[0], False)

    return tf.function(totals, jit_compile=True)


def _search_rows(blocks, previous, lower, dist, doubt, c, extra):
    """Labels, lower bounds and exact squared distances, (M, B) each, after searching the
    flat rows ``doubt`` in chunks of a block's rows (the others keep theirs)."""
    shape = previous.shape if previous.shape.is_fully_defined() else tf.shape(previous)
    rows = tf.reshape(blocks, [-1, blocks.shape[2]])
    searched = tf.shape(doubt)[0]
    size = blocks.shape[1]
    chunks = (searched + size - 1) // size
    fill = tf.zeros([chunks * size - searched], tf.int32)  # row 0 again, its result unused
    order = tf.reshape(tf.concat([doubt, fill], 0), [chunks, size])
    search = _search()
    outs = tf.map_fn(
        lambda at: search(tf.gather(rows, at), c, extra),
        order,
        fn_output_signature=(tf.int32, tf.float32, tf.float32),
        parallel_iterations=2,
    )
    found, bound, fresh = (tf.reshape(out, [-1])[:searched] for out in outs)
    at = doubt[:, tf.newaxis]
    return tuple(
        tf.reshape(tf.tensor_scatter_nd_update(tf.reshape(old, [-1]), at, new), shape)
        for old, new in ((previous, found), (lower, bound), (dist, fresh))
    )


def centroid_moves(current: tf.Tensor, before: tf.Tensor) -> tuple[tf.Tensor, ...]:
    """Per centroid, half the distance to its nearest other centroid (lower, with slack); and
    the index of the centroid that moved most, its move and the second-largest move."""
    k = tf.shape(current)[0]
    drift = tf.norm(current - before, axis=1) * (1.0 + _SLACK)
    csq = tf.reduce_sum(tf.square(current), axis=1)
    gaps = csq[:, None] + csq[None, :] - 2.0 * tf.matmul(current, current, transpose_b=True)
    gaps = gaps - _SLACK * (csq[:, None] + csq[None, :])
    gaps = tf.where(tf.eye(k, dtype=tf.bool), tf.fill([k, k], float("inf")), gaps)
    half_gap = 0.5 * tf.sqrt(tf.maximum(tf.reduce_min(gaps, axis=1), 0.0))
    moves = tf.concat([drift, tf.zeros([1])], axis=0)  # k = 1 has no runner-up
    top = tf.math.top_k(moves, 2)
    return half_gap, top.indices[0], top.values[0], top.values[1]


def bounded_totals(blocks, weights, previous, lower, current, before):
    """One Lloyd pass over (M, B, D) ``blocks`` that searches only the rows the bounds leave in
    doubt; ``previous`` (M, B) the last pass's labels (-2 on padding), ``lower`` (M, B) their
    lower bounds, ``current`` (K, D) (cast to float32, as searched) and ``before`` the
    centroids of the last pass.

    Returns ``pass_totals``' outputs (labels, exact squared distances, float64 sums, weights,
    counts, changed rows, cost), then the new lower bounds and the rows searched.
    """
    current, before = tf.cast(current, tf.float32), tf.cast(before, tf.float32)
    k = tf.shape(current)[0]
    c, extra = padded(current)
    half_gap, fastest, top, runner_up = centroid_moves(current, before)
    gap = tf.pad(half_gap, [[0, tf.shape(c)[0] - k]])  # padded like c: one program per group
    loosen = _loosen()
    dist, lower, need = over_blocks(
        lambda x, p, lo: loosen(x, p, lo, c, gap, fastest, top, runner_up),
        (blocks, previous, lower),
        (tf.float32, tf.float32, tf.bool),
    )
    doubt = tf.cast(tf.where(tf.reshape(need, [-1]))[:, 0], tf.int32)
    searched = tf.shape(doubt)[0]
    search = _search()

    def search_all():  # most rows in doubt (the first pass): block by block, as a full pass
        found, bound, exact = over_blocks(
            lambda x: search(x, c, extra), (blocks,), (tf.int32, tf.float32, tf.float32)
        )
        return tf.where(previous == -2, -2, found), bound, exact

    def search_doubt():
        return _search_rows(blocks, previous, lower, dist, doubt, c, extra)

    labels, lower, dist = tf.cond(2 * searched > tf.size(previous), search_all, search_doubt)
    totals = _totals()
    sums, wsum, count, changed, cost = over_blocks(
        lambda x, w, lab, p, dd: totals(x, w, lab, p, dd, c),
        (blocks, weights, labels, previous, dist),
        (tf.float32, tf.float32, tf.int32, tf.int32, tf.float32),
    )
    return (*summed(k, labels, dist, sums, wsum, count, changed, cost), lower, searched)


#: ``bounded_totals`` as one traced graph per data layout (k left open), for passes called
#: one at a time (``lloyd.FullPasses``).
bounded_pass = Traced(bounded_totals, {4: (0,), 5: (0,)})
