"""Mini-batch k-means (Sculley 2010) for data too large for full passes.

Each step draws ``batch_size`` rows with replacement, with probability proportional to their
sample weight (uniformly without weights; rows of weight 0 are never drawn), assigns them to
the nearest centre and moves every centre towards its batch members with its own learning
rate 1 / (rows it has absorbed so far): c <- c + (sum_b x - n_b c) / (n_c + n_b),
n_c <- n_c + n_b. This is Sculley's per-centre rate in scikit-learn's batch form. Drawing by
weight and then counting every drawn row once (scikit-learn's MiniBatchKMeans does the same
since 1.5) makes a weight mean repeated rows in expectation: an integer weight w draws a row
as often as w copies of it would be drawn. Weighting the update as well would count it twice.
The round length and the stop rule's smoothing below count rows, not weight, so that only
relative weights matter (as in scikit-learn); with the same number of steps, weights and
repeated rows agree in expectation.

What an iteration is. The GUI animates states and every state carries labels and inertia for
the whole data set, consistent with its centres (``IterationState``). One iteration is a round
of ceil(N / (10 x batch_size)) steps, a tenth of an epoch (one step when N <= 10 x batch_size),
run inside one compiled loop; the state after it is labelled by one pass of the fused Lloyd
kernel (``lloyd_pass``, which also yields sizes, changed rows and inertia), as cheap per row as
a Lloyd iteration. A state thus costs N / 10 mini-batch rows plus one labelling pass, and
``max_iter`` (default 300) allows 30 epochs. Full labels per state are kept, rather than labels
of a sample or of the batches carried forward, because a state whose labels disagree with its
centres would draw wrongly and misreport sizes and inertia; the fused pass makes them
cheap (N = 1e6, D = 2, k = 8: about 13 ms, against 60 ms with the unfused ``assign_pass``).

Stop rule: scikit-learn's smoothed inertia, an exponentially weighted average of the mean
mini-batch inertia (smoothing factor 2 x batch_size / (N + 1)) that has not improved for
``max_no_improvement`` consecutive steps (default 10), which ends the round early; or, as for
Lloyd, a round whose summed squared centre movement (the state's ``shift``) is at most ``tol``
x the mean per-feature variance (tol=0 turns it off). The state after either is final, with
labels for every row and its inertia recomputed exactly in float64.
Centres that own no weight in the full labelling are moved to the row farthest from its centre
and given the smallest absorbed count of the others (so they are not stuck at a rate of 1),
as scikit-learn does; a run never stops while a cluster is empty, except at ``max_iter``.
With the cosine metric the centres are put back on the unit sphere after every step
(spherical online k-means) and ``inertia`` is the weighted sum of 1 - cos.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import numpy as np
import tensorflow as tf

from .choices import DEFAULT_BATCH_SIZE, DEFAULT_MAX_NO_IMPROVEMENT
from .errors import KMeansInputError
from .exact import exact_inertia
from .kernels import lloyd_pass, nearest
from .metric import farthest_rows, project
from .prepare import PreparedData
from .state import IterationState

#: States (full labellings) per pass of mini-batches over the data.
_ROUNDS_PER_EPOCH = 10


@tf.function(reduce_retracing=True)  # shapes vary with k and the data
def _minibatch_round(
    rows: tf.Tensor,
    centres: tf.Tensor,
    counts: tf.Tensor,
    batches: tf.Tensor,
    monitor: tf.Tensor,
    stall: tf.Tensor,
    step: tf.Tensor,
    alpha: tf.Tensor,
    max_stall: tf.Tensor,
    spherical: bool,
):
    """Run the mini-batch steps of ``batches`` (S, b) row indices until a stop rule fires.

    Every drawn row counts once: the rows were drawn in proportion to their weights.

    ``centres`` (K, D) and ``counts`` (K,) are float64; ``monitor`` holds the smoothed inertia
    and its best value so far (-1 and +inf before the first), ``stall`` the steps without
    improvement and ``step`` the steps taken in the run. Returns the updated values, the steps
    done in this round and whether the smoothed inertia stopped improving.
    """
    k = tf.shape(centres)[0]
    ewa, ewa_min = monitor[0], monitor[1]
    stalled = tf.constant(False)
    done = tf.constant(0)
    for s in tf.range(tf.shape(batches)[0]):
        x = tf.gather(rows, batches[s])
        c32 = tf.cast(centres, tf.float32)
        labels, dist = nearest(x, c32, tf.reduce_sum(tf.square(c32), axis=1))
        batch_weight = tf.math.unsorted_segment_sum(tf.ones_like(dist, tf.float64), labels, k)
        batch_sum = tf.math.unsorted_segment_sum(tf.cast(x, tf.float64), labels, k)
        new_counts = counts + batch_weight
        rate = 1.0 / tf.where(new_counts > 0, new_counts, 1.0)
        updated = (
            centres + (batch_sum - batch_weight[:, tf.newaxis] * centres) * rate[:, tf.newaxis]
        )
        if spherical:
            updated = tf.math.l2_normalize(updated, axis=1)
        batch_inertia = tf.reduce_mean(tf.cast(dist, tf.float64))
        # Static shapes across the loop: with k = 1 the broadcasts above lose the (1, D) shape.
        centres = tf.ensure_shape(updated, centres.shape)
        counts = tf.ensure_shape(new_counts, counts.shape)
        step += 1
        done += 1
        if step > 1:  # the first batch measures the initial centres, not the algorithm
            ewa = tf.where(ewa < 0, batch_inertia, ewa * (1.0 - alpha) + batch_inertia * alpha)
            if ewa < ewa_min:
                ewa_min = ewa
                stall = tf.constant(0)
            else:
                stall += 1
            if stall >= max_stall:
                stalled = tf.constant(True)
                break
    return centres, counts, tf.stack([ewa, ewa_min]), stall, step, done, stalled


def check_minibatch_params(batch_size: object, max_no_improvement: object) -> tuple[int, int]:
    for name, value in (("batch_size", batch_size), ("max_no_improvement", max_no_improvement)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise KMeansInputError(f"{name} must be a whole number of at least 1, got {value!r}")
    return int(batch_size), int(max_no_improvement)  # type: ignore[arg-type]


def minibatch_states(
    data: PreparedData,
    centroids: np.ndarray,
    *,
    tol: float,
    max_iter: int,
    rng: np.random.Generator,
    restart: int = 0,
    n_restarts: int = 1,
    metric: str = "euclidean",
    batch_size: int = DEFAULT_BATCH_SIZE,
    max_no_improvement: int = DEFAULT_MAX_NO_IMPROVEMENT,
    **unknown: Any,
) -> Iterator[IterationState]:
    """Yield the initial state, then one state per round of mini-batch steps (module docstring).

    ``batch_size`` is capped at the number of rows of positive weight. ``inertia`` and
    ``labels`` of every state are exact for the whole data set; ``n_iter`` counts rounds.
    """
    if unknown:
        raise KMeansInputError(
            f"algorithm 'minibatch' takes no parameter(s) {', '.join(sorted(unknown))}; "
            "it accepts batch_size and max_no_improvement"
        )
    batch_size, max_no_improvement = check_minibatch_params(batch_size, max_no_improvement)
    k, d = centroids.shape
    draw = _row_sampler(data)
    batch = min(batch_size, int(np.count_nonzero(data.weight_array > 0)))
    steps = max(1, -(-data.n // (_ROUNDS_PER_EPOCH * batch)))
    rows = tf.reshape(data.blocks, (-1, d))  # row i of the data is row i here
    alpha = tf.constant(min(1.0, 2.0 * batch / (data.n + 1)), tf.float64)
    tol_abs = data.tolerance(tol)
    max_stall = tf.constant(max_no_improvement)
    spherical = metric == "cosine"
    cost_scale = 0.5 if spherical else 1.0

    centres = project(np.asarray(centroids, dtype=np.float64), metric)
    counts = np.zeros(k)
    monitor = tf.constant([-1.0, np.inf], tf.float64)
    stall, step = tf.constant(0), tf.constant(0)
    previous = data.unlabelled
    shift, relocated, stopped, round_seconds = 0.0, 0, False, 0.0
    iteration = 0
    while True:
        start = time.perf_counter()
        labels_b, dist_b, _, wsum_t, count_t, changed_t, inertia_t = lloyd_pass(
            data.blocks, data.weights, previous, centres.astype(np.float32), data.on_gpu
        )
        labels = data.flat(labels_b)
        empty = np.flatnonzero(wsum_t.numpy() <= 0)
        converged = stopped and empty.size == 0
        final = converged or iteration >= max_iter
        inertia = float(inertia_t)
        if final:
            inertia = exact_inertia(data, labels, centres)
        yield IterationState(
            iteration=iteration,
            centroids=centres + data.offset,
            labels=labels,
            inertia=cost_scale * inertia,
            shift=shift,
            sizes=count_t.numpy().astype(np.int64),
            n_changed=int(changed_t),
            n_relocated=relocated,
            seconds=round_seconds + time.perf_counter() - start,
            converged=converged,
            final=final,
            device=data.device,
            algorithm="minibatch",
            restart=restart,
            n_restarts=n_restarts,
            n_iter=iteration,
        )
        if final:
            return
        start = time.perf_counter()
        before = centres.copy()
        relocated = int(empty.size)
        if relocated:
            cost = data.flat(dist_b).astype(np.float64)  # this pass's, to these centres
            centres[empty] = data.source_rows(farthest_rows(data, cost, relocated))
            centres = project(centres, metric, fallback=before)
            filled = np.delete(counts, empty)
            counts[empty] = filled[filled > 0].min() if (filled > 0).any() else 0.0
            monitor, stall = tf.constant([-1.0, np.inf], tf.float64), tf.constant(0)
        with tf.device(data.device):
            out = _minibatch_round(
                rows,
                tf.constant(centres),
                tf.constant(counts),
                tf.constant(draw(rng, (steps, batch)), tf.int32),
                monitor,
                stall,
                step,
                alpha,
                max_stall,
                spherical,
            )
        centres_t, counts_t, monitor, stall, step, _, stalled = out
        centres, counts = centres_t.numpy(), counts_t.numpy()
        shift = float(np.sum((centres - before) ** 2))
        stopped = bool(stalled) or shift <= tol_abs
        round_seconds = time.perf_counter() - start
        previous = labels_b
        iteration += 1


def _row_sampler(data: PreparedData):
    """``draw(rng, shape)``: row indices drawn with replacement, in proportion to weight.

    Uniform over all rows without weights; otherwise by inverse CDF over the cumulative
    weights (O(log N) per draw after one O(N) pass), so rows of weight 0 are never drawn.
    """
    if data.sample_weight is None:
        return lambda rng, shape: rng.integers(0, data.n, size=shape)
    cumulative = np.cumsum(data.sample_weight)
    total = cumulative[-1]

    def draw(rng: np.random.Generator, shape: tuple[int, int]) -> np.ndarray:
        ids = np.searchsorted(cumulative, rng.uniform(0.0, total, size=shape), side="right")
        return np.minimum(ids, data.n - 1)

    return draw
