"""The data-on-screen model: only the newest load, preparation and projection is ever reported."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kmeans_gui.app.background import BackgroundJobs
from kmeans_gui.app.data_panel import PLOT_FEATURES, PLOT_PCA, PlotChoice
from kmeans_gui.app.data_session import DataSession, LoadRequest


class HeldProjections:
    """An engine whose principal components are answered when the test says so."""

    def __init__(self) -> None:
        self.pending: list[tuple[np.ndarray, dict]] = []

    def projection(self, matrix: np.ndarray, **callbacks) -> None:
        self.pending.append((matrix, callbacks))

    def answer(self, index: int) -> None:
        matrix, callbacks = self.pending[index]
        d = matrix.shape[1]
        callbacks["on_result"](
            {
                "scores": matrix[:, :2].astype(np.float64),
                "affine": np.eye(d)[:2],
                "explained": np.array([0.6, 0.3]),
            }
        )


@pytest.fixture
def tables(tmp_path):
    rng = np.random.default_rng(0)
    paths = []
    for name, n in (("first.csv", 50), ("second.csv", 80)):
        path = tmp_path / name
        pd.DataFrame(rng.random((n, 3)), columns=["a", "b", "c"]).to_csv(path, index=False)
        paths.append(str(path))
    return paths


@pytest.fixture
def data(qtbot):
    background = BackgroundJobs()
    engine = HeldProjections()
    model = DataSession(background, engine)
    model.engine_for_test = engine
    yield model
    background.shutdown()


def test_a_load_overtaken_by_another_is_never_reported(qtbot, data, tables):
    loaded: list[str] = []
    data.tableLoaded.connect(lambda request: loaded.append(request.path))
    data.load(LoadRequest(tables[0]))
    data.load(LoadRequest(tables[1]))
    qtbot.waitUntil(lambda: data.table is not None, timeout=10_000)
    qtbot.wait(200)  # the first table's answer, if it were ever delivered, has had its chance
    assert loaded == [tables[1]]
    assert data.path == tables[1] and len(data.table.frame) == 80
    assert data.numeric == ["a", "b", "c"]


def test_only_the_newest_preparation_and_projection_count(qtbot, data, tables):
    data.load(LoadRequest(tables[1]))
    qtbot.waitUntil(lambda: data.table is not None, timeout=10_000)
    data.prepare(["a"], "drop", "none", None)
    with qtbot.waitSignal(data.featuresPrepared, timeout=10_000):
        data.prepare(["a", "b", "c"], "drop", "none", None)
    qtbot.wait(200)
    assert data.prepared.features.X.shape == (80, 3)

    placed: list[str] = []
    data.pointsPlaced.connect(lambda: placed.append(data.plot.x_label))
    data.place(PlotChoice(PLOT_PCA, 0, 1))
    data.place(PlotChoice(PLOT_PCA, 0, 1))
    data.engine_for_test.answer(0)  # late: a newer projection was asked for
    assert placed == [] and data.plot is None
    data.engine_for_test.answer(1)
    assert len(placed) == 1 and data.plot.xy.shape == (80, 2)
    data.place(PlotChoice(PLOT_FEATURES, 1, 2))  # feature axes: on the background pool
    data.place(PlotChoice(PLOT_FEATURES, 0, 2))
    with qtbot.waitSignal(data.pointsPlaced, timeout=10_000):
        data.place(PlotChoice(PLOT_FEATURES, 2, 1))
    qtbot.wait(200)  # the overtaken placements' answers, if they were delivered, have arrived
    assert placed[1:] == ["c"] and data.plot.y_label == "b"


def test_a_failed_preparation_forgets_the_features_and_says_why(qtbot, data, tables):
    data.load(LoadRequest(tables[0]))
    qtbot.waitUntil(lambda: data.table is not None, timeout=10_000)
    with qtbot.waitSignal(data.featuresPrepared, timeout=10_000):
        data.prepare(["a", "b"], "drop", "none", None)
    with qtbot.waitSignal(data.prepareFailed, timeout=10_000) as failure:
        data.prepare(["no such column"], "drop", "none", None)
    assert "no such column" in failure.args[0]
    assert data.prepared is None and data.plot is None


def test_a_finished_job_lets_go_of_its_arguments(qtbot):
    """A job's arguments (a table, a feature matrix) are freed once it is done, not kept by
    the job's connections for as long as the window lives."""
    import gc
    import weakref

    class Table:
        pass

    background = BackgroundJobs()
    table = Table()
    alive = weakref.ref(table)
    answers: list[str] = []
    background.run(lambda t: type(t).__name__, table, on_result=answers.append)
    del table
    qtbot.waitUntil(lambda: not background.busy, timeout=10_000)
    background.shutdown()
    gc.collect()
    assert answers == ["Table"]
    assert alive() is None
