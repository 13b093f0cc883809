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
"""

from __future__ import annotations

import codecs
import csv
import dataclasses
import io
import json
import mmap
import os
import re
import stat
import time
import warnings
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from .column_types import looks_like_text, type_columns
from .errors import DataError, counted

ProgressCallback = Callable[[float, str], None]
"""``progress(fraction, message)``: fraction in [0, 1], first call 0.0, last call 1.0.

Called on the loading thread. Raising from the callback aborts the load (the exception
propagates unchanged), which is how a GUI can cancel.
"""

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

_SNIFF_BYTES = 64 * 1024  # enough lines to sniff the dialect of any sensible table
_BLOCK_BYTES = 8 * 1024 * 1024  # encoding check reads this much per progress report
_DELIMITERS = (",", ";", "\t", "|")
_DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "vertical bar"}
_ENCODING_LABELS = {
    "cp1252": "Windows-1252 (Western European, a superset of Latin-1)",
    "latin-1": "Latin-1 (ISO-8859-1)",
}

_NUMBER = re.compile(r"[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?|[+-]?(inf|infinity|nan)", re.I)
_DOT_DECIMAL = re.compile(r"[+-]?\d*\.\d+([eE][+-]?\d+)?")
_COMMA_DECIMAL = re.compile(r"[+-]?\d*,\d+([eE][+-]?\d+)?")
_DOT_GROUPED = re.compile(r"[+-]?\d{1,3}(\.\d{3})+(,\d+)?")  # 1.234.567,89
_PLAIN_FLOAT = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
_FRACTION = re.compile(r"[.eE]")
_LEADING_ZERO = re.compile(r"[+-]?0\d")
_SEP_HINT = re.compile(r"sep=(.)\r?\n?")  # Excel's first-line delimiter hint
_RAGGED_PYARROW = re.compile(r"Expected (\d+) columns, got (\d+)")
_RAGGED_C = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")


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
    def n_rows(self) -> int:
        return len(self.frame)

    @property
    def columns(self) -> list[str]:
        return [str(c) for c in self.frame.columns]


@dataclass(frozen=True)
class _Dialect:
    delimiter: str
    decimal: str
    thousands: str | None
    header: bool
    skip_rows: int  # 1 when the file starts with Excel's "sep=;" line
    width: int  # fields in the first record
    floats: tuple[bool, ...] = ()  # per column: the sample shows plain decimal numbers only
    header_cells: tuple[str, ...] | None = None  # the first line split, when it has no quotes
    texts: tuple[bool, ...] = ()  # per column: the sample already shows text


def load_table(
    path: str | os.PathLike[str], progress: ProgressCallback | None = None
) -> LoadedTable:
    """Read ``path`` whatever its format, keeping every row and column.

    Raises :class:`DataError` for a missing file, a folder, an empty or header-only file, a
    ragged row (with its line number), binary or unreadable content, or a malformed Parquet,
    Excel or JSON file.
    """
    started = time.perf_counter()
    report = _Reporter(progress)
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
        frame, encoding, dialect, engine, decimal = _load_delimited(
            file, head, size, fmt, report, notes
        )
        fmt = "tsv" if dialect.delimiter == "\t" else "csv"
        has_header = dialect.header
        style = CsvStyle(dialect.delimiter, decimal, bom=encoding == "utf-8-sig")
    elif fmt == "parquet":
        frame = _load_parquet(file, report)
    elif fmt == "excel":
        frame = _load_excel(file, report, notes)
    else:
        frame, encoding = _load_json(file, report, notes)
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


class _Reporter:
    """Clamps and forwards progress; a missing callback costs nothing."""

    def __init__(self, callback: ProgressCallback | None) -> None:
        self._callback = callback

    def __call__(self, fraction: float, message: str) -> None:
        if self._callback is not None:
            self._callback(min(max(float(fraction), 0.0), 1.0), message)


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
            return handle.read(_SNIFF_BYTES)
    except OSError as exc:
        raise DataError(f"Cannot read {file}: {exc.strerror or exc}.") from None


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


def _load_compressed(file: Path, kind: str, report: _Reporter, started: float) -> LoadedTable:
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
                f"{file.name} cannot be unpacked ({kind}): {_first_line(exc)}."
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
# Encodings


class _NotDecodable(Exception):
    """The parser met bytes that are not in the encoding it was given."""


def _bom_encoding(file: Path, head: bytes) -> str:
    """The encoding a byte-order mark announces, else UTF-8 (after refusing binary content)."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return "utf-32"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    zero = head.find(b"\x00")
    if zero >= 0:
        raise DataError(
            f"{file.name} is not a text table: it holds binary data (a zero byte at offset "
            f"{zero}); open a CSV, TSV, Parquet, Excel or JSON file."
        )
    return "utf-8"


def _check_decodes(file: Path, encoding: str, size: int, report: _Reporter) -> None:
    """Raise if ``file`` has bytes its byte-order mark's encoding cannot decode."""
    bad = _first_undecodable(file, encoding, size, report)
    if bad is not None:
        name = {"utf-8-sig": "UTF-8"}.get(encoding, encoding.upper())
        raise DataError(
            f"{file.name}: line {bad.line} is not valid {name} ({bad.describe()}), although the "
            f"file starts with a {name} byte-order mark; re-save it as UTF-8."
        )


def _fallback_encoding(file: Path, size: int, report: _Reporter, notes: list[str]) -> str:
    """Windows-1252 or Latin-1 for a file that is not UTF-8, with a note saying where it failed."""
    bad = _first_undecodable(file, "utf-8", size, report)
    fallback = "cp1252" if _first_undecodable(file, "cp1252", size, None) is None else "latin-1"
    where = f": line {bad.line} is not valid UTF-8 ({bad.describe()})" if bad else ""
    notes.append(
        f"{file.name}{where}; it was read as {_ENCODING_LABELS[fallback]}, "
        "so check accented characters."
    )
    return fallback


@dataclass(frozen=True)
class _BadByte:
    offset: int  # from the start of the file
    line: int  # 1-based
    column: int  # 1-based, in characters
    byte: int

    def describe(self) -> str:
        return f"byte 0x{self.byte:02X} at column {self.column}"


def _first_undecodable(
    file: Path, encoding: str, size: int, report: _Reporter | None
) -> _BadByte | None:
    """Where the first byte that does not decode in ``encoding`` is, or None if all do."""
    skip = len(codecs.BOM_UTF8) if encoding == "utf-8-sig" else 0
    if skip:  # decode after the BOM so offsets and columns count from the file's real start
        encoding = "utf-8"
    decoder = codecs.getincrementaldecoder(encoding)()
    ascii_safe = codecs.lookup(encoding).name in ("utf-8", "cp1252", "iso8859-1")
    done = skip
    lines = 1
    line_start = skip
    bad: int | None = None
    try:
        with file.open("rb") as handle:
            handle.seek(skip)
            while block := handle.read(_BLOCK_BYTES):
                pending = len(decoder.getstate()[0])  # bytes of a character cut by the block
                try:
                    if pending or not (ascii_safe and block.isascii()):
                        decoder.decode(block)
                except UnicodeDecodeError as exc:
                    bad = done + exc.start - pending
                    break
                lines += block.count(b"\n")
                newline = block.rfind(b"\n")
                if newline >= 0:
                    line_start = done + newline + 1
                done += len(block)
                if report is not None:
                    report(0.05 + 0.25 * done / max(size, 1), f"Checking the text of {file.name}")
            else:
                try:
                    decoder.decode(b"", final=True)
                except UnicodeDecodeError:
                    bad = done - len(decoder.getstate()[0])
            if bad is None:
                return None
            handle.seek(line_start)
            before = handle.read(bad - line_start) if bad > line_start else b""
            lines += before.count(b"\n")
            before = before[before.rfind(b"\n") + 1 :]
            handle.seek(bad)
            byte = handle.read(1)
    except OSError as exc:
        raise DataError(f"Cannot read {file}: {exc.strerror or exc}.") from None
    column = len(before.decode(encoding, errors="replace")) + 1
    return _BadByte(bad, lines, column, byte[0] if byte else 0)


# ---------------------------------------------------------------------------------------------
# Delimited text


def _load_delimited(
    file: Path, head: bytes, size: int, fmt: str, report: _Reporter, notes: list[str]
) -> tuple[pd.DataFrame, str, _Dialect, str, str]:
    """(frame, encoding, dialect, engine, decimal mark) for a CSV/TSV file.

    The frame's column names are the header cells exactly as written (or column_1...).
    UTF-8 is not checked in a pass of its own: the parser validates every cell as it reads,
    and only when it finds a bad byte is the file scanned to say where, then read again as
    Windows-1252/Latin-1.
    """
    encoding = _bom_encoding(file, head)
    if encoding not in ("utf-8", "utf-8-sig"):
        _check_decodes(file, encoding, size, report)
    dialect = _sniff_dialect(file, head, encoding, size, forced_tab=fmt == "tsv")
    report(0.05, f"Parsing {file.name}")
    try:
        columns, header, engine = _read_text_columns(file, encoding, dialect)
    except _NotDecodable:
        if encoding != "utf-8":
            _check_decodes(file, encoding, size, report)
            raise DataError(f"{file.name} is not valid {encoding} text.") from None
        encoding = _fallback_encoding(file, size, report, notes)
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
    if engine == "pyarrow":  # see _check_last_row: a swallowed tail also hides mid-file
        text = [c for c, t in zip(columns, typed, strict=True) if not _is_numeric(t)]
        if any(_has_line_break(column) for column in text):
            _raise_unclosed_quote(file, encoding, dialect)
    frame = pd.concat(typed, axis=1, ignore_index=True) if typed else pd.DataFrame()
    if header is None:
        header = [f"column_{i + 1}" for i in range(frame.shape[1])]
        notes.append(
            f"{file.name} has no header row (its first line is all numbers); "
            f"the columns are named column_1 to column_{frame.shape[1]}."
        )
    frame.columns = header
    return frame, encoding, dialect, engine, decimal


def _sniff_dialect(file: Path, head: bytes, encoding: str, size: int, forced_tab: bool) -> _Dialect:
    text = head.decode(encoding, errors="replace").lstrip("\ufeff")
    if len(head) < size:  # drop the last, probably cut, line
        cut = text.rfind("\n")
        text = text[: cut + 1] if cut > 0 else text
    skip_rows = 0
    hint = _SEP_HINT.match(text)
    if hint and not forced_tab:
        skip_rows = 1
        text = text[hint.end() :]
    if not text.strip():
        raise DataError(f"{file.name} holds no table (only blank lines).")
    if forced_tab:
        delimiter = "\t"
    elif skip_rows:
        delimiter = hint.group(1)  # type: ignore[union-attr]
    else:
        delimiter = _best_delimiter(text)
    records = _records(text, delimiter)
    decimal, thousands = _decimal_mark((f for record in records for f in record), delimiter)
    header = not (records and _all_numbers(records[0]))
    width = len(records[0]) if records else 1
    first_line = text.split("\n", 1)[0].removesuffix("\r")
    cells = tuple(first_line.split(delimiter))
    plain_start = records and list(cells) == records[0] and '"' not in first_line
    data = records[1:] if header else records
    samples = [[r[j] for r in data if j < len(r)] for j in range(width)]
    floats: tuple[bool, ...] = ()
    if plain_start and decimal == "." and "\ufffd" not in text:
        floats = tuple(_plain_decimals(sample) for sample in samples)
    return _Dialect(
        delimiter,
        decimal,
        thousands,
        header,
        skip_rows,
        width,
        floats,
        cells if plain_start and header else None,
        tuple(looks_like_text(sample) for sample in samples),
    )


def _plain_decimals(values: list[str]) -> bool:
    """True if these sampled cells look like a measurement column: decimal numbers only.

    Such a column is handed to the parser as float64 (see :func:`_read_with_pyarrow`); anything
    an ID or a big integer could be (whole numbers only, leading zeros, beyond 2**53) is not.
    """
    filled = [v for v in values if v != ""]
    if not filled or not all(_PLAIN_FLOAT.fullmatch(v) for v in filled):
        return False
    if any(_LEADING_ZERO.match(v) for v in filled):
        return False
    if any(not _FRACTION.search(v) and abs(float(v)) > 2**53 for v in filled):
        return False
    return any(_FRACTION.search(v) for v in filled)


def _records(text: str, delimiter: str) -> list[list[str]]:
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
        return [record for record in reader if record]
    except csv.Error:
        return []


def _best_delimiter(text: str) -> str:
    """The candidate that splits the sample into the most consistent, most numeric columns."""
    best = ","
    best_score: tuple[float, float, int] = (0.0, 0.0, 0)
    for delimiter in _DELIMITERS:
        records = _records(text, delimiter)
        if not records:
            continue
        counts = Counter(len(record) for record in records)
        mode, hits = counts.most_common(1)[0]
        if mode < 2:
            continue
        cells = [f.strip() for record in records for f in record if f.strip()]
        numeric = sum(1 for f in cells if _NUMBER.fullmatch(f)) / max(len(cells), 1)
        score = (round(hits / len(records), 3), round(numeric, 3), mode)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _decimal_mark(fields: Iterable[str], delimiter: str) -> tuple[str, str | None]:
    """("," , "." or None) when the numbers use a decimal comma, else (".", None)."""
    if delimiter == ",":  # a decimal comma would need every number quoted: not worth guessing
        return ".", None
    comma = dot = grouped = 0
    for field in fields:
        field = field.strip()
        if _DOT_GROUPED.fullmatch(field):
            grouped += 1
        elif _COMMA_DECIMAL.fullmatch(field):
            comma += 1
        elif _DOT_DECIMAL.fullmatch(field):
            dot += 1
    if comma and not dot:
        return ",", "." if grouped else None
    return ".", None


def _all_numbers(record: list[str]) -> bool:
    cells = [f.strip() for f in record if f.strip()]
    return bool(cells) and all(_NUMBER.fullmatch(f) for f in cells)


def _read_text_columns(
    file: Path, encoding: str, dialect: _Dialect
) -> tuple[list[Any], list[str] | None, str]:
    """(every column, the header cells as written or None, engine name).

    Columns are text (Arrow or pandas), except decimal columns pyarrow parsed as float64 (see
    :func:`_read_with_pyarrow`). Empty cells are null; every other cell is kept as written
    ('NA' too: only a column that turns out numeric reads such tokens as missing). The header
    cells come back untouched (no stripping, no 'a.1' for a repeat, no 'Unnamed: 0'): read as
    a data row, or split from a first line without quotes.
    Raises :class:`_NotDecodable` on bytes that are not ``encoding``, DataError for a ragged
    row or a quote that is never closed.
    """
    if _has_pyarrow():
        try:
            columns, header = _read_with_pyarrow(file, encoding, dialect)
        except (_NotDecodable, DataError):
            raise
        except Exception as exc:  # pyarrow is the fast path; the C engine is the reference
            message = str(exc)
            if "Empty CSV file" in message:
                raise DataError(f"{file.name} holds no table (only blank lines).") from None
            _raise_unclosed_quote(file, encoding, dialect)
            if _RAGGED_PYARROW.search(message):
                _raise_ragged(file, encoding, dialect)
        else:
            _check_last_row(file, encoding, dialect, columns)
            if _every_record_read(file, encoding, dialect, columns, header is None):
                if header is None:
                    header = _split_header(columns, dialect)
                return columns, header, "pyarrow"
            _raise_unclosed_quote(file, encoding, dialect)  # else the C engine decides
    columns = _read_with_c_engine(file, encoding, dialect)
    header = _split_header(columns, dialect)
    return columns, header, "c"


def _read_with_pyarrow(
    file: Path, encoding: str, dialect: _Dialect
) -> tuple[list[Any], list[str] | None]:
    """(columns, header cells if already taken off, else None: the header is the first row).

    Columns are text, except those whose sample shows plain decimal numbers: the parser reads
    those as float64 itself, on all cores, which is most of the time a numeric file takes. A
    value that is not a number further down makes the parser fail, and the file is read again
    all as text; whole-number columns are always read as text, so IDs keep their zeros.
    """
    import pyarrow as pa
    import pyarrow.csv as pv

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
                raise _NotDecodable from None
            if speculate and "conversion error" in str(exc).lower():
                continue  # a column guessed numeric holds text further down
            raise
        except UnicodeDecodeError:
            raise _NotDecodable from None
        header = list(dialect.header_cells or ()) if skip_header else None
        if header is not None and header and encoding == "utf-8-sig":
            header[0] = header[0].removeprefix("\ufeff")
        return list(table.columns), header
    raise AssertionError("unreachable: the all-text read either returns or raises")


def _read_with_c_engine(file: Path, encoding: str, dialect: _Dialect) -> list[Any]:
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
        raise DataError(f"{file.name} holds no table (only blank lines).") from None
    except (pd.errors.ParserError, pd.errors.ParserWarning) as exc:
        _raise_unclosed_quote(file, encoding, dialect)
        _raise_ragged(file, encoding, dialect)
        raise DataError(f"{file.name} cannot be read as a table: {_first_line(exc)}.") from None
    except UnicodeDecodeError:
        raise _NotDecodable from None
    except OSError as exc:
        raise DataError(f"Cannot read {file}: {exc.strerror or exc}.") from None
    return [frame.iloc[:, i] for i in range(frame.shape[1])]


def _split_header(columns: list[Any], dialect: _Dialect) -> list[str] | None:
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
    import pyarrow.compute as pc

    return any(pc.any(pc.match_substring(column, mark)).as_py() for mark in ("\n", "\r"))


def _has_pyarrow() -> bool:
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        return False
    return True


def _every_record_read(
    file: Path, encoding: str, dialect: _Dialect, columns: list[Any], header_in_columns: bool
) -> bool:
    """True if pyarrow returned a row for every record of the file.

    pyarrow's fast parser can silently drop rows around a quote that is never closed. In a
    UTF-8 file without quotes the cells, delimiters and line breaks add up to the file size,
    which costs nothing to check; otherwise the line breaks are counted (one pass over the
    bytes) and compared with the rows, blank lines and line breaks inside quoted cells.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    rows = len(columns[0]) if columns else 0
    try:
        size = file.stat().st_size
        with file.open("rb") as handle:
            head = handle.read(_SNIFF_BYTES)
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


def _has_quote(file: Path) -> bool:
    """True if the file holds a double quote anywhere (one memchr pass, no copy)."""
    try:
        with file.open("rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as m:
            return m.find(b'"') >= 0
    except (OSError, ValueError):
        return True


def _text_bytes(column: Any) -> int:
    """Bytes of text in an Arrow string column, read from its offsets (no pass over the data)."""
    import numpy as np
    import pyarrow as pa

    total = 0
    for chunk in column.chunks:
        if len(chunk) == 0:
            continue
        width = np.int64 if pa.types.is_large_string(chunk.type) else np.int32
        offsets = np.frombuffer(chunk.buffers()[1], dtype=width)
        total += int(offsets[chunk.offset + len(chunk)] - offsets[chunk.offset])
    return total


def _count_lines(file: Path) -> tuple[int, int]:
    """(lines, blank lines) of ``file``; a last line without a line break counts too."""
    lines = blank = 0
    carry = b""
    last = b"\n"
    with file.open("rb") as handle:
        while block := handle.read(_BLOCK_BYTES):
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


def _check_last_row(file: Path, encoding: str, dialect: _Dialect, columns: list[Any]) -> None:
    """Raise if a quote is never closed: pyarrow then reads the rest of the file as one cell.

    Such a cell holds a line break, which :func:`_load_delimited` looks for in the text columns
    (numbers cannot hold one); the one case it cannot see is a quote opened on the last line of
    a file without a final line break, looked for here.
    """
    if columns and len(columns[0]) and _last_line_has_quote(file):
        _raise_unclosed_quote(file, encoding, dialect)


def _last_line_has_quote(file: Path) -> bool:
    try:
        with file.open("rb") as handle:
            handle.seek(max(file.stat().st_size - _SNIFF_BYTES, 0))
            tail = handle.read().rstrip(b"\r\n")
    except OSError:
        return False
    last = tail[tail.rfind(b"\n") + 1 :]
    return b'"' in last and last.count(b'"') % 2 == 1


def _raise_unclosed_quote(file: Path, encoding: str, dialect: _Dialect) -> None:
    """Raise DataError naming the line of a quote that is never closed, if there is one."""
    limit = csv.field_size_limit(2**31 - 1)  # a swallowed tail is one huge field
    try:
        with file.open(encoding=encoding, errors="replace", newline="") as handle:
            for _ in range(dialect.skip_rows):
                handle.readline()
            reader = csv.reader(handle, delimiter=dialect.delimiter, strict=True)
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


def _raise_ragged(file: Path, encoding: str, dialect: _Dialect) -> None:
    """Find the first row whose field count differs from the first row's and raise for it."""
    try:
        with file.open(encoding=encoding, errors="replace", newline="") as handle:
            for _ in range(dialect.skip_rows):
                handle.readline()
            reader = csv.reader(handle, delimiter=dialect.delimiter, strict=False)
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
                        f"{_DELIMITER_NAMES.get(dialect.delimiter, repr(dialect.delimiter))}."
                    )
    except (OSError, csv.Error):
        return


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0].rstrip(".") if text else type(exc).__name__


# ---------------------------------------------------------------------------------------------
# Parquet, Excel, JSON


def _load_parquet(file: Path, report: _Reporter) -> pd.DataFrame:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(file)
        groups = parquet.num_row_groups
        tables = []
        for i in range(groups):
            tables.append(parquet.read_row_group(i))
            report(0.05 + 0.85 * (i + 1) / groups, f"Reading row group {i + 1} of {groups}")
        table = pa.concat_tables(tables) if tables else parquet.schema_arrow.empty_table()
        # integers stay integers where a cell is empty (Int64), as for CSV; a saved index is
        # restored from the pandas metadata
        frame = table.to_pandas(types_mapper=_nullable_integer)
    except (pa.ArrowException, OSError, ValueError) as exc:
        reason = _first_line(exc)
        raise DataError(f"{file.name} is not a readable Parquet file: {reason}.") from None
    if not isinstance(frame.index, pd.RangeIndex) or frame.index.name is not None:
        frame = frame.reset_index()  # a saved index is data the user had: keep it as columns
    return frame


def _nullable_integer(arrow_type: Any) -> Any:
    """pandas' nullable integer dtype for an Arrow integer type (int64 -> Int64), else None."""
    import pyarrow as pa

    if not pa.types.is_integer(arrow_type):
        return None
    name = str(arrow_type)  # "int64", "uint8", ...
    return pd.api.types.pandas_dtype(name.replace("uint", "UInt").replace("int", "Int"))


def _load_excel(file: Path, report: _Reporter, notes: list[str]) -> pd.DataFrame:
    try:
        import openpyxl  # noqa: F401
    except ImportError:
        raise DataError(
            "Reading Excel files needs the optional openpyxl package: "
            "pip install 'kmeans-gui[excel]'."
        ) from None
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
        raise DataError(f"{file.name} is not a readable Excel file: {_first_line(exc)}.") from None
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
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return repr(value)  # 7.0: Excel stored a decimal number, so the column stays float
    return str(value)


def _load_json(file: Path, report: _Reporter, notes: list[str]) -> tuple[pd.DataFrame, str]:
    try:
        raw = file.read_bytes()
    except OSError as exc:
        raise DataError(f"Cannot read {file}: {exc.strerror or exc}.") from None
    report(0.2, f"Parsing {file.name}")
    encoding = json.detect_encoding(raw)
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as exc:
        line_start = raw.rfind(b"\n", 0, exc.start) + 1
        where = _BadByte(
            exc.start,
            raw.count(b"\n", 0, exc.start) + 1,
            len(raw[line_start : exc.start].decode(encoding, errors="replace")) + 1,
            raw[exc.start],
        )
        encoding = "cp1252"
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            encoding = "latin-1"
            text = raw.decode(encoding)
        notes.append(
            f"{file.name}: line {where.line} is not valid UTF-8 ({where.describe()}); it was "
            f"read as {_ENCODING_LABELS[encoding]}, so check accented characters."
        )
    text = text.lstrip("\ufeff")
    lines_format = file.suffix.lower() in (".jsonl", ".ndjson")
    if not lines_format:
        try:
            data: Any = json.loads(text)
        except json.JSONDecodeError as exc:
            if exc.msg != "Extra data" or not text.lstrip().startswith("{"):
                raise DataError(
                    f"{file.name} is not valid JSON: {exc.msg} at line {exc.lineno}, "
                    f"column {exc.colno}."
                ) from None
            lines_format = True  # JSON Lines without the .jsonl name
    if lines_format:
        data = []
        for number, line in enumerate(text.splitlines(), start=1):
            if line.strip():
                try:
                    data.append(json.loads(line))
                except json.JSONDecodeError as exc:
                    raise DataError(
                        f"Line {number} of {file.name} is not valid JSON: {exc.msg}."
                    ) from None
    return _frame_from_json(data, file.name), encoding


def _frame_from_json(data: Any, name: str) -> pd.DataFrame:
    if isinstance(data, list):
        if not data:
            raise DataError(f"{name} holds an empty list: no records to load.")
        for i, item in enumerate(data):
            if not isinstance(item, dict):
                raise DataError(
                    f"{name} must hold a list of records (JSON objects), but item {i + 1} is "
                    f"{type(item).__name__ if item is not None else 'null'}."
                )
        return pd.DataFrame(data)
    if isinstance(data, dict):
        if {"columns", "data"} <= set(data) and isinstance(data["data"], list):
            return pd.DataFrame(data["data"], columns=data["columns"])
        values = list(data.values())
        if values and all(isinstance(v, list) for v in values):
            lengths = {len(v) for v in values}
            if len(lengths) > 1:
                raise DataError(f"{name} holds columns of different lengths: {sorted(lengths)}.")
            return pd.DataFrame(data)
        if values and all(isinstance(v, dict) for v in values):
            return pd.DataFrame(data)
    raise DataError(
        f"{name} does not hold a table; expected a list of records such as "
        '[{"x": 1.5, "y": 2}, ...].'
    )


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
            f" (often trailing {_DELIMITER_NAMES.get(style.delimiter, 'delimiter')}s)"
            if style
            else ""
        )
        notes.append(
            f"Ignored {len(empty_unnamed)} empty column(s) without a header in {file.name}{origin}."
        )
    frame = frame.set_axis(_unique(names), axis=1)
    if len(frame) == 0:
        if fmt == "json":
            raise DataError(f"{file.name} has no records.")
        raise DataError(f"{file.name} has a header row but no data rows.")
    return frame.reset_index(drop=True), tuple(original)


def _unique(names: list[str]) -> list[str]:
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
