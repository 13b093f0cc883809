"""Membership lines: a line from every point to its centroid, in the cluster's colour.

They make the assignment visible (Orange's Interactive k-Means draws them too), but they are a
line per point: beyond :data:`MAX_LINES` points they would be a solid smear (and a slow one),
so they are off there and the View menu says why. Drawn under the points, over the regions,
from whatever the scatter shows (``ScatterView.frameDrawn``): states, half-steps and edits.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from .palette import cluster_colours
from .scatter_view import ScatterView

MAX_LINES = 5_000
LINE_ALPHA = 110


def why_off(n_points: int) -> str:
    return (
        f"Membership lines are drawn for up to {MAX_LINES:,} points; this table has "
        f"{n_points:,}, where they would cover the plot."
    )


class MembershipLines:
    """Attached to a :class:`ScatterView`; ``set_on(True)`` to draw them."""

    def __init__(self, scatter: ScatterView) -> None:
        self.scatter = scatter
        self.on = False
        self._items: list[pg.PlotCurveItem] = []
        scatter.frameDrawn.connect(self.redraw)

    def available(self) -> bool:
        xy = self.scatter.xy
        return xy is None or len(xy) <= MAX_LINES

    def set_on(self, on: bool) -> None:
        self.on = bool(on)
        self.redraw()

    def drawn(self) -> int:
        """Lines on the plot now (for tests)."""
        return sum(len(item.xData) // 2 for item in self._items if item.xData is not None)

    def redraw(self) -> None:
        scatter = self.scatter
        xy, labels, centroids = scatter.xy, scatter.labels, scatter.centroids
        if not self.on or xy is None or labels is None or centroids is None or not self.available():
            self._clear()
            return
        k = len(centroids)
        while len(self._items) < k:
            item = pg.PlotCurveItem(connect="pairs", antialias=False)
            item.setZValue(0.5)  # under the points (1), over the regions (-10)
            scatter.plotItem.addItem(item)
            self._items.append(item)
        colours = cluster_colours(k)
        order = np.argsort(labels, kind="stable")
        bounds = np.searchsorted(labels[order], np.arange(k + 1))
        for c in range(k):
            rows = order[bounds[c] : bounds[c + 1]]
            segments = np.empty((2 * rows.size, 2))
            segments[0::2] = xy[rows]
            segments[1::2] = centroids[c]
            r, g, b, _ = (int(v) for v in colours[c])
            self._items[c].setData(
                segments[:, 0], segments[:, 1], pen=pg.mkPen(r, g, b, LINE_ALPHA, width=1)
            )
        for item in self._items[k:]:
            item.setData([], [])

    def _clear(self) -> None:
        for item in self._items:
            item.setData([], [])
