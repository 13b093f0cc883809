"""The window's side of the engine process: start it, share data, send jobs, hear replies.

A writer thread sends the requests (the caller never waits for a busy child to read them),
and one reader thread receives the child's replies and hands each to the job's callbacks through
``deliver`` (the Qt adapter queues them to the GUI thread; by default they run on the reader
thread). At most ``max_in_flight`` replies wait to be delivered at a time: a fast child blocks
on its pipe instead of piling states up in the window's memory. If the child dies, every live
job hears one :class:`EngineCrashed` error, ``on_crash`` hears the sentence, and the next job
starts a fresh child (the shared data are sent to it again).
"""

from __future__ import annotations

import contextlib
import itertools
import multiprocessing
import queue
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from multiprocessing.reduction import ForkingPickler
from typing import Any

import numpy as np

from .protocol import Call, Done, Failed, Item, Result, ShareData, Shutdown, Warned
from .server import serve
from .shared import SharedArray

CANCEL_SLOTS = 4096  # job ids share cancel flags modulo this; far more than ever run at once
SHUTDOWN_TIMEOUT_S = 5.0
MAX_IN_FLIGHT = 32


class EngineCrashed(RuntimeError):
    """The engine process ended without being asked to."""


@dataclass(eq=False)
class Job:
    """One request to the engine; callbacks run wherever the client's ``deliver`` puts them.

    ``on_item`` per streamed item, ``on_result`` once for a function job, ``on_warning(text)``,
    ``on_error(exc)``, and ``on_done(cancelled)`` exactly once at the end, whatever happened.
    """

    job_id: int
    name: str
    on_item: Callable[[Any], None] | None = None
    on_result: Callable[[Any], None] | None = None
    on_error: Callable[[Exception], None] | None = None
    on_warning: Callable[[str], None] | None = None
    on_done: Callable[[bool], None] | None = None
    cancelled: bool = False
    finished: bool = False
    _client: EngineProcess | None = field(default=None, repr=False)
    _process: Any = field(default=None, repr=False)  # the child it was sent to

    def cancel(self) -> None:
        """Stop at the next item (a stream) or drop the result (a call); ``on_done(True)``."""
        if self._client is not None and not self.finished:
            self._client.cancel(self)


class _Sender:
    """Writes requests to the child's pipe on a thread of its own.

    The child reads its next request only when the job it runs is done, and a request larger
    than the pipe's buffer (the labels of a million rows to score) would hold the sender until
    then: on the GUI thread, 11 ms and more of a run's end at 1M rows
    (benchmarks/responsiveness.py). Messages are pickled by the caller, so what is sent is what
    was submitted.
    """

    def __init__(self, connection: Any) -> None:
        self.connection = connection
        self._outbox: queue.SimpleQueue[memoryview | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._write, name="engine-requests", daemon=True)
        self._thread.start()

    def send(self, message: Any) -> None:
        self._outbox.put(ForkingPickler.dumps(message))  # the pickle's own buffer, not a copy

    def stop(self) -> None:
        """Write nothing after what is queued (the thread ends; a dead child's pipe fails)."""
        self._outbox.put(None)

    def close(self, timeout_s: float) -> None:
        """Stop, wait for the queued writes (the child is gone or has read them), close."""
        self.stop()
        self._thread.join(timeout_s)
        self.connection.close()

    def _write(self) -> None:
        while (payload := self._outbox.get()) is not None:
            try:
                self.connection.send_bytes(payload)
            except (OSError, ValueError):  # a dead child: the reader thread says so
                return


class EngineProcess:
    """The engine child and its pipes. Not thread-safe: call it from one thread (the GUI's).

    (A job submitted while the data are still being copied waits in ``_waiting`` and is sent,
    after the data, when the copy is done and ``deliver`` hands its completion over; Run never
    waits for the copy. The lock orders that hand-over with the caller's own sends.)
    """

    def __init__(
        self,
        deliver: Callable[[Callable[[], None]], None] | None = None,
        on_crash: Callable[[str], None] | None = None,
        max_in_flight: int = MAX_IN_FLIGHT,
    ) -> None:
        self._deliver = deliver or (lambda call: call())
        self.on_crash = on_crash
        self._context = multiprocessing.get_context("spawn")
        self._cancel = self._context.RawArray("b", CANCEL_SLOTS)
        self._ids = itertools.count(1)
        self._data_ids = itertools.count(1)
        self._jobs: dict[int, Job] = {}
        self._lock = threading.Lock()  # _jobs is read by the reader thread
        self._in_flight = threading.BoundedSemaphore(max_in_flight)
        self._process: Any = None
        self._requests: _Sender | None = None
        self._reader: threading.Thread | None = None
        self._shared: tuple[int, SharedArray, SharedArray | None] | None = None
        self._pending_share: tuple[int, Future] | None = None  # a copy being made
        self._copier: ThreadPoolExecutor | None = None
        self._waiting: list[tuple[Call, Job]] = []  # submitted behind the pending copy
        self._failed_copy: tuple[int, Exception] | None = None  # (data id, why)
        self._sending = threading.RLock()  # the pipe, the share and the waiting jobs
        self._closing = False

    # ------------------------------------------------------------------ process
    @property
    def alive(self) -> bool:
        process = self._process  # read once: a crash clears it on another thread
        return process is not None and process.is_alive()

    def process_id(self) -> int | None:
        return self._process.pid if self.alive else None

    def start(self) -> None:
        """Spawn the child if none is running (and give it the current data)."""
        if self.alive:
            return
        self._closing = False
        requests_recv, requests_send = self._context.Pipe(duplex=False)
        replies_recv, replies_send = self._context.Pipe(duplex=False)
        process = self._context.Process(
            target=serve,
            args=(requests_recv, replies_send, self._cancel),
            name="kmeans-engine",
            daemon=True,
        )
        with _main_module_hidden():
            process.start()
        requests_recv.close()  # the child holds these ends: EOF on replies means it is gone
        replies_send.close()
        if self._requests is not None:  # a dead child's writer, should its crash be unheard
            self._requests.stop()
        self._process, self._requests = process, _Sender(requests_send)
        self._reader = threading.Thread(
            target=self._read, args=(process, replies_recv), name="engine-replies", daemon=True
        )
        self._reader.start()
        with self._sending:  # a copy still being made is sent when it is done
            if self._pending_share is None and self._shared is not None:
                self._send_share()

    def close(self, timeout_s: float = SHUTDOWN_TIMEOUT_S) -> None:
        """Cancel every job, ask the child to exit, and make sure it has (terminate, kill)."""
        self._closing = True
        with self._sending:  # not sent yet: nothing to stop in the child
            waiting, self._waiting = self._waiting, []
        for _, job in waiting:
            self._finish(job, True)
        with self._lock:
            jobs = list(self._jobs.values())
        for job in jobs:
            self._cancel[job.job_id % CANCEL_SLOTS] = 1
        process = self._process
        if process is not None:
            self._send(Shutdown())
            process.join(timeout_s)
            if process.is_alive():
                process.terminate()
                process.join(1.0)
            if process.is_alive():
                process.kill()
                process.join(1.0)
            with self._sending:
                self._requests.close(timeout_s)
        if self._reader is not None:
            self._reader.join(timeout_s)
        self._settle_share()
        with self._sending:
            self._process = self._requests = self._reader = None
            self._release_shared()

    def kill(self) -> None:
        """End the child at once, as a crash would (for tests and a stuck engine)."""
        if self._process is not None and self._process.is_alive():
            self._process.kill()

    # ------------------------------------------------------------------ data and jobs
    def share(
        self, matrix: np.ndarray, weights: np.ndarray | None = None, *, background: bool = False
    ) -> int:
        """Put the feature matrix (and weights) in shared memory for the jobs that follow.

        Returns the id jobs pass as ``data_id``. The previous data's segments are removed
        (a child that has mapped them keeps its mapping until it lets go). With
        ``background`` the copy is made on a worker thread and this returns at once; a job
        submitted before the copy is done waits and is sent after the data, once ``deliver``
        hands the copy's completion over (at a million rows, copying into fresh pages took
        tens of milliseconds, and a Run right after a load waited for it on the GUI thread).
        """
        with self._sending:
            self._flush()  # the jobs waiting for the previous copy go first, with their data
            data_id = next(self._data_ids)
            if not background:
                self._install_share(data_id, *_shared_copies(matrix, weights))
                return data_id
            if self._copier is None:
                self._copier = ThreadPoolExecutor(1, thread_name_prefix="engine-share")
            pending = (data_id, self._copier.submit(_shared_copies, matrix, weights))
            self._pending_share = pending
        pending[1].add_done_callback(lambda _: self._deliver(lambda: self._flush(pending)))
        return data_id

    def submit(self, name: str, *args: Any, data_id: int | None = None, **callbacks: Any) -> Job:
        """Send job ``name`` (see ``jobs.JOBS``) with positional ``args`` and, in
        ``kwargs=``, its keywords; the other keywords are the :class:`Job`'s callbacks."""
        kwargs = callbacks.pop("kwargs", {})
        self.start()
        job = Job(next(self._ids), name, _client=self, _process=self._process, **callbacks)
        self._cancel[job.job_id % CANCEL_SLOTS] = 0
        with self._lock:
            self._jobs[job.job_id] = job
        call = Call(job.job_id, name, tuple(args), dict(kwargs), data_id)
        # if the child died since start(), the reader thread reports the crash to this job too
        with self._sending:
            failed = self._failed_copy
            if self._pending_share is not None:
                self._waiting.append((call, job))  # sent after the data, when they are copied
            elif failed is not None and failed[0] == data_id:
                self._deliver(lambda: self._fail([job], failed[1]))
            else:
                self._send(call)
        return job

    def cancel(self, job: Job) -> None:
        job.cancelled = True
        self._cancel[job.job_id % CANCEL_SLOTS] = 1

    # ------------------------------------------------------------------ internals
    def _send(self, message: Any) -> None:
        with self._sending:
            if self._requests is not None:
                self._requests.send(message)

    def _flush(self, pending: tuple[int, Future] | None = None) -> None:
        """The pending copy (only ``pending``, when given: a later share may have replaced it)
        becomes the child's data, then the jobs that waited for it are sent; a copy that
        failed (no shared memory left, say) fails them with its error."""
        with self._sending:
            if self._pending_share is None or pending not in (None, self._pending_share):
                return
            waiting, self._waiting = self._waiting, []
            data_id = self._pending_share[0]
            try:
                self._settle_share()
            except Exception as error:  # each job on these data hears it
                self._failed_copy = (data_id, error)
                self._fail([job for _, job in waiting], error)
                return
            for call, job in waiting:
                if not job.finished and job._process is self._process:  # not failed by a crash
                    self._send(call)

    def _fail(self, jobs: list[Job], error: Exception) -> None:
        """End ``jobs`` with ``error`` (a cancelled job just ends, as cancelled)."""
        for job in jobs:
            if not job.finished:
                if not job.cancelled and job.on_error is not None:
                    job.on_error(error)
                self._finish(job, job.cancelled)

    def _settle_share(self) -> None:
        """A copy made in the background becomes the data the child is given."""
        with self._sending:
            if self._pending_share is not None:
                data_id, copies = self._pending_share
                self._pending_share = None
                self._install_share(data_id, *copies.result())

    def _install_share(
        self, data_id: int, matrix: SharedArray, weights: SharedArray | None
    ) -> None:
        self._release_shared()
        self._shared = (data_id, matrix, weights)
        if self.alive:
            self._send_share()

    def _send_share(self) -> None:
        data_id, matrix, weights = self._shared
        self._send(ShareData(data_id, matrix.spec, weights.spec if weights is not None else None))

    def _release_shared(self) -> None:
        if self._shared is not None:
            _, matrix, weights = self._shared
            matrix.close()
            if weights is not None:
                weights.close()
            self._shared = None

    def _read(self, process: Any, replies: Any) -> None:
        """Reader thread: deliver each reply; on EOF, report a crash unless closing."""
        try:
            while True:
                try:
                    message = replies.recv()
                except (EOFError, OSError):
                    break
                if not self._wait_for_room():
                    return
                self._deliver(lambda m=message: self._handle(m))
        finally:
            replies.close()
        if self._closing:
            return
        process.join(1.0)
        text = crash_sentence(process.exitcode)
        if self._wait_for_room():
            self._deliver(lambda: self._crashed(process, text))

    def _wait_for_room(self) -> bool:
        """Block while ``max_in_flight`` replies wait for delivery; False once closing."""
        while not self._in_flight.acquire(timeout=0.1):
            if self._closing:
                return False
        return True

    def _handle(self, message: Any) -> None:
        """On the deliver thread: route one reply to its job's callbacks."""
        try:
            with self._lock:
                job = self._jobs.get(message.job_id)
            if job is None or job.finished:
                return
            if isinstance(message, Done):
                self._finish(job, job.cancelled or message.cancelled)
            elif job.cancelled:
                return
            elif isinstance(message, Item) and job.on_item is not None:
                job.on_item(message.value)
            elif isinstance(message, Result) and job.on_result is not None:
                job.on_result(message.value)
            elif isinstance(message, Warned) and job.on_warning is not None:
                job.on_warning(message.text)
            elif isinstance(message, Failed) and job.on_error is not None:
                job.on_error(RuntimeError(message.text))
        finally:
            self._in_flight.release()

    def _finish(self, job: Job, cancelled: bool) -> None:
        job.finished = True
        with self._lock:
            self._jobs.pop(job.job_id, None)
        if job.on_done is not None:
            job.on_done(cancelled)

    def _crashed(self, process: Any, text: str) -> None:
        try:
            if process is self._process:
                self._process = None
                if self._requests is not None:
                    self._requests.stop()  # its pipe is dead; the next child has its own
            with self._lock:
                jobs = [job for job in self._jobs.values() if job._process is process]
            self._fail(jobs, EngineCrashed(text))
            if self.on_crash is not None:
                self.on_crash(text)
        finally:
            self._in_flight.release()


def _shared_copies(
    matrix: np.ndarray, weights: np.ndarray | None
) -> tuple[SharedArray, SharedArray | None]:
    matrix_shared = SharedArray.create(np.asarray(matrix, dtype=np.float64))
    if weights is None:
        return matrix_shared, None
    return matrix_shared, SharedArray.create(np.asarray(weights, dtype=np.float64))


@contextlib.contextmanager
def _main_module_hidden() -> Iterator[None]:
    """Start the child without re-running the caller's ``__main__`` in it.

    ``spawn`` re-imports the parent's main module in the child (so that pickled references to
    it resolve). The engine's entry point lives in this package, so that is never needed, and
    it costs: the ``kmeans-gui`` script, a benchmark or a notebook would run again (or fail, for
    a script read from stdin) before the engine starts. Without ``__spec__`` and ``__file__``
    on ``__main__``, multiprocessing skips it.
    """
    main = sys.modules.get("__main__")
    saved = {name: getattr(main, name) for name in ("__spec__", "__file__") if hasattr(main, name)}
    try:
        for name in saved:
            if name == "__spec__":
                main.__spec__ = None
            else:
                delattr(main, name)
        yield
    finally:
        for name, value in saved.items():
            setattr(main, name, value)


def crash_sentence(exitcode: int | None) -> str:
    """What happened to the engine, in the words the window shows."""
    if exitcode is not None and exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = f"signal {-exitcode}"
        how = f"it was killed by {name}"
        if -exitcode == signal.SIGKILL:
            how += ", which usually means the machine ran out of memory"
    elif exitcode:
        how = f"it exited with status {exitcode}"
    else:
        how = "it ended without a word"
    return (
        f"The engine stopped unexpectedly: {how}. Your data and settings are intact; "
        "press Run to start the engine again."
    )
