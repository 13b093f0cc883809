"""k-means|| (Bahmani, Moseley, Vattani, Kumar & Vassilvitskii 2012): k-means++ in a few passes.

k-means++ picks its k centres one after another, each after a pass over every row: k passes,
and every row in memory. k-means|| oversamples instead: starting from one row drawn by weight,
each round keeps every row independently with probability min(1, l w d^2 / phi) (d its squared
distance to the nearest candidate so far, phi the weighted sum of them), about l rows a round.
After ``rounds`` rounds each candidate weighs what its nearest rows weigh, and weighted greedy
k-means++ on those few candidates picks the k centres. Defaults are the paper's: l = 2k, and
5 rounds (Spark MLlib and cuML use the same scheme for their distributed runs).

One pass per round, however the rows arrive: each pass updates every row's nearest-candidate
distance with the candidates the last round added, and samples the next round's with the
running phi, which only grows during the pass (so a row it rejects would be rejected by the
final phi too); the pass's end keeps those that pass with the final phi. The draw for row i
is ``row_keys.row_uniforms(key, i)``, so an in-memory run, a streamed one and a sharded one
draw the same candidates and, from the same seed, start from the same centres.

Candidates are rows as the kernels see them (centred float32), which is all the passes use.
Rounds continue past ``rounds`` (up to ``MAX_EXTRA_ROUNDS``) until at least k distinct
candidates carry weight.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np
import tensorflow as tf

from .choices import DEFAULT_INIT_ROUNDS as DEFAULT_ROUNDS
from .choices import DEFAULT_OVERSAMPLING
from .distributed import Collective
from .errors import KMeansInputError
from .init import kmeans_plusplus
from .kernels import assign_pass
from .prepare import PreparedData, prepare
from .row_keys import new_key, row_uniforms, weighted_keys
from .scratch import ScratchColumn, read_exactly

MAX_EXTRA_ROUNDS = 50


@dataclass
class Piece:
    """Rows of one pass, as the kernels take them: blocks in their layout (a tensor or an
    array), each row's weight, and where the rows start among all rows."""

    blocks: object  # (m, B, D), or (m, D, B) with ``columns``
    weights: np.ndarray  # (count,) float64, the rows' weights (no padding)
    rows: np.ndarray  # (count, D) float32 centred rows
    start: int
    count: int
    columns: bool = False


class CandidateState:
    """Each row's squared distance to its nearest candidate and that candidate's index, from
    one pass to the next: in memory, or in scratch columns read and written in row order."""

    def __init__(self, n: int, columns: tuple[ScratchColumn, ...] | None = None) -> None:
        self.columns = columns
        if columns is None:
            self.closest = np.full(n, np.inf, np.float32)
            self.nearest = np.full(n, -1, np.int32)
        self.passes = 0

    def begin(self) -> None:
        if self.columns is not None:
            old_c, old_n, new_c, new_n = self.columns
            self.readers = (old_c.reader(), old_n.reader()) if self.passes else None
            new_c.clear()
            new_n.clear()

    def take(self, start: int, count: int) -> tuple[np.ndarray, np.ndarray]:
        if self.columns is None:
            return self.closest[start : start + count], self.nearest[start : start + count]
        if self.readers is None:
            return np.full(count, np.inf, np.float32), np.full(count, -1, np.int32)
        closest = read_exactly(self.readers[0], np.empty(count, np.float32))
        return closest, read_exactly(self.readers[1], np.empty(count, np.int32))

    def put(self, start: int, closest: np.ndarray, nearest: np.ndarray) -> None:
        if self.columns is None:
            self.closest[start : start + len(closest)] = closest
            self.nearest[start : start + len(nearest)] = nearest
        else:
            self.columns[2].append(closest)
            self.columns[3].append(nearest)

    def end(self) -> None:
        self.passes += 1
        if self.columns is not None:
            old_c, old_n, new_c, new_n = self.columns
            self.columns = (new_c, new_n, old_c, old_n)

    def close(self) -> None:
        for column in self.columns or ():
            column.close()


def kmeans_parallel(
    passes: Iterable[Piece] | object,
    first: np.ndarray,
    k: int,
    rng: np.random.Generator,
    state: CandidateState,
    *,
    row_index=None,
    collective: Collective | None = None,
    device: str,
    oversampling: float = DEFAULT_OVERSAMPLING,
    rounds: int = DEFAULT_ROUNDS,
) -> np.ndarray:
    """k centred centroids (float64) by k-means|| from the ``first`` centre.

    ``passes()`` starts a pass over the rows as :class:`Piece` objects; ``row_index(start,
    count)`` gives the rows' indices among all rows (default: themselves), ``collective`` adds
    up the workers' figures in a sharded run.
    """
    collective = collective or Collective()
    check_init_params(oversampling, rounds)
    ell = oversampling * k
    candidates = np.asarray(first, np.float64)[np.newaxis]
    new = candidates
    for round_number in range(rounds + MAX_EXTRA_ROUNDS + 1):
        key = new_key(rng)
        phi, weights, sampled = _scan(
            passes, state, new, len(candidates) - len(new), len(candidates), key, ell,
            row_index, collective, device,
        )  # fmt: skip
        owners = np.count_nonzero(weights > 0)
        if owners >= k and (round_number >= rounds or phi <= 0):
            break
        if phi <= 0:  # every row is a candidate already
            raise KMeansInputError(
                f"X has only {owners} distinct point(s), fewer than n_clusters={k}; lower k"
            )
        new = sampled
        candidates = np.concatenate([candidates, sampled]) if len(sampled) else candidates
    else:
        raise KMeansInputError(
            f"k-means|| found only {owners} weighted candidates for k={k} in "
            f"{rounds + MAX_EXTRA_ROUNDS} rounds; raise the oversampling factor"
        )
    state.close()
    return weighted_plusplus(candidates, weights, k, rng, device)


def _scan(passes, state, new, base, n_candidates, key, ell, row_index, collective, device):
    """One pass: nearest-candidate distances updated with ``new`` (indices from ``base``),
    the candidates' weights, phi, and the next round's sample (sorted by row)."""
    # A round's candidates padded to a power of two with copies of its first, which never win
    # (ties go to the lower index): the kernels compile for a few sizes, not for every count.
    padded = new
    if len(new):
        padded = np.concatenate(
            [new, np.repeat(new[:1], (1 << (len(new) - 1).bit_length()) - len(new), 0)]
        )
    with tf.device(device):
        used = tf.constant(padded, tf.float32)
    phi = 0.0
    weights = np.zeros(n_candidates)
    kept: list[np.ndarray] = []
    state.begin()
    for piece in passes():
        closest, nearest = state.take(piece.start, piece.count)
        if len(new):  # a round may add no candidate (then the distances stay)
            labels_b, dist_b = assign_pass(piece.blocks, used, piece.columns)
            dist = dist_b.numpy().reshape(-1)[: piece.count]
            labels = labels_b.numpy().reshape(-1)[: piece.count]
            closer = dist < closest
            closest = np.where(closer, dist, closest)
            nearest = np.where(closer, base + labels, nearest).astype(np.int32)
        state.put(piece.start, closest, nearest)
        w = piece.weights
        weights += np.bincount(nearest, w, minlength=n_candidates)
        cost = w * closest
        phi += float(cost.sum())
        rows = np.arange(piece.start, piece.start + piece.count)
        if row_index is not None:
            rows = row_index(piece.start, piece.count)
        u = row_uniforms(key, rows)
        maybe = u * phi < ell * cost  # phi only grows: a row rejected now stays rejected
        if maybe.any():
            kept.append(np.column_stack([rows[maybe], u[maybe], cost[maybe], piece.rows[maybe]]))
    state.end()
    phi, weights = _summed(collective, phi, weights)
    mine = np.concatenate(kept) if kept else np.empty((0, 3 + new.shape[1]))
    mine = mine[mine[:, 1] * phi < ell * mine[:, 2]]
    every = np.concatenate(collective.gather(mine))
    every = every[np.argsort(every[:, 0], kind="stable")]
    return phi, weights, every[:, 3:].astype(np.float32).astype(np.float64)


def _summed(collective: Collective, phi: float, weights: np.ndarray) -> tuple[float, np.ndarray]:
    total = collective.sum(np.concatenate([[phi], weights]))
    return float(total[0]), total[1:]


def weighted_plusplus(
    candidates: np.ndarray, weights: np.ndarray, k: int, rng: np.random.Generator, device: str
) -> np.ndarray:
    """Greedy k-means++ (``init.kmeans_plusplus``) on the weighted candidates.

    Their number changes from run to run; padded with rows of weight 0 (never drawn) to a
    power of two, every run of a similar size reuses one compiled seeding loop."""
    n, d = candidates.shape
    size = max(64, 1 << (n - 1).bit_length())
    rows, w = np.zeros((size, d)), np.zeros(size)
    rows[:n], w[:n] = candidates, weights
    data = prepare(rows, w, device, k, offset=np.zeros(d))
    return kmeans_plusplus(data, k, rng)


def check_init_params(oversampling: object, rounds: object) -> None:
    try:
        factor = float(oversampling)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise KMeansInputError(f"oversampling must be a number, got {oversampling!r}") from None
    if not np.isfinite(factor) or factor <= 0:
        raise KMeansInputError(f"oversampling must be positive, got {oversampling!r}")
    if isinstance(rounds, bool) or not isinstance(rounds, (int, np.integer)) or rounds < 1:
        raise KMeansInputError(f"init_rounds must be a whole number of at least 1, got {rounds!r}")


# ---------------------------------------------------------------------- in memory
def first_row(data: PreparedData, key: int) -> np.ndarray:
    """The row a draw by weight picks (the race of ``row_keys.weighted_keys``), float32
    centred as float64: k-means||' first centre."""
    keys = weighted_keys(key, np.arange(data.n), data.sample_weight)
    return data.rows[int(np.argmin(keys))].astype(np.float64)


def in_memory_pieces(data: PreparedData) -> Iterator[Piece]:
    """All the rows as one piece: the blocks the kernels already have, and the weights as
    they see them (float32, as a streamed run's batches carry them)."""
    weights = data.weight_array.astype(np.float32).astype(np.float64)
    yield Piece(data.blocks, weights, data.rows, 0, data.n)


def kmeans_parallel_in_memory(
    data: PreparedData,
    k: int,
    rng: np.random.Generator,
    oversampling: float = DEFAULT_OVERSAMPLING,
    rounds: int = DEFAULT_ROUNDS,
) -> np.ndarray:
    check_init_params(oversampling, rounds)
    first = first_row(data, new_key(rng))
    return kmeans_parallel(
        lambda: in_memory_pieces(data),
        first,
        k,
        rng,
        CandidateState(data.n),
        device=data.device,
        oversampling=oversampling,
        rounds=rounds,
    )
