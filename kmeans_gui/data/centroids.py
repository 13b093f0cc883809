"""The centroids a run reports, recomputed in float64 from its final labels.

The engine works in float32 (after centring), so its centres carry float32 noise: 9 comes back
as 9.000000047..., and near 5000 a centre can be 1e-3 off scikit-learn's. The labels are what
the run decided; the centre of a mean-based cluster follows from them exactly. So reports and
exports take, per cluster:

- Lloyd, gradient and mini-batch with the Euclidean metric: the weighted mean of the member
  rows, in float64, in the user's units (for mini-batch and gradient this is the centre of the
  final labels, one exact update away from the engine's last online estimate);
- k-medoids: the medoid row itself, exactly as in the table (found as the member nearest to
  the engine's medoid);
- the cosine metric (spherical k-means): the engine's centre, whose scale has no meaning in
  the user's units anyway.

A cluster with no member (or no weight) keeps the engine's centre.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .features import FeatureMatrix, column_as_float


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

    Give the table ``frame`` the features came from so scaled features are read back exactly
    as written (undoing the scaling can be one rounding off: 0.20000000000000018).
    """
    labels = np.asarray(labels)
    engine = np.asarray(engine_centroids, dtype=np.float64)
    k = engine.shape[0]
    out = features.to_user_units(engine)
    if metric == "cosine" and algorithm != "kmedoids":
        return out
    values = features.user_values()
    if frame is not None:
        for d, name in enumerate(features.columns):
            column = column_as_float(frame, name)[features.row_mask]
            written = np.isfinite(column)  # imputed cells keep the mean they were given
            values[written, d] = column[written]
    if algorithm == "kmedoids":
        for j in range(k):
            members = np.flatnonzero(labels == j)
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
    weights = features.weights if features.weights is not None else np.ones(len(labels))
    total = np.bincount(labels, weights=weights, minlength=k)
    filled = total > 0
    for d in range(values.shape[1]):
        sums = np.bincount(labels, weights=weights * values[:, d], minlength=k)
        out[filled, d] = sums[filled] / total[filled]
    return out
