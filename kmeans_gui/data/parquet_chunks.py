"""Parquet a row group at a time: a file, or a folder of files with one schema.

Each row group is a unit; a row group larger than the chunk is read in batches of at most
``chunk_rows`` rows. Every batch becomes a DataFrame as ``read_parquet.load_parquet`` makes
the whole table (integers with gaps stay integers, a saved index becomes columns), named as
``load_table`` names columns.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pandas as pd
import pyarrow as pa

from .errors import DataError, first_line
from .load import LoadedTable, unique_names
from .read_parquet import _nullable_integer
from .table_stream import TablePiece, loaded_source

PARQUET_EXTENSIONS = (".parquet", ".pq")


def parquet_files(path: Path) -> list[Path]:
    """``path`` itself, or the Parquet files in the folder ``path``, by name."""
    if not path.is_dir():
        return [path]
    files = sorted(
        p
        for p in path.iterdir()
        if p.is_file()
        and p.suffix.lower() in PARQUET_EXTENSIONS
        and not p.name.startswith((".", "_"))
    )
    if not files:
        raise DataError(f"{path} holds no Parquet files (*.parquet, *.pq).")
    return files


def _open(file: Path):
    import pyarrow.parquet as pq

    try:
        return pq.ParquetFile(file)
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise DataError(f"{file.name} is not a readable Parquet file: {first_line(exc)}.") from None


def parquet_size(path: Path) -> tuple[int, int, int]:
    """(rows, numeric columns, uncompressed bytes) from the files' metadata alone."""
    rows = numeric = size = 0
    for file in parquet_files(path):
        meta = _open(file).metadata
        rows += meta.num_rows
        size += sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
        schema = meta.schema.to_arrow_schema()
        numeric = sum(pa.types.is_integer(f.type) or pa.types.is_floating(f.type) for f in schema)
    return rows, numeric, size


class ParquetTable:
    """A :class:`~.table_stream.StreamedTable` over Parquet row groups."""

    format = "parquet"
    notes: tuple[str, ...] = ()

    def __init__(self, path: Path, chunk_rows: int) -> None:
        self.path = path
        self.chunk_rows = chunk_rows
        self.files = parquet_files(path)
        first = _open(self.files[0])
        self.schema = first.schema_arrow
        units: list[tuple[int, int, int]] = []  # (file, row group, rows)
        for f, file in enumerate(self.files):
            parquet = first if f == 0 else _open(file)
            if not parquet.schema_arrow.equals(self.schema, check_metadata=False):
                raise DataError(
                    f"{file.name} does not have the columns of {self.files[0].name}; every "
                    "Parquet file of a folder must have the same columns and types."
                )
            meta = parquet.metadata
            for g in range(meta.num_row_groups):
                rows = meta.row_group(g).num_rows
                if rows:
                    units.append((f, g, rows))
        self.units = units
        self.unit_rows = tuple(rows for _, _, rows in units)
        self.n_units = len(units)
        self.n_rows = sum(self.unit_rows)
        empty = self._frame(self.schema.empty_table())
        original = [str(c) for c in empty.columns]
        if not original:
            raise DataError(f"{path.name} holds no columns.")
        if self.n_rows == 0:
            raise DataError(f"{path.name} has a header row but no data rows.")
        self.header = tuple(original)
        self.columns = tuple(
            unique_names([name.strip() or f"Unnamed: {i}" for i, name in enumerate(original)])
        )
        self._index_columns = bool(_pandas_index(self.schema))
        self.arrow_types = {f.name: f.type for f in self.schema}  # what exports write back
        self.empty_columns = frozenset(self._null_columns())

    def _null_columns(self) -> list[str]:
        """Columns whose every cell is null, by the row groups' statistics."""
        nulls: dict[str, int] = {}
        for f, file in enumerate(self.files):
            meta = _open(file).metadata
            for g in {g for f2, g, _ in self.units if f2 == f}:
                group = meta.row_group(g)
                for i in range(group.num_columns):
                    column = group.column(i)
                    stats = column.statistics
                    known = stats is not None and stats.has_null_count
                    count = stats.null_count if known else -(10**18)
                    nulls[column.path_in_schema] = nulls.get(column.path_in_schema, 0) + count
        by_header = dict(zip(self.header, self.columns, strict=True))
        return [by_header[c] for c, n in nulls.items() if n == self.n_rows and c in by_header]

    @staticmethod
    def _frame(table: pa.Table) -> pd.DataFrame:
        frame = table.to_pandas(types_mapper=_nullable_integer)
        if not isinstance(frame.index, pd.RangeIndex) or frame.index.name is not None:
            frame = frame.reset_index()  # as load_parquet: a saved index is data
        return frame

    def pieces(
        self,
        columns: Sequence[str] | None = None,
        units: Callable[[int], bool] | None = None,
    ) -> Iterator[TablePiece]:
        wanted = list(self.columns) if columns is None else list(columns)
        read_columns = None
        if not self._index_columns:  # otherwise the pandas metadata needs every column
            by_name = dict(zip(self.columns, self.header, strict=True))
            read_columns = [by_name[c] for c in wanted]
        start = 0
        opened: dict[int, object] = {}
        try:
            for unit, (f, group, rows) in enumerate(self.units):
                if units is not None and not units(unit):
                    start += rows
                    continue
                if f not in opened:
                    opened.clear()
                    opened[f] = _open(self.files[f])
                parquet = opened[f]
                for batch in parquet.iter_batches(  # type: ignore[attr-defined]
                    batch_size=self.chunk_rows, row_groups=[group], columns=read_columns
                ):
                    frame = self._frame(pa.Table.from_batches([batch]))
                    frame.columns = list(self.columns) if read_columns is None else wanted
                    if read_columns is None:
                        frame = frame[wanted]
                    frame.index = pd.RangeIndex(start, start + len(frame))
                    yield TablePiece(unit, start, frame)
                    start += len(frame)
        except (pa.ArrowException, OSError) as exc:
            raise DataError(
                f"{self.path.name} could not be read to the end: {first_line(exc)}."
            ) from None

    def loaded(self) -> LoadedTable:
        return loaded_source(self)


def _pandas_index(schema: pa.Schema) -> list:
    """The index columns the pandas metadata names (stored as columns), if any."""
    meta = schema.metadata or {}
    raw = meta.get(b"pandas")
    if not raw:
        return []
    try:
        index = json.loads(raw).get("index_columns", [])
    except (ValueError, AttributeError):
        return []
    return [c for c in index if isinstance(c, str)]
