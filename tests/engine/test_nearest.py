"""engine.nearest: the one float64 nearest-centroid rule (views, exports, predictions)."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import pairwise_distances

from kmeans_gui.engine import distances, nearest


@pytest.mark.parametrize("metric", ["euclidean", "cosine", "manhattan"])
def test_nearest_matches_the_exact_pairwise_minimum(metric, monkeypatch) -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(1000, 5)) + 1e5 * (metric != "cosine")  # far from the origin
    centres = X[rng.choice(1000, 7, replace=False)] + rng.normal(scale=0.1, size=(7, 5))
    monkeypatch.setattr(distances, "BLOCK_ELEMENTS", 64)  # many small blocks
    expected = pairwise_distances(X, centres, metric=metric).argmin(axis=1)
    np.testing.assert_array_equal(nearest(X, centres, metric), expected)


def test_ties_go_to_the_lowest_index_and_zero_rows_to_centre_0() -> None:
    centres = np.array([[1.0, 0.0], [-1.0, 0.0]])
    assert nearest(np.array([[0.0, 1.0]]), centres).tolist() == [0]
    assert nearest(np.zeros((1, 2)), centres, "cosine").tolist() == [0]


def test_an_unknown_metric_is_named() -> None:
    with pytest.raises(ValueError, match="unknown metric 'chebyshev'"):
        nearest(np.zeros((2, 2)), np.zeros((1, 2)), "chebyshev")
