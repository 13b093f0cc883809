"""Model files: build, write, read back, refuse what is broken, and read new rows in the
model's terms (no engine here: the centroids are given)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from kmeans_gui.data import (
    MODEL_VERSION,
    ClusterModel,
    DataError,
    FitSummary,
    Scaler,
    build_model,
    check_model_path,
    model_features,
    one_hot_feature,
    prepare_features,
    read_model,
    write_model,
)
from kmeans_gui.data.model_file import model_record


def training() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame(
        {
            "id": [f"r{i}" for i in range(40)],
            "x": rng.normal(10.0, 3.0, 40),
            "y": rng.normal(-5.0, 0.5, 40),
        }
    ).assign(x=lambda f: f.x.mask(f.index == 3))  # one missing cell


def summary(k: int = 2) -> FitSummary:
    return FitSummary(
        inertia=12.5,
        n_iter=4,
        converged=True,
        seed=7,
        device="/device:CPU:0",
        n_rows=40,
        n_used=40,
        sizes=tuple([20] * k),
        source_name="train.csv",
        source_sha256="ab" * 32,
    )


def model(scale: str = "standard", missing: str = "mean", **kwargs: Any) -> ClusterModel:
    features = prepare_features(training(), ["x", "y"], scale=scale, missing=missing)
    centroids = np.array([[8.0, -5.2], [12.5, -4.75]])
    return build_model(
        features, centroids, metric="euclidean", algorithm="lloyd", fit=summary(), **kwargs
    )


@pytest.mark.parametrize("scale", ["none", "standard", "minmax"])
@pytest.mark.parametrize("missing", ["drop", "mean"])
def test_a_model_reads_back_exactly_as_written(tmp_path: Path, scale: str, missing: str) -> None:
    original = model(scale, missing)
    path = write_model(original, tmp_path / "model.json")
    again = read_model(path)
    assert again.features == ("x", "y")
    np.testing.assert_array_equal(again.centroids, original.centroids)
    assert again.scaler.kind == scale
    np.testing.assert_array_equal(again.scaler.offset, original.scaler.offset)
    np.testing.assert_array_equal(again.scaler.scale, original.scaler.scale)
    assert again.missing == missing
    if missing == "mean":
        observed = training()[["x", "y"]].mean().to_numpy()  # NaN skipped, as when fitting
        np.testing.assert_allclose(again.fill_values, observed, rtol=1e-15)
    else:
        assert again.fill_values is None
    assert again.fit == original.fit
    assert (again.metric, again.algorithm, again.k) == ("euclidean", "lloyd", 2)
    assert again.software.startswith("kmeans-gui ") and again.created
    record = json.loads(path.read_text())
    assert list(record)[:2] == ["format", "version"]
    assert record["version"] == MODEL_VERSION
    assert "one_hot" not in record  # optional: only when used


def test_the_file_is_readable_json_one_centroid_per_line(tmp_path: Path) -> None:
    text = write_model(model(), tmp_path / "m.json").read_text()
    centroid_lines = [line.strip() for line in text.splitlines() if line.strip().startswith("[8")]
    assert centroid_lines == ["[8.0, -5.2],"]


def test_one_hot_categories_round_trip_and_encode_new_rows(tmp_path: Path) -> None:
    categories = ("red", "blue")
    names = ("x", one_hot_feature("colour", "red"), one_hot_feature("colour", "blue"))
    base = ClusterModel(
        features=names,
        centroids=np.array([[0.0, 1.0, 0.0], [10.0, 0.0, 1.0]]),
        scaler=Scaler("none", np.zeros(3), np.ones(3)),
        metric="euclidean",
        algorithm="lloyd",
        fit=summary(),
        one_hot={"colour": categories},
    )
    again = read_model(write_model(base, tmp_path / "m.json"))
    assert dict(again.one_hot) == {"colour": categories}
    assert again.input_columns() == ["x", "colour"]
    frame = pd.DataFrame({"colour": ["blue", "red", None, "green"], "x": [1.0, 2.0, 3.0, 4.0]})
    features, notes = model_features(again, frame, "new.csv")
    assert features.row_mask.tolist() == [True, True, False, False]
    np.testing.assert_array_equal(features.X, [[1.0, 0.0, 1.0], [2.0, 1.0, 0.0]])
    assert "1 with a category the model was not fitted on" in notes[0]


def test_new_rows_are_scaled_with_the_training_parameters() -> None:
    trained = model("standard", "drop")
    frame = pd.DataFrame({"y": [-5.0, np.nan], "extra": ["a", "b"], "x": [10.0, 1.0]})
    features, notes = model_features(trained, frame, "new.csv")
    assert features.row_mask.tolist() == [True, False]
    expected = (np.array([[10.0, -5.0]]) - trained.scaler.offset) / trained.scaler.scale
    np.testing.assert_array_equal(features.X, expected)
    assert notes == [
        "1 of 2 rows get an empty cluster: 1 with a missing or non-finite feature value "
        "(missing cells per column: 'y' 1)."
    ]


def test_with_the_mean_policy_missing_cells_get_the_training_means() -> None:
    trained = model("none", "mean")
    frame = pd.DataFrame({"x": [np.nan, 2.0], "y": [np.inf, np.nan]})
    features, notes = model_features(trained, frame, "new.csv")
    assert features.row_mask.all()
    np.testing.assert_array_equal(features.X[0], trained.fill_values)
    assert features.X[1, 0] == 2.0 and features.X[1, 1] == trained.fill_values[1]
    assert "3 missing or non-finite cells were filled with the training means" in notes[0]


def test_cosine_rows_with_no_direction_are_left_out() -> None:
    features = prepare_features(training(), ["x", "y"])
    trained = build_model(
        features, np.array([[1.0, 0.0], [0.0, 1.0]]), metric="cosine", algorithm="lloyd",
        fit=summary(),
    )  # fmt: skip
    frame = pd.DataFrame({"x": [0.0, 1.0], "y": [0.0, 1.0]})
    prepared, notes = model_features(trained, frame, "new.csv")
    assert prepared.row_mask.tolist() == [False, True]
    assert "no direction for the cosine metric" in notes[0]


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        (
            pd.DataFrame({"x": [1.0]}),
            "new.csv has no column 'y', which the model needs (its features: x, y).",
        ),
        (pd.DataFrame({"z": [1.0]}), "new.csv has no columns 'x', 'y', which the model needs"),
        (
            pd.DataFrame({"x": [1.0, "seven"], "y": [1.0, 2.0]}),
            "In new.csv, the feature column 'x' holds text, not numbers (row 2 is 'seven'); "
            "the model needs numbers there.",
        ),
        (
            pd.DataFrame({"x": pd.to_datetime(["2020-01-01"]), "y": [1.0]}),
            "In new.csv, the feature column 'x' holds dates or times, not numbers.",
        ),
    ],
    ids=["one-column-missing", "two-missing", "text", "dates"],
)
def test_new_tables_the_model_cannot_read(frame: pd.DataFrame, message: str) -> None:
    with pytest.raises(DataError) as caught:
        model_features(model(), frame, "new.csv")
    assert str(caught.value).startswith(message)


def _broken(change) -> dict[str, Any]:
    record = json.loads(json.dumps(model_record(model())))
    change(record)
    return record


def _drop(key: str):
    return lambda r: r.pop(key)


def _set(path: str, value: Any):
    def change(record: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        for key in parents:
            record = record[key]
        record[last] = value

    return change


BROKEN = {
    "no-features": (_drop("features"), "'features' is missing"),
    "features-not-texts": (_set("features", ["x", 3]), "'features' must hold texts only, not 3"),
    "repeated-feature": (_set("features", ["x", "x"]), "'features' names 'x' more than once"),
    "short-centroid": (
        _set("centroids", [[1.0, 2.0], [3.0]]),
        "'centroids[1]' must be a list of 2 numbers (one per feature), not 1",
    ),
    "text-centroid": (
        _set("centroids", [[1.0, "a"]]),
        "'centroids[0]' must hold numbers only, not \"a\"",
    ),
    "zero-scale": (_set("scaling.scale", [1.0, 0.0]), "'scaling.scale' must hold positive"),
    "unknown-scaling": (_set("scaling.kind", "log"), "'scaling.kind' is \"log\", not one of"),
    "mean-without-fill": (
        lambda r: r["missing"].pop("fill"),
        "'missing.fill' is missing",
    ),
    "metric-of-another-algorithm": (
        _set("metric", "manhattan"),
        "'metric' is \"manhattan\", not one of euclidean, cosine",
    ),
    "k-disagrees": (_set("fit.k", 5), "'fit.k' is 5 but there are 2 centroids"),
    "bad-sizes": (_set("fit.sizes", [1]), "'fit.sizes' must be a list of 2 whole numbers"),
    "no-source": (lambda r: r["fit"].pop("source"), "'fit.source' is missing"),
    "one-hot-without-feature": (
        _set("one_hot", {"colour": ["red"]}),
        "'one_hot.colour' lists 'red' but there is no feature 'colour=red'",
    ),
}


@pytest.mark.parametrize(("change", "message"), BROKEN.values(), ids=BROKEN.keys())
def test_a_model_failing_the_schema_says_what_is_wrong(
    tmp_path: Path, change, message: str
) -> None:
    path = tmp_path / "model.json"
    path.write_text(json.dumps(_broken(change)))
    with pytest.raises(DataError) as caught:
        read_model(path)
    text = str(caught.value)
    assert text.startswith("model.json is not a valid kmeans-gui model file: ")
    assert message in text


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"format": "kmeans-gui model", "version": 1,', "model.json is not valid JSON (line 1"),
        ("[1, 2]", "model.json is not a kmeans-gui model file: it holds no JSON object."),
        ('{"format": "x"}', "its 'format' is \"x\", not 'kmeans-gui model'"),
        ('{"version": 1}', "its 'format' is missing"),
        ('{"format": "kmeans-gui model"}', "its 'version' is missing"),
        ('{"format": "kmeans-gui model", "version": 1, "x": NaN}', "NaN is not a JSON value"),
        (
            json.dumps({"format": "kmeans-gui model", "version": MODEL_VERSION + 1}),
            f"model.json is a version-{MODEL_VERSION + 1} model file, newer than this "
            f"kmeans-gui reads (up to version {MODEL_VERSION}); upgrade kmeans-gui",
        ),
        (
            json.dumps({"format": "kmeans-gui session", "version": 1}),
            "model.json is a kmeans-gui session file, not a model",
        ),
    ],
    ids=[
        "truncated",
        "array",
        "other-format",
        "no-format",
        "no-version",
        "nan",
        "newer",
        "session",
    ],
)
def test_files_that_are_not_models(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "model.json"
    path.write_text(content)
    with pytest.raises(DataError) as caught:
        read_model(path)
    assert message in str(caught.value)


def test_model_names_must_end_in_json_and_writes_replace_whole_files(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"End the model file's name with \.json"):
        check_model_path(tmp_path / "model.txt")
    target = tmp_path / "m.json"
    target.write_text("old")
    broken = model()
    object.__setattr__(broken, "centroids", np.array([[np.nan, 1.0], [1.0, 1.0]]))
    with pytest.raises(ValueError, match="cannot write nan"):
        write_model(broken, target)
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["m.json"]  # no temporary left behind
