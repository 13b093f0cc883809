"""The analysis of the frame shown, with a fake engine and a fake thread pool: one computation
at a time, answers for a frame no longer shown dropped, the frame shown then computed next."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from kmeans_gui.app.frame_analysis import FrameAnalysis
from kmeans_gui.app.profile_view import ProfileView
from kmeans_gui.app.run_session import RunRequest, RunSession
from kmeans_gui.app.silhouette_view import SilhouetteView, silhouette_note
from kmeans_gui.data import load_table, prepare_features
from kmeans_gui.data.profiles import cluster_profiles

from .test_run_session import FakeEngine, N, request, state


class FakePool:
    """Holds each background call until the test answers it."""

    def __init__(self) -> None:
        self.calls: list[tuple] = []

    def run(self, function, *args, on_result, on_error=None):
        self.calls.append((function, args, on_result))

    def answer(self, index: int = 0) -> None:
        function, args, on_result = self.calls.pop(index)
        on_result(function(*args))


class SilhouetteEngine(FakeEngine):
    def silhouettes(self, matrix, weights, labels, kwargs, **callbacks):
        job = self.run(matrix, weights, labels, kwargs, **callbacks)
        job.labels = np.array(labels)
        return job


@pytest.fixture
def analysed(qtbot, tmp_path):
    source = tmp_path / "table.csv"
    pd.DataFrame({"a": np.arange(N, dtype=float), "b": np.arange(N) ** 2.0}).to_csv(
        source, index=False
    )
    table = load_table(source)
    frame = table.frame
    features = prepare_features(frame, ["a", "b"])
    engine, pool = SilhouetteEngine(), FakePool()
    session = RunSession(engine)
    session.set_speed(0)
    profile_view, silhouette_view = ProfileView(), SilhouetteView()
    qtbot.addWidget(profile_view)
    qtbot.addWidget(silhouette_view)
    analysis = FrameAnalysis(
        session,
        pool,
        engine,
        lambda: table,
        profile_view,
        silhouette_view,
        lambda view: True,
    )
    session.start(RunRequest(request().params, features))
    run = engine.job
    run.send(state(0), state(1), state(2, final=True))
    run.done()
    qtbot.waitUntil(lambda: session.playback.index == 2)
    return SimpleNamespace(
        session=session, engine=engine, pool=pool, analysis=analysis, features=features,
        frame=frame, profile_view=profile_view, silhouette_view=silhouette_view,
    )  # fmt: skip


def shown_labels(session) -> np.ndarray:
    return np.asarray(session.current()[1])


def test_a_profile_for_a_frame_no_longer_shown_is_dropped_and_the_shown_one_follows(analysed):
    a = analysed
    a.analysis.refresh()
    assert len(a.pool.calls) == 1  # the final frame's profiles
    a.session.seek(1)  # the user scrubs back before the answer came
    a.analysis.refresh()
    assert len(a.pool.calls) == 1  # one at a time
    a.pool.answer()  # the final frame's: stale
    assert a.analysis.profiles is None and len(a.pool.calls) == 1  # frame 1's is next
    a.pool.answer()
    expected = cluster_profiles(a.features, shown_labels(a.session), 2, frame=a.frame)
    pd.testing.assert_frame_equal(a.analysis.profiles.table, expected.table)
    assert "Iteration 1, 2 clusters" in a.profile_view.note.text()
    a.analysis.refresh()
    assert a.pool.calls == []  # shown already: not computed again


def test_silhouettes_for_a_frame_no_longer_shown_are_dropped(analysed):
    a = analysed
    a.analysis.refresh()
    a.pool.calls.clear()
    job = a.engine.job
    a.session.seek(1)
    a.analysis.refresh()
    assert a.engine.job is job  # one at a time
    labels = job.labels
    answer = {"rows": np.arange(N), "labels": labels, "values": np.linspace(1, 0, N),
              "mean": 0.5, "n_rows": N}  # fmt: skip
    job.callbacks["on_result"](answer)
    job.done()
    assert a.analysis.silhouettes is None  # for the final frame, which is no longer shown
    second = a.engine.job
    assert second is not job
    np.testing.assert_array_equal(second.labels, shown_labels(a.session))
    answer["labels"] = second.labels
    second.callbacks["on_result"](answer)
    second.done()
    assert a.analysis.silhouettes is answer
    assert "exact, all 20 rows" in a.silhouette_view.note.text()


def test_a_reset_clears_both_views(analysed):
    a = analysed
    a.analysis.refresh()
    a.pool.answer()
    assert a.profile_view.model.rowCount() == 2
    a.session.reset()
    assert a.profile_view.model.rowCount() == 0 and a.analysis.profiles is None


@pytest.mark.parametrize(
    ("n_values", "n_rows", "says"),
    [
        (2780, 2780, "exact, all 2,780 rows"),
        (20_000, 1_000_000, "sample of 20,000 of 1,000,000 rows"),
    ],
)
def test_the_silhouette_note_says_exact_or_sampled(n_values, n_rows, says):
    note = silhouette_note(n_values, n_rows, "manhattan", "standard")
    assert says in note and "manhattan distance on standardised features" in note


def test_export_writes_the_shown_frames_profiles_even_before_the_tab_showed_them(
    analysed, tmp_path
):
    a = analysed
    path = tmp_path / "profiles.csv"
    written: list[str] = []
    assert a.analysis.export_profiles(str(path), written.append, None)
    a.pool.answer(-1)
    expected = cluster_profiles(a.features, shown_labels(a.session), 2, frame=a.frame)
    pd.testing.assert_frame_equal(pd.read_csv(path), expected.table, check_dtype=False)
    assert written == [str(path)]


def test_a_new_run_cancels_silhouettes_still_waiting_for_the_engine(analysed):
    a = analysed
    a.analysis.refresh()
    job = a.engine.job
    a.session.start(request())
    assert job.cancelled and a.silhouette_view.values == {}
