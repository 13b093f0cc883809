"""Drive the real window's analysis: hover tooltips, scores, a reference column, colour by
column, the spread note, default features and one-hot opt-in."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from PySide6.QtCore import QPoint, Qt

from kmeans_gui.engine.agreement import adjusted_rand_index

from .conftest import DATA, load
from .test_window import click_run, set_params


def hover(qtbot, window, xy) -> str:
    """Move the mouse over plot position ``xy`` and return the tooltip shown (the position is
    mapped again on each try: the docks may still be settling their sizes)."""
    scatter, tips = window.scatter, window.analysis.hover
    qtbot.waitUntil(lambda: tips.index() is not None, timeout=10_000)
    for attempt in range(3):
        tips.text = ""
        widget = scatter.mapFromScene(scatter.plotItem.vb.mapViewToScene(pg_point(xy)))
        qtbot.mouseMove(scatter.viewport(), QPoint(widget.x() + attempt, widget.y()))
        qtbot.waitUntil(lambda: tips.text != "", timeout=3_000)
        if tips.text == tips.tip_at(float(xy[0]), float(xy[1])):
            return tips.text
    raise AssertionError(f"no tooltip at {xy}: {tips.text!r}")


def pg_point(xy):
    from PySide6.QtCore import QPointF

    return QPointF(float(xy[0]), float(xy[1]))


def iris_run(qtbot, window) -> None:
    load(qtbot, window, DATA / "iris.csv")
    set_params(window, k=3, seed=0)
    click_run(qtbot, window)


def test_hovering_a_point_and_a_centroid_tells_what_they_are(qtbot, window):
    iris_run(qtbot, window)
    features = window.prepared.features
    labels = window.session.current()[1]
    frame = window.table.frame
    # a point off by itself, so that nothing else is within the hover radius
    xy = window.scatter.xy
    gaps = np.linalg.norm(xy[:, None] - xy[None], axis=2) + np.eye(len(xy)) * 1e9
    point = int(np.argmax(gaps.min(axis=1)))
    text = hover(qtbot, window, xy[point])
    row = np.flatnonzero(features.row_mask)[point]
    assert text.startswith(f"Row {row + 1}\n")
    written = (DATA / "iris.csv").read_text().splitlines()[row + 1].split(",")
    for name, value in zip(frame.columns[:4], written, strict=False):
        assert f"\n{name}: {value}\n" in text  # as the file has it
    assert f"Cluster {int(labels[point])}\n" in text
    centroids = window.session.current()[0].centroids
    d = np.linalg.norm(features.X[point] - centroids, axis=1)
    own = int(labels[point])
    second = min((c for c in range(3) if c != own), key=lambda c: d[c])
    assert f"Distance to its centroid: {d[own]:.4g}" in text
    assert f"Second-nearest centroid: {second}, at {d[second]:.4g}" in text

    c = 1
    text = hover(qtbot, window, window.scatter.centroids[c])
    size = int((labels == c).sum())
    assert text.startswith(f"Centroid of cluster {c}\n{size:,} points ({100 * size / 150:.1f}%")
    assert f"petal_width: {centroids[c][3]:.6g}" in text  # not scaled: data units


def test_scores_and_a_reference_column_for_the_finished_run(qtbot, window):
    from sklearn.metrics import calinski_harabasz_score, silhouette_score

    iris_run(qtbot, window)
    panel = window.scores_panel
    qtbot.waitUntil(lambda: panel.score_labels["silhouette"].text() != "–", timeout=30_000)
    X, labels = window.prepared.features.X, window.session.current()[1]
    assert panel.score_labels["silhouette"].text() == f"{silhouette_score(X, labels):.4f}"
    ch = float(panel.score_labels["calinski_harabasz"].text())
    assert ch == pytest.approx(calinski_harabasz_score(X, labels), rel=1e-5)
    assert "Exact, over all 150 rows" in panel.score_note.text()

    panel.reference_combo.setCurrentIndex(panel.reference_combo.findData("species"))
    qtbot.waitUntil(lambda: panel.table.rowCount() == 3, timeout=10_000)
    species = window.table.frame["species"].to_numpy()
    expected = pd.crosstab(labels, species).to_numpy()
    assert panel.cells() == expected.tolist()
    assert [panel.table.horizontalHeaderItem(i).text() for i in range(3)] == sorted(set(species))
    ari = adjusted_rand_index(pd.factorize(species)[0], np.asarray(labels, np.int64))
    assert f"ARI {ari:.4f}" in panel.agreement_label.text()

    window.reset_run()  # a new run (or none): the old scores go
    assert panel.score_labels["silhouette"].text() == "–"
    assert panel.table.rowCount() == 0


def test_colour_points_by_a_text_column_and_back(qtbot, window):
    iris_run(qtbot, window)
    scatter = window.scatter
    by_cluster = scatter.drawn_point_colours().copy()
    window.analysis.colour_by("species")
    species = window.table.frame["species"].to_numpy()
    drawn = scatter.drawn_point_colours()
    for name in np.unique(species):
        assert len({tuple(c) for c in drawn[species == name]}) == 1  # one colour per class
    assert len({tuple(c) for c in drawn}) == 3
    assert "setosa" in window.scores_panel.key_label.text()
    assert not scatter.legend.isVisible()
    window.analysis.colour_by("petal_length")  # numbers: a gradient, low to high
    drawn = scatter.drawn_point_colours()
    assert len({tuple(c) for c in drawn}) > 10
    window.analysis.colour_by("")
    assert np.array_equal(scatter.drawn_point_colours(), by_cluster)


def test_spread_note_button_standardises(qtbot, window, tmp_path):
    rng = np.random.default_rng(0)
    path = tmp_path / "grams.csv"
    pd.DataFrame({"grams": rng.normal(0, 1000, 200), "metres": rng.normal(0, 1, 200)}).to_csv(
        path, index=False
    )
    load(qtbot, window, path)
    panel = window.data_panel
    assert panel.spread_box.isVisible()
    assert "'grams'" in panel.spread_label.text()
    with qtbot.waitSignal(window.dataReady, timeout=30_000):
        qtbot.mouseClick(panel.standardise_button, Qt.MouseButton.LeftButton)
    assert window.prepared.features.scaler.kind == "standard"
    assert not panel.spread_box.isVisible()


def test_year_columns_are_not_ticked_and_text_categories_are_one_hot_opt_in(
    qtbot, window, tmp_path
):
    path = tmp_path / "cars.csv"
    rng = np.random.default_rng(1)
    n = 60
    pd.DataFrame(
        {
            "year": rng.integers(1990, 2020, n),
            "weight": rng.normal(1500, 200, n),
            "power": rng.normal(100, 20, n),
            "colour": rng.choice(["red", "blue", "green"], n),
            "name": [f"car {i}" for i in range(n)],
        }
    ).to_csv(path, index=False)
    load(qtbot, window, path)
    features = window.prepared.features
    assert features.columns == ("weight", "power")
    assert "'year' looks like a year" in window.data_panel.notes_label.text()
    items = {
        window.data_panel.columns_list.item(i).text(): window.data_panel.columns_list.item(i)
        for i in range(window.data_panel.columns_list.count())
    }
    assert not items["name"].flags() & Qt.ItemFlag.ItemIsUserCheckable  # 60 names: not a category
    with qtbot.waitSignal(window.dataReady, timeout=30_000):
        items["colour"].setCheckState(Qt.CheckState.Checked)
    features = window.prepared.features
    assert features.columns == ("weight", "power", "colour=blue", "colour=green", "colour=red")
    assert window.session_files._specs()[0].one_hot == ("colour",)
    assert window.plot.x_label == "weight"  # the axes still index the numeric features


def test_hover_on_a_rasterised_plot_finds_the_point_under_the_mouse(qtbot, window, tmp_path):
    n = 20_000
    rng = np.random.default_rng(2)
    path = tmp_path / "many.csv"
    pd.DataFrame(rng.normal(size=(n, 2)), columns=["a", "b"]).to_csv(path, index=False)
    load(qtbot, window, path)
    assert window.scatter.rasterised
    xy = window.scatter.xy
    corner = int(np.argmax(xy[:, 0] + xy[:, 1]))  # the outermost point: alone where it is
    text = hover(qtbot, window, xy[corner])
    assert text.startswith(f"Row {corner + 1:,}\n") and "No run yet" in text


def test_principal_component_axes_say_the_variance_they_explain(qtbot, window):
    from sklearn.decomposition import PCA

    load(qtbot, window, DATA / "iris.csv")
    with qtbot.waitSignal(window.dataReady, timeout=30_000):
        window.data_panel.set_plot_choice("pca")
    explained = PCA(2).fit(window.prepared.features.X).explained_variance_ratio_
    label = window.scatter.plotItem.getAxis("bottom").labelText
    assert label == f"principal component 1 ({100 * explained[0]:.0f}% of the variance)"
    assert f"({100 * explained[1]:.0f}% of the variance)" in window.plot.y_label
