"""Session files: round trip, relative data paths, a data file that moved or changed, and the
mapping of run parameters to the engine's keywords (no engine here)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kmeans_gui.data import (
    DataError,
    FeatureSpec,
    RunResult,
    RunSpec,
    Session,
    data_changed,
    data_source,
    is_session_file,
    locate_data,
    prepare_features,
    read_session,
    write_session,
)


@pytest.fixture
def data_file(tmp_path: Path) -> Path:
    path = tmp_path / "project" / "points.csv"
    path.parent.mkdir()
    pd.DataFrame({"x": [1.0, 2.0, 3.0, 8.0], "y": [0.5, 0.0, 4.0, 3.0]}).to_csv(path, index=False)
    return path


def session(data: Path, **run) -> Session:
    return Session(
        data=data_source(data, n_rows=4),
        features=FeatureSpec(("x", "y"), missing="mean", scale="minmax", weight_column=None),
        run=RunSpec(
            k=2,
            algorithm="minibatch",
            init=np.array([[1.0, 0.5], [8.0, 3.0]]),
            tol=0.0,
            max_iter=50,
            seed=3,
            n_init=1,
            device="cpu",
            params={"batch_size": 2, "max_no_improvement": 4},
            **run,
        ),
        result=RunResult(
            centroids=np.array([[2.0, 1.5], [8.0, 3.0]]),
            inertia=0.1 + 0.2,
            n_iter=5,
            converged=False,
            device="/device:CPU:0",
            history=(3.0, 1.0, 0.30000000000000004),
        ),
        view={"plot": "pca"},
    )


def test_a_session_reads_back_as_it_was_saved(data_file: Path) -> None:
    original = session(data_file)
    path = write_session(original, data_file.parent / "run.json")
    again = read_session(path)
    assert again.data.path == data_file
    assert again.data.sha256 == original.data.sha256 and len(again.data.sha256) == 64
    assert again.data.n_rows == 4
    assert again.features == original.features
    for name in ("k", "algorithm", "metric", "tol", "max_iter", "seed", "n_init", "device"):
        assert getattr(again.run, name) == getattr(original.run, name)
    assert dict(again.run.params) == {"batch_size": 2, "max_no_improvement": 4}
    np.testing.assert_array_equal(again.run.init, original.run.init)
    np.testing.assert_array_equal(again.result.centroids, original.result.centroids)
    assert again.result.inertia == original.result.inertia  # exact: floats as repr
    assert again.result.history == original.result.history  # as long, and equal
    assert (again.result.n_iter, again.result.converged) == (5, False)
    assert dict(again.view) == {"plot": "pca"}
    assert again.location == path


def test_the_data_path_is_relative_beside_the_session_and_absolute_elsewhere(
    data_file: Path, tmp_path: Path
) -> None:
    beside = json.loads(write_session(session(data_file), data_file.parent / "s.json").read_text())
    assert beside["data"]["path"] == "points.csv"
    above = json.loads(write_session(session(data_file), tmp_path / "s.json").read_text())
    assert above["data"]["path"] == "project/points.csv"
    elsewhere = tmp_path / "other"
    elsewhere.mkdir()
    away = json.loads(write_session(session(data_file), elsewhere / "s.json").read_text())
    assert away["data"]["path"] == str(data_file)


def test_a_folder_moved_whole_still_finds_its_data(data_file: Path, tmp_path: Path) -> None:
    write_session(session(data_file), data_file.parent / "s.json")
    moved = shutil.move(data_file.parent, tmp_path / "renamed")
    again = read_session(Path(moved) / "s.json")
    location = locate_data(again)
    assert location.path == Path(moved) / "points.csv" and location.note == ""
    assert data_changed(again, location.path) == ""


def test_a_session_moved_alone_falls_back_to_where_the_data_was(
    data_file: Path, tmp_path: Path
) -> None:
    path = write_session(session(data_file), data_file.parent / "s.json")
    alone = tmp_path / "elsewhere.json"
    shutil.move(path, alone)
    location = locate_data(read_session(alone))
    assert location.path == data_file
    assert location.note.startswith(f"The data file points.csv is not at {tmp_path}/points.csv")
    assert "where it was when the session was saved" in location.note


def test_data_that_moved_away_or_changed_is_reported(data_file: Path, tmp_path: Path) -> None:
    path = write_session(session(data_file), tmp_path / "s.json")
    data_file.write_text(data_file.read_text() + "9,9\n")
    assert data_changed(read_session(path)) == (
        "points.csv has changed since the session was saved (its contents differ); "
        "the run may not reproduce the saved result."
    )
    data_file.unlink()
    location = locate_data(read_session(path))
    assert location.path is None
    assert "it has moved or been deleted: choose where it is now" in location.note
    found = tmp_path / "found.csv"
    found.write_text("x,y\n1,2\n")
    assert read_session(path).with_data_path(found).data.path == found


def test_run_parameters_map_to_the_engine_keywords(data_file: Path) -> None:
    frame = pd.read_csv(data_file)
    features = prepare_features(frame, ["x", "y"], scale="minmax")
    run = session(data_file).run
    kwargs = run.engine_kwargs(features)
    assert kwargs == {
        "algorithm": "minibatch",
        "init": pytest.approx(features.to_fit_units(run.init)),
        "n_init": 1,
        "tol": 0.0,
        "max_iter": 50,
        "seed": 3,
        "device": "cpu",
        "metric": "euclidean",
        "batch_size": 2,
        "max_no_improvement": 4,
    }
    np.testing.assert_array_equal(kwargs["init"], [[0.0, 0.125], [1.0, 0.75]])
    # what the window's RunParameters.engine_kwargs() gives, plus the weights it adds
    back = RunSpec.from_engine_kwargs(2, {**kwargs, "sample_weight": np.ones(4)}, features)
    np.testing.assert_allclose(back.init, run.init, rtol=1e-15)
    assert dict(back.params) == dict(run.params)
    assert back.engine_kwargs(features).keys() == kwargs.keys()
    named = RunSpec.from_engine_kwargs(3, {"algorithm": "lloyd", "seed": None})
    assert (named.k, named.init, named.engine_kwargs()["init"]) == (3, "k-means++", "k-means++")


def test_session_files_are_told_from_tables_and_models(data_file: Path, tmp_path: Path) -> None:
    path = write_session(session(data_file), tmp_path / "s.json")
    assert is_session_file(path)
    table = tmp_path / "table.json"
    table.write_text('[{"format": "kmeans-gui session"}]')
    assert not is_session_file(table)
    model = tmp_path / "m.json"
    model.write_text('{"format": "kmeans-gui model", "version": 1}')
    assert not is_session_file(model)
    assert not is_session_file(tmp_path / "absent.json")
    with pytest.raises(
        DataError, match=r"m\.json is a kmeans-gui model file, not a session; use it"
    ):
        read_session(model)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda r: r["run"].update(algorithm="dbscan"), "'run.algorithm' is \"dbscan\", not one"),
        (lambda r: r["run"].update(init="kmeans++"), "'run.init' is \"kmeans++\", not one of"),
        (lambda r: r["run"].update(init=[[1.0, 2.0]]), "'run.init' must be 2 lists of 2"),
        (lambda r: r["run"]["params"].update(optimizer="adam"), "'run.params.optimizer' is not"),
        (lambda r: r["features"].update(scale="log"), "'features.scale' is \"log\", not one"),
        (lambda r: r["result"].update(centroids=[[1.0]]), "'result.centroids[0]' must be a list"),
        (lambda r: r["data"].pop("sha256"), "'data.sha256' is missing"),
        (lambda r: r.update(version=2), "s.json is a version-2 session file, newer than"),
    ],
    ids=["algorithm", "init-name", "init-rows", "param", "scale", "centroids", "sha", "version"],
)
def test_a_broken_session_says_what_is_wrong(data_file: Path, tmp_path: Path, change, message):
    path = write_session(session(data_file), tmp_path / "s.json")
    record = json.loads(path.read_text())
    change(record)
    path.write_text(json.dumps(record))
    with pytest.raises(DataError) as caught:
        read_session(path)
    assert message in str(caught.value)
