"""A table read a piece at a time, for runs on files larger than memory (``cluster --stream``).

``open_table_stream`` looks at a Parquet file, a folder of Parquet files or a CSV/TSV file and
returns a :class:`StreamedTable`: its columns and header cells as ``load_table`` would name
them, and ``pieces()``, a fresh pass over the rows as typed DataFrames of at most
``chunk_rows`` rows. Each pass types every cell exactly as ``load_table`` does, so a piece
holds the rows of the in-memory frame, in order, with the same dtypes: Parquet by its schema
(``parquet_chunks.py``, a row group at a time), CSV by its columns' kinds found in a first pass
(``csv_chunks.py``).

Pieces carry their ``unit`` (a row group, or a block of the CSV file): a sharded run gives each
worker some units, and every worker knows where each unit starts.

``estimated_memory`` says roughly how much memory loading the table whole would take, from the
file's metadata or size alone; ``memory_budget`` is the share of the machine a run may use
before it streams instead.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import pandas as pd

from .errors import DataError
from .load import TEXT_EXTENSIONS, CsvStyle, LoadedTable
from .progress import ProgressCallback

#: Rows per piece: small enough that a piece's temporaries (64 Ki rows x 8 columns x 8 bytes
#: = 4 MiB) are reused heap memory; beyond glibc's 32 MiB mmap threshold every piece took
#: fresh pages, which made a pass over 10M rows 4x slower (measured).
DEFAULT_CHUNK_ROWS = 1 << 16
STREAM_EXTENSIONS = (*TEXT_EXTENSIONS, ".parquet", ".pq")
#: Bytes of memory an in-memory run needs per numeric cell beyond the table itself: the
#: float64 feature matrix, the engine's float32 blocks and its float64 finals (measured
#: peaks of ``cluster`` were 2-3x the table's own size).
_BYTES_PER_CELL = 24


@dataclass(frozen=True)
class TablePiece:
    """Consecutive rows of the table: every column, typed as ``load_table`` types them."""

    unit: int  # the unit (row group, CSV block) the rows come from
    start: int  # the table's row position of the first row
    frame: pd.DataFrame  # index: the rows' positions in the table


class StreamedTable(Protocol):
    """A table file opened for passes; see the module docstring."""

    path: Path
    format: str  # "csv" | "tsv" | "parquet"
    columns: tuple[str, ...]  # unique, stripped names, as LoadedTable.frame's
    header: tuple[str, ...]  # each column's header cell exactly as written
    n_rows: int
    n_units: int
    unit_rows: tuple[int, ...]  # rows of each unit
    notes: tuple[str, ...]
    empty_columns: frozenset[str]  # columns the file shows to hold no value at all

    def pieces(
        self,
        columns: Sequence[str] | None = None,
        units: Callable[[int], bool] | None = None,
    ) -> Iterator[TablePiece]:
        """A pass over the rows (only ``columns``, all by default), unit by unit; with
        ``units``, only the units it accepts (a worker's share)."""
        ...

    def loaded(self) -> LoadedTable:
        """What exports need of the source: its path, format, header cells and CSV style,
        as a LoadedTable with an empty frame."""
        ...


def open_table_stream(
    path: str | os.PathLike[str],
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    progress: ProgressCallback | None = None,
) -> StreamedTable:
    """Open ``path`` (a Parquet file or folder, or a plain CSV/TSV) for passes.

    A CSV file is read through once here, to type its columns. Raises :class:`DataError` for
    a format that cannot be streamed (Excel, JSON, a compressed file: load or unpack it).
    """
    from .csv_chunks import CsvTable
    from .parquet_chunks import ParquetTable

    file = Path(path).expanduser()
    if chunk_rows < 1:
        raise DataError(f"Chunks need at least one row, not {chunk_rows}.")
    if file.is_dir():
        return ParquetTable(file, chunk_rows)
    kind = stream_format(file)
    if kind == "parquet":
        return ParquetTable(file, chunk_rows)
    return CsvTable(file, kind, chunk_rows, progress)


def stream_format(file: Path) -> str:
    """ "parquet", "csv" or "tsv" for a file a streamed run can read, else DataError."""
    if not file.exists():
        raise DataError(f"No such file: {file}.")
    try:
        with file.open("rb") as handle:
            head = handle.read(8)
    except OSError as exc:
        raise DataError(f"Cannot open {file}: {exc.strerror or exc}.") from None
    if head.startswith(b"PAR1"):
        return "parquet"
    compressed = head.startswith((b"\x1f\x8b", b"BZh", b"\xfd7zXZ", b"PK\x03\x04"))
    ext = file.suffix.lower()
    if compressed or ext not in TEXT_EXTENSIONS:
        raise DataError(
            f"{file.name} cannot be read a piece at a time: streamed runs read Parquet "
            "(a file or a folder of them) and plain CSV/TSV; convert it, or unpack it first."
        )
    return "tsv" if ext in (".tsv", ".tab") else "csv"


def loaded_source(table: StreamedTable, encoding: str | None = None, style=None) -> LoadedTable:
    """The LoadedTable exports protect and copy the header from (no rows)."""
    frame = pd.DataFrame({name: pd.Series(dtype=object) for name in table.columns})
    return LoadedTable(
        frame=frame,
        path=table.path,
        format=table.format,
        encoding=encoding,
        csv_style=style if isinstance(style, CsvStyle) else None,
        header=table.header,
        notes=table.notes,
    )


# ---------------------------------------------------------------------------------------------
# Memory


def estimated_memory(path: str | os.PathLike[str]) -> int | None:
    """Bytes an in-memory run on ``path`` would need, roughly, or None when it cannot tell
    (a format streamed runs do not read). Reads metadata, or the first 64 KiB of a CSV."""
    file = Path(path).expanduser()
    try:
        kind = "parquet" if file.is_dir() else stream_format(file)
    except DataError:
        return None
    if kind == "parquet":
        from .parquet_chunks import parquet_size

        try:
            rows, numeric, table_bytes = parquet_size(file)
        except DataError:
            if file.is_dir():  # not a Parquet folder: loading it says what it is
                return None
            raise
    else:
        from .csv_chunks import csv_size

        rows, numeric, table_bytes = csv_size(file)
    return table_bytes + rows * numeric * _BYTES_PER_CELL


def memory_budget(share: float = 0.5) -> int:
    """``share`` of the memory available now (MemAvailable; the total where unknown)."""
    try:
        with open("/proc/meminfo") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(share * int(line.split()[1]) * 1024)
    except OSError:
        pass
    try:
        return int(share * os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):
        return 8 << 30


def parse_size(text: str) -> int:
    """'8G', '500M', '1.5GiB', '2000000' (bytes) -> bytes; ValueError for anything else."""
    value = text.strip().upper().removesuffix("IB").removesuffix("B")
    scale = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}
    factor = 1
    if value and value[-1] in scale:
        factor, value = scale[value[-1]], value[:-1]
    number = float(value)
    if not number > 0 or number != number:
        raise ValueError(text)
    return int(number * factor)
