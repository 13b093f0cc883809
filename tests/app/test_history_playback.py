"""The run history stores labels compactly but gives back exactly what the engine sent, and the
playback walks it in order, across restarts, as the controls ask."""

from __future__ import annotations

import numpy as np
import pytest

from kmeans_gui.app.history import RunHistory
from kmeans_gui.app.playback import Playback
from kmeans_gui.engine.state import IterationState


def make_state(labels, iteration, *, k=3, restart=0, n_restarts=1, final=False, inertia=None):
    centroids = np.full((k, 2), float(iteration))
    return IterationState(
        iteration=iteration,
        centroids=centroids,
        labels=np.asarray(labels, dtype=np.int32),
        inertia=float(100 - iteration if inertia is None else inertia),
        shift=1.0,
        sizes=np.bincount(labels, minlength=k),
        n_changed=0,
        n_relocated=0,
        seconds=0.001,
        converged=final,
        final=final,
        device="/CPU:0",
        restart=restart,
        n_restarts=n_restarts,
    )


def random_walk(n=5000, steps=60, k=7, seed=0):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, k, n)
    out = [labels.copy()]
    for step in range(steps):
        changed = rng.random(n) < (0.5 if step < 2 else 0.01)
        labels[changed] = rng.integers(0, k, changed.sum())
        out.append(labels.copy())
    return out


def test_history_returns_every_frame_exactly_in_any_order():
    walk = random_walk()
    history = RunHistory()
    for i, labels in enumerate(walk):
        history.append(make_state(labels, i, k=7, final=i == len(walk) - 1))
    order = [5, 4, 60, 0, 17, 18, 19, 33, 32, 1, 59, 60]
    for i in order + list(range(len(walk))):
        np.testing.assert_array_equal(history.labels(i), walk[i])
    raw = sum(labels.nbytes for labels in walk)
    assert history.nbytes() < raw / 8  # uint8 key frames + small deltas


def test_returned_labels_are_read_only_and_stay_valid():
    walk = random_walk(n=100, steps=5)
    history = RunHistory()
    for i, labels in enumerate(walk):
        history.append(make_state(labels, i, k=7))
    first = history.labels(2)
    history.labels(3)
    np.testing.assert_array_equal(first, walk[2])
    with pytest.raises(ValueError):
        first[0] = 1


def run_stream(playback, restarts=(4, 3), inertias=(50.0, 20.0)):
    n_restarts = len(restarts)
    for r, (n, final_inertia) in enumerate(zip(restarts, inertias, strict=True)):
        for i in range(n):
            last = i == n - 1
            playback.append(
                make_state(
                    [0, 1, 2, 0],
                    i,
                    restart=r,
                    n_restarts=n_restarts,
                    final=last,
                    inertia=final_inertia if last else 100.0 - i,
                )
            )


def test_playback_steps_through_restarts_and_ends(qtbot):
    playback = Playback()
    shown: list[int] = []
    playback.frameChanged.connect(shown.append)
    run_stream(playback)
    playback.mark_complete()
    assert shown == [0]  # the first state is shown as soon as it arrives
    while playback.step():
        pass
    assert shown == list(range(7))
    assert playback.restart == 1 and playback.at_end()
    assert playback.history.best_restart() == 1


def test_playback_timer_plays_to_the_end(qtbot):
    playback = Playback()
    playback.set_speed(0)
    run_stream(playback)
    playback.mark_complete()
    with qtbot.waitSignal(playback.ended, timeout=5000):
        playback.play()
    assert playback.index == len(playback.history) - 1
    assert not playback.playing


def test_seek_stays_inside_the_shown_restart_and_replay_starts_over(qtbot):
    playback = Playback()
    run_stream(playback)
    playback.mark_complete()
    playback.show_restart(0, from_start=False)
    assert playback.index == 3
    playback.seek(6)  # restart 1's frame: clamped to restart 0
    assert playback.index == 3
    playback.seek(1)
    assert playback.index == 1
    playback.pause()
    playback.seek(3)
    playback.play()  # at the end of a complete restart: replay from its first frame
    assert playback.index == 0
    playback.pause()


def test_step_waits_for_a_state_not_yet_received(qtbot):
    playback = Playback()
    playback.append(make_state([0, 1, 2, 0], 0))
    assert not playback.step()
    playback.append(make_state([0, 1, 1, 0], 1))
    assert playback.step()
    assert playback.index == 1
