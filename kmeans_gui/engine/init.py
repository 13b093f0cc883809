"""Initial centroids: random rows, uniform in the bounding box, greedy k-means++, k-means||
(``kmeans_parallel.py``), or given.

All work on the centred rows of a :class:`PreparedData`; a given array is in the caller's units
and is shifted by the same offset. Randomness comes only from the NumPy generator passed in,
so a seed reproduces a run bit for bit on the same device.
"""

from __future__ import annotations

from functools import partial

import numpy as np
import tensorflow as tf

from .choices import INIT_CHOICES
from .errors import KMeansInputError
from .kernels import GROUP, Traced, is_direct
from .prepare import PreparedData


def initial_centroids(
    data: PreparedData,
    k: int,
    init: object,
    rng: np.random.Generator,
    *,
    oversampling: float | None = None,
    rounds: int | None = None,
) -> np.ndarray:
    """(k, D) float64 centred centroids chosen by ``init``; ``oversampling`` (l / k) and
    ``rounds`` are k-means||'s (``kmeans_parallel.py``), None for its defaults."""
    if isinstance(init, str):
        if init == "k-means++":
            return kmeans_plusplus(data, k, rng)
        if init == "k-means||":
            from .kmeans_parallel import (
                DEFAULT_OVERSAMPLING,
                DEFAULT_ROUNDS,
                kmeans_parallel_in_memory,
            )

            return kmeans_parallel_in_memory(
                data,
                k,
                rng,
                DEFAULT_OVERSAMPLING if oversampling is None else oversampling,
                DEFAULT_ROUNDS if rounds is None else rounds,
            )
        if init == "random":
            return random_rows(data, k, rng)
        if init == "uniform":
            return uniform_box(data, k, rng)
        raise KMeansInputError(
            f"unknown init {init!r}: choose {', '.join(INIT_CHOICES)} or give a (k, D) array"
        )
    return given_centroids(data, k, init)


def given_centroids(data: PreparedData, k: int, init: object) -> np.ndarray:
    try:
        arr = np.asarray(init, dtype=np.float64)
    except (TypeError, ValueError):
        raise KMeansInputError("init must be a method name or a numeric (k, D) array") from None
    if arr.shape != (k, data.d):
        raise KMeansInputError(
            f"init array has shape {arr.shape}, expected ({k}, {data.d}): one row per cluster, "
            "one column per feature"
        )
    if not np.isfinite(arr).all():
        raise KMeansInputError("init array has NaN or infinite values")
    return arr - data.offset


def _positive_rows(data: PreparedData) -> np.ndarray:
    if data.sample_weight is None:
        return np.arange(data.n)
    return np.flatnonzero(data.sample_weight > 0)


def random_rows(data: PreparedData, k: int, rng: np.random.Generator) -> np.ndarray:
    """k distinct rows, drawn uniformly (rows of weight 0 are never drawn)."""
    rows = data.rows
    order = rng.permutation(_positive_rows(data))
    chosen: list[int] = []
    seen: set[bytes] = set()
    for idx in order:
        key = rows[idx].tobytes()
        if key not in seen:
            seen.add(key)
            chosen.append(int(idx))
            if len(chosen) == k:
                break
    return data.source_rows(np.array(chosen))


def uniform_box(data: PreparedData, k: int, rng: np.random.Generator) -> np.ndarray:
    """k points uniform in the bounding box of the (positively weighted) rows."""
    rows = data.rows[_positive_rows(data)]
    low, high = rows.min(axis=0).astype(np.float64), rows.max(axis=0).astype(np.float64)
    return rng.uniform(low, high, size=(k, data.d))


def _upper(size: int) -> tf.Tensor:
    """(size, size) float64 ones on and above the diagonal: x @ it is x's cumulative sum (XLA's
    own cumulative sum compiles for seconds on the CPU)."""
    return tf.linalg.band_part(tf.ones([size, size], tf.float64), 0, -1)


def _draw(weighted: tf.Tensor, targets: tf.Tensor, segment: int, upper_seg, upper_all):
    """For each target t, the first row whose cumulative weight reaches t (``searchsorted``).

    In two levels of ``segment`` rows (about the square root of N), so that the cumulative
    sums are two short matrix products: the segment where t falls, then the row within it.
    Every shape is static (a shape computed in the loop would make XLA fold its inputs in as
    constants and compile anew for every call).
    """
    n = weighted.shape[0]
    segments = tf.reshape(tf.pad(weighted, [[0, (-n) % segment]]), (-1, segment))
    totals = tf.reduce_sum(segments, axis=1)
    ends = tf.linalg.matvec(upper_all, totals, transpose_a=True)
    below = tf.cast(ends[tf.newaxis, :] < targets[:, tf.newaxis], tf.int32)
    seg = tf.minimum(tf.reduce_sum(below, axis=1), segments.shape[0] - 1)
    before = tf.gather(ends - totals, seg)
    within = tf.matmul(tf.gather(segments, seg), upper_seg) + before[:, tf.newaxis]
    row = tf.reduce_sum(tf.cast(within < targets[:, tf.newaxis], tf.int32), axis=1)
    return seg * segment + tf.minimum(row, segment - 1)


def _first_of_min(values: tf.Tensor) -> tf.Tensor:
    low = tf.reduce_min(values)
    return tf.reduce_min(
        tf.where(values <= low, tf.range(tf.shape(values)[0]), tf.shape(values)[0])
    )


def _squared_distances(
    candidates: tf.Tensor, rows: tf.Tensor, columns: tf.Tensor | None
) -> tf.Tensor:
    """(T, N') squared distances of the rows to each candidate. With ``columns`` (the rows
    transposed, few features) exactly, feature by feature: a third less time per seeding
    than the GEMM expansion on Fränti's Birch2 (100,000 x 2), and no cancellation."""
    if columns is not None:
        sq = tf.square(columns[0][tf.newaxis] - candidates[:, :1])
        for f in range(1, columns.shape[0]):
            sq += tf.square(columns[f][tf.newaxis] - candidates[:, f : f + 1])
        return sq
    cross = tf.matmul(candidates, rows, transpose_b=True)  # |x - c|^2 through one GEMM
    sq = tf.reduce_sum(tf.square(rows), axis=1)[tf.newaxis] - 2.0 * cross
    sq += tf.reduce_sum(tf.square(candidates), axis=1)[:, tf.newaxis]
    return tf.maximum(sq, 0.0)


def _seed(rows, weights, uniforms, closest, chosen, step, forced, k, n, segment):
    """Greedy k-means++ steps ``step`` .. k - 1, in one compiled loop.

    ``rows`` (N', D) centred float32 (padding rows weigh 0), ``weights`` (N',) float64,
    ``uniforms`` (Kp, T) the step's uniform draws in row ``step``, ``closest`` (N',) each row's
    squared distance to its nearest chosen centre so far, ``chosen`` (Kp,) row indices. The
    first step taken picks row ``forced`` when it is >= 0. Stops early, before a step whose
    potential is 0 (returning that step), so that the host draws the next centre itself.
    """
    upper_seg, upper_all = _upper(segment), _upper(-(-rows.shape[0] // segment))
    columns = tf.transpose(rows) if is_direct(rows.shape[1]) else None

    # Indexing by a computed position is tf.gather: a strided slice there would make XLA take
    # everything it depends on (the data) as compile-time constants, compiled anew per call.
    def one(c, closest, chosen, forced, rows, weights, uniforms, n):
        weighted = weights * tf.cast(closest, tf.float64)
        targets = tf.gather(uniforms, c) * tf.reduce_sum(weighted)
        drawn = tf.minimum(_draw(weighted, targets, segment, upper_seg, upper_all), n - 1)
        ids = tf.where(forced >= 0, tf.zeros_like(drawn) + forced, drawn)
        candidates = tf.gather(rows, ids)
        dists = tf.minimum(closest[tf.newaxis], _squared_distances(candidates, rows, columns))
        best = _first_of_min(tf.reduce_sum(tf.cast(dists, tf.float64) * weights, axis=1))
        chosen = tf.tensor_scatter_nd_update(chosen, [[c]], tf.gather(ids, best)[tf.newaxis])
        return c + 1, tf.gather(dists, best), chosen, tf.constant(-1), rows, weights, uniforms, n

    def more(c, closest, chosen, forced, rows, weights, uniforms, n):
        potential = tf.reduce_sum(weights * tf.cast(closest, tf.float64))
        return (c < k) & ((forced >= 0) | (potential > 0))

    start = (step, closest, chosen, forced, rows, weights, uniforms, n)
    c, closest, chosen = tf.while_loop(more, one, start)[:3]
    return c, closest, chosen


def _seed_for(segment: int) -> Traced:
    """The compiled seeding loop for one segment size (a static shape of its search)."""
    if segment not in _SEEDS:
        _SEEDS[segment] = Traced(partial(_seed, segment=segment), {2: (0, 1), 4: (0,)}, True)
    return _SEEDS[segment]


_SEEDS: dict[int, Traced] = {}


def kmeans_plusplus(data: PreparedData, k: int, rng: np.random.Generator) -> np.ndarray:
    """Greedy k-means++ (Arthur & Vassilvitskii; scikit-learn's 2 + ln k local trials).

    Each step samples candidates with probability proportional to weight x squared distance to
    the nearest chosen centre and keeps the one that lowers the potential most. Rows that are
    distinct in float32 can still all be at distance 0 in the float32 expansion (nearly
    parallel rows under the cosine metric, or spreads near float32 resolution): when the
    potential is 0 the next centre is drawn by weight among the rows not yet chosen. The steps
    run in one compiled loop (``_seed``), with the uniform draws made up front.
    """
    weights = data.weight_array
    trials = 2 + int(np.log(k))
    first = int(rng.choice(data.n, p=weights / weights.sum()))
    kp = -(-k // GROUP) * GROUP  # one compiled program per group of k
    uniforms = np.zeros((kp, trials))
    uniforms[1:k] = rng.uniform(size=(k - 1, trials))
    rows = tf.reshape(data.blocks, (-1, data.d))
    flat_w = np.zeros(rows.shape[0])
    flat_w[: data.n] = weights
    weights_t = tf.constant(flat_w)
    closest = tf.fill([rows.shape[0]], np.float32(np.inf))
    chosen = tf.zeros([kp], tf.int32)
    step, forced = 0, first
    seed = _seed_for(max(64, 1 << (int(np.sqrt(rows.shape[0])) - 1).bit_length()))
    while True:
        c, closest, chosen = seed(
            rows, weights_t, tf.constant(uniforms), closest, chosen, tf.constant(step),
            tf.constant(forced), tf.constant(k), tf.constant(data.n),
        )  # fmt: skip
        step = int(c)
        if step >= k:
            break
        forced = _unchosen_row(data, chosen.numpy()[:step].tolist(), rng)
    return data.source_rows(chosen.numpy()[:k])


def _unchosen_row(data: PreparedData, chosen: list[int], rng: np.random.Generator) -> int:
    """A row of positive weight, drawn by weight, that differs (float32) from every chosen row."""
    rows = data.rows
    weights = data.weight_array
    free = weights > 0
    for i in chosen:  # rare (a fallback), and at most k passes over the rows
        free &= (rows != rows[i]).any(axis=1)
    if not free.any():  # unreachable after check_distinct; never divide by zero
        raise KMeansInputError("X has fewer distinct weighted points than n_clusters")
    return int(rng.choice(data.n, p=np.where(free, weights, 0.0) / weights[free].sum()))
