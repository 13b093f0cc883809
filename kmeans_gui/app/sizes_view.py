"""Cluster sizes as bars in the clusters' own colours."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QWidget

from .axes import transform_with_range
from .palette import cluster_colours


class SizesView(pg.PlotWidget):
    """Rows per cluster for the shown iteration."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, background="w")
        self.plotItem.setLabel("bottom", "cluster")
        self.plotItem.setLabel("left", "rows")
        self.plotItem.setMenuEnabled(False)
        self.plotItem.hideButtons()
        self.plotItem.setMouseEnabled(x=False, y=False)
        self.bars: pg.BarGraphItem | None = None
        self.sizes = np.empty(0, np.int64)
        self._y_top = 0.0
        transform_with_range(self.plotItem.vb)

    def set_sizes(self, sizes: np.ndarray | None) -> None:
        sizes = np.empty(0, np.int64) if sizes is None else np.asarray(sizes)
        same_k = self.bars is not None and len(sizes) == len(self.sizes)
        self.sizes = sizes
        if len(sizes) == 0:
            if self.bars is not None:
                self.plotItem.removeItem(self.bars)
                self.bars = None
                self.plotItem.getAxis("bottom").setTicks(None)
                self.plotItem.setRange(xRange=(0, 1), yRange=(0, 1), padding=0)
                self._y_top = 0.0
            return
        x = np.arange(len(sizes))
        if same_k:
            self.bars.setOpts(height=sizes)
        else:
            if self.bars is not None:
                self.plotItem.removeItem(self.bars)
            brushes = [pg.mkBrush(*c) for c in cluster_colours(len(sizes))]
            self.bars = pg.BarGraphItem(x=x, height=sizes, width=0.8, brushes=brushes, pen=None)
            self.plotItem.addItem(self.bars)
            ticks = [(i, str(i)) for i in x] if len(x) <= 20 else None
            self.plotItem.getAxis("bottom").setTicks([ticks] if ticks else None)
            self.plotItem.setXRange(-0.6, len(sizes) - 0.4, padding=0)
        # Rescale only when the bars outgrow the axis or shrink far below it: a moving axis
        # re-lays out and repaints the whole plot every frame.
        top = max(int(sizes.max()), 1) * 1.08
        if not same_k or top > self._y_top or top < 0.6 * self._y_top:
            self._y_top = top
            self.plotItem.setYRange(0, top, padding=0)
