"""The centroids a run reports, in the user's units.

The engine reports mean-based centres (Lloyd) recomputed in float64 from the labels that
produced them, as scikit-learn does; gradient and mini-batch centres are the algorithm's own
estimates. Those are only mapped back to the user's units here, except that undoing a scaling
rounds (1.461999999999998 for 1.462): a Lloyd centre that is, to rounding, the mean of its
final members (the run settled) is reported as that mean computed from the values as written
(a two-pass mean, which rounds as an exact one almost always does).

A k-medoids centre is a row of the table, so it is reported as that row exactly as written
(found as the member nearest to the engine's float32 medoid), not as the medoid's float32 copy.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .features import FeatureMatrix


def final_centroids(
    features: FeatureMatrix,
    labels: np.ndarray,
    engine_centroids: np.ndarray,
    *,
    algorithm: str = "lloyd",
    metric: str = "euclidean",
    frame: pd.DataFrame | None = None,
) -> np.ndarray:
    """(K, D) float64 centroids in the user's units; ``engine_centroids`` are in fit units.

    Give the table ``frame`` the features came from so scaled medoid rows are read back exactly
    as written (undoing the scaling can be one rounding off: 0.20000000000000018).
    """
    labels = np.asarray(labels)
    engine = np.asarray(engine_centroids, dtype=np.float64)
    k = engine.shape[0]
    out = features.to_user_units(engine)
    if algorithm not in ("kmedoids", "lloyd") or (algorithm == "lloyd" and metric != "euclidean"):
        return out
    values = written_values(features, frame)
    if algorithm == "lloyd":
        return _settled_means(features, labels, values, out)
    order = np.argsort(labels, kind="stable")  # each cluster's rows, in one sort
    starts = np.searchsorted(labels[order], np.arange(k + 1))
    for j in range(k):
        members = order[starts[j] : starts[j + 1]]
        if members.size:
            gap = features.X[members] - engine[j]
            if metric == "manhattan":
                cost = np.abs(gap).sum(axis=1)
            elif metric == "cosine":
                rows = features.X[members]
                norms = np.linalg.norm(rows, axis=1) * max(np.linalg.norm(engine[j]), 1e-300)
                cost = -(rows @ engine[j]) / np.where(norms > 0, norms, 1.0)
            else:
                cost = np.einsum("ij,ij->i", gap, gap)
            out[j] = values[members[int(np.argmin(cost))]]
    return out


def written_values(features: FeatureMatrix, frame: pd.DataFrame | None) -> np.ndarray:
    """The used rows in the user's units, each cell as written in ``frame`` where it has one
    (undoing a scaling can be one rounding off), the fill value where it was missing."""
    values = features.user_values()
    if frame is not None and features.scaler.kind != "none":  # unscaled: already as written
        for d, name in enumerate(features.columns):
            column = features.written_values(frame, name)[features.row_mask]
            written = np.isfinite(column)  # imputed cells keep the mean they were given
            values[written, d] = column[written]
    return values


def residual_sums(
    features: FeatureMatrix, frame: pd.DataFrame, labels: np.ndarray, centres: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """A piece's weighted sums of (value as written - its centre) per cluster, (K, D), and
    weight per cluster (K,): what :func:`settled` needs from each piece of a streamed run."""
    k, d = centres.shape
    values = written_values(features, frame)
    weights = features.weights if features.weights is not None else np.ones(len(labels))
    gap = values - centres[labels]
    sums = np.stack([np.bincount(labels, gap[:, j] * weights, minlength=k) for j in range(d)], 1)
    return sums, np.bincount(labels, weights, minlength=k)


def settled(
    centres: np.ndarray, sums: np.ndarray, total: np.ndarray, low: np.ndarray, high: np.ndarray
) -> np.ndarray:
    """``_settled_means`` for a streamed run: the centres (user units) with each one that is
    its members' mean to within rounding replaced by that mean, the centre plus the mean
    residual (``residual_sums`` over every piece); ``low``/``high`` are the columns' extremes."""
    filled = total > 0
    means = centres.copy()
    means[filled] = centres[filled] + sums[filled] / total[filled, np.newaxis]
    spread = (high - low) + np.maximum(np.abs(low), np.abs(high)) * 1e-3 + 1e-300
    ok = filled & (np.abs(means - centres) <= 1e-12 * spread).all(axis=1)
    out = centres.copy()
    out[ok] = means[ok]
    return out


def _settled_means(
    features: FeatureMatrix, labels: np.ndarray, values: np.ndarray, centres: np.ndarray
) -> np.ndarray:
    """``centres`` with each one that equals its members' weighted mean to within rounding
    (1e-12 of the column's spread) replaced by that mean of the values as written."""
    k, d = centres.shape
    weights = features.weights if features.weights is not None else np.ones(len(labels))
    order = np.argsort(labels, kind="stable")
    starts = np.searchsorted(labels[order], np.arange(k + 1))
    total = np.zeros(k)
    means = np.zeros((k, d))
    for j in range(k):  # two-pass mean: the second pass sums the (small) residuals, so 50
        members = order[starts[j] : starts[j + 1]]  # values averaging 5.006 give 5.006
        w = weights[members]
        total[j] = w.sum()
        if total[j] > 0:
            block = np.asfortranarray(values[members])  # columns contiguous: pairwise sums
            first = (block * w[:, np.newaxis]).sum(axis=0) / total[j]
            means[j] = first + ((block - first) * w[:, np.newaxis]).sum(axis=0) / total[j]
    spread = np.ptp(values, axis=0) + np.abs(values).max(axis=0) * 1e-3 + 1e-300
    settled = (total > 0) & (np.abs(means - centres) <= 1e-12 * spread).all(axis=1)
    out = centres.copy()
    out[settled] = means[settled]
    return out
