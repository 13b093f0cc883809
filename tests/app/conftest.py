"""Fixtures that build the real window, offscreen, with its own settings file.

Dialogs are captured instead of shown (a modal box would block the test); animation runs at
full speed so a run's playback ends as soon as the engine does. Windows share one engine
process for the whole test session (``engine``): starting one, and loading TensorFlow in it,
costs seconds. Tests of the engine process's own life (crash, close) start their own.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
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


def shown_scatter(qtbot, width: int, height: int):
    """A ScatterView on its own, shown at ``width`` x ``height`` (closed with the test)."""
    from kmeans_gui.app.scatter_view import ScatterView

    view = ScatterView()
    qtbot.addWidget(view)
    view.resize(width, height)
    view.show()
    return view


def write_three_blobs(path: Path, per_blob: int, seed: int) -> np.ndarray:
    """Three unit-spread blobs at (0, 0), (8, 0) and (0, 8) as a CSV of columns a, b."""
    import pandas as pd

    rng = np.random.default_rng(seed)
    centres = np.array([[0, 0], [8, 0], [0, 8]])
    xy = np.concatenate([rng.normal(c, 1.0, (per_blob, 2)) for c in centres])
    pd.DataFrame(xy, columns=["a", "b"]).to_csv(path, index=False)
    return xy
