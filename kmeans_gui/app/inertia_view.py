"""Inertia per iteration: the cost curve, with the previous runs kept faintly for comparison.

Watching Lloyd's Newton-like step and gradient descent's many small ones on the same data is the
point of having several algorithms, so the last few runs' curves stay visible until new data is
loaded, each named by its settings; the axes follow the current run's curve.

The axes move only when the curve leaves them (the iteration axis doubles, the inertia axis keeps
some room below the curve's minimum), not on every frame: a moved axis re-lays out and repaints the
whole plot, and that is most of what a frame costs while a run plays.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from .axes import IntegerAxisItem, transform_with_range
from .palette import OKABE_ITO

MAX_GHOSTS = 3
MAX_SYMBOLS = 60
MIN_ITERATIONS_SHOWN = 2
Y_ABOVE = 0.05  # of the curve's span
Y_BELOW = 0.25  # more room below: the curve falls
Y_ROOM = 0.04  # of the axis: the least room kept below the curve's lowest point
Y_SHRINK = 0.4  # refit the inertia axis when the curve fills less than this of it
GHOST_PENS = ((150, 150, 150), (190, 150, 110), (120, 160, 190))


class InertiaView(pg.PlotWidget):
    """Call :meth:`set_curve` with the shown restart's inertias, :meth:`set_current` per frame."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, background="w", axisItems={"bottom": IntegerAxisItem("bottom")})
        self.plotItem.setLabel("bottom", "iteration")
        self.plotItem.setLabel("left", "inertia")
        self.plotItem.setMenuEnabled(False)
        self.plotItem.hideButtons()
        self.legend = self.plotItem.addLegend(offset=(-10, 10), labelTextSize="8pt")
        self._ghosts: list[pg.PlotDataItem] = []
        self.curve = self.plotItem.plot(
            [], [], pen=pg.mkPen(OKABE_ITO[0], width=2), symbol="o", symbolSize=4,
            symbolBrush=OKABE_ITO[0], symbolPen=None, name="this run",
        )  # fmt: skip
        self.marker = pg.ScatterPlotItem(
            size=11, pen=pg.mkPen("k", width=1.5), brush=pg.mkBrush(OKABE_ITO[1])
        )
        self.marker.setZValue(10)
        self.plotItem.addItem(self.marker)
        self.iterations = np.empty(0)
        self.inertias = np.empty(0)
        self._edit_lines: list[pg.InfiniteLine] = []
        self._x_top = 0.0
        self._y_range: tuple[float, float] | None = None
        self._marked: tuple[float, float] | None = None  # the marker's point, kept in view
        self._follow = True  # until the user pans or zooms; new data resets it
        self.plotItem.vb.sigRangeChangedManually.connect(self._stop_following)
        self.plotItem.vb.disableAutoRange()
        transform_with_range(self.plotItem.vb)

    def set_edits(self, positions: list[float]) -> None:
        """Dashed lines where the user edited the centroids (between two iterations)."""
        if [line.value() for line in self._edit_lines] == list(positions):
            return
        for line in self._edit_lines:
            self.plotItem.removeItem(line)
        pen = pg.mkPen(OKABE_ITO[3], width=1, style=Qt.PenStyle.DashLine)
        self._edit_lines = [pg.InfiniteLine(x, angle=90, pen=pen) for x in positions]
        for line in self._edit_lines:
            line.setToolTip("You edited the centroids here")
            self.plotItem.addItem(line, ignoreBounds=True)

    def set_curve(self, iterations: np.ndarray, inertias: np.ndarray, name: str) -> None:
        self.iterations = np.asarray(iterations, dtype=float)
        self.inertias = np.asarray(inertias, dtype=float)
        symbol = "o" if self.iterations.size <= MAX_SYMBOLS else None  # dots only while sparse
        self.curve.setData(self.iterations, self.inertias, symbol=symbol)
        label = self.legend.getLabel(self.curve)
        if label.text != name:  # a new text re-lays out the whole plot
            label.setText(name)
        self._follow_curve()

    def set_current(self, iteration: int | None, inertia: float | None) -> None:
        if iteration is None or inertia is None:
            self.marker.clear()
            self._marked = None
        else:
            self.marker.setData([iteration], [inertia])
            self._marked = (float(iteration), float(inertia))
            self._follow_curve()

    def _stop_following(self, *_: object) -> None:
        self._follow = False

    def _follow_curve(self) -> None:
        """Keep the curve and the marker in view, moving the axes rarely.

        Both the curve's and the marker's updates ask with the same points (the marker's kept),
        so a marker off the curve does not pull the axes back and forth within a frame.
        """
        if not self._follow or self.iterations.size == 0:
            return
        x, y = self._marked or (None, None)
        vb = self.plotItem.vb
        x_last = max(float(self.iterations.max()), x if x is not None else 0.0)
        if x_last > self._x_top or x_last < self._x_top / 4:
            top = float(MIN_ITERATIONS_SHOWN)
            while top < x_last:
                top *= 2
            self._x_top = top
            vb.setXRange(0, top, padding=0.03)
        values = self.inertias[np.isfinite(self.inertias)]
        if y is not None and np.isfinite(y):
            values = np.append(values, y)
        if values.size == 0:
            return
        low, high = float(values.min()), float(values.max())
        span = high - low or abs(high) * 0.1 or 1.0
        shown = self._y_range
        near_edge = shown is not None and (
            low < shown[0] + Y_ROOM * (shown[1] - shown[0])  # the last point off the edge,
            and not shown[0] <= 0 <= low  # unless the axis starts at zero
        )
        if (
            shown is None
            or near_edge
            or low < shown[0]
            or high > shown[1]
            or span < Y_SHRINK * (shown[1] - shown[0])
        ):
            bottom = low - Y_BELOW * span
            self._y_range = (max(bottom, 0.0) if low >= 0 else bottom, high + Y_ABOVE * span)
            vb.setYRange(*self._y_range, padding=0)

    def keep_as_ghost(self, name: str) -> None:
        """Move the current curve behind the next run's, labelled ``name``."""
        if self.iterations.size < 2:
            return
        pen = pg.mkPen(GHOST_PENS[len(self._ghosts) % len(GHOST_PENS)], width=1.5)
        if len(self._ghosts) >= MAX_GHOSTS:  # the oldest curve becomes the newest: a new item
            ghost = self._ghosts.pop(0)  # and its removal were most of a Run click's cost
            self.legend.removeItem(ghost)
            ghost.setData(self.iterations, self.inertias, pen=pen, name=name)
            self.legend.addItem(ghost, name)
        else:
            ghost = pg.PlotDataItem(self.iterations, self.inertias, pen=pen, name=name)
            ghost.setZValue(-1)
            # the axes follow the current run: an earlier, costlier run must not squash it flat
            self.plotItem.addItem(ghost, ignoreBounds=True)
        self._ghosts.append(ghost)

    def clear_all(self) -> None:
        for ghost in self._ghosts:
            self.legend.removeItem(ghost)
            self.plotItem.removeItem(ghost)
        self._ghosts.clear()
        self.set_curve(np.empty(0), np.empty(0), "this run")
        self.set_current(None, None)
        self.set_edits([])
        self.plotItem.vb.setRange(xRange=(0, 10), yRange=(0, 1), padding=0)  # no stale axes
        self._x_top = 0.0
        self._y_range = None
        self._follow = True
