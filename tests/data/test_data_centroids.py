"""final_centroids: the reported centres follow exactly from the final labels, in float64."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kmeans_gui.data import final_centroids, prepare_features


@pytest.mark.parametrize("scale", ["none", "standard", "minmax"])
def test_means_of_the_final_labels_in_user_units(scale: str) -> None:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"a": 5000 + rng.random(200), "b": rng.integers(0, 10, 200) * 0.1})
    features = prepare_features(frame, scale=scale)
    labels = (frame["a"] > 5000.5).to_numpy().astype(int)
    noisy = np.vstack([features.X[labels == j].mean(axis=0) for j in (0, 1)]).astype(np.float32)
    exact = final_centroids(features, labels, noisy, frame=frame)
    expected = np.vstack([frame[labels == j].mean().to_numpy() for j in (0, 1)])
    np.testing.assert_allclose(exact, expected, rtol=1e-14, atol=0)


def test_weights_and_an_empty_cluster() -> None:
    frame = pd.DataFrame({"x": [9.0, 9.0, 3.0], "w": [1.0, 3.0, 2.0]})
    features = prepare_features(frame, ["x"], weight_column="w")
    engine = np.array([[9.000000047], [3.0000001], [42.0]])
    exact = final_centroids(features, np.array([0, 0, 1]), engine)
    assert exact.tolist() == [[9.0], [3.0], [42.0]]  # no member: the engine's centre


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
