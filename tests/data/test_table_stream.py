"""Tables read a piece at a time: the same rows, types, names and errors as ``load_table``."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from kmeans_gui.data import DataError, load_table, prepare_features
from kmeans_gui.data.export_stream import labelled_columns, plan_streamed_write
from kmeans_gui.data.scratch_files import DiskScratch
from kmeans_gui.data.streamed_features import feature_stats
from kmeans_gui.data.table_stream import estimated_memory, open_table_stream, parse_size

CHUNKS = [1, 2, 3, 7, 1000]


def whole(table) -> pd.DataFrame:
    return pd.concat([p.frame for p in table.pieces()]).reset_index(drop=True)


@pytest.fixture
def tricky_csv(tmp_path: Path) -> Path:
    """Columns whose type only the whole column decides: a decimal 30 rows down, a code with
    a leading zero late, 'NA' in numbers and in names, a gap in integers, a trailing
    delimiter's empty column, a quoted delimiter, and a quoted line break."""
    rows = ["id,x,y,name,flag,code,gap,"]
    for i in range(40):
        x = f"{i}" if i < 30 else f"{i}.5"
        y = "NA" if i == 7 else f"{i * 0.25}"
        code = "007" if i == 33 else f"{i + 10}"
        gap = "3" if i == 35 else ""
        name = '"a, b"' if i == 2 else "NA" if i == 5 else '"two\nlines"' if i == 9 else f"n{i}"
        flag = "true" if i % 2 else "false"
        rows.append(f"{i},{x},{y},{name},{flag},{code},{gap},")
    path = tmp_path / "tricky.csv"
    path.write_text("\n".join(rows) + "\n")
    return path


@pytest.mark.parametrize("chunk", CHUNKS)
def test_csv_pieces_are_the_loaded_table(tricky_csv, chunk) -> None:
    loaded = load_table(tricky_csv)
    table = open_table_stream(tricky_csv, chunk_rows=chunk)
    pd.testing.assert_frame_equal(whole(table), loaded.frame)
    assert table.columns == tuple(loaded.frame.columns)
    assert table.header == loaded.header and table.notes == loaded.notes
    assert table.loaded().csv_style == loaded.csv_style
    assert table.n_rows == 40 and all(0 < n <= chunk for n in table.unit_rows)
    starts = [p.start for p in table.pieces()]
    assert starts == list(np.cumsum([0, *table.unit_rows[:-1]]))


def test_a_semicolon_file_with_decimal_commas_and_no_header(tmp_path) -> None:
    path = tmp_path / "eu.csv"
    path.write_text("".join(f"{i},5;{i * 2};{i % 3},25\n" for i in range(25)), encoding="cp1252")
    loaded = load_table(path)
    table = open_table_stream(path, chunk_rows=4)
    pd.testing.assert_frame_equal(whole(table), loaded.frame)
    assert table.loaded().csv_style == loaded.csv_style and table.notes == loaded.notes


def test_not_utf8_is_read_as_windows_1252_with_a_note(tmp_path) -> None:
    path = tmp_path / "latin.csv"
    path.write_bytes(b"name,x\n" + "".join(f"caf\xe9{i},{i}\n" for i in range(9)).encode("cp1252"))
    loaded = load_table(path)
    table = open_table_stream(path, chunk_rows=2)
    pd.testing.assert_frame_equal(whole(table), loaded.frame)
    assert table.notes == loaded.notes and "Windows-1252" in " ".join(table.notes)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a,b\n1,2\n3,4,5\n6,7\n", "Line 3 of bad.csv has 3 fields but the header has 2"),
        ('a,b\n1,"x\n2,y\n3,z\n', "the quote opened on line 2 is never closed"),
        ("a,b\n", "has a header row but no data rows"),
    ],
    ids=["ragged", "unclosed-quote", "header-only"],
)
def test_csv_problems_are_the_loader_sentences(tmp_path, text, message) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(text)
    with pytest.raises(DataError, match=message):
        open_table_stream(path, chunk_rows=1)


@pytest.mark.parametrize("name", ["t.xlsx", "t.json", "t.csv.gz"])
def test_formats_that_cannot_stream_say_so(tmp_path, name) -> None:
    path = tmp_path / name
    path.write_bytes(b"\x1f\x8b\x08\x00" if name.endswith(".gz") else b"{}")
    with pytest.raises(DataError, match="cannot be read a piece at a time"):
        open_table_stream(path)


def parquet_groups(path: Path, frame: pd.DataFrame, sizes: list[int]) -> None:
    """``frame`` written in row groups of the given sizes (one row, several, ...)."""
    table = pa.Table.from_pandas(frame, preserve_index=False)
    with pq.ParquetWriter(path, table.schema) as writer:
        start = 0
        for size in sizes:
            writer.write_table(table.slice(start, size))
            start += size


@pytest.fixture
def frame() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    n = 30
    out = pd.DataFrame(
        {
            "a": rng.normal(size=n),
            "b": pd.array([None if i % 7 == 3 else i for i in range(n)], dtype="Int64"),
            "w": rng.uniform(0, 2, n),
            "label": [f"r{i}" for i in range(n)],
        }
    )
    out.loc[[4, 11, 25], "a"] = np.nan
    return out


@pytest.mark.parametrize("chunk", [1, 4, 100])
def test_parquet_row_groups_of_every_size(tmp_path, frame, chunk) -> None:
    path = tmp_path / "t.parquet"
    parquet_groups(path, frame, [1, 9, 1, 19])
    loaded = load_table(path)
    table = open_table_stream(path, chunk_rows=chunk)
    assert table.n_units == 4 and table.unit_rows == (1, 9, 1, 19)
    pd.testing.assert_frame_equal(whole(table), loaded.frame)
    share = list(table.pieces(["label"], units=lambda u: u % 2 == 1))
    assert {p.unit for p in share} == {1, 3}
    assert pd.concat([p.frame for p in share])["label"].tolist() == [
        *frame["label"][1:10],
        *frame["label"][11:],
    ]


def test_a_folder_of_parquet_files_is_one_table(tmp_path, frame) -> None:
    folder = tmp_path / "parts"
    folder.mkdir()
    frame.iloc[:12].to_parquet(folder / "part-0.parquet", index=False)
    frame.iloc[12:].to_parquet(folder / "part-1.parquet", index=False)
    (folder / "_SUCCESS").write_text("")
    table = open_table_stream(folder, chunk_rows=5)
    pd.testing.assert_frame_equal(whole(table), frame)
    frame.iloc[:3][["a"]].to_parquet(folder / "part-2.parquet", index=False)
    with pytest.raises(DataError, match=r"does not have the columns of part-0\.parquet"):
        open_table_stream(folder)


@pytest.mark.parametrize("missing", ["drop", "mean"])
@pytest.mark.parametrize("scale", ["none", "standard", "minmax"])
@pytest.mark.parametrize("weight", [None, "w"])
def test_features_across_pieces_are_prepare_features(tmp_path, frame, missing, scale, weight):
    path = tmp_path / "t.parquet"
    parquet_groups(path, frame, [1, 9, 1, 19])
    columns = ["a", "b"] if weight else None
    memory = prepare_features(
        load_table(path).frame, columns, missing=missing, scale=scale, weight_column=weight
    )
    table = open_table_stream(path, chunk_rows=3)
    stats = feature_stats(table, columns, missing=missing, scale=scale, weight_column=weight)
    features = stats.finished(scale)
    assert features.columns == memory.columns
    assert (features.n_used, features.left_out, features.notes()) == (
        memory.n_used,
        memory.left_out,
        memory.notes(),
    )
    np.testing.assert_allclose(features.scaler.offset, memory.scaler.offset, rtol=1e-14)
    np.testing.assert_allclose(features.scaler.scale, memory.scaler.scale, rtol=1e-14)
    pieces = [features.piece(p) for p in table.pieces()]
    X = np.concatenate([p.X for p in pieces])
    np.testing.assert_allclose(X, memory.X, rtol=1e-13, atol=1e-14)  # float64 rounding
    np.testing.assert_array_equal(np.concatenate([p.row_mask for p in pieces]), memory.row_mask)
    assert features.unit_used.sum() == memory.n_used


def test_a_negative_weight_is_named_by_its_row_in_the_table(tmp_path, frame) -> None:
    frame.loc[22, "w"] = -1.0
    path = tmp_path / "t.parquet"
    parquet_groups(path, frame, [10, 10, 10])
    with pytest.raises(DataError, match="negative value on row 23"):
        feature_stats(open_table_stream(path, 4), ["a"], weight_column="w")


def test_float32_range_is_checked_from_the_pass(tmp_path) -> None:
    path = tmp_path / "big.csv"
    pd.DataFrame({"x": [1.0, 2.0, 1e38], "y": [1.0, 2.0, 3.0]}).to_csv(path, index=False)
    memory = prepare_features(load_table(path).frame)
    features = feature_stats(open_table_stream(path, 1), None).finished("none")
    with pytest.raises(DataError) as expected:
        memory.check_float32_range()
    with pytest.raises(DataError, match=re.escape(str(expected.value))):
        features.check_float32_range()


@pytest.mark.parametrize("suffix", [".csv", ".tsv", ".parquet", ".json", ".jsonl"])
def test_the_labelled_table_written_piece_by_piece_is_the_export(tmp_path, tricky_csv, suffix):
    from kmeans_gui.data import export_labelled, labelled_frame

    loaded = load_table(tricky_csv)
    memory = prepare_features(loaded.frame, ["id", "y"])
    labels = (np.arange(memory.n_used) % 3).astype(np.int64)
    distances = np.linspace(0, 1, memory.n_used)
    expected = export_labelled(loaded, memory, labels, distances, tmp_path / f"mem{suffix}")
    table = open_table_stream(tricky_csv, chunk_rows=3)
    features = feature_stats(table, ["id", "y"]).finished("none")

    def frames():
        used = 0
        for piece in table.pieces():
            matrix = features.piece(piece)
            part = slice(used, used + matrix.n_used)
            used += matrix.n_used
            yield labelled_frame(piece.frame, matrix, labels[part], distances[part])

    plan = plan_streamed_write(
        frames, labelled_columns(table.columns), tmp_path / f"st{suffix}", source=table.loaded()
    )
    from kmeans_gui.data import write_all

    written = write_all([plan])[0]
    if suffix == ".parquet":
        pd.testing.assert_frame_equal(pd.read_parquet(written), pd.read_parquet(expected))
    else:
        assert written.read_bytes() == expected.read_bytes()
    assert [p.name for p in tmp_path.iterdir() if ".partial" in p.name] == []


def test_excel_is_refused_for_a_streamed_export(tmp_path, tricky_csv) -> None:
    table = open_table_stream(tricky_csv)
    with pytest.raises(DataError, match="not Excel"):
        plan_streamed_write(lambda: [], ["x"], tmp_path / "out.xlsx", source=table.loaded())


def test_disk_scratch_columns_read_back_across_their_seams_and_leave_nothing(tmp_path) -> None:
    with DiskScratch(tmp_path) as scratch:
        column = scratch.column(np.int32)
        column.append(np.arange(5))
        column.append(np.arange(5, 12))
        reader = column.reader()
        first, rest = np.empty(3, np.int32), np.empty(20, np.int32)
        assert reader.read_into(first) == 3 and reader.read_into(rest) == 9
        np.testing.assert_array_equal(np.concatenate([first, rest[:9]]), np.arange(12))
        column.clear()
        assert column.values().size == 0
        assert scratch.room(1)
    assert list(tmp_path.iterdir()) == []


def test_memory_is_estimated_from_metadata(tmp_path, frame, tricky_csv) -> None:
    path = tmp_path / "t.parquet"
    parquet_groups(path, frame, [30])
    assert estimated_memory(path) > 30 * 3 * 24
    assert estimated_memory(tricky_csv) > tricky_csv.stat().st_size
    assert estimated_memory(tmp_path / "missing.csv") is None
    assert parse_size("8G") == 8 << 30 and parse_size("1.5MiB") == 3 << 19
    assert parse_size("2000") == 2000
    with pytest.raises(ValueError):
        parse_size("lots")
