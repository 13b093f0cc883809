"""Teaching in the real window: centroids moved, added and removed with the mouse, half-steps,
membership lines."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from kmeans_gui.app.membership_lines import MAX_LINES
from kmeans_gui.app.palette import UNASSIGNED
from kmeans_gui.app.picture import UPDATE

from .conftest import DATA, RUN_TIMEOUT_MS, load
from .test_window import click_run, set_params


def viewport_pos(window, x: float, y: float) -> QPoint:
    """Where plot point (x, y) is on the scatter's viewport."""
    scatter = window.scatter
    return scatter.mapFromScene(scatter.plotItem.vb.mapViewToScene(QPointF(x, y)))


def drawn_centroids(window) -> np.ndarray:
    data = window.scatter.centroid_item.data
    return np.column_stack([data["x"], data["y"]])


def double_click(qtbot, window, x: float, y: float) -> None:
    """A double-click as Qt delivers one: press, release, double-click, release.

    (QTest.mouseDClick sends a second press before the double-click, which pyqtgraph's scene
    takes for a single click.)"""
    viewport = window.scatter.viewport()
    qtbot.wait(30)  # let the layout settle: the point is where the plot is now
    pos = viewport_pos(window, x, y)
    QTest.mouseMove(viewport, pos)
    qtbot.wait(30)
    qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=pos)
    local, scene = QPointF(pos), QPointF(viewport.mapToGlobal(pos))
    left, none = Qt.MouseButton.LeftButton, Qt.MouseButton.NoButton
    for kind, buttons in (
        (QEvent.Type.MouseButtonDblClick, left),
        (QEvent.Type.MouseButtonRelease, none),
    ):
        event = QMouseEvent(kind, local, scene, left, buttons, Qt.KeyboardModifier.NoModifier)
        QApplication.sendEvent(viewport, event)
    qtbot.wait(30)


def drag(qtbot, window, start: tuple[float, float], end: tuple[float, float]) -> None:
    """Press on ``start``, move in steps, release on ``end`` (plot units), as a hand would."""
    viewport = window.scatter.viewport()
    qtbot.wait(30)  # let the layout settle: the points are where the plot is now
    a, b = viewport_pos(window, *start), viewport_pos(window, *end)
    QTest.mouseMove(viewport, a)
    qtbot.wait(30)
    QTest.mousePress(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, a)
    for t in np.linspace(0.1, 1.0, 8):
        qtbot.wait(30)  # pyqtgraph drops moves closer together than its rate limit
        QTest.mouseMove(viewport, a + (b - a) * float(t))
    qtbot.wait(30)
    QTest.mouseRelease(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, b)
    qtbot.wait(30)


def paused_run(qtbot, window, k: int = 3) -> None:
    load(qtbot, window, DATA / "blobs.csv")
    set_params(window, k=k, seed=0, max_iter=50)
    click_run(qtbot, window)
    window.session.seek(1)  # a frame the user wants to change


def test_drag_a_centroid_then_resume_goes_on_from_where_it_was_dropped(qtbot, window):
    paused_run(qtbot, window)
    before = drawn_centroids(window)
    target = (float(before[0, 0]) + 3.0, float(before[0, 1]) - 2.0)
    drag(qtbot, window, tuple(before[0]), target)
    edit = window.session.edit
    assert edit is not None and window.controls.pause_button.text() == "Resume"
    np.testing.assert_allclose(drawn_centroids(window)[0], target, atol=0.15)
    np.testing.assert_allclose(drawn_centroids(window)[1:], before[1:])  # the others stay
    assert "edited" in window.status_fields["iteration"].text()

    with qtbot.waitSignal(window.runFinished, timeout=RUN_TIMEOUT_MS):
        qtbot.mouseClick(window.controls.pause_button, Qt.MouseButton.LeftButton)
    frames = window.session.history.frames
    edited = next(i for i, f in enumerate(frames) if f.edit is not None)
    assert edited == 2 and frames[edited].iteration == 2  # kept iterations 0 and 1
    # The next state starts from the dragged centroid (Lloyd's first state carries the
    # centroids it starts from), the others where they were.
    np.testing.assert_allclose(frames[edited].centroids, edit.centroids, atol=1e-9)
    np.testing.assert_allclose(frames[edited].centroids[0], target, atol=0.15)
    np.testing.assert_allclose(frames[edited].centroids[1:], frames[1].centroids[1:], atol=1e-9)
    assert window.controls.history_slider.marks == [edited]
    assert window.inertia_view._edit_lines[0].value() == pytest.approx(1.5)


def test_double_click_adds_and_right_click_removes_a_centroid(qtbot, window):
    paused_run(qtbot, window, k=3)
    viewport = window.scatter.viewport()
    double_click(qtbot, window, 0.0, 0.0)
    assert window.session.edit.k == 4 and window.algorithm_panel.k() == 4
    np.testing.assert_allclose(drawn_centroids(window)[3], (0.0, 0.0), atol=0.15)
    removed = drawn_centroids(window)[0]
    pos = viewport_pos(window, *removed)
    QTest.mouseMove(viewport, pos)
    qtbot.wait(30)
    qtbot.mouseClick(viewport, Qt.MouseButton.RightButton, pos=pos)
    assert window.session.edit.k == 3 and window.algorithm_panel.k() == 3
    # the removed centroid's points have no centroid until the next assignment: grey
    labels = window.session.history.labels(1)
    colours = window.scatter.drawn_point_colours()
    assert (colours[labels == 0][:, :3] == UNASSIGNED[:3]).all()
    assert not window.stale_banner.isVisible()  # k follows the edit: nothing is stale

    with qtbot.waitSignal(window.runFinished, timeout=RUN_TIMEOUT_MS):
        window.toggle_run()  # Space: goes on from the edit
    last = window.session.history.frames[-1]
    assert len(last.centroids) == 3 and window.session.params.k == 3
    # the added centroid took the removed one's number (the others keep theirs and their
    # colours) and the run started it where it was double-clicked
    np.testing.assert_allclose(window.session.history.frames[2].centroids[0], (0, 0), atol=0.15)


def test_dragging_in_principal_components_says_why_it_is_off(qtbot, window):
    load(qtbot, window, DATA / "iris.csv")
    panel = window.data_panel
    with qtbot.waitSignal(window.dataReady, timeout=RUN_TIMEOUT_MS):
        panel.plot_combo.setCurrentIndex(panel.plot_combo.findData("pca"))
    set_params(window, k=3, seed=0)
    click_run(qtbot, window)
    before = drawn_centroids(window)
    range_before = window.scatter.plotItem.vb.viewRange()
    drag(qtbot, window, tuple(before[0]), (before[0, 0] + 1.0, before[0, 1] + 1.0))
    assert window.session.edit is None
    assert "principal components" in window.statusBar().currentMessage()
    assert window.scatter.plotItem.vb.viewRange() == range_before  # and the view did not pan


def test_editing_is_refused_while_the_run_plays(qtbot, window, monkeypatch):
    load(qtbot, window, DATA / "spreads.csv")
    set_params(window, k=6, seed=1, init="random", max_iter=200)
    window.controls.set_speed(1)
    with qtbot.waitSignal(window.session.playback.frameChanged, timeout=RUN_TIMEOUT_MS):
        window.start_run()
    assert window.session.playback.playing
    said: list[str] = []
    bar = window.statusBar()
    shown = bar.showMessage
    monkeypatch.setattr(bar, "showMessage", lambda text, ms=0: (said.append(text), shown(text, ms)))
    (x0, x1), (y0, y1) = window.scatter.plotItem.vb.viewRange()
    double_click(qtbot, window, x0 + 0.05 * (x1 - x0), y0 + 0.05 * (y1 - y0))  # no centroid
    assert window.session.edit is None and any("Pause" in text for text in said)
    window.stop_run()


def test_half_steps_alternate_in_the_window(qtbot, window):
    load(qtbot, window, DATA / "blobs.csv")
    set_params(window, k=4, seed=3, init="random", max_iter=50)
    window.half_steps_action.setChecked(True)
    click_run(qtbot, window)
    history = window.session.history
    slider = window.controls.history_slider
    assert (slider.minimum(), slider.maximum()) == (0, 2 * (len(history) - 1))
    slider.setValue(0)
    kinds, shown = [], []
    for _ in range(4):
        qtbot.keyClick(window, Qt.Key.Key_Right)
        picture = window.session.picture()
        kinds.append(picture.kind)
        shown.append((drawn_centroids(window), window.scatter.labels.copy()))
    assert kinds == [UPDATE, "assignment", UPDATE, "assignment"]
    (c1, l1), (c2, l2) = shown[0], shown[1]
    np.testing.assert_array_equal(l1, history.labels(0))  # update: colours stay...
    np.testing.assert_allclose(c1, history.frames[1].centroids)  # ...centroids move
    np.testing.assert_allclose(c2, c1)  # assignment: centroids stay...
    np.testing.assert_array_equal(l2, history.labels(1))  # ...points recolour
    assert "update" in window.controls.history_label.text() or "assign" in (
        window.status_fields["iteration"].text()
    )

    set_params(window, algorithm="gradient")
    assert window.half_steps_action.isEnabled()  # the Lloyd run on screen still has them
    qtbot.mouseClick(window.controls.run_button, Qt.MouseButton.LeftButton)
    assert not window.half_steps_action.isEnabled()
    assert "Gradient descent" in window.half_steps_action.toolTip()
    window.stop_run()


def test_membership_lines_up_to_the_limit_and_why_not_above(qtbot, window, tmp_path):
    load(qtbot, window, DATA / "blobs.csv")
    set_params(window, k=3, seed=0)
    window.membership_action.setChecked(True)
    click_run(qtbot, window)
    n = len(window.plot.xy)
    assert window.membership.drawn() == n  # one line a point

    rng = np.random.default_rng(0)
    path = tmp_path / "big.csv"
    pd.DataFrame(rng.normal(size=(MAX_LINES + 1, 2)), columns=["a", "b"]).to_csv(path, index=False)
    load(qtbot, window, path)
    assert not window.membership_action.isEnabled()
    assert f"{MAX_LINES:,}" in window.membership_action.toolTip()
    assert f"{MAX_LINES:,}" in window.membership_action.text()
    click_run(qtbot, window)
    assert window.membership.drawn() == 0


def test_runs_side_by_side_play_in_lockstep_and_show_their_agreement(qtbot, window):
    from sklearn.metrics import adjusted_rand_score

    load(qtbot, window, DATA / "blobs.csv")
    set_params(window, k=4, seed=0, init="k-means++")
    compare = window.compare
    compare.action.setChecked(True)
    assert compare.stack.currentWidget() is compare.pane and compare.dock.isVisible()
    assert compare.panel.choices().init == "random"  # the classic comparison to start with
    compare.panel.k_spin.setValue(5)
    pane = compare.pane
    with qtbot.waitSignal(pane.finished, timeout=RUN_TIMEOUT_MS):
        qtbot.mouseClick(pane.controls.run_button, Qt.MouseButton.LeftButton)
    a, b = pane.pair.sessions
    assert window.session.request is None  # the single view's run is not touched
    assert (a.params.k, a.params.init, b.params.k, b.params.init) == (4, "k-means++", 5, "random")
    last = max(len(a.history), len(b.history)) - 1
    assert pane.pair.position == last == pane.controls.history_slider.value()
    labels = [s.history.labels(s.playback.index) for s in (a, b)]
    for scatter, session, k in zip(pane.scatters, (a, b), (4, 5), strict=True):
        assert scatter.k == k
        np.testing.assert_array_equal(
            scatter.labels, session.history.labels(session.playback.index)
        )
    ari = adjusted_rand_score(*labels)
    assert f"{ari:.3f}" in pane.agreement_label.text()

    pane.controls.history_slider.setValue(1)  # one slider scrubs both
    assert [s.playback.index for s in (a, b)] == [1, 1]
    ari = adjusted_rand_score(a.history.labels(1), b.history.labels(1))
    assert f"{ari:.3f}" in pane.agreement_label.text()
    qtbot.keyClick(window, Qt.Key.Key_Right)  # the window's Right steps both
    held = [min(2, len(s.history) - 1) for s in (a, b)]  # a converged run holds its last
    assert [s.playback.index for s in (a, b)] == held and pane.pair.position == 2
    assert [side.iterations.size for side in pane.curves.sides] == [i + 1 for i in held]

    compare.action.setChecked(False)
    assert compare.stack.currentIndex() == 0 and not compare.dock.isVisible()
    assert not pane.pair.started


def test_double_clicks_before_a_run_place_its_initial_centroids(qtbot, window):
    load(qtbot, window, DATA / "blobs.csv")
    set_params(window, k=4, seed=0, init="k-means++")
    targets = [(-5.0, -4.0), (5.0, 5.0)]
    for x, y in targets:
        double_click(qtbot, window, x, y)
    panel = window.algorithm_panel
    assert panel.place_mode and panel.k() == 2  # the initialiser says what Run will use
    assert window.session.request is None and "Run uses them" in panel.place_hint.text()
    drag(qtbot, window, targets[1], (6.0, 6.0))  # placed centroids can be dragged too
    click_run(qtbot, window)
    first = window.session.history.frames[0]
    np.testing.assert_allclose(first.centroids, [targets[0], (6.0, 6.0)], atol=0.2)


def test_an_edited_run_exports_as_an_animation_with_its_edit(qtbot, window, tmp_path):
    import imageio.v2 as imageio

    from kmeans_gui.app.animation_dialog import AnimationRequest

    paused_run(qtbot, window, k=3)
    window.half_steps_action.setChecked(True)
    window.session.seek(2)  # the state after iteration 1
    window.session.set_edit(window.session.edit_start(2).removed(0))  # k 3 -> 2
    with qtbot.waitSignal(window.runFinished, timeout=RUN_TIMEOUT_MS):
        window.session.resume()
    history = window.session.history
    out = tmp_path / "edited.gif"
    request = AnimationRequest(str(out), 0, history.frames[-1].iteration, True, 5.0, (330, 250))
    with qtbot.waitSignal(window.exported, timeout=60_000):
        assert window.exporter.animation.export(request) is not None
    reader = imageio.get_reader(out)
    try:
        n_frames = sum(1 for _ in reader)
    finally:
        reader.close()
    assert n_frames == 2 * len(history) - 1  # the edit is the half-step before its state
