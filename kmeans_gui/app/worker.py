"""The one adapter between the engine and Qt: engine streams run in pool threads as signals.

``engine.iterate()`` and ``engine.sweep()`` are generators; each runs in a superqt
``GeneratorWorker`` so every ``yield`` becomes a ``yielded`` signal delivered on the GUI thread,
and a stop request takes effect between two yields (within one iteration). The engine, and with
it TensorFlow, is imported inside the worker, never on the GUI thread. One-shot jobs (loading a
file, preparing features, principal components, exports) run as ``FunctionWorker``s.

Everything that runs TensorFlow goes to one long-lived engine thread, in order; only
TensorFlow-free jobs (loading, exports) use the thread pool. TensorFlow keeps per-thread Python
state (``threading.local``); a pooled Qt thread gets a fresh Python thread state for every job,
and TensorFlow then crashes (double free, segfault) on the second run it sees there.

Every worker is tracked by a :class:`WorkerPool`, so the window can stop them all and wait for
them when it closes (no thread is left running Python while the interpreter shuts down).
"""

from __future__ import annotations

import os
import queue
import threading
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, QThreadPool, Signal
from superqt.utils import FunctionWorker, GeneratorWorker, WorkerBase


class _ThreadWarnings:
    """Sends each warning to the worker running on the thread that raised it.

    superqt's ``run()`` swaps the process-wide ``warnings.showwarning`` for the length of each
    job; with jobs on two threads at once (a load during a run) the swaps interleave and the
    engine's warnings go to the other job, or nowhere. Here one hook is installed for good and
    looks the raising thread up; warnings from other threads go to the previous hook.
    """

    def __init__(self) -> None:
        self.targets: dict[int, Callable[..., None]] = {}
        self._previous: Callable[..., None] | None = None

    def install(self) -> None:
        """Idempotent; called by every new WorkerPool, it re-installs the hook if someone
        (e.g. ``catch_warnings`` on exit) has put theirs back since."""
        if warnings.showwarning != self.show:
            self._previous = warnings.showwarning
            warnings.showwarning = self.show
            # a run's warnings are shown every run, not only the first time per code line
            warnings.filterwarnings("always", module=r"kmeans_gui\.")

    def show(self, message, category, filename, lineno, file=None, line=None) -> None:
        target = self.targets.get(threading.get_ident())
        if target is not None:
            target(message, category, filename, lineno, file, line)
        elif self._previous is not None:
            self._previous(message, category, filename, lineno, file, line)


THREAD_WARNINGS = _ThreadWarnings()


class _RoutedRun:
    """superqt's ``WorkerBase.run`` with warnings routed per thread (see ``_ThreadWarnings``)."""

    def run(self) -> None:
        self.started.emit()
        self._running = True
        me = threading.get_ident()
        THREAD_WARNINGS.targets[me] = lambda *args: self.warned.emit(args)
        try:
            result = self.work()
            if not self.abort_requested:
                self.returned.emit(result)
        except Exception as exc:
            self.errored.emit(exc)
        finally:
            THREAD_WARNINGS.targets.pop(me, None)
        self._running = False
        self.finished.emit()
        self._finished.emit(self)


class ClosingGeneratorWorker(_RoutedRun, GeneratorWorker):
    """A GeneratorWorker whose loop reports every error and always closes its generator.

    superqt's own loop treats any RuntimeError from the generator as "the worker was deleted"
    and ends without ``errored`` or ``finished``; the engine's DeviceError is a RuntimeError,
    so that would leave the window waiting forever. This loop lets every exception reach
    ``errored`` (then ``finished``), and closing the generator runs its ``finally`` blocks (the
    engine releases its buffers) on the worker thread that owns it.
    """

    def work(self) -> Any:
        lower_thread_priority()
        try:
            while not self.abort_requested:
                try:
                    output = next(self._gen)
                except StopIteration as stop:
                    return stop.value
                self.yielded.emit(output)
            self.aborted.emit()
            return None
        finally:
            self._gen.close()


class BackgroundFunctionWorker(_RoutedRun, FunctionWorker):
    """A FunctionWorker whose thread yields the CPU to the GUI thread (see below)."""

    def work(self) -> Any:
        lower_thread_priority()
        return super().work()


def lower_thread_priority(niceness: int = 10) -> None:
    """Make the calling worker thread (and threads it starts) yield the CPU to the GUI thread.

    TensorFlow runs its ops on thread pools sized to the cores; on a small machine they would
    take every core while the GUI thread waits to paint, and the window would stutter. On
    Linux, niceness is per thread and inherited by threads created later, so lowering it on the
    worker that first loads TensorFlow also lowers TensorFlow's pools. Elsewhere: no-op.
    """
    if not hasattr(os, "setpriority") or threading.current_thread() is threading.main_thread():
        return
    try:
        tid = threading.get_native_id()
        current = os.getpriority(os.PRIO_PROCESS, tid)
        if current < niceness:
            os.setpriority(os.PRIO_PROCESS, tid, niceness)
    except OSError:
        pass  # not allowed here: run at normal priority


def _engine():
    """The engine (and TensorFlow, its start-up lines held back) — only on a worker thread."""
    from kmeans_gui.tf_startup import import_engine

    return import_engine()


def engine_info() -> dict[str, Any]:
    """Loads TensorFlow (its native start-up lines held back, as the CLI does); returns the
    devices it found and its version (start-up warm-up)."""
    engine = _engine()
    import tensorflow as tf

    return {"devices": engine.available_devices(), "tensorflow": tf.__version__}


def iterate_states(
    X: np.ndarray, n_clusters: int, kwargs: dict[str, Any]
) -> Iterator[Any]:  # yields IterationState
    """The run's stream: ``engine.iterate(X, n_clusters, **kwargs)`` on the worker thread."""
    stream = _engine().iterate(X, n_clusters, **kwargs)
    try:
        yield from stream
    finally:
        stream.close()


def sweep_points(X: np.ndarray, ks: list[int], kwargs: dict[str, Any]) -> Iterator[Any]:
    """``engine.sweep(X, ks, **kwargs)`` on the worker thread, one SweepPoint per k."""
    engine = _engine()
    sweep = getattr(engine, "sweep", None)
    if sweep is None:
        raise RuntimeError("this version of the engine has no sweep over k yet")
    stream = sweep(X, ks, **kwargs)
    try:
        yield from stream
    finally:
        stream.close()


def plot_projection(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """First two principal components of X and the affine map that produced them.

    ``engine.principal_components`` returns the projected points only. The projection is affine
    in X, so it is recovered exactly by least squares on a sample of rows, and centroids can be
    projected with it: ``[C, 1] @ A``. Returns (scores (N, 2), A (D + 1, 2)).
    """
    scores = _engine().principal_components(X, 2)
    rng = np.random.default_rng(0)
    rows = rng.choice(len(X), size=min(len(X), 5000), replace=False)
    design = np.column_stack([X[rows], np.ones(len(rows))])
    affine, *_ = np.linalg.lstsq(design, scores[rows], rcond=None)
    return scores, affine


def error_text(exc: BaseException) -> str:
    """The one sentence a user sees. Domain errors carry it; anything else gets its type named."""
    text = str(exc).strip() or type(exc).__name__
    if isinstance(exc, ValueError | RuntimeError | OSError) and type(exc).__module__.startswith(
        "kmeans_gui"
    ):
        return text
    if isinstance(exc, OSError):
        return text
    return f"{text} ({type(exc).__name__})"


def warning_text(message: Warning | str) -> str:
    """A warning as a sentence: first letter up, one final full stop."""
    text = str(message).strip()
    text = text[:1].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


class _Progress(QObject):
    """Carries ``progress(fraction, message)`` calls from a worker thread to the GUI thread."""

    progressed = Signal(float, str)


class EngineThread:
    """One Python thread, alive for the window's lifetime, that runs the engine's jobs in order.

    A worker's ``run()`` emits its signals from here; Qt queues them to the GUI thread.
    """

    def __init__(self) -> None:
        self._jobs: queue.SimpleQueue[WorkerBase | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None

    def submit(self, worker: WorkerBase) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(
                target=self._loop, args=(self._jobs,), name="kmeans-engine", daemon=True
            )
            self._thread.start()
        self._jobs.put(worker)

    @staticmethod
    def _loop(jobs: queue.SimpleQueue[WorkerBase | None]) -> None:
        while (worker := jobs.get()) is not None:
            worker.run()

    def close(self, timeout_ms: int = -1) -> bool:
        """Drop the jobs not yet started, finish the current one, end the thread.

        The thread keeps its own queue: if it outlives the timeout it still ends after its
        job, and a later ``submit`` gets a new thread and queue instead of waiting behind it
        (so for that moment two threads run engine jobs; a fresh Python thread is safe for
        TensorFlow, a pooled one reused is not). The window waits without a timeout.
        """
        jobs, thread = self._jobs, self._thread
        self._jobs, self._thread = queue.SimpleQueue(), None
        while True:
            try:
                jobs.get_nowait()
            except queue.Empty:
                break
        if thread is None:
            return True
        jobs.put(None)
        thread.join(None if timeout_ms < 0 else timeout_ms / 1000)
        return not thread.is_alive()


class WorkerPool(QObject):
    """Starts workers (TensorFlow jobs on the engine thread, others on a thread pool) and
    stops/awaits them all on shutdown."""

    def __init__(self, parent: QObject | None = None, max_threads: int = 4) -> None:
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(max_threads)
        self.engine_thread = EngineThread()
        self._live: set[WorkerBase] = set()
        THREAD_WARNINGS.install()

    def _track(
        self,
        worker: WorkerBase,
        on_error: Callable[[Exception], None] | None,
        engine: bool,
    ) -> None:
        self._live.add(worker)
        if on_error is not None:
            worker.errored.connect(on_error)
        worker.finished.connect(lambda: self._live.discard(worker))
        if engine:
            self.engine_thread.submit(worker)
        else:
            self.pool.start(worker)

    def run_stream(
        self,
        generator: Callable[..., Iterator[Any]],
        *args: Any,
        on_item: Callable[[Any], None],
        on_done: Callable[[], None] | None = None,
        on_error: Callable[[Exception], None] | None = None,
        on_warning: Callable[[str], None] | None = None,
    ) -> ClosingGeneratorWorker:
        """Run an engine generator on the engine thread: ``on_item`` per yield, ``on_done`` once
        it stops for any reason, ``on_warning(text)`` for each warning the engine issues."""
        worker = ClosingGeneratorWorker(generator, *args)
        worker.yielded.connect(on_item)
        if on_done is not None:
            worker.finished.connect(on_done)
        if on_warning is not None:
            # warnings raised on the worker's thread reach ``warned`` as showwarning's args
            worker.warned.connect(lambda args: on_warning(warning_text(args[0])))
        self._track(worker, on_error, engine=True)
        return worker

    def run_call(
        self,
        function: Callable[..., Any],
        *args: Any,
        on_result: Callable[[Any], None],
        on_error: Callable[[Exception], None] | None = None,
        on_progress: Callable[[float, str], None] | None = None,
        engine: bool = False,
        **kwargs: Any,
    ) -> FunctionWorker:
        """Run ``function(*args, **kwargs)``; with ``on_progress`` it also gets ``progress=``.

        ``engine=True`` for anything that runs TensorFlow: it then runs on the engine thread.
        """
        if on_progress is not None:
            relay = _Progress(self)
            relay.progressed.connect(on_progress)
            kwargs["progress"] = relay.progressed.emit
        worker = BackgroundFunctionWorker(function, *args, **kwargs)
        worker.returned.connect(on_result)
        if on_progress is not None:
            worker.finished.connect(relay.deleteLater)
        self._track(worker, on_error, engine)
        return worker

    @property
    def busy(self) -> bool:
        return bool(self._live)

    def shutdown(self, timeout_ms: int = -1) -> bool:
        """Ask every worker to stop at its next yield and wait for the threads to finish."""
        for worker in list(self._live):
            worker.quit()
        engine_done = self.engine_thread.close(timeout_ms)
        return self.pool.waitForDone(timeout_ms) and engine_done
