"""The scatter's legend: each cluster's colour, number, size and share, for the frame shown.

One painted item in a corner of the plot (drag it elsewhere), not a widget per entry: a frame
only changes numbers, so an update is a bincount of the labels and a repaint. Large k stays
compact: up to :data:`MAX_COLUMNS` columns of at most :data:`MAX_ROWS` rows (fewer when the plot
is short), and "+N more" in the last place when the clusters do not all fit. The legend is part
of the plot's scene, so exports and animation frames draw it as the screen does.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPen

from .palette import cluster_colours

MAX_ROWS = 10
MAX_COLUMNS = 3
MARGIN = 6.0  # inside the frame, pixels
SWATCH = 9.0  # diameter of a colour disc
COLUMN_GAP = 12.0
PART_GAP = 7.0  # between a cluster's number, size and share
CORNER_OFFSET = (-10, 10)  # from the plot's top-right corner


class ClusterLegend(pg.GraphicsWidgetAnchor, pg.GraphicsWidget):
    """Attach to a ViewBox; :meth:`show_labels` per frame (None: no run, hidden)."""

    def __init__(self, view_box: pg.ViewBox, point_size: float = 8.5) -> None:
        pg.GraphicsWidget.__init__(self)
        pg.GraphicsWidgetAnchor.__init__(self)
        self.setZValue(100)
        self._font = QFont()
        self._font.setPointSizeF(point_size)
        self._labels: np.ndarray | None = None
        self.sizes: np.ndarray | None = None  # points per cluster, for the frame shown
        self.enabled = True  # the user's View > Legend
        self._row_height = 0.0
        self._widths: tuple[float, ...] = (0.0, 0.0, 0.0)
        self._cells: list[tuple[QPointF, int | None, str]] = []  # (origin, cluster, text)
        self.setParentItem(view_box)
        self.anchor(itemPos=(1, 0), parentPos=(1, 0), offset=CORNER_OFFSET)
        view_box.sigResized.connect(self._relayout)
        self.hide()

    # -- intent ----------------------------------------------------------------------------
    def show_labels(
        self, labels: np.ndarray | None, k: int, sizes: np.ndarray | None = None
    ) -> None:
        """The clusters of ``labels`` (N,) in a k-cluster palette, of ``sizes`` (k,) points when
        the caller has them (a state's own counts: counting a million labels took 3-10 ms of
        every frame); the same array again is free."""
        if labels is None or k < 1:
            self._labels, self.sizes = None, None
        elif labels is not self._labels:
            self._labels = labels
            self.sizes = (
                np.bincount(labels, minlength=k)[:k] if sizes is None else np.asarray(sizes)[:k]
            )
        self._relayout()

    def set_enabled(self, on: bool) -> None:
        self.enabled = on
        self._relayout()

    def entries(self) -> list[str]:
        """The texts shown, in order (for tests and tooltips)."""
        return [
            "   ".join(parts[:1]) + ("   " + "  ".join(parts[1:]) if parts[1:] else "")
            for _, _, parts in self._cells
        ]

    # -- layout and painting ---------------------------------------------------------------
    def _metrics(self) -> QFontMetricsF:
        return QFontMetricsF(self._font)

    def _relayout(self, *args) -> None:
        sizes = self.sizes
        if sizes is None or not self.enabled or len(sizes) == 0:
            self._cells = []
            self.hide()
            return
        metrics = self._metrics()
        row_height = metrics.height() + 2
        parent = self.parentItem()
        room = (parent.height() if parent is not None else 400) - 2 * MARGIN - 24
        rows = max(2, min(MAX_ROWS, int(room // row_height)))
        k = len(sizes)
        columns = min(MAX_COLUMNS, math.ceil(k / rows))
        shown = k if k <= rows * columns else rows * columns - 1
        rows = math.ceil((shown + (shown < k)) / columns)
        total = max(int(sizes.sum()), 1)
        entries: list[tuple[int | None, tuple[str, ...]]] = [
            (c, (str(c), f"{int(sizes[c]):,}", f"({100 * sizes[c] / total:.0f}%)"))
            for c in range(shown)
        ]
        # three aligned sub-columns: number, size (right-aligned), share (right-aligned)
        self._widths = tuple(
            max((metrics.horizontalAdvance(parts[i]) for _, parts in entries), default=0.0)
            for i in range(3)
        )
        text_width = self._widths[0] + PART_GAP + self._widths[1] + PART_GAP + self._widths[2]
        if shown < k:
            more = f"+{k - shown} more"
            entries.append((None, (more,)))
            text_width = max(text_width, metrics.horizontalAdvance(more) - SWATCH - 5)
        cell_width = SWATCH + 5 + text_width
        self._cells = []
        for i, (cluster, text) in enumerate(entries):
            column, row = divmod(i, rows)
            origin = QPointF(MARGIN + column * (cell_width + COLUMN_GAP), MARGIN + row * row_height)
            self._cells.append((origin, cluster, text))
        used_columns = math.ceil(len(entries) / rows)
        width = 2 * MARGIN + used_columns * cell_width + (used_columns - 1) * COLUMN_GAP
        height = 2 * MARGIN + rows * row_height - 2
        self._row_height = row_height
        size = self.size()
        if (size.width(), size.height()) != (width, height) or not self.isVisible():
            # only a new size re-lays out the plot: most frames change the texts alone
            self.prepareGeometryChange()
            self.setMinimumSize(width, height)
            self.setMaximumSize(width, height)
            self.resize(width, height)
        self.show()
        self.update()

    def paint(self, painter: QPainter, *args) -> None:
        if not self._cells:
            return
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        rect = QRectF(0, 0, self.size().width(), self.size().height())
        painter.setPen(QPen(QColor(120, 120, 120, 200), 1))
        painter.setBrush(QColor(255, 255, 255, 225))
        painter.drawRoundedRect(rect.adjusted(0.5, 0.5, -0.5, -0.5), 3, 3)
        colours = cluster_colours(len(self.sizes))
        painter.setFont(self._font)
        middle = (self._row_height - 2) / 2
        left = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
        right = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        height = self._row_height - 2
        w_number, w_size, w_share = self._widths
        for origin, cluster, parts in self._cells:
            x, y = origin.x(), origin.y()
            if cluster is not None:
                r, g, b, _ = (int(v) for v in colours[cluster])
                painter.setPen(QPen(QColor(20, 20, 20), 0.8))
                painter.setBrush(QColor(r, g, b))
                painter.drawEllipse(QPointF(x + SWATCH / 2, y + middle), SWATCH / 2, SWATCH / 2)
                text_x = x + SWATCH + 5
            else:
                text_x = x
            painter.setPen(QColor(30, 30, 30))
            if len(parts) == 1:
                painter.drawText(QRectF(text_x, y, rect.width(), height), left, parts[0])
                continue
            number, size, share = parts
            painter.drawText(QRectF(text_x, y, w_number, height), left, number)
            x_size = text_x + w_number + PART_GAP
            painter.drawText(QRectF(x_size, y, w_size, height), right, size)
            x_share = x_size + w_size + PART_GAP
            painter.drawText(QRectF(x_share, y, w_share, height), right, share)

    # -- mouse: the legend can be dragged out of the way --------------------------------------
    def mouseDragEvent(self, event) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            event.accept()
            self.autoAnchor(self.pos() + (event.pos() - event.lastPos()))

    def mouseClickEvent(self, event) -> None:
        event.accept()  # a click on the legend places no centroid
