"""Exports: round trips in every format, unlabelled left-out rows, atomic writes, safe input."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kmeans_gui.data import (
    DataError,
    export_centroids,
    export_labelled,
    load_table,
    plan_write,
    prepare_features,
    write_all,
)
from kmeans_gui.data import export as export_module

SOURCE = (
    "id,name,x,y\n"
    "p1,alpha,1.0,2.0\n"
    "p2,beta,,3.0\n"  # missing x: left out
    "p3,gamma,3.5,inf\n"  # infinite y: left out
    'p4,"delta, with comma",4.0,5.0\n'
    "p5,epsilon,-1.25,0.5\n"
)


@pytest.fixture
def loaded(tmp_path: Path):
    source = tmp_path / "source.csv"
    source.write_text(SOURCE)
    table = load_table(source)
    features = prepare_features(table.frame, ["x", "y"])
    labels = np.array([0, 1, 0], dtype=np.int32)
    distances = np.array([0.5, 0.25, 1.5])
    return table, features, labels, distances


@pytest.mark.parametrize("ext", [".csv", ".tsv", ".parquet", ".xlsx", ".json", ".jsonl"])
def test_labelled_round_trip_keeps_rows_columns_and_empty_labels(loaded, tmp_path, ext) -> None:
    table, features, labels, distances = loaded
    out = export_labelled(table, features, labels, distances, tmp_path / f"out{ext}")
    back = load_table(out).frame
    assert list(back.columns) == ["id", "name", "x", "y", "cluster", "distance"]
    assert back["id"].tolist() == ["p1", "p2", "p3", "p4", "p5"]
    assert back["name"].tolist()[3] == "delta, with comma"
    np.testing.assert_array_equal(back["x"].to_numpy(float), table.frame["x"].to_numpy(float))
    cluster = back["cluster"]
    assert cluster.isna().tolist() == [False, True, True, False, False]
    assert cluster.dropna().astype(int).tolist() == [0, 1, 0]
    assert back["distance"].isna().tolist() == [False, True, True, False, False]
    assert back["distance"].dropna().tolist() == [0.5, 0.25, 1.5]


def test_csv_cluster_column_is_integer_text_and_empty_for_left_out_rows(loaded, tmp_path) -> None:
    table, features, labels, distances = loaded
    out = export_labelled(table, features, labels, distances, tmp_path / "out.csv")
    lines = out.read_text().splitlines()
    assert lines[0] == "id,name,x,y,cluster,distance"
    assert lines[1] == "p1,alpha,1.0,2.0,0,0.5"
    assert lines[2] == "p2,beta,,3.0,,"
    assert lines[3] == "p3,gamma,3.5,inf,,"


def test_parquet_cluster_column_is_a_nullable_integer(loaded, tmp_path) -> None:
    table, features, labels, distances = loaded
    out = export_labelled(table, features, labels, distances, tmp_path / "out.parquet")
    back = pd.read_parquet(out)
    assert str(back["cluster"].dtype) == "Int64"


def test_existing_cluster_column_is_not_overwritten(tmp_path) -> None:
    frame = pd.DataFrame({"cluster": ["old", "old"], "v": [1.0, 2.0]})
    features = prepare_features(frame, ["v"])
    out = export_labelled(frame, features, np.array([1, 0]), None, tmp_path / "o.csv")
    back = pd.read_csv(out)
    assert list(back.columns) == ["cluster", "v", "cluster_2"]
    assert back["cluster"].tolist() == ["old", "old"]


def test_semicolon_decimal_comma_input_exports_in_the_same_style(tmp_path) -> None:
    source = tmp_path / "de.csv"
    source.write_text("a;b\n1,5;2,5\n3,5;4,5\n")
    table = load_table(source)
    features = prepare_features(table.frame)
    out = export_labelled(
        table, features, np.array([0, 1]), np.array([0.5, 0.75]), tmp_path / "o.csv"
    )
    assert out.read_text().splitlines() == [
        "a;b;cluster;distance",
        "1,5;2,5;0;0,5",
        "3,5;4,5;1;0,75",
    ]


@pytest.mark.parametrize("ext", [".csv", ".xlsx", ".parquet"])
def test_centroids_are_in_user_units_with_sizes(tmp_path, ext) -> None:
    frame = pd.DataFrame({"a": [0.0, 2.0, 10.0, 12.0], "size": [1.0, 1.0, 5.0, 5.0]})
    features = prepare_features(frame, scale="standard")
    centroids = np.vstack([features.X[:2].mean(axis=0), features.X[2:].mean(axis=0)])
    out = export_centroids(features, centroids, np.array([2, 2]), tmp_path / f"c{ext}")
    back = load_table(out).frame
    assert list(back.columns) == ["cluster", "size_2", "a", "size"]
    assert back["cluster"].tolist() == [0, 1]
    assert back["size_2"].tolist() == [2, 2]
    expected = [[1.0, 1.0], [11.0, 5.0]]  # Excel may hand back 1.0 as the whole number 1
    np.testing.assert_allclose(back[["a", "size"]].to_numpy(dtype=float), expected)


def test_input_file_is_never_overwritten_unless_asked(loaded) -> None:
    table, features, labels, distances = loaded
    before = table.path.read_bytes()
    with pytest.raises(DataError) as caught:
        export_labelled(table, features, labels, distances, table.path)
    assert str(caught.value) == (
        f"{table.path} is the input file; choose another output name so the input is kept."
    )
    assert table.path.read_bytes() == before
    export_labelled(table, features, labels, distances, table.path, overwrite_input=True)
    assert load_table(table.path).columns[-2:] == ["cluster", "distance"]


def test_input_is_protected_for_centroids_too(loaded) -> None:
    table, features, _, _ = loaded
    with pytest.raises(DataError, match="is the input file"):
        export_centroids(features, np.zeros((1, 2)), [3], table.path, source=table)


def test_failed_write_leaves_the_previous_file_intact_and_no_temp_file(
    loaded, tmp_path, monkeypatch
) -> None:
    table, features, labels, distances = loaded
    target = tmp_path / "out.csv"
    target.write_text("previous export\n")
    real_to_csv = pd.DataFrame.to_csv

    def half_then_fail(self, path, *args, **kwargs):
        real_to_csv(self.head(1), path, *args, **kwargs)  # something is on disk
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pd.DataFrame, "to_csv", half_then_fail)
    with pytest.raises(DataError) as caught:
        export_labelled(table, features, labels, distances, target)
    assert str(caught.value) == f"Could not write {target}: No space left on device."
    assert target.read_text() == "previous export\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv", "source.csv"]


def test_interrupted_write_cleans_up_and_creates_nothing(loaded, tmp_path, monkeypatch) -> None:
    table, features, labels, distances = loaded

    def interrupted(self, path, *args, **kwargs):
        Path(path).write_text("partial")
        raise KeyboardInterrupt

    monkeypatch.setattr(pd.DataFrame, "to_parquet", interrupted)
    with pytest.raises(KeyboardInterrupt):
        export_labelled(table, features, labels, distances, tmp_path / "out.parquet")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["source.csv"]


def test_overwriting_keeps_the_file_mode(loaded, tmp_path) -> None:
    table, features, labels, distances = loaded
    target = tmp_path / "out.csv"
    target.write_text("old")
    target.chmod(0o640)
    export_labelled(table, features, labels, distances, target)
    assert target.stat().st_mode & 0o777 == 0o640


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("out.foo", "Cannot tell the export format of 'out.foo'; end the name with .csv, .tsv"),
        ("missing/out.csv", "Cannot write out.csv: the folder "),
    ],
)
def test_bad_export_names(loaded, tmp_path, name, message) -> None:
    table, features, labels, distances = loaded
    with pytest.raises(DataError) as caught:
        export_labelled(table, features, labels, distances, tmp_path / name)
    assert str(caught.value).startswith(message)


def test_export_to_a_folder_is_refused(loaded, tmp_path) -> None:
    table, features, labels, distances = loaded
    (tmp_path / "dir.csv").mkdir()
    with pytest.raises(DataError, match=r"dir\.csv is a folder; give a file name"):
        export_labelled(table, features, labels, distances, tmp_path / "dir.csv")


def test_too_many_rows_for_excel(loaded, tmp_path, monkeypatch) -> None:
    table, features, labels, distances = loaded
    monkeypatch.setattr(export_module, "EXCEL_MAX_ROWS", 4)
    with pytest.raises(DataError, match="Excel sheets hold at most 3 data rows"):
        export_labelled(table, features, labels, distances, tmp_path / "o.xlsx")
    assert not (tmp_path / "o.xlsx").exists()


def test_mixed_number_and_text_column_still_exports_to_parquet(tmp_path) -> None:
    frame = pd.DataFrame({"code": pd.Series([1, "A7", None], dtype=object), "v": [1.0, 2.0, 3.0]})
    features = prepare_features(frame, ["v"])
    out = export_labelled(frame, features, np.array([0, 0, 1]), None, tmp_path / "o.parquet")
    back = pd.read_parquet(out)
    assert back["code"].tolist()[:2] == ["1", "A7"]
    assert pd.isna(back["code"][2])


def test_any_error_mid_write_leaves_the_previous_file_and_no_temp_file(
    loaded, tmp_path, monkeypatch
) -> None:
    table, features, labels, distances = loaded
    target = tmp_path / "out.csv"
    target.write_text("previous export\n")
    real_to_csv = pd.DataFrame.to_csv

    def half_then_fail(self, path, *args, **kwargs):
        real_to_csv(self.head(1), path, *args, **kwargs)  # something is on disk
        raise RuntimeError("the writer\nbroke")

    monkeypatch.setattr(pd.DataFrame, "to_csv", half_then_fail)
    with pytest.raises(DataError) as caught:
        export_labelled(table, features, labels, distances, target)
    assert str(caught.value) == f"Could not write {target}: the writer."
    assert target.read_text() == "previous export\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv", "source.csv"]


def test_a_value_excel_refuses_is_one_sentence_naming_file_and_cell(tmp_path) -> None:
    frame = pd.DataFrame({"name": ["a\x01b", "c"], "x": [1.0, 2.0]})
    features = prepare_features(frame, ["x"])
    target = tmp_path / "out.xlsx"
    with pytest.raises(DataError) as caught:
        export_labelled(frame, features, np.array([0, 1]), None, target)
    assert str(caught.value) == (
        f"Could not write {target}: the cell 'a\\x01b' holds a control character that Excel "
        "files cannot store; remove it or export to CSV or Parquet instead."
    )
    assert list(tmp_path.iterdir()) == []


def test_write_all_writes_every_file_or_none(tmp_path) -> None:
    good = plan_write(pd.DataFrame({"a": [1, 2]}), tmp_path / "first.csv")
    bad = plan_write(pd.DataFrame({"a": ["\x02"]}), tmp_path / "second.xlsx")
    (tmp_path / "first.csv").write_text("old first\n")
    with pytest.raises(DataError, match=r"^Could not write .*second\.xlsx: the cell"):
        write_all([good, bad])
    assert (tmp_path / "first.csv").read_text() == "old first\n"  # not replaced: second failed
    assert sorted(p.name for p in tmp_path.iterdir()) == ["first.csv"]
    written = write_all([good, plan_write(pd.DataFrame({"b": [3]}), tmp_path / "second.csv")])
    assert [p.read_text() for p in written] == ["a\n1\n2\n", "b\n3\n"]


@pytest.mark.parametrize(
    ("source", "ext", "expected"),
    [
        ("a\tb\n1\t2,5\n", ".csv", "a,b,cluster\n1,2.5,0\n"),  # tabs never go in a .csv
        ("a\tb\n1\t2,5\n", ".tsv", "a\tb\tcluster\n1\t2,5\t0\n"),
        ("a|b\n1|2.5\n", ".csv", "a,b,cluster\n1,2.5,0\n"),
        ("a;b\n1;2,5\n", ".csv", "a;b;cluster\n1;2,5;0\n"),  # a semicolon CSV stays one
        ("a,b\n1,2.5\n", ".tsv", "a\tb\tcluster\n1\t2.5\t0\n"),
    ],
)
def test_export_delimiter_follows_the_extension(tmp_path, source, ext, expected) -> None:
    path = tmp_path / "in.txt"
    path.write_text(source)
    table = load_table(path)
    features = prepare_features(table.frame, ["b"])
    out = export_labelled(table, features, np.array([0]), None, tmp_path / f"out{ext}")
    assert out.read_text() == expected


@pytest.mark.parametrize("ext", [".csv", ".tsv", ".xlsx"])
def test_export_writes_the_header_cells_exactly_as_in_the_file(tmp_path, ext) -> None:
    if ext == ".xlsx":
        pytest.importorskip("openpyxl")
    source = tmp_path / "h.csv"
    source.write_text("id, x ,id,,y\n1,1.5,a,NA,2\n2,2.5,b,None,3\n")
    table = load_table(source)
    assert table.columns == ["id", "x", "id.1", "Unnamed: 3", "y"]  # unique names inside
    features = prepare_features(table.frame, ["x", "y"])
    out = export_labelled(table, features, np.array([0, 1]), None, tmp_path / f"o{ext}")
    if ext == ".xlsx":
        import openpyxl

        rows = list(openpyxl.load_workbook(out).active.iter_rows(values_only=True))
        assert rows[0] == ("id", " x ", "id", None, "y", "cluster")  # Excel: empty cell is None
        assert rows[1][3] == "NA"
    else:
        delimiter = "\t" if ext == ".tsv" else ","
        lines = out.read_text().splitlines()
        assert lines[0] == delimiter.join(["id", " x ", "id", "", "y", "cluster"])
        assert lines[1:] == [
            delimiter.join(["1", "1.5", "a", "NA", "2", "0"]),
            delimiter.join(["2", "2.5", "b", "None", "3", "1"]),
        ]
    centroids = export_centroids(
        features, np.array([[1.5, 2.0], [2.5, 3.0]]), np.array([1, 1]), tmp_path / f"c{ext}",
        source=table,
    )  # fmt: skip
    back = load_table(centroids)
    assert back.header[2:] == (" x ", "y")


def test_json_export_keeps_every_digit_of_every_float(tmp_path) -> None:
    frame = pd.DataFrame({"x": [0.1 + 0.2, 1 / 3, 5000.000000123456789, np.nan, 1e-300]})
    features = prepare_features(frame, ["x"], missing="mean")
    distances = np.array([0.1 + 0.2, 2 / 3, 1234.5678901234567, 0.0, 7e-310])
    for ext in (".json", ".jsonl"):
        out = export_labelled(
            frame, features, np.zeros(5, dtype=int), distances, tmp_path / f"o{ext}"
        )
        text = out.read_text()
        records = json.loads(text) if ext == ".json" else [json.loads(r) for r in text.splitlines()]
        assert [r["distance"] for r in records] == distances.tolist()
        assert [r["x"] for r in records] == [0.1 + 0.2, 1 / 3, 5000.000000123456789, None, 1e-300]


def test_json_export_keeps_integers_beyond_int64_exactly(tmp_path) -> None:
    big = pd.Series([2**63 + 5, 1, None, 2**64 - 1], dtype="UInt64")
    frame = pd.DataFrame({"big": big, "x": [1.0, 2.0, 3.0, 4.0]})
    features = prepare_features(frame, ["x"])
    out = export_labelled(frame, features, np.zeros(4, dtype=int), np.zeros(4), tmp_path / "o.json")
    assert [r["big"] for r in json.loads(out.read_text())] == [2**63 + 5, 1, None, 2**64 - 1]
