"""How the explorer window is laid out: views, docks, menus, the toolbar and the status bar.

Built once, like a Designer form's ``setupUi``: every widget and action becomes an attribute of
the window (``window.scatter``, ``window.run_action``…), so the wiring in
:mod:`kmeans_gui.app.window` and the tests address them by name. Nothing here holds state or
reacts to a run.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QAbstractSlider,
    QDockWidget,
    QLabel,
    QMessageBox,
    QProgressBar,
    QScrollArea,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from .algorithm_panel import AlgorithmPanel
from .data_panel import DataPanel
from .inertia_view import InertiaView
from .point_controls import PointControls
from .profile_view import ProfileView
from .run_controls import RunControls
from .samples import available_samples
from .scatter_view import ScatterView
from .silhouette_view import SilhouetteView
from .sizes_view import SizesView
from .status_line import StatusBar
from .sweep_view import SweepView

if TYPE_CHECKING:
    from .window import MainWindow


LEFT_DOCK_MIN = 250  # the data and algorithm panels' width without clipping
RIGHT_DOCK_MIN = 250
STATUS_FIELDS = (
    ("iteration", 110),
    ("inertia", 150),
    ("shift", 130),
    ("changed", 120),
    ("ms", 150),
    ("device", 120),
)


SLIDER_KEYS = {
    Qt.Key.Key_Left,
    Qt.Key.Key_Right,
    Qt.Key.Key_Up,
    Qt.Key.Key_Down,
    Qt.Key.Key_PageUp,
    Qt.Key.Key_PageDown,
    Qt.Key.Key_Home,
    Qt.Key.Key_End,
}


class KeysForFocusedFields(QObject):
    """Which keys a focused field keeps from the window's one-key shortcuts.

    Number fields: Space is Run/Pause there, not a character (a focused spin box or line edit
    claims Space to type it, so the shortcut never fired while, say, k had focus; a space is
    never valid in a number, so the claim is declined). Sliders: the arrows, Home and End move
    the slider (without this, Right stepped the run while the speed slider had focus).
    """

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.ShortcutOverride:
            return False
        if event.modifiers() != Qt.KeyboardModifier.NoModifier:
            return False
        if isinstance(watched, QAbstractSlider):
            if event.key() in SLIDER_KEYS:
                event.accept()  # the slider takes it; no shortcut fires
                return True
            return False
        if event.key() == Qt.Key.Key_Space:
            event.ignore()
            return True
        return False


def build_views(window: MainWindow) -> None:
    """The scatter plot and run controls in the middle, panels left, charts right."""
    window.scatter = ScatterView()
    window.controls = RunControls()
    window.data_panel = DataPanel()
    window.algorithm_panel = AlgorithmPanel()
    window.inertia_view = InertiaView()
    window.sizes_view = SizesView()
    window.sweep_view = SweepView()
    window.profile_view = ProfileView()
    window.silhouette_view = SilhouetteView()
    window.stale_banner = QLabel("", window.scatter)
    window.stale_banner.setObjectName("staleBanner")
    window.stale_banner.hide()

    central = QWidget()
    layout = QVBoxLayout(central)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(0)
    layout.addWidget(window.scatter, 1)
    layout.addWidget(window.controls)
    window.setCentralWidget(central)

    def dock(
        title: str, widget: QWidget, area: Qt.DockWidgetArea, scroll: bool = False, name: str = ""
    ):
        d = QDockWidget(title, window)
        d.setObjectName(name or title.replace(" ", "_").lower() + "_dock")  # in saved layouts
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
        window.addDockWidget(area, d)
        return d

    left, right = Qt.DockWidgetArea.LeftDockWidgetArea, Qt.DockWidgetArea.RightDockWidgetArea
    window.data_dock = dock("Data", window.data_panel, left, scroll=True)
    window.algorithm_dock = dock("Algorithm", window.algorithm_panel, left, scroll=True)
    window.inertia_dock = dock("Inertia", window.inertia_view, right)
    # short titles: four tabs share the right-hand column on a 1280-pixel screen
    window.sizes_dock = dock("Sizes", window.sizes_view, right, name="cluster_sizes_dock")
    window.sweep_dock = dock("Choose k", window.sweep_view, right)
    window.tabifyDockWidget(window.sizes_dock, window.sweep_dock)
    window.profile_dock = dock("Profiles", window.profile_view, right, name="cluster_profiles_dock")
    window.silhouette_dock = dock("Silhouettes", window.silhouette_view, right)
    window.tabifyDockWidget(window.sweep_dock, window.profile_dock)
    window.tabifyDockWidget(window.profile_dock, window.silhouette_dock)
    window.sizes_dock.raise_()
    window.resize(1440, 900)
    size_docks(window)


def size_docks(window: MainWindow) -> None:
    """Share the width out: ~23% left (at least its panels' width), ~25% right."""
    width = window.width()
    left = max(LEFT_DOCK_MIN, round(0.23 * width))
    right = max(RIGHT_DOCK_MIN, round(0.25 * width))
    window.resizeDocks(
        [window.inertia_dock, window.sizes_dock], [380, 420], Qt.Orientation.Vertical
    )
    window.resizeDocks(
        [window.data_dock, window.inertia_dock], [left, right], Qt.Orientation.Horizontal
    )
    # The algorithm panel gets the height it needs (it does not grow), the data panel the
    # rest: its feature list and notes are what a tall table needs room for.
    title = window.algorithm_dock.style().pixelMetric(
        window.algorithm_dock.style().PixelMetric.PM_TitleBarHeight
    )
    algorithm = window.algorithm_panel.sizeHint().height() + title + 28  # + frame, margins
    # The column the two share (not the window's height: menus, toolbar and status bar take
    # their part, and sizes asking for more than the column are scaled down together).
    column = window.data_dock.height() + window.algorithm_dock.height()
    window.resizeDocks(
        [window.data_dock, window.algorithm_dock],
        [max(column - algorithm, 200), algorithm],
        Qt.Orientation.Vertical,
    )


def fit_screen(window: MainWindow) -> None:
    """Never larger than the screen the window opens on (a restored size from a bigger
    monitor, or the default 1440 x 900 on a 1280 x 800 laptop, would hide the controls):
    a window that would not fit opens maximised."""
    screen = window.screen()
    if screen is None or QGuiApplication.platformName() == "offscreen":
        return  # offscreen (tests, --screenshot): the size asked for is the size drawn
    room = screen.availableGeometry()
    window.data_panel.set_visible_columns(12 if room.height() >= 950 else 7)
    if window.width() >= room.width() or window.height() >= room.height():
        # The window manager knows its title bar and borders; a resize to the screen's room
        # would put them on top and push the status bar off the bottom (seen under openbox).
        window.setWindowState(window.windowState() | Qt.WindowState.WindowMaximized)


def build_menus(window: MainWindow) -> None:
    """File, Run, View and Help; the plot toolbar shares the View menu's actions."""
    bar = window.menuBar()
    file_menu = bar.addMenu("&File")
    window.open_action = file_menu.addAction("&Open…", window.open_dialog)
    window.open_action.setShortcut(QKeySequence.StandardKey.Open)
    window.samples_menu = file_menu.addMenu("Open &sample")
    for sample in available_samples():
        window.samples_menu.addAction(sample.title, lambda s=sample: window.open_sample(s))
    window.recent_menu = file_menu.addMenu("Open &recent")
    window.open_session_action = file_menu.addAction(
        "Open sess&ion…", lambda: window.session_files.open_session_dialog()
    )
    window.save_session_action = file_menu.addAction(
        "Sa&ve session…", lambda: window.session_files.save_session_dialog()
    )
    window.save_session_action.setShortcut(QKeySequence.StandardKey.Save)
    file_menu.addSeparator()
    window.export_labelled_action = file_menu.addAction(
        "&Export labelled data…", lambda: window.exporter.export_labelled_dialog()
    )
    window.export_labelled_action.setShortcut(QKeySequence("Ctrl+E"))
    window.export_centroids_action = file_menu.addAction(
        "Export &centroids…", lambda: window.exporter.export_centroids_dialog()
    )
    window.export_plot_action = file_menu.addAction(
        "Export &plot as PNG/SVG…", lambda: window.exporter.export_plot_dialog()
    )
    window.export_profiles_action = file_menu.addAction(
        "Export cluster p&rofiles…", lambda: window.exporter.export_profiles_dialog()
    )
    window.export_model_action = file_menu.addAction(
        "Export &model…", lambda: window.session_files.export_model_dialog()
    )
    window.copy_python_action = file_menu.addAction(
        "Copy as P&ython", lambda: window.session_files.copy_as_python()
    )
    window.copy_python_action.setToolTip(
        "A short script that reproduces this run with kmeans_gui.data and KMeans, for a notebook"
    )
    window.export_animation_action = file_menu.addAction(
        "Export &animation (GIF/MP4)…", lambda: window.exporter.export_animation_dialog()
    )
    file_menu.addSeparator()
    quit_action = file_menu.addAction("&Quit", window.close)
    quit_action.setShortcut(QKeySequence.StandardKey.Quit)

    run_menu = bar.addMenu("&Run")
    window.run_action = QAction("Run / Pause", window)
    window.run_action.setShortcut(QKeySequence(Qt.Key.Key_Space))
    window.run_action.triggered.connect(window.toggle_run)
    window.step_action = QAction("Step one iteration", window)
    window.step_action.setShortcut(QKeySequence(Qt.Key.Key_Right))
    window.step_action.triggered.connect(window.step)
    window.stop_action = QAction("Stop", window)
    window.stop_action.triggered.connect(window.stop_run)
    window.reset_action = QAction("Reset", window)
    window.reset_action.triggered.connect(window.reset)
    for action in (window.run_action, window.step_action, window.stop_action, window.reset_action):
        # also from a floating dock (a window of its own)
        action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        run_menu.addAction(action)
        window.addAction(action)

    view_menu = window.view_menu = bar.addMenu("&View")
    window.voronoi_action = QAction("Voronoi regions", window, checkable=True)
    window.trails_action = QAction("Centroid trails", window, checkable=True, checked=True)
    window.legend_action = QAction("Legend", window, checkable=True, checked=True)
    window.zoom_action = QAction("Reset zoom", window)
    window.aspect_action = QAction("Equal aspect", window, checkable=True)
    window.aspect_action.setToolTip(
        "Same scale on both axes, for columns in the same unit (on for the GPS sample)"
    )
    window.half_steps_action = QAction("Half-steps (assign, then update)", window, checkable=True)
    window.half_steps_action.setShortcut(QKeySequence("H"))
    window.half_steps_action.setIconText("Half-steps")
    window.membership_action = QAction("Membership lines", window, checkable=True)
    view_menu.setToolTipsVisible(True)  # disabled entries say why there
    for action in (
        window.voronoi_action,
        window.trails_action,
        window.half_steps_action,
        window.membership_action,
        window.aspect_action,
    ):
        view_menu.addAction(action)
    view_menu.addAction(window.legend_action)
    view_menu.addAction(window.zoom_action)
    view_menu.addSeparator()
    for d in (window.data_dock, window.algorithm_dock, window.inertia_dock, window.sizes_dock):
        view_menu.addAction(d.toggleViewAction())
    view_menu.addAction(window.sweep_dock.toggleViewAction())
    view_menu.addAction(window.profile_dock.toggleViewAction())
    view_menu.addAction(window.silhouette_dock.toggleViewAction())

    toolbar = window.plot_toolbar = QToolBar("Plot", window)
    toolbar.setObjectName("plot_toolbar")
    toolbar.setMovable(False)
    for action in (
        window.voronoi_action,
        window.trails_action,
        window.half_steps_action,
        window.membership_action,
        window.zoom_action,
        window.export_plot_action,
    ):
        toolbar.addAction(action)
    toolbar.addSeparator()
    window.point_controls = PointControls(window)
    toolbar.addWidget(window.point_controls)
    window.addToolBar(Qt.ToolBarArea.TopToolBarArea, toolbar)

    help_menu = bar.addMenu("&Help")
    help_menu.addAction("About kmeans-gui", lambda: show_about(window))


def build_status_bar(window: MainWindow) -> None:
    """The status line, the run's figures in fixed fields, a progress bar for loading."""
    bar = StatusBar(window)
    window.setStatusBar(bar)
    window.status_fields: dict[str, QLabel] = {}
    for key, width in STATUS_FIELDS:
        label = QLabel("")
        label.setMinimumWidth(width)
        window.status_fields[key] = label
        bar.addPermanentWidget(label)
    window.progress_bar = QProgressBar()
    window.progress_bar.setMaximumWidth(160)
    window.progress_bar.setMaximumHeight(14)
    window.progress_bar.hide()
    bar.addPermanentWidget(window.progress_bar)
    window.status_fields["device"].setText("loading TensorFlow…")


def show_about(window: MainWindow) -> None:
    QMessageBox.about(
        window,
        "About kmeans-gui",
        "<b>kmeans-gui</b><br>Watch k-means work, iteration by iteration, on a TensorFlow "
        "engine.<br><br>Space: run/pause · Right: step · H: half-steps · Ctrl+K: two runs "
        "side by side · drag a centroid to move it, double-click to add one, right-click "
        "to remove it · drag a file onto the window to open it.",
    )
