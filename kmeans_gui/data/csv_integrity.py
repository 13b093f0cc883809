"""Checks that pyarrow's CSV parser read the whole file, and sentences for when it did not.

pyarrow accepts a quote that is never closed (swallowing the rest of the file into one cell)
and can drop rows around one; these checks find that cheaply and name the line at fault, as
they do for a ragged row.
"""

from __future__ import annotations

import codecs
import csv
import mmap
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from .column_types import string_offsets
from .csv_dialect import DELIMITER_NAMES, SNIFF_BYTES, Dialect
from .encoding import BLOCK_BYTES
from .errors import DataError, counted


def every_record_read(
    file: Path, encoding: str, dialect: Dialect, columns: list[Any], header_in_columns: bool
) -> bool:
    """True if pyarrow returned a row for every record of the file.

    pyarrow's fast parser can silently drop rows around a quote that is never closed. In a
    UTF-8 file without quotes the cells, delimiters and line breaks add up to the file size,
    which costs nothing to check; otherwise the line breaks are counted (one pass over the
    bytes) and compared with the rows, blank lines and line breaks inside quoted cells.
    """
    rows = len(columns[0]) if columns else 0
    try:
        size = file.stat().st_size
        with file.open("rb") as handle:
            head = handle.read(SNIFF_BYTES)
    except OSError:
        return True
    text = [c for c in columns if pa.types.is_string(c.type) or pa.types.is_large_string(c.type)]
    if len(text) < len(columns) or not header_in_columns:  # cells not all text: no byte sum
        if not _has_quote(file):
            return True  # without quotes every line is a record, and pyarrow drops none
    elif encoding in ("utf-8", "utf-8-sig"):
        eol = 2 if b"\r\n" in head else 1
        prefix = len(codecs.BOM_UTF8) if head.startswith(codecs.BOM_UTF8) else 0
        for _ in range(dialect.skip_rows):
            prefix = head.index(b"\n", prefix) + 1 if b"\n" in head[prefix:] else prefix
        cells = sum(_text_bytes(column) for column in columns)
        expected = prefix + cells + rows * (len(columns) - 1 + eol)
        if size - expected in (0, -eol):
            return True
    breaks_in_cells = sum(
        int(pc.sum(pc.count_substring(column, "\n")).as_py() or 0) for column in text
    )
    lines, blank = _count_lines(file)
    header = 0 if header_in_columns or not dialect.header else 1
    return lines - blank - dialect.skip_rows - header - breaks_in_cells == rows


def records_read(
    file: Path, encoding: str, dialect: Dialect, rows: int, breaks_in_cells: int
) -> bool:
    """:func:`every_record_read` for a file parsed a chunk at a time: ``rows`` data rows (the
    header not among them) were read and their text cells held ``breaks_in_cells`` line
    breaks. Raises for a quote opened on the last line (see :func:`check_last_row`)."""
    if rows and _last_line_has_quote(file):
        raise_unclosed_quote(file, encoding, dialect)
    if not _has_quote(file):
        return True
    lines, blank = _count_lines(file)
    header = 1 if dialect.header else 0
    return lines - blank - dialect.skip_rows - header - breaks_in_cells == rows


def _has_quote(file: Path) -> bool:
    """True if the file holds a double quote anywhere (one memchr pass, no copy)."""
    try:
        with file.open("rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as m:
            return m.find(b'"') >= 0
    except (OSError, ValueError):
        return True


def _text_bytes(column: Any) -> int:
    """Bytes of text in an Arrow string column, read from its offsets (no pass over the data)."""
    total = 0
    for chunk in column.chunks:
        if len(chunk) == 0:
            continue
        offsets = string_offsets(chunk)
        total += int(offsets[-1] - offsets[0])
    return total


def _count_lines(file: Path) -> tuple[int, int]:
    """(lines, blank lines) of ``file``; a last line without a line break counts too."""
    lines = blank = 0
    carry = b""
    last = b"\n"
    with file.open("rb") as handle:
        while block := handle.read(BLOCK_BYTES):
            lines += block.count(b"\n")
            joined = carry + block
            blank += sum(joined.count(p) - carry.count(p) for p in (b"\n\n", b"\n\r\n"))
            carry, last = joined[-2:], block[-1:]
    if last != b"\n":
        lines += 1
    with file.open("rb") as handle:
        start = handle.read(2)
    if start.startswith((b"\n", b"\r\n")):
        blank += 1
    return lines, blank


def check_last_row(file: Path, encoding: str, dialect: Dialect, columns: list[Any]) -> None:
    """Raise if a quote is never closed: pyarrow then reads the rest of the file as one cell.

    Such a cell holds a line break, which :func:`load_delimited` looks for in the text columns
    (numbers cannot hold one); the one case it cannot see is a quote opened on the last line of
    a file without a final line break, looked for here.
    """
    if columns and len(columns[0]) and _last_line_has_quote(file):
        raise_unclosed_quote(file, encoding, dialect)


def _last_line_has_quote(file: Path) -> bool:
    try:
        with file.open("rb") as handle:
            handle.seek(max(file.stat().st_size - SNIFF_BYTES, 0))
            tail = handle.read().rstrip(b"\r\n")
    except OSError:
        return False
    last = tail[tail.rfind(b"\n") + 1 :]
    return b'"' in last and last.count(b'"') % 2 == 1


def raise_unclosed_quote(file: Path, encoding: str, dialect: Dialect) -> None:
    """Raise DataError naming the line of a quote that is never closed, if there is one."""
    limit = csv.field_size_limit(2**31 - 1)  # a swallowed tail is one huge field
    try:
        with _records(file, encoding, dialect, strict=True) as reader:
            start = 1 + dialect.skip_rows
            while True:
                try:
                    next(reader)
                except StopIteration:
                    return
                except csv.Error as exc:
                    if "unexpected end of data" in str(exc):
                        raise DataError(
                            f"{file.name}: the quote opened on line {start} is never closed, so "
                            "the rest of the file would be read as one cell; close it, or write "
                            'a quote inside quoted text as "".'
                        ) from None
                    # strict mode's other complaints are not ours: go on with the next record
                start = reader.line_num + 1 + dialect.skip_rows
    except (OSError, UnicodeError):
        return
    finally:
        csv.field_size_limit(limit)


def raise_ragged(file: Path, encoding: str, dialect: Dialect) -> None:
    """Find the first row whose field count differs from the first row's and raise for it."""
    try:
        with _records(file, encoding, dialect, strict=False) as reader:
            expected: int | None = None
            next_line = 1 + dialect.skip_rows
            for record in reader:
                line, next_line = next_line, reader.line_num + 1 + dialect.skip_rows
                if not record:
                    continue
                if expected is None:
                    expected = len(record)
                    first = "header" if dialect.header else "first line"
                    continue
                if len(record) != expected:
                    raise DataError(
                        f"Line {line} of {file.name} has {counted(len(record), 'field')} but the "
                        f"{first} has {counted(expected, 'field')}; fix that row, or quote "
                        "text that contains a "
                        f"{DELIMITER_NAMES.get(dialect.delimiter, repr(dialect.delimiter))}."
                    )
    except (OSError, csv.Error):
        return


@contextmanager
def _records(file: Path, encoding: str, dialect: Dialect, *, strict: bool) -> Iterator[Any]:
    """The standard library's reader over the file's records, after an Excel "sep=" line.

    It is the reference the checks above hold pyarrow to; bytes that do not decode are replaced,
    since only the structure (quotes, delimiters, line breaks) matters here.
    """
    with file.open(encoding=encoding, errors="replace", newline="") as handle:
        for _ in range(dialect.skip_rows):
            handle.readline()
        yield csv.reader(handle, delimiter=dialect.delimiter, strict=strict)
