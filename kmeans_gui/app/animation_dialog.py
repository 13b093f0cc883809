"""File > Export animation…: the options dialog, then the export with a progress bar and Cancel.

The animation is of the restart on screen, drawn as the window draws it (the View menu's
trails and Voronoi regions, the plot's current range and aspect) at the chosen size; see
:mod:`~kmeans_gui.app.animation`. The window stays responsive while frames are drawn, one per
turn of the event loop, and encoded on a thread; the progress dialog is modal to the window,
so the run cannot change under the export.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressDialog,
    QPushButton,
    QSpinBox,
    QWidget,
)

from kmeans_gui.data import DataError

from .animation import AnimationExport, FrameLook, FrameRenderer, describe
from .animation_file import MAX_FPS, MAX_SIDE, MIN_SIDE, check_animation_path, frame_size
from .animation_frames import frame_steps
from .picture import HALF_STEPS_OFF, alternates
from .plot_export import TITLE_HEIGHT, RunTitle

DEFAULT_FPS = 4.0
FILTERS = "GIF animation (*.gif);;MP4 video (*.mp4)"


@dataclass(frozen=True)
class AnimationRequest:
    """What the dialog asks for: iterations ``first`` to ``last`` of the restart on screen."""

    path: str
    first: int
    last: int
    half_steps: bool = False
    fps: float = DEFAULT_FPS
    size: tuple[int, int] = (960, 720)


class AnimationDialog(QDialog):
    def __init__(
        self,
        parent: QWidget,
        path: str,
        iterations: tuple[int, int],
        size: tuple[int, int],
        half_steps_allowed: bool,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export animation")
        self.path_edit = QLineEdit(path)
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.path_edit, 1)
        row.addWidget(browse)
        lo, hi = iterations
        self.first_spin = QSpinBox(minimum=lo, maximum=hi, value=lo)
        self.last_spin = QSpinBox(minimum=lo, maximum=hi, value=hi)
        span = QHBoxLayout()
        span.addWidget(self.first_spin)
        span.addWidget(QLabel("to"))
        span.addWidget(self.last_spin)
        self.half_steps_box = QCheckBox("Two frames per iteration: assignment, then update")
        self.half_steps_box.setEnabled(half_steps_allowed)
        if not half_steps_allowed:
            self.half_steps_box.setToolTip(HALF_STEPS_OFF)
        self.fps_spin = QDoubleSpinBox(minimum=0.5, maximum=MAX_FPS, value=DEFAULT_FPS)
        self.fps_spin.setDecimals(1)
        self.fps_spin.setSuffix(" frames/s")
        self.width_spin = QSpinBox(minimum=MIN_SIDE, maximum=MAX_SIDE, value=size[0])
        self.height_spin = QSpinBox(minimum=MIN_SIDE, maximum=MAX_SIDE, value=size[1])
        dims = QHBoxLayout()
        dims.addWidget(self.width_spin)
        dims.addWidget(QLabel("×"))
        dims.addWidget(self.height_spin)
        dims.addWidget(QLabel("pixels"))
        self.summary = QLabel()
        note = QLabel("Trails, Voronoi regions, zoom and aspect as on screen.")
        note.setObjectName("hint")
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Export")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow("File", row)
        form.addRow("Iterations", span)
        form.addRow("", self.half_steps_box)
        form.addRow("Frame rate", self.fps_spin)
        form.addRow("Size", dims)
        form.addRow("", self.summary)
        form.addRow("", note)
        form.addRow(buttons)
        for spin in (self.first_spin, self.last_spin, self.fps_spin):
            spin.valueChanged.connect(self._update_summary)
        self.half_steps_box.toggled.connect(self._update_summary)
        self._update_summary()

    def request(self) -> AnimationRequest:
        first, last = sorted((self.first_spin.value(), self.last_spin.value()))
        return AnimationRequest(
            path=self.path_edit.text().strip(),
            first=first,
            last=last,
            half_steps=self.half_steps_box.isChecked(),
            fps=self.fps_spin.value(),
            size=(self.width_spin.value(), self.height_spin.value()),
        )

    def _update_summary(self) -> None:
        r = self.request()
        self.summary.setText(describe(frame_steps(r.first, r.last, r.half_steps), r.fps))

    def _browse(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, "Export animation", self.path_edit.text(), FILTERS
        )
        if path:
            self.path_edit.setText(path)


class AnimationExporter(QObject):
    """The window's animation exports (``window``: session, plot, scatter, View actions,
    preferences, ``show_error``); ``on_written(path)`` reports a file written."""

    def __init__(self, window: Any, on_written: Callable[[str], None]) -> None:
        super().__init__(window)
        self.window = window
        self.on_written = on_written
        self.job: AnimationExport | None = None
        self.progress: QProgressDialog | None = None
        window.installEventFilter(self)

    def _restart_frames(self) -> tuple[int, int] | None:
        session = self.window.session
        first, last = session.history.restart_range(session.playback.restart)
        return (first, last) if last >= first else None

    def dialog(self) -> None:
        frames = self._restart_frames()
        if frames is None or self.window.plot is None:
            self.window.show_error("run k-means first: there is no run to animate yet")
            return
        history = self.window.session.history
        iterations = (history.frames[frames[0]].iteration, history.frames[frames[1]].iteration)
        scatter = self.window.scatter
        size = (scatter.width() - scatter.width() % 2, scatter.height() + TITLE_HEIGHT)
        size = (max(size[0], MIN_SIDE), max(size[1] - size[1] % 2, MIN_SIDE))
        preferences = self.window.preferences
        stem = Path(self.window.table_path).stem if self.window.table_path else "run"
        default = str(Path(preferences.folder("exports")) / f"{stem}_run.gif")
        params = self.window.session.params
        allowed = params is not None and alternates(params.algorithm)
        dialog = AnimationDialog(self.window, default, iterations, size, allowed)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        request = dialog.request()
        if request.path:
            preferences.set_folder("exports", request.path)
            self.export(request)

    def export(self, request: AnimationRequest) -> AnimationExport | None:
        """Start the export (None, after a message, if it cannot start)."""
        window = self.window
        frames = self._restart_frames()
        if frames is None or window.plot is None or window.session.params is None:
            window.show_error("run k-means first: there is no run to animate yet")
            return None
        try:
            target, fmt = check_animation_path(request.path)
            size = frame_size(fmt, *request.size)
        except DataError as exc:
            window.show_error(str(exc))
            return None
        history = window.session.history
        indices = [
            i
            for i in range(frames[0], frames[1] + 1)
            if request.first <= history.frames[i].iteration <= request.last
        ]
        if not indices:
            window.show_error(f"iterations {request.first} to {request.last} are not in this run")
            return None
        params = window.session.params
        name = Path(window.table_path).name if window.table_path else "clusters"
        k = len(history.frames[indices[-1]].centroids)
        title = RunTitle(name, k, params.algorithm, params.init, params.metric)
        (x0, x1), (y0, y1) = window.scatter.plotItem.vb.viewRange()
        look = FrameLook(
            trails=window.trails_action.isChecked(),
            voronoi=window.voronoi_action.isChecked(),
            equal_aspect=window.scatter.equal_aspect,
            view_rect=(x0, y0, x1 - x0, y1 - y0),
        )
        half_steps = request.half_steps and alternates(params.algorithm)
        steps = frame_steps(indices[0], indices[-1], half_steps)
        renderer = FrameRenderer(history, window.plot, title, size, look)
        job = AnimationExport(renderer, steps, target, fmt, request.fps, self)
        progress = QProgressDialog(f"Exporting {target.name}…", "Cancel", 0, job.total, window)
        progress.setWindowTitle("Export animation")
        progress.setWindowModality(Qt.WindowModality.WindowModal)
        progress.setAutoClose(False)
        progress.setAutoReset(False)
        progress.setMinimumDuration(0)
        progress.canceled.connect(job.cancel)
        job.progressed.connect(lambda done, total: self._on_progress(progress, done, total))
        job.succeeded.connect(lambda path: self._on_end(progress, path, None))
        job.failed.connect(lambda text: self._on_end(progress, None, text))
        job.cancelled.connect(lambda: self._on_end(progress, None, None))
        self.job, self.progress = job, progress
        progress.show()
        job.start()
        return job

    def _on_progress(self, progress: QProgressDialog, done: int, total: int) -> None:
        progress.setValue(done)
        if done == total:
            progress.setLabelText("Writing the file…")

    def _on_end(self, progress: QProgressDialog, path: str | None, error: str | None) -> None:
        progress.canceled.disconnect()
        progress.close()
        progress.deleteLater()
        self.job, self.progress = None, None
        window = self.window
        if path is not None:
            self.on_written(path)
        elif error is not None:
            window.show_error(error)
        else:
            window.statusBar().showMessage("Export cancelled; no file was written.", 8000)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Closing the window cancels an export under way (and waits for its encoder)."""
        if watched is self.window and event.type() == QEvent.Type.Close and self.job is not None:
            self.job.cancel()
            self.job.wait(10)
        return False
