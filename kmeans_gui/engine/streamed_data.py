"""A table larger than memory, streamed through the kernels a batch of blocks at a time.

:class:`StreamedData` is the streamed counterpart of :class:`~.prepare.PreparedData`. The
caller (the data layer, reading a file) gives :class:`ChunkedRows`: a function that starts a
pass over its rows and yields :class:`RowChunk` NumPy arrays in row order, as often as asked.
A first pass learns what an in-memory run learns from its array at once (the rows, the
centring offset, the weighted variance that scales ``tol``, the bounding box, the rows a seed
draws), with the checks and sentences of ``prepare_input``. Then the rows are cut into blocks
of exactly the rows ``prepare`` would put together (``kernels.block_rows`` of the whole
table), centred and cast exactly as there: every block's float32 sums are the very numbers an
in-memory pass adds up, so a streamed run reproduces the in-memory run's labels and iterations
from the same initial centroids, and its float64 figures to rounding.

The first pass that needs blocks also appends them to a cache in the caller's
:class:`~.scratch.Scratch` (temporary files, for the data layer's ``DiskScratch``); later passes
read the cache, which costs a copy instead of a parse and a conversion. Passes that need the
caller's exact float64 rows (the final means and inertia, a repaired cluster's new centre)
read the source again.

Sharded runs: under a multi-worker strategy each worker's ``ChunkedRows`` holds only its own
units (e.g. Parquet row groups) and ``unit_starts`` places them in the table; statistics are
combined through the :class:`~.distributed.Collective`, so every worker centres and blocks
its rows as the whole table's figures say.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import tensorflow as tf

from .arrays import column_extremes, unit_length
from .devices import is_gpu
from .distributed import Collective
from .errors import KMeansInputError
from .kernels import block_rows, is_direct
from .prepare import _MAX_EXTENT, centring_offset
from .row_keys import row_uniforms, weighted_keys
from .scratch import MemoryScratch, Scratch, ScratchColumn, read_exactly

#: Rows a batch of blocks holds (one graph call), and at most this many blocks: the call's
#: overhead stays small, and a graph of a few blocks runs faster per row than one of 32 or
#: 64 (measured on 2 cores: the blocks' kernels contend) or a loop over them.
BATCH_ROWS = 1 << 19
MAX_BATCH_BLOCKS = 16
_LIMIT = float(np.finfo(np.float32).max) / 4
ProgressCallback = Callable[[str, int, int], None]


#: TensorFlow's CPU kernels assume Eigen's alignment: a tensor on unaligned memory aborts.
ALIGN = 64


def aligned_empty(shape: tuple[int, ...], dtype: np.dtype | type) -> np.ndarray:
    """An uninitialised C-contiguous array whose data start on an ``ALIGN``-byte boundary."""
    dtype = np.dtype(dtype)
    size = int(np.prod(shape)) * dtype.itemsize
    raw = np.empty(size + ALIGN, np.uint8)
    start = -raw.ctypes.data % ALIGN
    return raw[start : start + size].view(dtype).reshape(shape)


def as_tensor(array: np.ndarray, device: str) -> tf.Tensor:
    """``array`` as a tensor on ``device``: on the CPU the very memory (DLPack, no copy) when it
    is contiguous and aligned, else a copy. Per batch the copy would cost about 40% of a
    pass's kernel time; the caller must not overwrite ``array`` while the tensor is in use."""
    if (
        array.flags.c_contiguous
        and array.ctypes.data % ALIGN == 0
        and array.size
        and ":CPU:" in device.upper()
    ):
        return tf.experimental.dlpack.from_dlpack(array.__dlpack__())
    with tf.device(device):
        return tf.constant(array)


@dataclass(frozen=True)
class RowChunk:
    """Consecutive rows of the table in the units the caller clusters in."""

    rows: np.ndarray  # (n, D) float32 or float64 (other numeric types become float64)
    weights: np.ndarray | None = None  # (n,) >= 0, or None for all ones
    unit: int = 0  # the piece of the table the rows belong to (a Parquet row group)


@dataclass(frozen=True)
class ChunkedRows:
    """The rows of a streamed run: ``read()`` starts a pass and yields this process's
    :class:`RowChunk` in row order; chunks of one unit are consecutive and continue it.

    ``unit_starts[u]`` is the table's row index of unit u's first row; None means one unit
    holding every row (a single process's whole table)."""

    read: Callable[[], Iterable[RowChunk]]
    unit_starts: np.ndarray | None = None


@dataclass
class Batch:
    """Whole blocks of centred float32 rows, laid out for the kernels."""

    blocks: np.ndarray  # (m, B, D), or (m, D, B) for direct passes; padding rows are 0
    weights: np.ndarray  # (m, B) float32, 0 on padding
    start: int  # this process's index of the first row
    count: int  # valid rows (the rest of the last block is padding)

    direct: bool = False  # blocks are (m, D, B)

    def rows(self) -> np.ndarray:
        """The valid rows as (count, D) float32 (a copy for direct layouts)."""
        flat = self.blocks.transpose(0, 2, 1) if self.direct else self.blocks
        return flat.reshape(-1, flat.shape[-1])[: self.count]


@dataclass
class SourceRows:
    """Rows of the source as the exact figures need them: centred float64."""

    rows: np.ndarray  # (n, D) float64, source - offset (unit rows for the cosine metric)
    weights: np.ndarray  # (n,) float64
    start: int  # this process's index of the first row


@dataclass
class _Summary:
    """What one process's first pass found; combined over the workers of a sharded run."""

    n: int = 0
    positive: int = 0
    weight: float = 0.0
    total: np.ndarray | None = None  # (D,) weighted sum
    mean: np.ndarray | None = None  # Chan et al.'s running weighted mean and M2
    m2: np.ndarray | None = None
    low: np.ndarray | None = None  # (D,) extremes of positively weighted rows
    high: np.ndarray | None = None
    low_all: np.ndarray | None = None  # (D,) extremes of every row (the float32 range check)
    high_all: np.ndarray | None = None
    bad: int = 0  # rows with NaN/inf, first at ``first_bad`` (table index)
    first_bad: int = -1
    zero: int = 0  # all-zero rows (the cosine metric needs none)
    first_zero: int = -1
    negative: bool = False  # a weight < 0 or not finite
    too_large: bool = False
    firsts: dict[int, tuple[float, np.ndarray]] = field(default_factory=dict)


def _chan(a: _Summary, weight: float, mean: np.ndarray, m2: np.ndarray) -> None:
    """Merge a group's weighted (weight, mean, M2) into ``a`` (Chan, Golub & LeVeque)."""
    if weight <= 0:
        return
    if a.mean is None or a.weight <= 0:
        a.mean, a.m2 = mean.copy(), m2.copy()
        return
    total = a.weight + weight
    delta = mean - a.mean
    a.mean = a.mean + delta * (weight / total)
    a.m2 = a.m2 + m2 + delta**2 * (a.weight * weight / total)


class StreamedData:
    """See the module docstring. Built by a first pass over ``source`` (``open``)."""

    def __init__(
        self,
        source: ChunkedRows,
        *,
        device: str,
        metric: str = "euclidean",
        collective: Collective | None = None,
        scratch: Scratch | None = None,
        batch_rows: int = BATCH_ROWS,
        cache: bool = True,
        progress: ProgressCallback | None = None,
        prefetch: bool = True,
    ) -> None:
        self.source = source
        self.device = device
        self.unit_rows = metric == "cosine"
        self.collective = collective or Collective()
        self.scratch = scratch or MemoryScratch()
        self.batch_rows = batch_rows
        self.want_cache = cache
        self.prefetch = prefetch
        self.progress = progress
        self.phase = "reading"
        self.weighted: bool | None = None  # set by the first chunk; every chunk agrees
        self._cache: ScratchColumn | None = None
        self._cache_weights: ScratchColumn | None = None
        self._cached = False
        self._distinct: set[bytes] | None = None
        self._segments: list[tuple[int, int, int]] = []  # (local start, table start, rows)
        self._columns: np.ndarray | None = None  # the direct layout's buffer, reused

    # ------------------------------------------------------------------ the first pass
    def open(self, n_clusters: int, first_keys: Iterable[int] = ()) -> StreamedData:
        """Read every row once: counts, offset, variance, extremes, and for each key of
        ``first_keys`` the row a weighted draw picks (k-means||' first centre)."""
        firsts = list(first_keys)
        local = _Summary()
        d: int | None = None
        seen: dict[int, int] = {}
        for chunk in self.source.read():
            rows, weights = self._checked(chunk, d)
            d = rows.shape[1]
            n = rows.shape[0]
            if n == 0:
                continue
            start = self._index_start(chunk.unit, seen, n, local.n)
            self._segments.append((local.n, start, n))
            index = np.arange(start, start + n)
            self._summarise(local, rows, weights, index, firsts)
        if d is None:
            d = self._agreed_width()
        else:
            self._agreed_width(d)
        self.d = d
        self.n_local = local.n
        summary = self._combined(local, firsts)
        self._check_summary(summary, n_clusters)
        self.n = summary.n
        self.total_weight = summary.weight
        self.offset = (
            np.zeros(d) if self.unit_rows else centring_offset(summary.total, summary.weight)
        )
        self.mean_variance = float(np.mean(np.maximum(summary.m2 / summary.weight, 0.0)))
        self.low, self.high = self._centred_bounds(summary.low, summary.high)
        self._check_extent(summary)
        self.first_rows = {key: self._centred32(row) for key, (_, row) in summary.firsts.items()}
        self.block = block_rows(self.n, d)
        self.batch_blocks = max(1, min(MAX_BATCH_BLOCKS, self.batch_rows // self.block))
        self.direct = is_direct(d)
        self.on_gpu = is_gpu(self.device)
        self._distinct_wanted = n_clusters
        return self

    def _checked(self, chunk: RowChunk, d: int | None) -> tuple[np.ndarray, np.ndarray | None]:
        rows = np.asarray(chunk.rows)
        if rows.ndim != 2 or (d is not None and rows.shape[1] != d) or rows.shape[1] == 0:
            raise KMeansInputError(
                f"every chunk must be a 2-D array with the same number of features; got "
                f"shape {rows.shape}" + (f" after chunks of {d} features" if d else "")
            )
        if rows.dtype == object or not (
            np.issubdtype(rows.dtype, np.number) or np.issubdtype(rows.dtype, np.bool_)
        ):
            raise KMeansInputError(f"X must be numeric, got values of type {rows.dtype}")
        if np.iscomplexobj(rows):
            raise KMeansInputError("X must be real-valued, got complex numbers")
        weights = chunk.weights
        if weights is not None:
            weights = np.asarray(weights, dtype=np.float64)
            if weights.shape != (rows.shape[0],):
                raise KMeansInputError(
                    f"sample_weight must have one value per row ({rows.shape[0]}), got "
                    f"{weights.shape}"
                )
        if self.weighted is not None and (weights is not None) != self.weighted:
            raise KMeansInputError("give weights with every chunk or with none")
        self.weighted = weights is not None
        return rows, weights

    def _index_start(self, unit: int, seen: dict[int, int], n: int, local_start: int) -> int:
        starts = self.source.unit_starts
        if starts is None:
            return local_start
        if not 0 <= unit < len(starts):
            raise KMeansInputError(f"a chunk names unit {unit}, but there are {len(starts)}")
        start = int(starts[unit]) + seen.get(unit, 0)
        seen[unit] = seen.get(unit, 0) + n
        return start

    def _summarise(
        self,
        s: _Summary,
        rows: np.ndarray,
        weights: np.ndarray | None,
        index: np.ndarray,
        firsts: list[int],
    ) -> None:
        if rows.dtype not in (np.float32, np.float64):
            rows = rows.astype(np.float64)
        raw = rows  # what the draws keep: ``_centre`` and ``source_row`` take the caller's rows
        low, high = column_extremes(rows)
        if not (np.isfinite(low).all() and np.isfinite(high).all()):
            bad = ~np.isfinite(rows).all(axis=1)
            if s.first_bad < 0:
                s.first_bad = int(index[np.argmax(bad)])
            s.bad += int(bad.sum())
            s.n += rows.shape[0]
            return
        if max(float(-low.min()), float(high.max())) >= _LIMIT:
            s.too_large = True
        if weights is not None and (not np.isfinite(weights).all() or (weights < 0).any()):
            s.negative = True
            weights = np.where(np.isfinite(weights) & (weights > 0), weights, 0.0)
        if self.unit_rows:
            norms = np.linalg.norm(rows, axis=1)
            zero = norms == 0
            if zero.any():
                if s.first_zero < 0:
                    s.first_zero = int(index[np.argmax(zero)])
                s.zero += int(zero.sum())
                s.n += rows.shape[0]
                return
            rows = unit_length(rows)
        values = np.asarray(rows, np.float64)
        w = np.ones(len(values)) if weights is None else weights
        s.n += len(values)
        positive = w > 0
        s.positive += int(positive.sum())
        weight = float(w.sum())
        total = w @ values
        s.total = total if s.total is None else s.total + total
        if weight > 0:
            mean = total / weight
            centred = values - mean
            m2 = np.einsum("i,ij,ij->j", w, centred, centred)
            _chan(s, weight, mean, m2)
            s.weight += weight
        self._extremes(s, rows, positive, None if self.unit_rows else (low, high))
        for key in firsts:
            keys = weighted_keys(key, index, weights)
            best = int(np.argmin(keys))
            if np.isfinite(keys[best]) and (key not in s.firsts or keys[best] < s.firsts[key][0]):
                s.firsts[key] = (float(keys[best]), np.array(raw[best]))

    @staticmethod
    def _extremes(
        s: _Summary,
        rows: np.ndarray,
        positive: np.ndarray,
        known: tuple[np.ndarray, np.ndarray] | None = None,
    ) -> None:
        """Fold in the rows' extremes (``known``: already taken) and those of the positive."""
        low, high = known if known is not None else column_extremes(rows)
        s.low_all = low if s.low_all is None else np.minimum(s.low_all, low)
        s.high_all = high if s.high_all is None else np.maximum(s.high_all, high)
        if positive.any():
            if not positive.all():
                low, high = column_extremes(rows[positive])
            s.low = low if s.low is None else np.minimum(s.low, low)
            s.high = high if s.high is None else np.maximum(s.high, high)

    def _agreed_width(self, d: int | None = None) -> int:
        """The number of features, the same on every worker (one may hold no rows)."""
        widths = self.collective.gather(np.array([d or 0]))
        known = {int(w[0]) for w in widths if w[0]}
        if len(known) != 1:
            raise KMeansInputError(
                "X is empty (0 rows)" if not known else "the workers' rows differ in width"
            )
        return known.pop()

    def _combined(self, local: _Summary, firsts: list[int]) -> _Summary:
        """The whole table's summary: this process's, or every worker's merged in order."""
        if self.collective.count == 1:
            return local
        d = self.d
        zeros = np.zeros(d)

        def vec(a: np.ndarray | None, fill: float) -> np.ndarray:
            return np.full(d, fill) if a is None else np.asarray(a, np.float64)

        packed = np.concatenate(
            [
                [local.n, local.positive, local.weight, local.bad, local.first_bad],
                [local.zero, local.first_zero, local.negative, local.too_large],
                vec(local.total, 0.0),
                vec(local.mean, 0.0),
                vec(local.m2, 0.0),
                vec(local.low, np.inf),
                vec(local.high, -np.inf),
                vec(local.low_all, np.inf),
                vec(local.high_all, -np.inf),
            ]
        )
        merged = _Summary(total=zeros.copy())
        for part in self.collective.gather(packed[np.newaxis]):
            p = part[0]
            merged.n += int(p[0])
            merged.positive += int(p[1])
            merged.bad += int(p[3])
            if p[4] >= 0 and merged.first_bad < 0:
                merged.first_bad = int(p[4])
            merged.zero += int(p[5])
            if p[6] >= 0 and merged.first_zero < 0:
                merged.first_zero = int(p[6])
            merged.negative |= bool(p[7])
            merged.too_large |= bool(p[8])
            v = p[9:].reshape(7, d)
            merged.total = merged.total + v[0]
            _chan(merged, float(p[2]), v[1], v[2])
            merged.weight += float(p[2])
            for name, value, pick in (
                ("low", v[3], np.minimum),
                ("high", v[4], np.maximum),
                ("low_all", v[5], np.minimum),
                ("high_all", v[6], np.maximum),
            ):
                current = getattr(merged, name)
                setattr(merged, name, value if current is None else pick(current, value))
        if merged.low is not None and not np.isfinite(merged.low).all():
            merged.low = merged.high = None
        for key in firsts:
            mine = local.firsts.get(key)
            row = np.concatenate([[mine[0]], mine[1]]) if mine else np.full(d + 1, np.inf)
            best = min(self.collective.gather(row[np.newaxis]), key=lambda r: r[0, 0])[0]
            if np.isfinite(best[0]):
                merged.firsts[key] = (float(best[0]), best[1:])
        return merged

    def _check_summary(self, s: _Summary, k: int) -> None:
        if s.n == 0:
            raise KMeansInputError("X is empty (0 rows)")
        if s.bad:
            raise KMeansInputError(
                f"X has NaN or infinite values in {s.bad} row(s) (first at row {s.first_bad}); "
                "drop or impute them before clustering"
            )
        if s.too_large:
            raise KMeansInputError("X has values too large for float32 arithmetic (|x| >= 1e38)")
        if s.negative:
            raise KMeansInputError("sample_weight must be finite and non-negative")
        if s.zero:
            raise KMeansInputError(
                f"the cosine metric needs non-zero rows; {s.zero} row(s) are all zeros "
                f"(first at row {s.first_zero})"
            )
        if s.weight <= 0:
            raise KMeansInputError("sample_weight sums to zero: at least one row needs weight")
        if k > s.positive:
            raise KMeansInputError(
                f"n_clusters={k} is larger than the number of rows to cluster ({s.positive})"
            )

    def _check_extent(self, s: _Summary) -> None:
        low, high = self._centred_bounds(s.low_all, s.high_all)
        extent = max(float(high.max()), -float(low.min()))
        if extent * np.sqrt(self.d) >= _MAX_EXTENT:
            raise KMeansInputError(
                f"X spans too wide a range (|x - mean| up to {extent:.3g}) for float32 "
                "distances; rescale the features (e.g. standardise them) first"
            )

    def _centred_bounds(
        self, low: np.ndarray | None, high: np.ndarray | None
    ) -> tuple[np.ndarray, np.ndarray]:
        """The extremes of the centred float32 rows: centring and rounding keep the order, so
        they are the centred extremes (for unit rows, approximately)."""
        if low is None or high is None:
            return np.zeros(self.d), np.zeros(self.d)
        if self.unit_rows:  # already extremes of unit rows (not rows themselves)
            return low.astype(np.float32).astype(np.float64), high.astype(np.float32).astype(
                np.float64
            )
        return self._centred32(low), self._centred32(high)

    def _centred32(self, row: np.ndarray) -> np.ndarray:
        """One row as the kernels see it (float32, centred), as float64."""
        return self._centre(np.asarray(row)[np.newaxis])[0].astype(np.float64)

    def source_row(self, row: np.ndarray) -> np.ndarray:
        """A row the caller gave, as ``PreparedData.source_rows`` has it: centred float64."""
        row = np.asarray(row, np.float64)[np.newaxis]
        return (unit_length(row) if self.unit_rows else row)[0] - self.offset

    def _centre(self, rows: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """Rows centred and cast to float32 exactly as ``prepare`` does."""
        if out is None:
            out = np.empty(rows.shape, np.float32)
        if self.unit_rows:
            chunk = unit_length(rows)
            out[:] = chunk / np.linalg.norm(chunk, axis=1, keepdims=True)
        elif rows.dtype == np.float32:
            np.subtract(rows, self.offset.astype(np.float32), out=out)
        else:
            out[:] = np.asarray(rows, np.float64) - self.offset
        return out

    # ------------------------------------------------------------------ where rows are
    def row_index(self, start: int, count: int) -> np.ndarray:
        """The indices (among all rows of the run) of this process's rows ``start`` ..
        ``start + count``: themselves, unless the rows are sharded."""
        if self.source.unit_starts is None:
            return np.arange(start, start + count)
        out = np.empty(count, np.int64)
        for local, table, n in self._segments:
            lo, hi = max(start, local), min(start + count, local + n)
            if lo < hi:
                out[lo - start : hi - start] = np.arange(table + lo - local, table + hi - local)
        return out

    def tolerance(self, tol: float) -> float:
        return tol * self.mean_variance if tol > 0 else 0.0

    def random_rows(self, key: int, k: int) -> np.ndarray:
        """k distinct rows (as the kernels see them) of positive weight, uniformly drawn:
        those of smallest ``row_uniforms(key, i)``, centred float64 as given (a pass)."""
        count = max(4 * k, k + 64)
        while True:
            smallest = self._smallest(key, count)
            rows = np.stack([r for _, _, r in smallest]) if smallest else np.empty((0, self.d))
            keys = np.ascontiguousarray(self._centre(rows)) if len(rows) else rows
            keys = keys.view(np.dtype((np.void, keys.itemsize * self.d))).reshape(-1)
            _, first = np.unique(keys, return_index=True)
            chosen = np.sort(first)[:k]
            if len(chosen) == k:
                return np.stack([self.source_row(rows[i]) for i in chosen])
            if count >= self.n:
                raise KMeansInputError(
                    f"X has only {len(chosen)} distinct point(s), fewer than n_clusters={k}; "
                    "lower k"
                )
            count = 4 * count

    def _smallest(self, key: int, count: int) -> list[tuple[float, int, np.ndarray]]:
        """(u, row index, the caller's row) of the ``count`` positive rows of smallest u."""
        self.phase = "drawing random rows"
        kept = np.empty((0, self.d + 2))
        start = 0
        for chunk in self.source.read():
            rows = np.asarray(chunk.rows, np.float64)
            n = len(rows)
            if n == 0:
                continue
            index = self.row_index(start, n)
            u = row_uniforms(key, index)
            if chunk.weights is not None:
                u = np.where(np.asarray(chunk.weights) > 0, u, np.inf)
            kept = _smallest_rows(np.concatenate([kept, np.column_stack([u, index, rows])]), count)
            start += n
            self._report(start)
        every = _smallest_rows(np.concatenate(self.collective.gather(kept)), count)
        return [(float(r[0]), int(r[1]), r[2:]) for r in every if np.isfinite(r[0])]

    # ------------------------------------------------------------------ passes
    def _report(self, done: int) -> None:
        if self.progress is not None:
            self.progress(self.phase, done, self.n_local)

    def source_rows(self) -> Iterator[SourceRows]:
        """A pass over the source as centred float64 rows (exact figures, fetched rows)."""
        start = 0
        for chunk in self.source.read():
            rows = np.asarray(chunk.rows)
            if len(rows) == 0:
                continue
            if rows.dtype not in (np.float32, np.float64):
                rows = rows.astype(np.float64)
            if self.unit_rows:
                rows = unit_length(rows)
            centred = np.asarray(rows, np.float64) - self.offset
            weights = (
                np.ones(len(rows))
                if chunk.weights is None
                else np.asarray(chunk.weights, np.float64)
            )
            yield SourceRows(centred, weights, start)
            start += len(rows)
            self._report(start)

    def batches(self) -> Iterator[Batch]:
        """A pass over every row as batches of blocks (from the cache once it is complete)."""
        if self._cached:
            yield from self._cached_batches()
            return
        writing = self.want_cache and self._start_cache()
        complete = False
        try:
            yield from self._source_batches(writing)
            complete = True
        finally:
            if writing:
                self._cached = complete
                if not complete:
                    self._drop_cache()
        self._check_distinct()

    def _start_cache(self) -> bool:
        padded = -(-self.n_local // self.block) * self.block
        need = padded * self.d * 4 + (padded * 4 if self.weighted else 0)
        if not self.scratch.room(need):
            return False
        self._drop_cache()
        self._cache = self.scratch.column(np.float32)
        self._cache_weights = self.scratch.column(np.float32) if self.weighted else None
        return True

    def _drop_cache(self) -> None:
        for column in (self._cache, self._cache_weights):
            if column is not None:
                column.close()
        self._cache = self._cache_weights = None
        self._cached = False

    def close(self) -> None:
        self._drop_cache()

    def _layout(self, rows: np.ndarray, weights: np.ndarray, m: int, start: int, count: int):
        blocks = rows.reshape(m, self.block, self.d)
        if self.direct:
            shape = (m, self.d, self.block)
            if self._columns is None or self._columns.shape != shape:
                self._columns = aligned_empty(shape, np.float32)
            np.copyto(self._columns, blocks.transpose(0, 2, 1))
            blocks = self._columns
        return Batch(blocks, weights.reshape(m, self.block), start, count, self.direct)

    def _source_batches(self, writing: bool) -> Iterator[Batch]:
        m, b, d = self.batch_blocks, self.block, self.d
        size = m * b
        rows, weights = aligned_empty((size, d), np.float32), aligned_empty((size,), np.float32)
        if self._distinct is None:
            self._distinct = set()
        filled = start = 0
        for chunk in self.source.read():
            values = np.asarray(chunk.rows)
            if values.dtype not in (np.float32, np.float64):
                values = values.astype(np.float64)
            w = None if chunk.weights is None else np.asarray(chunk.weights, np.float64)
            done = 0
            while done < len(values):
                take = min(len(values) - done, size - filled)
                self._centre(values[done : done + take], out=rows[filled : filled + take])
                weights[filled : filled + take] = 1.0 if w is None else w[done : done + take]
                filled, done = filled + take, done + take
                if filled == size:
                    batch = self._layout(rows, weights, m, start, size)
                    self._written(batch, writing)
                    yield batch
                    start, filled = start + size, 0
                    self._report(start)
        rows[filled:] = 0.0
        weights[filled:] = 0.0
        for first in range(0, filled, b):  # the tail, a block at a time (one traced shape)
            count = min(b, filled - first)
            batch = self._layout(
                rows[first : first + b], weights[first : first + b], 1, start, count
            )
            self._written(batch, writing)
            yield batch
            start += count
            self._report(start)

    def _written(self, batch: Batch, writing: bool) -> None:
        if writing:
            self._cache.append(batch.blocks)
            if self._cache_weights is not None:
                self._cache_weights.append(batch.weights)
        distinct, k = self._distinct, self._distinct_wanted
        if distinct is not None and len(distinct) < k:
            rows = batch.rows()
            valid = batch.weights.reshape(-1)[: batch.count] > 0
            rows = np.ascontiguousarray(rows[valid] + np.float32(0.0))  # -0.0 is 0.0
            keys = rows.view(np.dtype((np.void, rows.itemsize * self.d))).reshape(-1)
            prefix = max(1024, 8 * k)  # usually decides it (as ``count_distinct``)
            for part in (keys[:prefix], keys[prefix:]):
                if len(distinct) < k and len(part):
                    distinct.update(np.unique(part).tolist()[:k])

    def _check_distinct(self) -> None:
        """At least k distinct rows as the kernels see them, as ``prepare_input`` insists."""
        distinct, self._distinct = self._distinct, None
        if distinct is None or self._distinct_wanted == 0:
            return
        k = self._distinct_wanted
        self._distinct_wanted = 0  # checked once
        rows = np.frombuffer(b"".join(sorted(distinct)), np.float32).reshape(-1, self.d)
        if self.collective.count > 1:
            rows = np.concatenate(self.collective.gather(rows[:k].astype(np.float64)))
        found = np.unique(rows, axis=0).shape[0] if len(rows) else 0
        if found < k:
            raise KMeansInputError(
                f"X has only {found} distinct point(s), fewer than n_clusters={k}; lower k"
            )

    def _cached_batches(self) -> Iterator[Batch]:
        """The cache's batches; with ``prefetch``, each read on a thread while the caller
        computes the one before (the read releases the GIL, so disk and kernels overlap)."""
        plan = self._cached_plan()
        reader = self._cache.reader()
        weights_reader = self._cache_weights.reader() if self._cache_weights else None
        free: dict[int, list[Batch]] = {}  # buffers by blocks per batch, none in use

        def load(i: int) -> Batch:
            m, start, count = plan[i]
            spare = free.setdefault(m, [])
            if spare:  # reused: fresh pages per batch cost page faults
                batch = spare.pop()
            else:
                shape = (m, self.d, self.block) if self.direct else (m, self.block, self.d)
                blocks = aligned_empty(shape, np.float32)
                batch = Batch(blocks, aligned_empty((m, self.block), np.float32), 0, 0)
            read_exactly(reader, batch.blocks)
            if weights_reader is not None:
                read_exactly(weights_reader, batch.weights)
            else:
                flat = batch.weights.reshape(-1)
                flat[:count], flat[count:] = 1.0, 0.0
            batch.start, batch.count, batch.direct = start, count, self.direct
            return batch

        def done(batch: Batch) -> None:  # the caller has asked for the next batch
            free[batch.blocks.shape[0]].append(batch)

        if not self.prefetch or len(plan) < 2:
            for i in range(len(plan)):
                batch = load(i)
                yield batch
                done(batch)
                self._report(batch.start + batch.count)
            return
        with ThreadPoolExecutor(1, thread_name_prefix="kmeans-prefetch") as pool:
            pending = pool.submit(load, 0)
            for i in range(len(plan)):
                batch = pending.result()
                pending = pool.submit(load, i + 1) if i + 1 < len(plan) else None
                yield batch
                done(batch)
                self._report(batch.start + batch.count)

    def _cached_plan(self) -> list[tuple[int, int, int]]:
        """(blocks, first row, valid rows) of each batch a cached pass reads: full batches of
        ``batch_blocks``, then the remaining blocks in groups of halving powers of two (a
        few calls, a few traced shapes, instead of one call per block)."""
        m, b = self.batch_blocks, self.block
        plan, start = [], 0
        for _ in range(self.n_local // (m * b)):
            plan.append((m, start, m * b))
            start += m * b
        left = -(-(self.n_local - start) // b)  # blocks, the last one padded
        group = 1 << max(left.bit_length() - 1, 0)
        while left:
            if group <= left:
                count = min(group * b, self.n_local - start)
                plan.append((group, start, count))
                start, left = start + count, left - group
            group //= 2
        return plan


def _smallest_rows(rows: np.ndarray, count: int) -> np.ndarray:
    """The ``count`` rows of (u, index, ...) with the smallest u (ties: lowest index), sorted."""
    order = np.lexsort((rows[:, 1], rows[:, 0]))[:count]
    return rows[order]
