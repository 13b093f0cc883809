"""View > Compare two runs: the side-by-side pane in the window, and run B's settings.

Switching it on puts the :class:`~kmeans_gui.app.compare_view.ComparePane` where the single
scatter was and shows the "Run B" dock, a second algorithm panel (the single run's inertia and
sizes docks step aside until it is off again); run A keeps the algorithm panel's settings.
Run, Space, Right, Stop and Reset then act on both runs. The View options (regions, trails,
half-steps, membership lines, equal aspect) apply to both plots. Run B clusters the same
features (the same rows, scaling and weights) as run A; "Click to place" and editing
centroids by hand belong to the single view.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDockWidget,
    QLabel,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from .algorithm_panel import AlgorithmPanel
from .compare_view import ComparePane
from .run_parameters import PLACE

B_NOTE = (
    "Run B clusters the same data as run A, with these settings; run A uses the Algorithm "
    "panel's. Both play in lockstep under one set of controls."
)
NO_PLACE = "Click to place belongs to the single view: choose another initialiser to compare."


def other_initialiser(init: str) -> str:
    """Run B's first initialiser: the classic comparison, k-means++ against random rows."""
    return "random" if init == "k-means++" else "k-means++"


class CompareMode(QObject):
    """Built by the window once its views, menus and painter exist (``window``: the window)."""

    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self.window = window
        self.pane = ComparePane(window.engine, window.trails_action.isChecked, window)
        self.panel = AlgorithmPanel()
        self.panel.set_weights_shown(False)  # run B uses run A's rows, weights included
        self.panel.set_place_allowed(False, NO_PLACE)
        self._panel_filled = False
        self._space: Any = None  # the window's points, given to the pane once it is shown
        self._hidden_docks: list[QDockWidget] = []  # the single run's docks, while comparing

        self.stack = QStackedWidget()
        self.stack.addWidget(window.takeCentralWidget())
        self.stack.addWidget(self.pane)
        window.setCentralWidget(self.stack)
        self.dock = self._build_dock()

        self.action = QAction("Compare two runs side by side", window, checkable=True)
        self.action.setShortcut(QKeySequence("Ctrl+K"))
        self.action.setIconText("Compare")
        self.action.setToolTip(
            "Two configurations on the same data, in lockstep, with the adjusted Rand index "
            "of their partitions (Ctrl+K)"
        )
        window.view_menu.insertAction(window.zoom_action, self.action)
        window.plot_toolbar.addAction(self.action)
        self._connect()

    @property
    def active(self) -> bool:
        return self.action.isChecked()

    def set_space(self, space: Any) -> None:
        """The window's new points (a PlotSpace, or None): the pane's two views get them now
        when it is shown, else when it is next shown. Drawing a million points into two hidden
        views tripled the GUI thread's work on every load."""
        self._space = space
        if self.active:
            self._give_space()

    def _give_space(self) -> None:
        if self.pane.space is not self._space:
            self.pane.set_space(self._space)

    def _build_dock(self) -> QDockWidget:
        window = self.window
        body = QWidget()
        layout = QVBoxLayout(body)
        note = QLabel(B_NOTE)
        note.setObjectName("hint")
        note.setWordWrap(True)
        self.copy_button = QPushButton("Same settings as run A")
        self.copy_button.setToolTip("Copy the Algorithm panel's settings into run B's")
        layout.addWidget(note)
        layout.addWidget(self.copy_button)
        layout.addWidget(self.panel)
        layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(body)
        dock = QDockWidget("Run B", window)
        dock.setObjectName("run_b_dock")
        dock.setWidget(scroll)
        window.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, dock)
        window.tabifyDockWidget(window.algorithm_dock, dock)
        dock.hide()
        return dock

    def _connect(self) -> None:
        w, pane = self.window, self.pane
        self.action.toggled.connect(self.set_active)
        self.copy_button.clicked.connect(self.copy_a)
        pane.runRequested.connect(self.start)
        pane.pair.message.connect(lambda text: w.statusBar().showMessage(text, 5000))
        pane.pair.failed.connect(w._on_job_failed)
        w.voronoi_action.toggled.connect(self._on_voronoi)
        w.trails_action.toggled.connect(lambda _on: pane.redraw())
        w.aspect_action.toggled.connect(self._on_aspect)
        w.membership_action.toggled.connect(self._on_membership)
        w.half_steps_action.toggled.connect(pane.pair.set_half_steps)

    # ------------------------------------------------------------------ switching
    def set_active(self, on: bool) -> None:
        """Show the pane (and run B's settings) or the single view again."""
        w = self.window
        if self.action.isChecked() != on:
            self.action.setChecked(on)  # calls back here
            return
        if on:
            w.session.pause()
            self._give_space()
            if not self._panel_filled:
                self._panel_filled = True
                self.copy_a(other_initialiser(w.algorithm_panel.choices().init))
            self.pane.set_speed(w.controls.speed())
            for scatter in self.pane.scatters:
                scatter.set_equal_aspect(w.aspect_action.isChecked())
                scatter.set_voronoi(w.voronoi_action.isChecked())
            for lines in self.pane.memberships:
                lines.set_on(w.membership_action.isChecked())
            self.pane.pair.set_half_steps(w.half_steps_action.isChecked())
            # the single run's curve and sizes would sit beside the pane, about another run
            self._hidden_docks = [d for d in (w.inertia_dock, w.sizes_dock) if d.isVisible()]
            for dock in self._hidden_docks:
                dock.hide()
            self.dock.show()
            self.dock.raise_()
            self.stack.setCurrentWidget(self.pane)
        else:
            self.pane.reset()  # its engine jobs end; the single view's run is as it was
            self.dock.hide()
            for dock in self._hidden_docks:
                dock.show()
            self._hidden_docks = []
            self.stack.setCurrentIndex(0)

    def copy_a(self, init: str | None = None) -> None:
        """Run B's settings from run A's (with ``init`` instead of A's initialiser)."""
        choices = self.window.algorithm_panel.choices()
        chosen = init or (choices.init if choices.init != PLACE else "k-means++")
        self.panel.apply(dataclasses.replace(choices, init=chosen))

    def set_devices(self, devices: list[str]) -> None:
        self.panel.set_devices(devices)

    # ------------------------------------------------------------------ running
    def start(self, paused: bool = False) -> None:
        """Both runs: A with the algorithm panel's settings, B with run B's."""
        w = self.window
        a_params = w.algorithm_panel.parameters()
        if a_params.init == PLACE:
            w.show_error(NO_PLACE.replace("choose another", "choose another for run A"))
            return
        a = w.checked_request(w.algorithm_panel, a_params)
        if a is None:
            return
        b_params = self.panel.parameters()
        b_params = dataclasses.replace(b_params, weight_column=a_params.weight_column)
        b = w.checked_request(self.panel, b_params)
        if b is None:
            return
        self.pane.start(a, b, paused=paused)

    def _on_voronoi(self, on: bool) -> None:
        for scatter in self.pane.scatters:
            scatter.set_voronoi(on)
        self.pane.redraw()

    def _on_aspect(self, on: bool) -> None:
        for scatter in self.pane.scatters:
            scatter.set_equal_aspect(on)

    def _on_membership(self, on: bool) -> None:
        for lines in self.pane.memberships:
            lines.set_on(on)
