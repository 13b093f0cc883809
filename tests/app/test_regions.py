"""The Voronoi tint asks only the lattice and the boundaries, and answers as every pixel would."""

from __future__ import annotations

import numpy as np
import pytest

from kmeans_gui.app.regions import Regions, region_labels
from kmeans_gui.engine.distances import nearest


@pytest.mark.parametrize("k", [2, 8, 60])
@pytest.mark.parametrize("size", [(333, 257), (1000, 760), (17, 900)], ids=str)
@pytest.mark.parametrize("metric", ["euclidean", "cosine"])
def test_lattice_answers_as_every_pixel(k, size, metric):
    rng = np.random.default_rng(k)
    centroids = rng.uniform(-50, 50, (k, 2))
    asked: list[int] = []

    def closest(points: np.ndarray) -> np.ndarray:
        asked.append(len(points))
        return nearest(points, centroids, metric)[0]

    box = (-60.0, -45.0, 130.0, 95.0)
    every = region_labels(closest, box, *size)  # a plain function: every pixel
    assert asked == [size[0] * size[1]]
    asked.clear()
    lattice = region_labels(Regions(closest, convex=True), box, *size)
    np.testing.assert_array_equal(lattice, every)
    if min(size) > 100 and k < 60:
        assert sum(asked) < 0.4 * size[0] * size[1]  # far fewer questions


def test_plot_space_regions_are_convex_except_manhattan():
    import pandas as pd

    from kmeans_gui.app.plot_space import PlotSpace
    from kmeans_gui.data import prepare_features

    features = prepare_features(pd.DataFrame({"a": [0.0, 1, 2, 3], "b": [1.0, 0, 3, 2]}), None)
    space = PlotSpace.of_features(features, 0, 1)
    centroids = np.array([[0.5, 0.5], [2.5, 2.5]])
    assert space.regions(centroids, "euclidean").convex
    assert not space.regions(centroids, "manhattan").convex
    np.testing.assert_array_equal(
        space.regions(centroids, "euclidean")(np.array([[0, 0], [3, 3]])), [0, 1]
    )


@pytest.mark.parametrize("scale", ["none", "standard", "minmax"])
def test_plot_space_bounds_are_the_plotted_points_extremes(scale):
    import pandas as pd

    from kmeans_gui.app.plot_space import PlotSpace
    from kmeans_gui.data import prepare_features

    rng = np.random.default_rng(3)
    frame = pd.DataFrame(rng.normal([5, -300, 1e4], [2, 40, 900], (500, 3)), columns=list("abc"))
    features = prepare_features(frame, None, scale=scale)
    space = PlotSpace.of_features(features, 2, 0)  # from the ranges, without a scan
    assert space.xy.flags.c_contiguous
    low, high = space.bounds
    np.testing.assert_allclose(low, space.xy.min(axis=0), rtol=1e-12)
    np.testing.assert_allclose(high, space.xy.max(axis=0), rtol=1e-12)
    np.testing.assert_allclose(high, frame[["c", "a"]].max().to_numpy(), rtol=1e-9)
