"""Animations of a run: frames drawn offscreen by the window's own scatter view, encoded on a
thread of their own.

:class:`FrameRenderer` owns a :class:`~kmeans_gui.app.scatter_view.ScatterView` that is never
shown, sized to the animation, and draws each frame exactly as the window draws one (points,
trails, centroids, Voronoi regions, legend) under the title line of an exported plot
(:mod:`~kmeans_gui.app.plot_export`). Qt paints only on the GUI thread, so
:class:`AnimationExport` renders one frame per turn of the event loop (the window stays
responsive) and hands it to an encoder thread through a short queue
(:mod:`~kmeans_gui.app.animation_file`); Cancel stops both and leaves no file. The command line
(``kmeans-gui animate``) uses the same renderer on the offscreen platform.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QApplication

from kmeans_gui.data import DataError

from .animation_file import ExportCancelled, load_encoder, write_animation
from .animation_frames import STATE, FrameStep
from .frame_painter import MAX_TRAIL
from .history import RunHistory
from .picture import Picture, cost, picture_at, trail
from .plot_export import TITLE_HEIGHT, RunTitle, paint_titled
from .plot_space import PlotSpace
from .scatter_view import ScatterView

QUEUE_FRAMES = 4  # rendered frames waiting for the encoder (a few MB each at 1280 x 720)
WAIT_MS = 10  # the GUI thread's pause while the encoder's queue is full


@dataclass(frozen=True)
class FrameLook:
    """How frames look beyond the run itself: what the View menu has on, and the plot range."""

    trails: bool = True
    voronoi: bool = False
    equal_aspect: bool = False
    view_rect: tuple[float, float, float, float] | None = None  # x, y, width, height; None: all


class FrameRenderer:
    """Draws the states of one run (``history``) as ``width`` x ``height`` RGB frames."""

    def __init__(
        self,
        history: RunHistory,
        space: PlotSpace,
        title: RunTitle,
        size: tuple[int, int],
        look: FrameLook = FrameLook(),
    ) -> None:
        self.history = history
        self.space = space
        self.title = title
        self.look = look
        self.width, self.height = size
        view = ScatterView()
        view.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen, True)
        view.resize(self.width, self.height - TITLE_HEIGHT)
        view.show()  # laid out and painted like a window, never on a screen
        QApplication.processEvents()  # the layout: the plot's pixel size bins the points
        view.set_points(space.xy, space.x_label, space.y_label, space.bounds)
        view.set_equal_aspect(look.equal_aspect)
        if look.view_rect is not None:
            view.set_view_rect(QRectF(*look.view_rect))
        else:
            view.auto_range()
        vb = view.plotItem.vb
        view.set_region_grid((max(int(vb.width()), 1), max(int(vb.height()), 1)))
        view.set_voronoi(look.voronoi)
        self.view = view

    def close(self) -> None:
        self.view.hide()
        self.view.deleteLater()  # with its timers (a pending re-bin must not outlive it)

    def picture(self, step: FrameStep) -> Picture:
        """The step as the window would show it (an update or, after an edit, the edit)."""
        half = not step.is_state
        return picture_at(self.history, step.labels, half=half, half_steps=step.phase != STATE)

    def render(self, step: FrameStep) -> np.ndarray:
        """The frame as an (H, W, 3) uint8 RGB array."""
        picture = self.picture(step)
        frame = picture.frame
        trails = None
        if self.look.trails:
            path = trail(self.history, picture, MAX_TRAIL)
            t, k, d = path.shape
            trails = self.space.project(path.reshape(t * k, d)).reshape(t, k, 2)
        self.view.show_frame(
            picture.labels,
            self.space.project(picture.centroids),
            trails,
            k=picture.k,
            regions=self.space.regions(picture.centroids, self.title.metric),
        )
        features = self.space.features
        line = self.title.line(
            picture.iteration,
            cost(features.X, features.weights, picture, self.title.metric),
            phase=step.phase,
            restart=(frame.restart, frame.n_restarts),
        )
        image = QImage(self.width, self.height, QImage.Format.Format_RGB888)
        image.fill(QColor("white"))
        painter = QPainter(image)
        try:
            painter.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
            paint_titled(painter, self.view, line, self.width, self.height)
        finally:
            painter.end()
        rows = np.frombuffer(image.constBits(), np.uint8).reshape(self.height, -1)
        return rows[:, : self.width * 3].reshape(self.height, self.width, 3).copy()


class AnimationExport(QObject):
    """One export under way: frames rendered here (GUI thread), encoded on a thread.

    Signals: ``progressed(encoded, total)``; then exactly one of ``succeeded(path)``,
    ``failed(sentence)`` or ``cancelled()``.
    """

    progressed = Signal(int, int)
    succeeded = Signal(str)
    failed = Signal(str)
    cancelled = Signal()
    _encoded = Signal(int)
    _ended = Signal(str, str)  # (outcome, text) from the encoder thread

    def __init__(
        self,
        renderer: FrameRenderer,
        steps: list[FrameStep],
        target: Path,
        fmt: str,
        fps: float,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.renderer = renderer
        self.steps = steps
        self.target = target
        self.format = fmt
        self.fps = fps
        self.rendered = 0
        self.done = False
        self._queue: queue.Queue[np.ndarray | None] = queue.Queue(maxsize=QUEUE_FRAMES)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._timer = QTimer(self, singleShot=True)
        self._timer.timeout.connect(self._render_next)
        self._encoded.connect(lambda count: self.progressed.emit(count, len(self.steps)))
        self._ended.connect(self._on_ended)

    @property
    def total(self) -> int:
        return len(self.steps)

    def start(self) -> None:
        load_encoder(self.format)
        self._thread = threading.Thread(target=self._encode, name="animation-encoder", daemon=True)
        self._thread.start()
        self._timer.start(0)

    def cancel(self) -> None:
        """Stop rendering and encoding; the partial file is removed (``cancelled`` follows)."""
        self._stop.set()
        self._timer.stop()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the encoder thread has ended (True) or ``timeout`` seconds passed."""
        if self._thread is not None:
            self._thread.join(timeout)
            return not self._thread.is_alive()
        return True

    # -- GUI thread ------------------------------------------------------------------------
    def _render_next(self) -> None:
        if self._stop.is_set():
            return
        if self._queue.full():
            self._timer.start(WAIT_MS)
            return
        if self.rendered == len(self.steps):
            self._queue.put_nowait(None)  # the end
            return
        try:
            frame = self.renderer.render(self.steps[self.rendered])
        except Exception as exc:  # drawing failed: say so, write nothing
            self._stop.set()
            self._finish("failed", f"Could not draw frame {self.rendered + 1}: {exc}.")
            return
        self._queue.put_nowait(frame)
        self.rendered += 1
        self._timer.start(0)

    def _on_ended(self, outcome: str, text: str) -> None:
        self._finish(outcome, text)

    def _finish(self, outcome: str, text: str) -> None:
        if self.done:
            return
        self.done = True
        self._timer.stop()
        self.renderer.close()
        if outcome == "succeeded":
            self.succeeded.emit(text)
        elif outcome == "cancelled":
            self.cancelled.emit()
        else:
            self.failed.emit(text)

    # -- encoder thread --------------------------------------------------------------------
    def _frames(self) -> Iterator[np.ndarray]:
        while True:
            try:
                frame = self._queue.get(timeout=0.05)
            except queue.Empty:
                if self._stop.is_set():
                    raise ExportCancelled from None
                continue
            if self._stop.is_set():
                raise ExportCancelled
            if frame is None:
                return
            yield frame

    def _encode(self) -> None:
        outcome: tuple[str, str]
        try:
            path = write_animation(
                self.target, self.format, self.fps, self._frames(), self._encoded.emit
            )
            outcome = ("succeeded", str(path))
        except ExportCancelled:
            outcome = ("cancelled", "")
        except DataError as exc:
            outcome = ("failed", str(exc))
        except Exception as exc:  # an encoder's own error, as one sentence
            outcome = ("failed", f"Could not write {self.target}: {exc}.")
        if self._stop.is_set() and outcome[0] == "failed":
            outcome = ("cancelled", "")  # a drawing failure already said why
        self._ended.emit(*outcome)


def render_all(renderer: FrameRenderer, steps: list[FrameStep]) -> Iterator[np.ndarray]:
    """Frames one after another (the command line: no event loop to share)."""
    for step in steps:
        yield renderer.render(step)


def describe(steps: list[FrameStep], fps: float) -> str:
    """e.g. "31 frames, 7.8 s at 4 frames a second"."""
    seconds = len(steps) / fps if fps > 0 else 0.0
    return f"{len(steps)} frames, {seconds:.1f} s at {fps:g} frames a second"
