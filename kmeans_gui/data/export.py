"""Write results back out: the labelled table and the centroids, atomically, by file extension.

The labelled table is the original one (every column and row, in order, under its header cells
exactly as in the source file) plus ``cluster`` (nullable integer, empty for rows left out of
the fit) and ``distance`` (to the assigned centroid, in the units the clustering ran in: the
user's own with no scaling, else the scaled ones, where every feature weighs alike).

Every write goes to a temporary file in the target folder and is renamed over the target only
once complete, so a failed export leaves any previous file intact; :func:`write_all` does the
same for several files at once (all of them or none), and any error while writing surfaces as
:class:`DataError` naming the file. The input file is never overwritten unless the caller
explicitly allows it.
"""

from __future__ import annotations

import datetime
import json
import math
import os
import secrets
import shutil
from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np
import pandas as pd
import pyarrow as pa
from pandas.api import types as ptypes

from .errors import DataError, first_line, require_openpyxl
from .features import FeatureMatrix
from .load import CsvStyle, LoadedTable

EXPORT_FORMATS = {
    ".csv": "csv",
    ".txt": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".xlsx": "excel",
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
}
"""File name endings the exporters understand, and the format each writes."""

SAVE_FILTER = "CSV (*.csv);;TSV (*.tsv);;Parquet (*.parquet);;Excel (*.xlsx);;JSON (*.json)"
"""A file-dialog name filter listing the export formats."""

EXCEL_MAX_ROWS = 1_048_576  # including the header row

Source = LoadedTable | str | os.PathLike[str] | None


def labelled_frame(
    frame: pd.DataFrame,
    features: FeatureMatrix,
    labels: np.ndarray,
    distances: np.ndarray | None = None,
    silhouettes: np.ndarray | None = None,
) -> pd.DataFrame:
    """``frame`` plus ``cluster`` (Int64, <NA> for left-out rows), ``distance`` and, when given,
    ``silhouette`` columns (empty for left-out rows).

    ``labels``, ``distances`` and ``silhouettes`` hold one value per used row
    (``features.n_used``), in order. If the table already has a column of one of these names
    the new one is ``cluster_2``...
    """
    if len(frame) != features.n_rows:
        raise ValueError(f"frame has {len(frame)} rows, the features come from {features.n_rows}")
    labels = np.asarray(labels)
    if labels.shape != (features.n_used,):
        raise ValueError(f"labels must have shape ({features.n_used},), got {labels.shape}")
    values = np.zeros(features.n_rows, dtype=np.int64)
    values[features.row_mask] = labels
    columns: dict[str, object] = {
        free_name("cluster", frame.columns): pd.arrays.IntegerArray(values, ~features.row_mask)
    }
    for name, per_row in (("distance", distances), ("silhouette", silhouettes)):
        if per_row is None:
            continue
        per_row = np.asarray(per_row, dtype=np.float64)
        if per_row.shape != (features.n_used,):
            raise ValueError(f"{name}s must have shape ({features.n_used},)")
        full = np.full(features.n_rows, np.nan)
        full[features.row_mask] = per_row
        columns[free_name(name, frame.columns)] = full
    return frame.assign(**columns)  # type: ignore[arg-type]


def centroid_frame(
    features: FeatureMatrix,
    centroids: np.ndarray,
    sizes: np.ndarray,
    *,
    user_units: bool = False,
) -> pd.DataFrame:
    """One row per cluster: ``cluster``, ``size`` (rows) and the features in the user's units.

    ``centroids`` are in the units of ``features.X`` (what the engine returns), or already in
    the user's units with ``user_units=True`` (what :func:`final_centroids` returns).
    """
    centroids = np.asarray(centroids, dtype=np.float64)
    k, d = centroids.shape
    if d != len(features.columns):
        raise ValueError(f"centroids have {d} columns but there are {len(features.columns)}")
    user = centroids if user_units else features.to_user_units(centroids)
    out = pd.DataFrame(
        {
            free_name("cluster", features.columns): np.arange(k, dtype=np.int64),
            free_name("size", features.columns): np.asarray(sizes, dtype=np.int64).reshape(k),
        }
    )
    for j, name in enumerate(features.columns):
        out[name] = user[:, j]
    return out


def export_labelled(
    table: LoadedTable | pd.DataFrame,
    features: FeatureMatrix,
    labels: np.ndarray,
    distances: np.ndarray | None,
    path: str | os.PathLike[str],
    *,
    overwrite_input: bool = False,
    csv_style: CsvStyle | None = None,
) -> Path:
    """Write the labelled table to ``path`` (format from its extension) and return the path.

    With a :class:`LoadedTable` the input file is protected and a CSV export reuses its
    delimiter and decimal mark unless ``csv_style`` says otherwise.
    """
    frame = table.frame if isinstance(table, LoadedTable) else table
    return write_table(
        labelled_frame(frame, features, labels, distances),
        path,
        source=table if isinstance(table, LoadedTable) else None,
        overwrite_input=overwrite_input,
        csv_style=csv_style,
        sheet_name="clusters",
    )


def export_centroids(
    features: FeatureMatrix,
    centroids: np.ndarray,
    sizes: np.ndarray,
    path: str | os.PathLike[str],
    *,
    source: Source = None,
    overwrite_input: bool = False,
    csv_style: CsvStyle | None = None,
    user_units: bool = False,
) -> Path:
    """Write one row per centroid, in the user's units, to ``path``; returns the path.

    ``centroids`` are in fit units, or already in the user's with ``user_units=True``.
    """
    return write_table(
        centroid_frame(features, centroids, sizes, user_units=user_units),
        path,
        source=source,
        overwrite_input=overwrite_input,
        csv_style=csv_style,
        sheet_name="centroids",
    )


def check_export_path(
    path: str | os.PathLike[str], *, source: Source = None, overwrite_input: bool = False
) -> tuple[Path, str]:
    """(path, format) if ``path`` can be written; else :class:`DataError` saying why.

    Call before a long computation so a bad output name fails fast.
    """
    target = Path(path).expanduser()
    fmt = EXPORT_FORMATS.get(target.suffix.lower())
    if target.is_dir():
        raise DataError(f"{target} is a folder; give a file name such as {target / 'out.csv'}.")
    if fmt is None:
        raise DataError(
            f"Cannot tell the export format of '{target.name}'; "
            "end the name with .csv, .tsv, .parquet, .xlsx or .json."
        )
    folder = target.parent
    if not folder.is_dir():
        raise DataError(f"Cannot write {target.name}: the folder {folder} does not exist.")
    _check_writable(target)
    source_path = source.path if isinstance(source, LoadedTable) else source
    if source_path is not None and not overwrite_input and _same_file(target, Path(source_path)):
        raise DataError(
            f"{target} is the input file; choose another output name so the input is kept."
        )
    if fmt == "excel":
        require_openpyxl("Writing")
    return target, fmt


def _check_writable(target: Path) -> None:
    """Raise DataError unless a file can be created beside ``target`` (as the export will).

    Permissions, read-only disks and ACLs are all answered by trying: a probe file is created
    and removed at once.
    """
    try:
        probe = _temporary(target)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise DataError(
            f"Cannot write {target.name} in {target.parent}: {reason.lower()}; "
            "choose a folder you can write to."
        ) from None
    with suppress(OSError):
        probe.unlink()


@dataclass(frozen=True, eq=False)
class PlannedWrite:
    """A table checked and ready to be written to ``target``: see :func:`plan_write`."""

    frame: pd.DataFrame
    target: Path
    format: str
    style: CsvStyle
    sheet_name: str
    header: tuple[str, ...] | None = None  # the header cells to write, one per column

    def write(self, tmp: Path) -> None:
        """Write the table to ``tmp`` in this plan's format (no atomicity here)."""
        frame, style = self.frame, self.style
        header = list(self.header) if self.header is not None else list(map(str, frame.columns))
        if self.format == "csv":
            # a .csv is comma or semicolon separated, whatever the source (tabs go in .tsv)
            delimiter = style.delimiter if style.delimiter in (",", ";") else ","
            _write_delimited(frame, tmp, style, delimiter, header)
        elif self.format == "tsv":
            _write_delimited(frame, tmp, style, "\t", header)
        elif self.format in ("parquet", "json", "jsonl"):
            # names must be unique here: a repeated header cell keeps its unique name (id.1)
            seen: set[str] = set()
            names = []
            for cell, name in zip(header, map(str, frame.columns), strict=True):
                names.append(name if cell in seen else cell)
                seen.add(names[-1])
            frame = frame.set_axis(names, axis=1)
        if self.format == "parquet":
            _parquet_ready(frame).to_parquet(tmp, index=False)
        elif self.format == "excel":
            frame.to_excel(
                tmp, index=False, header=header, sheet_name=self.sheet_name, engine="openpyxl"
            )
        elif self.format in ("json", "jsonl"):
            _write_json(frame, tmp, lines=self.format == "jsonl")


class StagedWrite(Protocol):
    """Anything :func:`write_all` can write: a target, and how to fill a file for it."""

    @property
    def target(self) -> Path: ...

    def write(self, tmp: Path) -> None: ...


def plan_write(
    frame: pd.DataFrame,
    path: str | os.PathLike[str],
    *,
    source: Source = None,
    overwrite_input: bool = False,
    csv_style: CsvStyle | None = None,
    sheet_name: str = "data",
) -> PlannedWrite:
    """Check that ``frame`` can go to ``path`` (see :func:`check_export_path`) without writing.

    A CSV/TSV export reuses the source table's decimal mark and, for .csv, its delimiter when
    that is a comma or semicolon, unless ``csv_style`` says otherwise. With a source table, the
    header written is the source's header cells exactly as in its file (' x ', a repeated
    'id', an empty cell), not the unique, stripped names the frame uses.
    """
    target, fmt = check_export_path(path, source=source, overwrite_input=overwrite_input)
    if csv_style is None and isinstance(source, LoadedTable):
        csv_style = source.csv_style
    if fmt == "excel" and len(frame) >= EXCEL_MAX_ROWS:
        raise DataError(
            f"Excel sheets hold at most {EXCEL_MAX_ROWS - 1:,} data rows and this table has "
            f"{len(frame):,}; export to CSV or Parquet instead."
        )
    header = None
    if isinstance(source, LoadedTable) and len(source.header) == source.frame.shape[1]:
        original = dict(zip(map(str, source.frame.columns), source.header, strict=True))
        header = tuple(original.get(str(c), str(c)) for c in frame.columns)
    return PlannedWrite(frame, target, fmt, csv_style or CsvStyle(), sheet_name, header)


def write_table(
    frame: pd.DataFrame,
    path: str | os.PathLike[str],
    *,
    source: Source = None,
    overwrite_input: bool = False,
    csv_style: CsvStyle | None = None,
    sheet_name: str = "data",
) -> Path:
    """Write ``frame`` (no index) atomically in the format ``path``'s extension names."""
    planned = plan_write(
        frame,
        path,
        source=source,
        overwrite_input=overwrite_input,
        csv_style=csv_style,
        sheet_name=sheet_name,
    )
    return write_all([planned])[0]


def write_all(planned: Sequence[StagedWrite]) -> list[Path]:
    """Write every planned table (or model, see ``model_file``), all or nothing; their paths.

    Each table first goes to a temporary file beside its target; only when all of them are
    complete are they renamed over their targets, so a failure in any (a full disk, a value
    the format refuses) leaves every target as it was and no temporary file behind. Any error
    while writing becomes a :class:`DataError` naming the file; KeyboardInterrupt propagates.
    """
    targets = [p.target.resolve() for p in planned]
    if len(set(targets)) != len(targets):
        raise DataError("Two exports name the same file; give each its own name.")
    staged: list[Path] = []
    current = planned[0].target if planned else None
    try:
        for plan in planned:
            current = plan.target
            staged.append(_stage(plan))
        # the renames are all that is left; each is atomic, and in one folder they do not fail
        # short of the disk being pulled
        for tmp, plan in zip(staged, planned, strict=True):
            current = plan.target
            os.replace(tmp, plan.target)
    except BaseException as exc:
        for tmp in staged:
            with suppress(OSError):
                tmp.unlink()
        if isinstance(exc, Exception) and not isinstance(exc, DataError):
            raise DataError(f"Could not write {current}: {_reason(exc)}.") from exc
        raise
    return [p.target for p in planned]


def _stage(plan: StagedWrite) -> Path:
    """Write ``plan`` to a complete, synced temporary file beside its target."""
    tmp = _temporary(plan.target)
    try:
        _fill(tmp, plan.target, plan.write)
    except BaseException:
        with suppress(OSError):
            tmp.unlink()
        raise
    return tmp


def _temporary(target: Path) -> Path:
    tmp = target.with_name(f".{target.stem}.{secrets.token_hex(4)}.partial{target.suffix}")
    descriptor = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)  # honours umask
    os.close(descriptor)
    return tmp


def _fill(tmp: Path, target: Path, write: Callable[[Path], None]) -> None:
    if target.exists():
        with suppress(OSError):
            shutil.copymode(target, tmp)
    write(tmp)
    with tmp.open("rb+") as handle:
        os.fsync(handle.fileno())


def _reason(exc: BaseException) -> str:
    """One readable line for why a write failed, whatever raised it."""
    if type(exc).__name__ == "IllegalCharacterError":  # openpyxl: "<value> cannot be used ..."
        value = str(exc).removesuffix(" cannot be used in worksheets.")
        shown = repr(value if len(value) <= 40 else value[:37] + "...")
        return (
            f"the cell {shown} holds a control character that Excel files cannot store; "
            "remove it or export to CSV or Parquet instead"
        )
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    text = "".join(c if c.isprintable() else repr(c)[1:-1] for c in first_line(exc))
    return text or type(exc).__name__


def free_name(name: str, taken: object) -> str:
    """``name``, or ``name_2``, ``name_3``... whichever is not among ``taken``."""
    existing = {str(c) for c in taken}  # type: ignore[attr-defined]
    candidate, n = name, 1
    while candidate in existing:
        n += 1
        candidate = f"{name}_{n}"
    return candidate


def _write_delimited(
    frame: pd.DataFrame, tmp: Path, style: CsvStyle, delimiter: str, header: list[str]
) -> None:
    frame.to_csv(
        tmp,
        index=False,
        header=header,
        sep=delimiter,
        decimal=style.decimal if delimiter != "," else ".",  # 1,5 would need quotes in a CSV
        encoding="utf-8-sig" if style.bom else "utf-8",
        lineterminator="\n",
    )


def _parquet_ready(frame: pd.DataFrame) -> pd.DataFrame:
    """Object columns mixing numbers and text (common from Excel) become text for Parquet."""
    mixed = []
    for name in frame.columns:
        if frame[name].dtype == object:
            try:
                pa.array(frame[name], from_pandas=True)
            except (pa.ArrowException, TypeError, ValueError):
                mixed.append(name)
    if not mixed:
        return frame
    return frame.assign(**{str(name): frame[name].astype("str") for name in mixed})


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return a.resolve() == b.resolve()


def _write_json(frame: pd.DataFrame, tmp: Path, *, lines: bool) -> None:
    """Records (a list, or one per line), numbers at full precision.

    pandas' ``to_json`` keeps at most 15 significant digits (10 by default), so a distance or
    a coordinate would not read back as the same float; here every float is written as Python's
    ``repr``, the shortest text that reads back exactly. NaN and infinities become null.
    """
    keys = [json.dumps(str(name), ensure_ascii=False) + ":" for name in frame.columns]
    values = [_json_values(frame.iloc[:, j]) for j in range(frame.shape[1])]
    with tmp.open("w", encoding="utf-8", newline="\n") as handle:
        handle.write("" if lines else "[\n")
        separator = "\n" if lines else ",\n"
        for i, row in enumerate(zip(*values, strict=True)):
            if i:
                handle.write(separator)
            handle.write("{" + ",".join(k + v for k, v in zip(keys, row, strict=True)) + "}")
        handle.write("\n" if lines else "\n]\n")


def _json_values(series: pd.Series) -> list[str]:
    """Each cell of ``series`` as JSON text."""
    dtype = series.dtype
    if ptypes.is_float_dtype(dtype) and not isinstance(dtype, pd.api.extensions.ExtensionDtype):
        array = series.to_numpy()
        finite = np.isfinite(array)
        return [repr(v) if ok else "null" for v, ok in zip(array.tolist(), finite, strict=True)]
    if ptypes.is_integer_dtype(dtype):
        mask = series.isna().to_numpy()
        wide = np.uint64 if ptypes.is_unsigned_integer_dtype(dtype) else np.int64  # no wrap
        array = series.to_numpy(dtype=wide, na_value=0).tolist()
        return ["null" if m else str(v) for v, m in zip(array, mask, strict=True)]
    return [_json_value(v) for v in series.tolist()]


def _json_value(value: object) -> str:
    if value is None or value is pd.NA or value is pd.NaT:
        return "null"
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        return repr(float(value)) if math.isfinite(value) else "null"
    if isinstance(value, (datetime.date, datetime.time, pd.Timestamp)):
        return json.dumps(value.isoformat())
    return json.dumps(str(value), ensure_ascii=False)
