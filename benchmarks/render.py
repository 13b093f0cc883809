"""Render speed of the explorer at a million points (run by hand, alone: it is CPU heavy).

    .venv/bin/python benchmarks/render.py [--points 1000000] [--k 8] [--only side-by-side]

1. Redraw after one iteration: the scatter canvas gets a new label array and new centroids (with
   trails) for 1,000,000 points, and is painted. Target: at most 33 ms (30 frames per second).
   The engine's own states are used, so labels change the way they do in a real run.
2. Event-loop stall during a run: the real window loads a 1,000,000-row CSV, runs k-means at full
   animation speed, and a 5 ms QTimer heartbeat records the longest gap between its ticks from
   the click on Run until the animation has ended. Target: at most 100 ms.
3. Runs side by side: the compare pane (two scatters sharing the canvas, their inertia curves,
   one slider) plays both runs one iteration on, with the engine's own states of two runs
   (random starts against k-means++), both views painted. Target: at most 33 ms per frame for
   both together. While playing, the side views and the adjusted Rand index between the runs
   follow a few times a second; a Step while paused updates all of them (reported apart).

For scale: one ScatterPlotItem per cluster re-sent every frame measured about 2.8 s per frame
at a million points.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PySide6.QtCore import QElapsedTimer, QEventLoop, QSettings, QTimer
from PySide6.QtWidgets import QApplication

import kmeans_gui.app  # noqa: F401  (installs the PySide6 workaround first)

FRAME_TARGET_MS = 33.0
STALL_TARGET_MS = 100.0


def make_points(n: int, k: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.uniform(-20, 20, size=(k, 2))
    which = rng.integers(0, k, n)
    return centres[which] + rng.normal(0, 2.5, size=(n, 2))


def engine_states(
    X: np.ndarray, k: int, n_states: int, init: str = "random", seed: int = 1
) -> list:
    """The engine's first states, computed in an engine process as the window does it (this
    process, like the window's, never imports TensorFlow)."""
    from kmeans_gui.engine_host import EngineProcess

    states: list = []
    done = threading.Event()
    engine = EngineProcess()
    try:
        kwargs = {"init": init, "seed": seed, "tol": 0.0, "max_iter": n_states - 1}
        engine.submit(
            "run",
            k,
            data_id=engine.share(X),
            kwargs=kwargs,
            on_item=states.append,
            on_done=lambda _cancelled: done.set(),
        )
        done.wait()
    finally:
        engine.close()
    return states


def bench_redraw(app: QApplication, X: np.ndarray, states: list) -> dict[str, float]:
    from kmeans_gui.app.history import RunHistory
    from kmeans_gui.app.scatter_view import ScatterView

    view = ScatterView()
    view.resize(1060, 760)  # the canvas's size in the default 1440 x 900 window
    view.show()
    app.processEvents()
    t0 = time.perf_counter()
    view.set_points(X, "x", "y")
    view.repaint()
    app.processEvents()
    set_points_ms = (time.perf_counter() - t0) * 1000

    history = RunHistory()
    for state in states:
        history.append(state)
    times = []
    trails: list[np.ndarray] = []
    for i, state in enumerate(states):
        trails.append(state.centroids)
        labels = history.labels(i)
        t0 = time.perf_counter()
        view.show_frame(labels, state.centroids, np.stack(trails), k=len(state.centroids))
        view.repaint()  # paint now, as the next animation tick would
        app.processEvents()
        times.append((time.perf_counter() - t0) * 1000)
    t0 = time.perf_counter()
    view.plotItem.vb.scaleBy((0.5, 0.5))  # a zoom: the pixels are binned again
    view._rebin_and_paint()
    view.repaint()
    app.processEvents()
    rebin_ms = (time.perf_counter() - t0) * 1000
    view.grab().save(str(Path(tempfile.gettempdir()) / "render_benchmark.png"))
    view.close()
    steady = np.array(times[1:])
    return {
        "set_points_ms": set_points_ms,
        "frame_median_ms": float(np.median(steady)),
        "frame_p95_ms": float(np.percentile(steady, 95)),
        "frame_max_ms": float(steady.max()),
        "rebin_after_zoom_ms": rebin_ms,
        "history_mb": history.nbytes() / 1e6,
        "frames": len(steady),
    }


def bench_window_stall(app: QApplication, X: np.ndarray, k: int, max_iter: int) -> dict:
    from kmeans_gui.app.window import MainWindow

    tmp = Path(tempfile.mkdtemp(prefix="kmeans-gui-bench-"))
    csv = tmp / "million.csv"
    np.savetxt(csv, X, delimiter=",", header="x,y", comments="", fmt="%.5f")
    settings = QSettings(str(tmp / "bench.ini"), QSettings.Format.IniFormat)
    window = MainWindow(settings, interactive=False, restore=False)
    window.resize(1440, 900)
    window.controls.set_speed(0)
    window.show()

    loop = QEventLoop()
    window.engineReady.connect(lambda _devices: loop.quit())
    loop.exec()  # TensorFlow loaded: the import is not part of a run
    window.dataReady.connect(loop.quit)
    window.open_file(str(csv))
    loop.exec()
    window.dataReady.disconnect(loop.quit)
    # random init: more iterations to watch
    window.algorithm_panel.apply({"k": k, "init": "random", "tol": 0.0, "max_iter": max_iter})

    gaps: list[float] = []
    clock = QElapsedTimer()
    heartbeat = QTimer()
    heartbeat.setInterval(5)

    def beat() -> None:
        gaps.append(clock.restart())

    heartbeat.timeout.connect(beat)
    frame_times: list[float] = []
    original_show = window.painter.show

    def timed_show(index: int) -> None:
        t0 = time.perf_counter()
        original_show(index)
        frame_times.append((time.perf_counter() - t0) * 1000)

    window.session.frameChanged.disconnect(window.painter.show)
    window.session.frameChanged.connect(timed_show)
    window.runFinished.connect(loop.quit)
    clock.start()
    heartbeat.start()
    t0 = time.perf_counter()
    window.start_run()
    loop.exec()
    wall = time.perf_counter() - t0
    heartbeat.stop()
    frames = window.session.history.frames
    window.close()
    stalls = np.array(gaps[1:]) if len(gaps) > 1 else np.array([0.0])
    engine_ms = [f.seconds * 1000 for f in frames[1:]]
    return {
        "iterations": len(frames) - 1,
        "run_wall_s": wall,
        "engine_ms_per_iteration": float(np.median(engine_ms)) if engine_ms else 0.0,
        "window_frame_median_ms": float(np.median(frame_times)),
        "window_frame_max_ms": float(np.max(frame_times)),
        "stall_max_ms": float(stalls.max()),
        "stall_p99_ms": float(np.percentile(stalls, 99)),
        "heartbeats": len(stalls),
    }


class _StreamedJob:
    """A finished engine job: the states were computed before (what the pane is fed)."""

    def cancel(self) -> None:
        pass


class _ComputedEngine:
    """Hands each run its precomputed states at once, as a fast engine would."""

    def __init__(self, streams: list[list]) -> None:
        self.streams = list(streams)

    def run(self, matrix, weights, n_clusters, kwargs, **callbacks):
        job = _StreamedJob()
        states = self.streams.pop(0)
        QTimer.singleShot(0, lambda: self._deliver(states, callbacks))
        return job

    @staticmethod
    def _deliver(states: list, callbacks: dict) -> None:
        for state in states:
            callbacks["on_item"](state)
        callbacks["on_done"](False)


def bench_side_by_side(app: QApplication, X: np.ndarray, streams: list[list], k: int) -> dict:
    import pandas as pd

    from kmeans_gui.app import jobs
    from kmeans_gui.app.compare_view import ComparePane
    from kmeans_gui.app.plot_space import PlotSpace
    from kmeans_gui.app.run_parameters import RunParameters
    from kmeans_gui.app.run_session import RunRequest

    features = jobs.prepare(pd.DataFrame(X, columns=["x", "y"]), ["x", "y"], "drop", "none", None)
    features = features.features
    pane = ComparePane(_ComputedEngine(streams), lambda: True)
    pane.resize(1060, 800)  # the central area of the default 1440 x 900 window
    pane.show()
    pane.set_space(PlotSpace.of_features(features, 0, 1))
    app.processEvents()

    def params(init: str, seed: int) -> RunParameters:
        return RunParameters(k, "lloyd", init, "euclidean", 0.0, 30, seed, 1, "auto")

    pane.start(
        RunRequest(params("random", 1), features),
        RunRequest(params("k-means++", 2), features),
        paused=True,
    )
    loop = QEventLoop()
    pane.pair.historyChanged.connect(lambda: loop.quit() if pane.pair.complete() else None)
    loop.exec()  # both streams delivered
    for scatter in pane.scatters:
        scatter._rebin_and_paint()
    pane.repaint()
    app.processEvents()

    def step_times(playing: bool) -> list[float]:
        """Each frame's work: the pair's clock tick while playing (side views and the ARI
        then follow a few times a second), or a Step while paused (they follow every step)."""
        pair = pane.pair
        pair.seek(0)
        pane.repaint()
        app.processEvents()
        times = []
        for _ in range(pair.last_position()):
            t0 = time.perf_counter()
            if playing:
                pair._playing = True  # what resume() sets, without its timer: one tick a frame
                pair._advance()
            else:
                pair.step()
            pane.repaint()
            app.processEvents()
            times.append((time.perf_counter() - t0) * 1000)
        pair.pause()
        return times

    playing = np.array(step_times(True))
    paused = np.array(step_times(False))
    agreement = []
    for _ in range(5):
        pane.pair._agreement_key = None
        t0 = time.perf_counter()
        pane.pair.agreement()
        agreement.append((time.perf_counter() - t0) * 1000)
    pane.grab().save(str(Path(tempfile.gettempdir()) / "render_benchmark_side_by_side.png"))
    pane.close()
    return {
        "frames": len(playing),
        "frame_median_ms": float(np.median(playing)),
        "frame_p95_ms": float(np.percentile(playing, 95)),
        "frame_max_ms": float(playing.max()),
        "paused_step_median_ms": float(np.median(paused)),
        "agreement_ms": float(np.min(agreement)),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--k", type=int, default=8)
    parser.add_argument("--frames", type=int, default=30, help="iterations for the redraw test")
    parser.add_argument("--max-iter", type=int, default=40, help="iterations of the window run")
    parser.add_argument(
        "--only", choices=("redraw", "stall", "side-by-side"), help="run one measurement"
    )
    args = parser.parse_args()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    X = make_points(args.points, args.k)
    print(f"{args.points:,} points, k = {args.k}")
    t0 = time.perf_counter()
    states = engine_states(X, args.k, args.frames + 1)
    print(f"engine: {len(states)} states in {time.perf_counter() - t0:.1f} s (incl. TF import)")

    if args.only in (None, "redraw"):
        report_redraw(bench_redraw(app, X, states), len(states))
    if args.only in (None, "stall"):
        report_stall(bench_window_stall(app, X, args.k, args.max_iter))
    if args.only in (None, "side-by-side"):
        second = engine_states(X, args.k, args.frames + 1, init="k-means++", seed=2)
        side = bench_side_by_side(app, X, [states, second], args.k)
        ok = side["frame_median_ms"] <= FRAME_TARGET_MS
        print("\n3. runs side by side (both scatters painted, one frame of both, playing)")
        print(
            f"   per frame: median {side['frame_median_ms']:.1f} ms, "
            f"p95 {side['frame_p95_ms']:.1f} ms, max {side['frame_max_ms']:.1f} ms "
            f"over {side['frames']} frames   target <= {FRAME_TARGET_MS:.0f} ms: "
            f"{'OK' if ok else 'MISSED'}"
        )
        print(
            f"   adjusted Rand index of the two: {side['agreement_ms']:.1f} ms; a step while "
            f"paused (with it): median {side['paused_step_median_ms']:.1f} ms"
        )
    return 0


def report_redraw(redraw: dict, n_states: int) -> None:
    ok = redraw["frame_median_ms"] <= FRAME_TARGET_MS
    print("\n1. redraw after one iteration (new labels + centroids + trails, painted)")
    print(f"   set_points once:          {redraw['set_points_ms']:8.1f} ms")
    print(
        f"   per frame: median {redraw['frame_median_ms']:.1f} ms, "
        f"p95 {redraw['frame_p95_ms']:.1f} ms, max {redraw['frame_max_ms']:.1f} ms "
        f"over {redraw['frames']} frames   target <= {FRAME_TARGET_MS:.0f} ms: "
        f"{'OK' if ok else 'MISSED'}"
    )
    print(f"   re-bin after a zoom:      {redraw['rebin_after_zoom_ms']:8.1f} ms")
    print(f"   history of labels held:   {redraw['history_mb']:8.1f} MB for {n_states} states")


def report_stall(stall: dict) -> None:
    ok = stall["stall_max_ms"] <= STALL_TARGET_MS
    print("\n2. event loop during a run in the real window (5 ms heartbeat)")
    print(
        f"   {stall['iterations']} iterations in {stall['run_wall_s']:.1f} s; engine "
        f"{stall['engine_ms_per_iteration']:.0f} ms/iteration (median)"
    )
    print(
        f"   frame drawn in the window: median {stall['window_frame_median_ms']:.1f} ms, "
        f"max {stall['window_frame_max_ms']:.1f} ms"
    )
    print(
        f"   longest stall {stall['stall_max_ms']:.0f} ms, p99 {stall['stall_p99_ms']:.0f} ms "
        f"over {stall['heartbeats']} beats   target <= {STALL_TARGET_MS:.0f} ms: "
        f"{'OK' if ok else 'MISSED'}"
    )


if __name__ == "__main__":
    raise SystemExit(main())
