"""Which point is under the mouse: a bucket grid over the plotted points, built once per plot.

A hover asks for the point nearest the cursor within a few pixels, at any zoom, a million
points or more. The points are sorted once into a G x G grid whose cell edges are quantiles of
each axis (so a dense cluster gets small cells, an outlier does not stretch the grid), about
four points a cell; a query gathers the few cells the pixel radius covers, as contiguous slices
of the sorted points, and measures only those: vectorised, no Python loop over rows or cells.
Building costs a few hundred milliseconds at a million points (two binary searches and a sort),
so the view builds it on a worker thread once per plot (NumPy releases the GIL meanwhile).
Plain NumPy; the index knows nothing of Qt.
"""

from __future__ import annotations

import numpy as np

POINTS_PER_CELL = 4
MAX_CELLS_PER_AXIS = 1024  # 1M cells of start offsets (8 MiB) at most
EDGE_SAMPLE = 200_000  # rows the quantile edges are estimated from


class PointIndex:
    """Nearest point to a plot position, in units of a per-axis radius (pixels made round)."""

    def __init__(self, xy: np.ndarray, seed: int = 0) -> None:
        xy = np.asarray(xy, dtype=np.float64)
        self.n_points = len(xy)
        rows = np.flatnonzero(np.isfinite(xy).all(axis=1))
        g = int(np.clip(np.sqrt(max(rows.size, 1) / POINTS_PER_CELL), 1, MAX_CELLS_PER_AXIS))
        self.g = g
        sample = rows
        if rows.size > EDGE_SAMPLE:
            sample = np.random.default_rng(seed).choice(rows, EDGE_SAMPLE, replace=False)
        q = np.linspace(0, 1, g + 1)[1:-1]
        self._x_edges = np.quantile(xy[sample, 0], q) if rows.size else np.empty(0)
        self._y_edges = np.quantile(xy[sample, 1], q) if rows.size else np.empty(0)
        cell = self._cells(xy[rows, 0], xy[rows, 1])
        order = np.argsort(cell)
        self._rows = rows[order]  # point numbers, sorted by cell
        self._xy = np.ascontiguousarray(xy[self._rows])
        counts = np.bincount(cell, minlength=g * g)
        self._starts = np.concatenate([[0], np.cumsum(counts)])  # cell c: [starts[c], starts[c+1])

    def _cells(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        cx = np.searchsorted(self._x_edges, x, side="right")
        cy = np.searchsorted(self._y_edges, y, side="right")
        return (cy * self.g + cx).astype(np.int32)

    def nearest(self, x: float, y: float, rx: float, ry: float) -> int:
        """The point nearest (x, y) inside the ellipse of radii (rx, ry) around it (plot units;
        a pixel radius times the view's units per pixel), measured in radii; -1 if none."""
        if self._rows.size == 0 or not (rx > 0 and ry > 0):
            return -1
        g = self.g
        cx0, cx1 = np.searchsorted(self._x_edges, [x - rx, x + rx], side="right")
        cy0, cy1 = np.searchsorted(self._y_edges, [y - ry, y + ry], side="right")
        row_cells = np.arange(cy0, cy1 + 1) * g
        lo = self._starts[row_cells + cx0]  # one contiguous slice per grid row
        hi = self._starts[row_cells + cx1 + 1]
        lengths = hi - lo
        total = int(lengths.sum())
        if total == 0:
            return -1
        offsets = np.repeat(lo - (np.cumsum(lengths) - lengths), lengths)
        candidates = np.arange(total) + offsets
        dx = (self._xy[candidates, 0] - x) / rx
        dy = (self._xy[candidates, 1] - y) / ry
        d = dx * dx + dy * dy
        best = int(np.argmin(d))
        return int(self._rows[candidates[best]]) if d[best] <= 1.0 else -1


def nearest_within(points: np.ndarray, x: float, y: float, rx: float, ry: float) -> int:
    """The index of the nearest of a few ``points`` (K, 2) within radii (rx, ry), or -1."""
    if points is None or len(points) == 0 or not (rx > 0 and ry > 0):
        return -1
    d = ((points[:, 0] - x) / rx) ** 2 + ((points[:, 1] - y) / ry) ** 2
    d = np.where(np.isfinite(d), d, np.inf)
    best = int(np.argmin(d))
    return best if d[best] <= 1.0 else -1
