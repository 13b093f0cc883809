"""The explorer window: views and panels, wired to the run and sweep models.

The window holds no run state. A run is a :class:`~kmeans_gui.app.run_session.RunSession`,
a sweep a :class:`~kmeans_gui.app.sweep_session.SweepSession`; both talk to the engine through
:class:`~kmeans_gui.app.engine_link.EngineLink` (TensorFlow in a process of its own). What the
window keeps is the data on screen (the table, its prepared features, the plot's space) and the
user's preferences; tables load and exports write in background jobs. Panels and views forward
intent as signals; the window turns intent into calls on the models and their signals into
drawing.
"""

from __future__ import annotations

import dataclasses
import gc
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QSettings, QTimer, Signal
from PySide6.QtGui import (
    QCloseEvent,
    QDragEnterEvent,
    QDropEvent,
    QResizeEvent,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QAbstractSlider,
    QAbstractSpinBox,
    QFileDialog,
    QMainWindow,
    QMessageBox,
)

from kmeans_gui.engine_host import EngineCrashed
from kmeans_gui.engine_host.protocol import error_text

from . import feature_advice, jobs, window_layout
from .algorithm_panel import AlgorithmPanel
from .background import BackgroundJobs
from .big_table import BigTableMode
from .centroid_editing import CentroidEditor
from .compare_mode import CompareMode
from .data_panel import PLOT_FEATURES
from .data_session import DataSession, LoadRequest
from .engine_link import EngineLink
from .exporter import Exporter
from .frame_analysis import FrameAnalysis, dock_on_screen
from .frame_painter import FramePainter
from .membership_lines import MAX_LINES, MembershipLines, why_off
from .picture import HALF_STEPS_OFF, alternates
from .plot_space import PlotSpace
from .preferences import Preferences, PreferencesStore
from .run_analysis import RunAnalysis
from .run_parameters import PLACE
from .run_session import Phase, RunRequest, RunSession
from .samples import DEFAULT_SAMPLE, Sample
from .scatter_view import PointStyle
from .session_files import SessionFiles
from .style import app_icon
from .sweep_session import SweepSession

FIRST_SIZES_S = 2.0  # how long after the first show the docks follow the window's size
ENGINE_STARTING = "Loading TensorFlow, then running…"  # while a run waits for the engine


class MainWindow(QMainWindow):
    """Signals for tests and the screenshot mode: ``dataReady`` once points are plotted,
    ``runFinished`` once a run has ended (finished, stopped or failed) and its animation is done,
    ``engineReady(devices)`` once TensorFlow has loaded in the engine process, ``errorShown(str)``
    after a dialog, ``exported(path)`` after a file was written, ``sessionChecked(same, text)``
    once a re-opened session has run again.

    ``engine`` is the engine to use (tests share one, or pass a fake); by default the window
    starts its own engine process and ends it when it closes.
    """

    dataReady = Signal()
    runFinished = Signal()
    engineReady = Signal(list)
    errorShown = Signal(str)
    exported = Signal(str)
    sessionChecked = Signal(bool, str)  # a re-opened session's run: same result as saved?

    def __init__(
        self,
        settings: QSettings | None = None,
        *,
        interactive: bool = True,
        restore: bool = True,
        engine: Any = None,
    ) -> None:
        super().__init__()
        self.setWindowTitle("kmeans-gui")
        self.setWindowIcon(app_icon())
        self.setAcceptDrops(True)
        self.store = PreferencesStore(settings)
        self.restored = restore and self.store.has_saved()
        self.preferences = self.store.load() if restore else Preferences()
        self.interactive = interactive  # False: errors go to stderr (screenshot mode)
        self.errors: list[str] = []
        self.background = BackgroundJobs(self)
        self._owns_engine = engine is None
        self.engine = EngineLink(self) if engine is None else engine
        self.session = RunSession(self.engine, self)
        self.sweep = SweepSession(self.engine, self)
        self.devices: list[str] = []

        self.data = DataSession(self.background, self.engine, self)  # the table on screen
        self._syncing_k = False  # the window sets the panel's k to the edited centroids' count
        self._closing = False
        self._layout_restored = False
        self._docks_sized = False
        self._first_sizes_until = 0.0  # see resizeEvent

        window_layout.build_views(self)
        window_layout.build_menus(self)
        window_layout.build_status_bar(self)
        self.painter = FramePainter(
            self.session, self, lambda: self.plot, self.trails_action.isChecked, self
        )
        self.exporter = Exporter(self)
        self.big_table = BigTableMode(self)
        self.editor = CentroidEditor(self, self)
        self.membership = MembershipLines(self.scatter)
        self.compare = CompareMode(self)
        self.session_files = SessionFiles(self)
        self.frame_analysis = FrameAnalysis(
            self.session,
            self.background,
            self.engine,
            lambda: self.table,
            self.profile_view,
            self.silhouette_view,
            self._analysis_on_screen,
            self,
        )
        self._connect()
        self.analysis = RunAnalysis(self)  # hover, scores, a reference column, colour by column
        self._keys_filter = window_layout.KeysForFocusedFields(self)
        for field in (
            *self.findChildren(QAbstractSpinBox),
            *self.findChildren(QAbstractSlider),
            self.algorithm_panel.tol_edit,
        ):
            field.installEventFilter(self._keys_filter)
        self._apply_preferences(restore)
        self.compare.set_active(False)  # a restored layout may show run B's dock
        self._update_plot_options()
        self._update_controls()
        gc.freeze()  # see _freeze_long_lived
        self.dataReady.connect(self._freeze_long_lived)
        if self.engine.info is not None:  # a shared engine that has already loaded
            QTimer.singleShot(0, lambda: self._on_engine_ready(self.engine.info))
        else:
            QTimer.singleShot(0, self.engine.start)  # TensorFlow loads in its own process

    # The data on screen, for the helpers that export, save and draw it.
    @property
    def table(self) -> Any:
        """The table loaded (a ``kmeans_gui.data.LoadedTable``), or None."""
        return self.data.table

    @property
    def table_path(self) -> str | None:
        return self.data.path

    @property
    def prepared(self) -> jobs.PreparedFeatures | None:
        return self.data.prepared

    @property
    def plot(self) -> PlotSpace | None:
        return self.data.plot

    def _freeze_long_lived(self) -> None:
        """Keep the objects that live as long as the window out of garbage collection.

        Qt's and pyqtgraph's wrappers, pandas and the window itself are some 130,000 tracked
        objects; every full collection walked them all, 100-300 ms during which the window
        froze (the longest stalls measured in a run). They are never garbage: frozen once the
        window is built and again once the first table is on screen, a collection only looks
        at what came later. Only once: a freeze at every table kept whatever garbage was
        waiting then (an old table's cycles) for good, some 12-30 MB a reload at a million rows.
        """
        gc.freeze()
        self.dataReady.disconnect(self._freeze_long_lived)

    # ------------------------------------------------------------------ construction

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._docks_sized:
            self._docks_sized = True
            window_layout.fit_screen(self)
            if not self._layout_restored:  # once the window has its final size
                self._first_sizes_until = time.monotonic() + FIRST_SIZES_S
                QTimer.singleShot(0, lambda: window_layout.size_docks(self))

    def resizeEvent(self, event: QResizeEvent) -> None:
        """Docks follow the window's first sizes: a window manager maximises a window that
        would not fit some time after it was shown, and the docks sized for the first size
        would leave the algorithm panel scrolling under an empty data panel."""
        super().resizeEvent(event)
        if time.monotonic() < self._first_sizes_until:
            QTimer.singleShot(0, lambda: window_layout.size_docks(self))

    def _connect(self) -> None:
        c, session, panel = self.controls, self.session, self.algorithm_panel
        c.runClicked.connect(self.start_run)
        c.pauseClicked.connect(self._on_pause_clicked)
        c.stepClicked.connect(self.step)
        c.stopClicked.connect(self.stop_run)
        c.resetClicked.connect(self.reset_run)
        c.speedChanged.connect(session.set_speed)
        c.seekRequested.connect(session.seek)
        c.restartPicked.connect(session.show_restart)

        session.frameChanged.connect(self.painter.show)
        session.historyChanged.connect(self.painter.update_history_controls)
        session.phaseChanged.connect(lambda _phase: self._update_controls())
        session.phaseChanged.connect(self._end_engine_starting_note)
        session.message.connect(lambda text: self.statusBar().showMessage(text, 5000))
        session.warned.connect(self._on_run_warning)
        session.failed.connect(self._on_run_failed)
        session.finished.connect(self.session_files.check_reproduced)
        session.finished.connect(self.runFinished)

        self.sweep.started.connect(lambda total: self.sweep_view.set_running(True, total))
        self.sweep.pointAdded.connect(self._on_sweep_point)
        self.sweep.finished.connect(self._on_sweep_finished)
        self.sweep.failed.connect(self._on_job_failed)
        self.sweep.warned.connect(lambda text: self.statusBar().showMessage(text, 15_000))
        self.sweep_view.sweepRequested.connect(self.start_sweep)
        self.sweep_view.cancelRequested.connect(self.sweep.cancel)
        self.sweep_view.kChosen.connect(panel.set_k)
        self.profile_view.exportRequested.connect(self.exporter.export_profiles_dialog)
        for dock in (self.profile_dock, self.silhouette_dock):
            dock.visibilityChanged.connect(lambda shown: shown and self.frame_analysis.refresh())

        data = self.data
        data.progress.connect(self._on_load_progress)
        data.tableLoaded.connect(self._on_table_loaded)
        data.sessionFileFound.connect(self._on_session_file)
        data.loadFailed.connect(self._on_load_failed)
        data.featuresPrepared.connect(self._on_features_prepared)
        data.prepareFailed.connect(self._on_prepare_failed)
        data.projecting.connect(
            lambda: self.statusBar().showMessage("Computing principal components…")
        )
        data.pointsPlaced.connect(self._on_points_placed)
        data.plotFailed.connect(self._on_job_failed)

        self.engine.ready.connect(self._on_engine_ready)
        self.engine.crashed.connect(self._on_engine_crashed)

        self.data_panel.featuresChanged.connect(self.prepare_features)
        self.data_panel.plotChanged.connect(self.update_plot)
        panel.initModeChanged.connect(self._on_init_mode_changed)
        panel.parametersChanged.connect(self._on_parameters_changed)
        panel.weightChanged.connect(lambda _column: self.prepare_features())
        session.editChanged.connect(self._on_edit_changed)
        self.editor.edited.connect(self._on_centroids_edited)
        self.editor.placedBeforeRun.connect(self.algorithm_panel.choose_place)
        self.half_steps_action.toggled.connect(session.set_half_steps)
        self.membership_action.toggled.connect(self.membership.set_on)

        self.voronoi_action.toggled.connect(self._on_voronoi_toggled)
        self.trails_action.toggled.connect(lambda _: self.painter.redraw())
        self.legend_action.toggled.connect(self.scatter.legend.set_enabled)
        self.zoom_action.triggered.connect(self.scatter.auto_range)
        self.aspect_action.toggled.connect(self.scatter.set_equal_aspect)
        self.point_controls.styleChanged.connect(self.scatter.set_point_style)
        self.aspect_action.triggered.connect(self._on_aspect_chosen)

    # ------------------------------------------------------------------ preferences
    def _apply_preferences(self, restore: bool) -> None:
        p = self.preferences
        if restore:
            geometry = self.store.geometry()
            if geometry is not None:
                self.restoreGeometry(geometry)
            state = self.store.window_state()
            if state is not None:
                self._layout_restored = self.restoreState(state)
        self.algorithm_panel.apply(p.algorithm)
        self.data_panel.apply(p.data)
        self.controls.set_speed(p.view.speed)
        self.session.set_speed(self.controls.speed())
        self.voronoi_action.setChecked(p.view.voronoi)
        self.trails_action.setChecked(p.view.trails)
        self.point_controls.set_style(
            PointStyle(size=p.view.point_size, opacity=p.view.opacity, jitter=p.view.jitter)
        )
        self.legend_action.setChecked(p.view.legend)
        self.half_steps_action.setChecked(p.view.half_steps)
        self.membership_action.setChecked(p.view.membership_lines)
        self.refresh_recent_menu()

    def save_preferences(self) -> None:
        p = self.preferences
        p.algorithm = self.algorithm_panel.choices()
        p.data = self.data_panel.choices()
        p.view.speed = self.controls.speed()
        p.view.voronoi = self.voronoi_action.isChecked()
        p.view.trails = self.trails_action.isChecked()
        style = self.point_controls.style()
        p.view.point_size, p.view.opacity, p.view.jitter = style.size, style.opacity, style.jitter
        p.view.legend = self.legend_action.isChecked()
        p.view.half_steps = self.half_steps_action.isChecked()
        p.view.membership_lines = self.membership_action.isChecked()
        self.store.save(p)
        self.store.set_layout(self.saveGeometry(), self.saveState())
        self.store.sync()

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

    def show_exception(self, exc: BaseException) -> None:
        if not self._closing:
            self.show_error(error_text(exc))

    def _on_job_failed(self, exc: BaseException) -> None:
        """An engine job's error; a crash of the engine itself is said once, by the link."""
        if not isinstance(exc, EngineCrashed):
            self.show_exception(exc)

    # ------------------------------------------------------------------ loading
    def open_dialog(self) -> None:
        from kmeans_gui.data import OPEN_FILTER  # pandas: loaded with the first table anyway

        path, _ = QFileDialog.getOpenFileName(
            self, "Open a table", self.preferences.folder("tables"), OPEN_FILTER
        )
        if path:
            self.open_file(path)

    def open_sample(self, sample: Sample = DEFAULT_SAMPLE, *, at_launch: bool = False) -> None:
        """Open a bundled sample with the settings it is meant to show (its k among them)."""
        self.open_file(str(sample.path), at_launch=at_launch)

    def open_file(
        self, path: str, *, at_launch: bool = False, feature_spec: Any = None, then: Any = None
    ) -> None:
        """Load ``path`` (a table, or a session file) in the background; the current table
        stays until the new one has loaded. A bundled sample brings its own k, except the one
        opened at launch when the user's own settings were restored: their k wins.
        ``feature_spec`` (a session's FeatureSpec) chooses the columns, missing values, scaling
        and weights; ``then()`` is called once the new table's points are drawn."""
        self.statusBar().showMessage(f"Loading {Path(path).name}…")
        self.progress_bar.setRange(0, 100)
        self.progress_bar.setValue(0)
        self.progress_bar.show()
        self.data.load(LoadRequest(path, at_launch, feature_spec, then))

    def _on_load_progress(self, fraction: float, message: str) -> None:
        self.progress_bar.setValue(int(100 * fraction))
        if message:
            self.statusBar().showMessage(message)

    def _load_ended(self) -> None:
        self.progress_bar.hide()
        self.statusBar().clearMessage()

    def _on_load_failed(self, exc: Exception) -> None:
        self._load_ended()
        self.show_exception(exc)

    def _on_session_file(self, path: str) -> None:
        self._load_ended()
        self.session_files.open_session(path)

    def _on_table_loaded(self, request: LoadRequest) -> None:
        """A new table: forget the run and the sweep, show its columns, ask for its features
        (``prepare_features`` at the end resets the run)."""
        self._load_ended()
        self.session.reset()
        self.inertia_view.clear_all()
        self.sweep.clear()
        self.sweep_view.reset()
        data, path, spec = self.data, request.path, request.spec
        sample, frame = data.sample, data.table.frame
        self.big_table.show(data.table)
        columns = [str(c) for c in frame.columns]
        chosen = list(sample.features) if sample and sample.features else None
        weight = sample.weight if sample else None
        if spec is not None:
            chosen, weight = [*spec.columns, *spec.one_hot], spec.weight_column
            saved = dataclasses.replace(
                self.data_panel.choices(), missing=spec.missing, scale=spec.scale
            )
            self.data_panel.apply(saved)
        notes = list(getattr(data.table, "notes", []) or [])
        excluded = {} if chosen is not None else data.excluded
        notes += [n for n in (feature_advice.exclusion_note(excluded),) if n]
        self.data_panel.set_table(
            Path(path).name,
            len(frame),
            columns,
            data.numeric,
            notes,
            chosen,
            excluded=excluded,
            categories=data.categories,
        )
        self.algorithm_panel.set_weight_columns(data.numeric, weight)
        if sample is not None:
            if not (request.at_launch and self.restored):
                self.algorithm_panel.set_k(sample.k)
            if sample.plot:
                self.data_panel.set_plot_choice(PLOT_FEATURES, *sample.plot)
        equal = self.preferences.view.equal_aspect or bool(sample and sample.equal_aspect)
        self.aspect_action.setChecked(equal)
        self.setWindowTitle(f"{Path(path).name} — kmeans-gui")
        if sample is None:
            self.preferences.set_folder("tables", path)
        self.preferences.add_recent(path)
        self.refresh_recent_menu()
        self.prepare_features()

    def refresh_recent_menu(self) -> None:
        self.recent_menu.clear()
        recent = self.preferences.recent
        for path in recent:
            self.recent_menu.addAction(path, lambda p=path: self.open_file(p))
        if recent:
            self.recent_menu.addSeparator()
            self.recent_menu.addAction("Clear list", self._clear_recent)
        self.recent_menu.setEnabled(bool(recent))

    def _clear_recent(self) -> None:
        self.preferences.recent = []
        self.refresh_recent_menu()

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
        """Recompute the feature matrix after a change of columns, missing-value rule, scale or
        weight column."""
        if self.data.table is None:
            return
        weight = self.algorithm_panel.weight_column()
        if weight is not None:
            self.data_panel.uncheck_column(weight)  # a weight cannot also be a feature
        choice = self.data_panel.feature_choice()
        # No numeric column at all: let the data layer pick (and refuse with the sentence the
        # command line shows), rather than "choose at least one column" from an empty list.
        chosen = choice.columns or choice.one_hot or self.data.numeric
        columns = list(choice.columns) if chosen else None
        self.reset_run()
        self.sweep.clear()
        self.data.prepare(columns, choice.missing, choice.scale, weight, choice.one_hot)

    def _on_prepare_failed(self, message: str) -> None:
        self.reset_run()
        self.scatter.set_points(None)
        self.compare.set_space(None)
        self.inertia_view.clear_all()
        self.sweep_view.reset()
        self.data_panel.set_left_out(0, [], [message])
        self._set_runnable(False, message)
        self.show_error(message)

    def _set_runnable(self, runnable: bool, why_not: str = "") -> None:
        """Run only with features to cluster."""
        self.controls.set_runnable(runnable, why_not)
        self._update_controls()

    def _on_features_prepared(self) -> None:
        prepared = self.data.prepared
        features = prepared.features
        self.data_panel.set_left_out(
            features.n_used, prepared.left_out_rows.tolist(), features.notes()
        )
        self.data_panel.set_spread_note(features.spread_note("standardise them"))
        self._set_runnable(True)
        self.engine.share_soon(features.X, features.weights)
        self.update_plot()

    def update_plot(self) -> None:
        """Place the points as the data panel's plot choice says."""
        self._update_plot_options()
        self.data.place(self.data_panel.plot_choice())

    def _on_points_placed(self) -> None:
        self.statusBar().clearMessage()  # "Computing principal components…"
        space = self.plot
        self.scatter.set_points(space.xy, space.x_label, space.y_label, space.bounds)
        self.compare.set_space(space)
        self._update_plot_options()
        self.painter.redraw()
        self.dataReady.emit()

    def _update_plot_options(self) -> None:
        features_plotted = self.data_panel.plot_choice().mode == PLOT_FEATURES
        self.algorithm_panel.set_place_allowed(
            features_plotted,
            "Click to place needs the plot to show two feature columns; principal components "
            "cannot be mapped back to unique feature values.",
        )
        self._update_teaching_options()
        exact = self.plot is not None and self.plot.is_feature_space
        self.voronoi_action.setEnabled(exact)
        self.voronoi_action.setToolTip(
            "Tint the plane by nearest centroid"
            if exact
            else "Voronoi regions are only exact when the plot shows the only two features"
        )
        if not exact and self.voronoi_action.isChecked() and self.plot is not None:
            self.voronoi_action.setChecked(False)

    def _update_teaching_options(self) -> None:
        """Half-steps for algorithms that alternate; membership lines for tables they suit."""
        params = self.session.params or self.algorithm_panel.parameters()
        alternating = alternates(params.algorithm)
        self.half_steps_action.setEnabled(alternating)
        self.half_steps_action.setToolTip(
            "Show each iteration as two frames: the points join their nearest centroid, then "
            "the centroids move to their points' mean (H)"
            if alternating
            else HALF_STEPS_OFF
        )
        n = len(self.plot.xy) if self.plot is not None else 0
        lines = self.membership.available()
        self.membership_action.setEnabled(lines)
        self.membership_action.setText(
            "Membership lines" if lines else f"Membership lines (off above {MAX_LINES:,} points)"
        )
        self.membership_action.setToolTip(
            "A line from each point to its centroid" if lines else why_off(n)
        )

    def _on_aspect_chosen(self, on: bool) -> None:
        self.preferences.view.equal_aspect = on  # the user's own choice, kept across tables

    def _on_voronoi_toggled(self, on: bool) -> None:
        self.scatter.set_voronoi(on)
        self.painter.redraw()

    # ------------------------------------------------------------------ running
    def start_run(self, *, paused: bool = False, init: np.ndarray | None = None) -> bool:
        """Start a new run with the panel's settings (from ``init``, (k, D) fit units, when
        given); False (and a message) if it cannot."""
        if self.prepared is None or self.plot is None:
            self.show_error("load a table and choose at least one feature column first")
            return False
        session = self.session
        if init is None and session.edit is not None and session.request is not None:
            session.resume()  # Run goes on from the edited centroids, as Resume does
            return True
        params = self.algorithm_panel.parameters()
        if init is None and params.init == PLACE:
            placed = session.edit
            if placed is None or not placed.k or self.plot is None or not self.plot.can_place:
                self._show_place_hint()
                self.statusBar().showMessage(
                    "Click on the plot to place the initial centroids, then Run.", 10_000
                )
                return False
            init = placed.centroids
            self._set_k_quietly(placed.k)
            params = self.algorithm_panel.parameters()
        request = self.checked_request(self.algorithm_panel, params, init)
        if request is None:
            return False
        if len(self.session.history) and self.session.params is not None:
            self.inertia_view.keep_as_ghost(self.session.params.label())
        self.algorithm_panel.set_run_note("")
        self.session.start(request, paused=paused)
        self._update_teaching_options()
        if self.engine.info is None:  # TensorFlow still loads in the engine process
            self.statusBar().showMessage(ENGINE_STARTING)
        self._update_stale()
        return True

    def checked_request(
        self, panel: AlgorithmPanel, params: Any, init: np.ndarray | None = None
    ) -> RunRequest | None:
        """A run of ``params`` on the prepared features, or None once a dialog has said why
        it cannot be run (a field the panel rejects, k beyond the rows, values beyond float32)."""
        problem = panel.problem()
        if problem:
            self.show_error(problem)
            return None
        features = self.prepared.features
        try:
            features.check_k(params.k)
            features.check_float32_range(params.metric)
        except ValueError as exc:
            self.show_exception(exc)
            return None
        return RunRequest(params, features, init)

    def toggle_run(self) -> None:
        """Space: pause a playing run, resume a paused one, otherwise start a new run."""
        if self.compare.active:
            self.compare.pane.toggle()
            return
        live = self.session.phase in (Phase.RUNNING, Phase.PAUSED, Phase.STARTING)
        if not (live and self.session.toggle()):
            self.start_run()

    def _on_pause_clicked(self) -> None:
        self.session.toggle()

    def step(self) -> None:
        """Right arrow: one more frame (starting a paused run if there is none)."""
        if self.compare.active:
            self.compare.pane.step()
        elif self.session.request is None:
            self.start_run(paused=True)
        else:
            self.session.step()

    def stop_run(self) -> None:
        if self.compare.active:
            self.compare.pane.pair.stop()
        else:
            self.session.stop()

    def reset(self) -> None:
        """Reset: the side-by-side pair when comparing, else the run."""
        if self.compare.active:
            self.compare.pane.reset()
        else:
            self.reset_run()

    def reset_run(self) -> None:
        """Stop and forget the run: points go back to grey."""
        self.session.reset()
        self.painter.clear()
        self._show_place_hint()
        self._update_teaching_options()
        self.algorithm_panel.set_run_note("")
        self._update_stale()

    def _update_controls(self) -> None:
        session = self.session
        runnable = self.prepared is not None
        can_step = session.can_step() or (runnable and session.request is None)
        self.controls.set_state(
            session.pause_action(), can_step=can_step, can_stop=session.can_stop()
        )
        self.step_action.setEnabled(can_step)
        self.stop_action.setEnabled(session.can_stop())
        self.run_action.setEnabled(runnable or session.pause_action() is not None)

    def _on_run_warning(self, text: str) -> None:
        """An engine warning (e.g. sampled k-medoids): kept under the algorithm settings for
        the rest of the run, and flashed in the status bar."""
        self.algorithm_panel.set_run_note(text)
        self.statusBar().showMessage(text, 15_000)

    def _on_run_failed(self, exc: BaseException) -> None:
        self._on_job_failed(exc)

    def _on_parameters_changed(self) -> None:
        edit = self.session.edit
        if edit is not None and not self._syncing_k and self.algorithm_panel.k() != edit.k:
            # k chosen by hand: the edited (or placed) centroids were for another k
            self.session.set_edit(None)
            self.statusBar().showMessage("k changed: the edited centroids were dropped.", 8000)
        self._update_teaching_options()
        self._update_stale()

    def _update_stale(self) -> None:
        """Mark the picture when it no longer shows what the panel asks for."""
        params = self.session.params
        shown = params is not None and len(self.session.history) > 0
        shown = shown and self.session.edit is None  # Resume goes on from the edit: not stale
        reason = ""
        if shown:
            now = self.algorithm_panel.parameters()
            if now.k != params.k:
                reason = f"k changed ({params.k} → {now.k}): Run to update"
            elif now != params and now.init != PLACE:
                reason = "Settings changed: Run to update"
        self.stale_banner.setText(reason)
        self.stale_banner.adjustSize()
        self.stale_banner.move(12, 8)
        self.stale_banner.setVisible(bool(reason))
        self.scatter.set_dimmed(bool(reason))

    # ------------------------------------------------------------------ centroids by hand
    def _on_init_mode_changed(self, place: bool) -> None:
        self.scatter.set_place_mode(place)
        if not place and self.session.request is None:
            self.session.set_edit(None)  # placed centroids are only an initialiser's
        self._show_place_hint()

    def _show_place_hint(self) -> None:
        """What "Click to place" needs next, under the algorithm settings."""
        if not self.algorithm_panel.place_mode:
            self.algorithm_panel.set_place_hint("")
            return
        edit = self.session.edit if self.session.request is None else None
        if edit is not None and edit.k:
            text = (
                f"{edit.k} centroid{'s' if edit.k > 1 else ''} placed: Run uses them (k follows "
                "their count). Drag to move, right-click to remove, click to add more."
            )
        else:
            text = "Click on the plot to place the initial centroids; Run uses them."
        self.algorithm_panel.set_place_hint(text)

    def _on_edit_changed(self) -> None:
        self.painter.redraw()
        self.painter.update_history_controls()
        self._show_place_hint()
        self._update_controls()
        self._update_stale()

    def _on_centroids_edited(self, k: int) -> None:
        """The panel's k follows the number of centroids the user has placed or kept."""
        self._set_k_quietly(k)

    def _set_k_quietly(self, k: int) -> None:
        self._syncing_k = True
        try:
            self.algorithm_panel.set_k(k)
        finally:
            self._syncing_k = False

    # ------------------------------------------------------------------ sweep over k
    def start_sweep(self, ks: list[int]) -> None:
        if self.prepared is None:
            self.show_error("load a table and choose at least one feature column first")
            return
        params = self.algorithm_panel.parameters()
        features = self.prepared.features
        try:
            features.check_float32_range(params.metric)
        except ValueError as exc:
            self.show_exception(exc)
            return
        kwargs = params.engine_kwargs()  # a placed init is one k's: the sweep uses k-means++
        kwargs["gap_references"] = self.sweep_view.gap_references()
        self.sweep.start(features, ks, kwargs)

    def _on_sweep_point(self, _point: Any) -> None:
        n_rows = self.prepared.features.n_used if self.prepared is not None else None
        self.sweep_view.show_points(self.sweep.points, n_rows)

    def _on_sweep_finished(self, summary: str) -> None:
        self.sweep_view.finish(summary)
        self.sweep_view.mark_k(self.algorithm_panel.k())

    def _analysis_on_screen(self, view: Any) -> bool:
        dock = self.profile_dock if view is self.profile_view else self.silhouette_dock
        return dock_on_screen(dock)

    # ------------------------------------------------------------------ engine
    def _on_engine_ready(self, info: dict[str, Any]) -> None:
        if self._closing:
            return
        self.devices = list(info.get("devices", []))
        self.algorithm_panel.set_devices(self.devices)
        self.compare.set_devices(self.devices)
        if not self.status_fields["iteration"].text():
            self.status_fields["device"].setText(f"TensorFlow {info.get('tensorflow', '')} ready")
        self.engineReady.emit(self.devices)

    def _end_engine_starting_note(self, phase: Phase) -> None:
        """A run asked for while TensorFlow still loads waits for it (seconds on a first
        launch): ``start_run`` says so, and the note goes once the first iteration is in."""
        bar = self.statusBar()
        if phase is not Phase.STARTING and bar.currentMessage() == ENGINE_STARTING:
            bar.clearMessage()

    def _on_engine_crashed(self, sentence: str) -> None:
        if self._closing:
            return
        self.status_fields["device"].setText("engine stopped")
        self.show_error(sentence, title="kmeans-gui: the engine stopped")

    # ------------------------------------------------------------------ misc

    def closeEvent(self, event: QCloseEvent) -> None:
        """Save the preferences, stop the run and the sweep, end the engine process."""
        self._closing = True
        self.data.close()
        self.save_preferences()
        self.session.reset()
        self.compare.pane.reset()
        self.sweep.clear()
        self.analysis.close()
        self.background.shutdown()
        if self._owns_engine:
            self.engine.close()
        super().closeEvent(event)
