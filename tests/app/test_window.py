"""Drive the real window: load a sample, click Run, check what is drawn against the engine."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from PySide6.QtCore import QPointF, Qt

from kmeans_gui.app.palette import cluster_colours
from kmeans_gui.app.scatter_view import RASTER_THRESHOLD

from .conftest import DATA, RUN_TIMEOUT_MS, load, write_three_blobs


def reference_final_state(window, **overrides):
    """What the engine itself yields for the window's data and settings (last state)."""
    from kmeans_gui import engine

    params = window.algorithm_panel.parameters()
    kwargs = params.engine_kwargs()
    kwargs.update(overrides)
    features = window.prepared.features
    if features.weights is not None:
        kwargs["sample_weight"] = features.weights
    states = list(engine.iterate(features.X, params.k, **kwargs))
    return states[-1]


def click_run(qtbot, window) -> None:
    with qtbot.waitSignal(window.runFinished, timeout=RUN_TIMEOUT_MS):
        qtbot.mouseClick(window.controls.run_button, Qt.MouseButton.LeftButton)


def set_params(window, **values) -> None:
    panel = window.algorithm_panel
    for key, value in values.items():
        if key == "k":
            panel.k_spin.setValue(value)
        elif key == "seed":
            panel.seed_spin.setValue(value)
        elif key == "max_iter":
            panel.max_iter_spin.setValue(value)
        elif key == "n_init":
            panel.n_init_spin.setValue(value)
        elif key == "init":
            panel.init_combo.setCurrentIndex(panel.init_combo.findData(value))
        elif key == "algorithm":
            panel.algorithm_combo.setCurrentIndex(panel.algorithm_combo.findData(value))
        elif key == "device":
            panel.device_combo.setCurrentIndex(panel.device_combo.findData(value))
        else:
            raise KeyError(key)


def test_run_colours_points_and_places_centroids_as_the_engine_does(qtbot, window, dialogs):
    load(qtbot, window, DATA / "blobs.csv")
    assert not window.scatter.rasterised
    set_params(window, k=4, seed=3, max_iter=50)
    click_run(qtbot, window)
    assert dialogs == []
    final = reference_final_state(window)
    history = window.session.playback.history
    assert history.frames[window.session.playback.index].final
    assert history.frames[-1].iteration == final.iteration

    drawn = window.scatter.drawn_point_colours()
    expected = cluster_colours(4)[final.labels]
    np.testing.assert_array_equal(drawn[:, :3], expected[:, :3])

    data = window.scatter.centroid_item.data
    drawn_centroids = np.column_stack([data["x"], data["y"]])
    np.testing.assert_allclose(drawn_centroids, final.centroids, rtol=1e-9, atol=1e-9)
    assert window.status_fields["iteration"].text().startswith(f"iteration {final.iteration}")
    assert f"{final.inertia:.6g}" in window.status_fields["inertia"].text()
    np.testing.assert_array_equal(window.sizes_view.sizes, final.sizes)
    np.testing.assert_array_equal(window.scatter.legend.sizes, np.bincount(final.labels))


def test_large_data_is_rasterised_with_the_engine_colours(qtbot, window, tmp_path):
    path = tmp_path / "big.csv"
    xy = write_three_blobs(path, 4000, seed=1)
    load(qtbot, window, path)
    assert window.scatter.rasterised and len(xy) > RASTER_THRESHOLD
    set_params(window, k=3, seed=0, max_iter=30)
    click_run(qtbot, window)
    final = reference_final_state(window)
    drawn = window.scatter.drawn_point_colours()
    expected = cluster_colours(3)[final.labels]
    same = (drawn[:, :3] == expected[:, :3]).all(axis=1)
    # a pixel shows one of its points; only pixels shared across a boundary may differ
    assert same.mean() > 0.97
    data = window.scatter.centroid_item.data
    np.testing.assert_allclose(np.column_stack([data["x"], data["y"]]), final.centroids)


def test_pause_step_stop_and_scrub(qtbot, window):
    load(qtbot, window, DATA / "spreads.csv")
    set_params(window, k=6, seed=1, init="random", max_iter=200)
    window.controls.set_speed(2)  # slow enough to catch it mid-animation
    with qtbot.waitSignal(window.session.playback.frameChanged, timeout=RUN_TIMEOUT_MS):
        qtbot.mouseClick(window.controls.run_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(window.controls.pause_button, Qt.MouseButton.LeftButton)
    assert not window.session.playback.playing
    shown = window.session.playback.index
    qtbot.wait(700)
    assert window.session.playback.index == shown  # paused: the animation does not move
    qtbot.waitUntil(
        lambda: len(window.session.playback.history) > shown + 2, timeout=RUN_TIMEOUT_MS
    )
    qtbot.mouseClick(window.controls.step_button, Qt.MouseButton.LeftButton)
    assert window.session.playback.index == shown + 1
    qtbot.keyClick(window, Qt.Key.Key_Right)  # the Right-arrow shortcut steps too
    assert window.session.playback.index == shown + 2

    with qtbot.waitSignal(window.runFinished, timeout=RUN_TIMEOUT_MS):
        qtbot.mouseClick(window.controls.stop_button, Qt.MouseButton.LeftButton)
    assert not window.session.computing
    assert not window.controls.stop_button.isEnabled()
    assert window.session.playback.index == shown + 2  # Stop keeps the picture

    slider = window.controls.history_slider
    slider.setValue(slider.minimum())
    assert window.session.playback.index == 0
    assert window.status_fields["iteration"].text().startswith("iteration 0")

    qtbot.mouseClick(window.controls.reset_button, Qt.MouseButton.LeftButton)
    assert len(window.session.playback.history) == 0
    assert window.scatter.centroids is None


def test_step_from_nothing_starts_a_paused_run(qtbot, window):
    load(qtbot, window, DATA / "blobs.csv")
    set_params(window, k=4, seed=0)
    with qtbot.waitSignal(window.session.playback.frameChanged, timeout=RUN_TIMEOUT_MS):
        qtbot.mouseClick(window.controls.step_button, Qt.MouseButton.LeftButton)
    assert window.session.playback.index == 0 and not window.session.playback.playing
    assert window.session.playback.history.frames[0].iteration == 0
    with qtbot.waitSignal(window.session.playback.frameChanged, timeout=RUN_TIMEOUT_MS):
        qtbot.mouseClick(window.controls.step_button, Qt.MouseButton.LeftButton)
    assert window.session.playback.history.frames[window.session.playback.index].iteration == 1


def test_restarts_show_each_inertia_and_animate_the_best(qtbot, window):
    load(qtbot, window, DATA / "spreads.csv")
    set_params(window, k=6, seed=5, init="random", n_init=4, max_iter=100)
    shown_indices: list[int] = []
    window.session.playback.frameChanged.connect(shown_indices.append)
    click_run(qtbot, window)
    history = window.session.playback.history
    finals = history.final_inertias()
    assert sorted(finals) == [0, 1, 2, 3]
    best = min(finals, key=finals.get)
    assert best != 3  # else there is nothing to replay: pick another seed
    shown = history.frames[window.session.playback.index]
    assert shown.final and shown.restart == best
    # each restart was animated as it arrived, then the best one again from its first frame
    first, last = history.restart_range(best)
    n = last - first + 1
    assert shown_indices[-n:] == list(range(first, last + 1))
    assert shown_indices[-n - 1] == len(history) - 1
    assert window.statusBar().currentMessage() == "Run complete."
    combo = window.controls.restart_combo
    assert combo.isVisibleTo(window) and combo.count() == 4
    assert "★" in combo.itemText(best)
    other = (best + 1) % 4
    with qtbot.waitSignal(window.session.playback.ended, timeout=10_000):
        combo.activated.emit(other)  # pick another restart: it is replayed to its end
    assert history.frames[window.session.playback.index].restart == other


def test_export_writes_every_row_and_the_centroids(qtbot, window, tmp_path):
    load(qtbot, window, DATA / "gps.csv")
    assert window.algorithm_panel.parameters().weight_column == "visits"
    set_params(window, k=6, seed=0, max_iter=50)
    click_run(qtbot, window)
    labels = window.session.playback.history.labels(window.session.playback.index)

    out = tmp_path / "labelled.csv"
    with qtbot.waitSignal(window.exported, timeout=30_000):
        window.exporter.export_labelled(str(out))
    written = pd.read_csv(out)
    source = pd.read_csv(DATA / "gps.csv")
    assert len(written) == len(source) == 1800
    assert list(written.columns[:4]) == list(source.columns)
    assert written["cluster"].isna().sum() == 4  # the rows without a latitude
    assert source.loc[written["cluster"].isna(), "latitude"].isna().all()
    np.testing.assert_array_equal(written["cluster"].dropna().to_numpy(int), labels)

    centroids = tmp_path / "centroids.csv"
    with qtbot.waitSignal(window.exported, timeout=30_000):
        window.exporter.export_centroids(str(centroids))
    table = pd.read_csv(centroids)
    assert len(table) == 6 and table["size"].sum() == 1796
    assert np.allclose(table["latitude"], 38.9, atol=0.05)

    for name in ("plot.png", "plot.svg"):
        window.exporter.export_plot(str(tmp_path / name))
        assert (tmp_path / name).stat().st_size > 1000


def test_kmedoids_centroid_export_writes_the_medoid_rows_as_in_the_file(qtbot, window, tmp_path):
    load(qtbot, window, DATA / "iris.csv")
    set_params(window, k=3, seed=0, max_iter=20, algorithm="kmedoids")
    click_run(qtbot, window)
    centroids = tmp_path / "medoids.csv"
    with qtbot.waitSignal(window.exported, timeout=30_000):
        window.exporter.export_centroids(str(centroids))
    medoids = pd.read_csv(centroids).drop(columns=["cluster", "size"])
    source = pd.read_csv(DATA / "iris.csv")[list(medoids.columns)]
    rows = {tuple(row) for row in source.itertuples(index=False)}
    assert all(tuple(row) in rows for row in medoids.itertuples(index=False))  # exact rows


@pytest.mark.parametrize("algorithm", ["kmedoids", "lloyd"])
def test_labelled_export_matches_the_command_line_for_the_same_run(
    qtbot, window, tmp_path, algorithm
):
    """Same run, same numbers: centroids as written and distances to them, GUI and CLI alike."""
    from kmeans_gui import cli

    load(qtbot, window, DATA / "iris.csv")
    panel = window.data_panel
    with qtbot.waitSignal(window.dataReady, timeout=RUN_TIMEOUT_MS):
        panel.scale_combo.setCurrentIndex(panel.scale_combo.findData("standard"))
    set_params(window, k=3, seed=0, algorithm=algorithm)
    click_run(qtbot, window)
    gui = tmp_path / "gui.csv"
    with qtbot.waitSignal(window.exported, timeout=30_000):
        window.exporter.export_labelled(str(gui))
    command = tmp_path / "cli.csv"
    argv = ["cluster", str(DATA / "iris.csv"), "-k", "3", "--seed", "0", "--algorithm"]
    argv += [algorithm, "--scale", "standard", "-q", "--out", str(command)]
    assert cli.main(argv) == 0
    ours, theirs = pd.read_csv(gui), pd.read_csv(command)
    np.testing.assert_array_equal(ours["cluster"], theirs["cluster"])
    np.testing.assert_array_equal(ours["distance"], theirs["distance"])


def test_bad_file_shows_the_data_layer_sentence_and_keeps_the_window(qtbot, window, dialogs):
    load(qtbot, window, DATA / "blobs.csv")
    bad = tmp = DATA.parent / "does-not-exist.csv"
    with qtbot.waitSignal(window.errorShown, timeout=30_000):
        window.open_file(str(bad))
    assert len(dialogs) == 1
    assert "does-not-exist.csv" in dialogs[0] and "Traceback" not in dialogs[0]
    assert window.table_path.endswith("blobs.csv") and window.prepared is not None
    assert tmp.name not in window.windowTitle()


def test_ragged_file_dialog(qtbot, window, dialogs, tmp_path):
    ragged = tmp_path / "ragged.csv"
    ragged.write_text("a,b\n1,2\n3,4,5\n6,7\n")
    with qtbot.waitSignal(window.errorShown, timeout=30_000):
        window.open_file(str(ragged))
    assert "ragged.csv" in dialogs[0]


def test_k_larger_than_rows_is_refused_with_a_sentence(qtbot, window, dialogs):
    load(qtbot, window, DATA / "iris.csv")
    set_params(window, k=151)
    qtbot.mouseClick(window.controls.run_button, Qt.MouseButton.LeftButton)
    assert len(dialogs) == 1 and "150" in dialogs[0]
    assert not window.session.computing


def test_values_beyond_float32_are_named_as_the_cli_names_them(qtbot, window, dialogs, tmp_path):
    path = tmp_path / "huge.csv"
    path.write_text("a,b\n1e39,1\n1.1e39,1.2\n5e39,8\n5.2e39,8.5\n")
    load(qtbot, window, path)
    set_params(window, k=2)
    qtbot.mouseClick(window.controls.run_button, Qt.MouseButton.LeftButton)
    assert len(dialogs) == 1 and dialogs[0].startswith("Column 'a' holds values too large")
    assert not window.session.computing
    window.start_sweep([2, 3])  # the sweep says it the same way
    assert len(dialogs) == 2 and dialogs[1] == dialogs[0]
    assert not window.sweep.running


def test_click_to_place_uses_the_clicked_points(qtbot, window):
    load(qtbot, window, DATA / "blobs.csv")
    set_params(window, k=2, max_iter=20)
    set_params(window, init="place")
    assert window.scatter.place_mode
    targets = [(-5.0, -4.0), (5.0, 5.0)]
    vb = window.scatter.plotItem.vb
    for x, y in targets:
        scene = vb.mapViewToScene(QPointF(x, y))
        pos = window.scatter.mapFromScene(scene)
        qtbot.mouseClick(window.scatter.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    qtbot.wait(200)
    assert window.session.request is None  # the k-th click does not start the run itself
    assert "Run uses them" in window.algorithm_panel.place_hint.text()
    assert len(window.scatter.centroid_item.data) == 2  # drawn as the centroids they will be
    click_run(qtbot, window)
    first = window.session.playback.history.frames[0]
    assert first.iteration == 0
    np.testing.assert_allclose(first.centroids, targets, atol=0.2)  # a click is a pixel wide
    assert window.session.edit is None  # the clicked points became the run's first centroids

    scene = vb.mapViewToScene(QPointF(0.0, 0.0))
    qtbot.mouseClick(
        window.scatter.viewport(), Qt.MouseButton.LeftButton, pos=window.scatter.mapFromScene(scene)
    )
    assert window.session.edit.k == 3  # after the run: a click adds a centroid to it
    assert window.algorithm_panel.k() == 3
    qtbot.mouseClick(window.controls.reset_button, Qt.MouseButton.LeftButton)
    assert window.session.edit is None
    for x, y in targets[:1]:
        scene = vb.mapViewToScene(QPointF(x, y))
        pos = window.scatter.mapFromScene(scene)
        qtbot.mouseClick(window.scatter.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    assert window.session.edit.k == 1 and window.algorithm_panel.k() == 1
    load(qtbot, window, DATA / "spreads.csv")  # new data: old clicks mean nothing there
    assert window.session.edit is None and len(window.scatter.centroid_item.data) == 0


def test_click_to_place_is_disabled_for_principal_components(qtbot, window):
    load(qtbot, window, DATA / "iris.csv")
    panel = window.data_panel
    with qtbot.waitSignal(window.dataReady, timeout=RUN_TIMEOUT_MS):
        panel.plot_combo.setCurrentIndex(panel.plot_combo.findData("pca"))
    combo = window.algorithm_panel.init_combo
    item = combo.model().item(combo.findData("place"))
    assert not item.isEnabled() and "principal components" in item.toolTip()
    assert "principal component 1" in window.scatter.plotItem.getAxis("bottom").labelText
    set_params(window, k=3, seed=0)
    click_run(qtbot, window)
    # centroid markers are the engine's centroids pushed through the same projection
    final = window.session.playback.history.frames[window.session.playback.index]
    data = window.scatter.centroid_item.data
    drawn = np.column_stack([data["x"], data["y"]])
    labels = window.session.playback.history.labels(window.session.playback.index)
    means = np.array([window.plot.xy[labels == c].mean(axis=0) for c in range(3)])
    assert final.converged
    np.testing.assert_allclose(drawn, means, atol=1e-6)


def test_voronoi_regions_follow_the_centroids(qtbot, window):
    load(qtbot, window, DATA / "blobs.csv")
    set_params(window, k=4, seed=0)
    click_run(qtbot, window)
    window.voronoi_action.setChecked(True)
    image = window.scatter.voronoi_item.image
    assert image is not None and image.shape[2] == 4
    colours = {tuple(c) for c in image.reshape(-1, 4)[:, :3]}
    assert colours == {tuple(c[:3]) for c in cluster_colours(4)}


def test_settings_persist_between_launches(qtbot, make_window):
    first = make_window()
    load(qtbot, first, DATA / "iris.csv")
    set_params(first, k=5, seed=42)
    first.controls.set_speed(30)
    panel = first.data_panel
    panel.missing_combo.setCurrentIndex(panel.missing_combo.findData("mean"))
    panel.scale_combo.setCurrentIndex(panel.scale_combo.findData("standard"))
    panel.plot_combo.setCurrentIndex(panel.plot_combo.findData("pca"))
    qtbot.waitUntil(lambda: not first.background.busy, timeout=RUN_TIMEOUT_MS)
    first.close()
    second = make_window(restore=True)
    assert second.data_panel.feature_choice().missing == "mean"
    assert second.data_panel.feature_choice().scale == "standard"
    assert second.data_panel.plot_choice().mode == "pca"
    assert second.algorithm_panel.k_spin.value() == 5
    assert second.algorithm_panel.seed_spin.value() == 42
    assert second.controls.speed() == 30
    assert second.preferences.recent[0].endswith("iris.csv")
    assert second.recent_menu.actions()[0].text().endswith("iris.csv")


def test_open_by_dialog_and_by_drop_then_space_runs(qtbot, window, monkeypatch):
    from PySide6.QtCore import QMimeData, QUrl
    from PySide6.QtGui import QDropEvent
    from PySide6.QtWidgets import QFileDialog

    chosen = str(DATA / "iris.csv")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (chosen, ""))
    with qtbot.waitSignal(window.dataReady, timeout=30_000):
        window.open_action.trigger()
    assert window.table_path == chosen and window.algorithm_panel.k_spin.value() == 3

    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(DATA / "blobs.csv"))])
    drop = QDropEvent(
        QPointF(50, 50),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    with qtbot.waitSignal(window.dataReady, timeout=30_000):
        window.dropEvent(drop)
    assert window.table_path.endswith("blobs.csv") and len(window.plot.xy) == 800
    recent = [a.text() for a in window.recent_menu.actions()]
    assert recent[0].endswith("blobs.csv") and recent[1].endswith("iris.csv")

    with qtbot.waitSignal(window.runFinished, timeout=RUN_TIMEOUT_MS):
        qtbot.keyClick(window, Qt.Key.Key_Space)  # Space starts a run when none is going
    assert window.session.playback.history.frames[window.session.playback.index].final


def test_status_says_complete_only_when_the_playback_has_caught_up(qtbot, window):
    load(qtbot, window, DATA / "spreads.csv")
    set_params(window, k=6, seed=1, init="random", max_iter=200)
    window.controls.set_speed(10)
    qtbot.mouseClick(window.controls.run_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.session.computing, timeout=RUN_TIMEOUT_MS)
    assert (
        window.session.playback.playing and not window.session.playback.at_end()
    )  # the engine is ahead
    assert window.statusBar().currentMessage() == "Computed; playing back…"
    window.controls.set_speed(0)
    with qtbot.waitSignal(window.runFinished, timeout=RUN_TIMEOUT_MS):
        pass
    assert window.session.playback.at_end()
    assert window.statusBar().currentMessage() == "Run complete."


def test_pause_button_names_its_action_after_scrubbing(qtbot, window):
    load(qtbot, window, DATA / "spreads.csv")
    set_params(window, k=6, seed=1, init="random", max_iter=200)
    click_run(qtbot, window)
    button = window.controls.pause_button
    assert button.text() == "Replay"  # at the last frame: a click starts over
    slider = window.controls.history_slider
    middle = (slider.minimum() + slider.maximum()) // 2
    slider.setValue(middle)
    assert window.session.playback.index == middle
    assert button.text() == "Resume"  # scrubbed back: a click goes on from here
    window.controls.set_speed(5)
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert window.session.playback.playing and button.text() == "Pause"
    qtbot.waitUntil(lambda: window.session.playback.index > middle, timeout=5_000)
    assert window.session.playback.index == middle + 1  # resumed from the scrubbed frame
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert not window.session.playback.playing and button.text() == "Resume"
    slider.setValue(slider.maximum())
    assert button.text() == "Replay"


def test_text_only_table_clears_the_views_and_says_what_the_cli_says(
    qtbot, window, dialogs, tmp_path
):
    from kmeans_gui.data import DataError, load_table, prepare_features

    load(qtbot, window, DATA / "blobs.csv")
    set_params(window, k=4, seed=0, max_iter=20)
    click_run(qtbot, window)
    text_only = tmp_path / "names.csv"
    text_only.write_text("name,city\nann,paris\nbob,rome\ncy,oslo\n")
    with qtbot.waitSignal(window.errorShown, timeout=30_000):
        window.open_file(str(text_only))
    with pytest.raises(DataError) as refused:  # what `kmeans-gui cluster names.csv` prints
        prepare_features(load_table(text_only).frame)
    assert dialogs == [str(refused.value)]
    assert "no numeric column" in dialogs[0]
    assert dialogs[0] in window.data_panel.left_out_label.text()

    # nothing of blobs.csv stays on screen
    assert window.scatter.xy is None and window.scatter.centroids is None
    assert len(window.scatter.scatter_item.data) == 0
    assert window.inertia_view.iterations.size == 0 and not window.inertia_view._ghosts
    assert window.sizes_view.bars is None
    assert window.scatter.plotItem.vb.viewRange()[0][1] < 2  # axes no longer span blobs.csv
    assert window.controls.history_label.text() == "no run yet"
    assert not window.controls.run_button.isEnabled()
    assert not window.controls.step_button.isEnabled()
    qtbot.keyClick(window, Qt.Key.Key_Space)
    assert not window.session.computing and len(dialogs) == 1

    load(qtbot, window, DATA / "blobs.csv")
    assert window.controls.run_button.isEnabled()


@pytest.mark.parametrize(("n_points", "images"), [(800, 0), (6_000, 0), (30_000, 1)])
def test_svg_export_draws_points_as_shapes_or_one_image(qtbot, window, tmp_path, n_points, images):
    rng = np.random.default_rng(3)
    path = tmp_path / "points.csv"
    pd.DataFrame(rng.normal(size=(n_points, 2)), columns=["a", "b"]).to_csv(path, index=False)
    load(qtbot, window, path)
    set_params(window, k=3, seed=0, max_iter=5)
    click_run(qtbot, window)
    out = tmp_path / "plot.svg"
    items = list(window.scatter.plotItem.items)
    window.exporter.export_plot(str(out))
    svg = out.read_text()
    assert svg.count("<image") == images  # never one bitmap per point
    shapes = svg.count("<path")
    assert shapes >= (n_points if images == 0 else 3)  # centroids are shapes either way
    assert window.scatter.raster_item.isVisible() and window.scatter.plotItem.items == items
    assert window.scatter.scatter_item._exportOpts is False  # back to screen drawing


def test_plot_export_failure_is_one_sentence(qtbot, window, dialogs, tmp_path):
    load(qtbot, window, DATA / "blobs.csv")
    for name in ("plot.svg", "plot.png"):
        target = tmp_path / "missing" / name
        window.exporter.export_plot(str(target))
        message = dialogs[-1]
        assert message.startswith("Could not write the plot to") and message.endswith(".")
        assert message.lower().count("could not") == 1 and "does not exist" in message
    assert len(dialogs) == 2


def test_space_runs_even_when_a_number_field_has_focus(qtbot, window):
    load(qtbot, window, DATA / "blobs.csv")
    set_params(window, k=4, seed=0, max_iter=20)
    spin = window.algorithm_panel.k_spin
    window.activateWindow()
    spin.setFocus()
    qtbot.waitUntil(spin.hasFocus, timeout=2_000)
    with qtbot.waitSignal(window.runFinished, timeout=RUN_TIMEOUT_MS):
        qtbot.keyClick(spin, Qt.Key.Key_Space)
    assert window.session.playback.history.frames[window.session.playback.index].final
    assert spin.value() == 4 and spin.hasFocus()
    qtbot.keyClick(spin, Qt.Key.Key_Up)  # the field still edits
    assert spin.value() == 5

    window.algorithm_dock.setFloating(True)  # a window of its own: the shortcut still works
    window.algorithm_dock.activateWindow()
    spin.setFocus()
    qtbot.waitUntil(spin.hasFocus, timeout=2_000)
    with qtbot.waitSignal(window.runFinished, timeout=RUN_TIMEOUT_MS):
        qtbot.keyClick(spin, Qt.Key.Key_Space)


def test_equal_aspect_for_the_gps_sample_and_on_request(qtbot, window):
    vb = window.scatter.plotItem.vb

    def units_per_pixel() -> tuple[float, float]:
        (x0, x1), (y0, y1) = vb.viewRange()
        return (x1 - x0) / vb.width(), (y1 - y0) / vb.height()

    load(qtbot, window, DATA / "gps.csv")  # longitude and latitude: both in degrees
    assert window.aspect_action.isChecked() and window.scatter.equal_aspect
    qtbot.wait(50)
    x, y = units_per_pixel()
    assert x == pytest.approx(y, rel=1e-3)
    load(qtbot, window, DATA / "blobs.csv")
    assert not window.aspect_action.isChecked() and not window.scatter.equal_aspect
    window.aspect_action.trigger()  # View > Equal aspect
    assert window.scatter.equal_aspect
    load(qtbot, window, DATA / "iris.csv")
    assert window.scatter.equal_aspect  # the user's choice stays
