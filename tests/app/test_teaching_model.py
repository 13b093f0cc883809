"""Half-steps and edited centroids in the run model, with the fake engine (no TensorFlow)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from kmeans_gui.app.centroid_edit import CentroidEdit
from kmeans_gui.app.history import RunHistory
from kmeans_gui.app.picture import ASSIGNMENT, EDITED, EDITING, STATE, UPDATE, picture_at
from kmeans_gui.app.run_session import Phase, RunRequest

from . import test_run_session
from .test_run_session import N, request, state

session = test_run_session.session  # the run model on the fake engine (a fixture)


def run_to_end(session, n: int = 4) -> None:
    session.start(request(), paused=True)
    session.engine.job.send(*(state(i, final=i == n - 1) for i in range(n)))
    session.engine.job.done()


def walk(session) -> list:
    """Every picture from the cursor to the end, stepping."""
    pictures = [session.picture()]
    while session.playback.step():
        pictures.append(session.picture())
    return pictures


def test_half_steps_alternate_assignment_and_update_from_the_stream(session):
    session.set_half_steps(True)
    run_to_end(session, 4)
    assert session.half_steps and session.playback.position_range() == (0, 6)
    pictures = walk(session)
    assert [p.kind for p in pictures] == [ASSIGNMENT, UPDATE] * 3 + [ASSIGNMENT]
    frames = session.history.frames
    for j in range(3):
        update, after = pictures[2 * j + 1], pictures[2 * j + 2]
        # the update: the next state's centroids over this state's colours
        np.testing.assert_array_equal(update.centroids, frames[j + 1].centroids)
        np.testing.assert_array_equal(update.labels, session.history.labels(j))
        # then the assignment: the same centroids, the points recoloured
        np.testing.assert_array_equal(after.centroids, update.centroids)
        np.testing.assert_array_equal(after.labels, session.history.labels(j + 1))
    assert len(session.engine.jobs) == 1  # read from the stream, never run twice


def test_the_slider_and_seek_count_half_steps(session):
    session.set_half_steps(True)
    run_to_end(session, 3)
    session.seek(3)
    assert (session.playback.index, session.playback.half) == (1, True)
    assert session.picture().kind == UPDATE
    session.seek(99)  # clamped to the last state: no update after it
    assert session.playback.position == 4 and session.picture().kind == ASSIGNMENT
    session.set_half_steps(False)
    assert session.playback.position_range() == (0, 2) and session.playback.position == 2
    assert session.picture().kind == STATE


def test_the_update_frame_costs_what_its_pairing_costs(session):
    session.set_half_steps(True)
    run_to_end(session, 3)
    session.seek(1)
    picture = session.picture()
    X = session.request.features.X
    expected = float(((X - picture.centroids[picture.labels]) ** 2).sum())
    assert session.picture_cost(picture) == pytest.approx(expected)
    session.seek(2)
    assert session.picture_cost(session.picture()) == session.history.frames[1].inertia


@pytest.mark.parametrize("algorithm", ["gradient", "minibatch"])
def test_half_steps_are_off_for_algorithms_without_two_steps(session, algorithm):
    session.set_half_steps(True)
    session.start(request(algorithm=algorithm), paused=True)
    session.engine.job.send(state(0), state(1, final=True))
    assert not session.half_steps
    assert [p.kind for p in walk(session)] == [STATE, STATE]
    session.start(request(algorithm="kmedoids"), paused=True)  # k-medoids alternates too
    assert session.half_steps


def test_an_edit_waits_for_resume_then_the_run_goes_on_from_it(session, qtbot):
    run_to_end(session, 3)
    session.seek(2)  # shown to the end: the run is complete
    assert session.phase is Phase.FINISHED
    finished: list[bool] = []
    session.finished.connect(lambda: finished.append(True))
    session.seek(1)
    edit = session.edit_start(2).moved(0, np.array([5.0, 5.0]))
    session.set_edit(edit)
    shown = session.picture()
    assert shown.kind == EDITING and session.pause_action() == "Resume"
    np.testing.assert_array_equal(shown.labels, session.history.labels(1))  # colours stay
    np.testing.assert_array_equal(shown.centroids, [[5.0, 5.0], [0.0, 1.0]])

    session.resume()
    *_, k, kwargs = session.engine.last_call
    assert k == 2 and kwargs["n_init"] == 1
    np.testing.assert_array_equal(kwargs["init"], [[5.0, 5.0], [0.0, 1.0]])
    assert len(session.history) == 2  # what came before the edit, up to the edited frame
    assert session.picture().kind == EDITING  # still the edit until the engine answers
    session.engine.job.send(state(0), state(1, final=True))
    session.engine.job.done()
    qtbot.waitUntil(lambda: session.phase is Phase.FINISHED, timeout=5000)
    frames = session.history.frames
    assert [f.iteration for f in frames] == [0, 1, 2, 3]  # the curve goes on
    assert [f.edit for f in frames] == [None, None, (0, 1), None]  # the edit is marked
    assert finished == [True] and session.edit is None


def test_removing_and_adding_centroids_changes_k_and_keeps_colours(session):
    run_to_end(session, 2)
    session.seek(1)  # labels 0, 1, 0, 1, ...
    edit = session.edit_start(2).removed(0).added(np.array([9.0, 9.0]))
    session.set_edit(edit)
    shown = session.picture()
    assert shown.k == 2 and shown.origin == (1, None)
    labels = session.history.labels(1)
    # centroid 1 is now number 0; the removed centroid's points have none (label k, grey)
    np.testing.assert_array_equal(shown.labels, np.where(labels == 1, 0, 2))
    session.step()
    assert session.engine.last_call[2] == 2
    session.engine.job.send(state(0))
    assert session.history.frames[-1].edit == (1, None)
    assert session.playback.index == 2  # Step showed the first state after the edit


def test_with_half_steps_the_edit_is_the_update_before_the_next_state(session):
    session.set_half_steps(True)
    run_to_end(session, 2)
    session.seek(2)  # the last state
    session.set_edit(session.edit_start(2).moved(1, np.array([3.0, 4.0])))
    session.step()
    session.engine.job.send(state(0))
    # the screen showed the edit already: the step lands on the assignment after it
    assert session.picture().kind == ASSIGNMENT and session.playback.index == 2
    session.seek(3)
    edited = session.picture()
    assert edited.kind == EDITED
    np.testing.assert_array_equal(edited.centroids, session.history.frames[2].centroids)
    np.testing.assert_array_equal(edited.labels, session.history.labels(1))


def test_no_edit_while_playing_or_before_the_first_state(session):
    session.start(request())
    assert "first iteration" in session.why_not_edit()
    session.engine.job.send(state(0), state(1))
    assert session.playback.playing and "Pause" in session.why_not_edit()
    session.set_edit(CentroidEdit.of(np.zeros((2, 2))))
    assert session.edit is None
    session.pause()
    assert session.why_not_edit() is None


def test_seeking_or_a_new_run_drops_an_edit(session):
    run_to_end(session, 3)
    session.seek(1)
    session.set_edit(session.edit_start(2).removed(0))
    session.seek(0)
    assert session.edit is None and session.picture().kind == STATE
    session.set_edit(session.edit_start(2).removed(0))
    session.start(request())
    assert session.edit is None


def test_before_a_run_the_edit_holds_the_placed_centroids(session):
    assert session.edit_start(3).k == 0
    session.set_edit(session.edit_start(3).added(np.ones(3)).added(np.zeros(3)))
    assert session.edit.k == 2 and session.picture() is None and session.why_not_edit() is None
    session.reset()
    assert session.edit is None


def test_keep_until_keeps_one_restart_up_to_the_frame_as_a_run_of_its_own():
    history = RunHistory()
    for r in range(2):
        for i in range(3):
            history.append(state(i, restart=r, n_restarts=2, final=i == 2))
    kept = history.keep_until(4)  # restart 1, its second frame
    assert len(kept) == 2 and {f.restart for f in kept.frames} == {0}
    assert {f.n_restarts for f in kept.frames} == {1}
    for i in range(2):
        np.testing.assert_array_equal(kept.labels(i), history.labels(3 + i))
    kept.append(state(0), iteration_offset=2, edit=(0, 1))
    kept.append(state(1), iteration_offset=2)
    assert [f.iteration for f in kept.frames] == [0, 1, 2, 3]
    np.testing.assert_array_equal(kept.labels(3), state(1).labels)


def test_an_edit_relabels_points_by_where_their_centroid_went():
    edit = CentroidEdit.of(np.arange(6.0).reshape(3, 2)).removed(1).added(np.zeros(2))
    labels = np.array([0, 1, 2, 2, 0], dtype=np.uint8)
    np.testing.assert_array_equal(edit.relabel(labels), [0, 3, 1, 1, 0])
    assert edit.relabel(None) is None


def test_picture_at_names_the_edit_between_two_frames():
    history = RunHistory()
    history.append(state(0))
    history.append(state(1), edit=(None, 0))
    between = picture_at(history, 0, half=True, half_steps=True)
    assert between.kind == EDITED and between.next_frame is history.frames[1]
    # frame 0's labels are all 0: that centroid is now number 1
    np.testing.assert_array_equal(between.labels, np.ones(N))


def test_an_edited_request_runs_one_restart():
    params = request(n_init=5).params
    features = SimpleNamespace(X=np.zeros((N, 2)), weights=None)
    edited = RunRequest(params, features, np.zeros((2, 2)), edited=True)
    assert edited.engine_kwargs()["n_init"] == 1
