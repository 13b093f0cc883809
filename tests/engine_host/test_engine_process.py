"""The engine in a process of its own, without Qt: jobs, cancelling, errors, crashes, closing."""

from __future__ import annotations

import os
import signal
import threading
from pathlib import Path

import numpy as np
import pytest

from kmeans_gui.engine_host import EngineCrashed, EngineProcess
from kmeans_gui.engine_host.protocol import Call, Done, Item
from kmeans_gui.engine_host.server import CHILD_NICENESS, _Server

TIMEOUT_S = 120  # a new engine process loads TensorFlow first


class Recorder:
    """A job's callbacks, recorded; ``done`` is set by on_done."""

    def __init__(self) -> None:
        self.items: list = []
        self.results: list = []
        self.errors: list[Exception] = []
        self.warnings: list[str] = []
        self.cancelled: bool | None = None
        self.done = threading.Event()

    def callbacks(self) -> dict:
        return {
            "on_item": self.items.append,
            "on_result": self.results.append,
            "on_error": self.errors.append,
            "on_warning": self.warnings.append,
            "on_done": self._on_done,
        }

    def _on_done(self, cancelled: bool) -> None:
        self.cancelled = cancelled
        self.done.set()

    def wait(self) -> Recorder:
        assert self.done.wait(TIMEOUT_S), "the job did not end"
        return self


@pytest.fixture(scope="module")
def engine():
    process = EngineProcess()
    yield process
    process.close()


def blobs(n: int = 3000, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.uniform(-10, 10, size=(4, 2))
    return centres[rng.integers(0, 4, n)] + rng.normal(size=(n, 2))


def test_a_run_streams_the_engines_own_states(engine) -> None:
    from kmeans_gui import engine as direct

    X = blobs()
    data_id = engine.share(X)
    job = Recorder()
    engine.submit("run", 4, data_id=data_id, kwargs={"seed": 0}, **job.callbacks())
    states = job.wait().items
    expected = list(direct.iterate(X, 4, seed=0))
    assert job.errors == [] and job.cancelled is False
    assert [s.iteration for s in states] == [s.iteration for s in expected]
    for ours, theirs in zip(states, expected, strict=True):
        assert ours.labels.dtype == np.uint8  # what crosses is compact
        np.testing.assert_array_equal(ours.labels, theirs.labels)
        np.testing.assert_allclose(ours.centroids, theirs.centroids, rtol=1e-12)
        assert ours.inertia == pytest.approx(theirs.inertia, rel=1e-12)


@pytest.mark.skipif(not hasattr(os, "getpriority"), reason="no process priorities here")
def test_the_engine_yields_the_cpu_to_the_window(engine) -> None:
    """The child runs at a low priority: on a machine whose cores the engine fills, the
    window's thread is scheduled first (benchmarks/responsiveness.py: 1M points, longest stall
    185 ms at niceness 5, 70 ms at 10)."""
    job = Recorder()
    engine.submit("run", 2, data_id=engine.share(blobs(200)), kwargs={"seed": 0}, **job.callbacks())
    job.wait()
    child = os.getpriority(os.PRIO_PROCESS, engine.process_id())
    assert child == min(os.getpriority(os.PRIO_PROCESS, 0) + CHILD_NICENESS, 19)


def test_weights_cross_with_the_matrix(engine) -> None:
    from kmeans_gui import engine as direct

    X = blobs(500, seed=1)
    weights = np.random.default_rng(2).integers(0, 4, len(X)).astype(float)
    data_id = engine.share(X, weights)
    job = Recorder()
    engine.submit("run", 3, data_id=data_id, kwargs={"seed": 1}, **job.callbacks())
    final = job.wait().items[-1]
    expected = list(direct.iterate(X, 3, seed=1, sample_weight=weights))[-1]
    assert final.inertia == pytest.approx(expected.inertia, rel=1e-12)


def test_data_copied_in_the_background_is_what_the_next_job_sees(engine) -> None:
    from kmeans_gui import engine as direct

    first, second = blobs(400, seed=3), blobs(600, seed=4)
    engine.share(first, background=True)
    data_id = engine.share(second, background=True)  # overtakes the first before it is sent
    job = Recorder()
    engine.submit("run", 4, data_id=data_id, kwargs={"seed": 0}, **job.callbacks())
    final = job.wait().items[-1]
    expected = list(direct.iterate(second, 4, seed=0))[-1]
    assert job.errors == [] and len(final.labels) == 600
    assert final.inertia == pytest.approx(expected.inertia, rel=1e-12)


@pytest.fixture
def slow_copies(monkeypatch) -> threading.Event:
    """Copies into shared memory wait until the returned event is set."""
    from kmeans_gui.engine_host import client

    release = threading.Event()
    copy = client._shared_copies

    def slow_copy(matrix, weights):
        assert release.wait(TIMEOUT_S)
        return copy(matrix, weights)

    monkeypatch.setattr(client, "_shared_copies", slow_copy)
    return release


def test_a_job_submitted_while_the_data_are_copied_does_not_wait_for_the_copy(
    engine, slow_copies
) -> None:
    """Run right after a load: the copy into shared memory is still being made; the job waits
    for it without holding the caller (the GUI thread), and is sent after the data."""
    from kmeans_gui import engine as direct

    X = blobs(700, seed=5)
    data_id = engine.share(X, background=True)
    first, second = Recorder(), Recorder()
    engine.submit("run", 3, data_id=data_id, kwargs={"seed": 0}, **first.callbacks())
    engine.submit("run", 5, data_id=data_id, kwargs={"seed": 0}, **second.callbacks())
    assert not first.done.is_set() and first.items == []  # returned before the copy was done
    slow_copies.set()
    for job, k in ((first, 3), (second, 5)):
        final = job.wait().items[-1]
        expected = list(direct.iterate(X, k, seed=0))[-1]
        assert job.errors == [] and final.inertia == pytest.approx(expected.inertia, rel=1e-12)


def test_new_data_while_a_job_waits_for_the_last_copy_keep_every_job_on_its_own_data(
    engine, slow_copies
) -> None:
    """share, submit, share again, submit, all before the first copy is done: nothing hangs,
    the first job ends (on its data, or told they were replaced: the child keeps the newest
    data only) and the second runs on the new data."""
    from kmeans_gui import engine as direct

    first_data, second_data = blobs(300, seed=6), blobs(500, seed=7)
    first, second = Recorder(), Recorder()
    engine.submit("run", 3, data_id=engine.share(first_data, background=True),
                  kwargs={"seed": 0}, **first.callbacks())  # fmt: skip
    threading.Timer(0.3, slow_copies.set).start()  # the second share waits for the first copy
    engine.submit("run", 3, data_id=engine.share(second_data, background=True),
                  kwargs={"seed": 0}, **second.callbacks())  # fmt: skip
    first.wait()
    assert first.items or "no data" in str(first.errors)
    final = second.wait().items[-1]
    expected = list(direct.iterate(second_data, 3, seed=0))[-1]
    assert second.errors == [] and len(final.labels) == len(second_data)
    assert final.inertia == pytest.approx(expected.inertia, rel=1e-12)


def test_a_copy_that_fails_fails_the_jobs_behind_it(engine, monkeypatch) -> None:
    from kmeans_gui.engine_host import client

    def no_room(matrix, weights):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(client, "_shared_copies", no_room)
    data_id = engine.share(blobs(100), background=True)
    job = Recorder()
    engine.submit("run", 2, data_id=data_id, **job.callbacks())
    job.wait()
    assert job.cancelled is False and job.items == []
    assert [type(e) for e in job.errors] == [OSError]
    monkeypatch.undo()
    after = Recorder()  # the engine goes on with the next data
    engine.submit("run", 2, data_id=engine.share(blobs(100)), **after.callbacks())
    assert after.wait().errors == [] and after.items


def test_an_engine_error_crosses_as_its_sentence(engine) -> None:
    data_id = engine.share(blobs(10))
    job = Recorder()
    engine.submit("run", 50, data_id=data_id, **job.callbacks())
    job.wait()
    assert len(job.errors) == 1 and job.items == []
    assert "50" in str(job.errors[0]) and "10" in str(job.errors[0])
    assert type(job.errors[0]) is RuntimeError  # no engine or TensorFlow type crosses


def test_engine_warnings_reach_their_job(engine) -> None:
    data_id = engine.share(blobs(2000))
    job = Recorder()
    kwargs = {"algorithm": "kmedoids", "max_candidates": 20, "seed": 0, "max_iter": 3}
    engine.submit("run", 4, data_id=data_id, kwargs=kwargs, **job.callbacks())
    job.wait()
    assert job.errors == [] and len(job.warnings) == 1
    assert "sampled medoid" in job.warnings[0] and job.warnings[0].endswith(".")


def test_a_cancelled_run_ends_and_the_next_job_runs(engine) -> None:
    data_id = engine.share(np.random.default_rng(3).random((50_000, 2)))
    job = Recorder()
    after_cancel: list = []

    def on_item(state) -> None:
        job.items.append(state)
        if len(job.items) == 3:
            handle.cancel()
        elif len(job.items) > 3:
            after_cancel.append(state)

    callbacks = {**job.callbacks(), "on_item": on_item}
    kwargs = {"seed": 0, "tol": 0.0, "max_iter": 100_000, "init": "random"}
    handle = engine.submit("run", 30, data_id=data_id, kwargs=kwargs, **callbacks)
    job.wait()
    assert job.cancelled is True and after_cancel == [] and job.errors == []
    info = Recorder()
    engine.submit("engine_info", **info.callbacks())
    assert info.wait().results[0]["devices"]


def test_a_request_larger_than_the_pipe_is_sent_while_the_child_is_busy(engine) -> None:
    """The child reads a request only between jobs: the labels of a run to score (far beyond
    the pipe's 64 KiB) must not hold the caller (the GUI thread) until the running job ends."""
    data_id = engine.share(np.random.default_rng(4).random((200_000, 2)))
    run, started = Recorder(), threading.Event()
    kwargs = {"seed": 0, "tol": 0.0, "max_iter": 100_000, "init": "random"}
    callbacks = {**run.callbacks(), "on_item": lambda state: started.set()}
    handle = engine.submit("run", 30, data_id=data_id, kwargs=kwargs, **callbacks)
    assert started.wait(TIMEOUT_S)
    scores, submitted = Recorder(), threading.Event()
    labels = np.random.default_rng(5).integers(0, 30, 200_000).astype(np.int32)  # 800 KB

    def submit() -> None:
        engine.submit("scores", labels, data_id=data_id, **scores.callbacks())
        submitted.set()

    threading.Thread(target=submit, daemon=True).start()
    try:
        assert submitted.wait(TIMEOUT_S), "the request waited for the run to end"
        assert not run.done.is_set()  # it went while the child was still running
    finally:
        handle.cancel()
    assert run.wait().cancelled is True
    assert scores.wait().errors == [] and len(scores.results) == 1  # answered after the run


def test_the_server_reads_the_cancel_flag_between_two_items() -> None:
    """Stop takes effect within one iteration: the stream is not asked for another item."""
    flags = bytearray(8)
    sent: list = []

    class Pipe:
        def send(self, message) -> None:
            sent.append(message)
            if isinstance(message, Item) and message.value == 2:
                flags[5 % len(flags)] = 1  # the window cancels while item 2 is on its way

    pulled: list[int] = []

    def stream():
        for i in range(1, 100):
            pulled.append(i)
            yield i

    server = _Server(Pipe(), flags)
    server._stream(5, stream())
    assert pulled == [1, 2]
    server.call(Call(6, "no-such-job"))  # a later job is not cancelled by job 5's flag
    assert isinstance(sent[-1], Done) and sent[-1].job_id == 6 and not sent[-1].cancelled


def test_a_killed_engine_fails_its_job_once_and_a_new_one_starts_with_the_data(engine) -> None:
    """The module's engine is killed (its restart is part of the test: later tests get it)."""
    crashes: list[str] = []
    previous, engine.on_crash = engine.on_crash, crashes.append
    try:
        X = np.random.default_rng(4).random((50_000, 2))
        data_id = engine.share(X)
        job = Recorder()
        killed: list[int | None] = []

        def on_item(state) -> None:
            job.items.append(state)
            if len(job.items) == 2:
                killed.append(engine.process_id())
                os.kill(killed[0], signal.SIGKILL)

        kwargs = {"seed": 0, "tol": 0.0, "max_iter": 100_000}
        callbacks = {**job.callbacks(), "on_item": on_item}
        engine.submit("run", 20, data_id=data_id, kwargs=kwargs, **callbacks)
        job.wait()
        assert len(job.errors) == 1 and isinstance(job.errors[0], EngineCrashed)
        assert "killed by SIGKILL" in str(job.errors[0])
        assert crashes == [str(job.errors[0])]
        again = Recorder()
        engine.submit("run", 3, data_id=data_id, kwargs={"seed": 0}, **again.callbacks())
        assert again.wait().errors == [] and again.items[-1].final  # the data were re-shared
        assert engine.process_id() not in (None, *killed)  # a new child
    finally:
        engine.on_crash = previous  # the module's engine goes on as it was given


def test_closing_ends_the_process_and_removes_the_shared_memory() -> None:
    engine = EngineProcess()
    data_id = engine.share(blobs(100))
    job = Recorder()
    engine.submit("run", 2, data_id=data_id, kwargs={"seed": 0}, **job.callbacks())
    job.wait()
    process = engine._process
    segment = Path("/dev/shm") / engine._shared[1].spec.name
    assert process.is_alive() and segment.exists()
    engine.close()
    assert not process.is_alive() and process.exitcode == 0
    assert not segment.exists()
