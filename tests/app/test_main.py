"""The screenshot mode and the PySide6 reference-count workaround."""

from __future__ import annotations

import subprocess
import sys

from PySide6.QtGui import QImage

from kmeans_gui.app.main import SCREENSHOT_SIZE, run_app

from .conftest import DATA


def test_screenshot_mode_runs_to_the_end_and_saves_the_window(qtbot, tmp_path):
    out = tmp_path / "shot.png"
    assert run_app(str(DATA / "blobs.csv"), screenshot=str(out), k=4) == 0
    image = QImage(str(out))
    assert (image.width(), image.height()) == SCREENSHOT_SIZE
    colours = {image.pixelColor(x, y).name() for x in range(0, 1400, 7) for y in range(0, 880, 7)}
    assert {"#0072b2", "#e69f00", "#009e73", "#d55e00"} <= colours  # four clusters drawn


def test_screenshot_mode_reports_a_bad_file(qtbot, tmp_path, capsys):
    out = tmp_path / "shot.png"
    assert run_app(str(tmp_path / "missing.csv"), screenshot=str(out), k=3) == 1
    assert not out.exists()
    assert "error: " in capsys.readouterr().err


def test_many_qt_calls_do_not_crash_the_interpreter():
    """PySide6 6.12.0 on Python 3.11 steals a reference to None per void call and to True per
    emit, aborting the process with 'none_dealloc' after a few thousand; pyproject.toml keeps
    PySide6 below 6.12 for that. This guards the pin."""
    code = (
        "import kmeans_gui.app\n"
        "from PySide6.QtCore import QObject, QCoreApplication, Signal\n"
        "app = QCoreApplication([])\n"
        "class S(QObject):\n"
        "    sig = Signal(object)\n"
        "s = S()\n"
        "for i in range(300_000):\n"
        "    s.setObjectName('x'); s.sig.emit(None); app.processEvents()\n"
        "print('ok')\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-500:]
    assert result.stdout.strip() == "ok"
