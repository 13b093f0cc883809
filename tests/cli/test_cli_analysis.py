"""`cluster` scores, --silhouette, --profile-out, --compare-to, --one-hot and the warnings about
features, end to end, against scikit-learn and pandas."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_iris
from sklearn.metrics import (
    adjusted_rand_score,
    calinski_harabasz_score,
    davies_bouldin_score,
    normalized_mutual_info_score,
    silhouette_samples,
    silhouette_score,
)

from kmeans_gui import cli

FEATURES = ["sepal_length", "sepal_width", "petal_length", "petal_width"]
RTOL = 1e-9


@pytest.fixture(scope="module")
def iris_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = load_iris()
    frame = pd.DataFrame(data.data, columns=FEATURES)
    frame["species"] = data.target_names[data.target]
    frame.loc[7, "petal_width"] = np.nan  # one row left out of the fit
    path = tmp_path_factory.mktemp("iris") / "iris.csv"
    frame.to_csv(path, index=False)
    return path


def run(argv: list[object], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def used(path: Path) -> pd.DataFrame:
    return pd.read_csv(path).dropna(subset=FEATURES)


@pytest.mark.parametrize("scale", ["none", "standard"])
def test_scores_and_silhouette_column_equal_sklearn(iris_csv, tmp_path, capsys, scale) -> None:
    out = tmp_path / "labelled.csv"
    argv = ["cluster", iris_csv, "-k", 3, "--seed", 0, "--scale", scale, "--json", "-q"]
    code, stdout, err = run([*argv, "--silhouette", "--out", out], capsys)
    assert code == 0, err
    report = json.loads(stdout)
    labelled = pd.read_csv(out)
    assert list(labelled.columns)[-3:] == ["cluster", "distance", "silhouette"]
    assert labelled["silhouette"].isna().tolist() == labelled["cluster"].isna().tolist()
    rows = used(iris_csv)[FEATURES].to_numpy()
    X = (rows - rows.mean(0)) / rows.std(0) if scale == "standard" else rows
    labels = labelled["cluster"].dropna().to_numpy(int)
    np.testing.assert_allclose(
        labelled["silhouette"].dropna(), silhouette_samples(X, labels), rtol=1e-9, atol=1e-12
    )
    scores = report["scores"]
    assert set(scores) == {"silhouette", "calinski_harabasz", "davies_bouldin"}
    assert scores["silhouette"] == pytest.approx(silhouette_score(X, labels), rel=RTOL)
    assert scores["calinski_harabasz"] == pytest.approx(
        calinski_harabasz_score(X, labels), rel=RTOL
    )
    assert scores["davies_bouldin"] == pytest.approx(davies_bouldin_score(X, labels), rel=RTOL)
    # the same scores without --silhouette (exact: fewer than 20,000 rows), and in the summary
    code, stdout, _ = run(argv, capsys)
    assert json.loads(stdout)["scores"]["silhouette"] == pytest.approx(scores["silhouette"])
    code, stdout, _ = run([a for a in argv if a != "--json"], capsys)
    assert f"scores: silhouette {scores['silhouette']:.4f}, Calinski-Harabasz" in stdout


def test_mean_silhouette_is_sampled_beyond_20000_rows(tmp_path, capsys) -> None:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.normal(size=(20_500, 2)) + rng.integers(0, 3, (20_500, 1)) * 6)
    frame.columns = ["x", "y"]
    path = tmp_path / "big.csv"
    frame.to_csv(path, index=False)
    code, stdout, err = run(["cluster", path, "-k", 3, "--seed", 1, "--json", "-q"], capsys)
    assert code == 0, err
    scores = json.loads(stdout)["scores"]
    assert scores["silhouette_sample"] == 20_000
    code, stdout, _ = run(["cluster", path, "-k", 3, "--seed", 1, "-q"], capsys)
    assert "(on a seeded sample of 20,000 of 20,500 rows)" in stdout


def test_profile_out_equals_pandas_groupby(iris_csv, tmp_path, capsys) -> None:
    out, profile = tmp_path / "labelled.csv", tmp_path / "profile.csv"
    argv = ["cluster", iris_csv, "-k", 3, "--seed", 0, "-q", "--out", out, "--profile-out", profile]
    code, stdout, err = run(argv, capsys)
    assert code == 0, err
    assert f"wrote profile to {profile}" in stdout
    got = pd.read_csv(profile)
    assert list(got.columns[:3]) == ["cluster", "size", "share"]
    assert list(got.columns[3:6]) == [f"{s}(sepal_length)" for s in ("mean", "std", "median")]
    labelled = pd.read_csv(out).dropna(subset=["cluster"])
    grouped = labelled.groupby("cluster")[FEATURES]
    for statistic in ("mean", "std", "median"):
        expected = getattr(grouped, statistic)()
        for name in FEATURES:
            np.testing.assert_allclose(got[f"{statistic}({name})"], expected[name], rtol=1e-12)
    assert got["size"].sum() == 149


def test_outputs_of_one_name_are_refused_before_any_work(iris_csv, tmp_path, capsys) -> None:
    same = tmp_path / "same.csv"
    code, stdout, err = run(
        ["cluster", iris_csv, "-k", 3, "--centroids-out", same, "--profile-out", same], capsys
    )
    assert code == 2 and stdout == ""
    last = err.splitlines()[-1]
    assert (
        last
        == "error: --centroids-out and --profile-out name the same file; give each its own name."
    )


def test_compare_to_prints_ari_nmi_and_the_table(iris_csv, capsys) -> None:
    argv = ["cluster", iris_csv, "-k", 3, "--seed", 0, "-q", "--compare-to", "species"]
    code, stdout, err = run([*argv, "--json"], capsys)
    assert code == 0, err
    compare = json.loads(stdout)["compare"]
    assert compare["column"] == "species" and compare["rows"] == 149
    table = np.array(compare["contingency"]["counts"])
    assert compare["contingency"]["classes"] == ["setosa", "versicolor", "virginica"]
    assert table.shape == (3, 3) and table.sum() == 149
    labels = np.repeat(np.arange(3), table.sum(axis=1))  # the rows the table counts
    truth = np.concatenate([np.repeat(np.arange(3), row) for row in table])
    assert compare["ari"] == pytest.approx(adjusted_rand_score(truth, labels), rel=RTOL)
    assert compare["nmi"] == pytest.approx(normalized_mutual_info_score(truth, labels), rel=RTOL)
    code, stdout, _ = run(argv, capsys)
    assert (
        f"compared with 'species' on 149 rows: adjusted Rand index {compare['ari']:.4f}" in stdout
    )
    assert "cluster  setosa  versicolor  virginica" in stdout


def test_unknown_compare_column_is_one_line_before_tensorflow(iris_csv) -> None:
    code = (
        "import sys; from kmeans_gui import cli; "
        f"status = cli.main(['cluster', {str(iris_csv)!r}, '-k', '3', '--compare-to', 'specie']); "
        "assert 'tensorflow' not in sys.modules, 'TensorFlow was loaded'; sys.exit(status)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 2, done.stderr
    assert done.stderr == "error: There is no column named 'specie' (did you mean 'species'?).\n"
    assert done.stdout == ""


def test_one_hot_columns_flow_to_centroids_and_profile(iris_csv, tmp_path, capsys) -> None:
    centroids, profile = tmp_path / "c.csv", tmp_path / "p.csv"
    argv = ["cluster", iris_csv, "-k", 3, "--seed", 0, "-q", "--columns", "petal_length"]
    argv += ["--one-hot", "species", "--centroids-out", centroids, "--profile-out", profile]
    code, _, err = run([*argv, "--scale", "standard"], capsys)
    assert code == 0, err
    names = ["species=setosa", "species=versicolor", "species=virginica"]
    got = pd.read_csv(centroids)
    assert list(got.columns) == ["cluster", "size", "petal_length", *names]
    np.testing.assert_allclose(got[names].sum(axis=1), 1.0)  # shares of each cluster's rows
    profiles = pd.read_csv(profile)
    np.testing.assert_allclose(profiles[[f"mean({n})" for n in names]], got[names])


def test_feature_warnings(tmp_path, capsys) -> None:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {
            "id": np.arange(1, 101),
            "mass_g": rng.normal(5000, 900, 100),
            "length_m": rng.normal(2, 0.3, 100),
        }
    )
    path = tmp_path / "animals.csv"
    frame.to_csv(path, index=False)
    code, stdout, err = run(["cluster", path, "-k", 2, "--json", "-q"], capsys)
    assert code == 0
    warnings = err.splitlines()
    assert warnings[0] == (
        "warning: 'id' looks like an identifier: it is not used as a feature by default; "
        "name it in --columns to use it."
    )
    assert warnings[1].startswith("warning: The features' spreads differ by ")
    assert warnings[1].endswith("rerun with --scale standard to weigh them alike.")
    report = json.loads(stdout)
    assert report["columns"] == ["mass_g", "length_m"]
    assert len(report["warnings"]) == 2
    code, _, err = run(["cluster", path, "-k", 2, "-q", "--scale", "standard"], capsys)
    assert "spreads differ" not in err


def test_sweep_without_the_gap(iris_csv, capsys) -> None:
    argv = ["sweep", iris_csv, "--k", "2:4", "--seed", 0, "--gap-references", 0, "--json"]
    code, stdout, err = run(argv, capsys)
    assert code == 0, err
    document = json.loads(stdout)
    assert all(p["gap"] is None for p in document["results"])
    assert document["suggested_k"]["gap"] is None
    code, stdout, _ = run([*argv[:-1], "--silhouette-sample", 100], capsys)
    assert stdout.splitlines()[0] == "silhouette on a seeded sample of 100 of 149 rows"
