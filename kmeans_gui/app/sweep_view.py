"""Choose k: a sweep over a range of k, plotting inertia (the elbow), the mean silhouette,
Calinski-Harabasz, Davies-Bouldin and the gap statistic (with its standard error) on one k axis,
and the k each rule suggests (``engine.suggestions``: the gap's 1-SE rule, the best silhouette,
the Kneedle elbow), each a click away.

The sweep runs in the engine process and its results live in the window's
:class:`~kmeans_gui.app.sweep_session.SweepSession`; this view collects the range and the
number of gap reference sets, shows progress with a Cancel button, draws the points it is
given and turns a click (on a plot or a suggestion) into a k.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from kmeans_gui.engine.choices import DEFAULT_GAP_REFERENCES
from kmeans_gui.engine.suggestions import SuggestedK, suggest_k

from .axes import IntegerAxisItem
from .palette import OKABE_ITO

#: (SweepPoint field, plot title, colour, the suggestion marked on it)
SCORES = (
    ("inertia", "inertia (the elbow)", OKABE_ITO[0], "elbow"),
    ("silhouette", "mean silhouette (higher is better)", OKABE_ITO[3], "silhouette"),
    ("calinski_harabasz", "Calinski–Harabasz (higher is better)", OKABE_ITO[2], None),
    ("davies_bouldin", "Davies–Bouldin (lower is better)", OKABE_ITO[4], None),
    ("gap", "gap statistic ± its standard error", OKABE_ITO[1], "gap"),
)
RULES = {
    "gap": "the gap statistic's 1-SE rule (Tibshirani et al. 2001): the smallest k whose gap "
    "is within one standard error of the next k's",
    "silhouette": "the highest mean silhouette",
    "elbow": "the elbow of the inertia curve (the Kneedle method)",
}


class SweepView(QWidget):
    """Emits ``sweepRequested(ks)``, ``cancelRequested()`` and ``kChosen(k)`` (a click on a
    plot or on a suggestion)."""

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
        self.note = QLabel("Click a k in any plot, or a suggestion, to use it.")
        self.note.setWordWrap(True)
        self.note.setObjectName("quiet")

        self.gap_spin = QSpinBox(minimum=0, maximum=100, value=DEFAULT_GAP_REFERENCES)
        self.gap_spin.setToolTip(
            "Reference sets B of the gap statistic: each costs one more fit per k on the sample "
            "(10 is the usual; fewer makes a long sweep quicker, 0 leaves the gap out)"
        )

        self.plots: dict[str, pg.PlotWidget] = {}
        for field, title, colour, _rule in SCORES:
            plot = pg.PlotWidget(background="w", axisItems={"bottom": IntegerAxisItem("bottom")})
            plot.plotItem.setTitle(title, size="8pt")
            plot.plotItem.setMenuEnabled(False)
            plot.plotItem.hideButtons()
            plot.plotItem.showGrid(x=True, y=False, alpha=0.25)
            plot.setMinimumHeight(88)
            # scores of order 1: an SI prefix would label 0.45 as 450 "(x0.001)"
            plot.getAxis("left").enableAutoSIPrefix(field == "inertia")
            plot.getAxis("left").setWidth(48)  # one width: the k axes line up
            plot.scene().sigMouseClicked.connect(
                lambda event, p=plot: self._on_plot_clicked(p, event)
            )
            plot.curve = plot.plotItem.plot(
                [], [], pen=pg.mkPen(colour, width=2), symbol="o", symbolSize=7,
                symbolBrush=colour, symbolPen=None,
            )  # fmt: skip
            plot.suggested = pg.ScatterPlotItem(
                size=17, symbol="star", pen=pg.mkPen("k", width=1), brush=pg.mkBrush(colour)
            )
            plot.plotItem.addItem(plot.suggested)
            plot.chosen = pg.ScatterPlotItem(
                size=13, pen=pg.mkPen("k", width=2), brush=pg.mkBrush(0, 0, 0, 0)
            )
            plot.plotItem.addItem(plot.chosen)
            if field != SCORES[0][0]:
                plot.setXLink(self.plots[SCORES[0][0]])  # one k axis for all
            self.plots[field] = plot
        self.inertia_plot = self.plots["inertia"]
        self.silhouette_plot = self.plots["silhouette"]
        self.gap_bars = pg.ErrorBarItem(beam=0.25, pen=pg.mkPen(OKABE_ITO[1], width=1.5))
        self.plots["gap"].plotItem.addItem(self.gap_bars)

        self.suggestion_buttons: dict[str, QPushButton] = {}
        suggestions = QHBoxLayout()
        suggestions.addWidget(QLabel("Suggested:"))
        for rule, why in RULES.items():
            button = QPushButton()
            button.setFlat(True)
            button.setObjectName("suggestion")
            button.setToolTip(f"The k of {why}; click to use it")
            button.clicked.connect(lambda _=False, r=rule: self._choose_suggestion(r))
            button.hide()
            self.suggestion_buttons[rule] = button
            suggestions.addWidget(button)
        suggestions.addStretch(1)
        self.suggested: SuggestedK | None = None
        self._references = self.gap_spin.value()

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
        actions.addWidget(QLabel("gap B"))
        actions.addWidget(self.gap_spin)
        plots = QWidget()
        column = QVBoxLayout(plots)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        for plot in self.plots.values():
            column.addWidget(plot, 1)
        scroll = QScrollArea()  # five plots: they scroll in a short dock rather than squash
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(plots)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addLayout(actions)
        layout.addWidget(self.progress)  # full width: "cancelled after 12 values of k" fits
        layout.addLayout(suggestions)
        layout.addWidget(scroll, 1)
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
            self._references = self.gap_spin.value()  # the B this sweep runs with
            self._shown = []
            self.progress.setRange(0, max(total, 1))
            self.progress.setValue(0)
            self.progress.setFormat(f"%v of {total} values of k")
            self._redraw()

    def show_points(self, points: list, n_rows: int | None = None) -> None:
        """Draw ``points`` (SweepPoints: k, inertia, silhouette, the other scores, the sample),
        the sweep so far. ``n_rows``, how many rows were clustered, is for points that do not
        say it themselves."""
        self._shown = list(points)
        self.progress.setValue(len(self._shown))
        if self._shown:
            self.note.setText(self._sample_note(self._shown[-1], n_rows))
        self._redraw()

    def _sample_note(self, point, n_rows: int | None) -> str:
        """What the scores saw: "all 150 rows", or which saw a seeded sample; and B."""
        if not point.n_rows and n_rows is not None:
            point = dataclasses.replace(point, n_rows=n_rows)
        has_gap = not math.isnan(point.gap)
        if point.n_rows and point.sample_size >= point.n_rows:
            text = f"Every score on all {point.n_rows:,} rows"
        else:
            sampled = "silhouette and the gap" if has_gap else "silhouette"
            text = f"The {sampled} on {point.sample_note}, the other scores on all rows"
        gap = f"gap from B = {self._references} reference sets" if has_gap else "no gap (B = 0)"
        return f"{text}; {gap}. Click a k, or a suggestion, to use it."

    def gap_references(self) -> int:
        """B, the number of reference sets of the gap statistic (0: no gap statistic)."""
        return self.gap_spin.value()

    def finish(self, message: str) -> None:
        self.set_running(False)
        self.progress.setFormat(message)

    def mark_k(self, k: int) -> None:
        for field, plot in self.plots.items():
            value = {p.k: getattr(p, field) for p in self._shown}.get(k)
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
        for field, plot in self.plots.items():
            values = np.array([getattr(p, field) for p in pts], dtype=float)
            finite = np.isfinite(values)
            plot.curve.setData(ks[finite], values[finite])
            if not pts:
                plot.chosen.clear()
        gap = np.array([p.gap for p in pts], dtype=float)
        se = np.array([p.gap_se for p in pts], dtype=float)
        finite = np.isfinite(gap) & np.isfinite(se)
        self.gap_bars.setData(x=ks[finite], y=gap[finite], height=2 * se[finite])
        self._show_suggestions(pts)

    def _show_suggestions(self, pts: list) -> None:
        """Star each rule's k on its curve and offer it as a button."""
        self.suggested = suggest_k(pts) if pts else None
        for field, _title, _colour, rule in SCORES:
            if rule is None:
                continue
            plot = self.plots[field]
            k = getattr(self.suggested, rule) if self.suggested is not None else None
            value = {p.k: getattr(p, field) for p in pts}.get(k)
            button = self.suggestion_buttons[rule]
            if k is None or value is None or not math.isfinite(value):
                plot.suggested.clear()
                button.hide()
                continue
            plot.suggested.setData([k], [value])
            button.setText(f"{rule}: k = {k}")
            button.show()

    def _choose_suggestion(self, rule: str) -> None:
        k = getattr(self.suggested, rule) if self.suggested is not None else None
        if k is not None:
            self.mark_k(k)
            self.kChosen.emit(int(k))

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
