"""`cluster --model-out` then `predict`: the same labels on the training table, the nearest
reported centroid on new rows, and one-line refusals of bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kmeans_gui import cli

FEATURES = ["a", "b", "c"]


@pytest.fixture(scope="module")
def tables(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """train.csv (four blobs far from the origin, an id, a text column, two missing cells)
    and new.csv (fresh rows with the columns in another order, one missing cell)."""
    folder = tmp_path_factory.mktemp("predict")
    rng = np.random.default_rng(5)
    centres = rng.normal(scale=6.0, size=(4, 3)) + np.array([300.0, -40.0, 2.0])

    def blobs(n: int) -> np.ndarray:
        return centres[rng.integers(0, 4, n)] + rng.normal(size=(n, 3))

    train = pd.DataFrame(blobs(400), columns=FEATURES)
    train.insert(0, "id", [f"t{i:04d}" for i in range(400)])
    train["note"] = rng.choice(["x", "y"], 400)
    train.loc[[7, 99], "b"] = np.nan
    train.to_csv(folder / "train.csv", index=False)
    new = pd.DataFrame(blobs(120) * rng.uniform(0.9, 1.1, size=(120, 3)), columns=FEATURES)
    new = new[["c", "a", "b"]].assign(tag="n")
    new.loc[5, "a"] = np.nan
    new.to_csv(folder / "new.csv", index=False)
    return folder / "train.csv", folder / "new.csv"


def run(argv: list[object], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def cluster(tables, tmp_path: Path, capsys, *options: object) -> tuple[dict, Path, pd.DataFrame]:
    train, _ = tables
    model, labelled = tmp_path / "model.json", tmp_path / "labelled.csv"
    argv = ["cluster", train, "-k", 4, "--seed", 1, "--model-out", model, "--out", labelled]
    code, out, err = run([*argv, *options, "--json", "-q"], capsys)
    assert code == 0, err
    return json.loads(out), model, pd.read_csv(labelled)


CASES = {
    "lloyd": [],
    "standard-mean": ["--scale", "standard", "--missing", "mean"],
    "minmax-cosine": ["--scale", "minmax", "--metric", "cosine"],
    "kmedoids-manhattan": ["--algorithm", "kmedoids", "--metric", "manhattan"],
    "minibatch": ["--algorithm", "minibatch", "--batch-size", "64", "--scale", "standard"],
}


@pytest.mark.parametrize("options", CASES.values(), ids=CASES.keys())
def test_predict_on_the_training_table_gives_clusters_labels(
    tables, tmp_path, capsys, options
) -> None:
    report, model, labelled = cluster(tables, tmp_path, capsys, *options)
    assert report["outputs"]["model"] == str(model)
    predicted = tmp_path / "predicted.csv"
    code, out, err = run(["predict", model, tables[0], "--out", predicted], capsys)
    assert code == 0, err
    again = pd.read_csv(predicted)
    pd.testing.assert_frame_equal(again, labelled)  # every row, column, label and distance
    assert f"wrote labelled to {predicted}" in out


def test_new_rows_go_to_the_nearest_reported_centroid_in_float64(tables, tmp_path, capsys):
    report, model, _ = cluster(tables, tmp_path, capsys, "--scale", "standard")
    train, new = tables
    out_path = tmp_path / "new-labelled.parquet"
    code, out, err = run(["predict", model, new, "--out", out_path, "--json"], capsys)
    assert code == 0, err
    summary = json.loads(out)
    labelled = pd.read_parquet(out_path)
    source = pd.read_csv(new)
    assert list(labelled.columns) == [*source.columns, "cluster", "distance"]
    pd.testing.assert_frame_equal(labelled[source.columns], source)

    # the reference: z-scores from the training rows used (population std), the centroids
    # as cluster reported them, and the textbook distance
    fitted = pd.read_csv(train)[FEATURES].dropna().to_numpy()
    mean, std = fitted.mean(axis=0), fitted.std(axis=0)
    rows = source[FEATURES].to_numpy()
    scaled = (rows - mean) / std
    centres = (np.array(report["centroids"]) - mean) / std
    distance = np.sqrt(((scaled[:, None, :] - centres[None]) ** 2).sum(axis=2))
    complete = np.isfinite(rows).all(axis=1)
    assert labelled["cluster"].isna().tolist() == (~complete).tolist()
    np.testing.assert_array_equal(labelled["cluster"][complete], distance[complete].argmin(axis=1))
    np.testing.assert_allclose(
        labelled["distance"][complete], distance[complete].min(axis=1), rtol=1e-12
    )
    assert summary["rows"] == 120 and summary["rows_assigned"] == 119
    assert summary["sizes"] == np.bincount(distance[complete].argmin(axis=1), minlength=4).tolist()
    assert "1 of 120 rows get an empty cluster" in err


def test_the_mean_policy_fills_new_gaps_with_the_training_means(tables, tmp_path, capsys):
    _, model, _ = cluster(tables, tmp_path, capsys, "--missing", "mean")
    fill = json.loads(model.read_text())["missing"]["fill"]
    new = tmp_path / "gap.csv"
    pd.DataFrame({"a": [np.nan], "b": [np.nan], "c": [np.nan]}).to_csv(new, index=False)
    out = tmp_path / "gap-labelled.csv"
    assert run(["predict", model, new, "--out", out, "-q"], capsys)[0] == 0
    centres = np.array(json.loads(model.read_text())["centroids"])
    expected = np.linalg.norm(centres - fill, axis=1)
    row = pd.read_csv(out).iloc[0]
    assert row["cluster"] == expected.argmin()
    assert row["distance"] == pytest.approx(expected.min(), rel=1e-12)


@pytest.fixture(scope="module")
def model_file(tables, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("model")
    model = folder / "model.json"
    code = cli.main(["cluster", str(tables[0]), "-k", "3", "--model-out", str(model), "-q"])
    assert code == 0
    return model


def _variant(model_file: Path, folder: Path, change) -> Path:
    record = json.loads(model_file.read_text())
    change(record)
    path = folder / "variant.json"
    path.write_text(json.dumps(record))
    return path


BAD = {
    "column-missing": (
        lambda m, f: (m, _table(f, {"a": [1.0], "c": [2.0]})),
        "error: bad.csv has no column 'b', which the model needs (its features: a, b, c).",
    ),
    "text-cell": (
        lambda m, f: (m, _table(f, {"a": [1.0, 2.0], "b": [1.0, "n/a?"], "c": [1.0, 2.0]})),
        "error: In bad.csv, the feature column 'b' holds text, not numbers (row 2 is 'n/a?'); "
        "the model needs numbers there.",
    ),
    "not-json": (
        lambda m, f: (_text(f, "model.json", '{"format": "kmeans-gui model",\n  "version": 1'), m),
        "error: model.json is not valid JSON (line 2, column 15: Expecting ',' delimiter).",
    ),
    "schema": (
        lambda m, f: (_variant(m, f, lambda r: r.pop("scaling")), m),
        "error: variant.json is not a valid kmeans-gui model file: 'scaling' is missing.",
    ),
    "newer-version": (
        lambda m, f: (_variant(m, f, lambda r: r.update(version=99)), m),
        "error: variant.json is a version-99 model file, newer than this kmeans-gui reads "
        "(up to version 1); upgrade kmeans-gui to read it.",
    ),
    "no-model": (
        lambda m, f: (f / "absent.json", m),
        "error: No such file:",
    ),
}


def _table(folder: Path, columns: dict) -> Path:
    path = folder / "bad.csv"
    pd.DataFrame(columns).to_csv(path, index=False)
    return path


def _text(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text)
    return path


@pytest.mark.parametrize(("make", "message"), BAD.values(), ids=BAD.keys())
def test_bad_input_is_one_line_exit_2_and_no_output(
    model_file, tmp_path, capsys, make, message
) -> None:
    model, table = make(model_file, tmp_path)
    out = tmp_path / "out.csv"
    code, stdout, err = run(["predict", model, table, "--out", out], capsys)
    assert code == 2
    assert stdout == ""
    assert err.startswith(message) and err.count("\n") == 1, err
    assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if "partial" in p.name]


def test_out_may_not_replace_the_model_or_the_input(model_file, tables, capsys) -> None:
    code, _, err = run(["predict", model_file, tables[1], "--out", model_file], capsys)
    assert code == 2 and "--out names the model file model.json" in err
    code, _, err = run(["predict", model_file, tables[1], "--out", tables[1]], capsys)
    assert code == 2 and "is the input file" in err


def test_model_out_is_checked_before_the_fit(tables, tmp_path, capsys) -> None:
    train, _ = tables
    code, _, err = run(["cluster", train, "-k", 2, "--model-out", tmp_path / "m.csv"], capsys)
    assert code == 2 and "End the model file's name with .json" in err
    same = tmp_path / "same.json"
    code, _, err = run(["cluster", train, "-k", 2, "--out", same, "--model-out", same], capsys)
    assert code == 2 and "--model-out names the same file as another output" in err
    assert not same.exists()


def test_predict_without_out_prints_a_summary_and_needs_no_tensorflow(model_file, tables):
    code = (
        "import sys; from kmeans_gui import cli; "
        f"status = cli.main(['predict', {str(model_file)!r}, {str(tables[1])!r}]); "
        "print(status, 'tensorflow' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    lines = result.stdout.splitlines()
    assert lines[-1] == "0 False", result.stderr
    assert (
        lines[0] == "new.csv: 119 of 120 rows assigned to the 3 clusters of model.json; 1 left out"
    )
    assert (
        lines[1] == "model: lloyd, euclidean metric, scaling none, fitted on train.csv (398 rows)"
    )
    assert lines[2].startswith("cluster sizes: ")
    assert lines[3] == "add --out LABELLED.csv to write every row with its cluster"


def test_help_names_predict_and_its_arguments(capsys) -> None:
    code, out, _ = run(["--help"], capsys)
    assert code == 0 and "kmeans-gui predict MODEL.json FILE" in out
    code, out, _ = run(["predict", "--help"], capsys)
    assert code == 0
    for word in ("MODEL.json", "FILE", "--out", "--json", "--quiet", "--overwrite-input"):
        assert word in out
    code, out, _ = run(["cluster", "--help"], capsys)
    assert "--model-out MODEL.json" in out
