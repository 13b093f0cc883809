"""Lloyd's pass spread over the replicas of a ``tf.distribute`` strategy.

Where one device is not enough, the blocks of rows are dealt out to the strategy's replicas
(GPUs of one machine with ``MirroredStrategy``, machines with ``MultiWorkerMirroredStrategy``);
each replica runs the very kernel a single device runs on its share, and the strategy's own
all-reduce adds up the per-cluster sums, weights, counts and inertia. Labels stay on their
replicas from pass to pass (the next pass needs them to count changed rows) and are gathered
only to build the state. Nothing here is home-made communication: it is ``strategy.run``,
``strategy.reduce`` and ``strategy.gather``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import tensorflow as tf

from .devices import is_gpu, resolve_device
from .errors import KMeansInputError
from .kernels import lloyd_pass

_SUM = tf.distribute.ReduceOp.SUM


@dataclass(frozen=True, eq=False)
class Shards:
    """The prepared blocks dealt out to a strategy's replicas, in order."""

    strategy: tf.distribute.Strategy
    blocks: Any  # PerReplica (M / R, B, D) float32
    weights: Any  # PerReplica (M / R, B) float32
    unlabelled: Any  # PerReplica (M / R, B) int32
    step: Any  # the compiled distributed pass for this strategy

    @property
    def description(self) -> str:
        return strategy_description(self.strategy)


def strategy_description(strategy: tf.distribute.Strategy) -> str:
    """What the states report as their device: the strategy, its replica count and the
    devices of this machine, e.g. "MirroredStrategy, 2 replicas (here: CPU:0, CPU:1)"."""
    here = ", ".join(d.split("/device:")[-1] for d in local_devices(strategy))
    replicas = strategy.num_replicas_in_sync
    plural = "" if replicas == 1 else "s"
    return f"{type(strategy).__name__}, {replicas} replica{plural} (here: {here})"


def local_devices(strategy: tf.distribute.Strategy) -> list[str]:
    """The devices this process's replicas run on (the default strategy: TensorFlow's choice)."""
    try:
        return list(strategy.extended.worker_devices)
    except RuntimeError:  # the default strategy has no device list of its own
        return [resolve_device("auto")]


def check_strategy(strategy: object) -> tf.distribute.Strategy:
    if not isinstance(strategy, tf.distribute.Strategy):
        raise KMeansInputError(
            f"strategy must be a tf.distribute.Strategy (e.g. MirroredStrategy), got {strategy!r}"
        )
    return strategy


def shard(
    strategy: tf.distribute.Strategy,
    blocks: np.ndarray,
    weights: np.ndarray,
    unlabelled: np.ndarray,
) -> Shards:
    """Deal (M, B, ...) blocks to the replicas, padding M with empty blocks to a multiple of R.

    Padding blocks carry weight 0 and label -2, so every kernel already ignores them.
    """
    replicas = strategy.num_replicas_in_sync
    m = blocks.shape[0]
    per = -(-m // replicas)
    extra = per * replicas - m
    if extra:
        blocks = np.concatenate([blocks, np.zeros((extra, *blocks.shape[1:]), blocks.dtype)])
        weights = np.concatenate([weights, np.zeros((extra, *weights.shape[1:]), weights.dtype)])
        pad = np.full((extra, *unlabelled.shape[1:]), -2, unlabelled.dtype)
        unlabelled = np.concatenate([unlabelled, pad])

    def dealt(array: np.ndarray) -> Any:
        def value(ctx: tf.distribute.experimental.ValueContext) -> tf.Tensor:
            i = ctx.replica_id_in_sync_group
            return tf.constant(array[i * per : (i + 1) * per])

        return strategy.experimental_distribute_values_from_function(value)

    return Shards(
        strategy=strategy,
        blocks=dealt(blocks),
        weights=dealt(weights),
        unlabelled=dealt(unlabelled),
        step=_compiled_step(strategy),
    )


def _compiled_step(strategy: tf.distribute.Strategy) -> Any:
    """One traced function per strategy, reused by every fit and restart: run the kernel on
    every replica, all-reduce the sums. Kept on the strategy itself, so it goes with it."""
    if "_kmeans_gui_step" not in strategy.__dict__:
        on_gpu = any(is_gpu(d) for d in local_devices(strategy))
        strategy.__dict__["_kmeans_gui_step"] = _new_step(strategy, on_gpu)
    return strategy.__dict__["_kmeans_gui_step"]


def _new_step(strategy: tf.distribute.Strategy, on_gpu: bool) -> Any:

    @tf.function(reduce_retracing=False)
    def step(blocks: Any, weights: Any, previous: Any, centroids: tf.Tensor) -> tuple:
        def replica(b: tf.Tensor, w: tf.Tensor, p: tf.Tensor) -> tuple:
            return lloyd_pass(b, w, p, centroids, on_gpu)

        labels, dist, sums, wsum, count, changed, inertia = strategy.run(
            replica, args=(blocks, weights, previous)
        )
        return (
            labels,
            dist,
            strategy.reduce(_SUM, sums, axis=None),
            strategy.reduce(_SUM, wsum, axis=None),
            strategy.reduce(_SUM, count, axis=None),
            strategy.reduce(_SUM, changed, axis=None),
            strategy.reduce(_SUM, inertia, axis=None),
        )

    return step


def distributed_pass(shards: Shards, previous: Any, centroids: np.ndarray) -> tuple:
    """``kernels.lloyd_pass`` over all replicas; labels and distances come back per replica."""
    return shards.step(shards.blocks, shards.weights, previous, tf.constant(centroids))


def gather_rows(shards: Shards, per_row: Any, *, n: int) -> np.ndarray:
    """A per-row output (labels, distances) of every replica, in row order, without the
    padding: (N,)."""
    gathered = shards.strategy.gather(per_row, axis=0)
    return gathered.numpy().reshape(-1)[:n]


class Collective:
    """Sums and gathers of small host arrays among the processes of one run.

    A streamed run keeps each worker on its own rows (``streamed_data.py``): every pass ends
    with the per-cluster sums of each worker added up, and the few things that are per row
    (a sampled candidate, a repaired cluster's new centre, the labels the chief writes) are
    gathered. This one is the single process's: nothing to exchange.
    """

    index = 0  # this process among the run's processes
    count = 1

    def sum(self, array: np.ndarray) -> np.ndarray:
        """The element-wise sum of every process's ``array`` (same shape everywhere)."""
        return np.asarray(array)

    def gather(self, array: np.ndarray) -> list[np.ndarray]:
        """Every process's ``array`` in process order (their lengths may differ)."""
        return [np.asarray(array)]


class StrategyCollective(Collective):
    """:class:`Collective` over the workers of a ``MultiWorkerMirroredStrategy``: the strategy's
    own all-reduce (``strategy.reduce``), each worker contributing through its first replica.
    Values travel as float64, which holds counts and labels below 2**53 exactly."""

    def __init__(self, strategy: tf.distribute.Strategy) -> None:
        self.strategy = strategy
        self.local = len(local_devices(strategy))
        ids = strategy.experimental_distribute_values_from_function(
            lambda ctx: tf.constant(ctx.replica_id_in_sync_group)
        )
        first = min(int(v) for v in strategy.experimental_local_results(ids))
        self.index = first // self.local
        self.count = strategy.num_replicas_in_sync // self.local

    def sum(self, array: np.ndarray) -> np.ndarray:
        array = np.asarray(array)
        value = np.asarray(array, np.float64)
        zeros = np.zeros_like(value)

        def contribution(ctx: tf.distribute.experimental.ValueContext) -> tf.Tensor:
            return tf.constant(value if ctx.replica_id_in_sync_group % self.local == 0 else zeros)

        per_replica = self.strategy.experimental_distribute_values_from_function(contribution)
        total = self.strategy.reduce(_SUM, per_replica, axis=None).numpy()
        return total.astype(array.dtype, copy=False) if array.dtype != object else total

    def gather(self, array: np.ndarray) -> list[np.ndarray]:
        array = np.asarray(array)
        lengths = np.zeros(self.count)
        lengths[self.index] = array.shape[0]
        lengths = self.sum(lengths).astype(np.int64)
        slots = np.zeros((self.count, int(lengths.max()), *array.shape[1:]), np.float64)
        slots[self.index, : array.shape[0]] = array
        slots = self.sum(slots)
        return [slots[i, : lengths[i]].astype(array.dtype) for i in range(self.count)]


def collective_for(strategy: tf.distribute.Strategy | None) -> Collective:
    """The collective of a streamed run: the workers of a multi-worker strategy, else this
    process alone (a MirroredStrategy's replicas share one process and its rows)."""
    if strategy is None:
        return Collective()
    collective = StrategyCollective(strategy)
    return collective if collective.count > 1 else Collective()
