"""How much two labellings of the same rows agree: the adjusted Rand index (NumPy only).

The window compares two runs side by side and says, for the frames on screen, how alike their
partitions are. Cluster numbers are arbitrary (run B's cluster 0 may be run A's cluster 3), so
the measure counts pairs of rows: the Rand index is the share of pairs both labellings put
together or both keep apart; the adjusted index (Hubert & Arabie 1985) subtracts what chance
would give, so 1 is the same partition, about 0 unrelated ones, and it can go below 0.

Exact: the pair counts are integers kept in Python's unbounded ints (at a million rows the
products of pair counts pass 2^63), and only the final ratio is a float, as scikit-learn's
``adjusted_rand_score`` computes it. Rows count once each; weights are not used. One pass of
``np.bincount`` over the rows: a few milliseconds at a million rows.
"""

from __future__ import annotations

import numpy as np


def _compact(labels: np.ndarray) -> tuple[np.ndarray, int]:
    """Labels as codes 0..m-1: as they are when they are small non-negative integers (cluster
    labels are; a value no row has only adds an empty row to the table), else sorted."""
    if labels.dtype.kind in "ui" and labels.size:
        low, high = int(labels.min()), int(labels.max())
        if low >= 0 and high < 4096:
            return labels, high + 1
    values, inverse = np.unique(labels, return_inverse=True)
    return inverse.reshape(-1), len(values)


def _pairs(counts: np.ndarray) -> int:
    """Sum over the counts of n (n - 1) / 2, exactly."""
    counts = counts.astype(np.int64, copy=False)
    return int(np.sum(counts * (counts - 1)) // 2)


def adjusted_rand_index(a: np.ndarray, b: np.ndarray) -> float:
    """Adjusted Rand index of two labellings of the same rows (any hashable label values).

    Equals ``sklearn.metrics.adjusted_rand_score(a, b)``: 1.0 for identical partitions (under
    any renaming of the clusters), also when both put every row in one cluster or every row in
    its own.
    """
    a = np.asarray(a).reshape(-1)
    b = np.asarray(b).reshape(-1)
    if a.shape != b.shape:
        raise ValueError(f"labellings of different lengths: {a.size:,} and {b.size:,} rows")
    n = a.size
    if n < 2:
        return 1.0
    codes_a, m_a = _compact(a)
    codes_b, m_b = _compact(b)
    codes = codes_a.astype(np.int64) * m_b
    codes += codes_b
    table = np.bincount(codes, minlength=m_a * m_b)
    together_both = _pairs(table)  # pairs in one cluster in a and in one cluster in b
    together_a = _pairs(table.reshape(m_a, m_b).sum(axis=1))
    together_b = _pairs(table.reshape(m_a, m_b).sum(axis=0))
    # scikit-learn's pair confusion matrix, in pairs (its counts are twice these)
    tp = together_both
    fp = together_a - together_both  # together in a, apart in b
    fn = together_b - together_both
    tn = n * (n - 1) // 2 - tp - fp - fn
    if fn == 0 and fp == 0:
        return 1.0
    return 2.0 * (tp * tn - fn * fp) / ((tp + fn) * (fn + tn) + (tp + fp) * (fp + tn))
