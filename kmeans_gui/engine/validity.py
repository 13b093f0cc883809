"""Cluster validity indices from the cluster means: Calinski-Harabasz, Davies-Bouldin and the
within-cluster dispersion the gap statistic compares. NumPy only (no TensorFlow), O(N x D).

Both indices are Euclidean by definition and equal scikit-learn's ``calinski_harabasz_score``
and ``davies_bouldin_score`` on the same rows. With sample weights the cluster means,
dispersions and mean distances are weighted (so integer weights give the means and
dispersions of repeated rows), while the count that the Calinski-Harabasz ratio corrects by,
(n - k) / (k - 1), is of rows: only relative weights matter, as in the silhouette. Rows of
weight 0 are left out. Sums run over blocks of rows on data centred on the overall mean, so
memory stays O(block x D) and the sums do not cancel on data far from the origin.
"""

from __future__ import annotations

import numpy as np

from .arrays import check_data, check_weights
from .errors import KMeansInputError

#: Rows per block of the sums: the (block, D) float64 temporaries stay a few MiB.
_BLOCK_ROWS = 1 << 16


def calinski_harabasz(
    X: np.ndarray, labels: np.ndarray, sample_weight: np.ndarray | None = None
) -> float:
    """Between- over within-cluster dispersion, times (n - k) / (k - 1); higher is better.

    nan unless 2 <= k < n (scikit-learn raises there).
    """
    x, codes, w, k = _grouped(X, labels, sample_weight)
    n = x.shape[0]
    if not 2 <= k < n:
        return float("nan")
    means, weight = _means(x, codes, w, k)
    between = float(np.dot(weight, np.einsum("kd,kd->k", means, means)))  # x is centred
    within = within_dispersion(x, codes, w, means)
    if within == 0.0:
        return 1.0  # as scikit-learn
    return between * (n - k) / (within * (k - 1.0))


def davies_bouldin(
    X: np.ndarray, labels: np.ndarray, sample_weight: np.ndarray | None = None
) -> float:
    """Mean over clusters of the worst (s_i + s_j) / d(c_i, c_j); lower is better.

    s_i is the mean distance of cluster i's rows to its mean c_i. nan unless 2 <= k < n.
    """
    x, codes, w, k = _grouped(X, labels, sample_weight)
    if not 2 <= k < x.shape[0]:
        return float("nan")
    means, weight = _means(x, codes, w, k)
    spread = np.zeros(k)
    for start in range(0, x.shape[0], _BLOCK_ROWS):
        part = slice(start, start + _BLOCK_ROWS)
        gap = x[part] - means[codes[part]]
        distance = np.sqrt(np.einsum("nd,nd->n", gap, gap))
        spread += np.bincount(codes[part], weights=w[part] * distance, minlength=k)
    spread /= weight
    between = np.sqrt(
        np.maximum(((means[:, np.newaxis, :] - means[np.newaxis, :, :]) ** 2).sum(axis=2), 0.0)
    )
    if np.allclose(spread, 0) or np.allclose(between, 0):  # scikit-learn's tolerances
        return 0.0
    between[between == 0] = np.inf
    ratio = (spread[:, np.newaxis] + spread[np.newaxis, :]) / between
    return float(np.mean(ratio.max(axis=1)))


def within_dispersion(
    X: np.ndarray,
    labels: np.ndarray,
    sample_weight: np.ndarray | None = None,
    means: np.ndarray | None = None,
) -> float:
    """sum_i w_i |x_i - mean of i's cluster|^2: the W_k of Tibshirani et al.'s gap statistic.

    ``labels`` are codes 0..K-1 when ``means`` (K, D) are given, any values otherwise.
    """
    if means is None:
        X, labels, sample_weight, k = _grouped(X, labels, sample_weight)
        means, _ = _means(X, labels, sample_weight, k)
    w = np.ones(len(X)) if sample_weight is None else sample_weight
    total = 0.0
    for start in range(0, X.shape[0], _BLOCK_ROWS):
        part = slice(start, start + _BLOCK_ROWS)
        gap = np.asarray(X[part], dtype=np.float64) - means[labels[part]]
        total += float(np.dot(w[part], np.einsum("nd,nd->n", gap, gap)))
    return total


def _grouped(
    X: object, labels: object, sample_weight: object
) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """Centred float64 rows of positive weight, their label codes, weights, and k."""
    x = check_data(X).astype(np.float64, copy=False)
    labels = np.asarray(labels)
    if labels.shape != (len(x),):
        raise KMeansInputError(f"labels must have one value per row ({len(x)}), got {labels.shape}")
    w = check_weights(sample_weight, len(x))
    if w is not None:
        keep = w > 0
        x, labels, w = x[keep], labels[keep], w[keep]
    else:
        w = np.ones(len(x))
    _, codes = np.unique(labels, return_inverse=True)
    codes = codes.reshape(-1)
    k = int(codes.max()) + 1 if codes.size else 0
    return x - np.average(x, axis=0, weights=w), codes, w, k


def _means(
    x: np.ndarray, codes: np.ndarray, w: np.ndarray, k: int
) -> tuple[np.ndarray, np.ndarray]:
    """(K, D) weighted cluster means and (K,) weights, one bincount per feature."""
    weight = np.bincount(codes, weights=w, minlength=k)
    sums = np.column_stack(
        [np.bincount(codes, weights=w * x[:, j], minlength=k) for j in range(x.shape[1])]
    )
    return sums / weight[:, np.newaxis], weight
