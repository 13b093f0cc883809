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
