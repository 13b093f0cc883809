"""k-means as gradient descent on the quantisation error (Bottou & Bengio 1995).

The centroids are a ``tf.Variable``; every iteration takes one optimiser step (Keras SGD or
Adam) on E(w) = sum_i w_i min_k |x_i - w_k|^2, with the gradient from ``tf.GradientTape``.
The cost is evaluated blockwise over ``data.blocks`` with the kernels' nearest-centroid rule:
the minimum is the exact squared distance to the arg-min centroid, whose gradient is the
gradient of the min (Danskin), so no N x K x D tensor is built.

Units (why the default learning rate fits any data). The optimiser sees the cost
E / (W s^2) as a function of u = w / s, where W is the total weight and s^2 the mean
per-feature (weighted) variance of the data. Its gradient for centroid k is
2 (W_k / W)(u_k - m_k / s), with m_k the weighted mean of cluster k and W_k its weight, so:

- SGD with learning rate lr moves each centroid a fraction 2 lr W_k / W of the way to its
  cluster's mean: dimensionless, independent of the data's units and size. The default 0.5
  never overshoots (the fraction is at most 1) and with one cluster is exactly Lloyd's step.
  Lloyd's update is the Newton step, SGD with a per-cluster rate of W / (2 W_k): a cluster
  holding a share p of the weight converges about 1/p times slower by gradient descent.
- Adam's steps are about lr per coordinate in units of the data's standard deviation s
  (default 0.05).

Stop rule: Lloyd's tolerance, measured where gradient descent can use it: converged when the
summed squared distance from every centroid to its cluster's mean (where Lloyd's next update
would put it) is at most ``tol`` x s^2, with no cluster empty; that state, labelled by its
own centroids, is the result. Otherwise the run ends after ``max_iter`` steps. A small step
is not convergence here (with a small learning rate every step is small), nor are unchanged
labels (centroids keep moving inside their cells). A centroid that owns no weight has zero
gradient and would never move again, so it is moved to the row farthest from its centroid, as
Lloyd does (``n_relocated``). With the cosine metric each step is followed by a projection
back onto the unit sphere (projected gradient descent) and ``inertia`` is the weighted sum of
1 - cos.

The compiled step is one ``tf.function`` per (k, D, optimiser, device) "stepper", which owns
the variable and the optimiser's slot variables (created eagerly, never inside the trace).
Steppers are pooled: restarts and later runs of the same shape reuse the trace (the optimiser
state is zeroed in between), while concurrent runs each take their own.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from typing import Any

import numpy as np
import tensorflow as tf

from .choices import DEFAULT_LEARNING_RATE, OPTIMIZERS
from .errors import KMeansInputError
from .exact import exact_inertia
from .kernels import nearest
from .metric import farthest_rows, project, row_cost, weighted_sizes
from .prepare import PreparedData
from .state import IterationState

#: Distinct (k, D, optimiser, device) shapes whose steppers are kept for reuse.
_POOL_SHAPES = 16


@tf.function(jit_compile=True)
def _block_gradient(x: tf.Tensor, w: tf.Tensor, u: tf.Tensor, scale: tf.Tensor):
    """Labels, exact squared distances, d(sum w dist)/du and sum w dist for one block of rows."""
    with tf.GradientTape() as tape:
        tape.watch(u)
        c = u * scale
        labels, dist = nearest(x, c, tf.reduce_sum(tf.square(c), axis=1))
        cost = tf.reduce_sum(w * dist)
    return labels, dist, tape.gradient(cost, u), cost


class _Stepper:
    """A centroid variable, its optimiser and the compiled step that updates them."""

    def __init__(self, k: int, d: int, optimizer: str, device: str) -> None:
        keras_optimizers = tf.keras.optimizers
        with tf.device(device):
            self.variable = tf.Variable(tf.zeros((k, d), tf.float32), name="centroids")
            self.optimizer = (
                keras_optimizers.SGD(learning_rate=0.1)
                if optimizer == "sgd"
                else keras_optimizers.Adam(learning_rate=0.1)
            )
            self.optimizer.build([self.variable])  # slot variables exist before any trace
        self.step = tf.function(self._step, reduce_retracing=False)

    def reset(self, u: np.ndarray, learning_rate: float) -> None:
        """Start a new run from scaled centroids ``u`` with a fresh optimiser state."""
        for var in self.optimizer.variables:
            var.assign(tf.zeros_like(var))
        self.optimizer.learning_rate = learning_rate
        self.variable.assign(u.astype(np.float32))

    def _step(self, blocks: tf.Tensor, weights: tf.Tensor, scale: tf.Tensor, norm: tf.Tensor):
        """Evaluate the current centroids on every block, then take one optimiser step.

        Returns labels (M, B), exact squared distances (M, B), the weighted cost (float64) and
        the gradient of the scaled cost (k, D) float64, all for the centroids *before* the step:
        what the state for them reports.
        """
        u = tf.identity(self.variable)
        labels, dist, grads, costs = tf.map_fn(
            lambda a: _block_gradient(a[0], a[1], u, scale),
            (blocks, weights),
            fn_output_signature=(tf.int32, blocks.dtype, blocks.dtype, blocks.dtype),
            parallel_iterations=4,
        )
        grad = tf.reduce_sum(tf.cast(grads, tf.float64), axis=0) * norm
        self.optimizer.apply_gradients([(tf.cast(grad, tf.float32), self.variable)])
        return labels, dist, tf.reduce_sum(tf.cast(costs, tf.float64)), grad


_pool: OrderedDict[tuple[int, int, str, str], list[_Stepper]] = OrderedDict()
_pool_lock = threading.Lock()


@contextlib.contextmanager
def _borrow_stepper(k: int, d: int, optimizer: str, device: str) -> Iterator[_Stepper]:
    key = (k, d, optimizer, device)
    with _pool_lock:
        free = _pool.get(key)
        stepper = free.pop() if free else None
    if stepper is None:
        stepper = _Stepper(k, d, optimizer, device)
    try:
        yield stepper
    finally:
        with _pool_lock:
            _pool.setdefault(key, []).append(stepper)
            _pool.move_to_end(key)
            while len(_pool) > _POOL_SHAPES:
                _pool.popitem(last=False)


def _weighted_scale(data: PreparedData) -> tuple[float, float]:
    """Total weight W and weighted root-mean feature variance s (1 for constant data).

    Weighted (``PreparedData.mean_variance``), so integer weights give the same optimiser path
    as repeated rows.
    """
    variance = data.mean_variance
    return float(data.weight_array.sum()), (float(np.sqrt(variance)) if variance > 0 else 1.0)


def _distance_to_optimum(
    centroids: np.ndarray, grad: np.ndarray, cluster_weight: np.ndarray, scale: float, metric: str
) -> float:
    """Summed squared distance from each centroid to where Lloyd would put it (its cluster mean).

    The gradient gives the mean without another pass: w_k - m_k = grad_k W s / (2 W_k), the
    Newton step. With cosine the target is the mean's direction. Empty clusters are left out.
    """
    filled = cluster_weight > 0
    newton = (
        grad
        * (cluster_weight.sum() * scale / 2.0)
        / np.where(filled, cluster_weight, 1.0)[:, np.newaxis]
    )
    target = project(centroids - newton, metric, fallback=centroids)
    return float(np.sum(((centroids - target) ** 2)[filled]))


def check_gradient_params(learning_rate: object, optimizer: object) -> tuple[float, str]:
    """The optimiser's name and learning rate (its default when None), or a KMeansInputError."""
    name = optimizer.strip().lower() if isinstance(optimizer, str) else optimizer
    if name not in OPTIMIZERS:
        raise KMeansInputError(f"optimizer must be 'sgd' or 'adam', not {optimizer!r}")
    if learning_rate is None:
        return DEFAULT_LEARNING_RATE[name], name
    try:
        lr = float(learning_rate)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise KMeansInputError(f"learning_rate must be a number, got {learning_rate!r}") from None
    if not np.isfinite(lr) or lr <= 0:
        raise KMeansInputError(f"learning_rate must be a positive number, got {learning_rate!r}")
    return lr, name


def gradient_states(
    data: PreparedData,
    centroids: np.ndarray,
    *,
    tol: float,
    max_iter: int,
    rng: np.random.Generator | None = None,
    restart: int = 0,
    n_restarts: int = 1,
    metric: str = "euclidean",
    learning_rate: float | None = None,
    optimizer: str = "sgd",
    **unknown: Any,
) -> Iterator[IterationState]:
    """Yield one state per optimiser step, starting from the centred ``centroids``.

    ``learning_rate`` (default 0.5 for SGD, 0.05 for Adam) and ``optimizer`` ("sgd" or "adam")
    are explained in the module docstring. ``inertia`` is the weighted sum of squared distances
    (1 - cos with the cosine metric) of each state's centroids and labels; ``n_iter`` counts
    optimiser steps.
    """
    if unknown:
        raise KMeansInputError(
            f"algorithm 'gradient' takes no parameter(s) {', '.join(sorted(unknown))}; "
            "it accepts learning_rate and optimizer"
        )
    lr, name = check_gradient_params(learning_rate, optimizer)
    k, d = centroids.shape
    total_weight, scale = _weighted_scale(data)
    scale_t = tf.constant(scale, tf.float32)
    norm_t = tf.constant(1.0 / (total_weight * scale**2), tf.float64)
    tol_abs = data.tolerance(tol)
    current = project(np.asarray(centroids, dtype=np.float64), metric)
    previous_labels: np.ndarray | None = None
    shift, relocated = 0.0, 0
    iteration = 0
    with _borrow_stepper(k, d, name, data.device) as stepper:
        stepper.reset(current / scale, lr)
        current = stepper.variable.numpy().astype(np.float64) * scale  # what is evaluated
        while True:
            start = time.perf_counter()
            labels_b, dist_b, cost_t, grad_t = stepper.step(
                data.blocks, data.weights, scale_t, norm_t
            )
            labels = data.flat(labels_b)
            cost = row_cost(data.flat(dist_b).astype(np.float64), metric)
            cluster_weight = weighted_sizes(data, labels, k)
            empty = np.flatnonzero(cluster_weight <= 0)
            gap = _distance_to_optimum(current, grad_t.numpy(), cluster_weight, scale, metric)
            converged = empty.size == 0 and gap <= tol_abs
            final = converged or iteration >= max_iter
            n_changed = (
                data.n
                if previous_labels is None
                else int(np.count_nonzero(labels != previous_labels))
            )
            state_args = dict(
                iteration=iteration,
                centroids=current + data.offset,
                labels=labels,
                inertia=float(cost_t) * (0.5 if metric == "cosine" else 1.0),
                shift=shift,
                sizes=np.bincount(labels, minlength=k).astype(np.int64),
                n_changed=n_changed,
                n_relocated=relocated,
                device=data.device,
                algorithm="gradient",
                restart=restart,
                n_restarts=n_restarts,
                seconds=time.perf_counter() - start,
                converged=converged,
                final=final,
                n_iter=iteration,
            )
            if final:  # the step just taken is discarded: this state is the result
                # Summed in float64 from the caller's rows, as Lloyd's final inertia.
                state_args["inertia"] = exact_inertia(data, labels, current) * (
                    0.5 if metric == "cosine" else 1.0
                )
                yield IterationState(**state_args)
                return
            updated = stepper.variable.numpy().astype(np.float64) * scale
            updated = project(updated, metric, fallback=current)
            if empty.size:
                updated[empty] = data.rows[farthest_rows(data, cost, empty.size)]
            relocated = int(empty.size)
            if relocated or metric == "cosine":
                stepper.variable.assign((updated / scale).astype(np.float32))
            shift = float(np.sum((updated - current) ** 2))
            yield IterationState(**state_args)
            previous_labels, current = labels, updated
            iteration += 1
