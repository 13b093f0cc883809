"""load_table: every format, every dialect the issue names, and every bad file with its message."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kmeans_gui.data import DataError, load_table, numeric_columns


def write(tmp_path: Path, name: str, content: bytes | str) -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return path


def test_the_data_layer_imports_neither_qt_nor_tensorflow() -> None:
    import subprocess

    code = (
        "import sys, kmeans_gui.data, kmeans_gui.cli; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('tensorflow', 'PySide6', 'pyqtgraph', 'keras')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


# --- CSV dialects -------------------------------------------------------------------------------


def test_plain_csv_keeps_every_column_and_row_in_order(tmp_path: Path) -> None:
    path = write(tmp_path, "t.csv", "id,name,x,y\n7,a,1.5,2\n3,b,2.5,3\n9,c,3.5,4\n")
    table = load_table(path)
    assert table.format == "csv"
    assert table.engine == "pyarrow"
    assert table.columns == ["id", "name", "x", "y"]
    assert table.frame["id"].tolist() == [7, 3, 9]
    assert table.frame["name"].tolist() == ["a", "b", "c"]
    assert list(table.frame.index) == [0, 1, 2]
    assert numeric_columns(table.frame) == ["id", "x", "y"]
    assert table.notes == ()


def test_semicolon_and_decimal_comma_are_sniffed(tmp_path: Path) -> None:
    path = write(tmp_path, "de.csv", "Länge;Breite;Art\n1,5;2,25;a\n-3,75;4;b\n")
    table = load_table(path)
    assert table.csv_style is not None
    assert (table.csv_style.delimiter, table.csv_style.decimal) == (";", ",")
    assert table.frame["Länge"].tolist() == [1.5, -3.75]
    assert table.frame["Breite"].tolist() == [2.25, 4.0]


def test_decimal_comma_with_thousands_dots(tmp_path: Path) -> None:
    path = write(tmp_path, "de.csv", "a;b\n1.234,5;2\n3,5;4\n")
    table = load_table(path)
    assert table.frame["a"].tolist() == [1234.5, 3.5]
    assert table.csv_style is not None and table.csv_style.decimal == ","


def test_decimal_comma_first_seen_after_the_sniffed_sample(tmp_path: Path) -> None:
    rows = "".join(f"{i};{i + 1}\n" for i in range(20_000))  # far beyond the first 64 KB
    path = write(tmp_path, "late.csv", f"a;b\n{rows}1,5;2,5\n")
    table = load_table(path)
    assert numeric_columns(table.frame) == ["a", "b"]
    assert table.frame.iloc[-1].tolist() == [1.5, 2.5]
    assert table.frame["a"].iloc[:3].tolist() == [0.0, 1.0, 2.0]
    assert table.csv_style is not None and table.csv_style.decimal == ","


def test_comma_column_that_is_not_all_numbers_stays_text(tmp_path: Path) -> None:
    table = load_table(write(tmp_path, "t.csv", "a;b;c\n1,5;x;1\n2,5;1,5;2\n"))
    assert table.frame["a"].tolist() == [1.5, 2.5]
    assert table.frame["b"].tolist() == ["x", "1,5"]


def test_quoted_decimal_comma_in_a_comma_file_is_a_number_unless_it_may_be_thousands(
    tmp_path: Path,
) -> None:
    table = load_table(write(tmp_path, "c.csv", 'a,b,c\n"1,5",1,"1,234"\n"2,25",2,"5,678"\n'))
    assert table.frame["a"].tolist() == [1.5, 2.25]
    assert table.frame["c"].tolist() == ["1,234", "5,678"]  # 1234 or 1.234? left as written


def test_tab_separated_by_extension_and_by_sniffing(tmp_path: Path) -> None:
    for name in ("t.tsv", "t.txt"):
        table = load_table(write(tmp_path, name, "a\tb\n1.5\t2\n"))
        assert table.format == "tsv"
        assert table.frame["a"].tolist() == [1.5]


def test_excel_sep_hint_line_is_honoured(tmp_path: Path) -> None:
    table = load_table(write(tmp_path, "t.csv", "sep=;\na;b\n1;2\n"))
    assert table.columns == ["a", "b"]
    assert table.frame.iloc[0].tolist() == [1, 2]


def test_utf8_bom_is_not_part_of_the_first_column_name(tmp_path: Path) -> None:
    table = load_table(write(tmp_path, "t.csv", b"\xef\xbb\xbfx,y\n1,2\n"))
    assert table.columns == ["x", "y"]
    assert table.encoding == "utf-8-sig"
    assert table.csv_style is not None and table.csv_style.bom


def test_utf16_with_bom(tmp_path: Path) -> None:
    table = load_table(write(tmp_path, "t.csv", "x;y\n1,5;2\n".encode("utf-16")))
    assert table.encoding == "utf-16"
    assert table.frame["x"].tolist() == [1.5]


def test_latin1_fallback_is_reported_not_silent(tmp_path: Path) -> None:
    content = "name,v\nJosé,1\nMüller,2\n".encode("latin-1")
    table = load_table(write(tmp_path, "t.csv", content))
    assert table.frame["name"].tolist() == ["José", "Müller"]
    assert table.encoding in ("cp1252", "latin-1")
    assert len(table.notes) == 1
    assert "not valid UTF-8" in table.notes[0]
    assert "line 2" in table.notes[0]
    assert "Latin-1" in table.notes[0]


def test_encoding_check_reads_in_blocks_without_false_alarms(tmp_path, monkeypatch) -> None:
    from kmeans_gui.data import encoding as encoding_module

    monkeypatch.setattr(encoding_module, "BLOCK_BYTES", 5)  # multi-byte characters straddle blocks
    good = "name,v\nÉtienne,1\nZoë,2\n€uro,3\n".encode()
    table = load_table(write(tmp_path, "good.csv", good))
    assert (table.encoding, table.notes) == ("utf-8", ())
    assert table.frame["name"].tolist() == ["Étienne", "Zoë", "€uro"]
    bad = "name,v\nÉtienne,1\nZoë,2\n".encode() + b"M\xfcller,3\n"
    table = load_table(write(tmp_path, "bad.csv", bad))
    assert "line 4 is not valid UTF-8 (byte 0xFC at column 2)" in table.notes[0]
    assert table.frame["name"].tolist()[-1] == "Müller"


def test_windows_1252_euro_sign_is_read_as_such(tmp_path: Path) -> None:
    table = load_table(write(tmp_path, "t.csv", "price,v\n5 €,1\n".encode("cp1252")))
    assert table.frame["price"].tolist() == ["5 €"]
    assert table.encoding == "cp1252"


def test_quoted_fields_with_delimiters_and_newlines(tmp_path: Path) -> None:
    content = 'id,text,v\n1,"hello, world\nsecond line",2.5\n2,"say ""hi""",3\n'
    table = load_table(write(tmp_path, "t.csv", content))
    assert table.frame["text"].tolist() == ["hello, world\nsecond line", 'say "hi"']
    assert table.frame["v"].tolist() == [2.5, 3.0]


def test_headerless_numeric_file_gets_named_columns_and_a_note(tmp_path: Path) -> None:
    table = load_table(write(tmp_path, "t.csv", "1.5,2\n3,4\n"))
    assert not table.has_header
    assert table.columns == ["column_1", "column_2"]
    assert len(table.frame) == 2
    assert "no header row" in table.notes[0]


def test_trailing_delimiters_do_not_add_an_empty_feature(tmp_path: Path) -> None:
    table = load_table(write(tmp_path, "t.csv", "a,b,\n1,2,\n3,4,\n"))
    assert table.columns == ["a", "b"]
    assert "empty column" in table.notes[0]


def test_missing_and_non_finite_cells_are_kept(tmp_path: Path) -> None:
    table = load_table(write(tmp_path, "t.csv", "x,y\n1,\nnan,2\ninf,-inf\n4,5\n"))
    assert len(table.frame) == 4
    x = table.frame["x"].to_numpy()
    assert np.isnan(x[1]) and np.isposinf(x[2])


def test_header_names_are_stripped_and_made_unique(tmp_path: Path) -> None:
    table = load_table(write(tmp_path, "t.csv", "a, a ,b\n1,2,3\n"))
    assert table.columns == ["a", "a.1", "b"]


def test_progress_goes_from_zero_to_one(tmp_path: Path) -> None:
    path = write(tmp_path, "t.csv", "x,y\n" + "1.5,2\n" * 1000)
    seen: list[tuple[float, str]] = []
    load_table(path, progress=lambda fraction, message: seen.append((fraction, message)))
    fractions = [f for f, _ in seen]
    assert fractions[0] == 0.0 and fractions[-1] == 1.0
    assert fractions == sorted(fractions)
    assert "1,000 rows" in seen[-1][1]


def test_raising_from_progress_cancels_the_load(tmp_path: Path) -> None:
    path = write(tmp_path, "t.csv", "x\n1\n")

    class Cancelled(Exception):
        pass

    def cancel(fraction: float, message: str) -> None:
        raise Cancelled

    with pytest.raises(Cancelled):
        load_table(path, progress=cancel)


def test_pyarrow_and_c_engines_agree_on_a_large_numeric_file(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.normal(size=(20_000, 3)), columns=["a", "b", "c"])
    path = tmp_path / "big.csv"
    frame.to_csv(path, index=False)
    table = load_table(path)
    assert table.engine == "pyarrow"
    reference = pd.read_csv(path, engine="c")
    np.testing.assert_array_equal(table.frame.to_numpy(), reference.to_numpy())


# --- other formats ------------------------------------------------------------------------------


def sample_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": ["p1", "p2", "p3"],
            "x": [1.5, np.nan, 3.25],
            "n": [1, 2, 3],
            "kind": ["a", None, "c"],
        }
    )


def test_parquet(tmp_path: Path) -> None:
    path = tmp_path / "t.parquet"
    sample_frame().to_parquet(path, index=False, row_group_size=1)
    seen: list[float] = []
    table = load_table(path, progress=lambda f, _m: seen.append(f))
    assert table.format == "parquet"
    pd.testing.assert_frame_equal(table.frame, sample_frame(), check_dtype=False)
    assert len(seen) >= 5  # start, three row groups, end


def test_parquet_with_a_saved_index_keeps_it_as_a_column(tmp_path: Path) -> None:
    path = tmp_path / "t.parquet"
    sample_frame().set_index("id").to_parquet(path)
    table = load_table(path)
    assert table.columns == ["id", "x", "n", "kind"]
    assert list(table.frame.index) == [0, 1, 2]


def test_excel_first_sheet_with_a_note_about_the_others(tmp_path: Path) -> None:
    path = tmp_path / "t.xlsx"
    with pd.ExcelWriter(path) as writer:
        sample_frame().to_excel(writer, sheet_name="data", index=False)
        pd.DataFrame({"other": [1]}).to_excel(writer, sheet_name="more", index=False)
    table = load_table(path)
    assert table.format == "excel"
    assert table.columns == ["id", "x", "n", "kind"]
    assert table.frame["x"].tolist()[0] == 1.5
    assert "only the first, 'data'" in table.notes[0]


def test_json_records_columns_and_lines(tmp_path: Path) -> None:
    records = [{"a": 1, "b": "x"}, {"a": None, "b": "y", "c": 2.5}]
    table = load_table(write(tmp_path, "r.json", json.dumps(records)))
    assert table.columns == ["a", "b", "c"]
    assert np.isnan(table.frame["a"][1]) and table.frame["c"][1] == 2.5
    table = load_table(write(tmp_path, "c.json", '{"a": [1, 2], "b": [3, 4]}'))
    assert table.frame.to_numpy().tolist() == [[1, 3], [2, 4]]
    table = load_table(write(tmp_path, "l.jsonl", '{"a": 1}\n\n{"a": 2}\n'))
    assert table.frame["a"].tolist() == [1, 2]


def test_format_is_sniffed_when_the_extension_says_nothing(tmp_path: Path) -> None:
    sample_frame().to_parquet(tmp_path / "p.data", index=False)
    assert load_table(tmp_path / "p.data").format == "parquet"
    assert load_table(write(tmp_path, "j.data", '[{"a": 1}]')).format == "json"
    assert load_table(write(tmp_path, "c.data", "a;b\n1;2\n")).format == "csv"


# --- bad files: one sentence naming the problem and where ----------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.csv", b"", "empty.csv is empty (0 bytes)."),
        ("blank.csv", b"\n\n \n", "blank.csv holds no table (only blank lines)."),
        ("header.csv", b"a,b\n", "header.csv has a header row but no data rows."),
        (
            "long.csv",
            b"a,b\n1,2\n3,4,5\n6,7\n",
            "Line 3 of long.csv has 3 fields but the header has 2 fields; fix that row, or "
            "quote text that contains a comma.",
        ),
        ("one.csv", b"a\n1\n2,3\n", "Line 3 of one.csv has 2 fields but the header has 1 field;"),
        ("short.csv", b"a;b;c\n1;2;3\n4;5\n", "Line 3 of short.csv has 2 fields but the header"),
        ("first.csv", b"a,b\n1,2,3\n4,5,6\n", "Line 2 of first.csv has 3 fields"),
        ("quoted.csv", b'a,b\n"x\ny",2\n3,4,5\n', "Line 4 of quoted.csv has 3 fields"),
        ("binary.csv", b"\x89PNG\r\n\x1a\n\x00\x00", "binary.csv is not a text table"),
        ("fake.parquet", b"hello", "fake.parquet is not a Parquet file"),
        ("fake.xlsx", b"hello", "fake.xlsx is not an Excel .xlsx file"),
        ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "old.xls is an old-style Excel .xls"),
        ("t.csv.gz", b"\x1f\x8b\x08\x00", "t.csv.gz cannot be unpacked (gzip): Compressed"),
        ("bad.json", b'[{"a": 1},\n]', "bad.json is not valid JSON: Expecting value at line 2"),
        ("list.json", b"[1, 2]", "list.json must hold a list of records (JSON objects)"),
        ("none.json", b"[]", "none.json holds an empty list"),
        ("lines.jsonl", b'{"a": 1}\n{"a": \n', "Line 2 of lines.jsonl is not valid JSON"),
    ],
)
def test_bad_file_messages(tmp_path: Path, name: str, content: bytes, message: str) -> None:
    path = write(tmp_path, name, content)
    with pytest.raises(DataError) as caught:
        load_table(path)
    text = str(caught.value)
    assert text.startswith(message)
    assert "\n" not in text


def test_truncated_parquet_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "cut.parquet"
    sample_frame().to_parquet(path)
    path.write_bytes(path.read_bytes()[:40])
    with pytest.raises(DataError, match=r"^cut.parquet is not a readable Parquet file: "):
        load_table(path)


def test_missing_file_and_folder(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"^No such file: .*nope.csv\.$"):
        load_table(tmp_path / "nope.csv")
    with pytest.raises(DataError, match=r"is a folder, not a file"):
        load_table(tmp_path)


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads any file")
def test_unreadable_file(tmp_path: Path) -> None:
    path = write(tmp_path, "locked.csv", "a\n1\n")
    path.chmod(0)
    try:
        with pytest.raises(DataError, match=r"[Pp]ermission denied"):
            load_table(path)
    finally:
        path.chmod(0o644)


def test_header_only_excel_sheet(tmp_path: Path) -> None:
    path = tmp_path / "h.xlsx"
    pd.DataFrame({"a": [], "b": []}).to_excel(path, index=False)
    with pytest.raises(DataError, match=r"^h.xlsx has a header row but no data rows\.$"):
        load_table(path)


# --- a quote never closed, missing-value tokens, blanks, encodings -------------------------------


@pytest.mark.parametrize(
    ("content", "line"),
    [
        ('id,name,x\n1,a,2\n2,b,"3\n3,c,4\n4,d,5\n', 3),  # pyarrow alone returns 3 rows
        ('id,name,x\n1,"abc,2\n2,b,3\n', 2),
        ('id,name,x\n1,a,2\n2,b,"3', 3),  # on the last line, no final line break
    ],
)
def test_a_quote_never_closed_is_an_error_naming_its_line(tmp_path, content, line) -> None:
    with pytest.raises(DataError) as caught:
        load_table(write(tmp_path, "q.csv", content))
    assert str(caught.value).startswith(f"q.csv: the quote opened on line {line} is never closed")


def test_a_quote_never_closed_mid_file_loses_no_rows_silently(tmp_path: Path) -> None:
    rows = [f"{i},name{i},{i * 0.5}\n" for i in range(200_000)]  # several parser blocks
    rows[100_000] = '100000,"oops,3\n'
    path = write(tmp_path, "big.csv", "id,name,x\n" + "".join(rows))
    with pytest.raises(DataError, match=r"quote opened on line 100002 is never closed"):
        load_table(path)


def test_an_odd_quote_inside_an_unquoted_cell_is_text(tmp_path: Path) -> None:
    table = load_table(write(tmp_path, "t.csv", 'id,size\n1,12" pipe\n2,3" pipe\n'))
    assert table.frame["size"].tolist() == ['12" pipe', '3" pipe']


def test_missing_value_tokens_stay_text_in_text_columns(tmp_path: Path) -> None:
    tokens = ["NA", "None", "nan", "n/a", "null", "NULL", "#N/A"]
    body = "".join(f"{i},{t},{t}\n" for i, t in enumerate(tokens)) + "9,Bob,1.5\n"
    table = load_table(write(tmp_path, "t.csv", "id,name,x\n" + body))
    assert table.frame["name"].tolist() == [*tokens, "Bob"]  # a name column keeps 'NA' and all
    assert table.frame["x"].dtype == np.float64  # a number column reads them as missing
    assert table.frame["x"].isna().sum() == len(tokens)
    only_tokens = load_table(write(tmp_path, "u.csv", "a,b\nNA,1\nNone,2\n"))
    assert only_tokens.frame["a"].tolist() == ["NA", "None"]


def test_whitespace_only_cells_are_missing_in_a_numeric_column(tmp_path: Path) -> None:
    table = load_table(write(tmp_path, "t.csv", "a,b,c\n1,2.5,x\n  ,\t,  \n4, 5.5 ,z\n"))
    assert str(table.frame["a"].dtype) == "Int64"
    assert table.frame["a"].tolist() == [1, pd.NA, 4]
    assert table.frame["b"].tolist()[::2] == [2.5, 5.5] and np.isnan(table.frame["b"][1])
    assert table.frame["c"].tolist() == ["x", "  ", "z"]  # text keeps its blanks


@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"])
def test_a_bad_byte_is_located_by_line_and_column(tmp_path: Path, bom: bytes) -> None:
    content = bom + "id,name\n1,Zoë\n2,ab".encode() + b"\xe9\n3,c\n"
    path = write(tmp_path, "t.csv", content)
    where = "t.csv: line 3 is not valid UTF-8 (byte 0xE9 at column 5)"
    if bom:
        with pytest.raises(DataError) as caught:
            load_table(path)
        assert str(caught.value).startswith(where)
    else:
        table = load_table(path)
        assert table.notes[0].startswith(where + "; it was read as Windows-1252")
        assert table.frame["name"].tolist() == ["ZoÃ«", "abé", "c"]


def test_a_decimal_column_with_text_beyond_the_sample_is_read_again_as_text(tmp_path) -> None:
    rows = "".join(f"{i},{i}.5\n" for i in range(20_000))  # far beyond the first 64 KB
    path = write(tmp_path, "late.csv", f"id,x\n{rows}20000,n/a\n20001,oops\n20002, 7.25 \n")
    table = load_table(path)
    assert table.engine == "pyarrow"
    assert len(table.frame) == 20_003
    assert table.frame["x"].tolist()[-3:] == ["n/a", "oops", " 7.25 "]  # as written
    missing = load_table(write(tmp_path, "na.csv", f"id,x\n{rows}20000,NA\n20001,  \n"))
    assert missing.frame["x"].dtype == np.float64
    assert missing.frame["x"].isna().sum() == 2 and missing.frame["x"].iloc[1] == 1.5


def test_excel_cells_are_typed_like_csv_text(tmp_path: Path) -> None:
    import datetime

    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["id", " x ", "n", "name", "when", "id"])
    sheet.append(["007", 1.5, 1, "NA", datetime.datetime(2020, 1, 1), "a"])
    sheet.append(["010", 2.5, None, "Bob", datetime.datetime(2021, 6, 30), "b"])
    sheet.append(["011", None, 3, "  ", None, "c"])
    path = tmp_path / "t.xlsx"
    book.save(path)
    table = load_table(path)
    frame = table.frame
    assert frame["id"].tolist() == ["007", "010", "011"]  # an ID typed as text keeps its zeros
    assert str(frame["n"].dtype) == "Int64" and frame["n"].tolist() == [1, pd.NA, 3]  # not 1.0
    assert frame["x"].dtype == np.float64
    assert frame["name"].tolist() == ["NA", "Bob", "  "]  # text exactly as typed
    assert pd.api.types.is_datetime64_any_dtype(frame["when"])
    assert table.header == ("id", " x ", "n", "name", "when", "id")
    assert table.columns == ["id", "x", "n", "name", "when", "id.1"]


@pytest.mark.parametrize("ext", [".csv.gz", ".tsv.bz2", ".csv.xz", ".zip"])
def test_compressed_tables_are_unpacked(tmp_path: Path, ext: str) -> None:
    import bz2
    import gzip
    import lzma
    import zipfile

    delimiter = "\t" if ".tsv" in ext else ","
    text = delimiter.join(["id", "x"]) + "\n" + delimiter.join(["007", "1.5"]) + "\n"
    path = tmp_path / f"t{ext}"
    if ext == ".zip":
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("inner/t.csv", text)
    else:
        opener = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}[Path(ext).suffix]
        with opener(path, "wb") as handle:
            handle.write(text.encode())
    table = load_table(path)
    assert table.path == path and table.notes == ()
    assert table.format == ("tsv" if ".tsv" in ext else "csv")
    assert table.frame["id"].tolist() == ["007"] and table.frame["x"].tolist() == [1.5]


def test_a_zip_with_several_files_is_refused(tmp_path: Path) -> None:
    import zipfile

    path = tmp_path / "two.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("a.csv", "x\n1\n")
        archive.writestr("b.csv", "x\n2\n")
    with pytest.raises(DataError, match=r"^two.zip holds 2 files; a zipped table must hold"):
        load_table(path)


def test_a_bad_byte_in_json_is_located_too(tmp_path: Path) -> None:
    content = '[{"name": "Zoë"},\n {"name": "ab'.encode() + b"\xe9" + b'"}]'
    table = load_table(write(tmp_path, "t.json", content))
    assert table.notes[0].startswith(
        "t.json: line 2 is not valid UTF-8 (byte 0xE9 at column 14); it was read as"
    )


def test_progress_moves_while_the_columns_are_typed(tmp_path: Path) -> None:
    path = write(tmp_path, "t.csv", "id,name,x\n" + "".join(f"{i},n{i},{i}.5\n" for i in range(50)))
    seen: list[tuple[float, str]] = []
    load_table(path, progress=lambda fraction, message: seen.append((fraction, message)))
    typing = [f for f, m in seen if m.startswith("Typing column")]
    assert len(typing) == 3 and all(0.3 < f <= 0.95 for f in typing)
    assert [f for f, _ in seen] == sorted(f for f, _ in seen)
