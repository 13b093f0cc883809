"""A session's run, reproduced: re-running a saved session gives the saved result, and the
generated Python script, run as a program, gives the labels of a direct fit."""

from __future__ import annotations

import contextlib
import io
import json
import runpy
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kmeans_gui.data import (
    FeatureSpec,
    RunResult,
    RunSpec,
    Session,
    data_source,
    final_centroids,
    load_table,
    prepare_features,
    read_session,
    reproduction_script,
    write_session,
)
from kmeans_gui.engine import KMeans


@pytest.fixture(scope="module")
def data_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    rng = np.random.default_rng(11)
    centres = np.array([[0.0, 0.0, 50.0], [6.0, 1.0, 40.0], [2.0, 7.0, 60.0], [8.0, 8.0, 45.0]])
    X = centres[rng.integers(0, 4, 600)] + rng.normal(scale=[1.0, 1.0, 5.0], size=(600, 3))
    frame = pd.DataFrame(X, columns=["u", "v", "w"])
    frame.insert(0, "name", [f"p{i}" for i in range(600)])
    frame["weight"] = rng.integers(1, 4, 600).astype(float)
    frame.loc[17, "v"] = np.nan
    path = tmp_path_factory.mktemp("reproduce") / "points with space.csv"
    frame.to_csv(path, index=False)
    return path


CASES = {
    "kmeans++": (
        FeatureSpec(("u", "v", "w"), missing="drop", scale="standard"),
        RunSpec(k=4, init="k-means++", n_init=2, seed=5, device="cpu"),
    ),
    "placed-weighted-minibatch": (
        FeatureSpec(("w", "u"), missing="mean", scale="minmax", weight_column="weight"),
        RunSpec(
            k=3,
            algorithm="minibatch",
            init=np.array([[50.0, 0.0], [40.0, 6.0], [60.0, 2.0]]),
            tol=0.0,
            max_iter=40,
            seed=2,
            device="cpu",
            params={"batch_size": 128},
        ),
    ),
    "cosine-gradient": (
        FeatureSpec(("u", "v"), scale="none"),
        RunSpec(
            k=3,
            algorithm="gradient",
            metric="cosine",
            seed=0,
            device="cpu",
            params={"optimizer": "adam", "learning_rate": 0.1},
        ),
    ),
}


def fit(data_file: Path, spec: FeatureSpec, run: RunSpec):
    table = load_table(data_file)
    features = prepare_features(table.frame, list(spec.columns), **spec.prepare_kwargs())
    model = KMeans(run.k, **run.engine_kwargs(features)).fit(features.X, features.weights)
    centroids = final_centroids(
        features,
        model.labels_,
        model.cluster_centers_,
        algorithm=run.algorithm,
        metric=run.metric,
        frame=table.frame,
    )
    return model, centroids


@pytest.fixture(scope="module")
def script_results(data_file, tmp_path_factory) -> dict[str, dict[str, np.ndarray]]:
    """Every case's script, each written to a file and run as a program (``runpy`` with
    ``__main__``, as ``python script.py`` would: fresh globals, nothing of this module's); the
    labels and centroids it left. In this process, whose TensorFlow is already loaded: that a
    script also runs in a fresh interpreter is checked with the window's script
    (tests/app/test_session_files.py, test_copy_as_python_reproduces_the_windows_labels)."""
    folder = tmp_path_factory.mktemp("scripts")
    results = {}
    for name, (spec, run) in CASES.items():
        path = folder / f"{name}.py"
        session = Session(data=data_source(data_file), features=spec, run=run)
        path.write_text(reproduction_script(session))
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            names = runpy.run_path(str(path), run_name="__main__")
        assert printed.getvalue().count("inertia ") == 1
        results[name] = {"labels": names["model"].labels_, "centroids": names["centroids"]}
    return results


@pytest.mark.parametrize(("spec", "run"), CASES.values(), ids=CASES.keys())
def test_the_generated_script_runs_and_gives_the_same_labels(
    data_file, script_results, request, spec, run
) -> None:
    session = Session(data=data_source(data_file), features=spec, run=run)
    script = reproduction_script(session)
    assert "from kmeans_gui.engine import KMeans" in script
    assert len(script.splitlines()) < 50  # short enough to read
    saved = script_results[request.node.callspec.id]
    direct, centroids = fit(data_file, spec, run)
    np.testing.assert_array_equal(saved["labels"], direct.labels_)
    np.testing.assert_array_equal(saved["centroids"], centroids)


def test_a_reopened_session_re_runs_to_the_saved_result(data_file, tmp_path) -> None:
    spec, run = CASES["placed-weighted-minibatch"]
    model, centroids = fit(data_file, spec, run)
    saved = Session(
        data=data_source(data_file),
        features=spec,
        run=run,
        result=RunResult(centroids, model.inertia_, model.n_iter_, model.converged_, model.device_),
    )
    reopened = read_session(write_session(saved, tmp_path / "run.json"))
    again, again_centroids = fit(reopened.data.path, reopened.features, reopened.run)
    np.testing.assert_array_equal(again_centroids, reopened.result.centroids)
    assert again.inertia_ == reopened.result.inertia
    assert again.n_iter_ == reopened.result.n_iter


def test_many_initial_centroids_are_written_one_per_line(data_file) -> None:
    init = np.arange(30.0).reshape(10, 3)
    run = RunSpec(k=10, init=init, seed=1)
    session = Session(data=data_source(data_file), features=CASES["kmeans++"][0], run=run)
    script = reproduction_script(session)
    compile(script, "reproduce.py", "exec")  # valid Python
    assert "            [27.0, 28.0, 29.0],\n" in script
    assert f"load_table({json.dumps(str(data_file))})" in script
