"""The compiled inner loops: blocked nearest-centroid assignment and per-cluster sums.

No N x K x D tensor ever exists: rows are cut into blocks, and each block is one XLA program
(distances, nearest centroid, the segment sums) run by a plain TensorFlow graph that holds the
blocks side by side, so that TensorFlow's inter-op threads run independent blocks on all cores.
The layout, measured on a 2-core CPU (benchmarks/engine.py):

- Scores are laid out (K, B), centroids by rows, and the nearest one is taken over axis 0: a
  column reduction that XLA vectorises across rows, where a row-wise min over (B, K) does not.
- Up to ``DIRECT_MAX_FEATURES`` features, distances are the exact (x - c)^2 over a transposed
  (D, B) copy of the block, and the nearest centroid is an unrolled select chain over groups of
  ``GROUP`` centroids: one fused loop over the rows per group, 1.5-2x faster than reductions.
  Above, they are the GEMM expansion |c|^2 - 2 c.x (the caller centres the data, see
  ``prepare.py``), searched by the same select chain over the (K, B) scores; the chosen
  centroid's distance is recomputed exactly as (x - c)^2, except in Lloyd passes, which take
  |x|^2 + score (``_make_block``'s ``exact``).
- Centroids are padded to a multiple of ``GROUP`` (padding is never nearest), and every
  compiled function is traced once per data layout with k left open: a sweep over k neither
  retraces nor, within one group, recompiles.

On a GPU the per-cluster sums use a one-hot matrix multiply instead of a scatter-add, which
contends badly there (openxla/xla#46225).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from typing import Any

import tensorflow as tf

#: Centroids are padded to a multiple of this; the select chain is unrolled over one group.
GROUP = 8
#: Groups of centroids a select-chain step unrolls (``_select_chain``).
_CHAIN_GROUPS = 4
#: Up to this many features the exact (x - c)^2 in a select chain beats the GEMM expansion.
DIRECT_MAX_FEATURES = 4
#: Elements (rows x features) per block: about 1 MiB of float32 rows, so that a GEMM block's
#: scores stay cache-sized for hundreds of centroids; limits on the rows of a block.
_BLOCK_ELEMENTS = 1 << 18
_MIN_ROWS, _MAX_ROWS = 1024, 1 << 19
#: A direct block of fewer rows costs less than handing it to another core (Fränti's A3,
#: 7,500 rows: one block 6.1 ms, two 7.2-9.1 ms of CPU for 20 iterations).
_MIN_DIRECT_ROWS = 1 << 14
#: Up to this many blocks a pass is unrolled in the graph; beyond, a ``map_fn`` loop.
_MAX_UNROLLED_BLOCKS = 64
_INF = float("inf")


def block_rows(n_rows: int, n_features: int) -> int:
    """Rows per block, never more than the data needs.

    Direct passes (few features) run best with one block per core (one in all for small
    tables); GEMM passes with blocks of about ``_BLOCK_ELEMENTS``, whose scores stay
    cache-sized (measured on a 2-core CPU).
    It depends on the data only, not on k, so that every k of a sweep shares one layout (and
    one traced graph).
    """
    if is_direct(n_features):
        rows = max(_MIN_DIRECT_ROWS, min(_MAX_ROWS, -(-n_rows // (os.cpu_count() or 1))))
    else:
        rows = max(_MIN_ROWS, min(_MAX_ROWS, _BLOCK_ELEMENTS // max(n_features, 1)))
        rows = 1 << (rows.bit_length() - 1)
    if n_rows > rows:  # the last block should not be mostly padding: even out the blocks
        blocks = -(-n_rows // rows)
        rows = -(-n_rows // blocks)
    return max(8, -(-min(rows, n_rows) // 8) * 8)


def is_direct(n_features: int | None) -> bool:
    """Whether passes use exact distances over transposed blocks (``PreparedData.columns``)."""
    return n_features is not None and n_features <= DIRECT_MAX_FEATURES


def padded(centroids: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
    """Centroids padded with zero rows to a multiple of ``GROUP``, and a (Kp,) term added to
    every distance: 0 for real centroids, +inf for padding (never nearest)."""
    k = tf.shape(centroids)[0]
    kp = (k + GROUP - 1) // GROUP * GROUP
    rows = tf.pad(tf.cast(centroids, tf.float32), [[0, kp - k], [0, 0]])
    extra = tf.concat([tf.zeros([k]), tf.fill([kp - k], _INF)], axis=0)
    return rows, extra


def _select_chain(
    row: Callable[[tf.Tensor, int], tf.Tensor], kp: tf.Tensor, b: tf.Tensor, second: bool
) -> tuple[tf.Tensor, ...]:
    """Nearest of ``kp`` candidates for ``b`` columns by a select chain: label (lowest index on
    ties: strict ``<`` in index order), its score and, with ``second``, the second lowest
    score (+inf when kp has one real candidate).

    ``row(g, j)`` is candidate ``g * GROUP + j``'s (b,) scores. The chain is unrolled over
    ``_CHAIN_GROUPS`` groups per loop step (a tail loop takes the rest): one fused pass over
    the columns per step, where a min reduction over (kp, b) and a second pass for its first
    index cost twice as much, and a packed int64 minimum is scalar code without AVX-512
    (benchmarks/engine.py, 2-core AMD EPYC: 200k x 16 x 32 search 21 -> 11 ms).
    """
    inf = tf.fill([b], tf.constant(_INF, tf.float32))

    def step(width: int):
        def body(g, best, label, runner_up):
            for u in range(width):
                for j in range(GROUP):
                    score = row(g + u, j)
                    closer = score < best
                    if second:
                        runner_up = tf.where(closer, best, tf.minimum(runner_up, score))
                    best = tf.where(closer, score, best)
                    label = tf.where(closer, (g + u) * GROUP + j, label)
            return g + width, best, label, runner_up

        return body

    groups = kp // GROUP
    wide = groups // _CHAIN_GROUPS * _CHAIN_GROUPS
    state = (0, inf, tf.zeros([b], tf.int32), inf)
    state = tf.while_loop(lambda g, *_: g < wide, step(_CHAIN_GROUPS), state)
    _, best, label, runner_up = tf.while_loop(lambda g, *_: g < groups, step(1), state)
    return (label, best, runner_up) if second else (label, best)


def _direct_nearest(
    xt: tf.Tensor, c: tf.Tensor, extra: tf.Tensor, second: bool = False
) -> tuple[tf.Tensor, ...]:
    """Nearest of padded centroids ``c`` (Kp, D) for the rows of ``xt`` (D, B): label (lowest
    index on ties) and exact squared distance; with ``second``, also the squared distance to
    the second nearest (+inf when k is 1)."""
    d = xt.shape[0]
    groups = tf.reshape(c, (-1, GROUP, d))
    extras = tf.reshape(extra, (-1, GROUP))

    def distance(g, j):
        cg = groups[g]
        dist = tf.square(xt[0] - cg[j, 0])
        for f in range(1, d):
            dist += tf.square(xt[f] - cg[j, f])
        return dist + extras[g, j]

    return _select_chain(distance, tf.shape(c)[0], tf.shape(xt)[1], second)


def _gemm_nearest(
    x: tf.Tensor, c: tf.Tensor, extra: tf.Tensor, second: bool = False
) -> tuple[tf.Tensor, ...]:
    """Nearest of padded centroids ``c`` (Kp, D) for the rows of ``x`` (B, D) by the GEMM
    expansion, in the (Kp, B) layout: label (lowest index on ties) and its score
    |c|^2 - 2 c.x (the squared distance less |x|^2); with ``second``, also the second
    lowest score (+inf when k is 1)."""
    csq = tf.reduce_sum(tf.square(c), axis=1) + extra
    scores = csq[:, tf.newaxis] - 2.0 * tf.matmul(c, x, transpose_b=True)
    groups = tf.reshape(scores, (-1, GROUP, tf.shape(x)[0]))
    return _select_chain(lambda g, j: groups[g, j], tf.shape(c)[0], tf.shape(x)[0], second)


def nearest(x: tf.Tensor, centroids: tf.Tensor, csq: tf.Tensor | None = None):
    """Nearest centroid (lowest index on ties) and exact squared distance for rows ``x`` (B, D).

    For use inside compiled functions (gradient, mini-batch); ``csq`` is accepted for callers
    that have it and otherwise unused. The distance is recomputed from the chosen centroid, so
    it is differentiable in ``centroids``.
    """
    del csq
    c, extra = padded(centroids)
    if is_direct(x.shape[-1]):
        labels, _ = _direct_nearest(tf.transpose(x), c, extra)
    else:
        labels, _ = _gemm_nearest(x, c, extra)
    dist = tf.reduce_sum(tf.square(x - tf.gather(centroids, labels)), axis=1)
    return labels, dist


def _sums(x, w, labels, kp, on_gpu):
    """Weighted sums (Kp, D) and weights (Kp,) per cluster: scatter-add, or one-hot on GPUs."""
    if on_gpu:
        weighted = tf.one_hot(labels, kp, dtype=x.dtype) * w[:, tf.newaxis]
        return tf.matmul(weighted, x, transpose_a=True), tf.reduce_sum(weighted, axis=0)
    return (
        tf.math.unsorted_segment_sum(x * w[:, tf.newaxis], labels, kp),
        tf.math.unsorted_segment_sum(w, labels, kp),
    )


def block_sums(x, w, labels, previous, dist, kp, on_gpu):
    """A block's weighted sums (Kp, D) and weight (Kp,) per cluster, its rows per cluster (not
    counting padding: ``previous`` -2), changed rows and weighted cost; ``labels`` are cluster
    indices on every row, padding rows included (they weigh 0)."""
    valid = previous != -2
    sums, wsum = _sums(x, w, labels, kp, on_gpu)
    count = tf.math.unsorted_segment_sum(tf.cast(valid, tf.int32), labels, kp)
    changed = tf.reduce_sum(tf.cast((labels != previous) & valid, tf.int32))
    return sums, wsum, count, changed, tf.reduce_sum(w * dist)


def _make_block(
    direct: bool, on_gpu: bool, with_sums: bool, removal: bool = False, exact: bool = True
) -> Callable[..., Any]:
    def block(x, w, previous, c, extra):
        """One block of a pass; ``x`` is (D, B) when direct, else (B, D).

        Returns labels (-2 on padding rows), squared distances and, with sums, the block's
        weighted sums and weight per cluster, rows per cluster, changed rows and weighted
        cost; with ``removal`` also what removing each centroid would add to the cost (each of
        its rows moved to its second nearest), (Kp,). Distances are exact (x - c)^2, or, for
        a GEMM block without ``exact``, the expansion's |x|^2 + score: no gather of each row's
        centroid, a third of a Lloyd pass at 200k x 16 x 32 (accurate on the centred data;
        reported inertia is recomputed exactly in float64, ``exact.py``).
        """
        kp = tf.shape(c)[0]
        if direct:
            found = _direct_nearest(x, c, extra, second=removal)
            labels, dist = found[0], found[1]
            x = tf.transpose(x)
        else:
            found = _gemm_nearest(x, c, extra, second=removal)
            labels = found[0]
            if exact:
                dist = tf.reduce_sum(tf.square(x - tf.gather(c, labels)), axis=1)
            else:
                dist = tf.maximum(found[1] + tf.reduce_sum(tf.square(x), axis=1), 0.0)
        farther = found[2] - found[1] if removal else None  # second nearest minus nearest
        valid = previous != -2  # padding rows carry -2 from pass to pass
        marked = tf.where(valid, labels, -2)
        if not with_sums:
            return marked, dist
        out = (marked, dist, *block_sums(x, w, labels, previous, dist, kp, on_gpu))
        if removal:  # padding rows weigh 0; with k = 1 the only centroid cannot go (+inf)
            cost = tf.where(w > 0, w * farther, 0.0)
            out += (tf.math.unsorted_segment_sum(cost, labels, kp),)
        return out

    return tf.function(block, jit_compile=True)


@functools.cache
def _block(
    direct: bool, on_gpu: bool, with_sums: bool = True, removal: bool = False, exact: bool = True
) -> Callable[..., Any]:
    """The compiled block of one kind, made once per process (direct blocks are always exact:
    ``exact`` matters only to GEMM blocks)."""
    if direct and not exact:
        return _block(direct, on_gpu, with_sums, removal, True)
    return _make_block(direct, on_gpu, with_sums, removal, exact)


def over_blocks(fn, arrays: tuple[tf.Tensor, ...], signature: tuple[tf.DType, ...]):
    """``fn`` on block i of every array, for every i; outputs stacked along a new axis 0.

    Unrolled, the blocks are independent nodes that TensorFlow's executor runs on all cores
    with no loop bookkeeping between them. The loop bounds the graph for data of very many
    blocks.
    """
    m = arrays[0].shape[0]
    if m is not None and m <= _MAX_UNROLLED_BLOCKS:
        outs = [fn(*(a[i] for a in arrays)) for i in range(m)]
        return tuple(tf.stack([o[j] for o in outs]) for j in range(len(signature)))
    return tf.map_fn(lambda a: fn(*a), arrays, fn_output_signature=signature, parallel_iterations=4)


def pass_totals(
    blocks,
    weights,
    previous,
    centroids,
    *,
    columns: bool,
    on_gpu: bool,
    removal: bool = False,
    exact: bool = True,
):
    """One assignment pass over all blocks plus the sums the centroid update needs (in a graph).

    ``blocks`` float32, (M, D, B) with ``columns`` (``PreparedData.columns``), else (M, B, D);
    ``previous`` (M, B) int32 the last pass's labels (-1 before the first pass, -2 on padding
    rows); ``centroids`` (K, D). Returns labels (M, B) int32 (-2 on padding), each row's
    squared distance to its centroid (M, B) (exact (x - c)^2, or without ``exact`` perhaps
    the GEMM expansion's, see ``_make_block``), weighted sums (K, D) and weight per cluster (K,)
    in float64, rows per cluster (K,) int32, rows whose label changed () int32 and the
    weighted cost () float64; with ``removal`` also (K,) float64 what removing each centroid
    would add to the cost, its rows moved to their second nearest (+inf when k is 1).
    """
    k = tf.shape(centroids)[0]
    c, extra = padded(centroids)
    direct = is_direct(centroids.shape[1])
    block = _block(direct, on_gpu, removal=removal, exact=exact)
    f32, f64 = tf.float32, tf.float64
    outs = over_blocks(
        lambda x, w, p: block(_layout(x, direct, columns), w, p, c, extra),
        (blocks, weights, previous),
        (tf.int32, f32, f32, f32, tf.int32, tf.int32, f32) + ((f32,) if removal else ()),
    )
    totals = summed(k, *outs[:7])
    if removal:
        totals += (tf.reduce_sum(tf.cast(outs[7], f64), axis=0)[:k],)
    return totals


def summed(k, labels, dist, sums, wsum, count, changed, cost) -> tuple[tf.Tensor, ...]:
    """A pass's per-block outputs as ``pass_totals`` returns them: sums over the blocks (in
    float64 for the sums, weights and cost), cut to the ``k`` real centroids."""
    f64 = tf.float64
    return (
        labels,
        dist,
        tf.reduce_sum(tf.cast(sums, f64), axis=0)[:k],
        tf.reduce_sum(tf.cast(wsum, f64), axis=0)[:k],
        tf.reduce_sum(count, axis=0)[:k],
        tf.reduce_sum(changed),
        tf.reduce_sum(tf.cast(cost, f64)),
    )


def _layout(x: tf.Tensor, direct: bool, columns: bool) -> tf.Tensor:
    """A block as its kernel wants it: (D, B) for direct distances, else (B, D)."""
    return tf.transpose(x) if direct != columns else x


#: Every ``Traced`` of the engine, so that tests can count (or reset) their traces.
TRACED: list[Traced] = []


class Traced:
    """``tf.function``s traced once per input layout, with the number of centroids left open.

    ``tf.function`` traces anew for every new input shape; a new k would be a new trace (and,
    for functions called once per fit, TensorFlow's retracing warning). Here each layout of the
    data (the static shapes of the inputs, k set to None) gets one traced function, kept for
    the life of the process.
    """

    def __init__(
        self,
        fn: Callable[..., Any],
        open_dims: dict[int, tuple[int, ...]],
        jit_compile: bool = False,
    ) -> None:
        self.fn = fn
        self.open_dims = open_dims  # argument index -> dims traced as None
        self.jit_compile = jit_compile
        self.functions: dict[tuple, Any] = {}
        TRACED.append(self)

    def __call__(self, *args: Any) -> Any:
        specs = []
        for i, arg in enumerate(args):
            shape = list(arg.shape)
            for dim in self.open_dims.get(i, ()):
                shape[dim] = None
            specs.append(tf.TensorSpec(shape, arg.dtype))
        key = tuple((tuple(s.shape.as_list()), s.dtype) for s in specs)
        if key not in self.functions:
            self.functions[key] = tf.function(
                self.fn, input_signature=specs, jit_compile=self.jit_compile
            )
        return self.functions[key](*args)

    def tracing_count(self) -> int:
        return sum(f.experimental_get_tracing_count() for f in self.functions.values())


def _lloyd_pass(columns: bool, on_gpu: bool) -> Traced:
    def run(blocks, weights, previous, centroids):
        return pass_totals(
            blocks, weights, previous, centroids, columns=columns, on_gpu=on_gpu, exact=False
        )

    return Traced(run, {3: (0,)})


_LLOYD_PASSES = {
    (cols, gpu): _lloyd_pass(cols, gpu) for cols in (False, True) for gpu in (False, True)
}


def lloyd_pass(blocks, weights, previous, centroids, on_gpu: bool, columns: bool = False):
    """``pass_totals`` as one traced graph (the graph of one layout serves every k)."""
    centroids = tf.convert_to_tensor(centroids, tf.float32)
    return _LLOYD_PASSES[columns, on_gpu](blocks, weights, previous, centroids)


def _assign(blocks, centroids, columns: bool):
    c, extra = padded(centroids)
    direct = is_direct(centroids.shape[1])
    block = _block(direct, False, with_sums=False)
    rows = tf.shape(blocks)[2 if columns else 1]
    unpadded = tf.zeros([tf.shape(blocks)[0], rows], tf.int32)  # every row labelled
    return over_blocks(
        lambda x, p: block(_layout(x, direct, columns), tf.zeros([0]), p, c, extra),
        (blocks, unpadded),
        (tf.int32, blocks.dtype),
    )


def _assigner(columns: bool) -> Traced:
    def run(blocks, centroids):
        return _assign(blocks, centroids, columns)

    return Traced(run, {1: (0,)})


_ASSIGN = {columns: _assigner(columns) for columns in (False, True)}


def assign_pass(
    blocks: tf.Tensor, centroids: Any, columns: bool = False
) -> tuple[tf.Tensor, tf.Tensor]:
    """Labels (M, B) int32 and exact squared distances (M, B) for every row of (M, B, D)
    ``blocks`` (``columns``: (M, D, B), as ``PreparedData.columns``), no sums."""
    return _ASSIGN[columns](blocks, tf.convert_to_tensor(centroids, tf.float32))


def tracing_count() -> int:
    """Traces of every ``Traced`` graph so far (tests check that fits reuse them)."""
    return sum(traced.tracing_count() for traced in TRACED)
