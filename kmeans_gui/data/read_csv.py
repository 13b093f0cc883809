"""Read a CSV/TSV file into typed columns: pyarrow's parser first, pandas' C engine as fallback.

Columns whose sample shows decimal numbers are parsed as float64 by pyarrow itself; every other
column is read as text and typed by ``column_types``, which keeps IDs such as '007', big
integers, dates and 'NA' in names as written. The header cells are kept exactly as written.
What pyarrow accepts is checked by ``csv_integrity`` (every record read, no unclosed quote).
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pv

from .column_types import type_columns
from .csv_dialect import Dialect, sniff_dialect
from .csv_integrity import check_last_row, every_record_read, raise_ragged, raise_unclosed_quote
from .encoding import NotDecodable, bom_encoding, check_decodes, fallback_encoding
from .errors import DataError, cannot_read, first_line, only_blank_lines
from .progress import Reporter

_RAGGED_PYARROW = re.compile(r"Expected (\d+) columns, got (\d+)")


def load_delimited(
    file: Path, head: bytes, size: int, fmt: str, report: Reporter, notes: list[str]
) -> tuple[pd.DataFrame, str, Dialect, str, str]:
    """(frame, encoding, dialect, engine, decimal mark) for a CSV/TSV file.

    The frame's column names are the header cells exactly as written (or column_1...).
    UTF-8 is not checked in a pass of its own: the parser validates every cell as it reads,
    and only when it finds a bad byte is the file scanned to say where, then read again as
    Windows-1252/Latin-1.
    """
    encoding = bom_encoding(file, head)
    if encoding not in ("utf-8", "utf-8-sig"):
        check_decodes(file, encoding, size, report)
    dialect = sniff_dialect(file, head, encoding, size, forced_tab=fmt == "tsv")
    report(0.05, f"Parsing {file.name}")
    try:
        columns, header, engine = _read_text_columns(file, encoding, dialect)
    except NotDecodable:
        if encoding != "utf-8":
            check_decodes(file, encoding, size, report)
            raise DataError(f"{file.name} is not valid {encoding} text.") from None
        encoding = fallback_encoding(file, size, report, notes)
        report(0.3, f"Parsing {file.name} as {encoding}")
        columns, header, engine = _read_text_columns(file, encoding, dialect)
    report(0.5, f"Typing the columns of {file.name}")
    n = max(len(columns), 1)

    def done(i: int) -> None:
        report(0.5 + 0.45 * (i + 1) / n, f"Typing column {i + 1} of {n} of {file.name}")

    typed, decimal = type_columns(
        columns,
        decimal=dialect.decimal,
        thousands=dialect.thousands,
        delimiter=dialect.delimiter,
        done=done,
        surely_text=dialect.texts,
    )
    if engine == "pyarrow":  # see check_last_row: a swallowed tail also hides mid-file
        text = [c for c, t in zip(columns, typed, strict=True) if not _is_numeric(t)]
        if any(_has_line_break(column) for column in text):
            raise_unclosed_quote(file, encoding, dialect)
    frame = pd.concat(typed, axis=1, ignore_index=True) if typed else pd.DataFrame()
    if header is None:
        header = [f"column_{i + 1}" for i in range(frame.shape[1])]
        notes.append(
            f"{file.name} has no header row (its first line is all numbers); "
            f"the columns are named column_1 to column_{frame.shape[1]}."
        )
    frame.columns = header
    return frame, encoding, dialect, engine, decimal


def _read_text_columns(
    file: Path, encoding: str, dialect: Dialect
) -> tuple[list[Any], list[str] | None, str]:
    """(every column, the header cells as written or None, engine name).

    Columns are text (Arrow or pandas), except decimal columns pyarrow parsed as float64 (see
    :func:`_read_with_pyarrow`). Empty cells are null; every other cell is kept as written
    ('NA' too: only a column that turns out numeric reads such tokens as missing). The header
    cells come back untouched (no stripping, no 'a.1' for a repeat, no 'Unnamed: 0'): read as
    a data row, or split from a first line without quotes.
    Raises :class:`NotDecodable` on bytes that are not ``encoding``, DataError for a ragged
    row or a quote that is never closed.
    """
    try:
        columns, header = _read_with_pyarrow(file, encoding, dialect)
    except (NotDecodable, DataError):
        raise
    except Exception as exc:  # pyarrow is the fast path; the C engine is the reference
        message = str(exc)
        if "Empty CSV file" in message:
            raise only_blank_lines(file) from None
        raise_unclosed_quote(file, encoding, dialect)
        if _RAGGED_PYARROW.search(message):
            raise_ragged(file, encoding, dialect)
    else:
        check_last_row(file, encoding, dialect, columns)
        if every_record_read(file, encoding, dialect, columns, header is None):
            if header is None:
                header = _split_header(columns, dialect)
            return columns, header, "pyarrow"
        raise_unclosed_quote(file, encoding, dialect)  # else the C engine decides
    columns = _read_with_c_engine(file, encoding, dialect)
    header = _split_header(columns, dialect)
    return columns, header, "c"


def _read_with_pyarrow(
    file: Path, encoding: str, dialect: Dialect
) -> tuple[list[Any], list[str] | None]:
    """(columns, header cells if already taken off, else None: the header is the first row).

    Columns are text, except those whose sample shows plain decimal numbers: the parser reads
    those as float64 itself, on all cores, which is most of the time a numeric file takes. A
    value that is not a number further down makes the parser fail, and the file is read again
    all as text; whole-number columns are always read as text, so IDs keep their zeros.
    """
    names = [f"f{i}" for i in range(dialect.width)]
    guess = dialect.header_cells is not None or not dialect.header
    for speculate in (True, False) if guess and any(dialect.floats) else (False,):
        types = {
            name: pa.float64() if speculate and is_float else pa.string()
            for name, is_float in zip(names, dialect.floats or [False] * len(names), strict=True)
        }
        skip_header = speculate and dialect.header
        read = pv.ReadOptions(
            encoding="utf8" if encoding in ("utf-8", "utf-8-sig") else encoding,
            skip_rows=dialect.skip_rows + skip_header,
            column_names=names,
        )
        convert = pv.ConvertOptions(
            column_types=types,
            null_values=[""],
            strings_can_be_null=True,
            quoted_strings_can_be_null=True,
        )
        parse = pv.ParseOptions(delimiter=dialect.delimiter)
        try:
            table = pv.read_csv(
                file, read_options=read, parse_options=parse, convert_options=convert
            )
        except pa.ArrowInvalid as exc:
            if "invalid UTF8" in str(exc) or "UnicodeDecodeError" in str(exc):
                raise NotDecodable from None
            if speculate and "conversion error" in str(exc).lower():
                continue  # a column guessed numeric holds text further down
            raise
        except UnicodeDecodeError:
            raise NotDecodable from None
        header = list(dialect.header_cells or ()) if skip_header else None
        if header is not None and header and encoding == "utf-8-sig":
            header[0] = header[0].removeprefix("\ufeff")
        return list(table.columns), header
    raise AssertionError("unreachable: the all-text read either returns or raises")


def _read_with_c_engine(file: Path, encoding: str, dialect: Dialect) -> list[Any]:
    try:
        with warnings.catch_warnings():
            # index_col=False: a long first row must not silently become the index
            warnings.simplefilter("error", pd.errors.ParserWarning)
            frame = pd.read_csv(
                file,
                engine="c",
                sep=dialect.delimiter,
                header=None,
                skiprows=dialect.skip_rows,
                dtype=str,
                keep_default_na=False,
                na_values=[""],
                index_col=False,
                # the C engine skips a UTF-8 BOM itself
                encoding="utf-8" if encoding == "utf-8-sig" else encoding,
            )
    except pd.errors.EmptyDataError:
        raise only_blank_lines(file) from None
    except (pd.errors.ParserError, pd.errors.ParserWarning) as exc:
        raise_unclosed_quote(file, encoding, dialect)
        raise_ragged(file, encoding, dialect)
        raise DataError(f"{file.name} cannot be read as a table: {first_line(exc)}.") from None
    except UnicodeDecodeError:
        raise NotDecodable from None
    except OSError as exc:
        raise cannot_read(file, exc) from None
    return [frame.iloc[:, i] for i in range(frame.shape[1])]


def _split_header(columns: list[Any], dialect: Dialect) -> list[str] | None:
    """Take the header row off ``columns`` (in place) and return its cells, '' for empty ones."""
    if not dialect.header:
        return None
    header = []
    for i, column in enumerate(columns):
        first = column[0] if len(column) else None
        value = first.as_py() if hasattr(first, "as_py") else first
        header.append("" if value is None or value != value else str(value))  # NaN: empty
        columns[i] = column[1:]
    return header


def _is_numeric(series: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(series.dtype) or pd.api.types.is_bool_dtype(series.dtype)


def _has_line_break(column: Any) -> bool:
    """True if a cell of this Arrow text column holds a line break (only quoted cells can)."""
    return any(pc.any(pc.match_substring(column, mark)).as_py() for mark in ("\n", "\r"))
