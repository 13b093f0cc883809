"""The refinement in the window: the panel asks for it, each kept swap is a frame of the
animation (centroids jump, points recolour, a star on the inertia curve, a status word)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from PySide6.QtCore import Qt

from kmeans_gui.app.palette import cluster_colours
from kmeans_gui.app.run_parameters import refine_choices

from .conftest import RUN_TIMEOUT_MS, load
from .test_window import click_run, set_params


def _grid_csv(tmp_path):
    """Thirty blobs on a grid: random initial rows leave several pairs sharing a centroid."""
    rng = np.random.default_rng(7)
    centres = np.array([(i * 10.0, j * 10.0) for i in range(6) for j in range(5)])
    xy = np.concatenate([c + rng.normal(scale=1.2, size=(50, 2)) for c in centres])
    path = tmp_path / "grid.csv"
    pd.DataFrame(xy, columns=["x", "y"]).to_csv(path, index=False)
    return path


def _ask_for_swaps(window, trials: int) -> None:
    panel = window.algorithm_panel
    panel.refine_combo.setCurrentIndex(panel.refine_combo.findData("swap"))
    panel.refine_budget_spin.setValue(trials)
    panel.refine_unit_combo.setCurrentIndex(panel.refine_unit_combo.findData("trials"))


def test_refine_rows_belong_to_lloyd_and_reach_the_engine(window):
    panel = window.algorithm_panel
    form = panel._form
    assert form.isRowVisible(panel.refine_combo) and not form.isRowVisible(panel.refine_budget_row)
    _ask_for_swaps(window, 0)
    assert form.isRowVisible(panel.refine_budget_row)
    kwargs = panel.parameters().engine_kwargs()
    assert kwargs["refine"] == "swap" and "refine_budget" not in kwargs  # 0 shows "auto"
    panel.refine_budget_spin.setValue(80)
    assert panel.parameters().engine_kwargs()["refine_budget"] == 80
    panel.refine_unit_combo.setCurrentIndex(panel.refine_unit_combo.findData("seconds"))
    assert panel.parameters().engine_kwargs()["refine_budget"] == "80s"
    assert panel.choices().refine_budget_unit == "seconds"
    assert "swap refined" in panel.parameters().label()
    set_params(window, algorithm="minibatch")
    assert not form.isRowVisible(panel.refine_combo)
    assert "refine" not in panel.parameters().engine_kwargs()


def test_each_kept_swap_is_a_frame_of_the_animation(qtbot, window, dialogs, tmp_path):
    from kmeans_gui import engine

    load(qtbot, window, _grid_csv(tmp_path))
    set_params(window, k=30, seed=0, init="random", max_iter=100)
    _ask_for_swaps(window, 60)
    click_run(qtbot, window)
    assert dialogs == []
    params = window.algorithm_panel.parameters()
    states = list(engine.iterate(window.prepared.features.X, 30, **params.engine_kwargs()))
    frames = window.session.playback.history.frames
    assert [(f.iteration, f.phase) for f in frames] == [(s.iteration, s.phase) for s in states]
    swaps = [i for i, f in enumerate(frames) if f.phase == "swap"]
    assert len(swaps) >= 2 and frames[-1].n_swaps == len(swaps)

    stars = window.painter.swap_marks.points()
    assert stars == [(frames[i].iteration, frames[i].inertia) for i in swaps]
    assert "kept swap" in [label.text for _, label in window.inertia_view.legend.items]
    assert "swap trials kept" in window.status_fields["iteration"].text()

    first = swaps[0]
    window.session.seek(first)  # the first kept swap: a centroid has jumped, points recoloured
    text = window.status_fields["iteration"].text()
    assert text.startswith(f"iteration {frames[first].iteration} · swap 1 kept (trial ")
    drawn = window.scatter.drawn_point_colours()
    expected = cluster_colours(30)[states[first].labels]
    np.testing.assert_array_equal(drawn[:, :3], expected[:, :3])
    assert frames[first].inertia < frames[first - 1].inertia
    moved = np.abs(frames[first].centroids - frames[first - 1].centroids).max(axis=1)
    assert moved.max() > 5  # one centroid jumped across the grid, not a Lloyd step

    set_params(window, seed=1)
    window.algorithm_panel.refine_combo.setCurrentIndex(0)  # no refinement: no stars
    with qtbot.waitSignal(window.runFinished, timeout=RUN_TIMEOUT_MS):
        window.start_run()
    assert window.painter.swap_marks.points() == []
    assert all(f.phase == "lloyd" for f in window.session.playback.history.frames)


def test_side_by_side_a_refined_run_stars_its_own_curve(qtbot, window, tmp_path):
    load(qtbot, window, _grid_csv(tmp_path))
    set_params(window, k=30, seed=0, init="random", max_iter=100)
    compare = window.compare
    compare.action.setChecked(True)
    panel = compare.panel  # run B: the same run, refined
    panel.apply(window.algorithm_panel.choices())
    panel.refine_combo.setCurrentIndex(panel.refine_combo.findData("swap"))
    panel.refine_budget_spin.setValue(60)
    panel.refine_unit_combo.setCurrentIndex(panel.refine_unit_combo.findData("trials"))
    pane = compare.pane
    with qtbot.waitSignal(pane.finished, timeout=RUN_TIMEOUT_MS):
        qtbot.mouseClick(pane.controls.run_button, Qt.MouseButton.LeftButton)
    a, b = pane.pair.sessions
    assert all(f.phase == "lloyd" for f in a.history.frames)
    swaps = [f for f in b.history.frames if f.phase == "swap"]
    marks_a, marks_b = (painter.swap_marks for painter in pane.frame_painters)
    assert marks_a.points() == [] and len(marks_b.points()) == len(swaps) >= 2
    labels = [label.text for _, label in pane.curves.legend.items]
    assert "B: kept swap" in labels and "A: kept swap" not in labels
    assert b.history.frames[-1].inertia < a.history.frames[-1].inertia


@pytest.mark.parametrize(
    ("params", "shown"),
    [
        ({}, ("none", 0, "trials")),
        ({"refine": "swap"}, ("swap", 0, "trials")),
        ({"refine": "swap", "refine_budget": 300}, ("swap", 300, "trials")),
        ({"refine": "swap", "refine_budget": "2.5s"}, ("swap", 2, "seconds")),
        ({"refine": "swap", "refine_budget": "10s"}, ("swap", 10, "seconds")),
    ],
    ids=["no refinement", "auto", "trials", "fractional seconds", "seconds"],
)
def test_an_opened_runs_refinement_replaces_the_panels(window, params, shown):
    """A session's run without a budget means the default, not what the panel showed."""
    panel = window.algorithm_panel
    _ask_for_swaps(window, 80)
    panel.apply(refine_choices(params))
    c = panel.choices()
    assert (c.refine, c.refine_budget, c.refine_budget_unit) == shown
