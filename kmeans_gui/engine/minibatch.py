"""Mini-batch k-means (Sculley 2010) for data too large for full passes.

Each step draws ``batch_size`` rows (uniformly with replacement among rows of positive weight,
from the restart's generator), assigns them to the nearest centre and moves every centre
towards its batch members with its own learning rate 1 / (weight it has absorbed so far):
c <- c + (sum_b w x - w_b c) / (n_c + w_b), n_c <- n_c + w_b. This is Sculley's per-centre
rate in scikit-learn's batch form; with weights it is the weighted running mean.

What an iteration is. The GUI animates states and every state must carry labels for the whole
data set, which costs one full blocked pass (``assign_pass``, no sums). Labelling after every
batch would cost N rows per batch of ``batch_size``, so one iteration is a round of
ceil(N / (10 x batch_size)) steps, a tenth of an epoch (one step when N <= 10 x batch_size),
run inside one compiled loop: a state then costs one labelling pass plus N / 10 mini-batch
rows, the animation still shows the centres settle, and ``max_iter`` (default 300) allows
30 epochs. Mini-batch saves the centroid-update passes, not that labelling.

Stop rule: scikit-learn's smoothed inertia, an exponentially weighted average of the per-weight
mini-batch inertia (smoothing factor 2 x batch_size / (N + 1)) that has not improved for
``max_no_improvement`` consecutive steps (default 10), which ends the round early; or, as for
Lloyd, a round whose summed squared centre movement (the state's ``shift``) is at most ``tol``
x the mean per-feature variance (tol=0 turns it off). The state after either is final, with
labels for every row.
Centres that own no weight in the full labelling are moved to the row farthest from its centre
and given the smallest absorbed weight of the others (so they are not stuck at a rate of 1),
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
from .kernels import nearest
from .metric import assign, farthest_rows, project, weighted_sizes
from .prepare import PreparedData
from .state import IterationState

#: States (full labellings) per pass of mini-batches over the data.
_ROUNDS_PER_EPOCH = 10


@tf.function(reduce_retracing=False)
def _minibatch_round(
    rows: tf.Tensor,
    row_weights: tf.Tensor,
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
        w = tf.cast(tf.gather(row_weights, batches[s]), tf.float64)
        c32 = tf.cast(centres, tf.float32)
        labels, dist = nearest(x, c32, tf.reduce_sum(tf.square(c32), axis=1))
        batch_weight = tf.math.unsorted_segment_sum(w, labels, k)
        batch_sum = tf.math.unsorted_segment_sum(
            tf.cast(x, tf.float64) * w[:, tf.newaxis], labels, k
        )
        new_counts = counts + batch_weight
        rate = 1.0 / tf.where(new_counts > 0, new_counts, 1.0)
        updated = (
            centres + (batch_sum - batch_weight[:, tf.newaxis] * centres) * rate[:, tf.newaxis]
        )
        if spherical:
            updated = tf.math.l2_normalize(updated, axis=1)
        batch_inertia = tf.reduce_sum(w * tf.cast(dist, tf.float64)) / tf.maximum(
            tf.reduce_sum(w), 1e-300
        )
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
    positive = np.flatnonzero(data.weight_array > 0)
    batch = min(batch_size, positive.size)
    steps = max(1, -(-data.n // (_ROUNDS_PER_EPOCH * batch)))
    rows = tf.reshape(data.blocks, (-1, d))  # row i of the data is row i here
    row_weights = tf.reshape(data.weights, (-1,))
    alpha = tf.constant(min(1.0, 2.0 * batch / (data.n + 1)), tf.float64)
    tol_abs = tol * data.mean_variance
    max_stall = tf.constant(max_no_improvement)
    spherical = metric == "cosine"

    centres = project(np.asarray(centroids, dtype=np.float64), metric)
    counts = np.zeros(k)
    monitor = tf.constant([-1.0, np.inf], tf.float64)
    stall, step = tf.constant(0), tf.constant(0)
    previous_labels: np.ndarray | None = None
    shift, relocated, stopped, round_seconds = 0.0, 0, False, 0.0
    iteration = 0
    while True:
        start = time.perf_counter()
        labels, cost, inertia = assign(data, centres, metric)
        n_changed = (
            data.n if previous_labels is None else int(np.count_nonzero(labels != previous_labels))
        )
        empty = np.flatnonzero(weighted_sizes(data, labels, k) <= 0)
        converged = stopped and empty.size == 0
        final = converged or iteration >= max_iter
        yield IterationState(
            iteration=iteration,
            centroids=centres + data.offset,
            labels=labels,
            inertia=inertia,
            shift=shift,
            sizes=np.bincount(labels, minlength=k).astype(np.int64),
            n_changed=n_changed,
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
        previous = centres.copy()
        relocated = int(empty.size)
        if relocated:
            centres[empty] = data.rows[farthest_rows(data, cost, relocated)]
            filled = np.delete(counts, empty)
            counts[empty] = filled[filled > 0].min() if (filled > 0).any() else 0.0
            monitor, stall = tf.constant([-1.0, np.inf], tf.float64), tf.constant(0)
        batches = positive[rng.integers(0, positive.size, size=(steps, batch))]
        with tf.device(data.device):
            out = _minibatch_round(
                rows,
                row_weights,
                tf.constant(centres),
                tf.constant(counts),
                tf.constant(batches, tf.int32),
                monitor,
                stall,
                step,
                alpha,
                max_stall,
                spherical,
            )
        centres_t, counts_t, monitor, stall, step, _, stalled = out
        centres, counts = centres_t.numpy(), counts_t.numpy()
        shift = float(np.sum((centres - previous) ** 2))
        stopped = bool(stalled) or shift <= tol_abs
        round_seconds = time.perf_counter() - start
        previous_labels = labels
        iteration += 1
