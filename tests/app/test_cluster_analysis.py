"""The window's analysis of a run: the cluster profiles table (the numbers of data.profiles,
sortable, exported as --profile-out writes them) and the silhouette plot (the engine's values,
exact on a small table)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from PySide6.QtCore import QPoint, Qt

from kmeans_gui.data.profiles import cluster_profiles

from .conftest import DATA, load
from .test_window import click_run, set_params


@pytest.fixture
def iris_run(qtbot, window, dialogs):
    """Iris, k = 3, run to the end."""
    load(qtbot, window, DATA / "iris.csv")
    set_params(window, k=3, seed=0, max_iter=30)
    click_run(qtbot, window)
    assert dialogs == []
    return window


def shown_labels(window) -> np.ndarray:
    _frame, labels = window.session.current()
    return np.asarray(labels, dtype=np.int64)


def test_profiles_table_holds_the_data_layers_numbers_sorts_and_exports(qtbot, iris_run, tmp_path):
    window = iris_run
    assert window.frame_analysis.profiles is None  # behind another tab: not computed
    with qtbot.waitSignal(window.frame_analysis.profilesShown, timeout=10_000):
        window.profile_dock.raise_()
    features = window.session.request.features
    expected = cluster_profiles(features, shown_labels(window), 3, frame=window.table.frame)
    model = window.profile_view.model
    assert model.columns == [str(c) for c in expected.table.columns]
    assert model.rowCount() == 3
    for column in expected.table.columns:
        got = [model.value(row, column) for row in range(3)]
        np.testing.assert_array_equal(got, expected.table[column].to_numpy(dtype=float))
    # the heat map colours the means by the standardised means: the largest petals reddest
    mean_column = model.columns.index("mean(petal_length)")
    z = expected.standardised["petal_length"].to_numpy()
    colours = [model.index(r, mean_column).data(Qt.ItemDataRole.BackgroundRole) for r in range(3)]
    reddest = max(range(3), key=lambda r: colours[r].color().red() - colours[r].color().blue())
    assert reddest == int(np.argmax(z))
    tip = model.index(int(np.argmax(z)), mean_column).data(Qt.ItemDataRole.ToolTipRole)
    assert "SD above the mean of all rows" in tip

    # a click on a header sorts by that column's numbers, a second click the other way
    view = window.profile_view
    header = view.table.horizontalHeader()
    for column in ("size", "mean(petal_length)", "mean(petal_length)"):
        section = model.columns.index(column)
        x = header.sectionViewportPosition(section) + header.sectionSize(section) // 2
        qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, 5))
        shown = view.shown_column(column)
        descending = header.sortIndicatorOrder() == Qt.SortOrder.DescendingOrder
        assert shown == sorted(expected.table[column].tolist(), reverse=descending)
    assert descending  # the second click on the same column turned the order round

    path = tmp_path / "profiles.csv"
    with qtbot.waitSignal(window.exported, timeout=10_000):
        window.exporter.export_profiles(str(path))
    written = pd.read_csv(path)
    pd.testing.assert_frame_equal(written, expected.table, check_dtype=False)


def test_silhouette_plot_shows_the_engines_exact_values(qtbot, iris_run):
    window = iris_run
    with qtbot.waitSignal(window.frame_analysis.silhouettesShown, timeout=30_000):
        window.silhouette_dock.raise_()
    from kmeans_gui.engine.silhouettes import silhouette_samples

    features = window.session.request.features
    labels = shown_labels(window)
    expected = silhouette_samples(features.X, labels)
    shown = window.silhouette_view.shown()
    for cluster in range(3):
        np.testing.assert_allclose(
            shown["values"][cluster], np.sort(expected[labels == cluster])[::-1], rtol=1e-12
        )
    assert shown["mean"] == pytest.approx(expected.mean(), rel=1e-12)
    assert "exact, all 150 rows" in shown["note"]
    assert "euclidean distance" in shown["note"]
    assert window.silhouette_view.mean_line.isVisible()


def test_a_new_run_clears_the_analysis_until_it_has_a_frame(qtbot, iris_run):
    window = iris_run
    with qtbot.waitSignal(window.frame_analysis.profilesShown, timeout=10_000):
        window.profile_dock.raise_()
    window.reset_run()
    assert window.profile_view.model.rowCount() == 0
    assert not window.profile_view.export_button.isEnabled()
    assert window.frame_analysis.profiles is None


def test_sweep_shows_every_score_on_one_k_axis_and_a_suggestion_sets_k(qtbot, window, dialogs):
    load(qtbot, window, DATA / "blobs.csv")
    set_params(window, k=2, seed=0, max_iter=30)
    view = window.sweep_view
    view.k_from.setValue(2)
    view.k_to.setValue(6)
    view.gap_spin.setValue(3)  # B: fewer reference sets keep the test quick
    window.sweep_dock.raise_()
    qtbot.mouseClick(view.run_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.sweep.running, timeout=60_000)
    assert dialogs == [] and len(window.sweep.points) == 5
    points = sorted(window.sweep.points, key=lambda p: p.k)
    for field in ("calinski_harabasz", "davies_bouldin", "gap"):
        xs, ys = view.plots[field].curve.getData()
        np.testing.assert_array_equal(xs, [2, 3, 4, 5, 6])
        np.testing.assert_array_equal(ys, [getattr(p, field) for p in points])
    np.testing.assert_array_equal(view.gap_bars.opts["height"], [2 * p.gap_se for p in points])
    assert "Every score on all 800 rows" in view.note.text()
    assert "B = 3" in view.note.text()

    from kmeans_gui.engine.suggestions import suggest_k

    expected = suggest_k(points)
    assert view.suggested == expected and expected.gap == 4 and expected.silhouette == 4
    star_x, _ = view.plots["gap"].suggested.getData()
    assert list(star_x) == [4]
    # one k axis: zooming one plot moves them all
    view.plots["davies_bouldin"].plotItem.setXRange(3, 5, padding=0)
    for plot in view.plots.values():
        assert plot.plotItem.vb.viewRange()[0] == pytest.approx([3, 5])

    button = view.suggestion_buttons["gap"]
    assert button.isVisible() and button.text() == "gap: k = 4"
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert window.algorithm_panel.k() == 4
    _, chosen = view.plots["gap"].chosen.getData()
    assert list(chosen) == [points[2].gap]
