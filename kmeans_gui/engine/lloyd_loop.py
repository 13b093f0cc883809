"""Lloyd's iterations in one compiled ``tf.while_loop``, for fits that want only the result.

``lloyd_states`` returns to Python after every pass, because each state carries the labels
the window draws. ``KMeans.fit`` without ``on_state`` needs only the final state, so here the
passes, the centroid updates and the stop rule (the very rule of ``lloyd.py``) run in one
graph call: nothing crosses to the host between iterations, and a small table pays one call
per run instead of a few per iteration. The loop leaves early when a pass leaves a cluster
empty; the repair (``lloyd.relocate_empty``, which needs the data's own rows) runs on the host
with that pass's distances, and the loop resumes.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from functools import partial

import numpy as np
import tensorflow as tf

from .bounded import bounded_totals, used_for
from .exact import exact_inertia, exact_means
from .kernels import Traced, pass_totals
from .lloyd import pass_layout, relocate_empty
from .metric import project
from .prepare import PreparedData
from .state import IterationState

_TINY = float(np.finfo(np.float32).tiny)


def unit_centroids(centroids: tf.Tensor, fallback: tf.Tensor) -> tf.Tensor:
    """``metric.unit_rows`` in the graph: unit rows, a zero row keeps its fallback."""
    norms = tf.norm(centroids, axis=1, keepdims=True)
    zero = norms <= _TINY
    return tf.where(zero, fallback, centroids / tf.where(zero, tf.ones_like(norms), norms))


def _make_loop(columns: bool, on_gpu: bool, cosine: bool, bounded: bool) -> Traced:
    def loop(
        blocks, weights, previous, lower, current, prior, iteration, max_iter, tol_abs, shift, tol
    ):
        """Passes and updates until the stop rule fires or a cluster is left empty.

        ``previous`` holds the labels ``current`` is the mean of (the last pass's, made with
        ``prior``; -1 before the first pass), ``lower`` their lower bounds when ``bounded``
        (``bounded.py``); returns the loop's variables as it stops, whether the stop is
        final, and the last pass's outputs.
        """

        def one_pass(it, current, prior, previous, lower, shift, tol, *_):
            if bounded:
                out = bounded_totals(blocks, weights, previous, lower, current, prior)
                labels, dist, sums, wsum, count, changed, cost, found_lower = out[:8]
            else:
                labels, dist, sums, wsum, count, changed, cost = pass_totals(
                    blocks, weights, previous, current, columns=columns, on_gpu=on_gpu, exact=False
                )
                found_lower = lower
            strict = (it > 0) & (changed == 0)
            final = strict | tol | (it >= max_iter)
            stop = final | tf.reduce_any(wsum <= 0)

            def advance():
                updated = sums / wsum[:, tf.newaxis]
                if cosine:
                    updated = unit_centroids(updated, current)
                moved = tf.reduce_sum(tf.square(updated - current))
                return it + 1, updated, current, labels, found_lower, moved, moved <= tol_abs

            def hold():
                return it, current, prior, previous, lower, shift, tol

            kept = tf.cond(stop, hold, advance)
            outputs = (labels, dist, sums, wsum, count, changed, cost, found_lower)
            return (*kept, stop, final, *outputs)

        k, d = tf.shape(current)[0], current.shape[1]
        f64 = tf.float64
        no = tf.constant(False)
        start = (
            iteration, current, prior, previous, lower, shift, tol, no, no,  # variables, flags
            previous, tf.zeros(tf.shape(weights)), tf.zeros([k, d], f64), tf.zeros([k], f64),
            tf.zeros([k], tf.int32), tf.constant(0), tf.constant(0.0, f64), lower,  # a pass's
        )  # fmt: skip
        return tf.while_loop(lambda *v: tf.logical_not(v[7]), one_pass, start)

    return Traced(loop, {4: (0,), 5: (0,)})


_LOOPS: dict[tuple[bool, bool, bool, bool], Traced] = {}


def _loop(data: PreparedData, columns: bool, cosine: bool, bounded: bool) -> Traced:
    key = (columns, data.on_gpu, cosine, bounded)
    if key not in _LOOPS:
        _LOOPS[key] = _make_loop(*key)
    return _LOOPS[key]


def lloyd_result(
    data: PreparedData,
    centroids: np.ndarray,
    *,
    tol: float,
    max_iter: int,
    restart: int = 0,
    n_restarts: int = 1,
    metric: str = "euclidean",
) -> Iterator[IterationState]:
    """The final state of ``lloyd_states`` (same arguments), from the compiled loop."""
    start_time = time.perf_counter()
    tol_abs = data.tolerance(tol)
    cost_scale = 0.5 if metric == "cosine" else 1.0
    current = project(np.asarray(centroids, dtype=np.float64), metric)
    prior, shift, tol_reached, relocated, iteration = current, 0.0, False, 0, 0
    blocks, columns = pass_layout(data)
    bounded = used_for(data, columns, len(current))
    loop = _loop(data, columns, metric == "cosine", bounded)
    previous = data.unlabelled
    lower = tf.zeros(tf.shape(data.weights))  # no bounds yet: every row is searched first
    as_i32 = partial(tf.constant, dtype=tf.int32)
    while True:
        out = loop(
            blocks, data.weights, previous, lower, tf.constant(current), tf.constant(prior),
            as_i32(iteration), as_i32(max_iter), tf.constant(tol_abs, tf.float64),
            tf.constant(shift, tf.float64), tf.constant(tol_reached),
        )  # fmt: skip
        it, current_t, prior_t, previous, lower, shift_t, tol_t, _, final = out[:9]
        labels_b, dist_b, sums, wsum, count, changed, cost, found_lower = out[9:]
        if int(it) > iteration:
            relocated = 0  # an update since the last repair
        iteration, shift, tol_reached = int(it), float(shift_t), bool(tol_t)
        current, prior = current_t.numpy(), prior_t.numpy()
        if bool(final):
            break
        # A pass left a cluster empty: repair it on the host, then resume the loop.
        labels = data.flat(labels_b)
        sums, wsum = sums.numpy(), wsum.numpy()
        relocated = relocate_empty(sums, wsum, data, labels, partial(data.flat, dist_b))
        updated = project(sums / wsum[:, np.newaxis], metric, fallback=current)
        shift = float(np.sum((updated - current) ** 2))
        tol_reached = shift <= tol_abs
        prior, current, previous, lower = current, updated, labels_b, found_lower
        iteration += 1
    n_changed = int(changed)
    strict = iteration > 0 and n_changed == 0
    labels = data.flat(labels_b)
    if iteration > 0 and relocated == 0:
        current = exact_means(data, data.flat(previous), current, metric)
        shift = float(np.sum((current - prior) ** 2))
    n_iter = min(iteration + 1 if strict and not tol_reached else iteration, max_iter)
    del cost
    yield IterationState(
        iteration=iteration,
        centroids=current + data.offset,
        labels=labels,
        inertia=cost_scale * exact_inertia(data, labels, current),
        shift=shift,
        sizes=count.numpy().astype(np.int64),
        n_changed=n_changed,
        n_relocated=relocated,
        seconds=time.perf_counter() - start_time,
        converged=strict or tol_reached,
        final=True,
        device=data.device,
        algorithm="lloyd",
        restart=restart,
        n_restarts=n_restarts,
        n_iter=n_iter,
    )
