"""The engine child's main loop: attach shared data, run named jobs, stream replies.

Started by :class:`~kmeans_gui.engine_host.client.EngineProcess` with the ``spawn`` method, so
it begins as a fresh interpreter that has never seen Qt. It runs one job at a time in the
order they were sent; between two items of a stream it reads the shared cancel counter, so a
Stop costs at most the item being computed. It exits when told to, when its pipe closes, or
when the parent process dies (a watchdog thread), so no engine process outlives its window.
"""

from __future__ import annotations

import os
import signal
import threading
import warnings
from contextlib import suppress
from multiprocessing import parent_process
from multiprocessing.connection import Connection, wait
from typing import Any

from .jobs import JOBS
from .protocol import (
    Call,
    Done,
    Failed,
    Item,
    Result,
    ShareData,
    Shutdown,
    Warned,
    error_text,
    warning_text,
)
from .shared import SharedArray

#: A low priority: the window's thread is scheduled first when the engine fills every core
#: (benchmarks/responsiveness.py, 1M points on 2 cores: longest GUI stall 185 ms at niceness 5,
#: 70 at 10, 58-65 at 19), while the engine still gets a tenth of a core against another busy
#: program (at 19 it would get 1.5%: a run on a loaded machine would crawl).
CHILD_NICENESS = 10


def serve(requests: Connection, replies: Connection, cancel_flags: Any) -> None:
    """Answer ``requests`` on ``replies`` until ``Shutdown`` or the pipe closes.

    ``cancel_flags`` is a shared byte array: job ``i`` is cancelled once
    ``cancel_flags[i % len(cancel_flags)]`` is set (the parent clears it before sending ``i``).
    """
    _detach_from_terminal_signals()
    _exit_with_parent()
    with suppress(OSError):
        os.nice(CHILD_NICENESS)
    server = _Server(replies, cancel_flags)
    try:
        while True:
            try:
                message = requests.recv()
            except (EOFError, OSError):
                break
            if isinstance(message, Shutdown):
                break
            if isinstance(message, ShareData):
                server.share(message)
            elif isinstance(message, Call):
                server.call(message)
    finally:
        server.close()


class _Server:
    def __init__(self, replies: Connection, cancel_flags: Any) -> None:
        self.replies = replies
        self.cancel_flags = cancel_flags
        self.data: dict[int, tuple[SharedArray, SharedArray | None]] = {}
        self.job_id: int | None = None
        warnings.showwarning = self._show_warning
        warnings.filterwarnings("always", module=r"kmeans_gui\.")  # every run says it again

    def share(self, message: ShareData) -> None:
        """Attach the new matrix; older ones are dropped (the window replaced its data)."""
        for matrix, weights in self.data.values():
            matrix.close()
            if weights is not None:
                weights.close()
        self.data = {}
        try:
            matrix = SharedArray.attach(message.matrix)
            weights = SharedArray.attach(message.weights) if message.weights else None
        except FileNotFoundError:  # already replaced by newer data: its jobs are stale
            return
        self.data = {message.data_id: (matrix, weights)}

    def call(self, message: Call) -> None:
        job_id = message.job_id
        self.job_id = job_id
        cancelled = False
        try:
            if self._cancelled(job_id):
                cancelled = True
                return
            function, takes_data, takes_cancel = JOBS[message.name]
            args, kwargs = message.args, dict(message.kwargs)
            if takes_data:
                matrix, weights = self._data(message.data_id)
                args = (matrix.array, *args)
                if weights is not None:
                    kwargs.setdefault("sample_weight", weights.array)
            if takes_cancel:
                kwargs["cancelled"] = lambda: self._cancelled(job_id)
            outcome = function(*args, **kwargs)
            if hasattr(outcome, "__next__"):
                cancelled = self._stream(job_id, outcome)
            else:
                self._send(Result(job_id, outcome))
        except Exception as exc:  # the sentence crosses, never a TensorFlow type
            cancelled = self._cancelled(job_id)
            if not cancelled:
                self._send(Failed(job_id, error_text(exc), type(exc).__name__))
        finally:
            self.job_id = None
            self._send(Done(job_id, cancelled=cancelled))

    def _stream(self, job_id: int, stream: Any) -> bool:
        try:
            for item in stream:
                self._send(Item(job_id, item))
                if self._cancelled(job_id):
                    return True
            return False
        finally:
            stream.close()

    def _data(self, data_id: int | None) -> tuple[SharedArray, SharedArray | None]:
        if data_id not in self.data:
            raise RuntimeError("the engine was given no data for this job; run again")
        return self.data[data_id]

    def _cancelled(self, job_id: int) -> bool:
        return bool(self.cancel_flags[job_id % len(self.cancel_flags)])

    def _send(self, message: Any) -> None:
        try:
            self.replies.send(message)
        except (BrokenPipeError, OSError):
            os._exit(0)  # the window is gone: nobody to compute for

    def _show_warning(self, message, category, filename, lineno, file=None, line=None) -> None:
        if self.job_id is not None:
            self._send(Warned(self.job_id, warning_text(message)))

    def close(self) -> None:
        for matrix, weights in self.data.values():
            matrix.close()
            if weights is not None:
                weights.close()
        self.data = {}


def _detach_from_terminal_signals() -> None:
    """Ctrl-C in the window's terminal reaches the whole process group: the window decides."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _exit_with_parent() -> None:
    """A daemon thread that ends this process as soon as the window's process is gone."""
    parent = parent_process()
    if parent is None:
        return

    def watch() -> None:
        wait([parent.sentinel])
        os._exit(0)

    threading.Thread(target=watch, name="parent-watchdog", daemon=True).start()
