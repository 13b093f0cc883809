"""`kmeans-gui cluster` and `sweep` end to end on the engine, checked against scikit-learn."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from sklearn.cluster import KMeans as SkKMeans
from sklearn.datasets import load_iris

from kmeans_gui import cli
from kmeans_gui.cli import progress
from kmeans_gui.cli.fitting import progress_line

REPO = Path(__file__).resolve().parents[2]
COMMAND = [sys.executable, "-m", "kmeans_gui"]  # what the kmeans-gui console script runs
FEATURES = ["sepal_length", "sepal_width", "petal_length", "petal_width"]
INIT_ROWS = [0, 50, 100]  # one flower of each species


@pytest.fixture(scope="module")
def iris(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, pd.DataFrame]:
    """iris.csv (four measurements and the species) and init.csv (three of its rows)."""
    folder = tmp_path_factory.mktemp("iris")
    data = load_iris()
    frame = pd.DataFrame(data.data, columns=FEATURES)
    frame["species"] = data.target_names[data.target]
    frame.to_csv(folder / "iris.csv", index=False)
    frame.loc[INIT_ROWS, FEATURES].to_csv(folder / "init.csv", index=False)
    return folder / "iris.csv", folder / "init.csv", frame


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def reference(X: np.ndarray, init: np.ndarray, weights: np.ndarray | None = None) -> SkKMeans:
    return SkKMeans(3, init=init, n_init=1, tol=1e-4, max_iter=300).fit(X, sample_weight=weights)


def test_cluster_matches_scikit_learn_on_iris(iris, tmp_path, capsys) -> None:
    iris_csv, init_csv, frame = iris
    out, cen = tmp_path / "labelled.csv", tmp_path / "centroids.csv"
    argv = ["cluster", iris_csv, "-k", 3, "--init", init_csv, "--out", out, "--centroids-out", cen]
    code, stdout, err = run([*argv, "--json"], capsys)
    assert code == 0, err
    report = json.loads(stdout)  # exactly one JSON document
    X = frame[FEATURES].to_numpy()
    sk = reference(X, X[INIT_ROWS])

    labelled = pd.read_csv(out)
    assert list(labelled.columns) == [*frame.columns, "cluster", "distance"]
    pd.testing.assert_frame_equal(labelled[frame.columns], frame)
    np.testing.assert_array_equal(labelled["cluster"], sk.labels_)
    assert report["inertia"] == pytest.approx(sk.inertia_, rel=1e-4)
    assert report["converged"] is True
    assert report["rows_used"] == 150 and report["rows_left_out"] == 0
    assert report["n_iter"] == sk.n_iter_
    assert report["device"]
    assert report["seconds"] > 0
    np.testing.assert_allclose(report["centroids"], sk.cluster_centers_, atol=1e-4)
    expected_distance = np.linalg.norm(X - sk.cluster_centers_[sk.labels_], axis=1)
    np.testing.assert_allclose(labelled["distance"], expected_distance, atol=1e-4)

    centroids = pd.read_csv(cen)
    assert list(centroids.columns) == ["cluster", "size", *FEATURES]
    assert centroids["size"].tolist() == np.bincount(sk.labels_).tolist()
    np.testing.assert_allclose(centroids[FEATURES], sk.cluster_centers_, atol=1e-4)

    # the human summary says the same
    code, stdout, _ = run(argv, capsys)
    assert code == 0
    assert "150 of 150 rows used" in stdout
    (summary,) = [line for line in stdout.splitlines() if line.startswith("converged after")]
    assert summary.startswith(f"converged after {sk.n_iter_} iterations; inertia ")
    assert float(summary.rsplit(" ", 1)[1]) == pytest.approx(sk.inertia_, rel=1e-4)
    assert f"wrote labelled to {out}" in stdout


def test_rows_with_nan_or_inf_come_back_unlabelled(iris, tmp_path, capsys) -> None:
    _, init_csv, frame = iris
    holes = frame.copy()
    holes.loc[[3, 77], "petal_length"] = np.nan
    holes.loc[120, "sepal_width"] = np.inf
    source = tmp_path / "holes.csv"
    holes.to_csv(source, index=False)
    out = tmp_path / "out.parquet"
    code, stdout, err = run(
        ["cluster", source, "-k", 3, "--init", init_csv, "--out", out, "--json"], capsys
    )
    assert code == 0
    assert err.startswith("warning: 3 of 150 rows were left out of the fit")
    report = json.loads(stdout)
    assert (report["rows_used"], report["rows_left_out"]) == (147, 3)

    back = pd.read_parquet(out)
    assert len(back) == 150
    assert back.loc[[3, 77, 120], "cluster"].isna().all()
    assert back["cluster"].notna().sum() == 147
    kept = np.ones(150, dtype=bool)
    kept[[3, 77, 120]] = False
    X = frame[FEATURES].to_numpy()
    sk = reference(X[kept], X[INIT_ROWS])
    np.testing.assert_array_equal(back.loc[kept, "cluster"].astype(int), sk.labels_)


def test_standard_scaling_matches_scikit_learn_on_scaled_data(iris, capsys) -> None:
    iris_csv, init_csv, frame = iris
    code, stdout, _ = run(
        ["cluster", iris_csv, "-k", 3, "--init", init_csv, "--scale", "standard", "--json"],
        capsys,
    )
    assert code == 0
    X = frame[FEATURES].to_numpy()
    mean, std = X.mean(axis=0), X.std(axis=0)
    sk = reference((X - mean) / std, (X[INIT_ROWS] - mean) / std)
    report = json.loads(stdout)
    assert report["inertia"] == pytest.approx(sk.inertia_, rel=1e-4)
    assert report["sizes"] == np.bincount(sk.labels_).tolist()
    # centroids are reported in the user's units
    np.testing.assert_allclose(report["centroids"], sk.cluster_centers_ * std + mean, atol=1e-4)


def test_weight_column_is_passed_as_sample_weight(iris, tmp_path, capsys) -> None:
    _, init_csv, frame = iris
    weighted = frame.assign(w=np.random.default_rng(3).uniform(0.1, 3.0, size=150))
    source = tmp_path / "weighted.csv"
    weighted.to_csv(source, index=False)
    code, stdout, err = run(
        ["cluster", source, "-k", 3, "--init", init_csv, "--weight-column", "w", "--json"],
        capsys,
    )
    assert code == 0, err
    report = json.loads(stdout)
    assert report["columns"] == FEATURES  # the weight column is not a feature
    X = frame[FEATURES].to_numpy()
    sk = reference(X, X[INIT_ROWS], weighted["w"].to_numpy())
    assert report["inertia"] == pytest.approx(sk.inertia_, rel=1e-4)
    assert report["sizes"] == np.bincount(sk.labels_).tolist()


def test_centroids_file_feeds_back_as_init(iris, tmp_path, capsys) -> None:
    iris_csv, init_csv, _ = iris
    first = tmp_path / "c.csv"
    assert (
        run(["cluster", iris_csv, "-k", 3, "--init", init_csv, "--centroids-out", first], capsys)[0]
        == 0
    )
    code, stdout, err = run(
        ["cluster", iris_csv, "-k", 3, "--init", first, "--n-init", 4, "--json"], capsys
    )
    assert code == 0
    assert "warning: explicit initial centroids given" in err
    report = json.loads(stdout)
    assert report["converged"] and report["n_iter"] <= 1
    np.testing.assert_allclose(report["centroids"], pd.read_csv(first)[FEATURES], atol=1e-5)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        # DeviceError on a machine without a GPU, in the command line's words
        (["--device", "gpu"], "--device gpu was requested"),
        (["--batch-size", "10"], "--batch-size is for --algorithm minibatch, not lloyd"),
        (["--refine-budget", "10"], "--refine-budget is for --refine swap"),
        (["--refine", "swap", "--algorithm", "kmedoids"], "is for --algorithm lloyd, not kmedoids"),
    ],
)
def test_engine_errors_are_one_line_exit_2(iris, tmp_path, capsys, extra, message) -> None:
    iris_csv, _, _ = iris
    if "gpu" in extra:
        import kmeans_gui.engine as engine

        if any("GPU" in d.upper() for d in engine.available_devices()):
            pytest.skip("this machine has a GPU")
    out = tmp_path / "o.csv"
    code, stdout, err = run(["cluster", iris_csv, "-k", 3, "--out", out, *extra], capsys)
    assert (code, stdout) == (2, "")
    assert err.startswith("error: ") and message in err.lower(), err
    assert err.count("\n") == 1
    assert not out.exists()


def test_long_runs_report_progress_on_stderr(iris, capsys, monkeypatch) -> None:
    iris_csv, init_csv, _ = iris
    monkeypatch.setattr(progress, "PROGRESS_AFTER_S", 0.0)  # treat this run as a long one
    monkeypatch.setattr(progress, "PROGRESS_EVERY_S", {True: 0.0, False: 0.0})
    code, stdout, err = run(["cluster", iris_csv, "-k", 3, "--init", init_csv, "--json"], capsys)
    assert code == 0
    n_iter = json.loads(stdout)["n_iter"]
    lines = err.splitlines()
    assert any(line.startswith("Loaded 150 rows × 5 columns") for line in lines)
    iterations = [line for line in lines if line.startswith("iteration ")]
    assert len(iterations) >= n_iter
    assert iterations[0].startswith("iteration 0: inertia ")

    code, _, err = run(["cluster", iris_csv, "-k", 3, "--quiet"], capsys)
    assert code == 0 and err == ""


def test_sweep_prints_a_table_or_json(iris, capsys) -> None:
    iris_csv, _, _ = iris
    argv = ["sweep", iris_csv, "--k", "1:4", "--seed", 0, "--gap-references", 3]
    code, stdout, err = run([*argv, "--json"], capsys)
    assert code == 0, err
    document = json.loads(stdout)
    points = document["results"]
    assert [p["k"] for p in points] == [1, 2, 3, 4]
    for key in ("silhouette", "calinski_harabasz", "davies_bouldin"):
        assert points[0][key] is None  # undefined for one cluster
    assert all(-1 <= p["silhouette"] <= 1 for p in points[1:])
    assert all(p["calinski_harabasz"] > 0 and p["davies_bouldin"] > 0 for p in points[1:])
    assert all(p["gap"] is not None and p["gap_se"] > 0 for p in points)
    assert all(p["sample_size"] == 150 for p in points)
    inertias = [p["inertia"] for p in points]
    assert inertias == sorted(inertias, reverse=True)
    assert set(document["suggested_k"]) == {"gap", "silhouette", "elbow"}
    assert document["suggested_k"]["silhouette"] == 2  # iris: the setosa split

    code, stdout, _ = run(["sweep", iris_csv, "--k", "2,3", "--seed", 0], capsys)
    lines = stdout.splitlines()
    assert lines[0] == "silhouette and the gap statistic on all 150 rows"
    assert lines[1].split() == [
        "k", "inertia", "silhouette", "calinski_h", "davies_b", "gap", "gap_se", "iters", "s"
    ]  # fmt: skip
    assert [line.split()[0] for line in lines[2:4]] == ["2", "3"]
    assert lines[4].startswith("suggested k: ")


def test_refine_swap_reports_the_swaps_it_kept(tmp_path, capsys) -> None:
    rng = np.random.default_rng(7)
    centres = np.array([(i * 10.0, j * 10.0) for i in range(6) for j in range(5)])
    xy = np.concatenate([c + rng.normal(scale=1.2, size=(50, 2)) for c in centres])
    path = tmp_path / "grid.csv"
    pd.DataFrame(xy, columns=["x", "y"]).to_csv(path, index=False)
    argv = ["cluster", path, "-k", 30, "--init", "random", "--seed", 0, "--json"]
    code, stdout, err = run([*argv, "--refine", "swap", "--refine-budget", 60], capsys)
    assert code == 0, err
    refined = json.loads(stdout)
    _, stdout, _ = run(argv, capsys)
    plain = json.loads(stdout)
    assert refined["refine"] == "swap" and refined["n_trials"] == 60
    assert refined["n_swaps"] >= 2 and refined["inertia"] < 0.5 * plain["inertia"]
    code, stdout, _ = run([*argv[:-1], "--refine", "swap", "--refine-budget", "0.2s"], capsys)
    assert code == 0 and " kept of " in stdout.splitlines()[1]

    sweep = ["sweep", path, "--k", "29,30", "--init", "random", "--seed", 0, "--json"]
    code, stdout, err = run([*sweep, "--refine", "swap", "--refine-budget", 40], capsys)
    assert code == 0, err
    refined = [p["inertia"] for p in json.loads(stdout)["results"]]
    _, stdout, _ = run(sweep, capsys)
    plain = [p["inertia"] for p in json.loads(stdout)["results"]]
    assert all(r <= p for r, p in zip(refined, plain, strict=True)) and refined != plain


def test_the_progress_line_names_a_kept_swap() -> None:
    state = SimpleNamespace(
        phase="swap", n_swaps=2, n_trials=17, iteration=9, restart=0, n_restarts=1,
        inertia=12.5, n_changed=40,
    )  # fmt: skip
    assert progress_line(state) == "swap 2 kept (trial 17): inertia 12.5, 40 labels changed"
    lloyd = SimpleNamespace(**{**vars(state), "phase": "lloyd", "restart": 1, "n_restarts": 3})
    assert progress_line(lloyd).startswith("iteration 9 (restart 2/3): inertia 12.5")


def test_sweep_k_beyond_the_rows_is_refused(iris, capsys) -> None:
    iris_csv, _, _ = iris
    code, _, err = run(["sweep", iris_csv, "--k", "2:151"], capsys)
    assert code == 2
    assert err.startswith("error: k = 151 is larger than the 150 usable rows")


def test_the_installed_command_runs_without_traceback(iris, tmp_path) -> None:
    iris_csv, init_csv, _ = iris
    out, bad_out = tmp_path / "o.csv", tmp_path / "bad.csv"
    cluster = [*COMMAND, "cluster", iris_csv, "-k", "3"]
    done = subprocess.run(
        [*cluster, "--init", init_csv, "--json", "-q", "--out", out],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["rows_used"] == 150
    assert done.stderr == ""  # -q: no progress; and TensorFlow's start-up chatter is held back

    bad = subprocess.run(
        [*cluster, "--columns", "species", "--out", bad_out],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=300,
    )
    assert bad.returncode == 2
    assert bad.stdout == ""
    assert bad.stderr == (
        "error: The column 'species' holds text, not numbers (row 1 is 'setosa'); "
        "choose numeric columns.\n"
    )
    assert not bad_out.exists()


def test_an_output_that_fails_leaves_no_output_at_all(tmp_path, capsys) -> None:
    source = tmp_path / "ctrl.csv"
    source.write_bytes(b"name,x,y\na\x01b,1,2\nc,3,4\nd,5,6\n")
    centroids, labelled = tmp_path / "cc.csv", tmp_path / "lab.xlsx"
    centroids.write_text("previous centroids\n")
    # -q: on a loaded machine the fit can outlast the delay after which progress shows
    argv = ["cluster", source, "-k", 2, "--seed", 0, "-q", "--centroids-out", centroids]
    code, stdout, err = run([*argv, "--out", labelled], capsys)
    assert (code, stdout) == (2, "")
    assert err == (
        f"error: Could not write {labelled}: the cell 'a\\x01b' holds a control character that "
        "Excel files cannot store; remove it or export to CSV or Parquet instead.\n"
    )
    assert centroids.read_text() == "previous centroids\n"  # the first output was not replaced
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cc.csv", "ctrl.csv"]


def test_fewer_distinct_points_than_k_is_a_warning(tmp_path, capsys) -> None:
    source = tmp_path / "dup.csv"
    source.write_text("a,b\n1,1\n1,1\n2,2\n2,2\n1,1\n")
    out = tmp_path / "o.csv"
    code, stdout, err = run(
        ["cluster", source, "-k", 3, "--seed", 0, "--json", "-q", "--out", out], capsys
    )
    assert code == 0, err
    assert err == "warning: only 2 distinct points, fewer than k = 3; clustering with k = 2\n"
    report = json.loads(stdout)
    assert (report["k"], report["k_requested"]) == (2, 3)
    assert sorted(report["sizes"]) == [2, 3]
    assert report["warnings"] == [err.removeprefix("warning: ").strip()]
    labels = pd.read_csv(out)["cluster"]
    assert labels[0] == labels[1] == labels[4] != labels[2] == labels[3]

    init = tmp_path / "init.csv"
    init.write_text("a,b\n1,1\n2,2\n3,3\n")
    code, stdout, err = run(["cluster", source, "-k", 3, "--init", init, "--out", out], capsys)
    assert (code, stdout) == (2, "")
    assert err == (
        "error: The data have only 2 distinct point(s), fewer than the 3 initial centroids in "
        "init.csv; give at most 2 centroids.\n"
    )


def test_values_beyond_float32_cluster_with_standard_scaling(tmp_path, capsys) -> None:
    path = tmp_path / "huge.csv"
    path.write_text("a,b\n1e39,1\n1.1e39,1.2\n5e39,8\n5.2e39,8.5\n")
    code, out, err = run(["cluster", path, "-k", "2", "--scale", "standard", "--json"], capsys)
    assert code == 0, err
    report = json.loads(out)
    assert sorted(report["sizes"]) == [2, 2]
    assert sorted(c[0] for c in report["centroids"]) == [1.05e39, 5.1e39]  # exact means


def test_exported_centroids_are_exact_means_and_match_scikit_learn(tmp_path, capsys) -> None:
    rng = np.random.default_rng(3)
    X = np.vstack([rng.normal(5000, 0.5, (300, 2)), rng.normal(5003, 0.5, (300, 2))]).round(6)
    path = tmp_path / "near5000.csv"
    pd.DataFrame(X, columns=["a", "b"]).to_csv(path, index=False)
    out, cent = tmp_path / "o.csv", tmp_path / "c.csv"
    init = X[[0, 300]]
    pd.DataFrame(init, columns=["a", "b"]).to_csv(tmp_path / "init.csv", index=False)
    argv = ["cluster", path, "-k", "2", "--init", tmp_path / "init.csv", "--out", out]
    code, _, err = run([*argv, "--centroids-out", cent, "-q"], capsys)
    assert code == 0, err
    sk = SkKMeans(2, init=init, n_init=1).fit(X)
    labels = pd.read_csv(out)["cluster"].to_numpy()
    assert (labels == sk.labels_).all()
    written = pd.read_csv(cent)[["a", "b"]].to_numpy()
    expected = np.vstack([X[labels == j].mean(axis=0) for j in (0, 1)])
    np.testing.assert_allclose(written, expected, rtol=1e-15, atol=0)  # no float32 noise
    np.testing.assert_allclose(written, sk.cluster_centers_, rtol=0, atol=1e-9)


@pytest.mark.parametrize(
    ("signum", "code", "line"),
    [
        (signal.SIGTERM, 143, "error: terminated; no output was written"),
        (signal.SIGINT, 130, "error: interrupted; no output was written"),
    ],
)
def test_a_signal_during_the_export_leaves_no_temporary_file(
    iris, tmp_path, capsys, monkeypatch, signum, code, line
) -> None:
    from kmeans_gui.data import export as export_module

    real = export_module._write_delimited

    def write_then_get_killed(frame, tmp, *args) -> None:
        real(frame, tmp, *args)  # the temporary file is complete on disk...
        os.kill(os.getpid(), signum)  # ...when the signal arrives
        time.sleep(5)  # the handler raises before this ends

    monkeypatch.setattr(export_module, "_write_delimited", write_then_get_killed)
    out = tmp_path / "out" / "o.csv"
    out.parent.mkdir()
    status, _, err = run(["cluster", iris[0], "-k", "3", "--seed", "0", "--out", out], capsys)
    assert status == code
    assert "Traceback" not in err and err.splitlines()[-1] == line
    assert list(out.parent.iterdir()) == []  # neither o.csv nor a hidden .partial file
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL  # handler restored
