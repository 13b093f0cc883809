"""`kmeans-gui cluster --stream`: the in-memory command's outputs, from a table never loaded."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kmeans_gui import cli
from kmeans_gui.cli import progress

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "data"


def run(argv: list, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def gappy(tmp_path_factory) -> Path:
    """Iris with gaps: missing values in every chunk, and a text column kept as written."""
    frame = pd.read_csv(DATA / "iris.csv")
    frame.loc[[3, 40, 41, 99, 149], "sepal_width"] = np.nan
    frame.loc[[7, 120], "petal_length"] = np.nan
    path = tmp_path_factory.mktemp("stream") / "gappy.csv"
    frame.to_csv(path, index=False)
    return path


def outputs(tmp_path: Path, name: str, suffix: str) -> list[Path]:
    return [tmp_path / f"{name}-labelled{suffix}", tmp_path / f"{name}-centroids.csv"]


@pytest.mark.parametrize("chunk", [1, 7, 1000])
@pytest.mark.parametrize(
    "options",
    [
        ["--init", "k-means||"],
        ["--init", "uniform", "--missing", "mean", "--scale", "minmax", "--n-init", "2"],
    ],
    ids=["k-means||", "uniform-mean-minmax"],
)
@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_outputs_are_the_in_memory_outputs(tmp_path, capsys, gappy, chunk, options, suffix):
    base = ["cluster", gappy, "-k", "3", "--seed", "2", "--json", "-q", *options]
    labelled, centroids = outputs(tmp_path, "mem", suffix)
    code, out, err = run([*base, "--out", labelled, "--centroids-out", centroids], capsys)
    assert code == 0, err
    memory = json.loads(out)
    s_labelled, s_centroids = outputs(tmp_path, "st", suffix)
    streamed_args = ["--stream", "--chunk-rows", chunk, "--out", s_labelled]
    code, out, err = run([*base, *streamed_args, "--centroids-out", s_centroids], capsys)
    assert code == 0, err
    streamed = json.loads(out)
    assert streamed["streamed"] is True
    assert streamed["rows_left_out"] == (0 if "mean" in options else 7)
    for key in ("rows", "rows_used", "n_iter", "sizes", "cells_imputed", "warnings"):
        assert streamed[key] == memory[key] or key == "warnings", key
    assert streamed["inertia"] == pytest.approx(memory["inertia"], rel=1e-12)
    # centroids and distances: equal to float64 rounding (the means are summed piece by piece)
    np.testing.assert_allclose(streamed["centroids"], memory["centroids"], rtol=1e-14)
    read = pd.read_parquet if suffix == ".parquet" else pd.read_csv
    ours, theirs = read(s_labelled), read(labelled)
    pd.testing.assert_frame_equal(ours.drop(columns="distance"), theirs.drop(columns="distance"))
    np.testing.assert_allclose(ours["distance"], theirs["distance"], rtol=1e-13, atol=1e-14)
    pd.testing.assert_frame_equal(pd.read_csv(s_centroids), pd.read_csv(centroids), rtol=1e-14)
    assert not [p for p in tmp_path.iterdir() if ".partial" in p.name]


@pytest.fixture(scope="module")
def gappy_parquet(tmp_path_factory, gappy) -> Path:
    """The gappy table as Parquet row groups of 1, 9, 1, 119 and 20 rows, then an empty one:
    missing values on both sides of several group boundaries."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(pd.read_csv(gappy), preserve_index=False)
    path = tmp_path_factory.mktemp("stream-parquet") / "gappy.parquet"
    with pq.ParquetWriter(path, table.schema) as writer:
        start = 0
        for size in (1, 9, 1, 119, 20, 0):
            writer.write_table(table.slice(start, size), row_group_size=max(size, 1))
            start += size
    assert pq.ParquetFile(path).metadata.num_row_groups >= 5
    return path


@pytest.mark.parametrize("chunk", [1, 2, 10, 150, 1000], ids=lambda c: f"chunk-{c}")
def test_parquet_row_groups_and_chunks_of_every_size(tmp_path, capsys, gappy_parquet, chunk):
    """Chunk boundaries inside and on the edges of row groups, a group of one row, an empty
    last chunk (150 rows in chunks of 1, 2, 10 and 150), missing values across them."""
    base = ["cluster", gappy_parquet, "-k", "3", "--seed", "1", "--json", "-q"]
    base += ["--init", "k-means||", "--missing", "mean"]
    code, out, err = run([*base, "--out", tmp_path / "mem.csv"], capsys)
    assert code == 0, err
    memory = json.loads(out)
    streamed_args = ["--stream", "--chunk-rows", chunk, "--out", tmp_path / "st.csv"]
    code, out, err = run([*base, *streamed_args], capsys)
    assert code == 0, err
    streamed = json.loads(out)
    assert streamed["cells_imputed"] == memory["cells_imputed"] == 7
    for key in ("rows", "rows_used", "n_iter", "sizes"):
        assert streamed[key] == memory[key], key
    assert streamed["inertia"] == pytest.approx(memory["inertia"], rel=1e-12)
    np.testing.assert_allclose(streamed["centroids"], memory["centroids"], rtol=1e-14)
    ours, theirs = pd.read_csv(tmp_path / "st.csv"), pd.read_csv(tmp_path / "mem.csv")
    pd.testing.assert_frame_equal(ours.drop(columns="distance"), theirs.drop(columns="distance"))


def test_a_table_beyond_the_memory_budget_is_streamed_with_a_note(capsys) -> None:
    argv = ["cluster", DATA / "blobs.csv", "-k", "4", "--seed", "0", "--json", "-q"]
    code, out, err = run([*argv, "--memory-budget", "1K"], capsys)
    assert code == 0, err
    report = json.loads(out)
    assert report["streamed"] is True and report["init"] == "k-means||"
    assert "more than the budget of 1.0 KiB (--memory-budget): streaming it" in err
    code, out, _ = run([*argv, "--memory-budget", "8G"], capsys)
    assert "streamed" not in json.loads(out)


def test_k_means_plus_plus_gives_way_to_k_means_parallel(capsys) -> None:
    argv = ["cluster", DATA / "blobs.csv", "-k", "4", "--init", "k-means++", "--stream", "-q"]
    code, _, err = run(argv, capsys)
    assert code == 0
    assert "warning: k-means++ needs every row in memory" in err


def test_the_progress_bar_shows_passes_and_rows(capsys, monkeypatch) -> None:
    monkeypatch.setattr(progress, "PROGRESS_AFTER_S", 0.0)
    monkeypatch.setattr(progress, "PROGRESS_EVERY_S", {True: 0.0, False: 0.0})
    argv = ["cluster", DATA / "blobs.csv", "-k", "4", "--stream", "--chunk-rows", "100"]
    code, _, err = run(argv, capsys)
    assert code == 0
    assert "k-means|| pass 1 [" in err and "Lloyd pass 2 [" in err
    assert "] 800 of 800 rows" in err


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--algorithm", "minibatch"], "error: --stream runs --algorithm lloyd, not minibatch"),
        (["--oversampling", "3", "--init", "uniform"], "--oversampling is for --init k-means||"),
        (["--out", "out.xlsx"], "not Excel"),
        (["--chunk-rows", "0"], "must be a whole number of at least 1"),
        (["--memory-budget", "lots"], "must be a size such as 8G"),
        (["--distribute", "mirrored"], "spread it over machines with --distribute multi-worker"),
        (["--silhouette"], "--silhouette needs the table in memory, not a streamed run"),
        (["--profile-out", "p.csv"], "--profile-out needs the table in memory"),
        (["--compare-to", "x"], "--compare-to needs the table in memory"),
        (["--one-hot", "x"], "--one-hot needs the table in memory"),
        (["--refine", "swap"], "--refine swap needs the table in memory"),
    ],
)
def test_misuse_is_one_line_and_writes_nothing(tmp_path, capsys, monkeypatch, extra, message):
    monkeypatch.chdir(tmp_path)
    code, out, err = run(["cluster", DATA / "blobs.csv", "-k", "3", "--stream", *extra], capsys)
    assert (code, out) == (2, "")
    assert message in err and len(err.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == []


def test_a_format_that_cannot_stream_is_named(tmp_path, capsys) -> None:
    path = tmp_path / "t.json"
    path.write_text('[{"x": 1}, {"x": 2}]')
    code, _, err = run(["cluster", path, "-k", "1", "--stream"], capsys)
    assert code == 2 and "t.json cannot be read a piece at a time" in err
