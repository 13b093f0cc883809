"""The hover's point index and the colours of a column, without a window (NumPy and pandas)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kmeans_gui.app.column_colours import GRADIENT_STEPS, MAX_CLASSES, column_colouring
from kmeans_gui.app.point_index import PointIndex, nearest_within


def brute_force(xy, x, y, rx, ry) -> int:
    d = ((xy[:, 0] - x) / rx) ** 2 + ((xy[:, 1] - y) / ry) ** 2
    best = int(np.nanargmin(d))
    return best if d[best] <= 1 else -1


def point_sets(seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    tight = rng.normal(0, 0.01, size=(3000, 2))
    tight[:5] = rng.uniform(-1000, 1000, size=(5, 2))
    ties = rng.integers(0, 4, size=(2000, 2)).astype(float)  # many points on one spot
    holes = rng.normal(size=(2000, 2))
    holes[::7] = np.nan  # rows left off the plot
    return {
        "blobs": rng.normal(size=(5000, 2)) * [1, 50],
        "tight+outliers": tight,
        "ties": ties,
        "holes": holes,
        "one point": np.array([[1.0, 2.0]]),
    }


@pytest.mark.parametrize("shape", list(point_sets(0)))
@pytest.mark.parametrize("seed", [0, 1])
def test_nearest_point_within_the_radius_is_the_brute_force_one(shape, seed):
    xy = point_sets(seed)[shape]
    index = PointIndex(xy)
    rng = np.random.default_rng(seed + 10)
    finite = xy[np.isfinite(xy).all(axis=1)]
    on = finite[rng.integers(0, len(finite), 100)]
    lo, hi = finite.min(axis=0), finite.max(axis=0)
    anywhere = rng.uniform(lo - 1, hi + 1, size=(100, 2))
    for (x, y), (rx, ry) in zip(
        np.vstack([on, anywhere]), rng.uniform(1e-4, 1, size=(200, 2)), strict=True
    ):
        found = index.nearest(x, y, rx, ry)
        expected = brute_force(xy, x, y, rx, ry)
        if expected < 0:
            assert found == -1
        else:  # ties: any of the points at the smallest distance
            d = ((xy[:, 0] - x) / rx) ** 2 + ((xy[:, 1] - y) / ry) ** 2
            assert found >= 0 and d[found] == d[expected]


def test_empty_and_unplottable_sets_find_nothing():
    assert PointIndex(np.empty((0, 2))).nearest(0, 0, 1, 1) == -1
    assert PointIndex(np.full((3, 2), np.nan)).nearest(0, 0, 1, 1) == -1
    assert nearest_within(np.array([[0.0, 0.0], [5.0, 5.0]]), 4.5, 4.6, 1, 1) == 1
    assert nearest_within(np.array([[0.0, 0.0]]), 4.5, 4.6, 1, 1) == -1


def test_text_column_gets_one_colour_per_class_and_grey_for_missing():
    series = pd.Series(["b", "a", None, "b", "c"], name="kind")
    colouring = column_colouring(series)
    assert [text for text, _ in colouring.key] == ["a", "b", "c", "(empty)"]
    assert colouring.codes.tolist() == [1, 0, 3, 1, 2]
    assert not colouring.gradient


def test_many_classes_keep_the_most_frequent_and_lump_the_rest():
    values = [f"v{i}" for i in range(40)] + ["v5"] * 50
    colouring = column_colouring(pd.Series(values, name="many"))
    assert len(colouring.colours) == MAX_CLASSES + 1  # + grey
    assert colouring.key[-1][0] == f"other ({40 - (MAX_CLASSES - 1)} values)"
    kept = [text for text, _ in colouring.key[:-1]]
    assert "v5" in kept
    assert colouring.codes[-1] == kept.index("v5")


def test_numbers_get_a_gradient_from_low_to_high():
    colouring = column_colouring(pd.Series([0.0, 5.0, 10.0, np.nan], name="x"))
    assert colouring.gradient
    assert colouring.codes.tolist() == [0, round((GRADIENT_STEPS - 1) / 2), GRADIENT_STEPS - 1,
                                        GRADIENT_STEPS]  # fmt: skip
    assert [text for text, _ in colouring.key] == ["0", "10"]
