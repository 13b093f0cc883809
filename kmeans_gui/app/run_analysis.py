"""The window's analysis of a run: hover tooltips, scores, a reference column, colour by column.

Attached to the window once (``window.analysis``): it adds the "Scores" dock
(:class:`~kmeans_gui.app.scores_panel.ScoresPanel`), a "Colour" choice on the plot toolbar and
the scatter's :class:`~kmeans_gui.app.hover.HoverTips`, and wires them to the run and the data
on screen. Scores are computed in the engine process by ``engine.score_clustering`` (what
``cluster --json`` reports); the comparison with a reference column by ``report`` on a worker
thread (what ``cluster --compare-to`` prints). Late answers, for a run or table since replaced,
are dropped.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QComboBox, QDockWidget

from .column_colours import column_colouring, key_html
from .hover import HoverContext, HoverTips
from .run_session import Phase
from .scores_panel import ScoresPanel

if TYPE_CHECKING:
    from .window import MainWindow

CLUSTERS = ""  # the colour choice "by cluster"
SCORES_NEED_ENGINE = "The engine stopped: the scores of the next run show here."


def compare(frame: Any, features: Any, column: str, labels: np.ndarray, k: int) -> Any:
    """``report.Comparison`` of ``labels`` against ``column`` (on a worker thread)."""
    from kmeans_gui.data.reference import reference_labels
    from kmeans_gui.report import compare_with_reference

    return compare_with_reference(reference_labels(frame, features, column), labels, k)


class RunAnalysis(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.panel = window.scores_panel = ScoresPanel()
        dock = window.scores_dock = QDockWidget("Scores", window)
        dock.setObjectName("scores_dock")
        dock.setWidget(self.panel)
        dock.setFeatures(window.sweep_dock.features())
        window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
        window.tabifyDockWidget(window.inertia_dock, dock)  # the run's figures, beside its curve
        window.inertia_dock.raise_()
        window.view_menu.addAction(dock.toggleViewAction())

        self.colour_combo = window.colour_combo = QComboBox()
        self.colour_combo.setToolTip(
            "Colour the points by a column of the table (a gradient for numbers, one colour per "
            "class for text) instead of by cluster"
        )
        self.colour_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        window.plot_toolbar.addSeparator()
        window.plot_toolbar.addWidget(self.colour_combo)
        self._fill_colour_choices([])

        self.hover = HoverTips(window.scatter, self.hover_context)
        self._scores_generation = 0
        self._compare_generation = 0
        self._result: tuple[Any, np.ndarray, int] | None = None  # (features, labels, k)
        self._scores_job: Any = None  # cancelled by a new run: skipped if not started yet

        session, data = window.session, window.data
        session.finished.connect(self._on_run_finished)
        session.phaseChanged.connect(self._on_phase)
        data.tableLoaded.connect(self._on_table_loaded)
        data.pointsPlaced.connect(self._apply_colouring)
        self.panel.referenceChosen.connect(lambda _column: self._compare())
        self.colour_combo.currentIndexChanged.connect(lambda _index: self._apply_colouring())

    # -- hover -------------------------------------------------------------------------------
    def hover_context(self) -> HoverContext | None:
        """What is on screen: the plotted features, their table, and the frame shown."""
        window = self.window
        plot, table = window.plot, window.table
        if plot is None or table is None:
            return None
        session = window.session
        picture = session.picture() if session.request is not None else None
        if picture is None or session.request.features is not plot.features:
            return HoverContext(plot.features, table.frame, None, None)
        return HoverContext(
            plot.features, table.frame, picture.labels, picture.centroids, session.params.metric
        )

    # -- scores of the finished run ----------------------------------------------------------
    def _on_phase(self, phase: Phase) -> None:
        if phase in (Phase.IDLE, Phase.STARTING):
            if self._scores_job is not None:
                self._scores_job.cancel()
                self._scores_job = None
            self._scores_generation += 1
            self._compare_generation += 1
            self._result = None
            self.panel.clear_scores()
            self.panel.clear_comparison()

    def _on_run_finished(self) -> None:
        window, session = self.window, self.window.session
        current = session.current()
        if current is None or session.request is None:
            return
        frame, labels = current
        features, params = session.request.features, session.params
        labels = np.asarray(labels)
        self._result = (features, labels, len(frame.centroids))
        self._scores_generation += 1
        generation = self._scores_generation
        if not window.engine.alive:  # it died with the run: the next Run starts one, not this
            self.panel.clear_scores(SCORES_NEED_ENGINE)
            self._compare()
            return
        self.panel.clear_scores("Computing the scores…")
        kwargs = {"metric": params.metric, "seed": params.seed, "device": params.device}
        self._scores_job = window.engine.scores(
            features.X,
            features.weights,
            labels,
            kwargs,
            on_result=lambda scores: self._on_scores(
                generation, scores, features.n_used, frame.iteration
            ),
            on_error=lambda exc: self._on_scores_failed(generation, exc),
        )
        self._compare()

    def _on_scores(self, generation: int, scores: Any, n_rows: int, iteration: int) -> None:
        if generation == self._scores_generation:
            self.panel.show_scores(scores, n_rows, iteration)

    def _on_scores_failed(self, generation: int, exc: BaseException) -> None:
        if generation == self._scores_generation:
            self.panel.clear_scores("The scores could not be computed.")
            self.window._on_job_failed(exc)

    # -- the reference column ----------------------------------------------------------------
    def _compare(self) -> None:
        column = self.panel.reference()
        self._compare_generation += 1
        generation = self._compare_generation
        if not column:
            self.panel.clear_comparison()
            return
        if self._result is None:
            self.panel.clear_comparison("Run k-means to compare its clusters with this column.")
            return
        features, labels, k = self._result
        self.panel.clear_comparison("Comparing…")
        self.window.background.run(
            compare,
            self.window.table.frame,
            features,
            column,
            labels,
            k,
            on_result=lambda comparison: self._on_compared(generation, comparison),
            on_error=lambda exc: self._on_compare_failed(generation, exc),
        )

    def _on_compared(self, generation: int, comparison: Any) -> None:
        if generation == self._compare_generation:
            self.panel.show_comparison(comparison)

    def _on_compare_failed(self, generation: int, exc: BaseException) -> None:
        if generation == self._compare_generation:
            self.panel.clear_comparison(str(exc))

    # -- colour by column --------------------------------------------------------------------
    def _on_table_loaded(self, _request: Any) -> None:
        columns = [str(c) for c in self.window.table.frame.columns]
        self.panel.set_columns(columns)
        self._fill_colour_choices(columns)

    def _fill_colour_choices(self, columns: list[str]) -> None:
        combo = self.colour_combo
        blocked = combo.blockSignals(True)
        try:
            combo.clear()
            combo.addItem("Colour: clusters", CLUSTERS)
            for column in columns:
                combo.addItem(f"Colour: {column}", column)
        finally:
            combo.blockSignals(blocked)
        self.panel.set_colour_key("")

    def colour_by(self, column: str) -> None:
        """Colour the points by ``column`` ("" : by cluster again), as the toolbar's choice does."""
        self.colour_combo.setCurrentIndex(max(self.colour_combo.findData(column), 0))

    def _apply_colouring(self) -> None:
        window = self.window
        column = self.colour_combo.currentData() or CLUSTERS
        plot, table = window.plot, window.table
        if column == CLUSTERS or plot is None or table is None:
            window.scatter.set_point_colours(None, None)
            self.panel.set_colour_key("")
            return
        series = table.frame[column][plot.features.row_mask]
        colouring = column_colouring(series)
        window.scatter.set_point_colours(colouring.codes, colouring.colours)
        self.panel.set_colour_key(key_html(colouring))

    def close(self) -> None:
        self.hover.close()
