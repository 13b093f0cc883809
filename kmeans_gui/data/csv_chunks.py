"""CSV/TSV a block at a time, typed exactly as ``load_table`` types the whole file.

``read_csv`` parses the whole file and types each whole column (``column_types``). Here
pyarrow's streaming reader parses it block by block, and a first pass decides each column's
kind from all of its chunks (``column_types.merge_kinds``: whole numbers and decimals are
decimals; a word anywhere makes text): then every pass types each chunk as the whole column
would be typed, so '007' stays text even where a chunk holds only '12', and an integer column
with a gap three million rows down is still Int64. The first pass also holds pyarrow to the
file as ``read_csv`` does: a ragged row or a quote that is never closed is an error naming
its line, rows that went missing are an error, and a file that is not UTF-8 is read as
Windows-1252/Latin-1 with a note.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pv

from .column_types import EMPTY, Kind, classify_column, final_kind, merge_kinds, typed_as
from .csv_dialect import DELIMITER_NAMES, SNIFF_BYTES, Dialect, sniff_dialect
from .csv_integrity import raise_ragged, raise_unclosed_quote, records_read
from .encoding import NotDecodable, bom_encoding, check_decodes, fallback_encoding
from .errors import DataError, cannot_read, first_line, only_blank_lines
from .load import CsvStyle, LoadedTable, unique_names
from .progress import ProgressCallback, Reporter
from .table_stream import TablePiece, loaded_source

_RAGGED = re.compile(r"Expected (\d+) columns, got (\d+)")
_MIN_BLOCK, _MAX_BLOCK = 1 << 20, 64 << 20


class _Respeculate(Exception):
    """A column guessed to be decimal numbers holds text further down: read all as text."""


def csv_size(file: Path) -> tuple[int, int, int]:
    """(rows, columns, bytes) estimated from the file's size and its first 64 KiB."""
    size = file.stat().st_size
    with file.open("rb") as handle:
        head = handle.read(SNIFF_BYTES)
    lines = max(head.count(b"\n"), 1)
    rows = int(size / (len(head) / lines))
    width = max(head.split(b"\n", 1)[0].count(c) for c in (b",", b";", b"\t", b"|")) + 1
    return rows, width, size


class CsvTable:
    """A :class:`~.table_stream.StreamedTable` over a delimited text file."""

    def __init__(
        self, file: Path, fmt: str, chunk_rows: int, progress: ProgressCallback | None = None
    ) -> None:
        self.path = file
        self.chunk_rows = chunk_rows
        report = Reporter(progress)
        try:
            size = file.stat().st_size
            with file.open("rb") as handle:
                head = handle.read(SNIFF_BYTES)
        except OSError as exc:
            raise cannot_read(file, exc) from None
        if size == 0:
            raise DataError(f"{file.name} is empty (0 bytes).")
        notes: list[str] = []
        encoding = bom_encoding(file, head)
        if encoding not in ("utf-8", "utf-8-sig"):
            check_decodes(file, encoding, size, report)
        self.dialect = dialect = sniff_dialect(file, head, encoding, size, forced_tab=fmt == "tsv")
        lines = max(head.count(b"\n"), 1)
        self.block = int(min(_MAX_BLOCK, max(_MIN_BLOCK, 1.2 * len(head) / lines * chunk_rows)))
        self.speculate = (dialect.header_cells is not None or not dialect.header) and any(
            dialect.floats
        )
        self.encoding = encoding
        try:
            self._first_pass(report, size)
        except NotDecodable:
            if encoding != "utf-8":
                raise DataError(f"{file.name} is not valid {encoding} text.") from None
            self.encoding = fallback_encoding(file, size, report, notes)
            self._first_pass(report, size)
        self.format = "tsv" if dialect.delimiter == "\t" else "csv"
        marks = {k.mark for k in self.kinds if k.name == "float" and k.shown}
        decimal = marks.pop() if len(marks) == 1 else dialect.decimal
        self.style = CsvStyle(dialect.delimiter, decimal, bom=self.encoding == "utf-8-sig")
        self._name_columns(notes)
        self.notes = tuple(notes)

    # ------------------------------------------------------------------ the raw chunks
    def _raw(self) -> Iterator[list[pa.Array]]:
        """Each chunk's columns as parsed (text, or float64 where speculated), header off."""
        dialect = self.dialect
        names = [f"f{i}" for i in range(dialect.width)]
        floats = dialect.floats or (False,) * len(names)
        types = {
            name: pa.float64() if self.speculate and is_float else pa.string()
            for name, is_float in zip(names, floats, strict=True)
        }
        header_known = dialect.header and dialect.header_cells is not None
        read = pv.ReadOptions(
            encoding="utf8" if self.encoding in ("utf-8", "utf-8-sig") else self.encoding,
            skip_rows=dialect.skip_rows + header_known,
            column_names=names,
            block_size=self.block,
        )
        convert = pv.ConvertOptions(
            column_types=types,
            null_values=[""],
            strings_can_be_null=True,
            quoted_strings_can_be_null=True,
        )
        parse = pv.ParseOptions(delimiter=dialect.delimiter, newlines_in_values=True)
        take_header = dialect.header and not header_known
        try:
            reader = pv.open_csv(
                self.path, read_options=read, parse_options=parse, convert_options=convert
            )
            for batch in reader:
                columns = list(batch.columns)
                if take_header and len(batch):
                    self._header_row = [
                        "" if c[0].as_py() is None else str(c[0].as_py()) for c in columns
                    ]
                    columns = [c[1:] for c in columns]
                    take_header = False
                for start in range(0, len(columns[0]), self.chunk_rows):
                    yield [c[start : start + self.chunk_rows] for c in columns]
        except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
            self._raise_for(exc)
            raise
        except OSError as exc:
            raise cannot_read(self.path, exc) from None

    def _raise_for(self, exc: Exception) -> None:
        message = str(exc)
        if isinstance(exc, UnicodeDecodeError) or "invalid UTF8" in message:
            raise NotDecodable from None
        if "Empty CSV file" in message:
            raise only_blank_lines(self.path) from None
        if self.speculate and "conversion error" in message.lower():
            raise _Respeculate from None
        file, encoding, dialect = self.path, self.encoding, self.dialect
        raise_unclosed_quote(file, encoding, dialect)
        if _RAGGED.search(message):
            raise_ragged(file, encoding, dialect)
        raise DataError(f"{file.name} cannot be read as a table: {first_line(exc)}.") from None

    # ------------------------------------------------------------------ the first pass
    def _first_pass(self, report: Reporter, size: int) -> None:
        """Every chunk read once: the columns' kinds, the rows per chunk, the checks."""
        while True:
            try:
                self._scan(report, size)
                return
            except _Respeculate:
                self.speculate = False

    def _scan(self, report: Reporter, size: int) -> None:
        dialect = self.dialect
        width = dialect.width
        kinds: list[Kind] = [EMPTY] * width
        broken = [False] * width  # a text cell holds a line break
        breaks = 0
        unit_rows: list[int] = []
        self._header_row: list[str] | None = None
        hints = dialect.texts or (False,) * width
        estimate = max(csv_size(self.path)[0], 1)
        with ThreadPoolExecutor(max_workers=max(1, min(width, os.cpu_count() or 1))) as pool:
            for columns in self._raw():

                def kind(j: int, columns=columns) -> Kind:
                    return classify_column(
                        columns[j], dialect.decimal, dialect.thousands, dialect.delimiter, hints[j]
                    )[1]

                for j, found in enumerate(pool.map(kind, range(width))):
                    kinds[j] = merge_kinds(kinds[j], found)
                for j, column in enumerate(columns):
                    if pa.types.is_string(column.type) and column.null_count < len(column):
                        count = int(pc.sum(pc.count_substring(column, "\n")).as_py() or 0)
                        breaks += count
                        broken[j] = broken[j] or bool(count) or _has_return(column)
                unit_rows.append(len(columns[0]))
                done = sum(unit_rows)
                report(min(0.95, done / estimate), f"Reading {self.path.name}: {done:,} rows")
        self.kinds = [final_kind(k) for k in kinds]
        self.unit_rows = tuple(unit_rows)
        self.n_units = len(unit_rows)
        self.n_rows = sum(unit_rows)
        numeric = {"int", "float", "bool", "empty"}
        if any(b and k.name not in numeric for b, k in zip(broken, self.kinds, strict=True)):
            raise_unclosed_quote(self.path, self.encoding, dialect)
        if not records_read(self.path, self.encoding, dialect, self.n_rows, breaks):
            raise DataError(
                f"{self.path.name}: not every line could be read as a record ({self.n_rows:,} "
                "read); check it for quotes that are never closed, or load it without --stream."
            )
        report(1.0, f"Read {self.n_rows:,} rows of {self.path.name}")

    def _name_columns(self, notes: list[str]) -> None:
        """Header cells and names as ``load_table`` gives them (``load._tidy``)."""
        dialect = self.dialect
        width = dialect.width
        if not dialect.header:
            header = [f"column_{i + 1}" for i in range(width)]
            notes.append(
                f"{self.path.name} has no header row (its first line is all numbers); "
                f"the columns are named column_1 to column_{width}."
            )
        elif dialect.header_cells is not None:
            header = list(dialect.header_cells)
        else:
            header = self._header_row or [""] * width
        if header and self.encoding == "utf-8-sig":
            header[0] = header[0].removeprefix("\ufeff")
        keep = list(range(width))
        empty = [i for i in keep if not header[i].strip() and self.kinds[i] == EMPTY]
        if empty and len(empty) < width:
            keep = [i for i in keep if i not in set(empty)]
            origin = f" (often trailing {DELIMITER_NAMES.get(dialect.delimiter, 'delimiter')}s)"
            notes.append(
                f"Ignored {len(empty)} empty column(s) without a header in "
                f"{self.path.name}{origin}."
            )
        if self.n_rows == 0:
            raise DataError(f"{self.path.name} has a header row but no data rows.")
        self.positions = keep
        self.header = tuple(header[i] for i in keep)
        self.columns = tuple(unique_names([header[i].strip() or f"Unnamed: {i}" for i in keep]))
        self.empty_columns = frozenset(
            name for name, i in zip(self.columns, keep, strict=True) if self.kinds[i] == EMPTY
        )

    # ------------------------------------------------------------------ passes
    def pieces(
        self,
        columns: Sequence[str] | None = None,
        units: Callable[[int], bool] | None = None,
    ) -> Iterator[TablePiece]:
        wanted = list(self.columns) if columns is None else list(columns)
        position = dict(zip(self.columns, self.positions, strict=True))
        chosen = [position[name] for name in wanted]
        d = self.dialect
        start = 0
        with ThreadPoolExecutor(max_workers=max(1, min(len(chosen), os.cpu_count() or 1))) as pool:
            for unit, raw in enumerate(self._raw()):
                n = len(raw[0])
                if units is not None and not units(unit):
                    start += n
                    continue

                def typed(j: int, raw=raw) -> pd.Series:
                    return typed_as(raw[j], self.kinds[j], d.decimal, d.thousands, d.delimiter)

                series = list(pool.map(typed, chosen))
                frame = pd.concat(series, axis=1, ignore_index=True) if series else None
                if frame is None:
                    frame = pd.DataFrame(index=range(n))
                frame.columns = wanted
                frame.index = pd.RangeIndex(start, start + n)
                yield TablePiece(unit, start, frame)
                start += n

    def loaded(self) -> LoadedTable:
        return loaded_source(self, self.encoding, self.style)


def _has_return(column: pa.Array) -> bool:
    return bool(pc.any(pc.match_substring(column, "\r")).as_py())


__all__ = ["CsvTable", "Dialect", "csv_size"]
