"""Does the window stay responsive while it analyses a large run? (run by hand, alone)

    .venv/bin/python benchmarks/analysis_window.py [--points 1000000] [--repeats 3]

One window clusters a generated table of ``--points`` rows (two columns, k = 8), then shows
its Cluster profiles (pandas on the window's thread pool) and its Silhouettes (a seeded sample
of 20,000 rows, in the engine process), and again after scrubbing back to an earlier iteration.
A 10 ms QTimer on the GUI thread records the longest gap between its ticks. Printed per step:
seconds from the dock being raised (or the scrub) to the answer drawn, and the longest
GUI-thread stall beside the stall of an idle window over the same time (target ≤ 50 ms).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from PySide6.QtCore import QSettings  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402
from responsiveness import Heartbeat, settle, wait, write_table  # noqa: E402


def timed(app, heartbeat: Heartbeat, start, signal) -> tuple[float, float, float]:
    """(seconds to ``signal`` after ``start()``, longest stall meanwhile, idle stall as long)."""
    heartbeat.start()
    began = time.perf_counter()
    start()
    if not wait(app, signal, 300):
        raise SystemExit("no answer within 300 s")
    seconds = time.perf_counter() - began
    stall = heartbeat.stop()
    heartbeat.start()
    settle(app, seconds)
    return seconds, stall, heartbeat.stop()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    app = QApplication(sys.argv)
    from kmeans_gui.app.window import MainWindow

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "points.csv"
        write_table(path, args.points, 0)
        settings = QSettings(str(Path(folder) / "settings.ini"), QSettings.Format.IniFormat)
        window = MainWindow(settings, restore=False, interactive=False)
        window.resize(1400, 900)
        window.show()
        window.controls.set_speed(0)
        window.open_file(str(path))
        wait(app, window.dataReady, 300)
        window.algorithm_panel.k_spin.setValue(8)
        window.algorithm_panel.seed_spin.setValue(0)
        window.algorithm_panel.max_iter_spin.setValue(20)
        window.start_run()
        wait(app, window.runFinished, 600)
        heartbeat = Heartbeat()
        analysis = window.frame_analysis
        print(f"{args.points:,} rows, k = 8, {len(window.session.history)} frames")
        print(f"{'step':34s} {'seconds':>8s} {'stall ms':>9s} {'idle ms':>8s}")
        last = len(window.session.history) - 1
        for repeat in range(args.repeats):
            frame = max(0, last - 2 * repeat)
            window.sizes_dock.raise_()
            window.session.seek(frame)
            settle(app, 0.5)
            steps = (
                ("profiles (dock raised)", window.profile_dock.raise_, analysis.profilesShown),
                (
                    "silhouettes (dock raised)",
                    window.silhouette_dock.raise_,
                    analysis.silhouettesShown,
                ),
                (
                    "silhouettes after a scrub",
                    lambda f=frame: window.session.seek(max(0, f - 1)),
                    analysis.silhouettesShown,
                ),
            )
            for name, start, signal in steps:
                seconds, stall, idle = timed(app, heartbeat, start, signal)
                print(f"{name:34s} {seconds:8.2f} {stall:9.0f} {idle:8.0f}")
        window.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
