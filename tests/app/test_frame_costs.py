"""What a frame costs the GUI thread: each plot repaints once, axes move rarely, unchanged
clusters are not redrawn, markers are placed without a loop over the points.

The timings these buy are in benchmarks/responsiveness.py; here, the behaviour behind them.
"""

from __future__ import annotations

import sys

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtGui import QImage

from kmeans_gui.app.background import GIL_SWITCH_S, BackgroundJobs
from kmeans_gui.app.inertia_view import InertiaView
from kmeans_gui.app.sizes_view import SizesView
from kmeans_gui.app.uniform_scatter import UniformScatter

from .conftest import shown_scatter


def shown(qtbot, view):
    qtbot.addWidget(view)
    view.resize(400, 300)
    view.show()
    qtbot.waitExposed(view)
    return view


def test_a_new_range_moves_the_items_before_the_next_paint(qtbot) -> None:
    """pyqtgraph moves a view's items at the start of its paint, and the moved items ask for a
    second paint; here they are moved when the range is set."""
    sizes = shown(qtbot, SizesView())
    sizes.set_sizes(np.array([10, 20, 30]))
    before = sizes.plotItem.vb.childGroup.transform()
    sizes.set_sizes(np.array([100, 200, 300]))  # the bars outgrow the axis
    assert sizes.plotItem.vb.childGroup.transform() != before  # no paint has happened yet


@pytest.mark.parametrize(
    "inertias",
    [
        100 + 900 * 0.5 ** np.arange(40),
        1000 * 0.7 ** np.arange(40),
        20 + 980 * 0.8 ** np.arange(40),
    ],
    ids=["settles", "towards-zero", "slowly"],
)
def test_the_inertia_axes_move_only_when_the_curve_leaves_them(qtbot, inertias) -> None:
    view = shown(qtbot, InertiaView())
    moves = []
    view.plotItem.vb.sigRangeChanged.connect(lambda *_: moves.append(view.plotItem.viewRange()))
    for n in range(1, 41):
        view.set_curve(np.arange(n), inertias[:n], "this run")
        view.set_current(n - 1, inertias[n - 1])
        (x_low, x_high), (y_low, y_high) = view.plotItem.viewRange()
        assert x_low <= 0 and n - 1 <= x_high  # the whole curve is in view on every frame
        assert inertias[:n].max() <= y_high
        room = 0 if y_low == 0 else 0.04 * (y_high - y_low)  # the marker off the bottom edge
        assert y_low <= inertias[:n].min() - room
    # not every frame (it was 40 and more): the iteration axis doubles (6 moves to 40),
    # the inertia axis has room
    assert len(moves) <= 15
    assert view.plotItem.viewRange()[0][1] < 2 * 40  # and it is not too roomy either


def test_the_inertia_axes_stay_where_the_user_put_them(qtbot) -> None:
    view = shown(qtbot, InertiaView())
    view.set_curve(np.arange(3), np.array([9.0, 5.0, 4.0]), "this run")
    view.plotItem.vb.scaleBy((0.5, 0.5))  # a wheel zoom, as the mouse does it
    view.plotItem.vb.sigRangeChangedManually.emit(view.plotItem.vb.state["mouseEnabled"])
    zoomed = view.plotItem.viewRange()
    view.set_curve(np.arange(30), np.linspace(9, 1, 30), "this run")
    assert view.plotItem.viewRange() == zoomed
    view.clear_all()  # new data: the axes follow the curve again
    view.set_curve(np.arange(30), np.linspace(9, 1, 30), "this run")
    (_, x_high), (y_low, y_high) = view.plotItem.viewRange()
    assert x_high >= 29 and y_low <= 1 and y_high >= 9


def test_clusters_no_row_left_or_joined_are_not_drawn_again(qtbot, monkeypatch) -> None:
    view = shown_scatter(qtbot, 400, 300)
    xy = np.random.default_rng(0).normal(size=(600, 2))
    view.set_points(xy)
    labels = np.repeat(np.arange(4), 150).astype(np.uint8)
    view.show_frame(labels, np.zeros((4, 2)), k=4)
    calls = []
    for c, item in enumerate(view._cluster_items):
        original = item.setData
        monkeypatch.setattr(
            item, "setData", lambda *a, c=c, f=original, **kw: (calls.append(c), f(*a, **kw))
        )
    moved = labels.copy()
    moved[0] = 2  # one row from cluster 0 to cluster 2
    view.show_frame(moved, np.zeros((4, 2)), k=4)
    assert sorted(calls) == [0, 2]
    for c in range(4):  # and every cluster's item holds exactly its rows
        drawn = view._cluster_items[c].getData()
        np.testing.assert_array_equal(np.column_stack(drawn), xy[moved == c])
    view.set_points(xy[::-1].copy())  # new positions: everything is drawn again
    calls.clear()
    view.show_frame(moved, np.zeros((4, 2)), k=4)
    assert sorted(calls) == [0, 1, 2, 3, 4]  # 4: the points without a centroid (none here)


@pytest.fixture
def render(qtbot):
    """``render(item)``: the item alone in a 200 x 200 plot of the unit square, as an image."""
    widgets = []  # alive, and each item in its scene, until the test ends

    def draw(item: pg.ScatterPlotItem) -> QImage:
        widget = pg.PlotWidget(background="w")
        qtbot.addWidget(widget)
        widgets.append(widget)
        widget.resize(200, 200)
        widget.addItem(item)
        widget.plotItem.vb.setRange(xRange=(0, 1), yRange=(0, 1), padding=0)
        return widget.grab().toImage()

    return draw


@pytest.mark.parametrize("size", [3, 7])
def test_a_uniform_scatter_draws_what_pyqtgraphs_own_does(render, size) -> None:
    pos = np.random.default_rng(size).uniform(size=(500, 2))
    style = {"size": size, "pen": None, "brush": pg.mkBrush(200, 30, 30, 180)}
    ours, theirs = UniformScatter(pos=pos, **style), pg.ScatterPlotItem(pos=pos, **style)
    np.testing.assert_array_equal(ours.data["sourceRect"], theirs.data["sourceRect"])
    assert (ours.data["sourceRect"]["w"] > 0).all()
    assert render(ours) == render(theirs)
    ours.setData(pos=pos[:200], brush=pg.mkBrush(0, 0, 200))  # new points, a new brush
    theirs.setData(pos=pos[:200], brush=pg.mkBrush(0, 0, 200))
    assert render(ours) == render(theirs)


def test_a_uniform_scatter_leaves_points_with_their_own_style_to_pyqtgraph(render) -> None:
    pos = np.random.default_rng(1).uniform(size=(50, 2))
    brushes = [pg.mkBrush("r") if i % 2 else pg.mkBrush("b") for i in range(50)]
    ours = UniformScatter(pos=pos, size=5, pen=None, brush=brushes)
    theirs = pg.ScatterPlotItem(pos=pos, size=5, pen=None, brush=brushes)
    assert render(ours) == render(theirs)


def test_background_jobs_hand_the_gil_back_to_the_gui_thread_quickly(qtbot) -> None:
    before = sys.getswitchinterval()
    try:
        BackgroundJobs()
        assert sys.getswitchinterval() <= GIL_SWITCH_S
    finally:
        sys.setswitchinterval(before)


def test_a_marker_off_the_curve_does_not_move_the_axes_on_every_frame(qtbot) -> None:
    """The curve's update and the marker's ask for the same view: no refit back and forth."""
    view = shown(qtbot, InertiaView())
    inertias = 500 + 500 * 0.5 ** np.arange(30)
    moves = []
    view.plotItem.vb.sigRangeChanged.connect(lambda *_: moves.append(view.plotItem.viewRange()))
    for n in range(1, 31):
        view.set_curve(np.arange(n), inertias[:n], "this run")
        view.set_current(n - 1, 100.0)  # e.g. an edited run's cost, far below the curve
        (_, x_high), (y_low, y_high) = view.plotItem.viewRange()
        assert y_low <= 100.0 and inertias[:n].max() <= y_high and n - 1 <= x_high
    assert len(moves) <= 10
