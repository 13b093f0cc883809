"""final_centroids: the centres a run reports, in the user's units (medoids as written)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kmeans_gui.data import final_centroids, prepare_features


@pytest.mark.parametrize("metric", ["euclidean", "manhattan", "cosine"])
def test_kmedoids_reports_the_medoid_rows_exactly(metric: str) -> None:
    frame = pd.DataFrame({"x": [0.1, 0.2, 0.35, 7.1, 7.3], "y": [1.0, 1.1, 0.9, 5.0, 5.2]})
    features = prepare_features(frame, scale="standard")
    labels = np.array([0, 0, 0, 1, 1])
    medoids = features.X[[1, 3]].astype(np.float32)  # the engine's copy, float32 noise
    exact = final_centroids(
        features, labels, medoids, algorithm="kmedoids", metric=metric, frame=frame
    )
    assert exact.tolist() == frame.iloc[[1, 3]].to_numpy().tolist()
