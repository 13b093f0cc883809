"""The window's layout on small screens: nothing in the docks clips, however long a label gets."""

from __future__ import annotations

import pytest

from kmeans_gui.app import window_layout

from .conftest import DATA, load
from .test_window import click_run, set_params


@pytest.mark.parametrize("size", [(1000, 700), (1200, 800)])
def test_restart_picker_does_not_squeeze_the_docks(qtbot, window, size):
    window.resize(*size)
    window_layout.size_docks(window)  # what the first show does for a fresh layout
    load(qtbot, window, DATA / "spreads.csv")
    set_params(window, k=6, seed=5, init="random", n_init=4, max_iter=60)
    click_run(qtbot, window)
    qtbot.wait(50)
    combo = window.controls.restart_combo
    assert combo.isVisibleTo(window) and combo.count() == 4
    assert combo.width() < 200
    # the panels sit in scroll areas without a horizontal bar: narrower than their minimum clips
    for dock, panel in (
        (window.data_dock, window.data_panel),
        (window.algorithm_dock, window.algorithm_panel),
    ):
        assert dock.width() >= panel.minimumSizeHint().width(), dock.objectName()
    assert window.controls.width() <= window.centralWidget().width()
    assert window.width() == size[0]


@pytest.mark.parametrize("size", [(1280, 781), (1440, 900)])
def test_the_algorithm_panel_fits_without_scrolling(qtbot, window, size):
    """The data panel gives up what the algorithm panel needs: every setting is in view
    without a scroll bar on a 1280 x 800 screen (maximised: 781 rows of the window)."""
    window.resize(*size)
    qtbot.wait(20)
    window_layout.size_docks(window)
    qtbot.wait(20)
    scroll = window.algorithm_dock.widget()
    assert scroll.viewport().height() >= window.algorithm_panel.sizeHint().height()
    assert not scroll.verticalScrollBar().isVisible()
    assert window.data_dock.height() >= 200
