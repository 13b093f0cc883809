"""The features of a table too large for memory: one pass of statistics, then piece by piece.

``prepare_features`` learns from the whole column at once what a streamed run must learn in a
pass: how many rows are left out and why, the column means that fill missing cells, the mean,
spread or range that scaling uses. :class:`FeatureStats` gathers them a piece at a time (and
adds up the pieces of every worker of a sharded run); :meth:`FeatureStats.finished` turns
them into :class:`StreamedFeatures`, which answers what a ``FeatureMatrix`` answers about the
whole table (checks, notes, units, the model file) and makes each piece's matrix with
``prepare_features(..., fitted=...)``, the very code an in-memory run uses. Means and spreads
are merged with Chan, Golub & LeVeque's update, so they equal the in-memory figures to float64
rounding.
"""

from __future__ import annotations

import pickle
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from pandas.api import types as ptypes

from kmeans_gui.engine.arrays import column_extremes  # NumPy only

from . import feature_choice
from .errors import DataError
from .feature_choice import IntegerShape, is_integer_column
from .features import (
    REASON_MISSING,
    REASON_WEIGHT,
    FeatureMatrix,
    Fitted,
    Scaler,
    check_policies,
    check_scaler,
    choose_columns,
    float32_overflow,
    float32_range_error,
    no_usable_numbers,
    no_usable_row,
    prepare_features,
    raw_values,
)
from .table_stream import StreamedTable, TablePiece


@dataclass
class FeatureStats:
    """Sums over the pieces seen so far; ``merge`` adds another process's."""

    columns: list[str]  # the candidate feature columns
    explicit: bool  # chosen by the user (else every numeric column with a number)
    missing: str
    weight_column: str | None
    n_units: int
    n_rows: int = 0
    finite_all: np.ndarray = None  # type: ignore[assignment]  # (D,) finite cells, every row
    sum_all: np.ndarray = None  # type: ignore[assignment]  # (D,) their sum (fill values)
    missing_counts: np.ndarray = None  # type: ignore[assignment]
    dropped: int = 0  # rows left out for a missing feature
    no_weight: int = 0  # rows left out for a missing weight
    n_used: int = 0
    positive: bool = False  # a used row weighs more than 0
    count: np.ndarray = None  # type: ignore[assignment]  # (D,) finite cells of used rows
    mean: np.ndarray = None  # type: ignore[assignment]  # their running mean and M2
    m2: np.ndarray = None  # type: ignore[assignment]
    low: np.ndarray = None  # type: ignore[assignment]  # their extremes
    high: np.ndarray = None  # type: ignore[assignment]
    unit_used: np.ndarray = None  # type: ignore[assignment]  # (units,) used rows per unit
    positions: np.ndarray | None = None  # sorted table rows to ``locate`` among the used ones
    located: np.ndarray | None = None  # their index among the used rows, -1 if not used
    #: numeric columns the default choice left out -> what they look like ('a year')
    excluded: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        d = len(self.columns)
        for name in ("finite_all", "sum_all", "missing_counts", "count", "mean", "m2"):
            if getattr(self, name) is None:
                setattr(self, name, np.zeros(d))
        if self.low is None:
            self.low, self.high = np.full(d, np.inf), np.full(d, -np.inf)
        if self.unit_used is None:
            self.unit_used = np.zeros(self.n_units, np.int64)
        if self.positions is not None and self.located is None:
            self.located = np.full(len(self.positions), -1, np.int64)

    def add(self, piece: TablePiece) -> None:
        """One piece's rows."""
        frame = piece.frame
        values, weights = raw_values(frame, self.columns, self.weight_column, piece.start)
        finite = np.isfinite(values)
        whole = bool(finite.all())  # usually: no gap, one vectorised pass per figure
        n = len(frame)
        counts = np.full(len(self.columns), n) if whole else finite.sum(axis=0)
        self.n_rows += n
        self.finite_all += counts
        self.sum_all += values.sum(axis=0) if whole else np.where(finite, values, 0.0).sum(axis=0)
        self.missing_counts += n - counts
        features_ok = finite.all(axis=1) if self.missing == "drop" and not whole else None
        weight_ok = None if weights is None else np.isfinite(weights)
        used = _both(features_ok, weight_ok, n)
        n_ok = n if features_ok is None else int(features_ok.sum())
        n_used = int(used.sum())
        if self.positions is not None:  # single process: used rows so far = their index
            lo, hi = np.searchsorted(self.positions, [piece.start, piece.start + n])
            local = self.positions[lo:hi] - piece.start
            index = self.n_used + np.cumsum(used) - 1
            self.located[lo:hi] = np.where(used[local], index[local], -1)
        self.dropped += n - n_ok
        self.no_weight += n_ok - n_used
        self.n_used += n_used
        self.unit_used[piece.unit] += n_used
        if weights is not None and (weights[used] > 0).any():
            self.positive = True
        if not n_used:
            return
        block = values if n_used == n else values[used]
        if whole or self.missing == "drop":  # every used cell is a number
            mean = block.mean(axis=0)
            m2 = ((block - mean) ** 2).sum(axis=0)
            for j in range(len(self.columns)):
                self._merge_column(j, n_used, mean[j], m2[j])
            low, high = column_extremes(block)
            self.low, self.high = np.minimum(self.low, low), np.maximum(self.high, high)
            return
        for j in range(len(self.columns)):
            column = block[:, j][np.isfinite(block[:, j])]
            if column.size:
                mean = column.mean()
                self._merge_column(j, column.size, mean, ((column - mean) ** 2).sum())
                self.low[j] = min(self.low[j], column.min())
                self.high[j] = max(self.high[j], column.max())

    def _merge_column(self, j: int, n: float, mean: float, m2: float) -> None:
        total = self.count[j] + n
        delta = mean - self.mean[j]
        self.mean[j] += delta * n / total
        self.m2[j] += m2 + delta**2 * self.count[j] * n / total
        self.count[j] = total

    def merge(self, other: FeatureStats) -> None:
        """Another process's pieces (a sharded run: every worker's, in worker order)."""
        self.n_rows += other.n_rows
        self.finite_all += other.finite_all
        self.sum_all += other.sum_all
        self.missing_counts += other.missing_counts
        self.dropped += other.dropped
        self.no_weight += other.no_weight
        self.n_used += other.n_used
        self.positive |= other.positive
        self.unit_used += other.unit_used
        for j in range(len(self.columns)):
            if other.count[j]:
                self._merge_column(j, other.count[j], other.mean[j], other.m2[j])
        self.low = np.minimum(self.low, other.low)
        self.high = np.maximum(self.high, other.high)

    def packed(self) -> np.ndarray:
        """The statistics as bytes in a float64 array (for a collective to carry)."""
        return np.frombuffer(pickle.dumps(self), np.uint8).astype(np.float64)

    @staticmethod
    def unpacked(array: np.ndarray) -> FeatureStats:
        return pickle.loads(np.asarray(array, np.uint8).tobytes())

    def finished(self, scale: str) -> StreamedFeatures:
        """The whole table's features (every piece added, or merged)."""
        columns = list(self.columns)
        empty = self.finite_all == 0
        if empty.any():  # (a default column without one number left rows out: refuse too)
            raise DataError(
                no_usable_numbers(columns[int(np.argmax(empty))])
                + ("" if self.explicit else " Choose the feature columns with --columns.")
            )
        keep = np.arange(len(columns))
        pick = lambda a: np.asarray(a)[keep]  # noqa: E731
        if self.n_used == 0:
            raise DataError(no_usable_row(self.n_rows, columns, self.weight_column))
        if self.weight_column is not None and not self.positive:
            raise DataError(f"Every usable row has weight 0 in '{self.weight_column}'.")
        fill = None
        count, mean, m2 = pick(self.count), pick(self.mean), pick(self.m2)
        low, high = pick(self.low), pick(self.high)
        if self.missing == "mean":
            fill = pick(self.sum_all) / pick(self.finite_all)
            fill.setflags(write=False)
            filled = self.n_used - count  # used rows whose cell gets the fill value
            total = count + filled
            delta = fill - mean
            m2 = m2 + delta**2 * count * filled / np.maximum(total, 1)
            mean = mean + delta * filled / np.maximum(total, 1)
            low = np.where(filled > 0, np.minimum(low, fill), low)
            high = np.where(filled > 0, np.maximum(high, fill), high)
        spread = np.sqrt(m2 / self.n_used)
        with np.errstate(over="ignore", invalid="ignore"):
            scaler = Scaler.from_moments(scale, mean, spread, low, high)
        check_scaler(scaler, columns, scale)
        missing_counts = {
            c: int(n) for c, n in zip(columns, pick(self.missing_counts), strict=True)
        }
        # the missing counts of dropped candidates still left rows out: recount them
        left_out = {}
        if self.dropped:
            left_out[REASON_MISSING] = self.dropped
        if self.no_weight:
            left_out[REASON_WEIGHT] = self.no_weight
        n_imputed = int(sum(missing_counts.values())) if self.missing == "mean" else 0
        unit_starts = np.concatenate([[0], np.cumsum(self.unit_used)[:-1]]).astype(np.int64)
        return StreamedFeatures(
            columns=tuple(columns),
            scaler=scaler,
            missing=self.missing,
            weight_column=self.weight_column,
            fill_values=fill,
            n_rows=self.n_rows,
            n_used=self.n_used,
            missing_counts=missing_counts,
            left_out=left_out,
            n_imputed=n_imputed,
            unit_starts=unit_starts,
            unit_used=self.unit_used.copy(),
            mean=mean,
            low=low,
            high=high,
            spread=spread,
            excluded=dict(self.excluded),
        )


@dataclass(frozen=True, eq=False)
class StreamedFeatures:
    """A ``FeatureMatrix`` without ``X``: the whole table's figures, and ``piece()`` for the
    matrix of each piece, in the fit's units."""

    columns: tuple[str, ...]
    scaler: Scaler
    missing: str
    weight_column: str | None
    fill_values: np.ndarray | None
    n_rows: int
    n_used: int
    missing_counts: dict[str, int]
    left_out: dict[str, int]
    n_imputed: int
    unit_starts: np.ndarray  # (units,) the engine's index of each unit's first used row
    unit_used: np.ndarray  # (units,) used rows per unit
    mean: np.ndarray = field(repr=False)  # user units, of the used rows (after filling)
    low: np.ndarray = field(repr=False)
    high: np.ndarray = field(repr=False)
    spread: np.ndarray = field(repr=False)  # user units: the used rows' standard deviation
    excluded: dict[str, str] = field(default_factory=dict)  # as FeatureMatrix.excluded
    encoded: dict[str, tuple[str, object]] = field(default_factory=dict)  # none: no one-hot

    @property
    def n_left_out(self) -> int:
        return self.n_rows - self.n_used

    def to_fit_units(self, values: np.ndarray) -> np.ndarray:
        return self.scaler.to_fit_units(values)

    def to_user_units(self, values: np.ndarray) -> np.ndarray:
        return self.scaler.to_user_units(values)

    def piece(self, piece: TablePiece) -> FeatureMatrix:
        """The matrix of one piece's rows (``row_mask`` among the piece's rows)."""
        return prepare_features(
            piece.frame,
            list(self.columns),
            missing=self.missing,
            scale=self.scaler.kind,
            weight_column=self.weight_column,
            fitted=Fitted(self.scaler, self.fill_values, piece.start),
        )

    def spread_note(self, advice: str = "") -> str | None:
        """``FeatureMatrix.spread_note`` from the pass's spreads."""
        return feature_choice.spread_note(self.columns, self.spread, self.scaler.kind, advice)

    check_k = FeatureMatrix.check_k
    exclusion_note = FeatureMatrix.exclusion_note
    written_values = FeatureMatrix.written_values
    notes = FeatureMatrix.notes
    _per_column = FeatureMatrix._per_column

    def check_float32_range(self, metric: str = "euclidean", advice: str = "") -> None:
        """``FeatureMatrix.check_float32_range`` from the pass's extremes (the scaling is
        affine and increasing, so the fit units' extremes are the mapped ones)."""
        high, low = self.to_fit_units(self.high), self.to_fit_units(self.low)
        mean = self.to_fit_units(self.mean) if metric != "cosine" else None
        too_big = float32_overflow(high, low, mean)
        if too_big.any():
            largest = float(np.maximum(np.abs(self.low), np.abs(self.high))[too_big].max())
            raise float32_range_error(self.columns, too_big, largest, advice)


def start_stats(
    table: StreamedTable,
    columns: Sequence[str] | None,
    *,
    missing: str = "drop",
    scale: str = "none",
    weight_column: str | None = None,
) -> FeatureStats:
    """Empty statistics for these choices, the columns checked against the table's (the
    default: every numeric column but those the file says are empty, as ``numeric_columns``
    would find them, and those that look like years, dates or identifiers, as
    ``default_features`` judges them, on the first piece's values)."""
    check_policies(missing, scale)
    pieces = table.pieces()
    try:
        first = next(pieces, None)
    finally:
        pieces.close()
    sample = first.frame.iloc[:0] if first is not None else pd.DataFrame(columns=table.columns)
    numeric, looks = None, None
    if columns is None:
        numeric = [
            c for c in table.columns if _is_number(sample[c]) and c not in table.empty_columns
        ]
        looks = _looks(table, [c for c in numeric if is_integer_column(sample[c])])
    chosen, excluded = choose_columns(sample, columns, weight_column, numeric, looks=looks)
    return FeatureStats(
        chosen, columns is not None, missing, weight_column, table.n_units, excluded=excluded
    )


def _looks(table: StreamedTable, integer_columns: list[str]) -> dict[str, str]:
    """Which integer columns look like years, dates or identifiers, judged on the whole
    column as ``default_features`` judges a loaded one (a pass over these columns only)."""
    if not integer_columns:
        return {}
    shapes = {name: IntegerShape() for name in integer_columns}
    for piece in table.pieces(integer_columns):
        for name, shape in shapes.items():
            shape.add(piece.frame[name])
    return {
        name: kind for name, shape in shapes.items() if (kind := shape.verdict(name)) is not None
    }


def _both(a: np.ndarray | None, b: np.ndarray | None, n: int) -> np.ndarray:
    """The rows both masks keep (None keeps every row)."""
    if a is None and b is None:
        return np.ones(n, bool)
    if a is None or b is None:
        return a if b is None else b  # type: ignore[return-value]
    return a & b


def _is_number(series: pd.Series) -> bool:
    dtype = series.dtype
    return (
        ptypes.is_numeric_dtype(dtype)
        and not ptypes.is_bool_dtype(dtype)
        and not ptypes.is_complex_dtype(dtype)
    )


def feature_stats(
    table: StreamedTable,
    columns: Sequence[str] | None,
    *,
    missing: str = "drop",
    scale: str = "none",
    weight_column: str | None = None,
    units=None,
    locate: np.ndarray | None = None,
) -> FeatureStats:
    """One pass over the table's (or, with ``units``, a share of its) feature columns; with
    ``locate`` (sorted table rows), ``located`` says where each is among the used rows."""
    stats = start_stats(table, columns, missing=missing, scale=scale, weight_column=weight_column)
    if locate is not None:
        stats.positions = np.asarray(locate, np.int64)
        stats.located = np.full(len(stats.positions), -1, np.int64)
    needed = [*stats.columns, *([weight_column] if weight_column else [])]
    for piece in table.pieces(needed, units):
        stats.add(piece)
    return stats
