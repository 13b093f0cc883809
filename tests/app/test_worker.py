"""The worker adapter: engine jobs on one thread, warnings to the job that raised them."""

from __future__ import annotations

import time
import warnings

from kmeans_gui.app.worker import WorkerPool


def test_warnings_reach_the_run_that_raised_them_while_another_job_runs(qtbot):
    pool = WorkerPool()
    received: list[str] = []
    side_received: list[str] = []

    def engine_stream():
        time.sleep(0.3)
        warnings.warn("first engine warning", UserWarning, stacklevel=1)
        yield 1
        time.sleep(0.6)
        warnings.warn("second engine warning", UserWarning, stacklevel=1)
        yield 2

    def side_job(progress=None):
        time.sleep(0.6)  # spans the first warning: superqt's global hook used to swallow it
        return "done"

    done: list[bool] = []
    pool.run_stream(
        engine_stream,
        on_item=lambda item: None,
        on_done=lambda: done.append(True),
        on_warning=received.append,
    )
    time.sleep(0.1)
    side = pool.run_call(side_job, on_result=lambda result: None)
    side.warned.connect(lambda args: side_received.append(str(args[0])))
    qtbot.waitUntil(lambda: bool(done) and not pool.busy, timeout=10_000)
    assert received == ["First engine warning.", "Second engine warning."]
    assert side_received == []
    assert pool.shutdown(5_000)


def test_a_job_after_a_shutdown_that_timed_out_still_runs(qtbot):
    """close() leaves a slow job's thread to finish on its own; new work gets a new thread."""
    pool = WorkerPool()
    release = []

    def slow_stream():
        while not release:
            time.sleep(0.01)
        yield 1

    pool.run_stream(slow_stream, on_item=lambda item: None)
    qtbot.wait(100)
    assert not pool.engine_thread.close(timeout_ms=50)  # still in its job
    results: list[str] = []
    pool.run_call(lambda: "after", on_result=results.append, engine=True)
    qtbot.waitUntil(lambda: results == ["after"], timeout=5_000)
    release.append(True)
    assert pool.shutdown(5_000)
