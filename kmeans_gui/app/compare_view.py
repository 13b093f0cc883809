"""Runs side by side: two scatter views and their inertia curves, one set of playback controls,
and how much the two partitions on screen agree.

The window shows this pane in place of its single scatter when View > Compare is on. Run A
takes the algorithm panel's settings, run B those of the "Run B" panel; both cluster the same
features on the same engine (:class:`~kmeans_gui.app.paired_runs.PairedRuns` plays them in
lockstep). The two plots share their axes (zoom one, the other follows), each draws with the
window's own :class:`~kmeans_gui.app.frame_painter.FramePainter`, and the agreement is the
adjusted Rand index of the two labellings shown (1: the same partition, about 0: unrelated),
recomputed at most a few times a second while playing.
"""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from .frame_painter import FramePainter
from .inertia_view import InertiaView
from .membership_lines import MembershipLines
from .paired_runs import PairedRuns
from .palette import OKABE_ITO
from .plot_space import PlotSpace
from .run_controls import RunControls
from .run_session import RunRequest
from .scatter_view import ScatterView

SIDES = ("A", "B")
SIDE_COLOURS = (OKABE_ITO[0], OKABE_ITO[1])
AGREEMENT_INTERVAL_MS = 200  # the ARI at a million rows takes ~20 ms: not every frame
SHOWN_FIELDS = ("iteration", "inertia", "shift", "changed")
AGREEMENT_TIP = (
    "Adjusted Rand index of the two partitions shown: the share of pairs of points both runs "
    "put together or both keep apart, corrected for chance. 1 = the same clusters (whatever "
    "their numbers), about 0 = unrelated."
)


class _Ignored:
    """Stands in for a view the pane does not have (sizes, per-run slider): calls do nothing."""

    def __getattr__(self, name: str) -> Callable[..., None]:
        return lambda *args, **kwargs: None


class ComparedCurves(InertiaView):
    """Both runs' inertia per iteration on one axis (the inertia view's curve is run A's);
    ``side(i)`` is what a painter draws on."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.marker.setBrush(pg.mkBrush(SIDE_COLOURS[0]))
        b_curve = self.plotItem.plot([], [], pen=pg.mkPen(SIDE_COLOURS[1], width=2), name="B")
        b_marker = pg.ScatterPlotItem(
            size=11, pen=pg.mkPen("k", width=1.5), brush=pg.mkBrush(SIDE_COLOURS[1])
        )
        b_marker.setZValue(10)
        self.plotItem.addItem(b_marker)
        self.sides = (
            _CurveSide(self.plotItem, self.legend, self.curve, self.marker, "A"),
            _CurveSide(self.plotItem, self.legend, b_curve, b_marker, "B"),
        )

    def side(self, index: int) -> _CurveSide:
        return self.sides[index]


class _CurveSide:
    """The InertiaView calls a FramePainter makes, onto one curve of :class:`ComparedCurves`."""

    def __init__(
        self, plot: pg.PlotItem, legend: Any, curve: Any, marker: pg.ScatterPlotItem, letter: str
    ) -> None:
        self.legend, self.curve, self.marker, self.letter = legend, curve, marker, letter
        self.plotItem = plot  # the shared plot, for marks drawn on a side's curve (swaps)
        self.iterations = np.empty(0)
        self.inertias = np.empty(0)

    def set_curve(self, iterations: np.ndarray, inertias: np.ndarray, name: str) -> None:
        self.iterations = np.asarray(iterations, dtype=float)
        self.inertias = np.asarray(inertias, dtype=float)
        self.curve.setData(self.iterations, self.inertias)
        label = self.legend.getLabel(self.curve)
        text = f"{self.letter}: {name}"
        if label.text != text:  # a new text re-lays out the whole plot
            label.setText(text)

    def set_current(self, iteration: float | None, inertia: float | None) -> None:
        if iteration is None or inertia is None:
            self.marker.clear()
        else:
            self.marker.setData([iteration], [inertia])

    def set_edits(self, positions: list[float]) -> None:
        """Runs side by side are not edited by hand: nothing to mark."""


class ComparePane(QWidget):
    """Signals: ``runRequested(paused)`` (the window builds both requests and calls
    :meth:`start`), ``finished()`` once both runs have ended and been shown."""

    runRequested = Signal(bool)
    finished = Signal()

    def __init__(
        self, engine: Any, trails_on: Callable[[], bool], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.pair = PairedRuns(engine, self)
        self.space: PlotSpace | None = None
        self.scatters = (ScatterView(), ScatterView())
        b = self.scatters[1].plotItem.vb
        b.setXLink(self.scatters[0].plotItem.vb)  # zoom one, the other follows
        b.setYLink(self.scatters[0].plotItem.vb)
        self.memberships = tuple(MembershipLines(s) for s in self.scatters)
        self.curves = ComparedCurves()
        self.controls = RunControls()
        self.controls.step_button.setToolTip("Show one more iteration of both runs (Right arrow)")
        self.controls.history_slider.setToolTip("Scrub both runs, in lockstep")
        self.controls.set_restarts({}, None)
        self.titles = tuple(QLabel(f"{letter}: no run yet") for letter in SIDES)
        self.fields = tuple(
            {key: QLabel("") for key in (*SHOWN_FIELDS, "ms", "device")} for _ in SIDES
        )
        self.agreement_label = QLabel("")
        self.agreement_label.setObjectName("agreement")
        self.agreement_label.setToolTip(AGREEMENT_TIP)
        self.agreement_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.agreement_label.setWordWrap(True)
        self.agreement_label.setMinimumWidth(170)
        self.frame_painters = tuple(
            FramePainter(
                session,
                SimpleNamespace(
                    scatter=scatter,
                    sizes_view=_Ignored(),
                    inertia_view=self.curves.side(i),
                    controls=_Ignored(),
                    status_fields=fields,
                ),
                lambda: self.space,
                trails_on,
                self,
                playing=lambda: self.pair.playing,
            )
            for i, (session, scatter, fields) in enumerate(
                zip(self.pair.sessions, self.scatters, self.fields, strict=True)
            )
        )
        self._agreement_timer = QTimer(self, singleShot=True, interval=AGREEMENT_INTERVAL_MS)
        self._agreement_timer.timeout.connect(self._show_agreement)
        self._layout()
        self._connect()
        self._update_controls()

    def _layout(self) -> None:
        grid = QGridLayout()
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(4)
        grid.setVerticalSpacing(0)
        for column, (title, fields, scatter, colour) in enumerate(
            zip(self.titles, self.fields, self.scatters, SIDE_COLOURS, strict=True)
        ):
            title.setStyleSheet(f"font-weight: bold; color: {colour}; padding: 2px 6px;")
            row = QHBoxLayout()
            row.setContentsMargins(6, 0, 6, 2)
            row.setSpacing(14)
            for key in SHOWN_FIELDS:
                row.addWidget(fields[key])
            row.addStretch(1)
            grid.addWidget(title, 0, column)
            grid.addLayout(row, 1, column)
            grid.addWidget(scatter, 2, column)
            grid.setColumnStretch(column, 1)
        grid.setRowStretch(2, 1)
        bottom = QHBoxLayout()
        bottom.setContentsMargins(6, 2, 6, 0)
        self.curves.setMinimumHeight(150)
        self.curves.setMaximumHeight(220)
        bottom.addWidget(self.curves, 1)
        bottom.addWidget(self.agreement_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(grid, 1)
        layout.addLayout(bottom)
        layout.addWidget(self.controls)

    def _connect(self) -> None:
        c, pair = self.controls, self.pair
        c.runClicked.connect(lambda: self.runRequested.emit(False))
        c.pauseClicked.connect(pair.toggle)
        c.stepClicked.connect(self.step)
        c.stopClicked.connect(pair.stop)
        c.resetClicked.connect(self.reset)
        c.speedChanged.connect(pair.set_speed)
        c.seekRequested.connect(pair.seek)
        for session, painter in zip(pair.sessions, self.frame_painters, strict=True):
            session.frameChanged.connect(painter.show)
        pair.positionChanged.connect(self._on_position)
        pair.phaseChanged.connect(self._on_phase)
        pair.historyChanged.connect(self._update_controls)
        pair.finished.connect(self.finished)

    # ------------------------------------------------------------------ told by the window
    def set_space(self, space: PlotSpace | None) -> None:
        """New points (or none): both runs are forgotten."""
        self.reset()
        self.space = space
        for scatter in self.scatters:
            if space is None:
                scatter.set_points(None)
            else:
                scatter.set_points(space.xy, space.x_label, space.y_label, space.bounds)

    def start(self, a: RunRequest, b: RunRequest, *, paused: bool = False) -> None:
        for title, letter, request in zip(self.titles, SIDES, (a, b), strict=True):
            title.setText(f"{letter}: {request.params.label()}")
        self.pair.start(a, b, paused=paused)

    def toggle(self) -> None:
        """Space: pause, resume or replay both; start both when there is nothing to act on."""
        if not self.pair.toggle():
            self.runRequested.emit(False)

    def step(self) -> None:
        """Right arrow: one more frame of both (starting both, paused, if there are none)."""
        if self.pair.started:
            self.pair.step()
        else:
            self.runRequested.emit(True)

    def reset(self) -> None:
        self.pair.reset()
        for painter in self.frame_painters:
            painter.clear()
        for title, letter in zip(self.titles, SIDES, strict=True):
            title.setText(f"{letter}: no run yet")
        self._show_agreement()
        self._update_controls()

    def redraw(self) -> None:
        for painter in self.frame_painters:
            painter.redraw()

    def set_speed(self, speed: float) -> None:
        self.controls.set_speed(speed)

    # ------------------------------------------------------------------ internals
    def _on_phase(self, _phase: object) -> None:
        self._update_controls()
        if not self.pair.playing:
            self._show_agreement()  # the frame the animation stopped on

    def _on_position(self, _position: int) -> None:
        self._update_controls()
        if not self.pair.playing:
            self._show_agreement()
        elif not self._agreement_timer.isActive():
            self._agreement_timer.start()

    def _show_agreement(self) -> None:
        ari = self.pair.agreement() if self.pair.started else None
        if ari is None:
            self.agreement_label.setText("Agreement\n(adjusted Rand index)\n–")
        else:
            self.agreement_label.setText(f"Agreement\n(adjusted Rand index)\n{ari:.3f}")

    def _update_controls(self) -> None:
        pair, controls = self.pair, self.controls
        can_step = pair.can_step() or not pair.started  # Step from nothing starts both
        controls.set_state(pair.pause_action(), can_step=can_step, can_stop=pair.can_stop())
        last = pair.last_position()
        if not pair.started or last < 0:
            controls.set_history(0, -1, -1, "no run yet" if not pair.started else "…")
            return
        iterations = []
        for session in pair.sessions:
            picture = session.picture()
            iterations.append("–" if picture is None else str(picture.iteration))
        more = "" if pair.complete() else "+"
        text = f"A: iteration {iterations[0]} · B: iteration {iterations[1]}{more}"
        controls.set_history(0, last, pair.position, text)
