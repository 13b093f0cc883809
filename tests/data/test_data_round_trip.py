"""What goes in comes back out as written: IDs, big integers, gaps and dates survive an export."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from kmeans_gui.data import export_labelled, load_table, numeric_columns, prepare_features
from kmeans_gui.data import read_csv as read_csv_module

# column -> cells as written; empty string = empty cell
COLUMNS = {
    "id": ["007", "008", "010", "0042"],  # leading zeros: an ID, not the number 7
    "big": ["9007199254740993", "", "12", "-9007199254740995"],  # beyond 2**53, with a gap
    "count": ["1", "", "3", "0"],  # integers with a gap: never '1.0'
    "share": ["0.5", "", "2.25", "-1e-3"],  # floats with a gap
    "when": ["2020-01-01T10:00:00", "", "2021-06-30T23:59:59.5", "2020-02-29"],  # not parsed
    "at": ["10:00", "", "23:59", "00:00"],
    "x": ["1.5", "2.5", "3.5", "4.5"],
}
EXPECTED_DTYPES = {
    "id": "str",
    "big": "str",
    "count": "Int64",
    "share": "float64",
    "when": "str",
    "at": "str",
    "x": "float64",
}


def source_text(delimiter: str) -> str:
    rows = zip(*COLUMNS.values(), strict=True)
    return "\n".join(delimiter.join(r) for r in [list(COLUMNS), *rows]) + "\n"


@pytest.fixture(params=["pyarrow", "c"])
def engine(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Both CSV engines type the columns the same way: "c" is the fallback taken when pyarrow's
    parser refuses a file that is not ragged and has no unclosed quote."""
    if request.param == "c":

        def refuse(*args: object) -> None:
            raise pa.ArrowInvalid("CSV parse error: refused")

        monkeypatch.setattr(read_csv_module, "_read_with_pyarrow", refuse)
    return request.param


def test_loading_keeps_ids_big_integers_and_dates_as_written(tmp_path: Path, engine) -> None:
    path = tmp_path / "ids.csv"
    path.write_text(source_text(","))
    table = load_table(path)
    assert table.engine == engine
    assert {c: str(t) for c, t in table.frame.dtypes.items()} == EXPECTED_DTYPES
    assert table.frame["id"].tolist() == COLUMNS["id"]
    assert table.frame["when"].tolist()[0] == "2020-01-01T10:00:00"
    assert table.frame["count"].tolist() == [1, pd.NA, 3, 0]
    assert numeric_columns(table.frame) == ["count", "share", "x"]


@pytest.mark.parametrize(("ext", "delimiter"), [(".csv", ","), (".tsv", "\t")])
def test_export_reproduces_every_cell_as_written(tmp_path: Path, engine, ext, delimiter) -> None:
    path = tmp_path / "ids.csv"
    path.write_text(source_text(","))
    table = load_table(path)
    features = prepare_features(table.frame, ["x"])
    labels, distances = np.array([0, 0, 1, 1]), np.array([0.5, 0.5, 0.5, 0.5])
    out = export_labelled(table, features, labels, distances, tmp_path / f"out{ext}")
    lines = out.read_text().splitlines()
    assert lines[0].split(delimiter) == [*COLUMNS, "cluster", "distance"]
    for row, line in enumerate(lines[1:]):
        cells = line.split(delimiter)
        for j, name in enumerate(COLUMNS):
            if name in ("share", "x"):  # floats print in Python's shortest form
                written, original = cells[j], COLUMNS[name][row]
                assert (written == "" and original == "") or float(written) == float(original)
            else:
                assert cells[j] == COLUMNS[name][row], (name, row)


def test_leading_zero_rule_spares_zero_and_fractions(tmp_path: Path) -> None:
    path = tmp_path / "z.csv"
    path.write_text("a,b,c,d\n0,0.5,-0.25,01\n1,0,0,2\n")
    frame = load_table(path).frame
    assert [str(t) for t in frame.dtypes] == ["Int64", "float64", "float64", "str"]
    assert frame["d"].tolist() == ["01", "2"]


def test_integers_within_2_to_the_53_stay_numbers(tmp_path: Path) -> None:
    path = tmp_path / "n.csv"
    path.write_text(f"a,b\n{2**53},1\n,2\n")
    frame = load_table(path).frame
    assert str(frame["a"].dtype) == "Int64"
    assert frame["a"].tolist() == [2**53, pd.NA]


def test_parquet_integers_with_gaps_export_as_integers(tmp_path: Path) -> None:
    path = tmp_path / "t.parquet"
    pq.write_table(pa.table({"n": pa.array([1, None, 3]), "x": [1.0, 2.0, 3.0]}), path)
    table = load_table(path)
    assert str(table.frame["n"].dtype) == "Int64"
    features = prepare_features(table.frame, ["x"])
    out = export_labelled(table, features, np.array([0, 1, 1]), None, tmp_path / "o.csv")
    assert [line.split(",")[0] for line in out.read_text().splitlines()] == ["n", "1", "", "3"]
