"""The explorer window: load a table, run k-means, watch it converge, export the result.

The window owns the flow, not the work: files are loaded, features prepared, runs and sweeps
computed by the :class:`WorkerPool` off the GUI thread; states come back as signals into a
:class:`Playback`, whose frames the views draw. Every long action can be stopped, and closing
the window stops and awaits every worker.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QEvent, QObject, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QDragEnterEvent,
    QDropEvent,
    QKeySequence,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QDockWidget,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QScrollArea,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from . import jobs
from .algorithm_panel import AlgorithmPanel, RunParameters
from .data_panel import PLOT_FEATURES, DataPanel
from .export_actions import ExportActions
from .inertia_view import InertiaView
from .playback import Playback
from .run_actions import RunActions
from .run_controls import RunControls
from .samples import DEFAULT_SAMPLE, Sample, available_samples, sample_for
from .scatter_view import ScatterView, nearest_centroid
from .settings import AppSettings
from .sizes_view import SizesView
from .sweep_view import SweepView
from .worker import WorkerPool, engine_info, error_text, plot_projection

SIDE_VIEW_INTERVAL_MS = 120
WARM_UP_AFTER_DATA_MS = 200  # let the first points paint before TensorFlow loads
WARM_UP_WITHOUT_DATA_MS = 3000
LEFT_DOCK_MIN = 250  # the data and algorithm panels' width without clipping
RIGHT_DOCK_MIN = 250


class SpaceRunsNotTypes(QObject):
    """Event filter for number fields: Space is Run/Pause there, not a character.

    A focused spin box or line edit claims Space (ShortcutOverride) to type it, so the Space
    shortcut never fired while, say, k had focus. A space is never valid in a number; this
    filter declines the override, and the shortcut gets the key. Arrows keep editing the text.
    """

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            event.type() == QEvent.Type.ShortcutOverride
            and event.key() == Qt.Key.Key_Space
            and event.modifiers() == Qt.KeyboardModifier.NoModifier
        ):
            event.ignore()
            return True
        return False


class MainWindow(RunActions, ExportActions, QMainWindow):
    """Signals for tests and the screenshot mode: ``dataReady`` once points are plotted,
    ``runFinished`` once a run has ended (finished, stopped or failed) and its animation is done,
    ``engineReady`` once TensorFlow has loaded, ``errorShown(str)`` after a dialog."""

    dataReady = Signal()
    runFinished = Signal()
    engineReady = Signal(list)
    errorShown = Signal(str)
    exported = Signal(str)

    def __init__(
        self,
        settings: QSettings | None = None,
        *,
        interactive: bool = True,
        restore: bool = True,
        warm_up_engine: bool = True,
    ) -> None:
        super().__init__()
        self.setWindowTitle("kmeans-gui")
        self.setAcceptDrops(True)
        self.settings = AppSettings(settings)
        self.interactive = interactive  # False: errors go to stderr (screenshot mode)
        self.errors: list[str] = []
        self.run_warnings: list[str] = []  # the engine's warnings for the current run
        self.pool = WorkerPool(self)
        self.playback = Playback(self)
        self.devices: list[str] = []

        self.table: Any = None  # LoadedTable
        self._numeric: list[str] = []  # its numeric columns
        self.table_path: str | None = None
        self.sample: Sample | None = None
        self.prepared: jobs.PreparedFeatures | None = None
        self.plot_xy: np.ndarray | None = None
        self._project: Callable[[np.ndarray], np.ndarray] | None = None  # (K,D) -> (K,2)
        self._generation = 0  # bumps on every new load/prepare, so stale results are dropped
        self._plot_generation = 0
        self._run_id = 0
        self.run_worker = None
        self.sweep_worker = None
        self.load_worker = None
        self.run_params: RunParameters | None = None
        self.run_prepared: jobs.PreparedFeatures | None = None
        self._stopped = False
        self._run_failed = False
        self._finished_emitted = True
        self._step_pending = False
        self._closing = False
        self._placing: list[tuple[float, float]] = []
        self._layout_restored = False
        self._side_index = -1
        self._side_timer = QTimer(self, singleShot=True, interval=SIDE_VIEW_INTERVAL_MS)
        self._side_timer.timeout.connect(self._update_side_views)

        self._build_views()
        self._build_menus()
        self._build_status_bar()
        self._connect()
        self._space_filter = SpaceRunsNotTypes(self)
        for field in (*self.findChildren(QAbstractSpinBox), self.algorithm_panel.tol_edit):
            field.installEventFilter(self._space_filter)
        if restore:
            self._restore_settings()
        self._update_plot_options()
        self._warm_up_pending = warm_up_engine
        if warm_up_engine:
            # Importing TensorFlow holds the GIL for up to half a second at a time (loading its
            # shared libraries): done at start-up, it stalls the first paint and the loading of
            # the first table. It starts once the first points are on screen (or after a while
            # without data), when a stall costs nothing a user could see.
            self.dataReady.connect(
                lambda: QTimer.singleShot(WARM_UP_AFTER_DATA_MS, self.warm_up_engine)
            )
            QTimer.singleShot(WARM_UP_WITHOUT_DATA_MS, self.warm_up_engine)

    # ------------------------------------------------------------------ construction
    def _build_views(self) -> None:
        self.scatter = ScatterView()
        self.controls = RunControls()
        self.data_panel = DataPanel()
        self.algorithm_panel = AlgorithmPanel()
        self.inertia_view = InertiaView()
        self.sizes_view = SizesView()
        self.sweep_view = SweepView()

        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.scatter, 1)
        layout.addWidget(self.controls)
        self.setCentralWidget(central)

        def dock(title: str, widget: QWidget, area: Qt.DockWidgetArea, scroll: bool = False):
            d = QDockWidget(title, self)
            d.setObjectName(title.replace(" ", "_").lower() + "_dock")
            if scroll:
                area_widget = QScrollArea()
                area_widget.setWidgetResizable(True)
                area_widget.setFrameShape(QScrollArea.Shape.NoFrame)
                area_widget.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
                area_widget.setWidget(widget)
                widget = area_widget
            d.setWidget(widget)
            d.setFeatures(
                QDockWidget.DockWidgetFeature.DockWidgetMovable
                | QDockWidget.DockWidgetFeature.DockWidgetClosable
                | QDockWidget.DockWidgetFeature.DockWidgetFloatable
            )
            self.addDockWidget(area, d)
            return d

        left, right = Qt.DockWidgetArea.LeftDockWidgetArea, Qt.DockWidgetArea.RightDockWidgetArea
        self.data_dock = dock("Data", self.data_panel, left, scroll=True)
        self.algorithm_dock = dock("Algorithm", self.algorithm_panel, left, scroll=True)
        self.inertia_dock = dock("Inertia", self.inertia_view, right)
        self.sizes_dock = dock("Cluster sizes", self.sizes_view, right)
        self.sweep_dock = dock("Choose k", self.sweep_view, right)
        self.tabifyDockWidget(self.sizes_dock, self.sweep_dock)
        self.sizes_dock.raise_()
        self.resize(1440, 900)
        self._size_docks()
        self._docks_sized = False  # sized again for the window's real width when first shown

    def _size_docks(self) -> None:
        """Share the width out: ~23% left (at least its panels' width), ~25% right."""
        width = self.width()
        left = max(LEFT_DOCK_MIN, round(0.23 * width))
        right = max(RIGHT_DOCK_MIN, round(0.25 * width))
        self.resizeDocks([self.inertia_dock, self.sizes_dock], [380, 420], Qt.Orientation.Vertical)
        self.resizeDocks(
            [self.data_dock, self.inertia_dock], [left, right], Qt.Orientation.Horizontal
        )
        self.resizeDocks([self.data_dock, self.algorithm_dock], [360, 420], Qt.Orientation.Vertical)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._docks_sized:
            self._docks_sized = True
            if not self._layout_restored:
                self._size_docks()

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        self.open_action = file_menu.addAction("&Open…", self.open_dialog)
        self.open_action.setShortcut(QKeySequence.StandardKey.Open)
        self.samples_menu = file_menu.addMenu("Open &sample")
        for sample in available_samples():
            self.samples_menu.addAction(sample.title, lambda s=sample: self.open_sample(s))
        self.recent_menu = file_menu.addMenu("Open &recent")
        self._refresh_recent_menu()
        file_menu.addSeparator()
        self.export_labelled_action = file_menu.addAction(
            "&Export labelled data…", self.export_labelled_dialog
        )
        self.export_labelled_action.setShortcut(QKeySequence("Ctrl+E"))
        self.export_centroids_action = file_menu.addAction(
            "Export &centroids…", self.export_centroids_dialog
        )
        self.export_plot_action = file_menu.addAction(
            "Export &plot as PNG/SVG…", self.export_plot_dialog
        )
        file_menu.addSeparator()
        quit_action = file_menu.addAction("&Quit", self.close)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)

        run_menu = bar.addMenu("&Run")
        self.run_action = QAction("Run / Pause", self)
        self.run_action.setShortcut(QKeySequence(Qt.Key.Key_Space))
        self.run_action.triggered.connect(self.toggle_run)
        self.step_action = QAction("Step one iteration", self)
        self.step_action.setShortcut(QKeySequence(Qt.Key.Key_Right))
        self.step_action.triggered.connect(self.step)
        self.stop_action = QAction("Stop", self)
        self.stop_action.triggered.connect(self.stop_run)
        self.reset_action = QAction("Reset", self)
        self.reset_action.triggered.connect(self.reset_run)
        for action in (self.run_action, self.step_action, self.stop_action, self.reset_action):
            # also from a floating dock (a window of its own)
            action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
            run_menu.addAction(action)
            self.addAction(action)

        view_menu = bar.addMenu("&View")
        self.voronoi_action = QAction("Voronoi regions", self, checkable=True)
        self.voronoi_action.toggled.connect(self._on_voronoi_toggled)
        self.trails_action = QAction("Centroid trails", self, checkable=True, checked=True)
        self.trails_action.toggled.connect(lambda _: self._redraw_current())
        self.zoom_action = QAction("Reset zoom", self)
        self.zoom_action.triggered.connect(self.scatter.auto_range)
        self.aspect_action = QAction("Equal aspect", self, checkable=True)
        self.aspect_action.setToolTip(
            "Same scale on both axes, for columns in the same unit (on for the GPS sample)"
        )
        self.aspect_action.toggled.connect(self.scatter.set_equal_aspect)
        self.aspect_action.triggered.connect(self._on_aspect_chosen)
        self._user_equal_aspect = False  # the user's own choice, kept across tables
        for action in (self.voronoi_action, self.trails_action, self.aspect_action):
            view_menu.addAction(action)
        view_menu.addAction(self.zoom_action)
        view_menu.addSeparator()
        for d in (self.data_dock, self.algorithm_dock, self.inertia_dock, self.sizes_dock):
            view_menu.addAction(d.toggleViewAction())
        view_menu.addAction(self.sweep_dock.toggleViewAction())

        toolbar = QToolBar("Plot", self)
        toolbar.setObjectName("plot_toolbar")
        toolbar.setMovable(False)
        toolbar.addAction(self.voronoi_action)
        toolbar.addAction(self.trails_action)
        toolbar.addAction(self.zoom_action)
        toolbar.addAction(self.export_plot_action)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, toolbar)

        help_menu = bar.addMenu("&Help")
        help_menu.addAction("About kmeans-gui", self._about)

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.status_fields: dict[str, QLabel] = {}
        for key, width in (
            ("iteration", 110),
            ("inertia", 150),
            ("shift", 130),
            ("changed", 120),
            ("ms", 110),
            ("device", 120),
        ):
            label = QLabel("")
            label.setMinimumWidth(width)
            self.status_fields[key] = label
            bar.addPermanentWidget(label)
        self.progress_bar = QProgressBar()
        self.progress_bar.setMaximumWidth(160)
        self.progress_bar.setMaximumHeight(14)
        self.progress_bar.hide()
        bar.addPermanentWidget(self.progress_bar)
        self.status_fields["device"].setText("loading TensorFlow…")

    def _connect(self) -> None:
        c = self.controls
        c.runClicked.connect(self.start_run)
        c.pauseToggled.connect(self._on_pause_toggled)
        c.stepClicked.connect(self.step)
        c.stopClicked.connect(self.stop_run)
        c.resetClicked.connect(self.reset_run)
        c.speedChanged.connect(self.playback.set_speed)
        c.seekRequested.connect(self._on_seek)
        c.restartPicked.connect(lambda r: self.playback.show_restart(r, from_start=True))
        p = self.playback
        p.frameChanged.connect(self._show_frame)
        p.rangeChanged.connect(lambda *_: self._update_history_controls())
        p.playingChanged.connect(lambda playing: self._update_pause_button())
        p.ended.connect(self._on_playback_ended)
        self.data_panel.featuresChanged.connect(self.prepare_features)
        self.data_panel.plotChanged.connect(self.update_plot)
        self.algorithm_panel.initModeChanged.connect(self._on_init_mode_changed)
        self.algorithm_panel.parametersChanged.connect(self._on_parameters_changed)
        self.algorithm_panel.weight_combo.currentIndexChanged.connect(
            lambda _: self.prepare_features()
        )
        self.scatter.placeClicked.connect(self._on_place_click)
        self.sweep_view.sweepRequested.connect(self.start_sweep)
        self.sweep_view.cancelRequested.connect(self.cancel_sweep)
        self.sweep_view.kChosen.connect(self.algorithm_panel.k_spin.setValue)
        self.playback.set_speed(c.speed())

    # ------------------------------------------------------------------ settings
    def _restore_settings(self) -> None:
        geometry = self.settings.geometry()
        if geometry is not None:
            self.restoreGeometry(geometry)
        state = self.settings.window_state()
        if state is not None:
            self._layout_restored = self.restoreState(state)
        self.algorithm_panel.restore(self.settings.parameters())
        self.data_panel.restore(self.settings.data_choices())
        self.controls.set_speed(self.settings.speed(10))

    def save_settings(self) -> None:
        self.settings.set_layout(self.saveGeometry(), self.saveState())
        self.settings.set_parameters(self.algorithm_panel.snapshot())
        self.settings.set_data_choices(self.data_panel.snapshot())
        self.settings.set_speed(self.controls.speed())
        self.settings.sync()

    # ------------------------------------------------------------------ errors
    def show_error(self, message: str, title: str = "kmeans-gui") -> None:
        """One sentence in a dialog (or on stderr when not interactive); the window stays usable."""
        self.errors.append(message)
        self.statusBar().showMessage(message, 10_000)
        if self.interactive:
            QMessageBox.critical(self, title, message)
        else:
            print(f"error: {message}", file=sys.stderr)
        self.errorShown.emit(message)

    def _on_worker_error(self, exc: Exception) -> None:
        if not self._closing:
            self.show_error(error_text(exc))

    # ------------------------------------------------------------------ loading
    def open_dialog(self) -> None:
        from kmeans_gui.data import OPEN_FILTER  # pandas: loaded with the first table anyway

        path, _ = QFileDialog.getOpenFileName(
            self, "Open a table", self.settings.last_folder(), OPEN_FILTER
        )
        if path:
            self.open_file(path)

    def open_sample(self, sample: Sample = DEFAULT_SAMPLE) -> None:
        self.open_file(str(sample.path))

    def open_file(self, path: str) -> None:
        """Load ``path`` in a worker; the current table stays until the new one has loaded."""
        self._generation += 1
        generation = self._generation
        self.statusBar().showMessage(f"Loading {Path(path).name}…")
        self.progress_bar.setRange(0, 100)
        self.progress_bar.setValue(0)
        self.progress_bar.show()
        self.load_worker = self.pool.run_call(
            jobs.load,
            path,
            on_result=lambda table: self._on_loaded(generation, path, table),
            on_error=lambda exc: self._on_load_failed(generation, exc),
            on_progress=self._on_load_progress,
        )

    def _on_load_progress(self, fraction: float, message: str) -> None:
        self.progress_bar.setValue(int(100 * fraction))
        if message:
            self.statusBar().showMessage(message)

    def _on_load_failed(self, generation: int, exc: Exception) -> None:
        self.progress_bar.hide()
        self.statusBar().clearMessage()
        if generation == self._generation and not self._closing:
            self.show_error(error_text(exc))

    def _on_loaded(self, generation: int, path: str, table: Any) -> None:
        self.progress_bar.hide()
        self.statusBar().clearMessage()
        if generation != self._generation or self._closing:
            return
        self.reset_run()
        self.inertia_view.clear_all()
        self.sweep_view.reset()
        self.table, self.table_path = table, path
        self.prepared, self.plot_xy = None, None
        self.sample = sample_for(path)
        frame = table.frame
        numeric = jobs.numeric_columns(frame)
        self._numeric = numeric
        columns = [str(c) for c in frame.columns]
        chosen = list(self.sample.features) if self.sample and self.sample.features else None
        notes = list(getattr(table, "notes", []) or [])
        self.data_panel.set_table(Path(path).name, len(frame), columns, numeric, notes, chosen)
        weight = self.sample.weight if self.sample else None
        self.algorithm_panel.set_weight_columns(numeric, weight)
        if self.sample is not None:
            self.algorithm_panel.k_spin.setValue(self.sample.k)
            if self.sample.plot:
                self.data_panel.set_plot_choice(PLOT_FEATURES, *self.sample.plot)
        equal = self._user_equal_aspect or bool(self.sample and self.sample.equal_aspect)
        self.aspect_action.setChecked(equal)
        self.setWindowTitle(f"{Path(path).name} — kmeans-gui")
        self.settings.add_recent_file(path)
        self._refresh_recent_menu()
        self.prepare_features()

    def _refresh_recent_menu(self) -> None:
        self.recent_menu.clear()
        recent = self.settings.recent_files()
        for path in recent:
            self.recent_menu.addAction(path, lambda p=path: self.open_file(p))
        if recent:
            self.recent_menu.addSeparator()
            self.recent_menu.addAction("Clear list", self._clear_recent)
        self.recent_menu.setEnabled(bool(recent))

    def _clear_recent(self) -> None:
        self.settings.clear_recent_files()
        self._refresh_recent_menu()

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        urls = event.mimeData().urls()
        if urls and urls[0].isLocalFile():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        urls = event.mimeData().urls()
        if urls and urls[0].isLocalFile():
            event.acceptProposedAction()
            self.open_file(urls[0].toLocalFile())

    # ------------------------------------------------------------------ features and plot
    def prepare_features(self) -> None:
        """Recompute the feature matrix after a change of columns, missing-value rule or scale."""
        if self.table is None:
            return
        self._generation += 1
        generation = self._generation
        weight = self.algorithm_panel.weight_combo.currentData()
        if weight is not None:
            self.data_panel.uncheck_column(weight)  # a weight cannot also be a feature
        choice = self.data_panel.feature_choice()
        # No numeric column at all: let the data layer pick (and refuse with the sentence the
        # command line shows), rather than "choose at least one column" from an empty list.
        columns = list(choice.columns) if choice.columns or self._numeric else None
        self.reset_run()
        self.pool.run_call(
            jobs.prepare,
            self.table.frame,
            columns,
            choice.missing,
            choice.scale,
            weight,
            on_result=lambda prepared: self._on_prepared(generation, prepared),
            on_error=lambda exc: self._on_prepare_failed(generation, exc),
        )

    def _on_prepare_failed(self, generation: int, exc: Exception) -> None:
        if generation != self._generation or self._closing:
            return
        message = error_text(exc)
        self.prepared = None
        self.plot_xy = None
        self._project = None
        self.reset_run()
        self.scatter.set_points(None)
        self.inertia_view.clear_all()
        self.sweep_view.reset()
        self.status_fields["device"].setText("")
        self.data_panel.set_left_out(0, [], [message])
        self._set_runnable(False, message)
        self.show_error(message)

    def _set_runnable(self, runnable: bool, why_not: str = "") -> None:
        """Run and Step only with features to cluster."""
        self.controls.set_runnable(runnable, why_not)
        self.step_action.setEnabled(runnable)
        self.run_action.setEnabled(runnable or self.run_in_progress())

    def _on_prepared(self, generation: int, prepared: jobs.PreparedFeatures) -> None:
        if generation != self._generation or self._closing:
            return
        self.prepared = prepared
        self._set_runnable(True)
        features = prepared.features
        self.data_panel.set_left_out(
            features.n_used, prepared.left_out_rows.tolist(), features.notes()
        )
        self.update_plot()

    def update_plot(self) -> None:
        """Place the points: two feature columns (in the file's units) or principal components.

        Principal components are computed by the engine in a worker, on the features as the
        fit sees them (scaled, if scaling is on).
        """
        if self.prepared is None:
            return
        self._plot_generation += 1
        generation = self._plot_generation
        features = self.prepared.features
        X = features.X
        columns = list(features.columns)
        choice = self.data_panel.plot_choice()
        self._update_plot_options()
        if choice.mode == PLOT_FEATURES or X.shape[1] < 3:
            ix = min(choice.x, X.shape[1] - 1)
            iy = min(choice.y, X.shape[1] - 1)
            to_user = features.to_user_units
            xy = to_user(X)[:, [ix, iy]]
            self._set_plot(xy, lambda c: to_user(c)[:, [ix, iy]], columns[ix], columns[iy])
            return
        self.statusBar().showMessage("Computing principal components…")
        self.pool.run_call(
            plot_projection,
            X,
            on_result=lambda result: self._on_projection(generation, result),
            on_error=self._on_worker_error,
            engine=True,
        )

    def _on_projection(self, generation: int, result: tuple[np.ndarray, np.ndarray]) -> None:
        if generation != self._plot_generation or self._closing:
            return
        self.statusBar().clearMessage()
        scores, affine = result

        def project(c: np.ndarray) -> np.ndarray:
            return np.column_stack([c, np.ones(len(c))]) @ affine

        scaled = self.data_panel.feature_choice().scale != "none"
        of = " (of the scaled features)" if scaled else ""
        self._set_plot(scores, project, f"principal component 1{of}", f"principal component 2{of}")

    def _set_plot(
        self,
        xy: np.ndarray,
        project: Callable[[np.ndarray], np.ndarray],
        x_label: str,
        y_label: str,
    ) -> None:
        self.plot_xy = xy
        self._project = project
        self.scatter.set_points(xy, x_label, y_label)
        self._redraw_current()
        self.dataReady.emit()

    def _plot_is_feature_space(self) -> bool:
        """True when the plot axes are exactly the fit's features (so regions are exact)."""
        if self.prepared is None:
            return False
        return (
            self.data_panel.plot_choice().mode == PLOT_FEATURES
            and self.prepared.features.X.shape[1] == 2
            and self.data_panel.plot_choice().x != self.data_panel.plot_choice().y
        )

    def _update_plot_options(self) -> None:
        features_plotted = self.data_panel.plot_choice().mode == PLOT_FEATURES
        self.algorithm_panel.set_place_allowed(
            features_plotted,
            "Click to place needs the plot to show two feature columns; principal components "
            "cannot be mapped back to unique feature values.",
        )
        exact = self._plot_is_feature_space()
        self.voronoi_action.setEnabled(exact)
        self.voronoi_action.setToolTip(
            "Tint the plane by nearest centroid"
            if exact
            else "Voronoi regions are only exact when the plot shows the only two features"
        )
        if not exact and self.voronoi_action.isChecked():
            self.voronoi_action.setChecked(False)

    def _on_aspect_chosen(self, on: bool) -> None:
        self._user_equal_aspect = on

    def _on_voronoi_toggled(self, on: bool) -> None:
        self.scatter.set_voronoi(on)
        self._redraw_current()

    def _regions(self, centroids: np.ndarray) -> Callable[[np.ndarray], np.ndarray] | None:
        """Nearest centroid of plot points, computed where the fit works (its units, metric)."""
        if not self._plot_is_feature_space() or self.run_prepared is None:
            return None
        features = self.run_prepared.features
        choice = self.data_panel.plot_choice()
        order = [choice.x, choice.y]
        metric = self.run_params.metric if self.run_params else "euclidean"

        def nearest(points: np.ndarray) -> np.ndarray:
            user = np.empty_like(points)
            user[:, order] = points
            return nearest_centroid(features.to_fit_units(user), centroids, metric)

        return nearest

    # ------------------------------------------------------------------ engine start-up
    def warm_up_engine(self) -> None:
        """Load TensorFlow on the engine thread (once) and learn which devices it has."""
        if not self._warm_up_pending or self._closing:
            return
        self._warm_up_pending = False
        self.pool.run_call(
            engine_info,
            on_result=self._on_engine_info,
            on_error=self._on_engine_failed,
            engine=True,
        )

    def _on_engine_info(self, info: dict[str, Any]) -> None:
        if self._closing:
            return
        self.devices = list(info.get("devices", []))
        self.algorithm_panel.set_devices(self.devices)
        if not self.status_fields["iteration"].text():
            self.status_fields["device"].setText(f"TensorFlow {info.get('tensorflow', '')} ready")
        self.engineReady.emit(self.devices)

    def _on_engine_failed(self, exc: Exception) -> None:
        self.status_fields["device"].setText("TensorFlow failed to load")
        self._on_worker_error(exc)

    # ------------------------------------------------------------------ misc
    def _about(self) -> None:
        QMessageBox.about(
            self,
            "About kmeans-gui",
            "<b>kmeans-gui</b><br>Watch k-means work, iteration by iteration, on a TensorFlow "
            "engine.<br><br>Space: run/pause · Right: step · drag a file onto the window to "
            "open it.",
        )

    def closeEvent(self, event: QCloseEvent) -> None:
        """Save the layout, stop every worker at its next yield and wait for the threads."""
        self._closing = True
        self.save_settings()
        self.playback.pause()
        self._abandon_run()
        self.cancel_sweep()
        self.pool.shutdown()
        super().closeEvent(event)
