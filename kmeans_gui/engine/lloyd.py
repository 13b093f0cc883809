"""Lloyd's batch k-means as a stream of consistent states.

Each pass assigns every row to its nearest centroid and sums the clusters; the state for
centroids C_j is emitted with the labels and inertia of that very pass, then C_{j+1} is the
weighted mean of each cluster. Stop rule (scikit-learn's): converged when no label changed
(strict), or when the summed squared centroid shift is at most ``tol`` x the mean per-feature
variance of the data, after which one more pass makes the labels match the final centroids.
``max_iter`` caps the number of centroid updates.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import Protocol

import numpy as np
import tensorflow as tf

from .bounded import bounded_pass, used_for
from .distributed import distributed_pass, gather_rows
from .exact import exact_inertia, exact_means
from .kernels import lloyd_pass
from .metric import farthest_rows, project
from .prepare import PreparedData
from .state import IterationState


def relocate_empty(
    sums: np.ndarray,
    wsum: np.ndarray,
    data: PreparedData,
    labels: np.ndarray,
    distances: Callable[[], np.ndarray],
) -> int:
    """Give each empty cluster the row farthest from its centroid, as scikit-learn does.

    ``distances()`` gives every row's squared distance to its centroid in the pass that left
    the clusters empty; it is only asked for when one is (a distributed pass has to gather
    them). Works in place on the weighted ``sums`` (K, D) and cluster weights ``wsum`` (K,):
    the row is taken out of its old cluster, so no centre collapses to the origin or becomes
    NaN. Returns how many clusters were repaired.
    """
    empty = np.flatnonzero(wsum <= 0)
    if empty.size == 0:
        return 0
    cost = distances().astype(np.float64)
    weights = data.weight_array
    rows = _farthest_first(data, cost, 2 * empty.size + 8)
    moves = plan_relocation(wsum, empty, ((i, int(labels[i]), weights[i]) for i in rows))
    apply_relocation(sums, moves, data.source_rows(np.array([m.row for m in moves], int)))
    return int(empty.size)


@dataclass(frozen=True)
class Move:
    """One repair: ``row`` (of weight ``weight``) leaves cluster ``old`` for empty ``cluster``."""

    cluster: int
    row: int
    old: int
    weight: float


def plan_relocation(
    wsum: np.ndarray, empty: np.ndarray, candidates: Iterable[tuple[int, int, float]]
) -> list[Move]:
    """The moves that repair the ``empty`` clusters, updating ``wsum`` in place.

    ``candidates`` are (row, its label, its weight), farthest first, each used at most once;
    a row whose own cluster the move would leave empty is skipped. Only the labels and
    weights decide, so a streamed run plans before it fetches the few rows it moves.
    """
    moves: list[Move] = []
    pending = iter(candidates)
    for cluster in empty:
        for row, old, w in pending:
            if wsum[old] - w <= 0:
                continue
            wsum[old] -= w
            wsum[cluster] = w
            moves.append(Move(int(cluster), int(row), int(old), float(w)))
            break
    return moves


def apply_relocation(sums: np.ndarray, moves: list[Move], points: np.ndarray) -> None:
    """The planned ``moves`` on the weighted ``sums``; ``points`` are the moved rows, centred
    float64, in the order of the moves."""
    for move, point in zip(moves, points, strict=True):
        sums[move.old] -= point * move.weight
        sums[move.cluster] = point * move.weight


def _farthest_first(data: PreparedData, cost: np.ndarray, count: int) -> Iterator[int]:
    """``farthest_rows`` lazily: a few candidates first, more only if all of them are skipped
    (asking for every row would sort all N on each repair)."""
    given = 0
    while True:
        rows = farthest_rows(data, cost, count)
        yield from rows[given:].tolist()
        if rows.size < count:
            return
        given, count = rows.size, 4 * count


@dataclass
class PassResult:
    """What ``lloyd_states`` needs from one pass over the data."""

    labels: np.ndarray  # (N,) int32
    sums: np.ndarray  # (K, D) float64 weighted sums of the centred rows per cluster
    wsum: np.ndarray  # (K,) float64 weight per cluster
    sizes: np.ndarray  # (K,) int64 rows per cluster
    n_changed: int
    inertia: float
    distances: Callable[[], np.ndarray] | None  # (N,) squared distance of each row to its centroid


def pass_layout(data: PreparedData) -> tuple[tf.Tensor, bool]:
    """The blocks a Lloyd pass reads, and whether they are ``data.columns`` (direct passes)."""
    return (data.columns, True) if data.direct else (data.blocks, False)


class FullPasses:
    """Lloyd passes over all the data: ``kernels.lloyd_pass`` (every row searched), or
    ``bounded.bounded_pass`` where it pays (the rows in doubt searched), on one device, or
    ``distributed_pass`` over a ``tf.distribute`` strategy's replicas.

    What ``lloyd_pass_states`` asks of its passes: ``run`` one pass, ``relocate`` the empty
    clusters it left, ``finish`` with exact float64 figures, ``tolerance``, ``offset`` and
    ``device``. A streamed run's passes (``streamed_lloyd.py``) answer the same questions.
    """

    def __init__(self, data: PreparedData) -> None:
        self.data = data
        self.previous = data.unlabelled if data.shards is None else data.shards.unlabelled
        self.offset = data.offset
        self.device = data.device
        self.lower: tf.Tensor | None = None  # bounded passes: the last pass's lower bounds
        self.before: tf.Tensor | None = None  # and its centroids (``bounded.py``)
        self.labels: np.ndarray | None = None  # the last pass's
        self.producing: np.ndarray | None = None  # the pass before: the labels of the means

    def tolerance(self, tol: float) -> float:
        return self.data.tolerance(tol)

    def run(self, centroids: np.ndarray) -> PassResult:
        data, shards = self.data, self.data.shards
        used = tf.constant(centroids, tf.float32)
        if shards is None:
            blocks, columns = pass_layout(data)
            if used_for(data, columns, len(centroids)):
                if self.lower is None:  # no bounds yet: every row is searched first
                    self.lower, self.before = tf.zeros(tf.shape(data.weights)), used
                out = bounded_pass(
                    blocks, data.weights, self.previous, self.lower, used, self.before
                )
                self.lower, self.before, out = out[7], used, out[:7]
            else:
                out = lloyd_pass(blocks, data.weights, self.previous, used, data.on_gpu, columns)
            gather = data.flat
        else:
            out = distributed_pass(shards, self.previous, used)
            gather = partial(gather_rows, shards, n=data.n)
        labels_b, dist_b, sums, wsum, count, changed, inertia = out
        self.previous = labels_b
        result = PassResult(
            labels=gather(labels_b),
            sums=sums.numpy(),
            wsum=wsum.numpy(),
            sizes=count.numpy().astype(np.int64),
            n_changed=int(changed),
            inertia=float(inertia),
            distances=partial(gather, dist_b),
        )
        self.producing, self.labels = self.labels, result.labels
        return result

    def relocate(self, result: PassResult) -> int:
        return relocate_empty(result.sums, result.wsum, self.data, result.labels, result.distances)

    def finish(self, current: np.ndarray, means: bool, metric: str) -> tuple[np.ndarray, float]:
        """The final centroids (recomputed from the labels that produced them when ``means``)
        and the exact inertia of the last pass's labels, float64."""
        assert self.labels is not None
        if means:
            assert self.producing is not None
            current = exact_means(self.data, self.producing, current, metric)
        return current, exact_inertia(self.data, self.labels, current)


def lloyd_states(
    data: PreparedData,
    centroids: np.ndarray,
    *,
    tol: float,
    max_iter: int,
    restart: int = 0,
    n_restarts: int = 1,
    metric: str = "euclidean",
) -> Iterator[IterationState]:
    """Yield one :class:`IterationState` per centroid update, starting from ``centroids``.

    ``centroids`` are centred (k, D) float64; states report them in the caller's units. With
    ``metric="cosine"`` (unit rows from ``prepare_input``) this is spherical k-means: each mean
    is scaled back to unit length, labels follow the largest cosine similarity, and inertia is
    the weighted sum of 1 - cos(x, c) = |x - c|^2 / 2.
    """
    return lloyd_pass_states(
        FullPasses(data),
        centroids,
        tol=tol,
        max_iter=max_iter,
        restart=restart,
        n_restarts=n_restarts,
        metric=metric,
    )


def lloyd_pass_states(
    passes: Passes,
    centroids: np.ndarray,
    *,
    tol: float,
    max_iter: int,
    restart: int = 0,
    n_restarts: int = 1,
    metric: str = "euclidean",
) -> Iterator[IterationState]:
    """``lloyd_states`` over any :class:`Passes` (in memory, or streamed from a file)."""
    tol_abs = passes.tolerance(tol)
    cost_scale = 0.5 if metric == "cosine" else 1.0
    current = project(np.asarray(centroids, dtype=np.float64), metric)
    shift, relocated, tol_reached = 0.0, 0, False
    prior = current  # the centroids before ``current``
    iteration = 0
    while True:
        start = time.perf_counter()
        result = passes.run(current)
        labels, n_changed = result.labels, result.n_changed
        strict = iteration > 0 and n_changed == 0
        final = strict or tol_reached or iteration >= max_iter
        state_args = dict(
            iteration=iteration,
            centroids=current + passes.offset,
            labels=labels,
            inertia=cost_scale * result.inertia,
            shift=shift,
            sizes=result.sizes,
            n_changed=n_changed,
            n_relocated=relocated,
            device=passes.device,
            algorithm="lloyd",
            restart=restart,
            n_restarts=n_restarts,
        )
        if final:
            # the means of the labels that produced ``current``, unless a repair moved it
            means = iteration > 0 and relocated == 0
            current, inertia = passes.finish(current, means, metric)
            if means:
                state_args["centroids"] = current + passes.offset
                state_args["shift"] = float(np.sum((current - prior) ** 2))
            state_args["inertia"] = cost_scale * inertia
            # scikit-learn counts the no-op update of a strictly converged pass.
            n_iter = min(iteration + 1 if strict and not tol_reached else iteration, max_iter)
            yield IterationState(
                **state_args,
                seconds=time.perf_counter() - start,
                converged=strict or tol_reached,
                final=True,
                n_iter=n_iter,
            )
            return
        sums, wsum = result.sums, result.wsum
        relocated = passes.relocate(result)
        updated = project(sums / wsum[:, np.newaxis], metric, fallback=current)
        shift = float(np.sum((updated - current) ** 2))
        tol_reached = shift <= tol_abs
        yield IterationState(
            **state_args,
            seconds=time.perf_counter() - start,
            converged=False,
            final=False,
            n_iter=iteration,
        )
        prior, current = current, updated
        iteration += 1


class Passes(Protocol):
    """What ``lloyd_pass_states`` runs on: see :class:`FullPasses`."""

    offset: np.ndarray
    device: str

    def tolerance(self, tol: float) -> float: ...

    def run(self, centroids: np.ndarray) -> PassResult: ...

    def relocate(self, result: PassResult) -> int: ...

    def finish(self, current: np.ndarray, means: bool, metric: str) -> tuple[np.ndarray, float]: ...
