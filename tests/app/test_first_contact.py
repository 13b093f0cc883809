"""What a new user tripped over in the first hour (issue "First contact"), driven in the window."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog

from kmeans_gui.app.scatter_view import PointStyle, tie_jitter

from .conftest import DATA, RUN_TIMEOUT_MS, load
from .test_window import click_run, set_params


def test_a_long_status_message_is_cut_short_of_the_permanent_fields(qtbot, window) -> None:
    load(qtbot, window, DATA / "blobs.csv")
    set_params(window, k=3, seed=0, max_iter=5)
    click_run(qtbot, window)
    text = "The file contains a column that " + "really goes on and on " * 20 + "and ends."
    bar = window.statusBar()
    bar.showMessage(text)
    qtbot.wait(50)
    assert bar.currentMessage() == text and bar.line.toolTip() == text
    assert bar.line.text().endswith("…") and len(bar.line.text()) < len(text)
    first_field = window.status_fields["iteration"]
    assert bar.line.geometry().right() < first_field.geometry().left()


def test_the_speed_slider_takes_the_arrow_keys(qtbot, window) -> None:
    load(qtbot, window, DATA / "blobs.csv")
    slider = window.controls.speed_slider
    slider.setFocus()
    before = slider.value()
    qtbot.keyClick(slider, Qt.Key.Key_Left)
    assert slider.value() == before - 1
    assert window.session.request is None  # Right/Left did not start or step a run
    qtbot.keyClick(slider, Qt.Key.Key_Right)
    assert slider.value() == before and window.session.request is None


def test_a_tolerance_that_is_no_number_is_refused_beside_the_field(qtbot, window, dialogs):
    load(qtbot, window, DATA / "blobs.csv")
    panel = window.algorithm_panel
    for typed, said in (
        ("-1", "Tolerance must be a number of at least 0, such as 1e-4, not '-1'."),
        ("abc", "Tolerance must be a number of at least 0, such as 1e-4, not 'abc'."),
        ("", "Tolerance is empty: give a number of at least 0, such as 1e-4."),
    ):
        panel.tol_edit.clear()
        qtbot.keyClicks(panel.tol_edit, typed)
        assert panel.tol_note.isVisibleTo(window) and panel.tol_note.text() == said
        assert panel.tol_edit.text() == typed  # never silently changed
    qtbot.mouseClick(window.controls.run_button, Qt.MouseButton.LeftButton)
    assert dialogs[-1] == "Tolerance is empty: give a number of at least 0, such as 1e-4."
    assert window.session.request is None
    qtbot.keyClicks(panel.tol_edit, "1e-3")
    assert not panel.tol_note.isVisibleTo(window) and panel.parameters().tol == 1e-3


def test_buttons_are_enabled_only_where_they_mean_something(qtbot, window) -> None:
    c = window.controls
    assert not c.pause_button.isEnabled() and not c.stop_button.isEnabled()
    load(qtbot, window, DATA / "spreads.csv")
    assert c.run_button.isEnabled() and c.step_button.isEnabled()  # Step starts a paused run
    assert not c.pause_button.isEnabled() and not c.stop_button.isEnabled()
    set_params(window, k=6, seed=1, init="random", max_iter=200)
    window.controls.set_speed(2)
    with qtbot.waitSignal(window.session.frameChanged, timeout=RUN_TIMEOUT_MS):
        qtbot.mouseClick(c.run_button, Qt.MouseButton.LeftButton)
    assert c.pause_button.isEnabled() and c.pause_button.text() == "Pause"
    assert c.stop_button.isEnabled()
    qtbot.mouseClick(c.pause_button, Qt.MouseButton.LeftButton)
    assert c.pause_button.text() == "Resume"
    qtbot.waitUntil(lambda: not window.session.computing, timeout=RUN_TIMEOUT_MS)
    assert window.statusBar().currentMessage() == "Computed."  # not "playing back" while paused
    assert c.stop_button.isEnabled()  # the animation has frames left to show
    window.controls.set_speed(0)
    with qtbot.waitSignal(window.runFinished, timeout=RUN_TIMEOUT_MS):
        qtbot.mouseClick(c.pause_button, Qt.MouseButton.LeftButton)
    assert c.pause_button.text() == "Replay" and not c.stop_button.isEnabled()
    qtbot.mouseClick(c.reset_button, Qt.MouseButton.LeftButton)
    assert not c.pause_button.isEnabled() and not c.stop_button.isEnabled()


def test_a_picture_of_other_settings_is_marked_stale(qtbot, window) -> None:
    load(qtbot, window, DATA / "blobs.csv")
    set_params(window, k=4, seed=0, max_iter=20)
    click_run(qtbot, window)
    assert not window.stale_banner.isVisibleTo(window)
    window.algorithm_panel.set_k(5)
    assert window.stale_banner.isVisibleTo(window)
    assert window.stale_banner.text() == "k changed (4 → 5): Run to update"
    assert window.scatter.centroid_item.opacity() < 1.0  # dimmed
    drawn = [item for item in window.scatter._cluster_items if len(item.data)]
    assert len(drawn) == 4 and all(item.opacity() < 1.0 for item in drawn)  # the points too
    set_params(window, k=4)
    assert not window.stale_banner.isVisibleTo(window)
    set_params(window, seed=3)
    assert window.stale_banner.text() == "Settings changed: Run to update"
    click_run(qtbot, window)
    assert not window.stale_banner.isVisibleTo(window)
    assert window.scatter.centroid_item.opacity() == 1.0
    assert all(item.opacity() == 1.0 for item in window.scatter._cluster_items)


def test_point_size_opacity_and_jitter_apply_at_any_size(qtbot, window, tmp_path) -> None:
    rng = np.random.default_rng(0)
    n = 20_000
    scores = pd.DataFrame({"a": rng.integers(0, 10, n), "b": rng.normal(size=n)})
    path = tmp_path / "ties.csv"
    scores.to_csv(path, index=False)
    load(qtbot, window, path)
    set_params(window, k=3, seed=0, max_iter=10)
    click_run(qtbot, window)
    scatter = window.scatter
    assert scatter.rasterised
    opaque = scatter.raster_item.image[..., 3].max()
    controls = window.point_controls
    controls.opacity_slider.setValue(50)
    qtbot.waitUntil(lambda: scatter.raster_item.image[..., 3].max() < opaque, timeout=5_000)
    assert abs(int(scatter.raster_item.image[..., 3].max()) - opaque // 2) <= 2
    controls.jitter_box.setChecked(True)
    drawn = scatter.drawn_xy()
    moved = drawn - scatter.xy
    assert np.abs(moved[:, 0]).max() <= 0.35 and np.abs(moved[:, 0]).max() > 0.3  # ties spread
    assert not moved[:, 1].any()  # a column of distinct values stays put
    controls.size_spin.setValue(1)
    assert scatter.style == PointStyle(size=1.0, opacity=0.5, jitter=True)
    np.testing.assert_allclose(tie_jitter(scatter.xy), moved, atol=1e-12)  # seeded: same picture


def test_file_dialogs_start_in_the_folder_last_used_for_that_kind(
    qtbot, window, tmp_path, monkeypatch
) -> None:
    asked: list[tuple[str, str]] = []
    tables, exports = tmp_path / "tables", tmp_path / "exports"
    tables.mkdir()
    exports.mkdir()

    def save_dialog(parent, title, start, *args, **kwargs):
        asked.append(("save", start))
        return str(exports / Path(start).name), ""

    def open_dialog(parent, title, start, *args, **kwargs):
        asked.append(("open", start))
        return "", ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", save_dialog)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", open_dialog)
    load(qtbot, window, DATA / "blobs.csv")  # a bundled sample: its folder is not the user's
    set_params(window, k=3, seed=0, max_iter=5)
    click_run(qtbot, window)
    with qtbot.waitSignal(window.exported, timeout=30_000):
        window.exporter.export_labelled_dialog()
    assert Path(asked[-1][1]).parent == Path.home()  # never inside the installed package
    own = tables / "mine.csv"
    pd.read_csv(DATA / "blobs.csv").to_csv(own, index=False)
    load(qtbot, window, own)
    click_run(qtbot, window)
    with qtbot.waitSignal(window.exported, timeout=30_000):
        window.exporter.export_centroids_dialog()
    assert Path(asked[-1][1]).parent == exports  # where the last export went
    window.open_dialog()
    assert asked[-1] == ("open", str(tables))  # tables open where tables came from
