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


def test_settled_lloyd_centres_are_the_means_of_the_values_as_written() -> None:
    """Undoing standard scaling rounds (1.461999999999998); a centre that is its members'
    mean to rounding is reported as that mean; one that is not (a tol stop) is left alone."""
    import math

    frame = pd.DataFrame({"x": [1.4, 1.5, 1.49, 1.46, 5.1, 5.3], "y": [0.2, 0.3, 0.25, 0.2, 2, 3]})
    features = prepare_features(frame, scale="standard")
    labels = np.array([0, 0, 0, 0, 1, 1])
    exact = np.array(
        [[math.fsum(frame[c][labels == j]) / (labels == j).sum() for c in "xy"] for j in (0, 1)]
    )
    engine = features.to_fit_units(exact)
    engine[1] += 1e-6  # cluster 1 moved on after its last labels: not a mean of them
    reported = final_centroids(features, labels, engine, frame=frame)
    assert reported[0].tolist() == exact[0].tolist()  # every digit
    np.testing.assert_allclose(reported[1], features.to_user_units(engine)[1], rtol=1e-15)
    assert reported[1].tolist() != exact[1].tolist()
