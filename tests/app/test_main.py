"""The screenshot mode and the PySide6 reference-count workaround."""

from __future__ import annotations

import os
import subprocess
import sys

from PySide6.QtGui import QImage

from kmeans_gui.app.main import SCREENSHOT_SIZE, run_app

from .conftest import DATA


def test_screenshot_mode_reports_a_bad_file(qtbot, tmp_path, capsys):
    out = tmp_path / "shot.png"
    assert run_app(str(tmp_path / "missing.csv"), screenshot=str(out), k=3) == 1
    assert not out.exists()
    assert "error: " in capsys.readouterr().err


def test_screenshot_mode_runs_to_the_end_saves_the_window_and_prints_no_native_log_noise(
    tmp_path,
):
    """The run goes to its end and the window is saved, in a fresh interpreter (the screenshot
    mode starts an engine process of its own, so one test does both). TensorFlow's start-up
    lines (absl, oneDNN, CUDA probing) and Qt's offscreen notes are not the user's business;
    an error would still be printed. TensorFlow's thread pools are its defaults here."""
    root = DATA.parent
    out = tmp_path / "shot.png"
    code = (
        "import sys\n"
        "from kmeans_gui.app.main import run_app\n"
        f"sys.exit(run_app({str(DATA / 'blobs.csv')!r}, screenshot={str(out)!r}, k=4))\n"
    )
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(root)}
    for name in ("TF_CPP_MIN_LOG_LEVEL", "TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS"):
        env.pop(name, None)  # as a user runs it (tests/conftest.py sets them for the workers)
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=root, env=env, capture_output=True, text=True,
        timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stderr == "" and done.stdout == ""
    image = QImage(str(out))
    assert (image.width(), image.height()) == SCREENSHOT_SIZE
    colours = {image.pixelColor(x, y).name() for x in range(0, 1400, 7) for y in range(0, 880, 7)}
    assert {"#0072b2", "#e69f00", "#009e73", "#d55e00"} <= colours  # four clusters drawn


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
