"""The centroids a run reports, in the user's units.

The engine reports mean-based centres (Lloyd) recomputed in float64 from the labels that
produced them, as scikit-learn does; gradient and mini-batch centres are the algorithm's own
estimates. Those are only mapped back to the user's units here. A k-medoids centre is a row of
the table, so it is reported as that row exactly as written (found as the member nearest to the
engine's float32 medoid), not as the medoid's float32 copy.
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

    Give the table ``frame`` the features came from so scaled medoid rows are read back exactly
    as written (undoing the scaling can be one rounding off: 0.20000000000000018).
    """
    labels = np.asarray(labels)
    engine = np.asarray(engine_centroids, dtype=np.float64)
    k = engine.shape[0]
    out = features.to_user_units(engine)
    if algorithm != "kmedoids":
        return out
    values = features.user_values()
    if frame is not None:
        for d, name in enumerate(features.columns):
            column = column_as_float(frame, name)[features.row_mask]
            written = np.isfinite(column)  # imputed cells keep the mean they were given
            values[written, d] = column[written]
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
