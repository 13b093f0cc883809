"""A table above the sampling threshold: a sample on screen, every row in the run and export."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PySide6.QtCore import Qt

from kmeans_gui import cli
from kmeans_gui.data import sample_table

from .conftest import DATA, RUN_TIMEOUT_MS, load


@pytest.fixture
def big(tmp_path, monkeypatch) -> Path:
    """blobs.csv (800 rows, one without an x) as Parquet, 'big' above a threshold of 500."""
    monkeypatch.setattr(sample_table, "SAMPLE_ABOVE_ROWS", 500)
    monkeypatch.setattr(sample_table, "SAMPLE_ROWS", 300)
    frame = pd.read_csv(DATA / "blobs.csv")
    frame.iloc[10, 0] = np.nan
    path = tmp_path / "big.parquet"
    frame.to_parquet(path, row_group_size=64, index=False)
    return path


def test_a_big_table_shows_a_sample_runs_every_row_and_exports_them(
    qtbot, window, big, tmp_path, capsys
) -> None:
    load(qtbot, window, big)
    mode = window.big_table
    assert mode.active and len(window.table.frame) == 300
    assert mode.banner.isVisible()
    assert "Showing a random sample of 300 of 800 rows" in mode.banner.text()
    assert "sample of 300 of the 800 rows" in window.data_panel.notes_label.text()
    panel = window.algorithm_panel
    panel.k_spin.setValue(4)
    panel.seed_spin.setValue(3)
    panel.init_combo.setCurrentIndex(panel.init_combo.findData("k-means||"))
    with qtbot.waitSignal(window.runFinished, timeout=RUN_TIMEOUT_MS):
        qtbot.mouseClick(window.controls.run_button, Qt.MouseButton.LeftButton)
    history = window.session.history
    assert len(history) > 1  # animated, a frame per iteration
    shown = history.labels(len(history) - 1)
    features = window.prepared.features
    assert shown.shape == (features.n_used,)

    # the whole file's run, as the command line streams it from the same seed
    whole = tmp_path / "whole.csv"
    argv = ["cluster", str(big), "-k", "4", "--seed", "3", "--stream", "--json", "-q"]
    assert cli.main([*argv, "--out", str(whole)]) == 0
    report = json.loads(capsys.readouterr().out)
    assert history.frames[-1].n_iter == report["n_iter"]
    np.testing.assert_allclose(
        features.to_user_units(history.frames[-1].centroids), report["centroids"], rtol=1e-9
    )
    every = pd.read_csv(whole)["cluster"]
    positions = window.table.positions[features.row_mask]
    np.testing.assert_array_equal(shown, every.to_numpy()[positions].astype(int))

    out = tmp_path / "labelled.csv"
    with qtbot.waitSignal(window.exported, timeout=60_000):
        window.exporter.export_labelled(str(out))
    written = pd.read_csv(out)
    assert len(written) == 800 and written["cluster"].isna().sum() == 1
    np.testing.assert_array_equal(
        written["cluster"].fillna(-1).to_numpy(), every.fillna(-1).to_numpy()
    )


def test_an_ordinary_table_leaves_the_mode(qtbot, window, big) -> None:
    load(qtbot, window, big)
    assert window.session.engine is window.big_table.runs
    load(qtbot, window, DATA / "iris.csv")
    assert not window.big_table.active and not window.big_table.banner.isVisible()
    assert window.session.engine is window.engine
