"""The labelled table of a streamed run, written a piece at a time into one temporary file.

``export.py`` writes a DataFrame it holds; a streamed run never holds its table. Here the
caller gives a function that starts a pass over the labelled pieces (``labelled_frame`` of
each piece, so the ``cluster`` and ``distance`` columns are made as they always are) and the
rows are written as they come, with the cell rules of ``export.py``: the source's header cells
as written, its delimiter and decimal mark, Int64 labels with an empty cell for a row left
out, floats as pandas writes them (CSV) or at full precision (JSON). The plan is a
``StagedWrite``, so ``write_all`` puts it in place with the other outputs, all or none, and no
partial file is ever left behind. Excel is refused: a sheet holds about a million rows.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa

from .errors import DataError
from .export import _json_values, _parquet_ready, check_export_path, free_name
from .load import CsvStyle, LoadedTable

Frames = Callable[[], Iterable[pd.DataFrame]]


def labelled_columns(columns: Iterable[str]) -> list[str]:
    """The labelled table's column names: ``labelled_frame``'s, decided from the names."""
    names = [str(c) for c in columns]
    return [*names, free_name("cluster", names), free_name("distance", names)]


@dataclass(frozen=True, eq=False)
class StreamedWrite:
    """A labelled table to write piece by piece to ``target``; see :func:`plan_streamed_write`."""

    frames: Frames
    target: Path
    format: str
    style: CsvStyle
    header: tuple[str, ...]  # the header cells to write, one per column
    types: dict[str, pa.DataType]  # a column's Arrow type where its first piece cannot say

    def write(self, tmp: Path) -> None:
        if self.format in ("csv", "tsv"):
            self._delimited(tmp)
        elif self.format == "parquet":
            self._parquet(tmp)
        else:
            self._json(tmp, lines=self.format == "jsonl")

    def _delimited(self, tmp: Path) -> None:
        style = self.style
        delimiter = "\t" if self.format == "tsv" else style.delimiter
        if self.format == "csv" and delimiter not in (",", ";"):
            delimiter = ","  # a .csv is comma or semicolon separated, as export.py writes it
        encoding = "utf-8-sig" if style.bom else "utf-8"
        with tmp.open("w", encoding=encoding, newline="") as handle:
            for i, frame in enumerate(self.frames()):
                frame.to_csv(
                    handle,
                    index=False,
                    header=list(self.header) if i == 0 else False,
                    sep=delimiter,
                    decimal=style.decimal if delimiter != "," else ".",
                    lineterminator="\n",
                )

    def _names(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Unique names from the header cells (a repeated cell keeps its unique name)."""
        seen: set[str] = set()
        names = []
        for cell, name in zip(self.header, map(str, frame.columns), strict=True):
            names.append(name if cell in seen else cell)
            seen.add(names[-1])
        return frame.set_axis(names, axis=1)

    def _parquet(self, tmp: Path) -> None:
        import pyarrow.parquet as pq

        writer = None
        schema = None
        try:
            for frame in self.frames():
                frame = _parquet_ready(self._names(frame))
                if schema is None:
                    schema = pa.Schema.from_pandas(frame, preserve_index=False)
                    for i, f in enumerate(schema):
                        if pa.types.is_null(f.type):  # empty in the first piece
                            kind = self.types.get(str(frame.columns[i]), pa.string())
                            schema = schema.set(i, pa.field(f.name, kind))
                    writer = pq.ParquetWriter(tmp, schema)
                try:
                    table = pa.Table.from_pandas(frame, schema=schema, preserve_index=False)
                except (pa.ArrowException, TypeError, ValueError) as exc:
                    raise DataError(
                        f"Could not write {self.target.name}: a column's values change type "
                        f"between rows ({exc}); export to CSV instead."
                    ) from None
                writer.write_table(table)
        finally:
            if writer is not None:
                writer.close()

    def _json(self, tmp: Path, *, lines: bool) -> None:
        import json

        with tmp.open("w", encoding="utf-8", newline="\n") as handle:
            handle.write("" if lines else "[\n")
            separator = "\n" if lines else ",\n"
            first = True
            for frame in self.frames():
                frame = self._names(frame)
                keys = [json.dumps(str(name), ensure_ascii=False) + ":" for name in frame.columns]
                values = [_json_values(frame.iloc[:, j]) for j in range(frame.shape[1])]
                for row in zip(*values, strict=True):
                    if not first:
                        handle.write(separator)
                    first = False
                    handle.write(
                        "{" + ",".join(k + v for k, v in zip(keys, row, strict=True)) + "}"
                    )
            handle.write("\n" if lines else "\n]\n")


def check_streamed_path(
    path: str | os.PathLike[str], *, source: LoadedTable, overwrite_input: bool = False
) -> tuple[Path, str]:
    """``check_export_path`` for a labelled table written piece by piece: not to Excel."""
    target, fmt = check_export_path(path, source=source, overwrite_input=overwrite_input)
    if fmt == "excel":
        raise DataError(
            "A streamed run writes CSV, TSV, Parquet or JSON, not Excel (a sheet holds at most "
            "1,048,575 rows); choose another file name."
        )
    return target, fmt


def plan_streamed_write(
    frames: Frames,
    columns: Iterable[str],
    path: str | os.PathLike[str],
    *,
    source: LoadedTable,
    overwrite_input: bool = False,
    csv_style: CsvStyle | None = None,
    types: dict[str, pa.DataType] | None = None,
) -> StreamedWrite:
    """Check that the labelled pieces can go to ``path`` (as ``plan_write`` checks) and plan
    their writing; ``columns`` are the labelled table's (``labelled_columns``)."""
    target, fmt = check_streamed_path(path, source=source, overwrite_input=overwrite_input)
    names = [str(c) for c in columns]
    original = dict(zip(map(str, source.frame.columns), source.header, strict=False))
    header = tuple(original.get(name, name) for name in names)
    style = csv_style or source.csv_style or CsvStyle()
    return StreamedWrite(frames, target, fmt, style, header, dict(types or {}))
