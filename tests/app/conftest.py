"""Fixtures that build the real window, offscreen, with its own settings file.

Dialogs are captured instead of shown (a modal box would block the test); animation runs at
full speed so a run's playback ends as soon as the engine does. Windows share one engine
process for the whole test session (``engine``): starting one, and loading TensorFlow in it,
costs seconds. Tests of the engine process's own life (crash, close) start their own.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMessageBox

DATA = Path(__file__).resolve().parents[2] / "data"
RUN_TIMEOUT_MS = 90_000  # the first run in a process also imports TensorFlow


@pytest.fixture
def dialogs(monkeypatch) -> list[str]:
    """Messages the window would have shown in an error dialog."""
    shown: list[str] = []

    def capture(parent, title, text, *args, **kwargs):
        shown.append(text)
        return QMessageBox.StandardButton.Ok

    monkeypatch.setattr(QMessageBox, "critical", capture)
    return shown


@pytest.fixture
def settings_file(tmp_path) -> Path:
    return tmp_path / "settings.ini"


@pytest.fixture(scope="session")
def engine(qapp):
    """One engine process for every window of the test session."""
    from kmeans_gui.app.engine_link import EngineLink

    link = EngineLink()
    link.start()
    yield link
    link.close()


@pytest.fixture
def make_window(qtbot, dialogs, settings_file, engine):
    """Build a MainWindow on ``settings_file`` and the shared engine; closed at teardown."""
    from kmeans_gui.app.window import MainWindow

    windows = []

    def make(restore: bool = False, own_engine: bool = False):
        settings = QSettings(str(settings_file), QSettings.Format.IniFormat)
        window = MainWindow(settings, restore=restore, engine=None if own_engine else engine)
        qtbot.addWidget(window)
        window.resize(1200, 800)
        window.show()
        windows.append(window)
        return window

    yield make
    for window in windows:
        window.close()


@pytest.fixture
def window(make_window):
    win = make_window()
    win.controls.set_speed(0)  # max speed
    return win


def load(qtbot, window, path: Path | str) -> None:
    """Open ``path`` in the window and wait until its points are plotted."""
    with qtbot.waitSignal(window.dataReady, timeout=30_000):
        window.open_file(str(path))
