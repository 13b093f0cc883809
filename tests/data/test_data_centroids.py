"""final_centroids: the centres a run reports, in the user's units (medoids as written)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kmeans_gui.data import final_centroids, prepare_features


@pytest.mark.parametrize("scale", ["none", "standard", "minmax"])
def test_mean_based_centres_are_the_engines_in_user_units(scale: str) -> None:
    """Lloyd's centres are exact already (the engine's float64 means); they are only unscaled.

    They are the means of the labels that produced them, not of the final labels (which can
    differ after a tol stop), as scikit-learn reports them.
    """
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"a": 5000 + rng.random(200), "b": rng.integers(0, 10, 200) * 0.1})
    features = prepare_features(frame, scale=scale)
    labels = (frame["a"] > 5000.5).to_numpy().astype(int)
    engine = np.array([[0.5, -1.0], [0.25, 2.0]])
    for algorithm in ("lloyd", "gradient", "minibatch"):
        reported = final_centroids(features, labels, engine, algorithm=algorithm, frame=frame)
        np.testing.assert_allclose(reported, features.to_user_units(engine), rtol=1e-15)
        np.testing.assert_allclose(features.to_fit_units(reported), engine, atol=1e-12)


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
