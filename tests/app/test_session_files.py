"""Keeping results from the window: sessions reopen as they were, models predict, scripts run."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import numpy as np
import pandas as pd
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox

from .conftest import DATA, RUN_TIMEOUT_MS, load
from .test_window import click_run, set_params


def run_iris(qtbot, window, path=DATA / "iris.csv", **params) -> None:
    load(qtbot, window, path)
    panel = window.data_panel
    with qtbot.waitSignal(window.dataReady, timeout=RUN_TIMEOUT_MS):
        panel.scale_combo.setCurrentIndex(panel.scale_combo.findData("standard"))
    set_params(window, **{"k": 3, "seed": 4, "init": "random", **params})
    click_run(qtbot, window)


def save(qtbot, window, path) -> None:
    with qtbot.waitSignal(window.exported, timeout=30_000):
        window.session_files.save_session(str(path))


def test_a_saved_session_reopens_and_reproduces_its_run(qtbot, make_window, tmp_path) -> None:
    data = tmp_path / "iris.csv"
    shutil.copy(DATA / "iris.csv", data)
    first = make_window()
    run_iris(qtbot, first, data, n_init=2)
    first.data_panel.set_plot_choice("features", "petal_length", "petal_width")
    history = len(first.session.history)
    frame, _ = first.session.current()
    session = tmp_path / "iris.session.json"
    save(qtbot, first, session)
    record = json.loads(session.read_text())
    assert record["format"] == "kmeans-gui session" and record["data"]["path"] == "iris.csv"
    first.close()

    second = make_window()
    with qtbot.waitSignal(second.sessionChecked, timeout=RUN_TIMEOUT_MS) as checked:
        second.open_file(str(session))  # as kmeans-gui SESSION and Open recent do
    same, text = checked.args
    assert same, text
    assert text.startswith("Re-ran the session: the same result as saved")
    assert second.data_panel.session_label.text() == text
    assert second.data_panel.feature_choice().scale == "standard"
    params = second.algorithm_panel.parameters()
    assert (params.k, params.seed, params.init, params.n_init) == (3, 4, "random", 2)
    assert len(second.session.history) == history
    np.testing.assert_array_equal(second.session.current()[0].centroids, frame.centroids)
    assert second.preferences.recent[0].endswith("iris.session.json")


def test_a_changed_data_file_is_said_before_running(qtbot, make_window, tmp_path, monkeypatch):
    data = tmp_path / "iris.csv"
    shutil.copy(DATA / "iris.csv", data)
    first = make_window()
    load(qtbot, first, data)
    set_params(first, k=3, seed=0)
    click_run(qtbot, first)
    session = tmp_path / "s.session.json"
    save(qtbot, first, session)
    first.close()
    data.write_text(data.read_text().replace("5.1,3.5", "5.2,3.5", 1))
    asked: list[str] = []

    def answer(parent, title, text, *args, **kwargs):
        asked.append(text)
        return QMessageBox.StandardButton.No

    monkeypatch.setattr(QMessageBox, "question", answer)
    second = make_window()
    with qtbot.waitSignal(second.dataReady, timeout=RUN_TIMEOUT_MS):
        second.session_files.open_session(str(session))
    qtbot.wait(200)
    assert len(asked) == 1 and "iris.csv has changed since the session was saved" in asked[0]
    assert second.session.request is None  # the user said no: loaded, not run
    assert second.algorithm_panel.k() == 3


def test_a_moved_data_file_is_asked_for(qtbot, make_window, tmp_path, monkeypatch) -> None:
    (tmp_path / "a").mkdir()
    data = tmp_path / "a" / "iris.csv"
    shutil.copy(DATA / "iris.csv", data)
    first = make_window()
    load(qtbot, first, data)
    set_params(first, k=3, seed=0)
    click_run(qtbot, first)
    session = tmp_path / "kept.session.json"
    save(qtbot, first, session)
    first.close()
    moved = tmp_path / "elsewhere.csv"
    data.rename(moved)
    told: list[str] = []
    monkeypatch.setattr(QMessageBox, "information", lambda p, t, text, *a: told.append(text))
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(moved), ""))
    second = make_window()
    with qtbot.waitSignal(second.sessionChecked, timeout=RUN_TIMEOUT_MS) as checked:
        second.session_files.open_session(str(session))
    assert told and "iris.csv" in told[0] and "moved" in told[0]
    assert checked.args[0] and second.table_path == str(moved)


def test_an_exported_model_predicts_the_windows_labels(qtbot, window, tmp_path) -> None:
    from kmeans_gui import cli

    run_iris(qtbot, window)
    _, labels = window.session.current()
    model = tmp_path / "iris.model.json"
    with qtbot.waitSignal(window.exported, timeout=30_000):
        window.session_files.export_model(str(model))
    record = json.loads(model.read_text())
    assert record["scaling"]["kind"] == "standard" and len(record["centroids"]) == 3
    out = tmp_path / "predicted.csv"
    assert cli.main(["predict", str(model), str(DATA / "iris.csv"), "-q", "--out", str(out)]) == 0
    np.testing.assert_array_equal(pd.read_csv(out)["cluster"].to_numpy(), labels)


def test_copy_as_python_reproduces_the_windows_labels(qtbot, window, tmp_path) -> None:
    run_iris(qtbot, window, algorithm="minibatch")
    _, labels = window.session.current()
    script = window.session_files.copy_as_python()
    assert QApplication.clipboard().text() == script
    path = tmp_path / "again.py"
    path.write_text(script + "\nprint(model.labels_.tolist())\n")
    done = subprocess.run(
        [sys.executable, str(path)], capture_output=True, text=True, timeout=300, check=True
    )
    printed = json.loads(done.stdout.strip().splitlines()[-1])
    np.testing.assert_array_equal(printed, labels)
