"""Start the explorer (``kmeans-gui [FILE]``) or render one run to a PNG (``--screenshot``)."""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from PySide6.QtCore import QEventLoop, QSettings, QTimer, QtMsgType, qInstallMessageHandler
from PySide6.QtWidgets import QApplication

from .style import apply_style

SCREENSHOT_TIMEOUT_S = 900
SCREENSHOT_SIZE = (1440, 900)


def _application() -> QApplication:
    app = QApplication.instance()
    if app is None:
        app = QApplication(sys.argv[:1])
    app.setApplicationName("kmeans-gui")
    app.setOrganizationName("kmeans-gui")
    app.setDesktopFileName("kmeans-gui")
    apply_style(app)
    return app


def run_app(path: str | None = None, screenshot: str | None = None, k: int | None = None) -> int:
    """Open the window on ``path`` (or the default sample) with ``k`` clusters if given.

    With ``screenshot``, nothing is shown to a user: the file is loaded, one run goes to
    completion at full animation speed, the final frame of the window is saved as that PNG and
    the return value is 0 (1 if the file or the run failed; the reason goes to stderr).
    """
    if screenshot:  # nothing is shown: no display needed, none flashes up on a desktop
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    app = _application()
    from .window import MainWindow  # after the QApplication exists (pyqtgraph wants one)

    if screenshot:
        return _screenshot(app, MainWindow, path, screenshot, k)
    window = MainWindow()
    window.show()

    def apply_k() -> None:
        window.dataReady.disconnect(apply_k)
        if k is not None:
            window.algorithm_panel.set_k(int(k))

    window.dataReady.connect(apply_k)
    if path:
        QTimer.singleShot(0, lambda: window.open_file(path, at_launch=True))
    else:
        QTimer.singleShot(0, lambda: window.open_sample(at_launch=True))
    return app.exec()


QT_NOISE = ("does not support propagateSizeHints",)  # the offscreen platform, every window


@contextmanager
def _quiet_qt() -> Iterator[None]:
    """Drop the offscreen platform's known warnings; pass every other Qt message on."""

    def handler(mode: QtMsgType, _context, message: str) -> None:
        if not any(noise in message for noise in QT_NOISE):
            print(message, file=sys.stderr)

    previous = qInstallMessageHandler(handler)
    try:
        yield
    finally:
        qInstallMessageHandler(previous)


def _screenshot(app: QApplication, window_class, path: str | None, out: str, k: int | None) -> int:
    """A screenshot run prints nothing but its own errors (TensorFlow's start-up lines are held
    back in the engine process; Qt's offscreen notes here)."""
    with _quiet_qt():
        return _screenshot_run(app, window_class, path, out, k)


def _screenshot_run(
    app: QApplication, window_class, path: str | None, out: str, k: int | None
) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        settings = QSettings(str(Path(tmp) / "screenshot.ini"), QSettings.Format.IniFormat)
        window = window_class(settings, interactive=False, restore=False)
        window.resize(*SCREENSHOT_SIZE)
        window.controls.set_speed(0)  # max: draw every frame as soon as it arrives
        window.show()
        loop = QEventLoop()
        outcome = {"code": 1}

        def on_data() -> None:
            window.dataReady.disconnect(on_data)
            if k is not None:
                window.algorithm_panel.set_k(int(k))
            if not window.start_run():
                loop.quit()

        def on_finished() -> None:
            if window.errors:
                loop.quit()
                return
            app.processEvents()
            image = window.grab()
            if image.save(out):
                outcome["code"] = 0
            else:
                print(f"error: could not write the screenshot to {out}", file=sys.stderr)
            loop.quit()

        window.dataReady.connect(on_data)
        window.runFinished.connect(on_finished)
        window.errorShown.connect(lambda _message: loop.quit())
        QTimer.singleShot(SCREENSHOT_TIMEOUT_S * 1000, loop.quit)
        if path:
            QTimer.singleShot(0, lambda: window.open_file(path))
        else:
            QTimer.singleShot(0, window.open_sample)
        loop.exec()
        window.close()
        settings.sync()
        return outcome["code"]
