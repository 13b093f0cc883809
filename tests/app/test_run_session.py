"""The run and sweep models with a fake engine: no TensorFlow, no window, no engine process."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from kmeans_gui.app.run_parameters import RunParameters
from kmeans_gui.app.run_session import Phase, RunRequest, RunSession
from kmeans_gui.app.sweep_session import SweepSession
from kmeans_gui.engine.state import IterationState, SweepPoint

N = 20


class FakeJob:
    def __init__(self, callbacks: dict) -> None:
        self.callbacks = callbacks
        self.cancelled = False
        self.sent = 0

    def cancel(self) -> None:
        self.cancelled = True

    def send(self, *states) -> None:
        for state in states:
            self.sent += 1
            self.callbacks["on_item"](state)

    def warn(self, text: str) -> None:
        self.callbacks["on_warning"](text)

    def fail(self, exc: Exception) -> None:
        self.callbacks["on_error"](exc)

    def done(self) -> None:
        self.callbacks["on_done"](self.cancelled)


class FakeEngine:
    """Records each job; the test decides what it streams and when."""

    def __init__(self) -> None:
        self.jobs: list[FakeJob] = []

    def run(self, matrix, weights, n_clusters, kwargs, **callbacks) -> FakeJob:
        self.jobs.append(FakeJob(callbacks))
        self.last_call = (matrix, weights, n_clusters, kwargs)
        return self.jobs[-1]

    sweep = run

    @property
    def job(self) -> FakeJob:
        return self.jobs[-1]


def state(i: int, *, final: bool = False, restart: int = 0, n_restarts: int = 1, inertia=None):
    labels = np.arange(N) % 2 if i % 2 else np.zeros(N, dtype=int)
    return IterationState(
        iteration=i,
        centroids=np.array([[float(i), 0.0], [0.0, float(i)]]),
        labels=labels.astype(np.int32),
        inertia=float(100 - i if inertia is None else inertia),
        shift=1.0,
        sizes=np.bincount(labels, minlength=2),
        n_changed=N,
        n_relocated=0,
        seconds=0.001,
        converged=final,
        final=final,
        device="/CPU:0",
        restart=restart,
        n_restarts=n_restarts,
    )


def request(**overrides) -> RunRequest:
    values = dict(
        k=2,
        algorithm="lloyd",
        init="k-means++",
        metric="euclidean",
        tol=1e-4,
        max_iter=10,
        seed=0,
        n_init=1,
        device="auto",
    )
    values.update(overrides)
    features = SimpleNamespace(X=np.zeros((N, 2)), weights=None)
    return RunRequest(RunParameters(**values), features)


@pytest.fixture
def session(qtbot):
    engine = FakeEngine()
    model = RunSession(engine)
    model.set_speed(0)  # as fast as frames can be shown
    phases: list[Phase] = []
    model.phaseChanged.connect(phases.append)
    model.phases = phases
    return model


def test_a_run_goes_from_starting_to_running_to_finished(qtbot, session) -> None:
    finished: list[Phase] = []
    session.finished.connect(lambda: finished.append(session.phase))
    assert session.phase is Phase.IDLE and session.pause_action() is None
    session.start(request())
    assert session.phase is Phase.STARTING and session.computing
    assert session.engine.last_call[2:] == (2, request().engine_kwargs())
    session.engine.job.send(state(0))
    assert session.phase is Phase.RUNNING and session.pause_action() == "Pause"
    session.engine.job.send(state(1), state(2, final=True))
    session.engine.job.done()
    qtbot.waitUntil(lambda: session.phase is Phase.FINISHED, timeout=5_000)
    assert finished == [Phase.FINISHED] and not session.computing  # already FINISHED
    assert session.playback.index == 2 and session.pause_action() == "Replay"
    assert session.phases == [Phase.STARTING, Phase.RUNNING, Phase.FINISHED]


def test_pause_resume_and_step_move_the_frame_shown(qtbot, session) -> None:
    session.start(request(), paused=True)
    session.engine.job.send(state(0), state(1), state(2))
    assert session.phase is Phase.PAUSED and session.playback.index == 0
    assert session.pause_action() == "Resume" and session.can_step()
    session.step()
    assert session.playback.index == 1
    session.resume()
    assert session.phase is Phase.RUNNING
    qtbot.waitUntil(lambda: session.playback.index == 2, timeout=5_000)
    session.pause()
    assert session.phase is Phase.PAUSED and session.computing  # the engine goes on
    assert session.can_step()  # more frames are coming


def test_the_status_follows_pause_once_the_engine_is_done(qtbot, session) -> None:
    """Computed while playing, then paused: the status no longer says "playing back"."""
    messages: list[str] = []
    session.message.connect(messages.append)
    session.set_speed(1)  # slow: the animation is far behind the engine
    session.start(request())
    session.engine.job.send(state(0), state(1), state(2), state(3, final=True))
    session.engine.job.done()
    assert messages[-1] == "Computed; playing back…"
    session.pause()
    assert messages[-1] == "Computed."
    session.resume()
    assert messages[-1] == "Computed; playing back…"


def test_a_step_asked_for_before_the_frame_exists_shows_it_when_it_arrives(session) -> None:
    session.start(request(), paused=True)
    session.engine.job.send(state(0))
    session.step()  # nothing to show yet
    assert session.playback.index == 0
    session.engine.job.send(state(1))
    assert session.playback.index == 1


def test_stop_cancels_the_job_and_keeps_what_was_computed(qtbot, session) -> None:
    finished: list[Phase] = []
    session.finished.connect(lambda: finished.append(session.phase))
    session.start(request())
    session.engine.job.send(state(0), state(1))
    session.stop()
    assert session.engine.job.cancelled and finished == []  # until the engine lets go
    session.engine.job.done()
    assert session.phase is Phase.STOPPED and finished == [Phase.STOPPED]  # ended in it
    assert len(session.history) == 2 and session.current() is not None
    assert not session.can_stop()


def test_an_error_fails_the_run_once(session) -> None:
    failures: list[Exception] = []
    session.failed.connect(failures.append)
    session.start(request())
    session.engine.job.send(state(0))
    session.engine.job.fail(RuntimeError("the engine broke"))
    session.engine.job.done()
    assert session.phase is Phase.FAILED and len(failures) == 1
    assert str(session.error) == "the engine broke" and len(session.history) == 1


def test_a_new_run_cancels_the_old_one_and_ignores_its_late_states(session) -> None:
    session.start(request())
    old = session.engine.job
    old.send(state(0))
    old.warn("old news")
    session.start(request(k=3))
    assert old.cancelled and session.warnings == [] and len(session.history) == 0
    old.send(state(1))
    old.warn("older news")
    old.done()
    assert len(session.history) == 0 and session.warnings == []
    assert session.phase is Phase.STARTING and session.params.k == 3


def test_warnings_belong_to_the_current_run(session) -> None:
    seen: list[str] = []
    session.warned.connect(seen.append)
    session.start(request())
    session.engine.job.warn("Sampled medoids.")
    assert session.warnings == ["Sampled medoids."] == seen


def test_the_best_restart_is_replayed_after_all_have_been_shown(qtbot, session) -> None:
    messages: list[str] = []
    session.message.connect(messages.append)
    session.start(request(n_init=2))
    job = session.engine.job
    job.send(state(0, n_restarts=2), state(1, final=True, n_restarts=2, inertia=10.0))
    job.send(state(0, restart=1, n_restarts=2), state(1, restart=1, final=True, n_restarts=2))
    job.done()
    qtbot.waitUntil(lambda: session.phase is Phase.FINISHED, timeout=5_000)
    assert session.playback.restart == 0  # inertia 10 beats 99
    assert any(m.startswith("Replaying the best of 2 restarts (#1)") for m in messages)


def test_reset_forgets_the_run(session) -> None:
    session.start(request())
    session.engine.job.send(state(0))
    session.reset()
    assert session.engine.job.cancelled and session.phase is Phase.IDLE
    assert session.request is None and len(session.history) == 0 and session.current() is None


def test_run_labels_tell_runs_apart() -> None:
    assert request().params.label() == "Lloyd, k-means++, k = 2, seed 0"
    assert request(algorithm="minibatch", init="random", k=5, seed=None).params.label() == (
        "mini-batch, random, k = 5"
    )
    assert request(metric="cosine", n_init=3).params.label() == (
        "Lloyd, k-means++, k = 2, cosine, 3 restarts, seed 0"
    )


def test_the_sweep_model_holds_its_points(qtbot) -> None:
    engine = FakeEngine()
    sweep = SweepSession(engine)
    finished: list[str] = []
    sweep.finished.connect(finished.append)
    features = SimpleNamespace(X=np.zeros((N, 2)), weights=None)
    sweep.start(features, [2, 3, 4], {"seed": 0})
    assert sweep.running and engine.last_call[2] == [2, 3, 4]
    point = SweepPoint(k=2, inertia=5.0, silhouette=0.5, sample_size=N, n_iter=3, seconds=0.1)
    engine.job.send(point)
    sweep.cancel()
    engine.job.done()
    assert sweep.points == [point] and not sweep.running
    assert finished == ["cancelled after 1 values of k"]
    sweep.start(features, [2], {})
    sweep.clear()
    engine.job.done()
    assert sweep.points == [] and finished == ["cancelled after 1 values of k"]
