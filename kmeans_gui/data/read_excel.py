"""Read the first sheet of an Excel .xlsx workbook (needs the optional ``openpyxl``).

Cells are typed as a CSV export of the sheet would be, so the two formats load alike.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import pandas as pd

from .column_types import EXACT_INTEGER_LIMIT, type_columns
from .errors import DataError, first_line, require_openpyxl
from .progress import Reporter


def load_excel(file: Path, report: Reporter, notes: list[str]) -> pd.DataFrame:
    require_openpyxl("Reading")
    report(0.1, f"Reading {file.name}")
    try:
        with pd.ExcelFile(file, engine="openpyxl") as book:
            sheets = [str(s) for s in book.sheet_names]
            if not sheets:
                raise DataError(f"{file.name} has no worksheets.")
            try:
                # every cell as Excel holds it: header row included, no inference by pandas
                cells = pd.read_excel(
                    book,
                    sheet_name=sheets[0],
                    header=None,
                    dtype=object,
                    keep_default_na=False,
                    na_values=[""],
                )
            except pd.errors.EmptyDataError:
                cells = pd.DataFrame()
    except DataError:
        raise
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError, OSError) as exc:
        raise DataError(f"{file.name} is not a readable Excel file: {first_line(exc)}.") from None
    if len(sheets) > 1:
        notes.append(
            f"{file.name} has {len(sheets)} sheets; only the first, '{sheets[0]}', was read."
        )
    if cells.shape[1] == 0 or len(cells) == 0:
        raise DataError(f"The first sheet '{sheets[0]}' of {file.name} is empty.")
    return _typed_sheet(cells)


def _typed_sheet(cells: pd.DataFrame) -> pd.DataFrame:
    """A sheet's cells (first row the header) typed as a CSV file's text would be.

    Columns of text, numbers and booleans go through the CSV typing, so '007' typed as text
    stays '007' and whole numbers with a gap stay whole (Int64); columns holding dates or
    times keep Excel's values.
    """
    header = ["" if _is_missing(v) else _cell_text(v) for v in cells.iloc[0]]
    body = cells.iloc[1:].reset_index(drop=True)
    columns: list[Any] = []
    as_text: list[int] = []
    for j in range(body.shape[1]):
        values = body.iloc[:, j].tolist()
        if all(_is_missing(v) or isinstance(v, (str, int, float)) for v in values):
            texts = [None if _is_missing(v) else _cell_text(v) for v in values]
            columns.append(pd.Series(texts, dtype=object))
            as_text.append(j)
        else:
            columns.append(body.iloc[:, j].infer_objects())
    typed, _ = type_columns([columns[j] for j in as_text])
    for j, series in zip(as_text, typed, strict=True):
        columns[j] = series
    frame = pd.concat(columns, axis=1, ignore_index=True)
    frame.columns = header
    return frame


def _is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and value != value)


def _cell_text(value: Any) -> str:
    """A cell as the text a CSV export of the sheet would hold: 7, 1.5, true, 'as typed'."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < EXACT_INTEGER_LIMIT:
        return repr(value)  # 7.0: Excel stored a decimal number, so the column stays float
    return str(value)
