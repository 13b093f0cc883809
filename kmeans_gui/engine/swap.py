"""Swap trials: move a centroid out of a bad local optimum, in one compiled loop.

Random swap (Fränti 2018, "Efficiency of random swap clustering") repeats a trial: replace
one centroid by a data point, run two Lloyd iterations, keep the result if the cost fell.
Lloyd alone cannot leave an optimum where two centroids share one true cluster while another
centroid sits between two clusters; a swap moves the spare centroid across in one step.

Plain random swap picks the centroid and the point uniformly, so at k = 100 only about one
trial in k^2 / (spare centroids) can succeed. The trials here pick smarter, as the literature does
(and as ``benchmarks/quality.py`` measures against the plain choice):

- the centroid to remove is one of the ``CHEAPEST`` whose removal costs least (Ismkhan's
  I-k-means-+ and Fritzke's k-means-u* remove the centroid of least utility): the removal
  cost of centroid j is what its rows would add moving to their second nearest centroid,
  summed in the same pass that labels them (``kernels.pass_totals(removal=True)``). In a
  share ``ANY_CENTROID`` of the trials it is any centroid, so that none is out of reach;
- the point that replaces it is drawn with probability proportional to weight x squared
  distance to its nearest centroid (the k-means++ rule): it falls where the cost is, most
  often where one centroid serves two clusters.

Each trial is ``STEPS`` Lloyd passes plus one pass that prices the result (cost, labels,
removal costs for the next trial), all inside one ``tf.while_loop``: no host round trip
between trials. Per row the loop keeps labels and distances, per centroid its removal cost:
nothing of size N x K. Randomness is TensorFlow's stateless generator keyed by a seed the
run's NumPy generator draws and the trial number, so a seed reproduces the trials exactly.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, fields
from typing import Any

import numpy as np
import tensorflow as tf

from .kernels import Traced, pass_totals
from .lloyd import pass_layout
from .lloyd_loop import unit_centroids
from .prepare import PreparedData
from .refine_options import RefineBudget

#: Lloyd passes per trial (Fränti: two are enough to tell a good swap from a bad one).
STEPS = 2
#: The centroid removed is drawn among this many of least removal cost ...
CHEAPEST = 3
#: ... or, in this share of the trials, among all (the cheapest are not always the spare ones).
ANY_CENTROID = 0.25
#: A trial is kept when it lowers the cost by more than this fraction (float32 pass noise).
MIN_GAIN = 1e-6
#: Trials per compiled call are sized to take about this long (cancel and time budgets).
CALL_SECONDS = 0.1

TRIAL_CHOICES = ("smart", "random")  # "random": Fränti's plain random swap, for comparison


@dataclass(frozen=True)
class Position:
    """Where the trials stand: the current centroids (centred, float32) and their pass."""

    centroids: tf.Tensor  # (K, D) float32
    labels: tf.Tensor  # (M, B) int32, -2 on padding
    dist: tf.Tensor  # (M, B) float32 squared distance of each row to its centroid
    removal: tf.Tensor  # (K,) float64 cost added by removing each centroid
    cost: tf.Tensor  # () float64 weighted sum of ``dist``
    count: tf.Tensor  # (K,) int32 rows per cluster


def _update(sums, wsum, current, cosine: bool):
    """Lloyd's mean update in the graph; a cluster left empty keeps its centroid (the trial
    is judged by its cost, and the final Lloyd run repairs empty clusters properly)."""
    filled = wsum > 0
    means = sums / tf.where(filled, wsum, 1.0)[:, tf.newaxis]
    updated = tf.where(filled[:, tf.newaxis], tf.cast(means, tf.float32), current)
    return unit_centroids(updated, current) if cosine else updated


def _make_trials(columns: bool, on_gpu: bool, cosine: bool, choice: str) -> Traced:
    def trials(blocks, rows, weights, seed, trial, stop, patience, quiet, exit_early, *position):
        """Trials ``trial`` .. ``stop - 1``, or until ``patience`` trials in a row (``quiet``
        so far) have failed, or (with ``exit_early``) up to the first accepted one.
        Returns the trial reached, the failed trials in a row, the number accepted and the
        position."""
        k = tf.shape(position[0])[0]
        cheapest = tf.minimum(k, CHEAPEST)
        b = tf.shape(weights)[1]
        flat_w = tf.reshape(tf.cast(weights, tf.float64), [-1])

        def one(trial, quiet, accepted, centroids, labels, dist, removal, cost, count):
            key = tf.stack([seed[0], seed[1] + tf.cast(trial, tf.int64)])
            u = tf.random.stateless_uniform([3], key, dtype=tf.float64)
            anyone = tf.cast(u[0] * tf.cast(k, tf.float64), tf.int32)
            if choice == "smart":
                _, order = tf.math.top_k(-removal, cheapest)
                cheap = tf.gather(order, tf.cast(u[0] * tf.cast(cheapest, tf.float64), tf.int32))
                j = tf.where(u[2] < ANY_CENTROID, anyone, cheap)
                mass = flat_w * tf.cast(tf.reshape(dist, [-1]), tf.float64)
            else:
                j, mass = anyone, flat_w
            total = tf.math.cumsum(mass)
            row = tf.searchsorted(total, u[1:2] * total[-1], side="right")[0]
            row = tf.minimum(row, tf.size(total, tf.int32) - 1)
            point = tf.gather_nd(rows, [[row // b, row % b]])
            trial_c = tf.tensor_scatter_nd_update(centroids, [[j]], point)
            for _ in range(STEPS):
                _, _, sums, wsum, *_ = pass_totals(
                    blocks, weights, labels, trial_c, columns=columns, on_gpu=on_gpu
                )
                trial_c = _update(sums, wsum, trial_c, cosine)
            new_labels, new_dist, _, _, new_count, _, new_cost, new_removal = pass_totals(
                blocks, weights, labels, trial_c, columns=columns, on_gpu=on_gpu, removal=True
            )
            better = new_cost < cost * (1.0 - MIN_GAIN)
            kept = tuple(
                tf.where(better, new, old)
                for new, old in zip(
                    (trial_c, new_labels, new_dist, new_removal, new_cost, new_count),
                    (centroids, labels, dist, removal, cost, count),
                    strict=True,
                )
            )
            quiet = tf.where(better, 0, quiet + 1)
            return (trial + 1, quiet, accepted + tf.cast(better, tf.int32), *kept)

        def more(trial, quiet, accepted, *_):
            return (trial < stop) & (quiet < patience) & ~(exit_early & (accepted > 0))

        return tf.while_loop(more, one, (trial, quiet, tf.constant(0), *position))

    return Traced(trials, {9: (0,), 12: (0,), 14: (0,)})


_TRIALS: dict[tuple[bool, bool, bool, str], Traced] = {}


def _evaluate(columns: bool, on_gpu: bool) -> Traced:
    def evaluate(blocks, weights, previous, centroids):
        labels, dist, _, _, count, _, cost, removal = pass_totals(
            blocks, weights, previous, centroids, columns=columns, on_gpu=on_gpu, removal=True
        )
        return centroids, labels, dist, removal, cost, count

    return Traced(evaluate, {3: (0,)})


_EVALUATE = {(cols, gpu): _evaluate(cols, gpu) for cols in (False, True) for gpu in (False, True)}


@dataclass(frozen=True)
class Accepted:
    """A swap that lowered the cost: the position after it and when it was found."""

    position: Position
    trial: int  # trials run so far, this one included
    swaps: int  # swaps accepted so far, this one included
    seconds: float  # wall time since the previous accepted swap (or the start)


class SwapTrials:
    """Swap trials from centred ``centroids`` until ``budget`` is spent; iterate for the
    accepted swaps.

    With ``each``, every accepted swap is yielded as it is found (the window animates them);
    otherwise only the last position, once, if any swap was accepted. ``seed`` is two int64s.
    ``cancelled``, polled between compiled calls (each about ``CALL_SECONDS``), ends the
    trials early. ``trials_run`` counts the trials once iteration has ended.
    """

    def __init__(
        self,
        data: PreparedData,
        centroids: np.ndarray,
        budget: RefineBudget,
        seed: np.ndarray,
        *,
        metric: str = "euclidean",
        each: bool = True,
        choice: str = "smart",
        cancelled: Callable[[], bool] | None = None,
    ) -> None:
        self.data, self.centroids, self.budget, self.seed = data, centroids, budget, seed
        self.metric, self.each, self.choice, self.cancelled = metric, each, choice, cancelled
        self.trials_run = 0
        if choice not in TRIAL_CHOICES:
            raise ValueError(f"choice must be one of {TRIAL_CHOICES}, not {choice!r}")

    def __iter__(self) -> Iterator[Accepted]:
        data, budget = self.data, self.budget
        if budget.trials == 0:
            return
        blocks, columns = pass_layout(data)
        key = (columns, data.on_gpu, self.metric == "cosine", self.choice)
        if key not in _TRIALS:
            _TRIALS[key] = _make_trials(*key)
        loop = _TRIALS[key]
        position = Position(*_EVALUATE[columns, data.on_gpu](
            blocks, data.weights, data.unlabelled, tf.constant(self.centroids, tf.float32)
        ))  # fmt: skip
        if not float(position.cost) > 0:  # every row on a centroid: nothing to gain
            return
        seed = tf.constant(np.asarray(self.seed, dtype=np.int64))
        never = np.iinfo(np.int32).max
        limit = never if budget.trials is None else budget.trials
        patience = tf.constant(never if budget.patience is None else budget.patience)

        def call(done: int, stop: int, quiet: int) -> tuple[Any, ...]:
            return loop(
                blocks, data.blocks, data.weights, seed, tf.constant(done), tf.constant(stop),
                patience, tf.constant(quiet), tf.constant(self.each),
                *(getattr(position, f) for f in _FIELDS),
            )  # fmt: skip

        call(0, 0, 0)  # traces the loop (once per data layout) before a time budget starts
        started = last = time.perf_counter()
        done, quiet, swaps, chunk, best = 0, 0, 0, 1, None
        while done < limit and quiet < int(patience):
            if budget.seconds is not None and time.perf_counter() - started >= budget.seconds:
                break
            if self.cancelled is not None and self.cancelled():
                break
            call_start = time.perf_counter()
            trial, quiet_t, accepted, *out = call(done, min(limit, done + chunk), quiet)
            quiet = int(quiet_t)
            ran = int(trial) - done
            done = self.trials_run = int(trial)
            if int(accepted):
                position = Position(*out)
                swaps += int(accepted)
                now = time.perf_counter()
                best = Accepted(position, done, swaps, now - last)
                last = now
                if self.each:
                    yield best
            # The next call takes about CALL_SECONDS: a few trials on large data, many on small.
            per_trial = (time.perf_counter() - call_start) / max(ran, 1)
            chunk = int(np.clip(CALL_SECONDS / max(per_trial, 1e-6), 1, 1024))
        if not self.each and best is not None:
            yield best


_FIELDS = tuple(f.name for f in fields(Position))
