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
from collections.abc import Iterator

import numpy as np

from .distributed import distributed_pass, gather_labels
from .kernels import lloyd_pass
from .metric import assign, farthest_rows, project, weighted_sizes
from .prepare import CONVERT_ROWS, PreparedData
from .state import IterationState


def relocate_empty(
    sums: np.ndarray,
    wsum: np.ndarray,
    data: PreparedData,
    labels: np.ndarray,
    centroids: np.ndarray,
) -> int:
    """Give each empty cluster the row farthest from its centroid, as scikit-learn does.

    Empty clusters are rare, so the distances to the current ``centroids`` are recomputed here
    rather than carried out of every pass. Works in place on the weighted ``sums`` (K, D) and
    cluster weights ``wsum`` (K,): the row is taken out of its old cluster, so no centre
    collapses to the origin or becomes NaN. Returns how many clusters were repaired.
    """
    empty = np.flatnonzero(wsum <= 0)
    if empty.size == 0:
        return 0
    _, cost, _ = assign(data, centroids)
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


def exact_inertia(data: PreparedData, labels: np.ndarray, centroids: np.ndarray) -> float:
    """Weighted sum of squared distances in float64 from the caller's own rows.

    The float32 pass is exact enough to label, but data spanning 1e5 with unit spread loses
    1e-4 of its inertia there; the final figure is the one users compare, so it is redone
    here once per run, as scikit-learn reports an exactly computed inertia.
    """
    weights = data.sample_weight
    centres = np.asarray(centroids, dtype=np.float64) + data.offset
    total = 0.0
    for start in range(0, data.n, CONVERT_ROWS):
        stop = min(data.n, start + CONVERT_ROWS)
        diff = np.asarray(data.source[start:stop], dtype=np.float64) - centres[labels[start:stop]]
        sq = np.einsum("ij,ij->i", diff, diff)
        total += float(sq.sum() if weights is None else sq @ weights[start:stop])
    return total


def exact_means(
    data: PreparedData, labels: np.ndarray, centroids: np.ndarray, metric: str
) -> np.ndarray:
    """The centred centroids recomputed in float64 from the caller's own rows.

    Passes sum float32 rows, so a reported centre of 9 reads 9.000000047; the final one is
    recomputed once from the labels that produced it, as scikit-learn's float64 means are.
    A cluster without weight keeps its given centre.
    """
    k, d = centroids.shape
    weights = data.weight_array
    total = weighted_sizes(data, labels, k)
    sums = np.zeros((k, d))
    for start in range(0, data.n, CONVERT_ROWS):
        stop = min(data.n, start + CONVERT_ROWS)
        rows, members, w = (
            data.source_rows(slice(start, stop)),
            labels[start:stop],
            weights[start:stop],
        )
        for j in range(d):
            sums[:, j] += np.bincount(members, weights=rows[:, j] * w, minlength=k)[:k]
    filled = total > 0
    out = np.array(centroids, dtype=np.float64)
    out[filled] = sums[filled] / total[filled, np.newaxis]
    return project(out, metric, fallback=centroids)


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
    tol_abs = tol * data.mean_variance
    cost_scale = 0.5 if metric == "cosine" else 1.0
    current = project(np.asarray(centroids, dtype=np.float64), metric)
    shards = data.shards
    previous = data.unlabelled if shards is None else shards.unlabelled
    shift, relocated, tol_reached = 0.0, 0, False
    producing_labels: np.ndarray | None = None  # the labels ``current`` is the mean of
    prior = current  # the centroids before ``current``
    iteration = 0
    while True:
        start = time.perf_counter()
        if shards is None:
            labels_b, sums_t, wsum_t, count_t, changed_t, inertia_t = lloyd_pass(
                data.blocks, data.weights, previous, current.astype(np.float32), data.on_gpu
            )
            labels = data.flat(labels_b)
        else:
            labels_b, sums_t, wsum_t, count_t, changed_t, inertia_t = distributed_pass(
                shards, previous, current.astype(np.float32)
            )
            labels = gather_labels(shards, labels_b, data.n)
        n_changed = int(changed_t)
        strict = iteration > 0 and n_changed == 0
        final = strict or tol_reached or iteration >= max_iter
        state_args = dict(
            iteration=iteration,
            centroids=current + data.offset,
            labels=labels,
            inertia=cost_scale * float(inertia_t),
            shift=shift,
            sizes=count_t.numpy().astype(np.int64),
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
        sums, wsum = sums_t.numpy(), wsum_t.numpy()
        relocated = relocate_empty(sums, wsum, data, labels, current)
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
        prior, previous, current, producing_labels = current, labels_b, updated, labels
        iteration += 1
