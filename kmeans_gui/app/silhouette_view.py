"""The silhouette plot (Rousseeuw 1987): every row's silhouette as a horizontal bar, sorted within
its cluster, the clusters stacked in their colours, the mean silhouette drawn across.

The values come from the engine process (``engine.silhouette_samples``, in the run's metric and
scaling, via :class:`~kmeans_gui.app.frame_analysis.FrameAnalysis`); this view draws them. Each
cluster is one filled outline, so 20,000 rows cost a few items, not 20,000 bars.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QPainterPath
from PySide6.QtWidgets import QGraphicsPathItem, QLabel, QVBoxLayout, QWidget

from .palette import cluster_colours

GAP_ROWS = 0.04  # the gap between two clusters' bands, as a share of the rows drawn
#: Rows of a cluster drawn as steps; a larger cluster's sorted values are drawn through this
#: many evenly spaced ones (a monotone curve: the same picture at a screen's resolution).
OUTLINE_POINTS = 1000


def silhouette_note(n_values: int, n_rows: int, metric: str, scale: str) -> str:
    """'exact, all 2,780 rows' or 'sample of 20,000 of 1,000,000 rows', and the geometry."""
    rows = (
        f"exact, all {n_rows:,} rows"
        if n_values >= n_rows
        else f"sample of {n_values:,} of {n_rows:,} rows (seeded)"
    )
    scaling = {"none": "unscaled features", "standard": "standardised features"}.get(
        scale, f"{scale}-scaled features"
    )
    return f"Silhouettes: {rows}; {metric} distance on {scaling}."


class SilhouetteView(QWidget):
    """Shows one clustering's silhouettes (:meth:`show_values`) or a note why there are none."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot = pg.PlotWidget(background="w")
        item = self.plot.plotItem
        item.setLabel("bottom", "silhouette")
        item.setLabel("left", "cluster")
        item.setMenuEnabled(False)
        item.hideButtons()
        item.setMouseEnabled(x=False, y=True)
        item.getAxis("bottom").enableAutoSIPrefix(False)
        item.addItem(pg.InfiniteLine(0, angle=90, pen=pg.mkPen(150, 150, 150)))
        self.mean_line = pg.InfiniteLine(
            angle=90, pen=pg.mkPen("k", width=1.5, style=pg.QtCore.Qt.PenStyle.DashLine)
        )
        self.mean_text = pg.TextItem(color="k", fill=(255, 255, 255, 200), anchor=(0, 0))
        for z, mark in enumerate((self.mean_line, self.mean_text), start=10):
            mark.setZValue(z)  # over the bands
            mark.hide()
            item.addItem(mark)
        self.note = QLabel("Run k-means to see each row's silhouette.")
        self.note.setObjectName("quiet")
        self.note.setWordWrap(True)
        self.plot.setToolTip(
            "Each row's silhouette, sorted within its cluster: near 1, well inside its cluster; "
            "near 0, between two; below 0, nearer another cluster"
        )
        layout = QVBoxLayout(self)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.note)
        self._bands: list[QGraphicsPathItem] = []
        self.values: dict[int, np.ndarray] = {}  # cluster -> its silhouettes, sorted, as drawn
        self.mean = float("nan")

    def clear(self, note: str = "") -> None:
        for band in self._bands:
            self.plot.plotItem.removeItem(band)
        self._bands = []
        self.values = {}
        self.mean = float("nan")
        self.mean_line.hide()
        self.mean_text.hide()
        self.plot.plotItem.getAxis("left").setTicks([[]])
        if note:
            self.note.setText(note)

    def set_note(self, note: str) -> None:
        self.note.setText(note)

    def show_values(self, labels: np.ndarray, values: np.ndarray, k: int, mean: float, note: str):
        """Draw ``values`` (one silhouette per row) of rows labelled ``labels`` for clusters
        0..k-1; ``mean`` is the line across, ``note`` what they are (exact or sampled)."""
        self.clear()
        labels = np.asarray(labels)
        values = np.asarray(values, dtype=np.float64)
        colours = cluster_colours(k)
        gap = max(1.0, GAP_ROWS * len(values))
        ticks: list[tuple[float, str]] = []
        top = 0.0  # clusters from the top down: cluster 0 first, as a legend reads
        for cluster in range(k):
            own = np.sort(values[labels == cluster])[::-1]
            self.values[cluster] = own
            if not own.size:
                continue
            band = self._band(own, top)
            band.setBrush(pg.mkBrush(*colours[cluster]))
            band.setPen(pg.mkPen(None))
            band.setToolTip(
                f"Cluster {cluster}: {own.size:,} rows, mean silhouette {own.mean():.3f}, "
                f"{np.count_nonzero(own < 0):,} below 0"
            )
            self.plot.plotItem.addItem(band)
            self._bands.append(band)
            ticks.append((-(top + own.size / 2), f"{cluster}"))
            top += own.size + gap
        self.plot.plotItem.getAxis("left").setTicks([ticks])
        self.mean = float(mean)
        if np.isfinite(self.mean):
            self.mean_line.setValue(self.mean)
            self.mean_text.setText(f"mean {self.mean:.3f}")
            self.mean_text.setPos(self.mean, 0.0)  # at the top, beside the line
            self.mean_line.show()
            self.mean_text.show()
        low = min(-0.1, float(values.min()) - 0.05) if values.size else -0.1
        self.plot.plotItem.setXRange(low, 1.0, padding=0.02)
        self.plot.plotItem.setYRange(-max(top - gap, 1.0), 0, padding=0.02)
        self.note.setText(note)

    @staticmethod
    def _band(sorted_values: np.ndarray, top: float) -> QGraphicsPathItem:
        """One cluster's bars as a closed outline from x = 0, rows going down from ``top``."""
        n = sorted_values.size
        if n <= OUTLINE_POINTS:  # one step per row
            y = -(top + np.arange(n + 1, dtype=np.float64))
            xs = np.repeat(sorted_values, 2)
            ys = np.column_stack([y[:-1], y[1:]]).reshape(-1)
        else:  # through evenly spaced rows of the sorted values
            rows = np.linspace(0, n - 1, OUTLINE_POINTS).round().astype(np.int64)
            xs = sorted_values[rows]
            ys = -(top + rows + 0.5)
            y = np.array([-top, -(top + n)])
        path: QPainterPath = pg.arrayToQPath(
            np.concatenate([[0.0], xs, [0.0]]), np.concatenate([[y[0]], ys, [y[-1]]])
        )
        path.closeSubpath()
        return QGraphicsPathItem(path)

    def shown(self) -> dict[str, Any]:
        """What the plot shows, for tests and exports: the values per cluster and the mean."""
        return {"values": dict(self.values), "mean": self.mean, "note": self.note.text()}
