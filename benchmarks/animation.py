"""Animation export of a 30-iteration run (run by hand, alone: it is CPU heavy).

    .venv/bin/python benchmarks/animation.py [--points 100000 1000000] [--size 960x720]

For each size of data: the engine's 30 states (random init, tol 0), then, for GIF and MP4,
the export as the window runs it (:class:`~kmeans_gui.app.animation.AnimationExport`: frames
drawn on the GUI thread one per turn of the event loop, encoded on a thread) with a 5 ms
heartbeat timer recording the event loop's longest stall, and the same frames drawn and encoded
one after the other (what ``kmeans-gui animate`` does) to split the cost into drawing and
encoding. Figures: seconds per frame, file size, the longest and the 95th-percentile gap
between heartbeats (the window's responsiveness target is 100 ms; on a loaded 2-core machine
the drawing alone, with no encoder at all, already shows gaps of 55-120 ms). Drawing includes
trails, the legend and the title; with ``--voronoi`` the regions too, at the frame's own
resolution.
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

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PySide6.QtCore import QElapsedTimer, QEventLoop, QTimer
from PySide6.QtWidgets import QApplication

STALL_TARGET_MS = 100.0


def make_points(n: int, k: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.uniform(-20, 20, size=(k, 2))
    return centres[rng.integers(0, k, n)] + rng.normal(0, 2.5, size=(n, 2))


def run_states(X: np.ndarray, k: int, iterations: int):
    """Features, plot space and the run's history (``iterations`` + 1 states)."""
    from kmeans_gui import engine
    from kmeans_gui.app.history import RunHistory
    from kmeans_gui.app.plot_space import PlotSpace
    from kmeans_gui.data import prepare_features

    features = prepare_features(pd.DataFrame(X, columns=["x", "y"]), None)
    history = RunHistory()
    for state in engine.iterate(features.X, k, init="random", seed=1, tol=0.0, max_iter=iterations):
        history.append(state)
    return features, PlotSpace.of_features(features, 0, 1), history


def renderer_for(space, history, size, voronoi: bool):
    from kmeans_gui.app.animation import FrameLook, FrameRenderer
    from kmeans_gui.app.plot_export import RunTitle

    title = RunTitle("benchmark.csv", len(history.frames[0].centroids), "lloyd", "random")
    return FrameRenderer(history, space, title, size, FrameLook(voronoi=voronoi))


def windowed_export(app, space, history, steps, target: Path, fmt: str, size, voronoi: bool):
    """The window's way; returns (wall seconds, longest event-loop stall in ms)."""
    from kmeans_gui.app.animation import AnimationExport

    renderer = renderer_for(space, history, size, voronoi)
    draws: list[float] = []
    render = renderer.render

    def timed(step):
        t = time.perf_counter()
        frame = render(step)
        draws.append((time.perf_counter() - t) * 1000)
        return frame

    renderer.render = timed
    job = AnimationExport(renderer, steps, target, fmt, 10.0)
    loop = QEventLoop()
    outcome: dict[str, str] = {}
    job.succeeded.connect(lambda path: (outcome.update(ok=path), loop.quit()))
    job.failed.connect(lambda text: (outcome.update(error=text), loop.quit()))
    gaps: list[float] = []
    clock = QElapsedTimer()
    heartbeat = QTimer(interval=5)
    heartbeat.timeout.connect(lambda: gaps.append(clock.restart()))
    clock.start()
    heartbeat.start()
    t0 = time.perf_counter()
    job.start()
    loop.exec()
    wall = time.perf_counter() - t0
    heartbeat.stop()
    if "error" in outcome:
        raise RuntimeError(outcome["error"])
    app.processEvents()
    beats = np.array(gaps[1:] or [0.0])
    return wall, float(beats.max()), float(np.percentile(beats, 95)), max(draws)


def sequential_export(space, history, steps, target: Path, fmt: str, size, voronoi: bool):
    """Draw every frame, then encode them: (draw s/frame, encode s/frame)."""
    from kmeans_gui.app.animation_file import write_animation

    renderer = renderer_for(space, history, size, voronoi)
    t0 = time.perf_counter()
    frames = [renderer.render(step) for step in steps]
    draw = (time.perf_counter() - t0) / len(steps)
    renderer.close()
    t0 = time.perf_counter()
    write_animation(target, fmt, 10.0, frames)
    encode = (time.perf_counter() - t0) / len(steps)
    return draw, encode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--k", type=int, default=8)
    parser.add_argument("--iterations", type=int, default=30)
    parser.add_argument("--size", default="960x720")
    parser.add_argument("--voronoi", action="store_true")
    args = parser.parse_args()
    size = tuple(int(v) for v in args.size.lower().split("x"))
    app = QApplication.instance() or QApplication(sys.argv[:1])
    from kmeans_gui.app.animation_frames import frame_steps

    folder = Path(tempfile.mkdtemp(prefix="kmeans-gui-animation-"))
    extra = ", Voronoi regions" if args.voronoi else ""
    print(f"{args.iterations}-iteration runs, k = {args.k}, frames {size[0]}x{size[1]}{extra}")
    header = (
        f"{'points':>10} {'format':>6} {'frames':>6} {'window s/frame':>15} {'stall ms':>9} "
        f"{'p95 ms':>7} "
        f"{'slowest draw ms':>16} {'draw s/frame':>13} {'encode s/frame':>15} {'file MB':>8}"
    )
    print(header)
    for n in args.points:
        t0 = time.perf_counter()
        X = make_points(n, args.k)
        _features, space, history = run_states(X, args.k, args.iterations - 1)
        engine_s = time.perf_counter() - t0
        steps = frame_steps(0, len(history) - 1)
        for fmt in ("gif", "mp4"):
            target = folder / f"run_{n}.{fmt}"
            wall, stall, p95, slowest = windowed_export(
                app, space, history, steps, target, fmt, size, args.voronoi
            )
            megabytes = target.stat().st_size / 1e6
            draw, encode = sequential_export(
                space, history, steps, folder / f"seq_{n}.{fmt}", fmt, size, args.voronoi
            )
            flag = "" if stall <= STALL_TARGET_MS else "!"
            print(
                f"{n:>10,} {fmt:>6} {len(steps):>6} {wall / len(steps):>15.3f} "
                f"{stall:>8.0f}{flag or ' '} {p95:>7.0f} {slowest:>16.0f} {draw:>13.3f} "
                f"{encode:>15.3f} {megabytes:>8.2f}"
            )
        print(f"{'':>10} (engine: {len(history)} states in {engine_s:.1f} s, not counted)")
    print(f"! over the {STALL_TARGET_MS:.0f} ms target; files in {folder}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
