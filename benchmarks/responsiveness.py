"""Does the window stay responsive while k-means runs? (run by hand, alone: it is CPU heavy)

    .venv/bin/python benchmarks/responsiveness.py [--runs 40] [--points 1000000] [--seed 0]
        [--trace] [--timeline]

One window is driven through ``--runs`` runs on the bundled sample, then on a generated table of
``--points`` rows: each run has a random k in 2..12 and the next algorithm and initialiser in
turn; every fifth run is stopped after its first drawn iteration and every seventh reloads the
table mid-run. A 10 ms QTimer on the GUI thread records the longest gap between its ticks, over
the whole drive (first runs of every new k and algorithm included).

Printed per table: the longest GUI-thread stall (gap minus the 10 ms interval; target ≤ 50 ms),
in wall-clock time and in the GUI thread's own CPU time (what the window spent, whatever else
loads the machine),
the median and worst time from Run to the first drawn iteration (target: median ≤ 0.5 s on the
sample), and the GUI process's resident memory at the end (and the engine process's, when the
engine runs in a process of its own).
"""

from __future__ import annotations

import argparse
import gc
import itertools
import os
import statistics
import sys
import tempfile
import threading
import time
import traceback
from collections import Counter
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from PySide6.QtCore import QElapsedTimer, QEventLoop, QSettings, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

HEARTBEAT_MS = 10
STALL_TARGET_MS = 50.0
FIRST_FRAME_TARGET_S = 0.5
ALGORITHMS = ("lloyd", "gradient", "minibatch", "kmedoids")
INITS = ("k-means++", "random", "uniform")
RUN_TIMEOUT_S = 300


def rss_mb(pid: int | str = "self") -> float:
    """Resident memory of a process in MB (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def write_table(path: Path, n: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    centres = rng.uniform(-20, 20, size=(8, 2))
    X = centres[rng.integers(0, 8, n)] + rng.normal(0, 2.5, size=(n, 2))
    np.savetxt(path, X, delimiter=",", header="x,y", comments="", fmt="%.6f")


class Heartbeat:
    """The longest gap between ticks of a timer on the GUI thread, and what the drive was doing
    during the longest few (``doing`` is set by the driver).

    Each gap is also measured in the GUI thread's own CPU time (``time.thread_time``): a gap
    the thread spent computing is the window's doing; the rest of a gap is time the operating
    system gave to other programs (on a loaded machine, most of it). ``busiest`` is the longest
    gap in CPU time, the load-independent figure.
    """

    def __init__(self) -> None:
        self.clock = QElapsedTimer()
        self.timer = QTimer(interval=HEARTBEAT_MS)
        self.timer.timeout.connect(self._beat)
        self.last = 0
        self.longest = 0
        self.last_cpu = 0.0
        self.busiest = 0.0
        self.doing = ""
        self.gaps: list[tuple[int, str]] = []
        self.ticks: list[float] = []  # perf_counter of every tick (for --timeline)

    def start(self) -> None:
        self.clock.start()
        self.last = 0
        self.longest = 0
        self.last_cpu = time.thread_time()
        self.busiest = 0.0
        self.gaps = []
        self.ticks = []
        self.timer.start()

    def _beat(self) -> None:
        now, cpu = self.clock.elapsed(), time.thread_time()
        self.ticks.append(time.perf_counter())
        gap = now - self.last
        self.longest = max(self.longest, gap)
        self.busiest = max(self.busiest, 1000 * (cpu - self.last_cpu))
        if gap > 3 * HEARTBEAT_MS:
            self.gaps.append((gap, self.doing))
        self.last, self.last_cpu = now, cpu

    def stop(self) -> float:
        self.timer.stop()
        return max(0.0, self.longest - HEARTBEAT_MS)


class StallSampler:
    """With --trace: a thread that, while the heartbeat is more than 60 ms late, samples what the
    GUI thread is running (its Python stack) every 10 ms; prints the commonest innermost lines."""

    def __init__(self, heartbeat: Heartbeat) -> None:
        self.heartbeat = heartbeat
        self.main = threading.main_thread().ident
        self.samples: Counter[str] = Counter()
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._watch, daemon=True)
        self.collections: list[tuple[int, float]] = []  # (generation, ms) of the GUI's GC runs
        self._gc_started = 0.0
        gc.callbacks.append(self._on_gc)

    def start(self) -> None:
        self.thread.start()

    def _watch(self) -> None:
        while not self._stop.wait(0.01):
            late = self.heartbeat.clock.elapsed() - self.heartbeat.last
            if late > 60:
                frame = sys._current_frames().get(self.main)
                if frame is not None:
                    stack = traceback.extract_stack(frame)[-4:]
                    where = " < ".join(
                        f"{Path(f.filename).name}:{f.lineno} {f.name}" for f in reversed(stack)
                    )
                    self.samples[where] += 1

    def _on_gc(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._gc_started = time.perf_counter()
        else:
            self.collections.append(
                (info["generation"], 1000 * (time.perf_counter() - self._gc_started))
            )

    def report(self) -> None:
        self._stop.set()
        gc.callbacks.remove(self._on_gc)
        for generation in (0, 1, 2):
            times = [ms for g, ms in self.collections if g == generation]
            if times:
                print(
                    f"  garbage collections of generation {generation}: {len(times)}, "
                    f"longest {max(times):.0f} ms, {sum(times):.0f} ms in all"
                )
        print("  where the GUI thread was while late (10 ms samples):")
        for where, count in self.samples.most_common(8):
            print(f"    {count:4d}  {where}")


class TimedApplication(QApplication):
    """With --timeline: every event the GUI thread handles at the top level, timed, so that a
    long gap of the heartbeat can be shown as the events that filled it (one slow call, or a
    chain of ordinary ones that Qt delivers back to back)."""

    def __init__(self, argv: list[str]) -> None:
        super().__init__(argv)
        self.depth = 0
        self.heartbeat: Heartbeat | None = None  # whose ``doing`` labels the events
        self.events: list[tuple[float, float, float, str, str]] = []  # start, wall, cpu, what

    def follow(self, heartbeat: Heartbeat) -> None:
        """Record from now on, each event labelled with what the drive was doing."""
        self.heartbeat = heartbeat
        self.events = []

    def notify(self, receiver, event) -> bool:
        self.depth += 1
        start, cpu = time.perf_counter(), time.thread_time()
        try:
            return super().notify(receiver, event)
        finally:
            self.depth -= 1
            wall = 1000 * (time.perf_counter() - start)
            if self.depth == 0 and wall > 0.5 and self.heartbeat is not None:
                cpu = 1000 * (time.thread_time() - cpu)
                what = f"{_name(receiver)} {event.type().name}"
                self.events.append((start, wall, cpu, what, self.heartbeat.doing))

    def report(self, ticks: list[float], gaps: int = 3) -> None:
        longest = sorted(itertools.pairwise(ticks), key=lambda t: t[0] - t[1])[:gaps]
        for first, last in longest:
            print(f"  gap of {1000 * (last - first):.0f} ms: events at the top level (> 0.5 ms)")
            for start, wall, cpu, what, doing in self.events:
                if first <= start < last:
                    at = 1000 * (start - first)
                    print(f"    +{at:5.1f} ms {wall:5.1f} wall {cpu:5.1f} cpu  {what} ({doing})")


def _name(receiver) -> str:
    """A receiver as the timeline prints it; a plot's scene by the view that shows it."""
    try:
        name = type(receiver).__name__
        views = receiver.views() if hasattr(receiver, "views") else []
        return name + "".join(f":{type(v).__name__}" for v in views)
    except RuntimeError:  # deleted meanwhile
        return "?"


def wait(app: QApplication, signal, timeout_s: float) -> bool:
    loop = QEventLoop()
    fired = {"yes": False}

    def done(*_args) -> None:
        fired["yes"] = True
        loop.quit()

    signal.connect(done)
    QTimer.singleShot(int(timeout_s * 1000), loop.quit)
    loop.exec()
    signal.disconnect(done)
    return fired["yes"]


def settle(app: QApplication, seconds: float) -> None:
    loop = QEventLoop()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    loop.exec()


def set_parameters(window, values: dict) -> None:
    panel = window.algorithm_panel
    if hasattr(panel, "apply"):
        panel.apply(values)
    else:  # the window before the run-session model
        panel.restore(values)


def engine_pid(window) -> int | None:
    engine = getattr(window, "engine", None)
    process = getattr(engine, "process_id", None)
    return process() if callable(process) else None


def drive(
    app: QApplication, window, path: str, runs: int, seed: int, max_iter: int, trace: bool
) -> dict:
    rng = np.random.default_rng(seed)
    first_frames: list[float] = []
    started = {"t": None}
    original = window.scatter.show_frame

    def timed_show(*args, **kwargs):
        if started["t"] is not None:
            first_frames.append(time.perf_counter() - started["t"])
            started["t"] = None
        return original(*args, **kwargs)

    window.scatter.show_frame = timed_show
    ended = {"runs": 0}  # runFinished heard so far: a run may end before its wait begins

    def count_end() -> None:
        ended["runs"] += 1

    window.runFinished.connect(count_end)
    window.open_file(path)
    if not wait(app, window.dataReady, 300):
        raise SystemExit(f"could not load {path}")
    heartbeat = Heartbeat()
    if isinstance(app, TimedApplication):
        app.follow(heartbeat)
    heartbeat.start()
    sampler = StallSampler(heartbeat) if trace else None
    if sampler is not None:
        sampler.start()
    for run in range(runs):
        heartbeat.doing = f"run {run}"
        values = {
            "k": int(rng.integers(2, 13)),
            "algorithm": ALGORITHMS[run % len(ALGORITHMS)],
            "init": INITS[(run // len(ALGORITHMS)) % len(INITS)],
            "max_iter": max_iter,
            "n_init": 1,
        }
        set_parameters(window, values)
        ends_before = ended["runs"]
        started["t"] = time.perf_counter()
        if not window.start_run():
            raise SystemExit(f"run {run} did not start: {window.errors[-1:]}")
        if run % 5 == 4:  # stopped after its first drawn iteration
            while started["t"] is not None:
                app.processEvents()
            window.stop_run()
        if run % 7 == 6:  # the table is reloaded mid-run
            heartbeat.doing = f"reload in run {run}"
            window.open_file(path)
            wait(app, window.dataReady, RUN_TIMEOUT_S)
            continue
        if ended["runs"] == ends_before and not wait(app, window.runFinished, RUN_TIMEOUT_S):
            raise SystemExit(f"run {run} did not finish within {RUN_TIMEOUT_S} s")
    stall = heartbeat.stop()
    if sampler is not None:
        sampler.report()
    if isinstance(app, TimedApplication):
        app.report(heartbeat.ticks)
        app.heartbeat = None
    settle(app, 1.0)
    pid = engine_pid(window)
    return {
        "stall_ms": stall,
        "busy_ms": max(0.0, heartbeat.busiest - HEARTBEAT_MS),
        "first_median_s": statistics.median(first_frames) if first_frames else float("nan"),
        "first_worst_s": max(first_frames) if first_frames else float("nan"),
        "runs_timed": len(first_frames),
        "gui_rss_mb": rss_mb(),
        "engine_rss_mb": rss_mb(pid) if pid else float("nan"),
        "tensorflow_in_gui": "tensorflow" in sys.modules,
        "worst_gaps": sorted(heartbeat.gaps, reverse=True)[:5],
        "load": os.getloadavg()[0],
    }


def report(name: str, result: dict) -> None:
    print(f"\n{name}")
    print(
        f"  longest GUI-thread stall   {result['stall_ms']:8.0f} ms wall clock, "
        f"{result['busy_ms']:.0f} ms of the GUI thread's own CPU time"
        f"   (target ≤ {STALL_TARGET_MS:.0f})"
    )
    print(
        f"  Run → first iteration      median {result['first_median_s']:.3f} s, worst "
        f"{result['first_worst_s']:.3f} s over {result['runs_timed']} runs"
        f"   (target: median ≤ {FIRST_FRAME_TARGET_S} s on the sample)"
    )
    engine = result["engine_rss_mb"]
    engine_text = f", engine process {engine:.0f} MB" if engine == engine else ""
    print(f"  resident memory            GUI process {result['gui_rss_mb']:.0f} MB{engine_text}")
    print(f"  TensorFlow imported in the GUI process: {result['tensorflow_in_gui']}")
    gaps = ", ".join(f"{gap} ms ({doing})" for gap, doing in result["worst_gaps"])
    print(f"  longest gaps: {gaps}; load average {result['load']:.1f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--points", type=int, default=1_000_000, help="0 skips the big table")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--max-iter", type=int, default=30)
    parser.add_argument("--trace", action="store_true", help="say where the GUI thread stalls")
    parser.add_argument(
        "--timeline", action="store_true", help="list the events that filled the longest stalls"
    )
    args = parser.parse_args()

    app = (TimedApplication if args.timeline else QApplication)(sys.argv[:1])
    from kmeans_gui.app.samples import DEFAULT_SAMPLE
    from kmeans_gui.app.window import MainWindow

    with tempfile.TemporaryDirectory() as tmp:
        settings = QSettings(str(Path(tmp) / "bench.ini"), QSettings.Format.IniFormat)
        window = MainWindow(settings, interactive=False, restore=False)
        window.resize(1440, 900)
        window.controls.set_speed(0)
        window.show()
        tables = [("bundled sample " + DEFAULT_SAMPLE.path.name, str(DEFAULT_SAMPLE.path))]
        if args.points:
            big = Path(tmp) / "big.csv"
            write_table(big, args.points, args.seed)
            tables.append((f"{args.points:,} points", str(big)))
        print(f"{args.runs} runs per table, max_iter {args.max_iter}, seed {args.seed}")
        for name, path in tables:
            result = drive(app, window, path, args.runs, args.seed, args.max_iter, args.trace)
            report(name, result)
        window.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
