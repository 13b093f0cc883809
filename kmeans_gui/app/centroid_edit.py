"""Centroids the user has moved, added or removed, before a run or while it is paused.

An edit starts from the centroids on screen (none before a run) and records, for every
centroid it holds, which of those it came from, so the points can keep the colours they had:
the edit changes the centroids only; the next assignment, when the run goes on, recolours the
points. Points whose centroid was removed have none until then (drawn grey). Plain NumPy, no
Qt; every gesture returns a new :class:`CentroidEdit`.

Coordinates are the fit's units (those of the engine's centroids); the window maps mouse
positions through :class:`~kmeans_gui.app.plot_space.PlotSpace`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, eq=False)
class CentroidEdit:
    """``centroids`` (K, D) fit units; ``origin[i]`` is the index, among the centroids the edit
    started from (``base_k`` of them), of the one centroid ``i`` was, or None if it was added."""

    centroids: np.ndarray
    origin: tuple[int | None, ...]
    base_k: int

    @classmethod
    def of(cls, centroids: np.ndarray) -> CentroidEdit:
        """An edit of ``centroids`` that has not changed anything yet."""
        centroids = np.array(centroids, dtype=np.float64, ndmin=2)
        return cls(centroids, tuple(range(len(centroids))), len(centroids))

    @classmethod
    def empty(cls, n_features: int) -> CentroidEdit:
        """Before a run: no centroid yet (the user places them)."""
        return cls(np.empty((0, n_features)), (), 0)

    @property
    def k(self) -> int:
        return len(self.centroids)

    def moved(self, index: int, centroid: np.ndarray) -> CentroidEdit:
        centroids = self.centroids.copy()
        centroids[index] = centroid
        return CentroidEdit(centroids, self.origin, self.base_k)

    def added(self, centroid: np.ndarray) -> CentroidEdit:
        centroids = np.vstack([self.centroids, np.asarray(centroid, np.float64).reshape(1, -1)])
        return CentroidEdit(centroids, (*self.origin, None), self.base_k)

    def removed(self, index: int) -> CentroidEdit:
        """Without centroid ``index``; the last centroid takes its number (and so its
        colour), so that every other cluster keeps its colour."""
        keep = list(range(self.k))
        keep[index] = keep[-1]
        keep.pop()
        origin = tuple(self.origin[i] for i in keep)
        return CentroidEdit(self.centroids[keep], origin, self.base_k)

    def relabel(self, labels: np.ndarray | None) -> np.ndarray | None:
        """The base's labels in this edit's numbering; points whose centroid was removed get
        ``k`` (no centroid: drawn grey)."""
        if labels is None:
            return None
        table = np.full(max(self.base_k, int(labels.max(initial=0)) + 1), self.k, np.int64)
        for new, old in enumerate(self.origin):
            if old is not None:
                table[old] = new
        out = table[labels]
        dtype = labels.dtype if self.k < np.iinfo(labels.dtype).max else np.int64
        return out.astype(dtype, copy=False)
