"""Two runs in lockstep with the fake engine: one clock, one position, the ARI of what is shown."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score

from kmeans_gui.app.paired_runs import PairedRuns
from kmeans_gui.app.run_session import Phase

from .test_run_session import FakeEngine, request, state


@pytest.fixture
def pair(qtbot):
    model = PairedRuns(FakeEngine())
    model.set_speed(0)
    return model


def jobs(pair):
    return pair.sessions[0].engine.jobs[-2:]


def shown(pair) -> list[int]:
    return [s.playback.index for s in pair.sessions]


def test_both_runs_start_on_one_engine_and_play_in_lockstep(qtbot, pair):
    finished: list[bool] = []
    pair.finished.connect(lambda: finished.append(True))
    pair.start(request(), request(init="random", seed=1))
    a, b = jobs(pair)
    assert pair.phase is Phase.STARTING and len(pair.sessions[0].engine.jobs) == 2
    a.send(state(0), state(1), state(2, final=True))
    a.done()
    qtbot.wait(50)
    assert pair.position == 0 and shown(pair) == [0, -1]  # run B has sent nothing: A waits
    b.send(*(state(i, final=i == 5) for i in range(6)))
    b.done()
    qtbot.waitUntil(lambda: pair.phase is Phase.FINISHED, timeout=5000)
    assert finished == [True]
    assert pair.position == 5 and shown(pair) == [2, 5]  # A holds its last frame


def test_positions_never_drift_while_one_engine_is_slower(qtbot, pair):
    pair.start(request(), request())
    a, b = jobs(pair)
    a.send(*(state(i) for i in range(5)))
    b.send(state(0), state(1))
    qtbot.wait(100)
    assert pair.position == 1 and shown(pair) == [1, 1]  # waits for B's frame 2
    b.send(state(2))
    qtbot.waitUntil(lambda: pair.position == 2, timeout=5000)
    assert shown(pair) == [2, 2]


def test_one_set_of_controls_steps_seeks_and_pauses_both(qtbot, pair):
    pair.start(request(), request())
    pair.pause()
    a, b = jobs(pair)
    a.send(*(state(i, final=i == 3) for i in range(4)))
    b.send(state(0), state(1))
    pair.step()
    assert shown(pair) == [1, 1]
    pair.step()  # B's frame 2 has not come: the step waits for it
    assert shown(pair) == [1, 1] and pair.can_step()
    b.send(state(2), state(3), state(4, final=True))
    assert shown(pair) == [2, 2]
    a.done()
    b.done()
    pair.seek(99)
    assert pair.position == 4 and shown(pair) == [3, 4]
    assert pair.pause_action() == "Replay" and pair.phase is Phase.FINISHED
    pair.seek(0)
    assert shown(pair) == [0, 0] and pair.pause_action() == "Resume"


def test_agreement_is_the_adjusted_rand_index_of_the_frames_shown(pair):
    pair.start(request(), request())
    pair.pause()
    a, b = jobs(pair)
    a.send(state(0), state(1))
    b.send(state(1), state(0))  # B's frames: the other labelling first
    la, lb = (s.history.labels(0) for s in pair.sessions)
    assert pair.agreement() == pytest.approx(adjusted_rand_score(la, lb))
    pair.step()
    la, lb = (s.history.labels(1) for s in pair.sessions)
    assert pair.agreement() == pytest.approx(adjusted_rand_score(la, lb))
    assert not np.array_equal(la, lb)


def test_stop_ends_both_and_reset_forgets_both(qtbot, pair):
    finished: list[bool] = []
    pair.finished.connect(lambda: finished.append(True))
    pair.start(request(), request())
    a, b = jobs(pair)
    a.send(state(0))
    b.send(state(0))
    pair.stop()
    assert a.cancelled and b.cancelled
    a.done()
    b.done()
    assert finished == [True] and pair.phase is Phase.STOPPED
    pair.reset()
    assert pair.phase is Phase.IDLE and pair.pause_action() is None


def test_half_steps_only_when_both_algorithms_have_them(pair):
    pair.set_half_steps(True)
    pair.start(request(), request(algorithm="gradient"))
    assert not pair.half_steps
    pair.start(request(), request(algorithm="kmedoids"))
    pair.pause()
    a, b = jobs(pair)
    a.send(state(0), state(1))
    b.send(state(0), state(1))
    assert pair.half_steps and pair.last_position() == 2
    pair.step()
    assert [s.picture().kind for s in pair.sessions] == ["update", "update"]
    pair.set_half_steps(False)
    assert pair.position == 0 and not pair.half_steps


def test_restarts_are_shown_from_each_runs_best(qtbot, pair):
    pair.start(request(n_init=2), request())
    a, b = jobs(pair)
    a.send(
        state(0, restart=0, n_restarts=2),
        state(1, restart=0, n_restarts=2, final=True, inertia=50.0),
        state(0, restart=1, n_restarts=2),
        state(1, restart=1, n_restarts=2, final=True, inertia=20.0),
    )
    b.send(state(0), state(1, final=True))
    a.done()
    b.done()
    assert pair.sessions[0].playback.restart == 1
    qtbot.waitUntil(lambda: pair.phase is Phase.FINISHED, timeout=5000)
    assert shown(pair) == [3, 1]
