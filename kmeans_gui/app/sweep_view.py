"""Choose k: a sweep over a range of k, plotting inertia (the elbow) and mean silhouette.

The sweep runs in the engine process and its results live in the window's
:class:`~kmeans_gui.app.sweep_session.SweepSession`; this view collects the range, shows
progress with a Cancel button, draws the points it is given and turns a click into a k.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from .axes import IntegerAxisItem
from .palette import OKABE_ITO


class SweepView(QWidget):
    """Emits ``sweepRequested(ks)``, ``cancelRequested()`` and ``kChosen(k)`` (a plot click)."""

    sweepRequested = Signal(list)
    cancelRequested = Signal()
    kChosen = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.k_from = QSpinBox(minimum=1, maximum=500, value=2)
        self.k_to = QSpinBox(minimum=2, maximum=500, value=10)
        self.run_button = QPushButton("Sweep")
        self.run_button.setToolTip(
            "Cluster once for every k in the range (uses the settings above)"
        )
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setEnabled(False)
        self.progress = QProgressBar()
        self.progress.setTextVisible(True)
        self.progress.setMaximumHeight(16)
        self.note = QLabel("Click a k in either plot to use it.")
        self.note.setWordWrap(True)
        self.note.setObjectName("quiet")

        self.inertia_plot = pg.PlotWidget(
            background="w", axisItems={"bottom": IntegerAxisItem("bottom")}
        )
        self.silhouette_plot = pg.PlotWidget(
            background="w", axisItems={"bottom": IntegerAxisItem("bottom")}
        )
        # silhouette lies in [-1, 1]: an SI prefix would label 0.45 as 450 "(x0.001)"
        self.silhouette_plot.getAxis("left").enableAutoSIPrefix(False)
        for plot, label, colour in (
            (self.inertia_plot, "inertia", OKABE_ITO[0]),
            (self.silhouette_plot, "silhouette", OKABE_ITO[3]),
        ):
            plot.plotItem.setLabel("left", label)
            plot.plotItem.setLabel("bottom", "k")
            plot.plotItem.setMenuEnabled(False)
            plot.plotItem.hideButtons()
            plot.setMinimumHeight(90)
            plot.scene().sigMouseClicked.connect(
                lambda event, p=plot: self._on_plot_clicked(p, event)
            )
            plot.curve = plot.plotItem.plot(
                [], [], pen=pg.mkPen(colour, width=2), symbol="o", symbolSize=7,
                symbolBrush=colour, symbolPen=None,
            )  # fmt: skip
            plot.chosen = pg.ScatterPlotItem(
                size=13, pen=pg.mkPen("k", width=2), brush=pg.mkBrush(0, 0, 0, 0)
            )
            plot.plotItem.addItem(plot.chosen)
        self.silhouette_plot.setXLink(self.inertia_plot)

        # Two short rows rather than one long one: the dock's minimum width is this view's,
        # and a wide minimum squeezes the data and algorithm docks on a small screen.
        row = QHBoxLayout()
        row.addWidget(QLabel("k from"))
        row.addWidget(self.k_from)
        row.addWidget(QLabel("to"))
        row.addWidget(self.k_to)
        row.addStretch(1)
        actions = QHBoxLayout()
        for button in (self.run_button, self.cancel_button):
            button.setMinimumWidth(56)
            actions.addWidget(button)
        actions.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addLayout(actions)
        layout.addWidget(self.progress)  # full width: "cancelled after 12 values of k" fits
        layout.addWidget(self.inertia_plot, 1)
        layout.addWidget(self.silhouette_plot, 1)
        layout.addWidget(self.note)

        self.run_button.clicked.connect(self._request)
        self.cancel_button.clicked.connect(self.cancelRequested)
        self._shown: list = []  # the SweepPoints drawn (the session's list)
        self.reset()

    # -- told by the window ----------------------------------------------------------------
    def reset(self) -> None:
        self._shown = []
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress.setFormat("no sweep yet")
        self._redraw()

    def set_running(self, running: bool, total: int = 0) -> None:
        self.run_button.setEnabled(not running)
        self.cancel_button.setEnabled(running)
        if running:
            self._shown = []
            self.progress.setRange(0, max(total, 1))
            self.progress.setValue(0)
            self.progress.setFormat(f"%v of {total} values of k")
            self._redraw()

    def show_points(self, points: list, n_rows: int | None = None) -> None:
        """Draw ``points`` (SweepPoints: k, inertia, silhouette, sample_size, …), the sweep so
        far; ``n_rows`` is how many rows were clustered (to say "all rows" when the silhouette
        saw every one)."""
        self._shown = list(points)
        self.progress.setValue(len(self._shown))
        sample = getattr(self._shown[-1], "sample_size", 0) if self._shown else 0
        if sample:
            rows = "all" if n_rows is not None and sample >= n_rows else "a seeded sample of"
            self.note.setText(f"Silhouette on {rows} {sample:,} rows. Click a k to use it.")
        self._redraw()

    def finish(self, message: str) -> None:
        self.set_running(False)
        self.progress.setFormat(message)

    def mark_k(self, k: int) -> None:
        for plot, values in (
            (self.inertia_plot, {p.k: p.inertia for p in self._shown}),
            (self.silhouette_plot, {p.k: p.silhouette for p in self._shown}),
        ):
            value = values.get(k)
            if value is None or not math.isfinite(value):
                plot.chosen.clear()
            else:
                plot.chosen.setData([k], [value])

    def ks(self) -> list[int]:
        lo, hi = sorted((self.k_from.value(), self.k_to.value()))
        return list(range(lo, hi + 1))

    # -- internals -------------------------------------------------------------------------
    def _request(self) -> None:
        self.sweepRequested.emit(self.ks())

    def _redraw(self) -> None:
        pts = sorted(self._shown, key=lambda p: p.k)
        ks = np.array([p.k for p in pts], dtype=float)
        inertia = np.array([p.inertia for p in pts], dtype=float)
        silhouette = np.array([p.silhouette for p in pts], dtype=float)
        finite = np.isfinite(silhouette)
        self.inertia_plot.curve.setData(ks, inertia)
        self.silhouette_plot.curve.setData(ks[finite], silhouette[finite])
        if not pts:
            self.inertia_plot.chosen.clear()
            self.silhouette_plot.chosen.clear()

    def _on_plot_clicked(self, plot: pg.PlotWidget, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton or not self._shown:
            return
        vb = plot.plotItem.vb
        if not vb.sceneBoundingRect().contains(event.scenePos()):
            return
        x = vb.mapSceneToView(event.scenePos()).x()
        k = min((p.k for p in self._shown), key=lambda k: abs(k - x))
        self.mark_k(k)
        self.kChosen.emit(int(k))
