"""What the window remembers: one versioned record, restored whole, older files migrated."""

from __future__ import annotations

import dataclasses
import json

from PySide6.QtCore import QSettings

from kmeans_gui.app.preferences import (
    SCHEMA_VERSION,
    AlgorithmChoices,
    Preferences,
    PreferencesStore,
    from_dict,
)
from kmeans_gui.app.samples import DEFAULT_SAMPLE

from .conftest import DATA, load


def store(path) -> PreferencesStore:
    return PreferencesStore(QSettings(str(path), QSettings.Format.IniFormat))


def test_a_record_survives_a_round_trip(tmp_path) -> None:
    prefs = Preferences()
    prefs.algorithm.k = 7
    prefs.algorithm.seed = None
    prefs.view.speed = 0.0
    prefs.add_recent(str(DATA / "iris.csv"))
    store(tmp_path / "s.ini").save(prefs)
    assert store(tmp_path / "s.ini").load() == prefs


def test_the_settings_of_version_1_are_migrated(tmp_path) -> None:
    q = QSettings(str(tmp_path / "old.ini"), QSettings.Format.IniFormat)
    q.setValue("run/parameters", json.dumps({"k": 9, "seed": -1, "learning_rate": 0.0}))
    q.setValue("data/choices", json.dumps({"scale": "standard"}))
    q.setValue("run/speed", 30.0)
    q.setValue("files/recent", json.dumps(["/data/a.csv"]))
    q.setValue("files/last_folder", str(tmp_path))
    q.sync()
    prefs = store(tmp_path / "old.ini").load()
    assert prefs.version == SCHEMA_VERSION
    assert (prefs.algorithm.k, prefs.algorithm.seed, prefs.algorithm.learning_rate) == (
        9,
        None,
        None,
    )
    assert prefs.data.scale == "standard" and prefs.view.speed == 30.0
    assert prefs.recent == ["/data/a.csv"] and prefs.folder("tables") == str(tmp_path)


def test_wrong_values_fall_back_field_by_field() -> None:
    choices = from_dict(AlgorithmChoices, {"k": "many", "tol": 0.5, "seed": None, "n_init": True})
    assert choices == dataclasses.replace(AlgorithmChoices(), tol=0.5, seed=None)


def test_a_record_from_a_newer_version_is_not_misread(tmp_path) -> None:
    q = QSettings(str(tmp_path / "new.ini"), QSettings.Format.IniFormat)
    q.setValue("preferences", json.dumps({"version": SCHEMA_VERSION + 1, "algorithm": {"k": 99}}))
    q.sync()
    assert store(tmp_path / "new.ini").load() == Preferences()


def test_every_algorithm_setting_comes_back_on_the_next_launch(qtbot, make_window) -> None:
    first = make_window()
    panel = first.algorithm_panel
    chosen = AlgorithmChoices(
        k=7,
        algorithm="minibatch",
        metric="cosine",
        init="uniform",
        tol=0.002,
        max_iter=77,
        seed=None,
        n_init=3,
        device="cpu",
        learning_rate=0.25,
        optimizer="adam",
        batch_size=512,
        max_candidates=300,
    )
    panel.apply(chosen)
    assert panel.choices() == chosen
    first.close()
    second = make_window(restore=True)
    assert second.algorithm_panel.choices() == chosen


def test_the_sample_opened_at_launch_keeps_the_saved_k(qtbot, make_window) -> None:
    first = make_window()
    first.algorithm_panel.set_k(9)
    first.close()
    second = make_window(restore=True)
    with qtbot.waitSignal(second.dataReady, timeout=30_000):
        second.open_sample(at_launch=True)
    assert second.algorithm_panel.k() == 9  # the user's k, not the sample's
    load(qtbot, second, DEFAULT_SAMPLE.path)  # opened on purpose: the sample's own k
    assert second.algorithm_panel.k() == DEFAULT_SAMPLE.k
