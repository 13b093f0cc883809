"""Inertia per iteration: the cost curve, with the previous runs kept faintly for comparison.

Watching Lloyd's Newton-like step and gradient descent's many small ones on the same data is the
point of having several algorithms, so the last few runs' curves stay visible until new data is
loaded, each named by its settings; the axes follow the current run's curve.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from .axes import IntegerAxisItem
from .palette import OKABE_ITO

MAX_GHOSTS = 3
MAX_SYMBOLS = 60
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

    def set_current(self, iteration: int | None, inertia: float | None) -> None:
        if iteration is None or inertia is None:
            self.marker.clear()
        else:
            self.marker.setData([iteration], [inertia])

    def keep_as_ghost(self, name: str) -> None:
        """Move the current curve behind the next run's, labelled ``name``."""
        if self.iterations.size < 2:
            return
        pen = pg.mkPen(GHOST_PENS[len(self._ghosts) % len(GHOST_PENS)], width=1.5)
        ghost = pg.PlotDataItem(self.iterations, self.inertias, pen=pen, name=name)
        ghost.setZValue(-1)
        # the axes follow the current run: an earlier, costlier run must not squash it flat
        self.plotItem.addItem(ghost, ignoreBounds=True)
        self._ghosts.append(ghost)
        while len(self._ghosts) > MAX_GHOSTS:
            old = self._ghosts.pop(0)
            self.legend.removeItem(old)
            self.plotItem.removeItem(old)

    def clear_all(self) -> None:
        for ghost in self._ghosts:
            self.legend.removeItem(ghost)
            self.plotItem.removeItem(ghost)
        self._ghosts.clear()
        self.set_curve(np.empty(0), np.empty(0), "this run")
        self.set_current(None, None)
        self.set_edits([])
        self.plotItem.vb.setRange(xRange=(0, 10), yRange=(0, 1), padding=0)  # no stale axes
        self.plotItem.enableAutoRange()
