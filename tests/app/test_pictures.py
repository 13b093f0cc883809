"""The pictures a user takes away: the legend, the exported plot, the exported animation."""

from __future__ import annotations

from pathlib import Path

import imageio.v2 as imageio
import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QPushButton

from kmeans_gui.app import legend as legend_module
from kmeans_gui.app.animation_dialog import AnimationRequest
from kmeans_gui.app.palette import cluster_colours
from kmeans_gui.app.plot_export import PNG_SCALE, TITLE_HEIGHT
from kmeans_gui.app.scatter_view import ScatterView

from .conftest import DATA, load, shown_scatter
from .test_window import click_run, set_params


@pytest.fixture
def scatter(qtbot) -> ScatterView:
    view = shown_scatter(qtbot, 800, 600)
    rng = np.random.default_rng(0)
    view.set_points(rng.normal(size=(3_000, 2)))
    return view


@pytest.mark.parametrize(
    ("k", "shown", "more"), [(4, 4, 0), (25, 25, 0), (60, 29, 31)], ids=["4", "25", "60"]
)
def test_legend_lists_each_cluster_with_its_size_and_stays_compact(scatter, k, shown, more):
    labels = np.random.default_rng(1).integers(0, k, 3_000).astype(np.uint8)
    scatter.show_frame(labels, np.zeros((k, 2)), k=k)
    legend = scatter.legend
    sizes = np.bincount(labels, minlength=k)
    entries = legend.entries()
    assert legend.isVisible() and len(entries) == shown + (more > 0)
    assert entries[0] == f"0   {sizes[0]:,}  ({100 * sizes[0] / 3000:.0f}%)"
    assert all(e.startswith(f"{c}   {sizes[c]:,}") for c, e in enumerate(entries[:shown]))
    if more:
        assert entries[-1] == f"+{more} more"
    width, height = legend.size().width(), legend.size().height()
    assert height < scatter.plotItem.vb.height()  # at most MAX_ROWS rows, in columns
    assert width < 0.8 * scatter.plotItem.vb.width()
    assert len({round(cell[0].x()) for cell in legend._cells}) <= legend_module.MAX_COLUMNS

    relabelled = labels.copy()
    relabelled[:500] = 0  # the next frame: the sizes follow
    scatter.show_frame(relabelled, np.zeros((k, 2)), k=k)
    assert legend.sizes[0] == np.count_nonzero(relabelled == 0)
    scatter.clear_frame()
    assert not legend.isVisible()


def run_blobs(qtbot, window, k: int = 4) -> None:
    """Six states (iterations 0 to 5)."""
    load(qtbot, window, DATA / "blobs.csv")
    set_params(window, k=k, seed=2, max_iter=20, init="random")
    click_run(qtbot, window)
    assert len(window.session.history) == 6


def test_exported_png_and_svg_have_the_title_line_and_the_legend(qtbot, window, tmp_path):
    run_blobs(qtbot, window)
    title = window.exporter.plot_title()
    frame, _ = window.session.current()
    for part in ("blobs.csv", "k = 4", "Lloyd", "random", f"iteration {frame.iteration}"):
        assert part in title
    assert f"inertia {frame.inertia:.6g}" in title

    png = tmp_path / "plot.png"
    window.exporter.export_plot(str(png))
    image = QImage(str(png))
    scatter = window.scatter
    assert image.width() == PNG_SCALE * scatter.width()
    assert image.height() == PNG_SCALE * (scatter.height() + TITLE_HEIGHT)
    rgb = image.convertToFormat(QImage.Format.Format_RGB888)  # kept: the array views its bytes
    pixels = np.frombuffer(rgb.constBits(), np.uint8).reshape(rgb.height(), -1)
    pixels = pixels[:, : rgb.width() * 3].reshape(rgb.height(), rgb.width(), 3)
    strip = pixels[: PNG_SCALE * TITLE_HEIGHT]
    assert (strip.max(axis=2) < 90).sum() > 500  # dark text on the white title strip

    legend = scatter.legend
    colours = cluster_colours(4)
    for cell, cluster in [(cell, cell[1]) for cell in legend._cells]:
        origin = cell[0]
        centre = QPointF(
            origin.x() + legend_module.SWATCH / 2, origin.y() + (legend._row_height - 2) / 2
        )
        at = scatter.mapFromScene(legend.mapToScene(centre))
        x, y = PNG_SCALE * at.x(), PNG_SCALE * (at.y() + TITLE_HEIGHT)
        np.testing.assert_allclose(pixels[int(y), int(x)], colours[cluster][:3], atol=4)

    svg = tmp_path / "plot.svg"
    window.exporter.export_plot(str(svg))
    text = svg.read_text()
    assert f">{title}</text>" in text
    for cluster, size in enumerate(np.bincount(window.session.current()[1], minlength=4)):
        assert f">{cluster}</text>" in text and f">{size:,}</text>" in text


def test_voronoi_regions_are_drawn_at_the_export_resolution(qtbot, window, tmp_path, monkeypatch):
    run_blobs(qtbot, window)
    window.voronoi_action.setChecked(True)
    grids = []
    item = window.scatter.voronoi_item
    original = item.setImage

    def record(image, *args, **kwargs):
        grids.append(image.shape[:2])
        return original(image, *args, **kwargs)

    monkeypatch.setattr(item, "setImage", record)
    window.exporter.export_plot(str(tmp_path / "plot.png"))
    vb = window.scatter.plotItem.vb
    assert (round(PNG_SCALE * vb.height()), round(PNG_SCALE * vb.width())) in grids
    assert grids[-1] == (200, 200)  # the screen's grid again afterwards


def decoded_frames(path: Path) -> list[np.ndarray]:
    reader = imageio.get_reader(path)
    try:
        return [np.asarray(f) for f in reader]
    finally:
        reader.close()


def export(qtbot, window, request: AnimationRequest) -> None:
    with qtbot.waitSignal(window.exported, timeout=60_000) as blocker:
        job = window.exporter.animation.export(request)
        assert job is not None
    assert blocker.args == [str(Path(request.path))]


@pytest.mark.parametrize(
    ("name", "half_steps", "span"),
    [("run.gif", False, None), ("run.mp4", False, None), ("run.gif", True, (1, 3))],
    ids=["gif", "mp4", "gif-half-steps-range"],
)
def test_exported_animation_decodes_to_the_expected_frames(
    qtbot, window, tmp_path, name, half_steps, span
):
    run_blobs(qtbot, window)
    history = window.session.history
    n_states = len(history)
    first, last = span if span else (0, history.frames[-1].iteration)
    out = tmp_path / name
    export(qtbot, window, AnimationRequest(str(out), first, last, half_steps, 5.0, (330, 250)))
    frames = decoded_frames(out)
    states = last - first + 1 if span else n_states
    assert len(frames) == (2 * states - 1 if half_steps else states)
    assert frames[0].shape[:2] == (250, 330)
    assert [p.name for p in tmp_path.iterdir()] == [name]
    # The title strip changes from frame to frame (iteration, inertia); the plot is drawn.
    assert not np.array_equal(frames[0][:TITLE_HEIGHT], frames[-1][:TITLE_HEIGHT])
    body = frames[-1][TITLE_HEIGHT:]
    colours = cluster_colours(4)[:, :3].astype(int)
    drawn = np.abs(body.reshape(-1, 1, 3).astype(int) - colours[None]).max(axis=2) < 12
    assert drawn.any(axis=0).all()  # every cluster's colour is on the last frame


@pytest.mark.parametrize("when", ["at once", "after a frame"])
def test_cancelled_animation_export_leaves_no_file(qtbot, window, tmp_path, when):
    run_blobs(qtbot, window)
    out = tmp_path / "run.mp4"
    last = window.session.history.frames[-1].iteration
    job = window.exporter.animation.export(
        AnimationRequest(str(out), 0, last, True, 5, (1600, 1200))
    )
    if when == "after a frame":
        qtbot.waitUntil(lambda: job.rendered >= 1, timeout=30_000)
    with qtbot.waitSignal(job.cancelled, timeout=30_000):
        cancel = window.exporter.animation.progress.findChild(QPushButton)
        assert cancel.text() == "Cancel"
        qtbot.mouseClick(cancel, Qt.MouseButton.LeftButton)
    assert job.wait(10)
    assert list(tmp_path.iterdir()) == []  # neither the file nor its temporary twin
    assert "cancelled" in window.statusBar().currentMessage()


def test_animation_export_refuses_a_bad_name_in_one_sentence(qtbot, window, dialogs, tmp_path):
    run_blobs(qtbot, window)
    request = AnimationRequest(str(tmp_path / "run.avi"), 0, 1)
    assert window.exporter.animation.export(request) is None
    assert dialogs[-1].endswith("end the name with .gif or .mp4.")
    request = AnimationRequest(str(tmp_path / "missing" / "run.gif"), 0, 1)
    assert window.exporter.animation.export(request) is None
    assert "does not exist" in dialogs[-1]
    assert list(tmp_path.iterdir()) == []
