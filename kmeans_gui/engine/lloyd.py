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
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial

import numpy as np
import tensorflow as tf

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
    labels = labels.copy()  # the caller's labels belong to the state being reported
    candidates = _farthest_first(data, cost, 2 * empty.size + 8)
    for cluster in empty:
        # Farthest first, skipping rows whose own cluster the move would leave empty.
        for idx in candidates:
            old, w = labels[idx], weights[idx]
            if wsum[old] - w <= 0:
                continue
            point = data.source_rows(idx)
            sums[old] -= point * w
            wsum[old] -= w
            sums[cluster] = point * w
            wsum[cluster] = w
            labels[idx] = cluster
            break
    return int(empty.size)


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
    distances: Callable[[], np.ndarray]  # (N,) squared distance of each row to its centroid


def pass_layout(data: PreparedData) -> tuple[tf.Tensor, bool]:
    """The blocks a Lloyd pass reads, and whether they are ``data.columns`` (direct passes)."""
    return (data.columns, True) if data.direct else (data.blocks, False)


class FullPasses:
    """Every row searched on every pass: the kernel of ``kernels.lloyd_pass``, on one device
    or over a ``tf.distribute`` strategy's replicas."""

    def __init__(self, data: PreparedData) -> None:
        self.data = data
        self.previous = data.unlabelled if data.shards is None else data.shards.unlabelled

    def run(self, centroids: np.ndarray) -> PassResult:
        data, shards = self.data, self.data.shards
        used = tf.constant(centroids, tf.float32)
        if shards is None:
            blocks, columns = pass_layout(data)
            out = lloyd_pass(blocks, data.weights, self.previous, used, data.on_gpu, columns)
            gather = data.flat
        else:
            out = distributed_pass(shards, self.previous, used)
            gather = partial(gather_rows, shards, n=data.n)
        labels_b, dist_b, sums, wsum, count, changed, inertia = out
        self.previous = labels_b
        return PassResult(
            labels=gather(labels_b),
            sums=sums.numpy(),
            wsum=wsum.numpy(),
            sizes=count.numpy().astype(np.int64),
            n_changed=int(changed),
            inertia=float(inertia),
            distances=partial(gather, dist_b),
        )


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
    tol_abs = data.tolerance(tol)
    cost_scale = 0.5 if metric == "cosine" else 1.0
    current = project(np.asarray(centroids, dtype=np.float64), metric)
    passes = FullPasses(data)
    shift, relocated, tol_reached = 0.0, 0, False
    producing_labels: np.ndarray | None = None  # the labels ``current`` is the mean of
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
            centroids=current + data.offset,
            labels=labels,
            inertia=cost_scale * result.inertia,
            shift=shift,
            sizes=result.sizes,
            n_changed=n_changed,
            n_relocated=relocated,
            device=data.device,
            algorithm="lloyd",
            restart=restart,
            n_restarts=n_restarts,
        )
        if final:
            if producing_labels is not None and relocated == 0:
                current = exact_means(data, producing_labels, current, metric)
                state_args["centroids"] = current + data.offset
                state_args["shift"] = float(np.sum((current - prior) ** 2))
            state_args["inertia"] = cost_scale * exact_inertia(data, labels, current)
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
        relocated = relocate_empty(sums, wsum, data, labels, result.distances)
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
        prior, current, producing_labels = current, updated, labels
        iteration += 1
