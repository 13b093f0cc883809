"""k-medoids by alternating (Voronoi) iteration: every centre is an actual row of the data.

Each iteration assigns every row to its nearest medoid, then replaces each cluster's medoid by
the member with the smallest weighted summed distance to the members of the cluster (Park &
Jun 2009; the update of the tutorial seed, done blockwise). The medoid cost is kept
non-increasing: the current medoid stays unless a candidate is strictly better.

Metrics and what ``inertia`` means (the algorithm's own cost, sum_i w_i d(x_i, medoid)):

- ``euclidean``: d is the Euclidean distance, not squared (a k-medoids fit minimises summed
  distances, so it is robust to outliers; this inertia is not comparable with k-means').
- ``manhattan``: d is the L1 distance sum_j |x_j - m_j|.
- ``cosine``: d = 1 - cos(x, m); rows are unit-normalised by ``prepare_input``, the reported
  centres are the medoid rows scaled to unit length, and the update is exact in O(n_k D):
  sum_i w_i (1 - x_i.m) = W - m.(sum_i w_i x_i).

Memory and time. The per-cluster sums are O(n_k^2): candidates and members go through one
fused XLA kernel per tile of at most 1024 x 2048 pairs, in float64, so memory stays bounded
for any n_k. A cluster with more than ``max_candidates`` members (default 4000) evaluates a
seeded random sample of that many candidates (plus its current medoid) against all its
members, in float32 (about four times faster), which keeps a million-row run possible at
O(max_candidates x N) per iteration; its medoid is then sampled, not exact, and a
:class:`SampledMedoidsWarning` says so once per run.

Initial centres that are not rows (``init="uniform"`` or a given array) start from their
nearest rows of positive weight. A cluster left without weight takes the row farthest from its
medoid. Stop rule as Lloyd's: no label changed, or the summed squared medoid movement is at most
``tol`` x the mean per-feature variance (then one more labelling pass), or ``max_iter``.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Iterator
from typing import Any

import numpy as np
import tensorflow as tf

from .choices import DEFAULT_MAX_CANDIDATES
from .errors import KMeansInputError
from .kernels import assign_pass
from .metric import farthest_rows, row_cost, weighted_sizes
from .prepare import PreparedData
from .state import IterationState

#: Largest tile of the pairwise sums: candidates x members (float64, 16 MiB).
_TILE_CANDIDATES, _TILE_MEMBERS = 1024, 2048
_MIN_TILE = 64


class SampledMedoidsWarning(UserWarning):
    """A cluster was too large for an exact medoid; a seeded sample of candidates was used."""


# -- labels -----------------------------------------------------------------------------------

#: Up to this many features the L1 distance is unrolled feature by feature (measured: XLA on the
#: CPU fuses |a - b| summed over a static loop ~14x faster than a reduce over a 3-D broadcast).
_UNROLL_MAX_FEATURES = 64
#: Wider data loops over groups of this many features (unrolled inside one loop step).
_L1_GROUP = 16
#: Up to this many features the exact broadcast |c - m| beats the GEMM expansion (and the
#: feature loop), and its C x R x D temporary stays small.
_MEDOID_DIRECT_MAX_FEATURES = 16


def l1_largest_intermediate(a_rows: int, b_rows: int, d: int) -> int:
    """Elements of the largest tensor ``pairwise_l1`` builds for (a_rows, d) x (b_rows, d).

    Both paths accumulate one (A, B) matrix feature by feature, plus a group of at most
    ``_L1_GROUP`` feature columns of each input, so memory never grows with D (an A x B x D
    broadcast at D = 300 and a 1024 x 2048 tile would be 5 GB in float64).
    """
    group = min(d, _UNROLL_MAX_FEATURES if d <= _UNROLL_MAX_FEATURES else _L1_GROUP)
    return max(a_rows * b_rows, (a_rows + b_rows) * group)


def pairwise_l1(a: tf.Tensor, b: tf.Tensor) -> tf.Tensor:
    """(A, B) Manhattan distances between the rows of a (A, D) and b (B, D), in (A, B) memory."""
    d = a.shape[-1]
    if d is None or d > _UNROLL_MAX_FEATURES:
        return _pairwise_looped(a, b, tf.abs)
    dist = tf.abs(a[:, 0, tf.newaxis] - b[tf.newaxis, :, 0])
    for j in range(1, d):
        dist += tf.abs(a[:, j, tf.newaxis] - b[tf.newaxis, :, j])
    return dist


def pairwise_sq(a: tf.Tensor, b: tf.Tensor) -> tf.Tensor:
    """(A, B) exact squared Euclidean distances |a - b|^2 (no expansion), in (A, B) memory."""
    d = a.shape[-1]
    if d is not None and d <= _MEDOID_DIRECT_MAX_FEATURES:
        return tf.reduce_sum(tf.square(a[:, tf.newaxis, :] - b[tf.newaxis]), axis=2)
    return _pairwise_looped(a, b, tf.square)


def _pairwise_looped(a: tf.Tensor, b: tf.Tensor, term) -> tf.Tensor:
    """sum_j term(a_j - b_j) for every pair of rows, in a loop over groups of features.

    The features are zero-padded to whole groups of ``_L1_GROUP`` (term(0 - 0) = 0 for |.|
    and squares) and laid out group-major, so each step reads a (G, A) and a (G, B) slice and
    adds G terms to the (A, B) accumulator: memory never grows with D.
    """
    g = _L1_GROUP
    d = tf.shape(a)[1]
    groups = (d + g - 1) // g
    pad = [[0, 0], [0, groups * g - d]]

    def grouped(t: tf.Tensor) -> tf.Tensor:  # (N, D) -> (groups, G, N)
        return tf.reshape(tf.transpose(tf.pad(t, pad)), (groups, g, tf.shape(t)[0]))

    a_groups, b_groups = grouped(a), grouped(b)

    def body(i, acc):
        ag, bg = a_groups[i], b_groups[i]
        for j in range(g):
            acc += term(ag[j][:, tf.newaxis] - bg[j][tf.newaxis, :])
        return i + 1, acc

    acc = tf.zeros((tf.shape(a)[0], tf.shape(b)[0]), a.dtype)
    _, acc = tf.while_loop(lambda i, _: i < groups, body, (tf.constant(0), acc))
    return acc


@tf.function(jit_compile=True)
def _l1_block(x: tf.Tensor, medoids: tf.Tensor):
    dist = pairwise_l1(x, medoids)
    return tf.argmin(dist, axis=1, output_type=tf.int32), tf.reduce_min(dist, axis=1)


@tf.function(reduce_retracing=True)  # shapes vary with k and the data
def _l1_assign(blocks: tf.Tensor, medoids: tf.Tensor):
    """Nearest medoid (lowest index on ties) and its L1 distance for every row, (M, B) each."""
    return tf.map_fn(
        lambda x: _l1_block(x, medoids),
        blocks,
        fn_output_signature=(tf.int32, blocks.dtype),
        parallel_iterations=4,
    )


def _assign(data: PreparedData, medoids: np.ndarray, metric: str) -> tuple[np.ndarray, np.ndarray]:
    """Labels and per-row distance d(x, medoid) (float64) under ``metric``."""
    m = tf.constant(medoids, dtype=tf.float32)
    if metric == "manhattan":
        labels_b, dist_b = _l1_assign(data.blocks, m)
        return data.flat(labels_b), data.flat(dist_b).astype(np.float64)
    labels_b, sq_b = assign_pass(data.blocks, m)
    sq = data.flat(sq_b).astype(np.float64)
    return data.flat(labels_b), np.sqrt(sq) if metric == "euclidean" else row_cost(sq, metric)


# -- initial medoids ----------------------------------------------------------------------------


@tf.function(jit_compile=True)
def _closest_in_block(x: tf.Tensor, w: tf.Tensor, centres: tf.Tensor, manhattan: bool):
    dist = pairwise_l1(x, centres) if manhattan else pairwise_sq(x, centres)
    dist = tf.where(w[:, tf.newaxis] > 0, dist, np.inf)
    return tf.argmin(dist, axis=0, output_type=tf.int32), tf.reduce_min(dist, axis=0)


@tf.function(reduce_retracing=True)  # shapes vary with k and the data
def _closest_rows(blocks: tf.Tensor, weights: tf.Tensor, centres: tf.Tensor, manhattan: bool):
    """Per block, the positive-weight row closest to each centre and its distance, (M, K)."""
    return tf.map_fn(
        lambda a: _closest_in_block(a[0], a[1], centres, manhattan),
        (blocks, weights),
        fn_output_signature=(tf.int32, blocks.dtype),
        parallel_iterations=4,
    )


def snap_to_rows(data: PreparedData, centres: np.ndarray, metric: str) -> np.ndarray:
    """Index of the positive-weight row nearest to each centre (a row itself maps to itself)."""
    local, dist = _closest_rows(
        data.blocks,
        data.weights,
        tf.constant(centres, dtype=tf.float32),
        metric == "manhattan",
    )
    block = np.argmin(dist.numpy(), axis=0)
    return block * data.blocks.shape[1] + local.numpy()[block, np.arange(centres.shape[0])]


# -- medoid update ------------------------------------------------------------------------------


@tf.function(jit_compile=True)
def _tile_costs(candidates: tf.Tensor, members: tf.Tensor, weights: tf.Tensor, manhattan: bool):
    """sum_j w_j d(candidate_i, member_j) for one tile: (C, D), (R, D), (R,) -> (C,).

    One fused XLA kernel: the C x R x D differences are never stored.
    """
    if manhattan:
        d = pairwise_l1(candidates, members)
    elif candidates.shape[-1] is not None and candidates.shape[-1] <= _MEDOID_DIRECT_MAX_FEATURES:
        d = tf.sqrt(pairwise_sq(candidates, members))
    else:  # members are re-centred by the caller, so the expansion does not cancel
        sq = (
            tf.reduce_sum(tf.square(candidates), axis=1)[:, tf.newaxis]
            + tf.reduce_sum(tf.square(members), axis=1)[tf.newaxis, :]
            - 2.0 * tf.matmul(candidates, members, transpose_b=True)
        )
        d = tf.sqrt(tf.maximum(sq, 0.0))
    return tf.linalg.matvec(d, weights)


#: (manhattan, float64, D) -> compiled loop over the member tiles of one cluster.
_CANDIDATE_COSTS: dict[tuple[bool, bool, int], Any] = {}


def _candidate_costs(manhattan: bool, exact: bool, d: int):
    """The compiled sum over member tiles; D is static so the tile kernel can unroll it."""
    key = (manhattan, exact, d)
    if key not in _CANDIDATE_COSTS:
        dtype = tf.float64 if exact else tf.float32
        spec = (
            tf.TensorSpec([None, d], dtype),  # candidates (C, D), one tile
            tf.TensorSpec([None, None, d], dtype),  # members in tiles (T, R, D)
            tf.TensorSpec([None, None], dtype),  # their weights (T, R), 0 on padding
        )

        @tf.function(input_signature=spec)
        def candidate_costs(candidates, member_tiles, weight_tiles):
            per_tile = tf.map_fn(
                lambda t: _tile_costs(candidates, t[0], t[1], manhattan),
                (member_tiles, weight_tiles),
                fn_output_signature=dtype,
                parallel_iterations=2,
            )
            return tf.reduce_sum(per_tile, axis=0)

        _CANDIDATE_COSTS[key] = candidate_costs
    return _CANDIDATE_COSTS[key]


def _tile(n: int, largest: int) -> int:
    """A power-of-two tile edge for n items, so few distinct shapes are ever compiled."""
    return min(largest, max(_MIN_TILE, 1 << max(0, n - 1).bit_length()))


def _in_tiles(values: np.ndarray, tile: int, dtype: np.dtype) -> np.ndarray:
    """Rows of ``values`` zero-padded to whole tiles and reshaped to (T, tile, ...)."""
    count = -(-len(values) // tile)
    out = np.zeros((count * tile, *values.shape[1:]), dtype=dtype)
    out[: len(values)] = values
    return out.reshape(count, tile, *values.shape[1:])


def summed_distances(
    candidates: np.ndarray,
    members: np.ndarray,
    weights: np.ndarray,
    metric: str,
    exact: bool = True,
) -> np.ndarray:
    """sum_j weights_j d(candidate_i, member_j) for every candidate, (C,) float64, tile by tile.

    Euclidean or Manhattan. Memory is one tile of candidates x members whatever the sizes.
    ``exact`` computes in float64 (exact medoids); otherwise float32, about four times faster,
    for the sampled medoids of large clusters.
    """
    dtype = np.float64 if exact else np.float32
    costs = _candidate_costs(metric == "manhattan", exact, members.shape[1])
    c_tile = _tile(len(candidates), _TILE_CANDIDATES)
    member_tiles = tf.constant(_in_tiles(members, _tile(len(members), _TILE_MEMBERS), dtype))
    weight_tiles = tf.constant(_in_tiles(weights, member_tiles.shape[1], dtype))
    total = np.zeros(len(candidates))
    for c0 in range(0, len(candidates), c_tile):
        chunk = _in_tiles(candidates[c0 : c0 + c_tile], c_tile, dtype)[0]
        part = costs(tf.constant(chunk), member_tiles, weight_tiles).numpy()
        total[c0 : c0 + c_tile] = part[: min(c_tile, len(candidates) - c0)]
    return total


def update_medoids(
    data: PreparedData,
    labels: np.ndarray,
    medoids: np.ndarray,
    metric: str,
    max_candidates: int,
    rng: np.random.Generator,
) -> tuple[np.ndarray, bool]:
    """New medoid row index per cluster, and whether any cluster was sampled, not exact.

    ``medoids`` are the current row indices; a cluster without weight keeps its medoid (the
    caller relocates it). Rows of weight 0 are neither members nor candidates.
    """
    weights = data.weight_array
    new = medoids.copy()
    sampled = False
    order = np.argsort(labels, kind="stable")
    bounds = np.searchsorted(labels[order], np.arange(len(medoids) + 1))
    for cluster in range(len(medoids)):
        idx = order[bounds[cluster] : bounds[cluster + 1]]
        idx = idx[weights[idx] > 0]
        if idx.size == 0:
            continue
        x = data.source_rows(idx)  # float64: the medoid choice is as exact as the data
        w = weights[idx]
        current = np.flatnonzero(idx == medoids[cluster])
        if metric == "cosine":  # sum_i w_i (1 - x_i.m) = W - m.(sum_i w_i x_i): exact, linear
            cost = w.sum() - x @ (w @ x)
            cand = np.arange(idx.size)
        else:
            cand = np.arange(idx.size)
            large = idx.size > max_candidates
            if large:
                cand = np.union1d(rng.choice(idx.size, max_candidates, replace=False), current)
            sampled = sampled or large
            centre = x.mean(axis=0)  # re-centred, the Euclidean expansion cannot cancel
            cost = summed_distances(x[cand] - centre, x - centre, w, metric, exact=not large)
        best = int(np.argmin(cost))
        if current.size and cost[np.searchsorted(cand, current[0])] <= cost[best]:
            continue  # keep the current medoid unless something is strictly better
        new[cluster] = idx[cand[best]]
    return new, sampled


# -- the runner ---------------------------------------------------------------------------------


def check_kmedoids_params(max_candidates: object) -> int:
    if (
        isinstance(max_candidates, bool)
        or not isinstance(max_candidates, (int, np.integer))
        or max_candidates < 1
    ):
        raise KMeansInputError(
            f"max_candidates must be a whole number of at least 1, got {max_candidates!r}"
        )
    return int(max_candidates)


def kmedoids_states(
    data: PreparedData,
    centroids: np.ndarray,
    *,
    tol: float,
    max_iter: int,
    rng: np.random.Generator,
    restart: int = 0,
    n_restarts: int = 1,
    metric: str = "euclidean",
    max_candidates: int = DEFAULT_MAX_CANDIDATES,
    **unknown: Any,
) -> Iterator[IterationState]:
    """Yield one state per medoid update, starting from the rows nearest ``centroids``.

    ``inertia`` is sum_i w_i d(x_i, medoid) under ``metric`` (module docstring); ``shift`` is
    the summed squared movement of the medoids in the data's units.
    """
    if unknown:
        raise KMeansInputError(
            f"algorithm 'kmedoids' takes no parameter(s) {', '.join(sorted(unknown))}; "
            "it accepts max_candidates"
        )
    max_candidates = check_kmedoids_params(max_candidates)
    k = centroids.shape[0]
    tol_abs = data.tolerance(tol)
    medoids = snap_to_rows(data, np.asarray(centroids, dtype=np.float64), metric)
    previous_labels: np.ndarray | None = None
    shift, relocated, tol_reached, warned = 0.0, 0, False, False
    iteration = 0
    while True:
        start = time.perf_counter()
        current = data.source_rows(medoids)
        labels, dist = _assign(data, current, metric)
        n_changed = (
            data.n if previous_labels is None else int(np.count_nonzero(labels != previous_labels))
        )
        strict = previous_labels is not None and n_changed == 0
        final = strict or tol_reached or iteration >= max_iter
        state_args = dict(
            iteration=iteration,
            centroids=np.asarray(data.source[medoids], dtype=np.float64),  # exact rows of X
            labels=labels,
            inertia=float(np.dot(data.weight_array, dist)),
            shift=shift,
            sizes=np.bincount(labels, minlength=k).astype(np.int64),
            n_changed=n_changed,
            n_relocated=relocated,
            device=data.device,
            algorithm="kmedoids",
            restart=restart,
            n_restarts=n_restarts,
        )
        if final:
            yield IterationState(
                **state_args,
                seconds=time.perf_counter() - start,
                converged=strict or tol_reached,
                final=True,
                n_iter=iteration + 1 if strict and not tol_reached else iteration,
            )
            return
        updated, sampled = update_medoids(data, labels, medoids, metric, max_candidates, rng)
        if sampled and not warned:
            warned = True
            warnings.warn(
                f"k-medoids: cluster(s) with more than max_candidates={max_candidates} rows get "
                "a sampled medoid (the best of a seeded random sample of candidates), not the "
                "exact one; raise max_candidates for exact medoids at O(n_k^2) cost",
                SampledMedoidsWarning,
                stacklevel=2,
            )
        empty = np.flatnonzero(weighted_sizes(data, labels, k) <= 0)
        relocated = int(empty.size)
        if relocated:
            updated[empty] = farthest_rows(data, dist, relocated)
        shift = float(np.sum((data.source_rows(updated) - current) ** 2))
        tol_reached = shift <= tol_abs
        yield IterationState(
            **state_args,
            seconds=time.perf_counter() - start,
            converged=False,
            final=False,
            n_iter=iteration,
        )
        previous_labels, medoids = labels, updated
        iteration += 1
