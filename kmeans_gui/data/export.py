"""Write results back out: the labelled table and the centroids, atomically, by file extension.

The labelled table is the original one (every column and row, in order) plus ``cluster``
(nullable integer, empty for rows left out of the fit) and ``distance`` (to the assigned centroid,
in the units the clustering ran in). Every write goes to a temporary file in the target folder
and is renamed over the target only once complete, so a failed export leaves any previous file
intact; the input file is never overwritten unless the caller explicitly allows it.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import DataError
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
METRICS = ("euclidean", "cosine", "manhattan")

Source = LoadedTable | str | os.PathLike[str] | None


def assigned_distances(
    X: np.ndarray, centroids: np.ndarray, labels: np.ndarray, metric: str = "euclidean"
) -> np.ndarray:
    """Distance of every row of ``X`` to its own centroid, in X's units, (n,) float64.

    euclidean: straight-line distance (not squared); cosine: 1 - cosine similarity (a zero
    vector is at distance 1); manhattan: sum of absolute differences.
    """
    X = np.asarray(X, dtype=np.float64)
    centres = np.asarray(centroids, dtype=np.float64)[np.asarray(labels, dtype=np.intp)]
    if metric == "euclidean":
        return np.sqrt(np.einsum("nd,nd->n", X - centres, X - centres))
    if metric == "manhattan":
        return np.abs(X - centres).sum(axis=1)
    if metric == "cosine":
        norms = np.linalg.norm(X, axis=1) * np.linalg.norm(centres, axis=1)
        dots = np.einsum("nd,nd->n", X, centres)
        with np.errstate(invalid="ignore", divide="ignore"):
            similarity = np.where(norms > 0, dots / norms, 0.0)
        return 1.0 - np.clip(similarity, -1.0, 1.0)
    raise ValueError(f"unknown metric {metric!r}: choose one of {', '.join(METRICS)}")


def labelled_frame(
    frame: pd.DataFrame,
    features: FeatureMatrix,
    labels: np.ndarray,
    distances: np.ndarray | None = None,
) -> pd.DataFrame:
    """``frame`` plus ``cluster`` (Int64, <NA> for left-out rows) and ``distance`` columns.

    ``labels`` and ``distances`` hold one value per used row (``features.n_used``), in order.
    If the table already has a ``cluster``/``distance`` column the new one is ``cluster_2``...
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
    if distances is not None:
        distances = np.asarray(distances, dtype=np.float64)
        if distances.shape != (features.n_used,):
            raise ValueError(f"distances must have shape ({features.n_used},)")
        full = np.full(features.n_rows, np.nan)
        full[features.row_mask] = distances
        columns[free_name("distance", frame.columns)] = full
    return frame.assign(**columns)  # type: ignore[arg-type]


def centroid_frame(
    features: FeatureMatrix, centroids: np.ndarray, sizes: np.ndarray
) -> pd.DataFrame:
    """One row per cluster: ``cluster``, ``size`` (rows) and the features in the user's units.

    ``centroids`` are in the units of ``features.X`` (what the engine returns).
    """
    centroids = np.asarray(centroids, dtype=np.float64)
    k, d = centroids.shape
    if d != len(features.columns):
        raise ValueError(f"centroids have {d} columns but there are {len(features.columns)}")
    user = features.to_user_units(centroids)
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
) -> Path:
    """Write one row per centroid, in the user's units, to ``path``; returns the path."""
    return write_table(
        centroid_frame(features, centroids, sizes),
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
    source_path = source.path if isinstance(source, LoadedTable) else source
    if source_path is not None and not overwrite_input and _same_file(target, Path(source_path)):
        raise DataError(
            f"{target} is the input file; choose another output name so the input is kept."
        )
    if fmt == "excel":
        try:
            import openpyxl  # noqa: F401
        except ImportError:
            raise DataError(
                "Writing Excel files needs the optional openpyxl package: "
                "pip install 'kmeans-gui[excel]'."
            ) from None
    return target, fmt


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
    target, fmt = check_export_path(path, source=source, overwrite_input=overwrite_input)
    if csv_style is None and isinstance(source, LoadedTable):
        csv_style = source.csv_style
    style = csv_style or CsvStyle()
    if fmt == "excel" and len(frame) >= EXCEL_MAX_ROWS:
        raise DataError(
            f"Excel sheets hold at most {EXCEL_MAX_ROWS - 1:,} data rows and this table has "
            f"{len(frame):,}; export to CSV or Parquet instead."
        )
    writers: dict[str, Callable[[Path], None]] = {
        "csv": lambda tmp: _write_delimited(frame, tmp, style, style.delimiter),
        "tsv": lambda tmp: _write_delimited(frame, tmp, style, "\t"),
        "parquet": lambda tmp: _parquet_ready(frame).to_parquet(tmp, index=False),
        "excel": lambda tmp: frame.to_excel(
            tmp, index=False, sheet_name=sheet_name, engine="openpyxl"
        ),
        "json": lambda tmp: frame.to_json(
            tmp, orient="records", force_ascii=False, date_format="iso", indent=1
        ),
        "jsonl": lambda tmp: frame.to_json(
            tmp, orient="records", lines=True, force_ascii=False, date_format="iso"
        ),
    }
    try:
        atomic_write(target, writers[fmt])
    except OSError as exc:
        raise DataError(f"Could not write {target}: {exc.strerror or exc}.") from None
    except (ValueError, TypeError) as exc:  # pyarrow / openpyxl refusing a value
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0].rstrip(".")
        raise DataError(f"Could not write {target}: {reason}.") from None
    return target


def atomic_write(target: Path, write: Callable[[Path], None]) -> None:
    """Call ``write(tmp)`` on a fresh file beside ``target``, then rename it over ``target``.

    On any failure (including KeyboardInterrupt) the temporary file is removed and ``target``
    is left exactly as it was.
    """
    tmp = target.with_name(f".{target.stem}.{secrets.token_hex(4)}.partial{target.suffix}")
    descriptor = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)  # honours umask
    os.close(descriptor)
    try:
        if target.exists():
            with suppress(OSError):
                shutil.copymode(target, tmp)
        write(tmp)
        with tmp.open("rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        with suppress(OSError):
            tmp.unlink()
        raise


def free_name(name: str, taken: object) -> str:
    """``name``, or ``name_2``, ``name_3``... whichever is not among ``taken``."""
    existing = {str(c) for c in taken}  # type: ignore[attr-defined]
    candidate, n = name, 1
    while candidate in existing:
        n += 1
        candidate = f"{name}_{n}"
    return candidate


def _write_delimited(frame: pd.DataFrame, tmp: Path, style: CsvStyle, delimiter: str) -> None:
    frame.to_csv(
        tmp,
        index=False,
        sep=delimiter,
        decimal=style.decimal,
        encoding="utf-8-sig" if style.bom else "utf-8",
        lineterminator="\n",
    )


def _parquet_ready(frame: pd.DataFrame) -> pd.DataFrame:
    """Object columns mixing numbers and text (common from Excel) become text for Parquet."""
    import pyarrow as pa

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
