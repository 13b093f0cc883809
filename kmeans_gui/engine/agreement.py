"""How far two labellings of the same rows agree: the contingency table, the adjusted Rand index
and normalised mutual information. NumPy only, so a window can import it without TensorFlow.

Both indices are computed as scikit-learn computes them (``adjusted_rand_score`` and
``normalized_mutual_info_score`` with its default arithmetic normalisation), from the non-zero
cells of the table only, so a reference column of many classes costs no dense K x C matrix.
They count rows: with sample weights a row still counts once (pairs of rows are what the Rand
index counts, and a fractional weight has no pairs).

Cluster labels (small non-negative integers) are cross-counted with one ``np.bincount`` instead
of three sorts: the window's side-by-side view asks for the index of two million-row
labellings a few times a second (about 6 ms instead of about 50 ms).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .errors import KMeansInputError


@dataclass(frozen=True, eq=False)
class Cells:
    """The non-zero cells of a contingency table of ``a`` (rows) against ``b`` (columns)."""

    a_values: np.ndarray  # (A,) the distinct values of a, sorted
    b_values: np.ndarray  # (B,) the distinct values of b, sorted
    row: np.ndarray  # (cells,) index into a_values
    column: np.ndarray  # (cells,) index into b_values
    count: np.ndarray  # (cells,) int64, rows with that pair of values

    @property
    def n(self) -> int:
        return int(self.count.sum())

    def dense(self) -> np.ndarray:
        """The whole (A, B) table of counts, int64."""
        table = np.zeros((self.a_values.size, self.b_values.size), dtype=np.int64)
        table[self.row, self.column] = self.count
        return table

    def row_totals(self) -> np.ndarray:
        return np.bincount(self.row, weights=self.count, minlength=self.a_values.size).astype(
            np.int64
        )

    def column_totals(self) -> np.ndarray:
        return np.bincount(self.column, weights=self.count, minlength=self.b_values.size).astype(
            np.int64
        )


def contingency(a: np.ndarray, b: np.ndarray) -> Cells:
    """Cross-count two labellings (any sortable values) of the same rows."""
    a, b = np.asarray(a), np.asarray(b)
    if a.ndim != 1 or a.shape != b.shape:
        raise KMeansInputError(
            f"the two labellings must be 1-D and of one length, got {a.shape} and {b.shape}"
        )
    if _small_codes(a) and _small_codes(b):
        return _counted(a, b)
    a_values, a_codes = np.unique(a, return_inverse=True)
    b_values, b_codes = np.unique(b, return_inverse=True)
    pair = a_codes.reshape(-1).astype(np.int64) * b_values.size + b_codes.reshape(-1)
    cells, count = np.unique(pair, return_counts=True)
    return Cells(
        a_values, b_values, cells // b_values.size, cells % b_values.size, count.astype(np.int64)
    )


SMALL_CODES = 4096  # labels below this are table indices as they are


def _small_codes(labels: np.ndarray) -> bool:
    return (
        labels.dtype.kind in "ui"
        and labels.size > 0
        and int(labels.min()) >= 0
        and int(labels.max()) < SMALL_CODES
    )


def _counted(a: np.ndarray, b: np.ndarray) -> Cells:
    """:func:`contingency` of small non-negative integer labels: one bincount of the pairs, the
    values that occur kept (as ``np.unique`` would give them)."""
    width = int(b.max()) + 1
    pair = a.astype(np.int64) * width
    pair += b
    table = np.bincount(pair, minlength=(int(a.max()) + 1) * width)
    cells = np.flatnonzero(table)
    a_present = np.flatnonzero(np.bincount(a))
    b_present = np.flatnonzero(np.bincount(b))
    a_index = np.searchsorted(a_present, cells // width)
    b_index = np.searchsorted(b_present, cells % width)
    dtype_a, dtype_b = a.dtype, b.dtype
    return Cells(
        a_present.astype(dtype_a), b_present.astype(dtype_b), a_index, b_index, table[cells]
    )


def adjusted_rand_index(a: np.ndarray, b: np.ndarray) -> float:
    """Hubert and Arabie's adjusted Rand index: 1 for identical partitions, about 0 for chance."""
    cells = contingency(a, b)
    n = cells.n
    sum_squares = int(np.dot(cells.count, cells.count))
    rows, columns = cells.row_totals(), cells.column_totals()
    # the pair confusion matrix, in Python integers (n^2 products overflow int64 beyond 3e9 rows)
    same_both = sum_squares - n
    same_b_only = int(np.dot(cells.count, columns[cells.column])) - sum_squares
    same_a_only = int(np.dot(cells.count, rows[cells.row])) - sum_squares
    neither = n * n - same_b_only - same_a_only - sum_squares
    if same_b_only == 0 and same_a_only == 0:
        return 1.0
    numerator = 2.0 * (same_both * neither - same_a_only * same_b_only)
    return numerator / (
        (same_both + same_a_only) * (same_a_only + neither)
        + (same_both + same_b_only) * (same_b_only + neither)
    )


def normalized_mutual_info(a: np.ndarray, b: np.ndarray) -> float:
    """Mutual information over the arithmetic mean of the two entropies (natural logs)."""
    cells = contingency(a, b)
    if cells.a_values.size == cells.b_values.size and cells.a_values.size in (0, 1):
        return 1.0  # neither labelling splits the rows: a perfect match
    mi = _mutual_information(cells)
    if mi == 0:
        return 0.0
    normaliser = 0.5 * (_entropy(cells.row_totals()) + _entropy(cells.column_totals()))
    return float(mi / normaliser)


def _mutual_information(cells: Cells) -> float:
    rows, columns = cells.row_totals(), cells.column_totals()
    if rows.size == 1 or columns.size == 1:
        return 0.0
    total = float(cells.n)
    count = cells.count.astype(np.float64)
    share = count / total
    outer = rows[cells.row].astype(np.float64) * columns[cells.column]
    terms = share * (np.log(count) - np.log(total)) + share * (
        -np.log(outer) + np.log(float(rows.sum())) + np.log(float(columns.sum()))
    )
    terms = np.where(np.abs(terms) < np.finfo(np.float64).eps, 0.0, terms)
    return float(np.clip(terms.sum(), 0.0, None))


def _entropy(counts: np.ndarray) -> float:
    counts = counts[counts > 0].astype(np.float64)
    if counts.size <= 1:
        return 0.0
    total = counts.sum()
    return float(-np.sum((counts / total) * (np.log(counts) - np.log(total))))
