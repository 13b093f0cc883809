"""Open a table file into a DataFrame that keeps every original row and column, in order.

Formats: CSV/TSV (delimiter, decimal mark and header sniffed from the start of the file; also
.gz, .bz2, .xz or single-file .zip compressed), Parquet, Excel .xlsx (needs the optional
``openpyxl``) and JSON (records, columns or JSON Lines). Text must be UTF-8 (a BOM is fine) or
UTF-16/32 with a BOM; anything else is read as Windows-1252/Latin-1 and the fallback is reported
in ``LoadedTable.notes`` with the line and column of the first bad byte, never silently.

CSV is parsed by ``pyarrow.csv`` (multithreaded), with pandas' C engine as the fallback and
reference. Columns whose sample shows decimal numbers are parsed as float64 by pyarrow itself;
every other column is read as text and typed by ``column_types``, which keeps IDs such as '007',
big integers, dates and 'NA' in names as written. The header cells are kept exactly as written
in ``LoadedTable.header``. A quote that is never closed (which pyarrow would accept, swallowing
rows) is an error naming its line; so is a ragged row. Every problem a user can fix surfaces as
:class:`DataError` with one sentence naming the file and, where known, the line.

This module finds the format (and unpacks a compressed file); each format's reader is a module
of its own: ``read_csv`` (with ``csv_dialect``, ``csv_integrity`` and ``encoding``),
``read_excel``, ``read_json`` and ``read_parquet``.
"""

from __future__ import annotations

import codecs
import dataclasses
import os
import stat
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .csv_dialect import DELIMITER_NAMES, SNIFF_BYTES
from .errors import DataError, cannot_read, first_line
from .progress import ProgressCallback, Reporter
from .read_csv import load_delimited
from .read_excel import load_excel
from .read_json import load_json
from .read_parquet import load_parquet

TEXT_EXTENSIONS = {".csv": "csv", ".txt": "csv", ".dat": "csv", ".tsv": "tsv", ".tab": "tsv"}
EXTENSIONS: dict[str, str] = {
    **TEXT_EXTENSIONS,
    ".parquet": "parquet",
    ".pq": "parquet",
    ".xlsx": "excel",
    ".xlsm": "excel",
    ".json": "json",
    ".jsonl": "json",
    ".ndjson": "json",
}
"""File name endings ``load_table`` recognises, and the format each means."""

COMPRESSIONS = {".gz": "gzip", ".gzip": "gzip", ".bz2": "bz2", ".xz": "xz", ".zip": "zip"}
"""Compressed files ``load_table`` unpacks (a CSV/TSV/JSON inside, e.g. ``data.csv.gz``)."""

OPEN_FILTER = f"Tables ({' '.join('*' + ext for ext in [*EXTENSIONS, *COMPRESSIONS])})"
"""A file-dialog name filter listing every readable extension."""


@dataclass(frozen=True)
class CsvStyle:
    """How a delimited text file writes its values; exports reuse it so the file reopens alike."""

    delimiter: str = ","
    decimal: str = "."
    bom: bool = False


@dataclass(frozen=True, eq=False)
class LoadedTable:
    """A table as loaded: ``frame`` holds every original column and row in file order.

    ``frame`` has a fresh RangeIndex (row position = row number - 1) and unique, stripped
    string column names; ``header`` keeps each column's header cell exactly as the file has it
    (' x ', a repeated 'id', an empty cell), so exports can write the header back unchanged.
    ``notes`` are sentences worth showing the user (encoding fallback, sheets skipped, no header
    row found, ...). ``csv_style`` is set for CSV/TSV input only.
    """

    frame: pd.DataFrame
    path: Path
    format: str  # "csv" | "tsv" | "parquet" | "excel" | "json"
    encoding: str | None = None  # e.g. "utf-8", "utf-8-sig", "utf-16", "cp1252"; None for binary
    csv_style: CsvStyle | None = None
    has_header: bool = True
    engine: str | None = None  # CSV parser used: "pyarrow" or "c"
    header: tuple[str, ...] = ()  # each column's header cell exactly as in the file
    notes: tuple[str, ...] = ()
    seconds: float = 0.0

    @property
    def columns(self) -> list[str]:
        return [str(c) for c in self.frame.columns]


def load_table(
    path: str | os.PathLike[str], progress: ProgressCallback | None = None
) -> LoadedTable:
    """Read ``path`` whatever its format, keeping every row and column.

    Raises :class:`DataError` for a missing file, a folder, an empty or header-only file, a
    ragged row (with its line number), binary or unreadable content, or a malformed Parquet,
    Excel or JSON file.
    """
    started = time.perf_counter()
    report = Reporter(progress)
    file = Path(path).expanduser()
    size = _check_readable(file)
    report(0.0, f"Opening {file.name}")
    head = _read_head(file)
    compression = _compression(file, head)
    if compression is not None:
        return _load_compressed(file, compression, report, started)
    fmt = _detect_format(file, head)
    notes: list[str] = []
    encoding: str | None = None
    style: CsvStyle | None = None
    engine: str | None = None
    has_header = True
    if fmt in ("csv", "tsv"):
        frame, encoding, dialect, engine, decimal = load_delimited(
            file, head, size, fmt, report, notes
        )
        fmt = "tsv" if dialect.delimiter == "\t" else "csv"
        has_header = dialect.header
        style = CsvStyle(dialect.delimiter, decimal, bom=encoding == "utf-8-sig")
    elif fmt == "parquet":
        frame = load_parquet(file, report)
    elif fmt == "excel":
        frame = load_excel(file, report, notes)
    else:
        frame, encoding = load_json(file, report, notes)
    report(0.95, f"Checking {file.name}")
    frame, header = _tidy(frame, file, fmt, notes, style)
    report(1.0, f"Loaded {len(frame):,} rows × {frame.shape[1]} columns from {file.name}")
    return LoadedTable(
        frame=frame,
        path=file,
        format=fmt,
        encoding=encoding,
        csv_style=style,
        has_header=has_header,
        engine=engine,
        header=header,
        notes=tuple(notes),
        seconds=time.perf_counter() - started,
    )


# ---------------------------------------------------------------------------------------------
# Checks that apply to every format


def _check_readable(file: Path) -> int:
    try:
        info = file.stat()
    except FileNotFoundError:
        raise DataError(f"No such file: {file}.") from None
    except PermissionError:
        raise DataError(f"Cannot open {file}: permission denied.") from None
    except OSError as exc:
        raise DataError(f"Cannot open {file}: {exc.strerror or exc}.") from None
    if stat.S_ISDIR(info.st_mode):
        raise DataError(f"{file} is a folder, not a file; choose a table file inside it.")
    if not stat.S_ISREG(info.st_mode):
        raise DataError(f"{file} is not a regular file; choose a table file.")
    if info.st_size == 0:
        raise DataError(f"{file.name} is empty (0 bytes).")
    return info.st_size


def _read_head(file: Path) -> bytes:
    try:
        with file.open("rb") as handle:
            return handle.read(SNIFF_BYTES)
    except OSError as exc:
        raise cannot_read(file, exc) from None


def _compression(file: Path, head: bytes) -> str | None:
    """ "gzip", "bz2", "xz" or "zip" for a compressed table (by signature), else None."""
    if head.startswith(b"\x1f\x8b"):
        return "gzip"
    if head.startswith(b"BZh"):
        return "bz2"
    if head.startswith(b"\xfd7zXZ\x00"):
        return "xz"
    if head.startswith(b"PK\x03\x04") and file.suffix.lower() not in (".xlsx", ".xlsm"):
        return "zip"
    return None


def _load_compressed(file: Path, kind: str, report: Reporter, started: float) -> LoadedTable:
    """Unpack ``file`` into a private temporary folder and load the table inside.

    The table keeps the name it has inside (``t.csv`` for ``t.csv.gz``), so messages name it;
    ``LoadedTable.path`` is the compressed file, which exports therefore never overwrite.
    """
    import bz2
    import gzip
    import lzma
    import shutil
    import tempfile

    openers = {"gzip": gzip.open, "bz2": bz2.open, "xz": lzma.open}
    with tempfile.TemporaryDirectory(prefix="kmeans-gui-") as folder:
        try:
            if kind == "zip":
                with zipfile.ZipFile(file) as archive:
                    members = [m for m in archive.infolist() if not m.is_dir()]
                    tables = [m for m in members if not Path(m.filename).name.startswith(".")]
                    if len(tables) != 1:
                        raise DataError(
                            f"{file.name} holds {len(tables)} files; a zipped table must hold "
                            "exactly one (unpack it and open the table you want)."
                        )
                    inner = Path(folder) / Path(tables[0].filename).name
                    with archive.open(tables[0]) as source, inner.open("wb") as target:
                        shutil.copyfileobj(source, target, 1 << 20)
            else:
                name = file.name
                stem = name[: -len(file.suffix)] if file.suffix.lower() in COMPRESSIONS else name
                inner = Path(folder) / (stem or "table")
                with openers[kind](file, "rb") as source, inner.open("wb") as target:
                    shutil.copyfileobj(source, target, 1 << 20)
        except (OSError, EOFError, zipfile.BadZipFile, lzma.LZMAError) as exc:
            raise DataError(
                f"{file.name} cannot be unpacked ({kind}): {first_line(exc)}."
            ) from None
        report(0.2, f"Unpacked {file.name}")
        table = load_table(inner, progress=lambda f, m: report(0.2 + 0.8 * f, m))
    return dataclasses.replace(table, path=file, seconds=time.perf_counter() - started)


def _detect_format(file: Path, head: bytes) -> str:
    """The format from the file's signature first, then its extension, then its first character."""
    name = file.name
    ext = file.suffix.lower()
    if head.startswith(b"PAR1"):
        return "parquet"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise DataError(
            f"{name} is an old-style Excel .xls file, which is not supported; "
            "save it as .xlsx or CSV."
        )
    if head.startswith(b"PK\x03\x04"):
        return "excel"
    if ext == ".xls":
        raise DataError(f"{name} is an old-style Excel .xls file; save it as .xlsx or CSV.")
    fmt = EXTENSIONS.get(ext)
    if fmt == "parquet":
        raise DataError(f"{name} is not a Parquet file (it lacks the Parquet signature).")
    if fmt == "excel":
        raise DataError(f"{name} is not an Excel .xlsx file (it is not a zip package).")
    if fmt is not None:
        return fmt
    text_start = head.lstrip(codecs.BOM_UTF8 + b" \t\r\n")[:1]
    return "json" if text_start in (b"[", b"{") else "csv"


# ---------------------------------------------------------------------------------------------
# Common clean-up


def _tidy(
    frame: pd.DataFrame, file: Path, fmt: str, notes: list[str], style: CsvStyle | None
) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """(frame with unique stripped names and a fresh RangeIndex, the original header cells).

    Empty columns without a header (often from trailing delimiters) are dropped, with a note;
    rows are untouched.
    """
    if frame.shape[1] == 0:
        raise DataError(f"{file.name} holds no columns.")
    original = [str(c) for c in frame.columns]
    names = [name.strip() or f"Unnamed: {i}" for i, name in enumerate(original)]
    empty_unnamed = [
        i for i, name in enumerate(original) if not name.strip() and frame.iloc[:, i].isna().all()
    ]
    if empty_unnamed and len(empty_unnamed) < len(names):
        keep = [i for i in range(len(names)) if i not in set(empty_unnamed)]
        frame = frame.iloc[:, keep]
        names = [names[i] for i in keep]
        original = [original[i] for i in keep]
        origin = (
            f" (often trailing {DELIMITER_NAMES.get(style.delimiter, 'delimiter')}s)"
            if style
            else ""
        )
        notes.append(
            f"Ignored {len(empty_unnamed)} empty column(s) without a header in {file.name}{origin}."
        )
    frame = frame.set_axis(unique_names(names), axis=1)
    if len(frame) == 0:
        if fmt == "json":
            raise DataError(f"{file.name} has no records.")
        raise DataError(f"{file.name} has a header row but no data rows.")
    return frame.reset_index(drop=True), tuple(original)


def unique_names(names: list[str]) -> list[str]:
    """Names with repeats renamed 'a', 'a.1', 'a.2', as pandas does on read."""
    seen: set[str] = set()
    out = []
    for name in names:
        candidate, n = name, 0
        while candidate in seen:
            n += 1
            candidate = f"{name}.{n}"
        seen.add(candidate)
        out.append(candidate)
    return out
