"""Where things go on the scatter: points, centroids and clicks between feature space and plot.

The plot shows either two feature columns in the file's own units, or the first two principal
components of the features as the fit sees them. :class:`PlotSpace` holds that mapping, so
drawing a frame, tinting Voronoi regions and turning a click into a centroid each ask it
instead of re-deriving it. Plain NumPy; no Qt.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from kmeans_gui.engine.distances import nearest

from .regions import Regions


@dataclass(frozen=True)
class PlotSpace:
    """``xy`` (N, 2) of the points; ``project`` maps (K, D) fit-unit centroids to (K, 2);
    ``bounds`` the points' (low, high) per axis, (2,) each, known before the view scans them
    (a plot of feature columns takes them from the ranges the preparing worker computed)."""

    features: Any  # kmeans_gui.data.FeatureMatrix
    xy: np.ndarray
    project: Callable[[np.ndarray], np.ndarray]
    x_label: str
    y_label: str
    axes: tuple[int, int] | None = None  # feature indices, when the plot shows two features
    bounds: tuple[np.ndarray, np.ndarray] | None = None

    @classmethod
    def of_features(cls, features: Any, x: int, y: int) -> PlotSpace:
        """Two feature columns, in the file's units."""
        d = features.X.shape[1]
        ix, iy = min(x, d - 1), min(y, d - 1)
        to_user = features.to_user_units
        columns = list(features.columns)
        low, high, _ = features.column_ranges
        ends = to_user(np.stack([low, high]))[:, [ix, iy]]
        return cls(
            features=features,
            xy=features.user_columns([ix, iy]),  # C order, as the view wants them
            project=lambda c: to_user(c)[:, [ix, iy]],
            x_label=columns[ix],
            y_label=columns[iy],
            axes=(ix, iy),
            bounds=(ends.min(axis=0), ends.max(axis=0)),
        )

    @classmethod
    def of_components(
        cls, features: Any, scores: np.ndarray, affine: np.ndarray, explained: np.ndarray
    ) -> PlotSpace:
        """Principal components (from the engine's ``projection`` job), which are affine in
        the fit's features: centroids map with the same ``[C, 1] @ affine``."""
        scaled = features.scaler.kind != "none"
        of = " of the scaled features" if scaled else ""

        def label(i: int) -> str:
            return f"principal component {i + 1}{of} ({100 * explained[i]:.0f}% of the variance)"

        xy = np.asarray(scores, dtype=np.float64)
        return cls(
            features=features,
            xy=xy,
            project=lambda c: np.column_stack([c, np.ones(len(c))]) @ affine,
            x_label=label(0),
            y_label=label(1) if len(explained) > 1 else "",
            bounds=xy_bounds(xy),
        )

    @property
    def is_feature_space(self) -> bool:
        """The plot's axes are the fit's only two features: regions and drags are exact."""
        return (
            self.axes is not None and self.features.X.shape[1] == 2 and self.axes[0] != self.axes[1]
        )

    @property
    def can_place(self) -> bool:
        """A click can stand for a centroid: the plot shows feature columns."""
        return self.axes is not None

    def to_fit_units(self, points: np.ndarray) -> np.ndarray:
        """Plot points (M, 2) as (M, D) fit-unit centroids; features not plotted sit at their
        mean over the data (a new centroid's best guess where the plot says nothing)."""
        features = self.features
        mean = features.X.mean(axis=0, keepdims=True)
        points = np.asarray(points, dtype=np.float64).reshape(-1, 2)
        return self.moved_to(np.tile(mean, (len(points), 1)), points)

    def moved_to(self, centroids: np.ndarray, points: np.ndarray) -> np.ndarray:
        """Fit-unit centroids (M, D) moved to plot points (M, 2): the two plotted features take
        the points' values, the others keep the centroids' own (a drag moves a centroid in the
        plane the user sees, nowhere else)."""
        if self.axes is None:
            raise ValueError("principal components cannot be mapped back to feature values")
        features = self.features
        user = np.array(features.to_user_units(np.asarray(centroids, dtype=np.float64)))
        points = np.asarray(points, dtype=np.float64).reshape(-1, 2)
        user[:, self.axes[0]] = points[:, 0]
        user[:, self.axes[1]] = points[:, 1]
        return features.to_fit_units(user)

    def regions(self, centroids: np.ndarray, metric: str) -> Regions | None:
        """Nearest centroid of plot points, computed where the fit works (its units and metric),
        or None where the plot is not the feature space."""
        if not self.is_feature_space:
            return None
        features = self.features
        ix, iy = self.axes

        def nearest_region(points: np.ndarray) -> np.ndarray:
            user = np.empty_like(points)
            user[:, [ix, iy]] = points
            return nearest(features.to_fit_units(user), centroids, metric)[0]

        # Euclidean and cosine cells are convex in the fit's units, and so in the plot (an
        # affine image of them); Manhattan cells need not be.
        return Regions(nearest_region, convex=metric != "manhattan")


def xy_bounds(xy: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """The (low, high) of finite points (N, 2) per axis; None when there are none. Plain
    min/max first: NumPy's nanmin copies the array, five times slower at a million points."""
    if len(xy) == 0:
        return None
    low, high = xy.min(axis=0), xy.max(axis=0)
    if not (np.isfinite(low).all() and np.isfinite(high).all()):
        finite = xy[np.isfinite(xy).all(axis=1)]
        if len(finite) == 0:
            return None
        low, high = finite.min(axis=0), finite.max(axis=0)
    return low, high
