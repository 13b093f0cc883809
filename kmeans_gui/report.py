"""What a finished run reports, computed one way for the command line and the window alike.

Both the data layer (centroids in the user's units) and the engine's NumPy-only distances are
needed, so this small module sits beside both rather than inside either.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kmeans_gui.data import FeatureMatrix, final_centroids
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
