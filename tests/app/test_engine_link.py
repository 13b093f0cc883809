"""The window's process never imports TensorFlow: runs, sweeps and projections go to the engine
process. Checked in a fresh interpreter (this test process imports TensorFlow elsewhere)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

SCRIPT = """
import os, sys
os.environ["QT_QPA_PLATFORM"] = "offscreen"
from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QApplication


def wait(signal, seconds=120):
    loop = QEventLoop()
    signal.connect(loop.quit)
    QTimer.singleShot(seconds * 1000, loop.quit)
    loop.exec()
    signal.disconnect(loop.quit)


def main():
    app = QApplication([])
    from kmeans_gui.app.window import MainWindow

    window = MainWindow(restore=False, interactive=False)
    window.controls.set_speed(0)
    window.show()
    window.open_file({path!r})
    wait(window.dataReady)
    panel = window.data_panel
    panel.plot_combo.setCurrentIndex(panel.plot_combo.findData("pca"))
    wait(window.dataReady)
    window.start_run()
    wait(window.runFinished)
    window.start_sweep([2, 3])
    wait(window.sweep.finished)
    print(len(window.session.history) > 1, len(window.sweep.points), window.errors,
          "tensorflow" in sys.modules)
    window.close()


if __name__ == "__main__":
    main()
"""


def test_the_window_process_never_imports_tensorflow(tmp_path) -> None:
    script = tmp_path / "drive.py"
    script.write_text(SCRIPT.format(path=str(REPO / "data" / "iris.csv")))
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, cwd=REPO, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "True 2 [] False", done.stdout + done.stderr
