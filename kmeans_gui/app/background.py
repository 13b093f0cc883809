"""Data-layer work off the GUI thread: loading tables, preparing features, writing exports.

pandas and pyarrow only (the engine has a process of its own): superqt's ``FunctionWorker`` on
a thread pool, each job's thread at a lower priority so the GUI thread keeps the CPU it needs
to paint. Closing the window waits for the jobs that have started.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable
from contextlib import suppress
from typing import Any

from PySide6.QtCore import QObject, QThreadPool, Signal
from superqt.utils import FunctionWorker


class _Progress(QObject):
    """Carries ``progress(fraction, message)`` calls from a worker thread to the GUI thread."""

    progressed = Signal(float, str)


#: How long a thread may keep the GIL while another waits for it (Python's default: 5 ms).
GIL_SWITCH_S = 0.0005


class BackgroundJobs(QObject):
    def __init__(self, parent: QObject | None = None, max_threads: int = 2) -> None:
        super().__init__(parent)
        # The GUI thread lets go of the GIL in every Qt call and must win it back after each;
        # with a job's thread holding it, each win took up to the default 5 ms (a 15 ms repaint
        # took 50 ms of wall clock while a table loaded).
        sys.setswitchinterval(min(sys.getswitchinterval(), GIL_SWITCH_S))
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(max_threads)
        self._live: set[FunctionWorker] = set()

    def run(
        self,
        function: Callable[..., Any],
        *args: Any,
        on_result: Callable[[Any], None],
        on_error: Callable[[Exception], None] | None = None,
        on_progress: Callable[[float, str], None] | None = None,
    ) -> FunctionWorker:
        """``function(*args)`` on a pool thread (with ``progress=`` when ``on_progress``)."""
        kwargs: dict[str, Any] = {}
        relay = None
        if on_progress is not None:
            relay = _Progress(self)
            relay.progressed.connect(on_progress)
            kwargs["progress"] = relay.progressed.emit
        worker = FunctionWorker(_Job(function, args, kwargs))
        worker.returned.connect(on_result)
        if on_error is not None:
            worker.errored.connect(on_error)
        self._live.add(worker)
        worker.finished.connect(lambda: self._forget(worker, on_error is not None))
        if relay is not None:
            worker.finished.connect(relay.deleteLater)
        self.pool.start(worker)
        return worker

    def _forget(self, worker: FunctionWorker, error_slot: bool) -> None:
        """A job is done: drop the connections that hold it, its arguments and its result.

        Each slot above keeps its closure (a table, a feature matrix) and the ``finished`` one
        the worker itself, a cycle through Qt that Python's collector cannot see: without
        this, every job ever run stayed in memory (a million-row table's frame per reload).
        """
        self._live.discard(worker)
        signals = (worker.returned, worker.finished, *((worker.errored,) if error_slot else ()))
        for signal in signals:
            with suppress(RuntimeError, TypeError):  # already gone with the worker
                signal.disconnect()

    @property
    def busy(self) -> bool:
        return bool(self._live)

    def shutdown(self, timeout_ms: int = -1) -> bool:
        """Wait for the jobs that have started (a load or an export cannot stop halfway)."""
        self.pool.clear()
        return self.pool.waitForDone(timeout_ms)


class _Job:
    """``function(*args, **kwargs)`` at low priority, once; it lets go of all three as soon as
    it has run, on the pool thread, however long the worker object itself lives on after
    (the pool and Qt's queued signals can hold it past ``finished``)."""

    def __init__(self, function: Callable[..., Any], args: tuple, kwargs: dict) -> None:
        self.call: tuple | None = (function, args, kwargs)

    def __call__(self) -> Any:
        assert self.call is not None, "a job runs once"
        function, args, kwargs = self.call
        self.call = None
        lower_thread_priority()
        return function(*args, **kwargs)


def lower_thread_priority(niceness: int = 10) -> None:
    """Make the calling (non-main) thread yield the CPU to the GUI thread.

    On Linux, niceness is per thread. Elsewhere, or where it may not be changed: no-op.
    """
    if not hasattr(os, "setpriority") or threading.current_thread() is threading.main_thread():
        return
    try:
        tid = threading.get_native_id()
        if os.getpriority(os.PRIO_PROCESS, tid) < niceness:
            os.setpriority(os.PRIO_PROCESS, tid, niceness)
    except OSError:
        pass  # not allowed here: run at normal priority
