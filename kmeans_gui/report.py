"""What a finished run reports, computed one way for the command line and the window alike:
its centroids and distances, and how its clusters compare with a reference column.

Both the data layer (centroids in the user's units, a column's classes) and the engine's
NumPy-only distances and label comparisons are needed, so this small module sits beside both
rather than inside either. It never loads TensorFlow.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from kmeans_gui.data import FeatureMatrix, final_centroids
from kmeans_gui.data.reference import ReferenceLabels
from kmeans_gui.engine.agreement import adjusted_rand_index, normalized_mutual_info
from kmeans_gui.engine.distances import assigned_distances


def centroids_and_distances(
    features: FeatureMatrix,
    labels: np.ndarray,
    engine_centroids: np.ndarray,
    *,
    algorithm: str,
    metric: str,
    frame: pd.DataFrame | None,
) -> tuple[np.ndarray, np.ndarray]:
    """The reported centroids (user units; k-medoids: the rows as written) and each used row's
    distance to its own, in the units the fit ran in (the user's when not scaled)."""
    centroids = final_centroids(
        features, labels, engine_centroids, algorithm=algorithm, metric=metric, frame=frame
    )
    distances = assigned_distances(features.X, features.to_fit_units(centroids), labels, metric)
    return centroids, distances


@dataclass(frozen=True, eq=False)
class Comparison:
    """Clusters held against a reference column: ARI and NMI (as scikit-learn computes them)
    over the clustered rows that have a class, and the contingency table clusters x classes."""

    column: str
    ari: float
    nmi: float
    contingency: pd.DataFrame  # index: clusters 0..k-1 ("cluster"); columns: the classes
    n_compared: int  # clustered rows with a class
    n_missing: int  # clustered rows whose reference cell is missing

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON: the table as its clusters, classes and rows of counts."""
        return {
            "column": self.column,
            "ari": self.ari,
            "nmi": self.nmi,
            "rows": self.n_compared,
            "rows_missing": self.n_missing,
            "contingency": {
                "clusters": self.contingency.index.tolist(),
                "classes": self.contingency.columns.tolist(),
                "counts": self.contingency.to_numpy().tolist(),
            },
        }


def compare_with_reference(reference: ReferenceLabels, labels: np.ndarray, k: int) -> Comparison:
    """ARI, NMI and the contingency table of ``labels`` (one per clustered row) against
    ``reference``; rows without a class are left out and counted."""
    labels = np.asarray(labels, dtype=np.int64)
    present = reference.present
    codes, clusters = reference.codes[present], labels[present]
    n_classes = len(reference.classes)
    counts = np.bincount(clusters * n_classes + codes, minlength=k * n_classes)
    counts = counts.reshape(k, n_classes)
    table = pd.DataFrame(
        counts, index=pd.RangeIndex(k, name="cluster"), columns=pd.Index(reference.classes)
    )
    return Comparison(
        column=reference.column,
        ari=adjusted_rand_index(codes, clusters),
        nmi=normalized_mutual_info(codes, clusters),
        contingency=table,
        n_compared=int(present.sum()),
        n_missing=int((~present).sum()),
    )
