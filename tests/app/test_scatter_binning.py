"""Large point sets are binned into pixels on a worker: the picture follows once the bins are in,
only the newest request's bins are ever painted, and exports never show an older picture."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPointF
from PySide6.QtGui import QImage

from kmeans_gui.app.palette import UNASSIGNED, cluster_colours
from kmeans_gui.app.plot_export import TITLE_HEIGHT, plot_image
from kmeans_gui.app.scatter_view import RASTER_THRESHOLD, ScatterView

from .conftest import load, shown_scatter, write_three_blobs
from .test_window import click_run, reference_final_state, set_params

N = 40_000


def halves(side: str, seed: int = 0) -> np.ndarray:
    """N points in the left or right half of the unit square, with two corner points so that
    both sets span the same range (the view's range does not change between them)."""
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 1, (N, 2))
    xy[:, 0] = 0.5 * xy[:, 0] + (0.5 if side == "right" else 0.0)
    xy[:2] = [[0.0, 0.0], [1.0, 1.0]]
    return xy


def shown(view: ScatterView) -> np.ndarray:
    """Opacity of the pixel under each point: 0 where the picture shows nothing."""
    return view.drawn_point_colours()[:, 3]


@pytest.fixture
def view(qtbot) -> ScatterView:
    view = shown_scatter(qtbot, 600, 400)
    qtbot.waitExposed(view)
    return view


def test_points_are_drawn_once_the_worker_has_binned_them(qtbot, view):
    xy = halves("left")
    assert len(xy) > RASTER_THRESHOLD
    with qtbot.waitSignal(view.pointsBinned, timeout=10_000):
        view.set_points(xy)
        assert view.binning and view.raster_item.image is None  # nothing drawn yet
    assert not view.binning
    assert (shown(view) > 0).all()
    grey = np.array(UNASSIGNED, np.uint8)[:3]
    assert (view.drawn_point_colours()[:, :3] == grey).all()

    labels = (xy[:, 1] > 0.5).astype(np.int64)  # a frame: painted at once through the bins
    view.show_frame(labels, np.array([[0.25, 0.25], [0.25, 0.75]]), k=2)
    drawn = view.drawn_point_colours()[:, :3]
    same = (drawn == cluster_colours(2)[labels][:, :3]).all(axis=1)
    assert same.mean() > 0.97  # a pixel shows one of its points: only shared ones may differ


def test_the_previous_picture_stays_until_the_new_points_are_binned(qtbot, view):
    with qtbot.waitSignal(view.pointsBinned, timeout=10_000):
        view.set_points(halves("left"))
    before = view.raster_item.image.copy()
    right = halves("right", seed=1)
    with qtbot.waitSignal(view.pointsBinned, timeout=10_000):
        view.set_points(right)
        # a frame for the new points cannot be painted through the old points' bins
        view.show_frame(np.zeros(N, np.int64), np.array([[0.75, 0.5]]), k=1)
        assert np.array_equal(view.raster_item.image, before)
    assert (shown(view) > 0).all()  # the new points, in the frame's colour
    colour = cluster_colours(1)[0, :3]
    assert ((view.drawn_point_colours()[:, :3] == colour).all(axis=1)).mean() > 0.99


def test_bins_of_overtaken_points_are_never_painted(qtbot, view):
    painted: list[int] = []
    view.pointsBinned.connect(lambda: painted.append(1))
    with qtbot.waitSignal(view.pointsBinned, timeout=10_000):
        view.set_points(halves("left"))
        view.set_points(halves("right", seed=1))  # before the first set's bins are in
    # the worker answers in order: the first set's answer came (and was dropped) before
    assert painted == [1]
    assert (shown(view) > 0).all()  # the right half is drawn, not the left
    image = view.raster_item.image
    assert image[:, : image.shape[1] // 3, 3].sum() < 0.01 * image[..., 3].sum()


def picture_rect(view: ScatterView) -> tuple[float, float, float, float]:
    """Where the raster picture lies, plot units: (left, right, top, bottom)."""
    item = view.raster_item
    rect = item.mapRectToParent(item.boundingRect())
    return rect.left(), rect.right(), rect.top(), rect.bottom()


def test_a_zoom_while_binning_ends_with_bins_of_the_view_shown(qtbot, view):
    view.set_points(halves("left"))
    view.plotItem.vb.setRange(xRange=(0.1, 0.4), yRange=(0.2, 0.6), padding=0)
    qtbot.waitUntil(
        lambda: (
            view.raster_item.image is not None
            and picture_rect(view) == pytest.approx((0.1, 0.4, 0.2, 0.6))
        ),
        timeout=10_000,
    )
    assert not view.binning


def whiteness(image: QImage, view: ScatterView, x: tuple[float, float]) -> float:
    """The share of white pixels of an exported plot between plot x ``x`` (y from 0.1 to 0.9)."""
    vb = view.plotItem.vb
    white = []
    for px in np.linspace(*x, 15):
        for py in np.linspace(0.1, 0.9, 15):
            where = vb.mapViewToScene(QPointF(px, py))
            colour = image.pixelColor(int(where.x()), int(where.y()) + TITLE_HEIGHT)
            white.append(colour.red() == colour.green() == colour.blue() == 255)
    return float(np.mean(white))


def test_an_export_while_binning_shows_the_new_points(qtbot, view):
    with qtbot.waitSignal(view.pointsBinned, timeout=10_000):
        view.set_points(halves("left"))
    view.set_points(halves("right", seed=1))
    assert view.binning
    image = plot_image(view, "title", scale=1)
    assert not view.binning  # binned on the spot, not left to the worker
    assert whiteness(image, view, (0.05, 0.4)) > 0.95  # no left points
    assert whiteness(image, view, (0.6, 0.95)) < 0.2  # the right ones


def test_the_window_draws_a_reloaded_table_once_it_is_binned(qtbot, window, tmp_path):
    path = tmp_path / "big.csv"
    write_three_blobs(path, 7_000, seed=2)
    scatter = window.scatter
    with qtbot.waitSignal(scatter.pointsBinned, timeout=30_000):
        load(qtbot, window, path)
    set_params(window, k=3, seed=0, max_iter=30)
    click_run(qtbot, window)
    with qtbot.waitSignal(scatter.pointsBinned, timeout=30_000):
        load(qtbot, window, path)  # reloaded: new points, the run forgotten
    assert scatter.rasterised and not scatter.binning
    assert (shown(scatter) > 0).all()
    grey = np.array(UNASSIGNED, np.uint8)[:3]
    assert (scatter.drawn_point_colours()[:, :3] == grey).all()
    click_run(qtbot, window)
    final = reference_final_state(window)
    drawn = scatter.drawn_point_colours()[:, :3]
    assert (drawn == cluster_colours(3)[final.labels][:, :3]).all(axis=1).mean() > 0.97
