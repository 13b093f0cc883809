"""Lloyd's passes over a :class:`~.streamed_data.StreamedData`: the rows stream by, the sums stay.

:class:`StreamedPasses` answers what ``lloyd.lloyd_pass_states`` asks of its passes, so the
iteration, the stop rule and the states are the in-memory run's own code. Per pass each batch
of blocks goes through the very kernel an in-memory pass runs (``kernels.lloyd_pass``) and
only its per-cluster totals are kept; the labels go to a scratch column (the next pass counts
the rows that changed against them, and the last one is what the outputs write), two columns
in turn. Under a multi-worker strategy every worker streams its own rows and the totals are
added up through the :class:`~.distributed.Collective`.

What needs the caller's float64 rows reads the source once more: the final means and inertia
(one pass for both, from each cluster's sums about its last centroid, which is close to its
mean, so nothing cancels), and, when a pass leaves a cluster empty, the few rows the repair
moves (after a pass that finds the farthest rows, as ``metric.farthest_rows`` ranks them).
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import tensorflow as tf

from .kernels import lloyd_pass
from .lloyd import PassResult, apply_relocation, plan_relocation
from .metric import project
from .scratch import ScratchColumn, read_exactly
from .streamed_data import Batch, StreamedData, aligned_empty, as_tensor


def label_dtype(k: int) -> np.dtype:
    """The smallest unsigned type that holds labels 0 .. k - 1: what the scratch stores."""
    return np.dtype(np.uint8 if k <= 256 else np.uint16 if k <= 65536 else np.int32)


def cluster_sums(values: np.ndarray, labels: np.ndarray, weights: np.ndarray, k: int):
    """Weighted per-cluster sums of (n, D) ``values``: (k, D) float64."""
    return np.stack(
        [np.bincount(labels, weights * values[:, j], minlength=k) for j in range(values.shape[1])],
        axis=1,
    )


class StreamedPasses:
    """The :class:`~.lloyd.Passes` of a streamed run; ``track`` (sorted row indices) are the
    rows whose labels each state carries (the window's sample), none by default."""

    def __init__(
        self,
        data: StreamedData,
        k: int,
        *,
        device_name: str | None = None,
        track: np.ndarray | None = None,
    ) -> None:
        self.data = data
        self.k = k
        self.offset = data.offset
        self.device = device_name or data.device
        self.track = np.empty(0, np.int64) if track is None else np.asarray(track, np.int64)
        dtype = label_dtype(k)
        self.labels: ScratchColumn = data.scratch.column(dtype)  # the last pass's
        self.producing: ScratchColumn = data.scratch.column(dtype)  # the pass before
        self.passes = 0
        self.centroids: np.ndarray | None = None  # of the last pass, float32 centred

    def close(self, keep_labels: bool = False) -> None:
        """Release the scratch columns (but the final labels, with ``keep_labels``)."""
        self.producing.close()
        if not keep_labels:
            self.labels.close()

    def tolerance(self, tol: float) -> float:
        return self.data.tolerance(tol)

    def _tensors(self, batch: Batch, previous: np.ndarray) -> tuple[tf.Tensor, ...]:
        device = self.data.device
        return (
            as_tensor(batch.blocks, device),
            as_tensor(batch.weights, device),
            as_tensor(previous.reshape(batch.weights.shape), device),
        )

    def _previous(self, batch: Batch) -> np.ndarray:
        """The batch's buffer of previous labels (aligned, reused), padding rows -2."""
        size = batch.weights.size
        if self._labels_buffer is None or self._labels_buffer.size != size:
            self._labels_buffer = aligned_empty((size,), np.int32)
        previous = self._labels_buffer
        previous[batch.count :] = -2
        return previous

    _labels_buffer: np.ndarray | None = None

    def run(self, centroids: np.ndarray) -> PassResult:
        data, k = self.data, self.k
        data.phase = f"Lloyd pass {self.passes + 1}"
        used = tf.constant(centroids, tf.float32)
        self.centroids = np.asarray(centroids)
        new, self.producing = self.producing, self.labels
        new.clear()
        reader = self.producing.reader() if self.passes else None
        sums, wsum = np.zeros((k, data.d)), np.zeros(k)
        count = np.zeros(k, np.int64)
        changed, cost = 0, 0.0
        tracked = np.full(self.track.size, -1, np.int32)
        stored = None
        for batch in data.batches():
            previous = self._previous(batch)
            if reader is None:
                previous[: batch.count] = -1
            else:
                if stored is None or stored.size != batch.count:
                    stored = np.empty(batch.count, new.dtype)
                previous[: batch.count] = read_exactly(reader, stored)
            blocks, weights, prev = self._tensors(batch, previous)
            out = lloyd_pass(blocks, weights, prev, used, data.on_gpu, batch.direct)
            labels = out[0].numpy().reshape(-1)[: batch.count]
            new.append(labels.astype(new.dtype))
            sums += out[2].numpy()
            wsum += out[3].numpy()
            count += out[4].numpy()
            changed += int(out[5])
            cost += float(out[6])
            self._track(tracked, batch.start, labels)
        self.labels = new
        self.passes += 1
        total = data.collective.sum(
            np.concatenate([sums.reshape(-1), wsum, count, [changed, cost]])
        )
        kd = k * data.d
        return PassResult(
            labels=tracked,
            sums=total[:kd].reshape(k, data.d),
            wsum=total[kd : kd + k],
            sizes=total[kd + k : kd + 2 * k].astype(np.int64),
            n_changed=int(total[-2]),
            inertia=float(total[-1]),
            distances=None,
        )

    def _track(self, tracked: np.ndarray, start: int, labels: np.ndarray) -> None:
        if not self.track.size:
            return
        lo, hi = np.searchsorted(self.track, [start, start + len(labels)])
        tracked[lo:hi] = labels[self.track[lo:hi] - start]

    # ------------------------------------------------------------------ empty clusters
    def relocate(self, result: PassResult) -> int:
        """``lloyd.relocate_empty`` for streamed rows: the same candidates in the same order
        (farthest first, one per distinct point, weight 0 last), the same moves."""
        empty = np.flatnonzero(result.wsum <= 0)
        if empty.size == 0:
            return 0
        moves = plan_relocation(result.wsum, empty, self._farthest_first(2 * empty.size + 8))
        points = self.fetch(np.array([m.row for m in moves], np.int64))
        apply_relocation(result.sums, moves, points)
        return int(empty.size)

    def _farthest_first(self, count: int) -> Iterator[tuple[int, int, float]]:
        given = 0
        while True:
            found = self._farthest_rows(count)
            yield from found[given:]
            if len(found) < count:
                return
            given, count = len(found), 4 * count

    def _farthest_rows(self, count: int) -> list[tuple[int, int, float]]:
        """Up to ``count`` (row, label, weight) at distinct points, farthest from their
        centroid first, as ``metric.farthest_rows`` ranks them (a pass over the rows)."""
        top = min(self.data.n, max(4 * count, count + 64))
        while True:
            rows, labels, weights, cost, values = self._top_rows(top)
            order = np.lexsort((rows, -cost))  # farthest first, ties by row
            keys = np.ascontiguousarray(values[order])
            keys = keys.view(np.dtype((np.void, keys.itemsize * self.data.d))).reshape(-1)
            _, first = np.unique(keys, return_index=True)
            found = order[np.sort(first)]
            if found.size >= count or top >= self.data.n:
                found = found[:count]
                columns = (rows[found].tolist(), labels[found].tolist(), weights[found].tolist())
                return list(zip(*columns, strict=True))
            top = min(self.data.n, 4 * top)

    def _top_rows(self, top: int):
        """The ``top`` rows of largest distance (weight 0 counting as -inf) in the last
        pass, with their labels, weights and float32 rows, over every worker."""
        data = self.data
        data.phase = "finding the farthest rows"
        used = tf.constant(self.centroids, tf.float32)
        kept: list[np.ndarray] = []
        for batch in data.batches():
            previous = self._previous(batch)
            previous[: batch.count] = -1
            blocks, weights, prev = self._tensors(batch, previous)
            out = lloyd_pass(blocks, weights, prev, used, data.on_gpu, batch.direct)
            labels = out[0].numpy().reshape(-1)[: batch.count]
            dist = out[1].numpy().reshape(-1)[: batch.count].astype(np.float64)
            w = batch.weights.reshape(-1)[: batch.count].astype(np.float64)
            cost = np.where(w > 0, dist, -np.inf)
            rows = data.row_index(batch.start, batch.count)
            part = np.column_stack([rows, labels, w, cost, batch.rows() + np.float32(0.0)])
            kept.append(_largest(np.concatenate([*kept, part]), top))
            kept = kept[-1:]
        mine = kept[0] if kept else np.empty((0, 4 + data.d))
        every = _largest(np.concatenate(data.collective.gather(mine)), top)
        values = every[:, 4:].astype(np.float32)
        return (
            every[:, 0].astype(np.int64),
            every[:, 1].astype(np.int64),
            every[:, 2],
            every[:, 3],
            values,
        )

    def fetch(self, rows: np.ndarray) -> np.ndarray:
        """The caller's rows at indices ``rows``, centred float64, in that order (a pass over
        the source; a sharded run gathers them from the workers that hold them)."""
        data = self.data
        out = np.zeros((len(rows), data.d))
        if len(rows) == 0:
            return out
        data.phase = "reading the moved rows"
        wanted = np.argsort(rows)
        ordered = rows[wanted]
        found: list[np.ndarray] = []
        for source in data.source_rows():
            index = data.row_index(source.start, len(source.rows))
            hit = np.isin(index, ordered)
            if hit.any():
                found.append(np.column_stack([index[hit], source.rows[hit]]))
        mine = np.concatenate(found) if found else np.empty((0, data.d + 1))
        every = np.concatenate(data.collective.gather(mine))
        position = {int(r): i for i, r in enumerate(every[:, 0])}
        for i, row in enumerate(rows.tolist()):
            out[i] = every[position[row], 1:]
        return out

    # ------------------------------------------------------------------ exact figures
    def finish(self, current: np.ndarray, means: bool, metric: str) -> tuple[np.ndarray, float]:
        """``FullPasses.finish`` in one pass over the source: per cluster, the weighted sums
        about ``current`` (r) of the rows by the labels that produced it (the means r + S/W)
        and by the final labels (T, Q, W), whence inertia = sum Q - 2 (c - r).T + W |c - r|^2
        with no cancellation, as c - r is the last, small shift."""
        data, k = self.data, self.k
        data.phase = "exact centroids and inertia"
        r = np.asarray(current, np.float64)
        final_reader = self.labels.reader()
        producing_reader = self.producing.reader() if means else None
        s_p, w_p = np.zeros((k, data.d)), np.zeros(k)
        t_l, q_l, w_l = np.zeros((k, data.d)), np.zeros(k), np.zeros(k)
        for source in data.source_rows():
            n = len(source.rows)
            x, w = source.rows, source.weights
            final = read_exactly(final_reader, np.empty(n, self.labels.dtype)).astype(np.intp)
            gap = x - r[final]
            t_l += cluster_sums(gap, final, w, k)
            q_l += np.bincount(final, w * np.einsum("ij,ij->i", gap, gap), minlength=k)
            w_l += np.bincount(final, w, minlength=k)
            if producing_reader is not None:
                produced = read_exactly(producing_reader, np.empty(n, self.labels.dtype))
                produced = produced.astype(np.intp)
                s_p += cluster_sums(x - r[produced], produced, w, k)
                w_p += np.bincount(produced, w, minlength=k)
        total = data.collective.sum(
            np.concatenate([s_p.reshape(-1), w_p, t_l.reshape(-1), q_l, w_l])
        )
        kd = k * data.d
        s_p, w_p = total[:kd].reshape(k, data.d), total[kd : kd + k]
        t_l = total[kd + k : 2 * kd + k].reshape(k, data.d)
        q_l, w_l = total[2 * kd + k : 2 * kd + 2 * k], total[2 * kd + 2 * k :]
        centroids = r.copy()
        if means:
            filled = w_p > 0
            centroids[filled] = r[filled] + s_p[filled] / w_p[filled, np.newaxis]
            centroids = project(centroids, metric, fallback=r)
        step = centroids - r
        inertia = (
            q_l - 2 * np.einsum("kd,kd->k", step, t_l) + w_l * np.einsum("kd,kd->k", step, step)
        )
        return centroids, float(np.sum(inertia))


def _largest(rows: np.ndarray, top: int) -> np.ndarray:
    """The ``top`` rows of (row, label, weight, cost, ...) with the largest cost (ties: the
    lowest row)."""
    if len(rows) <= top:
        return rows
    order = np.lexsort((rows[:, 0], -rows[:, 3]))
    return rows[order[:top]]
