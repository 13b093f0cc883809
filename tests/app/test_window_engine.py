"""The window and its engine process: Stop, engine errors, one process for every job, closing
mid-run and a killed engine (apart from tests/app/test_window.py, so that the two halves can run
on two workers)."""

from __future__ import annotations

import multiprocessing
import os
import signal

import numpy as np
import pandas as pd
import pytest
from PySide6.QtCore import Qt

from kmeans_gui.app.run_analysis import SCORES_NEED_ENGINE
from kmeans_gui.app.window import ENGINE_STARTING

from .conftest import DATA, RUN_TIMEOUT_MS, load
from .test_window import click_run, set_params


def start_a_long_run(qtbot, window, tmp_path) -> None:
    """A run that is far from done for many seconds: 100,000 rows, k = 40, tol 0."""
    path = tmp_path / "many.csv"
    pd.DataFrame(np.random.default_rng(2).random((100_000, 2)), columns=["u", "v"]).to_csv(
        path, index=False
    )
    load(qtbot, window, path)
    window.algorithm_panel.tol_edit.setText("0")
    set_params(window, k=40, seed=0, max_iter=100_000)
    qtbot.mouseClick(window.controls.run_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(window.session.history) >= 2, timeout=RUN_TIMEOUT_MS)


def test_stop_takes_effect_within_an_iteration(qtbot, window, tmp_path):
    start_a_long_run(qtbot, window, tmp_path)
    qtbot.waitUntil(lambda: len(window.session.playback.history) >= 3, timeout=RUN_TIMEOUT_MS)
    with qtbot.waitSignal(window.runFinished, timeout=5_000):
        qtbot.mouseClick(window.controls.stop_button, Qt.MouseButton.LeftButton)
    received = len(window.session.playback.history)
    qtbot.wait(300)
    assert len(window.session.playback.history) == received
    assert not window.session.playback.history.frames[-1].final
    assert window.statusBar().currentMessage() == "Stopped."


def test_engine_error_is_shown_in_a_dialog(qtbot, window, dialogs):
    qtbot.waitUntil(lambda: bool(window.devices), timeout=RUN_TIMEOUT_MS)  # TensorFlow loaded
    if any(":GPU:" in d.upper() for d in window.devices):
        pytest.skip("this machine has a GPU, so asking for one is not an error")
    load(qtbot, window, DATA / "blobs.csv")
    set_params(window, device="gpu")
    click_run(qtbot, window)
    assert len(dialogs) == 1 and "GPU" in dialogs[0]


def test_closing_mid_run_ends_the_engine_process(qtbot, make_window, tmp_path):
    window = make_window(own_engine=True)
    start_a_long_run(qtbot, window, tmp_path)
    process = window.engine.process._process
    assert window.session.computing and process.is_alive()
    window.close()
    assert not process.is_alive() and process.exitcode is not None
    assert window.engine.process_id() is None
    assert process not in multiprocessing.active_children()  # no engine left behind


def test_a_killed_engine_is_said_in_one_sentence_and_run_starts_a_new_one(
    qtbot, make_window, dialogs, tmp_path
):
    """The session's shared engine is killed: a real child, mid-run (the new one Run starts
    serves the later tests)."""
    window = make_window()
    start_a_long_run(qtbot, window, tmp_path)  # far from done when it is killed
    assert window.session.computing
    first = window.engine.process_id()
    with qtbot.waitSignal(window.runFinished, timeout=RUN_TIMEOUT_MS):
        os.kill(first, signal.SIGKILL)
    assert len(dialogs) == 1
    assert dialogs[0] == (
        "The engine stopped unexpectedly: it was killed by SIGKILL, which usually means the "
        "machine ran out of memory. Your data and settings are intact; press Run to start the "
        "engine again."
    )
    assert window.session.phase.value == "failed"
    assert len(window.session.history) >= 1  # what was computed stays on screen
    assert window.table is not None and window.algorithm_panel.k() == 40
    # no new engine behind the dialog's back (scoring the failed run once started one)
    assert window.engine.process_id() is None
    assert window.analysis.panel.score_note.text() == SCORES_NEED_ENGINE
    window.controls.set_speed(0)
    set_params(window, max_iter=3)
    said = []  # the status line as the phase changes
    window.session.phaseChanged.connect(
        lambda phase: said.append((phase.value, window.statusBar().currentMessage()))
    )
    with qtbot.waitSignal(window.runFinished, timeout=RUN_TIMEOUT_MS):
        qtbot.mouseClick(window.controls.run_button, Qt.MouseButton.LeftButton)
        # the new child is still loading TensorFlow: the wait is said until the first iteration
        assert window.statusBar().currentMessage() == ENGINE_STARTING
    running = [text for phase, text in said if phase != "starting"]
    assert running and ENGINE_STARTING not in running
    assert window.engine.process_id() not in (None, first)
    assert window.session.history.frames[window.session.playback.index].final
    assert len(dialogs) == 1


def test_runs_sweeps_and_projections_all_go_to_one_engine_process(qtbot, window, dialogs):
    load(qtbot, window, DATA / "iris.csv")
    pid = window.engine.process_id()
    for algorithm in ("lloyd", "gradient", "lloyd"):
        set_params(window, k=3, seed=0, max_iter=15, algorithm=algorithm)
        click_run(qtbot, window)
    panel = window.data_panel
    with qtbot.waitSignal(window.dataReady, timeout=RUN_TIMEOUT_MS):
        panel.plot_combo.setCurrentIndex(panel.plot_combo.findData("pca"))
    click_run(qtbot, window)
    window.start_sweep([2, 3])
    qtbot.waitUntil(lambda: not window.sweep.running, timeout=RUN_TIMEOUT_MS)
    assert dialogs == [] and len(window.sweep.points) == 2
    assert window.engine.process_id() == pid and pid != os.getpid()
