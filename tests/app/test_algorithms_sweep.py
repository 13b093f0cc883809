"""Every algorithm of issue 5 is reachable from the window and drawn as the engine computed it;
the Choose-k sweep runs in the worker and a click on its plot sets k."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt

from kmeans_gui.app.inertia_view import MAX_GHOSTS
from kmeans_gui.app.palette import cluster_colours

from .conftest import DATA, RUN_TIMEOUT_MS, load
from .test_window import click_run, reference_final_state, set_params


@pytest.mark.parametrize(
    ("algorithm", "metric"),
    [("gradient", "euclidean"), ("minibatch", "euclidean"), ("kmedoids", "manhattan")],
)
def test_each_algorithm_runs_and_is_drawn_as_the_engine_computed(
    qtbot, window, dialogs, algorithm, metric
):
    load(qtbot, window, DATA / "blobs.csv")
    set_params(window, k=4, seed=2, max_iter=15, algorithm=algorithm)
    panel = window.algorithm_panel
    panel.metric_combo.setCurrentIndex(panel.metric_combo.findData(metric))
    if algorithm == "minibatch":
        panel.batch_spin.setValue(128)
    click_run(qtbot, window)
    assert dialogs == []
    frames = window.session.playback.history.frames
    assert {f.algorithm for f in frames} == {algorithm}
    final = reference_final_state(window)
    shown = frames[window.session.playback.index]
    assert shown.iteration == final.iteration
    np.testing.assert_allclose(shown.centroids, final.centroids, rtol=1e-6, atol=1e-9)
    drawn = window.scatter.drawn_point_colours()
    np.testing.assert_array_equal(drawn[:, :3], cluster_colours(4)[final.labels][:, :3])
    assert window.inertia_view.inertias.size == shown.iteration + 1


def test_previous_runs_stay_on_the_inertia_plot_for_comparison(qtbot, window):
    load(qtbot, window, DATA / "blobs.csv")
    set_params(window, k=4, seed=0, max_iter=10)
    click_run(qtbot, window)
    set_params(window, algorithm="gradient")
    click_run(qtbot, window)
    set_params(window, k=3)
    click_run(qtbot, window)
    legend = [label.text for _, label in window.inertia_view.legend.items]
    assert legend[0] == "gradient descent, k-means++, k = 3, seed 0"
    assert legend[1:] == [
        "Lloyd, k-means++, k = 4, seed 0",
        "gradient descent, k-means++, k = 4, seed 0",
    ]
    curves = [window.inertia_view.inertias.copy()]
    for k in (5, 2, 6):  # beyond the ghosts kept: the oldest goes, the order stays
        set_params(window, k=k)
        click_run(qtbot, window)
        curves.append(window.inertia_view.inertias.copy())
    legend = [label.text for _, label in window.inertia_view.legend.items]
    assert legend == [
        "gradient descent, k-means++, k = 6, seed 0",
        "gradient descent, k-means++, k = 3, seed 0",
        "gradient descent, k-means++, k = 5, seed 0",
        "gradient descent, k-means++, k = 2, seed 0",
    ]
    ghosts = window.inertia_view._ghosts
    assert len(ghosts) == MAX_GHOSTS
    for ghost, curve in zip(ghosts, curves[:-1], strict=True):
        np.testing.assert_array_equal(ghost.yData, curve)
        assert ghost.zValue() == -1 and ghost.getViewBox() is not None
    view = window.inertia_view.plotItem.vb
    current = window.inertia_view.inertias
    _low, high = view.viewRange()[1]
    assert high < 1.5 * current.max()  # the earlier runs' curves do not set the y-range


def test_sweep_plots_each_k_and_a_click_sets_k(qtbot, window, dialogs):
    load(qtbot, window, DATA / "blobs.csv")
    set_params(window, k=2, seed=0, max_iter=30)
    view = window.sweep_view
    view.k_from.setValue(2)
    view.k_to.setValue(5)
    qtbot.mouseClick(view.run_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: not window.sweep.running and len(window.sweep.points) == 4, timeout=60_000
    )
    assert dialogs == []
    assert [p.k for p in window.sweep.points] == [2, 3, 4, 5]
    silhouettes = {p.k: p.silhouette for p in window.sweep.points}
    assert max(silhouettes, key=silhouettes.get) == 4  # four blobs
    inertias = [p.inertia for p in window.sweep.points]
    assert inertias == sorted(inertias, reverse=True)

    plot = view.silhouette_plot
    window.sweep_dock.raise_()
    qtbot.waitUntil(lambda: plot.isVisible(), timeout=2000)
    qtbot.wait(50)  # let the plot lay out and range itself
    vb = plot.plotItem.vb
    scene = vb.mapViewToScene(QPointF(4.1, silhouettes[4]))
    qtbot.mouseClick(plot.viewport(), Qt.MouseButton.LeftButton, pos=plot.mapFromScene(scene))
    assert window.algorithm_panel.k_spin.value() == 4

    # silhouettes are read as they are (no "(x0.001)" prefix); k ticks at whole numbers only
    left = plot.getAxis("left")
    assert left.autoSIPrefixScale == 1.0 and "x0.001" not in left.labelString()
    for axis in (plot.getAxis("bottom"), view.inertia_plot.getAxis("bottom")):
        assert_whole_ticks(axis)


def assert_whole_ticks(axis) -> None:
    lo, hi = axis.range
    levels = axis.tickValues(lo, hi, axis.width())
    values = [v for _, level in levels for v in level]
    assert values and all(float(v).is_integer() for v in values), values


def test_iteration_axis_ticks_at_whole_iterations(qtbot, window):
    load(qtbot, window, DATA / "blobs.csv")
    set_params(window, k=4, seed=0, max_iter=2)
    click_run(qtbot, window)
    qtbot.wait(50)
    axis = window.inertia_view.getAxis("bottom")
    assert axis.range[1] - axis.range[0] < 4  # zoomed in enough for pyqtgraph's 0.5 ticks
    assert_whole_ticks(axis)


def test_sweep_can_be_cancelled(qtbot, window):
    load(qtbot, window, DATA / "spreads.csv")
    set_params(window, seed=0, max_iter=100)
    view = window.sweep_view
    view.k_from.setValue(2)
    view.k_to.setValue(60)
    qtbot.mouseClick(view.run_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(window.sweep.points) >= 1, timeout=RUN_TIMEOUT_MS)
    qtbot.mouseClick(view.cancel_button, Qt.MouseButton.LeftButton)
    assert window.sweep._job.cancelled  # the engine polls its flag inside a fit
    qtbot.waitUntil(lambda: not window.sweep.running, timeout=20_000)
    assert len(window.sweep.points) < 59
    assert "cancelled" in view.progress.format()
    assert view.run_button.isEnabled()


def test_sampled_medoids_warning_is_shown(qtbot, window, dialogs):
    load(qtbot, window, DATA / "blobs.csv")
    set_params(window, k=4, seed=0, max_iter=10, algorithm="kmedoids")
    window.algorithm_panel.candidates_spin.setValue(50)  # clusters of ~200 rows: sampled
    click_run(qtbot, window)
    assert dialogs == []
    assert len(window.session.warnings) == 1 and "sampled medoid" in window.session.warnings[0]
    note = window.algorithm_panel.run_note
    assert note.isVisibleTo(window) and note.text() == window.session.warnings[0]
    assert note.text()[0] == "K" and note.text().endswith(".")

    window.algorithm_panel.candidates_spin.setValue(4000)  # exact medoids: nothing to say
    click_run(qtbot, window)
    assert window.session.warnings == [] and not note.isVisibleTo(window)

    window.algorithm_panel.candidates_spin.setValue(50)  # said again, every run it applies to
    click_run(qtbot, window)
    assert len(window.session.warnings) == 1 and note.isVisibleTo(window)
